"""Goalposts and targets on COINr-treated data, as COINr runs them: ``Treat`` then
``Normalise(..., f_n = "n_dist2targ")`` (or ``n_goalposts``) reads the targets, in
the indicator's units, against the treated values as they are, also where the
treatment fell back to ``log_CT``.

Expected values: COINr 1.1.14's ``winsorise()`` + ``log_CT`` (``R/treat.R``) as
transcribed in ``tests/reference/test_asem_coinr.py`` (``coinr_treat``), and
``n_dist2targ`` / ``n_goalposts`` (``R/normalise.R``) transcribed here and in
``test_normalise_coinr.py``; never the code under test."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.scoring.normalise import normalise
from evaluation.scoring.treat import treat

from ..reference.test_asem_coinr import coinr_treat
from .test_normalise_coinr import (
    amean,
    asem_catalogue,
    asem_run,
    coinr_index,
    n_dist2targ,
    same_index,
)

#: ten units, one far out: |skew| 3.16 ≥ 2 and kurtosis 9.98 ≥ 3.5 (COINr fails it)
X = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 100.0])
UNITS = [f"U{i}" for i in range(1, 11)]


def n_goalposts_lower(x, gposts, trunc2posts=True):
    """COINr ``n_goalposts(x, gposts = c(l, u, a), direction = -1)``:
    ``(x − u) / (l − u)``, truncated to [0, 1], times ``a``."""
    low, up, a = gposts
    y = (np.asarray(x, dtype=float) - up) / (low - up)
    return (np.clip(y, 0, 1) if trunc2posts else y) * a


def log_ct(x):
    """COINr ``log_CT``: ``log(x − min(x) + 0.01 (max(x) − min(x)))``."""
    return np.log(x - x.min() + 0.01 * (x.max() - x.min()))


def tiny_treated(tiny_raw, winmax: int):
    """The tiny catalogue with ``settings.treatment: coinr`` and b1 scored as COINr's
    uncapped ``n_dist2targ``; a1 min-max, a2 goalposts 10 (worst) to 0 (best)."""
    tiny_raw["settings"]["treatment"] = {"method": "coinr", "winmax": winmax}
    tiny_raw["indicators"][2]["normalisation"] = {
        "method": "target",
        "cap": False,
        "scale": 1,
    }
    catalogue = ev.parse_catalogue(tiny_raw)
    index = pd.MultiIndex.from_product([["2025"], UNITS], names=["period", "unit_id"])
    matrix = pd.DataFrame({"a1": X, "a2": X / 10, "b1": X}, index=index)
    return catalogue, matrix


def test_goalposts_and_target_read_the_log_fallback_as_coinr_does(tiny_raw):
    catalogue, matrix = tiny_treated(tiny_raw, winmax=0)  # no winsorising: log_CT
    with pytest.warns(UserWarning) as warned:
        treated, log = treat(matrix, catalogue)
    scores = normalise(treated, catalogue)
    a2 = coinr_treat(pd.Series(X / 10), winmax=0).to_numpy()
    b1 = coinr_treat(pd.Series(X), winmax=0).to_numpy()
    np.testing.assert_allclose(b1, log_ct(X), rtol=0, atol=1e-12)  # the fallback
    # n_goalposts(x, c(0, 10, 100), direction = -1) on the logged column
    np.testing.assert_allclose(
        scores["a2"], n_goalposts_lower(a2, (0, 10, 100)), rtol=0, atol=1e-9
    )
    assert scores["a2"].max() == 100  # ln 0.099 < 0, past the best post: truncated
    # n_dist2targ(x, 100): the target, in the indicator's units, as it stands
    np.testing.assert_allclose(scores["b1"], n_dist2targ(b1, 100), rtol=0, atol=1e-12)
    assert scores["b1"].max() < 0.05  # ln values far below the raw-unit target

    notes = log.set_index("indicator_id")["note"]
    assert (log["method"] == "log").all() and set(notes.index) == {"a1", "a2", "b1"}
    assert notes["a1"] == ""  # min-max reads no fixed number: nothing to note
    assert "goalposts worst 10" in notes["a2"] and "best 0" in notes["a2"]
    assert "target 100" in notes["b1"] and "ln values" in notes["b1"]
    assert len(warned) == 1  # one warning, naming both, Chinese first
    text = str(warned[0].message)
    assert "（a2 2025, b1 2025）" in text and "(a2 2025, b1 2025)" in text
    assert "a1" not in text and "fell back to logarithms" in text


def test_a_winsorised_target_column_is_not_noted(tiny_raw):
    catalogue, matrix = tiny_treated(tiny_raw, winmax=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning: the values keep their units
        treated, log = treat(matrix, catalogue)
    # no note anywhere: the log keeps the columns it always had
    assert (log["method"] == "winsorise").all() and "note" not in log
    b1 = coinr_treat(pd.Series(X)).to_numpy()
    assert b1[-1] == 9  # winsorised onto the next value: in the indicator's units
    np.testing.assert_allclose(
        normalise(treated, catalogue)["b1"], n_dist2targ(b1, 100), rtol=0, atol=1e-12
    )


@pytest.mark.shared_data
@pytest.mark.parametrize("winmax", [5, 2, 0])
def test_asem_distance_to_target_on_coinr_treated_data(shared_data, winmax):
    """COINr: Treat(winmax) → Normalise(f_n = "n_dist2targ", targets of iMeta,
    cap_max = FALSE) → a_amean. With winmax 5 every failing column is winsorised;
    with 2 and 0 some fall back to log_CT and are read against raw-unit targets."""
    folder = shared_data / "coinr_asem"
    raw = asem_catalogue({"method": "target", "cap": False, "scale": 1}, "arithmetic")
    raw["settings"]["treatment"] = {"method": "coinr", "winmax": winmax}
    expected = coinr_index(
        folder, lambda x, d, t: n_dist2targ(x, t, direction=d), amean, winmax=winmax
    )
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        result = asem_run(shared_data, raw)
    same_index(result, expected)

    # where COINr's treatment (the transcription) takes logs of the values scored,
    # the run's treatment log notes the target and one warning names the columns
    ours = result.prepared.pivot(
        index="unit_id", columns="indicator_id", values="value"
    )
    order = [item["id"] for item in raw["indicators"]]  # the catalogue's
    logged = [
        c for c in order
        if np.allclose(coinr_treat(ours[c], winmax=winmax), log_ct(ours[c]))
    ]  # fmt: skip
    assert (len(logged) > 5) == (winmax < 5)  # 0 at winmax 5; 8 at 2; 15 at 0
    log = result.treatment.set_index("indicator_id")
    assert sorted(log.index[log["method"] == "log"]) == sorted(logged)
    if not logged:  # nothing to note: the log keeps the columns it always had
        assert "note" not in log
        assert not [w for w in warned if "fell back to logarithms" in str(w.message)]
        return
    assert log.loc[logged, "note"].str.contains("against target").all()
    assert (log.loc[log["method"] != "log", "note"] == "").all()
    said = [str(w.message) for w in warned]
    said = [w for w in said if "fell back to logarithms" in w]
    assert len(said) == (1 if logged else 0)
    if logged:
        where = ", ".join(f"{c} 2018" for c in logged[:5]) + f" … ({len(logged)})"
        assert f"（{where}）" in said[0] and f"({where})" in said[0]
