"""Annual appraisal by hand: trimming, redistribution, the key-target review, rules at
the level they apply to (unit or person), each fault counted once, bonus points,
groups with their own quota, overrides, and every malformed input reported."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from evaluation import appraisal as A
from evaluation.errors import CatalogueError, EvaluationError, ValidationFailed
from evaluation.vocabulary import fixed

from ..conftest import ROOT

UNITS = pd.DataFrame(
    {
        "unit_id": [f"U{i}" for i in range(1, 11)],
        "name_zh": [f"{i}局" for i in range(1, 11)],
        "name_en": [f"Bureau {i}" for i in range(1, 11)],
        "peer_group": ["g1"] * 5 + ["g2"] * 5,
    }
)
SOURCE = {"document": "辽市政发〔2007〕48号", "article": "第五部分第（五）项"}
GROUPS = [
    {"id": "all", "name_zh": "全部", "name_en": "All", "peer_groups": ["g1", "g2"]}
]


def config(**over) -> A.Config:
    raw = {
        "id": "t",
        "version": "1",
        "year": 2025,
        "name_zh": "测试",
        "name_en": "Test",
        "shares": {"periods": 0.5, "review": 0.3, "survey": 0.2},
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
        "groups": GROUPS,
        "grades": {"excellent": 90, "good": 75, "pass": 60, "quota": None},
    }
    raw.update(over)
    return A.Config.model_validate(raw)


def table(rows, columns, name) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns).astype(object)
    required, optional = A.FILES[name]
    frame = frame.reindex(columns=[*required, *optional])
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


CATALOGUE = SimpleNamespace(
    events=[SimpleNamespace(id="accident", name_zh="事故", name_en="Accident")],
    indicators=[SimpleNamespace(id="fault_findings")],
    peer_groups=[SimpleNamespace(id="g1"), SimpleNamespace(id="g2")],
    top_dimensions=lambda: ["d1", "d2"],
    name=lambda i, lang="en": {  # as indicators.yaml names it
        "fault_findings": "过错责任追究件数" if lang == "zh" else "Fault findings"
    }.get(i, i),
)


def result(scores: dict[str, float] | None = None, events=(), dims=None):
    """The annual run of 2025: composite 80 per unit unless ``scores`` say otherwise,
    and two level-1 dimensions (``dims``: unit → (d1, d2))."""
    scores = scores or {}
    ids = UNITS["unit_id"]
    composite = pd.DataFrame(
        {
            "period": "2025",
            "unit_id": ids,
            "composite_score": [scores.get(u, 80.0) for u in ids],
        }
    )
    dims = dims or {}
    node_scores = pd.DataFrame(
        [
            ("2025", u, node, dims.get(u, (70.0, 90.0))[k])
            for u in ids
            for k, node in enumerate(["d1", "d2"])
        ],
        columns=["period", "unit_id", "node_id", "score"],
    )
    return SimpleNamespace(
        units=UNITS,
        composite=composite,
        scores=node_scores,
        catalogue=CATALOGUE,
        events=pd.DataFrame(list(events), columns=["unit_id", "period", "event_id"]),
    )


def ballots_for(unit, group, answers, prefix="R"):
    return [(group, f"{prefix}{group}{k}", unit, a) for k, a in enumerate(answers)]


# ------------------------------------------------------------------ survey
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


def test_the_key_target_review():
    kt = (
        [
            ("U1", "T1", "100", "90", "", "", ""),  # 90 %
            ("U1", "T2", "50", "40", "40", "2025-07-01", "批准调整"),  # adjusted: 100 %
            ("U1", "T3", "10", "12", "", "", ""),  # over-achieved: capped at 100 %
        ],
        [
            "unit_id",
            "target_id",
            "target",
            "achieved",
            "adjusted_target",
            "adjusted_on",
            "reason",
        ],
    )
    cfg = config(review={"source": "key_targets"})
    ap = A.appraise(cfg, result(), inputs(key_targets=kt))
    assert ap.grades.set_index("unit_id").at["U1", "review_score"] == pytest.approx(
        (90 + 100 + 100) / 3
    )


# -------------------------------------------------------------------- 考
def test_the_periods_part_is_the_annual_composite_with_every_dimension():
    ap = A.appraise(
        config(shares={"periods": 1.0, "review": 0.0, "survey": 0.0}),
        result({"U1": 66.0}, dims={"U1": (50.0, 82.0)}),
        inputs(),
    )
    g = ap.grades.set_index("unit_id")
    assert g.at["U1", "periods_score"] == 66.0 and g.at["U1", "score"] == 66.0
    assert g.loc["U1", ["dim_d1", "dim_d2"]].tolist() == [50.0, 82.0]


def test_a_monthly_run_is_refused_with_what_to_do():
    r = result()
    r.composite["period"] = "2025-M12"
    with pytest.raises(EvaluationError, match=r"--period 2025"):
        A.appraise(config(), r, inputs())


# ------------------------------------------------------------------- rules
def rule(id, kind, **fields):
    return {
        "id": id,
        "kind": kind,
        "version": "2025.2",
        "source": SOURCE,
        "name_zh": f"规则{id}",
        "name_en": f"Rule {id}",
        **fields,
    }


FAULT_COLS = ["unit_id", "date", "severity", "person_id", "responsibility"]


def appraise(rules=(), events=(), scores=None, grades=None, groups=GROUPS, **tables):
    """Every unit's annual composite 95 unless ``scores`` say otherwise; review and
    survey carry no share."""
    cfg = config(
        rules=list(rules),
        shares={"periods": 1.0, "review": 0.0, "survey": 0.0},
        groups=groups,
        **({"grades": grades} if grades else {}),
    )
    base = {u: 95.0 for u in UNITS["unit_id"]}
    base.update(scores or {})
    return A.appraise(cfg, result(base, events), inputs(**tables))


DEDUCT = rule("ded", "deduction", points={"general": 1, "serious": 3}, cap=3)
ANY = rule("any", "grade_cap", faults_at_least=1, grade="good")
PERSON_ANY = rule("p_any", "grade_cap", applies_to="person", grade="competent")
PERSON_THREE = rule(
    "p_three",
    "grade_cap",
    applies_to="person",
    faults_at_least=3,
    severities=["general"],
    responsibility=["direct"],
    grade="incompetent",
)


def test_deductions_are_capped_and_a_fault_caps_the_unit_at_good():
    faults = (
        [
            ("U1", "2025-03-01", "general", "", ""),
            ("U1", "2025-04-01", "general", "", ""),
            ("U1", "2025-05-01", "serious", "", ""),  # 1 + 1 + 3 = 5, capped at 3
            (
                "U2",
                "2025-06-01",
                "serious",
                "",
                "",
            ),  # one fault: 3 points, at most good
        ],
        FAULT_COLS,
    )
    ap = appraise(rules=[DEDUCT, ANY], faults=faults)
    g = ap.grades.set_index("unit_id")
    assert g.loc[["U1", "U2", "U3"], "deductions"].tolist() == [3, 3, 0]
    assert g.loc[["U1", "U2", "U3"], "score"].tolist() == [92, 92, 95]
    assert g.loc[["U1", "U2", "U3"], "final_grade"].tolist() == [
        "good",
        "good",
        "excellent",
    ]
    row = ap.rules_applied.query("unit_id == 'U1' and rule_id == 'any'").iloc[0]
    assert row["source"] == "辽市政发〔2007〕48号 第五部分第（五）项"
    assert row["reason_zh"] == "规则any：3起过错，最高评为良好"


def test_the_rules_sheet_says_its_count_is_of_the_units_a_rule_applied_to():
    """有过错不得评为优秀 (ANY: one fault, at most good). U1 (95, excellent by
    score) and U2 (80, good by score) have a fault each, the eight others none: the
    cap applies to two units, by hand, and lowers U1's grade only. The rules sheet
    counts 2 under a header saying so (a secretary read 涉及单位或人员数 as the
    units whose grade the rule changed)."""
    from evaluation.publish.export import rules_sheet

    faults = (
        [
            ("U1", "2025-03-01", "general", "", ""),
            ("U2", "2025-04-01", "general", "", ""),
        ],
        FAULT_COLS,
    )
    ap = appraise(rules=[ANY], scores={"U2": 80.0}, faults=faults)
    g = ap.grades.set_index("unit_id")
    assert g.loc[["U1", "U2"], "grade_by_score"].tolist() == ["excellent", "good"]
    assert g.loc[["U1", "U2"], "final_grade"].tolist() == ["good", "good"]
    zh = rules_sheet(ap.rules, lang="zh").set_index("规则")
    assert zh.at["规则any", "适用的单位或人员数（不论等次是否因此改变）"] == 2
    en = rules_sheet(ap.rules, lang="en").set_index("Rule")
    assert (
        en.at["Rule any", "Units or persons it applied to (grade changed or not)"] == 2
    )


def test_english_reasons_count_one_fault_in_the_singular():
    """U1 one general fault (1 point), U2 two (2 points), U3 three (capped at 3);
    persons alike. The English reasons say 1 fault finding, 1 point, 2 fault
    findings, 2 points: never finding(s)."""
    faults = (
        [
            ("U1", "2025-03-01", "general", "U1-P1", "direct"),
            ("U2", "2025-03-01", "general", "U2-P1", "direct"),
            ("U2", "2025-04-01", "general", "U2-P1", "direct"),
            ("U3", "2025-01-01", "general", "U3-P1", "direct"),
            ("U3", "2025-02-01", "general", "U3-P1", "direct"),
            ("U3", "2025-03-01", "general", "U3-P1", "leadership"),
        ],
        FAULT_COLS,
    )
    ap = appraise(rules=[DEDUCT, ANY, PERSON_ANY, PERSON_THREE], faults=faults)
    said = ap.rules_applied.set_index(["unit_id", "rule_id"])["reason_en"]
    assert said["U1", "ded"] == "Rule ded: 1 fault finding, 1 point deducted"
    assert said["U2", "ded"] == "Rule ded: 2 fault findings, 2 points deducted"
    assert said["U3", "ded"] == "Rule ded: 3 fault findings, 3 points deducted"
    assert said["U1", "any"] == "Rule any: 1 fault finding, at most good"
    assert said["U2", "any"] == "Rule any: 2 fault findings, at most good"
    p = ap.persons.set_index("person_id")["reason_en"]
    assert "Rule p_any: 1 finding, at most competent" in p["U1-P1"]
    assert "Rule p_any: 2 findings, at most competent" in p["U2-P1"]
    # U3-P1: three, one of them with leadership responsibility only
    assert "Rule p_three: not applied (3 findings, 2 of them" in p["U3-P1"]


def test_a_count_of_points_is_said_apart_from_the_count_of_faults():
    """Half a point a general fault: U1 one (0.5 points), U2 two (1 point, from
    2 fault findings), U3 three (1.5 points); each count takes its own singular.
    A person rule needing one direct general fault, not met by a person's only
    fault (leadership): 1 finding in all, said in the singular."""
    half = rule("half", "deduction", points={"general": 0.5})
    p_one = rule(
        "p_one",
        "grade_cap",
        applies_to="person",
        severities=["general"],
        responsibility=["direct"],
        grade="basically_competent",
    )
    faults = (
        [
            ("U1", "2025-03-01", "general", "U1-P1", "leadership"),
            ("U2", "2025-03-01", "general", "U2-P1", "direct"),
            ("U2", "2025-04-01", "general", "U2-P1", "direct"),
            ("U3", "2025-01-01", "general", "U3-P1", "direct"),
            ("U3", "2025-02-01", "general", "U3-P1", "direct"),
            ("U3", "2025-03-01", "general", "U3-P1", "direct"),
        ],
        FAULT_COLS,
    )
    ap = appraise(rules=[half, PERSON_ANY, p_one], faults=faults)
    said = ap.rules_applied.set_index("unit_id")
    assert said["reason_en"].to_dict() == {
        "U1": "Rule half: 1 fault finding, 0.5 points deducted",
        "U2": "Rule half: 2 fault findings, 1 point deducted",
        "U3": "Rule half: 3 fault findings, 1.5 points deducted",
    }
    assert said["reason_zh"].to_dict() == {
        "U1": "规则half：1起过错，扣0.5分",
        "U2": "规则half：2起过错，扣1分",
        "U3": "规则half：3起过错，扣1.5分",
    }
    assert said["effect_zh"].tolist() == ["扣0.5分", "扣1分", "扣1.5分"]
    p = ap.persons.set_index("person_id")
    assert "Rule p_one: not applied (1 finding, 0 of them" in p.at["U1-P1", "reason_en"]
    assert "规则p_one：不适用（共1起过错，其中" in p.at["U1-P1", "reason_zh"]


def test_three_general_faults_of_one_person_never_fail_the_department():
    """Seed 000 五（五）: three general faults with direct responsibility in a year make
    the *person's* annual assessment 不称职. The department keeps its grade."""
    three = [("U3", f"2025-0{m}-01", "general", "U3-P1", "direct") for m in (1, 2, 3)]
    led = [  # three too, but one with leadership responsibility only
        ("U4", "2025-01-01", "general", "U4-P1", "direct"),
        ("U4", "2025-02-01", "general", "U4-P1", "direct"),
        ("U4", "2025-03-01", "general", "U4-P1", "leadership"),
    ]
    ap = appraise(rules=[PERSON_ANY, PERSON_THREE], faults=(three + led, FAULT_COLS))
    g = ap.grades.set_index("unit_id")
    assert (g["final_grade"] == "excellent").sum() == 10  # no quota: nobody capped
    assert set(ap.rules_applied["rule_id"]) == set()
    p = ap.persons.set_index("person_id")
    assert p.loc[
        "U3-P1", ["unit_id", "faults", "proposed", "proposed_zh"]
    ].tolist() == ["U3", 3, "incompetent", "不称职"]
    assert p.at["U4-P1", "proposed"] == "competent"  # not eligible for excellent
    assert p.at["U4-P1", "proposed_zh"] == "最高称职（不得评为优秀）"
    assert "辽市政发〔2007〕48号" in p.at["U3-P1", "reason_zh"]
    # the rule sets the grade (the seed: 年度考核定为不称职), it is no ceiling
    assert "规则p_three：3起，定为不称职（" in p.at["U3-P1", "reason_zh"]
    assert "Rule p_three: 3 findings, rated incompetent (" in p.at["U3-P1", "reason_en"]
    assert "最高不称职" not in p.at["U3-P1", "reason_zh"]
    # U4-P1 has three faults too: the file says why the rule of three did not apply
    assert p.at["U4-P1", "reason_zh"].endswith(
        "规则p_three：不适用（共3起过错，其中一般过错、直接责任的2起，须满3起）"
    )
    assert "not applied" not in p.at["U3-P1", "reason_en"]


