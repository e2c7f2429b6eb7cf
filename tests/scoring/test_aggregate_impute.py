"""Imputation at a dimension (``dimensions[].missing``): a unit's missing node score
filled before the parent combines it, by the peer group's mean or median, by the
unit's latest earlier score, or left out (``exclude``, the parent renormalises).

Every expected value is worked out by hand in the comments."""

from __future__ import annotations

from typing import get_args

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.analysis import uncertainty, views
from evaluation.catalogue import COMPOSITE, Aggregation, Dimension, Weights
from evaluation.errors import CatalogueError, EvaluationError
from evaluation.scale import national
from evaluation.scoring.aggregate import (
    NODE_IMPUTERS,
    Node,
    Rows,
    aggregate,
    score_nodes,
)

from ..conftest import write_dataset

ARITH = Aggregation(method="arithmetic")


def a_and_b(missing: str, need: float = 0.5):
    """Indicator i0 under A (rule ``missing``), i1 under B; A:B = 1:1."""
    a = Node("A", ("i0",), np.array([0]), np.array([1.0]), need, Weights(), ARITH,
             missing)  # fmt: skip
    b = Node("B", ("i1",), np.array([1]), np.array([1.0]), need, Weights(), ARITH)
    top = Node(COMPOSITE, ("A", "B"), np.array([-1, -1]), np.array([0.5, 0.5]),
               need, Weights(), ARITH)  # fmt: skip
    return (a, b, top)


def local(node: Node, x: np.ndarray) -> np.ndarray:
    return node.local[None, None, :]


# six units, one period: U1–U4 in g1, U5–U6 in g2; U4 has no i0, so no A
PEERS = np.array(["g1", "g1", "g1", "g1", "g2", "g2"])
X = np.array(
    [
        [60.0, 50.0],
        [80.0, 50.0],
        [10.0, 50.0],
        [np.nan, 70.0],
        [30.0, 50.0],
        [50.0, 50.0],
    ]
)


def test_peer_mean_fills_the_node_from_its_peer_group_by_hand():
    rolled = score_nodes(X, a_and_b("peer_mean"), local, rows=Rows(PEERS))
    # g1's A scores 60, 80, 10: mean 50; U4 = (50 + 70) / 2 = 60
    assert rolled.values["A"][0, 3] == pytest.approx(50.0)
    assert rolled.values[COMPOSITE][0, 3] == pytest.approx(60.0)
    assert rolled.imputed["A"][0].tolist() == [False, False, False, True, False, False]
    # the others keep their own scores: U1 = (60 + 50) / 2
    assert rolled.values[COMPOSITE][0, 0] == pytest.approx(55.0)
    assert rolled.coverage["A"][0, 3] == 0  # the coverage it had, not the filled one


def test_peer_median_fills_the_node_from_its_peer_group_by_hand():
    rolled = score_nodes(X, a_and_b("peer_median"), local, rows=Rows(PEERS))
    # median of 60, 80, 10 is 60; U4 = (60 + 70) / 2 = 65
    assert rolled.values["A"][0, 3] == pytest.approx(60.0)
    assert rolled.values[COMPOSITE][0, 3] == pytest.approx(65.0)


def test_exclude_renormalises_over_the_other_children_as_before():
    for rows in (None, Rows(PEERS)):
        rolled = score_nodes(X, a_and_b("exclude"), local, rows=rows)
        # U4: A missing, B alone (coverage 0.5 ≥ 0.5): composite = 70
        assert np.isnan(rolled.values["A"][0, 3])
        assert rolled.values[COMPOSITE][0, 3] == pytest.approx(70.0)
        assert "A" not in rolled.imputed


def test_peer_statistics_use_computed_scores_only_and_leave_empty_groups_empty():
    x = np.array([[np.nan, 40.0], [np.nan, 60.0], [20.0, 80.0]])
    rolled = score_nodes(
        x, a_and_b("peer_mean"), local, rows=Rows(np.array(["g1", "g1", "g2"]))
    )
    # g1 has no A score at all: nothing to fill, both fall back to B alone
    np.testing.assert_allclose(rolled.values["A"][0], [np.nan, np.nan, 20.0])
    np.testing.assert_allclose(rolled.values[COMPOSITE][0], [40.0, 60.0, 50.0])
    assert not rolled.imputed["A"].any()


