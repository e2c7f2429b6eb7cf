"""A department's profile in headless chromium, as a leader reads it, in zh and en.

A store with the sample's 2025 run published and its 2025 appraisal final. D01 (市发展
和改革委员会, economic management, ten departments in its group) is opened by URL.
Expected figures are read from the stored tables (ranks, composite, risk, grades,
rules applied), never from the page or the view; words are written here by hand.
Screenshots go to tests/browser/screenshots/ (looked at while building).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from dashboards.app import create_app
from evaluation import appraisal as A
from evaluation.publish.publication import Publication

from ..conftest import half_up

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).parent / "screenshots"
LEVEL_ZH = {"red": "红色", "orange": "橙色", "yellow": "黄色", "green": "绿色"}
GRADE_ZH = {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"}
CHARTS = (
    "profile-trend",
    "profile-rank-trend",
    "profile-dim-trend",
    "profile-peers",
    "profile-indicator-trend",
    "profile-dims",
    "profile-waterfall",
)
#: every chart drawn, each trace with at least one number
CHART_DATA = """
return arguments[0].map(function (id) {
  var el = document.getElementById(id);
  var plot = el && el.querySelector('.js-plotly-plot');
  if (!plot || !plot.data || !plot.data.length) { return id + ': no data'; }
  var empty = plot.data.filter(function (t) {
    var v = (t.y || []).concat(t.x || []);
    return !v.some(function (x) { return typeof x === 'number'; });
  });
  return empty.length ? id + ': empty trace ' + empty[0].name : '';
}).filter(function (x) { return x; });
"""


@pytest.fixture(scope="module")
def store(sample_result, tmp_path_factory):
    """The period run of 2025 published, the 2025 appraisal final (in force)."""
    ap = A.appraise(
        A.load_config(ROOT / "appraisal.yaml"),
        sample_result,
        A.load_inputs(ROOT / "data" / "sample" / "appraisal"),
    )
    path = tmp_path_factory.mktemp("profile") / "store.duckdb"
    with Publication(path) as s:
        s.add_run(sample_result, by="分析员", release=True)
        annual = s.add_run(
            sample_result, ap, by="分析员", release=True, today=date(2026, 1, 20)
        )
        s.finalise(annual, by="主任", today=date(2026, 2, 1))
    return path, ap


def _two(x: float) -> str:
    return str(half_up(x))


def _shoot(dash_duo, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def _charts_drawn(dash_duo) -> list[str]:
    WebDriverWait(dash_duo.driver, 30).until(
        lambda d: all(
            d.execute_script(
                "var e = document.getElementById(arguments[0]);"
                "return !!(e && e.querySelector('.js-plotly-plot .main-svg'));",
                c,
            )
            for c in CHARTS
        )
    )
    return dash_duo.driver.execute_script(CHART_DATA, list(CHARTS))


def _leave(dash_duo) -> None:
    WebDriverWait(dash_duo.driver, 30).until(
        lambda d: not d.title.startswith("Updating")
    )
    dash_duo.driver.get("about:blank")


def test_the_profile_of_a_department_in_chinese_then_english(
    dash_duo, store, sample_result
):
    path, ap = store
    ranks = sample_result.ranks.query("period == '2025' and unit_id == 'D01'").iloc[0]
    score = sample_result.composite.query("period == '2025' and unit_id == 'D01'")
    level = sample_result.risk.query("period == '2025' and unit_id == 'D01'")
    level = level["level"].iloc[0] if len(level) else "green"
    grade = ap.grades.set_index("unit_id").loc["D01"]
    reasons = ap.rules_applied.query("unit_id == 'D01'")["reason_zh"].tolist()
    warnings = sample_result.warnings.query("period == '2025' and unit_id == 'D01'")
    assert len(reasons) and len(warnings)  # the sample gives D01 both

    dash_duo.driver.set_window_size(1920, 1080)
    dash_duo.start_server(create_app(path))
    dash_duo.driver.get(dash_duo.server_url + "/unit/D01")
    dash_duo.wait_for_contains_text("#profile-heading", "市发展和改革委员会", 30)
    assert "经济管理部门" in dash_duo.find_element("#profile-heading").text
    group_rank = f"第{int(ranks['peer_rank'])}名（共10个）"
    dash_duo.wait_for_contains_text("#profile-group-rank", group_rank, timeout=30)
    assert (
        f"第{int(ranks['rank'])}名（共50个）"
        in dash_duo.find_element("#profile-overall-rank").text
    )
    shown_score = dash_duo.find_element("#profile-score").text
    assert _two(score["composite_score"].iloc[0]) in shown_score
    change = int(ranks["peer_rank_change"])
    expected = (
        f"上升{change}名" if change > 0 else f"下降{-change}名" if change else "持平"
    )
    assert expected in dash_duo.find_element("#profile-change").text
    assert dash_duo.find_element("#profile-risk-badge").text == LEVEL_ZH[level]
    assert (
        dash_duo.find_element("#profile-grade-badge").text
        == (GRADE_ZH[grade["final_grade"]])
    )
    grade_text = dash_duo.find_element("#profile-grade-reasons").text
    assert f"最终得分{_two(grade['score'])}分" in grade_text
    # the appraisal group named (市直部门: the sample's 40 departments), not "组内"
    # beside the peer group's card
    assert f"在市直部门中第{int(grade['group_rank'])}名（共40个）" in grade_text
    assert all(r in grade_text for r in reasons)
    # the warnings, most severe first, each with its plain-Chinese reason
    shown = dash_duo.find_element("#profile-warnings").text
    assert all(r in shown for r in warnings["reason_zh"])
    order = [LEVEL_ZH[x] for x in ("red", "orange", "yellow")]
    heads = [h for h in order if f"{h}预警" in shown]
    assert [shown.index(f"{h}预警") for h in heads] == sorted(
        shown.index(f"{h}预警") for h in heads
    )
    assert _charts_drawn(dash_duo) == []
    dash_duo.wait_for_contains_text(
        "#profile-indicator-trend", "报送期", timeout=30
    )  # a titled axis of the indicator's reports
    page = dash_duo.find_element("#profile-page").text
    assert "-0.00" not in page
    english = re.findall(r"[A-Za-z]{2,}", page)
    assert english == []
    dash_duo.driver.set_window_size(1920, 4200)  # the whole page in one picture
    _shoot(dash_duo, "profile_page_zh")
    dash_duo.driver.set_window_size(1920, 1080)

    dash_duo.find_element("#app-lang input[value='en']").click()
    dash_duo.wait_for_contains_text(
        "#profile-heading", "Development and Reform", timeout=30
    )
    dash_duo.wait_for_contains_text(
        "#profile-group-rank", f"{int(ranks['peer_rank'])} of 10", timeout=30
    )
    assert dash_duo.find_element("#profile-risk-badge").text == level
    assert dash_duo.find_element("#profile-grade-badge").text == grade["final_grade"]
    shown = dash_duo.find_element("#profile-warnings").text
    assert all(r in shown for r in warnings["reason_en"])
    assert _charts_drawn(dash_duo) == []
    dash_duo.wait_for_contains_text(
        "#profile-indicator-trend", "Reporting period", timeout=30
    )
    dash_duo.driver.set_window_size(1920, 4200)
    _shoot(dash_duo, "profile_page_en")
    assert dash_duo.get_logs() == []
    _leave(dash_duo)


def test_an_unknown_unit_says_so_in_both_languages_with_a_way_back(dash_duo, store):
    path, _ = store
    dash_duo.driver.set_window_size(1366, 768)
    dash_duo.start_server(create_app(path))
    dash_duo.driver.get(dash_duo.server_url + "/unit/NOPE")
    dash_duo.wait_for_contains_text("#profile-missing", "未找到该单位", timeout=30)
    text = dash_duo.find_element("#profile-missing").text
    assert "“NOPE”" in text and "Unit not found" in text
    back = dash_duo.find_element("#profile-back")
    assert back.text == "← 返回排名" and back.get_attribute("href")
    assert not dash_duo.find_element("#profile-page").is_displayed()
    _shoot(dash_duo, "profile_unknown_zh")
    back.click()
    dash_duo.wait_for_element('.ag-row[row-index="0"]', timeout=30)  # the league
    assert dash_duo.get_logs() == []
    _leave(dash_duo)


#: the grade card's reasons: texts drawn past the card's right edge, and numbers
#: broken across two lines
PAST_THE_CARD = """
var card = document.getElementById('profile-grade').getBoundingClientRect();
var walk = document.createTreeWalker(
  document.getElementById('profile-grade-reasons'), NodeFilter.SHOW_TEXT);
