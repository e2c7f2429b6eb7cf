"""民主测评: the multi-rater appraisal survey, from validated raw ballots."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .config import Config
from .inputs import Inputs


def survey_scores(
    config: Config, inputs: Inputs, units: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per unit and rater group: ballots, trimming, mean, sufficiency, response rate;
    then per unit the weighted survey score over the sufficient groups.

    Returns ``(groups, scores)``: ``groups`` one row per (unit, group); ``scores``
    ``unit_id, survey_score, groups_used``. Ballots are validated (every rater in
    the roster, once per unit, never their own unit), so a response rate is at most
    100 %.
    """
    s = config.survey
    ballots = inputs.tables["ballots"]
    raters = inputs.tables["raters"]
    points = ballots["answer"].map(lambda a: points_of(a, s.scale))
    ballots = ballots.assign(points=points)
    rows = []
    for g in s.groups:  # groups × units: a city's few hundred cells
        roster = raters[raters["rater_group"] == g.id]
        mine = ballots[ballots["rater_group"] == g.id]
        for unit in units["unit_id"]:
            b = mine[mine["unit_id"] == unit]
            valid = b["points"].dropna().to_numpy(dtype=float)
            eligible = roster[roster["rater_unit"].fillna("") != unit]
            trimmed = 0
            x = np.sort(valid)
            if g.trim and len(x) >= g.trim.min_ballots:
                x, trimmed = x[g.trim.k : len(x) - g.trim.k], 2 * g.trim.k
            enough = len(valid) >= g.min_respondents
            rows.append(
                {
                    "unit_id": unit,
                    "rater_group": g.id,
                    "ballots": len(b),
                    "dont_know": int(b["points"].isna().sum()),
                    "valid": len(valid),
                    "trimmed": trimmed,
                    "mean": float(x.mean()) if enough and len(x) else np.nan,
                    "status": "sufficient" if enough else "insufficient",
                    "eligible_raters": len(eligible),
                    "response_rate": len(b) / len(eligible)
                    if len(eligible)
                    else np.nan,
                    "weight": g.weight,
                }
            )
    groups = pd.DataFrame(rows)
    used = groups["status"] == "sufficient"
    # insufficient groups: their weight is spread over the unit's sufficient groups
    total = groups["weight"].where(used, 0).groupby(groups["unit_id"]).transform("sum")
    groups["weight_used"] = np.where(used & (total > 0), groups["weight"] / total, 0.0)
    score = (
        (groups["mean"].fillna(0) * groups["weight_used"])
        .groupby(groups["unit_id"])
        .sum()
        .where(used.groupby(groups["unit_id"]).any())
    )
    scores = pd.DataFrame(
        {
            "survey_score": score,
            "groups_used": used.groupby(groups["unit_id"]).sum().astype(int),
        }
    ).reset_index()
    return groups, scores


def points_of(answer, scale: dict) -> float:
    """A validated answer's points: the scale's (NaN for don't know) or the number."""
    if answer in scale:
        return np.nan if scale[answer] is None else scale[answer]
    return float(answer)
