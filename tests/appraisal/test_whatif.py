"""The year-end notebook's library calls by hand: another share of 考、评、议
(``with_shares``), what it changes for each unit (``compare_grades``) and the
survey's response at a glance (``response_summary``)."""

from __future__ import annotations

import pandas as pd
import pytest

from evaluation import appraisal as A
from evaluation.errors import CatalogueError, EvaluationError

from .test_appraisal import UNITS, ballots_for, config, inputs, result


def test_other_shares_change_the_shares_and_nothing_else():
    before = config()
    after = A.with_shares(before, periods=0.7, review=0.2, survey=0.1)
    assert (after.shares.periods, after.shares.review, after.shares.survey) == (
        0.7,
        0.2,
        0.1,
    )
    assert after.survey == before.survey and after.grades == before.grades
    assert after.groups == before.groups and after.rules == before.rules
    assert (before.shares.periods, before.shares.review) == (0.5, 0.3)  # untouched


def test_shares_that_do_not_sum_to_one_are_refused_naming_shares():
    with pytest.raises(CatalogueError) as info:
        A.with_shares(config(), periods=0.6, review=0.3, survey=0.2)
    problems = info.value.problems
    assert list(problems["path"]) == ["shares"]
    assert "sum to 1" in problems["rule"].iloc[0]


def test_a_whatif_on_the_shares_by_hand():
    # U1: composite 95, review 60; U2: composite 60, review 100; the others 80 and
    # 80. No ballots: no survey part, its share spread over the two others.
    review = (
        [("U1", "60"), ("U2", "100")] + [(f"U{i}", "80") for i in range(3, 11)],
        ["unit_id", "score"],
    )
    run, given = result({"U1": 95.0, "U2": 60.0}), inputs(review=review)
    periods_only = A.appraise(
        A.with_shares(config(), periods=1.0, review=0.0, survey=0.0), run, given
    )
    review_only = A.appraise(
        A.with_shares(config(), periods=0.0, review=1.0, survey=0.0), run, given
    )
    table = A.compare_grades(periods_only.grades, review_only.grades)
    row = table.set_index("unit_id")
    # periods only: U1 95 excellent, 1st; U2 60 pass, 10th; the rest 80 good, 2nd
    # review only: U2 100 excellent, 1st; U1 60 pass, 10th; the rest 80 good, 2nd
    assert row.loc["U1", ["score_before", "score_after", "change"]].tolist() == [
        95.0,
        60.0,
        -35.0,
    ]
    assert row.loc["U1", ["rank_before", "rank_after", "move"]].tolist() == [
        1.0,
        10.0,
        -9.0,
    ]
    assert row.loc["U2", ["rank_before", "rank_after", "move"]].tolist() == [
        10.0,
        1.0,
        9.0,
    ]
    assert row.loc["U1", ["grade_before", "grade_after"]].tolist() == [
        "excellent",
        "pass",
    ]
    assert row.loc["U2", ["grade_before", "grade_after"]].tolist() == [
        "pass",
        "excellent",
    ]
    assert sorted(row.index[row["grade_changed"]]) == ["U1", "U2"]
    assert (row.drop(index=["U1", "U2"])["move"] == 0).all()
    assert (row.drop(index=["U1", "U2"])["score_after"] == 80).all()
    # in the order of the first table, with the names
    assert table["unit_id"].tolist() == periods_only.grades["unit_id"].tolist()
    assert row.at["U2", "name_zh"] == "2局"
    assert list(table.columns[:2]) == ["group", "unit_id"]


def test_comparing_appraisals_of_different_units_names_them():
    ap = A.appraise(config(), result(), inputs())
    fewer = ap.grades[ap.grades["unit_id"] != "U7"]
    with pytest.raises(EvaluationError, match="U7"):
        A.compare_grades(ap.grades, fewer)


