"""Views of a run against values worked out by hand.

A tiny run: 4 units (U1–U3 in peer group g1, U4 alone in g2), 2 dimensions (a 0.6,
b 0.4), 4 annual indicators normalised by goalposts 0–100 (so a score is its
value). Hand-computed:

    unit  a1  a2  b1  b2 | a = (a1+a2)/2   b = .75 b1 + .25 b2 | composite  rank
    U1    80  60  40 100 |  70             55                  |  64         2
    U2    50  70  90  20 |  60             72.5                |  65         1
    U3    20  40  60  60 |  30             60                  |  42         4
    U4    90  90  10  30 |  90             15                  |  60         3
"""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy.stats import entropy

import evaluation as ev
from evaluation.analysis import views as V
from evaluation.vocabulary import QUALITY_CHECK

from ..conftest import write_dataset

VALUES = {
    "U1": {"a1": 80, "a2": 60, "b1": 40, "b2": 100},
    "U2": {"a1": 50, "a2": 70, "b1": 90, "b2": 20},
    "U3": {"a1": 20, "a2": 40, "b1": 60, "b2": 60},
    "U4": {"a1": 90, "a2": 90, "b1": 10, "b2": 30},
}
UNITS = pd.DataFrame(
    {
        "unit_id": ["U1", "U2", "U3", "U4"],
        "name_zh": ["一局", "二局", "三局", "四局"],
        "name_en": ["One", "Two", "Three", "Four"],
        "peer_group": ["g1", "g1", "g1", "g2"],
        "level": ["department"] * 4,
        "parent_id": [""] * 4,
    }
)


def indicator(id_: str, parent: str, weight: float) -> dict:
    return {
        "id": id_,
        "parent": parent,
        "weight": weight,
        "name_zh": id_ + "指标",
        "name_en": "Indicator " + id_,
        "definition_zh": "定义",
        "definition_en": "definition",
        "unit_zh": "分",
        "unit_en": "points",
        "agency": "office",
        "direction": "higher",
        "normalisation": {"method": "goalposts", "worst": 0, "best": 100},
        "frequency": "annual",
        "rollup": "last",
        "valid": {"min": 0, "max": 100},
    }


CATALOGUE = {
    "id": "views",
    "version": "1",
    "name_zh": "视图测试",
    "name_en": "Views test",
    "settings": {"sibling_weights": "renormalise", "min_coverage": 0.5},
    "agencies": [{"id": "office", "name_zh": "办公室", "name_en": "Office"}],
    "peer_groups": [
        {"id": "g1", "name_zh": "第一组", "name_en": "Group one"},
        {"id": "g2", "name_zh": "第二组", "name_en": "Group two"},
    ],
    "dimensions": [
        {"id": "a", "name_zh": "甲", "name_en": "A", "weight": 0.6},
        {"id": "b", "name_zh": "乙", "name_en": "B", "weight": 0.4},
    ],
    "indicators": [
        indicator("a1", "a", 1),
        indicator("a2", "a", 1),
        indicator("b1", "b", 3),
        indicator("b2", "b", 1),
    ],
}


def run(tmp_path, raw=CATALOGUE, values=VALUES) -> ev.Result:
    rows = [(u, "2025", i, str(v)) for u, by in values.items() for i, v in by.items()]
    path = write_dataset(tmp_path / "views", UNITS, rows)
    catalogue = ev.parse_catalogue(copy.deepcopy(raw), file="views.yaml")
    return ev.run(
        catalogue,
        ev.load_dataset(path),
        period="2025",
        run_at="2026-01-15T09:00:00+00:00",
    )


@pytest.fixture
def result(tmp_path) -> ev.Result:
    return run(tmp_path)


# ------------------------------------------------------------------ profile
def test_profile_dimensions_against_the_peer_median_by_hand(result):
    p = V.profile(result, "U1", "2025")
    d = p.dimensions.set_index("node_id")
    # g1 is U1, U2, U3: a = median(70, 60, 30) = 60; b = median(55, 72.5, 60) = 60
    assert d["score"].tolist() == pytest.approx([70, 55])
    assert d["peer_median"].tolist() == pytest.approx([60, 60])
    assert d["gap"].tolist() == pytest.approx([10, -5])
    assert (p.peer_group, p.composite_score) == ("g1", pytest.approx(64))
    assert (p.rank, p.peer_rank) == (2, 2)


def test_a_unit_alone_in_its_group_is_its_own_median(result):
    p = V.profile(result, "U4", "2025")
    assert p.dimensions["peer_median"].tolist() == pytest.approx([90, 15])
    assert p.dimensions["gap"].tolist() == [0, 0]
    assert p.strengths.empty and p.weaknesses.empty  # at the median is neither
    assert (p.rank, p.peer_rank) == (3, 1)


def test_profile_indicators_strengths_and_weaknesses_by_hand(result):
    p = V.profile(result, "U1", "2025")
    ind = p.indicators.set_index("indicator_id")
    # g1 medians: a1 median(80, 50, 20) = 50, a2 60, b1 60, b2 median(100, 20, 60) = 60
    assert ind["peer_value"].tolist() == pytest.approx([50, 60, 60, 60])
    assert ind["peer_score"].tolist() == pytest.approx([50, 60, 60, 60])
    assert ind["gap"].tolist() == pytest.approx([30, 0, -20, 40])
    assert ind["value"].tolist() == [80, 60, 40, 100]
    assert p.strengths["indicator_id"].tolist() == ["b2", "a1"]  # largest first
    assert p.weaknesses["indicator_id"].tolist() == ["b1"]  # a2 sits at the median


def test_waterfall_is_the_contributions_by_dimension_and_sums_to_the_composite(
    result,
):
    p = V.profile(result, "U1", "2025")
    # a: .6 × (.5 × 80 + .5 × 60) = 42; b: .4 × (.75 × 40 + .25 × 100) = 22
    assert p.waterfall["node_id"].tolist() == ["a", "b"]
    assert p.waterfall["contribution"].tolist() == pytest.approx([42, 22])
    assert p.waterfall["contribution"].sum() == pytest.approx(p.composite_score)
    assert p.trend[["period", "composite_score", "rank"]].values.tolist() == [
        ["2025", pytest.approx(64), 2]
    ]


