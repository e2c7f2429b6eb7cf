"""Sensitivity designs: the estimator conventions (SALib's, COINr's) on models with
known Sobol indices, factor groups (SALib's groups; all weights of a level), COINr's
discrete factor over supplied weight sets, and the indices written by the CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from evaluation.analysis import uncertainty as U
from evaluation.cli import app
from evaluation.errors import EvaluationError

N = 2**13  # base samples for the analytic checks


def indices(x_bounds, model, *, estimator, groups=None, n=N, seed=1):
    """S1, ST of ``model`` on the package's Saltelli design."""
    bounds = np.array(x_bounds, dtype=float)
    x = U._saltelli(bounds, n, seed, groups)
    k = len(bounds) if groups is None else len(set(groups))
    s1, _, st, _ = U._sobol(
        model(x), k, resamples=10, rng=np.random.default_rng(0), estimator=estimator
    )
    return s1, st


# ------------------------------------------------------------ known indices
@pytest.mark.parametrize("estimator", ["salib", "coinr"])
def test_linear_model_indices_are_the_squared_coefficients_shares(estimator):
    # y = Σ a_i x_i, x_i ~ U(0, 1) independent: V_i = a_i² / 12, no interactions,
    # so S1_i = ST_i = a_i² / Σ a_j²
    a = np.array([1.0, 2.0, 3.0])
    s1, st = indices([[0, 1]] * 3, lambda x: x @ a, estimator=estimator)
    expected = a**2 / np.sum(a**2)
    np.testing.assert_allclose(s1, expected, atol=0.02)
    np.testing.assert_allclose(st, expected, atol=0.02)


@pytest.mark.parametrize("estimator", ["salib", "coinr"])
def test_ishigami_indices(estimator):
    # Ishigami (a = 7, b = 0.1) on [−π, π]³: the textbook variances
    a, b, pi = 7.0, 0.1, np.pi
    v1 = b * pi**4 / 5 + b**2 * pi**8 / 50 + 0.5
    v2 = a**2 / 8
    v13 = 8 * b**2 * pi**8 / 225
    v = v1 + v2 + v13
    s1_true = np.array([v1, v2, 0.0]) / v
    st_true = np.array([v1 + v13, v2, v13]) / v

    def ishigami(x):
        return (
            np.sin(x[:, 0])
            + a * np.sin(x[:, 1]) ** 2
            + b * x[:, 2] ** 4 * np.sin(x[:, 0])
        )

    s1, st = indices([[-pi, pi]] * 3, ishigami, estimator=estimator, n=2**14, seed=3)
    np.testing.assert_allclose(s1, s1_true, atol=0.03)
    np.testing.assert_allclose(st, st_true, atol=0.03)


# --------------------------------------------------------- the two conventions
def coinr_sa_estimate(y_a, y_b, y_ab):
    """COINr's SA_estimate written out (R): varY = var(c(yA, yB)) (sample
    variance); Si = mean(yB * (yABi − yA)) / varY; STi = sum((yA − yABi)²) /
    (2 N varY)."""
    var = np.var(np.concatenate([y_a, y_b]), ddof=1)
    s1 = np.mean(y_b[:, None] * (y_ab - y_a[:, None]), axis=0) / var
    st = np.sum((y_a[:, None] - y_ab) ** 2, axis=0) / (2 * len(y_a) * var)
    return s1, st


def test_coinr_estimator_is_coinrs_formula_and_salib_the_standardised_one():
    bounds = np.array([[0, 1]] * 3, dtype=float)
    x = U._saltelli(bounds, 512, 5)
    y = 100 + x @ np.array([1.0, 2.0, 3.0]) + 4 * x[:, 0] * x[:, 2]
    rows = y.reshape(-1, 5)  # A, AB_1, AB_2, AB_3, B per base sample
    want_s1, want_st = coinr_sa_estimate(rows[:, 0], rows[:, -1], rows[:, 1:-1])
    rng = np.random.default_rng(0)
    s1, _, st, _ = U._sobol(y, 3, resamples=10, rng=rng, estimator="coinr")
    np.testing.assert_allclose(s1, want_s1, rtol=1e-12)
    np.testing.assert_allclose(st, want_st, rtol=1e-12)
    # SALib standardises y first: ST differs only by the variance's denominator,
    # S1 also by the centring (not 0 on a finite sample): the same outputs, two
    # answers, so the table names its convention
    s1_salib, _, st_salib, _ = U._sobol(y, 3, resamples=10, rng=rng)
    n = len(rows)
    np.testing.assert_allclose(st, st_salib * (2 * n - 1) / (2 * n), rtol=1e-12)
    assert np.abs(s1 - s1_salib).max() > 1e-5


