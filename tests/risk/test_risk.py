"""Threshold warnings and risk grades, by hand (tiny catalogue)."""

from __future__ import annotations

import numpy as np

import evaluation as ev

from ..conftest import TINY_ROWS, TINY_UNITS, write_dataset


def run(tiny_raw, tmp_path, rows=TINY_ROWS, period="2025-Q4"):
    # a1 higher-is-better: yellow 80, orange 70, red 60; a2 lower: yellow 1, red 3
    tiny_raw["indicators"][0]["risk"] = {"yellow": 80, "orange": 70, "red": 60}
    tiny_raw["indicators"][1]["risk"] = {"yellow": 1, "red": 3}
    return ev.run(
        ev.parse_catalogue(tiny_raw),
        ev.load_dataset(write_dataset(tmp_path, TINY_UNITS, rows)),
        period=period,
        run_at="t",
    )


def test_levels_at_or_beyond_thresholds_both_directions(tiny_raw, tmp_path):
    result = run(tiny_raw, tmp_path)
    q4 = result.warnings.query("period == '2025-Q4'").set_index(["unit_id", "node_id"])
    # Q4: a1 U1 80 (= yellow: yellow), U2 60 (= red: red), U3 100 (none)
    assert q4.loc[("U1", "a1"), "level"] == "yellow"
    assert q4.loc[("U2", "a1"), "level"] == "red"
    assert ("U3", "a1") not in q4.index
    # a2 (lower): U1 1 (= yellow), U3 3 (= red), U2 missing -> no warning
    assert q4.loc[("U1", "a2"), "level"] == "yellow"
    assert q4.loc[("U3", "a2"), "level"] == "red"
    assert ("U2", "a2") not in q4.index
    assert q4.loc[("U2", "a1"), "reason_en"] == (
        "Indicator a1 60.0 points at or below the red threshold 60 points"
    )
    assert q4.loc[("U3", "a2"), "reason_zh"] == "a2指标为3.0分，达到红色预警线（3分）"


def test_unit_grade_is_its_worst_warning_or_green(tiny_raw, tmp_path):
    result = run(tiny_raw, tmp_path)
    grade = result.risk.query("period == '2025-Q4'").set_index("unit_id")
    assert grade["level"].to_dict() == {"U1": "yellow", "U2": "red", "U3": "red"}
    assert grade.loc["U1", "n_yellow"] == 2 and grade.loc["U2", "n_red"] == 1
    q3 = result.risk.query("period == '2025-Q3'").set_index("unit_id")
    # Q3: a1 70 / 60 / 100 -> orange, red, none; a2 1 / 2 / 3 -> yellow, yellow, red
    assert q3["level"].to_dict() == {"U1": "orange", "U2": "red", "U3": "red"}


def test_imputed_values_raise_no_warning(tiny_raw, tmp_path):
    tiny_raw["indicators"][1]["missing"] = "carry_forward"  # U2 a2 Q4 <- Q3's 2
    result = run(tiny_raw, tmp_path)
    w = result.warnings.query(
        "period == '2025-Q4' and unit_id == 'U2' and node_id == 'a2'"
    )
    assert w.empty


def test_a_period_without_reports_is_green_not_missing(tiny_raw, tmp_path):
    result = run(tiny_raw, tmp_path)
    assert set(result.risk["level"]) <= {"green", "yellow", "orange", "red"}
    assert not result.risk["level"].isna().any()
    assert np.array_equal(
        result.risk.columns,
        ["period", "unit_id", "level", "n_red", "n_orange", "n_yellow"],
    )
