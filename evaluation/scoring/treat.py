"""Outlier treatment of rolled-up values, per indicator and period, with a log.

``coinr`` (the JRC/COINr rule): an indicator *fails* only if ``|skew| ≥ skew`` **and**
``kurtosis ≥ kurt`` (Excel ``SKEW`` and ``KURT``: bias-corrected sample skewness and
excess kurtosis). While it fails and fewer than ``winmax`` points are winsorised, the
points equal to the current maximum (skew ≥ 0) are set to the largest remaining value,
or the minimum points to the smallest remaining (skew < 0); the check is repeated after
each step. If it still fails, the original column is replaced by
``ln(x − min + 0.01 (max − min))`` instead.

Goalposts and targets are read against the treated values as they stand, as COINr's
``Normalise`` reads them after ``Treat``. After the log fallback those values are
logarithms while the posts or target are still in the indicator's units: the log's
``note`` says so for that indicator and period, and a ``UserWarning`` names them.

``percentile_cap``: clip to the ``low`` and ``high`` quantiles of the period.

``none``: values unchanged. The treatments are the kernels of :data:`TREATMENTS`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from evaluation.catalogue import Catalogue
from evaluation.scoring.normalise import DistanceToTarget, Goalposts

LOG_COLUMNS = [
    "period",
    "indicator_id",
    "method",
    "units",
    "points",
    "skew_before",
    "kurt_before",
    "skew_after",
    "kurt_after",
]


_EPS = np.finfo(float).eps


def skew_kurt(x: np.ndarray) -> tuple[float, float]:
    """Excel SKEW and KURT of the non-missing values (NaN if fewer than 4).

    SciPy's ``skew(bias=False)`` and ``kurtosis(bias=False)``, step for step (the
    same moments by the same operations, so the same bits: a test holds them equal),
    without its per-call overhead: COINr's treatment asks for them after every
    winsorising step of every column (228 calls on ASEM, 0.2 s through SciPy)."""
    v = x[~np.isnan(x)]
    n = len(v)
    # np.ptp, np.mean as their reductions (``sum / n`` is np.mean's arithmetic):
    # the same bits without the wrappers' per-call cost
    if n < 4 or v.max() - v.min() == 0:
        return np.nan, np.nan
    mean = v.sum(keepdims=True) / n
    d = v - mean
    d2 = d**2
    m2, m3, m4 = d2.sum() / n, (d2 * d).sum() / n, (d2**2).sum() / n
    if m2 <= (_EPS * mean[0]) ** 2:  # equal up to rounding
        return np.nan, np.nan
    skew = ((n - 1.0) * n) ** 0.5 / (n - 2.0) * m3 / m2**1.5
    excess = (
        1.0 / (n - 2) / (n - 3) * ((n**2 - 1.0) * m4 / m2**2.0 - 3 * (n - 1) ** 2.0)
    )
    return float(skew), float((excess + 3.0) - 3)


def _fails(shape: tuple[float, float], spec) -> bool:
    """Whether a column's (skew, kurtosis) breaks both of ``spec``'s limits."""
    s, k = shape
    return bool(abs(s) >= spec.skew and k >= spec.kurt) if not np.isnan(s) else False


def coinr(x: np.ndarray, spec) -> tuple[np.ndarray, str, np.ndarray]:
    """Treat one column: returns (treated, method, mask of points changed).

    ``spec.count`` says what ``winmax`` limits: ``coinr`` reproduces COINr 1.1.14's
    ``winsorise()``, which counts only the points moved by the latest high step plus
    the latest low step (so untied extremes are winsorised until the column
    passes); ``distinct`` counts every point changed so far (the Handbook reading).
    """
    treated = x.copy()
    changed = np.zeros(len(x), dtype=bool)
    last = {"high": 0, "low": 0}  # points moved by the latest step at each end
    shape = skew_kurt(treated)  # of the column as it stands: computed once a step
    while _fails(shape, spec):
        counted = changed.sum() if spec.count == "distinct" else sum(last.values())
        if counted >= spec.winmax:
            break
        skew = shape[0]
        extreme = np.nanmax(treated) if skew >= 0 else np.nanmin(treated)
        at = treated == extreme
        rest = treated[~at & ~np.isnan(treated)]
        if rest.size == 0:
            break
        treated[at] = rest.max() if skew >= 0 else rest.min()
        changed |= at
        last["high" if skew >= 0 else "low"] = int(at.sum())
        shape = skew_kurt(treated)
    if not _fails(shape, spec):
        return treated, "winsorise" if changed.any() else "none", changed
    lo, hi = np.nanmin(x), np.nanmax(x)
    return np.log(x - lo + 0.01 * (hi - lo)), "log", ~np.isnan(x)


def percentile_cap(x: np.ndarray, spec) -> tuple[np.ndarray, str, np.ndarray]:
    """Clip to the period's ``low`` and ``high`` quantiles."""
    lo, hi = np.nanquantile(x, [spec.low, spec.high])
    treated = np.clip(x, lo, hi)
    changed = (treated != x) & ~np.isnan(x)
    return treated, "cap" if changed.any() else "none", changed


