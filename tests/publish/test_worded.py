"""The worded tables a notebook gets, as the command line writes them: each value
checked against what an office clerk would write by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation import appraisal as A
from evaluation.appraisal import parse_config
from evaluation.publish import worded as W

from ..conftest import ROOT


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
        "composite", "2025-M03 / D99", "Status", "ranked", "insufficient_data",
    ]  # fmt: skip


def test_the_english_changes_name_fields_as_the_english_tables_head_them():
    """In English a changed field reads as the English grade and media tables
    head it (Review, as the dashboard's grade table), never by its code
    (review_score)."""
    fields = ["review_score", "group_rank", "final_grade", "peer_rank"]
    changes = pd.DataFrame(
        {
            "table": ["grades", "grades", "grades", "ranks"],
            "key": ["X09", "X09", "X09", "2025 / D1"],
            "field": fields,
            "before": [88.0, 3, "good", 2],
            "after": [90.0, 2, "excellent", 1],
        }
    )
    shown = W.changes_table(changes, "en")["field"].tolist()
    assert shown == [
        "Review", "Rank in group", "Final grade",
        "Rank in peer group",
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
    table = W.intervals(summary, units, "zh")
    assert list(table.columns) == [
        "单位", "名次", "名次区间下限（5%）", "名次区间上限（95%）",
        "综合得分区间下限（5%）", "单位代码",
    ]  # fmt: skip
    assert table["单位"].tolist() == ["甲局", "乙局"]
    assert table["名次区间下限（5%）"].tolist() == [1.0, 1.1]  # 1.05 → 1.1, half up
    assert table["名次区间上限（95%）"].tolist() == [2.3, 2.0]
    assert table["综合得分区间下限（5%）"].tolist() == [70.13, 60.0]
    assert table["单位代码"].tolist() == ["D1", "D2"]


def test_the_rank_in_its_type_is_whole_as_the_rank_is():
    """The rank among the unit's own type is a published rank too (the media CSV's
    分表): written 2, not 2.0; its interval ends to 1 decimal; empty unranked."""
    summary = pd.DataFrame(
        {
            "unit_id": ["D1", "D2"],
            "nominal_rank": [3.0, float("nan")],
            "level_rank": [2.0, float("nan")],
            "level_rank_q05": [1.05, float("nan")],
        }
    )
    units = pd.DataFrame({"unit_id": ["D1", "D2"], "name_zh": ["甲局", "乙局"]})
    table = W.intervals(summary, units, "zh")
    assert str(table["同类型单位中名次"].dtype) == "Int64"
    assert table["同类型单位中名次"].astype(object).tolist() == [2, pd.NA]
    assert table["名次"].astype(object).tolist() == [3, pd.NA]
    assert table["同类型单位中名次区间下限（5%）"].tolist()[0] == 1.1  # half up


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


def test_league_table_names_the_dimensions_and_rounds_scores_as_published(catalogue):
    """With the catalogue, a dimension's column is headed by its name (行政效率, not
    ``efficiency``), and scores are rounded half up to 2 decimals as the media
    table publishes them (83.345 is 83.35, not numpy's 83.34); counts stay whole."""
    table = pd.DataFrame(
        {
            "rank": [1.0],
            "unit_id": ["D13"],
            "composite_score": [83.345],
            "efficiency": [70.125],
            "peer_median": [81.005],
            "coverage": [0.875],
            "n_imputed": [2],
        }
    )
    shown = W.league(table, "zh", cat=catalogue)
    assert list(shown.columns) == [
        "排名", "单位代码", "综合得分", "行政效率", "同类中位数", "指标覆盖率",
        "补缺或记零分项数",
    ]  # fmt: skip
    assert shown.iloc[0].tolist() == [1, "D13", 83.35, 70.13, 81.01, 0.875, 2]
    assert (
        W.league(table, "en", cat=catalogue).columns[3] == "Administrative efficiency"
    )
    # without the catalogue the dimension keeps its code and its value
    assert W.league(table, "zh")["efficiency"].tolist() == [70.125]


def test_breakdown_read_in_words_scores_to_two_decimals(catalogue):
    """One unit's indicators as the analyst reads them: names, the parent node,
    a filled value as 补缺 and its rule, values and scores rounded half up to 2
    decimals as the dashboard shows them, never -0.00."""
    table = pd.DataFrame(
        {
            "indicator_id": ["approval_on_time_rate", "approval_time_ratio"],
            "name_zh": ["x", "x"],
            "name_en": ["x", "x"],
            "parent": ["efficiency.approval", "efficiency.approval"],
            "value": [85.2403, 1.395],  # a year's mean; half up: 1.40
            "status": ["reported", "imputed_peer_median"],
            "score": [80.456, -0.001],
            "weight": [0.06, 0.045],
            "contribution": [5.625, -0.00004],  # half up, as published: 5.63
        }
    )
    shown = W.breakdown(table, catalogue, "zh")
    assert list(shown.columns) == [
        "指标", "上级指标", "指标值", "数据状态", "指标得分", "占综合得分权重",
        "贡献（分）", "指标代码",
    ]  # fmt: skip
    assert shown.iloc[0].tolist() == [
        "审批事项按时办结率", "审批服务效率", 85.24, "已报送", 80.46, 0.06, 5.63,
        "approval_on_time_rate",
    ]  # fmt: skip
    assert shown.iloc[1, 2] == 1.4 and shown.iloc[1, 3] == "补缺（同类中位数插补）"
    assert str(shown.iloc[1, 4]) == "0.0" and str(shown.iloc[1, 6]) == "0.0"


def test_breakdown_in_english_says_a_missing_value_in_words(catalogue):
    """An English reader sees a missing value's status in words, as the Chinese
    does (缺失（不计）, 缺失（记零分）), never the code missing_excluded."""
    table = pd.DataFrame(
        {
            "indicator_id": ["cost_per_service_item", "approval_on_time_rate"],
            "parent": ["cost.operation", "efficiency.approval"],
            "value": [float("nan"), float("nan")],
            "status": ["missing_excluded", "missing_zero_score"],
            "score": [float("nan"), 0.0],
            "weight": [0.0, 0.06],
            "contribution": [0.0, 0.0],
        }
    )
    assert W.breakdown(table, catalogue, "en")["Status"].tolist() == [
        "missing (not scored)", "missing (scored zero)",
    ]  # fmt: skip
    assert W.breakdown(table, catalogue, "zh")["数据状态"].tolist() == [
        "缺失（不计）", "缺失（记零分）",
    ]  # fmt: skip


def test_breakdown_says_why_an_indicator_weighs_nothing(catalogue):
    """D20 in the sample's 2025-Q4: its cost dimension has too few values to score,
    so its reported budget execution rate weighs 0; the status says so, in the
    media table's words (行政成本数据不足，未计分)."""
    table = pd.DataFrame(
        {
            "indicator_id": ["budget_execution_rate", "cost_per_service_item",
                             "approval_on_time_rate"],
            "parent": ["cost.funds", "cost.operation", "efficiency.approval"],
            "value": [97.9, float("nan"), 99.1],
            "status": ["reported", "missing_excluded", "reported"],
            "score": [94.75, float("nan"), 95.55],
            "weight": [0.0, 0.0, 0.0706],
            "contribution": [0.0, 0.0, 6.74],
            "blank_node": ["cost", "cost", None],
        }
    )  # fmt: skip
    assert W.breakdown(table, catalogue, "zh")["数据状态"].tolist() == [
        "已报送；行政成本数据不足，未计分",
        "缺失（不计）；行政成本数据不足，未计分",
        "已报送",
    ]
    assert W.breakdown(table, catalogue, "en")["Status"].tolist() == [
        "reported; Administrative cost: too few values, not scored",
        "missing (not scored); Administrative cost: too few values, not scored",
        "reported",
    ]


def test_methods_read_in_words_cr_only_for_ahp(catalogue):
    table = pd.DataFrame(
        {
            "node_id": ["efficiency", "composite"],
            "weights": ["manual", "ahp"],
            "aggregation": ["arithmetic", "geometric"],
            "cr": [float("nan"), 0.012345],
        }
    )
    shown = W.methods(table, catalogue, "zh")
    assert list(shown.columns) == [
        "节点", "赋权方法", "汇总方法", "一致性比率 CR", "节点代码",
    ]  # fmt: skip
    assert shown.iloc[1].tolist() == [
        "综合得分", "层次分析法", "加权几何平均", 0.0123, "composite",
    ]  # fmt: skip
    assert shown.iloc[0, :3].tolist() == ["行政效率", "人工赋权", "加权算术平均"]
    assert pd.isna(shown.iloc[0, 3])


def test_ahp_check_of_a_consistent_and_a_cyclic_panel():
    """By hand: weights 4:2:1 judged exactly are consistent (λmax = n = 3, CR 0,
    every judgement what the weights imply); a cyclic 9, 9, 9 (circulant: λmax =
    1 + 9 + 1/9, equal weights) has CI = (91/9 − 3) / 2 = 3.5556 and CR = CI / 0.58
    = 6.1303, unusable, each judgement (9 or 1/9) nine times what the weights
    imply (1)."""
    consistent = W.ahp_check(
        [[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]], ["甲", "乙", "丙"], "zh"
    )
    assert list(consistent.columns) == [
        "一致性比率 CR", "一致性指标 CI", "最大特征值 λmax", "可用（CR < 0.1）",
        "最不一致的判断", "专家判断值", "由权重推算的值",
    ]  # fmt: skip
    row = consistent.iloc[0].tolist()
    assert row[:4] == [0, 0, 3, "是"] and row[5] == row[6]
    assert row[4] in {"甲相对于乙的重要性", "甲相对于丙的重要性", "乙相对于丙的重要性"}
    cyclic = W.ahp_check(
        [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]], ["A", "B", "C"], "en"
    )
    row = cyclic.iloc[0].tolist()
    assert row[:4] == [6.1303, 3.5556, 10.1111, "no"]
    judged = {"A against B": 9, "A against C": 0.11, "B against C": 9}
    assert judged[row[4]] == row[5] and row[6] == 1
    assert cyclic.columns[3] == "Usable (CR < 0.1)"
    # the catalogue's random-index table, as its check reads it: Saaty (2005)
    # gives RI(3) = 0.52, so CR = 3.5556 / 0.52 = 6.8376
    cyclic = W.ahp_check(
        [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]],
        ["A", "B", "C"],
        "en",
        random_index="saaty2005",
    )
    assert cyclic.iloc[0, 0] == 6.8376


