"""The national path (Parquet, codes, one cube) against the pipeline, and its errors."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

import evaluation as ev
from evaluation.cli import app
from evaluation.errors import ValidationFailed
from evaluation.files import staging_host
from evaluation.scale import national
from evaluation.scoring import prepare

from ..conftest import BLANK_Q4, ROOT, TINY, TINY_ROWS, TINY_UNITS, write_dataset

SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(scope="module")
def data(catalogue):
    return ev.validate_dataset(ev.load_dataset(SAMPLE), catalogue)


@pytest.fixture(scope="module")
def units(data):
    return data.units.drop(columns=["source", "row"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def reports(data, tmp_path_factory):
    """The sample's reports as one Parquet file (typed, as a national export)."""
    path = tmp_path_factory.mktemp("national") / "reports.parquet"
    data.observations[["unit_id", "period", "indicator_id", "value"]].to_parquet(path)
    return path


def partitioned(obs: pd.DataFrame, units: pd.DataFrame, root) -> None:
    """One folder per peer group (hive style), each unit's reports in one file."""
    group = obs["unit_id"].map(units.set_index("unit_id")["peer_group"])
    for name, part in obs.groupby(group):
        (root / f"peer_group={name}").mkdir(parents=True)
        part.to_parquet(root / f"peer_group={name}" / "part-0.parquet", index=False)


@pytest.mark.parametrize("period", ["2025", "2025-Q4", "2025-M12", "2024-H1"])
def test_the_period_scores_as_the_pipeline_scores_it(catalogue, units, reports, period):
    # the pipeline (pandera validation, long-table roll-up) is the independent path
    result = ev.run(catalogue, ev.load_dataset(SAMPLE), period=period, run_at="t")
    got = national.score_parquet(reports, units, catalogue, period=period)

    def mine(frame):
        return frame[frame["period"] == period].set_index("unit_id")

    want, have = mine(result.composite), got.composite.set_index("unit_id")
    assert len(have) == 50
    np.testing.assert_allclose(
        have["composite_score"], want.loc[have.index, "composite_score"], atol=1e-9
    )
    ranks = mine(result.ranks).loc[have.index, ["rank", "peer_rank"]]
    assert got.ranks.set_index("unit_id")[["rank", "peer_rank"]].equals(ranks)
    p_want = mine(result.prepared).set_index("indicator_id", append=True)
    p_have = got.prepared.astype({"unit_id": str, "indicator_id": str}).set_index(
        ["unit_id", "indicator_id"]
    )
    p_have = p_have.loc[p_want.index]
    np.testing.assert_allclose(p_have["value"], p_want["value"], atol=1e-9)
    assert (p_have["status"].astype(str) == p_want["status"].astype(str)).all()
    assert (p_have["n_reported"] == p_want["n_reported"]).all()


def test_one_roll_up_gives_the_pipelines_values_to_the_bit(catalogue, units, reports):
    # national rolls its cube up with prepare's own roll_up: not a second copy
    assert national.roll_up is prepare.roll_up
    result = ev.run(catalogue, ev.load_dataset(SAMPLE), period="2025", run_at="t")
    got = national.score_parquet(reports, units, catalogue, period="2025")
    want = result.prepared[result.prepared["period"] == "2025"]
    assert np.array_equal(
        got.prepared["value"].to_numpy(), want["value"].to_numpy(), equal_nan=True
    )
    assert (got.prepared["n_reported"].to_numpy() == want["n_reported"]).all()


