"""Risk board (/risk): units × dimensions by level, the warnings with their reasons,
and the rectification ledger with overdue items first."""

from __future__ import annotations

from dataclasses import replace

import dash
from dash import Input, Output, callback, dcc, html

from dashboards import components, data
from evaluation.publish import plots
from evaluation.publish.export import risk_table
from evaluation.vocabulary import FAMILIES

dash.register_page(
    __name__, path="/risk", name="Risk", title="风险 · Risk", order=1, nav="nav_risk"
)

#: this page's words (``evaluation/vocabulary.yaml``, family ``page_risk``)
T = FAMILIES["page_risk"]


def layout(**_query) -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    html.H2(id="risk-heading", style={"margin": "0 24px 0 0"}),
                    components.control(
                        "risk-period-label",
                        dcc.Dropdown(
                            id="risk-period", clearable=False, style={"width": "160px"}
                        ),
                    ),
                ],
                style={"display": "flex", "alignItems": "flex-end", "gap": "24px"},
            ),
            html.Div(
                dcc.Graph(id="risk-heatmap", config=components.NO_BAR),
                style={"marginTop": "12px"},
            ),
            html.H3(id="risk-warnings-heading"),
            components.table_grid("risk-warnings"),
            html.H3(id="risk-ledger-heading"),
            components.table_grid("risk-ledger"),
        ]
    )


@callback(
    Output("risk-period", "options"),
    Output("risk-period", "value"),
    Input("app-run", "value"),
)
def update_periods(run):
    return data.periods(run)


@callback(
    Output("risk-heading", "children"),
    Output("risk-period-label", "children"),
    Output("risk-warnings-heading", "children"),
    Output("risk-ledger-heading", "children"),
    Output("risk-heatmap", "figure"),
    Output("risk-warnings", "rowData"),
    Output("risk-warnings", "columnDefs"),
    Output("risk-ledger", "rowData"),
    Output("risk-ledger", "columnDefs"),
    Input("risk-period", "value"),
    Input("app-lang", "value"),
    Input("app-run", "value"),
)
def update_risk(period, lang, run=None):
    """Heatmap, warnings and ledger of one period, in one language."""
    result = data.result(run)
    period = data.period_of(run, period)
    k = 0 if lang == "zh" else 1
    warnings = risk_table(result, "warnings", period=period, lang=lang)
    ordered = replace(result, ledger=data.ledger_overdue_first(run))
    shown = risk_table(ordered, "ledger", lang=lang)
    fig = plots.plot_risk_heatmap(result, period, lang=lang)
    fig.update_layout(height=max(420, 110 + 18 * len(result.units)))
    return (
        T["heading"][k],
        T["period"][k],
        T["warnings"][k],
        T["ledger"][k],
        fig,
        _records(warnings),
        _columns(warnings),
        _records(shown),
        _columns(shown),
    )


def _columns(frame) -> list[dict]:
    """Display headers as columns (fields are positional: headers may repeat)."""
    return components.columns((f"c{i}", h) for i, h in enumerate(frame.columns))


def _records(frame) -> list[dict]:
    return [
        {f"c{i}": v for i, v in enumerate(row)} for row in frame.itertuples(index=False)
    ]
