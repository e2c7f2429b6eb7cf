"""Warning reasons in Chinese as a 绩效办 writes them, worked out by hand.

Plain words with the numbers and their units (``95.0%``, whole counts ``3件``, ratios
``1.40倍``, differences of percentages in 个百分点), Chinese punctuation, no
statistics by name (a robust z reads as a multiple of the typical gap, 约为同类典型差距
2.0个百分点的5.00倍); the statistic named stays in the English reason, the analysts'
column."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from evaluation.risk import rules as risk

from .test_risk_rules import FIVE, Q, catalogue, inputs


def reasons(warnings, lang="zh", period="2025-Q4"):
    w = warnings[warnings["period"] == period]
    return dict(zip(w["unit_id"], w[f"reason_{lang}"], strict=True))


@pytest.fixture
def units_raw(tiny_raw):
    """a1 a percentage, a2 a count of findings (lower is better)."""
    a1, a2 = tiny_raw["indicators"][:2]
    a1.update(unit_zh="%", unit_en="%")
    a2.update(unit_zh="件", unit_en="findings")
    return tiny_raw


def test_thresholds_say_below_at_or_above_the_line_in_the_units_words(units_raw):
    units_raw["indicators"][0]["risk"] = {"yellow": 90, "orange": 85, "red": 80}
    units_raw["indicators"][1]["risk"] = {"yellow": 1, "red": 3}
    cat = catalogue(units_raw)
    values = [("2025-Q4", "U1", "a1", 79.5), ("2025-Q4", "U2", "a1", 90)]
    values += [("2025-Q4", "U3", "a1", 89.96), ("2025-Q4", "U4", "a1", 95)]
    got = reasons(risk.evaluate(inputs(values), cat))
    assert got == {
        "U1": "a1指标为79.5%，低于红色预警线（80%）",
        "U2": "a1指标为90.0%，达到黄色预警线（90%）",
        # 90.0% would read as the line itself: two decimals say it is below
        "U3": "a1指标为89.96%，低于黄色预警线（90%）",
    }
    counts = [("2025-Q4", "U1", "a2", 3), ("2025-Q4", "U2", "a2", 1)]
    counts += [("2025-Q4", "U3", "a2", 2), ("2025-Q4", "U4", "a2", 0)]
    w = risk.evaluate(inputs(counts), cat)
    assert reasons(w) == {
        "U1": "a2指标为3件，达到红色预警线（3件）",
        "U2": "a2指标为1件，达到黄色预警线（1件）",
        "U3": "a2指标为2件，高于黄色预警线（1件）",
    }
    assert reasons(w, "en")["U2"] == (
        "Indicator a2 1 finding at or above the yellow threshold 1 finding"
    )


def test_a_ratio_is_said_in_times(units_raw):
    units_raw["indicators"][1].update(unit_zh="比值", unit_en="ratio")
    units_raw["indicators"][1]["risk"] = {"yellow": 0.8, "red": 1.0}
    cat = catalogue(units_raw)
    w = risk.evaluate(inputs([("2025-Q4", "U1", "a2", 1.4)]), cat)
    assert reasons(w) == {"U1": "a2指标为1.40倍，高于红色预警线（1倍）"}
    assert reasons(w, "en") == {
        "U1": "Indicator a2 1.40 at or above the red threshold 1"
    }


def test_far_below_the_peers_median_in_words_the_mads_in_english(units_raw):
    rule = {"kind": "peer", "node": "a1", "method": "robust_z"}
    cat = catalogue(units_raw, {**rule, "yellow": -0.5, "orange": -1.5, "red": -3})
    units = ["U1", "U2", "U3", "U4", "U5"]
    # median 10, distances 10, 2, 0, 2, 10: MAD 2; U1 z = -5, U2 z = -1
    values = [
        ("2025-Q4", u, "a1", v) for u, v in zip(units, [0, 8, 10, 12, 20], strict=False)
    ]
    w = risk.evaluate(inputs(values), cat)
    assert reasons(w) == {
        "U1": "a1指标为0.0%，远低于同类单位中位数10.0%（相差10.0个百分点，"
        "约为同类典型差距2.0个百分点的5.00倍），红色预警",
        "U2": "a1指标为8.0%，低于同类单位中位数10.0%（相差2.0个百分点，"
        "约为同类典型差距2.0个百分点的1.00倍），黄色预警",
    }
    assert reasons(w, "en")["U1"] == (
        "Indicator a1 0.0%, 10.0 percentage points below the peer median 10.0%, "
        "about 5.00 typical gaps of 2.0 percentage points (more than 3): red"
    )
    # 4: distances 6, 2, 0, 2, 10, MAD 2, z = -3: not below -3, below -1.5
    values[0] = ("2025-Q4", "U1", "a1", 4)
    assert reasons(risk.evaluate(inputs(values), cat))["U1"] == (
        "a1指标为4.0%，明显低于同类单位中位数10.0%（相差6.0个百分点，"
        "约为同类典型差距2.0个百分点的3.00倍），橙色预警"
    )
    # a count where fewer is better: the high one is far above its peers
    cat = catalogue(units_raw, {**rule, "node": "a2", "red": -3})
    counts = [
        ("2025-Q4", u, "a2", v) for u, v in zip(units, [0, 8, 10, 12, 20], strict=False)
    ]
    assert reasons(risk.evaluate(inputs(counts), cat)) == {
        "U5": "a2指标为20件，远高于同类单位中位数10件（相差10件，"
        "约为同类典型差距2件的5.00倍），红色预警"
    }
    assert reasons(risk.evaluate(inputs(counts), cat), "en") == {
        "U5": "Indicator a2 20 findings, 10 findings above the peer median "
        "10 findings, about 5.00 typical gaps of 2 findings (more than 3): red"
    }


def test_the_chinese_reason_says_the_typical_gap_and_how_many_behind(units_raw):
    """Three peers 40, 71.5, 74.7: median 71.5, distances 31.5, 0, 3.2, so the
    typical gap (MAD) is 3.2 and U1 is 31.5 / 3.2 = 9.84375 typical gaps behind,
    red below -3. The Chinese reason says both, as the 阈值 column says its limit
    (落后同类单位中位数3.00个典型差距): the gap in points to the score's 2 decimals
    and the multiple; compared with all units, the gap is not said to be 同类."""
    rule = {"kind": "peer", "node": "composite", "method": "robust_z", "red": -3}
    three = FIVE.head(3)
    values = [
        ("2025-Q4", u, "composite", v)
        for u, v in zip(three["unit_id"], [40, 71.5, 74.7], strict=True)
    ]
    w = risk.evaluate(inputs(values, units=three), catalogue(units_raw, rule))
    assert reasons(w) == {
        "U1": "综合得分为40.00分，远低于同类单位中位数71.50分（相差31.50分，"
        "约为同类典型差距3.20分的9.84倍），红色预警"
    }
    cat = catalogue(units_raw, {**rule, "within": "all"})
    assert reasons(risk.evaluate(inputs(values, units=three), cat)) == {
        "U1": "综合得分为40.00分，远低于全部单位中位数71.50分（相差31.50分，"
        "约为典型差距3.20分的9.84倍），红色预警"
    }


def test_the_english_reason_says_the_same_facts_as_the_chinese(units_raw):
    """The peers of the test above (40, 71.5, 74.7: median 71.5, typical gap 3.2,
    U1 9.84 typical gaps behind): the English reason, like the Chinese, says the
    gap in points (31.50), the typical gap in points (3.20) and the multiple
    (9.84), then the limit; compared with all units, all units' median."""
    rule = {"kind": "peer", "node": "composite", "method": "robust_z", "red": -3}
    three = FIVE.head(3)
    values = [
        ("2025-Q4", u, "composite", v)
        for u, v in zip(three["unit_id"], [40, 71.5, 74.7], strict=True)
    ]
    w = risk.evaluate(inputs(values, units=three), catalogue(units_raw, rule))
    assert reasons(w, "en") == {
        "U1": "Composite score 40.00 points, 31.50 points below the peer median "
        "71.50 points, about 9.84 typical gaps of 3.20 points (more than 3): red"
    }
    cat = catalogue(units_raw, {**rule, "within": "all"})
    assert reasons(risk.evaluate(inputs(values, units=three), cat), "en") == {
        "U1": "Composite score 40.00 points, 31.50 points below all units' median "
        "71.50 points, about 9.84 typical gaps of 3.20 points (more than 3): red"
    }


