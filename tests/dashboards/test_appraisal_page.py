"""The annual appraisal page (/appraisal) over a store holding the sample's appraisal.

The store (built once for the module) holds the period run of 2025 (published) and
one chain of annual runs: v1 released on 2026-01-20 (公示 to 2026-01-26) and final on
2026-02-01, in force; v2, a correction released on 2026-03-02 (公示 to 2026-03-08,
one appeal filed), under notice; v3, a draft. Expected values are read by hand from
the stored tables, never from the page's helpers.
"""

from __future__ import annotations

import importlib
import json
import statistics
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from dash import html
from werkzeug.security import generate_password_hash

from dashboards import app as dashboard
from dashboards import data
from dashboards.components import leaf_columns
from evaluation import appraisal as A
from evaluation.publish.publication import Publication

ROOT = Path(__file__).resolve().parents[2]
USERS = {"wang": generate_password_hash("s3cret-pass")}
V1, V2, V3 = "annual-2025-1.v1", "annual-2025-1.v2", "annual-2025-1.v3"
DIMS_ZH = {
    "dim_efficiency": "行政效率",
    "dim_cost": "行政成本",
    "dim_tasks": "任务目标完成",
    "dim_satisfaction": "服务评价与满意度",
    "dim_law": "依法行政与责任追究",
}
PAGE = (
    "..appraisal-heading.children...appraisal-run-label.children..."
    "appraisal-unit-label.children...appraisal-status.children..."
    "appraisal-groups.children...appraisal-rules-heading.children..."
    "appraisal-rules-holder.children.."
)


def build_store(path: Path, result) -> Path:
    """The store described in the module docstring (about 2 s over the sample)."""
    ap = A.appraise(
        A.load_config(ROOT / "appraisal.yaml"),
        result,
        A.load_inputs(ROOT / "data" / "sample" / "appraisal"),
    )
    with Publication(path) as s:
        s.add_run(result, by="分析员", release=True)
        v1 = s.add_run(result, ap, by="分析员", release=True, today=date(2026, 1, 20))
        s.finalise(v1, by="主任", today=date(2026, 2, 1))
        v2 = s.add_run(
            result, ap, by="分析员", supersedes=v1, reason="复核〔2026〕1号",
            release=True, today=date(2026, 3, 2),
        )  # fmt: skip
        s.file_case(
            v2, unit_id="D07", by="市交通运输局", grounds="扣分有误",
            on=date(2026, 3, 3), today=date(2026, 3, 3),
        )  # fmt: skip
        v3 = s.add_run(result, ap, by="分析员", supersedes=v2, reason="更正")
    assert (v1, v2, v3) == (V1, V2, V3)
    return path


@pytest.fixture(scope="module")
def store(sample_result, tmp_path_factory):
    return build_store(
        tmp_path_factory.mktemp("appraisal") / "store.duckdb", sample_result
    )


@pytest.fixture(scope="module")
def served(store):
    """(app, page module): the app over the store, the page as Dash imported it."""
    app = dashboard.create_app(store, users=USERS, secret_key="test-key")
    assert app.server.test_client().get("/").status_code == 200
    return app, importlib.import_module("dashboards.pages.appraisal")


@pytest.fixture(scope="module")
def grades(store):
    with Publication(store) as s:
        return s.table(V1, "grades")


@pytest.fixture(scope="module")
def stored_rules(store):
    with Publication(store) as s:
        return s.table(V1, "rules_applied"), s.table(V1, "rules")


def _blocks(groups) -> dict:
    """group id → (heading text, rowData, columnDefs) of the page's grade tables."""
    out = {}
    for block in groups:
        if _find(block, "appraisal-distribution") is not None:
            continue  # the grades' distribution, not a table
        heading, holder = block.children
        grid = holder.children
        out[grid.id["group"]] = (heading.children, grid.rowData, grid.columnDefs)
    return out


def _text(component) -> str:
    """Every string inside a Dash component tree, joined."""
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return "".join(_text(c) for c in component)
    return _text(getattr(component, "children", None))


