"""Submission templates (报送模板), as an agency's clerk and the analyst use them:
`evaluation template` writes the workbook, the clerk fills it in Excel (here:
openpyxl), the analyst puts it in observations/ and `evaluation validate` reads it.

Expected rows and due days are counted by hand from indicators.yaml (docs/data-
format.md §8): 市纪委监委 (supervision) reports seven monthly series (six indicators
and the context series approval_volume), one quarterly (rectification_closure_rate)
and one half-yearly (integrity_risk_control_rate); the sample city has 50 units;
quality.due_days: monthly 10, quarterly 15, half_year 15, annual 20 days.
"""

from __future__ import annotations

import copy
import shutil
import stat

import openpyxl
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from evaluation.cli import app

from ..conftest import ROOT, TINY, TINY_UNITS

runner = CliRunner()
SAMPLE = ROOT / "data" / "sample"
CATALOGUE = ROOT / "indicators.yaml"
SUPERVISION_MONTHLY = [
    "approval_on_time_rate",
    "approval_time_ratio",
    "complaint_handling_rate",
    "complaint_handling_days",
    "complaints_per_10k_services",
    "fault_findings",
    "approval_volume",
]
#: agency names as the catalogue gives them (renamed in 2018: read, not pinned)
AGENCY = {
    a["id"]: a["name_zh"]
    for a in yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))["agencies"]
}
HEADERS_ZH = ["单位代码", "单位名称", "报告期", "报告期名称", "指标代码", "指标名称",
              "计量单位", "指标值", "报送日期"]  # fmt: skip


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def template(tmp_path, agency, period, *more, name="t.xlsx"):
    out = tmp_path / name
    result = invoke(
        "template", agency, "--period", period, "--data", SAMPLE,
        "--catalogue", CATALOGUE, "--out", out, *more,
    )  # fmt: skip
    return result, out


def rows_of(path):
    sheet = openpyxl.load_workbook(path).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    return pd.DataFrame(values[1:], columns=values[0])


@pytest.fixture(scope="module")
def march(tmp_path_factory):
    """市纪委监委's template for March 2025, written once through the CLI."""
    result, out = template(tmp_path_factory.mktemp("march"), "supervision", "2025-M03")
    assert result.exit_code == 0, result.output
    return out


def test_march_lists_every_unit_for_the_monthly_and_quarterly_series(march):
    frame = rows_of(march)
    units = pd.read_csv(SAMPLE / "units.csv", encoding="utf-8-sig")
    assert list(frame.columns) == HEADERS_ZH
    # 7 monthly series for 2025-M03, the quarterly one for 2025-Q1 (March ends it);
    # the half-yearly one is not due until June
    owed = {(s, "2025-M03") for s in SUPERVISION_MONTHLY} | {
        ("rectification_closure_rate", "2025-Q1")
    }
    assert set(zip(frame["指标代码"], frame["报告期"], strict=True)) == owed
    # the clerk reads the period by its name beside the code validate reads
    names = {"2025-M03": "2025年3月", "2025-Q1": "2025年第一季度"}
    assert (frame["报告期名称"] == frame["报告期"].map(names)).all()
    assert len(frame) == 8 * 50
    for _, rows in frame.groupby("指标代码"):
        assert rows["单位代码"].tolist() == units["unit_id"].tolist()
        assert rows["单位名称"].tolist() == units["name_zh"].tolist()
    first = frame.iloc[0]
    assert (first["指标代码"], first["指标名称"], first["计量单位"]) == (
        "approval_on_time_rate", "审批事项按时办结率", "%",
    )  # fmt: skip
    assert frame["指标值"].isna().all() and frame["报送日期"].isna().all()


def test_the_sheet_guards_ids_ranges_and_dates(march):
    book = openpyxl.load_workbook(march)
    assert book.sheetnames == ["报送数据", "填报说明"]
    sheet = book.worksheets[0]
    assert sheet.protection.sheet  # ids locked …
    assert sheet["A2"].protection.locked and sheet["D2"].protection.locked
    assert not sheet["H2"].protection.locked  # … the value and the date open
    assert not sheet["I2"].protection.locked and sheet["I2"].number_format == "@"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:I401"
    rules = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    # indicators in catalogue order, then the context series: approval_on_time_rate
    # rows 2–51, % in [0, 100]; approval_time_ratio [0, 5]; the quarterly
    # rectification_closure_rate, the last indicator (rows 302–351), [0, 100]
    # (the counts take whole numbers: the next test)
    expected = {
        "H2:H51": (0, 100),
        "H52:H101": (0, 5),
        "H302:H351": (0, 100),
    }
    for cells, (low, high) in expected.items():
        rule = rules[cells]
        assert rule.type == "decimal" and rule.operator in (None, "between")
        assert (float(rule.formula1), float(rule.formula2)) == (low, high)
        assert rule.allow_blank and rule.showErrorMessage
    assert rules["I2:I401"].type == "textLength"