def test_bottom_places_and_percentiles_among_peers_or_all_units(units_raw):
    cat = catalogue(
        units_raw,
        {"kind": "peer", "node": "a1", "method": "bottom_k", "within": "all",
         "red": 1},
    )  # fmt: skip
    values = [
        ("2025-Q4", u, "a1", v)
        for u, v in zip(
            ["U1", "U2", "U3", "U4", "U5"], [10, 20, 30, 40, 50], strict=False
        )
    ]
    assert reasons(risk.evaluate(inputs(values), cat)) == {
        "U1": "a1指标为10.0%，在全部单位中排倒数第1位（共5个），红色预警"
    }
    assert reasons(risk.evaluate(inputs(values), cat), "en") == {
        "U1": "Indicator a1 10.0%, 1st from the bottom of 5 units: red"
    }
    cat = catalogue(
        units_raw, {"kind": "peer", "node": "a1", "method": "percentile", "yellow": 40}
    )
    # numpy's 40th percentile of 10 … 50 is 26
    assert reasons(risk.evaluate(inputs(values), cat)) == {
        "U1": "a1指标为10.0%，处于同类单位中最差的40%之列（分界值为26.0%），黄色预警",
        "U2": "a1指标为20.0%，处于同类单位中最差的40%之列（分界值为26.0%），黄色预警",
    }
    all_units = catalogue(
        units_raw,
        {"kind": "peer", "node": "a1", "method": "percentile", "within": "all",
         "yellow": 40},
    )  # fmt: skip
    assert reasons(risk.evaluate(inputs(values), all_units), "en")["U1"] == (
        "Indicator a1 10.0%, at or below the 40th percentile of all units, 26.0%: "
        "yellow"
    )


