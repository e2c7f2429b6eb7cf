"""The shell around every page: the navigation, read from Dash's page registry
(``register_page(order=, nav=)``), not from a list kept beside it; runs by readable
name; the chosen run and language kept in the visitor's session (a reload, a link or a
new tab shows the same draft); the draft banner; AG Grid's Chinese words; the league
grid's number, badge and note cells (their JavaScript run in node where installed)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import dash
import pytest
from dash import dcc, html
from werkzeug.security import generate_password_hash

from dashboards import app as dashboard
from dashboards import components, data
from evaluation.analysis import views
from evaluation.publish import export
from evaluation.publish.publication import Publication
from evaluation.publish.store import save_result

USERS = {"wang": generate_password_hash("s3cret-pass")}

#: the navigation, in its order, as a visitor reads it: (path, words' key, zh, en);
#: every page but a unit's profile (reached from the tables) is in it
PAGES = [
    ("/", "nav_overview", "总览", "Overview"),
    ("/rankings", "nav_rankings", "排名", "Rankings"),
    ("/risk", "nav_risk", "风险", "Risk"),
    ("/methodology", "nav_methodology", "方法", "Methodology"),
    ("/what-if", "nav_whatif", "权重模拟", "What-if"),
    ("/appraisal", "nav_appraisal", "年度考评", "Annual appraisal"),
]


@pytest.fixture(scope="module")
def folder(sample_result, tmp_path_factory):
    return save_result(sample_result, tmp_path_factory.mktemp("nav") / "result")


@pytest.fixture
def app(folder):
    return dashboard.create_app(folder)


@pytest.fixture(scope="module")
def store(sample_result, tmp_path_factory):
    """The 2025 run published (version 1) and a draft correction (version 2)."""
    path = tmp_path_factory.mktemp("nav-store") / "store.duckdb"
    with Publication(path) as s:
        published = s.add_run(sample_result, by="analyst")
        s.publish(published, by="director")
        draft = s.add_run(
            sample_result, by="analyst", supersedes=published, reason="更正"
        )
    return path, published, draft


def _find(component, id_):
    """The component with ``id_`` in a layout tree, else None."""
    if getattr(component, "id", None) == id_:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, (str, int, float)):
            hit = _find(child, id_)
            if hit is not None:
                return hit
    return None


def _nav(shell) -> html.Nav:
    header = next(c for c in shell.children if isinstance(c, html.Header))
    return next(c for c in header.children if isinstance(c, html.Nav))


def test_the_navigation_lists_the_registered_pages_in_their_order(app):
    assert components.nav_pages() == [(path, key) for path, key, _, _ in PAGES]


def test_each_page_in_the_navigation_has_its_own_place(app):
    """Two pages at one ``order`` would leave their places to Dash's tie-break."""
    orders = [p["order"] for p in dash.page_registry.values() if "nav" in p]
    assert len(set(orders)) == len(orders)


def test_every_page_but_the_unit_profile_is_in_the_navigation(app):
    in_nav = {path for path, _ in components.nav_pages()}
    off = [p for p in dash.page_registry.values() if p["path"] not in in_nav]
    assert [p["path_template"] for p in off] == ["/unit/<unit_id>"]


def test_the_header_links_are_the_navigation_with_words_in_both_languages(app):
    with app.server.test_request_context("/"):  # the shell is served per visitor
        shell = app.layout()
    links = [(c.href, c.id) for c in _nav(shell).children if isinstance(c, dcc.Link)]
    assert links == [(path, f"nav-{key}") for path, key in components.nav_pages()]
    for _, key in components.nav_pages():
        assert components.text(key, "zh") != components.text(key, "en")
    labels = [c.children for c in _nav(shell).children]
    assert labels == [zh for _, _, zh, _ in PAGES]
    with app.server.test_request_context("/"):
        english = dashboard.update_header("en", None)[1 : 1 + len(links)]
    assert english == tuple(en for _, _, _, en in PAGES)