# -------------------------------------------------------------------- tables
def test_departments_table_starts_with_the_highest_score_and_holds_no_district(
    served, grades
):
    _, page = served
    out = page.update_appraisal(V1, "zh")
    tables = _blocks(out[4])
    assert list(tables) == ["departments", "districts"]  # config order
    heading, rows, columns = tables["departments"]
    assert heading == "市直部门（40个单位）"
    # by hand from the stored table: the department with the highest final score
    depts = grades[grades["group"] == "departments"]
    best = depts.loc[depts["score"].idxmax()]
    assert rows[0]["unit_id"] == best["unit_id"]
    assert rows[0]["name"] == best["name_zh"]
    assert rows[0]["group_rank"] == 1
    assert rows[0]["score"] == pytest.approx(best["score"], abs=0.005)
    assert rows[0]["final_grade"] == best["final_grade"]
    # every department, no district (their peer group is "district", ids X..)
    assert {r["unit_id"] for r in rows} == set(depts["unit_id"])
    districts = set(grades.loc[grades["peer_group"] == "district", "unit_id"])
    assert len(districts) == 10 and not districts & {r["unit_id"] for r in rows}
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert [r["group_rank"] for r in rows] == sorted(r["group_rank"] for r in rows)
    leaves = leaf_columns(columns)
    headers = {c.get("colId", c.get("field")): c["headerName"] for c in leaves}
    assert {k: headers[k] for k in DIMS_ZH} == DIMS_ZH
    assert [headers[k] for k in ("periods_score", "review_score", "survey_score")] == [
        "考（指标）",
        "评（年终评估）",
        "议（民主测评）",
    ]
    groups = [c["headerName"] for c in columns if "children" in c]
    assert groups == ["考、评、议", "一级指标年终得分"]
    assert (headers["bonus"], headers["score"], headers["final_grade"]) == (
        "加分",
        "最终得分",
        "等次",
    )
    assert all("field" in c or "colId" in c for c in leaves)  # ag-grid, not id/name


def test_districts_table_and_the_quota_note(served, grades):
    _, page = served
    _, rows, _ = _blocks(page.update_appraisal(V1, "zh")[4])["districts"]
    dist = grades[grades["group"] == "districts"]
    assert [r["unit_id"] for r in rows] == list(
        dist.sort_values("score", ascending=False)["unit_id"]
    )
    # 10 districts × 0.2 = 2 excellent; X09 (excellent by score) fell outside
    x09 = next(r for r in rows if r["unit_id"] == "X09")
    assert x09["final_grade"] == "good"
    assert "优秀 → 良好（名额）" in x09["note"]
    assert sum(r["final_grade"] == "excellent" for r in rows) == 2


def test_bonus_and_veto_show_in_the_rows(served, grades):
    _, page = served
    tables = _blocks(page.update_appraisal(V1, "zh")[4])
    rows = {r["unit_id"]: r for _, rs, _ in tables.values() for r in rs}
    assert rows["D09"]["bonus"] == 2.0  # national award: +2 (bonuses.csv)
    assert "加2分" in rows["D09"]["note"]
    assert rows["D22"]["final_grade"] == "fail"  # vetoed
    assert "一票否决，不合格" in rows["D22"]["note"]
    stored = grades.set_index("unit_id")
    for unit in ("D09", "D22", "X03"):
        for col in ("periods_score", "review_score", "survey_score", "dim_law"):
            assert rows[unit][col] == pytest.approx(stored.at[unit, col], abs=0.005)


