"""Copies: an agency's submission equal to the one before or to another unit's, and
a series copied from another unit's or from a year earlier."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation import periods as P
from evaluation.risk.quality.reports import (
    Cube,
    Reports,
    agency_groups,
    amount,
    nanmedian,
    odds_en,
    odds_zh,
    repeat_rate,
    runs_of,
    submission_row,
    window,
)


def identical_period(reports: Reports) -> pd.DataFrame | None:
    """An agency's whole submission for a unit equal to its previous period's.

    Each repeated report is as likely as the unit's own changes of the series make a
    change of less than a reporting step (:func:`_repeat_chance`), and at least as
    likely as a typical unit's reports of the series repeat and as other units share
    its value; a repeated submission has the product of its reports' chances and is
    flagged when that times the unit's own returns from the agency at this frequency
    (the family: one unit's returns, as the office that checks them reads them, so
    that false flags per unit stay the same however many units the city has) is
    below ``chance``."""
    q, catalogue = reports.settings, reports.catalogue
    rows = []
    for cube in reports.cubes:
        v, seen = cube.values, cube.seen
        if v.shape[1] < 2:
            continue
        both = seen[:, 1:] & seen[:, :-1]
        eq = both & (v[:, 1:] == v[:, :-1])
        rate = repeat_rate(eq, both)
        groups = []
        for agency, g in agency_groups(cube):
            n_eq = eq[g].sum(axis=0)  # periods-1 × units
            whole = np.all(eq[g] | ~seen[g, 1:], axis=0) & (
                n_eq >= q.identical_min_values
            )
            groups.append((agency, g, whole))
        # the chances are the unit's own: computed only for the units with a whole
        # submission repeated (a few percent), zero elsewhere (the same sums)
        us = np.flatnonzero(np.any([w.any(axis=0) for *_, w in groups], axis=0))
        if not len(us):
            continue
        sub = np.s_[:, :, us]
        p = np.fmax(cube.share()[:, 1:][sub], rate[:, None, None])
        p = np.fmax(p, _repeat_chance(cube, eq[sub], both[sub], us)[:, None, :])
        log_p = np.zeros(eq.shape)
        log_p[sub] = np.log(p, out=np.zeros(p.shape), where=eq[sub])  # (log 1: 0)
        for agency, g, whole in groups:
            # the unit's returns from the agency that could repeat the one before
            tried = np.count_nonzero(seen[g, 1:].any(axis=0), axis=0)  # per unit
            chance = log_p[g].sum(axis=0)
            # a run of repeats is as unlikely as all of them together
            for t0, t1, u in runs_of(whole):  # t1 + 1 repeats t1 … t0 + 1 repeats t0
                log_run = chance[t0 : t1 + 1, u].sum()
                if log_run + np.log(tried[u]) >= np.log(q.chance):
                    continue
                n = int(seen[g, t1 + 1, u].sum())
                p_run = float(np.exp(log_run))
                # the flag sits on the repeats; the period repeated is in the reason
                source, first = cube.periods[t0], cube.periods[t0 + 1]
                last = cube.periods[t1 + 1]
                if t1 == t0:
                    zh = (
                        f"报送的{P.name_zh(last)}数据（{n}项）与"
                        f"{P.name_zh(source)}完全相同"
                    )
                    en = (
                        f"all {n} values sent for {P.name_en(last)} are identical "
                        f"to {P.name_en(source)}'s"
                    )
                else:
                    zh = (
                        f"报送的{P.name_zh(first)}至{P.name_zh(last)}各期数据（{n}项）"
                        f"均与{P.name_zh(source)}完全相同"
                    )
                    en = (
                        f"all {n} values sent for each period from "
                        f"{P.name_en(first)} to {P.name_en(last)} are identical to "
                        f"{P.name_en(source)}'s"
                    )
                rows.append(
                    submission_row(
                        catalogue, "identical_period", cube, agency, g, t1 + 1, u,
                        p_run, since=first, zh=zh, en=en,
                    )
                )  # fmt: skip
    return pd.DataFrame(rows)


def _repeat_chance(
    cube: Cube, eq: np.ndarray, both: np.ndarray, units=slice(None)
) -> np.ndarray:
    """Per series and unit (of ``units``: ``eq`` and ``both`` are theirs), the
    chance that a report equals the unit's previous one by coincidence: one
    reporting step over 2.5 robust SDs of the unit's changes from period to period
    (1.4826 × the median size of its changes other than repeats, about 0, so that a
    steady climb counts as change: a rate whose changes have a robust SD of 1
    point, reported to 0.1, repeats about once in 25), and at least as often as the
    unit's own other reports repeated (the one judged left out); 1 with fewer than
    2 changes to judge by.

    Its changes, not the spread of its levels: a series that drifts slowly has a
    wide range of levels but small changes, and repeats more often than its range
    says; one that climbs steadily repeats less often."""
    moved = both & ~eq
    size = np.where(moved, np.abs(np.diff(cube.values[:, :, units], axis=1)), np.nan)
    scale = 1.4826 * nanmedian(size, axis=1, overwrite=True)  # series × units
    p = cube.equal_by_chance(
        np.where(moved.sum(axis=1) >= 2, scale, np.nan), np.s_[:, None]
    )
    n = both.sum(axis=1)
    own = (eq.sum(axis=1) - 1) / np.maximum(n - 1, 1)  # the others of a repeat
    return np.fmax(p, own)


def identical_unit(reports: Reports) -> pd.DataFrame | None:
    """An agency's whole submission for a unit equal to another unit's that period."""
    q, catalogue = reports.settings, reports.catalogue
    rows = []
    for cube in reports.cubes:
        seen = cube.seen
        if seen.shape[2] < 2:
            continue
        rarity = cube.rarity_at(shared=2)  # (read on the twins only)
        x = cube.whole  # as compared
        for agency, g in agency_groups(cube):
            n_ok = seen[g].sum(axis=0)  # periods × units
            at = np.flatnonzero(n_ok >= q.identical_min_values)  # period, unit
            if not len(at):
                continue
            t, u = np.divmod(at, n_ok.shape[1])
            with np.errstate(over="ignore"):  # a hash: wrapping is fine
                key = t.astype(np.int64) * _SALT[1, 0]
                for i, k in enumerate(g):  # a missing value hashes as itself
                    key += np.where(
                        seen[k].reshape(-1)[at],
                        x[k].reshape(-1)[at] * _SALT[0, i],
                        _SALT[1, i + 1],
                    )
            twin = pd.Series(key).duplicated(keep=False).to_numpy(copy=True)
            n = cube.reporting[g].max(axis=0)  # units per period
            tried = float(np.sum(n * (n - 1) / 2))
            # the chance can only grow with the pair's own spread: drop at once
            # what the peers' values already make likely
            tt, uu, gg = t[twin], u[twin], g[:, None]  # (the twins only)
            at_least = np.where(seen[gg, tt, uu], np.log(rarity[gg, tt, uu]), 0.0)
            twin[twin] = at_least.sum(axis=0) + np.log(tried) < np.log(q.chance)
            if not twin.any():
                continue
            twins = pd.Series(np.flatnonzero(twin)).groupby(key[twin])
            for members in twins.groups.values():
                members = np.asarray(twins.obj[members])
                ti, j = t[members[0]], u[members]
                same, on_all = x[g][:, ti, j], seen[g][:, ti, j]
                if not ((same == same[:, :1]) & (on_all == on_all[:, :1])).all():
                    continue  # a hash collision, not equal submissions
                on = seen[g, ti, j[0]]
                sd = np.hypot(cube.own_spread[g, j[0]], cube.own_spread[g, j[1]])
                p = np.fmax(rarity[g, ti, j[0]], cube.equal_by_chance(sd, g))
                chance = float(np.prod(p[on]))
                if chance * tried >= q.chance:
                    continue
                ids = list(cube.units[j])  # in unit order
                for unit, jj in zip(ids, j, strict=True):
                    others = [m for m in ids if m != unit]  # named in each language
                    zh = "、".join(reports.unit_name(m, "zh") for m in others)
                    en = ", ".join(reports.unit_name(m, "en") for m in others)
                    rows.append(
                        submission_row(
                            catalogue, "identical_unit", cube, agency, g, ti, jj,
                            chance,
                            zh=f"报送的{P.name_zh(cube.periods[ti])}数据"
                            f"（{int(n_ok[ti, jj])}项）与{zh}完全相同",
                            en=f"all {int(n_ok[ti, jj])} values sent for "
                            f"{P.name_en(cube.periods[ti])} are identical to {en}'s",
                        )
                    )  # fmt: skip
    return pd.DataFrame(rows)


def copied(reports: Reports) -> pd.DataFrame | None:
    """A series equal, period by period over a run, to another unit's (the same
    periods, a period or two earlier, or a year earlier) or to its own a year earlier.

    Candidates are pairs sharing a short window of values exactly (hashed: no pair is
    compared unless they do); each is then checked over the whole series.
    """
    q = reports.settings
    rows = []
    for cube in reports.cubes:
        n_s, n_t, n_u = cube.values.shape
        w = window(cube.frequency, q)
        per_year = 12 // P.months_per(cube.frequency)
        lags = [lag for lag in dict.fromkeys((0, 1, 2, per_year)) if n_t - lag >= w]
        if n_u < 2 or not lags:
            continue
        pairs = _window_pairs(cube, max(2, (w + 1) // 2), lags, per_year, q)
        if not len(pairs):
            continue
        tried = float(n_s) * n_u * n_u * len(lags) * n_t
        pairs = pairs[_may_copy(cube, pairs, np.log(q.chance / tried))]
        for k, a, b, lag in pairs:
            found = _copy_run(cube, k, a, b, lag, q)
            if found is None or found["length"] < w:
                continue
            if found["chance"] * tried >= q.chance:
                continue
            rows.extend(_copy_rows(reports, cube, k, a, b, lag, per_year, found))
    return pd.DataFrame(rows)


_SALT = np.random.default_rng(20261202).integers(1, 2**62, size=(2, 4096)) | 1


#: at most this many units share a window of values that may be a copy's
MAX_SHARED = 8


def _window_pairs(cube: Cube, h: int, lags, per_year: int, q) -> np.ndarray:
    """(series, unit, source unit, lag) whose ``h`` reports in a row, the unit's at
    periods t… and the source's at t-lag…, are equal and not all common values."""
    n_s, n_t, n_u = cube.values.shape
    n_w = n_t - h + 1
    if n_w < 1:
        return np.empty((0, 4), np.int64)
    seen = cube.seen
    x = cube.whole
    rare = cube.rare(q.common_share)
    key = x[:, :n_w].copy()  # the first report of each window, the next mixed in
    ok = seen[:, :n_w].copy()
    varied = np.zeros((n_s, n_w, n_u), bool)
    informative = rare[:, :n_w].copy()
    with np.errstate(over="ignore"):
        for j in range(1, h):
            key *= _SALT[0, j]
            key += x[:, j : j + n_w]
            ok &= seen[:, j : j + n_w]
            informative |= rare[:, j : j + n_w]
            varied |= x[:, j : j + n_w] != x[:, :n_w]
        key += np.arange(n_s, dtype=np.int64)[:, None, None] * _SALT[1, 0]
    ok &= varied & informative
    # windows sorted by key (equal keys together; the pairs found do not depend on
    # their order): a key shared by 2 to MAX_SHARED windows pairs them (a window
    # of values that many units share is no one's signature)
    at, key = _sorted_by_key(key.reshape(-1), ok.reshape(-1))
    shared = key[1:] == key[:-1]  # most keys are one window's: dropped first
    pair = np.zeros(len(key), bool)
    pair[1:] = shared
    pair[:-1] |= shared
    at, key = at[pair], key[pair]
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    size = np.diff(np.r_[first, len(key)])
    size = np.repeat(size, size)
    small = size <= MAX_SHARED
    at, key, size = at[small], key[small], size[small]
    found = []
    tried = np.zeros(n_w, bool)  # the lags tried, looked up (np.isin: 25× slower)
    tried[[lag for lag in lags if lag < n_w]] = True
    for d in range(1, MAX_SHARED):  # pair each window with the next ones of its key
        if d > 1:  # only keys shared by more than d windows (whole keys dropped)
            more = size > d
            at, key, size = at[more], key[more], size[more]
        i = np.flatnonzero(key[d:] == key[:-d])
        if not len(i):
            break
        k, rest = np.divmod(at[i], n_w * n_u)
        si, ui = np.divmod(rest, n_u)
        sj, uj = np.divmod(at[i + d] % (n_w * n_u), n_u)
        lag = si - sj
        # the later window follows the earlier; at lag 0 the pair is unordered:
        # the first unit in their order follows
        a = np.where(lag > 0, ui, np.where(lag < 0, uj, np.minimum(ui, uj)))
        b = np.where(lag > 0, uj, np.where(lag < 0, ui, np.maximum(ui, uj)))
        lag = np.abs(lag)
        keep = tried[lag] & ((a != b) | (lag == per_year))
        # each pair as one code, in the order (series, unit, source, lag)
        found.append((((k * n_u + a) * n_u + b) * n_t + lag)[keep])
    # a copy shares more than one window; a coincidence seldom does
    code = np.sort(np.concatenate(found)) if found else np.zeros(0, np.int64)
    twice = code[1:][code[1:] == code[:-1]]
    code = twice[np.r_[True, twice[1:] != twice[:-1]]] if len(twice) else twice
    rest, lag = np.divmod(code, n_t)
    rest, b = np.divmod(rest, n_u)
    k, a = np.divmod(rest, n_u)
    return np.column_stack([k, a, b, lag]).astype(np.int64)


