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
    order=3,
    nav="nav_methodology",
)

#: this page's words (``evaluation/vocabulary.yaml``, family ``page_methodology``)
T = FAMILIES["page_methodology"]


def layout(**_query) -> html.Div:
    return html.Div(
        [
            html.H2(id="method-heading"),
            html.P(id="method-note", style={"color": components.MUTED}),
            html.H3(id="method-hierarchy-heading"),
            dcc.Graph(
                id="method-sunburst",
                config=components.NO_BAR,
                # drawn by plotly.js's full bundle (assets/plotly_early.js)
                className="plotly-full",
            ),
            html.H3(id="method-nodes-heading"),
            html.Div(id="method-nodes-holder"),
            html.H3(id="method-indicators-heading"),
            html.Div(id="method-indicators-holder"),
        ]
    )


def _say(family: str, code, lang: str) -> str:
    """A method or frequency code in words (``goalposts`` → 固定上下限标准化)."""
    k = 0 if lang == "zh" else 1
    return FAMILIES[family].get(code, (code, code))[k] if code == code else ""


@callback(
    Output("method-heading", "children"),
    Output("method-note", "children"),
    Output("method-hierarchy-heading", "children"),
    Output("method-nodes-heading", "children"),
    Output("method-indicators-heading", "children"),
    Output("method-sunburst", "figure"),
    Output("method-nodes-holder", "children"),
    Output("method-indicators-holder", "children"),
    Input("app-lang", "value"),
    Input("app-run", "value"),
)
def update_methodology(lang, run=None):
    """Everything on the page from the run's catalogue and the weights the run used
    in its period (``views.effective_weights``, ``views.node_weights``), in one
    language: method and frequency names in words, weights as percentages."""
    k = 0 if lang == "zh" else 1
    result = data.result(run)
    cat = result.catalogue
    weights = views.effective_weights(result, result.period)  # as the run used them
    effective = weights.set_index("node_id")["weight"]
    composite = T["composite"][k]
    name = lambda n: composite if n == views.COMPOSITE else cat.name(n, lang)  # noqa: E731
    fig = plots.plot_weights_sunburst(
        weights,
        {n: name(n) for n in weights["node_id"]},
        composite=composite,
        colours=plots.dimension_colours(cat.top_dimensions()),  # as the profile's
    )
    rows = [
        {
            "node": name(m.node_id),
            "level": T[f"level_{min(m.depth, 3)}"][k],
            "local_weight": data.percent(m.local_weight, 2) if m.depth else "",
            "share": data.percent(m.weight, 2),
            "weights": _say("weights", m.weights, lang),
            "aggregation": _say("aggregation", m.aggregation, lang),
            "cr": data.fixed(m.cr, 3),  # half up; none for a node without AHP
        }
        for m in views.node_weights(result, result.period).itertuples()
    ]
    node_cols = components.columns(
        (
            (c, T[c][k])
            for c in (
                "node",
                "level",
                "local_weight",
                "share",
                "weights",
                "aggregation",
            )
        ),
        lang=lang,
    )
    if any(r["cr"] for r in rows):
        node_cols += components.columns([("cr", T["cr"][k])], lang=lang)
    table = cat.table
    agencies = {a.id: (a.name_zh, a.name_en)[k] for a in cat.agencies}
    indicators = [
        {
            "indicator": cat.name(i.id, lang),
            "definition": (i.definition_zh, i.definition_en)[k],
            "agency": agencies[i.agency],
            "direction": T[i.direction][k],
            "normalisation": _say(
                "normalisation", table.at[i.id, "normalisation"], lang
            ),
            "frequency": _say("frequency", i.frequency, lang),
            "share": data.percent(effective[i.id], 2),
        }
        for i in cat.indicators
    ]
    ind_cols = components.columns(
        (
            (c, T[c][k])
            for c in (
                "indicator",
                "definition",
                "agency",
                "direction",
                "normalisation",
                "frequency",
                "share",  # as the node table names it: its share of the composite
            )
        ),  # fmt: skip
        lang=lang,
    )
    width = {"indicator": 2, "definition": 4, "agency": 1.5, "node": 2}
    for c in node_cols + ind_cols:
        c["flex"] = width.get(c["field"], 1)
    period = data.period_name(result.period, lang)
    return (
        T["heading"][k],
        T["weights_note"][k].format(period=period),
        T["hierarchy"][k],
        T["nodes"][k],
        T["indicators"][k],
        fig,
        _grid("method-nodes", rows, node_cols, lang),
        _grid("method-indicators", indicators, ind_cols, lang),
    )


def _grid(grid_id: str, rows: list[dict], columns: list[dict], lang: str):
    """A table built in ``lang``: AG Grid reads its own words (paging, filters,
    ``localeText``) only when a grid is created, so a language switch rebuilds it."""
    grid = components.table_grid(
        grid_id, rowData=rows, columnDefs=columns, page_size=30
    )
    grid.dashGridOptions = {
        **grid.dashGridOptions,
        "localeText": components.grid_locale(lang),
    }
    return grid
