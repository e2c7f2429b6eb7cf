"""Data-quality flags (数据质量核查): screening reported data for 瞒报、虚报.

Flags are separate from performance warnings and never change a score. Each check
looks at the raw reports (every series at its own frequency, up to the run's period)
and says why it fired, with the numbers, in Chinese and English:

``stable`` / ``perfect``
    a unit reports the same value in every period (at least ``min_periods``) while
    that value is rare among its peers' reports; ``perfect`` when it is the best end of
    the valid range (100% every month).
``jump``
    a value far from the unit's own typical level, after removing what all units did
    that period: robust z above ``jump_z`` against both the peers' and the unit's own
    spread (volumes on a log scale).
``identical_period`` / ``identical_unit``
    a unit's whole submission for a period (every series of one frequency, at least
    ``identical_min_values`` values) equals its previous period's, or another unit's.
``digits``
    last digits of a unit's counts (integers ≥ 10) far from uniform (χ² test).
``benford``
    first digits of a unit's counts far from Benford's law (χ² test), only where it
    applies: enough values spanning at least two orders of magnitude.
``outlier``
    a unit-period whose combination of period-on-period changes is isolated
    (scikit-learn's IsolationForest over robust-scaled changes).

Each check is a function of the reports arranged once (:func:`arrange`: one array
series × periods × units per frequency, ids as integer codes), registered by name in
:data:`CHECKS`; a new check is one function and one entry there.

Analysts accept or dismiss flags with a comment (:func:`decide`); decisions are kept
in a file, never overwritten, and the latest one per flag is its status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from evaluation import periods as P
from evaluation.catalogue import Catalogue, QualitySettings
from evaluation.errors import EvaluationError
from evaluation.files import replacing, safe_cells

COLUMNS = [
    "flag_id",
    "check",
    "unit_id",
    "period",
    "indicator_id",
    "value",
    "statistic",
    "reason_zh",
    "reason_en",
]
DECISION_COLUMNS = ["flag_id", "decision", "comment", "decided_by", "decided_at"]
BENFORD = np.log10(1 + 1 / np.arange(1, 10))
#: checks over a unit's whole history (their ``period`` is the latest one)
SERIES_WIDE = ("stable", "perfect", "digits", "benford")


def flags(
    observations: pd.DataFrame,
    catalogue: Catalogue,
    *,
    period: str | None = None,
) -> pd.DataFrame:
    """Every data-quality flag on reports up to ``period`` (default: all): each
    check of :data:`CHECKS` on the reports arranged once."""
    reports = arrange(observations, catalogue, period=period)
    parts = [check(reports) for check in CHECKS.values()]
    parts = [p for p in parts if p is not None and len(p)]
    if not parts:
        return pd.DataFrame(
            {
                c: pd.Series(dtype=float if c in ("value", "statistic") else object)
                for c in COLUMNS
            }
        )
    out = pd.concat(parts, ignore_index=True)
    # ids stay the same in later runs (a decision sticks): a check over the whole
    # history names no period
    wide_check = out["check"].isin(list(SERIES_WIDE))
    out["flag_id"] = (
        out["check"]
        + "/"
        + out["unit_id"]
        + "/"
        + out["indicator_id"].fillna("-")
        + np.where(wide_check, "", "/" + out["period"])
    )
    return (
        out[COLUMNS]
        .sort_values(["period", "unit_id", "check", "indicator_id"], kind="stable")
        .reset_index(drop=True)
    )


# ------------------------------------------------------------------- reports
@dataclass(frozen=True)
class Cube:
    """The reports of one frequency as an array: series × periods × units.

    NaN where a unit reported nothing; periods oldest first, units sorted, series in
    the order they first appear in the reports.
    """

    ids: list[str]
    periods: pd.Index  #: labels as reported (the dtype of the period column)
    units: pd.Index  #: ids as reported (the dtype of the unit_id column)
    values: np.ndarray
    logged: np.ndarray  #: per series: volumes, compared on a log scale

    @cached_property
    def seen(self) -> np.ndarray:
        return ~np.isnan(self.values)

    @cached_property
    def levels(self) -> np.ndarray:
        """The values with volumes on a log scale (``log1p``, negatives as 0)."""
        y = self.values.copy()
        for k in np.flatnonzero(self.logged):
            np.log1p(np.maximum(y[k], 0, out=y[k]), out=y[k])
        return y


@dataclass(frozen=True)
class Reports:
    """Reports arranged once for every check: a cube per frequency, and the rows
    (integer codes into ``series``, ``units``, ``periods``) for the digit tests."""

    catalogue: Catalogue
    cubes: list[Cube]
    series: pd.Index
    units: pd.Index
    periods: pd.Index
    month: np.ndarray  #: per period label, its month index
    rows: dict[str, np.ndarray]  #: series, unit, period codes and value, in order
    keep: np.ndarray  #: rows reported (a value) up to the period screened

    @property
    def settings(self) -> QualitySettings:
        return self.catalogue.quality

    @cached_property
    def counts(self) -> dict[str, np.ndarray]:
        """Rows of count series (integers, median ≥ 10) whose value is ≥ 10."""
        ids = [s for c in self.cubes for k, s in enumerate(c.ids) if _is_count(c, k)]
        mine = np.isin(self.series, ids)[self.rows["series"]] & self.keep
        keep = mine & (self.rows["value"] >= 10)
        return {k: v[keep] for k, v in self.rows.items()}


def arrange(
    observations: pd.DataFrame, catalogue: Catalogue, *, period: str | None = None
) -> Reports:
    """The reported values up to ``period`` as one cube per frequency.

    Ids become integer codes once (no pivot per series); a key reported twice is an
    error, as validation would have said.
    """
    value = observations["value"].to_numpy(dtype=float)
    p_codes, periods = pd.factorize(observations["period"])
    s_codes, series = pd.factorize(observations["indicator_id"])
    u_codes, units = pd.factorize(observations["unit_id"], sort=True)
    month = (
        P.month_index(pd.Series(periods, dtype="str"))
        if len(periods)
        else np.zeros(0, np.int64)  # no reports
    )
    keep = ~np.isnan(value) & (p_codes >= 0) & (s_codes >= 0) & (u_codes >= 0)
    if period is not None:
        end = P.month_index(pd.Series([period]))[0]
        keep &= np.append(month <= end, False)[p_codes]
    rows = {"series": s_codes, "unit": u_codes, "period": p_codes, "value": value}
    # series in the order they first appear in the kept rows
    order = np.arange(len(series)) if keep.all() else pd.unique(s_codes[keep])
    meta = catalogue.series.loc[series[order]]  # an unknown series is an error
    cubes = []
    for freq in catalogue.series["frequency"].unique():
        mine = order[(meta["frequency"] == freq).to_numpy()]
        if len(mine):
            cubes.append(_cube(rows, keep, mine, series, units, periods, month))
    return Reports(catalogue, cubes, series, units, periods, month, rows, keep)


def _cube(rows, keep, mine, series, units, periods, month) -> Cube:
    """The cube of series ``mine`` (codes into ``series``) from the kept rows."""
    s_pos = np.full(len(series), -1)
    s_pos[mine] = np.arange(len(mine))
    s = s_pos[rows["series"]]
    shape = (len(mine), len(periods), len(units))  # every label, then trimmed
    size = shape[0] * shape[1] * shape[2]
    at = s * shape[1]
    at += rows["period"]
    at *= shape[2]
    at += rows["unit"]
    at = np.where(keep & (s >= 0), at, size)  # other rows go to a spare cell
    values = np.full(size + 1, np.nan)
    values[at] = rows["value"]
    values = values[:size].reshape(shape)
    seen = ~np.isnan(values)
    if seen.sum() != np.count_nonzero(at < size):
        raise EvaluationError(
            "data-quality screen: a unit reports a series twice for one period"
        )
    p_used = np.flatnonzero(seen.any(axis=(0, 2)))
    p_used = np.array(
        sorted(p_used, key=lambda c: (month[c], periods[c])), dtype=np.intp
    )  # chronological; labels of one month (mixed frequencies) by label
    u_used = np.flatnonzero(seen.any(axis=(0, 1)))  # units sorted by id
    if len(p_used) < shape[1] or np.any(p_used != np.arange(shape[1])):
        values = values[:, p_used]
    if len(u_used) < shape[2]:
        values = values[:, :, u_used]
    return Cube(
        ids=list(series[mine]),
        periods=periods[p_used],
        units=units[u_used],
        values=values,
        logged=np.array([_is_volume(values[k]) for k in range(len(mine))], bool),
    )


# -------------------------------------------------------------------- checks
def _stable(reports: Reports) -> pd.DataFrame | None:
    """A value repeated in every period, rare among peers (not the best value)."""
    return _constant(reports, perfect=False)


def _perfect(reports: Reports) -> pd.DataFrame | None:
    """The best value of the valid range in every period, rare among peers."""
    return _constant(reports, perfect=True)


def _constant(reports: Reports, *, perfect: bool) -> pd.DataFrame | None:
    q, catalogue = reports.settings, reports.catalogue
    rows = []
    for cube in reports.cubes:
        n = cube.seen.sum(axis=1)  # series × units
        lo = np.fmin.reduce(cube.values, axis=1)
        hi = np.fmax.reduce(cube.values, axis=1)
        total = n.sum(axis=1)
        for k, j in zip(*np.nonzero((n >= q.min_periods) & (lo == hi)), strict=True):
            sid, unit, v, m = cube.ids[k], cube.units[j], float(lo[k, j]), int(n[k, j])
            others = total[k] - m  # the unit's own reports all equal v
            same = np.count_nonzero(cube.values[k] == v) - m
            share = same / others if others else 1.0
            if share >= q.common_share:
                continue  # a value many peers report too (0 faults, 100% of 4 reports)
            meta = catalogue.series.loc[sid]
            direction = meta.get("direction")
            best = meta["valid_max"] if direction == "higher" else meta["valid_min"]
            if (direction in ("higher", "lower") and v == best) != perfect:
                continue
            name_zh, name_en = catalogue.name(sid, "zh"), catalogue.name(sid, "en")
            last = cube.periods[np.flatnonzero(cube.seen[k, :, j])[-1]]
            rows.append(
                {
                    "check": "perfect" if perfect else "stable",
                    "unit_id": unit,
                    "period": last,
                    "indicator_id": sid,
                    "value": v,
                    "statistic": share,
                    "reason_zh": f"{name_zh}连续 {m} 期均为 {v:g}"
                    + ("（满分）" if perfect else "")
                    + f"，同类单位仅 {share:.0%} 的报送为此值",
                    "reason_en": f"{name_en} is {v:g} in all {m} periods"
                    + (" (the best possible)" if perfect else "")
                    + f"; only {share:.0%} of other units' reports have this value",
                }
            )
    return pd.DataFrame(rows)


def _jumps(reports: Reports) -> pd.DataFrame | None:
    """A value far from the unit's own typical level after what all units did."""
    q, catalogue = reports.settings, reports.catalogue
    parts = []
    for cube in reports.cubes:
        seen = cube.seen
        # enough history, and enough peers, to know what is usual
        ok = (seen.any(axis=2).sum(axis=1) >= q.min_periods) & (
            seen.any(axis=1).sum(axis=1) >= 5
        )
        if not ok.any():
            continue
        x = cube.values if ok.all() else cube.values[ok]
        logged = cube.logged[ok]
        e = cube.levels[ok]  # a copy: then d, then e, in place
        with np.errstate(all="ignore"):
            e -= nanmedian(e, axis=1)[:, None, :]  # each unit against its own level
            e -= nanmedian(e, axis=2)[:, :, None]  # less what every unit did
            a = np.abs(e)
            scale = np.fmax(
                1.4826 * nanmedian(a, axis=2)[:, :, None],  # peers that period
                1.4826 * nanmedian(a, axis=1)[:, None, :],  # the unit's own
            )
            np.fmax(scale, 1.4826 * nanmedian(a, axis=(1, 2))[:, None, None], out=scale)
            hit = np.divide(a, scale, out=a) > q.jump_z  # |e| / scale is |z|
            hit &= scale > 0
        if not hit.any():
            continue
        k, t, u = np.nonzero(hit)
        ids = np.asarray(cube.ids, dtype=object)[ok]
        typical = nanmedian(x[k, :, u], axis=1)
        parts.append(
            _jump_rows(
                catalogue,
                ids[k],
                logged[k],
                cube,
                t,
                u,
                x[k, t, u],
                e[k, t, u] / scale[k, t, u],
                typical,
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else None


def _jump_rows(catalogue, sids, logged, cube, t, u, x, z, typical) -> pd.DataFrame:
    zh = {s: catalogue.name(s, "zh") for s in set(sids)}
    en = {s: catalogue.name(s, "en") for s in set(sids)}
    return pd.DataFrame(
        {
            "check": "jump",
            "unit_id": cube.units[u],
            "period": cube.periods[t],
            "indicator_id": sids,
            "value": x,
            "statistic": z,
            "reason_zh": [
                f"{zh[s]} {v:g}，本单位通常为 {m:g}，"
                f"扣除同期共同变化后偏离 {r:+.1f} 个稳健标准差"
                + ("（对数尺度）" if g else "")
                for s, v, m, r, g in zip(sids, x, typical, z, logged, strict=True)
            ],
            "reason_en": [
                f"{en[s]} {v:g} against the unit's usual {m:g}: "
                f"{r:+.1f} robust SDs after what all units did that period"
                + (" (log scale)" if g else "")
                for s, v, m, r, g in zip(sids, x, typical, z, logged, strict=True)
            ],
        }
    )


def _identical_period(reports: Reports) -> pd.DataFrame | None:
    """A unit's whole submission for a period equal to its previous period's."""
    q = reports.settings
    rows = []
    for cube in reports.cubes:
        v, seen, periods = cube.values, cube.seen, cube.periods
        n_ok = seen.sum(axis=0)  # periods × units
        same = np.all((v[:, 1:] == v[:, :-1]) | ~(seen[:, 1:] | seen[:, :-1]), axis=0)
        same &= np.minimum(n_ok[1:], n_ok[:-1]) >= q.identical_min_values
        for t, u in zip(*np.nonzero(same), strict=True):
            rows.append(
                {
                    "check": "identical_period",
                    "unit_id": cube.units[u],
                    "period": periods[t + 1],
                    "indicator_id": None,
                    "value": float(n_ok[t + 1, u]),
                    "statistic": 1.0,
                    "reason_zh": f"{periods[t + 1]} 报送的 {n_ok[t + 1, u]} 项数据与 "
                    f"{periods[t]} 完全相同",
                    "reason_en": f"all {n_ok[t + 1, u]} values reported for "
                    f"{periods[t + 1]} are identical to {periods[t]}'s",
                }
            )
    return pd.DataFrame(rows)


def _identical_unit(reports: Reports) -> pd.DataFrame | None:
    """A unit's whole submission for a period equal to another unit's."""
    q = reports.settings
    rows = []
    for cube in reports.cubes:
        seen = cube.seen
        n_ok = seen.sum(axis=0)  # periods × units
        rounded = np.round(cube.values, 9)  # as compared
        # equal submissions have equal weighted sums of values and of gaps: hash
        # only the ones that might be equal
        total, gaps = np.zeros(n_ok.shape), np.zeros(n_ok.shape)
        for k, w in enumerate(np.sqrt(np.arange(2, len(seen) + 2))):  # irrational
            total += w * np.where(seen[k], rounded[k], 0.0)
            gaps += w * ~seen[k]
        t, u = np.nonzero(n_ok >= q.identical_min_values)
        maybe = (
            pd.DataFrame({"t": t, "sum": total[t, u], "gaps": gaps[t, u]})
            .duplicated(keep=False)
            .to_numpy()
        )
        t, u = t[maybe], u[maybe]
        # each submission (missing as -1e300) as a row over the series
        subs = np.ascontiguousarray(rounded[:, t, u].T)
        subs[np.isnan(subs)] = -1e300
        key = pd.util.hash_pandas_object(pd.DataFrame(subs), index=False).to_numpy()
        twins = pd.DataFrame({"t": t, "k": key})
        for (ti, _), members in twins.groupby(["t", "k"]).groups.items():
            if len(members) < 2:
                continue
            names = cube.units[u[members]]  # in unit order
            period = cube.periods[ti]
            for unit, j in zip(names, u[members], strict=True):
                others = ", ".join(m for m in names if m != unit)
                rows.append(
                    {
                        "check": "identical_unit",
                        "unit_id": unit,
                        "period": period,
                        "indicator_id": None,
                        "value": float(n_ok[ti, j]),
                        "statistic": float(len(members)),
                        "reason_zh": f"{period} 报送的各项数据与 {others} 完全相同",
                        "reason_en": f"every value reported for {period} is identical "
                        f"to {others}'s",
                    }
                )
    return pd.DataFrame(rows)


def _isolated(reports: Reports) -> pd.DataFrame | None:
    """IsolationForest over robust-scaled period-on-period changes."""
    q, catalogue = reports.settings, reports.catalogue
    parts = []
    for cube in reports.cubes:
        ids, periods, units = cube.ids, cube.periods, cube.units
        if (
            len(ids) < 3
            or len(periods) < 3
            or (len(periods) - 1) * len(units) < q.outlier_min_rows
        ):
            continue
        y = cube.levels
        c = y[:, 1:] - y[:, :-1]  # changes: series × periods-1 × units
        with np.errstate(all="ignore"):
            c -= nanmedian(c, axis=2)[:, :, None]  # less what every unit did
            scale = 1.4826 * nanmedian(np.abs(c), axis=(1, 2))
            c /= scale[:, None, None]
        c[~(scale > 0)] = 0.0
        z = np.nan_to_num(c, nan=0.0, copy=False)
        rows = np.ascontiguousarray(z.transpose(1, 2, 0)).reshape(-1, len(ids))
        odd, score = isolation_outliers(rows, q.outlier_share)
        out = []
        for r in odd:
            t, u = divmod(int(r), len(units))
            top = np.argsort(-np.abs(rows[r]))[:2]
            parts_zh = "、".join(
                f"{catalogue.name(ids[i], 'zh')}（{rows[r, i]:+.1f}）" for i in top
            )
            parts_en = ", ".join(
                f"{catalogue.name(ids[i], 'en')} ({rows[r, i]:+.1f})" for i in top
            )
            out.append(
                {
                    "check": "outlier",
                    "unit_id": units[u],
                    "period": periods[t + 1],
                    "indicator_id": None,
                    "value": np.nan,
                    "statistic": float(score[r]),
                    "reason_zh": f"各项指标环比变化的组合异常（孤立森林），变化最大："
                    f"{parts_zh}（稳健标准差）",
                    "reason_en": "unusual combination of period-on-period changes "
                    f"(isolation forest); largest, in robust SDs: {parts_en}",
                }
            )
        parts.append(pd.DataFrame(out))
    return pd.concat(parts, ignore_index=True) if parts else None


def isolation_outliers(rows: np.ndarray, share: float) -> tuple[np.ndarray, np.ndarray]:
    """The rows an isolation forest (100 trees, seed 0) finds most isolated — the
    ``share`` with the highest anomaly score — and every row's score.

    What ``IsolationForest(contamination=share).fit_predict`` and ``score_samples``
    give, with the rows scored once (sklearn scores them three times: for the
    threshold, the labels and the scores).
    """
    from sklearn.ensemble import IsolationForest  # slow to import: only when used

    forest = IsolationForest(n_estimators=100, contamination="auto", random_state=0)
    normal = forest.fit(rows).score_samples(rows)  # high: normal
    return np.flatnonzero(normal < np.percentile(normal, 100.0 * share)), -normal


def _digits(reports: Reports) -> pd.DataFrame | None:
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
                "reason_zh": f"{k} 个计数的末位数字不均匀：{top[0]} 和 "
                f"{top[1]} 占 {share:.0%}（均匀应为 20%），χ²={chi[i]:.1f}，"
                f"p={p[i]:.1g}",
                "reason_en": f"last digits of {k} counts are not "
                f"uniform: {top[0]} and {top[1]} make {share:.0%} (20% "
                f"expected), chi2={chi[i]:.1f}, p={p[i]:.1g}",
            }
        )
    return pd.DataFrame(rows)


