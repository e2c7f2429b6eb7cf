"""The appraisal's grades table for the committee and the press: Excel with real
numbers, CSV with BOM, an About sheet; expected values worked out by hand."""

from __future__ import annotations

import io
from datetime import datetime

import numpy as np
import openpyxl
import pandas as pd
import pytest

from evaluation import appraisal as A
from evaluation.publish.export import (
    applied_table,
    grades_about,
    grades_table,
    method_text,
    pending_correction,
    persons_table,
    time_zh,
    write_grades_csv,
    write_xlsx,
)
from evaluation.vocabulary import DOCUMENT

# Two appraisal groups, listed "second" first: the table follows the config's order.
CONFIG = {
    "id": "test_2025",
    "version": "t1",
    "year": 2025,
    "name_zh": "2025年度测试考评",
    "name_en": "Test appraisal 2025",
    "shares": {"periods": 0.5, "review": 0.3, "survey": 0.2},
    "survey": {
        "groups": [
            {"id": "leaders", "name_zh": "市领导", "name_en": "Leaders", "weight": 1}
        ]
    },  # fmt: skip
    "groups": [
        {
            "id": "second",
            "name_zh": "第二类",
            "name_en": "Second",
            "peer_groups": ["g2"],
        },
        {"id": "first", "name_zh": "第一类", "name_en": "First", "peer_groups": ["g1"]},
    ],  # fmt: skip
}
LONG_NAME = "市交通运输综合行政执法支队"  # 13 characters: 26 columns wide in Excel
NAN = np.nan


def _grades() -> pd.DataFrame:
    """U1: 0.5·80 + 0.3·90 + 0.2·88.125 = 84.625, −0.5 + 1 → 85.125 (85.13 half up;
    Python's round gives 85.12). U2: no survey, (0.5·70 + 0.3·76.25)/0.8 = 72.34375.
    U4: 0.5·92 + 0.3·90 + 0.2·90 = 91."""
    rows = [
        # group, rank, unit, name, peer, periods, review, survey, missing, combined,
        # deductions, bonus, score, by score, final, dim_a, dim_b
        ("first", 1, "U1", "一局", "g1", 80, 90, 88.125, "", 84.625, 0.5, 1, 85.125,
         "good", "good", 81.005, 77.7),
        ("first", 2, "U2", "二局", "g1", 70, 76.25, NAN, "survey", 72.34375, 0, 0,
         72.34375, "pass", "pass", 70.0, 74.994),
        ("first", 3, "U3", LONG_NAME, "g1", 60, 60, 60, "", 60, 0, 0, 60, "pass",
         "pass", 60, 60),
        ("second", 1, "U4", "四区", "g2", 92, 90, 90, "", 91, 0, 0, 91, "excellent",
         "excellent", 93, 89),
    ]  # fmt: skip
    cols = ["group", "group_rank", "unit_id", "name_zh", "peer_group",
            "periods_score", "review_score", "survey_score", "parts_missing",
            "combined", "deductions", "bonus", "score", "grade_by_score",
            "final_grade", "dim_a", "dim_b"]  # fmt: skip
    g = pd.DataFrame(rows, columns=cols)
    g["group_rank"] = g["group_rank"].astype("Int64")
    g["name_en"] = ["Bureau One", "Bureau Two", "Enforcement Corps", "District Four"]
    g["groups_used"] = [1, 1, 1, 1]
    g["grade_after_rules"] = g["grade_by_score"]
    g["grade_after_quota"] = g["grade_by_score"]
    g["quota_tie"] = [False, False, False, False]
    g["override"] = ""
    return g


@pytest.fixture
def config():
    return A.parse_config(CONFIG)


@pytest.fixture
def applied() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_id": ["U1", "U1"],
            "rule_id": ["no_excellent_with_fault", "bonus_points"],
            "reason_zh": ["有过错，最高良好", "省级表彰，加1分"],
            "reason_en": ["a fault: at most good", "provincial award: +1"],
        }
    )


@pytest.fixture
def run() -> dict:
    return {
        "run_id": "annual-2025-1.v1",
        "status": "notice",
        "kind": "annual",
        "period": "2025",
        "created_at": "2026-01-19T17:00:00+00:00",
        "published_at": None,
        "notice_from": "2026-01-21",
        "notice_until": "2026-01-27",
        "supersedes": None,
    }


