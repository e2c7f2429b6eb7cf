"""A tour of every page, as leaders open them: in Chinese and English, on a
1920×1080 monitor, a 1366×768 laptop and a 390×844 phone, over the store ``make
run`` leaves (a published period run and its year-end appraisal under 公示).

The page list comes from Dash's page registry, so a page added or moved is toured
too. On each page, once it has settled: a clean console; every grid has headers and
text in its cells, and no cell shows less than its text (a row too short for a name,
however long); every chart has data and names every level of its colour key; no
chart's title, axis title or legend runs over other text or past the chart's edge; a
line chart's plot is at least 150 px tall (but on the phone); no "-0.00"; on a
Chinese page no English word (but a few names such as PDF and CSV), on an English
page no Chinese (but the switch's 中文 and the policy texts quoted as written, marked
``zh-original``); on the phone the page itself is no wider than the screen (a grid
or a wide table may scroll inside its own box; a phone lays out a page too wide for
it wider, window.innerWidth with it, so the page is measured against 390 px). A
draft shows its banner and watermark on every page, through links and full page
loads; the run in force shows none. Screenshots go to
tests/browser/screenshots/tour_*.png.
"""

from __future__ import annotations

import re
from pathlib import Path

import dash
import pytest
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.security import generate_password_hash

from dashboards.app import create_app
from evaluation import appraisal as A
from evaluation.publish.publication import Publication

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).parent / "screenshots"
USERS = {"wang": generate_password_hash("s3cret-pass")}
SIZES = {"1920": (1920, 1080), "1366": (1366, 768), "390": (390, 844)}
#: Latin words a Chinese page may show: names, not English
ALLOWED = {"English", "PDF", "CSV", "PNG", "ID", "AHP", "Excel", "TOPSIS", "Sobol"}
LATIN = re.compile(r"[A-Za-z]{2,}")
HAN = re.compile(r"[\u3400-\u9fff\uff08\uff09\u3001\uff0c\u3002\uff1a]+")
TIMEOUT = 60  # generous: two cores shared by several test runs


@pytest.fixture
def store(sample_result, tmp_path):
    """``(path, published, draft)`` of :func:`make_run_store`."""
    return make_run_store(tmp_path / "store.duckdb", sample_result)


def make_run_store(path: Path, sample_result) -> tuple[Path, str, str]:
    """What ``make run`` leaves (the sample's 2025 run published, its year-end
    appraisal released under 公示, so the appraisal page shows grades), and a draft
    correction of the 2025 run: ``(path, published, draft)``."""
    appraisal = A.appraise(
        A.load_config(ROOT / "appraisal.yaml"),
        sample_result,
        A.load_inputs(ROOT / "data" / "sample" / "appraisal"),
    )
    with Publication(path) as s:
        published = s.add_run(sample_result, by="analyst")
        s.publish(published, by="director")
        s.add_run(sample_result, appraisal, by="analyst", release=True)
        draft = s.add_run(
            sample_result, by="analyst", supersedes=published, reason="更正"
        )
    return path, published, draft


def _pages(unit: str) -> list[tuple[str, str]]:
    """``(name, path)`` of every registered page, a unit's profile for a template."""
    out = []
    for page in dash.page_registry.values():
        path = page.get("path_template") or page["path"]
        path = re.sub(r"<[^>]+>", unit, path)
        name = page["module"].rsplit(".", 1)[-1]
        out.append((name, path))
    return out


def _resize(driver, size: str) -> None:
    width, height = SIZES[size]
    if size == "390":  # a phone: the viewport itself, as a phone lays it out
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 2, "mobile": True},
        )
    else:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.set_window_size(width, height)


def _settled(driver) -> bool:
    """No callback running, nothing loading, every grid drawn (rows or its no-rows
    overlay) and every chart drawn with its traces (the sunburst is first drawn
    empty, then again once plotly.js's full bundle has come)."""
    return driver.execute_script(
        """
        if (document.title.startsWith('Updating')) return false;
        if (!document.querySelector('#app-root')) return false;
        if (document.querySelector('._dash-loading, .dash-spinner')) return false;
        const charts = [...document.querySelectorAll('.js-plotly-plot')];
        if (!charts.every(p => p._fullLayout && (p.data || []).length)) return false;
        const grids = [...document.querySelectorAll('.ag-root-wrapper')];
        return grids.every(g => g.querySelector('.ag-row .ag-cell')
                                || g.querySelector('.ag-overlay-no-rows-center'));
        """
    )


