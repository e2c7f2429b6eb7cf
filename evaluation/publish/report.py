"""The committee report: HTML and PDF for a year's appraisal, in Chinese or English.

Built from a stored annual run (nothing recomputed), read page by page by a member of
the appraisal committee (考评委员会):

* the overview: the grade distribution per appraisal group (市直部门 / 县（市）区政府),
  then one grade table per group, in the stored order (group by group, best first),
  with the group rank, each part (考、评、议), deductions and bonus points, the score,
  every level-1 dimension's year-end score, each rule's effect, the override, the
  final grade and the data-quality flags of the year;
* the rules: every rule of ``appraisal.yaml`` (the stored ``rules`` table), whom it
  applies to (单位 / 个人), its source (document number and article, the original
  sentence, how it is applied here), whether it is applied and how many it touched;
* one page per department, in the same order: the score and its parts, the
  dimensions against the appraisal group's median, the rules applied to it, its
  data-quality flags with their reasons, the year's warnings, the survey;
* an annex of proposed individual outcomes (``persons``), for the personnel
  department and never part of a department's grade;
* the committee's sign-off block (审定意见, signatures, date), with the run, its
  status and its 公示 dates.

HTML by jinja2, PDF by WeasyPrint, figures by plotly exported to PNG with kaleido
(Debian's chromium), one browser for the whole report. Times are Beijing time.

Rank ranges: the grades are stored, but how firm each department's place by score is
comes from :func:`final_rank_intervals`, run at render time (seeded, so the same every
time) with the uncertainty spec stored with a published run of the year: the
catalogue's open choices move the annual composite, and the appraisal's own rules
carry them into the final score. Without such a spec the report says so.
"""

from __future__ import annotations

import base64
import sys
import tempfile
import warnings as pywarnings
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from scipy.stats import rankdata
from tqdm import tqdm

from evaluation import vocabulary as V
from evaluation.analysis import uncertainty as U
from evaluation.analysis.views import flags_in
from evaluation.appraisal import (
    GRADES,
    PERSON_GRADES,
    Config,
    annual_period,
    compare_grades,
    dimension_gaps,
    parse_config,
    weighted_mean,
)
from evaluation.appraisal.grades import places, published, quota_moves, share_text
from evaluation.appraisal.rules import VETO_DECLINED, citation, proposal
from evaluation.errors import EvaluationError
from evaluation.files import replacing
from evaluation.intake.status import owed_series
from evaluation.periods import date_zh, name_zh
from evaluation.publish import plots
from evaluation.publish.export import (
    approved_text,
    round_half_up,
    uncertainty_choices,
)
from evaluation.publish.media import typical_gap_note
from evaluation.publish.store import BEIJING, graded_names, not_graded, stage
from evaluation.result import Result, rank_range
from evaluation.risk.quality import CHECKS
from evaluation.vocabulary import GRADE, QUALITY_CHECK, RISK_LEVEL, signed

DIM_PREFIX = "dim_"


def texts(lang: str) -> dict:
    """The report's words in ``lang`` (``vocabulary`` family ``report``), with the
    rank-range header, whom a rule applies to and the run statuses."""
    if lang not in V.LANGS:
        raise ValueError(f"lang must be zh or en, not {lang!r}")
    return {
        **V.words("report", lang),
        "rank_range": V.MEDIA_HEADER["rank_range"].text(lang),
        "applies": V.words("applies_to", lang),
        "statuses": V.words("run_status", lang),
    }


