"""Annual appraisal by hand: trimming, redistribution, self-rating, duplicates,
deductions, three faults, veto, quota rounding and ties, overrides."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from evaluation import appraisal as A
from evaluation.errors import CatalogueError, ValidationFailed

UNITS = pd.DataFrame(
    {
        "unit_id": [f"U{i}" for i in range(1, 11)],
        "name_zh": [f"{i}局" for i in range(1, 11)],
        "name_en": [f"Bureau {i}" for i in range(1, 11)],
        "peer_group": ["g1"] * 5 + ["g2"] * 5,
    }
)


def config(**over) -> A.Config:
    raw = {
        "id": "t",
        "version": "1",
        "year": 2025,
        "name_zh": "测试",
        "name_en": "Test",
        "shares": {"periods": 0.5, "review": 0.3, "survey": 0.2},
        "periods": {"frequency": "quarterly"},
        "review": {"source": "review"},
        "survey": {
            "groups": [
                {
                    "id": "a",
                    "name_zh": "甲",
                    "name_en": "A",
                    "weight": 0.3,
                    "min_respondents": 3,
                    "trim": {"k": 1, "min_ballots": 10},
                },
                {
                    "id": "b",
                    "name_zh": "乙",
                    "name_en": "B",
                    "weight": 0.2,
                    "min_respondents": 3,
                },
                {
                    "id": "c",
                    "name_zh": "丙",
                    "name_en": "C",
                    "weight": 0.5,
                    "min_respondents": 3,
                },
            ]
        },
        "grades": {"excellent": 90, "good": 75, "pass": 60, "quota": None},
    }
    raw.update(over)
    return A.Config.model_validate(raw)


def table(rows, columns, name) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns).astype(object)
    return frame.assign(source=f"{name}.csv", row=range(2, len(frame) + 2))


def inputs(ballots=(), raters=None, **tables) -> A.Inputs:
    raters = (
        raters
        if raters is not None
        else [(f"R{g}{k}", g, "") for g in "abc" for k in range(20)]
    )
    out = {
        "ballots": table(
            [(f"B{i}", *b) for i, b in enumerate(ballots)],
            ["ballot_id", "rater_group", "rater_id", "unit_id", "answer"],
            "ballots",
        ),
        "raters": table(raters, ["rater_id", "rater_group", "rater_unit"], "raters"),
    }
    for name, (rows, columns) in tables.items():
        out[name] = table(rows, columns, name)
    return A.Inputs(out)


def result(scores: dict[str, list[float]] | None = None, events=()):
    """Quarterly composites of 2025 per unit (default 80 each quarter)."""
    scores = scores or {}
    rows = [
        (f"2025-Q{q}", u, scores.get(u, [80.0] * 4)[q - 1])
        for u in UNITS["unit_id"]
        for q in range(1, 5)
    ]
    composite = pd.DataFrame(rows, columns=["period", "unit_id", "composite_score"])
    return SimpleNamespace(
        units=UNITS,
        composite=composite,
        events=pd.DataFrame(list(events), columns=["unit_id", "period", "event_id"]),
    )


def ballots_for(unit, group, answers, prefix="R"):
    return [(group, f"{prefix}{group}{k}", unit, a) for k, a in enumerate(answers)]


def test_trimming_drops_the_extremes_and_dont_know_is_not_counted():
    answers = ["满意"] * 5 + ["基本满意"] * 4 + ["不满意"] * 2 + ["不了解"]
    b = ballots_for("U1", "a", answers)
    groups, _ = A.survey_scores(config(), inputs(b), UNITS)
    row = groups.set_index(["unit_id", "rater_group"]).loc[("U1", "a")]
    # 11 valid (one 不了解); ≥ 10, so drop one 100 and one 0:
    # (4·100 + 4·70 + 1·0) / 9 = 680 / 9
    assert row["valid"] == 11 and row["dont_know"] == 1 and row["trimmed"] == 2
    assert row["mean"] == pytest.approx(680 / 9)
    assert row["response_rate"] == pytest.approx(12 / 20)


def test_an_insufficient_group_gives_its_weight_to_the_others():
    b = ballots_for("U1", "a", ["80"] * 3)  # mean 80, weight 0.3
    b += ballots_for("U1", "b", ["100"] * 2)  # 2 < 3 respondents: insufficient
    b += ballots_for("U1", "c", ["60"] * 4)  # mean 60, weight 0.5
    groups, scores = A.survey_scores(config(), inputs(b), UNITS)
    g = groups[groups["unit_id"] == "U1"].set_index("rater_group")
    assert g["status"].to_dict() == {
        "a": "sufficient",
        "b": "insufficient",
        "c": "sufficient",
    }
    assert g["weight_used"].to_dict() == pytest.approx(
        {"a": 0.375, "b": 0.0, "c": 0.625}
    )
    # (0.3·80 + 0.5·60) / 0.8 = 67.5
    assert scores.set_index("unit_id").at["U1", "survey_score"] == pytest.approx(67.5)


def test_self_rating_duplicates_and_bad_answers_are_errors_with_rows():
    raters = [("Ra0", "a", "U2"), ("Ra1", "a", ""), ("Ra2", "a", "")]
    b = [
        ("a", "Ra0", "U2", "满意"),  # rates its own unit
        ("a", "Ra1", "U1", "满意"),
        ("a", "Ra1", "U1", "不满意"),  # a second ballot for the same unit
        ("a", "Ra2", "U1", "很好"),  # not on the scale
        ("z", "Ra2", "U3", "满意"),  # unknown group
    ]
    with pytest.raises(ValidationFailed) as err:
        A.survey_scores(config(), inputs(b, raters=raters), UNITS)
    report = err.value.report
    got = {(r.row, r.column, r.rule.split(":")[0]) for r in report.itertuples()}
    assert got == {
        (2, "unit_id", "self_rating"),
        (3, "rater_id, unit_id", "duplicate"),
        (4, "rater_id, unit_id", "duplicate"),
        (5, "answer", "answer"),
        (6, "rater_group", "known_group"),
    }
    assert (report["file"] == "ballots.csv").all()


def test_period_weights_and_the_key_target_review():
    cfg = config(periods={"frequency": "quarterly", "weights": {"Q4": 2}})
    got = A.period_scores(cfg, result({"U1": [60, 70, 80, 90]}))
    # (60 + 70 + 80 + 2·90) / 5 = 78
    assert got.set_index("unit_id").at["U1", "periods_score"] == pytest.approx(78)
    kt = (
        [
            ("U1", "T1", "100", "90", ""),  # 90 %
            ("U1", "T2", "50", "40", "40"),  # adjusted mid-year to 40: 100 %
            ("U1", "T3", "10", "12", ""),  # over-achieved: capped at 100 %
        ],
        ["unit_id", "target_id", "target", "achieved", "adjusted_target"],
    )
    review = A.review_scores(
        config(review={"source": "key_targets"}), inputs(key_targets=kt)
    )
    assert review.set_index("unit_id").at["U1", "review_score"] == pytest.approx(
        (90 + 100 + 100) / 3
    )


RULES = [
    {
        "id": "ded",
        "kind": "deduction",
        "version": "2025.1",
        "source": "seed 000 §3",
        "name_zh": "扣分",
        "name_en": "Deduction",
        "points": {"general": 1, "serious": 3},
        "cap": 3,
    },
    {
        "id": "any",
        "kind": "grade_cap",
        "version": "2025.1",
        "source": "seed 000 §4",
        "name_zh": "有过错",
        "name_en": "Any fault",
        "faults_at_least": 1,
        "grade": "good",
    },
    {
        "id": "three",
        "kind": "grade_cap",
        "version": "2025.1",
        "source": "seed 000 §5",
        "name_zh": "三次",
        "name_en": "Three",
        "faults_at_least": 3,
        "severities": ["general"],
        "grade": "fail",
    },
    {
        "id": "veto",
        "kind": "veto",
        "version": "2025.1",
        "source": "一票否决",
        "name_zh": "否决",
        "name_en": "Veto",
        "events": ["accident"],
    },
]
FAULT_COLS = ["unit_id", "date", "severity"]


def appraise(rules=RULES, events=(), scores=None, grades=None, **tables):
    """Every part 95 unless ``scores`` say otherwise: review and survey missing."""
    cfg = config(rules=rules, shares={"periods": 1.0, "review": 0.0, "survey": 0.0})
    if grades:
        cfg = config(
            rules=rules,
            shares={"periods": 1.0, "review": 0.0, "survey": 0.0},
            grades=grades,
        )
    base = {u: [95.0] * 4 for u in UNITS["unit_id"]}
    base.update(scores or {})
    return A.appraise(cfg, result(base, events), inputs(**tables))


def test_deductions_are_capped_and_faults_cap_the_grade():
    faults = (
        [
            ("U1", "2025-03-01", "general"),
            ("U1", "2025-04-01", "general"),
            ("U1", "2025-05-01", "serious"),  # 1 + 1 + 3 = 5, capped at 3
            ("U2", "2025-06-01", "serious"),  # one fault: 3 points, at most good
            ("U3", "2025-01-01", "general"),
            ("U3", "2025-02-01", "general"),
            ("U3", "2025-03-01", "general"),  # three general faults: fail
        ],
        FAULT_COLS,
    )
    ap = appraise(faults=faults)
    g = ap.grades.set_index("unit_id")
    assert g.loc[["U1", "U2", "U3", "U4"], "deductions"].tolist() == [3, 3, 3, 0]
    assert g.loc[["U1", "U2", "U3", "U4"], "score"].tolist() == [92, 92, 92, 95]
    assert g.loc["U1", "grade_by_score"] == "excellent"
    assert g.loc[["U1", "U2", "U3", "U4"], "final_grade"].tolist() == [
        "good",
        "good",
        "fail",
        "excellent",
    ]
    applied = ap.rules_applied
    assert set(applied.loc[applied["unit_id"] == "U3", "rule_id"]) == {
        "ded",
        "any",
        "three",
    }
    three = applied[
        (applied["unit_id"] == "U3") & (applied["rule_id"] == "three")
    ].iloc[0]
    assert three["source"] == "seed 000 §5" and three["version"] == "2025.1"
    assert three["reason_en"] == "Three: 3 fault finding(s), at most fail"


def test_a_veto_needs_its_approval_record_and_then_fails_the_unit():
    events = [("U5", "2025-M08", "accident"), ("U6", "2024-M03", "accident")]
    with pytest.raises(ValidationFailed) as err:
        appraise(events=events)
    assert err.value.report[["file", "value"]].values.tolist() == [
        ["vetoes.csv", "U5 / accident"]
    ]  # U6's is from another year
    vetoes = (
        [("U5", "accident", "考评委员会", "2026-01-20", "考评委〔2026〕1号")],
        ["unit_id", "event_id", "approved_by", "approved_on", "reference"],
    )
    ap = appraise(events=events, vetoes=vetoes)
    g = ap.grades.set_index("unit_id")
    assert g.loc["U5", "grade_by_score"] == "excellent"
    assert g.loc["U5", "final_grade"] == "fail"
    veto = ap.rules_applied.query("rule_id == 'veto'").iloc[0]
    assert veto[["unit_id", "approved_by", "reference"]].tolist() == [
        "U5",
        "考评委员会",
        "考评委〔2026〕1号",
    ]


def test_quota_rounds_half_up_and_marks_a_tie_at_the_boundary():
    # 10 units, share 0.25: 2.5 → 3 excellent (half up; Python's round() gives 2)
    scores = {
        "U1": [99.0] * 4,
        "U2": [98.0] * 4,
        "U3": [97.0] * 4,
        "U4": [96.0] * 4,
        "U5": [96.0] * 4,
    }
    quota = {"excellent": 90, "good": 75, "pass": 60, "quota": {"share": 0.25}}
    ap = appraise(scores=scores, grades=quota, rules=[])
    g = ap.grades.set_index("unit_id")
    kept = g.index[g["final_grade"] == "excellent"].tolist()
    assert kept == ["U1", "U2", "U3"]
    assert (g.loc[["U4", "U5", "U6"], "final_grade"] == "good").all()
    assert not g["quota_tie"].any()
    # now U3 ties U4 exactly: the third place goes to U3 by unit id, both marked
    scores["U3"] = [96.0] * 4
    ap = appraise(scores=scores, grades=quota, rules=[])
    g = ap.grades.set_index("unit_id")
    assert g.index[g["final_grade"] == "excellent"].tolist() == ["U1", "U2", "U3"]
    assert g.index[g["quota_tie"]].tolist() == ["U3", "U4", "U5"]
    quota_rows = ap.rules_applied.query("rule_id == 'quota'")
    assert (
        "excellent quota 3 (10 units × 0.25, rounded half up)"
        in quota_rows["reason_en"].iloc[0]
    )


def test_quota_per_peer_group():
    quota = {
        "excellent": 90,
        "good": 75,
        "pass": 60,
        "quota": {"share": 0.2, "per": "peer_group"},
    }
    ap = appraise(grades=quota, rules=[])  # everyone 95: 1 of 5 per group
    g = ap.grades.set_index("unit_id")
    # all tied: the unit id decides, as text ("U10" < "U6")
    assert g.index[g["final_grade"] == "excellent"].tolist() == ["U1", "U10"]
    assert g["quota_tie"].sum() == 10  # all tied: settled by unit id, and marked


def test_overrides_need_reason_and_approver_and_are_recorded():
    cols = ["unit_id", "grade", "reason", "approved_by", "approved_on"]
    bad = ([("U1", "good", "", "主任", "2026-01-20")], cols)
    with pytest.raises(ValidationFailed) as err:
        appraise(overrides=bad)
    assert err.value.report[["file", "row", "column"]].values.tolist() == [
        ["overrides.csv", 2, "reason"]
    ]
    ok = ([("U7", "good", "复核发现数据错误", "考评委员会", "2026-01-20")], cols)
    ap = appraise(overrides=ok)
    g = ap.grades.set_index("unit_id")
    assert g.loc["U7", ["grade_after_quota", "override", "final_grade"]].tolist() == [
        "excellent",
        "excellent → good",
        "good",
    ]
    row = ap.rules_applied.query("rule_id == 'override'").iloc[0]
    assert row[["unit_id", "approved_by", "reason_zh"]].tolist() == [
        "U7",
        "考评委员会",
        "复核发现数据错误",
    ]


def test_missing_parts_share_is_spread_over_the_parts_a_unit_has():
    cfg = config()
    b = ballots_for("U1", "a", ["50"] * 3)  # survey 50 for U1 only
    review = ([("U1", "70"), ("U2", "70")], ["unit_id", "score"])
    ap = A.appraise(cfg, result(), inputs(b, review=review))
    g = ap.grades.set_index("unit_id")
    # U1: 0.5·80 + 0.3·70 + 0.2·50 = 71; U2: (0.5·80 + 0.3·70) / 0.8 = 76.25
    assert g.loc["U1", "combined"] == pytest.approx(71)
    assert g.loc["U2", "combined"] == pytest.approx(76.25)
    assert g.loc["U2", "parts_missing"] == "survey"


def test_config_problems_name_their_yaml_path(tmp_path):
    path = tmp_path / "appraisal.yaml"
    path.write_text(
        "id: t\nversion: '1'\nyear: 2025\nname_zh: 甲\nname_en: A\n"
        "shares: {periods: 0.6, review: 0.3, survey: 0.2}\n"
        "survey: {groups: []}\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError) as err:
        A.load_config(path)
    paths = set(err.value.problems["path"])
    assert {"shares", "survey.groups"} <= paths
