"""Every command family refuses bad input in Chinese (with the English after it;
English alone with --lang en), naming what and where, exit ≠ 0, nothing written.

The clerk's and the analyst's mistakes, one per family: a file that is not a
ledger, a flag id that does not exist, a store that is not there, a run that is
not in it, a peer group the catalogue lacks, a units table with a bad row, a
broken catalogue. Expected words are written here by hand."""

from __future__ import annotations

import re
import shlex
import shutil
from datetime import date, timedelta

import pandas as pd
import pytest
from typer.testing import CliRunner

from evaluation.cli import app
from evaluation.publish.publication import Publication
from evaluation.publish.store import Store

from ..conftest import ROOT
from ..publish.test_publication import graded

runner = CliRunner()
SAMPLE = ROOT / "data" / "sample"
CATALOGUE = ROOT / "indicators.yaml"


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def result(q4_result):
    return q4_result


@pytest.fixture(scope="module")
def store(q4_store):
    return q4_store


def test_ledger_a_file_that_is_not_a_ledger(tmp_path):
    ledger = tmp_path / "台账.csv"
    ledger.write_text("单位,问题\nD01,x\n", encoding="utf-8-sig")
    before = ledger.read_bytes()
    done = invoke("ledger", ledger, "--catalogue", CATALOGUE, "--as-of", "2026-01-31")
    assert done.exit_code == 1
    assert f"{ledger} 不是整改台账文件：缺少列" in done.output
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
    assert "本次结果中没有数据质量提示“F-NONE”" in done.output
    assert not decisions.exists()
    both = invoke(
        "flags", result, "--decisions", decisions, "--accept", "a", "--dismiss", "b"
    )
    assert both.exit_code == 2 and "--accept 与 --dismiss 只能给一个" in both.output


def test_store_commands_a_store_that_is_not_there(tmp_path):
    missing = tmp_path / "nowhere.duckdb"
    for args in (
        ("runs",),
        ("cases",),
        ("finalise", "R1", "--by", "x"),
        ("publish", "--run", "R1", "--by", "x"),  # a release reads a store too
    ):
        done = invoke(*args, "--store", missing)
        assert done.exit_code == 1, args
        assert f"{missing} 处没有发布库" in done.output, args
        assert "no publication store" in done.output  # English after it
        assert not missing.exists()  # never made into an empty store
    english = invoke("runs", "--store", missing, "--lang", "en")
    assert english.exit_code == 1 and "发布库" not in english.output


def test_a_store_command_run_outside_the_project_says_where_it_looked(
    tmp_path, monkeypatch
):
    """README: a command run elsewhere says so and names the file it did not find,
    as a missing catalogue is said (找不到文件 /…/indicators.yaml（请检查路径，或在
    项目文件夹中运行）): the default store by its full path and the likely cause,
    before how a new store is made."""
    monkeypatch.chdir(tmp_path)
    looked = tmp_path / "data" / "store.duckdb"
    for args in (("runs",), ("cases",), ("verify",)):
        done = invoke(*args)
        assert done.exit_code == 1, (args, done.output)
        assert f"{looked} 处没有发布库（请检查路径，或在项目文件夹中运行）：" in (
            done.output
        ), (args, done.output)
        assert f"no publication store at {looked} (check the path, or run" in (
            done.output
        )
    done = invoke("export", tmp_path / "r", "--table", "grades", "--store",
                  "data/store.duckdb", "--out", tmp_path / "g.csv")  # fmt: skip
    assert f"{looked} 处没有发布库（请检查路径" in done.output, done.output
    assert not (tmp_path / "data").exists()  # nothing made


def test_report_grades_letters_a_run_not_in_the_store(store, tmp_path):
    pdf = tmp_path / "report.pdf"
    done = invoke("report", "2099-annual-v1", "--store", store, "--out", pdf)
    assert done.exit_code == 1
    assert f"发布库 {store} 中没有运行“2099-annual-v1”" in done.output
    assert not pdf.exists()
    letters = invoke("letters", "nope", "--store", store, "--out", tmp_path / "l")
    assert letters.exit_code == 1 and "中没有运行“nope”" in letters.output
    assert not (tmp_path / "l").exists()
    date = invoke(
        "letters", "nope", "--store", store, "--out", tmp_path / "l", "--date", "明天"
    )
    assert date.exit_code == 2 and "--date 须为日期 YYYY-MM-DD，而不是“明天”" in (
        date.output
    )


