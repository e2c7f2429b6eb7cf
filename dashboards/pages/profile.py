"""A department's profile (/unit/<unit_id>): where it stands and why.

Headed by its rank in its peer group and among all units, its composite score, the
change of its group rank, its warning level and, where an appraisal of the year is
published, its annual grade with the reasons. Then: the composite and the group rank
over the run's periods, each level-1 dimension over them, its position among its
peers (a strip of the group's scores, as LG Inform and Oflog draw it), one
indicator's reports as the agency sent them (the report date on hover) against the
group's median, the dimension scores against the peer median, the composite's
contributions by dimension (a waterfall that adds up to it), every indicator against
its target and peers, strengths and weaknesses, the period's warnings grouped by
severity with their reasons, open rectification items and the data-quality flags
bearing on the period (suspicions for the office to check, which change no score).

Every number comes from ``evaluation.analysis.views`` over the stored run (through
``data.profile``, ``data.unit_flags`` and ``data.unit_grade``, the draft rule);
figures from ``plots``. An unknown unit gets a message in both languages and a link
back, never a blank page.
"""

from __future__ import annotations

import math
import re

import dash
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from dashboards import components, data
from dashboards.components import NO_BAR
from evaluation import periods as P
from evaluation.analysis import views
from evaluation.catalogue import COMPOSITE
from evaluation.publish import plots
from evaluation.vocabulary import (
    COLOURS,
    COUNT_UNITS,
    FAMILIES,
    GRADE,
    RATIO_UNITS,
    RISK_LEVEL,
    quantity,
    say_count,
    word,
)


def title(unit_id: str = "", **_) -> str:
    """The browser tab's title: the unit's name first, so that a leader with several
    units open tells the tabs apart (``市财政局 · 单位 · Profile``)."""
    try:
        units = data.result(data.visitor_run()).units.set_index("unit_id")
    except PreventUpdate:  # no run this visitor may see: the page says so
        return PAGE_TITLE
    if unit_id not in units.index:
        return PAGE_TITLE
    return f"{units.at[unit_id, f'name_{data.visitor_lang()}']} · 单位 · Profile"


#: the tab's title where the unit is unknown
PAGE_TITLE = "单位 · Profile"
dash.register_page(
    __name__, path_template="/unit/<unit_id>", name="Profile", title=title
)
# the dropdowns' own words (搜索 / Search) follow the language switch
components.follow_language("profile-period", "profile-indicator")

#: warning levels shown, most severe first
SEVERE_FIRST = ("red", "orange", "yellow")
#: badge colours on which white text reads
DARK = ("#D55E00", "#0072B2", "#009E73")


def t(key: str, lang: str, **fields) -> str:
    """A label of this page in ``lang`` (``vocabulary`` family ``page_profile``)."""
    text = word("page_profile", key, lang)
    return text.format(**fields) if fields else text


#: what the callbacks below fill in (the layout fills them first)
PERIODS = [Output("profile-period", "options"), Output("profile-period", "value")]
PAGE = [
    Output("profile-heading", "children"),
    Output("profile-period-label", "children"),
    Output("profile-back", "children"),
    Output("profile-back", "href"),
    Output("profile-missing", "children"),
    Output("profile-page", "style"),
    Output("profile-summary", "children"),
    Output("profile-charts", "children"),
    Output("profile-indicator-label", "children"),
    Output("profile-indicator", "options"),
    Output("profile-indicator", "value"),
    Output("profile-body", "children"),
]
TREND = [Output("profile-indicator-trend", "figure")]


