"""Excel cells that hold no value to read: error values (#DIV/0!, #N/A …) and
formulas without a saved result. openpyxl (and pandas) reads both as an empty cell,
which would be a missing value; intake reports them instead, naming file, row,
column, the error or formula, and the sheet and cell in the rule.

The workbooks are made here with openpyxl, which saves a formula without its result
(a program never calculates it), and edited at the XML level where a workbook saved
by Excel is needed (a formula with its saved result).
"""

from __future__ import annotations

import re
import zipfile

import openpyxl
import pandas as pd
import pytest
import yaml
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from typer.testing import CliRunner

import evaluation as ev
from evaluation.cli import app
from evaluation.intake.io import read_table

from ..conftest import TINY, TINY_ROWS, TINY_UNITS, write_dataset

HEADER = ["unit_id", "period", "indicator_id", "value"]


def workbook(path, rows, header=HEADER, title="报送数据"):
    """An .xlsx of ``rows`` as openpyxl saves it; a cell ``("error", "#N/A")`` is an
    Excel error value, text starting with ``=`` a formula."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(header)
    for row in rows:
        sheet.append([None if isinstance(v, tuple) else v for v in row])
        for j, v in enumerate(row, 1):
            if isinstance(v, tuple):
                cell = sheet.cell(sheet.max_row, j)
                cell.value, cell.data_type = v[1], "e"
    book.save(path)
    return path


def rewrite(path, member, edit):
    """Rewrite one part of a workbook (``edit(text) -> text``)."""
    with zipfile.ZipFile(path) as old:
        parts = {i.filename: old.read(i.filename) for i in old.infolist()}
    parts[member] = edit(parts[member].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in parts.items():
            new.writestr(name, data)


def problems(path):
    with pytest.raises(ev.ValidationFailed) as info:
        read_table(path)
    return info.value.report


def test_an_error_cell_and_an_uncached_formula_are_problems_not_missing(tmp_path):
    path = workbook(
        tmp_path / "office.xlsx",
        [
            ["U1", "2025-Q1", "a1", 80],
            ["U2", "2025-Q1", "a1", ("error", "#DIV/0!")],
            ["U3", "2025-Q1", "a1", "=D2*2"],
            ["U1", "2025-Q2", "a1", ""],  # a truly empty value: no problem
        ],
    )
    report = problems(path)
    assert report[["file", "row", "column", "value"]].values.tolist() == [
        ["office.xlsx", 3, "value", "#DIV/0!"],
        ["office.xlsx", 4, "value", "=D2*2"],
    ]
    assert report["rule"].str.split(":").str[0].tolist() == [
        "excel_error", "excel_formula"
    ]  # fmt: skip
    assert "sheet '报送数据', cell D3" in report["rule"][0]
    assert "sheet '报送数据', cell D4" in report["rule"][1]
    assert "工作表“报送数据”，单元格D3" in report["rule_zh"][0]
    assert "粘贴为数值" in report["rule_zh"][1]


@pytest.mark.parametrize(
    "error", ["#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#DIV/0!"]
)
def test_every_excel_error_in_any_column_is_named(tmp_path, error):
    # a VLOOKUP that found no unit gives #N/A in the id column
    path = workbook(tmp_path / "o.xlsx", [[("error", error), "2025-Q1", "a1", 5]])
    report = problems(path)
    assert report[["row", "column", "value"]].values.tolist() == [[2, "unit_id", error]]


def test_chinese_headers_and_cells_past_the_header_and_lonely_errors(tmp_path):
    path = workbook(
        tmp_path / "o.xlsx",
        [
            ["U1", "2025-Q1", "a1", 5, ("error", "#REF!")],  # column E: no header
            [None, None, None, ("error", "#N/A")],  # nothing else on the row
        ],
        header=["单位代码", "报告期", "指标代码", "指标值"],
    )
    report = problems(path)
    assert report[["row", "column", "value"]].values.tolist() == [
        [2, "E", "#REF!"],
        [3, "value", "#N/A"],  # the English column name, and the row not skipped
    ]


def test_a_formula_saved_by_excel_is_read_as_its_result(tmp_path):
    path = workbook(
        tmp_path / "o.xlsx",
        [["U1", "2025-Q1", "a1", "=40+2"], ["U2", "2025-Q1", "a1", '=IF(1,"","")']],
    )
    assert len(problems(path)) == 2  # as openpyxl saved them: no results

    def saved_by_excel(xml):  # Excel keeps each formula's result beside it
        xml = xml.replace("<f>40+2</f><v></v>", "<f>40+2</f><v>42</v>")
        # an empty text result: t="str", an empty <v>
        return re.sub(
            r'<c r="D3"><f>(.*?)</f><v\s*/?>(</v>)?',
            r'<c r="D3" t="str"><f>\1</f><v></v>',
            xml,
        )

    rewrite(path, "xl/worksheets/sheet1.xml", saved_by_excel)
    frame, _ = read_table(path)
    assert frame["value"].tolist()[0] == "42"
    assert pd.isna(frame["value"].tolist()[1])  # "" is an empty cell: missing


def test_only_the_first_sheet_counts_and_it_is_the_workbooks_first(tmp_path):
    book = openpyxl.Workbook()
    data = book.active
    data.title = "数据"
    data.append(HEADER)
    data.append(["U1", "2025-Q1", "a1", 5])
    notes = book.create_sheet("备注")
    notes["A1"] = "=1/0"  # a formula on another sheet is not read: not a problem
    path = tmp_path / "o.xlsx"
    book.save(path)
    assert read_table(path)[0]["value"].tolist() == ["5"]
    # list 备注 first in the workbook (its part stays sheet2.xml): now it is read
    rewrite(
        path,
        "xl/workbook.xml",
        lambda xml: re.sub(r"(<sheet [^>]*/>)(<sheet [^>]*/>)", r"\2\1", xml),
    )
    report = problems(path)
    # the formula first, then the sheet's having no table while 数据 has one
    named = report["rule"].str.contains("sheet '备注', cell A1")
    assert named.tolist() == [True, False]
    assert report["rule"].iloc[1] == (
        "first_sheet: the data must be on the first sheet; the first sheet '备注' "
        "has no header, the data seem to be on sheet 2, '数据': move it to the "
        "front (or delete the sheets before it)"
    )


def a1_apart(tmp_path):
    """The tiny dataset with indicator a1's rows taken out of the CSV (for a test to
    write as a workbook): the folder and those rows, as lists."""
    data = write_dataset(tmp_path / "d", TINY_UNITS, TINY_ROWS)
    rows = [list(r) for r in TINY_ROWS if r[2] == "a1"]
    (data / "observations" / "office.csv").write_text(
        pd.DataFrame([r for r in TINY_ROWS if r[2] != "a1"], columns=HEADER).to_csv(
            index=False
        ),
        encoding="utf-8",
    )
    return data, rows


def test_validate_names_the_cells_and_counts_nothing_as_missing(tmp_path):
    data, rows = a1_apart(tmp_path)
    rows[0][3] = ("error", "#DIV/0!")
    rows[5][3] = "=SUM(D2:D5)"
    workbook(data / "observations" / "a1.xlsx", rows)
    catalogue = tmp_path / "tiny.yaml"
    catalogue.write_text(yaml.safe_dump(TINY, allow_unicode=True), encoding="utf-8")
    report = tmp_path / "report.csv"
    result = CliRunner().invoke(
        app,
        ["validate", str(data), "-c", str(catalogue), "--report", str(report),
         "--lang", "en"],
    )  # fmt: skip
    assert result.exit_code == 1
    found = pd.read_csv(report, encoding="utf-8-sig", dtype=str)
    assert found[["file", "row", "column", "value"]].values.tolist() == [
        ["observations/a1.xlsx", "2", "value", "#DIV/0!"],
        ["observations/a1.xlsx", "7", "value", "'=SUM(D2:D5)"],  # made inert in CSV
    ]
    assert found["rule"].str.startswith(("excel_error", "excel_formula")).all()
    # the same workbook with the values typed in is valid
    rows[0][3], rows[5][3] = 80, 60
    workbook(data / "observations" / "a1.xlsx", rows)
    ok = CliRunner().invoke(app, ["validate", str(data), "-c", str(catalogue)])
    assert ok.exit_code == 0, ok.output


def test_a_value_typed_as_a_percentage_is_a_problem_not_a_fraction(tmp_path):
    """A clerk typing 98.5% makes Excel store 0.985 in a percent-formatted cell;
    read as is, a 98.5 % rate would pass as 0.985 %. Built-in 0.00% (format 10) and
    a custom 0.0% both count; a percent format on an id column or a plain value
    cell does not."""
    path = workbook(
        tmp_path / "office.xlsx",
        [["U1", "2025-Q1", "a1", 0.985], ["U2", "2025-Q1", "a1", 0.5],
         ["U3", "2025-Q1", "a1", 97.2], ["U1", "2025-Q2", "a1", 80.7 / 100]],
    )  # fmt: skip
    book = openpyxl.load_workbook(path)
    sheet = book.active
    sheet["D2"].number_format = "0.00%"
    sheet["D3"].number_format = "0.0%"
    sheet["A4"].number_format = "0%"  # not the value column
    sheet["D5"].number_format = "0.0%"  # stored 0.8070000000000001: said 0.807
    book.save(path)
    report = problems(path)
    assert report[["row", "column", "value"]].values.tolist() == [
        [2, "value", "0.985"],
        [3, "value", "0.5"],
        [5, "value", "0.807"],
    ]
    assert (report["rule"].str.split(":").str[0] == "excel_percent").all()
    assert "实际存的是0.985，不是98.5%" in report["rule_zh"][0]
    assert "stores 0.5, not 50%" in report["rule"][1]
    plain = workbook(tmp_path / "plain.xlsx", [["U1", "2025-Q1", "a1", 98.5]])
    assert read_table(plain)[0]["value"].tolist() == ["98.5"]  # no style: as is


def test_a_workbook_with_a_bad_cell_is_read_and_the_cell_said_at_validation(tmp_path):
    """Reading (evaluation status, the intake notebook) keeps the workbook: its rows
    count as sent, the cell's problem waits in ``Dataset.cells``, and validation
    (scoring too) refuses the dataset with it at the head of the file's problems."""
    folder = write_dataset(tmp_path / "tiny", TINY_UNITS, TINY_ROWS[1:])
    unit, period, indicator, _ = TINY_ROWS[0]  # its row sent late, in a workbook
    workbook(folder / "observations" / "late.xlsx",
             [[unit, period, indicator, ("error", "#REF!")]])  # fmt: skip
    for skip in (False, True):
        data = ev.load_dataset(folder, skip_unreadable=skip)
        assert data.unread.empty and len(data.observations) == len(TINY_ROWS)
        assert data.cells[["file", "row", "column", "value"]].values.tolist() == [
            ["observations/late.xlsx", 2, "value", "#REF!"]
        ]
    catalogue = ev.parse_catalogue(yaml.safe_load(yaml.dump(TINY)))
    report = ev.check_dataset(data, catalogue)
    assert report["rule"].str.split(":").str[0].tolist() == ["excel_error"]
    with pytest.raises(ev.ValidationFailed, match="late.xlsx"):
        ev.run(catalogue, ev.load_dataset(folder), period="2025", run_at="t")