def _sorted_by_key(key: np.ndarray, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The places ``at`` of the windows ``ok`` with equal ``key``\\ s together, and a
    code per window in that order, equal where their keys are: the high bits of
    each key (mixed: multiplied by an odd number, in place) and its place packed in
    one int64, one plain sort (several times faster than an argsort), no key read
    again but those whose high bits equal their neighbour's (to tell apart two keys
    that share them: rare, sorted again there)."""
    bits = max(int(len(key) - 1).bit_length(), 1)
    with np.errstate(over="ignore"):  # times an odd number: a bijection, mixed up
        mixed = np.multiply(key, np.int64(-7046029254386353131), out=key)
    packed = np.right_shift(mixed, bits)
    packed <<= bits
    packed |= np.arange(len(key), dtype=np.int64)
    packed = packed[ok]
    packed.sort()
    at = packed & ((1 << bits) - 1)
    high = np.right_shift(packed, bits, out=packed)
    tie = np.flatnonzero(high[1:] == high[:-1])  # neighbours with the same high bits
    other = mixed[at[tie]] != mixed[at[tie + 1]]
    if other.any():  # two keys share their high bits: those runs in key order
        runs = np.flatnonzero(np.isin(high, high[tie[other]]))
        runs = runs[np.lexsort((at[runs], mixed[at[runs]], high[runs]))]
        at[np.sort(runs)] = at[runs]
        other = mixed[at[tie]] != mixed[at[tie + 1]]
    new = np.ones(len(at), bool)  # a window whose key differs from the one before
    new[1 + tie] = other
    # (int32 where it holds them: half the bytes, twice as fast)
    return at, np.cumsum(new, dtype=np.int32 if len(new) < 2**31 else np.int64)


def _may_copy(cube: Cube, pairs: np.ndarray, most: float) -> np.ndarray:
    """Which candidate pairs could be a copy at all: the product of the peers'
    rarities over every period the two series are equal is below ``exp(most)``
    (a run's chance is at least that), all pairs at once."""
    k, a, b, lag = pairs.T
    n_t = cube.values.shape[1]
    t = np.arange(n_t)[None, :]
    src = t - lag[:, None]  # the source's period for each of the unit's
    ok = src >= 0
    src = np.maximum(src, 0)
    x = cube.values[k[:, None], t, a[:, None]]
    y = cube.values[k[:, None], src, b[:, None]]
    with np.errstate(invalid="ignore"):
        exact = ok & (np.abs(x - y) < cube.finest[k][:, None] / 2)
    r1, r2 = cube.rarity_at(1), cube.rarity_at(2)
    r = np.where(
        (lag == 0)[:, None],
        r2[k[:, None], t, a[:, None]],
        r1[k[:, None], t, a[:, None]],
    )
    return np.where(exact, np.log(r), 0.0).sum(axis=1) < most


def _copy_run(cube: Cube, k: int, a: int, b: int, lag: int, q) -> dict | None:
    """The longest run of periods in which unit ``a``'s reports of series ``k`` equal
    unit ``b``'s ``lag`` periods earlier (a few may differ by less than ``copy_near``
    robust SDs; periods either left empty are passed over; the run starts and ends
    on equal reports), with its chance."""
    n_t = cube.values.shape[1]
    x = cube.values[k, lag:, a]
    y = cube.values[k, : n_t - lag, b]
    at = np.flatnonzero(~np.isnan(x) & ~np.isnan(y))  # periods both reported
    d = np.abs(x[at] - y[at])
    exact = d < cube.finest[k] / 2
    near = d <= q.copy_near * cube.spread[k, lag:][at]
    # two units' values are equal by chance as often as values that vary as theirs
    # do (a series near its ceiling repeats few values), or as other units agree
    sd = np.hypot(cube.own_spread[k, a], cube.own_spread[k, b])
    rarity = np.fmax(
        cube.rarity_at(2 if lag == 0 else 1)[k, :, a], cube.equal_by_chance(sd, k)
    )
    best = None
    i = 0
    while i < len(d):
        if not exact[i]:
            i += 1
            continue
        end = i
        while end + 1 < len(d) and near[end + 1]:
            end += 1
        while not exact[end]:
            end -= 1
        length, n_exact = end - i + 1, int(exact[i : end + 1].sum())
        if n_exact * 3 >= length * 2 and (best is None or n_exact > best["exact"]):
            same = at[i : end + 1][exact[i : end + 1]] + lag
            best = {
                "start": int(at[i]) + lag,
                "end": int(at[end]) + lag,
                "length": length,
                "exact": n_exact,
                "most": float(d[i : end + 1].max()),
                "chance": float(np.prod(rarity[same])),
            }
        i = end + 1
    return best


def _copy_rows(reports, cube, k, a, b, lag, per_year, found) -> list[dict]:
    """The flags of one copy: on the follower, and at lag 0 on both units (the
    source named by its name in each language)."""
    catalogue = reports.catalogue
    sid = cube.ids[k]
    since, last = cube.periods[found["start"]], cube.periods[found["end"]]
    n, n_exact = found["length"], found["exact"]
    near_zh = near_en = ""
    if n_exact < n:
        most_zh = amount(catalogue, cube, k, found["most"], "zh")
        most_en = amount(catalogue, cube, k, found["most"], "en")
        near_zh = f"，其中{n_exact}期完全相同，其余相差不超过{most_zh}"
        near_en = f" ({n_exact} identical, the others within {most_en})"
    span_zh = f"{P.name_zh(since)}至{P.name_zh(last)}的{n}期"
    span_en = f"the {n} periods from {P.name_en(since)} to {P.name_en(last)}"
    out = []
    for unit, other in ((a, b), (b, a)) if lag == 0 else ((a, b),):
        name_zh = reports.unit_name(cube.units[other], "zh")
        name_en = reports.unit_name(cube.units[other], "en")
        if lag == 0:
            zh = f"与{name_zh}同期报送的数值逐期相同"
            en = f"equal to {name_en}'s reports of the same periods"
        elif a == b:
            zh = "与本单位上年同期报送的数值逐期相同"
            en = "equal to the unit's own reports a year earlier"
        elif lag == per_year:
            zh = f"与{name_zh}上年同期报送的数值逐期相同"
            en = f"equal to {name_en}'s reports a year earlier"
        else:
            before = "上一期" if lag == 1 else f"前{lag}期"
            zh = f"与{name_zh}{before}报送的数值逐期相同"
            en = f"equal to {name_en}'s reports " + (
                "of the period before" if lag == 1 else f"{lag} periods earlier"
            )
        out.append(
            {
                "check": "copied",
                "key": f"{sid}/{cube.units[other]}/{lag}",
                "unit_id": cube.units[unit],
                "period": last,
                "since": since,
                "indicator_id": sid,
                "value": float(n),
                "statistic": found["chance"],
                "reason_zh": f"{catalogue.name(sid, 'zh')}{span_zh}{zh}{near_zh}"
                f"（{odds_zh(found['chance'])}）",
                "reason_en": f"{catalogue.name(sid, 'en')} in {span_en} is {en}"
                f"{near_en} ({odds_en(found['chance'])})",
            }
        )
    return out
