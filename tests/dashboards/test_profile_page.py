"""The unit profile page's callback (/unit/<unit_id>) called as a plain function over
a saved sample Result whose data-quality flags are a hand-made table.

D01's approvals rate was frozen from January to December 2025; the Municipal
Supervision Bureau's whole submission for D01 in June 2025 repeated May's; D01's
approvals rate jumped in March 2024. D02 has no flag. Expected texts are written
here by hand, never read from the page's helpers or the view.
"""

from __future__ import annotations

import importlib
from dataclasses import replace

import pandas as pd
import pytest

from dashboards import app as dashboard
from evaluation.publish.store import save_result

FLAGS = pd.DataFrame(
    [
        ("stable/D01/approval_on_time_rate/2025-M01", "stable", "D01", "2025-M12",
         "2025-M01", "approval_on_time_rate", None, 96.7, 12.0,
         "审批事项按时办结率自2025年1月起连续 12 期均为 96.7",
         "On-time completion rate of approvals is 96.7 in all 12 periods"),
        ("identical_period/D01/supervision/2025-M06", "identical_period", "D01",
         "2025-M06", "2025-M06", None, "supervision", 7.0, 0.001,
         "市纪委监委报送的2025年6月数据（7项）与2025年5月完全相同",
         "Municipal Commission for Discipline Inspection and Supervision: all 7 values "
         "identical to May"),
        ("jump/D01/approval_on_time_rate/2024-M03", "jump", "D01", "2024-M03",
         "2024-M03", "approval_on_time_rate", None, 40.0, 9.0,
         "2024年3月跳变", "jumped in March 2024"),
    ],
    columns=["flag_id", "check", "unit_id", "period", "since", "indicator_id",
             "agency", "value", "statistic", "reason_zh", "reason_en"],
)  # fmt: skip


@pytest.fixture(scope="module")
def profile(sample_result, tmp_path_factory):
    """The page module, as Dash imported it for an app over the saved result."""
    result = replace(sample_result, flags=FLAGS)
    folder = save_result(result, tmp_path_factory.mktemp("profile") / "result")
    app = dashboard.create_app(folder)
    assert app.server.test_client().get("/").status_code == 200
    return importlib.import_module("dashboards.pages.profile")


def _find(component, wanted: str):
    """The component with id ``wanted`` inside a tree."""
    if getattr(component, "id", None) == wanted:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            hit = _find(child, wanted)
            if hit is not None:
                return hit
    return None


def _items(section) -> list[str]:
    return [li.children for li in _find(section, "profile-flags-list").children]


def test_the_flags_section_lists_the_flags_reaching_into_the_period_in_chinese(
    profile,
):
    *_, body = profile.update_profile("D01", "2025", "zh")
    section = _find(body, "profile-flags")
    heading, note, _ = section.children
    assert heading.children == "数据质量提示"
    assert "核查疑点" in note.children and "不改变任何得分" in note.children
    assert _items(section) == [
        "连续不变 · 审批事项按时办结率 · 2025年1月至2025年12月 · "
        "审批事项按时办结率自2025年1月起连续 12 期均为 96.7",
        "与上期完全相同 · 市纪委监委 · 2025年6月 · "
        "市纪委监委报送的2025年6月数据（7项）与2025年5月完全相同",
    ]  # the March 2024 jump is not 2025's


def test_the_flags_section_in_english_and_in_another_period(profile):
    *_, body = profile.update_profile("D01", "2025", "en")
    section = _find(body, "profile-flags")
    assert section.children[0].children == "Data-quality flags"
    assert "do not change any score" in section.children[1].children
    assert _items(section)[1] == (
        "identical to previous period · Municipal Commission for Discipline "
        "Inspection and Supervision · 2025-M06 · Municipal Commission for Discipline "
        "Inspection and Supervision: all 7 values identical to May"
    )
    *_, body = profile.update_profile("D01", "2024", "zh")
    assert _items(_find(body, "profile-flags")) == [
        "异常跳变 · 审批事项按时办结率 · 2024年3月 · 2024年3月跳变"
    ]


def test_a_unit_without_flags_says_so(profile):
    *_, body = profile.update_profile("D02", "2025", "zh")
    assert _find(body, "profile-flags-list").children == "无数据质量提示"
    *_, body = profile.update_profile("D02", "2025", "en")
    assert _find(body, "profile-flags-list").children == "No data-quality flags"
