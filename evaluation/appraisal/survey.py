"""民主测评: the multi-rater appraisal survey, from validated raw ballots."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.appraisal.config import Config
from evaluation.appraisal.inputs import Inputs


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
    ids = pd.Index(units["unit_id"], name="unit_id")
    ballots = ballots.assign(
        points=ballots["answer"].map(lambda a: points_of(a, s.scale))
    )
    frames = []
    for g in s.groups:  # a handful of rater groups; units and ballots are vectorised
        mine = ballots[ballots["rater_group"] == g.id]
        by_unit = mine.groupby("unit_id")["points"]
        n_ballots = mine.groupby("unit_id").size().reindex(ids, fill_value=0)
        valid = by_unit.count().reindex(ids, fill_value=0)
        # trimming: drop the k lowest and k highest valid ballots of a unit that has
        # at least min_ballots of them
        keep = mine["points"].notna()
        trimmed = pd.Series(0, index=ids)
        if g.trim:
            n = mine["unit_id"].map(valid)
            place = by_unit.rank(method="first")
            cut = n >= g.trim.min_ballots
            keep &= ~cut | ((place > g.trim.k) & (place <= n - g.trim.k))
            trimmed = trimmed.where(valid < g.trim.min_ballots, 2 * g.trim.k)
        mean = mine.loc[keep, "points"].groupby(mine.loc[keep, "unit_id"]).mean()
        enough = valid >= g.min_respondents
        roster = raters[raters["rater_group"] == g.id]
        own = roster["rater_unit"].value_counts().reindex(ids, fill_value=0)
        eligible = len(roster) - own  # the roster less the unit's own staff
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = (n_ballots / eligible).where(eligible > 0)
        frames.append(
            pd.DataFrame(
                {
                    "unit_id": ids,
                    "rater_group": g.id,
                    "ballots": n_ballots.to_numpy(),
                    "dont_know": (n_ballots - valid).to_numpy(),
                    "valid": valid.to_numpy(),
                    "trimmed": trimmed.to_numpy(),
                    "mean": mean.reindex(ids).where(enough).to_numpy(dtype=float),
                    "status": np.where(enough, "sufficient", "insufficient"),
                    "eligible_raters": eligible.to_numpy(),
                    "response_rate": rate.to_numpy(dtype=float),
                    "weight": g.weight,
                }
            )
        )
    groups = pd.concat(frames, ignore_index=True)
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
