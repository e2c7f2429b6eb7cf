"""报送日期 a report cannot have: a day still to come, or one before the period it
reports began (2025年3月的数据 dated 2025-02-10). A day inside its period is
allowed (seed 002 asks for the bi-monthly report before the even month ends and
the annual summary by the end of November); a late one is `evaluation status`'s
迟报, not a fault of the file. And Excel's date cells in the columns that are not
dates: said by name, never read as ``2024-03-01 00:00:00``.

The workbooks are written with openpyxl, dates set as ``datetime`` cells as Excel
stores a typed 2026-01-20; the expected days and names are worked out by hand.
"""

from __future__ import annotations

import copy
import datetime as dt
from zoneinfo import ZoneInfo

import openpyxl
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import evaluation as ev
from evaluation.cli import app
from evaluation.intake.io import read_table

from ..conftest import TINY, TINY_ROWS, TINY_UNITS, write_dataset

TODAY = "2026-01-15"
#: a day after every period of TINY (2025) began, before TODAY
SENT = "2026-01-10"


def dated_rows(**days) -> pd.DataFrame:
    """TINY's rows, each sent on SENT, except ``r<i>=day`` (row i of TINY_ROWS,
    file line i + 2)."""
    frame = pd.DataFrame(
        TINY_ROWS, columns=["unit_id", "period", "indicator_id", "value"]
    )
    frame["reported_at"] = SENT
    for key, day in days.items():
        frame.loc[int(key[1:]), "reported_at"] = day
    return frame


def problems(folder, today=TODAY, catalogue=None) -> pd.DataFrame:
    catalogue = catalogue or ev.parse_catalogue(copy.deepcopy(TINY), file="t.yaml")
    with pytest.raises(ev.ValidationFailed) as info:
        ev.validate_dataset(ev.load_dataset(folder), catalogue, today=today)
    return info.value.report


def test_a_day_to_come_and_a_day_before_the_period_are_refused(tmp_path):
    """TINY_ROWS[2] is U1 2025-Q3 a1 (line 4), [16] U2 2025-Q3 a2 (line 18), [24]
    U1 2025-H1 b1 (line 26), [30] U1 2025 b2 (line 32)."""
    rows = dated_rows(
        r2="2025-06-30",  # Q3 begins 1 July: a day too early
        r16="2026-01-16",  # the day after TODAY
        r24="2025-01-01",  # H1's first day: allowed
        r30="2024-12-31",  # the year 2025 begins 1 January 2025
        r5="2025-05-20",  # U2 2025-Q2, inside its quarter: allowed
        r6=TODAY,  # today itself: allowed
    )
    report = problems(write_dataset(tmp_path, TINY_UNITS, rows))
    assert report[["file", "row", "column", "value"]].values.tolist() == [
        ["observations/office.csv", 4, "reported_at", "2025-06-30"],
        ["observations/office.csv", 18, "reported_at", "2026-01-16"],
        ["observations/office.csv", 32, "reported_at", "2024-12-31"],
    ]
    assert report["rule_zh"].tolist() == [
        "报送日期2025年6月30日早于报告期2025年第三季度的第一天（2025年7月1日）："
        "报告期尚未开始，不可能已经报送，请核对报送日期和报告期",
        "报送日期2026年1月16日晚于今天（2026年1月15日）：不能填写将来的日期，"
        "请填写实际报送的日期，写作“2025-04-15”（年-月-日）这样的形式",
        "报送日期2024年12月31日早于报告期2025年度的第一天（2025年1月1日）："
        "报告期尚未开始，不可能已经报送，请核对报送日期和报告期",
    ]
    assert report["rule"].tolist() == [
        "date_before_period: reported_at 2025-06-30 is before the period 2025-Q3 "
        "began (2025-07-01); check the date and the period",
        "date_future: reported_at 2026-01-16 is after today (2026-01-15); give the "
        "day the report was sent, YYYY-MM-DD",
        "date_before_period: reported_at 2024-12-31 is before the period 2025 began "
        "(2025-01-01); check the date and the period",
    ]


