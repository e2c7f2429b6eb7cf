"""Annual appraisal (/appraisal, 年度考评): the year-end grades as stored.

Choose an annual run (published, under 公示, or a draft after login); see where it
stands (草稿 / 公示中 with the 公示 and appeal window / 已发布, in force or not), each
appraisal group's grade table (市直部门, 县（市）区政府: rank in the group, 考/评/议,
deductions, bonus, final score and grade, the level-1 dimension scores), one unit's
three parts, its dimensions against its group's median and the rules applied to it
with their reasons and sources, and every rule of the appraisal with whom it applies
to and whether (and why) it was applied. Every number is a stored one
(``data.appraisal``); nothing is recomputed but the group medians.
"""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, callback, dcc, html, no_update

from dashboards import components, data
from evaluation.publish import plots, report, worded
from evaluation.publish.export import round_half_up, share_text
from evaluation.vocabulary import (
    COLOURS,
    FAMILIES,
    GRADE,
    RUN_STAGE,
    say_count,
    word,
)

dash.register_page(
    __name__,
    path="/appraisal",
    name="Appraisal",
    title="年度考评 · Annual appraisal",
    order=5,
    nav="nav_appraisal",
)
# the dropdowns' own words (搜索 / Search) follow the language switch
components.follow_language("appraisal-unit")

PART_KEYS = (
    ("periods_score", "periods"),
    ("review_score", "review"),
    ("survey_score", "survey"),
)


def t(key: str, lang: str) -> str:
    """A label of this page in ``lang`` (``vocabulary`` family ``page_appraisal``)."""
    return word("page_appraisal", key, lang)


def layout(**_query) -> html.Div:
    """Controls and empty panels; the run shown first is ``data.default_annual``."""
    run = data.default_annual()
    return html.Div(
        [
            html.Div(
                [
                    html.H2(
                        id="appraisal-heading",
                        style={"margin": "0 24px 0 0", "whiteSpace": "nowrap"},
                    ),
                    components.control(
                        "appraisal-run-label",
                        dcc.Dropdown(
                            id="appraisal-run",
                            options=run_options("zh"),
                            value=run,
                            clearable=False,
                            searchable=False,
                            style={"width": "440px"},
                        ),
                    ),
                    components.control(
                        "appraisal-unit-label",
                        dcc.Dropdown(
                            id="appraisal-unit",
                            labels=components.dropdown_labels(data.visitor_lang()),
                            clearable=False,
                            style={"width": "360px"},
                        ),
                    ),
                ],
                style={
                    "display": "flex",
                    "alignItems": "flex-end",
                    "gap": "24px",
                    "flexWrap": "wrap",
                },  # fmt: skip
            ),
            html.Div(id="appraisal-status", style={"marginTop": "14px"}),
            html.Div(id="appraisal-groups"),
            html.H3(id="appraisal-unit-heading", style={"marginTop": "28px"}),
            html.Div(id="appraisal-unit-body"),
            html.H3(id="appraisal-rules-heading", style={"marginTop": "28px"}),
            html.Div(id="appraisal-rules-holder"),
        ]
    )


@callback(
    Output("appraisal-run", "options"),
    Output("appraisal-run", "value"),
    Input("app-lang", "value"),
    State("appraisal-run", "value"),
)
def update_runs(lang, run):
    """The annual runs this visitor may see, labelled in the chosen language."""
    options = run_options(lang)
    visible = {o["value"] for o in options}
    return options, run if run in visible else data.default_annual()


@callback(
    Output("appraisal-heading", "children"),
    Output("appraisal-run-label", "children"),
    Output("appraisal-unit-label", "children"),
    Output("appraisal-status", "children"),
    Output("appraisal-groups", "children"),
    Output("appraisal-rules-heading", "children"),
    Output("appraisal-rules-holder", "children"),
    Input("appraisal-run", "value"),
    Input("app-lang", "value"),
)
def update_appraisal(run, lang):
    """Labels, the run's status and its appeals, the grades' distribution, one
    grade table per appraisal group, the rules."""
    labels = (t("heading", lang), t("run", lang), t("unit", lang))
    if run is None:
        empty = html.P(t("no_run", lang), style={"color": components.MUTED})
        return *labels, empty, [], t("rules", lang), None
    ap = data.appraisal(run)
    rows, columns = _rules_table(ap, lang)
    return (
        *labels,
        [status_banner(data.run_info(ap.run_id), lang), _appeals(ap, lang)],
        [
            _distribution(ap, lang),
            *(_group_block(ap, g, lang) for g in ap.groups()),
        ],
        t("rules", lang),
        _rules_html(rows, columns, lang),
    )