def _benford(reports: Reports) -> pd.DataFrame | None:
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
                "reason_zh": f"{k} 个计数的首位数字不符合本福特定律："
                f"首位为 1 的占 {seen[i, 0] / k:.0%}（应为 30%），"
                f"χ²={chi[i]:.1f}，p={p[i]:.1g}",
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


#: every check by name (the ``check`` column), in the order readers list them
CHECKS: dict[str, Callable[[Reports], pd.DataFrame | None]] = {
    "stable": _stable,
    "perfect": _perfect,
    "jump": _jumps,
    "identical_period": _identical_period,
    "identical_unit": _identical_unit,
    "digits": _digits,
    "benford": _benford,
    "outlier": _isolated,
}


# ------------------------------------------------------------------ decisions
def read_decisions(path: str | Path) -> pd.DataFrame:
    """The decisions file; empty if absent."""
    path = Path(path)
    if not path.exists():
        return pd.DataFrame({c: pd.Series(dtype=object) for c in DECISION_COLUMNS})
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if list(frame.columns) != DECISION_COLUMNS:
        raise EvaluationError(f"{path}: not a decisions file ({DECISION_COLUMNS})")
    return frame


def decide(
    path: str | Path,
    flag_id: str,
    decision: str,
    comment: str,
    *,
    by: str,
    flags_table: pd.DataFrame,
    at: str | None = None,
) -> pd.DataFrame:
    """Record an analyst's decision on a flag (appended; earlier ones are kept).
    Returns the decisions as the file keeps them: a comment or name starting with
    ``= + - @`` is stored with a leading ``'`` (:func:`evaluation.files.neutralise`).
    """
    if decision not in ("accepted", "dismissed"):
        raise EvaluationError(
            f"decision must be accepted or dismissed, not {decision!r}"
        )
    if not comment.strip():
        raise EvaluationError("a decision needs a comment saying why")
    if not by.strip():
        raise EvaluationError("a decision needs the analyst's name (by)")
    if flag_id not in set(flags_table["flag_id"]):
        raise EvaluationError(f"no flag {flag_id!r} in this result")
    previous = read_decisions(path)
    row = pd.DataFrame(
        [
            {
                "flag_id": flag_id,
                "decision": decision,
                "comment": comment.strip(),
                "decided_by": by.strip(),
                "decided_at": at or datetime.now(UTC).isoformat(timespec="seconds"),
            }
        ]
    )
    # analysts open the file in Excel: text that looks like a formula is kept inert
    out = safe_cells(pd.concat([previous, row], ignore_index=True))
    with replacing(path) as tmp:
        out.to_csv(tmp, index=False, encoding="utf-8-sig")
    return out


