"""Data-quality flags (数据质量核查): screening reported data for 瞒报、虚报、不报.

Flags are separate from performance warnings and never change a score. Each check
looks at the raw reports (every series at its own frequency, up to the run's period)
at the grain where misreporting happens — one agency's submission for a unit and
period, one series, a run of periods — and says why it fired, with the numbers and
since when, in Chinese and English:

``stable`` / ``perfect``
    a series reported with the same value ``min_periods`` times in a row (at most a
    year's worth) while that value is rare among the other units' reports of those
    periods; ``perfect`` when it is the best end of the valid range (100 % every
    month). Found in whatever window it happens, with the window's first period.
``jump``
    a value far from the unit's own typical level, after removing what all units did
    that period: robust z above ``jump_z`` against both the peers' and the unit's own
    spread (percentages on a logit scale, amounts that cannot go below 0 on a log
    scale); for a series with too short a history, its change against everyone's.
``shift``
    from some period to the latest, a level kept well above or below the unit's own
    before it (means and medians both more than ``shift_z`` standard errors apart).
``linear`` / ``rounded``
    编造 and 估报: a run of reports on an exact straight line, or all multiples of a
    coarser amount than the series is reported in.
``identical_period`` / ``identical_unit``
    one agency's whole submission for a unit and period (every series it reports
    for the unit at that frequency) equal to the unit's previous one, or to another
    unit's of the same period, where such a coincidence is unlikely (below).
``copied``
    one series of a unit equal, period by period over a run of periods, to another
    unit's (``lag`` 0), to another unit's a period or two earlier, or to its own a
    year earlier; near copies (a few values edited by less than ``copy_near`` robust
    SDs) count.
``missing`` / ``late``
    不报: an agency's whole submission left empty, or a series left empty
    ``missing_run`` periods in a row while most units reported it; 迟报: a
    submission sent after its due day (``due_days`` after the period's end).
``digits``
    last digits of a unit's counts (integers ≥ 10) far from uniform (χ² test).
``benford``
    first digits of a unit's counts far from Benford's law (χ² test), only where it
    applies: enough values spanning at least two orders of magnitude.
``outlier``
    a unit-period whose combination of period-on-period changes is isolated
    (scikit-learn's IsolationForest over robust-scaled changes, anomaly score above
    ``outlier_score``).

**Chance.** Equal values are evidence only when they are unlikely: a report's
chance of matching by coincidence is the largest of the share of other units
reporting the same value that period, the chance two units of the period agree on
any value, one reporting step over 2.5 robust SDs of the period's reports, and one
step over 2.5 robust SDs of the difference of the two series compared. A match of
several reports has the product of their chances; it is flagged when that product
times the number of matches the check tried is below ``chance`` (so about
``chance`` coincidences per check and screen). ``missing`` and ``late`` are facts and
need no chance.

:func:`submissions` lists who sent what and when (the submission tracker's table).

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
    "since",
    "indicator_id",
    "agency",
    "value",
    "statistic",
    "reason_zh",
    "reason_en",
]
DECISION_COLUMNS = ["flag_id", "decision", "comment", "decided_by", "decided_at"]
BENFORD = np.log10(1 + 1 / np.arange(1, 10))
#: checks over a unit's whole history (their ``period`` is the latest one)
SERIES_WIDE = ("digits", "benford")


def flags(
    observations: pd.DataFrame,
    catalogue: Catalogue,
    *,
    period: str | None = None,
) -> pd.DataFrame:
    """Every data-quality flag on reports up to ``period`` (default: all): each
    check of :data:`CHECKS` on the reports arranged once.

    ``since`` is the first period of a flag's evidence (its ``period`` the last);
    ``agency`` names the reporting agency of a submission-level flag."""
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
    for c in ("since", "agency", "indicator_id", "key"):
        if c not in out:
            out[c] = None
    out["since"] = out["since"].where(out["since"].notna(), out["period"])
    # ids stay the same in later runs (a decision sticks): a run of periods is named
    # by its first period, a check over the whole history or a shift (whose start
    # is estimated again each period) by none; a copy names its source and lag
    wide_check = out["check"].isin([*SERIES_WIDE, "shift"])
    windowed = out["since"] != out["period"]
    what = out["key"].fillna(out["indicator_id"]).fillna(out["agency"]).fillna("-")
    out["flag_id"] = (
        out["check"]
        + "/"
        + out["unit_id"]
        + "/"
        + what
        + np.where(
            wide_check, "", "/" + np.where(windowed, out["since"], out["period"])
        )
    )
    if out["flag_id"].duplicated().any():  # a decision must name one flag
        raise EvaluationError(
            "data-quality screen: two flags with one id "
            f"{out.loc[out['flag_id'].duplicated(), 'flag_id'].iloc[0]}"
        )
    return (
        out[COLUMNS]
        .sort_values(["period", "unit_id", "check", "flag_id"], kind="stable")
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
    agencies: np.ndarray  #: per series, the agency reporting it
    frequency: str
    periods: pd.Index  #: labels as reported (the dtype of the period column)
    units: pd.Index  #: ids as reported (the dtype of the unit_id column)
    values: np.ndarray
    blank: np.ndarray  #: a row sent with an empty value (不报 when it persists)
    logged: np.ndarray  #: per series: volumes, compared on a log scale
    #: per series: percentages (valid 0–100), compared on a logit scale
    rates: np.ndarray
    #: per series: cumulative within the year (rolled up by its ``last`` report)
    cumulative: np.ndarray

    @cached_property
    def seen(self) -> np.ndarray:
        return ~np.isnan(self.values)

    @cached_property
    def levels(self) -> np.ndarray:
        """The values with volumes on a log scale (``log1p``, negatives as 0) and
        percentages on a logit scale (``log(p / (1 - p))``, p within 0.5 %–99.5 %),
        where a common change moves every unit alike: a Spring Festival dip that
        takes 3 points off a unit at 95 % takes less off one at 99 %."""
        y = self.values.copy()
        for k in np.flatnonzero(self.logged):
            np.log1p(np.maximum(y[k], 0, out=y[k]), out=y[k])
        for k in np.flatnonzero(self.rates & ~self.logged):
            p = np.clip(y[k] / 100, 0.005, 0.995)
            y[k] = np.log(p / (1 - p))
        return y

    @cached_property
    def step(self) -> np.ndarray:
        """Per series, the reporting step: the largest of 1, 0.1 … 1e-6 that every
        value is a multiple of (0.1 for rates with one decimal)."""
        out = np.full(len(self.ids), 1e-6)
        for k in range(len(self.ids)):
            x = self.values[k][self.seen[k]]
            for d in range(7):
                y = x * 10.0**d
                if np.all(np.abs(y - np.round(y)) < 1e-6 * np.maximum(1, np.abs(y))):
                    out[k] = 10.0**-d
                    break
        return out

    @cached_property
    def reporting(self) -> np.ndarray:
        """Per series and period, how many units reported a value."""
        return self.seen.sum(axis=2)

    @cached_property
    def ties(self) -> np.ndarray:
        """Per report, how many units reported the same value for that series and
        period, itself included (0 where nothing was reported)."""
        v = self.values
        order = np.argsort(v, axis=2, kind="stable")  # missing values last
        s = np.take_along_axis(v, order, axis=2)
        n = v.shape[2]
        new = np.ones(s.shape, bool)
        new[..., 1:] = s[..., 1:] != s[..., :-1]
        idx = np.broadcast_to(np.arange(n), s.shape)
        start = np.maximum.accumulate(np.where(new, idx, 0), axis=2)
        last = np.ones(s.shape, bool)
        last[..., :-1] = new[..., 1:]
        end = np.flip(
            np.minimum.accumulate(np.flip(np.where(last, idx, n - 1), 2), axis=2), 2
        )
        out = np.empty(v.shape, np.int64)
        np.put_along_axis(out, order, end - start + 1, axis=2)
        out[~self.seen] = 0
        return out

    @cached_property
    def spread(self) -> np.ndarray:
        """Per series and period, the robust SD of the units' reports (1.4826 MAD),
        at least the reporting step."""
        mid = nanmedian(self.values, axis=2)
        mad = nanmedian(np.abs(self.values - mid[:, :, None]), axis=2)
        return np.fmax(1.4826 * mad, self.step[:, None])

    @cached_property
    def own_spread(self) -> np.ndarray:
        """Per series and unit, the robust SD of the unit's own reports over the
        periods (1.4826 MAD; NaN with fewer than 3)."""
        mid = nanmedian(self.values, axis=1)
        mad = 1.4826 * nanmedian(np.abs(self.values - mid[:, None, :]), axis=1)
        return np.where(self.seen.sum(axis=1) >= 3, mad, np.nan)

    def equal_by_chance(self, sd: np.ndarray, series=slice(None)) -> np.ndarray:
        """The chance that two reports of a series whose difference has robust SD
        ``sd`` are equal to the reporting step: step ÷ (2.5 · sd), at most 1."""
        with np.errstate(divide="ignore", invalid="ignore"):
            p = self.step[series] / (2.5 * sd)
        return np.where(np.isnan(p) | (p > 1), 1.0, p)

    def share(self, shared: int = 1) -> np.ndarray:
        """Per report, the share of the other units reporting the same value that
        period (not counting ``shared - 1`` units known to share it)."""
        cache = self.__dict__.setdefault("_share", {})
        if shared not in cache:
            n = self.reporting[:, :, None]
            with np.errstate(divide="ignore", invalid="ignore"):
                cache[shared] = np.nan_to_num((self.ties - shared) / (n - shared))
        return cache[shared]

    @cached_property
    def runs(self) -> dict[str, np.ndarray]:
        """Runs of equal reports (:func:`_equal_runs`), and per report the running
        counts of the other units' reports (``others``) and of those equal to it
        (``same``), to measure how common a run's value is."""
        out = _equal_runs(self)
        out["others"] = np.where(self.seen, self.reporting[:, :, None] - 1, 0).cumsum(
            axis=1
        )
        out["same"] = np.where(self.seen, self.ties - 1, 0).cumsum(axis=1)
        out["rate"] = _repeat_rate(out["length"] > 1, self.seen)
        return out

    def rarity(self, shared: int = 1) -> np.ndarray:
        """Per report, the chance that one other unit reports the same value that
        period: the share of the other units that do (not counting ``shared - 1``
        units known to share it), at least the chance that two units of that period
        agree on any value, and at least step ÷ (2.5 robust SDs); at most 1."""
        cache = self.__dict__.setdefault("_rarity", {})
        if shared in cache:
            return cache[shared]
        n = self.reporting[:, :, None]
        share = self.share(shared)
        with np.errstate(divide="ignore", invalid="ignore"):
            agree = (self.ties.sum(axis=2, keepdims=True) - n) / (n * (n - 1))
        floor = self.step[:, None, None] / (2.5 * self.spread[:, :, None])
        out = np.fmax(np.fmax(share, np.nan_to_num(agree)), floor)
        cache[shared] = np.clip(out, 0, 1)
        return cache[shared]


