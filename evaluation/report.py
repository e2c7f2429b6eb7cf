"""The committee report: HTML and PDF for a year's appraisal, in Chinese or English.

Built from a stored annual run (nothing recomputed): the grade table with each part,
deduction, rule effect, override and final grade; the grade distribution per peer
group; the rules applied with their sources; one page per department (composite trend,
level-1 dimension scores against the peer median, warnings, survey results with
response rates). HTML by jinja2, PDF by WeasyPrint, figures by plotly exported to PNG
with kaleido (Debian's chromium); figures are exported in one batch.

Rank ranges: the grades are stored, but how firm each department's place by score is
comes from :func:`final_rank_intervals`, run at render time (seeded, so the same every
time) with the uncertainty spec stored with a published run of the year: the
catalogue's open choices move the period composites, and the appraisal's own rules
carry them into the final score. Without such a spec the report says so.
"""

from __future__ import annotations

import base64
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots
from scipy.stats import rankdata

from . import periods as P
from .appraisal import GRADE_NAMES, GRADES, Config, period_weight, weighted_mean
from .errors import EvaluationError
from .export import HEADERS, WORDS, round_half_up
from .plots import FONT_FAMILY, PALETTE, plot_rank_intervals
from .result import Result

TEXT = {
    "zh": {
        "title": "年度绩效考评结果报告",
        "run": "版本",
        "status": "状态",
        "rules_version": "规则版本",
        "generated": "生成时间",
        "page": "第",
        "grades": "考评等次",
        "distribution": "各类别等次分布",
        "rules": "适用的规则及依据",
        "final_grade": "最终等次",
        "score": "得分",
        "warnings": "年内预警",
        "warning_counts": "全年预警次数（最近一期的红色、橙色预警见下表）",
        "none": "无",
        "survey": "民主测评",
        "rules_applied": "适用规则",
        "unit": "单位",
        "group": "类别",
        "periods": "月度考核",
        "review": "年终评估",
        "survey_part": "民主测评",
        "deductions": "扣分",
        "total": "总分",
        "by_score": "按分数",
        "rules_effect": "规则影响",
        "override": "委员会调整",
        "final": "最终等次",
        "rule": "规则",
        "version": "版本",
        "source": "依据",
        "units": "涉及单位",
        "rater_group": "评价群体",
        "ballots": "票数",
        "valid": "有效票",
        "mean": "平均分",
        "response": "参评率",
        "state": "状态",
        "trend": "综合得分走势",
        "dims": "一级指标得分（灰：同类中位数）",
        "count": "单位数",
        "draft": "草稿",
        "published": "已发布",
        "sufficient": "有效",
        "insufficient": "样本不足",
        "rank_range": HEADERS["rank_range"][0],
        "intervals": "排名区间",
        "interval_note": "{header}：按总分的名次，括号内为 {n:,} 次抽样中 5%–95% "
        "的名次范围。每次抽样按版本 {source} 所存的不确定性分析设定改变指标体系中的"
        "开放选择（{choices}），重算 {year} 年各{freq}综合得分，再按本次考评的权重"
        "（考 {p:.0%}、评 {r:.0%}、议 {s:.0%}）合成、减去扣分后排名；年终评估、"
        "民主测评和扣分按记录取值，不在抽样之内。区间越窄，名次越稳定。",
        "interval_none": "{header}：无。{year} 年没有保存不确定性分析的已发布版本"
        "（evaluation publish --uncertainty-draws N），本报告不显示名次区间。",
        "interval_line": "{header}：{text}（{n:,} 次抽样）",
        "interval_line_none": "{header}：无",
        "weights": "第 {levels} 级指标权重 ±{noise:.0%}",
        "normalisation": "标准化方法：{options}",
        "aggregation": "汇总方法：{options}",
        "exclude": "每次剔除一个指标或不剔除",
        "catalogue": "按指标体系",
        "list_sep": "、",
        "choice_sep": "；",
        "freq": {
            "monthly": "月",
            "bimonthly": "双月",
            "quarterly": "季度",
            "half_year": "半年",
        },
    },
    "en": {
        "title": "Annual performance appraisal: committee report",
        "run": "run",
        "status": "status",
        "rules_version": "rules version",
        "generated": "generated",
        "page": "page",
        "grades": "Grades",
        "distribution": "Grades by peer group",
        "rules": "Rules applied and their sources",
        "final_grade": "Final grade",
        "score": "score",
        "warnings": "Warnings in the year",
        "warning_counts": "Warnings over the year (the latest period's red and "
        "orange ones below)",
        "none": "none",
        "survey": "Appraisal survey",
        "rules_applied": "Rules applied",
        "unit": "Department",
        "group": "Peer group",
        "periods": "Monthly",
        "review": "Year-end review",
        "survey_part": "Survey",
        "deductions": "Deductions",
        "total": "Score",
        "by_score": "By score",
        "rules_effect": "Rule effects",
        "override": "Committee override",
        "final": "Final grade",
        "rule": "Rule",
        "version": "Version",
        "source": "Source",
        "units": "Units",
        "rater_group": "Rater group",
        "ballots": "Ballots",
        "valid": "Valid",
        "mean": "Mean",
        "response": "Response rate",
        "state": "Status",
        "trend": "Composite score by month",
        "dims": "Level-1 dimension scores (grey: peer median)",
        "count": "Units",
        "draft": "draft",
        "published": "published",
        "sufficient": "sufficient",
        "insufficient": "insufficient",
        "rank_range": HEADERS["rank_range"][1],
        "intervals": "Rank ranges",
        "interval_note": "{header}: the rank by score and, in brackets, the ranks "
        "of 5–95% of {n:,} draws. Each draw varies the catalogue's open choices "
        "({choices}) as stored with run {source}, rescores the {year} {freq} "
        "composites, and combines them by this appraisal's shares (periods {p:.0%}, "
        "review {r:.0%}, survey {s:.0%}) less deductions before ranking; the review, "
        "survey and deductions are taken as recorded, not drawn. The narrower the "
        "range, the firmer the place.",
        "interval_none": "{header}: not available. No published run of {year} "
        "stores an uncertainty analysis (evaluation publish --uncertainty-draws N), "
        "so this report shows no rank ranges.",
        "interval_line": "{header}: {text} ({n:,} draws)",
        "interval_line_none": "{header}: not available",
        "weights": "level-{levels} weights ±{noise:.0%}",
        "normalisation": "normalisation: {options}",
        "aggregation": "aggregation: {options}",
        "exclude": "leaving out one indicator or none",
        "catalogue": "as in the catalogue",
        "list_sep": ", ",
        "choice_sep": "; ",
        "freq": {
            "monthly": "monthly",
            "bimonthly": "bi-monthly",
            "quarterly": "quarterly",
            "half_year": "half-year",
        },
    },
}


