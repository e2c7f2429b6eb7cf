"""The publication lifecycle: draft → 公示 (public notice) → final, immutable once
released, one run in force per kind and period, appeals.

:class:`Publication` is the publication store (:class:`.store.Store`, one embedded
DuckDB file) opened to change it: every rule below is kept here, the file's tables
and their reading are :mod:`.store`'s.

The lifecycle. A **period** run is released straight to ``published``. An **annual**
run (the appraisal: grades feed rewards and accountability) is released to
``notice``: a 公示 of ``notice_days`` calendar days that is also the appeal window.
It becomes final (``published``) with :meth:`Publication.finalise` once the window has
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
:meth:`.store.Store.diff` lists what changed for whom between two versions.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from evaluation import appraisal as A
from evaluation.analysis import uncertainty as U
from evaluation.errors import EvaluationError
from evaluation.pipeline import rebuild, resolve_base
from evaluation.publish.store import (
    BEIJING,
    PublishedRunError,
    Store,
    TamperedError,
    manifest,
    now,
    parquet_bytes,
    run_tables,
)
from evaluation.result import Provenance, Result
from evaluation.vocabulary import IN_FORCE, RUN_STATUS

NOTICE_DAYS = 7  #: default length of the 公示 (public notice), in calendar days
DECISIONS = ("upheld", "rejected")


class LifecycleError(EvaluationError):
    """A step out of order: releasing, filing or deciding an appeal case, or
    finalising when the run's stage does not allow it."""


class InForceError(LifecycleError):
    """A second chain for a kind and period: two runs would be in force."""


def beijing_today() -> date:
    """Today's date in Beijing time (the 公示 calendar)."""
    return datetime.now(BEIJING).date()