@dataclass(frozen=True)
class Reports:
    """Reports arranged once for every check: a cube per frequency, and the rows
    (integer codes into ``series``, ``units``, ``periods``) for the digit tests and
    the submission dates."""

    catalogue: Catalogue
    cubes: list[Cube]
    series: pd.Index
    units: pd.Index
    periods: pd.Index
    month: np.ndarray  #: per period label, its month index
    rows: dict[str, np.ndarray]  #: series, unit, period codes and value, in order
    keep: np.ndarray  #: rows reported (a value) up to the period screened
    sent: np.ndarray  #: rows sent (a value or an empty cell) up to that period
    reported_at: np.ndarray | None  #: per row, the day it was sent (datetime64[D])

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
    sent = (p_codes >= 0) & (s_codes >= 0) & (u_codes >= 0)
    if period is not None:
        end = P.month_index(pd.Series([period]))[0]
        sent &= np.append(month <= end, False)[p_codes]
    keep = sent & ~np.isnan(value)
    rows = {"series": s_codes, "unit": u_codes, "period": p_codes, "value": value}
    reported_at = None
    if "reported_at" in observations:
        # few distinct dates: parse each once
        codes, dates = pd.factorize(observations["reported_at"])
        days = pd.to_datetime(
            pd.Series(dates, dtype=object), errors="coerce", format="ISO8601"
        ).to_numpy(dtype="datetime64[D]")
        reported_at = np.append(days, np.datetime64("NaT", "D"))[codes]
    # the series reported, in the catalogue's order (whatever the rows' order)
    present = np.unique(s_codes[keep])
    meta = catalogue.series.loc[series[present]]  # an unknown series is an error
    order = present[np.argsort(catalogue.series.index.get_indexer(meta.index))]
    meta = catalogue.series.loc[series[order]]
    freqs = list(catalogue.series["frequency"].unique())
    freq_of = np.full(len(series) + 1, -1)  # per series code (-1: none), its cube
    freq_of[order] = [freqs.index(f) for f in meta["frequency"]]
    row_freq = freq_of[s_codes]
    cubes = []
    for f, freq in enumerate(freqs):
        mine = order[(meta["frequency"] == freq).to_numpy()]
        if len(mine):
            at = np.flatnonzero(row_freq == f)  # this frequency's rows only
            sub = {name: v[at] for name, v in rows.items()}
            cube = _cube(sub, keep[at], sent[at], mine, series, units, periods, month)
            about = catalogue.series.loc[cube.ids]
            rates = (about["valid_min"] == 0) & (about["valid_max"] == 100)
            rollup = catalogue.table["rollup"].reindex(cube.ids)
            # amounts that cannot go below 0 (counts, days, costs, ratios) change by
            # multiples: compared on a log scale like volumes
            positive = (about["valid_min"] >= 0) & ~rates
            np.logical_or(
                cube.logged,
                positive.to_numpy(dtype=bool)
                & (np.nanmedian(cube.values, axis=(1, 2)) > 0),
                out=cube.logged,
            )
            cubes.append(
                Cube(
                    agencies=about["agency"].to_numpy(dtype=object),
                    frequency=freq,
                    rates=rates.to_numpy(dtype=bool),
                    cumulative=(rollup == "last").to_numpy(dtype=bool),
                    **cube.__dict__,
                )
            )
    return Reports(
        catalogue, cubes, series, units, periods, month, rows, keep, sent, reported_at
    )


