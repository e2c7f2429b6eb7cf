"""Scale each indicator, higher = better, with the method the catalogue names.

Works on a ``(period, unit_id) × indicator`` matrix; statistics that depend on the
other units (min, max, mean, sd, worst) are taken within each period.

A method is written once, here: its parameter model (what ``indicators[].
normalisation`` may say for it; the catalogue's union is ``NORMALISERS.models``) and its
kernel, registered together by :func:`method`. A kernel is called with the columns
of the indicators that use it: ``kernel(x, sign, spec, target)`` with ``sign`` +1
where higher is better (−1 otherwise), ``spec`` the indicators' parameter models and
``target`` their targets (NaN where none), both in the units ``x`` is in (logged
with it under ``transform: log``); it returns the scores, a frame or an array
shaped as ``x``. To add a method: a model and a kernel here, its
words in ``vocabulary.yaml``, its row, its ``### `method: name``` section and its
degenerate case in ``docs/methodology.md`` (a test checks them).

Every model states its output range, ``range(valid)`` (``(low, high)``, ``±inf``
where unbounded; ``valid`` the range of the values it scores): min-max to ``[low,
high]`` gives ``(low, high)``, a z-score ``(−inf, inf)``. A kernel keeps to its range
by construction; :func:`normalise` only truncates to it (rounding noise), so an
unbounded method is never clipped, and the aggregation engine clips a node only to
the range its children's ranges imply.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from evaluation.errors import EvaluationError
from evaluation.fields import Model, Number, Positive, Problems, Registry
from evaluation.periods import FREQUENCIES, frequency_of, months_per

if TYPE_CHECKING:  # typing only: the catalogue builds its union from NORMALISERS
    from evaluation.catalogue import Catalogue

Kernel = Callable[..., pd.DataFrame | np.ndarray]
#: a method's output range, ``(low, high)``; ``±inf`` where unbounded
Range = tuple[float, float]
INF = float("inf")
UNBOUNDED: Range = (-INF, INF)
SCORE: Range = (0.0, 100.0)  #: the bounded methods' 0–100
#: method name → kernel; ``NORMALISERS.models``: every method's parameter model,
#: the catalogue's ``Normalisation`` union
NORMALISERS = Registry("method")
#: ``@method(Model)`` registers a kernel as the method its model names
method = NORMALISERS.register


class Method(Model):
    """A normalisation's parameters (``indicators[].normalisation``), with what its
    scores can be: ``range(valid)``, their range for values within ``valid``;
    ``attains_low``, whether the period's worst unit always scores the low end (min-max,
    ranks), so that a mean needing children above 0 surely meets a low end ≤ 0."""

    def range(self, valid: Range = UNBOUNDED) -> Range:
        return UNBOUNDED

    @property
    def attains_low(self) -> bool:
        return False


class MinMax(Method):
    """``low + (high − low) (x − min) / (max − min)`` over the units of the period
    (COINr's ``n_minmax`` with ``l_u = c(low, high)``); default 0–100."""

    method: Literal["minmax"]
    low: Number = 0.0
    high: Number = 100.0

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low < self.high:
            raise Problems(
                [(("high",), self.high, f"must be greater than low ({self.low})")]
            )
        return self

    def range(self, valid: Range = UNBOUNDED) -> Range:
        return (self.low, self.high)

    @property
    def attains_low(self) -> bool:
        return True


@method(MinMax)
def _minmax(x: pd.DataFrame, sign: np.ndarray, spec, target) -> np.ndarray:
    """``low + (high − low) (x − min) / (max − min)``; all units equal → ``high``."""
    onto = [s.range() for s in spec]
    starts = _period_blocks(x)
    if starts is None:  # a missing period, or periods not in blocks of rows
        low, high = _period_extreme(x, np.fmin), _period_extreme(x, np.fmax)
        worst, best = np.where(sign > 0, low, high), np.where(sign > 0, high, low)
        return _scale(x, worst, best, onto)
    # each period's rows scaled by its own extremes (one row each, broadcast):
    # the same arithmetic per cell, without a units × indicators array of them
    values = x.to_numpy(dtype=float)
    low = np.fmin.reduceat(values, starts, axis=0)
    high = np.fmax.reduceat(values, starts, axis=0)
    worst, best = np.where(sign > 0, low, high), np.where(sign > 0, high, low)
    ends = [*starts[1:].tolist(), len(x)]
    parts = [
        _scaled(values[a:b], worst[k], best[k], onto)
        for k, (a, b) in enumerate(zip(starts.tolist(), ends, strict=True))
    ]
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _period_blocks(x: pd.DataFrame) -> np.ndarray | None:
    """The first row of each period where the periods come in blocks of rows (as
    :func:`.prepare.as_matrix` makes them); None otherwise (a missing period, or
    periods not in blocks)."""
    index = x.index
    if isinstance(index, pd.MultiIndex):
        codes = index.codes[index.names.index("period")].astype(np.int64)
    else:
        codes = pd.factorize(index.get_level_values("period"))[0]
    starts = np.flatnonzero(np.diff(codes, prepend=-2))
    # blocks: no period starts two of them (each block's period, not every row's)
    distinct = len(set(codes[starts].tolist())) == len(starts)
    blocks = len(x) and (codes >= 0).all() and distinct
    return starts if blocks else None


def _period_extreme(x: pd.DataFrame, how: np.ufunc) -> np.ndarray:
    """Each column's minimum (``np.fmin``) or maximum (``np.fmax``) over the units
    of each row's period, missing values skipped (NaN where a period has none), as
    ``groupby(level="period").transform``; by one ``reduceat`` per column block
    where the periods come in blocks of rows (as :func:`.prepare.as_matrix` makes
    them), by the group-by otherwise."""
    starts = _period_blocks(x)
    if starts is None:  # a missing period, or periods not in blocks of rows
        name = "min" if how is np.fmin else "max"
        by = x.groupby(level="period", sort=False)
        return by.transform(name).to_numpy(dtype=float)
    values = x.to_numpy(dtype=float)
    per_block = how.reduceat(values, starts, axis=0)
    return np.repeat(per_block, np.diff(np.append(starts, len(x))), axis=0)


class Goalposts(Method):
    """``scale (x − worst) / (best − worst)`` with fixed goalposts, truncated to
    [0, scale] unless ``truncate: false`` (COINr's ``n_goalposts`` with ``gposts =
    c(l, u, scale)`` and ``trunc2posts``; its ``n_scaled`` untruncated).

    ``per`` (a frequency, e.g. ``monthly``): the goalposts are amounts per period of
    that length, and values are compared as such (:func:`_per_period`), so a monthly
    and an annual run mean the same; none: values as they are."""

    method: Literal["goalposts"]
    worst: Number
    best: Number
    scale: Positive = 100.0
    truncate: bool = True
    per: Literal[tuple(FREQUENCIES)] | None = None

    def range(self, valid: Range = UNBOUNDED) -> Range:
        return (0.0, self.scale) if self.truncate else UNBOUNDED


@method(Goalposts)
def _goalposts(x: pd.DataFrame, sign: np.ndarray, spec, target) -> np.ndarray:
    """``scale (x − worst) / (best − worst)`` with fixed goalposts."""
    worst = np.array([s.worst for s in spec], dtype=float)
    best = np.array([s.best for s in spec], dtype=float)
    return _scale(x, worst, best, [(0.0, s.scale) for s in spec])


class Clip(Method):
    """An unbounded method's optional ``clip: [low, high]``."""

    clip: tuple[Number, Number] | None = None

    @model_validator(mode="after")
    def _clip_ordered(self):
        if self.clip is not None and not self.clip[0] < self.clip[1]:
            raise Problems(
                [(("clip",), list(self.clip), "must be [low, high], low < high")]
            )
        return self

    def range(self, valid: Range = UNBOUNDED) -> Range:
        return UNBOUNDED if self.clip is None else self.clip


class ZScore(Clip):
    """``mean + sd · z``, z over the units of the period (COINr's ``n_zscore`` with
    ``m_sd = c(mean, sd)``); unbounded unless ``clip: [low, high]``."""

    method: Literal["zscore"]
    mean: Number = 50.0
    sd: Positive = 10.0


@method(ZScore)
def _zscore(x: pd.DataFrame, sign: np.ndarray, spec, target) -> pd.DataFrame:
    """``mean + sd · z``, z = ±(x − x̄)/s (sample sd); all units equal → ``mean``."""
    by = x.groupby(level="period", sort=False)
    centre, spread = by.transform("mean"), by.transform("std")
    with np.errstate(invalid="ignore", divide="ignore"):
        z = sign * (x - centre) / spread
    flat = spread.isna() | (spread == 0)  # one unit, or every unit equal
    z = z.mask(flat, 0.0).where(x.notna())
    m = np.array([s.mean for s in spec], dtype=float)
    sd = np.array([s.sd for s in spec], dtype=float)
    return m + sd * z


class DistanceToTarget(Method):
    """``scale (x − worst) / (target − worst)``, truncated to [0, scale] (``cap:
    false``: not at all, as COINr's ``n_dist2targ`` without ``cap_max``).

    ``worst`` defaults to the worst value among the units of the period (as COINr).
    ``per`` (a frequency): the target and ``worst`` are amounts per period of that
    length, as for goalposts (:func:`_per_period`).
    """

    method: Literal["target"]
    worst: Number | None = None
    cap: bool = True
    scale: Positive = 100.0
    per: Literal[tuple(FREQUENCIES)] | None = None

    def range(self, valid: Range = UNBOUNDED) -> Range:
        return (0.0, self.scale) if self.cap else UNBOUNDED

    @property
    def attains_low(self) -> bool:
        return self.worst is None  # the period's worst unit scores 0


@method(DistanceToTarget)
def _target(x: pd.DataFrame, sign: np.ndarray, spec, target) -> np.ndarray:
    """``100 (x − worst) / (target − worst)``; worst defaults to the period's worst."""
    observed_worst = np.where(
        sign > 0, _period_extreme(x, np.fmin), _period_extreme(x, np.fmax)
    )
    fixed = np.array(
        [np.nan if s.worst is None else s.worst for s in spec], dtype=float
    )
    target = np.asarray(target, dtype=float)
    # capped: if even the worst unit has reached the target, everyone scores 100
    # (uncapped, as COINr: everyone above the target scores above 100)
    cap = np.array([s.cap for s in spec])
    reached = np.where(
        sign > 0, np.minimum(observed_worst, target), np.maximum(observed_worst, target)
    )
    _warn_reversed(x, sign * (observed_worst - target) > 0, ~cap & np.isnan(fixed))
    observed_worst = np.where(cap, reached, observed_worst)
    worst = np.where(np.isnan(fixed), observed_worst, fixed)
    return _scale(x, worst, target, [(0.0, s.scale) for s in spec])


def _warn_reversed(x: pd.DataFrame, past: np.ndarray, uncapped: np.ndarray) -> None:
    """Uncapped, with the observed worst, a period where every unit is past the
    target divides by ``target − worst`` of the wrong sign: the order reverses (the
    best unit scores lowest), as COINr's ``n_dist2targ``. Kept, and said."""
    if not uncapped.any():  # capped, or a fixed worst: nothing can reverse
        return
    hit = pd.DataFrame(past, index=x.index, columns=x.columns).loc[:, uncapped]
    hit = hit[x.loc[:, uncapped].notna()].fillna(False).astype(bool)
    found = hit.groupby(level="period", sort=False).any()
    pairs = [(p, c) for c in found.columns for p in found.index[found[c]]]
    if pairs:
        where = ", ".join(f"{c} {p}" for p, c in pairs[:5])
        warnings.warn(
            f"每个单位都已超过目标值，未封顶的目标距离法排序颠倒（{where}）/ every "
            f"unit is past the target ({where}): an uncapped distance to target with "
            "the observed worst reverses the order there, as COINr's n_dist2targ "
            "does; give a fixed worst or cap: true",
            UserWarning,
            stacklevel=2,
        )


class Percentile(Method):
    """``100 (rank − 1) / (n − 1)``, rank ascending with ties sharing the lowest
    (COINr's ``n_prank``); the best unit scores 100."""

    method: Literal["percentile"]

    def range(self, valid: Range = UNBOUNDED) -> Range:
        return SCORE

    @property
    def attains_low(self) -> bool:
        return True


@method(Percentile)
def _percentile(x: pd.DataFrame, sign: np.ndarray, spec, target) -> pd.DataFrame:
    """``100 (rank − 1) / (n − 1)``, ascending rank, ties min (COINr ``n_prank``)."""
    signed = x * sign
    by = signed.groupby(level="period", sort=False)
    rank = by.rank(method="min", ascending=True)
    n = by.transform("count")
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (rank - 1) / (n - 1)
    return 100 * share.where(n > 1, 1.0).where(x.notna())


class RobustZ(Clip):
    """``mean + sd · (x − median) / MAD``, unbounded unless ``clip: [low, high]``;
    ``consistent: true`` scales MAD by 1.4826 (so it estimates the SD for normal
    data)."""

    method: Literal["robust_z"]
    mean: Number = 50.0
    sd: Positive = 10.0
    consistent: bool = True


@method(RobustZ)
def _robust_z(x: pd.DataFrame, sign: np.ndarray, spec, target) -> pd.DataFrame:
    """``mean + sd · (x − median) / MAD`` (± by direction); MAD 0 → ``mean``."""
    by = x.groupby(level="period", sort=False)
    median = by.transform("median")
    mad = (x - median).abs().groupby(level="period", sort=False).transform("median")
    factor = np.array([1.4826 if s.consistent else 1.0 for s in spec])
    with np.errstate(invalid="ignore", divide="ignore"):
        z = sign * (x - median) / (mad * factor)
    z = z.mask(mad.isna() | (mad == 0), 0.0).where(x.notna())
    m = np.array([s.mean for s in spec], dtype=float)
    sd = np.array([s.sd for s in spec], dtype=float)
    return m + sd * z


class Reference(Method):
    """Ratio to a reference unit: ``100 x / x_ref`` (``100 x_ref / x`` if lower is
    better), truncated to [0, 100]: units at or beyond the reference score 100
    (``cap: false``: not truncated, beyond the reference scores above 100)."""

    method: Literal["reference"]
    unit: Annotated[str, Field(min_length=1)]
    cap: bool = True

    def range(self, valid: Range = UNBOUNDED) -> Range:
        return SCORE if self.cap else _ratio_range(valid, 100.0)


@method(Reference)
def _reference(x: pd.DataFrame, sign: np.ndarray, spec, target) -> pd.DataFrame:
    """``100 x / x_ref`` (inverted if lower is better); the reference unit's own value
    in the same period; missing or non-positive reference → missing."""
    units = x.index.get_level_values("unit_id")
    out = pd.DataFrame(np.nan, index=x.index, columns=x.columns)
    for j, s in enumerate(spec):  # indicators using this method
        column = x.iloc[:, j]
        if not (units == s.unit).any():
            raise EvaluationError(
                f"{x.columns[j]}: reference unit {s.unit!r} is not in the units table"
            )
        ref = column[units == s.unit].droplevel("unit_id")
        ref = ref.where(ref > 0).reindex(x.index.get_level_values("period")).to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = column.to_numpy() / ref if sign[j] > 0 else ref / column.to_numpy()
        out.iloc[:, j] = 100 * (np.minimum(ratio, 1.0) if s.cap else ratio)
    return out


class RankScore(Method):
    """Rank among the period's units, best = 100: ``100 (n − r) / (n − 1)`` with ``r``
    the descending rank, ties sharing the best rank."""

    method: Literal["rank"]

    def range(self, valid: Range = UNBOUNDED) -> Range:
        return SCORE

    @property
    def attains_low(self) -> bool:
        return True


@method(RankScore)
def _rank(x: pd.DataFrame, sign: np.ndarray, spec, target) -> pd.DataFrame:
    """``100 (n − r)/(n − 1)``, r the descending rank, ties sharing the best."""
    by = (x * sign).groupby(level="period", sort=False)
    r = by.rank(method="min", ascending=False)
    n = by.transform("count")
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (n - r) / (n - 1)
    return 100 * share.where(n > 1, 1.0).where(x.notna())


class Borda(Method):
    """Borda points (units beaten, COINr's ``n_borda``) on 0–100:
    ``100 (r_asc − 1) / (n − 1)``, ties sharing the lowest; the same numbers as
    ``percentile``."""

    method: Literal["borda"]

    def range(self, valid: Range = UNBOUNDED) -> Range:
        return SCORE

    @property
    def attains_low(self) -> bool:
        return True


method(Borda)(_percentile)


class FracMax(Method):
    """Fraction of the period's best value (COINr's ``n_fracmax``): ``scale x /
    x_max``; if lower is better ``scale x_min / x``. A best value ≤ 0 (or, lower
    better, ``x`` ≤ 0) has no ratio: missing."""

    method: Literal["fracmax"]
    scale: Positive = 100.0

    def range(self, valid: Range = UNBOUNDED) -> Range:
        lo, hi = valid
        if lo > 0:
            return (self.scale * lo / hi, self.scale)
        return (0.0, self.scale) if lo == 0 else (-INF, self.scale)


@method(FracMax)
def _fracmax(x: pd.DataFrame, sign: np.ndarray, spec, target) -> pd.DataFrame:
    """``scale x / x_max`` (``scale x_min / x`` if lower is better)."""
    by = x.groupby(level="period", sort=False)
    best = np.where(sign > 0, by.transform("max"), by.transform("min"))
    return _ratio(x, best, sign, spec)


class RatioMean(Method):
    """Ratio to the mean of the period's units (the Handbook's distance to a
    reference, the reference being the average unit): ``scale x / x̄``; if lower is
    better ``scale x̄ / x``. Unbounded; ``x̄`` ≤ 0 (or, lower better, ``x`` ≤ 0)
    has no ratio: missing."""

    method: Literal["ratio_mean"]
    scale: Positive = 100.0

    def range(self, valid: Range = UNBOUNDED) -> Range:
        return _ratio_range(valid, self.scale)


@method(RatioMean)
def _ratio_mean(x: pd.DataFrame, sign: np.ndarray, spec, target) -> pd.DataFrame:
    """``scale x / x̄`` (``scale x̄ / x`` if lower is better)."""
    mean = x.groupby(level="period", sort=False).transform("mean")
    return _ratio(x, mean.to_numpy(), sign, spec)


def _ratio(x: pd.DataFrame, ref: np.ndarray, sign: np.ndarray, spec) -> pd.DataFrame:
    """``scale x / ref`` (``scale ref / x`` where lower is better); a reference ≤ 0,
    or a value ≤ 0 under it, has no ratio."""
    v = x.to_numpy(dtype=float)
    ref = np.where(ref > 0, ref, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(sign > 0, v / ref, ref / np.where(v > 0, v, np.nan))
    scale = np.array([s.scale for s in spec], dtype=float)
    return pd.DataFrame(scale * ratio, index=x.index, columns=x.columns)


def _ratio_range(valid: Range, scale: float) -> Range:
    """Range of ``scale x / ref`` (or ``scale ref / x``) with ``x`` and the reference
    in ``valid`` (a reference ≤ 0, or ``x`` ≤ 0 under it, has no ratio): bounded on
    both sides if every value is positive and bounded, from 0 if none is negative."""
    lo, hi = valid
    if lo > 0 and hi < INF:
        return (scale * lo / hi, scale * hi / lo)
    return (0.0, INF) if lo >= 0 else UNBOUNDED


class Ordinal(Method):
    """Categories reported as labels (e.g. grades A–D) scored by ``indicators[].
    categories`` points; the points are the score (0–100)."""

    method: Literal["ordinal"]

    def range(self, valid: Range = UNBOUNDED) -> Range:
        return SCORE  # categories' points lie in [0, 100]


@method(Ordinal)
def _ordinal(x: pd.DataFrame, sign: np.ndarray, spec, target) -> pd.DataFrame:
    """Category points (mapped from labels at validation) are the score."""
    return x


def _log_spec(spec):
    """Goalposts and worst are written in the indicator's units: log them too."""
    fields = {
        k: np.log(getattr(spec, k))
        for k in ("worst", "best")
        if getattr(spec, k, None) is not None
    }
    return spec.model_copy(update=fields)


def _per_period(x: pd.DataFrame, spec, table: pd.DataFrame) -> pd.DataFrame:
    """Values of indicators whose goalposts are stated ``per`` a period length, as
    amounts per such a period: ``x · months(per) / months(x)``, where a ``sum``
    roll-up covers its row's evaluation period and any other roll-up one reporting
    period (the indicator's ``frequency``). The others are returned as they are."""
    per = [getattr(s, "per", None) for s in spec]
    if not any(per):
        return x
    codes, labels = pd.factorize(x.index.get_level_values("period"))
    months = np.array([months_per(frequency_of(p)) for p in labels], dtype=float)
    factor = np.ones(x.shape)
    for j, (p, rollup, frequency) in enumerate(
        zip(per, table["rollup"], table["frequency"], strict=True)
    ):  # the indicators' columns
        if p is not None:
            span = months[codes] if rollup == "sum" else months_per(frequency)
            factor[:, j] = months_per(p) / span
    return x * factor


def _scale(x, worst, best, onto: list[Range] | None = None) -> np.ndarray:
    """``low + (high − low) · share``, ``share = (x − worst) / (best − worst)`` (1
    where ``best = worst``), each column onto its ``(low, high)``; default 0–100."""
    worst = np.broadcast_to(np.asarray(worst, dtype=float), x.shape)
    best = np.broadcast_to(np.asarray(best, dtype=float), x.shape)
    return _scaled(x.to_numpy(dtype=float), worst, best, onto)


def _scaled(values: np.ndarray, worst, best, onto: list[Range] | None) -> np.ndarray:
    """:func:`_scale` on an array; ``worst`` and ``best`` broadcast to it."""
    span = best - worst
    # in place in one new array (laid out as ``values``): the same arithmetic per
    # cell as ``where(span == 0, 1, (values - worst) / span)``, NaN where no value
    share = np.subtract(values, worst)
    with np.errstate(invalid="ignore", divide="ignore"):
        np.divide(share, span, out=share)
    flat = span == 0
    if flat.any():
        np.copyto(share, 1.0, where=flat)
    np.copyto(share, np.nan, where=np.isnan(values))
    if onto is None or all(r == SCORE for r in onto):
        share *= 100  # 0–100: the bits every default run has always had
        return share
    low, high = np.array(onto, dtype=float).T
    return low + (high - low) * share


def normalise(
    matrix: pd.DataFrame, catalogue: Catalogue, zero_score: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Scale each indicator column of ``matrix``, higher = better.

    The method names are checked when the catalogue loads (see ``NORMALISERS``).
    Indicators with ``transform: log`` are scored on ``ln x`` (goalposts, target and
    worst, written in the indicator's own units, are logged too). Each column is
    truncated to its method's declared range only (:func:`output_range`), so an
    unbounded method (z-score, uncapped target, ratio to the mean) is not clipped.

    Parameters
    ----------
    matrix
        Rolled-up values, rows indexed by ``(period, unit_id)``, one column per
        indicator id.
    catalogue
        Gives each indicator's direction and normalisation.
    zero_score
        Boolean matrix like ``matrix``: cells whose missing-data rule is
        ``zero_score`` get a score of 0 instead of staying missing.

    Returns
    -------
    A matrix like ``matrix`` with each column's scores within its declared range;
    NaN where missing.
    """
    specs = {i.id: i for i in catalogue.indicators}
    # the catalogue table's columns read from the indicators themselves (no
    # ``.loc``, group-by or ``to_dict`` per call); methods in order of appearance
    groups: dict[str, list[str]] = {}
    names = matrix.columns.tolist()  # the ids once (not the index, item by item)
    for c in names:
        groups.setdefault(specs[c].normalisation.method, []).append(c)
    # every column written below: no NaN fill first (a column of no method: NaN)
    every = sum(len(cols) for cols in groups.values()) == matrix.shape[1]
    out = np.empty(matrix.shape) if every else np.full(matrix.shape, np.nan)
    position = {c: j for j, c in enumerate(names)}
    # the columns read for every method as dicts: no table lookup per method
    direction = {c: specs[c].direction for c in position}
    transform = {c: specs[c].transform for c in position}
    goal = {c: specs[c].target for c in position}  # None: NaN below, as in the table
    values = None  # the matrix as floats, made once if a method needs its columns
    for method, cols in groups.items():
        sign = np.where(np.array([direction[c] for c in cols]) == "higher", 1.0, -1.0)
        logged = np.array([transform[c] == "log" for c in cols], dtype=bool)
        spec = [
            _log_spec(specs[c].normalisation) if lg else specs[c].normalisation
            for c, lg in zip(cols, logged, strict=True)
        ]
        # every column, in order, of floats, read only: the matrix as it is; else
        # the method's columns in a frame of their own (not ``matrix[cols]``)
        as_is = cols == names and all(
            t == np.dtype(float) for t in matrix.dtypes.tolist()
        )
        where = [position[c] for c in cols]
        if as_is and not logged.any():
            x = matrix
        else:
            if values is None:
                values = matrix.to_numpy(dtype=float)
            x = pd.DataFrame(  # the matrix's own labels, taken (not typed again)
                values[:, where],
                index=matrix.index,
                columns=matrix.columns.take(np.asarray(where)),
                copy=False,
            )
        if any(getattr(s, "per", None) for s in spec):
            x = _per_period(x, spec, catalogue.table.loc[cols])
        if logged.any():
            x.loc[:, logged] = np.log(x.loc[:, logged])  # transform: log (values > 0)
        target = np.array([goal[c] for c in cols], dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):  # > 0 where logged
            target = np.where(logged, np.log(target), target)
        scored = NORMALISERS[method](x, sign, spec, target)
        if isinstance(scored, pd.DataFrame):
            scored = scored.to_numpy(dtype=float)
        low, high = np.array(
            [
                specs[c].normalisation.range(
                    _domain(specs[c], catalogue.settings.treatment)
                )
                for c in cols
            ],
            dtype=float,
        ).T
        below, above = scored < low, scored > high
        if below.any() or above.any():  # else every score stands as it is
            scored = np.where(below, low, np.where(above, high, scored))
        if where == list(range(out.shape[1])):
            out[...] = scored  # one method for every column, in order
        else:
            out[:, where] = scored
    if zero_score is not None:
        aligned = zero_score.index.equals(matrix.index) and zero_score.columns.equals(
            matrix.columns
        )
        # every column boolean: the frame's values are one boolean array (a column
        # of any other type makes them objects)
        zero = zero_score.to_numpy() if aligned else None
        if zero is None or zero.dtype != bool:
            zero = zero_score.reindex_like(matrix).fillna(False).astype(bool).to_numpy()
        np.copyto(out, 0.0, where=zero & np.isnan(out))  # out: this function's own
    return pd.DataFrame(out, index=matrix.index, columns=matrix.columns, copy=False)


def output_range(indicator, treatment=None) -> Range:
    """The declared range of an indicator's scores: its normalisation's range over
    the values its kernel can see (:func:`_domain`; ``treatment``: the catalogue's
    default where the indicator has none), widened to 0 where the missing-data rule
    is ``zero_score``."""
    low, high = indicator.normalisation.range(_domain(indicator, treatment))
    return (min(low, 0.0), high) if indicator.missing == "zero_score" else (low, high)


def _domain(indicator, treatment=None) -> Range:
    """The values a kernel can see, from ``valid`` (the range of one report): a
    mean, weighted mean or latest report stays within it (so does a winsorised or
    capped one); a sum of reports, or a ratio to a denominator, keeps only the sign
    (reports ≥ 0 give 0 … ∞); COINr's treatment may take logarithms of shifted
    values, which can be any number; logged under ``transform: log`` (``valid.min >
    0`` is checked when the catalogue loads)."""
    lo, hi = float(indicator.valid.min), float(indicator.valid.max)
    how = indicator.treatment or treatment
    if how is not None and how.method == "coinr":
        return UNBOUNDED
    if indicator.denominator is not None:
        lo, hi = (0.0 if lo >= 0 else -INF), (0.0 if hi <= 0 else INF)
    elif indicator.rollup.method == "sum":
        lo, hi = (lo if lo >= 0 else -INF), (hi if hi <= 0 else INF)
    if indicator.transform == "log":
        return (float(np.log(lo)) if lo > 0 else -INF, float(np.log(hi)))
    return (lo, hi)