class Publication(Store):
    """The publication store opened to add, release and correct runs and to record
    appeals: :class:`.store.Store` (reading) plus the lifecycle's rules. Open it, use
    it, :meth:`close` it (or ``with``)."""

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
        with self.transaction():
            self.insert_run(
                run_id=run_id,
                chain=chain,
                version=version,
                supersedes=supersedes,
                status="draft",
                kind=kind,
                period=period,
                reason=reason,
                created_at=now(),
                created_by=by,
                manifest=json.dumps(info, ensure_ascii=False, sort_keys=True),
            )
            for name, data in tables.items():
                self.insert_table(run_id, name, data)
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
            return f"{kind}-{period}-{self.chains(kind, period) + 1}", 1
        if not reason.strip():
            raise EvaluationError("an appeal or correction needs a reason")
        self.untampered(f"run:{supersedes}")
        old = self.run(supersedes)
        if (old["kind"], old["period"]) != (kind, period):
            raise LifecycleError(
                f"{supersedes} is the {old['kind']} run of {old['period']}: a "
                f"correction of it must be one too (this is the {kind} run of "
                f"{period})"
            )
        self._check_corrects(old)
        return old["chain"], self.last_version(old["chain"]) + 1

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
        with self.transaction():
            return self._release(run_id, by=by, notice_days=notice_days, today=today)

    def _release(
        self, run_id: str, *, by: str, notice_days: int, today: date | None
    ) -> str:
        self.untampered(f"run:{run_id}")
        run = self.run(run_id)
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
            old = self.run(run["supersedes"])
            self._check_corrects(old)
            pending = self.case_ids(old["run_id"], decided=False)
            if pending:
                raise LifecycleError(
                    f"appeal case(s) {', '.join(pending)} against {old['run_id']} "
                    f"are undecided: decide them (evaluation decide CASE --decision "
                    f"upheld|rejected) before releasing the correction {run_id}"
                )
        if run["kind"] != "annual":
            self.update_run(
                run_id, status="published", published_at=now(), published_by=by
            )
            return "published"
        if int(notice_days) < 1:
            raise EvaluationError(
                f"a 公示 (public notice) lasts at least one day (got {notice_days})"
            )
        start = today or beijing_today()
        until = start + timedelta(days=int(notice_days) - 1)
        self.update_run(
            run_id,
            status="notice",
            notice_from=start.isoformat(),
            notice_until=until.isoformat(),
            notice_by=by,
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
        with self.transaction():
            self.untampered(f"run:{run_id}")
            run = self.run(run_id)
            if run["status"] == "draft":
                raise LifecycleError(
                    f"run {run_id} is a draft: release it first (evaluation publish "
                    f"--run {run_id}), which opens its 公示 (public notice)"
                )
            if run["status"] == "published":
                raise PublishedRunError(
                    f"run {run_id} is already published (final since "
                    f"{_beijing(run['published_at'])})"
                )
            newer = self.released_successor(run_id)
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
            pending = self.case_ids(run_id, decided=False)
            if pending:
                raise LifecycleError(
                    f"run {run_id} has undecided appeal case(s) {', '.join(pending)}: "
                    "decide them first (evaluation decide CASE --decision "
                    "upheld|rejected)"
                )
            upheld = self.case_ids(run_id, decision="upheld")
            if upheld:
                raise LifecycleError(
                    f"appeal case(s) {', '.join(upheld)} against {run_id} were "
                    f"upheld: store the corrected version (evaluation appeal {run_id} "
                    "RESULT --reason …) and release it, instead of finalising this one"
                )
            self.update_run(
                run_id, status="published", published_at=now(), published_by=by
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
        with self.transaction():
            self.untampered(f"run:{run_id}")
            run = self.run(run_id)
            if run["status"] != "notice":
                stage = (
                    "a draft, not yet released"
                    if run["status"] == "draft"
                    else f"final (published {_beijing(run['published_at'])}); a "
                    "correction is "
                    f"a new version: evaluation appeal {run_id} RESULT --reason …"
                )
                raise LifecycleError(
                    f"appeals (申诉) are filed against a run under 公示 (public "
                    f"notice); run {run_id} is {stage}"
                )
            newer = self.released_successor(run_id)
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
            graded = self.graded_units(run_id)
            if unit_id not in graded:
                raise LifecycleError(
                    f"unit {unit_id!r} is not in the grades of {run_id} "
                    f"({len(graded)} units graded)"
                )
            case_id = f"{run_id}.c{len(self.case_ids(run_id)) + 1}"
            self.insert_case(
                case_id=case_id,
                run_id=run_id,
                unit_id=unit_id,
                filed_by=by,
                filed_at=on.isoformat(),
                grounds=grounds,
                recorded_at=now(),
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
        with self.transaction():
            self.untampered(f"case:{case_id}")
            case = self.case(case_id)
            if case is None:
                raise EvaluationError(f"no appeal case {case_id!r} in {self.path}")
            if case["decision"] is not None:
                raise LifecycleError(
                    f"appeal case {case_id} was decided already ({case['decision']} by "
                    f"{case['decided_by']} on {case['decided_at']}); a further review "
                    "is a new case"
                )
            self.update_case(
                case_id,
                decision=decision,
                decided_by=by,
                decided_at=(today or beijing_today()).isoformat(),
                decision_note=note,
            )

    def delete(self, run_id: str) -> None:
        """Remove a draft (a released run is refused, also one whose status was
        turned back to draft outside the program: the journal remembers)."""
        self.untampered(f"run:{run_id}")
        run = self.run(run_id)
        if run["status"] == "draft" and self.ever_released(run_id):
            raise TamperedError(
                f"run {run_id} was released (the journal records it) but its status "
                f"reads {run['status']!r}: it was changed outside the program and is "
                f"not deleted (evaluation verify {self.path})"
            )
        if run["status"] != "draft":
            raise PublishedRunError(
                f"run {run_id} is {_stage(run)} and cannot be deleted"
            )
        with self.transaction():
            self.delete_run(run_id)

    def replace_table(self, run_id: str, name: str, frame: pd.DataFrame) -> None:
        """Replace one table of a draft (a released run is refused)."""
        self.untampered(f"run:{run_id}")
        run = self.run(run_id)
        if run["status"] != "draft":
            raise PublishedRunError(
                f"run {run_id} is {_stage(run)}: its tables cannot change; file an "
                "appeal or correction (a new version) instead"
            )
        with self.transaction():
            self.delete_table(run_id, name)
            self.insert_table(run_id, name, parquet_bytes(frame))

    # -------------------------------------------------------------- the rules
    def _check_first(self, kind: str, period: str) -> None:
        """A first version of a kind and period: refused once a run of them has been
        released (its chain is the one in force, or under notice)."""
        chain = self.released_chain(kind, period)
        if chain is None:
            return
        head = self.head(chain)
        force = self.in_force(kind, period)
        standing = (
            f"{force} is in force"
            if force == head["run_id"]
            else f"{head['run_id']} is under 公示 (public notice) until "
            f"{head['notice_until']}" + (f" and {force} is in force" if force else "")
        )
        raise InForceError(
            f"the {kind} run of {period} exists already: {standing}. Only one run of a "
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
        head = self.head(old["chain"])
        if head["run_id"] != old["run_id"]:
            raise LifecycleError(
                f"run {old['run_id']} has been corrected already: {head['run_id']} "
                f"({_stage(head)}) is its chain's latest version; correct that one"
            )


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
    zh, en = RUN_STATUS.get(status, (status, status))
    fzh, fen = IN_FORCE.get(force, ("", ""))
    return zh, en, fzh, fen


def _beijing(stamp) -> str:
    """A stored UTC time as people read it: ``2026-01-15 17:00 Beijing time``."""
    t = pd.Timestamp(stamp)
    t = (t.tz_localize("UTC") if t.tzinfo is None else t).tz_convert(BEIJING)
    return f"{t:%Y-%m-%d %H:%M} Beijing time"


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
        uncertain = U.run(result, U.Spec(**info["params"]["uncertainty"]))
    stored = store.hashes(run_id)
    again = {
        n: hashlib.sha256(b).hexdigest()
        for n, b in run_tables(result, appraisal, uncertain).items()
    }
    return {n: again.get(n) == h for n, h in stored.items()}


__all__ = [
    "InForceError",
    "LifecycleError",
    "Publication",
    "beijing_today",
    "reproduce",
    "status_words",
]
