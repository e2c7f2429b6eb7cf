"""Methodology (/methodology): the catalogue as leaders can read it.

The hierarchy with its weights (a sunburst: each ring is a level, each slice's size
its effective weight in the composite), how each node weighs and combines its
children (with AHP consistency ratios), and every indicator's definition, source
agency, direction and normalisation.
"""

from __future__ import annotations

import dash
import plotly.graph_objects as go
from dash import Input, Output, callback, dcc, html

from dashboards import components, data
from evaluation.catalogue import COMPOSITE
from evaluation.publish.plots import FONT_FAMILY
from evaluation.scoring import weights as W

dash.register_page(
    __name__, path="/methodology", name="Methodology", title="方法 · Methodology"
)

T = {
    "heading": ("评估方法", "Methodology"),
    "hierarchy": ("指标体系与权重", "Indicators and their weights"),
    "nodes": ("各层权重与汇总方法", "How each level weighs and combines"),
    "indicators": ("指标定义", "Indicator definitions"),
    "node": ("节点", "Node"),
    "weights": ("权重方法", "Weighting"),
    "aggregation": ("汇总方法", "Aggregation"),
    "cr": ("一致性比率 CR", "Consistency ratio CR"),
    "indicator": ("指标", "Indicator"),
    "definition": ("定义", "Definition"),
    "agency": ("数据来源", "Source agency"),
    "direction": ("方向", "Direction"),
    "higher": ("越高越好", "higher is better"),
    "lower": ("越低越好", "lower is better"),
    "normalisation": ("标准化", "Normalisation"),
    "frequency": ("频率", "Frequency"),
    "weight": ("权重", "Weight"),
    "composite": ("综合得分", "Composite"),
}


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
    cat = data.result(run).catalogue
    nodes = cat.nodes
    effective = {}
    for node in nodes.index:  # nodes, a few dozen
        w, p = nodes.at[node, "local_weight"], nodes.at[node, "parent"]
        while p != COMPOSITE:
            w, p = w * nodes.at[p, "local_weight"], nodes.at[p, "parent"]
        effective[node] = w
    composite = T["composite"][k]
    fig = go.Figure(
        go.Sunburst(
            ids=[COMPOSITE, *nodes.index],
            labels=[composite, *(cat.name(n, lang) for n in nodes.index)],
            parents=["", *nodes["parent"]],
            values=[1.0, *(effective[n] for n in nodes.index)],
            branchvalues="total",
            hovertemplate="%{label}<br>%{value:.1%}<extra></extra>",
            insidetextorientation="radial",
        )
    )
    fig.update_layout(
        font={"family": FONT_FAMILY, "size": 14},
        height=640,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
    )
    rows = []
    for node, (spec, how) in cat.methods.items():  # parent nodes
        cr = ""
        if spec.ahp is not None:
            a = spec.ahp
            _, ratio, _, _ = W.ahp(
                a.matrix, method=a.method, random_index=a.random_index
            )
            cr = f"{ratio:.3f}"
        rows.append(
            {
                "node": composite if node == COMPOSITE else cat.name(node, lang),
                "weights": spec.method,
                "aggregation": how.method,
                "cr": cr,
            }
        )
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
