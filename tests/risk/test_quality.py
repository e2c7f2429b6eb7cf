"""Data-quality flags on hand-made reports, and analysts' decisions."""

from __future__ import annotations

import importlib.util
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import IsolationForest

import evaluation as ev
from evaluation.errors import EvaluationError
from evaluation.risk import quality as Q
from evaluation.risk.quality.copies import _sorted_by_key
from evaluation.risk.quality.reports import accumulate, median, nonzero, percentiles

from ..conftest import ROOT

QUARTERS = [f"{y}-Q{q}" for y in range(2020, 2026) for q in range(1, 5)]  # 24
UNITS = [f"U{i}" for i in range(1, 11)]


@pytest.fixture
def cat(tiny_raw):
    """The tiny catalogue with every series quarterly, and a count series."""
    for ind in tiny_raw["indicators"]:
        ind["frequency"] = "quarterly"
    tiny_raw["context"] = [
        {
            "id": "volume",
            "name_zh": "办件量",
            "name_en": "Volume",
            "unit_zh": "件",
            "unit_en": "items",
            "agency": "office",
            "frequency": "quarterly",
            "valid": {"min": 0, "max": 1000000},
        }
    ]
    return ev.parse_catalogue(tiny_raw)


def noisy(seed=0, series="a1", centre=80.0, sd=3.0, periods=QUARTERS, units=UNITS):
    """Reports varying by unit and period (1 decimal), the clean background."""
    rng = np.random.default_rng(seed)
    level = centre + rng.normal(0, sd, len(units))
    rows = [
        (u, p, series, round(float(level[j] + rng.normal(0, sd)), 1))
        for p in periods
        for j, u in enumerate(units)
    ]
    return pd.DataFrame(rows, columns=["unit_id", "period", "indicator_id", "value"])


def put(obs, unit, series, values: dict):
    obs = obs.copy()
    for period, v in values.items():
        m = (obs["unit_id"] == unit) & (obs["indicator_id"] == series)
        obs.loc[m & (obs["period"] == period), "value"] = v
    return obs


def checks(flags, check):
    return flags[flags["check"] == check]


def test_clean_background_raises_no_flag(cat):
    assert Q.flags(noisy(), cat).empty


def test_a_constant_series_is_stable_and_100_every_period_is_perfect(cat):
    obs = put(noisy(), "U3", "a1", dict.fromkeys(QUARTERS[-6:], 77.7))
    obs = obs[(obs["unit_id"] != "U3") | obs["period"].isin(QUARTERS[-6:])]
    obs = put(obs, "U5", "a1", dict.fromkeys(QUARTERS, 100.0))  # a1: higher, max 100
    f = Q.flags(obs, cat)
    got = {(r.check, r.unit_id, r.since, r.period) for r in f.itertuples()}
    assert got == {
        ("stable", "U3", "2024-Q3", "2025-Q4"),
        ("perfect", "U5", "2020-Q1", "2025-Q4"),
    }
    assert checks(f, "perfect")["reason_en"].item() == (
        "Indicator a1 is 100.0 points in all 24 periods from Q1 2020 to Q4 2025 (the "
        "best possible); no other unit reported this value in those periods"
    )
    # named by its first period: the id stays as the run grows
    assert checks(f, "stable")["flag_id"].item() == "stable/U3/a1/2024-Q3"


def test_a_unit_that_turns_perfect_or_frozen_mid_history_is_caught_since_then(cat):
    """The history varies; from 2024-Q3 one unit reports 100 every quarter and
    another 81.3 every quarter: the flag says since when and what came before.
    (Ten units whose values repeat now and then by chance: six equal quarters are
    unlikely enough; a year of four is not, there.)"""
    obs = noisy()
    before = obs.set_index(["unit_id", "period"])["value"]
    obs = put(obs, "U2", "a1", dict.fromkeys(QUARTERS[-6:], 100.0))
    obs = put(obs, "U6", "a1", dict.fromkeys(QUARTERS[-6:], 81.3))
    f = Q.flags(obs, cat)
    frozen = f[f["check"].isin(["perfect", "stable"])]
    got = {(r.check, r.unit_id, r.since, r.period) for r in frozen.itertuples()}
    assert got == {
        ("perfect", "U2", "2024-Q3", "2025-Q4"),
        ("stable", "U6", "2024-Q3", "2025-Q4"),
    }
    # from about 80 to 100 is also a rise the shift check names since 2024-Q3
    assert set(f["unit_id"]) == {"U2", "U6"}
    assert ("shift", "2024-Q3") in {(r.check, r.since) for r in f.itertuples()}
    was = before[("U6", "2024-Q2")]
    assert frozen.set_index("unit_id").loc["U6", "reason_zh"] == (
        f"a1指标自2024年第三季度起连续6期均为81.3分，此前（2024年第二季度）为"
        f"{was:.1f}分；同期其他单位均无此值"
    )
    # three quarters of it are not a year: nothing
    short = put(noisy(), "U6", "a1", dict.fromkeys(QUARTERS[-3:], 81.3))
    assert Q.flags(short, cat).empty