def test_a_count_takes_whole_numbers_and_its_prompt_says_so(march):
    """fault_findings (件, rows 252–301) and the context series approval_volume (件,
    rows 352–401) count things: Excel's whole-number validation, so 1.5 cannot be
    typed; a mean of days (工作日) and a rate per 10,000 (件/万件) keep decimals."""
    sheet = openpyxl.load_workbook(march).worksheets[0]
    rules = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    for cells, (low, high) in {
        "H252:H301": (0, 100),
        "H352:H401": (0, 1_000_000),
    }.items():
        rule = rules[cells]
        assert rule.type == "whole" and rule.operator in (None, "between")
        assert (int(rule.formula1), int(rule.formula2)) == (low, high)
    assert (
        rules["H252:H301"].prompt
        == "过错责任追究件数：0～100（件），填写整数；没有数据的留空。"
    )
    assert rules["H252:H301"].error == (
        "过错责任追究件数应填写0～100（件）之间的整数，或者留空。"
    )
    assert rules["H152:H201"].type == "decimal"  # complaint_handling_days
    assert rules["H202:H251"].type == "decimal"  # complaints_per_10k_services


def test_the_instructions_say_units_ranges_and_due_days_in_chinese(march):
    sheet = openpyxl.load_workbook(march)["填报说明"]
    text = [[c for c in row if c] for row in sheet.iter_rows(values_only=True)]
    lines = [row[0] for row in text if len(row) == 1]
    # the periods its rows are of: March's monthly reports and the first quarter's
    assert lines[0] == (
        f"{AGENCY['supervision']}2025年3月、2025年第一季度指标数据报送模板"
    )
    assert any("50个单位、8项指标，共400行" in line for line in lines)
    assert any("留空" in line and "N/A" in line for line in lines)  # missing = empty
    table = {row[0]: row for row in text if len(row) == 7}
    # March ends on the 31st: monthly due 10 days later, quarterly 15
    assert table["approval_on_time_rate"][2:] == [
        "月度", "2025年3月", "%", "0～100", "2025年4月10日前（报告期结束后10日内）",
    ]  # fmt: skip
    assert table["rectification_closure_rate"][2:] == [
        "季度", "2025年第一季度", "%", "0～100",
        "2025年4月15日前（报告期结束后15日内）",
    ]  # fmt: skip
    assert table["approval_volume"][4:6] == ["件", "0～1000000"]
    assert "联系" not in "".join(map(str, sum(text, [])))  # no contact invented


def fill(path, out, value=lambda row: 50, reported="2025-04-08"):
    """Fill a template as a clerk does: a value in every row, the date as text."""
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    for r in range(2, sheet.max_row + 1):
        sheet.cell(r, 8).value = value(r)
        sheet.cell(r, 9).value = reported
    book.save(out)


def sample_without(tmp_path, agency_file, drop):
    """A copy of the sample with the rows ``drop(line)`` says taken out of one file
    (kept in its encoding)."""
    copy_ = tmp_path / "sample"
    shutil.copytree(SAMPLE, copy_)
    path = copy_ / "observations" / agency_file
    encoding = "gb18030" if agency_file == "supervision.csv" else "utf-8-sig"
    lines = path.read_bytes().decode(encoding).splitlines(keepends=True)
    kept = [lines[0], *(line for line in lines[1:] if not drop(line))]
    assert len(kept) < len(lines)
    path.write_bytes("".join(kept).encode(encoding))
    return copy_


def supervision_march(line):
    return ",2025-M03," in line or ",2025-Q1,rectification_closure_rate," in line


def test_a_filled_template_passes_validate_in_place_of_the_agencys_rows(
    march, tmp_path
):
    data = sample_without(tmp_path, "supervision.csv", supervision_march)
    # values within every series' range: 0.5 (approval_time_ratio ≤ 5), else 50
    fill(march, data / "observations" / "supervision_2025-M03.xlsx",
         value=lambda r: 0.5 if 52 <= r <= 101 else 50)  # fmt: skip
    result = invoke("validate", data, "--catalogue", CATALOGUE)
    assert result.exit_code == 0, result.output
    assert "supervision_2025-M03.xlsx：400行" in result.output
    # and without the template, the rows are missing (the test can fail)
    (data / "observations" / "supervision_2025-M03.xlsx").unlink()
    assert invoke("validate", data, "--catalogue", CATALOGUE).exit_code == 1


