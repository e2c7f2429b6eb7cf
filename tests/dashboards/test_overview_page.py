"""The overview page (/) over HTTP, as the browser calls it, over a store holding the
sample's period runs of 2024 and 2025 (published in that order), the 2025 annual
appraisal (in force) and a draft correction of the 2025 run. Expected values are
read from the stored tables by hand (pandas counts), never from the page's helpers.
"""

from __future__ import annotations

import importlib
import json
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from werkzeug.security import generate_password_hash

import evaluation as ev
from dashboards import app as dashboard
from dashboards import components
from evaluation import appraisal as A
from evaluation.publish.publication import Publication
from evaluation.publish.store import save_result
from tests.dashboards.test_profile_page import PAGE as PROFILE
from tests.dashboards.test_profile_page import _post as profile_post

ROOT = Path(__file__).resolve().parents[2]
USERS = {"wang": generate_password_hash("s3cret-pass")}
BODY = "overview-body.children"


def score_2024(catalogue):
    """The sample scored for 2024: the publication before the 2025 run."""
    data = ev.load_dataset(ROOT / "data" / "sample")
    return ev.run(catalogue, data, period="2024", run_at="2025-01-15T09:00:00+00:00")


def build_store(path: Path, result_2025, result_2024):
    """The store of the module docstring: ``(path, first, second, draft, grades)``
    (the 2024 and 2025 period runs, a draft correction of 2025, the in-force 2025
    grades)."""
    ap = A.appraise(
        A.load_config(ROOT / "appraisal.yaml"),
        result_2025,
        A.load_inputs(ROOT / "data" / "sample" / "appraisal"),
    )
    with Publication(path) as s:
        first = s.add_run(result_2024, by="分析员", release=True)
        second = s.add_run(result_2025, by="分析员", release=True)
        annual = s.add_run(
            result_2025, ap, by="分析员", release=True, today=date(2026, 1, 20)
        )
        s.finalise(annual, by="主任", today=date(2026, 2, 1))
        draft = s.add_run(result_2025, by="分析员", supersedes=second, reason="更正")
        grades = s.table(annual, "grades")
    return path, first, second, draft, grades


@pytest.fixture(scope="module")
def result_2024(catalogue):
    return score_2024(catalogue)


@pytest.fixture(scope="module")
def store(sample_result, result_2024, tmp_path_factory):
    path = tmp_path_factory.mktemp("overview") / "store.duckdb"
    return build_store(path, sample_result, result_2024)


@pytest.fixture(scope="module")
def served(store):
    app = dashboard.create_app(store[0], users=USERS, secret_key="test-key")
    assert app.server.test_client().get("/").status_code == 200
    return app


def call(client, run: str | None, period: str | None, lang="zh", split="by_level"):
    """POST the overview callback as the browser does; (status, body tree)."""
    body = {
        "output": BODY,
        "outputs": {"id": "overview-body", "property": "children"},
        "inputs": [
            {"id": "overview-period", "property": "value", "value": period},
            {"id": "overview-split", "property": "value", "value": split},
            {"id": "app-lang", "property": "value", "value": lang},
            {"id": "app-run", "property": "value", "value": run},
        ],
        "changedPropIds": ["overview-period.value"],
        "state": [],
    }
    response = client.post("/_dash-update-component", json=body)
    if response.status_code != 200:
        return response.status_code, None
    sent = json.loads(response.get_data(as_text=True))["response"]
    return 200, sent["overview-body"]["children"]


def find(tree, component_id):
    """The component with ``component_id`` in a JSON component tree, or None."""
    if isinstance(tree, list):
        for item in tree:
            hit = find(item, component_id)
            if hit is not None:
                return hit
        return None
    if not isinstance(tree, dict):
        return None
    props = tree.get("props", {})
    if props.get("id") == component_id:
        return tree
    for value in props.values():
        hit = find(value, component_id)
        if hit is not None:
            return hit
    return None


