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

Analysts accept or dismiss flags with a comment (:func:`decide`); decisions are kept
in a file, never overwritten, and the latest one per flag is its status.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from evaluation import periods as P
from evaluation.catalogue import Catalogue
from evaluation.errors import EvaluationError

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
CHECKS = (
    "stable",
    "perfect",
    "jump",
    "identical_period",
    "identical_unit",
    "digits",
    "benford",
    "outlier",
)
BENFORD = np.log10(1 + 1 / np.arange(1, 10))
#: checks over a unit's whole history (their ``period`` is the latest one)
SERIES_WIDE = ("stable", "perfect", "digits", "benford")


def flags(
    observations: pd.DataFrame,
    catalogue: Catalogue,
    *,
    period: str | None = None,
) -> pd.DataFrame:
    """Every data-quality flag on reports up to ``period`` (default: all)."""
    q = catalogue.quality
    obs = observations[["unit_id", "period", "indicator_id", "value"]]
    if period is not None:
        end = P.month_index(pd.Series([period]))[0]
        obs = obs[P.month_index(obs["period"]) <= end]
    obs = obs[obs["value"].notna()]
    series = catalogue.series
    parts = []
    wides = {}
    for sid, rows in obs.groupby("indicator_id", sort=False):  # series, not rows
        wide = rows.pivot(index="period", columns="unit_id", values="value")
        wide = wide.iloc[np.argsort(P.month_index(wide.index.to_series()))]
        wides[sid] = wide
        meta = series.loc[sid]
        parts.append(_constant(wide, sid, meta, catalogue, q))
        parts.append(_jumps(wide, sid, catalogue, q))
    for freq in series["frequency"].unique():
        ids = [s for s in wides if series.at[s, "frequency"] == freq]
        if not ids:
            continue
        cube = _cube(wides, ids)
        parts.append(_identical(cube, ids, q))
        parts.append(_isolated(cube, ids, catalogue, q))
    counts = [s for s, w in wides.items() if _is_count(w)]
    if counts:
        parts.append(_digits(obs[obs["indicator_id"].isin(counts)], q))
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


# -------------------------------------------------------------------- checks
def _constant(wide, sid, meta, catalogue, q) -> pd.DataFrame | None:
    n = wide.notna().sum()
    lo, hi = wide.min(), wide.max()
    const = (n >= q.min_periods) & (lo == hi)
    if not const.any():
        return None
    values = wide.to_numpy().ravel()
    values = values[~np.isnan(values)]
    direction = meta.get("direction")
    best = meta["valid_max"] if direction == "higher" else meta["valid_min"]
    rows = []
    for unit in const.index[const]:  # flagged units, few
        v = float(lo[unit])
        others = wide.drop(columns=unit).to_numpy().ravel()
        others = others[~np.isnan(others)]
        share = float(np.mean(others == v)) if len(others) else 1.0
        if share >= q.common_share:
            continue  # a value many peers report too (0 faults, 100% of 4 reports)
        perfect = direction in ("higher", "lower") and v == best
        name_zh, name_en = catalogue.name(sid, "zh"), catalogue.name(sid, "en")
        last = wide[unit].last_valid_index()
        k = int(n[unit])
        rows.append(
            {
                "check": "perfect" if perfect else "stable",
                "unit_id": unit,
                "period": last,
                "indicator_id": sid,
                "value": v,
                "statistic": share,
                "reason_zh": f"{name_zh}连续 {k} 期均为 {v:g}"
                + ("（满分）" if perfect else "")
                + f"，同类单位仅 {share:.0%} 的报送为此值",
                "reason_en": f"{name_en} is {v:g} in all {k} periods"
                + (" (the best possible)" if perfect else "")
                + f"; only {share:.0%} of other units' reports have this value",
            }
        )
    return pd.DataFrame(rows)


