"""Tests for the synthetic city generator (expected values written by hand)."""

from __future__ import annotations

import time

import numpy as np
import openpyxl
import pandas as pd
import pytest

from evaluation.catalogue import load_catalogue
from evaluation.generate import generate_city, write_city

# periods in 24 months from January 2024, per reporting frequency
PERIODS_IN_24_MONTHS = {
    "monthly": 24,
    "bimonthly": 12,
    "quarterly": 8,
    "half_year": 4,
    "annual": 2,
}


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue("indicators.yaml")


@pytest.fixture(scope="module")
def city(catalogue):
    return generate_city(catalogue, seed=0)


def test_generate_city_same_seed_gives_identical_frames(catalogue, city):
    again = generate_city(catalogue, seed=0)
    pd.testing.assert_frame_equal(city["units"], again["units"])
    pd.testing.assert_frame_equal(city["observations"], again["observations"])


def test_generate_city_different_seed_gives_different_values(catalogue, city):
    other = generate_city(catalogue, seed=1)["observations"]
    assert list(other.columns) == list(city["observations"].columns)
    assert not city["observations"]["value"].equals(other["value"])


def test_units_table_has_contract_columns_ids_and_peer_groups(city):
    units = city["units"]
    assert list(units.columns) == [
        "unit_id",
        "name_zh",
        "name_en",
        "peer_group",
        "level",
        "parent_id",
    ]
    assert len(units) == 50
    assert units["unit_id"].tolist() == [f"D{i:02d}" for i in range(1, 41)] + [
        f"X{i:02d}" for i in range(1, 11)
    ]
    departments = units[units["level"] == "department"]
    districts = units[units["level"] == "district"]
    assert departments["peer_group"].value_counts().to_dict() == {
        "economic": 10,
        "social": 10,
        "regulatory": 10,
        "general": 10,
    }
    assert (districts["peer_group"] == "district").all()
    assert len(districts) == 10
    assert (units["parent_id"] == "").all()
    assert units["unit_id"].is_unique and units["name_zh"].is_unique
    names = dict(zip(units["name_zh"], units["peer_group"], strict=True))
    assert names["市发展和改革委员会"] == "economic"
    assert names["市教育局"] == "social"
    assert names["市市场监督管理局"] == "regulatory"
    assert names["市生态环境局"] == "regulatory"


def test_every_series_reported_for_every_unit_and_period(catalogue, city):
    obs = city["observations"]
    assert list(obs.columns) == [
        "unit_id",
        "period",
        "indicator_id",
        "value",
        "reported_at",
    ]
    counts = obs.groupby("indicator_id").size()
    for s in [*catalogue.indicators, *catalogue.context]:
        assert counts[s.id] == 50 * PERIODS_IN_24_MONTHS[s.frequency], s.id
    # 11 monthly, 2 bimonthly, 7 quarterly, 6 half-year, 4 annual series
    assert len(obs) == 50 * (11 * 24 + 2 * 12 + 7 * 8 + 6 * 4 + 4 * 2)
    assert not obs.duplicated(["unit_id", "period", "indicator_id"]).any()


def test_period_labels_cover_the_two_years(city):
    obs = city["observations"]
    labels = set(obs["period"])
    assert {
        "2024-M01",
        "2025-M12",
        "2024-B1",
        "2025-B6",
        "2024-Q1",
        "2025-Q4",
        "2024-H1",
        "2025-H2",
        "2024",
        "2025",
    } <= labels
    assert "2026-M01" not in labels and "2023" not in labels
    annual = obs.loc[obs["indicator_id"] == "deputy_satisfaction", "period"]
    assert sorted(annual.unique()) == ["2024", "2025"]