def test_diagnostics_by_name_kinds_in_words_code_last(catalogue):
    dims = pd.DataFrame(
        {
            "node_id": ["efficiency.approval"],
            "indicators": [3],
            "cronbach_alpha": [0.84049],
            "pc1_explained": [0.83333],
        }
    )
    shown = W.diagnostics(dims, catalogue, "zh")
    assert list(shown.columns) == [
        "维度", "指标数", "内部一致性系数（Cronbach's α）", "第一主成分解释比例",
        "维度代码",
    ]  # fmt: skip
    assert shown.iloc[0].tolist() == [
        "审批服务效率", 3, 0.84, 0.833, "efficiency.approval",
    ]  # fmt: skip
    found = pd.DataFrame(
        {"indicator_id": ["fault_findings"], "kind": ["negative"], "reason": ["…"]}
    )
    shown = W.diagnostics(found, catalogue, "zh")
    assert list(shown.columns) == ["指标", "问题", "说明", "指标代码"]
    assert shown.iloc[0].tolist() == [
        "过错责任追究件数", "方向可能有误", "…", "fault_findings",
    ]  # fmt: skip


def test_catalogue_changes_read_in_words_methods_by_name():
    changes = pd.DataFrame(
        [
            ("settings", "composite", "综合得分", "Composite score", "weights.method",
             "changed", "manual", "ahp"),
            ("indicators", "new_one", "新指标", "New one", "", "added", None, None),
            ("settings", "settings", None, None, "max_imputed_share", "changed",
             0.2, 0.3),
        ],
        columns=["section", "id", "name_zh", "name_en", "field", "change", "before",
                 "after"],
    )  # fmt: skip
    shown = W.catalogue_changes(changes, "zh")
    assert list(shown.columns) == ["部分", "名称", "字段", "变化", "原值", "新值",
                                   "代码"]  # fmt: skip
    assert shown.values.tolist() == [
        ["设置", "综合得分", "weights.method", "修改", "人工赋权", "层次分析法",
         "composite"],
        ["指标", "新指标", "", "新增", "", "", "new_one"],
        ["设置", "", "max_imputed_share", "修改", 0.2, 0.3, "settings"],
    ]  # fmt: skip
    assert W.catalogue_changes(changes, "en").iloc[0, :6].tolist() == [
        "Settings", "Composite score", "weights.method", "changed", "manual", "AHP",
    ]  # fmt: skip