def test_a_bad_cell_and_the_files_other_problems_are_said_in_one_round(tmp_path):
    """The clerk corrects the workbook once: a percentage, an error in an id cell
    and an unknown unit code are reported together by `evaluation validate`, the
    error cell once (as an error, not also as a missing unit code)."""
    data = tmp_path / "data"
    write_dataset(data, TINY_UNITS, [r for r in TINY_ROWS if r[2] != "a1"],
                  name="office.csv")  # fmt: skip
    rows = [list(r) for r in TINY_ROWS if r[2] == "a1"]
    rows[1][3] = 0.8  # typed 80%
    rows[2][0] = "U9"  # no such unit
    rows[3][0] = ("error", "#N/A")  # a look-up that failed, in the unit code
    path = workbook(data / "observations" / "a1.xlsx", rows)
    book = openpyxl.load_workbook(path)
    book.active["D3"].number_format = "0%"
    book.save(path)
    catalogue = tmp_path / "tiny.yaml"
    catalogue.write_text(yaml.safe_dump(TINY, allow_unicode=True), encoding="utf-8")
    report = tmp_path / "report.csv"
    result = CliRunner().invoke(
        app, ["validate", str(data), "-c", str(catalogue), "--report", str(report)]
    )
    assert result.exit_code == 1
    found = pd.read_csv(report, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    mine = found[found.iloc[:, 0] == "observations/a1.xlsx"]
    assert mine.iloc[:, 1:4].values.tolist() == [
        ["3", "指标值（value）", "0.8"],
        ["4", "单位代码（unit_id）", "U9"],
        ["5", "单位代码（unit_id）", "#N/A"],
    ]
    assert "百分比格式" in mine.iloc[0, 4] and "不在单位名单" in mine.iloc[1, 4]
    assert mine.iloc[2, 4] == (  # a code, not a number: no "type the number"
        "单元格是Excel错误值（工作表“报送数据”，单元格A5），不是单位代码：请改正公式，"
        "或直接填写单位代码"
    )


def test_an_error_in_a_unit_code_is_said_once_not_also_as_a_missing_row(tmp_path):
    """A look-up that failed (#N/A) in U2's 2025-Q3 a1 row: the row is there, its
    code is the error, said once (docs/data-format.md: a cell's own problem is its
    only one), not also "no row for U2 / 2025-Q3 / a1". An unknown code (U9) is a
    value, maybe another unit's row: the missing row is said after it, as the doc's
    completeness says. Two rows missing for one error row: which is which cannot
    be told, both said."""
    catalogue = tmp_path / "tiny.yaml"
    catalogue.write_text(yaml.safe_dump(TINY, allow_unicode=True), encoding="utf-8")
    files = "observations/a1.xlsx, observations/office.csv"  # the agency's files

    def report(edit, name):
        data, rows = a1_apart(tmp_path / name)
        assert rows[6][:3] == ["U2", "2025-Q3", "a1"]  # line 8 of the workbook
        workbook(data / "observations" / "a1.xlsx", edit(rows))
        code, found = validate(data, catalogue, tmp_path / name)
        assert code == 1
        return found.iloc[:, :4].values.tolist()

    def error(rows):
        rows[6][0] = ("error", "#N/A")
        return rows

    assert report(error, "error") == [
        ["observations/a1.xlsx", "8", "单位代码（unit_id）", "#N/A"]
    ]

    def unknown(rows):
        rows[6][0] = "U9"
        return rows

    assert report(unknown, "unknown") == [
        ["observations/a1.xlsx", "8", "单位代码（unit_id）", "U9"],
        [files, "", KEY_ZH, "U2 / 2025-Q3 / a1"],
    ]

    def two_missing(rows):  # U3's 2025-Q3 row left out as well
        return [r for r in error(rows) if r[:2] != ["U3", "2025-Q3"]]

    assert report(two_missing, "two") == [
        ["observations/a1.xlsx", "8", "单位代码（unit_id）", "#N/A"],
        [files, "", KEY_ZH, "U2 / 2025-Q3 / a1"],
        [files, "", KEY_ZH, "U3 / 2025-Q3 / a1"],
    ]


def test_a_rebuild_refuses_a_workbook_cell_the_original_run_missed(
    tmp_path, monkeypatch
):
    """A run recorded before the cells were checked (simulated: the check off)
    scored an error cell as a missing value; rebuilding it now refuses the cell
    instead of reproducing the score."""
    import evaluation.intake.io as io

    folder = write_dataset(tmp_path / "tiny", TINY_UNITS, TINY_ROWS[1:])
    unit, period, indicator, _ = TINY_ROWS[0]
    workbook(folder / "observations" / "late.xlsx",
             [[unit, period, indicator, ("error", "#DIV/0!")]])  # fmt: skip
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY, allow_unicode=True), encoding="utf-8")
    catalogue = ev.load_catalogue(path)
    with monkeypatch.context() as m:
        m.setattr(io, "_excel_cells", lambda *args: ([], []))
        old = ev.run(catalogue, ev.load_dataset(folder), period="2025", run_at="t")
    with pytest.raises(ev.ValidationFailed, match="excel_error"):
        ev.rebuild(old.provenance)


