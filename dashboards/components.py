"""Pure functions that build Dash components and grid settings in zh or en.

Display text comes from the catalogue (dimension and peer-group names) and from
``evaluation.export`` (column headers and notes), so the dashboard reads exactly like
the published media table.
"""

from __future__ import annotations

import json

import dash_ag_grid as dag
from dash import dcc, html

from evaluation.catalogue import Catalogue
from evaluation.export import HEADERS, NOTES
from evaluation.plots import FONT_FAMILY

LANGS = ("zh", "en")
#: Peer-group dropdown value for "all groups"; cannot clash with an id (ids start a-z).
ALL_GROUPS = "_all"
TEXT = {
    "heading": ("综合排名", "League table"),
    "period": ("评估期", "Period"),
    "peer_group": ("类别", "Peer group"),
    "all_groups": ("全部单位", "All departments"),
    "download": ("下载 CSV", "Download CSV"),
    "rank_change": ("名次变化", "Δ rank"),
}
INK, MUTED, ACCENT = "#1f2933", "#5f6b7a", "#0072B2"
UP, DOWN = "#009E73", "#D55E00"  # Okabe–Ito pair, told apart by colour-blind readers
BASE_STYLE = {
    "fontFamily": FONT_FAMILY,
    "color": INK,
    "fontSize": "17px",
    "--Dash-Fill-Interactive-Strong": ACCENT,  # Dash 4 controls: accent colour
}


def text(key: str, lang: str) -> str:
    """A fixed label of the page in ``lang``."""
    return TEXT[key][LANGS.index(lang)]


def title(catalogue: Catalogue, lang: str) -> str:
    """The catalogue's name in ``lang``: the dashboard's heading."""
    return catalogue.name_zh if lang == "zh" else catalogue.name_en


def peer_group_or_none(value: str | None) -> str | None:
    """Dropdown value → ``peer_group`` argument of the library (None = all)."""
    return None if value in (None, ALL_GROUPS) else value


def csv_filename(period: str, peer_group: str | None, lang: str) -> str:
    """``ranking_2025_zh.csv``, or ``ranking_2025_economic_zh.csv`` for one group."""
    parts = ["ranking", period, *([peer_group] if peer_group else []), lang]
    return "_".join(parts) + ".csv"


def peer_group_options(catalogue: Catalogue, lang: str) -> list[dict]:
    """An "all departments" option, then the catalogue's peer groups in ``lang``."""
    return [{"label": text("all_groups", lang), "value": ALL_GROUPS}] + [
        {"label": catalogue.name(g.id, lang), "value": g.id}
        for g in catalogue.peer_groups
    ]


def header(catalogue: Catalogue) -> html.Header:
    """Title bar: catalogue name and the zh/en switch (``app-lang``, default zh)."""
    return html.Header(
        [
            html.H1(
                title(catalogue, "zh"),
                id="app-title",
                style={"margin": 0, "fontSize": "28px", "fontWeight": 600},
            ),
            dcc.RadioItems(
                id="app-lang",
                options=[
                    {"label": "中文", "value": "zh"},
                    {"label": "English", "value": "en"},
                ],
                value="zh",
                inline=True,
                persistence=True,
                inputStyle={"marginRight": "6px"},
                style={
                    "fontSize": "18px",
                    "background": "white",
                    "borderRadius": "20px",
                    "padding": "4px 0 4px 18px",
                },
            ),
        ],
        style={
            "display": "flex",
            "justifyContent": "space-between",
            "alignItems": "center",
            "padding": "14px 28px",
            "background": ACCENT,
            "color": "white",
        },
    )


def control(label_id: str, child) -> html.Label:
    """A labelled control; the label text is filled by a language callback."""
    return html.Label(
        [html.Span(id=label_id, style={"color": MUTED, "fontSize": "15px"}), child],
        style={"display": "flex", "flexDirection": "column", "gap": "4px"},
    )


