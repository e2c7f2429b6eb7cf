"""Tables worded for the office that reads them: Chinese headers, units and
indicators by name, codes in words, dates as 2026年1月20日, numbers rounded half up.

The files the command line writes in Chinese (催办清单, rank intervals, Sobol
indices, the changes between two runs) are built here from the library's tables,
so a notebook gets the same file as ``evaluation ledger``, ``uncertainty`` and
``diff`` write. Codes are kept in the last columns, to match on.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

import numpy as np
import pandas as pd

from evaluation.analysis import views
from evaluation.analysis.uncertainty import RANK_DECIMALS, shown_width
from evaluation.appraisal.grades import quota_table
from evaluation.catalogue import Catalogue
from evaluation.intake.io import encoding_word
from evaluation.periods import PATTERNS, date_text, name_en, name_zh
from evaluation.publish.export import published_numbers, round_half_up
from evaluation.risk.ledger import by_level
from evaluation.scoring.weights import CR_LIMIT, ahp, most_inconsistent
from evaluation.vocabulary import family, say, word, words


def reminders(
    due: pd.DataFrame, cat: Catalogue, units: dict[str, str], lang: str = "zh"
) -> pd.DataFrame:
    """The reminder list as the office sends it (催办清单), headed in ``lang``
    (``reminder_header``): units and indicators by name, levels, rules and statuses
    in words, periods by name, dates as 2026年1月20日 (2026-01-20 in English), the
    reason in ``lang``; the unit's code and the item's id last, to match on.
    ``due``: the ledger's reminders (:func:`evaluation.risk.ledger.reminders`);
    ``units``: code → name in ``lang``."""

    def said(family_name: str, codes):
        known = words(family_name, lang)
        return [known.get(c, c) for c in codes]

    def day(values):
        return [date_text(v, lang) if isinstance(v, str) and v else "" for v in values]

    period = name_zh if lang == "zh" else name_en
    table = pd.DataFrame(
        {
            "unit": [units.get(u, u) for u in due["unit_id"]],
            "node": [cat.name_or_id(n, lang) for n in due["node_id"]],
            "rule": said("risk_rule", due["rule"]),
            "level": said("risk_level", due["level"]),
            "level_opened": said("risk_level", due["level_opened"]),
            "opened_period": [period(p) for p in due["opened_period"]],
            "first_due": day(due["first_due"]),
            "due": day(due["due"]),
            "escalations": due["escalations"].astype("int64").to_numpy(),
            "status": said("ledger_status", due["status"]),
            "checked_on": day(due["checked_on"]),
            "reason": due[f"reason_{lang}"].fillna("").to_numpy(),
            "unit_id": due["unit_id"].to_numpy(),
            "item_id": due["item_id"].to_numpy(),
        }
    )
    return table.rename(columns=words("reminder_header", lang))


def changes_table(
    changes: pd.DataFrame, lang: str, units: dict[str, str] | None = None
) -> pd.DataFrame:
    """The changes between two runs (:meth:`Store.diff`) headed in ``lang``, scores
    to 2 decimals (half up) and ranks whole; in Chinese in words throughout: the
    tables and fields, the key (``2025年第四季度，市教育局``), statuses and grades;
    in English its fields by the words the English grade tables head them with
    (Review, Rank in group, Final grade; not review_score)."""
    fields = changes["field"]
    values = {
        side: [
            _diff_value(f, v, lang) for f, v in zip(fields, changes[side], strict=True)
        ]
        for side in ("before", "after")
    }
    said = words("cli_said", lang)
    changes = changes.assign(field=fields.map(lambda x: said.get(f"diff_{x}", x)))
    if lang == "zh":
        changes = changes.assign(
            table=changes["table"].map(lambda x: said.get(f"diff_{x}", x)),
            key=changes["key"].map(lambda k: _key_zh(k, units or {})),
        )
    return changes.assign(**values).rename(
        columns={c: say("cli_said", f"change_{c}").text(lang) for c in changes}
    )


def _key_zh(key: str, units: dict[str, str]) -> str:
    """A changed row's key (``2025-Q4 / D20``) in words: periods by name, units by
    their Chinese name (the code where the runs do not name it)."""
    parts = []
    for part in str(key).split(" / "):
        if any(re.fullmatch(p, part) for p in PATTERNS.values()):
            parts.append(name_zh(part))
        else:
            parts.append(units.get(part, part))
    return "，".join(parts)


#: the changes' fields whose values are codes with words, and their family
_DIFF_CODED = {"status": "rank_status", "final_grade": "grade"}


def _diff_value(field: str, value, lang: str) -> str:
    """A changed value: a score to 2 decimals (half up), a rank whole; in Chinese a
    status or grade by its word, 是/否 for a boolean, 无 for none (in English the
    code, yes/no, none)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return word("cli_said", "diff_none", lang)
    if isinstance(value, bool | np.bool_):
        return word("yes_no", "yes" if value else "no", lang)
    if isinstance(value, int | float | np.number):
        if field in ("rank", "peer_rank", "group_rank"):
            return f"{float(value):.0f}"
        return round_half_up([value], 2)[0]
    code = str(value)
    if lang == "zh" and field in _DIFF_CODED and code in family(_DIFF_CODED[field]):
        return word(_DIFF_CODED[field], code, lang)
    return code