def test_today_is_a_parameter_and_by_default_the_day_in_beijing(tmp_path):
    """The same file passes on the day after (the date is no longer to come); with
    no day given, "today" is the day in Beijing, whatever the machine's zone (a
    day after it is refused, and the message names it)."""
    folder = write_dataset(tmp_path, TINY_UNITS, dated_rows(r16="2026-01-16"))
    catalogue = ev.parse_catalogue(copy.deepcopy(TINY), file="t.yaml")
    valid = ev.validate_dataset(
        ev.load_dataset(folder), catalogue, today=dt.date(2026, 1, 16)
    )
    assert valid.observations["reported_at"].iloc[16] == "2026-01-16"
    beijing = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    tomorrow = beijing + dt.timedelta(days=1)
    folder = write_dataset(
        tmp_path / "b", TINY_UNITS, dated_rows(r16=tomorrow.isoformat())
    )
    with pytest.raises(ev.ValidationFailed) as info:
        ev.validate_dataset(ev.load_dataset(folder), catalogue)
    rule = info.value.report["rule_zh"].item()
    said = f"{beijing.year}年{beijing.month}月{beijing.day}日"
    assert f"晚于今天（{said}）" in rule


def test_a_date_that_is_no_date_is_said_once_by_its_format(tmp_path):
    """2025-02-30 and 2025/04/10 are ``date_format`` only; a period that is no
    label leaves its date unjudged (``period_format`` says the period)."""
    rows = dated_rows(r2="2025-02-30", r3="2025/04/10")
    rows.loc[4, ["period", "reported_at"]] = ["Q1 2025", "2024-01-01"]
    report = problems(write_dataset(tmp_path, TINY_UNITS, rows))
    dates = report[report["column"] == "reported_at"]
    assert dates["row"].tolist() == [4, 5]
    assert set(dates["rule"].str.split(":").str[0]) == {"date_format"}


# ---------------------------------------------------------------- the clerk's path
def workbook_dataset(tmp_path, cells: dict) -> tuple:
    """TINY with its a1 rows (lines 2–13: U1 Q1…Q4, U2 Q1…Q4, U3 Q1…Q4) in
    ``a1.xlsx``, 报送日期 (column E) as date cells at midnight, as Excel stores a
    typed 2026-01-10; ``cells``: ``{"E3": datetime, …}`` set on top, with a date
    format. The folder and the catalogue file."""
    data = write_dataset(
        tmp_path / "d", TINY_UNITS, [r for r in TINY_ROWS if r[2] != "a1"]
    )
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "报送数据"
    sheet.append(["单位代码", "报告期", "指标代码", "指标值", "报送日期"])
    for unit, period, indicator, value in (r for r in TINY_ROWS if r[2] == "a1"):
        sheet.append([unit, period, indicator, float(value), dt.datetime(2026, 1, 10)])
    for row in sheet.iter_rows(min_row=2, min_col=5, max_col=5):
        row[0].number_format = "yyyy-mm-dd"
    for ref, value in cells.items():
        sheet[ref].value = value
        if isinstance(value, dt.datetime):
            sheet[ref].number_format = "yyyy/m/d"
    book.save(data / "observations" / "a1.xlsx")
    catalogue = tmp_path / "tiny.yaml"
    catalogue.write_text(yaml.safe_dump(TINY, allow_unicode=True), encoding="utf-8")
    return data, catalogue


