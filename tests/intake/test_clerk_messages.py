"""Three slips the clerk makes, said so that the clerk can act on them: a code with a
space around it, a header a spreadsheet left blank or put under a title, the same file
sent twice. Copies of the sample, broken as agencies break them; the expected words
are written here by hand."""

from __future__ import annotations

import shutil

import openpyxl
import pandas as pd
import pytest

import evaluation as ev
from evaluation.intake.validate import problems_table

from ..conftest import ROOT, TINY_ROWS, TINY_UNITS, write_dataset

SAMPLE = ROOT / "data" / "sample"


def sample_copy(tmp_path):
    data = tmp_path / "sample"
    shutil.copytree(SAMPLE, data)
    return data


def edit_lines(path, change):
    """Rewrite a UTF-8 (BOM) text file line by line: ``change(lines) -> lines``."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    path.write_text("\n".join(change(lines)) + "\n", encoding="utf-8-sig")


def zh_report(data, catalogue) -> pd.DataFrame:
    try:
        dataset = ev.load_dataset(data)
    except ev.ValidationFailed as exc:
        report = exc.report
    else:
        report = ev.check_dataset(dataset, catalogue)
    return problems_table(report, "zh")


# ------------------------------------------------------- 1. a space around a code
def test_a_unit_code_with_a_trailing_space_is_shown_as_sent_cause_first(
    tmp_path, catalogue
):
    data = sample_copy(tmp_path)
    audit = data / "observations" / "audit.csv"

    def spaced(lines):
        assert lines[1].startswith("D01,2024,audit_issue_amount_share,")
        lines[1] = "D01 " + lines[1][3:]
        return lines

    edit_lines(audit, spaced)
    zh = zh_report(data, catalogue)
    assert len(zh) == 2
    cause, follow_on = zh.iloc[0], zh.iloc[1]
    assert cause["文件"] == "observations/audit.csv"
    assert cause["行"] == 2
    assert cause["列"] == "单位代码（unit_id）"
    assert cause["值"] == "“D01 ”"  # the space is seen between the quotes
    assert cause["规则"].startswith("前后有空格：")
    # the row it was meant to be is missing: said after, in the file it came in
    assert follow_on["文件"] == "observations/audit.csv"
    assert follow_on["值"] == "D01 / 2024 / audit_issue_amount_share"
    assert follow_on["规则"].startswith("缺少数据：")


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (("\u3000U1", "2025-Q1", "a1", "80"), "unit_id"),  # a full-width space
        (("U1", "2025-Q1 ", "a1", "80"), "period"),
        (("U1", "2025-Q1", " a1", "80"), "indicator_id"),
        (("U1", "2025-Q1", "a1", "80\u3000"), "value"),
    ],
)
def test_any_code_or_number_with_spaces_around_it_says_so(
    tmp_path, tiny_catalogue, row, column
):
    rows = [row, *TINY_ROWS[1:]]
    zh = zh_report(write_dataset(tmp_path, TINY_UNITS, rows), tiny_catalogue)
    first = zh.iloc[0]
    sent = dict(zip(["unit_id", "period", "indicator_id", "value"], row, strict=True))
    assert (first["行"], first["值"]) == (2, f"“{sent[column]}”")
    assert first["规则"].startswith("前后有空格：")


def test_text_with_a_space_in_a_value_cell_is_still_not_a_number(
    tmp_path, tiny_catalogue
):
    rows = [("U1", "2025-Q1", "a1", "八十 "), *TINY_ROWS[1:]]
    zh = zh_report(write_dataset(tmp_path, TINY_UNITS, rows), tiny_catalogue)
    assert zh["值"].tolist() == ["八十 "]
    assert zh["规则"].iloc[0].startswith("须填写数字")


# --------------------------------------------- 2. headers a spreadsheet left behind
def test_empty_trailing_columns_of_a_csv_export_are_ignored(tmp_path, catalogue):
    data = sample_copy(tmp_path)
    audit = data / "observations" / "audit.csv"
    before = ev.load_dataset(data)
    edit_lines(audit, lambda lines: [line + ",," for line in lines])
    after = ev.load_dataset(data)
    pd.testing.assert_frame_equal(after.observations, before.observations)
    assert ev.check_dataset(after, catalogue).empty


def test_a_blank_header_over_filled_cells_is_named_by_its_column_letter(
    tmp_path, tiny_catalogue
):
    data = write_dataset(tmp_path, TINY_UNITS, TINY_ROWS)
    office = data / "observations" / "office.csv"
    edit_lines(
        office,
        lambda lines: [lines[0] + ",", *(line + ",备注" for line in lines[1:])],
    )
    zh = zh_report(data, tiny_catalogue)
    assert len(zh) == 1
    assert zh.iloc[0]["文件"] == "observations/office.csv"
    assert zh.iloc[0]["列"] == "E"
    assert zh.iloc[0]["规则"].startswith("第E列表头为空")
    assert "Unnamed" not in zh.to_string()


@pytest.mark.parametrize("title", ["市审计局2024年度数据,,,,", "市审计局2024年度数据"])
def test_a_title_row_above_the_header_is_said_so(tmp_path, catalogue, title):
    data = sample_copy(tmp_path)
    edit_lines(data / "observations" / "audit.csv", lambda lines: [title, *lines])
    zh = zh_report(data, catalogue)
    assert len(zh) == 1
    assert zh.iloc[0]["文件"] == "observations/audit.csv"
    assert zh.iloc[0]["规则"].startswith("第1行像是标题行：表头须在第1行")


def test_a_workbook_title_merged_over_the_header_and_a_merged_header(
    tmp_path, tiny_catalogue
):
    data = write_dataset(tmp_path, TINY_UNITS, TINY_ROWS)
    office = data / "observations" / "office.csv"
    table = pd.read_csv(office, dtype=str, keep_default_na=False)
    office.unlink()
    header = ["unit_id", "period", "indicator_id", "value"]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["办公室2025年报送数据"])  # a title merged over A1:D1
    sheet.merge_cells("A1:D1")
    sheet.append(header)
    for row in table[header].itertuples(index=False):
        sheet.append(list(row))
    book.save(data / "observations" / "titled.xlsx")
    # a header merged over two columns: 指标值 over D and E, E holding numbers
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([*header[:3], "指标值", None])
    sheet.merge_cells("D1:E1")
    for row in table[header].itertuples(index=False):
        sheet.append([*row, "1"])
    book.save(data / "observations" / "merged.xlsx")
    zh = zh_report(data, tiny_catalogue).set_index("文件")
    assert zh.loc["observations/titled.xlsx", "规则"].startswith(
        "第1行像是标题行：表头须在第1行"
    )
    assert zh.loc["observations/merged.xlsx", "列"] == "E"
    assert zh.loc["observations/merged.xlsx", "规则"].startswith("第E列表头为空")


# ------------------------------------------------------ 3. the same file sent twice
def test_the_same_file_sent_twice_is_one_problem_naming_both(tmp_path, catalogue):
    data = sample_copy(tmp_path)
    folder = data / "observations"
    shutil.copyfile(folder / "service_centre.csv", folder / "service_centre (1).csv")
    zh = zh_report(data, catalogue)
    assert len(zh) == 1  # not 9,600 duplicate rows
    said = zh.iloc[0]
    assert "同一文件收到两份" in said["规则"]
    names = {"observations/service_centre.csv", "observations/service_centre (1).csv"}
    assert {said["文件"]} < names
    assert (names - {said["文件"]}).pop() in said["规则"]
    # who has sent what (skip_unreadable) reads the file once, and no duplicates
    dataset = ev.load_dataset(data, skip_unreadable=True)
    assert len(dataset.unread) == 1
    assert (
        dataset.observations["source"]
        .str.startswith("observations/service_centre")
        .sum()
        == 4800
    )  # the file's rows, once (its 4,801 lines less the header)
    assert len(ev.check_dataset(dataset, catalogue)) == 1
