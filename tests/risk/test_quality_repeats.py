"""identical_period: an agency's whole submission repeated, judged by how much the
unit's own reports of each series move from one period to the next."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.risk import quality as Q

from ..conftest import tiny_every

QUARTERS = [f"{y}-Q{q}" for y in range(2020, 2026) for q in range(1, 5)]  # 24
UNITS = [f"U{i}" for i in range(1, 11)]
CENTRE = {"a1": 50.0, "a2": 25.0, "b1": 60.0, "b2": 40.0}  # a2: valid 0–50


@pytest.fixture
def cat(tiny_raw):
    return ev.parse_catalogue(tiny_every("quarterly", tiny_raw))


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
    about 1 in 37, all four about 1 in 2 million; among the unit's 23 returns
    from the office (the quarters after the first) that is a finding."""
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
    assert 23 * expected < 0.05
    assert (
        got["reason_zh"]
        .item()
        .startswith("办公室报送的2025年第四季度数据（4项）与2025年第三季度完全相同")
    )
    assert "chance of a coincidence" in got["reason_en"].item()


def test_series_that_barely_move_repeat_by_chance(cat):
    """The same repeat where the unit's reports climb slowly, mostly 0.1 a quarter
    (its levels range over a point or more): each series repeats about 1 in 3.7 by
    chance (0.1 / (2.5 × 1.4826 × 0.1)), all four about 1 in 190, and among the
    unit's 23 returns such a coincidence is to be expected (0.12, more than 0.05):
    no flag."""
    obs = walks()
    rng = np.random.default_rng(1)
    for s, centre in CENTRE.items():
        at = (obs["unit_id"] == "U4") & (obs["indicator_id"] == s)
        climb = np.r_[0, np.cumsum(rng.choice([0.1, 0.1, 0.2], len(QUARTERS) - 1))]
        obs.loc[at, "value"] = np.round(centre - 3 + climb, 1)
    obs = repeat_last(obs, "U4")
    f = Q.flags(obs, cat)
    assert f[f["check"] == "identical_period"].empty
    u4 = obs.query("unit_id == 'U4'")
    assert (u4.groupby("indicator_id")["value"].agg(np.ptp) > 1).all()


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


HALVES = [f"{y}-H{h}" for y in range(2020, 2026) for h in (1, 2)]  # 12


def half_year_rates(unit_moves=True):
    """An office's half-year return of two rates (a1, a2) for 10 units: each moves
    0.7, 1.0 or 1.3 points a half-year (0.1 multiples), never repeating; U4 sits 20
    points from the others (no other unit shares its values). U4 sends its 2025-H1
    return again for 2025-H2. With ``unit_moves=False`` U4's two rates never move at
    all (the same value every half-year)."""
    rng = np.random.default_rng(7)
    rows = []
    for s, centre in (("a1", 70.0), ("a2", 15.0)):
        for j, u in enumerate(UNITS):
            steps = rng.choice([0.7, 1.0, 1.3], len(HALVES) - 1)
            steps = np.round(steps * rng.choice([-1, 1], len(HALVES) - 1), 1)
            start = centre + (20 if u == "U4" else 0.1 * j)
            x = start + np.r_[0, np.cumsum(steps)]
            if u == "U4":
                x[-1] = x[-2]  # 2025-H2 = 2025-H1
                if not unit_moves:
                    x[:] = x[0]
            pairs = zip(HALVES, x, strict=True)
            rows += [(u, p, s, round(float(v), 1)) for p, v in pairs]
    return pd.DataFrame(rows, columns=["unit_id", "period", "indicator_id", "value"])


@pytest.fixture
def half_cat(tiny_raw):
    return ev.parse_catalogue(tiny_every("half_year", tiny_raw))


def test_a_half_year_return_of_two_rates_repeated_is_flagged(half_cat):
    """Two rates that move about a point every half-year: each repeats by chance
    0.1 / (2.5 × 1.4826 × the median size of the unit's other changes), about 1 in
    37, both about 1 in 1,400; the office's returns for U4 are 11 (the half-years
    after the first), so 11 × that is below 0.05 and the repeat is flagged. (Among
    the office's 110 returns for all 10 units, the family before, it was not.)"""
    obs = half_year_rates()
    f = Q.flags(obs, half_cat)
    got = f[f["check"] == "identical_period"]
    assert list(zip(got["unit_id"], got["period"], strict=True)) == [("U4", "2025-H2")]
    expected = 1.0
    for s in ("a1", "a2"):  # by hand, from U4's own changes
        at = (obs["unit_id"] == "U4") & (obs["indicator_id"] == s)
        x = obs.loc[at, "value"].to_numpy()
        moves = np.abs(np.diff(x))[:-1]  # the repeat itself left out
        expected *= 0.1 / (2.5 * 1.4826 * np.median(moves))
    assert got["statistic"].item() == pytest.approx(expected, rel=1e-6)
    assert 11 * expected < 0.05 < 110 * expected
    assert (
        got["reason_zh"]
        .item()
        .startswith("办公室报送的2025年下半年数据（2项）与2025年上半年完全相同")
    )


def test_the_same_repeat_on_a_unit_whose_rates_never_move_is_not_flagged(
    half_cat,
):
    """U4 reports the same two values every half-year: a repeat is what it always
    sends (its own repeats make it certain), not a finding."""
    f = Q.flags(half_year_rates(unit_moves=False), half_cat)
    assert f[f["check"] == "identical_period"].empty