def layout(unit_id: str = "", **_query) -> html.Div:
    """The page filled in for this unit and this visitor's run and language (no
    round trip on a page load); the callbacks refill it when something changes."""
    lang, run = data.visitor_lang(), data.visitor_run()
    options, period = update_periods(run, unit_id, lang)
    filled = update_profile(unit_id, period, lang, run)
    indicator = filled[PAGE.index(Output("profile-indicator", "value"))]
    page = html.Div(
        [
            dcc.Store(id="profile-unit", data=unit_id),
            dcc.Link(id="profile-back", href=_rankings_path()),
            html.Div(id="profile-missing"),
            html.Div(
                [
                    html.Div(
                        [
                            html.H2(
                                id="profile-heading", style={"margin": "8px 24px 0 0"}
                            ),
                            components.control(
                                "profile-period-label",
                                dcc.Dropdown(
                                    id="profile-period",
                                    labels=components.dropdown_labels(lang),
                                    clearable=False,
                                    style=components.PERIOD_STYLE,
                                ),
                            ),
                        ],
                        style={
                            "display": "flex",
                            "alignItems": "flex-end",
                            "gap": "24px",
                            "flexWrap": "wrap",
                        },
                    ),
                    html.Div(id="profile-summary"),
                    html.Div(id="profile-charts"),
                    components.panel(
                        [
                            components.control(
                                "profile-indicator-label",
                                dcc.Dropdown(
                                    id="profile-indicator",
                                    labels=components.dropdown_labels(lang),
                                    clearable=False,
                                    style={"width": "min(560px, 80vw)"},
                                ),
                            ),
                            dcc.Graph(id="profile-indicator-trend", config=NO_BAR),
                        ]
                    ),
                    html.Div(id="profile-body"),
                ],
                id="profile-page",
            ),
        ]
    )
    components.filled(page, PERIODS, (options, period))
    components.filled(page, PAGE, filled)
    if indicator:
        components.filled(
            page, TREND, [update_indicator(unit_id, indicator, lang, run)]
        )
    return page


def _rankings_path() -> str:
    """Where the league table is served (``/rankings`` once the overview takes
    ``/``), read from the page registry."""
    for page in dash.page_registry.values():
        if page["module"].endswith(".rankings"):
            return page["path"]
    return "/"


@callback(
    *PERIODS,
    Input("app-run", "value"),
    Input("profile-unit", "data"),
    Input("app-lang", "value"),
    State("profile-period", "value"),
    prevent_initial_call=True,
)
def update_periods(run, _unit, lang="zh", keep=None):
    """The run's evaluation periods, named in ``lang`` (2025年度, 2025年3月)."""
    return data.period_options(run, keep, lang)


@callback(
    *PAGE,
    Input("profile-unit", "data"),
    Input("profile-period", "value"),
    Input("app-lang", "value"),
    Input("app-run", "value"),
    State("profile-indicator", "value"),
    prevent_initial_call=True,
)
def update_profile(unit, period, lang, run=None, indicator=None):
    """The whole page for one unit, period, run and language; for a unit the run
    does not have, a message in both languages and the page hidden."""
    result = data.result(run)
    back = (t("back", lang), _rankings_path())
    units = result.units.set_index("unit_id")
    if unit not in units.index:
        return ("", t("period", lang), *back, _missing(unit, lang),
                {"display": "none"}, None, None, "", [], None, None)  # fmt: skip
    period = period if period in result.periods else result.period
    p = views.profile(result, unit, period)
    cat = result.catalogue
    name = units.at[unit, f"name_{lang}"]
    group = cat.name(p.peer_group, lang)
    options = _indicator_options(cat, lang)
    ids = [o["value"] for o in options]
    if indicator not in ids:  # the weakest against its peers first, else the first
        weak = [i for i in p.weaknesses["indicator_id"] if i in ids]
        indicator = weak[0] if weak else (ids[0] if ids else None)
    grade = data.unit_grade(period[:4], unit, run)
    annual = data.annual_beside(period[:4], run)  # (run, last day of its 公示)
    peer = p.warnings.loc[p.warnings["rule"] == "peer", "node_id"]
    note = data.typical_gap_note(run, lang, nodes=peer)  # the word of their reasons
    return (
        f"{name} · {group}",
        t("period", lang),
        *back,
        None,
        {},
        _summary(p, group, grade, period[:4], lang, annual and annual[1]),
        _charts(p, cat, group, result, lang),
        t("pick_indicator", lang),
        options,
        indicator,
        _body(p, cat, views.unit_flags(result, unit, period), lang, note),
    )


