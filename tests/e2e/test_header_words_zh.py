"""A file whose header lacks a column, or has one too many, as the clerk who typed
the Chinese headers reads the report of ``evaluation validate``: the column by its
Chinese header with the English beside it, and the columns the table takes the same
way (either header is accepted, data-format §4). Expected words written by hand."""

from __future__ import annotations

import csv
import shutil

import pytest
from typer.testing import CliRunner

from evaluation.cli import app

from ..conftest import ROOT, validate_report

SAMPLE = ROOT / "data" / "sample"


def _report(tmp_path, edit) -> list[dict]:
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    edit(data / "observations" / "supervision.csv")  # GB18030, Chinese headers
    return validate_report(data, tmp_path / "problems.csv")


def _rewrite(path, keep):
    """The file with the columns ``keep`` picks, as the agency sends it."""
    text = path.read_bytes().decode("gb18030").splitlines()
    rows = [",".join(keep(line.split(","))) for line in text]
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("gb18030"))


def test_a_missing_column_is_named_by_its_chinese_header(tmp_path):
    rows = _report(tmp_path, lambda p: _rewrite(p, lambda c: [*c[:3], c[4]]))
    assert [(r["文件"], r["列"], r["规则"]) for r in rows] == [
        (
            "observations/supervision.csv",
            "指标值（value）",
            "表头缺少必需的列“指标值”（value）；应有的列：单位代码（unit_id）、"
            "报告期（period）、指标代码（indicator_id）、指标值（value），"
            "中文或英文表头均可",
        )
    ]


def test_an_unknown_column_lists_the_chinese_headers_allowed(tmp_path):
    rows = _report(tmp_path, lambda p: _rewrite(p, lambda c: [*c, "备注"]))
    assert [(r["文件"], r["规则"]) for r in rows] == [
        (
            "observations/supervision.csv",
            "“备注”不是本表的列，请删除或改正；可用的列：单位代码（unit_id）、"
            "报告期（period）、指标代码（indicator_id）、指标值（value）、"
            "报送日期（reported_at），中文或英文表头均可",
        )
    ]


def test_a_chinese_header_beside_its_english_one_is_named_not_a_crash(tmp_path):
    """指标值 added beside value (the same column, data-format §4) was a traceback
    (InvalidIndexError) from validate, score and status alike."""
    rows = _report(
        tmp_path,
        lambda p: _rewrite(p, lambda c: [*c, c[3] if c[3] != "指标值" else "value"]),
    )
    assert [(r["文件"], r["行"], r["列"], r["规则"]) for r in rows] == [
        (
            "observations/supervision.csv",
            "1",
            "指标值（value）",
            "第D、F列的表头都是“指标值”（value），中文表头和英文表头算同一列："
            "只能保留一列，请删去多余的列",
        )
    ]


def test_a_header_typed_twice_in_a_workbook_is_named_by_its_letters(tmp_path):
    """The second 单位代码 is not reported as an unknown column “单位代码.1”, a name
    the clerk never typed."""
    import openpyxl

    def edit(_):
        book = tmp_path / "data" / "observations" / "finance.xlsx"
        wb = openpyxl.load_workbook(book)
        sheet = wb.worksheets[0]
        last = sheet.max_column + 1
        sheet.cell(1, last, "单位代码")
        for r in range(2, sheet.max_row + 1):
            sheet.cell(r, last, sheet.cell(r, 1).value)
        wb.save(book)

    rows = _report(tmp_path, edit)
    assert [(r["文件"], r["行"], r["列"], r["规则"]) for r in rows] == [
        (
            "observations/finance.xlsx",
            "1",
            "单位代码（unit_id）",
            "第A、F列的表头都是“单位代码”（unit_id），中文表头和英文表头算同一列："
            "只能保留一列，请删去多余的列",
        )
    ]


