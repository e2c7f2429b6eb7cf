"""The dashboard's data layer: the period rule and the ledger order."""

from __future__ import annotations

from dataclasses import replace

from dashboards import data
from evaluation.publish.store import save_result


def test_period_rule_and_overdue_first(sample_result, tmp_path):
    data.set_source(save_result(sample_result, tmp_path / "result"))
    assert data.periods(None) == (["2024", "2025"], "2025")
    assert data.periods(None, "2024") == (["2024", "2025"], "2024")
    assert data.period_of(None, "1999") == "2025"  # not in the run: the run's own
    led = data.ledger_overdue_first(None)
    assert len(led) == len(sample_result.ledger)
    rank = (led["status"] == "open").astype(int) * 2 + led["reminder"].astype(int)
    assert list(rank) == sorted(rank, reverse=True)  # open and overdue first
    late = led[(led["status"] == "open") & led["reminder"]]
    assert list(late["first_due"]) == sorted(late["first_due"])


def test_the_rankings_chart_names_its_lists_and_the_places_it_leaves_out(
    sample_result, tmp_path
):
    """The sample city's two lists (districts, departments) drawn one under the
    other, the departments by their top and bottom 10: each list is named above
    its bars, and the departments ranked between the two ends are said to be left
    out, by their number, where they would be (the chart drew 10th and then the
    31st-best department as neighbours)."""
    data.set_source(save_result(sample_result, tmp_path / "result"))
    league = sample_result.league_table("2025")
    level = league["unit_id"].map(sample_result.units.set_index("unit_id")["level"])
    ranked = league["composite_score"].notna()
    districts = int((ranked & (level == "district")).sum())
    departments = int((ranked & (level == "department")).sum())
    assert districts <= 20 < departments  # the sample: all districts, two ends
    fig = data.ranking_chart(None, "2025", data.BY_LEVEL, "zh")
    words = {a.y: a.text for a in fig.layout.annotations if a.y.startswith("gap ")}
    assert words == {
        "gap 0": "<b>县（市）区</b>",
        f"gap {districts}": "<b>市直部门</b>",
        f"gap {districts + 10}": f"……中间{departments - 20}名从略……",
    }
    rows = list(fig.layout.yaxis.categoryarray)
    assert len(rows) == districts + 20 + 3
    assert rows.index(f"gap {districts + 10}") == 1 + districts + 1 + 10
    en = data.ranking_chart(None, "2025", data.BY_LEVEL, "en")
    assert f"… {departments - 20} places not shown …" in {
        a.text for a in en.layout.annotations
    }


def test_a_list_with_no_ranked_unit_gets_no_heading_in_the_chart(
    sample_result, tmp_path
):
    """Every department without a score in 2025 (insufficient data): the chart
    draws the ten districts under their heading and nothing for the departments.
    Their heading was drawn all the same, after the last district (row 10 of the
    rows drawn, ``gap 10``), with no bar under it: the foot of the chart."""
    units = sample_result.units.set_index("unit_id")["level"]

    def gone(t):
        return (t["period"] == "2025") & (t["unit_id"].map(units) == "department")

    assert (units == "district").sum() == 10
    composite, ranks = sample_result.composite.copy(), sample_result.ranks.copy()
    composite.loc[gone(composite), "composite_score"] = float("nan")
    composite.loc[gone(composite), "status"] = "insufficient_data"
    for column in ("rank", "peer_rank", "rank_change", "peer_rank_change"):
        ranks.loc[gone(ranks), column] = float("nan")
    result = replace(sample_result, composite=composite, ranks=ranks)
    data.set_source(save_result(result, tmp_path / "result"))
    data.ranking(None, "2025", data.BY_LEVEL)
    fig = data.ranking_chart(None, "2025", data.BY_LEVEL, "zh")
    words = {a.y: a.text for a in fig.layout.annotations if a.y.startswith("gap ")}
    assert words == {"gap 0": "<b>县（市）区</b>"}
    assert len(fig.layout.yaxis.categoryarray) == 1 + 10  # the heading, 10 bars


