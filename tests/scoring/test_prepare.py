"""The roll-up of sub-period reports to evaluation periods, and the missing-data
rules' statuses, by hand: months to a quarter by mean, pro-rata sum, last and
volume-weighted mean; denominators; which periods and indicators are scored."""

from __future__ import annotations

import math
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import evaluation as ev
from evaluation.scoring import prepare as prep
from evaluation.scoring.prepare import (
    evaluation_periods,
    excuse_absent,
    prepare,
    roll_up,
    scored_indicators,
)

UNITS = pd.DataFrame(
    {
        "unit_id": ["U1", "U2"],
        "name_zh": ["一局", "二局"],
        "name_en": ["One", "Two"],
        "peer_group": ["g1", "g1"],
        "level": ["department"] * 2,
        "parent_id": [""] * 2,
    }
)


@pytest.fixture
def monthly(tiny_raw) -> ev.Catalogue:
    """The tiny catalogue reported monthly: a1 mean, a2 sum, b1 last, b2 weighted
    by the volume series ``vol``."""
    rollups = {"a1": "mean", "a2": "sum", "b1": "last"}
    for ind in tiny_raw["indicators"]:
        ind["frequency"] = "monthly"
        ind["rollup"] = rollups.get(ind["id"], "last")
    b2 = tiny_raw["indicators"][3]
    b2["rollup"] = {"method": "weighted_mean", "weight_by": "vol"}
    tiny_raw["context"] = [
        {
            "id": "vol",
            "name_zh": "件数",
            "name_en": "Volume",
            "unit_zh": "件",
            "unit_en": "items",
            "agency": "office",
            "frequency": "monthly",
            "valid": {"min": 0, "max": 1000},
        }
    ]
    return ev.parse_catalogue(tiny_raw)


