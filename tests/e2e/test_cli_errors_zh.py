"""Every command family refuses bad input in Chinese (with the English after it;
English alone with --lang en), naming what and where, exit ≠ 0, nothing written.

The clerk's and the analyst's mistakes, one per family: a file that is not a
ledger, a flag id that does not exist, a store that is not there, a run that is
not in it, a peer group the catalogue lacks, a units table with a bad row, a
broken catalogue. Expected words are written here by hand."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from evaluation.cli import app

from ..conftest import ROOT

runner = CliRunner()
SAMPLE = ROOT / "data" / "sample"
CATALOGUE = ROOT / "indicators.yaml"


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("scored")
    done = invoke(
        "score", SAMPLE, "--period", "2025-Q4", "--out", out, "--catalogue", CATALOGUE
    )
    assert done.exit_code == 0, done.output
    return out / "result"


@pytest.fixture(scope="module")
def store(result, tmp_path_factory):
    path = tmp_path_factory.mktemp("store") / "store.duckdb"
    done = invoke("publish", result, "--store", path, "--by", "测试", "--release")
    assert done.exit_code == 0, done.output
    return path


def test_ledger_a_file_that_is_not_a_ledger(tmp_path):
    ledger = tmp_path / "台账.csv"
    ledger.write_text("单位,问题\nD01,x\n", encoding="utf-8-sig")
    before = ledger.read_bytes()
    done = invoke("ledger", ledger, "--catalogue", CATALOGUE, "--as-of", "2026-01-31")
    assert done.exit_code == 1
    assert f"{ledger}不是整改台账文件：缺少列" in done.output
    assert "item_id" in done.output  # the column it lacks
    assert "not a ledger file" in done.output  # the English after it
    assert ledger.read_bytes() == before  # nothing written
    english = invoke("ledger", ledger, "--catalogue", CATALOGUE, "--lang", "en")
    assert english.exit_code == 1 and "不是" not in english.output


def test_ledger_a_date_that_is_no_date(tmp_path):
    missing = tmp_path / "none.csv"
    done = invoke("ledger", missing, "--catalogue", CATALOGUE)
    assert done.exit_code == 1
    assert f"{missing}：没有这个整改台账" in done.output
    assert not missing.exists()


def test_flags_an_unknown_flag_is_refused_and_nothing_recorded(result, tmp_path):
    decisions = tmp_path / "decisions.csv"
    done = invoke(
        "flags", result, "--decisions", decisions, "--accept", "F-NONE",
        "--comment", "核实无误", "--by", "张三",
    )  # fmt: skip
    assert done.exit_code == 1
    assert "本次结果中没有数据质量提示 'F-NONE'" in done.output
    assert not decisions.exists()
    both = invoke(
        "flags", result, "--decisions", decisions, "--accept", "a", "--dismiss", "b"
    )
    assert both.exit_code == 2 and "--accept 与 --dismiss 只能给一个" in both.output


def test_store_commands_a_store_that_is_not_there(tmp_path):
    missing = tmp_path / "nowhere.duckdb"
    for args in (("runs",), ("cases",), ("finalise", "R1", "--by", "x")):
        done = invoke(*args, "--store", missing)
        assert done.exit_code == 1, args
        assert f"{missing}处没有发布库" in done.output, args
        assert "no publication store" in done.output  # English after it
        assert not missing.exists()  # never made into an empty store
    english = invoke("runs", "--store", missing, "--lang", "en")
    assert english.exit_code == 1 and "发布库" not in english.output


def test_report_grades_letters_a_run_not_in_the_store(store, tmp_path):
    pdf = tmp_path / "report.pdf"
    done = invoke("report", "2099-annual-v1", "--store", store, "--out", pdf)
    assert done.exit_code == 1
    assert f"发布库{store}中没有运行 '2099-annual-v1'" in done.output
    assert not pdf.exists()
    letters = invoke("letters", "nope", "--store", store, "--out", tmp_path / "l")
    assert letters.exit_code == 1 and "中没有运行 'nope'" in letters.output
    assert not (tmp_path / "l").exists()
    date = invoke(
        "letters", "nope", "--store", store, "--out", tmp_path / "l", "--date", "明天"
    )
    assert date.exit_code == 2 and "--date 须为日期 YYYY-MM-DD，而不是 '明天'" in (
        date.output
    )


def test_publish_a_clerks_bad_appraisal_row_names_file_row_column_value(
    result, tmp_path
):
    folder = tmp_path / "appraisal"
    shutil.copytree(SAMPLE / "appraisal", folder)
    path = folder / "faults.csv"
    text = path.read_text(encoding="utf-8-sig").replace("D03,", "D99,", 1)
    path.write_text(text, encoding="utf-8-sig")
    store = tmp_path / "s.duckdb"
    done = invoke(
        "publish", result, "--appraisal", folder, "--store", store, "--by", "测试"
    )
    assert done.exit_code == 1
    assert "数据校验未通过：共1个问题" in done.output
    line = next(x for x in done.output.splitlines() if x.startswith("faults.csv 2"))
    assert "单位代码（unit_id）" in line and "D99" in line
    assert not store.exists()
    usage = invoke("publish", "--store", store)
    assert usage.exit_code == 2 and "请给出结果文件夹" in usage.output


def test_export_an_unknown_peer_group(result, tmp_path):
    out = tmp_path / "media.csv"
    done = invoke("export", result, "--out", out, "--peer-group", "乡镇")
    assert done.exit_code == 1
    assert "没有类别 '乡镇'；已有类别：" in done.output
    assert not out.exists() and not list(tmp_path.iterdir())
    table = invoke("export", result, "--out", out, "--table", "scores")
    assert table.exit_code == 2 and "--table 只能是" in table.output


def test_uncertainty_an_error_without_chinese_words_keeps_its_english(result, tmp_path):
    out = tmp_path / "u.csv"
    done = invoke("uncertainty", result, "--out", out, "--aggregations", "median")
    assert done.exit_code == 1
    assert done.output.startswith("未能完成：")
    assert not out.exists()


def test_national_a_bad_units_row(tmp_path):
    units = tmp_path / "units.csv"
    text = (SAMPLE / "units.csv").read_text(encoding="utf-8-sig").splitlines()
    text[1] = text[1].replace("department", "乡镇", 1).replace("district", "乡镇", 1)
    units.write_text("\n".join(text) + "\n", encoding="utf-8-sig")
    out = tmp_path / "out"
    done = invoke(
        "national", tmp_path / "none.parquet", "--units", units, "-p", "2025",
        "-c", CATALOGUE, "--out", out,
    )  # fmt: skip
    assert done.exit_code == 1
    assert "数据校验未通过" in done.output
    line = next(x for x in done.output.splitlines() if x.startswith("units.csv 2"))
    assert "乡镇" in line
    assert not out.exists()


def test_generate_a_broken_catalogue(tmp_path):
    broken = tmp_path / "indicators.yaml"
    broken.write_text("id: x\nindicators: 3\n", encoding="utf-8")
    out = tmp_path / "city"
    done = invoke("generate", out, "--catalogue", broken)
    assert done.exit_code == 1
    assert f"指标体系文件{broken}有" in done.output and "个问题：" in done.output
    assert not out.exists()