def validate(data, catalogue, tmp_path, *options):
    """`evaluation validate --report` as the office runs it: exit code, output and
    the report (zh unless ``--lang en``)."""
    report = tmp_path / "report.csv"
    result = CliRunner().invoke(
        app,
        ["validate", str(data), "-c", str(catalogue), "--report", str(report),
         *options],
    )  # fmt: skip
    if result.exit_code != 1:
        return result.exit_code, result.output, None
    found = pd.read_csv(report, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    return result.exit_code, result.output, found


def test_report_days_typed_as_excel_dates_are_checked_like_text(tmp_path):
    """E5 (U1 2025-Q4) dated 30 September 2025, before its quarter; E8 (U2 2025-Q3)
    dated the 16th, after the day of the check: each said in the report with the
    file, Excel row, column, the day as read (not 2025-09-30 00:00:00) and the
    rule in Chinese; the other date cells read as their days and pass."""
    data, catalogue = workbook_dataset(
        tmp_path, {"E5": dt.datetime(2025, 9, 30), "E8": dt.datetime(2026, 1, 16)}
    )
    code, output, found = validate(data, catalogue, tmp_path, "--today", TODAY)
    assert code == 1
    assert found.values.tolist() == [
        ["observations/a1.xlsx", "5", "报送日期（reported_at）", "2025-09-30",
         "报送日期2025年9月30日早于报告期2025年第四季度的第一天（2025年10月1日）："
         "报告期尚未开始，不可能已经报送，请核对报送日期和报告期"],
        ["observations/a1.xlsx", "8", "报送日期（reported_at）", "2026-01-16",
         "报送日期2026年1月16日晚于今天（2026年1月15日）：不能填写将来的日期，"
         "请填写实际报送的日期，写作“2025-04-15”（年-月-日）这样的形式"],
    ]  # fmt: skip
    assert "observations/a1.xlsx：1处" in output  # counted by rule and file
    frame, _ = read_table(data / "observations" / "a1.xlsx")
    assert frame["reported_at"].tolist()[:4] == [
        "2026-01-10", "2026-01-10", "2026-01-10", "2025-09-30"
    ]  # fmt: skip
    # the day after, the 16th is no longer to come
    code, _, found = validate(data, catalogue, tmp_path, "--today", "2026-01-16")
    assert code == 1 and found["行"].tolist() == ["5"]
    code, output, found = validate(
        data, catalogue, tmp_path, "--today", TODAY, "--lang", "en"
    )
    assert found["rule"].str.split(":").str[0].tolist() == [
        "date_before_period", "date_future"
    ]  # fmt: skip


def test_a_today_that_is_no_date_is_refused_before_anything_is_read(tmp_path):
    data, catalogue = workbook_dataset(tmp_path, {})
    code, output, _ = validate(data, catalogue, tmp_path, "--today", "2026/1/15")
    assert code == 2
    assert "--today 须为日期 YYYY-MM-DD，而不是“2026/1/15”" in output
    code, output, _ = validate(data, catalogue, tmp_path, "--today", TODAY)
    assert code == 0, output


def test_ids_excel_made_dates_are_said_with_their_fix(tmp_path):
    """A unit code and an indicator code stored as dates (an id typed like a date,
    a paste from a dated column): each refused by name, with its column, never read
    as ``2024-03-01 00:00:00``; the date cells of 报送日期 stay good."""
    data, catalogue = workbook_dataset(
        tmp_path, {"A2": dt.datetime(2024, 3, 1), "C3": dt.datetime(2025, 1, 2)}
    )
    code, _, found = validate(data, catalogue, tmp_path, "--today", TODAY)
    assert code == 1
    said = found[
        found["列"] != "单位代码（unit_id）、报告期（period）、指标代码（indicator_id）"
    ]
    assert said.iloc[:, :4].values.tolist() == [
        ["observations/a1.xlsx", "2", "单位代码（unit_id）", "2024-03-01"],
        ["observations/a1.xlsx", "3", "指标代码（indicator_id）", "2025-01-02"],
    ]
    assert said.iloc[0, 4] == (
        "此格被Excel自动转成了日期2024-03-01（工作表“报送数据”，单元格A2），"
        "单位代码不是日期：请先将该列单元格格式设为“文本”，再重新填写"
    )
    assert said.iloc[1, 4].startswith(
        "此格被Excel自动转成了日期2025-01-02（工作表“报送数据”，单元格C3），指标代码不是日期"
    )
    assert not found["值"].str.contains("00:00:00").any()


# ---------------------------------------------------------------------- events
def test_an_event_reported_before_its_period_and_a_note_made_a_date(tmp_path):
    """events.xlsx: an accident of 2025-M08 reported on 1 August is fine, one of
    2025-M09 reported on 31 August is refused; a description Excel made a date
    (8·12 typed) reads as the day it shows."""
    raw = copy.deepcopy(TINY)
    raw["events"] = [{"id": "accident", "name_zh": "事故", "name_en": "Accident"}]
    catalogue = ev.parse_catalogue(raw, file="t.yaml")
    folder = write_dataset(tmp_path, TINY_UNITS, dated_rows())
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["unit_id", "period", "event_id", "description", "reported_at"])
    sheet.append(["U1", "2025-M08", "accident", dt.datetime(2025, 8, 12), "2025-08-01"])
    sheet.append(["U2", "2025-M09", "accident", "仓库火灾", "2025-08-31"])
    sheet["D2"].number_format = "m/d"
    book.save(folder / "events.xlsx")
    frame, _ = read_table(folder / "events.xlsx")
    assert frame["description"].tolist() == ["2025-08-12", "仓库火灾"]
    report = problems(folder, catalogue=catalogue)
    assert report[["file", "row", "column", "value"]].values.tolist() == [
        ["events.xlsx", 3, "reported_at", "2025-08-31"]
    ]
    assert (
        report["rule_zh"]
        .item()
        .startswith("报送日期2025年8月31日早于报告期2025年9月的第一天（2025年9月1日）")
    )
