"""Plotly figures shared by notebooks and the dashboard; pure functions of tables."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from evaluation import periods as P
from evaluation import vocabulary as V
from evaluation.analysis import views
from evaluation.appraisal import GRADES
from evaluation.catalogue import COMPOSITE
from evaluation.publish.export import round_half_up
from evaluation.risk.rules import LEVELS, SEVERITY, dimension_levels

#: Okabe–Ito colours (colour-blind safe), most distinct first; yellow and black last.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
#: Fonts that carry Chinese glyphs, tried in order by the browser.
FONT_FAMILY = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
    '"WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif'
)


def _colon(lang: str) -> str:
    """A hover's "label: value" colon: full width, no space, in Chinese."""
    return V.word("plot", "colon", lang)


def _hover(label: str, value: str, lang: str, extra: str = "") -> str:
    """A hover template reading "label: value" (Plotly's ``%{…}`` fields), as
    ``lang`` writes it, ``extra`` in the hover's side box."""
    return f"%{{{label}}}{_colon(lang)}%{{{value}}}<extra>{extra}</extra>"


def _check_lang(lang: str) -> None:
    if lang not in V.LANGS:
        raise ValueError(f"lang must be one of {sorted(V.LANGS)}, not {lang!r}")


#: the score scale of the bounded normalisations, on which score axes stay fixed
SCALE = (0, 100)


def score_range(*values, fixed=SCALE, pad: float = 0.05) -> list[float]:
    """A score axis's range: ``fixed`` while every value drawn lies on the 0–100
    scale (the usual pictures unchanged), else the values' span with 0 (bars grow
    from it), widened by ``pad`` of that span on each side that has values.

    Unbounded normalisations (``zscore`` or ``robust_z`` without ``clip``, uncapped
    ``target``, ``ratio_mean`` …) give scores below 0 or above 100, and contributions
    can be negative; a fixed 0–100 axis would draw them off the chart. NaN is
    ignored (nothing is drawn for it).
    """
    v = np.concatenate([np.ravel(np.asarray(x, dtype=float)) for x in values] or [[]])
    v = v[np.isfinite(v)]
    if not len(v) or (v.min() >= SCALE[0] and v.max() <= SCALE[1]):
        return list(fixed)
    lo, hi = min(float(v.min()), 0.0), max(float(v.max()), 0.0)
    margin = pad * (hi - lo)
    return [lo - margin if lo < 0 else 0.0, hi + margin if hi > 0 else 0.0]


def _ticks(axis_range, fixed=SCALE) -> int | None:
    """Ticks every 20 on the 0–100 scale; plotly's own spacing on a widened axis."""
    return 20 if list(axis_range) == list(fixed) else None


