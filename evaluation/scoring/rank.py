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
    # the groups by integer codes (NaN: no group, unranked as a NaN label is): a
    # rank within a group does not depend on how the group is named
    keys = [_codes(scores.index, "period")]
    if within is not None:
        keys.append(_group_codes(pd.factorize(within.reindex(scores.index))[0]))
    ranks = (
        scores.round(TIE_DECIMALS)
        .groupby(keys, sort=False)
        .rank(method="min", ascending=False)
    )
    return ranks.astype("Int64")


def _codes(index: pd.Index, level: str) -> np.ndarray:
    """Each row's ``level`` label as a group code (the MultiIndex's own codes)."""
    if isinstance(index, pd.MultiIndex):
        return _group_codes(index.codes[index.names.index(level)])
    return _group_codes(pd.factorize(index.get_level_values(level))[0])


def _group_codes(codes: np.ndarray) -> np.ndarray:
    """Codes as group keys: NaN for -1 (a missing label), which a group-by drops."""
    return np.where(codes >= 0, codes, np.nan)


def rank_change(ranks: pd.Series) -> pd.Series:
    """Previous period's rank minus this one's: positive = moved up; NA if unranked."""
    idx = ranks.index
    if isinstance(idx, pd.MultiIndex) and idx.is_unique:
        return _rank_change_by_codes(ranks)
    labels = idx.get_level_values("period")
    previous = labels.map({p: P.previous(p) for p in labels.unique()})
    before = ranks.reindex(
        pd.MultiIndex.from_arrays(
            [previous, idx.get_level_values("unit_id")], names=idx.names
        )
    )
    return pd.Series(before.to_numpy() - ranks.to_numpy(), index=idx, dtype="Int64")


def _rank_change_by_codes(ranks: pd.Series) -> pd.Series:
    """:func:`rank_change` on a unique ``(period, unit_id)`` index, by its integer
    codes: each row's previous-period row found in a table of code pairs instead of
    a reindex hashing every label pair."""
    idx = ranks.index
    p_level = idx.names.index("period")
    u_level = idx.names.index("unit_id")
    periods = idx.levels[p_level]
    n_units = len(idx.levels[u_level])
    p_code = idx.codes[p_level].astype(np.int64)
    u_code = idx.codes[u_level].astype(np.int64)
    used = np.unique(p_code)  # P.previous on the periods present only
    previous = np.full(len(periods), -1, dtype=np.int64)  # -1: none
    previous[used] = periods.get_indexer([P.previous(periods[k]) for k in used])
    row = np.full(len(periods) * n_units, -1, dtype=np.int64)
    row[p_code * n_units + u_code] = np.arange(len(idx))
    prev = previous[p_code]
    at = np.where(prev >= 0, row[np.maximum(prev, 0) * n_units + u_code], -1)
    values = (
        ranks.array
        if isinstance(ranks.dtype, pd.Int64Dtype)
        else pd.array(ranks.to_numpy(), dtype="Int64")
    )
    before = values.take(at, allow_fill=True)
    return pd.Series(before - values, index=idx, dtype="Int64")
