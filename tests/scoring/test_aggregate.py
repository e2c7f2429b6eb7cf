"""The aggregation engine (:mod:`evaluation.scoring.aggregate`), one draw and many.

Expected values are worked out by hand in the comments, or by plain numpy written
here (a weighted mean is a weighted mean), never by the engine itself."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.catalogue import COMPOSITE, Aggregation, Weights, parse_catalogue
from evaluation.errors import EvaluationError
from evaluation.scoring.aggregate import (
    Node,
    aggregate,
    effective_weights,
    product,
    score_nodes,
    tree,
)

ARITH = Aggregation(method="arithmetic")


def two_levels(method: Aggregation = ARITH, need: float = 0.5):
    """Indicators i0, i1 (weights 1:3) under A; i2 under B; A:B = 2:1."""
    a = Node("A", ("i0", "i1"), np.array([0, 1]), np.array([0.25, 0.75]), need,
             Weights(), method)  # fmt: skip
    b = Node("B", ("i2",), np.array([2]), np.array([1.0]), need, Weights(), method)
    top = Node(COMPOSITE, ("A", "B"), np.array([-1, -1]), np.array([2 / 3, 1 / 3]),
               need, Weights(), method)  # fmt: skip
    return (a, b, top)


def local(node: Node, x: np.ndarray) -> np.ndarray:
    return node.local[None, None, :]


X = np.array(
    [
        [
            40.0,
            80.0,
            10.0,
        ],  # A = .25·40 + .75·80 = 70; composite = 2/3·70 + 1/3·10 = 50
        [100.0, np.nan, 70.0],  # A = 100 (i1 missing: i0's weight renormalised to 1)
        [np.nan, np.nan, 30.0],  # A has no child: composite from B alone = 30
    ]
)


def test_arithmetic_two_levels_by_hand():
    rolled = score_nodes(X, two_levels(need=0.2), local)
    np.testing.assert_allclose(rolled.values["A"][0], [70, 100, np.nan])
    # unit 1: 2/3·100 + 1/3·70 = 90; unit 2: only B present (coverage 1/3 ≥ 0.2)
    np.testing.assert_allclose(rolled.values[COMPOSITE][0], [50, 90, 30])
    np.testing.assert_allclose(rolled.coverage[COMPOSITE][0], [1, 1, 1 / 3])
    np.testing.assert_allclose(rolled.coverage["A"][0], [1, 0.25, 0])


def test_coverage_rule_scores_a_node_only_above_min_coverage():
    rolled = score_nodes(X, two_levels(need=0.3), local)
    assert rolled.values[COMPOSITE][0, 2] == pytest.approx(30.0)  # 1/3 ≥ 0.3
    rolled = score_nodes(X, two_levels(need=0.5), local)
    # unit 1's A covers 0.25 of its weight: A unscored, composite from B (1/3 < 0.5)
    assert np.isnan(rolled.values["A"][0, 1])
    assert np.isnan(rolled.values[COMPOSITE][0, 1])


def test_geometric_zero_child_scores_zero_or_is_an_error():
    x = np.array([[0.0, 50.0, 20.0], [25.0, 100.0, 64.0]])
    geo = Aggregation(method="geometric")
    rolled = score_nodes(x, two_levels(geo), local)
    # unit 1: A = 25^.25 · 100^.75 = 70.7107; composite = A^(2/3) · 64^(1/3)
    a = 25**0.25 * 100**0.75
    np.testing.assert_allclose(rolled.values["A"][0], [0.0, a])
    np.testing.assert_allclose(rolled.values[COMPOSITE][0], [0.0, a ** (2 / 3) * 4])
    with pytest.raises(EvaluationError, match="child scores 0"):
        score_nodes(x, two_levels(Aggregation(method="geometric", zero="error")), local)


def draws_and_leaves(seed: int = 0, d: int = 7, n: int = 40):
    rng = np.random.default_rng(seed)
    leaves = rng.uniform(0, 100, (n, 3))
    nodes = two_levels()
    weights = {node.id: node.local * rng.uniform(0.5, 1.5, (d, len(node.children)))
               for node in nodes}  # fmt: skip
    return leaves, nodes, weights


def by_hand(leaves, weights):
    """The two-level weighted mean written out with numpy, per draw."""
    wa = weights["A"] / weights["A"].sum(axis=1, keepdims=True)
    a = wa @ leaves[:, :2].T
    b = np.broadcast_to(leaves[:, 2], a.shape)
    wt = weights[COMPOSITE] / weights[COMPOSITE].sum(axis=1, keepdims=True)
    return wt[:, :1] * a + wt[:, 1:] * b


def test_fast_path_by_draw_equals_the_weighted_mean_written_out():
    leaves, nodes, weights = draws_and_leaves()
    fast = score_nodes(leaves, nodes, weights)  # complete, arithmetic: one product
    assert set(fast.values) == {COMPOSITE}
    np.testing.assert_allclose(fast.values[COMPOSITE], by_hand(leaves, weights),
                               rtol=0, atol=1e-12)  # fmt: skip


def test_fast_path_equals_node_by_node_with_a_gap_and_a_left_out_indicator():
    leaves, nodes, weights = draws_and_leaves(1)
    node_path = score_nodes(leaves, nodes, lambda n, x: weights[n.id][:, None, :])
    fast = score_nodes(leaves, nodes, weights)
    np.testing.assert_allclose(fast.values[COMPOSITE], node_path.values[COMPOSITE],
                               rtol=0, atol=1e-12)  # fmt: skip
    absent = np.zeros((len(weights["A"]), 3), dtype=bool)
    absent[2, 0] = True  # draw 2 leaves i0 out: A is i1 alone
    left_out = score_nodes(leaves, nodes, weights, absent=absent).values[COMPOSITE]
    wt = weights[COMPOSITE][2] / weights[COMPOSITE][2].sum()
    np.testing.assert_allclose(left_out[2], wt[0] * leaves[:, 1] + wt[1] * leaves[:, 2])


def test_a_draw_scores_the_same_bits_alone_or_in_a_block():
    leaves, nodes, weights = draws_and_leaves(2, d=300)
    block = score_nodes(leaves, nodes, weights).values[COMPOSITE]
    alone = score_nodes(leaves, nodes, {k: v[[150]] for k, v in weights.items()})
    assert np.array_equal(alone.values[COMPOSITE][0], block[150])


def test_effective_weights_sum_to_one_and_reproduce_the_composite():
    leaves, nodes, weights = draws_and_leaves(3)
    e = effective_weights(nodes, weights, None)
    np.testing.assert_allclose(e.sum(axis=1), 1.0)
    np.testing.assert_allclose(product(e, leaves), by_hand(leaves, weights), atol=1e-12)


def test_pipeline_contributions_add_up_to_the_composite_on_a_geometric_node(
    catalogue,
):
    ids = [i.id for i in catalogue.indicators if i.frequency == "monthly"]
    rng = np.random.default_rng(5)
    index = pd.MultiIndex.from_product(
        [["2025-M01", "2025-M02"], [f"U{u}" for u in range(30)]],
        names=["period", "unit_id"],
    )
    scores = pd.DataFrame(rng.uniform(1, 100, (60, len(ids))), index=index, columns=ids)
    scores.iloc[::7, 1] = np.nan
    raw = catalogue.model_dump(mode="json")
    raw["settings"]["aggregation"] = {"method": "geometric"}
    for dim in raw["dimensions"]:
        dim["aggregation"] = {"method": "geometric"}
    agg = aggregate(scores, parse_catalogue(raw))
    got = agg.contributions.sum(axis=1)
    np.testing.assert_allclose(got, agg.scores[COMPOSITE].fillna(0), atol=1e-9)


def test_tree_keeps_only_nodes_with_an_indicator_below(catalogue):
    monthly = [i.id for i in catalogue.indicators if i.frequency == "monthly"]
    nodes = tree(catalogue, monthly)
    assert nodes[-1].id == COMPOSITE
    below = {k for n in nodes for k in n.children}
    assert set(monthly) <= below
    # with every indicator (an annual period) each node's children are all there
    for node in tree(catalogue, [i.id for i in catalogue.indicators]):
        np.testing.assert_allclose(node.local.sum(), 1.0)


def wide_catalogue(weights: str, n_dims: int = 3, per_dim: int = 10):
    """``n_dims`` dimensions of ``per_dim`` indicators each (weights 1–4), the
    indicators interleaved across dimensions: sums of 8 or more children, whose
    order of addition NumPy sets by the layout of the array summed."""
    indicators = [
        {
            "id": f"i{k}", "parent": f"d{k % n_dims}", "weight": 1 + k % 4,
            "name_zh": f"指标{k}", "name_en": f"I{k}", "definition_zh": "-",
            "definition_en": "-", "unit_zh": "分", "unit_en": "points",
            "direction": "higher", "agency": "a", "frequency": "annual",
            "rollup": "last", "normalisation": {"method": "minmax"},
            "valid": {"min": 0, "max": 100},
        }
        for k in range(n_dims * per_dim)
    ]  # fmt: skip
    dims = [
        {"id": f"d{k}", "name_zh": f"维度{k}", "name_en": f"D{k}",
         "weights": {"method": weights}}
        for k in range(n_dims)
    ]  # fmt: skip
    return parse_catalogue(
        {
            "id": "wide",
            "version": "1",
            "name_zh": "宽",
            "name_en": "Wide",
            "agencies": [{"id": "a", "name_zh": "甲", "name_en": "A"}],
            "peer_groups": [{"id": "g", "name_zh": "组", "name_en": "G"}],
            "dimensions": dims,
            "indicators": indicators,
        }  # fmt: skip
    )


@pytest.mark.parametrize("n_units", [30, 4000])  # 4,000 × 10 children: NumPy reuses
# temporaries above 256 KiB, and that sets the layout, so the order, of a sum
@pytest.mark.parametrize("weights", ["manual", "entropy"])
@pytest.mark.parametrize("own_memory", [True, False])
def test_complete_data_branch_gives_the_node_by_node_bits(
    monkeypatch, n_units, weights, own_memory
):
    """With every score present, ``score_nodes`` skips the presence masks (and
    ``aggregate`` hands fixed weights over as one row): every table is identical to
    the last bit to the general node-by-node path's, forced here by patching the
    branch off (node by node: the pipeline's one product is patched off too)."""
    import evaluation.scoring.aggregate as A

    monkeypatch.setattr(A, "_complete", lambda nodes, gap: None)
    cat = wide_catalogue(weights)
    ids = [i.id for i in cat.indicators]
    index = pd.MultiIndex.from_product(
        [["2024", "2025"], [f"U{u}" for u in range(n_units)]],
        names=["period", "unit_id"],
    )
    values = np.random.default_rng(11).uniform(0, 100, (len(index), len(ids)))
    values[::5, :] = 100.0  # every child at the top: a mean may round above 100
    scores = pd.DataFrame(values, index=index, columns=ids, copy=not own_memory)
    taken = []
    step_whole = A._step_whole
    monkeypatch.setattr(
        A, "_step_whole", lambda x, w: taken.append(1) or step_whole(x, w)
    )
    fast = aggregate(scores, cat)
    assert len(taken) == len(tree(cat, ids))  # every node by the branch
    monkeypatch.setattr(A, "_whole", lambda node, x, w: False)
    general = aggregate(scores, cat)
    for name in ["scores", "coverage", "weights", "contributions", "node_weights"]:
        pd.testing.assert_frame_equal(
            getattr(fast, name), getattr(general, name), check_exact=True
        )


@pytest.mark.parametrize("own_memory", [True, False])
def test_complete_data_scores_every_node_by_one_product(monkeypatch, own_memory):
    """Every indicator scored, arithmetic means, weights from the catalogue: one
    matrix product scores every node. It agrees with the node-by-node path to
    rounding (a product adds in another order), its weights are the same, rows
    still add up to the composite, and one gap sends the data down the general
    path."""
    import evaluation.scoring.aggregate as A

    cat = wide_catalogue("manual", n_dims=3, per_dim=4)
    ids = [i.id for i in cat.indicators]
    index = pd.MultiIndex.from_product(
        [["2024", "2025"], [f"U{u}" for u in range(50)]], names=["period", "unit_id"]
    )
    values = np.random.default_rng(5).uniform(0, 100, (len(index), len(ids)))
    scores = pd.DataFrame(values, index=index, columns=ids, copy=not own_memory)
    products = []
    product = A.product
    monkeypatch.setattr(A, "product", lambda w, x: products.append(1) or product(w, x))
    fast = aggregate(scores, cat)
    assert products == [1]  # every node by the one product
    # by hand: indicator k weighs 1 + k % 4 in dimension k % 3; the three
    # dimensions weigh alike
    weight = 1 + np.arange(12) % 4
    dims = [
        values[:, k::3] @ weight[k::3] / weight[k::3].sum() for k in range(3)
    ]  # fmt: skip
    np.testing.assert_allclose(fast.scores["d0"], dims[0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(fast.composite, sum(dims) / 3, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        fast.contributions.sum(axis=1), fast.composite, rtol=0, atol=1e-12
    )
    with monkeypatch.context() as m:
        m.setattr(A, "_complete", lambda nodes, gap: None)
        general = aggregate(scores, cat)
    for name in ["scores", "coverage", "weights", "contributions", "node_weights"]:
        pd.testing.assert_frame_equal(
            getattr(fast, name), getattr(general, name), rtol=0, atol=1e-12
        )
    fast.weights.iloc[0, 0] = 0.5  # the reader's own table, to change at will
    assert fast.weights.iloc[1, 0] != 0.5
    gap = scores.copy()
    gap.iloc[3, 2] = np.nan
    products.clear()
    aggregate(gap, cat)
    assert products == []  # a gap: node by node


def test_no_rows_give_empty_tables():
    """No unit, no score: empty tables, not an error (the complete-data path
    leaves it to the general one)."""
    cat = wide_catalogue("manual")
    ids = [i.id for i in cat.indicators]
    index = pd.MultiIndex.from_arrays([[], []], names=["period", "unit_id"])
    agg = aggregate(
        pd.DataFrame(np.empty((0, len(ids))), index=index, columns=ids), cat
    )
    assert agg.scores.shape == (0, 4) and agg.weights.shape == (0, len(ids))