@dataclass(frozen=True)
class _Arrays:
    ids: list[str]
    periods: pd.Index
    units: pd.Index
    values: np.ndarray
    blank: np.ndarray
    logged: np.ndarray


def _cube(rows, keep, sent, mine, series, units, periods, month) -> _Arrays:
    """The arrays of series ``mine`` (codes into ``series``) from the kept rows."""
    s_pos = np.full(len(series), -1)
    s_pos[mine] = np.arange(len(mine))
    s = s_pos[rows["series"]]
    mine_rows = s >= 0
    # the periods these series have values in, chronological (labels of one month,
    # mixed frequencies, by label)
    p_used = np.zeros(len(periods), bool)
    p_used[rows["period"][keep & mine_rows]] = True
    p_used = np.array(
        sorted(np.flatnonzero(p_used), key=lambda c: (month[c], periods[c])),
        dtype=np.intp,
    )
    p_pos = np.full(len(periods) + 1, -1)
    p_pos[p_used] = np.arange(len(p_used))
    t = p_pos[rows["period"]]
    mine_rows &= t >= 0
    shape = (len(mine), len(p_used), len(units))
    size = shape[0] * shape[1] * shape[2]
    at = s * shape[1]
    at += t
    at *= shape[2]
    at += rows["unit"]
    where = np.where(keep & mine_rows, at, size)  # other rows go to a spare cell
    values = np.full(size + 1, np.nan)
    values[where] = rows["value"]
    values = values[:size].reshape(shape)
    seen = ~np.isnan(values)
    if seen.sum() != np.count_nonzero(where < size):
        raise EvaluationError(
            "data-quality screen: a unit reports a series twice for one period"
        )
    blank = np.zeros(size + 1, bool)
    blank[np.where(sent & ~keep & mine_rows, at, size)] = True
    blank = blank[:size].reshape(shape)
    u_used = np.flatnonzero(seen.any(axis=(0, 1)))  # units sorted by id
    if len(u_used) < shape[2]:
        values, blank = values[:, :, u_used], blank[:, :, u_used]
    return _Arrays(
        ids=list(series[mine]),
        periods=periods[p_used],
        units=units[u_used],
        values=values,
        blank=blank,
        logged=np.array([_is_volume(values[k]) for k in range(len(mine))], bool),
    )


# -------------------------------------------------------------------- checks
def window(frequency: str, settings: QualitySettings) -> int:
    """Reports in a row that make a run: ``min_periods``, at most a year's worth,
    at least 3 (6 months, 4 quarters, 3 half-years)."""
    per_year = 12 // P.months_per(frequency)
    return max(3, min(settings.min_periods, per_year))


def _stable(reports: Reports) -> pd.DataFrame | None:
    """A value repeated in a run of periods, rare among peers (not the best value)."""
    return _constant(reports, perfect=False)


def _perfect(reports: Reports) -> pd.DataFrame | None:
    """The best value of the valid range in a run of periods, rare among peers."""
    return _constant(reports, perfect=True)


def _constant(reports: Reports, *, perfect: bool) -> pd.DataFrame | None:
    q, catalogue = reports.settings, reports.catalogue
    rows = []
    for cube in reports.cubes:
        w = window(cube.frequency, q)
        run = cube.runs
        k, t, u = np.nonzero(run["end"] & (run["length"] >= w))
        if not len(k):
            continue
        t0, length = run["start"][k, t, u], run["length"][k, t, u]
        # how common the value is among the other units' reports of the run
        others, same = run["others"], run["same"]

        def over_run(c, k=k, t=t, u=u, t0=t0):
            return c[k, t, u] - np.where(t0 > 0, c[k, np.maximum(t0 - 1, 0), u], 0)

        n_others = over_run(others)
        share = np.divide(  # no other reporter: nothing common, the chance decides
            over_run(same), n_others, out=np.zeros(len(k)), where=n_others > 0
        )
        chance = _run_chance(cube, run, k, t, u, t0)
        if perfect:  # the best possible value is itself unlikely, not only its repeats
            chance += np.log(cube.rarity()[k, t0, u])
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
                    f"{_amount(catalogue, cube, kk, prev, 'zh')}"
                )
                was_en = (
                    f"; it was {_amount(catalogue, cube, kk, prev, 'en')} in "
                    f"{cube.periods[before]}"
                )
            if share[i] > 0:
                peers_zh = f"；同期其他单位的报送仅{share[i]:.0%}为此值"
                peers_en = (
                    f"; only {share[i]:.0%} of other units' reports of those "
                    "periods have this value"
                )
            else:
                peers_zh = "；同期其他单位均无此值"
                peers_en = "; no other unit reported this value in those periods"
            amount_zh = _amount(catalogue, cube, kk, v, "zh")
            amount_en = _amount(catalogue, cube, kk, v, "en")
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
                    f"{m} periods from {since} to {last}"
                    + (" (the best possible)" if perfect else "")
                    + was_en
                    + peers_en,
                }
            )
    return pd.DataFrame(rows)


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


def _equal_runs(cube: Cube) -> dict[str, np.ndarray]:
    """Runs of equal reports along the periods (gaps skipped), per report: the
    run's ``length`` so far, its ``start`` period, whether the report ``end``\\ s
    it, and (at a run's start) the period of the report ``before`` it (-1: none)."""
    v, seen = cube.values, cube.seen
    n_t = v.shape[1]
    t = np.arange(n_t)[None, :, None]
    last = np.maximum.accumulate(np.where(seen, t, -1), axis=1)
    before = np.full(v.shape, -1)
    before[:, 1:] = last[:, :-1]
    same = seen & (before >= 0)
    same &= v == np.take_along_axis(v, np.maximum(before, 0), axis=1)
    new = seen & ~same
    count = np.cumsum(seen, axis=1)
    length = np.where(
        seen, count - np.maximum.accumulate(np.where(new, count, 0), axis=1) + 1, 0
    )
    start = np.maximum.accumulate(np.where(new, t, 0), axis=1)
    nxt = np.flip(np.minimum.accumulate(np.flip(np.where(seen, t, n_t), 1), axis=1), 1)
    following = np.full(v.shape, n_t)
    following[:, :-1] = nxt[:, 1:]
    ends = following == n_t
    ends |= np.take_along_axis(np.pad(new, ((0, 0), (0, 1), (0, 0))), following, 1)
    return {"length": length, "start": start, "end": seen & ends, "before": before}


