"""The vectorised uncertainty engine against the pipeline, draw by draw."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import evaluation as ev
from evaluation.analysis import uncertainty as U
from evaluation.catalogue import COMPOSITE
from evaluation.errors import EvaluationError
from evaluation.result import rank_range
from evaluation.scoring.aggregate import aggregate

from ..conftest import ROOT, load_example


@pytest.fixture(scope="module")
def data(catalogue):
    return ev.validate_dataset(ev.load_dataset(ROOT / "data" / "sample"), catalogue)


def published(result, units) -> np.ndarray:
    comp = result.composite.query("period == '2025'").set_index("unit_id")
    return comp["composite_score"].reindex(units).to_numpy()


def test_without_noise_every_draw_is_the_published_composite(sample_result):
    u = U.run(sample_result, U.Spec(n=4, weight_noise=0.0))
    # matrix products sum in another order than the pipeline: equal to 1e-9, not
    # bit for bit
    np.testing.assert_allclose(
        u.scores, np.tile(published(sample_result, u.units), (4, 1)), rtol=0, atol=1e-9
    )
    assert (u.summary["rank_q05"] == u.summary["nominal_rank"]).all()
    assert (u.summary["rank_q95"] == u.summary["nominal_rank"]).all()


def variant(catalogue, row: pd.Series):
    """The catalogue a draw stands for: weights × multipliers, the draw's
    normalisation and imputation for every indicator, its aggregation at every
    node, outlier treatment off (``none``) or every COINr ``winmax`` set."""
    raw = catalogue.model_dump(mode="json")
    raw["settings"]["sibling_weights"] = "renormalise"
    limit = str(row.get("winsorisation", U.CATALOGUE))
    for section in ("dimensions", "indicators"):
        for item in raw[section]:
            item["weight"] = item["weight"] * row.get(f"w:{item['id']}", 1.0)
            if section == "dimensions" and row["aggregation"] != U.CATALOGUE:
                item["aggregation"] = {"method": row["aggregation"]}
            if section == "indicators" and row["normalisation"] != U.CATALOGUE:
                item["normalisation"] = {"method": row["normalisation"]}
            if section == "indicators" and row["imputation"] != U.CATALOGUE:
                item["missing"] = row["imputation"]
            if section == "indicators" and limit == "none":
                item["treatment"] = None
            elif section == "indicators" and limit.isdigit() and item["treatment"]:
                if item["treatment"]["method"] == "coinr":
                    item["treatment"]["winmax"] = int(limit)
    if row["aggregation"] != U.CATALOGUE:
        raw["settings"]["aggregation"] = {"method": row["aggregation"]}
    if limit == "none":
        raw["settings"]["treatment"] = {"method": "none"}
    elif limit.isdigit() and raw["settings"]["treatment"]["method"] == "coinr":
        raw["settings"]["treatment"]["winmax"] = int(limit)
    return ev.parse_catalogue(raw)


def pipeline_composite(data, catalogue, period, units) -> np.ndarray:
    tables = ev.score(data.observations, data.units, catalogue, period=period)
    got = tables["composite"].query("period == @period").set_index("unit_id")
    return got["composite_score"].reindex(units).to_numpy()


def test_each_draw_equals_a_pipeline_run_with_that_catalogue(
    sample_result, catalogue, data
):
    spec = U.Spec(
        n=8,
        seed=3,
        weight_levels=(1, 2),
        normalisations=(U.CATALOGUE, "minmax", "zscore"),
        aggregations=(U.CATALOGUE, "geometric"),
        imputations=(U.CATALOGUE, "peer_mean", "exclude"),
        winsorisations=(U.CATALOGUE, "none"),
    )
    u = U.run(sample_result, spec)
    for column in ("normalisation", "imputation"):  # the seed mixes options
        assert set(u.draws[column]) > {U.CATALOGUE}
    for d, row in u.draws.iterrows():  # a few draws, each a whole pipeline run
        expected = pipeline_composite(data, variant(catalogue, row), "2025", u.units)
        np.testing.assert_allclose(u.scores[d], expected, rtol=0, atol=1e-9)


def test_imputation_option_changes_the_sample_composites(sample_result):
    draws = U.draw_table(sample_result, U.Spec(n=2, weight_noise=0.0))
    draws["imputation"] = [U.CATALOGUE, "peer_mean"]
    u = U.run(sample_result, U.Spec(), draws=draws)
    # the sample leaves gaps (exclude, zero_score): imputing them moves composites
    assert not np.allclose(u.scores[0], u.scores[1], equal_nan=True)


@pytest.mark.shared_data
def test_asem_winsorisation_and_imputation_draws_equal_pipeline_runs(
    shared_data, tmp_path
):
    asem = load_example("asem_coinr")
    result = asem.run(shared_data)
    asem.asem_dataset(shared_data, tmp_path)
    data = ev.validate_dataset(ev.load_dataset(tmp_path), result.catalogue)
    spec = U.Spec(n=4, weight_levels=(1, 2), normalisations=(U.CATALOGUE, "zscore"))
    draws = U.draw_table(result, spec)
    draws["winsorisation"] = ["0", "none", "2", U.CATALOGUE]
    draws["imputation"] = ["exclude", U.CATALOGUE, "peer_median", "peer_mean"]
    u = U.run(result, spec, draws=draws)
    assert not np.allclose(u.scores[0], u.scores[3])  # the options matter here
    for d, row in u.draws.iterrows():
        cat = variant(result.catalogue, row)
        expected = pipeline_composite(data, cat, "2018", u.units)
        np.testing.assert_allclose(u.scores[d], expected, rtol=0, atol=1e-9)


def test_dirichlet_weights_centre_on_the_nominal_and_sum_to_one(sample_result):
    c, n = 40.0, 4000
    spec = U.Spec(n=n, weights="dirichlet", concentration=c, weight_levels=(1,))
    draws = U.draw_table(sample_result, spec)
    top = sample_result.catalogue.top_dimensions()
    nominal = np.array(
        [d.weight for d in sample_result.catalogue.dimensions if d.id in top]
    )
    nominal = nominal / nominal.sum()
    w = draws[[f"w:{d}" for d in top]].to_numpy() * nominal
    np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    dirichlet = stats.dirichlet(c * nominal)
    sd = np.sqrt(dirichlet.var() / n)
    assert (np.abs(w.mean(axis=0) - dirichlet.mean()) < 4 * sd).all()
    np.testing.assert_allclose(w.var(axis=0), dirichlet.var(), rtol=0.15)


def test_a_dirichlet_draw_equals_a_pipeline_run_with_its_weights(
    sample_result, catalogue, data
):
    spec = U.Spec(n=3, seed=5, weights="dirichlet", weight_levels=(1, 2))
    u = U.run(sample_result, spec)
    assert (u.draws.filter(like="w:").to_numpy() != 1.0).all()
    for d, row in u.draws.iterrows():
        expected = pipeline_composite(data, variant(catalogue, row), "2025", u.units)
        np.testing.assert_allclose(u.scores[d], expected, rtol=0, atol=1e-9)


def test_leaving_out_an_indicator_equals_aggregating_without_it(sample_result):
    spec = U.Spec(n=5, seed=1, exclude=True, weight_noise=0.0)
    draws = U.draw_table(sample_result, spec)
    draws["exclude"] = [
        "",
        "approval_on_time_rate",
        "fault_findings",
        "",
        "cost_per_service_item",
    ]
    u = U.run(sample_result, spec, draws=draws)
    normalised = sample_result.normalised.pivot_table(
        index=["period", "unit_id"],
        columns="indicator_id",
        values="score",
        dropna=False,
    )
    normalised = normalised.loc["2025"].reindex(u.units)
    normalised.index = pd.MultiIndex.from_product(
        [["2025"], u.units], names=["period", "unit_id"]
    )
    for d, left_out in enumerate(draws["exclude"]):
        x = normalised.copy()
        if left_out:
            x[left_out] = np.nan
        expected = aggregate(x, sample_result.catalogue).scores[COMPOSITE].to_numpy()
        np.testing.assert_allclose(u.scores[d], expected, rtol=0, atol=1e-9)


def test_a_draw_table_replays_exactly(sample_result):
    spec = U.Spec(
        n=300,
        normalisations=(U.CATALOGUE, "minmax"),
        imputations=(U.CATALOGUE, "peer_median"),
        exclude=True,
        chunk=70,
    )
    first = U.run(sample_result, spec)
    again = U.run(sample_result, spec, draws=first.draws.copy())
    assert np.array_equal(first.scores, again.scores, equal_nan=True)
    for chunk in (1, 1000):
        other = U.run(sample_result, U.Spec(chunk=chunk), draws=first.draws)
        assert np.array_equal(first.scores, other.scores, equal_nan=True)


def test_a_pickled_model_scores_any_block_as_the_whole_run(sample_result):
    spec = U.Spec(n=257, normalisations=(U.CATALOGUE, "zscore"), weight_levels=(1, 2))
    whole = U.run(sample_result, spec)
    model = U.prepare(sample_result, "2025", (U.CATALOGUE, "zscore"))
    model = pickle.loads(pickle.dumps(model))
    blocks = [whole.draws.iloc[s : s + 97] for s in range(0, 257, 97)]
    scores = np.concatenate([model.composite(b) for b in blocks[::-1]][::-1])
    assert np.array_equal(scores, whole.scores, equal_nan=True)
    done = U._finish(sample_result, spec, "2025", model.units, whole.draws, scores)
    pd.testing.assert_frame_equal(done.summary, whole.summary)


def test_ranks_are_scipy_min_ranks_at_nine_decimals():
    rng = np.random.default_rng(1)
    scores = np.round(rng.uniform(0, 100, (200, 37)), 1)  # many ties
    scores[rng.random(scores.shape) < 0.1] = np.nan
    scores[0] = np.nan  # a draw that ranks nobody
    scores[1, :3] = [50.0, 50.0 + 1e-11, 50.0 - 1e-10]  # equal at 9 decimals
    expected = stats.rankdata(
        -np.round(scores, 9), method="min", axis=1, nan_policy="omit"
    )
    expected = np.where(np.isnan(scores), np.nan, expected)
    assert np.array_equal(U._ranks(scores), expected, equal_nan=True)


def test_summary_is_numpy_percentiles_of_the_draws(sample_result):
    u = U.run(sample_result, U.Spec(n=301, weight_noise=0.5, exclude=True))
    s = u.summary
    r, x = u.ranks.astype(float), u.scores
    np.testing.assert_allclose(s["mean_rank"], np.nanmean(r, axis=0), atol=1e-12)
    for column, data, q in [
        ("rank_q05", r, 5), ("median_rank", r, 50), ("rank_q95", r, 95),
        ("score_q05", x, 5), ("score_q95", x, 95),
    ]:  # fmt: skip
        expected = np.nanpercentile(data, q, axis=0)
        np.testing.assert_allclose(s[column], expected, rtol=0, atol=1e-9)


def test_ranges_within_each_type_of_unit_are_scipy_ranks_of_each_list(sample_result):
    """Districts and departments are published as two lists, each ranked apart: a
    unit's range is the 5–95 % of its rank among its own type in each draw (scipy's
    min ranks at 9 decimals, numpy's percentiles), around its published list rank."""
    from evaluation.publish.export import level_ranks

    u = U.run(sample_result, U.Spec(n=201, weight_noise=0.5))
    s = u.summary.set_index("unit_id")
    level = sample_result.units.set_index("unit_id")["level"].reindex(u.units)
    for kind in ("district", "department"):
        at = np.flatnonzero(level.to_numpy() == kind)
        x = u.scores[:, at]
        ranks = stats.rankdata(-np.round(x, 9), method="min", axis=1, nan_policy="omit")
        ids = [u.units[i] for i in at]
        for column, q in (("level_rank_q05", 5), ("level_rank_q95", 95)):
            expected = np.nanpercentile(ranks, q, axis=0)
            np.testing.assert_allclose(s.loc[ids, column], expected, rtol=0, atol=1e-9)
        published = level_ranks(sample_result, kind).query("period == '2025'")
        nominal = published.set_index("unit_id")["rank"].reindex(ids)
        np.testing.assert_array_equal(s.loc[ids, "level_rank"], nominal.astype(float))
        assert (s.loc[ids, "level_rank_q95"] <= len(ids)).all()
    ranges = rank_range(u.summary, within_level=True)
    first = level_ranks(sample_result, "district").query("period == '2025'")
    top = first.sort_values("rank")["unit_id"].iloc[0]
    assert ranges[top].startswith("1 (1–")