def test_worsening_in_percentage_points_or_in_percent_of_the_earlier_value(
    units_raw,
):
    cat = catalogue(
        units_raw, {"kind": "trend", "node": "a1", "drop": {"yellow": 5, "orange": 10}}
    )
    values = [("2025-Q3", "U1", "a1", 80), ("2025-Q4", "U1", "a1", 70)]
    w = risk.evaluate(inputs(values), cat)
    assert reasons(w) == {
        "U1": "a1指标由上期的80.0%降至70.0%，下降10.0个百分点，"
        "达到橙色预警标准（10个百分点）"
    }
    rel = catalogue(
        units_raw,
        {"kind": "trend", "node": "a2", "drop": {"red": 50}, "relative": True},
    )
    values = [("2025-Q3", "U1", "a2", 2), ("2025-Q4", "U1", "a2", 3)]
    w = risk.evaluate(inputs(values), rel)
    assert reasons(w) == {
        "U1": "a2指标由上期的2件升至3件，上升50.0%（按上期数值计），"
        "达到红色预警标准（50%）"
    }
    assert reasons(w, "en") == {
        "U1": "Indicator a2 worsened from 2 findings in the previous period to "
        "3 findings (by 50.0%; the red limit is 50%)"
    }
    ago = catalogue(
        units_raw,
        {"kind": "trend", "node": "a1", "drop": {"red": 10}, "against": "year_ago"},
    )
    values = [("2024-Q4", "U1", "a1", 90), ("2025-Q4", "U1", "a1", 80)]
    w = risk.evaluate(inputs(values, periods=["2024-Q4", *Q]), ago)
    assert reasons(w) == {
        "U1": "a1指标由上年同期的90.0%降至80.0%，下降10.0个百分点，"
        "达到红色预警标准（10个百分点）"
    }
    assert reasons(w, "en") == {
        "U1": "Indicator a1 worsened from 90.0% a year earlier to 80.0% "
        "(by 10.0 percentage points; the red limit is 10 percentage points)"
    }