def test_rule_names_name_the_configured_and_the_built_in_rules():
    """A rules-applied table lists rules by id: the appraisal's own by their names,
    the quota and the committee's override by theirs."""
    rules = pd.DataFrame(
        {
            "rule_id": ["veto_safety"],
            "name_zh": ["发生重大安全事故的，实行一票否决"],
            "name_en": ["Veto: a major safety accident"],
        }
    )
    assert W.rule_names(rules, "zh") == {
        "quota": "优秀名额",
        "override": "考评委员会调整",
        "veto_safety": "发生重大安全事故的，实行一票否决",
    }
    assert W.rule_names(rules, "en")["quota"] == "Quota for excellent"


def test_a_built_in_rules_source_reads_in_english_and_a_document_as_written():
    """The source stored beside a unit the quota moved (without quota.source in
    appraisal.yaml) and beside an override is Chinese; the English reader reads it
    in English. A document cited is quoted as written in either language."""
    quota, override = "本年度考评办法优秀名额规定", "考评委员会决定"
    assert W.rule_source(quota, "en") == (
        "This year's appraisal rules: the quota for excellent"
    )
    assert W.rule_source(override, "en") == "Decision of the appraisal committee"
    assert W.rule_source(quota, "zh") == quota
    assert W.rule_source(override, "zh") == override
    cited = "辽市政发〔2007〕48号 第五部分第（五）项"
    assert W.rule_source(cited, "en") == W.rule_source(cited, "zh") == cited


def test_grade_changes_scores_rounded_half_up_as_published():
    """The what-if's scores (the notebook showed 77.182540 → 74.772819,
    -2.409721): to 2 decimals, half up by hand (2.675 → 2.68, where binary
    rounding gives 2.67), numbers still; the workbook's changes sheet is this
    table."""
    changes = pd.DataFrame(
        {
            "group": ["departments"] * 2,
            "unit_id": ["D11", "D37"],
            "name_zh": ["市应急管理局", "市地方金融监督管理局"],
            "name_en": ["Emergency Bureau", "Finance Regulation Bureau"],
            "score_before": [77.182540, 80.125],
            "score_after": [74.772819, 77.45],
            "change": [-2.409721, -2.675],
            "rank_before": [33.0, 30.0],
            "rank_after": [34.0, 31.0],
            "move": [-1.0, -1.0],
            "grade_before": ["good", "good"],
            "grade_after": ["pass", "good"],
            "grade_changed": [True, False],
        }
    )
    shown = W.grade_changes(changes, {}, "zh")
    assert shown[["原得分", "测算得分", "得分变化"]].to_numpy().tolist() == [
        [77.18, 74.77, -2.41],
        [80.13, 77.45, -2.68],
    ]


def test_a_computed_table_is_rounded_half_up_whole_numbers_and_text_kept():
    """``rounded``: 0.125 → 0.13 and 2.675 → 2.68 (half up; pandas' round gives
    0.12 and 2.67), -0.0001 → 0.0 (never -0.00), NaN kept; counts and names as
    they are."""
    table = pd.DataFrame(
        {
            "name": ["甲", "乙", "丙"],
            "n": [3, 12, 7],
            "x": [0.125, 2.675, -0.0001],
            "y": [float("nan"), 1.005, 99.994],
        }
    )
    shown = W.rounded(table, 2)
    assert shown["name"].tolist() == ["甲", "乙", "丙"]
    assert shown["n"].tolist() == [3, 12, 7] and shown["n"].dtype == "int64"
    assert shown["x"].tolist() == [0.13, 2.68, 0.0]
    assert str(shown.at[2, "x"]) == "0.0"  # not -0.0
    assert pd.isna(shown.at[0, "y"]) and shown["y"].tolist()[1:] == [1.01, 99.99]
    assert table.at[0, "x"] == 0.125  # the table given is left as it is