def test_partitions_and_text_columns_give_identical_scores(
    catalogue, data, units, reports, tmp_path
):
    one = national.score_parquet(reports, units, catalogue, period="2025")
    obs = data.observations[["unit_id", "period", "indicator_id", "value"]]
    partitioned(obs, units, tmp_path / "parts")
    parts = national.score_parquet(tmp_path / "parts", units, catalogue, period="2025")
    text = obs.astype(str).replace("nan", None)  # ids as plain text, values as text
    text.to_parquet(tmp_path / "text.parquet", index=False)
    as_text = national.score_parquet(
        tmp_path / "text.parquet", units, catalogue, period="2025"
    )
    # slices of one dictionary-encoded table: each file's dictionary names every
    # unit, but only its rows' units are its own
    ordered = obs.sort_values("unit_id", kind="stable").reset_index(drop=True)
    table = pa.Table.from_pandas(ordered, preserve_index=False)
    table = table.set_column(0, "unit_id", pc.dictionary_encode(table["unit_id"]))
    cut = int(np.flatnonzero(ordered["unit_id"] == "D30")[0])
    (tmp_path / "slices").mkdir()
    pq.write_table(table.slice(0, cut), tmp_path / "slices" / "a.parquet")
    pq.write_table(table.slice(cut), tmp_path / "slices" / "b.parquet")
    sliced = national.score_parquet(
        tmp_path / "slices", units, catalogue, period="2025"
    )
    for other in (parts, as_text, sliced):
        assert other.composite.equals(one.composite)
        assert other.ranks.equals(one.ranks)
        assert other.normalised.equals(one.normalised)


def both_reports(obs: pd.DataFrame, folder, catalogue):
    """The problem reports of the pipeline's validator and of the national path on
    the same reports (one Parquet file beside the sample's units)."""
    (folder / "observations").mkdir(parents=True)
    ev.load_dataset(SAMPLE).units.drop(columns=["source", "row"]).to_csv(
        folder / "units.csv", index=False
    )
    obs.to_parquet(folder / "observations" / "reports.parquet", index=False)
    with pytest.raises(ValidationFailed) as pipeline:
        ev.validate_dataset(ev.load_dataset(folder), catalogue)
    with pytest.raises(ValidationFailed) as ours:
        national.score_parquet(
            folder / "observations", national.read_units(folder / "units.csv",
            catalogue), catalogue, period="2025-Q4",
        )  # fmt: skip
    return pipeline.value.report, ours.value.report


def test_bad_rows_are_reported_as_the_pipeline_reports_them(catalogue, data, tmp_path):
    """Every kind of bad cell at once; the rows, columns and rule sentences must
    be those of the pipeline's validator on the same file."""
    obs = data.observations[["unit_id", "period", "indicator_id", "value"]]
    obs = obs[obs["period"].str.startswith("2025-M1")].astype(str)  # Oct–Dec 2025
    obs = obs.replace("nan", None).reset_index(drop=True)
    obs.loc[3, "unit_id"] = "ZZ9"  # unknown unit
    obs.loc[5, "period"] = "2025-M13"  # not a period label
    obs.loc[7, "value"] = "12,5"  # not a number
    obs.loc[9, "value"] = "-5"  # below every indicator's valid minimum
    obs.loc[11, "indicator_id"] = None  # empty cell
    counted = obs.index[obs["indicator_id"] == "fault_findings"][2]
    obs.loc[counted, "value"] = "1.5"  # a fraction of a count (件)
    monthly = obs.index[obs["period"] == "2025-M10"][20]
    obs.loc[monthly, "period"] = "2025-Q4"  # a monthly indicator written quarterly
    obs = pd.concat([obs, obs.iloc[[30]]], ignore_index=True)  # a repeated key
    obs = obs.drop(index=40).reset_index(drop=True)  # a key nobody sent
    folder = tmp_path / "bad"
    pipeline, ours = both_reports(obs, folder, catalogue)

    def rows(report):
        r = report[report["row"].notna()]
        return set(r[["row", "column", "value", "rule"]].itertuples(index=False))

    want, have = pipeline, ours
    assert rows(have) == rows(want)
    in_chinese = ["row", "column", "value", "rule_zh"]  # and the clerk's words too
    assert set(have.loc[have["row"].notna(), in_chinese].itertuples(index=False)) == (
        set(want.loc[want["row"].notna(), in_chinese].itertuples(index=False))
    )
    assert {7 + 1, 9 + 1, 11 + 1} <= {r for r, *_ in rows(have)}  # Parquet rows from 1
    assert ("value", "1.5", "whole_number[fault_findings]") in {
        (c, v, r.split(":")[0]) for _, c, v, r in rows(have)
    }
    absent = set(want.loc[want["row"].isna(), "value"])
    # the quarterly agencies sent no Q4 at all: late agencies, which the pipeline
    # lets through (methodology L12) and the national path too
    from evaluation.intake.status import absent_submissions

    raw = ev.load_dataset(folder)
    late = absent_submissions(raw.observations, catalogue, raw.units["unit_id"])
    assert set(late["period"]) == {"2025-Q4"} and late["trailing"].all()
    assert set(have.loc[have["row"].isna(), "value"]) == absent
    assert have["file"].str.endswith("reports.parquet").all()


