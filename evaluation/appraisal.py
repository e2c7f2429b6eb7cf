"""Annual appraisal (年度考评): combine the year, count the ballots, apply the rules.

The year-end score combines three parts (考、评、议), each share set in
``appraisal.yaml``:

* **periods** (考): the weighted mean of the unit's period composites in the year;
* **review** (评): the year-end evaluation, a committee score (``review.csv``) or the
  key-target review (``key_targets.csv``: achievement against the target in force,
  the adjusted one where a target was changed mid-year);
* **survey** (议): the multi-rater appraisal survey (民主测评) from raw ballots.

Then the accountability rules (deductions, grade caps, vetoes), each versioned with
its source; grades by thresholds; the quota for excellent; committee overrides. Every
step that changes a unit's score or grade is a row of ``rules_applied``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from . import periods as P
from .errors import CatalogueError, EvaluationError, ValidationFailed
from .io import read_table
from .result import Result

Grade = Literal["excellent", "good", "pass", "fail"]
GRADES: tuple[str, ...] = ("excellent", "good", "pass", "fail")  # best first
GRADE_NAMES = {
    "excellent": ("优秀", "excellent"),
    "good": ("良好", "good"),
    "pass": ("合格", "pass"),
    "fail": ("不合格", "fail"),
}
Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9_]+$", max_length=64)]
Share = Annotated[float, Field(ge=0, le=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Shares(_Model):
    """考、评、议: the parts of the year-end score (sum to 1)."""

    periods: Share = 0.5
    review: Share = 0.3
    survey: Share = 0.2

    @model_validator(mode="after")
    def _sum_to_one(self):
        total = self.periods + self.review + self.survey
        if abs(total - 1) > 1e-9:
            raise ValueError(f"shares must sum to 1, got {total:g}")
        return self


class PeriodsPart(_Model):
    """Which period composites make the 考 part, and their weights (default 1)."""

    frequency: Literal["monthly", "bimonthly", "quarterly", "half_year"] = "monthly"
    #: weight by the label's suffix within the year, e.g. {M12: 2, Q4: 2}
    weights: dict[str, Annotated[float, Field(gt=0)]] = {}


class Trim(_Model):
    """Drop the ``k`` highest and lowest ballots when there are ``min_ballots``."""

    k: Annotated[int, Field(ge=1)] = 1
    min_ballots: Annotated[int, Field(ge=3)] = 10


class RaterGroup(_Model):
    id: Id
    name_zh: str
    name_en: str
    weight: Annotated[float, Field(gt=0)]
    min_respondents: Annotated[int, Field(ge=1)] = 5
    trim: Trim | None = None


class Survey(_Model):
    """民主测评: answers → points (``null``: don't know, excluded); groups, weights."""

    scale: dict[str, float | None] = {
        "满意": 100.0,
        "基本满意": 70.0,
        "不满意": 0.0,
        "不了解": None,
    }
    groups: tuple[RaterGroup, ...] = Field(min_length=1)


class Review(_Model):
    source: Literal["review", "key_targets"] = "review"


class Rule(_Model):
    """An accountability rule, versioned with the document it comes from."""

    id: Id
    kind: Literal["deduction", "grade_cap", "veto"]
    version: str
    source: str = Field(min_length=1)  #: the policy document and article
    name_zh: str
    name_en: str
    #: deduction: points per fault, by severity
    points: dict[str, Annotated[float, Field(ge=0)]] = {}
    cap: Annotated[float, Field(gt=0)] | None = None  #: most points deducted a year
    #: grade_cap: at least this many faults (of these severities) → at most ``grade``
    faults_at_least: Annotated[int, Field(ge=1)] = 1
    severities: tuple[str, ...] = ()
    grade: Grade = "fail"
    #: veto: event types (the dataset's events.csv) that fail the unit once approved
    events: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _fields_of_kind(self):
        if self.kind == "deduction" and not self.points:
            raise ValueError("a deduction rule needs points per severity")
        if self.kind == "veto" and not self.events:
            raise ValueError("a veto rule needs events")
        return self


class Quota(_Model):
    """At most ``share`` of the units (per peer group or overall) are excellent;
    the count is ``share × n`` rounded half up."""

    share: Annotated[float, Field(gt=0, le=1)] = 0.2
    per: Literal["peer_group", "overall"] = "overall"


class Grades(_Model):
    excellent: float = 90
    good: float = 75
    pass_: float = Field(60, alias="pass")
    quota: Quota | None = Quota()

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _ordered(self):
        if not self.excellent > self.good > self.pass_:
            raise ValueError("thresholds must fall: excellent > good > pass")
        return self


class Config(_Model):
    """``appraisal.yaml``."""

    id: Id
    version: str
    year: int
    name_zh: str
    name_en: str
    shares: Shares = Shares()
    periods: PeriodsPart = PeriodsPart()
    review: Review = Review()
    survey: Survey
    rules: tuple[Rule, ...] = ()
    grades: Grades = Grades()


def load_config(path: str | Path) -> Config:
    """Read ``appraisal.yaml``; every problem named by its YAML path."""
    path = Path(path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        rows = [
            {
                "file": path.name,
                "path": ".".join(map(str, e["loc"])),
                "value": str(e.get("input", ""))[:80],
                "rule": e["msg"],
            }
            for e in exc.errors()
        ]
        raise CatalogueError(
            pd.DataFrame(rows, columns=CatalogueError.columns)
        ) from None


# ----------------------------------------------------------------------- inputs
#: appraisal input files: required columns, then optional ones
FILES = {
    "ballots": (
        ["ballot_id", "rater_group", "rater_id", "unit_id", "answer"],
        ["rater_unit"],
    ),
    "raters": (["rater_id", "rater_group"], ["rater_unit"]),
    "review": (["unit_id", "score"], ["reviewed_by"]),
    "key_targets": (
        ["unit_id", "target_id", "target", "achieved"],
        ["adjusted_target", "adjusted_on", "reason"],
    ),
    "faults": (["unit_id", "date", "severity"], ["reference", "description"]),
    "vetoes": (["unit_id", "event_id", "approved_by", "approved_on", "reference"], []),
    "overrides": (["unit_id", "grade", "reason", "approved_by", "approved_on"], []),
}


@dataclass(frozen=True)
class Inputs:
    """The appraisal input tables as read (text cells, ``source`` and ``row``)."""

    tables: dict[str, pd.DataFrame]
    sha256: dict[str, str] = field(default_factory=dict)
    root: str = ""


def load_inputs(folder: str | Path) -> Inputs:
    """Read an appraisal folder: ``ballots.csv`` and ``raters.csv`` (required), and
    ``review.csv`` or ``key_targets.csv``, ``faults.csv``, ``vetoes.csv``,
    ``overrides.csv`` where present."""
    folder = Path(folder)
    tables, hashes, problems = {}, {}, []
    for name, (required, optional) in FILES.items():
        path = folder / f"{name}.csv"
        if not path.exists():
            if name in ("ballots", "raters"):
                problems.append((f"{name}.csv", pd.NA, "", "", "missing file"))
            continue
        frame, record = read_table(path, name=f"{name}.csv")
        hashes[f"{name}.csv"] = record["sha256"]
        header = [c for c in frame.columns if c not in ("source", "row")]
        for c in required:
            if c not in header:
                problems.append(
                    (f"{name}.csv", pd.NA, c, "", f"missing_column: '{c}' is required")
                )
        for c in header:
            if c not in required + optional:
                problems.append(
                    (
                        f"{name}.csv",
                        pd.NA,
                        c,
                        "",
                        f"unknown_column: allowed {', '.join(required + optional)}",
                    )
                )
        tables[name] = frame
    _raise(problems)
    return Inputs(tables, hashes, str(folder))


# ------------------------------------------------------------------- the steps
def survey_scores(
    config: Config, inputs: Inputs, units: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per unit and rater group: ballots, trimming, mean, sufficiency, response rate;
    then per unit the weighted survey score over the sufficient groups.

    Returns ``(groups, scores)``: ``groups`` one row per (unit, group); ``scores``
    ``unit_id, survey_score, groups_used``.
    """
    s = config.survey
    ballots = inputs.tables["ballots"]
    raters = inputs.tables["raters"]
    _check_ballots(ballots, raters, s, units)
    points = ballots["answer"].map(lambda a: _points(a, s.scale))
    ballots = ballots.assign(points=points)
    rows = []
    for g in s.groups:  # groups, not ballots
        roster = raters[raters["rater_group"] == g.id]
        mine = ballots[ballots["rater_group"] == g.id]
        for unit in units["unit_id"]:
            b = mine[mine["unit_id"] == unit]
            valid = b["points"].dropna().to_numpy(dtype=float)
            eligible = (
                roster
                if "rater_unit" not in roster
                else roster[roster["rater_unit"].fillna("") != unit]
            )
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


def weighted_mean(x: np.ndarray, weights) -> np.ndarray:
    """Weighted mean over the first axis of ``x``, over the entries that have a value
    (NaN where none has): the 考 part over the year's periods, and the 考评议 shares
    over the parts a unit has (a missing part's share spread over the others). Any
    further axes (units; draws × units) are kept."""
    w = np.asarray(weights, dtype=float).reshape(-1, *[1] * (x.ndim - 1))
    have = ~np.isnan(x)
    wt = w * have
    total = wt.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (np.where(have, x, 0.0) * wt).sum(axis=0) / total
    return np.where(total > 0, out, np.nan)


def period_weight(config: Config, label: str) -> float:
    """A period's weight in the 考 part, by its label's suffix (``M12`` …; 1 if
    not listed)."""
    return config.periods.weights.get(label.split("-")[1], 1.0)


def period_scores(config: Config, result: Result) -> pd.DataFrame:
    """The 考 part: each unit's weighted mean composite over the year's periods."""
    comp = result.composite
    parsed = P.parse(comp["period"])
    mine = (parsed["year"] == config.year) & (
        parsed["frequency"] == config.periods.frequency
    )
    comp = comp[mine.to_numpy()]
    if comp.empty:
        raise EvaluationError(
            f"the result has no {config.periods.frequency} composites in "
            f"{config.year}: score the year at that frequency first (e.g. --period "
            f"{config.year}-M12)"
        )
    w = (
        comp["period"]
        .map(lambda label: period_weight(config, label))
        .where(comp["composite_score"].notna(), 0.0)
    )
    total = w.groupby(comp["unit_id"]).sum()
    score = (comp["composite_score"].fillna(0) * w).groupby(comp["unit_id"]).sum()
    return pd.DataFrame(
        {
            "periods_score": (score / total).where(total > 0),
            "periods_used": (w > 0).groupby(comp["unit_id"]).sum().astype(int),
        }
    ).reset_index()


def review_scores(config: Config, inputs: Inputs) -> pd.DataFrame:
    """The 评 part: the committee's score, or the key-target review."""
    if config.review.source == "review":
        t = inputs.tables.get("review")
        if t is None:
            return pd.DataFrame(columns=["unit_id", "review_score"])
        score = _numbers(t, "score", "review.csv", 0, 100)
        return pd.DataFrame({"unit_id": t["unit_id"], "review_score": score})
    t = inputs.tables.get("key_targets")
    if t is None:
        return pd.DataFrame(columns=["unit_id", "review_score"])
    target = _numbers(t, "target", "key_targets.csv", 0, None, positive=True)
    achieved = _numbers(t, "achieved", "key_targets.csv", 0, None)
    adjusted = (
        _numbers(t, "adjusted_target", "key_targets.csv", 0, None, positive=True)
        if "adjusted_target" in t
        else pd.Series(np.nan, index=t.index)
    )
    in_force = adjusted.fillna(target)  # a mid-year change is scored as adjusted
    ratio = np.minimum(achieved / in_force, 1.0) * 100
    score = ratio.groupby(t["unit_id"]).mean()
    return score.rename("review_score").rename_axis("unit_id").reset_index()


def appraise(
    config: Config,
    result: Result,
    inputs: Inputs,
) -> Appraisal:
    """Combine, apply the rules, grade, apply the quota and overrides."""
    units = result.units[["unit_id", "name_zh", "name_en", "peer_group"]]
    groups, survey = survey_scores(config, inputs, units)
    table = (
        units.merge(period_scores(config, result), on="unit_id", how="left")
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
    # a missing part's share is spread over the parts the unit has
    table["combined"] = weighted_mean(
        np.stack([table[f"{k}_score"].to_numpy(dtype=float) for k in parts]),
        list(parts.values()),
    )
    table["parts_missing"] = [
        ", ".join(k for k in parts if not have.at[i, k]) for i in have.index
    ]
    applied: list[dict] = []
    faults = _faults(inputs)
    events = result.events
    table["deductions"] = 0.0
    table["cap"] = "excellent"
    table["veto"] = False
    catalogue = getattr(result, "catalogue", None)  # names events in the reasons
    names = (
        {e.id: (e.name_zh, e.name_en) for e in catalogue.events} if catalogue else {}
    )
    in_year = P.parse(events["period"])["year"].to_numpy() == config.year
    for rule in config.rules:
        _apply_rule(rule, table, faults, events[in_year], inputs, applied, names)
    table["score"] = (table["combined"] - table["deductions"]).clip(lower=0)
    th = config.grades
    table["grade_by_score"] = np.select(
        [
            table["score"] >= th.excellent,
            table["score"] >= th.good,
            table["score"] >= th.pass_,
        ],
        ["excellent", "good", "pass"],
        "fail",
    )
    table.loc[table["score"].isna(), "grade_by_score"] = "fail"
    rank = {g: i for i, g in enumerate(GRADES)}
    worse = [
        max(a, b, key=rank.get)
        for a, b in zip(table["grade_by_score"], table["cap"], strict=True)
    ]
    table["grade_after_rules"] = worse
    table.loc[table["veto"], "grade_after_rules"] = "fail"
    table["grade_after_quota"] = table["grade_after_rules"]
    table["quota_tie"] = False
    if th.quota is not None:
        _quota(table, th.quota, applied)
    table["final_grade"] = table["grade_after_quota"]
    table["override"] = ""
    _overrides(table, inputs, applied)
    rules_applied = pd.DataFrame(applied, columns=APPLIED_COLUMNS)
    return Appraisal(
        config=config,
        grades=table[GRADE_COLUMNS],
        rules_applied=rules_applied,
        survey=groups,
        ballots=inputs.tables["ballots"].drop(columns=["source", "row"]),
        inputs_sha256=inputs.sha256,
    )


GRADE_COLUMNS = [
    "unit_id",
    "name_zh",
    "name_en",
    "peer_group",
    "periods_score",
    "periods_used",
    "review_score",
    "survey_score",
    "groups_used",
    "parts_missing",
    "combined",
    "deductions",
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


@dataclass(frozen=True)
class Appraisal:
    """The year-end appraisal: grades, every rule applied, survey groups, ballots."""

    config: Config
    grades: pd.DataFrame
    rules_applied: pd.DataFrame
    survey: pd.DataFrame
    ballots: pd.DataFrame
    inputs_sha256: dict[str, str]

    TABLES = ("grades", "rules_applied", "survey", "ballots")

    @property
    def config_sha256(self) -> str:
        text = self.config.model_dump_json(by_alias=True)
        return hashlib.sha256(text.encode()).hexdigest()


# ----------------------------------------------------------------- internals
def _apply_rule(rule: Rule, table, faults, events, inputs, applied, names) -> None:
    """Apply one rule to ``table`` in place; record each effect in ``applied``.
    ``names``: event type → (zh, en) for the reasons."""
    base = {"rule_id": rule.id, "version": rule.version, "source": rule.source}
    idx = table.set_index("unit_id").index
    if rule.kind == "deduction":
        f = faults[faults["severity"].isin(list(rule.points))]
        pts = f["severity"].map(rule.points).groupby(f["unit_id"]).sum()
        for unit, p in pts.items():
            d = min(p, rule.cap) if rule.cap is not None else p
            n = int((f["unit_id"] == unit).sum())
            i = idx.get_loc(unit)
            table.loc[table.index[i], "deductions"] += d
            applied.append(
                base
                | {
                    "unit_id": unit,
                    "effect": f"-{d:g}",
                    "effect_zh": f"扣 {d:g} 分",
                    "reason_zh": f"{rule.name_zh}：{n} 起过错，扣 {d:g} 分",
                    "reason_en": f"{rule.name_en}: {n} fault finding(s), {d:g} "
                    "points deducted",
                }
            )
    elif rule.kind == "grade_cap":
        f = (
            faults
            if not rule.severities
            else faults[faults["severity"].isin(rule.severities)]
        )
        counts = f.groupby("unit_id").size()
        rank = {g: i for i, g in enumerate(GRADES)}
        for unit, n in counts[counts >= rule.faults_at_least].items():
            i = table.index[idx.get_loc(unit)]
            if rank[rule.grade] > rank[table.at[i, "cap"]]:
                table.at[i, "cap"] = rule.grade
            z, e = GRADE_NAMES[rule.grade]
            applied.append(
                base
                | {
                    "unit_id": unit,
                    "effect": f"at most {rule.grade}",
                    "effect_zh": f"最高{GRADE_NAMES[rule.grade][0]}",
                    "reason_zh": f"{rule.name_zh}：{n} 起过错，最高评为{z}",
                    "reason_en": f"{rule.name_en}: {n} fault finding(s), at most {e}",
                }
            )
    else:  # veto: an event of a listed type, with its approval record
        year_events = events[events["event_id"].isin(rule.events)]
        approvals = inputs.tables.get(
            "vetoes", pd.DataFrame(columns=FILES["vetoes"][0])
        )
        missing = []
        for r in year_events.itertuples():
            ok = approvals[
                (approvals["unit_id"] == r.unit_id)
                & (approvals["event_id"] == r.event_id)
            ]
            if ok.empty:
                missing.append(
                    (
                        "vetoes.csv",
                        pd.NA,
                        "unit_id, event_id",
                        f"{r.unit_id} / {r.event_id}",
                        f"veto_approval: rule {rule.id} needs an approval record "
                        "(approved_by, approved_on, reference) for this event",
                    )
                )
                continue
            a = ok.iloc[0]
            i = table.index[idx.get_loc(r.unit_id)]
            table.at[i, "veto"] = True
            zh, en = names.get(r.event_id, (r.event_id, r.event_id))
            applied.append(
                base
                | {
                    "unit_id": r.unit_id,
                    "effect": "fail (veto)",
                    "effect_zh": "一票否决，不合格",
                    "reason_zh": f"{rule.name_zh}：{r.period} {zh}，一票否决",
                    "reason_en": f"{rule.name_en}: {en} in {r.period}, veto",
                    "approved_by": a["approved_by"],
                    "approved_on": a["approved_on"],
                    "reference": a["reference"],
                }
            )
        _raise(missing)


def _quota(table: pd.DataFrame, quota: Quota, applied: list) -> None:
    """Keep the best ``round_half_up(share × n)`` excellent units per group.

    Order: score (2 decimals, as published), then the periods part, then the survey
    part, all descending; a tie still standing at the boundary is settled by
    ``unit_id`` and marked ``quota_tie`` for the committee.
    """
    keys = (
        table["peer_group"]
        if quota.per == "peer_group"
        else pd.Series("all", index=table.index)
    )
    for _, members in table.groupby(keys, sort=False):  # peer groups
        n = len(members)
        allowed = int(
            Decimal(repr(quota.share * n)).quantize(Decimal(1), ROUND_HALF_UP)
        )
        cand = members[members["grade_after_rules"] == "excellent"]
        if len(cand) <= allowed:
            continue
        order = cand.assign(
            _s=cand["score"].round(2),
            _p=cand["periods_score"].fillna(-1),
            _v=cand["survey_score"].fillna(-1),
        ).sort_values(
            ["_s", "_p", "_v", "unit_id"], ascending=[False, False, False, True]
        )
        keep, drop = order.iloc[:allowed], order.iloc[allowed:]
        if allowed and len(drop):
            last, first_out = keep.iloc[-1], drop.iloc[0]
            if (last["_s"], last["_p"], last["_v"]) == (
                first_out["_s"],
                first_out["_p"],
                first_out["_v"],
            ):
                tied = order[
                    (order["_s"] == last["_s"])
                    & (order["_p"] == last["_p"])
                    & (order["_v"] == last["_v"])
                ].index
                table.loc[tied, "quota_tie"] = True
        table.loc[drop.index, "grade_after_quota"] = "good"
        for i in drop.index:
            applied.append(
                {
                    "unit_id": table.at[i, "unit_id"],
                    "rule_id": "quota",
                    "version": "",
                    "source": "grades.quota",
                    "effect": "excellent → good",
                    "effect_zh": "优秀 → 良好（名额）",
                    "reason_zh": f"优秀名额 {allowed} 个（{n} 个单位 × "
                    f"{quota.share:g}，四舍五入），按得分排序未入选",
                    "reason_en": f"excellent quota {allowed} ({n} units × "
                    f"{quota.share:g}, rounded half up); outside it by score",
                }
            )


def _overrides(table: pd.DataFrame, inputs: Inputs, applied: list) -> None:
    o = inputs.tables.get("overrides")
    if o is None:
        return
    problems = []
    for r in o.itertuples():
        if r.grade not in GRADES:
            problems.append(
                ("overrides.csv", r.row, "grade", r.grade, f"grade: one of {GRADES}")
            )
        for c in ("reason", "approved_by", "approved_on"):
            if not isinstance(getattr(r, c), str) or not getattr(r, c).strip():
                problems.append(
                    ("overrides.csv", r.row, c, "", f"required: an override needs {c}")
                )
        if r.unit_id not in set(table["unit_id"]):
            problems.append(
                ("overrides.csv", r.row, "unit_id", r.unit_id, "known_unit")
            )
    _raise(problems)
    for r in o.itertuples():
        i = table.index[table["unit_id"] == r.unit_id][0]
        before = table.at[i, "final_grade"]
        table.at[i, "final_grade"] = r.grade
        table.at[i, "override"] = f"{before} → {r.grade}"
        applied.append(
            {
                "unit_id": r.unit_id,
                "rule_id": "override",
                "version": "",
                "source": "committee",
                "effect": f"{before} → {r.grade}",
                "effect_zh": f"{GRADE_NAMES[before][0]} → {GRADE_NAMES[r.grade][0]}",
                "reason_zh": r.reason,
                "reason_en": r.reason,
                "approved_by": r.approved_by,
                "approved_on": r.approved_on,
                "reference": "",
            }
        )


def _faults(inputs: Inputs) -> pd.DataFrame:
    f = inputs.tables.get("faults")
    if f is None:
        return pd.DataFrame(columns=["unit_id", "date", "severity"])
    return f


def _check_ballots(ballots, raters, survey: Survey, units) -> None:
    """Every ballot: a known group, unit and answer; no self-rating; no duplicate."""
    problems = []
    groups = {g.id for g in survey.groups}
    known = set(units["unit_id"])
    roster = raters.set_index("rater_id")
    for r in ballots.itertuples():
        if r.rater_group not in groups:
            problems.append(
                (
                    "ballots.csv",
                    r.row,
                    "rater_group",
                    r.rater_group,
                    f"known_group: one of {sorted(groups)}",
                )
            )
        if r.unit_id not in known:
            problems.append(("ballots.csv", r.row, "unit_id", r.unit_id, "known_unit"))
        if r.answer not in survey.scale and _number(r.answer) is None:
            problems.append(
                (
                    "ballots.csv",
                    r.row,
                    "answer",
                    r.answer,
                    f"answer: a number 0–100 or one of {list(survey.scale)}",
                )
            )
        own = getattr(r, "rater_unit", None)
        if (
            (own is None or pd.isna(own))
            and r.rater_id in roster.index
            and "rater_unit" in roster
        ):
            own = roster.at[r.rater_id, "rater_unit"]
        if isinstance(own, str) and own == r.unit_id:
            problems.append(
                (
                    "ballots.csv",
                    r.row,
                    "unit_id",
                    r.unit_id,
                    f"self_rating: rater {r.rater_id} belongs to {own}",
                )
            )
    dup = ballots.duplicated(["rater_id", "unit_id"], keep=False)
    for r in ballots[dup].itertuples():
        problems.append(
            (
                "ballots.csv",
                r.row,
                "rater_id, unit_id",
                f"{r.rater_id} / {r.unit_id}",
                "duplicate: a rater rates a unit once",
            )
        )
    dup_id = ballots.duplicated("ballot_id", keep=False)
    for r in ballots[dup_id].itertuples():
        problems.append(
            (
                "ballots.csv",
                r.row,
                "ballot_id",
                r.ballot_id,
                "unique: ballot ids are unique",
            )
        )
    _raise(problems)


def _points(answer, scale):
    if answer in scale:
        return np.nan if scale[answer] is None else scale[answer]
    return _number(answer)


def _number(text):
    try:
        v = float(text)
    except (TypeError, ValueError):
        return None
    return v if 0 <= v <= 100 else None


def _numbers(t, column, file, lo, hi, positive=False) -> pd.Series:
    raw = t[column].where(t[column].astype(str).str.strip() != "")  # empty: missing
    v = pd.to_numeric(raw, errors="coerce")
    bad = v.isna() & raw.notna()
    bad |= v < lo
    if hi is not None:
        bad |= v > hi
    if positive:
        bad |= v <= 0
    rng = f"[{lo}, {hi}]" if hi is not None else ("> 0" if positive else f"≥ {lo}")
    _raise(
        [
            (file, r, column, t.at[i, column], f"numeric: a number {rng}")
            for i, r in zip(t.index[bad], t["row"][bad], strict=True)
        ]
    )
    return v


def _raise(problems: list) -> None:
    if problems:
        raise ValidationFailed(pd.DataFrame(problems, columns=ValidationFailed.columns))
