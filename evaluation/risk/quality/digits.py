"""Digit tests on counts: last digits far from uniform, first digits far from
Benford's law."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from evaluation.risk.quality.reports import (
    Reports,
)

BENFORD = np.log10(1 + 1 / np.arange(1, 10))


def digits(reports: Reports) -> pd.DataFrame | None:
    """Last digits of a unit's counts far from uniform (χ² test)."""
    q = reports.settings
    counts = reports.counts
    unit, x = counts["unit"], counts["value"].astype(np.int64)
    n = np.bincount(unit, minlength=len(reports.units))
    tested = np.flatnonzero(n >= q.digits_min_values)
    if not len(tested):
        return None
    seen = np.bincount(unit * 10 + x % 10, minlength=10 * len(n)).reshape(-1, 10)
    seen = seen[tested]
    chi, p = stats.chisquare(seen, axis=1)
    last = _last_periods(reports)
    rows = []
    for i in np.flatnonzero(p < q.digits_p):
        j, k = tested[i], int(n[tested[i]])
        top = np.argsort(-seen[i])[:2]
        share = seen[i][top].sum() / k
        rows.append(
            {
                "check": "digits",
                "unit_id": reports.units[j],
                "period": last[j],
                "indicator_id": None,
                "value": float(k),
                "statistic": float(p[i]),
                "reason_zh": f"报送的{k}个件数类数据末位数字分布异常：末位为{top[0]}"
                f"和{top[1]}的占{share:.0%}（正常情况下约占20%）",
                "reason_en": f"last digits of {k} counts are not "
                f"uniform: {top[0]} and {top[1]} make {share:.0%} (20% "
                f"expected), chi2={chi[i]:.1f}, p={p[i]:.1g}",
            }
        )
    return pd.DataFrame(rows)


def benford(reports: Reports) -> pd.DataFrame | None:
    """First digits of a unit's counts far from Benford's law (χ² test), only where
    it applies: enough values spanning at least two orders of magnitude."""
    q = reports.settings
    counts = reports.counts
    unit, x = counts["unit"], counts["value"]
    n = np.bincount(unit, minlength=len(reports.units))
    lo = np.full(len(n), np.inf)
    hi = np.zeros(len(n))
    np.minimum.at(lo, unit, x)
    np.maximum.at(hi, unit, x)
    tested = np.flatnonzero(
        (n >= q.benford_min_values) & (hi / np.maximum(lo, 1) >= 100)
    )
    if not len(tested):
        return None
    first = (x / 10 ** np.floor(np.log10(x))).astype(int)
    seen = np.bincount(unit * 10 + first, minlength=10 * len(n)).reshape(-1, 10)
    seen = seen[tested, 1:]
    chi, p = stats.chisquare(seen, BENFORD * n[tested, None], axis=1)
    last = _last_periods(reports)
    rows = []
    for i in np.flatnonzero(p < q.digits_p):
        j, k = tested[i], int(n[tested[i]])
        rows.append(
            {
                "check": "benford",
                "unit_id": reports.units[j],
                "period": last[j],
                "indicator_id": None,
                "value": float(k),
                "statistic": float(p[i]),
                "reason_zh": f"报送的{k}个件数类数据首位数字分布异常：首位为1的占"
                f"{seen[i, 0] / k:.0%}（正常情况下约占30%）",
                "reason_en": f"first digits of {k} counts depart from "
                f"Benford's law: {seen[i, 0] / k:.0%} start with 1 (30% "
                f"expected), chi2={chi[i]:.1f}, p={p[i]:.1g}",
            }
        )
    return pd.DataFrame(rows)


def _last_periods(reports: Reports) -> np.ndarray:
    """Per unit, the latest period label among its counts (the first such row)."""
    counts = reports.counts
    unit, period = counts["unit"], counts["period"]
    m = reports.month[period]
    order = np.lexsort((np.arange(len(unit)), -m, unit))  # latest first, then row
    first = order[np.r_[True, unit[order][1:] != unit[order][:-1]]]
    out = np.full(len(reports.units), None, dtype=object)
    out[unit[first]] = reports.periods[period[first]]
    return out