def test_a_ratio_is_said_as_a_percentage_half_up():
    """0.605333 → 60.5%, 1 → 100.0%, 0.122 → 12.2%; 0.6055 is 60.55% exactly
    (60.6% half up, whatever 0.6055 × 100 is in binary); none → blank."""
    assert W.percent([0.605333, 1.0, 0.122, 0.6055, float("nan")]) == [
        "60.5%", "100.0%", "12.2%", "60.6%", "",
    ]  # fmt: skip
    assert W.percent([0.00125], 2) == ["0.13%"]


def test_indicators_read_to_two_decimals_half_up(catalogue):
    """A unit's indicators as the department notebook shows them (it showed
    得分 17.391304, 差 -46.956522, Score -0.000000): the profile page's headers
    and words, every number to 2 decimals half up (by hand), numbers still."""
    table = pd.DataFrame(
        {
            "indicator_id": ["approval_time_ratio", "approval_on_time_rate"],
            "value": [1.09, 100.0],
            "target": [0.5, 98.0],
            "peer_value": [0.695, 97.0],
            "score": [17.391304, -0.0000001],
            "peer_score": [64.347826, 83.75],
            "gap": [-46.956522, 16.25],
            "status": ["reported", "reported"],
            "unit_zh": ["比值", "%"],
            "unit_en": ["ratio", "%"],
        }
    )
    zh = W.indicators(table, catalogue, "zh")
    assert list(zh.columns[:2]) == ["指标", "计量单位"]
    assert zh.iloc[0, 0] == "审批实际用时与承诺时限之比"
    numbers = zh.iloc[:, 2:8].to_numpy().tolist()
    assert numbers == [
        [1.09, 0.5, 0.7, 17.39, 64.35, -46.96],  # 0.695 → 0.70, half up
        [100.0, 98.0, 97.0, 0.0, 83.75, 16.25],
    ]
    assert zh.iloc[-1, -1] == "已报送"
    en = W.indicators(table, catalogue, "en")
    assert str(en.loc[1, "Score"]) == "0.0"  # not -0.0
    assert en.loc[0, "Score"] == 17.39


def test_survey_responses_rate_as_a_percentage_scores_to_two_decimals():
    """The year-end notebook's response table (it showed 参评率 0.605333, 平均得分
    82.126667): the rate as 60.5%, the mean score 82.13 (by hand), the group by its
    name in the language, its code and the other name left out."""
    summary = pd.DataFrame(
        {
            "rater_group": ["leaders", "deputies"],
            "name_zh": ["市领导", "人大代表"],
            "name_en": ["City leaders", "People's congress deputies"],
            "weight": [0.3, 0.2],
            "ballots": [300, 908],
            "dont_know": [18, 69],
            "valid": [282, 839],
            "eligible_raters": [300, 1500],
            "response_rate": [1.0, 908 / 1500],
            "units": [50, 50],
            "insufficient": [0, 2],
            "mean_score": [82.126667, 86.790134],
        }
    )
    zh = W.responses(summary, "zh")
    assert list(zh.columns) == [
        "评价群体", "权重", "票数", "“不了解”票数", "有效票数", "可参评人数", "参评率",
        "被评单位数", "样本不足的单位数", "平均得分",
    ]  # fmt: skip
    assert zh.iloc[1].tolist() == [
        "人大代表", 0.2, 908, 69, 839, 1500, "60.5%", 50, 2, 86.79,
    ]  # fmt: skip
    assert zh.loc[0, "参评率"] == "100.0%" and zh.loc[0, "平均得分"] == 82.13
    en = W.responses(summary, "en")
    assert en.loc[1, "Rater group"] == "People's congress deputies"
    assert en.loc[1, "Response rate"] == "60.5%"


def _due() -> pd.DataFrame:
    """Two reminders of a ledger, as :func:`evaluation.risk.ledger.reminders` gives
    them."""
    return pd.DataFrame(
        {
            "item_id": ["2025-M10/D07/approval_time_ratio/threshold", "x2"],
            "unit_id": ["D07", "D99"],
            "node_id": ["approval_time_ratio", "efficiency"],
            "rule": ["threshold", "rollup"],
            "level": ["red", "orange"],
            "level_opened": ["orange", "orange"],
            "opened_period": ["2025-M10", "2025-Q3"],
            "first_due": ["2025-11-30", "2025-12-31"],
            "due": ["2025-12-31", "2025-12-31"],
            "escalations": [1, 0],
            "status": ["open", "open"],
            "checked_on": ["2026-01-20", ""],
            "reason_zh": ["审批用时超过承诺时限", None],
            "reason_en": ["approval time over the committed limit", None],
        }
    )


