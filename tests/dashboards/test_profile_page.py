"""The unit profile page's callback (/unit/<unit_id>) called as a plain function over
a saved sample Result whose data-quality flags are a hand-made table.

D01's approvals rate was frozen from January to December 2025; the Municipal
Supervision Bureau's whole submission for D01 in June 2025 repeated May's; D01's
approvals rate jumped in March 2024. D02 has no flag. Expected texts are written
here by hand, never read from the page's helpers or the view.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

import evaluation as ev
from dashboards import app as dashboard
from evaluation.publish.store import save_result

from ..conftest import half_up

ROOT = Path(__file__).resolve().parents[2]

FLAGS = pd.DataFrame(
    [
        ("stable/D01/approval_on_time_rate/2025-M01", "stable", "D01", "2025-M12",
         "2025-M01", "approval_on_time_rate", None, 96.7, 12.0,
         "审批事项按时办结率自2025年1月起连续 12 期均为 96.7",
         "On-time completion rate of approvals is 96.7 in all 12 periods"),
        ("identical_period/D01/supervision/2025-M06", "identical_period", "D01",
         "2025-M06", "2025-M06", None, "supervision", 7.0, 0.001,
         "市纪委监委报送的2025年6月数据（7项）与2025年5月完全相同",
         "Municipal Commission for Discipline Inspection and Supervision: all 7 values "
         "identical to May"),
        ("jump/D01/approval_on_time_rate/2024-M03", "jump", "D01", "2024-M03",
         "2024-M03", "approval_on_time_rate", None, 40.0, 9.0,
         "2024年3月跳变", "jumped in March 2024"),
    ],
    columns=["flag_id", "check", "unit_id", "period", "since", "indicator_id",
             "agency", "value", "statistic", "reason_zh", "reason_en"],
)  # fmt: skip


@pytest.fixture(scope="module")
def profile(sample_result, tmp_path_factory):
    """The page module, as Dash imported it for an app over the saved result."""
    result = replace(sample_result, flags=FLAGS)
    folder = save_result(result, tmp_path_factory.mktemp("profile") / "result")
    app = dashboard.create_app(folder)
    assert app.server.test_client().get("/").status_code == 200
    return importlib.import_module("dashboards.pages.profile")


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


def _items(section) -> list[str]:
    return [li.children for li in _find(section, "profile-flags-list").children]


def test_the_flags_section_lists_the_flags_reaching_into_the_period_in_chinese(
    profile,
):
    *_, body = profile.update_profile("D01", "2025", "zh")
    section = _find(body, "profile-flags")
    heading, note, _ = section.children
    assert heading.children == "数据质量提示"
    assert "核查疑点" in note.children and "不改变任何得分" in note.children
    assert _items(section) == [
        "连续不变 · 审批事项按时办结率 · 2025年1月至2025年12月 · "
        "审批事项按时办结率自2025年1月起连续 12 期均为 96.7",
        "与上期完全相同 · 市纪委监委 · 2025年6月 · "
        "市纪委监委报送的2025年6月数据（7项）与2025年5月完全相同",
    ]  # the March 2024 jump is not 2025's


def test_the_flags_section_in_english_and_in_another_period(profile):
    *_, body = profile.update_profile("D01", "2025", "en")
    section = _find(body, "profile-flags")
    assert section.children[0].children == "Data-quality flags"
    assert "do not change any score" in section.children[1].children
    assert _items(section)[1] == (
        "identical to previous period · Municipal Commission for Discipline "
        "Inspection and Supervision · June 2025 · Municipal Commission for Discipline "
        "Inspection and Supervision: all 7 values identical to May"
    )
    *_, body = profile.update_profile("D01", "2024", "zh")
    assert _items(_find(body, "profile-flags")) == [
        "异常跳变 · 审批事项按时办结率 · 2024年3月 · 2024年3月跳变"
    ]


def test_a_unit_without_flags_says_so(profile):
    *_, body = profile.update_profile("D02", "2025", "zh")
    assert _find(body, "profile-flags-list").children == "无数据质量提示"
    *_, body = profile.update_profile("D02", "2025", "en")
    assert _find(body, "profile-flags-list").children == "No data-quality flags"


def test_a_peer_warnings_typical_gap_is_defined_under_the_warnings(profile):
    """D04's 2025 warnings include the sample's robust-z peer warning on its
    composite (约为同类典型差距4.85分的1.52倍): under them, what a typical gap is,
    in the words of the risk page and the warnings' About sheet. D08's are
    threshold warnings only: no word to define, no note."""
    *_, body = profile.update_profile("D04", "2025", "zh")
    warnings = _find(body, "profile-warnings")
    assert any("约为同类典型差距" in t for t in _strings(warnings))
    assert _find(body, "profile-warnings-note").children == (
        "典型差距：同类各单位与同类单位中位数之差（取绝对值）的中位数。同类比较预警的"
        "阈值和原因按落后同类单位中位数多少个典型差距表述。"
    )
    *_, body = profile.update_profile("D04", "2025", "en")
    assert _find(body, "profile-warnings-note").children == (
        "Typical gap: The median of the peers' distances from the peer median "
        "(absolute differences). A peer warning's limit and reason say how many "
        "typical gaps a unit is behind the peer median."
    )
    *_, body = profile.update_profile("D08", "2025", "zh")
    assert _strings(_find(body, "profile-warnings"))  # it has warnings
    assert _find(body, "profile-warnings-note") is None


def _strings(component) -> list[str]:
    """Every text inside a component tree."""
    if isinstance(component, str):
        return [component]
    children = getattr(component, "children", None)
    children = children if isinstance(children, list) else [children]
    return [t for c in children if c is not None for t in _strings(c)]


# ------------------------------------------------- the page over HTTP, as the browser
PAGE = [
    "profile-heading.children", "profile-period-label.children",
    "profile-back.children", "profile-back.href", "profile-missing.children",
    "profile-page.style", "profile-summary.children", "profile-charts.children",
    "profile-indicator-label.children", "profile-indicator.options",
    "profile-indicator.value", "profile-body.children",
]  # fmt: skip
LEVEL_ZH = {"red": "红色", "orange": "橙色", "yellow": "黄色", "green": "绿色"}


def _post(client, outputs: list[str], inputs: dict, state: dict | None = None):
    """A callback request as the browser sends it; the response's JSON."""
    ids = [{"id": o.split(".")[0], "property": o.split(".")[1]} for o in outputs]
    one = len(outputs) == 1
    pairs = lambda d: [  # noqa: E731
        {"id": k.split(".")[0], "property": k.split(".")[1], "value": v}
        for k, v in (d or {}).items()
    ]
    body = {
        "output": outputs[0] if one else ".." + "...".join(outputs) + "..",
        "outputs": ids[0] if one else ids,
        "inputs": pairs(inputs),
        "state": pairs(state),
        "changedPropIds": [],
    }
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.status_code
    return answer.get_data(as_text=True)


