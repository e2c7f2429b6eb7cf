"""A unit's profile in headless chromium shows its data-quality flags in Chinese.

The sample result carries a hand-made flags table: D01's approvals rate frozen from
January to December 2025. The screenshot is saved in the test's tmp folder (looked at
while building).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from selenium.webdriver.support.ui import WebDriverWait

from dashboards.app import create_app
from evaluation.publish.store import save_result

pytestmark = pytest.mark.browser

FLAGS = pd.DataFrame(
    [
        ("stable/D01/approval_on_time_rate/2025-M01", "stable", "D01", "2025-M12",
         "2025-M01", "approval_on_time_rate", None, 96.7, 12.0,
         "审批事项按时办结率自2025年1月起连续 12 期均为 96.7",
         "On-time completion rate of approvals is 96.7 in all 12 periods"),
    ],
    columns=["flag_id", "check", "unit_id", "period", "since", "indicator_id",
             "agency", "value", "statistic", "reason_zh", "reason_en"],
)  # fmt: skip


def test_a_flagged_units_profile_shows_the_flag_section_in_chinese(
    dash_duo, sample_result, tmp_path
):
    folder = save_result(replace(sample_result, flags=FLAGS), tmp_path / "result")
    dash_duo.driver.set_window_size(1920, 1080)
    dash_duo.start_server(create_app(folder))
    dash_duo.driver.get(dash_duo.server_url + "/unit/D01")
    dash_duo.wait_for_contains_text("#profile-flags", "数据质量提示")
    section = dash_duo.find_element("#profile-flags")
    dash_duo.wait_for_contains_text("#profile-flags-list", "2025年1月至2025年12月")
    text = section.text
    assert "不改变任何得分" in text
    assert (
        "连续不变 · 审批事项按时办结率 · 2025年1月至2025年12月 · "
        "审批事项按时办结率自2025年1月起连续 12 期均为 96.7"
    ) in text
    dash_duo.driver.execute_script("arguments[0].scrollIntoView();", section)
    dash_duo.driver.save_screenshot(str(tmp_path / "profile_flags_zh.png"))
    assert dash_duo.get_logs() == []
    # leave once idle, so that no request is cut off when the server stops
    WebDriverWait(dash_duo.driver, 20).until(
        lambda d: not d.title.startswith("Updating")
    )
    dash_duo.driver.get("about:blank")
