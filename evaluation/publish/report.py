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
import os
import sys
import tempfile
import warnings as pywarnings
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from scipy.stats import rankdata

from evaluation import periods as P
from evaluation.appraisal import (
    GRADE_NAMES,
    GRADES,
    PERSON_GRADES,
    Config,
    annual_period,
    dimension_gaps,
    parse_config,
    weighted_mean,
)
from evaluation.publish.export import HEADERS, WORDS, round_half_up
from evaluation.publish.plots import FONT_FAMILY, PALETTE, plot_rank_intervals
from evaluation.publish.publication import BEIJING, STATUS_LABELS
from evaluation.result import Result

DIM_PREFIX = "dim_"

TEXT = {
    "zh": {
        "title": "年度绩效考评结果报告",
        "run": "版本",
        "status": "状态",
        "rules_version": "规则版本",
        "generated": "生成时间",
        "zone": "北京时间",
        "page": "第 {page} 页，共 {pages} 页",
        "colon": "：",
        "sep": "、",
        "semi": "；",
        "units_n": "{n}个单位",
        "persons_n": "{n}人",
        # overview
        "overview": "一、考评结果概况",
        "distribution": "各考评组等次分布",
        "group": "考评组",
        "n_units": "单位数",
        "dist_note": "等次按分数、规则、优秀名额和委员会调整依次确定（见第三部分）；"
        "名次在各考评组内按总分（保留两位小数）排列。",
        "grades": "二、考评等次",
        "group_heading": "{name}（{n}个单位）",
        "rank": "组内名次",
        "unit": "单位",
        "score_parts": "得分（考 {p:.0%}、评 {r:.0%}、议 {s:.0%}）",
        "periods": "考",
        "review": "评",
        "survey_part": "议",
        "deductions": "扣分",
        "bonus": "加分",
        "total": "总分",
        "dims_head": "一级指标年终得分",
        "grade_steps": "等次",
        "by_score": "按分数",
        "rules_effect": "规则影响",
        "override": "委员会调整",
        "final": "最终等次",
        "flags_col": "数据质量提示",
        "grades_note": "考：{year}年度综合得分（各指标按其报送频次汇总全年）；"
        "评：年终评估；议：民主测评；总分＝加权合成得分－扣分＋加分（0～100分）。"
        "一级指标年终得分供参考，已计入“考”。数据质量提示：{year}年数据质量核查"
        "（瞒报、虚报疑点）条数及类型，"
        "不改变得分，原因见各单位页。",
        # rank ranges
        "rank_range": HEADERS["rank_range"][0],
        "intervals": "排名区间",
        "interval_note": "{header}：考评组内按总分的名次，括号内为 {n:,} 次抽样中 "
        "5%–95% 的名次范围。每次抽样按版本 {source} 所存的不确定性分析设定改变指标体系"
        "中的开放选择（{choices}），重算 {year} 年度综合得分（考），再按本次考评的权重"
        "（考 {p:.0%}、评 {r:.0%}、议 {s:.0%}）合成，减去扣分、加上加分后在各考评组内"
        "排名；年终评估、民主测评、扣分和加分按记录取值，不在抽样之内。区间越窄，名次越稳定。",
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
        # rules
        "rules": "三、考评规则及依据",
        "rules_intro": "以下为本次考评配置（appraisal.yaml，规则版本 {version}）"
        "中的全部规则。单位规则计入单位等次；个人规则只形成个人年度考核建议"
        "（见附件），不计入单位等次。",
        "unit_rules": "（一）单位规则（计入单位等次）",
        "person_rules": "（二）个人规则（供组织人事部门参考，不计入单位等次）",
        "rule": "规则",
        "applies_to": "适用对象",
        "applies": {"unit": "单位", "person": "个人"},
        "source": "依据（文号、条款）",
        "quote": "原文",
        "note": "说明",
        "rule_status": "适用情况",
        "affected": "涉及",
        "thresholds": "等次标准：优秀 {e:g} 分及以上，良好 {g:g} 分及以上，"
        "合格 {p:g} 分及以上，其余为不合格。",
        "quota_group": "优秀名额：各考评组优秀单位不超过本组单位数的 {share:.0%}"
        "（四舍五入），超出的按得分排序改为良好；本次涉及{n}个单位。",
        "quota_overall": "优秀名额：优秀单位不超过全部单位数的 {share:.0%}"
        "（四舍五入），超出的按得分排序改为良好；本次涉及{n}个单位。",
        "overrides": "委员会调整：须载明理由和批准人；本次涉及{n}个单位。",
        # department pages
        "pages": "四、各单位考评情况",
        "key_grade": "最终等次",
        "key_score": "总分",
        "key_rank": "{group}第{rank}名（共{n}个）",
        "peer": "同类",
        "parts_head": "得分构成",
        "combined": "加权合成",
        "last_year": "{year}年综合得分",
        "parts_missing": "缺少的部分（权重已分摊到其他部分）：{parts}",
        "dims": "一级指标年终得分",
        "dim": "一级指标",
        "mine": "本单位",
        "median": "{group}中位数",
        "diff": "差值",
        "fig_mine": "本单位",
        "fig_median": "考评组中位数",
        "rules_applied": "适用规则（扣分、加分、否决、名额、调整）",
        "flags": "数据质量核查提示（{year}年，{n}条）",
        "flags_none": "数据质量核查提示（{year}年）：无",
        "flags_note": "核查提示不改变得分；是否属实由绩效办核实（evaluation flags）。",
        "check": "核查项",
        "count": "条数",
        "reasons": "原因",
        "more": "……另{n}条",
        "warnings": "年度预警",
        "warning_counts": "{year}年预警次数：{counts}",
        "warning_below": "（红色、橙色预警见下表）",
        "warning_count": "{level}{n}次",
        "survey": "民主测评",
        "rater_group": "评价群体",
        "ballots": "票数",
        "valid": "有效票",
        "mean": "平均分",
        "response": "参评率",
        "state": "状态",
        "sufficient": "有效",
        "insufficient": "样本不足",
        "none": "无",
        # annex
        "annex": "附件：个人年度考核建议（供组织人事部门参考，不计入单位等次）",
        "annex_note": "以下建议由个人规则（见第三部分（二））按过错责任追究记录提出，"
        "供组织人事部门按公务员年度考核程序研究确定；不属于单位考评结果，不改变任何单位的"
        "得分和等次，不对外公布。",
        "person": "人员编号",
        "person_unit": "所在单位",
        "faults": "过错起数",
        "proposed": "建议",
        "reason": "依据",
        "annex_none": "本年度没有个人规则适用的人员。",
        # sign-off
        "signoff": "考评委员会审定意见",
        "signoff_text": "考评委员会对本报告所列{year}年度考评结果的审定意见：",
        "chair": "主任委员（签字）",
        "members": "委员（签字）",
        "date_label": "日期",
        "notice": "公示期",
        "notice_range": "{start}至{end}",
        "seal": "考评委员会（盖章）",
        "grade_rules": "（三）等次标准、优秀名额和委员会调整",
        "group_dist": "等次分布：{counts}",
        "group_dist_item": "{grade}{n}个",
        "statuses": {k: zh for k, (zh, _) in STATUS_LABELS.items()},
    },
    "en": {
        "title": "Annual performance appraisal: committee report",
        "run": "run",
        "status": "status",
        "rules_version": "rules version",
        "generated": "generated",
        "zone": "Beijing time",
        "page": "page {page} of {pages}",
        "colon": ": ",
        "sep": ", ",
        "semi": "; ",
        "units_n": "{n} unit(s)",
        "persons_n": "{n} person(s)",
        "overview": "1. Overview",
        "distribution": "Grades by appraisal group",
        "group": "Appraisal group",
        "n_units": "Units",
        "dist_note": "Grades follow the score, the rules, the quota for excellent and "
        "the committee's overrides, in that order (section 3); ranks are within each "
        "appraisal group, by the score at 2 decimals.",
        "grades": "2. Grades",
        "group_heading": "{name} ({n} units)",
        "rank": "Rank in group",
        "unit": "Department",
        "score_parts": "Score (periods {p:.0%}, review {r:.0%}, survey {s:.0%})",
        "periods": "Periods",
        "review": "Review",
        "survey_part": "Survey",
        "deductions": "Deductions",
        "bonus": "Bonus",
        "total": "Score",
        "dims_head": "Level-1 dimensions, year-end score",
        "grade_steps": "Grade",
        "by_score": "By score",
        "rules_effect": "Rule effects",
        "override": "Override",
        "final": "Final grade",
        "flags_col": "Data-quality flags",
        "grades_note": "Periods: the {year} annual composite (every indicator rolled "
        "up over the year at its own frequency); review: year-end evaluation; survey: "
        "multi-rater appraisal; score = combined − deductions + bonus (0–100). The "
        "level-1 dimension scores are for reference: they are in the periods part. "
        "Data-quality flags: how many {year} flags (suspected under- or "
        "over-reporting) and of which checks; they do not change a score; reasons on "
        "each department's page.",
        "rank_range": HEADERS["rank_range"][1],
        "intervals": "Rank ranges",
        "interval_note": "{header}: the rank in the appraisal group by score and, in "
        "brackets, the ranks of 5–95% of {n:,} draws. Each draw varies the catalogue's "
        "open choices ({choices}) as stored with run {source}, rescores the {year} "
        "annual composite (periods part), and combines it by this appraisal's shares "
        "(periods {p:.0%}, review {r:.0%}, survey {s:.0%}) less deductions plus bonus "
        "before ranking within each appraisal group; the review, survey, deductions "
        "and bonus are taken as recorded, not drawn. The narrower the range, the "
        "firmer the place.",
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
        "rules": "3. Rules and their sources",
        "rules_intro": "Every rule of this appraisal's configuration (appraisal.yaml, "
        "rules version {version}). Unit rules count in a unit's grade; person rules "
        "only propose individual outcomes (annex) and never change a unit's grade.",
        "unit_rules": "(a) Unit rules (count in the grade)",
        "person_rules": "(b) Person rules (for the personnel department; not in any "
        "unit's grade)",
        "rule": "Rule",
        "applies_to": "Applies to",
        "applies": {"unit": "unit", "person": "person"},
        "source": "Source (document, article)",
        "quote": "Original text",
        "note": "Note",
        "rule_status": "Applied",
        "affected": "Touched",
        "thresholds": "Grades by score: excellent from {e:g}, good from {g:g}, pass "
        "from {p:g}, else fail.",
        "quota_group": "Quota for excellent: at most {share:.0%} of each appraisal "
        "group's units (rounded half up); the others become good by score; "
        "{n} unit(s) this year.",
        "quota_overall": "Quota for excellent: at most {share:.0%} of all units "
        "(rounded half up); the others become good by score; {n} unit(s) this year.",
        "overrides": "Committee overrides, each with its reason and approver: {n} "
        "unit(s) this year.",
        "pages": "4. Departments",
        "key_grade": "Final grade",
        "key_score": "Score",
        "key_rank": "rank {rank} of {n} in {group}",
        "peer": "peer group",
        "parts_head": "Score",
        "combined": "Combined",
        "last_year": "{year} composite",
        "parts_missing": "Parts missing (their share spread over the others): {parts}",
        "dims": "Level-1 dimensions, year-end score",
        "dim": "Dimension",
        "mine": "This unit",
        "median": "{group} median",
        "diff": "Difference",
        "fig_mine": "this unit",
        "fig_median": "group median",
        "rules_applied": "Rules applied (deductions, bonus, veto, quota, override)",
        "flags": "Data-quality flags ({year}, {n})",
        "flags_none": "Data-quality flags ({year}): none",
        "flags_note": "Flags do not change a score; the performance office checks them "
        "(evaluation flags).",
        "check": "Check",
        "count": "Count",
        "reasons": "Reasons",
        "more": "… and {n} more",
        "warnings": "Warnings in the year",
        "warning_counts": "Warnings in {year}: {counts}",
        "warning_below": " (red and orange ones below)",
        "warning_count": "{level} {n}",
        "survey": "Appraisal survey",
        "rater_group": "Rater group",
        "ballots": "Ballots",
        "valid": "Valid",
        "mean": "Mean",
        "response": "Response rate",
        "state": "Status",
        "sufficient": "sufficient",
        "insufficient": "insufficient",
        "none": "none",
        "annex": "Annex: proposed individual annual-assessment outcomes (for the "
        "personnel department; not part of any unit's grade)",
        "annex_note": "Proposed by the person rules (section 3 (b)) from the fault "
        "records, for the personnel department to decide under the civil servants' "
        "annual assessment; not part of any unit's result, score or grade; not for "
        "publication.",
        "person": "Person",
        "person_unit": "Unit",
        "faults": "Faults",
        "proposed": "Proposed",
        "reason": "Reason",
        "annex_none": "No person rule applies this year.",
        "signoff": "Decision of the appraisal committee",
        "signoff_text": "The committee's decision on the {year} appraisal results in "
        "this report:",
        "chair": "Chair (signature)",
        "members": "Members (signatures)",
        "date_label": "Date",
        "notice": "Public notice",
        "notice_range": "{start} to {end}",
        "seal": "Appraisal committee (seal)",
        "grade_rules": "(c) Grade thresholds, quota and overrides",
        "group_dist": "Grades: {counts}",
        "group_dist_item": "{grade} {n}",
        "statuses": {k: en for k, (_, en) in STATUS_LABELS.items()},
    },
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
    is a terminal).
    """
    if lang not in TEXT:
        raise ValueError(f"lang must be zh or en, not {lang!r}")
    t = TEXT[lang]
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
    gaps = dimension_gaps(grades)  # one group median, as letters and dashboard
    medians = (
        gaps.drop_duplicates(["group", "node_id"])
        .pivot(index="group", columns="node_id", values="group_median")
        .rename(columns=lambda d: f"{DIM_PREFIX}{d}")[dims]
    )
    effect_col = "effect_zh" if k == 0 else "effect"
    effects = applied.groupby("unit_id", sort=False)[effect_col].agg(t["semi"].join)
    flags = _year_flags(result.flags, year)
    ranges = _rank_text(intervals)
    n_draws = int(intervals.attrs["spec"]["n"]) if ranges is not None else 0

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
                (GRADE_NAMES[r.grade_by_score][k], "nw"),
                (effects.get(r.unit_id, ""), "small"),
                (_override(r.override, k), "small"),
                (GRADE_NAMES[r.final_grade][k], f"nw grade-{r.final_grade}"),
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
                "heading": t["group_heading"].format(name=gname, n=int(sizes[gid])),
                "rows": rows,
                "distribution": t["group_dist"].format(
                    counts=t["sep"].join(
                        t["group_dist_item"].format(grade=GRADE_NAMES[x][k], n=n)
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
            [t[f"quota_{g.quota.per}"].format(share=g.quota.share, n=quota_n)]
            if g.quota is not None
            else []
        ),
        t["overrides"].format(n=override_n),
    ]

    # ---- the department pages, in the grades' order
    order = grades["unit_id"].tolist()
    if units is not None:
        unknown = sorted(set(units) - set(order))
        if unknown:
            raise KeyError(f"no unit(s) {', '.join(unknown)} in the run's grades")
    wanted = set(order if units is None else units)
    keep = [u for u in order if u in wanted]  # the grades' order, whatever was asked
    figures = [_distribution(grades, groups, lang)]
    interval_groups = []
    if ranges is not None:
        names_k = grades.set_index("unit_id")[name_col].to_dict()
        for gid, gname in groups.items():
            part = intervals[
                intervals["unit_id"].isin(grades.loc[grades["group"] == gid, "unit_id"])
            ]
            interval_groups.append({"heading": gname, "index": len(figures)})
            figures.append(_interval_figure(part, names_k, lang))
    first = len(figures)
    show = progress if progress is not None else sys.stderr.isatty()
    from tqdm import tqdm

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
                _dims_figure(
                    dim_names,
                    row[dims].to_numpy(dtype=float),
                    medians.loc[row["group"]].to_numpy(dtype=float),
                    lang,
                )
            )
            profiles.append(
                _profile(
                    result, row, unit, t=t, k=k, year=year, dims=dims,
                    dim_names=dim_names, medians=medians, groups=groups, sizes=sizes,
                    peer_name=peer_name, rater_name=rater_name, applied=applied,
                    flags=flags[flags["unit_id"] == unit], survey=survey,
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
        distribution_head=[
            t["group"],
            t["n_units"],
            *(GRADE_NAMES[x][k] for x in GRADES),
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
    from tqdm import tqdm
    from weasyprint import HTML

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    show = progress if progress is not None else sys.stderr.isatty()
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".pdf", delete=False) as f:
        tmp = Path(f.name)
    try:
        with tqdm(
            total=2, desc="PDF", unit="step", file=sys.stderr, disable=not show
        ) as bar:
            bar.set_postfix_str("layout", refresh=True)
            document = HTML(string=html).render()
            bar.update()
            bar.set_postfix_str(f"{len(document.pages)} pages", refresh=True)
            document.write_pdf(tmp)
            bar.update()
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)  # readable like any file the user writes
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def from_store(store, run_id: str, *, viewer: str | None = None, **kwargs) -> str:
    """Render the report of a stored annual run (``kwargs``: :func:`render_html`'s
    ``lang``, ``units``, ``progress``, ``generated``)."""
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
    for n in ("rules", "persons"):  # runs stored before these tables have none
        try:
            tables[n] = store.table(run_id, n, viewer=viewer)
        except KeyError:
            tables[n] = None
    config = parse_config(info["appraisal"]["config"])
    source = interval_source(store, run_id)
    intervals = None
    if source is not None:
        from evaluation.analysis.uncertainty import Spec

        intervals = final_rank_intervals(
            result,
            tables["grades"],
            config,
            Spec(**store.manifest(source)["params"]["uncertainty"]),
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
        status=run["status"],
        rules_version=info["appraisal"]["rules_version"],
        intervals=intervals,
        notice=notice,
        **kwargs,
    )


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
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{d.day} {d:%B} {d.year}"


def _datetime_text(now: datetime, lang: str) -> str:
    """A time in Beijing time, the zone named."""
    if lang == "zh":
        return f"{_date_text(now.date(), lang)} {now:%H:%M}（北京时间，UTC+8）"
    return f"{_date_text(now.date(), lang)} {now:%H:%M} Beijing time (UTC+8)"


def _year_flags(flags: pd.DataFrame, year: str) -> pd.DataFrame:
    """The data-quality flags of the appraisal's year (a check over a unit's whole
    history carries its latest period), in the order of the checks."""
    if flags is None or not len(flags):
        return pd.DataFrame(
            columns=["unit_id", "check", "period", "reason_zh", "reason_en"]
        )
    from evaluation.risk.quality import CHECKS

    flags = flags[P.parse(flags["period"])["year"].to_numpy() == int(year)]
    rank = {c: i for i, c in enumerate(CHECKS)}
    return flags.assign(_c=flags["check"].map(rank)).sort_values(
        ["_c", "period"], kind="stable"
    )


def _check_name(check: str, k: int) -> str:
    return WORDS[check][k] if check in WORDS else check


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
            t["score_parts"].format(p=shares.periods, r=shares.review, s=shares.survey),
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


def _rule_sections(
    rules: pd.DataFrame | None, t: dict, k: int, config: Config
) -> list[dict]:
    """Every rule of the configuration, unit rules first: the reader's name, whom it
    applies to, the source, the original sentence, the note, its status, its reach."""
    if rules is None or not len(rules):
        return []
    cited = {r.id: _citation(r.source) for r in config.rules}
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
                    "quote": f"“{r.quote_zh}”" if r.quote_zh else "",
                    "note": r.note_zh or "",
                    "status": r.status_zh if k == 0 else r.status_en,
                    "active": bool(r.active),
                    "affected": (
                        t["persons_n"] if who == "person" else t["units_n"]
                    ).format(n=n),
                }
            )
        out.append({"heading": heading, "who": who, "rows": rows})
    return out


def _profile(
    result: Result, row: pd.Series, unit: str, *, t, k, year, dims, dim_names,
    medians, groups, sizes, peer_name, rater_name, applied, flags, survey, rank_range,
) -> dict:  # fmt: skip
    """One department's page."""
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
    mine = row[dims].to_numpy(dtype=float)
    median = medians.loc[gid].to_numpy(dtype=float)
    dim_rows = [
        [n, *round_half_up([a, b]), _signed(a - b)]
        for n, a, b in zip(dim_names, mine, median, strict=True)
    ]
    w = result.warnings
    w = w[(w["unit_id"] == unit) & w["period"].astype(str).str.startswith(year)]
    counts = w["level"].value_counts()
    serious = w[w["level"].isin(["red", "orange"])]
    serious = serious.assign(_o=serious["level"].map({"red": 0, "orange": 1}))
    serious = serious.sort_values(["_o", "period"], kind="stable")
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
        "grade": GRADE_NAMES[row["final_grade"]][k],
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
            getattr(x, reason) for x in applied[applied["unit_id"] == unit].itertuples()
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
                t["warning_count"].format(level=WORDS[lv][k], n=int(counts.get(lv, 0)))
                for lv in ("red", "orange", "yellow")
            ),
        )
        + (t["warning_below"] if len(serious) else ""),
        "warnings": [  # the year's serious ones: a page, not a log
            {
                "level": WORDS[x.level][k],
                "level_code": x.level,
                "reason": getattr(x, reason),
            }
            for x in serious.head(5).itertuples()
        ],  # fmt: skip
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