def render_html(
    result: Result,
    tables: dict[str, pd.DataFrame],
    *,
    config: Config,
    lang: str = "zh",
    run_id: str = "",
    status: str = "",
    rules_version: str = "",
    units: list[str] | None = None,
    intervals: pd.DataFrame | None = None,
    notice: tuple[object, object] = (None, None),
    generated: datetime | None = None,
    progress: bool | None = None,
    correction: dict | None = None,
) -> str:
    """The report as one self-contained HTML page (figures embedded as PNG).

    ``tables``: the annual run's ``grades`` (sorted by appraisal group, then score),
    ``rules_applied``, ``survey``, ``rules`` and ``persons``. ``config``: the
    appraisal's configuration (groups, survey groups, thresholds, quota). ``units``
    limits the department pages (default: every unit), which keep the grades' order.
    ``intervals``: the final score's rank intervals from :func:`final_rank_intervals`
    (with ``attrs["source"]``, the run whose spec drove them); without them the report
    says none are available. ``notice``: the 公示 dates (from, until), if any.
    ``generated``: the time printed (default now), shown in Beijing time.
    ``progress``: a bar on stderr over the pages and figures (default: when stderr
    is a terminal). ``correction``: what this version corrects, from
    :func:`correction_from_store` (a 更正说明 on the first page), if anything.
    """
    t = texts(lang)
    k = 0 if lang == "zh" else 1
    cat = result.catalogue
    grades = tables["grades"]
    missing = {"group", "group_rank", "bonus"} - set(grades.columns)
    if missing:
        raise ValueError(
            f"run {run_id or '(unnamed)'} was stored by an earlier appraisal (its "
            f"grades have no {', '.join(sorted(missing))}): appraise the year again "
            "from its annual run (evaluation score DATA --period YEAR)"
        )
    applied = tables["rules_applied"]
    survey = tables["survey"]
    rules = tables.get("rules")
    persons = tables.get("persons")
    year = str(config.year)
    name_col = "name_zh" if k == 0 else "name_en"

    groups = _groups(config, grades, k)  # id → name, in the config's order
    sizes = grades.groupby("group", sort=False).size()
    peer_name = {g.id: (g.name_zh, g.name_en)[k] for g in cat.peer_groups}
    rater_name = {g.id: (g.name_zh, g.name_en)[k] for g in config.survey.groups}
    dims = [c for c in grades.columns if c.startswith(DIM_PREFIX)]
    dim_names = [cat.name(c[len(DIM_PREFIX) :], lang) for c in dims]
    # each unit's dimensions against its group's median, as letters and dashboard
    gaps = dict(tuple(dimension_gaps(grades).groupby("unit_id", sort=False)))
    effect_col = "effect_zh" if k == 0 else "effect"
    effects = applied.groupby("unit_id", sort=False)[effect_col].agg(t["semi"].join)
    flags = _year_flags(result.flags, year)
    ranges = _rank_text(intervals, lang)
    n_draws = int(intervals.attrs["spec"]["n"]) if ranges is not None else 0

    absences = _absence_rows(result, lang)
    # the event types of each veto: the warnings behind one are never left out
    vetoes = {r.id: set(r.events) for r in config.rules if r.kind == "veto"}

    # ---- the grade tables, one per appraisal group, in the stored order
    shares = config.shares
    head = _grade_head(t, shares, dim_names, ranges is not None)
    group_tables = []
    distribution = _distribution_rows(grades, groups, k)
    for i, (gid, gname) in enumerate(groups.items()):
        rows = []
        for r in grades[grades["group"] == gid].itertuples():
            f = flags[flags["unit_id"] == r.unit_id]
            nums = round_half_up(
                [r.periods_score, r.review_score, r.survey_score, r.deductions,
                 r.bonus, r.score]
            )  # fmt: skip
            cells = [
                (_int(r.group_rank), "num"),
                (getattr(r, name_col), "name"),
                *[(v, "num") for v in nums],
                *(
                    [(ranges.get(r.unit_id, ""), "num nw")]
                    if ranges is not None
                    else []
                ),
                *[(v, "num dim") for v in round_half_up([getattr(r, c) for c in dims])],
                (GRADE[r.grade_by_score][k], "nw"),
                (effects.get(r.unit_id, ""), "small"),
                (_override(r.override, k), "small"),
                (GRADE[r.final_grade][k], f"nw grade-{r.final_grade}"),
                (_flag_cell(f, t, k), "flag small" if len(f) else ""),
            ]
            rows.append(
                {
                    "unit_id": r.unit_id,
                    "cells": [{"text": c, "cls": cls} for c, cls in cells],
                }
            )
        group_tables.append(
            {
                "id": gid,
                "heading": V.say_count(
                    "report", "group_heading", int(sizes[gid]), name=gname
                ).text(lang),
                "rows": rows,
                "distribution": t["group_dist"].format(
                    counts=t["sep"].join(
                        t["group_dist_item"].format(grade=GRADE[x][k], n=n)
                        for x, n in zip(GRADES, distribution[i][2:], strict=True)
                    )
                ),
            }
        )

    # ---- the rules
    rule_sections = _rule_sections(rules, t, k, config)
    quota_n = applied.loc[applied["rule_id"] == "quota", "unit_id"].nunique()
    override_n = applied.loc[applied["rule_id"] == "override", "unit_id"].nunique()
    g = config.grades
    rule_lines = [
        t["thresholds"].format(e=g.excellent, g=g.good, p=g.pass_),
        *(
            [
                V.say_count(
                    "report",
                    f"quota_{g.quota.per}",
                    int(quota_n),
                    share=share_text(g.quota.share),
                    example=places(g.quota.share, 13),
                ).text(lang)
            ]
            if g.quota is not None
            else []
        ),
        V.say_count("report", "overrides", int(override_n)).text(lang),
    ]

    # ---- the department pages, in the grades' order
    order = grades["unit_id"].tolist()
    if units is not None:
        graded = set(order)
        unknown = [u for u in dict.fromkeys(units) if u not in graded]
        if unknown:
            raise not_graded(run_id, unknown, graded_names(grades))
    wanted = set(order if units is None else units)
    keep = [u for u in order if u in wanted]  # the grades' order, whatever was asked
    figures = [plots.plot_grade_distribution(grades, groups, lang=lang)]
    interval_groups = []
    if ranges is not None:
        names_k = grades.set_index("unit_id")[name_col].to_dict()
        for gid, gname in groups.items():
            part = intervals[
                intervals["unit_id"].isin(grades.loc[grades["group"] == gid, "unit_id"])
            ]
            interval_groups.append({"heading": gname, "index": len(figures)})
            figures.append(plots.plot_group_rank_intervals(part, names_k, lang=lang))
    first = len(figures)
    show = progress if progress is not None else sys.stderr.isatty()
    bar = tqdm(
        total=first + 2 * len(keep),  # each page, then each figure
        desc="报告" if k == 0 else "report",
        unit="步" if k == 0 else "step",
        file=sys.stderr,
        disable=not show,
    )
    with bar:
        by_unit = grades.set_index("unit_id")
        profiles = []
        for unit in keep:
            bar.set_postfix_str(unit, refresh=False)
            row = by_unit.loc[unit]
            figures.append(
                plots.plot_dimensions_against_median(
                    dim_names,
                    gaps[unit]["score"].to_numpy(),
                    gaps[unit]["group_median"].to_numpy(),
                    unit=t["fig_mine"],
                    group_median=t["fig_median"],
                )
            )
            profiles.append(
                _profile(
                    result, row, unit, t=t, k=k, year=year, dim_names=dim_names,
                    gaps=gaps[unit], groups=groups, sizes=sizes,
                    peer_name=peer_name, rater_name=rater_name, applied=applied,
                    flags=flags[flags["unit_id"] == unit], survey=survey,
                    vetoes=vetoes,
                    rank_range=(
                        t["interval_line"].format(
                            header=t["rank_range"], text=ranges.get(unit, ""), n=n_draws
                        )
                        if ranges is not None and ranges.get(unit, "")
                        else t["interval_line_none"].format(header=t["rank_range"])
                    ),
                )
            )  # fmt: skip
            bar.update()
        bar.set_postfix_str("", refresh=False)
        images = _png_data_urls(figures, bar)
    for p, image in zip(profiles, images[first:], strict=True):
        p["figure"] = image
    for gi in interval_groups:
        gi["figure"] = images[gi["index"]]

    # on each unit's page, under the warnings it lists: what a typical gap is, for
    # the robust-z peer warnings among them (none listed: no note). Each page is
    # printed and handed to its unit alone, so each says it for itself.
    for p in profiles:
        p["typical_gap"] = typical_gap_note(cat, p.pop("shown"), lang)
    now = (generated or datetime.now(BEIJING)).astimezone(BEIJING)
    start, end = notice
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("evaluation.publish", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
    )
    return env.get_template("committee_report.html.j2").render(
        lang=lang,
        t=t,
        year=year,
        name=(config.name_zh, config.name_en)[k],
        css_footer=_css_string(f"{(config.name_zh, config.name_en)[k]} · {run_id}"),
        css_page=_css_string(t["page"])
        .replace("{page}", '" counter(page) "')
        .replace("{pages}", '" counter(pages) "'),
        run_id=run_id,
        correction=_correction_lines(correction, grades, t, k),
        absences=absences,
        absences_head=[
            t["absences_agency"],
            t["absences_periods"],
            t["absences_indicators"],
            t["absences_units"],
        ],
        distribution_head=[
            t["group"],
            t["n_units"],
            *(GRADE[x][k] for x in GRADES),
        ],
        distribution_rows=distribution,
        distribution=images[0],
        grade_head=head,
        grade_cols=_grade_cols(len(dims), ranges is not None, lang),
        grade_note=t["grades_note"].format(year=year),
        group_tables=group_tables,
        interval_note=_interval_note(intervals, t, year),
        interval_groups=interval_groups,
        rules_intro=t["rules_intro"].format(version=rules_version or config.version),
        rule_sections=rule_sections,
        rule_lines=rule_lines,
        rule_head=[
            t["rule"],
            t["applies_to"],
            t["source"],
            t["quote"],
            t["note"],
            t["rule_status"],
            t["affected"],
        ],  # fmt: skip
        survey_head=[
            t["rater_group"],
            t["ballots"],
            t["valid"],
            t["mean"],
            t["response"],
            t["state"],
        ],  # fmt: skip
        profiles=profiles,
        annex_head=[
            t["person"],
            t["person_unit"],
            t["faults"],
            t["proposed"],
            t["reason"],
        ],  # fmt: skip
        annex_rows=_person_rows(persons, grades, k),
        runinfo=" · ".join(
            f"{label}{t['colon']}{value}"
            for label, value in [
                (t["run"], run_id),
                (t["status"], t["statuses"].get(status, status)),
                *(
                    [
                        (
                            t["notice"],
                            t["notice_range"].format(
                                start=_date_text(start, lang), end=_date_text(end, lang)
                            ),
                        )
                    ]
                    if start and end
                    else []
                ),
                (t["rules_version"], rules_version or config.version),
                (t["generated"], _datetime_text(now, lang)),
            ]
        ),  # fmt: skip
    )