def test_reported_at_is_an_iso_date_after_the_period(city):
    obs = city["observations"]
    assert obs["reported_at"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    m01 = obs.loc[obs["period"] == "2024-M01", "reported_at"]
    assert (m01 > "2024-01-31").all() and (m01 < "2024-03-01").all()
    q4 = obs.loc[obs["period"] == "2025-Q4", "reported_at"]
    assert (q4 > "2025-12-31").all()


def test_values_lie_in_the_catalogue_valid_range(catalogue, city):
    obs = city["observations"].dropna(subset=["value"])
    for s in [*catalogue.indicators, *catalogue.context]:
        v = obs.loc[obs["indicator_id"] == s.id, "value"]
        assert v.between(s.valid.min, s.valid.max).all(), s.id


def test_counts_are_integers_and_rates_have_one_decimal(city):
    obs = city["observations"].dropna(subset=["value"])
    for sid in ["fault_findings", "leader_task_overdue_count", "approval_volume"]:
        v = obs.loc[obs["indicator_id"] == sid, "value"]
        assert (v == v.round(0)).all(), sid
    rate = obs.loc[obs["indicator_id"] == "approval_on_time_rate", "value"]
    assert np.allclose(rate, rate.round(1))


def test_a_count_in_any_english_unit_is_generated_whole():
    """A series counted in 个 is whole whatever its English unit (validation refuses
    a fraction of a count: ``whole_number``)."""
    from evaluation.catalogue import parse_catalogue
    from evaluation.files import read_yaml

    raw = read_yaml("indicators.yaml")
    raw["context"].append(
        {**raw["context"][0], "id": "hotline_calls", "unit_zh": "个",
         "unit_en": "calls", "valid": {"min": 0, "max": 80}}
    )  # fmt: skip
    obs = generate_city(parse_catalogue(raw), departments=4, districts=1, months=3)[
        "observations"
    ]
    v = obs.loc[obs["indicator_id"] == "hotline_calls", "value"].dropna()
    assert len(v) > 0 and (v == v.round(0)).all()


def test_missing_share_is_about_two_percent(city):
    share = city["observations"]["value"].isna().mean()
    assert 0.005 < share < 0.05


def test_planted_poor_departments_are_worse_than_the_median_unit(city):
    obs = city["observations"]
    rates = [
        "approval_on_time_rate",
        "complaint_handling_rate",
        "service_good_rating_rate",
        "public_satisfaction",
    ]
    means = (
        obs[obs["indicator_id"].isin(rates)]
        .groupby(["indicator_id", "unit_id"])["value"]
        .mean()
        .unstack()
    )
    for unit in ["D07", "D22"]:
        assert (means[unit] < means.median(axis=1)).all(), unit
    # lower is better: the poor departments take longer
    days = obs[obs["indicator_id"] == "approval_time_ratio"].groupby("unit_id")["value"]
    assert days.mean()["D07"] > days.mean().median()


def test_suspicious_reporters_are_planted(city):
    obs = city["observations"]
    d13 = obs[
        (obs["unit_id"] == "D13")
        & obs["indicator_id"].isin(
            [
                "approval_on_time_rate",
                "complaint_handling_rate",
                "leader_task_completion_rate",
            ]
        )
    ]
    assert len(d13) == 24 + 24 + 12
    assert (d13["value"] == 100.0).all()
    d28 = obs[obs["unit_id"] == "D28"]
    assert (d28.groupby("indicator_id")["value"].nunique() == 1).all()


def test_cumulative_series_rise_within_each_year(city):
    obs = city["observations"]
    for sid in ["key_target_completion_rate", "budget_execution_rate"]:
        one = obs[obs["indicator_id"] == sid].dropna(subset=["value"])
        one = one.assign(year=one["period"].str[:4]).sort_values("period")
        rises = one.groupby(["unit_id", "year"])["value"].diff().dropna()
        assert (rises >= 0).all(), sid
    kt = obs[
        (obs["indicator_id"] == "key_target_completion_rate")
        & (obs["unit_id"] == "D01")
    ].set_index("period")["value"]
    assert kt["2025-Q1"] < kt["2024-Q4"]  # restarts in January
    q1 = obs.loc[
        (obs["indicator_id"] == "key_target_completion_rate")
        & (obs["period"] == "2024-Q1"),
        "value",
    ].median()
    q4 = obs.loc[
        (obs["indicator_id"] == "key_target_completion_rate")
        & (obs["period"] == "2024-Q4"),
        "value",
    ].median()
    assert q1 < 50 < q4


def test_write_city_layout_and_encodings(catalogue, city, tmp_path):
    paths = write_city(city, tmp_path, catalogue)
    names = sorted(p.relative_to(tmp_path).as_posix() for p in paths)
    assert names == [
        "events.csv",
        "observations/audit.csv",
        "observations/finance.xlsx",
        "observations/inspection.csv",
        "observations/legal.csv",
        "observations/personnel.csv",
        "observations/service_centre.csv",
        "observations/supervision.csv",
        "observations/survey.csv",
        "units.csv",
    ]
    bom = b"\xef\xbb\xbf"
    units = (tmp_path / "units.csv").read_bytes()
    header = b"unit_id,name_zh,name_en,peer_group,level,parent_id\n"
    assert units.startswith(bom + header)
    assert "市教育局".encode() in units

    supervision = (tmp_path / "observations/supervision.csv").read_bytes()
    assert not supervision.startswith(bom)
    text = supervision.decode("gb18030")  # Chinese headers, as Chinese office software
    assert text.startswith("单位代码,报告期,指标代码,指标值,报送日期\n")
    with pytest.raises(UnicodeDecodeError):
        supervision.decode("utf-8")

    legal = (tmp_path / "observations/legal.csv").read_bytes()
    assert legal.startswith(b"unit_id,period,")
    survey = (tmp_path / "observations/survey.csv").read_bytes()
    assert survey.startswith(bom + b"unit_id,period,")


def test_written_values_are_plain_and_missing_cells_empty(catalogue, city, tmp_path):
    write_city(city, tmp_path, catalogue)
    raw = pd.read_csv(
        tmp_path / "observations/supervision.csv",
        encoding="gb18030",
        dtype=str,
        keep_default_na=False,
    ).rename(
        columns={
            "单位代码": "unit_id",
            "报告期": "period",
            "指标代码": "indicator_id",
            "指标值": "value",
        }
    )
    assert len(raw) == 50 * (24 * 7 + 8 + 4)  # 7 monthly, 1 quarterly, 1 half-year
    assert (raw["value"] == "").any()
    assert not raw["value"].isin(["nan", "NaN", "NA"]).any()
    faults = raw.loc[raw["indicator_id"] == "fault_findings", "value"]
    assert faults[faults != ""].str.fullmatch(r"\d+").all()
    rates = raw.loc[raw["indicator_id"] == "approval_on_time_rate", "value"]
    assert rates[rates != ""].str.fullmatch(r"\d{1,3}\.\d").all()


def test_finance_workbook_keeps_periods_as_text(catalogue, city, tmp_path):
    write_city(city, tmp_path, catalogue)
    sheet = openpyxl.load_workbook(tmp_path / "observations/finance.xlsx").active
    header = [c.value for c in sheet[1]]
    assert header == ["unit_id", "period", "indicator_id", "value", "reported_at"]
    assert sheet["B2"].value == "2024-Q1" and sheet["B2"].data_type == "s"
    assert sheet.max_row == 1 + 50 * (8 + 8 + 4)


def test_formats_star_overrides_every_agency(catalogue, city, tmp_path):
    paths = write_city(city, tmp_path, catalogue, formats={"*": "csv-utf8"})
    assert all(p.suffix == ".csv" for p in paths)
    finance = (tmp_path / "observations/finance.csv").read_bytes()
    assert finance.startswith(b"unit_id,period,")
    with pytest.raises(ValueError, match="unknown formats"):
        write_city(city, tmp_path, catalogue, formats={"finance": "xls"})


def test_write_city_is_byte_reproducible(catalogue, city, tmp_path):
    a = write_city(city, tmp_path / "a", catalogue)
    time.sleep(1.1)  # Excel stamps the save time to the second; it must not show
    b = write_city(city, tmp_path / "b", catalogue)
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes(), pa.name


def test_large_city_generates(catalogue):
    big = generate_city(catalogue, departments=1990, districts=10, months=12, seed=3)
    units = big["units"]
    assert len(units) == 2000
    assert units["unit_id"].iloc[0] == "D0001"
    assert units["name_zh"].iloc[1989] == "部门1990"
    assert units["name_en"].iloc[1989] == "Department 1990"
    assert units["peer_group"].iloc[:1990].value_counts().min() >= 497
    assert big["observations"]["unit_id"].nunique() == 2000
