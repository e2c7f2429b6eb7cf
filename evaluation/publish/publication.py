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
from evaluation.periods import date_zh, name_zh
from evaluation.pipeline import git_commit, package_version, rebuild, resolve_base
from evaluation.publish.store import (
    BEIJING,
    PublishedRunError,
    Store,
    TamperedError,
    manifest,
    not_graded,
    now,
    parquet_bytes,
    run_tables,
    stage,
)
from evaluation.result import Provenance, Result
from evaluation.vocabulary import (
    APPEAL_DECISION,
    IN_FORCE,
    RUN_STATUS,
    Word,
    quoted,
    say,
    say_count,
)

NOTICE_DAYS = 7  #: default length of the 公示 (public notice), in calendar days
DECISIONS = ("upheld", "rejected")


class LifecycleError(EvaluationError):
    """A step out of order: releasing, filing or deciding an appeal case, or
    finalising when the run's stage does not allow it."""


class InForceError(LifecycleError):
    """A second chain for a kind and period: two runs would be in force."""


def _refused(
    code: str, error: type = EvaluationError, /, count: int | None = None, **fields
) -> EvaluationError:
    """An ``error`` said in Chinese and English (the vocabulary's ``library_error``
    words of ``code``, ``fields`` filled; ``count``: how many things it names, its
    singular for one, :func:`say_count`)."""
    if count is not None:
        return error(words=say_count("library_error", code, count, **fields))
    return error(words=say("library_error", code, **fields))


def appeal_inputs(kind: str) -> Word:
    """What an appeal's command adds for a run of ``kind``: an annual appraisal's
    correction is stored with its (corrected) appraisal inputs (``--appraisal``)."""
    return say("library_error", "appeal_inputs") if kind == "annual" else Word("", "")


def _kind(kind: str, period: str) -> dict[str, Word]:
    """A run's kind and period as the lifecycle's messages name them (年度考评运行,
    2025年)."""
    return {
        "kind": say("library_error", f"kind_{kind}"),
        "period": _period(period),
    }


