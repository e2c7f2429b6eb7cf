"""Ranks overall and within peer groups, ties and rank change, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.scoring.rank import rank_change, rank_columns, rank_units


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


def test_rank_columns_by_hand_on_arrays():
    """The pipeline's ranks on arrays: two months, three units, two peer groups
    (A and B in g1, C in g2), C without a composite in M02. By hand:
    M01: 90, 80, 85 → 1, 3, 2; in g1 A 1, B 2; C alone in g2: 1.
    M02: 70, 95, — → A 2, B 1, C none; in g1 A 2, B 1.
    Change M01 → M02: A 1 → 2 (−1), B 3 → 1 (+2), C none; M01: no earlier month."""
    index = pd.MultiIndex.from_product(
        [["2025-M01", "2025-M02"], ["A", "B", "C"]], names=["period", "unit_id"]
    )
    scores = np.array([90.0, 80.0, 85.0, 70.0, 95.0, np.nan])
    peer = np.array([0, 0, 1, 0, 0, 1])
    got = {k: v.tolist() for k, v in rank_columns(scores, index, peer).items()}
    NA = pd.NA
    assert got == {
        "rank": [1, 3, 2, 2, 1, NA],
        "peer_rank": [1, 2, 1, 2, 1, NA],
        "rank_change": [NA, NA, NA, -1, 2, NA],
        "peer_rank_change": [NA, NA, NA, -1, 1, NA],
    }


def test_rank_change_keeps_a_rank_of_any_value_given_as_floats():
    """Ranks handed over as floats (NaN: unranked) are read as nullable integers."""
    ranks = pd.Series(
        [2.0, 1.0, np.nan, 2.0],
        index=pd.MultiIndex.from_product(
            [["2024", "2025"], ["A", "B"]], names=["period", "unit_id"]
        ),
    )
    # 2025: A unranked (NA), B 1 → 2 (−1)
    assert rank_change(ranks).tolist()[2:] == [pd.NA, -1]


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 3),
    st.integers(1, 6),
    st.data(),
)
def test_rank_columns_agree_with_pandas_group_ranks(n_periods, n_units, data):
    """On any scores (ties, gaps) and peer groups, the ranks are pandas'
    ``groupby(...).rank(method="min", ascending=False)`` and each change is the
    previous month's rank minus this one's, worked out with pandas' shift."""
    n = n_periods * n_units
    scores = np.array(
        data.draw(
            st.lists(
                st.sampled_from([np.nan, 10.0, 20.0, 20.0, 30.0]),
                min_size=n,
                max_size=n,
            )
        )
    )
    groups = data.draw(st.lists(st.integers(-1, 1), min_size=n_units, max_size=n_units))
    periods = [f"2025-M{k + 1:02d}" for k in range(n_periods)]
    units = [f"U{k}" for k in range(n_units)]
    index = pd.MultiIndex.from_product([periods, units], names=["period", "unit_id"])
    peer = np.tile(groups, n_periods)
    got = rank_columns(scores, index, peer)
    frame = pd.DataFrame(
        {"period": index.get_level_values(0), "unit": np.tile(units, n_periods),
         "peer": np.where(peer >= 0, peer, np.nan), "score": scores}
    )  # fmt: skip
    overall = frame.groupby("period")["score"].rank(method="min", ascending=False)
    within = frame.groupby(["period", "peer"])["score"].rank(
        method="min", ascending=False
    )
    for name, expected in [("rank", overall), ("peer_rank", within)]:
        assert (
            got[name].astype("Float64").tolist()
            == pd.array(expected, dtype="Float64").tolist()
        )
        before = pd.Series(expected.to_numpy()).groupby(frame["unit"]).shift(1)
        change = pd.array(before - expected.to_numpy(), dtype="Float64")
        assert got[f"{name}_change"].astype("Float64").tolist() == change.tolist()