def _wait(driver) -> None:
    driver.execute_script("window.__tourOk = false")
    WebDriverWait(driver, TIMEOUT, poll_frequency=0.3).until(_settled)
    # settled twice in a row, a moment apart: a chained callback may start late
    WebDriverWait(driver, TIMEOUT, poll_frequency=0.5).until(
        lambda d: (
            _settled(d)
            and d.execute_script("return !!window.__tourOk")
            or d.execute_script("window.__tourOk = true; return false")
        )
    )


PROBLEMS_JS = """
const lang = arguments[0], screen = arguments[1], out = [];
// Chinese originals quoted on an English page (policy texts: class zh-original)
let text = document.body.innerText;
document.querySelectorAll('.zh-original').forEach(e => {
  if (lang === 'en' && e.innerText.trim()) text = text.split(e.innerText).join(' ');
});
if (text.includes('-0.00')) out.push('shows -0.00');
document.querySelectorAll('.ag-root-wrapper').forEach((g, i) => {
  const id = (g.closest('[id]') || {}).id || ('grid ' + i);
  const heads = [...g.querySelectorAll('.ag-header-cell-text')]
    .map(h => h.textContent.trim()).filter(Boolean);
  if (!heads.length) out.push(`grid ${id}: no headers`);
  const cells = [...g.querySelectorAll('.ag-row .ag-cell')]
    .map(c => c.innerText.trim()).filter(Boolean);
  if (!cells.length) out.push(`grid ${id}: no text in its cells`);
});
// a header or cell cut short ("Com…", "g…") or a header broken inside a word:
// its text wider than its box (Chinese headers are kept whole, English ones break
// between words only)
document.querySelectorAll('.ag-header-cell-text, .ag-cell-value').forEach(e => {
  const box = e.getBoundingClientRect();
  if (!box.width || !e.textContent.trim()) return;
  if (e.scrollWidth > e.clientWidth + 1)
    out.push(`cut short: "${e.textContent.trim().slice(0, 30)}"`);
});
// a wrapped cell whose text is taller than its row ("市人力资源和社会保障局" on
// three lines of a two-line row)
document.querySelectorAll('.ag-root-wrapper').forEach(g => {
  const id = (g.parentElement.closest('[id]') || {}).id;
  g.querySelectorAll('.ag-row .ag-cell').forEach(c => {
    const v = c.querySelector('.ag-cell-value') || c;
    if (c.innerText.trim()
        && Math.max(c.scrollHeight, v.scrollHeight) > c.clientHeight + 1)
      out.push(`grid ${id}: "${c.innerText.trim().slice(0, 30)}" cut at its row`);
  });
});
const box = e => e.getBoundingClientRect();
const meet = (a, b) => a.width > 0 && b.width > 0 && a.left < b.right - 1
  && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
document.querySelectorAll('.js-plotly-plot').forEach((p, i) => {
  const id = (p.closest('[id]') || {}).id || ('chart ' + i);
  const traces = p.data || [];
  const has = traces.some(t => ['x', 'y', 'z', 'values', 'r', 'locations']
    .some(k => t[k] && t[k].length > 0));
  if (!has) out.push(`chart ${id}: no data`);
  // a line over time keeps a plot to read (on a phone the legend's extra rows
  // take more: not checked there)
  const lines = traces.some(t => (t.type || 'scatter') === 'scatter'
                                 && String(t.mode || 'lines').includes('lines'));
  const tall = p._fullLayout && p._fullLayout._size ? p._fullLayout._size.h : 0;
  if (!screen && lines && tall < 150)
    out.push(`chart ${id}: its plot only ${Math.round(tall)} px tall`);
  const svg = p.querySelector('.main-svg');
  if (!svg) return;
  // the title, axis titles and legend: clear of each other and of the tick labels,
  // and inside the chart (plotly never wraps them: too long, they run over or out)
  const q = s => [...p.querySelectorAll(s)].filter(e => e.textContent.trim());
  const say = e => `"${e.textContent.trim().slice(0, 30)}"`;
  const title = q('.g-gtitle text'), ytitle = q('.g-ytitle text'),
        xtitle = q('.g-xtitle text'), legend = q('.legend text');
  const pairs = [[ytitle, [...title, ...q('.ytick text')]],
                 [xtitle, [...title, ...q('.xtick text')]],
                 [legend, [...title, ...xtitle]]];
  for (const [these, those] of pairs)
    for (const a of these) for (const b of those)
      if (meet(box(a), box(b))) out.push(`chart ${id}: ${say(a)} over ${say(b)}`);
  // a colour key's every level named (plotly hides a name it thinks overflows)
  q('.cbaxis text').forEach(e => {
    if (!box(e).width) out.push(`chart ${id}: key's ${say(e)} not drawn`);
  });
  const frame = box(svg);
  for (const e of [...title, ...ytitle, ...xtitle]) {
    const b = box(e);
    if (b.left < frame.left - 1 || b.right > frame.right + 1
        || b.top < frame.top - 1 || b.bottom > frame.bottom + 1)
      out.push(`chart ${id}: ${say(e)} past the chart's edge`);
  }
});
if (screen) {
  const over = document.documentElement.scrollWidth - screen;
  if (over > 1) {
    const wide = [...document.querySelectorAll('body *')]
      .filter(e => e.getBoundingClientRect().right > screen + 1
                   && !e.closest('.ag-root-wrapper, .js-plotly-plot, .app-scroll'))
      .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                       + (e.className && e.className.baseVal === undefined
                          ? '.' + String(e.className).split(' ')[0] : ''));
    out.push(`page ${over}px wider than the phone (${wide.join(', ')})`);
  }
}
return [out, text];
"""


