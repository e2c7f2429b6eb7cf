"""瞒报为零: a series reported as 0 where the unit's own reports make a 0 unlikely,
and a cumulative series whose growth within the year is far from its usual."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from evaluation import periods as P
from evaluation.risk.quality.reports import (
    Cube,
    Reports,
    amount,
    change_words,
    nanmedian,
    odds_en,
    odds_zh,
)

#: zero: the unit's other reports of the series needed to judge a 0
ZERO_LEAST = 4

#: zero: false runs of 0 allowed per unit's series, as a share of ``chance`` (the
#: family is one unit's reports of one series, so that false flags per unit-month
#: do not grow with the city). At the whole ``chance`` (0.05) a count as calibrated
#: as the Poisson's would give about 2.5 false runs per 50 units, each covering
#: 4–12 months: 1–2 % of unit-months, the whole false-alarm budget of 2 %; a fifth
#: (0.01) keeps it near 0.3 %
ZERO_ALPHA = 0.2


def _nanmean(a: np.ndarray, axis: int | None = None):
    """``np.nanmean(a, axis)`` value for value (numpy's own steps: the missing values
    summed as 0, divided by the count), without its warning of an empty slice (NaN
    there, as numpy's): a period nobody reported (an agency's annual series in a
    monthly run) is expected here. Warning filters are process-wide, so a check
    that set them could not run beside the others (``quality.run_checks``)."""
    mask = np.isnan(a)
    arr = np.array(a, subok=True, copy=True)
    np.copyto(arr, 0, where=mask)
    count = np.sum(~mask, axis=axis, dtype=np.intp)
    total = np.sum(arr, axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        if isinstance(total, np.ndarray):
            return np.divide(total, count, out=total, casting="unsafe")
        return total.dtype.type(total / count)


def _nanmedian1d(a: np.ndarray) -> float:
    """``np.nanmedian`` of a row; NaN, without numpy's warning, where it has none."""
    return float(np.nanmedian(a)) if not np.isnan(a).all() else np.nan


def zero(reports: Reports) -> pd.DataFrame | None:
    """A report of 0 (or a run of them) in a series that cannot go below 0 (not a
    percentage), where the unit's other reports — at least as many as the run,
    mostly not 0 — make 0 unlikely, after what all units did those periods.

    The chance of a 0 is count-aware: for whole counts, a Poisson chance ``e^-λ`` at
    the unit's own mean λ (a negative binomial, with the unit's own variance, where
    its counts vary more than a Poisson's); for amounts with decimals, Student's t on
    the square-root scale (where small amounts vary alike) with the unit's own mean
    and SD. λ follows what all units did each period (their mean against their mean
    over the unit's other periods: a month when every unit reports 0 is no
    evidence). A run has the product of its periods' chances and is flagged when
    that times the unit's reports of the series is below ``chance`` ×
    :data:`ZERO_ALPHA` (0.01: the family is the unit's own series, a rate of false
    flags per unit-month)."""
    q, catalogue = reports.settings, reports.catalogue
    rows = []
    for cube in reports.cubes:
        n_s, n_t, n_u = cube.values.shape
        low = catalogue.series["valid_min"].reindex(cube.ids).to_numpy(dtype=float)
        # a total to date may well be 0 early in the year (the growth check's); a
        # percentage of a few cases is 0 % now and then (the jump check's)
        tested = (low >= 0) & ~cube.to_date & ~cube.rates
        alpha = q.chance * ZERO_ALPHA  # per unit's series
        if not np.any(cube.seen[tested]):
            continue
        half = cube.finest / 2  # (a report off the step is no 0)
        for k in np.flatnonzero(tested):
            x, seen = cube.values[k], cube.seen[k]  # periods × units
            zero_at = seen & (x < half[k])
            if not zero_at.any():
                continue
            with np.errstate(all="ignore"):
                level = _nanmean(x, axis=1)  # what all units reported each period
            whole = bool(np.all(x[seen] == np.round(x[seen])))
            # runs of 0 (first, last, unit), all at once
            edge = np.diff(np.pad(zero_at.T.astype(np.int8), ((0, 0), (1, 1))))
            who, firsts = np.nonzero(edge == 1)
            lasts = np.nonzero(edge == -1)[1] - 1
            # the unit's usual level needs as long a history besides the run,
            # mostly not 0 (else its few other reports speak for the run)
            length = lasts - firsts + 1
            tried = seen.sum(axis=0)  # per unit: its reports of the series
            others = tried[who] - length
            nonzero = others - (zero_at.sum(axis=0)[who] - length)
            keep = (others >= np.maximum(ZERO_LEAST, length)) & (2 * nonzero > others)
            if whole:  # a count's run is never below Poisson's e^-λ·L, and λ is at
                # most the unit's mean times the spread of the units' mean levels
                with np.errstate(all="ignore"):
                    # np.nanmax's and np.nanmin's own reductions (no warning)
                    most = np.fmax.reduce(level) / np.fmin.reduce(
                        np.where(level > 0, level, np.nan)
                    )
                    total = np.where(seen, x, 0).sum(axis=0)[who]
                    mean = total / np.maximum(others, 1)
                keep &= ~(most * mean * length <= np.log(tried[who] / alpha))
            runs = zip(firsts[keep], lasts[keep], who[keep], strict=True)
            for t0, t1, u in runs:
                found = _zero_run(x[:, u], seen[:, u], t0, t1, level, whole)
                if found is None:
                    continue
                chance = float(np.prod(found["p"]))
                if not chance * tried[u] < alpha:  # NaN: no chance to tell
                    continue
                rows.append(_zero_row(reports, cube, k, u, t0, t1, found, chance))
    return pd.DataFrame(rows)


