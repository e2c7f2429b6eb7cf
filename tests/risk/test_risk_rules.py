"""Every warning rule kind on hand-made values (expected levels worked out by hand)."""

from __future__ import annotations

import pandas as pd
import pytest

import evaluation as ev
from evaluation.errors import CatalogueError, ValidationFailed
from evaluation.risk import rules as risk

from ..conftest import TINY_ROWS, TINY_UNITS, write_dataset

Q = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
FIVE = pd.DataFrame(
    {
        "unit_id": ["U1", "U2", "U3", "U4", "U5"],
        "peer_group": ["g1"] * 5,
    }
)


def catalogue(tiny_raw, *rules, **extra):
    tiny_raw["risk"] = {"rules": list(rules)}
    tiny_raw.update(extra)
    return ev.parse_catalogue(tiny_raw)


def inputs(values, units=FIVE, periods=Q, observations=None, events=None):
    frame = pd.DataFrame(values, columns=["period", "unit_id", "node_id", "value"])
    return risk.Inputs(
        values=frame.astype({"value": float}),
        units=units,
        periods=periods,
        observations=observations
        if observations is not None
        else pd.DataFrame(columns=["unit_id", "period", "indicator_id", "value"]),
        events=events
        if events is not None
        else pd.DataFrame(columns=["unit_id", "period", "event_id"]),
    )


def levels(warnings, period="2025-Q4", rule=None):
    w = warnings[warnings["period"] == period]
    if rule:
        w = w[w["rule"] == rule]
    return dict(zip(w["unit_id"], w["level"], strict=True))


def test_score_threshold_at_the_limit_takes_the_level(tiny_raw):
    cat = catalogue(
        tiny_raw,
        {
            "kind": "threshold",
            "node": "composite",
            "yellow": 70,
            "orange": 65,
            "red": 60,
        },
    )
    values = [
        ("2025-Q4", u, "composite", v)
        for u, v in zip(["U1", "U2", "U3", "U4"], [60, 64.9, 70, 70.1], strict=True)
    ]
    w = risk.evaluate(inputs(values), cat)
    assert levels(w) == {"U1": "red", "U2": "orange", "U3": "yellow"}
    row = w.set_index("unit_id").loc["U2"]
    # a score to 2 decimals, as the media CSV and the dashboard publish it
    assert row["reason_en"] == (
        "Composite score 64.90 points at or below the orange threshold 65 points"
    )
    assert row["reason_zh"] == "综合得分为64.90分，低于橙色预警线（65分）"
    at = w.set_index("unit_id").loc["U1", "reason_zh"]
    assert at == "综合得分为60.00分，达到红色预警线（60分）"


def test_target_shortfall_against_the_catalogue_target(tiny_raw):
    # b1: higher is better, target 100; shortfall % = (100 - v) / 100 * 100
    cat = catalogue(
        tiny_raw,
        {"kind": "target", "node": "b1", "yellow": 5, "orange": 10, "red": 20},
    )
    values = [("2025-Q4", "U1", "b1", 95), ("2025-Q4", "U2", "b1", 80.0)]
    values += [("2025-Q4", "U3", "b1", 95.1)]
    w = risk.evaluate(inputs(values), cat)
    assert levels(w) == {"U1": "yellow", "U2": "red"}
    assert w.set_index("unit_id").loc["U2", "reason_en"] == (
        "Indicator b1 80.0 points, 20.0% short of its target 100 points "
        "(the red limit is 20%)"
    )


