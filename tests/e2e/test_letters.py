"""What each reader receives: the feedback letter per unit (反馈意见书, PDF) and the
grades table (Excel, CSV) from a stored annual run, through the command line.

The letter's content is checked on a hand-made grades table (medians by hand), then
on the sample's annual run; its first page is rendered to PNG beside the PDF for a
person to look at (it was, during development: layout and Chinese glyphs)."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pypdfium2 as pdfium
import pytest
from typer.testing import CliRunner

import evaluation as ev
from evaluation import appraisal as A
from evaluation import periods as P
from evaluation.cli import app
from evaluation.publish import letters as LT
from evaluation.publish.publication import Publication
from evaluation.vocabulary import GRADE, QUALITY_CHECK

from ..conftest import ROOT

# ------------------------------------------------------- hand-made, no PDF needed
CONFIG = {
    "id": "test_2025",
    "version": "t1",
    "year": 2025,
    "name_zh": "2025年度测试考评",
    "name_en": "Test appraisal 2025",
    "survey": {
        "groups": [
            {"id": "leaders", "name_zh": "市领导", "name_en": "Leaders", "weight": 1}
        ]
    },  # fmt: skip
    "groups": [
        {
            "id": "first",
            "name_zh": "市直部门",
            "name_en": "Departments",
            "peer_groups": ["g1"],
        },
        {
            "id": "second",
            "name_zh": "县（市）区政府",
            "name_en": "Districts",
            "peer_groups": ["g2"],
        },
    ],  # fmt: skip
}


def _grades() -> pd.DataFrame:
    """Four departments and one district. Department medians, by hand:
    甲 (dim_a): 80, 70, 60, 50 → (70 + 60) / 2 = 65; U1 80 is 15 above.
    乙 (dim_b): 40, 55, 70, 90 → (55 + 70) / 2 = 62.5; U1 40 is 22.5 below.
    The district U9 (甲 10, 乙 99) is in another group: not in these medians."""
    rows = [
        ("first", 1, "U1", "一局", "g1", 92.5, "good", "excellent", 80, 40),
        ("first", 2, "U2", "二局", "g1", 88.0, "good", "good", 70, 55),
        ("first", 3, "U3", "三局", "g1", 75.0, "good", "good", 60, 70),
        ("first", 4, "U5", "五局", "g1", 61.0, "pass", "pass", 50, 90),
        ("second", 1, "U9", "九区", "g2", 99.0, "excellent", "excellent", 10, 99),
    ]
    g = pd.DataFrame(
        rows,
        columns=["group", "group_rank", "unit_id", "name_zh", "peer_group", "score",
                 "final_grade", "grade_by_score", "dim_a", "dim_b"],
    )  # fmt: skip
    g["group_rank"] = g["group_rank"].astype("Int64")
    g["name_en"] = g["unit_id"]
    for c in ("periods_score", "review_score", "survey_score", "combined"):
        g[c] = g["score"]
    g["deductions"] = 0.0
    g["bonus"] = 0.0
    return g


def _result(catalogue) -> SimpleNamespace:
    """The Result's tables the letter reads: warnings, ledger, flags."""
    warnings = pd.DataFrame(
        [
            ("2024-M12", "U1", "a", "red", "2024年的红色预警"),  # another year
            ("2025-M06", "U1", "a1", "orange", "上半年的橙色预警"),
            ("2025-M12", "U1", "a1", "orange", "甲一项偏低"),
            ("2025-M12", "U1", "b", "red", "乙维度红色"),
            ("2025-M12", "U1", "b1", "yellow", "黄色提示"),
            ("2025-M12", "U2", "a", "red", "别的单位"),
        ],
        columns=["period", "unit_id", "node_id", "level", "reason_zh"],
    )
    ledger = pd.DataFrame(
        [
            ("2025-M12/U1/b/rollup", "U1", "b", "open", "red", "2025-M12",
             "2026-01-30", "2026-01-30", 0, False, "乙维度红色"),
            ("2025-M06/U1/a1/threshold", "U1", "a1", "closed", "orange", "2025-M06",
             "2025-07-30", "2025-07-30", 0, False, "已销号"),
            ("2025-M12/U2/a/rollup", "U2", "a", "open", "red", "2025-M12",
             "2026-01-30", "2026-01-30", 0, False, "别的单位"),
        ],
        columns=["item_id", "unit_id", "node_id", "status", "level", "opened_period",
                 "first_due", "due", "escalations", "reminder", "reason_zh"],
    )  # fmt: skip
    flags = pd.DataFrame(
        [
            ("jump/U1/a1/2025-M03", "jump", "U1", "2025-M03", "a1", "甲一跳变"),
            ("jump/U1/a1/2024-M03", "jump", "U1", "2024-M03", "a1", "去年的"),
        ],
        columns=["flag_id", "check", "unit_id", "period", "indicator_id", "reason_zh"],
    )
    return SimpleNamespace(
        catalogue=catalogue, warnings=warnings, ledger=ledger, flags=flags
    )


