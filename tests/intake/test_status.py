"""Who has submitted (报送情况), and which absences validation lets through.

The tiny catalogue (one agency, ``office``: a1, a2 quarterly, b1 half-yearly, b2
annual; three units) with rows taken out; expected tables written out by hand.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

import evaluation as ev
from evaluation.cli import app
from evaluation.intake.status import (
    absent_submissions,
    agency_status,
    due_day,
    due_labels,
    status,
    status_lines,
    unread_by_agency,
)
from evaluation.publish.store import Store, load_result, save_result
from evaluation.result import Result

from ..conftest import ROOT, TINY_ROWS, TINY_UNITS, write_dataset


def without(rows, test):
    return [r for r in rows if not test(r)]


@pytest.fixture
def two_agencies(tiny_raw) -> ev.Catalogue:
    """The tiny catalogue with a2 (quarterly) reported by a second agency."""
    tiny_raw["agencies"].append(
        {"id": "finance", "name_zh": "财政局", "name_en": "Finance"}
    )
    tiny_raw["indicators"][1]["agency"] = "finance"
    return ev.parse_catalogue(tiny_raw, file="tiny.yaml")


def late_q4(tmp_path):
    """The office has sent nothing for 2025-Q4 yet (a1; its H2 and annual reports
    are in: it is late with the quarter only); finance sent a2 for Q4."""
    rows = without(TINY_ROWS, lambda r: r[1] == "2025-Q4" and r[2] == "a1")
    return write_dataset(tmp_path, TINY_UNITS, rows)


def test_the_reports_due_for_a_period_are_those_ending_in_it():
    assert due_labels("monthly", "2025-Q4") == ["2025-M10", "2025-M11", "2025-M12"]
    assert due_labels("bimonthly", "2025-Q4") == ["2025-B5", "2025-B6"]
    assert due_labels("quarterly", "2025-M12") == ["2025-Q4"]
    assert due_labels("quarterly", "2025-M11") == []
    assert due_labels("annual", "2025-H2") == ["2025"]
    assert due_labels("half_year", "2025") == ["2025-H1", "2025-H2"]


def test_a_due_day_is_the_catalogues_days_after_the_periods_last_day(tiny_catalogue):
    days = tiny_catalogue.quality.due_days  # monthly 10, quarterly 15, annual 20 …
    assert due_day("2025-Q1", tiny_catalogue) == pd.Timestamp(
        "2025-03-31"
    ) + pd.Timedelta(days=days["quarterly"])
    assert due_day("2024-M02", tiny_catalogue) == pd.Timestamp(
        "2024-02-29"
    ) + pd.Timedelta(days=days["monthly"])


def test_a_late_agency_is_let_through_and_listed(two_agencies, tmp_path):
    data = ev.validate_dataset(ev.load_dataset(late_q4(tmp_path)), two_agencies)
    got = data.absent[["agency", "period", "series_id", "n_units"]]
    assert got.values.tolist() == [["office", "2025-Q4", "a1", 3]]
    assert data.absent["files"].tolist() == ["observations/office.csv"]
    assert data.absent["trailing"].all()
    assert data.observations["period"].eq("2025-Q4").sum() == 3  # finance's a2


def test_strict_refuses_the_late_agency_with_one_problem_per_period(
    two_agencies, tmp_path
):
    with pytest.raises(ev.ValidationFailed) as info:
        ev.validate_dataset(
            ev.load_dataset(late_q4(tmp_path)), two_agencies, strict=True
        )
    report = info.value.report
    assert len(report) == 1
    row = report.iloc[0]
    assert (row["file"], row["column"], row["value"]) == (
        "observations/office.csv",
        "period",
        "2025-Q4",
    )
    assert row["rule"].startswith(
        "absent_submission: Office (office) sent no rows for 2025-Q4"
    )
    assert "1 series (a1) × 3 units" in row["rule"]
    assert row["rule_zh"].startswith(
        "办公室未报送2025年第四季度（2025-Q4）的数据（1项指标，3个单位）"
    )


def test_a_period_sent_by_nobody_before_later_ones_is_an_error_even_when_lenient(
    tiny_catalogue, tmp_path
):
    folder = write_dataset(
        tmp_path, TINY_UNITS, without(TINY_ROWS, lambda r: r[1] == "2025-Q2")
    )
    with pytest.raises(ev.ValidationFailed) as info:
        ev.validate_dataset(ev.load_dataset(folder), tiny_catalogue)
    report = info.value.report
    assert report["value"].tolist() == ["2025-Q2"]
    assert "not a late report" in report["rule"].iloc[0]


def test_a_unit_missing_from_a_submission_stays_a_completeness_problem(
    tiny_catalogue, tmp_path
):
    rows = without(TINY_ROWS, lambda r: r[0] == "U2" and r[1] == "2025-Q4")
    with pytest.raises(ev.ValidationFailed) as info:
        ev.validate_dataset(
            ev.load_dataset(write_dataset(tmp_path, TINY_UNITS, rows)), tiny_catalogue
        )
    report = info.value.report
    assert sorted(report["value"]) == ["U2 / 2025-Q4 / a1", "U2 / 2025-Q4 / a2"]
    assert report["rule"].str.startswith("completeness").all()


def test_the_run_scores_without_the_late_quarter_and_marks_it(two_agencies, tmp_path):
    data = ev.load_dataset(late_q4(tmp_path))
    result = ev.run(
        two_agencies, data, period="2025-Q4", run_at="2026-01-20T00:00:00+00:00"
    )
    assert result.absences[
        ["evaluation_period", "agency", "period", "series_id"]
    ].values.tolist() == [
        ["2025-Q4", "office", "2025-Q4", "a1"],
    ]
    assert result.absent_indicators("2025-Q4") == ["a1"]
    assert result.absent_indicators("2025-Q3") == []
    assert (result.league_table("2025-Q4")["n_absent"] == 1).all()
    assert (result.league_table("2025-Q3")["n_absent"] == 0).all()
    # a1 excludes a missing value: no a1 in Q4, the dimension rests on a2 alone
    prepared = result.prepared.set_index(["period", "unit_id", "indicator_id"])[
        "status"
    ]
    assert {str(prepared[("2025-Q4", u, "a1")]) for u in ["U1", "U2", "U3"]} == {
        "missing_excluded"
    }
    normalised = result.normalised.set_index(["period", "unit_id", "indicator_id"])[
        "score"
    ]
    scores = result.scores.set_index(["period", "unit_id", "node_id"])["score"]
    assert scores[("2025-Q4", "U1", "a")] == pytest.approx(
        normalised[("2025-Q4", "U1", "a2")]
    )
    # the table goes where the Result goes, and counts in its digest
    folder = save_result(result, tmp_path / "out" / "result")
    assert (folder / "absences.parquet").is_file()
    loaded = load_result(folder)
    assert loaded.absences.values.tolist() == result.absences.values.tolist()
    assert loaded.digest() == result.digest()


def test_the_annual_run_keeps_the_year_and_names_the_late_quarter(
    two_agencies, tmp_path
):
    data = ev.load_dataset(late_q4(tmp_path))
    result = ev.run(two_agencies, data, period="2025")
    assert set(result.absences["evaluation_period"]) == {"2025"}
    assert result.absent_indicators() == ["a1"]
    # a1 is a mean: U1's year is the mean of Q1–Q3 (80, 90, 70) by hand
    prepared = result.prepared.set_index(["period", "unit_id", "indicator_id"])
    assert prepared.loc[("2025", "U1", "a1"), "value"] == pytest.approx(80.0)
    assert prepared.loc[("2025", "U1", "a1"), "n_reported"] == 3
    assert result.composite["composite_score"].notna().all()


def test_strict_run_refuses(two_agencies, tiny_catalogue, tmp_path):
    with pytest.raises(ev.ValidationFailed):
        ev.run(
            two_agencies, ev.load_dataset(late_q4(tmp_path)), period="2025", strict=True
        )
    # one agency alone late with every quarterly series: the data's quarters end
    # at Q3, validation has nothing to say, the run of the year owes Q4
    only = write_dataset(
        tmp_path / "one", TINY_UNITS, without(TINY_ROWS, lambda r: r[1] == "2025-Q4")
    )
    data = ev.load_dataset(only)
    assert ev.validate_dataset(data, tiny_catalogue, strict=True).absent.empty
    assert ev.run(tiny_catalogue, data, period="2025").absent_indicators() == [
        "a1",
        "a2",
    ]
    with pytest.raises(ev.ValidationFailed) as info:
        ev.run(tiny_catalogue, data, period="2025", strict=True)
    assert info.value.report["value"].tolist() == ["2025-Q4"]


def test_one_indicator_left_out_for_a_late_agency_is_said_as_one(
    two_agencies, tiny_catalogue, tmp_path
):
    """The warning of a run without a late report counts the indicators left out
    singular for one: "1 indicator of the period is left out (…; its siblings'
    …)", not "1 indicators … are"; two, "2 indicators … are (…; their siblings'
    …)"; Chinese alike for both (本期1项指标不计分)."""
    from evaluation.intake.status import absence_warning

    one = ev.run(two_agencies, ev.load_dataset(late_q4(tmp_path)), period="2025")
    rows = without(TINY_ROWS, lambda r: r[1] == "2025-Q4")
    data = ev.load_dataset(write_dataset(tmp_path / "two", TINY_UNITS, rows))
    two = ev.run(tiny_catalogue, data, period="2025")
    said = [
        absence_warning(r.absences, r.catalogue, r.absent_indicators())
        for r in (one, two)
    ]
    assert said[0].en.startswith(
        "warning: not yet reported; 1 indicator of the period is left out (never "
        "scored 0; its siblings' weights renormalised), marked in the result"
    )
    assert said[1].en.startswith(
        "warning: not yet reported; 2 indicators of the period are left out (never "
        "scored 0; their siblings' weights renormalised), marked in the result"
    )
    assert "本期1项指标不计分（不记零分" in said[0].zh
    assert "本期2项指标不计分（不记零分" in said[1].zh


