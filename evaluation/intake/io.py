"""Read what agencies send: CSV (UTF-8 ± BOM, UTF-16, GB18030/GBK), Excel, Parquet.

Headers may be the English column names or their Chinese equivalents
(``vocabulary.INPUT_COLUMN``). Readers keep every cell as text (empty cell = missing,
nothing else is) so that validation, not the reader, decides what is a number.
Each row remembers its ``source`` file and ``row``, the line a person sees in that
file (header = 1).
"""

from __future__ import annotations

import hashlib
import io as _io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pyarrow.parquet as pq

from evaluation.errors import ValidationFailed
from evaluation.vocabulary import INPUT_COLUMN

UNITS_COLUMNS = ["unit_id", "name_zh", "name_en", "peer_group", "level", "parent_id"]
OBSERVATION_COLUMNS = ["unit_id", "period", "indicator_id", "value"]
OPTIONAL_OBSERVATION_COLUMNS = ["reported_at"]
EVENT_COLUMNS = ["unit_id", "period", "event_id"]
OPTIONAL_EVENT_COLUMNS = ["description", "reference", "reported_at"]
SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm", ".parquet"}
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


def read_table(
    path: str | Path, *, name: str | None = None
) -> tuple[pd.DataFrame, dict]:
    """Read one file into a text table with ``source`` and ``row`` columns.

    Returns the table and a file record (``file, encoding, rows, sha256``). Raises
    ``ValidationFailed`` naming the file if it cannot be read, or is larger than
    :data:`MAX_FILE_BYTES` or unpacks past :data:`MAX_UNPACKED_BYTES` (refused before
    it is read or unpacked).
    """
    path = Path(path)
    name = name or path.name
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _file_error(
                name,
                f"file too large: {size} bytes; at most {MAX_FILE_BYTES} bytes are "
                "read (send it as several files)",
            )
        data = path.read_bytes()
    except OSError as exc:
        raise _file_error(name, f"cannot read file: {exc.strerror}") from None
    sha = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise _file_error(name, "empty file: expected a header row and data rows")
    if suffix not in SUFFIXES:
        raise _file_error(
            name, f"unsupported file type {suffix!r}; use {sorted(SUFFIXES)}"
        )
    options = dict(dtype=str, keep_default_na=False, na_values=[""])
    try:
        if suffix in {".csv", ".txt"}:
            if b"\x00" in data[:4096] and not data.startswith(
                (b"\xff\xfe", b"\xfe\xff")
            ):
                raise _file_error(
                    name,
                    "unreadable encoding: NUL bytes (UTF-16 without a byte-order "
                    "mark, or not a text file); save as UTF-8",
                )
            try:
                text, encoding = decode(data)
            except UnicodeDecodeError as exc:
                raise _file_error(
                    name,
                    f"unreadable encoding: neither UTF-8 nor GB18030/GBK (bad byte "
                    f"0x{data[exc.start]:02x} at offset {exc.start}); save as UTF-8",
                ) from None
            frame = pd.read_csv(_io.StringIO(text), skip_blank_lines=False, **options)
            first_row = 2
        elif suffix == ".parquet":
            _refuse_unpacked(name, _parquet_unpacked(data))
            frame = pd.read_parquet(_io.BytesIO(data))
            encoding, first_row = "parquet", 1
        else:
            _refuse_unpacked(name, _workbook_unpacked(data))
            longest = _longest_shared_text(data)
            if longest > MAX_CELL_CHARS:  # before the cells are built from it
                raise _file_error(
                    name,
                    f"cell_length: a cell of {longest} characters; at most "
                    f"{MAX_CELL_CHARS} characters in a cell",
                )
            frame = pd.read_excel(_io.BytesIO(data), engine="openpyxl", **options)
            encoding, first_row = "xlsx", 2
    except ValidationFailed:
        raise
    except Exception as exc:  # parser errors name the line; pass them on
        raise _file_error(name, f"cannot parse {suffix[1:]}: {exc}") from None
    frame.columns = [
        _ALIASES.get(str(c).strip(), str(c).strip()) for c in frame.columns
    ]
    frame["row"] = pd.RangeIndex(first_row, first_row + len(frame))
    data_cols = [c for c in frame.columns if c != "row"]
    frame = frame[frame[data_cols].notna().any(axis=1)]  # blank lines are not data
    if frame.empty:
        raise _file_error(name, "no data rows below the header")
    frame.insert(0, "source", name)
    record = {
        "file": name,
        "encoding": encoding,
        "rows": len(frame),
        "sha256": sha,
        "columns": [c for c in frame.columns if c not in META],
    }
    return frame.reset_index(drop=True), record