def test_target_shortfall_uses_each_units_own_target_in_force(tiny_raw):
    # a2 is lower-is-better: shortfall % = (v - target) / target * 100.
    # U1's target is 4 for the first half, changed to 2 from 2025-H2.
    tiny_raw["context"] = [
        {
            "id": "a2_target",
            "name_zh": "目标",
            "name_en": "Target",
            "unit_zh": "件",
            "unit_en": "items",
            "agency": "office",
            "frequency": "half_year",
            "valid": {"min": 0, "max": 50},
        }
    ]
    cat = catalogue(
        tiny_raw,
        {"kind": "target", "node": "a2", "series": "a2_target", "orange": 25},
    )
    targets = pd.DataFrame(
        {
            "unit_id": ["U1", "U1", "U2"],
            "period": ["2025-H1", "2025-H2", "2025-H1"],
            "indicator_id": "a2_target",
            "value": [4.0, 2.0, 8.0],
        }
    )
    values = [(p, "U1", "a2", 3) for p in Q] + [(p, "U2", "a2", 10) for p in Q]
    values += [(p, "U3", "a2", 30) for p in Q]  # U3 has no target: never graded
    w = risk.evaluate(inputs(values, observations=targets), cat)
    # U1: 3 vs 4 is better than target (H1); 3 vs 2 is 50% over (H2) -> orange
    # U2: 10 vs 8 is 25% over all year (H1's target stays in force) -> orange
    got = {(r.period, r.unit_id): r.threshold for r in w.itertuples()}
    assert got == {
        ("2025-Q3", "U1"): 2.0,
        ("2025-Q4", "U1"): 2.0,
        **{(p, "U2"): 8.0 for p in Q},
    }
    assert set(w["level"]) == {"orange"}


def test_bottom_k_ties_share_a_place_and_small_groups_are_spared(tiny_raw):
    cat = catalogue(
        tiny_raw,
        {
            "kind": "peer",
            "node": "a1",
            "method": "bottom_k",
            "yellow": 3,
            "orange": 2,
            "red": 1,
        },
    )
    # higher is better; worst-first places 1, 2, 2, 4, 5
    values = [
        ("2025-Q4", u, "a1", v)
        for u, v in zip(
            ["U1", "U2", "U3", "U4", "U5"], [10, 20, 20, 30, 40], strict=True
        )
    ]
    w = risk.evaluate(inputs(values), cat)
    assert levels(w) == {"U1": "red", "U2": "orange", "U3": "orange"}
    assert w.set_index("unit_id").loc["U2", "reason_en"] == (
        "Indicator a1 20.0 points, 2nd from the bottom of 5 peers: orange"
    )
    # groups of 2 (10, 20) and 3 (20, 30, 40): a place counts only in a group larger
    # than k: 20 is 2nd of 2 (not orange), 30 is 2nd of 3 (orange), 40 is 3rd of 3
    split = FIVE.assign(peer_group=["g1", "g1", "g2", "g2", "g2"])
    w = risk.evaluate(inputs(values, units=split), cat)
    assert levels(w) == {"U1": "red", "U3": "red", "U4": "orange"}


def test_bottom_k_of_a_lower_is_better_indicator_counts_the_highest(tiny_raw):
    cat = catalogue(
        tiny_raw, {"kind": "peer", "node": "a2", "method": "bottom_k", "red": 1}
    )
    values = [("2025-Q4", u, "a2", v) for u, v in [("U1", 1), ("U2", 9), ("U3", 5)]]
    assert levels(risk.evaluate(inputs(values), cat)) == {"U2": "red"}


def test_percentile_uses_linear_interpolation(tiny_raw):
    # 25th percentile of 10, 20, 30, 40, 50 (numpy 'linear'): 20; 10th: 14
    cat = catalogue(
        tiny_raw,
        {"kind": "peer", "node": "a1", "method": "percentile", "yellow": 25, "red": 10},
    )
    values = [
        ("2025-Q4", u, "a1", v)
        for u, v in zip(
            ["U1", "U2", "U3", "U4", "U5"], [10, 20, 30, 40, 50], strict=True
        )
    ]
    w = risk.evaluate(inputs(values), cat)
    assert levels(w) == {"U1": "red", "U2": "yellow"}
    assert w.set_index("unit_id")["threshold"].to_dict() == {"U1": 14.0, "U2": 20.0}


def test_robust_z_bands_are_half_open(tiny_raw):
    # values 0, 8, 10, 12, 20: median 10, |dev| 10, 2, 0, 2, 10 -> MAD 2
    # z = -5, -1, 0, 1, 5. Bands: z < -0.5 yellow, < -1 orange, < -3 red:
    # z = -1 is not below -1 -> yellow (as Oflog's [lower, upper) bands)
    cat = catalogue(
        tiny_raw,
        {
            "kind": "peer",
            "node": "a1",
            "method": "robust_z",
            "yellow": -0.5,
            "orange": -1,
            "red": -3,
        },
    )
    values = [
        ("2025-Q4", u, "a1", v)
        for u, v in zip(["U1", "U2", "U3", "U4", "U5"], [0, 8, 10, 12, 20], strict=True)
    ]
    w = risk.evaluate(inputs(values), cat)
    assert levels(w) == {"U1": "red", "U2": "yellow"}
    assert w.set_index("unit_id").loc["U1", "reason_en"] == (
        "Indicator a1 0.0 points, 10.0 points below the peer median 10.0 points, "
        "about 5.00 typical gaps of 2.0 points (more than 3): red"
    )


