"""What-if (/what-if): move the level-1 weights, see who moves and by how much.

The published dimension scores are re-weighted in the browser session only
(``evaluation.analysis.views.whatif``: the composite recomputed from the unit's
published dimension scores by the published aggregation method and coverage rule);
nothing is saved, and "reset" returns
to the published weights. With the published weights it reproduces the published
composite.
"""

from __future__ import annotations

import dash
import pandas as pd
from dash import (
    ALL,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    ctx,
    dcc,
    html,
    no_update,
)
from dash.exceptions import PreventUpdate

from dashboards import components, data
from evaluation.analysis import views
from evaluation.publish import plots
from evaluation.vocabulary import FAMILIES

dash.register_page(
    __name__,
    path="/what-if",
    name="What-if",
    title="权重模拟 · What-if",
    order=4,
    nav="nav_whatif",
)

#: this page's words (``evaluation/vocabulary.yaml``, family ``page_whatif``)
T = FAMILIES["page_whatif"]
# the dropdowns' own words (搜索 / Search) follow the language switch
components.follow_language("whatif-period")


#: the sliders' columns: as many of at least 280 px (a phone's width at most) as fit
SLIDER_COLUMNS = "repeat(auto-fill, minmax(min(280px, 100%), 1fr))"


def layout(**_query) -> html.Div:
    """The page filled in for this visitor's run and language at the published
    weights (no round trip on a page load); the callbacks below redo it when a
    slider, the period, the run or the language changes."""
    lang, run = data.visitor_lang(), data.visitor_run()
    k = 0 if lang == "zh" else 1
    options, period = data.period_options(run, None, lang)
    period = data.period_of(run, period)
    cat = data.result(run).catalogue
    dims = cat.top_dimensions()
    published = views.published_weights(data.result(run), period)
    weights = {d: round(published.get(d, 0.0), 4) for d in dims}
    rows, movers, shares, message, shown = _view(run, period, weights, lang)
    return html.Div(
        [
            html.Div(
                [
                    html.H2(
                        T["heading"][k],
                        id="whatif-heading",
                        style={"margin": "0 24px 0 0"},
                    ),
                    components.control(
                        "whatif-period-label",
                        dcc.Dropdown(
                            id="whatif-period",
                            labels=components.dropdown_labels(lang),
                            options=options,
                            value=period,
                            clearable=False,
                            style=components.PERIOD_STYLE,
                        ),
                    ),
                    html.Button(
                        T["reset"][k],
                        id="whatif-reset",
                        n_clicks=0,
                        style={
                            "marginLeft": "auto",
                            "padding": "8px 18px",
                            "fontSize": "16px",
                        },
                    ),
                ],
                style={"display": "flex", "alignItems": "flex-end", "gap": "24px"},
            ),
            html.P(T["note"][k], id="whatif-note", style={"color": components.MUTED}),
            html.Div(
                [
                    html.Div(
                        [
                            html.Label(
                                [
                                    html.Span(
                                        cat.name(d, lang),
                                        id={"type": "whatif-label", "dim": d},
                                    ),
                                    html.Span(
                                        share,
                                        id={"type": "whatif-share", "dim": d},
                                        style={
                                            "color": components.MUTED,
                                            "marginLeft": "10px",
                                            "fontSize": "15px",
                                        },
                                    ),
                                ]
                            ),
                            dcc.Slider(
                                id={"type": "whatif-weight", "dim": d},
                                min=0,
                                max=0.6,
                                step=0.01,
                                value=weights[d],
                                marks={0: "0", 0.3: "0.3", 0.6: "0.6"},
                                # the value is in the box beside the slider: a
                                # tooltip always shown covered the 0.3 mark
                                tooltip={"always_visible": False},
                                updatemode="mouseup",
                            ),
                        ],
                    )
                    for d, share in zip(dims, shares, strict=True)
                ],
                # a grid, not a wrapping flex row: a slider alone on the last row
                # keeps the others' width, so 0 to 0.6 reads the same on each
                style={
                    "display": "grid",
                    "gridTemplateColumns": SLIDER_COLUMNS,
                    "gap": "24px",
                    "margin": "8px 0 20px",
                },
            ),
            html.Div(message, id="whatif-message", role="alert", style=shown),
            dcc.Store(id="whatif-ask"),
            html.Div(
                [
                    html.Div(
                        _grid(run, rows, lang),
                        id="whatif-table-holder",
                        style={"flex": "1 1 600px"},
                    ),
                    html.Div(movers, id="whatif-movers", style={"flex": "1 1 500px"}),
                ],
                style={"display": "flex", "gap": "20px", "flexWrap": "wrap"},
            ),
        ]
    )