def write_pdf(html: str, path: str | Path, *, progress: bool | None = None) -> Path:
    """Render the HTML to PDF with WeasyPrint (atomically: temp file + rename).
    ``progress``: a bar on stderr over the layout and the writing (default: when
    stderr is a terminal)."""
    from weasyprint import HTML  # lazy: about 1 s to import, for PDFs only

    path = Path(path)
    show = progress if progress is not None else sys.stderr.isatty()
    with replacing(path, suffix=".pdf") as tmp:
        with tqdm(
            total=2, desc="PDF", unit="step", file=sys.stderr, disable=not show
        ) as bar:
            bar.set_postfix_str("layout", refresh=True)
            document = HTML(string=html).render()
            bar.update()
            bar.set_postfix_str(f"{len(document.pages)} pages", refresh=True)
            document.write_pdf(tmp)
            bar.update()
    return path


def _absence_rows(result: Result, lang: str) -> list[list[object]]:
    """The run's absences (late agencies' submissions it was scored without) as
    the report says them: per agency, the series not received with their periods
    (服务承诺按时答复率（2025年12月）: :func:`~evaluation.intake.status.owed_series`),
    the indicators left out of every period of the run that lacked them, the units."""
    a = result.absences
    if a.empty:
        return []
    cat = result.catalogue
    table = cat.table
    owed = owed_series(a, cat)
    rows = []
    for agency, g in a.groupby("agency", sort=False):
        said = [w.text(lang) for who, w in owed if who == agency]
        series = set(g["series_id"])
        hit = table.index.isin(series) | table["weight_by"].isin(series)
        hit |= table["denominator"].isin(series)
        scored = set(result.prepared["indicator_id"])
        left = [cat.name(i, lang) for i in table.index[hit] if i in scored]
        sep = "、" if lang == "zh" else ", "
        rows.append(
            [
                cat.name(agency, lang),
                ("；" if lang == "zh" else "; ").join(said),
                sep.join(left),
                int(g["n_units"].max()),
            ]
        )
    return rows


def date_name(period: str, lang: str) -> str:
    """A period as the report says it: 2025年12月 (zh), 2025-M12 (en)."""
    return name_zh(period) if lang == "zh" else period