def test_declines_and_a_target_shortfall(units_raw):
    cat = catalogue(units_raw, {"kind": "trend", "node": "composite", "declines": 3})
    values = [
        (p, "U1", "composite", v) for p, v in zip(Q, [80, 75, 70, 65], strict=False)
    ]
    assert reasons(risk.evaluate(inputs(values), cat)) == {
        "U1": "综合得分连续3期变差，由80.00分降至65.00分"
    }
    cat = catalogue(
        units_raw, {"kind": "target", "node": "b1", "orange": 10, "red": 20}
    )
    w = risk.evaluate(inputs([("2025-Q4", "U2", "b1", 80.0)]), cat)
    assert reasons(w) == {
        "U2": "b1指标为80.0分，低于目标值100分，差距占目标值的20.0%，"
        "达到红色预警标准（20%）"
    }


def test_a_dimension_lists_its_worst_indicators_with_their_levels(units_raw):
    units_raw["indicators"][0]["risk"] = {"yellow": 90, "red": 80}
    units_raw["indicators"][1]["risk"] = {"yellow": 1, "red": 3}
    cat = catalogue(units_raw, {"kind": "rollup", "node": "a", "worst": 2})
    values = [("2025-Q4", "U1", "a1", 70), ("2025-Q4", "U1", "a2", 1)]
    w = risk.evaluate(inputs(values, units=FIVE), cat)
    rollup = w[w["rule"] == "rollup"]
    assert rollup["reason_zh"].tolist() == [
        "甲：最差的2项指标为a1指标（红色）、a2指标（黄色），平均等级2.00，橙色预警"
    ]
    assert rollup["reason_en"].tolist() == [
        "A: its 2 worst indicators are Indicator a1 (red), Indicator a2 (yellow); "
        "mean level 2.00: orange"
    ]


def test_a_dimension_with_one_worst_indicator_says_it_in_the_singular(units_raw):
    """worst: 1 lists one indicator: 'its 1 worst indicator is', its level the
    one indicator's (a1 at 70, below red 80: red 3, mean 3.00); 2 listed read
    'indicators are' (above)."""
    units_raw["indicators"][0]["risk"] = {"yellow": 90, "red": 80}
    cat = catalogue(units_raw, {"kind": "rollup", "node": "a", "worst": 1})
    w = risk.evaluate(inputs([("2025-Q4", "U1", "a1", 70)], units=FIVE), cat)
    rollup = w[w["rule"] == "rollup"]
    assert reasons(rollup) == {
        "U1": "甲：最差的1项指标为a1指标（红色），平均等级3.00，红色预警"
    }
    assert reasons(rollup, "en") == {
        "U1": "A: its 1 worst indicator is Indicator a1 (red); mean level 3.00: red"
    }


def test_a_dimension_says_its_own_level_and_the_mean_it_comes_from(units_raw):
    """The roll-up's level is the floor of the mean level of the worst two (green 0,
    yellow 1, orange 2, red 3): U1 red and green, (3 + 0) / 2 = 1.5, yellow; U2 red
    and red, 3, red. The reason says the mean and the level it gives, as every other
    reason says its level, so red beside yellow does not read as a slip."""
    units_raw["indicators"][0]["risk"] = {"yellow": 90, "red": 80}
    units_raw["indicators"][1]["risk"] = {"yellow": 1, "red": 3}
    cat = catalogue(units_raw, {"kind": "rollup", "node": "a", "worst": 2})
    values = [
        ("2025-Q4", "U1", "a1", 70),  # red
        ("2025-Q4", "U1", "a2", 0),  # green
        ("2025-Q4", "U2", "a1", 80),  # red (at the line)
        ("2025-Q4", "U2", "a2", 3),  # red (at the line)
    ]
    w = risk.evaluate(inputs(values, units=FIVE), cat)
    rollup = w[w["rule"] == "rollup"]
    assert reasons(rollup) == {
        "U1": "甲：最差的2项指标为a1指标（红色）、a2指标（绿色），平均等级1.50，"
        "向下取整为黄色预警",
        "U2": "甲：最差的2项指标为a1指标（红色）、a2指标（红色），平均等级3.00，"
        "红色预警",
    }
    assert reasons(rollup, "en") == {
        "U1": "A: its 2 worst indicators are Indicator a1 (red), Indicator a2 "
        "(green); mean level 1.50, rounded down: yellow",
        "U2": "A: its 2 worst indicators are Indicator a1 (red), Indicator a2 (red); "
        "mean level 3.00: red",
    }


