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
from functools import cached_property, lru_cache, partial
from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
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
from evaluation.plural import singular
from evaluation.vocabulary import (
    FAMILIES,
    RATIO_UNITS,
    RISK_LEVEL,
    SCORE_DECIMALS,
    Word,
    apart,
    fixed_each,
    plain,
    quantity,
    quantity_decimals,
    say,
    say_count,
    unit_after,
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
    order; ``observations`` the raw reports (for per-unit targets, and which report
    a ``last`` value is); ``events`` the reported events (``unit_id, period,
    event_id``), possibly empty. ``partial``: the values rolled up from fewer
    reports than their period expects (``period, unit_id, node_id, n_reported,
    n_expected``, :func:`partial_values`; a ``sum`` of them is pro rata, a ``last``
    may be an earlier report than the period's last, and the reasons that quote
    them say so: :func:`_fewer_reports`); none: every value as reported.
    ``worst``: for the rules that grade other rules' warnings
    (:data:`READS_WARNINGS`), each (period, unit, node) the other rules warned, as a
    key of the values (``_Values.key``, sorted), with its most severe level (1
    yellow … 3 red); :func:`evaluate` sets it.
    """

    values: pd.DataFrame
    units: pd.DataFrame
    periods: list[str]
    observations: pd.DataFrame
    events: pd.DataFrame
    partial: pd.DataFrame | None = None
    worst: tuple[np.ndarray, np.ndarray] | None = None

    @cached_property
    def _table(self) -> _Values:
        """``values`` as arrays, indexed once for every rule of a run."""
        return _Values(self.values, self.periods)

    def codes(self) -> tuple:
        """``values``' period, unit and node columns as codes, each with its labels
        (``pd.factorize``, as the rules index them): for the ledger, which reads the
        same table (:func:`.ledger.update`)."""
        t = self._table
        return t.p, t.periods, t.u, t.units, t.n, t.nodes

    @cached_property
    def _partial(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:attr:`partial` as keys of the values (``_Values.key``, sorted; any not
        among the values left out), each with its reports and those expected."""
        part = self.partial
        if part is None or part.empty:
            none = np.zeros(0, dtype=np.int64)
            return none, none, none
        t = self._table
        key = t.key_at(
            *(
                _positions(part[c], index)
                for c, index in (
                    ("period", t.periods),
                    ("unit_id", t.units),
                    ("node_id", t.nodes),
                )
            )
        )
        known = np.flatnonzero(key >= 0)
        known = known[np.argsort(key[known], kind="stable")]
        reported, expected = (part[c].to_numpy() for c in ("n_reported", "n_expected"))
        return key[known], reported[known], expected[known]

    @cached_property
    def _events(self) -> list[tuple[str, str, str]]:
        """The reported events as (period, unit, event), each in the evaluation
        period that contains it; events outside the evaluation periods left out."""
        ev = self.events
        if ev.empty:
            return []
        freq = P.frequency_of(self.periods[-1])
        labels = ev["period"].tolist()
        # each label once, not each row
        within = {p: P.containing_label(p, freq) for p in set(labels)}
        periods = set(self.periods)
        return [
            (within[p], u, e)
            for p, u, e in zip(
                labels, ev["unit_id"].tolist(), ev["event_id"].tolist(), strict=True
            )
            if within[p] in periods
        ]


class _Values:
    """``Inputs.values`` as arrays: each node's rows (positions, in table order),
    each row's period, unit and node as codes (with their labels) and as one key,
    and the value."""

    def __init__(self, values: pd.DataFrame, periods: list[str]):
        self.frame = values
        self.raw = values["value"].to_numpy()  # as given: warnings keep its type
        self.value = self.raw.astype(float, copy=False)
        self.p, self.periods = pd.factorize(values["period"])
        self.u, self.units = pd.factorize(values["unit_id"])
        self.n, self.nodes = pd.factorize(values["node_id"])
        #: each text column's labels, for the warnings (taken by the codes)
        self.labels = {
            "period": self.periods.array,
            "unit_id": self.units.array,
            "node_id": self.nodes.array,
        }
        #: each row's position among the evaluation periods (-1: not one of them)
        at = {p: i for i, p in enumerate(periods)}  # a few labels: plain Python
        self.at = np.array(
            [at.get(p, -1) for p in self.periods.tolist()], dtype=np.intp
        )[self.p]
        self.shape = (len(self.periods), len(self.units), len(self.nodes))
        self.key = (self.p * self.shape[1] + self.u) * self.shape[2] + self.n
        order = stable_order(self.n, len(self.nodes))
        bounds = np.searchsorted(self.n[order], np.arange(len(self.nodes) + 1))
        self.code = {node: i for i, node in enumerate(self.nodes.tolist())}
        self._rows = {
            node: order[bounds[i] : bounds[i + 1]] for node, i in self.code.items()
        }

    def rows(self, node: str) -> np.ndarray:
        """Positions of ``node``'s rows, in table order."""
        return self._rows.get(node, np.zeros(0, dtype=np.intp))

    def key_at(self, p: np.ndarray, u: np.ndarray, n: np.ndarray) -> np.ndarray:
        """The :attr:`key` of (period, unit, node) codes; -1 where one is -1."""
        key = (p * self.shape[1] + u) * self.shape[2] + n
        return np.where((p >= 0) & (u >= 0) & (n >= 0), key, -1)


def stable_order(codes: np.ndarray, n: int) -> np.ndarray:
    """The positions of ``codes`` (0 … ``n`` − 1) by code, in table order within
    each: a stable sort, of 16-bit codes where they fit (NumPy sorts those by
    radix, 20× faster than the timsort of 64-bit ones)."""
    small = codes.astype(np.int16) if n < 2**15 else codes
    return np.argsort(small, kind="stable")


def _worst_of(found: list, t: _Values) -> tuple[np.ndarray, np.ndarray]:
    """:attr:`Inputs.worst` of the rules' warnings as they found them."""
    found = [f for f in found if f is not None]
    p, u, n = (
        _codes_in([getattr(f, c) for f in found], t.labels[column], index)
        for c, column, index in (
            ("period", "period", t.periods),
            ("unit", "unit_id", t.units),
            ("node", "node_id", t.nodes),
        )
    )
    level = [f.level for f in found] or [np.zeros(0, dtype=np.intp)]
    return _most_severe(t.key_at(p, u, n), np.concatenate(level))


def _codes_in(pieces: list[tuple], labels, index: pd.Index) -> np.ndarray:
    """``(labels, codes)`` pieces as codes of the values' ``labels`` (``index``):
    the values' own rows as they are, others looked up (-1: not there)."""
    return np.concatenate(
        [c if lab is labels else _at((lab, c), index) for lab, c in pieces]
        or [np.zeros(0, dtype=np.intp)]
    )


def _most_severe(key: np.ndarray, severity: np.ndarray):
    """Each known key once (sorted) with its most severe level."""
    known = key >= 0
    key, severity = key[known], severity[known]
    order = np.lexsort((-severity, key))  # per key, the most severe first
    key, severity = key[order], severity[order]
    if not len(key):  # nothing warned: nothing to roll up
        return key, severity
    first = np.r_[True, key[1:] != key[:-1]]
    return key[first], severity[first]


# ------------------------------------------------------------ rule registry
# A rule kind is written once, here: its model (what ``risk.rules[]`` may say for it,
# with ``references(catalogue)``, its problems with the ids it names; the catalogue's
# union is RULES.models) beside its function ``f(rule, inputs, catalogue)`` returning
# its warnings as arrays (:class:`_Found`, made by :func:`_part` from the rows of the
# values it warns; ``None`` for none; :func:`evaluate` makes every rule's the one
# WARNING_COLUMNS table), registered together by ``kind``.

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


def grades(catalogue: Catalogue) -> bool:
    """Whether ``catalogue`` grades anything (a warning rule, or an indicator's
    ``risk:`` thresholds): if not, no warning can be raised and no value is read."""
    return bool(catalogue.risk.rules) or any(
        i.risk is not None for i in catalogue.indicators
    )


def no_values() -> pd.DataFrame:
    """:func:`node_values` with no rows: what a catalogue that grades nothing
    (:func:`grades`) hands the rules, instead of a long table they never read."""
    return _NO_VALUES.copy()


_NO_VALUES = pd.DataFrame(
    {
        "period": pd.Series(dtype=object),
        "unit_id": pd.Series(dtype=object),
        "node_id": pd.Series(dtype=object),
        "value": pd.Series(dtype=float),
    }
)


def node_values(
    prepared: pd.DataFrame, scores: pd.DataFrame, composite: pd.DataFrame
) -> pd.DataFrame:
    """Reported indicator values, dimension scores and composites, long (the rows
    with a value); each column concatenated from its three sources, no frame per
    source."""
    reported = (prepared["status"] == "reported").to_numpy(dtype=bool)
    sources = [
        (prepared, "indicator_id", "value", reported),
        (scores, "node_id", "score", True),
        (composite, None, "composite_score", True),
    ]
    columns = {"period": [], "unit_id": [], "node_id": [], "value": []}
    for frame, node, value, keep in sources:
        rows = np.flatnonzero(keep & pd.notna(frame[value].to_numpy()))
        for c in ("period", "unit_id"):
            columns[c].append(frame[c].array.take(rows))
        columns["node_id"].append(
            frame[node].array.take(rows) if node else _repeat(COMPOSITE, rows)
        )
        columns["value"].append(frame[value].array.take(rows))
    return pd.DataFrame({c: _joined(parts) for c, parts in columns.items()})


def partial_values(prepared: pd.DataFrame) -> pd.DataFrame:
    """:attr:`Inputs.partial`: the reported indicator values of ``prepared`` rolled
    up from fewer reports than their period expects (a few), ``period, unit_id,
    node_id, n_reported, n_expected``."""
    n, e = (prepared[c].to_numpy() for c in ("n_reported", "n_expected"))
    rows = np.flatnonzero((n > 0) & (n < e))  # then their status: a few rows
    status = prepared["status"].array.take(rows)
    rows = rows[np.asarray(status == "reported", dtype=bool)]
    return pd.DataFrame(
        {
            "period": prepared["period"].array.take(rows),
            "unit_id": prepared["unit_id"].array.take(rows),
            "node_id": prepared["indicator_id"].array.take(rows),
            "n_reported": n[rows],
            "n_expected": e[rows],
        }
    )


def _joined(parts: list):
    """Arrays one after the other: in one piece when of one type (Arrow text),
    else as pandas concatenates them."""
    kind = type(parts[0])
    if all(type(p) is kind and p.dtype == parts[0].dtype for p in parts):
        return kind._concat_same_type(parts)
    return pd.concat([pd.Series(p) for p in parts], ignore_index=True).array


def evaluate(inputs: Inputs, catalogue: Catalogue) -> pd.DataFrame:
    """Every warning of every rule (:data:`RULES`, by the rule's ``kind``); the
    kinds that read other rules' warnings (roll-up) run last."""
    found = [indicator_thresholds(inputs, catalogue)]
    rules = catalogue.risk.rules
    for rule in (r for r in rules if r.kind not in READS_WARNINGS):
        found.append(RULES[rule.kind](rule, inputs, catalogue))
    later = [r for r in rules if r.kind in READS_WARNINGS]
    if later:  # else no rule reads the others' warnings
        t = inputs._table
        graded = replace(inputs, worst=_worst_of(found, t))
        graded.__dict__["_table"] = t  # the same values: indexed once
        for rule in later:
            found.append(RULES[rule.kind](rule, graded, catalogue))
    return _warnings(found, inputs.periods, _catalogue_order(catalogue))


# ------------------------------------------------------------------- the rules
# Each rule works on whole columns: the rows of its node (``inputs._table``), the
# level each reaches (:func:`_graded`), and the reasons written column-wise
# (:func:`_quantities`), each distinct number formatted once.
def indicator_thresholds(inputs: Inputs, catalogue: Catalogue) -> _Found | None:
    """Indicators' ``risk:`` thresholds: at or beyond a threshold takes its level.

    Thresholds of ``sum`` roll-ups are per reporting period of the indicator and
    scale with the evaluation period (a monthly count's limit 3 is 36 for a year).
    """
    specs = {i.id: i for i in catalogue.indicators if i.risk is not None}
    if not specs:  # no indicator graded: nothing to index
        return None
    t = inputs._table
    graded = [node for node in t.code if node in specs]
    if not graded:
        return None
    months = P.months_per(P.frequency_of(inputs.periods[-1]))
    spec = [specs[ind] for ind in graded]
    scale = [
        months / P.months_per(s.frequency) if s.rollup.method == "sum" else 1.0
        for s in spec
    ]
    # each graded indicator's limit per level (NaN where it has none: never reached)
    table = np.array(
        [
            [np.nan, *(_scaled(getattr(s.risk, k), f) for k in _WARN)]
            for s, f in zip(spec, scale, strict=True)
        ],
        dtype=float,
    )
    lower = np.array([s.direction == "lower" for s in spec])
    # every graded indicator's rows at once (indicator by indicator, each in table
    # order), with its indicator per row
    per = [t.rows(ind) for ind in graded]
    rows = np.concatenate(per)
    which = np.repeat(np.arange(len(graded)), [len(r) for r in per])
    limits = {k: table[which, sev] for sev, k in enumerate(_WARN, start=1)}
    worse = np.where(lower[which], 1, -1)
    level, limit = _graded(t.value[rows], limits, lambda x, t: worse * (x - t) >= 0)
    hit = level > 0
    rows, level, limit, which = rows[hit], level[hit], limit[hit], which[hit]
    words = [_words(catalogue, ind) for ind in graded]
    note = _fewer_reports(inputs, rows, catalogue)  # pro rata, or an earlier report
    zh, en = _reached(words, lower, table, which, t.value[rows], level, note=note)
    return _part(t, rows, "threshold", level, t.raw[rows], limit, zh, en)


class ScoreThreshold(_Falling):
    """A score (0–100, higher is better) at or below a limit takes that level."""

    kind: Literal["threshold"]
    node: Id  #: a dimension id or ``composite`` (indicators carry ``risk:`` themselves)

    def references(self, c: Catalogue) -> list[Problem]:
        """Problems with the ids the rule names (run once the entries are known)."""
        dims = {d.id for d in c.dimensions}
        return _must_be(self.node, {*dims, COMPOSITE}, "node_dimension_or_composite")


@kind(ScoreThreshold)
def score_threshold(rule, inputs: Inputs, catalogue: Catalogue) -> _Found | None:
    """A dimension or composite score at or below a limit."""
    t = inputs._table
    rows = t.rows(rule.node)
    limits = {k: getattr(rule, k) for k in _WARN}
    level, limit = _graded(t.value[rows], limits, lambda x, t: x <= t)
    hit = level > 0
    rows, level, limit = rows[hit], level[hit], limit[hit]
    value = t.value[rows]
    name, unit = _words(catalogue, rule.node)
    digits = _digits(catalogue, rule.node)
    table = np.array([[np.nan, *(limits[k] for k in _WARN)]], dtype=float)
    which = np.zeros_like(rows)
    zh = _reached(
        [(name, unit)], [False], table, which, value, level, digits, published=True
    )[0]
    number = _beside_limits(  # as in Chinese: as the tables print it
        [unit], which, value, limit, digits, published=True
    )
    en = (
        name[1] + " " + number + " points at or below the "
        + _NAMES[level] + " threshold " + _each(limit, "{:g} points".format)
    )  # fmt: skip
    return _part(t, rows, "threshold", level, t.raw[rows], limit, zh, en)


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
def target_shortfall(rule, inputs: Inputs, catalogue: Catalogue) -> _Found | None:
    """Shortfall against the unit's own target, in % of the target."""
    spec = next(i for i in catalogue.indicators if i.id == rule.node)
    t = inputs._table
    rows = t.rows(rule.node)
    target = (
        _targets_in_force(t.frame.iloc[rows], inputs.observations, rule.series)
        if rule.series
        else np.full(len(rows), float(spec.target))
    )
    aimed = target > 0
    rows, target = rows[aimed], target[aimed]
    value = t.value[rows]
    sign = 1 if spec.direction == "higher" else -1
    shortfall = sign * (target - value) / target * 100
    limits = {k: getattr(rule, k) for k in _WARN}
    level, limit = _graded(shortfall, limits, lambda x, t: x >= t)
    hit = level > 0
    rows, level, limit = rows[hit], level[hit], limit[hit]
    value, target, shortfall = value[hit], target[hit], shortfall[hit]
    name, unit = _words(catalogue, rule.node)
    tz, te = _quantities(target, unit, None)
    by, cap = _fixed(shortfall, 1), _each(limit, "{:g}".format)
    zh = _said(
        name,
        unit,
        value,
        f"{'低于' if sign > 0 else '高于'}目标值" + tz + "，"
        f"{'差距' if sign > 0 else '超出部分'}占目标值的" + by + "%，达到"
        + _LEVEL_ZH[level] + "预警标准（" + cap + "%）",
        by + "% short of its target " + te + " (the " + _NAMES[level]
        + " limit is " + cap + "%)",
        note=_fewer_reports(inputs, rows, catalogue),
    )  # fmt: skip
    return _part(t, rows, "target", level, t.raw[rows], target, *zh)


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
def peer_position(rule, inputs: Inputs, catalogue: Catalogue) -> _Found | None:
    """Bottom k, at or below a percentile, or a robust z below a band, among peers
    (the rule's ``method``: :data:`PEER_METHODS`)."""
    t = inputs._table
    rows = t.rows(rule.node)
    if not len(rows):
        return None
    if rule.within == "peer_group":
        known = {u: i for i, u in enumerate(inputs.units["unit_id"].tolist())}
        at = np.array([known.get(u, -1) for u in t.units.tolist()], dtype=np.intp)
        peer = inputs.units["peer_group"].to_numpy(dtype=object)
        group, _ = pd.factorize(np.where(at >= 0, peer[at], np.nan))
        group = group[t.u[rows]]
    else:
        group = np.zeros(len(rows), dtype=np.intp)
    grouped = group >= 0  # a unit with no peer group has no position
    rows, group = rows[grouped], group[grouped]
    if not len(rows):
        # no scored unit has a peer group (the units table names none, or the
        # groups' units have no value this time): a group with no scored peer has
        # no median and no order, so the rule warns nobody
        return None
    better = _better(catalogue, rule.node)
    peers = _Peers(
        t.p[rows] * (group.max(initial=0) + 1) + group, t.value[rows], better
    )
    limits = {k: getattr(rule, k) for k in _WARN}
    name, unit = _words(catalogue, rule.node)
    digits = _digits(catalogue, rule.node)
    among = "同类单位" if rule.within == "peer_group" else "全部单位"
    hit, level, threshold, zh, en = PEER_METHODS[rule.method](
        peers, limits, unit, among, digits
    )
    rows, value = rows[hit], t.value[rows][hit]
    zh, en = _said(
        name,
        unit,
        value,
        zh + "，" + _LEVEL_ZH[level] + "预警",
        en + ": " + _NAMES[level],
        digits,
        _fewer_reports(inputs, rows, catalogue),
    )
    return _part(t, rows, "peer", level, t.raw[rows], threshold, zh, en)


class _Peers:
    """A peer rule's rows in their groups (period × peer group): ``x``, the value
    signed so that higher is better, sorted within each group (``order``), each
    group's size ``n`` per row; sorted when a method asks (a robust z does not)."""

    def __init__(self, group: np.ndarray, value: np.ndarray, better: int):
        self.group, self.value, self.better = group, value, better
        self.x = better * value

    @cached_property
    def order(self) -> np.ndarray:
        """The rows by group, worst first."""
        return np.lexsort((self.x, self.group))

    @cached_property
    def starts(self) -> np.ndarray:
        """Where each group starts in :attr:`order`."""
        g = self.group[self.order]
        return np.flatnonzero(np.r_[True, g[1:] != g[:-1]])

    @cached_property
    def n(self) -> np.ndarray:
        """Each row's group size."""
        sizes = np.diff(np.r_[self.starts, len(self.order)])
        n = np.empty(len(self.group), dtype=np.int64)
        n[self.order] = np.repeat(sizes, sizes)
        return n

    def median(self, v: np.ndarray) -> np.ndarray:
        """Per row, the median of ``v`` in its group."""
        order = np.lexsort((v, self.group))
        g, s = self.group[order], v[order]
        starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        sizes = np.diff(np.r_[starts, len(g)])
        mid = starts + sizes // 2
        med = np.where(sizes % 2 == 1, s[mid], (s[mid] + s[mid - 1]) / 2)
        out = np.empty(len(v))
        out[order] = np.repeat(med, sizes)
        return out


# Each peer method takes the rule's rows in their groups (:class:`_Peers`), the
# limits by level, the node's unit, who the unit is compared with (同类单位, or
# 全部单位 for a rule ``within: all``; in English its peers, or all units) and the
# decimals of its values (:func:`_digits`); it returns the rows warned (a mask),
# their levels and thresholds, and the position said: in Chinese in plain words, in
# English with the statistic (the analysts' column).
def _peer_bottom_k(peers: _Peers, limits, unit, among, digits=1):
    """Among the k worst (limits are k), only in groups larger than k."""
    o, x = peers.order, peers.x[peers.order]  # sorted within groups
    g = peers.group[o]
    tie = np.r_[False, (g[1:] == g[:-1]) & (x[1:] == x[:-1])]
    first = np.maximum.accumulate(np.where(tie, 0, np.arange(len(o))))
    group_start = np.repeat(peers.starts, np.diff(np.r_[peers.starts, len(o)]))
    stat = np.empty(len(o))
    stat[o] = first - group_start + 1  # 1 = worst; ties share the better place
    level, limit = _graded(stat, limits, lambda x, k: x <= k)
    hit = (level > 0) & (peers.n > np.nan_to_num(limit))  # bottom 3 of 3 is not one
    stat, n = stat[hit], _each(peers.n[hit], str)
    place = _each(stat, "{:.0f}".format)
    return (
        hit,
        level[hit],
        limit[hit],
        f"在{among}中排倒数第" + place + "位（共" + n + "个）",
        _each(stat, lambda s: _ordinal(int(s)))
        + " from the bottom of "
        + n
        + (" peers" if among == "同类单位" else " units"),
    )


def _peer_percentile(peers: _Peers, limits, unit, among, digits=1):
    """At or below the group's p-th percentile (limits are p)."""
    level = np.zeros(len(peers.x), dtype=np.intp)
    limit, stat = np.full(len(peers.x), np.nan), np.full(len(peers.x), np.nan)
    o = peers.order
    bounds = np.r_[peers.starts, len(o)]
    for sev, name in enumerate(_WARN, start=1):
        p = limits.get(name)
        if p is None:
            continue
        cut = np.empty(len(o))
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):  # groups, not rows
            cut[o[a:b]] = np.percentile(peers.x[o[a:b]], p)
        reached = peers.x <= cut
        level[reached], limit[reached], stat[reached] = sev, p, cut[reached]
    hit = level > 0
    stat = peers.better * stat[hit]  # the percentile in the value's own sign
    zh, en = _quantities(stat, unit, digits)
    cap = limit[hit]
    return (
        hit,
        level[hit],
        stat,
        f"处于{among}中最差的"
        + _each(cap, "{:g}".format)
        + "%之列（分界值为"
        + zh
        + "）",
        "at or below the "
        + _each(cap, _ordinal_pct)
        + (
            " percentile of its peers, "
            if among == "同类单位"
            else " percentile of all units, "
        )
        + en,
    )