# ------------------------------------------------------------ runs by name
def test_runs_are_named_by_period_version_and_stage_never_by_id(store):
    path, published, draft = store
    data.set_source(path)
    runs = {r["run_id"]: r for _, r in data._runs().iterrows()}
    assert data.run_name(runs[published], "zh") == "2025年度 第1版（现行）"
    assert data.run_name(runs[published], "en") == "2025 annual, version 1 (in force)"
    assert data.run_name(runs[draft], "zh") == "2025年度 第2版（草稿）"
    assert data.run_name(runs[draft], "en") == "2025 annual, version 2 (draft)"
    monthly = {"period": "2025-M12", "version": 2, "status": "draft"}
    assert data.run_name(monthly, "zh") == "2025年12月 第2版（草稿）"
    assert data.run_name(monthly, "en", tagged=False) == "December 2025, version 2"
    quarter = {"period": "2025-Q1", "version": 1, "status": "published"}
    quarter["in_force"] = False
    assert data.run_name(quarter, "zh") == "2025年第一季度 第1版（已被取代）"


def test_a_result_folder_is_version_1_in_force(app):
    with app.server.test_request_context("/"):
        assert data.run_options("zh") == [
            {"label": "2025年度 第1版（现行）", "value": data.FOLDER_RUN}
        ]
        assert _find(app.layout(), "app-banner").children == []  # nothing to warn


# ------------------------------------------- the chosen run: kept, and flagged
def _header_call(client, lang: str, run: str | None):
    outputs = [
        "app-title.children",
        *[f"nav-{key}.children" for _, key in components.nav_pages()],
        "app-login.children",
        "app-login.href",
        "app-run.options",
        "app-run.value",
        "app-banner.children",
        "app-watermark.children",
        "app-root.lang",
    ]
    body = {
        "output": ".." + "...".join(outputs) + "..",
        "outputs": [
            dict(zip(("id", "property"), o.split("."), strict=True)) for o in outputs
        ],
        "inputs": [
            {"id": "app-lang", "property": "value", "value": lang},
            {"id": "app-run", "property": "value", "value": run},
        ],
        "changedPropIds": ["app-run.value"],
        "state": [],
    }
    reply = client.post("/_dash-update-component", json=body)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return json.loads(reply.get_data(as_text=True))["response"]


def _shell(client) -> dict:
    """The shell as the browser gets it on a full page load."""
    return json.loads(client.get("/_dash-layout").get_data(as_text=True))


def _props(tree, id_):
    if isinstance(tree, dict):
        if tree.get("props", {}).get("id") == id_:
            return tree["props"]
        for v in tree.get("props", {}).values():
            hit = _props(v, id_)
            if hit:
                return hit
    if isinstance(tree, list):
        for v in tree:
            hit = _props(v, id_)
            if hit:
                return hit
    return None


def test_a_chosen_draft_survives_a_full_page_load_with_its_banner(store):
    path, published, draft = store
    app = dashboard.create_app(path, users=USERS, secret_key="test-key")
    client = app.server.test_client()
    client.post("/login", data={"user": "wang", "password": "s3cret-pass"})
    shell = _shell(client)  # first visit: the run in force, no banner
    assert _props(shell, "app-run")["value"] == published
    assert _props(shell, "app-banner")["children"] == []

    sent = _header_call(client, "zh", draft)  # the leader picks the draft
    assert sent["app-run"]["value"] == draft
    banner = json.dumps(sent["app-banner"]["children"], ensure_ascii=False)
    assert "草稿 · 未发布，仅供内部审阅 · 2025年度 第2版" in banner
    assert sent["app-watermark"]["children"] == ["草稿"]
    labels = [o["label"] for o in sent["app-run"]["options"]]
    assert labels == ["2025年度 第2版（草稿）", "2025年度 第1版（现行）"]

    for _ in range(12):  # every reload: the draft, never a blank selector
        shell = _shell(client)
        assert _props(shell, "app-run")["value"] == draft
        assert "草稿" in json.dumps(_props(shell, "app-banner"), ensure_ascii=False)
    sent = _header_call(client, "en", draft)
    banner = json.dumps(sent["app-banner"]["children"], ensure_ascii=False)
    assert "DRAFT · not released" in banner
    assert _props(_shell(client), "app-lang")["value"] == "en"  # kept too

    client.post("/logout")  # the draft is gone with the login, the run in force shows
    shell = _shell(client)
    assert _props(shell, "app-run")["value"] == published
    assert _props(shell, "app-banner")["children"] == []
    assert draft not in json.dumps(shell)