def test_carry_forward_takes_the_units_latest_earlier_score_by_hand():
    # two periods × two units, period by period: (p1, U1), (p1, U2), (p2, U1), (p2, U2)
    x = np.array([[40.0, 50.0], [np.nan, 50.0], [np.nan, 80.0], [70.0, 60.0]])
    rolled = score_nodes(
        x, a_and_b("carry_forward"), local, rows=Rows(np.array(["g", "g"]), periods=2)
    )
    # p2 U1 carries its p1 A = 40: (40 + 80) / 2 = 60; p1 U2 has nothing earlier:
    # B alone, 50
    np.testing.assert_allclose(rolled.values["A"][0], [40.0, np.nan, 40.0, 70.0])
    np.testing.assert_allclose(rolled.values[COMPOSITE][0], [45.0, 50.0, 60.0, 65.0])
    assert rolled.imputed["A"][0].tolist() == [False, False, True, False]


def test_each_draw_is_filled_from_its_own_scores():
    # i0, i1 under A; i2 under B; U3 has no A. Draw 1: A = ½ i0 + ½ i1 → 40, 70,
    # mean 55, composite (55 + 50) / 2 = 52.5. Draw 2: A = i0 → 20, 40, mean 30:
    # (30 + 50) / 2 = 40.
    x = np.array([[20.0, 60.0, 10.0], [40.0, 100.0, 10.0], [np.nan, np.nan, 50.0]])
    a = Node("A", ("i0", "i1"), np.array([0, 1]), np.array([0.5, 0.5]), 0.5,
             Weights(), ARITH, "peer_mean")  # fmt: skip
    b = Node("B", ("i2",), np.array([2]), np.array([1.0]), 0.5, Weights(), ARITH)
    top = Node(COMPOSITE, ("A", "B"), np.array([-1, -1]), np.array([0.5, 0.5]),
               0.5, Weights(), ARITH)  # fmt: skip
    weights = {
        "A": np.array([[0.5, 0.5], [1.0, 0.0]]),
        "B": np.array([[1.0], [1.0]]),
        COMPOSITE: np.array([[0.5, 0.5], [0.5, 0.5]]),
    }
    rolled = score_nodes(x, (a, b, top), weights, rows=Rows(np.array(["g"] * 3)))
    np.testing.assert_allclose(rolled.values[COMPOSITE][:, 2], [52.5, 40.0])


def test_without_rows_a_rule_with_something_to_fill_is_a_clear_error():
    with pytest.raises(EvaluationError, match=r"A: missing: peer_mean .* peer groups"):
        score_nodes(X, a_and_b("peer_mean"), local)
    complete = X[[0, 1, 2, 4, 5]]  # nothing to fill: no error, no change
    rolled = score_nodes(complete, a_and_b("peer_mean"), local)
    np.testing.assert_allclose(rolled.values["A"][0], complete[:, 0])


# ------------------------------------------------------------ the catalogue
def catalogue(missing: str = "peer_mean", **extra) -> ev.Catalogue:
    """A (a0 weight 1, a1 weight 3; min_coverage 0.5; rule ``missing``) and B (b0),
    1:1; every indicator on 0–100 goalposts, so its score is its value."""

    def indicator(id_, parent, weight=1):
        return {
            "id": id_, "parent": parent, "weight": weight, "name_zh": id_,
            "name_en": id_, "definition_zh": "定义", "definition_en": "definition",
            "unit_zh": "分", "unit_en": "points", "direction": "higher",
            "agency": "office", "frequency": "annual", "rollup": "last",
            "normalisation": {"method": "goalposts", "worst": 0, "best": 100},
            "valid": {"min": 0, "max": 100},
        }  # fmt: skip

    return ev.parse_catalogue(
        {
            "id": "impute",
            "version": "1",
            "name_zh": "插补",
            "name_en": "Imputation",
            "agencies": [{"id": "office", "name_zh": "办公室", "name_en": "Office"}],
            "peer_groups": [
                {"id": "g1", "name_zh": "一组", "name_en": "One"},
                {"id": "g2", "name_zh": "二组", "name_en": "Two"},
            ],
            "dimensions": [
                {
                    "id": "a",
                    "name_zh": "甲",
                    "name_en": "A",
                    "min_coverage": 0.5,
                    "missing": missing,
                    **extra,
                },  # fmt: skip
                {"id": "b", "name_zh": "乙", "name_en": "B"},
            ],
            "indicators": [
                indicator("a0", "a"),
                indicator("a1", "a", 3),
                indicator("b0", "b"),
            ],
        }
    )