def _peer_robust_z(peers: _Peers, limits, unit, among, digits=1):
    """(value − median) / MAD, direction-adjusted, below the limit (Oflog's bands).
    The median a reason quotes is the one a reader takes of the published figures:
    the median of the group's values as written (77.40 and 78.05: 77.725, 77.73),
    not that of the unrounded values (77.721, 77.72), which the rule compares."""
    value = peers.value
    median = peers.median(value)
    mad = peers.median(np.abs(value - median))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(mad > 0, peers.better * (value - median) / mad, np.nan)
    level, limit = _graded(stat, limits, lambda z, t: z < t)
    hit = level > 0
    quoted = peers.median(_written(value, unit, digits))[hit]
    level, value, stat, mad = level[hit], value[hit], stat[hit], mad[hit]
    # below (lower being better: above) the median, in Chinese how far in plain
    # words by the level reached, and by how much: the difference of the two
    # figures as written (75.56 − 62.83 reads 12.73, not the unrounded 12.72), and
    # that difference in typical gaps (the MAD: the median of the peers' distances
    # from their median; written as a difference of values is, 3.16分, 2.0个百分点),
    # the multiple the rule compares with its limit (落后同类单位中位数3.00个典型差距);
    # in English the same facts, the multiple as typical gaps (the statistic) of
    # their size, then the limit
    lower = peers.better > 0
    side = "低于" if lower else "高于"
    mz, me = _quantities(quoted, unit, digits)
    gz, ge = _gaps(
        np.abs(_written(value, unit, digits) - _written(quoted, unit, digits)),
        unit,
        digits,
    )
    tz, te = _gaps(mad, unit, digits)
    peer = among == "同类单位"
    kin = "同类" if peer else ""
    times = _fixed(-stat, 2)
    return (
        hit,
        level,
        limit[hit],
        _HOW_FAR[level] + f"{side}{among}中位数" + mz + "（相差" + gz
        + f"，约为{kin}典型差距" + tz + "的" + times + "倍）",
        ge + (" below " if lower else " above ")
        + ("the peer" if peer else "all units'") + " median " + me
        + ", about " + times + " typical gaps of " + te
        + " (more than " + _each(-limit[hit], "{:g}".format) + ")",
    )  # fmt: skip