def render_html(
    result: Result,
    tables: dict[str, pd.DataFrame],
    *,
    lang: str = "zh",
    run_id: str = "",
    status: str = "",
    rules_version: str = "",
    name: str = "",
    units: list[str] | None = None,
    rater_groups: dict[str, tuple[str, str]] | None = None,
    intervals: pd.DataFrame | None = None,
) -> str:
    """The report as one self-contained HTML page (figures embedded as PNG).

    ``tables``: the annual run's ``grades``, ``rules_applied`` and ``survey``.
    ``units`` limits the department pages (default: every unit); ``rater_groups``
    names the survey's groups (id → (zh, en)). ``intervals``: the final score's
    rank intervals from :func:`final_rank_intervals` (with ``attrs["source"]``, the
    run whose spec drove them); without them the report says none are available.
    """
    if lang not in TEXT:
        raise ValueError(f"lang must be zh or en, not {lang!r}")
    t = TEXT[lang]
    k = 0 if lang == "zh" else 1
    cat = result.catalogue
    grades = tables["grades"]
    applied = tables["rules_applied"]
    survey = tables["survey"]
    group_name = {g.id: (g.name_zh, g.name_en)[k] for g in cat.peer_groups}
    rater_name = {g: names[k] for g, names in (rater_groups or {}).items()}
    effects = applied.groupby("unit_id")["effect_zh" if k == 0 else "effect"].agg(
        "; ".join
    )

    year = str(grades.attrs.get("year", "")) or result.period[:4]
    ranges = _rank_text(intervals)
    headers = [
        t["unit"], t["group"], t["periods"], t["review"], t["survey_part"],
        t["deductions"], t["total"], *([t["rank_range"]] if ranges is not None else []),
        t["by_score"], t["rules_effect"], t["override"], t["final"],
    ]  # fmt: skip
    rows = []
    for r in grades.itertuples():
        cells = [
            (r.name_zh if k == 0 else r.name_en, ""),
            (group_name.get(r.peer_group, r.peer_group), ""),
            *[
                (v, "num")
                for v in round_half_up(
                    [
                        r.periods_score,
                        r.review_score,
                        r.survey_score,
                        r.deductions,
                        r.score,
                    ]
                )
            ],
            *([(ranges.get(r.unit_id, ""), "num nw")] if ranges is not None else []),
            (GRADE_NAMES[r.grade_by_score][k], "nw"),
            (effects.get(r.unit_id, ""), ""),
            (_override(r.override, k), ""),
            (GRADE_NAMES[r.final_grade][k], f"nw grade-{r.final_grade}"),
        ]
        rows.append({"cells": [{"text": c, "cls": cls} for c, cls in cells]})

    rule_rows = (
        applied.groupby(["rule_id", "version", "source"], sort=False)["unit_id"]
        .agg(lambda s: ", ".join(sorted(set(s))))
        .reset_index()
        .values.tolist()
    )
    keep = units if units is not None else grades["unit_id"].tolist()
    figures = [_distribution(grades, group_name, lang)]
    if ranges is not None:
        names_k = grades.set_index("unit_id")["name_zh" if k == 0 else "name_en"]
        figures.append(_interval_figure(intervals, names_k.to_dict(), lang))
    first = len(figures)
    figures += [_profile_figure(result, u, lang) for u in keep]
    images = _png_data_urls(figures)
    warnings = result.warnings
    names = grades.set_index("unit_id")
    n_draws = int(intervals.attrs["spec"]["n"]) if ranges is not None else 0
    profiles = []
    for unit, image in zip(keep, images[first:], strict=True):
        g = names.loc[unit]
        w = warnings[
            (warnings["unit_id"] == unit) & warnings["period"].str.startswith(year)
        ]
        counts = w["level"].value_counts()
        latest = w[
            (w["period"] == w["period"].max()) & w["level"].isin(["red", "orange"])
        ]
        s = survey[survey["unit_id"] == unit]
        profiles.append(
            {
                "unit_id": unit,
                "name": g["name_zh"] if k == 0 else g["name_en"],
                "group": group_name.get(g["peer_group"], g["peer_group"]),
                "grade": GRADE_NAMES[g["final_grade"]][k],
                "grade_code": g["final_grade"],
                "score": round_half_up([g["score"]])[0],
                "rank_range": (
                    t["interval_line"].format(
                        header=t["rank_range"], text=ranges.get(unit, ""), n=n_draws
                    )
                    if ranges is not None and ranges.get(unit, "")
                    else t["interval_line_none"].format(header=t["rank_range"])
                ),
                "figure": image,
                "warning_counts": ", ".join(
                    f"{WORDS[lv][k]} {int(counts.get(lv, 0))}"
                    for lv in ("red", "orange", "yellow")
                ),
                "warnings": [  # the latest period's serious ones: a page, not a log
                    {
                        "period": x.period,
                        "level": WORDS[x.level][k],
                        "reason": x.reason_zh if k == 0 else x.reason_en,
                    }
                    for x in latest.head(5).itertuples()
                ],
                "survey": [
                    [
                        rater_name.get(x.rater_group, x.rater_group),
                        x.ballots,
                        x.valid,
                        round_half_up([x.mean])[0],
                        f"{x.response_rate:.0%}" if pd.notna(x.response_rate) else "",
                        t[x.status],
                    ]
                    for x in s.itertuples()
                ],
                "rules": [
                    x.reason_zh if k == 0 else x.reason_en
                    for x in applied[applied["unit_id"] == unit].itertuples()
                ],
            }
        )
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("evaluation", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
    )
    return env.get_template("committee_report.html.j2").render(
        lang=lang,
        t=t,
        name=name,
        run_id=run_id,
        status=t.get(status, status),
        rules_version=rules_version,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        grade_headers=headers,
        grade_rows=rows,
        interval_note=_interval_note(intervals, t, year),
        interval_figure=images[1] if ranges is not None else None,
        distribution=images[0],
        rule_headers=[t["rule"], t["version"], t["source"], t["units"]],
        rule_rows=rule_rows,
        survey_headers=[
            t["rater_group"],
            t["ballots"],
            t["valid"],
            t["mean"],
            t["response"],
            t["state"],
        ],  # fmt: skip
        profiles=profiles,
    )