def test_three_equal_quarters_are_not_enough_and_a_common_value_is_not_odd(cat):
    obs = noisy()
    obs = obs[(obs["unit_id"] != "U3") | obs["period"].isin(QUARTERS[-3:])]
    obs = put(obs, "U3", "a1", dict.fromkeys(QUARTERS[-3:], 77.7))
    assert Q.flags(obs, cat).empty  # a run is a year's worth: 4 quarters
    # half of all reports are 100: a unit always at 100 is not singled out
    common = put(noisy(), "U1", "a1", dict.fromkeys(QUARTERS, 100.0))
    for u in UNITS[1:6]:
        common = put(common, u, "a1", dict.fromkeys(QUARTERS[::2], 100.0))
    assert checks(Q.flags(common, cat), "perfect").empty


def test_a_jump_against_own_history_and_peers(cat):
    obs = put(noisy(), "U4", "a1", {"2023-Q2": 30.0})
    f = Q.flags(obs, cat)
    jump = checks(f, "jump")
    assert jump[["unit_id", "period"]].values.tolist() == [["U4", "2023-Q2"]]
    assert jump["statistic"].item() < -6
    # the same fall for every unit is what everyone did: no jump
    everyone = noisy()
    everyone.loc[everyone["period"] == "2023-Q2", "value"] -= 50
    assert checks(Q.flags(everyone, cat), "jump").empty


def test_identical_submissions_to_the_previous_period_and_to_another_unit(cat):
    a = noisy(series="a1")
    b = noisy(seed=1, series="b1", centre=60)
    c = noisy(seed=2, series="b2", centre=50)
    d = noisy(seed=3, series="a2", centre=5, sd=1)
    obs = pd.concat([a, b, c, d], ignore_index=True)
    for s in ("a1", "b1", "b2", "a2"):  # U2 copies 2024-Q4 into 2025-Q1
        prev = obs.loc[
            (obs["unit_id"] == "U2")
            & (obs["indicator_id"] == s)
            & (obs["period"] == "2024-Q4"),
            "value",
        ].item()
        obs = put(obs, "U2", s, {"2025-Q1": prev})
        src = obs.loc[
            (obs["unit_id"] == "U7")
            & (obs["indicator_id"] == s)
            & (obs["period"] == "2022-Q3"),
            "value",
        ].item()
        obs = put(obs, "U9", s, {"2022-Q3": src})  # U9 sends U7's numbers
    f = Q.flags(obs, cat)
    assert {
        (r.unit_id, r.period) for r in checks(f, "identical_period").itertuples()
    } == {("U2", "2025-Q1")}
    same = checks(f, "identical_unit")
    assert {(r.unit_id, r.period) for r in same.itertuples()} == {
        ("U7", "2022-Q3"),
        ("U9", "2022-Q3"),
    }
    reason = same.set_index("unit_id").loc["U9", "reason_en"]
    assert reason.startswith(
        "Office: all 4 values sent for Q3 2022 are identical to U7's (about a 1 in "
    )


def test_copied_series_same_periods_shifted_and_a_year_late(cat):
    """U4 sends U7's a1 for 2024-Q1…2025-Q4; U8 sends U3's b1 of the quarter
    before; U9 sends its own a2 of a year earlier through 2025. Each copy is named
    with its source and window; nobody else is flagged."""
    parts = [noisy(), noisy(seed=1, series="b1", centre=60)]
    obs = pd.concat([*parts, noisy(seed=3, series="a2", centre=25)], ignore_index=True)
    value = obs.set_index(["unit_id", "indicator_id", "period"])["value"]
    late = QUARTERS[-8:]  # 2024-Q1 … 2025-Q4
    obs = put(obs, "U4", "a1", {p: value[("U7", "a1", p)] for p in late})
    before = dict(zip(QUARTERS[1:], QUARTERS, strict=False))
    a_year = dict(zip(QUARTERS[4:], QUARTERS, strict=False))
    obs = put(obs, "U8", "b1", {p: value[("U3", "b1", before[p])] for p in late})
    this_year = QUARTERS[-4:]
    obs = put(obs, "U9", "a2", {p: value[("U9", "a2", a_year[p])] for p in this_year})
    f = checks(Q.flags(obs, cat), "copied")
    got = {(r.unit_id, r.indicator_id, r.since, r.period) for r in f.itertuples()}
    assert got == {
        ("U4", "a1", "2024-Q1", "2025-Q4"),
        ("U7", "a1", "2024-Q1", "2025-Q4"),
        ("U8", "b1", "2024-Q1", "2025-Q4"),
        ("U9", "a2", "2025-Q1", "2025-Q4"),
    }
    reason = f.set_index("unit_id")["reason_en"]
    assert reason["U4"].startswith(
        "Indicator a1 in the 8 periods from Q1 2024 to Q4 2025 is equal to U7's "
        "reports of the same periods ("
    )
    assert "equal to U3's reports of the period before" in reason["U8"]
    assert "equal to the unit's own reports a year earlier" in reason["U9"]
    assert (
        f.set_index("unit_id")
        .loc["U4", "reason_zh"]
        .startswith(
            "a1指标2024年第一季度至2025年第四季度的8期与U7同期报送的数值逐期相同"
        )
    )


def test_missing_reports_are_whole_empty_submissions_or_empty_runs(cat):
    """不报: office sends U2's 2024-Q2 with both a1 and b1 empty, and U5's a1 empty
    for three quarters in a row; one empty cell (U6, a1, 2023-Q1) is a gap, not
    不报."""
    obs = pd.concat([noisy(), noisy(seed=1, series="b1", centre=60)], ignore_index=True)
    obs = put(obs, "U2", "a1", {"2024-Q2": np.nan})
    obs = put(obs, "U2", "b1", {"2024-Q2": np.nan})
    obs = put(obs, "U5", "a1", dict.fromkeys(["2025-Q1", "2025-Q2", "2025-Q3"], np.nan))
    obs = put(obs, "U6", "a1", {"2023-Q1": np.nan})
    f = checks(Q.flags(obs, cat), "missing")
    got = {(r.unit_id, r.since, r.period, r.agency) for r in f.itertuples()}
    assert got == {
        ("U2", "2024-Q2", "2024-Q2", "office"),
        ("U5", "2025-Q1", "2025-Q3", "office"),
    }
    reason = f.set_index("unit_id")["reason_zh"]
    assert reason["U2"] == "办公室报送的2024年第二季度数据（2项）全部为空"
    assert (
        reason["U5"] == "a1指标自2025年第一季度起连续3期报送为空，同期多数单位均有数据"
    )


def test_late_reports_are_counted_from_the_due_day(cat):
    """迟报: quarterly reports are due 15 days after the quarter; U3's 2025-Q1 sent
    on 20 May is 35 days late; the others, sent on the 10th, are on time."""
    obs = noisy()
    end = {q: pd.Period(q.replace("-", ""), freq="Q").end_time for q in QUARTERS}
    obs["reported_at"] = [
        (end[p] + pd.Timedelta(days=10)).strftime("%Y-%m-%d") for p in obs["period"]
    ]
    at = (obs["unit_id"] == "U3") & (obs["period"] == "2025-Q1")
    obs.loc[at, "reported_at"] = "2025-05-20"
    f = Q.flags(obs, cat)
    assert f[["check", "unit_id", "period", "value"]].values.tolist() == [
        ["late", "U3", "2025-Q1", 35.0]
    ]
    assert f["reason_zh"].item() == (
        "办公室2025年第一季度数据于2025年5月20日报送，超过报送期限（2025年4月15日）35天"
    )


def test_a_late_report_is_said_one_day_or_two_days_late(cat):
    """迟报 by a day or two: 2025-Q1 is due 15 April (31 March + 15 days); U3 sends
    it on the 16th (1 day late), U4 on the 17th (2 days), the others on the 10th.
    Each reason says its days, in the singular for one and the plural for two."""
    obs = noisy()
    end = {q: pd.Period(q.replace("-", ""), freq="Q").end_time for q in QUARTERS}
    obs["reported_at"] = [
        (end[p] + pd.Timedelta(days=10)).strftime("%Y-%m-%d") for p in obs["period"]
    ]
    q1 = obs["period"] == "2025-Q1"
    obs.loc[q1 & (obs["unit_id"] == "U3"), "reported_at"] = "2025-04-16"
    obs.loc[q1 & (obs["unit_id"] == "U4"), "reported_at"] = "2025-04-17"
    f = Q.flags(obs, cat).set_index("unit_id")
    assert sorted(f.index) == ["U3", "U4"] and set(f["check"]) == {"late"}
    assert f.loc["U3", "reason_en"] == (
        "Office: the report for Q1 2025 was sent on 2025-04-16, 1 day after it was"
        " due (2025-04-15)"
    )
    assert f.loc["U4", "reason_en"] == (
        "Office: the report for Q1 2025 was sent on 2025-04-17, 2 days after it was"
        " due (2025-04-15)"
    )
    assert f.loc["U4", "reason_zh"] == (
        "办公室2025年第一季度数据于2025年4月17日报送，超过报送期限（2025年4月15日）2天"
    )


def test_straight_lines_rounded_runs_and_sustained_shifts(cat):
    """编造: U5's a1 climbs exactly 1.0 a quarter for 8 quarters; 估报: U6's a1 is a
    multiple of 5 for 8 quarters; 瞒报 kept up: U3's a2 falls to a tenth from
    2024-Q3 on. The clean units stay clean."""
    obs = pd.concat([noisy(), noisy(seed=3, series="a2", centre=25)], ignore_index=True)
    late = QUARTERS[-8:]
    obs = put(obs, "U5", "a1", {p: 70.0 + i for i, p in enumerate(late)})
    value = obs.set_index(["unit_id", "indicator_id", "period"])["value"]
    obs = put(obs, "U6", "a1", {p: 5 * round(value[("U6", "a1", p)] / 5) for p in late})
    obs = put(obs, "U3", "a2", {p: round(value[("U3", "a2", p)] / 10, 1)
                                for p in QUARTERS[-6:]})  # fmt: skip
    f = Q.flags(obs, cat)
    got = {(r.check, r.unit_id, r.indicator_id, r.since) for r in f.itertuples()}
    assert ("linear", "U5", "a1", "2024-Q1") in got
    assert ("rounded", "U6", "a1", "2024-Q1") in got
    assert ("shift", "U3", "a2", "2024-Q3") in got
    assert set(f["unit_id"]) == {"U3", "U5", "U6"}
    line = checks(f, "linear")
    assert line["value"].item() == pytest.approx(1.0)
    assert (
        line["reason_zh"]
        .item()
        .startswith(
            "a1指标2024年第一季度至2025年第四季度的8期从70.0分到77.0分，"
            "每期均约增加1.0分，呈等差直线"
        )
    )


def test_last_digit_preference_on_counts(cat):
    rng = np.random.default_rng(5)
    periods = [f"{y}-Q{q}" for y in range(2014, 2026) for q in range(1, 5)]  # 48
    rows = [
        (u, p, "volume", float(rng.integers(100, 1000))) for p in periods for u in UNITS
    ]
    obs = pd.DataFrame(rows, columns=["unit_id", "period", "indicator_id", "value"])
    assert checks(Q.flags(obs, cat), "digits").empty  # uniform last digits
    heaped = obs["unit_id"] == "U6"
    obs.loc[heaped, "value"] = (obs.loc[heaped, "value"] / 10).round() * 10
    f = checks(Q.flags(obs, cat), "digits")
    assert f["unit_id"].tolist() == ["U6"]
    # 48 counts all ending in 0: chi2 = (48 - 4.8)² / 4.8 + 9 · 4.8 = 432
    assert (
        f["reason_en"]
        .item()
        .startswith("last digits of 48 counts are not uniform: 0 and")
    )
    assert "chi2=432.0" in f["reason_en"].item()


def test_benford_only_where_it_applies(cat):
    rng = np.random.default_rng(6)
    units = [f"V{i}" for i in range(3)]
    periods = [f"{y}-Q{q}" for y in range(1990, 2026) for q in range(1, 5)]  # 144
    benford = np.floor(10 ** rng.uniform(1, 4, (len(periods), 3)))  # 10 … 9999
    flat = rng.integers(100, 1000, len(periods)).astype(float)  # first digits uniform
    flat[: len(periods) // 2] *= 100  # 100 … 99,900: three orders of magnitude
    benford[:, 2] = flat
    rows = [
        (u, p, "volume", benford[i, j])
        for i, p in enumerate(periods)
        for j, u in enumerate(units)
    ]
    obs = pd.DataFrame(rows, columns=["unit_id", "period", "indicator_id", "value"])
    f = checks(Q.flags(obs, cat), "benford")
    assert f["unit_id"].tolist() == ["V2"]
    # too few values: not tested at all
    short = obs[obs["period"].isin(periods[:90])]
    assert checks(Q.flags(short, cat), "benford").empty


def test_isolation_forest_finds_a_strange_combination_of_changes(tiny_raw, cat):
    units = [f"U{i}" for i in range(40)]
    parts = [
        noisy(seed=k, series=s, centre=60, sd=2, units=units)
        for k, s in enumerate(["a1", "b1", "b2"])
    ]
    obs = pd.concat(parts, ignore_index=True)
    for s, v in (("a1", 45.0), ("b1", 75.0), ("b2", 45.0)):  # all at once
        obs = put(obs, "U17", s, {"2024-Q3": v})
    # off by default (it finds nothing the other checks miss): no outlier flag
    assert checks(Q.flags(obs, cat), "outlier").empty
    tiny_raw.setdefault("quality", {})["outlier"] = True  # the catalogue turns it on
    cat = ev.parse_catalogue(tiny_raw)
    f = checks(Q.flags(obs, cat), "outlier")
    assert ("U17", "2024-Q3") in {(r.unit_id, r.period) for r in f.itertuples()}
    assert len(f) <= 0.02 * 40 * 23 + 1  # contamination 1% of unit-periods
    assert "isolation forest" in f["reason_en"].iloc[0]


def test_each_registered_check_flags_under_its_own_name(cat):
    a = noisy(series="a1")
    b = noisy(seed=1, series="b1", centre=60)
    c = noisy(seed=2, series="b2", centre=50)
    obs = put(pd.concat([a, b, c], ignore_index=True), "U4", "a1", {"2023-Q2": 30.0})
    obs = put(obs, "U5", "b1", dict.fromkeys(QUARTERS, 100.0))
    reports = Q.arrange(obs, cat)
    found = set()
    for name, check in Q.CHECKS.items():
        part = check(reports)
        named = set() if part is None or part.empty else set(part["check"])
        assert named <= {name}
        found |= named
    assert {"jump", "perfect"} <= found
    assert set(Q.flags(obs, cat)["check"]) == found


def test_rows_in_any_order_give_the_same_flags(cat):
    obs = put(noisy(), "U4", "a1", {"2023-Q2": 30.0})
    obs = put(obs, "U5", "a1", dict.fromkeys(QUARTERS, 100.0))
    shuffled = obs.sample(frac=1, random_state=1)
    pd.testing.assert_frame_equal(Q.flags(shuffled, cat), Q.flags(obs, cat))
    with pytest.raises(EvaluationError, match="twice for one period"):
        Q.flags(pd.concat([obs, obs.iloc[:1]]), cat)


def test_nanmedian_is_numpy_nanmedian_on_every_axis():
    """Short axes and long ones (all rows sorted at once), ties, empty rows, rows
    of 256 values or more (selected, not sorted) with every count of values from
    none to all, and infinite values."""
    rng = np.random.default_rng(3)
    for shape, share in [
        ((3, 7, 200), 0.1),
        ((2, 12, 90), 0.5),
        ((4, 5, 6), 0.3),
        ((5, 70), 0.0),
        ((4, 100), 1.0),
        ((40, 300), None),
        ((3, 4, 701), 0.5),
        ((2, 300, 3), 0.2),
        ((5, 6, 900), "counts"),  # mostly 0 (rows sorted, not selected), or not
    ]:
        a = np.round(rng.normal(size=shape), 1)  # many ties
        if share == "counts":
            a = rng.poisson(np.linspace(0.05, 30, shape[0])[:, None, None], shape)
            a, share = a.astype(float), 0.1
            rest = np.arange(900) % 14 > 0  # 0s only where a row is probed
            a[0, :, rest] = np.round(rng.normal(5, 2, (rest.sum(), 6)), 2)
        if share is None:  # row i misses a share i/39 of its values
            share = np.linspace(0, 1, shape[0])[:, None]
        a[rng.random(shape) < share] = np.nan
        a[0, 0] = np.nan  # a row with no value, on some axis
        a.flat[rng.choice(a.size, 6)] = [np.inf, -np.inf] * 3
        for axis in [*range(a.ndim), (1, 2) if a.ndim == 3 else (0, 1)]:
            with warnings.catch_warnings():  # numpy warns of all-NaN slices
                warnings.simplefilter("ignore", RuntimeWarning)
                expected = np.nanmedian(a, axis=axis)
            np.testing.assert_array_equal(Q.nanmedian(a, axis), expected)


def test_percentiles_and_median_are_numpy_s():
    """The 5th and 95th percentiles and the median of a series' values (whether it
    is compared on a log scale, whether it is a count) selected one place at a
    time are numpy's, the same values; few values (numpy's own) and many, mostly
    one value (numpy's own) or spread out, odd and even counts."""
    rng = np.random.default_rng(7)
    for n in [1, 2, 5, 255, 256, 257, 1000, 1001, 24_000, 240_001]:
        for v in (
            rng.lognormal(2, 2, n),
            np.round(rng.normal(50, 10, n), 1),
            rng.poisson(0.1, n).astype(float),  # mostly 0
            np.round(rng.exponential(3, n)) - 1,
        ):
            for q in ([5, 95], [25, 75], [0.1, 99.9], [50, 50.01]):
                got = percentiles(v.copy(), q)
                np.testing.assert_array_equal(got, np.percentile(v, q))
            assert median(v.copy()) == np.median(v)


def test_nonzero_is_numpy_s():
    """The places found in a cube (few, most, none), a table, a transposed view and
    an empty array: numpy's index arrays, in its order and dtype."""
    rng = np.random.default_rng(11)
    for mask in (
        rng.random((3, 24, 50)) < 0.01,
        rng.random((3, 24, 50)) < 0.7,
        np.zeros((2, 5, 7), bool),
        (rng.random((6, 9)) < 0.3).T,
        np.zeros((0, 4), bool),
    ):
        got, expected = nonzero(mask), np.nonzero(mask)
        assert len(got) == len(expected) == mask.ndim
        for g, e in zip(got, expected, strict=True):
            assert g.dtype == e.dtype
            np.testing.assert_array_equal(g, e)


def test_ties_count_the_units_reporting_each_value_that_period(cat):
    """Per report, how many units sent the same value of the series that period
    (itself included; 0 where nothing was sent), counted here by pandas."""
    obs = put(noisy(), "U4", "a1", {"2023-Q2": 80.0, "2023-Q3": -0.0})
    obs = put(obs, "U5", "a1", {"2023-Q2": 80.0, "2023-Q3": 0.0, "2024-Q1": np.nan})
    obs = put(obs, "U6", "a1", {"2023-Q2": 80.0})
    cube = Q.arrange(obs, cat).cubes[0]
    kept = obs.dropna(subset=["value"]).assign(value=lambda d: d["value"] + 0.0)
    size = kept.groupby(["period", "value"])["unit_id"].transform("size")
    expected = pd.Series(size.to_numpy(), index=[kept["period"], kept["unit_id"]])
    got = pd.DataFrame(cube.ties[0], index=cube.periods, columns=cube.units).stack()
    assert got[got > 0].sort_index().to_dict() == expected.sort_index().to_dict()
    assert got[("2023-Q2", "U4")] == 3 and got[("2023-Q3", "U4")] == 2  # -0 is 0
    assert got[("2024-Q1", "U5")] == 0


def test_ties_are_the_same_counted_by_bincount_or_by_hashing(cat):
    """A series of few distinct values (whole tens: counted with ``bincount``)
    and one of many (1 decimal: hashed again) both get pandas' counts."""
    obs = noisy()
    few = obs.assign(indicator_id="a2", value=obs["value"].round(-1))
    obs = pd.concat([obs, few], ignore_index=True)
    obs.loc[3, "value"] = np.nan
    cube = Q.arrange(obs, cat).cubes[0]
    assert cube.ids[:2] == ["a1", "a2"]
    for k, sid in enumerate(cube.ids[:2]):
        kept = obs[obs["indicator_id"] == sid].dropna(subset=["value"])
        size = kept.groupby(["period", "value"])["unit_id"].transform("size")
        expected = pd.Series(size.to_numpy(), index=[kept["period"], kept["unit_id"]])
        got = pd.DataFrame(cube.ties[k], index=cube.periods, columns=cube.units)
        got = got.stack()
        assert got[got > 0].sort_index().to_dict() == expected.sort_index().to_dict()
        assert (got == 0).sum() == (k == 0)  # the one empty report


def test_ids_are_coded_as_pandas_codes_them_in_runs_or_not():
    """Codes by runs of equal labels (a file lists a period's rows together) are
    pandas' own: the same codes, -1 for a missing label, uniques in order."""
    from evaluation.risk.quality.reports import factorize

    runs = ["2024-Q1"] * 3000 + [None] * 2 + ["2023-Q4"] * 3000 + ["2024-Q1"] * 5
    mixed = [f"U{i % 7}" for i in range(5000)] + [None, "U9"]
    for labels in (runs, mixed, runs[:1], []):
        column = pd.Series(labels, dtype="str")
        codes, uniques = factorize(column)
        expected_codes, expected = pd.factorize(column)
        np.testing.assert_array_equal(codes, expected_codes)
        pd.testing.assert_index_equal(uniques, expected, exact=True)
    codes, uniques = factorize(pd.Series(runs, dtype="str"))
    assert list(uniques) == ["2024-Q1", "2023-Q4"]
    assert codes[3000] == -1 and codes[-1] == 0


def test_accumulating_along_the_periods_is_numpys_accumulate():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3, 9, 7))
    b = rng.random((3, 9, 7)) < 0.5
    np.testing.assert_array_equal(accumulate(np.add, x), np.add.accumulate(x, 1))
    np.testing.assert_array_equal(
        accumulate(np.add, b, dtype=np.int64), np.cumsum(b, axis=1)
    )
    flipped = np.flip(np.minimum.accumulate(np.flip(x, 1), axis=1), 1)
    np.testing.assert_array_equal(accumulate(np.minimum, x, reverse=True), flipped)
    assert accumulate(np.maximum, x[:, :0]).shape == (3, 0, 7)


def test_window_keys_are_grouped_even_when_their_high_bits_agree():
    """Equal keys end up together, also two different keys whose high bits (the
    part sorted with the positions) are the same."""
    rng = np.random.default_rng(7)
    key = rng.integers(-(2**62), 2**62, 1000)
    key[500:] = key[:500]
    # keys whose mixed values (times the odd constant) share all but the low bits
    inverse = pow(-7046029254386353131 % 2**64, -1, 2**64)
    mixed = np.uint64(123 << 40) | (np.arange(10) % 3).astype(np.uint64)
    key[::100] = (mixed * np.uint64(inverse)).view(np.int64)
    ok = np.ones(1000, bool)
    ok[7] = False  # a window left out
    at, code = _sorted_by_key(key.copy(), ok)
    assert sorted(at.tolist()) == [i for i in range(1000) if i != 7]
    assert np.all(np.diff(code) >= 0)  # each key in one block, one code a key
    for c in np.unique(code):
        assert len(set(key[at[code == c]].tolist())) == 1
    assert len(np.unique(code)) == len(np.unique(key[ok]))


def test_a_copy_of_the_same_periods_flags_both_units_whoever_sorts_first(cat):
    """Two offices with the same a1 for two years are both flagged, each naming
    the other, whether the copier's id sorts before or after its source's."""
    for copier, source in (("U2", "U9"), ("U9", "U2")):
        obs = noisy()
        value = obs.set_index(["unit_id", "period"])["value"]
        late = QUARTERS[-8:]
        obs = put(obs, copier, "a1", {p: value[(source, p)] for p in late})
        f = checks(Q.flags(obs, cat), "copied").set_index("unit_id")
        assert sorted(f.index) == sorted([copier, source])
        assert f.loc[copier, "reason_en"].startswith(
            f"Indicator a1 in the 8 periods from Q1 2024 to Q4 2025 is equal to "
            f"{source}'s reports of the same periods"
        )
        assert f"{copier}'s reports" in f.loc[source, "reason_en"]


def test_outliers_are_the_rows_sklearn_scores_above_the_threshold():
    """Liu et al.'s anomaly score as sklearn computes it (``-score_samples``)."""
    rows = np.random.default_rng(4).standard_t(3, size=(600, 4))
    odd, score = Q.isolation_outliers(rows, 0.6)
    forest = IsolationForest(n_estimators=100, random_state=0).fit(rows)
    expected = -forest.score_samples(rows)
    np.testing.assert_array_equal(score, expected)
    assert odd.tolist() == np.flatnonzero(expected > 0.6).tolist()
    assert 0 < len(odd) < 12  # heavy tails: a few rows of 600


def test_decisions_need_a_comment_and_a_name_and_are_all_kept(cat, tmp_path):
    obs = put(noisy(), "U5", "a1", dict.fromkeys(QUARTERS, 100.0))
    f = Q.flags(obs, cat)
    book = tmp_path / "decisions.csv"
    fid = "perfect/U5/a1/2020-Q1"
    with pytest.raises(EvaluationError, match="needs a comment"):
        Q.decide(book, fid, "dismissed", " ", by="Li", flags_table=f)
    with pytest.raises(EvaluationError, match="analyst's name"):
        Q.decide(book, fid, "dismissed", "ok", by="", flags_table=f)
    with pytest.raises(EvaluationError, match="no flag"):
        Q.decide(book, "jump/U1/a1/2020-Q1", "accepted", "x", by="Li", flags_table=f)
    Q.decide(book, fid, "accepted", "查实虚报", by="Li", flags_table=f, at="2026-01-02")
    Q.decide(
        book,
        fid,
        "dismissed",
        "复核：确为满分",
        by="Wang",
        flags_table=f,
        at="2026-01-05",
    )
    kept = Q.read_decisions(book)
    assert kept["decision"].tolist() == ["accepted", "dismissed"]  # history kept
    status = Q.with_decisions(f, kept).set_index("flag_id").loc[fid]
    assert status[["status", "comment", "decided_by"]].tolist() == [
        "dismissed",
        "复核：确为满分",
        "Wang",
    ]


def test_the_independent_corpus_is_found_and_clean_data_rarely_flagged():
    """The detection benchmark on the hand-written corpus (benchmarks/
    quality_corpus.yaml), planted in the sample and one clean city: every kind the
    screen is built for found at least 9 times in 10; clean unit-months flagged at
    most 2 %. (The docs quote the sample and four cities, through the CLI.)"""
    spec = importlib.util.spec_from_file_location(
        "bench_quality", ROOT / "benchmarks" / "bench_quality.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    table = bench.main(["--cities", "1", "--library"]).set_index("kind")
    built_for = [
        "perfect_window", "frozen_window", "copy_series", "copy_shifted",
        "copy_near", "late", "missing", "last_year", "linear_trend",
    ]  # fmt: skip
    assert (table.loc[built_for, "recall"] >= 0.9).all(), table
    assert table.attrs["recall"] >= 0.85, table
    assert table.attrs["false_share"] <= 0.02


def test_the_sample_citys_flags_do_not_depend_on_the_order_of_its_rows():
    """A stored run is rebuilt from its stored reports, whose rows may come back in
    another order: every flag, its statistic to the last bit, must be the same."""
    catalogue = ev.load_catalogue(ROOT / "indicators.yaml")
    data = ev.validate_dataset(ev.load_dataset(ROOT / "data" / "sample"), catalogue)
    obs = data.observations
    shuffled = obs.sample(frac=1, random_state=7).reset_index(drop=True)
    expected = Q.flags(obs, catalogue, period="2025")
    assert len(expected) > 20
    pd.testing.assert_frame_equal(Q.flags(shuffled, catalogue, period="2025"), expected)


def test_the_submission_table_says_who_sent_what_and_when(cat):
    """报送情况: office's quarterly submissions are due 15 days after the quarter.
    U3 sends 2025-Q1 on 20 May (35 days late), U4 sends a1 and b1 of 2025-Q2 both
    empty, U5 leaves b1 of 2025-Q2 empty; the rest are on time."""
    from evaluation import vocabulary as V

    obs = pd.concat([noisy(), noisy(seed=1, series="b1", centre=60)], ignore_index=True)
    end = {q: pd.Period(q.replace("-", ""), freq="Q").end_time for q in QUARTERS}
    obs["reported_at"] = [
        (end[p] + pd.Timedelta(days=10)).strftime("%Y-%m-%d") for p in obs["period"]
    ]
    obs.loc[(obs["unit_id"] == "U3") & (obs["period"] == "2025-Q1"), "reported_at"] = (
        "2025-05-20"
    )
    obs = put(obs, "U4", "a1", {"2025-Q2": np.nan})
    obs = put(obs, "U4", "b1", {"2025-Q2": np.nan})
    obs = put(obs, "U5", "b1", {"2025-Q2": np.nan})
    table = Q.submissions(obs, cat).set_index(["unit_id", "period"])
    assert len(table) == 10 * 24  # one agency, ten units, 24 quarters
    assert table.loc[("U3", "2025-Q1"), ["series", "days_late", "status"]].tolist() == [
        2,
        35.0,
        "late",
    ]
    assert str(table.loc[("U3", "2025-Q1"), "due"])[:10] == "2025-04-15"
    assert table.loc[("U4", "2025-Q2"), ["empty", "status"]].tolist() == [2, "empty"]
    assert table.loc[("U5", "2025-Q2"), ["empty", "status"]].tolist() == [
        1,
        "partly_empty",
    ]
    assert (table["status"] == "on_time").sum() == 240 - 3
    assert set(table["status"]) <= set(V.words("submission_status", "zh"))


def test_a_short_annual_series_is_judged_by_its_change_against_everyones(tiny_raw):
    """Two annual reports are too few for a usual level: a unit whose value falls
    to a tenth while everyone else's moves a little is a jump; nothing else is."""
    for ind in tiny_raw["indicators"]:
        ind["frequency"] = "annual"
    cat = ev.parse_catalogue(tiny_raw)
    units = [f"U{i}" for i in range(1, 21)]
    obs = noisy(series="a2", centre=20.0, sd=2.0, periods=["2024", "2025"], units=units)
    assert Q.flags(obs, cat).empty
    value = obs.set_index(["unit_id", "period"])["value"]
    low = round(value[("U7", "2025")] / 10, 1)
    f = Q.flags(put(obs, "U7", "a2", {"2025": low}), cat)
    assert f[["check", "unit_id", "period"]].values.tolist() == [["jump", "U7", "2025"]]
    assert "上期（2024年度）为" in f["reason_zh"].item()


#: the units table's names, as an office would write them (Chinese, English)
NAMES = pd.DataFrame(
    [(u, f"第{i}区", f"District {i}") for i, u in enumerate(UNITS, start=1)],
    columns=["unit_id", "name_zh", "name_en"],
)


def test_a_copy_names_the_unit_copied_by_its_name_in_each_language(cat):
    """Given the units table, a reason names the other unit as an official knows
    it (第7区 / District 7), never by its code U7: U9 sends U7's 2022-Q3 numbers
    (all four series); U4 sends U7's a1 for 2024-Q1…2025-Q4."""
    obs = pd.concat(
        [
            noisy(series="a1"),
            noisy(seed=1, series="b1", centre=60),
            noisy(seed=2, series="b2", centre=50),
            noisy(seed=3, series="a2", centre=5, sd=1),
        ],
        ignore_index=True,
    )
    value = obs.set_index(["unit_id", "indicator_id", "period"])["value"]
    for s in ("a1", "b1", "b2", "a2"):
        obs = put(obs, "U9", s, {"2022-Q3": value[("U7", s, "2022-Q3")]})
    obs = put(obs, "U4", "a1", {p: value[("U7", "a1", p)] for p in QUARTERS[-8:]})
    f = Q.flags(obs, cat, units=NAMES)
    same = checks(f, "identical_unit").set_index("unit_id")
    assert same.loc["U9", "reason_zh"].startswith(
        "办公室报送的2022年第三季度数据（4项）与第7区完全相同"
    )
    assert same.loc["U7", "reason_zh"].startswith(
        "办公室报送的2022年第三季度数据（4项）与第9区完全相同"
    )
    assert same.loc["U9", "reason_en"].startswith(
        "Office: all 4 values sent for Q3 2022 are identical to District 7's ("
    )
    copied = checks(f, "copied").set_index("unit_id")
    assert copied.loc["U4", "reason_zh"].startswith(
        "a1指标2024年第一季度至2025年第四季度的8期与第7区同期报送的数值逐期相同"
    )
    assert (
        "is equal to District 7's reports of the same periods"
        in (copied.loc["U4", "reason_en"])
    )
    reasons = pd.concat([same, copied])[["reason_zh", "reason_en"]].to_numpy()
    assert not [r for r in reasons.ravel() if re.search(r"\bU\d\b", r)]
    # the flag ids keep the codes: a decision recorded on one still finds it
    assert copied.loc["U4", "flag_id"].startswith("copied/U4/a1/U7/0")


def test_rare_reports_are_those_whose_rarity_is_below_the_share(cat):
    """Four units, one period: 50, 50, 60, 70 (step 1). By hand: the share of the
    other units at the same value is 1/3 for the two 50s and 0 for the others; two
    units agree on any value with chance (2+2+1+1-4)/(4·3) = 1/6; the robust SD is
    1.4826 × median(5, 5, 5, 15) = 7.41, so one step over 2.5 of them is 0.054.
    Rarity: 1/3, 1/3, 1/6, 1/6."""
    obs = pd.DataFrame(
        {
            "unit_id": ["U1", "U2", "U3", "U4"],
            "period": "2025-Q1",
            "indicator_id": "a1",
            "value": [50.0, 50.0, 60.0, 70.0],
        }
    )
    (cube,) = Q.arrange(obs, cat).cubes
    assert cube.rare(0.2)[0, 0].tolist() == [False, False, True, True]
    assert cube.rare(0.1)[0, 0].tolist() == [False] * 4
    assert cube.rare(0.34)[0, 0].tolist() == [True] * 4
    assert cube.rare(0.3)[0, 0].tolist() == [False, False, True, True]
    np.testing.assert_allclose(cube.rarity()[0, 0], [1 / 3, 1 / 3, 1 / 6, 1 / 6])
