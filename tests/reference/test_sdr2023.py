"""The SDG Index 2023 (``examples/sdr_2023``) against the numbers the Sustainable
Development Report publishes in the same file (``../shared/data/sdr2023_sdg_index``):
each indicator's normalised score, each goal's missing cells, the index to its
published 1 decimal and the ranks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evaluation as ev

from ..conftest import load_example

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def sdr(shared_data):
    example = load_example("sdr_2023")
    result = example.run(shared_data)
    return example, result, example.read_sdr(shared_data)


def test_each_indicators_goalposts_give_the_published_normalised_scores(sdr):
    example, result, published = sdr
    assert len(result.catalogue.indicators) == 98
    ours = result.normalised.pivot(
        index="unit_id", columns="indicator_id", values="score"
    )
    for ind in result.catalogue.indicators:
        expected = published[f"Normalized Score: {ind.id}"]
        if ind.id != example.NO_RAW:  # the SDR's own rescaling, written with numpy
            x = published[example.raw_column(published, ind.id)].astype(float)
            n = ind.normalisation
            by_hand = np.clip(100 * (x - n.worst) / (n.best - n.worst), 0, 100)
            np.testing.assert_allclose(by_hand, expected, atol=5e-4 + 1e-9)
        # the pipeline's scores: published to 3 decimals (rounding: 0.0005)
        np.testing.assert_allclose(
            ours[ind.id][expected.index], expected, atol=5e-4 + 1e-9
        )


def test_the_missing_goals_are_the_published_ones_filled_from_the_region(sdr):
    _, result, published = sdr
    filled = result.scores.pivot(index="unit_id", columns="node_id", values="imputed")
    for k in range(1, 18):
        gap = published[f"Goal {k} Score"].isna()
        assert filled[f"sdg{k}"][gap.index].tolist() == gap.tolist(), f"Goal {k}"
    # goals 1 (15 countries), 10 (17) and 14 (the 40 landlocked ones) are filled
    assert int(filled.to_numpy().sum()) == 15 + 17 + 40
    # e.g. New Zealand's Goal 1 (none of its 2 indicators): the mean of the OECD
    # countries' Goal 1 scores (published to 1 decimal, so to within 0.05)
    scores = result.scores.pivot(index="unit_id", columns="node_id", values="score")
    region = published["Regions used for the SDR"]
    oecd = published.loc[region == "OECD", "Goal 1 Score"].dropna()
    assert len(oecd) == 37  # 38 OECD countries, New Zealand's missing
    assert scores.loc["NZL", "sdg1"] == pytest.approx(oecd.mean(), abs=0.05)


def test_every_countrys_index_and_rank_is_the_published_one(sdr):
    _, result, published = sdr
    table = _compare(result, published)
    assert len(table) == 166
    assert ((table["rounded"] - table["published"]).abs() < 1e-9).all()
    assert (table["ours"] - table["published"]).abs().max() < 0.05
    assert (table["rank"] == table["published_rank"]).all()


def _compare(result, published) -> pd.DataFrame:
    """Our index, unrounded and rounded half up to 1 decimal, and rank, beside the
    published ones (by country)."""
    ours = result.composite.set_index("unit_id")["composite_score"][published.index]
    return pd.DataFrame(
        {
            "ours": ours,
            "rounded": np.floor(ours * 10 + 0.5) / 10,
            "published": published["2023 SDG Index Score"],
            "rank": result.ranks.set_index("unit_id")["rank"][published.index],
            "published_rank": published["2023 SDG Index Rank"],
        }
    )


def test_dropping_a_missing_goal_instead_is_off_as_the_issue_measured(sdr, shared_data):
    # missing: exclude (the other goals renormalised): 59 of 166 countries off at
    # the published rounding, by up to 3.45; 39 ranks equal (issue 16)
    example, result, published = sdr
    raw = result.catalogue.model_dump()
    for dimension in raw["dimensions"]:
        dimension["missing"] = "exclude"
    dropped = example.run(shared_data, ev.parse_catalogue(raw))
    table = _compare(dropped, published)
    off = (table["rounded"] - table["published"]).abs() > 1e-9
    assert int(off.sum()) == 59
    assert (table["ours"] - table["published"]).abs().max() == pytest.approx(
        3.45, abs=0.005
    )
    assert int((table["rank"] == table["published_rank"]).sum()) == 39
