"""Annual appraisal (年度考评): combine the year, count the ballots, apply the rules.

The year-end score combines three parts (考、评、议), each share set in
``appraisal.yaml``:

* **periods** (考): the unit's composite in the year's annual run, where every
  indicator is rolled up over the year at its own frequency, so every dimension
  counts with its catalogue weight;
* **review** (评): the year-end evaluation, a committee score (``review.csv``) or the
  key-target review (``key_targets.csv``: achievement against the target in force);
* **survey** (议): the multi-rater appraisal survey (民主测评) from raw ballots.

Then the unit rules (deductions, grade caps, vetoes, bonus points), each with its
source; grades by thresholds; the quota for excellent per appraisal group
(县（市）区政府 and 市直部门 apart); committee overrides. Person rules give a separate
table of proposed individual outcomes, never a unit's grade. Every input is
validated first; every step that changes a unit's score or grade is a row of
``rules_applied``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation import periods as P
from evaluation.analysis.views import group_gaps
from evaluation.appraisal.config import (
    GRADES,
    PERSON_GRADES,
    Config,
    check_against,
    load_config,
    parse_config,
    with_shares,
)
from evaluation.appraisal.grades import (
    apply_overrides,
    apply_quota,
    by_score,
    check_overrides,
    group_rank,
    published,
    quota_table,
    worst,
)
from evaluation.appraisal.inputs import FILES, Inputs, load_inputs, validate_inputs
from evaluation.appraisal.rules import (
    applied_of_kind,
    apply_unit_rules,
    person_outcomes,
    rules_table,
)
from evaluation.appraisal.survey import response_summary, survey_scores
from evaluation.errors import EvaluationError
from evaluation.result import Result
from evaluation.vocabulary import Word, say

GRADE_COLUMNS = [
    "group",
    "group_rank",
    "unit_id",
    "name_zh",
    "name_en",
    "peer_group",
    "periods_score",
    "review_score",
    "survey_score",
    "groups_used",
    "parts_missing",
    "combined",
    "deductions",
    "bonus",
    "score",
    "grade_by_score",
    "grade_after_rules",
    "grade_after_quota",
    "quota_tie",
    "override",
    "final_grade",
]
APPLIED_COLUMNS = [
    "unit_id",
    "rule_id",
    "version",
    "source",
    "effect",
    "effect_zh",
    "reason_zh",
    "reason_en",
    "approved_by",
    "approved_on",
    "reference",
]
DIMENSION_PREFIX = "dim_"


@dataclass(frozen=True)
class Appraisal:
    """The year-end appraisal: grades (with each level-1 dimension's year-end score
    as ``dim_<id>``), every rule applied, the rules and their status, proposed
    individual outcomes, survey groups, ballots."""

    config: Config
    grades: pd.DataFrame
    rules_applied: pd.DataFrame
    rules: pd.DataFrame
    persons: pd.DataFrame
    survey: pd.DataFrame
    ballots: pd.DataFrame
    inputs_sha256: dict[str, str]

    TABLES = ("grades", "rules_applied", "rules", "persons", "survey", "ballots")

    @property
    def config_sha256(self) -> str:
        return self.config.sha256


def weighted_mean(x: np.ndarray, weights) -> np.ndarray:
    """Weighted mean over the first axis of ``x``, over the entries that have a value
    (NaN where none has): the 考评议 shares over the parts a unit has (a missing
    part's share spread over the others). Further axes (units; draws × units) are
    kept."""
    w = np.asarray(weights, dtype=float).reshape(-1, *[1] * (x.ndim - 1))
    have = ~np.isnan(x)
    wt = w * have
    total = wt.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (np.where(have, x, 0.0) * wt).sum(axis=0) / total
    return np.where(total > 0, out, np.nan)


def annual_period(config: Config, result: Result) -> str:
    """The year's annual period label, after checking the result scored it."""
    label = str(config.year)
    if not (result.composite["period"] == label).any():
        have = sorted(result.composite["period"].unique(), key=P.sort_key)
        scored = Word(  # in Chinese as a clerk writes periods: 2024年1月至2025年12月
            f"{P.name_zh(have[0])}至{P.name_zh(have[-1])}，共{len(have)}期"
            if len(have) > 1
            else "、".join(P.name_zh(p) for p in have),
            f"{', '.join(have[-3:])}{' …' if len(have) > 3 else ''}",
        )
        raise EvaluationError(
            words=say("library_error", "no_annual", year=label, have=scored)
        )
    return label


def period_scores(config: Config, result: Result) -> pd.DataFrame:
    """The 考 part: each unit's annual composite, and each level-1 dimension's
    year-end score (``dim_<id>``; missing where the unit did not report enough)."""
    label = annual_period(config, result)
    comp = result.composite[result.composite["period"] == label]
    out = comp[["unit_id", "composite_score"]].rename(
        columns={"composite_score": "periods_score"}
    )
    tops = result.catalogue.top_dimensions()
    s = result.scores
    s = s[(s["period"] == label) & s["node_id"].isin(tops)]
    dims = s.pivot(index="unit_id", columns="node_id", values="score").reindex(
        columns=tops
    )
    dims.columns = [f"{DIMENSION_PREFIX}{c}" for c in dims.columns]
    return out.merge(dims.reset_index(), on="unit_id", how="left")


def review_scores(config: Config, inputs: Inputs) -> pd.DataFrame:
    """The 评 part: the committee's score, or the key-target review (mean over the
    unit's targets of min(achieved / target in force, 1) × 100)."""
    if config.review.source == "review":
        t = inputs.tables.get("review")
        if t is None:
            return pd.DataFrame(columns=["unit_id", "review_score"])
        score = pd.to_numeric(t["score"])
        return pd.DataFrame({"unit_id": t["unit_id"], "review_score": score})
    t = inputs.tables.get("key_targets")
    if t is None:
        return pd.DataFrame(columns=["unit_id", "review_score"])
    target = pd.to_numeric(t["target"])
    achieved = pd.to_numeric(t["achieved"])
    adjusted = pd.to_numeric(t["adjusted_target"])
    in_force = adjusted.fillna(target)  # a mid-year change is scored as adjusted
    ratio = np.minimum(achieved / in_force, 1.0) * 100
    score = ratio.groupby(t["unit_id"]).mean()
    return score.rename("review_score").rename_axis("unit_id").reset_index()


def groups_of(config: Config, units: pd.DataFrame) -> pd.Series:
    """Each unit's appraisal group, from its peer group."""
    of = {p: g.id for g in config.groups for p in g.peer_groups}
    return units["peer_group"].map(of)


def _counted(config: Config, result: Result) -> pd.DataFrame | None:
    """The year's reports of the indicators a rule counts its faults in
    (``rules[].counted_in``), for :func:`validate_inputs` to match the register."""
    wanted = {i for r in config.rules for i in r.counted_in}
    obs = getattr(result, "observations", None)
    if not wanted or obs is None:
        return None
    obs = obs[obs["indicator_id"].isin(list(wanted))]
    year = P.parse(obs["period"])["year"].to_numpy() == config.year
    out = obs.loc[year, ["unit_id", "indicator_id", "period", "value"]]
    cat = result.catalogue  # the indicator as the committee reads it, by its name
    frequency = {i.id: i.frequency for i in cat.indicators}
    return out.assign(
        name_zh=out["indicator_id"].map(lambda i: cat.name(i, "zh")),
        frequency=out["indicator_id"].map(frequency),
    )


def _units_file(result: Result) -> str:
    """The name of the units file the run read (``units.xlsx``), as its provenance
    lists the inputs: the file an appraisal input's unknown unit is not in."""
    inputs = getattr(getattr(result, "provenance", None), "inputs", None) or {}
    names = [n for n in inputs if n.split("/")[-1].split(".")[0] == "units"]
    return names[0] if names else "units.csv"


def appraise(config: Config, result: Result, inputs: Inputs) -> Appraisal:
    """Validate the inputs, combine the parts, apply the rules, grade, apply the
    quota and overrides; propose the individual outcomes."""
    catalogue = result.catalogue
    units = result.units[["unit_id", "name_zh", "name_en", "peer_group"]]
    check_against(config, catalogue, units)
    events = result.events
    events = events[P.parse(events["period"])["year"].to_numpy() == config.year]
    validate_inputs(
        config, inputs, units, events, [e.id for e in catalogue.events],
        counts=_counted(config, result), units_file=_units_file(result),
    )  # fmt: skip
    groups, survey = survey_scores(config, inputs, units)
    table = (
        units.assign(group=groups_of(config, units))
        .merge(period_scores(config, result), on="unit_id", how="left")
        .merge(review_scores(config, inputs), on="unit_id", how="left")
        .merge(survey, on="unit_id", how="left")
    )
    shares = config.shares
    parts = {
        "periods": shares.periods,
        "review": shares.review,
        "survey": shares.survey,
    }
    have = pd.DataFrame({k: table[f"{k}_score"].notna() for k in parts})
    table["combined"] = weighted_mean(
        np.stack([table[f"{k}_score"].to_numpy(dtype=float) for k in parts]),
        list(parts.values()),
    )
    table["parts_missing"] = [
        ", ".join(k for k in parts if not have.at[i, k]) for i in have.index
    ]
    table["deductions"] = 0.0
    table["bonus"] = 0.0
    table["cap"] = "excellent"
    table["veto"] = False
    names = {e.id: (e.name_zh, e.name_en) for e in catalogue.events}
    applied, touched = apply_unit_rules(config, table, inputs, events, names, catalogue)
    persons, touched_persons = person_outcomes(config, inputs, catalogue)
    table["score"] = (table["combined"] - table["deductions"] + table["bonus"]).clip(
        0, 100
    )
    table["grade_by_score"] = by_score(table["score"], config)
    _mark_caps_that_change_nothing(applied, table)
    table["grade_after_rules"] = worst(table["grade_by_score"], table["cap"])
    table.loc[table["veto"], "grade_after_rules"] = "fail"
    table["grade_after_quota"] = table["grade_after_rules"]
    table["quota_tie"] = False
    if config.grades.quota is not None:
        apply_quota(table, config.grades.quota, applied)
    check_overrides(table, inputs, config, applied)
    table["final_grade"] = table["grade_after_quota"]
    table["override"] = ""
    apply_overrides(table, inputs, applied)
    table["group_rank"] = group_rank(table)
    order = {g.id: i for i, g in enumerate(config.groups)}
    dims = [c for c in table.columns if c.startswith(DIMENSION_PREFIX)]
    table = table.assign(_g=table["group"].map(order), _s=-published(table["score"]))
    table = table.sort_values(
        ["_g", "_s", "unit_id"], kind="stable", na_position="last"
    )
    return Appraisal(
        config=config,
        grades=table[[*GRADE_COLUMNS, *dims]].reset_index(drop=True),
        rules_applied=pd.DataFrame(applied, columns=APPLIED_COLUMNS),
        rules=rules_table(config, catalogue, touched | touched_persons),
        persons=persons,
        survey=groups,
        ballots=inputs.tables["ballots"].drop(columns=["source", "row"]),
        inputs_sha256=inputs.sha256,
    )


def dimension_gaps(grades: pd.DataFrame) -> pd.DataFrame:
    """Each unit's year-end level-1 dimension scores against its appraisal group's
    median (units with a score; the unit itself included), as the committee report,
    the feedback letters and the dashboard show them.

    Long table ``unit_id, group, node_id, score, group_median, gap`` in the order of
    ``grades`` and of the dimensions; NaN where the unit has no score.
    """
    dims = [c for c in grades.columns if c.startswith(DIMENSION_PREFIX)]
    scores = grades.set_index("unit_id")[dims].set_axis(
        [d[len(DIMENSION_PREFIX) :] for d in dims], axis=1
    )
    return group_gaps(scores, grades["group"])


def compare_grades(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """What an appraisal's what-if changes for each unit: two grade tables of the same
    units (``Appraisal.grades``, e.g. with other shares of 考、评、议,
    :func:`evaluation.appraisal.config.with_shares`), side by side.

    One row per unit in ``before``'s order: ``group, unit_id, name_zh, name_en,
    score_before, score_after, change`` (after − before), ``rank_before,
    rank_after`` (place in the appraisal group), ``move`` (places gained: before −
    after; NaN where either has no rank), ``grade_before, grade_after``
    (final grades) and ``grade_changed``. A unit in only one of the tables is an
    error naming it."""
    a = before.set_index("unit_id")
    b = after.set_index("unit_id")
    odd = sorted(set(a.index) ^ set(b.index))
    if odd:
        raise EvaluationError(
            f"compare_grades: the two appraisals grade different units: "
            f"{', '.join(map(str, odd[:10]))}{' …' if len(odd) > 10 else ''}"
        )
    b = b.reindex(a.index)
    rank_a = a["group_rank"].astype("Float64").astype(float)
    rank_b = b["group_rank"].astype("Float64").astype(float)
    out = pd.DataFrame(
        {
            "group": a["group"],
            "name_zh": a["name_zh"],
            "name_en": a["name_en"],
            "score_before": a["score"].astype(float),
            "score_after": b["score"].astype(float),
            "change": b["score"].astype(float) - a["score"].astype(float),
            "rank_before": rank_a,
            "rank_after": rank_b,
            "move": rank_a - rank_b,
            "grade_before": a["final_grade"],
            "grade_after": b["final_grade"],
            "grade_changed": a["final_grade"] != b["final_grade"],
        }
    )
    return out.rename_axis("unit_id").reset_index()[
        ["group", "unit_id", *out.columns.drop("group")]
    ]


def _mark_caps_that_change_nothing(applied: list[dict], table: pd.DataFrame) -> None:
    """A grade cap above the grade the score earns changes nothing: say so, so the
    committee sees which caps bind (the row stays: the unit is still not eligible).
    A row's ``cap`` and ``faults`` stay for the overrides' check, and are not
    columns of ``rules_applied``."""
    rank = {g: i for i, g in enumerate(GRADES)}
    by_score = dict(zip(table["unit_id"], table["grade_by_score"], strict=True))
    for row in applied:
        cap = row.get("cap")
        if cap is not None and rank[by_score[row["unit_id"]]] >= rank[cap]:
            row["effect"] += " (grade unchanged)"
            row["effect_zh"] += "（未改变等次）"


__all__ = [
    "APPLIED_COLUMNS",
    "FILES",
    "GRADES",
    "GRADE_COLUMNS",
    "PERSON_GRADES",
    "Appraisal",
    "Config",
    "Inputs",
    "applied_of_kind",
    "appraise",
    "compare_grades",
    "dimension_gaps",
    "groups_of",
    "load_config",
    "load_inputs",
    "parse_config",
    "period_scores",
    "quota_table",
    "response_summary",
    "review_scores",
    "survey_scores",
    "weighted_mean",
    "with_shares",
]