def test_spec_from_stored_plain_data(sample_result):
    u = U.run(sample_result, U.Spec(n=5, winsorisations=("catalogue", "none")))
    assert U.Spec(**u.spec) == U.Spec(n=5, winsorisations=["catalogue", "none"])
    spec = U.Spec(normalisations=["catalogue", "minmax"], winsorisations=[3])
    assert spec.normalisations == ("catalogue", "minmax")
    assert spec.winsorisations == ("3",)


def test_a_winsorisation_limit_needs_coinr_treatment(sample_result):
    with pytest.raises(EvaluationError, match="treats no indicator with coinr"):
        U.run(sample_result, U.Spec(n=3, winsorisations=(U.CATALOGUE, "3")))
    with pytest.raises(EvaluationError, match="winsorisation options"):
        U.run(sample_result, U.Spec(n=3, winsorisations=("five",)))


def test_rank_intervals_are_ordered_and_read_like_published_tables(sample_result):
    u = U.run(sample_result, U.Spec(n=400, weight_noise=0.5))
    s = u.summary
    assert (s["rank_q05"] <= s["median_rank"]).all()
    assert (s["median_rank"] <= s["rank_q95"]).all()
    assert u.ranks.min() == 1 and np.nanmax(u.ranks) <= len(u.units)
    assert rank_range(s).str.fullmatch(r"\d+ \(\d+–\d+\)").all()
    # interpolated percentiles widen to whole places, never narrow: 2.3 → 2, 4.05 → 5
    hand = pd.DataFrame(
        {"unit_id": ["a", "b", "c"], "nominal_rank": [3, 1, np.nan],
         "rank_q05": [2.3, 1.0, np.nan], "rank_q95": [4.05, 2.0, np.nan]}
    )  # fmt: skip
    assert rank_range(hand).tolist() == ["3 (2–5)", "1 (1–2)", ""]


