"""Rows as tall as their text when the text comes late. AG Grid may draw a page's
cells a frame or more after the events the fit listens to (on a busy machine the
first measure found no cells and the risk board's English reasons were cut at two
lines); text drawn later must still be measured, and the fit must not keep
measuring once the grid is still."""

from __future__ import annotations

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from dashboards.app import create_app
from evaluation.publish.store import save_result

pytestmark = pytest.mark.browser

#: the first warning's reason cell, its text and its row's height
FIRST = "#risk-warnings .ag-center-cols-container .ag-row[row-index='0']"
LONGEST_CELL = """
const row = document.querySelector(arguments[0]);
if (!row) return null;
const cells = [...row.querySelectorAll('.ag-cell-wrap-text')];
cells.sort((a, b) => b.innerText.length - a.innerText.length);
return cells.length ? cells[0].getAttribute('col-id') : null;
"""
CUT = """
const c = document.querySelector(arguments[0] + ` [col-id="${arguments[1]}"]`);
const v = c.querySelector('.ag-cell-value') || c;
return Math.max(c.scrollHeight, v.scrollHeight) - c.clientHeight;
"""


def test_text_drawn_after_the_grid_settles_still_fits_its_row(
    dash_duo, sample_result, tmp_path
):
    folder = save_result(sample_result, tmp_path / "result")
    dash_duo.driver.set_window_size(1366, 768)
    dash_duo.start_server(create_app(folder))
    driver = dash_duo.driver
    driver.get(dash_duo.server_url + "/risk")
    wait = WebDriverWait(driver, 30, poll_frequency=0.2)
    col = wait.until(lambda d: d.execute_script(LONGEST_CELL, FIRST))
    wait.until(lambda d: d.execute_script(CUT, FIRST, col) <= 1)
    height = driver.execute_script(
        "return document.querySelector(arguments[0]).offsetHeight", FIRST
    )
    # count the fit's runs from here on: once the page has drawn everything, a grid
    # at rest is not measured again (a fit that set off its own watcher would never
    # rest)
    driver.execute_script(
        """const f = window.dashAgGridFunctions, fit = f.fitRows;
        window.__fits = 0;
        f.fitRows = function () {
          window.__fits += 1;
          return fit.apply(this, arguments);
        };"""
    )
    _rests(driver)
    # the reason redrawn three times as long, as if its text had come late: no
    # grid event fires, yet the row grows to hold it
    driver.execute_script(
        """const c = document.querySelector(
          arguments[0] + ` [col-id="${arguments[1]}"]`);
        const v = c.querySelector('.ag-cell-value') || c;
        v.textContent = (v.textContent + ' ').repeat(3);""",
        FIRST,
        col,
    )
    wait.until(lambda d: d.execute_script(CUT, FIRST, col) <= 1)
    grown = driver.execute_script(
        "return document.querySelector(arguments[0]).offsetHeight", FIRST
    )
    assert grown > height
    _rests(driver)


def _rests(driver) -> None:
    """The fit runs no more for two seconds, within twenty."""
    last = None
    for _ in range(10):
        now = driver.execute_script(
            "return new Promise(r => setTimeout(() => r(window.__fits), 2000))"
        )
        if now == last:
            return
        last = now
    raise AssertionError(f"the rows are still being fitted: {now} runs")
