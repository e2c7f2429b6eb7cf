"""The publication store over random sequences of what an office does: store runs
and corrections, release them, file and decide appeals during the 公示 (public
notice), finalise, let days pass. Whatever the order, and whatever is refused:

* at most one run of a kind and period is in force, and at most one is under notice;
* every run of a kind and period that was ever released belongs to one chain, and a
  run under notice is a later version of that chain than the one in force;
* a released run never changes, and a refused step leaves the store as it was;
* the journal accounts for every run and appeal case as it is (the store verifies).
"""

from __future__ import annotations

import copy
import dataclasses
import shutil
import tempfile
from collections import defaultdict
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import evaluation as ev
from evaluation.publish import publication
from evaluation.publish.publication import Publication

from ..conftest import TINY, TINY_ROWS, TINY_UNITS, write_dataset
from ..publish.test_publication import graded

PERIODS = ("2024", "2025")
UNITS = ("U1", "U2", "U3", "U9")  # U9 is not graded: its appeals are refused


@cache
def tiny_results() -> dict[str, ev.Result]:
    """The tiny run, as the run of each period (only its period label differs)."""
    folder = Path(tempfile.mkdtemp(prefix="publication-props-"))
    data = ev.load_dataset(write_dataset(folder / "d", TINY_UNITS, TINY_ROWS))
    catalogue = ev.parse_catalogue(copy.deepcopy(TINY), file="tiny.yaml")
    result = ev.run(catalogue, data, period="2025", run_at="2026-01-15T09:00:00Z")
    shutil.rmtree(folder)
    return {
        p: dataclasses.replace(
            result, provenance=dataclasses.replace(result.provenance, period=p)
        )
        for p in PERIODS
    }


KINDS = st.sampled_from(["period", "annual"])
#: which run a step is about: one of the store's runs (by position), or the
#: current one of a kind and period (under notice, else in force), or a draft
PICK = st.one_of(
    st.tuples(st.just("any"), st.integers(0, 20)),
    st.tuples(
        st.sampled_from(["current", "current", "draft"]),
        KINDS,
        st.sampled_from(PERIODS),
    ),
)
#: the annual run under notice of a year (what appeals are about), or any run
NOTICE = st.one_of(
    st.sampled_from(PERIODS).map(lambda p: ("current", "annual", p)), PICK
)


RUN_TABLES = publication.run_tables
SERIALISED: dict = {}


def run_tables_once(result, appraisal=None, uncertainty=None) -> dict[str, bytes]:
    """``run_tables``, once per result and grade: a pure function, and the slow part
    of storing a run; the lifecycle never looks inside the tables."""
    key = (result.period, appraisal and appraisal.grades["final_grade"].iloc[0])
    if key not in SERIALISED:
        SERIALISED[key] = RUN_TABLES(result, appraisal, uncertainty)
    return SERIALISED[key]