def from_store(store, run_id: str, *, viewer: str | None = None, **kwargs) -> str:
    """Render the report of a stored annual run (``kwargs``: :func:`render_html`'s
    ``lang``, ``units``, ``progress``, ``generated``)."""
    runs = store.runs().set_index("run_id")
    if run_id not in runs.index:
        raise EvaluationError(
            words=V.say(
                "library_error",
                "no_run",
                run=run_id,
                store=store.path,
                where=store.where,
            )
        )
    if runs.at[run_id, "kind"] != "annual":
        said = V.say("library_error", "not_annual", run=run_id, where=store.where)
        raise EvaluationError(words=said)
    info = store.manifest(run_id)
    result = store.result(run_id, viewer=viewer)
    tables = {
        n: store.table(run_id, n, viewer=viewer)
        for n in ("grades", "rules_applied", "survey")
    }
    for n in ("rules", "persons"):  # runs stored before these tables have none
        try:
            tables[n] = store.table(run_id, n, viewer=viewer)
        except KeyError:
            tables[n] = None
    config = parse_config(info["appraisal"]["config"], stored=True)
    source = interval_source(store, run_id)
    intervals = None
    if source is not None:
        intervals = final_rank_intervals(
            result,
            tables["grades"],
            config,
            U.Spec(**store.manifest(source)["params"]["uncertainty"]),
        )
        intervals.attrs["source"] = source
    run = runs.loc[run_id]
    notice = tuple(
        run[c] if c in run.index and isinstance(run[c], str) and run[c] else None
        for c in ("notice_from", "notice_until")
    )
    return render_html(
        result,
        tables,
        config=config,
        run_id=run_id,
        correction=correction_from_store(store, run_id, viewer=viewer),
        status=stage(run),
        rules_version=info["appraisal"]["rules_version"],
        intervals=intervals,
        notice=notice,
        **kwargs,
    )


# ------------------------------------------------------------------ corrections
def correction_changes(
    before: pd.DataFrame, after: pd.DataFrame, config: Config | None = None
) -> pd.DataFrame:
    """The units whose final grade, rank in group or score as published (2
    decimals) differ between two versions' ``grades`` (a unit moved by another's
    appeal included), in the new version's order: ``unit_id, name_zh, name_en,
    score_before, score_after, grade_before, grade_after, rank_before,
    rank_after`` (a rank NaN: not ranked) and, with ``config`` (the new version's),
    the quota that alone changed a unit's grade (:func:`~evaluation.appraisal.grades.
    quota_moves`: ``list_zh, list_en, units, places, share``; NaN for the others).
    The comparison is :func:`~evaluation.appraisal.compare_grades`'s (a version
    grades the same units)."""
    both = compare_grades(before, after).set_index("unit_id").reindex(after["unit_id"])
    ranks = both[["rank_before", "rank_after"]]
    rank_moved = ranks.nunique(axis=1, dropna=False) > 1  # NaN and NaN: the same
    shown = [both[c].map(V.fixed) for c in ("score_before", "score_after")]
    moved = both["grade_changed"] | rank_moved | (shown[0] != shown[1])
    cols = ["name_zh", "name_en", "score_before", "score_after", "grade_before",
            "grade_after", "rank_before", "rank_after"]  # fmt: skip
    out = both.loc[moved, cols].reset_index()
    if config is None:
        return out
    quota = quota_moves(before, after, config)
    return out.merge(quota, on="unit_id", how="left")


def correction_from_store(store, run_id: str, *, viewer: str | None = None):
    """What an annual version corrects (``None`` for a first version): the run it
    supersedes and both versions (numbers), the recorded reason, the appeal case
    the reason names (its row, if the store has one) and
    :func:`correction_changes`."""
    run = store.run(run_id)
    old = run.get("supersedes")
    if not old:
        return None
    try:
        before = store.table(old, "grades", viewer=viewer, record=False)
        after = store.table(run_id, "grades", viewer=viewer, record=False)
    except KeyError:  # not an annual run
        return None
    reason = str(run.get("reason") or "")
    return {
        "run": run_id,
        "version": int(run["version"]),
        "old": old,
        "old_version": int(store.run(old)["version"]),
        "reason": reason,
        "case": store.case(reason) if reason else None,
        "changes": correction_changes(
            before,
            after,
            parse_config(store.manifest(run_id)["appraisal"]["config"], stored=True),
        ),
    }


def correction_what(change, lang: str) -> str:
    """What changed for one unit (a row of :func:`correction_changes`), in words:
    最终得分由92.30分改为93.30分，等次由良好改为优秀，组内名次由第3名改为第2名 /
    final score 92.30 → 93.30, grade good → excellent, rank in group 3 → 2, then,
    where the quota alone changed the grade, why (:func:`quota_words`)."""
    t = V.words("report", lang)
    k = V.LANGS.index(lang)

    def place(rank) -> str:
        if pd.isna(rank):
            return t["correction_unranked"]
        return t["correction_place"].format(n=int(rank))

    parts = []
    before, after = (
        V.fixed(getattr(change, c, np.nan)) for c in ("score_before", "score_after")
    )
    if before != after:  # the appellant's own score, as published ('': none)
        key = "correction_score" + (
            "_new" if not before else "_gone" if not after else ""
        )
        parts.append(t[key].format(before=before, after=after))
    if change.grade_before != change.grade_after:
        parts.append(
            t["correction_grade"].format(
                before=GRADE[change.grade_before][k] if change.grade_before in GRADE
                else t["none"],
                after=GRADE[change.grade_after][k] if change.grade_after in GRADE
                else t["none"],
            )
        )  # fmt: skip
    if not (
        change.rank_before == change.rank_after
        or (pd.isna(change.rank_before) and pd.isna(change.rank_after))
    ):
        parts.append(
            t["correction_rank"].format(
                before=place(change.rank_before), after=place(change.rank_after)
            )
        )
    what = t["correction_sep"].join(parts)
    quota = quota_words(change, lang)
    return t["correction_quota_sep"].join([what, quota]) if quota else what


def quota_words(change, lang: str) -> str:
    """Why the quota alone changed a unit's grade (a row of
    :func:`correction_changes` with its quota columns), in words: 最终得分未变，等次
    变化系优秀名额所致：县（市）区政府优秀名额2个（10个单位×20%，四舍五入）
    (in English the list's name as it reads mid-sentence, ``V.mid_sentence``);
    nothing for a unit the quota did not move."""
    given = getattr(change, "places", np.nan)
    if pd.isna(given):
        return ""
    return V.words("report", lang)["correction_quota"].format(
        group=change.list_zh if lang == "zh" else V.mid_sentence(change.list_en),
        places=int(given), units=int(change.units), share=share_text(change.share),
    )  # fmt: skip