APPLIED = pd.DataFrame(
    {
        "unit_id": ["U1", "U2"],
        "rule_id": ["no_excellent_with_fault", "no_excellent_with_fault"],
        "version": ["t1", "t1"],
        "source": ["辽市政发〔2007〕48号 第五部分第（五）项"] * 2,
        "effect_zh": ["最高良好", "最高良好"],
        "reason_zh": ["有过错责任追究的单位不得评为优秀：1起过错，最高评为良好"] * 2,
        "approved_by": [None, None],
        "approved_on": [None, None],
        "reference": [None, None],
    }
)
NOTICE = {
    "run_id": "annual-2025-1.v1",
    "status": "notice",
    "notice_from": "2026-01-21",
    "notice_until": "2026-01-27",
}


@pytest.fixture
def letter(tiny_catalogue) -> dict:
    return LT.letter_data(
        _grades(),
        APPLIED,
        _result(tiny_catalogue),
        "U1",
        config=A.parse_config(CONFIG),
        run=NOTICE,
        issued_on=date(2026, 1, 21),
    )


def test_the_best_unit_of_its_group_is_first_and_its_weak_dimension_is_named(letter):
    assert letter["rank"] == 1 and letter["n"] == 4
    assert letter["rank_text"] == "第1名/共4个市直部门"
    assert "在4个市直部门中排第1名" in letter["summary"]
    # excellent by score, good after the fault rule: the letter says why
    assert "最终得分92.50分，等次为良好" in letter["summary"]
    assert "按得分应为优秀，因适用考评规则定为良好" in letter["summary"]
    dims = {d["name"]: d for d in letter["dimensions"]}
    assert (dims["甲"]["score"], dims["甲"]["median"], dims["甲"]["gap"]) == (
        "80.00", "65.00", "+15.00",
    )  # fmt: skip
    assert (dims["乙"]["score"], dims["乙"]["median"], dims["乙"]["gap"]) == (
        "40.00", "62.50", "−22.50",  # U+2212, as the report writes it
    )  # fmt: skip
    assert [w["name"] for w in letter["weaknesses"]] == ["乙"]
    assert [s["name"] for s in letter["strengths"]] == ["甲"]
    assert letter["comparison"] == [
        "优势：甲高于同组中位数15.00分。",
        "不足：乙低于同组中位数22.50分。请针对上述方面分析原因，制定措施，加以改进。",
    ]


def test_the_parts_header_writes_a_share_not_a_whole_percent_exactly(
    tiny_catalogue,
):
    """Shares of 考、评、议 of 50%, 37.5% and 12.5%: the letter's parts say them so
    (``.0%`` wrote 38% and 12%), as the committee report's header does."""
    eighths = {**CONFIG, "shares": {"periods": 0.5, "review": 0.375, "survey": 0.125}}
    data = LT.letter_data(
        _grades(),
        APPLIED,
        _result(tiny_catalogue),
        "U1",
        config=A.parse_config(eighths),
        run=NOTICE,
        issued_on=date(2026, 1, 21),
    )
    assert [p["short"] for p in data["parts"]] == [
        "考（50%）",
        "评（37.5%）",
        "议（12.5%）",
    ]


def test_the_summary_names_what_changed_the_grade_rules_quota_or_committee(
    tiny_catalogue,
):
    """按得分应为… is followed by its cause in words a unit accepts: the committee's
    override is no rule of the appraisal, and the quota is a limit on places, not a
    rule the unit broke; an override that keeps the grade the rules gave changes
    nothing, and is not named as the cause."""
    g = _grades()
    g["grade_after_rules"] = g["grade_by_score"]
    g["override"] = ""
    # U2: 良好 by score, raised to 优秀 by the committee
    u2 = g["unit_id"] == "U2"
    g.loc[u2, "override"], g.loc[u2, "final_grade"] = "good → excellent", "excellent"
    # U9: 优秀 by score and rules, cut to 良好 by the quota
    g.loc[g["unit_id"] == "U9", "final_grade"] = "good"
    g["grade_after_quota"] = g["grade_after_rules"].where(g["unit_id"] != "U9", "good")
    g.loc[g["unit_id"] == "U1", "grade_after_rules"] = "good"  # the fault cap
    g.loc[g["unit_id"] == "U1", "grade_after_quota"] = "good"
    # the committee confirms U1's capped grade: an override that changes nothing
    g.loc[g["unit_id"] == "U1", "override"] = "good → good"

    def summary(unit):
        return LT.letter_data(
            g, APPLIED, _result(tiny_catalogue), unit,
            config=A.parse_config(CONFIG), run=NOTICE, issued_on=date(2026, 1, 21),
        )["summary"]  # fmt: skip

    assert "按得分应为良好，经考评委员会调整定为优秀（见第五部分）。" in summary("U2")
    assert "按得分应为优秀，因优秀名额所限定为良好（见第五部分）。" in summary("U9")
    assert "按得分应为优秀，因适用考评规则定为良好（见第五部分）。" in summary("U1")