def test_a_visitor_without_login_cannot_choose_a_draft(store):
    path, published, draft = store
    app = dashboard.create_app(path, users=USERS, secret_key="test-key")
    client = app.server.test_client()
    sent = _header_call(client, "zh", draft)
    assert sent["app-run"]["value"] == published
    assert sent["app-banner"]["children"] == []
    assert draft not in json.dumps(sent) and draft not in json.dumps(_shell(client))


# ------------------------------------------------------------- AG Grid words
def test_ag_grid_speaks_chinese_on_chinese_pages_and_its_own_english_otherwise():
    zh = components.grid_locale("zh")
    assert (zh["page"], zh["of"], zh["to"]) == ("第", "，共", "到")
    assert zh["noRowsToShow"] == "无数据" and zh["loadingOoo"] == "加载中…"
    assert (zh["firstPage"], zh["previousPage"], zh["nextPage"], zh["lastPage"]) == (
        "首页",
        "上一页",
        "下一页",
        "末页",
    )
    assert zh["contains"] == "包含" and zh["filterOoo"] == "筛选…"
    assert components.grid_locale("en") == {}
    grid = components.table_grid("t")
    assert grid.dashGridOptions["localeText"] == zh
    assert components.table_grid("t", lang="en").dashGridOptions["localeText"] == {}
    assert components.grade_grid("g", [], []).dashGridOptions["localeText"] == zh


def test_every_searchable_dropdown_speaks_chinese(app):
    """A dropdown one can type into shows its own words (搜索, 没有匹配的选项) in
    the visitor's language, not Dash's English "Search" (a reviewer found it on
    the unit, risk and appraisal pages)."""
    import importlib

    def dropdowns(tree):
        if isinstance(tree, dcc.Dropdown):
            yield tree
        children = getattr(tree, "children", None)
        for child in children if isinstance(children, list) else [children]:
            if child is not None and not isinstance(child, (str, int, float)):
                yield from dropdowns(child)

    found = []
    pages = list(dash.page_registry.values())  # every page, a unit's profile too
    assert len(pages) == len(PAGES) + 1
    for page in pages:
        module = importlib.import_module(page["module"])
        profile = page["path_template"] == "/unit/<unit_id>"
        try:
            tree = module.layout(unit_id="D07") if profile else module.layout()
        except dash.exceptions.PreventUpdate:  # a page with nothing to show here
            continue
        for d in dropdowns(tree):
            if getattr(d, "searchable", True) is not False:
                found.append(d.id)
                assert d.labels["search"] == "搜索", d.id
                assert d.labels["no_options_found"] == "没有匹配的选项", d.id
    assert {"rankings-period", "risk-period", "profile-period"} <= set(found)


# ----------------------------------------- the league grid's cells, in node
NODE = shutil.which("node")


def _js(function: str, **params) -> object:
    """Evaluate an AG Grid function string with its parameters, in node."""
    names = ", ".join(params)
    src = (
        f"const f = ({names}) => ({function});"
        f"console.log(JSON.stringify(f(...{json.dumps(list(params.values()))})));"
    )
    return _node(src)