def write_pdf(html: str, path: str | Path) -> Path:
    """Render the HTML to PDF with WeasyPrint (atomically: temp file + rename)."""
    from weasyprint import HTML

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".pdf", delete=False) as f:
        tmp = Path(f.name)
    try:
        HTML(string=html).write_pdf(tmp)
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)  # readable like any file the user writes
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def from_store(store, run_id: str, *, viewer: str | None = None, **kwargs) -> str:
    """Render the report of a stored annual run."""
    runs = store.runs().set_index("run_id")
    if run_id not in runs.index:
        raise KeyError(f"no run {run_id!r}")
    if runs.at[run_id, "kind"] != "annual":
        raise ValueError(f"run {run_id} is not an annual appraisal run")
    info = store.manifest(run_id)
    result = store.result(run_id, viewer=viewer)
    tables = {
        n: store.table(run_id, n, viewer=viewer)
        for n in ("grades", "rules_applied", "survey")
    }
    tables["grades"].attrs["year"] = info["appraisal"]["config"]["year"]
    lang = kwargs.get("lang", "zh")
    config = info["appraisal"]["config"]
    source = interval_source(store, run_id)
    intervals = None
    if source is not None:
        from .uncertainty import Spec

        intervals = final_rank_intervals(
            result,
            tables["grades"],
            Config.model_validate(config),
            Spec(**store.manifest(source)["params"]["uncertainty"]),
        )
        intervals.attrs["source"] = source
    return render_html(
        result,
        tables,
        run_id=run_id,
        status=runs.at[run_id, "status"],
        rules_version=info["appraisal"]["rules_version"],
        name=config["name_zh"] if lang == "zh" else config["name_en"],
        rater_groups={
            g["id"]: (g["name_zh"], g["name_en"]) for g in config["survey"]["groups"]
        },
        intervals=intervals,
        **kwargs,
    )


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
    ``uncertainty.draw_table``) rescores every period composite of the year at the
    appraisal's frequency with the same choices (``uncertainty.run``), then follows
    the appraisal's rules: the weighted mean of the periods (weights by label suffix,
    periods without a composite left out), the shares of 考、评、议 over the parts a
    unit has, less the recorded deductions, floored at 0. The review, survey and
    deductions come from the stored ``grades`` (they are not catalogue choices). Ranks
    use the score at 2 decimals, as published; ties share the better place.

    Returns the columns of ``uncertainty``'s summary (``unit_id, nominal_rank,
    mean_rank, median_rank, rank_q05, rank_q95, score_q05, score_q95``) in the order
    of ``grades``; ``nominal_rank`` ranks the stored score. ``attrs`` hold the spec,
    the frequency and the shares, for the report's sentence.
    """
    from . import uncertainty as U

    table = draws if draws is not None else U.draw_table(result, spec)
    labels = pd.Series(sorted(set(result.composite["period"])))
    parsed = P.parse(labels)
    mine = labels[
        (parsed["year"] == config.year)
        & (parsed["frequency"] == config.periods.frequency)
    ].tolist()
    if not mine:
        raise EvaluationError(
            f"the run has no {config.periods.frequency} composites in {config.year}"
        )
    units = grades["unit_id"].tolist()
    comp = np.full((len(mine), len(table), len(units)), np.nan)
    for i, period in enumerate(mine):  # the year's periods: a dozen at most
        u = U.run(result, spec, period=period, draws=table)
        where = pd.Index(u.units).get_indexer(units)
        comp[i][:, where >= 0] = u.scores[:, where[where >= 0]]
    periods = weighted_mean(comp, [period_weight(config, p) for p in mine])
    fixed = grades[["review_score", "survey_score"]].to_numpy(dtype=float)
    parts = np.stack(
        [periods, *np.broadcast_to(fixed.T[:, None, :], (2, *periods.shape))]
    )  # part × draw × unit
    combined = weighted_mean(
        parts, [config.shares.periods, config.shares.review, config.shares.survey]
    )
    scores = np.maximum(combined - grades["deductions"].to_numpy(dtype=float), 0.0)
    ranks = _ranks_by_score(scores)
    nominal = _ranks_by_score(grades["score"].to_numpy(dtype=float)[None, :])[0]
    # the same per-unit summary as a period's analysis (a unit never scored: NaN)
    summary = U._summary(units, scores, ranks, pd.Series(nominal))
    summary.attrs.update(
        spec={"n": len(table), **{k: v for k, v in vars(spec).items() if k != "n"}},
        frequency=config.periods.frequency,
        shares=(config.shares.periods, config.shares.review, config.shares.survey),
    )
    return summary


def _ranks_by_score(scores: np.ndarray) -> np.ndarray:
    """Ranks within each row (1 = best) of scores at 2 decimals; NaN: no rank."""
    r = rankdata(-np.round(scores, 2), method="min", axis=1, nan_policy="omit")
    return np.where(np.isnan(scores), np.nan, r)


def _rank_text(intervals: pd.DataFrame | None) -> pd.Series | None:
    if intervals is None:
        return None
    from .uncertainty import rank_range

    return rank_range(intervals)


def _interval_note(intervals: pd.DataFrame | None, t: dict, year: str) -> str:
    """The sentence under the grade table: what the range means and where it comes
    from, or that there is none."""
    if intervals is None:
        return t["interval_none"].format(header=t["rank_range"], year=year)
    spec = intervals.attrs["spec"]
    sep = t["list_sep"]

    def options(values) -> str:
        return sep.join(t["catalogue"] if v == "catalogue" else v for v in values)

    choices = [
        t["weights"].format(
            levels=sep.join(str(v) for v in spec["weight_levels"]),
            noise=spec["weight_noise"],
        )
    ]
    if list(spec["normalisations"]) != ["catalogue"]:
        choices.append(
            t["normalisation"].format(options=options(spec["normalisations"]))
        )
    if list(spec["aggregations"]) != ["catalogue"]:
        choices.append(t["aggregation"].format(options=options(spec["aggregations"])))
    if spec["exclude"]:
        choices.append(t["exclude"])
    p, r, s = intervals.attrs["shares"]
    return t["interval_note"].format(
        header=t["rank_range"],
        n=int(spec["n"]),
        source=intervals.attrs.get("source", ""),
        choices=t["choice_sep"].join(choices),
        year=year,
        freq=t["freq"][intervals.attrs["frequency"]],
        p=p,
        r=r,
        s=s,
    )


# ------------------------------------------------------------------- figures
def _distribution(grades: pd.DataFrame, group_name: dict, lang: str) -> go.Figure:
    k = 0 if lang == "zh" else 1
    counts = (
        grades.groupby(["peer_group", "final_grade"]).size().unstack(fill_value=0)
        .reindex(columns=list(GRADES), fill_value=0)
    )  # fmt: skip
    colours = {
        "excellent": PALETTE[0],
        "good": PALETTE[2],
        "pass": PALETTE[6],
        "fail": PALETTE[5],
    }
    fig = go.Figure()
    for g in GRADES:
        fig.add_bar(
            y=[group_name.get(i, i) for i in counts.index],
            x=counts[g],
            name=GRADE_NAMES[g][k],
            orientation="h",
            marker_color=colours[g],
            text=counts[g].where(counts[g] > 0, ""),
            textposition="inside",
        )
    fig.update_layout(
        barmode="stack",
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": 13},
        width=900,
        height=120 + 45 * len(counts),
        margin={"l": 10, "r": 10, "t": 30, "b": 30},
        legend={"orientation": "h", "y": 1.05, "yanchor": "bottom", "x": 0},
    )
    fig.update_xaxes(title_text=TEXT[lang]["count"], dtick=1)
    return fig


def _interval_figure(intervals: pd.DataFrame, names: dict, lang: str) -> go.Figure:
    """Every department's rank by score with its 5–95 % range, on one page."""
    fig = plot_rank_intervals(intervals, names, lang=lang)
    n = int(intervals["nominal_rank"].notna().sum())
    fig.update_traces(  # the median often equals the rank: let the rank show through
        selector={"marker.symbol": "diamond"},
        marker={"symbol": "diamond-open", "size": 9, "line": {"width": 2}},
    )
    fig.update_layout(
        font={"size": 13},
        width=1500,
        height=max(300, 100 + 18 * n),  # A4 landscape: 50 departments fill a page
        margin={"l": 10, "r": 20, "t": 30, "b": 45},
    )
    fig.update_yaxes(title_text=None, dtick=1, tickfont={"size": 12})  # every name
    return fig