def test_the_letter_lists_the_years_warnings_items_rules_flags_and_appeal(letter):
    w = letter["warnings"]
    assert w["counts"] == {"red": 1, "orange": 2, "yellow": 1}  # 2025 only
    assert w["latest_period_zh"] == "2025年12月"
    assert [(x["level_zh"], x["node"]) for x in w["latest"]] == [
        ("红色", "乙"), ("橙色", "a1指标"),
    ]  # fmt: skip
    items = letter["rectification"]
    assert [(i["node"], i["due"], i["responsible"]) for i in items] == [
        ("乙", "2026年1月30日", "一局")
    ]
    assert letter["rules"] == [
        {
            "rule_id": "no_excellent_with_fault",
            "reason": "有过错责任追究的单位不得评为优秀：1起过错，最高评为良好",
            "effect": "最高良好",
            "source": "辽市政发〔2007〕48号 第五部分第（五）项",
            "version": "t1",
            "approved": "",
        }
    ]
    assert [(f["period"], f["check"], f["indicator"]) for f in letter["flags"]] == [
        ("2025年3月", "异常跳变", "a1指标")
    ]
    assert (
        letter["appeal"]["window"] == "本考评结果公示期为2026年1月21日至2026年1月27日。"
    )
    # under 公示 the results are not yet final: they stand unchanged, not "in force"
    assert (
        "申诉、复核期间，公示的考评结果不作变动（公示期满且无申诉成立方为最终结果）"
        in (letter["appeal"]["how"])
    )
    assert letter["issued_on"] == "2026年1月21日"
    html = LT.render_letter(letter)
    assert "2025年度绩效考评反馈意见书" in html and "一局：" in html


def test_an_escalated_item_names_the_level_it_opened_at(tiny_catalogue):
    """A yellow item escalated twice reads 红色（发现时为黄色）; one never raised
    reads its own level."""
    ledger = pd.DataFrame(
        {
            "item_id": ["i1", "i2"], "unit_id": ["U1", "U1"], "node_id": ["a1", "a2"],
            "status": ["open", "open"], "level": ["red", "orange"],
            "level_opened": ["yellow", "orange"], "opened_period": ["2025", "2025"],
            "first_due": ["2026-01-10", "2026-02-10"],
            "due": ["2026-03-10", "2026-02-10"], "escalations": [2, 0],
            "reminder": [True, False],
            "reason_zh": ["低于黄色预警线", "低于橙色预警线"],
        }
    )  # fmt: skip
    items = LT.open_items(ledger, "U1", tiny_catalogue, "一局")
    assert [x["level_zh"] for x in items] == ["橙色", "红色（发现时为黄色）"]


def test_the_appeal_window_before_and_after_notice():
    draft = LT.appeal_window({"status": "draft"})
    assert (
        "尚未发布" in draft["window"]
        and "公示期在考评结果公示时确定" in draft["window"]
    )
    closed = LT.appeal_window(NOTICE, today=date(2026, 2, 1))
    assert closed["closed"]
    assert (
        closed["window"]
        == "本考评结果已于2026年1月21日至2026年1月27日公示，公示期已结束。"
    )