def intervals(
    summary: pd.DataFrame, units: pd.DataFrame, lang: str = "zh"
) -> pd.DataFrame:
    """Rank intervals (an uncertainty analysis' ``summary``, with or without each
    range's ``width``: :func:`evaluation.analysis.uncertainty.rank_widths`) as the
    office reads them, in ``lang``: headed by ``interval_header``'s words, units by
    name in ``lang``, ranks to 1 decimal and scores to 2 (half up), a width that of
    the ends as shown (19.0 to 24.0 is 5.0, whatever the unrounded ends give:
    :func:`~evaluation.analysis.uncertainty.shown_width`), the published ranks
    (overall and among the unit's type) whole, the unit's code last.
    ``evaluation uncertainty`` writes it in Chinese (in English its file keeps the
    analysis' own columns)."""
    names = dict(zip(units["unit_id"], units[f"name_{lang}"], strict=True))
    table = summary.copy()
    if "width" in table:
        table["width"] = shown_width(table["rank_q05"], table["rank_q95"])
    for c in table.columns.drop("unit_id"):  # numbers, written as numbers
        kept = round_half_up(table[c], 2 if c.startswith("score") else RANK_DECIMALS)
        table[c] = pd.to_numeric(pd.Series(kept, index=table.index))
    for c in ("nominal_rank", "level_rank"):  # published ranks: whole
        if c in table:
            table[c] = table[c].round().astype("Int64")
    table.insert(0, "unit", [names.get(u, u) for u in summary["unit_id"]])
    table = table[[c for c in table.columns if c != "unit_id"] + ["unit_id"]]
    return table.rename(columns=words("interval_header", lang))


def sobol_factor(code: str, cat: Catalogue, lang: str = "zh") -> str:
    """A Sobol factor in words (``lang``): ``w:efficiency`` → 行政效率的权重,
    ``weights:level1`` → 第1级全部权重, ``normalisation`` → 标准化方法."""
    if code.startswith("w:"):
        node = cat.name_or_id(code[2:], lang)
        return say("sobol_factor", "weight", node=node).text(lang)
    level = re.fullmatch(r"weights:level(\d+)", code)
    if level:
        return say("sobol_factor", "level_weights", depth=level[1]).text(lang)
    known = family("sobol_factor")
    return known[code].text(lang) if code in known else code


