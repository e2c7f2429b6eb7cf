"""Graded early warning (分级预警): warning rules with reasons, a grade per unit.

Rules come from the catalogue: each indicator's ``risk:`` thresholds, and the
``risk.rules`` list (score thresholds, target shortfall, peer position, trend,
dimension roll-up, events). A rule gives a (period, unit, node) a level when its
limit is reached; the most severe level a rule reaches wins. Only reported values
are graded: a missing or imputed value never raises a warning (that is a data-quality
matter). Every warning carries its reason, with the numbers, in Chinese and English.

Levels are fixed, ordered red > orange > yellow > green; their names and
colour-blind-safe colours (Okabe–Ito) are in :mod:`evaluation.vocabulary`
(``risk_level``). How each rule decides is in ``docs/methodology.md`` (§ Risk).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from evaluation import periods as P
from evaluation.fields import (
    COMPOSITE,
    Id,
    Model,
    Number,
    Problem,
    Problems,
    Registry,
    raise_if,
)
from evaluation.vocabulary import (
    FAMILIES,
    RATIO_UNITS,
    RISK_LEVEL,
    Word,
    plain,
    quantity,
    say,
)

if TYPE_CHECKING:  # typing only: the catalogue builds its union from RULES.models
    from evaluation.catalogue import Catalogue

LEVELS = ("green", "yellow", "orange", "red")  # ascending severity
SEVERITY = {k: i for i, k in enumerate(LEVELS)}
WARNING_COLUMNS = [
    "period",
    "unit_id",
    "node_id",
    "rule",
    "level",
    "value",
    "threshold",
    "reason_zh",
    "reason_en",
]
_WARN = ("yellow", "orange", "red")


@dataclass(frozen=True)
class Inputs:
    """What the rules read: one value per graded (period, unit, node), and context.

    ``values``: ``period, unit_id, node_id, value`` for reported indicator values,
    dimension scores and composite scores. ``periods`` are the evaluation periods in
    order; ``observations`` the raw reports (for per-unit targets); ``events`` the
    reported events (``unit_id, period, event_id``), possibly empty. ``warnings``:
    for the rules that grade other rules' warnings (:data:`READS_WARNINGS`), every
    warning of the other rules (:func:`evaluate` sets it).
    """

    values: pd.DataFrame
    units: pd.DataFrame
    periods: list[str]
    observations: pd.DataFrame
    events: pd.DataFrame
    warnings: pd.DataFrame | None = None


# ------------------------------------------------------------ rule registry
# A rule kind is written once, here: its model (what ``risk.rules[]`` may say for it,
# with ``references(catalogue)``, its problems with the ids it names; the catalogue's
# union is RULES.models) beside its function ``f(rule, inputs, catalogue)`` returning
# warnings (WARNING_COLUMNS), registered together by ``kind``.

#: warning rule kind (catalogue ``risk.rules[].kind``) → the rule; ``RULES.models``
#: are the kinds' models, the catalogue's ``WarningRule`` union
RULES = Registry("kind")
#: ``@kind(Model)`` registers a rule as the kind its model names
kind = RULES.register


Level = Literal["yellow", "orange", "red"]
_LEVELS = ("yellow", "orange", "red")


class _Levels(Model):
    """Limits per warning level; subclasses say which way the limits must run."""

    yellow: Number | None = None
    orange: Number | None = None
    red: Number | None = None

    @model_validator(mode="after")
    def _ordered(self):
        set_levels = [
            (k, getattr(self, k)) for k in _LEVELS if getattr(self, k) is not None
        ]
        if not set_levels:
            raise Problems([(("red",), None, _problem("no_level"))])
        problems = []
        for (k1, v1), (k2, v2) in zip(set_levels, set_levels[1:], strict=False):
            if self._sign() and not (v2 - v1) * self._sign() > 0:
                rising = self._sign() > 0
                said = _problem(
                    "level_order",
                    than=Word(
                        "大于" if rising else "小于", "greater" if rising else "less"
                    ),
                    before=f"{RISK_LEVEL[k1].zh}预警线",
                    level=k1,
                    value=Word(plain(v1), str(v1)),
                    order="升高" if rising else "降低",
                )
                problems.append(((k2,), v2, said))
        raise_if(problems)
        return self

    @classmethod
    def _sign(cls) -> int:
        """+1: limits rise with severity (red largest); -1: they fall; 0: custom."""
        return 1


class _Falling(_Levels):
    @classmethod
    def _sign(cls) -> int:
        return -1


def _problem(code: str, **fields) -> Word:
    """A warning rule's problem in Chinese and English (``risk_rule_problem``)."""
    return say("risk_rule_problem", code, **fields)


def _must_be(node: str, allowed: set, what: str) -> list[Problem]:
    return [] if node in allowed else [(("node",), node, _problem(what))]


