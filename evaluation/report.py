"""The committee report: HTML and PDF for a year's appraisal, in Chinese or English.

Built from a stored annual run (nothing recomputed): the grade table with each part,
deduction, rule effect, override and final grade; the grade distribution per peer
group; the rules applied with their sources; one page per department (composite trend,
level-1 dimension scores against the peer median, warnings, survey results with
response rates). HTML by jinja2, PDF by WeasyPrint, figures by plotly exported to PNG
with kaleido (Debian's chromium); figures are exported in one batch.
"""

from __future__ import annotations

import base64
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import jinja2
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from .appraisal import GRADE_NAMES, GRADES
from .export import WORDS, round_half_up
from .plots import FONT_FAMILY, PALETTE
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
) -> str:
    """The report as one self-contained HTML page (figures embedded as PNG).

    ``tables``: the annual run's ``grades``, ``rules_applied`` and ``survey``.
    ``units`` limits the department pages (default: every unit); ``rater_groups``
    names the survey's groups (id → (zh, en)).
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

    headers = [
        t["unit"], t["group"], t["periods"], t["review"], t["survey_part"],
        t["deductions"], t["total"], t["by_score"], t["rules_effect"], t["override"],
        t["final"],
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
    figures += [_profile_figure(result, u, lang) for u in keep]
    images = _png_data_urls(figures)
    warnings = result.warnings
    year = str(grades.attrs.get("year", "")) or result.period[:4]
    names = grades.set_index("unit_id")
    profiles = []
    for unit, image in zip(keep, images[1:], strict=True):
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
        **kwargs,
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