def text(tree) -> str:
    """Every string a reader sees in a JSON component tree (children only)."""
    if tree is None:
        return ""
    if isinstance(tree, str | int | float):
        return str(tree)
    if isinstance(tree, list):
        return " ".join(text(t) for t in tree)
    if isinstance(tree, dict):
        return text(tree.get("props", {}).get("children"))
    return ""


def hand_counts(risk: pd.DataFrame, units: pd.DataFrame, period: str) -> dict:
    """Units by level in ``period`` counted with pandas (green: no warning row)."""
    level = risk[risk["period"] == period].set_index("unit_id")["level"]
    every = units["unit_id"].map(level).fillna("green")
    counts = every.value_counts()
    return {k: int(counts.get(k, 0)) for k in ("red", "orange", "yellow", "green")}


def badge_counts(tree, row: str) -> dict:
    badges = find(tree, f"overview-badges-{row}")["props"]["children"][1:]
    return {
        b["props"]["children"][0]["props"]["data-level"]: int(
            b["props"]["children"][0]["props"]["children"]
        )
        for b in badges
    }


# ------------------------------------------------------------------ routes
def test_overview_is_the_home_page_and_rankings_moved(served):
    assert components.nav_pages()[:2] == [("/", "nav_overview"),
                                          ("/rankings", "nav_rankings")]  # fmt: skip
    client = served.server.test_client()
    assert client.get("/rankings").status_code == 200
    with served.server.test_request_context("/"):
        labels = dashboard.update_header("zh", None)[1:3]
    assert labels == ("总览", "排名")


# ------------------------------------------------------------------ badges
def test_badges_count_units_by_warning_level_all_and_by_unit_level(
    served, store, sample_result
):
    _, _, second, _, _ = store
    status, tree = call(served.server.test_client(), second, "2025")
    assert status == 200
    units = sample_result.units
    expected = hand_counts(sample_result.risk, units, "2025")
    assert badge_counts(tree, "all") == expected
    assert sum(expected.values()) == 50
    for level in ("department", "district"):
        mine = units[units["level"] == level]
        assert badge_counts(tree, level) == hand_counts(
            sample_result.risk, mine, "2025"
        )
    # the planted poor departments are red (generate.py: D07, D22)
    assert expected["red"] >= 2


def test_the_red_list_names_each_red_unit_with_its_ledger_in_chinese_dates(
    served, store, sample_result
):
    _, _, second, _, _ = store
    _, tree = call(served.server.test_client(), second, "2025")
    risk = sample_result.risk.query("period == '2025' and level == 'red'")
    units = sample_result.units.set_index("unit_id")
    rows = {}
    for level in ("department", "district"):
        grid = find(tree, f"overview-red-{level}")
        mine = set(risk["unit_id"]) & set(units.index[units["level"] == level])
        got = grid["props"]["rowData"] if mine else []
        assert {r["unit_id"] for r in got} == mine
        rows.update({r["unit_id"]: r for r in got})
        headers = [c["headerName"] for c in grid["props"]["columnDefs"]]
        assert headers[:2] == ["单位", "类别"]  # no type column: one type a list
    led = sample_result.ledger.query("status == 'open'")
    for unit, row in rows.items():
        mine = led[led["unit_id"] == unit]
        assert units.at[unit, "name_zh"] in row["link"]
        assert row["open"] == len(mine)
        assert row["overdue"] == int(mine["reminder"].sum())
        due = pd.Timestamp(mine["due"].min())
        assert row["due"] == f"{due.year}年{due.month}月{due.day}日"
    # most overdue first within a list
    dept = find(tree, "overview-red-department")["props"]["rowData"]
    assert [r["overdue"] for r in dept] == sorted(
        (r["overdue"] for r in dept), reverse=True
    )


