"""Normalisation to 0–100, higher = better: each method by hand on a few units.

Expected values are computed here from the methods' formulas (docs/methodology.md §5),
never by the code under test."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.scoring.normalise import normalise


def catalogue(tiny_raw, normalisation: dict, *, direction="higher", **extra):
    """The tiny catalogue with indicator a1 scored by ``normalisation``."""
    a1 = tiny_raw["indicators"][0]
    a1.update(normalisation=normalisation, direction=direction, **extra)
    return ev.parse_catalogue(tiny_raw)


def matrix(values, periods=("2025",)) -> pd.DataFrame:
    """One column ``a1``: ``values`` for units U1, U2 … in each of ``periods``."""
    units = [f"U{k + 1}" for k in range(len(values))]
    index = pd.MultiIndex.from_product([periods, units], names=["period", "unit_id"])
    return pd.DataFrame({"a1": list(values) * len(periods)}, index=index, dtype=float)


def scores(cat, m) -> list[float]:
    return normalise(m, cat)["a1"].tolist()


def test_minmax_of_2_4_6_is_0_50_100(tiny_raw):
    cat = catalogue(tiny_raw, {"method": "minmax"})
    assert scores(cat, matrix([2, 4, 6])) == [0.0, 50.0, 100.0]


def test_minmax_lower_is_better_turns_the_scale_round(tiny_raw):
    cat = catalogue(tiny_raw, {"method": "minmax"}, direction="lower")
    assert scores(cat, matrix([2, 4, 6])) == [100.0, 50.0, 0.0]


def test_minmax_takes_min_and_max_within_each_period(tiny_raw):
    cat = catalogue(tiny_raw, {"method": "minmax"})
    m = matrix([2, 4, 6], periods=("2024", "2025"))
    m.loc["2025", "a1"] = [10.0, 30.0, 20.0]  # 2025: min 10, max 30
    assert scores(cat, m) == [0.0, 50.0, 100.0, 0.0, 100.0, 50.0]


def test_every_unit_equal_scores_100_and_a_gap_stays_a_gap(tiny_raw):
    cat = catalogue(tiny_raw, {"method": "minmax"})
    assert scores(cat, matrix([5, 5, 5])) == [100.0, 100.0, 100.0]
    got = scores(cat, matrix([2, np.nan, 6]))
    assert got[0] == 0.0 and math.isnan(got[1]) and got[2] == 100.0


def test_goalposts_are_fixed_and_scores_are_clipped(tiny_raw):
    cat = catalogue(
        tiny_raw, {"method": "goalposts", "worst": 10, "best": 0}, direction="lower"
    )
    # lower is better: 100 (x − 10) / (0 − 10); 12 lies beyond the worst → 0
    got = scores(cat, matrix([0, 2.5, 10, 12]))
    assert got == [100.0, 75.0, 0.0, 0.0]


def test_zscore_is_mean_plus_sd_times_z_with_the_sample_sd(tiny_raw):
    cat = catalogue(tiny_raw, {"method": "zscore", "mean": 50, "sd": 10})
    # x = 2, 4, 6: mean 4, sample sd 2 → z = −1, 0, 1
    assert scores(cat, matrix([2, 4, 6])) == pytest.approx([40.0, 50.0, 60.0])


def test_target_scores_100_at_the_target_and_0_at_the_worst(tiny_raw):
    cat = catalogue(tiny_raw, {"method": "target", "worst": 50}, target=100)
    # 100 (x − 50) / (100 − 50); 120 is beyond the target → 100
    assert scores(cat, matrix([50, 75, 100, 120])) == [0.0, 50.0, 100.0, 100.0]


def test_rank_normalisation_ties_share_the_better_place(tiny_raw):
    cat = catalogue(tiny_raw, {"method": "rank"})
    # descending ranks 3, 1, 1 (ties min) of n = 3: 100 (n − r)/(n − 1) = 0, 100, 100
    assert scores(cat, matrix([1, 7, 7])) == [0.0, 100.0, 100.0]


def test_percentile_is_the_share_of_units_below(tiny_raw):
    cat = catalogue(tiny_raw, {"method": "percentile"})
    # ascending ranks 1, 2, 3, 4, 5: 100 (r − 1)/(n − 1)
    assert scores(cat, matrix([3, 9, 1, 7, 5])) == [25.0, 100.0, 0.0, 75.0, 50.0]


def test_a_log_transform_scores_the_logarithm(tiny_raw):
    cat = catalogue(
        tiny_raw, {"method": "minmax"}, transform="log", valid={"min": 1, "max": 100}
    )
    # ln 1, ln 10, ln 100 are equally spaced
    assert scores(cat, matrix([1, 10, 100])) == pytest.approx([0.0, 50.0, 100.0])


def test_zero_score_fills_only_the_cells_marked(tiny_raw):
    cat = catalogue(tiny_raw, {"method": "minmax"})
    m = matrix([2, np.nan, 6, np.nan])
    zero = pd.DataFrame({"a1": [False, True, False, False]}, index=m.index)
    got = normalise(m, cat, zero_score=zero)["a1"].tolist()
    assert got[:3] == [0.0, 0.0, 100.0] and math.isnan(got[3])


def test_minmax_periods_need_not_come_in_blocks_of_rows(tiny_raw):
    # rows alternate between the periods: 2024 holds 2, 6, 4 (min 2, max 6) and
    # 2025 holds 10, 30, 20 (min 10, max 30), so by hand 0, 0, 100, 100, 50, 50
    cat = catalogue(tiny_raw, {"method": "minmax"})
    index = pd.MultiIndex.from_tuples(
        [(p, u) for u in ("U1", "U2", "U3") for p in ("2024", "2025")],
        names=["period", "unit_id"],
    )
    m = pd.DataFrame({"a1": [2.0, 10.0, 6.0, 30.0, 4.0, 20.0]}, index=index)
    assert scores(cat, m) == [0.0, 0.0, 100.0, 100.0, 50.0, 50.0]


def test_minmax_a_period_nobody_reported_stays_empty(tiny_raw):
    cat = catalogue(tiny_raw, {"method": "minmax"})
    m = matrix([2, 4, 6], periods=("2024", "2025"))
    m.loc["2024", "a1"] = np.nan  # 2024: no unit has a value
    got = scores(cat, m)
    assert all(math.isnan(v) for v in got[:3]) and got[3:] == [0.0, 50.0, 100.0]
