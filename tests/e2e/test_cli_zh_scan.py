"""What a Chinese reader sees, scanned the way the office's check does: the main
commands run in Chinese (the default) on the sample's 2025-Q4 result and store,
and every line they print in Chinese, the CSV files and the Chinese headers of
the workbook searched for English words (three letters or more) and period codes
(2025-Q4, 2025-M12). Only what must stay is allowed: file paths, hexadecimal
hashes, SHA-256, CSV/Excel, the encodings' names (UTF-8, GB18030), run ids and
the program's commands (what the reader types), and ids after an explicit 编号."""

from __future__ import annotations

import re
import shutil

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from evaluation.cli import app

from ..conftest import ROOT

runner = CliRunner()
SAMPLE = ROOT / "data" / "sample"
CATALOGUE = ROOT / "indicators.yaml"
RUN = "period-2025-Q4-1.v1"
CJK = re.compile(r"[\u4e00-\u9fff]")
#: what may stay in a Chinese line, taken out before the scan
ALLOWED = [
    re.compile(r"编号 \S+?："),  # an id after 编号 (a flag's, to accept or dismiss it)
    re.compile(r"[A-Za-z0-9_.-]*(?:/[^\s：，。；（）、“”'\"]+)+/?"),  # a file path
    re.compile(r"[\w.-]+\.(?:csv|xlsx|txt|yaml|duckdb|pdf|parquet|json)\b"),  # a file
    re.compile(r"(?:period|annual)-\d{4}(?:-[A-Z]\d+)?-\d+\.v\d+(?:\.c\d+)?"),  # run
    re.compile(r"\bevaluation(?: [a-z][a-z-]+)?"),  # the program and its command
    re.compile(r"--table (?:media|ranking|warnings|risk|ledger|flags|grades)\b"),
    re.compile(r"--[a-z][a-z-]+"),  # an option the reader types
    re.compile(r"(?<![0-9a-z])[0-9a-f]{12,64}(?![0-9a-z])"),  # a hash, or 12 digits
    re.compile(r"SHA-256|CSV|Excel"),
    re.compile(r"UTF-8|UTF-16|GB18030"),  # an encoding, as Excel's 另存为 names it
]
#: English words of three letters or more, and period codes
FORBIDDEN = re.compile(r"[A-Za-z]{3,}|(?<!\d)\d{4}-[MQBH]\d{1,2}(?!\d)")


def invoke(*args, code=0):
    done = runner.invoke(app, [str(a) for a in args])
    assert done.exit_code == code, done.output
    return done.output


def english_in(text: str) -> list[str]:
    """The Chinese lines of ``text`` that still hold an English word or a period
    code once what may stay is taken out (an English line is not scanned: errors
    print their English after the Chinese)."""
    found = []
    for line in text.splitlines():
        if not CJK.search(line):
            continue
        kept = line
        for allowed in ALLOWED:
            kept = allowed.sub(" ", kept)
        if FORBIDDEN.search(kept):
            found.append(line)
    return found


