"""What a risk officer expects of the graded warnings, through a whole run (tiny
catalogue, levels worked out by hand): a worse report never lowers a warning, a
recovered one clears it and closes its rectification item, a count's limit per
reporting period adds up over a longer period, and each warning row says in words
which period, unit, indicator, level, value and limit."""

from __future__ import annotations

import evaluation as ev
from evaluation.publish.export import risk_table

from ..conftest import TINY_ROWS, TINY_UNITS, write_dataset

ORDER = {None: 0, "yellow": 1, "orange": 2, "red": 3}


def run(tiny_raw, tmp_path, changes, period="2025-Q4"):
    """The tiny run with some reports changed (``(unit, period, indicator) →
    value``): a1 (higher is better) warns at 80 / 70 / 60, a2 (a quarterly count,
    lower is better, summed) at 1 / 2 / 3 a quarter."""
    tiny_raw["indicators"][0]["risk"] = {"yellow": 80, "orange": 70, "red": 60}
    tiny_raw["indicators"][1]["risk"] = {"yellow": 1, "orange": 2, "red": 3}
    rows = [(u, p, i, str(changes.get((u, p, i), v))) for u, p, i, v in TINY_ROWS]
    folder = write_dataset(tmp_path / "data", TINY_UNITS, rows)
    return ev.run(
        ev.parse_catalogue(tiny_raw), ev.load_dataset(folder), period=period, run_at="t"
    )


def level(result, unit, node, period="2025-Q4"):
    w = result.warnings
    hit = w[(w["period"] == period) & (w["unit_id"] == unit) & (w["node_id"] == node)]
    return hit["level"].item() if len(hit) else None


def test_a_worse_report_never_lowers_the_warning_nor_the_units_grade(
    tiny_raw, tmp_path
):
    """U1's Q4 a1 falls step by step; its a2 of 1 is yellow throughout, so its
    grade is the worse of yellow and a1's level."""
    falling = [100, 80.5, 80, 75, 70, 65, 60, 0]
    a1 = [None, None, "yellow", "yellow", "orange", "orange", "red", "red"]
    grade = ["yellow"] * 4 + ["orange", "orange", "red", "red"]
    seen, graded = [], []
    for i, value in enumerate(falling):
        result = run(tiny_raw, tmp_path / str(i), {("U1", "2025-Q4", "a1"): value})
        seen.append(level(result, "U1", "a1"))
        risk = result.risk.set_index(["period", "unit_id"])
        graded.append(risk.loc[("2025-Q4", "U1"), "level"])
    assert seen == a1
    assert graded == grade


def test_a_recovered_report_clears_its_warning_and_closes_the_item(tiny_raw, tmp_path):
    """U1 a1: 60 in Q3 (red: an item due 30 days after 30 September, 30 October),
    back to 100 in Q4: no warning in Q4, the item closed on 31 December, late."""
    result = run(
        tiny_raw,
        tmp_path,
        {("U1", "2025-Q3", "a1"): 60, ("U1", "2025-Q4", "a1"): 100},
    )
    assert level(result, "U1", "a1", "2025-Q3") == "red"
    assert level(result, "U1", "a1") is None
    item = result.ledger.set_index("item_id").loc["2025-Q3/U1/a1/threshold"]
    assert (item["status"], item["first_due"]) == ("closed", "2025-10-30")
    assert (item["closed_on"], bool(item["on_time"])) == ("2025-12-31", False)


def test_a_count_limit_per_quarter_adds_up_over_the_year(tiny_raw, tmp_path):
    """a2's limits are per quarter (1 / 2 / 3): over four quarters 4 / 8 / 12. U1's
    four quarterly counts summed, against the year's line, and the line quoted."""
    expected = {
        0: (None, None),
        3: (None, None),  # 3 a year: below 4
        4: ("yellow", "a2指标为4.0分，达到黄色预警线（4分）"),
        7: ("yellow", "a2指标为7.0分，高于黄色预警线（4分）"),
        8: ("orange", "a2指标为8.0分，达到橙色预警线（8分）"),
        12: ("red", "a2指标为12.0分，达到红色预警线（12分）"),
    }
    quarters = {0: [0] * 4, 3: [1, 1, 1, 0], 4: [1] * 4, 7: [2, 2, 2, 1]}
    quarters |= {8: [2] * 4, 12: [3] * 4}
    for total, counts in quarters.items():
        changes = {("U1", f"2025-Q{q}", "a2"): n for q, n in enumerate(counts, start=1)}
        result = run(tiny_raw, tmp_path / str(total), changes, period="2025")
        w = result.warnings
        hit = w[
            (w["period"] == "2025") & (w["unit_id"] == "U1") & (w["node_id"] == "a2")
        ]
        got = (
            (hit["level"].item(), hit["reason_zh"].item()) if len(hit) else (None,) * 2
        )
        assert got == expected[total], total