def _shift(reports: Reports) -> pd.DataFrame | None:
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
            step = np.abs(np.diff(r, axis=1))
            noise = 1.4826 * nanmedian(step, axis=1) / np.sqrt(2)  # series × units
            typical = nanmedian(noise, axis=1)[:, None]
            noise = np.fmax(noise, 0.5 * typical)
        seen = ~np.isnan(r)
        total = np.where(seen, r, 0.0).cumsum(axis=1)
        count = seen.cumsum(axis=1)
        n_b = count[:, :-1]  # reports before each split (after period t)
        n_a = count[:, -1:] - n_b
        with np.errstate(all="ignore"):
            gap = (total[:, -1:] - total[:, :-1]) / n_a - total[:, :-1] / n_b
            z = gap / (noise[:, None, :] * np.sqrt(1 / n_a + 1 / n_b))
        z[(n_b < least) | (n_a < least) | ~np.isfinite(z)] = 0.0
        z[cube.cumulative] = 0.0  # a year's climb is not a shift
        at = np.abs(z).argmax(axis=1)  # series × units: the best split
        best = np.take_along_axis(z, at[:, None, :], axis=1)[:, 0]
        for k, u in zip(*np.nonzero(np.abs(best) > q.shift_z), strict=True):
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
            zh_dir = "明显下降" if best[k, u] < 0 else "明显上升"
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
                    f"{zh_dir}：此后中位数{_amount(catalogue, cube, k, after, 'zh')}，"
                    f"此前{_amount(catalogue, cube, k, before, 'zh')}，扣除同期共同"
                    f"变化后相差{best[k, u]:+.1f}个标准误",
                    "reason_en": f"{catalogue.name(sid, 'en')} {en_dir} from {since}: "
                    f"median {_amount(catalogue, cube, k, after, 'en')} since, "
                    f"{_amount(catalogue, cube, k, before, 'en')} before, "
                    f"{best[k, u]:+.1f} standard errors after what all units did",
                }
            )
    return pd.DataFrame(rows)


def _linear(reports: Reports) -> pd.DataFrame | None:
    """编造: a run of reports rising or falling by the same amount every period (an
    exact straight line, to the reporting step), unlikely for real reports by the
    chance rule (each second difference within one step as often as the unit's own
    second differences outside the run, or a typical unit's, would allow)."""
    q, catalogue = reports.settings, reports.catalogue
    rows = []
    for cube in reports.cubes:
        n_s, n_t, n_u = cube.values.shape
        w = window(cube.frequency, q)
        if n_t < w:
            continue
        x = cube.values
        step = cube.step[:, None, None]
        d1 = np.diff(x, axis=1)
        d2 = np.diff(x, n=2, axis=1)  # NaN around gaps: they end a run
        with np.errstate(invalid="ignore"):
            even = (np.abs(d2) <= step * 1.01) & (np.abs(d1[:, 1:]) >= step * 0.99)
        # runs of even steps: a run of m second differences spans m + 2 reports
        run = np.zeros(even.shape, np.int64)
        for t in range(even.shape[1]):
            run[:, t] = np.where(even[:, t], (run[:, t - 1] if t else 0) + 1, 0)
        follows = np.zeros(even.shape, bool)
        follows[:, :-1] = run[:, 1:] > 0
        k, t, u = np.nonzero((run >= w - 2) & ~follows)
        if not len(k):
            continue
        m = run[k, t, u]
        # the chance of a second difference within one step, for this unit
        with np.errstate(invalid="ignore"):
            spread = 1.4826 * nanmedian(np.abs(d2), axis=1)  # series × units
            typical = nanmedian(spread, axis=1)
        inside = np.arange(d2.shape[1])[None, :]
        inside = (inside > (t - m)[:, None]) & (inside <= t[:, None])
        outside = np.where(inside, np.nan, d2[k, :, u])
        own = 1.4826 * nanmedian(np.abs(outside), axis=1)
        own = np.where(np.sum(~np.isnan(outside), axis=1) >= 3, own, typical[k])
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
                    f"{_amount(catalogue, cube, k[i], a, 'zh')}"
                    f"到{_amount(catalogue, cube, k[i], b, 'zh')}，每期变化均约为"
                    f"{per:+.3g}，呈等差直线（{_odds_zh(odds)}）",
                    "reason_en": f"{catalogue.name(sid, 'en')} goes from "
                    f"{_amount(catalogue, cube, k[i], a, 'en')} to "
                    f"{_amount(catalogue, cube, k[i], b, 'en')} in the {n} periods "
                    f"from {since} to {end}, by {per:+.3g} every period: a straight "
                    f"line ({_odds_en(odds)})",
                }
            )
    return pd.DataFrame(rows)


#: multiples (of a series' reporting step) that rounding leaves, coarsest first
_ROUND = (10_000, 5_000, 1_000, 500, 100, 50, 10, 5)


def _rounded(reports: Reports) -> pd.DataFrame | None:
    """估报: a run of reports all rounded to a coarser multiple than the series is
    reported in (every value a multiple of 10 where others report to 0.01), unlikely
    by the chance rule: each report as coarse as that as often as the series'
    reports are. A unit whose every report is coarse may just have small numbers
    behind its rates (12 of 20 is 60 %): over its whole history, only rounding to
    100 steps or more counts (every cost a whole yuan, every rate a multiple of 10)."""
    q, catalogue = reports.settings, reports.catalogue
    rows = []
    for cube in reports.cubes:
        n_s, n_t, n_u = cube.values.shape
        w = window(cube.frequency, q)
        seen = cube.seen
        n = np.rint(np.where(seen, cube.values, 0) / cube.step[:, None, None])
        n = n.astype(np.int64)
        about = reports.catalogue.series.loc[cube.ids]
        bound = n == 0
        bound |= cube.values == about["valid_min"].to_numpy()[:, None, None]
        bound |= cube.values == about["valid_max"].to_numpy()[:, None, None]
        coarse = np.ones(n.shape, np.int64)  # the coarsest multiple of each report
        for m in reversed(_ROUND):
            coarse = np.where((n % m == 0) & seen & ~bound, m, coarse)
        # how often a report of the series (not at a bound) is at least that coarse
        eligible = (seen & ~bound).sum(axis=(1, 2))
        log_p = np.zeros(n.shape)
        for m in _ROUND:
            share = ((coarse >= m).sum(axis=(1, 2)) + 1) / (eligible + 2)
            log_p = np.where(coarse == m, np.log(share)[:, None, None], log_p)
        ok = coarse > 1
        run = np.zeros(n.shape, np.int64)
        for t in range(n_t):  # gaps end a run
            run[:, t] = np.where(ok[:, t], (run[:, t - 1] if t else 0) + 1, 0)
        follows = np.zeros(n.shape, bool)
        follows[:, :-1] = run[:, 1:] > 0
        tried = np.log(float(seen.sum()))
        for k, t, u in zip(*np.nonzero((run >= w) & ~follows), strict=True):
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
            unit_zh = _unit_word(catalogue, cube.ids[k], "zh")
            grain = int(coarse[k, t - m + 1 : t + 1, u].min()) * cube.step[k]
            sid, since, end = cube.ids[k], cube.periods[t - m + 1], cube.periods[t]
            shown = "、".join(f"{v:g}" for v in x[:4])
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
                    f"连续{m}期均为{grain:g}{unit_zh}的整数倍（{shown}…），"
                    f"疑为估报（{_odds_zh(odds)}）",
                    "reason_en": f"{catalogue.name(sid, 'en')} is a multiple of "
                    f"{grain:g} in all {m} periods from {since} to {end} "
                    f"({', '.join(f'{v:g}' for v in x[:4])}…): estimated rather "
                    f"than counted? ({_odds_en(odds)})",
                }
            )
    return pd.DataFrame(rows)