def _jumps(wide, sid, catalogue, q) -> pd.DataFrame | None:
    x = wide.to_numpy(dtype=float)
    if x.shape[0] < q.min_periods or x.shape[1] < 5:
        return None  # too short a history, or too few peers, to know what is usual
    logged = _is_volume(x)
    y = np.log1p(np.maximum(x, 0)) if logged else x
    with np.errstate(all="ignore"), _quiet():
        d = y - np.nanmedian(y, axis=0)  # each unit against its own typical level
        centre = np.nanmedian(d, axis=1, keepdims=True)  # what every unit did
        e = d - centre
        peer = 1.4826 * np.nanmedian(np.abs(e), axis=1, keepdims=True)
        own = 1.4826 * np.nanmedian(np.abs(e), axis=0, keepdims=True)
        overall = 1.4826 * np.nanmedian(np.abs(e))
        scale = np.fmax(np.fmax(peer, own), overall)
        z = np.where(scale > 0, e / scale, np.nan)
    hit = np.abs(np.nan_to_num(z)) > q.jump_z
    if not hit.any():
        return None
    t, u = np.nonzero(hit)
    typical = np.nanmedian(x, axis=0)
    name_zh, name_en = catalogue.name(sid, "zh"), catalogue.name(sid, "en")
    scale_zh = "（对数尺度）" if logged else ""
    scale_en = " (log scale)" if logged else ""
    return pd.DataFrame(
        {
            "check": "jump",
            "unit_id": wide.columns[u],
            "period": wide.index[t],
            "indicator_id": sid,
            "value": x[t, u],
            "statistic": z[t, u],
            "reason_zh": [
                f"{name_zh} {x[i, j]:g}，本单位通常为 {typical[j]:g}，"
                f"扣除同期共同变化后偏离 {z[i, j]:+.1f} 个稳健标准差{scale_zh}"
                for i, j in zip(t, u, strict=True)
            ],
            "reason_en": [
                f"{name_en} {x[i, j]:g} against the unit's usual {typical[j]:g}: "
                f"{z[i, j]:+.1f} robust SDs after what all units did that period"
                f"{scale_en}"
                for i, j in zip(t, u, strict=True)
            ],
        }
    )