def _page(client, unit: str, lang: str = "zh", period: str = "2025") -> tuple:
    """(raw JSON, response by component id) of the page's main callback."""
    raw = _post(
        client, PAGE,
        {"profile-unit.data": unit, "profile-period.value": period,
         "app-lang.value": lang, "app-run.value": None},
        {"profile-indicator.value": None},
    )  # fmt: skip
    return raw, json.loads(raw)["response"]


def _texts(tree) -> list[str]:
    """Every text in a serialised component tree, in order."""
    if isinstance(tree, str):
        return [tree]
    if isinstance(tree, list):
        return [t for x in tree for t in _texts(x)]
    if isinstance(tree, dict):
        props = tree.get("props", {})
        return _texts(props.get("children")) if "children" in props else []
    return []


def _figures(tree) -> dict:
    """Graph id → figure in a serialised component tree."""
    out = {}
    if isinstance(tree, list):
        for x in tree:
            out.update(_figures(x))
    elif isinstance(tree, dict):
        props = tree.get("props", {})
        if "figure" in props:
            out[props["id"]] = props["figure"]
        out.update(_figures(props.get("children")))
    return out


def _two(x: float) -> str:
    return str(half_up(x))


@pytest.fixture(scope="module")
def client(profile):
    return profile.dash.get_app().server.test_client()