def _jumps(reports: Reports) -> pd.DataFrame | None:
    """A value far from the unit's own typical level after what all units did; for
    a series with too short a history (annual, half-year), a change from the period
    before far from the changes all units made."""
    q, catalogue = reports.settings, reports.catalogue
    parts = []
    for cube in reports.cubes:
        seen = cube.seen
        # enough history, and enough peers, to know what is usual
        peers = seen.any(axis=1).sum(axis=1) >= 5
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
                np.flatnonzero(ok)[k],
                cube,
                t,
                u,
                x[k, t, u],
                e[k, t, u] / scale[k, t, u],
                typical,
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else None


def _changes(catalogue, cube: Cube, ks: np.ndarray, q) -> pd.DataFrame | None:
    """Series ``ks`` (too short a history for a usual level): a change from the
    unit's previous report far from the changes all units made that period."""
    y = cube.levels[ks]
    with np.errstate(all="ignore"):
        c = y[:, 1:] - y[:, :-1]
        e = c - nanmedian(c, axis=2)[:, :, None]
        a = np.abs(e)
        scale = 1.4826 * nanmedian(a, axis=2)[:, :, None]
        np.fmax(scale, 1.4826 * nanmedian(a, axis=(1, 2))[:, None, None], out=scale)
        hit = (a / scale > q.jump_z) & (scale > 0)
    if not hit.any():
        return None
    i, t, u = np.nonzero(hit)
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
                "reason_zh": f"{catalogue.name(sid, 'zh')}"
                f"{_amount(catalogue, cube, kk, v, 'zh')}，上期（"
                f"{P.name_zh(cube.periods[tt])}）为"
                f"{_amount(catalogue, cube, kk, w, 'zh')}"
                f"，变化幅度与同期各单位的变化相比偏离{r:+.1f}个稳健标准差"
                f"{_scale_words(cube, kk, 'zh')}",
                "reason_en": f"{catalogue.name(sid, 'en')} "
                f"{_amount(catalogue, cube, kk, v, 'en')} against "
                f"{_amount(catalogue, cube, kk, w, 'en')} in {cube.periods[tt]}: a "
                f"change {r:+.1f} robust SDs from the changes all units made"
                f"{_scale_words(cube, kk, 'en')}",
            }
        )
    return pd.DataFrame(rows)


