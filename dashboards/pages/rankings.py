"""Rankings: the league table of a period: districts and departments each ranked
among their own level (the default), every unit together, or a peer group.

The grid is fed a block of rows at a time (AG Grid's infinite row model: an update
sends ~100 rows, sorted on the server: risk by severity, grade by the grades' order);
rows and chart come from ``dashboards.data``, rounded once and cached per run,
period and scope; the download is what ``evaluation export`` writes for the period
and language, the media CSV with its note, zipped. A full page load brings the
first block in the layout (no round trip before the rows show).
"""

from __future__ import annotations

from functools import lru_cache

import dash
from dash import (
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    dcc,
    html,
)
from dash.exceptions import PreventUpdate

from dashboards import components, data
from evaluation.vocabulary import FAMILIES, MEDIA_HEADER

dash.register_page(
    __name__,
    path="/rankings",
    name="Rankings",
    title="排名 · Rankings",
    order=1,
    nav="nav_rankings",
)

#: this page's words (``evaluation/vocabulary.yaml``, family ``page_rankings``)
T = FAMILIES["page_rankings"]
# the dropdowns' own words (搜索 / Search) follow the language switch
components.follow_language("rankings-period", "rankings-peer-group")
#: the scope shown first: districts and departments, each ranked in its own list
DEFAULT_SCOPE = data.BY_LEVEL

_PANEL = {
    "background": "white",
    "borderRadius": "8px",
    "boxShadow": "0 1px 3px rgba(0, 0, 0, 0.12)",
    "height": "calc(100vh - 200px)",
    "minHeight": "480px",
}


def scope_options(catalogue, lang: str) -> list[dict]:
    """Both levels apart (default), each level, every unit together, then the
    catalogue's peer groups."""
    levels = FAMILIES["unit_level"]
    return [
        {"label": T["by_level"].text(lang), "value": data.BY_LEVEL},
        *(
            {"label": levels[k].text(lang), "value": data.LEVEL + k}
            for k in ("district", "department")
        ),
        *components.peer_group_options(catalogue, lang),
    ]


#: the rows' least height (the infinite row model's rows are all one height): a
#: Chinese name on one line, an English one on two; rows grow to a longer name's
#: lines when one is on screen (``components.fit_rows``)
ROW_HEIGHT = 50


def grid():
    """The league grid (``components.league_grid``) on the infinite row model, its
    own words in this visitor's language (read only when the grid is created)."""
    g = components.league_grid("rankings-grid", data.visitor_lang())
    g.rowModelType = "infinite"
    del g.rowData
    g.getRowStyle = {
        "styleConditions": [
            {
                "condition": "params.data && params.data.status === "
                "'insufficient_data'",
                "style": {"color": components.MUTED, "fontStyle": "italic"},
            }
        ]
    }
    g.dashGridOptions = {
        **g.dashGridOptions,
        "cacheBlockSize": data.BLOCK,
        "maxBlocksInCache": 20,
        # one placeholder row until the first block comes (its row count with it):
        # a screen of loading rows, drawn and then drawn again with their data,
        # cost a full load ~55 ms (docs/benchmarks.md, issue 13, ninth round)
        "infiniteInitialRowCount": 1,
        "rowBuffer": 10,
        "rowHeight": ROW_HEIGHT,
    }
    return components.fit_rows(g, ROW_HEIGHT)


#: the block the grid asks for first: its first rows in the server's order
FIRST_BLOCK = {"startRow": 0, "endRow": data.BLOCK, "sortModel": []}

#: what the callbacks below fill in (the layout fills them first)
PERIODS = [Output("rankings-period", "options"), Output("rankings-period", "value")]
LABELS = [
    Output("rankings-heading", "children"),
    Output("rankings-period-label", "children"),
    Output("rankings-peer-group-label", "children"),
    Output("rankings-peer-group", "options"),
    Output("rankings-download-button", "children"),
]
TABLE = [Output("rankings-grid", "columnDefs"), Output("rankings-bar", "figure")]