def test_the_header_over_http_reads_as_the_stored_tables(client, sample_result):
    raw, page = _page(client, "D05")
    ranks = sample_result.ranks.query("period == '2025' and unit_id == 'D05'").iloc[0]
    score = sample_result.composite.query("period == '2025' and unit_id == 'D05'")
    level = sample_result.risk.query("period == '2025' and unit_id == 'D05'")["level"]
    summary = " ".join(_texts(page["profile-summary"]["children"]))
    assert f"第{int(ranks['peer_rank'])}名（共10个）" in summary  # economic: 10 units
    assert f"第{int(ranks['rank'])}名（共50个）" in summary
    assert _two(score["composite_score"].iloc[0]) in summary
    assert LEVEL_ZH[level.iloc[0] if len(level) else "green"] in summary
    assert "尚无已发布的年度考评" in summary  # a result folder holds no appraisal
    assert page["profile-heading"]["children"] == "市工业和信息化局 · 经济管理部门"
    assert page["profile-page"]["style"] == {}
    assert page["profile-missing"]["children"] is None
    figures = _figures(page["profile-charts"]["children"])
    figures.update(_figures(page["profile-body"]["children"]))
    assert set(figures) == {
        "profile-trend", "profile-rank-trend", "profile-dim-trend", "profile-peers",
        "profile-dims", "profile-waterfall",
    }  # fmt: skip
    for name, fig in figures.items():
        assert any(
            isinstance(v, (int, float)) for t in fig["data"] for v in t.get("y", [])
            + t.get("x", [])
        ), name  # fmt: skip
        axes = [
            fig["layout"][a].get("title", {}).get("text") for a in ("xaxis", "yaxis")
        ]
        assert all(axes), (name, axes)  # every axis titled
    assert "-0.00" not in raw
    assert len(raw) < 200_000  # bytes a page load sends


def test_the_header_in_english(client, sample_result):
    _, page = _page(client, "D05", "en")
    ranks = sample_result.ranks.query("period == '2025' and unit_id == 'D05'").iloc[0]
    summary = " ".join(_texts(page["profile-summary"]["children"]))
    assert f"{int(ranks['peer_rank'])} of 10" in summary
    assert "No published annual appraisal yet" in summary
    assert page["profile-back"]["children"] == "← Back to rankings"


def test_a_districts_profile_in_english_does_not_call_it_a_department(client):
    """南湖区 (X03) is a district, ranked among all 50 units (40 departments, 10
    districts), as the Chinese says: 全部单位排名, 本单位, 同类单位. The English
    said "Rank among all departments", "This department" and "Position among peer
    departments"; it says unit, as the overview and the appraisal page do."""
    raw, page = _page(client, "X03", "en")
    summary = " ".join(_texts(page["profile-summary"]["children"]))
    assert "Rank among all units" in summary and "1 of 50" in summary
    figures = _figures(page["profile-charts"]["children"])
    figures.update(_figures(page["profile-body"]["children"]))
    words = json.dumps(figures, ensure_ascii=False)
    assert "This unit" in words and "Position among peer units" in words
    assert "This department" not in words and "peer departments" not in words


def test_strengths_and_weaknesses_say_the_score_and_the_gap_in_chinese(
    client, sample_result
):
    """D05's largest strength and weakness among its indicators in 2025: its score
    and how far it is above or below its peer group's median score (pandas' median
    here), in Chinese punctuation with 分."""
    scores = sample_result.normalised.query("period == '2025'")
    group = sample_result.units.set_index("unit_id")["peer_group"]
    peers = scores[scores["unit_id"].map(group) == group["D05"]]
    median = peers.groupby("indicator_id")["score"].median()
    mine = scores[scores["unit_id"] == "D05"].set_index("indicator_id")["score"]
    gap = (mine - median.reindex(mine.index)).dropna()
    best, worst = gap.idxmax(), gap.idxmin()
    assert gap[best] > 0 > gap[worst]
    name = sample_result.catalogue.table["name_zh"]
    _, page = _page(client, "D05")
    body = _texts(page["profile-body"]["children"])
    assert (
        f"{name[best]}：{_two(mine[best])}分，高于同类中位得分{_two(gap[best])}分"
    ) in body
    assert (
        f"{name[worst]}：{_two(mine[worst])}分，低于同类中位得分{_two(-gap[worst])}分"
    ) in body