def _zero_run(x, seen, t0, t1, level, whole) -> dict | None:
    """Per period of the run ``t0…t1`` of zeros, the chance of a 0 from the unit's
    other reports (None: too few of them, or they are mostly 0 themselves)."""
    other = seen.copy()
    other[t0 : t1 + 1] = False
    if other.sum() < ZERO_LEAST:
        return None
    with np.errstate(all="ignore"):
        base = _nanmean(level[other])
        ratio = np.where(np.isnan(level), 1.0, level / base)
    if not np.isfinite(base) or base <= 0:
        return None
    other &= ratio > 0  # a period when every unit reported 0 says nothing
    if other.sum() < ZERO_LEAST:
        return None
    own = x[other] / ratio[other]  # the unit's reports as at the peers' mean level
    mean = float(own.mean())
    if mean <= 0 or np.median(own) <= 0:
        return None
    lam = mean * ratio[t0 : t1 + 1]
    if whole:
        var = float(own.var(ddof=1))
        d = var / mean  # dispersion: 1 for a Poisson
        p = np.exp(-lam) if d <= 1 else d ** (-lam / (d - 1))
    else:
        r = np.sqrt(own)
        sd = float(r.std(ddof=1))
        if not sd > 0:
            return None
        t = (0 - np.sqrt(lam)) / (sd * np.sqrt(1 + 1 / len(r)))
        p = stats.t.cdf(t, df=len(r) - 1)
    return {"p": np.asarray(p, float), "mean": mean, "n": int(other.sum())}


def _zero_row(reports, cube: Cube, k, u, t0, t1, found, chance) -> dict:
    catalogue = reports.catalogue
    sid = cube.ids[k]
    name_zh, name_en = catalogue.name(sid, "zh"), catalogue.name(sid, "en")
    since, last = cube.periods[t0], cube.periods[t1]
    n = t1 - t0 + 1
    mean_zh = amount(catalogue, cube, k, found["mean"], "zh")
    mean_en = amount(catalogue, cube, k, found["mean"], "en")
    if n == 1:
        when_zh = f"{P.name_zh(since)}报0"
        when_en = f"reported 0 for {P.name_en(since)}"
    else:
        when_zh = f"自{P.name_zh(since)}起连续{n}期报0"
        when_en = (
            f"reported 0 in each of the {n} periods from {P.name_en(since)} to "
            f"{P.name_en(last)}"
        )
    return {
        "check": "zero",
        "unit_id": cube.units[u],
        "period": last,
        "since": since,
        "indicator_id": sid,
        "value": 0.0,
        "statistic": chance,
        "reason_zh": f"{name_zh}{when_zh}，本单位其余{found['n']}期平均为{mean_zh}"
        f"（按同期各单位的共同变化折算），报0的可能很小（{odds_zh(chance)}）",
        "reason_en": f"{name_en} {when_en}; the unit's other {found['n']} reports "
        f"average {mean_en} (at the level all units reported those periods) "
        f"({odds_en(chance)})",
    }


