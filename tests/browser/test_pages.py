"""Every page over a publication store, in headless chromium; drafts behind login.

Each test saves screenshots in tests/browser/screenshots/ (looked at while building).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.security import generate_password_hash

from dashboards.app import create_app
from evaluation.publish.publication import Publication

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parent / "screenshots"
USERS = {"wang": generate_password_hash("s3cret-pass")}


def _shoot(dash_duo, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


@pytest.fixture
def store(sample_result, tmp_path):
    """A published run of the sample, and a draft correction of the same period."""
    path = tmp_path / "store.duckdb"
    with Publication(path) as s:
        published = s.add_run(sample_result, by="analyst")
        s.publish(published, by="director")
        draft = s.add_run(
            sample_result, by="analyst", supersedes=published, reason="更正"
        )
    return path, published, draft


#: each cell's text and the number of lines it is drawn on
_LINES = """
return Array.from(document.querySelectorAll(arguments[0])).map(function (cell) {
  var walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  var tops = [];
  for (var node = walk.nextNode(); node; node = walk.nextNode()) {
    var range = document.createRange();
    range.selectNodeContents(node);
    Array.from(range.getClientRects()).forEach(function (r) {
      if (r.width > 0 && !tops.some(function (t) { return Math.abs(t - r.top) < 3; })) {
        tops.push(r.top);
      }
    });
  }
  return [cell.textContent.trim(), tops.length];
});
"""


def _broken(dash_duo, selector: str, pattern: str = "") -> list[str]:
    """The texts of ``selector``'s cells (matching ``pattern``) drawn on more than
    one line: a unit's name or a deadline broken in the middle."""
    cells = dash_duo.driver.execute_script(_LINES, selector)
    return [t for t, n in cells if re.search(pattern, t) and n > 1]


def _start(dash_duo, path, page: str = "/rankings"):
    """Serve the store and open ``page`` (the rankings: the tests start there)."""
    dash_duo.driver.set_window_size(1920, 1080)
    dash_duo.start_server(create_app(path, users=USERS, secret_key="test-key"))
    dash_duo.driver.get(dash_duo.server_url + page)


def _leave(dash_duo) -> None:
    """Leave the app once it is idle, before the server stops, so that no request
    is cut off mid-way (Dash titles the page "Updating..." while callbacks run)."""
    WebDriverWait(dash_duo.driver, 20).until(
        lambda d: not d.title.startswith("Updating")
    )
    dash_duo.driver.get("about:blank")
    WebDriverWait(dash_duo.driver, 5).until(lambda d: d.current_url == "about:blank")


def _click_text(dash_duo, selector: str, text: str):
    element = WebDriverWait(dash_duo.driver, 10).until(
        lambda d: next(
            (e for e in d.find_elements("css selector", selector) if e.text == text),
            None,
        )
    )
    element.click()


def test_profile_opens_from_the_table_and_shows_every_panel(
    dash_duo, store, sample_result
):
    path, _, _ = store
    _start(dash_duo, path)
    top = sample_result.league_table("2025").iloc[0]
    cell = '.ag-row[row-index="0"] [col-id="name_zh"] a'
    dash_duo.wait_for_text_to_equal(cell, top["name_zh"])
    dash_duo.driver.execute_script("window.stayed = true")  # gone on a page load
    dash_duo.find_element(cell).click()
    dash_duo.wait_for_contains_text("#profile-heading", top["name_zh"])
    assert dash_duo.driver.current_url.endswith(f"/unit/{top['unit_id']}")
    # the tab names the unit: a leader with several units open tells them apart
    WebDriverWait(dash_duo.driver, 10).until(
        lambda d: d.title == f"{top['name_zh']} · 单位 · Profile"
    )
    # opened inside the app, as the navigation's links: no page load
    assert dash_duo.driver.execute_script("return window.stayed === true")
    for panel in ("#profile-dims", "#profile-waterfall", "#profile-trend",
                  "#profile-indicators", "#profile-strengths"):  # fmt: skip
        dash_duo.wait_for_element(panel)
    rows = dash_duo.find_elements(
        "#profile-indicators .ag-center-cols-container .ag-row"
    )
    assert len(rows) == 28  # every indicator of the annual period
    _shoot(dash_duo, "profile_zh")
    dash_duo.find_element("#app-lang input[value='en']").click()
    dash_duo.wait_for_contains_text("#profile-heading", top["name_en"])
    dash_duo.wait_for_text_to_equal("#profile-back", "← Back to rankings")
    _shoot(dash_duo, "profile_en")
    assert dash_duo.get_logs() == []
    _leave(dash_duo)


def _pager_units(dash_duo) -> list[str]:
    """The words the stylesheet adds after the warnings grid's paging numbers."""
    return dash_duo.driver.execute_script(
        """return [...document.querySelectorAll('#risk-warnings .ag-paging-panel *')]
            .map(e => getComputedStyle(e, '::after').content)
            .filter(c => c !== 'none' && c !== 'normal')
            .map(c => c.replace(/["\\s]/g, ''));"""
    )