def test_reminders_in_english_name_units_and_indicators_under_english_headers(
    catalogue,
):
    """The reminder list in English (the notebook showed the raw ledger: item_id,
    unit_id D07, no names): the unit and the indicator by name, words for rule,
    level and status, periods by name, dates 2025-11-30; codes last."""
    units = {"D07": "Municipal Ecology and Environment Bureau"}
    en = W.reminders(_due(), catalogue, units, "en")
    assert list(en.columns) == [
        "Responsible unit", "Indicator or dimension", "Rule", "Level",
        "Level when opened", "Opened in", "First deadline", "Current deadline",
        "Escalations", "Status", "Checked on", "Reason", "Unit code", "Item",
    ]  # fmt: skip
    assert en.iloc[0].tolist() == [
        "Municipal Ecology and Environment Bureau",
        "Approval time used against the committed time limit",
        "threshold", "red", "orange", "October 2025", "2025-11-30", "2025-12-31",
        1, "open", "2026-01-20", "approval time over the committed limit", "D07",
        "2025-M10/D07/approval_time_ratio/threshold",
    ]  # fmt: skip
    # a unit the list does not name keeps its code; no check date, no reason: blank
    first = ["Responsible unit", "Indicator or dimension", "Rule"]
    assert en.iloc[1][first].tolist() == [
        "D99", "Administrative efficiency", "dimension roll-up",
    ]  # fmt: skip
    assert en.iloc[1][["Opened in", "Checked on", "Reason"]].tolist() == [
        "Q3 2025", "", "",
    ]  # fmt: skip
    zh = W.reminders(_due(), catalogue, {"D07": "市生态环境局"}, "zh")
    first = zh.iloc[0]
    assert first[["责任单位", "发现报告期", "原定整改期限", "预警规则"]].tolist() == [
        "市生态环境局", "2025年10月", "2025年11月30日", "阈值",
    ]  # fmt: skip


def test_sobol_factors_in_either_language(catalogue):
    """A factor by the words the Sobol table and chart use: a node's weight by its
    name, a level's weights, a choice of method; an unknown code as it is."""
    assert W.sobol_factor("w:efficiency", catalogue) == "行政效率的权重"
    assert W.sobol_factor("w:efficiency", catalogue, "en") == (
        f"weight of {catalogue.name('efficiency', 'en')}"
    )
    assert W.sobol_factor("weights:level2", catalogue) == "第2级全部权重"
    assert W.sobol_factor("normalisation", catalogue, "en") == "normalisation"
    assert W.sobol_factor("aggregation", catalogue) == "汇总方法"
    assert W.sobol_factor("seed", catalogue) == "seed"


def _sobol() -> pd.DataFrame:
    """Sobol indices of two factors, as :func:`uncertainty.sensitivity` gives them."""
    return pd.DataFrame(
        {
            "factor": ["w:efficiency", "aggregation"],
            "S1": [0.12345, 0.9],
            "S1_conf": [0.02, 0.25],
            "S1_low": [0.10345, 0.65],
            "S1_high": [0.14345, 1.15],
            "ST": [0.2, 1.0],
            "ST_conf": [0.01, 0.3],
            "ST_low": [0.19, 0.7],
            "ST_high": [0.21, 1.3],
            "estimator": ["salib", "salib"],
            "interval": ["normal_95", "normal_95"],
        }
    )


def test_sobol_table_in_english_names_factors_and_methods_in_words(catalogue):
    """The English reader's Sobol table (the notebook showed the analysis' own
    columns: factor w:efficiency, estimator salib, interval normal_95): the factor,
    the estimator and its interval in words, indices to 4 decimals half up
    (0.12345 → 0.1235, by hand), the factor's code last."""
    en = W.sobol_table(_sobol(), catalogue, "en")
    assert list(en.columns) == [
        "Factor", "First-order index (S1)", "S1 interval, low end",
        "S1 interval, high end", "S1 interval, half-width", "Total index (ST)",
        "ST interval, low end", "ST interval, high end", "ST interval, half-width",
        "Estimator", "Interval", "Factor code",
    ]  # fmt: skip
    efficiency = catalogue.name("efficiency", "en")
    assert en.iloc[0].tolist() == [
        f"weight of {efficiency}", 0.1235, 0.1035, 0.1435, 0.02,
        0.2, 0.19, 0.21, 0.01,
        "normalised by the total variance (SALib)",
        "95% confidence interval (normal approximation)", "w:efficiency",
    ]  # fmt: skip
    assert en.iloc[1, 0] == "aggregation"


def test_sobol_table_in_chinese_is_the_command_lines_file(catalogue):
    zh = W.sobol_table(_sobol(), catalogue, "zh")
    assert list(zh.columns[:2]) == ["因素", "一阶敏感度指数（S1）"]
    assert zh.iloc[0].tolist()[:2] == ["行政效率的权重", 0.1235]
    assert zh.iloc[0].tolist()[-3:] == [
        "输出按总方差标准化的估计", "95%置信区间（正态近似）", "w:efficiency",
    ]  # fmt: skip


def test_flag_counts_read_in_words():
    """The checks by name under 核查项, the decisions in words, the total last."""
    flags = pd.DataFrame(
        {"check": ["stable", "stable", "jump"], "status": ["open", "accepted", "open"]}
    )
    zh = W.flag_counts(flags, "zh")
    assert zh.index.name == "核查项" and zh.index.tolist() == ["连续不变", "异常跳变"]
    assert zh.columns.tolist() == ["待核实", "已确认", "已排除", "提示条数"]
    assert zh.values.tolist() == [[1, 1, 0, 2], [1, 0, 0, 1]]
    en = W.flag_counts(flags, "en")
    assert en.index.tolist() == ["frozen", "jump"] and en.columns[-1] == "Flags"