def test_a_fault_already_counted_in_an_indicator_is_not_deducted_again():
    counted = rule(
        "ded", "deduction", points={"general": 1}, cap=3, counted_in=["fault_findings"]
    )
    faults = ([("U1", "2025-03-01", "general", "", "")], FAULT_COLS)
    ap = appraise(rules=[counted], faults=faults)
    assert ap.grades.set_index("unit_id").at["U1", "deductions"] == 0
    status = ap.rules.set_index("rule_id").loc["ded"]
    assert not status["active"]
    assert (
        status["status_zh"]
        == "不适用：过错已计入指标“过错责任追究件数”，每起过错只计一次"
    )
    assert status["status_en"] == (  # the indicator's English name, not its id
        "not applied: the faults already count in the indicator “Fault findings”; "
        "each fault counts once"
    )
    # declared on purpose: counted again
    again = rule(
        "ded",
        "deduction",
        points={"general": 1},
        cap=3,
        counted_in=["fault_findings"],
        count_again=True,
    )
    ap = appraise(rules=[again], faults=faults)
    assert ap.grades.set_index("unit_id").at["U1", "deductions"] == 1
    status = ap.rules.set_index("rule_id").loc["ded"]
    assert status["status_zh"] == (  # the committee's words, not the config's
        "适用（过错亦计入指标“过错责任追究件数”，考评规则规定在此再计一次）"
    )
    assert status["status_en"] == (  # count_again in words
        "applied (the faults also count in the indicator “Fault findings”; the "
        "appraisal rules say to count them here once more)"
    )


