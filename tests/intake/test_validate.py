"""Validation names file, row, column, value and rule of every bad cell at once."""

import pandas as pd
import pandera.pandas as pa
import pytest

import evaluation as ev
from evaluation.intake import schemas
from evaluation.intake.schemas import to_numbers

from ..conftest import TINY_ROWS, TINY_UNITS, write_dataset


def problems(catalogue, folder) -> pd.DataFrame:
    with pytest.raises(ev.ValidationFailed) as info:
        ev.validate_dataset(ev.load_dataset(folder), catalogue)
    return info.value.report


def with_rows(rows, **changes):
    """TINY_ROWS with rows replaced: ``r3=(unit, period, indicator, value)``."""
    out = list(rows)
    for i, row in changes.items():
        out[int(i.lstrip("r"))] = row
    return out


def test_valid_tiny_dataset_passes_and_values_become_numbers(
    tiny_catalogue, tiny_dataset_path
):
    data = ev.validate_dataset(ev.load_dataset(tiny_dataset_path), tiny_catalogue)
    assert data.observations["value"].dtype == float
    assert data.observations["value"].isna().sum() == 1  # U2 a2 Q4 left empty


def test_every_bad_cell_is_reported_with_file_line_column_value_rule(
    tiny_catalogue, tmp_path
):
    rows = with_rows(
        TINY_ROWS,
        r0=("U1", "2025-Q1", "a1", "130"),  # line 2: out of range
        r1=("U9", "2025-Q2", "a1", "90"),  # line 3: unknown unit
        r2=("U1", "2025-Q3", "zz", "70"),  # line 4: unknown indicator
        r3=("U1", "2025-Q4", "a1", "95%"),  # line 5: not a number
        r4=("U2", "2025-M01", "a1", "60"),  # line 6: monthly label, quarterly series
        r5=("U2", "Q2 2025", "a1", "60"),  # line 7: not a period label
    )
    report = problems(tiny_catalogue, write_dataset(tmp_path, TINY_UNITS, rows))
    got = {
        (r.row, r.column, r.value, r.rule.split(":")[0]) for r in report.itertuples()
    }
    assert {
        (2, "value", "130", "valid_range[a1]"),
        (3, "unit_id", "U9", "known_unit"),
        (4, "indicator_id", "zz", "known_indicator"),
        (5, "value", "95%", "numeric"),
        (6, "period", "2025-M01", "period_frequency"),
        (7, "period", "Q2 2025", "period_format"),
    } <= got
    assert set(report["file"]) >= {"observations/office.csv"}
    rule = report.loc[report["row"] == 2, "rule"].item()
    assert rule == "valid_range[a1]: must lie in [0, 100] points"


def test_duplicate_rows_are_one_problem_per_line(tiny_catalogue, tmp_path):
    rows = [*TINY_ROWS, TINY_ROWS[0]]
    report = problems(tiny_catalogue, write_dataset(tmp_path, TINY_UNITS, rows))
    dup = report[report["rule"].str.startswith("duplicate")]
    assert dup["row"].tolist() == [2, len(rows) + 1]
    assert set(dup["value"]) == {"U1 / 2025-Q1 / a1"}


def test_missing_and_unknown_columns_name_the_file(tiny_catalogue, tmp_path):
    frame = pd.DataFrame(
        TINY_ROWS, columns=["unit_id", "period", "indicator_id", "value"]
    )
    frame = frame.rename(columns={"value": "Value"})
    report = problems(tiny_catalogue, write_dataset(tmp_path, TINY_UNITS, frame))
    assert set(
        zip(report["column"], report["rule"].str.split(":").str[0], strict=True)
    ) == {
        ("value", "missing_column"),
        ("Value", "unknown_column"),
    }
    assert report["row"].isna().all()


