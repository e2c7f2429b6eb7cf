"""A late agency (迟报/未报送) does not block the month's run, and never goes unsaid.

The office's month, as the analyst runs it: a copy of the sample city in which the
supervision agency (its file ``observations/supervision.csv``, GB18030) has not yet
sent December 2025. ``evaluation status`` says who has sent what; ``evaluation
score`` goes on, names the agency, and every output marks the scores made without
it; ``--strict`` refuses. Expected numbers are worked out here from the files and
the catalogue (read with pandas and PyYAML), never from the code under test.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from evaluation.cli import app

from ..conftest import ROOT

runner = CliRunner()
SAMPLE = ROOT / "data" / "sample"
CATALOGUE = ROOT / "indicators.yaml"
LATE = "supervision"  # the agency that has not sent December
FILE = "observations/supervision.csv"
MONTH = "2025-M12"
#: the catalogue's monthly series of the supervision agency (indicators.yaml, by
#: hand): six scored indicators and the approval volume they are weighted by
SUPERVISION_MONTHLY = [
    "approval_on_time_rate",
    "approval_time_ratio",
    "complaint_handling_rate",
    "complaint_handling_days",
    "complaints_per_10k_services",
    "fault_findings",
]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def names() -> dict[str, tuple[str, str]]:
    """Agency id → (name_zh, name_en), as the catalogue file says."""
    raw = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    return {a["id"]: (a["name_zh"], a["name_en"]) for a in raw["agencies"]}


def drop_rows(folder: Path, file: str, keep) -> int:
    """Rewrite one CSV of the sample in its own encoding without the lines
    ``keep(fields)`` refuses; the number of lines dropped."""
    path = folder / file
    raw = path.read_bytes()
    encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "gb18030"
    lines = raw.decode(encoding).splitlines(keepends=True)
    kept = [lines[0]] + [x for x in lines[1:] if keep(x.rstrip("\r\n").split(","))]
    path.write_bytes("".join(kept).encode(encoding))
    return len(lines) - len(kept)


@pytest.fixture(scope="module")
def late_city(tmp_path_factory) -> Path:
    """The sample with supervision's December 2025 rows not yet sent."""
    folder = tmp_path_factory.mktemp("late") / "city"
    shutil.copytree(SAMPLE, folder)
    dropped = drop_rows(folder, FILE, lambda f: f[1] != MONTH)
    assert dropped == 7 * 50  # 6 indicators + approval_volume, 50 units
    return folder


#: the service centre's monthly series (indicators.yaml, by hand): three scored
#: indicators, each ``missing: exclude``, and the ratings count one is weighted by
SERVICE = "service_centre"
SERVICE_MONTHLY = [
    "commitment_reply_rate", "hotline_response_rate", "service_good_rating_rate",
]  # fmt: skip


@pytest.fixture(scope="module")
def late_service(tmp_path_factory) -> Path:
    """The sample with the service centre's December 2025 rows not yet sent (its
    three indicators leave each unit's December composite enough coverage)."""
    folder = tmp_path_factory.mktemp("late_service") / "city"
    shutil.copytree(SAMPLE, folder)
    dropped = drop_rows(folder, f"observations/{SERVICE}.csv", lambda f: f[1] != MONTH)
    assert dropped == 4 * 50  # 3 indicators + service_ratings_count, 50 units
    return folder


@pytest.fixture(scope="module")
def scored(late_service, tmp_path_factory):
    out = tmp_path_factory.mktemp("late_out")
    done = invoke(
        "score", late_service, "--period", MONTH, "--catalogue", CATALOGUE,
        "--out", out,
    )  # fmt: skip
    return done, out