@callback(
    *TREND,
    Input("profile-unit", "data"),
    Input("profile-indicator", "value"),
    Input("app-lang", "value"),
    Input("app-run", "value"),
    prevent_initial_call=True,
)
def update_indicator(unit, indicator, lang, run=None):
    """One indicator's reports over time as the agency sent them (the date it
    reported on hover), the peer group's median and the target."""
    if not indicator:
        raise PreventUpdate
    result = data.result(run)
    cat = result.catalogue
    try:
        reports = views.indicator_trend(result, unit, indicator)
    except KeyError:  # a unit or indicator the run does not have
        raise PreventUpdate from None
    info = cat.table.loc[indicator]
    unit_words = (info["unit_zh"], info["unit_en"])
    measure = info[f"unit_{lang}"]
    x = [_period(x, lang) for x in reports["period"]]
    text = [
        f"{x}：{_quantity(v, unit_words, lang)}<br>{_reported(d, lang)}"
        if lang == "zh"
        else f"{x}: {_quantity(v, unit_words, lang)}<br>{_reported(d, lang)}"
        for x, v, d in zip(x, reports["value"], reports["reported_at"], strict=True)
    ]
    lines = [
        {"name": t("unit", lang), "y": reports["value"], "text": text},
        {"name": t("median", lang), "y": reports["peer_median"],
         "colour": plots.MEDIAN_GREY, "dash": "dot",
         "text": [f"{t('median', lang)} · {a}: {_quantity(v, unit_words, lang)}"
                  for a, v in zip(x, reports["peer_median"], strict=True)]},
    ]  # fmt: skip
    target = info["target"]
    if _number(target):
        lines.append(
            {"name": f"{t('target', lang)} {_limit(target, unit_words, lang)}",
             "y": [target] * len(x), "colour": plots.PALETTE[2], "dash": "dash",
             "text": [t("target", lang)] * len(x)}
        )  # fmt: skip
    name = cat.name(indicator, lang)
    sep = "（{}）" if lang == "zh" else " ({})"
    return plots.plot_lines(
        x,
        lines,
        title=f"{t('indicator_trend', lang)} · {name}",
        x_title=t("report_axis", lang),
        y_title=name + sep.format(measure),
        scale=_scale(unit_words),
        width=1600,  # the page's width (the other charts take half)
        lang=lang,
    )


# ------------------------------------------------------------------ pieces
def _missing(unit, lang: str) -> html.Div:
    """The message for a unit the run does not have: both languages, the page's
    first, and the way back."""
    other = "en" if lang == "zh" else "zh"
    return html.Div(
        [
            html.H2(f"{t('missing_title', lang)} · {t('missing_title', other)}"),
            html.P(t("missing", lang, unit=unit)),
            html.P(
                t("missing", other, unit=unit),
                style={"color": components.MUTED},
            ),
        ],
        id="profile-missing-message",
        style={**components.PANEL, "maxWidth": "760px"},
    )


def _card(label: str, value, card_id: str, *extra) -> html.Div:
    return html.Div(
        [
            html.Div(label, style={"color": components.MUTED, "fontSize": "15px"}),
            # a narrow card breaks 第10名（共10个） before its bracket, not in 共10个
            html.Div(
                value,
                style={"fontSize": "26px", "fontWeight": 600, "wordBreak": "keep-all"},
            ),
            *extra,
        ],
        id=card_id,
        style={**components.PANEL, "flex": "1 1 180px", "padding": "10px 16px"},
    )


def _badge(code: str, family: str, lang: str, badge_id: str) -> html.Span:
    colour = COLOURS[family][code]
    return html.Span(
        FAMILIES[family][code].text(lang),
        id=badge_id,
        style={
            "background": colour,
            "color": "white" if colour in DARK else components.INK,
            "borderRadius": "6px",
            "padding": "2px 12px",
            "fontSize": "22px",
        },
    )


def _summary(p, group: str, grade, year: str, lang: str, until=None) -> html.Div:
    """The header cards: rank in group and overall, score, change, level, grade
    (``until``: see :func:`_grade_card`)."""
    cards = [
        _card(
            t("group_rank", lang),
            _rank_of(p.peer_rank, p.peer_n, lang),
            "profile-group-rank",
            html.Div(group, style={"color": components.MUTED, "fontSize": "15px"}),
        ),
        _card(
            t("overall_rank", lang),
            _rank_of(p.rank, p.n, lang),
            "profile-overall-rank",
        ),
        _card(t("total", lang), _two(p.composite_score), "profile-score"),
        _card(t("change", lang), _change(p, lang), "profile-change"),
        _card(
            t("risk", lang),
            _badge(p.risk_level, "risk_level", lang, "profile-risk-badge"),
            "profile-risk",
        ),
        _grade_card(grade, year, lang, until),
    ]
    return html.Div(cards, style={"display": "flex", "gap": "16px", "flexWrap": "wrap"})