def test_report_out_is_the_pdf_and_html_is_refused_there(store, tmp_path):
    """``report --out x.html`` wrote a PDF under the HTML name and said it wrote
    it: refused before the store is read (a run not in it is not reached), and
    the hint names --html with the clerk's own names."""
    page = tmp_path / "report_2025.html"
    done = invoke("report", "nope", "--store", store, "--out", page)
    assert done.exit_code == 2, done.output
    pdf = tmp_path / "report_2025.pdf"
    assert (
        "--out 须以 .pdf 结尾，而不是“report_2025.html”；--out 写出 PDF，HTML 用 "
        f"--html 写出，例如 --out {pdf} --html {page}"
    ) in done.output
    assert "中没有运行" not in done.output  # refused before any work
    english = invoke("report", "nope", "--store", store, "--out", page, "--lang", "en")
    assert english.exit_code == 2 and "须以" not in english.output
    assert "--out must end in .pdf, not 'report_2025.html'; --out writes the PDF " in (
        english.output
    )
    html = invoke(
        "report", "nope", "--store", store, "--out", pdf, "--html", tmp_path / "r.pdf"
    )
    assert html.exit_code == 2
    assert "--html 须以 .html 结尾，而不是“r.pdf”（PDF 用 --out 写出）" in html.output
    assert not list(tmp_path.iterdir())


def test_csv_and_workbook_outputs_refuse_another_suffix(result, store, tmp_path):
    """export, diff and uncertainty wrote a CSV under whatever name --out gave
    (a CSV named .pdf, or .xlsx for diff): each refuses, exit 2, nothing written."""
    done = invoke("export", result, "--out", tmp_path / "media.pdf")
    assert done.exit_code == 2
    assert "--out 须以 .csv 或 .xlsx 结尾，而不是“media.pdf”" in done.output
    diff = invoke(
        "diff", RUN, RUN, "--store", store, "--out", tmp_path / "changes.xlsx"
    )
    assert diff.exit_code == 2
    assert "--out 须以 .csv 结尾，而不是“changes.xlsx”" in diff.output
    drawn = invoke("uncertainty", result, "--out", tmp_path / "r.txt", "--lang", "en")
    assert drawn.exit_code == 2 and "--out must end in .csv, not 'r.txt'" in (
        drawn.output
    )
    assert not list(tmp_path.iterdir())


def test_uncertainty_sobol_and_draw_files_refuse_another_suffix(result, tmp_path):
    """--sobol-out and --save-draws wrote a CSV under whatever name they gave (a
    CSV named .xlsx): refused as --out is, exit 2, before any draw, the option
    named, in Chinese with the English after it (or in English alone)."""
    out = tmp_path / "r.csv"
    sobol = invoke(
        "uncertainty", result, "--out", out, "--sobol", "8",
        "--sobol-out", tmp_path / "s.xlsx",
    )  # fmt: skip
    assert sobol.exit_code == 2
    assert "--sobol-out 须以 .csv 结尾，而不是“s.xlsx”" in sobol.output
    assert "--sobol-out must end in .csv, not 's.xlsx'" in sobol.output
    english = invoke(
        "uncertainty", result, "--out", out, "--save-draws", tmp_path / "d.txt",
        "--lang", "en",
    )  # fmt: skip
    assert english.exit_code == 2 and "须以" not in english.output
    assert "--save-draws must end in .csv, not 'd.txt'" in english.output
    assert not list(tmp_path.iterdir())  # refused before any work


def test_letters_out_is_a_folder_not_a_pdf(store, tmp_path):
    done = invoke("letters", "nope", "--store", store, "--out", tmp_path / "l.pdf")
    assert done.exit_code == 2
    assert (
        "--out 是存放反馈意见书的文件夹（每个单位一份 PDF），不能是文件名“l.pdf”："
        f"请给出文件夹，例如 --out {tmp_path / 'l'}"
    ) in done.output
    assert not list(tmp_path.iterdir())


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


def test_publish_a_draft_with_appraisal_inputs_is_refused(tmp_path):
    """A release publishes the stored draft as it is: --appraisal beside --run
    would be read by nothing, so it is refused as --supersedes is, in both
    languages, before any store is opened."""
    store = tmp_path / "s.duckdb"
    args = ("publish", "--run", "annual-2025-1", "--appraisal", SAMPLE / "appraisal")
    zh = invoke(*args, "--store", store)
    assert zh.exit_code == 2
    assert (
        "--appraisal 只能与新的结果文件夹一起使用，不能与 --run 一起使用" in zh.output
    )
    assert "发布草稿即按存入时的原样发布" in zh.output
    en = invoke(*args, "--store", store, "--lang", "en")
    assert en.exit_code == 2
    assert "--appraisal goes with a new RESULT, not --run" in en.output
    assert "a release publishes the stored draft as it is" in en.output
    assert not store.exists()


@pytest.fixture(scope="module")
def draft(result, tmp_path_factory):
    """A store holding 2025-Q4's period run as a draft (``publish RESULT``), and
    the draft's id."""
    path = tmp_path_factory.mktemp("draft") / "store.duckdb"
    done = invoke("publish", result, "--store", path, "--by", "测试")
    assert done.exit_code == 0, done.output
    with Store(path, read_only=True) as s:
        (run_id,) = s.runs()["run_id"]
    return path, run_id


