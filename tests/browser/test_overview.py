"""The overview page (/) in headless chromium, in Chinese and English, at 1920×1080
and 1366×768: the badges count the units by warning level, the red list names the
red units, no English word on the Chinese page, a clean console.

Screenshots go to tests/browser/screenshots/overview_*.png (looked at while
building: badges coloured, lists and charts filled, nothing cut off).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from dashboards.app import create_app
from tests.dashboards.test_overview_page import build_store, hand_counts, score_2024

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parent / "screenshots"
WAIT = 30  # seconds: generous, for a loaded machine (a condition, not a sleep)
LEVELS = ("red", "orange", "yellow", "green")


@pytest.fixture(scope="module")
def store(sample_result, catalogue, tmp_path_factory):
    path = tmp_path_factory.mktemp("overview") / "store.duckdb"
    return build_store(path, sample_result, score_2024(catalogue))


def _shoot(dash_duo, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def _leave(dash_duo) -> None:
    """Leave once idle, before the server stops (no request cut off mid-way)."""
    WebDriverWait(dash_duo.driver, WAIT).until(
        lambda d: not d.title.startswith("Updating")
    )
    dash_duo.driver.get("about:blank")
    WebDriverWait(dash_duo.driver, 5).until(lambda d: d.current_url == "about:blank")


def _badges(dash_duo, row: str) -> dict[str, int] | None:
    """The counts on one row of badges (None while it is not drawn)."""
    try:
        cells = dash_duo.find_elements(f"#overview-badges-{row} .overview-count")
        return {c.get_attribute("data-level"): int(c.text) for c in cells} or None
    except Exception:  # re-rendered under us
        return None


def _page_text(dash_duo) -> str:
    return dash_duo.driver.execute_script(
        "return document.getElementById('_pages_content').innerText"
    )


def _apart(dash_duo, graph: str, one: str, other: str) -> bool:
    """Two parts of a drawn chart (an axis title, the legend) do not overlap."""
    return dash_duo.driver.execute_script(
        "const g = document.querySelector(arguments[0]);"
        " const [a, b] = [arguments[1], arguments[2]].map(s =>"
        " g.querySelector(s).getBoundingClientRect());"
        " return a.height > 0 && b.height > 0 && (a.bottom <= b.top ||"
        " b.bottom <= a.top || a.right <= b.left || b.right <= a.left);",
        graph,
        one,
        other,
    )


def _scroll_to(dash_duo, selector: str) -> None:
    element = dash_duo.find_element(selector)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView();", element)


def _trend_x(dash_duo) -> tuple[list, list]:
    """The overview trend's categories on screen and its x-axis range."""
    return dash_duo.driver.execute_script(
        """const p = document.querySelector('#overview-trend .js-plotly-plot');
        const ax = p._fullLayout.xaxis;
        return [p.data[0].x, ax.range];"""
    )


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768)])
def test_overview_in_chinese_and_english(dash_duo, store, sample_result, size):
    path = store[0]
    units = sample_result.units
    expected = hand_counts(sample_result.risk, units, "2025")
    red = sample_result.risk.query("period == '2025' and level == 'red'")
    red_depts = units[units["unit_id"].isin(red["unit_id"])]
    red_depts = red_depts[red_depts["level"] == "department"]
    tag = f"{size[0]}"

    dash_duo.driver.set_window_size(*size)
    dash_duo.start_server(create_app(path))
    wait = WebDriverWait(dash_duo.driver, WAIT)
    wait.until(lambda _: _badges(dash_duo, "all") == expected)
    for level in ("department", "district"):
        mine = units[units["level"] == level]
        want = hand_counts(sample_result.risk, mine, "2025")
        wait.until(lambda _, lv=level, w=want: _badges(dash_duo, lv) == w)
    # the red list of departments: every red department by name, on one page
    grid = "#overview-red-department"
    dash_duo.wait_for_element(f"{grid} .ag-row")
    shown = dash_duo.find_element(grid).text
    assert all(name in shown for name in red_depts["name_zh"])
    assert "年" in shown and "月" in shown  # deadlines as Chinese dates
    dash_duo.wait_for_element("#overview-trend .main-svg")
    dash_duo.wait_for_element("#overview-grades .main-svg")
    assert _apart(dash_duo, "#overview-trend", ".g-xtitle", ".legend")
    text = _page_text(dash_duo)
    assert "总览" in text and "红色预警单位及整改事项" in text
    english = re.findall(r"[A-Za-z]{2,}", text)
    assert english == [], english
    assert "-0.00" not in text
    assert not re.search(r"-\d", text), text  # a negative difference: −, not -
    _shoot(dash_duo, f"overview_zh_{tag}_top")
    _scroll_to(dash_duo, "#overview-averages-heading")
    _shoot(dash_duo, f"overview_zh_{tag}_averages")
    _scroll_to(dash_duo, "#overview-movers-heading")
    _shoot(dash_duo, f"overview_zh_{tag}_movers")
    dash_duo.driver.execute_script("window.scrollTo(0, 0);")

    dash_duo.find_element("#app-lang input[value='en']").click()
    dash_duo.wait_for_text_to_equal("#overview-heading", "Overview")
    dash_duo.wait_for_contains_text(
        "#overview-red-heading", "Units at red and their rectifications"
    )
    wait.until(lambda _: _badges(dash_duo, "all") == expected)
    dash_duo.wait_for_element(f"{grid} .ag-row")
    wait.until(
        lambda _: all(
            n in dash_duo.find_element(grid).text for n in red_depts["name_en"]
        )
    )
    _shoot(dash_duo, f"overview_en_{tag}_top")
    # the English years (2024, 2025) stay the axis's two categories: the marker of
    # the period shown once stretched it to 2025 categories, the lines squeezed left
    wait.until(lambda _: _trend_x(dash_duo)[0] == ["2024", "2025"])
    low, high = _trend_x(dash_duo)[1]
    assert -1 < low and high < 2, (low, high)

    # all units together: one list, one row of badges
    dash_duo.find_element("#overview-split input[value='together']").click()
    dash_duo.wait_for_element("#overview-red-all .ag-row")
    assert dash_duo.find_elements("#overview-badges-department") == []
    _shoot(dash_duo, f"overview_en_{tag}_together")
    assert dash_duo.get_logs() == []
    _leave(dash_duo)