def test_one_place_left_out_of_the_chart_is_said_as_one(sample_result, tmp_path):
    """A list of 21 ranked departments: its top and bottom 10 are drawn and the one
    between them is "… 1 place not shown …" in English (it said "1 places"); 22
    leave out "2 places"; Chinese alike for both (……中间1名从略……)."""
    units = sample_result.units.set_index("unit_id")["level"]
    departments = sorted(units.index[units == "department"])
    said = {}
    for keep in (21, 22):
        left = set(departments[keep:])

        def gone(t, left=left):
            return (t["period"] == "2025") & t["unit_id"].isin(left)

        composite, ranks = sample_result.composite.copy(), sample_result.ranks.copy()
        composite.loc[gone(composite), "composite_score"] = float("nan")
        composite.loc[gone(composite), "status"] = "insufficient_data"
        for column in ("rank", "peer_rank", "rank_change", "peer_rank_change"):
            ranks.loc[gone(ranks), column] = float("nan")
        result = replace(sample_result, composite=composite, ranks=ranks)
        data.set_source(save_result(result, tmp_path / f"result{keep}"))
        data.ranking(None, "2025", data.BY_LEVEL)
        for lang in ("zh", "en"):
            fig = data.ranking_chart(None, "2025", data.BY_LEVEL, lang)
            said[keep, lang] = [
                a.text for a in fig.layout.annotations if a.y == "gap 20"
            ]  # the 10 districts (all drawn), the heading, the top 10 departments
    assert said[21, "en"] == ["… 1 place not shown …"]
    assert said[22, "en"] == ["… 2 places not shown …"]
    assert said[21, "zh"] == ["……中间1名从略……"]
    assert said[22, "zh"] == ["……中间2名从略……"]


def test_a_units_warnings_read_worst_first_then_as_the_catalogue_lists_them(
    sample_result, tmp_path
):
    """The risk page's warnings of 2025 as served: 市生态环境局 (D07)'s red ones,
    then its orange ones, each level the composite first, then the dimensions and
    the indicators as indicators.yaml lists them (not by id: 行政效率 before
    审批事项按时办结率, 12345 hotline before the “三公” growth)."""
    data.set_source(save_result(sample_result, tmp_path / "result"))
    rows = data.risk_warnings(None, "2025", "zh").rows("zh")
    d07 = [(r["c2"], r["c4"]) for r in rows if r["c1"] == "市生态环境局"]
    red = ["综合得分", "综合得分", "审批实际用时与承诺时限之比", "群众满意度"]
    orange = [
        "行政效率", "服务评价与满意度", "依法行政与责任追究", "审批事项按时办结率",
        "投诉办结率", "12345热线工单按时响应率", "“三公”经费增长率",
        "领导交办事项超期件数", "企业满意度", "人大代表政协委员满意度",
        "规范性文件合法性审查率", "行政执法案卷评查合格率", "整改事项按期办结率",
        "廉政风险点防控措施落实率",
    ]  # fmt: skip
    assert d07[: len(red) + len(orange)] == [(n, "红色") for n in red] + [
        (n, "橙色") for n in orange
    ]


def test_the_risk_page_says_what_a_typical_gap_is_where_its_reasons_use_one(
    sample_result, tiny_result, tmp_path
):
    """The sample's catalogue has a robust-z peer rule, whose reasons read 约为同类
    典型差距…的…倍: under the risk page's warnings, the typical gap defined, in the
    visitor's language. The tiny catalogue has no such rule: nothing is said."""
    data.set_source(save_result(sample_result, tmp_path / "result"))
    assert data.typical_gap_note(None, "en") == (
        "Typical gap: The median of the peers' distances from the peer median "
        "(absolute differences). A peer warning's limit and reason say how many "
        "typical gaps a unit is behind the peer median."
    )
    data.set_source(save_result(tiny_result, tmp_path / "tiny"))
    assert data.typical_gap_note(None, "zh") == ""


def test_a_unit_without_an_english_name_is_named_in_chinese_on_every_page(
    sample_result, tmp_path
):
    """A run's units leave name_en empty (blank, or only spaces) for two units: the
    English pages name them by their Chinese names (the league tables, links,
    profile and what-if read the run's units from one place), never by a blank;
    the Chinese names and everyone else's English names stay as written."""
    units = sample_result.units.copy()
    units["name_en"] = units["name_en"].astype(object)
    units.loc[units["unit_id"] == "X10", "name_en"] = ""
    units.loc[units["unit_id"] == "D03", "name_en"] = "  "
    data.set_source(
        save_result(replace(sample_result, units=units), tmp_path / "result")
    )
    zh = dict(zip(units["unit_id"], units["name_zh"], strict=True))
    got = data.result(None).units.set_index("unit_id")
    assert got.at["X10", "name_en"] == zh["X10"] == "临江市"
    assert got.at["D03", "name_en"] == zh["D03"]
    assert got.at["X01", "name_en"] == units.set_index("unit_id").at["X01", "name_en"]
    assert list(got["name_zh"]) == list(units["name_zh"])
    table = data.league(None, "2025", None).set_index("unit_id")
    assert table.at["X10", "name_en"] == "临江市"
    assert table.at["X10", "link_en"] == "[临江市](/unit/X10)"
    assert (table["name_en"].str.strip() != "").all()