def test_the_ledger_at_a_glance_in_words():
    """Statuses and levels in words, open and the most severe first, the total last."""
    from evaluation.risk import ledger as L

    led = pd.DataFrame(
        [dict.fromkeys(L.COLUMNS) | {"status": s, "level": v, "escalations": 0,
                                     "reminder": False}
         for s, v in (("closed", "orange"), ("open", "red"), ("closed", "red"))]
    )  # fmt: skip
    zh = W.ledger_counts(led, "zh")
    assert zh.index.name == "状态" and zh.index.tolist() == ["未关闭", "已销号"]
    assert zh.columns.tolist() == ["红色", "橙色", "整改事项数"]
    assert zh.values.tolist() == [[1, 0, 1], [1, 1, 2]]
    en = W.ledger_counts(led, "en")
    assert en.index.tolist() == ["open", "closed"] and en.columns[-1] == "Items"


def _appraisal_config():
    """The sample's appraisal.yaml: shares 0.5, 0.3, 0.2; 20% excellent per group
    (市直部门, 县（市）区政府)."""
    return A.load_config(ROOT / "appraisal.yaml")


def test_part_spread_is_each_parts_share_sd_and_their_product_by_hand():
    """The year-end notebook's spread of the three parts (it computed them in a
    cell): 考 70, 80, 90 has SD 10, effect 0.5 × 10 = 5; 评 80, 80 and one unit
    without it has SD 0; 议 60, 90, 90 has SD √((400 + 100 + 100) / 2) = 17.3205,
    effect 0.2 × 17.3205 = 3.4641 → 3.46 (by hand). Each part by the name the
    shares, the grades table and the report give it (考：年度综合得分), not the
    dashboard's short one (考（指标）): one part, one name in the notebook."""
    grades = pd.DataFrame(
        {
            "periods_score": [70.0, 80.0, 90.0],
            "review_score": [80.0, 80.0, np.nan],
            "survey_score": [60.0, 90.0, 90.0],
        }
    )
    zh = W.part_spread(grades, _appraisal_config(), "zh")
    assert list(zh.columns) == ["权重", "单位间标准差", "拉开差距的作用（权重×标准差）"]
    assert list(zh.index) == ["考：年度综合得分", "评：年终评估", "议：民主测评"]
    assert list(zh.index) == list(W.shares(_appraisal_config(), "zh").index)
    assert zh.to_numpy().tolist() == [
        [0.5, 10.0, 5.0],
        [0.3, 0.0, 0.0],
        [0.2, 17.32, 3.46],
    ]
    en = W.part_spread(grades, _appraisal_config(), "en")
    assert list(en.index) == [
        "Periods (考): annual composite",
        "Review (评): year-end evaluation",
        "Survey (议): multi-rater appraisal",
    ]
    assert list(en.columns) == ["Share", "SD across units",
                                "Effect on the differences (share × SD)"]  # fmt: skip


def test_unit_steps_show_the_scores_as_the_grades_table_and_grades_in_words():
    """One unit followed step by step: its rank whole, every score to 2 decimals
    half up as the grades table writes them (81.645 → 81.65, 2.675 → 2.68, by
    hand), the grade after each step in words; a unit without a rank or a survey
    score shows blanks."""
    grades = pd.DataFrame(
        {
            "unit_id": ["D08", "D09"],
            "name_zh": ["市财政局", "市科学技术局"],
            "name_en": ["Finance Bureau", "Science Bureau"],
            "group_rank": pd.array([3, pd.NA], dtype="Int64"),
            "periods_score": [81.645, 60.0],
            "review_score": [97.0, 70.0],
            "survey_score": [97.185, np.nan],
            "combined": [89.36, 63.75],
            "deductions": [0.0, 2.675],
            "bonus": [1.0, 0.0],
            "score": [90.36, 61.075],
            "grade_by_score": ["excellent", "pass"],
            "grade_after_rules": ["good", "pass"],
            "grade_after_quota": ["good", "pass"],
            "final_grade": ["good", "fail"],
        }
    )
    zh = W.unit_steps(grades, "D08", "zh")
    assert list(zh.columns) == ["市财政局"]
    assert zh["市财政局"].to_dict() == {
        "组内排名": 3,
        "考：年度综合得分": "81.65",
        "评：年终评估": "97.00",
        "议：民主测评": "97.19",
        "加权合成得分": "89.36",
        "扣分": "0.00",
        "加分": "1.00",
        "最终得分": "90.36",
        "按分数等次": "优秀",
        "适用规则后等次": "良好",
        "按名额确定后等次": "良好",
        "最终等次": "良好",
    }
    en = W.unit_steps(grades, "D09", "en")
    assert list(en.columns) == ["Science Bureau"]
    shown = en["Science Bureau"]
    assert (
        shown["Rank in group"] == ""
        and shown["Survey (议): multi-rater appraisal"] == ""
    )
    assert shown["Deductions"] == "2.68" and shown["Final score"] == "61.08"
    assert shown["Final grade"] == "fail"