def test_an_agency_alone_in_its_frequency_is_found_late_by_the_run(tiny_raw, tmp_path):
    """b1 (half-yearly) is another agency's, the only half-yearly series: without
    its H2 report no half-year is missing from the data's own span, but the run of
    2025 owes it, and says so (strict refuses)."""
    tiny_raw["agencies"].append(
        {"id": "survey", "name_zh": "调查中心", "name_en": "Survey"}
    )
    tiny_raw["indicators"][2]["agency"] = "survey"
    catalogue = ev.parse_catalogue(tiny_raw, file="tiny.yaml")
    rows = without(TINY_ROWS, lambda r: r[1] == "2025-H2")
    data = ev.load_dataset(write_dataset(tmp_path, TINY_UNITS, rows))
    assert ev.validate_dataset(data, catalogue).absent.empty  # as far as the data go
    result = ev.run(catalogue, data, period="2025")
    assert result.absences[["agency", "period", "series_id"]].values.tolist() == [
        ["survey", "2025-H2", "b1"]
    ]
    assert result.absent_indicators() == ["b1"]
    with pytest.raises(ev.ValidationFailed) as info:
        ev.run(catalogue, data, period="2025", strict=True)
    assert info.value.report["value"].tolist() == ["2025-H2"]
    # the quarterly run owes no half-year: nothing to say
    assert ev.run(catalogue, data, period="2025-Q4").absences.empty