def _check(dash_duo, lang: str, size: str, name: str) -> list[str]:
    """What is wrong with the page on screen."""
    screen = SIZES[size][0] if size == "390" else 0
    problems, text = dash_duo.driver.execute_script(PROBLEMS_JS, lang, screen)
    if lang == "zh":
        english = sorted(set(LATIN.findall(text)) - ALLOWED)
        if english:
            problems.append(f"English on a Chinese page: {english[:12]}")
    else:  # the language switch names 中文 in Chinese; nothing else is Chinese
        chinese = sorted(set(HAN.findall(text)) - {"中文"})
        if chinese:
            problems.append(f"Chinese on an English page: {chinese[:12]}")
    logs = [e["message"][:200] for e in dash_duo.get_logs()]
    problems += [f"console: {m}" for m in logs]
    return [f"{size} {lang} {name}: {p}" for p in problems]


def _shoot(dash_duo, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / f"tour_{name}.png"))


def _leave(dash_duo) -> None:
    """Leave once idle, so no request is cut off as the server stops."""
    WebDriverWait(dash_duo.driver, TIMEOUT).until(
        lambda d: not d.title.startswith("Updating")
    )
    dash_duo.driver.get("about:blank")


def _language(dash_duo, lang: str) -> None:
    """Choose the language in the header (remembered for the next pages)."""
    dash_duo.find_element(f"#app-lang input[value='{lang}']").click()
    WebDriverWait(dash_duo.driver, TIMEOUT).until(
        lambda d: (
            d.find_element("css selector", "#app-root").get_attribute("lang")
            == ("zh-CN" if lang == "zh" else "en")
        )
    )
    _wait(dash_duo.driver)


@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_in_both_languages(dash_duo, store, sample_result, size):
    path, _, _ = store
    unit = sample_result.league_table("2025").iloc[0]["unit_id"]
    dash_duo.start_server(create_app(path, users=USERS, secret_key="test-key"))
    driver = dash_duo.driver
    _resize(driver, size)
    problems = []
    for lang in ("zh", "en"):
        driver.get(dash_duo.server_url + "/")
        _wait(driver)
        _language(dash_duo, lang)
        for name, page in _pages(unit):
            driver.get(dash_duo.server_url + page)  # a full page load
            _wait(driver)
            assert driver.find_element("css selector", "#app-root").get_attribute(
                "lang"
            ) == ("zh-CN" if lang == "zh" else "en")
            problems += _check(dash_duo, lang, size, name)
            assert not driver.find_elements("css selector", "#app-banner > div")
            _shoot(dash_duo, f"{size}_{lang}_{name}")
    _leave(dash_duo)
    assert problems == [], "\n".join(problems)