def case_text(case: dict, names, lang: str) -> str:
    """An appeal case (the store's row) in words: who appealed, when, why and the
    review (``correction_case``); ``names``: unit id → name in ``lang``."""
    return V.words("report", lang)["correction_case"].format(
        **case_fields(case, names, lang)
    )


def case_fields(case: dict, names, lang: str) -> dict[str, str]:
    """The fields :func:`case_text` fills ``correction_case`` with: the case's words
    in ``lang``; its ``grounds``, ``by`` (who decided) and ``note`` as the clerk
    wrote them (a page may set those apart as quoted)."""
    k = V.LANGS.index(lang)
    decision = case.get("decision") or "pending"
    return dict(
        case=case["case_id"], unit_id=case["unit_id"],
        unit=names.get(case["unit_id"], case["unit_id"]),
        filed=_date_text(case["filed_at"], lang), grounds=case["grounds"],
        decision=V.APPEAL_DECISION[decision][k]
        if decision in V.APPEAL_DECISION else decision,
        by=case.get("decided_by") or "", note=case.get("decision_note") or "",
    )  # fmt: skip


def _correction_lines(
    correction: dict | None, grades: pd.DataFrame, t: dict, k: int
) -> dict | None:
    """The 更正说明 block: which version this supersedes and why (the appeal case
    with its review, where the reason names one), then each unit whose grade or
    rank in group changed."""
    if correction is None:
        return None
    lang = V.LANGS[k]
    lines = [
        t["correction_text"].format(
            run=correction["run"], version=correction["version"],
            old=correction["old"], old_version=correction["old_version"],
            reason=correction["reason"] or t["none"],
        )
    ]  # fmt: skip
    case = correction.get("case")
    if case:
        names = grades.set_index("unit_id")["name_zh" if k == 0 else "name_en"]
        lines.append(case_text(case, names, lang))
    changes = correction["changes"]
    items = [
        t["correction_item"].format(
            name=(r.name_zh if k == 0 else r.name_en), unit=r.unit_id,
            what=correction_what(r, lang),
        )
        for r in changes.itertuples()
    ]  # fmt: skip
    return {
        "lines": lines,
        "changes_head": t["correction_changes"] if items else t["correction_none"],
        "units": items,
    }


# ------------------------------------------------------------------- helpers
def _groups(config: Config, grades: pd.DataFrame, k: int) -> dict[str, str]:
    """The appraisal groups present in the grades, in the config's order: id → name."""
    named = {g.id: (g.name_zh, g.name_en)[k] for g in config.groups}
    present = list(dict.fromkeys(grades["group"]))
    return {
        g: named.get(g, g)
        for g in [
            *[g for g in named if g in present],
            *[g for g in present if g not in named],
        ]
    }


def _css_string(text: str) -> str:
    """A CSS string literal (for the page margins)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _int(value) -> str:
    return "" if pd.isna(value) else str(int(value))


def _date_text(value, lang: str) -> str:
    """A date as its readers write it: 2026年1月20日 / 20 January 2026."""
    if value is None or value == "":
        return ""
    d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    if lang == "zh":
        return date_zh(d)
    return f"{d.day} {d:%B} {d.year}"


def _datetime_text(now: datetime, lang: str) -> str:
    """A time in Beijing time, the zone named."""
    if lang == "zh":
        return f"{_date_text(now.date(), lang)} {now:%H:%M}（北京时间，UTC+8）"
    return f"{_date_text(now.date(), lang)} {now:%H:%M} Beijing time (UTC+8)"


def _year_flags(flags: pd.DataFrame, year: str) -> pd.DataFrame:
    """The data-quality flags of the appraisal's year, in the order of the checks:
    those whose window (``since`` … ``period``) reaches into the year and the checks
    over a unit's whole history, as the letters, profiles and league count them
    (:func:`~evaluation.analysis.views.flags_in`)."""
    if flags is None or not len(flags):
        return pd.DataFrame(
            columns=["unit_id", "check", "period", "since", "indicator_id", "agency",
                     "reason_zh", "reason_en"]
        )  # fmt: skip
    flags = flags_in(flags, str(year))
    rank = {c: i for i, c in enumerate(CHECKS)}
    return flags.assign(_c=flags["check"].map(rank)).sort_values(
        ["_c", "period"], kind="stable"
    )


def _check_name(check: str, k: int) -> str:
    return QUALITY_CHECK[check][k] if check in QUALITY_CHECK else check


def _flag_cell(flags: pd.DataFrame, t: dict, k: int) -> str:
    """The grade table's marker: how many flags and of which checks."""
    if not len(flags):
        return ""
    checks = t["sep"].join(_check_name(c, k) for c in dict.fromkeys(flags["check"]))
    return f"{len(flags)}{t['colon']}{checks}"


def _grade_head(t: dict, shares, dim_names: list[str], ranges: bool) -> list[list]:
    """The grade table's two header rows (cells: text, rowspan, colspan)."""

    def c(text, rows=1, cols=1, cls=""):
        return {"text": text, "rows": rows, "cols": cols, "cls": cls}

    parts = [t["periods"], t["review"], t["survey_part"], t["deductions"], t["bonus"],
             t["total"]]  # fmt: skip
    steps = [t["by_score"], t["rules_effect"], t["override"], t["final"]]
    top = [
        c(t["rank"], 2),
        c(t["unit"], 2),
        c(
            t["score_parts"].format(
                p=share_text(shares.periods),
                r=share_text(shares.review),
                s=share_text(shares.survey),
            ),
            1,
            len(parts),
        ),
        *([c(t["rank_range"], 2)] if ranges else []),
        c(t["dims_head"], 1, len(dim_names)),
        c(t["grade_steps"], 1, len(steps)),
        c(t["flags_col"], 2),
    ]
    return [
        top,
        [*(c(x) for x in parts), *(c(x, cls="dimh") for x in dim_names),
         *(c(x) for x in steps)],
    ]  # fmt: skip


