"""Roll sub-period reports up to evaluation periods and apply missing-data rules.

Output is dense: one row per (period, unit, indicator) for every unit in the units
table, every evaluation period scored and every indicator that fits the period, in
that order, so stages can reshape it to a ``(period, unit) × indicator`` matrix
without a pivot.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from evaluation import periods as P
from evaluation.catalogue import Catalogue

#: how each (period, unit, indicator) value came about, before any imputation;
#: :data:`STATUSES` adds ``imputed_<rule>`` for each of :data:`IMPUTERS`
NOT_IMPUTED = ("reported", "missing_excluded", "missing_zero_score")


def scored_indicators(catalogue: Catalogue, frequency: str) -> list[str]:
    """Indicators reported at least as often as ``frequency`` (catalogue order)."""
    size = P.months_per(frequency)
    return [i.id for i in catalogue.indicators if P.months_per(i.frequency) <= size]


def evaluation_periods(observations: pd.DataFrame, period: str) -> list[str]:
    """Every period of ``period``'s frequency that has reports, up to ``period``."""
    labels = pd.Series(observations["period"].unique())
    return _periods_up_to(P.containing(labels, P.frequency_of(period)), period)


def _periods_up_to(containing, period: str) -> list[str]:
    """:func:`evaluation_periods` from the periods of ``period``'s frequency the
    distinct report labels fall in (``containing``: labels, missing where none)."""
    # each once, in order of first appearance (missing: not a label)
    labels = [*dict.fromkeys(x for x in containing if isinstance(x, str)), period]
    month = _end_month(labels)
    keep = dict.fromkeys(  # once each, the first time seen, up to ``period``
        label for label, m in zip(labels, month.tolist(), strict=True) if m <= month[-1]
    )
    at = dict(zip(labels, month.tolist(), strict=True))
    return sorted(keep, key=at.__getitem__)  # chronological; ties as first seen


def _end_month(labels) -> np.ndarray:
    """Months since year 0 to each label's last month (NaN where not a label), as
    ``periods.parse`` gives them, label by label through the cached
    ``periods.year_end``: a run has a few dozen distinct labels, and each
    ``parse`` call costs several milliseconds of pandas."""
    out = np.full(len(labels), np.nan)
    for k, text in enumerate(labels):
        try:
            _, year, end = P.year_end(text)
        except (TypeError, ValueError):  # missing, or not a period label
            continue
        out[k] = year * 12 + end
    return out


@dataclass(frozen=True, eq=False)
class Prepared:
    """The prepared values as the dense (period, unit, indicator) cube: each column
    of :func:`prepare`'s table flat, in its row order, and the labels of each axis
    once. The stages after read the arrays (:func:`as_matrix`,
    :func:`insufficient_rows`, :func:`excuse_absent`); the long table, three text
    columns of every row, is built when first read (:attr:`table`)."""

    periods: list[str]  #: the evaluation periods, oldest first
    unit_ids: np.ndarray  #: the units table's ids, in its order
    indicator_ids: list[str]  #: the indicators scored, catalogue order
    value: np.ndarray
    n_reported: np.ndarray
    n_expected: np.ndarray
    status: pd.Categorical

    @cached_property
    def table(self) -> pd.DataFrame:
        """``period, unit_id, indicator_id, value, n_reported, n_expected, status``,
        one row per cell (the table :func:`prepare` returns)."""
        n_p, n_u, n_i = len(self.periods), len(self.unit_ids), len(self.indicator_ids)
        # the columns are the cube's own arrays: the frame takes them as they are
        # (copy=False: no copy of each 5M-value column into a pandas block)
        return pd.DataFrame(
            {
                "period": _blocks(self.periods, n_u * n_i),
                "unit_id": take_labels(self.unit_ids, _grid(n_p, n_u, n_i, 1)),
                "indicator_id": take_labels(
                    self.indicator_ids, _grid(n_p, n_u, n_i, 2)
                ),
                "value": self.value,
                "n_reported": self.n_reported,
                "n_expected": self.n_expected,
                "status": self.status,
            },
            copy=False,
        )


def prepare(
    observations: pd.DataFrame,
    units: pd.DataFrame,
    catalogue: Catalogue,
    *,
    period: str,
) -> pd.DataFrame:
    """Roll reports up to ``period``'s frequency, for it and every earlier period.

    Returns ``period, unit_id, indicator_id, value, n_reported, n_expected, status``.
    ``value`` is NaN where nothing usable was reported and the rule is ``exclude`` or
    ``zero_score`` (normalisation turns the latter into a score of 0).
    """
    return prepare_cube(observations, units, catalogue, period=period).table


