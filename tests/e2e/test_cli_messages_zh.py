"""What a command says when it has done its work, in its language: Chinese by
default, English alone with --lang en (publish, runs, cases, verify, export,
status). The office's year, as the analyst runs it on the sample: the 2025 result
published with its appraisal (公示 opens today), a unit's appeal, the store
verified, the media table exported. Expected words are written here by hand."""

from __future__ import annotations

import re
import shlex
import shutil

import pytest
from typer.testing import CliRunner

from evaluation.cli import app

from ..conftest import ROOT

runner = CliRunner()
SAMPLE = ROOT / "data" / "sample"
CATALOGUE = ROOT / "indicators.yaml"
RUN = "annual-2025-1.v1"
CJK = re.compile(r"[\u4e00-\u9fff]")
#: a date as the office writes it: 2026年1月20日
DAY = r"\d{4}年\d{1,2}月\d{1,2}日"


def invoke(*args, code=0):
    done = runner.invoke(app, [str(a) for a in args])
    assert done.exit_code == code, done.output
    return done.output


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("scored")
    invoke("score", SAMPLE, "--period", "2025", "--out", out, "--catalogue", CATALOGUE)
    return out / "result"


@pytest.fixture(scope="module")
def published(result, tmp_path_factory):
    """The 2025 appraisal stored and released (its 公示 opens today), and what
    publish said."""
    store = tmp_path_factory.mktemp("store") / "store.duckdb"
    said = invoke(
        "publish", result, "--appraisal", SAMPLE / "appraisal", "--appraisal-config",
        ROOT / "appraisal.yaml", "--store", store, "--by", "绩效办", "--release",
    )  # fmt: skip
    return store, said


def test_publish_says_the_run_is_stored_and_its_notice_opens(published):
    store, said = published
    assert f"已将运行 {RUN} 存入发布库 {store}" in said
    notice = next(line for line in said.splitlines() if line.startswith("运行 "))
    where = re.escape(f"--store {shlex.quote(str(store))}")  # the store published to
    assert re.fullmatch(
        rf"运行 {RUN} 开始公示：{DAY}至{DAY}（北京时间）。"
        rf"公示期间可提出申诉：evaluation appeal-case {RUN} {where} "
        rf"--unit 单位代码或名称 --by 申诉人 --grounds 申诉理由；"
        rf"公示期满且申诉均已复核后正式发布：evaluation finalise {RUN} {where} "
        rf"--by 经办人",
        notice,
    )
    assert "stored" not in said and "public notice" not in said


def test_every_word_on_appeal_case_unit_says_code_or_name():
    """appeal-case takes a unit's code or its name (白水县 → X09): the 公示's hint,
    the option's help and the missing option's words say so, in both languages."""
    from evaluation.vocabulary import say, word

    notice = say("cli_said", "notice", run=RUN, start="a", until="b", where="")
    assert "--unit 单位代码或名称 --by" in notice.text("zh")
    assert "(UNIT: unit code or name)" in notice.text("en")
    assert (
        word("library_error", "case_unit", "zh") == "申诉单位（--unit，单位代码或名称）"
    )
    assert (
        word("library_error", "case_unit", "en") == "unit (--unit: unit code or name)"
    )
    shown = runner.invoke(app, ["appeal-case", "--help"], env={"COLUMNS": "250"})
    helped = " ".join(re.sub("[│╭╮╰╯─]", " ", shown.output).split())
    assert "unit code or name (单位代码或名称)" in helped