def with_decisions(flags_table: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """Flags with ``status`` (open, accepted, dismissed) from the latest decision."""
    latest = decisions.drop_duplicates("flag_id", keep="last").set_index("flag_id")
    out = flags_table.copy()
    # as objects: with no decisions yet the lookups are all-missing floats
    status = out["flag_id"].map(latest["decision"]).astype(object)
    out["status"] = status.where(status.notna(), "open")
    for c in ("comment", "decided_by", "decided_at"):
        out[c] = out["flag_id"].map(latest[c]).astype(object)
    return out


# -------------------------------------------------------------------- helpers
def nanmedian(a: np.ndarray, axis: int | tuple[int, ...]) -> np.ndarray:
    """``np.nanmedian(a, axis)`` value for value (NaN where no value), for all rows at
    once: one sort along a short axis, one partition along a long one (where numpy
    loops over the rows in Python).

    Along a long axis, half of a row's missing values become -inf and half +inf, so
    the middle of every row sits at the same positions and one partition finds them.
    """
    axes = tuple(int(ax) % a.ndim for ax in np.atleast_1d(axis))
    size = int(np.prod([a.shape[ax] for ax in axes]))
    if len(axes) == 1 and size <= 64:
        ax = axes[0]
        x = np.sort(a, axis=ax)  # missing values last
        n = size - np.isnan(x).sum(axis=ax, keepdims=True)
        below = 0
    else:
        ax = 1  # rows × the values of each
        rest = [i for i in range(a.ndim) if i not in axes]
        rows = int(np.prod([a.shape[i] for i in rest]))
        x = np.transpose(a, [*rest, *axes]).reshape(rows, size)
        if np.may_share_memory(x, a):
            x = x.copy()
        missing = np.isnan(x)
        m = missing.sum(axis=1, keepdims=True)
        n, below = size - m, m // 2
        at = np.flatnonzero(missing)
        if len(at):
            row = at // size
            rank = np.arange(len(at)) - (np.cumsum(m) - m.ravel())[row]
            x.reshape(-1)[at] = np.where(rank < below.ravel()[row], -np.inf, np.inf)
        if size:
            c = (size - 1) // 2
            x.partition(sorted({max(c - 1, 0), c, min(c + 1, size - 1)}), axis=1)
    top = max(size - 1, 0)
    lo = np.clip(below + (n - 1) // 2, 0, top)
    hi = np.clip(below + n // 2, 0, top)
    with np.errstate(invalid="ignore"):  # rows with no value: -inf + inf
        v_lo = np.take_along_axis(x, lo, axis=ax) if size else lo * np.nan
        v_hi = np.take_along_axis(x, hi, axis=ax) if size else lo * np.nan
        out = np.where(lo == hi, v_hi, (v_lo + v_hi) / 2)
    out[n == 0] = np.nan
    shape = [a.shape[i] for i in range(a.ndim) if i not in axes]
    return out.reshape(shape)


def _is_count(cube: Cube, k: int) -> bool:
    """Whole numbers with a median of at least 10."""
    head = cube.values[k].ravel()[:1000]  # most series fail on their first values
    if not np.all((head == np.round(head)) | np.isnan(head)):
        return False
    x = cube.values[k][cube.seen[k]]
    return len(x) > 0 and bool(np.all(x == np.round(x))) and np.median(x) >= 10


def _is_volume(x: np.ndarray) -> bool:
    """Positive values spread over more than an order of magnitude: use logs."""
    v = x[~np.isnan(x)]
    if len(v) == 0 or v.min() < 0:
        return False
    lo, hi = np.percentile(v, [5, 95])
    return lo > 0 and hi / lo > 10