# ---------------------------------------------------------------------- unit
def test_a_vetoed_unit_shows_its_parts_median_and_the_veto_with_source(served, grades):
    _, page = served
    heading, body = page.update_unit(V1, "D22", "zh")
    d22 = grades.set_index("unit_id").loc["D22"]
    assert heading.startswith(d22["name_zh"] + " · 市直部门 · 组内第")
    assert heading.endswith(" · 不合格")
    parts = _find(body, "appraisal-parts").figure
    assert parts["data"][0]["x"] == pytest.approx(
        [d22["periods_score"], d22["review_score"], d22["survey_score"]]
    )
    assert parts["data"][0]["y"] == [
        "考（年度指标） 50%", "评（年终评估） 30%", "议（民主测评） 20%",
    ]  # fmt: skip
    dims = _find(body, "appraisal-dims").figure
    mine, median = dims["data"]
    # names fold onto lines (plotly never wraps a label): the words are the names
    assert [x.replace("<br>", "") for x in mine["x"]] == list(DIMS_ZH.values())
    depts = grades[grades["group"] == "departments"]
    assert median["y"][0] == pytest.approx(statistics.median(depts["dim_efficiency"]))
    assert mine["y"][4] == pytest.approx(d22["dim_law"])
    applied = _find(body, "appraisal-applied")
    veto = next(r for r in applied.rowData if r["effect"] == "一票否决，不合格")
    assert veto["rule"] == "重大安全事故、领导班子严重违纪违法一票否决"
    assert "2025年8月发生重大安全生产责任事故" in veto["reason"]
    assert veto["source"] == "《株洲市人民政府推行四项机制的决定》第三部分第（四）项"
    assert veto["approval"] == "市绩效考评委员会 2026年1月20日 考评委〔2026〕1号"
    trail = _text(_find(body, "appraisal-trail"))
    assert "最终等次不合格" in trail


def test_a_unit_without_rules_says_none_and_english_reads_english(
    served, grades, stored_rules
):
    _, page = served
    applied, _ = stored_rules
    dist = grades[(grades["group"] == "districts")]
    clean = dist[~dist["unit_id"].isin(applied["unit_id"])].iloc[0]
    heading, body = page.update_unit(V1, clean["unit_id"], "en")
    assert heading == (
        f"{clean['name_en']} · District and county governments · rank "
        f"{clean['group_rank']} of 10 in the group · {clean['final_grade']}"
    )
    assert _find(body, "appraisal-applied").children == "None"
    dims = _find(body, "appraisal-dims").figure
    assert dims["data"][1]["name"] == "Group median"
    assert dims["data"][0]["x"][0].replace("<br>", " ") == "Administrative efficiency"


def test_the_trail_writes_nothing_deducted_as_its_other_figures(served, grades):
    """扣分 beside 加分 +1.00: a zero is 0.00 (two decimals, as every line of the sum
    combined − deductions + bonus = score), not a bare 0."""
    _, page = served
    g = grades[(grades["deductions"] == 0) & (grades["bonus"] > 0)].iloc[0]
    _, body = page.update_unit(V1, g["unit_id"], "zh")
    rows = _find(body, "appraisal-trail").children
    line = {r.children[0].children: r.children[1].children for r in rows}
    assert line["扣分"] == "0.00"
    assert line["加分"] == f"+{g['bonus']:.2f}"
    _, body = page.update_unit(V1, g["unit_id"], "en")
    rows = _find(body, "appraisal-trail").children
    line = {r.children[0].children: r.children[1].children for r in rows}
    assert line["Deductions"] == "0.00"


def test_units_by_group_and_a_click_chooses_its_unit(served, grades):
    _, page = served
    options, value = page.update_unit_choice(V1, "zh", None)
    best = grades.loc[grades[grades["group"] == "departments"]["score"].idxmax()]
    assert len(options) == 50 and value == best["unit_id"]
    assert options[0]["label"] == f"{best['name_zh']}（市直部门）"
    assert page.update_unit_choice(V1, "zh", "X03")[1] == "X03"  # kept
    clicks = [{"rowId": "D05", "timestamp": 10}, {"rowId": "X02", "timestamp": 12}]
    assert page.choose_clicked(clicks) == "X02"  # the latest click
    assert page.choose_clicked([None, None]) is page.no_update


