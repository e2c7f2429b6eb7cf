"""A catalogue variant for the expert panel (``catalogue.variant``) and the table of
what changed between two catalogue versions (``catalogue.compare``), by hand on the
tiny catalogue."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import evaluation as ev
from evaluation import catalogue as C

from .conftest import TINY


def changes(table) -> set[tuple]:
    return {
        (r.section, r.id, r.field, r.change, r.before, r.after)
        for r in table.itertuples()
    }


def test_a_variant_changes_what_it_is_told_and_compare_lists_exactly_that(
    tiny_catalogue,
):
    v = C.variant(
        tiny_catalogue,
        weights={"a": 0.5, "a1": 2},
        methods={"b": {"method": "entropy"}},
        version="2",
    )
    assert v.version == "2" and tiny_catalogue.version == "1"
    assert tiny_catalogue.nodes.at["a", "weight"] == 0.6  # the original untouched
    assert changes(C.compare(tiny_catalogue, v)) == {
        ("dimensions", "a", "weight", "changed", 0.6, 0.5),
        ("dimensions", "b", "weights.method", "changed", "manual", "entropy"),
        ("indicators", "a1", "weight", "changed", 1.0, 2.0),
        ("catalogue", "catalogue", "version", "changed", "1", "2"),
    }
    row = C.compare(tiny_catalogue, v).set_index("id").loc["a1"]
    assert (row["name_zh"], row["name_en"]) == ("a1指标", "Indicator a1")


def test_the_same_catalogue_has_no_changes(tiny_catalogue, catalogue):
    assert C.compare(tiny_catalogue, tiny_catalogue).empty
    assert C.compare(catalogue, catalogue).empty
    assert list(C.compare(catalogue, catalogue).columns) == C.COMPARE_COLUMNS


def test_the_composites_ahp_weights_appear_under_composite(tiny_catalogue):
    matrix = [[1, 3], [1 / 3, 1]]
    v = C.variant(
        tiny_catalogue,
        methods={"composite": {"method": "ahp", "ahp": {"children": ["a", "b"],
                                                        "matrix": matrix}}},
    )  # fmt: skip
    got = C.compare(tiny_catalogue, v)
    mine = got[got["id"] == "composite"].set_index("field")
    assert mine.at["weights.method", "before"] == "manual"
    assert mine.at["weights.method", "after"] == "ahp"
    assert mine.at["weights.ahp.children", "after"] == '["a", "b"]'
    assert (mine["section"] == "settings").all()
    assert mine.at["weights.method", "name_zh"] == "综合得分"
    assert v.version == "1+variant"


def test_an_added_and_a_removed_indicator(tiny_raw, tiny_catalogue):
    raw = copy.deepcopy(tiny_raw)
    raw["indicators"] = [i for i in raw["indicators"] if i["id"] != "b2"]
    fewer = ev.parse_catalogue(raw, file="fewer.yaml")
    assert changes(C.compare(tiny_catalogue, fewer)) == {
        ("indicators", "b2", "", "removed", None, None)
    }
    assert changes(C.compare(fewer, tiny_catalogue)) == {
        ("indicators", "b2", "", "added", None, None)
    }


def test_unknown_nodes_are_named_and_nothing_is_made(tiny_catalogue):
    with pytest.raises(ev.CatalogueError) as info:
        C.variant(tiny_catalogue, weights={"zz": 1}, methods={"a1": {"method": "sd"}})
    problems = info.value.problems
    assert list(problems["path"]) == ["weights.zz", "methods.a1"]
    assert "unknown node" in problems["rule"].iloc[0]
    assert "unknown parent node" in problems["rule"].iloc[1]


def test_a_variant_is_validated_like_a_loaded_catalogue(catalogue):
    # sum_to_one: 0.5 + 0.3 + 0.3 under efficiency.approval
    with pytest.raises(ev.CatalogueError, match="must sum to 1"):
        C.variant(catalogue, weights={"approval_on_time_rate": 0.5})
    dims = catalogue.top_dimensions()
    bad = np.ones((5, 5))
    bad[0, 1], bad[1, 0] = 9, 1 / 9
    bad[1, 2], bad[2, 1] = 9, 1 / 9
    bad[0, 2], bad[2, 0] = 1 / 9, 9  # 0 ≫ 1 ≫ 2 but 2 ≫ 0: inconsistent
    with pytest.raises(ev.CatalogueError, match="inconsistent judgements"):
        C.variant(
            catalogue,
            methods={"composite": {"method": "ahp",
                                   "ahp": {"children": dims, "matrix": bad.tolist()}}},
        )  # fmt: skip


def test_a_variant_scores_with_its_own_weights(tiny_catalogue, tiny_dataset_path):
    data = ev.load_dataset(tiny_dataset_path)
    base = ev.run(tiny_catalogue, data, period="2025", run_at="t")
    equal = C.variant(tiny_catalogue, methods={"composite": {"method": "equal"}})
    other = ev.run(equal, data, period="2025", run_at="t")
    s = base.scores[base.scores["period"] == "2025"]
    dims = s.pivot(index="unit_id", columns="node_id", values="score")[["a", "b"]]
    c = other.composite[other.composite["period"] == "2025"].set_index("unit_id")
    # the dimensions score as before; the composite is now their plain mean
    np.testing.assert_allclose(
        c.loc[dims.index, "composite_score"], (dims["a"] + dims["b"]) / 2, atol=1e-9
    )
    assert TINY["version"] == "1"


def test_peer_group_names_in_catalogue_order(tiny_catalogue, catalogue):
    assert tiny_catalogue.peer_group_names() == {"g1": "第一组", "g2": "第二组"}
    assert tiny_catalogue.peer_group_names("en") == {
        "g1": "Group one",
        "g2": "Group two",
    }
    assert list(catalogue.peer_group_names()) == [
        "economic", "social", "regulatory", "general", "district",
    ]  # fmt: skip
    assert catalogue.peer_group_names()["district"] == "县（市）区政府"
    with pytest.raises(ValueError, match="zh or en"):
        catalogue.peer_group_names("de")