def plot_rank_bar(
    table: pd.DataFrame,
    *,
    lang: str = "zh",
    top: int | None = None,
    group_names: Mapping[str, str] | None = None,
    width: float = 700,
    title: str | None = None,
    gaps: Mapping[int, str] | None = None,
    fit: bool = False,
) -> go.Figure:
    """Horizontal bars of composite scores, best at the top, coloured by peer group.

    Parameters
    ----------
    table : DataFrame
        A league table as returned by ``Result.league_table``, in its order (best
        first); units without a score (insufficient data) get a note, not a bar.
    lang : {"zh", "en"}
        Language of unit names and axis titles.
    top : int, optional
        Show only the first ``top`` rows of ``table``.
    group_names : mapping, optional
        Peer-group id → display name, in catalogue order. Colours follow this order,
        so a group keeps its colour whatever subset is plotted; without it, groups are
        coloured in sorted id order and labelled by id.
    width : float
        About how wide the chart is drawn at its narrowest, in px: the figure is
        as tall as the legend's rows there take (a caller that draws for any
        screen gives a phone's width). The top margin holds one row; where the
        legend takes more, plotly moves the bars down under them, and where it
        takes fewer the bars are drawn taller, so no empty band is left. Where the
        legend's title and its widest entry are wider than that, the title is put
        on a row of its own above the entries (the English names on a phone).
    title : str, optional
        The chart's title, folded to :data:`TITLE_ROOM` and hung from the top, the
        legend's rows below its last line (a title set afterwards would meet them).
    gaps : mapping, optional
        Row position → words, drawn in a row of their own, without a bar, before
        that row of ``table`` (after the last row at ``len(table)``): where rows were
        left out (……中间12个从略……) or a new list begins, so that two lists or the
        two ends of one are not read as one run of places. With ``top``, those
        before the rows drawn (a gap beside the rows left out goes with them).
    fit : bool
        Drawn exactly ``width`` px wide (a phone's card): the names folded into
        what is left beside :data:`BAR_ROOM` px of bars and the right margin, and
        the gaps' words folded into the room right of the names. Without it, the
        names take their room (:data:`BAR_NAMES`) on any screen. Either way the
        right margin is as wide as the widest value label (at the axis's end it
        would be cut: 100.00 on the 0–100 scale).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    _check_lang(lang)
    missing = {"unit_id", f"name_{lang}", "peer_group", "composite_score", "rank"}
    missing -= set(table.columns)
    if missing:
        raise ValueError(f"table lacks league-table columns {sorted(missing)}")
    # a gap's row: a category of its own (no unit id has a space), its words where
    # the bars are; placed in the table given, drawn only beside the rows drawn
    gaps = {int(k): str(v) for k, v in (gaps or {}).items()}
    if any(not 0 <= i <= len(table) for i in gaps):
        raise ValueError(f"gaps {sorted(gaps)} outside the table's 0…{len(table)} rows")
    if top is not None and top < len(table):
        table = table.head(top)
        gaps = {i: words for i, words in gaps.items() if i < top}
    labels = V.words("plot", lang)
    colon = labels["colon"]
    names = dict(group_names or {g: g for g in sorted(table["peer_group"].unique())})
    for group in sorted(set(table["peer_group"]) - set(names)):
        names[group] = group  # a group the mapping does not know keeps its id
    colours = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(names)}

    fig = go.Figure()
    for group, name in names.items():
        rows = table[table["peer_group"] == group]
        if rows.empty:
            continue
        fig.add_bar(
            x=rows["composite_score"],
            y=rows["unit_id"],
            orientation="h",
            name=name,
            marker_color=colours[group],
            text=round_half_up(rows["composite_score"]),  # as the media CSV rounds
            textposition="outside",
            cliponaxis=False,
            customdata=rows[[f"name_{lang}", "rank"]],
            hovertemplate=(
                f"%{{customdata[0]}}<br>{labels['group']}{colon}{name}"
                f"<br>{labels['rank']}{colon}%{{customdata[1]}}"
                f"<br>{labels['x']}{colon}%{{text}}<extra></extra>"
            ),
        )
    for unit_id in table.loc[table["composite_score"].isna(), "unit_id"]:
        fig.add_annotation(
            x=0,
            y=unit_id,
            text=V.MEDIA_NOTE["insufficient_data"].text(lang),
            xanchor="left",
            showarrow=False,
            font={"color": "#5f6b7a"},
        )
    # margins that hold the names, the legend and the title as drawn, so plotly's
    # automargin (kept for narrow screens) does not lay the chart out again
    size = 15
    shown = [names[g] for g in names if g in set(table["peer_group"])]
    # names folded onto lines (plotly never wraps a label): a long English name
    # would take the phone's whole width; a row as tall as its lines. English
    # names, smaller, on two lines at most (whole on hover), so that the rows stay
    # about as tall as the Chinese ones
    room, name_size, most = BAR_NAMES[lang]
    # the right margin holds the widest value label as if at the axis's end, on
    # any screen (in a margin of 30 px, 100.00 at the end of 0–100 ran 19 px past
    # the chart's edge and read "100."); fitted, the bars keep their least room
    labels_drawn = map(text_width, round_half_up(table["composite_score"]))
    right = max(30, int(max(labels_drawn, default=0)) + 8)
    if fit:
        room = min(room, max(60, width - right - BAR_ROOM - 44))
    ticks = [
        fold(n, room, name_size) if most is None else fold_in(n, room, name_size, most)
        for n in map(str, table[f"name_{lang}"])
    ]
    lines = [line for t in ticks for line in t.split("<br>")]
    rows_shown, tick_text = [], []  # the units' rows and the gaps' in order
    pairs = [*zip(table["unit_id"], ticks, strict=True), (None, "")]  # then the end
    for i, (unit_id, tick) in enumerate(pairs):
        if i in gaps:
            rows_shown.append(f"gap {i}")
            tick_text.append("")
        if unit_id is not None:
            rows_shown.append(unit_id)
            tick_text.append(tick)
    widest = max(lines, key=text_width, default="")
    n_lines = 1 + max((t.count("<br>") for t in ticks), default=0)
    # a row holds its name's lines (plotly sets them 1.3 em apart) and 4 px more
    row = max(26, int(-(-name_size * (1 + 1.3 * (n_lines - 1)) // 1)) + 4)
    left = max(10, int(text_width(widest, name_size) + 44))
    for i, words in gaps.items():  # from the bars' left edge to the chart's right
        words = _fold_words(words, width - left - 10, size) if fit else words
        fig.add_annotation(
            x=0, xref="paper", y=f"gap {i}", text=words, xanchor="left",
            showarrow=False, font={"color": "#5f6b7a"},
            **({"align": "left"} if fit else {}),  # its lines from the bars' edge
        )  # fmt: skip
    # the legend's title beside its entries, or on a row of its own above them
    # where the title and the widest entry beside it are wider than ``width``:
    # the English names on a phone, "Law enforcement and regulatory departments"
    # ran off the screen's right edge (plotly never breaks an entry, and indents
    # every row by a title beside them); there the entries are as large as the
    # names beside the bars, so that the widest fits a phone with room to spare
    longest = max((text_width(n, size) for n in shown), default=0.0)
    on_top = text_width(labels["group"], size) + longest + 40 > width - 30
    key_size = name_size if on_top else size
    # the legend's rows in the room right of the names (and of the legend's title
    # beside them): entries packed in turn, one wider than the room on a row of its
    # own
    space = max(width - left - right, 100)
    space -= 0 if on_top else text_width(labels["group"], size)
    first = 2 if on_top else 1  # the legend's rows above the bars on any screen
    rows, taken = first, 0.0
    for n in shown:
        entry = text_width(n, key_size) + 40
        if taken and taken + entry > space:
            rows, taken = rows + 1, 0.0
        taken += entry
    # the title hung from the top (plotly hangs it by its first baseline: a line's
    # height of pad keeps it inside the chart), the legend hung below its last
    # line (a row of 28 px with 6 px of padding), the bars 12 px below its first
    # row, as plotly keeps them below a legend placed in the container: where the
    # legend takes more rows (a phone), plotly moves the bars down under them;
    # where it takes one (a desktop), no empty band is left above the bars
    pad = int(8 + 1.4 * size)
    title = fold(title, min(width, TITLE_ROOM) - 20, 1.4 * size) if title else None
    n_title = title.count("<br>") + 1 if title else 0  # the title's lines
    above = pad + int(1.4 * size * (1 + 1.25 * (n_title - 1))) + 4 if title else 34
    top = above + 6 + 28 * first + 12
    # as tall as the bars and the legend's rows at ``width`` take: the bars keep
    # their room there and are drawn a little taller where it takes fewer
    height = max(320, 140 + row * len(rows_shown)) + top + 28 * (rows - first) - 68
    fig.update_layout(
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": size},
        height=height,
        margin={"l": left, "r": right, "t": top, "b": 60},
        bargap=0.25,
        title={
            "text": title,
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": pad},
        },
        legend={
            "orientation": "h",
            "x": 0,
            "yref": "container",
            "y": 1 - above / height,
            "yanchor": "top",
            "title": {"text": labels["group"], **({"side": "top"} if on_top else {})},
            **({"font": {"size": key_size}} if on_top else {}),
        },
    )
    x = score_range(table["composite_score"], pad=0.15)  # room for the labels
    fig.update_xaxes(title_text=labels["x"], range=x, dtick=_ticks(x))
    fig.update_yaxes(
        title_text=labels["y"],
        type="category",
        categoryorder="array",
        categoryarray=rows_shown,
        tickvals=rows_shown,
        ticktext=tick_text,
        tickfont={"size": name_size},
        autorange="reversed",
    )
    return fig


#: px a unit's name may take beside its bar before it folds: Chinese names (up to
#: 16 characters) stay on a line, long English ones fold, so a phone keeps room
#: for the bars and the axis title
NAME_ROOM = {"zh": 240, "en": 160}
#: a unit's name beside its rank bar: px a line may take, font size, most lines
#: (``None``: as many as it takes). A Chinese name of up to 16 characters stays
#: on a line; an English one, at 13 px, on two lines of 180 px at most, cut (…)
#: after them: rows of four lines made the English chart 2.7 times the Chinese
BAR_NAMES = {"zh": (NAME_ROOM["zh"], 15, None), "en": (180, 13, 2)}
#: px a chart drawn to fit its width (``fit``) keeps for its bars: the names fold
#: into what the bars and the value labels' margin leave (English, on a 374 px
#: card, into lines of 117 px; their margin, measured wider, leaves the bars 137)
BAR_ROOM = 160


def plot_risk_heatmap(
    result, period: str | None = None, *, lang: str = "zh", top: int | None = None,
    title: str | None = None,
):  # fmt: skip
    """Units × level-1 dimensions (and overall) coloured by risk level.

    A cell's level is the worst warning on the dimension or anything below it;
    "overall" is the unit's grade (any warning, events included). Units are ordered
    worst first (the ``top`` worst only, if given); hovering shows the number of
    warnings behind the colour. Long names are folded onto lines (plotly never wraps
    a label: a long English name took a phone's whole width and ran under the axis
    title), the level key lies below the cells, and the margins are set from the
    labels, so the chart reads on a 390 px phone as on a monitor. Each cell says its
    level in one character (红, 橙, 黄, 绿; R, O, Y, G), so that it reads without its
    colour (a colour-blind reader, a grey print). ``title``: the
    chart's title (default: the risk level and the period by name, 风险等级 ·
    2025年12月, as the dashboard titles it).
    """
    _check_lang(lang)
    period = period or result.period
    named = (P.name_zh if lang == "zh" else P.name_en)(period)  # 2025年12月
    cat, labels = result.catalogue, V.words("risk_plot", lang)
    dims = cat.top_dimensions()
    w = result.warnings[result.warnings["period"] == period]
    cells = dimension_levels(w, cat)
    grid = (
        cells.pivot(index="unit_id", columns="dimension_id", values="level")
        .reindex(index=result.units["unit_id"], columns=dims)
        .fillna("green")
    )
    grade = result.risk[result.risk["period"] == period].set_index("unit_id")
    grid["__overall"] = grade["level"].reindex(grid.index).fillna("green")
    sev = grid.apply(lambda c: c.map(SEVERITY))
    # worst first: the unit's own warning level, then its count of red cells, then
    # the sum of its cells (a cut to the first n never drops a red unit for an
    # orange one with more coloured cells)
    keys = pd.DataFrame({
        "overall": sev["__overall"],
        "red": (sev == SEVERITY["red"]).sum(axis=1),
        "sum": sev.sum(axis=1),
    })  # fmt: skip
    order = keys.sort_values(
        ["overall", "red", "sum"], ascending=False, kind="stable"
    ).index[:top]
    grid, sev = grid.loc[order], sev.loc[order]
    names = list(result.units.set_index("unit_id")[f"name_{lang}"].reindex(order))
    columns = [cat.name(d, lang) for d in dims] + [labels["overall"]]
    lang_i = 0 if lang == "zh" else 1
    words = grid.apply(lambda c: c.map(lambda lv: V.RISK_LEVEL[lv][lang_i]))
    # each cell's level in one character (红, R) on its colour, in the colour
    # plotly picks against it: read without the colour; the whole word on hover
    short = V.FAMILIES["risk_level_short"]
    text = grid.apply(lambda c: c.map(lambda lv: short[lv][lang_i]))
    scale = []
    for i, level in enumerate(LEVELS):  # a stepped scale: one colour per level
        colour = V.LEVEL_COLOURS[level]
        scale += [[i / 4, colour], [(i + 1) / 4, colour]]
    size = 14
    y_ticks = [fold(n, NAME_ROOM[lang], size) for n in names]
    row = 22 + 17 * max((t.count("<br>") for t in y_ticks), default=0)
    widest = max((x for t in y_ticks for x in t.split("<br>")), key=text_width,
                 default="")  # fmt: skip
    bottom = 90  # the level key, lying below the cells
    fig = go.Figure(
        go.Heatmap(
            z=sev.to_numpy(),
            x=columns,
            y=names,
            text=text.to_numpy(),
            texttemplate="%{text}",
            textfont={"weight": 600},
            customdata=words.to_numpy(),
            zmin=-0.5,
            zmax=3.5,
            colorscale=scale,
            xgap=2,
            ygap=2,
            hovertemplate="%{y}<br>" + _hover("x", "customdata", lang),
            colorbar={
                "title": {"text": labels["title"], "side": "top"},
                "tickvals": [0, 1, 2, 3],
                "ticktext": [V.RISK_LEVEL[lv][lang_i] for lv in LEVELS],
                # lying below the cells, from the chart's left edge, as wide on
                # a phone as on a monitor (its level names side by side)
                "orientation": "h",
                "thickness": 14,
                "lenmode": "pixels",
                "len": 300,
                "xref": "container",
                "x": 0,
                "xanchor": "left",
                "yref": "container",
                "y": 0,
                "yanchor": "bottom",
                "ypad": 8,
                "ticklabeloverflow": "allow",  # (plotly hid the right half's names
            },  # on a phone, measuring them against the plot, not the chart)
        )
    )
    fig.update_layout(
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": size},
        height=80 + row * len(grid) + bottom,
        # the title, then the dimensions' names (the x axis on top: flat, turned or
        # upright as the width allows; automargin makes room), then the cells
        margin={"l": int(text_width(widest, size) + 40), "r": 16, "t": 80,
                "b": bottom},
        title={"text": title or f"{labels['title']} · {named}", "yref": "container",
               "y": 1, "yanchor": "top", "pad": {"t": 10}},
    )  # fmt: skip
    fig.update_yaxes(
        autorange="reversed",
        title_text=labels["unit"],
        tickmode="array",
        tickvals=names,
        ticktext=y_ticks,
        automargin=True,
    )
    fig.update_xaxes(side="top", tickmode="array", tickvals=columns, automargin=True)
    return fig


def plot_warnings_timeline(result, *, lang: str = "zh", unit_id: str | None = None):
    """Warnings per period, stacked by level (red at the bottom), for every unit or
    one: how the risk picture moved over the run's periods."""
    _check_lang(lang)
    labels = V.words("risk_plot", lang)
    w = result.warnings
    if unit_id is not None:
        w = w[w["unit_id"] == unit_id]
    counts = (
        w.groupby(["period", "level"])
        .size()
        .unstack("level")
        .reindex(index=result.periods, columns=list(LEVELS[1:]))
        .fillna(0)
        .astype(int)
    )
    fig = go.Figure()
    for level in reversed(LEVELS[1:]):  # red first: it sits at the bottom
        name = V.RISK_LEVEL[level].text(lang)
        fig.add_bar(
            x=counts.index,
            y=counts[level],
            name=name,
            marker_color=V.LEVEL_COLOURS[level],
            hovertemplate=_hover("x", "y", lang, name),
        )
    fig.update_layout(
        barmode="stack",
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": 14},
        height=380,
        margin={"l": 10, "r": 10, "t": 40, "b": 40},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    )
    fig.update_xaxes(title_text=labels["period"], type="category")
    fig.update_yaxes(title_text=labels["count"])
    return fig