def test_sobol_indices_of_the_rank_shift(sample_result):
    spec = U.Spec(normalisations=(U.CATALOGUE, "zscore"), weight_noise=0.25)
    s = U.sensitivity(sample_result, spec, n=256)
    assert list(s["factor"]) == [
        *(f"w:{d}" for d in sample_result.catalogue.top_dimensions()),
        "normalisation",
    ]
    assert np.isfinite(s[["S1", "ST"]].to_numpy()).all()
    assert (s["ST"] >= -0.05).all() and s["S1"].sum() <= 1.1
    # switching every indicator's normalisation moves ranks more than any one weight
    assert s.set_index("factor").at["normalisation", "ST"] == s["ST"].max()


def test_sobol_design_and_indices_match_salib():
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    bounds = [[-1.0, 1.0], [0.0, 1.0], [0.0, 2.0]]
    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": bounds}
    x = U._saltelli(np.array(bounds), 128, 7)
    np.testing.assert_allclose(
        x, sample.sample(problem, 128, calc_second_order=False, seed=7), atol=1e-15
    )
    y = x[:, 0] ** 2 + 2 * x[:, 1] + x[:, 1] * x[:, 2]
    s1, s1_conf, st, st_conf = U._sobol(
        y, 3, resamples=200, rng=np.random.default_rng(0)
    )
    ref = analyze.analyze(
        problem, y, calc_second_order=False, num_resamples=200, seed=0
    )
    np.testing.assert_allclose(s1, ref["S1"], atol=1e-12)
    np.testing.assert_allclose(st, ref["ST"], atol=1e-12)
    # bootstrap intervals: other resamples, the same spread
    np.testing.assert_allclose(s1_conf, ref["S1_conf"], rtol=0.3)
    np.testing.assert_allclose(st_conf, ref["ST_conf"], rtol=0.3)


