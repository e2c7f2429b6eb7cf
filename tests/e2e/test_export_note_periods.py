"""The media note (``.说明.txt``) of a month and a quarter counts the indicators that
period scores, not the whole catalogue's, and names the dimensions it leaves blank.

The sample scored for 2025-M06, 2025-Q2 and 2025 and exported through the command
line. Expected counts worked out by hand from ``indicators.yaml`` (each indicator's
frequency, normalisation and missing rule; a period scores the indicators reported
at least as often as it: a month the 9 monthly ones, a quarter those and the 2
bimonthly and 7 quarterly ones, 18, the year all 28), checked against the file read
with PyYAML; never from the code under test.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from evaluation.cli import app

from ..conftest import ROOT

SAMPLE = ROOT / "data" / "sample"
CATALOGUE = ROOT / "indicators.yaml"
RUN_AT = "2026-01-15T09:00:00+00:00"
#: months per report, by hand (a bimonthly series rolls up into a quarter)
MONTHS = {"monthly": 1, "bimonthly": 2, "quarterly": 3, "half_year": 6, "annual": 12}

#: by hand from indicators.yaml: (normalisations, missing rules, dimensions not
#: assessed), in the order the catalogue first names each method
EXPECTED = {
    "2025-M06": (
        {"goalposts": 5, "minmax": 3, "target": 1},
        {"zero_score": 1, "exclude": 8},
        ["cost", "tasks"],
    ),
    "2025-Q2": (
        {"goalposts": 10, "minmax": 3, "target": 4, "zscore": 1},
        {"zero_score": 6, "exclude": 12},
        [],
    ),
    "2025": (
        {"goalposts": 16, "minmax": 5, "target": 4, "zscore": 3},
        {"zero_score": 7, "exclude": 19, "peer_median": 2},
        [],
    ),
}
WORDS = {  # the vocabulary's words for the methods, as a reader sees them
    "goalposts": ("固定上下限标准化", "goalposts"),
    "minmax": ("极差标准化", "min-max"),
    "target": ("目标差距法", "distance to target"),
    "zscore": ("Z分数标准化", "z-score"),
    "zero_score": ("记零分", "zero score"),
    "exclude": ("不计", "exclude"),
    "peer_median": ("同类中位数插补", "peer median"),
}


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("period", list(EXPECTED))
def test_the_hand_counts_are_the_catalogues(raw, period):
    """The expected counts, checked against indicators.yaml read with PyYAML."""
    size = {"2025-M06": 1, "2025-Q2": 3, "2025": 12}[period]
    mine = [i for i in raw["indicators"] if MONTHS[i["frequency"]] <= size]
    norm, missing, idle = EXPECTED[period]
    methods = pd.Series([i["normalisation"]["method"] for i in mine])
    assert methods.value_counts(sort=False).to_dict() == norm
    rules = pd.Series([i["missing"] for i in mine])
    assert rules.value_counts(sort=False).to_dict() == missing
    tops = {i["parent"].split(".")[0] for i in mine}
    top = [d["id"] for d in raw["dimensions"] if "parent" not in d]
    assert [d for d in top if d not in tops] == idle


@pytest.fixture(scope="module")
def notes(tmp_path_factory) -> dict[str, dict[str, str]]:
    """Each period's note, Chinese and English, and its whole media table."""
    out = {}
    for period in EXPECTED:
        folder = tmp_path_factory.mktemp(period.replace("-", ""))
        done = invoke(
            "score", SAMPLE, "--period", period, "--catalogue", CATALOGUE,
            "--out", folder / "run", "--run-at", RUN_AT,
        )  # fmt: skip
        assert done.exit_code == 0, done.output
        got = {}
        for lang, note in (("zh", "说明"), ("en", "about")):
            csv = folder / lang / f"media_{period}.csv"
            done = invoke("export", folder / "run" / "result", "--out", csv,
                          "--lang", lang)  # fmt: skip
            assert done.exit_code == 0, done.output
            got[lang] = csv.with_name(f"media_{period}.{note}.txt").read_text(
                encoding="utf-8-sig"
            )
            got[f"table_{lang}"] = pd.read_csv(csv, encoding="utf-8-sig", dtype=str)
        out[period] = got
    return out


def method_line(note: str, lang: str) -> str:
    head = "计算方法：" if lang == "zh" else "Method: "
    return next(x for x in note.splitlines() if x.startswith(head))


@pytest.mark.parametrize("period", list(EXPECTED))
def test_the_method_counts_the_indicators_the_period_scored(notes, raw, period):
    norm, missing, idle = EXPECTED[period]
    zh = method_line(notes[period]["zh"], "zh")
    en = method_line(notes[period]["en"], "en")
    for counts in (norm, missing):
        zh_said = "、".join(f"{WORDS[m][0]}{n}项" for m, n in counts.items())
        en_said = ", ".join(f"{WORDS[m][1]} ({n})" for m, n in counts.items())
        assert f"（{zh_said}）" in zh and f"({en_said})" in en
    # the counts add up to the period's indicators: 9, 18, 28
    n = {"2025-M06": 9, "2025-Q2": 18, "2025": 28}[period]
    counted = [g for g in re.findall(r"（([^）]*)）", zh) if g.endswith("项")]
    assert len(counted) == 2  # normalisations, missing rules
    for group in counted:
        assert sum(map(int, re.findall(r"(\d+)项", group))) == n
    names = {d["id"]: (d["name_zh"], d["name_en"]) for d in raw["dimensions"]}
    if idle:
        said = "、".join(names[d][0] for d in idle)
        assert f"本期未评估{said}维度" in zh
        assert (
            "Not assessed in this period: " + ", ".join(names[d][1] for d in idle) in en
        )
    else:
        assert "未评估" not in zh and "Not assessed" not in en