MANIFEST = {
    "catalogue_version": "1",
    "package_version": "0.1.0",
    "git_commit": "abc123",
    "provenance": {
        "catalogue_sha256": "c" * 64,
        "dataset_root": "data/sample",
        "inputs": {"observations/audit.csv": "a" * 64},
    },
    "params": {"appraisal_inputs": "data/sample/appraisal"},
    "appraisal": {
        "rules_version": "t1",
        "config_sha256": "f" * 64,
        "inputs_sha256": {"ballots.csv": "b" * 64},
    },
}


def test_grades_follow_the_config_group_order_with_numbers_as_published(
    config, tiny_catalogue, applied
):
    table = grades_table(_grades(), config, tiny_catalogue, rules_applied=applied)
    assert table["考评组别"].tolist() == ["第二类", "第一类", "第一类", "第一类"]
    assert table["单位代码"].tolist() == ["U4", "U1", "U2", "U3"]
    assert table["组内排名"].tolist() == [1, 1, 2, 3]
    assert table["类别"].tolist() == ["第二组", "第一组", "第一组", "第一组"]
    # real numbers, rounded half up: 85.125 → 85.13 and 72.34375 → 72.34
    assert table["最终得分"].tolist() == [91.0, 85.13, 72.34, 60.0]
    assert table["加权合成得分"].tolist() == [91.0, 84.63, 72.34, 60.0]
    assert table["甲"].tolist() == [93.0, 81.01, 70.0, 60.0]  # 81.005 → 81.01
    assert table["乙"].tolist() == [89.0, 77.7, 74.99, 60.0]
    assert np.isnan(table["议：民主测评"].iloc[2])  # U2 has no survey part
    assert table["最终等次"].tolist() == ["优秀", "良好", "合格", "合格"]
    assert table["适用规则及调整"].iloc[1] == "有过错，最高良好；省级表彰，加1分"
    assert table["备注"].iloc[2] == "缺少议部分，其权重按比例分配给其余部分"
    en = grades_table(_grades(), config, tiny_catalogue, lang="en")
    assert en["Final grade"].tolist() == ["excellent", "good", "pass", "pass"]
    assert en["Unit"].iloc[0] == "District Four"


def test_the_workbook_has_real_numbers_a_frozen_header_and_an_about_sheet(
    tmp_path, config, tiny_catalogue, applied, run
):
    g = _grades()
    path = write_xlsx(
        tmp_path / "grades.xlsx",
        {
            "考评结果": grades_table(g, config, tiny_catalogue, rules_applied=applied),
            "Grades": grades_table(g, config, tiny_catalogue, lang="en"),
        },
        about=grades_about(config, MANIFEST, run, g, store="store.duckdb"),
        freeze_columns={"考评结果": 4, "Grades": 4},
    )
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["考评结果", "Grades", "说明 About"]
    ws = book["考评结果"]
    head = [c.value for c in ws[1]]
    assert ws.freeze_panes == "E2"  # header row and group, rank, code, name
    assert ws.auto_filter.ref.startswith("A1:")
    score = ws.cell(row=3, column=head.index("最终得分") + 1)  # U1, second row
    assert score.value == 85.13 and isinstance(score.value, float)
    assert score.data_type == "n" and score.number_format == "0.00"
    rank = ws.cell(row=4, column=head.index("组内排名") + 1)  # U2
    assert rank.value == 2 and rank.data_type == "n"
    survey = ws.cell(row=4, column=head.index("议：民主测评") + 1)
    assert survey.value is None  # no survey part: an empty cell, not "nan"
    dim = ws.cell(row=3, column=head.index("甲") + 1)
    assert dim.value == 81.01 and dim.data_type == "n"
    # the name column fits the longest Chinese name (two columns a character)
    name_col = openpyxl.utils.get_column_letter(head.index("单位名称") + 1)
    assert ws.column_dimensions[name_col].width >= 2 * len(LONG_NAME)
    en = book["Grades"]
    assert en.freeze_panes == "E2"
    assert [c.value for c in en[1]][:4] == [
        "Appraisal group", "Rank in group", "Unit code", "Unit"
    ]  # fmt: skip
    about = {
        r[0]: r[1] for r in book["说明 About"].iter_rows(min_row=2, values_only=True)
    }
    assert about["考评名称"] == "2025年度测试考评"
    assert about["考评期间"] == "2025年度（2025年1月1日至2025年12月31日）"
    assert about["版本"] == "annual-2025-1.v1"
    assert about["状态"] == "公示中"
    assert about["效力"] == (
        "尚未生效，公示期至2026年1月27日；公示期满且申诉均已复核后正式确定，"
        "此前等次可能因申诉复核而改变"
    )
    assert about["公示期"] == "2026年1月21日至2026年1月27日"
    # 17:00 UTC is 01:00 the next day in Beijing
    assert about["生成时间"] == "2026年1月20日 01:00（北京时间）"
    assert "store.duckdb" in about["数据来源"]
    assert about["考评规则版本"] == f"t1（SHA-256 {'f' * 64}）"
    assert about["输入文件 data/sample/observations/audit.csv"] == f"SHA-256 {'a' * 64}"
    # the appraisal folder by its last two names, as the media note names folders
    assert about["考评输入 sample/appraisal/ballots.csv"] == f"SHA-256 {'b' * 64}"
    method = about["方法"]
    for words in ("考、评、议", "占50%", "占30%", "占20%",
                  "第二类（1个）、第一类（3个）", "90分及以上为优秀",
                  "优秀名额为单位数的20%，四舍五入取整"):  # fmt: skip
        assert words in method, words
    # the annual score under one name, as the letters and the report say it: the
    # parts combine into 加权合成得分, which less deductions is 最终得分
    assert "年终得分" not in method
    assert "考、评、议三部分按权重合成为加权合成得分" in method
    assert "加权合成得分减去扣分" in method and "为最终得分" in method