def test_a_count_from_fewer_reports_than_the_year_expects_says_so(tiny_raw, tmp_path):
    """U1 reports a2 in three quarters of four, 2 each: 6 reported, pro rata
    6 × 4 / 3 = 8.0 for the year, at the orange line (2 a quarter: 8), where the 6
    reported alone would be yellow (4). The reason quotes 8.0 as pro rata, with the
    6 reported and the reports behind it, so a risk officer can tell."""
    changes = {("U1", "2025-Q1", "a2"): 2, ("U1", "2025-Q2", "a2"): 2}
    changes |= {("U1", "2025-Q3", "a2"): 2, ("U1", "2025-Q4", "a2"): ""}
    result = run(tiny_raw, tmp_path, changes, period="2025")
    w = result.warnings
    hit = w[(w["period"] == "2025") & (w["unit_id"] == "U1") & (w["node_id"] == "a2")]
    assert hit[["level", "value", "reason_zh", "reason_en"]].values.tolist() == [
        [
            "orange",
            8.0,
            "a2指标为8.0分（报送3期合计6.0分，应报4期，按比例折算），"
            "达到橙色预警线（8分）",
            "Indicator a2 8.0 points (6.0 points in 3 of 4 reports, pro rata) "
            "at or above the orange threshold 8 points",
        ]
    ]


def test_a_latest_report_from_before_the_periods_end_says_which_it_is(
    tiny_raw, tmp_path
):
    """b1 (half-yearly, the latest report stands for the year; higher is better,
    yellow 80, orange 70, red 50). U1 sends H1 60 and no H2: its 2025 value is H1's
    60, orange, and the reason says it is H1's, H2 not sent, so 60 does not read as
    the year-end figure. U2 sends no H1 and H2 75: 75 is the year-end report,
    yellow, said plainly. U3 sends both (40, 50): 50, at the red line, plainly."""
    tiny_raw["indicators"][2]["risk"] = {"yellow": 80, "orange": 70, "red": 50}
    changes = {("U1", "2025-H2", "b1"): "", ("U2", "2025-H1", "b1"): ""}
    result = run(tiny_raw, tmp_path, changes, period="2025")
    w = result.warnings
    hit = w[(w["period"] == "2025") & (w["node_id"] == "b1")]
    assert hit[
        ["unit_id", "level", "value", "reason_zh", "reason_en"]
    ].values.tolist() == [
        [
            "U1",
            "orange",
            60.0,
            "b1指标为60.0分（取自2025年上半年报送值，下半年未报送），"
            "低于橙色预警线（70分）",
            "Indicator b1 60.0 points (from the H1 2025 report; H2 not reported) "
            "at or below the orange threshold 70 points",
        ],
        [
            "U2",
            "yellow",
            75.0,
            "b1指标为75.0分，低于黄色预警线（80分）",
            "Indicator b1 75.0 points at or below the yellow threshold 80 points",
        ],
        [
            "U3",
            "red",
            50.0,
            "b1指标为50.0分，达到红色预警线（50分）",
            "Indicator b1 50.0 points at or below the red threshold 50 points",
        ],
    ]
    # the rectification item quotes the warning's words
    item = result.ledger.set_index("item_id").loc["2025/U1/b1/threshold"]
    assert "（取自2025年上半年报送值，下半年未报送）" in item["reason_zh"]