@pytest.mark.parametrize(
    "unit, said",
    [(("件", "items"), "件"), (("宗", "cases"), "宗"), (("案件", "cases"), "案件")],
)
def test_a_fraction_of_a_count_is_refused(tiny_raw, tmp_path, unit, said):
    # a2 counted in 件 (宗, the measure word of cases; or known by its English):
    # 1.5 findings is no count; 2.0 and 0 are whole numbers
    tiny_raw["indicators"][1].update(unit_zh=unit[0], unit_en=unit[1])
    catalogue = ev.parse_catalogue(tiny_raw)
    rows = with_rows(
        TINY_ROWS,
        r12=("U1", "2025-Q1", "a2", "1.5"),  # line 14
        r13=("U1", "2025-Q2", "a2", "2.0"),
        r0=("U1", "2025-Q1", "a1", "80.5"),  # a1 is in points: a fraction is fine
    )
    report = problems(catalogue, write_dataset(tmp_path, TINY_UNITS, rows))
    assert report[["file", "row", "column", "value"]].to_dict("records") == [
        {"file": "observations/office.csv", "row": 14, "column": "value",
         "value": "1.5"}
    ]  # fmt: skip
    assert report["rule"].item() == (
        f"whole_number[a2]: a count of {unit[1]}, must be a whole number"
    )
    said = f"a2指标是计数（单位：{said}），须为整数，不能有小数"
    assert report["rule_zh"].item() == said


def test_absent_rows_are_a_completeness_problem(tiny_catalogue, tmp_path):
    rows = [r for r in TINY_ROWS if not (r[0] == "U3" and r[2] == "b1")]
    report = problems(tiny_catalogue, write_dataset(tmp_path, TINY_UNITS, rows))
    assert set(report["value"]) == {"U3 / 2025-H1 / b1", "U3 / 2025-H2 / b1"}
    assert report["rule"].str.startswith("completeness").all()


def test_bad_units_table(tiny_catalogue, tmp_path):
    units = TINY_UNITS.copy()
    units.loc[1, "unit_id"] = "U1"  # duplicate id
    units.loc[2, "peer_group"] = "nowhere"  # unknown peer group
    units.loc[0, "level"] = "ministry"  # unknown level
    report = problems(tiny_catalogue, write_dataset(tmp_path, units, TINY_ROWS))
    units_rows = report[report["file"] == "units.csv"]
    got = {(r.row, r.column, r.rule.split(":")[0]) for r in units_rows.itertuples()}
    assert {(2, "level", "known_level"), (4, "peer_group", "known_peer_group")} <= got
    assert {r for r in got if r[1] == "unit_id"} == {
        (2, "unit_id", "unique"),
        (3, "unit_id", "unique"),
    }


def test_gb18030_file_with_chinese_validates(tiny_catalogue, tmp_path):
    units = TINY_UNITS.assign(name_zh=["监察局", "财政局", "审计局"])
    write_dataset(tmp_path, units, TINY_ROWS, encoding="gb18030")
    units.to_csv(tmp_path / "units.csv", index=False, encoding="gb18030")
    data = ev.load_dataset(tmp_path)
    assert (
        dict(zip(data.files["file"], data.files["encoding"], strict=True))["units.csv"]
        == "gb18030"
    )
    valid = ev.validate_dataset(data, tiny_catalogue)
    assert valid.units["name_zh"].tolist() == ["监察局", "财政局", "审计局"]


def test_check_dataset_returns_the_report_as_a_table(tiny_catalogue, tmp_path):
    rows = with_rows(TINY_ROWS, r0=("U1", "2025-Q1", "a1", "-1"))
    report = ev.check_dataset(
        ev.load_dataset(write_dataset(tmp_path, TINY_UNITS, rows)), tiny_catalogue
    )
    assert list(report.columns) == [
        "file", "row", "column", "value", "rule", "rule_zh"
    ]  # fmt: skip
    assert len(report) == 1
    # a valid dataset: the same columns, no row (an analyst's code reads rule_zh)
    valid = ev.check_dataset(
        ev.load_dataset(write_dataset(tmp_path / "ok", TINY_UNITS, TINY_ROWS)),
        tiny_catalogue,
    )
    assert valid.empty and list(valid.columns) == list(report.columns)


def test_ordinal_categories_are_scored_by_their_points(tiny_raw, tmp_path):
    tiny_raw["indicators"][3].update(
        categories={"A": 100, "B": 75, "C": 50}, normalisation={"method": "ordinal"}
    )
    catalogue = ev.parse_catalogue(tiny_raw)
    rows = [
        r if r[2] != "b2" else (*r[:3], {"70": "B", "80": "A", "90": "C"}[r[3]])
        for r in TINY_ROWS
    ]
    result = ev.run(
        catalogue,
        ev.load_dataset(write_dataset(tmp_path, TINY_UNITS, rows)),
        period="2025",
        run_at="t",
    )
    b2 = result.normalised.query("indicator_id == 'b2'").set_index("unit_id")["score"]
    assert b2.to_dict() == {"U1": 75.0, "U2": 100.0, "U3": 50.0}
    bad = [(*r[:3], "E") if r[2] == "b2" and r[0] == "U1" else r for r in rows]
    report = problems(catalogue, write_dataset(tmp_path / "bad", TINY_UNITS, bad))
    assert report["rule"].tolist() == [
        "category[b2]: must be one of A, B, C (or their points)"
    ]
    tiny_raw["indicators"][3].pop("categories")
    with pytest.raises(ev.CatalogueError, match="ordinal normalisation and categories"):
        ev.parse_catalogue(tiny_raw)