@pytest.fixture(scope="module")
def said(q4_result, q4_store, tmp_path_factory):
    """What each command printed, by command."""
    tmp = tmp_path_factory.mktemp("scan")
    out: dict[str, str] = {}
    store = tmp / "store.duckdb"
    shutil.copy(q4_store, store)
    ledger = tmp / "整改台账.csv"
    out["score"] = invoke(
        "score", SAMPLE, "--period", "2025-Q4", "--out", tmp / "scored", "--catalogue",
        CATALOGUE, "--ledger", ledger,
    )  # fmt: skip
    out["ledger"] = invoke(
        "ledger", ledger, "--catalogue", CATALOGUE, "--as-of", "2026-03-31",
        "--reminders", tmp / "催办.csv",
    )  # fmt: skip
    out["validate"] = invoke("validate", SAMPLE, "--catalogue", CATALOGUE)
    out["status"] = invoke(
        "status", SAMPLE, "--period", "2025-Q4", "--catalogue", CATALOGUE,
        "--as-of", "2026-01-31", "--out", tmp / "报送情况.csv",
    )  # fmt: skip
    out["flags"] = invoke("flags", q4_result, "--decisions", tmp / "核实.csv")
    out["export"] = invoke("export", q4_result, "--out", tmp / "media.csv") + invoke(
        "export", q4_result, "--out", tmp / "media.xlsx", "--format", "xlsx"
    )
    out["uncertainty"] = invoke(
        "uncertainty", q4_result, "--out", tmp / "区间.csv", "--draws", "20",
        "--sobol", "8", "--normalisations", "catalogue,minmax",
    )  # fmt: skip
    # a correction: D07's composite score corrected upward (its rank follows)
    fixed = tmp / "fixed"
    shutil.copytree(q4_result, fixed)
    composite = pd.read_parquet(fixed / "composite.parquet")
    at = (composite["unit_id"] == "D07") & (composite["period"] == "2025-Q4")
    composite.loc[at, "composite_score"] += 5
    composite.to_parquet(fixed / "composite.parquet", index=False)
    out["appeal"] = invoke(
        "appeal", RUN, fixed, "--reason", "复核更正", "--by", "绩效办", "--store", store
    )
    out["runs"] = invoke("runs", "--store", store)
    out["diff"] = invoke(
        "diff", RUN, "period-2025-Q4-1.v2", "--store", store, "--viewer", "秘书长",
        "--out", tmp / "变化.csv",
    )  # fmt: skip
    out["verify"] = invoke("verify", store)
    out["backup"] = invoke("backup", tmp / "备份.duckdb", "--store", store)
    out["publish"] = invoke(
        "publish", q4_result, "--store", tmp / "新库.duckdb", "--by", "绩效办",
        "--release",
    )  # fmt: skip
    out["template"] = invoke(
        "template", "supervision", "--period", "2025-M03", "--data", SAMPLE,
        "--catalogue", CATALOGUE, "--out", tmp / "报送模板.xlsx",
    )  # fmt: skip
    out["report"] = invoke(
        "report", RUN, "--out", tmp / "r.pdf", "--store", store, code=1
    )  # fmt: skip  (a period run: no committee report)
    return out, tmp


COMMANDS = [
    "score", "ledger", "validate", "status", "flags", "export", "uncertainty",
    "appeal", "runs", "diff", "verify", "report", "backup", "publish", "template",
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS)
def test_what_a_command_prints_in_chinese_has_no_english_or_period_codes(said, command):
    text = said[0][command]
    assert CJK.search(text), text  # it did say something in Chinese
    assert english_in(text) == []


def test_the_diff_names_the_period_and_the_unit_and_rounds_the_scores(said):
    """市生态环境局 (D07, units.csv) scored 5 points more in the correction."""
    lines = said[0]["diff"].splitlines()
    assert re.fullmatch(rf"运行 {RUN} 至 period-2025-Q4-1\.v2 共有\d+处变化", lines[0])
    row = next(x.split() for x in lines if "综合得分表" in x)
    assert row[:3] == ["综合得分表", "2025年第四季度，市生态环境局", "综合得分"]
    before, after = (float(x) for x in row[3:])
    assert re.fullmatch(r"\d+\.\d\d", row[3]) and re.fullmatch(r"\d+\.\d\d", row[4])
    assert after - before == pytest.approx(5, abs=0.011)


def test_the_csv_files_written_in_chinese_have_no_english_or_period_codes(said):
    """Every header and cell but those of a code column (单位代码, 指标代码, 因素代码,
    事项编号: ids the office matches on), and the media note: the media tables, the
    submissions, the changes, the ledger's reminder list, the rank intervals and the
    Sobol indices."""
    tmp = said[1]
    for name in ("media.csv", "media_市直部门.csv", "media_区县.csv", "报送情况.csv",
                 "变化.csv", "催办.csv", "区间.csv", "区间_sobol.csv"):  # fmt: skip
        table = pd.read_csv(tmp / name, encoding="utf-8-sig", dtype=str)
        kept = [c for c in table.columns if not c.endswith(("代码", "编号"))]
        cells = [*table.columns, *table[kept].fillna("").to_numpy().ravel()]
        text = "\n".join(f"{c}（表）" for c in cells if c)  # each as a Chinese line
        assert english_in(text) == [], name
    text = (tmp / "media.说明.txt").read_text(encoding="utf-8-sig")
    assert english_in(text) == []