def test_the_about_sheet_names_no_folder_of_the_office_s_machine(config, run):
    """The grades file goes to the committee and on: its 说明 sheet (and the CSV's
    note, the same rows) names the store and every input file as the media note
    names a folder, by the folder's last two names and the file's name in it
    (data/store.duckdb, data/2025年报送数据/observations/audit.csv,
    2025/appraisal/appeals.csv), never the clerk's home folder; each file's
    SHA-256 is kept whole."""
    home = "/home/clerk/绩效办"
    manifest = {
        **MANIFEST,
        "provenance": {
            **MANIFEST["provenance"],
            "dataset_root": f"{home}/data/2025年报送数据",
        },
        "params": {"appraisal_inputs": f"{home}/考评/2025/appraisal"},
        "appraisal": {
            **MANIFEST["appraisal"],
            "inputs_sha256": {"appeals.csv": "d" * 64, "ballots.csv": "b" * 64},
        },
    }
    table = grades_about(
        config, manifest, run, _grades(), store=f"{home}/data/store.duckdb"
    )
    for item, text in (("项目", "说明"), ("Item", "Description")):
        said = " ".join(table[item]) + " ".join(table[text])
        assert "/home" not in said and "clerk" not in said and "绩效办" not in said
    zh = dict(zip(table["项目"], table["说明"], strict=True))
    en = dict(zip(table["Item"], table["Description"], strict=True))
    assert zh["数据来源"] == (
        "发布库 data/store.duckdb，版本 annual-2025-1.v1 的等次表（未重新计算）"
    )
    assert en["Source"].startswith("publication store data/store.duckdb, table")
    audit = "data/2025年报送数据/observations/audit.csv"
    assert zh[f"输入文件 {audit}"] == en[f"Input file {audit}"] == f"SHA-256 {'a' * 64}"
    appeals = "2025/appraisal/appeals.csv"
    assert zh[f"考评输入 {appeals}"] == f"SHA-256 {'d' * 64}"
    assert en[f"Appraisal input {appeals}"] == f"SHA-256 {'d' * 64}"
    assert zh["考评输入 2025/appraisal/ballots.csv"] == f"SHA-256 {'b' * 64}"


def test_the_about_sheet_writes_shares_and_rater_weights_exactly():
    """Shares of 考、评、议 of 50%, 37.5% and 12.5% and rater groups weighted 62.5%
    and 37.5%: the method says them so (``.0%`` wrote 38%, 12% and 62%, which do
    not add up to 100%), as the committee report's header does."""
    eighths = {
        **CONFIG,
        "shares": {"periods": 0.5, "review": 0.375, "survey": 0.125},
        "survey": {
            "groups": [
                {"id": "leaders", "name_zh": "市领导", "name_en": "Leaders",
                 "weight": 0.625},
                {"id": "users", "name_zh": "服务对象", "name_en": "Service users",
                 "weight": 0.375},
            ]
        },
    }  # fmt: skip
    zh, en = method_text(A.parse_config(eighths), _grades())
    assert "频率汇总全年），占50%；评为年终评估（" in zh
    assert "），占37.5%；议为民主测评（市领导62.5%、服务对象37.5%），占12.5%。" in zh
    assert "rolled up over the year at its own frequency), 50%; review (评)" in en
    assert "), 37.5%; survey (议), the multi-rater appraisal (Leaders 62.5%, " in en
    assert "Service users 37.5%), 12.5%. A missing part's share" in en


