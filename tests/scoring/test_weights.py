"""``evaluation.weights``: hand calculations, edge cases and properties (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from evaluation.catalogue import AHP, Weights
from evaluation.errors import EvaluationError
from evaluation.scoring import weights as W

# -- hand calculations ----------------------------------------------------------------


def test_entropy_2x2_by_hand():
    # column 1: p = (1/5, 4/5); column 2: p = (2/18, 16/18); m = 2 so ln m = ln 2
    e1 = -(0.2 * math.log(0.2) + 0.8 * math.log(0.8)) / math.log(2)
    e2 = -(1 / 9 * math.log(1 / 9) + 8 / 9 * math.log(8 / 9)) / math.log(2)
    d = np.array([1 - e1, 1 - e2])
    got = W.entropy(np.array([[1, 2], [4, 16]]))
    np.testing.assert_allclose(got, d / d.sum(), atol=1e-15)
    np.testing.assert_allclose(got, [0.358889, 0.641111], atol=1e-6)


def test_sd_2x2_by_hand():
    # SDs |4 − 1| / √2 and |16 − 2| / √2: ratio 3 : 14
    np.testing.assert_allclose(W.sd(np.array([[1, 2], [4, 16]])), [3 / 17, 14 / 17])


def test_critic_by_hand():
    # Scaled to [0, 1] all three columns have the same σ; a and b agree (r = 1),
    # c opposes both (r = −1): C = σ·(0 + 0 + 2), σ·(0 + 0 + 2), σ·(2 + 2 + 0).
    a = np.array([0.0, 1, 2])
    x = np.column_stack([a, 5 * a + 7, 2 - a])
    np.testing.assert_allclose(W.critic(x), [0.25, 0.25, 0.5], atol=1e-15)


def test_pca_by_hand():
    # a twice and b uncorrelated with a: correlation [[1, 1, 0], [1, 1, 0], [0, 0, 1]],
    # first component (1, 1, 0)/√2 (eigenvalue 2) → weights (½, ½, 0) either way.
    a, b = np.array([1.0, 2, 3, 4]), np.array([1.0, -1, -1, 1])
    x = np.column_stack([a, 10 * a + 3, b + 5])
    np.testing.assert_allclose(W.pca(x), [0.5, 0.5, 0], atol=1e-12)
    np.testing.assert_allclose(W.pca(x, squared=True), [0.5, 0.5, 0], atol=1e-12)


def test_pca_signed_loadings_follow_coinr():
    # a, a, −a: first component (1, 1, −1)/√3 (sum positive): signed weights keep the
    # minus sign (COINr), squared loadings do not (Handbook).
    a = np.array([1.0, 2, 4, 8])
    x = np.column_stack([a, a, 10 - a])
    np.testing.assert_allclose(W.pca(x), [1, 1, -1], atol=1e-12)
    np.testing.assert_allclose(W.pca(x, squared=True), [1 / 3] * 3, atol=1e-12)
    # loadings that cancel (a, −a) carry no usable signed information: equal weights
    np.testing.assert_allclose(W.pca(x[:, 1:]), [0.5, 0.5])


def consistent(w) -> np.ndarray:
    w = np.asarray(w, dtype=float)
    return np.outer(w, 1 / w)  # a_ij = w_i / w_j


@pytest.mark.parametrize("method", ["eigenvector", "geometric"])
def test_ahp_consistent_matrix_gives_back_its_weights(method):
    w0 = np.array([0.5, 0.3, 0.2])
    w, cr, ci, lam = W.ahp(consistent(w0), method=method)
    np.testing.assert_allclose(w, w0, atol=1e-12)
    assert lam == pytest.approx(3, abs=1e-12)
    assert ci == pytest.approx(0, abs=1e-12) and cr == pytest.approx(0, abs=1e-12)


def test_row_geometric_mean_equals_eigenvector_on_a_consistent_matrix():
    a = consistent([0.4, 0.25, 0.2, 0.1, 0.05])
    eig, *_ = W.ahp(a, method="eigenvector")
    geo, *_ = W.ahp(a, method="geometric")
    np.testing.assert_allclose(geo, eig, atol=1e-12)
    # and the geometric mean is the normalised row products to the power 1/n
    rows = np.prod(a, axis=1) ** (1 / 5)
    np.testing.assert_allclose(geo, rows / rows.sum(), atol=1e-12)


def test_ahp_small_matrices_have_no_inconsistency():
    w, cr, ci, lam = W.ahp([[1]])
    assert w.tolist() == [1.0] and cr == ci == 0
    w, cr, ci, _ = W.ahp([[1, 3], [1 / 3, 1]])
    np.testing.assert_allclose(w, [0.75, 0.25])
    assert cr == ci == 0


def test_ahp_consistency_ratio_by_hand():
    # λmax = mean((A w) / w) for the row geometric mean w; CI = (λ − n)/(n − 1)
    a = np.array([[1, 2, 6], [1 / 2, 1, 4], [1 / 6, 1 / 4, 1]])
    w = np.cbrt([12, 2, 1 / 24])
    w = w / w.sum()
    lam = np.mean(a @ w / w)
    got, cr, ci, lam_got = W.ahp(a, method="geometric", random_index="saaty")
    np.testing.assert_allclose(got, w, atol=1e-15)
    assert lam_got == pytest.approx(lam, abs=1e-12)
    assert ci == pytest.approx((lam - 3) / 2, abs=1e-12)
    assert cr == pytest.approx((lam - 3) / 2 / 0.58, abs=1e-12)
    # eigenvector: λmax is the principal eigenvalue, ≥ n
    _, cr_e, _, lam_e = W.ahp(a)
    assert lam_e == pytest.approx(max(np.linalg.eigvals(a).real)) and lam_e >= 3
    assert 0 < cr_e < 0.1


def test_most_inconsistent_points_at_a_planted_bad_judgement():
    a = consistent([0.3, 0.25, 0.2, 0.15, 0.1])
    a[1, 3], a[3, 1] = 1 / 4, 4  # should be 0.25/0.15 ≈ 1.67
    w, cr, _, _ = W.ahp(a)
    assert cr >= 0.1
    i, j, implied = W.most_inconsistent(a, w)
    assert (i, j) == (1, 3)
    assert implied == pytest.approx(w[1] / w[3])
    assert implied > a[1, 3]  # the weights pull back towards 0.25 / 0.15
    # reciprocal judgement planted below the diagonal: reported as (i < j)
    b = consistent([0.3, 0.25, 0.2, 0.15, 0.1])
    b[4, 0], b[0, 4] = 5, 1 / 5
    assert W.most_inconsistent(b, W.ahp(b)[0])[:2] == (0, 4)


def test_most_inconsistent_on_a_consistent_matrix_is_still_a_pair():
    i, j, implied = W.most_inconsistent(np.ones((3, 3)), np.full(3, 1 / 3))
    assert 0 <= i < j < 3 and implied == 1


def test_blend_by_hand():
    s, o = np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.2, 0.6])
    np.testing.assert_allclose(W.blend(s, o, alpha=0.7), [0.41, 0.27, 0.32])
    np.testing.assert_allclose(W.blend(s, o), [0.35, 0.25, 0.40])
    # s·o = (0.10, 0.06, 0.12), sum 0.28
    np.testing.assert_allclose(
        W.blend(s, o, how="multiplicative"), [0.10 / 0.28, 0.06 / 0.28, 0.12 / 0.28]
    )
    # inputs need not be normalised; α = 1 / 0 give one side back
    np.testing.assert_allclose(
        W.blend([5, 3, 2], [1, 1, 3], alpha=0.7), [0.41, 0.27, 0.32]
    )
    np.testing.assert_allclose(W.blend(s, o, alpha=1), s)
    np.testing.assert_allclose(W.blend(s, o, alpha=0), o)


def test_blend_rejects_bad_arguments():
    with pytest.raises(ValueError, match="alpha"):
        W.blend([1, 1], [1, 1], alpha=1.5)
    with pytest.raises(ValueError, match="multiplicative"):
        W.blend([1, 1], [1, 1], how="geometric")


def test_equal_and_the_objective_table():
    np.testing.assert_allclose(W.equal(np.zeros((4, 5))), [0.2] * 5)
    assert set(W.OBJECTIVE) == {
        "equal",
        "entropy",
        "sd",
        "critic",
        "pca",
        "pca_squared",
    }
    x = np.random.default_rng(3).uniform(0, 100, (10, 4))
    np.testing.assert_array_equal(W.OBJECTIVE["pca_squared"](x), W.pca(x, squared=True))


def test_random_index_tables():
    for name, table in W.RANDOM_INDEX.items():
        assert len(table) == 15 and table[0] == table[1] == 0, name
        assert all(a < b for a, b in zip(table[1:10], table[2:11], strict=True)), name
    assert W.RANDOM_INDEX["saaty"][2:7] == (0.58, 0.90, 1.12, 1.24, 1.32)


# -- edge cases -----------------------------------------------------------------------


@pytest.mark.parametrize("level", [0.0, 0.1, 1 / 3, 33.3, 100.0])
def test_constant_column_gets_no_weight(level):
    # constants chosen so that rounding makes p·ln p or the SD a hair off 1 / 0
    x = np.column_stack([np.full(7, level), np.arange(7.0) + 50, np.arange(7.0) ** 2])
    for name in ("entropy", "sd", "critic", "pca_squared", "pca"):
        w = W.OBJECTIVE[name](x)
        assert np.isfinite(w).all(), name
        assert w[0] == 0, (name, w)
        assert w.sum() == pytest.approx(1, abs=1e-12), name


@pytest.mark.parametrize("name", sorted(W.OBJECTIVE))
@pytest.mark.parametrize("levels", [[0.1, 5.0, 33.3], [0.0, 0.0, 0.0], [100, 1 / 3, 7]])
def test_all_constant_matrix_gives_equal_weights(name, levels):
    x = np.tile(levels, (7, 1))
    np.testing.assert_array_equal(W.OBJECTIVE[name](x), [1 / 3] * 3)


def present_entropy(col: np.ndarray) -> float:
    col = col[~np.isnan(col)]
    p = col / col.sum()
    return -float(np.sum(p[p > 0] * np.log(p[p > 0]))) / math.log(len(col))


def test_missing_cells_are_left_out_cell_by_cell():
    x = np.array(
        [
            [10, 20, 5],
            [30, np.nan, 8],
            [50, 60, np.nan],
            [70, 0, 9],
            [np.nan, 40, 1],
            [20, 30, 2],
            [90, 10, 4],
        ]
    )
    d = np.array([1 - present_entropy(x[:, j]) for j in range(3)])
    np.testing.assert_allclose(W.entropy(x), d / d.sum(), atol=1e-15)
    s = np.array([np.std(c[~np.isnan(c)], ddof=1) for c in x.T])
    np.testing.assert_allclose(W.sd(x), s / s.sum(), atol=1e-15)
    w = W.critic(x)
    assert np.isfinite(w).all() and w.sum() == pytest.approx(1, abs=1e-12)
    # PCA on complete rows only
    full = ~np.isnan(x).any(axis=1)
    np.testing.assert_array_equal(W.pca(x), W.pca(x[full]))


def test_a_column_with_one_value_has_no_spread():
    # one present value: no SD, no information, weight 0 (not NaN, not equal weights)
    x = np.array([[1, np.nan, 0], [2, 5, 0], [4, np.nan, np.nan], [8, np.nan, 0]])
    for name in ("entropy", "sd", "critic"):
        np.testing.assert_array_equal(W.OBJECTIVE[name](x), [1, 0, 0])


def test_entropy_refuses_negative_values():
    with pytest.raises(ValueError, match="non-negative"):
        W.entropy(np.array([[1.0, 2], [-0.5, 3], [2, np.nan]]))


def test_entropy_zero_cells_count_as_0_ln_0():
    # column (0, 1, 1): p = (0, ½, ½), e = ln 2 / ln 3
    d = np.array(
        [1 - math.log(2) / math.log(3), 1 - present_entropy(np.array([1.0, 2, 3]))]
    )
    got = W.entropy(np.array([[0, 1], [1, 2], [1, 3.0]]))
    np.testing.assert_allclose(got, d / d.sum(), atol=1e-15)


@pytest.mark.parametrize(
    "matrix",
    [
        np.ones((2, 3)),
        np.ones(3),
        np.ones((2, 2, 2)),
        np.ones((0, 0)),
        np.array(1.0),
    ],
    ids=["2x3", "vector", "3d", "empty", "scalar"],
)
def test_ahp_refuses_a_matrix_that_is_not_square(matrix):
    with pytest.raises(ValueError, match="square"):
        W.ahp(matrix)


def test_ahp_refuses_bad_judgements_and_methods():
    with pytest.raises(ValueError, match="positive"):
        W.ahp([[1, 0], [np.inf, 1]])
    with pytest.raises(ValueError, match="positive"):
        W.ahp([[1, -2], [-0.5, 1]])
    with pytest.raises(ValueError, match="eigenvector"):
        W.ahp(np.ones((3, 3)), method="mean")


def test_pca_needs_three_complete_rows():
    x = np.array([[1, 2], [3, np.nan], [5, 6], [np.nan, 1], [2, 2.0]])
    W.pca(x)  # three complete rows: fine
    x[4, 0] = np.nan
    with pytest.raises(ValueError, match="at least 3"):
        W.pca(x)
    with pytest.raises(ValueError, match="at least 3"):
        W.pca(np.ones((2, 4)))


def test_most_inconsistent_refuses_mismatched_input():
    with pytest.raises(ValueError):
        W.most_inconsistent(np.ones((3, 3)), [0.5, 0.5])
    with pytest.raises(ValueError):
        W.most_inconsistent([[1]], [1])


# -- properties -----------------------------------------------------------------------

SETTINGS = settings(max_examples=150, deadline=None)

matrices = st.tuples(st.integers(3, 12), st.integers(1, 6)).flatmap(
    lambda shape: arrays(
        np.float64, shape, elements=st.floats(0, 100, allow_nan=False, width=64)
    )
)


def check_weights(name: str, w: np.ndarray, n: int) -> None:
    assert w.shape == (n,)
    assert np.isfinite(w).all(), (name, w)
    if name == "pca":  # signed loadings (COINr) may be negative, by design
        assert abs(w.sum() - 1) <= 1e-12 * max(1.0, float(np.abs(w).max())), w
    else:
        assert (w >= 0).all(), (name, w)
        assert abs(w.sum() - 1) <= 1e-12, (name, w)


@SETTINGS
@given(matrices)
def test_objective_weights_are_finite_non_negative_and_sum_to_1(x):
    for name, kernel in W.OBJECTIVE.items():
        check_weights(name, kernel(x), x.shape[1])


def well_defined_pca(x: np.ndarray) -> bool:
    """First component separated from the second (else its direction is arbitrary)
    and, signed, loadings that do not nearly cancel out."""
    span = np.ptp(x, axis=0)
    z = (x - x.min(axis=0))[:, span > 0] / span[span > 0]  # no underflow in corrcoef
    if z.shape[1] < 2:
        return True
    values, vectors = np.linalg.eigh(np.corrcoef(z, rowvar=False))
    return values[-1] - values[-2] > 1e-3 and abs(vectors[:, -1].sum()) > 1e-3


@SETTINGS
@given(matrices, st.randoms(use_true_random=False))
def test_permuting_units_leaves_weights_unchanged(x, rnd):
    order = list(range(len(x)))
    rnd.shuffle(order)
    for name, kernel in W.OBJECTIVE.items():
        if name.startswith("pca") and not well_defined_pca(x):
            continue
        np.testing.assert_allclose(kernel(x[order]), kernel(x), atol=1e-9, err_msg=name)


@SETTINGS
@given(matrices, st.randoms(use_true_random=False))
def test_permuting_criteria_permutes_weights(x, rnd):
    order = list(range(x.shape[1]))
    rnd.shuffle(order)
    for name, kernel in W.OBJECTIVE.items():
        if name.startswith("pca") and not well_defined_pca(x):
            continue
        np.testing.assert_allclose(
            kernel(x[:, order]), kernel(x)[order], atol=1e-9, err_msg=name
        )


saaty_scale = st.sampled_from([1 / 9, 1 / 7, 1 / 5, 1 / 3, 1, 3, 5, 7, 9])


@SETTINGS
@given(
    st.integers(1, 9).flatmap(
        lambda n: st.lists(saaty_scale, min_size=n * n, max_size=n * n)
    )
)
def test_ahp_on_any_reciprocal_matrix(values):
    n = math.isqrt(len(values))
    a = np.ones((n, n))
    iu = np.triu_indices(n, 1)
    a[iu] = np.array(values).reshape(n, n)[iu]
    a[iu[1], iu[0]] = 1 / a[iu]
    for method in ("eigenvector", "geometric"):
        w, cr, ci, lam = W.ahp(a, method=method)
        assert np.isfinite(w).all() and (w > 0).all()
        assert abs(w.sum() - 1) <= 1e-12
        assert lam >= n - 1e-9 and ci >= -1e-12 and np.isfinite(cr)
    if n >= 2:
        i, j, implied = W.most_inconsistent(a, w)
        assert 0 <= i < j < n and implied > 0


@SETTINGS
@given(st.lists(st.floats(0.01, 1), min_size=1, max_size=15))
def test_ahp_recovers_the_weights_of_a_consistent_matrix(raw):
    w0 = np.array(raw) / sum(raw)
    for method in ("eigenvector", "geometric"):
        w, cr, _, _ = W.ahp(consistent(w0), method=method)
        np.testing.assert_allclose(w, w0, atol=1e-9)
        assert abs(cr) < 1e-9


@SETTINGS
@given(
    st.integers(1, 8).flatmap(
        lambda n: st.tuples(*[st.lists(st.floats(0, 10), min_size=n, max_size=n)] * 2)
    ),
    st.floats(0, 1),
    st.sampled_from(["linear", "multiplicative"]),
)
def test_blend_returns_weights(pair, alpha, how):
    s, o = pair
    assume(sum(s) > 0 and sum(o) > 0)
    w = W.blend(s, o, alpha=alpha, how=how)
    assert np.isfinite(w).all() and (w >= 0).all()
    assert abs(w.sum() - 1) <= 1e-12
    if how == "linear":  # between the two (normalised) inputs, element by element
        s_, o_ = np.array(s) / sum(s), np.array(o) / sum(o)
        assert (w >= np.minimum(s_, o_) - 1e-12).all()
        assert (w <= np.maximum(s_, o_) + 1e-12).all()


@SETTINGS
@given(
    st.tuples(st.integers(3, 12), st.integers(1, 6)).flatmap(
        lambda shape: arrays(
            np.float64,
            shape,
            elements=st.one_of(st.floats(0, 100), st.just(np.nan)),
        )
    )
)
def test_missing_cells_never_break_the_weights(x):
    for name, kernel in W.OBJECTIVE.items():
        try:
            w = kernel(x)
        except ValueError as exc:  # PCA: fewer than 3 complete rows
            assert name.startswith("pca") and "at least 3" in str(exc)
            continue
        check_weights(name, w, x.shape[1])


# -- a node's weights, by its catalogue method (W.METHODS) ----------------------------

PERIODS = np.array(["A", "A", "A", "B", "B", "B"])
#: period A: SDs 10 and 5 (weights 2/3, 1/3); period B: the first column is constant
SCORES = np.array([[0, 0], [10, 5], [20, 10], [7, 0], [7, 2], [7, 4]], dtype=float)
CONSISTENT = ((1, 2, 4), (0.5, 1, 2), (0.25, 0.5, 1))  # weights 4/7, 2/7, 1/7


def node(method: str, **kw):
    return Weights(method=method, **kw)


def test_manual_and_equal_node_weights_are_the_same_in_every_row():
    x = SCORES[:, :2]
    got = W.node_weights(node("manual"), x, PERIODS, np.array([0.7, 0.3]), ["a", "b"])
    np.testing.assert_array_equal(got, [[0.7, 0.3]] * 6)
    got = W.node_weights(node("equal"), x, PERIODS, np.array([0.7, 0.3]), ["a", "b"])
    np.testing.assert_array_equal(got, [[0.5, 0.5]] * 6)


def test_ahp_node_weights_follow_the_children_that_apply():
    spec = node("ahp", ahp=AHP(children=("a", "b", "c"), matrix=CONSISTENT))
    x = np.zeros((2, 3))
    got = W.node_weights(spec, x, PERIODS[:2], np.full(3, 1 / 3), ["a", "b", "c"])
    np.testing.assert_allclose(got, [[4 / 7, 2 / 7, 1 / 7]] * 2, atol=1e-12)
    # only c and a apply in the period: 1/7 and 4/7 renormalised, in the kids' order
    got = W.node_weights(spec, x[:, :2], PERIODS[:2], np.full(2, 0.5), ["c", "a"])
    np.testing.assert_allclose(got, [[0.2, 0.8]] * 2, atol=1e-12)


def test_data_driven_node_weights_are_set_by_each_period():
    got = W.node_weights(node("sd"), SCORES, PERIODS, np.full(2, 0.5), ["a", "b"])
    np.testing.assert_allclose(got[:3], [[2 / 3, 1 / 3]] * 3, atol=1e-12)
    np.testing.assert_allclose(got[3:], [[0, 1]] * 3, atol=1e-12)


def test_a_linear_blend_averages_the_two_sides():
    spec = node("blend", subjective="manual", objective="sd", alpha=0.5)
    got = W.node_weights(spec, SCORES, PERIODS, np.array([0.5, 0.5]), ["a", "b"])
    # A: (0.5 + 2/3) / 2, (0.5 + 1/3) / 2; B: (0.5 + 0) / 2, (0.5 + 1) / 2
    np.testing.assert_allclose(got[0], [7 / 12, 5 / 12], atol=1e-12)
    np.testing.assert_allclose(got[3], [0.25, 0.75], atol=1e-12)


def test_a_data_driven_failure_names_the_weights_the_children_and_the_period():
    x = SCORES.copy()
    x[:2, 0] = np.nan  # period A has one complete row: PCA needs three
    with pytest.raises(
        EvaluationError, match=r"pca weights for a, b in A: .*at least 3"
    ):
        W.node_weights(node("pca"), x, PERIODS, np.full(2, 0.5), ["a", "b"])


@pytest.mark.parametrize("method", sorted(set(W.METHODS) - {"ahp"}))
def test_every_node_method_gives_non_negative_weights_summing_to_one(method):
    got = W.node_weights(
        node(method), SCORES, PERIODS, np.array([0.6, 0.4]), ["a", "b"]
    )
    assert got.shape == SCORES.shape and (got >= 0).all()
    np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-12)


def test_ahp_and_blend_kernels_are_named_by_registries():
    with pytest.raises(ValueError, match="'eigenvector' or 'geometric'"):
        W.ahp(np.ones((2, 2)), method="mean")
    with pytest.raises(ValueError, match="'linear' or 'multiplicative'"):
        W.blend([1, 1], [1, 3], how="mean")
    np.testing.assert_allclose(
        W.blend([1, 1], [1, 3], how="multiplicative"), [0.25, 0.75]
    )