def _jump_rows(catalogue, sids, ks, cube, t, u, x, z, typical) -> pd.DataFrame:
    zh = {s: catalogue.name(s, "zh") for s in set(sids)}
    en = {s: catalogue.name(s, "en") for s in set(sids)}
    scale_zh = {k: _scale_words(cube, k, "zh") for k in set(ks)}
    scale_en = {k: _scale_words(cube, k, "en") for k in set(ks)}
    rows = zip(sids, ks, x, typical, z, strict=True)
    reason_zh, reason_en = [], []
    for s, k, v, m, r in rows:
        reason_zh.append(
            f"{zh[s]}{_amount(catalogue, cube, k, v, 'zh')}，本单位通常为"
            f"{_amount(catalogue, cube, k, m, 'zh')}，扣除同期共同变化后偏离"
            f"{r:+.1f}个稳健标准差{scale_zh[k]}"
        )
        reason_en.append(
            f"{en[s]} {_amount(catalogue, cube, k, v, 'en')} against the unit's "
            f"usual {_amount(catalogue, cube, k, m, 'en')}: {r:+.1f} robust SDs "
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


def _scale_words(cube: Cube, k: int, lang: str) -> str:
    """The scale a series is compared on, as a reason's closing words."""
    if cube.logged[k]:
        return "（按对数尺度比较）" if lang == "zh" else " (compared on a log scale)"
    if cube.rates[k]:
        return (
            "（按比率的对数几率尺度比较）"
            if lang == "zh"
            else " (compared on a logit scale)"
        )
    return ""


def _repeat_rate(repeat: np.ndarray, tried: np.ndarray) -> np.ndarray:
    """Per series, how often a typical unit's report repeats its previous one: the
    median over units of their share of repeats, so that the few units that freeze
    a series do not make freezing look usual."""
    n = tried.sum(axis=1)
    share = np.where(n > 0, repeat.sum(axis=1) / np.maximum(n, 1), np.nan)
    return np.nan_to_num(nanmedian(share, axis=1))


def _submissions(cube: Cube):
    """Per agency reporting at this frequency: the rows of its series in the cube."""
    for agency in dict.fromkeys(cube.agencies):
        yield agency, np.flatnonzero(cube.agencies == agency)


def _identical_period(reports: Reports) -> pd.DataFrame | None:
    """An agency's whole submission for a unit equal to its previous period's."""
    q, catalogue = reports.settings, reports.catalogue
    rows = []
    for cube in reports.cubes:
        v, seen = cube.values, cube.seen
        if v.shape[1] < 2:
            continue
        both = seen[:, 1:] & seen[:, :-1]
        eq = both & (v[:, 1:] == v[:, :-1])
        # a report repeats by chance as often as the series repeats for a typical
        # unit, and at least as often as other units share its value
        rate = _repeat_rate(eq, both)
        p = np.fmax(cube.share()[:, 1:], rate[:, None, None])
        own = cube.equal_by_chance(np.sqrt(2) * cube.own_spread, np.s_[:, None])
        p = np.fmax(p, own[:, None, :])
        log_p = np.log(np.where(eq, p, 1.0))
        tried = 0
        hits = []
        for agency, g in _submissions(cube):
            n_eq = eq[g].sum(axis=0)  # periods-1 × units
            whole = np.all(eq[g] | ~seen[g, 1:], axis=0) & (
                n_eq >= q.identical_min_values
            )
            tried += int(np.count_nonzero(seen[g, 1:].any(axis=0)))
            hits.append((agency, g, whole, log_p[g].sum(axis=0)))
        for agency, g, whole, chance in hits:
            # a run of repeats is as unlikely as all of them together
            for t0, t1, u in _runs_of(whole):  # t1 + 1 repeats t1 … t0 + 1 repeats t0
                log_run = chance[t0 : t1 + 1, u].sum()
                if log_run + np.log(tried) >= np.log(q.chance):
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
                    en = f"all {n} values sent for {last} are identical to {source}'s"
                else:
                    zh = (
                        f"报送的{P.name_zh(first)}至{P.name_zh(last)}各期数据（{n}项）"
                        f"均与{P.name_zh(source)}完全相同"
                    )
                    en = (
                        f"all {n} values sent for each period from {first} to {last} "
                        f"are identical to {source}'s"
                    )
                rows.append(
                    _submission_row(
                        catalogue, "identical_period", cube, agency, g, t1 + 1, u,
                        p_run, since=first, zh=zh, en=en,
                    )
                )  # fmt: skip
    return pd.DataFrame(rows)


def _submission_row(
    catalogue, check, cube, agency, g, t, u, chance, *, zh, en, since=None
):
    """A flag on one agency's submission for a unit and period (``chance``: of a
    coincidence, said in the reason; None: not a matter of chance)."""
    a_zh, a_en = catalogue.name(agency, "zh"), catalogue.name(agency, "en")
    odds_zh = f"（{_odds_zh(chance)}）" if chance is not None else ""
    odds_en = f" ({_odds_en(chance)})" if chance is not None else ""
    return {
        "check": check,
        "unit_id": cube.units[u],
        "period": cube.periods[t],
        "since": since,
        "agency": agency,
        "value": float((cube.seen[g, t, u] | cube.blank[g, t, u]).sum()),
        "statistic": chance if chance is not None else np.nan,
        "reason_zh": f"{a_zh}{zh}{odds_zh}",
        "reason_en": f"{a_en}: {en}{odds_en}",
    }


def _runs_of(hit: np.ndarray):
    """(first, last, column) of each run of True along the first axis of ``hit``."""
    padded = np.zeros((hit.shape[0] + 2, hit.shape[1]), np.int8)
    padded[1:-1] = hit
    edge = np.diff(padded, axis=0)
    starts, ends = np.nonzero(edge.T == 1), np.nonzero(edge.T == -1)
    for u, t0, t1 in zip(starts[0], starts[1], ends[1] - 1, strict=True):
        yield int(t0), int(t1), int(u)


def _identical_unit(reports: Reports) -> pd.DataFrame | None:
    """An agency's whole submission for a unit equal to another unit's that period."""
    q, catalogue = reports.settings, reports.catalogue
    rows = []
    for cube in reports.cubes:
        seen = cube.seen
        if seen.shape[2] < 2:
            continue
        rarity = cube.rarity(shared=2)
        x = np.rint(cube.values / cube.step[:, None, None])  # as compared
        x = np.where(seen, x, 0).astype(np.int64)
        for agency, g in _submissions(cube):
            n_ok = seen[g].sum(axis=0)  # periods × units
            t, u = np.nonzero(n_ok >= q.identical_min_values)
            if not len(t):
                continue
            with np.errstate(over="ignore"):  # a hash: wrapping is fine
                key = t.astype(np.int64) * _SALT[1, 0]
                for i, k in enumerate(g):  # a missing value hashes as itself
                    key += np.where(
                        seen[k, t, u], x[k, t, u] * _SALT[0, i], _SALT[1, i + 1]
                    )
            twin = pd.Series(key).duplicated(keep=False).to_numpy()
            n = cube.reporting[g].max(axis=0)  # units per period
            tried = float(np.sum(n * (n - 1) / 2))
            # the chance can only grow with the pair's own spread: drop at once
            # what the peers' values already make likely
            at_least = np.where(seen[g][:, t, u], np.log(rarity[g][:, t, u]), 0.0)
            twin = twin & (at_least.sum(axis=0) + np.log(tried) < np.log(q.chance))
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
                names = list(cube.units[j])  # in unit order
                for unit, jj in zip(names, j, strict=True):
                    others = "、".join(m for m in names if m != unit)
                    rows.append(
                        _submission_row(
                            catalogue, "identical_unit", cube, agency, g, ti, jj,
                            chance,
                            zh=f"报送的{P.name_zh(cube.periods[ti])}数据"
                            f"（{int(n_ok[ti, jj])}项）与{others}完全相同",
                            en=f"all {int(n_ok[ti, jj])} values sent for "
                            f"{cube.periods[ti]} are identical to "
                            f"{others.replace('、', ', ')}'s",
                        )
                    )  # fmt: skip
    return pd.DataFrame(rows)


def _unit_word(catalogue: Catalogue, sid: str, lang: str) -> str:
    """A series' unit as it follows a number ("%", "件", "个工作日"); none for a
    bare ratio."""
    for item in (*catalogue.indicators, *catalogue.context):
        if item.id == sid:
            word = item.unit_zh if lang == "zh" else item.unit_en
            break
    else:
        return ""
    if word in ("比值", "ratio", "比率"):
        return ""
    if lang == "zh":
        return "个工作日" if word == "工作日" else word
    return word if word == "%" else f" {word}"


def _amount(catalogue: Catalogue, cube: Cube, k: int, value: float, lang: str) -> str:
    """A reported value as the agency reports it: the series' decimals, thousands
    separated, its unit after it (``96.7%``, ``1,235件``)."""
    if value is None or not np.isfinite(value):
        return "—"
    step = cube.step[k]
    decimals = max(0, int(round(-np.log10(step)))) if step < 1 else 0
    decimals = min(decimals, 6)
    text = f"{value:,.{decimals}f}"
    if decimals and abs(value - round(value, decimals)) > 1e-9:  # a median between
        text = f"{value:,.{decimals + 1}f}"
    return text + _unit_word(catalogue, cube.ids[k], lang)


def _odds_zh(chance: float) -> str:
    if chance < 1e-8:
        return "偶然如此的概率不足一亿分之一"
    return f"偶然如此的概率约为1/{_one_in(chance)}"


def _odds_en(chance: float) -> str:
    if chance < 1e-8:
        return "less than a 1 in 100 million chance of a coincidence"
    return f"about a 1 in {_one_in(chance)} chance of a coincidence"


def _one_in(chance: float) -> str:
    """1/chance to two significant digits, with thousands separators."""
    x = 1 / max(chance, 1e-300)
    digits = max(int(np.floor(np.log10(x))) - 1, 0)
    return f"{round(x, -digits):,.0f}"


def _copied(reports: Reports) -> pd.DataFrame | None:
    """A series equal, period by period over a run, to another unit's (the same
    periods, a period or two earlier, or a year earlier) or to its own a year earlier.

    Candidates are pairs sharing a short window of values exactly (hashed: no pair is
    compared unless they do); each is then checked over the whole series.
    """
    q, catalogue = reports.settings, reports.catalogue
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
            rows.extend(_copy_rows(catalogue, cube, k, a, b, lag, per_year, found))
    return pd.DataFrame(rows)


_SALT = np.random.default_rng(20261202).integers(1, 2**62, size=(2, 4096)) | 1
#: isolation forest: rows whose changes are all within this many robust SDs are
#: not scored (checked: the same flags on the sample and the corpus cities)
OUTLIER_LEAST = 3.0
#: isolation forest: fitted on at most this many rows (drawn at random, seed 0)
OUTLIER_FIT_ROWS = 20_000
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
    x = np.where(seen, np.rint(cube.values / cube.step[:, None, None]), 0)
    x = x.astype(np.int64)
    rare = cube.rarity() < q.common_share
    key = np.zeros((n_s, n_w, n_u), np.int64)
    ok = np.ones((n_s, n_w, n_u), bool)
    varied = np.zeros((n_s, n_w, n_u), bool)
    informative = np.zeros((n_s, n_w, n_u), bool)
    with np.errstate(over="ignore"):
        for j in range(h):
            key *= _SALT[0, j]
            key += x[:, j : j + n_w]
            ok &= seen[:, j : j + n_w]
            informative |= rare[:, j : j + n_w]
            if j:
                varied |= x[:, j : j + n_w] != x[:, :n_w]
        key += np.arange(n_s, dtype=np.int64)[:, None, None] * _SALT[1, 0]
    ok &= varied & informative
    k, s, u = np.nonzero(ok)
    key = key[k, s, u]
    twin = pd.Series(key).duplicated(keep=False).to_numpy()
    k, s, u, key = k[twin], s[twin], u[twin], key[twin]
    # a window of values that many units share is no one's signature
    _, group, size = np.unique(key, return_inverse=True, return_counts=True)
    small = size[group] <= MAX_SHARED
    k, s, u, key = k[small], s[small], u[small], key[small]
    order = np.argsort(key, kind="stable")
    k, s, u, key = k[order], s[order], u[order], key[order]
    found = []
    for d in range(1, MAX_SHARED):  # pair each window with the next ones of its key
        i = np.flatnonzero(key[d:] == key[:-d])
        j = i + d
        lag = s[i] - s[j]
        a = np.where(lag >= 0, u[i], u[j])  # the later window follows the earlier
        b = np.where(lag >= 0, u[j], u[i])
        lag = np.abs(lag)
        keep = np.isin(lag, lags) & ((a != b) | (lag == per_year))
        keep &= (lag > 0) | (a < b)  # at lag 0 the pair is unordered: keep one
        found.append(np.column_stack([k[i], a, b, lag])[keep])
    pairs = np.concatenate(found)
    # a copy shares more than one window; a coincidence seldom does
    code = ((pairs[:, 0] * n_u + pairs[:, 1]) * n_u + pairs[:, 2]) * n_t + pairs[:, 3]
    code, first, count = np.unique(code, return_index=True, return_counts=True)
    return pairs[first[count >= 2]]


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
        exact = ok & (np.abs(x - y) < cube.step[k][:, None] / 2)
    r1, r2 = cube.rarity(1), cube.rarity(2)
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
    exact = d < cube.step[k] / 2
    near = d <= q.copy_near * cube.spread[k, lag:][at]
    # two units' values are equal by chance as often as values that vary as theirs
    # do (a series near its ceiling repeats few values), or as other units agree
    sd = np.hypot(cube.own_spread[k, a], cube.own_spread[k, b])
    rarity = np.fmax(
        cube.rarity(2 if lag == 0 else 1)[k, :, a], cube.equal_by_chance(sd, k)
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


def _copy_rows(catalogue, cube, k, a, b, lag, per_year, found) -> list[dict]:
    """The flags of one copy: on the follower, and at lag 0 on both units."""
    sid = cube.ids[k]
    since, last = cube.periods[found["start"]], cube.periods[found["end"]]
    n, n_exact = found["length"], found["exact"]
    near_zh = near_en = ""
    if n_exact < n:
        most_zh = _amount(catalogue, cube, k, found["most"], "zh")
        most_en = _amount(catalogue, cube, k, found["most"], "en")
        near_zh = f"（其中{n_exact}期完全相同，其余相差不超过{most_zh}）"
        near_en = f" ({n_exact} identical, the others within {most_en})"
    span_zh = f"{P.name_zh(since)}至{P.name_zh(last)}的{n}期"
    span_en = f"the {n} periods from {since} to {last}"
    out = []
    for unit, other in ((a, b), (b, a)) if lag == 0 else ((a, b),):
        if lag == 0:
            zh = f"与{cube.units[other]}同期报送的数值逐期相同"
            en = f"equal to {cube.units[other]}'s reports of the same periods"
        elif a == b:
            zh = "与本单位上年同期报送的数值逐期相同"
            en = "equal to the unit's own reports a year earlier"
        elif lag == per_year:
            zh = f"与{cube.units[other]}上年同期报送的数值逐期相同"
            en = f"equal to {cube.units[other]}'s reports a year earlier"
        else:
            zh = f"与{cube.units[other]}前{lag}期报送的数值逐期相同"
            en = f"equal to {cube.units[other]}'s reports " + (
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
                f"（{_odds_zh(found['chance'])}）",
                "reason_en": f"{catalogue.name(sid, 'en')} in {span_en} is {en}"
                f"{near_en} ({_odds_en(found['chance'])})",
            }
        )
    return out


def _missing(reports: Reports) -> pd.DataFrame | None:
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
        for agency, g in _submissions(cube):
            empty = np.all(blank[g] | ~sent[g], axis=0) & (blank[g].sum(axis=0) >= 2)
            empty &= most[g].any(axis=0)[:, None]
            covered[g] |= empty[None]
            for t0, t1, u in _runs_of(empty):  # empty submissions in a row: one flag
                n = int(sent[g, t1, u].sum())
                first, last = cube.periods[t0], cube.periods[t1]
                if t0 == t1:
                    zh = f"报送的{P.name_zh(last)}数据（{n}项）全部为空"
                    en = f"all {n} values sent for {last} are empty"
                else:
                    zh = (
                        f"报送的{P.name_zh(first)}至{P.name_zh(last)}连续{t1 - t0 + 1}"
                        f"期数据（各{n}项）全部为空"
                    )
                    en = (
                        f"all {n} values sent are empty in the {t1 - t0 + 1} periods "
                        f"from {first} to {last}"
                    )
                rows.append(
                    _submission_row(
                        catalogue, "missing", cube, agency, g, t1, u, None,
                        since=first, zh=zh, en=en,
                    )
                )  # fmt: skip
        # one series empty in a row
        run = np.zeros(blank.shape, np.int64)
        for t in range(blank.shape[1]):
            hole = blank[:, t] & most[:, t, None]
            run[:, t] = np.where(hole, (run[:, t - 1] if t else 0) + 1, 0)
        follows = np.zeros(blank.shape, bool)
        follows[:, :-1] = run[:, 1:] > 0
        ends = (run >= q.missing_run) & ~follows
        # a run wholly inside empty submissions is said by their flag
        cum = np.cumsum(covered, axis=1)
        first = np.clip(np.arange(blank.shape[1])[None, :, None] - run, -1, None)
        inside = cum - np.where(
            first >= 0, np.take_along_axis(cum, np.maximum(first, 0), 1), 0
        )
        ends &= inside < run
        for k, t, u in zip(*np.nonzero(ends), strict=True):
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
                    f"periods in a row from {since}, while most units reported it",
                }
            )
    return pd.DataFrame(rows)


