"""Media-ready score tables: rounded for print, bilingual headers, safe in Excel.

* Rounding is **half up** (ties away from zero) on the shortest decimal that
  reads back as the stored number (85.125 → 85.13, 2.675 → 2.68), as published
  tables do; not Python's half-to-even on the binary value.
* UTF-8 with BOM and CRLF line ends, so Excel opens Chinese text correctly.
* Every table goes out through :func:`~evaluation.files.safe_cells`: text cells
  that start with ``= + - @``, tab, CR or LF are prefixed with ``'`` so a
  spreadsheet never runs them as formulas; numbers (a rank change of -3, a peer
  limit of -1.5) stay numbers, in CSV and Excel alike.
"""

from __future__ import annotations

import unicodedata
from contextlib import ExitStack
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from evaluation import vocabulary as V
from evaluation.analysis.views import league_notes
from evaluation.appraisal import parse_config
from evaluation.appraisal.grades import share_text
from evaluation.appraisal.rules import approval, approved_days, proposal
from evaluation.catalogue import parse_catalogue
from evaluation.errors import EvaluationError, RequestError
from evaluation.files import replacing, safe_cells
from evaluation.periods import date_text, date_zh, name_en, name_zh
from evaluation.publish.store import BEIJING, stage
from evaluation.result import Result
from evaluation.risk.quality import with_decisions
from evaluation.scoring.rank import rank_change, rank_units
from evaluation.vocabulary import (
    APPRAISAL_PART,
    DOCUMENT,
    FAMILIES,
    FILE_STATUS,
    GRADE,
    GRADE_HEADER,
    IN_FORCE,
    MEDIA_HEADER,
    PERSON_HEADER,
    RISK_HEADER,
)

LANGS = ("zh", "en", "both")
#: ``units.level`` → its words (市直部门, 县（市）区)
UNIT_LEVEL = FAMILIES["unit_level"]
#: how headers read: in a language, both on one line, or (workbooks) Chinese over
#: English on two lines
HEADER_STYLES = (*LANGS, "lines")


def folder_named(path: str | Path, parts: int = 2) -> str:
    """A folder as a file sent outside the office names it: its last ``parts``
    names (数据目录 data/2025年报送数据, 结果文件夹 out/result, 发布库
    data/store.duckdb), not where it sits on the office's machine (``/home/…``),
    which a journalist or a committee member has no use for."""
    path = Path(path)
    names = [n for n in path.parts if n != path.anchor][-parts:]
    return "/".join(names) or str(path)


def file_named(folder: str | Path, name: str) -> str:
    """A source file as a file sent on names it: its folder as :func:`folder_named`
    names it, then its name within it (data/sample/observations/audit.csv); its
    name alone without a folder."""
    return f"{folder_named(folder)}/{name}" if str(folder) else name


def header_text(pair, style: str) -> str:
    """A header's ``(zh, en)`` words in ``style`` (:data:`HEADER_STYLES`)."""
    zh, en = pair
    return {"zh": zh, "en": en, "both": f"{zh} {en}", "lines": f"{zh}\n{en}"}[style]


def named(units: pd.DataFrame) -> pd.DataFrame:
    """``units`` (``name_zh``, ``name_en``) with a unit that has no English name
    (units.csv requires one, but a units table built in code or a store written
    otherwise may lack it) named in English by its Chinese name, the
    proper name it has, rather than by a blank: the English media table, grades and
    warnings, and every English dashboard page."""
    en = units["name_en"].fillna("").astype(str).str.strip()
    return units.assign(name_en=en.where(en != "", units["name_zh"]))


def round_half_up(values, decimals: int = V.SCORE_DECIMALS) -> list[str]:
    """Format numbers with ``decimals`` places, rounding half up as reasons do
    (:func:`~evaluation.vocabulary.fixed`); NaN → ''; a value that rounds to zero
    is ``0.00``, never ``-0.00``."""
    return [
        ""
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA
        else V.fixed(v, decimals)
        for v in values
    ]


def media_table(
    result: Result,
    period: str | None = None,
    *,
    peer_group: str | None = None,
    lang: str = "zh",
    decimals: int = V.SCORE_DECIMALS,
    rank_range: pd.Series | None = None,
    level: str | None = None,
    grades: pd.Series | None = None,
    numbers: bool = False,
    headers: str | None = None,
) -> pd.DataFrame:
    """The published league table of ``period`` as text cells with display headers.

    Columns: period (its name: 2025年度, 2025年12月), rank (within ``peer_group``
    or ``level`` when given), department, the type of unit (市直部门, 县（市）区:
    ``units.level``; not with ``level``), peer group, composite score, each level-1
    dimension, rank change (previous rank − this rank: positive = moved up), the
    rank range when given (``unit_id →`` text such as ``3 (2–5)``, from
    ``result.rank_range``: of the rank among all units, so refused with
    ``peer_group``), note, and the annual grade when ``grades`` (``unit_id →`` grade
    code) is given. ``lang`` is ``zh``, ``en`` or ``both``.

    ``level``: only the units of that level, ranked among themselves
    (:func:`level_ranks`). ``numbers``: ranks and rank changes as integers and scores
    as real numbers rounded half up (for a workbook) instead of text; ``headers``: the
    header style (:data:`HEADER_STYLES`, default ``lang``).
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    if peer_group is not None and rank_range is not None:  # another rank's range
        raise RequestError(words=V.say("library_error", "rank_range_peer_group"))
    cat = result.catalogue
    table = result.league_table(period, peer_group=peer_group)
    rank_col = "peer_rank" if peer_group else "rank"
    change_col = "peer_rank_change" if peer_group else "rank_change"
    if level is not None:
        table = _within_level(result, table, level)
    dims = cat.top_dimensions()
    group_names = {g.id: (g.name_zh, g.name_en) for g in cat.peer_groups}
    style = headers or lang
    whole = (lambda v: v.astype("Int64").tolist()) if numbers else _integers
    scores = published_numbers if numbers else round_half_up

    def header(key: str, pair=None) -> str:
        return header_text(pair or MEDIA_HEADER[key], style)

    def text(pairs: pd.Series) -> pd.Series:
        pick = {
            "zh": lambda p: p[0],
            "en": lambda p: p[1],
            "both": lambda p: f"{p[0]} {p[1]}".strip(),  # nothing to say: empty
        }[lang]
        return pairs.map(pick)

    out = pd.DataFrame(index=table.index)
    out[header("period")] = text(table["period"].map(period_words))
    out[header(rank_col)] = whole(table[rank_col])
    if lang == "both":
        out[MEDIA_HEADER["name"][0]] = table["name_zh"]
        out[MEDIA_HEADER["name"][1]] = table["name_en"]
    else:
        out[header("name")] = named(table)[f"name_{lang}"]
    if level is None:
        levels = table["unit_id"].map(result.units.set_index("unit_id")["level"])
        out[header("level")] = text(levels.map(lambda v: UNIT_LEVEL.get(v, (v, v))))
    out[header("peer_group")] = text(table["peer_group"].map(group_names))
    out[header("composite_score")] = scores(table["composite_score"], decimals)
    for d in dims:
        out[header(d, (cat.name(d, "zh"), cat.name(d, "en")))] = scores(
            table[d], decimals
        )
    out[header("rank_change")] = whole(table[change_col])
    if rank_range is not None:
        out[header("rank_range")] = (
            table["unit_id"].map(rank_range).fillna("").to_numpy()
        )
    out[header("note")] = text(
        pd.Series(league_notes(result, table, period), index=table.index)
    )
    if grades is not None:
        codes = table["unit_id"].map(grades)
        out[header("grade")] = text(
            codes.map(lambda g: GRADE.get(g, (g, g)) if pd.notna(g) else ("", ""))
        )
    out = safe_cells(out.reset_index(drop=True))
    if numbers:  # ranks whole, scores to ``decimals``, a rank change with its sign
        score = number_format("score", decimals)
        out.attrs["number_formats"] = {
            header(rank_col): "0",
            header("composite_score"): score,
            **{header(d, (cat.name(d, "zh"), cat.name(d, "en"))): score for d in dims},
            header("rank_change"): "+0;-0;0",
        }
    return out


def period_words(label) -> tuple[str, str]:
    """A period's name ``(zh, en)``: ``2025`` → (2025年度, 2025), ``2025-M12`` →
    (2025年12月, December 2025), ``2025-Q1`` → (2025年第一季度, Q1 2025)."""
    return name_zh(label), name_en(label)


def level_ranks(result: Result, level: str) -> pd.DataFrame:
    """Ranks among the units of one ``level`` (市直部门, 县（市）区), every period:
    ``period, unit_id, rank, rank_change``, ties sharing the better place as in the
    overall ranking (:func:`evaluation.scoring.rank.rank_units`); units without an
    overall rank (insufficient data) get none here either."""
    ids = set(result.units.loc[result.units["level"] == level, "unit_id"])
    comp = result.composite[result.composite["unit_id"].isin(ids)].merge(
        result.ranks[["period", "unit_id", "rank"]], on=["period", "unit_id"]
    )
    scores = comp.set_index(["period", "unit_id"])["composite_score"].where(
        comp["rank"].notna().to_numpy()
    )
    ranks = rank_units(scores)
    return pd.DataFrame(
        {"rank": ranks, "rank_change": rank_change(ranks)}
    ).reset_index()


def _within_level(result: Result, table: pd.DataFrame, level: str) -> pd.DataFrame:
    """The league table's rows of ``level``, ranked among themselves."""
    ranks = level_ranks(result, level)
    ranks = ranks[ranks["period"] == table["period"].iloc[0]] if len(table) else ranks
    table = table.drop(columns=["rank", "rank_change"]).merge(
        ranks[["unit_id", "rank", "rank_change"]], on="unit_id"
    )
    return table.sort_values(
        ["rank", "unit_id"], na_position="last", kind="stable"
    ).reset_index(drop=True)