#: how far from the peer median a robust-z warning is, in Chinese, by level
#: (none, yellow, orange, red): 低于, 明显低于, 远低于
_HOW_FAR = np.array(["", "", "明显", "远"], dtype=object)


#: peer-position method (catalogue ``risk.rules[].method`` of a ``peer`` rule) →
#: ``f(peers, limits, unit, among, digits)`` (see above)
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
def trend(rule, inputs: Inputs, catalogue: Catalogue) -> _Found | None:
    """n consecutive worsenings, or a worsening of at least x against a period."""
    t = inputs._table
    rows = t.rows(rule.node)
    rows = rows[t.at[rows] >= 0]  # the evaluation periods only
    if not len(rows):
        return None
    better = _better(catalogue, rule.node)
    # periods × units, as the values table has them (a missing cell is NaN)
    unit, units = pd.factorize(t.u[rows])
    wide = np.full((len(inputs.periods), len(units)), np.nan)
    wide[t.at[rows], unit] = t.value[rows]
    where = np.full(wide.shape, -1)
    where[t.at[rows], unit] = rows
    name, unit_words = _words(catalogue, rule.node)
    digits = _digits(catalogue, rule.node)
    if rule.declines is not None:
        worse = np.zeros(wide.shape, dtype=bool)  # a missing period breaks a run
        worse[1:] = better * (wide[1:] - wide[:-1]) < 0
        run = np.zeros(worse.shape, dtype=int)
        for p in range(1, len(run)):  # periods, not units
            run[p] = (run[p - 1] + 1) * worse[p]
        first = np.full(wide.shape, np.nan)
        first[rule.declines :] = wide[: len(wide) - rule.declines]
        began = np.full(wide.shape, -1)  # the first value's row
        began[rule.declines :] = where[: len(wide) - rule.declines]
        hit = run >= rule.declines
        rows, value, first = where[hit], wide[hit], first[hit]
        fz, fe = _quantities(first, unit_words, digits)
        vz, ve = _quantities(value, unit_words, digits)
        (fnz, fne), (vnz, vne) = (
            _fewer_reports(inputs, r, catalogue) for r in (began[hit], rows)
        )  # from fewer reports: pro rata, or an earlier report
        zh = (
            f"{name[0]}连续{rule.declines}期变差，由" + fz + fnz
            + _choose(value < first, "降", "升") + "至" + vz + vnz
        )  # fmt: skip
        en = (
            f"{name[1]} worse {rule.declines} periods in a row: "
            + fe + fne + " → " + ve + vne
        )  # fmt: skip
        level = np.full(len(rows), SEVERITY[rule.level])
        return _part(t, rows, "trend", level, value, float(rule.declines), zh, en)
    earlier = pd.Index(inputs.periods).get_indexer(
        [_earlier(p, rule.against) for p in inputs.periods]
    )
    before = np.where((earlier >= 0)[:, None], wide[earlier], np.nan)
    before_at = np.where((earlier >= 0)[:, None], where[earlier], -1)  # its row
    change = better * (before - wide)  # positive: worse now
    if rule.relative:
        with np.errstate(divide="ignore", invalid="ignore"):
            change = np.where(before != 0, 100 * change / np.abs(before), np.nan)
    cells = ~np.isnan(wide)
    limits = {k: getattr(rule.drop, k) for k in _WARN}
    level, limit = _graded(change[cells], limits, lambda x, t: x >= t)
    hit = level > 0
    rows, level, limit = where[cells][hit], level[hit], limit[hit]
    value, before, drop = wide[cells][hit], before[cells][hit], change[cells][hit]
    (bnz, bne), (vnz, vne) = (
        _fewer_reports(inputs, r, catalogue) for r in (before_at[cells][hit], rows)
    )  # from fewer reports: pro rata, or an earlier report
    word_zh = "上期" if rule.against == "previous" else "上年同期"
    word_en = (
        "in the previous period" if rule.against == "previous" else "a year earlier"
    )
    # a relative worsening is a share of the earlier value
    of_zh = f"（按{word_zh}数值计）" if rule.relative else ""

    def by(x: np.ndarray, limit: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """The worsening (or its limit), zh and en: ``12.0%`` of the earlier value,
        or in the value's own units (``3.2个百分点``, ``6.3分``; ``4 findings``)."""
        if rule.relative:
            n = (_each(x, "{:g}".format) if limit else _fixed(x, 1)) + "%"
            return n, n
        return _gaps(x, unit_words, None if limit else digits)

    bz, be = _quantities(before, unit_words, digits)
    vz, ve = _quantities(value, unit_words, digits)
    down = value < before
    (dz, de), (lz, le) = by(drop), by(limit, True)
    zh = (
        f"{name[0]}由{word_zh}的" + bz + bnz + _choose(down, "降", "升") + "至"
        + vz + vnz + "，"
        + _choose(down, "下降", "上升") + dz + of_zh + "，达到"
        + _LEVEL_ZH[level] + "预警标准（" + lz + "）"
    )  # fmt: skip
    en = (
        f"{name[1]} worsened from " + be + bne + f" {word_en} to " + ve + vne
        + " (by " + de + "; the " + _NAMES[level] + " limit is " + le + ")"
    )  # fmt: skip
    return _part(t, rows, "trend", level, value, limit, zh, en)


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
def rollup(rule, inputs: Inputs, catalogue: Catalogue) -> _Found | None:
    """A dimension's level: the mean severity of its ``worst`` worst reported
    indicators (green 0 … red 3), rounded down; reads the other rules' warnings
    (``inputs.worst``). The reason lists them with their levels, then the mean and
    the level it gives (``，平均等级1.50，向下取整为黄色预警``)."""
    t = inputs._table
    leaves = _leaves(catalogue, rule.node)
    rows = np.sort(np.concatenate([t.rows(n) for n in leaves] or [[]])).astype(np.intp)
    if not len(rows):
        return None
    # each reported indicator's most severe warning (green 0 when none)
    warned, severity = inputs.worst
    key = t.key[rows]
    s = np.zeros(len(rows), dtype=np.int64)
    if len(warned):
        at = np.minimum(np.searchsorted(warned, key), len(warned) - 1)
        s = np.where(warned[at] == key, severity[at], 0)
    # per (period, unit): its worst indicators first, ties in table order
    unit = t.p[rows] * t.shape[1] + t.u[rows]
    order = np.lexsort((rows, -s, unit))
    rows, s, unit = rows[order], s[order], unit[order]
    starts = np.flatnonzero(np.r_[True, unit[1:] != unit[:-1]])
    sizes = np.diff(np.r_[starts, len(unit)])
    place = np.arange(len(rows)) - np.repeat(starts, sizes)
    top = place < rule.worst
    k = np.minimum(sizes, rule.worst)  # indicators listed per (period, unit)
    mean = np.add.reduceat(np.where(top, s, 0), starts) / k
    level = np.floor(mean).astype(int)
    hit = level > 0
    if not hit.any():
        return None
    # the worst indicators listed with their levels, for the units warned only
    # each indicator with each level written once (by node code and severity), as
    # the first item of a list and as a later one
    item_zh, item_en = (np.full((len(t.nodes), 4), "", dtype=object) for _ in "ze")
    for n in leaves:
        if n in t.code:
            (name_zh, name_en), _ = _words(catalogue, n)
            item_zh[t.code[n]] = [f"{name_zh}（{w}）" for w in _LEVEL_ZH.tolist()]
            item_en[t.code[n]] = [f"{name_en} ({w})" for w in LEVELS]
    then_zh, then_en = "、" + item_zh, ", " + item_en
    node = t.n[rows]
    first = starts[hit]
    zh, en = item_zh[node[first], s[first]], item_en[node[first], s[first]]
    for j in range(1, rule.worst):  # places, not units
        more = k[hit] > j
        at = first[more] + j
        zh[more] += then_zh[node[at], s[at]]
        en[more] += then_en[node[at], s[at]]
    dim = _words(catalogue, rule.node)[0]
    # each sentence's start by the number of indicators listed (1 … worst)
    start = [
        say_count("rollup_reason", "worst", c, dim=Word(*dim))
        for c in range(rule.worst + 1)
    ]
    zh = np.array([w.zh for w in start], dtype=object)[k[hit]] + zh
    en = np.array([w.en + " " for w in start], dtype=object)[k[hit]] + en
    # then the mean and the level it gives (rounded down when it is not whole)
    m, lv = mean[hit], level[hit]
    said = _fixed(m, 2)
    down = m != lv
    zh += (
        "，平均等级"
        + said
        + np.where(down, "，向下取整为", "，")
        + _LEVEL_ZH[lv]
        + "预警"
    )
    en += "; mean level " + said + np.where(down, ", rounded down: ", ": ") + _NAMES[lv]
    return _part(
        t,
        rows[first],
        "rollup",
        level[hit],
        mean[hit],
        float(rule.worst),
        zh,
        en,
        node=rule.node,
    )


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
def event(rule, inputs: Inputs, catalogue: Catalogue) -> _Found | None:
    """Reported events of the listed types, in the period that contains them."""
    listed = set(rule.events)
    # each (period, unit, event) once, in the order reported (events, not warnings)
    found = dict.fromkeys(e for e in inputs._events if e[2] in listed)
    if not found:
        return None
    period, unit, node = (np.array(c, dtype=object) for c in zip(*found, strict=True))
    names = {n: _words(catalogue, n)[0] for n in set(node.tolist())}
    level = _LEVEL_ZH[SEVERITY[rule.level]]
    every = np.arange(len(node))
    return _Found(
        (pd.array(period, dtype="str"), every),
        (pd.array(unit, dtype="str"), every),
        (pd.array(node, dtype="str"), every),
        "event",
        np.full(len(node), SEVERITY[rule.level]),
        np.full(len(node), 1.0),
        np.full(len(node), np.nan),
        "发生" + _lookup(node, {n: z for n, (z, _) in names.items()})
        + f"，{level}预警",
        _lookup(node, {n: e for n, (_, e) in names.items()})
        + f" reported: {rule.level}",
    )  # fmt: skip


#: kinds that grade the other rules' warnings (``inputs.worst``): run after them
READS_WARNINGS = frozenset({"rollup"})


# ------------------------------------------------------------------ the grades
def grade_units(
    warnings: pd.DataFrame, units: pd.DataFrame, periods: list[str]
) -> pd.DataFrame:
    """Each unit's level in each period: its most severe warning, green if none."""
    unit_ids = units["unit_id"]
    n = len(unit_ids)
    if len(warnings):
        p = _positions(warnings["period"], periods)
        u = _positions(warnings["unit_id"], unit_ids.tolist())
        s = _severity(warnings["level"])
    else:  # no warning: every unit green (no look-up of nothing)
        p = u = s = np.zeros(0, dtype=np.intp)
    known = (p >= 0) & (u >= 0) & (s >= 0)
    cell = (p * n + u)[known]
    s = s[known]
    worst = np.zeros(len(periods) * n, dtype=np.intp)
    np.maximum.at(worst, cell, s)
    n_p = len(periods)
    out = pd.DataFrame(
        {
            "period": _text(periods, np.repeat(np.arange(n_p), n)),
            "unit_id": _text(unit_ids, np.tile(np.arange(n), n_p)),
            "level": _LEVEL_TEXT.take(worst),
            **{  # the counts in the one constructor (no column set after it)
                f"n_{name}": np.bincount(cell[s == sev], minlength=len(worst))
                for sev, name in ((3, "red"), (2, "orange"), (1, "yellow"))
            },
        }
    )
    return out


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
#: level names and their Chinese words by severity (0 green … 3 red)
_NAMES = np.array(LEVELS, dtype=object)
_LEVEL_TEXT = pd.array(LEVELS, dtype="str")
_STR = _LEVEL_TEXT.dtype  # the text type of the tables ("str", Arrow strings)
_LEVEL_ZH = np.array([RISK_LEVEL[k].zh for k in LEVELS], dtype=object)


def _graded(x, limits, hit) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the most severe level whose limit ``x`` reaches (0 where none) and
    that limit (NaN where none); a limit may be one number or one per row."""
    # compared at 9 decimals, as ranks are: (6.3 − 7.2) / 0.3 is −3, not −3.000…027
    x = np.round(np.asarray(x, dtype=float), 9)
    level = np.zeros(len(x), dtype=np.intp)
    limit = np.full(len(x), np.nan)
    for severity, name in enumerate(_WARN, start=1):  # later levels win
        t = limits.get(name)
        if t is None:
            continue
        reached = ~np.isnan(x) & hit(x, t)
        level[reached] = severity
        limit[reached] = t[reached] if np.ndim(t) else t
    return level, limit


@dataclass(frozen=True)
class _Found:
    """One rule's warnings as arrays; :func:`_warnings` makes every rule's into the
    warnings table at once (one frame, one text conversion per column, not one per
    rule). Each text column is ``(labels, codes)``: the values table's labels and
    the rows' codes for a rule's rows, its own labels for an event rule."""

    period: tuple
    unit: tuple
    node: tuple
    rule: str
    level: np.ndarray  #: severities (1 yellow … 3 red)
    value: np.ndarray
    threshold: np.ndarray
    zh: np.ndarray
    en: np.ndarray


def _part(t: _Values, rows, rule, level, value, threshold, zh, en, node=None):
    """A rule's warnings at ``rows`` of the values: the period, unit and node of
    each row (``node``: one for all), the rule, levels and numbers, and reasons."""
    if not len(rows):
        return None
    n = len(rows)
    return _Found(
        (t.labels["period"], t.p[rows]),
        (t.labels["unit_id"], t.u[rows]),
        (t.labels["node_id"], t.n[rows]) if node is None else _same(node, n),
        rule,
        np.asarray(level),
        np.broadcast_to(value, n),
        np.broadcast_to(np.asarray(threshold, dtype=float), n),
        np.broadcast_to(zh, n),
        np.broadcast_to(en, n),
    )


def _same(text: str, n: int) -> tuple:
    """``text`` for ``n`` rows, as ``(labels, codes)``."""
    return _one(text), np.zeros(n, dtype=np.intp)


def _warnings(
    found: list[_Found | None], periods: list[str], nodes: dict[str, int]
) -> pd.DataFrame:
    """The rules' warnings as one table (:data:`WARNING_COLUMNS`), in period order,
    then unit, most severe first, node in ``nodes``' order (others after them, by
    id: :func:`_catalogue_order`), rule; ties in the rules' order. Text is taken
    from each column's few labels once, in that order."""
    found = [f for f in found if f is not None]
    if not found:
        return _empty()
    text = {
        c: _coded([getattr(f, c) for f in found]) for c in ("period", "unit", "node")
    }
    rule = _coded([_same(f.rule, len(f.level)) for f in found])
    level = np.concatenate([f.level for f in found])
    order = np.lexsort(
        (
            np.arange(len(level)),
            _sorted_codes(*rule),
            _sorted_codes(*text["node"], first=nodes),
            -level,
            _sorted_codes(*text["unit"]),
            _period_at(text["period"], periods),  # not a period: last
        )
    )

    def take(labels_codes):
        labels, codes = labels_codes
        return labels.take(codes[order], allow_fill=True)

    def joined(c):
        return np.concatenate([getattr(f, c) for f in found])[order]

    return pd.DataFrame(
        {
            "period": take(text["period"]),
            "unit_id": take(text["unit"]),
            "node_id": take(text["node"]),
            "rule": take(rule),
            "level": _LEVEL_TEXT.take(level[order]),
            "value": joined("value"),
            "threshold": joined("threshold"),
            "reason_zh": _arrow_text(joined("zh")),
            "reason_en": _arrow_text(joined("en")),
        }
    )


