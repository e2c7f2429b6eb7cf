"""The rankings chart in headless chromium, on a desktop and on a phone: the
legend just above the first list's heading, never over it. Screenshots go to
tests/browser/screenshots/rankings_chart_*.png."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.support.ui import WebDriverWait

from dashboards.app import create_app
from evaluation.publish.store import save_result

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parent / "screenshots"

#: ``[px from the legend's bottom to the top of the first thing drawn under it
#: (the first list's heading or a bar), the top margin sent, the one drawn]``
GAP_JS = """
const p = document.querySelector('#rankings-bar .js-plotly-plot');
if (!p || !p._fullLayout || !p.querySelector('.legend .traces')) return null;
p.scrollIntoView();
const legend = p.querySelector('.legend').getBoundingClientRect();
const tops = [...p.querySelectorAll('.bars .point path, .annotation-text')]
  .map(e => e.getBoundingClientRect()).filter(b => b.height > 0).map(b => b.top);
return [Math.min(...tops) - legend.bottom, p._fullLayout.margin.t,
        p._fullLayout._size.t];
"""


def _gap(driver, name: str) -> list:
    """:data:`GAP_JS` once the chart is drawn, and a screenshot."""
    found = []

    def drawn(d) -> bool:
        found[:] = d.execute_script(GAP_JS) or []
        return bool(found)

    WebDriverWait(driver, 30, poll_frequency=0.3).until(drawn)
    SCREENSHOTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"rankings_chart_{name}.png"))
    return found


def test_the_legend_sits_just_above_the_bars_on_a_desktop_and_a_phone(
    dash_duo, sample_result, tmp_path
):
    """The legend of the sample's five peer groups takes one row on a 1,400 px
    window and five on a 390 px phone (beside the names). Its rows were counted
    for the phone on every screen, which left 142 px empty between the legend
    and the first list's heading on the desktop. Now the bars start 12 px under
    the legend's row there (plotly's own gap below a legend placed in the
    container; the heading's text a few px into its row), with the margins sent
    kept (no second layout); on the phone plotly moves them down under its rows."""
    folder = save_result(sample_result, tmp_path / "result")
    driver = dash_duo.driver
    driver.set_window_size(1400, 900)
    dash_duo.start_server(create_app(folder))
    driver.get(dash_duo.server_url + "/rankings")
    gap, sent, drawn = _gap(driver, "1400")
    assert 0 <= gap < 20, gap
    assert drawn == pytest.approx(sent, abs=0.5)
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True},
    )
    try:
        driver.get(dash_duo.server_url + "/rankings")
        gap, _, _ = _gap(driver, "390")
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert 0 <= gap < 20, gap
    assert dash_duo.get_logs() == []


#: ``[the legend's right edge, the screen's width, the chart's right edge]``, px
LEGEND_EDGE_JS = """
const p = document.querySelector('#rankings-bar .js-plotly-plot');
if (!p || !p._fullLayout || !p.querySelector('.legend .traces')) return null;
const names = [...p.querySelectorAll('.legend .legendtext')].map(t => t.textContent);
if (!names.some(n => /[A-Za-z]/.test(n))) return null;  // still the Chinese chart
p.scrollIntoView();
const parts = p.querySelectorAll('.legend .traces, .legend .legendtitletext');
const right = Math.max(...[...parts].map(e => e.getBoundingClientRect().right));
return [right, document.documentElement.clientWidth,
        p.getBoundingClientRect().right];