def _rows(tree) -> list[dict]:
    """Every grid row (``rowData``) in a serialised component tree."""
    if isinstance(tree, list):
        return [r for x in tree for r in _rows(x)]
    if isinstance(tree, dict):
        props = tree.get("props", {})
        return list(props.get("rowData") or []) + _rows(props.get("children"))
    return []


def test_a_value_from_fewer_reports_than_expected_says_how_many(client, sample_result):
    """D05 sent some quarterly or bi-monthly indicators for only part of 2025: the
    year's value (a mean of what came) shows 已报送（3/4期）, not a plain 已报送; a
    sum, pro rata, says so too: its overdue leader-assigned tasks, five of six
    bi-monthly reports in (2025-B1 blank, inspection.csv), each 0, read
    已报送（5/6期，实报合计0件，按比例折算）; a full year's stays 已报送."""
    p = sample_result.prepared.query("period == '2025' and unit_id == 'D05'")
    part = p[(p["status"] == "reported") & (p["n_reported"] < p["n_expected"])]
    full = p[(p["status"] == "reported") & (p["n_reported"] == p["n_expected"])]
    assert len(part) and len(full)
    name = sample_result.catalogue.table["name_zh"]
    _, page = _page(client, "D05")
    rows = _rows(page["profile-body"]["children"])
    status = {r["indicator"]: r["status"] for r in rows if "peer_score" in r}
    for row in part.itertuples():
        if row.indicator_id == "leader_task_overdue_count":
            said = "已报送（5/6期，实报合计0件，按比例折算）"
        else:
            said = f"已报送（{row.n_reported}/{row.n_expected}期）"
        assert status[name[row.indicator_id]] == said
    assert "leader_task_overdue_count" in set(part["indicator_id"])
    assert {status[name[i]] for i in full["indicator_id"]} == {"已报送"}


def test_an_unknown_unit_gets_a_message_in_both_languages_not_a_blank_page(client):
    _, page = _page(client, "NOPE")
    message = " ".join(_texts(page["profile-missing"]["children"]))
    assert "未找到该单位" in message and "Unit not found" in message
    assert "没有编号为“NOPE”的单位" in message and "no unit “NOPE”" in message
    assert page["profile-page"]["style"] == {"display": "none"}
    assert (
        page["profile-back"]["href"] == "/rankings" and page["profile-back"]["children"]
    )


def test_an_indicators_reports_show_their_dates_and_units(client, sample_result):
    def figure(indicator: str, lang: str = "zh") -> dict:
        raw = _post(
            client, ["profile-indicator-trend.figure"],
            {"profile-unit.data": "D01", "profile-indicator.value": indicator,
             "app-lang.value": lang, "app-run.value": None},
        )  # fmt: skip
        return json.loads(raw)["response"]["profile-indicator-trend"]["figure"]

    fig = figure("approval_on_time_rate")
    mine = fig["data"][0]
    obs = sample_result.observations.query(
        "unit_id == 'D01' and indicator_id == 'approval_on_time_rate'"
    )
    march = obs[obs["period"] == "2025-M03"].iloc[0]
    at = mine["x"].index("2025年3月")
    assert mine["y"][at] == pytest.approx(march["value"])
    y, m, d = (int(x) for x in march["reported_at"].split("-"))
    assert f"报送日期：{y}年{m}月{d}日" in mine["text"][at]
    # one decimal, half up, as the warnings and the ledger write it on the page
    assert mine["text"][at].startswith(f"2025年3月：{half_up(march['value'], 1)}%")
    assert len(mine["x"]) == 24  # monthly, two years
    title = fig["layout"]["yaxis"]["title"]["text"]  # folded to the plot's height
    assert title.replace("<br>", "") == "审批事项按时办结率（%）"
    assert fig["layout"]["yaxis"]["ticksuffix"] == "%"
    assert fig["layout"]["xaxis"]["title"]["text"] == "报送期"
    assert [t["name"] for t in fig["data"]] == ["本单位", "同类中位数", "目标 98%"]
    counts = figure("fault_findings")
    assert counts["layout"]["yaxis"]["tickformat"] == ",d"  # counts in whole numbers
    assert "件" in counts["layout"]["yaxis"]["title"]["text"]
    english = figure("approval_on_time_rate", "en")
    assert english["data"][0]["x"][0] == "January 2024"  # a name, not 2024-M01
    assert "reported 2024-" in english["data"][0]["text"][0]