def test_a_red_unit_without_open_items_has_no_deadline_rather_than_nan(
    served, store, sample_result
):
    """In 2024 the sample's 河西区 is at red with every item of its ledger closed:
    the deadline is left blank, not written nan年nan月nan日 (pandas 3 keeps a
    missing date among strings as NaN, not None), in either language."""
    _, _, second, _, _ = store
    risk = sample_result.risk.query("period == '2024' and level == 'red'")
    led = sample_result.ledger.query("status == 'open'")
    closed = set(risk["unit_id"]) - set(led["unit_id"])
    names = sample_result.units.set_index("unit_id")["name_zh"]
    assert "河西区" in set(names[list(closed)])
    for lang in ("zh", "en"):
        _, tree = call(served.server.test_client(), second, "2024", lang=lang)
        rows = find(tree, "overview-red-district")["props"]["rowData"]
        mine = [r for r in rows if r["unit_id"] in closed]
        assert mine and all(r["open"] == 0 for r in mine)
        assert [(r["due"], r["next_due"]) for r in mine] == [("", None)] * len(mine)


def test_together_is_one_list_with_the_type_of_unit(served, store, sample_result):
    _, _, second, _, _ = store
    _, tree = call(served.server.test_client(), second, "2025", split="together")
    grid = find(tree, "overview-red-all")
    red = sample_result.risk.query("period == '2025' and level == 'red'")
    assert {r["unit_id"] for r in grid["props"]["rowData"]} == set(red["unit_id"])
    headers = [c["headerName"] for c in grid["props"]["columnDefs"]]
    assert headers[:2] == ["单位", "单位类型"]
    assert find(tree, "overview-badges-department") is None
    assert find(tree, "overview-risers-all") is not None


# ---------------------------------------------------------------- averages
def test_city_and_group_averages_and_the_trend(served, store, sample_result):
    _, _, second, _, _ = store
    _, tree = call(served.server.test_client(), second, "2025")
    c = sample_result.composite.merge(sample_result.units, on="unit_id")
    c = c[c["status"] == "ranked"]
    now = c[c["period"] == "2025"]
    table = find(tree, "overview-averages")
    cells = {
        r["props"]["children"][0]["props"]["children"]: [
            td["props"]["children"] for td in r["props"]["children"][1:]
        ]
        for r in table["props"]["children"][1]["props"]["children"]
    }
    city = now["composite_score"].mean()
    assert cells["全市"][:2] == [str(len(now)), f"{city:.2f}"]
    depts = now[now["level"] == "department"]["composite_score"]
    assert cells["市直部门"][1] == f"{depts.mean():.2f}"
    # differences as the committee report and the letters print them: the sign
    # always written, the minus as − (U+2212), not the hyphen
    minus = str.maketrans("-", "−")
    gap = depts.mean() - city
    assert cells["市直部门"][2] == f"{gap:+.2f}".translate(minus)
    before = c[(c["period"] == "2024") & (c["level"] == "department")]
    change = depts.mean() - before["composite_score"].mean()
    assert cells["市直部门"][3] == f"{change:+.2f}".translate(minus)
    differences = [v for row in cells.values() for v in row[2:] if v]
    assert any(v.startswith("−") for v in differences), differences
    assert not any("-" in v for v in differences), differences
    # each level then its own categories, indented; the districts' one category
    # holds exactly the districts, so it is not repeated under them
    units = sample_result.units
    districts = units[units["level"] == "district"]
    assert set(districts["unit_id"]) == set(
        units.loc[units["peer_group"] == districts["peer_group"].iloc[0], "unit_id"]
    )
    assert list(cells) == [
        "全市", "市直部门", "经济管理部门", "社会事业部门", "执法监管部门",
        "综合管理部门", "县（市）区",
    ]  # fmt: skip
    indented = [
        r["props"]["children"][0]["props"]["style"].get("paddingLeft")
        for r in table["props"]["children"][1]["props"]["children"]
    ]
    assert indented == [None, None, "28px", "28px", "28px", "28px", None]
    assert not any(v.startswith("-0.00") for row in cells.values() for v in row)

    figure = find(tree, "overview-trend")["props"]["figure"]
    lines = [x["name"] for x in figure["data"]]
    assert "县（市）区" in lines and "县（市）区政府" not in lines  # one line, not two
    city_line = figure["data"][0]
    assert city_line["name"] == "全市"
    assert city_line["x"] == ["2024年度", "2025年度"]
    assert city_line["y"][1] == pytest.approx(city)
    layout = figure["layout"]
    assert layout["yaxis"]["title"]["text"] == "平均综合得分（分）"
    assert layout["xaxis"]["title"]["text"] == "评估期"