# ------------------------------------------------- the two interval conventions
def r_quantile(x, p):
    """R's ``stats::quantile(x, p)`` (type 7): ``h = (n − 1) p``, linear between
    the order statistics around ``h``."""
    x = sorted(x)
    h = (len(x) - 1) * p
    lo = int(np.floor(h))
    hi = min(lo + 1, len(x) - 1)
    return x[lo] + (h - lo) * (x[hi] - x[lo])


def coinr_bootstrap(y_a, y_b, y_ab, picks):
    """COINr's SA_estimate bootstrap (R, ``Nboot``) written out, with R's
    ``sample(x, replace = TRUE)`` replaced by ``x[pick]``:

        STdiffs <- apply(yyABi, 2, function(x) yA - x)
        Sidiffs <- apply(yyABi, 2, function(x) yB*(x - yA))
        for (iboot in 1:Nboot) {
          Si_boot[, iboot] <- apply(Sidiffs, 2, function(x)
            mean(sample(x, replace = TRUE))/varY)
          STi_boot[, iboot] <- apply(STdiffs, 2, function(x)
            sum(sample(x, replace = TRUE)^2)/(2*N*varY))
        }
        Si_q5 <- quantile(Si_boot[i, ], 0.05); Si_q95 <- quantile(…, 0.95) …

    ``picks[j][0][iboot]`` / ``picks[j][1][iboot]``: the positions Si's / STi's
    ``sample`` drew for factor j in bootstrap ``iboot``."""
    n, k = y_ab.shape
    var_y = np.var(np.concatenate([y_a, y_b]), ddof=1)  # R's var
    out = {"S1_low": [], "S1_high": [], "ST_low": [], "ST_high": []}
    for j in range(k):
        si_diffs = y_b * (y_ab[:, j] - y_a)
        st_diffs = y_a - y_ab[:, j]
        si_boot, st_boot = [], []
        for iboot in range(len(picks[j][0])):
            si_boot.append(np.mean(si_diffs[picks[j][0][iboot]]) / var_y)
            st_boot.append(np.sum(st_diffs[picks[j][1][iboot]] ** 2) / (2 * n * var_y))
        out["S1_low"].append(r_quantile(si_boot, 0.05))
        out["S1_high"].append(r_quantile(si_boot, 0.95))
        out["ST_low"].append(r_quantile(st_boot, 0.05))
        out["ST_high"].append(r_quantile(st_boot, 0.95))
    return out