def _any_node(node: str, c: Catalogue) -> list[Problem]:
    ids = {*(i.id for i in c.indicators), *(d.id for d in c.dimensions), COMPOSITE}
    return _must_be(node, ids, "node_any")


def node_values(
    prepared: pd.DataFrame, scores: pd.DataFrame, composite: pd.DataFrame
) -> pd.DataFrame:
    """Reported indicator values, dimension scores and composites, long."""
    cols = ["period", "unit_id", "node_id", "value"]
    ind = prepared.loc[
        prepared["status"] == "reported", ["period", "unit_id", "indicator_id", "value"]
    ].set_axis(cols, axis=1)
    dim = scores[["period", "unit_id", "node_id", "score"]].set_axis(cols, axis=1)
    comp = composite[["period", "unit_id", "composite_score"]].assign(node_id=COMPOSITE)
    comp = comp.rename(columns={"composite_score": "value"})[cols]
    out = pd.concat([ind, dim, comp], ignore_index=True)
    return out[out["value"].notna()].reset_index(drop=True)


def evaluate(inputs: Inputs, catalogue: Catalogue) -> pd.DataFrame:
    """Every warning of every rule (:data:`RULES`, by the rule's ``kind``); the
    kinds that read other rules' warnings (roll-up) run last."""
    parts = [indicator_thresholds(inputs, catalogue)]
    rules = catalogue.risk.rules
    for rule in (r for r in rules if r.kind not in READS_WARNINGS):
        parts.append(RULES[rule.kind](rule, inputs, catalogue))
    graded = replace(inputs, warnings=_concat(parts))
    for rule in (r for r in rules if r.kind in READS_WARNINGS):
        parts.append(RULES[rule.kind](rule, graded, catalogue))
    out = _concat(parts)
    order = {p: i for i, p in enumerate(inputs.periods)}
    out = out.assign(_p=out["period"].map(order), _s=out["level"].map(SEVERITY))
    out = out.sort_values(
        ["_p", "unit_id", "_s", "node_id", "rule"],
        ascending=[True, True, False, True, True],
        kind="stable",
    )
    return out.drop(columns=["_p", "_s"]).reset_index(drop=True)


# ------------------------------------------------------------------- the rules
def indicator_thresholds(inputs: Inputs, catalogue: Catalogue) -> pd.DataFrame:
    """Indicators' ``risk:`` thresholds: at or beyond a threshold takes its level.

    Thresholds of ``sum`` roll-ups are per reporting period of the indicator and
    scale with the evaluation period (a monthly count's limit 3 is 36 for a year).
    """
    specs = {i.id: i for i in catalogue.indicators if i.risk is not None}
    v = inputs.values[inputs.values["node_id"].isin(list(specs))]
    if v.empty:
        return _empty()
    months = P.months_per(P.frequency_of(inputs.periods[-1]))
    parts = []
    for ind, rows in v.groupby("node_id", sort=False):  # indicators, not rows
        spec = specs[ind]
        scale = (
            months / P.months_per(spec.frequency)
            if spec.rollup.method == "sum"
            else 1.0
        )
        limits = {k: _scaled(getattr(spec.risk, k), scale) for k in _WARN}
        worse = 1 if spec.direction == "lower" else -1
        parts.append(
            _graded(rows, limits, lambda x, t, w=worse: w * (x - t) >= 0, "threshold")
        )
    out = pd.concat(parts, ignore_index=True)
    zh, en = [], []
    for r in out.itertuples():
        lower = specs[r.node_id].direction == "lower"
        vz, ve = _fmt(catalogue, r.node_id, r.value)
        tz, te = _fmt(catalogue, r.node_id, r.threshold, digits=None)
        zh.append(_reached_zh(catalogue, r, lower))
        en.append(
            f"{_name(catalogue, r.node_id, 'en')} {ve} "
            f"{'at or above' if lower else 'at or below'} the {r.level} threshold {te}"
        )
    return out.assign(reason_zh=zh, reason_en=en)[WARNING_COLUMNS]


class ScoreThreshold(_Falling):
    """A score (0–100, higher is better) at or below a limit takes that level."""

    kind: Literal["threshold"]
    node: Id  #: a dimension id or ``composite`` (indicators carry ``risk:`` themselves)

    def references(self, c: Catalogue) -> list[Problem]:
        """Problems with the ids the rule names (run once the entries are known)."""
        dims = {d.id for d in c.dimensions}
        return _must_be(self.node, {*dims, COMPOSITE}, "node_dimension_or_composite")


@kind(ScoreThreshold)
def score_threshold(rule, inputs: Inputs, catalogue: Catalogue) -> pd.DataFrame:
    """A dimension or composite score at or below a limit."""
    rows = inputs.values[inputs.values["node_id"] == rule.node]
    limits = {k: getattr(rule, k) for k in _WARN}
    out = _graded(rows, limits, lambda x, t: x <= t, "threshold")
    return _with_reasons(
        out,
        lambda r: (
            _reached_zh(catalogue, r, lower=False),
            f"{_name(catalogue, r.node_id, 'en')} {r.value:.1f} points at or below "
            f"the {r.level} threshold {r.threshold:g}",
        ),
    )