# ------------------------------------------------------------------ movers
def test_biggest_risers_and_fallers_by_name(served, store, sample_result):
    _, _, second, _, _ = store
    _, tree = call(served.server.test_client(), second, "2025")
    r = sample_result.ranks.query("period == '2025'").merge(
        sample_result.units, on=["unit_id", "peer_group"]
    )
    depts = r[r["level"] == "department"].dropna(subset=["peer_rank_change"])
    best = int(depts["peer_rank_change"].max())
    worst = int(depts["peer_rank_change"].min())
    risers = text(find(tree, "overview-risers-department"))
    fallers = text(find(tree, "overview-fallers-department"))
    assert f"▲ {best}" in risers and f"▼ {-worst}" in fallers
    top = depts[depts["peer_rank_change"] == best]["name_zh"]
    assert any(name in risers for name in top)
    assert len(find(tree, "overview-risers-department")["props"]["children"]) <= 5
    assert "D0" not in risers + fallers  # names, not ids


def test_the_first_period_of_a_run_has_no_movers(served, store):
    _, _, second, _, _ = store
    _, tree = call(served.server.test_client(), second, "2024")
    assert "本期无名次变化。" in text(tree)


# ------------------------------------------------------------------ grades
def test_the_annual_grades_distribution_when_the_appraisal_is_published(served, store):
    _, _, second, _, grades = store
    _, tree = call(served.server.test_client(), second, "2025")
    assert text(find(tree, "overview-grades-heading")) == "2025年度考评等次分布"
    figure = find(tree, "overview-grades")["props"]["figure"]
    counts = grades["final_grade"].value_counts()
    by_grade = {bar["name"]: bar["x"][0] for bar in figure["data"]}  # row 0: all
    assert by_grade == {
        "优秀": int(counts.get("excellent", 0)),
        "良好": int(counts.get("good", 0)),
        "合格": int(counts.get("pass", 0)),
        "不合格": int(counts.get("fail", 0)),
    }
    assert figure["data"][0]["y"] == ["全部单位", "市直部门", "县（市）区"]
    # no appraisal of 2024: said so
    _, tree = call(served.server.test_client(), second, "2024")
    assert text(find(tree, "overview-grades-none")) == "2024年度考评结果尚未发布。"


# ----------------------------------------------------------------- changes
def test_what_changed_since_the_last_publication(
    served, store, sample_result, result_2024
):
    _, _, second, _, _ = store
    _, tree = call(served.server.test_client(), second, "2025")
    intro = text(find(tree, "overview-changes-intro"))
    assert intro == "本次结果（2025年度）与上次发布的结果（2024年度）相比："
    severity = {"green": 0, "yellow": 1, "orange": 2, "red": 3}

    def levels(r, period):
        x = r.risk[r.risk["period"] == period].set_index("unit_id")["level"]
        return r.units["unit_id"].map(x).fillna("green").map(severity)

    now, was = levels(sample_result, "2025"), levels(result_2024, "2024")
    new = sample_result.units["name_zh"][(now >= 2) & (now > was)]
    shown = text(find(tree, "overview-new-warnings"))
    assert all(name in shown for name in list(new)[:10])
    assert text(find(tree, "overview-method")) == "指标体系和计算方法未变。"
    assert find(tree, "overview-moved") is not None


def test_the_first_publication_says_there_is_nothing_to_compare(served, store):
    _, first, _, _, _ = store
    _, tree = call(served.server.test_client(), first, "2024", lang="en")
    assert text(find(tree, "overview-changes-first")) == (
        "There is no earlier publication of this kind to compare with."
    )