def test_the_dimensions_said_not_assessed_are_the_blank_columns(notes, raw):
    """A month's table: 行政成本 and 任务目标完成 are blank for every unit (no
    indicator of theirs is reported monthly), the other three are filled."""
    table = notes["2025-M06"]["table_zh"]
    names = {d["id"]: d["name_zh"] for d in raw["dimensions"] if "parent" not in d}
    for dim, name in names.items():
        blank = table[name].isna().all()
        assert blank == (dim in ("cost", "tasks")), name


@pytest.mark.parametrize("period", list(EXPECTED))
def test_the_source_names_the_agencies_whose_reports_the_period_read(
    notes, raw, period
):
    """A month reads the 9 monthly indicators, reported by 市纪委监委 and
    市政务服务中心, and the volumes they are weighted by (the same two agencies):
    the note names those 2, not the catalogue's 8. Worked out from indicators.yaml
    read with PyYAML: each scored indicator's agency and its series' agencies."""
    size = {"2025-M06": 1, "2025-Q2": 3, "2025": 12}[period]
    mine = [i for i in raw["indicators"] if MONTHS[i["frequency"]] <= size]
    agency = {s["id"]: s["agency"] for s in raw["indicators"] + raw["context"]}
    read = set()
    for i in mine:
        rollup = i.get("rollup")
        by = [(i.get("denominator") or {}).get("by")]
        by.append(rollup.get("weight_by") if isinstance(rollup, dict) else None)
        read |= {agency[x] for x in [i["id"], *by] if x}
    names = [(a["name_zh"], a["name_en"]) for a in raw["agencies"] if a["id"] in read]
    if period == "2025-M06":
        assert [n[0] for n in names] == ["市纪委监委", "市政务服务中心"]
    zh = next(x for x in notes[period]["zh"].splitlines() if x.startswith("数据来源："))
    assert zh.startswith(
        f"数据来源：{'、'.join(n[0] for n in names)}等{len(names)}个单位"
    )
    en = next(x for x in notes[period]["en"].splitlines() if x.startswith("Source: "))
    assert f"reported by {len(names)} agencies ({', '.join(n[1] for n in names)};" in en


def test_a_ranked_unit_with_a_blank_dimension_says_why(notes, raw):
    """In 2025-Q2 a unit has too few 行政成本 values to score it (min_coverage) but
    is ranked on its other dimensions: its note says so, and the note file says how
    its composite was computed; a month's blank dimensions (not assessed at all in
    a month) are no unit's note."""
    names = [d["name_zh"] for d in raw["dimensions"] if "parent" not in d]
    for period in EXPECTED:
        table = notes[period]["table_zh"]
        assessed = [d for d in names if table[d].notna().any()]
        ranked = table["排名"].notna()
        for _, row in table[ranked].iterrows():
            blank = [d for d in assessed if pd.isna(row[d])]
            said = f"{'、'.join(blank)}数据不足，未计分"
            assert (said in str(row["备注"])) == bool(blank), (period, row["单位"])
    quarter = notes["2025-Q2"]
    blank = quarter["table_zh"]["行政成本"].isna() & quarter["table_zh"]["排名"].notna()
    assert blank.sum() == 1
    assert (
        "1个单位有一级指标因数据不足未计分（在“备注”列注明），其综合得分按其余一级指标计算"
        in (quarter["zh"])
    )
    assert "未计分" not in notes["2025-M06"]["zh"]


def test_a_peer_groups_note_counts_the_units_of_its_own_file(tmp_path, raw):
    """``export --peer-group``: the note beside a group's file counts that file's
    units with values not reported and scored 0 (their 备注 says 记零分), and
    those with imputed values (补缺) apart, not the whole city's. The groups'
    counts, read off each file, add up to the whole table's."""
    run = tmp_path / "run"
    done = invoke(
        "score", SAMPLE, "--period", "2025", "--catalogue", CATALOGUE, "--out", run,
        "--run-at", RUN_AT,
    )  # fmt: skip
    assert done.exit_code == 0, done.output

    def exported(name: str, *extra) -> tuple[tuple[int, int], str]:
        csv = tmp_path / f"{name}.csv"
        done = invoke("export", run / "result", "--out", csv, *extra)
        assert done.exit_code == 0, done.output
        table = pd.read_csv(csv, encoding="utf-8-sig", dtype=str)
        text = csv.with_name(f"{name}.说明.txt").read_text(encoding="utf-8-sig")
        notes = next(x for x in text.splitlines() if x.startswith("备注："))
        said = table["备注"].fillna("")
        n = [int(said.str.contains(w).sum()) for w in ("记零分", "补缺")]
        return (n[0], n[1]), notes

    whole, _ = exported("all")
    zero = "个单位有指标数据未报送，按指标体系规定记零分"
    imputed = "个单位的得分含补缺数据"
    counts = {}
    for group in (g["id"] for g in raw["peer_groups"]):
        n, notes = exported(group, "--peer-group", group)
        for k, words in zip(n, (zero, imputed), strict=True):
            if k:
                assert f"：{k}{words}" in notes or f"；{k}{words}" in notes, notes
            else:
                assert words not in notes, (group, notes)
        counts[group] = n
    for k in (0, 1):
        assert sum(n[k] for n in counts.values()) == whole[k]
    # the sample's 2025 values not reported are scored zero, in two groups
    assert whole == (2, 0)
    assert any(0 < n[0] < whole[0] for n in counts.values())  # a group's own count
