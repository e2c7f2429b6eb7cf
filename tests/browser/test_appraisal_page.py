"""The annual appraisal page in headless chromium: choose the annual run, read the
grade tables, choose a unit by clicking its row, switch language.

Screenshots go to tests/browser/screenshots/appraisal_*.png (looked at while
building: headers whole, grids filled, grade words coloured).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from dashboards.app import create_app
from evaluation.publish.publication import Publication
from tests.dashboards.test_appraisal_page import V1, build_store

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parent / "screenshots"
FIRST = '#appraisal-group-{g} .ag-row[row-index="0"] [col-id="{c}"]'
HEADER = '#appraisal-group-{g} .ag-header-cell[col-id="{c}"] .ag-header-cell-text'


@pytest.fixture(scope="module")
def store(sample_result, tmp_path_factory):
    return build_store(
        tmp_path_factory.mktemp("appraisal") / "store.duckdb", sample_result
    )


@pytest.fixture(scope="module")
def grades(store):
    with Publication(store) as s:
        return s.table(V1, "grades")


def _shoot(dash_duo, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def _click_text(dash_duo, selector: str, text: str) -> None:
    element = WebDriverWait(dash_duo.driver, 10).until(
        lambda d: next(
            (e for e in d.find_elements("css selector", selector) if e.text == text),
            None,
        )
    )
    element.click()


def _leave(dash_duo) -> None:
    """Leave once idle, before the server stops (no request cut off mid-way)."""
    WebDriverWait(dash_duo.driver, 20).until(
        lambda d: not d.title.startswith("Updating")
    )
    dash_duo.driver.get("about:blank")
    WebDriverWait(dash_duo.driver, 5).until(lambda d: d.current_url == "about:blank")


def test_appraisal_page_grades_unit_and_language(dash_duo, store, grades):
    depts = grades[grades["group"] == "departments"]
    best = depts.loc[depts["score"].idxmax()]
    dists = grades[grades["group"] == "districts"]
    best_district = dists.loc[dists["score"].idxmax()]

    dash_duo.driver.set_window_size(1920, 1080)
    dash_duo.start_server(create_app(store))
    dash_duo.wait_for_element("#nav-nav_appraisal").click()
    dash_duo.wait_for_text_to_equal("#appraisal-heading", "年度考评")
    # the run under notice shows first; choose the final one in force
    dash_duo.wait_for_contains_text("#appraisal-stage", "公示中")
    dash_duo.find_element("#appraisal-run").click()
    _click_text(dash_duo, ".dash-dropdown-option", "2025年度考评 第1版（已发布·现行）")
    dash_duo.wait_for_text_to_equal("#appraisal-stage", "已发布·现行")
    assert (
        "公示期：2026年1月20日至2026年1月26日"
        in dash_duo.find_element("#appraisal-status-text").text
    )

    # first row of 市直部门: the department with the highest stored score
    dash_duo.wait_for_text_to_equal(
        FIRST.format(g="departments", c="name"), best["name_zh"]
    )
    cell = lambda c: dash_duo.find_element(FIRST.format(g="departments", c=c)).text  # noqa: E731
    assert cell("group_rank") == "1"
    assert cell("score") == f"{best['score']:.2f}"
    assert (
        cell("final_grade")
        == {"excellent": "优秀", "good": "良好"}[best["final_grade"]]
    )
    assert cell("bonus") == (f"+{best['bonus']:.2f}" if best["bonus"] else "")
    assert cell("dim_efficiency") == f"{best['dim_efficiency']:.2f}"
    header = HEADER.format(g="departments", c="dim_law")
    assert dash_duo.find_element(header).text == "依法行政与责任追究"  # whole, wrapped
    dash_duo.wait_for_text_to_equal(
        FIRST.format(g="districts", c="name"), best_district["name_zh"]
    )
    district_names = dash_duo.find_element("#appraisal-group-departments").text
    assert best_district["name_zh"] not in district_names
    _shoot(dash_duo, "appraisal_zh_grades")

    # click a district's row: the unit panel follows
    dash_duo.find_element(FIRST.format(g="districts", c="name")).click()
    dash_duo.wait_for_contains_text("#appraisal-unit-heading", best_district["name_zh"])
    dash_duo.wait_for_element("#appraisal-parts .main-svg")
    dash_duo.wait_for_element("#appraisal-dims .main-svg")
    unit = dash_duo.find_element("#appraisal-unit-heading")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView();", unit)
    _shoot(dash_duo, "appraisal_zh_unit")
    rules = dash_duo.find_element("#appraisal-rules")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView();", rules)
    dash_duo.wait_for_contains_text("#appraisal-rules", "不适用：过错已计入指标")
    # every rule's row whole: no text drawn below its row or out of the table's box
    cut = dash_duo.driver.execute_script(
        "const t = document.getElementById('appraisal-rules');"
        "const box = t.parentElement.getBoundingClientRect();"
        "return [...t.querySelectorAll('tbody td')].filter(c => {"
        "  const r = c.getBoundingClientRect();"
        "  return c.scrollHeight > c.clientHeight + 1 || r.bottom > box.bottom + 1;"
        "}).map(c => c.textContent);"
    )
    assert len(dash_duo.find_elements("#appraisal-rules tbody tr")) == 6
    assert cut == []
    _shoot(dash_duo, "appraisal_zh_rules")

    dash_duo.driver.execute_script("window.scrollTo(0, 0);")
    dash_duo.find_element("#app-lang input[value='en']").click()
    dash_duo.wait_for_text_to_equal("#appraisal-heading", "Annual appraisal")
    dash_duo.wait_for_text_to_equal(
        FIRST.format(g="departments", c="name"), best["name_en"]
    )
    dash_duo.wait_for_text_to_equal("#appraisal-stage", "final, in force")
    _shoot(dash_duo, "appraisal_en_grades")
    assert dash_duo.get_logs() == []
    _leave(dash_duo)


def test_run_under_notice_shows_the_window(dash_duo, store):
    dash_duo.driver.set_window_size(1920, 1080)
    dash_duo.start_server(create_app(store))
    dash_duo.driver.get(dash_duo.server_url + "/appraisal")
    dash_duo.wait_for_text_to_equal("#appraisal-stage", "公示中")
    text = dash_duo.find_element("#appraisal-status-text").text
    assert "公示期：2026年3月2日至2026年3月8日（北京时间）" in text
    assert "现行有效的是 2025年度考评 第1版" in text
    status = dash_duo.find_element("#appraisal-status").text
    assert "2025年度考评 第2版" in status and "annual-" not in status
    # the appeal filed against this version, with its date in Chinese
    dash_duo.wait_for_contains_text("#appraisal-appeals-grid", "2026年3月3日")
    appeals = dash_duo.find_element("#appraisal-appeals-grid").text
    assert "扣分有误" in appeals and "待复核" in appeals
    # the grades' distribution has bars; the page has no English word or id
    WebDriverWait(dash_duo.driver, 30).until(
        lambda d: (
            d.execute_script(
                "const p = document.querySelector("
                "'#appraisal-distribution .js-plotly-plot');"
                "return p && p._fullData ? p._fullData.length : 0"
            )
            == 4
        )
    )
    page = dash_duo.find_element("#_pages_content").text
    # (the rules' sources may name the office's files: vetoes.csv)
    english = re.findall(r"[A-Za-z]{3,}", re.sub(r"\w+\.csv", "", page))
    assert not english, english[:10]
    assert "-0.00" not in page
    dash_duo.wait_for_element('#appraisal-group-departments .ag-row[row-index="0"]')
    _shoot(dash_duo, "appraisal_zh_notice")
    # a vetoed department, chosen by typing its name: the veto with its source
    dash_duo.find_element("#appraisal-unit").click()
    dash_duo.driver.switch_to.active_element.send_keys("市体育局")
    _click_text(dash_duo, ".dash-dropdown-option", "市体育局（市直部门）")
    dash_duo.wait_for_contains_text("#appraisal-unit-heading", "市体育局")
    dash_duo.wait_for_contains_text("#appraisal-applied", "一票否决，不合格")
    applied = dash_duo.find_element("#appraisal-applied").text
    assert "《株洲市人民政府推行四项机制的决定》第三部分第（四）项" in applied
    assert "考评委〔2026〕1号" in applied
    panel = dash_duo.find_element("#appraisal-unit-heading")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView();", panel)
    _shoot(dash_duo, "appraisal_zh_veto")
    assert dash_duo.get_logs() == []
    _leave(dash_duo)


#: every drawn text of the page holding Chinese: [place (the page's id around it),
#: column (header:… for a grid's header), text, inside a zh-original quote]
CHINESE_JS = r"""
const out = [], han = /[\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]/;
const root = document.querySelector('#_pages_content');
const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
for (let n = walk.nextNode(); n; n = walk.nextNode()) {
  const text = n.textContent.trim(), e = n.parentElement;
  if (!han.test(text) || !e.getClientRects().length) continue;  // drawn only
  let place = e;
  while (place && !(place.id && place.id.startsWith('appraisal-'))) {
    place = place.parentElement;
  }
  const cell = e.closest('[col-id],[data-col]');  // a grid's cell or a table's
  const col = cell ? (e.closest('.ag-header,thead') ? 'header:' : '')
                     + (cell.getAttribute('col-id') || cell.dataset.col) : '';
  out.push([place ? place.id : '', col, text, !!e.closest('.zh-original')]);
}
return out;
"""
#: where an English reader may read Chinese on this page: the policy documents'
#: words and the office's notes on them (headed "(Chinese)", as the grades
#: workbook's English Rules sheet keeps them), the records quoted as filed (an
#: award's description in a reason, the committee's approval and document number,
#: an appeal's grounds, a correction's reason) ...
QUOTED = {
    ("appraisal-rules", "source"),
    ("appraisal-rules", "quote"),
    ("appraisal-rules", "note"),
    ("appraisal-applied", "source"),
    ("appraisal-applied", "reason"),
    ("appraisal-applied", "approval"),
    ("appraisal-appeals-grid", "grounds"),
    ("appraisal-status-text", ""),
}
#: ... and a unit's proper name where units.csv gives it no English one
NO_ENGLISH = "X10"
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")


@pytest.fixture(scope="module")
def store_one_unnamed(sample_result, tmp_path_factory):
    """The module's store, but X10 (临江市) has no English name in units.csv."""
    units = sample_result.units.copy()
    units.loc[units["unit_id"] == NO_ENGLISH, "name_en"] = ""
    result = dataclasses.replace(sample_result, units=units)
    return build_store(tmp_path_factory.mktemp("unnamed") / "store.duckdb", result)