def _grade_cols(n_dims: int, ranges: bool, lang: str) -> list[str]:
    """The grade table's column widths (A4 landscape; the flags take the rest), the
    same for every group so that the tables line up."""
    if lang == "zh":
        name, parts, by, effects, final = "36mm", ["10.5mm"] * 6, "10mm", "27mm", "10mm"
    else:  # Periods, Review, Survey, Deductions, Bonus, Score; excellent in bold
        name, by, effects, final = "29mm", "13mm", "20mm", "14.5mm"
        parts = ["12mm", "11.5mm", "11.5mm", "15mm", "10.5mm", "10.5mm"]
    return [
        "8mm", name, *parts, *(["16mm"] if ranges else []), *["13mm"] * n_dims,
        by, effects, "13mm", final, "",
    ]  # fmt: skip


def _distribution_rows(grades: pd.DataFrame, groups: dict, k: int) -> list[list]:
    counts = (
        grades.groupby(["group", "final_grade"]).size().unstack(fill_value=0)
        .reindex(index=list(groups), columns=list(GRADES), fill_value=0)
    )  # fmt: skip
    rows = [
        [name, int(counts.loc[g].sum()), *(int(counts.at[g, x]) for x in GRADES)]
        for g, name in groups.items()
    ]
    if len(rows) > 1:
        rows.append(
            ["合计" if k == 0 else "Total", int(counts.to_numpy().sum()),
             *(int(counts[x].sum()) for x in GRADES)]
        )  # fmt: skip
    return rows


def original_words(text: str) -> str:
    """A rule's original sentence between “”, a quotation inside it between ‘’ (as
    Chinese punctuation nests them): “形成‘不负责，就问责’的约束机制”."""
    if not isinstance(text, str) or not text:
        return ""  # none (a NaN read back from the store too)
    return "“" + text.replace("“", "‘").replace("”", "’") + "”"


def _rule_sections(
    rules: pd.DataFrame | None, t: dict, k: int, config: Config
) -> list[dict]:
    """Every rule of the configuration, unit rules first: the reader's name, whom it
    applies to, the source, the original sentence, the note, its status, its reach."""
    if rules is None or not len(rules):
        return []
    cited = {r.id: citation(r) for r in config.rules}
    out = []
    for who, heading in (("unit", t["unit_rules"]), ("person", t["person_rules"])):
        part = rules[rules["applies_to"] == who]
        if not len(part):
            continue
        rows = []
        for r in part.itertuples():
            n = int(r.affected)
            rows.append(
                {
                    "rule_id": r.rule_id,
                    "name": r.name_zh if k == 0 else r.name_en,
                    "version": r.version,
                    "applies": t["applies"].get(r.applies_to, r.applies_to),
                    "source": cited.get(r.rule_id, r.source),
                    "quote": original_words(r.quote_zh),
                    "note": r.note_zh or "",
                    "status": r.status_zh if k == 0 else r.status_en,
                    "active": bool(r.active),
                    "affected": V.say_count(
                        "report", "persons_n" if who == "person" else "units_n", n
                    ).text(V.LANGS[k]),
                }
            )
        out.append({"heading": heading, "who": who, "rows": rows})
    return out


def _profile(
    result: Result, row: pd.Series, unit: str, *, t, k, year, dim_names, gaps,
    groups, sizes, peer_name, rater_name, applied, flags, survey, rank_range,
    vetoes,
) -> dict:  # fmt: skip
    """One department's page (``gaps``: its rows of ``appraisal.dimension_gaps``)."""
    gid = row["group"]
    comp = result.composite
    before = comp[(comp["unit_id"] == unit) & (comp["period"] == str(int(year) - 1))]
    parts_head = [
        t["periods"], t["review"], t["survey_part"], t["combined"], t["deductions"],
        t["bonus"], t["total"],
        *([t["last_year"].format(year=int(year) - 1)] if len(before) else []),
    ]  # fmt: skip
    parts = round_half_up(
        [row["periods_score"], row["review_score"], row["survey_score"],
         row["combined"], row["deductions"], row["bonus"], row["score"],
         *before["composite_score"].tolist()[:1]]
    )  # fmt: skip
    part_names = {"periods": t["periods"], "review": t["review"],
                  "survey": t["survey_part"]}  # fmt: skip
    missing = [
        part_names.get(p.strip(), p.strip())
        for p in str(row["parts_missing"] or "").split(",")
        if p.strip()
    ]
    dim_rows = [
        [n, *shown, signed(_difference(*shown))]
        for n, shown in zip(
            dim_names,
            (round_half_up([a, b]) for a, b in zip(gaps["score"], gaps["group_median"],
                                                   strict=True)),
            strict=True,
        )
    ]  # fmt: skip
    w = result.warnings
    w = w[(w["unit_id"] == unit) & w["period"].astype(str).str.startswith(year)]
    counts = w["level"].value_counts()
    listed, behind, left = _serious_warnings(w, applied[applied["unit_id"] == unit],
                                            vetoes)  # fmt: skip
    reason = "reason_zh" if k == 0 else "reason_en"
    flag_rows = []
    for check, f in flags.groupby("check", sort=False):
        texts = f[reason].tolist()
        shown = t["semi"].join(texts[:2])  # a page, not the flag list
        if len(texts) > 2:
            shown += t["more"].format(n=len(texts) - 2)
        flag_rows.append([_check_name(check, k), len(f), shown])
    s = survey[survey["unit_id"] == unit]
    return {
        "unit_id": unit,
        "name": row["name_zh"] if k == 0 else row["name_en"],
        "group": groups.get(gid, gid),
        "peer": peer_name.get(row["peer_group"], row["peer_group"]),
        "grade": GRADE[row["final_grade"]][k],
        "grade_code": row["final_grade"],
        "score": round_half_up([row["score"]])[0],
        "rank": t["key_rank"].format(
            group=groups.get(gid, gid), rank=_int(row["group_rank"]), n=int(sizes[gid])
        ),
        "rank_range": rank_range,
        "parts_head": parts_head,
        "parts": parts,
        "missing": t["parts_missing"].format(parts=t["sep"].join(missing))
        if missing
        else "",
        "dims_head": [
            t["dim"],
            t["mine"],
            t["median"].format(group=groups.get(gid, gid)),
            t["diff"],
        ],  # fmt: skip
        "dims": dim_rows,
        "rules": [
            getattr(x, reason) + approved_text(x, k)
            for x in applied[applied["unit_id"] == unit].itertuples()
        ],
        "flags_title": (
            t["flags"].format(year=year, n=len(flags))
            if len(flags)
            else t["flags_none"].format(year=year)
        ),
        "flags": flag_rows,
        "warning_counts": t["warning_counts"].format(
            year=year,
            counts=t["sep"].join(
                t["warning_count"].format(
                    level=RISK_LEVEL[lv][k], n=int(counts.get(lv, 0))
                )
                for lv in ("red", "orange", "yellow")
            ),
        )
        + (t["warning_below"] if len(listed) else ""),
        "warnings": [  # the year's serious ones: a page, not a log
            {
                "level": RISK_LEVEL[x.level][k],
                "level_code": x.level,
                "reason": getattr(x, reason)
                + (t["warning_veto"] if x.Index in behind else ""),
            }
            for x in listed.itertuples()
        ],  # fmt: skip
        "shown": listed.to_dict("records"),  # for the page's typical_gap_note
        "warnings_left": (
            V.say_count("report", "warnings_left", left, year=year).text(V.LANGS[k])
            if left
            else ""
        ),
        "survey": [
            [
                rater_name.get(x.rater_group, x.rater_group),
                x.ballots,
                x.valid,
                round_half_up([x.mean])[0],
                f"{x.response_rate:.0%}" if pd.notna(x.response_rate) else "",
                t.get(x.status, x.status),
            ]
            for x in s.itertuples()
        ],
    }


