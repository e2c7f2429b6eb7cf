"""From scores to grades: thresholds, rule caps, the quota per appraisal group,
committee overrides, and ranks within each group."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from evaluation.appraisal.config import GRADES, Config, Quota
from evaluation.appraisal.inputs import Inputs, row_problems
from evaluation.appraisal.rules import counted
from evaluation.errors import ValidationFailed
from evaluation.vocabulary import (
    FAMILIES,
    GRADE,
    SCORE_DECIMALS,
    Word,
    as_published,
    mid_sentence,
)

#: the list a quota over every unit counts in (per: overall), as the quota table
#: names it: 全部单位 / All units
ALL_UNITS = FAMILIES["quota_list"]["all"]


def published(score: pd.Series) -> pd.Series:
    """The scores as published: 2 decimals rounded half up, as every table and
    letter writes them (a mean of 92.575 computed as 92.57499999999999 is 92.58,
    where ``round`` gives 92.57); NaN kept. The thresholds, ranks and quota take
    these, so units published alike are graded and ranked alike
    (:func:`~evaluation.vocabulary.as_published`, as the exports write them)."""
    return pd.Series(as_published(score, SCORE_DECIMALS), index=score.index)


def by_score(score: pd.Series, config: Config) -> np.ndarray:
    """优秀/良好/合格/不合格 by the thresholds, on the score as published
    (:func:`published`: 90.00 by hand, computed as 89.99999999999999, is 优秀);
    no score → fail."""
    th = config.grades
    score = published(score)
    return np.select(
        [score >= th.excellent, score >= th.good, score >= th.pass_],
        ["excellent", "good", "pass"],
        "fail",
    )


def worst(a, b):
    """The worse of two grade columns, cell by cell."""
    rank = {g: i for i, g in enumerate(GRADES)}
    return [max(x, y, key=rank.get) for x, y in zip(a, b, strict=True)]


def group_rank(table: pd.DataFrame) -> pd.Series:
    """Rank within the appraisal group by the score as published (2 decimals),
    ties sharing the better place; no score → no rank."""
    return (
        published(table["score"])
        .groupby(table["group"])
        .rank(method="min", ascending=False)
        .astype("Int64")
    )


def places(share: float, n: int) -> int:
    """Excellent places in a list of ``n`` units: ``share × n`` rounded half up
    (10 units × 0.25 = 2.5 → 3; Python's ``round`` would give 2)."""
    return int(Decimal(repr(share * n)).quantize(Decimal(1), ROUND_HALF_UP))


def share_text(share: float) -> str:
    """A configured share as the committee reads it, exact: 20%, 12.5% (a quota's,
    a part's, the weight noise; ``.0%`` would write 12% for 0.125, and 13 units
    × 12% is not the places given)."""
    return f"{share * 100:g}%"


def quota_table(grades: pd.DataFrame, config: Config) -> pd.DataFrame:
    """The quota for excellent at a glance (``grades``: ``Appraisal.grades``), one
    row per list it is counted in: each appraisal group in ``config``'s order, or
    ``all`` with ``per: overall``.

    ``group, units, places`` (``share × units`` rounded half up; empty without a
    quota), ``excellent_by_rules`` (excellent after the rules, before the quota),
    ``excellent`` (after the quota), ``cut`` (excellent by the rules, good by the
    quota) and ``ties`` (units marked tied at the quota line, for the committee)."""
    quota = config.grades.quota
    overall = quota is not None and quota.per == "overall"
    key = pd.Series("all", index=grades.index) if overall else grades["group"]
    flags = pd.DataFrame(
        {
            "units": 1,
            "excellent_by_rules": grades["grade_after_rules"] == "excellent",
            "excellent": grades["grade_after_quota"] == "excellent",
            "ties": grades["quota_tie"].astype(bool),
        }
    )
    out = flags.groupby(key.to_numpy(), sort=False).sum().astype("int64")
    order = ["all"] if overall else [g.id for g in config.groups]
    out = out.reindex([g for g in order if g in out.index])
    out["cut"] = out["excellent_by_rules"] - out["excellent"]
    out["places"] = pd.array(
        [places(quota.share, n) for n in out["units"]] if quota else [pd.NA] * len(out),
        dtype="Int64",
    )
    columns = ["units", "places", "excellent_by_rules", "excellent", "cut", "ties"]
    return out[columns].rename_axis("group").reset_index()


def quota_moves(
    before: pd.DataFrame, after: pd.DataFrame, config: Config
) -> pd.DataFrame:
    """The units whose final grade the quota alone changed between two versions'
    ``grades`` (another unit's appeal moving it over or under the quota line): the
    same score as published (2 decimals, as the quota sorts) and the same grade by
    the rules in both, another grade after the quota, and each final grade the
    quota's (no override between). ``unit_id, list_zh, list_en`` (the list the
    quota counts in: the appraisal group, or all units), ``units, places, share``
    (``config``'s quota); none without a quota. A reader then learns why a grade
    changed with no change of score."""
    columns = ["unit_id", "list_zh", "list_en", "units", "places", "share"]
    quota = config.grades.quota
    if quota is None:
        return pd.DataFrame(columns=columns)
    a = before.set_index("unit_id")
    b = after.set_index("unit_id").reindex(a.index)
    moved = (
        (a["final_grade"] != b["final_grade"])
        & (published(a["score"]) == published(b["score"]))
        & (a["grade_after_rules"] == b["grade_after_rules"])
        & (a["grade_after_quota"] != b["grade_after_quota"])
        & (a["final_grade"] == a["grade_after_quota"])
        & (b["final_grade"] == b["grade_after_quota"])
    )
    overall = quota.per == "overall"
    lists = pd.Series("all", index=b.index) if overall else b["group"]
    sizes = lists.map(lists.value_counts())
    named = {g.id: (g.name_zh, g.name_en) for g in config.groups}
    named["all"] = tuple(ALL_UNITS)  # the quota table's word (quota_list)
    out = pd.DataFrame(
        {
            "list_zh": [named.get(g, (g, g))[0] for g in lists[moved]],
            "list_en": [named.get(g, (g, g))[1] for g in lists[moved]],
            "units": sizes[moved].astype("int64"),
            "places": [places(quota.share, int(n)) for n in sizes[moved]],
            "share": quota.share,
        },
        index=lists[moved].index,
    )
    return out.rename_axis("unit_id").reset_index()[columns]


def apply_quota(table: pd.DataFrame, quota: Quota, applied: list) -> None:
    """Keep the best ``round_half_up(share × n)`` excellent units per appraisal group.

    Order: score (2 decimals, as published), then the periods part, then the survey
    part, all descending; a tie still standing at the boundary is settled by
    ``unit_id`` and marked ``quota_tie`` for the committee.
    """
    keys = (
        table["group"] if quota.per == "group" else pd.Series("all", index=table.index)
    )
    for _, members in table.groupby(keys, sort=False):  # appraisal groups
        n = len(members)
        allowed = places(quota.share, n)
        cand = members[members["grade_after_rules"] == "excellent"]
        if len(cand) <= allowed:
            continue
        order = cand.assign(
            _s=published(cand["score"]),
            _p=cand["periods_score"].fillna(-1),
            _v=cand["survey_score"].fillna(-1),
        ).sort_values(
            ["_s", "_p", "_v", "unit_id"], ascending=[False, False, False, True]
        )
        keep, drop = order.iloc[:allowed], order.iloc[allowed:]
        if allowed and len(drop):
            last, first_out = keep.iloc[-1], drop.iloc[0]
            key = ["_s", "_p", "_v"]
            if tuple(last[key]) == tuple(first_out[key]):
                tied = order[(order[key] == last[key]).all(axis=1)].index
                table.loc[tied, "quota_tie"] = True
        table.loc[drop.index, "grade_after_quota"] = "good"
        where_zh = "本组" if quota.per == "group" else "全部"
        for i in drop.index:
            applied.append(
                {
                    "unit_id": table.at[i, "unit_id"],
                    "rule_id": "quota",
                    "version": "",
                    "source": quota.source.cited()
                    if quota.source
                    else FAMILIES["built_in_source"]["quota"].zh,
                    "effect": "excellent → good",
                    "effect_zh": "优秀 → 良好（名额）",
                    "reason_zh": f"{where_zh}优秀名额{allowed}个（{n}个单位×"
                    f"{share_text(quota.share)}，四舍五入），按得分排序未入选",
                    "reason_en": f"excellent quota {allowed} ({n} units × "
                    f"{share_text(quota.share)}, rounded half up); outside it by score",
                }
            )


def check_overrides(
    table: pd.DataFrame, inputs: Inputs, config: Config, applied: list[dict]
) -> None:
    """Refuse the overrides that would undo what the rules fixed, naming each row
    (one ``ValidationFailed``; nothing graded): a vetoed unit's grade raised (a veto
    is corrected in its record, by an appeal, not by an override), a unit raised
    above its grade cap (取消评优评先资格: no 优秀 with a fault finding; said with
    the rule that sets the cap and the faults it counted, from ``applied``), and a
    list with more excellent units than its places (another unit of it must come
    down in the same file, or the quota change). ``table``: the grades after the
    quota."""
    o = inputs.tables.get("overrides")
    if o is None or o.empty:
        return
    by_unit = table.set_index("unit_id")
    before = by_unit["grade_after_quota"]
    vetoed = by_unit["veto"].reindex(o["unit_id"]).fillna(False).to_numpy(bool)
    problems = [
        row_problems(
            o, vetoed & (o["grade"] != "fail"), "grade", "override_veto", named=GRADE
        )
    ]
    rank = {g: i for i, g in enumerate(GRADES)}
    cap = by_unit["cap"].reindex(o["unit_id"]).to_numpy()
    above = ~vetoed & (o["grade"].map(rank).to_numpy() < [rank[c] for c in cap])
    for i in np.flatnonzero(above):  # a rule's cap, e.g. no 优秀 with a fault
        unit = o["unit_id"].iloc[i]
        problems.append(
            row_problems(
                o,
                np.arange(len(o)) == i,
                "grade",
                "override_cap",
                named=GRADE,
                rules=_capped_by(unit, cap[i], applied, config),
                cap=GRADE[cap[i]],
            )
        )
    quota = config.grades.quota
    if quota is not None:
        final = before.copy()
        final[o["unit_id"].to_numpy()] = o["grade"].to_numpy()
        lists = (
            by_unit["group"]
            if quota.per == "group"
            else pd.Series("", index=by_unit.index)
        )
        names = {  # in English mid-sentence: district and county governments
            g.id: Word(g.name_zh, mid_sentence(g.name_en)) for g in config.groups
        }
        raised = (o["grade"] == "excellent").to_numpy() & (
            before.reindex(o["unit_id"]).to_numpy() != "excellent"
        )
        for key, members in lists.groupby(lists, sort=False).groups.items():
            count = int((final[members] == "excellent").sum())
            allowed = places(quota.share, len(members))
            if count > allowed:
                mine = raised & o["unit_id"].isin(members).to_numpy()
                name = names.get(key, Word(ALL_UNITS.zh, mid_sentence(ALL_UNITS.en)))
                problems.append(
                    row_problems(
                        o,
                        mine,
                        "grade",
                        "override_quota",
                        named=GRADE,
                        group=name,
                        excellent=count,
                        places=allowed,
                    )
                )
    report = pd.concat(problems, ignore_index=True)
    if len(report):  # in the file's order, as the other input problems
        report = report.sort_values("row", kind="stable", ignore_index=True)
        raise ValidationFailed(report)


def _capped_by(unit: str, cap: str, applied: list[dict], config: Config) -> Word:
    """The rules that cap ``unit`` at ``cap`` (``applied``'s grade-cap rows), each
    with the faults it counted: ``该单位有3起过错（一般过错），适用考评规则“…”`` /
    ``this unit has 3 fault findings (general fault); the rule '…'`` (1 fault
    finding: :func:`~.rules.counted`)."""
    rules = {r.id: r for r in config.rules}
    severity = {s.id: s for s in config.faults.severities}
    zh, en = [], []
    for row in applied:
        if row["unit_id"] != unit or row.get("cap") != cap:
            continue
        rule, n = rules[row["rule_id"]], row["faults"]
        kinds = [severity[s] for s in rule.severities]
        of_zh = f"（{'、'.join(s.name_zh for s in kinds)}）" if kinds else ""
        of_en = f" ({', '.join(s.name_en for s in kinds)})" if kinds else ""
        faults = counted("faults", n)
        zh.append(f"有{faults.zh}{of_zh}，适用考评规则“{rule.name_zh}”")
        en.append(f"has {faults.en}{of_en}; the rule '{rule.name_en}'")
    return Word("该单位" + "；".join(zh), "this unit " + "; ".join(en))


def apply_overrides(table: pd.DataFrame, inputs: Inputs, applied: list) -> None:
    """The committee's recorded decisions (validated: grade, reason, approver, date)."""
    o = inputs.tables.get("overrides")
    if o is None:
        return
    pos = pd.Series(table.index, index=table["unit_id"])
    for r in o.itertuples():  # a few decisions a year
        i = pos[r.unit_id]
        before = table.at[i, "final_grade"]
        table.at[i, "final_grade"] = r.grade
        table.at[i, "override"] = f"{before} → {r.grade}"
        applied.append(
            {
                "unit_id": r.unit_id,
                "rule_id": "override",
                "version": "",
                "source": FAMILIES["built_in_source"]["override"].zh,
                "effect": f"{before} → {r.grade}",
                "effect_zh": f"{GRADE[before][0]} → {GRADE[r.grade][0]}",
                "reason_zh": r.reason,
                "reason_en": r.reason,
                "approved_by": r.approved_by,
                "approved_on": r.approved_on,
                "reference": "",
            }
        )