BONUS = rule(
    "bonus",
    "bonus",
    cap=3,
    categories=[
        {"id": "award", "name_zh": "省级表彰", "name_en": "Award", "points": 2},
        {"id": "pilot", "name_zh": "试点", "name_en": "Pilot", "points": 1},
    ],
)
BONUS_COLS = [
    "unit_id",
    "category",
    "date",
    "reason",
    "approved_by",
    "approved_on",
    "reference",
]


def test_bonus_points_are_capped_and_lift_the_score():
    rows = [
        (
            "U1",
            "award",
            "2025-05-01",
            "表彰甲",
            "委员会",
            "2026-01-20",
            "考评委〔2026〕2号",
        ),
        (
            "U1",
            "award",
            "2025-06-01",
            "表彰乙",
            "委员会",
            "2026-01-20",
            "考评委〔2026〕2号",
        ),
        (
            "U2",
            "pilot",
            "2025-06-01",
            "试点",
            "委员会",
            "2026-01-20",
            "考评委〔2026〕2号",
        ),
    ]
    ap = appraise(
        rules=[BONUS], scores={"U1": 80.0, "U2": 89.5}, bonuses=(rows, BONUS_COLS)
    )
    g = ap.grades.set_index("unit_id")
    assert g.loc[["U1", "U2"], "bonus"].tolist() == [3, 1]  # 2 + 2 = 4, capped at 3
    assert g.loc[["U1", "U2"], "score"].tolist() == [83, 90.5]
    assert g.at["U2", "final_grade"] == "excellent"  # 89.5 + 1 crosses 90
    assert "封顶3分" in ap.rules_applied.query("unit_id == 'U1'")["reason_zh"].iloc[0]


def test_a_veto_needs_its_approval_record_and_then_fails_the_unit():
    veto = rule("veto", "veto", events=["accident"])
    events = [("U5", "2025-M08", "accident"), ("U6", "2024-M03", "accident")]
    with pytest.raises(ValidationFailed) as err:
        appraise(rules=[veto], events=events)
    assert err.value.report[["file", "value"]].values.tolist() == [
        ["vetoes.csv", "U5 / accident"]
    ]  # U6's is from another year
    vetoes = (
        [("U5", "accident", "考评委员会", "2026-01-20", "考评委〔2026〕1号")],
        ["unit_id", "event_id", "approved_by", "approved_on", "reference"],
    )
    ap = appraise(rules=[veto], events=events, vetoes=vetoes)
    g = ap.grades.set_index("unit_id")
    assert g.loc["U5", "grade_by_score"] == "excellent"
    assert g.loc["U5", "final_grade"] == "fail"
    reason = ap.rules_applied.query("rule_id == 'veto'")["reason_zh"].iloc[0]
    assert reason == "规则veto：2025年8月发生事故，一票否决"  # the period in words


def test_the_committee_may_decline_a_veto_with_its_reason_on_record():
    """不予否决: the event stays reported (events.csv is the dataset's record, not
    edited to avoid a veto); the committee's decision, reason and approval are on
    record and the unit is graded by its score."""
    veto = rule("veto", "veto", events=["accident"])
    events = [("U5", "2025-M08", "accident")]
    cols = ["unit_id", "event_id", "approved_by", "approved_on", "reference",
            "decision", "reason"]  # fmt: skip
    declined = ([("U5", "accident", "考评委员会", "2026-01-20", "考评委〔2026〕3号",
                  "decline", "事故经调查系外单位责任")], cols)  # fmt: skip
    ap = appraise(rules=[veto], events=events, vetoes=declined)
    g = ap.grades.set_index("unit_id")
    assert g.loc["U5", ["grade_by_score", "final_grade"]].tolist() == [
        "excellent",
        "excellent",
    ]
    row = ap.rules_applied.query("unit_id == 'U5'").iloc[0]
    assert row["effect_zh"] == "不予否决"
    assert row["reason_zh"] == (
        "规则veto：2025年8月发生事故，经考评委员会决定不予否决（事故经调查系外单位责任）"
    )
    assert row["reference"] == "考评委〔2026〕3号"
    # without a reason the decision is refused, naming the cell
    no_reason = ([(*declined[0][0][:6], "")], cols)
    with pytest.raises(ValidationFailed) as err:
        appraise(rules=[veto], events=events, vetoes=no_reason)
    assert err.value.report[["file", "row", "column"]].values.tolist() == [
        ["vetoes.csv", 2, "reason"]
    ]
    # an event nobody decided: said in Chinese with every other input problem
    with pytest.raises(ValidationFailed) as err:
        appraise(rules=[veto], events=events)
    assert err.value.report["rule_zh"].tolist() == [
        "规则“规则veto”所列事项须由考评委员会逐项决定（一票否决或不予否决），写明批准人、"
        "批准日期和文号"
    ]