def league_grid(grid_id: str) -> dag.AgGrid:
    """An empty, sortable league grid; callbacks fill ``rowData`` and ``columnDefs``."""
    theme = json.dumps(
        {
            "fontFamily": FONT_FAMILY,
            "fontSize": 17,
            "headerFontSize": 16,
            "rowHeight": 42,
            "headerHeight": 48,
            "accentColor": ACCENT,
        }
    )
    return dag.AgGrid(
        id=grid_id,
        rowData=[],
        columnDefs=[],
        columnSize="responsiveSizeToFit",
        defaultColDef={
            "sortable": True,
            "resizable": True,
            "suppressMovable": True,
            "wrapHeaderText": True,
            "autoHeaderHeight": True,
        },
        getRowId="params.data.unit_id",
        getRowStyle={
            "styleConditions": [
                {
                    "condition": "params.data.status === 'insufficient_data'",
                    "style": {"color": MUTED, "fontStyle": "italic"},
                }
            ]
        },
        dashGridOptions={
            "theme": {"function": f"themeQuartz.withParams({theme})"},
            "animateRows": False,
        },
        style={"height": "100%", "width": "100%"},
    )


def league_columns(
    catalogue: Catalogue, lang: str, *, peer: bool, group_names: dict[str, str]
) -> list[dict]:
    """Grid columns of a league table: rank, Δrank, name, group, scores, note.

    With ``peer``, rank and Δrank are those within the peer group. Score cells hold
    numbers (so they sort as numbers) shown with two decimals. Widths are
    proportions: the grid scales them to fill its width.
    """
    i, zh = LANGS.index(lang), lang == "zh"
    rank = "peer_rank" if peer else "rank"
    score = {
        "type": "numericColumn",
        "width": 160 if zh else 150,
        "valueFormatter": {
            "function": "params.value == null ? '' : params.value.toFixed(2)"
        },
    }
    return [
        {
            "field": rank,
            "headerName": HEADERS[rank][i],
            "pinned": "left",
            "width": 90,
            "type": "numericColumn",
        },
        {
            "field": f"{rank}_change",
            "headerName": text("rank_change", lang),
            "width": 90,
            **_rank_change_style(),
        },
        {
            "field": f"name_{lang}",
            "headerName": HEADERS["name"][i],
            "pinned": "left",
            "width": 220 if zh else 340,
            **_WRAP,
        },
        {
            "field": "peer_group",
            "headerName": HEADERS["peer_group"][i],
            "refData": group_names,
            "width": 150 if zh else 250,
            **_WRAP,
        },
        {
            "field": "composite_score",
            "headerName": HEADERS["composite_score"][i],
            **score,
            "cellStyle": {"fontWeight": 700},
        },
        *[
            {"field": d, "headerName": catalogue.name(d, lang), **score}
            for d in catalogue.top_dimensions()
        ],
        _note_column(lang),
    ]


#: Long names wrap (a leader should never see "Municipal Bureau of…") in rows that grow.
_WRAP = {
    "wrapText": True,
    "autoHeight": True,
    "cellStyle": {"lineHeight": "1.35", "paddingTop": "9px", "paddingBottom": "9px"},
}


def _rank_change_style() -> dict:
    """Δrank as ▲/▼ with colour: previous − current rank, positive = moved up."""
    return {
        "valueFormatter": {
            "function": "params.value == null ? '' : params.value > 0 ? "
            "'▲ ' + params.value : params.value < 0 ? '▼ ' + (-params.value) : '–'"
        },
        "cellStyle": {
            "styleConditions": [
                {"condition": "params.value > 0", "style": {"color": UP}},
                {"condition": "params.value < 0", "style": {"color": DOWN}},
            ],
            "defaultStyle": {"color": MUTED},
        },
    }


def _note_column(lang: str) -> dict:
    """The published note: insufficient data (not ranked) or n imputed values."""
    i = LANGS.index(lang)
    insufficient = json.dumps(NOTES["insufficient_data"][i])
    imputed = json.dumps(NOTES["imputed"][i])
    return {
        "colId": "note",
        "headerName": HEADERS["note"][i],
        "valueGetter": {
            "function": f"params.data.status === 'insufficient_data' ? {insufficient}"
            f" : params.data.n_imputed > 0 ? {imputed} + ' (' + params.data.n_imputed"
            " + ')' : ''"
        },
        **_WRAP,
        "cellStyle": {**_WRAP["cellStyle"], "color": DOWN},
        "width": 170 if lang == "zh" else 200,
    }
