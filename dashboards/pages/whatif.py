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
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from dashboards import components, data
from evaluation.analysis import views
from evaluation.publish import plots
from evaluation.vocabulary import FAMILIES

dash.register_page(
    __name__,
    path="/what-if",
    name="What-if",
    title="权重模拟 · What-if",
    order=3,
    nav="nav_whatif",
)

#: this page's words (``evaluation/vocabulary.yaml``, family ``page_whatif``)
T = FAMILIES["page_whatif"]


def layout(**_query) -> html.Div:
    result = data.result()
    dims = result.catalogue.top_dimensions()
    return html.Div(
        [
            html.Div(
                [
                    html.H2(id="whatif-heading", style={"margin": "0 24px 0 0"}),
                    components.control(
                        "whatif-period-label",
                        dcc.Dropdown(
                            id="whatif-period",
                            clearable=False,
                            style={"width": "160px"},
                        ),
                    ),
                    html.Button(
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
            html.P(id="whatif-note", style={"color": components.MUTED}),
            html.Div(
                [
                    html.Div(
                        [
                            html.Label(
                                [
                                    html.Span(id={"type": "whatif-label", "dim": d}),
                                    html.Span(
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
                                value=0.2,
                                marks={0: "0", 0.3: "0.3", 0.6: "0.6"},
                                tooltip={"placement": "bottom", "always_visible": True},
                                updatemode="mouseup",
                            ),
                        ],
                        style={"flex": "1 1 280px"},
                    )
                    for d in dims
                ],
                style={
                    "display": "flex",
                    "gap": "24px",
                    "flexWrap": "wrap",
                    "margin": "8px 0 20px",
                },
            ),
            html.Div(
                id="whatif-message",
                role="alert",
                style={"display": "none"},
            ),
            html.Div(
                [
                    html.Div(
                        id="whatif-table-holder",
                        style={"flex": "1 1 600px"},
                    ),
                    html.Div(id="whatif-movers", style={"flex": "1 1 500px"}),
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
)
def reset_weights(_n, period, run):
    """The published level-1 weights of the period (also on first load)."""
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


@callback(
    Output("whatif-table-holder", "children"),
    Output("whatif-movers", "children"),
    Output({"type": "whatif-share", "dim": ALL}, "children"),
    Output("whatif-message", "children"),
    Output("whatif-message", "style"),
    Input({"type": "whatif-weight", "dim": ALL}, "value"),
    Input("whatif-period", "value"),
    Input("app-lang", "value"),
    State({"type": "whatif-weight", "dim": ALL}, "id"),
    State("app-run", "value"),
)
def update_whatif(values, period, lang, ids, run=None):
    """The ranking under the sliders' weights taken as shares of their sum, each
    slider's share, and who moves; all weights at 0: a message, no ranking."""
    result = data.result(run)
    period = data.period_of(run, period)
    weights = {i["dim"]: v or 0.0 for i, v in zip(ids, values, strict=True)}
    k = 0 if lang == "zh" else 1
    columns = components.columns(
        ((c, T[c][k]) for c in ("rank", "unit", "score", "published", "move")),
        lang=lang,
    )
    columns[2].update(
        type="numericColumn",
        valueFormatter={
            "function": "params.value == null ? '' : params.value.toFixed(2)"
        },
    )
    columns[-1]["cellStyle"] = {
        "styleConditions": [
            {"condition": "params.value > 0", "style": {"color": components.UP}},
            {"condition": "params.value < 0", "style": {"color": components.DOWN}},
        ]
    }
    try:
        shares = views.weight_shares(weights)
    except ValueError:  # every weight at 0: nothing to rank
        grid = _grid([], columns, lang)
        return (
            grid,
            _said(T["no_ranking"][k]),
            ["—"] * len(ids),
            T["all_zero"][k],
            ALERT,
        )
    table = data.whatif(run, period).rank(weights)
    names = result.units.set_index("unit_id")[f"name_{lang}"]
    rows = data.records(
        pd.DataFrame(
            {
                "rank": _whole(table["rank"]).to_numpy(),
                "unit": table["unit_id"].map(names).to_numpy(),
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
    share = [T["share"][k].format(share=data.percent(shares[i["dim"]])) for i in ids]
    return _grid(rows, columns, lang), fig, share, None, HIDDEN


def _said(words: str) -> html.P:
    """What the movers' place says when there is nothing to draw (no empty chart)."""
    return html.P(words, style={"marginTop": "48px", "fontSize": "16px"})


def _grid(rows: list[dict], columns: list[dict], lang: str):
    """The ranking as a grid built in ``lang`` (AG Grid reads its own words,
    ``localeText``, only when a grid is created)."""
    grid = components.table_grid(
        "whatif-table", rowData=rows, columnDefs=columns, page_size=20
    )
    grid.dashGridOptions = {
        **grid.dashGridOptions,
        "localeText": components.grid_locale(lang),
    }
    return grid
