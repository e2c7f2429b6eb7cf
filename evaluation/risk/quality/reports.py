"""The reports arranged once for every check (one array series × periods × units
per frequency), the chance of a coincidence, and the words reasons are written in."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from evaluation import periods as P
from evaluation.catalogue import Catalogue, QualitySettings
from evaluation.errors import EvaluationError
from evaluation.vocabulary import fixed, plain, unit_after


def once(owner, name: str, compute: Callable[[], object]):
    """``owner``'s table ``name``, computed by ``compute()`` on first use and kept
    (in ``owner.__dict__``): once, even when two threads of the screen ask for it
    at the same time (a lock per owner and table, so two tables are computed side by
    side; a table's own tables are asked for inside its lock, and no table needs
    itself, so no two threads wait on each other)."""
    kept = owner.__dict__
    try:
        return kept[name]
    except KeyError:
        pass
    with kept.setdefault("_locks", {}).setdefault(name, threading.Lock()):
        if name not in kept:
            kept[name] = compute()
    return kept[name]


class table:  # noqa: N801 (used as a decorator, like cached_property)
    """``functools.cached_property`` computed :func:`once` (Python 3.12's takes no
    lock: two threads would both compute a table)."""

    def __init__(self, compute: Callable):
        self.compute = compute
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, owner, cls=None):
        if owner is None:
            return self
        return once(owner, self.name, lambda: self.compute(owner))


@dataclass(frozen=True)
class Cube:
    """The reports of one frequency as an array: series × periods × units.

    NaN where a unit reported nothing; periods oldest first, units sorted, series in
    the catalogue's order (so the flags do not depend on the order of the rows).
    """

    ids: list[str]
    agencies: np.ndarray  #: per series, the agency reporting it
    frequency: str
    periods: pd.Index  #: labels as reported (the dtype of the period column)
    units: pd.Index  #: ids as reported (the dtype of the unit_id column)
    values: np.ndarray
    blank: np.ndarray  #: a row sent with an empty value (不报 when it persists)
    #: per series: amounts that cannot go below 0 (counts, days, costs, ratios)
    positive: np.ndarray
    #: per series: percentages (valid 0–100), compared on a logit scale
    rates: np.ndarray
    #: per series: cumulative within the year (rolled up by its ``last`` report)
    cumulative: np.ndarray

    @table
    def seen(self) -> np.ndarray:
        return ~np.isnan(self.values)

    @table
    def logged(self) -> np.ndarray:
        """Per series: compared on a log scale: volumes (positive values spread over
        more than an order of magnitude), and amounts that cannot go below 0 with a
        median above 0 (they change by multiples, like volumes). Percentiles and
        median selected, not sorted (a sort of every series took ten times as long),
        one place at a time (:func:`order_statistics`)."""
        out = np.zeros(len(self.ids), bool)
        for k, x in enumerate(self.values.reshape(len(self.ids), -1)):
            v = x[~np.isnan(x)]  # (a copy: scratch)
            out[k] = len(v) > 0 and (
                _is_volume(v) or bool(self.positive[k] and median(v) > 0)
            )
        return out

    @table
    def levels(self) -> np.ndarray:
        """The values with volumes on a log scale (``log1p``, negatives as 0) and
        percentages on a logit scale (``log(p / (1 - p))``, p from half a reporting
        step, at most 0.5 %, to 99.5 %; small shares too, where logit is log),
        where a common change moves every unit alike: a Spring Festival dip that
        takes 3 points off a unit at 95 % takes less off one at 99 %."""
        y = self.values.copy()
        for k in np.flatnonzero(self.logged & ~self.logit):
            np.log1p(np.maximum(y[k], 0, out=y[k]), out=y[k])
        for k in np.flatnonzero(self.logit):
            # near 0 a share keeps its ratio down to half a reporting step (a cut
            # from 1.2 % to 0.2 % is sixfold, where log1p would see 0.7); near 100
            # reports wobble at 99.5 %, and a total to date starts the year near 0
            low = 0.005 if self.to_date[k] else min(0.005, self.step[k] / 200)
            p = np.clip(y[k] / 100, low, 0.995)
            y[k] = np.log(p / (1 - p))
        return y

    @table
    def to_date(self) -> np.ndarray:
        """Per series: a total to date (累计数), rolled up by its last report, that
        starts again each year — the median unit's first report of a year is below
        its last of the year before by more than the spread of the units' reports
        then (a latest state, such as a rate of controls in place, does not)."""
        out = np.zeros(len(self.ids), bool)
        years = np.array([P.year_end(str(p))[1] for p in self.periods])
        new = np.flatnonzero(years[1:] != years[:-1]) + 1  # a year's first period
        if not len(new) or self.frequency == "annual":
            return out
        mid = self.middle
        for k in np.flatnonzero(self.cumulative):
            drop = mid[k, new - 1] - mid[k, new]
            out[k] = bool(np.all(drop > self.spread[k, new]))
        return out

    @table
    def logit(self) -> np.ndarray:
        """Per series: compared on the logit scale (percentages; a total to date
        spread over orders of magnitude stays on the log scale)."""
        return self.rates & ~(self.logged & self.to_date)

    @table
    def step(self) -> np.ndarray:
        """Per series, the reporting step, the grain its reports are judged in: the
        largest of 1, 0.1 … 1e-6 that every value of most periods (more than half
        of those reported) is a multiple of (0.1 for rates with one decimal). Not
        every value: one agency's submission sent in the wrong unit (0.853 for
        85.3 %, which ``scale`` flags) or a few periods' stray decimals would make
        it finer, and every correct report a multiple of 100 steps (``rounded`` on
        units that did nothing wrong). A unit reporting finer every period still
        sets it; reports off it are compared in :attr:`finest`."""
        out = self.finest.copy()
        for k in np.flatnonzero(out < 1):
            x, periods = self.values[k], self.seen[k].any(axis=1)
            for d in range(int(round(-np.log10(out[k])))):  # coarser steps first
                y = x[periods] * 10.0**d  # periods × units (NaN: not off)
                off = np.abs(y - np.round(y)) >= 1e-6 * np.fmax(1, np.abs(y))
                if 2 * np.count_nonzero(~off.any(axis=1)) > len(y):
                    out[k] = 10.0**-d
                    break
        return out

    @table
    def finest(self) -> np.ndarray:
        """Per series, the largest of 1, 0.1 … 1e-6 that every value is a multiple
        of: :attr:`step`, or finer where a few periods are (reports compared
        exactly: :attr:`whole`)."""
        out = np.full(len(self.ids), 1e-6)
        for k in range(len(self.ids)):
            x = self.values[k][self.seen[k]]
            for d in range(7):
                # most steps fail on the first values: tried on them first
                if _multiples(x[:1000], d) and _multiples(x, d):
                    out[k] = 10.0**-d
                    break
        return out

    @table
    def reporting(self) -> np.ndarray:
        """Per series and period, how many units reported a value."""
        return self.seen.sum(axis=2)

    @table
    def ties(self) -> np.ndarray:
        """Per report, how many units reported the same value for that series and
        period, itself included (0 where nothing was reported): each series' values
        coded (hashed, no sort), each period's codes counted (by ``bincount`` where
        the periods × codes are few, else hashed again)."""
        out = np.empty(self.values.shape, np.int32)  # (at most the units)
        for k, v in enumerate(self.values):
            codes, uniques = pd.factorize((v + 0.0).ravel())  # -0.0 is 0.0; NaN: -1
            width = len(uniques) + 1  # (NaN first)
            key = codes.reshape(len(v), -1) + 1
            key += np.arange(len(v), dtype=np.int64)[:, None] * width
            key = key.reshape(-1)
            if len(v) * width <= 8 * len(key):
                counts = np.bincount(key, minlength=len(v) * width)[key]
            else:
                key = pd.factorize(key)[0]
                counts = np.bincount(key)[key]
            out[k] = counts.reshape(v.shape)
        out[~self.seen] = 0
        return out

    @table
    def spread(self) -> np.ndarray:
        """Per series and period, the robust SD of the units' reports (1.4826 MAD),
        at least the reporting step."""
        mad = np.subtract(self.values, self.middle[:, :, None])
        mad = nanmedian(np.abs(mad, out=mad), axis=2, overwrite=True)
        return np.fmax(1.4826 * mad, self.step[:, None])

    @table
    def middle(self) -> np.ndarray:
        """Per series and period, the median of the units' reports."""
        return nanmedian(self.values, axis=2)

    @table
    def whole(self) -> np.ndarray:
        """Per report, its value in the series' :attr:`finest` steps
        (``rint(value / finest)``, an integer; 0 where nothing was reported):
        reports compared exactly."""
        x = np.divide(self.values, self.finest[:, None, None])
        out = np.zeros(x.shape, np.int64)
        np.copyto(out, np.rint(x, out=x), casting="unsafe", where=self.seen)
        return out

    @table
    def own_spread(self) -> np.ndarray:
        """Per series and unit, the robust SD of the unit's own reports over the
        periods (1.4826 MAD; NaN with fewer than 3)."""
        mad = np.subtract(self.values, nanmedian(self.values, axis=1)[:, None, :])
        mad = 1.4826 * nanmedian(np.abs(mad, out=mad), axis=1, overwrite=True)
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
        return once(self, f"_share{shared}", lambda: self._share(shared))

    def _share(self, shared: int, at=...) -> np.ndarray:
        """:meth:`share`, of every report or of the reports ``at`` (an index)."""
        n = np.broadcast_to(self.reporting[:, :, None], self.values.shape)[at]
        out = np.array(self.ties[at], dtype=float)  # (whole numbers: exact)
        out -= shared
        with np.errstate(divide="ignore", invalid="ignore"):
            out /= n - shared
        if np.any(n == shared):  # 0 / 0 and ±x / 0 (else every share is finite)
            np.nan_to_num(out, copy=False)
        return out

    @table
    def runs(self) -> dict[str, np.ndarray]:
        """Runs of equal reports (:func:`equal_runs`) and per series how often a
        typical unit's reports repeat (``rate``)."""
        out = equal_runs(self)
        out["rate"] = repeat_rate(out["length"] > 1, self.seen)
        return out

    def rarity(self, shared: int = 1) -> np.ndarray:
        """Per report, the chance that one other unit reports the same value that
        period: the share of the other units that do (not counting ``shared - 1``
        units known to share it), at least the chance that two units of that period
        agree on any value, and at least step ÷ (2.5 robust SDs); at most 1."""
        return once(self, f"_rarity{shared}", lambda: self._rarity(shared))

    def rarity_at(self, shared: int = 1) -> Cells:
        """:meth:`rarity`, the same values, computed only at the reports indexed
        (``cube.rarity_at(2)[k, :, u]``): where only a few are read, not a whole
        array."""
        return Cells(lambda at: self._rarity(shared, at))

    def rare(self, below: float) -> np.ndarray:
        """Per report, whether its :meth:`rarity` is below ``below``, without the
        float array of rarities: a rarity is the largest of the report's share and
        two bounds of its period (``agree`` and step ÷ 2.5 spreads, both ≥ 0), at
        most 1, so it is below ``below`` where all three are, or ``below > 1``."""
        bound = np.fmax(
            self.agree, self.step[:, None, None] / (2.5 * self.spread[:, :, None])
        )
        out = self.share() < below
        out &= bound < below
        return out | (below > 1)

    @table
    def agree(self) -> np.ndarray:
        """Per series and period, the chance that two units agree on any value (0
        where fewer than two reported)."""
        n = self.reporting[:, :, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            agree = (self.ties.sum(axis=2, keepdims=True) - n) / (n * (n - 1))
        return np.nan_to_num(agree)

    def _rarity(self, shared: int, at=...) -> np.ndarray:
        whole = at is Ellipsis
        share = self.share(shared) if whole else self._share(shared, at)
        floor = self.step[:, None, None] / (2.5 * self.spread[:, :, None])
        agree, shape = self.agree, self.values.shape
        if not whole:
            agree = np.broadcast_to(agree, shape)[at]
            floor = np.broadcast_to(floor, shape)[at]
        out = np.fmax(share, agree)
        np.fmax(out, floor, out=out)
        return np.clip(out, 0, 1, out=out)


class Cells:
    """A per-report table computed only at the reports indexed: ``cells[at]`` is
    ``compute(at)``."""

    def __init__(self, compute: Callable[[object], np.ndarray]):
        self.compute = compute

    def __getitem__(self, at) -> np.ndarray:
        return self.compute(at)


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
    #: unit id → (name_zh, name_en): how a flag names another unit (its id if absent)
    names: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def unit_name(self, unit_id: str, lang: str) -> str:
        """A unit as a flag's reason names it: its name in ``lang`` (``zh`` or
        ``en``), or its id when the units table was not given."""
        pair = self.names.get(unit_id)
        return str(unit_id) if pair is None else pair[0 if lang == "zh" else 1]

    @property
    def settings(self) -> QualitySettings:
        return self.catalogue.quality

    @table
    def counts(self) -> dict[str, np.ndarray]:
        """Rows of count series (integers, median ≥ 10) whose value is ≥ 10."""
        ids = [s for c in self.cubes for k, s in enumerate(c.ids) if is_count(c, k)]
        mine = np.isin(self.series, ids)[self.rows["series"]] & self.keep
        keep = mine & (self.rows["value"] >= 10)
        return {k: v[keep] for k, v in self.rows.items()}


def arrange(
    observations: pd.DataFrame,
    catalogue: Catalogue,
    *,
    period: str | None = None,
    unit_names: pd.DataFrame | None = None,
) -> Reports:
    """The reported values up to ``period`` as one cube per frequency;
    ``unit_names`` (``unit_id, name_zh, name_en``), when given, names the units in
    the flags' reasons.

    Ids become integer codes once (no pivot per series); a key reported twice is an
    error, as validation would have said.
    """
    names = (
        {}
        if unit_names is None
        else {
            str(r.unit_id): (str(r.name_zh), str(r.name_en))
            for r in unit_names[["unit_id", "name_zh", "name_en"]].itertuples()
        }
    )
    value = observations["value"].to_numpy(dtype=float)
    coded, sent_on = _factorize(observations)
    p_codes, periods = coded["period"]
    s_codes, series = coded["indicator_id"]
    u_codes, units = coded["unit_id"]
    # units sorted by id: the few ids sorted, then the codes renumbered (pandas'
    # sort=True renumbers slower)
    order = units.argsort()
    units = units[order]
    rank = np.full(len(order) + 1, -1)
    rank[order] = np.arange(len(order))
    u_codes = rank[u_codes]
    month = P.month_index(periods)
    sent = (p_codes >= 0) & (s_codes >= 0) & (u_codes >= 0)
    if period is not None:
        end = P.month_index([period])[0]
        sent &= np.append(month <= end, False)[p_codes]
    keep = sent & ~np.isnan(value)
    rows = {"series": s_codes, "unit": u_codes, "period": p_codes, "value": value}
    # the series reported, in the catalogue's order (whatever the rows' order)
    cell, kept = _cells(rows, keep, len(series), len(periods))
    present = np.flatnonzero(kept.sum(axis=1))
    meta = catalogue.series.loc[series[present]]  # an unknown series is an error
    order = present[np.argsort(catalogue.series.index.get_indexer(meta.index))]
    meta = catalogue.series.loc[series[order]]
    freqs = list(catalogue.series["frequency"].unique())
    mines = [order[(meta["frequency"] == freq).to_numpy()] for freq in freqs]
    arrays = _cubes(rows, keep, sent, mines, series, units, periods, month, cell, kept)
    cubes = []
    for freq, cube in zip(freqs, arrays, strict=True):
        if cube is not None:
            about = catalogue.series.loc[cube.ids]
            rates = (about["valid_min"] == 0) & (about["valid_max"] == 100)
            rollup = catalogue.table["rollup"].reindex(cube.ids)
            cubes.append(
                Cube(
                    agencies=about["agency"].to_numpy(dtype=object),
                    frequency=freq,
                    positive=((about["valid_min"] >= 0) & ~rates).to_numpy(bool),
                    rates=rates.to_numpy(dtype=bool),
                    cumulative=(rollup == "last").to_numpy(dtype=bool),
                    **cube.__dict__,
                )
            )
    reported_at = None if sent_on is None else sent_on.result()
    return Reports(
        catalogue, cubes, series, units, periods, month, rows, keep, sent,
        reported_at, names,
    )  # fmt: skip


def _factorize(observations: pd.DataFrame) -> tuple[dict[str, tuple], Future | None]:
    """``pd.factorize`` of the id columns, two at a time (the units, many and in no
    runs, first): hashing millions of Arrow strings is most of reading the reports,
    and Arrow does it without holding the GIL. Also, in the background while the
    cubes are built, the days the rows were sent (:func:`sent_days`, which only the
    late check reads; None without a ``reported_at`` column)."""
    pool = ThreadPoolExecutor(2, thread_name_prefix="arrange")
    coded = {
        c: pool.submit(factorize, observations[c])
        for c in ("unit_id", "period", "indicator_id")
    }
    sent_on = None
    if "reported_at" in observations:
        sent_on = pool.submit(sent_days, observations["reported_at"])
    pool.shutdown(wait=False)  # (what was submitted still runs)
    return {c: future.result() for c, future in coded.items()}, sent_on


def sent_days(column: pd.Series) -> np.ndarray:
    """Per row, the day it was sent (``datetime64[D]``; NaT where empty or not a
    date): few distinct dates, each parsed once."""
    codes, dates = factorize(column)
    days = pd.to_datetime(
        pd.Series(dates, dtype=object), errors="coerce", format="ISO8601"
    ).to_numpy(dtype="datetime64[D]")
    return np.append(days, np.datetime64("NaT", "D"))[codes]


def factorize(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize(column)``: the same codes and uniques. Arrow strings whose
    equal values come in runs (a file lists one period's, one series' rows
    together) are compared with the row before, and only each run's first row is
    hashed (a third faster on the 10,000-unit city); otherwise every row is
    hashed."""
    n = len(column)
    if not isinstance(column.array, pd.arrays.ArrowStringArray) or n < 2:
        return pd.factorize(column)
    strings = pa.array(column.array)
    probe = strings[: min(n, 4096)]
    if _changes(probe).sum() * 8 > len(probe):  # no runs
        return pd.factorize(column)
    heads = np.flatnonzero(np.r_[True, _changes(strings)])
    if len(heads) * 8 > n:
        return pd.factorize(column)
    codes, uniques = pd.factorize(column.iloc[heads])
    return np.repeat(codes, np.diff(np.r_[heads, n])), uniques


def _changes(strings) -> np.ndarray:
    """Per row after the first, whether it differs from the row before (a
    missing value differs from anything)."""
    change = pc.fill_null(pc.not_equal(strings[1:], strings[:-1]), True)
    return change.to_numpy(zero_copy_only=False)


@dataclass(frozen=True)
class _Arrays:
    ids: list[str]
    periods: pd.Index
    units: pd.Index
    values: np.ndarray
    blank: np.ndarray


def _cells(rows, keep, n_s: int, n_p: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, its series and period as one code into a (series + 1) × (period + 1)
    table whose first row and column stand for no series, no period (code -1); and
    per series and period, how many rows were kept."""
    cell = rows["series"] * (n_p + 1)
    cell += rows["period"]
    cell += n_p + 2
    kept = np.bincount(cell[keep], minlength=(n_s + 1) * (n_p + 1))
    return cell, kept.reshape(n_s + 1, n_p + 1)[1:, 1:]


def _cubes(rows, keep, sent, mines, series, units, periods, month, cell, kept) -> list:
    """Per frequency ``f``, the arrays of its series ``mines[f]`` (codes into
    ``series``) from the kept rows, or None where it has none: every row placed in
    one pass, through a table of each series and period's place (``cell`` and
    ``kept``: :func:`_cells`)."""
    n_f, n_p, n_u = len(mines), len(periods), len(units)
    # per frequency, the periods its series have values in, chronological (labels
    # of one month, mixed frequencies, by label)
    used = np.array([kept[mine].sum(axis=0) for mine in mines]).reshape(n_f, n_p)
    chronological = np.array(
        sorted(range(n_p), key=lambda c: (month[c], periods[c])), dtype=np.intp
    )
    p_used, size = [], np.zeros(n_f + 1, np.int64)
    for f in range(n_f):
        p_used.append(chronological[used[f, chronological] > 0])
        size[f + 1] = len(mines[f]) * len(p_used[f]) * n_u
    offset = np.cumsum(size)
    # per series and period, the place of its first unit in the cubes (-1: none)
    place = np.full((len(series) + 1, n_p + 1), -1, np.int64)
    for f, mine in enumerate(mines):
        n_t = len(p_used[f])
        first = np.arange(len(mine))[:, None] * n_t + np.arange(n_t)[None, :]
        place[1 + mine[:, None], 1 + p_used[f][None, :]] = offset[f] + first * n_u
    at = place.reshape(-1)[cell]
    mine_rows = at >= 0
    at += rows["unit"]
    total = int(offset[-1])
    where = np.where(keep & mine_rows, at, total)  # other rows go to a spare cell
    values = np.full(total + 1, np.nan)
    values[where] = rows["value"]
    blank = np.zeros(total + 1, bool)
    blank[at[np.flatnonzero(sent & ~keep & mine_rows)]] = True
    if np.count_nonzero(~np.isnan(values[:total])) != np.count_nonzero(where < total):
        raise EvaluationError(
            "data-quality screen: a unit reports a series twice for one period"
        )
    out = []
    for f, mine in enumerate(mines):
        if not len(mine):
            out.append(None)
            continue
        shape = (len(mine), len(p_used[f]), n_u)
        v = values[offset[f] : offset[f + 1]].reshape(shape)
        b = blank[offset[f] : offset[f + 1]].reshape(shape)
        u_used = np.flatnonzero((~np.isnan(v)).any(axis=(0, 1)))  # units sorted by id
        if len(u_used) < n_u:
            v, b = v[:, :, u_used], b[:, :, u_used]
        out.append(
            _Arrays(
                ids=list(series[mine]),
                periods=periods[p_used[f]],
                units=units[u_used],
                values=v,
                blank=b,
            )
        )
    return out


def window(frequency: str, settings: QualitySettings) -> int:
    """Reports in a row that make a run: ``min_periods``, at most a year's worth,
    at least 3 (6 months, 4 quarters, 3 half-years)."""
    per_year = 12 // P.months_per(frequency)
    return max(3, min(settings.min_periods, per_year))


def accumulate(
    ufunc: np.ufunc, x: np.ndarray, *, reverse: bool = False, dtype=None, copy=True
):
    """``ufunc.accumulate(x, axis=1)`` along the periods of a series × periods × units
    array (``reverse``: from the last period back), one period at a time on whole
    slices: numpy accumulates along a middle axis element by element, 8 times
    slower. The same values (the same operations in the same order); ``copy=False``
    accumulates in ``x`` itself where it has the dtype (a scratch array)."""
    out = np.array(x, dtype=dtype, copy=copy or None)
    n = out.shape[1]
    for t in range(n - 2, -1, -1) if reverse else range(1, n):
        ufunc(out[:, t + 1 if reverse else t - 1], out[:, t], out=out[:, t])
    return out


def equal_runs(cube: Cube) -> dict[str, np.ndarray]:
    """Runs of equal reports along the periods (gaps skipped), per report: the
    run's ``length`` so far, its ``start`` period, whether the report ``end``\\ s
    it, and (at a run's start) the period of the report ``before`` it (-1: none)."""
    v, seen = cube.values, cube.seen
    n_t = v.shape[1]
    t = np.arange(n_t, dtype=np.int32)[None, :, None]  # (int32: half the passes')
    last = accumulate(np.maximum, np.where(seen, t, -1), copy=False)
    before = np.full(v.shape, -1, np.int32)
    before[:, 1:] = last[:, :-1]
    # each report against the unit's previous one (gaps skipped): the values carried
    # forward period by period
    previous = np.full(v.shape, np.nan)
    for p in range(1, n_t):  # in place (no temporary per period)
        np.copyto(previous[:, p], previous[:, p - 1])
        np.copyto(previous[:, p], v[:, p - 1], where=seen[:, p - 1])
    same = seen & (before >= 0)
    same &= v == previous
    new = seen & ~same
    count = accumulate(np.add, seen, dtype=np.int32)
    length = np.where(
        seen,
        count - accumulate(np.maximum, np.where(new, count, 0), copy=False) + 1,
        0,
    )
    start = accumulate(np.maximum, np.where(new, t, 0), copy=False)
    # a report ends its run when no report follows, or the next one starts a run
    ends = np.ones(v.shape, bool)
    for p in range(n_t - 2, -1, -1):
        np.copyto(ends[:, p], ends[:, p + 1])
        np.copyto(ends[:, p], new[:, p + 1], where=seen[:, p + 1])
    return {"length": length, "start": start, "end": seen & ends, "before": before}


def scale_words(cube: Cube, k: int) -> str:
    """The scale a series is compared on, as the English reason's closing words (the
    analysts' column; the office reads the comparison in plain Chinese words)."""
    if cube.logit[k]:
        return " (compared on a logit scale)"
    if cube.logged[k]:
        return " (compared on a log scale)"
    return ""


def repeat_rate(repeat: np.ndarray, tried: np.ndarray) -> np.ndarray:
    """Per series, how often a typical unit's report repeats its previous one: the
    median over units of their share of repeats, so that the few units that freeze
    a series do not make freezing look usual."""
    n = tried.sum(axis=1)
    share = np.where(n > 0, repeat.sum(axis=1) / np.maximum(n, 1), np.nan)
    return np.nan_to_num(nanmedian(share, axis=1))


def agency_groups(cube: Cube):
    """Per agency reporting at this frequency: the rows of its series in the cube."""
    for agency in dict.fromkeys(cube.agencies):
        yield agency, np.flatnonzero(cube.agencies == agency)


def submission_row(
    catalogue, check, cube, agency, g, t, u, chance, *, zh, en, since=None
):
    """A flag on one agency's submission for a unit and period (``chance``: of a
    coincidence, said in the reason; None: not a matter of chance)."""
    a_zh, a_en = catalogue.name(agency, "zh"), catalogue.name(agency, "en")
    said_zh = f"（{odds_zh(chance)}）" if chance is not None else ""
    said_en = f" ({odds_en(chance)})" if chance is not None else ""
    return {
        "check": check,
        "unit_id": cube.units[u],
        "period": cube.periods[t],
        "since": since,
        "agency": agency,
        "value": float((cube.seen[g, t, u] | cube.blank[g, t, u]).sum()),
        "statistic": chance if chance is not None else np.nan,
        "reason_zh": f"{a_zh}{zh}{said_zh}",
        "reason_en": f"{a_en}: {en}{said_en}",
    }


def nonzero(mask: np.ndarray) -> tuple[np.ndarray, ...]:
    """``np.nonzero(mask)``, the same index arrays: the flat places found, then their
    indices. numpy's own visits every element of a cube in a loop of its own (5 ms
    for 2.6 million, however few are found), its flat one counts them with SIMD
    (0.4 ms for a few)."""
    return np.unravel_index(np.flatnonzero(mask), mask.shape)


def run_lengths(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Along the periods (axis 1) of a series × periods × units ``mask``: how many
    True in a row end at each cell, and which cells end a run (the next is False)."""
    length = np.zeros(mask.shape, np.int64)
    for t in range(mask.shape[1]):  # in place, period by period
        if t:
            np.add(length[:, t - 1], 1, out=length[:, t])
            np.multiply(length[:, t], mask[:, t], out=length[:, t])
        else:
            length[:, 0] = mask[:, 0]
    ends = length > 0
    ends[:, :-1] &= length[:, 1:] == 0
    return length, ends


def runs_of(hit: np.ndarray):
    """(first, last, column) of each run of True along the first axis of ``hit``."""
    padded = np.zeros((hit.shape[0] + 2, hit.shape[1]), np.int8)
    padded[1:-1] = hit
    edge = np.diff(padded, axis=0)
    starts, ends = nonzero(edge.T == 1), nonzero(edge.T == -1)
    for u, t0, t1 in zip(starts[0], starts[1], ends[1] - 1, strict=True):
        yield int(t0), int(t1), int(u)


def unit_word(
    catalogue: Catalogue, sid: str, lang: str, value: float | None = None
) -> str:
    """A series' unit as it follows a number ("%", "件", "个工作日", "倍" for a
    ratio: none in English; " finding" for 1)."""
    for item in (*catalogue.indicators, *catalogue.context):
        if item.id == sid:
            return unit_after((item.unit_zh, item.unit_en), lang, value)
    return ""


def change_words(catalogue: Catalogue, cube: Cube, k: int, delta: float) -> str:
    """A change of series ``k`` in Chinese: ``增加1.5个百分点`` (percentages change
    by points), ``减少3件``; a ratio by a bare number (``增加0.30``: ``0.30倍`` would
    read as a relative change)."""
    text = number(cube, k, abs(delta))
    unit = unit_word(catalogue, cube.ids[k], "en")
    said = "个百分点" if unit == "%" else unit_word(catalogue, cube.ids[k], "zh")
    said = "" if said == "倍" else said
    return f"{'增加' if delta > 0 else '减少'}{text}{said}"


def share_words(share: float, lang: str) -> str:
    """A small share as a reason says it: ``仅占9%`` / ``only 9%``; ``占比不足1%`` /
    ``under 1%`` for a share that rounds to 0."""
    if share < 0.005:
        return "占比不足1%" if lang == "zh" else "under 1%"
    return f"仅占{share:.0%}" if lang == "zh" else f"only {share:.0%}"


def number(cube: Cube, k: int, value: float, like: float | None = None) -> str:
    """A value of series ``k`` as the agency reports it: the series' decimals,
    thousands separated (``1,235``, ``0.80``; one more decimal for a median that
    falls between two reports; for a value off the step, the fewest decimals down
    to the finest reported that show it: ``0.853`` sent for 85.3 %, a median of
    ``85.25`` beside it), rounded half up as the tables are. ``like``: the value it
    is compared with, whose decimals it takes (a unit's usual 98.85 % beside its
    79.9 % reads 98.9 %: one reason, one precision), unless the two would then read
    the same (a median of 84.5 before one of 85 keeps its decimal)."""
    if value is None or not np.isfinite(value):
        return "—"
    own = _shown_decimals(cube, k, value)
    if like is None or not np.isfinite(like):
        return fixed(value, own, grouped=True)
    d = _shown_decimals(cube, k, like)
    if value != like and fixed(value, d) == fixed(like, d):  # would read equal:
        d = max(d, own)  # its own decimals tell them apart (84.5 beside 85)
    return fixed(value, d, grouped=True)


def _shown_decimals(cube: Cube, k: int, value: float) -> int:
    """The decimals :func:`number` writes ``value`` of series ``k`` with."""
    decimals = _decimals(cube.step[k])
    if abs(value - round(value, decimals)) > 1e-9:
        finest = _decimals(cube.finest[k])
        shown = range(decimals + 1, finest + 1)
        decimals = next(
            (d for d in shown if abs(value - round(value, d)) <= 1e-9),
            max(decimals + 1 if decimals else 0, finest),
        )
    return decimals


def _decimals(step: float) -> int:
    """The decimals of a step of 1, 0.1 … 1e-6."""
    return min(max(0, int(round(-np.log10(step)))) if step < 1 else 0, 6)


def amount(
    catalogue: Catalogue,
    cube: Cube,
    k: int,
    value: float,
    lang: str,
    like: float | None = None,
) -> str:
    """A value as :func:`number` writes it (``like``: to the decimals of the value
    it is compared with), its unit after it (``96.7%``, ``1,235件``)."""
    text = number(cube, k, value, like)
    if text == "—":
        return text
    return text + unit_word(catalogue, cube.ids[k], lang, round(value, 6))


def odds_zh(chance: float) -> str:
    """``偶然如此的概率约为5000分之一``, ``约为1.2万分之一``."""
    if chance < 1e-8:
        return "偶然如此的概率不足一亿分之一"
    x = _one_in_number(chance)
    said = f"{plain(x / 10_000)}万" if x >= 10_000 else f"{x:.0f}"
    return f"偶然如此的概率约为{said}分之一"


def odds_en(chance: float) -> str:
    if chance < 1e-8:
        return "less than a 1 in 100 million chance of a coincidence"
    return f"about a 1 in {_one_in(chance)} chance of a coincidence"


def _one_in(chance: float) -> str:
    """1/chance to two significant digits, with thousands separators."""
    return f"{_one_in_number(chance):,.0f}"


def _one_in_number(chance: float) -> float:
    """1/chance to two significant digits."""
    x = 1 / max(chance, 1e-300)
    digits = max(int(np.floor(np.log10(x))) - 1, 0)
    return float(round(x, -digits))


def nanmedian(
    a: np.ndarray, axis: int | tuple[int, ...], *, overwrite: bool = False
) -> np.ndarray:
    """``np.nanmedian(a, axis)`` value for value (NaN where no value), for all rows at
    once, where numpy loops over the rows in Python: a few values per row (a unit's
    periods) sorted (numpy's vectorised sort; missing values sort after the rest),
    many (the units of a period) selected by one ``partition`` of every row
    (:func:`_select_median`). ``overwrite``: ``a`` is a scratch array, sorted or
    partitioned in place (no copy)."""
    axes = tuple(int(ax) % a.ndim for ax in np.atleast_1d(axis))
    size = int(np.prod([a.shape[ax] for ax in axes]))
    shape = [a.shape[i] for i in range(a.ndim) if i not in axes]
    if len(axes) == 1 and size <= 64:
        ax = axes[0]
        if overwrite:
            x = a
            x.sort(axis=ax)  # missing values last
        else:
            x = np.sort(a, axis=ax)
        n = size - np.isnan(x).sum(axis=ax, keepdims=True)
    else:
        rest = [i for i in range(a.ndim) if i not in axes]
        rows = int(np.prod([a.shape[i] for i in rest]))
        x = np.transpose(a, [*rest, *axes]).reshape(rows, size)
        gap = np.isnan(x)
        n = size - np.count_nonzero(gap, axis=1)
        if size >= _SELECT and rows:
            if not x.flags.c_contiguous or (
                not overwrite and np.may_share_memory(x, a)  # (else a copy)
            ):
                x = x.copy()
            return _select_median(x, gap, n).reshape(shape)
        ax = 1  # rows × the values of each
        x = np.sort(x, axis=1)
        n = n[:, None]
    top = max(size - 1, 0)
    lo = np.clip((n - 1) // 2, 0, top)
    hi = np.clip(n // 2, 0, top)
    with np.errstate(invalid="ignore"):
        v_lo = np.take_along_axis(x, lo, axis=ax) if size else lo * np.nan
        v_hi = np.take_along_axis(x, hi, axis=ax) if size else lo * np.nan
        out = np.where(lo == hi, v_hi, (v_lo + v_hi) / 2)
    out[n == 0] = np.nan
    return out.reshape(shape)


#: rows of at least this many values: their median selected, not sorted
_SELECT = 256


def _select_median(x: np.ndarray, gap: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Per row of ``x`` (rows × values, ``gap`` where none), the median of its ``n``
    values, as sorting them would give, with one ``partition`` of every row at once
    (less than half a sort's time at 10,000 values, whatever the rows' counts of
    values): each row's missing values become -inf and +inf in such numbers that
    its lower middle value falls at the same place ``mid`` in every row, its upper
    one (an even count) just after it. ``x`` is scratch, changed in place."""
    mid = (x.shape[1] - 1) // 2
    low = mid - (n - 1) // 2  # -inf before the values, per row; +inf after them
    at = np.flatnonzero(gap)  # row by row
    m = x.shape[1] - n  # per row, its missing values
    nth = np.arange(len(at)) - np.repeat(np.cumsum(m) - m, m)  # of its row's
    x.reshape(-1)[at] = np.where(nth < np.repeat(low, m), -np.inf, np.inf)
    # one place, then the largest before it: numpy selects one place with its SIMD
    # kernels, two (``partition((mid, mid + 1))``) element by element, 5× slower;
    # but its SIMD selection slows down where most values around the middle are
    # one value (a count mostly 0), and its SIMD sort does not: those rows sorted
    flat = _flat(x[:, :: max(1, x.shape[1] // 64)])
    v_lo, v_hi = np.empty(len(x)), np.empty(len(x))
    edges = np.flatnonzero(np.diff(flat)) + 1  # runs of rows alike: views, no copy
    for start, end in zip(np.r_[0, edges], np.r_[edges, len(x)], strict=True):
        y = x[start:end]
        if flat[start]:
            y.sort(axis=1)
            v_lo[start:end] = y[:, mid]
        else:
            y.partition(mid + 1, axis=1)
            v_lo[start:end] = y[:, : mid + 1].max(axis=1)
        v_hi[start:end] = y[:, mid + 1]
    with np.errstate(invalid="ignore"):
        out = np.where(n % 2 == 1, v_lo, (v_lo + v_hi) / 2)
    out[n == 0] = np.nan
    return out


def _multiples(x: np.ndarray, d: int) -> bool:
    """Whether every value is a multiple of ``10**-d`` (to 1e-6, relative)."""
    y = x * 10.0**d
    return bool(np.all(np.abs(y - np.round(y)) < 1e-6 * np.maximum(1, np.abs(y))))


def is_count(cube: Cube, k: int) -> bool:
    """Whole numbers with a median of at least 10."""
    head = cube.values[k].ravel()[:1000]  # most series fail on their first values
    if not np.all((head == np.round(head)) | np.isnan(head)):
        return False
    x = cube.values[k][cube.seen[k]]
    return len(x) > 0 and bool(np.all(x == np.round(x))) and median(x) >= 10


def _is_volume(v: np.ndarray) -> bool:
    """Positive values (a series', none missing) spread over more than an order of
    magnitude: use logs."""
    if len(v) == 0 or v.min() < 0:
        return False
    lo, hi = percentiles(v, [5, 95])
    return lo > 0 and hi / lo > 10


def order_statistics(x: np.ndarray, places: np.ndarray) -> np.ndarray | None:
    """``np.sort(x)[places]`` for pairs of neighbouring places in increasing order
    (``[p0, p0 + 1, p1, p1 + 1, …]``), by one ``partition`` at one place per pair,
    the place before it the largest value below it: numpy selects one place with
    its SIMD kernels, several (``np.percentile``, ``np.median``: a pair, and the
    last value for NaN) element by element, several times slower. ``x`` (no NaN)
    is scratch, reordered in place. None where numpy's own is faster or simpler:
    few values, values mostly one value (its SIMD selection slows down there), or
    pairs that overlap."""
    if len(x) < _SELECT or _flat(x[:: max(1, len(x) // 64)][None, :])[0]:
        return None
    out = np.empty(len(places))
    start = 0
    for i in range(0, len(places), 2):
        p = int(places[i])
        if p < start or places[i + 1] != p + 1 or p + 1 >= len(x):
            return None
        rest = x[start:]
        rest.partition(p + 1 - start)
        out[i], out[i + 1] = rest[: p + 1 - start].max(), rest[p + 1 - start]
        start = p + 2
    return out


def percentiles(v: np.ndarray, q: list[float]) -> np.ndarray:
    """``np.percentile(v, q)`` (``linear``, its default) of values without NaN, the
    same bits but for the sign of a zero: the values either side of each place
    selected by :func:`order_statistics` and interpolated as numpy does
    (``_lerp``). ``v`` is scratch, reordered in place."""
    n = len(v)
    virtual = (n - 1) * np.true_divide(np.asarray(q, dtype=float), 100)
    before = np.floor(virtual)
    gamma = virtual - before
    at = before.astype(np.intp)
    got = order_statistics(v, np.column_stack([at, at + 1]).ravel())
    if got is None:
        return np.percentile(v, q)
    a, b = got[0::2], got[1::2]
    diff_b_a = b - a
    out = np.add(a, diff_b_a * gamma)
    np.subtract(b, diff_b_a * (1 - gamma), out=out, where=gamma >= 0.5)
    return out


def median(v: np.ndarray) -> float:
    """``np.median(v)`` of values without NaN, the same value but for the sign of a
    zero, by :func:`order_statistics`. ``v`` is scratch, reordered in place."""
    n = len(v)
    got = order_statistics(v, np.array([(n - 1) // 2, (n - 1) // 2 + 1]))
    if got is None:
        return float(np.median(v))
    return float(got[0] if n % 2 else (got[0] + got[1]) / 2)


def _flat(probe: np.ndarray) -> np.ndarray:
    """Per row of ``probe`` (a few values of each row of an array), whether the
    middle half of them is one value (numpy's SIMD selection slows down there)."""
    probe = np.sort(probe, axis=1)
    return probe[:, probe.shape[1] // 4] == probe[:, 3 * probe.shape[1] // 4]