# --------------------------------------------------------------------- rules
def test_rules_table_says_who_it_applies_to_and_why_not(served, stored_rules):
    _, page = served
    _, table = stored_rules
    out = page.update_appraisal(V1, "zh")
    rules = _find(out[6], "appraisal-rules")  # a plain table: no row cut, no paging
    head, body = rules.children
    headers = [th.children for th in head.children.children]
    fields = [getattr(th, "data-col") for th in head.children.children]
    rows = [
        {getattr(td, "data-col"): td.children for td in tr.children} | {"tr": tr}
        for tr in body.children
    ]
    assert len(rows) == len(table) == 6
    by_name = {r["rule"]: r for r in rows}
    fault = by_name["过错扣分"]
    assert fault["applies_to"] == "单位" and fault["kind"] == "扣分"
    assert fault["status"].startswith("不适用：过错已计入指标")
    assert fault["affected"] == "0个单位"
    status = fault["tr"].children[fields.index("status")]
    assert status.className == "not-applied"  # grey, in italics
    person = by_name["一年内犯一般过错达3次且均负直接责任的，年度考核定为不称职"]
    assert person["applies_to"] == "个人" and person["status"] == "适用"
    assert (
        getattr(person["tr"].children[fields.index("status")], "className", None)
        is None
    )
    assert person["affected"] == "2人"  # three general faults: two persons
    assert person["source"] == "辽市政发〔2007〕48号 第五部分第（五）项"
    assert headers[:2] == ["规则", "适用对象"]


# -------------------------------------------------------------------- status
def test_status_of_a_final_run_in_force(served):
    _, page = served
    text = _text(page.update_appraisal(V1, "zh")[3])
    assert text.startswith("已发布·现行2025年度考评 第1版")
    assert "annual-" not in text  # no internal ids
    assert "公示期：2026年1月20日至2026年1月26日（北京时间）。" in text
    assert "现行有效。" in text


def test_status_of_a_correction_under_notice(served, monkeypatch):
    _, page = served
    monkeypatch.setattr(data, "beijing_today", lambda: date(2026, 3, 5))
    text = _text(page.update_appraisal(V2, "zh")[3])
    assert text.startswith("公示中2025年度考评 第2版")
    assert "公示期：2026年3月2日至2026年3月8日（北京时间）。" in text
    assert "可在2026年3月8日前（含当日）提出申诉" in text
    assert "已收到申诉1件，其中待复核1件。" in text
    assert "本结果尚未生效；现行有效的是 2025年度考评 第1版。" in text
    assert "本版本更正 2025年度考评 第1版，理由：复核〔2026〕1号。" in text
    assert "annual-" not in text
    assert "公示期已于" not in text  # still open on 5 March
    monkeypatch.setattr(data, "beijing_today", lambda: date(2026, 3, 9))
    text = _text(page.update_appraisal(V2, "en")[3])
    assert "Public notice: 2 March 2026 to 8 March 2026 (Beijing time)" in text
    assert "The notice ended on 8 March 2026" in text


def test_run_choice_lists_released_runs_newest_first_and_shows_notice_first(served):
    _, page = served
    options, value = page.update_runs("zh", None)
    assert [o["label"] for o in options] == [
        "2025年度考评 第2版（公示中）",
        "2025年度考评 第1版（已发布·现行）",
    ]  # no draft without a login, no run id
    assert value == V2  # the run under notice is the news


# ---------------------------------------------------------------- over HTTP
def _post(client, output: str, inputs: list[dict]):
    body = {
        "output": output,
        "outputs": [
            {"id": o.split(".")[0], "property": o.split(".")[1]}
            for o in output.strip(".").split("...")
        ],
        "inputs": inputs,
        "changedPropIds": [],
        "state": [],
    }
    return client.post("/_dash-update-component", json=body)


def _inputs(run: str, lang: str = "zh") -> list[dict]:
    return [
        {"id": "appraisal-run", "property": "value", "value": run},
        {"id": "app-lang", "property": "value", "value": lang},
    ]


def test_a_draft_needs_a_login_and_the_view_is_recorded(served, store):
    app, _ = served
    client = app.server.test_client()
    assert _post(client, PAGE, _inputs(V3)).status_code == 204  # no data
    assert _post(client, PAGE, _inputs(V2)).status_code == 200  # 公示: public
    client.post("/login", data={"user": "wang", "password": "s3cret-pass"})
    ok = _post(client, PAGE, _inputs(V3))
    assert ok.status_code == 200
    sent = json.loads(ok.get_data(as_text=True))["response"]
    assert "草稿：尚未公示" in json.dumps(sent, ensure_ascii=False)
    with Publication(store) as s:
        log = s.access_log()
    assert ((log["run_id"] == V3) & (log["viewer"] == "wang")).any()