def test_a_unit_in_two_files_or_in_none_is_an_error(catalogue, data, units, tmp_path):
    obs = data.observations[["unit_id", "period", "indicator_id", "value"]]
    d01 = obs[obs["unit_id"] == "D01"]
    (tmp_path / "a").mkdir()
    obs.to_parquet(tmp_path / "a" / "all.parquet", index=False)
    d01.to_parquet(tmp_path / "a" / "again.parquet", index=False)
    with pytest.raises(ValidationFailed) as twice:
        national.score_parquet(tmp_path / "a", units, catalogue, period="2025")
    report = twice.value.report
    assert report["value"].tolist() == ["D01"]
    assert report["rule"].iloc[0].startswith("one_partition: ")
    both = {str(tmp_path / "a" / f) for f in ("all.parquet", "again.parquet")}
    (other,) = both - {report["file"].iloc[0]}
    assert report["rule_zh"].iloc[0] == (
        f"该单位的数据同时出现在 {other} 中：每个单位的数据只能放在一个文件里"
    )
    named = {report["file"].iloc[0], report["rule"].iloc[0].rsplit(" ", 1)[1]}
    assert {str(tmp_path / "a" / f) for f in ("all.parquet", "again.parquet")} == named
    obs[obs["unit_id"] != "D07"].to_parquet(tmp_path / "b.parquet", index=False)
    with pytest.raises(ValidationFailed) as none:
        national.score_parquet(tmp_path / "b.parquet", units, catalogue, period="2025")
    assert none.value.report["value"].tolist() == ["D07"]
    assert none.value.report["rule"].iloc[0].startswith("completeness: ")
    assert (
        none.value.report["rule_zh"].iloc[0] == "缺少数据：所有文件中都没有该单位的数据"
    )


def test_the_units_table_is_validated(catalogue, tmp_path):
    units = pd.read_csv(SAMPLE / "units.csv", dtype=str)
    units.loc[4, "peer_group"] = "nowhere"
    units.to_csv(tmp_path / "units.csv", index=False)
    with pytest.raises(ValidationFailed) as bad:
        national.read_units(tmp_path / "units.csv", catalogue)
    report = bad.value.report
    assert report[["file", "row", "column", "value"]].values.tolist() == [
        ["units.csv", 6, "peer_group", "nowhere"]
    ]
    assert report["rule"].iloc[0].startswith("known_peer_group")


def test_a_bad_units_row_and_bad_reports_are_said_in_one_round(data, units, tmp_path):
    """The clerk fixes everything at once: a units row with an unknown peer group
    and a report of an unknown unit are in one problem report, nothing written.
    By hand: the report on row 4 of the reports file names ZZ9 (no such unit), so
    D04's row it replaced is missing too; the units table's fifth row (a Parquet
    file: row 1 is the first) names the peer group "nowhere"."""
    obs = data.observations[["unit_id", "period", "indicator_id", "value"]]
    obs = obs[obs["period"].str.startswith("2025-M1")].astype(str)  # Oct–Dec 2025
    obs = obs.replace("nan", None).reset_index(drop=True)
    obs.loc[3, "unit_id"] = "ZZ9"  # not in the units table: row 4 of the file
    obs.to_parquet(tmp_path / "reports.parquet", index=False)
    bad = units.copy()
    bad.loc[4, "peer_group"] = "nowhere"  # line 6 of units.parquet's table
    code, said = national_cli(tmp_path / "reports.parquet", bad, tmp_path, "2025-Q4")
    assert code == 1 and not (tmp_path / "out").exists()
    assert pd.isna(said[0][0])  # a row missing from every file: no line of its own
    assert [row[1:3] for row in said[:1]] + [row[:3] for row in said[1:]] == [
        ["单位代码（unit_id）、报告期（period）、指标代码（indicator_id）",
         "D04 / 2025-M10 / commitment_reply_rate"],
        ["4", "单位代码（unit_id）", "ZZ9"],
        ["5", "类别（peer_group）", "nowhere"],
    ]  # fmt: skip
    assert said[2][3].startswith("类别应为以下之一：“economic”（经济管理部门）")