#: the sample appraisal files' headers as the performance office's clerks type them
#: (docs/appraisal.md §2), in the order of the English headers of data/sample
ZH_HEADERS = {
    "ballots.csv": "选票编号,评议人编号,评议人类别,单位代码,评议结果",
    "raters.csv": "评议人编号,评议人类别,评议人所在单位",
    "faults.csv": "单位代码,过错认定日期,过错等级,责任人编号,责任类型,文号",
    "key_targets.csv": (
        "单位代码,目标编号,目标值,完成值,调整后目标值,目标调整日期,目标调整理由"
    ),
    "vetoes.csv": "单位代码,事件代码,批准机关,批准日期,文号",
    "bonuses.csv": "单位代码,加分类别,加分事项日期,加分事由,批准机关,批准日期,文号",
}


def _appraisal_copy(tmp_path, headers: dict[str, str], keep=lambda name, c: c):
    """The sample's appraisal folder, the header of each file named in ``headers``
    typed as given (saved GB18030, as WPS saves it), each line's cells as ``keep``
    picks them."""
    folder = tmp_path / "appraisal"
    shutil.copytree(SAMPLE / "appraisal", folder)
    for name, header in headers.items():
        lines = (folder / name).read_text(encoding="utf-8-sig").splitlines()
        rows = [header, *lines[1:]]
        text = "\n".join(",".join(keep(name, r.split(","))) for r in rows) + "\n"
        (folder / name).write_text(text, encoding="gb18030")
    return folder


def _publish(result, folder, store, *more):
    return CliRunner().invoke(
        app,
        ["publish", str(result), "--appraisal", str(folder), "--by", "测试",
         "--appraisal-config", str(ROOT / "appraisal.yaml"), "--store", str(store),
         *map(str, more)],
    )  # fmt: skip


def _appraisal_report(tmp_path, result, folder) -> list[dict]:
    """``publish RESULT --appraisal FOLDER --report``: the problem report."""
    out = tmp_path / "problems.csv"
    done = _publish(result, folder, tmp_path / "s.duckdb", "--report", out)
    assert done.exit_code == 1, done.output
    with out.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_a_missing_or_unknown_appraisal_column_is_said_by_its_chinese_header(
    q4_result, tmp_path
):
    """A clerk's Chinese headers: ballots.csv without its 评议结果 column, raters.csv
    with 单位代码 where 评议人所在单位 belongs, bonuses.csv with the reason headed
    等次调整理由 (an override's reason; a bonus's is 加分事由): each column said by its
    Chinese header, the English in brackets, as the observations' are; before,
    the table's columns were listed in English (“answer”) and 评议结果 refused."""
    folder = _appraisal_copy(
        tmp_path,
        {
            **ZH_HEADERS,
            "bonuses.csv": ZH_HEADERS["bonuses.csv"].replace(
                "加分事由", "等次调整理由"
            ),
            "raters.csv": "评议人编号,评议人类别,单位代码",
        },
        keep=lambda name, c: c[:4] if name == "ballots.csv" else c,
    )
    rows = _appraisal_report(tmp_path, q4_result, folder)
    either = "，中文或英文表头均可"
    bonuses = (
        "单位代码（unit_id）、加分类别（category）、加分事项日期（date）、"
        "加分事由（reason）、批准机关（approved_by）、批准日期（approved_on）、"
        "文号（reference）"
    )
    assert [(r["文件"], r["列"], r["规则"]) for r in rows] == [
        (
            "ballots.csv",
            "评议结果（answer）",
            "表头缺少必需的列“评议结果”（answer）；应有的列：选票编号（ballot_id）、"
            "评议人类别（rater_group）、评议人编号（rater_id）、单位代码（unit_id）、"
            "评议结果（answer）" + either,
        ),
        (
            "raters.csv",
            "单位代码（unit_id）",
            "“单位代码”（unit_id）不是本表的列，请删除或改正；可用的列："
            "评议人编号（rater_id）、评议人类别（rater_group）、"
            "评议人所在单位（rater_unit）" + either,
        ),
        (
            "bonuses.csv",
            "加分事由（reason）",
            "表头缺少必需的列“加分事由”（reason）；应有的列：" + bonuses + either,
        ),
        (
            "bonuses.csv",
            "等次调整理由",
            "“等次调整理由”不是本表的列，请删除或改正；可用的列：" + bonuses + either,
        ),
    ]