def _due(reports: Reports) -> np.ndarray:
    """Per row, the day its report was due: ``due_days`` (by the series' frequency)
    after the last day of its period (datetime64[D]; NaT for rows not screened)."""
    q, catalogue = reports.settings, reports.catalogue
    rows = reports.rows
    freq = catalogue.series["frequency"].reindex(reports.series)
    after = freq.map(q.due_days).to_numpy(dtype=float)
    parsed = P.parse(pd.Series(reports.periods, dtype="str"))
    end = (
        pd.to_datetime(
            {"year": parsed["year"], "month": parsed["end_month"], "day": 1},
            errors="coerce",
        )
        + pd.offsets.MonthEnd(0)
    ).to_numpy(dtype="datetime64[D]")
    ok = reports.sent
    code_s = np.where(ok, rows["series"], 0)
    code_p = np.where(ok, rows["period"], 0)
    due = end[code_p] + np.nan_to_num(after[code_s]).astype("timedelta64[D]")
    return np.where(ok, due, np.datetime64("NaT", "D"))


SUBMISSION_COLUMNS = [
    "agency", "unit_id", "period", "series", "empty", "reported_at", "due",
    "days_late", "status",
]  # fmt: skip


def submissions(
    observations: pd.DataFrame, catalogue: Catalogue, *, period: str | None = None
) -> pd.DataFrame:
    """Who sent what, when (报送情况): one row per agency, unit and period up to
    ``period`` — the series sent, how many of them empty, the latest ``reported_at``,
    the due day, the days late and a ``status`` (``on_time``, ``late``, ``empty``:
    every value empty, ``partly_empty``; ``late`` wins). What the office's
    submission tracker lists; the ``missing`` and ``late`` flags pick the
    suspicious ones from it."""
    reports = arrange(observations, catalogue, period=period)
    rows, sent = reports.rows, reports.sent
    agency_of = catalogue.series["agency"].reindex(reports.series)
    a_codes, agencies = pd.factorize(agency_of)
    n_u, n_p = len(reports.units), len(reports.periods)
    key = (a_codes[rows["series"]] * n_u + rows["unit"]) * n_p + rows["period"]
    key = key[sent]
    groups, where = np.unique(key, return_inverse=True)
    empty = np.isnan(rows["value"][sent])
    due = _due(reports)[sent]
    at = (
        reports.reported_at[sent]
        if reports.reported_at is not None
        else np.full(len(key), np.datetime64("NaT", "D"))
    )
    latest = np.full(len(groups), np.datetime64("NaT", "D"))
    order = np.lexsort((at.astype("datetime64[D]").astype(np.int64), where))
    last = order[np.r_[where[order][1:] != where[order][:-1], True]]
    latest[where[last]] = at[last]  # NaT sorts first: a date wins where there is one
    first_due = np.full(len(groups), np.datetime64("NaT", "D"))
    first_due[where] = due
    n = np.bincount(where, minlength=len(groups))
    n_empty = np.bincount(where, weights=empty, minlength=len(groups)).astype(int)
    days = (latest - first_due).astype("timedelta64[D]").astype(float)
    days[np.isnat(latest)] = np.nan
    a, rest = np.divmod(groups, n_u * n_p)
    u, t = np.divmod(rest, n_p)
    status = np.where(
        n_empty == n, "empty", np.where(n_empty > 0, "partly_empty", "on_time")
    )
    status = np.where(days > 0, "late", status)
    out = pd.DataFrame(
        {
            "agency": np.asarray(agencies)[a],
            "unit_id": reports.units[u],
            "period": reports.periods[t],
            "series": n,
            "empty": n_empty,
            "reported_at": latest,
            "due": first_due,
            "days_late": np.where(days > 0, days, 0.0),
            "status": status,
        }
    )
    out.loc[np.isnan(days), "days_late"] = np.nan
    out = out.assign(_m=reports.month[t])
    return (
        out.sort_values(["_m", "period", "agency", "unit_id"], kind="stable")
        .drop(columns="_m")
        .reset_index(drop=True)[SUBMISSION_COLUMNS]
    )