def layout(**_query) -> html.Div:
    """Controls, grid and chart filled in for this visitor's run and language (no
    round trip on a page load but the grid's first block of rows); the callbacks
    refill them when something changes."""
    lang, run = data.visitor_lang(), data.visitor_run()
    options, period = update_periods(run, lang, None)
    page = html.Div(
        [
            html.Div(
                [
                    html.H2(id="rankings-heading", style={"margin": "0 24px 0 0"}),
                    components.control(
                        "rankings-period-label",
                        dcc.Dropdown(
                            id="rankings-period",
                            labels=components.dropdown_labels(lang),
                            clearable=False,
                            style=components.PERIOD_STYLE,
                        ),
                    ),
                    components.control(
                        "rankings-peer-group-label",
                        dcc.Dropdown(
                            id="rankings-peer-group",
                            labels=components.dropdown_labels(lang),
                            value=DEFAULT_SCOPE,
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
                    dcc.Store(id="rankings-refresh"),
                    # the grid's first block, answered in the page (no round trip)
                    dcc.Store(id="rankings-first"),
                    dcc.Store(id="rankings-first-pending", data=True),
                    # a phone's chart card, px (none on a wider screen)
                    dcc.Store(id="rankings-card"),
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
                    # charts are drawn once its first rows are (assets/plotly_early.js)
                    html.Div(
                        grid(),
                        className="draw-first",
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
    components.filled(page, PERIODS, (options, period))
    components.filled(page, LABELS, update_labels(lang))
    table = update_rankings(period, DEFAULT_SCOPE, lang, run)
    first = data.ranking(run, period, DEFAULT_SCOPE).response(FIRST_BLOCK, lang)
    components.filled(page, [Output("rankings-first", "data")], [first])
    return components.filled(page, TABLE, table)


@callback(
    *PERIODS,
    Input("app-run", "value"),
    Input("app-lang", "value"),
    State("rankings-period", "value"),
    prevent_initial_call=True,
)
def update_periods(run, lang, period):
    """The periods of the chosen run by name; keep the period shown if the run has
    it."""
    return data.period_options(run, period, lang)


@callback(*LABELS, Input("app-lang", "value"), prevent_initial_call=True)
def update_labels(lang):
    """Every fixed label of the page in the chosen language."""
    labels = [components.text(k, lang) for k in ("heading", "period", "peer_group")]
    options = scope_options(data.result().catalogue, lang)
    return *labels, options, components.text("download", lang)


@callback(
    *TABLE,
    Input("rankings-period", "value"),
    Input("rankings-peer-group", "value"),
    Input("app-lang", "value"),
    Input("app-run", "value"),
    State("rankings-card", "data"),
    prevent_initial_call=True,
)
def update_rankings(period, scope, lang, run=None, card=None):
    """Grid columns and chart (the top and bottom of each list) of one period and
    scope, the chart fitted to a phone's ``card`` (:func:`fit_chart`); the rows
    come a block at a time (:func:`update_rows`)."""
    run = run or data.default_run()
    period = data.period_of(run, period)
    ranking = data.ranking(run, period, scope)
    return columns(run, scope, lang, ranking), data.ranking_chart(
        run, period, _scope(run, scope), lang, card=card
    )


# on a phone (style.css's layout for one, up to 700 px) the chart's card is
# measured once the page is drawn, and again when the screen's width settles after
# a change (a phone turned, a window resized: the store holds null once wider than
# a phone, so the chart for any screen comes back); a wider screen keeps the
# chart of the layout
clientside_callback(
    """function () {
        const card = function () {  // px, null wider than a phone, none off the page
            const graph = document.getElementById("rankings-bar");
            if (!graph) { return undefined; }
            return window.matchMedia("(max-width: 700px)").matches
                ? graph.clientWidth : null;
        };
        const now = card();
        window.rankingsCard = now === undefined ? null : now;  // the store's
        if (!window.rankingsCardResize) {
            let settle = null;
            window.rankingsCardResize = function () {
                clearTimeout(settle);
                settle = setTimeout(function () {
                    const width = card();
                    if (width === undefined || width === window.rankingsCard) {
                        return;
                    }
                    window.rankingsCard = width;
                    window.dash_clientside.set_props("rankings-card", {data: width});
                }, 200);
            };
            window.addEventListener("resize", window.rankingsCardResize);
        }
        return now ? now : window.dash_clientside.no_update;
    }""",
    Output("rankings-card", "data"),
    Input("rankings-bar", "id"),
)


@callback(
    Output("rankings-bar", "figure", allow_duplicate=True),
    Input("rankings-card", "data"),
    State("rankings-period", "value"),
    State("rankings-peer-group", "value"),
    State("app-lang", "value"),
    State("app-run", "value"),
    prevent_initial_call=True,
)
def fit_chart(card, period, scope, lang, run=None):
    """The English chart drawn to fit a phone's card, ``card`` px wide (drawn for
    any screen, its names left the bars 90 px of a 374 px card, and their labels
    and the lists' headings ran past its edge), or drawn for any screen again
    (``card`` None: a phone turned on its side, a window made wider than a phone;
    the first chart stayed); the Chinese fits as it is."""
    if lang != "en":
        raise PreventUpdate
    run = run or data.default_run()
    period = data.period_of(run, period)
    data.ranking(run, period, scope)  # the draft rule
    return data.ranking_chart(run, period, _scope(run, scope), lang, card=card)


def columns(run, scope, lang: str, ranking) -> list[dict]:
    """The league grid's columns (``components.league_columns``) with the type of
    unit after the name when levels are listed; columns the server cannot sort
    (computed in the browser) are not sortable. Made once per run, scope, language
    and whether there are rank intervals and final grades (no grade column while
    the year has none: an empty column reads as "no grade"), and the period's
    longest note (its one line never cut: the column as wide as it)."""
    intervals = "rank_interval" in ranking.table
    graded = "grade" in ranking.table and bool(ranking.table["grade"].notna().any())
    notes = ranking.table[f"note_{lang}"].dropna().astype(str)
    note = max(notes, key=len, default="")
    return _columns(run, scope, lang, intervals, graded, note, data.generation())


@lru_cache(maxsize=256)
def _columns(
    run, scope, lang: str, intervals: bool, graded: bool, note: str, _source: int
) -> list[dict]:
    group = data.scope_group(scope)
    cols = components.league_columns(
        data.result(run).catalogue,
        lang,
        peer=group is not None,
        group_names=data.peer_group_names(lang, run),
        intervals=intervals,
        grades=graded,
    )
    if scope in (data.BY_LEVEL, data.EVERYONE):
        family = FAMILIES["unit_level" if lang == "zh" else "unit_level_short"]
        names = {k: w.text(lang) for k, w in family.items()}
        level = components.fit(
            {
                "field": "level",
                "headerName": MEDIA_HEADER["level"].text(lang),
                "refData": names,
                "width": 130,
            },
            lang,
            names.values(),
        )
        at = next(i for i, c in enumerate(cols) if c.get("colId") == f"name_{lang}")
        cols.insert(at + 1, level)
    for c in cols:
        # rows of the infinite model have one height (at least ROW_HEIGHT): a name
        # or group may wrap in English, every other cell is one line
        c.pop("autoHeight", None)
        if c.get("colId") != f"name_{lang}" and c.get("field") != "peer_group":
            c.pop("wrapText", None)
        else:  # its lines in the row's height, centred
            c["cellStyle"] = {"lineHeight": "1.15", "display": "flex",
                              "alignItems": "center"}  # fmt: skip
    if lang == "zh":  # Chinese names on one line: the column as wide as the longest
        at = next(i for i, c in enumerate(cols) if c.get("colId") == "name_zh")
        cols[at] = components.fit(cols[at], lang, [data.longest_name(run, lang)])
    at = next(i for i, c in enumerate(cols) if c.get("colId") == "note")
    cols[at] = components.fit(cols[at], lang, [note])  # one line, as wide as it
    return cols


def _scope(run, scope) -> str:
    """The scope as the data layer names it (an unknown group: every unit)."""
    groups = {g.id for g in data.result(run).catalogue.peer_groups}
    if scope in (data.BY_LEVEL, data.EVERYONE) or scope in groups:
        return scope
    return scope if str(scope).startswith(data.LEVEL) else data.EVERYONE


# a new period, scope, language or run: the grid drops its rows and asks again
clientside_callback(
    """function () {
        dash_ag_grid.getApiAsync("rankings-grid").then(function (api) {
            api.purgeInfiniteCache();
            api.ensureIndexVisible(0, "top");
        });
        return window.dash_clientside.no_update;
    }""",
    Output("rankings-refresh", "data"),
    Input("rankings-period", "value"),
    Input("rankings-peer-group", "value"),
    Input("app-lang", "value"),
    Input("app-run", "value"),
    prevent_initial_call=True,
)


def _first(request) -> bool:
    """Whether ``request`` asks for :data:`FIRST_BLOCK` (no sort, no filter)."""
    return bool(request) and (
        request.get("startRow") == 0
        and not request.get("sortModel")
        and not request.get("filterModel")
    )


# a full page load: the grid's first request is answered with the block the layout
# brought (the page's own state: nothing can have changed before the grid asks);
# from then on every block comes from the server (update_rows)
clientside_callback(
    """function (request, first, pending) {
        const no = window.dash_clientside.no_update;
        if (!pending || !request) { return [no, no, no]; }
        const mine = first && request.startRow === 0 &&
            !(request.sortModel || []).length &&
            !Object.keys(request.filterModel || {}).length;
        return [mine ? first : no, false, null];
    }""",
    Output("rankings-grid", "getRowsResponse", allow_duplicate=True),
    Output("rankings-first-pending", "data"),
    Output("rankings-first", "data"),
    Input("rankings-grid", "getRowsRequest"),
    State("rankings-first", "data"),
    State("rankings-first-pending", "data"),
    prevent_initial_call=True,
)


@callback(
    Output("rankings-grid", "getRowsResponse"),
    Input("rankings-grid", "getRowsRequest"),
    State("rankings-period", "value"),
    State("rankings-peer-group", "value"),
    State("app-lang", "value"),
    State("app-run", "value"),
    State("rankings-first-pending", "data"),
    prevent_initial_call=True,  # the grid asks once it is drawn
)
def update_rows(request, period, scope, lang, run=None, pending=None):
    """One block of rows in the grid's sort order (risk by severity, grade by the
    grades' order, ranks and scores as numbers), with the row count; not the
    first block of a page load (``pending``: the page answers it itself)."""
    if not request or (pending and _first(request)):
        raise PreventUpdate
    run = run or data.default_run()
    return data.ranking(run, period, scope).response(request, lang)


@callback(
    Output("rankings-download", "data"),
    Input("rankings-download-button", "n_clicks"),
    State("rankings-period", "value"),
    State("rankings-peer-group", "value"),
    State("app-lang", "value"),
    State("app-run", "value"),
    prevent_initial_call=True,
)
def download_csv(_n_clicks, period, scope, lang, run=None):
    """What ``evaluation export`` writes for the period and language (a peer
    group's as ``--peer-group``): the media CSV files and their note, in one zip
    named as they are (``data.ranking_export``)."""
    name, content = data.ranking_export(run, period, scope, lang)
    return dcc.send_bytes(content, name)
