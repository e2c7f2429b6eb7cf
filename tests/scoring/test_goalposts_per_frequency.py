"""Goalposts stated per period length (``normalisation: {method: goalposts, per:
monthly}``): a ``sum`` roll-up is compared as an amount per month, so a monthly, a
quarterly and an annual run of the same catalogue give the same score for the same
monthly rate (known limit L8 without ``per``). Expected scores by hand."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.scoring.normalise import normalise

# fault findings: lower is better, goalposts 6 → 0 a month; 1 finding a month scores
# 100 · (1 − 6) / (0 − 6) = 83.33… in any period; 12 a year against 6 → 0 scores 0
ONE_A_MONTH = 100 * (1 - 6) / (0 - 6)

INDICATOR = {
    "parent": "dim",
    "definition_zh": "定义",
    "definition_en": "definition",
    "unit_zh": "件",
    "unit_en": "findings",
    "direction": "lower",
    "agency": "src",
    "frequency": "monthly",
    "rollup": "sum",
    "valid": {"min": 0, "max": 1000},
}
RAW = {
    "id": "per",
    "version": "1",
    "name_zh": "按期目标",
    "name_en": "Goalposts per period",
    "agencies": [{"id": "src", "name_zh": "源", "name_en": "Source"}],
    "peer_groups": [{"id": "all", "name_zh": "全部", "name_en": "All"}],
    "dimensions": [{"id": "dim", "name_zh": "维", "name_en": "Dim"}],
    "indicators": [
        {  # as the shipped fault_findings: goalposts do not scale (the default)
            **INDICATOR,
            "id": "faults",
            "normalisation": {"method": "goalposts", "worst": 6, "best": 0},
        },
        {
            **INDICATOR,
            "id": "faults_monthly",
            "normalisation": {
                "method": "goalposts",
                "worst": 6,
                "best": 0,
                "per": "monthly",
            },
        },
        {  # the same goalposts written per quarter: 18 → 0
            **INDICATOR,
            "id": "faults_quarterly",
            "normalisation": {
                "method": "goalposts",
                "worst": 18,
                "best": 0,
                "per": "quarterly",
            },
        },
        {  # a mean of monthly reports is already a monthly amount
            **INDICATOR,
            "id": "faults_mean",
            "rollup": "mean",
            "normalisation": {
                "method": "goalposts",
                "worst": 6,
                "best": 0,
                "per": "monthly",
            },
        },
        {  # a target stated per month (0 findings), worst 6 a month
            **INDICATOR,
            "id": "faults_target",
            "target": 0,
            "normalisation": {"method": "target", "worst": 6, "per": "monthly"},
        },
    ],
}
for _ind in RAW["indicators"]:
    _ind.update(name_zh=_ind["id"], name_en=_ind["id"])
IDS = [i["id"] for i in RAW["indicators"]]
UNITS = pd.DataFrame(
    {
        "unit_id": ["U1", "U2"],
        "name_zh": ["一", "二"],
        "name_en": ["One", "Two"],
        "peer_group": "all",
        "level": "department",
        "parent_id": None,
    }
)


def catalogue(raw=RAW) -> ev.Catalogue:
    return ev.parse_catalogue(copy.deepcopy(raw), file="per.yaml")


def observations(per_month: dict[str, float]) -> pd.DataFrame:
    """Every indicator reported each month of 2025 at the unit's monthly rate."""
    months = [f"2025-M{m:02d}" for m in range(1, 13)]
    rows = [
        (u, p, i, rate) for u, rate in per_month.items() for p in months for i in IDS
    ]
    return pd.DataFrame(rows, columns=["unit_id", "period", "indicator_id", "value"])


def scores(period: str) -> pd.DataFrame:
    out = ev.score(
        observations({"U1": 1.0, "U2": 3.0}), UNITS, catalogue(), period=period
    )
    table = out["normalised"]
    table = table[table["period"] == period]
    return table.pivot(index="unit_id", columns="indicator_id", values="score")


@pytest.mark.parametrize("period", ["2025-M12", "2025-Q4", "2025-H2", "2025"])
def test_the_same_monthly_rate_scores_the_same_in_every_period(period):
    got = scores(period)
    # U1: 1 finding a month; U2: 3 a month, 100 · (3 − 6) / (0 − 6) = 50
    for ind in ("faults_monthly", "faults_quarterly", "faults_mean", "faults_target"):
        assert got.at["U1", ind] == pytest.approx(ONE_A_MONTH, rel=1e-12), ind
        assert got.at["U2", ind] == pytest.approx(50.0, rel=1e-12), ind


def test_without_per_goalposts_do_not_scale_as_before():
    # known limit L8, unchanged by default: 12 findings a year against 6 → 0
    assert scores("2025-M12").at["U1", "faults"] == pytest.approx(ONE_A_MONTH)
    assert scores("2025-Q4").at["U1", "faults"] == pytest.approx(50.0)  # 3 vs 6 → 0
    assert scores("2025").at["U1", "faults"] == 0.0


def test_normalise_reads_each_rows_period_length():
    index = pd.MultiIndex.from_tuples(
        [("2025", "U1"), ("2025-H1", "U1"), ("2025-M03", "U1"), ("2025", "U2")],
        names=["period", "unit_id"],
    )
    matrix = pd.DataFrame({i: [12.0, 6.0, 1.0, 0.0] for i in IDS}, index=index)
    got = normalise(matrix, catalogue())
    np.testing.assert_allclose(
        got["faults_monthly"], [ONE_A_MONTH] * 3 + [100.0], rtol=1e-12
    )
    np.testing.assert_allclose(
        got["faults_quarterly"], [ONE_A_MONTH] * 3 + [100.0], rtol=1e-12
    )
    # without per the raw count meets the goalposts: 12 and 6 score 0
    np.testing.assert_allclose(got["faults"], [0.0, 0.0, ONE_A_MONTH, 100.0])
    # a mean roll-up of monthly reports is a monthly amount whatever the period
    np.testing.assert_allclose(got["faults_mean"], [0.0, 0.0, ONE_A_MONTH, 100.0])


def test_per_must_name_a_frequency():
    raw = copy.deepcopy(RAW)
    raw["indicators"][1]["normalisation"]["per"] = "weekly"
    with pytest.raises(ev.CatalogueError) as caught:
        catalogue(raw)
    problems = caught.value.problems
    assert len(problems) == 1
    row = problems.iloc[0]
    assert row["value"] == "weekly" and row["path"].endswith("per")
    assert "monthly" in row["rule"] and "annual" in row["rule"]
