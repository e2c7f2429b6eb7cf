"""The sample city's 2025 appraisal end to end: ballots to final grades."""

from __future__ import annotations

import pytest

import evaluation as ev
from evaluation import appraisal as A

from ..conftest import ROOT


@pytest.fixture(scope="module")
def appraisal(catalogue):
    result = ev.run(
        catalogue, ev.load_dataset(ROOT / "data" / "sample"), period="2025-M12"
    )
    config = A.load_config(ROOT / "appraisal.yaml")
    return A.appraise(
        config, result, A.load_inputs(ROOT / "data" / "sample" / "appraisal")
    )


def test_every_unit_gets_a_grade_and_every_rule_its_source(appraisal):
    g = appraisal.grades
    assert len(g) == 50 and set(g["final_grade"]) <= set(A.GRADES)
    assert appraisal.rules_applied["source"].str.len().gt(0).all()
    assert (g["score"] <= g["combined"]).all()  # deductions only lower a score


def test_the_veto_fails_d22_with_its_approval(appraisal):
    g = appraisal.grades.set_index("unit_id")
    assert g.loc["D22", "final_grade"] == "fail"
    veto = appraisal.rules_applied.query("rule_id == 'safety_and_integrity_veto'")
    assert veto[["unit_id", "approved_by"]].values.tolist() == [
        ["D22", "市绩效考评委员会"]
    ]


def test_grades_follow_the_rules(appraisal):
    g = appraisal.grades
    applied = appraisal.rules_applied
    faulted = set(
        applied.loc[applied["rule_id"] == "no_excellent_with_fault", "unit_id"]
    )
    assert not (g["unit_id"].isin(faulted) & (g["final_grade"] == "excellent")).any()
    assert (g["final_grade"] == "excellent").sum() <= 10  # 20 % of 50
    failed = g[g["final_grade"] == "fail"]
    explained = set(applied["unit_id"]) | set(g.loc[g["score"] < 60, "unit_id"])
    assert set(failed["unit_id"]) <= explained


def test_every_ballot_is_kept_and_response_rates_are_reported(appraisal):
    raw = (ROOT / "data" / "sample" / "appraisal" / "ballots.csv").read_text(
        encoding="utf-8-sig"
    )
    assert len(appraisal.ballots) == raw.count("\n") - 1
    s = appraisal.survey
    assert s["response_rate"].between(0, 1).all()
    assert (s.loc[s["status"] == "insufficient", "weight_used"] == 0).all()