def _arrow_text(words: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Python strings (an object array, no missing) as a text column ("str": Arrow
    strings), converted by Arrow at once (``pd.array`` checks each first)."""
    return pd.arrays.ArrowStringArray(
        pa.array(words, type=pa.large_string()), dtype=_STR
    )


def _coded(pieces: list[tuple]) -> tuple:
    """``(labels, codes)`` pieces one after the other as one: each distinct labels
    array once, joined as pandas concatenates columns (:func:`_joined`), the codes
    shifted to it (-1, missing, stays -1)."""
    at: dict[int, int] = {}
    labels, codes = [], []
    for lab, c in pieces:
        if id(lab) not in at:
            at[id(lab)] = sum(len(x) for x in labels)
            labels.append(lab)
        codes.append(np.where(c >= 0, c + at[id(lab)], -1))
    return _joined(labels), np.concatenate(codes)


def _at(labels_codes: tuple, index) -> np.ndarray:
    """Each coded label's position in ``index`` (-1 where not in it or missing), the
    labels (a few) looked up in plain Python."""
    labels, codes = labels_codes
    at = {x: i for i, x in enumerate(index)}
    return np.array([at.get(x, -1) for x in labels.tolist()] + [-1])[codes]


def _period_at(labels_codes: tuple, periods: list[str]) -> np.ndarray:
    """Each coded label's position among ``periods`` (``len(periods)``, last,
    where not one of them)."""
    at = _at(labels_codes, periods)
    return np.where(at >= 0, at, len(periods))


def _sorted_codes(labels, codes: np.ndarray, first: dict | None = None) -> np.ndarray:
    """The codes renumbered in the labels' sorted order (equal labels alike), as
    ``pd.factorize(..., sort=True)`` of the rows would number them; the few labels
    sorted in plain Python (text: code-point order, as Arrow sorts UTF-8). With
    ``first`` (label → place), its labels in that order, then the others sorted."""
    words = labels.tolist()
    first = first or {}
    ordered = sorted(set(words), key=lambda w: (w not in first, first.get(w, 0), w))
    rank = {w: i for i, w in enumerate(ordered)}
    return np.array([rank[w] for w in words] + [-1])[codes]


def _catalogue_order(catalogue: Catalogue) -> dict[str, int]:
    """Each node a warning may name → its place in a unit's warnings of one level:
    the composite, then the dimensions, the indicators and the event types, each
    in catalogue order (the whole before its parts, as the catalogue lists them)."""
    ids = [COMPOSITE, *catalogue.nodes.index, *(e.id for e in catalogue.events)]
    return {node: i for i, node in enumerate(ids)}


def _repeat(text: str, rows: np.ndarray):
    """``text`` once per row, as text (Arrow strings)."""
    return _one(text).take(np.zeros(len(rows), dtype=np.intp))


@lru_cache(maxsize=256)
def _one(text: str):
    """``text`` as a text array of one (rule and node names: a few, made once)."""
    return pd.array([text], dtype="str")


def _severity(levels) -> np.ndarray:
    """Each level's severity (:data:`SEVERITY`; -1 where not a level)."""
    return _positions(levels, LEVELS)