def test_the_catalogue_allows_exactly_the_registered_rules():
    allowed = set(get_args(Dimension.model_fields["missing"].annotation))
    assert allowed == set(NODE_IMPUTERS) | {"exclude"}
    assert catalogue().dimensions[0].missing == "peer_mean"
    assert catalogue("exclude").dimensions[1].missing == "exclude"  # the default


def test_an_unknown_dimension_rule_names_its_yaml_path():
    with pytest.raises(CatalogueError) as err:
        catalogue("region_mean")
    problems = err.value.problems
    assert problems["path"].tolist() == ["dimensions[0].missing"]
    assert "peer_mean" in problems["rule"].iloc[0]


def test_aggregate_flags_the_filled_node_and_gives_its_indicators_no_weight():
    # U1: A = .25·40 + .75·60 = 55; U2: A = .25·80 + .75·20 = 35; U3 has only a0
    # (coverage .25 < .5): A = mean(55, 35) = 45, composite (45 + 90) / 2 = 67.5
    index = pd.MultiIndex.from_product([["2025"], ["U1", "U2", "U3"]],
                                       names=["period", "unit_id"])  # fmt: skip
    normalised = pd.DataFrame(
        {"a0": [40.0, 80.0, 10.0], "a1": [60.0, 20.0, np.nan], "b0": [50, 30, 90.0]},
        index=index,
    )
    peers = pd.Series(["g1", "g1", "g1"], index=["U1", "U2", "U3"])
    agg = aggregate(normalised, catalogue(), peers=peers)
    np.testing.assert_allclose(agg.scores["a"], [55, 35, 45])
    np.testing.assert_allclose(agg.scores[COMPOSITE], [52.5, 32.5, 67.5])
    assert agg.imputed["a"].tolist() == [False, False, True]
    assert not agg.imputed["b"].any()
    # U3's a0 made none of A's 45: weight 0; U1: a0 .5·.25, a1 .5·.75, b0 .5
    np.testing.assert_allclose(agg.weights.loc[("2025", "U3")], [0, 0, 0.5])
    np.testing.assert_allclose(agg.weights.loc[("2025", "U1")], [0.125, 0.375, 0.5])
    # the contributions add up to the composite less the filled part (.5 · 45)
    assert agg.contributions.loc[("2025", "U3")].sum() == pytest.approx(45.0)
    # without peer groups nothing can be filled: a clear error
    with pytest.raises(EvaluationError, match="a: missing: peer_mean"):
        aggregate(normalised, catalogue())


UNITS = pd.DataFrame(
    {
        "unit_id": ["U1", "U2", "U3", "U4"],
        "name_zh": ["一", "二", "三", "四"],
        "name_en": ["One", "Two", "Three", "Four"],
        "peer_group": ["g1", "g1", "g1", "g2"],
        "level": ["department"] * 4,
        "parent_id": [""] * 4,
    }
)
# 2024: every unit complete; 2025: U3 reports only b0 (A unscored, coverage 0)
A_2024 = {"U1": 20, "U2": 40, "U3": 70, "U4": 10}
ROWS = [
    *[(u, "2024", i, v) for i in ("a0", "a1") for u, v in A_2024.items()],
    *[(u, "2024", "b0", 50) for u in A_2024],
    ("U1", "2025", "a0", 60), ("U1", "2025", "a1", 60), ("U1", "2025", "b0", 40),
    ("U2", "2025", "a0", 90), ("U2", "2025", "a1", 90), ("U2", "2025", "b0", 40),
    ("U3", "2025", "a0", ""), ("U3", "2025", "a1", ""), ("U3", "2025", "b0", 80),
    ("U4", "2025", "a0", 30), ("U4", "2025", "a1", 30), ("U4", "2025", "b0", 40),
]  # fmt: skip