#: a line broken at punctuation only, unless a run is wider than its box
KEEP_WHOLE = {"wordBreak": "keep-all", "overflowWrap": "anywhere"}
#: a number with its ordinal and measure word (2025年度, 56.97分, 第39名, 40个)
NUMBER = re.compile(r"第?\d+(?:\.\d+)?(?:年度|[分名个])?")


def _numbers_whole(text: str) -> list:
    """``text`` with each number (and its 第…名, 分) in a span never broken."""
    out, at = [], 0
    for m in NUMBER.finditer(text):
        out += [text[at : m.start()], html.Span(m[0], style={"whiteSpace": "nowrap"})]
        at = m.end()
    return [x for x in [*out, text[at:]] if x]


def _grade_card(grade, year: str, lang: str, until: str | None = None) -> html.Div:
    """The annual grade and its reasons; ``until``: the last day of the 公示 of an
    appraisal not yet final (said in the reasons)."""
    if grade is None:
        return _card(
            t("grade", lang),
            html.Span(t("grade_none", lang), style={"fontSize": "17px"}),
            "profile-grade",
        )
    k = 0 if lang == "zh" else 1
    why = [
        t(
            "grade_score",
            lang,
            year=year,
            score=_two(grade.score),
            rank=_whole(grade.group_rank),
            n=grade.group_n,
            group=grade.group_name[k] or grade.group,
        ),
        t("grade_by_score", lang, grade=GRADE[grade.by_score][k]),
        *(reason[k] for reason in grade.reasons),
        *([t("grade_tie", lang)] if grade.tie else []),
        *([t("grade_notice", lang, until=data.local_date(until, lang))]
          if until is not None else []),
    ]  # fmt: skip
    return _card(
        t("grade", lang),
        _badge(grade.grade, "grade", lang, "profile-grade-badge"),
        "profile-grade",
        html.Ul(
            # the score's line kept whole at its words (第39名（共40个）), each
            # reason free to break: it may be long; a run too long for a narrow
            # card (2025年度考评最终得分56.97分，) breaks rather than overflow it,
            # beside a number, never inside one
            [
                html.Li(_numbers_whole(x), style=KEEP_WHOLE) if i == 0 else html.Li(x)
                for i, x in enumerate(why)
            ],  # fmt: skip
            id="profile-grade-reasons",
            style={"margin": "6px 0 0", "paddingLeft": "18px", "fontSize": "15px"},
        ),
    )


