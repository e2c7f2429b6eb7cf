"""Runs of reports: frozen or perfect values, straight lines, rounded figures, and
empty reports (不报)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation import periods as P
from evaluation.risk.quality.reports import (
    Cube,
    Reports,
    accumulate,
    agency_groups,
    amount,
    change_words,
    nanmedian,
    nonzero,
    number,
    odds_en,
    odds_zh,
    once,
    run_lengths,
    runs_of,
    share_words,
    submission_row,
    window,
)
from evaluation.vocabulary import plain


def stable(reports: Reports) -> pd.DataFrame | None:
    """A value repeated in a run of periods, rare among peers (not the best value)."""
    return _constant(reports, perfect=False)


def perfect(reports: Reports) -> pd.DataFrame | None:
    """The best value of the valid range in a run of periods, rare among peers."""
    return _constant(reports, perfect=True)


def _constant(reports: Reports, *, perfect: bool) -> pd.DataFrame | None:
    q, catalogue = reports.settings, reports.catalogue
    rows = []
    for cube in reports.cubes:
        w = window(cube.frequency, q)
        run = cube.runs
        found = _long_runs(cube, w)
        if found is None:
            continue
        k, t, u, t0, length, share, chance = found
        share = share.copy()
        if perfect:  # the best possible value is itself unlikely, not only its repeats
            chance = chance + np.log(cube.rarity_at()[k, t0, u])  # (not in place)
        tried = np.log(float(cube.seen.sum()))
        share[chance + tried >= np.log(q.chance)] = 1.0  # not unlikely enough
        for i in np.flatnonzero(share < q.common_share):
            sid, unit, v = (
                cube.ids[k[i]],
                cube.units[u[i]],
                cube.values[k[i], t[i], u[i]],
            )
            meta = catalogue.series.loc[sid]
            direction = meta.get("direction")
            best = meta["valid_max"] if direction == "higher" else meta["valid_min"]
            if (direction in ("higher", "lower") and v == best) != perfect:
                continue
            since, last = cube.periods[t0[i]], cube.periods[t[i]]
            before = run["before"][k[i], t0[i], u[i]]
            m = int(length[i])
            kk = int(k[i])
            was_zh = was_en = ""
            if before >= 0:
                prev = cube.values[kk, before, u[i]]
                was_zh = (
                    f"，此前（{P.name_zh(cube.periods[before])}）为"
                    f"{amount(catalogue, cube, kk, prev, 'zh')}"
                )
                was_en = (
                    f"; it was {amount(catalogue, cube, kk, prev, 'en')} in "
                    f"{P.name_en(cube.periods[before])}"
                )
            if share[i] > 0:
                peers_zh = f"；同期其他单位的报送中此值{share_words(share[i], 'zh')}"
                peers_en = (
                    f"; {share_words(share[i], 'en')} of other units' reports of "
                    "those periods have this value"
                )
            else:
                peers_zh = "；同期其他单位均无此值"
                peers_en = "; no other unit reported this value in those periods"
            amount_zh = amount(catalogue, cube, kk, v, "zh")
            amount_en = amount(catalogue, cube, kk, v, "en")
            rows.append(
                {
                    "check": "perfect" if perfect else "stable",
                    "unit_id": unit,
                    "period": last,
                    "since": since,
                    "indicator_id": sid,
                    "value": float(v),
                    "statistic": float(share[i]),
                    "reason_zh": f"{catalogue.name(sid, 'zh')}自{P.name_zh(since)}起"
                    f"连续{m}期均为{amount_zh}"
                    + ("（已达上限）" if perfect else "")
                    + was_zh
                    + peers_zh,
                    "reason_en": f"{catalogue.name(sid, 'en')} is {amount_en} in all "
                    f"{m} periods from {P.name_en(since)} to {P.name_en(last)}"
                    + (" (the best possible)" if perfect else "")
                    + was_en
                    + peers_en,
                }
            )
    return pd.DataFrame(rows)


def _long_runs(cube: Cube, w: int) -> tuple | None:
    """The runs of at least ``w`` equal reports (series ``k``, unit ``u``, periods
    ``t0``…``t``, their ``length``), the ``share`` of the other units' reports of
    the run at its value, and the run's log chance; None where there are none.
    Computed once for ``stable`` and ``perfect`` (kept on the cube)."""
    return once(cube, f"_long_runs{w}", lambda: _find_long_runs(cube, w))


def _find_long_runs(cube: Cube, w: int) -> tuple | None:
    run = cube.runs
    k, t, u = nonzero(run["end"] & (run["length"] >= w))
    if not len(k):
        return None
    t0, length = run["start"][k, t, u], run["length"][k, t, u]
    # how common the value is among the other units' reports of the run: the other
    # units' reports and those equal to it, summed over the run's periods (a few
    # thousand runs: read at them, not accumulated over the whole cube)
    periods = np.arange(cube.values.shape[1])
    inside = (periods >= t0[:, None]) & (periods <= t[:, None])
    inside &= cube.seen[k[:, None], periods, u[:, None]]
    n_others = np.where(inside, cube.reporting[k] - 1, 0).sum(axis=1)
    n_same = np.where(inside, cube.ties[k[:, None], periods, u[:, None]] - 1, 0)
    share = np.divide(  # no other reporter: nothing common, the chance decides
        n_same.sum(axis=1), n_others, out=np.zeros(len(k)), where=n_others > 0
    )
    return k, t, u, t0, length, share, _run_chance(cube, run, k, t, u, t0)


def _run_chance(cube: Cube, run: dict, k, t, u, t0) -> np.ndarray:
    """The log chance of each run (series ``k``, unit ``u``, periods ``t0``…``t``):
    each report after the first repeats by chance as often as a typical unit's
    reports of the series repeat, as other units share the value, and as the unit's
    own other reports (those not at the run's value) would repeat."""
    repeat = run["length"] > 1
    rate = run["rate"][k]
    n_t = cube.values.shape[1]
    x = cube.values[k[:, None], np.arange(n_t), u[:, None]]  # runs × periods
    v = cube.values[k, t, u]
    other = np.where(x == v[:, None], np.nan, x)
    mid = nanmedian(other, axis=1)
    sd = 1.4826 * nanmedian(np.abs(other - mid[:, None]), axis=1)
    typical = np.asarray(nanmedian(cube.own_spread, axis=1))[k]
    sd = np.where(np.sum(~np.isnan(other), axis=1) >= 3, sd, typical)
    own = cube.equal_by_chance(np.sqrt(2) * sd, k)
    p = np.fmax(cube.share()[k[:, None], np.arange(n_t), u[:, None]], rate[:, None])
    p = np.fmax(p, own[:, None])
    periods = np.arange(n_t)
    inside = (periods >= t0[:, None]) & (periods <= t[:, None])
    inside &= repeat[k[:, None], periods, u[:, None]]
    return np.where(inside, np.log(p), 0.0).sum(axis=1)


def linear(reports: Reports) -> pd.DataFrame | None:
    """编造: a run of reports rising or falling by the same amount every period (an
    exact straight line, to the finest grain the series is reported in: a series
    reported to 0.01 in its later periods is no line at 0.1), unlikely for real
    reports by the chance rule (each second difference within one reporting step as
    often as the unit's own second differences outside the run, or a typical
    unit's, would allow)."""
    q, catalogue = reports.settings, reports.catalogue
    rows = []
    for cube in reports.cubes:
        n_s, n_t, n_u = cube.values.shape
        w = window(cube.frequency, q)
        if n_t < w:
            continue
        x = cube.values
        step = cube.finest[:, None, None]  # an exact line, as reported (whole)
        d1 = np.diff(x, axis=1)
        d2 = np.diff(x, n=2, axis=1)  # NaN around gaps: they end a run
        with np.errstate(invalid="ignore"):
            even = (np.abs(d2) <= step * 1.01) & (np.abs(d1[:, 1:]) >= step * 0.99)
        # runs of even steps: a run of m second differences spans m + 2 reports
        run, ends = run_lengths(even)
        k, t, u = nonzero((run >= w - 2) & ends)
        if not len(k):
            continue
        m = run[k, t, u]
        # the chance of a second difference within one step, for this unit
        with np.errstate(invalid="ignore"):
            spread = 1.4826 * nanmedian(np.abs(d2), axis=1, overwrite=True)
            typical = nanmedian(spread, axis=1)
        inside = np.arange(d2.shape[1])[None, :]
        inside = (inside > (t - m)[:, None]) & (inside <= t[:, None])
        outside = np.where(inside, np.nan, d2[k, :, u])
        own = 1.4826 * nanmedian(np.abs(outside), axis=1)
        own = np.where(np.sum(~np.isnan(outside), axis=1) >= 3, own, typical[k])
        # every unit's reports on exact lines (no second difference anywhere): a
        # line is what all of them send, chance 1 (3 steps / 0 = inf, capped)
        with np.errstate(divide="ignore"):
            p = np.minimum(1.0, 3 * cube.step[k] / (2.5 * np.fmax(own, typical[k] / 2)))
        chance = m * np.log(p)
        tried = np.log(float(cube.seen.sum()))
        for i in np.flatnonzero(chance + tried < np.log(q.chance)):
            first, last = int(t[i] - m[i] + 1), int(t[i] + 2)  # periods of the run
            sid, n = cube.ids[k[i]], int(m[i]) + 2
            a, b = cube.values[k[i], first, u[i]], cube.values[k[i], last, u[i]]
            per = (b - a) / (n - 1)
            since, end = cube.periods[first], cube.periods[last]
            odds = float(np.exp(chance[i]))
            rows.append(
                {
                    "check": "linear",
                    "unit_id": cube.units[u[i]],
                    "period": end,
                    "since": since,
                    "indicator_id": sid,
                    "value": float(per),
                    "statistic": odds,
                    "reason_zh": f"{catalogue.name(sid, 'zh')}{P.name_zh(since)}至"
                    f"{P.name_zh(end)}的{n}期从"
                    f"{amount(catalogue, cube, k[i], a, 'zh')}"
                    f"到{amount(catalogue, cube, k[i], b, 'zh')}，每期均约"
                    f"{change_words(catalogue, cube, k[i], per)}，呈等差直线"
                    f"（{odds_zh(odds)}）",
                    "reason_en": f"{catalogue.name(sid, 'en')} goes from "
                    f"{amount(catalogue, cube, k[i], a, 'en')} to "
                    f"{amount(catalogue, cube, k[i], b, 'en')} in the {n} periods "
                    f"from {P.name_en(since)} to {P.name_en(end)}, by {per:+.3g} "
                    f"every period: a straight line ({odds_en(odds)})",
                }
            )
    return pd.DataFrame(rows)


#: multiples (of a series' reporting step) that rounding leaves, coarsest first
_ROUND = (10_000, 5_000, 1_000, 500, 100, 50, 10, 5)


def rounded(reports: Reports) -> pd.DataFrame | None:
    """估报: a run of reports all rounded to a coarser multiple than the series is
    reported in (every value a multiple of 10 where others report to 0.01), unlikely
    by the chance rule: each report as coarse as that as often as the series'
    reports are. A unit whose every report is coarse may just have small numbers
    behind its rates (12 of 20 is 60 %): over its whole history, only rounding to
    100 steps or more counts (every cost a whole yuan, every rate a multiple of 10).
    The step is the one most periods are reported in (:attr:`Cube.step`): one
    agency's slipped submission (0.853 for 85.3 %, ``scale``'s) does not make it
    0.001 and every correct report a multiple of 100 steps; its reports, off the
    step, are no rounding and end a run."""
    q, catalogue = reports.settings, reports.catalogue
    rows = []
    for cube in reports.cubes:
        n_s, n_t, n_u = cube.values.shape
        w = window(cube.frequency, q)
        seen = cube.seen
        n, on_step = _in_steps(cube)
        about = reports.catalogue.series.loc[cube.ids]
        bound = n == 0
        bound |= cube.values == about["valid_min"].to_numpy()[:, None, None]
        bound |= cube.values == about["valid_max"].to_numpy()[:, None, None]
        eligible = seen & ~bound & on_step
        # the coarsest multiple of each report: each of _ROUND divides the next
        # coarser one, so only the multiples of 5 are tried further
        at = np.flatnonzero(eligible & (n % 5 == 0))
        sub = n.reshape(-1)[at]
        level = np.zeros(len(at), np.intp)  # index into the finer-first multiples
        for i, m in enumerate(_ROUND[-2::-1], start=1):
            level[sub % m == 0] = i
        finer_first = np.array(_ROUND[::-1], np.int16)
        coarse = np.ones(n.shape, np.int16)  # (multiples up to 10,000)
        coarse.reshape(-1)[at] = finer_first[level]
        # how often a report of the series (not at a bound) is at least that coarse
        series = at // (n_t * n_u)
        count = np.bincount(series * len(_ROUND) + level, minlength=n_s * len(_ROUND))
        at_least = np.cumsum(count.reshape(n_s, -1)[:, ::-1], axis=1)[:, ::-1]
        share = (at_least + 1) / (eligible.sum(axis=(1, 2)) + 2)[:, None]
        log_p = np.zeros(n.shape)
        log_p.reshape(-1)[at] = np.log(share)[series, level]
        ok = np.zeros(n.shape, bool)  # (every multiple tried is at least 5)
        ok.reshape(-1)[at] = True
        run, ends = run_lengths(ok)  # gaps end a run
        tried = np.log(float(seen.sum()))
        ks, ts, us = nonzero((run >= w) & ends)
        # the runs whose chance is plainly too large dropped at once (a margin far
        # above rounding errors: each run left is judged as before)
        periods = np.arange(n_t)
        inside = periods > ts[:, None] - run[ks, ts, us][:, None]
        inside &= periods <= ts[:, None]
        rough = np.where(inside, log_p[ks[:, None], periods, us[:, None]], 0.0)
        left = rough.sum(axis=1) + tried < np.log(q.chance) + 1e-6
        for k, t, u in zip(ks[left], ts[left], us[left], strict=True):
            m = int(run[k, t, u])
            x = cube.values[k, t - m + 1 : t + 1, u]
            if len(set(x)) < 2:
                continue  # one value over and over: the stable check's matter
            whole = not seen[k, : t - m + 1, u].any() and not seen[k, t + 1 :, u].any()
            if whole and coarse[k, t - m + 1 : t + 1, u].min() < 100:
                continue
            chance = float(log_p[k, t - m + 1 : t + 1, u].sum())
            if chance + tried >= np.log(q.chance):
                continue
            # 均为整数 / 均为5的整数倍, in the series' own unit (its name says it)
            grain = int(coarse[k, t - m + 1 : t + 1, u].min()) * cube.step[k]
            sid, since, end = cube.ids[k], cube.periods[t - m + 1], cube.periods[t]
            shown = [number(cube, k, v) for v in x[:4]]
            coarse_zh = "整数" if np.isclose(grain, 1) else f"{plain(grain)}的整数倍"
            odds = float(np.exp(chance))
            rows.append(
                {
                    "check": "rounded",
                    "unit_id": cube.units[u],
                    "period": end,
                    "since": since,
                    "indicator_id": sid,
                    "value": float(grain),
                    "statistic": odds,
                    "reason_zh": f"{catalogue.name(sid, 'zh')}自{P.name_zh(since)}起"
                    f"连续{m}期均为{coarse_zh}（{'、'.join(shown)}…），"
                    f"疑为估报（{odds_zh(odds)}）",
                    "reason_en": f"{catalogue.name(sid, 'en')} is a multiple of "
                    f"{grain:g} in all {m} periods from {P.name_en(since)} to "
                    f"{P.name_en(end)} "
                    f"({', '.join(shown)}…): estimated rather "
                    f"than counted? ({odds_en(odds)})",
                }
            )
    return pd.DataFrame(rows)


def _in_steps(cube: Cube) -> tuple[np.ndarray, np.ndarray | bool]:
    """Per report, its value in the series' reporting steps (an integer), and
    whether it is a multiple of the step (True for every report where the step
    is the finest): a report off it (0.853 sent for 85.3 %) is no rounding, and
    ends a run."""
    times = np.rint(cube.step / cube.finest).astype(np.int64)
    if np.all(times == 1):
        return cube.whole, True
    times = times[:, None, None]
    return cube.whole // times, cube.whole % times == 0


def missing(reports: Reports) -> pd.DataFrame | None:
    """不报: an agency's whole submission for a unit and period sent empty (two series
    or more), or one series sent empty ``missing_run`` periods or more in a row,
    while most units reported it. Facts, not suspicions: no chance rule; a sporadic
    empty cell is not flagged."""
    q, catalogue = reports.settings, reports.catalogue
    rows = []
    for cube in reports.cubes:
        blank, seen = cube.blank, cube.seen
        most = cube.reporting * 2 >= seen.shape[2]  # series × periods
        sent = blank | seen
        covered = np.zeros(blank.shape, bool)  # cells inside an empty submission
        for agency, g in agency_groups(cube):
            empty = np.all(blank[g] | ~sent[g], axis=0) & (blank[g].sum(axis=0) >= 2)
            empty &= most[g].any(axis=0)[:, None]
            covered[g] |= empty[None]
            for t0, t1, u in runs_of(empty):  # empty submissions in a row: one flag
                n = int(sent[g, t1, u].sum())
                first, last = cube.periods[t0], cube.periods[t1]
                if t0 == t1:
                    zh = f"报送的{P.name_zh(last)}数据（{n}项）全部为空"
                    en = f"all {n} values sent for {P.name_en(last)} are empty"
                else:
                    zh = (
                        f"报送的{P.name_zh(first)}至{P.name_zh(last)}连续{t1 - t0 + 1}"
                        f"期数据（各{n}项）全部为空"
                    )
                    en = (
                        f"all {n} values sent are empty in the {t1 - t0 + 1} periods "
                        f"from {P.name_en(first)} to {P.name_en(last)}"
                    )
                rows.append(
                    submission_row(
                        catalogue, "missing", cube, agency, g, t1, u, None,
                        since=first, zh=zh, en=en,
                    )
                )  # fmt: skip
        # one series empty in a row
        run, ends = run_lengths(blank & most[:, :, None])
        ends &= run >= q.missing_run
        ks, ts, us = nonzero(ends)
        # a run wholly inside empty submissions is said by their flag (counted at
        # the runs' ends only)
        cum = accumulate(np.add, covered, dtype=np.int64)
        first = ts - run[ks, ts, us]  # the period before the run (-1: none)
        inside = cum[ks, ts, us] - np.where(
            first >= 0, cum[ks, np.maximum(first, 0), us], 0
        )
        said = inside < run[ks, ts, us]
        for k, t, u in zip(ks[said], ts[said], us[said], strict=True):
            m = int(run[k, t, u])
            sid, since = cube.ids[k], cube.periods[t - m + 1]
            rows.append(
                {
                    "check": "missing",
                    "unit_id": cube.units[u],
                    "period": cube.periods[t],
                    "since": since,
                    "indicator_id": sid,
                    "agency": cube.agencies[k],
                    "value": float(m),
                    "statistic": float(m),
                    "reason_zh": f"{catalogue.name(sid, 'zh')}自{P.name_zh(since)}起"
                    f"连续{m}期报送为空，同期多数单位均有数据",
                    "reason_en": f"{catalogue.name(sid, 'en')} sent empty for {m} "
                    f"periods in a row from {P.name_en(since)}, while most units "
                    "reported it",
                }
            )
    return pd.DataFrame(rows)
