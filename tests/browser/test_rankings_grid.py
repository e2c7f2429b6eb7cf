"""The rankings grid fed a block at a time, in headless chromium: rows render with
headers, districts and departments in their own lists, no "-0.00", sorting by
risk on the server puts red first."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from dashboards.app import create_app
from evaluation.publish.store import save_result

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parent / "screenshots"


def _cells_at(dash_duo, css: str) -> list[str]:
    """The texts of the elements ``css`` selects, read in one go in the page."""
    return dash_duo.driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(e => e.innerText)",
        css,
    )


def _cells(dash_duo, col: str) -> list[str]:
    """The texts of a column's cells on screen, read in one go in the page (the
    grid may redraw its rows between two reads from here)."""
    return _cells_at(dash_duo, f'.ag-center-cols-container [col-id="{col}"]')


def test_rankings_rows_headers_lists_and_risk_sort(dash_duo, sample_result, tmp_path):
    folder = save_result(sample_result, tmp_path / "result")
    units = sample_result.units.set_index("unit_id")
    dash_duo.driver.set_window_size(1920, 1080)
    dash_duo.start_server(create_app(folder))
    dash_duo.driver.get(dash_duo.server_url + "/rankings")  # "/" is the overview
    wait = WebDriverWait(dash_duo.driver, 30)
    wait.until(lambda _: len(_cells(dash_duo, "composite_score")) >= 10)
    headers = [h.text for h in dash_duo.find_elements(".ag-header-cell-text")]
    for word in ("排名", "单位", "单位类型", "综合得分", "风险"):
        assert word in headers
    assert (
        "年度等次" not in headers
    )  # a result folder has no appraisal: no empty column
    # the first list: districts ranked 1, 2, 3 … among themselves
    first = dash_duo.find_element('.ag-row[row-index="0"] [col-id="level"]').text
    assert first == "县（市）区"
    ranks = [
        e.text
        for e in dash_duo.find_elements(
            '.ag-pinned-left-cols-container [col-id="rank"]'
        )
    ]
    n = int((units["level"] == "district").sum())
    assert ranks[:3] == ["1", "2", "3"]
    text = dash_duo.find_element("#rankings-grid").text
    assert "-0.00" not in text and "nan" not in text.lower()
    SCREENSHOTS.mkdir(exist_ok=True)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / "rankings_levels.png"))

    # sort by risk: the server orders by severity, red first (within each list)
    header = '.ag-header-cell[col-id="risk_level"] .ag-header-cell-label'
    dash_duo.find_element(header).click()
    risk = sample_result.risk.query("period == '2025'").set_index("unit_id")["level"]
    districts = units.index[units["level"] == "district"]
    worst = max(risk.reindex(districts).fillna("green"), key=["green", "yellow",
                "orange", "red"].index)  # fmt: skip
    word = {"red": "红色", "orange": "橙色", "yellow": "黄色", "green": "绿色"}[worst]
    first = '.ag-center-cols-container .ag-row[row-index="0"] [col-id="risk_level"]'
    wait.until(lambda _: _cells_at(dash_duo, first) == [word])  # read in the page:
    # the grid redraws its rows after the sort
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / "rankings_risk_sorted.png"))
    assert n == 10
    assert dash_duo.get_logs() == []
