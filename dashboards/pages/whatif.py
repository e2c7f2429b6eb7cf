"""What-if (/what-if): move the level-1 weights, see who moves and by how much.

The published dimension scores are re-weighted in the browser session only
(``data.whatif``: the weighted mean over the dimensions a unit has, as the published
arithmetic composite); nothing is saved, and "reset" returns to the published
weights. With the published weights it reproduces the published composite.
"""

from __future__ import annotations

import dash
import plotly.graph_objects as go
from dash import ALL, Input, Output, State, callback, ctx, dcc, html

from dashboards import components, data
from evaluation.publish.export import round_half_up
from evaluation.publish.plots import FONT_FAMILY, PALETTE

dash.register_page(
    __name__, path="/what-if", name="What-if", title="权重模拟 · What-if"
)

T = {
    "heading": (
        "权重模拟（不保存、不发布）",
        "What-if weights (never saved or published)",
    ),
    "period": ("评估期", "Period"),
    "reset": ("恢复发布权重", "Reset to the published weights"),
    "rank": ("模拟名次", "What-if rank"),
    "published": ("发布名次", "Published rank"),
    "move": ("名次变化", "Move"),
    "unit": ("单位", "Department"),
    "score": ("模拟得分", "What-if score"),
    "movers": ("名次变化最大的单位", "Biggest moves"),
    "note": (
        "综合得分按一级指标加权平均重算；非算术平均的汇总方法以发布结果为准。",
        "The composite is recomputed as the weighted mean of the level-1 scores; "
        "for other aggregation methods the published result stands.",
    ),
}


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
    weights = data.published_weights(run, period)
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
    matrix = data.dimension_matrix(run, period)
    published = result.ranks[result.ranks["period"] == period].set_index("unit_id")[
        "rank"
    ]
    table = data.whatif(matrix, weights, published)
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
    movers = table.dropna(subset=["move"])
    movers = movers.reindex(
        movers["move"].abs().sort_values(ascending=False).index
    ).head(15)
    fig = go.Figure(
        go.Bar(
            x=movers["move"],
            y=[names[u] for u in movers["unit_id"]],
            orientation="h",
            marker_color=[PALETTE[2] if m > 0 else PALETTE[5] for m in movers["move"]],
        )
    )
    fig.update_layout(
        title={"text": T["movers"][k], "x": 0},
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": 14},
        height=520,
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
    )
    fig.update_yaxes(autorange="reversed")
    return rows, columns, fig
