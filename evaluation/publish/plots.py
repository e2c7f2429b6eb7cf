"""Plotly figures shared by notebooks and the dashboard; pure functions of tables."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from evaluation.publish.export import NOTES, round_half_up

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
_LABELS = {
    "zh": {
        "x": "综合得分",
        "y": "单位",
        "group": "类别",
        "rank": "排名",
        "unscored": NOTES["insufficient_data"][0],
    },
    "en": {
        "x": "Composite score",
        "y": "Department",
        "group": "Peer group",
        "rank": "Rank",
        "unscored": NOTES["insufficient_data"][1],
    },
}


def plot_rank_bar(
    table: pd.DataFrame,
    *,
    lang: str = "zh",
    top: int | None = None,
    group_names: Mapping[str, str] | None = None,
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

    Returns
    -------
    plotly.graph_objects.Figure
    """
    if lang not in _LABELS:
        raise ValueError(f"lang must be one of {sorted(_LABELS)}, not {lang!r}")
    missing = {"unit_id", f"name_{lang}", "peer_group", "composite_score", "rank"}
    missing -= set(table.columns)
    if missing:
        raise ValueError(f"table lacks league-table columns {sorted(missing)}")
    if top is not None:
        table = table.head(top)
    labels = _LABELS[lang]
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
                f"%{{customdata[0]}}<br>{labels['group']}: {name}"
                f"<br>{labels['rank']}: %{{customdata[1]}}"
                f"<br>{labels['x']}: %{{text}}<extra></extra>"
            ),
        )
    for unit_id in table.loc[table["composite_score"].isna(), "unit_id"]:
        fig.add_annotation(
            x=0,
            y=unit_id,
            text=labels["unscored"],
            xanchor="left",
            showarrow=False,
            font={"color": "#5f6b7a"},
        )
    fig.update_layout(
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": 15},
        height=max(320, 140 + 26 * len(table)),
        margin={"l": 10, "r": 30, "t": 40, "b": 50},
        bargap=0.25,
        legend={
            "orientation": "h",
            "x": 0,
            "y": 1.0,
            "yanchor": "bottom",
            "title": {"text": labels["group"]},
        },
    )
    fig.update_xaxes(title_text=labels["x"], range=[0, 100], dtick=20)
    fig.update_yaxes(
        title_text=labels["y"],
        type="category",
        categoryorder="array",
        categoryarray=list(table["unit_id"]),
        tickvals=list(table["unit_id"]),
        ticktext=list(table[f"name_{lang}"]),
        autorange="reversed",
    )
    return fig


_RISK_LABELS = {
    "zh": {
        "title": "风险等级",
        "unit": "单位",
        "dimension": "维度",
        "period": "报告期",
        "count": "预警数",
        "overall": "总体",
    },
    "en": {
        "title": "Risk level",
        "unit": "Department",
        "dimension": "Dimension",
        "period": "Period",
        "count": "Warnings",
        "overall": "Overall",
    },
}


def plot_risk_heatmap(result, period: str | None = None, *, lang: str = "zh"):
    """Units × level-1 dimensions (and overall) coloured by risk level.

    A cell's level is the worst warning on the dimension or anything below it;
    "overall" is the unit's grade (any warning, events included). Units are ordered
    worst first; hovering shows the number of warnings behind the colour.
    """
    from evaluation.risk.rules import COLOURS, LEVELS, NAMES, SEVERITY, dimension_levels

    if lang not in _RISK_LABELS:
        raise ValueError(f"lang must be one of {sorted(_RISK_LABELS)}, not {lang!r}")
    period = period or result.period
    cat, labels = result.catalogue, _RISK_LABELS[lang]
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
    order = sev.sum(axis=1).sort_values(ascending=False, kind="stable").index
    grid, sev = grid.loc[order], sev.loc[order]
    names = result.units.set_index("unit_id")[f"name_{lang}"]
    columns = [cat.name(d, lang) for d in dims] + [labels["overall"]]
    lang_i = 0 if lang == "zh" else 1
    text = grid.apply(lambda c: c.map(lambda lv: NAMES[lv][lang_i]))
    scale = []
    for i, level in enumerate(LEVELS):  # a stepped scale: one colour per level
        scale += [[i / 4, COLOURS[level]], [(i + 1) / 4, COLOURS[level]]]
    fig = go.Figure(
        go.Heatmap(
            z=sev.to_numpy(),
            x=columns,
            y=list(names.reindex(order)),
            text=text.to_numpy(),
            zmin=-0.5,
            zmax=3.5,
            colorscale=scale,
            xgap=2,
            ygap=2,
            hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>",
            colorbar={
                "title": {"text": labels["title"]},
                "tickvals": [0, 1, 2, 3],
                "ticktext": [NAMES[lv][lang_i] for lv in LEVELS],
            },
        )
    )
    fig.update_layout(
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": 14},
        height=max(320, 120 + 20 * len(grid)),
        margin={"l": 10, "r": 10, "t": 40, "b": 40},
        title={"text": f"{labels['title']} · {period}"},
    )
    fig.update_yaxes(autorange="reversed", title_text=labels["unit"])
    fig.update_xaxes(side="top")
    return fig


def plot_warnings_timeline(result, *, lang: str = "zh", unit_id: str | None = None):
    """Warnings per period, stacked by level (red at the bottom), for every unit or
    one: how the risk picture moved over the run's periods."""
    from evaluation.risk.rules import COLOURS, LEVELS, NAMES

    if lang not in _RISK_LABELS:
        raise ValueError(f"lang must be one of {sorted(_RISK_LABELS)}, not {lang!r}")
    labels = _RISK_LABELS[lang]
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
        name = NAMES[level][0 if lang == "zh" else 1]
        fig.add_bar(
            x=counts.index,
            y=counts[level],
            name=name,
            marker_color=COLOURS[level],
            hovertemplate=f"%{{x}}: %{{y}}<extra>{name}</extra>",
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
    if lang not in _RISK_LABELS:
        raise ValueError(f"lang must be one of {sorted(_RISK_LABELS)}, not {lang!r}")
    s = summary.dropna(subset=["nominal_rank"]).sort_values("nominal_rank")
    y = [names.get(u, u) for u in s["unit_id"]]
    words = {
        "zh": ("发布名次", "中位名次", "名次（5%–95% 区间）", "单位"),
        "en": ("Published rank", "Median rank", "Rank (5–95% interval)", "Department"),
    }[lang]
    fig = go.Figure()
    fig.add_scatter(
        x=s["nominal_rank"],
        y=y,
        mode="markers",
        name=words[0],
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
        name=words[1],
        marker={"color": PALETTE[1], "size": 7, "symbol": "diamond"},
    )
    fig.update_layout(
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": 14},
        height=max(320, 120 + 22 * len(s)),
        margin={"l": 10, "r": 20, "t": 40, "b": 50},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    )
    fig.update_xaxes(title_text=words[2], rangemode="tozero")
    fig.update_yaxes(title_text=words[3], autorange="reversed", type="category")
    return fig