def test_robust_z_of_a_lower_is_better_indicator_flags_the_high(tiny_raw):
    cat = catalogue(
        tiny_raw, {"kind": "peer", "node": "a2", "method": "robust_z", "red": -3}
    )
    values = [
        ("2025-Q4", u, "a2", v)
        for u, v in zip(["U1", "U2", "U3", "U4", "U5"], [0, 8, 10, 12, 20], strict=True)
    ]
    assert levels(risk.evaluate(inputs(values), cat)) == {"U5": "red"}


@pytest.mark.parametrize("method", ["robust_z", "bottom_k", "percentile"])
def test_peer_rule_warns_nobody_without_scored_peers(tiny_raw, method):
    # a units table that names no peer group yet: the peer rule has no median and
    # no order to compare with, so it warns nobody; the threshold rule still warns
    # the two composites below 60 (U1 55, U4 30)
    limit = {"robust_z": -1.5, "bottom_k": 1, "percentile": 25}[method]
    cat = catalogue(
        tiny_raw,
        {"kind": "threshold", "node": "composite", "red": 60},
        {"kind": "peer", "node": "composite", "method": method, "orange": limit},
    )
    scores = {"U1": 55, "U2": 80, "U3": 90, "U4": 30, "U5": 85}
    values = [("2025-Q4", u, "composite", v) for u, v in scores.items()]
    ungrouped = FIVE.assign(peer_group=None)
    w = risk.evaluate(inputs(values, units=ungrouped), cat)
    assert levels(w) == {"U1": "red", "U4": "red"}
    assert set(w["rule"]) == {"threshold"}
    # g2 (U4, U5) has no score this quarter: nobody in it is warned, and g1 is
    # compared within itself. U1 55, U2 80, U3 90: robust z: median 80, MAD 10,
    # U1 at -2.5; bottom 1 of 3: U1; 25th percentile: 55 + 0.5 * 25 = 67.5 >= 55
    g1 = [(p, u, n, v) for p, u, n, v in values if u in {"U1", "U2", "U3"}]
    split = FIVE.assign(peer_group=["g1", "g1", "g1", "g2", "g2"])
    w = risk.evaluate(inputs(g1, units=split), cat)
    assert levels(w, rule="peer") == {"U1": "orange"}


def test_consecutive_declines_need_every_period(tiny_raw):
    cat = catalogue(
        tiny_raw,
        {"kind": "trend", "node": "composite", "declines": 3, "level": "orange"},
    )
    falling = [80, 75, 70, 65]
    values = [(p, "U1", "composite", v) for p, v in zip(Q, falling, strict=True)]
    # U2 misses Q2: the run is broken; U3 enters in Q2: only two declines
    values += [
        (p, "U2", "composite", v)
        for p, v in zip(Q, falling, strict=True)
        if p != "2025-Q2"
    ]
    values += [
        (p, "U3", "composite", v) for p, v in zip(Q[1:], falling[1:], strict=True)
    ]
    # U4 is flat once: not a decline
    values += [
        (p, "U4", "composite", v) for p, v in zip(Q, [80, 75, 75, 70], strict=True)
    ]
    w = risk.evaluate(inputs(values), cat)
    assert levels(w) == {"U1": "orange"}
    assert w["reason_en"].tolist() == [
        "Composite score worse 3 periods in a row: 80.00 points → 65.00 points"
    ]


def test_rising_values_of_a_lower_is_better_indicator_are_declines(tiny_raw):
    cat = catalogue(tiny_raw, {"kind": "trend", "node": "a2", "declines": 2})
    values = [(p, "U1", "a2", v) for p, v in zip(Q[1:], [1, 2, 4], strict=True)]
    values += [(p, "U2", "a2", v) for p, v in zip(Q[1:], [4, 2, 1], strict=True)]
    assert levels(risk.evaluate(inputs(values), cat)) == {"U1": "orange"}