class TargetShortfall(_Levels):
    """Shortfall against the unit's own target, in % of the target, at or above a
    limit takes that level. Targets come from ``series`` (a context series of
    per-unit targets; the latest one starting on or before the period's end is in
    force, so a mid-year change applies from its period) or, without it, the
    indicator's catalogue ``target``."""

    kind: Literal["target"]
    node: Id  #: an indicator id
    series: Id | None = None

    def references(self, c: Catalogue) -> list[Problem]:
        """Problems with the ids the rule names (run once the entries are known)."""
        indicators = {i.id: i for i in c.indicators}
        problems = _must_be(self.node, set(indicators), "node_indicator")
        if self.series is not None and self.series not in {s.id for s in c.context}:
            problems.append((("series",), self.series, _problem("series_context")))
        elif (
            self.series is None
            and self.node in indicators
            and indicators[self.node].target is None
        ):
            problems.append((("series",), None, _problem("no_target", node=self.node)))
        return problems


@kind(TargetShortfall)
def target_shortfall(rule, inputs: Inputs, catalogue: Catalogue) -> pd.DataFrame:
    """Shortfall against the unit's own target, in % of the target."""
    spec = next(i for i in catalogue.indicators if i.id == rule.node)
    rows = inputs.values[inputs.values["node_id"] == rule.node].copy()
    rows["target"] = (
        _targets_in_force(rows, inputs.observations, rule.series)
        if rule.series
        else float(spec.target)
    )
    rows = rows[rows["target"] > 0]
    sign = 1 if spec.direction == "higher" else -1
    rows["shortfall"] = sign * (rows["target"] - rows["value"]) / rows["target"] * 100
    limits = {k: getattr(rule, k) for k in _WARN}
    out = _graded(rows, limits, lambda x, t: x >= t, "target", column="shortfall")
    out["threshold"] = rows.loc[out.index, "target"]
    return _with_reasons(
        out,
        lambda r: _said(
            catalogue,
            r,
            f"{'低于' if sign > 0 else '高于'}目标值"
            f"{_fmt(catalogue, r.node_id, r.threshold, None)[0]}，"
            f"{'差距' if sign > 0 else '超出部分'}占目标值的{r.shortfall:.1f}%，"
            f"达到{RISK_LEVEL[r.level][0]}预警标准（{r.limit:g}%）",
            f"{r.shortfall:.1f}% short of its target "
            f"{_fmt(catalogue, r.node_id, r.threshold, None)[1]}"
            f" (the {r.level} limit is {r.limit:g}%)",
        ),
    )


#: peer-position methods (``risk.rules.PEER_METHODS``) → (does one limit fit, what
#: the limits must be)
PEER_LIMITS = {
    "bottom_k": (lambda v: v > 0, "positive"),
    "percentile": (lambda v: 0 < v <= 100, "positive"),
    "robust_z": (lambda v: v < 0, "negative"),
}


class PeerPosition(_Levels):
    """Position among peers. ``bottom_k``: among the k worst (limits are k);
    ``percentile``: at or below the p-th percentile (limits are p); ``robust_z``:
    (value − median) / MAD below the limit, direction-adjusted and half-open as in
    the UK Oflog bands (limits are negative, e.g. −0.5, −1.5, −3)."""

    kind: Literal["peer"]
    node: Id
    method: Literal[tuple(PEER_LIMITS)]
    within: Literal["peer_group", "all"] = "peer_group"

    @model_validator(mode="after")
    def _order_by_method(self):
        limits = [getattr(self, k) for k in _LEVELS if getattr(self, k) is not None]
        fits, rule = PEER_LIMITS[self.method]
        bad = [v for v in limits if not fits(v)]
        ordered = all(b < a for a, b in zip(limits, limits[1:], strict=False))
        problems = []
        if bad:
            method = FAMILIES["peer_method"][self.method].zh
            rule = say(
                "risk_rule_problem",
                rule if self.method != "percentile" else self.method,
            )
            said = _problem("peer_limits", method=Word(method, self.method), rule=rule)
            problems.append((("red",), bad[0], said))
        if not ordered:
            problems.append((("red",), limits, _problem("peer_order")))
        raise_if(problems)
        return self

    @classmethod
    def _sign(cls) -> int:  # ordering is checked per method above
        return 0

    def references(self, c: Catalogue) -> list[Problem]:
        """Problems with the ids the rule names (run once the entries are known)."""
        return _any_node(self.node, c)


