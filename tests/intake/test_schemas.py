"""The input tables' schemas, built from the catalogue: each rule rejects the cells
it is about, and the report names file, row, column and value (the rows and files
come from the reading: ``source`` and ``row``)."""

from __future__ import annotations

import pandas as pd
import pandera.errors
import pytest

from evaluation.intake.schemas import (
    Reading,
    absent_rows,
    events_schema,
    observations_schema,
    to_numbers,
    units_schema,
)
from evaluation.intake.validate import run_schema

from ..conftest import TINY_UNITS


def failures(schema, frame: pd.DataFrame) -> set[tuple]:
    """(column, rule id, row index, value) of every failing cell."""
    with pytest.raises(pandera.errors.SchemaErrors) as caught:
        schema.validate(frame, lazy=True)
    cases = caught.value.failure_cases
    return {
        (c.column, str(c.check).split("(")[0], c.index, c.failure_case)
        for c in cases.itertuples()
    }


def observations(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit_id", "period", "indicator_id", "value"])


def test_units_unknown_peer_group_and_level_and_a_repeated_id(tiny_catalogue):
    units = TINY_UNITS.copy()
    units.loc[1, "peer_group"] = "g9"
    units.loc[2, "level"] = "planet"
    units.loc[2, "unit_id"] = "U1"
    got = failures(units_schema(tiny_catalogue), units)
    assert ("peer_group", "known_peer_group", 1, "g9") in got
    assert ("level", "known_level", 2, "planet") in got
    assert {("unit_id", 0, "U1"), ("unit_id", 2, "U1")} <= {
        (c, i, v) for c, rule, i, v in got if rule == "field_uniqueness"
    }


def test_a_valid_units_table_passes_and_a_parent_must_be_a_unit(tiny_catalogue):
    units = TINY_UNITS.assign(parent_id=[None, "U1", None])  # empty cells read as NaN
    units_schema(tiny_catalogue).validate(units, lazy=True)
    units.loc[2, "parent_id"] = "U7"
    got = failures(units_schema(tiny_catalogue), units)
    assert ("parent_id", "known_parent", 2, "U7") in got


def test_observations_each_rule_on_its_cell(tiny_catalogue):
    frame = observations(
        [
            ("U1", "2025-Q1", "a1", "80"),  # fine
            ("U9", "2025-Q1", "a1", "80"),  # unknown unit
            ("U1", "2025-Q5", "a1", "80"),  # not a period label
            ("U1", "2025-Q2", "zz", "80"),  # unknown indicator
            ("U1", "2025-Q3", "a1", "12,5"),  # not a number
            ("U1", "2025-Q4", "a1", "101"),  # above valid.max 100
            ("U1", "2025-M01", "a1", "50"),  # a quarterly indicator written monthly
        ]
    )
    got = failures(observations_schema(tiny_catalogue, TINY_UNITS["unit_id"]), frame)
    by_rule = {rule: (column, row, value) for column, rule, row, value in got}
    assert by_rule["known_unit"] == ("unit_id", 1, "U9")
    assert by_rule["period_format"] == ("period", 2, "2025-Q5")
    assert by_rule["known_indicator"] == ("indicator_id", 3, "zz")
    assert by_rule["numeric"] == ("value", 4, "12,5")
    assert ("value", "valid_range", 5, "101") in got
    assert ("period", "period_frequency", 6, "2025-M01") in got
    assert not {row for _, _, row, _ in got} & {0}  # the good row passes


def test_every_copy_of_a_repeated_key_fails(tiny_catalogue):
    frame = observations(
        [("U1", "2025-Q1", "a1", "80"), ("U1", "2025-Q1", "a1", "81"),
         ("U2", "2025-Q1", "a1", "70")]
    )  # fmt: skip
    got = failures(observations_schema(tiny_catalogue, TINY_UNITS["unit_id"]), frame)
    rows = {row for _, rule, row, _ in got if rule == "multiple_fields_uniqueness"}
    assert rows == {0, 1}


def test_the_report_names_file_row_column_value_and_the_rule(tiny_catalogue):
    frame = observations(
        [("U1", "2025-Q1", "a1", "80"), ("U1", "2025-Q2", "a1", "140")]
    )
    meta = frame.assign(source="office.csv", row=[2, 3])  # as read: file and line
    report = run_schema(
        observations_schema(tiny_catalogue, TINY_UNITS["unit_id"]),
        frame,
        meta,
        tiny_catalogue,
    )
    assert report[["file", "row", "column", "value"]].values.tolist() == [
        ["office.csv", 3, "value", "140"]
    ]
    assert report["rule"].iloc[0].startswith("valid_range[a1]: must lie in [0, 100]")


def test_events_need_a_known_unit_and_event_type_once(tiny_raw):
    import evaluation as ev

    tiny_raw["events"] = [
        {"id": "accident", "name_zh": "事故", "name_en": "Accident", "veto": True}
    ]
    cat = ev.parse_catalogue(tiny_raw)
    frame = pd.DataFrame(
        {
            "unit_id": ["U1", "U1", "U9"],
            "period": ["2025-M03", "2025-M03", "2025-M04"],
            "event_id": ["accident", "accident", "flood"],
        }
    )
    got = failures(events_schema(cat, TINY_UNITS["unit_id"]), frame)
    assert ("unit_id", "known_unit", 2, "U9") in got
    assert ("event_id", "known_event", 2, "flood") in got
    assert any(rule == "multiple_fields_uniqueness" for _, rule, _, _ in got)


def test_absent_keys_are_listed_between_the_first_and_last_period(tiny_catalogue):
    frame = observations(
        [
            (u, p, "a1", "1")
            for u in ["U1", "U2", "U3"]
            for p in ["2025-Q1", "2025-Q2", "2025-Q3"]
            if (u, p) != ("U2", "2025-Q2")
        ]
    )
    absent = absent_rows(frame, tiny_catalogue, TINY_UNITS["unit_id"])
    # quarterly series a1 and a2 over Q1–Q3: U2 missed a1 in Q2, nobody sent a2;
    # no row is half-yearly or annual, so b1 and b2 are not expected
    quarters = ["2025-Q1", "2025-Q2", "2025-Q3"]
    want = {("U2", "2025-Q2", "a1")} | {
        (u, q, "a2") for u in ["U1", "U2", "U3"] for q in quarters
    }
    got = absent[["unit_id", "period", "indicator_id"]].itertuples(index=False)
    assert {tuple(r) for r in got} == want


def test_text_cells_become_numbers_and_non_numbers_nan():
    got = to_numbers(pd.Series(["1", "2.5", "x", None]))
    assert got.iloc[:2].tolist() == [1.0, 2.5] and got.iloc[2:].isna().all()
    reading = Reading(pd.DataFrame({"value": ["3", "3"]}))
    column = pd.DataFrame({"value": ["3", "3"]})["value"]
    assert reading.numbers(column).tolist() == [3.0, 3.0]