# ------------------------------------------------------------ quota, groups
def test_quota_rounds_half_up_and_marks_a_tie_at_the_boundary():
    # 10 units, share 0.25: 2.5 → 3 excellent (half up; Python's round() gives 2)
    scores = {"U1": 99.0, "U2": 98.0, "U3": 97.0, "U4": 96.0, "U5": 96.0}
    scores |= {f"U{i}": 80.0 for i in range(6, 11)}
    quota = {"excellent": 90, "good": 75, "pass": 60, "quota": {"share": 0.25}}
    ap = appraise(scores=scores, grades=quota)
    g = ap.grades.set_index("unit_id")
    assert g.index[g["final_grade"] == "excellent"].tolist() == ["U1", "U2", "U3"]
    assert not g["quota_tie"].any()
    scores["U3"] = 96.0  # now U3 ties U4 and U5: U3 by unit id, all marked
    g = appraise(scores=scores, grades=quota).grades.set_index("unit_id")
    assert g.index[g["final_grade"] == "excellent"].tolist() == ["U1", "U2", "U3"]
    assert g.index[g["quota_tie"]].tolist() == ["U3", "U4", "U5"]


def test_a_unit_without_a_score_counts_in_the_quota_base():
    """The quota is a share of the units the group appraises (docs/appraisal.md
    §4), a unit without a score too: it is appraised and graded 不合格. 10 units,
    one unscored, share 0.25: 0.25 × 10 = 2.5 → 3 excellent places; a base of the
    9 scored units would give 2.25 → 2."""
    scores = {"U1": 99.0, "U2": 98.0, "U3": 97.0, "U4": 96.0}
    scores |= {f"U{i}": 80.0 for i in range(5, 10)} | {"U10": float("nan")}
    quota = {"excellent": 90, "good": 75, "pass": 60, "quota": {"share": 0.25}}
    g = appraise(scores=scores, grades=quota).grades.set_index("unit_id")
    assert g.loc["U10", "final_grade"] == "fail"
    assert g.index[g["final_grade"] == "excellent"].tolist() == ["U1", "U2", "U3"]


def test_scores_published_alike_share_the_rank_and_the_quota_goes_by_periods():
    """Two units both published at 90.13 tie for the one excellent place: the
    periods part decides (docs/appraisal.md §4), and they share 1st place.
    U1: (0.5·95 + 0.3·82) / 0.8 = 90.125 → 90.13 half up (the float computed is
    just below, 90.12499999999999); U2: (0.5·92 + 0.3·87.01) / 0.8 = 90.12875 →
    90.13. No survey: its share is spread over the other two parts."""
    scores = {"U1": 95.0, "U2": 92.0} | {f"U{i}": 80.0 for i in range(3, 11)}
    review = [("U1", "82"), ("U2", "87.01")]
    review += [(f"U{i}", "80") for i in range(3, 11)]
    quota = {"excellent": 90, "good": 75, "pass": 60, "quota": {"share": 0.1}}
    cfg = config(grades=quota)  # 10 units × 0.1: one place
    ap = A.appraise(cfg, result(scores), inputs(review=(review, ["unit_id", "score"])))
    g = ap.grades.set_index("unit_id")
    assert [fixed(s) for s in g.loc[["U1", "U2"], "score"]] == ["90.13"] * 2
    assert g.loc[["U1", "U2"], "grade_after_rules"].tolist() == ["excellent"] * 2
    assert g.loc[["U1", "U2"], "final_grade"].tolist() == ["excellent", "good"]
    assert g.loc[["U1", "U2"], "group_rank"].tolist() == [1, 1]
    assert not g.loc[["U1", "U2"], "quota_tie"].any()  # the periods part settled it
    assert ap.grades["unit_id"].tolist()[:2] == ["U1", "U2"]


def test_the_quota_reason_writes_its_share_as_the_report_does():
    """The unit the quota made good reads why as the committee report says the
    quota (“本组单位数的10%”): 10 units × 10% = 1 place (by hand), the share as a
    percentage in both languages, not 10个单位×0.1."""
    scores = {"U1": 95.0, "U2": 94.0} | {f"U{i}": 80.0 for i in range(3, 11)}
    quota = {"excellent": 90, "good": 75, "pass": 60, "quota": {"share": 0.1}}
    ap = A.appraise(config(grades=quota), result(scores), inputs())
    cut = ap.rules_applied[ap.rules_applied["rule_id"] == "quota"]
    assert cut["unit_id"].tolist() == ["U2"]
    assert cut["reason_zh"].tolist() == [
        "本组优秀名额1个（10个单位×10%，四舍五入），按得分排序未入选"
    ]
    assert cut["reason_en"].tolist() == [
        "excellent quota 1 (10 units × 10%, rounded half up); outside it by score"
    ]


def test_a_score_of_exactly_90_by_hand_is_excellent():
    """考 81.3, 评 98.5, 议 99 (three 99s of group C; A and B gave none):
    0.5·81.3 + 0.3·98.5 + 0.2·99 = 40.65 + 29.55 + 19.8 = 90.00 by hand, the
    threshold for 优秀 (≥ 90), published as 90.00. The float computed is
    89.99999999999999; the grade must be the one the published score earns."""
    b = ballots_for("U1", "c", ["99"] * 3)
    review = ([("U1", "98.5")], ["unit_id", "score"])
    ap = A.appraise(config(), result({"U1": 81.3}), inputs(b, review=review))
    g = ap.grades.set_index("unit_id")
    assert fixed(g.at["U1", "score"]) == "90.00"
    assert g.at["U1", "grade_by_score"] == "excellent"
    assert g.at["U1", "final_grade"] == "excellent"


def test_each_unit_the_quota_moved_cites_the_document_that_sets_it():
    """The committee reads why a unit is 良好 and not 优秀: the quota's row names
    the document that sets the quota when the configuration gives it."""
    scores = {"U1": 99.0, "U2": 98.0, "U3": 97.0}
    scores |= {f"U{i}": 80.0 for i in range(4, 11)}
    quota = {"share": 0.2, "source": {"document": "某市绩效考评办法",
                                      "article": "第十二条"}}  # fmt: skip
    grades = {"excellent": 90, "good": 75, "pass": 60, "quota": quota}
    row = appraise(scores=scores, grades=grades).rules_applied.query(
        "rule_id == 'quota'"
    )
    assert row[["unit_id", "source"]].values.tolist() == [
        ["U3", "《某市绩效考评办法》第十二条"]
    ]
    del quota["source"]  # none given: the standing words
    row = appraise(scores=scores, grades=grades).rules_applied.query(
        "rule_id == 'quota'"
    )
    assert row["source"].tolist() == ["本年度考评办法优秀名额规定"]