def test_worsening_a_units_reports_lowers_its_rank_and_warns_on_its_profile(
    client, profile, sample_result, tmp_path
):
    """A domain expert's check: D05's approvals on time fall to 80% every month of
    2025 (red below 85%); its profile drops in its group and shows the red warning
    with its reason."""
    from dashboards import data

    dataset = ev.load_dataset(ROOT / "data" / "sample")
    o = dataset.observations
    worse = (o["unit_id"] == "D05") & (o["indicator_id"] == "approval_on_time_rate")
    worse &= o["period"].str.startswith("2025")
    o = o.assign(value=o["value"].where(~worse, 80.0))
    result = ev.run(
        sample_result.catalogue, replace(dataset, observations=o), period="2025",
        run_at="2026-01-15T09:00:00+00:00",
    )  # fmt: skip
    before = data._source
    _, was = _page(client, "D05")
    try:
        dashboard.create_app(save_result(result, tmp_path / "worse"))
        _, now = _page(client, "D05")
    finally:
        data.set_source(before)

    def group_rank(page) -> int:
        card = _texts(page["profile-summary"]["children"])
        hit = next(t for t in card if t.startswith("第") and "（共10个）" in t)
        return int(hit[1 : hit.index("名")])

    assert group_rank(now) > group_rank(was)
    body = " ".join(_texts(now["profile-body"]["children"]))
    assert "红色预警" in body
    assert "红色预警（1项） 审批事项按时办结率为80.0%，低于红色预警线（85%）" in body
    assert "红色" in " ".join(_texts(now["profile-summary"]["children"]))
    assert "审批事项按时办结率为80.0%" not in " ".join(
        _texts(was["profile-body"]["children"])
    )


def test_an_escalated_rectification_shows_its_current_deadline_and_the_first(
    client, sample_result
):
    """An item whose deadline passed was escalated and given a new one: the profile
    shows the deadline in force, with the first one and the escalations (read from
    the stored ledger, written out by hand as a 绩效办 writes dates)."""
    led = sample_result.ledger
    item = led[(led["status"] == "open") & (led["escalations"] > 0)].iloc[0]
    _, page = _page(client, item["unit_id"])
    texts = " ".join(_texts(page["profile-body"]["children"]))
    y, m, d = (int(x) for x in item["due"].split("-"))
    y0, m0, d0 = (int(x) for x in item["first_due"].split("-"))
    n = int(item["escalations"])
    assert f"整改期限 {y}年{m}月{d}日（原定{y0}年{m0}月{d0}日，已升级{n}次）" in texts


def test_an_item_escalated_to_red_says_the_level_it_opened_at(client, sample_result):
    """An item raised to red says the level it opened at (红色（发现时为橙色）), and
    its text is labelled as the latest period's warning, which may quote a lower
    line than the item's level."""
    led = sample_result.ledger
    led = led[(led["status"] == "open") & (led["unit_id"] == "D07")]
    escalated = led[(led["level"] == "red") & (led["level_opened"] == "orange")]
    assert len(escalated)
    _, page = _page(client, "D07")
    items = _texts(page["profile-body"]["children"])
    said = [x for x in items if x.startswith("红色（发现时为橙色） · 整改期限")]
    assert len(said) == len(escalated)
    # the reason is the latest period's warning, and says so: an item opened red
    # whose latest warning is orange reads 红色 … 最近一期：…低于橙色预警线
    assert not any("橙色预警线" in x and "最近一期：" not in x for x in said)
    assert all("最近一期：" in x for x in items if "整改期限" in x)