"""


def test_the_english_legend_fits_a_phone(dash_duo, sample_result, tmp_path):
    """On a 390 px phone the English chart's legend ran off the screen's right
    edge: "Law enforcement and regulatory departments", one entry wider than the
    room right of the names (plotly never breaks an entry). Its right edge is now
    inside the chart, so inside the screen."""
    folder = save_result(sample_result, tmp_path / "result")
    driver = dash_duo.driver
    found = []

    def drawn(d) -> bool:
        found[:] = d.execute_script(LEGEND_EDGE_JS) or []
        return bool(found)

    driver.set_window_size(1400, 900)
    dash_duo.start_server(create_app(folder))
    driver.get(dash_duo.server_url + "/rankings")
    dash_duo.find_element("#app-lang input[value='en']").click()
    WebDriverWait(driver, 30, poll_frequency=0.3).until(drawn)
    gap, _, _ = _gap(driver, "en_1400")
    assert 0 <= gap < 20, gap
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True},
    )
    try:
        driver.get(dash_duo.server_url + "/rankings")  # English remembered
        WebDriverWait(driver, 30, poll_frequency=0.3).until(drawn)
        gap, _, _ = _gap(driver, "en_390")
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    right, screen, chart = found
    assert right <= min(screen, chart), found
    assert 0 <= gap < 20, gap
    assert dash_duo.get_logs() == []


#: ``[the chart card's right edge, [text, right edge] of each value label and
#: each list's heading (or gap's words) past it]``, px
PAST_CARD_JS = """
const p = document.querySelector('#rankings-bar .js-plotly-plot');
if (!p || !p._fullLayout || !p.querySelector('.bars .bartext')) return null;
const names = [...p.querySelectorAll('.legend .legendtext')].map(t => t.textContent);
if (!names.some(n => /[A-Za-z]/.test(n))) return null;  // still the Chinese chart
const card = p.closest('#rankings-bar').parentElement.getBoundingClientRect().right;
return [card, [...p.querySelectorAll('.bars .bartext, .annotation-text')]
  .map(t => [t.textContent, t.getBoundingClientRect().right])
  .filter(([, right]) => right > card + 0.5)];
"""


def test_the_english_chart_fits_its_card_on_a_phone(dash_duo, sample_result, tmp_path):
    """On a 390 px phone (a card 374 px wide) the English names beside the bars,
    folded into lines of 180 px as on a desktop, took 254 px and left the bars
    90 px: the top score's label ran past the card (90.04 read 90.0) and so did
    the lists' headings ("Districts and counties", "Municipal departments", 159
    and 171 px from the bars' left edge). There the chart is now drawn for its
    card: every value label and heading ends inside it."""
    folder = save_result(sample_result, tmp_path / "result")
    driver = dash_duo.driver
    driver.set_window_size(1400, 900)
    dash_duo.start_server(create_app(folder))
    driver.get(dash_duo.server_url + "/rankings")
    dash_duo.find_element("#app-lang input[value='en']").click()
    WebDriverWait(driver, 30).until(lambda d: d.execute_script(PAST_CARD_JS))
    found = []

    def fits(d) -> bool:
        found[:] = d.execute_script(PAST_CARD_JS) or []
        return bool(found) and not found[1]

    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True},
    )
    try:
        driver.get(dash_duo.server_url + "/rankings")  # English remembered
        try:  # the chart is drawn again for its card once the page is in place
            WebDriverWait(driver, 10, poll_frequency=0.3).until(fits)
        except TimeoutException:
            pass  # reported below
        _gap(driver, "en_390_card")
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    card, past = found
    assert 360 < card <= 390, card
    assert past == [], past
    assert dash_duo.get_logs() == []


#: ``[the chart card's right edge, the figure's margins, names and the gaps' words,
#: the value labels and headings past the card]`` of the English chart, px
SHAPE_JS = """
const p = document.querySelector('#rankings-bar .js-plotly-plot');
if (!p || !p._fullLayout || !p.querySelector('.bars .bartext')) return null;
const names = [...p.querySelectorAll('.legend .legendtext')].map(t => t.textContent);
if (!names.some(n => /[A-Za-z]/.test(n))) return null;  // still the Chinese chart
const card = p.closest('#rankings-bar').parentElement.getBoundingClientRect().right;
const past = [...p.querySelectorAll('.bars .bartext, .annotation-text')]
  .map(t => [t.textContent, t.getBoundingClientRect().right])
  .filter(([, right]) => right > card + 0.5);
return [card, JSON.stringify([p.layout.margin, p.layout.yaxis.ticktext,
  (p.layout.annotations || []).map(a => a.text)]), past];