def test_a_repeated_unit_id_is_said_not_crashed_on(data, units, reports, tmp_path):
    """Two units rows with the id D04 (rows 4 and 5 of the Parquet table): said
    as the city path says it, and the reports are not checked against ids that
    name no one unit (they would be refused for the units file's fault)."""
    bad = units.copy()
    bad.loc[4, "unit_id"] = "D04"
    code, said = national_cli(reports, bad, tmp_path)
    assert code == 1 and not (tmp_path / "out").exists()
    assert [row[:3] for row in said] == [
        ["4", "单位代码（unit_id）", "D04"],
        ["5", "单位代码（unit_id）", "D04"],
    ]
    assert all("不能重复" in row[3] for row in said)


# ------------------------------------- a period refused: the pipeline's words
#: the tiny catalogue (quarterly, half-year and annual indicators) and its 2025
#: reports: a label that is none, a month no indicator is reported for, and a year
#: with no report at all (2030: said with the reports' span, 2025-M01 to 2025-M12,
#: not as every series owed)
REFUSED = {
    "2025-13": (
        "报告期“2025-13”写法不对：应写作“2025”（年度）、“2025-H1”（上半年）、"
        "“2025-Q3”（第三季度）、“2025-B2”（3—4月）或“2025-M03”（3月）这样的形式",
        "'2025-13' is not a period label (e.g. 2025, 2025-H1, 2025-Q3, 2025-B2, "
        "2025-M03)",
    ),
    "2025-M03": (
        "2025年3月没有一项指标的报送频次足以评分",
        "no indicator is reported often enough to score 2025-M03",
    ),
    "2030": (
        "2030年度没有任何报送数据：数据集中的报送期为2025年1月至2025年12月，"
        "请检查报告期，或待各单位报送后再评分",
        "there is no report for 2030: the dataset's reports run from 2025-M01 to "
        "2025-M12; check the period, or score once the agencies report",
    ),
}


@pytest.fixture
def tiny(tmp_path):
    """The tiny catalogue (YAML), its units and reports as Parquet, and the same
    reports as a city dataset folder (CSV) for ``evaluation score``."""
    (tmp_path / "tiny.yaml").write_text(
        yaml.safe_dump(TINY, allow_unicode=True), encoding="utf-8"
    )
    no_parent = TINY_UNITS.assign(parent_id=None)  # null in Parquet, as exported
    no_parent.to_parquet(tmp_path / "units.parquet", index=False)
    obs = pd.DataFrame(TINY_ROWS, columns=["unit_id", "period", "indicator_id", "v"])
    obs = obs.assign(value=pd.to_numeric(obs.pop("v")))
    obs.to_parquet(tmp_path / "reports.parquet", index=False)
    write_dataset(tmp_path / "city", TINY_UNITS, TINY_ROWS)
    return tmp_path


@pytest.mark.parametrize("period", list(REFUSED))
def test_a_refused_period_is_said_in_the_pipeline_s_words(tiny, period):
    catalogue = ev.load_catalogue(tiny / "tiny.yaml")
    units = national.read_units(tiny / "units.parquet", catalogue)
    with pytest.raises(ev.EvaluationError) as parquet_path:
        national.score_parquet(
            tiny / "reports.parquet", units, catalogue, period=period
        )
    assert parquet_path.value.words == REFUSED[period]
    with pytest.raises(ev.EvaluationError) as pandas_path:
        ev.run(catalogue, ev.load_dataset(tiny / "city"), period=period)
    assert pandas_path.value.words == REFUSED[period]


