"""The vectorised uncertainty engine against the pipeline, draw by draw."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation import uncertainty as U
from evaluation.aggregate import aggregate
from evaluation.catalogue import COMPOSITE

from ..conftest import ROOT


@pytest.fixture(scope="module")
def data(catalogue):
    return ev.validate_dataset(ev.load_dataset(ROOT / "data" / "sample"), catalogue)


def published(result, units) -> np.ndarray:
    comp = result.composite.query("period == '2025'").set_index("unit_id")
    return comp["composite_score"].reindex(units).to_numpy()


def test_without_noise_every_draw_is_the_published_composite(sample_result):
    u = U.run(sample_result, U.Spec(n=4, weight_noise=0.0))
    assert np.array_equal(
        u.scores, np.tile(published(sample_result, u.units), (4, 1)), equal_nan=True
    )
    assert (u.summary["rank_q05"] == u.summary["nominal_rank"]).all()
    assert (u.summary["rank_q95"] == u.summary["nominal_rank"]).all()


def variant(catalogue, row: pd.Series):
    """The catalogue a draw stands for: weights × multipliers, the draw's
    normalisation for every indicator, its aggregation at every node."""
    raw = catalogue.model_dump(mode="json")
    raw["settings"]["sibling_weights"] = "renormalise"
    for section in ("dimensions", "indicators"):
        for item in raw[section]:
            item["weight"] = item["weight"] * row.get(f"w:{item['id']}", 1.0)
            if section == "dimensions" and row["aggregation"] != U.CATALOGUE:
                item["aggregation"] = {"method": row["aggregation"]}
            if section == "indicators" and row["normalisation"] != U.CATALOGUE:
                item["normalisation"] = {"method": row["normalisation"]}
    if row["aggregation"] != U.CATALOGUE:
        raw["settings"]["aggregation"] = {"method": row["aggregation"]}
    return ev.parse_catalogue(raw)


def test_each_draw_equals_a_pipeline_run_with_that_catalogue(
    sample_result, catalogue, data
):
    spec = U.Spec(
        n=6,
        seed=3,
        weight_levels=(1, 2),
        normalisations=(U.CATALOGUE, "minmax", "zscore"),
        aggregations=(U.CATALOGUE, "geometric"),
    )
    u = U.run(sample_result, spec)
    assert set(u.draws["normalisation"]) > {U.CATALOGUE}  # the seed mixes options
    for d, row in u.draws.iterrows():  # a few draws, each a whole pipeline run
        tables = ev.score(
            data.observations, data.units, variant(catalogue, row), period="2025"
        )
        got = tables["composite"].query("period == '2025'").set_index("unit_id")
        expected = got["composite_score"].reindex(u.units).to_numpy()
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
    spec = U.Spec(n=300, normalisations=(U.CATALOGUE, "minmax"), exclude=True, chunk=70)
    first = U.run(sample_result, spec)
    again = U.run(sample_result, spec, draws=first.draws.copy())
    assert np.array_equal(first.scores, again.scores, equal_nan=True)
    other_chunks = U.run(sample_result, U.Spec(chunk=1000), draws=first.draws)
    assert np.array_equal(first.scores, other_chunks.scores, equal_nan=True)


def test_rank_intervals_are_ordered_and_read_like_published_tables(sample_result):
    u = U.run(sample_result, U.Spec(n=400, weight_noise=0.5))
    s = u.summary
    assert (s["rank_q05"] <= s["median_rank"]).all()
    assert (s["median_rank"] <= s["rank_q95"]).all()
    assert u.ranks.min() == 1 and np.nanmax(u.ranks) <= len(u.units)
    text = U.rank_range(s)
    r = s.iloc[0]
    assert (
        text.iloc[0] == f"{int(r.nominal_rank)} ({int(r.rank_q05)}–{int(r.rank_q95)})"
    )


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
