"""The publication store: draft → 公示 (public notice) → final, immutable once released.

One embedded DuckDB file (default ``data/store.duckdb``, no server) holds:

* ``runs``: one row per run: id, chain and version, the run it supersedes, status
  (``draft``, ``notice`` or ``published``), kind (``period`` or ``annual``), the
  reason (for an appeal or correction), who created and who released it and when,
  the 公示 window (``notice_from``, ``notice_until``: ISO dates, Beijing time), and
  the manifest (input hashes, catalogue and rules versions, parameters, package
  version, git commit) that reproduces it;
* ``run_tables``: each of the run's tables as Parquet bytes with their SHA-256;
* ``appeal_cases``: appeals (申诉) filed against an annual run under notice, each with
  its review decision (复核: upheld or rejected);
* ``access_log``: who viewed a draft, and when (pre-release access).

The lifecycle. A **period** run is released straight to ``published``. An **annual**
run (the appraisal: grades feed rewards and accountability) is released to
``notice``: a 公示 of ``notice_days`` calendar days that is also the appeal window.
It becomes final (``published``) with :meth:`Store.finalise` once the window has
closed and every appeal case is decided (none upheld: an upheld case is answered by a
corrected version, which opens its own 公示).

**Exactly one run in force per kind and period.** Every kind and period has one
chain of versions: a first version can be released only while no run of its kind
and period has been released; after that, a new result is a correction that names
the chain's latest released version (``supersedes``) and why. The published run stays
**in force** (and queryable) until its successor is final; a run under notice is
public but not yet in force.

Every write is one transaction: a process killed midway leaves the store exactly as
it was. A released run (under notice or published) is never changed or deleted;
:meth:`Store.diff` lists what changed for whom between two versions.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from evaluation.catalogue import parse_catalogue
from evaluation.errors import EvaluationError
from evaluation.result import Provenance, Result

BEIJING = ZoneInfo("Asia/Shanghai")
NOTICE_DAYS = 7  #: default length of the 公示 (public notice), in calendar days

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    chain VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    supersedes VARCHAR,
    status VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
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
RELEASED = ("notice", "published")
DECISIONS = ("upheld", "rejected")
#: words for people: a run's stage, and a case's decision
STATUS_LABELS = {
    "draft": ("草稿", "draft"),
    "notice": ("公示中", "under notice"),
    "corrected": ("公示中更正", "corrected during notice"),
    "published": ("已发布", "final"),
}
IN_FORCE_LABELS = {
    "in_force": ("现行", "in force"),
    "superseded": ("已被取代", "superseded"),
}
DECISION_LABELS = {
    "": ("待复核", "pending"),
    "upheld": ("申诉成立", "upheld"),
    "rejected": ("申诉不成立", "rejected"),
}
#: the result tables of a run; an annual run adds the appraisal's
DIFF_KEYS = {
    "composite": (["period", "unit_id"], ["composite_score", "status"]),
    "ranks": (["period", "unit_id"], ["rank", "peer_rank"]),
    "grades": (["unit_id"], ["score", "final_grade"]),
}


class PublishedRunError(EvaluationError):
    """An attempt to change a released run (under notice or published)."""


class LifecycleError(EvaluationError):
    """A step out of order: releasing, filing or deciding an appeal case, or
    finalising when the run's stage does not allow it."""


class InForceError(LifecycleError):
    """A second chain for a kind and period: two runs would be in force."""


def beijing_today() -> date:
    """Today's date in Beijing time (the 公示 calendar)."""
    return datetime.now(BEIJING).date()


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
    tables = {name: parquet_bytes(getattr(result, name)) for name in Result.TABLES}
    if appraisal is not None:
        for name in appraisal.TABLES:
            tables[name] = parquet_bytes(getattr(appraisal, name))
    if uncertainty is not None:
        tables["uncertainty"] = parquet_bytes(uncertainty.summary)
    return tables


