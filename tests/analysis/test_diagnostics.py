"""Diagnostics against independent formulas and libraries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA

import evaluation as ev
from evaluation import vocabulary as V
from evaluation.analysis import diagnostics as D

from ..conftest import write_dataset


def test_cronbach_alpha_equals_spearman_brown_for_equal_variances():
    rng = np.random.default_rng(3)
    base = rng.normal(size=(40, 1))
    x = base + rng.normal(scale=0.8, size=(40, 4))
    z = pd.DataFrame((x - x.mean(axis=0)) / x.std(axis=0, ddof=1))  # equal variances
    r = z.corr().to_numpy()
    k = 4
    mean_r = r[np.triu_indices(k, 1)].mean()
    assert D.cronbach_alpha(z) == pytest.approx(k * mean_r / (1 + (k - 1) * mean_r))
    assert D.cronbach_alpha(z.iloc[:, :1]) != D.cronbach_alpha(z.iloc[:, :1])  # NaN


def rows_for(values: dict[str, list[float]]):
    units = [f"U{u}" for u in range(len(next(iter(values.values()))))]
    return units, [
        (u, "2025", i, str(v))
        for i, col in values.items()
        for u, v in zip(units, col, strict=True)
    ]


@pytest.fixture
def planted(tiny_raw, tmp_path):
    """Annual indicators: a2 duplicates a1 (redundant), b2 runs against b1."""
    for ind in tiny_raw["indicators"]:
        ind.update(
            frequency="annual",
            rollup="last",
            normalisation={"method": "minmax"},
            valid={"min": 0, "max": 100},
        )
        ind.pop("target", None)
    rng = np.random.default_rng(5)
    a1 = rng.uniform(10, 90, 12).round(1)
    b1 = rng.uniform(10, 90, 12).round(1)
    units, rows = rows_for({"a1": a1, "a2": a1, "b1": b1, "b2": (100 - b1).round(1)})
    frame = pd.DataFrame(
        {
            "unit_id": units,
            "name_zh": units,
            "name_en": units,
            "peer_group": "g1",
            "level": "department",
            "parent_id": "",
        }
    )
    data = ev.load_dataset(write_dataset(tmp_path, frame, rows))
    return ev.run(ev.parse_catalogue(tiny_raw), data, period="2025", run_at="t")


def test_warnings_name_the_redundant_and_the_reversed(planted):
    found = D.warnings(planted)
    kinds = set(zip(found["indicator_id"], found["kind"], strict=True))
    assert ("a1", "redundant") in kinds
    assert any(k == "negative" for _, k in kinds)  # b1 or b2 against dimension b


def test_pc1_share_matches_scikit_learn(planted):
    x = D.indicator_matrix(planted)[["b1", "b2"]]
    z = (x - x.mean()) / x.std(ddof=1)
    expected = PCA().fit(z).explained_variance_ratio_[0]
    got = D.dimensions(planted).set_index("node_id").loc["b", "pc1_explained"]
    assert got == pytest.approx(expected)


def test_correlations_match_numpy(planted):
    x = D.indicator_matrix(planted)
    table = D.correlations(planted).set_index(["indicator_a", "indicator_b"])["r"]
    assert table[("a1", "b1")] == pytest.approx(np.corrcoef(x["a1"], x["b1"])[0, 1])
    # a2 repeats a1's values but is lower-is-better: its scores run the other way
    assert table[("a1", "a2")] == pytest.approx(-1.0)


def test_importance_sums_to_one_and_weights_are_the_effective_ones(planted):
    imp = D.importance(planted).set_index("indicator_id")
    assert imp["importance"].sum() == pytest.approx(1.0)
    assert imp["weight"].sum() == pytest.approx(1.0)  # effective weights, every unit
    assert imp.loc["b1", "weight"] == pytest.approx(0.4 * 0.75)


def test_warnings_said_in_chinese_name_the_other_indicator_and_dimension(planted):
    """The panel reads each reason in Chinese, the other indicator or dimension by
    its name; the English reasons read as they always have (by code)."""
    zh = D.warnings(planted, lang="zh").set_index(["indicator_id", "kind"])["reason"]
    en = D.warnings(planted).set_index(["indicator_id", "kind"])["reason"]
    # a2 reports a1's very values, lower is better: scores exactly reversed
    assert zh["a1", "redundant"] == (
        "与同一维度的a2指标相关系数 r = -1.00，两者可能在测同一件事"
    )
    assert en["a1", "redundant"] == (
        "r = -1.00 with a2 in the same dimension: they may measure the same thing"
    )
    negatives = [k for k in zh.index if k[1] == "negative"]
    assert negatives
    for k in negatives:  # against its dimension: a (甲) or b (乙)
        dimension = k[0][0]
        named = "甲" if dimension == "a" else "乙"
        assert zh[k].startswith(f"与所属维度{named}的相关系数 r = -"), zh[k]
        assert zh[k].endswith("，请核对指标方向")
        assert en[k].endswith(f" with its dimension {dimension}: check its direction")
    assert set(zh.index.get_level_values("kind")) <= set(V.family("diagnostic_kind"))
