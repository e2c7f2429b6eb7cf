"""The matrix path equals the pipeline's normalise + aggregate on complete data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.catalogue import COMPOSITE
from evaluation.scoring import matrix as M
from evaluation.scoring.aggregate import aggregate
from evaluation.scoring.normalise import normalise
from evaluation.scoring.rank import rank_units


@pytest.fixture(scope="module")
def minmax_catalogue(catalogue):
    raw = catalogue.model_dump(mode="json")
    for ind in raw["indicators"]:
        ind["normalisation"] = {"method": "minmax"}
    return ev.parse_catalogue(raw)


def test_matrix_scores_equal_the_pipeline_on_complete_data(minmax_catalogue):
    cat = minmax_catalogue
    ids = [i.id for i in cat.indicators if i.frequency == "monthly"]  # a monthly period
    rng = np.random.default_rng(4)
    x = rng.uniform(1, 99, (300, len(ids)))
    x[:, 3] = 42.0  # a column where every unit is equal
    got = M.score_matrix(x, cat, ids)
    index = pd.MultiIndex.from_product(
        [["2025-M01"], [f"U{i}" for i in range(300)]], names=["period", "unit_id"]
    )
    frame = pd.DataFrame(x, index=index, columns=ids)
    scored = normalise(frame, cat)
    np.testing.assert_allclose(got.normalised, scored.to_numpy(), rtol=0, atol=1e-9)
    agg = aggregate(scored, cat)
    for j, node in enumerate(got.node_ids):
        np.testing.assert_allclose(
            got.nodes[:, j], agg.scores[node].to_numpy(), rtol=0, atol=1e-9
        )
    expected = rank_units(agg.scores[COMPOSITE]).to_numpy()
    assert np.array_equal(got.ranks, expected.astype(np.int64))


def test_effective_weights_sum_to_one_and_refuse_missing_cells(minmax_catalogue):
    ids = [i.id for i in minmax_catalogue.indicators]
    parents, e = M.node_weights(minmax_catalogue, ids)
    np.testing.assert_allclose(e.sum(axis=0), 1.0)
    assert parents[-1] == COMPOSITE
    with pytest.raises(ValueError, match="complete matrix"):
        M.score_matrix(np.full((2, len(ids)), np.nan), minmax_catalogue, ids)