def test_sobol_with_dirichlet_weights_and_a_discrete_imputation(sample_result):
    spec = U.Spec(
        weights="dirichlet", concentration=20.0, imputations=(U.CATALOGUE, "peer_mean")
    )
    s = U.sensitivity(sample_result, spec, n=128)
    top = sample_result.catalogue.top_dimensions()
    assert list(s["factor"]) == [*(f"w:{d}" for d in top), "imputation"]
    assert np.isfinite(s[["S1", "ST"]].to_numpy()).all()


def test_the_league_table_carries_rank_intervals(sample_result):
    # no noise: every draw ranks as published, so each range is "r (r–r)"
    still = U.run(sample_result, U.Spec(n=20, weight_noise=0.0))
    table = sample_result.league_table(intervals=still.summary)
    assert list(table.columns[1:5]) == ["rank", "rank_q05", "rank_q95", "rank_range"]
    ranks = table["rank"].astype(int).astype(str)
    assert (table["rank_range"] == ranks + " (" + ranks + "–" + ranks + ")").all()
    # with noise: the columns are numpy's percentiles of the unit's draws
    u = U.run(sample_result, U.Spec(n=300, weight_noise=0.5, seed=2))
    table = sample_result.league_table(peer_group="social", intervals=u.summary)
    for row in table.itertuples():
        drawn = u.ranks[:, u.units.index(row.unit_id)]
        assert row.rank_q05 == pytest.approx(np.percentile(drawn, 5))
        assert row.rank_q95 == pytest.approx(np.percentile(drawn, 95))
        assert row.rank_range.startswith(f"{row.rank} (")
    assert (table["rank_q95"] - table["rank_q05"]).max() >= 2  # not trivial