def _text(labels, codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``labels[codes]`` typed as a frame types an object column of them, the
    labels typed once and taken (no Python object per row)."""
    if isinstance(labels, pd.Series) and labels.dtype == "str":
        return labels.array.take(codes)
    return pd.Series(np.asarray(labels, dtype=object)).array.take(codes)


def _positions(labels, index) -> np.ndarray:
    """Each label's position in ``index`` (unique labels; -1 where not in it or
    missing), the few distinct labels looked up once, in plain Python (no hash
    table of the index built by pandas)."""
    codes, distinct = pd.factorize(labels)
    at = {x: i for i, x in enumerate(index)}
    found = [at.get(x, -1) for x in distinct.tolist()]  # not Index iteration
    return np.array(found + [-1], dtype=np.intp)[codes]


def _empty() -> pd.DataFrame:
    return _EMPTY.copy()


_EMPTY = pd.DataFrame(
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
    parent, kind = catalogue.node_columns["parent"], catalogue.node_columns["kind"]
    out, frontier = [], {node}
    while frontier:
        children = [c for c, p in parent.items() if p in frontier]
        out += [c for c in children if dimensions or kind[c] == "indicator"]
        frontier = {c for c in children if kind[c] == "dimension"}
    return out


def _earlier(period: str, against: str) -> str:
    if against == "previous":
        return P.previous(period)
    freq, year, end_month = P.year_end(period)
    return P.label(year - 1, end_month, freq)


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


# ------------------------------------------------------------ reasons, column-wise
def _words(catalogue: Catalogue, node: str):
    """A node's name ``(zh, en)`` and its unit ``(zh, en)`` (a score's: 分, points)."""
    name = (catalogue.name(node, "zh"), catalogue.name(node, "en"))
    return name, catalogue.unit_words.get(node, ("分", "points"))


def _digits(catalogue: Catalogue, node: str) -> int:
    """The decimals a reason writes ``node``'s values with: a score (the composite,
    a dimension's) as it is published (``SCORE_DECIMALS``: 78.57 in the reason as
    on the dashboard and in the media CSV), an indicator's value to 1 (its unit may
    change that: a ratio to 2, a whole count without any)."""
    scores = {COMPOSITE, *(d.id for d in catalogue.dimensions)}
    return SCORE_DECIMALS if node in scores else 1


def _each(x, write, *, together: bool = False) -> np.ndarray:
    """``write(v)`` of each of ``x`` (text), each distinct number written once
    (floats told apart by their bits: ``-0.0`` is not ``0.0``); ``together``:
    ``write`` takes the distinct numbers at once and gives their texts."""
    x = np.asarray(x)
    keys = x.astype(float).view(np.int64) if x.dtype.kind == "f" else x
    distinct, inverse = np.unique(keys, return_inverse=True)
    if x.dtype.kind == "f":
        distinct = distinct.view(float)
    said = write(distinct) if together else [write(v) for v in distinct.tolist()]
    words = np.array([*said, ""], dtype=object)
    return words[:-1][inverse.reshape(-1)]


def _fixed(x, decimals: int) -> np.ndarray:
    """Each of ``x`` to ``decimals`` places, rounded half up as the tables are
    (:func:`~evaluation.vocabulary.fixed`: ``97.85`` → ``97.9``), each distinct
    number written once."""
    return _each(x, partial(fixed_each, decimals=decimals), together=True)


def _numbers(x: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    """Each of ``x`` written with its ``decimals`` (text, half up: :func:`_fixed`),
    each distinct number written once per number of decimals."""
    ks = np.unique(decimals).tolist()
    if len(ks) == 1:  # mostly: all alike
        return _fixed(x, ks[0])
    out = np.empty(len(x), dtype=object)
    for k in ks:
        at = decimals == k
        out[at] = _fixed(x[at], k)
    return out


def _quantities(x, unit: tuple[str, str], digits=1) -> tuple[np.ndarray, np.ndarray]:
    """:func:`~evaluation.vocabulary.quantity` of each of ``x`` in one unit, zh and
    en (``digits`` one number or one per row; ``None``: as a limit is written)."""
    x = np.asarray(x, dtype=float)
    if digits is None:
        numbers = _each(x, plain)
    else:  # as quantity writes them
        numbers = _numbers(x, quantity_decimals(x, unit, digits))
    one, other = unit_after(unit, "en", 1), unit_after(unit, "en")
    if one != other:  # a count's singular
        other = _choose(singular(x), one, other)
    return numbers + unit_after(unit, "zh"), numbers + other


def _written(x, unit: tuple[str, str], digits: int = 1) -> np.ndarray:
    """Each of ``x`` as :func:`_quantities` writes it, as a number again."""
    x = np.asarray(x, dtype=float)
    return _numbers(x, quantity_decimals(x, unit, digits)).astype(float)


def _gaps(
    d, unit: tuple[str, str], digits: int | None = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Differences of two values, zh and en: percentages differ by percentage
    points (``3.2个百分点``, ``3.2 percentage points``), ratios by a bare number
    (``0.30``: ``0.30倍`` would read as a relative change), other values in their
    unit (``6.3分``, ``2件``; ``2 findings``)."""
    if unit[1] == "%":  # (1.0 percentage points: a decimal takes the plural)
        n = _each(d, "{:g}".format) if digits is None else _fixed(d, digits)
        return n + "个百分点", n + " percentage points"
    if unit[0] in RATIO_UNITS or unit[1] in RATIO_UNITS:
        n = _quantities(d, ("", ""), 2 if digits is not None else None)[0]
        return n, n
    return _quantities(d, unit, digits)


