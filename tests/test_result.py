"""The Result: data that answers questions about its tables and depends on no stage."""

from __future__ import annotations

import ast
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.result import Provenance, Step, rank_range

from .conftest import ROOT, TINY_ROWS, TINY_UNITS, write_dataset


def test_result_imports_no_stage_and_runs_no_analysis():
    tree = ast.parse((ROOT / "evaluation" / "result.py").read_text(encoding="utf-8"))
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    } | {
        a.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for a in node.names
    }
    assert {m for m in imported if m.startswith("evaluation")} == {
        "evaluation.catalogue"
    }
    assert not hasattr(ev.Result, "uncertainty")


def test_rank_range_widens_percentiles_to_whole_places():
    summary = pd.DataFrame(
        {
            "unit_id": ["A", "B", "C", "D"],
            "nominal_rank": [3, 1, np.nan, 2],
            "rank_q05": [2.0, 1.0, np.nan, 1.05],
            "rank_q95": [5.0, 1.0, np.nan, 3.5],
        }
    )
    # 5 % rounds down, 95 % up: 1.05 → 1, 3.5 → 4; an unranked unit gets ""
    assert rank_range(summary).to_dict() == {
        "A": "3 (2–5)",
        "B": "1 (1–1)",
        "C": "",
        "D": "2 (1–4)",
    }
    # in Chinese text, full-width brackets (ASCII stays in English)
    assert rank_range(summary, lang="zh").to_dict() == {
        "A": "3（2–5）",
        "B": "1（1–1）",
        "C": "",
        "D": "2（1–4）",
    }


def test_the_league_table_of_a_peer_group_orders_by_the_rank_in_it(tiny_result):
    # composites (tests/test_pipeline.py, by hand): U1 61, U2 42 in g1; U3 36 in g2
    g1 = tiny_result.league_table(peer_group="g1")
    assert g1[["unit_id", "rank", "peer_rank"]].values.tolist() == [
        ["U1", 1, 1],
        ["U2", 2, 2],
    ]
    g2 = tiny_result.league_table(peer_group="g2")
    assert g2[["unit_id", "rank", "peer_rank"]].values.tolist() == [["U3", 3, 1]]
    with pytest.raises(KeyError, match="peer group 'g9' unknown"):
        tiny_result.league_table(peer_group="g9")


def test_intervals_put_the_rank_range_beside_the_rank(tiny_result):
    units = tiny_result.units["unit_id"].tolist()
    ranks = tiny_result.league_table().set_index("unit_id")["rank"]
    summary = pd.DataFrame(
        {
            "unit_id": units,
            "nominal_rank": [ranks[u] for u in units],
            "rank_q05": [1.0] * len(units),
            "rank_q95": [2.4] * len(units),
        }
    )
    table = tiny_result.league_table(intervals=summary)
    assert list(table.columns[1:5]) == ["rank", "rank_q05", "rank_q95", "rank_range"]
    for row in table.itertuples():
        assert row.rank_range == f"{row.rank} (1–3)"


def test_a_breakdown_adds_up_to_the_composite(tiny_result):
    # U1: scores a1 50, a2 60, b1 80, b2 40 (by hand, tests/test_pipeline.py) with
    # effective weights 0.6·½, 0.6·½, 0.4·¾, 0.4·¼
    u1 = tiny_result.breakdown("U1").set_index("indicator_id")
    assert u1["weight"].to_dict() == pytest.approx(
        {"a1": 0.3, "a2": 0.3, "b1": 0.3, "b2": 0.1}
    )
    assert u1["contribution"].to_dict() == pytest.approx(
        {"a1": 15.0, "a2": 18.0, "b1": 24.0, "b2": 4.0}
    )
    composite = tiny_result.composite.set_index("unit_id")["composite_score"]
    for unit in tiny_result.units["unit_id"]:
        parts = tiny_result.breakdown(unit)
        assert parts["contribution"].sum() == pytest.approx(composite[unit])
        assert parts["weight"].sum() == pytest.approx(1.0)
    with pytest.raises(KeyError, match="no unit 'U9'"):
        tiny_result.breakdown("U9")


def test_a_breakdown_names_the_dimension_left_without_a_score(tiny_catalogue, tmp_path):
    """U1 sends b1 empty: b's coverage is b2's weight, 1 / (3 + 1) = 0.25, below
    min_coverage 0.5, so b has no score and U1's composite is a's alone (its
    weights 0.5, 0.5; b's 0). The breakdown says which node left b1 and b2 out."""
    rows = [(u, p, i, "" if (u, i) == ("U1", "b1") else v) for u, p, i, v in TINY_ROWS]
    data = ev.load_dataset(write_dataset(tmp_path / "tiny", TINY_UNITS, rows))
    result = ev.run(tiny_catalogue, data, period="2025", run_at="t")
    u1 = result.breakdown("U1").set_index("indicator_id")
    assert u1["weight"].to_dict() == pytest.approx(
        {"a1": 0.5, "a2": 0.5, "b1": 0.0, "b2": 0.0}
    )
    blank = u1["blank_node"].fillna("").to_dict()
    assert blank == {"a1": "", "a2": "", "b1": "b", "b2": "b"}
    assert result.breakdown("U2")["blank_node"].isna().all()  # b scored: 50


def test_the_digest_is_equality_and_changes_with_any_table(tiny_result):
    same = replace(tiny_result)
    assert same == tiny_result and same.digest() == tiny_result.digest()
    changed = tiny_result.composite.assign(
        composite_score=tiny_result.composite["composite_score"] + 1e-9
    )
    assert replace(tiny_result, composite=changed) != tiny_result


def test_the_provenance_round_trips_and_its_digest_ignores_the_machine():
    p = Provenance(
        catalogue_path="indicators.yaml",
        catalogue_sha256="0" * 64,
        dataset_root="data/sample",
        inputs={"units.csv": "1" * 64},
        period="2025",
        steps=(Step("prepare"), Step("normalise", {"method": "catalogue"})),
        package_version="0.1.0",
        run_at="2026-01-15T09:00:00+00:00",
        environment={"python": "3.11"},
        workdir="/somewhere",
    )
    assert Provenance.from_dict(p.to_dict()) == p
    bare = p.to_dict(with_environment=False)
    assert "environment" not in bare and "workdir" not in bare
    assert replace(p, environment={"python": "3.12"}, workdir="/else") == p


def test_periods_are_the_scored_ones_oldest_first(tiny_result):
    assert tiny_result.period == "2025"
    assert tiny_result.periods == ["2025"]
    assert not math.isnan(tiny_result.composite["composite_score"].iloc[0])