def test_absent_submissions_to_a_later_period_than_the_data(tiny_catalogue):
    obs = pd.DataFrame(
        TINY_ROWS, columns=["unit_id", "period", "indicator_id", "value"]
    )
    obs = obs[obs["period"] != "2025-Q4"].assign(source="office.csv")
    found = absent_submissions(
        obs, tiny_catalogue, TINY_UNITS["unit_id"], until="2026-Q1"
    )
    assert sorted(set(found["period"])) == ["2025-Q4", "2026-Q1"]  # H1 2026 not ended
    assert found["trailing"].all() and set(found["files"]) == {"office.csv"}


def test_a_complete_run_has_no_absences_and_its_files_and_digest_as_before(
    sample_result, tmp_path
):
    assert sample_result.absences.empty
    assert sample_result.tables() == Result.TABLES
    assert (sample_result.league_table()["n_absent"] == 0).all()
    folder = save_result(sample_result, tmp_path / "result")
    assert not (folder / "absences.parquet").exists()
    assert load_result(folder).digest() == sample_result.digest()


def test_a_stored_run_keeps_its_absences(two_agencies, tmp_path):
    from evaluation.publish.publication import Publication

    late = ev.run(two_agencies, ev.load_dataset(late_q4(tmp_path)), period="2025")
    full = ev.load_dataset(write_dataset(tmp_path / "full", TINY_UNITS, TINY_ROWS))
    with Publication(tmp_path / "store.duckdb") as s:
        late_id = s.add_run(late, by="analyst")
        full_id = s.add_run(ev.run(two_agencies, full, period="2025-Q4"), by="analyst")
    with Store(tmp_path / "store.duckdb") as s:
        back = s.result(late_id, viewer="analyst")
        assert back.absences.values.tolist() == late.absences.values.tolist()
        assert s.result(full_id, viewer="analyst").absences.empty


# ------------------------------------------------------------------ the status table
def test_status_counts_units_sent_empty_and_missing_and_the_days_late(
    tiny_catalogue,
):
    rows = pd.DataFrame(
        TINY_ROWS, columns=["unit_id", "period", "indicator_id", "value"]
    )
    rows["value"] = rows["value"].replace("", None)
    rows["reported_at"] = "2026-01-10"
    # a1: U3 sent nothing for Q4; a2: U1's Q4 report came on 30 January
    rows = rows[
        ~(
            (rows["unit_id"] == "U3")
            & (rows["period"] == "2025-Q4")
            & (rows["indicator_id"] == "a1")
        )
    ]
    rows.loc[
        (rows["unit_id"] == "U1")
        & (rows["period"] == "2025-Q4")
        & (rows["indicator_id"] == "a2"),
        "reported_at",
    ] = "2026-01-30"
    # b2 (annual): nothing at all
    rows = rows[rows["indicator_id"] != "b2"]
    table = status(rows, tiny_catalogue, TINY_UNITS, "2025-Q4", as_of="2026-02-05")
    got = table.set_index("series_id")
    assert got.index.tolist() == ["a1", "a2", "b1", "b2"]  # catalogue order
    assert got.loc["a1", ["n_sent", "n_absent", "status"]].tolist() == [
        2,
        1,
        "incomplete",
    ]
    # due 2025-12-31 + 15 days = 2026-01-15; sent 2026-01-30: 15 days late
    assert str(got.loc["a2", "due"].date()) == "2026-01-15"
    assert got.loc["a2", ["days_late", "status", "n_empty"]].tolist() == [15, "late", 1]
    assert got.loc["b1", ["period", "days_late", "status"]].tolist() == [
        "2025-H2",
        0,
        "on_time",
    ]
    # annual: due 2025-12-31 + 20 = 2026-01-20; by 5 February 16 days overdue
    assert got.loc["b2", ["period", "n_sent", "days_late", "status"]].tolist() == [
        "2025",
        0,
        16,
        "missing",
    ]
    early = status(rows, tiny_catalogue, TINY_UNITS, "2025-Q4", as_of="2026-01-18")
    assert early.set_index("series_id").loc["b2", "status"] == "not_due"
    office = agency_status(table).iloc[0]
    assert (
        office["agency"],
        office["status"],
        office["n_missing"],
        office["n_late"],
    ) == ("office", "partly_missing", 1, 1)  # it sent a1, a2 and b1