def test_risk_board_and_methodology(dash_duo, store, sample_result):
    path, _, _ = store
    _start(dash_duo, path)
    dash_duo.wait_for_element("#nav-nav_risk").click()
    dash_duo.wait_for_text_to_equal("#risk-heading", "风险预警")
    dash_duo.wait_for_element("#risk-heatmap .main-svg")
    warnings = sample_result.warnings.query("period == '2025'")
    # most severe first: the first red warning as stored heads the table
    first = warnings[warnings["level"] == "red"].iloc[0]["reason_zh"]
    WebDriverWait(dash_duo.driver, 20).until(
        lambda d: first in d.find_element("css selector", "#risk-warnings").text
    )
    _shoot(dash_duo, "risk_zh")
    # a deadline in the ledger reads on one line (2026年1月30日, not 2026年1月30 / 日)
    dates = "#risk-ledger .ag-center-cols-container .ag-cell"
    dash_duo.wait_for_element(dates)
    day = r"^\d{4}年\d{1,2}月\d{1,2}日$"
    assert any(
        re.search(day, t) for t, _ in dash_duo.driver.execute_script(_LINES, dates)
    )
    assert _broken(dash_duo, dates, day) == []
    # the pager's units: 第 1 页，共 24 页 and 1 到 15，共 347 条 in Chinese only
    assert _pager_units(dash_duo) == ["条", "页", "页"]
    dash_duo.find_element("#app-lang input[value='en']").click()
    dash_duo.wait_for_text_to_equal("#risk-heading", "Risk board")
    # the page's root says English though <html> says zh-CN: Page 1 of 24, no 页
    assert _pager_units(dash_duo) == []
    _shoot(dash_duo, "risk_en")

    dash_duo.find_element("#nav-nav_methodology").click()
    dash_duo.wait_for_text_to_equal("#method-heading", "Methodology")
    dash_duo.wait_for_element("#method-sunburst .main-svg")
    table = dash_duo.find_element("#method-indicators").text
    first = sample_result.catalogue.indicators[0]
    assert first.definition_en in table
    _shoot(dash_duo, "methodology_en")
    assert dash_duo.get_logs() == []
    _leave(dash_duo)


def test_whatif_moves_units_and_resets(dash_duo, store, sample_result):
    path, _, _ = store
    _start(dash_duo, path)
    dash_duo.wait_for_element("#nav-nav_whatif").click()
    dash_duo.wait_for_element("#whatif-table .ag-row")
    ranks = sample_result.ranks.query("period == '2025'")
    dash_duo.wait_for_text_to_equal("#whatif-heading", "权重模拟（不保存、不发布）")

    def moves() -> set[str] | None:
        """The Δ cells shown; None while the grid re-renders under us."""
        try:
            cells = dash_duo.find_elements(
                '#whatif-table .ag-center-cols-container [col-id="move"]'
            )
            return {c.text for c in cells} or None
        except StaleElementReferenceException:
            return None

    WebDriverWait(dash_duo.driver, 10).until(lambda _: moves() == {"–"})
    _shoot(dash_duo, "whatif_published")
    # every unit's name whole, on one line (not 市机关事务 / 管理局)
    names = '#whatif-table .ag-center-cols-container [col-id="unit"]'
    assert _broken(dash_duo, names) == []
    # all weight on efficiency: press End on its slider (keyboard, as a user can)
    thumb = dash_duo.find_element(
        '[id*="whatif-weight"][id*="efficiency"] [role="slider"]'
    )
    thumb.send_keys(Keys.END)
    WebDriverWait(dash_duo.driver, 10).until(lambda _: moves() not in (None, {"–"}))
    _shoot(dash_duo, "whatif_moved")
    dash_duo.find_element("#whatif-reset").click()
    WebDriverWait(dash_duo.driver, 10).until(lambda _: moves() == {"–"})
    assert len(ranks) == 50
    assert dash_duo.get_logs() == []
    _leave(dash_duo)


def test_drafts_need_a_login_and_each_view_is_recorded(dash_duo, store):
    path, published, draft = store
    _start(dash_duo, path)
    dash_duo.wait_for_element("#app-run")
    dash_duo.find_element("#app-run").click()
    options = [o.text for o in dash_duo.find_elements(".dash-dropdown-option")]
    # runs read by name, never by id; the draft (version 2) is not listed
    assert "2025年度 第1版（现行）" in options, options
    assert not any("第2版" in o or "草稿" in o for o in options)
    assert not any(published in o or draft in o for o in options)
    _shoot(dash_duo, "drafts_hidden")

    dash_duo.driver.get(dash_duo.server_url + "/login")
    dash_duo.driver.find_element("name", "user").send_keys("wang")
    dash_duo.driver.find_element("name", "password").send_keys("s3cret-pass")
    dash_duo.driver.find_element("css selector", "button").click()
    dash_duo.wait_for_contains_text("#app-login", "wang")
    dash_duo.find_element("#app-run").click()
    _click_text(dash_duo, ".dash-dropdown-option", "2025年度 第2版（草稿）")
    dash_duo.wait_for_element('.ag-row[row-index="0"]')
    _shoot(dash_duo, "draft_after_login")
    _leave(dash_duo)
    with Publication(path) as s:
        log = s.access_log()
    assert (log["run_id"] == draft).any() and set(log["viewer"]) == {"wang"}


