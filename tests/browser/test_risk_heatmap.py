"""The risk page's heatmap in headless chromium: each cell says its warning level
in a character, legible on its colour, on a 1440 px monitor and a 390 px phone, in
Chinese and English. Screenshots go to tests/browser/screenshots/risk_heatmap_*.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from dashboards.app import create_app
from evaluation.publish.store import save_result

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parent / "screenshots"
#: the cells' colours (vocabulary.yaml, colours: risk_level) by level
COLOURS = {"green": "#009E73", "yellow": "#F0E442", "orange": "#E69F00",
           "red": "#D55E00"}  # fmt: skip
#: each level's character in each language, and the level of each number of z
CHARS = {"zh": dict(zip("绿黄橙红", COLOURS, strict=True)),
         "en": dict(zip("GYOR", COLOURS, strict=True))}  # fmt: skip

#: ``[cells, [[text, font px, fill, text's width, text's height], …], cell width,
#: cell height]`` once the heatmap is drawn with its texts
CELLS_JS = """
const p = document.querySelector('#risk-heatmap .js-plotly-plot');
if (!p || !p._fullLayout || !p.data || !p.data.length) return null;
const texts = [...p.querySelectorAll('.heatmaplayer .heatmap-label text')];
const xa = p._fullLayout.xaxis, ya = p._fullLayout.yaxis;
const cols = p.data[0].x.length, rows = p.data[0].y.length;
return [cols * rows,
        texts.map(t => { const b = t.getBBox(), s = getComputedStyle(t);
                         return [t.textContent, parseFloat(s.fontSize), s.fill,
                                 b.width, b.height]; }),
        xa._length / cols - 2, ya._length / rows - 2];
"""


def _rgb(colour: str) -> tuple[float, ...]:
    """``#RRGGBB`` or ``rgb(r, g, b)`` as three numbers 0–255."""
    if colour.startswith("#"):
        return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return tuple(float(v) for v in colour[colour.index("(") + 1 : -1].split(","))


def _contrast(a: str, b: str) -> float:
    """WCAG's contrast ratio of two colours."""

    def lum(c):
        v = [x / 255 for x in _rgb(c)]
        v = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in v]
        return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _cells(driver) -> list:
    found = []

    def drawn(d) -> bool:
        found[:] = d.execute_script(CELLS_JS) or []
        return bool(found) and len(found[1]) == found[0]

    try:
        WebDriverWait(driver, 30, poll_frequency=0.3).until(drawn)
    except Exception:  # noqa: BLE001 (reported by the caller's assertions)
        pass
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_heatmap_cell_says_its_level_on_a_monitor_and_a_phone(
    dash_duo, sample_result, tmp_path, lang
):
    """The cells were coloured only: a colour-blind reader or a grey print could
    not tell 橙 from 红. Each now shows its level's character, every cell of the
    chart, at least 11 px and inside its cell (at 390 px an English cell is about
    16 px wide), in a colour that stands out from the cell's at WCAG's 3:1 for
    bold text at least (white on red and green, dark on yellow and orange)."""
    folder = save_result(sample_result, tmp_path / "result")
    driver = dash_duo.driver
    driver.set_window_size(1440, 900)
    dash_duo.start_server(create_app(folder))
    driver.get(dash_duo.server_url + "/risk")
    if lang == "en":
        dash_duo.find_element("#app-lang input[value='en']").click()
        dash_duo.wait_for_text_to_equal("#risk-heading", "Risk board")
    problems = []
    for size in ("1440", "390"):
        if size == "390":
            driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
            )
            driver.get(dash_duo.server_url + "/risk")  # the language remembered
        try:
            n, texts, width, height = _cells(driver)
            heat = dash_duo.find_element("#risk-heatmap")
            driver.execute_script("arguments[0].scrollIntoView();", heat)
            SCREENSHOTS.mkdir(exist_ok=True)
            driver.save_screenshot(str(SCREENSHOTS / f"risk_heatmap_{lang}_{size}.png"))
        finally:
            driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        if len(texts) != n:
            problems.append(f"{size}: {len(texts)} texts for {n} cells")
        for text, px, fill, w, h in texts:
            level = CHARS[lang].get(text)
            if level is None:
                problems.append(f"{size}: {text!r} is no level's character")
                continue
            if px < 11 or w > width or h > height + 4:
                problems.append(f"{size}: {text} {px} px, {w}×{h} in {width}×{height}")
            if _contrast(fill, COLOURS[level]) < 3:
                problems.append(f"{size}: {text} in {fill} on {COLOURS[level]}")
    assert sorted(set(problems)) == []
    assert dash_duo.get_logs() == []