def _node(src: str) -> object:
    """Run ``src`` in node after the dashboard's grid functions
    (``assets/dashAgGridFunctions.js``); what it printed, as JSON."""
    assets = Path(components.__file__).parent / "assets" / "dashAgGridFunctions.js"
    src = "const window = {};" + assets.read_text(encoding="utf-8") + src
    out = subprocess.run([NODE, "-e", src], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _sorted(comparator: str, codes: list) -> list:
    """``codes`` sorted by a comparator given as an AG Grid function string."""
    return _node(
        f"const cmp = window.dashAgGridFunctions.{comparator};"
        f"console.log(JSON.stringify({json.dumps(codes)}.sort(cmp)));"
    )


def _columns(sample_result, lang="zh", **more):
    return {
        c.get("colId", c.get("field")): c
        for c in components.league_columns(
            sample_result.catalogue, lang, peer=False, group_names={}, **more
        )
    }


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_scores_never_show_minus_zero(sample_result):
    fmt = _columns(sample_result)["composite_score"]["valueFormatter"]["function"]
    shown = [
        _js(fmt, params={"value": v}) for v in (-0.0, -0.004, -0.005, 0.005, 71.256)
    ]
    # by hand: -0.004 rounds to 0; 0.005 is 0.5 hundredths, rounded up to 0.01
    assert shown == ["0.00", "0.00", "0.00", "0.01", "71.26"]
    assert _js(fmt, params={"value": None}) == ""


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_a_ranked_unit_without_a_previous_rank_says_so_in_the_change_column(
    sample_result, tmp_path
):
    """The sample's 2024 is its first year: no unit has a rank the year before, so
    every ranked row's 名次变化 was a blank cell with no word why, while its profile
    says 无上期排名. The cell says it, in the page's language; a unit not ranked
    now stays blank (its note says why), and a change still reads ▲/▼/–."""
    data.set_source(save_result(sample_result, tmp_path / "result"))
    rows = data.ranking(None, "2024", data.BY_LEVEL).table
    ranked = rows[rows["rank"].notna()]
    assert len(ranked) > 0 and ranked["rank_change"].isna().all()
    for lang, words in (("zh", "无上期排名"), ("en", "no previous period")):
        fmt = _columns(sample_result, lang)["rank_change"]["valueFormatter"]["function"]
        row = ranked.iloc[0].to_dict()
        assert _js(fmt, params={"value": None, "data": row}) == words
        unranked = {"rank": None, "rank_change": None}
        assert _js(fmt, params={"value": None, "data": unranked}) == ""
        shown = [_js(fmt, params={"value": v, "data": row}) for v in (3, -2, 0)]
        assert shown == ["▲ 3", "▼ 2", "–"]
    peer = components.league_columns(
        sample_result.catalogue, "zh", peer=True, group_names={}
    )
    fmt = next(c for c in peer if c.get("field") == "peer_rank_change")
    fmt = fmt["valueFormatter"]["function"]
    assert _js(fmt, params={"value": None, "data": {"peer_rank": 4}}) == "无上期排名"


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_risk_sorts_by_severity_and_grade_by_order_not_by_code(sample_result):
    cols = _columns(sample_result)
    risk = cols["risk_level"]["comparator"]["function"]
    shown = _sorted(risk, ["green", "red", None, "yellow", "orange", "red"])
    assert shown == ["red", "red", "orange", "yellow", "green", None]  # worst first
    grade = cols["grade"]["comparator"]["function"]
    shown = _sorted(grade, ["pass", "excellent", "fail", "good"])
    assert shown == ["excellent", "good", "pass", "fail"]  # not alphabetical


def test_the_note_column_shows_the_media_tables_note(sample_result):
    """The grid reads the note the library wrote for each row, in the page's
    language (``views.league``: the media table's words), not one built in the
    browser: the dashboard and the journalist's CSV say the same."""
    for lang in ("zh", "en"):
        assert _columns(sample_result, lang)["note"]["field"] == f"note_{lang}"
    league = views.league(sample_result, "2025").set_index("name_zh")["note_zh"]
    media = export.media_table(sample_result).set_index("单位")["备注"]
    assert (league.reindex(media.index) == media).all()
    # the sample's 2025 values not reported are all scored zero, one a unit
    zero = sample_result.prepared.query(
        "period == '2025' and status == 'missing_zero_score'"
    )["unit_id"]
    assert (media == "含未报送记零分指标1项").sum() == zero.nunique() == len(zero) > 0


def test_a_column_is_as_wide_as_its_header_needs_without_breaking_a_word():
    """By hand, at the grid's 16 px headers (a Chinese character 16 px, a Latin one
    0.56 em) plus 56 px of padding and sort icon."""
    zh = components.fit({"headerName": "服务评价与满意度", "minWidth": 84}, "zh")
    assert zh["minWidth"] == 8 * 16 + 56  # one line, the Chinese word kept whole
    # English on up to three lines between words: "Approval and" (12 letters,
    # round(107.52) = 108 px) over "satisfaction" (108 px)
    en = components.fit({"headerName": "Approval and satisfaction"}, "en")
    assert en["minWidth"] == 108 + 56
    assert en["width"] >= en["minWidth"]
    # a badge column fits its longest word at 17 px: "orange", round(57.12) + 36
    risk = components.fit({"field": "risk_level", "headerName": "Risk"}, "en")
    assert risk["minWidth"] == 57 + 36