def test_status_lists_an_agency_that_sent_nothing(tiny_raw):
    tiny_raw["agencies"].append(
        {"id": "survey", "name_zh": "调查中心", "name_en": "Survey"}
    )
    tiny_raw["indicators"][3]["agency"] = "survey"  # b2, annual
    catalogue = ev.parse_catalogue(tiny_raw, file="tiny.yaml")
    rows = pd.DataFrame(
        TINY_ROWS, columns=["unit_id", "period", "indicator_id", "value"]
    )
    rows = rows[rows["indicator_id"] != "b2"]
    table = status(rows, catalogue, TINY_UNITS["unit_id"], "2025")
    survey = table[table["agency"] == "survey"]
    assert survey[
        ["series_id", "period", "n_units", "n_sent", "status"]
    ].values.tolist() == [["b2", "2025", 3, 0, "missing"]]
    # the office's year: 4 quarters of a1 and a2, 2 halves of b1; no dates sent
    office = table[table["agency"] == "office"]
    assert len(office) == 10 and set(office["status"]) <= {"undated", "partly_empty"}
    assert agency_status(table)["status"].tolist() == ["undated", "missing"]


def test_a_row_dated_after_as_of_had_not_been_sent_by_then(tiny_catalogue):
    """a2's Q4: U1's row dated 30 January, the others 10 January (due 15 January).
    On 18 January U1 had not sent (incomplete, the latest date the 10th, on time);
    on 5 February it had, 15 days late."""
    rows = pd.DataFrame(
        TINY_ROWS, columns=["unit_id", "period", "indicator_id", "value"]
    )
    rows["reported_at"] = "2026-01-10"
    u1_q4 = (rows["unit_id"] == "U1") & (rows["period"] == "2025-Q4")
    rows.loc[u1_q4 & (rows["indicator_id"] == "a2"), "reported_at"] = "2026-01-30"
    cols = ["n_sent", "n_absent", "reported_at", "days_late", "status"]
    early = status(rows, tiny_catalogue, TINY_UNITS, "2025-Q4", as_of="2026-01-18")
    got = early.set_index("series_id").loc["a2", cols].tolist()
    assert got == [2, 1, pd.Timestamp("2026-01-10"), 0, "incomplete"]
    later = status(rows, tiny_catalogue, TINY_UNITS, "2025-Q4", as_of="2026-02-05")
    got = later.set_index("series_id").loc["a2", cols].tolist()
    assert got == [3, 0, pd.Timestamp("2026-01-30"), 15, "late"]
    # every row dated after the day: not sent at all, not yet due (15 January)
    none = status(rows, tiny_catalogue, TINY_UNITS, "2025-Q4", as_of="2026-01-09")
    assert set(none["status"]) == {"not_due"} and (none["n_sent"] == 0).all()
    assert none["reported_at"].isna().all()


def test_an_agency_that_sent_some_months_of_a_quarter_is_partly_missing(tiny_raw):
    """a1 monthly: January sent on 5 February, February and March not by 20 April
    (due 10 March and 10 April: 41 and 10 days overdue); a2 for the quarter sent
    on 10 April (due 15 April). The office sent, so it is 部分未报送, with the
    months it owes, not 未报送."""
    tiny_raw["indicators"][0]["frequency"] = "monthly"
    catalogue = ev.parse_catalogue(tiny_raw, file="tiny.yaml")
    rows = pd.DataFrame(
        [(u, "2026-M01", "a1", "80", "2026-02-05") for u in ("U1", "U2", "U3")]
        + [(u, "2026-Q1", "a2", "1", "2026-04-10") for u in ("U1", "U2", "U3")],
        columns=["unit_id", "period", "indicator_id", "value", "reported_at"],
    )
    table = status(rows, catalogue, TINY_UNITS, "2026-Q1", as_of="2026-04-20")
    assert agency_status(table)["status"].tolist() == ["partly_missing"]
    assert status_lines(table, catalogue, "2026-Q1", as_of="2026-04-20") == [
        "2026年第一季度报送情况（截至2026年4月20日）：报送单位1个，其中部分未报送1个。",
        "  办公室：部分未报送（2026年2月：a1指标；2026年3月：a1指标；"
        "应报3个单位，已逾期41天）",
    ]