def test_the_letter_lists_flags_whose_window_reaches_into_the_year(tiny_catalogue):
    """A series frozen from October 2024 to February 2025 is the year's business
    (its window reaches into 2025) and the letter says over which months; a whole
    submission's flag names the agency that sent it; last year's jump and another
    unit's flag stay out; a check over the whole history says up to when."""
    flags = pd.DataFrame(
        [
            ("stable/U1/a1/2024-Q4", "stable", "U1", "2025-Q1", "2024-Q4", "a1",
             None, "甲一自2024年第四季度起连续不变"),
            ("missing/U1/office/2025-Q2", "missing", "U1", "2025-Q2", "2025-Q2",
             None, "office", "办公室报送的2025年第二季度数据全部为空"),
            ("jump/U1/b1/2024-H1", "jump", "U1", "2024-H1", "2024-H1", "b1", None,
             "去年的跳变"),
            ("stable/U2/a1/2025-Q1", "stable", "U2", "2025-Q4", "2025-Q1", "a1",
             None, "别的单位"),
            ("digits/U1/-", "digits", "U1", "2025-Q4", "2025-Q4", None, None,
             "末位数字不均匀"),
        ],
        columns=["flag_id", "check", "unit_id", "period", "since", "indicator_id",
                 "agency", "reason_zh"],
    )  # fmt: skip
    got = LT.quality_flags(flags, "U1", 2025, tiny_catalogue)
    assert [(f["period"], f["indicator"], f["reason"]) for f in got] == [
        ("2024年第四季度至2025年第一季度", "a1指标", "甲一自2024年第四季度起连续不变"),
        ("2025年第二季度", "办公室", "办公室报送的2025年第二季度数据全部为空"),
        ("截至2025年第四季度", "多项指标", "末位数字不均匀"),
    ]
    assert [f["check"] for f in got] == [
        QUALITY_CHECK["stable"].zh,
        QUALITY_CHECK["missing"].zh,
        QUALITY_CHECK["digits"].zh,
    ]
    assert LT.quality_flags(flags, "U3", 2025, tiny_catalogue) == []


@pytest.mark.parametrize(
    "label, text",
    [("2025", "2025年度"), ("2025-M03", "2025年3月"), ("2025-Q4", "2025年第四季度"),
     ("2025-H1", "2025年上半年"), ("2025-B2", "2025年3—4月")],
)  # fmt: skip
def test_period_labels_in_chinese(label, text):
    assert P.name_zh(label) == text


# ------------------------------------------------------ the sample's annual run
@pytest.fixture(scope="module")
def appraised(sample_result):
    config = A.load_config(ROOT / "appraisal.yaml")
    inputs = A.load_inputs(ROOT / "data" / "sample" / "appraisal")
    return sample_result, A.appraise(config, sample_result, inputs)


@pytest.fixture(scope="module")
def store(tmp_path_factory, appraised):
    """A period run (draft) and the annual run, released: 公示 21–27 January 2026."""
    result, ap = appraised
    path = tmp_path_factory.mktemp("letters") / "store.duckdb"
    with Publication(path) as s:
        period = s.add_run(result, by="analyst")
        run = s.add_run(result, ap, by="analyst")
        s.publish(run, by="主任", today=date(2026, 1, 21), notice_days=7)
    return path, run, period


def pdf_text(path, png=None) -> str:
    pdf = pdfium.PdfDocument(str(path))
    if png is not None:  # the first page as an image, for a person to look at
        pdf[0].render(scale=1.5).to_pil().save(png)
    return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))