class Office(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.store = Publication(":memory:")  # the same store, without a file's fsyncs
        publication.run_tables = run_tables_once
        self.today = date(2026, 1, 5)
        self.released: dict = {}  # (run id, table) → its SHA-256 when released

    def teardown(self):
        self.store.close()
        publication.run_tables = RUN_TABLES

    def snapshot(self) -> list:
        db = self.store._db  # every row of every table, cheaply
        return [
            db.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in ("runs", "run_tables", "appeal_cases")
        ]

    def attempt(self, step):
        """Do ``step``; a refusal must leave the store exactly as it was."""
        before = self.snapshot()
        try:
            return step()
        except ev.EvaluationError:
            assert self.snapshot() == before
            return None

    def pick(self, how) -> str | None:
        runs = self.store.runs()
        if how[0] == "any":
            return runs["run_id"].iloc[how[1] % len(runs)] if len(runs) else None
        mine = runs[(runs["kind"] == how[1]) & (runs["period"] == how[2])]
        if how[0] == "draft":
            mine = mine[mine["status"] == "draft"]
        else:
            mine = mine[mine["under_notice"]] if mine["under_notice"].any() else mine
            mine = mine[mine["under_notice"] | mine["in_force"]]
        return mine["run_id"].iloc[-1] if len(mine) else None

    # ------------------------------------------------------------------ steps
    @initialize(days=st.integers(1, 7))
    def the_year_is_published_and_its_appraisal_under_notice(self, days):
        self.store_a_first_version("period", "2025", "good", True, days)
        self.store_a_first_version("annual", "2025", "good", True, days)

    @rule(
        kind=KINDS,
        period=st.sampled_from(PERIODS),
        grade=st.sampled_from(["good", "pass"]),
        release=st.booleans(),
        days=st.integers(1, 7),
    )
    def store_a_first_version(self, kind, period, grade, release, days):
        result = tiny_results()[period]
        appraisal = graded(result, grade, int(period)) if kind == "annual" else None
        self.attempt(
            lambda: self.store.add_run(
                result,
                appraisal,
                by="analyst",
                release=release,
                notice_days=days,
                today=self.today,
            )
        )

    @rule(old=PICK, grade=st.sampled_from(["good", "pass"]))
    def store_a_correction(self, old, grade):
        old = self.pick(old)
        if old is None:
            return
        row = self.store.runs().set_index("run_id").loc[old]
        result = tiny_results()[row["period"]]
        annual = row["kind"] == "annual"
        appraisal = graded(result, grade, int(row["period"])) if annual else None
        self.attempt(
            lambda: self.store.add_run(
                result, appraisal, by="analyst", supersedes=old, reason="更正"
            )
        )

    @rule(run=PICK, days=st.integers(1, 7))
    def release(self, run, days):
        run = self.pick(run)
        if run is not None:
            self.attempt(
                lambda: self.store.publish(
                    run, by="director", notice_days=days, today=self.today
                )
            )

    @rule(run=NOTICE, unit=st.sampled_from(UNITS), back=st.sampled_from([0, 0, 1, 4]))
    def appeal(self, run, unit, back):
        run = self.pick(run)
        if run is not None:
            self.attempt(
                lambda: self.store.file_case(
                    run,
                    unit_id=unit,
                    by="unit office",
                    grounds="…",
                    on=self.today - timedelta(days=back),
                    today=self.today,
                )
            )

    @rule(i=st.integers(0, 20), decision=st.sampled_from(["upheld", "rejected"]))
    def review(self, i, decision):
        cases = self.store.cases()
        if len(cases):
            case = cases["case_id"].iloc[i % len(cases)]
            self.attempt(
                lambda: self.store.decide(
                    case,
                    decision=decision,
                    by="committee",
                    note="复核",
                    today=self.today,
                )
            )

    @rule(run=NOTICE)
    def finalise(self, run):
        run = self.pick(run)
        if run is not None:
            self.attempt(lambda: self.store.finalise(run, by="主任", today=self.today))

    @rule(days=st.integers(1, 3))
    def days_pass(self, days):
        self.today += timedelta(days=days)

    @rule(kind=KINDS, period=st.sampled_from(PERIODS))
    def the_committee_closes_a_notice(self, kind, period):
        """After the window: every pending case rejected on review, then final."""
        run = self.store.under_notice(kind, period)
        if run is None:
            return
        until = self.store.runs().set_index("run_id").at[run, "notice_until"]
        self.today = max(self.today, date.fromisoformat(until) + timedelta(days=1))
        for case in self.store.cases(run).query("decision.isna()")["case_id"]:
            self.store.decide(case, decision="rejected", by="委员会", note="不成立")
        self.attempt(lambda: self.store.finalise(run, by="主任", today=self.today))

    # ------------------------------------------------------------- invariants
    @invariant()
    def one_run_in_force_and_one_chain_per_kind_and_period(self):
        groups = defaultdict(list)
        for run in self.store.runs().to_dict("records"):
            groups[run["kind"], run["period"]].append(run)
        for (kind, period), runs in groups.items():
            force = [r for r in runs if r["in_force"]]
            notice = [r for r in runs if r["under_notice"]]
            released = [r for r in runs if r["status"] in ("notice", "published")]
            assert len(force) <= 1, (kind, period, force)
            assert len(notice) <= 1, (kind, period, notice)
            assert len({r["chain"] for r in released}) <= 1, released
            if force and notice:
                assert notice[0]["version"] > force[0]["version"]
            if released:  # a released chain always has a current run
                assert force or notice
            assert kind == "annual" or not notice

    @invariant()
    def a_released_run_never_changes(self):
        rows = self.store._db.execute(
            "SELECT t.run_id, t.name, t.sha256 FROM run_tables t JOIN runs r "
            "USING (run_id) WHERE r.status <> 'draft'"
        ).fetchall()
        now = {(run, name): sha for run, name, sha in rows}
        for key, sha in now.items():
            assert self.released.setdefault(key, sha) == sha
        assert set(self.released) <= set(now)  # and is never deleted

    @invariant()
    def the_journal_accounts_for_every_run_and_case(self):
        assert self.store.verify() == []


TestOffice = Office.TestCase
TestOffice.settings = settings(
    max_examples=30,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