def test_the_rank_change_card_says_why_there_is_none(profile):
    """No change to show: a unit not ranked this period (insufficient data) says
    so; one ranked now but not the period before has no previous rank. A reviewer
    saw 无上期排名 on a unit ranked 7th the month before and unranked now."""
    from types import SimpleNamespace as Row

    nan = float("nan")
    said = profile._change(Row(peer_rank=nan, peer_rank_change=nan), "zh")
    assert said.children == "本期未排名"
    said = profile._change(Row(peer_rank=3.0, peer_rank_change=nan), "zh")
    assert said.children == "无上期排名"
    said = profile._change(Row(peer_rank=nan, peer_rank_change=nan), "en")
    assert said.children == "not ranked this period"
    said = profile._change(Row(peer_rank=3.0, peer_rank_change=2.0), "zh")
    assert said.children == "▲ 上升2名"


def test_an_indicators_value_reads_as_its_warning_says_it(client, sample_result):
    """On one unit's page, the indicator table and the warnings beside it write an
    indicator's value as one figure: each indicator warning of D07 in 2025 that
    says ``名称为X`` finds X in the table's value column (a pro-rated count's
    reports in brackets after it in the reason). D07's 12345 hotline rate is
    89.95%, below the orange line of 90%: the table read 90.0% beside the warning
    that said 89.95% was below 90%. Worked out from the stored warnings' reasons."""
    warned = sample_result.warnings.query(
        "unit_id == 'D07' and period == '2025' and rule != 'event'"
    )
    names = sample_result.catalogue.table["name_zh"]
    said = {}
    for w in warned.itertuples():
        if w.node_id in names.index and f"{names[w.node_id]}为" in w.reason_zh:
            after = w.reason_zh.split(f"{names[w.node_id]}为", 1)[1]
            figure = re.split("[，（]", after)[0]
            said[names[w.node_id]] = figure
    assert said  # D07 has indicator warnings in 2025
    _, page = _page(client, "D07")
    rows = _rows(page["profile-body"]["children"])
    value = {r["indicator"]: r["value"] for r in rows if "peer_score" in r}
    assert said["12345热线工单按时响应率"] == "89.95%"
    for name, figure in said.items():
        assert value[name] == figure, (name, value[name], figure)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (89.95, "89.95%"),  # below the orange line of 90%: not 90.0%
        (90.04, "90.04%"),  # above it, no orange warning: not 90.0% either
        (90.0, "90.0%"),  # on the line
        (88.8, "88.8%"),  # clear of every line: one decimal, as published
        (94.96, "94.96%"),  # below the yellow line of 95%
        (98.96, "98.96%"),  # short of the target of 99%
    ],
)
def test_a_value_beside_a_line_never_reads_as_on_it(
    profile, sample_result, value, shown
):
    """A hand-made 12345 hotline rate for D07 in 2025 (lines: yellow 95%, orange
    90%, red 85%; target 99%, indicators.yaml): the table writes it to one
    decimal, with as many more as it takes not to read equal to a line it is
    not on, as the warnings write a value beside their line."""
    from evaluation.analysis import views

    p = views.profile(sample_result, "D07", "2025")
    hotline = p.indicators["indicator_id"] == "hotline_response_rate"
    ind = p.indicators.assign(value=p.indicators["value"].mask(hotline, value))
    cat = sample_result.catalogue
    for lang, name in (("zh", "12345热线工单按时响应率"), ("en", None)):
        grid = profile._indicator_table(ind, cat, lang, profile._lines(p, cat))
        name = name or cat.name("hotline_response_rate", "en")
        row = next(r for r in grid.rowData if r["indicator"] == name)
        assert row["value"] == shown


def test_an_item_escalated_once_says_one_time_in_english(profile):
    """The deadline of an item escalated once reads "escalated 1 time", twice
    "escalated 2 times" (the counts of English words are singular for one: it said
    "escalated 1 times"); Chinese alike for both, 已升级1次."""
    from types import SimpleNamespace

    _due = profile._due

    def item(n):
        return SimpleNamespace(due="2026-01-31", first_due="2025-11-30", escalations=n)

    assert _due(item(1), "en") == "2026-01-31 (first due 2025-11-30, escalated 1 time)"
    assert _due(item(2), "en") == (
        "2026-01-31 (first due 2025-11-30, escalated 2 times)"
    )
    assert _due(item(1), "zh") == "2026年1月31日（原定2025年11月30日，已升级1次）"
