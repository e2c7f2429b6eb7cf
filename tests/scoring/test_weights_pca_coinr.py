"""``weights: {method: pca_coinr}``: COINr's PCA weights (``get_PCA``), signed.

COINr takes the first column of ``prcomp(x, center = TRUE, scale = TRUE)$rotation``
as the weights and its means divide by the weights' sum. The expected weights here
are that definition computed independently: numpy's ``eigh`` of the correlation
matrix of the standardised data, and scikit-learn's ``PCA`` on the same data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

import evaluation as ev
from evaluation.catalogue import Weights
from evaluation.scoring import weights as W

IDS = ["c1", "c2", "c3", "c4"]


def mixed_signs(seed: int = 3, n: int = 30) -> np.ndarray:
    """Four children: three move together, one runs loosely against them."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(30, 70, n)
    return np.column_stack(
        [
            base + rng.normal(0, 3, n),
            0.8 * base + rng.normal(0, 5, n) + 10,
            base + rng.normal(0, 8, n),
            100 - base + rng.normal(0, 15, n),
        ]
    )


def coinr_weights(x: np.ndarray) -> np.ndarray:
    """COINr's definition: first principal component of the standardised data
    (numpy eigh of its correlation matrix), divided by its sum (sign cancels)."""
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    values, vectors = np.linalg.eigh(z.T @ z / (len(z) - 1))
    first = vectors[:, np.argmax(values)]
    return first / first.sum()


def sklearn_weights(x: np.ndarray) -> np.ndarray:
    first = PCA().fit(StandardScaler().fit_transform(x)).components_[0]
    return first / first.sum()


def node(method: str) -> Weights:
    return Weights(method=method)


def test_pca_coinr_keeps_signed_loadings_as_numpy_and_sklearn_compute_them():
    x = mixed_signs()
    expected = coinr_weights(x)
    assert (expected < 0).sum() == 1  # the case has mixed signs
    np.testing.assert_allclose(sklearn_weights(x), expected, atol=1e-12)
    periods = pd.Index(["2025"] * len(x))
    got = W.node_weights(node("pca_coinr"), x, periods, np.full(4, 0.25), IDS)
    assert got.shape == x.shape
    np.testing.assert_allclose(got, np.broadcast_to(expected, x.shape), atol=1e-12)


def test_pca_sets_the_negative_loading_to_0_and_pca_coinr_does_not():
    x = mixed_signs()
    expected = coinr_weights(x)
    periods = pd.Index(["2025"] * len(x))
    clipped = W.node_weights(node("pca"), x, periods, np.full(4, 0.25), IDS)[0]
    by_hand = np.maximum(expected, 0) / np.maximum(expected, 0).sum()
    np.testing.assert_allclose(clipped, by_hand, atol=1e-12)
    signed = W.node_weights(node("pca_coinr"), x, periods, np.full(4, 0.25), IDS)[0]
    assert signed[3] < 0 and clipped[3] == 0
    assert np.abs(signed - clipped).max() > 0.05


def test_pca_coinr_weights_are_set_per_period():
    first, second = mixed_signs(3), mixed_signs(4)[:, [3, 0, 1, 2]]
    x = np.vstack([first, second])
    periods = pd.Index(["2024"] * len(first) + ["2025"] * len(second))
    got = W.node_weights(node("pca_coinr"), x, periods, np.full(4, 0.25), IDS)
    np.testing.assert_allclose(got[0], coinr_weights(first), atol=1e-12)
    np.testing.assert_allclose(got[-1], coinr_weights(second), atol=1e-12)
    assert got[-1][0] < 0  # the contrary child moved to the front in 2025


def catalogue(weights: dict) -> ev.Catalogue:
    """One dimension under the composite; indicators scored as given (0–100)."""
    indicator = {
        "parent": "dim",
        "definition_zh": "定义",
        "definition_en": "definition",
        "unit_zh": "分",
        "unit_en": "points",
        "direction": "higher",
        "agency": "src",
        "frequency": "annual",
        "rollup": "last",
        "normalisation": {"method": "goalposts", "worst": 0, "best": 100},
        "valid": {"min": 0, "max": 100},
    }
    raw = {
        "id": "pca",
        "version": "1",
        "name_zh": "主成分",
        "name_en": "PCA",
        "agencies": [{"id": "src", "name_zh": "源", "name_en": "Source"}],
        "peer_groups": [{"id": "all", "name_zh": "全部", "name_en": "All"}],
        "dimensions": [
            {"id": "dim", "name_zh": "维", "name_en": "Dim", "weights": weights}
        ],
        "indicators": [{**indicator, "id": i, "name_zh": i, "name_en": i} for i in IDS],
    }
    return ev.parse_catalogue(raw, file="pca.yaml")


def score(cat: ev.Catalogue, values: np.ndarray) -> dict:
    units = [f"U{u:02d}" for u in range(len(values))]
    frame = pd.DataFrame(
        {
            "unit_id": units,
            "name_zh": units,
            "name_en": units,
            "peer_group": "all",
            "level": "department",
            "parent_id": None,
        }
    )
    obs = (
        pd.DataFrame(values, index=units, columns=IDS)
        .rename_axis(index="unit_id", columns="indicator_id")
        .stack()
        .rename("value")
        .reset_index()
    )
    return ev.score(obs.assign(period="2025"), frame, cat, period="2025")


def test_a_dimension_weighted_by_pca_coinr_is_the_signed_weighted_sum():
    values = mixed_signs().round(3)
    w = coinr_weights(values)
    expected = values @ w
    assert ((expected > 0) & (expected < 100)).all()  # no clipping in this case
    out = score(catalogue({"method": "pca_coinr"}), values)
    dim = out["scores"].query("node_id == 'dim'")["score"].to_numpy()
    np.testing.assert_allclose(dim, expected, rtol=1e-12)
    used = out["weights"].query("node_id == 'dim'").set_index("child_id")["weight"]
    np.testing.assert_allclose(used[IDS].to_numpy(), w, atol=1e-12)
    assert (out["weights"].query("node_id == 'dim'")["method"] == "pca_coinr").all()
    # the default pca (negatives at 0) gives other scores on the same data
    clipped = score(catalogue({"method": "pca"}), values)
    other = clipped["scores"].query("node_id == 'dim'")["score"].to_numpy()
    assert np.abs(other - dim).max() > 1.0


def test_pca_coinr_is_a_node_method_not_a_blend_objective():
    with pytest.raises(ev.CatalogueError) as caught:
        catalogue({"method": "blend", "objective": "pca_coinr"})
    problems = caught.value.problems
    assert len(problems) == 1
    assert problems.iloc[0]["value"] == "pca_coinr"
    assert "objective" in problems.iloc[0]["path"]
