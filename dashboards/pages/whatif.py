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
from dash import ALL, Input, Output, State, callback, ctx, dcc, html

from dashboards import components, data
from evaluation.analysis import views
from evaluation.publish import plots
from evaluation.publish.export import round_half_up
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
                            html.Label(id={"type": "whatif-label", "dim": d}),
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
                [
                    html.Div(
                        components.table_grid("whatif-table", page_size=20),
                        style={"flex": "1 1 600px"},
                    ),
                    html.Div(
                        dcc.Graph(id="whatif-movers", config=components.NO_BAR),
                        style={"flex": "1 1 500px"},
                    ),
                ],
                style={"display": "flex", "gap": "20px", "flexWrap": "wrap"},
            ),
        ]
    )


@callback(
    Output("whatif-period", "options"),
    Output("whatif-period", "value"),
    Input("app-run", "value"),
)
def update_periods(run):
    return data.periods(run)


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


@callback(
    Output("whatif-table", "rowData"),
    Output("whatif-table", "columnDefs"),
    Output("whatif-movers", "figure"),
    Input({"type": "whatif-weight", "dim": ALL}, "value"),
    Input("whatif-period", "value"),
    Input("app-lang", "value"),
    State({"type": "whatif-weight", "dim": ALL}, "id"),
    State("app-run", "value"),
)
def update_whatif(values, period, lang, ids, run=None):
    """The ranking under the sliders' weights, and who moves."""
    result = data.result(run)
    period = data.period_of(run, period)
    weights = {i["dim"]: v for i, v in zip(ids, values, strict=True)}
    table = views.whatif(result, period, weights)
    names = result.units.set_index("unit_id")[f"name_{lang}"]
    k = 0 if lang == "zh" else 1
    rows = [
        {
            "rank": r.rank,
            "unit": names[r.unit_id],
            "score": round_half_up([r.score])[0],
            "published": r.published_rank,
            "move": r.move,
        }
        for r in table.itertuples()
    ]
    columns = components.columns(
        (c, T[c][k]) for c in ("rank", "unit", "score", "published", "move")
    )
    columns[-1]["cellStyle"] = {
        "styleConditions": [
            {"condition": "params.value > 0", "style": {"color": components.UP}},
            {"condition": "params.value < 0", "style": {"color": components.DOWN}},
        ]
    }
    fig = plots.plot_movers(table, names, title=T["movers"][k])
    return rows, columns, fig
