"""Three slips the clerk makes, said so that the clerk can act on them: a code with a
space around it, a header a spreadsheet left blank or put under a title, the same file
sent twice. Copies of the sample, broken as agencies break them; the expected words
are written here by hand."""

from __future__ import annotations

import shutil

import openpyxl
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import evaluation as ev
from evaluation.cli import app
from evaluation.intake.validate import problems_table

from ..conftest import ROOT, TINY, TINY_ROWS, TINY_UNITS, write_dataset

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


def cli_report(tmp_path, data, catalogue=None) -> list[list[str]]:
    """``evaluation validate DATA --report`` (Chinese) as the clerk reads it: rows of
    文件、行、列、值、规则. ``catalogue``: the tiny one unless given."""
    if catalogue is None:
        catalogue = tmp_path / "tiny.yaml"
        catalogue.write_text(yaml.safe_dump(TINY, allow_unicode=True), "utf-8")
    report = tmp_path / "report.csv"
    result = CliRunner().invoke(
        app, ["validate", str(data), "-c", str(catalogue), "--report", str(report)]
    )
    assert result.exit_code == 1, result.output
    found = pd.read_csv(report, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert found.columns.tolist() == ["文件", "行", "列", "值", "规则"]
    return found.values.tolist()


SPACES = "前后有空格：“{}”开头或末尾有空格（引号内是单元格的原样内容），请删去空格"
UNKNOWN_UNIT = "单位代码不在单位名单（units.csv）中"
#: what a spaced code that fails its check without its spaces too adds to the check
ALSO = "；另外“{}”开头或末尾有空格（引号内是单元格的原样内容），也请删去"
MISSING = (
    "缺少数据：没有该单位、报告期和指标的行（应由办公室报送）；"
    "数据确实缺失的，也须报送该行，指标值留空"
)
KEY_ZH = "单位代码（unit_id）、报告期（period）、指标代码（indicator_id）"


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


def test_a_spaced_unit_id_in_the_units_file_is_said_once_not_on_its_rows(
    tmp_path, catalogue
):
    """'D07 ' in units.csv: its one problem, not D07's ~380 rows of every agency's
    files said as unknown units (nor each of its keys as missing)."""
    data = sample_copy(tmp_path)

    def spaced(lines):
        assert lines[7].startswith("D07,")
        lines[7] = "D07 " + lines[7][3:]
        return lines

    edit_lines(data / "units.csv", spaced)
    assert cli_report(tmp_path, data, ROOT / "indicators.yaml") == [
        ["units.csv", "8", "单位代码（unit_id）", "“D07 ”", SPACES.format("D07 ")],
    ]


def test_only_the_spaced_unit_id_is_forgiven_on_the_rows_of_other_files(tmp_path):
    """Units 'U2 ' (U3's parent): U2's rows and U3's parent are right once units.csv
    is fixed; a row sent as 'U3 ' and an unknown U9 are still said."""
    units = TINY_UNITS.assign(unit_id=["U1", "U2 ", "U3"], parent_id=["", "", "U2"])
    rows = [list(r) for r in TINY_ROWS]
    assert rows[0][:3] == ["U1", "2025-Q1", "a1"]
    assert rows[8][:3] == ["U3", "2025-Q1", "a1"]
    rows[0][0], rows[8][0] = "U9", "U3 "
    data = write_dataset(tmp_path / "d", units, rows)
    office, unit_zh = "observations/office.csv", "单位代码（unit_id）"
    assert cli_report(tmp_path, data) == [  # the units file first: the others'
        ["units.csv", "3", unit_zh, "“U2 ”", SPACES.format("U2 ")],  # reference
        [office, "2", unit_zh, "U9", UNKNOWN_UNIT],
        [office, "10", unit_zh, "“U3 ”", SPACES.format("U3 ")],
        [office, "", KEY_ZH, "U1 / 2025-Q1 / a1", MISSING],
        [office, "", KEY_ZH, "U3 / 2025-Q1 / a1", MISSING],
    ]


def test_an_unknown_unit_is_said_not_in_the_units_file_the_folder_has(tmp_path):
    """A folder whose units file is a workbook (units.xlsx): a row of U9 is said not
    in 单位名单（units.xlsx）, the file the clerk can open, not units.csv, which the
    folder has not; in both languages, by `evaluation validate`."""
    rows = [list(r) for r in TINY_ROWS]
    rows[0][0] = "U9"
    data = write_dataset(tmp_path / "d", TINY_UNITS, rows)
    units = pd.read_csv(data / "units.csv", dtype=str, keep_default_na=False)
    units.to_excel(data / "units.xlsx", index=False)
    (data / "units.csv").unlink()
    office, unit_zh = "observations/office.csv", "单位代码（unit_id）"
    assert cli_report(tmp_path, data)[0] == [
        office,
        "2",
        unit_zh,
        "U9",
        "单位代码不在单位名单（units.xlsx）中",
    ]
    en = CliRunner().invoke(
        app, ["validate", str(data), "-c", str(tmp_path / "tiny.yaml"), "--lang", "en"]
    )
    assert "known_unit: not a unit_id in units.xlsx" in en.output


@pytest.mark.parametrize(
    ("column", "sent", "check_zh"),
    [
        (0, "U9 ", UNKNOWN_UNIT),
        (1, "2025-Q5 ", "报告期格式不对：应写作“2025”（年度）、“2025-H1”（上半年）、"
         "“2025-Q3”（第三季度）、“2025-B2”（3—4月）或“2025-M03”（3月）这样的形式"),
        (2, " a9", "指标代码不是指标体系中的指标或背景数据"),
    ],
    ids=["unit_id", "period", "indicator_id"],
)  # fmt: skip
def test_a_spaced_code_unknown_without_its_spaces_too_says_both(
    tmp_path, column, sent, check_zh
):
    """'U9 ' with no unit U9: deleting the space would not do; said unknown, and
    the space with it, so that one round of corrections fixes both."""
    rows = [list(r) for r in TINY_ROWS]
    rows[0][column] = sent
    data = write_dataset(tmp_path / "d", TINY_UNITS, rows)
    name = ["单位代码（unit_id）", "报告期（period）", "指标代码（indicator_id）"]
    assert cli_report(tmp_path, data) == [
        [
            "observations/office.csv",
            "2",
            name[column],
            f"“{sent}”",
            check_zh + ALSO.format(sent),
        ],
        ["observations/office.csv", "", KEY_ZH, "U1 / 2025-Q1 / a1", MISSING],
    ]


def test_a_spaced_parent_id_is_said_spaces_only_if_the_parent_exists(tmp_path):
    """Parents are checked on the whole units table: 'U1 ' (U1 exists) is its
    spaces; 'U8 ' (no U8) is an unknown parent, and its spaces with it."""
    units = TINY_UNITS.assign(parent_id=["", "U1 ", "U8 "])
    data = write_dataset(tmp_path / "d", units, TINY_ROWS)
    parent_zh = "上级单位代码（parent_id）"
    unknown = "上级单位代码须是本表中的单位代码"
    assert cli_report(tmp_path, data) == [
        ["units.csv", "3", parent_zh, "“U1 ”", SPACES.format("U1 ")],
        ["units.csv", "4", parent_zh, "“U8 ”", unknown + ALSO.format("U8 ")],
    ]


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


@pytest.mark.parametrize(
    "above", [["市审计局2024年度数据", ""], ["市审计局2024年度数据,,,,", ",,,,"]]
)
def test_a_title_and_a_blank_line_above_a_csv_header_are_said_so(
    tmp_path, catalogue, above
):
    """Not a comma too many on line 3 (the header read as the title's one column)."""
    data = sample_copy(tmp_path)
    edit_lines(data / "observations" / "audit.csv", lambda lines: [*above, *lines])
    zh = zh_report(data, catalogue)
    assert zh[["文件", "行", "规则"]].values.tolist() == [
        [
            "observations/audit.csv",
            1,
            "第1至2行像是标题或分组表头（“市审计局2024年度数据”），列名在第3行："
            "表头须在第1行，请删去第1至2行",
        ]
    ]


@pytest.mark.parametrize(
    ("above", "said"),
    [
        ([""], "第1行是空行，列名在第2行：表头须在第1行，请删去第1行"),
        ([",,,,"], "第1行是空行，列名在第2行：表头须在第1行，请删去第1行"),
        (["", ",,,,"], "第1至2行是空行，列名在第3行：表头须在第1行，请删去第1至2行"),
    ],
)
def test_blank_lines_above_a_csv_header_are_said_so(tmp_path, catalogue, above, said):
    """An export that starts with a blank line (or a line of commas, a blank row of
    the sheet it came from): one problem saying where the header is, not a blank
    header for each of the five columns, nor a comma too many on line 2."""
    data = sample_copy(tmp_path)
    edit_lines(data / "observations" / "audit.csv", lambda lines: [*above, *lines])
    zh = zh_report(data, catalogue)
    assert zh[["文件", "行", "规则"]].values.tolist() == [
        ["observations/audit.csv", 1, said]
    ]


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


@pytest.mark.parametrize(
    ("above", "said"),
    [
        # a header over groups of columns, merged: 基本信息 over A:C, 填报内容 over D
        (
            [["基本信息", None, None, "填报内容"]],
            "第1行像是标题或分组表头（“基本信息”、“填报内容”），列名在第2行："
            "表头须在第1行，请删去第1行",
        ),
        # a title, then the form's 填报单位 line, the header on row 3
        (
            [["办公室2025年报送数据"], ["填报单位：办公室", None, None, "填报日期："]],
            "第1至2行像是标题或分组表头（“办公室2025年报送数据”、“填报单位：办公室”、"
            "“填报日期：”），列名在第3行：表头须在第1行，请删去第1至2行",
        ),
        # a title and a blank row
        (
            [["办公室2025年报送数据"], []],
            "第1至2行像是标题或分组表头（“办公室2025年报送数据”），列名在第3行："
            "表头须在第1行，请删去第1至2行",
        ),
        # a blank row (the header typed one row down)
        ([[]], "第1行是空行，列名在第2行：表头须在第1行，请删去第1行"),
    ],
)
def test_rows_above_a_workbook_header_are_one_problem_not_blank_headers(
    tmp_path, tiny_catalogue, above, said
):
    """Row 1 not a title of one cell, or more than one row above the header: one
    problem saying where the header is, not a blank header for every column (the
    clerk was told to name columns whose names are one row below)."""
    data = write_dataset(tmp_path, TINY_UNITS, TINY_ROWS)
    office = data / "observations" / "office.csv"
    table = pd.read_csv(office, dtype=str, keep_default_na=False)
    office.unlink()
    book = openpyxl.Workbook()
    sheet = book.active
    for row in above:
        sheet.append(row)
    sheet.append(["单位代码", "报告期", "指标代码", "指标值"])
    for row in table[["unit_id", "period", "indicator_id", "value"]].itertuples(
        index=False
    ):
        sheet.append(list(row))
    book.save(data / "observations" / "office.xlsx")
    zh = zh_report(data, tiny_catalogue)
    assert zh[["文件", "行", "规则"]].values.tolist() == [
        ["observations/office.xlsx", 1, said]
    ]


@pytest.mark.parametrize(
    ("front", "rows"), [("汇总", [["单位", "合计"], ["U1", 5]]), ("Sheet1", [])]
)
def test_a_sheet_put_before_the_data_sheet_is_named_with_the_data_sheet(
    tmp_path, tiny_catalogue, front, rows
):
    """A sheet added in front of the template's 报送数据 (a summary, an empty one):
    the clerk is told which sheet was read and where the data are, not that the
    header lacks columns the data sheet has, or that it has no rows."""
    data = write_dataset(tmp_path, TINY_UNITS, TINY_ROWS)
    office = data / "observations" / "office.csv"
    table = pd.read_csv(office, dtype=str, keep_default_na=False)
    office.unlink()
    book = openpyxl.Workbook()
    book.active.title = "报送数据"
    book.active.append(["单位代码", "报告期", "指标代码", "指标值"])
    for row in table[["unit_id", "period", "indicator_id", "value"]].itertuples(
        index=False
    ):
        book.active.append(list(row))
    sheet = book.create_sheet(front, 0)
    for row in rows:
        sheet.append(row)
    book.save(data / "observations" / "office.xlsx")
    zh = zh_report(data, tiny_catalogue)
    assert zh[["文件", "规则"]].values.tolist() == [
        [
            "observations/office.xlsx",
            f"数据须在第一个工作表：第一个工作表“{front}”中没有表头，数据似在第2个"
            "工作表“报送数据”中，请将该工作表移到最前面（或删去它前面的工作表）",
        ]
    ]


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


def test_the_same_data_saved_again_is_one_problem_naming_both(tmp_path, catalogue):
    """The clerk saved the file again (GBK, Windows line ends, no BOM: other bytes)
    and both copies reached the folder: one problem saying the data are the same,
    not 9,600 duplicate rows; with the copy deleted, the folder is valid."""
    data = sample_copy(tmp_path)
    folder = data / "observations"
    text = (folder / "service_centre.csv").read_text(encoding="utf-8-sig")
    again = folder / "service_centre_另存.csv"
    again.write_bytes(text.replace("\n", "\r\n").encode("gbk"))
    zh = zh_report(data, catalogue)
    assert len(zh) == 1
    said = zh.iloc[0]
    assert said["文件"] == "observations/service_centre_另存.csv"
    assert "数据完全相同" in said["规则"] and "service_centre.csv" in said["规则"]
    again.unlink()
    assert zh_report(data, catalogue).empty


def test_the_same_data_as_a_workbook_beside_its_csv_is_one_problem(tmp_path, catalogue):
    """The agency sent its rows as .csv and again as .xlsx: one problem."""
    data = sample_copy(tmp_path)
    folder = data / "observations"
    rows = pd.read_csv(folder / "legal.csv", dtype=str, encoding="utf-8-sig")
    rows.to_excel(folder / "legal.xlsx", index=False)
    zh = zh_report(data, catalogue)
    assert zh["文件"].tolist() == ["observations/legal.xlsx"]
    assert "数据完全相同" in zh.iloc[0]["规则"] and "legal.csv" in zh.iloc[0]["规则"]
    # and the workbook received twice: each copy names the file kept, legal.csv
    shutil.copyfile(folder / "legal.xlsx", folder / "legal (1).xlsx")
    zh = zh_report(data, catalogue)
    assert sorted(zh["文件"]) == [
        "observations/legal (1).xlsx",
        "observations/legal.xlsx",
    ]
    assert zh["规则"].str.contains("与 observations/legal.csv 数据完全相同").all()


def test_a_copy_with_one_value_changed_is_not_said_to_be_the_same(tmp_path, catalogue):
    """Two versions that differ in one value are not the same data: each doubled
    report is named, as before (which one is right is the agency's to say)."""
    data = sample_copy(tmp_path)
    folder = data / "observations"
    lines = (folder / "legal.csv").read_text(encoding="utf-8-sig").splitlines()
    head, first, *rest = lines
    cells = first.split(",")
    cells[3] = "1" if cells[3] != "1" else "2"
    changed = "\n".join([head, ",".join(cells), *rest]) + "\n"
    (folder / "legal_v2.csv").write_text(changed, encoding="utf-8-sig")
    zh = zh_report(data, catalogue)
    assert not zh["规则"].str.contains("数据完全相同").any()
    assert len(zh) >= len(rest)  # the doubled reports, each named


def test_status_says_a_copy_is_to_delete_not_to_resend(tmp_path):
    """``evaluation status`` with a file saved again beside it: the copy is said as
    one to delete (its rows counted once, through the file read), never as a file
    that could not be read and must be corrected and resent."""
    data = sample_copy(tmp_path)
    folder = data / "observations"
    text = (folder / "legal.csv").read_text(encoding="utf-8-sig")
    (folder / "legal_另存.csv").write_bytes(text.replace("\n", "\r\n").encode("gbk"))
    done = CliRunner().invoke(
        app, ["status", str(data), "--period", "2025-Q4", "--as-of", "2026-01-20"]
    )
    assert done.exit_code == 0, done.output
    assert "注意：以下1个报送文件与已读取的文件重复" in done.output
    assert "请删去重复的文件" in done.output and "无法读取" not in done.output
    assert "observations/legal_另存.csv（未读取）：与 observations/legal.csv" in (
        done.output
    )


def test_a_spaced_copy_of_a_unit_is_said_with_its_spaces_and_as_a_repeat(
    tmp_path, catalogue
):
    """units.csv lists D07 twice, once with a full-width space: the spaces and the
    repeat are said in one round (deleting the space must not reveal a second)."""
    data = sample_copy(tmp_path)
    units = data / "units.csv"
    lines = units.read_text(encoding="utf-8-sig").splitlines()
    d07 = next(n for n, line in enumerate(lines) if line.startswith("D07,"))
    edit_lines(units, lambda ls: [*ls, ls[d07].replace("D07,", "D07\u3000,", 1)])
    zh = zh_report(data, catalogue)
    last = len(lines) + 1  # the copy's row (the header is row 1)
    assert zh[["行", "值"]].values.tolist() == [
        [d07 + 1, "D07"], [last, "“D07\u3000”"], [last, "D07\u3000"],
    ]  # fmt: skip
    assert zh["规则"].str.startswith("前后有空格").sum() == 1
    assert (zh["规则"] == "不能重复：此值出现在多行").sum() == 2


def test_a_report_sent_twice_once_spaced_is_said_as_a_repeat_in_one_round(
    tmp_path, catalogue
):
    """A row of legal.csv sent again with 'D07 ': its spaces and the repeated key
    (unit, period, indicator) in one round."""
    data = sample_copy(tmp_path)
    legal = data / "observations" / "legal.csv"
    lines = legal.read_text(encoding="utf-8-sig").splitlines()
    first = next(n for n, line in enumerate(lines) if line.startswith("D07,"))
    edit_lines(legal, lambda ls: [*ls, ls[first].replace("D07,", "D07 ,", 1)])
    zh = zh_report(data, catalogue)
    last = len(lines) + 1
    assert zh["行"].tolist() == [first + 1, last, last]
    assert zh["规则"].str.startswith("前后有空格").sum() == 1
    assert zh["规则"].str.startswith("重复：").sum() == 2


def test_a_number_typed_in_full_width_is_said_so_with_the_number_to_type(
    tmp_path, catalogue
):
    """８５．３ typed with a Chinese input method: the clerk is told it is full-width
    and to type 85.3, not only that it must be a number."""
    data = sample_copy(tmp_path)
    legal = data / "observations" / "legal.csv"
    lines = legal.read_text(encoding="utf-8-sig").splitlines()
    head, first = lines[0].split(","), lines[1].split(",")
    at = head.index("value")
    first[at] = "８５．３"
    edit_lines(legal, lambda ls: [ls[0], ",".join(first), *ls[2:]])
    zh = zh_report(data, catalogue)
    assert zh[["行", "值", "规则"]].values.tolist() == [
        [2, "８５．３", "“８５．３”用了全角数字或符号，请改为半角的“85.3”"]
    ]


def test_a_percent_sign_or_thousands_separator_is_said_with_the_number_to_type(
    tmp_path, catalogue
):
    """85.3% for a percentage (commitment_reply_rate, unit %) is 85.3, typed with its
    sign; 1,234 for a count (service_ratings_count, 件) is 1234 with a separator;
    12% for that count is no percentage at all: said so with its unit. Each slip
    named, never the bare 须填写数字."""
    data = sample_copy(tmp_path)
    centre = data / "observations" / "service_centre.csv"
    lines = centre.read_text(encoding="utf-8-sig").splitlines()
    head = lines[0].split(",")
    at, series = head.index("value"), head.index("indicator_id")
    rows = [line.split(",") for line in lines[1:]]
    rate = next(i for i, r in enumerate(rows) if r[series] == "commitment_reply_rate")
    count = [i for i, r in enumerate(rows) if r[series] == "service_ratings_count"]
    rows[rate][at] = "85.3%"
    rows[count[0]][at] = '"1,234"'  # quoted, as a spreadsheet saves it
    rows[count[1]][at] = "12%"
    edit_lines(centre, lambda ls: [ls[0], *(",".join(r) for r in rows)])
    zh = zh_report(data, catalogue)
    assert zh[["行", "值", "规则"]].values.tolist() == [
        [rate + 2, "85.3%", "“85.3%”带了百分号：请只填数字85.3"],
        [count[0] + 2, "1,234", "“1,234”带了千位分隔符：请填1234"],
        [
            count[1] + 2,
            "12%",
            "“12%”带了百分号，但“好差评”评价件数的计量单位是件，不是百分数：请按件填写数字",
        ],
    ]