def test_each_appraisal_group_has_its_own_quota_and_ranks():
    """Districts and departments are appraised in separate lists: the best district
    never takes a department's place."""
    groups = [
        {
            "id": "dep",
            "name_zh": "市直部门",
            "name_en": "Departments",
            "peer_groups": ["g1"],
        },
        {
            "id": "dis",
            "name_zh": "县（市）区政府",
            "name_en": "Districts",
            "peer_groups": ["g2"],
        },
    ]
    scores = {"U1": 91.0, "U2": 92.0, "U6": 99.0, "U7": 98.0}
    scores |= {u: 70.0 for u in ("U3", "U4", "U5", "U8", "U9", "U10")}
    quota = {"excellent": 90, "good": 75, "pass": 60, "quota": {"share": 0.2}}
    ap = appraise(scores=scores, grades=quota, groups=groups)
    g = ap.grades
    # one excellent per group of 5 (0.2 × 5 = 1): U2 in dep, U6 in dis
    assert g.loc[g["final_grade"] == "excellent", "unit_id"].tolist() == ["U2", "U6"]
    assert g["unit_id"].tolist()[:2] == ["U2", "U1"]  # departments first, by score
    ranks = g.set_index("unit_id")["group_rank"]
    assert ranks[["U2", "U1", "U6", "U7"]].tolist() == [1, 2, 1, 2]


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


OVERRIDE_COLS = ["unit_id", "grade", "reason", "approved_by", "approved_on"]


def override(*rows) -> tuple:
    """``overrides.csv`` rows ``(unit, grade)``, each with its reason and approver."""
    return [(u, g, "考评委员会议定", "考评委员会", "2026-01-20") for u, g in rows], (
        OVERRIDE_COLS
    )


def test_an_override_cannot_lift_a_veto():
    """一票否决: the committee corrects a wrong veto in its record (an appeal), not
    by overriding the grade; lowering a vetoed unit stays possible."""
    veto = rule("veto", "veto", events=["accident"])
    events = [("U5", "2025-M08", "accident")]
    vetoes = (
        [("U5", "accident", "考评委员会", "2026-01-20", "考评委〔2026〕1号")],
        ["unit_id", "event_id", "approved_by", "approved_on", "reference"],
    )
    with pytest.raises(ValidationFailed) as err:
        appraise(rules=[veto], events=events, vetoes=vetoes,
                 overrides=override(("U5", "good")))  # fmt: skip
    report = err.value.report
    assert report[["file", "row", "column", "value"]].values.tolist() == [
        ["overrides.csv", 2, "grade", "good"]
    ]
    assert "一票否决的单位不能调高等次" in report["rule_zh"].iloc[0]
    # the same override of a unit not vetoed stands
    g = appraise(rules=[veto], events=events, vetoes=vetoes,
                 overrides=override(("U4", "good"))).grades  # fmt: skip
    assert g.set_index("unit_id").at["U4", "final_grade"] == "good"


def test_an_override_cannot_lift_a_unit_above_its_grade_cap():
    """Seed 000 五（五）: a unit with a fault finding is not eligible for 优秀
    (取消评优评先资格); the committee cannot make it 优秀 by an override, which would
    print 最高评为良好 and 优秀 on one line. Up to the cap stays possible."""
    faults = ([("U2", "2025-06-01", "serious", "", "")], FAULT_COLS)
    scores = {"U2": 85.0}  # 良好 by score, at most 良好 by the rule
    with pytest.raises(ValidationFailed) as err:
        appraise(rules=[ANY], scores=scores, faults=faults,
                 overrides=override(("U1", "good"), ("U2", "excellent")))  # fmt: skip
    report = err.value.report
    assert report[["file", "row", "column", "value"]].values.tolist() == [
        ["overrides.csv", 3, "grade", "excellent"]
    ]
    assert "最高评为良好" in report["rule_zh"].iloc[0]
    # up to the cap stands: a 合格 unit with a fault raised to 良好
    g = appraise(rules=[ANY], scores={"U2": 70.0}, faults=faults,
                 overrides=override(("U2", "good"))).grades  # fmt: skip
    assert g.set_index("unit_id").at["U2", "final_grade"] == "good"


def test_an_override_above_a_fault_cap_is_refused_naming_the_rule_and_the_faults():
    """The refusal says which cap rule (its words, as appraisal.yaml writes them),
    how many faults it counted for the unit (of its severities, if it names some)
    and the highest grade allowed, by name: U2 has 2 faults, capped at 良好 by the
    shipped rule; U3 has 3 general faults and 1 serious, capped at 合格 by a
    stricter rule counting general faults only (the binding rule is the one named).
    Words by hand."""
    shipped = rule(
        "no_excellent_with_fault", "grade_cap", faults_at_least=1, grade="good",
        name_zh="有过错责任追究的单位不得评为优秀",
        name_en="A unit with a fault finding is not eligible for excellent",
    )  # fmt: skip
    three = rule(
        "three_general", "grade_cap", faults_at_least=3, severities=["general"],
        grade="pass", name_zh="一年内一般过错达3次的单位最高评为合格",
        name_en="Three general faults in a year: at most pass",
    )  # fmt: skip
    faults = [("U2", "2025-03-01", "general"), ("U2", "2025-06-01", "serious")]
    faults += [("U3", f"2025-0{m}-01", "general") for m in (3, 4, 5)]
    faults += [("U3", "2025-07-01", "serious")]
    with pytest.raises(ValidationFailed) as err:
        appraise(
            rules=[shipped, three], scores={"U2": 85.0, "U3": 80.0},
            faults=([(*f, "", "") for f in faults], FAULT_COLS),
            overrides=override(("U2", "excellent"), ("U3", "good")),
        )  # fmt: skip
    report = err.value.report
    assert report[["row", "value", "value_zh"]].values.tolist() == [
        [2, "excellent", "优秀"],
        [3, "good", "良好"],
    ]
    assert report["rule_zh"].tolist() == [
        "该单位有2起过错，适用考评规则“有过错责任追究的单位不得评为优秀”，最高评为良好，"
        "不能调高：规则所依据的记录有误的，应更正记录（申诉）后重新考评",
        "该单位有3起过错（一般过错），适用考评规则“一年内一般过错达3次的单位最高评为合格”，"
        "最高评为合格，不能调高：规则所依据的记录有误的，应更正记录（申诉）后重新考评",
    ]
    # English counts in the singular and plural, as the rules' reasons do
    two, three = report["rule"].tolist()
    assert two.startswith(
        "cap: this unit has 2 fault findings; the rule 'A unit with a fault "
        "finding is not eligible for excellent' allows it at most good; "
    )
    assert three.startswith(
        "cap: this unit has 3 fault findings (general fault); the rule 'Three "
        "general faults in a year: at most pass' allows it at most pass; "
    )
    one = [("U2", "2025-03-01", "general", "", "")]
    with pytest.raises(ValidationFailed) as err:
        appraise(rules=[shipped], scores={"U2": 85.0}, faults=(one, FAULT_COLS),
                 overrides=override(("U2", "excellent")))  # fmt: skip
    said = err.value.report["rule"].iloc[0]
    assert said.startswith("cap: this unit has 1 fault finding; the rule ")