def test_the_workbook_says_its_headers_and_notes_in_chinese_first(said):
    """The workbook is bilingual on purpose (its header cells: Chinese, then the
    English on a second line; the 说明 sheet: an English column beside the
    Chinese): the Chinese is scanned."""
    book = openpyxl.load_workbook(said[1] / "media.xlsx")
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        if sheet.title.startswith("说明"):
            cells = [r[1] for r in rows[1:]]  # 说明: the Chinese column
        else:
            cells = [str(h).split("\n")[0] for h in rows[0]]
            cells += [v for r in rows[1:] for v in r if isinstance(v, str)]
        text = "\n".join(str(c) for c in cells if c is not None)
        assert english_in(text) == [], sheet.title


def test_the_scan_finds_what_it_looks_for():
    """The scan itself: a period code, a statistic's name and an English word
    beside Chinese are found; a path, a hash and a run id are not."""
    assert english_in("2025-Q4综合得分") and english_in("偏离中位数3.2 MAD")
    assert english_in("已写入 ranking") and english_in("报告期：2025-M12")
    assert not english_in("2025-Q4")  # an English line: not scanned
    assert not english_in(
        "已写入：/tmp/x/ranking_2025-Q4.csv；运行 period-2025-Q4-1.v1 哈希 "
        "0e1e7c85ceac（SHA-256）"
    )


def test_verify_says_a_run_changed_with_sql_field_by_field_in_words(q4_store, tmp_path):
    """Someone edits the released Q4 run with SQL: period, kind, the release time,
    the manifest and the ranks table (bytes and hash). verify names each field in
    Chinese, values in words (period by name, kind by its word, the time in Beijing
    time, none as 空) and hashes by their first 12 hex digits, the hex kept."""
    import hashlib
    from datetime import datetime, timedelta

    import duckdb

    store = tmp_path / "store.duckdb"
    shutil.copy(q4_store, store)
    with duckdb.connect(str(store)) as db:
        manifest, published = db.execute(
            "SELECT manifest, published_at FROM runs WHERE run_id = ?", [RUN]
        ).fetchone()
        ranks = db.execute(
            "SELECT sha256 FROM run_tables WHERE run_id = ? AND name = 'ranks'", [RUN]
        ).fetchone()[0]
        db.execute(
            "UPDATE runs SET period = '2025-Q3', kind = 'annual', published_at = NULL, "
            "manifest = '{}' WHERE run_id = ?",
            [RUN],
        )
        db.execute(
            "UPDATE run_tables SET data = 'x'::BLOB, sha256 = sha256('x') "
            "WHERE run_id = ? AND name = 'ranks'",
            [RUN],
        )
    old = hashlib.sha256(manifest.encode()).hexdigest()[:12]
    new = hashlib.sha256(b"{}").hexdigest()[:12]
    planted = hashlib.sha256(b"x").hexdigest()[:12]
    at = datetime.fromisoformat(str(published)) + timedelta(hours=8)  # UTC+8
    done = runner.invoke(app, ["verify", str(store)])
    assert done.exit_code == 1
    line = next(s for s in done.output.splitlines() if "在程序外被修改" in s)
    assert "类型：日志记录为 “期间评分”，现为 “年度考评”" in line
    assert f"运行清单的哈希（前12位）：日志记录为 {old}…，现为 {new}…" in line
    assert "报告期：日志记录为 “2025年第四季度”，现为 “2025年第三季度”" in line
    assert (
        f"正式发布时间：日志记录为 “{at.year}年{at.month}月{at.day}日{at.hour}时"
        f"{at.minute:02d}分{at.second:02d}秒（北京时间）”，现为 空"
    ) in line
    assert f"排名表的哈希（前12位）：日志记录为 {ranks[:12]}…，现为 {planted}…" in line
    assert english_in(done.output) == []
