"""Chinese first: what a 绩效办 reads in Chinese speaks Chinese.

The Chinese reasons of the sample's warnings and data-quality flags (the sample with
the hand-written reporting anomalies of ``benchmarks/quality_corpus.yaml`` planted,
so that every kind of flag is there), scored through the CLI for the year and for
December, and the Chinese problem report of a corrupted copy of the sample, are
scanned for what an official would not write:

- ASCII letters, except the ids people use as they are (the units' ids, ``D07``;
  file names; in a problem report, a column's id beside its Chinese header and what
  the clerk is to type, in quotation marks “2025-M03”);
- period codes (``2025-M12``, ``2024-B4``, ``2024-H2``) outside those quotation marks;
- statistics jargon (中位绝对偏差, 稳健标准差, 孤立森林, z 值, χ², p 值 …), a whole
  count written with decimals (``25.00件``), a ratio said as ``比值``;
- ASCII punctuation in a Chinese sentence (a comma between digits is a thousands
  separator and allowed).

The statistic itself stays in the English reason (the analysts' column).
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from evaluation.cli import app

from ..conftest import ROOT

SAMPLE = ROOT / "data" / "sample"
CATALOGUE = ROOT / "indicators.yaml"
UNIT_IDS = set(pd.read_csv(SAMPLE / "units.csv", dtype=str)["unit_id"])

#: the corpus cases planted: one or more of every kind the screen looks for
PLANTED = [
    "pw-d05-approval-on-time",
    "fw-x02-hotline",
    "rs-d11-supervision-may",
    "sh-d30-from-d34-hotline",
    "cn-x06-from-x03-commitment",
    "lt-d20-finance-q2",
    "ms-d04-supervision-august",
    "in-d16-volume-x10",
    "ly-d01-approvals",
    "rd-d10-complaints-5",
    "ln-d38-hotline",
]

JARGON = (
    "中位绝对偏差", "稳健标准差", "标准差", "标准误", "孤立森林", "z值", "Z值",
    "z 值", "Z 值", "z分数", "Z分数", "对数几率", "对数尺度", "χ", "卡方", "p值",
    "p=", "本福特", "百分位数", "阈值", "MAD", "σ",
)  # fmt: skip
PERIOD_CODE = re.compile(r"\d{4}-(?:M\d{2}|B\d|Q\d|H\d)\b")
QUOTED = re.compile(r"“[^”]*”")
FILE_NAME = re.compile(r"[\w./-]+\.(?:csv|txt|xlsx|xlsm|xls|parquet|yaml)\b")
ASCII_PUNCTUATION = re.compile(r"[;:()!?]|,(?!\d)|(?<!\d),")


def foreign(text: str, ids=UNIT_IDS, *, typed_quotes: bool = False) -> list[str]:
    """What in a Chinese text an official would not write (empty: nothing)."""
    found = []
    if typed_quotes:  # what a clerk is to type, quoted: taken as it is
        text = QUOTED.sub("“”", text)
    found += [f"period code {m}" for m in PERIOD_CODE.findall(text)]
    found += [f"jargon {w}" for w in JARGON if w in text]
    found += [f"decimals on a count {m}" for m in re.findall(r"\d\.0+件(?!/)", text)]
    found += [f"ratio unit {m}" for m in re.findall(r"\d比值", text)]
    rest = FILE_NAME.sub(" ", text)
    words = re.findall(r"[A-Za-z][A-Za-z0-9_]*", rest)
    found += [f"ASCII word {w}" for w in words if w not in ids]
    found += [f"ASCII punctuation {m!r}" for m in ASCII_PUNCTUATION.findall(rest)]
    return found


def test_the_scanner_finds_what_the_issue_found():
    """The words the issue quotes each fail the scan; the rewritten ones pass."""
    old = [
        "综合得分 39.0分，偏离同组中位数 66.2分 -7.94 个中位绝对偏差（低于 -3），红色",
        "偏离 +8.1 个稳健标准差",
        "各项指标环比变化的组合异常（孤立森林）",
        "审批实际用时与承诺时限之比 1.4比值 不低于红色阈值 1比值",
        "领导交办事项超期件数 25.00件",
        "市政府督查室：all 2 values sent for 2025-B1 are empty",
        "上期(2024-H2)为43.6%",
        "56 个计数的末位数字不均匀，χ²=229.7，p=2e-44",
    ]
    for text in old:
        assert foreign(text), text
    assert foreign("D07与D12完全相同（偶然如此的概率约为1.2万分之一），共1,235件") == []
    assert foreign("报告期应写作“2025-M03”", typed_quotes=True) == []
    assert foreign("报告期应写作“2025-M03”")  # a code outside a typed example


def _score(folder, period, out) -> pd.DataFrame:
    done = CliRunner().invoke(
        app,
        ["score", str(folder), "-p", period, "--out", str(out), "-c", str(CATALOGUE)],
    )
    assert done.exit_code == 0, done.output
    return out / "result"


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    spec = importlib.util.spec_from_file_location(
        "quality_corpus", ROOT / "benchmarks" / "quality_corpus.py"
    )
    qc = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("quality_corpus", qc)  # dataclasses look their module up
    spec.loader.exec_module(qc)
    import evaluation as ev

    catalogue = ev.load_catalogue(CATALOGUE)
    corpus = qc.load_corpus(catalogue=catalogue)
    out = tmp_path_factory.mktemp("zh") / "planted"
    qc.plant(SAMPLE, out, corpus.select(PLANTED), catalogue=catalogue)
    return out


@pytest.fixture(scope="module")
def results(planted, tmp_path_factory):
    base = tmp_path_factory.mktemp("zh-results")
    return {
        period: _score(planted, period, base / period)
        for period in ("2025", "2025-M12")
    }


def test_warning_reasons_speak_plain_chinese(results):
    reasons = pd.concat(
        pd.read_parquet(r / "warnings.parquet")[["rule", "reason_zh", "reason_en"]]
        for r in results.values()
    )
    # every kind of warning rule the sample's catalogue uses is scanned
    assert set(reasons["rule"]) >= {"threshold", "peer", "trend", "rollup", "event"}
    bad = {
        text: found
        for text in reasons["reason_zh"].unique()
        if (found := foreign(text))
    }
    assert bad == {}
    # the statistic stays in the analysts' English
    peer = reasons[reasons["rule"] == "peer"]
    assert peer["reason_en"].str.contains("below the peer median").all()
    assert peer["reason_en"].str.contains("typical gaps of").all()
    assert peer["reason_zh"].str.contains("同类单位中位数").all()


def test_flag_reasons_speak_plain_chinese(results):
    flags = pd.concat(pd.read_parquet(r / "flags.parquet") for r in results.values())
    # the planted anomalies bring (nearly) every check of the screen (the isolation
    # forest is off by default: methodology §14)
    assert set(flags["check"]) >= {
        "missing", "late", "stable", "perfect", "jump", "identical_period",
        "copied", "linear", "rounded", "digits",
    }  # fmt: skip
    bad = {
        text: found for text in flags["reason_zh"].unique() if (found := foreign(text))
    }
    assert bad == {}
    jumps = flags[flags["check"] == "jump"]
    assert jumps["reason_en"].str.contains("robust SDs").all()
    assert jumps["reason_zh"].str.contains("异常偏高|异常偏低").all()
    outlier = flags[flags["check"] == "outlier"]
    assert outlier["reason_en"].str.contains("isolation forest").all()


def _corrupt(folder) -> None:
    """One fault of each kind an agency's clerk makes, in the supervision file
    (GB18030, as the agency sends it) and the units file."""
    path = folder / "observations" / "supervision.csv"
    lines = path.read_text(encoding="gb18030").splitlines()
    header = lines[0].split(",")
    faults = {  # line → column → bad cell
        1: {3: "150"},  # out of range
        2: {3: "八十"},  # not a number
        3: {1: "2025/03"},  # not a period label
        4: {0: "X99"},  # unknown unit
        5: {2: "nonsense"},  # unknown indicator
        6: {1: "2025-H1"},  # a monthly series reported for a half-year
        8: {4: "2025-13-45"},  # not a date
    }
    for line, cells in faults.items():
        fields = lines[line].split(",")
        for column, cell in cells.items():
            fields[column] = cell
        lines[line] = ",".join(fields)
    lines.append(lines[7])  # a duplicate row
    assert len(header) == 5
    path.write_text("\n".join(lines) + "\n", encoding="gb18030")
    units = folder / "units.csv"
    rows = units.read_text(encoding="utf-8-sig").splitlines()
    rows[1] = rows[1].replace(",department,", ",ministry,")  # unknown level
    units.write_text("\n".join(rows) + "\n", encoding="utf-8")


def test_the_problem_report_speaks_to_the_clerk_in_chinese(tmp_path):
    data = tmp_path / "sample"
    shutil.copytree(SAMPLE, data)
    _corrupt(data)
    report = tmp_path / "problems.csv"
    done = CliRunner().invoke(
        app, ["validate", str(data), "-c", str(CATALOGUE), "--report", str(report)]
    )
    assert done.exit_code == 1
    table = pd.read_csv(report, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(table.columns) == ["文件", "行", "列", "值", "规则"]
    assert len(table) >= 9
    columns = {"unit_id", "period", "indicator_id", "value", "reported_at", "level"}
    bad = {}
    for text in (*table["规则"].unique(), *table["列"].unique()):
        found = foreign(text, UNIT_IDS | columns, typed_quotes=True)
        if found:
            bad[text] = found
    assert bad == {}
    rules = " ".join(table["规则"])
    for words in (
        "数值超出有效范围：审批事项按时办结率应在0%至100%之间",
        "须填写数字",
        "报告期格式不对",
        "单位代码不在单位名单",
        "指标代码不是指标体系中的指标",
        "审批事项按时办结率按月度报送",
        "不是有效的日期",
        "重复：同一单位、报告期和指标出现在多行",
        "层级应为以下之一",
    ):
        assert words in rules, words
    # what the command prints is Chinese too (past the file names)
    printed = [
        line
        for line in done.output.splitlines()
        if line.strip() and not line.startswith(("已读取", " "))
    ]
    assert printed[0] == f"数据校验未通过：共{len(table)}个问题"


def test_an_analysts_decision_is_dated_in_beijing_time(results, tmp_path):
    from datetime import datetime, timedelta, timezone

    flags = pd.read_parquet(results["2025"] / "flags.parquet")
    decisions = tmp_path / "decisions.csv"
    done = CliRunner().invoke(
        app,
        ["flags", str(results["2025"]), "--decisions", str(decisions),
         "--dismiss", flags["flag_id"].iloc[0], "--comment", "已核实", "--by", "王"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    at = pd.read_csv(decisions, encoding="utf-8-sig", dtype=str)["decided_at"].item()
    assert at.endswith("+08:00"), at
    now = datetime.now(timezone(timedelta(hours=8)))
    assert abs(datetime.fromisoformat(at) - now) < timedelta(minutes=5)