def test_the_english_page_reads_english_but_where_it_quotes(
    dash_duo, store_one_unnamed
):
    """Switched to English, every text drawn on the page (grids scrolled through,
    charts, the status, a unit under a veto, the quota and a bonus) is English but
    in the places named above, and there only as a marked quote (zh-original) or
    the unit with no English name."""
    with Publication(store_one_unnamed) as s:
        grades = s.table(V1, "grades").set_index("unit_id")
    unnamed = grades.at[NO_ENGLISH, "name_zh"]
    seen = set()

    def read() -> None:
        for place, col, text, quoted in dash_duo.driver.execute_script(CHINESE_JS):
            seen.add((place, col, text, quoted))

    def scroll_grids() -> None:
        """Every row and column of every grid drawn once (AG Grid draws those in
        view), read at each step."""
        for grid in dash_duo.driver.find_elements("css selector", ".ag-body-viewport"):
            dash_duo.driver.execute_script("arguments[0].scrollIntoView();", grid)
            for y in range(0, 2000, 300):
                dash_duo.driver.execute_script(
                    "arguments[0].scrollTop = arguments[1];", grid, y
                )
                read()

    def choose(unit: str) -> None:
        row = grades.loc[unit]
        dash_duo.driver.execute_script("window.scrollTo(0, 0);")
        dash_duo.find_element("#appraisal-unit").click()
        dash_duo.wait_for_element(".dash-dropdown-search").send_keys(row["name_en"])
        group = {"D": "Municipal departments", "X": "District and county governments"}
        _click_text(
            dash_duo,
            ".dash-dropdown-option",
            f"{row['name_en']} ({group[unit[0]]})",
        )
        dash_duo.wait_for_contains_text("#appraisal-unit-heading", row["name_en"])
        dash_duo.wait_for_element("#appraisal-applied .ag-row, p#appraisal-applied")
        read()

    # wide enough that every grid column is drawn
    dash_duo.driver.set_window_size(3200, 1400)
    dash_duo.start_server(create_app(store_one_unnamed))
    dash_duo.driver.get(dash_duo.server_url + "/appraisal")
    dash_duo.wait_for_text_to_equal("#appraisal-stage", "公示中")
    dash_duo.find_element("#app-lang input[value='en']").click()
    dash_duo.wait_for_text_to_equal("#appraisal-heading", "Annual appraisal")
    dash_duo.wait_for_text_to_equal("#appraisal-stage", "under notice")
    dash_duo.wait_for_contains_text("#appraisal-appeals-grid", "3 March 2026")
    dash_duo.wait_for_element("#appraisal-rules tbody tr:nth-child(6)")
    dash_duo.wait_for_element("#appraisal-distribution .main-svg")
    dash_duo.wait_for_element("#appraisal-dims .main-svg")
    read()
    # the appellant, a unit graded, by its English name; the grounds as filed
    appeals = dash_duo.find_element("#appraisal-appeals-grid").text
    assert "Municipal Transport Bureau" in appeals and "市交通运输局" not in appeals
    _shoot(dash_duo, "appraisal_en_notice")
    scroll_grids()
    for unit in ("D22", "D09"):  # vetoed; a national award's bonus (获评全国…)
        choose(unit)
    # X09, outside the quota: the quota's own source, in English
    choose("X09")
    applied = dash_duo.find_element("#appraisal-applied").text
    assert "This year's appraisal rules: the quota for excellent" in applied
    unit = dash_duo.find_element("#appraisal-unit-heading")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView();", unit)
    _shoot(dash_duo, "appraisal_en_quota")
    # the unit with no English name: its Chinese name, never a blank
    dash_duo.driver.execute_script("window.scrollTo(0, 0);")
    dash_duo.find_element("#appraisal-unit").click()
    _click_text(
        dash_duo,
        ".dash-dropdown-option",
        f"{unnamed} (District and county governments)",
    )
    dash_duo.wait_for_contains_text("#appraisal-unit-heading", unnamed)
    read()
    # the final run in force, as the English reader chooses it
    dash_duo.driver.execute_script("window.scrollTo(0, 0);")
    dash_duo.find_element("#appraisal-run").click()
    _click_text(
        dash_duo, ".dash-dropdown-option", "2025 appraisal, version 1 (final, in force)"
    )
    dash_duo.wait_for_text_to_equal("#appraisal-stage", "final, in force")
    dash_duo.wait_for_contains_text(
        "#appraisal-status-text", "Public notice: 20 January 2026 to 26 January 2026"
    )
    read()
    scroll_grids()
    _shoot(dash_duo, "appraisal_en_final")

    def named(text: str) -> bool:  # its only Chinese the unit's name
        return not HAN.search(text.replace(unnamed, ""))

    places = {(p, c) for p, c, _, _ in seen}
    unnamed_places = {(p, c) for p, c, t, _ in seen if named(t)}
    stray = sorted(
        (p, c, t)
        for p, c, t, quoted in seen
        if not named(t) and not ((p, c) in QUOTED and quoted)
    )
    assert stray == []
    # each kind of quote was on the page, so the check above read them
    assert QUOTED <= places, QUOTED - places
    assert unnamed_places == {
        ("appraisal-group-districts", "name"),
        ("appraisal-unit-value", ""),  # the unit chosen
        ("appraisal-unit-heading", ""),
    }
    assert dash_duo.get_logs() == []
    _leave(dash_duo)