def none(x: np.ndarray, spec) -> tuple[np.ndarray, str, np.ndarray]:
    """No treatment: the column as it is."""
    return x, "none", np.zeros(len(x), dtype=bool)


def raw_units(indicator) -> str:
    """The goalposts or target (and fixed worst) an indicator's normalisation reads in
    its own units, as words; ``""`` if it reads none (its scale comes from the data)."""
    n = indicator.normalisation
    if isinstance(n, Goalposts):
        return f"goalposts worst {n.worst}, best {n.best}"
    if isinstance(n, DistanceToTarget):
        fixed = "" if n.worst is None else f", worst {n.worst}"
        return f"target {indicator.target}{fixed}"
    return ""


#: treatment name (catalogue ``treatment.method``) → ``kernel(column, spec)`` returning
#: (treated, what was done, mask of points changed); the catalogue allows these names
TREATMENTS = {"none": none, "coinr": coinr, "percentile_cap": percentile_cap}


def treat(
    matrix: pd.DataFrame, catalogue: Catalogue
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply each indicator's treatment within each period.

    Returns the treated matrix (rows ``(period, unit_id)``) and the treatment log:
    one row per indicator and period treated, naming the units whose points changed
    and the skewness and kurtosis before and after; a ``note`` column, only where it
    happened, names the goalposts or target (in the indicator's units) read against
    logarithms after a log fallback.
    """
    specs = {
        i.id: i.treatment or catalogue.settings.treatment for i in catalogue.indicators
    }
    if all(TREATMENTS[specs[ind].method] is none for ind in matrix.columns):
        # nothing to treat: the values as they are (a copy on write), an empty log
        return matrix.copy(deep=False), _NO_LOG.copy()
    posts = {i.id: raw_units(i) for i in catalogue.indicators}
    # numpy throughout: row masks per period once, columns by position (a pandas
    # ``.loc`` read and write per indicator and period was most of the stage)
    values = matrix.to_numpy(dtype=float, copy=True)
    treated_any = False
    rows, noted = [], []
    periods = matrix.index.get_level_values("period")
    # the ids as Python strings once (a log row names the units it changed)
    units = np.asarray(matrix.index.get_level_values("unit_id"), dtype=object)
    in_period = [(p, np.asarray(periods == p)) for p in pd.unique(periods)]
    for j, ind in enumerate(matrix.columns):  # indicators × periods, never units
        spec = specs[ind]
        kernel = TREATMENTS[spec.method]
        if kernel is none:  # nothing to do in any period
            continue
        for period, at in in_period:
            x = values[at, j]  # a copy: the column as it was
            treated, method, changed = kernel(x, spec)
            if not changed.any():
                continue
            before = skew_kurt(x)  # the log's figures, for what was treated
            values[at, j] = treated
            treated_any = True
            after = skew_kurt(treated)
            note = {}
            if method == "log" and posts[ind]:
                note = {
                    "note": f"ln values scored against {posts[ind]} in the "
                    "indicator's units"
                }
                noted.append(f"{ind} {period}")
            rows.append(
                {
                    "period": period,
                    "indicator_id": ind,
                    "method": method,
                    "units": ", ".join(units[at][changed]),
                    "points": int(changed.sum()),
                    "skew_before": before[0],
                    "kurt_before": before[1],
                    "skew_after": after[0],
                    "kurt_after": after[1],
                    **note,
                }
            )
    if noted:
        where = ", ".join(noted[:5]) + (f" … ({len(noted)})" if len(noted) > 5 else "")
        warnings.warn(
            f"COINr 异常值处理改取对数后，目标值或上下限仍以指标原单位计（{where}）/ "
            f"COINr's treatment fell back to logarithms ({where}): the goalposts or "
            "target, in the indicator's units, are read against ln values, as COINr's "
            "Normalise reads them; see the treatment log's note",
            UserWarning,
            stacklevel=2,
        )
    # ``note`` only where one was written: the logs of every other run keep their
    # columns (and stored runs their digests)
    out = (
        pd.DataFrame(values, index=matrix.index, columns=matrix.columns)
        if treated_any
        else matrix.copy()
    )
    log = pd.DataFrame(rows, columns=LOG_COLUMNS + (["note"] if noted else []))
    return out, log.fillna({"note": ""}) if noted else log


#: the log of a matrix with nothing to treat (made once, copied)
_NO_LOG = pd.DataFrame([], columns=LOG_COLUMNS)
