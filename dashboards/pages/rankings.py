"""Rankings: the league table of a period, overall or within a peer group.

Grid, bar chart and CSV download all come from the same ``league_table`` /
``media_table`` calls, so what leaders see is what the media receive.
"""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html

from dashboards import components, data
from evaluation.publish import plots
from evaluation.publish.export import media_csv_bytes, media_table

dash.register_page(
    __name__,
    path="/",
    name="Rankings",
    title="排名 · Rankings",
    order=0,
    nav="nav_rankings",
)

_PANEL = {
    "background": "white",
    "borderRadius": "8px",
    "boxShadow": "0 1px 3px rgba(0, 0, 0, 0.12)",
    "height": "calc(100vh - 200px)",
    "minHeight": "480px",
}


def layout(**_query) -> html.Div:
    """Controls, grid and chart; text and rows are filled by the callbacks below."""
    result = data.result()  # the run in force; the header's run selector may change it
    return html.Div(
        [
            html.Div(
                [
                    html.H2(id="rankings-heading", style={"margin": "0 24px 0 0"}),
                    components.control(
                        "rankings-period-label",
                        dcc.Dropdown(
                            id="rankings-period",
                            options=result.periods,
                            value=result.period,
                            clearable=False,
                            style={"width": "160px"},
                        ),
                    ),
                    components.control(
                        "rankings-peer-group-label",
                        dcc.Dropdown(
                            id="rankings-peer-group",
                            options=components.peer_group_options(
                                result.catalogue, "zh"
                            ),
                            value=components.ALL_GROUPS,
                            clearable=False,
                            searchable=False,
                            style={"width": "420px"},
                        ),
                    ),
                    html.Button(
                        id="rankings-download-button",
                        style={
                            "marginLeft": "auto",
                            "padding": "10px 22px",
                            "fontSize": "17px",
                            "border": "none",
                            "borderRadius": "6px",
                            "background": components.ACCENT,
                            "color": "white",
                            "cursor": "pointer",
                        },
                    ),
                    dcc.Download(id="rankings-download"),
                ],
                style={
                    "display": "flex",
                    "alignItems": "flex-end",
                    "gap": "24px",
                    "marginBottom": "16px",
                },
            ),
            html.Div(
                [
                    html.Div(
                        components.league_grid("rankings-grid"),
                        style={**_PANEL, "flex": "1 1 1400px"},
                    ),
                    html.Div(
                        dcc.Graph(id="rankings-bar", config={"displayModeBar": False}),
                        style={**_PANEL, "flex": "1 1 700px", "overflowY": "auto"},
                    ),
                ],
                # side by side on very wide screens, chart below the grid otherwise
                style={"display": "flex", "flexWrap": "wrap", "gap": "20px"},
            ),
        ]
    )


@callback(
    Output("rankings-period", "options"),
    Output("rankings-period", "value"),
    Input("app-run", "value"),
    State("rankings-period", "value"),
)
def update_periods(run, period):
    """The periods of the chosen run; keep the period shown if the run has it."""
    return data.periods(run, period)


@callback(
    Output("rankings-heading", "children"),
    Output("rankings-period-label", "children"),
    Output("rankings-peer-group-label", "children"),
    Output("rankings-peer-group", "options"),
    Output("rankings-download-button", "children"),
    Input("app-lang", "value"),
)
def update_labels(lang):
    """Every fixed label of the page in the chosen language."""
    labels = [components.text(k, lang) for k in ("heading", "period", "peer_group")]
    options = components.peer_group_options(data.result().catalogue, lang)
    return *labels, options, components.text("download", lang)


@callback(
    Output("rankings-grid", "rowData"),
    Output("rankings-grid", "columnDefs"),
    Output("rankings-bar", "figure"),
    Input("rankings-period", "value"),
    Input("rankings-peer-group", "value"),
    Input("app-lang", "value"),
    Input("app-run", "value"),
)
def update_rankings(period, peer_group, lang, run=None):
    """Grid rows, grid columns and bar chart of one period and peer group.

    The chart shows the first 60 units of a long table (a screen holds no more).
    """
    group = components.peer_group_or_none(peer_group)
    result = data.result(run)
    period = data.period_of(run, period)
    table = data.league(run, period, group)
    names = data.peer_group_names(lang, run)
    columns = components.league_columns(
        result.catalogue,
        lang,
        peer=group is not None,
        group_names=names,
        intervals="rank_interval" in table,
    )
    return (
        data.records(table),
        columns,
        plots.plot_rank_bar(table, lang=lang, group_names=names, top=60),
    )


@callback(
    Output("rankings-download", "data"),
    Input("rankings-download-button", "n_clicks"),
    State("rankings-period", "value"),
    State("rankings-peer-group", "value"),
    State("app-lang", "value"),
    State("app-run", "value"),
    prevent_initial_call=True,
)
def download_csv(_n_clicks, period, peer_group, lang, run=None):
    """The media CSV of what is on screen, byte for byte (``media_csv_bytes``)."""
    group = components.peer_group_or_none(peer_group)
    table = media_table(data.result(run), period, peer_group=group, lang=lang)
    return dcc.send_bytes(
        media_csv_bytes(table), components.csv_filename(period, group, lang)
    )