@kind(PeerPosition)
def peer_position(rule, inputs: Inputs, catalogue: Catalogue) -> pd.DataFrame:
    """Bottom k, at or below a percentile, or a robust z below a band, among peers
    (the rule's ``method``: :data:`PEER_METHODS`)."""
    rows = inputs.values[inputs.values["node_id"] == rule.node].copy()
    if rows.empty:
        return _empty()
    peer = inputs.units.set_index("unit_id")["peer_group"]
    rows["group"] = rows["unit_id"].map(peer) if rule.within == "peer_group" else "all"
    better = _better(catalogue, rule.node)
    rows["x"] = better * rows["value"]
    by = rows.groupby(["period", "group"], sort=False)["x"]
    rows["n"] = by.transform("size")
    limits = {k: getattr(rule, k) for k in _WARN}
    words = _PeerWords(catalogue, rule.node, rule.within)
    out, text = PEER_METHODS[rule.method](rows, by, limits, better, words)
    return _with_reasons(
        out,
        lambda r: _said(
            catalogue,
            r,
            f"{text(r)[0]}，{RISK_LEVEL[r.level][0]}预警",
            f"{text(r)[1]}: {r.level}",
        ),
    )


@dataclass(frozen=True)
class _PeerWords:
    """How a peer rule's reasons say its numbers: ``fmt(value, 0 zh | 1 en)`` with
    the unit, ``gap(d)`` a difference in Chinese (``2.0个百分点``), and ``among``
    the units compared with (同类单位, or 全部单位 for a rule ``within: all``)."""

    catalogue: Catalogue
    node: str
    within: str

    def fmt(self, x: float, j: int) -> str:
        return _fmt(self.catalogue, self.node, x)[j]

    def gap(self, d: float) -> str:
        return _gap(self.catalogue, self.node, d)

    @property
    def among(self) -> str:
        return "同类单位" if self.within == "peer_group" else "全部单位"


# Each peer method takes the rule's rows (``x``: the value, + better; ``n``: the size
# of the unit's group), those rows grouped by period and peer group, the limits by
# level, the direction (+1 higher is better) and the rule's :class:`_PeerWords`; it
# returns the graded rows and ``text(row) → (zh, en)``, the position said: in
# Chinese in plain words, in English with the statistic (the analysts' column).
def _peer_bottom_k(rows, by, limits, better, w: _PeerWords):
    """Among the k worst (limits are k), only in groups larger than k."""
    rows["stat"] = by.rank(method="min")  # 1 = worst; ties share the better place
    out = _graded(rows, limits, lambda x, k: x <= k, "peer", column="stat")
    out = out[out["n"] > out["limit"]]  # bottom 3 of 3 is not a position
    return out, lambda r: (
        f"在{w.among}中排倒数第{r.stat:.0f}位（共{r.n}个）",
        f"{_ordinal(int(r.stat))} from the bottom of {r.n} peers",
    )


def _peer_percentile(rows, by, limits, better, w: _PeerWords):
    """At or below the group's p-th percentile (limits are p)."""
    rows["b"] = better
    for k, p in limits.items():
        if p is not None:
            rows[f"p_{k}"] = by.transform(lambda s, p=p: np.percentile(s, p))
    return _percentile(rows, limits), lambda r: (
        f"处于{w.among}中最差的{r.limit:g}%之列（分界值为{w.fmt(r.stat, 0)}）",
        f"at or below the {_ordinal_pct(r.limit)} percentile of its peers, "
        f"{w.fmt(r.stat, 1)}",
    )


def _peer_robust_z(rows, by, limits, better, w: _PeerWords):
    """(value − median) / MAD, direction-adjusted, below the limit (Oflog's bands)."""
    median = rows.groupby(["period", "group"])["value"].transform("median")
    mad = (
        (rows["value"] - median)
        .abs()
        .groupby([rows["period"], rows["group"]])
        .transform("median")
    )
    rows["median"] = median
    rows["stat"] = (better * (rows["value"] - median) / mad).where(mad > 0)
    out = _graded(rows, limits, lambda z, t: z < t, "peer", column="stat")
    # in Chinese: below (lower being better: above) the median, how far in plain
    # words by the level reached, and by how much
    side = "低于" if better > 0 else "高于"
    return out, lambda r: (
        f"{_HOW_FAR[SEVERITY[r.level] - 1]}{side}{w.among}中位数{w.fmt(r.median, 0)}"
        f"（相差{w.gap(abs(r.value - r.median))}）",
        f"{r.stat:.2f} MADs from its peers' median {w.fmt(r.median, 1)} "
        f"(below {r.limit:g})",
    )


#: how far from the peers' median a robust-z warning is, in Chinese, by level
#: (yellow, orange, red): 低于, 明显低于, 远低于
_HOW_FAR = ("", "明显", "远")


#: peer-position method (catalogue ``risk.rules[].method`` of a ``peer`` rule) →
#: ``f(rows, by, limits, better, words)`` (see above)
PEER_METHODS = {
    "bottom_k": _peer_bottom_k,
    "percentile": _peer_percentile,
    "robust_z": _peer_robust_z,
}


