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
) -> pd.DataFrame:
    """The published league table of ``period`` as text cells with display headers.

    Columns: rank (within ``peer_group`` when given), department, peer group,
    composite score, each level-1 dimension, rank change (previous rank − this
    rank: positive = moved up), note. ``lang`` is ``zh``, ``en`` or ``both``.
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