def plot_rank_intervals(
    summary: pd.DataFrame, names: Mapping[str, str], *, lang: str = "zh"
) -> go.Figure:
    """Each unit's nominal rank with its 5–95 % interval from the uncertainty draws
    (and the median rank), best first: how firm each place in the table is."""
    _check_lang(lang)
    s = summary.dropna(subset=["nominal_rank"]).sort_values("nominal_rank")
    y = [names.get(u, u) for u in s["unit_id"]]
    words = V.words("interval_plot", lang)
    fig = go.Figure()
    fig.add_scatter(
        x=s["nominal_rank"],
        y=y,
        mode="markers",
        name=words["published"],
        marker={"color": PALETTE[0], "size": 9},
        error_x={
            "type": "data",
            "symmetric": False,
            "array": s["rank_q95"] - s["nominal_rank"],
            "arrayminus": s["nominal_rank"] - s["rank_q05"],
            "color": "#7a8794",
            "thickness": 2,
        },
    )
    fig.add_scatter(
        x=s["median_rank"],
        y=y,
        mode="markers",
        name=words["median"],
        marker={"color": PALETTE[1], "size": 7, "symbol": "diamond"},
    )
    fig.update_layout(
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": 14},
        height=max(320, 120 + 22 * len(s)),
        margin={"l": 10, "r": 20, "t": 40, "b": 50},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    )
    fig.update_xaxes(title_text=words["interval"], rangemode="tozero")
    fig.update_yaxes(title_text=words["unit"], autorange="reversed", type="category")
    return fig


# ------------------------------------------------------- a department's profile
#: text colour of the dashboard's light figures (the page's ink)
INK = "#1f2933"
#: the grey of a peer or group median beside a unit's own bar
MEDIAN_GREY = "#BBBBBB"


def _panel_style(fig: go.Figure, title: str, yrange=None) -> go.Figure:
    """The profile panels' look: titled, white, 360 px, legend centred on top."""
    fig.update_layout(
        title={"text": title, "x": 0},
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": 15},
        height=360,
        margin={"l": 40, "r": 20, "t": 50, "b": 60},
        legend={"orientation": "h", "y": 1.12, "x": 0.5},
    )
    if yrange:
        fig.update_yaxes(range=yrange)
    return fig


def plot_dimension_scores(
    dimensions: pd.DataFrame,
    names: list[str],
    *,
    title: str,
    unit: str,
    median: str,
) -> go.Figure:
    """A unit's level-1 dimension scores (blue) beside its peer-group median (grey):
    ``dimensions`` as :func:`evaluation.analysis.views.profile` gives them
    (``score, peer_median``), ``names`` their display names; ``unit`` and
    ``median`` name the two series."""
    fig = go.Figure()
    fig.add_bar(x=names, y=dimensions["score"], name=unit, marker_color=PALETTE[0])
    fig.add_bar(
        x=names, y=dimensions["peer_median"], name=median, marker_color=MEDIAN_GREY
    )
    y = score_range(dimensions["score"], dimensions["peer_median"])
    return _panel_style(fig, title, yrange=y)


def plot_waterfall(
    waterfall: pd.DataFrame, names: list[str], *, title: str, total: str
) -> go.Figure:
    """What makes a composite: each level-1 dimension's contribution (``waterfall``
    of a profile: ``contribution``) stacked up to the composite, named ``total``;
    a negative contribution (a child scored below 0) steps down in vermilion."""
    values = list(waterfall["contribution"]) + [waterfall["contribution"].sum()]
    levels = np.nancumsum(np.asarray(waterfall["contribution"], dtype=float))
    fig = go.Figure(
        go.Waterfall(
            x=[*names, total],
            y=values,
            measure=["relative"] * len(waterfall) + ["total"],
            text=round_half_up(values),
            textposition="outside",
            increasing={"marker": {"color": PALETTE[0]}},
            decreasing={"marker": {"color": PALETTE[5]}},
            totals={"marker": {"color": PALETTE[2]}},
            connector={"line": {"color": "#999"}},
        )
    )
    # the bars run between the running totals; room beyond them for the labels
    y = score_range(levels, fixed=(0, 110), pad=0.15)
    return _panel_style(fig, title, yrange=y)


def plot_trend(trend: pd.DataFrame, *, title: str, lang: str = "zh") -> go.Figure:
    """The composite over the run's periods (``trend`` of a profile: ``period,
    composite_score, rank``), the rank in the hover."""
    _check_lang(lang)
    fig = go.Figure(
        go.Scatter(
            x=trend["period"],
            y=trend["composite_score"],
            mode="lines+markers",
            line={"color": PALETTE[0]},
            customdata=trend["rank"],
            hovertemplate=V.word("plot", "trend_hover", lang) + "<extra></extra>",
        )  # fmt: skip
    )
    fig.update_xaxes(type="category")
    return _panel_style(fig, title, yrange=score_range(trend["composite_score"]))


# ----------------------------------------- a department's profile (light)
#: how a light profile chart's value axis reads, by what it measures
AXIS_SCALES = ("score", "rank", "count", "percent", "ratio", "plain")


def _json_numbers(values, decimals: int = 4) -> list[float | None]:
    """Numbers for a light figure's JSON: rounded (smaller payloads), NaN → None."""
    out = []
    for v in values:
        v = _json_number(v) if v is not None and v is not pd.NA else None
        out.append(None if v is None else round(v, decimals) + 0.0)
    return out


def number_texts(values, decimals: int = 2) -> list[str]:
    """Numbers as printed on a chart: rounded half up, never ``-0.00`` (a value
    that rounds to zero is zero), '' where there is none."""
    out = []
    for text in round_half_up([np.nan if v is None else v for v in values], decimals):
        out.append(text[1:] if text.startswith("-") and not text.strip("-0.") else text)
    return out


#: px a legend's row has on a 390 px phone (the chart's width in its panel): a
#: legend below a chart is given the rows it takes there, so a phone keeps its plot
LEGEND_ROOM = 320


def _legend_below(layout: dict, names: list[str]) -> None:
    """The legend at the foot of the figure, under the x axis's title whatever the
    figure's height (placed in the container, the bottom margin made room for it:
    the rows its names take on a phone, each name with its line's sample; a wider
    screen leaves a row's gap at most where it needs fewer)."""
    size = layout.get("font", {}).get("size", 15)
    rows, line = 1, 0.0
    for x in (n for n in names if n):
        item = text_width(x, size) + 40  # the sample line and the gap after it
        if line and line + item > LEGEND_ROOM:
            rows, line = rows + 1, 0.0
        line += item
    layout["legend"] = {
        "orientation": "h",
        "xref": "container",  # from the chart's left edge: the whole width for it
        "x": 0,
        "yref": "container",
        "y": 0.01,
        "yanchor": "bottom",
    }
    layout["margin"]["b"] = 80 + 24 * rows
    layout["height"] += 24 * (rows - 1)


def text_width(text: str, size: float = 15, latin: float = 0.6) -> float:
    """About how wide ``text`` is drawn, in px at font ``size``: a CJK or other
    full-width character an em, anything else ``latin`` em (digits and Latin
    letters run 0.5–0.6 em in the dashboard's fonts; 0.6 errs wide)."""
    return sum(size if unicodedata.east_asian_width(c) in "WF" else latin * size
               for c in str(text))  # fmt: skip


#: characters that never start a line in Chinese (避头): closing brackets and
#: quotes, pause, stop and colon marks, full width and ASCII
NO_LINE_START = frozenset("、，。．：；！？）］｝」』》〉】〕〗”’…・,.:;!?)]}%％")
#: characters that never end a line (避尾): opening brackets and quotes
NO_LINE_END = frozenset("（［｛「『《〈【〔〖“‘([{")