def _gap(catalogue: Catalogue, node: str, d: float, digits: int | None = 1) -> str:
    """One difference in Chinese (:func:`_gaps`), as a reason says it of ``node``."""
    return _gaps([d], _words(catalogue, node)[1], digits)[0][0]


def _said(
    name, unit, value, zh, en, digits=1, note=("", "")
) -> tuple[np.ndarray, np.ndarray]:
    """``name为value，zh`` / ``name value, en`` (the value to ``digits``), ``note``
    after the value (:func:`_fewer_reports`)."""
    vz, ve = _quantities(value, unit, digits)
    return (
        name[0] + "为" + vz + note[0] + "，" + zh,
        name[1] + " " + ve + note[1] + ", " + en,
    )


def _fewer_reports(
    inputs: Inputs, rows, catalogue: Catalogue
) -> tuple[np.ndarray, np.ndarray]:
    """What a reason says after each value at ``rows`` rolled up from fewer reports
    than its period expects (methodology §3). A ``sum`` made pro rata: the reports
    and their total, ``（报送5期合计22件，应报6期，按比例折算）`` / `` (22 tasks in 5 of
    6 reports, pro rata)``, the total as the value is written (:func:`_quantities`).
    A ``last`` taken from before the period's last report: which report it is
    (:func:`_carried`). Nothing after a value as reported, a mean, a score, or a
    row of none (-1)."""
    rows = np.asarray(rows, dtype=np.intp)
    zh, en = np.full(len(rows), "", dtype=object), np.full(len(rows), "", dtype=object)
    t, (keys, reported, expected) = inputs._table, inputs._partial
    if not len(keys) or not len(rows):  # mostly: every value as reported
        return zh, en
    key = np.where(rows >= 0, t.key[rows], -1)
    at = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
    found = (key >= 0) & (keys[at] == key)
    n, e = np.where(found, reported[at], 0), np.where(found, expected[at], 0)
    short = found & (n > 0) & (n < e)
    node = np.where(short, t.n[rows], -1)
    for ind in catalogue.indicators:  # a few: those summed or last that were short
        if ind.rollup.method not in ("sum", "last") or ind.id not in t.code:
            continue
        at = np.flatnonzero(short & (node == t.code[ind.id]))
        if not len(at):
            continue
        if ind.rollup.method == "last":
            zh[at], en[at] = _carried(inputs, rows[at], ind)
            continue
        total = t.value[rows[at]] * n[at] / e[at]  # the reports' own sum
        tz, te = _quantities(total, _words(catalogue, ind.id)[1])
        said_n, said_e = _each(n[at], str), _each(e[at], str)
        zh[at] = (
            "（报送" + said_n + "期合计" + tz + "，应报" + said_e + "期，按比例折算）"
        )
        en[at] = " (" + te + " in " + said_n + " of " + said_e + " reports, pro rata)"
    return zh, en