def test_publish_again_keeps_the_released_run_and_says_so(result, published):
    store, _ = published
    said = invoke(
        "publish", result, "--appraisal", SAMPLE / "appraisal", "--appraisal-config",
        ROOT / "appraisal.yaml", "--store", store, "--by", "绩效办", "--release",
        "--skip-released",
    )  # fmt: skip
    assert said.strip() == (
        f"发布库 {store} 中2025年度的年度考评运行已经发布（{RUN}）：保持不变，"
        "未存入新运行（--skip-released）"
    )
    english = invoke(
        "publish", result, "--appraisal", SAMPLE / "appraisal", "--appraisal-config",
        ROOT / "appraisal.yaml", "--store", store, "--by", "x", "--release",
        "--skip-released", "--lang", "en",
    )  # fmt: skip
    assert english.strip() == (
        f"the annual run of 2025 is released already in {store} ({RUN}): kept, "
        "nothing stored (--skip-released)"
    )


def test_runs_lists_the_run_in_chinese_or_in_english(published):
    store, _ = published
    lines = invoke("runs", "--store", store).splitlines()
    assert lines[0].split() == [
        "运行编号", "状态", "现行", "公示期", "类型", "报告期", "更正对象", "更正理由",
    ]  # fmt: skip
    row = lines[1].split()
    assert row[:2] == [RUN, "公示中"]  # under notice: not yet in force
    assert re.fullmatch(f"{DAY}至{DAY}", row[2])
    assert row[3:] == ["年度考评", "2025年度"]
    english = invoke("runs", "--store", store, "--lang", "en")
    assert not CJK.search(english)
    assert "under notice" in english and "annual" in english


def test_cases_lists_an_appeal_and_its_review_in_chinese(published, tmp_path):
    store, _ = published
    copy = tmp_path / "store.duckdb"
    shutil.copy(store, copy)
    assert invoke("cases", "--store", copy).strip() == "没有申诉"
    assert invoke("cases", RUN, "--store", copy).strip() == f"没有针对运行 {RUN} 的申诉"
    invoke(
        "appeal-case", RUN, "--unit", "D20", "--by", "D20办公室", "--grounds",
        "重点目标完成率计算有误", "--store", copy,
    )  # fmt: skip
    lines = invoke("cases", "--store", copy).splitlines()
    assert lines[0].split() == [
        "申诉编号", "单位", "单位代码", "申诉人", "申诉日期", "申诉理由", "复核结论",
        "复核人", "复核日期", "复核意见",
    ]  # fmt: skip
    row = lines[1].split()
    # the unit by its name in units.csv (D20: 市机关事务管理局), then its code
    assert row[:4] == [f"{RUN}.c1", "市机关事务管理局", "D20", "D20办公室"]
    assert re.fullmatch(DAY, row[4])  # filed today, as the office writes a date
    assert row[5:] == ["重点目标完成率计算有误", "待复核"]
    english = invoke("cases", "--store", copy, "--lang", "en")
    assert "pending" in english and "待复核" not in english
    assert re.search(r"\d{4}-\d\d-\d\d", english.splitlines()[1])
    assert english.splitlines()[0].split()[:3] == ["case_id", "unit", "unit_id"]


def test_verify_says_the_store_is_intact(published):
    store, _ = published
    said = invoke("verify", store)
    assert re.fullmatch(
        rf"发布库完好：{re.escape(str(store))}，共1个运行；日志头哈希 [0-9a-f]{{64}}\n",
        said,
    )
    english = invoke("verify", store, "--lang", "en")
    assert english.startswith(f"intact: {store}, 1 run; journal head ")


def test_export_says_each_file_it_wrote_and_its_rows(result, tmp_path):
    out = tmp_path / "media.csv"
    said = invoke("export", result, "--out", out).splitlines()
    # the sample's units.csv: 40 municipal departments and 10 districts
    assert said == [
        f"已写入：{out}（50行）",
        f"已写入：{tmp_path / 'media_市直部门.csv'}（40行）",
        f"已写入：{tmp_path / 'media_区县.csv'}（10行）",
        f"已写入：{tmp_path / 'media.说明.txt'}",
    ]
    english = invoke("export", result, "--out", tmp_path / "m.csv", "--lang", "en")
    assert english.splitlines()[0] == f"wrote {tmp_path / 'm.csv'}: 50 rows"