def _has_cjk_letters(text: str) -> bool:
    """Whether ``text`` has Chinese (or other East Asian) letters, not only
    full-width punctuation: an English title with a ``：`` is English."""
    return any(
        unicodedata.east_asian_width(c) in "WF"
        and unicodedata.category(c).startswith("L")
        for c in text
    )


def _cut_at(text: str, i: int, start: int) -> int:
    """A line break near ``i`` (before ``text[i]``) as Chinese is set (避头尾): a
    closing mark (、，。：）…) stays on the line before it, an opening one (（“…)
    goes on to the next line; else the nearest earlier break that keeps both
    rules; ``i`` if there is none after the line's ``start``."""

    def good(k: int) -> bool:
        return text[k] not in NO_LINE_START and text[k - 1] not in NO_LINE_END

    k = i
    while k < len(text) and text[k] in NO_LINE_START:
        k += 1
    while k > start + 1 and text[k - 1] in NO_LINE_END:
        k -= 1
    if start < k < len(text) and good(k):
        return k
    k = i
    while k > start + 1 and not good(k):
        k -= 1
    return k if good(k) else i


def fold(text: str, room: float, size: float = 15) -> str:
    """``text`` set in lines of about ``room`` px at font ``size`` (``<br>`` between
    them, as plotly writes a line break), as few lines as it takes, of even widths:
    English breaks between words; Chinese (text with Chinese letters, not only a
    full-width mark) after a separator `` · `` or before a closing bracketed unit
    while the pieces fit, else between two characters, never with a closing mark
    (、，。：）…) first on a line nor an opening one last (避头尾).
    Plotly never wraps a title or a label: one too long runs past the chart's
    edge or over its neighbour. Widths as :func:`text_width`, Latin letters at
    0.52 em (about their average: an estimate erring wide folds titles that fit)."""
    text = str(text)

    def measure(x: str, size: float) -> float:
        return text_width(x, size, latin=0.52)

    whole = measure(text, size)
    if whole <= room or room <= 0:
        return text
    lines = -(-int(whole) // int(room))
    if not _has_cjk_letters(text):
        words = text.split()  # the narrowest even lines, no more of them
        width = max(whole / lines, *(measure(w, size) for w in words))
        while True:
            out = [""]
            for w in words:
                joined = f"{out[-1]} {w}".strip()
                if out[-1] and measure(joined, size) > width:
                    out.append(w)
                else:
                    out[-1] = joined
            if len(out) <= lines:
                return "<br>".join(out)
            width += 4
    pieces = [x for x in re.split(r"(?<= · )|(?=（[^（）]*）$)", text) if x]
    packed = [""]
    for piece in pieces:  # whole pieces while each line fits
        if packed[-1] and measure(packed[-1] + piece, size) > room:
            packed.append(piece)
        else:
            packed[-1] += piece
    if all(measure(x, size) <= room for x in packed):
        return "<br>".join(x.strip() for x in packed)
    out, start, acc = [], 0, 0.0
    for i, c in enumerate(text):  # even shares, cut between characters
        acc += measure(c, size)
        if acc >= whole * (len(out) + 1) / lines and len(out) < lines - 1:
            cut = _cut_at(text, i + 1, start) if i + 1 < len(text) else i + 1
            if cut > start:
                out.append(text[start:cut].strip())
                start = cut
    return "<br>".join([*out, text[start:].strip()])


def fold_in(text: str, room: float, size: float = 15, most: int = 2) -> str:
    """``text`` as :func:`fold` sets it when that takes at most ``most`` lines; else
    lines of ``room`` px filled word by word (between characters where a word is
    wider), the last ending in … where the text goes on (give it whole on hover)."""
    folded = fold(text, room, size)
    if folded.count("<br>") < most:
        return folded

    def fits(x: str) -> bool:
        return text_width(x, size, latin=0.52) <= room

    rest, out = str(text).strip(), []
    while rest and len(out) < most:
        last = len(out) == most - 1
        end = len(rest)  # the longest start of ``rest`` that fits, at a word
        while end and not fits(rest[:end] + ("…" if last and end < len(rest) else "")):
            space = rest.rfind(" ", 0, end)
            end = space if space > 0 else end - 1
        end = max(end, 1)
        out.append(rest[:end].strip() + ("…" if last and end < len(rest) else ""))
        rest = rest[end:].strip()
    return "<br>".join(out)


def _fold_words(words: str, room: float, size: float = 15) -> str:
    """Words folded as :func:`fold` folds them; bold ones (``<b>…</b>``, a list's
    heading) measured without their tags (plotly carries the bold onto the lines
    after a ``<br>``)."""
    bold = re.fullmatch(r"<b>(.*)</b>", words)
    return f"<b>{fold(bold[1], room, size)}</b>" if bold else fold(words, room, size)


def _fit_titles(layout: dict, width: float) -> None:
    """A chart's title and value-axis title folded (:func:`fold`) to the room they
    have: the title to the chart's ``width`` (px, as drawn; its font 1.4× the
    chart's), the top margin grown a line for each added line; the y axis's title
    to the plot's height, the left margin grown a line for each added line (a long
    one centred on a short plot ran up over the title)."""
    size = layout["font"]["size"]
    margin = layout["margin"]
    title = layout.get("title", {})
    if title.get("text"):
        title["text"] = fold(title["text"], width - 20, 1.4 * size)
        lines = title["text"].count("<br>") + 1
        if lines > 1:  # hung from the top, the plot below its last line
            # (plotly hangs a title of several lines by its first baseline: a
            # line's height more keeps its first line inside the chart)
            pad = int(8 + 1.4 * size)
            title.update(yref="container", y=1, yanchor="top", pad={"t": pad})
            top = int(pad + (lines - 1) * 1.25 * 1.4 * size + 24)
            layout["height"] += max(0, top - margin["t"])
            margin["t"] = max(margin["t"], top)
    y_title = layout.get("yaxis", {}).get("title", {})
    if y_title.get("text"):
        room = 0.8 * (layout["height"] - margin["t"] - margin["b"])  # as drawn
        y_title["text"] = fold(y_title["text"], room, size)
        margin["l"] += int(y_title["text"].count("<br>") * size * 1.25)


def _value_tick_text(values, axis: dict) -> str:
    """The widest tick label plotly is likely to write on a value axis shaped by
    :func:`_value_axis`: the largest magnitude in its range or values (with
    plotly's 5 % padding: 99.8 gets a tick at 100), in its
    format (thousands separated, ``%`` or two decimals), a minus if any is
    negative, a decimal more where the span is short."""
    v = np.asarray([x for x in values if x is not None], dtype=float)
    v = np.concatenate([v[np.isfinite(v)], np.asarray(axis.get("range", []), float)])
    if not len(v):
        return "100"
    top, span = 1.05 * float(np.abs(v).max()), float(v.max() - v.min())
    if axis.get("tickformat") == ".2f":
        text = f"{top:.2f}"
    else:
        text = f"{int(top):,}" + (".5" if span < 2.5 and "dtick" not in axis else "")
    return ("-" if v.min() < 0 else "") + text + axis.get("ticksuffix", "")


def _fixed_margins(
    layout: dict, *, left: str | None = None, below: list | None = None,
    width: float = 700,
) -> None:  # fmt: skip
    """Margins set from the labels the server knows, so plotly's ``automargin`` finds
    them wide enough and does not lay the chart out a second time (a second pass
    per chart was ~40 % of the profile's drawing). ``left``: the widest y tick
    label; ``below``: the x axis's category labels, every one written, in a plot
    about ``width`` px wide (half a 1,920 px screen by default): lying flat where
    they fit side by side, else turned 30° as plotly turns them while a label's
    height fits between two, else upright. ``automargin`` stays on: where the
    estimate is short (a phone, a narrow column) plotly still widens the margin
    and no label is cut."""
    size = layout["font"]["size"]
    margin = layout["margin"]
    if left is not None:  # the labels, a gap, the axis's title turned upright
        margin["l"] = max(margin["l"], int(text_width(left, size) + 36))
    if below:
        widest = max(text_width(x, size) for x in below)
        room = width / len(below)
        if room >= widest + 12:  # flat: a line of text
            extent = 1.3 * size
        elif room >= 2.6 * size:  # turned 30°
            extent = 0.5 * widest + 1.15 * size
        else:  # upright
            extent = widest
        legend = margin["b"] - 80 + 14 if layout.get("legend", {}).get("yref") else 0
        margin["b"] = max(margin["b"], int(extent + 40 + legend))
    # the figure grows by what its labels take, so the plot keeps room to read
    # (24 months' names upright left a 340 px trend 86 px of plot)
    layout["height"] = max(layout["height"], margin["t"] + margin["b"] + PLOT_ROOM)


def _value_axis(values, scale: str, n: int | None = None) -> dict:
    """A value axis for ``scale`` (:data:`AXIS_SCALES`): scores on 0–100 (or their
    span, :func:`score_range`); ranks reversed, 1 on top, down to ``n``, whole
    numbers; counts in whole numbers from 0; percentages with ``%``; ratios with
    two decimals."""
    if scale not in AXIS_SCALES:
        raise ValueError(f"scale must be one of {AXIS_SCALES}, not {scale!r}")
    v = np.asarray([x for x in values if x is not None], dtype=float)
    v = v[np.isfinite(v)]
    if scale == "score":
        return {"range": score_range(v)}
    if scale == "rank":
        low = max(float(n or 0), float(v.max()) if len(v) else 1.0, 1.0)
        every = {"dtick": 1} if low <= 15 else {}  # a small group: every place
        return {"range": [low + 0.5, 0.5], "tickformat": ",d", **every}
    if scale == "count":
        top = float(v.max()) if len(v) else 1.0
        return {"rangemode": "tozero", "tickformat": ",d", **({"dtick": 1}
                if top <= 5 else {})}  # fmt: skip
    if scale == "percent":
        return {"ticksuffix": "%"}
    if scale == "ratio":
        return {"tickformat": ".2f"}
    return {}


def plot_lines(
    x: list[str],
    lines: list[Mapping],
    *,
    title: str,
    x_title: str,
    y_title: str,
    scale: str = "score",
    n: int | None = None,
    height: int = 340,
    width: float = 700,
    lang: str = "zh",
) -> dict:
    """Lines over time as a light figure (dict): a profile's composite, ranks,
    level-1 dimensions or one indicator's reports. ``x`` the periods' names (in time
    order); each line a mapping of ``name``, ``y`` (one value per period, NaN where
    none), optional ``text`` (its hover, one per period: the period, the value in
    its unit, the date reported …), ``colour`` and ``dash``; a line named ``''``
    is left out of the legend. ``scale`` (:data:`AXIS_SCALES`) shapes the value
    axis (``n``: the number ranked, for ``rank``); both axes are titled.
    ``width``: about how wide the plot is drawn, in px (:func:`_fixed_margins`);
    a title too long for it, or a value-axis title too long for the plot's height,
    is folded onto more lines (:func:`_fit_titles`). ``lang``: the hover's words."""
    data = []
    every = []
    for k, line in enumerate(lines):
        y = _json_numbers(line["y"])
        every += y
        trace = {
            "type": "scatter",
            "mode": "lines+markers",
            "x": list(x),
            "y": y,
            "name": line["name"],
            "showlegend": bool(line["name"]),
            "connectgaps": False,
            "line": {
                "color": line.get("colour", PALETTE[k % len(PALETTE)]),
                "dash": line.get("dash", "solid"),
                "width": 2.5,
            },
            "marker": {"size": 7},
        }
        if line.get("text") is not None:
            trace["text"] = list(line["text"])
            trace["hovertemplate"] = "%{text}<extra></extra>"
        else:
            trace["hovertemplate"] = _hover("x", "y", lang, "%{fullData.name}")
        data.append(trace)
    layout = light_layout(title, height=height, left=60)
    _legend_below(layout, [line["name"] for line in lines])
    layout["hovermode"] = "closest"
    layout["xaxis"].update(
        {"title": {"text": x_title}, "type": "category", "automargin": True}
    )
    value_axis = _value_axis(every, scale, n)
    layout["yaxis"].update({"title": {"text": y_title}, **value_axis})
    _fixed_margins(
        layout, left=_value_tick_text(every, value_axis), below=list(x), width=width
    )
    _fit_titles(layout, min(width, TITLE_ROOM))
    return {"data": data, "layout": layout}


#: px of plot a chart keeps at least, whatever its labels and legend take
PLOT_ROOM = 200
#: px a chart's title may take: what a chart has on a 390 px phone (a longer
#: title folds onto a second line on every screen rather than run off a phone's)
TITLE_ROOM = 320
#: px a bar's category label may take before it folds onto another line (six
#: dimensions under a half-width chart lie flat or turn a little, not stand upright)
LABEL_ROOM = 130
#: above this many peers a strip draws the box and the peers beyond its whiskers only
STRIP_DOTS_MAX = 150


def plot_peer_strip(
    names: list[str],
    peers: list,
    mine: list,
    *,
    title: str,
    x_title: str,
    y_title: str,
    unit: str,
    group: str,
    peer_names: list[str] | None = None,
    lang: str = "zh",
) -> dict:
    """Where a unit stands among its peers, as LG Inform and Oflog show it: for
    each measure (``names``, top to bottom) a box of the peer group's scores
    (``peers``: one list a measure) with every peer as a grey dot, and the unit's
    own score (``mine``) as a blue diamond. ``unit`` and ``group`` name the two in
    the legend; ``peer_names`` (in the order of each list) show on hover when given.
    A group of more than :data:`STRIP_DOTS_MAX` peers gets its box computed here
    and only the peers beyond the whiskers as dots (:func:`_peer_box`): thousands
    of overlapping dots read as a smear and took the browser 0.3–0.6 s to draw.
    A light figure (dict); ``lang``: the hover's words."""
    data = []
    every = list(mine)
    names = [fold(x, LABEL_ROOM) for x in names]  # the plot keeps its width
    for k, (name, scores) in enumerate(zip(names, peers, strict=True)):
        values = _json_numbers(scores, 2)
        every += values
        if len(values) > STRIP_DOTS_MAX:
            present = [v for v in values if v is not None]
            if present:
                shown = any(t.get("showlegend") for t in data)
                data += _peer_box(name, present, group, first=not shown)
            continue
        box = {
            "type": "box",
            "orientation": "h",
            "x": values,
            "y0": name,  # its row; the trace's name is the group's (the legend)
            "name": group,
            "legendgroup": "peers",
            "showlegend": k == 0,
            "boxpoints": "all",
            "jitter": 0.6,
            "pointpos": 0,
            "fillcolor": "rgba(0, 0, 0, 0)",
            "line": {"color": "#8A96A3", "width": 1.5},
            "marker": {"color": "#8A96A3", "size": 5, "opacity": 0.55},
            "hoveron": "points",
        }
        if peer_names is not None:
            box["text"] = list(peer_names)
            box["hovertemplate"] = _hover("text", "x:.2f", lang)
        else:
            box["hovertemplate"] = "%{x:.2f}<extra></extra>"
        data.append(box)
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": _json_numbers(mine, 2),
            "y": list(names),
            "name": unit,
            "cliponaxis": False,  # a score of 100 drawn whole at the axis' end
            "marker": {"color": PALETTE[0], "size": 16, "symbol": "diamond",
                       "line": {"color": "white", "width": 1.5}},
            "hovertemplate": _hover("y", "x:.2f", lang, "%{fullData.name}"),
        }
    )  # fmt: skip
    layout = light_layout(title, height=130 + 60 * len(names), left=130)
    _legend_below(layout, [group, unit])
    layout["hovermode"] = "closest"
    layout["boxmode"] = "overlay"
    layout["xaxis"].update({"title": {"text": x_title}, "range": score_range(every)})
    layout["yaxis"].update(
        {"autorange": "reversed", "type": "category", "categoryarray": list(names),
         "categoryorder": "array", "title": {"text": y_title}}
    )  # fmt: skip
    lines = [line for x in names for line in x.split("<br>")]
    _fixed_margins(layout, left=max(lines, key=text_width, default=""))
    _fit_titles(layout, TITLE_ROOM)
    return {"data": data, "layout": layout}


