"""The worded tables a notebook gets, as the command line writes them: each value
checked against what an office clerk would write by hand."""

from __future__ import annotations

import pandas as pd

from evaluation.publish import worded as W


def test_changes_between_runs_read_in_words():
    """A rank that fell and a status that changed, keyed by period and unit, read
    as the performance office says them (hand-written expectations)."""
    changes = pd.DataFrame(
        {
            "table": ["ranks", "composite"],
            "key": ["2025-Q4 / D20", "2025-M03 / D99"],
            "field": ["rank", "status"],
            "before": [3.0, "ranked"],
            "after": [7.0, "insufficient_data"],
        }
    )
    shown = W.changes_table(changes, "zh", {"D20": "市教育局"})
    assert list(shown.columns) == ["数据表", "对象", "字段", "原值", "新值"]
    assert shown.iloc[0].tolist() == [
        "排名表", "2025年第四季度，市教育局", "排名", "3", "7",
    ]  # fmt: skip
    # a unit the runs do not name keeps its code; statuses in words
    assert shown.iloc[1].tolist() == [
        "综合得分表", "2025年3月，D99", "评分状态", "已排名", "数据不足，未排名",
    ]  # fmt: skip
    english = W.changes_table(changes, "en")
    assert english.iloc[1].tolist() == [
        "composite", "2025-M03 / D99", "status", "ranked", "insufficient_data",
    ]  # fmt: skip


def test_scores_change_rounded_half_up_and_none_said():
    changes = pd.DataFrame(
        {
            "table": ["composite", "composite"],
            "key": ["2025 / D1", "2025 / D2"],
            "field": ["composite_score", "composite_score"],
            "before": [80.125, None],
            "after": [80.135, 61.0],
        }
    )
    shown = W.changes_table(changes, "zh", {"D1": "甲局", "D2": "乙局"})
    # 80.125 → 80.13 (half up, not banker's 80.12); no score before: 无
    assert shown["原值"].tolist() == ["80.13", "无"]
    assert shown["新值"].tolist() == ["80.14", "61.00"]


def test_rank_intervals_headed_in_chinese_units_by_name_code_last():
    summary = pd.DataFrame(
        {
            "unit_id": ["D1", "D2"],
            "nominal_rank": [1.0, 2.0],
            "rank_q05": [1.0, 1.05],
            "rank_q95": [2.25, 2.0],
            "score_q05": [70.125, 60.0],
        }
    )
    units = pd.DataFrame({"unit_id": ["D1", "D2"], "name_zh": ["甲局", "乙局"]})
    table = W.intervals_zh(summary, units)
    assert list(table.columns) == [
        "单位", "名次", "名次区间下限（5%）", "名次区间上限（95%）",
        "综合得分区间下限（5%）", "单位代码",
    ]  # fmt: skip
    assert table["单位"].tolist() == ["甲局", "乙局"]
    assert table["名次区间下限（5%）"].tolist() == [1.0, 1.1]  # 1.05 → 1.1, half up
    assert table["名次区间上限（95%）"].tolist() == [2.3, 2.0]
    assert table["综合得分区间下限（5%）"].tolist() == [70.13, 60.0]
    assert table["单位代码"].tolist() == ["D1", "D2"]


def test_a_node_the_catalogue_dropped_is_shown_by_its_id(catalogue):
    """A stored run read with a later catalogue: a name where the catalogue has
    one, the id as it is where it has dropped the node."""
    assert catalogue.name_or_id("efficiency", "zh") == "行政效率"
    assert catalogue.name_or_id("old_indicator", "zh") == "old_indicator"


def test_grade_changes_read_in_words_with_whole_ranks():
    """A what-if's changes as the analyst reads them: Chinese headers, the group
    and grades in words, ranks and places gained whole, none where a unit has no
    rank (hand-written expectations)."""
    changes = pd.DataFrame(
        {
            "group": ["departments", "districts"],
            "unit_id": ["D11", "X09"],
            "name_zh": ["市应急管理局", "白水县"],
            "name_en": ["Emergency Bureau", "Baishui County"],
            "score_before": [77.5, 40.0],
            "score_after": [74.75, 41.0],
            "change": [-2.75, 1.0],
            "rank_before": [33.0, float("nan")],
            "rank_after": [34.0, float("nan")],
            "move": [-1.0, float("nan")],
            "grade_before": ["good", "fail"],
            "grade_after": ["pass", "fail"],
            "grade_changed": [True, False],
        }
    )
    groups = {"departments": "市直部门", "districts": "县（市）区政府"}
    shown = W.grade_changes(changes, groups, "zh")
    assert list(shown.columns) == [
        "考评组别", "单位代码", "单位", "原得分", "测算得分", "得分变化",
        "原组内名次", "测算组内名次", "名次变化（+为上升）", "原等次", "测算等次",
        "等次是否变化",
    ]  # fmt: skip
    assert shown.iloc[0].tolist() == [
        "市直部门", "D11", "市应急管理局", 77.5, 74.75, -2.75, 33, 34, -1,
        "良好", "合格", "是",
    ]  # fmt: skip
    assert str(shown["原组内名次"].dtype) == "Int64"
    assert shown.loc[1, ["原组内名次", "名次变化（+为上升）"]].isna().all()
    assert shown.loc[1, "等次是否变化"] == "否"
    english = W.grade_changes(changes, {}, "en")
    assert "Unit" in english.columns and "Unit (Chinese)" not in english.columns
    assert english.iloc[0][["Group", "Grade", "What-if grade"]].tolist() == [
        "departments", "good", "pass",
    ]  # fmt: skip


def test_league_table_read_in_words_with_whole_ranks():
    """A league table (or a unit's trend) headed in Chinese, the period, peer group
    and status in words, ranks whole; a column without a word (a dimension) kept."""
    table = pd.DataFrame(
        {
            "period": ["2025-M12", "2025-M12"],
            "rank": [37.0, float("nan")],
            "unit_id": ["D13", "D99"],
            "name_zh": ["市商务局", "某局"],
            "name_en": ["Commerce Bureau", "Some Bureau"],
            "peer_group": ["economic", "economic"],
            "composite_score": [83.34, float("nan")],
            "efficiency": [80.0, float("nan")],
            "status": ["ranked", "insufficient_data"],
        }
    )
    shown = W.league(table, "zh", {"economic": "经济管理部门"})
    assert list(shown.columns) == [
        "报告期", "排名", "单位代码", "单位名称", "类别", "综合得分", "efficiency",
        "排名状态",
    ]  # fmt: skip
    assert shown.iloc[0].tolist() == [
        "2025年12月", 37, "D13", "市商务局", "经济管理部门", 83.34, 80.0, "已排名",
    ]  # fmt: skip
    assert str(shown["排名"].dtype) == "Int64" and pd.isna(shown.loc[1, "排名"])
    assert shown.loc[1, "排名状态"] == "数据不足，未排名"
    english = W.league(table, "en")
    assert english.iloc[0][["Period", "Peer group", "Name (English)"]].tolist() == [
        "December 2025", "economic", "Commerce Bureau",
    ]  # fmt: skip