def manifest(result: Result, appraisal=None, **params) -> dict:
    """What reproduces a run: the result's provenance, the appraisal's config and
    input hashes, the package version and git commit, and parameters."""
    out = {
        "provenance": result.provenance.to_dict(),
        # what relative paths in ``params`` (appraisal inputs) are relative to
        "workdir": os.getcwd(),
        "catalogue": result.catalogue.model_dump(mode="json"),
        "catalogue_version": result.catalogue.version,
        "package_version": result.provenance.package_version,
        "git_commit": git_commit(),
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


def git_commit() -> str:
    """The commit of the source tree the package runs from, or '' outside git."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


class Store:
    """A publication store file. Open it, use it, :meth:`close` it (or ``with``).

    A store written before the 公示 lifecycle opens as it is: the missing columns and
    the ``appeal_cases`` table are added on open."""

    def __init__(self, path: str | Path = "data/store.duckdb"):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = duckdb.connect(str(self.path))
        with self._transaction():
            self._db.execute(SCHEMA)
            self._db.execute(MIGRATION)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def _transaction(self):
        self._db.execute("BEGIN TRANSACTION")
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    # ---------------------------------------------------------------- writing
    def add_run(
        self,
        result: Result,
        appraisal=None,
        *,
        by: str,
        supersedes: str | None = None,
        reason: str = "",
        uncertainty=None,
        release: bool = False,
        notice_days: int = NOTICE_DAYS,
        today: date | None = None,
        **params,
    ) -> str:
        """Store a run as a **draft**; return its id. With ``supersedes`` it is a new
        version of that run's chain (an appeal or correction: ``reason`` required;
        the run it supersedes must be the chain's latest released version). Without,
        it starts a chain: refused (:class:`InForceError`) when a run of the same
        kind and period has been released. ``uncertainty`` (from
        ``uncertainty.run``) stores its rank intervals and the spec that reproduces
        them. ``release=True`` releases it in the same transaction (see
        :meth:`publish`): if the release is refused, nothing is stored."""
        if not by.strip():
            raise EvaluationError("a run needs the name of who adds it (by)")
        kind = "annual" if appraisal is not None else "period"
        period = str(appraisal.config.year) if appraisal is not None else result.period
        chain, version = self.check_new(kind, period, supersedes, reason)
        run_id = f"{chain}.v{version}"
        if uncertainty is not None:
            params["uncertainty"] = uncertainty.spec
        tables = run_tables(result, appraisal, uncertainty)
        info = manifest(result, appraisal, **params)
        with self._transaction():
            self._db.execute(
                "INSERT INTO runs (run_id, chain, version, supersedes, status, kind, "
                "period, reason, created_at, created_by, manifest) "
                "VALUES (?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    chain,
                    version,
                    supersedes,
                    kind,
                    period,
                    reason,
                    _now(),
                    by,
                    json.dumps(info, ensure_ascii=False, sort_keys=True),
                ],
            )
            for name, data in tables.items():
                self._insert_table(run_id, name, data)
            if release:
                self._release(run_id, by=by, notice_days=notice_days, today=today)
        return run_id

    def check_new(
        self, kind: str, period: str, supersedes: str | None = None, reason: str = ""
    ) -> tuple[str, int]:
        """Whether a new run of ``kind`` and ``period`` may be stored (as
        :meth:`add_run` checks it, before anything is computed for it); its chain and
        version. Raises :class:`InForceError` or :class:`LifecycleError` if not."""
        if supersedes is None:
            self._check_first(kind, period)
            return self._new_chain(kind, period), 1
        if not reason.strip():
            raise EvaluationError("an appeal or correction needs a reason")
        old = self._run(supersedes)
        if (old["kind"], old["period"]) != (kind, period):
            raise LifecycleError(
                f"{supersedes} is the {old['kind']} run of {old['period']}: a "
                f"correction of it must be one too (this is the {kind} run of "
                f"{period})"
            )
        self._check_corrects(old)
        return old["chain"], self._last_version(old["chain"]) + 1

    def _insert_table(self, run_id: str, name: str, data: bytes) -> None:
        self._db.execute(
            "INSERT INTO run_tables VALUES (?, ?, ?, ?)",
            [run_id, name, hashlib.sha256(data).hexdigest(), data],
        )

    def publish(
        self,
        run_id: str,
        *,
        by: str,
        notice_days: int = NOTICE_DAYS,
        today: date | None = None,
    ) -> str:
        """Release a draft; return its new status. A period run is published (final)
        at once. An annual run opens its 公示 (public notice, status ``notice``) from
        ``today`` (Beijing time) for ``notice_days`` calendar days: the appeal
        window; :meth:`finalise` publishes it after. A correction is refused while
        an appeal case against the run it corrects is undecided. The run it
        supersedes stays in force until the correction is final."""
        with self._transaction():
            return self._release(run_id, by=by, notice_days=notice_days, today=today)

    def _release(
        self, run_id: str, *, by: str, notice_days: int, today: date | None
    ) -> str:
        run = self._run(run_id)
        if run["status"] == "published":
            raise PublishedRunError(f"run {run_id} is already published")
        if run["status"] == "notice":
            raise LifecycleError(
                f"run {run_id} is already under 公示 (public notice) until "
                f"{run['notice_until']}; after that: evaluation finalise {run_id}"
            )
        if not by.strip():
            raise EvaluationError("publishing needs the name of who releases it (by)")
        if run["supersedes"] is None:
            self._check_first(run["kind"], run["period"])
        else:
            old = self._run(run["supersedes"])
            self._check_corrects(old)
            pending = self._cases_of(old["run_id"], decided=False)
            if pending:
                raise LifecycleError(
                    f"appeal case(s) {', '.join(pending)} against {old['run_id']} "
                    f"are undecided: decide them (evaluation decide CASE --decision "
                    f"upheld|rejected) before releasing the correction {run_id}"
                )
        if run["kind"] != "annual":
            self._db.execute(
                "UPDATE runs SET status = 'published', published_at = ?, "
                "published_by = ? WHERE run_id = ?",
                [_now(), by, run_id],
            )
            return "published"
        if int(notice_days) < 1:
            raise EvaluationError(
                f"a 公示 (public notice) lasts at least one day (got {notice_days})"
            )
        start = today or beijing_today()
        until = start + timedelta(days=int(notice_days) - 1)
        self._db.execute(
            "UPDATE runs SET status = 'notice', notice_from = ?, notice_until = ?, "
            "notice_by = ? WHERE run_id = ?",
            [start.isoformat(), until.isoformat(), by, run_id],
        )
        return "notice"

    def finalise(self, run_id: str, *, by: str, today: date | None = None) -> None:
        """Close the 公示 of an annual run and publish it (final). Refused while the
        window is open (``today``, Beijing time, on or before ``notice_until``:
        appeals may still come), while any appeal case against it is undecided, and
        when a case was upheld (the answer to an upheld case is a corrected version,
        ``evaluation appeal``, which opens its own 公示)."""
        if not by.strip():
            raise EvaluationError("finalising needs the name of who does it (by)")
        with self._transaction():
            run = self._run(run_id)
            if run["status"] == "draft":
                raise LifecycleError(
                    f"run {run_id} is a draft: release it first (evaluation publish "
                    f"--run {run_id}), which opens its 公示 (public notice)"
                )
            if run["status"] == "published":
                raise PublishedRunError(
                    f"run {run_id} is already published (final since "
                    f"{run['published_at']})"
                )
            newer = self._released_successor(run_id)
            if newer is not None:
                raise LifecycleError(
                    f"run {run_id} was corrected during its 公示 by {newer}: "
                    f"finalise {newer} instead"
                )
            today = today or beijing_today()
            until = date.fromisoformat(run["notice_until"])
            if today <= until:
                raise LifecycleError(
                    f"the 公示 (public notice) of {run_id} runs until {until} "
                    f"(Beijing time, today {today}): appeals may still be filed; "
                    f"it can be finalised from {until + timedelta(days=1)}"
                )
            pending = self._cases_of(run_id, decided=False)
            if pending:
                raise LifecycleError(
                    f"run {run_id} has undecided appeal case(s) {', '.join(pending)}: "
                    "decide them first (evaluation decide CASE --decision "
                    "upheld|rejected)"
                )
            upheld = self._cases_of(run_id, decision="upheld")
            if upheld:
                raise LifecycleError(
                    f"appeal case(s) {', '.join(upheld)} against {run_id} were "
                    f"upheld: store the corrected version (evaluation appeal {run_id} "
                    "RESULT --reason …) and release it, instead of finalising this one"
                )
            self._db.execute(
                "UPDATE runs SET status = 'published', published_at = ?, "
                "published_by = ? WHERE run_id = ?",
                [_now(), by, run_id],
            )

    def file_case(
        self,
        run_id: str,
        *,
        unit_id: str,
        by: str,
        grounds: str,
        on: date | str | None = None,
        today: date | None = None,
    ) -> str:
        """Record an appeal (申诉) by ``unit_id`` against a run under 公示; return the
        case id. ``on``: the date it was filed (default ``today``, Beijing time), which
        must fall in the window and not after today. Refused when the run is not
        under notice or the unit is not graded in it."""
        for what, value in (("unit", unit_id), ("by", by), ("grounds", grounds)):
            if not str(value).strip():
                raise EvaluationError(f"an appeal case needs {what}")
        today = today or beijing_today()
        on = date.fromisoformat(on) if isinstance(on, str) else (on or today)
        with self._transaction():
            run = self._run(run_id)
            if run["status"] != "notice":
                stage = (
                    "a draft, not yet released"
                    if run["status"] == "draft"
                    else f"final (published {run['published_at']}); a correction is "
                    f"a new version: evaluation appeal {run_id} RESULT --reason …"
                )
                raise LifecycleError(
                    f"appeals (申诉) are filed against a run under 公示 (public "
                    f"notice); run {run_id} is {stage}"
                )
            newer = self._released_successor(run_id)
            if newer is not None:
                raise LifecycleError(
                    f"run {run_id} was corrected during its 公示 by {newer}: file the "
                    f"appeal against {newer}"
                )
            start = date.fromisoformat(run["notice_from"])
            until = date.fromisoformat(run["notice_until"])
            if on > today:
                raise EvaluationError(
                    f"an appeal cannot be filed on {on}: that is after today ({today})"
                )
            if not start <= on <= until:
                raise LifecycleError(
                    f"the 公示 (public notice) of {run_id} ran from {start} to {until} "
                    f"(Beijing time); an appeal filed on {on} is outside it"
                )
            graded = self._graded_units(run_id)
            if unit_id not in graded:
                raise LifecycleError(
                    f"unit {unit_id!r} is not in the grades of {run_id} "
                    f"({len(graded)} units graded)"
                )
            n = self._db.execute(
                "SELECT count(*) FROM appeal_cases WHERE run_id = ?", [run_id]
            ).fetchone()[0]
            case_id = f"{run_id}.c{n + 1}"
            self._db.execute(
                "INSERT INTO appeal_cases (case_id, run_id, unit_id, filed_by, "
                "filed_at, grounds, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [case_id, run_id, unit_id, by, on.isoformat(), grounds, _now()],
            )
        return case_id

    def decide(
        self,
        case_id: str,
        *,
        decision: str,
        by: str,
        note: str,
        today: date | None = None,
    ) -> None:
        """Record the review (复核) of an appeal case: ``upheld`` or ``rejected``, by
        whom, why. A decision stands: a case is decided once."""
        if decision not in DECISIONS:
            raise EvaluationError(
                f"a decision is one of {', '.join(DECISIONS)} (got {decision!r})"
            )
        if not by.strip() or not note.strip():
            raise EvaluationError("a decision needs who decides it (by) and a note")
        with self._transaction():
            row = self._db.execute(
                "SELECT decision, decided_by, decided_at FROM appeal_cases "
                "WHERE case_id = ?",
                [case_id],
            ).fetchone()
            if row is None:
                raise EvaluationError(f"no appeal case {case_id!r} in {self.path}")
            if row[0] is not None:
                raise LifecycleError(
                    f"appeal case {case_id} was decided already ({row[0]} by {row[1]} "
                    f"on {row[2]}); a further review is a new case"
                )
            self._db.execute(
                "UPDATE appeal_cases SET decision = ?, decided_by = ?, decided_at = ?, "
                "decision_note = ? WHERE case_id = ?",
                [decision, by, (today or beijing_today()).isoformat(), note, case_id],
            )

    def delete(self, run_id: str) -> None:
        """Remove a draft (a released run is refused)."""
        run = self._run(run_id)
        if run["status"] != "draft":
            raise PublishedRunError(
                f"run {run_id} is {_stage(run)} and cannot be deleted"
            )
        with self._transaction():
            self._db.execute("DELETE FROM run_tables WHERE run_id = ?", [run_id])
            self._db.execute("DELETE FROM runs WHERE run_id = ?", [run_id])

    def replace_table(self, run_id: str, name: str, frame: pd.DataFrame) -> None:
        """Replace one table of a draft (a released run is refused)."""
        run = self._run(run_id)
        if run["status"] != "draft":
            raise PublishedRunError(
                f"run {run_id} is {_stage(run)}: its tables cannot change; file an "
                "appeal or correction (a new version) instead"
            )
        with self._transaction():
            self._db.execute(
                "DELETE FROM run_tables WHERE run_id = ? AND name = ?", [run_id, name]
            )
            self._insert_table(run_id, name, parquet_bytes(frame))

    # ---------------------------------------------------------------- reading
    def runs(self) -> pd.DataFrame:
        """Every run, with ``under_notice`` (status ``notice`` and not corrected by a
        released version) and ``in_force`` (published and not superseded by a
        published version)."""
        frame = self._db.execute(
            "SELECT * EXCLUDE (manifest) FROM runs ORDER BY created_at, run_id"
        ).df()
        released = frame[frame["status"].isin(RELEASED)]
        published = frame[frame["status"] == "published"]
        frame["under_notice"] = (frame["status"] == "notice") & ~frame["run_id"].isin(
            set(released["supersedes"].dropna())
        )
        frame["in_force"] = (frame["status"] == "published") & ~frame["run_id"].isin(
            set(published["supersedes"].dropna())
        )
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

    def cases(self, run_id: str | None = None) -> pd.DataFrame:
        """Appeal cases (of one run, or all), in the order they were recorded."""
        where, args = ("WHERE run_id = ?", [run_id]) if run_id else ("", [])
        return self._db.execute(
            f"SELECT {', '.join(CASE_COLUMNS)} FROM appeal_cases {where} "
            "ORDER BY recorded_at, case_id",
            args,
        ).df()

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
        run = self._run(run_id)
        if run["status"] == "draft" and record:
            if not viewer:
                raise PublishedRunError(
                    f"run {run_id} is a draft: name the viewer (pre-release access is "
                    "recorded)"
                )
            self.log_view(run_id, viewer, name)
        row = self._db.execute(
            "SELECT data FROM run_tables WHERE run_id = ? AND name = ?", [run_id, name]
        ).fetchone()
        if row is None:
            raise KeyError(f"run {run_id} has no table {name!r}")
        return pd.read_parquet(io.BytesIO(row[0]))

    def log_view(self, run_id: str, viewer: str, what: str) -> None:
        self._db.execute(
            "INSERT INTO access_log VALUES (?, ?, ?, ?)", [run_id, viewer, _now(), what]
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
        return json.loads(self._run(run_id)["manifest"])

    def result(
        self, run_id: str, *, viewer: str | None = None, record: bool = True
    ) -> Result:
        """The stored run as a Result (nothing recomputed)."""
        info = self.manifest(run_id)
        tables = {
            n: self.table(run_id, n, viewer=viewer, record=record)
            for n in Result.TABLES
        }
        return Result(
            catalogue=parse_catalogue(info["catalogue"], file="catalogue.json"),
            provenance=Provenance.from_dict(info["provenance"]),
            **tables,
        )

    def diff(self, old: str, new: str, *, viewer: str | None = None) -> pd.DataFrame:
        """What changed for whom between two runs: ``table, key, field, before,
        after`` for every unit whose published numbers differ."""
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

    # -------------------------------------------------------------- internals
    def _run(self, run_id: str) -> dict:
        cur = self._db.execute("SELECT * FROM runs WHERE run_id = ?", [run_id])
        row = cur.fetchone()
        if row is None:
            raise EvaluationError(f"no run {run_id!r} in {self.path}")
        return dict(zip([d[0] for d in cur.description], row, strict=True))

    def _last_version(self, chain: str) -> int:
        return self._db.execute(
            "SELECT max(version) FROM runs WHERE chain = ?", [chain]
        ).fetchone()[0]

    def _new_chain(self, kind: str, period: str) -> str:
        n = self._db.execute(
            "SELECT count(DISTINCT chain) FROM runs WHERE kind = ? AND period = ?",
            [kind, period],
        ).fetchone()[0]
        return f"{kind}-{period}-{n + 1}"

    def _head(self, chain: str) -> dict | None:
        """The chain's latest released version (each release supersedes the one
        before, so released versions only grow along a chain)."""
        row = self._db.execute(
            "SELECT run_id FROM runs WHERE chain = ? AND status IN ('notice', "
            "'published') ORDER BY version DESC LIMIT 1",
            [chain],
        ).fetchone()
        return self._run(row[0]) if row else None

    def _released_successor(self, run_id: str) -> str | None:
        row = self._db.execute(
            "SELECT run_id FROM runs WHERE supersedes = ? AND status IN ('notice', "
            "'published') ORDER BY version DESC LIMIT 1",
            [run_id],
        ).fetchone()
        return row[0] if row else None

    def _check_first(self, kind: str, period: str) -> None:
        """A first version of a kind and period: refused once a run of them has been
        released (its chain is the one in force, or under notice)."""
        row = self._db.execute(
            "SELECT chain FROM runs WHERE kind = ? AND period = ? AND status IN "
            "('notice', 'published') LIMIT 1",
            [kind, period],
        ).fetchone()
        if row is None:
            return
        head = self._head(row[0])
        force = self.in_force(kind, period)
        now = (
            f"{force} is in force"
            if force == head["run_id"]
            else f"{head['run_id']} is under 公示 (public notice) until "
            f"{head['notice_until']}" + (f" and {force} is in force" if force else "")
        )
        raise InForceError(
            f"the {kind} run of {period} exists already: {now}. Only one run of a "
            "kind and period is in force: to replace it, store the new result as a "
            f"correction of {head['run_id']} (evaluation publish RESULT --supersedes "
            f"{head['run_id']} --reason …, or evaluation appeal {head['run_id']} "
            "RESULT --reason …)"
        )

    def _check_corrects(self, old: dict) -> None:
        """A correction must supersede its chain's latest released version."""
        if old["status"] == "draft":
            raise LifecycleError(
                f"run {old['run_id']} is a draft: change it (replace_table) or delete "
                "it; a correction supersedes a released run"
            )
        head = self._head(old["chain"])
        if head["run_id"] != old["run_id"]:
            raise LifecycleError(
                f"run {old['run_id']} has been corrected already: {head['run_id']} "
                f"({_stage(head)}) is its chain's latest version; correct that one"
            )

    def _cases_of(
        self, run_id: str, *, decided: bool | None = None, decision: str | None = None
    ) -> list[str]:
        sql = "SELECT case_id FROM appeal_cases WHERE run_id = ?"
        args = [run_id]
        if decided is not None:
            sql += " AND decision IS NOT NULL" if decided else " AND decision IS NULL"
        if decision is not None:
            sql += " AND decision = ?"
            args.append(decision)
        rows = self._db.execute(sql + " ORDER BY recorded_at", args).fetchall()
        return [r[0] for r in rows]

    def _graded_units(self, run_id: str) -> set[str]:
        row = self._db.execute(
            "SELECT data FROM run_tables WHERE run_id = ? AND name = 'grades'",
            [run_id],
        ).fetchone()
        if row is None:
            return set()
        return set(pd.read_parquet(io.BytesIO(row[0]), columns=["unit_id"])["unit_id"])


