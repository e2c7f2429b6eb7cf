"""The grades mean what the seeds say, whatever the scores: a veto fails the unit
(一票否决), a bonus never lifts a unit over a cap (取消评优评先资格), no list has
more 优秀 than its places, and better ballots never cost a unit its grade."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation import appraisal as A

from ..appraisal.test_appraisal import (
    ANY,
    BONUS,
    BONUS_COLS,
    FAULT_COLS,
    UNITS,
    appraise,
    config,
    inputs,
    result,
    rule,
)

RANK = {g: i for i, g in enumerate(A.GRADES)}
score = st.floats(0, 100, allow_nan=False)
VETO = rule("veto", "veto", events=["accident"])
VETOED = (
    [("U5", "accident", "考评委员会", "2026-01-20", "考评委〔2026〕1号")],
    ["unit_id", "event_id", "approved_by", "approved_on", "reference"],
)
AWARD = [
    ("U5", "award", "2025-05-01", "表彰", "委员会", "2026-01-20", "考评委〔2026〕2号")
]


@settings(max_examples=15, deadline=None)
@given(score, st.booleans())
def test_a_veto_fails_the_unit_whatever_its_score_and_bonus(s, bonus):
    ap = appraise(
        rules=[VETO, BONUS],
        scores={"U5": s},
        events=[("U5", "2025-M08", "accident")],
        vetoes=VETOED,
        bonuses=(AWARD if bonus else [], BONUS_COLS),
    )
    g = ap.grades.set_index("unit_id")
    assert g.at["U5", "final_grade"] == "fail"
    assert g.drop("U5")["final_grade"].eq("excellent").all()  # the others: 95


@settings(max_examples=15, deadline=None)
@given(st.floats(80, 100, allow_nan=False))
def test_a_bonus_never_lifts_a_unit_with_a_fault_to_excellent(s):
    faults = ([("U5", "2025-06-01", "general", "", "")], FAULT_COLS)
    ap = appraise(rules=[ANY, BONUS], scores={"U5": s}, faults=faults,
                  bonuses=(AWARD, BONUS_COLS))  # fmt: skip
    g = ap.grades.set_index("unit_id")
    assert g.at["U5", "score"] == min(100.0, s + 2)  # the bonus counts in the score
    assert g.at["U5", "final_grade"] == ("good" if s + 2 >= 75 else "pass")


@settings(max_examples=20, deadline=None)
@given(
    st.lists(score, min_size=len(UNITS), max_size=len(UNITS)),
    st.sampled_from([0.1, 0.15, 0.2, 0.25, 0.3, 0.5]),
    st.sampled_from(["group", "overall"]),
)
def test_no_list_has_more_excellent_than_its_places(scores, share, per):
    groups = [
        {"id": "one", "name_zh": "一组", "name_en": "One", "peer_groups": ["g1"]},
        {"id": "two", "name_zh": "二组", "name_en": "Two", "peer_groups": ["g2"]},
    ]
    quota = {"excellent": 90, "good": 75, "pass": 60,
             "quota": {"share": share, "per": per}}  # fmt: skip
    ids = UNITS["unit_id"].tolist()
    g = appraise(scores=dict(zip(ids, scores, strict=True)), grades=quota,
                 groups=groups).grades  # fmt: skip
    excellent = g["final_grade"] == "excellent"
    # by hand: 5 units a group, 10 in all; share × n rounded half up
    places = {0.1: (1, 1), 0.15: (1, 2), 0.2: (1, 2), 0.25: (1, 3), 0.3: (2, 3),
              0.5: (3, 5)}[share]  # fmt: skip
    if per == "group":
        assert excellent.groupby(g["group"]).sum().max() <= places[0]
    else:
        assert excellent.sum() <= places[1]
    # and no unit the score makes 优秀 is left out while a lower one is in
    kept = g.loc[excellent, "score"]
    cut = g.loc[(g["grade_after_rules"] == "excellent") & ~excellent]
    if per == "overall" and len(kept) and len(cut):
        assert cut["score"].round(2).max() <= kept.round(2).min()


ANSWERS = st.lists(st.sampled_from(["满意", "基本满意", "不满意", "不了解", "85"]),
                   min_size=3, max_size=12)  # fmt: skip


@settings(max_examples=20, deadline=None)
@given(ANSWERS, st.data())
def test_a_better_ballot_never_lowers_the_units_survey_score_or_grade(answers, data):
    """One rater answers better (不满意 → 基本满意 → 85 → 满意): the unit's survey
    part and its grade never go down (the trimmed mean is monotone)."""
    better = {"不满意": "基本满意", "基本满意": "85", "85": "满意"}
    can = [i for i, a in enumerate(answers) if a in better]
    if not can:
        return
    i = data.draw(st.sampled_from(can))
    raised = [*answers[:i], better[answers[i]], *answers[i + 1 :]]
    review = ([(u, "90") for u in UNITS["unit_id"]], ["unit_id", "score"])

    def graded(a):
        b = [("a", f"Ra{k}", "U1", x) for k, x in enumerate(a)]
        b += [("c", f"Rc{k}", "U1", "满意") for k in range(3)]
        return (
            A.appraise(config(), result(), inputs(b, review=review))
            .grades.set_index("unit_id")
            .loc["U1"]
        )

    before, after = graded(answers), graded(raised)
    assert after["survey_score"] >= before["survey_score"] - 1e-9
    assert RANK[after["final_grade"]] <= RANK[before["final_grade"]]
