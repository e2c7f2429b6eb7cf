"""Risk board (/risk): the units at highest risk × dimensions by level, the
warnings with their reasons (most severe first, coloured badges) and the
rectification ledger with open and overdue items first.

Both tables are served a page at a time (AG Grid's infinite row model, sorted on
the server: a level column by severity); everything is cached per run and period
in ``dashboards.data``.
"""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, clientside_callback, dcc, html
from dash.exceptions import PreventUpdate

from dashboards import components, data
from evaluation import vocabulary
from evaluation.periods import date_text
from evaluation.vocabulary import COLOURS, FAMILIES, RISK_HEADER

dash.register_page(
    __name__, path="/risk", name="Risk", title="风险 · Risk", order=2, nav="nav_risk"
)

#: this page's words (``evaluation/vocabulary.yaml``, family ``page_risk``)
T = FAMILIES["page_risk"]
# the dropdowns' own words (搜索 / Search) follow the language switch
components.follow_language("risk-period")
#: rows per page of the warnings and the ledger
PAGE = 15
_GRIDS = ("risk-warnings", "risk-ledger")


#: the rows' least height, two lines of text (names and reasons wrap); rows grow
#: to the tallest text on screen (``components.fit_rows``)
ROW_HEIGHT = 62


def _grid(grid_id: str, lang: str, columns: list[dict] | None = None):
    """A paged table (``components.table_grid``) fed a page at a time, its own words
    (pager, overlays) in ``lang``: AG Grid reads them only when it is created."""
    g = components.table_grid(grid_id, page_size=PAGE, lang=lang)
    if columns is not None:
        g.columnDefs = columns
    g.rowModelType = "infinite"
    del g.rowData
    g.dashGridOptions = {
        **g.dashGridOptions,
        "cacheBlockSize": PAGE,
        "maxBlocksInCache": 40,
        "infiniteInitialRowCount": PAGE,
    }
    # the server sorts; filters would only see the page at hand. Rows of one height
    # (AG Grid's infinite row model has no rows as tall as their text: asking for it
    # still measured every cell, a third of the page's time in the browser), as
    # tall as the page's tallest text; a reason also reads in full on hover
    g.defaultColDef = {**g.defaultColDef, "filter": False, "autoHeight": False}
    g.dashGridOptions = {**g.dashGridOptions, "rowHeight": ROW_HEIGHT}
    return components.fit_rows(g, ROW_HEIGHT)


#: what the callbacks below fill in (the layout fills them first)
PERIODS = [Output("risk-period", "options"), Output("risk-period", "value")]
BOARD = [
    Output("risk-heading", "children"),
    Output("risk-period-label", "children"),
    Output("risk-warnings-heading", "children"),
    Output("risk-warnings-note", "children"),
    Output("risk-ledger-heading", "children"),
    Output("risk-heatmap-note", "children"),
    Output("risk-heatmap", "figure"),
    Output("risk-warnings", "columnDefs"),
    Output("risk-ledger", "columnDefs"),
]


def layout(**_query) -> html.Div:
    """Period, heatmap and the two tables filled in for this visitor's run and
    language (no round trip on a page load but the tables' first pages)."""
    lang, run = data.visitor_lang(), data.visitor_run()
    options, period = update_periods(run, lang, None)
    page = html.Div(
        [
            html.Div(
                [
                    html.H2(id="risk-heading", style={"margin": "0 24px 0 0"}),
                    components.control(
                        "risk-period-label",
                        dcc.Dropdown(
                            id="risk-period",
                            labels=components.dropdown_labels(lang),
                            clearable=False,
                            style=components.PERIOD_STYLE,
                        ),
                    ),
                    dcc.Store(id="risk-refresh"),
                ],
                style={"display": "flex", "alignItems": "flex-end", "gap": "24px"},
            ),
            html.P(id="risk-heatmap-note", style={"color": components.MUTED}),
            html.Div(dcc.Graph(id="risk-heatmap", config=components.NO_BAR)),
            html.H3(id="risk-warnings-heading"),
            html.Div(_grid("risk-warnings", lang), id="risk-warnings-holder"),
            # what a typical gap is, the word of the peer warnings' reasons
            html.P(id="risk-warnings-note", style={"color": components.MUTED}),
            html.H3(id="risk-ledger-heading"),
            html.Div(_grid("risk-ledger", lang), id="risk-ledger-holder"),
        ]
    )
    components.filled(page, PERIODS, (options, period))
    return components.filled(page, BOARD, update_risk(period, lang, run))


@callback(
    *PERIODS,
    Input("app-run", "value"),
    Input("app-lang", "value"),
    State("risk-period", "value"),
    prevent_initial_call=True,
)
def update_periods(run, lang, period):
    """The run's periods by name (2025年12月), the one shown kept if the run has it."""
    return data.period_options(run, period, lang)


@callback(
    *BOARD,
    Input("risk-period", "value"),
    Input("app-lang", "value"),
    Input("app-run", "value"),
    prevent_initial_call=True,
)
def update_risk(period, lang, run=None):
    """Heading words, the heatmap of the units at highest risk, the tables'
    columns and the note under the warnings (what a typical gap is) of one period
    in one language (rows: :func:`update_warnings`, :func:`update_ledger`)."""
    k = 0 if lang == "zh" else 1
    fig = data.risk_heatmap(run, period, lang)
    total = len(data.result(run).units)
    note = T["worst"][k].format(n=min(data.RISK_N, total), total=f"{total:,}")
    return (
        T["heading"][k],
        T["period"][k],
        T["warnings"][k],
        data.typical_gap_note(run, lang),
        T["ledger"][k],
        note,
        fig,
        _columns(data.risk_warnings(run, period, lang), lang, run),
        _columns(data.risk_ledger(run, lang), lang, run),
    )