@callback(
    Output("appraisal-unit", "options"),
    Output("appraisal-unit", "value"),
    Input("appraisal-run", "value"),
    Input("app-lang", "value"),
    State("appraisal-unit", "value"),
)
def update_unit_choice(run, lang, unit):
    """The units of the run, group by group, best first; keep the unit chosen if
    the run has it, else the first."""
    if run is None:
        return [], None
    ap = data.appraisal(run)
    options = [
        {
            "label": f"{r[f'name_{lang}']}（{ap.group_name(g, lang)}）"
            if lang == "zh"
            else f"{r[f'name_{lang}']} ({ap.group_name(g, lang)})",
            "value": r["unit_id"],
        }
        for g in ap.groups()
        for _, r in data.group_grades(ap, g).iterrows()
    ]
    ids = [o["value"] for o in options]
    return options, unit if unit in ids else (ids[0] if ids else None)


@callback(
    Output("appraisal-unit", "value", allow_duplicate=True),
    Input({"type": "appraisal-grid", "group": ALL}, "cellClicked"),
    prevent_initial_call=True,
)
def choose_clicked(clicks):
    """A click on a grade row chooses its unit (the latest click of any table)."""
    done = [c for c in clicks or [] if c and c.get("rowId")]
    if not done:
        return no_update
    return max(done, key=lambda c: c.get("timestamp") or 0)["rowId"]


@callback(
    Output("appraisal-unit-heading", "children"),
    Output("appraisal-unit-body", "children"),
    Input("appraisal-run", "value"),
    Input("appraisal-unit", "value"),
    Input("app-lang", "value"),
)
def update_unit(run, unit, lang):
    """One unit: its three parts, how its grade came about, its dimensions against
    its group's median, the rules applied to it."""
    if run is None or unit is None:
        return t("detail", lang), None
    ap = data.appraisal(run)
    g = ap.grades.set_index("unit_id")
    if unit not in g.index:
        return t("detail", lang), None
    row = g.loc[unit]
    n = int((ap.grades["group"] == row["group"]).sum())
    rank = t("rank_of", lang).format(r=_int(row["group_rank"]), n=n)
    grade = _grade_word(row["final_grade"], lang)
    sep = " · "
    heading = sep.join(
        [row[f"name_{lang}"], ap.group_name(row["group"], lang), rank, grade]
    )
    body = html.Div(
        [
            components.row(
                components.panel(
                    [
                        dcc.Graph(
                            id="appraisal-parts",
                            figure=_parts_figure(ap, row, lang),
                            config=components.NO_BAR,
                        ),
                        html.H4(t("trail", lang), style={"margin": "4px 0"}),
                        _trail(row, lang),
                    ]
                ),
                components.panel(
                    dcc.Graph(
                        id="appraisal-dims",
                        figure=_dims_figure(ap, unit, lang),
                        config=components.NO_BAR,
                    )
                ),
            ),
            components.panel(
                [
                    html.H4(t("applied", lang), style={"margin": "6px 0"}),
                    _applied(ap, unit, lang),
                ]
            ),
        ]
    )
    return heading, body


# ------------------------------------------------------------------- status
def run_name(run_id: str, lang: str) -> str:
    """An annual run as people name it: ``2025年度考评 第2版`` / ``2025 appraisal,
    version 2`` (never its id)."""
    r = data.annual_runs()
    hit = r[r["run_id"] == run_id]
    if hit.empty:  # a run this visitor may not see: its year and version from the id
        year, _, version = str(run_id).removeprefix("annual-").partition(".v")
        year = year.split("-")[0]
    else:
        year, version = hit["period"].iloc[0], hit["version"].iloc[0]
    return t("run_name", lang).format(year=year, version=int(version))


def run_options(lang: str) -> list[dict]:
    """The annual runs this visitor may see, newest first, by name and stage:
    ``2025年度考评 第2版（公示中）``."""
    k = 0 if lang == "zh" else 1
    tag = "{}（{}）" if lang == "zh" else "{} ({})"
    return [
        {
            "label": tag.format(
                run_name(x["run_id"], lang), RUN_STAGE[data.stage(x)][k]
            ),
            "value": x["run_id"],
        }
        for _, x in data.annual_runs().iloc[::-1].iterrows()
    ]


