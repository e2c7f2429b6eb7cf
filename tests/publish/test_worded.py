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