def _identical(cube, ids, q) -> pd.DataFrame | None:
    """Whole submissions equal to the previous period's or to another unit's."""
    values, periods, units = cube
    n_ok = (~np.isnan(values)).sum(axis=2)
    rows = []
    same = np.all(
        (values[1:] == values[:-1]) | (np.isnan(values[1:]) & np.isnan(values[:-1])),
        axis=2,
    ) & (np.minimum(n_ok[1:], n_ok[:-1]) >= q.identical_min_values)
    for t, u in zip(*np.nonzero(same), strict=True):
        rows.append(
            {
                "check": "identical_period",
                "unit_id": units[u],
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
    for t, period in enumerate(periods):
        ok = n_ok[t] >= q.identical_min_values
        if ok.sum() < 2:
            continue
        rows_t = pd.DataFrame(np.round(values[t][ok], 9)).fillna(-1e300)
        key = pd.Series(pd.util.hash_pandas_object(rows_t, index=False).to_numpy())
        twins = key.duplicated(keep=False).to_numpy()
        if not twins.any():
            continue
        groups = pd.Series(np.asarray(units)[ok][twins]).groupby(key[twins].to_numpy())
        for _, members in groups:  # groups of identical units, few
            for unit in members:
                others = ", ".join(m for m in members if m != unit)
                rows.append(
                    {
                        "check": "identical_unit",
                        "unit_id": unit,
                        "period": period,
                        "indicator_id": None,
                        "value": float(n_ok[t][list(units).index(unit)]),
                        "statistic": float(len(members)),
                        "reason_zh": f"{period} 报送的各项数据与 {others} 完全相同",
                        "reason_en": f"every value reported for {period} is identical "
                        f"to {others}'s",
                    }
                )
    return pd.DataFrame(rows)


def _isolated(cube, ids, catalogue, q) -> pd.DataFrame | None:
    """IsolationForest over robust-scaled period-on-period changes."""
    from sklearn.ensemble import IsolationForest

    values, periods, units = cube
    if len(ids) < 3 or len(periods) < 3:
        return None
    logged = np.array([_is_volume(values[:, :, i]) for i in range(len(ids))])
    y = values.copy()
    y[:, :, logged] = np.log1p(np.maximum(y[:, :, logged], 0))
    change = y[1:] - y[:-1]  # periods-1 × units × series
    with np.errstate(all="ignore"), _quiet():
        centre = np.nanmedian(change, axis=1, keepdims=True)  # what every unit did
        c = change - centre
        scale = 1.4826 * np.nanmedian(np.abs(c), axis=(0, 1), keepdims=True)
        z = np.where(scale > 0, c / scale, 0.0)
    z = np.nan_to_num(z, nan=0.0)
    rows = z.reshape(-1, len(ids))
    if len(rows) < q.outlier_min_rows:
        return None
    forest = IsolationForest(
        n_estimators=100, contamination=q.outlier_share, random_state=0
    )
    label = forest.fit_predict(rows)
    score = -forest.score_samples(rows)
    out = []
    for r in np.flatnonzero(label == -1):
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
    return pd.DataFrame(out)


def _digits(counts: pd.DataFrame, q) -> pd.DataFrame | None:
    """Last-digit uniformity and, where it applies, Benford's first digits."""
    v = counts["value"].to_numpy()
    rows = []
    last = counts.assign(v=v, m=P.month_index(counts["period"])).loc[v >= 10]
    for unit, g in last.groupby("unit_id", sort=False):  # units
        x = g["v"].to_numpy().astype(np.int64)
        period = g["period"].iloc[int(np.argmax(g["m"].to_numpy()))]
        if len(x) >= q.digits_min_values:
            seen = np.bincount(x % 10, minlength=10)
            chi, p = stats.chisquare(seen)
            if p < q.digits_p:
                top = np.argsort(-seen)[:2]
                share = seen[top].sum() / len(x)
                rows.append(
                    {
                        "check": "digits",
                        "unit_id": unit,
                        "period": period,
                        "indicator_id": None,
                        "value": float(len(x)),
                        "statistic": float(p),
                        "reason_zh": f"{len(x)} 个计数的末位数字不均匀：{top[0]} 和 "
                        f"{top[1]} 占 {share:.0%}（均匀应为 20%），χ²={chi:.1f}，"
                        f"p={p:.1g}",
                        "reason_en": f"last digits of {len(x)} counts are not "
                        f"uniform: {top[0]} and {top[1]} make {share:.0%} (20% "
                        f"expected), chi2={chi:.1f}, p={p:.1g}",
                    }
                )
        x = g["v"].to_numpy()
        if len(x) >= q.benford_min_values and x.max() / max(x.min(), 1) >= 100:
            first = (x / 10 ** np.floor(np.log10(x))).astype(int)
            seen = np.bincount(first, minlength=10)[1:]
            chi, p = stats.chisquare(seen, BENFORD * len(x))
            if p < q.digits_p:
                rows.append(
                    {
                        "check": "benford",
                        "unit_id": unit,
                        "period": period,
                        "indicator_id": None,
                        "value": float(len(x)),
                        "statistic": float(p),
                        "reason_zh": f"{len(x)} 个计数的首位数字不符合本福特定律："
                        f"首位为 1 的占 {seen[0] / len(x):.0%}（应为 30%），"
                        f"χ²={chi:.1f}，p={p:.1g}",
                        "reason_en": f"first digits of {len(x)} counts depart from "
                        f"Benford's law: {seen[0] / len(x):.0%} start with 1 (30% "
                        f"expected), chi2={chi:.1f}, p={p:.1g}",
                    }
                )
    return pd.DataFrame(rows)


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
    """Record an analyst's decision on a flag (appended; earlier ones are kept)."""
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
    out = pd.concat([previous, row], ignore_index=True)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    os.close(fd)
    try:
        out.to_csv(tmp, index=False, encoding="utf-8-sig")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
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
def _cube(wides: dict, ids: list[str]):
    """periods × units × series of one frequency (NaN where not reported)."""
    labels = pd.Series(sorted(set().union(*(wides[s].index for s in ids))))
    periods = labels.iloc[np.argsort(P.month_index(labels), kind="stable")].tolist()
    units = sorted(set().union(*(wides[s].columns for s in ids)))
    values = np.stack(
        [wides[s].reindex(index=periods, columns=units).to_numpy() for s in ids],
        axis=2,
    )
    return values, periods, units


def _is_count(wide: pd.DataFrame) -> bool:
    x = wide.to_numpy().ravel()
    x = x[~np.isnan(x)]
    return len(x) > 0 and bool(np.all(x == np.round(x))) and np.median(x) >= 10


def _is_volume(x: np.ndarray) -> bool:
    """Positive values spread over more than an order of magnitude: use logs."""
    v = x[~np.isnan(x)]
    if len(v) == 0 or v.min() < 0:
        return False
    lo, hi = np.percentile(v, [5, 95])
    return lo > 0 and hi / lo > 10


@contextmanager
def _quiet():
    """Silence numpy's all-NaN slice warnings (a unit with no reports)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield
