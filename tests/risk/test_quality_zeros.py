"""瞒报为零 and a total to date out of step: the ``zero`` and ``growth`` checks on
hand-made reports, chances worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import evaluation as ev
from evaluation.risk import quality as Q

from ..conftest import tiny_every

QUARTERS = [f"{y}-Q{q}" for y in range(2020, 2026) for q in range(1, 5)]  # 24
UNITS = [f"U{i}" for i in range(1, 11)]


@pytest.fixture
def cat(tiny_raw):
    return ev.parse_catalogue(tiny_every("quarterly", tiny_raw))


def frame(rows):
    return pd.DataFrame(rows, columns=["unit_id", "period", "indicator_id", "value"])


def counts(zero_from=None, unit="U4", units=UNITS):
    """a2 (a count, 0–50): every unit alternates 2 and 4 overdue items, half of
    them in step, so every quarter's mean over the units is 3."""
    rows = []
    for t, p in enumerate(QUARTERS):
        for j, u in enumerate(units):
            v = 2 if (t + (j < len(units) // 2)) % 2 else 4
            if u == unit and zero_from is not None and t >= zero_from:
                v = 0
            rows.append((u, p, "a2", float(v)))
    return frame(rows)


def test_a_count_set_to_0_is_as_unlikely_as_a_poisson_says(cat):
    f = Q.flags(counts(zero_from=20), cat)
    zero = f[f["check"] == "zero"]
    assert list(zip(zero["unit_id"], zero["since"], zero["period"], strict=True)) == [
        ("U4", "2025-Q1", "2025-Q4")
    ]
    # U4's other 20 reports: mean 3, variance 20/19 (< 3: a Poisson); the units'
    # mean those quarters falls from 3 to 2.7 (U4's own 0 among them), so λ = 2.7
    assert zero["statistic"].iloc[0] == pytest.approx(math.exp(-2.7 * 4), rel=1e-9)
    reason = zero["reason_zh"].iloc[0]
    assert reason.startswith(
        "a2指标自2025年第一季度起连续4期报0，本单位其余20期平均为3"
    )
    assert "from Q1 2025 to Q4 2025" in zero["reason_en"].iloc[0]


def test_a_single_0_of_a_small_count_is_not_flagged(cat):
    # one 0 where the unit averages 3: e^-2.7·… ≈ 0.07, likely among its 24 reports
    f = Q.flags(counts(zero_from=23), cat)
    assert f[f["check"] == "zero"].empty


def test_three_quarters_of_0_are_judged_against_the_unit_own_reports(cat):
    """U4 had 2 and 4 overdue items in turn (62 in its first 21 quarters: 62/21 a
    quarter), then 0 for the last three. The units' mean those quarters is 2.6,
    2.8 and 2.6 (U4's 0 among them) against 3 before, so λ = 62/21 × 8/3 and the
    chance of three 0s is e^-λ ≈ 1 in 2,600; among the unit's own 24 reports of
    the count that is below 0.01 (the screen's ``chance`` 0.05 ÷ 5): flagged.
    Among the 240 reports of all ten units, the family before, it was not."""
    f = Q.flags(counts(zero_from=21), cat)
    zero = f[f["check"] == "zero"]
    assert list(zip(zero["unit_id"], zero["since"], zero["period"], strict=True)) == [
        ("U4", "2025-Q2", "2025-Q4")
    ]
    expected = math.exp(-62 / 21 * (2.6 + 2.8 + 2.6) / 3)
    assert zero["statistic"].item() == pytest.approx(expected, rel=1e-9)
    assert 24 * expected < 0.01 and 240 * expected > 0.05
    reason = zero["reason_zh"].item()  # the mean as the series is reported (0 dp)
    assert reason.startswith(
        "a2指标自2025年第二季度起连续3期报0，本单位其余21期平均为3分"
    )
    assert "约为2600分之一" in reason


def test_a_unit_run_of_0_is_judged_the_same_in_a_larger_city(cat):
    """The family is the unit's own series: the same three 0s are flagged with 40
    units as with 10 (the chance only smaller, U4's 0 now moving the units' mean
    less), where a family of every unit's reports would grow with the city."""
    many = [f"U{i}" for i in range(1, 41)]
    small = Q.flags(counts(zero_from=21), cat)
    large = Q.flags(counts(zero_from=21, units=many), cat)
    zs, zl = (x[x["check"] == "zero"] for x in (small, large))
    assert list(zl["unit_id"]) == list(zs["unit_id"]) == ["U4"]
    assert zl["statistic"].item() < zs["statistic"].item()


def test_a_quarter_when_every_unit_reports_0_is_no_evidence(cat):
    obs = counts()
    obs.loc[obs["period"] == "2025-Q4", "value"] = 0.0
    obs.loc[obs["period"] == "2025-Q3", "value"] = 0.0
    f = Q.flags(obs, cat)
    assert f[f["check"] == "zero"].empty


def completion(year_of_u2=None):
    """b1 (a completion rate rolled up by its last report): 25, 50, 75, 100 %
    through each year for every unit, give or take a point."""
    rows = []
    for t, p in enumerate(QUARTERS):
        for j, u in enumerate(UNITS):
            rows.append((u, p, "b1", 25.0 * (t % 4 + 1) - (j + t) % 3))
    obs = frame(rows)
    if year_of_u2:
        for p, v in year_of_u2.items():
            at = (obs["unit_id"] == "U2") & (obs["period"] == p)
            obs.loc[at, "value"] = v
    return obs


def test_a_total_to_date_that_falls_within_the_year_is_flagged(cat):
    # Q1 reported as 3 × 24 = 72 %, Q2's true 49 %: the year's total falls
    obs = completion({"2025-Q1": 72.0})
    f = Q.flags(obs, cat)
    growth = f[f["check"] == "growth"]
    got = set(zip(growth["unit_id"], growth["since"], growth["period"], strict=True))
    assert ("U2", "2025-Q1", "2025-Q2") in got  # the fall, naming Q1
    assert {u for u, _, _ in got} == {"U2"}
    fall = growth[growth["period"] == "2025-Q2"]["reason_zh"].iloc[0]
    assert "低于2025年第一季度的72分" in fall
    assert "累计数不应回落" in fall


def test_clean_totals_to_date_raise_no_growth_flag(cat):
    f = Q.flags(completion(), cat)
    assert f[f["check"].isin(["growth", "zero"])].empty


def test_a_latest_state_rolled_up_by_its_last_report_is_not_a_total_to_date(cat):
    """b1 rolled up by its last report but flat through the year (a rate of
    controls in place): no year restarts, so no growth check; a collapse is a jump."""
    rows = [
        (u, p, "b1", 90.0 + (j + 3 * t) % 5)
        for t, p in enumerate(QUARTERS)
        for j, u in enumerate(UNITS)
    ]
    obs = frame(rows)
    at = (obs["unit_id"] == "U6") & (obs["period"] == "2025-Q2")
    obs.loc[at, "value"] = 40.0
    f = Q.flags(obs, cat)
    assert f[f["check"] == "growth"].empty
    jump = f[f["check"] == "jump"]
    assert list(zip(jump["unit_id"], jump["period"], strict=True)) == [
        ("U6", "2025-Q2")
    ]


def test_an_annual_share_cut_by_half_is_flagged_against_last_year(tiny_raw):
    """Two annual reports: a share of funds with audit findings (%, one decimal)
    cut from 2.4 % to 1.2 % while the other 39 units moved by up to ±20 %: far
    beyond what 40 changes throw up by chance, though under the jump check's 6
    robust SDs for a unit's own long history."""
    cat = ev.parse_catalogue(tiny_every("annual", tiny_raw))
    units = [f"U{i:02d}" for i in range(1, 41)]
    rows = []
    for j, u in enumerate(units):
        level = 1.0 + 0.1 * j  # 1.0 … 4.9 %
        move = 1 + 0.1 * ((j % 5) - 2)  # × 0.8 … × 1.2
        rows += [
            (u, "2024", "b2", round(level, 1)),
            (u, "2025", "b2", round(level * move, 1)),
        ]
    obs = frame(rows)
    obs.loc[(obs["unit_id"] == "U15") & (obs["period"] == "2025"), "value"] = 1.2
    f = Q.flags(obs, cat)
    jump = f[f["check"] == "jump"]
    assert list(jump["unit_id"]) == ["U15"]
    assert "与同期其他单位的变化相比异常偏低" in jump["reason_zh"].iloc[0]
    assert 3.6 < abs(jump["statistic"].iloc[0]) < 6