def prepare_cube(
    observations: pd.DataFrame,
    units: pd.DataFrame,
    catalogue: Catalogue,
    *,
    period: str,
) -> Prepared:
    """:func:`prepare` as the cube's arrays, its long table not yet built (the
    pipeline's path: a reader of the composites never pays for it)."""
    freq = P.frequency_of(period)
    ids = scored_indicators(catalogue, freq)
    if not ids:
        raise ValueError(f"no indicator is reported often enough to score {period!r}")
    unit_ids = units["unit_id"].to_numpy()
    obs = observations  # no row copies: work on integer codes of the columns
    # the table's columns read here, from the indicators themselves (as the
    # table has them; no pandas per column and call)
    by_id = {i.id: i for i in catalogue.indicators}
    scored = [by_id[k] for k in ids]
    denominators = {i.id: i.denominator for i in scored if i.denominator}
    volumes = {
        i.id: i.rollup.weight_by for i in scored if i.rollup.weight_by is not None
    }
    # each id column's positions among the ids, found once: the indicators
    # scored, then the denominator and volume series they read (a series' rows
    # by its position; one look-up of each report, no factorisation)
    read = [by.by for by in denominators.values()]
    ind_labels = [*dict.fromkeys([*ids, *read, *volumes.values()])]
    ind_code = _codes(obs["indicator_id"], ind_labels)
    i_code = ind_code if len(ind_labels) == len(ids) else _among(ind_code, len(ids))
    u_code = _codes(obs["unit_id"], unit_ids)
    # periods: parse the few distinct labels once, then index by code
    sub_code, labels = _factorize(obs["period"])
    # the few distinct labels in plain Python (``P.containing`` label by label)
    texts = [x if isinstance(x, str) else str(x) for x in labels.tolist()]
    in_eval = [P.containing_label(x, freq) for x in texts]
    eval_periods = _periods_up_to(in_eval, period)
    n_p, n_u, n_i = len(eval_periods), len(unit_ids), len(ids)
    label_month = _end_month(labels)
    where = {label: k for k, label in enumerate(eval_periods)}
    label_period = np.array([where.get(x, -1) for x in in_eval], dtype=np.intp)
    reported = obs["value"].to_numpy(dtype=float)
    # denominators write to a copy; without them the reports serve as they are
    value = reported.copy() if denominators else reported
    tables: dict[str, np.ndarray] = {}  # a series' reports by (unit, sub-period)

    series_at: dict[str, int] = {}

    def same_cell(series_id: str, rows: np.ndarray) -> np.ndarray:
        """``series_id``'s value for the same unit and sub-period as each of
        ``rows`` (a mask or positions)."""
        if series_id not in tables:  # a denominator serves several indicators
            if not series_at:  # the series ids' positions, once (not an Index look-up)
                series_at.update((x, k) for k, x in enumerate(ind_labels))
            k = series_at.get(series_id, -1)
            other = ind_code == k if k >= 0 else np.zeros(len(ind_code), dtype=bool)
            o_key = u_code[other] * len(labels) + sub_code[other]
            # a dense table of (unit, sub-period) keys: each key's first report
            key, first = np.unique(o_key, return_index=True)
            ok = key >= 0
            table = np.full(n_u * len(labels) + 1, np.nan)  # the last: not found
            table[key[ok]] = reported[other][first[ok]]
            tables[series_id] = table
        table = tables[series_id]
        want = u_code[rows] * len(labels) + sub_code[rows]
        return table[np.where((want >= 0) & (want < len(table) - 1), want, -1)]

    # denominators: divide each report by its unit's same-period denominator
    for ind_id, by in denominators.items():
        rows = i_code == ids.index(ind_id)
        value[rows] = divide(value[rows], same_cell(by.by, rows), by.scale)
    # a report counts in an evaluation period (a property of its label, looked up
    # by code: no period code per report)
    usable = (i_code >= 0) & (label_period >= 0)[sub_code] & (u_code >= 0)
    usable &= ~np.isnan(value)
    every = bool(usable.all())  # each report counts: its arrays serve as they are
    at = None if every else np.flatnonzero(usable)

    def of_at(column: np.ndarray) -> np.ndarray:
        return column if every else column[at]

    # each report's place in a (period, unit) × sub-period × indicator cube; the
    # sub-periods are the months before the period's end that have reports, oldest
    # first
    end = _end_month(eval_periods)
    # a report's step is a function of its label: find the steps among the labels
    # that have reports (a few dozen), not among the millions of reports
    label_step = label_month - end[np.maximum(label_period, 0)]
    sub = of_at(sub_code)
    # every label has reports when every report counts (the labels are theirs)
    seen = (
        np.ones(len(labels), dtype=bool)
        if every
        else np.bincount(sub, minlength=len(labels)) > 0
    )
    steps = np.unique(label_step[seen])
    label_slot = np.searchsorted(steps, label_step)
    n_s = len(steps)
    # one flat position per report (a 1-d scatter, not a 3-d fancy index):
    # ((period · n_u + unit) · n_s + slot) · n_i + indicator, the period's and the
    # slot's part looked up by label
    by_label = np.maximum(label_period, 0).astype(np.int64) * n_u * n_s + label_slot
    flat = of_at(u_code) * (n_s * n_i)
    flat += (by_label * n_i)[sub]
    flat += of_at(i_code)
    reports = np.full((n_p * n_u, n_s, n_i), np.nan)
    reports.reshape(-1)[flat] = of_at(value)
    del flat
    # weighted means: a volume series reported for the same unit and sub-period
    weights = {}
    if volumes:
        p_code = np.maximum(label_period, 0)[sub].astype(np.int64)
        cell = p_code * n_u + of_at(u_code)
        slot = label_slot[sub]
        rows = np.arange(len(usable)) if every else at
    for ind_id, weight_by in volumes.items():
        j = ids.index(ind_id)
        mine = of_at(i_code) == j
        weights[j] = np.full((n_p * n_u, n_s), np.nan)
        weights[j][cell[mine], slot[mine]] = same_cell(weight_by, rows[mine])
    frequencies = [i.frequency for i in scored]
    expected = np.array(  # (p, i): a cached count per (frequency, label)
        [[P.expected_count(f, p) for f in frequencies] for p in eval_periods],
        dtype=int,
    ).reshape(n_p, n_i)
    per_cell = np.empty((n_p, n_u, n_i), dtype=expected.dtype)  # (p, u) × i
    per_cell[...] = expected[:, None, :]
    per_cell = per_cell.reshape(n_p * n_u, n_i)
    rolled, count = roll_up(
        reports, [i.rollup.method for i in scored], per_cell, weights
    )
    value = rolled.reshape(-1)
    filled, status = _missing_rules(
        value.reshape(n_p, n_u, n_i),
        [i.missing for i in scored],
        units,
        catalogue.settings,
    )
    return Prepared(
        periods=eval_periods,
        unit_ids=unit_ids,
        indicator_ids=ids,
        value=value if filled is None else filled.reshape(-1),
        n_reported=count.reshape(-1),
        n_expected=per_cell.reshape(-1).astype(int, copy=False),
        status=status,
    )