def _peer_box(name: str, values: list[float], group: str, *, first: bool) -> list:
    """A large group's box for one measure, computed here: quartiles as numpy's
    default (linear interpolation, Hyndman and Fan's type 7, R's default), Tukey's
    whiskers (the farthest peers within 1.5 IQR of the box), and the peers beyond
    them as grey dots: a few numbers instead of every peer's score."""
    x = np.asarray(values, dtype=float)
    q1, median, q3 = np.percentile(x, [25, 50, 75])
    reach = 1.5 * (q3 - q1)
    inside = x[(x >= q1 - reach) & (x <= q3 + reach)]
    beyond = x[(x < q1 - reach) | (x > q3 + reach)]
    grey = "#8A96A3"
    box = {
        "type": "box", "orientation": "h", "y": [name], "name": group,
        "q1": [round(q1, 2)], "median": [round(median, 2)], "q3": [round(q3, 2)],
        "lowerfence": [float(inside.min())], "upperfence": [float(inside.max())],
        "legendgroup": "peers", "showlegend": first, "boxpoints": False,
        "fillcolor": "rgba(0, 0, 0, 0)", "line": {"color": grey, "width": 1.5},
        "hoverinfo": "skip",
    }  # fmt: skip
    dots = {
        "type": "scatter", "mode": "markers", "x": [float(v) for v in beyond],
        "y": [name] * len(beyond), "name": group, "legendgroup": "peers",
        "showlegend": False,
        "marker": {"color": grey, "size": 5, "opacity": 0.55},
        "hovertemplate": "%{x:.2f}<extra></extra>",
    }  # fmt: skip
    return [box, dots]


def plot_profile_dimensions(
    names: list[str], mine, median, *, title: str, unit: str, median_name: str,
    x_title: str, y_title: str, lang: str = "zh",
) -> dict:  # fmt: skip
    """A unit's level-1 scores (blue, labelled) beside its peer-group median (grey),
    a light figure (dict) with a titled score axis; ``unit`` and ``median_name``
    name the two series."""
    mine, median = _json_numbers(mine), _json_numbers(median)
    names = [fold(x, LABEL_ROOM) for x in names]
    bars = [
        {
            "type": "bar", "x": names, "y": y, "name": name,
            "marker": {"color": colour},
            "text": number_texts(y) if k == 0 else None,
            "textposition": "outside", "cliponaxis": False,
            "hovertemplate": _hover("x", "y:.2f", lang, "%{fullData.name}"),
        }
        for k, (y, name, colour) in enumerate(
            ((mine, unit, PALETTE[0]), (median, median_name, MEDIAN_GREY))
        )
    ]  # fmt: skip
    layout = light_layout(title, height=380, left=60)
    _legend_below(layout, [unit, median_name])
    layout["xaxis"]["title"] = {"text": x_title}
    layout["yaxis"].update(
        {"title": {"text": y_title}, "range": score_range(mine, median, fixed=(0, 110))}
    )
    _fit_titles(layout, TITLE_ROOM)
    return {"data": bars, "layout": layout}