def test_a_sample_units_letter_is_a_chinese_pdf(store, appraised, tmp_path):
    path, run, _ = store
    grades = appraised[1].grades
    districts = grades[grades["group"] == "districts"]
    best = districts.loc[districts["score"].idxmax()]  # the best district, by hand
    out = tmp_path / "letters"
    done = CliRunner().invoke(
        app,
        ["letters", run, "--store", str(path), "--out", str(out),
         "--unit", best["unit_id"], "--date", "2026-01-21"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    pdfs = sorted(out.glob("*.pdf"))
    assert [p.name for p in pdfs] == [
        f"{best['unit_id']}_{best['name_zh']}_反馈意见书.pdf"
    ]
    text = re.sub(r"\s+", "", pdf_text(pdfs[0], tmp_path / "letter.p1.png"))
    grade = GRADE[best["final_grade"]][0]
    for words in (
        "2025年度绩效考评反馈意见书",
        f"{best['name_zh']}：",
        f"等次为{grade}",
        "第1名/共10个县（市）区政府",
        "本考评结果公示期为2026年1月21日至2026年1月27日",
        "2026年1月21日",
        "第1版（公示中）",  # the version as the committee counts them
        f"运行编号{run}",  # and the id to cite, labelled
    ):
        assert words in text, words
    assert (tmp_path / "letter.p1.png").stat().st_size > 10_000


def test_the_vetoed_units_letter_names_the_veto_and_its_source(store, appraised):
    path, run, _ = store
    with Publication(path) as s:
        result = s.result(run)
        data = LT.letter_data(
            s.table(run, "grades"),
            s.table(run, "rules_applied"),
            result,
            "D22",
            config=appraised[1].config,
            run=s.runs().set_index("run_id").loc[run].to_dict(),
        )
    assert data["grade"] == "不合格"
    veto = [r for r in data["rules"] if r["rule_id"] == "safety_and_integrity_veto"]
    assert len(veto) == 1 and veto[0]["effect"] == "一票否决，不合格"
    assert veto[0]["source"].startswith("《株洲市人民政府推行四项机制的决定》")
    assert veto[0]["approved"] == "市绩效考评委员会，2026年1月20日，考评委〔2026〕1号"


def test_letters_refuse_a_period_run_and_an_unknown_unit(store, tmp_path):
    path, run, period = store
    runner = CliRunner()
    args = ["--store", str(path), "--out", str(tmp_path / "x")]
    refused = runner.invoke(app, ["letters", period, *args])
    assert refused.exit_code == 1
    assert f"run {period} is not an annual appraisal" in refused.output
    unknown = runner.invoke(app, ["letters", run, *args, "--unit", "D99"])
    assert unknown.exit_code == 1
    # the words appeal-case refuses an unknown unit with
    assert f"单位“D99”不在 {run} 的考评结果中（该运行共评定50个单位）" in unknown.output
    assert "请写单位代码或单位全称，如 D01（" in unknown.output
    assert f"unit 'D99' is not in the grades of {run}" in unknown.output  # English
    bad_date = runner.invoke(app, ["letters", run, *args, "--date", "2026-13-01"])
    assert bad_date.exit_code == 2 and "--date must be a date" in bad_date.output
    assert not (tmp_path / "x").exists()  # nothing written
    grades = runner.invoke(app, ["grades", period, "--store", str(path),
                                 "--out", str(tmp_path / "g.xlsx")])  # fmt: skip
    assert grades.exit_code == 1 and "is not an annual appraisal" in grades.output


def test_the_grades_workbook_and_the_separate_persons_file(store, appraised, tmp_path):
    path, run, _ = store
    out, persons = tmp_path / "grades.xlsx", tmp_path / "persons.xlsx"
    done = CliRunner().invoke(
        app,
        ["grades", run, "--store", str(path), "--out", str(out),
         "--persons", str(persons)],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["考评结果", "Grades", "规则", "Rules", "说明 About"]
    ws = book["考评结果"]
    head = [c.value for c in ws[1]]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 50 and ws.freeze_panes == "E2"
    col = {h: i for i, h in enumerate(head)}
    # 40 departments first (the config's order), each group by score, rank 1 first
    assert [r[col["考评组别"]] for r in rows] == ["市直部门"] * 40 + [
        "县（市）区政府"
    ] * 10
    for name in ("最终得分", "考：年度综合得分", "行政效率", "组内排名"):
        assert all(isinstance(r[col[name]], int | float) for r in rows), name
    scores = [r[col["最终得分"]] for r in rows[:40]]
    assert scores == sorted(scores, reverse=True)
    grades = appraised[1].grades.set_index("unit_id")
    d22 = next(r for r in rows if r[col["单位代码"]] == "D22")
    assert abs(d22[col["最终得分"]] - grades.at["D22", "score"]) <= 0.005
    assert "一票否决" in d22[col["适用规则及调整"]]
    about = {
        r[0]: r[1] for r in book["说明 About"].iter_rows(min_row=2, values_only=True)
    }
    assert about["版本"] == run and about["状态"] == "公示中"
    assert about["公示期"] == "2026年1月21日至2026年1月27日"
    # no person appears in the grades file: individuals go to the personnel office
    cells = {str(v) for s in book for r in s.iter_rows(values_only=True) for v in r}
    assert not any(re.fullmatch(r"[DX]\d\d-P\d+", c) for c in cells)
    p = openpyxl.load_workbook(persons)
    assert p["个人考核建议"]["A1"].value.startswith(
        "个人年度考核建议，供组织人事部门参考"
    )
    n = len(appraised[1].persons)
    assert p["个人考核建议"].max_row == n + 2  # title, header, one row per person
    # D01-P5's three faults carry 领导责任 only (faults.csv): the file says why the
    # rule of three (each with 直接责任) did not make the person 不称职
    p5 = next(r for r in p["个人考核建议"].iter_rows(values_only=True) if "D01-P5" in r)
    # and proposes what the report's annex proposes: a ceiling (the rules only cap a
    # person's grade; the personnel department grades), not a grade
    assert "最高称职（不得评为优秀）" in p5 and "不称职" not in p5[4]
    assert any(
        "不适用（共3起过错，其中一般过错、直接责任的0起，须满3起）" in str(c)
        for c in p5
    )


def test_the_grades_csv_in_english_has_a_bom(store, tmp_path):
    path, run, _ = store
    out = tmp_path / "grades_en.csv"
    done = CliRunner().invoke(
        app, ["grades", run, "--store", str(path), "--out", str(out), "--lang", "en"]
    )
    assert done.exit_code == 0, done.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str)
    assert list(table.columns[:4]) == ["Appraisal group", "Rank in group",
                                       "Unit code", "Unit"]  # fmt: skip
    assert all(re.fullmatch(r"\d+\.\d\d", v) for v in table["Final score"])
    bad = CliRunner().invoke(
        app, ["grades", run, "--store", str(path), "--out", str(tmp_path / "g.txt")]
    )
    assert bad.exit_code == 2 and ".xlsx or .csv" in bad.output


def test_a_draft_needs_a_named_viewer(appraised, tmp_path):
    result, ap = appraised
    path = tmp_path / "draft.duckdb"
    with Publication(path) as s:
        run = s.add_run(result, ap, by="analyst")
    args = ["grades", run, "--store", str(path), "--out", str(tmp_path / "g.xlsx")]
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code == 1 and "draft" in refused.output
    done = CliRunner().invoke(app, [*args, "--viewer", "秘书长"])
    assert done.exit_code == 0, done.output
    about = openpyxl.load_workbook(tmp_path / "g.xlsx")["说明 About"]
    status = {r[0]: r[1] for r in about.iter_rows(min_row=2, values_only=True)}["状态"]
    assert status.startswith("草稿")
    with Publication(path) as s:
        assert "秘书长" in set(s.access_log()["viewer"])


def test_a_store_held_by_another_process_gives_a_clear_message(
    store, tmp_path, monkeypatch
):
    import subprocess
    import sys

    from evaluation.publish import store as storage

    monkeypatch.setattr(storage, "WAIT", 0.5)  # not the 15 s a user would wait
    path, run, _ = store
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; db = duckdb.connect(sys.argv[1]); "
         "print('ready', flush=True); sys.stdin.read()", str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "ready"
        done = CliRunner().invoke(
            app, ["letters", run, "--store", str(path), "--out", str(tmp_path)]
        )
    finally:
        holder.communicate("", timeout=30)
    assert done.exit_code == 1
    assert f"is in use by process {holder.pid}" in done.output


def test_the_signing_office_comes_from_appraisal_yaml(store, tmp_path):
    """A county office configures its own name once (appraisal.yaml ``office``):
    the letter is signed by it and names it as the office that receives appeals."""
    from dataclasses import replace

    path, run, _ = store
    with Publication(path) as s:
        source = LT.load_letters(s, run, units=["X09"])
    assert source.config.office.name_zh == LT.ISSUER  # the shipped default
    office = source.config.office.model_copy(update={"name_zh": "白水县考评办"})
    county = replace(source, config=source.config.model_copy(update={"office": office}))
    LT.write_letters(county, tmp_path, html=True, progress=False)
    page = next(tmp_path.glob("*.html")).read_text(encoding="utf-8")
    assert '<div class="issuer">白水县考评办</div>' in page  # the letterhead
    assert "以白水县考评办的复核结论为准" in page  # who decides the appeals
    assert LT.ISSUER not in page


def test_the_grades_workbook_names_the_committees_approval_of_a_veto(store, tmp_path):
    path, run, _ = store
    out = tmp_path / "grades.xlsx"
    done = CliRunner().invoke(
        app, ["grades", run, "--store", str(path), "--out", str(out)]
    )
    assert done.exit_code == 0, done.output
    v = pd.read_csv(ROOT / "data" / "sample" / "appraisal" / "vetoes.csv",
                    encoding="utf-8-sig", dtype=str)  # fmt: skip
    d22 = v[v["unit_id"] == "D22"].iloc[0]
    y, m, d = (int(x) for x in d22["approved_on"].split("-"))
    by, ref = d22["approved_by"], d22["reference"]
    for sheet, want in (
        ("考评结果", f"批准：{by}，{y}年{m}月{d}日，{ref}"),
        ("Grades", f"approved: {by}, {y}-{m:02d}-{d:02d}, {ref}"),
    ):
        ws = openpyxl.load_workbook(out)[sheet]
        head = [c.value for c in ws[1]]
        rules = next(
            h for h in head if h in ("适用规则及调整", "Rules applied and adjustments")
        )
        row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if "D22" in r)
        assert want in row[head.index(rules)], (sheet, row[head.index(rules)])


def test_a_flag_on_a_whole_submission_names_its_agency_under_a_fitting_header(
    store, tmp_path
):
    """X09's 2025-Q2 submission to 市政府督查室 repeats its previous one (a flag on
    the agency's whole submission, no one indicator): the letter's column says
    指标或报送部门, so the agency's name under it reads right."""
    path, run, _ = store
    with Publication(path) as s:
        source = LT.load_letters(s, run, units=["X09"])
    LT.write_letters(source, tmp_path, html=True, progress=False)
    page = next(tmp_path.glob("*.html")).read_text(encoding="utf-8")
    assert "<th>指标或报送部门</th>" in page and "<th>指标</th>" not in page
    rows = re.findall(r"<tr><td class=\"nw\">(.*?)</tr>", page)
    assert any("<td>市政府督查室</td>" in r for r in rows), rows


def test_letters_and_the_report_take_a_units_name(store, appraised, tmp_path):
    """The committee types the unit as it knows it: the best district's letter and
    its report page, asked for by its Chinese name (the grades' name_zh)."""
    path, run, _ = store
    grades = appraised[1].grades
    districts = grades[grades["group"] == "districts"]
    best = districts.loc[districts["score"].idxmax()]
    out = tmp_path / "letters"
    done = CliRunner().invoke(
        app,
        ["letters", run, "--store", str(path), "--out", str(out),
         "--unit", best["name_zh"]],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert [p.name for p in out.glob("*.pdf")] == [
        f"{best['unit_id']}_{best['name_zh']}_反馈意见书.pdf"
    ]
    html = tmp_path / "report.html"
    done = CliRunner().invoke(
        app,
        ["report", run, "--store", str(path), "--out", str(tmp_path / "r.pdf"),
         "--html", str(html), "--unit", best["name_zh"]],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert best["name_zh"] in html.read_text(encoding="utf-8")


def test_letters_stopped_midway_leave_none(store, tmp_path, monkeypatch):
    """Ctrl+C (simulated) while the third letter is written: the folder holds no
    letter and no temporary file, not the first two to be sent as if they were all
    (a letter each takes a second or more: stopping midway is likely)."""
    from evaluation.publish import letters as LT

    path, run, _ = store
    written = []

    def write_pdf(page, target):
        if len(written) == 2:
            raise KeyboardInterrupt
        Path(target).write_bytes(b"%PDF-1.7 letter")
        written.append(target)
        return Path(target)

    monkeypatch.setattr(LT, "write_pdf", write_pdf)
    out = tmp_path / "letters"
    done = CliRunner().invoke(
        app, ["letters", run, "--store", str(path), "--out", str(out), "--html"]
    )
    assert done.exit_code != 0 and len(written) == 2
    assert list(out.iterdir()) == []


def test_the_letters_reference_line_says_the_stage_in_a_word(tiny_catalogue):
    """The line under the title: 第1版（草稿） for a draft, whose banner below says
    the rest (not 第1版（草稿（未发布，仅供内部核对，不得外传））); a version
    corrected during its 公示 says so, as ``evaluation runs`` does."""

    def ref(**run):
        data = LT.letter_data(
            _grades(), APPLIED, _result(tiny_catalogue), "U1",
            config=A.parse_config(CONFIG), run={**NOTICE, "version": 1, **run},
            issued_on=date(2026, 1, 21),
        )  # fmt: skip
        html = LT.render_letter(data)
        return html.split('<div class="ref">')[1].split("</div>")[0]

    assert "第1版（草稿） · 运行编号" in ref(status="draft")
    assert "第1版（公示中） · 运行编号" in ref(under_notice=True)
    assert "第1版（公示期间已更正） · 运行编号" in ref(under_notice=False)


# -------------------------------------------------- what a typical gap is, once
#: the footnote's words, by the scope of the robust-z peer rules behind the reasons
#: (the definitions of the warnings' About sheet, after 注：典型差距指)
GAP_PEERS = (
    "注：典型差距指同类各单位与同类单位中位数之差（取绝对值）的中位数。"
    "同类比较预警的阈值和原因按落后同类单位中位数多少个典型差距表述。"
)
GAP_ALL = (
    "注：典型差距指各单位与全部单位中位数之差（取绝对值）的中位数。"
    "与全部单位比较的预警，其阈值和原因按落后全部单位中位数多少个典型差距表述。"
)


def _gap_letter(tiny_raw, warning_rules, item_rule="rollup"):
    """U1's letter, its warnings (``_result``'s six rows) and ledger (three) raised
    by the rules given; the catalogue's robust-z peer rules: b within peer groups,
    a1 within all units."""
    tiny_raw["risk"] = {
        "rules": [
            {"kind": "peer", "method": "robust_z", "node": "b", "orange": -1.5},
            {"kind": "peer", "method": "robust_z", "node": "a1", "within": "all",
             "orange": -1.5},
        ]
    }  # fmt: skip
    cat = ev.parse_catalogue(tiny_raw, file="t.yaml")
    result = _result(cat)
    result.warnings = result.warnings.assign(rule=warning_rules)
    result.ledger = result.ledger.assign(rule=[item_rule, "threshold", "rollup"])
    data = LT.letter_data(
        _grades(), APPLIED, result, "U1", config=A.parse_config(CONFIG),
        run=NOTICE, issued_on=date(2026, 1, 21),
    )  # fmt: skip
    return data, LT.render_letter(data)


def test_a_peer_warnings_reason_is_followed_by_what_a_typical_gap_is(tiny_raw):
    """U1's red warning on 乙 (2025-M12, listed) is a peer warning by robust z within
    its peer group: under the warnings' table, once, 注：典型差距指 the peers' words,
    before the items (its open item on 乙 quotes the same reason: no second note)."""
    rules = ["threshold", "threshold", "threshold", "peer", "threshold", "peer"]
    data, html = _gap_letter(tiny_raw, rules, item_rule="peer")
    assert (data["typical_gap"], data["typical_gap_at"]) == (GAP_PEERS, "warnings")
    assert html.count("典型差距") == 2 and html.count(GAP_PEERS) == 1
    warnings, items = html.index("三、年度预警情况"), html.index("四、待整改事项")
    assert warnings < html.index(GAP_PEERS) < items


def test_a_peer_rule_within_all_units_is_said_with_all_units(tiny_raw):
    """U1's listed orange warning on a1 (2025-M12) is a peer warning whose rule is
    within all units: the note says all units' median, not 同类."""
    rules = ["threshold", "threshold", "peer", "threshold", "threshold", "threshold"]
    data, html = _gap_letter(tiny_raw, rules)
    assert (data["typical_gap"], data["typical_gap_at"]) == (GAP_ALL, "warnings")
    assert html.count(GAP_ALL) == 1 and "同类" not in data["typical_gap"]


def test_an_open_items_peer_reason_gets_the_note_under_the_items(tiny_raw):
    """No warning listed is a peer one, but U1's open item on 乙 was opened by a
    peer rule (its 最近一期情况 quotes its reason): the note goes under the items."""
    data, html = _gap_letter(tiny_raw, ["threshold"] * 6, item_rule="peer")
    assert (data["typical_gap"], data["typical_gap_at"]) == (GAP_PEERS, "rectification")
    assert html.count(GAP_PEERS) == 1
    items, rules = html.index("四、待整改事项"), html.index("五、适用的考评规则")
    assert items < html.index(GAP_PEERS) < rules


def test_a_letter_quoting_no_peer_reason_has_no_note(tiny_raw, letter):
    """The other warnings' reasons count in no typical gap: no note. U1's peer
    warning of 2025-M06 is not listed (the letter lists 2025-M12's), nor is U2's."""
    rules = ["peer", "peer", "threshold", "threshold", "threshold", "peer"]
    data, html = _gap_letter(tiny_raw, rules)
    assert (data["typical_gap"], data["typical_gap_at"]) == ("", "")
    assert "典型差距" not in html
    # a run stored before warnings named their rule: none is known to be a peer one
    assert (letter["typical_gap"], letter["typical_gap_at"]) == ("", "")


def test_a_sample_letter_says_what_a_typical_gap_is_under_its_peer_warning(
    store, tmp_path
):
    """D22's letter lists its red warning on the composite by the sample's peer
    rule (robust z within peer groups, indicators.yaml): the PDF says, once, what a
    typical gap is; D13's lists red warnings, none of them a peer one: no note."""
    path, run, _ = store
    with Publication(path) as s:
        source = LT.load_letters(s, run, units=["D22", "D13"])
    d22, d13 = LT.write_letters(source, tmp_path, progress=False)
    text = re.sub(r"\s+", "", pdf_text(d22))
    assert "约为同类典型差距" in text and text.count(GAP_PEERS) == 1
    other = re.sub(r"\s+", "", pdf_text(d13))
    assert "红色" in other and "典型差距" not in other