def test_raising_an_indicator_raises_its_contribution_and_dimension(tmp_path):
    before = run(tmp_path / "before")
    values = copy.deepcopy(VALUES)
    values["U3"]["a1"] = 50  # U3 improves on a1
    after = run(tmp_path / "after", values=values)
    p, q = V.profile(before, "U3", "2025"), V.profile(after, "U3", "2025")
    c = {
        r: x.contributions.set_index(["unit_id", "indicator_id"])["contribution"]
        for r, x in (("before", before), ("after", after))
    }
    assert c["after"]["U3", "a1"] > c["before"]["U3", "a1"]
    assert c["after"]["U3", "a1"] - c["before"]["U3", "a1"] == pytest.approx(9)
    a = {x: y.dimensions.set_index("node_id").at["a", "score"] for x, y in (
        ("before", p), ("after", q))}  # fmt: skip
    assert (a["before"], a["after"]) == (pytest.approx(30), pytest.approx(45))
    assert q.waterfall.set_index("node_id").at["a", "contribution"] == pytest.approx(27)
    assert q.composite_score > p.composite_score
    # a1: 20 against the g1 median 50 was U3's worst; at 50 it is at the median
    assert p.weaknesses["indicator_id"].tolist() == ["a1", "a2"]
    assert q.weaknesses["indicator_id"].tolist() == ["a2"]


def test_profile_refuses_an_unknown_unit_or_period(result):
    with pytest.raises(KeyError, match="U9"):
        V.profile(result, "U9", "2025")
    with pytest.raises(KeyError, match="2024"):
        V.profile(result, "U1", "2024")


# ----------------------------------------- profile: its header, trends and peers
#: 2024: every value of a unit the same, so each dimension and composite is it
VALUES_2024 = {
    u: dict.fromkeys(("a1", "a2", "b1", "b2"), v)
    for u, v in (("U1", 50), ("U2", 40), ("U3", 90), ("U4", 10))
}


@pytest.fixture
def two_years(tmp_path) -> ev.Result:
    """2024 (composites U1 50, U2 40, U3 90, U4 10) and 2025 (the table above)."""
    rows = [
        (u, year, i, str(v))
        for year, values in (("2024", VALUES_2024), ("2025", VALUES))
        for u, by in values.items()
        for i, v in by.items()
    ]
    path = write_dataset(tmp_path / "years", UNITS, rows)
    catalogue = ev.parse_catalogue(copy.deepcopy(CATALOGUE), file="views.yaml")
    return ev.run(
        catalogue, ev.load_dataset(path), period="2025",
        run_at="2026-01-15T09:00:00+00:00",
    )  # fmt: skip


def test_rank_over_time_and_in_the_group_by_hand(two_years):
    # 2024: U3 90 > U1 50 > U2 40 > U4 10; 2025: U2 65 > U1 64 > U4 60 > U3 42
    p = V.profile(two_years, "U3", "2025")
    trend = p.trend.set_index("period")
    assert trend["rank"].tolist() == [1, 4]
    assert trend["peer_rank"].tolist() == [1, 3]  # g1: U1, U2, U3
    assert (p.rank, p.peer_rank, p.n, p.peer_n) == (4, 3, 4, 3)
    assert (p.rank_change, p.peer_rank_change) == (-3, -2)  # fell 3, and 2 in g1
    # g1's median composite: median(50, 40, 90) = 50; median(64, 65, 42) = 64
    assert trend["peer_median"].tolist() == pytest.approx([50, 64])
    assert trend["composite_score"].tolist() == pytest.approx([90, 42])
    dims = p.dimension_trend.pivot(index="period", columns="node_id", values="score")
    assert dims.loc["2024"].tolist() == pytest.approx([90, 90])
    assert dims.loc["2025"].tolist() == pytest.approx([30, 60])  # a, b
    u1 = V.profile(two_years, "U1", "2025")
    assert (u1.rank, u1.rank_change, u1.peer_rank, u1.peer_rank_change) == (2, 0, 2, 0)
    u4 = V.profile(two_years, "U4", "2024")  # alone in g2, last overall
    assert (u4.rank, u4.n, u4.peer_rank, u4.peer_n) == (4, 4, 1, 1)
    assert np.isnan(u4.rank_change)  # no period before the first


def test_peers_are_the_groups_scores_the_unit_among_them(two_years):
    p = V.profile(two_years, "U1", "2025")
    wide = p.peers.pivot(index="unit_id", columns="node_id", values="score")
    assert sorted(wide.index) == ["U1", "U2", "U3"]  # g1, U4 (g2) not among them
    assert wide["composite"].to_dict() == pytest.approx({"U1": 64, "U2": 65, "U3": 42})
    assert wide["a"].to_dict() == pytest.approx({"U1": 70, "U2": 60, "U3": 30})
    assert wide["b"].to_dict() == pytest.approx({"U1": 55, "U2": 72.5, "U3": 60})


def test_a_tiny_units_indicators_against_its_group_median(tiny_result):
    # g1 is U1 and U2. a1 is the mean of four quarters: U1 80, U2 60 → median 70;
    # minmax over all three (U3 100): U1 50, U2 0 → median score 25.
    # a2 sums quarters: U1 4; U2 0 + 0 + 2 + one missing, scaled to 4: 8/3.
    p = V.profile(tiny_result, "U1")
    ind = p.indicators.set_index("indicator_id")
    assert ind.at["a1", "peer_value"] == pytest.approx(70)
    assert ind.at["a1", "score"] == pytest.approx(50)
    assert ind.at["a1", "peer_score"] == pytest.approx(25)
    assert ind.at["a2", "peer_value"] == pytest.approx((4 + 8 / 3) / 2)
    assert (p.rank, p.n, p.peer_rank, p.peer_n) == (1, 3, 1, 2)


