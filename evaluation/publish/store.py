"""Where results are kept: result folders, and the publication store's file.

A **result folder** (:func:`save_result`, :func:`load_result`) holds
``provenance.json``, ``catalogue.json`` and one Parquet file per stage table. It is
written to a staging sibling named by its machine and process
(``.result-HOST-PID-xxxxxxxx``) and renamed into place
(:func:`evaluation.files.replacing_folder`), so a run killed midway leaves no
half-written result; the staging folder such a run leaves is removed by the next save
beside it on the same machine once its process no longer runs.

The **publication store** (:class:`Store`) is one embedded DuckDB file (default
``data/store.duckdb``, no server):

* ``runs``: one row per run: id, chain and version, the run it supersedes, status
  (``draft``, ``notice`` or ``published``), kind (``period`` or ``annual``), the
  reason (for an appeal or correction), who created and who released it and when,
  the 公示 window (``notice_from``, ``notice_until``: ISO dates, Beijing time), and
  the manifest (input hashes, catalogue and rules versions, parameters, package
  version, git commit) that reproduces it;
* ``run_tables``: each of the run's tables as Parquet bytes with their SHA-256;
* ``appeal_cases``: appeals (申诉) filed against an annual run under notice, each with
  its review decision (复核: upheld or rejected);
* ``access_log``: who viewed a draft, and when (pre-release access);
* ``journal``: an append-only, hash-chained record of every run and appeal case as
  each transaction left it (the run's row, its manifest's and tables' SHA-256); each
  record's hash covers the one before, so an edit or deletion made outside the
  program, or a rewritten record, is found by :meth:`Store.verify` (``evaluation
  verify``; the dashboard runs it at start). Every table read is checked against its
  SHA-256 (:class:`TamperedError`, never served silently).

Another process holding the file (a publish, the dashboard) is waited for a few
seconds, then :class:`StoreBusyError` says who holds it; readers open it read-only
(``Store(path, read_only=True)``), so they never block each other.

:class:`Store` reads it (what the dashboard, reports and letters need) and offers
the writes as primitives that run inside the caller's :meth:`Store.transaction`;
what may be written when (draft → 公示 → final, one run in force, appeals) is
:mod:`.publication`'s :class:`~.publication.Publication`, which builds on it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import time
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from evaluation.catalogue import parse_catalogue
from evaluation.errors import EvaluationError
from evaluation.files import os_reason, replacing, replacing_folder
from evaluation.pipeline import git_commit
from evaluation.result import Provenance, Result
from evaluation.vocabulary import FAMILIES, Word, quoted, say, say_count, shell_word

BEIJING = ZoneInfo("Asia/Shanghai")  #: times are stored in UTC, read in Beijing time
#: the store a command uses without ``--store`` (the command line's default too)
DEFAULT_PATH = Path("data/store.duckdb")


def store_option(path: str | Path | None) -> Word:
    """What a command printed for the user to copy adds to act on the store at
    ``path``: `` --store PATH`` (shell-quoted), nothing for the default store, so
    that a next step copied as printed acts on the store the user gave, not on
    ``data/store.duckdb``."""
    if path is None or Path(path) == DEFAULT_PATH:
        return Word("", "")
    text = f" --store {shell_word(path)}"
    return Word(text, text)


def save_result(result: Result, folder: str | Path) -> Path:
    """Write ``result`` to ``folder`` (replacing a previous result there)."""
    folder = Path(folder)
    with replacing_folder(folder) as tmp:
        for name in result.tables():
            getattr(result, name).to_parquet(tmp / f"{name}.parquet", index=False)
        _write_json(tmp / "provenance.json", result.provenance.to_dict())
        _write_json(tmp / "catalogue.json", result.catalogue.model_dump(mode="json"))
    return folder


def load_result(folder: str | Path) -> Result:
    """Read a result folder written by :func:`save_result`."""
    folder = Path(folder)
    if not (folder / "provenance.json").is_file():
        inner = folder / "result"  # score --out OUT writes OUT/result: named
        if (inner / "provenance.json").is_file():
            said = say("library_error", "not_result_inner", folder=folder, inner=inner)
            raise NotAResultError(words=said)
        raise NotAResultError(words=say("library_error", "not_result", folder=folder))
    catalogue = parse_catalogue(
        _read_json(folder / "catalogue.json"), file="catalogue.json", stored=True
    )
    tables = {
        name: pd.read_parquet(folder / f"{name}.parquet")
        for name in (*Result.TABLES, *Result.OPTIONAL_TABLES)
        if name in Result.TABLES or (folder / f"{name}.parquet").is_file()
    }
    provenance = Provenance.from_dict(_read_json(folder / "provenance.json"))
    return Result(catalogue=catalogue, provenance=provenance, **tables)


def _write_json(path: Path, data) -> None:
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )


def _read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


# ------------------------------------------------------------ the publication store
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    chain VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    supersedes VARCHAR,
    status VARCHAR NOT NULL CHECK (status IN ('draft', 'notice', 'published')),
    kind VARCHAR NOT NULL CHECK (kind IN ('period', 'annual')),
    period VARCHAR NOT NULL,
    reason VARCHAR,
    created_at VARCHAR NOT NULL,
    created_by VARCHAR NOT NULL,
    published_at VARCHAR,
    published_by VARCHAR,
    manifest VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS run_tables (
    run_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (run_id, name)
);
CREATE TABLE IF NOT EXISTS access_log (
    run_id VARCHAR NOT NULL,
    viewer VARCHAR NOT NULL,
    viewed_at VARCHAR NOT NULL,
    what VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY,
    recorded_at VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,
    state VARCHAR NOT NULL,
    previous VARCHAR NOT NULL,
    hash VARCHAR NOT NULL
);
"""
#: what stores made before the 公示 lifecycle lack; applied (idempotently) on open
MIGRATION = """
ALTER TABLE runs ADD COLUMN IF NOT EXISTS notice_from VARCHAR;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS notice_until VARCHAR;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS notice_by VARCHAR;
CREATE TABLE IF NOT EXISTS appeal_cases (
    case_id VARCHAR PRIMARY KEY,
    run_id VARCHAR NOT NULL,
    unit_id VARCHAR NOT NULL,
    filed_by VARCHAR NOT NULL,
    filed_at VARCHAR NOT NULL,
    grounds VARCHAR NOT NULL,
    decision VARCHAR,
    decided_by VARCHAR,
    decided_at VARCHAR,
    decision_note VARCHAR,
    recorded_at VARCHAR NOT NULL
);
"""
RUN_COLUMNS = [
    "run_id",
    "chain",
    "version",
    "supersedes",
    "status",
    "kind",
    "period",
    "reason",
    "created_at",
    "created_by",
    "notice_from",
    "notice_until",
    "notice_by",
    "published_at",
    "published_by",
    "under_notice",
    "in_force",
]
CASE_COLUMNS = [
    "case_id",
    "run_id",
    "unit_id",
    "filed_by",
    "filed_at",
    "grounds",
    "decision",
    "decided_by",
    "decided_at",
    "decision_note",
    "recorded_at",
]
RELEASED = ("notice", "published")  #: statuses of a released run (public)
GRADE_PARTS = ["periods_score", "review_score", "survey_score"]  #: 考、评、议
#: the result tables of a run; an annual run adds the appraisal's, whose parts
#: (:data:`GRADE_PARTS`), deductions and bonus come before the score they make, so
#: that a correction shows what moved a grade (an appeal on the key targets: the
#: review; on a commendation left out: the bonus)
DIFF_KEYS = {
    "composite": (["period", "unit_id"], ["composite_score", "status"]),
    "ranks": (["period", "unit_id"], ["rank", "peer_rank"]),
    "grades": (
        ["unit_id"],
        [*GRADE_PARTS, "deductions", "bonus", "score", "group_rank", "final_grade"],
    ),
}