def test_page_callback_over_http_is_small_and_quick(served):
    """The page's main callback as the browser calls it: the whole answer (two grade
    tables of 50 units, the rules, the status) stays small."""
    app, _ = served
    client = app.server.test_client()
    times, size = [], 0
    for _ in range(6):
        start = time.perf_counter()
        answer = _post(client, PAGE, _inputs(V1))
        times.append(time.perf_counter() - start)
        assert answer.status_code == 200
        size = len(answer.get_data())
    assert size < 60_000  # bytes; ~34 kB on the sample
    assert statistics.median(times) < 1.0  # seconds; ~50 ms here, generous bound


def _find(component, wanted: str):
    """The component with id ``wanted`` inside a tree."""
    if getattr(component, "id", None) == wanted:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            hit = _find(child, wanted)
            if hit is not None:
                return hit
    return None


# ------------------------------------------------ distribution and appeals
def test_grade_distribution_counts_the_stored_final_grades(served, grades):
    _, page = served
    graph = _find(
        html.Div(page.update_appraisal(V1, "zh")[4]), "appraisal-distribution"
    )
    fig = graph.figure
    assert fig.layout.title.text == "各组等次分布"
    assert fig.layout.xaxis.title.text == "单位数（个）"
    by_hand = grades.groupby(["group", "final_grade"]).size()
    words = {"优秀": "excellent", "良好": "good", "合格": "pass", "不合格": "fail"}
    groups = {"市直部门": "departments", "县（市）区政府": "districts"}
    seen = 0
    for bar in fig.data:
        for group, n in zip(bar.y, bar.x, strict=True):
            key = (groups[group], words[bar.name])
            assert n == by_hand.get(key, 0), key
            seen += n
    assert seen == len(grades)


def test_appeals_of_a_run_under_notice_name_the_unit_and_the_date(served, grades):
    _, page = served
    status = html.Div(page.update_appraisal(V2, "zh")[3])
    appeals = _find(status, "appraisal-appeals-grid")
    d07 = grades.set_index("unit_id").at["D07", "name_zh"]
    assert appeals.rowData == [
        {
            "unit": d07,
            "filed_by": "市交通运输局",
            "filed_at": "2026年3月3日",
            "grounds": "扣分有误",
            "decision": "待复核",
            "decided_at": "",
        }
    ]
    assert appeals.dashGridOptions["localeText"]  # AG Grid's words in Chinese
    none = _text(
        _find(html.Div(page.update_appraisal(V1, "en")[3]), "appraisal-appeals")
    )
    assert none == "AppealsNo appeal was filed against this version."


def test_the_rules_table_counts_whom_a_rule_touched_in_the_singular_and_plural(
    served,
):
    """The 适用于 / Applied to column says 1 unit, 2 units, 1 person, 2 persons, as the
    committee report's table of the same rules does; Chinese alike for any count."""
    _, page = served

    def said(who: str, lang: str) -> list[str]:
        return [page._touched(n, who, lang) for n in (0, 1, 2)]

    assert said("unit", "en") == ["0 units", "1 unit", "2 units"]
    assert said("person", "en") == ["0 persons", "1 person", "2 persons"]
    assert said("unit", "zh") == ["0个单位", "1个单位", "2个单位"]
    assert said("person", "zh") == ["0人", "1人", "2人"]
    # a count of the units a rule applied to, its grade changed or not: headed so
    assert [page.t("affected", k) for k in ("zh", "en")] == ["适用于", "Applied to"]


def test_a_units_parts_are_labelled_with_their_shares_exactly(served):
    """The unit's 考、评、议 bars carry their shares as the committee report, the
    grades workbook and the unit's letter write them (grades.share_text): 12.5%
    and 37.5% as they are, never 13% and 38%, which add up to 101%."""
    from types import SimpleNamespace

    _, page = served
    ap = SimpleNamespace(
        config={"shares": {"periods": 0.5, "review": 0.375, "survey": 0.125}}
    )
    row = {"periods_score": 80.0, "review_score": 90.0, "survey_score": 70.0}
    zh = page._parts_figure(ap, row, "zh")["data"][0]["y"]
    assert zh == ["考（年度指标） 50%", "评（年终评估） 37.5%", "议（民主测评） 12.5%"]
    en = page._parts_figure(ap, row, "en")["data"][0]["y"]
    assert [name.rsplit(" ", 1)[1] for name in en] == ["50%", "37.5%", "12.5%"]