def test_a_difference_of_ratios_is_a_bare_number_not_times(catalogue):
    """0.30倍 reads as a relative change (30 %); a gap between two ratios of 1.40 and
    1.10 is 0.30 (approval_time_ratio: unit 比值 in indicators.yaml)."""
    assert risk._gap(catalogue, "approval_time_ratio", 1.40 - 1.10) == "0.30"
    assert risk._gap(catalogue, "complaint_handling_rate", 3.2) == "3.2个百分点"


def with_counts(rows, periods=("2025",)):
    """Inputs of ``(period, unit, node, value, reports, reports expected)`` rows,
    those of fewer reports than expected as ``partial`` (as a run hands them:
    :func:`~evaluation.risk.rules.partial_values`)."""
    given = inputs([r[:4] for r in rows], periods=list(periods))
    columns = ["period", "unit_id", "node_id", "n_reported", "n_expected"]
    partial = pd.DataFrame(
        [r[:3] + r[4:] for r in rows if r[4] < r[5]], columns=columns
    )
    return replace(given, partial=partial)


PRO_RATA = "（报送3期合计6件，应报4期，按比例折算）"
PRO_RATA_EN = " (6 findings in 3 of 4 reports, pro rata)"


def test_a_summed_count_from_fewer_reports_says_it_was_pro_rated(units_raw):
    """a2 (a quarterly count, summed) over a year: U1 reports 6 in three quarters
    of four, pro rata 6 × 4 / 3 = 8, worst of five (1, 2, 3, 4 the others, all
    reported), 100% above its target 4 ((8 − 4) / 4), up 4 on the year before."""
    units_raw["indicators"][1]["target"] = 4
    peer = {"kind": "peer", "node": "a2", "method": "bottom_k", "red": 1}
    target = {"kind": "target", "node": "a2", "red": 50}
    cat = catalogue(units_raw, peer, target)
    rows = [("2025", "U1", "a2", 8.0, 3, 4)]
    others = enumerate(FIVE.unit_id[1:], start=1)
    rows += [("2025", u, "a2", float(k), 4, 4) for k, u in others]
    w = risk.evaluate(with_counts(rows), cat)
    got = {r: reasons(w[w["rule"] == r], period="2025") for r in ("peer", "target")}
    en = {r: reasons(w[w["rule"] == r], "en", "2025") for r in ("peer", "target")}
    assert got == {
        "peer": {
            "U1": f"a2指标为8件{PRO_RATA}，在同类单位中排倒数第1位（共5个），红色预警"
        },
        "target": {
            "U1": f"a2指标为8件{PRO_RATA}，高于目标值4件，超出部分占目标值的100.0%，"
            "达到红色预警标准（50%）"
        },
    }
    assert en["peer"] == {
        "U1": f"Indicator a2 8 findings{PRO_RATA_EN}, "
        "1st from the bottom of 5 peers: red"
    }
    drop = catalogue(units_raw, {"kind": "trend", "node": "a2", "drop": {"red": 3}})
    rows = [("2024", "U1", "a2", 4.0, 4, 4), ("2025", "U1", "a2", 8.0, 3, 4)]
    w = risk.evaluate(with_counts(rows, ["2024", "2025"]), drop)
    assert reasons(w, period="2025") == {
        "U1": f"a2指标由上期的4件升至8件{PRO_RATA}，上升4件，达到红色预警标准（3件）"
    }
    assert reasons(w, "en", "2025") == {
        "U1": "Indicator a2 worsened from 4 findings in the previous period to "
        f"8 findings{PRO_RATA_EN} (by 4 findings; the red limit is 3 findings)"
    }
    # two declines: the first value quoted is pro rata too (1.5 in three quarters)
    runs = catalogue(units_raw, {"kind": "trend", "node": "a2", "declines": 2})
    rows = [("2023", "U1", "a2", 2.0, 3, 4), ("2024", "U1", "a2", 4.0, 4, 4)]
    rows.append(("2025", "U1", "a2", 8.0, 3, 4))
    w = risk.evaluate(with_counts(rows, ["2023", "2024", "2025"]), runs)
    assert reasons(w, period="2025") == {
        "U1": "a2指标连续2期变差，由2件（报送3期合计1.5件，应报4期，按比例折算）"
        f"升至8件{PRO_RATA}"
    }