def test_an_agency_whose_only_file_cannot_be_read_is_said_to_have_sent_it(tiny_raw):
    """survey (b2, annual) sent observations/survey.csv, which could not be read:
    it sent, its file is named and to be resent; no days overdue are counted
    against it. A file named after no agency is no agency's."""
    tiny_raw["agencies"].append(
        {"id": "survey", "name_zh": "调查中心", "name_en": "Survey"}
    )
    tiny_raw["indicators"][3]["agency"] = "survey"
    catalogue = ev.parse_catalogue(tiny_raw, file="tiny.yaml")
    files = ["observations/survey.csv", "observations/notes.csv"]
    unread = unread_by_agency(files, catalogue)
    assert unread == {"survey": ["observations/survey.csv"]}
    assert unread_by_agency(["observations/调查中心2025年度.xlsx"], catalogue) == {
        "survey": ["observations/调查中心2025年度.xlsx"]
    }
    rows = pd.DataFrame(  # the office's rows undated
        [r for r in TINY_ROWS if r[2] != "b2"],
        columns=["unit_id", "period", "indicator_id", "value"],
    )
    table = status(rows, catalogue, TINY_UNITS, "2025", as_of="2026-02-05")
    lines = status_lines(table, catalogue, "2025", as_of="2026-02-05", unread=unread)
    assert lines[0] == (
        "2025年度报送情况（截至2026年2月5日）：报送单位2个，"
        "其中已报送（无报送日期）1个，文件无法读取1个。"
    )
    assert lines[2] == (
        "  调查中心：文件无法读取（已报送 observations/survey.csv，但无法读取，"
        "其中的数据未计入，请改正后重新报送；2025年度：b2指标；应报3个单位）"
    )


def test_an_unread_file_is_an_agencys_only_where_its_id_starts_a_word(tiny_raw):
    """legal (司法局) sent nothing; supervision's illegal_approvals.xlsx could not
    be read: "legal" inside "illegal" is not legal's id, so the file is
    supervision's alone and legal stays missing, not said to have sent it."""
    tiny_raw["agencies"] += [
        {"id": "legal", "name_zh": "司法局", "name_en": "Justice"},
        {"id": "supervision", "name_zh": "纪委监委", "name_en": "Supervision"},
    ]
    catalogue = ev.parse_catalogue(tiny_raw, file="tiny.yaml")
    files = [
        "observations/supervision_illegal_approvals.xlsx",
        "observations/2025legal.csv",  # a year before the id: still legal's
    ]
    assert unread_by_agency(files, catalogue) == {
        "supervision": ["observations/supervision_illegal_approvals.xlsx"],
        "legal": ["observations/2025legal.csv"],
    }


def test_an_id_within_a_longer_agencys_is_the_longer_agencys_alone(tiny_raw):
    """service_centre_2025.xlsx names the service centre, not also a "service"
    agency whose id is the start of the centre's; internal_audit.csv names internal
    audit, not also audit (whose id starts a word in it, after the "_"); a Chinese
    name within a longer one alike."""
    tiny_raw["agencies"] += [
        {"id": "service", "name_zh": "服务科", "name_en": "Service"},
        {"id": "service_centre", "name_zh": "政务服务中心", "name_en": "Centre"},
        {"id": "audit", "name_zh": "审计局", "name_en": "Audit"},
        {"id": "internal_audit", "name_zh": "内部审计局", "name_en": "Internal"},
    ]
    catalogue = ev.parse_catalogue(tiny_raw, file="tiny.yaml")
    files = [
        "observations/service_centre_2025.xlsx",
        "observations/internal_audit.csv",
        "observations/内部审计局2025.csv",
    ]
    assert unread_by_agency(files, catalogue) == {
        "service_centre": ["observations/service_centre_2025.xlsx"],
        "internal_audit": ["observations/internal_audit.csv",
                           "observations/内部审计局2025.csv"],
    }  # fmt: skip


def utf16_without_bom(path) -> None:
    """A report file that cannot be read (UTF-16 without a byte-order mark)."""
    path.write_bytes("unit_id,value\nD01,1\n".encode("utf-16-le"))


def _sample_copy(tmp_path):
    """A copy of the sample's folder, to break one file of."""
    data = tmp_path / "sample"
    shutil.copytree(ROOT / "data" / "sample", data)
    return data