# ------------------------------------------------------ the page in English
def test_an_english_reader_reads_the_quota_and_the_appellant_in_english(served, grades):
    """X09 fell outside the districts' quota: the source its rule cites is the
    appraisal's own quota, said in English (stored as 本年度考评办法优秀名额规定);
    the appeal's 申诉单位 is a unit graded, named in English; the grounds are the
    appellant's words as filed, marked as quoted Chinese; the Chinese page as it was."""
    _, page = served
    _, body = page.update_unit(V1, "X09", "en")
    quota = next(
        r
        for r in _find(body, "appraisal-applied").rowData
        if r["rule"] == "Quota for excellent"
    )
    assert quota["source"] == "This year's appraisal rules: the quota for excellent"
    _, body = page.update_unit(V1, "X09", "zh")
    quota = next(
        r for r in _find(body, "appraisal-applied").rowData if r["rule"] == "优秀名额"
    )
    assert quota["source"] == "本年度考评办法优秀名额规定"

    appeals = _find(
        html.Div(page.update_appraisal(V2, "en")[3]), "appraisal-appeals-grid"
    )
    d07 = grades.set_index("unit_id").at["D07", "name_en"]
    row = appeals.rowData[0]
    assert (row["unit"], row["filed_by"], row["grounds"]) == (
        d07,
        "Municipal Transport Bureau",  # 市交通运输局 in units.csv
        "扣分有误",
    )
    columns = {c["field"]: c for c in appeals.columnDefs}
    assert "zh-original" in columns["grounds"]["cellClassRules"]
    assert "cellClassRules" not in columns["decision"]
    assert columns["grounds"]["headerName"] == "Grounds (as filed)"


def test_a_corrections_reason_is_quoted_as_filed_on_the_english_page(served):
    """复核〔2026〕1号 stays as the clerk filed it, set apart (zh-original) in the
    English sentence; the Chinese sentence is one string, as before."""
    _, page = served
    status = html.Div(page.update_appraisal(V2, "en")[3])
    line = next(
        d.children
        for d in _find(status, "appraisal-status-text").children
        if "corrects" in _text(d.children)
    )
    assert line[0] == "This version corrects 2025 appraisal, version 1; reason: "
    assert line[1].children == "复核〔2026〕1号"
    assert line[1].className == "zh-original"
    assert line[2] == "."
    status = html.Div(page.update_appraisal(V2, "zh")[3])
    assert "本版本更正 2025年度考评 第1版，理由：复核〔2026〕1号。" in [
        d.children for d in _find(status, "appraisal-status-text").children
    ]


def test_a_unit_named_by_a_clerk_is_named_in_the_readers_language(served):
    _, page = served
    units = pd.DataFrame(
        {
            "name_zh": ["市财政局", "某某中心"],
            "name_en": ["Municipal Finance Bureau", "某某中心"],
        }
    )
    assert page.unit_named("市财政局", units, "en") == "Municipal Finance Bureau"
    assert page.unit_named("市财政局", units, "zh") == "市财政局"
    assert page.unit_named("某某中心", units, "en") == "某某中心"  # no English name
    assert page.unit_named("张三", units, "en") == "张三"  # no unit: as filed


def test_a_unit_without_an_english_name_is_named_by_its_chinese_one():
    units = pd.DataFrame(
        {
            "name_zh": ["市财政局", "某某中心", "某某站", "某某所"],
            "name_en": ["Municipal Finance Bureau", "", None, "  "],
        }
    )
    before = units.copy()
    assert data.named(units)["name_en"].tolist() == [
        "Municipal Finance Bureau",
        "某某中心",
        "某某站",
        "某某所",
    ]
    pd.testing.assert_frame_equal(units, before)  # the input as it was
