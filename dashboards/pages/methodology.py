"""Methodology (/methodology): the catalogue as leaders can read it.

The hierarchy with its weights (a sunburst: each ring is a level, each slice's size
its effective weight in the composite, as the run used them in its period: after
AHP, entropy or any other method), how each node weighs and combines its
children (with AHP consistency ratios), and every indicator's definition, source
agency, direction and normalisation.
"""

from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html

from dashboards import components, data
from evaluation.analysis import views
from evaluation.publish import plots
from evaluation.vocabulary import FAMILIES

dash.register_page(
    __name__,
    path="/methodology",
    name="Methodology",
    title="方法 · Methodology",
    order=2,
    nav="nav_methodology",
)

#: this page's words (``evaluation/vocabulary.yaml``, family ``page_methodology``)
T = FAMILIES["page_methodology"]


def layout(**_query) -> html.Div:
    return html.Div(
        [
            html.H2(id="method-heading"),
            html.H3(id="method-hierarchy-heading"),
            dcc.Graph(id="method-sunburst", config=components.NO_BAR),
            html.H3(id="method-nodes-heading"),
            components.table_grid("method-nodes"),
            html.H3(id="method-indicators-heading"),
            components.table_grid("method-indicators", page_size=30),
        ]
    )


@callback(
    Output("method-heading", "children"),
    Output("method-hierarchy-heading", "children"),
    Output("method-nodes-heading", "children"),
    Output("method-indicators-heading", "children"),
    Output("method-sunburst", "figure"),
    Output("method-nodes", "rowData"),
    Output("method-nodes", "columnDefs"),
    Output("method-indicators", "rowData"),
    Output("method-indicators", "columnDefs"),
    Input("app-lang", "value"),
    Input("app-run", "value"),
)
def update_methodology(lang, run=None):
    """Everything on the page from the run's catalogue, in one language."""
    k = 0 if lang == "zh" else 1
    result = data.result(run)
    cat = result.catalogue
    weights = views.effective_weights(result, result.period)  # as the run used them
    effective = weights.set_index("node_id")["weight"]
    composite = T["composite"][k]
    fig = plots.plot_weights_sunburst(
        weights,
        {n: cat.name(n, lang) for n in weights["node_id"]},
        composite=composite,
    )
    rows = [
        {
            "node": (
                composite if m.node_id == views.COMPOSITE else cat.name(m.node_id, lang)
            ),
            "weights": m.weights,
            "aggregation": m.aggregation,
            "cr": "" if m.cr != m.cr else f"{m.cr:.3f}",
        }
        for m in views.methods(result).itertuples()
    ]
    node_cols = [
        {"id": c, "name": T[c][k]} for c in ("node", "weights", "aggregation", "cr")
    ]
    table = cat.table
    agencies = {a.id: (a.name_zh, a.name_en)[k] for a in cat.agencies}
    indicators = [
        {
            "indicator": cat.name(i.id, lang),
            "definition": (i.definition_zh, i.definition_en)[k],
            "agency": agencies[i.agency],
            "direction": T[i.direction][k],
            "normalisation": table.at[i.id, "normalisation"],
            "frequency": i.frequency,
            "weight": f"{effective[i.id]:.1%}",
        }
        for i in cat.indicators
    ]
    ind_cols = components.columns(
        (c, T[c][k])
        for c in (
            "indicator",
            "definition",
            "agency",
            "direction",
            "normalisation",
            "frequency",
            "weight",
        )  # fmt: skip
    )
    return (
        T["heading"][k],
        T["hierarchy"][k],
        T["nodes"][k],
        T["indicators"][k],
        fig,
        rows,
        node_cols,
        indicators,
        ind_cols,
    )