class Trend(Model):
    """Deterioration over time. ``declines``: that many consecutive worsening
    periods take ``level``. ``drop``: a worsening against the ``against`` period at
    or above a limit takes that level (in the value's own units, or in % of the
    earlier value when ``relative``)."""

    kind: Literal["trend"]
    node: Id
    declines: Annotated[int, Field(ge=2)] | None = None
    level: Level = "orange"
    drop: _Levels | None = None
    against: Literal["previous", "year_ago"] = "previous"
    relative: bool = False

    @model_validator(mode="after")
    def _one_kind(self):
        if (self.declines is None) == (self.drop is None):
            raise Problems(
                [(("declines",), self.declines, _problem("declines_or_drop"))]
            )
        return self

    def references(self, c: Catalogue) -> list[Problem]:
        """Problems with the ids the rule names (run once the entries are known)."""
        return _any_node(self.node, c)


@kind(Trend)
def trend(rule, inputs: Inputs, catalogue: Catalogue) -> pd.DataFrame:
    """n consecutive worsenings, or a worsening of at least x against a period."""
    rows = inputs.values[inputs.values["node_id"] == rule.node]
    if rows.empty:
        return _empty()
    better = _better(catalogue, rule.node)
    wide = rows.pivot(index="period", columns="unit_id", values="value").reindex(
        inputs.periods
    )
    grid = pd.DataFrame(
        {
            "period": np.repeat(wide.index.to_numpy(), wide.shape[1]),
            "unit_id": np.tile(wide.columns.to_numpy(), wide.shape[0]),
            "value": wide.to_numpy().ravel(),
        }
    )
    if rule.declines is not None:
        worse = (better * wide.diff()).to_numpy() < 0  # a missing period breaks a run
        run = np.zeros(worse.shape, dtype=int)
        for t in range(1, len(run)):  # periods, not units
            run[t] = (run[t - 1] + 1) * worse[t]
        first = np.full(wide.shape, np.nan)
        first[rule.declines :] = wide.to_numpy()[: len(wide) - rule.declines]
        long = grid.assign(run=run.ravel(), first=first.ravel(), node_id=rule.node)
        out = long[long["run"] >= rule.declines].assign(
            rule="trend", level=rule.level, threshold=float(rule.declines)
        )
        return _with_reasons(
            out,
            lambda r: (
                f"{_name(catalogue, r.node_id, 'zh')}连续{rule.declines}期变差，由"
                f"{_fmt(catalogue, r.node_id, r.first)[0]}"
                f"{'降' if r.value < r.first else '升'}至"
                f"{_fmt(catalogue, r.node_id, r.value)[0]}",
                f"{_name(catalogue, r.node_id, 'en')} worse {rule.declines} periods "
                f"in a row: {_fmt(catalogue, r.node_id, r.first)[1]} → "
                f"{_fmt(catalogue, r.node_id, r.value)[1]}",
            ),
        )
    earlier = [_earlier(p, rule.against) for p in inputs.periods]
    before = wide.reindex(earlier).to_numpy()
    change = better * (before - wide.to_numpy())  # positive: worse now
    if rule.relative:
        with np.errstate(divide="ignore", invalid="ignore"):
            change = np.where(before != 0, 100 * change / np.abs(before), np.nan)
    long = grid.assign(before=before.ravel(), drop=change.ravel())
    long = long[long["value"].notna()]
    long["node_id"] = rule.node
    limits = {k: getattr(rule.drop, k) for k in _WARN}
    out = _graded(long, limits, lambda x, t: x >= t, "trend", column="drop")
    word_zh = "上期" if rule.against == "previous" else "上年同期"
    word_en = (
        "in the previous period" if rule.against == "previous" else "a year earlier"
    )
    pct = "%" if rule.relative else ""
    # a relative worsening is a share of the earlier value
    of_zh = f"（按{word_zh}数值计）" if rule.relative else ""

    def by_zh(x: float, limit: bool = False) -> str:
        """The worsening (or its limit) in Chinese: ``12.0%`` of the earlier value,
        or in the value's own units (``3.2个百分点``, ``6.3分``)."""
        if rule.relative:
            return f"{x:g}%" if limit else f"{x:.1f}%"
        return _gap(catalogue, rule.node, x, None if limit else 1)

    return _with_reasons(
        out,
        lambda r: (
            f"{_name(catalogue, r.node_id, 'zh')}由{word_zh}的"
            f"{_fmt(catalogue, r.node_id, r.before)[0]}"
            f"{'降' if r.value < r.before else '升'}至"
            f"{_fmt(catalogue, r.node_id, r.value)[0]}，"
            f"{'下降' if r.value < r.before else '上升'}{by_zh(r.drop)}{of_zh}"
            f"，达到{RISK_LEVEL[r.level][0]}预警标准（{by_zh(r.limit, True)}）",
            f"{_name(catalogue, r.node_id, 'en')} worsened from "
            f"{_fmt(catalogue, r.node_id, r.before)[1]} {word_en} to "
            f"{_fmt(catalogue, r.node_id, r.value)[1]} (by {r.drop:.1f}{pct}; "
            f"the {r.level} limit is {r.limit:g}{pct})",
        ),
    )