def _carried(inputs: Inputs, rows: np.ndarray, ind) -> tuple[np.ndarray, np.ndarray]:
    """After each ``last`` value of indicator ``ind`` at ``rows`` (a few, each
    from fewer reports than its period expects): the report it is and those not
    sent after it, where that is not the period's last report, ``（取自2025年11月
    报送值，12月未报送）`` / `` (from the November 2025 report; December not
    reported)``; nothing where the period's last report was sent (an earlier one
    missing). The report is the latest of ``inputs.observations`` with a value in
    the period, as the roll-up takes it: with a denominator, one whose denominator
    is reported and above 0 (else it counts as empty, methodology §3)."""
    t = inputs._table
    zh, en = np.full(len(rows), "", dtype=object), np.full(len(rows), "", dtype=object)
    obs = inputs.observations
    units = t.units.take(t.u[rows])
    mine = obs[
        (obs["indicator_id"] == ind.id).to_numpy(dtype=bool)
        & obs["unit_id"].isin(units).to_numpy(dtype=bool)
        & obs["value"].notna().to_numpy(dtype=bool)
    ]
    if ind.denominator is not None and not mine.empty:  # the ratios counted
        by = obs[(obs["indicator_id"] == ind.denominator.by).to_numpy(dtype=bool)]
        above = pd.to_numeric(by["value"], errors="coerce").to_numpy() > 0
        at = zip(by["unit_id"][above], by["period"].astype(str)[above], strict=True)
        usable = set(at)
        pairs = zip(mine["unit_id"], mine["period"].astype(str), strict=True)
        mine = mine[np.array([k in usable for k in pairs], dtype=bool)]
    if mine.empty:
        return zh, en
    freq = P.frequency_of(inputs.periods[-1])
    latest: dict[tuple[str, str], tuple[int, str]] = {}  # (period, unit): report
    for label, unit, month in zip(
        mine["period"].astype(str).tolist(),
        mine["unit_id"].tolist(),
        P.month_index(mine["period"]).tolist(),
        strict=True,
    ):
        key = (P.containing_label(label, freq), unit)
        if key not in latest or month > latest[key][0]:
            latest[key] = (month, label)
    size = P.months_per(ind.frequency)
    for k, (period, unit) in enumerate(
        zip(t.periods.take(t.p[rows]), units, strict=True)
    ):
        if (period, unit) not in latest:
            continue
        month, label = latest[(period, unit)]
        _, year, end = P.year_end(period)
        ends = range(month - year * 12 + size, end + 1, size)  # the reports after it
        missing = [P.label(year, m, ind.frequency) for m in ends]
        if not missing:  # the period's last report
            continue
        in_year = [P.name_zh(x).removeprefix(f"{year}年") for x in missing]
        zh[k] = f"（取自{P.name_zh(label)}报送值，{'、'.join(in_year)}未报送）"
        in_year = [P.name_en(x).removesuffix(f" {year}") for x in missing]
        said = (
            in_year[0]
            if len(in_year) == 1
            else (", ".join(in_year[:-1]) + " and " + in_year[-1])
        )
        en[k] = f" (from the {P.name_en(label)} report; {said} not reported)"
    return zh, en