@pytest.mark.parametrize("period", list(REFUSED))
def test_the_national_command_says_a_refused_period_as_score_does(tiny, period):
    common = ["--period", period, "--catalogue", str(tiny / "tiny.yaml")]
    done = CliRunner().invoke(
        app,
        ["national", str(tiny / "reports.parquet"), "--units",
         str(tiny / "units.parquet"), *common, "--out", str(tiny / "out")],
    )  # fmt: skip
    scored = CliRunner().invoke(
        app, ["score", str(tiny / "city"), *common, "--out", str(tiny / "o2")]
    )
    assert done.exit_code == scored.exit_code == 1
    assert done.output.splitlines() == list(REFUSED[period])
    assert scored.output == done.output
    assert not (tiny / "out").exists() and not (tiny / "o2").exists()


def test_the_national_command_reports_bad_rows_in_chinese(data, units, tmp_path):
    """A national export with a clerk's slips, as the command prints and writes the
    problem report in Chinese: every rule in Chinese words, none in English."""
    obs = data.observations[["unit_id", "period", "indicator_id", "value"]]
    obs = obs[obs["period"].str.startswith("2025-M1")].astype(str)  # Oct–Dec 2025
    obs = obs.replace("nan", None).reset_index(drop=True)
    obs.loc[3, "unit_id"] = "ZZ9"  # unknown unit
    obs.loc[5, "indicator_id"] = "no_such_series"
    obs.loc[7, "value"] = "12,5"  # not a number
    obs.loc[9, "period"] = "2025-M13"  # not a period label
    obs.to_parquet(tmp_path / "reports.parquet", index=False)
    units.to_parquet(tmp_path / "units.parquet", index=False)
    report = tmp_path / "问题清单.csv"
    done = CliRunner().invoke(
        app,
        [
            "national", str(tmp_path / "reports.parquet"),
            "--units", str(tmp_path / "units.parquet"), "--period", "2025-Q4",
            "--catalogue", str(ROOT / "indicators.yaml"), "--out",
            str(tmp_path / "out"), "--report", str(report),
        ],
    )  # fmt: skip
    assert done.exit_code == 1
    assert not (tmp_path / "out").exists()
    table = pd.read_csv(report, encoding="utf-8-sig", dtype=str)
    said = dict(zip(table["行"], table["规则"], strict=False))
    assert said["4"] == "单位代码不在单位名单（units.parquet）中"
    assert said["6"] == "指标代码不是指标体系中的指标或背景数据"
    assert said["8"] == "须填写数字（用小数点，不带%号，不用千分位逗号），或者留空"
    assert said["10"].startswith("报告期格式不对：应写作“2025”（年度）")
    english = re.compile(r"[A-Za-z]+ [A-Za-z]+ [A-Za-z]+|^[a-z_]+: ")
    assert [r for r in table["规则"] if english.search(r)] == []
    assert not [x for x in done.output.splitlines() if english.search(x)]


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh", "单位代码不在单位名单（全国单位名单.csv）中"),
        ("en", "known_unit: not a unit_id in 全国单位名单.csv"),
    ],
)
def test_an_unknown_unit_is_said_not_in_the_units_file_given(
    data, units, tmp_path, lang, words
):
    """The clerk gives the units as a CSV of their own name: a report of a unit
    not in it (ZZ9, row 4 of the reports file) names that file, as the problem
    report's rows of the units file name it, not units.csv."""
    obs = data.observations[["unit_id", "period", "indicator_id", "value"]]
    obs = obs[obs["period"].str.startswith("2025-M1")].reset_index(drop=True)
    obs.loc[3, "unit_id"] = "ZZ9"
    obs.to_parquet(tmp_path / "reports.parquet", index=False)
    named = tmp_path / "全国单位名单.csv"
    units.to_csv(named, index=False, encoding="utf-8-sig")
    report = tmp_path / "problems.csv"
    done = CliRunner().invoke(
        app,
        [
            "national", str(tmp_path / "reports.parquet"), "--units", str(named),
            "--period", "2025-Q4", "--catalogue", str(ROOT / "indicators.yaml"),
            "--out", str(tmp_path / "out"), "--report", str(report), "--lang", lang,
        ],
    )  # fmt: skip
    assert done.exit_code == 1
    table = pd.read_csv(report, encoding="utf-8-sig", dtype=str)
    (row,) = table[table.iloc[:, 1] == "4"].values.tolist()
    assert row[3:] == ["ZZ9", words]  # value, rule


