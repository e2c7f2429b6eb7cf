"""MCDA kernels (``evaluation.mcda``) against published worked examples and
independent libraries.

* Oracles in ``../shared/data/oracles`` (see its ``SOURCE.md``): TOPSIS from Tzeng &
  Huang 2011 (vector), Opricovic & Tzeng 2004 (min–max) and scikit-criteria's raw
  case; VIKOR from Opricovic & Tzeng 2004 and 2007 (four weight sets), Yang & Wu 2020
  and scikit-criteria's test on the Tzeng matrix; entropy → TOPSIS library
  consensus. Each within the oracle's own tolerance, and the libraries' recorded
  values (10 decimals) to 1e-9.
* Seeded random matrices, benefit and cost criteria mixed, to 1e-9 against pymcdm
  (``TOPSIS``, ``VIKOR``) and scikit-criteria (``agg.topsis.TOPSIS`` after its
  scalers, ``agg.vikor.VIKOR``).
* Degenerate cases (identical units, a single unit, constant criteria, ties that
  rounding would split) give the documented result, never NaN.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import rankdata

from evaluation.scoring import mcda
from evaluation.scoring import weights as W

pytestmark = pytest.mark.shared_data

TOL = 1e-9


def oracle(shared_data: Path, name: str) -> dict:
    return json.loads((shared_data / "oracles" / f"{name}.json").read_text("utf-8"))


def max_diff(got, expected) -> float:
    return float(np.max(np.abs(np.asarray(got, float) - np.asarray(expected, float))))


# -- TOPSIS oracles ----------------------------------------------------------------

# oracle -> (our scaling, {recorded library value: scaling it was computed with})
TOPSIS_ORACLES = {
    "topsis_tzeng2011_vector": (
        "vector",
        {"skcriteria": "vector", "pymcdm": "vector", "pyDecision": "vector"},
    ),
    "topsis_opricovic2004_minmax": (
        "minmax",
        {
            "pymcdm": "minmax",
            "skcriteria_MinMaxScaler_then_TOPSIS": "minmax",
            "pymcdm_vector_normalisation_for_contrast": "vector",
        },
    ),
    # skcriteria's TOPSIS on the raw matrix; weights 1 each (ours rescale to 1/3:
    # closeness does not change with a common weight factor)
    "topsis_skc_raw_unnormalised": (
        "none",
        {"skcriteria": "none", "pymcdm_identity_normalisation_weights_1_3": "none"},
    ),
}


@pytest.mark.parametrize("name", TOPSIS_ORACLES)
def test_topsis_matches_the_oracle(shared_data, name):
    case = oracle(shared_data, name)
    inputs, expected = case["inputs"], case["expected"]
    scaling, recorded = TOPSIS_ORACLES[name]
    args = inputs["matrix"], inputs["weights"], inputs["directions"]
    got = mcda.topsis(*args, scaling=scaling)
    assert max_diff(got, expected["closeness"]) <= case["tolerance"], got
    if "rank" in expected:
        assert list(rankdata(-got, method="min")) == expected["rank"]
    for library, how in recorded.items():
        value = mcda.topsis(*args, scaling=how)
        assert max_diff(value, case["computed"][library]) <= TOL, library


def test_entropy_then_topsis_matches_the_library_consensus(shared_data):
    # The consensus takes Shannon entropy weights of the raw matrix (every criterion
    # "max", no prior scaling) then vector-normalised TOPSIS: our entropy kernel's
    # convention (p = x / Σx, e = −Σ p ln p / ln m, w ∝ 1 − e), so no skip needed.
    case = oracle(shared_data, "entropy_topsis_consensus_tzeng_matrix")
    x = np.array(case["inputs"]["matrix"], dtype=float)
    assert set(case["inputs"]["directions"]) == {"max"}
    w = W.entropy(x)
    assert max_diff(w, case["expected"]["weights"]) <= case["tolerance"]
    got = mcda.topsis(x, w, case["inputs"]["directions"], scaling="vector")
    assert max_diff(got, case["expected"]["closeness"]) <= case["tolerance"]
    assert list(rankdata(-got, method="min")) == case["computed"]["skcriteria_rank"]
    # pyDecision's closeness differs from the other two by 1.4e-8 (oracle's checks)
    assert max_diff(got, case["computed"]["pyDecision_closeness"]) <= 1e-7


# -- VIKOR oracles -----------------------------------------------------------------


def assert_vikor(got, expected: dict, tol: float, label: str = "") -> None:
    for key, value in zip("SRQ", got, strict=True):
        if key in expected:
            diff = max_diff(value, expected[key])
            assert diff <= tol, (label, key, diff, value)


@pytest.mark.parametrize(
    "name", ["vikor_skc_tzeng_matrix", "vikor_opricovic2004", "vikor_yang2020"]
)
def test_vikor_matches_the_oracle(shared_data, name):
    case = oracle(shared_data, name)
    inputs = case["inputs"]
    got = mcda.vikor(inputs["matrix"], inputs["weights"], inputs["directions"])
    assert_vikor(got, case["expected"], case["tolerance"])  # Yang & Wu: Q only
    assert_vikor(got, case["computed"]["skcriteria"], TOL, "skcriteria")
    assert max_diff(got[2], case["computed"]["pymcdm_Q"]) <= TOL


def test_vikor_matches_opricovic_tzeng_2007_four_weight_sets(shared_data):
    case = oracle(shared_data, "vikor_opricovic2007_hydro")
    x, directions = case["inputs"]["matrix"], case["inputs"]["directions"]
    for scenario in case["scenarios"]:
        label = f"W={scenario['W']}"
        # raw weights (e.g. 1, 1, 1, 1, 3.2, ...) are rescaled to sum 1 by vikor
        got = mcda.vikor(x, scenario["weights_raw"], directions)
        again = mcda.vikor(x, scenario["weights_normalised"], directions)
        for a, b in zip(got, again, strict=True):
            assert max_diff(a, b) <= 1e-15, label
        assert_vikor(got, scenario["expected"], case["tolerance"], label)
        assert_vikor(got, scenario["computed"]["skcriteria"], TOL, label)
        assert max_diff(got[2], scenario["computed"]["pymcdm_Q"]) <= TOL, label
        # published ranks: plain ranks of Q (skcriteria use_compromise_set=False)
        ranks = list(rankdata(got[2], method="min"))
        assert ranks == scenario["expected"]["rank"], label


# -- cross-checks against independent libraries on random matrices -------------------

RNG = np.random.default_rng(20260116)
RANDOM = []
for _ in range(6):
    _x = RNG.uniform(1, 100, size=(20, 5))
    _w = RNG.dirichlet(np.ones(5))
    _t = np.array([1, -1, 1, -1, 1])[RNG.permutation(5)]  # both kinds, shuffled
    RANDOM.append((_x, _w, _t))


def _pymcdm_topsis(x, w, t, normalisation):
    pymcdm = pytest.importorskip("pymcdm")
    method = pymcdm.methods.TOPSIS(getattr(pymcdm.normalizations, normalisation))
    # validation off: it warns about dominated units, and we checked the inputs
    return method(x, w, t, validation=False)


def _skc_topsis(x, w, t, scaler=None):
    skc = pytest.importorskip("skcriteria")
    from skcriteria.agg.topsis import TOPSIS  # agg.similarity: deprecated alias

    dm = skc.mkdm(x, objectives=[max if d == 1 else min for d in t], weights=w)
    if scaler is not None:
        dm = scaler.transform(dm)
    with warnings.catch_warnings():
        # "Although TOPSIS can operate with minimization objectives, ..."
        warnings.filterwarnings("ignore", "Although TOPSIS", UserWarning)
        return TOPSIS().evaluate(dm).e_.similarity


@pytest.mark.parametrize(("x", "w", "t"), RANDOM)
def test_topsis_matches_pymcdm(x, w, t):
    got = mcda.topsis(x, w, t, scaling="vector")
    assert max_diff(got, _pymcdm_topsis(x, w, t, "vector_normalization")) <= TOL
    # pymcdm's default normalisation is min–max (cost: (max − x) / (max − min))
    got = mcda.topsis(x, w, t, scaling="minmax")
    assert max_diff(got, _pymcdm_topsis(x, w, t, "minmax_normalization")) <= TOL


@pytest.mark.parametrize(("x", "w", "t"), RANDOM)
def test_topsis_matches_scikit_criteria(x, w, t):
    # skcriteria's TOPSIS does not scale (ideal = min on cost columns); its
    # MinMaxScaler keeps cost columns unflipped, the same distances as ours.
    from skcriteria.preprocessing.scalers import MinMaxScaler, VectorScaler

    assert max_diff(mcda.topsis(x, w, t, scaling="none"), _skc_topsis(x, w, t)) <= TOL
    want = _skc_topsis(x, w, t, VectorScaler(target="matrix"))
    assert max_diff(mcda.topsis(x, w, t, scaling="vector"), want) <= TOL
    want = _skc_topsis(x, w, t, MinMaxScaler(target="matrix"))
    assert max_diff(mcda.topsis(x, w, t, scaling="minmax"), want) <= TOL


@pytest.mark.parametrize(("x", "w", "t"), RANDOM)
def test_vikor_matches_pymcdm_and_scikit_criteria(x, w, t):
    pymcdm = pytest.importorskip("pymcdm")
    skc = pytest.importorskip("skcriteria")
    from skcriteria.agg.vikor import VIKOR

    for v in (0.5, 0.0, 0.3, 1.0):
        s, r, q = mcda.vikor(x, w, t, v=v)
        out = pymcdm.methods.VIKOR(v=v)(x, w, t, validation=False, verbose=True)
        tables = {table.desc.label: table.data for table in out.results}
        assert max_diff(s, tables["s"]) <= TOL
        assert max_diff(r, tables["r"]) <= TOL
        assert max_diff(q, tables["q"]) <= TOL
        dm = skc.mkdm(x, objectives=[max if d == 1 else min for d in t], weights=w)
        extra = VIKOR(v=v).evaluate(dm).e_
        assert max_diff(s, extra.s_k) <= TOL
        assert max_diff(r, extra.r_k) <= TOL
        assert max_diff(q, extra.q_k) <= TOL


# -- conventions and degenerate cases ------------------------------------------------

SCALINGS = ["vector", "minmax", "none"]


@pytest.mark.parametrize("scaling", SCALINGS)
def test_topsis_identical_units_and_a_single_unit_are_all_ideal(scaling):
    x = np.tile([3.0, 0.0, 7.5], (4, 1))
    got = mcda.topsis(x, [0.2, 0.3, 0.5], [1, -1, 1], scaling=scaling)
    np.testing.assert_array_equal(got, np.ones(4))
    got = mcda.topsis([[3.0, 0.0, 7.5]], [1, 1, 1], ["max", "min", "max"])
    np.testing.assert_array_equal(got, [1.0])


def test_vikor_identical_units_and_a_single_unit_are_all_best():
    x = np.tile([3.0, 0.0, 7.5], (4, 1))
    for v in (0.0, 0.5, 1.0):
        for got in (
            mcda.vikor(x, [0.2, 0.3, 0.5], [1, -1, 1], v=v),
            mcda.vikor(x[:1], [0.2, 0.3, 0.5], [1, -1, 1], v=v),
        ):
            for part in got:
                assert np.isfinite(part).all()
                np.testing.assert_array_equal(part, np.zeros(len(part)))


@pytest.mark.parametrize("scaling", SCALINGS)
def test_a_constant_criterion_changes_nothing(scaling):
    # pymcdm's VIKOR raises on it, skcriteria's ignores it (warning): as we do
    x, w, t = RANDOM[0]
    with_constant = np.column_stack([x, np.full(len(x), 42.0)])
    w2, t2 = np.append(w, 0.25), np.append(t, -1)
    got = mcda.topsis(with_constant, w2, t2, scaling=scaling)
    assert max_diff(got, mcda.topsis(x, w, t, scaling=scaling)) <= 1e-12
    s, r, q = mcda.vikor(with_constant, w2, t2)
    s0, r0, q0 = mcda.vikor(x, w, t)
    assert max_diff(q, q0) <= 1e-12
    # S and R only rescale: the constant criterion's weight is regret-free
    assert max_diff(s, s0 * w.sum() / w2.sum()) <= 1e-12
    assert max_diff(r, r0 * w.sum() / w2.sum()) <= 1e-12


def test_vikor_a_tie_in_s_that_rounding_splits_stays_a_tie():
    # S = w0 + w1 = w2 = 0.5 exactly, but 0.2/1.6 + 0.6/1.6 − 0.8/1.6 = −5.6e-17 in
    # floating point; taken at face value the S part of Q would be 0 and 1.
    x, w = [[0, 0, 1], [1, 1, 0]], [0.2, 0.6, 0.8]
    s, r, q = mcda.vikor(x, w, [1, 1, 1])
    assert abs(s[0] - s[1]) < 1e-15
    np.testing.assert_allclose(r, [0.375, 0.5])
    np.testing.assert_allclose(q, [0.0, 0.5])  # only R separates them


def test_directions_accept_signs_and_words():
    x, w, _ = RANDOM[1]
    signs = [1, -1, -1, 1, 1]
    words = ["max", "min", "min", "max", "max"]
    catalogue = ["higher", "lower", "lower", "higher", "higher"]
    want = mcda.topsis(x, w, signs)
    for d in (words, catalogue, np.array(signs), [1.0, -1.0, -1.0, 1.0, 1.0]):
        np.testing.assert_array_equal(mcda.topsis(x, w, d), want)
        np.testing.assert_array_equal(
            mcda.vikor(x, w, d)[2], mcda.vikor(x, w, signs)[2]
        )


def test_closeness_and_q_lie_in_the_unit_interval():
    for x, w, t in RANDOM:
        for scaling in SCALINGS:
            c = mcda.topsis(x, w, t, scaling=scaling)
            assert ((c >= 0) & (c <= 1)).all()
        s, r, q = mcda.vikor(x, w, t)
        # Q reaches 0 (1) only if one unit has both the least (most) S and R
        assert ((q >= 0) & (q <= 1)).all()
        assert ((r >= 0) & (r <= s) & (s <= 1)).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"x": [1.0, 2.0]}, "units × criteria"),
        ({"x": np.empty((0, 2))}, "units × criteria"),
        ({"x": [[1.0, np.nan], [2.0, 3.0]]}, "complete and finite"),
        ({"weights": [1.0]}, "need 2 weights"),
        ({"weights": [1.0, -0.5]}, "non-negative"),
        ({"weights": [0.0, 0.0]}, "positive sum"),
        ({"directions": [1]}, "need 2 directions"),
        ({"directions": [1, 0]}, "directions must be"),
        ({"directions": [True, -1]}, "directions must be"),
        ({"directions": ["max", "benefit"]}, "directions must be"),
    ],
)
def test_bad_inputs_are_refused(kwargs, message):
    args = {"x": [[1.0, 2.0], [2.0, 3.0]], "weights": [1, 1], "directions": [1, -1]}
    args |= kwargs
    with pytest.raises(ValueError, match=message):
        mcda.topsis(**args)
    with pytest.raises(ValueError, match=message):
        mcda.vikor(**args)


def test_bad_options_are_refused():
    x = [[1.0, 2.0], [2.0, 3.0]]
    with pytest.raises(ValueError, match="scaling must be one of"):
        mcda.topsis(x, [1, 1], [1, 1], scaling="sum")
    with pytest.raises(ValueError, match="v must lie in"):
        mcda.vikor(x, [1, 1], [1, 1], v=1.5)


def test_benefit_of_the_doubt_hand_solved():
    from evaluation.scoring.mcda import bod

    # A and B are each best on one criterion: both efficient. C = (0.4, 0.4):
    # max 0.4 w1 + 0.4 w2 s.t. w1 + 0.5 w2 <= 1, 0.5 w1 + w2 <= 1 -> w1 = w2 = 2/3,
    # score 0.8 * 2/3 = 0.5333...
    x = np.array([[1.0, 0.5], [0.5, 1.0], [0.4, 0.4]])
    np.testing.assert_allclose(bod(x), [1.0, 1.0, 0.8 * 2 / 3], atol=1e-9)
    # share bounds [0.4, 0.6]: A can no longer put (almost) all weight on criterion 1;
    # binding: w1 = 1.5 w2 share 0.6 ... A: max w1 + 0.5 w2, s.t. constraints ->
    # shares w1/(w1+0.5w2) <= 0.6 -> w1 <= 0.75 w2; with B's row 0.5 w1 + w2 <= 1
    # -> w2 = 1/(0.375 + 1) = 0.7273, w1 = 0.5455 -> score 0.5455 + 0.3636 = 0.9091
    np.testing.assert_allclose(
        bod(x, lower=0.4, upper=0.6)[0], 0.5455 + 0.3636, atol=1e-3
    )
    assert bod(np.array([[0.0, 0.0], [1.0, 1.0]]))[0] == 0.0
    with pytest.raises(ValueError, match="complete, non-negative"):
        bod(np.array([[np.nan, 1.0], [1.0, 1.0]]))


def test_copeland_hand_cases():
    from evaluation.scoring.mcda import copeland

    x = np.array([[3.0, 1.0], [2.0, 2.0], [1.0, 3.0]])
    # equal weights: every pair splits one criterion each -> all ties -> 0.5
    np.testing.assert_allclose(copeland(x, [0.5, 0.5]), [0.5, 0.5, 0.5])
    # weights 0.6 / 0.4: A beats B and C, B beats C -> 1, 0.5, 0
    np.testing.assert_allclose(copeland(x, [0.6, 0.4]), [1.0, 0.5, 0.0])
    # chunking does not change the answer
    rng = np.random.default_rng(2)
    big = rng.uniform(0, 100, (60, 4))
    np.testing.assert_allclose(
        copeland(big, [0.4, 0.3, 0.2, 0.1]),
        copeland(big, [0.4, 0.3, 0.2, 0.1], chunk_cells=50),
    )
    assert copeland(x[:1], [1, 1]).tolist() == [1.0]