def _december_status(data, *more):
    """``evaluation status`` of December 2025 on ``data`` as of 20 February 2026
    (``more``: options, e.g. ``--lang en``), as an office runs it: it must go on."""
    args = ["status", str(data), "-c", str(ROOT / "indicators.yaml")]
    done = CliRunner().invoke(
        app, [*args, "-p", "2025-M12", *more, "--as-of", "2026-02-20"]
    )
    assert done.exit_code == 0, done.output
    return done


def test_status_says_a_file_naming_two_agencies_and_one_naming_none(tmp_path):
    """``evaluation status`` on the sample without audit's and finance's files, and
    with two files that cannot be read: audit_finance.csv names both agencies,
    which of them sent it cannot be told: each is said to be named by it, neither
    to have sent it; 报表2025.csv names no agency: every agency stays as it is,
    and one line says such a file was found, rather than nothing."""
    data = _sample_copy(tmp_path)
    folder = data / "observations"
    (folder / "audit.csv").unlink()
    (folder / "finance.xlsx").unlink()
    utf16_without_bom(folder / "audit_finance.csv")
    utf16_without_bom(folder / "报表2025.csv")
    done = _december_status(data)
    lines = done.stdout.splitlines()
    assert lines[0] == (
        "2025年12月报送情况（截至2026年2月20日）：报送单位8个，"
        "其中按时报送6个，文件无法读取2个。"
    )
    shared = (
        "文件无法读取（文件 observations/audit_finance.csv 无法读取，其文件名同时指向"
        "市财政局、市审计局，不能确定是哪个单位报送的，其中的数据未计入，"
        "请核实后改正并重新报送；"
    )
    assert lines[2] == (
        f"  市财政局：{shared}2025年第四季度：预算执行率、单件服务事项行政成本；"
        "2025年下半年：行政运行经费占部门支出比重；应报50个单位）"
    )
    assert lines[3] == (
        f"  市审计局：{shared}2025年度：审计查出问题资金占比、“三公”经费增长率；"
        "应报50个单位）"
    )
    assert lines[-1] == (
        "另有1个报送文件无法读取，其文件名不含任何报送单位的代码或名称，"
        "不能确定是哪个单位报送的，未计入任何单位：observations/报表2025.csv；"
        "请查明报送单位，改正后重新报送"
    )
    assert len(lines) == 1 + 8 + 1
    en = _december_status(data, "--lang", "en")
    assert en.stdout.splitlines()[-1] == (
        "1 more report file cannot be read and names no agency (neither an id nor"
        " a Chinese name of one), so it is counted for none:"
        " observations/报表2025.csv; find who sent it, to correct and resend"
    )


def test_english_status_lines_count_one_file_and_several_and_list_with_and(tiny_raw):
    """In English, one file unread is said in the singular (1 more report file …
    names no agency, so it is counted for none; sent x.csv, which cannot be read:
    its rows), several in the plural (their rows … resend them), and the agencies
    a file's name points to are listed A and B, or A, B and C; the Chinese, which
    has no plural and lists with 、, is as before."""
    tiny_raw["agencies"] += [
        {"id": "finance", "name_zh": "财政局", "name_en": "Finance"},
        {"id": "survey", "name_zh": "调查中心", "name_en": "Survey"},
    ]
    tiny_raw["indicators"][1]["agency"] = "finance"  # a2, quarterly
    tiny_raw["indicators"][3]["agency"] = "survey"  # b2, annual
    catalogue = ev.parse_catalogue(tiny_raw, file="tiny.yaml")
    files = [
        "observations/finance.csv",  # finance's alone
        "observations/survey_h1.csv",  # survey's two
        "observations/survey_h2.csv",
        "observations/finance_survey.csv",  # two naming finance and survey
        "observations/survey_finance.csv",
        "observations/office_finance_survey.csv",  # one naming all three
    ]
    unread = unread_by_agency(files, catalogue)
    rows = pd.DataFrame(  # the office's a1 and b1, undated; nothing read of a2, b2
        [r for r in TINY_ROWS if r[2] in ("a1", "b1")],
        columns=["unit_id", "period", "indicator_id", "value"],
    )
    table = status(rows, catalogue, TINY_UNITS, "2025", as_of="2026-02-05")

    def lines(unclaimed, lang="en"):
        return status_lines(
            table, catalogue, "2025", lang=lang, as_of="2026-02-05",
            unread=unread, unclaimed=unclaimed,
        )  # fmt: skip

    both = (
        "observations/finance_survey.csv, observations/survey_finance.csv cannot be"
        " read, and their names point to Finance and Survey: which of them sent them"
        " cannot be told; their rows are not counted (check, correct and resend them)"
    )
    three = (
        "observations/office_finance_survey.csv cannot be read, and its name points"
        " to Office, Finance and Survey: which of them sent it cannot be told; its"
        " rows are not counted (check, correct and resend it)"
    )
    en = lines(["observations/报表.csv"])
    assert en[2] == (
        "  Finance: file unreadable (sent observations/finance.csv, which cannot be"
        " read: its rows are not counted (correct and resend it); "
        f"{both}; {three}; Q1 2025: Indicator a2; Q2 2025: Indicator a2;"
        " Q3 2025: Indicator a2; Q4 2025: Indicator a2; 3 units due)"
    )
    assert en[3] == (
        "  Survey: file unreadable (sent observations/survey_h1.csv,"
        " observations/survey_h2.csv, which cannot be read: their rows are not"
        f" counted (correct and resend them); {both}; {three}; 2025: Indicator b2;"
        " 3 units due)"
    )
    assert en[-1] == (
        "1 more report file cannot be read and names no agency (neither an id nor"
        " a Chinese name of one), so it is counted for none: observations/报表.csv;"
        " find who sent it, to correct and resend"
    )
    assert lines(["observations/报表.csv", "observations/x.csv"])[-1] == (
        "2 more report files cannot be read and name no agency (neither an id nor"
        " a Chinese name of one), so they are counted for none: observations/报表.csv,"
        " observations/x.csv; find who sent them, to correct and resend"
    )
    zh = lines(["observations/报表.csv"], lang="zh")
    assert zh[3] == (
        "  调查中心：文件无法读取（已报送 observations/survey_h1.csv、"
        "observations/survey_h2.csv，但无法读取，其中的数据未计入，请改正后重新报送；"
        "文件 observations/finance_survey.csv、observations/survey_finance.csv "
        "无法读取，其文件名同时指向财政局、调查中心，不能确定是哪个单位报送的，"
        "其中的数据未计入，"
        "请核实后改正并重新报送；文件 observations/office_finance_survey.csv 无法读取，"
        "其文件名同时指向办公室、财政局、调查中心，不能确定是哪个单位报送的，"
        "其中的数据未计入，请核实后改正并重新报送；2025年度：b2指标；应报3个单位）"
    )
    assert zh[-1] == (
        "另有1个报送文件无法读取，其文件名不含任何报送单位的代码或名称，"
        "不能确定是哪个单位报送的，未计入任何单位：observations/报表.csv；"
        "请查明报送单位，改正后重新报送"
    )