"""


def test_the_english_chart_is_fitted_again_when_the_screen_turns(
    dash_duo, sample_result, tmp_path
):
    """The English chart was fitted to a phone's card once per page load: a window
    made as narrow as a phone kept the desktop's chart (its labels past the card),
    and a phone turned on its side (390 → 844 px, wider than a phone's layout) kept
    the chart fitted to 374 px. The card is measured again once the width settles:
    made narrow, the chart fits its card (every label and heading inside it);
    turned, it is the desktop's chart again (its margins, names and words); turned
    back, the phone's chart again."""
    folder = save_result(sample_result, tmp_path / "result")
    driver = dash_duo.driver
    driver.set_window_size(1400, 900)
    dash_duo.start_server(create_app(folder))
    driver.get(dash_duo.server_url + "/rankings")
    dash_duo.find_element("#app-lang input[value='en']").click()
    found = []

    def shape(d):
        found[:] = d.execute_script(SHAPE_JS) or []
        return found[1] if found else None

    desktop = WebDriverWait(driver, 30, poll_frequency=0.3).until(shape)

    def screen(width: int, height: int, until, name: str):
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True},
        )
        try:  # the resize settles, then the chart comes back from the server
            WebDriverWait(driver, 10, poll_frequency=0.3).until(until)
        except TimeoutException:
            pass  # reported below
        _gap(driver, name)  # a screenshot
        return list(found)

    try:  # no page load: the same page, its window made narrow, turned, turned back
        card, phone, past = screen(390, 844, lambda d: shape(d) != desktop, "en_narrow")
        assert phone != desktop and 360 < card <= 390, card
        assert past == [], past
        card, turned, _ = screen(844, 390, lambda d: shape(d) == desktop, "en_turned")
        assert turned == desktop
        card, back, past = screen(390, 844, lambda d: shape(d) == phone, "en_back")
        assert back == phone and past == [], past
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert dash_duo.get_logs() == []


#: ``[the language's first legend entry, the chart's right edge, [text, right edge]
#: of the widest value label]``, px
TOP_LABEL_JS = """
const p = document.querySelector('#rankings-bar .js-plotly-plot');
if (!p || !p._fullLayout || !p.querySelector('.bars .bartext')) return null;
p.scrollIntoView();
const edge = p.querySelector('.main-svg').getBoundingClientRect().right;
const labels = [...p.querySelectorAll('.bars .bartext')]
  .map(t => [t.textContent, t.getBoundingClientRect().right]);
return [p.querySelector('.legend .legendtext').textContent, edge,
        labels.reduce((a, b) => (b[1] > a[1] ? b : a))];
"""


def test_a_score_of_100_keeps_its_label_inside_a_desktop_chart(
    dash_duo, sample_result, tmp_path
):
    """The sample's top unit (X03, 90.04) scored 100: its bar ends at the 0–100
    axis's end and its label, 100.00, 46 px wide in the browser's font, 3 px after
    the bar, ran 19 px past a right margin of 30 px, past the chart's edge, and
    read "100.". The margin holds it now (100.00: 6 × 0.6 × 15 + 8 = 62 px), on a
    1,400 and a 900 px window, in either language."""
    composite = sample_result.composite.copy()
    top = (composite["period"] == "2025") & (composite["unit_id"] == "X03")
    assert composite.loc[top, "composite_score"].round(2).tolist() == [90.04]
    composite.loc[top, "composite_score"] = 100.0
    result = replace(sample_result, composite=composite)
    folder = save_result(result, tmp_path / "result")
    driver = dash_duo.driver
    driver.set_window_size(1400, 900)
    dash_duo.start_server(create_app(folder))
    driver.get(dash_duo.server_url + "/rankings")
    found, firsts = {}, {"zh": "经济管理部门", "en": "Economic management departments"}
    for lang, first in firsts.items():
        if lang == "en":
            driver.set_window_size(1400, 900)
            dash_duo.find_element("#app-lang input[value='en']").click()
        for width in (1400, 900):
            driver.set_window_size(width, 900)
            last = []

            def drawn(d, first=first, last=last):  # the same twice: laid out
                shown = d.execute_script(TOP_LABEL_JS)
                settled = bool(shown) and shown[0] == first and shown == last
                last[:] = shown or []
                return settled and shown

            name = f"{lang}_{width}_100"
            found[name] = WebDriverWait(driver, 30, poll_frequency=0.3).until(drawn)
            _gap(driver, name)  # a screenshot
    for name, (_, edge, (text, right)) in found.items():
        assert text == "100.00", name
        assert right <= edge, (name, right, edge)
    assert dash_duo.get_logs() == []