def test_a_value_out_of_range_is_named_with_file_row_column_and_rule(march, tmp_path):
    data = sample_without(tmp_path, "supervision.csv", supervision_march)
    name = "supervision_2025-M03.xlsx"
    # row 60 is approval_time_ratio (rows 52–101), valid [0, 5]: 7.5 is out
    fill(march, data / "observations" / name,
         value=lambda r: 7.5 if r == 60 else 0.5 if 52 <= r <= 101 else 50)  # fmt: skip
    report = tmp_path / "report.csv"
    result = invoke(
        "validate", data, "--catalogue", CATALOGUE, "--report", report, "--lang", "en"
    )
    assert result.exit_code == 1
    problems = pd.read_csv(report, encoding="utf-8-sig", dtype=str)
    assert len(problems) == 1
    got = problems.iloc[0]
    assert got["file"] == f"observations/{name}" and got["row"] == "60"
    assert got["column"] == "value" and float(got["value"]) == 7.5
    assert got["rule"].startswith("valid_range[approval_time_ratio]")


def test_what_is_due_follows_the_period(tmp_path):
    # June ends the first half-year: the half-yearly series joins (9 series)
    result, out = template(tmp_path, "supervision", "2025-M06", name="june.xlsx")
    assert result.exit_code == 0, result.output
    june = rows_of(out)
    assert len(june) == 9 * 50
    assert set(
        june.loc[june["指标代码"] == "integrity_risk_control_rate", "报告期"]
    ) == {"2025-H1"}
    # a quarter: each of its months for the monthly series, the quarter once
    result, out = template(tmp_path, "supervision", "2025-Q1", name="q1.xlsx")
    quarter = rows_of(out)
    periods = quarter.loc[quarter["指标代码"] == "fault_findings", "报告期"]
    assert sorted(set(periods)) == ["2025-M01", "2025-M02", "2025-M03"]
    assert len(quarter) == (7 * 3 + 1) * 50
    # 市审计局 reports annually: its template is for December / the year
    result, out = template(tmp_path, "audit", "2025", name="audit.xlsx")
    assert result.exit_code == 0, result.output
    audit = rows_of(out)
    assert set(audit["报告期"]) == {"2025"} and len(audit) == 2 * 50


def test_the_title_names_the_periods_the_rows_are_of_not_the_month_asked(tmp_path):
    """市财政局 reports quarterly (and half-yearly): asked for 2025-M03, every row is
    of 2025-Q1, so the sheet, its note and the command's message say 2025年第一季度,
    not 2025年3月; a quarter asked of monthly series says its months from first to
    last beside the quarter; English the labels."""

    def said(agency, period, *more):
        result, out = template(tmp_path, agency, period, *more, name=f"{period}.xlsx")
        assert result.exit_code == 0, result.output
        book = openpyxl.load_workbook(out)
        help_ = book.worksheets[1]
        lines = [r[0] for r in help_.iter_rows(values_only=True) if r[0]][:3]
        return book.properties.title, lines, " ".join(result.output.split())

    title, lines, output = said("finance", "2025-M03")
    assert set(rows_of(tmp_path / "2025-M03.xlsx")["报告期"]) == {"2025-Q1"}
    name = AGENCY["finance"]
    assert title == lines[0] == f"{name}2025年第一季度指标数据报送模板"
    assert f"列出{name}2025年第一季度应报送的全部数据" in lines[2]
    assert f"{name}2025年第一季度，50个单位、2项指标，共100行待填写" in output
    assert "2025年3月" not in title + "".join(lines) + output
    title, _, output = said("supervision", "2025-Q1")
    sup = AGENCY["supervision"]
    assert title == f"{sup}2025年1月至2025年3月、2025年第一季度指标数据报送模板"
    _, lines, output = said("finance", "2025-M12", "--lang", "en")
    agencies = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))["agencies"]
    name_en = next(a["name_en"] for a in agencies if a["id"] == "finance")
    assert lines[0] == f"{name_en}: data submission template, 2025-Q4, 2025-H2"