def plot_profile_waterfall(
    names: list[str], contributions, *, title: str, total: str, x_title: str,
    y_title: str, lang: str = "zh",
) -> dict:  # fmt: skip
    """What makes a composite (as :func:`plot_waterfall`), a light figure (dict)
    with a titled axis: each level-1 dimension's contribution stacked up to the
    composite, named ``total``; a negative contribution steps down in vermilion.

    Drawn as bars standing on the running total (``base``) with connectors between
    them, not as plotly's waterfall trace: the dashboard loads plotly.js's cartesian
    bundle, which has bars but no waterfall (dashboards/assets/plotly_early.js)."""
    values = _json_numbers(contributions)
    whole = float(np.nansum(np.asarray(contributions, dtype=float)))
    shown = [*values, round(whole, 4) + 0.0]
    levels = np.nancumsum(np.asarray(contributions, dtype=float))
    starts = [0.0, *(round(float(v), 4) + 0.0 for v in levels[:-1])]
    colour = [PALETTE[5] if (v or 0) < 0 else PALETTE[0] for v in values]
    fall = {
        "type": "bar",
        "x": [fold(x, LABEL_ROOM) for x in [*names, total]],
        "y": shown,
        "base": [*starts, 0.0],
        "marker": {"color": [*colour, PALETTE[2]]},
        "text": number_texts(shown),
        "textposition": "outside",
        "cliponaxis": False,
        "hovertemplate": _hover("x", "y:.2f", lang),
    }
    # a thin line at each running total, from one bar to the next
    ends = [*(round(float(v), 4) + 0.0 for v in levels)]
    connectors = [
        {"type": "line", "xref": "x", "yref": "y", "x0": k + 0.4, "x1": k + 0.6,
         "y0": level, "y1": level, "line": {"color": "#999", "width": 1}}
        for k, level in enumerate(ends)
    ]  # fmt: skip
    layout = light_layout(title, height=380, left=60)
    layout["showlegend"] = False
    layout["xaxis"]["title"] = {"text": x_title}
    layout["yaxis"].update(
        {"title": {"text": y_title},
         "range": score_range(levels, whole, fixed=(0, 110), pad=0.15)}
    )  # fmt: skip
    layout["shapes"] = connectors
    _fit_titles(layout, TITLE_ROOM)
    return {"data": [fall], "layout": layout}


# ------------------------------------------------------------- what-if, weights
def plot_movers(
    table: pd.DataFrame,
    names: Mapping[str, str],
    *,
    title: str,
    top: int = 15,
    axis: str = "",
    empty: str = "",
) -> go.Figure:
    """The ``top`` biggest rank moves of a what-if (``unit_id, move`` as
    :func:`evaluation.analysis.views.whatif` gives them): gains green, losses
    vermilion, the biggest first; a unit that does not move has no bar. ``axis``
    titles the moves' axis; ``empty`` is said in the chart when nothing moves."""
    movers = table.dropna(subset=["move"])
    movers = movers[movers["move"] != 0]
    movers = movers.reindex(
        movers["move"].abs().sort_values(ascending=False).index
    ).head(top)
    fig = go.Figure(
        go.Bar(
            x=movers["move"],
            y=[names[u] for u in movers["unit_id"]],
            orientation="h",
            marker_color=[PALETTE[2] if m > 0 else PALETTE[5] for m in movers["move"]],
        )
    )
    fig.update_layout(
        title={"text": title, "x": 0},
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": 14},
        height=520,
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
    )
    fig.update_yaxes(autorange="reversed")
    if axis:
        fig.update_xaxes(title_text=axis)
    if movers.empty and empty:
        fig.add_annotation(
            text=empty, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper"
        )
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    return fig


def dimension_colours(dimensions) -> dict[str, str]:
    """Each level-1 dimension's colour (``dimensions``: ids in catalogue order),
    :data:`PALETTE`'s in turn: the profile's dimension lines and the methodology's
    sunburst alike, so a dimension reads in one colour on every page."""
    return {d: PALETTE[k % len(PALETTE)] for k, d in enumerate(dimensions)}


def lighter(colour: str, share: float) -> str:
    """``colour`` (``#RRGGBB``) mixed with ``share`` of white, each channel half up."""
    rgb = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{int(c + (255 - c) * share + 0.5):02X}" for c in rgb)


#: px a sunburst label's line may take: about a ring's depth on a desktop
SUNBURST_ROOM = 100
#: px of the smallest sunburst label drawn: a smaller one is left to the hover
SUNBURST_TEXT_MIN = 12


def plot_weights_sunburst(
    weights: pd.DataFrame,
    names: Mapping[str, str],
    *,
    composite: str,
    colours: Mapping[str, str] | None = None,
) -> go.Figure:
    """The hierarchy as rings, each slice's size its share of the composite
    (``weights``: :func:`evaluation.analysis.views.effective_weights`; ``names``:
    node id → display name; ``composite`` names the centre).

    Each level-1 dimension in its colour (``colours``: id → colour; by default
    :func:`dimension_colours` in ``weights``' order), each level below it lighter
    (40 % white, then 64 %). A name is set on lines of :data:`SUNBURST_ROOM` px;
    one that would be drawn under :data:`SUNBURST_TEXT_MIN` px is not drawn (whole
    on hover, and a click on its dimension opens it out)."""
    nodes = list(weights["node_id"])
    parent = dict(zip(nodes, weights["parent"], strict=True))
    colours = dict(
        colours or dimension_colours([n for n in nodes if parent[n] == COMPOSITE])
    )

    def colour(node: str) -> str:
        depth = 0
        while parent[node] != COMPOSITE:
            node, depth = parent[node], depth + 1
        return lighter(colours[node], 1 - 0.6**depth)

    labels = [composite, *(names[n] for n in nodes)]
    fig = go.Figure(
        go.Sunburst(
            ids=[COMPOSITE, *nodes],
            labels=labels,
            text=[fold(x, SUNBURST_ROOM) for x in labels],
            textinfo="text",
            parents=["", *weights["parent"]],
            values=[1.0, *weights["weight"]],
            branchvalues="total",
            marker={
                "colors": ["#FFFFFF", *map(colour, nodes)],
                "line": {"color": "#FFFFFF", "width": 1},
            },
            hovertemplate="%{label}<br>%{value:.1%}<extra></extra>",
            insidetextorientation="auto",
        )
    )
    fig.update_layout(
        font={"family": FONT_FAMILY, "size": 14},
        uniformtext={"minsize": SUNBURST_TEXT_MIN, "mode": "hide"},
        height=640,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
    )
    return fig


# ---------------------------------------------------- year-end appraisal (light)
def light_layout(title: str, *, height: int, left: int = 40) -> dict:
    """A plain white chart layout as a dict: no plotly template (it costs ~70 ms a
    figure to build and ~8 kB a figure to send), for pages that draw many."""
    grid = {"gridcolor": "#E5ECF2", "zerolinecolor": "#C8D3DD", "automargin": True}
    return {
        "title": {"text": title, "x": 0},
        "font": {"family": FONT_FAMILY, "size": 15, "color": INK},
        "height": height,
        "margin": {"l": left, "r": 30, "t": 50, "b": 50},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "legend": {"orientation": "h", "y": 1.12, "x": 0.5},
        "xaxis": dict(grid),
        "yaxis": dict(grid),
        "barmode": "group",
    }


def _json_number(value) -> float | None:
    """A number for JSON (NaN → None: the bar is left out)."""
    v = float(value)
    return None if v != v else v


def plot_parts(names: list[str], values, *, title: str, left: int = 130) -> dict:
    """The year-end score's parts (考、评、议) as labelled horizontal bars, a light
    figure (dict); ``names`` say each part and its share, ``left`` the margin their
    names need."""
    values = [_json_number(v) for v in values]
    bar = {
        "type": "bar",
        "orientation": "h",
        "x": values,
        "y": names,
        "text": [round_half_up([v])[0] or "—" for v in values],
        "textposition": "outside",
        "cliponaxis": False,
        "marker": {"color": [PALETTE[0], PALETTE[2], PALETTE[4]]},
        "hoverinfo": "skip",
    }
    layout = light_layout(title, height=240, left=left)
    layout["xaxis"]["range"] = score_range(values, fixed=(0, 108), pad=0.08)
    layout["yaxis"]["autorange"] = "reversed"
    layout["showlegend"] = False
    _fit_titles(layout, TITLE_ROOM)  # a long title folds, not run off a phone
    return {"data": [bar], "layout": layout}