#: red and orange warnings a unit's page lists (the rest are counted, not listed)
WARNINGS_SHOWN = 5


def _serious_warnings(
    w: pd.DataFrame, applied: pd.DataFrame, vetoes: dict[str, set[str]]
) -> tuple[pd.DataFrame, set, int]:
    """The warnings a unit's page lists: its red, then orange ones, by period, up to
    :data:`WARNINGS_SHOWN`, and always the warning of an event a veto applied to it
    rests on (``vetoes``: rule → its event types), whatever its level or place.
    Returns them in that order, the index of those behind a veto, and how many red
    and orange ones are left out (the page says so)."""
    vetoed = applied.loc[applied["effect"] != VETO_DECLINED, "rule_id"]
    events = set().union(*(vetoes.get(r, set()) for r in vetoed))
    if "rule" in w:
        behind = w[(w["rule"] == "event") & w["node_id"].isin(events)]
    else:  # a run stored before warnings named their rule
        behind = w.iloc[:0]
    serious = w[w["level"].isin(["red", "orange"]) | w.index.isin(behind.index)]
    serious = serious.assign(_o=serious["level"].map({"red": 0, "orange": 1}).fillna(2))
    serious = serious.sort_values(["_o", "period"], kind="stable")
    room = max(WARNINGS_SHOWN - len(behind), 0)
    others = serious.index[~serious.index.isin(behind.index)]
    keep = serious.index.isin(behind.index) | serious.index.isin(others[:room])
    shown = serious[keep]
    left = int(serious.loc[~keep, "level"].isin(["red", "orange"]).sum())
    return shown, set(behind.index), left


def _difference(a: str, b: str) -> float:
    """The difference of two numbers as shown (``78.57`` − ``75.05`` = 3.52): the
    column beside them reads as their difference, not the unrounded one (3.53)."""
    if not a or not b:
        return np.nan
    return float(Decimal(a) - Decimal(b))


def _person_rows(persons: pd.DataFrame | None, grades: pd.DataFrame, k: int) -> list:
    """The annex: the worst proposal first, then the units in the grades' order."""
    if persons is None or not len(persons):
        return []
    names = grades.set_index("unit_id")["name_zh" if k == 0 else "name_en"]
    place = {u: i for i, u in enumerate(grades["unit_id"])}
    severity = {g: i for i, g in enumerate(PERSON_GRADES)}
    sep = "、" if k == 0 else ", "

    def units_of(text: str) -> list[str]:
        return [u.strip() for u in str(text).replace("、", ",").split(",") if u.strip()]

    p = persons.assign(
        _s=-persons["proposed"].map(severity).fillna(0),
        _u=[min((place.get(u, len(place)) for u in units_of(x)), default=len(place))
            for x in persons["unit_id"]],
    )  # fmt: skip
    p = p.sort_values(["_s", "_u", "person_id"], kind="stable")
    worst = PERSON_GRADES[-1]
    rows = []
    for r in p.itertuples():
        proposed = proposal(r.proposed)[k]
        rows.append(
            {
                "worst": r.proposed == worst,
                "cells": [
                    r.person_id,
                    sep.join(f"{names.get(u, u)}（{u}）" if k == 0 else
                             f"{names.get(u, u)} ({u})" for u in units_of(r.unit_id)),
                    int(r.faults),
                    proposed,
                    r.reason_zh if k == 0 else r.reason_en,
                ],
            }
        )  # fmt: skip
    return rows


# ------------------------------------------------------------ rank intervals
def interval_source(store, run_id: str) -> str | None:
    """The run whose stored uncertainty spec drives the annual run's rank ranges.

    The annual run itself if it was published with ``--uncertainty-draws``; else the
    latest published period run in force of the same year that stores one; else
    ``None`` (the report then says no ranges are available).
    """
    info = store.manifest(run_id)
    if "uncertainty" in info.get("params", {}):
        return run_id
    year = str(info["appraisal"]["config"]["year"])
    runs = store.runs()
    hits = runs[
        runs["in_force"]
        & (runs["kind"] == "period")
        & runs["period"].str.startswith(year)
    ]
    for candidate in reversed(hits["run_id"].tolist()):  # a few runs, latest first
        if "uncertainty" in store.manifest(candidate).get("params", {}):
            return candidate
    return None