def test_unknown_agency_or_period_is_refused_naming_the_known_ones(tmp_path):
    result, out = template(tmp_path, "police", "2025-M03")
    assert result.exit_code == 1 and not out.exists()
    assert "police" in result.output
    assert f"supervision（{AGENCY['supervision']}）" in result.output
    assert f"finance（{AGENCY['finance']}）" in result.output
    result, out = template(tmp_path, "finance", "2025-13")
    assert result.exit_code == 1 and not out.exists()
    assert "2025-M03" in result.output and "2025-Q1" in result.output
    # 市审计局 in March: nothing due; says when something is
    result, out = template(tmp_path, "audit", "2025-M03", "--lang", "en")
    assert result.exit_code == 1 and not out.exists()
    assert "annual" in result.output and "2025-M12" in result.output
    # in Chinese, plainly: the audit bureau reports once a year, for December;
    # the inspection office (bimonthly and quarterly) in January owes nothing, and
    # reports for periods ending in February, March, April, June and on (the next
    # of them the example)
    result, out = template(tmp_path, "audit", "2025-M03")
    assert result.exit_code == 1 and not out.exists()
    assert (
        f"{AGENCY['audit']}在2025年3月没有应报送的数据（其指标按年度报送）。"
        "2025年只有截止于12月的报告期有应报数据，如“2025-M12”。"
    ) in result.output
    result, out = template(tmp_path, "inspection", "2025-M01")
    assert result.exit_code == 1 and not out.exists()
    assert (
        "2025年只有截止于2月、3月、4月、6月、8月、9月、10月、12月的报告期有应报数据，"
        "如“2025-M02”。"
    ) in result.output
    result, out = template(tmp_path, "finance", "2025-M03", name="bad.csv")
    assert result.exit_code == 2 and not out.exists()


def test_the_workbook_is_readable_by_colleagues(march):
    assert stat.S_IMODE(march.stat().st_mode) & 0o044 == 0o044


def test_english_headers_are_the_column_names(tmp_path):
    result, out = template(tmp_path, "finance", "2025-M03", "--lang", "en")
    assert result.exit_code == 0, result.output
    frame = rows_of(out)
    assert list(frame.columns) == [
        "unit_id", "name_zh", "period", "period_name", "indicator_id",
        "indicator_name", "unit_of_measure", "value", "reported_at",
    ]  # fmt: skip
    # finance: budget_execution_rate and cost_per_service_item are quarterly
    assert set(frame["indicator_id"]) == {
        "budget_execution_rate",
        "cost_per_service_item",
    }
    assert openpyxl.load_workbook(out).sheetnames == ["Data", "Instructions"]


def test_graded_series_get_a_list_and_read_back_as_points(tmp_path):
    raw = copy.deepcopy(TINY)
    raw["indicators"][3].update(  # b2, annual: grades A/B/C
        categories={"A": 100, "B": 75, "C": 50}, normalisation={"method": "ordinal"}
    )
    catalogue = tmp_path / "tiny.yaml"
    catalogue.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    data = tmp_path / "data"
    (data / "observations").mkdir(parents=True)
    TINY_UNITS.to_csv(data / "units.csv", index=False, encoding="utf-8-sig")
    out = data / "observations" / "office.xlsx"
    result = invoke("template", "office", "--period", "2025", "--data", data,
                    "--catalogue", catalogue, "--out", out)  # fmt: skip
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out).worksheets[0]
    ids = [c.value for c in sheet["D"][1:]]
    # a1, a2 quarterly (4 each), b1 half-yearly (2), b2 annual: × 3 units
    assert len(ids) == (4 + 4 + 2 + 1) * 3
    lists = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert [(str(v.sqref), v.formula1) for v in lists] == [("H32:H34", '"A,B,C"')]
    # the whole year's template, sent after the year ended (a report dated before
    # its period began is refused: date_before_period)
    fill(out, out, value=lambda r: "B" if r >= 32 else 30, reported="2026-01-08")
    result = invoke("validate", data, "--catalogue", catalogue)
    assert result.exit_code == 0, result.output
    fill(
        out,
        out,
        value=lambda r: "E" if r == 33 else ("B" if r >= 32 else 30),
        reported="2026-01-08",
    )
    result = invoke("validate", data, "--catalogue", catalogue, "--lang", "en")
    assert result.exit_code == 1 and "category[b2]" in result.output


def test_a_units_file_that_is_not_there_or_not_valid_is_refused(tmp_path):
    out = tmp_path / "t.xlsx"
    args = ["template", "finance", "--period", "2025-Q1", "--out", out, "-c", CATALOGUE]
    result = invoke(*args, "--data", tmp_path / "nowhere")
    assert result.exit_code == 1 and "找不到数据文件夹" in result.output
    bad = tmp_path / "bad"
    bad.mkdir()
    units = TINY_UNITS.assign(peer_group="economic")
    units.loc[1, "unit_id"] = "U 2"  # a space: not an id
    units.to_csv(bad / "units.csv", index=False, encoding="utf-8-sig")
    result = invoke(*args, "--data", bad, "--lang", "en")
    assert result.exit_code == 1 and "id_format" in result.output
    assert not out.exists()