def plot_group_dimensions(
    gaps: pd.DataFrame,
    names: list[str],
    *,
    title: str,
    unit: str,
    median: str,
    lang: str = "zh",
) -> dict:
    """A unit's year-end level-1 dimension scores beside its appraisal group's
    median (``gaps``: ``score, group_median`` rows, as ``appraisal.dimension_gaps``
    gives them), a light figure (dict); ``unit`` and ``median`` name the series.
    Names and a long title fold, and the legend sits at the foot, as on the
    profile's (:func:`plot_profile_dimensions`)."""
    names = [fold(x, LABEL_ROOM) for x in names]
    bars = [
        {
            "type": "bar",
            "x": names,
            "y": [_json_number(v) for v in gaps[col]],
            "name": name,
            "marker": {"color": colour},
            "hovertemplate": _hover("x", "y:.2f", lang, "%{fullData.name}"),
        }
        for col, name, colour in (
            ("score", unit, PALETTE[0]),
            ("group_median", median, MEDIAN_GREY),
        )
    ]
    layout = light_layout(title, height=500)
    _legend_below(layout, [unit, median])
    layout["yaxis"]["range"] = score_range(gaps["score"], gaps["group_median"])
    _fit_titles(layout, TITLE_ROOM)
    return {"data": bars, "layout": layout}


# ---------------------------------------------------- the committee report (A4)
def plot_grade_distribution(
    grades: pd.DataFrame, groups: Mapping[str, str], *, lang: str = "zh"
) -> go.Figure:
    """Final grades per appraisal group, stacked (the committee report's first
    figure); ``groups``: group id → display name, in the order shown."""
    k = 0 if lang == "zh" else 1
    counts = (
        grades.groupby(["group", "final_grade"]).size().unstack(fill_value=0)
        .reindex(index=list(groups), columns=list(GRADES), fill_value=0)
    )  # fmt: skip
    fig = go.Figure()
    for g in GRADES:
        fig.add_bar(
            y=list(groups.values()),
            x=counts[g],
            name=V.GRADE[g][k],
            orientation="h",
            marker_color=V.COLOURS["grade"][g],
            text=counts[g].where(counts[g] > 0, ""),
            textposition="inside",
            insidetextanchor="middle",
        )
    fig.update_layout(
        barmode="stack",
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": 14},
        width=900,
        height=110 + 50 * len(counts),
        margin={"l": 10, "r": 10, "t": 30, "b": 40},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0,
                "traceorder": "normal"},
    )  # fmt: skip
    fig.update_xaxes(title_text="单位数" if k == 0 else "Units")
    fig.update_yaxes(autorange="reversed")
    return fig


def plot_group_rank_intervals(
    intervals: pd.DataFrame, names: Mapping[str, str], *, lang: str = "zh"
) -> go.Figure:
    """One appraisal group's departments: rank by score with its 5–95 % range, on
    an A4 landscape page (every name shown)."""
    fig = plot_rank_intervals(intervals, names, lang=lang)
    n = int(intervals["nominal_rank"].notna().sum())
    fig.update_traces(  # the median often equals the rank: let the rank show through
        selector={"marker.symbol": "diamond"},
        marker={"symbol": "diamond-open", "size": 9, "line": {"width": 2}},
    )
    fig.update_layout(
        font={"size": 13},
        width=1500,
        height=max(260, 100 + 18 * n),  # A4 landscape: 40 departments fill a page
        margin={"l": 10, "r": 20, "t": 30, "b": 45},
    )
    fig.update_yaxes(title_text=None, dtick=1, tickfont={"size": 12})  # every name
    return fig


def plot_dimensions_against_median(
    names: list[str], mine, median, *, unit: str, group_median: str
) -> go.Figure:
    """Each level-1 dimension's year-end score (bar, with its value) against the
    appraisal group's median (grey mark), a department page's figure; ``unit`` and
    ``group_median`` name the two."""
    fig = go.Figure()
    fig.add_bar(
        y=names, x=mine, orientation="h", marker_color=PALETTE[0], name=unit,
        text=round_half_up(mine, 1), textposition="inside", insidetextanchor="end",
        textfont={"color": "white", "size": 13}, constraintext="none",
    )  # fmt: skip
    fig.add_scatter(
        y=names, x=median, mode="markers", name=group_median,
        marker={"color": "#555", "size": 22, "symbol": "line-ns-open",
                "line": {"width": 3}},
    )  # fmt: skip
    fig.update_layout(
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": 14},
        width=640,
        height=215,
        margin={"l": 10, "r": 20, "t": 5, "b": 50},
        legend={"orientation": "h", "y": -0.2, "yanchor": "top", "x": 0},
        bargap=0.35,
    )
    x = score_range(mine, median)
    fig.update_xaxes(range=x, dtick=_ticks(x))
    fig.update_yaxes(autorange="reversed")
    return fig


# ------------------------------------------- the analyst's notebooks: intake, ledger
def _period_names(periods, lang: str) -> list[str]:
    """Period labels as people read them, as the pages' menus name them:
    ``2025年12月``, ``December 2025`` (never the code, 2025-M12)."""
    return [P.name_zh(p) if lang == "zh" else P.name_en(p) for p in periods]


def plot_correlation(
    correlation: pd.DataFrame, names: Mapping[str, str], *, title: str, lang: str = "zh"
) -> go.Figure:
    """Indicators × indicators, each cell their correlation r on a fixed −1…1 scale
    (red negative, blue positive), both axes by the indicators' ``names`` without an
    axis title; the hover names both indicators and r to 2 decimals, as the colour
    bar names it (相关系数 r)."""
    _check_lang(lang)
    label = V.word("method_design", "correlation", lang)
    shown = [names.get(c, c) for c in correlation.columns]
    fig = go.Figure(
        go.Heatmap(
            z=correlation.to_numpy(dtype=float),
            x=shown,
            y=[names.get(c, c) for c in correlation.index],
            zmin=-1,
            zmax=1,
            colorscale="RdBu",
            hovertemplate=f"%{{y}}<br>%{{x}}<br>{label}{_colon(lang)}%{{z:.2f}}"
            "<extra></extra>",
            colorbar={"title": {"text": label}},
        )
    )
    fig.update_layout(
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": 12},
        height=760,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        title={"text": title, "x": 0},
    )
    fig.update_yaxes(autorange="reversed")
    return fig


def plot_sobol(
    sobol: pd.DataFrame, factors: list[str], *, lang: str = "zh"
) -> go.Figure:
    """Sobol indices (:func:`evaluation.analysis.uncertainty.sensitivity`): two bars
    a factor, alone (S1) and with its interactions (ST), each with its interval's
    half-width as error bar; factors by their ``factors`` names, in ``sobol``'s
    order. The hover says what the number is, to 3 decimals with its half-width
    (敏感度指数：0.912 ± 0.248), as the y axis names it."""
    _check_lang(lang)
    words = V.words("method_design", lang)
    value = words["sobol_value"]
    fig = go.Figure()
    for index, name, colour in (
        ("S1", words["first_order"], PALETTE[0]),
        ("ST", words["total"], PALETTE[1]),
    ):
        conf = sobol[f"{index}_conf"].to_numpy(dtype=float)
        fig.add_bar(
            x=list(factors),
            y=sobol[index].to_numpy(dtype=float),
            name=name,
            marker_color=colour,
            error_y={"type": "data", "array": conf},
            customdata=conf,
            hovertemplate=f"%{{x}}<br>{value}{_colon(lang)}%{{y:.3f}}"
            f" ± %{{customdata:.3f}}<extra>{name}</extra>",
        )
    fig.update_layout(
        barmode="group",
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": 14},
        title={"text": words["sobol_title"], "x": 0},
        legend={"title": {"text": words["index"]}},
    )
    fig.update_xaxes(title_text=words["factor"])
    fig.update_yaxes(title_text=value)
    return fig


def plot_submissions(submissions: pd.DataFrame, catalogue, *, lang: str = "zh"):
    """Who sent late or incomplete: reporting agencies (catalogue order) × periods
    (in time order), each cell the number of units whose submission was not on time
    and complete (late, all empty or partly empty); white where all were, blank
    where the agency owed nothing that period. ``submissions`` as
    :func:`evaluation.risk.quality.submissions` gives them; the hover lists the
    counts by status."""
    _check_lang(lang)
    words = V.words("submission_plot", lang)
    status = V.words("submission_status", lang)
    s = submissions
    periods = list(dict.fromkeys(s["period"]))  # the table's order: by month
    present = set(s["agency"])
    agencies = [a.id for a in catalogue.agencies if a.id in present]
    agencies += sorted(present - set(agencies))  # an agency the catalogue lacks
    counts = pd.crosstab([s["agency"], s["period"]], s["status"]).reindex(
        columns=list(status), fill_value=0
    )
    bad = counts.drop(columns="on_time").sum(axis=1)
    z = bad.unstack("period").reindex(index=agencies, columns=periods)
    hover = pd.Series("", index=counts.index)
    for code, text in status.items():
        hover = hover + f"{text}{_colon(lang)}" + counts[code].astype(str) + "<br>"
    hover = hover.unstack("period").reindex(index=agencies, columns=periods)
    fig = go.Figure(
        go.Heatmap(
            z=z.to_numpy(dtype=float),
            x=_period_names(periods, lang),
            y=[catalogue.name_or_id(a, lang) for a in agencies],
            text=hover.fillna("").to_numpy(),
            colorscale=[[0, "#FFFFFF"], [1, PALETTE[5]]],
            zmin=0,
            xgap=1,
            ygap=2,
            hovertemplate="%{y}<br>%{x}<br>%{text}<extra></extra>",
            colorbar={"title": {"text": words["count"]}},
        )
    )
    fig.update_layout(
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": 14},
        height=max(300, 140 + 34 * len(agencies)),
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
        title={"text": words["title"], "x": 0},
    )
    fig.update_xaxes(title_text=words["period"], type="category")
    fig.update_yaxes(title_text=words["agency"], autorange="reversed")
    return fig


