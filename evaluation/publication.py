"""The publication store: every run, draft → published, immutable once published.

One embedded DuckDB file (default ``data/store.duckdb``, no server) holds:

* ``runs``: one row per run: id, chain and version, the run it supersedes, status
  (``draft`` or ``published``), kind (``period`` or ``annual``), the reason (for an
  appeal or correction), who created and who published it and when, and the manifest
  (input hashes, catalogue and rules versions, parameters, package version, git
  commit) that reproduces it;
* ``run_tables``: each of the run's tables as Parquet bytes with their SHA-256;
* ``access_log``: who viewed a draft, and when (pre-release access).

Every write is one transaction: a process killed midway leaves the store exactly as
it was. A published run is never changed or deleted; an appeal or correction (申诉,
复核) is a new draft version of the same chain that names the run it supersedes and
why. The published run stays **in force** (and queryable) until its successor is
published; :meth:`Store.diff` lists what changed for whom.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from .catalogue import parse_catalogue
from .errors import EvaluationError
from .result import Provenance, Result

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
    "published_at",
    "published_by",
    "in_force",
]
#: the result tables of a run; an annual run adds the appraisal's
DIFF_KEYS = {
    "composite": (["period", "unit_id"], ["composite_score", "status"]),
    "ranks": (["period", "unit_id"], ["rank", "peer_rank"]),
    "grades": (["unit_id"], ["score", "final_grade"]),
}


class PublishedRunError(EvaluationError):
    """An attempt to change a published run."""


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """A table as Parquet bytes (the same frame gives the same bytes)."""
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
    """A publication store file. Open it, use it, :meth:`close` it (or ``with``)."""

    def __init__(self, path: str | Path = "data/store.duckdb"):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = duckdb.connect(str(self.path))
        self._db.execute(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

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
        **params,
    ) -> str:
        """Store a run as a **draft**; return its id. With ``supersedes`` it is a new
        version of that run's chain (an appeal or correction: ``reason`` required).
        ``uncertainty`` (from ``uncertainty.run``) stores its rank intervals and the
        spec that reproduces them."""
        if not by.strip():
            raise EvaluationError("a run needs the name of who adds it (by)")
        kind = "annual" if appraisal is not None else "period"
        period = str(appraisal.config.year) if appraisal is not None else result.period
        if supersedes is not None:
            old = self._run(supersedes)
            if not reason.strip():
                raise EvaluationError("an appeal or correction needs a reason")
            chain, version = old["chain"], self._last_version(old["chain"]) + 1
        else:
            chain, version = self._new_chain(kind, period), 1
        run_id = f"{chain}.v{version}"
        if uncertainty is not None:
            params["uncertainty"] = uncertainty.spec
        tables = run_tables(result, appraisal, uncertainty)
        info = manifest(result, appraisal, **params)
        now = _now()
        self._db.execute("BEGIN TRANSACTION")
        try:
            self._db.execute(
                "INSERT INTO runs VALUES "
                "(?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, NULL, NULL, ?)",
                [
                    run_id,
                    chain,
                    version,
                    supersedes,
                    kind,
                    period,
                    reason,
                    now,
                    by,
                    json.dumps(info, ensure_ascii=False, sort_keys=True),
                ],
            )
            for name, data in tables.items():
                self._insert_table(run_id, name, data)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return run_id

    def _insert_table(self, run_id: str, name: str, data: bytes) -> None:
        self._db.execute(
            "INSERT INTO run_tables VALUES (?, ?, ?, ?)",
            [run_id, name, hashlib.sha256(data).hexdigest(), data],
        )

    def publish(self, run_id: str, *, by: str) -> None:
        """Release a draft; its predecessor stays stored, no longer in force."""
        run = self._run(run_id)
        if run["status"] == "published":
            raise PublishedRunError(f"run {run_id} is already published")
        if not by.strip():
            raise EvaluationError("publishing needs the name of who releases it (by)")
        self._db.execute(
            "UPDATE runs SET status = 'published', published_at = ?, published_by = ? "
            "WHERE run_id = ? AND status = 'draft'",
            [_now(), by, run_id],
        )

    def delete(self, run_id: str) -> None:
        """Remove a draft (a published run is refused)."""
        run = self._run(run_id)
        if run["status"] == "published":
            raise PublishedRunError(f"run {run_id} is published and cannot be deleted")
        self._db.execute("BEGIN TRANSACTION")
        self._db.execute("DELETE FROM run_tables WHERE run_id = ?", [run_id])
        self._db.execute("DELETE FROM runs WHERE run_id = ?", [run_id])
        self._db.execute("COMMIT")

    def replace_table(self, run_id: str, name: str, frame: pd.DataFrame) -> None:
        """Replace one table of a draft (a published run is refused)."""
        run = self._run(run_id)
        if run["status"] == "published":
            raise PublishedRunError(
                f"run {run_id} is published: its tables cannot change; file an "
                "appeal or correction (a new version) instead"
            )
        self._db.execute("BEGIN TRANSACTION")
        self._db.execute(
            "DELETE FROM run_tables WHERE run_id = ? AND name = ?", [run_id, name]
        )
        self._insert_table(run_id, name, parquet_bytes(frame))
        self._db.execute("COMMIT")

    # ---------------------------------------------------------------- reading
    def runs(self) -> pd.DataFrame:
        """Every run, with ``in_force``: published and not superseded by a published
        version."""
        frame = self._db.execute(
            "SELECT * EXCLUDE (manifest) FROM runs ORDER BY created_at, run_id"
        ).df()
        published = frame[frame["status"] == "published"]
        replaced = set(published["supersedes"].dropna())
        frame["in_force"] = (frame["status"] == "published") & ~frame["run_id"].isin(
            replaced
        )
        return frame[RUN_COLUMNS]

    def in_force(self, kind: str, period: str) -> str | None:
        """The run in force for a kind and period (latest published), if any."""
        runs = self.runs()
        hit = runs[
            runs["in_force"] & (runs["kind"] == kind) & (runs["period"] == period)
        ]
        return hit["run_id"].iloc[-1] if len(hit) else None

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
        recorded the person's view itself (the dashboard's cache)."""
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


def reproduce(store: Store, run_id: str, *, base: str | Path = ".") -> dict[str, bool]:
    """Re-run a stored run from its manifest; per table, whether the bytes match."""
    from . import appraisal as A
    from .pipeline import rebuild

    info = store.manifest(run_id)
    result = rebuild(Provenance.from_dict(info["provenance"]), base=base)
    appraisal = None
    if "appraisal" in info:
        config = A.Config.model_validate(info["appraisal"]["config"])
        folder = Path(base) / info["params"]["appraisal_inputs"]
        inputs = A.load_inputs(folder)
        if inputs.sha256 != info["appraisal"]["inputs_sha256"]:
            raise EvaluationError(f"appraisal inputs in {folder} changed since the run")
        appraisal = A.appraise(config, result, inputs)
    uncertain = None
    if "uncertainty" in info["params"]:
        from . import uncertainty as U

        uncertain = U.run(result, U.Spec(**info["params"]["uncertainty"]))
    stored = store.hashes(run_id)
    again = {
        n: hashlib.sha256(b).hexdigest()
        for n, b in run_tables(result, appraisal, uncertain).items()
    }
    return {n: again.get(n) == h for n, h in stored.items()}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


__all__ = ["PublishedRunError", "Store", "manifest", "reproduce"]