def test_an_override_cannot_exceed_the_quota_but_can_swap_within_it():
    # 10 units, share 0.2: 2 places; U1, U2 excellent by the quota, U3 cut to good
    scores = {"U1": 99.0, "U2": 98.0, "U3": 97.0}
    scores |= {f"U{i}": 80.0 for i in range(4, 11)}
    quota = {"excellent": 90, "good": 75, "pass": 60, "quota": {"share": 0.2}}
    with pytest.raises(ValidationFailed) as err:
        appraise(scores=scores, grades=quota, overrides=override(("U3", "excellent")))
    report = err.value.report
    assert report[["row", "column", "value"]].values.tolist() == [
        [2, "grade", "excellent"]
    ]
    assert "调整后全部优秀3个，名额2个" in report["rule_zh"].iloc[0]
    # the committee gives U3 the place of U2: two excellent, as the quota allows
    swap = override(("U3", "excellent"), ("U2", "good"))
    g = appraise(scores=scores, grades=quota, overrides=swap).grades
    excellent = g.loc[g["final_grade"] == "excellent", "unit_id"]
    assert sorted(excellent) == ["U1", "U3"]


def test_missing_parts_share_is_spread_over_the_parts_a_unit_has():
    b = ballots_for("U1", "a", ["50"] * 3)  # survey 50 for U1 only
    review = ([("U1", "70"), ("U2", "70")], ["unit_id", "score"])
    ap = A.appraise(config(), result(), inputs(b, review=review))
    g = ap.grades.set_index("unit_id")
    # U1: 0.5·80 + 0.3·70 + 0.2·50 = 71; U2: (0.5·80 + 0.3·70) / 0.8 = 76.25
    assert g.loc["U1", "combined"] == pytest.approx(71)
    assert g.loc["U2", "combined"] == pytest.approx(76.25)
    assert g.loc["U2", "parts_missing"] == "survey"


# ------------------------------------------------------- malformed inputs
def problems(rules=(), events=(), **tables) -> set[tuple]:
    with pytest.raises(ValidationFailed) as err:
        appraise(rules=rules, events=events, **tables)
    return {
        (r.file, r.row, r.column, r.rule.split(":")[0])
        for r in err.value.report.itertuples()
    }


def test_ballot_problems_are_reported_together_with_file_row_and_rule():
    raters = [("Ra0", "a", "U2"), ("Ra1", "a", ""), ("Ra2", "a", ""), ("Rb0", "b", "")]
    b = [
        ("a", "Ra0", "U2", "满意"),  # line 2: rates its own unit
        ("a", "Ra1", "U1", "满意"),  # line 3
        ("a", "Ra1", "U1", "不满意"),  # line 4: a second ballot for the same unit
        ("a", "Ra2", "U1", "很好"),  # line 5: not on the scale
        ("z", "Ra2", "U3", "满意"),  # line 6: unknown group (and not the roster's)
        ("a", "X99", "U3", "满意"),  # line 7: rater not in the roster
        ("a", "Rb0", "U3", "满意"),  # line 8: the roster puts Rb0 in group b
        ("a", "Ra2", "U4", "９０"),  # line 9: full-width digits
        ("a", "Ra2", "U9", "abc"),  # line 10: not a number
        ("a", "Ra2", "U99", "满意"),  # line 11: unknown unit
    ]
    with pytest.raises(ValidationFailed) as err:
        A.appraise(config(), result(), inputs(b, raters=raters))
    report = err.value.report
    assert (report["file"] == "ballots.csv").all()
    got = {(r.row, r.column, r.rule.split(":")[0]) for r in report.itertuples()}
    assert got == {
        (2, "unit_id", "self_rating"),
        (3, "rater_id, unit_id", "duplicate"),
        (4, "rater_id, unit_id", "duplicate"),
        (5, "answer", "answer"),
        (6, "rater_group", "known_group"),
        (6, "rater_group", "roster_group"),
        (7, "rater_id", "known_rater"),
        (8, "rater_group", "roster_group"),
        (9, "answer", "answer"),
        (10, "answer", "answer"),
        (11, "unit_id", "known_unit"),
    }


def _rules(report, column) -> tuple[str, str]:
    """The rule of the first problem in ``column``: (English, Chinese)."""
    row = report[report["column"] == column].iloc[0]
    return row["rule"], row["rule_zh"]


def test_an_unknown_unit_is_said_once_not_in_the_units_file_the_run_read():
    """Not "单位代码（须为单位名单中的单位）须为已登记的10个代码之一" (须为 twice, no
    file): one sentence naming the units file, as the observations' check says it;
    the file is the one the run's provenance lists (units.xlsx), units.csv when it
    lists none."""
    raters = [("Ra0", "a", "")]
    b = [("a", "Ra0", "U99", "满意")]
    run = result()
    with pytest.raises(ValidationFailed) as err:
        A.appraise(config(), run, inputs(b, raters=raters))
    assert _rules(err.value.report, "unit_id") == (
        "known_unit: not a unit_id in units.csv",
        "单位代码不在单位名单（units.csv）中",
    )
    run.provenance = SimpleNamespace(
        inputs={"events.csv": "…", "observations/a.csv": "…", "units.xlsx": "…"}
    )
    with pytest.raises(ValidationFailed) as err:
        A.appraise(config(), run, inputs(b, raters=raters))
    assert _rules(err.value.report, "unit_id") == (
        "known_unit: not a unit_id in units.xlsx",
        "单位代码不在单位名单（units.xlsx）中",
    )


def test_an_answer_off_the_scale_lists_the_answers_as_written_with_glosses():
    """Not "one of ['满意', '基本满意', '不满意', '不了解']" (a Python list): the
    answers as the file writes them, in English each with its gloss; an answer of
    a scale of one's own without a gloss stands alone."""
    raters = [("Ra0", "a", "")]
    b = [("a", "Ra0", "U1", "很满意")]
    with pytest.raises(ValidationFailed) as err:
        A.appraise(config(), result(), inputs(b, raters=raters))
    assert _rules(err.value.report, "answer") == (
        "answer: one of 满意 (satisfied), 基本满意 (fairly satisfied), 不满意 "
        "(dissatisfied), 不了解 (don't know); or a number 0–100 in half-width digits",
        "评议结果须为满意、基本满意、不满意、不了解之一，或0至100之间的数字（半角数字）",
    )
    survey = config().survey.model_dump()
    own = config(survey={**survey, "scale": {"好": 100, "满意": 80}})
    with pytest.raises(ValidationFailed) as err:
        A.appraise(own, result(), inputs(b, raters=raters))
    assert _rules(err.value.report, "answer")[0] == (
        "answer: one of 好, 满意 (satisfied); or a number 0–100 in half-width digits"
    )