def test_score_goes_on_and_names_the_late_agency_in_chinese_and_english(scored, names):
    done, out = scored
    assert done.exit_code == 0, done.output
    zh, en = names[SERVICE]
    lines = done.stdout.splitlines()
    said_zh = [x for x in lines if zh in x]
    said_en = [x for x in lines if en in x]
    assert said_zh and "2025年12月" in said_zh[0] and "未报送" in said_zh[0]
    assert said_en and MONTH in said_en[0] and "not yet reported" in said_en[0]
    # the series it owes, by name (indicators.yaml), in the catalogue's order
    assert said_zh[0].endswith(
        "：市政务服务中心的服务承诺按时答复率、12345热线工单按时响应率、政务服务"
        "“好差评”好评率、“好差评”评价件数（2025年12月）"
    )
    assert said_en[0].endswith(
        "(absences, n_absent): Municipal Government Service Centre: On-time reply "
        "rate under service commitments, On-time response rate to 12345 hotline "
        "tickets, Share of good ratings for government services, Service ratings "
        "received (2025-M12)"
    )
    # the other agencies sent everything: none of them is named
    others = [n for a, n in names.items() if a != SERVICE]
    assert not any(n[0] in done.stdout for n in others)
    assert (out / "result" / "absences.parquet").is_file()


def test_the_result_keeps_a_table_of_the_absent_submissions(scored):
    _, out = scored
    table = pd.read_parquet(out / "result" / "absences.parquet")
    assert set(table["agency"]) == {SERVICE}
    assert set(table["period"]) == {MONTH} == set(table["evaluation_period"])
    assert set(table["series_id"]) == {*SERVICE_MONTHLY, "service_ratings_count"}
    assert (table["n_units"] == 50).all()
    assert set(table["files"]) == {f"observations/{SERVICE}.csv"}


def test_the_ranking_counts_the_indicators_scored_without_the_agency(scored):
    _, out = scored
    ranking = pd.read_csv(out / f"ranking_{MONTH}.csv", encoding="utf-8-sig")
    assert len(ranking) == 50
    # every unit's three service-centre indicators of December lack their report
    assert (ranking["n_absent"] == len(SERVICE_MONTHLY)).all()


def test_the_late_indicators_are_left_out_not_scored_0(scored):
    """The service centre's indicators (all ``missing: exclude``) have no December
    score; efficiency.approval renormalises over what the supervision commission
    sent: D01's is (0.4 · s_on_time + 0.3 · s_ratio) / 0.7 (weights 0.4, 0.3, 0.3
    in indicators.yaml; coverage 0.7 ≥ 0.6)."""
    _, out = scored
    result = out / "result"
    normalised = pd.read_parquet(result / "normalised.parquet").set_index(
        ["period", "unit_id", "indicator_id"]
    )["score"]
    scores = pd.read_parquet(result / "scores.parquet").set_index(
        ["period", "unit_id", "node_id"]
    )["score"]
    december = normalised.xs(MONTH, level="period")
    late = december.index.get_level_values("indicator_id").isin(SERVICE_MONTHLY)
    assert december[late].isna().all()
    at = (MONTH, "D01")
    on_time = normalised[(*at, "approval_on_time_rate")]
    ratio = normalised[(*at, "approval_time_ratio")]
    by_hand = (0.4 * on_time + 0.3 * ratio) / 0.7
    assert scores[(*at, "efficiency.approval")] == pytest.approx(by_hand, abs=1e-9)
    assert not np.isnan(normalised[("2025-M11", "D01", "commitment_reply_rate")])


def test_a_late_agency_costs_no_unit_points(late_city, names, tmp_path):
    """zero_score scores 0 a unit that did not report; when the supervision
    commission has not sent December the units are not at fault, so its
    zero_score indicators are left out too (never a 0 that would put every unit
    under a warning line). Six of the month's nine indicators then missing, no
    December composite meets min_coverage: the run stops and says why and who."""
    done = invoke(
        "score", late_city, "--period", MONTH, "--catalogue", CATALOGUE,
        "--out", tmp_path / "out",
    )  # fmt: skip
    assert done.exit_code == 1
    zh, en = names[LATE]
    assert f"{zh}的" in done.output and "（2025年12月）尚未报送" in done.output
    assert f"not yet reported: {en}: " in " ".join(done.output.split())
    assert not (tmp_path / "out" / "result").exists()