#: the risk tables :func:`risk_table` exports
RISK_TABLES = ("warnings", "risk", "ledger", "flags")
#: the codes in a risk table's cells (levels, rules, statuses, checks, yes/no) → words
_CELLS = {
    code: w
    for name in (
        "risk_level",
        "risk_rule",
        "ledger_status",
        "flag_decision",
        "quality_check",
    )
    for code, w in FAMILIES[name].items()
} | {True: FAMILIES["yes_no"]["yes"], False: FAMILIES["yes_no"]["no"]}


def risk_table(
    result: Result,
    table: str,
    *,
    period: str | None = None,
    lang: str = "zh",
    decimals: int = V.SCORE_DECIMALS,
    decisions: pd.DataFrame | None = None,
    rows: pd.DataFrame | None = None,
    numbers: bool = False,
    headers: str | None = None,
) -> pd.DataFrame:
    """A risk table for readers: ``warnings``, ``risk`` (unit grades), ``ledger`` or
    ``flags`` (with analysts' ``decisions``), names and words in ``lang``.
    ``rows`` (with the table's columns) are shown in place of the run's table: some
    of its rows (one unit's warnings, flags or ledger items) or a ledger checked at
    a later date (its reminders: :mod:`evaluation.risk.ledger`).

    ``period`` filters warnings, grades and flags (default: the run's period for
    warnings and grades, every period for flags); the ledger is shown whole.
    ``numbers``: values and limits as real numbers rounded half up (for a workbook),
    each with its Excel number format by the indicator's unit in
    ``table.attrs["number_formats"]`` (:func:`number_format`); ``headers``: the
    header style (:data:`HEADER_STYLES`, default ``lang``).
    """
    if table not in RISK_TABLES:
        raise ValueError(f"table must be one of {RISK_TABLES}, not {table!r}")
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    cat = result.catalogue

    def word(values: pd.Series) -> pd.Series:
        pairs = values.map(lambda v: _CELLS.get(v, (v, v)) if pd.notna(v) else ("", ""))
        return _pick(pairs, lang)

    def periods(labels: pd.Series) -> pd.Series:  # 2025年12月, December 2025
        words = labels.map(lambda v: period_words(v) if pd.notna(v) else ("", ""))
        return _pick(words, lang)

    def days(values: pd.Series) -> pd.Series:  # 2025年1月30日, 2025-01-30
        if numbers:  # a workbook's real dates (they sort), shown 2025年1月30日
            return values.map(lambda v: date.fromisoformat(v) if _present(v) else None)
        said = {  # each distinct date once: (2025年1月30日, 2025-01-30)
            v: (date_text(v, "zh"), date_text(v, "en"))
            for v in values.dropna().unique()
            if _present(v)
        }
        return _pick(values.map(lambda v: said.get(v, ("", ""))), lang)

    def names(ids: pd.Series) -> pd.Series:
        def pair(i):
            if pd.isna(i):
                return ("", "")
            try:
                return (cat.name(i, "zh"), cat.name(i, "en"))
            except KeyError:
                return (i, i)

        return _pick(ids.map(pair), lang)

    units = (named(result.units) if lang == "en" else result.units).set_index("unit_id")
    unit_names = lambda ids: _pick(  # noqa: E731
        ids.map(lambda u: (units.at[u, "name_zh"], units.at[u, "name_en"])), lang
    )
    frame = getattr(result, table).copy()
    if rows is not None:
        frame = rows.copy()
    if table in ("warnings", "risk"):
        frame = frame[frame["period"] == (period or result.period)]
    elif table == "flags":
        if period is not None:
            frame = frame[frame["period"] == period]
        if decisions is not None:
            frame = with_decisions(frame, decisions)
    cols: dict[str, pd.Series | list] = {}
    if "period" in frame:
        cols["period"] = periods(frame["period"])
    cols["unit"] = unit_names(frame["unit_id"])
    if table == "warnings":
        cols |= {
            "node": names(frame["node_id"]),
            "rule": word(frame["rule"]),
            "level": word(frame["level"]),
            "value": (published_numbers if numbers else round_half_up)(
                frame["value"], decimals
            ),
            "threshold": (published_numbers if numbers else round_half_up)(
                frame["threshold"], decimals
            ),
            "reason": _reasons(frame, lang),
        }
    elif table == "risk":
        cols["level"] = word(frame["level"])
        cols |= {c: frame[c] for c in ("n_red", "n_orange", "n_yellow")}
    elif table == "ledger":
        cols = {
            "item_id": frame["item_id"],
            "unit": unit_names(frame["unit_id"]),
            "node": names(frame["node_id"]),
            "rule": word(frame["rule"]),
            "status": word(frame["status"]),
            "level": word(frame["level"]),
            "level_opened": word(frame["level_opened"]),
            "opened_period": periods(frame["opened_period"]),
            "first_due": days(frame["first_due"]),
            "due": days(frame["due"]),
            "escalations": frame["escalations"],
            "reminder": word(frame["reminder"]),
            "closed_on": days(frame["closed_on"]),
            "on_time": word(frame["on_time"]),
            "reason": _reasons(frame, lang),
        }
    else:
        cols = {
            "flag_id": frame["flag_id"],
            "check": word(frame["check"]),
            "unit": unit_names(frame["unit_id"]),
            "period": periods(frame["period"]),
            "indicator": names(frame["indicator_id"]),
            "value": (published_numbers if numbers else round_half_up)(
                frame["value"], decimals
            ),
            "reason": _reasons(frame, lang),
        }
        if decisions is not None:
            cols |= {
                "status": _pick(frame["status"].map(FAMILIES["flag_status"]), lang),
                "comment": frame["comment"].fillna(""),
                "decided_by": frame["decided_by"].fillna(""),
            }
    # a warning's value or limit not in its node's unit: said once, for the cells
    # and their formats
    said = _warning_words(cat, frame, decimals) if table == "warnings" else {}
    if not numbers:  # a count reads as one: 3 件, not 3.00
        for c, fmts in _risk_formats(cat, table, frame, decimals, lang, said).items():
            if c in cols:
                cols[c] = [
                    str(int(float(v))) if f == "#,##0" and v != "" else v
                    for v, f in zip(cols[c], fmts, strict=True)
                ]
        for c, said_each in said.items():  # says what it is: 平均等级1.50
            cols[c] = [
                v if w is None or v == "" else _limit_text(w, v, lang)
                for v, w in zip(cols[c], said_each, strict=True)
            ]
    out = pd.DataFrame({k: list(v) for k, v in cols.items()})
    out.columns = [header_text(RISK_HEADER[c], headers or lang) for c in cols]
    out = safe_cells(out)
    if numbers:
        shown = V.word("cell_format", "date", "en" if lang == "en" else "zh")
        dated = {c: shown for c in ("first_due", "due", "closed_on")}
        formats = {**_risk_formats(cat, table, frame, decimals, lang, said), **dated}
        out.attrs["number_formats"] = {
            header_text(RISK_HEADER[c], headers or lang): f
            for c, f in formats.items()
            if c in cols
        }
    return out


def number_format(unit: str, decimals: int = V.SCORE_DECIMALS, value=None) -> str:
    """The Excel number format of a value in ``unit``: an indicator's ``unit_zh``
    from the catalogue, or ``score`` (0–100 points), ``count`` or ``plain``.

    Scores and plain numbers ``0.00`` (``decimals`` places); percentages as the
    catalogue states them, in percentage points: ``0.00"%"`` shows 95.30% for 95.3
    (never Excel's ``%``, which would multiply by 100); counts (``件``, ``items``)
    ``#,##0`` when whole (a mean of counts keeps its decimals); other units (元/件,
    工作日, 比值) ``#,##0.00``."""
    places = "0." + "0" * decimals if decimals else "0"
    if unit in ("score", "plain", "分", "points"):
        return places
    if unit == "%":
        return f'{places}"%"'
    whole = value is None or not _is_number(value) or float(value).is_integer()
    if (unit == "count" or unit in V.COUNT_UNITS) and whole:
        return "#,##0"
    return "#,##" + places


