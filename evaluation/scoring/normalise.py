"""Scale each indicator to 0–100, higher = better, with the method the catalogue names.

Works on a ``(period, unit_id) × indicator`` matrix; statistics that depend on the
other units (min, max, mean, sd, worst) are taken within each period.

A method is written once, here: its parameter model (what ``indicators[].
normalisation`` may say for it; the catalogue's union is :data:`MODELS`) and its
kernel, registered together by :func:`method`. A kernel is called with the columns
of the indicators that use it: ``kernel(x, sign, spec, target)`` with ``sign`` +1
where higher is better (−1 otherwise), ``spec`` the indicators' parameter models and
``target`` their targets (NaN where none), both in the units ``x`` is in (logged
with it under ``transform: log``). To add a method: a model and a kernel here, its
words in ``vocabulary.yaml`` and its row in ``docs/methodology.md`` (a test checks
both).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Literal, get_args

import numpy as np
import pandas as pd
from pydantic import Field

from evaluation.errors import EvaluationError
from evaluation.fields import Model, Number, Positive

if TYPE_CHECKING:  # typing only: the catalogue builds its union from MODELS
    from evaluation.catalogue import Catalogue

Kernel = Callable[..., pd.DataFrame]
#: method name → kernel
NORMALISERS: dict[str, Kernel] = {}
#: the parameter model of every method, in registration order
MODELS: tuple[type[Model], ...] = ()


def method(model: type[Model]):
    """Register a kernel as the method its parameter ``model`` names (the Literal
    of its ``method`` field)."""

    def register(kernel: Kernel) -> Kernel:
        global MODELS
        (name,) = get_args(model.model_fields["method"].annotation)
        NORMALISERS[name] = kernel
        MODELS = (*MODELS, model)
        return kernel

    return register


class MinMax(Model):
    """``100 (x − min) / (max − min)`` over the units of the period."""

    method: Literal["minmax"]


@method(MinMax)
def _minmax(x: pd.DataFrame, sign: np.ndarray, spec, target) -> pd.DataFrame:
    """``100 (x − min) / (max − min)``; if every unit is equal, each scores 100."""
    by = x.groupby(level="period", sort=False)
    low, high = by.transform("min"), by.transform("max")
    worst, best = np.where(sign > 0, low, high), np.where(sign > 0, high, low)
    return _scale(x, worst, best)


class Goalposts(Model):
    """``100 (x − worst) / (best − worst)``, clipped to [0, 100]; fixed goalposts."""

    method: Literal["goalposts"]
    worst: Number
    best: Number


@method(Goalposts)
def _goalposts(x: pd.DataFrame, sign: np.ndarray, spec, target) -> pd.DataFrame:
    """``100 (x − worst) / (best − worst)`` with fixed goalposts."""
    worst = np.array([s.worst for s in spec], dtype=float)
    best = np.array([s.best for s in spec], dtype=float)
    return _scale(x, worst, best)


class ZScore(Model):
    """``mean + sd · z`` clipped to [0, 100], z over the units of the period."""

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


class DistanceToTarget(Model):
    """``100 (x − worst) / (target − worst)`` clipped to [0, 100].

    ``worst`` defaults to the worst value among the units of the period (as COINr).
    """

    method: Literal["target"]
    worst: Number | None = None


@method(DistanceToTarget)
def _target(x: pd.DataFrame, sign: np.ndarray, spec, target) -> pd.DataFrame:
    """``100 (x − worst) / (target − worst)``; worst defaults to the period's worst."""
    by = x.groupby(level="period", sort=False)
    observed_worst = np.where(sign > 0, by.transform("min"), by.transform("max"))
    fixed = np.array(
        [np.nan if s.worst is None else s.worst for s in spec], dtype=float
    )
    target = np.asarray(target, dtype=float)
    # if even the worst unit has reached the target, everyone scores 100
    observed_worst = np.where(
        sign > 0, np.minimum(observed_worst, target), np.maximum(observed_worst, target)
    )
    worst = np.where(np.isnan(fixed), observed_worst, fixed)
    return _scale(x, worst, target)