def test_the_media_table_says_which_scores_lack_the_agency(scored, names, tmp_path):
    _, out = scored
    media = tmp_path / "media.csv"
    done = invoke("export", out / "result", "--out", media)
    assert done.exit_code == 0, done.output
    text = media.read_text(encoding="utf-8-sig")
    # the series it owes, by name (indicators.yaml), in the catalogue's order
    note = (
        f"{names[SERVICE][0]}的服务承诺按时答复率、12345热线工单按时响应率、政务服务"
        "“好差评”好评率、“好差评”评价件数（2025年12月）数据尚未报送，相关指标不计分"
    )
    assert text.count(note) == 50  # every unit's December score, once
    english = tmp_path / "media_en.csv"
    done = invoke("export", out / "result", "--out", english, "--lang", "en")
    assert done.exit_code == 0, done.output
    assert (
        english.read_text(encoding="utf-8-sig").count(
            f"not yet reported, those indicators left out: {names[SERVICE][1]}: "
            "On-time reply rate under service commitments, On-time response rate to "
            "12345 hotline tickets, Share of good ratings for government services, "
            "Service ratings received (2025-M12)"
        )
        == 50
    )


def test_the_note_names_as_sources_only_the_agencies_read(scored, names, tmp_path):
    """December's scores read the monthly series of two agencies (indicators.yaml,
    by hand): the supervision agency and the service centre. The centre sent
    nothing for December, so the note's source names the supervision agency
    alone (not 等1个单位), and its notes say the centre has not reported."""
    _, out = scored
    media = tmp_path / "media.csv"
    assert invoke("export", out / "result", "--out", media).exit_code == 0
    note = (tmp_path / "media.说明.txt").read_text(encoding="utf-8-sig")
    source = next(x for x in note.splitlines() if x.startswith("数据来源："))
    assert source.startswith(f"数据来源：{names[LATE][0]}报送的指标数据（")
    assert names[SERVICE][0] not in source
    notes = next(x for x in note.splitlines() if x.startswith("备注："))
    assert f"{names[SERVICE][0]}未报送2025年12月的数据" in notes
    english = tmp_path / "media_en.csv"
    assert (
        invoke("export", out / "result", "--out", english, "--lang", "en").exit_code
        == 0
    )
    text = (tmp_path / "media_en.about.txt").read_text(encoding="utf-8-sig")
    source = next(x for x in text.splitlines() if x.startswith("Source: "))
    assert f"reported by one agency ({names[LATE][1]};" in source


def test_a_year_without_december_still_names_the_late_agency_as_a_source(late_city):
    """The year read the supervision agency's January–November reports: the
    annual note still names it among the sources, with every agency of the
    catalogue (a year reads every frequency)."""
    import evaluation as ev
    from evaluation.publish.media import about_table

    result = ev.run(
        ev.load_catalogue(CATALOGUE), ev.load_dataset(late_city), period="2025"
    )
    about = about_table(result, "2025").set_index("项目")
    raw = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    late_zh = next(a["name_zh"] for a in raw["agencies"] if a["id"] == LATE)
    assert late_zh in about.loc["数据来源", "说明"]
    assert f"等{len(raw['agencies'])}个单位" in about.loc["数据来源", "说明"]


def test_strict_refuses_naming_agency_file_and_period(late_city, names, tmp_path):
    out = tmp_path / "out"
    done = invoke(
        "score", late_city, "--period", MONTH, "--catalogue", CATALOGUE,
        "--out", out, "--strict",
    )  # fmt: skip
    assert done.exit_code == 1
    assert names[LATE][0] in done.output and FILE in done.output
    assert "2025年12月" in done.output and MONTH in done.output
    assert not out.exists()  # nothing written
    en = invoke(
        "score", late_city, "--period", MONTH, "--catalogue", CATALOGUE,
        "--out", out, "--strict", "--lang", "en",
    )  # fmt: skip
    assert en.exit_code == 1
    assert names[LATE][1] in en.output and FILE in en.output and MONTH in en.output


