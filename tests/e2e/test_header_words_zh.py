"""A file whose header lacks a column, or has one too many, as the clerk who typed
the Chinese headers reads the report of ``evaluation validate``: the column by its
Chinese header with the English beside it, and the columns the table takes the same
way (either header is accepted, data-format §4). Expected words written by hand."""

from __future__ import annotations

import csv
import shutil

from typer.testing import CliRunner

from evaluation.cli import app

from ..conftest import ROOT

SAMPLE = ROOT / "data" / "sample"


def _report(tmp_path, edit) -> list[dict]:
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    edit(data / "observations" / "supervision.csv")  # GB18030, Chinese headers
    out = tmp_path / "problems.csv"
    done = CliRunner().invoke(
        app,
        ["validate", str(data), "--report", str(out),
         "--catalogue", str(ROOT / "indicators.yaml")],
    )  # fmt: skip
    assert done.exit_code == 1, done.output
    with out.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


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


def _appraisal_report(tmp_path, result, headers: dict[str, str]) -> list[dict]:
    """``publish RESULT --appraisal`` with the sample's appraisal files, the header
    of each file named in ``headers`` typed as given: the problem report."""
    folder = tmp_path / "appraisal"
    shutil.copytree(SAMPLE / "appraisal", folder)
    for name, header in headers.items():
        lines = (folder / name).read_text(encoding="utf-8-sig").splitlines()
        text = "\n".join([header, *lines[1:]]) + "\n"
        (folder / name).write_text(text, encoding="gb18030")
    out = tmp_path / "problems.csv"
    done = CliRunner().invoke(
        app,
        ["publish", str(result), "--appraisal", str(folder), "--by", "测试",
         "--appraisal-config", str(ROOT / "appraisal.yaml"),
         "--store", str(tmp_path / "s.duckdb"), "--report", str(out)],
    )  # fmt: skip
    assert done.exit_code == 1, done.output
    with out.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_an_appraisal_files_header_is_said_by_the_headers_the_file_may_use(
    q4_result, tmp_path
):
    """A clerk's Chinese headers in ballots.csv (单位代码 read as unit_id; 评议结果,
    which is no header of the table) and raters.csv (单位代码 where rater_unit
    belongs): each column said by its Chinese header where it has one, the English
    in brackets, as the observations' are; before, 单位代码 was said “unit_id”."""
    rows = _appraisal_report(
        tmp_path,
        q4_result,
        {
            "ballots.csv": "ballot_id,rater_id,rater_group,单位代码,评议结果",
            "raters.csv": "rater_id,rater_group,单位代码",
        },
    )
    assert [(r["文件"], r["列"], r["规则"]) for r in rows] == [
        (
            "ballots.csv",
            "answer",
            "表头缺少必需的列“answer”；应有的列：“ballot_id”、“rater_group”、"
            "“rater_id”、单位代码（unit_id）、“answer”",
        ),
        (
            "ballots.csv",
            "评议结果",
            "“评议结果”不是本表的列，请删除或改正；可用的列：“ballot_id”、"
            "“rater_group”、“rater_id”、单位代码（unit_id）、“answer”、“rater_unit”",
        ),
        (
            "raters.csv",
            "单位代码（unit_id）",
            "“单位代码”（unit_id）不是本表的列，请删除或改正；可用的列："
            "“rater_id”、“rater_group”、“rater_unit”",
        ),
    ]
