"""Figure builders moved out of the pages: each draws the table it is given."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.publish import plots

from ..conftest import ROOT


def test_waterfall_ends_on_the_sum_of_the_contributions():
    w = pd.DataFrame({"node_id": ["a", "b"], "contribution": [42.0, 22.0]})
    fig = plots.plot_waterfall(w, ["甲", "乙"], title="构成", total="综合得分")
    bar = fig.data[0]
    assert list(bar.x) == ["甲", "乙", "综合得分"]
    assert list(bar.y) == [42.0, 22.0, 64.0]
    assert list(bar.measure) == ["relative", "relative", "total"]
    assert list(bar.text) == ["42.00", "22.00", "64.00"]


def test_profile_waterfall_bars_stand_on_the_running_total():
    """The dashboard's waterfall is bars (its plotly.js bundle has no waterfall
    trace): 30, then −5 hanging from 30 down to 25, then 12 from 25 to 37, and
    the composite 37 from 0; the fall in vermilion, connectors at 30, 25, 37."""
    fig = plots.plot_profile_waterfall(
        ["甲", "乙", "丙"], [30.0, -5.0, 12.0], title="构成", total="综合得分",
        x_title="维度", y_title="贡献（分）",
    )  # fmt: skip
    (bar,) = fig["data"]
    assert bar["type"] == "bar"
    assert bar["x"] == ["甲", "乙", "丙", "综合得分"]
    assert bar["y"] == [30.0, -5.0, 12.0, 37.0]
    assert bar["base"] == [0.0, 30.0, 25.0, 0.0]
    tops = [b + y for b, y in zip(bar["base"], bar["y"], strict=True)]
    assert tops == [30.0, 25.0, 37.0, 37.0]
    assert bar["marker"]["color"][1] == plots.PALETTE[5]
    assert bar["text"] == ["30.00", "-5.00", "12.00", "37.00"]
    lines = fig["layout"]["shapes"]
    assert [(s["x0"], s["x1"], s["y0"]) for s in lines] == [
        (0.4, 0.6, 30.0), (1.4, 1.6, 25.0), (2.4, 2.6, 37.0)
    ]  # fmt: skip


def test_dimension_scores_beside_the_peer_median():
    d = pd.DataFrame({"score": [70.0, 55.0], "peer_median": [60.0, 60.0]})
    fig = plots.plot_dimension_scores(
        d, ["A", "B"], title="t", unit="This", median="Peers"
    )
    assert [t.name for t in fig.data] == ["This", "Peers"]
    assert list(fig.data[1].y) == [60.0, 60.0]
    assert fig.layout.yaxis.range == (0, 100)


def test_movers_show_the_biggest_moves_first_gains_green():
    table = pd.DataFrame(
        {"unit_id": ["U1", "U2", "U3", "U4"], "move": [1, -3, np.nan, 2]}
    )
    names = {"U1": "一", "U2": "二", "U3": "三", "U4": "四"}
    fig = plots.plot_movers(table, names, title="t", top=2)
    bar = fig.data[0]
    assert list(bar.y) == ["二", "四"]  # |−3| then |2|; an unranked unit is left out
    assert list(bar.marker.color) == [plots.PALETTE[5], plots.PALETTE[2]]


def test_sunburst_slices_are_the_weights_given():
    w = pd.DataFrame(
        {
            "node_id": ["a", "b", "a1", "a2", "b1"],
            "parent": ["composite", "composite", "a", "a", "b"],
            "weight": [0.6, 0.4, 0.45, 0.15, 0.4],
        }
    )
    names = {n: n.upper() for n in w["node_id"]}
    fig = plots.plot_weights_sunburst(w, names, composite="综合")
    s = fig.data[0]
    assert list(s.ids) == ["composite", "a", "b", "a1", "a2", "b1"]
    assert list(s.parents) == ["", "composite", "composite", "a", "a", "b"]
    assert list(s.values) == [1.0, 0.6, 0.4, 0.45, 0.15, 0.4]
    assert s.labels[0] == "综合" and s.labels[3] == "A1"


def _hierarchy() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "node_id": ["a", "b", "a1", "a2", "b1", "a1x"],
            "parent": ["composite", "composite", "a", "a", "b", "a1"],
            "weight": [0.6, 0.4, 0.45, 0.15, 0.4, 0.45],
        }
    )


def test_sunburst_colours_each_dimension_as_the_profile_and_its_parts_lighter():
    """Plotly's own colours matched no other page. Each level-1 dimension now takes
    the colour of its line on the profile (the Okabe–Ito palette in catalogue
    order: a blue #0072B2, b orange #E69F00), a level below mixed with 40 % white
    and two levels below with 1 − 0.6² = 64 %, by hand: #0072B2 → (0 + 255 × 0.4,
    114 + 141 × 0.4, 178 + 77 × 0.4) = (102, 170.4, 208.8) → #66AAD1 and with 64 %
    (163.2, 204.24, 227.28) → #A3CCE3; #E69F00 → (240, 197.4, 102) → #F0C566.
    The centre stays white."""
    w = _hierarchy()
    fig = plots.plot_weights_sunburst(w, {n: n for n in w["node_id"]}, composite="c")
    colours = dict(zip(fig.data[0].ids, fig.data[0].marker.colors, strict=True))
    assert colours == {
        "composite": "#FFFFFF",
        "a": "#0072B2",
        "b": "#E69F00",
        "a1": "#66AAD1",
        "a2": "#66AAD1",
        "b1": "#F0C566",
        "a1x": "#A3CCE3",
    }
    assert plots.dimension_colours(["a", "b"]) == {"a": "#0072B2", "b": "#E69F00"}


def test_sunburst_labels_are_readable_or_left_to_the_hover():
    """Outer labels were drawn as small as their slices (a few px). Now no label
    is drawn under 12 px (plotly's uniformtext hides one that does not fit), a
    long name is set on lines of at most 100 px so it fits a ring, and the hover
    and the path bar keep the whole name. "Law-based administration and
    accountability" (43 characters, about 43 × 0.52 × 15 = 335 px) takes four
    lines ("administration" alone is 14 × 7.8 = 109 px)."""
    w = _hierarchy()
    long = "Law-based administration and accountability"
    fig = plots.plot_weights_sunburst(
        w, {n: long if n == "a" else n for n in w["node_id"]}, composite="c"
    )
    s = fig.data[0]
    assert fig.layout.uniformtext.minsize >= 12
    assert fig.layout.uniformtext.mode == "hide"
    assert s.textinfo == "text"
    assert s.labels[1] == long  # whole on hover
    assert s.text[1].split("<br>") == [
        "Law-based", "administration", "and", "accountability"
    ]  # fmt: skip
    assert "%{label}" in s.hovertemplate


def test_light_figures_leave_a_missing_value_out():
    fig = plots.plot_parts(["考", "评", "议"], [80.0, np.nan, 90.5], title="t")
    bar = fig["data"][0]
    assert bar["x"] == [80.0, None, 90.5]
    assert bar["text"] == ["80.00", "—", "90.50"]
    gaps = pd.DataFrame({"score": [70.0, np.nan], "group_median": [60.0, 50.0]})
    fig = plots.plot_group_dimensions(gaps, ["A", "B"], title="t", unit="u", median="m")
    assert [b["y"] for b in fig["data"]] == [[70.0, None], [60.0, 50.0]]
    assert "template" not in fig["layout"]  # light: no plotly template


def test_report_dimension_figure_marks_the_group_median():
    fig = plots.plot_dimensions_against_median(
        ["A", "B"], np.array([70.0, 55.0]), np.array([60.0, 60.0]),
        unit="本单位", group_median="考评组中位数",
    )  # fmt: skip
    assert [t.name for t in fig.data] == ["本单位", "考评组中位数"]
    assert list(fig.data[0].text) == ["70.0", "55.0"]
    assert fig.data[1].marker.symbol == "line-ns-open"


def _strip(peers: list[float]) -> dict:
    return plots.plot_peer_strip(
        ["综合得分"], [peers], [120.0], title="t", x_title="得分", y_title="指标",
        unit="本单位", group="同组单位",
    )  # fmt: skip


def test_a_large_groups_strip_is_its_box_and_the_peers_beyond_the_whiskers():
    """201 peers (1…200 and one at 1000): by hand, type-7 quartiles sit at sorted
    positions 50, 100, 150 → 51, 101, 151; IQR 100, so the whiskers reach the
    farthest peers within 151 + 150 and 51 − 150: 200 and 1; 1000 is beyond."""
    fig = _strip([float(v) for v in range(1, 201)] + [1000.0])
    box, dots, mine = fig["data"]
    assert box["type"] == "box" and "x" not in box  # no peer's score sent
    assert (box["q1"], box["median"], box["q3"]) == ([51.0], [101.0], [151.0])
    assert (box["lowerfence"], box["upperfence"]) == ([1.0], [200.0])
    assert dots["x"] == [1000.0] and dots["y"] == ["综合得分"]
    assert mine["x"] == [120.0] and mine["name"] == "本单位"
    assert [t["showlegend"] for t in fig["data"][:2]] == [True, False]


def test_a_small_groups_strip_shows_every_peer():
    peers = [float(v) for v in range(1, plots.STRIP_DOTS_MAX + 1)]
    box = _strip(peers)["data"][0]
    assert box["boxpoints"] == "all" and box["x"] == peers


def _months() -> list[str]:
    return [f"{y}年{m}月" for y in (2024, 2025) for m in range(1, 13)]


def test_a_profile_line_chart_has_room_for_its_labels_before_plotly_measures():
    """24 months cannot stand side by side in a half-screen chart, so plotly turns
    them upright: the bottom margin holds the widest, 2024年10月 (6 digits at
    0.6 em + 2 characters at 1 em of 15 px = 84 px), the axis title and the legend
    row under it; the left one a score tick "100" (3 × 9 px) and the turned title.
    automargin stays on for screens narrower than estimated."""
    fig = plots.plot_lines(
        _months(), [{"name": "本单位", "y": [50.0] * 24}], title="t",
        x_title="评估期", y_title="得分",
    )  # fmt: skip
    margin = fig["layout"]["margin"]
    assert margin["b"] >= 84 + 24 + 24 and margin["l"] >= 27 + 24
    assert fig["layout"]["xaxis"]["automargin"] and fig["layout"]["yaxis"]["automargin"]


def test_four_quarters_lie_flat_and_keep_the_usual_bottom_margin():
    quarters = ["2025年第一季度", "2025年第二季度", "2025年第三季度", "2025年第四季度"]
    fig = plots.plot_lines(
        quarters, [{"name": "本单位", "y": [1.0, 2.0, 3.0, 4.0]}], title="t",
        x_title="评估期", y_title="名次", scale="rank", n=1950,
    )  # fmt: skip
    margin = fig["layout"]["margin"]
    assert margin["b"] == 80 + 24  # a legend row, as before
    assert margin["l"] >= 5 * 9 + 24  # "1,950"


def test_a_strip_leaves_room_for_its_longest_measure_name():
    """依法行政与责任追究 is 9 × 15 = 135 px, over the 130 px a label may take: it
    folds onto two lines (5 and 4 characters) and the margin holds the longer; a
    word that cannot fold (46 letters, at least 0.5 em of 15 px each) stays whole
    and the margin holds it all."""
    word = "Accountability-and-transparency-administration"
    fig = plots.plot_peer_strip(
        ["行政效率", "依法行政与责任追究"], [[60.0, 70.0], [50.0, 80.0]], [65.0, 55.0],
        title="t", x_title="得分", y_title="指标", unit="本单位", group="同组单位",
    )  # fmt: skip
    assert fig["layout"]["yaxis"]["categoryarray"] == [
        "行政效率",
        "依法行政与<br>责任追究",
    ]
    assert fig["layout"]["margin"]["l"] >= 5 * 15 + 24
    fig = plots.plot_peer_strip(
        [word], [[60.0, 70.0]], [65.0], title="t", x_title="得分", y_title="指标",
        unit="本单位", group="同组单位",
    )  # fmt: skip
    assert fig["layout"]["yaxis"]["categoryarray"] == [word]
    assert fig["layout"]["margin"]["l"] >= 46 * 0.5 * 15 + 24


def test_a_title_or_value_axis_title_too_long_folds_onto_lines():
    """Plotly never wraps: a value-axis title longer than the plot is tall ran up
    over the chart's title (行政运行经费占部门支出比重（%）, 15 characters and a
    sign: about 234 px against a plot of 340 − 50 − 104 = 186 px, 149 px as
    drawn), and a title wider than a phone's chart ran off its edge. Folded: the
    same words in order, English broken between words only, each line within the
    room but for a word longer than it; the margins grown for the added lines."""
    y = "行政运行经费占部门支出比重（%）"
    fig = plots.plot_lines(
        ["2024年上半年", "2024年下半年"], [{"name": "本单位", "y": [14.0, 15.0]}],
        title="An indicator's reports over time · Running cost share of spending",
        x_title="报送期", y_title=y, scale="percent", width=1600,
    )  # fmt: skip
    layout = fig["layout"]
    y_lines = layout["yaxis"]["title"]["text"].split("<br>")
    assert "".join(y_lines) == y and len(y_lines) == 2
    title = layout["title"]["text"].split("<br>")
    assert " ".join(title) == layout["title"]["text"].replace("<br>", " ")
    assert " ".join(title).split() == (
        "An indicator's reports over time · Running cost share of spending".split()
    )
    assert len(title) == 3  # 66 characters at ~0.52 em of 21 px: 721 px, 300 a line
    assert layout["margin"]["t"] >= 3 * 21 and layout["margin"]["l"] >= 60 + 15
    assert plots.fold("Composite score over time", 300, 21) == (
        "Composite score over time"  # 25 × 0.52 × 21 = 273 px: fits
    )
    assert plots.fold("在同类单位中的位置 · 县（市）区政府 · 2025年度", 300, 21) == (
        "在同类单位中的位置 ·<br>县（市）区政府 · 2025年度"  # at the separator
    )


def test_months_across_a_whole_page_are_turned_30_degrees_not_upright():
    """In a 1,600 px plot 24 months have ~67 px each: too little to lie flat (84 px),
    room to turn 30° as plotly does, so the margin holds half the label's width
    and its height (42 + 17 px), not the whole width."""
    lines = [{"name": "本单位", "y": [50.0] * 24}]
    half = plots.plot_lines(_months(), lines, title="t", x_title="期", y_title="分")
    whole = plots.plot_lines(
        _months(), lines, title="t", x_title="期", y_title="分", width=1600
    )
    assert 42 + 17 <= whole["layout"]["margin"]["b"] - 24 - 24
    assert whole["layout"]["margin"]["b"] < half["layout"]["margin"]["b"]


def test_a_trend_grows_rather_than_squeeze_its_plot_under_upright_months():
    """English months upright under a half-screen trend: "September 2024" is
    14 × 0.6 × 15 = 126 px, so the bottom margin takes 126 + 40 px and the legend's
    legend's row under them (24 + 14 px); in a 340 px figure with a 50 px top that
    left 340 − 50 − 204 = 86 px of plot (measured in Chromium at 1,366 px: 86). The
    figure grows so that 200 px of plot remain. The Chinese months (2024年10月,
    84 px) take 84 + 40 + 38 = 162 px: 50 + 162 + 200 = 412 px of figure."""
    months = [
        f"{m} {y}"
        for y in (2024, 2025)
        for m in ("January", "February", "March", "April", "May", "June", "July",
                  "August", "September", "October", "November", "December")
    ]  # fmt: skip
    lines = [{"name": "This department", "y": [50.0] * 24}]
    fig = plots.plot_lines(months, lines, title="t", x_title="Period", y_title="Score")
    margin = fig["layout"]["margin"]
    assert margin["b"] == 126 + 40 + 38
    assert fig["layout"]["height"] - margin["t"] - margin["b"] == 200
    zh = plots.plot_lines(_months(), lines, title="t", x_title="期", y_title="分")
    assert zh["layout"]["margin"]["b"] == 162 and zh["layout"]["height"] == 412


def _trend(periods: list[str], groups: list[str]) -> pd.DataFrame:
    """An overview trend table: the city and each group at 60 in every period."""
    rows = [("city", "all")] + [("peer_group", g) for g in groups]
    return pd.DataFrame(
        [(p, kind, g, 10, 60.0) for p in periods for kind, g in rows],
        columns=["period", "kind", "group", "n", "average"],
    )


def test_the_overview_trend_puts_its_legend_under_the_axis_title():
    """24 months turned upright (2024年10月: 6 digits at 0.6 em + 2 characters at
    1 em of 15 px = 84 px) with the axis title under them, then the legend at the
    foot of the figure, anchored to it, not to the plot (where a fixed −0.3 of the
    plot's height put it on the axis title); the margins hold all of it, so plotly
    lays the chart out once. Eight names of 4 to 6 characters (+ 6 each) make 70
    or more characters: two legend rows."""
    months = [f"{y}-M{m:02d}" for y in (2024, 2025) for m in range(1, 13)]
    groups = ["经济管理部门", "社会事业部门", "执法监管部门", "综合管理部门",
              "县区政府", "市直部门", "县区部门"]  # fmt: skip
    names = {"city": {"all": "全市"}, "peer_group": {g: g for g in groups}}
    fig = plots.plot_average_trend(_trend(months, groups), names, lang="zh")
    layout = fig["layout"]
    assert layout["legend"]["yref"] == "container" and layout["legend"]["y"] < 0.05
    assert layout["legend"]["yanchor"] == "bottom"
    rows = 2
    assert layout["margin"]["b"] >= 84 + 2 * 15 + 24 * rows
    assert layout["margin"]["l"] >= 2 * 9 + 24  # a tick "63" and the turned title
    assert layout["xaxis"]["automargin"]  # a phone's narrower chart still fits


def _two_groups() -> tuple[pd.DataFrame, dict[str, str]]:
    """A league of three units in two groups, and the groups' names."""
    table = pd.DataFrame({
        "unit_id": ["a", "b", "c"],
        "name_zh": ["财政局", "依法行政监督局", "区县1"],
        "name_en": ["Finance", "Audit", "County 1"],
        "peer_group": ["g1", "g2", "g1"],
        "composite_score": [80.0, 70.0, 60.0],
        "rank": [1, 2, 3],
    })  # fmt: skip
    return table, {"g1": "甲组", "g2": "乙组"}


def test_the_rank_bar_has_room_for_names_legend_and_title():
    """The longest name (依法行政监督局: 7 characters of 15 px = 105 px) and the
    turned axis title on the left; the title's line and one row of legend above
    the bars (two groups, far less than 700 px). Drawn for a narrower chart, the
    legend takes more rows: the figure is taller by them, the top margin holds
    one (plotly moves the bars under the others where they are drawn)."""
    table, groups = _two_groups()
    fig = plots.plot_rank_bar(table, lang="zh", group_names=groups)
    margin = fig.layout.margin
    assert margin.l >= 105 + 24
    assert margin.t >= 2 * 24  # the title's line, then the legend's
    assert fig.layout.title.yref == "container" and fig.layout.title.yanchor == "top"
    # 2 × 15 + 2 × (2 × 15 + 40) = 170 px of legend in 100 px (a chart 250 px
    # wide, 149 px of names): two rows of 28 px
    narrow = plots.plot_rank_bar(table, lang="zh", group_names=groups, width=250)
    assert narrow.layout.margin.t == margin.t
    assert narrow.layout.height == fig.layout.height + 28


def test_the_rank_bar_hangs_its_legend_below_its_title():
    """Set after drawing, the title met the legend (Chromium: title 20–50 px down,
    legend 34–68 px). Given to the chart, the title (1.4 × 15 = 21 px, hung by its
    first baseline 8 + 21 = 29 px from the top) ends 29 + 21 = 50 px down; the legend
    hangs 4 px below it, at 54 px, and the bars start below the legend's rows: one
    row of 28 px plus 6 px of padding for two groups (类别 30 + 2 × (30 + 40) =
    170 px) in the 390 − 149 − 30 = 211 px right of the names (依法行政监督局, 105 +
    44 px) on a phone, and the 12 px plotly keeps under a legend placed in the
    container (less, and it lays the chart out again). An English title of 33
    characters (33 × 0.6 × 21 ≈ 416 px) folds in the 300 px a title has: a second
    line 1.25 × 21 = 26 px lower."""
    table, groups = _two_groups()
    zh = plots.plot_rank_bar(
        table, lang="zh", group_names=groups, width=390, title="各榜前10名与后10名"
    )
    legend_top = (1 - zh.layout.legend.y) * zh.layout.height
    assert zh.layout.legend.yref == "container" and zh.layout.legend.yanchor == "top"
    assert legend_top == pytest.approx(54, abs=0.5)
    assert zh.layout.margin.t == 54 + 6 + 28 + 12
    assert zh.layout.title.text == "各榜前10名与后10名"
    en = plots.plot_rank_bar(
        table, lang="en", width=390, title="Top 10 and bottom 10 of each list"
    )
    assert en.layout.title.text.count("<br>") == 1
    assert (1 - en.layout.legend.y) * en.layout.height == pytest.approx(54 + 26, abs=1)


def test_the_english_legend_puts_its_title_above_where_a_phone_is_too_narrow():
    """On a 390 px phone the English legend ran off the screen's right edge: its
    title "Peer group" (10 × 0.6 × 15 = 90 px) beside "Law enforcement and
    regulatory departments" (42 × 0.6 × 15 = 378 px, and its 40 px sample) is
    508 px, past the 390 − 30 = 360 px a row has, and plotly indents every row by a
    title beside it. There the title goes on a row of its own above the entries,
    which are set at 13 px as the names beside the bars (42 × 0.6 × 13 = 328 px),
    and the bars start a 28 px row lower. The Chinese (类别 30 px beside
    执法监管部门 90 px: 160 px) keeps its title beside the entries at 15 px."""
    table, _ = _two_groups()
    english = {"g1": "Economic management departments",
               "g2": "Law enforcement and regulatory departments"}  # fmt: skip
    en = plots.plot_rank_bar(table, lang="en", group_names=english, width=390)
    assert en.layout.legend.title.side == "top"
    assert en.layout.legend.font.size == 13
    zh = plots.plot_rank_bar(
        table, lang="zh", group_names={"g1": "经济管理部门", "g2": "执法监管部门"},
        width=390,
    )  # fmt: skip
    assert zh.layout.legend.title.side is None  # plotly's: beside the entries
    assert zh.layout.legend.font.size is None  # the chart's 15 px
    assert en.layout.margin.t == zh.layout.margin.t + 28


def test_a_long_english_name_takes_two_lines_beside_its_bar_whole_on_hover():
    """ "Municipal State-owned Assets Supervision and Administration Commission"
    (70 characters) folded into four lines of 160 px, and every row grew to the
    tallest name's four lines: the sample's English chart was 3,200 px tall against
    1,170 px in Chinese. English names are now set at 13 px (a Latin letter about
    0.52 × 13 = 6.76 px) on at most two lines of 180 px, the second cut after a
    word with … where the name needs more; the hover keeps the whole name. By hand:
    "Municipal State-owned Assets" is 28 × 6.76 = 189 px, over 180, so the first
    line is "Municipal State-owned"; "Assets Supervision and…" is 23 × 6.76 = 155 px,
    and "… Administration…" 38 × 6.76 = 257 px. Rows of two lines are 13 × (1 +
    1.3) = 29.9 px of text (plotly sets lines 1.3 em apart) and 4 px between rows:
    34 px where one line takes 26, so twelve rows are 12 × 8 = 96 px taller."""
    long = "Municipal State-owned Assets Supervision and Administration Commission"
    table = pd.DataFrame({
        "unit_id": [f"u{k}" for k in range(12)],
        "name_en": [long] + [f"Bureau {k}" for k in range(11)],
        "peer_group": ["g1"] * 12,
        "composite_score": np.linspace(90.0, 60.0, 12),
        "rank": range(1, 13),
    })  # fmt: skip
    fig = plots.plot_rank_bar(table, lang="en", group_names={"g1": "Departments"})
    ticks = fig.layout.yaxis.ticktext
    assert ticks[0] == "Municipal State-owned<br>Assets Supervision and…"
    assert ticks[1:] == tuple(f"Bureau {k}" for k in range(11))
    assert fig.layout.yaxis.tickfont.size == 13
    assert fig.data[0].customdata[0][0] == long  # the whole name on hover
    assert fig.layout.margin.l < 250  # the widest line, not the name
    short = plots.plot_rank_bar(
        table.assign(name_en=[f"Bureau {k}" for k in range(12)]), lang="en",
        group_names={"g1": "Departments"},
    )  # fmt: skip
    assert fig.layout.height == short.layout.height + 96


def test_a_legend_entry_wider_than_its_room_takes_one_row_not_more():
    """The legend's rows were its whole width over the room right of the names, as
    if an entry could break: on a phone five English group names counted 13 rows
    where plotly draws five, and the chart was drawn 8 rows (224 px) too tall. By
    hand: names "A", "B" at 13 px (7.8 + 44 = 51 px of margin) leave a 390 px phone
    390 − 51 − 30 = 309 px, 309 − 90 = 219 right of "Peer group" (10 × 9 px);
    "Law enforcement and regulatory departments" (42 × 9 + 40 = 418 px) and
    "General administration departments" (34 × 9 + 40 = 346 px) each take a row of
    their own: two rows, one more (28 px) than on a 2,000 px screen, where both
    fit on one (the sum, 90 + 418 + 346 = 854 px over 309, counted three). Too wide
    beside its title on the phone, the legend there puts the title on a row of its
    own above them (28 px more), its entries at 13 px (42 × 7.8 + 40 = 368 and
    34 × 7.8 + 40 = 305 px: still a row each)."""
    table = pd.DataFrame({
        "unit_id": ["u1", "u2"], "name_en": ["A", "B"], "peer_group": ["g1", "g2"],
        "composite_score": [80.0, 70.0], "rank": [1, 2],
    })  # fmt: skip
    groups = {
        "g1": "Law enforcement and regulatory departments",
        "g2": "General administration departments",
    }
    phone = plots.plot_rank_bar(table, lang="en", group_names=groups, width=390)
    wide = plots.plot_rank_bar(table, lang="en", group_names=groups, width=2000)
    assert phone.layout.margin.l == 51
    assert phone.layout.height == wide.layout.height + 28 + 28


def test_the_trend_legend_has_the_rows_a_phone_needs():
    """On a 390 px phone a legend row has about 320 px; each name takes its width
    (15 px a Chinese character) and 40 px for its line's sample: 全市 70, 市直部门 100,
    县（市）区 115 (285 on the first row), four names of six characters 130 each (two
    a row), 县（市）区政府 145: four rows, which the bottom margin holds under the
    upright months (84 px) and the axis title (2 × 15), so the plot keeps its room
    (a legend sized for a monitor left the phone's trend 121 px of plot)."""
    months = [f"{y}-M{m:02d}" for y in (2024, 2025) for m in range(1, 13)]
    levels = {"department": "市直部门", "district": "县（市）区"}
    groups = ["经济管理部门", "社会事业部门", "执法监管部门", "综合管理部门",
              "县（市）区政府"]  # fmt: skip
    kinds = [("city", "all"), *(("level", k) for k in levels),
             *(("peer_group", g) for g in groups)]  # fmt: skip
    trend = pd.DataFrame(
        [(p, kind, g, 10, 60.0) for p in months for kind, g in kinds],
        columns=["period", "kind", "group", "n", "average"],
    )
    names = {"city": {"all": "全市"}, "peer_group": {g: g for g in groups},
             "level": levels}  # fmt: skip
    layout = plots.plot_average_trend(trend, names, lang="zh")["layout"]
    assert layout["margin"]["b"] >= 84 + 2 * 15 + 24 * 4
    assert layout["legend"]["xref"] == "container"  # the chart's whole width


def test_hovers_read_label_colon_value_as_each_language_writes_it():
    """Chinese takes the full-width colon with no space (排名：1), English ": "; a
    trend's point names its rank as Chinese does (第1名)."""
    table, groups = _two_groups()
    zh = plots.plot_rank_bar(table, lang="zh", group_names=groups).data[0]
    en = plots.plot_rank_bar(table, lang="en", group_names=groups).data[0]
    assert "<br>排名：%{customdata[1]}" in zh.hovertemplate
    assert ": " not in zh.hovertemplate
    assert "<br>Rank: %{customdata[1]}" in en.hovertemplate
    trend = pd.DataFrame(
        {"period": ["2025年1月"], "composite_score": [80.0], "rank": [1]}
    )
    point = plots.plot_trend(trend, title="综合得分走势", lang="zh").data[0]
    assert point.hovertemplate.startswith("%{x}：%{y:.2f}分（第%{customdata}名）")
    strip = plots.plot_peer_strip(
        ["综合得分"], [[1.0, 2.0]], [1.5], title="t", x_title="得分", y_title="指标",
        unit="本单位", group="同组单位", peer_names=["甲", "乙"], lang="zh",
    )["data"][0]  # fmt: skip
    assert strip["hovertemplate"].startswith("%{text}：%{x:.2f}")


def test_a_chinese_fold_never_starts_a_line_with_closing_punctuation():
    """避头尾: 市财政局：考、评、议三部分得分 is 15 × 21 = 315 px; in 250 px it takes
    two lines, even shares cut after 8 characters (168 px ≥ 157.5), which put 、
    first on the second line. The mark stays on the first line instead (9
    characters, 189 px, within the room). In 100 px (4 lines) neither 、 nor ：
    starts a line, and no line ends on an opening bracket."""
    title = "市财政局：考、评、议三部分得分"
    assert plots.fold(title, 250, 21) == "市财政局：考、评、<br>议三部分得分"
    for room in (60, 100, 150, 200, 280):
        lines = plots.fold(title, room, 21).split("<br>")
        assert "".join(lines) == title
        assert [x for x in lines[1:] if x[0] in "、，。：；）」』》!?:"] == [], lines
    said = "核实结论须说明（“理由”）并报送考评办公室核查"
    lines = plots.fold(said, 130, 21).split("<br>")
    assert [x for x in lines[:-1] if x[-1] in "（“「《"] == [], lines
    assert [x for x in lines[1:] if x[0] in "）”」》"] == [], lines


def test_an_english_title_with_a_full_width_colon_folds_between_words():
    """Full-width punctuation is no Chinese letter: a title with ``：`` and no
    Chinese is English, folded between words only (it was cut as Chinese:
    "Municipal Sports Bureau<br>：The three parts: exami<br>nation, …")."""
    title = "Municipal Sports Bureau：The three parts: examination, review, survey"
    for room in (100, 150, 200, 280):
        lines = plots.fold(title, room, 21).split("<br>")
        assert " ".join(lines) == title, lines  # broken at spaces only


def test_the_risk_heatmap_is_titled_with_the_period_by_name(catalogue):
    """The default title names the period as the dashboard does: 风险等级 ·
    2025年第四季度 and Risk level · Q4 2025, not the code 2025-Q4."""
    data = ev.load_dataset(ROOT / "data" / "sample")
    result = ev.run(catalogue, data, period="2025-Q4")
    zh = plots.plot_risk_heatmap(result, lang="zh", top=3)
    assert zh.layout.title.text == "风险等级 · 2025年第四季度"
    en = plots.plot_risk_heatmap(result, lang="en", top=3)
    assert en.layout.title.text == "Risk level · Q4 2025"
    titled = plots.plot_risk_heatmap(result, lang="en", top=3, title="Risk · Q4")
    assert titled.layout.title.text == "Risk · Q4"


def test_the_overview_trend_marks_the_period_on_its_own_category_in_english():
    """An English year is written 2025, which plotly reads as a number: a marker at
    x = "2025" on the category axis stood at category number 2025, stretching the
    axis to about −120 … 2028 and crushing the two years' lines into its left edge.
    The marker names the category by its place instead: 2025 is the second of 2024,
    2025 (place 1, counted from 0), in either language."""
    trend = _trend(["2024", "2025"], ["县区政府"])
    names = {"city": {"all": "全市"}}
    for lang in ("zh", "en"):
        layout = plots.plot_average_trend(trend, names, lang=lang, period="2025")
        (line,) = layout["layout"]["shapes"]
        assert (line["x0"], line["x1"]) == (1, 1), lang


def test_the_rank_bar_draws_its_gaps_as_rows_of_words_without_bars():
    """Two ends of a list drawn together read as one run of places (10th then
    31st, nothing between): a gap is a row of its own between them, its words
    where the bars are and no name or bar in it; a gap at the end follows the
    last bar; a place outside the table is an error, not a silent nothing."""
    table, groups = _two_groups()
    fig = plots.plot_rank_bar(
        table,
        lang="zh",
        group_names=groups,
        gaps={0: "甲", 2: "……中间5名从略……", 3: "乙"},
    )
    assert list(fig.layout.yaxis.categoryarray) == [
        "gap 0",
        "a",
        "b",
        "gap 2",
        "c",
        "gap 3",
    ]
    assert list(fig.layout.yaxis.ticktext) == [
        "",
        "财政局",
        "依法行政监督局",
        "",
        "区县1",
        "",
    ]
    words = {a.y: a.text for a in fig.layout.annotations}
    assert words == {"gap 0": "甲", "gap 2": "……中间5名从略……", "gap 3": "乙"}
    bars = {y for trace in fig.data for y in trace.y}
    assert bars == {"a", "b", "c"}  # no bar in a gap's row
    # rows of 26 px: ten units take 140 + 260 px (above the least, 320), and two
    # gaps 52 px more
    ten = pd.concat([table] * 4, ignore_index=True).head(10)
    ten["unit_id"] = [f"u{k}" for k in range(10)]
    tall = plots.plot_rank_bar(ten, lang="zh", gaps={3: "x", 10: "y"})
    assert tall.layout.height - plots.plot_rank_bar(ten, lang="zh").layout.height == 52
    with pytest.raises(ValueError, match="gaps"):
        plots.plot_rank_bar(table, lang="zh", gaps={4: "x"})


def test_the_rank_bar_with_top_keeps_the_gaps_of_the_rows_it_draws():
    """Gaps are places in the table given: with top=2 of its three rows, the gap
    before the 2nd row is drawn; those before the 3rd row and at the table's end
    stand beside rows not drawn, so they are left out with them, not drawn under
    the last bar as if those rows followed. It raised instead, saying the table had
    0…2 rows."""
    table, groups = _two_groups()
    fig = plots.plot_rank_bar(
        table,
        lang="zh",
        group_names=groups,
        top=2,
        gaps={1: "甲", 2: "……中间1名从略……", 3: "乙"},
    )
    assert list(fig.layout.yaxis.categoryarray) == ["a", "gap 1", "b"]
    assert [a.text for a in fig.layout.annotations] == ["甲"]
    # top beyond the table cuts nothing: the gap at its end is drawn
    whole = plots.plot_rank_bar(table, lang="zh", top=5, gaps={3: "乙"})
    assert list(whole.layout.yaxis.categoryarray) == ["a", "b", "c", "gap 3"]
    with pytest.raises(ValueError, match="gaps"):
        plots.plot_rank_bar(table, lang="zh", top=2, gaps={4: "x"})


def test_the_rank_bar_keeps_a_label_of_100_inside_on_any_screen():
    """A score of 100 ends its bar at the 0–100 axis's end; drawn for any screen,
    its label ran past a right margin of 30 px (cut to "100." on a desktop). The
    margin now holds the widest label, by hand "100.00": 6 × 0.6 × 15 = 54 px,
    and 8 more, 62; a chart topped by 90.04 keeps 5 × 9 + 8 = 53, fitted or not,
    in either language; with no score drawn, 30."""
    table = pd.DataFrame({
        "unit_id": ["u1", "u2"], "name_zh": ["甲局", "乙局"],
        "name_en": ["Bureau A", "Bureau B"], "peer_group": ["g1", "g1"],
        "composite_score": [100.0, 56.0], "rank": [1, 2],
    })  # fmt: skip
    for lang in ("zh", "en"):
        assert plots.plot_rank_bar(table, lang=lang).layout.margin.r == 62
        fitted = plots.plot_rank_bar(table, lang=lang, width=374, fit=True)
        assert fitted.layout.margin.r == 62
        lower = table.assign(composite_score=[90.04, 56.0])
        assert plots.plot_rank_bar(lower, lang=lang).layout.margin.r == 53
    unscored = table.assign(composite_score=[float("nan")] * 2)
    assert plots.plot_rank_bar(unscored, lang="zh").layout.margin.r == 30


def test_the_rank_bar_drawn_to_fit_a_phone_keeps_labels_and_headings_inside():
    """Drawn for any screen, English names fold into lines of 180 px and the right
    margin was 30 px: on a 374 px card (a 390 px phone) the names took 254 px, the
    bars 90, and the top label and the lists' headings ran past the card. Drawn to
    fit (``fit``), by hand: the widest label "90.04" is 5 × 0.6 × 15 = 45 px, so
    the right margin is 45 + 8 = 53; the names fold into 374 − 53 − 160 − 44 =
    117 px ("Dongcheng District", 18 × 0.52 × 13 = 121.7 px, onto two lines), the
    widest line "Nanhu District" 14 × 0.6 × 13 = 109.2 px, a left margin of 153.
    The heading "Districts and counties" (22 × 7.8 = 171.6 px) has 374 − 153 − 10
    = 211 px and stays on a line; on a 280 px card names fold into 60 px (the
    least), "Dongcheng" the widest line (70.2 + 44: 114), and the heading's 156 px
    take two lines, both bold, from the bars' left edge: the narrowest even
    lines, "Districts" (70.2 px) and "and counties" (12 × 7.8 = 93.6 px) where
    "Districts and" would take 101.4."""
    table = pd.DataFrame({
        "unit_id": ["u1", "u2"], "name_en": ["Dongcheng District", "Nanhu District"],
        "peer_group": ["g1", "g1"], "composite_score": [90.04, 56.0], "rank": [1, 2],
    })  # fmt: skip
    heading = "<b>Districts and counties</b>"

    def drawn(**kw):
        return plots.plot_rank_bar(
            table, lang="en", group_names={"g1": "Districts"}, gaps={0: heading}, **kw
        )

    phone = drawn(width=374, fit=True)
    assert phone.layout.margin.r == 53
    assert phone.layout.margin.l == 153
    assert phone.layout.yaxis.ticktext == (
        "",
        "Dongcheng<br>District",
        "Nanhu District",
    )
    assert phone.layout.annotations[0].text == heading
    narrow = drawn(width=280, fit=True)
    assert narrow.layout.margin.l == 114
    assert narrow.layout.yaxis.ticktext == (
        "", "Dongcheng<br>District", "Nanhu<br>District"
    )  # fmt: skip
    assert narrow.layout.annotations[0].text == "<b>Districts<br>and counties</b>"
    assert narrow.layout.annotations[0].align == "left"
    anywhere = drawn(width=374)  # as drawn for any screen: the same label's room
    assert anywhere.layout.margin.r == 53
    assert anywhere.layout.yaxis.ticktext[1] == "Dongcheng District"