def _charts(p, cat, group: str, result, lang: str) -> list:
    """Composite and group rank over time, the dimensions over time, and where the
    unit stands among its peers this period."""
    trend = p.trend
    x = [_period(v, lang) for v in trend["period"]]
    score_text = [
        t("hover_score", lang, period=a, score=_two(v))
        for a, v in zip(x, trend["composite_score"], strict=True)
    ]
    median_text = [
        f"{t('median', lang)} · {t('hover_score', lang, period=a, score=_two(v))}"
        for a, v in zip(x, trend["peer_median"], strict=True)
    ]
    composite = plots.plot_lines(
        x,
        [
            {"name": t("unit", lang), "y": trend["composite_score"],
             "text": score_text},
            {"name": t("median", lang), "y": trend["peer_median"],
             "colour": plots.MEDIAN_GREY, "dash": "dot", "text": median_text},
        ],
        title=t("trend", lang),
        x_title=t("period_axis", lang),
        y_title=t("score_axis", lang),
        lang=lang,
    )  # fmt: skip
    rank_text = [
        t("hover_rank", lang, period=a, rank=_whole(r), n=_whole(n), all=_whole(o))
        for a, r, n, o in zip(
            x, trend["peer_rank"], trend["peer_n"], trend["rank"], strict=True
        )
    ]
    n = int(trend["peer_n"].max()) if len(trend) else 0
    ranks = plots.plot_lines(
        x,
        [{"name": t("group_line", lang), "y": trend["peer_rank"], "text": rank_text}],
        title=t("rank_trend", lang, n=n),
        x_title=t("period_axis", lang),
        y_title=t("rank_axis", lang),
        scale="rank",
        n=n,
        lang=lang,
    )
    d = p.dimension_trend
    dims = cat.top_dimensions()
    by_dim = d.pivot(index="period", columns="node_id", values="score").reindex(
        index=list(trend["period"]), columns=dims
    )
    colours = plots.dimension_colours(dims)  # as the methodology's sunburst
    dim_lines = [
        {
            "name": cat.name(node, lang),
            "colour": colours[node],
            "y": by_dim[node],
            "text": [
                cat.name(node, lang)
                + " · "
                + t("hover_score", lang, period=a, score=_two(v))
                for a, v in zip(x, by_dim[node], strict=True)
            ],
        }
        for node in dims
    ]
    dimensions = plots.plot_lines(
        x,
        dim_lines,
        title=t("dim_trend", lang),
        x_title=t("period_axis", lang),
        y_title=t("score_axis", lang),
        height=380,
        lang=lang,
    )
    peers = p.peers
    order = [COMPOSITE, *dims]
    names = [t("total", lang), *(cat.name(x, lang) for x in dims)]
    wide = peers.pivot(index="unit_id", columns="node_id", values="score")
    wide = wide.reindex(columns=order)
    drawn = [k for k, c in enumerate(order) if wide[c].notna().any()]
    order, names = [order[k] for k in drawn], [names[k] for k in drawn]
    small = len(wide) <= plots.STRIP_DOTS_MAX  # every peer a dot, named on hover
    unit_names = result.units.set_index("unit_id")[f"name_{lang}"]
    mine = wide.loc[p.unit_id] if p.unit_id in wide.index else None
    strip = plots.plot_peer_strip(
        names,
        [wide[c].tolist() for c in order],
        [math.nan if mine is None else mine[c] for c in order],
        title=f"{t('peers', lang)} · {group} · {_period(p.period, lang)}",
        x_title=t("score_axis", lang),
        y_title=t("measure_axis", lang),
        unit=t("unit", lang),
        group=t("peers_dots" if small else "peers_box", lang),
        peer_names=list(unit_names.reindex(wide.index)) if small else None,
        lang=lang,
    )
    graph = lambda fig, id_: components.panel(  # noqa: E731
        dcc.Graph(figure=fig, id=id_, config=NO_BAR)
    )
    return [
        components.row(
            graph(composite, "profile-trend"), graph(ranks, "profile-rank-trend")
        ),
        components.row(
            graph(dimensions, "profile-dim-trend"), graph(strip, "profile-peers")
        ),
    ]


def _body(p, cat, flags, lang: str, note: str = "") -> html.Div:
    """Dimensions against the median, the waterfall, the indicators, strengths and
    weaknesses, warnings by severity (``note`` under them: what a typical gap is,
    where a robust-z peer warning's reason counts in it), open rectification items
    and flags."""
    dims = [cat.name(x, lang) for x in p.dimensions["node_id"]]
    return html.Div(
        [
            components.row(
                components.panel(
                    dcc.Graph(
                        figure=plots.plot_profile_dimensions(
                            dims,
                            p.dimensions["score"],
                            p.dimensions["peer_median"],
                            title=t("dims", lang),
                            unit=t("unit", lang),
                            median_name=t("median", lang),
                            x_title=t("dim_axis", lang),
                            y_title=t("score_axis", lang),
                            lang=lang,
                        ),
                        id="profile-dims",
                        config=NO_BAR,
                    )
                ),
                components.panel(
                    dcc.Graph(
                        figure=plots.plot_profile_waterfall(
                            [cat.name(x, lang) for x in p.waterfall["node_id"]],
                            p.waterfall["contribution"],
                            title=t("waterfall", lang),
                            total=t("total", lang),
                            x_title=t("dim_axis", lang),
                            y_title=t("contribution_axis", lang),
                            lang=lang,
                        ),
                        id="profile-waterfall",
                        config=NO_BAR,
                    )
                ),
            ),
            components.panel(
                [
                    html.H3(t("indicators", lang)),
                    _indicator_table(p.indicators, cat, lang, _lines(p, cat)),
                ]
            ),
            components.row(
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
                components.panel(
                    [
                        html.H3(t("warnings", lang)),
                        _warnings(p.warnings, lang),
                        html.P(
                            note,
                            id="profile-warnings-note",
                            style={"color": components.MUTED},
                        )
                        if note
                        else None,
                    ]
                ),
            ),
            components.panel(
                [
                    html.H3(t("ledger", lang)),
                    _list(
                        [
                            f"{views.item_level(x, lang)} · {t('due', lang)} "
                            f"{_due(x, lang)} · {views.item_situation(x, lang)}"
                            for x in p.ledger.itertuples()
                        ],
                        lang,
                        "profile-ledger",
                    ),
                ]
            ),
            components.panel(_flags(flags, lang)),
        ]
    )


