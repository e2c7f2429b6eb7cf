"""Weights and aggregation chosen in the catalogue, against independent libraries,
hand calculation and a published index (UNDP HDI 2021, end to end)."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import evaluation as ev
from evaluation.scoring import weights as W

from ..conftest import load_example

IDS = ["c1", "c2", "c3", "c4"]
WEIGHTS = [0.4, 0.3, 0.2, 0.1]
RNG = np.random.default_rng(11)
VALUES = RNG.uniform(5, 100, size=(15, 4)).round(2)


def catalogue(aggregation=None, weights=None, normalisation=None):
    """One dimension under the composite; indicators scored as given (0–100)."""
    norm = normalisation or {"method": "goalposts", "worst": 0, "best": 100}
    raw = {
        "id": "m",
        "version": "1",
        "name_zh": "方法",
        "name_en": "Methods",
        "settings": {"min_coverage": 0.1},
        "agencies": [{"id": "src", "name_zh": "源", "name_en": "Source"}],
        "peer_groups": [{"id": "all", "name_zh": "全部", "name_en": "All"}],
        "dimensions": [
            {
                "id": "dim",
                "name_zh": "维",
                "name_en": "Dim",
                "aggregation": aggregation or {"method": "arithmetic"},
                "weights": weights or {"method": "manual"},
            }
        ],
        "indicators": [
            {
                "id": i,
                "parent": "dim",
                "name_zh": i,
                "name_en": i,
                "definition_zh": i,
                "definition_en": i,
                "unit_zh": "-",
                "unit_en": "-",
                "direction": "higher",
                "agency": "src",
                "frequency": "annual",
                "rollup": "last",
                "weight": w,
                "normalisation": norm,
                "valid": {"min": 0, "max": 100},
            }
            for i, w in zip(IDS, WEIGHTS, strict=True)
        ],
    }
    return ev.parse_catalogue(raw)


def score(cat, values=VALUES) -> dict:
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


def dim_scores(out) -> np.ndarray:
    return out["scores"].query("node_id == 'dim'")["score"].to_numpy()


@pytest.mark.parametrize(
    "method, reference",
    [
        ({"method": "geometric"}, lambda x, w: stats.gmean(x, axis=1, weights=w)),
        ({"method": "harmonic"}, lambda x, w: stats.hmean(x, axis=1, weights=w)),
        (
            {"method": "generalised", "p": 2},
            lambda x, w: stats.pmean(x, 2, axis=1, weights=w),
        ),
        (
            {"method": "generalised", "p": -1.5},
            lambda x, w: stats.pmean(x, -1.5, axis=1, weights=w),
        ),
        ({"method": "arithmetic"}, lambda x, w: np.average(x, axis=1, weights=w)),
    ],
)
def test_weighted_means_match_scipy(method, reference):
    out = score(catalogue(aggregation=method))
    np.testing.assert_allclose(
        dim_scores(out), reference(VALUES, np.array(WEIGHTS)), rtol=1e-12
    )


def test_mazziotta_pareto_by_hand():
    out = score(catalogue(aggregation={"method": "mazziotta_pareto"}))
    w = np.array(WEIGHTS)
    mean = VALUES @ w
    sd = np.sqrt(((VALUES - mean[:, None]) ** 2) @ w)
    expected = np.clip(mean - sd * (sd / mean), 0, 100)  # a very unbalanced profile: 0
    np.testing.assert_allclose(dim_scores(out), expected, rtol=1e-12, atol=1e-12)
    # a balanced profile is not penalised, an unbalanced one is
    flat = score(
        catalogue(aggregation={"method": "mazziotta_pareto"}),
        np.array([[60.0] * 4, [90.0, 90.0, 30.0, 30.0]]),
    )
    assert dim_scores(flat)[0] == pytest.approx(60.0)
    assert dim_scores(flat)[1] < 0.4 * 90 + 0.3 * 90 + 0.2 * 30 + 0.1 * 30


def test_geometric_zero_rule():
    values = VALUES.copy()
    values[0, 1] = 0.0
    out = score(catalogue(aggregation={"method": "geometric"}), values)
    assert dim_scores(out)[0] == 0.0  # a zero factor: no compensation
    with pytest.raises(ev.EvaluationError, match="a child scores 0"):
        score(catalogue(aggregation={"method": "geometric", "zero": "error"}), values)


def test_contributions_add_up_for_every_aggregation():
    for method in (
        {"method": "geometric"},
        {"method": "harmonic"},
        {"method": "generalised", "p": 3},
        {"method": "mazziotta_pareto"},
    ):
        out = score(catalogue(aggregation=method))
        total = out["contributions"].groupby("unit_id")["contribution"].sum()
        comp = out["composite"].set_index("unit_id")["composite_score"]
        np.testing.assert_allclose(total[comp.index], comp, atol=1e-9)


def test_entropy_node_weights_match_pymcdm():
    from pymcdm.weights import entropy_weights

    out = score(catalogue(weights={"method": "entropy"}))
    used = out["weights"].query("node_id == 'dim'")["weight"].to_numpy()
    np.testing.assert_allclose(used, entropy_weights(VALUES), atol=1e-12)
    np.testing.assert_allclose(dim_scores(out), VALUES @ used, rtol=1e-12)


def test_critic_and_sd_node_weights_match_the_kernels():
    for method, kernel in (("critic", W.critic), ("sd", W.sd)):
        out = score(catalogue(weights={"method": method}))
        used = out["weights"].query("node_id == 'dim'")["weight"].to_numpy()
        np.testing.assert_allclose(used, kernel(VALUES), atol=1e-12)


AHP = {
    "children": ["c1", "c2", "c3", "c4"],
    "matrix": [[1, 2, 4, 4], [0.5, 1, 2, 2], [0.25, 0.5, 1, 1], [0.25, 0.5, 1, 1]],
}


def test_ahp_weights_from_the_catalogue():
    out = score(catalogue(weights={"method": "ahp", "ahp": AHP}))
    used = out["weights"].query("node_id == 'dim'")["weight"].to_numpy()
    # a consistent matrix: weights ∝ 4 : 2 : 1 : 1 (hand calculation)
    np.testing.assert_allclose(used, [0.5, 0.25, 0.125, 0.125], atol=1e-12)


def test_blend_of_ahp_and_entropy():
    from pymcdm.weights import entropy_weights

    spec = {
        "method": "blend",
        "subjective": "ahp",
        "ahp": AHP,
        "objective": "entropy",
        "alpha": 0.7,
    }
    used = score(catalogue(weights=spec))["weights"]["weight"].to_numpy()[:4]
    expected = 0.7 * np.array([0.5, 0.25, 0.125, 0.125]) + 0.3 * entropy_weights(VALUES)
    np.testing.assert_allclose(used, expected / expected.sum(), atol=1e-12)


def test_inconsistent_ahp_matrix_is_a_catalogue_error_naming_the_judgement():
    bad = copy.deepcopy(AHP)
    bad["matrix"] = [
        [1, 9, 1 / 9, 4],
        [1 / 9, 1, 9, 2],
        [9, 1 / 9, 1, 1],
        [0.25, 0.5, 1, 1],
    ]
    with pytest.raises(ev.CatalogueError) as info:
        catalogue(weights={"method": "ahp", "ahp": bad})
    problem = info.value.problems.iloc[0]
    assert problem["path"] == "dimensions[0].weights.ahp.matrix"
    assert (
        "consistency ratio" in problem["rule"]
        and "most inconsistent" in problem["rule"]
    )
    not_reciprocal = copy.deepcopy(AHP)
    not_reciprocal["matrix"][0][1] = 3
    with pytest.raises(ev.CatalogueError, match=r"matrix\[0\]\[1\]"):
        catalogue(weights={"method": "ahp", "ahp": not_reciprocal})
    wrong_children = {**AHP, "children": ["c1", "c2", "c3", "x9"]}
    with pytest.raises(ev.CatalogueError, match="must list exactly the children"):
        catalogue(weights={"method": "ahp", "ahp": wrong_children})


def test_percentile_matches_coinr_n_prank():
    out = score(catalogue(normalisation={"method": "percentile"}))
    got = out["normalised"].pivot(
        index="unit_id", columns="indicator_id", values="score"
    )
    ranks = stats.rankdata(VALUES, method="min", axis=0)
    np.testing.assert_allclose(
        got[IDS].to_numpy(), 100 * (ranks - 1) / (len(VALUES) - 1)
    )


def test_robust_z_by_hand():
    out = score(catalogue(normalisation={"method": "robust_z", "mean": 50, "sd": 10}))
    got = out["normalised"].pivot(
        index="unit_id", columns="indicator_id", values="score"
    )
    median = np.median(VALUES, axis=0)
    mad = stats.median_abs_deviation(VALUES, axis=0, scale="normal")
    np.testing.assert_allclose(
        got[IDS].to_numpy(),
        np.clip(50 + 10 * (VALUES - median) / mad, 0, 100),
        rtol=1e-4,
    )  # scipy's normal scale 1.482602… vs 1.4826


@pytest.mark.shared_data
def test_hdi_2021_example_reproduces_the_published_index(shared_data):
    example = load_example("hdi_2021")
    table = example.compare(shared_data)
    assert len(table) == 191
    assert table["diff"].max() <= 0.0005 + 1e-12  # published to 3 decimals
    assert (table["rank"] == table["hdi_rank_2021"]).all()


@pytest.mark.shared_data
def test_wgi_2024_example_reproduces_every_published_percentile_rank(shared_data):
    example = load_example("wgi_2024")
    table = example.compare(shared_data)
    assert len(table) == 30_974 and table["period"].nunique() == 25
    # the published ranks use unrounded estimates: exact where the 2-dp estimates do
    # not tie, and always between the lowest and highest rank of a tie
    assert (table["ours"] == table["pctrank"]).sum() == 22_281
    assert (
        (table["pctrank"] >= table["ours"]) & (table["pctrank"] <= table["ours_max"])
    ).all()


@pytest.mark.shared_data
def test_oflog_example_reproduces_every_mads_from_median(shared_data):
    example = load_example("oflog_asc")
    table = example.compare(shared_data)
    assert len(table) > 6000 and table.groupby(["Code", "period"]).ngroups == 42
    np.testing.assert_allclose(table["mads"], table["MADs_from_median"], atol=1e-7)


def test_reference_unit_normalisation_by_hand():
    cat = catalogue(normalisation={"method": "reference", "unit": "U03"})
    out = score(cat)
    got = out["normalised"].pivot(
        index="unit_id", columns="indicator_id", values="score"
    )
    expected = np.minimum(100 * VALUES / VALUES[3], 100)
    np.testing.assert_allclose(got[IDS].to_numpy(), expected, rtol=1e-12)
    assert (got.loc["U03"] == 100).all()


def test_unknown_reference_unit_is_a_clear_error():
    with pytest.raises(ev.EvaluationError, match="reference unit 'X99'"):
        score(catalogue(normalisation={"method": "reference", "unit": "X99"}))


def test_topsis_and_vikor_nodes_equal_the_kernels_on_the_childrens_scores():
    from pymcdm.methods import TOPSIS, VIKOR
    from pymcdm.normalizations import vector_normalization

    w = np.array(WEIGHTS)
    out = score(catalogue(aggregation={"method": "topsis", "scaling": "vector"}))
    expected = TOPSIS(normalization_function=vector_normalization)(
        VALUES, w, np.ones(4)
    )
    np.testing.assert_allclose(dim_scores(out), 100 * expected, atol=1e-9)
    out = score(catalogue(aggregation={"method": "vikor", "v": 0.5}))
    q = VIKOR(v=0.5)(VALUES, w, np.ones(4))
    np.testing.assert_allclose(dim_scores(out), 100 * (1 - q), atol=1e-9)


def test_benefit_of_the_doubt_node_equals_the_kernel():
    from evaluation.scoring.mcda import bod

    out = score(catalogue(aggregation={"method": "bod", "lower": 0.1, "upper": 0.5}))
    np.testing.assert_allclose(
        dim_scores(out), 100 * bod(VALUES, lower=0.1, upper=0.5), atol=1e-9
    )
    assert dim_scores(out).max() == pytest.approx(100)  # someone is efficient


def test_negative_power_mean_renormalises_over_present_children():
    values = VALUES.copy()
    values[2, 3] = np.nan
    out = score(catalogue(aggregation={"method": "generalised", "p": -1.5}), values)
    w = np.array(WEIGHTS[:3]) / sum(WEIGHTS[:3])
    expected = stats.pmean(values[2, :3], -1.5, weights=w)
    assert dim_scores(out)[2] == pytest.approx(expected, rel=1e-12)


def test_pca_node_weights_are_never_negative():
    rng = np.random.default_rng(8)
    base = rng.uniform(10, 90, size=(15, 1))
    values = np.hstack([base, base + 1, 100 - base, rng.uniform(10, 90, (15, 1))])
    out = score(catalogue(weights={"method": "pca"}), values)
    used = out["weights"].query("node_id == 'dim'")["weight"].to_numpy()
    assert (used >= 0).all() and used.sum() == pytest.approx(1.0)
    total = out["contributions"].groupby("unit_id")["contribution"].sum()
    comp = out["composite"].set_index("unit_id")["composite_score"]
    np.testing.assert_allclose(total[comp.index], comp, atol=1e-9)


def test_copeland_node_equals_the_kernel():
    from evaluation.scoring.mcda import copeland

    out = score(catalogue(aggregation={"method": "copeland"}))
    np.testing.assert_allclose(
        dim_scores(out), 100 * copeland(VALUES, WEIGHTS), atol=1e-12
    )


def test_rank_and_borda_normalisations():
    values = np.array([[10.0, 1, 1, 1], [20, 1, 1, 1], [20, 1, 1, 1], [40, 1, 1, 1]])
    rank = score(catalogue(normalisation={"method": "rank"}), values)
    got = rank["normalised"].query("indicator_id == 'c1'")["score"].to_numpy()
    # descending ranks 4, 2, 2, 1 (ties share the best) -> 100 (n - r)/(n - 1)
    np.testing.assert_allclose(got, 100 * (4 - np.array([4, 2, 2, 1])) / 3)
    borda = score(catalogue(normalisation={"method": "borda"}), values)
    got = borda["normalised"].query("indicator_id == 'c1'")["score"].to_numpy()
    # units beaten: 0, 1, 1, 3 (COINr n_borda) on 0-100
    np.testing.assert_allclose(got, 100 * np.array([0, 1, 1, 3]) / 3)


def test_positive_power_mean_counts_a_zero_child_as_zero():
    values = VALUES.copy()
    values[0, 1] = 0.0
    out = score(catalogue(aggregation={"method": "generalised", "p": 2.5}), values)
    expected = stats.pmean(values[0], 2.5, weights=np.array(WEIGHTS))
    assert dim_scores(out)[0] == pytest.approx(expected, rel=1e-12)