@callback(
    Output("whatif-period", "options"),
    Output("whatif-period", "value"),
    Input("app-run", "value"),
    Input("app-lang", "value"),
    State("whatif-period", "value"),
    prevent_initial_call=True,
)
def update_periods(run, lang, period):
    """The run's periods by name (2025年度, 2025年12月), the chosen one kept; a
    language switch only renames them (the sliders stay where they are)."""
    named, value = data.period_options(run, period, lang)
    if ctx.triggered_id == "app-lang" and value == period:
        return named, no_update
    return named, value


@callback(
    Output({"type": "whatif-weight", "dim": ALL}, "value"),
    Input("whatif-reset", "n_clicks"),
    Input("whatif-period", "value"),
    State("app-run", "value"),
    prevent_initial_call=True,
)
def reset_weights(_n, period, run):
    """The published level-1 weights of the period."""
    period = data.period_of(run, period)
    weights = views.published_weights(data.result(run), period)
    dims = [o["id"]["dim"] for o in ctx.outputs_list]
    return [round(weights.get(d, 0.0), 4) for d in dims]


@callback(
    Output("whatif-heading", "children"),
    Output("whatif-period-label", "children"),
    Output("whatif-reset", "children"),
    Output("whatif-note", "children"),
    Output({"type": "whatif-label", "dim": ALL}, "children"),
    Input("app-lang", "value"),
    State("app-run", "value"),
    prevent_initial_call=True,
)
def update_labels(lang, run):
    k = 0 if lang == "zh" else 1
    cat = data.result(run).catalogue
    dims = [o["id"]["dim"] for o in ctx.outputs_list[4]]
    return (
        T["heading"][k],
        T["period"][k],
        T["reset"][k],
        T["note"][k],
        [cat.name(d, lang) for d in dims],
    )


def _whole(column: pd.Series) -> pd.Series:
    """Ranks and moves as integers for the grid (``None`` where unranked)."""
    return column.astype("Int64").astype(object).where(column.notna(), None)


HIDDEN = {"display": "none"}
ALERT = {
    "background": "#FDF1E8",
    "borderLeft": f"6px solid {components.DOWN}",
    "borderRadius": "6px",
    "padding": "12px 16px",
    "margin": "4px 0 16px",
    "fontSize": "18px",
}


# each change numbered: the page view's id, a rising number and whether it was the
# language (then the grid is built anew); the server answers only the newest
clientside_callback(
    """function () {
        const w = window;
        w.whatifPage = w.whatifPage || Math.random().toString(36).slice(2);
        w.whatifSeq = Math.max(Date.now(), (w.whatifSeq || 0) + 1);
        const lang = window.dash_clientside.callback_context.triggered_id;
        return {page: w.whatifPage, seq: w.whatifSeq, lang: lang === "app-lang"};
    }""",
    Output("whatif-ask", "data"),
    Input({"type": "whatif-weight", "dim": ALL}, "value"),
    Input("whatif-period", "value"),
    Input("app-lang", "value"),
    prevent_initial_call=True,
)