def _warnings(warnings, lang: str) -> html.Div:
    """The period's warnings grouped by level, most severe first, each with its
    plain-words reason."""
    if warnings.empty:
        return html.Div(html.P(t("no_warnings", lang)), id="profile-warnings")
    groups = []
    for level in SEVERE_FIRST:
        rows = warnings[warnings["level"] == level]
        if rows.empty:
            continue
        groups.append(
            html.Div(
                [
                    html.H4(
                        html.Span(
                            t(
                                "warnings_of",
                                lang,
                                level=RISK_LEVEL[level].text(lang),
                                n=len(rows),
                            ),
                            style=_badge_style(level),
                        ),
                        style={"margin": "10px 0 4px"},
                    ),
                    html.Ul([html.Li(_reason(r, lang)) for r in rows.itertuples()]),
                ],
                className=f"profile-warnings-{level}",
            )
        )
    return html.Div(groups, id="profile-warnings")


def _badge_style(level: str) -> dict:
    colour = COLOURS["risk_level"][level]
    return {
        "background": colour,
        "color": "white" if colour in DARK else components.INK,
        "borderRadius": "6px",
        "padding": "2px 10px",
        "fontSize": "16px",
    }


def _indicator_options(cat, lang: str) -> list[dict]:
    """Every indicator under its level-1 dimension (``行政效率 · 审批按时办结率``)."""
    top = views.top_dimension_of(cat)
    return [
        {"label": f"{cat.name(top[i], lang)} · {cat.name(i, lang)}", "value": i}
        for i in cat.table.index
    ]


def _lines(p, cat) -> dict[str, list[float]]:
    """Each indicator's lines its value is read against: its warning limits (the
    period's ``threshold`` warnings', scaled as the rule scaled them, and the
    catalogue's where a sum does not scale them) and its target. The table writes
    a value apart from them (``vocabulary.apart``), as the warning writes it:
    89.95% below an orange line of 90% reads 89.95%, not 90.0%."""
    lines: dict[str, list[float]] = {}
    for i in cat.indicators:
        r = i.risk
        own = (
            () if r is None or i.rollup.method == "sum" else (r.yellow, r.orange, r.red)
        )
        lines[i.id] = [float(v) for v in (*own, i.target) if v is not None]
    warned = p.warnings[p.warnings["rule"] == "threshold"]
    for node, limit in zip(warned["node_id"], warned["threshold"], strict=True):
        if node in lines:
            lines[node].append(float(limit))
    return lines


def _indicator_table(ind, cat, lang, lines=None):
    """Every indicator's row; a value apart from its ``lines`` (:func:`_lines`); its
    status as :func:`views.indicator_status` words it (from fewer reports than the
    period expects: how many, and a sum that it is pro rata)."""
    lines = lines or {}
    rows = [
        {
            "indicator": cat.name(r.indicator_id, lang),
            "value": _quantity(
                r.value, (r.unit_zh, r.unit_en), lang, lines.get(r.indicator_id, ())
            ),
            "target": _limit(r.target, (r.unit_zh, r.unit_en), lang),
            "peer_value": _quantity(r.peer_value, (r.unit_zh, r.unit_en), lang),
            "score": _rounded(r.score),
            "peer_score": _rounded(r.peer_score),
            "status": status,
        }
        for r, status in zip(
            ind.itertuples(), views.indicator_status(ind, lang), strict=True
        )
    ]
    two = {"function": "params.value == null ? '' : params.value.toFixed(2)"}
    columns = components.columns(
        [
            ("indicator", t("indicator", lang)),
            ("value", t("value", lang)),
            ("target", t("target", lang)),
            ("peer_value", t("peer_value", lang)),
            ("score", t("score", lang)),
            ("peer_score", t("peer_score", lang)),
            ("status", t("status", lang)),
        ],
        lang=lang,
    )
    for c in columns:
        if c["field"] in ("score", "peer_score"):
            c["valueFormatter"] = two
            c["type"] = "rightAligned"
    grid = components.table_grid(
        "profile-indicators", page_size=30, rowData=rows, columnDefs=columns
    )
    grid.dashGridOptions = {
        **grid.dashGridOptions,
        "pagination": False,  # every indicator on one page
        "localeText": components.grid_locale(lang),
    }
    return grid


