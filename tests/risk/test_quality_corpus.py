"""The hand-labelled corpus of reporting anomalies (benchmarks/quality_corpus.yaml):
the file validates, ``plant`` writes what each case says, ``score`` counts what it
should, and the data-quality screen finds planted cases through the command line.

Every expected value comes from the corpus labels (the case's unit, series, periods
and parameters) and the unmodified data, never from the screen's output.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib.util
import shutil
import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import evaluation as ev
from evaluation.cli import app

from ..conftest import ROOT

_spec = importlib.util.spec_from_file_location(
    "quality_corpus", ROOT / "benchmarks" / "quality_corpus.py"
)
QC = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("quality_corpus", QC)  # dataclasses look their module up
_spec.loader.exec_module(QC)

SAMPLE = ROOT / "data" / "sample"
CATALOGUE = ROOT / "indicators.yaml"

#: one case of each of the issue's four kinds, plus a late and a missing return
CLI_CASES = [
    "pw-d05-approval-on-time",
    "fw-d09-time-ratio",
    "rs-d11-supervision-may",
    "cs-d02-from-d06-commitment",
    "lt-d19-supervision-march",
    "ms-d04-supervision-august",
]


@pytest.fixture(scope="module")
def catalogue():
    return ev.load_catalogue(CATALOGUE)


@pytest.fixture(scope="module")
def corpus(catalogue):
    return QC.load_corpus(catalogue=catalogue)


def _values(folder) -> pd.DataFrame:
    """unit_id, period, indicator_id → value (float) and reported_at."""
    obs = ev.load_dataset(folder).observations
    return obs.assign(value=pd.to_numeric(obs["value"])).set_index(
        ["unit_id", "period", "indicator_id"]
    )[["value", "reported_at"]]


# ---------------------------------------------------------------- the corpus file
def test_the_corpus_covers_every_kind_with_different_units(corpus):
    by_kind: dict[str, list] = {}
    for case in corpus.cases:
        by_kind.setdefault(case.kind, []).append(case)
    assert set(by_kind) == set(QC.KINDS)
    for kind, cases in by_kind.items():
        assert len(cases) >= 4, kind
        units = [c.unit for c in cases]
        assert len(set(units)) == len(units), kind  # different units within a kind
    # the sample's own planted units (D07, D13, D22, D28) are left alone
    touched = {u for c in corpus.cases for u in (c.unit, *c.source_units)}
    assert not touched & {"D07", "D13", "D22", "D28"}
    cited = {c.source for c in corpus.cases} - {"hand"}
    assert cited == set(corpus.sources)  # every source is used, every use defined


def test_batches_never_plant_a_unit_twice_nor_copy_from_a_planted_one(corpus):
    groups = QC.batches(corpus.cases)
    assert sum(len(g) for g in groups) == len(corpus.cases)
    for group in groups:
        planted = [c.unit for c in group]
        assert len(set(planted)) == len(planted)
        read = {u for c in group for u in c.source_units}
        assert not read & set(planted)


def _document(**changes) -> dict:
    case = {
        "id": "bad-one",
        "kind": "perfect_window",
        "unit": "D05",
        "operation": {
            "op": "constant",
            "series": ["approval_on_time_rate"],
            "periods": "2025-M01..2025-M12",
            "value": "best",
        },
        "description_zh": "测试",
        "description_en": "test",
        "source": "hand",
    }
    for key, value in changes.items():
        if key.startswith("op_"):
            case["operation"][key[3:]] = value
        else:
            case[key] = value
    return {"version": 1, "sources": {}, "cases": [case]}


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"op_value": 0.8}, ["case 'bad-one'", "operation", "value: best"]),
        ({"op_factor": 2}, ["case 'bad-one'", "operation.factor", "Extra inputs"]),
        ({"op_periods": "2025-M12..2025-M01"}, ["operation.periods", "ends before"]),
        ({"op_periods": "2025-M13"}, ["case 'bad-one'", "operation.periods.0"]),
        ({"kind": "stolen"}, ["case 'bad-one'", "kind"]),
        ({"source": "nbs_2099"}, ["case 'bad-one'", "source", "nbs_2099"]),
        ({"op_series": ["no_such_series"]}, ["case 'bad-one'", "operation.series"]),
        ({"op_periods": "2025-Q1..2025-Q4"}, ["operation.periods", "not monthly"]),
    ],
)
def test_a_bad_case_is_refused_naming_the_case_and_the_field(catalogue, changes, words):
    with pytest.raises(QC.CorpusError) as err:
        QC.parse_corpus(_document(**changes), catalogue=catalogue)
    for word in words:
        assert word in str(err.value), str(err.value)


def test_a_good_document_parses_and_expands_its_periods(catalogue):
    corpus = QC.parse_corpus(_document(), catalogue=catalogue)
    (case,) = corpus.cases
    assert case.operation.periods == tuple(f"2025-M{m:02d}" for m in range(1, 13))
    doc = copy.deepcopy(_document(op_periods=["2025-M03", "2025-M04"]))
    assert QC.parse_corpus(doc, catalogue=catalogue).cases[0].operation.periods == (
        "2025-M03",
        "2025-M04",
    )


# ---------------------------------------------------------------- plant
PLANT_CASES = [
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


@pytest.fixture(scope="module")
def planted(tmp_path_factory, corpus, catalogue):
    out = tmp_path_factory.mktemp("planted") / "copy"
    cases = corpus.select(PLANT_CASES)
    truth = QC.plant(SAMPLE, out, cases, catalogue=catalogue)
    return _values(SAMPLE), _values(out), truth, out


def test_plant_writes_what_each_case_says(planted):
    before, after, truth, _ = planted
    old, new = before["value"], after["value"]
    m25 = [f"2025-M{m:02d}" for m in range(1, 13)]
    # perfect_window: 100.0 every month of 2025
    assert [new["D05", p, "approval_on_time_rate"] for p in m25] == [100.0] * 12
    # frozen_window, hold: 2024-M12's figure every month of 2025
    held = old["X02", "2024-M12", "hotline_response_rate"]
    assert [new["X02", p, "hotline_response_rate"] for p in m25] == [held] * 12
    # repeat_submission: every monthly supervision series of May = April's
    for sid in [
        "approval_on_time_rate",
        "approval_time_ratio",
        "complaint_handling_rate",
        "complaint_handling_days",
        "complaints_per_10k_services",
        "fault_findings",
        "approval_volume",
    ]:
        assert new["D11", "2025-M05", sid] == old["D11", "2025-M04", sid], sid
    assert (
        new["D11", "2025-M06", "approval_volume"]
        == old["D11", "2025-M06", "approval_volume"]
    )
    # copy_shifted: D30 at t = D34 at t-1
    for m in range(1, 13):
        src = "2024-M12" if m == 1 else f"2025-M{m - 1:02d}"
        got = new["D30", f"2025-M{m:02d}", "hotline_response_rate"]
        want = old["D34", src, "hotline_response_rate"]
        assert got == want or (np.isnan(got) and np.isnan(want))
    # copy_near: X03's figure, plus the three edits
    edits = {"2025-M02": -0.1, "2025-M06": 0.1, "2025-M09": -0.2}
    for p in m25:
        want = round(old["X03", p, "commitment_reply_rate"] + edits.get(p, 0.0), 1)
        assert new["X06", p, "commitment_reply_rate"] == pytest.approx(want)
    # late: finance's Q2 and H1 rows sent 52 days after June 30
    sent = (dt.date(2025, 6, 30) + dt.timedelta(days=52)).isoformat()
    assert sent == "2025-08-21"
    for p, sid in [
        ("2025-Q2", "budget_execution_rate"),
        ("2025-Q2", "cost_per_service_item"),
        ("2025-H1", "admin_cost_share"),
    ]:
        assert after["reported_at"]["D20", p, sid] == sent
        assert new["D20", p, sid] == old["D20", p, sid] or np.isnan(old["D20", p, sid])
    # missing: the whole August supervision return empty, the row still there
    aug = new.xs(("D04", "2025-M08"), level=["unit_id", "period"])
    sup = after.xs(("D04", "2025-M08"), level=["unit_id", "period"])
    assert len(aug) == 11  # 7 supervision + 4 service-centre series
    assert (
        new["D04", "2025-M08", "approval_volume"]
        != new["D04", "2025-M08", "approval_volume"]
    )
    assert sup["value"].isna().sum() == 7
    # inflate: ten times March's approvals
    assert (
        new["D16", "2025-M03", "approval_volume"]
        == 10 * old["D16", "2025-M03", "approval_volume"]
    )
    # last_year: 2025 = 2024, month for month
    for m in range(1, 13):
        got = new["D01", f"2025-M{m:02d}", "approval_on_time_rate"]
        want = old["D01", f"2024-M{m:02d}", "approval_on_time_rate"]
        assert got == want or (np.isnan(got) and np.isnan(want))
    # rounded: multiples of 5
    vals = np.array([new["D10", p, "complaint_handling_rate"] for p in m25])
    vals = vals[~np.isnan(vals)]
    assert len(vals) and (vals % 5 == 0).all()
    # linear_trend: 90.0 → 98.5 over the 18 months from 2024-M07, 0.5 a month
    months = [f"2024-M{m:02d}" for m in range(7, 13)] + m25
    line = [new["D38", p, "hotline_response_rate"] for p in months]
    assert line == [90.0 + 0.5 * k for k in range(18)]
    # the truth table: units, series, months as labelled
    t = truth.set_index("case_id")
    assert t.loc["sh-d30-from-d34-hotline", "units"] == ("D30", "D34")
    assert t.loc["rs-d11-supervision-may", "months"] == ("2025-M05",)
    assert t.loc["lt-d20-finance-q2", "months"] == tuple(
        f"2025-M{m:02d}" for m in range(1, 7)
    )
    assert set(t.loc["ms-d04-supervision-august", "series"]) == {
        "approval_on_time_rate",
        "approval_time_ratio",
        "complaint_handling_rate",
        "complaint_handling_days",
        "complaints_per_10k_services",
        "fault_findings",
        "approval_volume",
    }
    assert (t["cells"] > 0).all()


def test_plant_changes_nothing_else_and_the_copy_validates(planted, catalogue):
    before, after, truth, out = planted
    assert before.index.equals(after.index)  # every row kept, in order
    both = before.join(after, suffixes=("", "_new"))
    differs = ~(
        (both["value"] == both["value_new"])
        | (both["value"].isna() & both["value_new"].isna())
    ) | (both["reported_at"] != both["reported_at_new"])
    changed = both[differs].reset_index()
    assert len(changed) == truth["cells"].sum()
    assert set(changed["unit_id"]) <= set(truth["unit_id"])
    ev.validate_dataset(ev.load_dataset(out), catalogue)  # raises if not valid
    for name in ["units.csv", "events.csv", "appraisal/ballots.csv"]:
        assert (out / name).read_bytes() == (SAMPLE / name).read_bytes()


def test_plant_refuses_a_unit_the_dataset_lacks(tmp_path, catalogue):
    doc = _document(unit="D99")
    (case,) = QC.parse_corpus(doc, catalogue=catalogue).cases
    with pytest.raises(QC.PlantError, match="bad-one.*D99"):
        QC.plant(SAMPLE, tmp_path / "copy", [case], catalogue=catalogue)


# ---------------------------------------------------------------- score
def test_score_counts_a_hit_only_on_the_unit_series_and_months_planted():
    truth = pd.DataFrame(
        {
            "case_id": ["a", "b", "c"],
            "kind": ["perfect_window", "late", "copy_series"],
            "unit_id": ["U1", "U2", "U3"],
            "series": [("s1",), ("s2", "s3"), ("s4",)],
            "units": [("U1",), ("U2",), ("U3", "U4")],
            "months": [("2025-M01", "2025-M02"), ("2025-M05",), ("2025-M12",)],
            "cells": [2, 2, 0],
        }
    )
    flags = pd.DataFrame(
        {
            "flag_id": ["f1", "f2", "f3", "f4", "f5"],
            "check": ["x"] * 5,
            "unit_id": ["U1", "U2", "U2", "U5", "U5"],
            "period": ["2025-M02", "2025-M04", "2025", "2025-Q1", "2025-M06"],
            "since": ["2025-M02", "2025-M04", None, None, "2025-M06"],
            "indicator_id": ["s1", None, "other", "", None],
        }
    )
    months = [f"2025-M{m:02d}" for m in range(1, 13)]
    s = QC.score(flags, truth, ["U5", "U6"], months)
    by = s.cases.set_index("case_id")
    assert by.loc["a", "found"] and by.loc["a", "flag_ids"] == ("f1",)
    # f2 ends in April (before May); f3 covers May but names another series
    assert not by.loc["b", "found"]
    assert not by.loc["c", "planted"]  # changed no cell: not counted
    assert s.recall["kind"].tolist() == ["perfect_window", "late"]
    # U5: f4 covers Jan–Mar (no since: from the first month), f5 June → 4 of 24
    assert s.false_share == pytest.approx(4 / 24)
    assert s.false_per_1000 == pytest.approx(1000 * 2 / 24)
    # a flag the unmodified data also raised finds nothing
    again = QC.score(flags, truth, ["U5", "U6"], months, baseline=flags.iloc[[0]])
    assert not again.cases.set_index("case_id").loc["a", "found"]


# ---------------------------------------------------------------- the user path
def _score_cli(folder, out) -> pd.DataFrame:
    result = CliRunner().invoke(
        app,
        ["score", str(folder), "-p", "2025", "--out", str(out), "-c", str(CATALOGUE)],
    )
    assert result.exit_code == 0, result.output
    return pd.read_parquet(out / "result" / "flags.parquet")


def _names(row, catalogue, units) -> list[str]:
    """Words a reason may name the case by: its series, agency or copied unit."""
    series = {s.id: s for s in [*catalogue.indicators, *catalogue.context]}
    agencies = {a.id: a for a in catalogue.agencies}
    words = []
    for sid in row.series:
        words += [sid, series[sid].name_zh, series[sid].name_en]
    for aid in str(row.agency).split(","):
        if aid in agencies:
            words += [aid, agencies[aid].name_zh, agencies[aid].name_en]
    if isinstance(row.source_unit, str):
        u = units.set_index("unit_id").loc[row.source_unit]
        words += [row.source_unit, u["name_zh"], u["name_en"]]
    return words


def test_the_screen_finds_planted_cases_through_the_cli(tmp_path, corpus, catalogue):
    sample = tmp_path / "sample"
    shutil.copytree(SAMPLE, sample)
    baseline = _score_cli(sample, tmp_path / "base")
    cases = corpus.select(CLI_CASES)
    assert {c.kind for c in cases} == {
        "perfect_window",
        "frozen_window",
        "repeat_submission",
        "copy_series",
        "late",
        "missing",
    }
    truth = QC.plant(sample, tmp_path / "planted", cases, catalogue=catalogue)
    flags = _score_cli(tmp_path / "planted", tmp_path / "out")
    units = ev.load_dataset(sample).units
    touched = {u for us in truth["units"] for u in us}
    clean = sorted(set(units["unit_id"]) - touched - set(baseline["unit_id"]))
    s = QC.score(flags, truth, clean, QC.months_in(sample), baseline=baseline)

    missed = s.cases.loc[~s.cases["found"], "case_id"].tolist()
    assert missed == [], f"not found: {missed}"
    for row in s.cases.itertuples():
        hits = flags[flags["flag_id"].isin(row.flag_ids)]
        text = (
            " ".join(hits["reason_zh"].astype(str))
            + " "
            + " ".join(hits["reason_en"].astype(str))
        )
        words = _names(row, catalogue, units)
        assert any(w in text for w in words), (row.case_id, text)
    stray = flags[flags["unit_id"].isin(clean)]
    assert stray.empty, stray[["check", "unit_id", "period", "indicator_id"]]