def test_a_severity_is_listed_from_the_least_to_the_most_severe():
    """Seed 000 五（二）: 情节较轻 … 较重 … 严重. The severities in appraisal.yaml's
    order (一般、较重、严重), not sorted by id (general, major, serious: 严重 before
    较重); in English each id with the committee's word beside it."""
    faults = ([("U1", "2025-03-01", "minor", "", "")], FAULT_COLS)
    with pytest.raises(ValidationFailed) as err:
        appraise(faults=faults)
    assert _rules(err.value.report, "severity") == (
        "severity: one of general (一般过错), serious (较重过错), major (严重过错)",
        "过错等级须为以下之一：general（一般过错）、serious（较重过错）、major（严重过错）",
    )


def test_an_unknown_rater_group_is_told_with_the_groups_names_beside_their_codes():
    """A clerk writes the group as the report names it (甲) or misspells its code:
    the problem lists each code with its Chinese name, as appraisal.yaml gives them,
    so the row can be corrected without opening the config."""
    raters = [("Ra0", "a", ""), ("Ra1", "a", "")]
    b = [("甲", "Ra0", "U1", "满意"), ("aa", "Ra1", "U1", "满意")]
    with pytest.raises(ValidationFailed) as err:
        A.appraise(config(), result(), inputs(b, raters=raters))
    report = err.value.report
    known = report[report["rule"].str.startswith("known_group")]
    assert known["row"].tolist() == [2, 3]
    said = "评议人类别须为以下之一：a（甲）、b（乙）、c（丙）"
    assert known["rule_zh"].iloc[0] == said
    assert known["rule"].iloc[0] == "known_group: one of a (甲), b (乙), c (丙)"


def test_fault_veto_bonus_and_target_problems():
    faults = (
        [
            ("U1", "2025-02-30", "general", "", ""),  # impossible date
            ("U1", "2024-12-31", "general", "", ""),  # not this year
            ("U1", "2025-03-01", "grave", "", ""),  # unknown severity
            ("U99", "2025-03-01", "general", "", ""),  # unknown unit
            ("U2", "2025-03-01", "general", "", "direct"),  # responsibility, no person
        ],
        FAULT_COLS,
    )
    vetoes = (
        [("U5", "accident", "", "", "")],  # who, when, reference missing
        ["unit_id", "event_id", "approved_by", "approved_on", "reference"],
    )
    bonuses = (
        [("U1", "award", "2025-05-01", "表彰", "", "2026-01-20", "")],
        BONUS_COLS,
    )
    targets = (
        [("U1", "T1", "100", "90", "80", "", "")],  # changed without date and reason
        [
            "unit_id",
            "target_id",
            "target",
            "achieved",
            "adjusted_target",
            "adjusted_on",
            "reason",
        ],
    )
    got = problems(
        rules=[BONUS, rule("veto", "veto", events=["accident"])],
        events=[("U5", "2025-M08", "accident")],
        faults=faults,
        vetoes=vetoes,
        bonuses=bonuses,
        key_targets=targets,
    )
    assert got == {
        ("faults.csv", 2, "date", "date"),
        ("faults.csv", 3, "date", "date"),
        ("faults.csv", 4, "severity", "severity"),
        ("faults.csv", 5, "unit_id", "known_unit"),
        ("faults.csv", 6, "person_id", "required"),
        ("vetoes.csv", 2, "approved_by", "required"),
        ("vetoes.csv", 2, "approved_on", "date"),
        ("vetoes.csv", 2, "reference", "required"),
        ("bonuses.csv", 2, "approved_by", "required"),
        ("bonuses.csv", 2, "reference", "required"),
        ("key_targets.csv", 2, "adjusted_on", "required"),
        ("key_targets.csv", 2, "reason", "required"),
    }


def test_a_bonus_without_a_bonus_rule_is_refused():
    bonuses = (
        [("U1", "award", "2025-05-01", "表彰", "委员会", "2026-01-20", "文号")],
        BONUS_COLS,
    )
    assert problems(bonuses=bonuses) == {("bonuses.csv", 2, "category", "bonus_rule")}


def test_a_veto_rule_naming_an_unknown_event_type_is_a_config_problem():
    with pytest.raises(CatalogueError) as err:
        appraise(rules=[rule("veto", "veto", events=["earthquake"])])
    assert err.value.problems[["path", "value"]].values.tolist() == [
        ["rules[0].events[0]", "earthquake"]
    ]