def _citation(source) -> str:
    """The source as it is cited: a document number as it stands (辽市政发〔2007〕48号
    第五部分第（五）项), a document known by its title in 《》."""
    doc = source.document.strip()
    numbered = "〔" in doc and doc.endswith("号")
    titled = doc.startswith("《") or numbered
    return f"{doc if titled else f'《{doc}》'}{' ' if numbered else ''}{source.article}"


def _signed(x: float) -> str:
    if np.isnan(x):
        return ""
    text = round_half_up([abs(x)])[0]
    return ("+" if x >= 0 else "−") + text


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
        if k == 0:
            proposed = r.proposed_zh
        elif r.proposed == worst:
            proposed = "incompetent"
        else:
            proposed = f"at most {r.proposed} (not eligible for excellent)"
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
    from evaluation.analysis import uncertainty as U

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
    summary = U._summary(units, scores, ranks, pd.Series(nominal))
    summary.attrs.update(
        spec={"n": len(table), **{k: v for k, v in vars(spec).items() if k != "n"}},
        frequency="annual",
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
    from evaluation.analysis.uncertainty import rank_range

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
        p=p,
        r=r,
        s=s,
    )


# ------------------------------------------------------------------- figures
GRADE_COLOURS = {
    "excellent": PALETTE[0],
    "good": PALETTE[2],
    "pass": PALETTE[6],
    "fail": PALETTE[5],
}


