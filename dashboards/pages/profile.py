"""A department's profile (/unit/<unit_id>): where it stands and why.

Dimension scores against the peer-group median, each indicator against its target
and peers, the composite over periods, the composite's contributions by dimension (a
waterfall that adds up to it), open warnings and rectification items, strengths and
weaknesses. Every number comes from ``data.profile`` over the stored run.
"""

from __future__ import annotations

import dash
import plotly.graph_objects as go
from dash import Input, Output, callback, dcc, html

from dashboards import components, data
from dashboards.components import NO_BAR
from evaluation.publish.export import WORDS, round_half_up
from evaluation.publish.plots import FONT_FAMILY, PALETTE

dash.register_page(
    __name__, path_template="/unit/<unit_id>", name="Profile", title="单位 · Profile"
)

T = {
    "period": ("评估期", "Period"),
    "dims": ("一级指标得分与同类中位数", "Dimension scores and the peer median"),
    "unit": ("本单位", "This department"),
    "median": ("同类中位数", "Peer median"),
    "trend": ("综合得分走势", "Composite score over time"),
    "waterfall": ("综合得分构成", "What makes the composite"),
    "total": ("综合得分", "Composite"),
    "indicators": ("各项指标", "Indicators"),
    "indicator": ("指标", "Indicator"),
    "value": ("数值", "Value"),
    "target": ("目标", "Target"),
    "peer_value": ("同类中位数", "Peer median"),
    "score": ("得分", "Score"),
    "status": ("状态", "Status"),
    "warnings": ("本期预警", "Warnings this period"),
    "ledger": ("未关闭的整改事项", "Open rectification items"),
    "due": ("整改期限", "Due"),
    "strengths": ("优势", "Strengths"),
    "weaknesses": ("短板", "Weaknesses"),
    "none": ("无", "None"),
    "back": ("← 返回排名", "← Back to rankings"),
}


def t(key: str, lang: str) -> str:
    return T[key][0 if lang == "zh" else 1]


def layout(unit_id: str = "", **_query) -> html.Div:
    """Controls and empty panels; the callback fills them for the run and language."""
    return html.Div(
        [
            dcc.Store(id="profile-unit", data=unit_id),
            dcc.Link(id="profile-back", href="/"),
            html.Div(
                [
                    html.H2(id="profile-heading", style={"margin": "8px 24px 0 0"}),
                    components.control(
                        "profile-period-label",
                        dcc.Dropdown(
                            id="profile-period",
                            clearable=False,
                            style={"width": "160px"},
                        ),
                    ),
                ],
                style={"display": "flex", "alignItems": "flex-end", "gap": "24px"},
            ),
            html.Div(id="profile-body"),
        ]
    )


@callback(
    Output("profile-period", "options"),
    Output("profile-period", "value"),
    Input("app-run", "value"),
    Input("profile-unit", "data"),
)
def update_periods(run, _unit):
    return data.periods(run)


@callback(
    Output("profile-heading", "children"),
    Output("profile-period-label", "children"),
    Output("profile-back", "children"),
    Output("profile-body", "children"),
    Input("profile-unit", "data"),
    Input("profile-period", "value"),
    Input("app-lang", "value"),
    Input("app-run", "value"),
)
def update_profile(unit, period, lang, run=None):
    """The whole page for one unit, period, run and language."""
    result = data.result(run)
    period = data.period_of(run, period)
    p = data.profile(run, unit, period)
    cat = result.catalogue
    units = result.units.set_index("unit_id")
    k = 0 if lang == "zh" else 1
    name = units.at[unit, f"name_{lang}"]
    group = cat.name(units.at[unit, "peer_group"], lang)
    best, worst = data.strengths(p["indicators"])
    body = html.Div(
        [
            components.row(
                components.panel(
                    dcc.Graph(
                        figure=_dimensions(p, cat, lang),
                        id="profile-dims",
                        config=NO_BAR,
                    )
                ),
                components.panel(
                    dcc.Graph(
                        figure=_waterfall(p, cat, lang),
                        id="profile-waterfall",
                        config=NO_BAR,
                    )
                ),
            ),
            components.row(
                components.panel(
                    dcc.Graph(figure=_trend(p, lang), id="profile-trend", config=NO_BAR)
                ),
                components.panel(
                    html.Div(
                        [
                            html.H3(t("strengths", lang)),
                            _names(best, cat, lang),
                            html.H3(t("weaknesses", lang)),
                            _names(worst, cat, lang),
                        ],
                        id="profile-strengths",
                    )
                ),
            ),
            components.panel(
                [
                    html.H3(t("indicators", lang)),
                    _indicator_table(p["indicators"], cat, lang),
                ]
            ),
            components.row(
                components.panel(
                    [
                        html.H3(t("warnings", lang)),
                        _list(
                            [
                                f"{WORDS[w.level][k]} · {_reason(w, k)}"
                                for w in p["warnings"].itertuples()
                            ],
                            lang,
                            "profile-warnings",
                        ),
                    ]
                ),
                components.panel(
                    [
                        html.H3(t("ledger", lang)),
                        _list(
                            [
                                f"{WORDS[x.level][k]} · {t('due', lang)} {x.first_due}"
                                f" · {_reason(x, k)}"
                                for x in p["ledger"].itertuples()
                            ],
                            lang,
                            "profile-ledger",
                        ),
                    ]
                ),
            ),
        ]
    )
    return f"{name} · {group}", t("period", lang), t("back", lang), body


