"""Every data-driven weighting side by side (``weights.objective_weights``), by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from evaluation.scoring import weights as W

# three units, two criteria: a = 1, 2, 3; b = 2, 2, 4
X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [2.0, 2.0, 4.0]}, index=["U1", "U2", "U3"])


def plogp(*p: float) -> float:
    return sum(x * math.log(x) for x in p)


def test_entropy_equal_and_sd_by_hand():
    got = W.objective_weights(X, ["equal", "entropy", "sd"])
    assert list(got.index) == ["a", "b"] and list(got.columns) == [
        "equal",
        "entropy",
        "sd",
    ]
    assert got["equal"].tolist() == [0.5, 0.5]
    # shares of each column: a 1/6, 2/6, 3/6; b 2/8, 2/8, 4/8; e = −Σ p ln p / ln 3
    e_a = -plogp(1 / 6, 2 / 6, 3 / 6) / math.log(3)
    e_b = -plogp(1 / 4, 1 / 4, 1 / 2) / math.log(3)
    d_a, d_b = 1 - e_a, 1 - e_b
    total = d_a + d_b
    assert got["entropy"].tolist() == pytest.approx([d_a / total, d_b / total])
    # sample SDs: a 1, b √(4/3)
    sd_b = math.sqrt(4 / 3)
    assert got["sd"].tolist() == pytest.approx([1 / (1 + sd_b), sd_b / (1 + sd_b)])
    assert got.sum().tolist() == pytest.approx([1.0, 1.0, 1.0])


def test_every_method_by_default_and_two_criteria_load_equally_on_the_first_pc():
    got = W.objective_weights(X)
    assert list(got.columns) == list(W.OBJECTIVE)
    # the first component of a 2 × 2 correlation matrix is (1, 1)/√2
    assert got["pca"].tolist() == pytest.approx([0.5, 0.5])
    assert got["pca_squared"].tolist() == pytest.approx([0.5, 0.5])


def test_an_unknown_method_names_the_known_ones():
    with pytest.raises(ValueError, match="unknown objective weights.*'entropy'"):
        W.objective_weights(X, ["entropy", "magic"])