def test_the_same_workbook_twice_is_the_same_bytes(tmp_path, config, tiny_catalogue):
    table = grades_table(_grades(), config, tiny_catalogue)
    fixed = {"title": "考评结果", "created": datetime(2026, 1, 21, 1, 0)}
    a = write_xlsx(tmp_path / "a.xlsx", {"考评结果": table}, properties=fixed)
    b = write_xlsx(tmp_path / "b.xlsx", {"考评结果": table}, properties=fixed)
    assert a.read_bytes() == b.read_bytes()


def test_the_csv_opens_in_excel_with_bom_crlf_and_two_decimals(
    tmp_path, config, tiny_catalogue
):
    path = write_grades_csv(
        grades_table(_grades(), config, tiny_catalogue), tmp_path / "grades.csv"
    )
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith(
        "考评组别,组内排名,单位代码,单位名称,类别,考：年度综合得分"
    )
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str,
                       keep_default_na=False)  # fmt: skip
    assert back["最终得分"].tolist() == ["91.00", "85.13", "72.34", "60.00"]
    assert back["扣分"].tolist() == ["0.00", "0.50", "0.00", "0.00"]
    assert back["议：民主测评"].tolist() == ["90.00", "88.13", "", "60.00"]
    assert back["组内排名"].tolist() == ["1", "1", "2", "3"]