def _period(period: str) -> Word:
    try:
        return Word(name_zh(period), period)
    except ValueError:  # not a period label: as it is
        return Word(str(period), str(period))


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
            raise _refused("run_by")
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
            raise _refused("correction_reason")
        self.untampered(f"run:{supersedes}")
        old = self.run(supersedes)
        if (old["kind"], old["period"]) != (kind, period):
            old_kind = _kind(old["kind"], old["period"])
            # an appraisal corrected from a result alone: the --appraisal was left off
            hint = (
                "appraisal_needed"
                if (old["kind"], kind) == ("annual", "period")
                else None
            )
            raise _refused(
                "correction_kind",
                LifecycleError,
                supersedes=supersedes,
                old_kind=old_kind["kind"],
                old_period=old_kind["period"],
                hint=say("library_error", hint) if hint else Word("", ""),
                **_kind(kind, period),
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
            raise _refused("already_published", PublishedRunError, run=run_id)
        if run["status"] == "notice":
            raise _refused(
                "already_notice",
                LifecycleError,
                run=run_id,
                where=self.where,
                until=day_word(run["notice_until"]),
            )
        if not by.strip():
            raise _refused("release_by")
        if run["supersedes"] is None:
            self._check_first(run["kind"], run["period"])
        else:
            old = self.run(run["supersedes"])
            self._check_corrects(old)
            pending = self.case_ids(old["run_id"], decided=False)
            if pending:
                raise _refused(
                    "correction_cases_pending",
                    LifecycleError,
                    count=len(pending),
                    cases=_listed(pending),
                    old=old["run_id"],
                    run=run_id,
                    where=self.where,
                )
        if run["kind"] != "annual":
            self.update_run(
                run_id, status="published", published_at=now(), published_by=by
            )
            return "published"
        if int(notice_days) < 1:
            raise _refused("notice_days", days=notice_days)
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
            raise _refused("finalise_by")
        with self.transaction():
            self.untampered(f"run:{run_id}")
            run = self.run(run_id)
            if run["status"] == "draft":
                raise _refused(
                    "finalise_draft", LifecycleError, run=run_id, where=self.where
                )
            if run["status"] == "published":
                raise _refused(
                    "finalise_published",
                    PublishedRunError,
                    run=run_id,
                    since=_beijing(run["published_at"]),
                )
            newer = self.released_successor(run_id)
            if newer is not None:
                raise self._corrected("finalise_corrected", run_id, newer, run["kind"])
            today = today or beijing_today()
            until = date.fromisoformat(run["notice_until"])
            if today <= until:
                raise _refused(
                    "notice_open",
                    LifecycleError,
                    run=run_id,
                    until=day_word(until),
                    today=day_word(today),
                    after=day_word(until + timedelta(days=1)),
                )
            pending = self.case_ids(run_id, decided=False)
            if pending:
                raise _refused(
                    "finalise_cases_pending",
                    LifecycleError,
                    count=len(pending),
                    run=run_id,
                    cases=_listed(pending),
                    where=self.where,
                )
            upheld = self.case_ids(run_id, decision="upheld")
            if upheld:
                raise _refused(
                    "finalise_upheld",
                    LifecycleError,
                    count=len(upheld),
                    run=run_id,
                    cases=_listed(upheld),
                    inputs=appeal_inputs(run["kind"]),
                    where=self.where,
                )
            self.update_run(
                run_id, status="published", published_at=now(), published_by=by
            )

    def _corrected(self, code: str, run_id: str, newer: str, kind: str):
        """The refusal of a step on a run corrected during its 公示 (``code``:
        ``finalise_corrected`` or ``appeal_corrected``): take it on ``newer``, or,
        once ``newer`` is final, that there is nothing left to take there
        (``…_final``, with when and, for an appeal, the correction's command)."""
        row = self.run(newer)
        if row["status"] != "published":
            return _refused(code, LifecycleError, run=run_id, newer=newer)
        return _refused(
            f"{code}_final",
            LifecycleError,
            run=run_id,
            newer=newer,
            since=_beijing(row["published_at"]),
            inputs=appeal_inputs(kind),
            where=self.where,
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
                raise _refused("case_needs", what=say("library_error", f"case_{what}"))
        today = today or beijing_today()
        on = date.fromisoformat(on) if isinstance(on, str) else (on or today)
        with self.transaction():
            self.untampered(f"run:{run_id}")
            run = self.run(run_id)
            if run["status"] == "draft":
                raise _refused("appeal_draft", LifecycleError, run=run_id)
            if run["status"] != "notice":
                raise _refused(
                    "appeal_final",
                    LifecycleError,
                    run=run_id,
                    since=_beijing(run["published_at"]),
                    inputs=appeal_inputs(run["kind"]),
                    where=self.where,
                )
            newer = self.released_successor(run_id)
            if newer is not None:
                raise self._corrected("appeal_corrected", run_id, newer, run["kind"])
            start = date.fromisoformat(run["notice_from"])
            until = date.fromisoformat(run["notice_until"])
            if on > today:
                raise _refused("appeal_future", on=day_word(on), today=day_word(today))
            if not start <= on <= until:
                raise _refused(
                    "appeal_outside",
                    LifecycleError,
                    run=run_id,
                    start=day_word(start),
                    until=day_word(until),
                    on=day_word(on),
                )
            graded = self.unit_names(run_id)
            if unit_id not in graded:
                raise not_graded(run_id, [unit_id], graded, LifecycleError)
            self._check_not_filed(run_id, unit_id, grounds, graded[unit_id])
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

    def _check_not_filed(
        self, run_id: str, unit_id: str, grounds: str, names: tuple[str, str]
    ) -> None:
        """One appeal is one case: the unit's undecided case against ``run_id`` on
        the same grounds (spaces aside), whoever filed it, refuses a second filing
        of it. Other grounds, or the same once that case is decided (a further
        review is a new case), are a case of their own."""
        cases = self.cases(run_id)
        again = cases[
            (cases["unit_id"] == unit_id)
            & cases["decision"].isna()
            & (cases["grounds"].map(_plain) == _plain(grounds))
        ]
        if again.empty:
            return
        case = again.iloc[0]
        zh, en = names
        raise _refused(
            "appeal_again",
            LifecycleError,
            unit=Word(f"{zh}（{unit_id}）", f"{en} ({unit_id})"),
            on=day_word(case["filed_at"]),
            run=run_id,
            case=case["case_id"],
            grounds=quoted(case["grounds"]),
            where=self.where,
        )

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
            raise _refused("decision_value", got=quoted(decision))
        if not by.strip() or not note.strip():
            raise _refused("decision_note")
        with self.transaction():
            self.untampered(f"case:{case_id}")
            case = self.case(case_id)
            if case is None:
                raise _refused(
                    "no_case", case=case_id, store=self.path, where=self.where
                )
            if case["decision"] is not None:
                raise _refused(
                    "case_decided",
                    LifecycleError,
                    case=case_id,
                    decision=APPEAL_DECISION.get(
                        case["decision"], Word(case["decision"], case["decision"])
                    ),
                    by=case["decided_by"],
                    at=day_word(case["decided_at"]),
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
            raise _refused(
                "delete_tampered",
                TamperedError,
                run=run_id,
                status=quoted(run["status"]),
                store=self.path,
            )
        if run["status"] != "draft":
            raise _refused(
                "delete_released", PublishedRunError, run=run_id, stage=_stage(run)
            )
        with self.transaction():
            self.delete_run(run_id)

    def replace_table(self, run_id: str, name: str, frame: pd.DataFrame) -> None:
        """Replace one table of a draft (a released run is refused)."""
        self.untampered(f"run:{run_id}")
        run = self.run(run_id)
        if run["status"] != "draft":
            raise _refused(
                "replace_released", PublishedRunError, run=run_id, stage=_stage(run)
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
        if force == head["run_id"]:
            standing = say("library_error", "standing_in_force", run=force)
        else:
            standing = say(
                "library_error",
                "standing_notice_force" if force else "standing_notice",
                run=head["run_id"],
                until=day_word(head["notice_until"]),
                force=force,
            )
        raise _refused(
            "in_force",
            InForceError,
            standing=standing,
            head=head["run_id"],
            inputs=appeal_inputs(kind),  # an annual correction needs its inputs
            where=self.where,
            **_kind(kind, period),
        )

    def _check_corrects(self, old: dict) -> None:
        """A correction must supersede its chain's latest released version."""
        if old["status"] == "draft":
            raise _refused("correct_draft", LifecycleError, run=old["run_id"])
        head = self.head(old["chain"])
        if head["run_id"] != old["run_id"]:
            raise _refused(
                "corrected_already",
                LifecycleError,
                run=old["run_id"],
                head=head["run_id"],
                stage=_stage(head),
            )


def _plain(text) -> str:
    """Words as typed, spaces aside: `` 四季度 漏报`` is ``四季度漏报``."""
    return "".join(str(text).split())


def status_words(run) -> tuple[str, str, str, str]:
    """A row of :meth:`Store.runs` for people: ``(stage_zh, stage_en, force_zh,
    force_en)``, e.g. ``公示中 / under notice`` and ``现行 / in force``."""
    status = stage(run)
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


def _beijing(stamp) -> Word:
    """A stored UTC time as people read it: ``2026年1月15日 17:00（北京时间）`` /
    ``2026-01-15 17:00 Beijing time``."""
    t = pd.Timestamp(stamp)
    t = (t.tz_localize("UTC") if t.tzinfo is None else t).tz_convert(BEIJING)
    time = Word(f"{date_zh(t)} {t:%H:%M}", f"{t:%Y-%m-%d %H:%M}")
    return say("library_error", "beijing_time", time=time)


def day_word(value) -> Word:
    """A date (a ``date`` or a stored ``2026-01-20``) as people read it:
    ``2026年1月20日`` in Chinese, as stored in English; anything else as it is."""
    if isinstance(value, date):
        value = value.isoformat()
    if not isinstance(value, str):
        return Word(str(value), str(value))
    return Word(date_zh(value), value)


def _stage(run: dict) -> Word:
    """A released run's stage in a message: 正在公示，公示期至… / 已正式发布."""
    if run["status"] == "notice":
        return say("library_error", "stage_notice", until=day_word(run["notice_until"]))
    if run["status"] == "published":
        return say("library_error", "stage_published")
    return RUN_STATUS.get(run["status"], Word(run["status"], run["status"]))


def _listed(ids) -> Word:
    """Ids listed in a message: ``a、b`` / ``a, b``."""
    return Word("、".join(ids), ", ".join(ids))


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
        config = A.parse_config(info["appraisal"]["config"], stored=True)
        folder = (
            resolve_base(base, info.get("workdir", ""))
            / info["params"]["appraisal_inputs"]
        )
        inputs = A.load_inputs(folder)
        if inputs.sha256 != info["appraisal"]["inputs_sha256"]:
            raise _refused("inputs_changed", folder=folder)
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


def program_changed(store: Store, run_id: str) -> tuple[str, str] | None:
    """``(then, now)``: the program that scored the run as its manifest records it
    (``evaluation 0.1.0 (05155e5)``; for a run scored before the commit was
    recorded, the publishing program's) and the one running, when they differ; else
    None. A run that no longer reproduces under a newer program may differ by that
    program's changes alone, which whoever checks it must be told. Two commits
    decide where both are known (a version label differs between an installed and
    a source tree's program); otherwise the versions."""
    info = store.manifest(run_id)

    def said(version: str, commit: str) -> str:
        return f"evaluation {version}" + (f" ({commit[:7]})" if commit else "")

    then = (info.get("package_version", ""), info.get("git_commit", ""))
    this = (package_version(), git_commit())
    same = then[1] == this[1] if then[1] and this[1] else then[0] == this[0]
    return None if same else (said(*then), said(*this))


__all__ = [
    "InForceError",
    "LifecycleError",
    "Publication",
    "beijing_today",
    "program_changed",
    "reproduce",
    "status_words",
]
