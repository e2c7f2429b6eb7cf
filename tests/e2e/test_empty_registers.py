"""A register with nothing in it this year (no events, no bonuses, no overrides),
kept as its file with the header alone, as the office keeps a blank form: it is an
empty register, as no file is (data-format §1, appraisal §3), not a file refused
with 表头下面没有数据行 that stops the score or the appraisal."""

from __future__ import annotations

import shutil

import pandas as pd
from typer.testing import CliRunner

from evaluation.cli import app
from evaluation.publish.store import Store

from ..conftest import ROOT

SAMPLE = ROOT / "data" / "sample"
CATALOGUE = ROOT / "indicators.yaml"


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_score_takes_an_events_file_with_the_header_alone(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    (data / "events.csv").write_text(
        "\ufeffunit_id,period,event_id,description,reference\n", encoding="utf-8"
    )
    done = invoke("validate", data, "--catalogue", CATALOGUE)
    assert done.exit_code == 0, done.output
    assert "events.csv：0行" in done.output
    out = tmp_path / "out"
    done = invoke("score", data, "--period", "2025", "--out", out, "-c", CATALOGUE)
    assert done.exit_code == 0, done.output
    warnings = pd.read_parquet(out / "result" / "warnings.parquet")
    assert not (warnings["rule"] == "event").any()  # no event, no event warning


def test_the_appraisal_takes_empty_bonus_and_override_registers(tmp_path):
    """bonuses.csv with its header alone (no bonus this year) and overrides.xlsx
    likewise: the run is stored, and the units the sample gave bonuses to
    (D03 +1, D09 +2) have none."""
    out = tmp_path / "out"
    done = invoke("score", SAMPLE, "--period", "2025", "--out", out, "-c", CATALOGUE)
    assert done.exit_code == 0, done.output
    inputs = tmp_path / "appraisal"
    shutil.copytree(SAMPLE / "appraisal", inputs)
    header = (inputs / "bonuses.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    (inputs / "bonuses.csv").write_text(header + "\n", encoding="utf-8")
    pd.DataFrame(
        columns=["unit_id", "grade", "reason", "approved_by", "approved_on"]
    ).to_excel(inputs / "overrides.xlsx", index=False)
    store = tmp_path / "store.duckdb"
    done = invoke(
        "publish", out / "result", "--appraisal", inputs, "--appraisal-config",
        ROOT / "appraisal.yaml", "--store", store, "--by", "绩效办",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    grades = (
        Store(store)
        .table("annual-2025-1.v1", "grades", viewer="测试")
        .set_index("unit_id")
    )
    assert grades.loc[["D03", "D09"], "bonus"].tolist() == [0.0, 0.0]
    assert (grades["override"] == "").all()