def status_banner(info: dict, lang: str) -> html.Div:
    """Where the run stands, in sentences: 草稿 / 公示中 (the 公示 dates, which are
    the appeal window, and the appeals received) / 已发布 (in force or replaced)."""
    zh = lang == "zh"
    k = 0 if zh else 1
    key = info["stage"]
    run = info["run_id"]
    lines = []
    start = data.local_date(info.get("notice_from"), lang)
    until = data.local_date(info.get("notice_until"), lang)
    window = t("notice_window", lang).format(start=start, until=until)
    if not (start and until):
        window = ""
    if key == "draft":
        lines.append(t("status_draft", lang))
    elif key in ("notice", "corrected"):
        if window:
            lines.append(t("status_appeal", lang).format(window=window, until=until))
        else:
            lines.append(t("status_no_dates", lang))
        until_raw = info.get("notice_until")
        if until and str(until_raw) < data.beijing_today().isoformat():
            lines.append(t("status_ended", lang).format(until=until))
        filed, pending = info.get("cases", (0, 0))
        if filed:
            lines.append(t("status_appeals", lang).format(filed=filed, pending=pending))
        if key == "corrected":
            lines.append(
                t("status_corrected", lang).format(
                    run=run_name(info["corrected_by"], lang)
                )
            )
    else:
        when = data.local_date(info.get("published_at"), lang)
        if when:
            lines.append(t("status_final", lang).format(when=when))
        if window:
            lines.append(t("status_window", lang).format(window=window))
        if key == "superseded" and info.get("corrected_by"):
            lines.append(
                t("status_replaced", lang).format(
                    run=run_name(info["corrected_by"], lang)
                )
            )
    live = info.get("in_force_run")
    if key == "in_force":
        lines.append(t("status_in_force", lang))
    elif key != "superseded" and live:
        lines.append(t("status_not_in_force", lang).format(live=run_name(live, lang)))
    elif key != "superseded":
        lines.append(t("status_none_in_force", lang))
    if info.get("supersedes") and str(info["supersedes"]) != "nan":
        reason = info.get("reason") or ""
        lines.append(
            components.quoting(
                t("status_corrects", lang),
                lang,
                {"reason": reason},
                run=run_name(info["supersedes"], lang),
            )
        )
        # the appeal the reason names, in words, as the report and the letters
        # say it (its grounds and the review's note as the clerk wrote them)
        case = data.appeal(str(reason)) if reason else None
        if case is not None:
            names = {u: n[k] for u, n in data.graded_names(run).items()}
            fields = report.case_fields(case, names, lang)
            filed = {f: fields.pop(f) for f in ("grounds", "by", "note")}
            lines.append(
                components.quoting(
                    word("report", "correction_case", lang), lang, filed, **fields
                )
            )
    colour = COLOURS["run_stage"][key]
    return html.Div(
        [
            html.Span(
                RUN_STAGE[key][k],
                id="appraisal-stage",
                style={
                    "background": colour,
                    "color": "white",
                    "borderRadius": "14px",
                    "padding": "3px 14px",
                    "fontWeight": 600,
                    "whiteSpace": "nowrap",
                },
            ),
            html.Span(
                run_name(run, lang), id="appraisal-run-name", style={"fontWeight": 600}
            ),
            html.Div(
                [html.Div(x) for x in lines if x],
                id="appraisal-status-text",
                style={"flex": "1 1 600px"},
            ),
        ],
        style={
            "display": "flex",
            "alignItems": "baseline",
            "gap": "16px",
            "flexWrap": "wrap",
            "background": "white",
            "borderLeft": f"6px solid {colour}",
            "borderRadius": "6px",
            "padding": "10px 16px",
            "boxShadow": "0 1px 3px rgba(0, 0, 0, 0.12)",
        },
    )


# ------------------------------------------------------------------- grades
def grade_rows(ap: data.Annual, group: str, lang: str) -> list[dict]:
    """A group's grade rows for the grid, highest score first: only the fields shown
    (numbers rounded half up to 2 places, as published)."""
    g = data.group_grades(ap, group)
    notes = data.effects(ap, lang)
    tie = t("quota_tie", lang)
    dims = [f"dim_{d}" for d in ap.dimensions]
    shown = g[
        [
            "unit_id",
            "group_rank",
            *[p for p, _ in PART_KEYS],
            "deductions",
            "bonus",
            "score",
            "final_grade",
            *dims,
        ]
    ].assign(
        name=g[f"name_{lang}"],
        note=[
            "；".join(x for x in (notes.get(u, ""), tie if q else "") if x)
            for u, q in zip(g["unit_id"], g["quota_tie"].astype(bool), strict=True)
        ],
    )
    rows = data.records(shown)
    for r in rows:
        r["group_rank"] = _int(r["group_rank"])
    return rows


def _group_block(ap: data.Annual, group: str, lang: str) -> html.Div:
    rows = grade_rows(ap, group, lang)
    columns = components.appraisal_columns(ap.catalogue, ap.dimensions, lang)
    n = f"{len(rows)}{t('units_n', lang)}"
    title = (
        f"{ap.group_name(group, lang)}（{n}）"
        if lang == "zh"
        else (f"{ap.group_name(group, lang)} ({n})")
    )
    return html.Div(
        [
            html.H3(title, style={"margin": "22px 0 8px"}),
            html.Div(
                _localised(
                    components.grade_grid(
                        {"type": "appraisal-grid", "group": group}, rows, columns
                    ),
                    lang,
                ),
                id=f"appraisal-group-{group}",
                style={
                    "background": "white",
                    "borderRadius": "8px",
                    "boxShadow": "0 1px 3px rgba(0, 0, 0, 0.12)",
                },
            ),
        ]
    )


def _distribution(ap: data.Annual, lang: str) -> html.Div:
    """How many units got each grade, group by group (the committee report's
    figure), counted from the stored final grades of this run only."""
    groups = {g: ap.group_name(g, lang) for g in ap.groups()}
    fig = plots.plot_grade_distribution(ap.grades, groups, lang=lang)
    fig.update_layout(
        width=None,
        autosize=True,
        title={"text": t("distribution", lang), "x": 0},
        margin={"t": 80},
        legend={"y": 1.0},
    )
    fig.update_xaxes(title_text=t("units_axis", lang))
    return components.panel(
        dcc.Graph(id="appraisal-distribution", figure=fig, config=components.NO_BAR)
    )


def _appeals(ap: data.Annual, lang: str) -> html.Div:
    """The appeals filed against this run: who, when, why, and the decision."""
    cases = data.appeals(ap.run_id)
    heading = html.H4(t("appeals", lang), style={"margin": "10px 0 6px"})
    if cases.empty:
        return html.Div(
            [heading, html.P(t("no_appeals", lang), style={"color": components.MUTED})],
            id="appraisal-appeals",
        )
    k = 0 if lang == "zh" else 1
    names = ap.grades.set_index("unit_id")[f"name_{lang}"]
    decision = FAMILIES["appeal_decision"]
    rows = [
        {
            "unit": names.get(c.unit_id, _text(c.filed_by)),
            "filed_by": unit_named(_text(c.filed_by), ap.grades, lang),
            "filed_at": data.local_date(_text(c.filed_at), lang),
            "grounds": _text(c.grounds),
            "decision": decision.get(_text(c.decision) or "pending", ("", ""))[k],
            "decided_at": data.local_date(_text(c.decided_at), lang),
        }
        for c in cases.itertuples()
    ]
    columns = _originals(
        components.columns(
            (
                (f, t(f, lang))
                for f in (
                    "unit",
                    "filed_by",
                    "filed_at",
                    "grounds",
                    "decision",
                    "decided_at",
                )
            ),
            lang=lang,
        ),
        lang,
    )
    grid = components.table_grid(
        "appraisal-appeals-grid", rowData=rows, columnDefs=columns, page_size=10
    )
    return html.Div([heading, _localised(grid, lang)], id="appraisal-appeals")


def _localised(grid, lang: str):
    """A grid built here with AG Grid's own words (paging, filters) in ``lang``:
    AG Grid reads them (``localeText``) only when a grid is created, so every grid
    of this page is built by the callbacks of the chosen language."""
    grid.dashGridOptions = {
        **grid.dashGridOptions,
        "localeText": components.grid_locale(lang),
    }
    return grid


# --------------------------------------------------------------------- unit
def _parts_figure(ap: data.Annual, row, lang: str) -> dict:
    """考、评、议 as bars, each labelled with its share of the year-end score, exact
    as the report and the letter write it (``share_text``: 37.5%, not 38%)."""
    shares = ap.config.get("shares", {})
    names, values = [], []
    for field, key in PART_KEYS:
        share = shares.get(key)
        pct = f" {share_text(share)}" if share is not None else ""
        names.append(f"{t(f'part_{key}', lang)}{pct}")
        values.append(row[field])
    return plots.plot_parts(
        names, values, title=t("parts", lang), left=190 if lang == "en" else 130
    )