def final_rank_intervals(
    result: Result,
    grades: pd.DataFrame,
    config: Config,
    spec,
    *,
    draws: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Rank intervals of the appraisal's **final score**, not of one period.

    Each draw of ``spec`` (or of an explicit ``draws`` table, as from
    ``uncertainty.draw_table``) rescores the year's annual composite (the 考 part)
    with the same choices (``uncertainty.run``), then follows the appraisal's rules:
    the shares of 考、评、议 over the parts a unit has, less the recorded deductions,
    plus the recorded bonus, within 0–100. The review, survey, deductions and bonus
    come from the stored ``grades`` (they are not catalogue choices). Ranks are
    within each appraisal group, by the score at 2 decimals, as published; ties
    share the better place.

    Returns the columns of ``uncertainty``'s summary (``unit_id, nominal_rank,
    mean_rank, median_rank, rank_q05, rank_q95, score_q05, score_q95``) in the order
    of ``grades``; ``nominal_rank`` ranks the stored score. ``attrs`` hold the spec,
    the frequency and the shares, for the report's sentence.
    """
    table = draws if draws is not None else U.draw_table(result, spec)
    period = annual_period(config, result)
    units = grades["unit_id"].tolist()
    u = U.run(result, spec, period=period, draws=table)
    where = pd.Index(u.units).get_indexer(units)
    periods = np.full((len(table), len(units)), np.nan)
    periods[:, where >= 0] = u.scores[:, where[where >= 0]]
    fixed = grades[["review_score", "survey_score"]].to_numpy(dtype=float)
    parts = np.stack(
        [periods, *np.broadcast_to(fixed.T[:, None, :], (2, *periods.shape))]
    )  # part × draw × unit
    combined = weighted_mean(
        parts, [config.shares.periods, config.shares.review, config.shares.survey]
    )
    adjust = grades["bonus"].to_numpy(dtype=float) - grades["deductions"].to_numpy(
        dtype=float
    )
    scores = np.clip(combined + adjust, 0.0, 100.0)
    stored = grades["score"].to_numpy(dtype=float)[None, :]
    ranks = np.full(scores.shape, np.nan)
    nominal = np.full(len(units), np.nan)
    for g in grades["group"].unique():  # appraisal groups are ranked apart
        cols = (grades["group"] == g).to_numpy()
        ranks[:, cols] = _ranks_by_score(scores[:, cols])
        nominal[cols] = _ranks_by_score(stored[:, cols])[0]
    # the same per-unit summary as a period's analysis (a unit never scored: NaN)
    summary = U.summary(units, scores, ranks, pd.Series(nominal))
    summary.attrs.update(
        spec={"n": len(table), **{k: v for k, v in vars(spec).items() if k != "n"}},
        frequency="annual",
        shares=(config.shares.periods, config.shares.review, config.shares.survey),
    )
    return summary


def _ranks_by_score(scores: np.ndarray) -> np.ndarray:
    """Ranks within each row (1 = best) of the scores as published (2 decimals,
    half up: :func:`~evaluation.appraisal.grades.published`, as the grades rank
    them; 90.12499999999999 is 90.13); NaN: no rank."""
    shown = published(pd.Series(scores.ravel())).to_numpy().reshape(scores.shape)
    r = rankdata(-shown, method="min", axis=1, nan_policy="omit")
    return np.where(np.isnan(scores), np.nan, r)


def _rank_text(intervals: pd.DataFrame | None, lang: str) -> pd.Series | None:
    if intervals is None:
        return None
    return rank_range(intervals, lang=lang)  # 3（2–5） in a Chinese report


def _interval_note(intervals: pd.DataFrame | None, t: dict, year: str) -> str:
    """The sentence under the grade table: what the range means and where it comes
    from, or that there is none."""
    if intervals is None:
        return t["interval_none"].format(header=t["rank_range"], year=year)
    spec = intervals.attrs["spec"]
    p, r, s = intervals.attrs["shares"]
    return t["interval_note"].format(
        header=t["rank_range"],
        n=int(spec["n"]),
        source=intervals.attrs.get("source", ""),
        choices=uncertainty_choices(spec, t),
        year=year,
        p=share_text(p),
        r=share_text(r),
        s=share_text(s),
    )


@contextmanager
def _kaleido():
    """One browser for the whole report: kaleido's server, started here unless one
    is running (then left running)."""
    import kaleido  # lazy: starts a browser's machinery, for the PDF's figures only

    server = getattr(kaleido, "_global_server", None)
    mine = server is not None and not server.is_running()
    if mine:
        kaleido.start_sync_server(silence_warnings=True)
    try:
        with pywarnings.catch_warnings():
            # plotly passes its default request headers, which the server ignores
            pywarnings.filterwarnings(
                "ignore", "The kopts argument is ignored", UserWarning
            )
            yield
    finally:
        if mine:
            kaleido.stop_sync_server(silence_warnings=True)


def _png_data_urls(figures: list[go.Figure], bar=None) -> list[str]:
    """Export every figure to PNG, one browser for all; return data URLs."""
    out = []
    with tempfile.TemporaryDirectory() as tmp, _kaleido():
        for i, fig in enumerate(figures):
            path = Path(tmp) / f"f{i}.png"
            pio.write_images(
                [fig],
                [path],
                format="png",
                scale=2,
                width=[fig.layout.width],  # kaleido ignores the layout's
                height=[fig.layout.height],
            )
            out.append(
                "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()
            )
            if bar is not None:
                bar.update()
    return out


def _override(text: str, k: int) -> str:
    if not text:
        return ""
    before, after = text.split(" → ")
    return f"{GRADE[before][k]} → {GRADE[after][k]}"