def test_status_notes_one_unread_file_and_one_copy_in_the_singular(tmp_path):
    """``evaluation status --lang en`` with audit's file unreadable and legal's
    sent twice: each note above the table counts 1 file, in the singular (1 report
    file could not be read; its rows …), not 1 report files … their rows."""
    data = _sample_copy(tmp_path)
    folder = data / "observations"
    utf16_without_bom(folder / "audit.csv")
    shutil.copyfile(folder / "legal.csv", folder / "legal (1).csv")
    done = _december_status(data, "--lang", "en")
    notes = [line for line in done.stderr.splitlines() if line.startswith("note:")]
    assert notes == [
        "note: 1 report file could not be read; its rows are not counted below (the"
        " agency must correct and resend it):",
        "note: 1 report file repeats a file already read; its rows are not counted"
        " twice (delete the copy):",
    ]


def test_status_names_a_report_sent_as_xls_or_et_and_goes_on(tmp_path):
    """audit's report sent as an old .xls workbook and legal's as a WPS .et, the
    commonest files that cannot be read: ``evaluation status`` names each on its
    agency's line as sent but unreadable (to be saved as .xlsx and resent) and
    says where every other agency stands, instead of refusing the whole folder
    for one agency's file (the position it exists to tell). Scoring still
    refuses them (``validate``)."""
    data = _sample_copy(tmp_path)
    folder = data / "observations"
    (folder / "audit.csv").rename(folder / "audit.xls")
    (folder / "legal.csv").rename(folder / "legal.et")
    done = _december_status(data)
    lines = done.stdout.splitlines()
    assert lines[0] == (
        "2025年12月报送情况（截至2026年2月20日）：报送单位8个，"
        "其中按时报送6个，文件无法读取2个。"
    )
    said = {line.split("：")[0].strip(): line for line in lines[1:]}
    assert said["市审计局"].startswith(
        "  市审计局：文件无法读取（已报送 observations/audit.xls，但无法读取，"
        "其中的数据未计入，请改正后重新报送；"
    ), said["市审计局"]
    assert said["市司法局"].startswith(
        "  市司法局：文件无法读取（已报送 observations/legal.et，但无法读取，"
    ), said["市司法局"]
    assert "observations/audit.xls（未读取）：不支持的文件类型“.xls”" in done.stderr
    assert "observations/legal.et（未读取）：不支持的文件类型“.et”" in done.stderr
    catalogue = str(ROOT / "indicators.yaml")
    refused = CliRunner().invoke(app, ["validate", str(data), "-c", catalogue])
    assert refused.exit_code != 0


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("events.xls", "不支持的文件类型“.xls”"),
        ("events.et", "不支持的文件类型“.et”"),
        ("events.csv", "无法识别文件编码"),  # UTF-16 without a byte-order mark
    ],
)
def test_status_goes_on_past_an_events_file_it_cannot_read(tmp_path, name, rule):
    """The sample's events file saved as .xls or WPS .et, or unreadable: status,
    which reads no events, says every agency's position (all 8 on time) and the
    events file's problem apart, as no agency's report (not in the last line of
    files naming no agency); validate still refuses the folder."""
    data = _sample_copy(tmp_path)
    events = data / "events.csv"
    if name == "events.csv":
        utf16_without_bom(events)
    else:
        events.rename(data / name)
    done = _december_status(data)
    lines = done.stdout.splitlines()
    assert lines[0] == (
        "2025年12月报送情况（截至2026年2月20日）：报送单位8个，其中按时报送8个。"
    )
    assert len(lines) == 1 + 8  # no line of files naming no agency
    note, problem = done.stderr.splitlines()
    assert note == (
        "注意：事件文件有以下问题；报送情况不用事件文件，照常列出，"
        "但改正之前校验和评分不予受理："
    )
    assert problem.startswith(f"  {name}（未读取）：{rule}"), problem
    en = _december_status(data, "--lang", "en")
    assert en.stderr.splitlines()[0] == (
        "note: the events file has the problems below; the submissions do not use"
        " it and are listed as usual, but validate and score refuse the folder"
        " until it is corrected:"
    )
    catalogue = str(ROOT / "indicators.yaml")
    refused = CliRunner().invoke(app, ["validate", str(data), "-c", catalogue])
    assert refused.exit_code != 0
    assert name in refused.output