def sobol_table(sobol: pd.DataFrame, cat: Catalogue, lang: str = "zh") -> pd.DataFrame:
    """Sobol indices (:func:`evaluation.analysis.uncertainty.sensitivity`) as the
    office reads them, in ``lang``: headed by ``sobol_header``'s words, the factors
    (:func:`sobol_factor`: 行政效率的权重, weight of Administrative efficiency), the
    estimator and its interval in words, the indices to 4 decimals half up (numbers
    still); the factor's code kept in the last column. ``evaluation uncertainty``
    writes it in Chinese (in English its file keeps the analysis' own columns)."""
    headers = words("sobol_header", lang)
    order = ["S1", "S1_low", "S1_high", "S1_conf", "ST", "ST_low", "ST_high", "ST_conf"]
    table = rounded(sobol[order], 4)  # numbers, written as numbers
    table.insert(0, "factor", [sobol_factor(f, cat, lang) for f in sobol["factor"]])
    for c, family_name in (
        ("estimator", "sobol_estimator"),
        ("interval", "sobol_interval"),
    ):
        known = words(family_name, lang)
        table[c] = [known.get(x, x) for x in sobol[c]]
    table["factor_code"] = sobol["factor"].to_numpy()
    return table.rename(columns=headers)


def rounded(table: pd.DataFrame, decimals: int = 2) -> pd.DataFrame:
    """``table`` with every column of fractions rounded half up to ``decimals``
    (:func:`published_numbers`: 2.675 is 2.68, never -0.00), as published; whole
    numbers and text as they are, the values still numbers. For a table a notebook
    computes itself (pandas' ``round`` rounds half to even: 0.125 is 0.12)."""
    out = table.copy()
    for i in range(out.shape[1]):  # by place: two columns may share a name
        if pd.api.types.is_float_dtype(out.dtypes.iloc[i]):
            out.iloc[:, i] = published_numbers(out.iloc[:, i], decimals)
    return out


def percent(ratios, decimals: int = 1) -> list[str]:
    """Ratios said as percentages, rounded half up (:func:`round_half_up`):
    0.605333 → ``60.5%``, 1 → ``100.0%``, none → ``''``. The ratio is scaled by
    100 in decimal, so 0.6055 is 60.6%, not the 60.5% of 60.549999… in binary."""
    scaled = [
        np.nan if pd.isna(r) else float(Decimal(repr(float(r))).scaleb(2))
        for r in ratios
    ]
    return [f"{x}%" if x else "" for x in round_half_up(scaled, decimals)]


def _one(value: float, decimals: int) -> float:
    """One number as published (:func:`published_numbers`)."""
    return published_numbers([value], decimals)[0]


def indicators(table: pd.DataFrame, cat: Catalogue, lang: str) -> pd.DataFrame:
    """A unit's indicators (a profile's ``indicators``, ``strengths`` or
    ``weaknesses``) as the analyst reads them: :func:`views.indicator_table`'s
    headers and words, the values, targets, medians, scores and gaps rounded half up
    to 2 decimals as published (17.39, not 17.391304; 0.00, never -0.00), numbers
    still (a workbook sorts them)."""
    return rounded(views.indicator_table(table, cat, lang), 2)