@callback(
    Output("whatif-table-holder", "children"),
    Output("whatif-table", "rowData"),
    Output("whatif-movers", "children"),
    Output({"type": "whatif-share", "dim": ALL}, "children"),
    Output("whatif-message", "children"),
    Output("whatif-message", "style"),
    Input("whatif-ask", "data"),
    State({"type": "whatif-weight", "dim": ALL}, "value"),
    State({"type": "whatif-weight", "dim": ALL}, "id"),
    State("whatif-period", "value"),
    State("app-lang", "value"),
    State("app-run", "value"),
    prevent_initial_call=True,
)
def update_whatif(ask, values, ids, period, lang, run=None):
    """The ranking under the sliders' weights, each slider's share and who moves:
    new rows in the grid there is (AG Grid keeps its rows and redraws what
    changed), a new grid only for a language switch (its own words are read when
    it is created); an answer to a change the visitor has already moved on from
    is not sent (:func:`dashboards.data.newest`)."""
    period = data.period_of(run, period)
    weights = {i["dim"]: v or 0.0 for i, v in zip(ids, values, strict=True)}
    rows, *rest = _view(run, period, weights, lang)
    if not data.newest(str(ask["page"]), float(ask["seq"])):
        raise PreventUpdate
    if ask.get("lang"):
        return _grid(run, rows, lang), no_update, *rest
    return no_update, rows, *rest


def _view(run, period: str, weights: dict[str, float], lang: str) -> tuple:
    """Rows of the ranking under ``weights`` taken as shares of their sum, the
    movers' chart (or words when nobody moves), each weight's share (in the order
    of ``weights``), and the message with its style: all weights at 0 gives a
    message and no ranking."""
    k = 0 if lang == "zh" else 1
    try:
        shares = views.weight_shares(weights)
    except ValueError:  # every weight at 0: nothing to rank
        return (
            [],
            _said(T["no_ranking"][k]),
            ["—"] * len(weights),
            T["all_zero"][k],
            ALERT,
        )
    table = data.whatif(run, period).rank(weights)
    names = data.result(run).units.set_index("unit_id")[f"name_{lang}"]
    rows = data.records(
        pd.DataFrame(
            {
                "rank": _whole(table["rank"]).to_numpy(),
                "unit": table["unit_id"].to_numpy(),  # named by the column's refData
                "score": table["score"].to_numpy(),
                "published": _whole(table["published_rank"]).to_numpy(),
                "move": _whole(table["move"]).to_numpy(),
            }
        )
    )
    moved = table["move"].fillna(0).ne(0).any()
    fig = (
        dcc.Graph(
            id="whatif-movers-chart",
            figure=plots.plot_movers(
                table, names, title=T["movers"][k], axis=T["movers_axis"][k]
            ),
            config=components.NO_BAR,
        )
        if moved
        else _said(T["no_moves"][k])
    )
    share = [T["share"][k].format(share=data.percent(shares[d])) for d in weights]
    return rows, fig, share, None, HIDDEN


def _said(words: str) -> html.P:
    """What the movers' place says when there is nothing to draw (no empty chart)."""
    return html.P(words, style={"marginTop": "48px", "fontSize": "16px"})


def _columns(run, lang: str) -> list[dict]:
    """Rank, unit, score, published rank and move, in ``lang``; units by name
    (``refData``: the names are sent with the grid, rows carry only ids)."""
    k = 0 if lang == "zh" else 1
    columns = components.columns(
        ((c, T[c][k]) for c in ("rank", "unit", "score", "published", "move")),
        lang=lang,
    )
    units = data.result(run).units
    columns[1]["refData"] = units.set_index("unit_id")[f"name_{lang}"].to_dict()
    columns[1] = components.fit(
        columns[1], lang, (data.longest_name(run, lang),), 1 if lang == "zh" else 3
    )
    columns[2].update(
        type="numericColumn",
        valueFormatter={
            "function": "params.value == null ? '' : params.value.toFixed(2)"
        },
    )
    columns[-1].update(components.rank_change_style())  # ▲ 3 / ▼ 2 / –, as rankings
    return columns


def _grid(run, rows: list[dict], lang: str):
    """The ranking as a grid built in ``lang`` (AG Grid reads its own words,
    ``localeText``, only when a grid is created); rows known by their unit, so new
    rows redraw only the cells that changed."""
    grid = components.table_grid(
        "whatif-table",
        rowData=rows,
        columnDefs=_columns(run, lang),
        page_size=20,
        getRowId="params.data.unit",
    )
    grid.dashGridOptions = {
        **grid.dashGridOptions,
        "localeText": components.grid_locale(lang),
    }
    return grid