def test_an_indicators_reports_in_time_order_with_dates_and_the_group_median(
    tmp_path, tiny_catalogue
):
    from ..conftest import TINY_ROWS, TINY_UNITS

    rows = pd.DataFrame(
        TINY_ROWS, columns=["unit_id", "period", "indicator_id", "value"]
    )
    rows = rows.iloc[::-1]  # sent in any order
    quarter_end = {"Q1": "2025-04-10", "Q2": "2025-07-09", "Q3": "2025-10-11",
                   "Q4": "2026-01-08", "H1": "2025-07-09",
                   "H2": "2026-01-08"}  # fmt: skip
    rows["reported_at"] = [
        quarter_end.get(p[-2:], "2026-01-20") for p in rows["period"]
    ]
    path = write_dataset(tmp_path / "dated", TINY_UNITS, rows)
    result = ev.run(
        tiny_catalogue, ev.load_dataset(path), period="2025",
        run_at="2026-01-15T09:00:00+00:00",
    )  # fmt: skip
    t = V.indicator_trend(result, "U1", "a1")
    assert t["period"].tolist() == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    assert t["value"].tolist() == [80, 90, 70, 80]
    assert t["reported_at"].tolist() == [
        "2025-04-10", "2025-07-09", "2025-10-11", "2026-01-08"
    ]  # fmt: skip
    # g1 is U1 (80, 90, 70, 80) and U2 (60 each quarter)
    assert t["peer_median"].tolist() == pytest.approx([70, 75, 65, 70])
    u3 = V.indicator_trend(result, "U3", "a2")  # alone in g2: its own values
    assert u3["peer_median"].tolist() == u3["value"].tolist() == [3, 3, 3, 3]
    with pytest.raises(KeyError, match="zz"):
        V.indicator_trend(result, "U1", "zz")
    with pytest.raises(KeyError, match="U9"):
        V.indicator_trend(result, "U9", "a1")


def test_warnings_most_severe_first_and_each_run_its_own_tables(result):
    before = V.profile(result, "U1", "2025")
    assert before.risk_level == "green" and before.warnings.empty
    warnings = pd.DataFrame(
        {
            "period": ["2025"] * 3, "unit_id": ["U1"] * 3,
            "node_id": ["a1", "b1", "a2"],
            "rule": ["threshold"] * 3, "level": ["yellow", "red", "orange"],
            "value": [1.0, 2.0, 3.0], "threshold": [0.0] * 3,
            "reason_zh": ["黄", "红", "橙"], "reason_en": ["y", "r", "o"],
        }
    )  # fmt: skip
    risk = pd.DataFrame(
        {"period": ["2025"], "unit_id": ["U1"], "level": ["red"], "n_red": [1],
         "n_orange": [1], "n_yellow": [1]}
    )  # fmt: skip
    warned = replace(result, warnings=warnings, risk=risk)
    after = V.profile(warned, "U1", "2025")
    assert after.warnings["reason_zh"].tolist() == ["红", "橙", "黄"]
    assert after.risk_level == "red"
    # the first run's profile is still its own (tables are cached per run)
    assert V.profile(result, "U1", "2025").risk_level == "green"


def test_a_units_grade_and_why_from_the_appraisals_tables():
    grades = pd.DataFrame(
        {
            "group": ["departments"] * 3, "group_rank": [1, 2, 3],
            "unit_id": ["U1", "U2", "U3"], "score": [92.3, 91.0, 70.0],
            "grade_by_score": ["excellent", "excellent", "pass"],
            "final_grade": ["excellent", "good", "pass"],
            "quota_tie": [False, True, False],
        }
    )  # fmt: skip
    applied = pd.DataFrame(
        {"unit_id": ["U2", "U2"], "reason_zh": ["优秀名额已满", "委员会维持"],
         "reason_en": ["quota", "committee"]}
    )  # fmt: skip
    g = V.unit_grade(grades, applied, "U2")
    assert (g.grade, g.score, g.group_rank, g.group_n) == ("good", 91.0, 2, 3)
    assert (g.by_score, g.tie) == ("excellent", True)
    assert g.reasons == (("优秀名额已满", "quota"), ("委员会维持", "committee"))
    assert V.unit_grade(grades, applied, "U1").reasons == ()
    assert V.unit_grade(grades, applied, "U9") is None


def test_group_gaps_by_hand():
    scores = pd.DataFrame(
        {"x": [1.0, 3.0, 10.0, np.nan], "y": [2.0, 2.0, 4.0, 8.0]},
        index=pd.Index(["p", "q", "r", "s"], name="unit_id"),
    )
    g = V.group_gaps(scores, ["A", "A", "A", "B"]).set_index(["unit_id", "node_id"])
    assert g.loc[("p", "x"), "group_median"] == 3.0  # median(1, 3, 10)
    assert g.loc[("r", "x"), "gap"] == 7.0
    assert np.isnan(g.loc[("s", "x"), "group_median"])  # no score in group B
    assert g.loc[("s", "y"), ["group_median", "gap"]].tolist() == [8.0, 0.0]


# ------------------------------------------------------------------ weights
def test_effective_weights_of_manual_weights_by_hand(result):
    w = V.effective_weights(result, "2025").set_index("node_id")
    assert w.loc[["a1", "a2", "b1", "b2"], "weight"].tolist() == pytest.approx(
        [0.3, 0.3, 0.3, 0.1]
    )
    assert w.loc[["a", "b"], "weight"].tolist() == pytest.approx([0.6, 0.4])
    assert set(w["method"]) == {"manual"}