def _distribution(grades: pd.DataFrame, groups: dict, lang: str) -> go.Figure:
    """Final grades per appraisal group, stacked."""
    k = 0 if lang == "zh" else 1
    counts = (
        grades.groupby(["group", "final_grade"]).size().unstack(fill_value=0)
        .reindex(index=list(groups), columns=list(GRADES), fill_value=0)
    )  # fmt: skip
    fig = go.Figure()
    for g in GRADES:
        fig.add_bar(
            y=list(groups.values()),
            x=counts[g],
            name=GRADE_NAMES[g][k],
            orientation="h",
            marker_color=GRADE_COLOURS[g],
            text=counts[g].where(counts[g] > 0, ""),
            textposition="inside",
            insidetextanchor="middle",
        )
    fig.update_layout(
        barmode="stack",
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": 14},
        width=900,
        height=110 + 50 * len(counts),
        margin={"l": 10, "r": 10, "t": 30, "b": 40},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0,
                "traceorder": "normal"},
    )  # fmt: skip
    fig.update_xaxes(title_text="单位数" if k == 0 else "Units")
    fig.update_yaxes(autorange="reversed")
    return fig


def _interval_figure(intervals: pd.DataFrame, names: dict, lang: str) -> go.Figure:
    """One appraisal group's departments: rank by score with its 5–95 % range."""
    fig = plot_rank_intervals(intervals, names, lang=lang)
    n = int(intervals["nominal_rank"].notna().sum())
    fig.update_traces(  # the median often equals the rank: let the rank show through
        selector={"marker.symbol": "diamond"},
        marker={"symbol": "diamond-open", "size": 9, "line": {"width": 2}},
    )
    fig.update_layout(
        font={"size": 13},
        width=1500,
        height=max(260, 100 + 18 * n),  # A4 landscape: 40 departments fill a page
        margin={"l": 10, "r": 20, "t": 30, "b": 45},
    )
    fig.update_yaxes(title_text=None, dtick=1, tickfont={"size": 12})  # every name
    return fig


