"""A department's profile (/unit/<unit_id>): where it stands and why.

Dimension scores against the peer-group median, each indicator against its target
and peers, the composite over periods, the composite's contributions by dimension (a
waterfall that adds up to it), open warnings and rectification items, strengths and
weaknesses, and the data-quality flags bearing on the period (suspicions for the
office to check, which change no score). Every number comes from
``evaluation.analysis.views.profile`` and ``views.unit_flags`` over the stored run
(through ``data.profile`` and ``data.unit_flags``, the draft rule); figures from
``plots``.
"""

from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html

from dashboards import components, data
from dashboards.components import NO_BAR
from evaluation.publish import plots
from evaluation.publish.export import round_half_up
from evaluation.vocabulary import FAMILIES, RISK_LEVEL, word

dash.register_page(
    __name__, path_template="/unit/<unit_id>", name="Profile", title="单位 · Profile"
)


def t(key: str, lang: str) -> str:
    """A label of this page in ``lang`` (``vocabulary`` family ``page_profile``)."""
    return word("page_profile", key, lang)


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
    body = html.Div(
        [
            components.row(
                components.panel(
                    dcc.Graph(
                        figure=plots.plot_dimension_scores(
                            p.dimensions,
                            [cat.name(x, lang) for x in p.dimensions["node_id"]],
                            title=t("dims", lang),
                            unit=t("unit", lang),
                            median=t("median", lang),
                        ),
                        id="profile-dims",
                        config=NO_BAR,
                    )
                ),
                components.panel(
                    dcc.Graph(
                        figure=plots.plot_waterfall(
                            p.waterfall,
                            [cat.name(x, lang) for x in p.waterfall["node_id"]],
                            title=t("waterfall", lang),
                            total=t("total", lang),
                        ),
                        id="profile-waterfall",
                        config=NO_BAR,
                    )
                ),
            ),
            components.row(
                components.panel(
                    dcc.Graph(
                        figure=plots.plot_trend(p.trend, title=t("trend", lang)),
                        id="profile-trend",
                        config=NO_BAR,
                    )
                ),
                components.panel(
                    html.Div(
                        [
                            html.H3(t("strengths", lang)),
                            _names(p.strengths, cat, lang),
                            html.H3(t("weaknesses", lang)),
                            _names(p.weaknesses, cat, lang),
                        ],
                        id="profile-strengths",
                    )
                ),
            ),
            components.panel(
                [
                    html.H3(t("indicators", lang)),
                    _indicator_table(p.indicators, cat, lang),
                ]
            ),
            components.row(
                components.panel(
                    [
                        html.H3(t("warnings", lang)),
                        _list(
                            [
                                f"{RISK_LEVEL[w.level][k]} · {_reason(w, k)}"
                                for w in p.warnings.itertuples()
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
                                f"{RISK_LEVEL[x.level][k]} · {t('due', lang)} "
                                f"{x.first_due} · {_reason(x, k)}"
                                for x in p.ledger.itertuples()
                            ],
                            lang,
                            "profile-ledger",
                        ),
                    ]
                ),
            ),
            components.panel(_flags(data.unit_flags(run, unit, period), lang)),
        ]
    )
    return f"{name} · {group}", t("period", lang), t("back", lang), body


# ------------------------------------------------------------------ pieces
def _indicator_table(ind, cat, lang):
    k = 0 if lang == "zh" else 1
    unit = f"unit_{lang}"
    status = FAMILIES["observation_status"]  # en: the code itself
    rows = [
        {
            "indicator": cat.name(r.indicator_id, lang),
            "value": _with_unit(r.value, getattr(r, unit)),
            "target": _with_unit(r.target, getattr(r, unit)),
            "peer_value": _with_unit(r.peer_value, getattr(r, unit)),
            "score": round_half_up([r.score])[0],
            "peer_score": round_half_up([r.peer_score])[0],
            "status": status.get(r.status, (r.status, r.status))[k],
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


def _flags(flags, lang):
    """The section 数据质量提示: the view's rows (check, series or agency, window,
    reason), under a note that they are suspicions that change no score."""
    if flags.empty:
        shown = html.P(t("flags_none", lang), id="profile-flags-list")
    else:
        shown = html.Ul(
            [
                html.Li(
                    f"{r[f'check_{lang}']} · {r[f'subject_{lang}']} · "
                    f"{r[f'window_{lang}']} · {r[f'reason_{lang}']}"
                )
                for _, r in flags.iterrows()
            ],
            id="profile-flags-list",
        )
    note = html.P(
        t("flags_note", lang), style={"color": components.MUTED, "fontSize": "15px"}
    )
    return html.Div([html.H3(t("flags", lang)), note, shown], id="profile-flags")
