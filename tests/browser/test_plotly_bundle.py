"""The pages draw with plotly.js's cartesian bundle, started while the layout is on
its way (dashboards/assets/plotly_early.js); a chart the bundle cannot draw (the
methodology's sunburst) gets the full bundle; the league table's rows come before
its chart."""

from __future__ import annotations

import re
from pathlib import Path

import plotly
import pytest
from selenium.webdriver.support.ui import WebDriverWait

from dashboards.app import create_app
from evaluation.publish.store import save_result

pytestmark = pytest.mark.browser
ASSETS = Path(__file__).resolve().parents[2] / "dashboards" / "assets"
SCREENSHOTS = Path(__file__).parent / "screenshots"


def test_the_vendored_bundle_is_the_plotly_packages_version_with_its_licence():
    """plotly (Python) writes figures for its own plotly.js: the bundle must be
    that version (its header says which), MIT licence beside it."""
    (bundle,) = (ASSETS / "vendor").glob("plotly-cartesian-*.min.js")
    head = bundle.read_text(encoding="utf-8")[:300]
    version = re.search(r"plotly\.js \(cartesian - minified\) v(\S+)", head)[1]
    assert version == plotly.offline.get_plotlyjs_version()
    assert bundle.name == f"plotly-cartesian-{version}.min.js"
    assert f'"vendor/plotly-cartesian-{version}.min.js"' in (
        ASSETS / "plotly_early.js"
    ).read_text(encoding="utf-8")
    licence = ASSETS / "vendor" / f"plotly-cartesian-{version}.LICENSE.txt"
    assert licence.read_text(encoding="utf-8").startswith("MIT License")


def _wait(dash_duo, condition, timeout=60):
    return WebDriverWait(dash_duo.driver, timeout, poll_frequency=0.1).until(
        lambda d: condition()
    )


def _plotly_fetched(dash_duo) -> list[str]:
    return dash_duo.driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(n => /plotly[^/]*\\.min\\.js/.test(n)).map(n => n.split('/').pop());"
    )


def _traces(dash_duo, graph: str) -> list[str]:
    return dash_duo.driver.execute_script(
        "const p = document.querySelector(arguments[0] + ' .js-plotly-plot');"
        " return p && p._fullData ? p._fullData.map(t => t.type) : [];",
        graph,
    )


def test_charts_drawn_by_the_cartesian_bundle_and_the_sunburst_by_the_full(
    dash_duo, sample_result, tmp_path
):
    save_result(sample_result, tmp_path / "res")
    dash_duo.driver.set_window_size(1920, 1080)
    dash_duo.start_server(create_app(tmp_path / "res"))
    # a full page load of the rankings: rows first, then the chart, cartesian only
    dash_duo.driver.get(dash_duo.server_url + "/rankings")
    _wait(dash_duo, lambda: "bar" in _traces(dash_duo, "#rankings-bar"))
    assert _plotly_fetched(dash_duo) == ["plotly-cartesian-4.1.1.min.js"]
    marks = dash_duo.driver.execute_script(
        "return performance.getEntriesByType('mark').map(m => m.name)"
    )
    assert marks == ["plotly: cartesian bundle run", "plotly: charts may draw"]
    assert dash_duo.driver.execute_script("return window.Plotly.version") == (
        plotly.offline.get_plotlyjs_version()
    )
    rows = dash_duo.find_elements("#rankings-grid .ag-row:not(.ag-row-loading)")
    assert len(rows) >= 10
    # the profile: bars standing on each other for its waterfall
    dash_duo.driver.get(dash_duo.server_url + "/unit/D01")
    _wait(dash_duo, lambda: _traces(dash_duo, "#profile-waterfall") == ["bar"])
    heights = dash_duo.driver.execute_script(
        "return [...document.querySelectorAll('#profile-waterfall .point path')]"
        ".map(p => p.getBoundingClientRect().height)"
    )
    assert len(heights) == 6 and all(h > 0 for h in heights)  # 5 dimensions, total
    # inside the app, to the methodology: its sunburst needs the full bundle
    dash_duo.find_element("#nav-nav_methodology").click()
    _wait(dash_duo, lambda: _traces(dash_duo, "#method-sunburst") == ["sunburst"])
    assert "plotly.min.js" in _plotly_fetched(dash_duo)
    slices = "return document.querySelectorAll('#method-sunburst g.slice').length"
    _wait(dash_duo, lambda: dash_duo.driver.execute_script(slices) > 20)
    # … from its first (empty) drawing, so dcc's click binding is still there
    bound = dash_duo.driver.execute_script(
        "const gd = document.querySelector('#method-sunburst .js-plotly-plot');"
        " return [gd.__plotlyFull === true, gd._ev.listeners('plotly_click').length];"
    )
    assert bound == [True, 1]
    SCREENSHOTS.mkdir(exist_ok=True)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / "methodology_full_bundle.png"))
    # and back: the overview's trend, still drawn
    dash_duo.find_element("#nav-nav_overview").click()
    _wait(dash_duo, lambda: "scatter" in _traces(dash_duo, "#overview-trend"))
    assert not [e for e in dash_duo.get_logs() or [] if e["level"] == "SEVERE"], (
        dash_duo.get_logs()
    )


def test_without_the_cartesian_bundle_every_chart_is_drawn_by_the_full_one(
    dash_duo, sample_result, tmp_path
):
    """An install or a proxy that drops the vendored bundle must not leave the
    pages without charts: the full bundle draws them."""
    save_result(sample_result, tmp_path / "res")
    dash_duo.driver.set_window_size(1920, 1080)
    dash_duo.driver.execute_cdp_cmd("Network.enable", {})
    dash_duo.driver.execute_cdp_cmd(
        "Network.setBlockedURLs", {"urls": ["*plotly-cartesian-*"]}
    )
    dash_duo.start_server(create_app(tmp_path / "res"))
    dash_duo.driver.get(dash_duo.server_url + "/rankings")
    _wait(dash_duo, lambda: "bar" in _traces(dash_duo, "#rankings-bar"))
    assert "plotly.min.js" in _plotly_fetched(dash_duo)
    dash_duo.find_element("#nav-nav_overview").click()
    _wait(dash_duo, lambda: "scatter" in _traces(dash_duo, "#overview-trend"))