class LevelRollup(Model):
    """A dimension's level from its indicators' levels: the mean severity of its
    ``worst`` worst indicators, rounded down (green 0 … red 3), as the SDG
    dashboards do: red needs the two worst both red."""

    kind: Literal["rollup"]
    node: Id  #: a dimension id
    worst: Annotated[int, Field(ge=1)] = 2

    def references(self, c: Catalogue) -> list[Problem]:
        """Problems with the ids the rule names (run once the entries are known)."""
        return _must_be(self.node, {d.id for d in c.dimensions}, "node_dimension")


@kind(LevelRollup)
def rollup(rule, inputs: Inputs, catalogue: Catalogue) -> pd.DataFrame:
    """A dimension's level: the mean severity of its ``worst`` worst reported
    indicators (green 0 … red 3), rounded down; reads ``inputs.warnings``."""
    warnings = inputs.warnings
    leaves = _leaves(catalogue, rule.node)
    reported = inputs.values[inputs.values["node_id"].isin(leaves)]
    if reported.empty:
        return _empty()
    worst = (
        warnings[warnings["node_id"].isin(leaves)]
        .assign(s=lambda w: w["level"].map(SEVERITY))
        .groupby(["period", "unit_id", "node_id"])["s"]
        .max()
    )
    frame = (
        reported[["period", "unit_id", "node_id"]]
        .merge(worst.rename("s").reset_index(), how="left")
        .fillna({"s": 0})
    )
    frame = frame.sort_values("s", ascending=False, kind="stable")
    top = frame.groupby(["period", "unit_id"], sort=False).head(rule.worst)
    grouped = top.groupby(["period", "unit_id"], sort=False)
    level = np.floor(grouped["s"].mean()).astype(int)
    level = level[level > 0]
    if level.empty:
        return _empty()
    out = pd.DataFrame(
        {
            "period": level.index.get_level_values(0),
            "unit_id": level.index.get_level_values(1),
            "node_id": rule.node,
            "rule": "rollup",
            "level": np.asarray(LEVELS, dtype=object)[level.to_numpy()],
            "value": grouped["s"].mean().loc[level.index].to_numpy(),
            "threshold": float(rule.worst),
        }
    )
    # the worst indicators listed with their levels, for the units warned only
    hit = set(level.index)
    names = {
        lang: {n: _name(catalogue, n, lang) for n in top["node_id"].unique()}
        for lang in ("zh", "en")
    }
    listed: dict[str, dict] = {"zh": {}, "en": {}}
    for p, u, n, s in zip(
        top["period"].tolist(),
        top["unit_id"].tolist(),
        top["node_id"].tolist(),
        top["s"].astype(int).tolist(),
        strict=True,
    ):
        if (p, u) in hit:
            listed["zh"].setdefault((p, u), []).append(
                f"{names['zh'][n]}（{RISK_LEVEL[LEVELS[s]][0]}）"
            )
            listed["en"].setdefault((p, u), []).append(
                f"{names['en'][n]} ({LEVELS[s]})"
            )

    def worst(r) -> tuple[str, str]:
        zh, en = (listed[lang][(r.period, r.unit_id)] for lang in ("zh", "en"))
        return (
            f"{_name(catalogue, r.node_id, 'zh')}：最差的{len(zh)}项指标为"
            + "、".join(zh),
            f"{_name(catalogue, r.node_id, 'en')}: its {len(en)} worst "
            f"indicator{'s are' if len(en) != 1 else ' is'} " + ", ".join(en),
        )

    return _with_reasons(out, worst)


class EventRule(Model):
    """Reported events (``events.csv``) of these types take ``level`` (a veto event
    such as a major safety accident is red)."""

    kind: Literal["event"]
    events: tuple[Id, ...] = Field(min_length=1)
    level: Level = "red"

    def references(self, c: Catalogue) -> list[Problem]:
        """Problems with the ids the rule names (run once the entries are known)."""
        events = {e.id for e in c.events}
        known = _problem(
            "unknown_event", known="、".join(sorted(events)), known_list=sorted(events)
        )
        return [
            (("events", j), e, known)
            for j, e in enumerate(self.events)
            if e not in events
        ]