def unit_of(catalogue, node_id) -> str:
    """The unit an indicator or reported series is measured in (``unit_zh``);
    ``score`` for a dimension or the composite."""
    for item in (*catalogue.indicators, *catalogue.context):
        if item.id == node_id:
            return item.unit_zh
    return "score"


def _risk_formats(
    catalogue,
    table: str,
    frame: pd.DataFrame,
    decimals: int,
    lang: str = "zh",
    said: dict | None = None,
) -> dict:
    """Number formats of a risk table's values, row by row, by the unit of what
    each row measures: an indicator's unit or a score (threshold, target, trend,
    peer values, a percentile's cut); events counted. A warning's value or limit
    not in its node's unit (``said``, :func:`_warning_words`, made here if not
    given) is shown with its words in ``lang`` (``"倒数第"0"名"``: the cell a
    number, read 倒数第3名; a robust z's 落后同类单位中位数3.00个典型差距; a
    roll-up's mean level ``"平均等级"0.00``)."""
    fmt = lambda unit, v: number_format(unit, decimals, v)  # noqa: E731
    if table == "warnings":
        units = [unit_of(catalogue, n) for n in frame["node_id"]]
        rules = frame["rule"].tolist()

        def formats(column: str, said_each: list) -> list[str]:
            return [
                fmt("count" if r == "event" else u, v)
                if w is None
                else _limit_format(w, lang)
                for r, u, v, w in zip(
                    rules, units, frame[column], said_each, strict=True
                )
            ]

        said = said or _warning_words(catalogue, frame, decimals)
        return {c: formats(c, said_each) for c, said_each in said.items()}
    if table == "flags":
        return {
            "value": [
                fmt("count" if pd.isna(i) else unit_of(catalogue, i), v)
                for i, v in zip(frame["indicator_id"], frame["value"], strict=True)
            ]
        }
    return {}


def _warning_words(catalogue, frame: pd.DataFrame, decimals: int) -> dict:
    """Per column of the warnings (``value``, ``threshold``), how each row's number
    is said where it is not in its node's unit (:func:`_values_said`,
    :func:`_limits_said`)."""
    return {
        "value": _values_said(frame, decimals),
        "threshold": _limits_said(catalogue, frame, decimals),
    }


def _rules_of(catalogue, frame: pd.DataFrame) -> list:
    """The catalogue rule (``risk.rules[]``) that raised each warning: the one of
    its kind on its node (a catalogue holds one of a kind per node); ``None`` for an
    indicator's own ``risk:`` thresholds, an event, or a rule the catalogue no longer
    has (rows of another run)."""
    rules = {(r.node, r.kind): r for r in catalogue.risk.rules if r.kind != "event"}
    return [
        rules.get((node, rule))
        for node, rule in zip(frame["node_id"], frame["rule"], strict=True)
    ]


def _limits_said(catalogue, frame: pd.DataFrame, decimals: int) -> list:
    """How each warning's limit is said where it is not in its node's unit, by the
    rule that raised it (:func:`_rules_of`; methodology §13): a peer rule's robust z
    (落后同类单位中位数3.00个典型差距; ``within: all``: 落后全部单位中位数…) or place
    (倒数第3名), a run of periods
    (连续3期), a roll-up's worst indicators (最差2项), a worsening (变差5.00%, in %
    of the earlier value; 变差3.00分, 变差3.00个百分点), a target the shortfall is
    measured from (目标98.00%). Per row ``(zh, en, number, signed)``: the words
    before and after the limit in each language (``risk_limit`` in the
    vocabulary), the Excel format of the number itself and whether it keeps its
    minus (a robust z's words say behind: not); ``None`` where the limit is in
    the node's unit and compared with the value itself (an indicator's or a
    score's threshold, a percentile's cut) or there is none (an event)."""
    plain_ = number_format("plain", decimals)
    out, known = [], {}  # each (rule, node, limit) said once
    for rule, node, v in zip(
        _rules_of(catalogue, frame), frame["node_id"], frame["threshold"], strict=True
    ):
        if rule is None or (id(rule), node, v) in known:
            out.append(known.get((id(rule), node, v)))
            continue
        unit = catalogue.unit_words.get(node, ("分", "points"))
        code, number = _limit_kind(rule), plain_
        if code in ("bottom_k", "declines", "worst"):
            number = "0"
        elif code in ("drop", "target"):
            counted = V.is_count(unit)
            number = number_format("count" if counted else "plain", decimals, v)
            code = "drop_points" if code == "drop" and unit[1] == "%" else code
        if code is None:
            known[id(rule), node, v] = None
            out.append(None)
            continue
        ratio = unit[0] in V.RATIO_UNITS or unit[1] in V.RATIO_UNITS
        said = V.say(
            "risk_limit",
            code,
            n="{n}",
            unit=V.Word(
                "" if ratio else V.unit_after(unit, "zh"),
                "" if ratio else V.unit_after(unit, "en", v),
            ),
        )
        zh, en = (tuple(w.split("{n}")) for w in said)
        # a robust z's words say "behind": its (negative) number without its minus
        signed = code not in ("robust_z", "robust_z_all")
        known[id(rule), node, v] = (zh, en, number, signed)
        out.append(known[id(rule), node, v])
    return out


def _limit_kind(rule) -> str | None:
    """The ``risk_limit`` code of a rule whose limit is not in its node's unit."""
    if rule is None:
        return None
    if rule.kind == "peer":  # a robust z among all units: behind all units' median
        if rule.method == "robust_z" and rule.within == "all":
            return "robust_z_all"
        return None if rule.method == "percentile" else rule.method
    if rule.kind == "trend":
        if rule.declines is not None:
            return "declines"
        return "relative" if rule.relative else "drop"
    return {"rollup": "worst", "target": "target"}.get(rule.kind)


def _values_said(frame: pd.DataFrame, decimals: int) -> list:
    """How each warning's value is said where it is not in its node's unit: a
    roll-up's mean severity level (平均等级1.50; ``risk_value`` in the vocabulary),
    as :func:`_limits_said` says a limit; ``None`` elsewhere."""
    plain_ = number_format("plain", decimals)
    said = V.say("risk_value", "rollup", n="{n}")
    rollup = (*(tuple(w.split("{n}")) for w in said), plain_, True)
    return [rollup if r == "rollup" else None for r in frame["rule"]]


def _limit_words(said: tuple, lang: str) -> list[tuple[str, str]]:
    """The words before and after a limit (:func:`_limits_said`) in ``lang``: one
    pair, or for ``both`` the Chinese and the English pair, or one pair of both
    where every word comes before the number (平均等级 mean level 1.50)."""
    zh, en = said[0], said[1]
    if lang != "both":
        return [zh if lang == "zh" else en]
    if not zh[1] and not en[1]:
        return [(f"{zh[0]} {en[0]}", "")]
    return [zh, en]


def _limit_text(said: tuple, text: str, lang: str) -> str:
    """A limit's CSV cell: its number ``text`` (whole where its format is; without
    its sign where the words say it) with its words in ``lang`` (倒数第3名,
    落后同类单位中位数3.00个典型差距; both: 倒数第3名 bottom 3)."""
    if said[2] in ("0", "#,##0"):
        text = str(int(float(text)))
    if not said[3]:
        text = text.removeprefix("-")
    return " ".join(f"{b}{text}{a}" for b, a in _limit_words(said, lang))


def _limit_format(said: tuple, lang: str) -> str:
    """A limit's Excel number format: its number with its words in ``lang`` (a
    workbook shows the number once: ``both`` with words after it in either
    language reads in Chinese, as a workbook's dates do), negatives too
    (``"倒数第"0"名";"倒数第"-0"名"``; a robust z's without the minus its words
    say: ``"落后同类单位中位数"0.00"个典型差距";``
    ``"落后同类单位中位数"0.00"个典型差距"``)."""
    before, after = _limit_words(said, lang)[0]
    b, a = (f'"{w}"' if w else "" for w in (before, after))
    minus = "-" if said[3] else ""
    return f"{b}{said[2]}{a};{b}{minus}{said[2]}{a}"


def _reasons(frame: pd.DataFrame, lang: str) -> pd.Series:
    if lang == "both":
        return frame["reason_zh"] + " / " + frame["reason_en"]
    return frame[f"reason_{lang}"]


def _pick(pairs: pd.Series, lang: str) -> pd.Series:
    return pairs.map(
        {
            "zh": lambda p: p[0],
            "en": lambda p: p[1],
            "both": lambda p: f"{p[0]} {p[1]}".strip(),
        }[lang]
    )