def test_a_draft_is_flagged_on_every_page_through_links_and_reloads(
    dash_duo, store, sample_result
):
    path, published, draft = store
    unit = sample_result.league_table("2025").iloc[0]["unit_id"]
    dash_duo.start_server(create_app(path, users=USERS, secret_key="test-key"))
    driver = dash_duo.driver
    _resize(driver, "1366")
    driver.get(dash_duo.server_url + "/login")
    driver.find_element("name", "user").send_keys("wang")
    driver.find_element("name", "password").send_keys("s3cret-pass")
    driver.find_element("css selector", "button").click()
    dash_duo.wait_for_contains_text("#app-login", "wang", timeout=TIMEOUT)
    _wait(driver)
    assert not driver.find_elements("css selector", "#app-banner > div")

    dash_duo.find_element("#app-run").click()  # choose the draft by its name
    WebDriverWait(driver, TIMEOUT).until(
        lambda d: any(
            o.text == "2025年度 第2版（草稿）"
            for o in d.find_elements("css selector", ".dash-dropdown-option")
        )
    )
    options = driver.find_elements("css selector", ".dash-dropdown-option")
    assert [o.text for o in options] == [
        "2025年度 第2版（草稿）",
        "2025年度 第1版（现行）",
    ]
    next(o for o in options if "草稿" in o.text).click()
    banner = "草稿 · 未发布，仅供内部审阅 · 2025年度 第2版"
    dash_duo.wait_for_text_to_equal("#app-banner", banner, timeout=TIMEOUT)
    assert dash_duo.find_element("#app-watermark").text == "草稿"

    for name, page in _pages(unit):  # a full page load of each page
        driver.get(dash_duo.server_url + page)
        _wait(driver)
        assert dash_duo.find_element("#app-banner").text == banner, name
        assert dash_duo.find_element("#app-watermark").text == "草稿", name
        assert "第2版" in dash_duo.find_element("#app-run").text, name
        _shoot(dash_duo, f"draft_{name}")
    for link in driver.find_elements("css selector", ".app-nav a"):  # in-app links
        href = link.get_attribute("href")
        link.click()
        WebDriverWait(driver, TIMEOUT).until(lambda d, h=href: d.current_url == h)
        _wait(driver)
        assert dash_duo.find_element("#app-banner").text == banner, href
    assert draft not in driver.find_element("css selector", "body").text
    assert published not in driver.find_element("css selector", "body").text

    driver.get(dash_duo.server_url + "/logout")  # asks first; its button logs out
    driver.find_element("css selector", "button[type=submit]").click()
    _wait(driver)
    assert not driver.find_elements("css selector", "#app-banner > div")
    assert "第1版（现行）" in dash_duo.find_element("#app-run").text
    _leave(dash_duo)


def test_risk_sorts_by_severity_on_screen(dash_duo, store):
    """Clicking 风险 puts red first, then orange, yellow, green (not r, o, y, g),
    within each list (县（市）区, then 市直部门)."""
    path, _, _ = store
    dash_duo.start_server(create_app(path, users=USERS, secret_key="test-key"))
    driver = dash_duo.driver
    _resize(driver, "1920")
    driver.get(dash_duo.server_url + "/rankings")
    _wait(driver)
    header = '.ag-header-cell[col-id="risk_level"] .ag-header-cell-label'
    dash_duo.find_element(header).click()
    order = {"红色": 0, "橙色": 1, "黄色": 2, "绿色": 3, "": 4}
    WebDriverWait(driver, TIMEOUT).until(
        lambda d: d.find_elements(
            "css selector",
            '.ag-header-cell[col-id="risk_level"][aria-sort="ascending"]',
        )
    )
    _wait(driver)

    def shown() -> list[tuple[str, int]]:
        rows = driver.find_elements(
            "css selector", ".ag-center-cols-container .ag-row[row-index]"
        )
        cells = sorted(
            (
                int(r.get_attribute("row-index")),
                r.find_element("css selector", '[col-id="level"]').text,
                order[r.find_element("css selector", '[col-id="risk_level"]').text],
            )
            for r in rows
        )
        return [(level, risk) for _, level, risk in cells]

    WebDriverWait(driver, TIMEOUT).until(lambda _: shown() and shown()[0][1] == 0)
    seen = shown()
    levels = [level for level, _ in seen]
    assert levels == sorted(levels, key=levels.index)  # each list in one block
    for level in set(levels):
        risks = [r for lv, r in seen if lv == level]
        assert risks == sorted(risks), (level, risks)
    assert len({r for _, r in seen}) > 1
    _leave(dash_duo)