def test_effective_weights_are_those_the_run_used_not_the_yaml_ones(tmp_path):
    """a: AHP a1 three times as important as a2 (YAML says 1 : 1); b: entropy of
    the children's scores (YAML says 3 : 1)."""
    raw = copy.deepcopy(CATALOGUE)
    raw["dimensions"][0]["weights"] = {
        "method": "ahp",
        "ahp": {"children": ["a1", "a2"], "matrix": [[1, 3], [1 / 3, 1]]},
    }
    raw["dimensions"][1]["weights"] = {"method": "entropy"}
    r = run(tmp_path, raw=raw)
    w = V.effective_weights(r, "2025").set_index("node_id")
    # AHP on a 2 × 2 matrix: the eigenvector is (3, 1) / 4
    assert w.loc[["a1", "a2"], "local_weight"].tolist() == pytest.approx([0.75, 0.25])
    assert w.loc[["a1", "a2"], "weight"].tolist() == pytest.approx([0.45, 0.15])
    # entropy weights: d_j = 1 − H(p_j) / ln n over the 4 units, w = d / Σ d
    scores = np.array([[40, 90, 60, 10], [100, 20, 60, 30]], dtype=float)
    d = 1 - np.array([entropy(s) for s in scores]) / np.log(4)
    assert w.loc[["b1", "b2"], "local_weight"].tolist() == pytest.approx(d / d.sum())
    assert w.loc[["b1", "b2"], "weight"].tolist() == pytest.approx(0.4 * d / d.sum())
    # … each the product of the run's weights table down the hierarchy
    used = r.weights.set_index(["node_id", "child_id"])["weight"]
    for child, parent in [("a1", "a"), ("a2", "a"), ("b1", "b"), ("b2", "b")]:
        assert w.at[child, "weight"] == pytest.approx(
            used["composite", parent] * used[parent, child], rel=1e-15
        )
    assert w.loc[["a1", "b1"], "method"].tolist() == ["ahp", "entropy"]
    # … and not the catalogue's YAML weights
    yaml = r.catalogue.nodes["local_weight"]
    assert (yaml["a1"], yaml["b1"]) == (pytest.approx(0.5), pytest.approx(0.75))
    assert w.loc[w["kind"] == "indicator", "weight"].sum() == pytest.approx(1)
    m = V.methods(r).set_index("node_id")
    assert m.loc["a", ["weights", "aggregation"]].tolist() == ["ahp", "arithmetic"]
    assert m.at["a", "cr"] == pytest.approx(0)  # two judgements are consistent
    assert np.isnan(m.at["b", "cr"]) and np.isnan(m.at["composite", "cr"])


def test_in_a_month_nodes_with_nothing_reported_weigh_nothing(tmp_path):
    """a1, a2 monthly, b1, b2 quarterly; the month 2025-M03 is scored from a1 and
    a2 alone (a quarterly indicator takes no part in a month), so a is the whole
    composite (0.6 renormalised over the present a: 0.6 / 0.6 = 1) and a1, a2 half
    each; b and its indicators weigh 0 — not the YAML's 0.4, 0.3, 0.1, which made
    the shares sum to 1.4 and the methodology page's sunburst draw nothing."""
    raw = copy.deepcopy(CATALOGUE)
    for i in raw["indicators"]:
        i["frequency"] = "monthly" if i["parent"] == "a" else "quarterly"
    rows = [
        (u, "2025-M03" if i[0] == "a" else "2025-Q1", i, str(v))
        for u, by in VALUES.items()
        for i, v in by.items()
    ]
    path = write_dataset(tmp_path / "views", UNITS, rows)
    r = ev.run(
        ev.parse_catalogue(raw, file="views.yaml"),
        ev.load_dataset(path),
        period="2025-M03",
        run_at="2026-01-15T09:00:00+00:00",
    )
    w = V.effective_weights(r, "2025-M03").set_index("node_id")
    assert w.loc[["a", "b"], "weight"].tolist() == pytest.approx([1, 0])
    assert w.loc[["a1", "a2", "b1", "b2"], "weight"].tolist() == pytest.approx(
        [0.5, 0.5, 0, 0]
    )
    # every parent's children add up to it: the sunburst's rule (branchvalues total)
    children = w.groupby("parent")["weight"].sum()
    assert children["composite"] == pytest.approx(1)
    assert children["a"] == pytest.approx(w.at["a", "weight"])
    assert V.published_weights(r, "2025-M03") == pytest.approx({"a": 1, "b": 0})


# ------------------------------------------------------------------- what-if
def test_whatif_with_the_published_weights_reproduces_the_run(result):
    w = V.published_weights(result, "2025")
    assert w == pytest.approx({"a": 0.6, "b": 0.4})
    t = V.whatif(result, "2025", w).set_index("unit_id")
    assert t.loc[["U1", "U2", "U3", "U4"], "score"].tolist() == pytest.approx(
        [64, 65, 42, 60]
    )
    assert t["move"].tolist() == [0, 0, 0, 0]


def test_whatif_under_other_weights_by_hand(result):
    """All weight on a: scores 70, 60, 30, 90 → U4 1st (from 3rd), U2 3rd (from
    1st); a unit without b keeps its score over the dimensions it has."""
    t = V.whatif(result, "2025", {"a": 1.0, "b": 0.0})
    assert t["unit_id"].tolist() == ["U4", "U1", "U2", "U3"]
    assert t["score"].tolist() == pytest.approx([90, 70, 60, 30])
    assert t["rank"].tolist() == [1, 2, 3, 4]
    assert t["published_rank"].tolist() == [3, 2, 1, 4]
    assert t["move"].tolist() == [2, 0, -2, 0]
    m = V.dimension_matrix(result, "2025")
    assert m.loc["U2"].tolist() == pytest.approx([60, 72.5])
    gap = replace(result, scores=result.scores[
        ~((result.scores["unit_id"] == "U2") & (result.scores["node_id"] == "b"))
    ])  # fmt: skip
    u2 = V.whatif(gap, "2025", {"a": 0.5, "b": 0.5}).set_index("unit_id").loc["U2"]
    assert u2["score"] == pytest.approx(60)  # b missing: a alone, renormalised