@kind(EventRule)
def event(rule, inputs: Inputs, catalogue: Catalogue) -> pd.DataFrame:
    """Reported events of the listed types, in the period that contains them."""
    ev = inputs.events
    if ev.empty:
        return _empty()
    ev = ev[ev["event_id"].isin(rule.events)].copy()
    freq = P.frequency_of(inputs.periods[-1])
    ev["period"] = P.containing(ev["period"], freq).to_numpy()
    ev = ev[ev["period"].isin(inputs.periods)]
    out = pd.DataFrame(
        {
            "period": ev["period"].to_numpy(),
            "unit_id": ev["unit_id"].to_numpy(),
            "node_id": ev["event_id"].to_numpy(),
            "rule": "event",
            "level": rule.level,
            "value": 1.0,
            "threshold": np.nan,
        }
    ).drop_duplicates(["period", "unit_id", "node_id"])
    return _with_reasons(
        out,
        lambda r: (
            f"发生{_name(catalogue, r.node_id, 'zh')}，{RISK_LEVEL[r.level][0]}预警",
            f"{_name(catalogue, r.node_id, 'en')} reported: {r.level}",
        ),
    )


#: kinds that grade the other rules' warnings (``inputs.warnings``): run after them
READS_WARNINGS = frozenset({"rollup"})


# ------------------------------------------------------------------ the grades
def grade_units(
    warnings: pd.DataFrame, units: pd.DataFrame, periods: list[str]
) -> pd.DataFrame:
    """Each unit's level in each period: its most severe warning, green if none."""
    grid = pd.MultiIndex.from_product(
        [periods, units["unit_id"]], names=["period", "unit_id"]
    )
    severity = warnings["level"].map(SEVERITY)
    worst = severity.groupby([warnings["period"], warnings["unit_id"]]).max()
    counts = (
        warnings.groupby(["period", "unit_id", "level"])
        .size()
        .unstack("level")
        .reindex(columns=["red", "orange", "yellow"])
    )
    out = pd.DataFrame(index=grid)
    out["level"] = pd.Series(
        np.asarray(LEVELS, dtype=object)[
            worst.reindex(grid).fillna(0).astype(int).to_numpy()
        ],
        index=grid,
    )
    for name in ("red", "orange", "yellow"):
        out[f"n_{name}"] = counts[name].reindex(grid).fillna(0).astype(int).to_numpy()
    return out.reset_index()


def dimension_levels(warnings: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Each (period, unit, level-1 dimension)'s worst warning on it or below it."""
    top = {}
    for d in catalogue.top_dimensions():
        for node in (d, *_leaves(catalogue, d, dimensions=True)):
            top[node] = d
    w = warnings.assign(dimension_id=warnings["node_id"].map(top)).dropna(
        subset=["dimension_id"]
    )
    worst = (
        w.assign(s=w["level"].map(SEVERITY))
        .groupby(["period", "unit_id", "dimension_id"])["s"]
        .max()
    )
    return worst.map(dict(enumerate(LEVELS))).rename("level").reset_index()


# --------------------------------------------------------------------- helpers
def _graded(rows, limits, hit, rule: str, column: str = "value") -> pd.DataFrame:
    """Rows reaching a limit, with the most severe level reached and its limit."""
    # compared at 9 decimals, as ranks are: (6.3 − 7.2) / 0.3 is −3, not −3.000…027
    x = np.round(rows[column].to_numpy(dtype=float), 9)
    level = np.full(len(rows), "", dtype=object)
    limit = np.full(len(rows), np.nan)
    for name in _WARN:  # rising severity: later levels win
        t = limits.get(name)
        if t is None:
            continue
        reached = ~np.isnan(x) & hit(x, t)
        level[reached], limit[reached] = name, t
    keep = level != ""
    out = rows[keep].copy()
    out["rule"], out["level"], out["limit"] = rule, level[keep], limit[keep]
    if "threshold" not in out:
        out["threshold"] = out["limit"]
    return out


def _percentile(rows: pd.DataFrame, limits: dict) -> pd.DataFrame:
    level = np.full(len(rows), "", dtype=object)
    limit = np.full(len(rows), np.nan)
    stat = np.full(len(rows), np.nan)
    for name in _WARN:
        if limits.get(name) is None:
            continue
        cut = rows[f"p_{name}"].to_numpy()
        reached = rows["x"].to_numpy() <= cut
        level[reached], limit[reached] = name, limits[name]
        stat[reached] = cut[reached]
    keep = level != ""
    out = rows[keep].copy()
    out["rule"], out["level"], out["limit"] = "peer", level[keep], limit[keep]
    out["stat"] = out["b"] * stat[keep]  # the percentile in the value's own sign
    out["threshold"] = out["stat"]
    return out


def _with_reasons(out: pd.DataFrame, reason) -> pd.DataFrame:
    if out.empty:
        return _empty()
    texts = [reason(r) for r in out.itertuples()]  # warnings, not units
    return out.assign(reason_zh=[t[0] for t in texts], reason_en=[t[1] for t in texts])[
        WARNING_COLUMNS
    ]


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p[WARNING_COLUMNS] for p in parts if not p.empty]
    if not parts:
        return _empty()
    return pd.concat(parts, ignore_index=True)


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            c: pd.Series(dtype=float if c in ("value", "threshold") else object)
            for c in WARNING_COLUMNS
        }
    )