def _grid(n_p: int, n_u: int, n_i: int, axis: int) -> np.ndarray:
    """Each row's period (``axis`` 0), unit (1) or indicator (2) position in the
    dense (period, unit, indicator) order: one 32-bit array, no tiling."""
    shape = [1, 1, 1]
    shape[axis] = (n_p, n_u, n_i)[axis]
    codes = np.arange(shape[axis], dtype=np.int32).reshape(shape)
    return np.broadcast_to(codes, (n_p, n_u, n_i)).reshape(-1)


def _blocks(labels: list[str], size: int) -> pd.api.extensions.ExtensionArray:
    """Each label ``size`` times in a row, as :func:`take_labels` types them: one
    Arrow repeat per label (a period's rows are one block of the dense order)."""
    if not labels:
        return take_labels(labels, np.zeros(0, dtype=np.int32))
    parts = [pa.repeat(pa.scalar(str(k), pa.large_string()), size) for k in labels]
    one = parts[0] if len(parts) == 1 else pa.concat_arrays(parts)  # no copy of one
    return pd.array(one, dtype="str")


def take_labels(categories, codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``categories[codes]`` as text typed as the package's text columns are (Arrow
    strings): one take on the few distinct labels, no Python object per row (building
    a 5M-row id column from Python strings takes ~0.8 s, this ~0.1 s)."""
    small = pa.array(np.asarray(categories, dtype=object), pa.large_string())
    return pd.array(small.take(np.asarray(codes)), dtype="str")


def roll_up(
    reports: np.ndarray,
    how: Sequence[str],
    expected: np.ndarray,
    weights: Mapping[int, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's reports rolled up to one value: the package's one roll-up (the
    pipeline's :func:`prepare` and the national path both call it).

    ``reports``: cells × sub-periods × indicators, each cell's reports in time order
    along the middle axis (NaN: none). ``how``: each indicator's ``rollup``: ``mean``;
    ``sum``, pro rata to the ``expected`` number of reports (broadcast to cells ×
    indicators) when some are missing; ``last``, the latest report; or
    ``weighted_mean`` by ``weights[j]`` (cells × sub-periods: the volume behind each of
    indicator ``j``'s reports; NaN or ≤ 0 does not count). Sums run in time order, so
    a value does not depend on the order the rows arrived in.

    Returns the values (cells × indicators; NaN where nothing was reported) and the
    number of reports.
    """
    n_c, n_s, n_i = reports.shape
    how = np.asarray(how, dtype=object)
    # the running sum and latest report only where some indicator's rule reads them
    total = np.zeros((n_c, n_i)) if {"mean", "sum"} & set(how) else None
    if n_s == 1:  # one report at most: the count and the latest without a loop
        x = reports[:, 0, :]
        have = ~np.isnan(x)
        count = have.astype(np.int64)
        if total is not None:
            total += np.where(have, x, 0.0)
        # the one report is the latest (a view of the reports, NaN where none)
        last = x if "last" in set(how) else None
    else:
        count = np.zeros((n_c, n_i), dtype=np.int64)
        last = np.full((n_c, n_i), np.nan) if "last" in set(how) else None
    for k in range(n_s if n_s > 1 else 0):  # a few sub-periods; each a whole slice
        x = reports[:, k, :]
        have = ~np.isnan(x)
        count += have
        if total is not None:
            total += np.where(have, x, 0.0)
        if last is not None:
            np.copyto(last, x, where=have)  # later reports overwrite earlier ones
    out = None
    with np.errstate(invalid="ignore", divide="ignore"):
        for rule in ROLLUPS:  # only the rules some indicator uses, only its columns
            cols = np.flatnonzero(how == rule)
            if not len(cols):
                continue
            # one rule for every indicator: its array is the result (no copy)
            whole = len(cols) == n_i and rule != "weighted_mean"
            if whole:
                cols = slice(None)  # a slice, no fancy index
            elif out is None:
                out = np.full((n_c, n_i), np.nan)
            if rule == "mean":
                part = total[:, cols] / count[:, cols]
            elif rule == "sum":
                e = np.broadcast_to(expected, (n_c, n_i))[:, cols]
                part = total[:, cols] * e / count[:, cols]
            elif rule == "last":
                part = last if whole else last[:, cols]
            else:  # weighted_mean
                for j in cols:
                    out[:, j] = _weighted_mean(reports[:, :, j], (weights or {}).get(j))
                continue
            if whole:
                out = part
            else:
                out[:, cols] = part
    if out is None:  # no indicator
        out = np.full((n_c, n_i), np.nan)
    if not (n_s == 1 and out is last):  # else NaN (np.nan) already where none
        out[count == 0] = np.nan
    return out, count