# ------------------------------------------------------------------ overview
def test_league_adds_risk_flags_grades_and_intervals(result):
    grades = pd.DataFrame({"unit_id": ["U1", "U2"], "final_grade": ["good", "pass"]})
    intervals = pd.DataFrame(
        {
            "unit_id": ["U1", "U2", "U3", "U4"],
            "nominal_rank": [2, 1, 4, 3],
            "rank_q05": [1.0, 1.0, 3.2, 2.0],
            "rank_q95": [3.0, 2.4, 4.0, 3.0],
        }
    )
    t = V.league(result, "2025", grades=grades, intervals=intervals)
    t = t.set_index("unit_id")
    assert t.loc[["U2", "U1", "U4", "U3"], "rank"].tolist() == [1, 2, 3, 4]
    assert t.loc["U1", "grade"] == "good" and pd.isna(t.loc["U3", "grade"])
    assert t.loc[["U1", "U2", "U3"], "rank_interval"].tolist() == [
        "2 (1–3)",
        "1 (1–3)",  # 2.4 widens up to 3
        "4 (3–4)",  # 3.2 widens down to 3
    ]
    assert set(t["risk_level"]) <= {"green", "yellow", "orange", "red"}
    risk = result.risk[result.risk["period"] == "2025"].set_index("unit_id")["level"]
    for u in t.index:
        assert t.at[u, "risk_level"] == risk.get(u, "green")
    flags = result.flags
    assert t["dq_flags"].sum() == len(flags[flags["unit_id"].isin(t.index)])
    g1 = V.league(result, "2025", peer_group="g1")
    assert g1["unit_id"].tolist() == ["U2", "U1", "U3"]


def test_a_ranked_unit_whose_dimension_has_too_few_values_says_so(tmp_path):
    """U3 sends no b1 (3 of b's 4 weight): b's coverage 1/4 < 0.5, no b score; the
    composite renormalises over a alone: 30, still ranked (4th). Its note says
    why 乙 is blank, as the media table and the dashboard publish it."""
    values = copy.deepcopy(VALUES)
    values["U3"]["b1"] = ""  # reported empty
    t = V.league(run(tmp_path, values=values), "2025").set_index("unit_id")
    assert pd.isna(t.at["U3", "b"]) and t.at["U3", "composite_score"] == 30
    assert t.at["U3", "rank"] == 4
    assert t.at["U3", "note_zh"] == "乙数据不足，未计分"
    assert t.at["U3", "note_en"] == "B: too few values, not scored"
    assert (t.drop(index="U3")[["note_zh", "note_en"]] == "").all().all()


def test_a_peer_groups_table_says_a_blank_dimension_as_the_whole_table_does(tmp_path):
    """U4, alone in g2, sends no b1: 乙 is blank in every row of g2's table, yet
    the period scores 乙 (the other units have it): the note is the same as in
    the table of every unit (a reviewer found it empty in g2's)."""
    values = copy.deepcopy(VALUES)
    values["U4"]["b1"] = ""  # reported empty
    r = run(tmp_path, values=values)
    alone = V.league(r, "2025", peer_group="g2").set_index("unit_id")
    everyone = V.league(r, "2025").set_index("unit_id")
    assert alone.at["U4", "composite_score"] == 90  # a alone: (90 + 90) / 2
    assert (
        alone.at["U4", "note_zh"]
        == everyone.at["U4", "note_zh"]
        == ("乙数据不足，未计分")
    )


# ------------------------------------------------------------ data quality
def _flag(check, unit, since, period, indicator="", agency="", reason="") -> dict:
    """One row of a flags table as the screen writes it (the ids name the window)."""
    about = indicator or agency or "-"
    return {
        "flag_id": f"{check}/{unit}/{about}/{since}",
        "check": check,
        "unit_id": unit,
        "period": period,
        "since": since,
        "indicator_id": indicator or None,
        "agency": agency or None,
        "value": 1.0,
        "statistic": 1.0,
        "reason_zh": reason or f"{check}原因",
        "reason_en": reason or f"{check} reason",
    }


#: A department's year as an analyst reads it. U1 reported a1 frozen from January to
#: December 2025 (one flag, named by its last month); the office's whole submission
#: for U1 in June 2025 repeated May's; b1 jumped in March 2024, a year before. U2's
#: counts fail the last-digit test over its whole history (as of December), and its
#: b2 jumped in July 2025. U3 is clean.
FLAGS = pd.DataFrame(
    [
        _flag("stable", "U1", "2025-M01", "2025-M12", indicator="a1",
              reason="a1自2025年1月起连续 12 期均为 80"),
        _flag("identical_period", "U1", "2025-M06", "2025-M06", agency="office"),
        _flag("jump", "U1", "2024-M03", "2024-M03", indicator="b1"),
        _flag("digits", "U2", "2025-M12", "2025-M12"),
        _flag("jump", "U2", "2025-M07", "2025-M07", indicator="b2"),
    ]
)  # fmt: skip


@pytest.fixture(scope="module")
def monthly(tmp_path_factory) -> ev.Result:
    """The views run with monthly indicators, 2024-M01 … 2025-M12 (every month the
    same values), carrying the hand-made flags above."""
    raw = copy.deepcopy(CATALOGUE)
    for i in raw["indicators"]:
        i["frequency"] = "monthly"
    months = [f"{y}-M{m:02d}" for y in (2024, 2025) for m in range(1, 13)]
    rows = [
        (u, p, i, str(v)) for p in months for u, by in VALUES.items()
        for i, v in by.items()
    ]  # fmt: skip
    path = write_dataset(tmp_path_factory.mktemp("monthly") / "views", UNITS, rows)
    r = ev.run(
        ev.parse_catalogue(raw, file="views.yaml"),
        ev.load_dataset(path),
        period="2025-M12",
        run_at="2026-01-15T09:00:00+00:00",
    )
    return replace(r, flags=FLAGS.copy())