def test_the_national_report_named_xlsx_is_a_workbook(data, units, tmp_path):
    """national --report 问题清单.xlsx: an Excel workbook, not CSV text in a file
    Excel refuses; ZZ9 (row 4 of the reports) said in its sheet, the row a number,
    and the row the unit then lacks (no row number: blank)."""
    import openpyxl

    obs = data.observations[["unit_id", "period", "indicator_id", "value"]]
    obs = obs[obs["period"].str.startswith("2025-M1")].reset_index(drop=True)
    lacked = " / ".join(obs.loc[3, ["unit_id", "period", "indicator_id"]])
    obs.loc[3, "unit_id"] = "ZZ9"
    obs.to_parquet(tmp_path / "reports.parquet", index=False)
    units.to_parquet(tmp_path / "units.parquet", index=False)
    report = tmp_path / "问题清单.xlsx"
    done = CliRunner().invoke(
        app,
        [
            "national", str(tmp_path / "reports.parquet"),
            "--units", str(tmp_path / "units.parquet"), "--period", "2025-Q4",
            "--catalogue", str(ROOT / "indicators.yaml"), "--out",
            str(tmp_path / "out"), "--report", str(report),
        ],
    )  # fmt: skip
    assert done.exit_code == 1, done.output
    rows = list(openpyxl.load_workbook(report)["问题清单"].iter_rows(values_only=True))
    assert rows[0] == ("文件", "行", "列", "值", "规则")
    file = str(tmp_path / "reports.parquet")
    assert {r[:4] for r in rows[1:]} == {
        (file, 4, "单位代码（unit_id）", "ZZ9"),
        (
            file,
            None,
            "单位代码（unit_id）、报告期（period）、指标代码（indicator_id）",
            lacked,
        ),
    }
    (said,) = [r[4] for r in rows if r[3] == "ZZ9"]
    assert said == "单位代码不在单位名单（units.parquet）中"


# ------------------------------------------------ a space at a code's start or end
SPACES = "前后有空格：“{}”开头或末尾有空格（引号内是单元格的原样内容），请删去空格"


def national_cli(reports, units, tmp_path, period="2025"):
    """``evaluation national`` as the clerk runs it: exit code and the problem
    report's rows (行、列、值、规则), if any."""
    units.to_parquet(tmp_path / "units.parquet", index=False)
    report = tmp_path / "问题清单.csv"
    report.unlink(missing_ok=True)
    done = CliRunner().invoke(
        app,
        [
            "national", str(reports), "--units", str(tmp_path / "units.parquet"),
            "--period", period, "--catalogue", str(ROOT / "indicators.yaml"),
            "--out", str(tmp_path / "out"), "--report", str(report),
        ],
    )  # fmt: skip
    if not report.exists():
        return done.exit_code, []
    table = pd.read_csv(report, encoding="utf-8-sig", dtype=str)
    return done.exit_code, table[["行", "列", "值", "规则"]].values.tolist()