def test_no_request_without_login_returns_draft_data(store):
    """Direct HTTP: the callback, the page and the download refuse a draft."""
    path, published, draft = store
    app = create_app(path, users=USERS, secret_key="test-key")
    client = app.server.test_client()
    assert client.get("/").status_code == 200

    def call(run: str, output: str, inputs: list[dict], state=()):
        outs = [{"id": o.split(".")[0], "property": o.split(".")[1]}
                for o in output.strip(".").split("...") if o]  # fmt: skip
        body = {
            "output": output,
            "outputs": outs if len(outs) > 1 else outs[0],
            "inputs": inputs,
            "changedPropIds": [],
            "state": list(state),
        }  # fmt: skip
        return client.post("/_dash-update-component", json=body)

    grid = "..rankings-grid.columnDefs...rankings-bar.figure.."
    inputs = [
        {"id": "rankings-period", "property": "value", "value": "2025"},
        {"id": "rankings-peer-group", "property": "value", "value": "_all"},
        {"id": "app-lang", "property": "value", "value": "zh"},
    ]
    card = [{"id": "rankings-card", "property": "data", "value": None}]  # no phone
    ok = call(
        published,
        grid,
        [*inputs, {"id": "app-run", "property": "value", "value": published}],
        card,
    )
    assert ok.status_code == 200 and "columnDefs" in ok.get_data(as_text=True)
    rows = "rankings-grid.getRowsResponse"
    request = {"id": "rankings-grid", "property": "getRowsRequest",
               "value": {"startRow": 0, "endRow": 100, "sortModel": []}}  # fmt: skip
    for run, status in ((published, 200), (draft, 204)):
        state = [
            *inputs,
            {"id": "app-run", "property": "value", "value": run},
            {"id": "rankings-first-pending", "property": "data", "value": False},
        ]
        sent = call(run, rows, [request], state)
        assert sent.status_code == status
    refused = call(
        draft,
        grid,
        [*inputs, {"id": "app-run", "property": "value", "value": draft}],
        card,
    )
    assert refused.status_code == 204 and refused.get_data() == b""
    download = "rankings-download.data"
    state = [
        {"id": "rankings-period", "property": "value", "value": "2025"},
        {"id": "rankings-peer-group", "property": "value", "value": "_all"},
        {"id": "app-lang", "property": "value", "value": "zh"},
        {"id": "app-run", "property": "value", "value": draft},
    ]
    refused = call(
        draft,
        download,
        [{"id": "rankings-download-button", "property": "n_clicks", "value": 1}],
        state,
    )
    assert refused.status_code == 204
    header = (
        "..app-title.children...nav-nav_overview.children..."
        "nav-nav_rankings.children...nav-nav_risk.children..."
        "nav-nav_methodology.children...nav-nav_whatif.children..."
        "nav-nav_appraisal.children...app-login.children..."
        "app-login.href...app-run.options...app-run.value..."
        "app-banner.children...app-watermark.children...app-root.lang.."
    )
    runs = call(draft, header, [
        {"id": "app-lang", "property": "value", "value": "zh"},
        {"id": "app-run", "property": "value", "value": draft},
    ])  # fmt: skip
    sent = json.loads(runs.get_data(as_text=True))["response"]
    assert draft not in json.dumps(sent)  # not listed, and not selected
    assert sent["app-run"]["value"] == published
    # with a session, the same callback answers
    client.post("/login", data={"user": "wang", "password": "s3cret-pass"})
    allowed = call(
        draft,
        grid,
        [*inputs, {"id": "app-run", "property": "value", "value": draft}],
        card,
    )
    assert allowed.status_code == 200
    wrong = app.server.test_client().post(
        "/login", data={"user": "wang", "password": "x"}
    )
    assert wrong.status_code == 401


def test_sorting_the_grid_by_a_column(dash_duo, store, sample_result):
    path, _, _ = store
    _start(dash_duo, path)
    table = sample_result.league_table("2025")
    first = '.ag-row[row-index="0"] [col-id="name_zh"]'
    dash_duo.wait_for_text_to_equal(first, table.iloc[0]["name_zh"])
    header = '.ag-header-cell[col-id="composite_score"] .ag-header-cell-label'
    dash_duo.find_element(header).click()  # ascending: the lowest composite first
    # districts and departments stay apart: the lowest district comes first
    districts = set(sample_result.units.query("level == 'district'")["unit_id"])
    lowest = (
        table[table["unit_id"].isin(districts)]
        .sort_values("composite_score")
        .iloc[0]["name_zh"]
    )
    dash_duo.wait_for_text_to_equal(first, lowest)  # row-index is the shown order
    _shoot(dash_duo, "rankings_sorted")
    _leave(dash_duo)