def _reached(
    words, lower, limits, which, value, level, digits=1, note=None, published=False
) -> tuple:
    """Thresholds reached, as the office says it: ``投诉办结率为83.4%，低于黄色预警线
    （90%）`` (``达到`` when the value is at the limit or reads as it; ``digits``:
    the values' decimals, :func:`_digits`, one more where those would show a value
    beyond the limit equal to it, unless ``published``: :func:`_beside_limits`),
    and in English ``… 83.4% at or below the yellow threshold 90%``; ``note`` (zh,
    en per row)
    after the value and its unit (:func:`_fewer_reports`). Per node: ``words`` its name
    and unit (:func:`_words`), ``lower`` whether higher is worse, ``limits`` its
    limit by severity (nodes × 4, NaN where none); per row: ``which`` node, the
    value and the level reached. The words around the value are written once per
    node and level, each distinct value once (:func:`_numbers`)."""
    head_zh = np.array([name[0] + "为" for name, _ in words], dtype=object)
    head_en = np.array([name[1] + " " for name, _ in words], dtype=object)
    unit_zh = np.array([unit_after(unit, "zh") for _, unit in words], dtype=object)
    unit_en = np.array(
        [[unit_after(unit, "en"), unit_after(unit, "en", 1)] for _, unit in words],
        dtype=object,
    ).reshape(len(words), 2)
    after = [
        _after(unit, low, lim)
        for (_, unit), low, lim in zip(words, lower, limits, strict=True)
    ]
    tail_zh = np.array([zh for zh, _ in after], dtype=object)
    tail_en = np.array([en for _, en in after], dtype=object)
    limit = limits[which, level]
    numbers = _beside_limits(
        [u for _, u in words], which, value, limit, digits, published=published
    )
    # at the limit (达到): on it, or written as it (a score as published, 65.00
    # for 64.996 beside a line of 65, is said at the line it reads as)
    at = np.isclose(value, limit, rtol=0, atol=1e-9) | (numbers.astype(float) == limit)
    how = np.where(at, 0, np.where(np.asarray(lower)[which], 1, 2))
    note_zh, note_en = ("", "") if note is None else note
    zh = head_zh[which] + numbers + unit_zh[which]
    zh = zh + note_zh + tail_zh[which, how, level]
    en = (
        head_en[which]
        + numbers
        + unit_en[which, singular(value).astype(int)]
        + note_en
        + tail_en[which, level]
    )
    return zh, en


def _beside_limits(
    units, which, value, limit, digits, *, published: bool = False
) -> np.ndarray:
    """Each value as a reason writes it beside its limit, in both languages: to
    ``digits`` in its node's unit (``units[which]``, as :func:`quantity`), with
    as many more decimals as it takes not to show it equal to the limit it is
    beyond (:func:`~evaluation.vocabulary.apart`, as the profile's table writes an
    indicator's value: 0.7996 below 0.8 reads 0.7996). A value within 1e-9 of its
    limit is at it (达到), float noise: written as it is published.
    ``published``: a score, written as every table prints it (``SCORE_DECIMALS``,
    half up: 64.996 reads 65.00 beside a line of 65, as in the media CSV), no
    decimal more; :func:`_reached` then says it at the line (达到)."""
    decimals = np.empty(len(value), dtype=np.intp)
    for i, unit in enumerate(units):
        at = which == i
        decimals[at] = quantity_decimals(value[at], unit, digits)  # as quantity
    if published:
        return _numbers(value, decimals)
    beyond = ~np.isclose(value, limit, rtol=0, atol=1e-9)
    # the few values beyond their limit that their decimals show equal to it
    near = np.flatnonzero(beyond & (np.abs(value - limit) < 1.0))
    for i in near.tolist():
        decimals[i] = apart(value[i], [limit[i]], int(decimals[i]))
    return _numbers(value, decimals)


def _after(unit: tuple[str, str], lower: bool, limits) -> tuple[list, list]:
    """One node's words after its value and unit in :func:`_reached`, ``，低于黄色
    预警线（90%）`` / `` at or below the yellow threshold 90%``: in Chinese by how
    the value stands to the limit (at, above, below) and level (0 green … 3 red),
    in English by level; none for a level without a limit (NaN)."""
    zh = [[""] * 4 for _ in range(3)]
    en = [""] * 4
    side = " at or above the " if lower else " at or below the "
    for sev in range(1, 4):
        lim = float(limits[sev])
        if lim != lim:  # NaN: no limit
            continue
        limit_zh = quantity(lim, unit, "zh", decimals=None)
        level_zh = RISK_LEVEL[LEVELS[sev]].zh
        for how, stands in enumerate(("，达到", "，高于", "，低于")):
            zh[how][sev] = f"{stands}{level_zh}预警线（{limit_zh}）"
        limit_en = quantity(lim, unit, "en", decimals=None)
        en[sev] = f"{side}{LEVELS[sev]} threshold {limit_en}"
    return zh, en


def _choose(condition, yes: str, no: str) -> np.ndarray:
    """``yes`` where ``condition``, else ``no`` (text)."""
    out = np.full(np.shape(condition), no, dtype=object)
    out[np.asarray(condition, dtype=bool)] = yes
    return out


def _lookup(keys, words: dict) -> np.ndarray:
    """``words[k]`` for each of ``keys``, each distinct key looked up once."""
    codes, distinct = pd.factorize(np.asarray(keys, dtype=object))
    table = np.array([words[k] for k in distinct] + [None], dtype=object)
    return table[codes]


def _ordinal(n: int) -> str:
    suffix = (
        "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    )
    return f"{n}{suffix}"


def _ordinal_pct(p: float) -> str:
    return _ordinal(int(p)) if float(p).is_integer() else f"{p:g}th"