def status_words(run) -> tuple[str, str, str, str]:
    """A row of :meth:`Store.runs` for people: ``(stage_zh, stage_en, force_zh,
    force_en)``, e.g. ``公示中 / under notice`` and ``现行 / in force``."""
    status = run["status"]
    if status == "notice" and not run["under_notice"]:
        status = "corrected"
    force = (
        "in_force"
        if run["in_force"]
        else "superseded"
        if run["status"] == "published"
        else None
    )
    zh, en = STATUS_LABELS.get(status, (status, status))
    fzh, fen = IN_FORCE_LABELS.get(force, ("", ""))
    return zh, en, fzh, fen


def _stage(run: dict) -> str:
    if run["status"] == "notice":
        return f"under 公示 (public notice) until {run['notice_until']}"
    return "published" if run["status"] == "published" else run["status"]


def reproduce(
    store: Store, run_id: str, *, base: str | Path | None = None
) -> dict[str, bool]:
    """Re-run a stored run from its manifest; per table, whether the bytes match.

    Relative paths in the manifest are resolved where they were recorded (the
    directory ``evaluation score`` ran in for the catalogue and dataset, the one
    the run was published from for the appraisal inputs), so this works from any
    working directory; ``base`` resolves them all in one folder instead (a copy of
    the project elsewhere)."""
    from evaluation import appraisal as A
    from evaluation.pipeline import rebuild, resolve_base

    info = store.manifest(run_id)
    result = rebuild(Provenance.from_dict(info["provenance"]), base=base)
    appraisal = None
    if "appraisal" in info:
        config = A.Config.model_validate(info["appraisal"]["config"])
        folder = (
            resolve_base(base, info.get("workdir", ""))
            / info["params"]["appraisal_inputs"]
        )
        inputs = A.load_inputs(folder)
        if inputs.sha256 != info["appraisal"]["inputs_sha256"]:
            raise EvaluationError(f"appraisal inputs in {folder} changed since the run")
        appraisal = A.appraise(config, result, inputs)
    uncertain = None
    if "uncertainty" in info["params"]:
        from evaluation.analysis import uncertainty as U

        uncertain = U.run(result, U.Spec(**info["params"]["uncertainty"]))
    stored = store.hashes(run_id)
    again = {
        n: hashlib.sha256(b).hexdigest()
        for n, b in run_tables(result, appraisal, uncertain).items()
    }
    return {n: again.get(n) == h for n, h in stored.items()}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


__all__ = [
    "InForceError",
    "LifecycleError",
    "PublishedRunError",
    "Store",
    "beijing_today",
    "manifest",
    "reproduce",
    "status_words",
]