var out = [];
for (var node = walk.nextNode(); node; node = walk.nextNode()) {
  var range = document.createRange();
  range.selectNodeContents(node);
  Array.from(range.getClientRects()).forEach(function (r) {
    if (r.right > card.right) { out.push('past the card: ' + node.textContent); }
  });
  var number = /\\d+(\\.\\d+)?/g, m;
  while ((m = number.exec(node.textContent))) {
    var part = document.createRange();
    part.setStart(node, m.index);
    part.setEnd(node, m.index + m[0].length);
    var tops = Array.from(part.getClientRects()).map(function (r) { return r.top; });
    if (Math.max.apply(null, tops) - Math.min.apply(null, tops) > 3) {
      out.push('broken: ' + m[0]);
    }
  }
}
return out;
"""


def test_the_grade_cards_reasons_stay_inside_it_at_1440_px(dash_duo, store):
    """At 1440 px the six cards share one row, the grade card about 200 px wide:
    the score's line (2025年度考评最终得分56.97分，… for D07) has no punctuation
    for its first 21 characters and ran past the card's edge; it breaks inside,
    never inside a number."""
    path, _ = store
    dash_duo.driver.set_window_size(1440, 900)
    dash_duo.start_server(create_app(path))
    dash_duo.driver.get(dash_duo.server_url + "/unit/D07")
    dash_duo.wait_for_contains_text("#profile-grade-reasons", "最终得分", timeout=30)
    assert dash_duo.driver.execute_script(PAST_THE_CARD) == []
    _shoot(dash_duo, "profile_grade_card_1440")
    assert dash_duo.get_logs() == []
    _leave(dash_duo)