# ------------------------------------------------------------------ pieces
def _dimensions(p, cat, lang) -> go.Figure:
    d = p["dimensions"]
    names = [cat.name(x, lang) for x in d["node_id"]]
    fig = go.Figure()
    fig.add_bar(x=names, y=d["score"], name=t("unit", lang), marker_color=PALETTE[0])
    fig.add_bar(
        x=names, y=d["peer_median"], name=t("median", lang), marker_color="#BBBBBB"
    )
    return _style(fig, t("dims", lang), yrange=[0, 100])


def _waterfall(p, cat, lang) -> go.Figure:
    w = p["waterfall"]
    names = [cat.name(x, lang) for x in w["node_id"]] + [t("total", lang)]
    values = list(w["contribution"]) + [w["contribution"].sum()]
    fig = go.Figure(
        go.Waterfall(
            x=names,
            y=values,
            measure=["relative"] * len(w) + ["total"],
            text=round_half_up(values),
            textposition="outside",
            increasing={"marker": {"color": PALETTE[0]}},
            totals={"marker": {"color": PALETTE[2]}},
            connector={"line": {"color": "#999"}},
        )
    )
    return _style(fig, t("waterfall", lang), yrange=[0, 110])


def _trend(p, lang) -> go.Figure:
    tr = p["trend"]
    fig = go.Figure(
        go.Scatter(
            x=tr["period"],
            y=tr["composite_score"],
            mode="lines+markers",
            line={"color": PALETTE[0]},
            customdata=tr["rank"],
            hovertemplate="%{x}: %{y:.2f} (#%{customdata})<extra></extra>",
        )  # fmt: skip
    )
    fig.update_xaxes(type="category")
    return _style(fig, t("trend", lang), yrange=[0, 100])


def _style(fig, title, yrange=None) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0},
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": 15},
        height=360,
        margin={"l": 40, "r": 20, "t": 50, "b": 60},
        legend={"orientation": "h", "y": 1.12, "x": 0.5},
    )
    if yrange:
        fig.update_yaxes(range=yrange)
    return fig


def _indicator_table(ind, cat, lang):
    k = 0 if lang == "zh" else 1
    unit = f"unit_{lang}"
    rows = [
        {
            "indicator": cat.name(r.indicator_id, lang),
            "value": _with_unit(r.value, getattr(r, unit)),
            "target": _with_unit(r.target, getattr(r, unit)),
            "peer_value": _with_unit(r.peer_value, getattr(r, unit)),
            "score": round_half_up([r.score])[0],
            "peer_score": round_half_up([r.peer_score])[0],
            "status": r.status if k else _STATUS_ZH.get(r.status, r.status),
        }
        for r in ind.itertuples()
    ]
    columns = [
        ("indicator", t("indicator", lang)),
        ("value", t("value", lang)),
        ("target", t("target", lang)),
        ("peer_value", t("peer_value", lang)),
        ("score", t("score", lang)),
        ("peer_score", f"{t('score', lang)} · {t('median', lang)}"),
        ("status", t("status", lang)),
    ]
    return components.table_grid(
        "profile-indicators",
        page_size=30,
        rowData=rows,
        columnDefs=components.columns(columns),
    )


_STATUS_ZH = {
    "reported": "已报送",
    "missing_excluded": "缺失（不计）",
    "missing_zero_score": "缺失（记零分）",
}


def _with_unit(value, unit) -> str:
    text = round_half_up([value])[0]
    if not text:
        return ""
    return f"{text}{'' if unit == '%' else ' '}{unit}"


def _names(frame, cat, lang):
    if frame.empty:
        return html.P(t("none", lang))
    return html.Ul(
        [
            html.Li(
                f"{cat.name(r.indicator_id, lang)}: {round_half_up([r.score])[0]} "
                f"({'+' if r.gap >= 0 else ''}{round_half_up([r.gap])[0]})"
            )
            for r in frame.itertuples()
        ]
    )


def _reason(row, k: int) -> str:
    return row.reason_zh if k == 0 else row.reason_en


def _list(items, lang, id_):
    if not items:
        return html.P(t("none", lang), id=id_)
    return html.Ul([html.Li(x) for x in items], id=id_)