def test_a_spaced_unit_code_is_said_as_its_spaces_and_once_deleted_the_file_scores(
    data, units, reports, tmp_path
):
    """'D07 ' on D07's rows of a national export: each row said as the city path
    says it (spaces, the code between quotes), not as a unit missing from the units
    table; with the space deleted the same file scores as the clean export does."""
    obs = data.observations[["unit_id", "period", "indicator_id", "value"]].copy()
    obs["unit_id"] = obs["unit_id"].astype(str)
    d07 = np.flatnonzero(obs["unit_id"] == "D07")
    assert len(d07) > 100  # every agency's rows of one unit
    obs.iloc[d07, 0] = "D07 "
    obs.to_parquet(tmp_path / "spaced.parquet", index=False)
    code, said = national_cli(tmp_path / "spaced.parquet", units, tmp_path)
    assert code == 1 and not (tmp_path / "out").exists()
    assert said == [
        [str(r + 1), "单位代码（unit_id）", "“D07 ”", SPACES.format("D07 ")]
        for r in d07
    ]
    obs.iloc[d07, 0] = "D07"  # the clerk deletes the space
    obs.to_parquet(tmp_path / "fixed.parquet", index=False)
    code, said = national_cli(tmp_path / "fixed.parquet", units, tmp_path)
    assert (code, said) == (0, [])
    clean = national.score_parquet(reports, units, ev.load_catalogue(
        ROOT / "indicators.yaml"), period="2025")  # fmt: skip
    written = pd.read_parquet(tmp_path / "out" / "national_2025" / "composite.parquet")
    assert written.equals(clean.composite.reset_index(drop=True))
    assert "D07" in set(written["unit_id"].astype(str))


@pytest.mark.parametrize(
    ("column", "sent"),
    [
        ("unit_id", "D07 "),  # D07 is a unit: the space is the fault
        ("unit_id", "\u3000D07"),  # a full-width space
        ("unit_id", "ZZ9 "),  # no unit ZZ9: unknown, and the space too
        ("period", " 2025-M10"),
        ("period", "2025-M13 "),  # no such month: wrong, and the space too
        ("indicator_id", " approval_on_time_rate"),
        ("value", "80\u3000"),  # a number once its full-width space is deleted
    ],
)
def test_a_spaced_cell_is_reported_as_the_pipeline_reports_it(
    catalogue, data, column, sent, tmp_path
):
    """One spaced cell of each kind: the national report's row (value between
    quotes, the spaces named, with the check's words if it fails without them
    too) is the pipeline validator's on the same file."""
    obs = data.observations[["unit_id", "period", "indicator_id", "value"]]
    obs = obs[obs["period"].str.startswith("2025-M1")].astype(str)  # Oct–Dec 2025
    obs = obs.replace("nan", None).reset_index(drop=True)
    at = obs.index[(obs["unit_id"] == "D07") & (obs["period"] == "2025-M10")]
    at = at[obs.loc[at, "indicator_id"] == "approval_on_time_rate"][0]
    obs.loc[at, column] = sent
    pipeline, ours = both_reports(obs, tmp_path / "spaced", catalogue)

    def rows(report):
        r = report[report["row"].notna()]
        return r[["row", "column", "value", "rule", "rule_zh"]].values.tolist()

    (have,) = rows(ours)
    assert have[:3] == [at + 1, column, f"“{sent}”"]  # as sent, the space seen
    assert "spaces" in have[3] and "空格" in have[4]
    assert rows(ours) == rows(pipeline)


@pytest.mark.parametrize(
    ("sent", "said"),
    [
        ("85.3%", "“85.3%”带了百分号：请只填数字85.3"),  # a rate, in %
        ("1,234", "“1,234”带了千位分隔符：请填1234"),
        ("８５", "“８５”用了全角数字或符号，请改为半角的“85”"),
    ],
)
def test_a_number_typed_with_its_marks_is_said_as_the_pipeline_says_it(
    catalogue, data, sent, said, tmp_path
):
    """A rate typed 85.3%, 1,234 or in full-width digits: the national report says
    the slip and the number to type, as the pipeline's validator does on the same
    file, not the generic 须填写数字."""
    obs = data.observations[["unit_id", "period", "indicator_id", "value"]]
    obs = obs[obs["period"].str.startswith("2025-M1")].astype(str)  # Oct–Dec 2025
    obs = obs.replace("nan", None).reset_index(drop=True)
    at = obs.index[(obs["unit_id"] == "D07") & (obs["period"] == "2025-M10")]
    at = at[obs.loc[at, "indicator_id"] == "approval_on_time_rate"][0]
    obs.loc[at, "value"] = sent
    pipeline, ours = both_reports(obs, tmp_path / "marks", catalogue)

    def rows(report):
        r = report[report["row"].notna()]
        return r[["row", "column", "value", "rule", "rule_zh"]].values.tolist()

    assert rows(pipeline) == [[at + 1, "value", sent, rows(pipeline)[0][3], said]]
    assert rows(ours) == rows(pipeline)