def growth(reports: Reports) -> pd.DataFrame | None:
    """虚报 in a cumulative series (rolled up by its last report, such as completion
    to date): a period's growth within the year — its value less the year's report
    before it, or the value itself in the year's first period — far from the unit's
    usual growth, after what all units grew that period (robust z above ``jump_z``
    against both the peers' growth that period and the unit's own); or a total to
    date that falls within the year while at most ``common_share`` of the other
    units' do that period (a quarter's figure inflated, the next one true)."""
    q, catalogue = reports.settings, reports.catalogue
    rows = []
    for cube in reports.cubes:
        ks = np.flatnonzero(cube.to_date)
        n_t = cube.values.shape[1]
        if not len(ks) or n_t < 2 * 2:
            continue
        years = np.array([P.year_end(str(p))[1] for p in cube.periods])
        first = np.r_[True, years[1:] != years[:-1]]
        x = cube.values[ks]
        before = np.full(x.shape, np.nan)
        before[:, 1:] = x[:, :-1]
        g = np.where(first[None, :, None], x, x - before)
        seen = ~np.isnan(g)
        if (seen.any(axis=1).sum(axis=1) < 5).all():
            continue
        with np.errstate(all="ignore"):
            e = g - nanmedian(g, axis=2)[:, :, None]  # less what all units grew
            e -= nanmedian(e, axis=1)[:, None, :]  # against the unit's usual growth
            a = np.abs(e)
            scale = np.fmax(
                1.4826 * nanmedian(a, axis=2)[:, :, None],  # peers that period
                1.4826 * nanmedian(a, axis=1)[:, None, :],  # the unit's own
            )
            np.fmax(scale, cube.step[ks][:, None, None], out=scale)
            z = e / scale
            hit = np.abs(z) > q.jump_z
            # a total to date that falls within the year, where other units' seldom do
            # (by half the finest grain reported: any fall the reports show)
            fell = ~first[None, :, None] & (g < -cube.finest[ks][:, None, None] / 2)
            n = seen.sum(axis=2)[:, :, None] - 1
            rare = (fell.sum(axis=2)[:, :, None] - 1) <= q.common_share * n
            hit |= fell & rare
        for i, t, u in zip(*np.nonzero(hit), strict=True):
            k = ks[i]
            rows.append(_growth_row(catalogue, cube, k, t, u, g[i], z[i, t, u], first))
    return pd.DataFrame(rows)


def _growth_row(catalogue, cube: Cube, k, t, u, g, z, first) -> dict:
    sid = cube.ids[k]
    period = cube.periods[t]
    usual = _nanmedian1d(np.delete(g[:, u], t))
    peers = _nanmedian1d(g[t])

    def moved(delta):  # 增加5.0个百分点; 不变 for no change
        if abs(delta) < cube.finest[k] / 2:  # as reported, however fine
            return "不变"
        return change_words(catalogue, cube, k, delta)

    if g[t, u] < 0:
        before = cube.periods[t - 1]
        was_zh = amount(catalogue, cube, k, cube.values[k, t - 1, u], "zh")
        was_en = amount(catalogue, cube, k, cube.values[k, t - 1, u], "en")
        now_zh = amount(catalogue, cube, k, cube.values[k, t, u], "zh")
        now_en = amount(catalogue, cube, k, cube.values[k, t, u], "en")
        return {
            "check": "growth",
            "key": f"{sid}/fell",  # the id of a fall is not the rise's of its since
            "unit_id": cube.units[u],
            "period": period,
            "since": before,
            "indicator_id": sid,
            "value": float(cube.values[k, t, u]),
            "statistic": float(z),
            "reason_zh": f"{catalogue.name(sid, 'zh')}为年内累计数，{P.name_zh(period)}"
            f"报{now_zh}，低于{P.name_zh(before)}的{was_zh}（累计数不应回落；"
            f"同期各单位中位数{moved(peers)}），"
            f"{P.name_zh(before)}的数可能虚高",
            "reason_en": f"{catalogue.name(sid, 'en')} is cumulative within the year "
            f"but fell from {was_en} in {P.name_en(before)} to {now_en} in "
            f"{P.name_en(period)} (the median unit's {peers:+.1f}): "
            f"{P.name_en(before)}'s figure may be inflated",
        }
    if first[t]:
        what_zh, what_en = "年初至今", "from the start of the year"
    else:
        what_zh = f"较{P.name_zh(cube.periods[t - 1])}"
        what_en = f"since {P.name_en(cube.periods[t - 1])}"
    return {
        "check": "growth",
        "unit_id": cube.units[u],
        "period": period,
        "indicator_id": sid,
        "value": float(cube.values[k, t, u]),
        "statistic": float(z),
        "reason_zh": f"{catalogue.name(sid, 'zh')}（年内累计）{P.name_zh(period)}为"
        f"{amount(catalogue, cube, k, cube.values[k, t, u], 'zh')}，{what_zh}"
        f"{moved(g[t, u])}，本单位通常每期{moved(usual)}，同期各单位中位数"
        f"{moved(peers)}，增幅异常"
        f"{'偏高' if z > 0 else '偏低'}",
        "reason_en": f"{catalogue.name(sid, 'en')} (cumulative within the year) "
        f"{amount(catalogue, cube, k, cube.values[k, t, u], 'en')} in "
        f"{P.name_en(period)}: "
        f"{g[t, u]:+.1f} {what_en}, against the unit's usual {usual:+.1f} a period "
        f"and the median unit's {peers:+.1f}: {z:+.1f} robust SDs",
    }
