"""Read what agencies send: CSV (UTF-8 ± BOM, UTF-16, GB18030/GBK), Excel, Parquet.

Headers may be the English column names or their Chinese equivalents
(``vocabulary.INPUT_COLUMN``). Readers keep every cell as text (empty cell = missing,
nothing else is) so that validation, not the reader, decides what is a number.
Each row remembers its ``source`` file and ``row``, the line a person sees in that
file (header = 1).
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io as _io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from openpyxl import load_workbook
from openpyxl.styles.numbers import (
    BUILTIN_FORMATS,
    is_date_format,
    is_timedelta_format,
)
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel, from_ISO8601

from evaluation import periods as P
from evaluation import progress
from evaluation.errors import ValidationFailed, shorten
from evaluation.vocabulary import INPUT_COLUMN, Word, family, quoted, say

UNITS_COLUMNS = ["unit_id", "name_zh", "name_en", "peer_group", "level", "parent_id"]
OBSERVATION_COLUMNS = ["unit_id", "period", "indicator_id", "value"]
OPTIONAL_OBSERVATION_COLUMNS = ["reported_at"]
#: columns a submission template (``evaluation template``) sets beside the data for
#: the person filling it: unit name, indicator name, unit of measure. Allowed in
#: observation files and never read (the ids decide)
LABEL_COLUMNS = ["name_zh", "period_name", "indicator_name", "unit_of_measure"]
EVENT_COLUMNS = ["unit_id", "period", "event_id"]
OPTIONAL_EVENT_COLUMNS = ["description", "reference", "reported_at"]
#: columns of dates: a workbook's date cell there (Excel makes a typed 2024-04-09 one)
#: is read as the day it shows, ``2024-04-09``
DATE_COLUMNS = {"reported_at"}
#: columns of free text (an event's note, its document number): a date cell there
#: (8·12 typed, made 12 August) is read as the day it shows, ``2025-08-12``, not
#: pandas' ``2025-08-12 00:00:00``; one with a time of day as pandas reads it
NOTE_COLUMNS = {"description", "reference"}
#: columns of codes, period labels and numbers: a date cell there is Excel's guess at
#: what was typed (2024-03 → 1 March 2024), refused by name (``excel_date``)
NOT_DATE_COLUMNS = {
    "unit_id", "peer_group", "level", "parent_id", "period", "indicator_id", "value",
    "event_id",
}  # fmt: skip
SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm", ".parquet"}
#: WPS 表格's own workbooks (a sheet, a template): said so, with how to save .xlsx
WPS_SUFFIXES = {".et", ".ett"}
#: the largest input file read, and the most its content may unpack to (a workbook
#: is a zip archive, a Parquet file compressed): beyond, the file is refused unread
MAX_FILE_BYTES = 200 * 2**20
MAX_UNPACKED_BYTES = 2**30
#: the longest text cell accepted (ids, names, labels, descriptions): longer is a
#: mistake or an attack, reported shortened with its length (``cell_length``)
MAX_CELL_CHARS = 1_000
#: Chinese column headers agencies use → the column each one means
_ALIASES = {w.zh: column for column, w in INPUT_COLUMN.items()}
META = ["source", "row"]
FILE_COLUMNS = ["file", "table", "encoding", "rows", "sha256", "columns"]


@dataclass(frozen=True)
class Dataset:
    """The input tables of one evaluation, as read (text cells), with their files.

    ``files`` lists every file read: ``file, table, encoding, rows, sha256, columns``.
    """

    units: pd.DataFrame
    observations: pd.DataFrame
    files: pd.DataFrame
    root: str = ""
    #: reported events (``events.*``, optional): unit_id, period, event_id …
    events: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=[*EVENT_COLUMNS, *META])
    )
    #: set by validation: the submissions of late agencies it let through (an
    #: agency that sent nothing for its latest periods; ``status.absent_submissions``)
    absent: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: ``load_dataset(..., skip_unreadable=True)``: the problems of the report files
    #: left unread (``ValidationFailed.columns``); empty otherwise
    unread: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: workbook cells that hold no value to read (:class:`CellProblems`), found as
    #: the files were read: :func:`validate_dataset` reports them with the rest of
    #: their files' problems (one round of corrections, not two)
    cells: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def inputs(self) -> dict[str, str]:
        """``file -> sha256`` for provenance."""
        return dict(zip(self.files["file"], self.files["sha256"], strict=True))


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes as agencies' text files come; return ``(text, encoding)``.

    A BOM decides (UTF-8, UTF-16); otherwise strict UTF-8, then strict GB18030 (a
    superset of GBK and GB2312). Raises ``UnicodeDecodeError`` if neither fits.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            raise utf8_error from None


def encoding_word(code: str) -> Word:
    """How a file was read (:func:`decode`'s code, or ``xlsx``) in words: UTF-8编码,
    Excel工作簿; in English the codec's name; a code without words, as it is."""
    key = f"encoding_{code}"
    return say("cli_said", key) if key in family("cli_said") else Word(code, code)


def read_table(
    path: str | Path,
    *,
    name: str | None = None,
    empty_ok: bool = False,
    headers: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Read one file into a text table with ``source`` and ``row`` columns.
    ``empty_ok``: a header without rows is an empty table (a register with nothing
    in it this year: no events, no bonuses), not ``no_rows``. ``headers``: the
    file's own Chinese headers → columns, read besides :data:`INPUT_COLUMN`'s (an
    appraisal file's 评议结果 → ``answer``).

    Returns the table and a file record (``file, encoding, rows, sha256``). Raises
    ``ValidationFailed`` naming the file if it cannot be read, or is larger than
    :data:`MAX_FILE_BYTES` or unpacks past :data:`MAX_UNPACKED_BYTES` (refused before
    it is read or unpacked); :class:`CellProblems` (which carries the table and
    record) for a workbook read whole but with cells that hold no value to read.
    """
    path = Path(path)
    name = name or path.name
    suffix = path.suffix.lower()
    aliases = {**_ALIASES, **(headers or {})}
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _file_error(
                name, _said("file_too_large", size=size, most=MAX_FILE_BYTES)
            )
        data = path.read_bytes()
    except OSError as exc:
        raise _file_error(name, _said("cannot_read", error=exc.strerror)) from None
    sha = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise _file_error(name, _said("empty_file"))
    if suffix not in SUFFIXES:
        raise _file_error(
            name,
            _said(
                "file_type",
                suffix=suffix,
                allowed=Word("、".join(sorted(SUFFIXES)), str(sorted(SUFFIXES))),
            ),
        )
    options = dict(dtype=str, keep_default_na=False, na_values=[""])
    cells = []
    try:
        if suffix in {".csv", ".txt"}:
            if _is_workbook(data):  # an .xlsx renamed .csv
                raise _file_error(name, _said("workbook_as_text", suffix=suffix))
            if _is_old_workbook(data):  # an .xls renamed .csv
                raise _file_error(name, _said("old_workbook_as_text", suffix=suffix))
            if b"\x00" in data[:4096] and not data.startswith(
                (b"\xff\xfe", b"\xfe\xff")
            ):
                raise _file_error(name, _said("nul_bytes"))
            try:
                text, encoding = decode(data)
            except UnicodeDecodeError as exc:
                raise _file_error(
                    name,
                    _said("encoding", byte=f"{data[exc.start]:02x}", offset=exc.start),
                ) from None
            try:  # its first rows: a title above the header?
                first = list(islice(csv.reader(_io.StringIO(text)), _ROWS_ABOVE + 1))
            except csv.Error:  # a cell past the csv module's limit: the parser's
                first = []
            if (above := _above_header(name, first, aliases)) is not None:
                raise above
            frame = pd.read_csv(_io.StringIO(text), skip_blank_lines=False, **options)
            first_row = 2
            if not isinstance(frame.index, pd.RangeIndex):
                # the first data line has more fields than the header (an unquoted
                # 12,5): pandas took the first column(s) for an index and read
                # every row shifted; said as the parser says it of a later line
                n = len(frame.columns)
                saw = n + frame.index.nlevels
                raise ValueError(f"Expected {n} fields in line 2, saw {saw}")
        elif suffix == ".parquet":
            _refuse_unpacked(name, _parquet_unpacked(data))
            frame = pd.read_parquet(_io.BytesIO(data))
            for column in frame.select_dtypes(include=["object", "string"]):
                empty = frame[column].eq("")  # a blank cell, as a CSV's or a sheet's
                if empty.any():  # no copy of a column without one
                    frame[column] = frame[column].mask(empty)
            encoding, first_row = "parquet", 1
        else:
            _refuse_unpacked(name, _workbook_unpacked(data))
            longest = _longest_shared_text(data)
            if longest > MAX_CELL_CHARS:  # before the cells are built from it
                raise _file_error(
                    name, _said("long_cell", n=longest, most=MAX_CELL_CHARS)
                )
            frame = pd.read_excel(_io.BytesIO(data), engine="openpyxl", **options)
            encoding, first_row = "xlsx", 2
            # error cells and formulas without a saved result read as empty cells:
            # find them in the sheet itself, never take them for missing values;
            # date cells of date columns read as their day, not day and midnight
            header = [aliases.get(str(c).strip(), str(c).strip()) for c in frame]
            cells, days = _excel_cells(data, name, header, _own_year(frame, header))
            frame = _dated(frame, days)
            if (elsewhere := _data_sheet(data, frame, aliases)) is not None:
                # the sheet's cells first, as for a sheet with no table below
                problems = [*cells, _problem(name, elsewhere)]
                raise ValidationFailed(pd.DataFrame(problems))
    except ValidationFailed:
        raise
    except Exception as exc:  # parser errors name the line; pass them on
        raise _file_error(name, _unparsed(suffix[1:], exc)) from None
    try:
        frame, record = _table(
            frame, name, suffix, encoding, first_row, sha, empty_ok, aliases
        )
    except ValidationFailed as exc:
        if not cells:
            raise
        # the cells may be why (a sheet of formulas never calculated): said first
        both = pd.concat([pd.DataFrame(cells), exc.report], ignore_index=True)
        raise ValidationFailed(both) from None
    if cells:
        raise CellProblems(pd.DataFrame(cells), frame, record)
    return frame, record


def _table(
    frame: pd.DataFrame,
    name: str,
    suffix: str,
    encoding: str,
    first_row: int,
    sha,
    empty_ok: bool,
    aliases: dict[str, str],
) -> tuple[pd.DataFrame, dict]:
    """The file's table as :func:`read_table` returns it (blank columns dropped,
    headers read as the package's names by ``aliases``, line numbers, no blank
    lines) and its record; ``ValidationFailed`` for a file with no table in it."""
    if suffix != ".parquet":
        frame = _headed(frame, name, aliases)
        _unique_headers(frame, name, aliases)
    frame.columns = [aliases.get(str(c).strip(), str(c).strip()) for c in frame.columns]
    if encoding not in ("parquet", "xlsx") and len(frame.columns) == 1:
        sep = next((s for s in _SEPARATORS if s in frame.columns[0]), None)
        if sep is not None:  # saved with another separator: one column of it all
            raise _file_error(
                name,
                _said("csv_separator", header=frame.columns[0], sep=_SEPARATORS[sep]),
            )
    for column in META:  # the reader's own: the file's would be lost or crash
        if column in frame.columns:
            raise ValidationFailed(
                pd.DataFrame(
                    [{**_problem(name, _said("meta_column", column=column)),
                      "column": column}]
                )
            )  # fmt: skip
    frame["row"] = pd.RangeIndex(first_row, first_row + len(frame))
    data_cols = [c for c in frame.columns if c != "row"]
    frame = frame[frame[data_cols].notna().any(axis=1)]  # blank lines are not data
    if frame.empty and not empty_ok:
        raise _file_error(name, _said("no_rows"))
    frame.insert(0, "source", name)
    record = {
        "file": name,
        "encoding": encoding,
        "rows": len(frame),
        "sha256": sha,
        "columns": [c for c in frame.columns if c not in META],
    }
    return frame.reset_index(drop=True), record


class CellProblems(ValidationFailed):
    """A workbook read whole, with cells that hold no value to read: an Excel error,
    a formula without a saved result, a percentage, a date in a column of codes or
    numbers, a date with a time of day (:func:`_excel_cells`).
    ``frame`` and ``record`` are what :func:`read_table` returns for the file (those
    cells as pandas reads them), so its other cells can be checked in the same
    round: :func:`load_dataset` keeps them and the problems (``Dataset.cells``)."""

    def __init__(self, report: pd.DataFrame, frame: pd.DataFrame, record: dict):
        super().__init__(report)
        self.frame, self.record = frame, record


#: pandas' name for a column whose header cell is blank (its 0-based position)
_BLANK = re.compile(r"Unnamed: \d+")


def _headed(frame: pd.DataFrame, name: str, aliases: dict[str, str]) -> pd.DataFrame:
    """``frame`` without the columns that have neither a header nor a cell (the
    ``,,`` Excel and WPS leave at the end of each line of a CSV export); refuse a
    blank header over filled cells (``blank_header``, one problem per column, named
    by its spreadsheet letter), or rows above the header (:func:`_above_header`).
    Unchanged when no header is blank."""
    blank = [
        i
        for i, c in enumerate(frame.columns)
        if _BLANK.fullmatch(str(c)) or not str(c).strip()
    ]
    if not blank:
        return frame
    filled = frame.iloc[:, blank].notna().any(axis=0).to_numpy()
    if not filled.any():
        keep = [i for i in range(len(frame.columns)) if i not in set(blank)]
        return frame.iloc[:, keep]
    row_1 = [None if i in set(blank) else c for i, c in enumerate(frame.columns)]
    rows = [row_1, *frame.iloc[:_ROWS_ABOVE].values.tolist()]
    if (above := _above_header(name, rows, aliases)) is not None:
        raise above
    problems = []
    for i in (i for i, f in zip(blank, filled, strict=True) if f):
        letter = _column_letter(i + 1)
        said = _said("blank_header", letter=letter)
        problems.append({**_problem(name, said), "row": 1, "column": letter})
    raise ValidationFailed(pd.DataFrame(problems))


#: pandas' name for a header cell seen before in the same row (``value.1``)
_AGAIN = re.compile(r"(.+)\.(\d+)")


def _unique_headers(frame: pd.DataFrame, name: str, aliases: dict[str, str]) -> None:
    """Refuse a column headed twice (``duplicate_header``, row 1, one problem per
    column, its letters): the same header typed again (pandas reads the second
    ``value`` as ``value.1``), or a Chinese header beside its English one
    (``指标值`` and ``value``; ``aliases``: Chinese header → column)."""
    zh_of = {column: zh for zh, column in aliases.items()}
    seen: dict[str, list[int]] = {}
    raw: set[str] = set()
    for i, c in enumerate(map(str, frame.columns)):
        again = _AGAIN.fullmatch(c)
        if again and again.group(1) in raw:  # pandas renamed a repeated header
            c = again.group(1)
        raw.add(c)
        c = c.strip()
        seen.setdefault(aliases.get(c, c), []).append(i)
    problems = []
    for column, at in seen.items():
        if len(at) < 2:
            continue
        letters = [_column_letter(i + 1) for i in at]
        zh = zh_of.get(column, column)
        said = _said(
            "duplicate_header",
            letters=Word("、".join(letters), ", ".join(letters)),
            column=Word(
                f"“{zh}”（{column}）" if zh != column else f"“{column}”", column
            ),
        )
        problems.append({**_problem(name, said), "row": 1, "column": column})
    if problems:
        raise ValidationFailed(pd.DataFrame(problems))


def _looks_like_header(cells: list, aliases: dict[str, str]) -> bool:
    """Whether a row's cells name columns of the input tables (English or Chinese),
    or of the file's own (``aliases``: an appraisal file's 评议结果 → ``answer``)."""
    names = {*INPUT_COLUMN, *aliases, *aliases.values()}
    return any(str(c).strip() in names for c in cells if isinstance(c, str))


#: the most rows a header is looked for below row 1 (a title, the form's 填报单位
#: line, a blank row …) when row 1 names no column
_ROWS_ABOVE = 4


def _above_header(
    file: str, rows: list[list], aliases: dict[str, str]
) -> ValidationFailed | None:
    """The problem of rows above the header, ``rows`` a file's first rows (row 1
    first; a blank cell None or NaN): row 1 names no column, and one of the next
    :data:`_ROWS_ABOVE` rows does. ``title_row`` for a title of one cell over a
    header on row 2; ``title_rows`` otherwise (a header over groups of columns, a
    title and the form's 填报单位 line, a title and a blank row), with the header's
    row and the first three cells above it; ``blank_rows`` for blank rows alone (an
    export that starts with a blank line or a line of commas). None if not so."""
    if not rows or _looks_like_header(rows[0], aliases):
        return None
    for j, row in enumerate(rows[1 : _ROWS_ABOVE + 1], start=1):
        if not _looks_like_header(row, aliases):
            continue
        cells = [
            shorten(str(c).strip(), 40)
            for r in rows[:j]
            for c in r
            if not pd.isna(c) and str(c).strip()
        ]
        above = Word("第1行", "row 1") if j == 1 else Word(f"第1至{j}行", f"rows 1-{j}")
        if not cells:  # blank rows: not a title
            said = _said("blank_rows", rows=above, row=j + 1)
        elif j == 1 and len(cells) == 1:
            said = _said("title_row", title=cells[0])
        else:
            said = _said("title_rows", rows=above, cells=quoted(*cells[:3]), row=j + 1)
        return ValidationFailed(pd.DataFrame([{**_problem(file, said), "row": 1}]))
    return None


def _data_sheet(
    data: bytes, frame: pd.DataFrame, aliases: dict[str, str]
) -> Word | None:
    """``first_sheet`` for a workbook whose first sheet (``frame``, as read) names no
    column in its first rows while a later worksheet does: a sheet put before the
    data (a summary, an empty Sheet1), said with both sheets' names. None if not so
    (a first sheet with a header, or no sheet with one)."""
    rows = [list(frame.columns), *frame.iloc[:_ROWS_ABOVE].values.tolist()]
    if any(_looks_like_header(row, aliases) for row in rows):
        return None
    book = load_workbook(_io.BytesIO(data), read_only=True)
    try:
        sheets = book.worksheets  # as pandas counts them: no chart sheets
        for n, sheet in enumerate(sheets[1:], start=2):
            top = sheet.iter_rows(max_row=_ROWS_ABOVE + 1, values_only=True)
            if any(_looks_like_header(list(row), aliases) for row in top):
                return _said(
                    "first_sheet", first=sheets[0].title, sheet=sheet.title, n=n
                )
    finally:
        book.close()
    return None


def load_dataset(path: str | Path, *, skip_unreadable: bool = False) -> Dataset:
    """Read a dataset folder: ``units.*``, ``observations/*`` (or ``observations.*``)
    and, if present, one ``events.*`` file (veto events, accidents …).

    Every file is read before any error is raised, so one report names every
    unreadable file. Content is checked later by :func:`validate_dataset`, which
    also reports the workbook cells that hold no value (an Excel error, a
    percentage: ``Dataset.cells``), with the rest of their files' problems.
    ``skip_unreadable``: a report file that cannot be read (a bad encoding, a
    blank header, an ``.xls`` or WPS ``.et`` in ``observations/`` …) is left out
    and its problems kept in ``Dataset.unread`` instead of refusing the folder —
    for who-has-sent-what (``evaluation status``), never for scoring; so is an
    events file not read or not alone (:func:`events_in`), which status never reads.
    """
    root = Path(path)
    if not root.is_dir():
        raise _file_error(str(path), _said("no_folder"))
    units_files = matching_files(root, "units")
    folder = root / "observations"
    if folder.is_dir():  # every file there is data, except hidden files and notes
        listed = sorted(
            p
            for p in folder.iterdir()
            if p.is_file() and not p.name.startswith(".") and p.suffix.lower() != ".md"
        )
        obs_files = [p for p in listed if p.suffix.lower() in SUFFIXES]
        unsupported = [p for p in listed if p.suffix.lower() not in SUFFIXES]
    else:
        obs_files, unsupported = matching_files(root, "observations"), []
    events_files = matching_files(root, "events")
    # units.et (WPS) or units.xls where no units file is read: the file meant, said
    # as one in observations/ is, not taken for none (or for no events)
    units_unread = [] if units_files else _unread_spreadsheets(root, "units")
    unsupported += units_unread
    events_unread = [] if events_files else _unread_spreadsheets(root, "events")
    unsupported += events_unread
    problems, unread = [], []
    for p in unsupported:
        said = _said(
            "wps_file_type" if p.suffix.lower() in WPS_SUFFIXES else "old_file_type",
            suffix=p.suffix,
        )
        # a report sent as .xls or .et is one that cannot be read: kept aside as
        # the others are where they are skipped (who has sent what), as is an
        # events file (who has sent what reads no events)
        skipped = skip_unreadable and (p.parent == folder or p in events_unread)
        problem = _problem(str(p.relative_to(root)), said)
        (unread if skipped else problems).append(pd.DataFrame([problem]))
    if len(units_files) > 1 or not (units_files or units_unread):
        # each file the folder has, else the one expected
        said = _said("units_file", found=_found(units_files))
        names = [p.name for p in units_files] or ["units.csv"]
        problems.extend(_problem(name, said) for name in names)
    if not obs_files and not unread:  # else reports were sent, none readable
        problems.append(_problem("observations/", _said("no_observations")))
    if len(events_files) > 1:
        said = _said("events_file", found=_found(events_files))
        (unread if skip_unreadable else problems).extend(
            pd.DataFrame([_problem(p.name, said)]) for p in events_files
        )
    tables = {"units": [], "observations": [], "events": []}
    records, cells, skip = [], [], skip_unreadable
    every = [*units_files[:1], *obs_files, *events_files[:1]]
    for table, files in (
        ("units", units_files[:1]),
        ("observations", obs_files),
        ("events", events_files[:1]),
    ):
        for file in files:
            k, name = every.index(file), str(file.relative_to(root))
            progress.note("read", f"{name} ({k + 1}/{len(every)})", k / len(every))
            try:
                frame, record = read_table(file, name=name, empty_ok=table == "events")
            except CellProblems as exc:  # read: its cells are checked with the rest
                frame, record = exc.frame, exc.record
                cells.append(exc.report)
            except ValidationFailed as exc:
                (unread if skip and table != "units" else problems).append(exc.report)
                continue
            tables[table].append(frame)
            records.append({"table": table, **record})
    copies = _copies(records)  # the same file twice: one problem, read once
    # the same rows in other bytes (saved again with a BOM, as .xlsx beside the .csv)
    resaved = _copies(_contents(tables["observations"], skip=copies))
    # a copy of a file that is itself one: the same data as the file kept
    resaved |= {c: resaved[k] for c, k in copies.items() if k in resaved}
    copies |= resaved
    table_of = {r["file"]: r["table"] for r in records}
    for copy, kept in copies.items():
        said = _said("same_content" if copy in resaved else "same_file", other=kept)
        skipped = skip and table_of[copy] == "observations"
        (unread if skipped else problems).append(pd.DataFrame([_problem(copy, said)]))
    if copies:
        records = [r for r in records if r["file"] not in copies]
        for table, frames in tables.items():
            tables[table] = [f for f in frames if f["source"].iat[0] not in copies]
    if problems:
        raise ValidationFailed(
            pd.concat(
                [
                    p if isinstance(p, pd.DataFrame) else pd.DataFrame([p])
                    for p in problems
                ],
                ignore_index=True,
            )
        )
    observations = (
        pd.concat(tables["observations"], ignore_index=True)
        if tables["observations"]
        else pd.DataFrame(columns=["unit_id", "period", "indicator_id", "value"])
    )
    return Dataset(
        units=tables["units"][0],
        observations=observations,
        files=pd.DataFrame(records, columns=FILE_COLUMNS),
        root=str(root),
        **({"events": tables["events"][0]} if tables["events"] else {}),
        **({"unread": pd.concat(unread, ignore_index=True)} if unread else {}),
        **({"cells": _kept(cells, copies)} if cells else {}),
    )


def events_in(problems: pd.DataFrame) -> pd.Series:
    """Which of a report's problems are an events file's (``events.*``, beside the
    units file): no agency's report, and nothing who has sent what reads."""
    if problems.empty:
        return pd.Series(False, index=problems.index)
    return problems["file"].str.match(r"events\.[^/\\]*$", case=False)


def copies_in(problems: pd.DataFrame) -> pd.Series:
    """Which of a report's problems say a file repeats one read (``same_file``,
    ``same_content``): nothing to correct and resend, only a copy to delete."""
    if problems.empty:
        return pd.Series(False, index=problems.index)
    return problems["rule"].str.match(r"(same_file|same_content):")


def _kept(reports: list[pd.DataFrame], copies: dict[str, str]) -> pd.DataFrame:
    """The reports of the files read, as one (a copy's are its original's)."""
    report = pd.concat(reports, ignore_index=True)
    return report[~report["file"].isin(list(copies))].reset_index(drop=True)


def _contents(frames: list[pd.DataFrame], skip: dict[str, str]) -> list[dict]:
    """A digest of each file's rows as read (every cell, in order), whatever its
    bytes (encoding, BOM, line ends, CSV or workbook), as :func:`_copies` reads
    records: only for files whose columns and number of rows another file shares
    (no other can hold the same rows), and none in ``skip``."""
    alike: dict[tuple, list[pd.DataFrame]] = {}
    for frame in frames:
        if len(frame) and frame["source"].iat[0] not in skip:
            alike.setdefault((tuple(frame.columns), len(frame)), []).append(frame)
    return [
        {
            "file": frame["source"].iat[0],
            "sha256": hashlib.sha256(
                pd.util.hash_pandas_object(frame.drop(columns=META), index=False)
                .to_numpy()
                .tobytes()
            ).hexdigest(),
        }
        for group in alike.values()
        if len(group) > 1
        for frame in group
    ]


def _copies(records: list[dict]) -> dict[str, str]:
    """Files read twice under two names (the same SHA-256: ``x (1).csv`` beside
    ``x.csv``): each copy → the file kept, the one with the shortest name."""
    by_hash: dict[str, list[str]] = {}
    for r in records:
        by_hash.setdefault(r["sha256"], []).append(r["file"])
    out = {}
    for names in by_hash.values():
        kept = min(names, key=lambda n: (len(n), n))
        out.update({n: kept for n in names if n != kept})
    return out


def write_dataset(
    folder: str | Path,
    units: pd.DataFrame,
    observations: pd.DataFrame,
    *,
    name: str = "observations.csv",
    encoding: str = "utf-8-sig",
) -> Path:
    """Write tables as a dataset folder that :func:`load_dataset` reads back.

    ``units.csv`` (UTF-8 with BOM) and ``observations/<name>``; numbers are written
    with 17 significant digits so they read back exactly; the reader's ``source``
    and ``row`` columns (tables from :func:`load_dataset`) are left out, as the
    reader adds them again. Returns the folder.
    """
    folder = Path(folder)
    (folder / "observations").mkdir(parents=True, exist_ok=True)
    units = units.drop(columns=META, errors="ignore")
    observations = observations.drop(columns=META, errors="ignore")
    units.to_csv(folder / "units.csv", index=False, encoding="utf-8-sig")
    observations.to_csv(
        folder / "observations" / name,
        index=False,
        encoding=encoding,
        float_format="%.17g",
    )
    return folder


def read_observations(*paths: str | Path) -> pd.DataFrame:
    """Read observation files (text cells, with ``source`` and ``row``)."""
    return pd.concat([read_table(p)[0] for p in paths], ignore_index=True)


def matching_files(root: Path, stem: str) -> list[Path]:
    """The files ``root/stem.*`` in a format :func:`read_table` reads, sorted."""
    return sorted(p for p in root.glob(f"{stem}.*") if p.suffix.lower() in SUFFIXES)


#: spreadsheets saved in a format not read, as the clerk means them: WPS 表格's own
#: (.et, .ett) and old Excel's (.xls)
UNREAD_SPREADSHEETS = WPS_SUFFIXES | {".xls"}


def _unread_spreadsheets(root: Path, stem: str) -> list[Path]:
    """The files ``root/stem.*`` saved as a spreadsheet not read
    (:data:`UNREAD_SPREADSHEETS`: ``units.et``), sorted."""
    return sorted(
        p for p in root.glob(f"{stem}.*") if p.suffix.lower() in UNREAD_SPREADSHEETS
    )


def _is_workbook(data: bytes) -> bool:
    """Whether ``data`` is an Excel workbook: a ZIP (``PK\\x03\\x04``) holding the
    workbook's ``xl/`` parts, whatever the file's name says."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(_io.BytesIO(data)) as archive:
            return any(n.startswith("xl/") for n in archive.namelist())
    except zipfile.BadZipFile:
        return False


#: an OLE compound file's first bytes (Office 97-2003: .xls, .doc, WPS's .et), and
#: the directory entry of an Excel 97-2003 workbook's stream (UTF-16, NUL-ended)
_COMPOUND = bytes.fromhex("D0CF11E0A1B11AE1")
_WORKBOOK_STREAM = "Workbook\0".encode("utf-16-le")


def _is_old_workbook(data: bytes) -> bool:
    """Whether ``data`` is an Excel 97-2003 workbook (``.xls``): a compound file
    (``D0 CF 11 E0``) with a ``Workbook`` stream, whatever the file's name says; a
    Word document, say, is none."""
    return data.startswith(_COMPOUND) and _WORKBOOK_STREAM in data


def _workbook_unpacked(data: bytes) -> int:
    """Bytes a workbook's zip archive unpacks to, as its directory says."""
    with zipfile.ZipFile(_io.BytesIO(data)) as archive:
        return sum(member.file_size for member in archive.infolist())


def _longest_shared_text(data: bytes) -> int:
    """The longest text a workbook shares among its cells (``sharedStrings.xml``,
    read as a stream): one long string referenced by many cells is a few KB in the
    archive and gigabytes once every cell holds it."""
    with zipfile.ZipFile(_io.BytesIO(data)) as archive:
        names = [n for n in archive.namelist() if n.endswith("sharedStrings.xml")]
        longest = 0
        for member in names:
            with archive.open(member) as stream:
                for _, element in ElementTree.iterparse(stream):
                    if element.tag.rsplit("}", 1)[-1] == "t":
                        longest = max(longest, len(element.text or ""))
                    element.clear()
        return longest


_PACKAGE_RELS = "_rels/.rels"
_WORKSHEET = "/relationships/worksheet"
_OFFICE_DOCUMENT = "/relationships/officeDocument"


def _excel_cells(
    data: bytes, file: str, header: list[str], year: int | None = None
) -> tuple[list[dict], list[tuple[int, int, str]]]:
    """The cells of a workbook's first worksheet (the one :func:`read_table` reads)
    that hold no value to read, and the days its date columns' date cells show.

    Problems: an Excel error (``#DIV/0!``, ``#N/A`` …: rule ``excel_error``) or a
    formula without a saved result (written by a program, never calculated:
    ``excel_formula``), which openpyxl, and so pandas, reads as an empty cell, that
    is as a missing value; a value typed as a percentage (``excel_percent``); a
    date cell in a column of codes or numbers (``excel_date``: Excel made 2024-03
    typed in ``period`` 1 March 2024), or one with a time of day in a date column
    (``excel_datetime``); the period's examples are of ``year``, the sheet's own
    (:func:`_own_year`), else of the date's; a year typed as a number in a period
    cell formatted as a date (2025, shown 1905-07-17: ``excel_year_period``), of
    that year. One problem per cell: ``file``, the
    sheet row, the column (its header, or its letter past the header) and the
    error, formula, number or date; the sheet and cell are in the rule.

    Days: ``(row, column, "YYYY-MM-DD")`` of each date cell at midnight in a
    :data:`DATE_COLUMNS` or :data:`NOTE_COLUMNS` column (pandas reads it
    ``2024-04-09 00:00:00``), for
    :func:`_dated`. The sheet is read as a stream, its cells cleared as they are
    read, and only if its XML has a formula, an error or a styled cell to look at.
    """
    with zipfile.ZipFile(_io.BytesIO(data)) as archive:
        sheet, member = _first_worksheet(archive)
        percent, dated = _number_styles(archive)
        if not _may_hold(archive, member, percent | dated):  # a quick look
            return [], []
        epoch = MAC_EPOCH if dated and _date1904(archive) else WINDOWS_EPOCH
        problems, days = [], []
        with archive.open(member) as stream:
            row, column = 0, 0
            for event, element in ElementTree.iterparse(stream, ("start", "end")):
                tag = element.tag.rsplit("}", 1)[-1]
                if event == "start":
                    if tag == "row":
                        row = int(element.get("r") or row + 1)
                        column = 0
                    continue
                if tag == "row":
                    element.clear()
                if tag != "c":
                    continue
                ref = element.get("r")
                column = _column_number(ref) if ref else column + 1
                ref = ref or f"{_column_letter(column)}{row}"
                kind = element.get("t", "n")
                style = int(element.get("s") or 0)
                formula = value = None
                for child in element:
                    name = child.tag.rsplit("}", 1)[-1]
                    if name == "f":
                        formula = child
                    elif name == "v":
                        value = child.text
                element.clear()
                if kind == "e":
                    rule = "excel_error"
                    shown = value or "(error)"
                elif formula is not None and not value and kind != "str":
                    rule = "excel_formula"
                    shown = f"={formula.text}" if formula.text else "(formula)"
                elif (
                    kind == "n"
                    and value
                    and style in percent
                    and row > 1
                    and column <= len(header)
                    and header[column - 1] == "value"
                ):
                    rule = "excel_percent"  # 98.5% typed: 0.985 stored
                    shown = plain_number(value)  # 0.807, not 0.8070000000000001
                elif (
                    value
                    and (kind == "d" or (kind == "n" and style in dated))
                    and row > 1
                    and column <= len(header)
                    and header[column - 1] in _DATED_COLUMNS
                    and (when := _when(value, kind, epoch)) is not None
                ):
                    day = _day(when)
                    if header[column - 1] in NOTE_COLUMNS:
                        if day:
                            days.append((row, column, day))
                        continue
                    if header[column - 1] in DATE_COLUMNS:
                        if day:  # 2024-04-09 typed: a date at midnight
                            days.append((row, column, day))
                            continue
                        rule = "excel_datetime"
                    else:
                        rule = (
                            "excel_date_period"
                            if header[column - 1] == "period"
                            else "excel_date"
                        )
                    shown = day or str(when)
                else:
                    continue
                heading = header[column - 1] if column <= len(header) else ""
                extra = {}
                if rule == "excel_percent":  # stored 0.985, shown 98.5%
                    extra = {
                        "stored": plain_number(shown),
                        "shown": f"{plain_number(float(shown) * 100)}%",
                    }
                elif rule == "excel_date":
                    extra = {"shown": shown, "column": INPUT_COLUMN[heading]}
                elif rule == "excel_error" and heading in INPUT_COLUMN.keys() - {
                    "value"
                }:  # a code or a period, not a number: fix the look-up or type it
                    rule = "excel_error_text"
                    extra = {"column": INPUT_COLUMN[heading]}
                elif rule == "excel_date_period" and (typed := _typed_year(value)):
                    rule = "excel_year_period"  # 2025 typed in a date cell
                    extra = {"shown": shown, "year": typed}
                elif rule == "excel_date_period":  # the example in the file's year
                    mine = year or getattr(when, "year", None) or P.today().year
                    extra = {"shown": shown, "year": mine}
                elif rule == "excel_datetime":
                    extra = {"shown": shown}
                said = _said(rule, sheet=sheet, cell=ref, **extra)
                problems.append(
                    {
                        "file": file,
                        "row": row,
                        "column": heading
                        if heading and not heading.startswith("Unnamed:")
                        else _column_letter(column),
                        "value": shown,
                        "rule": said.en,
                        "rule_zh": said.zh,
                    }
                )
        return problems, days


def _typed_year(value: str) -> int | None:
    """The year a date cell's stored number is (2025: typed as a number in a cell
    formatted as a date, which shows 1905-07-17), else None."""
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if number.is_integer() and 1000 <= number <= 9999 else None


def _own_year(frame: pd.DataFrame, header: list[str]) -> int | None:
    """The year of a sheet's period labels (the most of its rows; of ties the
    latest), None for a sheet with no period label: the year of the examples
    :func:`_excel_cells` gives a period Excel made a date."""
    if "period" not in header:
        return None
    years = P.parse(frame.iloc[:, header.index("period")])["year"].dropna()
    return int(years.mode().max()) if len(years) else None


#: the columns whose date cells :func:`_excel_cells` reads or refuses
_DATED_COLUMNS = DATE_COLUMNS | NOT_DATE_COLUMNS | NOTE_COLUMNS


def _when(value: str, kind: str, epoch):
    """A date cell's stored value as openpyxl (and so pandas) reads it: a datetime,
    or a time for a time of day alone; ``None`` for a number no date can be (openpyxl
    reads ``#VALUE!``)."""
    try:
        return from_ISO8601(value) if kind == "d" else from_excel(float(value), epoch)
    except (ValueError, OverflowError):
        return None


def _day(when) -> str:
    """``YYYY-MM-DD`` of a date at midnight; ``""`` for anything with a time of day."""
    if isinstance(when, datetime.datetime):
        return when.date().isoformat() if when.time() == datetime.time() else ""
    return when.isoformat() if isinstance(when, datetime.date) else ""


def _dated(frame: pd.DataFrame, days: list[tuple[int, int, str]]) -> pd.DataFrame:
    """``frame`` (as pandas reads the sheet: row 2 first) with each date cell of a
    date column read as the day it shows (``(row, column, day)``, from
    :func:`_excel_cells`), not as pandas' ``2024-04-09 00:00:00``."""
    if not days:
        return frame
    rows, columns, text = (np.asarray(v) for v in zip(*days, strict=True))
    frame = frame.copy()
    for column in np.unique(columns):
        mine = columns == column
        frame.iloc[rows[mine] - 2, column - 1] = text[mine]
    return frame


#: a formula element (``<f>``, ``<x:f …>``) in a sheet's XML, and the quoted ``"e"``
#: of an error cell's ``t="e"`` (``"d"``: a date cell's ``t="d"``): a quick look
#: before the sheet is parsed
_FORMULA = re.compile(rb"[<:]f[\s>/]")
_ERROR_OR_DATE = (b'"e"', b"'e'", b'"d"', b"'d'")


#: Excel's built-in number formats that show a date or a time (openpyxl's, and the
#: East Asian ones it does not know: ``yyyy"年"m"月"d"日"`` is 31 in Chinese Excel)
_DATE_FORMATS = {
    *(i for i, code in BUILTIN_FORMATS.items()
      if is_date_format(code) and not is_timedelta_format(code)),
    *range(27, 37), *range(50, 59),
}  # fmt: skip


def _number_styles(archive: zipfile.ZipFile) -> tuple[set[int], set[int]]:
    """The cell styles (a cell's ``s``) that show a number as a percentage, and
    those that show it as a date.

    Percentages: Excel's built-in formats 9 and 10 (``0%``, ``0.00%``) or a custom
    format with ``%`` outside quotes; a clerk typing ``98.5%`` into such a cell
    stores 0.985. Dates: a built-in date or time format (:data:`_DATE_FORMATS`) or
    a custom one openpyxl reads as a date (``yyyy-mm-dd``, not ``[h]:mm``); Excel
    stores a typed 2024-04-09 as the number of days since 1900 in such a cell."""
    try:
        root = ElementTree.fromstring(archive.read("xl/styles.xml"))
    except (KeyError, ElementTree.ParseError):
        return set(), set()
    percent, dates = {9, 10}, set(_DATE_FORMATS)
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "numFmt":
            number = int(element.get("numFmtId", -1))
            code = element.get("formatCode", "")
            if "%" in re.sub(r'"[^"]*"|\\.', "", code):
                percent.add(number)
            if is_date_format(code) and not is_timedelta_format(code):
                dates.add(number)
            else:
                dates.discard(number)  # a built-in number given another format
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "cellXfs":
            formats = [int(xf.get("numFmtId", 0)) for xf in element]
            return (
                {i for i, f in enumerate(formats) if f in percent},
                {i for i, f in enumerate(formats) if f in dates},
            )
    return set(), set()


def _date1904(archive: zipfile.ZipFile) -> bool:
    """Whether the workbook counts its dates from 1904 (``<workbookPr
    date1904="1">``, old Mac Excel) rather than from 1900."""
    book = ElementTree.fromstring(archive.read(_workbook(archive)))
    for element in book.iter():
        if element.tag.rsplit("}", 1)[-1] == "workbookPr":
            return element.get("date1904", "").lower() in ("1", "true")
    return False


def plain_number(value) -> str:
    """A stored number as a clerk reads it: ``0.985``, ``98.5`` (no float noise)."""
    return f"{float(value):.10g}"


def _may_hold(archive: zipfile.ZipFile, member: str, styles: set[int]) -> bool:
    """Whether a sheet's XML has a formula, an error cell, a date cell (``t="d"``)
    or a cell of one of ``styles`` anywhere (read in chunks, no parsing: a sheet of
    plain values is passed in a fraction of the time parsing takes)."""
    styled = (
        re.compile(
            rb"\ss\s*=\s*[\"']0*(?:%s)[\"']" % "|".join(map(str, styles)).encode()
        )
        if styles
        else None
    )
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(1 << 20):
            text = tail + chunk
            if (
                _FORMULA.search(text)
                or any(e in text for e in _ERROR_OR_DATE)
                or (styled is not None and styled.search(text))
            ):
                return True
            tail = chunk[-64:]
    return False


def _relations(archive: zipfile.ZipFile, member: str) -> dict[str, tuple[str, str]]:
    """A relationships part of a workbook: ``Id -> (Type, member it points to)``."""
    folder = posixpath.dirname(posixpath.dirname(member))
    out = {}
    for rel in ElementTree.fromstring(archive.read(member)):
        target = rel.get("Target", "")
        path = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(folder, target))
        )
        out[rel.get("Id")] = (rel.get("Type", ""), path)
    return out


def _workbook(archive: zipfile.ZipFile) -> str:
    """The member of a workbook's ``workbook.xml``, as its package relations say."""
    return next(
        (path for kind, path in _relations(archive, _PACKAGE_RELS).values()
         if kind.endswith(_OFFICE_DOCUMENT)),
        "xl/workbook.xml",
    )  # fmt: skip


def _first_worksheet(archive: zipfile.ZipFile) -> tuple[str, str]:
    """``(name, member)`` of the first worksheet of a workbook, as openpyxl finds it
    (the workbook's first ``<sheet>`` that is a worksheet, not a chart sheet)."""
    book = _workbook(archive)
    folder, name = posixpath.split(book)
    rels = _relations(archive, posixpath.join(folder, "_rels", f"{name}.rels"))
    for element in ElementTree.fromstring(archive.read(book)).iter():
        if element.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        rid = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
        kind, path = rels.get(rid, ("", ""))
        if kind.endswith(_WORKSHEET):
            return element.get("name", ""), path
    raise ValueError("the workbook has no worksheet")


def _column_number(ref: str) -> int:
    """``D5`` → 4."""
    number = 0
    for char in ref:
        if not char.isalpha():
            break
        number = number * 26 + ord(char.upper()) - 64
    return number


def _column_letter(number: int) -> str:
    """4 → ``D``."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _parquet_unpacked(data: bytes) -> int:
    """Bytes a Parquet file's row groups take uncompressed, as its footer says."""
    meta = pq.read_metadata(_io.BytesIO(data))
    return sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))


def _refuse_unpacked(file: str, size: int) -> None:
    """Refuse a file whose content unpacks past :data:`MAX_UNPACKED_BYTES` (a zip
    bomb: a few KB that would fill the memory), before it is unpacked."""
    if size > MAX_UNPACKED_BYTES:
        raise _file_error(
            file, _said("unpacked_too_large", size=size, most=MAX_UNPACKED_BYTES)
        )


def _said(rule: str, **fields) -> Word:
    """A problem with a file, in the words of the vocabulary (``validation_rule``)."""
    return say("validation_rule", rule, **fields)


#: pandas' words for a CSV line it cannot split (the line is 1-based; the row of an
#: open quote 0-based)
_CSV_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_CSV_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")


#: separators a CSV file is saved with by mistake, as the clerk knows them
_SEPARATORS = {
    ";": Word("分号（;）", "semicolons"),
    "\t": Word("制表符", "tabs"),
    "|": Word("竖线（|）", "vertical bars"),
}


def _unparsed(kind: str, exc: Exception) -> Word:
    """A file its parser refused, said with the line at fault where the parser
    names it (a CSV row with a comma too many, a quote left open)."""
    error = str(exc).strip()
    if kind in ("csv", "txt") and (m := _CSV_FIELDS.search(error)):
        expected, line, saw = m.groups()
        return _said("csv_fields", line=line, expected=expected, saw=saw, error=error)
    if kind in ("csv", "txt") and (m := _CSV_QUOTE.search(error)):
        return _said("csv_quote", line=int(m.group(1)) + 1, error=error)
    name = {"csv": "CSV", "txt": "CSV", "parquet": "Parquet"}.get(kind, "Excel")
    return _said("cannot_parse", kind=Word(name, kind), error=error)


def _found(files: list[Path]) -> Word:
    names = [p.name for p in files]
    return Word("、".join(names) or "无", str(names))


def _problem(file: str, rule: Word) -> dict:
    return {
        "file": file,
        "row": pd.NA,
        "column": "",
        "value": "",
        "rule": rule.en,
        "rule_zh": rule.zh,
    }


def _file_error(file: str, rule: Word) -> ValidationFailed:
    return ValidationFailed(pd.DataFrame([_problem(file, rule)]))