def test_a_series_frozen_all_year_shows_in_june_and_last_years_jump_does_not(
    monthly,
):
    """Domain expert: the office looks at U1 in June 2025. The a1 series was frozen
    January–December, so June is inside the evidence and the flag must be there,
    with its window spelled out; the submission repeated in June too. The jump of
    March 2024 is last year's business and must not appear."""
    got = V.unit_flags(monthly, "U1", "2025-M06")
    assert got["flag_id"].tolist() == [
        "stable/U1/a1/2025-M01",  # ends in December: the latest first
        "identical_period/U1/office/2025-M06",
    ]
    assert got["window_zh"].tolist() == ["2025年1月至2025年12月", "2025年6月"]
    assert got["window_en"].tolist() == ["January 2025 to December 2025", "June 2025"]
    # the series by its name; a whole submission by the agency that sent it
    assert got["subject_zh"].tolist() == ["a1指标", "办公室"]
    assert got["subject_en"].tolist() == ["Indicator a1", "Office"]
    assert got["check_zh"].tolist() == [
        QUALITY_CHECK["stable"].zh,
        QUALITY_CHECK["identical_period"].zh,
    ]
    assert got["reason_zh"].iloc[0] == "a1自2025年1月起连续 12 期均为 80"
    # March 2024: only last year's jump
    march = V.unit_flags(monthly, "U1", "2024-M03")
    assert march["flag_id"].tolist() == ["jump/U1/b1/2024-M03"]
    assert march["window_zh"].tolist() == ["2024年3月"]
    # the default period is the run's (December): the frozen series, nothing else
    assert V.unit_flags(monthly, "U1")["flag_id"].tolist() == ["stable/U1/a1/2025-M01"]


def test_a_check_over_the_whole_history_shows_in_every_period(monthly):
    """U2's last-digit flag is about every count it ever sent: it shows in June and
    in March 2024 alike, as 'up to December 2025', about several series; its July
    jump shows in July only."""
    june = V.unit_flags(monthly, "U2", "2025-M06")
    assert june["flag_id"].tolist() == ["digits/U2/-/2025-M12"]
    assert june["window_zh"].tolist() == ["截至2025年12月"]
    assert june["window_en"].tolist() == ["up to December 2025"]
    assert june["subject_zh"].tolist() == ["多项指标"]
    july = V.unit_flags(monthly, "U2", "2025-M07")
    assert july["flag_id"].tolist() == ["digits/U2/-/2025-M12", "jump/U2/b2/2025-M07"]
    assert V.unit_flags(monthly, "U2", "2024-M03")["check"].tolist() == ["digits"]


def test_flag_table_is_the_profiles_list_in_either_language(monthly):
    """A unit's flags as the profile lists them, one language: check, series or
    agency, the window (not the last period), reason; the flag's id last."""
    zh = V.flag_table(V.unit_flags(monthly, "U1", "2025-M06"), "zh")
    assert zh.columns.tolist() == ["核查项", "指标或报送部门", "报告期", "原因", "编号"]
    assert zh.values.tolist() == [
        [QUALITY_CHECK["stable"].zh, "a1指标", "2025年1月至2025年12月",
         "a1自2025年1月起连续 12 期均为 80", "stable/U1/a1/2025-M01"],
        [QUALITY_CHECK["identical_period"].zh, "办公室", "2025年6月",
         "identical_period原因", "identical_period/U1/office/2025-M06"],
    ]  # fmt: skip
    en = V.flag_table(V.unit_flags(monthly, "U2", "2025-M06"), "en")
    assert en.columns.tolist() == [
        "Check", "Series or reporting agency", "Period", "Reason", "Flag",
    ]  # fmt: skip
    assert en.iloc[0, 1:3].tolist() == ["several series", "up to December 2025"]
    none = V.flag_table(V.unit_flags(monthly, "U3", "2025-M06"), "zh")
    assert none.empty and none.columns[0] == "核查项"


def test_flag_windows_name_their_periods_in_english_as_in_chinese():
    """A flag's window in English names its periods as every other English table
    does (December 2025, Q4 2025), not by their codes; Chinese keeps its names."""
    assert V.flag_window("2025-Q1", "2025-Q4", "en") == "Q1 2025 to Q4 2025"
    assert V.flag_window("2025-Q1", "2025-Q4", "zh") == "2025年第一季度至2025年第四季度"
    assert V.flag_window(None, "2025-M03", "en") == "March 2025"
    assert V.flag_window("2025-H2", "2025-H2", "en") == "H2 2025"
    assert V.flag_window("2024-M07", "2025-M06", "en", whole=True) == "up to June 2025"
    assert V.flag_window("2025-B1", "2025-B2", "en") == "Jan–Feb 2025 to Mar–Apr 2025"


def test_flag_counts_by_check_in_the_checks_order_and_by_decision():
    """Four flags by hand: two frozen series (one accepted), a dismissed jump, an
    undecided missing report, and a check the vocabulary lacks: rows in the
    vocabulary's order (missing, stable, jump), the unknown one after them."""
    flags = pd.DataFrame(
        {
            "check": ["stable", "jump", "stable", "missing", "homemade"],
            "status": ["accepted", "dismissed", "open", "open", "open"],
        }
    )
    counts = V.flag_counts(flags)
    assert counts.index.tolist() == ["missing", "stable", "jump", "homemade"]
    assert counts.columns.tolist() == ["open", "accepted", "dismissed", "all"]
    assert counts.values.tolist() == [
        [1, 0, 0, 1], [1, 1, 0, 2], [0, 0, 1, 1], [1, 0, 0, 1],
    ]  # fmt: skip
    undecided = V.flag_counts(flags.drop(columns="status"))
    assert undecided["open"].tolist() == undecided["all"].tolist() == [1, 2, 1, 1]
    assert V.flag_counts(flags.iloc[:0]).empty