def _profile_figure(result: Result, unit: str, lang: str) -> go.Figure:
    """Composite trend and dimension scores against the peer median, side by side."""
    t = TEXT[lang]
    cat = result.catalogue
    comp = result.composite[result.composite["unit_id"] == unit]
    dims = cat.top_dimensions()
    last = result.period
    s = result.scores[
        (result.scores["period"] == last) & result.scores["node_id"].isin(dims)
    ]
    peer = result.units.set_index("unit_id")["peer_group"]
    s = s.assign(group=s["unit_id"].map(peer))
    mine = s[s["unit_id"] == unit].set_index("node_id")["score"].reindex(dims)
    median = (
        s[s["group"] == peer[unit]].groupby("node_id")["score"].median().reindex(dims)
    )
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=(t["trend"], t["dims"]), horizontal_spacing=0.3
    )
    fig.add_scatter(
        x=comp["period"], y=comp["composite_score"], mode="lines+markers",
        line={"color": PALETTE[0]}, showlegend=False, row=1, col=1,
    )  # fmt: skip
    names = [cat.name(d, lang) for d in dims]
    fig.add_bar(
        y=names, x=mine, orientation="h", marker_color=PALETTE[0], showlegend=False,
        row=1, col=2,
    )  # fmt: skip
    fig.add_scatter(
        y=names, x=median, mode="markers", marker={"color": "#777", "size": 14,
        "symbol": "line-ns-open", "line": {"width": 3}}, showlegend=False, row=1, col=2,
    )  # fmt: skip
    fig.update_yaxes(range=[0, 100], row=1, col=1)
    fig.update_xaxes(range=[0, 100], row=1, col=2)
    fig.update_yaxes(autorange="reversed", row=1, col=2)
    fig.update_layout(
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": 15},
        width=1000,
        height=270,
        margin={"l": 30, "r": 10, "t": 40, "b": 80},
    )
    return fig


def _png_data_urls(figures: list[go.Figure]) -> list[str]:
    """Export every figure to PNG in one kaleido batch; return data URLs."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / f"f{i}.png" for i in range(len(figures))]
        pio.write_images(
            figures,
            paths,
            format="png",
            scale=2,
            width=[f.layout.width for f in figures],  # kaleido ignores the layout's
            height=[f.layout.height for f in figures],
        )
        return [
            "data:image/png;base64," + base64.b64encode(p.read_bytes()).decode()
            for p in paths
        ]


def _override(text: str, k: int) -> str:
    if not text:
        return ""
    before, after = text.split(" → ")
    return f"{GRADE_NAMES[before][k]} → {GRADE_NAMES[after][k]}"