def test_rules_affected_count_each_unit_once_by_rule_name():
    """How many units each rule touched, as the rules sheet counts them: U1's two
    bonuses are one unit (the notebook's cell counted rows: 3 for the bonus rule);
    the built-in quota by its name; rules in the order first applied."""
    applied = pd.DataFrame(
        {
            "unit_id": ["U1", "U1", "U2", "U3", "U4"],
            "rule_id": ["bonus_award", "bonus_award", "bonus_award", "veto", "quota"],
        }
    )
    rules = pd.DataFrame(
        {
            "rule_id": ["veto", "bonus_award"],
            "name_zh": ["一票否决", "加分项目"],
            "name_en": ["Veto", "Bonus points"],
        }
    )
    zh = W.rules_affected(applied, rules, "zh")
    assert zh.to_dict() == {"加分项目": 2, "一票否决": 1, "优秀名额": 1}
    assert list(zh.index) == ["加分项目", "一票否决", "优秀名额"]
    assert zh.index.name == "规则"
    assert zh.name == "适用的单位或人员数（不论等次是否因此改变）"
    en = W.rules_affected(applied, rules, "en")
    assert en.to_dict() == {"Bonus points": 2, "Veto": 1, "Quota for excellent": 1}


def _quota_grades() -> pd.DataFrame:
    """Five departments, two excellent by the rules, one after the quota (20% of 5
    is 1 place); five districts, one excellent throughout."""
    return pd.DataFrame(
        {
            "group": ["departments"] * 5 + ["districts"] * 5,
            "grade_after_rules": ["excellent", "excellent", "good", "good", "pass"]
            + ["excellent", "good", "good", "good", "good"],
            "grade_after_quota": ["excellent", "good", "good", "good", "pass"]
            + ["excellent", "good", "good", "good", "good"],
            "quota_tie": [False] * 10,
        }
    )


def test_quota_by_group_name_with_its_share_headed_in_words():
    zh = W.quota(_quota_grades(), _appraisal_config(), "zh")
    assert list(zh.columns) == [
        "考评组别", "单位数", "优秀比例", "优秀名额", "适用规则后优秀的单位数",
        "优秀单位数", "因名额改为良好", "名额线上同分",
    ]  # fmt: skip
    assert zh.astype(object).to_numpy().tolist() == [
        ["市直部门", 5, 0.2, 1, 2, 1, 1, 0],
        ["县（市）区政府", 5, 0.2, 1, 1, 1, 0, 0],
    ]
    en = W.quota(_quota_grades(), _appraisal_config(), "en")
    assert en["Appraisal group"].tolist() == [
        "Municipal departments",
        "District and county governments",
    ]
    raw = _appraisal_config().model_dump(mode="json", by_alias=True)
    raw["grades"]["quota"] = None  # no quota: no share, no places
    none = W.quota(_quota_grades(), parse_config(raw), "zh")
    assert none["优秀比例"].isna().all() and none["优秀名额"].isna().all()


def test_quota_cuts_name_the_units_and_say_why():
    """The quota's rows of the rules applied, the unit by name and the reason in
    the reader's language; other rules left out."""
    why_zh = "本组优秀名额2个（10个单位×20%，四舍五入），按得分排序未入选"
    why_en = "excellent quota 2 (10 units × 20%, rounded half up); outside it"
    applied = pd.DataFrame(
        {
            "unit_id": ["X02", "X09"],
            "rule_id": ["bonus_award", "quota"],
            "reason_zh": ["加1分", why_zh],
            "reason_en": ["1 point", why_en],
        }
    )
    zh = W.quota_cuts(applied, {"X09": "白水县", "X02": "西城区"}, "zh")
    assert list(zh.columns) == ["单位", "原因"]
    assert zh.to_numpy().tolist() == [["白水县", why_zh]]
    en = W.quota_cuts(applied, {"X09": "Baishui County"}, "en")
    assert list(en.columns) == ["Unit", "Reason"]
    assert en.to_numpy().tolist() == [["Baishui County", why_en]]


def test_quota_over_all_units_names_its_one_list_in_words():
    """With ``per: overall`` the quota counts one list, the ten units together: it
    is 全部单位 / All units (it showed the code ``all``); 20% of 10 is 2 places,
    three excellent by the rules (two departments, one district), two after the
    quota, one cut (by hand)."""
    raw = _appraisal_config().model_dump(mode="json", by_alias=True)
    raw["grades"]["quota"]["per"] = "overall"
    config = parse_config(raw)
    zh = W.quota(_quota_grades(), config, "zh")
    row = ["全部单位", 10, 0.2, 2, 3, 2, 1, 0]
    assert zh.astype(object).to_numpy().tolist() == [row]
    en = W.quota(_quota_grades(), config, "en")
    assert en["Appraisal group"].tolist() == ["All units"]


def test_shares_name_the_three_parts_in_words():
    """The sample's shares 0.5, 0.3, 0.2 (appraisal.yaml), each part by the grades
    table's header for it, under 权重 / Share."""
    zh = W.shares(_appraisal_config(), "zh")
    assert zh.name == "权重"
    assert zh.to_dict() == {
        "考：年度综合得分": 0.5, "评：年终评估": 0.3, "议：民主测评": 0.2,
    }  # fmt: skip
    en = W.shares(_appraisal_config(), "en")
    assert en.name == "Share"
    assert list(en.index) == [
        "Periods (考): annual composite",
        "Review (评): year-end evaluation",
        "Survey (议): multi-rater appraisal",
    ]