def _dims_figure(names: list[str], mine, median, lang: str) -> go.Figure:
    """Each level-1 dimension's year-end score (bar, with its value) against the
    appraisal group's median (grey mark)."""
    t = TEXT[lang]
    fig = go.Figure()
    fig.add_bar(
        y=names, x=mine, orientation="h", marker_color=PALETTE[0], name=t["fig_mine"],
        text=round_half_up(mine, 1), textposition="inside", insidetextanchor="end",
        textfont={"color": "white", "size": 13}, constraintext="none",
    )  # fmt: skip
    fig.add_scatter(
        y=names, x=median, mode="markers", name=t["fig_median"],
        marker={"color": "#555", "size": 22, "symbol": "line-ns-open",
                "line": {"width": 3}},
    )  # fmt: skip
    fig.update_layout(
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": 14},
        width=640,
        height=215,
        margin={"l": 10, "r": 20, "t": 5, "b": 50},
        legend={"orientation": "h", "y": -0.2, "yanchor": "top", "x": 0},
        bargap=0.35,
    )
    fig.update_xaxes(range=[0, 100], dtick=20)
    fig.update_yaxes(autorange="reversed")
    return fig


@contextmanager
def _kaleido():
    """One browser for the whole report: kaleido's server, started here unless one
    is running (then left running)."""
    import kaleido

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
    return f"{GRADE_NAMES[before][k]} → {GRADE_NAMES[after][k]}"