def test_a_mean_or_a_full_count_says_nothing_of_reports(units_raw):
    """A mean of three reports of four is their mean, not pro rata; a count
    reported in full is as reported: neither reason speaks of reports."""
    units_raw["indicators"][0]["risk"] = {"red": 80}
    units_raw["indicators"][1]["risk"] = {"red": 3}
    cat = catalogue(units_raw)
    rows = [("2025", "U1", "a1", 79.5, 3, 4), ("2025", "U2", "a2", 16.0, 4, 4)]
    assert reasons(risk.evaluate(with_counts(rows), cat), period="2025") == {
        "U1": "a1指标为79.5%，低于红色预警线（80%）",
        "U2": "a2指标为16件，高于红色预警线（12件）",
    }


def test_a_latest_report_before_the_periods_end_says_which_month_it_is(units_raw):
    """a1 monthly, the latest report standing for the quarter (``last``; red at
    92%, a drop of 3 points red). U1 sends 95.0 in July–September and in Q4 only
    October's 91.2: Q4's 91.2 is October's, November and December not sent, and
    every reason that quotes it says so. U2 sends no October, November 93 and
    December 90: 90 is December's, the quarter's last, said plainly (though two
    reports of three)."""
    units_raw["indicators"][0].update(frequency="monthly", rollup="last")
    units_raw["indicators"][0]["risk"] = {"red": 92}
    cat = catalogue(units_raw, {"kind": "trend", "node": "a1", "drop": {"red": 3}})
    sent = [("U1", f"2025-M{m:02d}", 95.0) for m in (7, 8, 9)]
    sent += [("U1", "2025-M10", 91.2), ("U1", "2025-M11", None)]
    sent += [("U2", "2025-M11", 93.0), ("U2", "2025-M12", 90.0)]
    observations = pd.DataFrame(
        [(u, p, "a1", v) for u, p, v in sent],
        columns=["unit_id", "period", "indicator_id", "value"],
    )
    rows = [("2025-Q3", "U1", "a1", 95.0, 3, 3), ("2025-Q4", "U1", "a1", 91.2, 1, 3)]
    rows.append(("2025-Q4", "U2", "a1", 90.0, 2, 3))
    given = replace(
        with_counts(rows, ["2025-Q3", "2025-Q4"]), observations=observations
    )
    w = risk.evaluate(given, cat)
    note = "（取自2025年10月报送值，11月、12月未报送）"
    note_en = " (from the October 2025 report; November and December not reported)"
    threshold, trend = (w[w["rule"] == r] for r in ("threshold", "trend"))
    assert reasons(threshold) == {
        "U1": f"a1指标为91.2%{note}，低于红色预警线（92%）",
        "U2": "a1指标为90.0%，低于红色预警线（92%）",
    }
    assert reasons(threshold, "en") == {
        "U1": f"Indicator a1 91.2%{note_en} at or below the red threshold 92%",
        "U2": "Indicator a1 90.0% at or below the red threshold 92%",
    }
    assert reasons(trend) == {
        "U1": f"a1指标由上期的95.0%降至91.2%{note}，下降3.8个百分点，"
        "达到红色预警标准（3个百分点）"
    }
