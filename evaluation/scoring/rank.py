"""Rank units by composite score, overall and within peer groups, with rank change.

Ties share the best rank ("min", as COINr and the UNDP HDI tables: 1, 2, 2, 4).
Scores are compared after rounding to 9 decimals, so that floating-point noise
(0.1 + 0.2) never splits a tie. Units without a composite are not ranked.
"""

from __future__ import annotations

import pandas as pd

from evaluation import periods as P

TIE_DECIMALS = 9


def rank_units(scores: pd.Series, *, within: pd.Series | None = None) -> pd.Series:
    """Rank ``scores`` (higher = better) within each period, and within ``within``.

    ``scores`` is indexed by ``(period, unit_id)``; ``within`` (e.g. peer group) is
    aligned to it. Returns nullable integer ranks; NaN scores get no rank.
    """
    keys = [scores.index.get_level_values("period")]
    if within is not None:
        keys.append(within.reindex(scores.index).to_numpy())
    ranks = (
        scores.round(TIE_DECIMALS)
        .groupby(keys, sort=False)
        .rank(method="min", ascending=False)
    )
    return ranks.astype("Int64")


def rank_change(ranks: pd.Series) -> pd.Series:
    """Previous period's rank minus this one's: positive = moved up; NA if unranked."""
    idx = ranks.index
    labels = idx.get_level_values("period")
    previous = labels.map({p: P.previous(p) for p in labels.unique()})
    before = ranks.reindex(
        pd.MultiIndex.from_arrays(
            [previous, idx.get_level_values("unit_id")], names=idx.names
        )
    )
    return pd.Series(before.to_numpy() - ranks.to_numpy(), index=idx, dtype="Int64")
