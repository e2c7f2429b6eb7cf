"""Overview (/, 总览): what a city leader reads first.

For the run in the header and a period: how many units stand at each warning level
(coloured badges), the red units with their due rectifications, the city's and each
group's average composite and its trend, the biggest risers and fallers within their
peer groups, the year's annual grades when an appraisal is published, and what
changed since the last publication. 县（市）区 and 市直部门 are separate lists unless
the leader asks for all units together. Every table comes from ``data.overview``
(``evaluation.analysis.overview``, cached per run and period); figures from
``plots``.
"""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html

from dashboards import components, data
from evaluation import periods as P
from evaluation.publish import plots
from evaluation.vocabulary import COLOURS, FAMILIES, RISK_LEVEL, say, word

dash.register_page(
    __name__,
    path="/",
    name="Overview",
    title="总览 · Overview",
    order=0,
    nav="nav_overview",
)

SPLIT, TOGETHER = "by_level", "together"  #: the list switch's values
ALL = "all"  #: the row / group of every unit in the overview's tables
PAGE = 10  #: red units a page of their list
#: px, a red list's rows in Chinese: a name or group on a line (two at most)
ROW_HEIGHT = 42
#: a cell whose text may take two lines of a Chinese row's height, centred
WRAPPED = {"wrapText": True, "cellStyle": {"lineHeight": "1.15", "display": "flex",
                                             "alignItems": "center"}}  # fmt: skip
#: text on a badge: white on the dark colours, ink on yellow and orange
_ON_DARK = ("red", "green")


def t(key: str, lang: str) -> str:
    """A label of this page in ``lang`` (``vocabulary`` family ``page_overview``)."""
    return word("page_overview", key, lang)


#: what the callbacks below fill in (the layout fills them first)
PERIODS = [Output("overview-period", "options"), Output("overview-period", "value")]
LABELS = [
    Output("overview-heading", "children"),
    Output("overview-period-label", "children"),
    Output("overview-split-label", "children"),
    Output("overview-split", "options"),
]
BODY = [Output("overview-body", "children")]