def load_dataset(path: str | Path) -> Dataset:
    """Read a dataset folder: ``units.*``, ``observations/*`` (or ``observations.*``)
    and, if present, one ``events.*`` file (veto events, accidents …).

    Every file is read before any error is raised, so one report names every
    unreadable file. Content is checked later by :func:`validate_dataset`.
    """
    root = Path(path)
    if not root.is_dir():
        raise _file_error(str(path), "dataset folder not found")
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
    problems = [
        _problem(
            str(p.relative_to(root)),
            f"unsupported file type {p.suffix!r}: save as .csv or .xlsx "
            "(old .xls workbooks cannot be read)",
        )
        for p in unsupported
    ]
    if len(units_files) != 1:
        problems.append(
            _problem(
                "units.csv",
                "dataset needs exactly one units file (units.csv|txt|xlsx|xlsm|parquet "
                f"or units.parquet); found {[p.name for p in units_files]}",
            )
        )
    if not obs_files:
        problems.append(
            _problem(
                "observations/",
                "no observation files (observations/*.csv|txt|xlsx|xlsm|parquet)",
            )
        )
    events_files = matching_files(root, "events")
    if len(events_files) > 1:
        problems.append(
            _problem(
                "events.csv",
                "dataset may have one events file; found "
                f"{[p.name for p in events_files]}",
            )
        )
    tables = {"units": [], "observations": [], "events": []}
    records = []
    for table, files in (
        ("units", units_files[:1]),
        ("observations", obs_files),
        ("events", events_files[:1]),
    ):
        for file in files:
            try:
                frame, record = read_table(file, name=str(file.relative_to(root)))
            except ValidationFailed as exc:
                problems.append(exc.report)
                continue
            tables[table].append(frame)
            records.append({"table": table, **record})
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
    return Dataset(
        units=tables["units"][0],
        observations=pd.concat(tables["observations"], ignore_index=True),
        files=pd.DataFrame(records, columns=FILE_COLUMNS),
        root=str(root),
        **({"events": tables["events"][0]} if tables["events"] else {}),
    )


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
    with 17 significant digits so they read back exactly. Returns the folder.
    """
    folder = Path(folder)
    (folder / "observations").mkdir(parents=True, exist_ok=True)
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


def _parquet_unpacked(data: bytes) -> int:
    """Bytes a Parquet file's row groups take uncompressed, as its footer says."""
    meta = pq.read_metadata(_io.BytesIO(data))
    return sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))


def _refuse_unpacked(file: str, size: int) -> None:
    """Refuse a file whose content unpacks past :data:`MAX_UNPACKED_BYTES` (a zip
    bomb: a few KB that would fill the memory), before it is unpacked."""
    if size > MAX_UNPACKED_BYTES:
        raise _file_error(
            file,
            f"file too large unpacked: {size} bytes; at most {MAX_UNPACKED_BYTES} "
            "bytes are read (send it as several files)",
        )


def _problem(file: str, rule: str) -> dict:
    return {"file": file, "row": pd.NA, "column": "", "value": "", "rule": rule}


def _file_error(file: str, rule: str) -> ValidationFailed:
    return ValidationFailed(pd.DataFrame([_problem(file, rule)]))