def test_a_hostile_unit_name_stays_text_in_csv_and_excel(
    tmp_path, config, tiny_catalogue
):
    g = _grades()
    g.loc[0, "name_zh"] = '=HYPERLINK("http://x","点我")'
    table = grades_table(g, config, tiny_catalogue)
    text = write_grades_csv(table, tmp_path / "g.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text
    path = write_xlsx(tmp_path / "g.xlsx", {"考评结果": table})
    cell = openpyxl.load_workbook(path)["考评结果"]["D3"]  # U1's name
    assert cell.data_type == "s" and cell.value.startswith("'=HYPERLINK")


def test_the_persons_file_is_labelled_for_the_personnel_department(tmp_path):
    persons = pd.DataFrame(
        {
            "person_id": ["U1-P1"],
            "unit_id": ["U1"],
            "faults": [3],
            "proposed": ["incompetent"],
            "proposed_zh": ["不称职"],
            "rule_ids": ["person_three_general_faults"],
            "reason_zh": ["一年内一般过错3次且均负直接责任，年度考核定为不称职"],
            "reason_en": ["three general faults, each direct: incompetent"],
        }
    )
    table = persons_table(persons, _grades())
    assert table.iloc[0].tolist() == [
        "U1-P1", "U1", "一局", 3, "不称职",
        "一年内一般过错3次且均负直接责任，年度考核定为不称职",
    ]  # fmt: skip
    path = write_xlsx(
        tmp_path / "persons.xlsx",
        {"个人考核建议": table},
        titles={"个人考核建议": DOCUMENT["persons_title"][0]},
        freeze_columns={"个人考核建议": 1},
    )
    ws = openpyxl.load_workbook(path)["个人考核建议"]
    assert ws["A1"].value.startswith("个人年度考核建议，供组织人事部门参考")
    assert ws["A2"].value == "人员编号" and ws.freeze_panes == "B3"
    assert ws["D3"].value == 3 and ws["D3"].data_type == "n"


@pytest.mark.parametrize(
    "utc, beijing",
    [
        ("2026-01-20T01:30:00+00:00", "2026年1月20日 09:30（北京时间）"),
        ("2026-01-19T16:00:00+00:00", "2026年1月20日 00:00（北京时间）"),
        ("2025-12-31T16:30:00.123456+00:00", "2026年1月1日 00:30（北京时间）"),
    ],
)
def test_times_are_shown_in_beijing_time(utc, beijing):
    assert time_zh(utc) == beijing


def test_the_rules_applied_say_their_approval_date_as_officials_write_it():
    """The committee's table of vetoes and bonuses (the year-end notebook's): 批准日期
    2026年1月20日 in Chinese (a bonus of two approvals: both, joined by 、), the
    stored ISO date in English; unit and rule by name."""
    applied = pd.DataFrame(
        {
            "unit_id": ["D22", "D03"],
            "rule_id": ["veto_safety", "bonus"],
            "effect": ["veto", "+2"],
            "effect_zh": ["一票否决", "加2分"],
            "reason_zh": ["发生重大安全事故", "获省政府通报表扬"],
            "reason_en": ["a major safety accident", "a provincial commendation"],
            "approved_by": ["市绩效考评委员会", "市绩效考评委员会"],
            "approved_on": ["2026-01-20", "2026-01-20、2026-02-03"],
            "reference": ["考评委〔2026〕1号", "考评委〔2026〕2号"],
        }
    )
    units = {"D22": "市应急管理局", "D03": "市发展和改革委员会"}
    zh = applied_table(
        applied, units=units, rules={"veto_safety": "安全生产一票否决"}, lang="zh"
    )
    assert list(zh.columns) == [
        "单位", "规则", "效果", "原因", "批准机关", "批准日期", "批准文号",
    ]  # fmt: skip
    assert zh["批准日期"].tolist() == ["2026年1月20日", "2026年1月20日、2026年2月3日"]
    assert zh["单位"].tolist() == ["市应急管理局", "市发展和改革委员会"]
    assert zh["规则"].tolist() == ["安全生产一票否决", "bonus"]  # unnamed: its id
    en = applied_table(applied, units={}, rules={}, lang="en")
    assert en["Approved on"].tolist() == ["2026-01-20", "2026-01-20、2026-02-03"]
    assert en["Effect"].tolist() == ["veto", "+2"]


def _about(config, run) -> dict:
    table = grades_about(config, MANIFEST, run, _grades(), store="store.duckdb")
    return dict(zip(table["项目"], table["说明"], strict=True))


def test_the_about_sheet_of_a_version_corrected_during_notice_says_so(config, run):
    """v1, released and then corrected by v2 during its 公示, as ``Store.runs`` gives
    it (a row of a store that holds v2: ``supersedes`` empty as NaN, ``under_notice``
    False): the file says 公示期间已更正 as ``evaluation runs`` does, not 公示中,
    and has no 更正对象 line (not "nan（申诉/复核：）")."""
    corrected = {**run, "supersedes": NAN, "reason": NAN, "under_notice": np.False_}
    about = _about(config, corrected)
    assert about["状态"] == "公示期间已更正"
    assert about["效力"] == "未生效（公示期间已被更正版本取代）"
    assert "更正对象" not in about and "替代版本" not in about
    replaced = {**corrected, "status": "published", "in_force": np.False_}
    assert _about(config, replaced)["状态"] == "已发布（已被取代）"
    assert _about(config, replaced)["效力"] == "已失效（已被更正版本取代）"
    final = {**replaced, "in_force": np.True_}
    assert _about(config, final)["效力"] == "已生效（现行版本）"
    current = {**run, "under_notice": True, "supersedes": NAN}
    assert _about(config, current)["状态"] == "公示中"
    v2 = {**current, "run_id": "annual-2025-1.v2", "supersedes": "annual-2025-1.v1",
          "reason": "annual-2025-1.v1.c1"}  # fmt: skip
    # the version v2 corrects, named as `evaluation runs` names it (替代版本 read as
    # "the replacement")
    assert "替代版本" not in _about(config, v2)
    assert _about(config, v2)["更正对象"] == (
        "annual-2025-1.v1（申诉/复核：annual-2025-1.v1.c1）"
    )
    table = grades_about(config, MANIFEST, v2, _grades(), store="store.duckdb")
    english = dict(zip(table["Item"], table["Description"], strict=True))
    assert (
        english["Supersedes"] == "annual-2025-1.v1 (appeal/review: annual-2025-1.v1.c1)"
    )


def test_the_correction_pending_for_a_run_in_force_is_its_chains_under_notice(config):
    """Rows as ``Store.runs`` gives them. v1 final and in force: v2, released as
    its correction, is pending while under 公示; a draft v2 is not (not public);
    v2 corrected in its turn by v3 during its 公示: v3 is. Nothing is pending for
    a run not in force, nor across chains. The line then reads, in both languages,
    the pending run, its reason and the 公示's last day (2026年1月25日 by hand)."""
    cols = ["run_id", "chain", "version", "status", "under_notice", "in_force",
            "reason", "notice_until"]  # fmt: skip

    def runs(*rows) -> pd.DataFrame:
        return pd.DataFrame(list(rows), columns=cols)

    v1 = ("a.v1", "a", 1, "published", False, True, None, "2026-01-18")
    v2 = ("a.v2", "a", 2, "notice", True, False, "复核〔2026〕2号", "2026-01-25")
    other = ("b.v2", "b", 2, "notice", True, False, "x", "2026-01-25")
    first = dict(zip(cols, v1, strict=True))
    assert pending_correction(runs(v1, other), first) is None
    assert pending_correction(runs(v1, v2), first)["run_id"] == "a.v2"
    draft = (*v2[:3], "draft", False, False, *v2[6:])
    assert pending_correction(runs(v1, draft), first) is None
    corrected = (*v2[:4], False, *v2[5:])
    v3 = ("a.v3", "a", 3, "notice", True, False, "复核〔2026〕3号", "2026-01-26")
    assert pending_correction(runs(v1, corrected, v3), first)["run_id"] == "a.v3"
    gone = {**first, "in_force": False}  # superseded: its successor is final
    assert pending_correction(runs(v1, v2), gone) is None
    table = grades_about(
        config, MANIFEST, {**first, "supersedes": None}, _grades(),
        pending=pending_correction(runs(v1, v2), first),
    )  # fmt: skip
    row = table[table["项目"] == "待生效的更正版本"].iloc[0]
    assert row["说明"] == (
        "更正版本 a.v2（申诉/复核：复核〔2026〕2号）公示中，公示期至2026年1月25日；"
        "正式发布后取代本版本，本文件中的等次可能随之改变"
    )
    assert row["Item"] == "Correction pending"
    assert row["Description"] == (
        "corrected version a.v2 (appeal/review: 复核〔2026〕2号) under public notice "
        "until 2026-01-25; once final it replaces this version, and grades here may "
        "change"
    )


def test_a_committee_override_is_named_as_one_in_the_rules_column(
    config, tiny_catalogue
):
    """U4, 优秀 by score, lowered by the committee: the press reads that the
    committee changed the grade, from what to what, then its reason and approval,
    not the clerk's reason alone as if it were a rule of the appraisal."""
    g = _grades()
    g.loc[3, ["final_grade", "override"]] = ["good", "excellent → good"]
    applied = pd.DataFrame(
        {
            "unit_id": ["U4"],
            "rule_id": ["override"],
            "effect": ["excellent → good"],
            "effect_zh": ["优秀 → 良好"],
            "reason_zh": ["年内发生重大信访事项"],
            "reason_en": ["年内发生重大信访事项"],
            "approved_by": ["市绩效考评委员会"],
            "approved_on": ["2026-01-20"],
            "reference": [""],
        }
    )
    zh = grades_table(g, config, tiny_catalogue, rules_applied=applied)
    u4 = zh.set_index("单位代码").loc["U4"]
    assert u4["最终等次"] == "良好"
    assert u4["适用规则及调整"] == (
        "考评委员会调整（优秀 → 良好）：年内发生重大信访事项"
        "（批准：市绩效考评委员会，2026年1月20日）"
    )
    en = grades_table(g, config, tiny_catalogue, rules_applied=applied, lang="en")
    assert en.set_index("Unit code").loc["U4", "Rules applied and adjustments"] == (
        "Committee override (excellent → good): 年内发生重大信访事项"
        " (approved: 市绩效考评委员会, 2026-01-20)"
    )


def test_the_rules_sheet_says_a_rule_applied_beyond_its_source_s_words():
    """A unit rule resting on a sentence about persons (辽市政发〔2007〕48号: 对受到过错
    责任追究的，取消年度评优评先资格) carries its ``note_zh`` (本办法比照适用于单位):
    the grades workbook's rules sheet shows it beside the original words, so the
    committee does not read the quote as saying what the rule does; a rule applied as
    its source says has the cell empty."""
    from evaluation.publish.export import rules_sheet

    rules = pd.DataFrame(
        {
            "rule_id": ["unit_cap", "bonus"],
            "kind": ["grade_cap", "bonus"],
            "applies_to": ["unit", "unit"],
            "version": ["t1", "t1"],
            "name_zh": ["有过错责任追究的单位不得评为优秀", "加分项目"],
            "name_en": ["No excellent with a fault", "Bonus points"],
            "source": ["辽市政发〔2007〕48号 第五部分第（五）项", "某文件"],
            "quote_zh": ["对受到过错责任追究的，取消年度评优评先资格", "奖优"],
            "note_zh": ["原文针对受追究的个人；本办法比照适用于单位", None],
            "active": [True, True],
            "status_zh": ["适用", "适用"],
            "status_en": ["applied", "applied"],
            "affected": [3, 1],
        }
    )
    zh = rules_sheet(rules, lang="zh")
    assert zh["适用说明"].tolist() == ["原文针对受追究的个人；本办法比照适用于单位", ""]
    assert list(zh.columns).index("适用说明") == list(zh.columns).index("原文") + 1
    en = rules_sheet(rules, lang="en")
    assert en["How it is applied (Chinese)"].tolist()[0].startswith("原文针对")


def test_a_rules_note_is_headed_alike_in_the_workbook_dashboard_and_report():
    """A rule's ``note_zh`` (原文针对受追究的个人；本办法比照适用于单位) is one fact,
    read by the committee in three places: the grades workbook's 规则 sheet, the
    dashboard's rules table and the committee report's rules table. Each headed it
    its own way (适用说明, 本办法中的适用, 说明 / Note); now one header, in Chinese
    and English."""
    from evaluation.publish.report import texts
    from evaluation.vocabulary import FAMILIES

    header = ("适用说明", "How it is applied (Chinese)")
    assert FAMILIES["rules_header"]["note"] == header  # the workbook's
    assert FAMILIES["page_appraisal"]["note"] == header  # the dashboard's
    assert (texts("zh")["note"], texts("en")["note"]) == header  # the report's


def test_a_csv_note_lists_the_rules_the_workbook_keeps_on_its_rules_sheet(config, run):
    """The grades workbook keeps the rules and their sources on its 规则 sheet, and
    its method says so; a CSV has no sheet, only the note beside it, which said
    规则及依据见“规则”工作表 all the same, sending the reader to a sheet that is
    not there. The note (``rules_in="note"``) now says the rules are listed in it,
    and lists each unit rule (a person rule is not for this file) with its source,
    how it departs from the source's words, whether it applied and to how many."""
    rules = pd.DataFrame(
        {
            "rule_id": ["person_cap", "unit_cap", "deduction"],
            "kind": ["grade_cap", "grade_cap", "deduction"],
            "applies_to": ["person", "unit", "unit"],
            "version": ["t1"] * 3,
            "name_zh": ["个人不得评优", "有过错的单位不得评为优秀", "过错扣分"],
            "name_en": ["No excellent person", "No excellent unit", "Deductions"],
            "source": ["甲文 第一条", "甲文 第二条", "乙文"],
            "quote_zh": ["原文一", "原文二", "原文三"],
            "note_zh": [None, "比照适用于单位", None],
            "active": [True, True, False],
            "status_zh": ["适用", "适用", "不适用：已计入指标"],
            "status_en": ["applied", "applied", "not applied: counted"],
            "affected": [2, 1, 0],
        }
    )
    sheet = grades_about(config, MANIFEST, run, _grades(), rules=rules)
    zh = dict(zip(sheet["项目"], sheet["说明"], strict=True))
    assert "规则及依据见“规则”工作表。" in zh["方法"]
    assert not any(item.startswith("考评规则") and item[-1].isdigit() for item in zh)

    note = grades_about(config, MANIFEST, run, _grades(), rules=rules, rules_in="note")
    zh = dict(zip(note["项目"], note["说明"], strict=True))
    en = dict(zip(note["Item"], note["Description"], strict=True))
    assert "工作表" not in zh["方法"] and "sheet" not in en["Method"]
    assert "规则及依据见本说明所列各项考评规则。" in zh["方法"]
    assert "listed with their sources below, rule by rule." in en["Method"]
    assert zh["考评规则1"] == (
        "有过错的单位不得评为优秀（依据：甲文 第二条；比照适用于单位）："
        "适用，涉及1个单位"
    )
    assert zh["考评规则2"] == "过错扣分（依据：乙文）：不适用：已计入指标"
    assert "考评规则3" not in zh
    assert en["Rule 1"] == "No excellent unit (source: 甲文 第二条): applied, 1 unit"
    assert en["Rule 2"] == "Deductions (source: 乙文): not applied: counted"
    assert list(note["项目"]).index("考评规则1") == list(note["项目"]).index("方法") + 1