def files(files: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The files a dataset was read from (``Dataset.files``) as the analyst reads
    them: 文件, 编码 (:func:`~evaluation.intake.io.encoding_word`) and 行数."""
    heads = words("files_header", lang)
    return pd.DataFrame(
        {
            heads["file"]: files["file"].to_numpy(),
            heads["encoding"]: [encoding_word(c).text(lang) for c in files["encoding"]],
            heads["rows"]: files["rows"].to_numpy(),
        }
    )


def flag_counts(flags: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The flags each check raised, by decision (:func:`views.flag_counts`, the
    triage chart's numbers), as the analyst reads them: the checks by name under
    核查项, the decisions in words (待核实, 已确认, 已排除) and the total (提示条数)."""
    counts = views.flag_counts(flags)
    checks = words("quality_check", lang)
    return counts.rename(
        index=lambda c: checks.get(c, c),
        columns={**words("flag_status", lang), "all": word("flag_plot", "count", lang)},
    ).rename_axis(index=word("risk_header", "check", lang))


def ledger_counts(ledger: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The ledger at a glance (:func:`evaluation.risk.ledger.by_level`) as the
    analyst reads it: 未关闭 and 已销号 under 状态, the levels in words, the most
    severe first (红色, 橙色), and each status's 整改事项数."""
    levels = words("risk_level", lang)
    return (
        by_level(ledger)
        .rename(
            index=words("ledger_status", lang),
            columns={**levels, "all": word("ledger_unit_header", "items", lang)},
        )
        .rename_axis(index=word("risk_header", "status", lang))
    )


def responses(summary: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The survey's response by rater group
    (:func:`evaluation.appraisal.response_summary`) as the analyst reads it: headed
    in ``lang`` (``response_header``), the group by its name in ``lang``, the
    response rate as a percentage (60.5%, :func:`percent`), weights and mean scores
    to 2 decimals half up; the group's code and the other language's name left
    out."""
    other = "name_en" if lang == "zh" else "name_zh"
    out = rounded(summary.drop(columns=["rater_group", other]), 2)
    out["response_rate"] = percent(summary["response_rate"], 1)
    return out.rename(columns=words("response_header", lang))


#: the three parts of the year-end score (考、评、议), as ``Appraisal.grades`` has them
_PARTS = ("periods_score", "review_score", "survey_score")
#: a unit's scores in the order the year-end score is built, then its grade step by step
_STEP_SCORES = (*_PARTS, "combined", "deductions", "bonus", "score")
_STEP_GRADES = ("grade_by_score", "grade_after_rules", "grade_after_quota",
                "final_grade")  # fmt: skip


def shares(config, lang: str) -> pd.Series:
    """The three parts' shares of the year-end score (``config``: its
    ``appraisal.yaml``), each part (考、评、议) by its ``grade_header`` words in
    ``lang`` (考：年度综合得分), under ``year_end``'s word for a share (权重)."""
    heads = words("grade_header", lang)
    return pd.Series(
        _part_shares(config),
        index=[heads[p] for p in _PARTS],
        name=word("year_end", "share", lang),
    )


def _part_shares(config) -> list[float]:
    """The shares of 考、评、议, in ``_PARTS``' order."""
    given = config.shares
    return [given.periods, given.review, given.survey]


def part_spread(grades: pd.DataFrame, config, lang: str) -> pd.DataFrame:
    """How much each part of the year-end score separates the units
    (``grades``: ``Appraisal.grades``; ``config``: its ``appraisal.yaml``): the
    part's share, its standard deviation across the units that have it (sample SD)
    and the effect, share × SD (a part with a large share whose scores barely
    differ decides little). One row per part (考、评、议) by its ``grade_header``
    words in ``lang`` (考：年度综合得分, as :func:`shares`, the grades table and the
    report name it), headed by ``year_end``'s words, to 2 decimals half up as
    published (the effect from the unrounded SD)."""
    said, heads = words("year_end", lang), words("grade_header", lang)
    share = _part_shares(config)
    spread = grades[list(_PARTS)].astype(float).std().to_numpy()
    table = pd.DataFrame(
        {
            said["share"]: share,
            said["spread"]: spread,
            said["effect"]: np.asarray(share, dtype=float) * spread,
        },
        index=[heads[p] for p in _PARTS],
    )
    return rounded(table, 2)


def unit_steps(grades: pd.DataFrame, unit_id: str, lang: str) -> pd.DataFrame:
    """One unit's year-end score and grade step by step (``grades``:
    ``Appraisal.grades``), one column headed by its name in ``lang``: its rank in
    its appraisal group, the three parts, the combined score, deductions, bonus
    and final score as the grades table writes them (2 decimals half up, blank
    where there is none), then its grade by score, after the rules, after the
    quota and the final grade, in words; rows headed by ``grade_header``."""
    row = grades.set_index("unit_id").loc[unit_id]
    rank = row["group_rank"]
    grade = words("grade", lang)
    values = [
        "" if pd.isna(rank) else int(rank),
        *round_half_up(row[list(_STEP_SCORES)].astype(float), 2),
        *[grade.get(g, g) for g in row[list(_STEP_GRADES)]],
    ]
    heads = words("grade_header", lang)
    index = [heads[c] for c in ("group_rank", *_STEP_SCORES, *_STEP_GRADES)]
    return pd.Series(values, index=index, dtype=object).to_frame(row[f"name_{lang}"])


def rules_affected(applied: pd.DataFrame, rules: pd.DataFrame, lang: str) -> pd.Series:
    """How many units each rule applied to (``applied``: ``Appraisal.rules_applied``;
    ``rules``: ``Appraisal.rules``), each unit once however many times the rule
    applied to it (two bonuses are one unit touched, as the rules sheet counts
    them): the rules in the order first applied, by name in ``lang``
    (:func:`rule_names`: 优秀名额 and 考评委员会调整 too), under ``rules_header``'s
    words."""
    names = rule_names(rules, lang)
    counts = applied.groupby("rule_id", sort=False)["unit_id"].nunique()
    return (
        counts.rename(index=lambda r: names.get(r, r))
        .rename_axis(word("rules_header", "name", lang))
        .rename(word("rules_header", "affected", lang))
        .astype("int64")
    )


def quota(grades: pd.DataFrame, config, lang: str) -> pd.DataFrame:
    """The quota for excellent at a glance (:func:`evaluation.appraisal.quota_table`)
    as the committee reads it: each appraisal group by its name in ``lang`` (with
    ``per: overall`` the one list as 全部单位, All units), the quota's share beside
    its units (none without a quota), headed by ``quota_header``'s words."""
    rule = config.grades.quota
    names = {**words("quota_list", lang), **config.group_names(lang)}
    table = quota_table(grades, config)
    table["group"] = table["group"].map(lambda g: names.get(g, g))
    table.insert(2, "share", np.nan if rule is None else rule.share)
    return table.rename(columns=words("quota_header", lang))


def quota_cuts(applied: pd.DataFrame, units: dict[str, str], lang: str) -> pd.DataFrame:
    """The units the quota for excellent made good, and why (the ``quota`` rows of
    ``Appraisal.rules_applied``, in the order applied): the unit by name
    (``units``: id → name in ``lang``) and the reason in ``lang``, headed by
    ``rule_applied_header``'s words."""
    cut = applied[applied["rule_id"] == "quota"]
    reason = f"reason_{lang}"
    heads = words("rule_applied_header", lang)
    return pd.DataFrame(
        {
            heads["unit_id"]: [units.get(u, u) for u in cut["unit_id"]],
            heads[reason]: cut[reason].to_numpy(),
        }
    )


#: the columns of a league table that count places or units: shown whole
_WHOLE = ("rank", "peer_rank", "rank_change", "peer_rank_change", "n_imputed",
          "n_absent", "peer_n", "n")  # fmt: skip


def _whole(values: pd.Series) -> pd.Series:
    """Places and counts as whole numbers (``Int64``: a unit without one has none,
    37 not 37.0)."""
    return values.astype("Float64").round().astype("Int64")


def rule_names(rules: pd.DataFrame, lang: str) -> dict[str, str]:
    """Each rule of an appraisal (``Appraisal.rules``: ``rule_id``, ``name_zh``,
    ``name_en``) and the built-in ones (优秀名额, 考评委员会调整) by its name in
    ``lang``, for a table that lists rules applied by id."""
    names = dict(words("built_in_rule", lang))
    names.update(zip(rules["rule_id"], rules[f"name_{lang}"], strict=True))
    return names


def rule_source(source: str, lang: str) -> str:
    """The source of a rule applied (``rules_applied.source``) in ``lang``: a
    built-in rule's, stored in Chinese (本年度考评办法优秀名额规定, 考评委员会决定),
    in the words of family ``built_in_source``; a document cited (辽市政发〔2007〕48号
    第五部分第（五）项) as written, in either language."""
    for said in family("built_in_source").values():
        if source == said.zh:
            return said.text(lang)
    return source


def league(
    table: pd.DataFrame,
    lang: str,
    group_names: dict[str, str] | None = None,
    cat: Catalogue | None = None,
) -> pd.DataFrame:
    """A league table (``Result.league_table``, a national run's ranks, a unit's
    trend from :func:`evaluation.analysis.views.profile`) as the analyst reads it:
    headed in ``lang`` (``ranking_header``), periods, peer groups and statuses in
    words, ranks and counts whole (``Int64``: an unranked unit has none), scores
    rounded half up to 2 decimals as published, the other language's name left out.
    With the catalogue ``cat``, a dimension's column is headed by its name; without
    it, by its code. The values stay numbers."""
    other = "name_en" if lang == "zh" else "name_zh"
    out = table.drop(columns=[other], errors="ignore").copy()
    for c in out.columns.intersection(_WHOLE):
        out[c] = _whole(out[c])
    nodes = [] if cat is None else list(out.columns.intersection(cat.nodes.index))
    for c in out.columns.intersection(["composite_score", "peer_median", *nodes]):
        out[c] = published_numbers(out[c])
    if "period" in out:
        out["period"] = out["period"].map(name_zh if lang == "zh" else name_en)
    if "peer_group" in out and group_names:
        out["peer_group"] = out["peer_group"].map(lambda g: group_names.get(g, g))
    if "status" in out:
        said = words("rank_status", lang)
        out["status"] = out["status"].map(lambda s: said.get(s, s))
    named = {} if cat is None else {n: cat.name_or_id(n, lang) for n in nodes}
    return out.rename(columns={**words("ranking_header", lang), **named})


def grade_changes(
    changes: pd.DataFrame, group_names: dict[str, str], lang: str
) -> pd.DataFrame:
    """The changes of a what-if (:func:`evaluation.appraisal.compare_grades`) as the
    analyst reads them: headed in ``lang`` (``grade_change_header``), groups and
    grades in words, scores and their change to 2 decimals half up as published
    (77.18, not 77.182540), ranks and places gained whole (``Int64``: a unit
    without a rank has none), 是/否 for a changed grade, the other language's name
    left out."""
    grade, yes_no = words("grade", lang), words("yes_no", lang)
    other = "name_en" if lang == "zh" else "name_zh"
    whole = {c: _whole(changes[c]) for c in ("rank_before", "rank_after", "move")}
    scores = ("score_before", "score_after", "change")
    two = {c: published_numbers(changes[c]) for c in scores if c in changes}
    out = changes.drop(columns=[other]).assign(
        group=changes["group"].map(lambda g: group_names.get(g, g)),
        grade_before=changes["grade_before"].map(lambda g: grade.get(g, g)),
        grade_after=changes["grade_after"].map(lambda g: grade.get(g, g)),
        grade_changed=changes["grade_changed"].map(
            lambda x: yes_no["yes" if x else "no"]
        ),
        **whole,
        **two,
    )
    return out.rename(columns=words("grade_change_header", lang))


def grade_transitions(changes: pd.DataFrame, lang: str) -> pd.DataFrame:
    """How many units a what-if (:func:`evaluation.appraisal.compare_grades`) moves
    from each final grade (rows) to each (columns): every grade best first, in
    words in ``lang``, a count of 0 where none moves so; rows and columns named by
    ``grade_change_header``'s words (原等次, 测算等次)."""
    grade, heads = words("grade", lang), words("grade_change_header", lang)
    codes = list(grade)
    counts = pd.crosstab(changes["grade_before"], changes["grade_after"])
    return (
        counts.reindex(index=codes, columns=codes, fill_value=0)
        .astype("int64")
        .rename(index=grade, columns=grade)
        .rename_axis(index=heads["grade_before"], columns=heads["grade_after"])
    )


def rank_moves(moves: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Rank moves between two scorings (:func:`evaluation.analysis.views.rank_moves`)
    as the panel reads them, in ``lang``: headed by ``panel_move_header``'s words,
    the unit by its name in ``lang`` (the other language's left out), scores to 2
    decimals half up as published, ranks and places gained whole (``Int64``: an
    unranked unit has none)."""
    other = "name_en" if lang == "zh" else "name_zh"
    out = moves.drop(columns=[other]).assign(
        **{c: _whole(moves[c]) for c in ("rank", "rank_other", "move")},
        **{
            c: published_numbers(moves[c])
            for c in ("composite_score", "composite_score_other")
        },
    )
    return out.rename(columns=words("panel_move_header", lang))


def breakdown(table: pd.DataFrame, cat: Catalogue, lang: str) -> pd.DataFrame:
    """One unit's composite by indicator (:meth:`Result.breakdown`) as the analyst
    reads it: headed in ``lang`` (``breakdown_header``), the indicator and its
    parent by name, the value's status in words (a filled value: 补缺 and its
    rule; under a node the unit has no score in, ``blank_node``, that node too, as
    the media table's note says it: 行政成本数据不足，未计分), values, scores and
    contributions to 2 decimals and weights to 4 (numbers still), the indicator's
    code last."""
    status, rules = words("observation_status", lang), family("imputation")
    sep = "；" if lang == "zh" else "; "

    def said(code: str, blank) -> str:
        rule = code.removeprefix("imputed_")
        if code in status or rule == code:
            text = status.get(code, code)
        else:
            text = say("imputed_status", "imputed", rule=rules.get(rule, rule))
            text = text.text(lang)
        if not isinstance(blank, str):  # None, NaN: every node above it scored
            return text
        dims = cat.name(blank, lang)
        return text + sep + say("media_note", "blank_dimension", dims=dims).text(lang)

    blank = table["blank_node"] if "blank_node" in table else [None] * len(table)

    out = pd.DataFrame(
        {
            "indicator": [cat.name_or_id(i, lang) for i in table["indicator_id"]],
            "parent": [cat.name_or_id(p, lang) for p in table["parent"]],
            "value": published_numbers(table["value"]),  # as the dashboard shows
            "status": [
                said(str(x), b) for x, b in zip(table["status"], blank, strict=True)
            ],
            # half up, as published (5.625 is 5.63), never -0.00
            "score": published_numbers(table["score"]),
            "weight": published_numbers(table["weight"], 4),
            "contribution": published_numbers(table["contribution"]),
            "indicator_id": table["indicator_id"].to_numpy(),
        },
        index=table.index,
    )
    return out.rename(columns=words("breakdown_header", lang))


def methods(table: pd.DataFrame, cat: Catalogue, lang: str) -> pd.DataFrame:
    """Each node's method (:func:`evaluation.analysis.views.methods`) as the panel
    reads it: headed in ``lang`` (``method_header``), the node by name, its
    weighting and aggregation in words, CR to 4 decimals (none where the weights
    are not AHP), the node's code last."""
    weighting, aggregation = words("weights", lang), words("aggregation", lang)
    out = pd.DataFrame(
        {
            "node": [cat.name_or_id(n, lang) for n in table["node_id"]],
            "weights": [weighting.get(m, m) for m in table["weights"]],
            "aggregation": [aggregation.get(m, m) for m in table["aggregation"]],
            "cr": published_numbers(table["cr"], 4),
            "node_id": table["node_id"].to_numpy(),
        },
        index=table.index,
    )
    return out.rename(columns=words("method_header", lang))


def ahp_check(
    matrix,
    names: list[str],
    lang: str,
    *,
    method: str = "eigenvector",
    random_index: str = "saaty",
) -> pd.DataFrame:
    """A panel's pairwise judgements checked, one row headed in ``lang``
    (``ahp_header``): CR, CI and λmax to 4 decimals (:func:`weights.ahp`, with the
    catalogue's ``method`` and ``random_index`` options), whether they are usable
    (CR below :data:`weights.CR_LIMIT`, as the catalogue requires), and the
    judgement furthest from what the weights imply
    (:func:`weights.most_inconsistent`), ``names`` naming the rows and columns,
    with its value and the implied one."""
    w, cr, ci, lambda_max = ahp(matrix, method=method, random_index=random_index)
    i, j, implied = most_inconsistent(matrix, w)
    row = {
        "cr": _one(cr, 4),
        "ci": _one(ci, 4),
        "lambda_max": _one(lambda_max, 4),
        "usable": word("yes_no", "yes" if cr < CR_LIMIT else "no", lang),
        "pair": say("diagnostic_said", "pair", a=names[i], b=names[j]).text(lang),
        "judged": _one(float(matrix[i][j]), 2),
        "implied": _one(implied, 2),
    }
    return pd.DataFrame([row]).rename(columns=words("ahp_header", lang))


def diagnostics(
    table: pd.DataFrame, cat: Catalogue, lang: str, decimals: int = 3
) -> pd.DataFrame:
    """A table of :mod:`evaluation.analysis.diagnostics` (``dimensions``,
    ``importance``, ``warnings``) as the panel reads it: headed in ``lang``
    (``diagnostic_header``), the dimension or indicator by name first, a
    warning's kind in words, numbers to ``decimals``, its code last."""
    code = "node_id" if "node_id" in table else "indicator_id"
    out = rounded(table.drop(columns=[code]), decimals)
    if "kind" in out:
        kinds = words("diagnostic_kind", lang)
        out["kind"] = out["kind"].map(lambda k: kinds.get(k, k))
    names = [cat.name_or_id(x, lang) for x in table[code]]
    out.insert(0, "node" if code == "node_id" else "indicator", names)
    out[code] = table[code].to_numpy()
    return out.rename(columns=words("diagnostic_header", lang))


#: the catalogue's method fields whose values have words, by their family
_METHOD_FAMILIES = ("weights", "aggregation", "normalisation")


def catalogue_changes(changes: pd.DataFrame, lang: str) -> pd.DataFrame:
    """What changed between two catalogues (:func:`evaluation.catalogue.compare`)
    as the panel reads it: headed in ``lang`` (``catalogue_change_header``), the
    section and the change in words, the entry by its name in ``lang`` (blank for
    the settings), the field as the catalogue file writes it, values so too but a
    method in words (blank where there was none), the entry's code last."""
    sections, said = words("catalogue_section", lang), words("catalogue_change", lang)

    def value(field: str, v):  # a method by its words: weights.method → 人工赋权
        head, _, rest = field.partition(".")
        if rest == "method" and head in _METHOD_FAMILIES and isinstance(v, str):
            return words(head, lang).get(v, v)
        return "" if v is None or (isinstance(v, float) and math.isnan(v)) else v

    fields = changes["field"]
    out = pd.DataFrame(
        {
            "section": [sections.get(x, x) for x in changes["section"]],
            "name": changes[f"name_{lang}"].fillna("").to_numpy(),
            "field": changes["field"].to_numpy(),
            "change": [said.get(x, x) for x in changes["change"]],
            "before": [
                value(f, v) for f, v in zip(fields, changes["before"], strict=True)
            ],
            "after": [
                value(f, v) for f, v in zip(fields, changes["after"], strict=True)
            ],
            "id": changes["id"].to_numpy(),
        },
        index=changes.index,
    )
    return out.rename(columns=words("catalogue_change_header", lang))