def reports(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit_id", "period", "indicator_id", "value"])


Q1 = [
    # a1 mean: (10 + 20 + 60) / 3 = 30
    ("U1", "2025-M01", "a1", 10.0),
    ("U1", "2025-M02", "a1", 20.0),
    ("U1", "2025-M03", "a1", 60.0),
    # a2 sum, March missing: (1 + 2) pro rata for 3 months = 3 · 3/2 = 4.5
    ("U1", "2025-M01", "a2", 1.0),
    ("U1", "2025-M02", "a2", 2.0),
    # b1 last: March is empty, so February's 7
    ("U1", "2025-M01", "b1", 5.0),
    ("U1", "2025-M02", "b1", 7.0),
    ("U1", "2025-M03", "b1", np.nan),
    # b2 weighted by vol 1, 3, 0 (a zero volume does not count): (80 + 270) / 4
    ("U1", "2025-M01", "b2", 80.0),
    ("U1", "2025-M02", "b2", 90.0),
    ("U1", "2025-M03", "b2", 60.0),
    ("U1", "2025-M01", "vol", 1.0),
    ("U1", "2025-M02", "vol", 3.0),
    ("U1", "2025-M03", "vol", 0.0),
    # U2 reports a1 only, in one month
    ("U2", "2025-M02", "a1", 40.0),
]


def cell(prepared: pd.DataFrame, unit: str, indicator: str) -> pd.Series:
    rows = prepared[
        (prepared["unit_id"] == unit) & (prepared["indicator_id"] == indicator)
    ]
    assert len(rows) == 1
    return rows.iloc[0]


def test_months_roll_up_to_the_quarter_by_each_indicators_rule(monthly):
    p = prepare(reports(Q1), UNITS, monthly, period="2025-Q1")
    assert p["period"].unique().tolist() == ["2025-Q1"]
    assert cell(p, "U1", "a1")["value"] == 30.0
    assert cell(p, "U1", "a2")["value"] == 4.5
    assert cell(p, "U1", "b1")["value"] == 7.0
    assert cell(p, "U1", "b2")["value"] == 87.5
    assert cell(p, "U2", "a1")["value"] == 40.0


def test_reports_counted_against_those_expected(monthly):
    p = prepare(reports(Q1), UNITS, monthly, period="2025-Q1")
    got = {i: (cell(p, "U1", i)["n_reported"], cell(p, "U1", i)["n_expected"])
           for i in ("a1", "a2", "b1", "b2")}  # fmt: skip
    assert got == {"a1": (3, 3), "a2": (2, 3), "b1": (2, 3), "b2": (3, 3)}


def test_nothing_reported_is_missing_under_the_exclude_rule(monthly):
    p = prepare(reports(Q1), UNITS, monthly, period="2025-Q1")
    row = cell(p, "U2", "a2")
    assert math.isnan(row["value"]) and row["n_reported"] == 0
    assert row["status"] == "missing_excluded"
    assert cell(p, "U1", "a1")["status"] == "reported"


def test_the_zero_score_rule_marks_the_gap(monthly):
    raw = monthly.model_dump(mode="json")
    raw["indicators"][1]["missing"] = "zero_score"  # a2
    cat = ev.parse_catalogue(raw)
    p = prepare(reports(Q1), UNITS, cat, period="2025-Q1")
    row = cell(p, "U2", "a2")
    assert math.isnan(row["value"]) and row["status"] == "missing_zero_score"


def test_sums_run_in_time_order_whatever_order_the_rows_arrive_in(monthly):
    rows = reports(
        [("U1", f"2025-M0{m}", "a1", v) for m, v in [(2, 0.2), (3, 0.3), (1, 0.1)]]
    )
    mean = cell(prepare(rows, UNITS, monthly, period="2025-Q1"), "U1", "a1")["value"]
    assert mean == ((0.1 + 0.2) + 0.3) / 3  # not (0.2 + 0.3) + 0.1, the rows' order
    assert ((0.1 + 0.2) + 0.3) != ((0.2 + 0.3) + 0.1)  # the order would show
    rows = reports(Q1)
    shuffled = rows.sample(frac=1, random_state=3).reset_index(drop=True)
    a = prepare(rows, UNITS, monthly, period="2025-Q1")
    b = prepare(shuffled, UNITS, monthly, period="2025-Q1")
    assert np.array_equal(a["value"], b["value"], equal_nan=True)


def test_a_denominator_divides_each_report_before_the_roll_up(monthly):
    raw = monthly.model_dump(mode="json")
    raw["indicators"][0]["denominator"] = {"by": "vol", "scale": 100}  # a1 per 100
    cat = ev.parse_catalogue(raw)
    p = prepare(reports(Q1), UNITS, cat, period="2025-Q1")
    # 100 · (10/1, 20/3, 60/0 → no value): mean of 1000 and 666.67
    assert cell(p, "U1", "a1")["value"] == pytest.approx((1000 + 2000 / 3) / 2)
    assert cell(p, "U1", "a1")["n_reported"] == 2


def test_roll_up_on_arrays_by_hand():
    nan = np.nan
    # one cell, three months, four indicators (mean, sum, last, weighted mean)
    cube = np.array([[[10, 1, 5, 80], [20, 2, 7, 90], [60, nan, nan, 60]]], float)
    volume = np.array([[1.0, 3.0, 0.0]])
    value, count = roll_up(
        cube,
        ["mean", "sum", "last", "weighted_mean"],
        np.array([3, 3, 3, 3]),
        {3: volume},
    )
    assert value.tolist() == [[30.0, 4.5, 7.0, 87.5]]
    assert count.tolist() == [[3, 2, 2, 3]]


def test_roll_up_leaves_a_cell_without_reports_empty():
    cube = np.full((2, 3, 1), np.nan)
    cube[0, 1, 0] = 4.0
    value, count = roll_up(cube, ["sum"], np.array([3]))
    assert value[0, 0] == 12.0  # one month of three, pro rata
    assert math.isnan(value[1, 0]) and count[:, 0].tolist() == [1, 0]


def test_evaluation_periods_are_those_with_reports_up_to_the_one_asked():
    obs = reports(
        [("U1", p, "a1", 1.0) for p in ["2024-M11", "2025-M02", "2025-M05", "2025-M08"]]
    )
    # 2024-M11 lies in 2024-Q4; 2025-Q3 comes after the period asked
    assert evaluation_periods(obs, "2025-Q2") == ["2024-Q4", "2025-Q1", "2025-Q2"]


def test_only_indicators_reported_at_least_as_often_are_scored(tiny_catalogue):
    # a1, a2 quarterly; b1 half-yearly; b2 annual
    assert scored_indicators(tiny_catalogue, "quarterly") == ["a1", "a2"]
    assert scored_indicators(tiny_catalogue, "half_year") == ["a1", "a2", "b1"]
    assert scored_indicators(tiny_catalogue, "annual") == ["a1", "a2", "b1", "b2"]


def test_a_late_agencys_empty_cells_are_excused_from_zero_score(catalogue):
    """zero_score penalises a unit that did not report; a cell empty because the
    agency reporting on it is late is excluded instead. Only the late pairs (period,
    series, and indicators divided or weighted by it) change; a unit's own gap in
    another period keeps its 0."""
    rows = [
        ("2025-M12", "D01", "approval_on_time_rate", "missing_zero_score"),  # late
        ("2025-M12", "D01", "approval_time_ratio", "missing_excluded"),
        ("2025-M11", "D01", "approval_on_time_rate", "missing_zero_score"),  # own gap
        ("2025-M12", "D02", "commitment_reply_rate", "reported"),
    ]
    prepared = pd.DataFrame(
        rows, columns=["period", "unit_id", "indicator_id", "status"]
    )
    prepared["status"] = pd.Categorical(
        prepared["status"], ["reported", "missing_excluded", "missing_zero_score"]
    )
    # the volume the rate is weighted by (indicators.yaml: weight_by) is late
    absent = pd.DataFrame(
        {"evaluation_period": ["2025-M12"], "series_id": ["approval_volume"]}
    )
    out = excuse_absent(prepared, catalogue, absent)
    assert out["status"].astype(str).tolist() == [
        "missing_excluded", "missing_excluded", "missing_zero_score", "reported",
    ]  # fmt: skip
    assert prepared["status"].iloc[0] == "missing_zero_score"  # input untouched


def test_a_late_agencys_cells_are_excused_on_the_cube_as_on_the_table(catalogue):
    """The pipeline's cube (``Prepared``) gets the same excuse: by hand, two
    months × one unit × two indicators; the weights series of
    approval_on_time_rate is late in M12 only, so its zero_score gap there
    becomes missing_excluded, and its own gap in M11 keeps its 0."""
    zero, excluded = "missing_zero_score", "missing_excluded"
    status = pd.Categorical(
        [zero, excluded, zero, "reported"], ["reported", excluded, zero]
    )
    cube = prep.Prepared(
        periods=["2025-M11", "2025-M12"],
        unit_ids=np.array(["D01"], dtype=object),
        indicator_ids=["approval_on_time_rate", "approval_time_ratio"],
        value=np.array([np.nan, np.nan, np.nan, 1.0]),
        n_reported=np.array([0, 0, 0, 1]),
        n_expected=np.array([1, 1, 1, 1]),
        status=status,
    )
    absent = pd.DataFrame(
        {"evaluation_period": ["2025-M12"], "series_id": ["approval_volume"]}
    )
    out = excuse_absent(cube, catalogue, absent)
    assert list(out.status.astype(str)) == [zero, excluded, excluded, "reported"]
    assert cube.status[2] == zero  # the input untouched
    table = out.table  # its long table, built when read, says the same
    assert table["status"].astype(str).tolist() == list(out.status.astype(str))
    assert table[["period", "indicator_id"]].values.tolist() == [
        ["2025-M11", "approval_on_time_rate"], ["2025-M11", "approval_time_ratio"],
        ["2025-M12", "approval_on_time_rate"], ["2025-M12", "approval_time_ratio"],
    ]  # fmt: skip


def test_the_cube_gives_the_tables_matrix(catalogue):
    """``as_matrix`` and ``insufficient_rows`` read the cube's arrays as they read
    its table (the national path hands them tables)."""
    data = ev.validate_dataset(
        ev.load_dataset(Path(__file__).parents[2] / "data" / "sample"), catalogue
    )
    cube = prep.prepare_cube(data.observations, data.units, catalogue, period="2025-Q2")
    ids = data.units["unit_id"].array
    for got, expected in zip(
        prep.as_matrix(cube, ids), prep.as_matrix(cube.table, ids), strict=True
    ):
        pd.testing.assert_frame_equal(got, expected)
    settings = catalogue.settings
    np.testing.assert_array_equal(
        prep.insufficient_rows(cube, len(cube.periods) * len(ids), settings),
        prep.insufficient_rows(cube.table, len(cube.periods) * len(ids), settings),
    )


# runs: (label or missing, how many in a row)
RUNS = st.lists(
    st.tuples(st.sampled_from(["U1", "U2", "2025-M01", "", None]), st.integers(1, 40)),
    min_size=1,
    max_size=30,
)


@given(RUNS)
def test_factorize_gives_pandas_codes_and_uniques_whatever_the_runs(runs):
    """Read run by run (forced here: the path starts at 65,536 rows), a column's
    codes and distinct labels are pandas' own, missing cells included (-1)."""
    values = pd.Series([x for x, n in runs for _ in range(n)], dtype="str")
    expected_codes, expected_uniques = pd.factorize(values)
    with mock.patch.object(prep, "_RUNS_FROM", 0):
        codes, uniques = prep._factorize(values)
    np.testing.assert_array_equal(codes, expected_codes)
    pd.testing.assert_index_equal(uniques, expected_uniques)


IDS = ["U1", "U2", "2025-M01", "", "a_b"]


@given(
    st.lists(st.sampled_from([*IDS, "other", None]), max_size=60),
    st.lists(st.sampled_from(IDS), unique=True),
)
def test_codes_are_each_ids_position_among_the_known_ones(values, known):
    """Each report's id as its position among distinct known ids (-1: not among
    them, or missing), read value by value or run by run, as a list or array."""
    column = pd.Series(values, dtype="str")
    expected = [known.index(v) if v in known else -1 for v in values]
    for categories in (known, np.array(known, dtype=object)):
        np.testing.assert_array_equal(prep._codes(column, categories), expected)
        with mock.patch.object(prep, "_RUNS_FROM", 1):  # runs: a column of some
            np.testing.assert_array_equal(prep._codes(column, categories), expected)


def test_long_runs_are_read_run_by_run_and_short_ones_value_by_value():
    grouped = pd.Series(np.repeat(["U1", "U2", "U3"], 30_000), dtype="str")
    alternating = pd.Series(np.tile(["a1", "a2", "a3"], 30_000), dtype="str")
    assert len(prep._run_starts(grouped)) == 3
    assert prep._run_starts(alternating) is None
    assert prep._run_starts(grouped.iloc[:600]) is None  # short: not worth a search


def test_the_sample_prepares_the_same_read_run_by_run(catalogue):
    """The sample's reports come grouped by agency file; read run by run they give
    the same prepared table, cell for cell."""
    data = ev.validate_dataset(
        ev.load_dataset(Path(__file__).parents[2] / "data" / "sample"), catalogue
    )
    obs, units = data.observations, data.units
    expected = prepare(obs, units, catalogue, period="2025-M12")
    with mock.patch.object(prep, "_RUNS_FROM", 0):
        assert prep._run_starts(obs["period"]) is not None  # the path is taken
        got = prepare(obs, units, catalogue, period="2025-M12")
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_ids_that_arrive_coded_prepare_as_the_text_does(catalogue):
    """Ids typed ``category`` (as read from Parquet dictionaries) are read by their
    codes; the categories in another order, with some no report uses (a unit not
    in the units table, a month after the period), change no cell."""
    data = ev.validate_dataset(
        ev.load_dataset(Path(__file__).parents[2] / "data" / "sample"), catalogue
    )
    obs, units = data.observations, data.units
    expected = prepare(obs, units, catalogue, period="2025-Q3")
    coded = obs.copy()
    for column, extra in [
        ("unit_id", ["X99"]),
        ("period", ["2026-M01", "not a period"]),
        ("indicator_id", ["nowhere"]),
    ]:
        labels = sorted(set(obs[column]), reverse=True) + extra
        coded[column] = pd.Categorical(obs[column], categories=labels)
    got = prepare(coded, units, catalogue, period="2025-Q3")
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    codes, uniques = prep._factorize(coded["period"])
    assert "not a period" not in uniques  # no unused label is read as a period
    assert (uniques[codes] == obs["period"].to_numpy()).all()