def test_a_latest_report_whose_denominator_is_missing_is_not_the_one_quoted(
    tiny_raw, tmp_path
):
    """b1 (half-yearly, the latest report stands for the year) per 100 staff of c1
    (its denominator, half-yearly; yellow 80, orange 70, red 50). U1 sends b1 60 and
    90 against c1 100 in H1 and none in H2: H2's report has no denominator and
    counts as empty (methodology §3), so U1's 2025 value is H1's 60 (orange), and
    the reason says it is H1's, as it does of a report not sent at all, not the 60
    as the year-end figure. U2 (100 and 75, c1 100 in both): 75, yellow, plainly."""
    tiny_raw["indicators"][2]["risk"] = {"yellow": 80, "orange": 70, "red": 50}
    tiny_raw["indicators"][2]["denominator"] = {"by": "c1", "scale": 100}
    tiny_raw["context"] = [
        {
            "id": "c1", "name_zh": "编制人数", "name_en": "Staff", "unit_zh": "人",
            "unit_en": "staff", "agency": "office", "frequency": "half_year",
            "valid": {"min": 0, "max": 10000},
        }
    ]  # fmt: skip
    staff = [
        (u, h, "c1", "" if (u, h) == ("U1", "2025-H2") else "100")
        for u in ("U1", "U2", "U3")
        for h in ("2025-H1", "2025-H2")
    ]
    folder = write_dataset(tmp_path / "data", TINY_UNITS, [*TINY_ROWS, *staff])
    result = ev.run(
        ev.parse_catalogue(tiny_raw), ev.load_dataset(folder), period="2025", run_at="t"
    )
    w = result.warnings
    hit = w[(w["period"] == "2025") & (w["node_id"] == "b1") & (w["unit_id"] != "U3")]
    assert hit[["unit_id", "level", "value", "reason_zh"]].values.tolist() == [
        [
            "U1",
            "orange",
            60.0,
            "b1指标为60.0分（取自2025年上半年报送值，下半年未报送），"
            "低于橙色预警线（70分）",
        ],
        ["U2", "yellow", 75.0, "b1指标为75.0分，低于黄色预警线（80分）"],
    ]


def test_a_warning_row_says_period_unit_indicator_level_value_and_limit(
    tiny_raw, tmp_path
):
    """U2's Q4 a1 is 60, at the red line: the Chinese warnings table says so in
    words, with the number and the line beside it (as published, 2 decimals)."""
    result = run(tiny_raw, tmp_path, {})
    table = risk_table(result, "warnings", period="2025-Q4", lang="zh")
    row = table[(table["单位"] == "二局") & (table["指标或维度"] == "a1指标")]
    assert row.iloc[0].tolist() == [
        "2025年第四季度", "二局", "a1指标", "阈值", "红色", "60.00", "60.00",
        "a1指标为60.0分，达到红色预警线（60分）",
    ]  # fmt: skip


def test_a_units_warnings_read_worst_first_then_in_catalogue_order(tiny_raw, tmp_path):
    """The published warnings table (the CSV's rows) of 2025, the catalogue
    listing b2, a2, b1, a1 (not in the ids' order). The year's values: a1 80, 60,
    100 (the quarters' mean; higher is better: 80 / 70 / 60); a2 4, 2.7 (2 in three
    quarters of four, pro rata), 12 (summed; lower: 4 / 8 / 12 a year); b1 90, 75,
    50 (H2; higher: 95 / 80 / 60); b2 70, 80, 90 (higher: 85 / 75 / 72). Each
    unit's warnings read red, orange, yellow, and within a level as the catalogue
    lists them: 一局's yellow a2, b1, a1 (not a1, a2, b1)."""
    by_id = {i["id"]: i for i in tiny_raw["indicators"]}
    tiny_raw["indicators"] = [by_id[i] for i in ("b2", "a2", "b1", "a1")]
    limits = {"a1": (80, 70, 60), "a2": (1, 2, 3), "b1": (95, 80, 60)}
    limits["b2"] = (85, 75, 72)
    for i, (yellow, orange, red) in limits.items():
        by_id[i]["risk"] = {"yellow": yellow, "orange": orange, "red": red}
    folder = write_dataset(tmp_path / "data", TINY_UNITS, TINY_ROWS)
    result = ev.run(
        ev.parse_catalogue(tiny_raw), ev.load_dataset(folder), period="2025"
    )
    table = risk_table(result, "warnings", period="2025", lang="zh")
    assert table[["单位", "指标或维度", "预警等级"]].values.tolist() == [
        ["一局", "b2指标", "红色"],
        ["一局", "a2指标", "黄色"],
        ["一局", "b1指标", "黄色"],
        ["一局", "a1指标", "黄色"],
        ["二局", "a1指标", "红色"],
        ["二局", "b1指标", "橙色"],
        ["二局", "b2指标", "黄色"],
        ["三局", "a2指标", "红色"],
        ["三局", "b1指标", "红色"],
    ]
