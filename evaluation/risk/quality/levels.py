"""Levels and changes: jumps, sustained shifts, and the isolation forest over the
combinations of changes."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from evaluation import periods as P
from evaluation.risk.quality.reports import (
    Cube,
    Reports,
    accumulate,
    amount,
    nanmedian,
    nonzero,
    scale_words,
    window,
)


def shift(reports: Reports) -> pd.DataFrame | None:
    """瞒报/虚报 sustained: from some period to the latest, a unit's level (against
    what all units reported each period) differs from its level before by more than
    ``shift_z`` standard errors, the unit's period-to-period noise measured by its
    successive differences (one step does not inflate them)."""
    q, catalogue = reports.settings, reports.catalogue
    rows = []
    for cube in reports.cubes:
        n_s, n_t, n_u = cube.values.shape
        least = max(3, window(cube.frequency, q) // 2)  # reports on either side
        if n_t < 2 * least:
            continue
        y = cube.levels
        with np.errstate(all="ignore"):
            r = y - nanmedian(y, axis=2)[:, :, None]  # against the period's units
            step = np.diff(r, axis=1)
            step = nanmedian(np.abs(step, out=step), axis=1, overwrite=True)
            noise = 1.4826 * step / np.sqrt(2)  # series × units
            typical = nanmedian(noise, axis=1)[:, None]
            noise = np.fmax(noise, 0.5 * typical)
        seen = ~np.isnan(r)
        total = accumulate(np.add, np.where(seen, r, 0.0), copy=False)
        count = accumulate(np.add, seen, dtype=float)  # (whole numbers)
        # the split after each period t: n_b reports up to it, n_a after it; the
        # same operations as (T - t_b) / n_a - t_b / n_b over
        # noise · sqrt(1 / n_a + 1 / n_b), in place
        n_b = count[:, :-1]
        n_a = count[:, -1:] - n_b
        short = (n_b < least) | (n_a < least)
        with np.errstate(all="ignore"):
            z = np.subtract(total[:, -1:], total[:, :-1])
            z /= n_a
            z -= np.divide(total[:, :-1], n_b, out=total[:, :-1])
            np.divide(1, n_a, out=n_a)
            n_a += np.divide(1, n_b, out=n_b)
            np.multiply(noise[:, None, :], np.sqrt(n_a, out=n_a), out=n_a)
            z /= n_a
        short |= ~np.isfinite(z)
        z[short] = 0.0
        z[cube.cumulative] = 0.0  # a year's climb is not a shift
        at = _argmax_periods(np.abs(z, out=n_b))  # series × units: the best split
        best = np.take_along_axis(z, at[:, None, :], axis=1)[:, 0]
        for k, u in zip(*nonzero(np.abs(best) > q.shift_z), strict=True):
            t0 = int(at[k, u]) + 1  # the first period after the split
            if not seen[k, t0:, u].any():
                continue
            t0 += int(np.argmax(seen[k, t0:, u]))
            # the medians must differ as much: one odd period (a jump) moves a
            # mean, not a median
            ra, rb = r[k, t0:, u], r[k, :t0, u]
            na, nb = np.sum(~np.isnan(ra)), np.sum(~np.isnan(rb))
            with np.errstate(all="ignore"):
                z_med = (np.nanmedian(ra) - np.nanmedian(rb)) / (
                    1.2533 * noise[k, u] * np.sqrt(1 / na + 1 / nb)
                )
            if not (
                np.abs(z_med) > q.shift_z and np.sign(z_med) == np.sign(best[k, u])
            ):
                continue
            sid = cube.ids[k]
            x = cube.values[k, :, u]
            before = float(np.nanmedian(x[:t0]))
            after = float(np.nanmedian(x[t0:]))
            since, last = cube.periods[t0], cube.periods[n_t - 1]
            zh_dir = "明显下降" if best[k, u] < 0 else "明显上升"  # beyond the noise
            en_dir = "fell" if best[k, u] < 0 else "rose"
            rows.append(
                {
                    "check": "shift",
                    "unit_id": cube.units[u],
                    "period": last,
                    "since": since,
                    "indicator_id": sid,
                    "value": after,
                    "statistic": float(best[k, u]),
                    "reason_zh": f"{catalogue.name(sid, 'zh')}自{P.name_zh(since)}起"
                    f"{zh_dir}：此后中位数{amount(catalogue, cube, k, after, 'zh')}，"
                    f"此前{amount(catalogue, cube, k, before, 'zh', after)}（已考虑同期"
                    "各单位的共同变化）",
                    "reason_en": f"{catalogue.name(sid, 'en')} {en_dir} from "
                    f"{P.name_en(since)}: "
                    f"median {amount(catalogue, cube, k, after, 'en')} since, "
                    f"{amount(catalogue, cube, k, before, 'en', after)} before, "
                    f"{best[k, u]:+.1f} standard errors after what all units did",
                }
            )
    return pd.DataFrame(rows)


def _argmax_periods(a: np.ndarray) -> np.ndarray:
    """``a.argmax(axis=1)`` of a series × periods × units array without NaN (the
    first period of the largest), one period at a time on whole slices: numpy
    reduces along a middle axis row by row, ten times slower."""
    at = np.zeros((a.shape[0], a.shape[2]), np.intp)
    top = a[:, 0].copy()
    for t in range(1, a.shape[1]):
        larger = a[:, t] > top
        at[larger] = t
        np.maximum(top, a[:, t], out=top)
    return at


def jumps(reports: Reports) -> pd.DataFrame | None:
    """A value far from the unit's own typical level after what all units did; for
    a series with too short a history (annual, half-year), a change from the period
    before far from the changes all units made."""
    q, catalogue = reports.settings, reports.catalogue
    parts = []
    for cube in reports.cubes:
        seen = cube.seen
        # enough history, and enough peers, to know what is usual
        peers = seen.any(axis=1).sum(axis=1) >= 5
        # a total to date climbs through the year: the growth check judges it
        peers &= ~cube.to_date
        ok = (seen.any(axis=2).sum(axis=1) >= q.min_periods) & peers
        short = ~ok & peers & (seen.any(axis=2).sum(axis=1) >= 2)
        if short.any():
            changes = _changes(catalogue, cube, np.flatnonzero(short), q)
            if changes is not None:
                parts.append(changes)
        if not ok.any():
            continue
        x = cube.values if ok.all() else cube.values[ok]
        e = cube.levels[ok]  # a copy: then d, then e, in place
        with np.errstate(all="ignore"):
            e -= nanmedian(e, axis=1)[:, None, :]  # each unit against its own level
            e -= nanmedian(e, axis=2)[:, :, None]  # less what every unit did
            a = np.abs(e)
            # the scale is the largest of the peers' spread that period, the
            # series' whole spread and the unit's own: a report within jump_z of
            # the first two is no jump, and the unit's own spread is measured only
            # for the units with a report that is not (a few percent)
            bound = np.fmax(
                1.4826 * nanmedian(a, axis=2)[:, :, None],  # peers that period
                1.4826 * nanmedian(a, axis=(1, 2))[:, None, None],  # the whole
            )
            maybe = np.divide(a, bound) > q.jump_z
            ks, us = nonzero(maybe.any(axis=1))
            own = 1.4826 * nanmedian(a[ks, :, us], axis=1)  # the unit's own
            pair = np.zeros((len(e), e.shape[2]), np.intp)
            pair[ks, us] = np.arange(len(ks))
            k, t, u = nonzero(maybe)
            scale = np.fmax(bound[k, t, 0], own[pair[k, u]])
            z = e[k, t, u] / scale  # |e| / scale is |z|
            hit = (np.abs(z) > q.jump_z) & (scale > 0)
        if not hit.any():
            continue
        k, t, u, z = k[hit], t[hit], u[hit], z[hit]
        ids = np.asarray(cube.ids, dtype=object)[ok]
        typical = nanmedian(x[k, :, u], axis=1)
        parts.append(
            _jump_rows(
                catalogue,
                ids[k],
                np.flatnonzero(ok)[k],
                cube,
                t,
                u,
                x[k, t, u],
                z,
                typical,
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else None


#: changes of series with a short history: degrees of freedom of the Student t the
#: robust z is read against (tuned on the sample and the first 4 corpus cities:
#: 145 annual changes a city give 4.0, 870 half-year ones 4.7)
CHANGE_DF = 30


def _changes(catalogue, cube: Cube, ks: np.ndarray, q) -> pd.DataFrame | None:
    """Series ``ks`` (too short a history for a usual level): a change from the
    unit's previous report far from the changes all units made that period: robust
    z beyond what the chance rule allows for the changes tried (a Student-t tail
    with ``CHANGE_DF`` degrees of freedom below ``chance`` over them all), at most
    ``jump_z``."""
    y = cube.levels[ks]
    with np.errstate(all="ignore"):
        c = y[:, 1:] - y[:, :-1]
        e = c - nanmedian(c, axis=2)[:, :, None]
        a = np.abs(e)
        scale = 1.4826 * nanmedian(a, axis=2)[:, :, None]
        np.fmax(scale, 1.4826 * nanmedian(a, axis=(1, 2))[:, None, None], out=scale)
        # few changes are tried (a year's report against last year's): the
        # threshold is the chance rule's, a Student-t tail (robust z have heavier
        # tails than a normal's) times the changes tried, and never above jump_z
        tried = max(int(np.count_nonzero(~np.isnan(e))), 1)
        tail = float(stats.t.isf(q.chance / (2 * tried), CHANGE_DF))
        least = min(q.jump_z, tail)
        hit = (a / scale > least) & (scale > 0)
    if not hit.any():
        return None
    i, t, u = nonzero(hit)
    k = ks[i]
    now, before = cube.values[k, t + 1, u], cube.values[k, t, u]
    z = e[i, t, u] / scale[i, t, 0]
    rows = []
    for kk, tt, uu, v, w, r in zip(k, t, u, now, before, z, strict=True):
        sid, period = cube.ids[kk], cube.periods[tt + 1]
        rows.append(
            {
                "check": "jump",
                "unit_id": cube.units[uu],
                "period": period,
                "indicator_id": sid,
                "value": float(v),
                "statistic": float(r),
                "reason_zh": f"{catalogue.name(sid, 'zh')}为"
                f"{amount(catalogue, cube, kk, v, 'zh')}，上期（"
                f"{P.name_zh(cube.periods[tt])}）为"
                f"{amount(catalogue, cube, kk, w, 'zh')}"
                f"，与同期其他单位的变化相比异常{'偏高' if r > 0 else '偏低'}",
                "reason_en": f"{catalogue.name(sid, 'en')} "
                f"{amount(catalogue, cube, kk, v, 'en')} against "
                f"{amount(catalogue, cube, kk, w, 'en')} in "
                f"{P.name_en(cube.periods[tt])}: a "
                f"change {r:+.1f} robust SDs from the changes all units made"
                f"{scale_words(cube, kk)}",
            }
        )
    return pd.DataFrame(rows)


def _jump_rows(catalogue, sids, ks, cube, t, u, x, z, typical) -> pd.DataFrame:
    zh = {s: catalogue.name(s, "zh") for s in set(sids)}
    en = {s: catalogue.name(s, "en") for s in set(sids)}
    scale_en = {k: scale_words(cube, k) for k in set(ks)}
    rows = zip(sids, ks, x, typical, z, strict=True)
    reason_zh, reason_en = [], []
    for s, k, v, m, r in rows:
        reason_zh.append(
            f"{zh[s]}为{amount(catalogue, cube, k, v, 'zh')}，本单位通常为"
            f"{amount(catalogue, cube, k, m, 'zh', v)}，与本单位以往水平相比异常"
            f"{'偏高' if r > 0 else '偏低'}（已考虑同期各单位的共同变化）"
        )
        reason_en.append(
            f"{en[s]} {amount(catalogue, cube, k, v, 'en')} against the unit's "
            f"usual {amount(catalogue, cube, k, m, 'en', v)}: {r:+.1f} robust SDs "
            f"after what all units did that period{scale_en[k]}"
        )
    return pd.DataFrame(
        {
            "check": "jump",
            "unit_id": cube.units[u],
            "period": cube.periods[t],
            "indicator_id": sids,
            "value": x,
            "statistic": z,
            "reason_zh": reason_zh,
            "reason_en": reason_en,
        }
    )


#: isolation forest: rows whose changes are all within this many robust SDs are
#: not scored (checked: the same flags on the sample and the corpus cities)
OUTLIER_LEAST = 3.0


#: isolation forest: fitted on at most this many rows (drawn at random, seed 0)
OUTLIER_FIT_ROWS = 20_000


def isolated(reports: Reports) -> pd.DataFrame | None:
    """IsolationForest over robust-scaled period-on-period changes; only where the
    catalogue turns it on (``quality: {outlier: true}``): on the corpus it finds
    no case the other checks miss (methodology §14)."""
    q, catalogue = reports.settings, reports.catalogue
    if not q.outlier:
        return None
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
        odd, score = isolation_outliers(rows, q.outlier_score, least=OUTLIER_LEAST)
        out = []
        for r in odd:
            t, u = divmod(int(r), len(units))
            top = np.argsort(-np.abs(rows[r]))[:2]
            parts_zh = "、".join(
                f"{catalogue.name(ids[i], 'zh')}（"
                f"{_moved_zh(catalogue, cube, i, t, u, rows[r, i])}）"
                for i in top
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
                    "reason_zh": "本期多项指标的环比变化组合异常，与同期其他单位的"
                    f"变化相比最突出的是：{parts_zh}",
                    "reason_en": "unusual combination of period-on-period changes "
                    f"(isolation forest); largest, in robust SDs: {parts_en}",
                }
            )
        parts.append(pd.DataFrame(out))
    return pd.concat(parts, ignore_index=True) if parts else None


def _moved_zh(catalogue, cube: Cube, k: int, t: int, u: int, z: float) -> str:
    """How series ``k`` of unit ``u`` moved from period ``t`` to the next, in
    Chinese: ``由85.0%升至99.0%，较同期其他单位的变化明显偏高`` (the robust z said
    as its sign)."""
    before, now = cube.values[k, t, u], cube.values[k, t + 1, u]
    odd = f"较同期其他单位的变化明显{'偏高' if z > 0 else '偏低'}"
    if np.isnan(before) or np.isnan(now):
        return odd
    if now == before:
        return f"保持{amount(catalogue, cube, k, now, 'zh')}不变，{odd}"
    return (
        f"由{amount(catalogue, cube, k, before, 'zh')}"
        f"{'升至' if now > before else '降至'}"
        f"{amount(catalogue, cube, k, now, 'zh')}，{odd}"
    )


def isolation_outliers(
    rows: np.ndarray, threshold: float, *, least: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """The rows whose isolation-forest anomaly score (100 trees, seed 0; Liu et al.
    2008: near 1 isolated, about 0.5 or less ordinary) is above ``threshold``, and
    every row's score (``-score_samples``).

    The forest is fitted on every row, or on ``OUTLIER_FIT_ROWS`` of them drawn at
    random (seed 0) where there are more (each tree sees 256 rows either way); only
    rows with a feature at least ``least`` in absolute value are scored (others
    NaN): a row of ordinary values takes many cuts to isolate, so scoring them is
    time spent on rows never flagged."""
    from sklearn.ensemble import IsolationForest  # slow to import: only when used

    forest = IsolationForest(n_estimators=100, contamination="auto", random_state=0)
    fit = rows
    if len(rows) > OUTLIER_FIT_ROWS:
        pick = np.random.default_rng(0).choice(len(rows), OUTLIER_FIT_ROWS, False)
        fit = rows[np.sort(pick)]
    forest.fit(fit)
    score = np.full(len(rows), np.nan)
    some = np.flatnonzero(np.abs(rows).max(axis=1, initial=0.0) >= least)
    if len(some):
        score[some] = -forest.score_samples(rows[some])
    return np.flatnonzero(score > threshold), score