def test_a_clean_unit_has_no_flags_and_unknown_ones_are_refused(monthly):
    none = V.unit_flags(monthly, "U3", "2025-M06")
    assert none.empty and list(none.columns) == V.FLAG_COLUMNS
    with pytest.raises(KeyError):
        V.unit_flags(monthly, "U9", "2025-M06")
    with pytest.raises(KeyError):
        V.unit_flags(monthly, "U1", "2023-M01")


def test_the_league_counts_the_flags_the_profile_lists(monthly):
    """dq_flags of June 2025: U1 2 (frozen series, repeated submission — not last
    year's jump), U2 1 (the whole-history check — not July's jump), U3 0."""
    june = V.league(monthly, "2025-M06").set_index("unit_id")["dq_flags"]
    assert june.to_dict() == {"U1": 2, "U2": 1, "U3": 0, "U4": 0}
    march = V.league(monthly, "2024-M03").set_index("unit_id")["dq_flags"]
    assert march.to_dict() == {"U1": 1, "U2": 1, "U3": 0, "U4": 0}
    july = V.league(monthly, "2025-M07").set_index("unit_id")["dq_flags"]
    assert july.to_dict() == {"U1": 1, "U2": 2, "U3": 0, "U4": 0}
    for period in ("2025-M06", "2024-M03", "2025-M07"):
        for unit, n in (
            V.league(monthly, period).set_index("unit_id")["dq_flags"].items()
        ):
            assert n == len(V.unit_flags(monthly, unit, period))


def test_a_flag_counts_in_every_period_its_window_reaches(result):
    """The annual run: the series frozen January–December 2025 counts for 2025; a
    run from October 2024 to February 2025 counts for both years; a jump of March
    2024 does not count for 2025."""
    flags = pd.DataFrame(
        [
            _flag("stable", "U1", "2025-M01", "2025-M12", indicator="a1"),
            _flag("stable", "U2", "2024-M10", "2025-M02", indicator="b1"),
            _flag("jump", "U3", "2024-M03", "2024-M03", indicator="a2"),
            _flag("perfect", "U4", "2025-Q2", "2025-Q3", indicator="b2"),
        ]
    )
    r = replace(result, flags=flags)
    t = V.league(r, "2025").set_index("unit_id")["dq_flags"]
    assert t.to_dict() == {"U1": 1, "U2": 1, "U3": 0, "U4": 1}
    windows = V.unit_flags(r, "U4", "2025")["window_zh"].tolist()
    assert windows == ["2025年第二季度至2025年第三季度"]
    assert V.flags_in(flags, "2024")["unit_id"].tolist() == ["U2", "U3"]
    assert V.flags_in(flags, "2025-Q1")["unit_id"].tolist() == ["U1", "U2"]


def test_flags_of_a_store_without_the_window_columns_are_their_period():
    old = pd.DataFrame(
        {
            "flag_id": ["jump/U1/a1/2025-M03", "jump/U1/a1/2024-M03"],
            "check": ["jump", "jump"],
            "unit_id": ["U1", "U1"],
            "period": ["2025-M03", "2024-M03"],
        }
    )
    assert V.flags_in(old, "2025")["period"].tolist() == ["2025-M03"]
    assert V.flags_in(old.iloc[:0], "2025").empty


def test_ledger_overdue_first(result):
    ledger = pd.DataFrame(
        {
            "item": ["closed", "open late", "open on time", "open late early"],
            "status": ["closed", "open", "open", "open"],
            "reminder": [True, True, False, True],
            "first_due": ["2025-01-01", "2025-06-01", "2025-02-01", "2025-03-01"],
        }
    )
    got = V.ledger_overdue_first(replace(result, ledger=ledger))
    assert got["item"].tolist() == [
        "open late early",
        "open late",
        "open on time",
        "closed",
    ]


def test_whatif_at_the_published_weights_is_the_published_composite_bit_for_bit(
    sample_result,
):
    r = sample_result
    for period in r.composite["period"].unique():
        t = V.whatif(r, period, V.published_weights(r, period)).set_index("unit_id")
        c = r.composite[r.composite["period"] == period].set_index("unit_id")
        np.testing.assert_array_equal(
            t["score"].to_numpy(), c.loc[t.index, "composite_score"].to_numpy()
        )


def test_whatif_follows_a_geometric_composite(tmp_path):
    raw = copy.deepcopy(CATALOGUE)
    raw["settings"]["aggregation"] = {"method": "geometric"}
    r = run(tmp_path, raw)
    t = V.whatif(r, "2025", {"a": 0.5, "b": 0.5}).set_index("unit_id")
    m = V.dimension_matrix(r, "2025")
    # U1: a = 70, b = 55: the weighted geometric mean √(70 · 55)
    assert t.loc["U1", "score"] == pytest.approx(
        (m.loc["U1", "a"] * m.loc["U1", "b"]) ** 0.5
    )
    assert t.loc["U1", "score"] == pytest.approx((70 * 55) ** 0.5)


def test_the_whatif_keeps_unbounded_composites_bit_for_bit(tiny_raw, tiny_dataset_path):
    """z-scores as COINr states them (mean 0, sd 1) make negative composites: the
    what-if with the published weights reproduces them, none clipped to 0."""
    for ind in tiny_raw["indicators"]:
        ind["normalisation"] = {"method": "zscore", "mean": 0, "sd": 1}
        ind.pop("categories", None)
    cat = ev.parse_catalogue(tiny_raw)
    result = ev.run(
        cat, ev.load_dataset(tiny_dataset_path), period="2025", run_at="2026-01-01"
    )
    published = result.composite.query("period == '2025'").set_index("unit_id")
    published = published["composite_score"].dropna()
    assert (published < 0).any()
    got = V.whatif(result, "2025", V.published_weights(result, "2025"))
    got = got.set_index("unit_id")["score"][published.index]
    np.testing.assert_array_equal(got.to_numpy(), published.to_numpy())


