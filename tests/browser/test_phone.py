"""The dashboard on a phone, in headless chromium: a chart drawn for a wider box
is drawn again when its box narrows (a phone's scrollbar coming, a turn to
upright), so the page never scrolls sideways."""

from __future__ import annotations

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from dashboards.app import create_app
from tests.browser.test_tour import USERS, _pages, _wait, make_run_store

pytestmark = pytest.mark.browser
TIMEOUT = 10  # a chart is drawn again within a second

#: the page's width against the screen's, and each chart wider than its screen
WIDER_JS = """
const screen = document.documentElement.clientWidth;
const charts = [...document.querySelectorAll('.js-plotly-plot')]
  .filter(p => p.getBoundingClientRect().right > screen + 1)
  .map(p => (p.closest('[id]') || {}).id);
return [document.documentElement.scrollWidth - screen, charts];
"""


def _narrowed(driver) -> list:
    """``[how many px the page is wider than the screen, charts past its edge]``
    once they fit, else as they stand after ``TIMEOUT``."""
    seen = []

    def fits(d) -> bool:
        seen[:] = d.execute_script(WIDER_JS)
        return seen[0] <= 1 and not seen[1]

    try:
        WebDriverWait(driver, TIMEOUT, poll_frequency=0.3).until(fits)
    except Exception:  # noqa: BLE001 (reported by the caller's assertion)
        pass
    return seen


def test_charts_follow_their_box_as_it_narrows(dash_duo, sample_result, tmp_path):
    """A phone 390 px wide draws every chart for 390 px; its scrollbar then takes
    15 px: the charts are drawn again in 375 px (they were left 15 px wider, the
    page scrolling sideways). A window made narrow from 1280 px does the same."""
    path, _, _ = make_run_store(tmp_path / "store.duckdb", sample_result)
    unit = sample_result.league_table("2025").iloc[0]["unit_id"]
    dash_duo.start_server(create_app(path, users=USERS, secret_key="test-key"))
    driver = dash_duo.driver
    problems = []
    for name, page in _pages(unit):
        driver.execute_cdp_cmd(  # a phone: no scrollbar beside the page
            "Emulation.setDeviceMetricsOverride",
            {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
        )
        driver.get(dash_duo.server_url + page)
        _wait(driver)
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.set_window_size(390, 844)  # a window: its scrollbar takes 15 px
        over, charts = _narrowed(driver)
        if over > 1 or charts:
            problems.append(f"{name} at 390 px with a scrollbar: {over} px, {charts}")
        driver.set_window_size(1280, 900)
        driver.get(dash_duo.server_url + page)
        _wait(driver)
        driver.set_window_size(390, 844)
        over, charts = _narrowed(driver)
        if over > 1 or charts:
            problems.append(f"{name} from 1280 to 390 px: {over} px, {charts}")
    driver.get("about:blank")
    assert problems == [], "\n".join(problems)