def test_drop_against_the_previous_period_absolute_and_relative(tiny_raw):
    cat = catalogue(
        tiny_raw,
        {"kind": "trend", "node": "a1", "drop": {"yellow": 5, "orange": 10}},
        # second rule on b1: relative drop, % of the earlier value
    )
    values = [("2025-Q3", "U1", "a1", 80), ("2025-Q4", "U1", "a1", 70)]  # 10: orange
    values += [("2025-Q3", "U2", "a1", 80), ("2025-Q4", "U2", "a1", 75.5)]  # 4.5
    values += [("2025-Q4", "U3", "a1", 10)]  # entered in Q4: nothing to compare
    values += [("2025-Q2", "U4", "a1", 90), ("2025-Q4", "U4", "a1", 50)]  # no Q3
    w = risk.evaluate(inputs(values), cat)
    assert levels(w) == {"U1": "orange"}
    assert w["reason_en"].tolist() == [
        "Indicator a1 worsened from 80.0 points in the previous period to 70.0 points"
        " (by 10.0 points; the orange limit is 10 points)"
    ]
    rel = catalogue(
        tiny_raw,
        {"kind": "trend", "node": "a2", "drop": {"red": 50}, "relative": True},
    )
    # a2 lower is better: 2 -> 3 is 50% worse (red); 4 -> 5 is 25%
    values = [("2025-Q3", "U1", "a2", 2), ("2025-Q4", "U1", "a2", 3)]
    values += [("2025-Q3", "U2", "a2", 4), ("2025-Q4", "U2", "a2", 5)]
    assert levels(risk.evaluate(inputs(values), rel)) == {"U1": "red"}


def test_drop_against_the_same_period_a_year_earlier(tiny_raw):
    cat = catalogue(
        tiny_raw,
        {"kind": "trend", "node": "a1", "drop": {"red": 10}, "against": "year_ago"},
    )
    periods = ["2024-Q4", *Q]
    values = [("2024-Q4", "U1", "a1", 90), ("2025-Q3", "U1", "a1", 95)]
    values += [("2025-Q4", "U1", "a1", 80)]  # vs 2024-Q4: 10 worse (Q3 is ignored)
    w = risk.evaluate(inputs(values, periods=periods), cat)
    assert levels(w) == {"U1": "red"}
    assert "a year earlier" in w["reason_en"].iloc[0]


def test_rollup_is_the_floor_of_the_mean_of_the_two_worst(tiny_raw):
    tiny_raw["indicators"][0]["risk"] = {"yellow": 80, "orange": 70, "red": 60}
    tiny_raw["indicators"][1]["risk"] = {"yellow": 1, "orange": 2, "red": 3}
    cat = catalogue(tiny_raw, {"kind": "rollup", "node": "a", "worst": 2})
    values = [
        ("2025-Q4", "U1", "a1", 60),  # red
        ("2025-Q4", "U1", "a2", 2),  # orange -> (3 + 2) / 2 = 2.5 -> orange
        ("2025-Q4", "U2", "a1", 60),  # red
        ("2025-Q4", "U2", "a2", 0),  # green -> 1.5 -> yellow
        ("2025-Q4", "U3", "a1", 50),  # red, a2 not reported -> 3 -> red
        ("2025-Q4", "U4", "a1", 100),  # green
        ("2025-Q4", "U4", "a2", 1),  # yellow -> 0.5 -> green
        ("2025-Q4", "U5", "a1", 60),  # red
        ("2025-Q4", "U5", "a2", 3),  # red -> red
    ]
    w = risk.evaluate(inputs(values), cat)
    assert levels(w, rule="rollup") == {
        "U1": "orange",
        "U2": "yellow",
        "U3": "red",
        "U5": "red",
    }
    row = w[(w["rule"] == "rollup") & (w["unit_id"] == "U1")].iloc[0]
    assert row["reason_en"] == (
        "A: its 2 worst indicators are Indicator a1 (red), Indicator a2 (orange); "
        "mean level 2.50, rounded down: orange"
    )
    assert row["reason_zh"] == (
        "甲：最差的2项指标为a1指标（红色）、a2指标（橙色），平均等级2.50，"
        "向下取整为橙色预警"
    )