@pytest.mark.parametrize(
    ("given", "zh_why", "en_why"),
    [
        (  # its default typed out: given all the same
            ("--appraisal-config", "appraisal.yaml"),
            "发布草稿即按存入时的原样发布，其考评结果已随草稿存入，不再读取考评规则",
            "a release publishes the stored draft as it is, its appraisal stored "
            "with it, and reads no appraisal rules",
        ),
        (
            ("--release",),
            "--run 本身即发布该草稿；--release 用于存入新结果时随即发布",
            "--run releases the draft itself; --release releases a new RESULT as it "
            "is stored",
        ),
        (
            ("--uncertainty-draws", "200"),
            "排名区间在存入运行时模拟，随草稿存入；发布草稿时不再模拟",
            "rank intervals are drawn when a run is stored and kept with the draft; "
            "a release draws none",
        ),
        (
            ("--skip-released",),
            "发布草稿不存入新结果，无可跳过；同一类型、同一报告期已有发布的运行时，"
            "发布草稿仍不予受理",
            "a release stores no new result to skip; a draft of a kind and period "
            "released already is refused all the same",
        ),
        (
            ("--report", "问题清单.csv"),
            "发布草稿不读取任何输入文件，没有输入问题可写",
            "a release reads no input file, so has no input problems to write",
        ),
    ],
    ids=["appraisal-config", "release", "uncertainty-draws", "skip-released", "report"],
)
def test_publish_a_draft_with_an_option_of_a_new_run_is_refused(
    draft, tmp_path, given, zh_why, en_why
):
    """``publish --run`` releases the draft as stored: an option only a new run
    reads, given beside it, is refused by name with why, in both languages, and
    nothing is written; the same release without it goes through."""
    store = tmp_path / "store.duckdb"
    shutil.copyfile(draft[0], store)
    before = store.read_bytes()
    args = ("publish", "--run", draft[1], "--by", "主任", "--store", store)
    option = given[0]
    zh = invoke(*args, *given)
    assert zh.exit_code == 2, zh.output
    assert (
        f"{option} 只能与新的结果文件夹一起使用，不能与 --run 一起使用：{zh_why}"
        in zh.output
    )
    en = invoke(*args, *given, "--lang", "en")
    assert en.exit_code == 2, en.output
    assert f"{option} goes with a new RESULT, not --run: {en_why}" in en.output
    assert store.read_bytes() == before  # nothing written, nothing published
    assert [p.name for p in tmp_path.iterdir()] == ["store.duckdb"]
    with Store(store, read_only=True) as s:
        assert s.runs().set_index("run_id").at[draft[1], "status"] == "draft"
    done = invoke(*args)  # the defaults (--appraisal-config's too) are not given
    assert done.exit_code == 0, done.output
    assert f"已正式发布运行 {draft[1]}（现行有效）" in done.output