def _trail(row, lang: str) -> html.Table:
    """combined − deductions + bonus = score; grade by score → after the rules →
    after the quota → override → final."""
    two = lambda v: round_half_up([v])[0] or "—"  # noqa: E731
    rows = [
        (t("combined", lang), two(row["combined"])),
        (t("deductions", lang), _signed(row["deductions"], "−")),
        (t("bonus", lang), _signed(row["bonus"], "+")),
        (t("score", lang), two(row["score"])),
        (t("by_score", lang), _grade_word(row["grade_by_score"], lang)),
        (t("after_rules", lang), _grade_word(row["grade_after_rules"], lang)),
        (t("after_quota", lang), _grade_word(row["grade_after_quota"], lang)),
        (t("override", lang), _grade_word(row["override"], lang) or t("none", lang)),
        (t("final", lang), _grade_word(row["final_grade"], lang)),
    ]
    if str(row.get("parts_missing") or ""):
        rows.insert(1, (t("missing", lang), str(row["parts_missing"])))
    cell = {"padding": "3px 14px 3px 0"}
    return html.Table(
        [
            html.Tr(
                [
                    html.Td(a, style={**cell, "color": components.MUTED}),
                    html.Td(b, style={**cell, "fontWeight": 600}),
                ]
            )
            for a, b in rows
        ],
        id="appraisal-trail",
        style={"borderCollapse": "collapse", "fontSize": "16px"},
    )


def _dims_figure(ap: data.Annual, unit: str, lang: str) -> dict:
    d = data.unit_dimensions(ap, unit)
    return plots.plot_group_dimensions(
        d,
        [ap.catalogue.name(x, lang) for x in d["node_id"]],
        title=t("dims", lang),
        unit=t("this_unit", lang),
        median=t("median", lang),
        lang=lang,
    )


def _applied(ap: data.Annual, unit: str, lang: str):
    """The unit's rules applied: rule, effect, reason, source, approval."""
    ra = data.unit_rules(ap, unit)
    if ra.empty:
        return html.P(t("none", lang), id="appraisal-applied")
    zh = lang == "zh"
    names = worded.rule_names(ap.rules, lang)
    rows = [
        {
            "rule": names.get(r.rule_id, r.rule_id),
            "effect": r.effect_zh if zh else r.effect,
            "reason": r.reason_zh if zh else r.reason_en,
            "source": worded.rule_source(r.source, lang),
            "approval": " ".join(
                x
                for x in (
                    _text(r.approved_by),
                    data.local_date(_text(r.approved_on), lang),
                    _text(r.reference),
                )
                if x
            ),
        }
        for r in ra.itertuples()
    ]
    fields = ("rule", "effect", "reason", "source", "approval")
    columns = _originals(
        components.columns(((f, t(f, lang)) for f in fields), lang=lang), lang
    )
    return _localised(
        components.table_grid(
            "appraisal-applied", rowData=rows, columnDefs=columns, page_size=10
        ),
        lang,
    )


# -------------------------------------------------------------------- rules
def _rules_table(ap: data.Annual, lang: str) -> tuple[list[dict], list[dict]]:
    """Every rule of the appraisal: whom it applies to, its source and original
    text, and whether it was applied (and why not); the columns (``field``,
    ``headerName``) with their shares of the width (``flex``)."""
    k = 0 if lang == "zh" else 1
    page, kinds = FAMILIES["page_appraisal"], FAMILIES["rule_kind"]
    rows = [
        {
            "rule": getattr(r, f"name_{lang}"),
            "applies_to": page.get(f"applies_{r.applies_to}", (r.applies_to,) * 2)[k],
            "kind": kinds.get(r.kind, (r.kind,) * 2)[k],
            "version": r.version,
            "source": r.source,
            "quote": r.quote_zh,
            "note": r.note_zh,
            "status": getattr(r, f"status_{lang}"),
            "affected": _touched(int(r.affected), r.applies_to, lang),
            "active": bool(r.active),
        }
        for r in ap.rules.itertuples()
    ]
    fields = (
        "rule",
        "applies_to",
        "kind",
        "version",
        "source",
        "quote",
        "note",
        "status",
        "affected",
    )
    columns = components.columns((f, t(f, lang)) for f in fields)
    width = {"rule": 2, "quote": 3, "note": 2.5, "status": 2.5, "source": 1.8}
    for c in columns:
        c["flex"] = width.get(c["field"], 1)
    return rows, columns


