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


def response_summary(groups: pd.DataFrame, config: Config) -> pd.DataFrame:
    """The survey at a glance, one row per rater group in ``appraisal.yaml``'s order:
    did enough of them answer, and for how many units was a group too thin to count?

    ``groups``: the per unit and group table of :func:`survey_scores`
    (``Appraisal.survey``). Columns ``rater_group, name_zh, name_en, weight,
    ballots, dont_know, valid, eligible_raters, response_rate`` (all ballots over
    all eligible raters, summed over units: at most 1), ``units`` (rated by the
    group), ``insufficient`` (units where the group had fewer valid ballots than
    ``min_respondents``: its weight went to the unit's other groups) and
    ``mean_score`` (mean of the units' group means where sufficient)."""
    g = groups.assign(
        insufficient=groups["status"] == "insufficient",
        rated=groups["ballots"] > 0,
    ).groupby("rater_group", sort=False)
    out = g[["ballots", "dont_know", "valid", "eligible_raters"]].sum()
    out["units"] = g["rated"].sum()
    out["insufficient"] = g["insufficient"].sum()
    out["mean_score"] = g["mean"].mean()
    order = [r.id for r in config.survey.groups]
    out = out.reindex(order)
    counts = ["ballots", "dont_know", "valid", "eligible_raters", "units"]
    out[[*counts, "insufficient"]] = (
        out[[*counts, "insufficient"]].fillna(0).astype("int64")
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = out["ballots"] / out["eligible_raters"]
    out["response_rate"] = rate.where(out["eligible_raters"] > 0)
    names = {r.id: (r.name_zh, r.name_en, r.weight) for r in config.survey.groups}
    out.insert(0, "name_zh", [names[k][0] for k in order])
    out.insert(1, "name_en", [names[k][1] for k in order])
    out.insert(2, "weight", [names[k][2] for k in order])
    columns = ["name_zh", "name_en", "weight", *counts[:4], "response_rate",
               "units", "insufficient", "mean_score"]  # fmt: skip
    return out[columns].rename_axis("rater_group").reset_index()


def points_of(answer, scale: dict) -> float:
    """A validated answer's points: the scale's (NaN for don't know) or the number."""
    if answer in scale:
        return np.nan if scale[answer] is None else scale[answer]
    return float(answer)
