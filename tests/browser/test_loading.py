"""A full page load fetches nothing it has: the components' lazy parts (AG Grid's,
dcc.Graph's and dcc.Dropdown's) are asked for under their versioned names while the
layout is on its way (dashboards/assets/chunks_early.js), once each, and with the
assets are taken from the browser's cache on the next load (no revalidation); if a
lazy part cannot be fetched early, the component still gets it."""

from __future__ import annotations

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from dashboards.app import create_app
from evaluation.publish.store import save_result

pytestmark = pytest.mark.browser
ROWS = "#rankings-grid .ag-row:not(.ag-row-loading) .ag-cell"
LAZY = ("async-community", "async-graph", "async-dropdown")


def _fetched(dash_duo) -> list[tuple[str, int]]:
    """Every resource of this page: its address (without the origin) and the bytes
    that came over the network (0 when taken from the cache)."""
    return dash_duo.driver.execute_script(
        "return performance.getEntriesByType('resource').map(e =>"
        " [e.name.replace(location.origin, ''), e.transferSize]);"
    )


def _drawn(dash_duo) -> bool:
    return dash_duo.driver.execute_script(
        "const c = document.querySelector(arguments[0]);"
        " return !!(c && c.textContent &&"
        " document.querySelector('#rankings-bar .main-svg'));",
        ROWS,
    )


def test_lazy_parts_fetched_early_once_and_then_cached(
    dash_duo, sample_result, tmp_path
):
    save_result(sample_result, tmp_path / "res")
    dash_duo.driver.set_window_size(1920, 1080)
    dash_duo.start_server(create_app(tmp_path / "res"))
    wait = WebDriverWait(dash_duo.driver, 30, poll_frequency=0.1)
    for visit in ("first", "again"):
        dash_duo.driver.get(dash_duo.server_url + "/rankings")
        wait.until(lambda _: _drawn(dash_duo))
        fetched = _fetched(dash_duo)
        for part in LAZY:
            mine = [(url, size) for url, size in fetched if f"/{part}." in url]
            assert len(mine) == 1, (part, fetched)  # never a second, unversioned copy
            ((url, size),) = mine
            assert url.split("/")[-1].startswith(f"{part}.v"), url  # versioned
            if visit == "again":
                assert size == 0, (url, size)  # from the cache, not asked again
        assets = [(u, s) for u, s in fetched if u.startswith("/assets/")]
        assert any("plotly-cartesian" in u for u, _ in assets)
        assert any("chunks_early.js" in u for u, _ in assets)
        if visit == "again":
            assert all(s == 0 for _, s in assets), assets
    assert not [e for e in dash_duo.get_logs() or [] if e["level"] == "SEVERE"]


def test_a_lazy_part_not_fetched_early_is_fetched_by_its_component(
    dash_duo, sample_result, tmp_path
):
    """A proxy that drops the versioned addresses must not leave the page without
    its grid and charts: webpack asks for the parts under their own names."""
    save_result(sample_result, tmp_path / "res")
    dash_duo.driver.set_window_size(1920, 1080)
    dash_duo.driver.execute_cdp_cmd("Network.enable", {})
    dash_duo.driver.execute_cdp_cmd(
        "Network.setBlockedURLs", {"urls": [f"*{part}.v*" for part in LAZY]}
    )
    dash_duo.start_server(create_app(tmp_path / "res"))
    dash_duo.driver.get(dash_duo.server_url + "/rankings")
    WebDriverWait(dash_duo.driver, 30, poll_frequency=0.1).until(
        lambda _: _drawn(dash_duo)
    )
    names = [u.split("/")[-1].split("?")[0] for u, _ in _fetched(dash_duo)]
    assert {f"{part}.js" for part in LAZY} <= set(names), names


#: recorded in the page: each callback request Dash sends, its output and the
#: server's answer's status
RECORD = """window.__asked = []; const _fetch = window.fetch;
window.fetch = function (url, opts) {
  const answer = _fetch.apply(this, arguments);
  if (String(url).includes("_dash-update-component") && opts && opts.body) {
    const output = JSON.parse(opts.body).output;
    answer.then(r => window.__asked.push([output, r.status]));
  }
  return answer;
};"""


def _rows_asked(dash_duo) -> list[int]:
    """The statuses of the rows requests answered so far."""
    return [
        status
        for output, status in dash_duo.driver.execute_script("return window.__asked")
        if output.startswith("rankings-grid.getRowsResponse")
    ]


def test_the_first_rows_come_with_the_page_and_a_sort_asks_the_server(
    dash_duo, sample_result, tmp_path
):
    save_result(sample_result, tmp_path / "res")
    dash_duo.driver.set_window_size(1920, 1080)
    dash_duo.driver.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument", {"source": RECORD}
    )
    dash_duo.start_server(create_app(tmp_path / "res"))
    wait = WebDriverWait(dash_duo.driver, 30, poll_frequency=0.1)
    dash_duo.driver.get(dash_duo.server_url + "/rankings")
    wait.until(lambda _: _drawn(dash_duo))
    # the server was asked too (the same input), and left it to the page: no rows
    wait.until(lambda _: _rows_asked(dash_duo))
    assert _rows_asked(dash_duo) == [204]
    first = dash_duo.find_element(
        '#rankings-grid .ag-row[row-index="0"] [col-id="composite_score"]'
    ).text
    # a sort: the server answers (the page's block was for its first request only)
    dash_duo.find_element(
        '#rankings-grid .ag-header-cell[col-id="composite_score"]'
    ).click()
    wait.until(lambda _: _rows_asked(dash_duo) == [204, 200])
    # best first on load; the lowest scores first once sorted up
    cell = '#rankings-grid .ag-row[row-index="0"] [col-id="composite_score"]'
    wait.until(lambda _: _score(dash_duo, cell) < float(first))


def _score(dash_duo, css: str) -> float:
    try:
        return float(dash_duo.find_element(css).text)
    except Exception:  # noqa: BLE001 (a row re-rendered under us, or still empty)
        return float("inf")