def _scaled(limit, scale):
    return None if limit is None else limit * scale


def _better(catalogue: Catalogue, node: str) -> int:
    """+1 when higher values are better (scores always), −1 otherwise."""
    for i in catalogue.indicators:
        if i.id == node:
            return 1 if i.direction == "higher" else -1
    return 1


def _leaves(catalogue: Catalogue, node: str, dimensions: bool = False) -> list[str]:
    """Indicators (and, if asked, sub-dimensions) below ``node``."""
    nodes = catalogue.nodes
    out, frontier = [], [node]
    while frontier:
        children = nodes.index[nodes["parent"].isin(frontier)].tolist()
        out += [c for c in children if dimensions or nodes.at[c, "kind"] == "indicator"]
        frontier = [c for c in children if nodes.at[c, "kind"] == "dimension"]
    return out


def _earlier(period: str, against: str) -> str:
    if against == "previous":
        return P.previous(period)
    p = P.parse([period]).iloc[0]
    return P.label(int(p["year"]) - 1, int(p["end_month"]), P.frequency_of(period))


def _targets_in_force(rows: pd.DataFrame, observations: pd.DataFrame, series: str):
    """Per row, the unit's latest target report that starts by the period's end."""
    t = observations.loc[
        (observations["indicator_id"] == series) & observations["value"].notna(),
        ["unit_id", "period", "value"],
    ]
    if t.empty:
        return np.full(len(rows), np.nan)
    t = t.assign(start=P.month_index(t["period"], start=True)).sort_values("start")
    r = rows[["unit_id", "period"]].assign(end=P.month_index(rows["period"]))
    r = r.reset_index().sort_values("end")
    found = pd.merge_asof(
        r,
        t[["unit_id", "start", "value"]],
        left_on="end",
        right_on="start",
        by="unit_id",
    )
    return found.set_index("index")["value"].reindex(rows.index).to_numpy()


def _name(catalogue: Catalogue, node: str, lang: str) -> str:
    return catalogue.name(node, lang)


def _said(catalogue: Catalogue, r, zh: str, en: str) -> tuple[str, str]:
    """``name为value，zh`` / ``name value, en``."""
    vz, ve = _fmt(catalogue, r.node_id, r.value)
    return (
        f"{_name(catalogue, r.node_id, 'zh')}为{vz}，{zh}",
        f"{_name(catalogue, r.node_id, 'en')} {ve}, {en}",
    )


def _fmt(catalogue: Catalogue, node: str, x: float, digits: int | None = 1):
    """A value with its unit, zh and en (``82.0%``; ``25件``, ``1 finding``;
    ``1.40倍``; ``12.0个工作日``, ``12.0 working days``; ``71.3分``, ``71.3 points``);
    ``digits=None``: a limit as the catalogue writes it (``95%``)."""
    unit = catalogue.unit_words.get(node, ("分", "points"))
    return (
        quantity(x, unit, "zh", decimals=digits),
        quantity(x, unit, "en", decimals=digits),
    )


def _gap(catalogue: Catalogue, node: str, d: float, digits: int | None = 1) -> str:
    """A difference of two values in Chinese: percentages differ by percentage
    points (``3.2个百分点``), ratios by a bare number (``0.30``: ``0.30倍`` would
    read as a relative change), other values in their unit (``6.3分``, ``2件``)."""
    unit = catalogue.unit_words.get(node, ("分", "points"))
    if unit[1] == "%":
        return (f"{d:g}" if digits is None else f"{d:.{digits}f}") + "个百分点"
    if unit[0] in RATIO_UNITS or unit[1] in RATIO_UNITS:
        return quantity(d, ("", ""), "zh", decimals=2 if digits is not None else None)
    return quantity(d, unit, "zh", decimals=digits)


def _reached_zh(catalogue: Catalogue, r, lower: bool) -> str:
    """A threshold reached, as the office says it: ``投诉办结率为83.4%，低于黄色
    预警线（90%）``; ``达到`` when the value is at the limit (shown to 2 decimals
    where 1 would make a value beyond the limit look equal to it)."""
    digits = 1
    if r.value != r.threshold and round(r.value, 1) == r.threshold:
        digits = 2
    value = _fmt(catalogue, r.node_id, r.value, digits)[0]
    limit = _fmt(catalogue, r.node_id, r.threshold, None)[0]
    if np.isclose(r.value, r.threshold, rtol=0, atol=1e-9):
        how = "达到"
    else:
        how = "高于" if lower else "低于"
    return (
        f"{_name(catalogue, r.node_id, 'zh')}为{value}，{how}"
        f"{RISK_LEVEL[r.level][0]}预警线（{limit}）"
    )


def _ordinal(n: int) -> str:
    suffix = (
        "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    )
    return f"{n}{suffix}"


def _ordinal_pct(p: float) -> str:
    return _ordinal(int(p)) if float(p).is_integer() else f"{p:g}th"