def test_grade_transitions_count_each_grade_before_and_after_every_grade_shown():
    """Four units: excellent → excellent, good → pass twice, pass → pass. Counted
    by hand: row 良好 has 2 under 合格, row 优秀 1 under 优秀, row 合格 1 under
    合格; 不合格 appears with zeros though no unit has it."""
    changes = pd.DataFrame(
        {
            "grade_before": ["excellent", "good", "good", "pass"],
            "grade_after": ["excellent", "pass", "pass", "pass"],
        }
    )
    zh = W.grade_transitions(changes, "zh")
    assert zh.index.name == "原等次" and zh.columns.name == "测算等次"
    assert list(zh.index) == list(zh.columns) == ["优秀", "良好", "合格", "不合格"]
    assert zh.to_numpy().tolist() == [
        [1, 0, 0, 0],
        [0, 0, 2, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 0],
    ]
    en = W.grade_transitions(changes, "en")
    assert en.index.name == "Grade" and en.columns.name == "What-if grade"
    assert list(en.columns) == ["excellent", "good", "pass", "fail"]


def test_rank_intervals_in_english_name_units_and_head_columns_in_words():
    """The method-design notebook's widths for the English reader (it showed the
    analysis' columns): units by English name, English headers, the width to 1
    decimal half up (3.25 → 3.3, by hand), the code last."""
    summary = pd.DataFrame(
        {
            "unit_id": ["D2", "D1"],
            "nominal_rank": [2.0, 1.0],
            "rank_q05": [1.5, 1.0],
            "rank_q95": [4.75, 3.0],
            "width": [3.25, 2.0],
        }
    )
    units = pd.DataFrame(
        {
            "unit_id": ["D1", "D2"],
            "name_zh": ["甲局", "乙局"],
            "name_en": ["Bureau A", "Bureau B"],
        }
    )
    en = W.intervals(summary, units, "en")
    assert list(en.columns) == [  # units, not departments: districts are ranked too
        "Unit", "Rank", "Rank, 5%", "Rank, 95%", "Width of the rank range",
        "Unit code",
    ]  # fmt: skip
    assert en.astype(object).to_numpy().tolist() == [
        ["Bureau B", 2, 1.5, 4.8, 3.3, "D2"],
        ["Bureau A", 1, 1.0, 3.0, 2.0, "D1"],
    ]
    assert W.intervals(summary, units, "zh")["名次区间宽度"].tolist() == [3.3, 2.0]


def test_a_rank_intervals_width_is_that_of_its_ends_as_shown():
    """A width computed from the unrounded ends (24.0 − 18.95 = 5.05, 5.1 half up)
    is shown as the ends shown give it: 19.0 to 24.0 is 5.0. By hand."""
    summary = pd.DataFrame(
        {
            "unit_id": ["D1"],
            "nominal_rank": [21.0],
            "rank_q05": [18.95],
            "rank_q95": [24.0],
            "width": [24.0 - 18.95],
        }
    )
    units = pd.DataFrame({"unit_id": ["D1"], "name_zh": ["甲局"], "name_en": ["A"]})
    zh = W.intervals(summary, units, "zh")
    shown = zh[["名次区间下限（5%）", "名次区间上限（95%）", "名次区间宽度"]]
    assert shown.to_numpy().tolist() == [[19.0, 24.0, 5.0]]


def test_rank_moves_in_words_ranks_whole_scores_half_up():
    """Rank moves as the panel reads them: the unit by name in the reader's
    language, scores half up (80.125 → 80.13, by hand), ranks and moves whole, none
    for an unranked unit."""
    moves = pd.DataFrame(
        {
            "unit_id": ["A", "D"],
            "name_zh": ["甲局", "丁局"],
            "name_en": ["Bureau A", "Bureau D"],
            "composite_score": [80.125, np.nan],
            "rank": [1.0, np.nan],
            "composite_score_other": [70.0, 60.5],
            "rank_other": [3.0, 4.0],
            "move": [-2.0, np.nan],
        }
    )
    zh = W.rank_moves(moves, "zh")
    assert list(zh.columns) == [
        "单位代码", "单位", "现行综合得分", "现行名次", "专家组权重下综合得分",
        "专家组权重下名次", "名次变化（+为上升）",
    ]  # fmt: skip
    row = zh.iloc[0].tolist()
    assert row == ["A", "甲局", 80.13, 1, 70.0, 3, -2]
    assert zh["现行名次"].isna().tolist() == [False, True]
    assert zh["名次变化（+为上升）"].isna().tolist() == [False, True]
    en = W.rank_moves(moves, "en")
    assert en["Unit"].tolist() == ["Bureau A", "Bureau D"]
    assert "Unit (Chinese)" not in en.columns


def test_the_files_read_in_words():
    """The notebooks' first table, the files a dataset was read from: headed and
    worded as validate says them (UTF-8编码, Excel工作簿), the codec in English; a
    codec without words is shown as it is."""
    files = pd.DataFrame(
        {
            "file": ["units.csv", "observations/finance.xlsx", "a.csv"],
            "table": ["units", "observations", "observations"],
            "encoding": ["utf-8-sig", "xlsx", "latin-1"],
            "rows": [22, 180, 3],
        }
    )
    zh = W.files(files, "zh")
    assert zh.columns.tolist() == ["文件", "编码", "行数"]
    assert zh.values.tolist() == [
        ["units.csv", "UTF-8编码", 22],
        ["observations/finance.xlsx", "Excel工作簿", 180],
        ["a.csv", "latin-1", 3],
    ]
    en = W.files(files, "en")
    assert en.columns.tolist() == ["File", "Encoding", "Rows"]
    assert en["Encoding"].tolist() == ["utf-8-sig", "xlsx", "latin-1"]