# ------------------------------------- a ranked unit with a dimension not scored
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_summary_says_units_ranked_with_a_dimension_not_scored(
    units, reports, tmp_path, lang
):
    """As ``score`` says it: 2025-Q4 ranks 5 units with a dimension not scored, D20
    (1st) first; the line counts them, names the first 3 and points to the file
    that holds the dimension scores (no media table on this path). 2025 has none."""
    units.to_parquet(tmp_path / "units.parquet", index=False)

    def national(period):
        done = CliRunner().invoke(
            app,
            [
                "national", str(reports), "--units", str(tmp_path / "units.parquet"),
                "--period", period, "--catalogue", str(ROOT / "indicators.yaml"),
                "--out", str(tmp_path / "out"), "--lang", lang,
            ],
        )  # fmt: skip
        assert done.exit_code == 0, done.output
        return done.output

    if lang == "zh":
        head = "5个单位有一级指标因数据不足未计分，其综合得分按其余一级指标计算："
        tail = "等；各单位的一级指标得分见 scores.parquet（未计分的为空）"
        sep, first = "、", "市机关事务管理局（行政成本）"
    else:
        head = (
            "5 units ranked with a level-1 dimension not scored (too few values; "
            "their composites are their other dimensions'): "
        )
        tail = (
            " and 2 more; scores.parquet has each unit's dimension scores "
            "(blank: not scored)"
        )
        sep = "; "
        first = "Municipal Government Offices Administration (Administrative cost)"
    (line,) = [x for x in national("2025-Q4").splitlines() if x.startswith(head)]
    assert line.endswith(tail), line
    named = line.removeprefix(head).removesuffix(tail).split(sep)
    assert len(named) == 3 and set(named) <= BLANK_Q4[lang], named
    assert named[0] == first  # D20, ranked 1st
    annual = national("2025")
    assert ("未计分" if lang == "zh" else "dimension not scored") not in annual


def test_a_killed_national_runs_staging_is_removed_by_the_next_run(
    units, reports, tmp_path
):
    """``evaluation national`` killed midway (SIGKILL, a power cut) leaves its
    staging folder beside the output, named by its process; the next run removes it
    and writes the whole output folder."""
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    host = staging_host()
    stale = tmp_path / "out" / f".national_2025-{host}-{int(gone.stdout)}-k1ll3d_0"
    stale.mkdir(parents=True)
    (stale / "ranks.parquet").write_bytes(b"PAR1 half written")
    code, problems = national_cli(reports, units, tmp_path)
    assert (code, problems) == (0, [])
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["national_2025"]
    written = tmp_path / "out" / "national_2025"
    assert {"composite.parquet", "ranks.parquet", "scores.parquet"} <= {
        p.name for p in written.iterdir()
    }


def test_an_empty_text_cell_in_a_parquet_file_is_blank_as_in_a_csv(
    units, reports, tmp_path
):
    """A database export writes "" where a unit has no parent; a CSV's empty cell
    is blank, so the same table as Parquet must read the same: scored, not each
    top-level unit refused as having an unknown parent."""
    assert units["parent_id"].isna().any()  # top-level units: no parent
    empty = units.assign(parent_id=units["parent_id"].fillna(""))
    code, problems = national_cli(reports, empty, tmp_path)
    assert (code, problems) == (0, [])
    blank = pd.read_parquet(tmp_path / "out" / "national_2025" / "ranks.parquet")
    code, _ = national_cli(reports, units, tmp_path / "out")
    assert code == 0
    nulls = pd.read_parquet(
        tmp_path / "out" / "out" / "national_2025" / "ranks.parquet"
    )
    pd.testing.assert_frame_equal(blank, nulls)