def test_status_names_a_file_it_could_not_read_without_na(tmp_path):
    """An agency's file the office cannot open (NUL bytes: not text) is listed
    first, said as 未读取 (not read) where a row number would be."""
    folder = tmp_path / "city"
    shutil.copytree(SAMPLE, folder)
    (folder / "observations" / "supervision.csv").write_bytes(b"unit_id\x00\x00\n")
    args = ["status", folder, "--period", "2025-M12", "--catalogue", CATALOGUE,
            "--as-of", "2026-01-31"]  # fmt: skip
    done = runner.invoke(app, [str(a) for a in args])
    assert done.exit_code == 0, done.output
    assert (
        "  observations/supervision.csv（未读取）：无法识别文件编码：文件中有空字节"
    ) in done.output
    assert "<NA>" not in done.output
    english = runner.invoke(app, [*map(str, args), "--lang", "en"])
    assert "  observations/supervision.csv (not read): unreadable encoding" in (
        english.output
    )
    assert "<NA>" not in english.output


def test_a_flag_names_the_unit_copied_by_its_name(tmp_path):
    """A clerk of 市教育局 (D02) sends 市发展和改革委员会's (D01) supervision
    numbers for every month of 2025: the flags name the other unit as the
    units file does (units.csv: D01, D02), never by its code."""
    folder = tmp_path / "city"
    shutil.copytree(SAMPLE, folder)
    path = folder / "observations" / "supervision.csv"  # GB18030, Chinese headers
    lines = path.read_bytes().decode("gb18030").splitlines()
    rows = [line.split(",") for line in lines[1:]]
    d01 = {(r[1], r[2]): r[3] for r in rows if r[0] == "D01"}
    for r in rows:
        if r[0] == "D02" and r[1].startswith("2025"):
            r[3] = d01[r[1], r[2]]
    text = "\n".join([lines[0], *(",".join(r) for r in rows)]) + "\n"
    path.write_bytes(text.encode("gb18030"))
    out = tmp_path / "out"
    invoke("score", folder, "--period", "2025-Q4", "--out", out, "--catalogue",
           CATALOGUE)  # fmt: skip
    from evaluation.publish.store import load_result

    flags = load_result(out / "result").flags.set_index("flag_id")
    d02 = flags.loc["identical_unit/D02/supervision/2025-M01"]
    assert d02["reason_zh"].startswith(
        "市纪委监委报送的2025年1月数据（7项）与市发展和改革委员会完全相同（"
    )
    assert d02["reason_en"].startswith(
        "Municipal Commission for Discipline Inspection and Supervision: all 7 values "
        "sent for January 2025 are identical to Municipal Development and Reform "
        "Commission's ("
    )
    d01 = flags.loc["copied/D01/approval_on_time_rate/D02/0/2025-M01", "reason_zh"]
    assert d01.startswith(
        "审批事项按时办结率2025年1月至2025年12月的12期与市教育局同期报送的数值逐期相同"
    )


def test_finalising_inside_the_notice_says_its_dates_the_chinese_way(published):
    """The 公示 has just opened: finalise is refused, its dates written as the office
    writes them (2026年1月20日), not 2026-01-20; in English, as stored."""
    store, _ = published
    said = invoke("finalise", RUN, "--store", store, "--by", "绩效办", code=1)
    assert re.search(
        rf"{RUN} 的公示期至{DAY}（北京时间，今天是{DAY}），期间仍可提出申诉；"
        rf"{DAY}起方可正式发布",
        said,
    ), said
    assert not re.search(r"\d{4}-\d\d-\d\d", said.splitlines()[0])
    english = invoke(
        "finalise", RUN, "--store", store, "--by", "x", "--lang", "en", code=1
    )
    assert re.search(r"runs until \d{4}-\d\d-\d\d \(Beijing time", english), english