def test_a_quiet_period_with_a_rollup_rule_warns_nobody(tiny_raw):
    """Every unit inside every limit: the indicators warn nothing, so the roll-up
    has nothing to roll up and the run has no warning (it raised an IndexError)."""
    tiny_raw["indicators"][0]["risk"] = {"yellow": 80, "orange": 70, "red": 60}
    tiny_raw["indicators"][1]["risk"] = {"yellow": 1, "orange": 2, "red": 3}
    cat = catalogue(tiny_raw, {"kind": "rollup", "node": "a", "worst": 2})
    values = [("2025-Q4", u, "a1", 95) for u in ("U1", "U2", "U3")]
    values += [("2025-Q4", u, "a2", 0) for u in ("U1", "U2", "U3")]
    w = risk.evaluate(inputs(values), cat)
    assert w.empty


def test_events_are_graded_in_the_period_that_contains_them(tiny_raw):
    cat = catalogue(
        tiny_raw,
        {"kind": "event", "events": ["accident"], "level": "red"},
        events=[
            {
                "id": "accident",
                "name_zh": "重大事故",
                "name_en": "Major accident",
                "veto": True,
            }
        ],
    )
    events = pd.DataFrame(
        {
            "unit_id": ["U2", "U3"],
            "period": ["2025-M05", "2023-M01"],  # the second is outside the run
            "event_id": ["accident", "accident"],
        }
    )
    w = risk.evaluate(inputs([], events=events), cat)
    assert levels(w, period="2025-Q2") == {"U2": "red"}
    assert len(w) == 1
    assert w["reason_zh"].iloc[0] == "发生重大事故，红色预警"


def test_unit_grade_is_the_worst_of_all_rules(tiny_raw):
    cat = catalogue(
        tiny_raw,
        {"kind": "threshold", "node": "composite", "yellow": 70},
        {"kind": "peer", "node": "composite", "method": "bottom_k", "red": 1},
    )
    values = [
        ("2025-Q4", u, "composite", v) for u, v in [("U1", 65), ("U2", 90), ("U3", 95)]
    ]
    w = risk.evaluate(inputs(values), cat)
    grade = risk.grade_units(w, FIVE, Q).query("period == '2025-Q4'")
    assert grade.set_index("unit_id")["level"].to_dict() == {
        "U1": "red",
        "U2": "green",
        "U3": "green",
        "U4": "green",
        "U5": "green",
    }
    assert grade.set_index("unit_id").loc["U1", ["n_red", "n_yellow"]].tolist() == [
        1,
        1,
    ]


def test_two_rules_of_one_kind_on_one_node_are_refused(tiny_raw):
    """The ledger keeps one item per unit, node and rule kind
    (``period/unit/node/rule``): a second peer rule, or a second trend rule, on
    the composite, or an event listed by two event rules, would share the first's
    items, so the catalogue is refused there, naming the first rule. One rule of a
    kind per node, and rules of other kinds on it, load."""
    accident = {"id": "accident", "name_zh": "重大事故", "name_en": "Major accident"}
    fire = {"id": "fire", "name_zh": "火灾", "name_en": "Fire"}
    rules = [
        {"kind": "peer", "node": "composite", "method": "robust_z", "red": -3},
        {"kind": "peer", "node": "composite", "method": "bottom_k", "red": 1},
        {"kind": "trend", "node": "composite", "declines": 3},
        {"kind": "trend", "node": "composite", "drop": {"red": 5}},
        {"kind": "trend", "node": "a1", "declines": 3},
        {"kind": "peer", "node": "a1", "method": "bottom_k", "red": 1},
        {"kind": "threshold", "node": "composite", "red": 60},
        {"kind": "event", "events": ["accident"]},
        {"kind": "event", "events": ["fire", "accident"], "level": "orange"},
    ]
    with pytest.raises(CatalogueError) as err:
        catalogue(tiny_raw, *rules, events=[accident, fire])
    found = err.value.problems.set_index("path")
    assert sorted(found.index) == [
        "risk.rules[1].node",
        "risk.rules[3].node",
        "risk.rules[8].events[1]",
    ]
    assert found.at["risk.rules[1].node", "value"] == "composite"
    assert found.at["risk.rules[1].node", "rule_zh"] == (
        "此节点已有同类比较（peer）规则，见risk.rules[0]：整改台账按单位、节点和"
        "规则种类立项，同一节点的两条同类规则会并作一项整改，请只保留一条"
    )
    assert "at risk.rules[2]" in found.at["risk.rules[3].node", "rule"]
    assert found.at["risk.rules[8].events[1]", "value"] == "accident"
    assert found.at["risk.rules[8].events[1]", "rule_zh"].startswith(
        "此事件已列在risk.rules[7]的事件规则中"
    )
    catalogue(tiny_raw, *rules[::2], events=[accident, fire])  # one of each: loads