def test_a_year_scored_without_december_rolls_up_the_eleven_months(late_city):
    """The annual run: a partly reported year is not missing (methodology §4); the
    weighted mean and the pro-rata sum of D01's January–November reports, by hand
    from the agency's file."""
    import evaluation as ev

    result = ev.run(
        ev.load_catalogue(CATALOGUE), ev.load_dataset(late_city), period="2025"
    )
    raw = pd.read_csv(late_city / FILE, encoding="gb18030", dtype=str)
    raw.columns = ["unit_id", "period", "indicator_id", "value", "reported_at"]
    d01 = raw[(raw["unit_id"] == "D01") & raw["period"].str.startswith("2025-M")]
    wide = d01.pivot(index="period", columns="indicator_id", values="value").astype(
        float
    )
    assert len(wide) == 11  # January to November
    rate, volume = wide["approval_on_time_rate"], wide["approval_volume"]
    use = rate.notna() & volume.notna() & (volume > 0)
    weighted = (rate[use] * volume[use]).sum() / volume[use].sum()
    faults = wide["fault_findings"].dropna()
    pro_rata = faults.sum() * 12 / len(faults)
    prepared = result.prepared.set_index(["period", "unit_id", "indicator_id"])
    assert prepared.loc[("2025", "D01", "approval_on_time_rate"), "value"] == (
        pytest.approx(weighted, rel=1e-12)
    )
    assert prepared.loc[("2025", "D01", "fault_findings"), "value"] == pytest.approx(
        pro_rata, rel=1e-12
    )
    assert prepared.loc[("2025", "D01", "fault_findings"), "n_reported"] == len(faults)
    # marked all the same: December's submission was not there
    assert set(result.absences["evaluation_period"]) == {"2025"}
    league = result.league_table("2025")
    assert (league["n_absent"] == len(SUPERVISION_MONTHLY)).all()
    assert (result.league_table("2024")["n_absent"] == 0).all()