def plot_flag_triage(flags: pd.DataFrame, *, lang: str = "zh") -> go.Figure:
    """Data-quality flags per check (in the checks' order), stacked by the
    analysts' decision: open, accepted, dismissed (:func:`views.flag_counts`, the
    table a notebook shows beside it). ``flags`` as
    :func:`evaluation.risk.quality.with_decisions` gives them (without a
    ``status`` column every flag is open)."""
    _check_lang(lang)
    words = V.words("flag_plot", lang)
    names = V.words("flag_status", lang)
    counts = views.flag_counts(flags)
    checks = counts.index
    colours = {"open": PALETTE[1], "accepted": PALETTE[5], "dismissed": PALETTE[2]}
    fig = go.Figure()
    for code in views.FLAG_STATUSES:
        fig.add_bar(
            y=[
                V.QUALITY_CHECK[c].text(lang) if c in V.QUALITY_CHECK else c
                for c in checks
            ],  # fmt: skip
            x=counts[code],
            name=names[code],
            orientation="h",
            marker_color=colours[code],
            hovertemplate=_hover("y", "x", lang, names[code]),
        )
    return _stacked(
        fig,
        words["title"],
        max(260, 140 + 30 * len(checks)),
        words["count"],
        words["check"],
        legend_y=1.02,
    )


def plot_ledger_units(
    summary: pd.DataFrame, names: Mapping[str, str], *, lang: str = "zh"
) -> go.Figure:
    """Each responsible unit's rectification items, stacked: closed on time, closed
    late, open and not yet due, overdue; units in ``summary``'s order (as
    :func:`evaluation.risk.ledger.by_unit` gives it: the most overdue first).
    ``names``: unit id → display name."""
    _check_lang(lang)
    words = V.words("ledger_plot", lang)
    s = summary
    parts = {
        "closed_on_time": (s["closed_on_time"], PALETTE[2]),
        "closed_late": (s["closed"] - s["closed_on_time"], PALETTE[4]),
        "open": (s["open"] - s["overdue"], PALETTE[1]),
        "overdue": (s["overdue"], PALETTE[5]),
    }
    y = [names.get(u, u) for u in s["unit_id"]]
    fig = go.Figure()
    for code, (values, colour) in parts.items():
        fig.add_bar(
            y=y,
            x=values,
            name=words[code],
            orientation="h",
            marker_color=colour,
            hovertemplate=_hover("y", "x", lang, words[code]),
        )
    return _stacked(
        fig,
        words["units_title"],
        max(300, 140 + 22 * len(s)),
        words["items"],
        words["unit"],
        legend_y=1.0,
        type="category",
    )


def _stacked(fig, title, height, x_title, y_title, *, legend_y, **y_axis):
    """The layout of a horizontal stacked-bar count (flags by check, items by
    unit): first row on top, the legend in a row above the bars."""
    fig.update_layout(
        barmode="stack",
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": 14},
        height=height,
        margin={"l": 10, "r": 20, "t": 60, "b": 40},
        title={"text": title, "x": 0},
        legend={"orientation": "h", "y": legend_y, "yanchor": "bottom", "x": 0,
                "traceorder": "normal"},
    )  # fmt: skip
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title, autorange="reversed", **y_axis)
    return fig


def plot_backlog(backlog: pd.DataFrame, *, lang: str = "zh") -> go.Figure:
    """The ledger period by period (:func:`evaluation.risk.ledger.backlog`): items
    opened and closed in each period (bars) and open at its end (line)."""
    _check_lang(lang)
    words = V.words("ledger_plot", lang)
    x = _period_names(backlog["period"], lang)
    fig = go.Figure()
    fig.add_bar(x=x, y=backlog["opened"], name=words["opened"],
                marker_color=PALETTE[0])  # fmt: skip
    fig.add_bar(x=x, y=backlog["closed"], name=words["closed"],
                marker_color=PALETTE[2])  # fmt: skip
    fig.add_scatter(
        x=x,
        y=backlog["open"],
        name=words["open_end"],
        mode="lines+markers",
        line={"color": PALETTE[5], "width": 3},
    )
    fig.update_layout(
        barmode="group",
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": 14},
        height=400,
        margin={"l": 10, "r": 20, "t": 60, "b": 40},
        title={"text": words["backlog_title"], "x": 0},
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
    )
    fig.update_xaxes(title_text=words["period"], type="category")
    fig.update_yaxes(title_text=words["items"], rangemode="tozero")
    return fig


# ------------------------------------------------------ the dashboard's overview
def plot_average_trend(
    trend: pd.DataFrame,
    names: Mapping[str, Mapping[str, str]],
    *,
    lang: str = "zh",
    period: str | None = None,
) -> dict:
    """The average composite over the run's periods, a light figure (dict): the
    city's (a thick line), each unit level's, and each peer group's (dotted, off
    until clicked in the legend). ``trend``: :func:`evaluation.analysis.overview.
    averages` (``period, kind, group, n, average``); ``names``: kind → group →
    display name (a unit level and a peer group may share a code); ``period`` is
    marked with a vertical line."""
    _check_lang(lang)
    words = V.words("page_overview", lang)
    periods = list(dict.fromkeys(trend["period"]))
    x = _period_names(periods, lang)
    style = {
        "city": ({"width": 4, "color": INK}, True),
        "level": ({"width": 2.5}, True),
        "peer_group": ({"width": 1.5, "dash": "dot"}, "legendonly"),
    }
    lines, k = [], 0
    for (kind, group), rows in trend.groupby(["kind", "group"], sort=False):
        line, visible = style[kind]
        if kind != "city":
            line = {**line, "color": PALETTE[k % len(PALETTE)]}
            k += 1
        y = rows.set_index("period")["average"].reindex(periods)
        lines.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": x,
                "y": [_json_number(v) for v in y],
                "name": names.get(kind, {}).get(group, group),
                "line": line,
                "visible": visible,
                "hovertemplate": _hover("x", "y:.2f", lang, "%{fullData.name}"),
            }
        )
    layout = light_layout(words["trend"], height=460, left=60)
    layout["margin"]["r"] = 20
    layout["xaxis"].update(type="category", title={"text": words["axis_period"]})
    layout["yaxis"].update(title={"text": words["axis_score"]})
    # the legend at the foot, under the axis title (a dozen groups take two or
    # three rows), and margins that hold the labels: laid out once
    _legend_below(layout, [line["name"] for line in lines])
    every = [v for line in lines for v in line["y"]]
    _fixed_margins(layout, left=_value_tick_text(every, {}), below=x)
    _fit_titles(layout, TITLE_ROOM)  # long titles fold, not run over each other
    layout["hovermode"] = "x unified"
    if period in periods:
        # by its place, not its name: plotly reads an English year (2025) as a
        # number, which on a category axis is the 2025th category
        at = periods.index(period)
        layout["shapes"] = [
            {"type": "line", "xref": "x", "yref": "paper", "x0": at, "x1": at,
             "y0": 0, "y1": 1, "line": {"color": MEDIAN_GREY, "dash": "dash"}}
        ]  # fmt: skip
    return {"data": lines, "layout": layout}


def plot_grade_counts(
    counts: pd.DataFrame, names: Mapping[str, str], *, lang: str = "zh"
) -> dict:
    """The annual grades distribution as stacked horizontal bars, a light figure
    (dict): one bar per row of ``counts`` (:func:`evaluation.analysis.overview.
    grade_counts`: rows ``all`` and unit levels, columns the grades best first),
    labelled by ``names`` (row → display name), first row on top."""
    _check_lang(lang)
    words = V.words("page_overview", lang)
    rows = [names.get(r, r) for r in counts.index]
    bars = [
        {
            "type": "bar",
            "orientation": "h",
            "y": rows,
            "x": [int(v) for v in counts[g]],
            "name": V.GRADE[g].text(lang),
            "marker": {"color": V.COLOURS["grade"][g]},
            "text": [str(int(v)) if v else "" for v in counts[g]],
            "textposition": "inside",
            "insidetextanchor": "middle",
            "hovertemplate": _hover("y", "x", lang, "%{fullData.name}"),
        }
        for g in GRADES
        if g in counts
    ]
    layout = light_layout("", height=150 + 48 * len(rows), left=10)
    layout["barmode"] = "stack"
    layout["margin"] = {"l": 10, "r": 20, "t": 40, "b": 50}
    layout["legend"] = {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0,
                        "traceorder": "normal"}  # fmt: skip
    layout["xaxis"].update(title={"text": words["axis_units"]}, rangemode="tozero")
    layout["yaxis"].update(autorange="reversed")
    return {"data": bars, "layout": layout}