@pytest.mark.parametrize(
    ("missing", "a_u3", "composite_u3"),
    [
        ("peer_mean", 75.0, 77.5),  # g1's A in 2025: 60, 90 → 75; (75 + 80) / 2
        ("peer_median", 75.0, 77.5),  # two values: the median is their mean
        ("carry_forward", 70.0, 75.0),  # U3's own A of 2024; (70 + 80) / 2
        ("exclude", np.nan, 80.0),  # B alone (coverage 0.5 ≥ 0.5)
    ],
)
def test_the_pipeline_fills_flags_and_ranks_by_hand(
    tmp_path, missing, a_u3, composite_u3
):
    data = ev.load_dataset(write_dataset(tmp_path, UNITS, ROWS))
    result = ev.run(catalogue(missing), data, period="2025", run_at="2026-01-01")
    s = result.scores.set_index(["period", "unit_id", "node_id"])
    np.testing.assert_allclose(s.loc[("2025", "U3", "a"), "score"], a_u3)
    assert bool(s.loc[("2025", "U3", "a"), "imputed"]) == (missing != "exclude")
    assert s["imputed"].sum() == (missing != "exclude")  # that cell only
    c = result.composite.set_index(["period", "unit_id"])["composite_score"]
    assert c[("2025", "U3")] == pytest.approx(composite_u3)
    # U1 60/40 → 50, U2 90/40 → 65, U4 30/40 → 35: U3 first in every case
    assert result.ranks.set_index(["period", "unit_id"])["rank"][("2025", "U3")] == (1)
    # the league counts the filled dimension as an imputed value (the media note)
    league = result.league_table("2025").set_index("unit_id")["n_imputed"]
    assert league.to_dict() == {
        "U1": 0,
        "U2": 0,
        "U3": int(missing != "exclude"),
        "U4": 0,
    }
    # the what-if over the published dimension scores gives the same composite
    w = views.whatif(result, "2025", views.published_weights(result, "2025"))
    assert w.set_index("unit_id")["score"]["U3"] == pytest.approx(composite_u3)


def test_the_uncertainty_analysis_fills_a_dimension_from_its_peers(tmp_path):
    """Draws score one period: a dimension filled from its peer group there is
    filled in every draw (the unperturbed draw is the published composite); one
    filled from earlier periods cannot be, and says so."""
    data = ev.load_dataset(write_dataset(tmp_path, UNITS, ROWS))
    result = ev.run(catalogue("peer_mean"), data, period="2025", run_at="2026-01-01")
    published = result.composite.query("period == '2025'")["composite_score"]
    assert result.scores["imputed"].any()  # a unit's dimension was filled
    run = uncertainty.run(result, uncertainty.Spec(n=8, weight_noise=0.0))
    for draw in run.scores:  # draws × units: every draw the published weights
        np.testing.assert_allclose(draw, published.to_numpy(), rtol=0, atol=1e-9)
    result = ev.run(
        catalogue("carry_forward"), data, period="2025", run_at="2026-01-01"
    )
    with pytest.raises(EvaluationError, match="carry_forward.*one period"):
        uncertainty.run(result, uncertainty.Spec(n=8))


def test_the_national_scoring_fills_as_the_pipeline(tmp_path):
    # one period: U3's A = g1's mean in 2025, (60 + 90) / 2 = 75; (75 + 80) / 2
    rows = pd.DataFrame(ROWS, columns=["unit_id", "period", "indicator_id", "value"])
    rows = rows[rows["period"] == "2025"].assign(
        value=lambda r: pd.to_numeric(r["value"], errors="coerce")
    )
    rows.to_parquet(tmp_path / "reports.parquet", index=False)
    got = national.score_parquet(
        tmp_path / "reports.parquet", UNITS, catalogue("peer_mean"), period="2025"
    )
    at = ("2025", "U3")
    assert got.aggregated.scores.loc[at, "a"] == pytest.approx(75.0)
    assert got.aggregated.imputed.loc[at, "a"]
    assert int(got.aggregated.imputed.to_numpy().sum()) == 1
    composite = got.composite.set_index("unit_id")["composite_score"]
    assert composite["U3"] == pytest.approx(77.5)
