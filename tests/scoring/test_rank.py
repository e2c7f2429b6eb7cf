"""Ranks overall and within peer groups, ties and rank change, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.scoring.rank import rank_change, rank_units


def series(values: dict, name="composite_score") -> pd.Series:
    """``{(period, unit): value}`` as a Series indexed by ``(period, unit_id)``."""
    index = pd.MultiIndex.from_tuples(list(values), names=["period", "unit_id"])
    return pd.Series(list(values.values()), index=index, name=name, dtype=float)


def test_ties_share_the_better_rank_and_the_next_place_is_skipped():
    s = series({("2025", u): v for u, v in zip("ABCD", [90, 80, 80, 70], strict=True)})
    assert rank_units(s).tolist() == [1, 2, 2, 4]  # 1, 2, 2, 4 as COINr and the HDI


def test_floating_point_noise_does_not_split_a_tie():
    s = series({("2025", "A"): 0.1 + 0.2, ("2025", "B"): 0.3, ("2025", "C"): 0.2})
    assert rank_units(s).tolist() == [1, 1, 3]


def test_a_unit_without_a_composite_gets_no_rank():
    s = series({("2025", "A"): 50.0, ("2025", "B"): np.nan, ("2025", "C"): 60.0})
    ranks = rank_units(s)
    assert ranks.tolist()[0] == 2 and ranks.tolist()[2] == 1
    assert ranks.isna().tolist() == [False, True, False]


def test_each_period_and_each_peer_group_is_ranked_apart():
    s = series(
        {
            ("2024", "A"): 10.0,
            ("2024", "B"): 20.0,
            ("2024", "C"): 30.0,
            ("2025", "A"): 30.0,
            ("2025", "B"): 20.0,
            ("2025", "C"): 10.0,
        }
    )
    assert rank_units(s).tolist() == [3, 2, 1, 1, 2, 3]
    groups = pd.Series(["g1", "g1", "g2"] * 2, index=s.index)
    # 2024: g1 = {A 10, B 20} → A 2, B 1; C alone in g2 → 1; 2025: A 1, B 2, C 1
    assert rank_units(s, within=groups).tolist() == [2, 1, 1, 1, 2, 1]


def test_rank_change_is_the_previous_rank_minus_this_one():
    ranks = pd.Series(
        [3, 1, 2, 1, 3, pd.NA],
        index=pd.MultiIndex.from_product(
            [["2025-Q1", "2025-Q2"], ["A", "B", "C"]], names=["period", "unit_id"]
        ),
        dtype="Int64",
    )
    change = rank_change(ranks)
    # Q1 has no previous period in the table; in Q2 A went 3 → 1 (+2), B 1 → 3 (−2),
    # C is unranked
    assert change.loc["2025-Q1"].isna().all()
    assert change.loc["2025-Q2"].tolist()[:2] == [2, -2]
    assert change.loc[("2025-Q2", "C")] is pd.NA


def test_rank_change_compares_with_the_previous_period_of_the_same_frequency():
    ranks = pd.Series(
        [2, 1, 1, 2],
        index=pd.MultiIndex.from_tuples(
            [("2024", "A"), ("2024", "B"), ("2025", "A"), ("2025", "B")],
            names=["period", "unit_id"],
        ),
        dtype="Int64",
    )
    assert rank_change(ranks).tolist()[2:] == [1, -1]


def test_rank_change_finds_the_previous_period_whatever_the_row_order():
    # rows not grouped by period; 2025-M03's previous month (M02) is not in the
    # table, so no change there. By hand: A 2 → 1 (+1) and B 1 → 2 (−1) in M02.
    ranks = pd.Series(
        [1, 2, 1, 2, 1],
        index=pd.MultiIndex.from_tuples(
            [
                ("2025-M02", "A"),
                ("2025-M01", "A"),
                ("2025-M01", "B"),
                ("2025-M02", "B"),
                ("2025-M04", "B"),
            ],
            names=["period", "unit_id"],
        ),
        dtype="Int64",
    )
    change = rank_change(ranks)
    assert str(change.dtype) == "Int64"
    assert change.loc[("2025-M02", "A")] == 1
    assert change.loc[("2025-M02", "B")] == -1
    assert change.loc[("2025-M01", "A")] is pd.NA
    assert change.loc[("2025-M04", "B")] is pd.NA  # M03 not in the table
