"""Outlier treatment (COINr rule, percentile caps) and denomination, by hand."""

from __future__ import annotations

import numpy as np
import pytest

import evaluation as ev
from evaluation.catalogue import Treatment
from evaluation.scoring.treat import coinr, percentile_cap, skew_kurt

from ..conftest import TINY_ROWS, TINY_UNITS, write_dataset


def excel_skew_kurt(x):
    """Excel SKEW and KURT written out from their published definitions."""
    n, m, s = len(x), x.mean(), x.std(ddof=1)
    z = (x - m) / s
    skew = n / ((n - 1) * (n - 2)) * np.sum(z**3)
    kurt = n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * np.sum(z**4) - 3 * (
        n - 1
    ) ** 2 / ((n - 2) * (n - 3))
    return skew, kurt


def test_skew_and_kurtosis_are_excels():
    x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 100.0])
    assert skew_kurt(x) == pytest.approx(excel_skew_kurt(x))


def test_coinr_winsorises_the_outlier_then_stops():
    x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 100.0])
    s, k = excel_skew_kurt(x)
    assert abs(s) >= 2 and k >= 3.5  # fails the rule
    treated, method, changed = coinr(x, Treatment(method="coinr"))
    assert method == "winsorise"
    assert changed.tolist() == [False] * 9 + [True]
    assert treated[-1] == 9  # set to the largest remaining value
    s2, k2 = excel_skew_kurt(treated)
    assert not (abs(s2) >= 2 and k2 >= 3.5)


def test_coinr_falls_back_to_log_of_the_original_column():
    x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 100.0])
    treated, method, _ = coinr(x, Treatment(method="coinr", winmax=0))
    assert method == "log"
    np.testing.assert_allclose(treated, np.log(x - 1 + 0.01 * 99))


def test_a_column_that_passes_is_left_alone():
    x = np.arange(10, dtype=float)
    treated, method, changed = coinr(x, Treatment(method="coinr"))
    assert method == "none" and not changed.any()
    np.testing.assert_array_equal(treated, x)


def test_percentile_cap():
    x = np.arange(101, dtype=float)
    treated, method, changed = percentile_cap(
        x, Treatment(method="percentile_cap", low=0.1, high=0.9)
    )
    assert method == "cap" and treated.min() == 10 and treated.max() == 90
    assert changed.sum() == 20


def test_coinr_with_goalposts_or_a_target_is_accepted(tiny_raw):
    """COINr normalises its treated data with goalposts or a target (``Treat`` then
    ``n_dist2targ``): the catalogue says the same per indicator."""
    tiny_raw["indicators"][1]["treatment"] = {"method": "coinr"}  # a2: goalposts
    tiny_raw["indicators"][2]["treatment"] = {"method": "coinr"}  # b1: a target
    c = ev.parse_catalogue(tiny_raw)
    assert [i.treatment and i.treatment.method for i in c.indicators[1:3]] == [
        "coinr",
        "coinr",
    ]


def test_treatment_is_logged_in_the_result(tiny_raw, tmp_path):
    tiny_raw["settings"]["treatment"] = {
        "method": "percentile_cap",
        "low": 0.0,
        "high": 0.5,
    }
    result = ev.run(
        ev.parse_catalogue(tiny_raw),
        ev.load_dataset(write_dataset(tmp_path, TINY_UNITS, TINY_ROWS)),
        period="2025",
        run_at="t",
    )
    log = result.treatment.set_index("indicator_id")
    # a1 in 2025: 80, 60, 100 → capped at the median 80: U3 changed
    assert log.loc["a1", "units"] == "U3" and log.loc["a1", "points"] == 1
    step = [s for s in result.provenance.steps if s.stage == "treat"][0]
    assert step.params["a1"]["method"] == "percentile_cap"


def test_denominator_divides_each_report_before_roll_up(tiny_raw, tmp_path):
    tiny_raw["context"] = [
        {
            "id": "staff",
            "name_zh": "人员",
            "name_en": "Staff",
            "unit_zh": "人",
            "unit_en": "people",
            "agency": "office",
            "frequency": "annual",
            "valid": {"min": 0, "max": 1e6},
        }
    ]
    tiny_raw["indicators"][3]["denominator"] = {"by": "staff", "scale": 100}
    tiny_raw["indicators"][3]["valid"] = {"min": 0, "max": 1000}
    rows = [
        *TINY_ROWS,
        ("U1", "2025", "staff", "35"),
        ("U2", "2025", "staff", "20"),
        ("U3", "2025", "staff", "90"),
    ]
    result = ev.run(
        ev.parse_catalogue(tiny_raw),
        ev.load_dataset(write_dataset(tmp_path, TINY_UNITS, rows)),
        period="2025",
        run_at="t",
    )
    b2 = result.prepared.query("indicator_id == 'b2'").set_index("unit_id")["value"]
    # b2 = 70, 80, 90 per 35, 20, 90 staff × 100
    assert b2.to_dict() == pytest.approx({"U1": 200.0, "U2": 400.0, "U3": 100.0})
    bad = dict(tiny_raw)
    bad["indicators"][3]["denominator"] = {"by": "b2"}
    with pytest.raises(ev.CatalogueError, match="denominator.by"):
        ev.parse_catalogue(bad)


def test_catalogue_wide_coinr_treatment_takes_goalposts_and_targets(tiny_raw):
    """The default refusal is gone: a2 (goalposts) and b1 (a target) are treated
    by ``settings.treatment``, and can still opt out per indicator."""
    tiny_raw["settings"]["treatment"] = {"method": "coinr"}
    c = ev.parse_catalogue(tiny_raw)
    assert c.settings.treatment.method == "coinr"
    assert all(i.treatment is None for i in c.indicators)
    tiny_raw["indicators"][1]["treatment"] = {"method": "none"}
    assert ev.parse_catalogue(tiny_raw).indicators[1].treatment.method == "none"


def test_skewness_and_kurtosis_are_scipys_to_the_bit():
    """The treatment's own skewness and kurtosis equal SciPy's bias-corrected ones
    (Excel SKEW and KURT) exactly, on skewed, rounded, tied, negative and scaled
    columns, so replacing the SciPy calls changed no treatment."""
    from scipy import stats

    rng = np.random.default_rng(17)
    for t in range(3000):
        n = int(rng.integers(4, 120))
        x = rng.lognormal(size=n) * 10.0 ** int(rng.integers(-3, 6))
        if t % 3 == 0:
            x = np.round(x, 1)
        if t % 5 == 0:
            x = -x
        if t % 7 == 0:
            x = rng.integers(0, 3, size=n).astype(float)
        if np.ptp(x) == 0:
            continue
        want = (
            float(stats.skew(x, bias=False)),
            float(stats.kurtosis(x, fisher=True, bias=False)),
        )
        assert skew_kurt(x) == want
    with_gaps = np.array([1.0, np.nan, 2.0, 7.0, np.nan, 30.0])
    assert skew_kurt(with_gaps) == (
        float(stats.skew([1.0, 2.0, 7.0, 30.0], bias=False)),
        float(stats.kurtosis([1.0, 2.0, 7.0, 30.0], bias=False)),
    )
    assert np.isnan(skew_kurt(np.array([1.0, 2.0, 3.0]))).all()  # fewer than 4