# ----------------------------------------------------------------- config
def test_config_problems_name_their_yaml_path(tmp_path):
    path = tmp_path / "appraisal.yaml"
    path.write_text(
        "id: t\nversion: '1'\nyear: 2025\nname_zh: 甲\nname_en: A\n"
        "shares: {periods: 0.6, review: 0.3, survey: 0.2}\n"
        "survey: {groups: [{id: a, name_zh: 甲, name_en: A, weight: 1, colour: red}]}\n"
        "groups: [{id: all, name_zh: 全部, name_en: All, peer_groups: [g1]}]\n"
        "rules: [{id: r, kind: grade_cap, applies_to: person, version: '1', "
        "name_zh: 甲, name_en: A, grade: fail, source: {document: 文, article: 条}}]\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError) as err:
        A.load_config(path)
    rows = err.value.problems
    assert set(rows["path"]) == {"shares", "survey.groups[0].colour", "rules[0]"}
    assert str(err.value).startswith("appraisal.yaml has 3 problems")
    person = rows.loc[rows["path"] == "rules[0]", "rule"].iloc[0]
    assert "a person rule caps at one of" in person


def test_a_severity_declared_twice_is_refused_at_its_line(tmp_path):
    """faults.csv's general would have read the second entry's name (轻微过错)
    silently; appraisal.yaml's second general is refused: the file, the key, its
    line (the shipped list's fourth entry, line 49) and the rule, Chinese first."""
    shipped = (ROOT / "appraisal.yaml").read_text(encoding="utf-8")
    major = "    - {id: major, name_zh: 严重过错, name_en: major fault}\n"
    assert shipped.splitlines().index(major.rstrip("\n")) + 1 == 48
    twice = major + "    - {id: general, name_zh: 轻微过错, name_en: minor fault}\n"
    path = tmp_path / "appraisal.yaml"
    path.write_text(shipped.replace(major, twice), encoding="utf-8")
    with pytest.raises(CatalogueError) as err:
        A.load_config(path)
    rows = err.value.problems
    assert rows[["file", "path", "value", "line"]].values.tolist() == [
        ["appraisal.yaml", "faults.severities[3].id", "general", 49]
    ]
    assert rows["rule_zh"].iloc[0] == "编号不能重复：“general”已是本列表第1项的编号"
    # the rules of a run already appraised are read back as they were
    raw = A.load_config(ROOT / "appraisal.yaml").model_dump(mode="json", by_alias=True)
    raw["faults"]["responsibilities"] *= 2
    with pytest.raises(CatalogueError, match=r"faults\.responsibilities\[2\]\.id"):
        A.parse_config(raw)
    assert len(A.parse_config(raw, stored=True).faults.responsibilities) == 4


def test_a_group_name_with_a_full_width_space_is_refused_unless_stored():
    """A name the grades table, the letters and the report print (a list's, a
    rule's) is checked as the catalogue's are: a full-width space inside or a space
    at its end is refused in a new appraisal.yaml; a stored run's rules are read
    back as they were appraised."""
    raw = config().model_dump(mode="json")
    raw["groups"] = [{**GROUPS[0], "name_zh": "全部　单位", "name_en": "All "}]
    with pytest.raises(CatalogueError) as err:
        A.parse_config(raw)
    problems = err.value.problems
    said = dict(zip(problems["path"], problems["rule_zh"], strict=True))
    assert said == {
        "groups[0].name_zh": "名称“全部　单位”中有全角空格（U+3000），"
        "请删去，或改为半角空格",
        "groups[0].name_en": "名称“All ”开头或末尾有空格（引号内是原样内容），"
        "请删去空格",
    }
    assert A.parse_config(raw, stored=True).groups[0].name_zh == "全部　单位"


def test_yaml_syntax_and_a_missing_file_are_problems_not_tracebacks(tmp_path):
    path = tmp_path / "appraisal.yaml"
    path.write_text("id: t\nshares: {periods: 0.5\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as err:
        A.load_config(path)
    # the unclosed { of line 2 runs to the end of the file: line 3, column 1,
    # said in the rule (Chinese first), not in the path
    problem = err.value.problems.iloc[0]
    assert problem["rule_zh"] == (  # and where the { opens, after "shares: "
        "第3行第1列：不是有效的 YAML 格式：第2行第9列开始的花括号“{”没有配对的“}”，"
        "或各项之间缺少逗号"
    )
    assert "line 3, column 1" in problem["rule"]
    with pytest.raises(CatalogueError, match="file not found"):
        A.load_config(tmp_path / "absent.yaml")
    with pytest.raises(ValidationFailed, match="missing folder"):
        A.load_inputs(tmp_path / "no_such_folder")


def test_a_cap_above_the_grade_the_score_earns_says_it_changed_nothing():
    faults = (
        [
            ("U1", "2025-03-01", "general", "", ""),
            ("U2", "2025-03-01", "general", "", ""),
        ],
        FAULT_COLS,
    )
    ap = appraise(rules=[ANY], scores={"U2": 80.0}, faults=faults)
    effects = ap.rules_applied.set_index("unit_id")["effect_zh"]
    assert effects["U1"] == "最高良好"  # 95 would be 优秀: the cap binds
    assert effects["U2"] == "最高良好（未改变等次）"  # 80 is 良好 by score already


def test_dimension_gaps_against_the_group_median_by_hand():
    grades = pd.DataFrame(
        {
            "unit_id": ["A", "B", "C", "X"],
            "group": ["dep", "dep", "dep", "dis"],
            "dim_d1": [60.0, 70.0, 90.0, 50.0],
            "dim_d2": [80.0, float("nan"), 40.0, 70.0],
        }
    )
    g = A.dimension_gaps(grades).set_index(["unit_id", "node_id"])
    # dep: d1 median of 60, 70, 90 = 70; d2 median of 80, 40 (B has none) = 60
    assert g.loc[("A", "d1"), ["group_median", "gap"]].tolist() == [70.0, -10.0]
    assert g.loc[("C", "d2"), ["group_median", "gap"]].tolist() == [60.0, -20.0]
    assert pd.isna(g.loc[("B", "d2"), "gap"])
    assert g.loc[("X", "d1"), ["group_median", "gap"]].tolist() == [50.0, 0.0]  # alone


def test_an_approval_is_said_who_when_and_document_number():
    """As vetoes.csv and bonuses.csv record it; a bonus of two approvals (joined by
    、 in rules_applied) lists both dates; a rule without one (a cap) says nothing."""
    from evaluation.appraisal.rules import approval

    one = approval("市绩效考评委员会", "2026-01-20", "考评委〔2026〕1号")
    assert one.zh == "市绩效考评委员会，2026年1月20日，考评委〔2026〕1号"
    assert one.en == "市绩效考评委员会, 2026-01-20, 考评委〔2026〕1号"
    two = approval("市绩效考评委员会", "2026-01-20、2026-01-22", "考评委〔2026〕2号")
    assert two.zh == "市绩效考评委员会，2026年1月20日、2026年1月22日，考评委〔2026〕2号"
    assert approval(None, float("nan"), "") is None
    override = approval("考评委员会", "2026-01-19", "")  # overrides have no number
    assert override.zh == "考评委员会，2026年1月19日"


def test_rules_applied_of_some_kinds_keep_their_order_and_leave_the_rest():
    """The year-end notebook's vetoes, bonus and deductions: of six rows applied,
    the veto (X03), the two bonus rows (X01, X05) and the deduction (X02) stay in
    the order applied; the grade cap and the quota's row go (by hand)."""
    rules = pd.DataFrame(
        {
            "rule_id": ["veto_safety", "bonus_award", "cap_fault", "deduct_late"],
            "kind": ["veto", "bonus", "grade_cap", "deduction"],
        }
    )
    applied = pd.DataFrame(
        {
            "unit_id": ["X01", "X02", "X03", "X04", "X05", "X06"],
            "rule_id": ["bonus_award", "deduct_late", "veto_safety", "cap_fault",
                        "bonus_award", "quota"],
        }
    )  # fmt: skip
    kept = A.applied_of_kind(applied, rules, ["veto", "bonus", "deduction"])
    assert kept["unit_id"].tolist() == ["X01", "X02", "X03", "X05"]
    assert A.applied_of_kind(applied, rules, ["override"]).empty


def test_a_result_without_the_year_says_the_periods_it_scored_in_chinese():
    """Publishing the annual appraisal from a monthly run is refused: the result has
    no 2025 composite. The Chinese said the periods scored as codes with an English
    comma, 已评分期：2025-M10, 2025-M11, 2025-M12 …; it now says them as a clerk
    writes periods, first to last with their count; the English keeps the codes."""
    months = [f"{y}-M{m:02d}" for y in (2024, 2025) for m in range(1, 13)]
    result = SimpleNamespace(composite=pd.DataFrame({"period": months[::-1]}))
    with pytest.raises(EvaluationError) as caught:
        A.annual_period(SimpleNamespace(year=2025), result)
    zh, en = caught.value.words
    assert "（已评分期：2024年1月至2025年12月，共24期）" in zh
    assert "2025-M" not in zh and ", " not in zh
    assert "(it scored 2025-M10, 2025-M11, 2025-M12 …)" in en
    one = SimpleNamespace(composite=pd.DataFrame({"period": ["2025-Q4"]}))
    with pytest.raises(EvaluationError) as caught:
        A.annual_period(SimpleNamespace(year=2025), one)
    assert "（已评分期：2025年第四季度）" in caught.value.words.zh