def test_rank_widths_widest_first_equal_widths_in_their_order():
    """By hand: U1 spans 1–3 (2), U2 1.5–4.75, shown 1.5–4.8 (3.3), U3 2–4 (2): U2
    first, then U1 and U3 as the summary has them."""
    summary = pd.DataFrame(
        {
            "unit_id": ["U1", "U2", "U3"],
            "rank_q05": [1.0, 1.5, 2.0],
            "rank_q95": [3.0, 4.75, 4.0],
        }
    )
    wide = U.rank_widths(summary)
    assert wide["unit_id"].tolist() == ["U2", "U1", "U3"]
    assert wide["width"].tolist() == [3.3, 2.0, 2.0]


def test_a_rank_width_is_that_of_its_ends_as_shown():
    """Ends shown to 1 decimal half up: 18.95–24.0 reads 19.0–24.0, 5.0 wide (not
    5.1, 24.0 − 18.95 = 5.05 rounded); 3.04–7.96 reads 3.0–8.0, 5.0 (not 4.9); the
    ends themselves are kept as computed. By hand."""
    summary = pd.DataFrame(
        {
            "unit_id": ["U1", "U2", "U3"],
            "rank_q05": [18.95, 3.04, 1.0],
            "rank_q95": [24.0, 7.96, 6.05],
        }
    )
    wide = U.rank_widths(summary)
    assert wide["unit_id"].tolist() == ["U3", "U1", "U2"]  # 6.1 − 1.0 = 5.1 first
    assert wide["width"].tolist() == [5.1, 5.0, 5.0]
    assert wide["rank_q05"].tolist() == [1.0, 18.95, 3.04]
    assert wide["width"].median() == 5.0
