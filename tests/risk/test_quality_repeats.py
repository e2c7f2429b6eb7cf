"""identical_period: an agency's whole submission repeated, judged by how much the
unit's own reports of each series move from one period to the next."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.risk import quality as Q

QUARTERS = [f"{y}-Q{q}" for y in range(2020, 2026) for q in range(1, 5)]  # 24
UNITS = [f"U{i}" for i in range(1, 11)]
CENTRE = {"a1": 50.0, "a2": 25.0, "b1": 60.0, "b2": 40.0}  # a2: valid 0–50


@pytest.fixture
def cat(tiny_raw):
    for ind in tiny_raw["indicators"]:
        ind["frequency"] = "quarterly"
    return ev.parse_catalogue(tiny_raw)


def walks(seed=0, size=1.0):
    """Every unit's four series move by 0.7, 1.0 or 1.3 times ``size`` a quarter
    (0.1 multiples), up or down at random (never a repeat); units sit 0.1 apart
    modulo ``size``, so no two units ever report the same value."""
    rng = np.random.default_rng(seed)
    rows = []
    for s, centre in CENTRE.items():
        for j, u in enumerate(UNITS):
            sizes = rng.choice([0.7 * size, size, 1.3 * size], len(QUARTERS) - 1)
            steps = np.round(sizes * rng.choice([-1, 1], len(QUARTERS) - 1), 1)
            x = centre + 0.1 * j / (10 * size) + np.r_[0, np.cumsum(steps)]
            rows += [
                (u, p, s, round(float(v), 1)) for p, v in zip(QUARTERS, x, strict=True)
            ]
    return pd.DataFrame(rows, columns=["unit_id", "period", "indicator_id", "value"])


def repeat_last(obs, unit):
    """``unit`` sends its 2025-Q3 submission again for 2025-Q4."""
    obs = obs.copy()
    for s in CENTRE:
        at = (obs["unit_id"] == unit) & (obs["indicator_id"] == s)
        q3 = obs.loc[at & (obs["period"] == "2025-Q3"), "value"].item()
        obs.loc[at & (obs["period"] == "2025-Q4"), "value"] = q3
    return obs


def test_a_repeated_return_of_series_that_move_a_point_a_quarter(cat):
    """Four rates reported to 0.1 that move about a point every quarter: each
    repeats by chance 0.1 / (2.5 × 1.4826 × the median size of the unit's changes),
    about 1 in 37, all four about 1 in 2 million; among the office's 230
    submissions tried (10 units × 23 quarters after the first) that is a finding."""
    obs = repeat_last(walks(), "U4")
    f = Q.flags(obs, cat)
    got = f[f["check"] == "identical_period"]
    assert list(zip(got["unit_id"], got["period"], got["since"], strict=True)) == [
        ("U4", "2025-Q4", "2025-Q4")
    ]
    expected = 1.0
    for s in CENTRE:  # by hand: the median size of U4's other changes
        at = (obs["unit_id"] == "U4") & (obs["indicator_id"] == s)
        x = obs.loc[at, "value"].to_numpy()
        moves = np.abs(np.diff(x))[:-1]  # the repeat itself left out
        expected *= 0.1 / (2.5 * 1.4826 * np.median(moves))
    assert got["statistic"].item() == pytest.approx(expected, rel=1e-6)
    assert 230 * expected < 0.05
    assert (
        got["reason_zh"]
        .item()
        .startswith("办公室报送的2025年第四季度数据（4项）与2025年第三季度完全相同")
    )
    assert "chance of a coincidence" in got["reason_en"].item()


def test_series_that_barely_move_repeat_by_chance(cat):
    """The same repeat where the unit's reports climb slowly, 0.1 to 0.3 a quarter
    (its levels range over several points): each series repeats about 1 in 7 by
    chance, all four about 1 in 3,000, and among 230 submissions such a coincidence
    is to be expected (more than 0.05): no flag."""
    obs = walks()
    rng = np.random.default_rng(1)
    for s, centre in CENTRE.items():
        at = (obs["unit_id"] == "U4") & (obs["indicator_id"] == s)
        climb = np.r_[0, np.cumsum(rng.choice([0.1, 0.2, 0.3], len(QUARTERS) - 1))]
        obs.loc[at, "value"] = np.round(centre - 3 + climb, 1)
    obs = repeat_last(obs, "U4")
    f = Q.flags(obs, cat)
    assert f[f["check"] == "identical_period"].empty
    u4 = obs.query("unit_id == 'U4'")
    assert (u4.groupby("indicator_id")["value"].agg(np.ptp) > 2).all()


def test_when_every_unit_reports_a_straight_line_none_is_singled_out(cat):
    """Every unit's series climbs exactly 1.0 a quarter (an index that rises by
    rule): a straight line is what everyone sends, so no `linear` flag, and no
    division by a spread of 0 (it raised a warning, an error in the suite)."""
    rows = [
        (u, p, s, round(centre + 0.1 * j + k, 1))
        for s, centre in CENTRE.items()
        for j, u in enumerate(UNITS)
        for k, p in enumerate(QUARTERS)
    ]
    obs = pd.DataFrame(rows, columns=["unit_id", "period", "indicator_id", "value"])
    f = Q.flags(obs, cat)
    assert "linear" not in set(f["check"])
