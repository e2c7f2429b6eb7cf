"""The rectification ledger across separate runs of the CLI (separate processes).

Tiny catalogue, quarterly, a1 (higher is better): orange at 70, red at 60; items are
due 100 days (orange) or 91 days (red) after the period's end. The script, worked out
by hand from the rules in ``evaluation/risk/ledger.py``:

=========  ======================================  ==================================
step       data / command                          ledger
=========  ======================================  ==================================
score Q1   U1 65 (orange), U2 55 (red), U3 90      U1 opens orange, due 2025-07-09;
                                                   U2 opens red, due 2025-06-30
score Q2   U1 66, U2 90, U3 90                     U1 still open (not yet due);
                                                   U2 closed 2025-06-30, on time
ledger     --as-of 2025-07-10                      U1 overdue: red, due 2025-10-08,
                                                   escalated once, reminder
ledger     --as-of 2025-07-10 again                nothing changes (idempotent)
score Q3   U1 50 (red), U3 65 (orange)             U1 open, not due again, reminded;
                                                   U3 opens orange, due 2026-01-08
score Q4   U1 85, U3 not reported                  U1 closed 2025-12-31, late;
                                                   U3 stays open (no value)
ledger     --as-of 2026-01-09                      U3 overdue: red, reminder
=========  ======================================  ==================================
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from evaluation.errors import EvaluationError
from evaluation.risk import ledger as L

from ..conftest import ROOT, TINY, TINY_UNITS, write_dataset

EXE = Path(sys.executable).parent / "evaluation"
A1 = {
    "2025-Q1": {"U1": "65", "U2": "55", "U3": "90"},
    "2025-Q2": {"U1": "66", "U2": "90", "U3": "90"},
    "2025-Q3": {"U1": "50", "U2": "90", "U3": "65"},
    "2025-Q4": {"U1": "85", "U2": "90", "U3": ""},
}


def cli(*args) -> str:
    done = subprocess.run(
        [str(EXE), *map(str, args)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_reminder_list_needs_a_units_file_to_name_the_units(tmp_path):
    """In Chinese the units are named from --data's units file: a folder without
    one is refused, saying which option to give, before the ledger is touched."""
    book = tmp_path / "ledger.csv"
    L.write_ledger(L.empty(), book)
    before = book.read_bytes()
    done = subprocess.run(
        [str(EXE), "ledger", str(book), "--as-of", "2025-07-10", "--data",
         str(tmp_path / "nowhere")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "没有单位名录文件（units.csv）" in done.stderr + done.stdout
    assert "--data" in done.stderr + done.stdout
    assert book.read_bytes() == before


def test_ledger_opens_escalates_reminds_and_closes_across_runs(tmp_path):
    raw = {**TINY, "indicators": [dict(i) for i in TINY["indicators"][:1]]}
    raw["dimensions"] = [TINY["dimensions"][0]]
    raw["indicators"][0]["risk"] = {"orange": 70, "red": 60}
    raw["risk"] = {"due_days": {"orange": 100, "red": 91}}
    cat = tmp_path / "tiny.yaml"
    cat.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    book = tmp_path / "ledger.csv"
    data = tmp_path / "data"

    def score(period):
        rows = [
            (u, p, "a1", v)
            for p, values in A1.items()
            if p <= period
            for u, v in values.items()
        ]
        write_dataset(data, TINY_UNITS, rows)
        return cli(
            "score",
            data,
            "-p",
            period,
            "-c",
            cat,
            "--out",
            tmp_path / "out",
            "--ledger",
            book,
            "--lang",
            "en",
        )

    def item(unit):
        led = L.read_ledger(book)
        rows = led[led["unit_id"] == unit]
        assert len(rows) == 1
        return rows.iloc[0]

    out = score("2025-Q1")
    assert "2 open, 2 opened, 0 closed; 0 overdue" in out
    # the run's own summary first, the ledger's reminders after it
    assert out.splitlines()[0].startswith("scored 2025-Q1: 3 of 3 units ranked")
    assert out.index("scored 2025-Q1") < out.index("2 open, 2 opened")
    assert item("U1")[["level", "first_due", "status"]].tolist() == [
        "orange",
        "2025-07-09",
        "open",
    ]
    assert item("U2")[["level", "first_due"]].tolist() == ["red", "2025-06-30"]

    out = score("2025-Q2")
    assert "1 open, 0 opened, 1 closed; 0 overdue" in out
    u2 = item("U2")
    assert u2[["status", "closed_period", "closed_on", "on_time"]].tolist() == [
        "closed",
        "2025-Q2",
        "2025-06-30",
        True,
    ]

    out = cli(
        "ledger",
        book,
        "-c",
        cat,
        "--as-of",
        "2025-07-10",
        "--reminders",
        tmp_path / "remind.csv",
        "--data",
        data,
    )
    # in Chinese (the default): the unit and indicator by name (一局, a1指标), the
    # level in words
    assert (
        f"整改台账 {book}：未整改1项（本次新增0项），本次整改完成0项；逾期1项（须催办）"
        in out
    )
    # opened orange, red once overdue: the level and the reason worded as the
    # letters and the dashboard word them (红色（发现时为橙色）, 最近一期：…)
    assert (
        "  催办 一局：a1指标，红色（发现时为橙色），整改期限2025年10月8日（原定期限"
        f"2025年7月9日，已升级1次）——最近一期：{item('U1')['reason_zh']}\n" in out
    )
    u1 = item("U1")
    assert u1[["level", "level_opened", "due", "escalations", "reminder"]].tolist() == [
        "red",
        "orange",
        "2025-10-08",
        1,
        True,
    ]
    # the reminder list as the office sends it: the script's U1 item, in words
    remind = pd.read_csv(tmp_path / "remind.csv", encoding="utf-8-sig", dtype=str)
    assert remind.to_dict("records") == [
        {
            "责任单位": "一局",
            "指标或维度": "a1指标",
            "预警规则": "阈值",
            "当前预警等级": "红色",
            "初始预警等级": "橙色",
            "发现报告期": "2025年第一季度",
            "原定整改期限": "2025年7月9日",
            "当前整改期限": "2025年10月8日",
            "逾期升级次数": "1",
            "整改状态": "未关闭",
            "核查日期": "2025年7月10日",
            "原因": item("U1")["reason_zh"],
            "单位代码": "U1",
            "事项编号": "2025-Q1/U1/a1/threshold",
        }
    ]
    assert not re.search(r"[A-Za-z]{3,}|\d{4}-\d\d", remind.iloc[0, :-2].str.cat())
    cli(
        "ledger", book, "-c", cat, "--reminders", tmp_path / "remind_en.csv",
        "--lang", "en",
    )  # fmt: skip
    remind = pd.read_csv(tmp_path / "remind_en.csv", encoding="utf-8-sig")
    # in English the same list for people, worded in English
    assert list(remind.columns) == [
        "Responsible unit", "Indicator or dimension", "Rule", "Level",
        "Level when opened", "Opened in", "First deadline", "Current deadline",
        "Escalations", "Status", "Checked on", "Reason", "Unit code", "Item",
    ]  # fmt: skip
    assert remind["Unit code"].tolist() == ["U1"]
    assert remind["Reason"].tolist() == [item("U1")["reason_en"]]
    assert not re.search(r"[\u4e00-\u9fff]", remind.astype(str).stack().str.cat())
    before = book.read_bytes()
    cli("ledger", book, "-c", cat, "--as-of", "2025-07-10")
    assert book.read_bytes() == before  # checking again the same day changes nothing

    out = score("2025-Q3")
    assert "2 open, 1 opened, 0 closed; 1 overdue" in out
    assert item("U1")[["status", "level", "escalations", "reminder"]].tolist() == [
        "open",
        "red",
        1,
        True,
    ]
    assert item("U3")[["level", "first_due"]].tolist() == ["orange", "2026-01-08"]

    out = score("2025-Q4")
    assert "1 open, 0 opened, 1 closed; 0 overdue" in out
    assert item("U1")[["status", "closed_on", "on_time"]].tolist() == [
        "closed",
        "2025-12-31",
        False,
    ]
    assert item("U3")["status"] == "open"  # not reported: not recovered

    out = cli("ledger", book, "-c", cat, "--as-of", "2026-01-09", "--lang", "en")
    assert (
        "  remind U3: a1 red (opened as orange), due 2026-04-09 (first due 2026-01-08, "
        f"escalated 1×) — latest: {item('U3')['reason_en']}\n" in out
    )
    led = L.read_ledger(book)
    assert len(led) == 3  # every item is kept
    # on-time closure rate: Q2's due item (U2) closed on time; Q3's (U1) did not
    assert L.closure_rate(led, "2025-Q2").to_dict() == {"U2": 100.0}
    assert L.closure_rate(led, "2025-Q3").to_dict() == {"U1": 0.0}


def test_a_ledger_keeps_one_frequency_and_never_loses_items(tmp_path, tiny_catalogue):
    book = tmp_path / "ledger.csv"
    led = L.empty()
    w = pd.DataFrame(
        {
            "period": ["2025-Q1"],
            "unit_id": ["U1"],
            "node_id": ["a1"],
            "rule": ["threshold"],
            "level": ["red"],
            "value": [50.0],
            "threshold": [60.0],
            "reason_zh": ["z"],
            "reason_en": ["e"],
        }
    )
    seen = w[["period", "unit_id", "node_id"]]
    led = L.update(led, w, seen, ["2025-Q1"], tiny_catalogue)
    L.write_ledger(led, book)
    again = L.update(L.read_ledger(book), w, seen, ["2025-Q1"], tiny_catalogue)
    assert len(again) == 1  # a period is applied once
    with pytest.raises(EvaluationError, match="keep one ledger file per frequency"):
        L.update(L.read_ledger(book), w, seen, ["2025"], tiny_catalogue)
    with pytest.raises(EvaluationError, match=r"would lose items \['2025-Q1/U1/a1"):
        L.write_ledger(L.empty(), book, previous=L.read_ledger(book))


def test_past_twenty_reminders_the_cli_says_how_many_more_and_where(
    tmp_path, monkeypatch
):
    """The sample city's ledger through December 2025 has more than 20 items
    overdue: the CLI lists 20, then says how many more and where the whole list is
    (the reminders file written, else the command that writes it)."""
    book = tmp_path / "ledger.csv"
    sample = ROOT / "data" / "sample"
    out = cli("score", sample, "-p", "2025-M12", "-c", ROOT / "indicators.yaml",
              "--out", tmp_path / "out", "--ledger", book)  # fmt: skip
    led = pd.read_csv(book, encoding="utf-8-sig", dtype=str)
    n = int(((led["status"] == "open") & (led["reminder"] == "True")).sum())
    assert n > 20
    lines = out.splitlines()
    assert lines[0].startswith("已评分：2025年12月")  # the run's summary first
    k = next(i for i, x in enumerate(lines) if x.startswith(f"整改台账 {book}"))
    assert lines[k].endswith(f"逾期{n}项（须催办）")
    assert sum(x.startswith("  催办 ") for x in lines) == 20
    catalogue = ROOT / "indicators.yaml"
    assert lines[k + 21] == (
        f"  另有{n - 20}项未列出，完整催办清单：evaluation ledger {book} --data "
        f"{sample} -c {catalogue} --reminders 催办清单.csv"
    )
    # the command as printed, run from another folder, writes the whole list
    monkeypatch.chdir(tmp_path)
    printed = shlex.split(lines[k + 21].split("：", 1)[1])
    assert printed[0] == "evaluation"
    cli(*printed[1:])
    assert len(pd.read_csv(tmp_path / "催办清单.csv", encoding="utf-8-sig")) == n
    remind = tmp_path / "催办 清单.csv"  # a name with a space
    out = cli("ledger", book, "--as-of", "2026-01-10", "-c", ROOT / "indicators.yaml",
              "--reminders", remind, "--data", sample)  # fmt: skip
    lines = out.splitlines()
    assert sum(x.startswith("  催办 ") for x in lines) == 20
    assert lines[21] == f"  另有{n - 20}项未列出，完整催办清单见：{remind}"
    assert len(pd.read_csv(remind, encoding="utf-8-sig")) == n
    out = cli("ledger", book, "-c", catalogue, "--lang", "en")
    assert out.splitlines()[21] == (
        f"  and {n - 20} more; the whole list: evaluation ledger {book} --data "
        f"data/sample -c {catalogue} --reminders reminders.csv --lang en"
    )


def test_a_printed_command_quotes_a_path_as_its_shell_reads_it():
    """A path with a space: POSIX shells read it in single quotes, Windows' cmd
    only in double quotes (and PowerShell reads those too); a plain word stays
    bare on both (by hand: what each shell needs to see one word)."""
    from evaluation.vocabulary import shell_word

    spaced = r"C:\Users\张 三\ledger.csv"
    assert shell_word(spaced, windows=True) == '"' + spaced + '"'
    assert shell_word("/home/张 三/ledger.csv", windows=False) == (
        "'/home/张 三/ledger.csv'"
    )
    assert shlex.split(shell_word("/home/张 三/a.csv", windows=False)) == [
        "/home/张 三/a.csv"
    ]
    for windows in (True, False):
        assert shell_word("催办清单.csv", windows=windows) == "催办清单.csv"
    assert shell_word("a&b.csv", windows=True) == '"a&b.csv"'  # cmd's & ends a command


def test_a_ledger_of_another_frequency_is_refused_in_chinese(tmp_path):
    """score --ledger with a month's ledger, then a half-year's run on it: refused
    in the clerk's words (frequency and last period in Chinese), the English after
    it; it was the English alone after 未能完成. The ledger is left as it was."""
    from typer.testing import CliRunner

    from evaluation.cli import app

    book, sample = tmp_path / "台账.csv", ROOT / "data" / "sample"
    score = ("score", sample, "-c", ROOT / "indicators.yaml", "--ledger", book)
    run = lambda *a: CliRunner().invoke(app, [str(x) for x in (*score, *a)])  # noqa: E731
    assert run("--period", "2025-M12", "--out", tmp_path / "m").exit_code == 0
    before = book.read_bytes()
    done = run("--period", "2025-H2", "--out", tmp_path / "h")
    assert done.exit_code == 1
    assert done.output.startswith(
        f"整改台账 {book}：这份台账按月度报告期记录（最近一期：2025年12月），"
        "本次评分是半年报告期：每种频次请用一份台账文件（--ledger 另给文件名）\n"
    )
    assert "keep one ledger file per frequency" in done.output
    assert "未能完成" not in done.output
    assert book.read_bytes() == before and not (tmp_path / "h").exists()