# ------------------------------------------------------------------ drafts
def test_a_draft_overview_needs_a_login(served, store):
    _, _, _, draft, _ = store
    client = served.server.test_client()
    status, _ = call(client, draft, "2025")
    assert status == 204  # no data in the response
    client.post("/login", data={"user": "wang", "password": "s3cret-pass"})
    status, tree = call(client, draft, "2025")
    assert status == 200 and find(tree, "overview-badges-all") is not None


def test_english_page_speaks_english(served, store):
    _, _, second, _, _ = store
    _, tree = call(served.server.test_client(), second, "2025", lang="en")
    words = text(tree)
    assert "Units at red and their rectifications" in words
    assert "Municipal departments" in words
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in words)


# a result folder (last: a new app points the process at another source)
def test_a_result_folder_has_no_previous_publication(sample_result, tmp_path):
    folder = save_result(sample_result, tmp_path / "result")
    app = dashboard.create_app(folder)
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    status, tree = call(client, None, None)
    assert status == 200
    assert text(find(tree, "overview-changes-first")).startswith("此前没有")
    assert text(find(tree, "overview-grades-none")) == "2025年度考评结果尚未发布。"
    page = importlib.import_module("dashboards.pages.overview")
    options, value = page.update_periods(None, "zh", None)
    assert options == [
        {"label": "2024年度", "value": "2024"},
        {"label": "2025年度", "value": "2025"},
    ]
    assert value == "2025"


# under 公示 (last: a new app points the process at another source)
def test_grades_under_notice_are_shown_on_the_overview_and_profile_as_such(
    sample_result, tmp_path
):
    """During its 公示 an appraisal's grades are public (units appeal against them):
    the overview and a unit's profile show them, each saying they are under notice
    until the notice's last day and final only after it."""
    ap = A.appraise(
        A.load_config(ROOT / "appraisal.yaml"),
        sample_result,
        A.load_inputs(ROOT / "data" / "sample" / "appraisal"),
    )
    with Publication(tmp_path / "notice.duckdb") as s:
        period = s.add_run(sample_result, by="分析员", release=True)
        annual = s.add_run(
            sample_result, ap, by="分析员", release=True, today=date(2026, 1, 20)
        )
        grades = s.table(annual, "grades")
        until = date.fromisoformat(s.run(annual)["notice_until"])
    client = dashboard.create_app(tmp_path / "notice.duckdb").server.test_client()
    assert client.get("/").status_code == 200
    _, tree = call(client, period, "2025")
    figure = find(tree, "overview-grades")["props"]["figure"]
    counts = grades["final_grade"].value_counts()
    by_grade = {bar["name"]: bar["x"][0] for bar in figure["data"]}
    assert by_grade["良好"] == int(counts["good"])
    said = f"公示中（公示期至{until.year}年{until.month}月{until.day}日）"
    assert text(find(tree, "overview-grades-notice")).startswith(said)
    _, tree = call(client, period, "2025", lang="en")
    assert text(find(tree, "overview-grades-notice")).startswith(
        f"Under public notice until {until.day} {until:%B} {until.year}"
    )
    # the profile's grade card: the grade, and the same words
    unit = grades.iloc[0]
    raw = profile_post(
        client, PROFILE,
        {"profile-unit.data": unit["unit_id"], "profile-period.value": "2025",
         "app-lang.value": "zh", "app-run.value": period},
        {"profile-indicator.value": None},
    )  # fmt: skip
    card = text(json.loads(raw)["response"]["profile-summary"]["children"])
    zh = {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"}
    assert zh[unit["final_grade"]] in card and said in card
    # once final, the same grades without the notice
    with Publication(tmp_path / "notice.duckdb") as s:
        s.finalise(annual, by="主任", today=until + timedelta(days=1))
    client = dashboard.create_app(tmp_path / "notice.duckdb").server.test_client()
    assert client.get("/").status_code == 200
    _, tree = call(client, period, "2025")
    assert find(tree, "overview-grades") is not None
    assert find(tree, "overview-grades-notice") is None
