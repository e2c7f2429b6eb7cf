"""Pure functions that build Dash components and grid settings in zh or en.

Display text comes from the catalogue (dimension and peer-group names) and from
``evaluation.vocabulary`` (labels, the media table's headers and notes, level and grade
words and colours), so the dashboard reads exactly like the published media table.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterable

import dash
import dash_ag_grid as dag
from dash import dcc, html

from evaluation import Catalogue, vocabulary
from evaluation.publish.plots import FONT_FAMILY, INK, text_width

LANGS = ("zh", "en")
#: Peer-group dropdown value for "all groups"; cannot clash with an id (ids start a-z).
ALL_GROUPS = "_all"
MUTED, ACCENT = "#5f6b7a", "#0072B2"  # INK: the figures' text colour, from plots
UP, DOWN = "#009E73", "#D55E00"  # Okabe–Ito pair, told apart by colour-blind readers
#: every grid's columns: sortable, resizable, fixed in place, headers wrapped
COLUMN_DEFAULTS = {
    "sortable": True,
    "resizable": True,
    "suppressMovable": True,
    "wrapHeaderText": True,
    "autoHeaderHeight": True,
}
NO_BAR = {"displayModeBar": False}  #: charts for reading, not for editing
BASE_STYLE = {
    "fontFamily": FONT_FAMILY,
    "color": INK,
    "fontSize": "17px",
    "--Dash-Fill-Interactive-Strong": ACCENT,  # Dash 4 controls: accent colour
}


def filled(tree, outputs, values):
    """``tree`` with each of a callback's ``outputs`` set to its value, as the
    callback would set it: a page served filled in for its first view (its callbacks
    then run only when something changes, ``prevent_initial_call``), so a page load
    waits for no round trip. ``dash.no_update`` leaves a property as it is."""
    by_id = {
        c.id: c
        for c in (tree, *tree._traverse())
        if isinstance(getattr(c, "id", None), str)
    }
    for out, value in zip(outputs, values, strict=True):
        if value is not dash.no_update:
            setattr(by_id[out.component_id], out.component_property, value)
    return tree


def text(key: str, lang: str) -> str:
    """A fixed label of the page in ``lang`` (``vocabulary`` family ``dashboard``)."""
    return vocabulary.word("dashboard", key, lang)


#: a Chinese character: a value holding one, on an English page, is quoted Chinese
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def quoting(template: str, lang: str, quoted: dict, **fields):
    """``template`` (a vocabulary sentence) filled with ``fields`` and ``quoted``,
    the records quoted as filed (a correction's reason, an appeal's grounds). In
    Chinese the sentence as ``str.format`` makes it; in English its pieces, each
    quoted value with Chinese in it a span of class ``zh-original`` (as the grids
    mark the policy texts), so that quoted Chinese is told from the page's words:
    ``["This version corrects …; reason: ", Span("复核〔2026〕1号"), "."]``."""
    if lang != "en":
        return template.format(**quoted, **fields)
    out = [""]
    for literal, name, spec, _ in string.Formatter().parse(template):
        out[-1] += literal
        if name is None:
            continue
        value = str(quoted[name]) if name in quoted else format(fields[name], spec)
        if name in quoted and HAN.search(value):
            out += [html.Span(value, className="zh-original", lang="zh"), ""]
        else:
            out[-1] += value
    return [x for x in out if x != ""]


def grid_locale(lang: str) -> dict[str, str]:
    """AG Grid's ``localeText`` in ``lang``: its paging, filter, overlay and
    screen-reader words in Chinese for ``zh`` (``vocabulary`` family ``ag_grid``),
    ``{}`` for ``en`` (AG Grid's own English). Pass it in ``dashGridOptions``."""
    return vocabulary.words("ag_grid", lang) if lang == "zh" else {}


def title(catalogue: Catalogue, lang: str) -> str:
    """The catalogue's name in ``lang``: the dashboard's heading."""
    return catalogue.name_zh if lang == "zh" else catalogue.name_en


def peer_group_or_none(value: str | None) -> str | None:
    """Dropdown value → ``peer_group`` argument of the library (None = all)."""
    return None if value in (None, ALL_GROUPS) else value


def peer_group_options(catalogue: Catalogue, lang: str) -> list[dict]:
    """An "all units" option, then the catalogue's peer groups in ``lang``."""
    return [{"label": text("all_groups", lang), "value": ALL_GROUPS}] + [
        {"label": catalogue.name(g.id, lang), "value": g.id}
        for g in catalogue.peer_groups
    ]


def nav_pages() -> list[tuple[str, str]]:
    """The navigation: ``(path, label key)`` of each page registered with a ``nav``
    label key, in Dash's page registry order (``register_page(order=...)``). Dash
    fills the registry when the app is created; a page without ``nav`` (a unit's
    profile, reached from the tables) is not in the navigation."""
    return [(p["path"], p["nav"]) for p in dash.page_registry.values() if "nav" in p]


def header(
    title_text: str,
    nav_labels: list[str],
    login: tuple[str, str],
    run_options: list[dict],
    run: str | None,
    lang: str,
) -> html.Header:
    """Title bar, filled in for the visitor (no flash of another run or language):
    catalogue name (``app-title``), page links (``nav-<key>``, ``dcc.Link``: no page
    load), the run shown (``app-run``), login state (``app-login``) and the zh/en
    switch (``app-lang``). Laid out by ``assets/style.css`` (wraps on a phone)."""
    return html.Header(
        [
            html.H1(title_text, id="app-title", className="app-title"),
            html.Nav(
                [
                    dcc.Link(label, id=f"nav-{key}", href=path, className="app-link")
                    for (path, key), label in zip(nav_pages(), nav_labels, strict=True)
                ],
                className="app-nav",
            ),
            html.Div(
                [
                    dcc.Dropdown(
                        id="app-run",
                        options=run_options,
                        value=run,
                        clearable=False,
                        searchable=False,
                        className="app-run",
                        style={"color": INK},
                    ),
                    html.A(
                        login[0], id="app-login", href=login[1], className="app-link"
                    ),
                    dcc.RadioItems(
                        id="app-lang",
                        options=[
                            {"label": "中文", "value": "zh"},
                            {"label": "English", "value": "en"},
                        ],
                        value=lang,
                        inline=True,
                        className="app-lang",
                        inputStyle={"marginRight": "6px"},
                    ),
                ],
                className="app-controls",
            ),
        ],
        className="app-header",
    )


def run_banner(stage: str | None, name: str, lang: str) -> list:
    """The strip over every page saying what the run shown is, when it is not the
    results in force: a draft (red: 草稿 · 未发布，仅供内部审阅), a run under 公示
    (amber) or a superseded one (grey); nothing for the run in force."""
    key = {
        "draft": "banner_draft",
        "notice": "banner_notice",
        "corrected": "banner_notice",
        "superseded": "banner_superseded",
    }.get(stage or "")
    if key is None:
        return []
    words = vocabulary.say("dashboard", key, run=name).text(lang)
    return [html.Div(words, role="alert", className=f"app-banner-{stage}")]


def watermark(stage: str | None, lang: str) -> list:
    """草稿 across every page of a draft (and its printout); nothing otherwise."""
    return [text("watermark", lang)] if stage == "draft" else []


def dropdown_labels(lang: str) -> dict[str, str]:
    """A dropdown's own words in ``lang`` (``labels=``): its search box reads 搜索,
    not Search."""
    return vocabulary.words("dropdown_label", lang)


def follow_language(*dropdown_ids: str) -> None:
    """The dropdowns ``dropdown_ids`` of a page given their own words
    (:func:`dropdown_labels`) in the language chosen in the header: the layout
    gives them the visitor's language, and a switch on the page kept them in it."""
    outputs = [dash.Output(i, "labels") for i in dropdown_ids]

    def labels(lang: str) -> list[dict[str, str]]:
        return [dropdown_labels(lang)] * len(outputs)

    dash.callback(outputs, dash.Input("app-lang", "value"), prevent_initial_call=True)(
        labels
    )


#: a period dropdown's style: as wide as 2025年第二季度 with its arrow, on every page
PERIOD_STYLE = {"width": "200px"}


def control(label_id: str, child) -> html.Label:
    """A labelled control; the label text is filled by a language callback."""
    return html.Label(
        [html.Span(id=label_id, style={"color": MUTED, "fontSize": "15px"}), child],
        style={"display": "flex", "flexDirection": "column", "gap": "4px"},
    )


def league_grid(grid_id: str, lang: str = "zh") -> dag.AgGrid:
    """An empty, sortable league grid speaking ``lang`` (its overlays and screen
    reader words); callbacks fill ``rowData`` and ``columnDefs``."""
    theme = json.dumps(
        {
            "fontFamily": FONT_FAMILY,
            "fontSize": 17,
            "headerFontSize": 16,
            "rowHeight": 42,
            "headerHeight": 48,
            "accentColor": ACCENT,
        }
    )
    return dag.AgGrid(
        id=grid_id,
        rowData=[],
        columnDefs=[],
        columnSize="responsiveSizeToFit",
        defaultColDef=COLUMN_DEFAULTS,
        getRowId="params.data.unit_id",
        getRowStyle={
            "styleConditions": [
                {
                    "condition": "params.data.status === 'insufficient_data'",
                    "style": {"color": MUTED, "fontStyle": "italic"},
                }
            ]
        },
        dashGridOptions={
            "theme": {"function": f"themeQuartz.withParams({theme})"},
            "animateRows": False,
            "localeText": grid_locale(lang),
        },
        style={"height": "100%", "width": "100%"},
    )


#: when a grid of one row height measures its drawn text (rows loaded, paged, resized)
FIT_EVENTS = ("modelUpdated", "viewportChanged", "columnResized", "paginationChanged")


def fit_rows(grid: dag.AgGrid, base: int) -> dag.AgGrid:
    """``grid``, whose rows are all one height (the infinite row model), made as tall
    as the tallest wrapped text drawn in them and at least ``base`` px (``fitRows``
    in ``assets/dashAgGridFunctions.js``): a long English name or risk reason is
    never cut at its row, and no cell is measured by AG Grid's ``autoHeight``."""
    call = f"fitRows(params, {json.dumps(grid.id)}, {int(base)})"
    grid.eventListeners = {event: [call] for event in FIT_EVENTS}
    return grid


#: a number with two decimals, never "-0.00" (rounded first, then -0 + 0 is 0)
TWO_DECIMALS = (
    "params.value == null ? '' : (Math.round(params.value * 100) / 100 + 0).toFixed(2)"
)


def league_columns(
    catalogue: Catalogue,
    lang: str,
    *,
    peer: bool,
    group_names: dict[str, str],
    intervals: bool = False,
    grades: bool = True,
) -> list[dict]:
    """Grid columns of a league table: rank, name, score, Δrank, warning, grade
    (where ``grades``: the year has final grades),
    dimension scores, rank range, flags, group, note; each wide enough for its
    header (:func:`fit`).

    With ``peer``, rank and Δrank are those within the peer group. Score cells hold
    numbers (so they sort as numbers) shown with two decimals, never -0.00. Risk
    and grade sort by severity and grade order, not by code. The note is the
    media table's (:func:`_note_column`). Widths are proportions: the grid scales
    them to fill its width.
    """
    i, zh = LANGS.index(lang), lang == "zh"
    rank = "peer_rank" if peer else "rank"
    # a unit ranked now without a rank the period before (a frequency's first
    # period): the profile's words, not a blank cell
    no_previous = vocabulary.word("page_profile", "no_previous", lang)
    score = {
        "type": "numericColumn",
        "width": 160 if zh else 150,
        "minWidth": 84,
        "valueFormatter": {"function": TWO_DECIMALS},
    }
    name = {
        "colId": f"name_{lang}",
        "field": f"link_{lang}",  # "[name](/unit/D01)": opens the profile
        "headerName": HEADER["name"][i],
        "cellRenderer": "AppLink",
        "pinned": "left",
        "width": 220 if zh else 340,
        "minWidth": 140 if zh else 200,
        **_WRAP,
    }
    # what a leader reads first comes first (and stays in view on a laptop):
    # rank and name (pinned), score, change, warning, grade; then the dimensions
    cols = [
        {
            "field": rank,
            "headerName": HEADER[rank][i],
            "pinned": "left",
            "width": 90,
            "minWidth": 64,
            "type": "numericColumn",
        },
        name,
        {
            "field": "composite_score",
            "headerName": HEADER["composite_score"][i],
            **score,
            "cellStyle": {"fontWeight": 700},
        },
        fit(
            {
                "field": f"{rank}_change",
                "headerName": text("rank_change", lang),
                "width": 90,
                "minWidth": 86,
                **rank_change_style(none=(rank, no_previous)),
            },
            lang,
            [no_previous],
            lines=1 if zh else 2,
        ),
        _badge_column("risk_level", text("risk_level", lang), "risk_level", lang),
        *(
            [_badge_column("grade", text("grade", lang), "grade", lang)]
            if grades
            else []
        ),
        *[
            {"field": d, "headerName": catalogue.name(d, lang), **score}
            for d in catalogue.top_dimensions()
        ],
        *(
            [
                {
                    "field": "rank_interval",
                    "headerName": HEADER["rank_range"][i],
                    "width": 130,
                    "minWidth": 110,
                    "sortable": False,
                }
            ]
            if intervals and not peer
            else []
        ),
        {
            "field": "dq_flags",
            "headerName": text("dq", lang),
            "type": "numericColumn",
            "width": 100,
            "minWidth": 72,
            "valueFormatter": {
                "function": "params.value > 0 ? '⚑ ' + params.value : ''"
            },
            "cellStyle": {"color": DOWN},
        },
        {
            "field": "peer_group",
            "headerName": HEADER["peer_group"][i],
            "refData": group_names,
            "width": 150 if zh else 250,
            "minWidth": 100 if zh else 150,
            **_WRAP,
        },
        _note_column(lang),
    ]
    groups = list(group_names.values())
    return [
        fit(c, lang, groups if c.get("field") == "peer_group" else ()) for c in cols
    ]


def fit(col: dict, lang: str, words: Iterable[str] = (), lines: int = 1) -> dict:
    """``col`` widened (``minWidth``, ``width``) so its header never breaks inside a
    word — a Chinese header on one line (the stylesheet keeps Chinese words whole),
    an English one on at most three lines between words — and its longest cell
    text (``words``, or a badge column's words) fits on ``lines`` lines, broken
    between words. Widths are estimates from the grid's font sizes (header 16 px,
    cells 17 px)."""
    header = str(col.get("headerName", ""))
    need = _wrapped_px(header, 16, lines=1 if lang == "zh" else 3) + 56
    family = col.get("field") if col.get("field") in SORT_ORDER else None
    words = [*words, *(vocabulary.words(family, lang).values() if family else ())]
    need = max([need, *(_wrapped_px(w, 17, lines) + 36 for w in words)])
    out = dict(col)
    out["minWidth"] = max(int(col.get("minWidth", 0)), need)
    out["width"] = max(int(col.get("width", 0)), out["minWidth"])
    return out


def _text_px(text: str, size: float) -> int:
    """Estimated width of ``text`` at font ``size`` in whole px: the charts'
    estimate (:func:`plots.text_width`) with the grid font's 0.56 em Latin letters."""
    return round(text_width(text, size, latin=0.56))


def _wrapped_px(text: str, size: float, lines: int) -> int:
    """The narrowest width that sets ``text`` in at most ``lines`` lines breaking
    only between words (one line for ``lines=1``)."""
    if lines == 1 or " " not in text.strip():
        return _text_px(text, size)
    words = text.split()
    width = max(_text_px(w, size) for w in words)
    while True:
        count, line = 1, ""
        for w in words:
            joined = f"{line} {w}".strip()
            if _text_px(joined, size) <= width:
                line = joined
            else:
                count, line = count + 1, w
        if count <= lines:
            return width
        width += 4


#: the media table's column headers, as the published CSV
HEADER = vocabulary.MEDIA_HEADER


def _badge_column(field: str, header: str, family: str, lang: str) -> dict:
    """A coloured badge per code of a vocabulary ``family`` with colours (risk level,
    grade), its word in ``lang``; sorted by :data:`SORT_ORDER` (most severe warning,
    best grade first; blanks last), not by the code's letters."""
    names = json.dumps(vocabulary.words(family, lang), ensure_ascii=False)
    order = json.dumps(SORT_ORDER[family])
    return {
        "field": field,
        "headerName": header,
        "width": 110,
        "minWidth": 72,
        "valueFormatter": {"function": f"params.value ? {names}[params.value] : ''"},
        # assets/dashAgGridFunctions.js: codes in this order, blanks last
        "comparator": {"function": f"orderBy({order})"},
        "cellStyle": _badge_style("params.value", family),
    }


#: the order a badge column sorts in, first to last: warnings most severe first
#: (the vocabulary lists them least severe first), grades best first
SORT_ORDER = {
    "risk_level": list(vocabulary.RISK_LEVEL)[::-1],
    "grade": list(vocabulary.GRADE),
}


def _badge_style(code: str, family: str) -> dict:
    """AG Grid cell colours for the codes of colour ``family`` (``vocabulary.COLOURS``),
    ``code`` the JavaScript expression of the cell's code; white text on dark."""
    dark = ("#D55E00", "#0072B2", "#009E73")
    return {
        "styleConditions": [
            {
                "condition": f"{code} === '{k}'",
                "style": {
                    "background": colour,
                    "color": "white" if colour in dark else INK,
                    "fontWeight": 600,
                    "textAlign": "center",
                },
            }
            for k, colour in vocabulary.COLOURS[family].items()
        ]
    }


#: Long names wrap (a leader should never see "Municipal Bureau of…") in rows that grow.
_WRAP = {
    "wrapText": True,
    "autoHeight": True,
    "cellStyle": {"lineHeight": "1.35", "paddingTop": "9px", "paddingBottom": "9px"},
}


def rank_change_style(none: tuple[str, str] | None = None) -> dict:
    """Δrank as ▲/▼ with colour: previous − current rank, positive = moved up.

    ``none``: a rank field and the words a row ranked in it without a change says
    (``("rank", "无上期排名")``), in grey, wrapped; else such a cell is blank."""
    blank = "''"
    wrap = {}
    if none is not None:
        field, words = none
        said = json.dumps(words, ensure_ascii=False)
        blank = f"(params.data && params.data.{field} != null ? {said} : '')"
        wrap = {k: v for k, v in _WRAP.items() if k != "cellStyle"}
    style = _WRAP["cellStyle"] if wrap else {}
    return {
        "valueFormatter": {
            "function": f"params.value == null ? {blank} : params.value > 0 ? "
            "'▲ ' + params.value : params.value < 0 ? '▼ ' + (-params.value) : '–'"
        },
        **wrap,
        "cellStyle": {
            "styleConditions": [
                {"condition": "params.value > 0", "style": {**style, "color": UP}},
                {"condition": "params.value < 0", "style": {**style, "color": DOWN}},
            ],
            "defaultStyle": {**style, "color": MUTED},
        },
    }


def _note_column(lang: str) -> dict:
    """The published note (:func:`evaluation.analysis.views.league_notes`, as the
    media table says it): not ranked, imputed values, a dimension left unscored,
    a late agency's indicators left out."""
    return {
        "colId": "note",
        "field": f"note_{lang}",
        "tooltipField": f"note_{lang}",  # a long note in full on hover
        "headerName": HEADER["note"][LANGS.index(lang)],
        "sortable": False,
        **_WRAP,
        "cellStyle": {**_WRAP["cellStyle"], "color": DOWN},
        "width": 170 if lang == "zh" else 200,
        "minWidth": 120,
    }


def table_options(lang: str = "zh", page_size: int = 15) -> dict:
    """``dashGridOptions`` of :func:`table_grid`: paged, in ``lang`` (a page's language
    callback may send these again with its language)."""
    return {
        "domLayout": "autoHeight",
        "pagination": True,
        "paginationPageSize": page_size,
        "paginationPageSizeSelector": False,
        "animateRows": False,
        "localeText": grid_locale(lang),
    }


def table_grid(
    grid_id: str, *, page_size: int = 15, lang: str = "zh", **kwargs
) -> dag.AgGrid:
    """A read-only, sortable, filterable grid for the other pages' tables; callbacks
    fill ``rowData`` and ``columnDefs`` (see :func:`columns`). AG Grid's own words
    (paging, filters) are in ``lang``, Chinese by default."""
    return dag.AgGrid(
        id=grid_id,
        rowData=kwargs.pop("rowData", []),
        columnDefs=kwargs.pop("columnDefs", []),
        columnSize="responsiveSizeToFit",
        defaultColDef={
            "sortable": True,
            "filter": True,
            "resizable": True,
            "wrapText": True,
            "autoHeight": True,
            "wrapHeaderText": True,
            "autoHeaderHeight": True,
            "cellStyle": {
                "lineHeight": "1.4",
                "paddingTop": "6px",
                "paddingBottom": "6px",
            },
        },
        dashGridOptions=table_options(lang, page_size),
        style={"width": "100%", "fontFamily": FONT_FAMILY},
        **kwargs,
    )


def columns(pairs, lang: str | None = None) -> list[dict]:
    """Grid columns from ``(field, header)`` pairs; with ``lang``, each wide enough
    for its header (:func:`fit`)."""
    cols = [{"field": f, "headerName": h} for f, h in pairs]
    return [fit(c, lang) for c in cols] if lang else cols


# ----------------------------------------------------------------- appraisal
def appraisal_columns(catalogue: Catalogue, dims: list[str], lang: str) -> list[dict]:
    """Columns of an appraisal group's grade table: rank in the group, unit; the
    parts 考/评/议; deductions, bonus, final score, grade (coloured word, sorted best
    first); each level-1 dimension's year-end score (catalogue names); the rules'
    effects. Widths are fixed, wide enough for their headers (:func:`fit`; the
    unit and the rules take what is left)."""
    h = vocabulary.words("appraisal_header", lang)

    def number(field: str, header: str, **more) -> dict:
        col = {"field": field, "headerName": header, "type": "numericColumn"}
        return {
            **fit(col, lang),
            "valueFormatter": {"function": TWO_DECIMALS},
            **more,
        }

    def signed(field: str, sign: str) -> dict:  # deductions and bonus: blank if 0
        return number(
            field,
            h[field],
            valueFormatter={
                "function": f"params.value ? '{sign}' + params.value.toFixed(2) : ''"
            },
            cellStyle={"color": MUTED},
        )

    parts = ("periods_score", "review_score", "survey_score")
    return [
        fit(
            {
                "field": "group_rank",
                "headerName": h["group_rank"],
                "pinned": "left",
                "type": "numericColumn",
            },
            lang,
        ),
        {
            "field": "name",
            "headerName": h["name"],
            "pinned": "left",
            "width": 190 if lang == "zh" else 230,
            **_WRAP,
        },
        {
            "headerName": h["parts"],
            "marryChildren": True,
            "children": [number(f, h[f]) for f in parts],
        },
        signed("deductions", "−"),
        signed("bonus", "+"),
        number("score", h["score"], cellStyle={"fontWeight": 700}),
        _grade_column(h["final_grade"], lang),
        {
            "headerName": h["dims"],
            "marryChildren": True,
            "children": [number(f"dim_{d}", catalogue.name(d, lang)) for d in dims],
        },
        {
            "field": "note",
            "headerName": h["note"],
            "sortable": False,
            "flex": 1,
            "minWidth": 130,
            **_WRAP,
            "cellStyle": {**_WRAP["cellStyle"], "color": MUTED, "fontSize": "15px"},
        },
    ]


def leaf_columns(columns: list[dict]) -> list[dict]:
    """The columns of a definition with column groups, in order."""
    out = []
    for c in columns:
        out.extend(leaf_columns(c["children"]) if "children" in c else [c])
    return out


def _grade_column(header: str, lang: str) -> dict:
    """The final grade as a coloured word (优秀 blue … 不合格 vermilion); it sorts by
    the grades' order, best first, not by the word."""
    order = json.dumps(list(vocabulary.GRADE))
    names = json.dumps(vocabulary.words("grade", lang), ensure_ascii=False)
    return {
        "colId": "final_grade",
        "headerName": header,
        "width": 80 if lang == "zh" else 110,
        "valueGetter": {"function": f"{order}.indexOf(params.data.final_grade)"},
        # parenthesised: a leading "{" would read as a block, not an object
        "valueFormatter": {"function": f"({names})[params.data.final_grade] || ''"},
        "cellStyle": _badge_style("params.data.final_grade", "grade"),
    }


def grade_grid(
    grid_id, rows: list[dict], columns: list[dict], lang: str = "zh"
) -> dag.AgGrid:
    """A group's grade table, rows and columns given; up to 15 rows show in full,
    a longer table scrolls inside a fixed height. AG Grid's words in ``lang``."""
    theme = json.dumps(
        {
            "fontFamily": FONT_FAMILY,
            "fontSize": 16,
            "headerFontSize": 14,
            "rowHeight": 40,
            "accentColor": ACCENT,
        }
    )
    fits = len(rows) <= 15
    return dag.AgGrid(
        id=grid_id,
        rowData=rows,
        columnDefs=columns,  # fixed widths (see appraisal_columns): no resizing
        defaultColDef=COLUMN_DEFAULTS,
        getRowId="params.data.unit_id",
        dashGridOptions={
            "theme": {"function": f"themeQuartz.withParams({theme})"},
            "animateRows": False,
            "localeText": grid_locale(lang),
            **({"domLayout": "autoHeight"} if fits else {}),
        },
        style={"width": "100%", **({} if fits else {"height": "640px"})},
    )


#: a white card on the page's grey, as every page lays out its panels; it may
#: shrink below what it holds (``minWidth``), so a chart drawn wider is drawn again
#: to the screen (a phone's scrollbar or a turn to upright) rather than holding the
#: page wider than the screen
PANEL = {
    "background": "white",
    "borderRadius": "8px",
    "boxShadow": "0 1px 3px rgba(0, 0, 0, 0.12)",
    "padding": "8px 16px",
    "flex": "1 1 600px",
    "marginTop": "16px",
    "minWidth": 0,
}


def panel(children):
    return html.Div(children, style=PANEL)


def row(*children):
    """Panels side by side, wrapping on a narrow screen."""
    return html.Div(
        list(children), style={"display": "flex", "gap": "16px", "flexWrap": "wrap"}
    )