def layout(**_query) -> html.Div:
    """The page filled in for this visitor's run and language (no round trip on a
    page load); the callbacks refill it when they change something."""
    lang, run = data.visitor_lang(), data.visitor_run()
    options, period = update_periods(run, lang, None)
    page = html.Div(
        [
            html.Div(
                [
                    html.H2(id="overview-heading", style={"margin": "0 24px 0 0"}),
                    components.control(
                        "overview-period-label",
                        dcc.Dropdown(
                            id="overview-period",
                            clearable=False,
                            searchable=False,
                            style=components.PERIOD_STYLE,
                        ),
                    ),
                    components.control(
                        "overview-split-label",
                        dcc.RadioItems(
                            id="overview-split",
                            value=SPLIT,
                            inline=True,
                            inputStyle={"marginRight": "6px"},
                            labelStyle={"marginRight": "18px"},
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
            html.Div(id="overview-body"),
        ]
    )
    components.filled(page, PERIODS, (options, period))
    components.filled(page, LABELS, update_labels(lang))
    return components.filled(page, BODY, [update_overview(period, SPLIT, lang, run)])


@callback(
    *PERIODS,
    Input("app-run", "value"),
    Input("app-lang", "value"),
    State("overview-period", "value"),
    prevent_initial_call=True,
)
def update_periods(run, lang, keep):
    """The periods of the chosen run, as people read them; keep the period shown
    if the run has it."""
    return data.period_options(run, keep, lang)


@callback(*LABELS, Input("app-lang", "value"), prevent_initial_call=True)
def update_labels(lang):
    """Every fixed label of the page in the chosen language."""
    options = [{"label": t(k, lang), "value": k} for k in (SPLIT, TOGETHER)]
    return t("heading", lang), t("period", lang), t("split", lang), options


@callback(
    *BODY,
    Input("overview-period", "value"),
    Input("overview-split", "value"),
    Input("app-lang", "value"),
    Input("app-run", "value"),
    prevent_initial_call=True,
)
def update_overview(period, split, lang, run=None):
    """Every panel of the page for one run, period and language."""
    o = data.overview(run, period)
    names = _names(lang, run)
    lists = o.levels if split != TOGETHER else [None]
    return [
        components.row(
            components.panel(_badges(o, lists, names, lang)),
            components.panel(_changes(o, names, lang)),
        ),
        components.panel(_red(o, lists, names, lang)),
        components.row(
            components.panel(_averages(o, names, lang)),
            components.panel(
                dcc.Graph(
                    id="overview-trend",
                    figure=plots.plot_average_trend(
                        o.trend, names, lang=lang, period=o.period
                    ),
                    config=components.NO_BAR,
                )
            ),
        ),
        components.row(
            components.panel(_movers(o, lists, names, lang)),
            components.panel(_grades(o, names, lang)),
        ),
    ]


# ---------------------------------------------------------------- the panels
def _badges(o, lists, names, lang) -> list:
    """Units by warning level: a row of coloured tiles (count over word) per list,
    all units first; the rows share the columns of one grid."""
    rows = []
    for level in [ALL] if lists == [None] else [ALL, *lists]:
        counts = o.counts.loc[level]
        big = level == ALL
        rows.append(
            html.Div(
                [
                    html.Div(
                        names["level"][level],
                        className="overview-level-name",
                        style={
                            "color": components.MUTED,
                            "alignSelf": "center",
                            "fontWeight": 600 if big else 400,
                        },
                    ),  # fmt: skip
                    *[
                        _badge(code, int(counts[code]), lang, big=big)
                        for code in counts.index
                    ],  # fmt: skip
                ],
                className="overview-badges",
                id=f"overview-badges-{level}",
                style={"display": "contents"},
            )
        )
    grid = {
        "display": "grid",
        "gridTemplateColumns": "max-content repeat(4, minmax(64px, 1fr))",
        "gap": "10px 10px",
        "alignItems": "stretch",
        "margin": "8px 0 12px",
    }
    return [
        html.H3(t("levels", lang), id="overview-levels-heading"),
        html.Div(rows, className="overview-levels", style=grid),
    ]


def _badge(code: str, n: int, lang: str, *, big: bool) -> html.Div:
    """A tile of one warning level: the count large, the level's word below."""
    colour = COLOURS["risk_level"][code]
    return html.Div(
        [
            html.Div(
                str(n),
                className="overview-count",
                **{"data-level": code},
                style={
                    "fontSize": "34px" if big else "22px",
                    "fontWeight": 700,
                    "lineHeight": 1.1,
                },
            ),  # fmt: skip
            html.Div(
                t(f"badge_{code}", lang),
                style={"fontSize": "14px", "wordBreak": "keep-all"},
            ),
        ],
        style={
            "background": colour,
            "color": "white" if code in _ON_DARK else components.INK,
            "borderRadius": "10px",
            "padding": "8px 6px" if big else "4px 6px",
            "textAlign": "center",
            "opacity": 1 if n else 0.45,
        },
    )


def _red(o, lists, names, lang) -> list:
    """The red units and their rectifications: one grid per list."""
    out = [
        html.H3(t("red", lang), id="overview-red-heading"),
        html.P(t("red_note", lang), style={"color": components.MUTED, "margin": 0}),
    ]
    if o.red.empty:
        return [*out, html.P(t("red_none", lang), id="overview-red-none")]
    for level in lists:
        rows = o.red if level is None else o.red[o.red["level"] == level]
        title = names["level"][level or ALL]
        grid = components.table_grid(
            f"overview-red-{level or ALL}",
            page_size=PAGE,
            rowData=_red_rows(rows, lang),
            columnDefs=_red_columns(lang, names, with_level=level is None, rows=rows),
            getRowId="params.data.unit_id",
            className="short-list",  # as tall as its rows (assets/style.css)
        )
        grid.dashGridOptions = {
            **grid.dashGridOptions,
            "localeText": components.grid_locale(lang),
            "pagination": len(rows) > PAGE,  # no pager for a list on one page
        }
        if lang == "zh":
            # rows of one height, not sized to their text: AG Grid measuring every
            # cell was a fifth of the page's drawing. English names and groups run
            # to three lines or more on a phone: their rows still grow to fit
            grid.defaultColDef = {
                k: v
                for k, v in grid.defaultColDef.items()
                if k not in ("wrapText", "autoHeight", "cellStyle")
            }
            grid.dashGridOptions["rowHeight"] = ROW_HEIGHT
        count = _units(len(rows), lang)
        out += [html.H4(f"{title}（{count}）" if lang == "zh" else
                        f"{title} ({count})")]  # fmt: skip
        out.append(grid if len(rows) else html.P(t("none", lang)))
    return out


def _red_rows(rows, lang) -> list[dict]:
    """Grid rows of the red list: the name a link to the unit's profile, the score
    as shown, the deadline in words beside the ISO date it sorts by."""
    return [
        {
            "unit_id": x.unit_id,
            "link": f"[{getattr(x, f'name_{lang}')}](/unit/{x.unit_id})",
            "level": x.level,
            "peer_group": x.peer_group,
            "score": data.fixed(x.composite_score),
            "peer_rank": None if x.peer_rank != x.peer_rank else int(x.peer_rank),
            "n_red": int(x.n_red),
            "open": int(x.open),
            "overdue": int(x.overdue),
            "next_due": x.next_due,
            "due": _date(x.next_due, lang),
        }
        for x in rows.itertuples()
    ]


def _red_columns(lang: str, names: dict, *, with_level: bool, rows=None) -> list[dict]:
    """The red list's columns; ``next_due`` sorts by the ISO date, shows words.
    The name and group columns are kept wide enough for the ``rows`` shown: in
    Chinese each name on two lines at most (the rows' fixed height), in English
    every word whole on its line (:func:`_pieces`)."""
    number = {"type": "numericColumn", "width": 110, "filter": False}
    wrapped = WRAPPED if lang == "zh" else {}  # rows of one height in Chinese
    columns = [
        {"field": "link", "headerName": t("unit", lang), "cellRenderer": "AppLink",
         "width": 240, "pinned": "left", **wrapped},
        *([{"field": "level", "headerName": t("unit_level", lang), "width": 120,
            "refData": names["level"]}] if with_level else []),
        {"field": "peer_group", "headerName": t("peer_group", lang), "width": 150,
         "refData": names["peer_group"], **wrapped},
        {"field": "score", "headerName": t("composite", lang), **number,
         "comparator": {"function": "Number(valueA) - Number(valueB)"}},
        {"field": "peer_rank", "headerName": t("peer_rank", lang), **number},
        {"field": "n_red", "headerName": t("n_red", lang), **number},
        {"field": "open", "headerName": t("open", lang), **number},
        {"field": "overdue", "headerName": t("overdue", lang), **number,
         "cellStyle": {"color": components.DOWN, "fontWeight": 600}},
        {"field": "next_due", "headerName": t("next_due", lang), "width": 150,
         "valueFormatter": {"function": "params.data.due"}, "filter": False},
    ]  # fmt: skip
    shown = {"link": [], "peer_group": []}
    if rows is not None:
        shown["link"] = _pieces(rows[f"name_{lang}"], lang)
        groups = [names["peer_group"].get(g, g) for g in rows["peer_group"]]
        shown["peer_group"] = _pieces(groups, lang)
    return [components.fit(c, lang, shown.get(c["field"], ())) for c in columns]


def _pieces(texts, lang: str) -> list[str]:
    """What of each text must stand whole on a line of its cell: in Chinese each
    half (a name on two lines of the row's height), in English each word."""
    out = []
    for text in dict.fromkeys(str(x) for x in texts):
        if lang == "zh":
            half = -(-len(text) // 2)
            out += [text[:half], text[half:]]
        else:
            out += text.split()
    return out


def _averages(o, names, lang) -> list:
    """The city's and each group's average composite in the period: a small
    table (gap to the city, change on the previous period). Group names and
    English headers wrap between words; on a screen still too narrow (a phone,
    in Chinese) the table scrolls in its own box, the page does not."""
    head = ["group", "n", "average", "gap", "change"]
    cell = {"padding": "6px 10px", "textAlign": "right", "whiteSpace": "nowrap"}
    name = {"textAlign": "left", "whiteSpace": "normal", "minWidth": "7em"}
    rows = []
    for x in o.averages.itertuples():
        bold = {"fontWeight": 700} if x.kind == "city" else {}
        indent = {"paddingLeft": "28px"} if x.kind == "peer_group" else {}
        rows.append(
            html.Tr(
                [
                    html.Td(
                        names[x.kind].get(x.group, x.group),
                        style={**cell, **name, **bold, **indent},
                    ),
                    html.Td(str(int(x.n)), style=cell),
                    html.Td(data.fixed(x.average), style={**cell, **bold}),
                    html.Td(
                        "" if x.kind == "city" else data.fixed(x.gap, sign=True),
                        style={**cell, "color": _tone(x.gap)},
                    ),
                    html.Td(
                        data.fixed(x.change, sign=True),
                        style={**cell, "color": _tone(x.change)},
                    ),
                ]  # fmt: skip
            )
        )
    header = html.Tr(
        [
            html.Th(
                t(k, lang),
                style={
                    **cell,
                    "textAlign": "left" if i == 0 else "right",
                    "color": components.MUTED,
                    "whiteSpace": "normal",  # between words; Chinese kept whole
                    "wordBreak": "keep-all",
                    "verticalAlign": "bottom",
                },
            )
            for i, k in enumerate(head)
        ]  # fmt: skip
    )
    return [
        html.H3(t("averages", lang), id="overview-averages-heading"),
        html.Div(
            html.Table(
                [html.Thead(header), html.Tbody(rows)],
                id="overview-averages",
                style={"borderCollapse": "collapse", "width": "100%"},
            ),
            className="app-scroll",
            style={"overflowX": "auto"},
        ),
    ]


def _movers(o, lists, names, lang) -> list:
    """The biggest risers and fallers within their peer groups, per list."""
    out = [html.H3(t("movers", lang), id="overview-movers-heading")]
    for level in lists:
        m = o.movers[level]
        out.append(html.H4(names["level"][level or ALL]))
        if m.risers.empty and m.fallers.empty:
            out.append(html.P(t("movers_none", lang)))
            continue
        out.append(
            html.Div(
                [
                    _mover_list(m.risers, "risers", level, names, lang),
                    _mover_list(m.fallers, "fallers", level, names, lang),
                ],
                style={"display": "flex", "gap": "24px", "flexWrap": "wrap"},
            )
        )
    return out


def _mover_list(table, key, level, names, lang) -> html.Div:
    up = key == "risers"
    items = [
        html.Li(
            [
                html.Span(
                    ("▲ " if up else "▼ ") + str(abs(int(x.change))),
                    style={
                        "color": components.UP if up else components.DOWN,
                        "fontWeight": 700,
                        "display": "inline-block",
                        "width": "56px",
                    },
                ),  # fmt: skip
                dcc.Link(getattr(x, f"name_{lang}"), href=f"/unit/{x.unit_id}"),
                html.Span(
                    f" {names['peer_group'].get(x.peer_group, x.peer_group)} · "
                    + say(
                        "page_overview",
                        "move",
                        before=int(x.before),
                        now=int(x.peer_rank),
                    ).text(lang),
                    style={"color": components.MUTED, "fontSize": "15px"},
                ),  # fmt: skip
            ],
            # Chinese broken at its punctuation only: never inside 第7名 or 部门
            style={"margin": "4px 0", "wordBreak": "keep-all"},
        )
        for x in table.itertuples()
    ]
    return html.Div(
        [
            html.Div(t(key, lang), style={"fontWeight": 600}),
            html.Ul(
                items or [html.Li(t("none", lang))],
                id=f"overview-{key}-{level or ALL}",
                style={"listStyle": "none", "paddingLeft": 0},
            ),
        ],  # fmt: skip
        style={"flex": "1 1 320px"},
    )


def _grades(o, names, lang) -> list:
    """The year's annual grades by unit level, if an appraisal is published (in
    force, or under 公示: then said so, with the notice's last day)."""
    title = say("page_overview", "grades", year=o.year).text(lang)
    out = [html.H3(title, id="overview-grades-heading")]
    if o.grades is None:
        text = say("page_overview", "grades_none", year=o.year).text(lang)
        return [*out, html.P(text, id="overview-grades-none")]
    if o.grades_until is not None:
        until = data.local_date(o.grades_until, lang)
        text = say("page_overview", "grades_notice", until=until).text(lang)
        out.append(html.P(text, id="overview-grades-notice",
                          style={"color": components.MUTED, "margin": 0}))  # fmt: skip
    figure = plots.plot_grade_counts(o.grades, names["level"], lang=lang)
    return [*out, dcc.Graph(id="overview-grades", figure=figure,
                            config=components.NO_BAR)]  # fmt: skip


def _changes(o, names, lang) -> list:
    """What changed since the last publication, or that there is none."""
    out = [html.H3(t("changes", lang), id="overview-changes-heading")]
    c = o.changes
    if c is None:
        return [*out, html.P(t("changes_first", lang), id="overview-changes-first")]
    intro = say("page_overview", "changes_intro", now=_period(c.period, lang),
                before=_period(c.before_period, lang)).text(lang)  # fmt: skip
    warned = [
        html.Li(
            [
                html.Span(
                    "●",
                    style={"color": COLOURS["risk_level"][x.now], "marginRight": "6px"},
                ),  # fmt: skip
                dcc.Link(getattr(x, f"name_{lang}"), href=f"/unit/{x.unit_id}"),
                html.Span(
                    " "
                    + RISK_LEVEL[x.now].text(lang)
                    + say(
                        "page_overview", "was", level=RISK_LEVEL[x.was].text(lang)
                    ).text(lang),
                    style={"color": components.MUTED},
                ),  # fmt: skip
            ]
        )
        for x in c.warnings.head(10).itertuples()
    ]
    more = len(c.warnings) - len(warned)
    if more > 0:
        warned.append(html.Li("…" + _units(more, lang)))
    moved = [
        html.Li(
            [
                dcc.Link(getattr(x, f"name_{lang}"), href=f"/unit/{x.unit_id}"),
                html.Span(
                    f" {names['peer_group'].get(x.peer_group, x.peer_group)} · "
                    + say(
                        "page_overview", "move", before=int(x.before), now=int(x.now)
                    ).text(lang),
                    style={"color": components.UP if x.change > 0 else components.DOWN},
                ),  # fmt: skip
            ]
        )
        for x in c.moved.itertuples()
    ]
    heading = {"fontWeight": 600, "marginTop": "8px"}
    n_new = _units(len(c.warnings), lang)
    return [
        *out,
        html.P(intro, id="overview-changes-intro"),
        html.Div(f"{t('new_warnings', lang)}（{n_new}）" if lang == "zh"
                 else f"{t('new_warnings', lang)} ({n_new})", style=heading),
        html.Ul(warned or [html.Li(t("none", lang))], id="overview-new-warnings"),
        html.Div(t("moved", lang), style=heading),
        html.Ul(moved or [html.Li(t("none", lang))], id="overview-moved"),
        html.P(_method(c.catalogue, lang), id="overview-method"),
    ]  # fmt: skip


def _method(changed, lang: str) -> str:
    """The catalogue changes in a sentence: the entries changed, named."""
    if changed.empty:
        return t("method_same", lang)
    what = []
    for x in changed.itertuples():
        name = getattr(x, f"name_{lang}")
        label = (
            name if isinstance(name, str) and name else t(f"section_{x.section}", lang)
        )
        if label not in what:
            what.append(label)
    sep = "、" if lang == "zh" else ", "
    text = sep.join(what[:6]) + ("…" if len(what) > 6 else "")
    return say("page_overview", "method_changed", n=len(changed),
               what=text).text(lang)  # fmt: skip


# ------------------------------------------------------------------- helpers
def _names(lang: str, run) -> dict[str, dict[str, str]]:
    """Display names by kind of group (a unit level and a peer group may share a
    code, ``district``): ``city`` (全市), ``level`` (``ALL``: 全部单位, then the unit
    levels) and ``peer_group``."""
    levels = FAMILIES["unit_level"]
    return {
        "city": {ALL: t("city", lang)},
        "level": {
            ALL: t("all_units", lang),
            **{k: w.text(lang) for k, w in levels.items()},
        },
        "peer_group": data.peer_group_names(lang, run),
    }


_period = data.period_name


def _units(n: int, lang: str) -> str:
    """``n`` units in words: 3个单位, 3 units, 1 unit."""
    return say("page_overview", "units_1" if n == 1 else "units_n", n=n).text(lang)


def _date(value, lang: str) -> str:
    """An ISO date as officials write it (``2026年1月25日``), '' when missing (None,
    or NaN: how pandas 3 keeps a missing date in a column of strings)."""
    return "" if value is None or value != value else P.date_text(value, lang)


def _tone(value) -> str:
    """Green up, vermilion down, muted for none."""
    if value is None or value != value or round(value, 2) == 0:
        return components.MUTED
    return components.UP if value > 0 else components.DOWN