class Percentile(Model):
    """``100 (rank − 1) / (n − 1)``, rank ascending with ties sharing the lowest
    (COINr's ``n_prank``); the best unit scores 100."""

    method: Literal["percentile"]


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


class RobustZ(Model):
    """``mean + sd · (x − median) / MAD`` clipped to [0, 100]; ``consistent: true``
    scales MAD by 1.4826 (so it estimates the SD for normal data)."""

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


class Reference(Model):
    """Distance to a reference unit: ``100 x / x_ref`` (``100 x_ref / x`` if lower is
    better), capped at 100: units at or beyond the reference score 100."""

    method: Literal["reference"]
    unit: Annotated[str, Field(min_length=1)]


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
        out.iloc[:, j] = 100 * np.minimum(ratio, 1.0)
    return out


class RankScore(Model):
    """Rank among the period's units, best = 100: ``100 (n − r) / (n − 1)`` with ``r``
    the descending rank, ties sharing the best rank."""

    method: Literal["rank"]


@method(RankScore)
def _rank(x: pd.DataFrame, sign: np.ndarray, spec, target) -> pd.DataFrame:
    """``100 (n − r)/(n − 1)``, r the descending rank, ties sharing the best."""
    by = (x * sign).groupby(level="period", sort=False)
    r = by.rank(method="min", ascending=False)
    n = by.transform("count")
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (n - r) / (n - 1)
    return 100 * share.where(n > 1, 1.0).where(x.notna())


class Borda(Model):
    """Borda points (units beaten, COINr's ``n_borda``) on 0–100:
    ``100 (r_asc − 1) / (n − 1)``, ties sharing the lowest; the same numbers as
    ``percentile``."""

    method: Literal["borda"]


method(Borda)(_percentile)


class Ordinal(Model):
    """Categories reported as labels (e.g. grades A–D) scored by ``indicators[].
    categories`` points; the points are the score (0–100)."""

    method: Literal["ordinal"]


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


def _scale(x, worst, best) -> pd.DataFrame:
    worst = np.broadcast_to(np.asarray(worst, dtype=float), x.shape)
    best = np.broadcast_to(np.asarray(best, dtype=float), x.shape)
    span = best - worst
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(span == 0, 1.0, (x.to_numpy() - worst) / span)
    share = np.where(x.isna(), np.nan, share)
    return pd.DataFrame(100 * share, index=x.index, columns=x.columns)


def normalise(
    matrix: pd.DataFrame, catalogue: Catalogue, zero_score: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Scale each indicator column of ``matrix`` to 0–100, higher = better.

    The method names are checked when the catalogue loads (see ``NORMALISERS``).
    Indicators with ``transform: log`` are scored on ``ln x`` (goalposts, target and
    worst, written in the indicator's own units, are logged too).

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
    A matrix like ``matrix`` with scores clipped to [0, 100]; NaN where missing.
    """
    table = catalogue.table.loc[matrix.columns]
    specs = {i.id: i for i in catalogue.indicators}
    out = pd.DataFrame(np.nan, index=matrix.index, columns=matrix.columns)
    for method, cols in table.groupby("normalisation", sort=False).groups.items():
        cols = list(cols)
        sign = np.where(table.loc[cols, "direction"] == "higher", 1.0, -1.0)
        logged = (table.loc[cols, "transform"] == "log").to_numpy()
        spec = [
            _log_spec(specs[c].normalisation) if lg else specs[c].normalisation
            for c, lg in zip(cols, logged, strict=True)
        ]
        x = matrix[cols].astype(float)
        x.loc[:, logged] = np.log(x.loc[:, logged])  # transform: log (values > 0)
        target = table.loc[cols, "target"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):  # > 0 where logged
            target = np.where(logged, np.log(target), target)
        scored = NORMALISERS[method](x, sign, spec, target)
        out[cols] = np.asarray(scored, dtype=float)
    out = out.clip(0.0, 100.0)
    if zero_score is not None:
        out = out.mask(
            zero_score.reindex_like(out).fillna(False).astype(bool) & out.isna(), 0.0
        )
    return out