@callback(
    Output("risk-warnings-holder", "children"),
    Output("risk-ledger-holder", "children"),
    Input("app-lang", "value"),
    State("risk-period", "value"),
    State("app-run", "value"),
    prevent_initial_call=True,  # the layout built them in the visitor's language
)
def rebuild_tables(lang, period, run=None):
    """Both tables anew in the language chosen on the page (they then ask for their
    rows again)."""
    return (
        _grid(
            "risk-warnings",
            lang,
            _columns(data.risk_warnings(run, period, lang), lang, run),
        ),
        _grid("risk-ledger", lang, _columns(data.risk_ledger(run, lang), lang, run)),
    )


def _columns(paged, lang: str, run=None) -> list[dict]:
    """Display headers as columns (fields are positional: headers may repeat); the
    warning level as a coloured badge; no internal item ids, no values or limits
    without their unit (the reason gives both with it); no rule's name broken inside
    a word. Wide enough for the run's longest unit name (one line in Chinese, three
    in English) and indicator name (two lines, three): the rows' one height
    (``components.fit_rows``) follows the tallest cell, so a column too narrow for a
    name would make every row tall."""
    i = 0 if lang == "zh" else 1
    level = RISK_HEADER["level"][i]
    nodes = data.result(run).catalogue.nodes[f"name_{lang}"]
    out = []
    for n, header in enumerate(paged.headers):
        if header in (RISK_HEADER[k][i] for k in ("item_id", "value", "threshold")):
            continue  # numbers without their unit: the reason says them with it
        column = {"field": f"c{n}", "headerName": header}
        words, lines = (), 1
        if header == RISK_HEADER["reason"][i]:  # the widest share of the room
            column |= {"width": 900, "minWidth": 320, "tooltipField": f"c{n}"}
        if header == RISK_HEADER["unit"][i]:  # kept in view as the row scrolls
            column |= {"pinned": "left"}
            words, lines = (data.longest_name(run, lang),), 1 if lang == "zh" else 3
        if header == RISK_HEADER["node"][i]:
            words, lines = (max(nodes, key=len, default=""),), 2 if lang == "zh" else 3
        if header == RISK_HEADER["rule"][i]:  # every word of the rules' names whole
            words = [w for k in vocabulary.words("risk_rule", lang).values()
                     for w in k.split()]  # fmt: skip
        if header in (RISK_HEADER["period"][i], RISK_HEADER["opened_period"][i]):
            codes = data.periods(run)[0]  # 2025年12月 on one line
            words = [data.period_name(p, lang) for p in codes]
        if header in (RISK_HEADER[k][i] for k in ("first_due", "due", "closed_on")):
            words = [date_text("2026-12-25", lang)]  # the widest date on one line
        if header == level:
            column |= {"cellStyle": _badge(), "width": 110}
            words = vocabulary.words("risk_level", lang).values()
        out.append(components.fit(column, lang, words, lines))
    return out


def _badge() -> dict:
    """The row's warning level (``_level``) as its colour, white text on dark."""
    dark = ("#D55E00", "#009E73")
    return {
        "styleConditions": [
            {
                "condition": f"params.data && params.data._level === '{code}'",
                "style": {
                    "background": colour,
                    "color": "white" if colour in dark else "#1f2933",
                    "fontWeight": 600,
                    "textAlign": "center",
                },
            }
            for code, colour in COLOURS["risk_level"].items()
        ]
    }


# a new period, language or run: both tables drop their rows and ask again
clientside_callback(
    """function () {
        ["risk-warnings", "risk-ledger"].forEach(function (id) {
            dash_ag_grid.getApiAsync(id).then(function (api) {
                api.purgeInfiniteCache();
            });
        });
        return window.dash_clientside.no_update;
    }""",
    Output("risk-refresh", "data"),
    Input("risk-period", "value"),
    Input("app-lang", "value"),
    Input("app-run", "value"),
    prevent_initial_call=True,
)


@callback(
    Output("risk-warnings", "getRowsResponse"),
    Input("risk-warnings", "getRowsRequest"),
    State("risk-period", "value"),
    State("app-lang", "value"),
    State("app-run", "value"),
    prevent_initial_call=True,  # the table asks once it is drawn
)
def update_warnings(request, period, lang, run=None):
    """A page of the period's warnings, most severe first (or as sorted)."""
    if not request:
        raise PreventUpdate
    return data.risk_warnings(run, period, lang).response(request)


@callback(
    Output("risk-ledger", "getRowsResponse"),
    Input("risk-ledger", "getRowsRequest"),
    State("app-lang", "value"),
    State("app-run", "value"),
    prevent_initial_call=True,  # the table asks once it is drawn
)
def update_ledger(request, lang, run=None):
    """A page of the ledger, open and overdue items first (or as sorted)."""
    if not request:
        raise PreventUpdate
    return data.risk_ledger(run, lang).response(request)