@pytest.mark.parametrize(
    "rule, path",
    [
        ({"kind": "threshold", "node": "a1", "red": 50}, "risk.rules[0].node"),
        (
            {"kind": "threshold", "node": "composite", "yellow": 50, "red": 60},
            "risk.rules[0].red",
        ),
        (
            {"kind": "peer", "node": "a1", "method": "robust_z", "red": 1},
            "risk.rules[0].red",
        ),
        ({"kind": "trend", "node": "a1"}, "risk.rules[0].declines"),
        ({"kind": "rollup", "node": "a1"}, "risk.rules[0].node"),
        ({"kind": "target", "node": "a1", "red": 10}, "risk.rules[0].series"),
        ({"kind": "event", "events": ["nope"]}, "risk.rules[0].events[0]"),
    ],
)
def test_bad_rules_are_named_by_their_yaml_path(tiny_raw, rule, path):
    with pytest.raises(CatalogueError) as err:
        catalogue(tiny_raw, rule)
    assert path in set(err.value.problems["path"])


def test_events_file_flows_through_a_run_and_is_validated(tiny_raw, tmp_path):
    tiny_raw["events"] = [
        {"id": "accident", "name_zh": "重大事故", "name_en": "Major accident"}
    ]
    tiny_raw["risk"] = {"rules": [{"kind": "event", "events": ["accident"]}]}
    cat = ev.parse_catalogue(tiny_raw)
    folder = write_dataset(tmp_path / "d", TINY_UNITS, TINY_ROWS)
    pd.DataFrame(
        {
            "unit_id": ["U3"],
            "period": ["2025-M11"],
            "event_id": ["accident"],
            "reference": ["安监〔2025〕7号"],
        }
    ).to_csv(folder / "events.csv", index=False)
    result = ev.run(cat, ev.load_dataset(folder), period="2025-Q4", run_at="t")
    assert result.events["reference"].tolist() == ["安监〔2025〕7号"]
    assert levels(result.warnings, rule="event") == {"U3": "red"}
    assert (
        result.risk.query("period == '2025-Q4' and unit_id == 'U3'")["level"].item()
        == "red"
    )

    pd.DataFrame(
        {
            "unit_id": ["U9", "U3", "U3"],
            "period": ["2025-M11", "2025-13", "2025-M11"],
            "event_id": ["accident", "accident", "fire"],
        }
    ).to_csv(folder / "events.csv", index=False)
    with pytest.raises(ValidationFailed) as err:
        ev.run(cat, ev.load_dataset(folder), period="2025-Q4", run_at="t")
    report = err.value.report
    assert report[["file", "row", "column", "value"]].values.tolist() == [
        ["events.csv", 2, "unit_id", "U9"],
        ["events.csv", 3, "period", "2025-13"],
        ["events.csv", 4, "event_id", "fire"],
    ]


def test_within_a_unit_and_level_the_whole_comes_before_its_parts(tiny_raw):
    """The composite, then the dimensions, then the indicators, each as the
    catalogue lists them (b before a here), then events: U1's three orange
    warnings (composite 64 and dimension b 54 at or below 65 and 55; a1 69 at or
    below 70) read composite, b, a1, not by id (a1, b, composite)."""
    tiny_raw["dimensions"].reverse()  # b, a
    tiny_raw["indicators"][0]["risk"] = {"orange": 70}
    cat = catalogue(
        tiny_raw,
        {"kind": "threshold", "node": "composite", "orange": 65},
        {"kind": "threshold", "node": "b", "orange": 55},
    )
    values = [
        ("2025-Q4", "U1", "a1", 69),
        ("2025-Q4", "U1", "b", 54),
        ("2025-Q4", "U1", "composite", 64),
    ]
    w = risk.evaluate(inputs(values), cat)
    assert w["node_id"].tolist() == ["composite", "b", "a1"]
