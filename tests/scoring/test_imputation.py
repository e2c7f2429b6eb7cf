"""Imputation rules (indicators[].missing) and the imputed-share limits, by hand."""

from __future__ import annotations

import numpy as np
import pytest

import evaluation as ev
from evaluation.scoring.prepare import IMPUTERS

from ..conftest import TINY_ROWS, TINY_UNITS, write_dataset

nan = np.nan


def cube(*series):
    """(periods, units, 1) from one list of period values per unit."""
    return np.array(series, dtype=float).T[:, :, None]


def test_carry_forward_takes_the_latest_earlier_value():
    x = cube([10, nan, nan, 7, nan], [nan, 5, nan, nan, nan], [nan, nan, nan, nan, nan])
    got = IMPUTERS["carry_forward"](x, np.array(["g"] * 3))[:, :, 0].T
    np.testing.assert_array_equal(got[0, [1, 2, 4]], [10, 10, 7])
    np.testing.assert_array_equal(got[1, [2, 3, 4]], [5, 5, 5])
    assert np.isnan(got[1, 0]) and np.isnan(got[2]).all()  # nothing earlier


def test_trend_extends_the_units_own_line_from_earlier_periods():
    x = cube([10, 20, nan, nan], [10, nan, 30, nan])
    got = IMPUTERS["trend"](x, np.array(["g", "g"]))[:, :, 0].T
    assert got[0, 2] == pytest.approx(30)  # line through (0, 10), (1, 20)
    assert got[0, 3] == pytest.approx(40)  # still only earlier periods: same line
    assert got[1, 3] == pytest.approx(40)  # line through (0, 10), (2, 30)
    assert np.isnan(got[1, 1])  # one earlier point is not a trend


def test_peer_mean_and_median_use_the_same_group_and_period():
    x = cube([1, 2], [3, nan], [8, 4], [100, 100])
    group = np.array(["a", "a", "a", "b"])
    mean = IMPUTERS["peer_mean"](x, group)[:, :, 0].T
    median = IMPUTERS["peer_median"](x, group)[:, :, 0].T
    assert mean[1, 1] == pytest.approx(3)  # (2 + 4) / 2, group a, period 1
    assert median[0, 0] == pytest.approx(3)  # median of 1, 3, 8
    assert mean[3, 0] == 100  # group b alone


def test_knn_recovers_a_planted_value_from_look_alike_units():
    rng = np.random.default_rng(0)
    base = rng.uniform(0, 100, size=(30, 1))
    x = np.hstack([base, base * 2 + 1, 100 - base])[None, :, :]  # perfectly related
    truth = x[0, 4, 1]
    x = x.copy()
    x[0, 4, 1] = nan
    got = IMPUTERS["knn"](x, np.array(["g"] * 30))
    assert got[0, 4, 1] == pytest.approx(truth, rel=0.05)


def run_tiny(tiny_raw, tmp_path, rows, **settings):
    tiny_raw["settings"].update(settings)
    catalogue = ev.parse_catalogue(tiny_raw)
    return ev.run(
        catalogue,
        ev.load_dataset(write_dataset(tmp_path, TINY_UNITS, rows)),
        period="2025-Q4",
        run_at="t",
    )


def test_carry_forward_in_the_pipeline_is_flagged(tiny_raw, tmp_path):
    tiny_raw["indicators"][1]["missing"] = "carry_forward"
    result = run_tiny(tiny_raw, tmp_path, TINY_ROWS)
    cell = result.prepared.query(
        "unit_id == 'U2' and indicator_id == 'a2' and period == '2025-Q4'"
    )
    assert cell["value"].item() == 2  # U2's Q3 value
    assert cell["status"].item() == "imputed_carry_forward"
    assert result.league_table().set_index("unit_id").loc["U2", "n_imputed"] == 1


def test_a_unit_over_its_imputed_share_is_not_ranked(tiny_raw, tmp_path):
    tiny_raw["indicators"][1]["missing"] = "carry_forward"
    # U2 has 1 of its 2 quarterly indicators imputed in Q4: 0.5 > 0.3
    result = run_tiny(tiny_raw, tmp_path, TINY_ROWS, max_imputed_share_unit=0.3)
    table = result.league_table().set_index("unit_id")
    assert np.isnan(table.loc["U2", "composite_score"])
    assert table.loc["U2", "status"] == "insufficient_data"
    assert table["rank"].dropna().tolist() == [1, 2]
    allowed = run_tiny(tiny_raw, tmp_path, TINY_ROWS, max_imputed_share_unit=0.5)
    assert allowed.league_table().set_index("unit_id").loc["U2", "rank"] == 3


def test_an_indicator_imputed_for_too_many_units_keeps_its_gaps(tiny_raw, tmp_path):
    tiny_raw["indicators"][1]["missing"] = "carry_forward"
    # a2 in Q4: 1 of 3 units imputed = 0.33 > 0.2: the imputation is dropped
    result = run_tiny(tiny_raw, tmp_path, TINY_ROWS, max_imputed_share_indicator=0.2)
    cell = result.prepared.query(
        "unit_id == 'U2' and indicator_id == 'a2' and period == '2025-Q4'"
    )
    assert np.isnan(cell["value"].item())
    assert cell["status"].item() == "missing_excluded"