def test_publish_a_period_draft_with_notice_days_is_refused(
    draft, tmp_path, tiny_result
):
    """--notice-days is the length of an annual run's 公示: beside --run of a
    period run (no appraisal, published at once, no 公示), even as its default
    typed out, it would be read by nothing, so it is refused by name, in both
    languages, exit 2, nothing written. Beside an annual draft it sets the 公示:
    10 days, both ends included (the first day + 9)."""
    store = tmp_path / "store.duckdb"
    shutil.copyfile(draft[0], store)
    before = store.read_bytes()
    args = ("publish", "--run", draft[1], "--by", "主任", "--store", store)
    zh = invoke(*args, "--notice-days", "7")
    assert zh.exit_code == 2, zh.output
    assert (
        f"--notice-days 是年度考评运行的公示天数，不能用于运行 {draft[1]}："
        "它是期间评分运行，没有考评结果，发布即正式发布，不经公示"
    ) in zh.output
    assert "--notice-days is the length of an annual run's 公示" in zh.output
    en = invoke(*args, "--notice-days", "7", "--lang", "en")
    assert en.exit_code == 2, en.output
    assert (
        f"not for run {draft[1]}: a period run, without an appraisal, published"
        " final at once with no 公示"
    ) in en.output
    assert "不能" not in en.output
    assert store.read_bytes() == before  # nothing written, nothing published
    with Store(store, read_only=True) as s:
        assert s.runs().set_index("run_id").at[draft[1], "status"] == "draft"
    annual_store = tmp_path / "annual.duckdb"
    with Publication(annual_store) as s:
        annual = s.add_run(tiny_result, graded(tiny_result), by="analyst")
    done = invoke(
        "publish", "--run", annual, "--by", "主任", "--store", annual_store,
        "--notice-days", "10",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    with Store(annual_store, read_only=True) as s:
        row = s.runs().set_index("run_id").loc[annual]
    assert row["status"] == "notice"
    days = date.fromisoformat(row["notice_until"]) - date.fromisoformat(
        row["notice_from"]
    )
    assert days == timedelta(days=9)


@pytest.mark.parametrize(
    ("given", "zh_why", "en_why"),
    [
        (
            (),  # no --appraisal: a period run, published final at once
            "只能与 --appraisal 和 --release 一起使用：没有 --appraisal，存入的是期间"
            "评分运行，发布即正式发布，不经公示",
            "goes with --appraisal and --release: without --appraisal the run is a "
            "period run, published final at once with no 公示",
        ),
        (
            ("--appraisal", SAMPLE / "appraisal"),  # no --release: a draft
            "只能与 --appraisal 和 --release 一起使用：不加 --release，存入的是草稿，"
            "草稿不公示；公示天数在发布草稿时给出（evaluation publish --run "
            "运行编号{where} --notice-days 天数）",
            "goes with --appraisal and --release: without --release the run is "
            "stored as a draft, with no 公示; give its length when the draft is "
            "released (evaluation publish --run ID{where} --notice-days N)",
        ),
    ],
    ids=["period-run", "annual-draft"],
)
def test_publish_a_new_run_with_notice_days_that_opens_no_notice_is_refused(
    result, tmp_path, given, zh_why, en_why
):
    """--notice-days sets the 公示 an annual run opens when it is released. Beside
    a new period run (no --appraisal) or a new annual draft (no --release) it was
    dropped without a word: the draft, released later with ``publish --run``,
    opened a 公示 of the default 7 days, not the 10 typed. Refused by name and why,
    in both languages, exit 2, no store made."""
    store = tmp_path / "store.duckdb"
    # the command it names acts on the store given (not the default one)
    where = f" --store {shlex.quote(str(store))}"
    zh_why, en_why = zh_why.format(where=where), en_why.format(where=where)
    args = ("publish", result, "--by", "测试", "--store", store, *given)
    zh = invoke(*args, "--notice-days", "10")
    assert zh.exit_code == 2, zh.output
    assert f"--notice-days 是年度考评运行的公示天数，{zh_why}" in zh.output
    en = invoke(*args, "--notice-days", "10", "--lang", "en")
    assert en.exit_code == 2, en.output
    said = " ".join(en.output.split())  # the words as one line
    assert (
        "--notice-days is the length of an annual run's 公示 (public notice) and "
        f"{en_why}" in said
    )
    assert "不经公示" not in en.output
    assert not store.exists()


def test_publish_a_new_annual_run_released_at_once_opens_the_notice_days_typed(
    sample_result, tmp_path
):
    """--appraisal and --release: the annual run opens its 公示 at once, as long as
    --notice-days says, 10 days here, both ends included (the first day + 9)."""
    from evaluation.publish.store import save_result

    store = tmp_path / "store.duckdb"
    done = invoke(
        "publish", save_result(sample_result, tmp_path / "result"),
        "--appraisal", SAMPLE / "appraisal", "--appraisal-config",
        ROOT / "appraisal.yaml", "--by", "测试", "--store", store, "--release",
        "--notice-days", "10",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    with Store(store, read_only=True) as s:
        (row,) = s.runs().to_dict("records")
    days = date.fromisoformat(row["notice_until"]) - date.fromisoformat(
        row["notice_from"]
    )
    assert (row["status"], days) == ("notice", timedelta(days=9))


def test_export_an_unknown_peer_group(result, tmp_path):
    out = tmp_path / "media.csv"
    done = invoke("export", result, "--out", out, "--peer-group", "乡镇")
    assert done.exit_code == 1
    assert "没有类别“乡镇”；已有类别：" in done.output
    # the groups by code and name (indicators.yaml), listed with 、 as Chinese lists
    assert "已有类别：economic（经济管理部门）、social（社会事业部门）、" in done.output
    assert "known: economic (Economic management departments), social (" in done.output
    assert not out.exists() and not list(tmp_path.iterdir())
    table = invoke("export", result, "--out", out, "--table", "scores")
    assert table.exit_code == 2 and "--table 只能是" in table.output
    assert "--table 只能是 media、ranking、warnings、" in table.output


def test_export_grades_without_a_store_names_the_one_make_run_makes(result, tmp_path):
    out = tmp_path / "grades.xlsx"
    done = invoke("export", result, "--table", "grades", "--out", out)
    assert done.exit_code == 1
    assert (
        "--table grades 从发布库读取年度考评等次：请用 --store 指定发布库"
        "（如 make run 建立的 --store data/store.duckdb）" in done.output
    ), done.output
    assert not out.exists()


def test_uncertainty_an_aggregation_that_is_no_method(result, tmp_path):
    out = tmp_path / "u.csv"
    done = invoke("uncertainty", result, "--out", out, "--aggregations", "median")
    assert done.exit_code == 1
    assert done.output.startswith(
        "汇总方法选项只能是 catalogue（指标体系所定方法）或以下之一：arithmetic、"
    )
    assert "而不是“median”" in done.output
    assert not out.exists()
    brackets = invoke(
        "uncertainty", result, "--out", out, "--normalisations", "minmax:low=[1"
    )
    assert brackets.exit_code == 1
    assert "方括号[ ]、花括号{ }和双引号须成对出现（有括号不成对）" in brackets.output
    for option, said in (
        ("minmax:lo=1", "lo=“1”：不是minmax的参数（其参数：low、high）"),
        ("zscore:sd=-1", "sd=“-1”：须大于0"),
        ("goalposts:best=1", "worst：必须给出"),
    ):
        done = invoke("uncertainty", result, "--out", out, "--normalisations", option)
        assert done.exit_code == 1
        assert done.output.startswith(f"标准化选项“{option}”：{said}\n"), option
    english = invoke(
        "uncertainty", result, "--out", out, "--aggregations", "median", "--lang", "en"
    )
    assert english.exit_code == 1 and "汇总" not in english.output
    assert "aggregation options are catalogue or one of" in english.output
    assert not out.exists()


# ------------------------------------------------------ the publication lifecycle
RUN = "period-2025-Q4-1.v1"  # the fixture store's released period run


def runs_in(store) -> str:
    done = invoke("runs", "--store", store, "--lang", "en")
    assert done.exit_code == 0, done.output
    return done.output


def test_publish_a_second_run_of_a_period_in_force(result, store, tmp_path):
    copy = tmp_path / "store.duckdb"
    shutil.copy(store, copy)
    before = runs_in(copy)
    done = invoke("publish", result, "--store", copy, "--by", "李四", "--release")
    assert done.exit_code == 1
    assert (
        f"2025年第四季度的评分运行已经存在：{RUN} 现行有效。同一类型、同一期间只能"
        "有一个现行运行：如需替换，请将新结果作为" in done.output
    )
    assert f"--supersedes {RUN} --reason" in done.output
    assert runs_in(copy) == before  # nothing stored
    nobody = invoke(
        "publish", result, "--store", copy, "--by", " ", "--supersedes", RUN,
        "--reason", "复核更正",
    )  # fmt: skip
    assert nobody.exit_code == 1
    assert "存入运行须写明经办人姓名（--by）" in nobody.output
    assert runs_in(copy) == before


def test_finalise_appeal_and_decide_on_a_final_period_run(store, tmp_path):
    copy = tmp_path / "store.duckdb"
    shutil.copy(store, copy)
    before = runs_in(copy)
    done = invoke("finalise", RUN, "--store", copy, "--by", "王五")
    assert done.exit_code == 1
    assert f"运行 {RUN} 已于" in done.output and "（北京时间）正式发布" in done.output
    appeal = invoke(
        "appeal-case", RUN, "--unit", "D01", "--by", "王五", "--grounds", "计分有误",
        "--store", copy,
    )  # fmt: skip
    assert appeal.exit_code == 1
    assert f"申诉只能针对公示中的运行；运行 {RUN} 已于" in appeal.output
    assert "如需更正须存入新版本" in appeal.output
    # a period run's correction needs no appraisal inputs: the command as given
    where = f"--store {shlex.quote(str(copy))}"  # the store it was asked of
    assert f"evaluation appeal {RUN} 结果文件夹 {where} --reason …" in appeal.output
    decide = invoke(
        "decide", "X.c9", "--decision", "upheld", "--by", "王五", "--note", "复核",
        "--store", copy,
    )  # fmt: skip
    assert decide.exit_code == 1
    assert (
        f"发布库 {copy} 中没有申诉“X.c9”（evaluation cases {where} 可列出已有申诉）"
        in (decide.output)
    )
    assert runs_in(copy) == before
    cases = invoke("cases", "--store", copy, "--lang", "en")
    assert cases.exit_code == 0 and "X.c9" not in cases.output
    english = invoke("finalise", RUN, "--store", copy, "--by", "王五", "--lang", "en")
    assert english.exit_code == 1 and "北京时间" not in english.output
    assert "Beijing time" in english.output


# ------------------------------------------------------------- export requests
def test_export_a_format_that_contradicts_the_file_name(result, tmp_path):
    out = tmp_path / "media.csv"
    done = invoke("export", result, "--out", out, "--format", "xlsx")
    assert done.exit_code == 2
    assert (
        f"--format xlsx 与文件名 {out}（.csv）不符：请将文件命名为 "
        f"{tmp_path / 'media.xlsx'}，或去掉 --format" in done.output
    )
    assert not list(tmp_path.iterdir())


def test_grades_a_file_that_is_neither_workbook_nor_csv(store, tmp_path):
    out = tmp_path / "grades.pdf"
    done = invoke("grades", RUN, "--out", out, "--store", store)
    assert done.exit_code == 2
    assert f"{out}：考评结果表只能写成 .xlsx 或 .csv 文件" in done.output
    persons = invoke(
        "grades", RUN, "--out", tmp_path / "g.xlsx", "--store", store,
        "--persons", tmp_path / "p.csv",
    )  # fmt: skip
    assert persons.exit_code == 2
    assert "个人考核结果须写入 .xlsx 工作簿" in persons.output
    annual = invoke("grades", RUN, "--out", tmp_path / "g.xlsx", "--store", store)
    assert annual.exit_code == 1
    assert f"运行 {RUN} 不是年度考评运行（它是2025年第四季度的评分运行）" in (
        annual.output
    )
    assert not list(tmp_path.iterdir())


def test_score_a_period_that_is_no_label(tmp_path):
    out = tmp_path / "out"
    done = invoke(
        "score", SAMPLE, "--period", "2025-M13", "--out", out, "--catalogue", CATALOGUE
    )
    assert done.exit_code == 1
    assert "报告期“2025-M13”写法不对：应写作“2025”（年度）" in done.output
    assert not out.exists()


def test_score_a_run_time_that_is_no_time(tmp_path):
    """--run-at is recorded as the run's time, printed in the media note (计算时间)
    and published: "yesterday" was taken as it is (计算时间：yesterday)."""
    out = tmp_path / "out"
    done = invoke(
        "score", SAMPLE, "--period", "2025-Q4", "--out", out, "--catalogue",
        CATALOGUE, "--run-at", "yesterday",
    )  # fmt: skip
    assert done.exit_code == 2
    assert done.output.startswith(
        "--run-at 须为时间，如 2026-01-05T09:00:00+08:00（ISO 8601），"
        "而不是“yesterday”\n"
        "--run-at must be a time in ISO 8601, e.g. 2026-01-05T09:00:00+08:00, "
        "not 'yesterday'"
    )
    assert not out.exists()
    done = invoke(
        "score", SAMPLE, "--period", "2025-Q4", "--out", out, "--catalogue",
        CATALOGUE, "--run-at", "2026-01-05T09:00:00+08:00",
    )  # fmt: skip
    assert done.exit_code == 0, done.output


@pytest.mark.parametrize("given", ["2026-01-05T09:00", "2026-01-05"])
def test_score_a_run_time_without_its_zone(tmp_path, given):
    """A time as a clerk in Beijing types it, without +08:00, was taken as UTC and
    published 8 hours late (计算时间：2026年1月5日 17:00（北京时间） for 09:00):
    refused, exit 2, saying why; nothing written."""
    out = tmp_path / "out"
    done = invoke(
        "score", SAMPLE, "--period", "2025-Q4", "--out", out, "--catalogue",
        CATALOGUE, "--run-at", given,
    )  # fmt: skip
    assert done.exit_code == 2, done.output
    assert done.output.startswith(
        "--run-at 须带时区，如 2026-01-05T09:00:00+08:00（北京时间）；不带时区的"
        f"“{given}”会按世界协调时（UTC）记录，说明中的计算时间将晚8小时\n"
        "--run-at must give its UTC offset, e.g. 2026-01-05T09:00:00+08:00 (Beijing "
        f"time), not '{given}': without one it is taken as UTC, 8 hours off"
    )
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
    assert f"指标体系文件 {broken} 有" in done.output and "个问题：" in done.output
    assert not out.exists()


#: English prose in a cell: three Latin words in a row, or a rule id before a colon
ENGLISH = re.compile(r"[A-Za-z]+ [A-Za-z]+ [A-Za-z]+|^[a-z_]+: ")


def test_publish_a_clerks_appraisal_files_are_refused_rule_by_rule_in_chinese(
    result, tmp_path
):
    """The clerk's slips in faults.csv and ballots.csv: each row of the problem
    report (--report) says its rule in Chinese only, its column by the file's
    Chinese header (过错认定日期（date）)."""
    folder = tmp_path / "appraisal"
    shutil.copytree(SAMPLE / "appraisal", folder)
    faults = folder / "faults.csv"
    lines = faults.read_text(encoding="utf-8-sig").splitlines()
    first = lines[1].split(",")  # D03,2025-01-08,general,D03-P3,direct,…
    first[1], first[2], first[3] = "2025/01/08", "轻微", ""
    lines[1] = ",".join(first)
    faults.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    ballots = folder / "ballots.csv"
    lines = ballots.read_text(encoding="utf-8-sig").splitlines()
    lines.append(lines[1])  # B00001 sent twice
    lines[2] = lines[2].replace("LE001", "ZZ999", 1)  # a rater not on the roster
    ballots.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    report, store = tmp_path / "问题清单.csv", tmp_path / "s.duckdb"
    done = invoke(
        "publish", result, "--appraisal", folder, "--store", store, "--by", "测试",
        "--report", report,
    )  # fmt: skip
    assert done.exit_code == 1
    assert not store.exists()
    table = pd.read_csv(report, encoding="utf-8-sig", dtype=str)
    assert list(table.columns) == ["文件", "行", "列", "值", "规则"]
    where = zip(table["文件"], table["列"], strict=True)
    said = dict(zip(where, table["规则"], strict=True))
    assert said["faults.csv", "过错认定日期（date）"] == (
        "须填写2025年内的日期，写作“2025-03-31”（年-月-日）这样的形式"
    )
    assert said["faults.csv", "过错等级（severity）"] == (
        "过错等级须为以下之一：general（一般过错）、serious（较重过错）、major（严重过错）"
    )
    assert said["faults.csv", "责任人编号（person_id）"] == (
        "必填：责任须落实到人，请填写责任人编号（person_id）"
    )
    assert said["ballots.csv", "选票编号（ballot_id）"] == "不能重复：选票编号不能相同"
    assert said["ballots.csv", "评议人编号（rater_id）"] == (
        "评议人不在评议人名单（raters.csv）中；只有名单中评议人的选票才计入"
    )
    assert "重复：同一评议人对同一单位只能评议一次（所有重复的行均已列出）" in set(
        table["规则"]
    )
    english = [rule for rule in table["规则"] if ENGLISH.search(rule)]
    assert english == []
    assert "known_rater" not in done.output and "self_rating" not in done.output


@pytest.mark.parametrize(
    "args, said",
    [
        (["appeal-case", "r", "--unit", "D01", "--by", "办公室"], "缺少选项 --grounds"),
        (["score"], "缺少参数 DATA"),
        (
            ["appeal-case", "r", "--unit", "D01", "--by", "办公室", "--grounds", "g",
             "--on", "2026-13-01"],
            "选项 --on 的值有误：须为日期，写作 YYYY-MM-DD（如 2026-01-20）",
        ),
        (
            ["decide", "r.c1", "--decision", "好", "--by", "委员会", "--note", "n"],
            "选项 --decision 的值有误：须为 申诉成立 或 申诉不成立",
        ),
        (["score", "--nope"], "没有选项 --nope"),
        (["nosuch"], "没有命令 nosuch"),
    ],
)  # fmt: skip
def test_a_command_written_wrongly_is_said_in_chinese_then_english(args, said):
    """The command line's own checks (before a command runs) speak Chinese too,
    with click's English under it; --lang en leaves the English alone."""
    done = invoke(*args)
    assert done.exit_code == 2
    shown = re.sub(r"[\s│╭╮╰╯─]+", "", done.output)  # the box typer draws
    assert re.sub(r"\s+", "", said) in shown
    if args != ["nosuch"]:
        english = invoke(*args, "--lang", "en")
        assert english.exit_code == 2
        assert not re.search(r"[\u4e00-\u9fff]", english.output.replace("好", ""))


def test_export_a_period_the_result_does_not_have(result, tmp_path):
    """The quarter's result has quarters only: a month is refused in Chinese,
    naming the periods it has by their Chinese names, nothing written."""
    out = tmp_path / "media.csv"
    done = invoke("export", result, "--out", out, "--period", "2025-M03")
    assert done.exit_code == 1
    first = done.output.splitlines()[0]
    assert first.startswith("本次结果中没有报告期“2025-M03”（已有：2024年第一季度、")
    assert first.endswith("2025年第四季度）")
    assert "not in this result" not in first
    assert not out.exists() and not list(tmp_path.iterdir())


def test_a_catalogue_that_is_not_there_is_said_in_chinese_with_its_path(tmp_path):
    """Run from another folder, the default indicators.yaml is not found: the
    clerk reads where it was looked for, in Chinese, and what to do."""
    missing = tmp_path / "indicators.yaml"
    out = tmp_path / "t.xlsx"
    done = invoke(
        "template", "finance", "--period", "2025-M01", "--out", out,
        "--catalogue", missing,
    )  # fmt: skip
    assert done.exit_code != 0
    assert f"找不到文件 {missing}（请检查路径，或在项目文件夹中运行）" in done.output
    assert not out.exists()


def test_an_output_the_system_refuses_is_said_in_chinese_not_a_traceback(
    result, tmp_path
):
    """An output the system cannot write: the file named, the reason in Chinese,
    the system's English after it, exit 1; no traceback."""
    taken = tmp_path / "media.csv"
    taken.mkdir()  # a folder where the file goes
    done = invoke("export", result, "--out", taken)
    assert done.exit_code == 1
    assert done.output.startswith(f"{taken} 无法读写：这是一个文件夹，不是文件\n")
    assert "Is a directory" in done.output and "Traceback" not in done.output
    english = invoke("export", result, "--out", taken, "--lang", "en")
    assert english.output.startswith(f"cannot read or write {taken}: ")


def test_a_full_disk_while_scoring_names_the_folder_and_leaves_nothing(
    tmp_path, monkeypatch
):
    """The disk fills while the result's tables are written (pyarrow's error has no
    file name): the folder is named, 磁盘空间不足, nothing is left in it."""

    def full(self, *args, **kwargs):
        raise OSError(28, "Error writing bytes to file. Detail: [errno 28] No space")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    out = tmp_path / "out"
    done = invoke(
        "score", SAMPLE, "--period", "2025-Q4", "--out", out, "--catalogue", CATALOGUE
    )
    assert done.exit_code == 1
    assert done.output.startswith(f"{out / 'result'} 无法读写：磁盘空间不足\n")
    assert list(out.iterdir()) == []  # no result, no temporary folder, no ranking


def test_an_export_refused_for_one_file_writes_none_of_the_others(result, tmp_path):
    """The media CSV, its tables per type of unit and its note go out together or
    not at all: a folder where the league table goes left the other three written
    (the note and the tables renamed first)."""
    out = tmp_path / "media.csv"
    out.mkdir()
    done = invoke("export", result, "--out", out)
    assert done.exit_code == 1 and "这是一个文件夹，不是文件" in done.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["media.csv"]
    assert list(out.iterdir()) == []


def test_score_stopped_while_writing_the_ranking_keeps_the_earlier_pair(
    tmp_path, monkeypatch
):
    """Ctrl+C (simulated) while the league table is written: the folder keeps the
    earlier result and its ranking, as a pair. The new result was in place already,
    beside the earlier ranking (or none), and no temporary file stays."""
    from evaluation.publish import export

    out = tmp_path / "out"
    first = "2026-01-05T08:00:00+00:00"
    args = ("score", SAMPLE, "--period", "2025-Q4", "--out", out, "-c", CATALOGUE)
    assert invoke(*args, "--run-at", first).exit_code == 0
    files = lambda: {  # noqa: E731
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file()
    }
    before = files()
    written = export.write_media_csv

    def interrupted(table, path):
        if "ranking_" in str(path):
            raise KeyboardInterrupt
        return written(table, path)

    monkeypatch.setattr(export, "write_media_csv", interrupted)
    done = invoke(*args, "--run-at", "2026-02-05T08:00:00+00:00")
    assert done.exit_code != 0
    assert files() == before  # the earlier result and ranking, nothing else
    assert first in (out / "result" / "provenance.json").read_text(encoding="utf-8")


def test_score_refused_for_a_folder_where_the_ranking_goes_keeps_the_earlier_result(
    tmp_path,
):
    """A folder where OUT/ranking_P.csv goes: refused before anything is written,
    the earlier result kept. The new result was put in place first, then the
    ranking's rename failed: a new result beside no ranking of its own, exit 1."""
    out = tmp_path / "out"
    first = "2026-01-05T08:00:00+00:00"
    args = ("score", SAMPLE, "--period", "2025-Q4", "--out", out, "-c", CATALOGUE)
    assert invoke(*args, "--run-at", first).exit_code == 0
    ranking = out / "ranking_2025-Q4.csv"
    ranking.unlink()
    ranking.mkdir()
    done = invoke(*args, "--run-at", "2026-02-05T08:00:00+00:00")
    assert done.exit_code == 1
    said = f"{ranking} 无法读写：这是一个文件夹，不是文件\n"
    assert done.output.startswith(said)
    assert first in (out / "result" / "provenance.json").read_text(encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == [ranking.name, "result"]


def test_validate_heads_the_problems_it_shows_by_how_many_there_are(tmp_path):
    """``validate`` prints up to 15 problems under a heading. With 1 problem it said
    前15个问题 (the first 15 problems) above a single row; now 问题清单 when every
    problem is shown, 前15个问题 only above 15 of more (here 16 cells made text)."""
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    path = data / "observations" / "legal.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    one = lines[:]
    one[2] = re.sub(r",[0-9.]+,(\d{4}-)", r",九十,\1", one[2])
    path.write_text("\n".join(one) + "\n", encoding="utf-8")
    done = invoke("validate", data, "--catalogue", CATALOGUE)
    assert done.exit_code == 1
    assert "数据校验未通过：共1个问题" in done.output
    assert "问题清单（文件、行、列、值、规则）：" in done.output
    assert "前15个问题" not in done.output
    many = lines[:]
    changed = 0
    for i in range(1, len(many)):
        if changed < 16 and re.search(r",[0-9.]+,\d{4}-", many[i]):
            many[i] = re.sub(r",[0-9.]+,(\d{4}-)", r",九十,\1", many[i])
            changed += 1
    path.write_text("\n".join(many) + "\n", encoding="utf-8")
    done = invoke("validate", data, "--catalogue", CATALOGUE)
    assert "数据校验未通过：共16个问题" in done.output
    assert "前15个问题（文件、行、列、值、规则）：" in done.output
    assert "问题清单" not in done.output.split("前15个问题")[1].split("\n\n")[0]
    en = invoke("validate", data, "--catalogue", CATALOGUE, "--lang", "en")
    assert "first problems (file, row, column, value, rule):" in en.output


def test_validate_says_the_units_files_problem_before_its_follow_on(tmp_path):
    """units.csv with D02's id typed as D01: 378 rows of D02 in eight agencies' files
    are unknown units. The count per file and the first 15 problems said them first
    and units.csv (the one line to fix) last, below the 15 shown; now units.csv comes
    first in both."""
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    path = data / "units.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[2].startswith("D02,")
    lines[2] = "D01" + lines[2][3:]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    done = invoke("validate", data, "--catalogue", CATALOGUE)
    assert done.exit_code == 1
    said = [x for x in done.output.splitlines() if not x.startswith("已读取")]
    assert said[0].startswith("数据校验未通过：共")
    assert said[1] == "  units.csv：2处，不能重复：此值出现在多行"
    assert said[2].startswith("  observations/")
    shown = said[said.index("前15个问题（文件、行、列、值、规则）：") + 2 :]
    assert shown[0].split()[:2] == ["units.csv", "2"]
    assert shown[1].split()[:2] == ["units.csv", "3"]
    assert shown[2].split()[0].startswith("observations/")