def test_coinr_intervals_by_hand():
    # N = 2, two factors. y_A = (0, 0), y_B = (1, −1): V = var(0, 0, 1, −1) = 2/3.
    # Factor 1, y_AB1 = (0, 2): S1 terms y_B (y_AB1 − y_A) = (0, −2), ST terms
    # y_A − y_AB1 = (0, −2). S1's four resamples pick (0,0), (0,1), (1,0), (1,1):
    # means 0, −1, −1, −2, over V: 0, −1.5, −1.5, −3; R's quantiles (type 7) at 5 %
    # (h = 3 · 0.05 = 0.15): −3 + 0.15 · 1.5 = −2.775, at 95 % (h = 2.85):
    # −1.5 + 0.85 · 1.5 = −0.225. ST's resamples all pick (1, 1): (4 + 4) / (2 · 2 ·
    # 2/3) = 3 each, so [3, 3]. Factor 2, y_AB2 = y_A: every term 0, so [0, 0].
    y_a, y_b = np.array([0.0, 0.0]), np.array([1.0, -1.0])
    y_ab = np.array([[0.0, 0.0], [2.0, 0.0]])
    s1_picks = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    st_picks = np.ones((4, 2), dtype=int)
    picks = [np.stack([s1_picks, st_picks])] * 2
    (s1_low, s1_high), (st_low, st_high) = U._coinr_intervals(
        y_a, y_ab, y_b, 2 / 3, iter(picks)
    )
    np.testing.assert_allclose(s1_low, [-2.775, 0.0], atol=1e-12)
    np.testing.assert_allclose(s1_high, [-0.225, 0.0], atol=1e-12)
    np.testing.assert_allclose(st_low, [3.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(st_high, [3.0, 0.0], atol=1e-12)


def test_coinr_intervals_are_coinrs_bootstrap_written_out():
    bounds = np.array([[0, 1]] * 3, dtype=float)
    x = U._saltelli(bounds, 64, 11)
    y = 100 + x @ np.array([1.0, 2.0, 3.0]) + 4 * x[:, 0] * x[:, 2]
    rows = y.reshape(-1, 5)  # A, AB_1, AB_2, AB_3, B per base sample
    y_a, y_ab, y_b = rows[:, 0], rows[:, 1:-1], rows[:, -1]
    picks = list(np.random.default_rng(3).integers(0, 64, (3, 2, 50, 64)))
    want = coinr_bootstrap(y_a, y_b, y_ab, picks)
    var = np.var(np.concatenate([y_a, y_b]), ddof=1)
    (s1_low, s1_high), (st_low, st_high) = U._coinr_intervals(
        y_a, y_ab, y_b, var, iter(picks)
    )
    for got, key in ((s1_low, "S1_low"), (s1_high, "S1_high"),
                     (st_low, "ST_low"), (st_high, "ST_high")):  # fmt: skip
        np.testing.assert_allclose(got, want[key], rtol=1e-12)


def test_coinr_intervals_keep_the_variance_and_resample_each_factor_on_its_own():
    """Factor 1's terms are the same in every base sample (y_B = 2, y_AB1 = y_A + 1):
    whatever is resampled, its indices do not move, so COINr's interval is the
    estimate itself, with V kept from the full sample. SALib's resamples the rows
    together and recomputes V: a width. Factor 2's terms vary: a width in both."""
    rng = np.random.default_rng(8)
    n = 64
    y_a = rng.normal(0, 1, n)
    y_b = np.full(n, 2.0)
    y_ab = np.column_stack([y_a + 1, y_a + rng.normal(0, 1, n)])
    y = np.column_stack([y_a, y_ab, y_b]).reshape(-1)
    for seed in (0, 1):
        got = U._sobol_indices(
            y, 2, resamples=200, rng=np.random.default_rng(seed), estimator="coinr"
        )
        var = np.var(np.concatenate([y_a, y_b]), ddof=1)
        assert got["S1"][0] == pytest.approx(2 / var, rel=1e-12)  # mean(2 · 1) / V
        assert got["ST"][0] == pytest.approx(1 / (2 * var), rel=1e-12)
        for index in ("S1", "ST"):
            assert got[f"{index}_low"][0] == pytest.approx(got[index][0], rel=1e-12)
            assert got[f"{index}_high"][0] == pytest.approx(got[index][0], rel=1e-12)
            assert got[f"{index}_conf"][0] == pytest.approx(0, abs=1e-12)
            assert got[f"{index}_high"][1] - got[f"{index}_low"][1] > 1e-3
            np.testing.assert_allclose(
                got[f"{index}_conf"],
                (got[f"{index}_high"] - got[f"{index}_low"]) / 2,
                rtol=1e-12,
            )
    salib = U._sobol_indices(y, 2, resamples=200, rng=np.random.default_rng(0))
    assert salib["S1_high"][0] - salib["S1_low"][0] > 1e-3
    np.testing.assert_allclose(salib["S1_low"], salib["S1"] - salib["S1_conf"])
    np.testing.assert_allclose(salib["ST_high"], salib["ST"] + salib["ST_conf"])


def test_constant_outputs_give_zero_width_intervals_in_both_conventions():
    y = np.full(32 * 4, 7.0)
    for estimator in U.ESTIMATORS:
        got = U._sobol_indices(
            y, 2, resamples=20, rng=np.random.default_rng(0), estimator=estimator
        )
        for key, value in got.items():
            np.testing.assert_array_equal(value, [0.0, 0.0], err_msg=key)


@pytest.mark.parametrize(
    ("estimator", "interval"),
    [("salib", "normal_95"), ("coinr", "percentile_5_95")],
)
def test_the_table_names_its_interval_convention(tiny_result, estimator, interval):
    s = U.sensitivity(tiny_result, U.Spec(weight_noise=0.9), n=64, estimator=estimator)
    assert list(s.columns) == [
        "factor", "S1", "S1_conf", "S1_low", "S1_high",
        "ST", "ST_conf", "ST_low", "ST_high", "estimator", "interval",
    ]  # fmt: skip
    assert set(s["interval"]) == {interval}
    assert interval in U.INTERVALS
    assert (s["S1_low"] <= s["S1_high"]).all() and (s["ST_low"] <= s["ST_high"]).all()


def test_an_unknown_estimator_or_weight_factor_is_refused(tiny_result):
    with pytest.raises(EvaluationError, match=r"\['salib', 'coinr'\]"):
        U.sensitivity(tiny_result, n=8, estimator="jansen")
    with pytest.raises(EvaluationError, match=r"\['node', 'level'\]"):
        U.sensitivity(tiny_result, n=8, weight_factors="dimension")


# ------------------------------------------------------------------- groups
def test_grouped_design_and_indices_match_salib_groups():
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    bounds = [[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]]
    problem = {
        "num_vars": 3,
        "names": ["x1", "x2", "x3"],
        "bounds": bounds,
        "groups": ["g12", "g12", "g3"],
    }
    x = U._saltelli(np.array(bounds), 256, 7, np.array([0, 0, 1]))
    np.testing.assert_allclose(
        x, sample.sample(problem, 256, calc_second_order=False, seed=7), atol=1e-15
    )
    a = np.array([1.0, 2.0, 3.0])
    y = x @ a
    s1, _, st, _ = U._sobol(y, 2, resamples=10, rng=np.random.default_rng(0))
    ref = analyze.analyze(problem, y, calc_second_order=False, num_resamples=10)
    np.testing.assert_allclose(s1, ref["S1"], atol=1e-12)
    np.testing.assert_allclose(st, ref["ST"], atol=1e-12)
    # a group's index is its share of the variance: (1 + 4) / 14 and 9 / 14
    s1, st = indices(bounds, lambda x: x @ a, estimator="salib", groups=[0, 0, 1])
    np.testing.assert_allclose(s1, [5 / 14, 9 / 14], atol=0.02)
    np.testing.assert_allclose(st, [5 / 14, 9 / 14], atol=0.02)


def test_the_weights_of_a_level_are_one_factor(tiny_result):
    by_node = U.sensitivity(tiny_result, U.Spec(weight_levels=(1, 2)), n=64)
    assert list(by_node["factor"]) == ["w:a", "w:b", "w:a1", "w:a2", "w:b1", "w:b2"]
    s = U.sensitivity(
        tiny_result, U.Spec(weight_levels=(1, 2)), n=64, weight_factors="level"
    )
    assert list(s["factor"]) == ["weights:level1", "weights:level2"]
    # one group factor alone explains all the variance: S1 = ST = 1
    alone = U.sensitivity(
        tiny_result, U.Spec(weight_noise=0.9), n=1024, weight_factors="level"
    )
    assert list(alone["factor"]) == ["weights:level1"]
    assert alone.at[0, "S1"] == pytest.approx(1, abs=0.05)
    assert alone.at[0, "ST"] == pytest.approx(1, abs=0.05)


# ------------------------------------------------------ supplied weight sets
# the tiny catalogue's dimensions: a (0.6) scores U1 55, U2 36.7, U3 50; b (0.4)
# scores U1 70, U2 50, U3 15; nominal ranks U1, U2, U3
NOMINAL = {"a": 0.6, "b": 0.4}


def test_weight_sets_that_score_alike_have_no_effect(tiny_result):
    same = U.Spec(weight_sets=[NOMINAL, {"a": 3, "b": 2}], exclude=True)
    for estimator in U.ESTIMATORS:
        s = U.sensitivity(tiny_result, same, n=128, estimator=estimator)
        s = s.set_index("factor")
        assert list(s.index) == ["weight_set", "exclude"]
        assert (s["estimator"] == estimator).all()
        assert s.at["weight_set", "S1"] == 0 and s.at["weight_set", "ST"] == 0
        assert s.at["exclude", "ST"] > 0.5  # the output does vary


@pytest.mark.parametrize("estimator", ["salib", "coinr"])
def test_a_weight_set_that_reorders_the_units_is_the_whole_variance(
    tiny_result, estimator
):
    sets = U.Spec(weight_sets=[NOMINAL, {"a": 1, "b": 0}])  # a alone: U1, U3, U2
    s = U.sensitivity(tiny_result, sets, n=256, estimator=estimator)
    assert list(s["factor"]) == ["weight_set"]
    assert s.at[0, "S1"] == pytest.approx(1, abs=0.05)
    assert s.at[0, "ST"] == pytest.approx(1, abs=0.05)


def test_each_draw_scores_with_the_weight_set_it_drew(tiny_result):
    spec = U.Spec(n=40, seed=4, weight_sets=[NOMINAL, {"a": 1, "b": 0}])
    u = U.run(tiny_result, spec)
    picked = u.draws["weight_set"].to_numpy()
    assert set(picked) == {0, 1}
    dims = tiny_result.scores.query("period == '2025'").pivot(
        index="unit_id", columns="node_id", values="score"
    )
    a, b = dims.loc[u.units, "a"].to_numpy(), dims.loc[u.units, "b"].to_numpy()
    for k, expected in ((0, 0.6 * a + 0.4 * b), (1, a)):  # set 1: a alone
        rows = u.scores[picked == k]
        np.testing.assert_allclose(rows, np.tile(expected, (len(rows), 1)), rtol=1e-12)
    # the draw table replays: the weight columns carry the set
    again = U.run(tiny_result, spec, draws=u.draws)
    np.testing.assert_array_equal(again.scores, u.scores)


def test_weight_sets_are_checked_against_the_catalogue(tiny_result):
    bad = U.Spec(n=5, weight_sets=[{"a1": 2.0}, {"zz": 1.0, "a": -1, "b": 1}])
    with pytest.raises(EvaluationError) as caught:
        U.run(tiny_result, bad)
    text = str(caught.value)
    assert "weight_sets[0]" in text and "['a2']" in text
    assert "weight_sets[1]" in text and "['zz']" in text and "≥ 0" in text


# ------------------------------------------------------------------------ CLI
def test_the_cli_writes_the_sobol_indices(tmp_path, tiny_result):
    from evaluation.publish.store import save_result

    folder = save_result(tiny_result, tmp_path / "result")
    sets = tmp_path / "sets.csv"
    pd.DataFrame([NOMINAL, {"a": 1, "b": 0}]).to_csv(sets, index=False)
    runner = CliRunner()
    out = tmp_path / "ranks.csv"
    done = runner.invoke(
        app,
        [str(a) for a in (
            "uncertainty", folder, "--out", out, "--draws", "20", "--sobol", "64",
            "--estimator", "coinr", "--weight-sets", sets, "--exclude",
            "--lang", "en",
        )],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    written = tmp_path / "ranks_sobol.csv"
    assert f"wrote {written}" in done.output.replace("\n", "")
    table = pd.read_csv(written, encoding="utf-8-sig")
    assert list(table.columns) == [
        "factor", "S1", "S1_conf", "S1_low", "S1_high",
        "ST", "ST_conf", "ST_low", "ST_high", "estimator", "interval",
    ]  # fmt: skip
    assert list(table["factor"]) == ["weight_set", "exclude"]
    assert set(table["estimator"]) == {"coinr"}
    assert set(table["interval"]) == {"percentile_5_95"}
    assert np.isfinite(table[["S1", "ST"]].to_numpy()).all()
    chosen = tmp_path / "indices.csv"
    done = runner.invoke(
        app,
        [str(a) for a in (
            "uncertainty", folder, "--out", out, "--draws", "20", "--sobol", "32",
            "--weight-factors", "level", "--sobol-out", chosen,
        )],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    table = pd.read_csv(chosen, encoding="utf-8-sig")  # in Chinese, the default
    assert list(table["因素"]) == ["第1级全部权重"]
    assert list(table["因素代码"]) == ["weights:level1"]
    assert set(table["估计方法"]) == {"输出按总方差标准化的估计"}
    done = runner.invoke(
        app,
        [str(a) for a in (
            "uncertainty", folder, "--out", out, "--draws", "5", "--sobol", "8",
            "--estimator", "jansen",
        )],
    )  # fmt: skip
    assert done.exit_code != 0 and "coinr" in done.output