def test_the_response_summary_by_hand():
    answers = ["满意"] * 5 + ["基本满意"] * 4 + ["不满意"] * 2 + ["不了解"]
    b = ballots_for("U1", "a", answers)  # 12 ballots, 11 valid: mean 680 / 9
    b += ballots_for("U2", "a", ["80"] * 3)  # 3 valid: enough (min 3), mean 80
    b += ballots_for("U1", "b", ["90"] * 2)  # 2 < 3: insufficient
    # 20 raters a group; one of group a works at U3, so may not rate it: 19 eligible
    # for U3, 20 for each of the 9 others
    raters = [(f"R{g}{k}", g, "") for g in "abc" for k in range(19)]
    raters += [("Ra19", "a", "U3"), ("Rb19", "b", ""), ("Rc19", "c", "")]
    groups, _ = A.survey_scores(config(), inputs(b, raters=raters), UNITS)
    got = A.response_summary(groups, config()).set_index("rater_group")
    assert list(got.index) == ["a", "b", "c"]  # appraisal.yaml's order
    assert got.loc["a", "name_zh"] == "甲" and got.loc["a", "weight"] == 0.3
    a, b_, c = got.loc["a"], got.loc["b"], got.loc["c"]
    assert (a["ballots"], a["dont_know"], a["valid"]) == (15, 1, 14)
    assert a["eligible_raters"] == 199
    # all ballots over all eligible raters (not a mean of the units' rates, which
    # would be (12/20 + 3/20) / 10 = 0.075)
    assert a["response_rate"] == pytest.approx(15 / 199)
    assert (a["units"], a["insufficient"]) == (2, 8)  # 8 units had no ballot
    assert a["mean_score"] == pytest.approx((680 / 9 + 80) / 2)
    assert (b_["ballots"], b_["units"], b_["insufficient"]) == (2, 1, 10)
    assert pd.isna(b_["mean_score"])
    assert b_["response_rate"] == pytest.approx(2 / 200)
    assert (c["ballots"], c["units"], c["response_rate"]) == (0, 0, 0.0)
    assert got["ballots"].dtype == "int64"


def test_group_names_in_order_and_language():
    two = [
        {"id": "dep", "name_zh": "市直部门", "name_en": "Departments",
         "peer_groups": ["g1"]},
        {"id": "dis", "name_zh": "县（市）区政府", "name_en": "Districts",
         "peer_groups": ["g2"]},
    ]  # fmt: skip
    cfg = config(groups=two)
    assert cfg.group_names() == {"dep": "市直部门", "dis": "县（市）区政府"}
    assert list(cfg.group_names("en").items()) == [
        ("dep", "Departments"),
        ("dis", "Districts"),
    ]
    with pytest.raises(ValueError, match="zh or en"):
        cfg.group_names("fr")


def test_the_quota_table_by_hand():
    # one group of 10, a quarter excellent: 2.5 places, rounded half up to 3
    cfg = config(
        shares={"periods": 1.0, "review": 0.0, "survey": 0.0},
        grades={"excellent": 90, "good": 75, "pass": 60,
                "quota": {"share": 0.25, "per": "group"}},
    )  # fmt: skip
    run = result({"U1": 95.0, "U2": 94.0, "U3": 93.0, "U4": 92.0})
    got = A.quota_table(A.appraise(cfg, run, inputs()).grades, cfg)
    assert got.to_dict("records") == [
        {"group": "all", "units": 10, "places": 3, "excellent_by_rules": 4,
         "excellent": 3, "cut": 1, "ties": 0},
    ]  # fmt: skip


def test_the_quota_table_overall_with_a_tie_and_without_a_quota():
    two = [
        {"id": "dep", "name_zh": "部门", "name_en": "Departments",
         "peer_groups": ["g1"]},
        {"id": "dis", "name_zh": "区县", "name_en": "Districts",
         "peer_groups": ["g2"]},
    ]  # fmt: skip
    shares = {"periods": 1.0, "review": 0.0, "survey": 0.0}
    # all ten units in one list: 0.2 × 10 = 2 places; U1, U6 and U7 tie at 95
    run = result({"U1": 95.0, "U6": 95.0, "U7": 95.0})
    cfg = config(
        groups=two, shares=shares,
        grades={"excellent": 90, "good": 75, "pass": 60,
                "quota": {"share": 0.2, "per": "overall"}},
    )  # fmt: skip
    got = A.quota_table(A.appraise(cfg, run, inputs()).grades, cfg)
    assert got.to_dict("records") == [
        {"group": "all", "units": 10, "places": 2, "excellent_by_rules": 3,
         "excellent": 2, "cut": 1, "ties": 3},
    ]  # fmt: skip
    none = config(groups=two, shares=shares)  # quota: None
    got = A.quota_table(A.appraise(none, run, inputs()).grades, none)
    assert got["group"].tolist() == ["dep", "dis"]  # the config's order
    assert got["units"].tolist() == [5, 5]
    assert got["excellent"].tolist() == [1, 2] and got["cut"].tolist() == [0, 0]
    assert got["places"].isna().all()