# ------------------------------------------------------------------ evaluation status
def test_status_lists_the_late_agency_as_missing_and_the_others_as_sent(
    late_city, names, tmp_path
):
    table = tmp_path / "status.csv"
    done = invoke(
        "status", late_city, "--period", MONTH, "--catalogue", CATALOGUE,
        "--as-of", "2026-01-20", "--out", table,
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    line = next(x for x in done.stdout.splitlines() if names[LATE][0] in x)
    assert "未报送" in line and "2025年12月" in line and "逾期10天" in line
    for agency, (zh, _) in names.items():  # every agency is listed, once
        assert sum(zh in x for x in done.stdout.splitlines()) == 1, zh
        if agency != LATE:
            other = next(x for x in done.stdout.splitlines() if zh in x)
            assert "按时报送" in other, other
    rows = pd.read_csv(table, encoding="utf-8-sig", dtype={"逾期天数": "Int64"})
    mine = rows[(rows["报送单位"] == names[LATE][0]) & (rows["报告期"] == "2025年12月")]
    assert set(mine["指标代码"]) == {*SUPERVISION_MONTHLY, "approval_volume"}
    assert (mine["报送状态"] == "未报送").all()
    assert (mine["已报单位数"] == 0).all() and (mine["未报单位数"] == 50).all()
    # due 10 days after 31 December; counted to 20 January: 10 days overdue
    assert (mine["报送期限"] == "2026年1月10日").all()
    assert (mine["逾期天数"] == 10).all()
    # its quarterly and half-year reports for the quarter ending in December came
    quarter = rows[
        (rows["报送单位"] == names[LATE][0]) & (rows["报告期"] != "2025年12月")
    ]
    assert set(quarter["报告期"]) == {"2025年第四季度", "2025年下半年"}
    assert not quarter["报送状态"].isin(["未报送", "迟报"]).any()
    others = rows[rows["报送单位"] != names[LATE][0]]
    assert others["报送状态"].isin(["按时报送", "部分为空"]).all()
    assert set(others["报送单位"]) == {n[0] for a, n in names.items() if a != LATE}


def test_a_late_reported_at_is_late_by_the_days_counted_by_hand(
    late_city, names, tmp_path
):
    """The service centre's December report sent on 16 January 2026: due 10 days
    after 31 December 2025 (quality.due_days monthly), so 6 days late."""
    folder = tmp_path / "city"
    shutil.copytree(late_city, folder)
    path = folder / "observations" / "service_centre.csv"
    frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    frame.loc[frame["period"] == MONTH, "reported_at"] = "2026-01-16"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    out = tmp_path / "status.xlsx"
    done = invoke(
        "status", folder, "--period", MONTH, "--catalogue", CATALOGUE,
        "--as-of", "2026-01-20", "--out", out,
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    zh = names["service_centre"][0]
    line = next(x for x in done.stdout.splitlines() if zh in x)
    assert "迟报" in line and "6天" in line and "2026年1月16日" in line
    from openpyxl import load_workbook

    sheet = load_workbook(out).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    head = rows[1]  # a title line, then the header
    table = pd.DataFrame(rows[2:], columns=head)
    mine = table[(table["报送单位"] == zh) & (table["报告期"] == "2025年12月")]
    assert len(mine) == 4 and (mine["报送状态"] == "迟报").all()
    assert mine["逾期天数"].tolist() == [6, 6, 6, 6]  # numbers, not text
    assert (mine["报送日期"] == "2026年1月16日").all()
    english = invoke(
        "status", folder, "--period", MONTH, "--catalogue", CATALOGUE,
        "--as-of", "2026-01-20", "--lang", "en",
    )  # fmt: skip
    line = next(
        x for x in english.stdout.splitlines() if names["service_centre"][1] in x
    )
    assert "late" in line and "6 days" in line


def test_an_agency_that_sent_nothing_at_all_is_listed_and_scored_around(
    names, tmp_path
):
    """The justice bureau's file left out: every period of its series is owed."""
    folder = tmp_path / "city"
    shutil.copytree(SAMPLE, folder)
    (folder / "observations" / "legal.csv").unlink()
    done = invoke(
        "status", folder, "--period", "2025", "--catalogue", CATALOGUE,
        "--as-of", "2026-02-01",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    line = next(x for x in done.stdout.splitlines() if names["legal"][0] in x)
    assert "未报送" in line
    out = tmp_path / "out"
    done = invoke(
        "score", folder, "--period", "2025", "--catalogue", CATALOGUE, "--out", out
    )
    assert done.exit_code == 0, done.output
    assert names["legal"][0] in done.stdout and names["legal"][1] in done.stdout
    ranking = pd.read_csv(out / "ranking_2025.csv", encoding="utf-8-sig")
    # three legal indicators scored per year (decisions, documents, case files)
    assert (ranking["n_absent"] == 3).all() and ranking["rank"].notna().all()


def test_a_hole_inside_a_submission_is_still_an_error(tmp_path):
    """One unit left out of a file that has the others: not a late agency."""
    folder = tmp_path / "city"
    shutil.copytree(SAMPLE, folder)
    drop_rows(folder, FILE, lambda f: not (f[0] == "D05" and f[1] == MONTH))
    done = invoke(
        "score", folder, "--period", MONTH, "--catalogue", CATALOGUE,
        "--out", tmp_path / "out", "--lang", "en",
    )  # fmt: skip
    assert done.exit_code == 1
    assert "completeness" in done.output and "D05 / 2025-M12" in done.output
    assert not (tmp_path / "out").exists()


def test_a_period_missing_before_later_ones_is_a_lost_file_not_a_late_one(tmp_path):
    folder = tmp_path / "city"
    shutil.copytree(SAMPLE, folder)
    drop_rows(folder, FILE, lambda f: f[1] != "2025-M06")
    done = invoke(
        "score", folder, "--period", MONTH, "--catalogue", CATALOGUE,
        "--out", tmp_path / "out", "--lang", "en",
    )  # fmt: skip
    assert done.exit_code == 1
    assert "absent_submission" in done.output and "2025-M06" in done.output
    assert "not a late report" in done.output and FILE in done.output


def test_one_error_cell_does_not_hide_who_has_sent_what(tmp_path, names):
    """A #DIV/0! in the finance bureau's workbook: `status` counts the workbook as
    sent and names the file and the cell above the table; scoring refuses it."""
    import openpyxl

    folder = tmp_path / "city"
    shutil.copytree(SAMPLE, folder)
    path = folder / "observations" / "finance.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(2, header.index("value") + 1)
    cell.value, cell.data_type = "#DIV/0!", "e"
    book.save(path)
    done = invoke(
        "status", folder, "--period", "2025-Q4", "--catalogue", CATALOGUE,
        "--as-of", "2026-03-01",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "1个报送文件有单元格取不到数值" in done.output
    assert "observations/finance.xlsx（第2行，指标值（value），#DIV/0!）" in done.output
    finance = [line for line in done.stdout.splitlines() if names["finance"][0] in line]
    assert finance and "未报送" not in finance[0]  # it sent, one cell wrong
    scored = invoke("score", folder, "--period", "2025-Q4", "--catalogue", CATALOGUE,
                    "--out", tmp_path / "out")  # fmt: skip
    assert scored.exit_code == 1 and "finance.xlsx" in scored.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_usage_errors_of_the_agency_commands_speak_the_chosen_language(tmp_path):
    """status and template are run for (and by) agencies: errors in Chinese by
    default, English with --lang en."""
    zh = invoke("status", SAMPLE, "--period", MONTH, "--as-of", "2026-13-01")
    assert zh.exit_code == 2 and "--as-of 须为日期" in zh.output
    en = invoke("status", SAMPLE, "--period", MONTH, "--as-of", "x", "--lang", "en")
    assert en.exit_code == 2 and "--as-of must be a date" in en.output
    bad = invoke("template", "finance", "--period", "2025-Q1",
                 "--out", tmp_path / "t.csv")  # fmt: skip
    assert bad.exit_code == 2 and "--out 须以 .xlsx 结尾，而不是“t.csv”" in bad.output


def test_status_says_a_period_typed_the_chinese_way_in_chinese():
    """A clerk types 2025年12月: told in Chinese how to write it, as score says it."""
    done = invoke("status", SAMPLE, "--period", "2025年12月", "--catalogue", CATALOGUE)
    assert done.exit_code == 2
    assert done.output.startswith("报告期“2025年12月”写法不对：应写作“2025”（年度）")
    assert "is not a period label" not in done.output.splitlines()[0]


def test_a_new_indicator_with_no_report_yet_is_named(tmp_path):
    """The office adds an annual indicator for the service centre, 政务服务网上可办率,
    before any agency reports it: the sample's annual reports are of 2024 and 2025
    (survey.csv's deputy_satisfaction), so both years are owed. The note names the
    indicator, not its agency alone (the centre sent all its monthly series)."""
    survey = pd.read_csv(SAMPLE / "observations" / "survey.csv", dtype=str)
    annual = survey.loc[survey["indicator_id"] == "deputy_satisfaction", "period"]
    assert sorted(set(annual)) == ["2024", "2025"]
    raw = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    good = next(i for i in raw["indicators"] if i["id"] == "service_good_rating_rate")
    good["weight"] = 0.4  # 0.4 + 0.4 (complaints) + 0.2: sum_to_one
    raw["indicators"].append(
        {
            **{k: good[k] for k in ("parent", "agency", "direction", "valid")},
            "id": "service_online_rate",
            "name_zh": "政务服务网上可办率",
            "name_en": "Share of services available online",
            "definition_zh": "可网上办理事项数 ÷ 政务服务事项总数 × 100%",
            "definition_en": "Services available online ÷ all services, × 100%",
            "unit_zh": "%",
            "unit_en": "%",
            "frequency": "annual",
            "rollup": "last",
            "weight": 0.2,
            "normalisation": {"method": "goalposts", "worst": 60, "best": 100},
        }
    )
    catalogue = tmp_path / "indicators.yaml"
    catalogue.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    done = invoke("validate", SAMPLE, "--catalogue", catalogue)
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines()[-1] == (
        "注意：以下报送单位尚未报送最近各期的数据，评分时相关指标不计分、不记零分"
        "（加--strict则不予受理）：市政务服务中心的政务服务网上可办率（2024年度、2025年度）"
    )
    done = invoke("validate", SAMPLE, "--catalogue", catalogue, "--lang", "en")
    assert done.stdout.splitlines()[-1].endswith(
        "(refused with --strict): Municipal Government Service Centre: Share of "
        "services available online (2024, 2025)"
    )