def test_an_appraisal_column_headed_in_both_languages_is_refused(q4_result, tmp_path):
    """评议结果 typed beside answer is one column typed twice (duplicate_header)."""
    folder = _appraisal_copy(
        tmp_path,
        {"ballots.csv": ZH_HEADERS["ballots.csv"] + ",answer"},
        keep=lambda name, c: c if c[-1] == "answer" else [*c, c[-1]],
    )
    rows = _appraisal_report(tmp_path, q4_result, folder)
    assert [(r["文件"], r["行"], r["列"], r["规则"]) for r in rows] == [
        (
            "ballots.csv",
            "1",
            "评议结果（answer）",
            "第E、F列的表头都是“评议结果”（answer），中文表头和英文表头算同一列："
            "只能保留一列，请删去多余的列",
        )
    ]


@pytest.mark.parametrize("saved", ["csv", "xlsx"])
def test_a_title_row_above_an_appraisal_header_is_said_so(q4_result, tmp_path, saved):
    """A clerk's raters file with a title typed above its header (Chinese in a
    CSV, English in a workbook): said to have a title row, as an observations file
    is. Its header names no column of the observations (评议人编号, rater_id …);
    before, the CSV was said to hold commas in its rows (第2行有3列，表头只有1列)
    and the workbook's B and C said to have blank headers (第B列表头为空)."""
    import openpyxl

    folder = _appraisal_copy(tmp_path, {"raters.csv": ZH_HEADERS["raters.csv"]})
    raters = folder / "raters.csv"
    if saved == "csv":
        text = raters.read_text(encoding="gb18030")
        raters.write_text("2025年度评议人名单\n" + text, encoding="gb18030")
    else:
        lines = (SAMPLE / "appraisal" / "raters.csv").read_text(encoding="utf-8-sig")
        raters.unlink()
        book = openpyxl.Workbook()
        book.active.append(["2025年度评议人名单"])
        for row in lines.splitlines():
            book.active.append(row.split(","))
        book.save(folder / "raters.xlsx")
    rows = _appraisal_report(tmp_path, q4_result, folder)
    assert [(r["文件"], r["行"], r["规则"][:16]) for r in rows] == [
        (f"raters.{saved}", "1", "第1行像是标题行：表头须在第1行")
    ]
    assert "2025年度评议人名单" in rows[0]["规则"]


@pytest.fixture(scope="module")
def annual_result(tmp_path_factory):
    """``evaluation score data/sample --period 2025``: the result folder."""
    out = tmp_path_factory.mktemp("annual")
    done = CliRunner().invoke(
        app,
        ["score", str(SAMPLE), "--period", "2025", "--out", str(out),
         "--catalogue", str(ROOT / "indicators.yaml")],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    return out / "result"


def _grades_csv(result, folder, tmp_path) -> bytes:
    """Publish the appraisal from ``folder`` as a draft, then ``evaluation grades``
    of the annual run: the grades CSV as written."""
    from evaluation.publish.publication import Publication

    store = tmp_path / "store.duckdb"
    done = _publish(result, folder, store)
    assert done.exit_code == 0, done.output
    with Publication(store) as s:
        runs = s.runs()
        run = runs.loc[runs["kind"] == "annual", "run_id"].iloc[-1]
    out = tmp_path / "grades.csv"
    done = CliRunner().invoke(
        app,
        ["grades", run, "--out", str(out), "--store", str(store), "--viewer", "测试"],
    )
    assert done.exit_code == 0, done.output
    return out.read_bytes()


def test_appraisal_files_headed_in_chinese_give_the_same_grades(
    annual_result, tmp_path
):
    """Every sample appraisal file with its headers in Chinese (GB18030) gives the
    grades table the English headers give, byte for byte; before, the first
    Chinese header (选票编号) was refused."""
    (tmp_path / "en").mkdir()
    (tmp_path / "zh").mkdir()
    english = _grades_csv(annual_result, SAMPLE / "appraisal", tmp_path / "en")
    folder = _appraisal_copy(tmp_path / "zh", ZH_HEADERS)
    chinese = _grades_csv(annual_result, folder, tmp_path / "zh")
    assert "一票否决".encode() in english  # D22's veto: vetoes.csv was read
    assert chinese == english