def write_media_csv(table: pd.DataFrame, path: str | Path) -> Path:
    """Write any table (media, risk, ranking, problem report …) as the media CSV
    (:func:`media_csv_bytes`), atomically (temp + rename)."""
    data = media_csv_bytes(table)
    with replacing(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_problem_report(table: pd.DataFrame, path: str | Path, lang: str) -> Path:
    """A problem report (:func:`~evaluation.intake.validate.problems_table`, headed
    in ``lang``) to ``path``: an Excel workbook when its name ends ``.xlsx`` (one
    sheet, 问题清单 / Problems, the same columns; the row a number, and a value
    sent as a number that reads the same, ``-5`` or ``1.1``, a number: ``0.10`` or
    ``007`` stay text, as sent), else the media CSV (:func:`write_media_csv`)."""
    if Path(path).suffix.lower() != ".xlsx":
        return write_media_csv(table, path)
    value = V.words("problem_header", lang)["value"]
    shown = table.astype({value: object})
    shown[value] = shown[value].map(_number_as_sent)
    return write_xlsx(path, {V.words("validate_cli", lang)["sheet"]: shown})


def _number_as_sent(value):
    """``value`` as a number if it is text that number is written as (``-5``,
    ``1.1``), else as it is."""
    if not isinstance(value, str):
        return value
    try:
        number = float(value)
    except ValueError:
        return value
    if not np.isfinite(number):
        return value
    whole = number.is_integer() and abs(number) < 1e15
    return number if (str(int(number)) if whole else repr(number)) == value else value


def media_csv_bytes(table: pd.DataFrame) -> bytes:
    """The exact bytes of the media CSV (the dashboard's download uses the same):
    UTF-8 with BOM (Excel opens Chinese text right), CRLF, text cells made safe
    (:func:`~evaluation.files.safe_cells`), numbers written as numbers."""
    text = safe_cells(table).to_csv(index=False, lineterminator="\r\n")
    return "\ufeff".encode() + text.encode("utf-8")


def _integers(values: pd.Series) -> list[str]:
    return ["" if pd.isna(v) else str(int(v)) for v in values]


# ------------------------------------------------------------ the grades table
#: the grades' score columns: real numbers, rounded half up as published
GRADE_NUMBERS = (
    "periods_score",
    "review_score",
    "survey_score",
    "combined",
    "deductions",
    "bonus",
    "score",
)


def published_numbers(values, decimals: int = V.SCORE_DECIMALS) -> list[float]:
    """Numbers as published: rounded half up (:func:`round_half_up`), kept as real
    numbers (NaN where there is none), so a spreadsheet can sort and sum them
    (:func:`~evaluation.vocabulary.as_published`)."""
    return V.as_published(values, decimals)


def time_zh(value, lang: str = "zh") -> str:
    """A UTC timestamp in Beijing time: ``2026年1月20日 09:30（北京时间）``."""
    if not _present(value):
        return ""
    t = pd.Timestamp(value)
    t = (t.tz_localize("UTC") if t.tzinfo is None else t).tz_convert(BEIJING)
    if lang == "zh":
        return f"{date_zh(t)} {t:%H:%M}（北京时间）"
    return f"{t:%Y-%m-%d %H:%M} Beijing time"


def read_annual(store, run_id: str, names, *, viewer: str | None = None):
    """An annual run's row in ``store.runs()`` (a dict), its manifest and the named
    tables; ``EvaluationError`` naming the run if it is not an annual appraisal."""
    info = store.manifest(run_id)  # EvaluationError for an unknown run
    runs = store.runs()
    run = runs[runs["run_id"] == run_id].iloc[0].to_dict()
    if run["kind"] != "annual" or "appraisal" not in info:
        kind = V.say("library_error", f"kind_{run['kind']}")
        said = V.say(
            "library_error",
            "not_annual_run",
            run=run_id,
            kind=kind,
            period=V.Word(name_zh(run["period"]), run["period"]),
            where=store.where,
        )
        raise EvaluationError(words=said)
    tables = {n: store.table(run_id, n, viewer=viewer) for n in names}
    return run, info, tables


def grades_table(
    grades: pd.DataFrame,
    config,
    catalogue,
    *,
    rules_applied: pd.DataFrame | None = None,
    lang: str = "zh",
    decimals: int = V.SCORE_DECIMALS,
) -> pd.DataFrame:
    """The appraisal's grades for readers, one row per unit.

    Ordered by appraisal group (as in ``config.groups``), then as stored (by score);
    columns: group, rank in group, unit code and name, peer group, the parts
    考/评/议, combined, deductions, bonus, final score, grade by score and final
    grade (words), each level-1 dimension's year-end score, the rules applied to the
    unit (their reasons, from ``rules_applied``) and a note (missing parts, a tie at
    the quota's boundary). Scores are real numbers rounded half up to ``decimals``
    (as published); ranks are integers; text cells are made inert for spreadsheets.
    """

    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    k = {"zh": 0, "en": 1}.get(lang)
    order = {g.id: i for i, g in enumerate(config.groups)}
    grades = grades.assign(_g=grades["group"].map(order)).sort_values(
        "_g", kind="stable"
    )
    groups = {g.id: (g.name_zh, g.name_en) for g in config.groups}
    peers = {p.id: (p.name_zh, p.name_en) for p in catalogue.peer_groups}
    dims = [d for d in catalogue.top_dimensions() if f"dim_{d}" in grades]

    def pick(pair) -> str:
        if k is not None:
            return pair[k]
        return f"{pair[0]} {pair[1]}".strip()

    def head(key: str, pair=None) -> str:
        return pick(pair or GRADE_HEADER[key])

    def words(values: pd.Series, names: dict) -> list[str]:
        return [pick(names.get(v, (v, v))) if pd.notna(v) else "" for v in values]

    out: dict[str, list | pd.Series] = {
        head("group"): words(grades["group"], groups),
        head("group_rank"): grades["group_rank"].astype("Int64").tolist(),
        head("unit_id"): grades["unit_id"].tolist(),
    }
    if lang == "both":
        out[GRADE_HEADER["name"][0]] = grades["name_zh"].tolist()
        out[GRADE_HEADER["name"][1]] = grades["name_en"].tolist()
    else:
        out[head("name")] = named(grades)[f"name_{lang}"].tolist()
    out[head("peer_group")] = words(grades["peer_group"], peers)
    for c in GRADE_NUMBERS:
        out[head(c)] = published_numbers(grades[c], decimals)
    out[head("grade_by_score")] = words(grades["grade_by_score"], GRADE)
    out[head("final_grade")] = words(grades["final_grade"], GRADE)
    for d in dims:
        pair = (catalogue.name(d, "zh"), catalogue.name(d, "en"))
        out[head(d, pair)] = published_numbers(grades[f"dim_{d}"], decimals)
    sep = "；" if lang == "zh" else "; "
    if rules_applied is not None:
        text = rules_applied.assign(
            _t=[
                pick((why(r, 0) + approved_text(r, 0), why(r, 1) + approved_text(r, 1)))
                for r in rules_applied.itertuples()
            ]
        )
        reasons = text.groupby("unit_id", sort=False)["_t"].agg(sep.join)
        out[head("rules")] = grades["unit_id"].map(reasons).fillna("").tolist()
    out[head("note")] = [
        sep.join(_grade_notes(r, pick)) for r in grades.itertuples(index=False)
    ]
    table = pd.DataFrame(out)
    table[head("group_rank")] = table[head("group_rank")].astype("Int64")
    return safe_cells(table.reset_index(drop=True))


def uncertainty_choices(spec: dict, t: dict) -> str:
    """What each draw of an uncertainty analysis varies, in words (``spec``: the
    ``Spec`` as plain data, ``Uncertainty.spec``; ``t``: the words of family
    ``report`` in one language): ``一级指标权重±25%``, or the alternative weight
    sets, then any normalisations, aggregations and left-out indicator drawn. The
    committee report and the media note say it alike."""
    sep = t["list_sep"]

    def options(values) -> str:
        return sep.join(t["catalogue"] if v == "catalogue" else v for v in values)

    sets = spec.get("weight_sets") or ()  # drawn in place of the perturbation
    choices = [
        t["weight_sets"].format(n=len(sets))
        if sets
        else t["weights"].format(
            levels=sep.join(
                t["numerals"][v] if 0 <= v < 10 else str(v)
                for v in map(int, spec["weight_levels"])
            ),
            noise=share_text(spec["weight_noise"]),
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
    return t["choice_sep"].join(choices)


def why(r, k: int) -> str:
    """A rule applied to a unit in words (``r``: a row of ``rules_applied``; ``k``:
    0 Chinese, 1 English): its reason; a committee override named as one, with the
    grades it changed, before the clerk's reason (考评委员会调整（优秀 → 良好）：…)."""
    reason = str(r.reason_zh if k == 0 else r.reason_en)
    if r.rule_id != "override":
        return reason
    name = FAMILIES["built_in_rule"]["override"][k]
    effect = getattr(r, "effect_zh" if k == 0 else "effect", "")
    return f"{name}（{effect}）：{reason}" if k == 0 else f"{name} ({effect}): {reason}"


def approved_text(r, k: int) -> str:
    """（批准：市绩效考评委员会，2026年1月20日，考评委〔2026〕1号） after a rule applied
    with the committee's approval (veto, bonus, override): the report's unit page
    and the grades workbook say it alike (``r``: a row of ``rules_applied``)."""
    record = approval(
        getattr(r, "approved_by", None),
        getattr(r, "approved_on", None),
        getattr(r, "reference", None),
    )
    if record is None:
        return ""
    said = V.say("rule_approval", "approved", record=record)[k]
    return f"（{said}）" if k == 0 else f" ({said})"


def _grade_notes(r, pick) -> list[str]:
    notes = []
    missing = [
        APPRAISAL_PART[p]
        for p in str(r.parts_missing or "").split(", ")
        if p in APPRAISAL_PART
    ]
    if missing:
        notes.append(
            pick(
                (
                    "缺少" + "、".join(w.zh for w in missing) + "部分，"
                    "其权重按比例分配给其余部分",
                    "no " + ", ".join(w.en for w in missing) + " part: its "
                    "share spread over the others",
                )
            )
        )
    if pd.isna(r.score):
        notes.append(pick(("无得分，未排名", "no score, not ranked")))
    if bool(r.quota_tie):
        notes.append(
            pick(
                (
                    "优秀名额边界同分，按单位代码排序，待考评委员会确认",
                    "tied at the excellent quota's boundary: settled by unit code, "
                    "for the committee to confirm",
                )
            )
        )
    return notes


def persons_table(
    persons: pd.DataFrame, grades: pd.DataFrame, *, lang: str = "zh"
) -> pd.DataFrame:
    """The proposed individual annual-assessment outcomes (公务员年度考核), for the
    personnel department: person, unit, faults, proposed grade, reason."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be zh or en, not {lang!r}")
    k = 0 if lang == "zh" else 1
    names = grades.set_index("unit_id")[f"name_{lang}"]
    table = pd.DataFrame(
        {
            PERSON_HEADER["person_id"][k]: persons["person_id"].tolist(),
            PERSON_HEADER["unit_id"][k]: persons["unit_id"].tolist(),
            PERSON_HEADER["name"][k]: persons["unit_id"].map(names).fillna("").tolist(),
            PERSON_HEADER["faults"][k]: persons["faults"].astype("Int64").tolist(),
            PERSON_HEADER["proposed"][k]: [proposal(p)[k] for p in persons["proposed"]],
            PERSON_HEADER["reason"][k]: persons[f"reason_{lang}"].tolist(),
        }
    )
    table[PERSON_HEADER["faults"][k]] = table[PERSON_HEADER["faults"][k]].astype(
        "Int64"
    )
    return safe_cells(table)


def file_status(run: dict, words=FILE_STATUS) -> tuple[str, str]:
    """A run's stage as a file about it says it, ``(zh, en)``, from a row of
    ``Store.runs()``: 草稿 (internal), 公示中, 公示期间已更正 (a released version
    corrected it during its 公示), 已发布, or 已发布（已被取代） once a later final
    version is in force; as ``evaluation runs`` says it. ``words``: the family
    (``RUN_STATUS``: a draft as 草稿 alone, where the page says the rest)."""
    code = stage(run)
    zh, en = words.get(code, (code, code))
    if code == "published" and not run.get("in_force", True):
        gone = IN_FORCE["superseded"]
        zh, en = f"{zh}（{gone.zh}）", f"{en} ({gone.en})"
    return zh, en


def grades_in_force(run: dict) -> V.Word:
    """Whether a run's grades are in force, as its grades files say it (the
    vocabulary's ``grades_in_force``), from a row of ``Store.runs()``: under 公示
    not yet, until the 公示's last day, and a grade may change on appeal; 已生效
    once final and in force; no longer once superseded; never for a draft or a
    version corrected during its 公示."""
    code = stage(run)
    if code == "published":
        code = "in_force" if run.get("in_force", True) else "superseded"
    until = run.get("notice_until")
    if code == "notice" and _present(until):
        return V.say(
            "grades_in_force", "notice", until=V.Word(_day(until), _day(until, "en"))
        )
    return V.say("grades_in_force", "notice_any" if code == "notice" else code)


def pending_correction(runs: pd.DataFrame, run: dict) -> dict | None:
    """The corrected version under 公示 that replaces ``run`` once final, as a row
    of ``runs`` (``Store.runs()``), if ``run`` is in force and its chain has one;
    else None (a draft correction is not public)."""
    if stage(run) != "published" or not run.get("in_force", True):
        return None
    later = runs[
        (runs["chain"] == run["chain"])
        & runs["under_notice"]
        & (runs["version"] > run["version"])
    ]
    return later.iloc[-1].to_dict() if len(later) else None


def pending_words(pending: dict, *, letter: bool = False) -> V.Word:
    """What a file of grades in force says of their correction under 公示
    (``pending``, :func:`pending_correction`'s row): its run, its reason and the
    公示's last day (更正版本 … 公示中，公示期至2026年1月25日；正式发布后取代本版本，
    本文件中的等次可能随之改变); the grades file's 说明 sheet and the media note
    alike; with ``letter``, a feedback letter's words for it (本意见书…)."""
    until = pending.get("notice_until")
    key = "letter" if letter else "notice"
    return V.say(
        "grades_pending",
        key if _present(until) else f"{key}_any",
        run=pending["run_id"],
        reason=pending.get("reason") or "",
        until=V.Word(_day(until), _day(until, "en")),
    )


def grades_about(
    config,
    manifest: dict,
    run: dict,
    grades: pd.DataFrame,
    *,
    store: str | Path = "",
    rules: pd.DataFrame | None = None,
    pending: dict | None = None,
    rules_in: str = "sheet",
) -> pd.DataFrame:
    """The 说明/About sheet: the appraisal (name, year, period), the run and its
    status, whether its grades are in force (:func:`grades_in_force`), the
    correction under 公示 that will replace them (``pending``, a row of
    ``Store.runs()``: :func:`pending_correction`) and dates, the source (store,
    catalogue and rules versions, every input file's SHA-256) and the method in a
    few sentences; zh and en side by side (columns ``项目, 说明, Item,
    Description``). The store and the input files are named as the media note
    names them (:func:`folder_named`, :func:`file_named`: data/store.duckdb,
    sample/appraisal/appeals.csv), never by where they sit on the office's
    machine: the file goes to the committee and on. ``rules_in``: where the
    reader finds the rules and their sources, the workbook's 规则 sheet
    (``"sheet"``), or, for a CSV, which has no sheet but this note (``"note"``),
    rows 考评规则1, 2 … here, one per unit rule (:func:`rule_rows`)."""
    y = config.year
    status, force = file_status(run), grades_in_force(run)
    label = FAMILIES["grades_in_force"]["label"]
    rows = [
        ("考评名称", config.name_zh, "Appraisal", config.name_en),
        ("考评期间", f"{y}年度（{y}年1月1日至{y}年12月31日）",
         "Period", f"the year {y} (1 January to 31 December {y})"),
        ("版本", str(run["run_id"]), "Run", str(run["run_id"])),
        ("状态", status[0], "Status", status[1]),
        (label.zh, force.zh, label.en, force.en),
    ]  # fmt: skip
    if pending is not None:
        said = pending_words(pending)
        label = FAMILIES["grades_pending"]["label"]
        rows.append((label.zh, said.zh, label.en, said.en))
    if _present(run.get("supersedes")):  # the version this one corrects, named
        label = V.say("runs_header", "supersedes")  # as `evaluation runs` does
        rows.append(
            (label.zh, f"{run['supersedes']}（申诉/复核：{run.get('reason') or ''}）",
             label.en.capitalize(), f"{run['supersedes']} (appeal/review: "
             f"{run.get('reason') or ''})")
        )  # fmt: skip
    for key, zh, en in (
        ("created_at", "生成时间", "Created"),
        ("published_at", "发布时间", "Published"),
    ):
        if _present(run.get(key)):
            rows.append((zh, time_zh(run[key]), en, time_zh(run[key], "en")))
    if _present(run.get("notice_from")) or _present(run.get("notice_until")):
        rows.append(
            (
                "公示期",
                f"{_day(run.get('notice_from'))}至{_day(run.get('notice_until'))}",
                "Public notice",
                f"{_day(run.get('notice_from'), 'en')} to "
                f"{_day(run.get('notice_until'), 'en')}",
            )
        )
    prov = manifest.get("provenance", {})
    ap = manifest["appraisal"]
    kept = folder_named(store) if str(store) else ""  # not the office's /home/…
    rows += [
        ("数据来源", f"发布库 {kept}，版本 {run['run_id']} 的等次表（未重新计算）",
         "Source", f"publication store {kept}, table grades of run {run['run_id']} "
         "(nothing recomputed)"),
        ("指标体系版本", f"{manifest.get('catalogue_version', '')}（SHA-256 "
         f"{prov.get('catalogue_sha256', '')}）", "Catalogue version",
         f"{manifest.get('catalogue_version', '')} (SHA-256 "
         f"{prov.get('catalogue_sha256', '')})"),
        ("考评规则版本", f"{ap['rules_version']}（SHA-256 {ap['config_sha256']}）",
         "Rules version", f"{ap['rules_version']} (SHA-256 {ap['config_sha256']})"),
        ("软件版本", f"evaluation {manifest.get('package_version', '')} "
         f"{manifest.get('git_commit', '')}".strip(), "Software",
         f"evaluation {manifest.get('package_version', '')} "
         f"{manifest.get('git_commit', '')}".strip()),
    ]  # fmt: skip
    root = prov.get("dataset_root", "")
    for name, sha in sorted(prov.get("inputs", {}).items()):
        where = file_named(root, name)
        rows.append(
            (f"输入文件 {where}", f"SHA-256 {sha}",
             f"Input file {where}", f"SHA-256 {sha}")
        )  # fmt: skip
    folder = manifest.get("params", {}).get("appraisal_inputs", "")
    for name, sha in sorted(ap.get("inputs_sha256", {}).items()):
        where = file_named(folder, name)
        rows.append(
            (f"考评输入 {where}", f"SHA-256 {sha}",
             f"Appraisal input {where}", f"SHA-256 {sha}")
        )  # fmt: skip
    listed = rules_in == "note" and rules is not None
    zh, en = method_text(config, grades, rules, rules_in="note" if listed else "sheet")
    rows.append(("方法", zh, "Method", en))
    if listed:
        rows += rule_rows(rules)
    rows.append(
        ("数字说明", "得分均为0至100分，按四舍五入保留两位小数（与公布口径一致）；"
         "组内排名按保留两位小数后的最终得分，同分并列。",
         "Numbers", "scores are 0–100, rounded half up to 2 decimals as published; "
         "ranks within each group use the final score at 2 decimals, ties sharing "
         "the better place.")
    )  # fmt: skip
    rows.append(
        ("个人考核建议", "个人年度考核建议不在本表中，另行提供给组织人事部门。",
         "Individuals", "proposed individual outcomes are not in this file; they "
         "go to the personnel department separately.")
    )  # fmt: skip
    return pd.DataFrame(rows, columns=["项目", "说明", "Item", "Description"])


def method_text(
    config, grades: pd.DataFrame, rules=None, *, rules_in: str = "sheet"
) -> tuple[str, str]:
    """The method in a few sentences (zh, en): 考评议 shares, groups, grades, quota;
    the rules' sources on the workbook's 规则 sheet (``rules_in="sheet"``) or in the
    CSV's note below (``"note"``: a CSV has no sheet)."""
    where_zh, where_en = (
        ("见本说明所列各项考评规则", "below, rule by rule")
        if rules_in == "note"
        else ("见“规则”工作表", "on the Rules sheet")
    )
    s = config.shares
    review_zh, review_en = (
        ("重点工作目标完成情况：按现行目标计算完成率，年中调整的按调整后目标，"
         "每项最高100%", "key-target achievement against the target in force, "
         "the adjusted one where changed mid-year, at most 100% each")
        if config.review.source == "key_targets"
        else ("考评委员会年终评分", "the committee's year-end score")
    )  # fmt: skip
    raters_zh = "、".join(
        f"{g.name_zh}{share_text(g.weight)}" for g in config.survey.groups
    )
    raters_en = ", ".join(
        f"{g.name_en} {share_text(g.weight)}" for g in config.survey.groups
    )
    counts = grades["group"].value_counts()
    groups_zh = "、".join(
        f"{g.name_zh}（{int(counts.get(g.id, 0))}个）" for g in config.groups
    )
    groups_en = ", ".join(
        f"{g.name_en} ({int(counts.get(g.id, 0))})" for g in config.groups
    )
    th = config.grades
    bonus = config.bonus_rule()
    p, r, v = share_text(s.periods), share_text(s.review), share_text(s.survey)
    zh = (
        f"考、评、议三部分按权重合成为加权合成得分：考为年度综合得分（各项指标按各自报送"
        f"频率汇总全年），占{p}；评为年终评估（{review_zh}），占"
        f"{r}；议为民主测评（{raters_zh}），占{v}。某一部分缺失的，"
        f"其权重按比例分配给其余部分。加权合成得分减去扣分"
        + (f"、加上加分（每年最多{bonus.cap:g}分）" if bonus else "")
        + "，限定在0至100分之间，为最终得分。"
        f"等次按最终得分划分：{th.excellent:g}分及以上为优秀，{th.good:g}分及以上为良好，{th.pass_:g}分及以上为合格，其余为不合格；"
        f"再适用责任追究规则（等次上限、一票否决），规则及依据{where_zh}。"
        f"{groups_zh}分组排名"
    )
    en = (
        f"The combined score weighs three parts: periods (考), the annual composite "
        f"(every indicator rolled up over the year at its own frequency), "
        f"{p}; review (评), the year-end evaluation ({review_en}), "
        f"{r}; survey (议), the multi-rater appraisal ({raters_en}), "
        f"{v}. A missing part's share is spread over the others. The combined "
        f"score less deductions"
        + (f", plus bonus points (at most {bonus.cap:g} a year)" if bonus else "")
        + f", within 0–100, gives the final score. Grades by final score: excellent "
        f"from {th.excellent:g}, good from {th.good:g}, pass from {th.pass_:g}, else "
        f"fail; then the accountability rules (grade caps, veto), listed with their "
        f"sources {where_en}. Ranked within each group: {groups_en}"
    )
    q = th.quota
    if q is not None:
        per_zh = "各组" if q.per == "group" else "全部单位中"
        zh += (
            f"；{per_zh}优秀名额为单位数的{share_text(q.share)}，四舍五入取整，"
            f"名额外的单位评为良好。"
        )
        per_en = "each group's" if q.per == "group" else "all"
        en += (
            f"; {share_text(q.share)} of {per_en} units, rounded half up to whole "
            f"places, are excellent, the others outside the quota good."
        )
    else:
        zh += "。"
        en += "."
    zh += "考评委员会调整等次的，记录理由和批准人。"
    en += " Committee overrides are recorded with their reason and approver."
    return zh, en


def rule_rows(rules: pd.DataFrame) -> list[tuple[str, str, str, str]]:
    """The unit rules of a run (its ``rules`` table) as rows of a CSV's note, where
    no 规则 sheet lists them: ``考评规则1``: the rule, its source, how it departs from
    the source's words (``note_zh``), whether it applied and to how many units."""
    rows = []
    unit = rules[rules["applies_to"] == "unit"]
    notes = _notes(unit)
    for i, ((_, r), note) in enumerate(zip(unit.iterrows(), notes, strict=True), 1):
        n = int(r["affected"]) if pd.notna(r["affected"]) else 0
        zh = f"{r['name_zh']}（依据：{r['source']}" + (f"；{note}" if note else "")
        zh += f"）：{r['status_zh']}" + (f"，涉及{n}个单位" if n else "")
        en = f"{r['name_en']} (source: {r['source']}): {r['status_en']}"
        en += f", {n} unit{'' if n == 1 else 's'}" if n else ""
        rows.append((f"考评规则{i}", zh, f"Rule {i}", en))
    return rows


def applied_table(
    applied: pd.DataFrame,
    *,
    units: dict[str, str],
    rules: dict[str, str],
    lang: str = "zh",
) -> pd.DataFrame:
    """Rules applied to units (``Appraisal.rules_applied``) as the committee reads
    them: unit and rule by name (``units``, ``rules``: id → name in ``lang``), the
    effect and reason in ``lang``, who approved it, when (2026年1月20日 in Chinese)
    and the document number; headers ``rule_applied_header``."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be zh or en, not {lang!r}")
    effect = "effect_zh" if lang == "zh" else "effect"
    reason = f"reason_{lang}"
    cols = {
        "unit_id": [units.get(u, u) for u in applied["unit_id"]],
        "rule_id": [rules.get(r, r) for r in applied["rule_id"]],
        effect: applied[effect].tolist(),
        reason: applied[reason].tolist(),
        "approved_by": applied["approved_by"].fillna("").tolist(),
        "approved_on": [approved_days(d, lang) for d in applied["approved_on"]],
        "reference": applied["reference"].fillna("").tolist(),
    }
    heads = V.words("rule_applied_header", lang)
    return pd.DataFrame({heads[c]: v for c, v in cols.items()})


def rules_sheet(rules: pd.DataFrame, *, lang: str = "zh") -> pd.DataFrame:
    """The rules of the appraisal as a sheet: name, whom it applies to, version,
    source and the original words, how the rule departs from them (its ``note_zh``:
    比照适用于单位), whether it is applied, units or persons touched."""
    k = 0 if lang == "zh" else 1
    heads, who = FAMILIES["rules_header"], FAMILIES["applies_to"]
    out = pd.DataFrame(
        {
            heads["name"][k]: rules[f"name_{lang}"].tolist(),
            heads["applies_to"][k]: [
                who.get(a, (a, a))[k] for a in rules["applies_to"]
            ],
            heads["version"][k]: rules["version"].tolist(),
            heads["source"][k]: rules["source"].tolist(),
            heads["quote"][k]: rules["quote_zh"].fillna("").tolist(),
            heads["note"][k]: _notes(rules),
            heads["status"][k]: rules[f"status_{lang}"].tolist(),
            heads["affected"][k]: rules["affected"].astype("Int64").tolist(),
        }
    )
    out[heads["affected"][k]] = out[heads["affected"][k]].astype("Int64")
    return safe_cells(out)


def _notes(rules: pd.DataFrame) -> list[str]:
    """Each rule's ``note_zh``, empty where it has none (a run stored before the
    rules table kept it too)."""
    notes = rules["note_zh"] if "note_zh" in rules else pd.Series("", rules.index)
    return notes.fillna("").tolist()


def write_grades_csv(
    table: pd.DataFrame, path: str | Path, decimals: int = V.SCORE_DECIMALS
) -> Path:
    """A grades (or persons) table as the media CSV (:func:`grades_csv_bytes`),
    atomically."""
    with replacing(path) as tmp:
        tmp.write_bytes(grades_csv_bytes(table, decimals))
    return Path(path)


def grades_csv_bytes(table: pd.DataFrame, decimals: int = V.SCORE_DECIMALS) -> bytes:
    """A grades (or persons) table as the media CSV's bytes: UTF-8 with BOM, CRLF,
    numbers as text rounded half up to ``decimals`` (``85.10``), ranks as
    integers."""
    text = table.copy()
    for c in text.columns:
        if pd.api.types.is_float_dtype(text[c]):
            text[c] = round_half_up(text[c], decimals)
        elif pd.api.types.is_integer_dtype(text[c]):
            text[c] = _integers(text[c])
    return media_csv_bytes(text)


def note_text(about: pd.DataFrame, lang: str, title=None) -> str:
    """The note beside a CSV: its About sheet as lines ``项目：说明`` (in ``lang``;
    ``both``: the Chinese, then the English), under ``title`` (a ``(zh, en)`` pair;
    the media note's by default)."""
    title = title or FAMILIES["export_about"]["title"]
    blocks = []
    for k in (0, 1) if lang == "both" else (0 if lang == "zh" else 1,):
        item, text = (("项目", "说明"), ("Item", "Description"))[k]
        colon = "：" if k == 0 else ": "
        lines = [title[k], "=" * len(title[k]) * (2 if k == 0 else 1)]
        lines += [f"{r[item]}{colon}{r[text]}" for _, r in about.iterrows()]
        blocks.append("\r\n".join(lines))
    return "\r\n\r\n".join(blocks) + "\r\n"


def write_xlsx(
    path: str | Path,
    sheets: dict[str, pd.DataFrame],
    *,
    about: pd.DataFrame | None = None,
    about_name: str = "说明 About",
    titles: dict[str, str] | None = None,
    freeze_columns: dict[str, int] | None = None,
    decimals: int = V.SCORE_DECIMALS,
    properties: dict | None = None,
    number_formats: dict[str, dict] | None = None,
) -> Path:
    """Write tables as an Excel workbook (xlsxwriter), atomically.

    Numbers are real numbers with a ``0.00`` format (integers ``0``), never text
    (a number in a text column too), or the Excel format given for their column:
    ``number_formats[sheet][column]`` or the table's own
    ``frame.attrs["number_formats"][column]`` (as :func:`risk_table` and
    :func:`media_table` give them), one format or a list of one per row
    (:func:`number_format`); text cells go through
    :func:`~evaluation.files.safe_cells`, as in the CSV exports;
    the header row is frozen (with ``freeze_columns[sheet]`` columns, e.g. the unit's
    name) and filterable; columns are as wide as their text, a Chinese character
    counting two; a header of two lines (``排名\nRank``) gets a taller row; pages
    print landscape, one page wide, the header repeated.
    ``titles[sheet]`` puts a title line above that sheet's header (a label such as
    the persons file's, ``vocabulary.DOCUMENT["persons_title"]``). ``about`` is a last
    sheet of wrapped text.
    ``properties`` (title, subject, author, created …) go into the file; pass a fixed
    ``created`` for the same bytes every time.
    """
    with replacing(path, suffix=".xlsx") as tmp:
        book = xlsxwriter.Workbook(
            tmp, {"strings_to_formulas": False, "strings_to_numbers": False}
        )
        book.set_properties(properties or {})
        font = {"font_name": "等线", "font_size": 11}
        fmt = {
            "head": book.add_format(
                {**font, "bold": True, "text_wrap": True, "valign": "vcenter",
                 "bg_color": "#DDEBF7", "border": 1}
            ),
            "title": book.add_format({**font, "bold": True, "font_size": 13}),
            "text": book.add_format(font),
            "wrap": book.add_format({**font, "text_wrap": True, "valign": "top"}),
            "float": book.add_format({**font, "num_format": "0." + "0" * decimals}),
            "int": book.add_format({**font, "num_format": "0"}),
        }  # fmt: skip
        styles: dict[str, object] = {}

        def style(num_format: str):
            if num_format not in styles:
                styles[num_format] = book.add_format({**font, "num_format": num_format})
            return styles[num_format]

        for name, frame in sheets.items():
            title = (titles or {}).get(name)
            given = {
                **frame.attrs.get("number_formats", {}),
                **(number_formats or {}).get(name, {}),
            }
            _write_sheet(
                book.add_worksheet(name),
                safe_cells(frame),
                fmt,
                title=title,
                freeze_columns=(freeze_columns or {}).get(name, 0),
                formats={c: given[c] for c in frame.columns if c in given},
                style=style,
            )
        if about is not None:
            sheet = book.add_worksheet(about_name)
            widths = [20, 72, 22, 72][: len(about.columns)]
            for j, (col, w) in enumerate(zip(about.columns, widths, strict=False)):
                sheet.set_column(j, j, w, fmt["wrap"])
                sheet.write_string(0, j, str(col), fmt["head"])
            for i, row in enumerate(safe_cells(about).itertuples(index=False), 1):
                for j, value in enumerate(row):
                    sheet.write_string(i, j, "" if pd.isna(value) else str(value))
            sheet.freeze_panes(1, 0)
            sheet.set_landscape()
            sheet.set_paper(9)  # A4
            sheet.fit_to_pages(1, 0)
        book.close()
    return Path(path)


def _write_sheet(
    sheet, frame: pd.DataFrame, fmt: dict, *, title, freeze_columns, formats=None,
    style=None,
):  # fmt: skip
    top = 0
    if title:
        sheet.write_string(0, 0, title, fmt["title"])
        top = 1
    kinds = []
    for c in frame.columns:
        if pd.api.types.is_bool_dtype(frame[c]):
            kinds.append("text")
        elif pd.api.types.is_integer_dtype(frame[c]):
            kinds.append("int")
        elif pd.api.types.is_float_dtype(frame[c]):
            kinds.append("float")
        else:
            kinds.append("text")
    formats = formats or {}
    for j, c in enumerate(frame.columns):
        sheet.write_string(top, j, str(c), fmt["head"])
        values = frame[c].tolist()
        given = formats.get(c)
        for k, (i, v) in enumerate(enumerate(values, start=top + 1)):
            number = given[k] if isinstance(given, list | tuple) else given
            if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
                sheet.write_blank(i, j, None)
            elif type(v) is date:  # a real date (it sorts), in the given format
                when = datetime.combine(v, datetime.min.time())
                sheet.write_datetime(i, j, when, style(number or "yyyy-mm-dd"))
            elif number and (kinds[j] in ("int", "float") or _is_number(v)):
                sheet.write_number(i, j, float(v), style(number))
            elif kinds[j] in ("int", "float"):
                sheet.write_number(i, j, float(v), fmt[kinds[j]])
            elif _is_number(v):  # a number among text: still a number
                sheet.write_number(i, j, float(v), fmt["text"])
            else:
                sheet.write_string(i, j, str(v), fmt["text"])
        width = max(
            [_header_width(str(c))]
            + [_display_width(_shown(v, kinds[j])) + bool(given) for v in values]
        )
        sheet.set_column(j, j, min(max(width + 2, 6), 60))
    last = max(len(frame), 1) + top
    lines = any("\n" in str(c) for c in frame.columns)
    sheet.set_row(top, 48 if lines else 33)  # a header over two or three lines
    sheet.freeze_panes(top + 1, freeze_columns)
    sheet.autofilter(top, 0, last, max(len(frame.columns) - 1, 0))
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(top)


def _shown(value, kind: str) -> str:
    if (
        value is None
        or value is pd.NA
        or (isinstance(value, float) and np.isnan(value))
    ):
        return ""
    if type(value) is date:  # as wide as its longest format: 2025年10月30日
        return f"{value.year}年{value.month}月{value.day}日"
    if kind == "float":
        return f"{float(value):.2f}"
    if kind == "int":
        return str(int(value))
    return str(value)


def _is_number(value) -> bool:
    return (
        isinstance(value, int | float | np.integer | np.floating)
        and not isinstance(value, bool | np.bool_)
        and bool(np.isfinite(value))
    )


def _header_width(text: str) -> float:
    """Columns a header needs: it wraps, over about two lines; a header of two lines
    (Chinese over English) as wide as its Chinese, its English over two lines."""
    if "\n" in text:
        zh, _, en = text.partition("\n")
        return max(_display_width(zh), _display_width(en) / 2)
    return _display_width(text) / 1.6


def _display_width(text: str) -> float:
    """Columns a text takes in a spreadsheet: a Chinese (wide) character two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _present(value) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    return not pd.isna(value)


def _day(value, lang: str = "zh") -> str:
    if not _present(value):
        return "" if lang == "zh" else "?"
    t = pd.Timestamp(value)
    if t.tzinfo is not None:
        t = t.tz_convert(BEIJING)
    return date_zh(t) if lang == "zh" else f"{t:%Y-%m-%d}"


def persons_about(config, run: dict, rules: pd.DataFrame | None = None) -> pd.DataFrame:
    """The persons file's 说明/About sheet: what it is for, the appraisal and run,
    the person rules applied and their sources."""
    status = file_status(run)
    title = DOCUMENT["persons_title"]
    rows = [
        ("用途", title.zh, "Purpose", title.en),
        ("考评名称", config.name_zh, "Appraisal", config.name_en),
        ("版本", str(run["run_id"]), "Run", str(run["run_id"])),
        ("状态", status[0], "Status", status[1]),
    ]
    if rules is not None:
        for r in rules[rules["applies_to"] == "person"].itertuples():
            rows.append(
                (f"规则 {r.version}", f"{r.name_zh}（{r.source}）：{r.status_zh}",
                 f"Rule {r.version}", f"{r.name_en} ({r.source}): {r.status_en}")
            )  # fmt: skip
    rows.append(
        ("说明", "建议仅依据考评输入中的过错责任追究记录提出；个人年度考核等次由"
         "组织人事部门按公务员考核有关规定确定。本文件不属于单位考评结果，不对外公布。",
         "Note", "proposals from the fault records of the appraisal inputs only; the "
         "personnel department decides each person's grade under the civil-service "
         "rules. Not part of any unit's grade; not for publication.")
    )  # fmt: skip
    return pd.DataFrame(rows, columns=["项目", "说明", "Item", "Description"])


def check_grades_request(out, persons=None, lang: str = "zh") -> None:
    """``ValueError`` unless ``out`` is .xlsx or .csv, ``persons`` (if any) .xlsx and
    ``lang`` one of :data:`LANGS`: checked before anything is read or written."""
    if Path(out).suffix.lower().lstrip(".") not in GRADES_FORMATS:
        formats = [f".{k}" for k in GRADES_FORMATS]
        formats = V.Word(" 或 ".join(formats), " or ".join(formats))
        said = V.say("library_error", "grades_format", out=out, formats=formats)
        raise RequestError(words=said)
    if persons is not None and Path(persons).suffix.lower() != ".xlsx":
        said = V.say("library_error", "persons_format", persons=persons)
        raise RequestError(words=said)
    if lang not in LANGS:
        choices = V.Word("、".join(LANGS), ", ".join(LANGS))
        said = V.say(
            "library_error", "lang_choice", choices=choices, got=V.quoted(lang)
        )
        raise RequestError(words=said)


def export_grades(
    store,
    run_id: str,
    out: str | Path,
    *,
    lang: str = "zh",
    viewer: str | None = None,
    persons: str | Path | None = None,
) -> list[Path]:
    """Write a stored annual run's grades table: ``.xlsx`` (a 考评结果 sheet in
    Chinese, a Grades sheet in English, the rules as 规则 and Rules, 说明 About)
    or ``.csv`` (``lang`` zh, en or both; UTF-8 with BOM; its note beside it,
    ``<stem>.说明.txt``, ``.about.txt`` in English). ``persons`` (``.xlsx``):
    the proposed individual outcomes in a separate, labelled file for the personnel
    department, never in the grades file. Nothing is recomputed; a draft needs
    ``viewer``."""
    out = Path(out)
    check_grades_request(out, persons, lang)
    names = ["grades", "rules_applied", "rules"] + (["persons"] if persons else [])
    run, info, tables = read_annual(store, run_id, names, viewer=viewer)
    try:
        config = parse_config(info["appraisal"]["config"], file="manifest", stored=True)
        catalogue = parse_catalogue(
            info["catalogue"], file="catalogue.json", stored=True
        )
    except Exception as exc:  # a manifest this version cannot read
        said = V.say("library_error", "manifest_unreadable", run=run_id, detail=exc)
        raise EvaluationError(words=said) from None
    grades = tables["grades"]
    table = lambda k: grades_table(  # noqa: E731
        grades, config, catalogue, rules_applied=tables["rules_applied"], lang=k
    )
    write = GRADES_FORMATS[out.suffix.lower().lstrip(".")]
    written = write(out, table, lang, config, info, run, store, tables)
    if persons is not None:
        p = tables["persons"]
        written.append(
            write_xlsx(
                persons,
                {
                    "个人考核建议": persons_table(p, grades, lang="zh"),
                    "Individuals": persons_table(p, grades, lang="en"),
                },
                titles={
                    "个人考核建议": DOCUMENT["persons_title"].zh,
                    "Individuals": DOCUMENT["persons_title"].en,
                },
                about=persons_about(config, run, tables["rules"]),
                freeze_columns={"个人考核建议": 1, "Individuals": 1},
                properties=_properties(config, run, DOCUMENT["persons_title"].zh),
            )
        )
    return written


def _grades_csv(out, table, lang, config, info, run, store, tables) -> list[Path]:
    """The grades table in ``lang`` (zh, en or both), UTF-8 with BOM, and beside it
    its note ``<stem>.说明.txt`` (``.about.txt`` in English): the 说明 About sheet's
    facts as lines (:func:`note_text`), so a CSV sent on says its run, its status and
    whether its grades are in force. Both files or neither."""
    about = _grades_about(config, info, run, store, tables, rules_in="note")
    note = out.with_name(f"{out.stem}.{'about' if lang == 'en' else '说明'}.txt")
    text = note_text(about, lang, title=FAMILIES["export_about"]["grades_title"])
    files = {
        out: grades_csv_bytes(table(lang)),
        note: "\ufeff".encode() + text.encode("utf-8"),
    }
    with ExitStack() as stack:
        for path, data in files.items():
            stack.enter_context(replacing(path)).write_bytes(data)
    return list(files)


def _grades_xlsx(out, table, lang, config, info, run, store, tables) -> list[Path]:
    """A 考评结果 sheet in Chinese, a Grades sheet in English, the rules as 规则 and
    Rules, 说明 About."""
    about = _grades_about(config, info, run, store, tables)
    return [
        write_xlsx(
            out,
            {
                "考评结果": table("zh"),
                "Grades": table("en"),
                "规则": rules_sheet(tables["rules"], lang="zh"),
                "Rules": rules_sheet(tables["rules"], lang="en"),
            },
            about=about,
            freeze_columns={"考评结果": 4, "Grades": 4},
            properties=_properties(config, run, "考评结果 / Grades"),
        )
    ]


def _grades_about(config, info, run, store, tables, rules_in="sheet") -> pd.DataFrame:
    """:func:`grades_about` of a stored run, with the correction under 公示 that
    will replace it, if any; the rules on a sheet, or in the note (``rules_in``)."""
    return grades_about(
        config, info, run, tables["grades"], store=getattr(store, "path", ""),
        rules=tables["rules"], pending=pending_correction(store.runs(), run),
        rules_in=rules_in,
    )  # fmt: skip


#: file format of the grades table (``out``'s suffix) → ``writer(out, table, lang,
#: config, info, run, store, tables)`` with ``table(lang)`` the grades table in a
#: language and ``tables`` the run's stored tables; returns the paths written, the
#: table's first (a CSV's note beside it)
GRADES_FORMATS = {"xlsx": _grades_xlsx, "csv": _grades_csv}


def _properties(config, run: dict, what: str) -> dict:
    """Workbook properties; the run's own time as ``created``, so the same run gives
    the same bytes."""
    when = run.get("published_at") if _present(run.get("published_at")) else None
    stamp = pd.Timestamp(when or run["created_at"])
    stamp = stamp.tz_convert("UTC") if stamp.tzinfo else stamp
    return {
        "title": f"{config.name_zh} {what}",
        "subject": str(run["run_id"]),
        "author": "evaluation",
        "created": stamp.tz_localize(None).to_pydatetime(),
    }
