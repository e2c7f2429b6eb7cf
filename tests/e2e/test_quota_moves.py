"""A unit moved by the quota alone, said as such: three units, one excellent
place (3 × 0.2 = 0.6, rounded half up: 1). U2's review is corrected on appeal
(98 → 100) and U2 passes U1, whose score does not change: the quota takes U1 from
优秀 to 良好. ``diff``, the report's 更正说明 and the letter say why U1's grade
changed. Scores by hand: 考 (the annual composite) and 评 (the review) half each:
U1 0.5·61 + 0.5·80 = 70.5; U2 0.5·42 + 0.5·98 = 70.0, corrected 0.5·42 + 0.5·100
= 71.0; U3 0.5·36 + 0.5·90 = 63.0 (excellent from 65, good from 55)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pandas as pd
import pytest
from typer.testing import CliRunner

import evaluation as ev
from evaluation import appraisal as A
from evaluation.cli import app
from evaluation.publish import report as R
from evaluation.publish.publication import Publication

from ..conftest import TINY, TINY_ROWS, TINY_UNITS, write_dataset

CONFIG = {
    "id": "t", "version": "1", "year": 2025, "name_zh": "测试", "name_en": "Test",
    "shares": {"periods": 0.5, "review": 0.5, "survey": 0.0},
    "review": {"source": "review"},
    "survey": {"groups": [{"id": "a", "name_zh": "甲", "name_en": "A",
                           "weight": 1.0, "min_respondents": 3}]},
    "groups": [{"id": "city", "name_zh": "市直部门", "name_en": "Municipal departments",
                "peer_groups": ["g1", "g2"]}],
    "grades": {"excellent": 65, "good": 55, "pass": 40, "quota": {"share": 0.2}},
}  # fmt: skip
#: what U1's line says, by hand: 1 place of 3 units × 0.2
QUOTA_ZH = (
    "最终得分未变，等次变化系优秀名额所致：市直部门优秀名额1个（3个单位×20%，四舍五入）"
)
QUOTA_EN = (
    "final score unchanged; the grade follows the quota for excellent in municipal "
    "departments: 1 (3 units × 20%, rounded half up)"
)


def folder(path, review: dict[str, int]):
    """An appraisal folder: one ballot (the survey has no share), the review."""
    path.mkdir()
    ballot = ["ballot_id", "rater_group", "rater_id", "unit_id", "answer"]
    pd.DataFrame([["B1", "a", "R1", "U3", "满意"]], columns=ballot).to_csv(
        path / "ballots.csv", index=False
    )
    pd.DataFrame([["R1", "a"]], columns=["rater_id", "rater_group"]).to_csv(
        path / "raters.csv", index=False
    )
    pd.DataFrame(review.items(), columns=["unit_id", "score"]).to_csv(
        path / "review.csv", index=False
    )
    return A.load_inputs(path)


@pytest.fixture(scope="module")
def moved(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("quota")
    catalogue = ev.parse_catalogue(TINY, file="tiny.yaml")
    data = ev.load_dataset(write_dataset(tmp / "tiny", TINY_UNITS, TINY_ROWS))
    result = ev.run(catalogue, data, period="2025")
    config = A.Config.model_validate(CONFIG)
    first = A.appraise(
        config, result, folder(tmp / "v1", {"U1": 80, "U2": 98, "U3": 90})
    )
    second = A.appraise(
        config, result, folder(tmp / "v2", {"U1": 80, "U2": 100, "U3": 90})
    )
    path = tmp / "store.duckdb"
    with Publication(path) as s:
        run = s.add_run(result, first, by="绩效办")
        s.publish(run, by="主任", today=date(2026, 1, 20))
        case = s.file_case(run, unit_id="U2", by="二局办公室", grounds="评议分录入有误",
                           on=date(2026, 1, 21), today=date(2026, 1, 21))  # fmt: skip
        s.decide(case, decision="upheld", by="考评委员会", note="复核属实",
                 today=date(2026, 1, 22))  # fmt: skip
        fixed = s.add_run(result, second, by="绩效办", supersedes=run, reason=case)
    return {"path": path, "run": run, "fixed": fixed, "config": config,
            "first": first.grades, "second": second.grades}  # fmt: skip


def test_the_premise_by_hand(moved):
    a, b = (moved[k].set_index("unit_id") for k in ("first", "second"))
    assert a["score"].round(2).to_dict() == {"U1": 70.5, "U2": 70.0, "U3": 63.0}
    assert b["score"].round(2).to_dict() == {"U1": 70.5, "U2": 71.0, "U3": 63.0}
    assert a["final_grade"].to_dict() == {"U1": "excellent", "U2": "good", "U3": "good"}
    assert b["final_grade"].to_dict() == {"U1": "good", "U2": "excellent", "U3": "good"}


def test_only_the_unit_the_quota_alone_moved_is_found(moved):
    """U2's grade changed too, with its score: that is its own appeal's doing."""
    found = A.grades.quota_moves(moved["first"], moved["second"], moved["config"])
    assert found.to_dict("records") == [
        {"unit_id": "U1", "list_zh": "市直部门", "list_en": "Municipal departments",
         "units": 3, "places": 1, "share": 0.2}
    ]  # fmt: skip
    none = A.Config.model_validate({**CONFIG, "grades": {**CONFIG["grades"],
                                                         "quota": None}})  # fmt: skip
    assert A.grades.quota_moves(moved["first"], moved["second"], none).empty


def test_a_quota_over_all_units_is_named_as_the_grades_table_names_it(moved):
    """per: overall: the list is 全部单位 / All units, the vocabulary's
    ``quota_list`` word the year-end quota table shows (lowered mid-sentence)."""
    grades = {**CONFIG["grades"], "quota": {"share": 0.2, "per": "overall"}}
    overall = A.Config.model_validate({**CONFIG, "grades": grades})
    found = A.grades.quota_moves(moved["first"], moved["second"], overall)
    assert found.to_dict("records") == [
        {"unit_id": "U1", "list_zh": "全部单位", "list_en": "All units",
         "units": 3, "places": 1, "share": 0.2}
    ]  # fmt: skip
    row = next(found.itertuples())
    assert R.quota_words(row, "en").startswith(
        "final score unchanged; the grade follows the quota for excellent in all "
        "units: "
    )


def test_diff_says_why_a_grade_changed_with_no_change_of_score(moved):
    args = ["diff", moved["run"], moved["fixed"], "--store", str(moved["path"]),
            "--viewer", "秘书长"]  # fmt: skip
    zh = CliRunner().invoke(app, args)
    assert zh.exit_code == 0, zh.output
    lines = zh.output.splitlines()
    assert f"一局（U1）：{QUOTA_ZH}" in lines
    assert not any(line.startswith("二局（U2）") for line in lines)  # its own score
    en = CliRunner().invoke(app, [*args, "--lang", "en"])
    assert en.exit_code == 0, en.output
    assert f"Bureau One (U1): {QUOTA_EN}" in en.output.splitlines()


@pytest.mark.parametrize(
    ("name", "read"),
    [
        ("County governments", "county governments"),  # a common noun phrase
        ("CPPCC members", "CPPCC members"),  # an acronym: as written
        ("all units", "all units"),  # the quota over all units
    ],
)
def test_the_quota_names_its_list_in_lower_case_mid_sentence(name, read):
    """The list's English name inside the sentence: lowered only where it is a
    common noun phrase (first letter only, and only before a lower-case one)."""
    row = SimpleNamespace(list_zh="县政府", list_en=name, units=10, places=2, share=0.2)
    assert R.quota_words(row, "en") == (
        f"final score unchanged; the grade follows the quota for excellent in {read}: "
        "2 (10 units × 20%, rounded half up)"
    )


def test_the_report_and_the_letter_say_it_in_the_one_wording(moved):
    with Publication(moved["path"]) as s:
        correction = R.correction_from_store(s, moved["fixed"], viewer="秘书长")
    said = {
        r.unit_id: R.correction_what(r, "zh")
        for r in correction["changes"].itertuples()
    }
    assert said == {
        # U2's own score, 70.00 + its appeal's 1 point (by hand)
        "U2": "最终得分由70.00分改为71.00分，等次由良好改为优秀，"
        "组内名次由第2名改为第1名",
        "U1": f"等次由优秀改为良好，组内名次由第1名改为第2名；{QUOTA_ZH}",
    }
    u1 = next(r for r in correction["changes"].itertuples() if r.unit_id == "U1")
    assert R.correction_what(u1, "en") == (
        f"grade excellent → good, rank in group 1 → 2; {QUOTA_EN}"
    )