def test_each_column_is_read_once_for_every_check(
    tiny_catalogue, tiny_dataset_path, monkeypatch
):
    """The numeric check, the valid-range check and the typed table share one
    reading of the value column; a column of another table is read afresh."""
    calls = []

    def counted(values):
        calls.append(values.name)
        return to_numbers(values)

    monkeypatch.setattr(schemas, "to_numbers", counted)
    data = ev.validate_dataset(ev.load_dataset(tiny_dataset_path), tiny_catalogue)
    assert calls == ["value"] and data.observations["value"].dtype == float
    table = pd.DataFrame({"unit_id": ["U1", "U2", "U1"]})
    reading = schemas.Reading(table)
    codes = reading.factorize(table["unit_id"])
    assert reading.factorize(table["unit_id"]) is codes
    other = pd.DataFrame({"unit_id": ["U2", "U1"]})["unit_id"]
    assert reading.factorize(other)[0].tolist() == [0, 1]


def test_repeated_keys_among_a_million_fold_key_space(tiny_catalogue):
    """Every copy of a repeated key fails, also where the keys are too many to
    count in an array (3,000 distinct ids in each key column)."""
    n = 3000
    frame = pd.DataFrame(
        {
            "unit_id": [f"U{i}" for i in range(n)],
            "period": [f"P{i}" for i in range(n)],
            "indicator_id": [f"I{i}" for i in range(n)],
            "value": "1",
        }
    )
    frame.iloc[7, :3] = frame.iloc[3, :3]  # row 7 repeats row 3's key
    frame.iloc[9, :3] = frame.iloc[3, :3]
    schema = schemas.observations_schema(tiny_catalogue, frame["unit_id"])
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        schema.validate(frame, lazy=True)
    cases = caught.value.failure_cases
    dup = cases[cases["check"].astype(str).str.startswith("multiple_fields")]
    assert set(dup["index"]) == {3, 7, 9}


def test_a_report_date_must_exist_on_the_calendar(tiny_catalogue, tmp_path):
    """Late reports are counted from reported_at: 30 February is refused, with the
    line, as is a date written another way; a real date passes."""
    frame = pd.DataFrame(
        TINY_ROWS, columns=["unit_id", "period", "indicator_id", "value"]
    )
    frame["reported_at"] = "2026-01-10"
    frame.loc[1, "reported_at"] = "2025-02-30"
    frame.loc[2, "reported_at"] = "2025/04/10"
    report = problems(tiny_catalogue, write_dataset(tmp_path, TINY_UNITS, frame))
    bad = report[report["column"] == "reported_at"]
    assert bad[["row", "value"]].values.tolist() == [
        [3, "2025-02-30"],
        [4, "2025/04/10"],
    ]
    assert set(bad["rule"]) == {"date_format: must be a calendar date YYYY-MM-DD"}


def test_the_units_files_problems_come_first_as_the_cause_of_the_others(
    tiny_catalogue, tmp_path
):
    """A unit id typed twice in the units file (U2 sent as U1) leaves U2's rows in
    the observations unknown: the report listed them first (observations/… sorts
    before units.csv) and the cause last, after any number of follow-on rows. The
    units file's problems now come first, then each file's as before."""
    units = TINY_UNITS.copy()
    units.loc[1, "unit_id"] = "U1"
    report = problems(tiny_catalogue, write_dataset(tmp_path, units, TINY_ROWS))
    n_units = int((report["file"] == "units.csv").sum())
    assert n_units == 2
    assert (report["file"].iloc[:n_units] == "units.csv").all()
    rest = report.iloc[n_units:]
    assert (rest["file"] != "units.csv").all() and len(rest) > 0
    assert rest["rule"].str.startswith("known_unit").all()
