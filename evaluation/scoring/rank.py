"""Rank units by composite score, overall and within peer groups, with rank change.

Ties share the best rank ("min", as COINr and the UNDP HDI tables: 1, 2, 2, 4).
Scores are compared after rounding to 9 decimals, so that floating-point noise
(0.1 + 0.2) never splits a tie. Units without a composite are not ranked.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation import periods as P

TIE_DECIMALS = 9


def rank_units(scores: pd.Series, *, within: pd.Series | None = None) -> pd.Series:
    """Rank ``scores`` (higher = better) within each period, and within ``within``.

    ``scores`` is indexed by ``(period, unit_id)``; ``within`` (e.g. peer group) is
    aligned to it. Returns nullable integer ranks; NaN scores get no rank.
    """
    # the groups by integer codes (-1: no group, unranked as a NaN label is): a
    # rank within a group does not depend on how the group is named
    group = _level_codes(scores.index, "period")
    if within is not None:
        same = within.index.is_(scores.index)
        of_row = within if same else within.reindex(scores.index)
        group = _within(group, pd.factorize(of_row)[0])
    rank = _min_rank_descending(
        np.round(scores.to_numpy(dtype=float), TIE_DECIMALS), group
    )
    return pd.Series(_nullable(rank), index=scores.index, name=scores.name)


def rank_columns(
    scores: np.ndarray, index: pd.MultiIndex, peer: np.ndarray
) -> dict[str, pd.arrays.IntegerArray]:
    """``rank``, ``peer_rank``, ``rank_change`` and ``peer_rank_change`` of
    ``scores`` on a ``(period, unit_id)`` index with unique rows, as
    :func:`rank_units` and :func:`rank_change` give them, on arrays: the values
    rounded once and each row's previous-period row found once for both ranks.
    ``peer``: each row's peer-group code (-1: none)."""
    rounded = np.round(scores, TIE_DECIMALS)
    period = _level_codes(index, "period")
    # the values sorted once, highest first, for both ranks (a stable sort of the
    # group codes then keeps that order within each group)
    by_value = _descending(rounded)
    overall = _min_rank_descending(rounded, period, by_value)
    within = _min_rank_descending(rounded, _within(period, peer), by_value)
    before = _previous_rows(index)
    return {
        "rank": _nullable(overall),
        "peer_rank": _nullable(within),
        "rank_change": _change(overall, before),
        "peer_rank_change": _change(within, before),
    }


def _within(group: np.ndarray, peer: np.ndarray) -> np.ndarray:
    """One code per (period group, peer group) pair; -1 where either is -1."""
    width = peer.max(initial=-1) + 1
    return np.where((group >= 0) & (peer >= 0), group * width + peer, -1)


def _nullable(rank: np.ndarray) -> pd.arrays.IntegerArray:
    """Ranks as nullable integers, NA where 0 (no rank)."""
    return pd.arrays.IntegerArray(rank, rank == 0)


def _descending(values: np.ndarray) -> np.ndarray:
    """Positions of ``values`` highest first, NaN last, ties in row order."""
    return np.argsort(-values, kind="stable")


def _min_rank_descending(
    values: np.ndarray, group: np.ndarray, by_value: np.ndarray | None = None
) -> np.ndarray:
    """Each value's rank within its group, highest first, ties sharing the best
    (``groupby(group).rank(method="min", ascending=False)``); 0 where the value is
    NaN or the group is -1. A sort and two running maxima, no group-by.
    ``by_value``: :func:`_descending` of ``values``, when already found."""
    rank = np.zeros(len(values), dtype=np.int64)
    if by_value is None:
        by_value = _descending(values)
    # by group, then by value, highest first (``lexsort((-v, g))``: a stable sort
    # of the few group codes over the value order, a fifth of its time)
    keep = by_value[~np.isnan(values[by_value]) & (group[by_value] >= 0)]
    order = keep[np.argsort(group[keep], kind="stable")]
    v, g = values[order], group[order]
    step = np.arange(len(order))
    new_group = np.ones(len(order), dtype=bool)
    new_group[1:] = g[1:] != g[:-1]
    new_value = new_group.copy()
    new_value[1:] |= v[1:] != v[:-1]
    first_of_group = np.maximum.accumulate(np.where(new_group, step, 0))
    first_of_value = np.maximum.accumulate(np.where(new_value, step, 0))
    rank[order] = first_of_value - first_of_group + 1
    return rank


def _level_codes(index: pd.Index, level: str) -> np.ndarray:
    """Each row's ``level`` label as an integer code (-1: missing), the
    MultiIndex's own codes where it has them."""
    if isinstance(index, pd.MultiIndex):
        return index.codes[index.names.index(level)].astype(np.int64)
    return pd.factorize(index.get_level_values(level))[0].astype(np.int64)


def rank_change(ranks: pd.Series) -> pd.Series:
    """Previous period's rank minus this one's: positive = moved up; NA if unranked."""
    idx = ranks.index
    if isinstance(idx, pd.MultiIndex) and idx.is_unique:
        # by the index's integer codes: each row's previous-period row found in a
        # table of code pairs instead of a reindex hashing every label pair
        values = ranks.array
        if not isinstance(ranks.dtype, pd.Int64Dtype):
            values = pd.array(ranks.to_numpy(), dtype="Int64")
        rank = values.to_numpy(dtype=np.int64, na_value=0)
        change = _change(rank, _previous_rows(idx), values.isna())
        return pd.Series(change, index=idx, dtype="Int64", copy=False)
    labels = idx.get_level_values("period")
    previous = labels.map({p: P.previous(p) for p in labels.unique()})
    before = ranks.reindex(
        pd.MultiIndex.from_arrays(
            [previous, idx.get_level_values("unit_id")], names=idx.names
        )
    )
    return pd.Series(before.to_numpy() - ranks.to_numpy(), index=idx, dtype="Int64")


def _previous_rows(idx: pd.MultiIndex) -> np.ndarray:
    """Each row's row in the previous period (``periods.previous``) of a unique
    ``(period, unit_id)`` index, -1 where there is none: by the index's codes."""
    p_level = idx.names.index("period")
    u_level = idx.names.index("unit_id")
    periods = idx.levels[p_level]
    n_units = len(idx.levels[u_level])
    p_code = idx.codes[p_level].astype(np.int64)
    u_code = idx.codes[u_level].astype(np.int64)
    used = np.unique(p_code)  # P.previous on the periods present only
    previous = np.full(len(periods), -1, dtype=np.int64)  # -1: none
    names = periods.tolist()  # the few period labels, looked up in a dict
    where = {label: k for k, label in enumerate(names)}
    previous[used] = [where.get(P.previous(names[k]), -1) for k in used.tolist()]
    row = np.full(len(periods) * n_units, -1, dtype=np.int64)
    row[p_code * n_units + u_code] = np.arange(len(idx))
    prev = previous[p_code]
    return np.where(prev >= 0, row[np.maximum(prev, 0) * n_units + u_code], -1)


def _change(
    rank: np.ndarray, before: np.ndarray, unranked: np.ndarray | None = None
) -> pd.arrays.IntegerArray:
    """The previous row's rank minus this one's (``before``: the previous row, -1
    where none); NA where either has no rank (``unranked``; by default where
    ``rank`` is 0, as :func:`_min_rank_descending` marks it)."""
    unranked = rank == 0 if unranked is None else np.asarray(unranked, dtype=bool)
    at = np.maximum(before, 0)
    gone = (before < 0) | unranked[at] | unranked
    return pd.arrays.IntegerArray(np.where(gone, 0, rank[at] - rank), gone)