#: how long opening a store waits for another process that holds it, in seconds
#: (``EVALUATION_STORE_WAIT`` sets it: e.g. longer for a dashboard beside big
#: publishes)
def _wait_from_environment(default: float = 15.0) -> float:
    text = os.environ.get("EVALUATION_STORE_WAIT", "")
    try:
        return float(text) if text.strip() else default
    except ValueError:
        return default  # a mistyped setting must not stop every command


WAIT = _wait_from_environment()
#: the ``previous`` of the journal's first record
GENESIS = "0" * 64


class StoreBusyError(EvaluationError):
    """The store file is held by another process (DuckDB allows one writer, or
    readers, at a time) for longer than the wait."""


class TamperedError(EvaluationError):
    """The store differs from what the program wrote: a table's bytes do not match
    their SHA-256, or a run or case differs from its journal record."""


class NotAResultError(EvaluationError, FileNotFoundError):
    """A folder that holds no result written by :func:`save_result`."""


class NoTableError(EvaluationError, KeyError):
    """A run without the table asked for (a ``KeyError``: an optional table)."""


class PublishedRunError(EvaluationError):
    """An attempt to change a released run (under notice or published), or to read
    a draft without naming the viewer."""


def now() -> str:
    """The time to record: UTC, ISO 8601 to the microsecond."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """A table as Parquet bytes, in one canonical form: that of the frame as Parquet
    reads it back. The same table gives the same bytes whether it comes from a run
    in memory or from a result folder saved by ``evaluation score`` (whose round
    trip turns, e.g., text columns of ``object`` dtype into ``str``)."""
    return _parquet(pd.read_parquet(io.BytesIO(_parquet(frame))))


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def run_tables(result: Result, appraisal=None, uncertainty=None) -> dict[str, bytes]:
    """Every table of a run as Parquet bytes, in a fixed order (the uncertainty
    analysis adds its per-unit rank intervals as ``uncertainty``)."""
    tables = {name: parquet_bytes(getattr(result, name)) for name in result.tables()}
    if appraisal is not None:
        for name in appraisal.TABLES:
            tables[name] = parquet_bytes(getattr(appraisal, name))
    if uncertainty is not None:
        tables["uncertainty"] = parquet_bytes(uncertainty.summary)
    return tables


def manifest(result: Result, appraisal=None, **params) -> dict:
    """What reproduces a run: the result's provenance, the appraisal's config and
    input hashes, the package version and git commit of the program that scored
    it, and parameters."""
    out = {
        "provenance": result.provenance.to_dict(),
        # what relative paths in ``params`` (appraisal inputs) are relative to
        "workdir": os.getcwd(),
        "catalogue": result.catalogue.model_dump(mode="json"),
        "catalogue_version": result.catalogue.version,
        "package_version": result.provenance.package_version,
        # the scoring program's; a run scored before it was recorded: the publishing one
        "git_commit": result.provenance.git_commit or git_commit(),
        "params": params,
    }
    if appraisal is not None:
        out["appraisal"] = {
            "config": appraisal.config.model_dump(mode="json", by_alias=True),
            "config_sha256": appraisal.config_sha256,
            "rules_version": appraisal.config.version,
            "inputs_sha256": appraisal.inputs_sha256,
        }
    return out


class Store:
    """A publication store file, for reading. Open it, use it, :meth:`close` it (or
    ``with``). To add, release or correct runs and to record appeals, open it as a
    :class:`~.publication.Publication`, which keeps the lifecycle's rules.

    A store written before the 公示 lifecycle opens as it is: the missing columns and
    the ``appeal_cases`` table are added on open."""

    def __init__(
        self,
        path: str | Path = DEFAULT_PATH,
        *,
        read_only: bool = False,
        wait: float | None = None,
    ):
        self.path = Path(path)
        self.read_only = read_only
        if read_only and not self.path.is_file():
            raise EvaluationError(
                words=say("library_error", "store_missing", store=self.path)
            )
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._touched: set[str] = set()
        self._db = connect(self.path, read_only=read_only, wait=wait)
        if read_only:
            tables = {r[0] for r in self._db.execute("SHOW TABLES").fetchall()}
            if {"journal", "appeal_cases"} - tables:  # made by an earlier version
                self._db.close()
                Store(self.path, wait=wait).close()  # brings it up to date, once
                self._db = connect(self.path, read_only=True, wait=wait)
            return
        self._db.execute("BEGIN TRANSACTION")  # the tables a new version adds
        self._db.execute(SCHEMA)
        self._db.execute(MIGRATION)
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self, *, check: bool = True):
        """Every write inside happens, or none (a process killed midway included);
        the journal records each run and case the writes touched, in the same
        transaction. ``check``: first compare the store with its journal (only
        :meth:`adopt`, which starts a journal, does without)."""
        self._db.execute("BEGIN TRANSACTION")
        self._touched = set()
        try:
            # what a write decides on (this run, the runs it corrects, the cases
            # against it) must be as the program wrote it: every run and case
            # against its journal record (rows and table hashes; no bytes read)
            problems = self._differences() if check else []
            if problems:
                heading = say("library_error", "store_differs", store=self.path)
                raise TamperedError(
                    heading.en + "\n  " + "\n  ".join(map(_both, problems)),
                    words=_listed(heading, problems),
                )
            yield
            self._seal()
            try:
                self._db.execute("COMMIT")
            except duckdb.Error as exc:  # the file could not take it: a full disk
                why = os_reason(str(exc))
                said = say("library_error", "store_unwritten", store=self.path, why=why)
                raise EvaluationError(words=said) from exc
        except BaseException:
            with suppress(duckdb.TransactionException):  # a failed COMMIT ended it
                self._db.execute("ROLLBACK")
            raise
        finally:
            self._touched = set()

    # ------------------------------------------------- writing (in a transaction)
    def insert_run(self, **row) -> None:
        """A new row of ``runs`` (its columns by name)."""
        self._touch(f"run:{row['run_id']}")
        self._db.execute(
            f"INSERT INTO runs ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )

    def update_run(self, run_id: str, **fields) -> None:
        """Set ``fields`` (columns by name) of a run's row."""
        self._touch(f"run:{run_id}")
        sets = ", ".join(f"{name} = ?" for name in fields)
        self._db.execute(
            f"UPDATE runs SET {sets} WHERE run_id = ?", [*fields.values(), run_id]
        )

    def insert_table(self, run_id: str, name: str, data: bytes) -> None:
        """One of a run's tables, as Parquet bytes (its SHA-256 kept beside it)."""
        self._touch(f"run:{run_id}")
        self._db.execute(
            "INSERT INTO run_tables VALUES (?, ?, ?, ?)",
            [run_id, name, hashlib.sha256(data).hexdigest(), data],
        )

    def delete_table(self, run_id: str, name: str) -> None:
        self._touch(f"run:{run_id}")
        self._db.execute(
            "DELETE FROM run_tables WHERE run_id = ? AND name = ?", [run_id, name]
        )

    def delete_run(self, run_id: str) -> None:
        """A run's row and every table of it."""
        self._touch(f"run:{run_id}")
        self._db.execute("DELETE FROM run_tables WHERE run_id = ?", [run_id])
        self._db.execute("DELETE FROM runs WHERE run_id = ?", [run_id])

    def insert_case(self, **row) -> None:
        """A new row of ``appeal_cases`` (its columns by name)."""
        self._touch(f"case:{row['case_id']}")
        self._db.execute(
            f"INSERT INTO appeal_cases ({', '.join(row)}) VALUES "
            f"({', '.join('?' * len(row))})",
            list(row.values()),
        )

    def update_case(self, case_id: str, **fields) -> None:
        """Set ``fields`` (columns by name) of an appeal case's row."""
        self._touch(f"case:{case_id}")
        sets = ", ".join(f"{name} = ?" for name in fields)
        self._db.execute(
            f"UPDATE appeal_cases SET {sets} WHERE case_id = ?",
            [*fields.values(), case_id],
        )

    # ---------------------------------------------------------------- journal
    def _touch(self, subject: str) -> None:
        """Before the first write to ``subject`` in a transaction: it must be as the
        journal last recorded it; the transaction's end records it again."""
        if subject not in self._touched:
            self.untampered(subject)
            self._touched.add(subject)

    def untampered(self, subject: str) -> None:
        """Raise :class:`TamperedError` unless ``subject`` (``run:ID`` or
        ``case:ID``) is as the journal last recorded it: what a write decides on
        must be what the program wrote."""
        if subject in self._touched:  # written by this transaction, checked before
            return
        recorded, state = self._recorded(subject), self._state(subject)
        if state != recorded:
            raise TamperedError(
                words=say(
                    "library_error",
                    "subject_differs",
                    subject=_subject(subject),
                    store=self.path,
                    changes=_changes(recorded, state),
                )
            )

    def _seal(self) -> None:
        """Append one journal record per touched subject: its state now, chained to
        the record before."""
        last = self._db.execute(
            "SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        seq, previous = last if last else (0, GENESIS)
        at = now()
        for subject in sorted(self._touched):
            seq += 1
            state = _canonical(self._state(subject))
            digest = record_hash(seq, at, subject, state, previous)
            self._db.execute(
                "INSERT INTO journal VALUES (?, ?, ?, ?, ?, ?)",
                [seq, at, subject, state, previous, digest],
            )
            previous = digest

    def _state(self, subject: str) -> dict | None:
        """What the journal keeps of a run (its row, its manifest's and tables'
        SHA-256) or of an appeal case (its row); None if there is none."""
        kind, key = subject.split(":", 1)
        table, column = (
            ("runs", "run_id") if kind == "run" else ("appeal_cases", "case_id")
        )
        cur = self._db.execute(f"SELECT * FROM {table} WHERE {column} = ?", [key])
        row = cur.fetchone()
        if row is None:  # tables left or planted without their run count too
            tables = self.hashes(key) if kind == "run" else {}
            return {"tables": tables} if tables else None
        out = dict(zip([d[0] for d in cur.description], row, strict=True))
        if kind == "run":
            out["manifest"] = hashlib.sha256(out["manifest"].encode()).hexdigest()
            out["tables"] = self.hashes(key)
        return out

    def _recorded(self, subject: str) -> dict | None:
        """The subject's state at its last journal record (None: never recorded, or
        recorded as deleted)."""
        row = self._db.execute(
            "SELECT state FROM journal WHERE subject = ? ORDER BY seq DESC LIMIT 1",
            [subject],
        ).fetchone()
        return _loads(row[0]) if row else None

    def _subjects(self) -> list[str]:
        runs = self._db.execute(
            "SELECT run_id FROM runs UNION SELECT run_id FROM run_tables"
        ).fetchall()
        cases = self._db.execute("SELECT case_id FROM appeal_cases").fetchall()
        return [f"run:{r[0]}" for r in runs] + [f"case:{c[0]}" for c in cases]

    def ever_released(self, run_id: str) -> bool:
        """Whether the journal ever recorded ``run_id`` under notice or published."""
        rows = self._db.execute(
            "SELECT state FROM journal WHERE subject = ?", [f"run:{run_id}"]
        ).fetchall()
        return any((json.loads(r[0]) or {}).get("status") in RELEASED for r in rows)

    def head_hash(self) -> str:
        """The hash of the journal's last record: write it down elsewhere (a
        printed notice, another machine) to detect a journal rewritten whole."""
        row = self._db.execute(
            "SELECT hash FROM journal ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        return row[0] if row else GENESIS

    def verify(self, *, expect: str | None = None) -> list[str]:
        """Every way the store differs from what the program wrote, one line each
        (empty: intact), ``中文 / English``: :meth:`problems` as one text."""
        return [_both(w) for w in self.problems(expect=expect)]

    def problems(self, *, expect: str | None = None) -> list[Word]:
        """Every way the store differs from what the program wrote, one ``Word``
        each (empty: intact): the journal's chain (each record's hash, and the one
        before it), every run and case against its last record, every table's bytes
        against their SHA-256; with ``expect``, a head hash noted earlier (printed by
        ``evaluation verify``, kept elsewhere) must still be in the chain."""
        problems = []
        previous = GENESIS
        records = self._db.execute(
            "SELECT seq, recorded_at, subject, state, previous, hash FROM journal "
            "ORDER BY seq"
        ).fetchall()
        for k, (seq, at, subject, state, before, digest) in enumerate(records, 1):
            said = {"seq": seq, "code": subject, "subject": _subject(subject)}
            if seq != k:
                problems.append(say("library_error", "journal_missing", k=k, seq=seq))
            if before != previous:
                problems.append(
                    say("library_error", "journal_broken", before=seq - 1, **said)
                )
            if record_hash(seq, at, subject, state, before) != digest:
                problems.append(say("library_error", "journal_altered", **said))
            previous = digest
        if expect and expect not in {r[5] for r in records}:
            problems.append(say("library_error", "journal_head_gone", head=expect[:12]))
        problems += self._differences()
        altered = self._db.execute(  # hashed where the bytes are, none copied out
            "SELECT run_id, name FROM run_tables WHERE sha256(data) <> sha256 "
            "ORDER BY run_id, name"
        ).fetchall()
        for run_id, name in altered:
            problems.append(
                say(
                    "library_error",
                    "table_hash",
                    run=run_id,
                    table=_table_words(name),
                    quoted=repr(name),
                )
            )
        return problems

    def _differences(self) -> list[Word]:
        """Every run and appeal case (and table) that differs from its last journal
        record, one ``Word`` each: rows and table hashes, no table bytes read."""
        last = self._db.execute(
            "SELECT subject, state FROM journal QUALIFY row_number() OVER "
            "(PARTITION BY subject ORDER BY seq DESC) = 1"
        ).fetchall()
        expected = {subject: _loads(state) for subject, state in last}
        present = set(self._subjects())
        if not last and present:
            return [say("library_error", "no_journal", store=self.path)]
        problems = []
        for subject in sorted(set(expected) | present):
            state, recorded = self._state(subject), expected.get(subject)
            if state == recorded:
                continue
            if recorded is None:
                code = "added_outside"
            elif state is None:
                code = "deleted_outside"
            else:
                code = "changed_outside_line"
            problems.append(
                say(
                    "library_error",
                    code,
                    subject=_subject(subject),
                    changes=_changes(recorded, state),
                )
            )
        return problems

    def adopt(self) -> str:
        """Start the journal of a store that has none (made by an earlier version):
        its runs and cases as they are now become the first records. Refused when a
        journal exists or a table's bytes do not match their SHA-256. Check the store
        against a backup first: what it holds now is taken as written by the program.
        Returns the new head hash."""
        if self._db.execute("SELECT count(*) FROM journal").fetchone()[0]:
            raise EvaluationError(
                words=say("library_error", "journal_exists", store=self.path)
            )
        altered = self._db.execute(
            "SELECT run_id, name FROM run_tables WHERE sha256(data) <> sha256"
        ).fetchall()
        if altered:
            raise TamperedError(
                words=say(
                    "library_error",
                    "adopt_altered",
                    tables=Word("、".join(f"{r}/{n}" for r, n in altered), altered),
                    store=self.path,
                )
            )
        with self.transaction(check=False):  # nothing recorded yet to check against
            self._touched = set(self._subjects())
        return self.head_hash()

    @property
    def where(self) -> Word:
        """:func:`store_option` of this store: what a command printed for the user
        to copy adds to act on it."""
        return store_option(self.path)

    # ---------------------------------------------------------------- reading
    def run(self, run_id: str) -> dict:
        """One row of ``runs`` (with its manifest as stored: JSON text)."""
        cur = self._db.execute("SELECT * FROM runs WHERE run_id = ?", [run_id])
        row = cur.fetchone()
        if row is None:
            raise EvaluationError(  # said in Chinese by the command line
                words=say(
                    "library_error",
                    "no_run",
                    run=run_id,
                    store=self.path,
                    where=self.where,
                )  # fmt: skip
            )
        return dict(zip([d[0] for d in cur.description], row, strict=True))

    def runs(self) -> pd.DataFrame:
        """Every run, with ``under_notice`` (status ``notice``, its chain's latest
        released version: no correction released after it) and ``in_force``
        (published, its chain's latest published version). Read from the chain,
        not from ``supersedes`` alone: a final v3 that corrected v2 during v2's
        公示 replaces v1 too, which v2 superseded."""
        frame = self._db.execute(
            "SELECT * EXCLUDE (manifest) FROM runs ORDER BY created_at, run_id"
        ).df()

        def latest(status: pd.Series) -> pd.Series:
            """Rows that are their chain's highest version among ``status``."""
            top = frame[status].groupby("chain")["version"].max()
            return status & (frame["version"] == frame["chain"].map(top))

        frame["under_notice"] = latest(frame["status"].isin(RELEASED)) & (
            frame["status"] == "notice"
        )
        frame["in_force"] = latest(frame["status"] == "published")
        return frame[RUN_COLUMNS]

    def in_force(self, kind: str, period: str) -> str | None:
        """The run in force for a kind and period (the final one), if any."""
        return self._standing(kind, period, "in_force")

    def under_notice(self, kind: str, period: str) -> str | None:
        """The run under 公示 for a kind and period, if any."""
        return self._standing(kind, period, "under_notice")

    def _standing(self, kind: str, period: str, flag: str) -> str | None:
        runs = self.runs()
        hit = runs[runs[flag] & (runs["kind"] == kind) & (runs["period"] == period)]
        return hit["run_id"].iloc[-1] if len(hit) else None

    def last_version(self, chain: str) -> int:
        """The highest version number of a chain."""
        return self._db.execute(
            "SELECT max(version) FROM runs WHERE chain = ?", [chain]
        ).fetchone()[0]

    def chains(self, kind: str, period: str) -> int:
        """How many chains of versions a kind and period has."""
        return self._db.execute(
            "SELECT count(DISTINCT chain) FROM runs WHERE kind = ? AND period = ?",
            [kind, period],
        ).fetchone()[0]

    def released_chain(self, kind: str, period: str) -> str | None:
        """The chain of a kind and period that has a released version, if any."""
        row = self._db.execute(
            "SELECT chain FROM runs WHERE kind = ? AND period = ? AND status IN "
            "('notice', 'published') LIMIT 1",
            [kind, period],
        ).fetchone()
        return row[0] if row else None

    def head(self, chain: str) -> dict | None:
        """The chain's latest released version (each release supersedes the one
        before, so released versions only grow along a chain)."""
        row = self._db.execute(
            "SELECT run_id FROM runs WHERE chain = ? AND status IN ('notice', "
            "'published') ORDER BY version DESC LIMIT 1",
            [chain],
        ).fetchone()
        return self.run(row[0]) if row else None

    def released_successor(self, run_id: str) -> str | None:
        """The latest released version that supersedes ``run_id``, if any."""
        row = self._db.execute(
            "SELECT run_id FROM runs WHERE supersedes = ? AND status IN ('notice', "
            "'published') ORDER BY version DESC LIMIT 1",
            [run_id],
        ).fetchone()
        return row[0] if row else None

    def cases(self, run_id: str | None = None) -> pd.DataFrame:
        """Appeal cases (of one run, or all), in the order they were recorded."""
        where, args = ("WHERE run_id = ?", [run_id]) if run_id else ("", [])
        return self._db.execute(
            f"SELECT {', '.join(CASE_COLUMNS)} FROM appeal_cases {where} "
            "ORDER BY recorded_at, case_id",
            args,
        ).df()

    def case(self, case_id: str) -> dict | None:
        """One appeal case's row, if there is one."""
        cur = self._db.execute(
            f"SELECT {', '.join(CASE_COLUMNS)} FROM appeal_cases WHERE case_id = ?",
            [case_id],
        )
        row = cur.fetchone()
        return dict(zip(CASE_COLUMNS, row, strict=True)) if row else None

    def case_ids(
        self, run_id: str, *, decided: bool | None = None, decision: str | None = None
    ) -> list[str]:
        """A run's appeal cases (only the decided or undecided ones, or those with
        ``decision``), in the order they were recorded."""
        sql = "SELECT case_id FROM appeal_cases WHERE run_id = ?"
        args = [run_id]
        if decided is not None:
            sql += " AND decision IS NOT NULL" if decided else " AND decision IS NULL"
        if decision is not None:
            sql += " AND decision = ?"
            args.append(decision)
        rows = self._db.execute(sql + " ORDER BY recorded_at", args).fetchall()
        return [r[0] for r in rows]

    def unit_names(self, run_id: str) -> dict[str, tuple[str, str]]:
        """Each unit a run grades by its names ``(zh, en)`` (none for a period run),
        for what is said of an appeal: 市财政局, not D07."""
        try:
            data = self._bytes(run_id, "grades")
        except KeyError:
            return {}
        return graded_names(pd.read_parquet(io.BytesIO(data)))  # a row a unit

    def table(
        self,
        run_id: str,
        name: str,
        *,
        viewer: str | None = None,
        record: bool = True,
    ) -> pd.DataFrame:
        """One table of a run. A draft is shown only to a named viewer, and the view
        is recorded (pre-release access); ``record=False`` is for a program that has
        recorded the person's view itself (the dashboard's cache). A run under 公示
        is public."""
        self.untampered(f"run:{run_id}")  # its row and table hashes as written
        run = self.run(run_id)
        if run["status"] == "draft" and record:
            if not viewer:
                raise PublishedRunError(
                    words=say("library_error", "draft_viewer", run=run_id)
                )
            self.log_view(run_id, viewer, name)
        return pd.read_parquet(io.BytesIO(self._bytes(run_id, name)))

    def _bytes(self, run_id: str, name: str) -> bytes:
        """A table's Parquet bytes, checked against their SHA-256."""
        row = self._db.execute(
            "SELECT data, sha256 FROM run_tables WHERE run_id = ? AND name = ?",
            [run_id, name],
        ).fetchone()
        if row is None:
            table = Word(_table_words(name).zh, repr(name))
            said = say("library_error", "no_table", run=run_id, table=table)
            raise NoTableError(said.en, words=said)
        if hashlib.sha256(row[0]).hexdigest() != row[1]:
            raise TamperedError(
                words=say(
                    "library_error",
                    "table_altered",
                    run=run_id,
                    table=Word(_table_words(name).zh, repr(name)),
                    store=self.path,
                )
            )
        return row[0]

    def log_view(self, run_id: str, viewer: str, what: str) -> None:
        self._db.execute(
            "INSERT INTO access_log VALUES (?, ?, ?, ?)", [run_id, viewer, now(), what]
        )

    def access_log(self) -> pd.DataFrame:
        return self._db.execute(
            "SELECT * FROM access_log ORDER BY viewed_at, run_id"
        ).df()

    def hashes(self, run_id: str) -> dict[str, str]:
        rows = self._db.execute(
            "SELECT name, sha256 FROM run_tables WHERE run_id = ? ORDER BY name",
            [run_id],
        ).fetchall()
        return dict(rows)

    def manifest(self, run_id: str) -> dict:
        """A run's manifest, once its row is checked against the journal."""
        self.untampered(f"run:{run_id}")
        return json.loads(self.run(run_id)["manifest"])

    def result(
        self, run_id: str, *, viewer: str | None = None, record: bool = True
    ) -> Result:
        """The stored run as a Result (nothing recomputed)."""
        info = self.manifest(run_id)
        held = {  # a run stores an optional table only when it has rows
            r[0]
            for r in self._db.execute(
                "SELECT name FROM run_tables WHERE run_id = ?", [run_id]
            ).fetchall()
        }
        tables = {
            n: self.table(run_id, n, viewer=viewer, record=record)
            for n in (*Result.TABLES, *Result.OPTIONAL_TABLES)
            if n in Result.TABLES or n in held
        }
        return Result(
            catalogue=parse_catalogue(
                info["catalogue"], file="catalogue.json", stored=True
            ),
            provenance=Provenance.from_dict(info["provenance"]),
            **tables,
        )

    def diff(self, old: str, new: str, *, viewer: str | None = None) -> pd.DataFrame:
        """What changed for whom between two runs of one kind: ``table, key,
        field, before, after`` for every unit whose published numbers differ. A
        period run and an annual one are refused: the annual's grades have nothing
        to be compared with (they would read as no change)."""
        kinds = [self.run(r)["kind"] for r in (old, new)]
        if kinds[0] != kinds[1]:
            said = FAMILIES["library_error"]
            old_kind, new_kind = (said[f"kind_{k}"] for k in kinds)
            raise EvaluationError(
                words=say(
                    "library_error", "diff_kinds", old=old, new=new,
                    kind_old=old_kind, kind_new=new_kind,
                )
            )  # fmt: skip
        rows = []
        for name, (key, fields) in DIFF_KEYS.items():
            try:
                a = self.table(old, name, viewer=viewer)
                b = self.table(new, name, viewer=viewer)
            except KeyError:
                continue
            both = a.merge(b, on=key, how="outer", suffixes=("_before", "_after"))
            for f in fields:
                x, y = both[f"{f}_before"], both[f"{f}_after"]
                changed = ~((x == y) | (x.isna() & y.isna()))
                for _, r in both[changed].iterrows():  # changed units, few
                    rows.append(
                        {
                            "table": name,
                            "key": " / ".join(str(r[k]) for k in key),
                            "field": f,
                            "before": r[f"{f}_before"],
                            "after": r[f"{f}_after"],
                        }
                    )
        return pd.DataFrame(rows, columns=["table", "key", "field", "before", "after"])


def stage(run) -> str:
    """A run's stage as people read it, from a row of :meth:`Store.runs`: its
    status, but ``corrected`` for one under notice that a released version
    corrected (公示期间已更正). A row without ``under_notice`` is taken as it is."""
    status = run["status"]
    if status == "notice" and not run.get("under_notice", True):
        return "corrected"
    return status


def graded_names(grades: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Each unit of an annual run's ``grades`` by its names ``(zh, en)``."""
    ids = grades["unit_id"]
    zh, en = (grades.get(f"name_{k}", ids) for k in ("zh", "en"))
    return {u: (a, b) for u, a, b in zip(ids, zh, en, strict=True)}


def not_graded(
    run_id: str, typed: list[str], names: dict, error: type = EvaluationError
) -> EvaluationError:
    """The refusal of units an annual run does not grade (``appeal-case``,
    ``report`` and ``letters --unit``; ``names``: :func:`graded_names`), with one
    of its units as an example of what to write."""
    first = min(names, default="")
    zh, en = names.get(first, ("", ""))
    return error(
        words=say(
            "library_error", "unit_not_graded", unit=quoted(*typed), run=run_id,
            n=len(names), example=Word(f"{first}（{zh}）", f"{first} ({en})"),
        )
    )  # fmt: skip


def record_hash(seq: int, at: str, subject: str, state: str, previous: str) -> str:
    """A journal record's hash: over its contents and the hash of the one before."""
    text = json.dumps([seq, at, subject, state, previous], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical(state: dict | None) -> str:
    return json.dumps(state, ensure_ascii=False, sort_keys=True)


def _loads(state: str) -> dict | None:
    """A journal record's state; an unreadable one (edited) as a state no run or
    case has, so that it shows as a difference instead of stopping the check."""
    try:
        return json.loads(state)
    except (TypeError, ValueError):
        return {"unreadable journal state": str(state)[:40]}


def _both(words: Word) -> str:
    """A problem as one text: ``中文 / English``."""
    return f"{words.zh} / {words.en}"


def _listed(heading: Word, lines: list[Word]) -> Word:
    """A heading and its lines (indented below it), in each language."""
    return Word(*("\n  ".join([heading[i], *(w[i] for w in lines)]) for i in (0, 1)))


def _subject(subject: str) -> Word:
    """A journal subject (``run:ID``, ``case:ID``) as people read it."""
    kind, key = subject.split(":", 1)
    return say("library_error", f"subject_{kind}", id=key)


def _coded(family: str, code) -> Word:
    """A code in Chinese by its words in ``family`` (the code itself where it has
    none), in English as the code the store holds."""
    text = str(code)
    return Word(FAMILIES[family][text].zh if text in FAMILIES[family] else text, text)


#: fields whose values are codes with words: said in Chinese by them
_CODED = {"status": "run_status", "decision": "appeal_decision", "kind": "run_kind"}
#: hex digits of a SHA-256 a problem line shows (the hash itself is kept in full)
_HASH_SHOWN = 12


def _value(field: str, value) -> Word:
    """A recorded or present value: JSON, briefly; in Chinese in words between
    Chinese quotes: a status, decision or kind by its words, a period by its name
    (2025年第四季度), a time in Beijing time, a date as 2025年12月31日, none as 空."""
    text = _short(value)
    if value is None and field != "decision":
        return Word("空", text)
    if field in _CODED and (value is None or isinstance(value, str)):
        code = value or ("pending" if field == "decision" else "")
        if code in FAMILIES[_CODED[field]]:
            return Word(f"“{FAMILIES[_CODED[field]][code].zh}”", text)
    if not isinstance(value, str):
        return Word(text, text)
    zh = value
    if field == "period":
        from evaluation.periods import name_zh

        zh = name_zh(value)
    elif field.endswith("_at") or field in ("notice_from", "notice_until"):
        zh = _time_zh(value)
    return Word(f"“{_short(zh)[1:-1]}”", text)


def _time_zh(value: str) -> str:
    """A stored time in Beijing time (``2026年1月20日17时05分09秒``), a date as
    ``2026年1月20日``; text that is neither as it is."""
    try:
        t = pd.Timestamp(value)
    except (TypeError, ValueError):
        return value
    if len(value) > 10:  # a time, not a date
        t = (t.tz_localize("UTC") if t.tzinfo is None else t).tz_convert(BEIJING)
    day = f"{t.year}年{t.month}月{t.day}日"
    if len(value) <= 10:
        return day
    return f"{day}{t.hour}时{t.minute:02d}分{t.second:02d}秒（北京时间）"


def _hash(value) -> Word:
    """A SHA-256 as a problem line shows it: its first hex digits (空 / null for
    none)."""
    if not isinstance(value, str):
        return Word("空", "null")
    shown = value[:_HASH_SHOWN] + ("…" if len(value) > _HASH_SHOWN else "")
    return Word(shown, shown)


def _describe(recorded: dict) -> Word:
    if "status" in recorded:
        status = _coded("run_status", recorded["status"])
        return say("library_error", "with_status", status=status)
    if "case_id" in recorded:
        decision = _coded("appeal_decision", recorded.get("decision") or "pending")
        return say("library_error", "with_decision", decision=decision)
    return say("library_error", "tables_only")


#: a run's and a case's fields as the journal names them, in Chinese
_FIELDS = {
    **FAMILIES["runs_header"],
    **FAMILIES["cases_header"],
    **{
        code.removeprefix("field_"): w
        for code, w in FAMILIES["library_error"].items()
        if code.startswith("field_") and code not in ("field_changed", "field_table")
    },
}


def _table_words(name: str) -> Word:
    """A run's table by its Chinese name (``排名表``; one without: ``数据表NAME``),
    in English by its name in the store (``ranks``)."""
    said = FAMILIES["library_error"].get(f"table_{name}")
    return Word(said.zh if said else f"数据表{name}", name)


def _changes(recorded: dict | None, state: dict | None) -> Word:
    """What differs between a journal record and the store, briefly: each field
    by its name, hashes by their first hex digits (a table's each)."""
    if recorded is None:
        return say("library_error", "unrecorded")
    if state is None:
        return say("library_error", "now_missing", what=_describe(recorded))
    fields = sorted(
        k for k in recorded.keys() | state.keys() if recorded.get(k) != state.get(k)
    )
    said = []
    for k in fields:
        before, after = recorded.get(k), state.get(k)
        if k == "tables" and isinstance(before, dict) and isinstance(after, dict):
            said += [
                say(
                    "library_error",
                    "field_changed",
                    field=say("library_error", "field_table", table=_table_words(t)),
                    before=_hash(before.get(t)),
                    after=_hash(after.get(t)),
                )
                for t in sorted(before.keys() | after.keys())
                if before.get(t) != after.get(t)
            ]
            continue
        hashed = k in ("manifest", "tables")
        said.append(
            say(
                "library_error",
                "field_changed",
                field=Word(_FIELDS[k].zh if k in _FIELDS else k, k),
                before=_hash(before) if hashed else _value(k, before),
                after=_hash(after) if hashed else _value(k, after),
            )
        )
    return Word("；".join(w.zh for w in said), ", ".join(w.en for w in said))


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 60 else text[:56] + "…" + text[-1]


def connect(path: Path, *, read_only: bool = False, wait: float | None = None):
    """A DuckDB connection to ``path``; while another process holds the file, try
    again for up to ``wait`` seconds (default :data:`WAIT`), then
    :class:`StoreBusyError` naming it."""
    wait = WAIT if wait is None else wait
    deadline = time.monotonic() + wait
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            if "lock" not in str(exc).lower():  # not a store, damaged, unreadable
                why = "store_unwritable" if _unwritable(path, exc, read_only) else None
                raise EvaluationError(
                    words=say(
                        "library_error",
                        why or "store_unreadable",
                        store=path,
                        detail=str(exc).splitlines()[0],
                    )
                ) from None
            if time.monotonic() >= deadline:
                pid = re.search(r"PID (\d+)", str(exc))
                who = (
                    say("library_error", "process", pid=pid.group(1))
                    if pid
                    else say("library_error", "another_process")
                )
                said = say(
                    "library_error", "store_busy", store=path, who=who, wait=f"{wait:g}"
                )
                raise StoreBusyError(_both(said), words=said) from None
            time.sleep(0.1)


def _unwritable(path: Path, exc: Exception, read_only: bool) -> bool:
    """Whether opening ``path`` to write failed for want of a writable disk or
    folder (a sound store on a read-only share), not for what is in the file: a
    store there that will not open even to be read is damaged as well (unless
    another process holds it, or this user may not read it either)."""
    if read_only:
        return False
    said = str(exc).lower()
    denied = "read-only file system" in said or "permission denied" in said
    if not denied and os.access(path if path.exists() else path.parent, os.W_OK):
        return False
    if not path.exists():  # a new store, in a folder that cannot be written
        return True
    try:
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.Error as again:  # damaged, unless held or unreadable to this user
        said = str(again).lower()
        return "lock" in said or "permission denied" in said
    return True


def backup(store: str | Path, dest: str | Path) -> str:
    """Copy a store, verified, to ``dest`` (whole or not at all), and verify the
    copy; return the journal head hash both have. The store is held for the copy
    (writers wait) and its write-ahead log folded into the file first."""
    store, dest = Path(store), Path(dest)
    if dest.resolve() == store.resolve():
        raise EvaluationError(words=say("library_error", "backup_same", store=store))
    if not store.is_file():
        raise EvaluationError(words=say("library_error", "store_missing", store=store))
    with Store(store) as s:
        _refuse_if_changed(s)
        s._db.execute("CHECKPOINT")
        head = s.head_hash()
        with replacing(dest) as tmp:
            shutil.copyfile(store, tmp)
            with Store(tmp, read_only=True) as copy:  # checked before it replaces
                if copy.verify() or copy.head_hash() != head:
                    raise EvaluationError(
                        words=say("library_error", "backup_unverified", store=store)
                    )
            Path(f"{dest}.wal").unlink(missing_ok=True)  # a stale log of the old DEST
    return head


def restore(backup_file: str | Path, store: str | Path, *, force: bool = False) -> str:
    """Put a verified backup in place of ``store``; return its journal head hash.
    Refused when the store has journal records the backup lacks (publications made
    after it), unless ``force``."""
    backup_file, store = Path(backup_file), Path(store)
    if not backup_file.is_file():
        raise EvaluationError(
            words=say("library_error", "backup_missing", backup=backup_file)
        )
    with Store(backup_file, read_only=True) as b:
        _refuse_if_changed(b)
        head = b.head_hash()
        theirs = {r[0] for r in b._db.execute("SELECT hash FROM journal").fetchall()}
    if store.is_file() and force:
        try:
            Store(store, read_only=True, wait=0).close()
        except StoreBusyError:
            raise
        except EvaluationError:  # damaged: keep it aside, restore in its place
            store.replace(store.with_name(f"{store.name}.damaged-{time.time_ns()}"))
    if store.is_file():
        with Store(store) as s:  # held: nobody writes while it is replaced
            mine = [r[0] for r in s._db.execute("SELECT hash FROM journal").fetchall()]
            lost = [h for h in mine if h not in theirs]
            if lost and not force:
                raise EvaluationError(
                    words=say_count(
                        "library_error",
                        "restore_loses",
                        len(lost),
                        store=store,
                        backup=backup_file,
                    )
                )
            s._db.execute("CHECKPOINT")  # nothing left in a write-ahead log
            with replacing(store) as tmp:
                shutil.copyfile(backup_file, tmp)
    else:
        with replacing(store) as tmp:
            shutil.copyfile(backup_file, tmp)
    return head


def _refuse_if_changed(s: Store) -> None:
    problems = s.problems()
    if problems:
        heading = say("library_error", "changed_outside", store=s.path)
        raise TamperedError(
            heading.en + "\n  " + "\n  ".join(map(_both, problems)),
            words=_listed(heading, problems),
        )
