"""Media-ready score tables: rounded for print, bilingual headers, safe in Excel.

* Rounding is **half up** (ties away from zero) on the shortest decimal that
  reads back as the stored number (85.125 → 85.13, 2.675 → 2.68), as published
  tables do; not Python's half-to-even on the binary value.
* UTF-8 with BOM and CRLF line ends, so Excel opens Chinese text correctly.
* Text cells that start with ``= + - @``, tab, CR or LF are prefixed with ``'``
  so a spreadsheet never runs them as formulas; numbers (a rank change of -3) stay
  numbers.
"""

from __future__ import annotations

import os
import tempfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from .result import Result

LANGS = ("zh", "en", "both")
HEADERS = {
    "rank": ("排名", "Rank"),
    "peer_rank": ("组内排名", "Rank in peer group"),
    "name": ("单位", "Department"),
    "peer_group": ("类别", "Peer group"),
    "composite_score": ("综合得分", "Composite score"),
    "rank_change": ("排名变化", "Rank change"),
    "rank_range": ("排名区间（5%–95%）", "Rank range (5–95%)"),
    "note": ("备注", "Note"),
}
NOTES = {
    "insufficient_data": ("数据不足，未排名", "insufficient data, not ranked"),
    "imputed": ("含补缺数据", "includes imputed values"),
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def round_half_up(values, decimals: int = 2) -> list[str]:
    """Format numbers with ``decimals`` places, rounding half up; NaN → ''."""
    quantum = Decimal(1).scaleb(-decimals)
    return [
        ""
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA
        else str(Decimal(repr(float(v))).quantize(quantum, rounding=ROUND_HALF_UP))
        for v in values
    ]


def neutralise(text: str) -> str:
    """Make a text cell inert in spreadsheets (OWASP CSV-injection advice)."""
    return (
        "'" + text
        if isinstance(text, str) and text.startswith(_FORMULA_START)
        else text
    )


def media_table(
    result: Result,
    period: str | None = None,
    *,
    peer_group: str | None = None,
    lang: str = "zh",
    decimals: int = 2,
    rank_range: pd.Series | None = None,
) -> pd.DataFrame:
    """The published league table of ``period`` as text cells with display headers.

    Columns: rank (within ``peer_group`` when given), department, peer group,
    composite score, each level-1 dimension, rank change (previous rank − this
    rank: positive = moved up), the rank range when given (``unit_id →`` text such
    as ``3 (2–5)``, from ``uncertainty.rank_range``), note. ``lang`` is ``zh``,
    ``en`` or ``both``.
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    cat = result.catalogue
    table = result.league_table(period, peer_group=peer_group)
    rank_col = "peer_rank" if peer_group else "rank"
    change_col = "peer_rank_change" if peer_group else "rank_change"
    dims = cat.top_dimensions()
    group_names = {g.id: (g.name_zh, g.name_en) for g in cat.peer_groups}

    def header(key: str, pair=None) -> str:
        zh, en = pair or HEADERS[key]
        return {"zh": zh, "en": en, "both": f"{zh} {en}"}[lang]

    def text(pairs: pd.Series) -> pd.Series:
        pick = {
            "zh": lambda p: p[0],
            "en": lambda p: p[1],
            "both": lambda p: f"{p[0]} {p[1]}",
        }[lang]
        return pairs.map(pick).map(neutralise)

    out = pd.DataFrame(index=table.index)
    out[header(rank_col)] = _integers(table[rank_col])
    if lang == "both":
        out[HEADERS["name"][0]] = table["name_zh"].map(neutralise)
        out[HEADERS["name"][1]] = table["name_en"].map(neutralise)
    else:
        out[header("name")] = table[f"name_{lang}"].map(neutralise)
    out[header("peer_group")] = text(table["peer_group"].map(group_names))
    out[header("composite_score")] = round_half_up(table["composite_score"], decimals)
    for d in dims:
        out[header(d, (cat.name(d, "zh"), cat.name(d, "en")))] = round_half_up(
            table[d], decimals
        )
    out[header("rank_change")] = _integers(table[change_col])
    if rank_range is not None:
        out[header("rank_range")] = (
            table["unit_id"].map(rank_range).fillna("").to_numpy()
        )
    note = pd.Series(
        np.select(
            [table["status"] == "insufficient_data", table["n_imputed"] > 0],
            ["insufficient_data", "imputed"],
            "",
        ),
        index=table.index,
    )
    out[header("note")] = text(note.map({**NOTES, "": ("", "")})).str.strip()
    return out.reset_index(drop=True)


#: the risk tables :func:`risk_table` exports
RISK_TABLES = ("warnings", "risk", "ledger", "flags")
WORDS = {
    # levels
    "green": ("绿色", "green"),
    "yellow": ("黄色", "yellow"),
    "orange": ("橙色", "orange"),
    "red": ("红色", "red"),
    # warning rules
    "threshold": ("阈值", "threshold"),
    "target": ("目标差距", "target shortfall"),
    "peer": ("同类比较", "peer position"),
    "trend": ("趋势", "trend"),
    "rollup": ("维度汇总", "dimension roll-up"),
    "event": ("事件", "event"),
    # ledger and flag status
    "open": ("未关闭", "open"),
    "closed": ("已销号", "closed"),
    "accepted": ("已确认", "accepted"),
    "dismissed": ("已排除", "dismissed"),
    # data-quality checks
    "stable": ("长期不变", "stable"),
    "perfect": ("长期满分", "perfect"),
    "jump": ("异常跳变", "jump"),
    "identical_period": ("与上期完全相同", "identical to previous period"),
    "identical_unit": ("与其他单位完全相同", "identical to another unit"),
    "digits": ("末位数字异常", "last-digit preference"),
    "benford": ("首位数字异常", "Benford first digits"),
    "outlier": ("变化组合异常", "isolated change pattern"),
    True: ("是", "yes"),
    False: ("否", "no"),
}
RISK_HEADERS = {
    "period": ("报告期", "Period"),
    "unit": ("单位", "Department"),
    "node": ("指标或维度", "Indicator or dimension"),
    "rule": ("规则", "Rule"),
    "level": ("预警等级", "Level"),
    "value": ("数值", "Value"),
    "threshold": ("阈值", "Limit"),
    "reason": ("原因", "Reason"),
    "n_red": ("红色预警数", "Red warnings"),
    "n_orange": ("橙色预警数", "Orange warnings"),
    "n_yellow": ("黄色预警数", "Yellow warnings"),
    "item_id": ("编号", "Item"),
    "status": ("状态", "Status"),
    "level_opened": ("初始等级", "Level when opened"),
    "opened_period": ("发现期", "Opened in"),
    "first_due": ("整改期限", "Due"),
    "due": ("当前期限", "Current deadline"),
    "escalations": ("升级次数", "Escalations"),
    "reminder": ("需提醒", "Reminder"),
    "closed_on": ("销号日期", "Closed on"),
    "on_time": ("按期整改", "On time"),
    "flag_id": ("编号", "Flag"),
    "check": ("核查项", "Check"),
    "indicator": ("指标", "Indicator"),
    "comment": ("核实意见", "Comment"),
    "decided_by": ("核实人", "Decided by"),
}


def risk_table(
    result: Result,
    table: str,
    *,
    period: str | None = None,
    lang: str = "zh",
    decimals: int = 2,
    decisions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """A risk table for readers: ``warnings``, ``risk`` (unit grades), ``ledger`` or
    ``flags`` (with analysts' ``decisions``), names and words in ``lang``.

    ``period`` filters warnings, grades and flags (default: the run's period for
    warnings and grades, every period for flags); the ledger is shown whole.
    """
    from .quality import with_decisions

    if table not in RISK_TABLES:
        raise ValueError(f"table must be one of {RISK_TABLES}, not {table!r}")
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    cat = result.catalogue

    def word(values: pd.Series) -> pd.Series:
        pairs = values.map(lambda v: WORDS.get(v, (v, v)) if pd.notna(v) else ("", ""))
        return _pick(pairs, lang)

    def names(ids: pd.Series) -> pd.Series:
        def pair(i):
            if pd.isna(i):
                return ("", "")
            try:
                return (cat.name(i, "zh"), cat.name(i, "en"))
            except KeyError:
                return (i, i)

        return _pick(ids.map(pair), lang)

    units = result.units.set_index("unit_id")
    unit_names = lambda ids: _pick(  # noqa: E731
        ids.map(lambda u: (units.at[u, "name_zh"], units.at[u, "name_en"])), lang
    )
    frame = getattr(result, table).copy()
    if table in ("warnings", "risk"):
        frame = frame[frame["period"] == (period or result.period)]
    elif table == "flags":
        if period is not None:
            frame = frame[frame["period"] == period]
        if decisions is not None:
            frame = with_decisions(frame, decisions)
    cols: dict[str, pd.Series | list] = {}
    if "period" in frame:
        cols["period"] = frame["period"]
    cols["unit"] = unit_names(frame["unit_id"])
    if table == "warnings":
        cols |= {
            "node": names(frame["node_id"]),
            "rule": word(frame["rule"]),
            "level": word(frame["level"]),
            "value": round_half_up(frame["value"], decimals),
            "threshold": round_half_up(frame["threshold"], decimals),
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
            "opened_period": frame["opened_period"],
            "first_due": frame["first_due"],
            "due": frame["due"],
            "escalations": frame["escalations"],
            "reminder": word(frame["reminder"]),
            "closed_on": frame["closed_on"].fillna(""),
            "on_time": word(frame["on_time"]),
            "reason": _reasons(frame, lang),
        }
    else:
        cols = {
            "flag_id": frame["flag_id"],
            "check": word(frame["check"]),
            "unit": unit_names(frame["unit_id"]),
            "period": frame["period"],
            "indicator": names(frame["indicator_id"]),
            "value": round_half_up(frame["value"], decimals),
            "reason": _reasons(frame, lang),
        }
        if decisions is not None:
            cols |= {
                "status": word(frame["status"]),
                "comment": frame["comment"].fillna(""),
                "decided_by": frame["decided_by"].fillna(""),
            }
    out = pd.DataFrame({k: list(v) for k, v in cols.items()})
    out.columns = [
        {"zh": z, "en": e, "both": f"{z} {e}"}[lang]
        for z, e in (RISK_HEADERS[c] for c in cols)
    ]
    for c in out.columns:
        if not pd.api.types.is_numeric_dtype(out[c]):
            out[c] = out[c].map(neutralise)
    return out


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
    """Write a media table as UTF-8-BOM CSV with CRLF, atomically (temp + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = media_csv_bytes(table)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write any table (ranking, problem report) as UTF-8-BOM CSV, text cells
    neutralised against formulas; numbers are written as numbers."""
    safe = frame.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise)
    return write_media_csv(safe, path)


def media_csv_bytes(table: pd.DataFrame) -> bytes:
    """The exact bytes of the media CSV (the dashboard's download uses the same)."""
    text = table.to_csv(index=False, lineterminator="\r\n")
    return "\ufeff".encode() + text.encode("utf-8")


def _integers(values: pd.Series) -> list[str]:
    return ["" if pd.isna(v) else str(int(v)) for v in values]