def dated_dataset(tmp_path, edit, epoch=None):
    """TINY with its a1 rows in ``a1.xlsx`` (a ``reported_at`` column of text
    2026-01-09), ``edit(sheet)`` applied as the clerk's Excel would; the catalogue."""
    data = write_dataset(
        tmp_path / "d", TINY_UNITS, [r for r in TINY_ROWS if r[2] != "a1"]
    )
    book = openpyxl.Workbook()
    if epoch is not None:
        book.epoch = epoch
    sheet = book.active
    sheet.title = "报送数据"
    sheet.append([*HEADER, "reported_at"])
    for unit, period, indicator, value in (r for r in TINY_ROWS if r[2] == "a1"):
        sheet.append([unit, period, indicator, float(value), "2026-01-09"])
    edit(sheet)
    book.save(data / "observations" / "a1.xlsx")
    catalogue = tmp_path / "tiny.yaml"
    catalogue.write_text(yaml.safe_dump(TINY, allow_unicode=True), encoding="utf-8")
    return data, catalogue


def validate(data, catalogue, tmp_path):
    """`evaluation validate --report` as the clerk runs it: exit code, report (zh)."""
    report = tmp_path / "report.csv"
    result = CliRunner().invoke(
        app, ["validate", str(data), "-c", str(catalogue), "--report", str(report)]
    )
    if result.exit_code == 0:
        return 0, None
    found = pd.read_csv(report, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    return result.exit_code, found


KEY_ZH = "单位代码（unit_id）、报告期（period）、指标代码（indicator_id）"


def date_cell(cell, when, number_format):
    cell.value, cell.number_format = when, number_format


@pytest.mark.parametrize("epoch", [None, CALENDAR_MAC_1904])
def test_dates_excel_made_of_typed_dates_are_read_as_the_days(tmp_path, epoch):
    """Excel turns a typed 2026-01-09 into a date, whatever the column's format
    (yyyy-mm-dd, the built-in m/d/yy, 2026年1月9日, in a 1904 workbook too): the
    file validates and each cell reads 2026-01-09, the day it shows."""
    import datetime as dt

    def edit(sheet):
        date_cell(sheet["E2"], dt.datetime(2026, 1, 9), "yyyy-mm-dd")
        date_cell(sheet["E3"], dt.date(2026, 1, 9), "mm-dd-yy")  # built-in 14
        date_cell(sheet["E4"], dt.datetime(2026, 1, 9), 'yyyy"年"m"月"d"日"')
        sheet.insert_rows(5)  # a blank row among the dates
        date_cell(sheet["E6"], dt.datetime(2026, 1, 10), "yyyy/m/d")

    data, catalogue = dated_dataset(tmp_path, edit, epoch)
    assert validate(data, catalogue, tmp_path)[0] == 0
    frame, _ = read_table(data / "observations" / "a1.xlsx")
    assert frame["reported_at"].tolist()[:5] == [
        "2026-01-09", "2026-01-09", "2026-01-09", "2026-01-10", "2026-01-09"
    ]  # fmt: skip
    assert frame["row"].tolist()[:5] == [2, 3, 4, 6, 7]


def test_a_date_in_the_chinese_builtin_format_is_read_as_the_day(tmp_path):
    """Chinese Excel saves 2026年1月9日 as its built-in format 31, which openpyxl
    does not know (it reads the number 45756): read as the day it shows."""
    import datetime as dt

    data, catalogue = dated_dataset(
        tmp_path, lambda s: date_cell(s["E2"], dt.datetime(2026, 1, 9), "yyyy-mm-dd")
    )
    path = data / "observations" / "a1.xlsx"
    rewrite(
        path,
        "xl/styles.xml",
        lambda xml: xml.replace('numFmtId="164"', 'numFmtId="31"'),
    )
    assert 'numFmtId="31"' in zipfile.ZipFile(path).read("xl/styles.xml").decode()
    assert validate(data, catalogue, tmp_path)[0] == 0
    assert read_table(path)[0]["reported_at"].iloc[0] == "2026-01-09"


def test_a_period_excel_turned_into_a_date_is_one_problem_with_its_fix(tmp_path):
    """A clerk types 2024-03 in 报告期 and Excel stores 1 March 2024: not read as
    some period, but said once, in Chinese, with the cell and what to do; the
    examples in the file's own year (its other rows are of 2025), not the date's."""
    import datetime as dt

    data, catalogue = dated_dataset(
        tmp_path, lambda s: date_cell(s["B3"], dt.datetime(2024, 3, 1), "yyyy/m/d")
    )
    code, found = validate(data, catalogue, tmp_path)
    assert code == 1
    assert found.iloc[:, :4].values.tolist() == [
        ["observations/a1.xlsx", "3", "报告期（period）", "2024-03-01"],
        # the row's own key (U1, 2025-Q2) is not there until the period is typed
        ["observations/a1.xlsx, observations/office.csv", "", KEY_ZH,
         "U1 / 2025-Q2 / a1"],  # the agency's files
    ]  # fmt: skip
    rule = found.iloc[0, 4]
    assert rule.startswith(
        "报告期被Excel自动转成了日期2024-03-01（工作表“报送数据”，单元格B3）"
    )
    assert "格式设为“文本”" in rule
    assert rule.endswith(
        "写作“2025-M03”（3月）、“2025-Q1”（第一季度）、“2025”（年度）这样的形式"
    )


def test_a_period_made_a_date_in_a_2025_file_is_told_in_2025(tmp_path):
    """Two rows of March 2025, one typed 2025-03 (Excel: 1 March 2025), one as a
    label: the examples are of 2025, in both languages; and in a sheet whose only
    period is the date, of the date's year, 2025 too."""
    import datetime as dt

    rows = [["U1", "2025-M03", "a1", 80], ["U2", None, "a1", 75]]
    path = workbook(tmp_path / "office.xlsx", rows)
    book = openpyxl.load_workbook(path)
    date_cell(book.active["B3"], dt.datetime(2025, 3, 1), "yyyy-mm")
    book.save(path)
    lone = workbook(tmp_path / "lone.xlsx", rows[1:])
    book = openpyxl.load_workbook(lone)
    date_cell(book.active["B2"], dt.datetime(2025, 3, 1), "yyyy-mm")
    book.save(lone)
    for file in (path, lone):
        report = problems(file)
        assert len(report) == 1
        zh, en = report["rule_zh"].iat[0], report["rule"].iat[0]
        assert zh.endswith(
            "写作“2025-M03”（3月）、“2025-Q1”（第一季度）、“2025”（年度）这样的形式"
        )
        assert en.endswith("type it again as 2025-M03 (March), 2025-Q1 or 2025")


def test_a_year_typed_as_a_number_in_a_date_cell_is_told_in_that_year(tmp_path):
    """A sheet of annual rows whose 报告期 cells are formatted as dates, the year
    typed as the number 2025 (Excel shows 1905-07-17, stores 2025): no period label
    to take the file's year from, so the examples are of the year typed, 2025, not
    of the date shown (1905); the period must be text. Both languages."""
    rows = [["U1", 2025, "b2", 70], ["U2", 2025, "b2", 80]]
    path = workbook(tmp_path / "office.xlsx", rows)
    book = openpyxl.load_workbook(path)
    for cell in ("B2", "B3"):
        book.active[cell].number_format = "yyyy-mm-dd"
    book.save(path)
    report = problems(path)
    assert report["value"].tolist() == ["1905-07-17", "1905-07-17"]
    assert report["rule_zh"].iat[0] == (
        "报告期填成了数字2025，单元格是日期格式，显示为日期1905-07-17"
        "（工作表“报送数据”，单元格B2）：报告期须为文本，请先将报告期一列的单元格"
        "格式设为“文本”，再重新填写，写作“2025”（年度）、“2025-Q1”（第一季度）、"
        "“2025-M01”（1月）这样的形式"
    )
    assert report["rule"].iat[1] == (
        "excel_date: the period was typed as the number 2025 in a cell formatted as "
        "a date, shown as 1905-07-17 (sheet '报送数据', cell B3); a period is text: "
        "set the period column's cells as Text, then type it again as 2025, 2025-Q1 "
        "or 2025-M01"
    )


def test_a_date_with_a_time_and_a_value_made_a_date_are_refused_by_name(tmp_path):
    """A 报送日期 with a time of day is not a day (which day did the clerk mean?);
    a value cell formatted as a date is no value: each said as what Excel did."""
    import datetime as dt

    def edit(sheet):
        date_cell(sheet["E2"], dt.datetime(2026, 1, 9, 14, 30), "yyyy-mm-dd h:mm")
        date_cell(sheet["D4"], dt.datetime(2025, 3, 1), "m/d")

    data, catalogue = dated_dataset(tmp_path, edit)
    code, found = validate(data, catalogue, tmp_path)
    assert code == 1
    assert found.iloc[:, :4].values.tolist() == [
        ["observations/a1.xlsx", "2", "报送日期（reported_at）", "2026-01-09 14:30:00"],
        ["observations/a1.xlsx", "4", "指标值（value）", "2025-03-01"],
    ]  # fmt: skip
    assert found.iloc[0, 4].startswith(
        "日期带有时刻2026-01-09 14:30:00（工作表“报送数据”，单元格E2）"
    )
    assert "只填日期" in found.iloc[0, 4]
    assert found.iloc[1, 4].startswith(
        "此格被Excel自动转成了日期2025-03-01（工作表“报送数据”，单元格D4），指标值不是日期"
    )
    en = problems(data / "observations" / "a1.xlsx")["rule"].str.split(":").str[0]
    assert en.tolist() == ["excel_datetime", "excel_date"]


def test_validate_counts_percent_cells_in_one_line_naming_the_first(tmp_path):
    """Three value cells formatted as percentages (each sentence names its cell):
    the count per file and rule is one line, 3处, with the first cell said, not a
    line per cell (394 lines for a column of them); the table lists each."""
    data, rows = a1_apart(tmp_path)
    path = workbook(data / "observations" / "a1.xlsx", rows)
    book = openpyxl.load_workbook(path)
    for cell, typed in (("D2", 0.8), ("D3", 0.9), ("D4", 0.85)):  # 80% … typed
        book.active[cell].value = typed
        book.active[cell].number_format = "0.0%"
    book.save(path)
    catalogue = tmp_path / "tiny.yaml"
    catalogue.write_text(yaml.safe_dump(TINY, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(data), "-c", str(catalogue)])
    assert result.exit_code == 1
    counted = [x for x in result.output.splitlines() if x.startswith("  observ")]
    assert counted == [
        "  observations/a1.xlsx：3处，首处：指标值单元格设成了百分比格式"
        "（工作表“报送数据”，单元格D2），实际存的是0.8，不是80%："
        "百分比请填写数字本身（如98.5），单元格格式设为“常规”或“数值”"
    ]