def _rules_html(rows: list[dict], columns: list[dict], lang: str) -> html.Div:
    """The rules as a plain table, every row as tall as its text: a handful of
    rules (six in the sample), each read through, so neither paged nor cut (AG
    Grid measured its wrapped rows after drawing them and could leave the last one
    cut inside its frame). Columns as wide as their share (``flex``); on the
    English page a Chinese original is marked (``zh-original``) as the grids mark
    it; a cell names its column (``data-col``)."""
    total = sum(c.get("flex", 1) for c in columns)
    head = html.Tr(
        [
            html.Th(
                c["headerName"],
                style={"width": f"{100 * c.get('flex', 1) / total:.1f}%"},
                **{"data-col": c["field"]},
            )
            for c in columns
        ]
    )

    def cell(row: dict, field: str) -> html.Td:
        value = str(row.get(field) or "")
        quoted = lang == "en" and field in ORIGINALS and components.HAN.search(value)
        muted = field == "status" and not row["active"]
        return html.Td(
            value,
            className="zh-original" if quoted else ("not-applied" if muted else None),
            lang="zh" if quoted else None,
            **{"data-col": field},
        )

    body = [html.Tr([cell(r, c["field"]) for c in columns]) for r in rows]
    return html.Div(
        html.Table(
            [html.Thead(head), html.Tbody(body)],
            id="appraisal-rules",
            className="rules-table",
            style={"fontFamily": components.FONT_FAMILY},
        ),
        style={**components.PANEL, "padding": "4px 8px", "overflowX": "auto"},
    )


#: columns quoting Chinese originals, shown as written on the English page too:
#: the policy documents (source, quote), the rules' notes, the committee's
#: approvals, and records as the office filed them (a reason naming an award:
#: 获省政府通报表扬; an appeal's grounds; an appellant that is no unit graded)
ORIGINALS = {"source", "quote", "note", "approval", "reason", "grounds", "filed_by"}


def _originals(columns: list[dict], lang: str) -> list[dict]:
    """``columns`` with the Chinese originals marked (class ``zh-original``) on the
    English page, cell by cell where the text is Chinese (a built-in rule's source
    reads in English: This year's appraisal rules: the quota for excellent); the
    headers of the policy texts say "(Chinese)"."""
    if lang == "en":
        han = "/[\\u3400-\\u4dbf\\u4e00-\\u9fff]/.test(params.value)"
        for c in columns:
            if c.get("field") in ORIGINALS:
                c["cellClassRules"] = {"zh-original": f"params.value && {han}"}
    return columns


def _touched(n: int, applies_to: str, lang: str) -> str:
    """``35个单位`` / ``67人``; ``35 units`` / ``67 persons``, ``1 unit`` /
    ``1 person`` (as the committee report counts them)."""
    who = "person" if applies_to == "person" else "unit"
    return say_count("page_appraisal", f"touched_{who}", n).text(lang)


# ------------------------------------------------------------------- pieces
def unit_named(name: str, grades, lang: str) -> str:
    """A unit named as a clerk wrote it (an appeal's 申诉单位: 市交通运输局) in
    ``lang``: a unit graded (``grades``: ``name_zh``, ``name_en``) by its name in
    ``lang`` (its Chinese one where it has no English); any other name as written."""
    if lang == "zh":
        return name
    hit = grades.loc[grades["name_zh"] == name, "name_en"]
    return next((str(x) for x in hit if _text(x)), name)


def _grade_word(code, lang: str) -> str:
    if code is None or str(code) in ("", "nan", "None"):
        return ""
    return GRADE.get(code, (code, code))[0 if lang == "zh" else 1]


def _text(value) -> str:
    """A stored text cell; '' for a missing one."""
    return (
        "" if value is None or str(value) in ("", "nan", "None", "<NA>") else str(value)
    )


def _int(value):
    return None if value is None or str(value) in ("nan", "<NA>") else int(value)


def _signed(value, sign: str) -> str:
    """``−1.50`` / ``+2.00``; ``0.00`` when nothing was deducted or added: a figure
    of the sum combined − deductions + bonus = score, written as the others are
    (two decimals), so that the lines add up as read."""
    text = round_half_up([value])[0]
    return f"{sign}{text}" if text and float(text) else "0.00"