def _late(reports: Reports) -> pd.DataFrame | None:
    """迟报: an agency's submission for a unit and period sent after its due day,
    ``due_days`` after the period's end; one flag per submission, the latest row."""
    catalogue = reports.catalogue
    if reports.reported_at is None:
        return None
    rows_ = reports.rows
    sent = reports.sent & ~np.isnat(reports.reported_at)
    due = _due(reports)
    days = (reports.reported_at - due).astype("timedelta64[D]").astype(np.int64)
    late = np.flatnonzero(sent & (days > 0))
    if not len(late):
        return None
    frame = pd.DataFrame(
        {
            "agency": catalogue.series["agency"]
            .reindex(reports.series)
            .to_numpy()[rows_["series"][late]],
            "unit_id": reports.units[rows_["unit"][late]],
            "period": reports.periods[rows_["period"][late]],
            "days": days[late],
            "at": reports.reported_at[late],
            "due": due[late],
        }
    )
    top = (
        frame.sort_values("days", kind="stable")
        .groupby(["agency", "unit_id", "period"], sort=False)
        .tail(1)
    )
    out = []
    for r in top.itertuples():
        at, due_day = pd.Timestamp(r.at), pd.Timestamp(r.due)
        out.append(
            {
                "check": "late",
                "unit_id": r.unit_id,
                "period": r.period,
                "agency": r.agency,
                "value": float(r.days),
                "statistic": float(r.days),
                "reason_zh": f"{catalogue.name(r.agency, 'zh')}"
                f"{P.name_zh(r.period)}数据于{at.year}年{at.month}月{at.day}日报送，"
                f"超过报送期限（{due_day.year}年{due_day.month}月{due_day.day}日）"
                f"{r.days}天",
                "reason_en": f"{catalogue.name(r.agency, 'en')}: the report for "
                f"{r.period} was sent on {at:%Y-%m-%d}, {r.days} "
                f"day{'s' if r.days != 1 else ''} after it was due "
                f"({due_day:%Y-%m-%d})",
            }
        )
    return pd.DataFrame(out)


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
        odd, score = isolation_outliers(rows, q.outlier_score, least=OUTLIER_LEAST)
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
                    "reason_zh": "各项指标环比变化的组合异常（孤立森林），较同期各单位"
                    f"环比变化中位数偏离最大的是："
                    f"{parts_zh}（稳健标准差）",
                    "reason_en": "unusual combination of period-on-period changes "
                    f"(isolation forest); largest, in robust SDs: {parts_en}",
                }
            )
        parts.append(pd.DataFrame(out))
    return pd.concat(parts, ignore_index=True) if parts else None


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
#: every check by name (the ``check`` column), in the order readers list them
CHECKS: dict[str, Callable[[Reports], pd.DataFrame | None]] = {
    "missing": _missing,
    "late": _late,
    "stable": _stable,
    "perfect": _perfect,
    "jump": _jumps,
    "shift": _shift,
    "identical_period": _identical_period,
    "identical_unit": _identical_unit,
    "copied": _copied,
    "linear": _linear,
    "rounded": _rounded,
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