def test_english_status_says_one_unit_and_one_day_in_the_singular(tiny_catalogue):
    """One unit owes the year's b2, due 20 January 2026 (31 December + 20 days, as
    above), and sent the rest: on the 21st its agency is 1 day overdue with 1 unit
    due, said so in English (not "1 days", "1 units")."""
    rows = pd.DataFrame(  # U1's reports, all but the year's b2
        [r for r in TINY_ROWS if r[0] == "U1" and r[2] != "b2"],
        columns=["unit_id", "period", "indicator_id", "value"],
    )
    table = status(rows, tiny_catalogue, ["U1"], "2025", as_of="2026-01-21")
    lines = status_lines(table, tiny_catalogue, "2025", lang="en", as_of="2026-01-21")
    missing = [line for line in lines[1:] if "missing" in line]
    assert missing and all("; 1 unit due, 1 day overdue)" in m for m in missing)
    assert not any("1 units" in line or "1 days" in line for line in lines)
    zh = status_lines(table, tiny_catalogue, "2025", lang="zh", as_of="2026-01-21")
    assert any("应报1个单位，已逾期1天" in line for line in zh)


@pytest.mark.parametrize(
    ("sent", "blank", "en", "zh"),
    [
        (
            "2026-01-16",
            [],
            "1 late, at most 1 day; last sent 2026-01-16, due 2026-01-15;"
            " 1 empty value",
            "1项逾期，最多逾期1天；最晚于2026年1月16日报送，报送期限2026年1月15日；"
            "含空值1个",
        ),
        (
            "2026-01-17",
            ["U3"],
            "1 late, at most 2 days; last sent 2026-01-17, due 2026-01-15;"
            " 2 empty values",
            "1项逾期，最多逾期2天；最晚于2026年1月17日报送，报送期限2026年1月15日；"
            "含空值2个",
        ),
    ],
    ids=["one-day", "two-days"],
)
def test_a_late_agency_is_said_late_by_one_day_or_two_days(
    tiny_catalogue, sent, blank, en, zh
):
    """a2's Q4 is due 15 January (31 December + 15 days); every report but U1's
    a2 of Q4 is sent on the 10th, U1's on the 16th (1 day late) or the 17th (2
    days). U2's a2 of Q4 is empty (1 empty value), and U3's too in the second
    case (2). The office's line says 1 day or 2 days, 1 empty value or 2, in the
    singular or the plural; the Chinese alike for both."""
    rows = pd.DataFrame(
        TINY_ROWS, columns=["unit_id", "period", "indicator_id", "value"]
    )
    rows["value"] = rows["value"].replace("", None)
    rows["reported_at"] = "2026-01-10"
    q4_a2 = (rows["period"] == "2025-Q4") & (rows["indicator_id"] == "a2")
    rows.loc[q4_a2 & (rows["unit_id"] == "U1"), "reported_at"] = sent
    rows.loc[q4_a2 & rows["unit_id"].isin(blank), "value"] = None
    table = status(rows, tiny_catalogue, TINY_UNITS, "2025-Q4", as_of="2026-02-05")
    said = status_lines(table, tiny_catalogue, "2025-Q4", lang="en")
    assert said == [
        "submissions for Q4 2025: 1 agency, 1 late",
        f"  Office: late ({en})",
    ]
    said = status_lines(table, tiny_catalogue, "2025-Q4", lang="zh")
    assert said == [
        "2025年第四季度报送情况：报送单位1个，其中迟报1个。",
        f"  办公室：迟报（{zh}）",
    ]