def test_signed_weights_are_never_clipped():
    """A node with a negative weight (COINr's signed PCA loadings) is no mean: its
    score can leave its children's range, by hand (0.6·100 + 0.6·100 − 0.2·0) / 1 =
    120, on both of the engine's paths."""
    from evaluation.catalogue import Aggregation, Weights
    from evaluation.scoring.aggregate import COMPOSITE, Node, score_nodes

    node = Node(COMPOSITE, ("i0", "i1", "i2"), np.array([0, 1, 2]),
                np.array([0.6, 0.6, -0.2]), 0.5, Weights(),
                Aggregation(method="arithmetic"))  # fmt: skip
    leaves = np.array([[100.0, 100.0, 0.0], [0.0, 0.0, 100.0]])
    by_node = score_nodes(leaves, (node,), lambda n, x: n.local[None, None, :])
    by_draw = score_nodes(leaves, (node,), {COMPOSITE: node.local[None, :]})
    for rolled in (by_node, by_draw):
        np.testing.assert_allclose(rolled.values[COMPOSITE][0], [120.0, -20.0])


def test_indicator_table_reads_as_the_profile_page_in_either_language(result):
    """The notebook's and workbook's table of a profile's indicators: names, the
    catalogue's unit words, numbers as numbers, status in words."""
    p = V.profile(result, "U1", "2025")
    zh = V.indicator_table(p.indicators, result.catalogue, "zh")
    assert zh.columns.tolist() == [
        "指标", "计量单位", "数值", "目标", "同类中位数", "得分", "同类中位得分",
        "与同类中位得分之差", "状态",
    ]  # fmt: skip
    assert zh["指标"].tolist() == ["a1指标", "a2指标", "b1指标", "b2指标"]
    assert zh["计量单位"].tolist() == ["分"] * 4
    assert zh["数值"].tolist() == [80, 60, 40, 100]
    # g1 medians (U1, U2, U3) as in the profile test above; score = value (goalposts)
    assert zh["同类中位数"].tolist() == pytest.approx([50, 60, 60, 60])
    assert zh["与同类中位得分之差"].tolist() == pytest.approx([30, 0, -20, 40])
    assert zh["状态"].tolist() == ["已报送"] * 4
    assert zh["目标"].isna().all() and zh["数值"].dtype == float
    en = V.indicator_table(p.weaknesses, result.catalogue, "en")
    assert en[["Indicator", "Unit of measure", "Status"]].values.tolist() == [
        ["Indicator b1", "points", "reported"]
    ]


def test_a_count_made_pro_rata_says_so_in_the_indicator_table(sample_result):
    """D22's 2025 fault findings (data/sample supervision.csv): eleven monthly
    reports, 2025-M03 blank, adding up to 4 (1 in August, 1 in October, 2 in
    November); the year's value is 4 × 12 / 11 = 4.36 (scored so, and so it stays),
    and the status says it is pro rata from 4 in 11 of 12 reports, in the warnings'
    words. Its overdue leader-assigned tasks, all six bi-monthly reports in
    (6+2+5+4+3+5 = 25), are a plain 已报送; a mean from 11 reports (on-time
    approvals) says how many, not pro rata."""
    p = V.profile(sample_result, "D22", "2025")
    cat = sample_result.catalogue
    ind = p.indicators.set_index("indicator_id")
    assert ind.at["fault_findings", "value"] == pytest.approx(4 * 12 / 11)
    assert ind.at["leader_task_overdue_count", "value"] == 25
    for lang, faults, full, mean in (
        ("zh", "已报送（11/12期，实报合计4件，按比例折算）", "已报送",
         "已报送（11/12期）"),
        ("en", "reported (4 findings in 11 of 12 reports, pro rata)", "reported",
         "reported (11 of 12 reports)"),
    ):  # fmt: skip
        table = V.indicator_table(p.indicators, cat, lang)
        status = dict(zip(table.iloc[:, 0], table.iloc[:, -1], strict=True))
        assert status[cat.name("fault_findings", lang)] == faults
        assert status[cat.name("leader_task_overdue_count", lang)] == full
        assert status[cat.name("approval_on_time_rate", lang)] == mean
        value = dict(zip(table.iloc[:, 0], table.iloc[:, 2], strict=True))
        assert value[cat.name("fault_findings", lang)] == pytest.approx(4 * 12 / 11)


class _Scored:
    """A stand-in for a Result: its period and league table (hand-made)."""

    def __init__(self, table: pd.DataFrame):
        self.period, self.periods, self._table = "2025", ["2025"], table

    def league_table(self, period=None):
        return self._table.copy()


def test_rank_moves_biggest_first_ties_in_league_order_unranked_last():
    """By hand: A 1 → 3 loses 2, B 2 → 1 and C 3 → 2 gain 1 each (B first: it
    comes first in the league table), D is unranked now (no move, last), E is not
    scored by the other (left out)."""
    now = _Scored(
        pd.DataFrame(
            {
                "unit_id": ["A", "B", "C", "D", "E"],
                "name_zh": ["甲", "乙", "丙", "丁", "戊"],
                "name_en": ["a", "b", "c", "d", "e"],
                "composite_score": [90.0, 80.0, 70.0, np.nan, 50.0],
                "rank": pd.array([1, 2, 3, None, 4], dtype="Int64"),
            }
        )
    )
    other = _Scored(
        pd.DataFrame(
            {
                "unit_id": ["B", "C", "A", "D"],
                "composite_score": [85.0, 75.0, 70.0, 60.0],
                "rank": pd.array([1, 2, 3, 4], dtype="Int64"),
            }
        )
    )
    moves = V.rank_moves(now, other)
    assert list(moves.columns) == [
        "unit_id", "name_zh", "name_en", "composite_score", "rank",
        "composite_score_other", "rank_other", "move",
    ]  # fmt: skip
    assert moves["unit_id"].tolist() == ["A", "B", "C", "D"]
    assert moves["move"].tolist()[:3] == [-2.0, 1.0, 1.0]
    assert np.isnan(moves["move"].iloc[3])
    assert moves["composite_score_other"].tolist() == [70.0, 85.0, 75.0, 60.0]
