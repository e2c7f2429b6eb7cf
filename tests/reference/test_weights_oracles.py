"""Weight kernels (``evaluation.weights``) against published worked examples and
independent libraries.

* Oracles in ``../shared/data/oracles`` (see its ``SOURCE.md``): entropy, CRITIC and
  SD weights from Elsayed et al. 2017, Diakoulaki et al. 1995, Tuş & Adalı 2019,
  Jahan & Edwards 2013 and scikit-criteria's own tests; AHP weights and consistency
  ratios from Saaty 2008 (drinks), Wang & Chin 2011 and Wikipedia's leader example
  (with its two-level synthesis done here by hand). Each within the oracle's own
  stated tolerance.
* Random matrices (seeded) to 1e-9 against pymcdm, scikit-criteria and
  scikit-learn's ``PCA``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from evaluation.scoring import weights as W

pytestmark = pytest.mark.shared_data


def oracle(shared_data: Path, name: str) -> dict:
    return json.loads((shared_data / "oracles" / f"{name}.json").read_text("utf-8"))


def max_diff(got, expected) -> float:
    return float(np.max(np.abs(np.asarray(got, float) - np.asarray(expected, float))))


def from_comparisons(elements: list[str], comparisons: dict[str, float]) -> np.ndarray:
    """Reciprocal matrix from ``{"a>b": v}`` (a is v times b); 1 on the diagonal."""
    index = {e: k for k, e in enumerate(elements)}
    a = np.ones((len(elements), len(elements)))
    for pair, v in comparisons.items():
        i, j = (index[e] for e in pair.split(">"))
        a[i, j], a[j, i] = v, 1 / v
    return a


# -- objective weights: entropy, CRITIC, SD -------------------------------------------

OBJECTIVE_ORACLES = [
    # entropy ignores directions in the source libraries (the notes say so for
    # Elsayed; skcriteria's EntropyWeighter ignores the 2×2's directions and prior
    # weights too, which its expected values bear out): raw matrix in, as here.
    ("entropy_elsayed2017", W.entropy),
    ("entropy_skc_2x2", W.entropy),
    # CRITIC: every column a benefit (Diakoulaki: all "max"; Tuş & Adalı: notes say
    # all columns treated as benefit), min–max scaled, Pearson — our convention.
    ("critic_diakoulaki1995", W.critic),
    ("critic_tus_adali2019", W.critic),
    # SD: ddof does not matter (the notes: the factor cancels in the ratio).
    ("std_jahan2013", W.sd),
    ("std_skc_2x2", W.sd),
]


@pytest.mark.parametrize(
    ("name", "kernel"), OBJECTIVE_ORACLES, ids=[n for n, _ in OBJECTIVE_ORACLES]
)
def test_objective_weights_match_the_oracle(shared_data, name, kernel):
    case = oracle(shared_data, name)
    got = kernel(np.array(case["inputs"]["matrix"], dtype=float))
    expected = case["expected"]["weights"]
    assert max_diff(got, expected) <= case["tolerance"], (got, expected)
    assert got.sum() == pytest.approx(1, abs=1e-12)


@pytest.mark.parametrize(
    "variant",
    [
        "scale=True,correlation=pearson",
        "scale=False,correlation=pearson",
        "scale=True,correlation=spearman",
        "scale=False,correlation=spearman",
    ],
)
def test_critic_diakoulaki_variants(shared_data, variant):
    if variant != "scale=True,correlation=pearson":
        pytest.skip(
            f"CRITIC variant {variant}: our kernel implements only min–max scaling "
            "with Pearson correlation (the module's stated convention)"
        )
    case = oracle(shared_data, "critic_diakoulaki1995")
    got = W.critic(np.array(case["inputs"]["matrix"], dtype=float))
    expected = case["variants"][variant]["expected"]
    assert max_diff(got, expected) <= case["tolerance"]


# -- AHP ------------------------------------------------------------------------------

# the oracles' recomputed CR (6 dp) under each random-index table, and ours
RI_TABLES = {
    "saaty_classic_1980": "saaty",
    "saaty_2005_anp_book(AHPy 'saaty')": "saaty2005",
    "donegan_dodd_1991(AHPy 'dd')": "donegan_dodd",
    "tummala_ling_1998(pymcdm)": "tummala_ling",
}


def assert_cr_by_table(a: np.ndarray, recomputed: dict[str, float]) -> None:
    for label, table in RI_TABLES.items():
        cr = W.ahp(a, random_index=table)[1]
        assert cr == pytest.approx(recomputed[label], abs=1e-6), table


def test_ahp_saaty2008_drinks(shared_data):
    case = oracle(shared_data, "ahp_saaty2008_drinks_7x7")
    inputs, expected, tol = case["inputs"], case["expected"], case["tolerance"]
    elements = inputs["elements"]
    a = from_comparisons(elements, inputs["comparisons"])
    np.testing.assert_allclose(a, inputs["pairwise_matrix"], atol=1e-9)

    w, cr, ci, lam = W.ahp(a)
    for key in ("weights_precision3", "weights_precision4"):
        want = [expected[key][e] for e in elements]
        assert max_diff(w, want) <= tol["weights"], key
    # CR with Saaty's later random index (AHPy's "saaty", RI(7) = 1.35) and with
    # Donegan & Dodd's (RI(7) = 1.2519).
    _, cr_2005, _, _ = W.ahp(a, random_index="saaty2005")
    _, cr_dd, _, _ = W.ahp(a, random_index="donegan_dodd")
    assert abs(cr_2005 - expected["CR_saaty_RI_1_35"]) <= tol["CR"]
    assert abs(cr_dd - expected["CR_donegan_dodd_RI_1_2519"]) <= tol["CR"]
    # λmax and CI as recomputed in the oracle, and the CR under every RI table
    computed = case["computed"]
    assert lam == pytest.approx(computed["lambda_max"], abs=1e-8)
    assert ci == pytest.approx(computed["CI"], abs=1e-9)
    assert_cr_by_table(a, computed["CR_by_random_index"])
    assert cr < 0.1


def test_ahp_wang_chin2011_inconsistent(shared_data):
    case = oracle(shared_data, "ahp_wang_chin2011_6x6")
    a = np.array(case["inputs"]["pairwise_matrix"])
    w, cr, _, _ = W.ahp(a)
    assert max_diff(w, case["expected"]["weights"]) <= case["tolerance"]
    # inconsistent whatever the random-index table
    assert cr >= 0.1
    for table in W.RANDOM_INDEX:
        assert W.ahp(a, random_index=table)[1] >= 0.1, table
    assert_cr_by_table(a, case["computed"]["CR_by_random_index"])
    i, j, implied = W.most_inconsistent(a, w)
    assert 0 <= i < j < len(a)
    assert implied == pytest.approx(w[i] / w[j]) and implied > 0
    # and it is indeed the judgement farthest from the weights' ratio
    err = np.abs(np.log(a * np.outer(1 / w, w)))
    assert err[i, j] == pytest.approx(err[np.triu_indices(len(a), 1)].max())


def test_ahp_wikipedia_leader_two_level_synthesis(shared_data):
    case = oracle(shared_data, "ahp_wikipedia_leader_hierarchy")
    inputs, expected, tol = case["inputs"], case["expected"], case["tolerance"]
    criteria, alternatives = inputs["criteria"], inputs["alternatives"]

    a = from_comparisons(criteria, inputs["criteria_comparisons"])
    np.testing.assert_allclose(a, inputs["criteria_matrix"], atol=1e-9)
    w, cr, _, _ = W.ahp(a)
    want = [expected["criteria_weights"][c] for c in criteria]
    assert max_diff(w, want) <= tol
    assert cr < 0.1
    assert_cr_by_table(a, case["computed"]["criteria_CR_by_random_index"])

    # local priorities of the alternatives under each criterion (columns) ...
    local = np.empty((len(alternatives), len(criteria)))
    for k, c in enumerate(criteria):
        m = from_comparisons(alternatives, inputs["alternative_comparisons"][c])
        recomputed = case["computed"]["local"][c]
        np.testing.assert_allclose(m, recomputed["pairwise_matrix"], atol=1e-9)
        local[:, k], cr_c, _, _ = W.ahp(m)
        assert cr_c < 0.1
        assert_cr_by_table(m, recomputed["CR_by_random_index"])
    # ... synthesised by hand: global_a = Σ_c w_c · local_ac
    glob = local @ w
    want = [expected["global_priorities"][k] for k in alternatives]
    assert max_diff(glob, want) <= tol, dict(zip(alternatives, glob, strict=True))
    assert glob.sum() == pytest.approx(1, abs=1e-12)


# -- cross-checks against independent libraries on random matrices -------------------

RNG = np.random.default_rng(20260115)
RANDOM = [RNG.uniform(1, 100, size=(20, 5)) for _ in range(5)]
TOL = 1e-9


def _skc_weights(weighter, x: np.ndarray) -> np.ndarray:
    skc = pytest.importorskip("skcriteria")
    dm = skc.mkdm(x, objectives=[max] * x.shape[1])
    return weighter.transform(dm).weights.to_numpy()


@pytest.mark.parametrize("x", RANDOM)
def test_entropy_matches_pymcdm_and_skcriteria(x):
    pymcdm = pytest.importorskip("pymcdm")
    from skcriteria.preprocessing.weighters import EntropyWeighter

    got = W.entropy(x)
    assert max_diff(got, pymcdm.weights.entropy_weights(x)) <= TOL
    assert max_diff(got, _skc_weights(EntropyWeighter(), x)) <= TOL


@pytest.mark.parametrize("x", RANDOM)
def test_sd_matches_pymcdm_and_skcriteria(x):
    pymcdm = pytest.importorskip("pymcdm")
    from skcriteria.preprocessing.weighters import StdWeighter

    got = W.sd(x)
    assert max_diff(got, pymcdm.weights.standard_deviation_weights(x)) <= TOL
    assert max_diff(got, _skc_weights(StdWeighter(), x)) <= TOL


@pytest.mark.parametrize("x", RANDOM)
def test_critic_matches_pymcdm_and_skcriteria(x):
    # Both min–max scale (pymcdm: minmax_normalization; skcriteria: scale=True,
    # cenit distance, = min–max for "max" criteria) and use Pearson, as we do.
    # pymcdm's SD is ddof=1, skcriteria's ddof=0: the factor cancels.
    pymcdm = pytest.importorskip("pymcdm")
    from skcriteria.preprocessing.weighters import CRITIC

    got = W.critic(x)
    assert max_diff(got, pymcdm.weights.critic_weights(x)) <= TOL
    skc = _skc_weights(CRITIC(correlation="pearson", scale=True), x)
    assert max_diff(got, skc) <= TOL


@pytest.mark.parametrize("x", RANDOM)
def test_pca_matches_sklearn_on_standardised_data(x):
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    first = PCA().fit(StandardScaler().fit_transform(x)).components_[0]
    first = first if first.sum() > 0 else -first  # our sign rule
    assert max_diff(W.pca(x), first / first.sum()) <= TOL
    assert max_diff(W.pca(x, squared=True), first**2 / np.sum(first**2)) <= TOL