def _names(frame, cat, lang):
    if frame.empty:
        return html.P(t("none", lang))
    return html.Ul(
        [
            html.Li(
                t(
                    "above" if r.gap > 0 else "below",
                    lang,
                    name=cat.name(r.indicator_id, lang),
                    score=_two(r.score),
                    gap=_two(abs(r.gap)),
                )
            )
            for r in frame.itertuples()
        ]
    )


def _reason(row, lang: str) -> str:
    return row.reason_zh if lang == "zh" else row.reason_en


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


# ------------------------------------------------------------------ numbers
def _number(x) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _rounded(x, decimals: int = 2) -> float | None:
    """A number rounded for the screen half up (as the media CSV), never -0.0;
    None where there is none."""
    return float(data.fixed(x, decimals)) + 0.0 if _number(x) else None


def _two(x) -> str:
    """Two decimals, rounded half up, never ``-0.00``; '—' where there is none."""
    return plots.number_texts([float(x) if _number(x) else None])[0] or "—"


def _whole(x) -> str:
    return str(int(x)) if _number(x) else "—"


def _quantity(x, unit: tuple[str, str], lang: str, lines=()) -> str:
    """A value in its catalogue unit as the warnings and the ledger write it beside
    it (``vocabulary.quantity``): ``95.2%``, ``3件`` (counts whole), ``1.40倍``
    (ratios to 2), never equal to one of ``lines`` it is not at (``89.95%``
    beside a line of 90%): one figure, written one way on the page."""
    if not _number(x):
        return ""
    return quantity(float(x), unit, lang, lines=lines)


def _limit(x, unit: tuple[str, str], lang: str) -> str:
    """A target as the catalogue and the warnings write it: ``98%``, ``97.5%``."""
    if not _number(x):
        return ""
    return quantity(float(x), unit, lang, decimals=None)


def _scale(unit: tuple[str, str]) -> str:
    """The value axis of an indicator's chart by its unit (``plots.AXIS_SCALES``)."""
    zh, en = unit
    if zh in COUNT_UNITS:
        return "count"
    if zh in RATIO_UNITS or en in RATIO_UNITS:
        return "ratio"
    return "percent" if en == "%" else "plain"


def _rank_of(rank, n, lang: str) -> str:
    if not _number(rank):
        return t("unranked", lang)
    return t("rank_of", lang, rank=int(rank), n=int(n))


def _change(p, lang: str) -> html.Span:
    """The group rank's change: ▲ up (green), ▼ down (vermilion), – unchanged; or
    why there is none (not ranked this period, or no rank the period before)."""
    change = p.peer_rank_change
    if not _number(change):
        why = "no_previous" if _number(p.peer_rank) else "unranked_now"
        return html.Span(t(why, lang), style={"fontSize": "17px"})
    change = int(change)
    if change > 0:
        return html.Span(f"▲ {t('up', lang, n=change)}", style={"color": components.UP})
    if change < 0:
        return html.Span(
            f"▼ {t('down', lang, n=-change)}", style={"color": components.DOWN}
        )
    return html.Span(f"– {t('same', lang)}", style={"color": components.MUTED})


_period = data.period_name


def _due(item, lang: str) -> str:
    """A rectification item's deadline as it stands (an escalation sets a new one),
    with the first deadline and the escalations when there were any."""
    shown = P.date_text(item.due, lang)
    if int(item.escalations or 0):
        first = P.date_text(item.first_due, lang)
        n = int(item.escalations)
        shown += say_count("page_profile", "first_due", n, date=first).text(lang)
    return shown


def _reported(date, lang: str) -> str:
    if not date:
        return t("not_dated", lang)
    return t("reported", lang, date=P.date_text(date, lang))