#: how sub-period reports become one value (the catalogue's ``rollup``)
ROLLUPS = ("mean", "sum", "last", "weighted_mean")


def _weighted_mean(x: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Cells × sub-periods → the mean weighted by the volumes ``w`` (NaN or ≤ 0 does
    not count); NaN where no report has a usable volume."""
    n_c, n_s = x.shape
    if w is None:
        return np.full(n_c, np.nan)
    num, den = np.zeros(n_c), np.zeros(n_c)
    seen = np.zeros(n_c, dtype=bool)
    for k in range(n_s):
        ok = ~np.isnan(x[:, k]) & ~np.isnan(w[:, k]) & (w[:, k] > 0)
        num += np.where(ok, x[:, k] * w[:, k], 0.0)
        den += np.where(ok, w[:, k], 0.0)
        seen |= ok
    return np.where(seen, num / den, np.nan)


def divide(value: np.ndarray, by: np.ndarray, scale: float) -> np.ndarray:
    """Reports divided by their denominator's report of the same unit and sub-period,
    times ``scale``; NaN where the denominator is missing or not positive."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(by > 0, value / by, np.nan) * scale


def as_matrix(
    prepared: Prepared | pd.DataFrame, unit_ids
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``prepared`` (the cube, or its table: dense, in period, unit, indicator
    order) as a ``(period, unit_id) × indicator`` value matrix, and the matching
    ``zero_score`` mask; a reshape, no pivot."""
    if isinstance(prepared, Prepared):  # the labels as the cube has them
        cells = len(prepared.value) > 0  # none: no labels, as a table of no rows
        ids = prepared.indicator_ids if cells else []
        periods = prepared.periods if cells else []
        values, status = prepared.value, prepared.status
    else:
        # labels in order of appearance, read where the dense layout puts them: the
        # first unit of the first period has every indicator (no pass over every row)
        n_u = max(len(unit_ids), 1)
        ids = list(prepared["indicator_id"].iloc[: len(prepared) // n_u].unique())
        periods = list(prepared["period"].iloc[:: n_u * max(len(ids), 1)].unique())
        values, status = prepared["value"].to_numpy(), prepared["status"]
    index = _product_index(periods, unit_ids)
    columns = pd.Index(ids)  # typed once, shared by both frames
    shape = (len(index), len(ids))
    # the values are copied into pandas' column layout, which the column-wise
    # steps after read faster than the rows' (copy=False: +14 ms in normalise at
    # 100,000 × 50, for 14 saved here); the mask is a new array, taken as it is
    matrix = pd.DataFrame(values.reshape(shape), index=index, columns=columns)
    zero = pd.DataFrame(
        np.asarray(status == "missing_zero_score", dtype=bool).reshape(shape),
        index=index,
        columns=columns,
        copy=False,
    )
    return matrix, zero


def _product_index(periods: list[str], unit_ids) -> pd.MultiIndex:
    """``MultiIndex.from_product([periods, unit_ids])`` named ``period, unit_id``
    (levels sorted, each row's codes), from one sorted factorisation of each: the
    same index without from_product's categoricals (a third of the time)."""
    names = ["period", "unit_id"]
    if getattr(unit_ids, "dtype", None) != "str":  # ids to type: as pandas types them
        return pd.MultiIndex.from_product([periods, list(unit_ids)], names=names)
    p_code, p_level = pd.factorize(np.asarray(periods, dtype=object), sort=True)
    u_code, u_level = pd.factorize(unit_ids, sort=True)
    return pd.MultiIndex(
        levels=[p_level, u_level],
        codes=[np.repeat(p_code, len(u_code)), np.tile(u_code, len(p_code))],
        names=names,
        verify_integrity=False,
    )


#: columns shorter than this are read value by value (a run search costs more)
_RUNS_FROM = 65_536
#: a column is read run by run when it has at most one run per this many values
_RUN_LENGTH = 8


def _run_starts(values: pd.Series) -> np.ndarray | None:
    """Where each run of equal values starts, for long Arrow text that comes in
    runs (reports sorted or grouped by unit or period, as files concatenated give
    them); else ``None``. Comparing neighbours costs a third of hashing each value:
    hashing only each run's first value reads 5M ids in runs of 50 1.3× faster,
    and a period column (a few long runs) 2.4× faster."""
    n = len(values)
    if n < _RUNS_FROM or not isinstance(values.array, pd.arrays.ArrowStringArray):
        return None
    text = pa.array(values.array)

    def starts(a: pa.Array) -> np.ndarray:  # a missing neighbour: a new run
        new = pc.not_equal(a.slice(1), a.slice(0, len(a) - 1)).fill_null(True)
        return np.append(0, np.asarray(pc.indices_nonzero(new)).astype(np.int64) + 1)

    # a cheap look at the first values before the whole column
    if len(starts(text.slice(0, 4096))) * _RUN_LENGTH > 4096:
        return None
    found = starts(text)
    return found if len(found) * _RUN_LENGTH <= n else None


def _each(of_run: np.ndarray, starts: np.ndarray, n: int) -> np.ndarray:
    """Each run's value repeated over its rows."""
    return np.repeat(of_run, np.diff(starts, append=n))


def _factorize(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize(values)``, the same codes and uniques, run by run where the
    column comes in runs (:func:`_run_starts`)."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # coded already: its codes
        codes, categories = _categories(values)
        used = np.bincount(codes + 1, minlength=len(categories) + 1)[1:] > 0
        if used.all():
            return codes, categories
        # the uniques are the values present, as pd.factorize's (a category no row
        # uses is no label of the data)
        renumber = np.append(np.cumsum(used) - 1, -1)  # code -1 stays -1
        return renumber[codes], categories[used]
    starts = _run_starts(values)
    if starts is None:
        return pd.factorize(values)
    codes, uniques = pd.factorize(values.iloc[starts])
    return _each(codes, starts, len(values)), uniques


def _codes(values: pd.Series, categories) -> np.ndarray:
    """Position of each value in ``categories`` (-1 if absent or missing): for Arrow
    text and distinct text categories one Arrow look-up of each value (or of each
    run's first value, :func:`_run_starts`), else via the uniques (a factorisation
    and a look-up of the few distinct labels)."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # coded already: its codes
        return _lookup(*_categories(values), categories)
    starts = _run_starts(values)
    if starts is not None:
        return _each(_codes(values.iloc[starts], categories), starts, len(values))
    if isinstance(values.array, pd.arrays.ArrowStringArray):
        known = _distinct_text(categories)
        if known is not None:  # as below, without typing an Index to check them
            text = pa.array(values.array)
            found = pc.index_in(text, value_set=pa.array(known, type=text.type))
            if found.null_count:
                found = found.fill_null(-1)
            return np.asarray(found).astype(np.int64)
        index = pd.Index(categories)
        if index.dtype == "str" and index.is_unique and not index.hasnans:
            text = pa.array(values.array)
            found = pc.index_in(text, value_set=pa.array(index, type=text.type))
            return np.asarray(found.fill_null(-1)).astype(np.int64)
    return _lookup(*pd.factorize(values), categories)


def _distinct_text(categories) -> list[str] | None:
    """``categories`` as a list where each is text (none missing) and none is
    repeated, else None: the check ``pd.Index(categories)`` (typed ``str``,
    unique, no missing) makes, in plain Python for a few dozen ids (the Index
    and its hash table cost about 0.1 ms a call)."""
    known = list(categories)
    if all(isinstance(x, str) for x in known) and len(set(known)) == len(known):
        return known
    return None


def _among(codes: np.ndarray, n: int) -> np.ndarray:
    """``codes`` of a list whose first ``n`` labels are the ones wanted: the
    others' codes -1."""
    return np.where(codes < n, codes, -1)


def _categories(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """A categorical column's codes (-1: missing) and its categories: the column
    as coded (ids read from Parquet dictionaries, or typed ``category``), with no
    hash of its values. Unlike ``pd.factorize``, categories no row uses stay (a
    code never points at them)."""
    cat = values.array
    return np.asarray(cat.codes, dtype=np.int64), cat.categories


def _lookup(codes: np.ndarray, uniques, categories) -> np.ndarray:
    """Factorised ``codes`` of ``uniques`` as positions in ``categories`` (-1 if
    absent)."""
    lookup = np.append(pd.Index(categories).get_indexer(uniques), -1)  # code -1 → -1
    return lookup[codes]


def apply_missing_rules(
    frame: pd.DataFrame, units: pd.DataFrame, meta: pd.DataFrame, settings
) -> pd.DataFrame:
    """Set ``status`` and impute where the indicator's ``missing`` rule says so.

    Imputers see the dense ``(periods, units, indicators)`` cube, so time-aware rules
    (carry forward, trend) use the unit's earlier periods. An indicator imputed for
    more than ``settings.max_imputed_share_indicator`` of the units in a period
    keeps its gaps there instead.
    """
    n_u, ids = len(units), list(meta.index)
    cube = frame["value"].to_numpy(dtype=float).reshape(-1, n_u, len(ids))
    filled, status = _missing_rules(cube, meta["missing"].tolist(), units, settings)
    if filled is not None:  # else the values stand as they are
        frame["value"] = filled.reshape(-1)
    frame["status"] = status
    return frame


def _missing_rules(
    cube: np.ndarray, rule: list[str], units: pd.DataFrame, settings
) -> tuple[np.ndarray | None, pd.Categorical]:
    """:func:`apply_missing_rules` on the ``(periods, units, indicators)`` value cube
    and each indicator's ``missing`` rule: the values with the imputed ones (None
    where no rule imputes) and each cell's status, flat in the cube's order (so
    :func:`prepare` builds its table once, with them)."""
    code = {name: k for k, name in enumerate(STATUSES)}  # statuses as small codes
    zero_rule = np.array([m == "zero_score" for m in rule], dtype=bool)
    missing = np.isnan(cube)
    status = np.full(cube.shape, code["reported"], dtype=np.int8)
    status[missing] = code["missing_excluded"]
    status[missing & zero_rule] = code["missing_zero_score"]
    methods = sorted(set(rule) & set(IMPUTERS))  # exclude: none
    filled = None
    if methods:
        cube = cube.copy()
        imputed = np.zeros(cube.shape, dtype=np.int8)  # 0: not imputed
        group = units["peer_group"].to_numpy()
        for method in methods:
            cols = [j for j, m in enumerate(rule) if m == method]
            part = cube[:, :, cols]
            guess = IMPUTERS[method](part, group)
            fill = np.isnan(part) & ~np.isnan(guess)
            cube[:, :, cols] = np.where(fill, guess, part)
            mark = imputed[:, :, cols]
            mark[fill] = code[f"imputed_{method}"]
            imputed[:, :, cols] = mark
        was = imputed != 0
        too_many = was.mean(axis=1) > settings.max_imputed_share_indicator  # (p, i)
        keep = was & ~too_many[:, None, :]
        status = np.where(keep, imputed, status)
        filled = np.where(was & ~keep, np.nan, cube)
    return filled, pd.Categorical.from_codes(status.reshape(-1), dtype=STATUS_TYPE)


def insufficient_rows(
    prepared: Prepared | pd.DataFrame, n_rows: int, settings
) -> np.ndarray:
    """Per ``(period, unit)`` row of a dense ``prepared`` cube or table (as
    :func:`prepare` returns it, in period, unit, indicator order; the rows of
    :func:`as_matrix`): True where the unit's imputed indicators exceed its limit
    (``settings.max_imputed_share_unit``, share of the indicators scored). Reads
    the status codes where the status is categorical, without grouping by text."""
    cube = isinstance(prepared, Prepared)
    status = prepared.status if cube else prepared["status"]  # the cube's: codes
    if isinstance(status.dtype, pd.CategoricalDtype):
        cats = status if cube else status.array  # each code's verdict (last: -1)
        bad = [s in NOT_REPORTED for s in cats.categories.tolist()] + [False]
        imputed = np.array(bad)[cats.codes]
    else:  # e.g. read back from a file as text
        imputed = status.isin(NOT_REPORTED).to_numpy()
    if not imputed.any():  # every share is 0 (no mean over every cell)
        return np.full(n_rows, 0.0 > settings.max_imputed_share_unit)
    share = imputed.reshape(n_rows, -1).mean(axis=1)
    return share > settings.max_imputed_share_unit


# ------------------------------------------------------------------ imputers
# Each takes values (periods, units, k indicators) and peer groups (units,) and
# returns an array of the same shape with a value for every cell it can fill.


def _peer(statistic):
    """Mean or median of the unit's peer group in the same period."""

    def impute(x: np.ndarray, group: np.ndarray) -> np.ndarray:
        out = np.full(x.shape, np.nan)
        for g in pd.unique(group):  # a handful of peer groups, not units
            rows = group == g
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # an all-empty group
                out[:, rows, :] = statistic(x[:, rows, :], axis=1)[:, None, :]
        return out

    return impute


def _carry_forward(x: np.ndarray, group: np.ndarray) -> np.ndarray:
    """The unit's latest value from an earlier period (last observation carried)."""
    p = x.shape[0]
    index = np.where(~np.isnan(x), np.arange(p)[:, None, None], -1)
    latest = np.maximum.accumulate(index, axis=0)
    earlier = np.concatenate([np.full((1, *x.shape[1:]), -1), latest[:-1]], axis=0)
    taken = np.take_along_axis(x, np.maximum(earlier, 0), axis=0)
    return np.where(earlier >= 0, taken, np.nan)


def _trend(x: np.ndarray, group: np.ndarray) -> np.ndarray:
    """The unit's own least-squares line over its earlier periods (≥ 2), extended."""
    t = np.arange(x.shape[0], dtype=float)[:, None, None]
    have = ~np.isnan(x)
    y = np.where(have, x, 0.0)

    def earlier(a):  # sums over the periods before each one
        c = np.cumsum(a, axis=0)
        return np.concatenate([np.zeros((1, *a.shape[1:])), c[:-1]], axis=0)

    n, st, sy = earlier(have * 1.0), earlier(have * t), earlier(y)
    stt, sty = earlier(have * t * t), earlier(y * t)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (n * sty - st * sy) / (n * stt - st**2)
        intercept = (sy - slope * st) / n
        return np.where(n >= 2, intercept + slope * t, np.nan)


def _sklearn(make):
    """A scikit-learn imputer on each period's units × indicators, standardised."""

    def impute(x: np.ndarray, group: np.ndarray) -> np.ndarray:
        out = np.full(x.shape, np.nan)
        for k in range(x.shape[0]):  # one cross-section per period
            m = x[k]
            cols = ~np.isnan(m).all(axis=0)
            if cols.sum() < 2:  # nothing to learn from
                continue
            centre = np.nanmean(m[:, cols], axis=0)
            scale = np.nanstd(m[:, cols], axis=0)
            scale = np.where(scale > 0, scale, 1.0)
            filled = make().fit_transform((m[:, cols] - centre) / scale)
            block = out[k]
            block[:, cols] = filled * scale + centre
        return out

    return impute


def _knn():
    from sklearn.impute import KNNImputer  # lazy: scikit-learn takes ~1 s to import

    return KNNImputer(n_neighbors=5)


def _iterative():
    # lazy: scikit-learn takes ~1 s to import, and few catalogues impute this way
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer

    return IterativeImputer(random_state=0, max_iter=25)


#: imputing missing-data rule (catalogue ``indicators[].missing``) → imputer; the
def excuse_absent(
    prepared: Prepared | pd.DataFrame, catalogue: Catalogue, absent: pd.DataFrame
) -> Prepared | pd.DataFrame:
    """``prepared`` (the cube, or its table) with the cells a late agency left
    empty (``absent``: the Result's ``absences``, ``evaluation_period`` and
    ``series_id``) excused from ``zero_score``: that rule scores 0 a unit that did
    not report, and here the unit is not at fault (the agency that reports on it
    has not sent its file yet), so the cell is ``missing_excluded`` (its parent
    renormalised) and every other rule stands. An indicator whose denominator or
    weights series is absent counts too."""
    if absent.empty:
        return prepared
    late = set(zip(absent["evaluation_period"], absent["series_id"], strict=True))
    uses = {
        i.id: {i.id}
        | ({i.denominator.by} if i.denominator else set())
        | ({i.rollup.weight_by} if i.rollup.weight_by else set())
        for i in catalogue.indicators
    }
    pairs = {(p, ind) for ind, series in uses.items() for p, s in late if s in series}
    if isinstance(prepared, Prepared):  # by (period, indicator) of the cube's axes
        cells = np.array(
            [
                [(p, i) in pairs for i in prepared.indicator_ids]
                for p in prepared.periods
            ],
            dtype=bool,
        ).reshape(len(prepared.periods), 1, len(prepared.indicator_ids))
        shape = (cells.shape[0], len(prepared.unit_ids), cells.shape[2])
        hit = np.broadcast_to(cells, shape).reshape(-1)
        hit = hit & np.asarray(prepared.status == "missing_zero_score", dtype=bool)
        if not hit.any():
            return prepared
        status = prepared.status.copy()
        status[hit] = "missing_excluded"
        return replace(prepared, status=status)
    key = pd.MultiIndex.from_arrays([prepared["period"], prepared["indicator_id"]])
    zero = (prepared["status"] == "missing_zero_score").to_numpy()
    hit = key.isin(list(pairs)) & zero
    if not hit.any():
        return prepared
    out = prepared.copy()
    out.loc[hit, "status"] = "missing_excluded"
    return out


#: catalogue also allows ``exclude`` and ``zero_score``, which impute nothing
IMPUTERS = {
    "peer_median": _peer(np.nanmedian),
    "peer_mean": _peer(np.nanmean),
    "carry_forward": _carry_forward,
    "trend": _trend,
    "knn": _sklearn(_knn),
    "iterative": _sklearn(_iterative),
}
#: every ``status`` a prepared value can have (the order of the categories' codes)
STATUSES = (*NOT_IMPUTED, *(f"imputed_{rule}" for rule in IMPUTERS))
#: statuses of values that were not reported (imputed, or scored 0 for a gap)
#: the ``status`` column's type (made once)
STATUS_TYPE = pd.CategoricalDtype(STATUSES)
NOT_REPORTED = tuple(s for s in STATUSES if s.startswith(("imputed_", "missing_zero")))
