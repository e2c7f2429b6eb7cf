"""The publication store: drafts, immutable released runs, the annual run's 公示
(public notice) with its appeal cases (申诉) and their review (复核) before it is
final, exactly one run in force per kind and period, corrections, diff, access log,
atomic writes under SIGKILL, byte-for-byte reproduction, stores from before."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

import evaluation as ev
from evaluation.cli import app
from evaluation.publish import publication
from evaluation.publish import store as storage
from evaluation.publish.publication import (
    InForceError,
    LifecycleError,
    Publication,
    reproduce,
)
from evaluation.publish.store import (
    PublishedRunError,
    load_result,
    run_tables,
    save_result,
)

from ..conftest import ROOT, TINY, TINY_ROWS, TINY_UNITS, write_dataset

RELEASED_ON = date(2026, 1, 12)  # a Monday: the 公示 runs to Sunday the 18th
CLOSED = RELEASED_ON + timedelta(days=7)  # the first day after a 7-day window


@dataclass
class Rules:
    """The appraisal config as the store records it (year, version)."""

    year: int = 2025
    version: str = "test"

    def model_dump(self, **_) -> dict:
        return {"year": self.year, "version": self.version}


@dataclass
class Grades:
    """What the store keeps of an appraisal: its tables and its config. The store's
    lifecycle does not depend on how the grades were reached."""

    grades: pd.DataFrame
    config: Rules = field(default_factory=Rules)
    config_sha256: str = "0" * 64
    inputs_sha256: str = "0" * 64
    TABLES = ("grades",)


def graded(result, grade="good", year=2025) -> Grades:
    """An annual appraisal of ``result``'s units, every one graded ``grade``."""
    units = result.units["unit_id"]
    return Grades(
        pd.DataFrame({"unit_id": units, "final_grade": [grade] * len(units)}),
        Rules(year=year),
    )


@pytest.fixture
def store(tmp_path):
    with Publication(tmp_path / "store.duckdb") as s:
        yield s


def tiny(tiny_catalogue, tmp_path, rows=TINY_ROWS, name="d"):
    data = ev.load_dataset(write_dataset(tmp_path / name, TINY_UNITS, rows))
    return ev.run(
        tiny_catalogue, data, period="2025", run_at="2026-01-15T09:00:00+00:00"
    )


def test_a_published_run_never_changes(store, tiny_result):
    run = store.add_run(tiny_result, by="analyst")
    assert store.runs()[["run_id", "status", "in_force"]].values.tolist() == [
        [run, "draft", False]
    ]
    store.replace_table(run, "warnings", tiny_result.warnings)  # a draft may change
    store.publish(run, by="director")
    before = store.hashes(run)
    with pytest.raises(PublishedRunError, match="cannot change"):
        store.replace_table(run, "composite", tiny_result.composite)
    with pytest.raises(PublishedRunError, match="cannot be deleted"):
        store.delete(run)
    with pytest.raises(PublishedRunError, match="already published"):
        store.publish(run, by="director")
    assert store.hashes(run) == before
    got = store.table(run, "composite")
    pd.testing.assert_frame_equal(got, tiny_result.composite)


def test_an_appeal_is_a_new_version_and_the_original_stays_in_force(
    store, tiny_catalogue, tmp_path
):
    first = tiny(tiny_catalogue, tmp_path)
    run = store.add_run(first, by="analyst")
    store.publish(run, by="director")
    # the appeal: U2's missing Q4 report is found (a2 = 0 instead of empty)
    corrected = [
        r if r[:3] != ("U2", "2025-Q4", "a2") else (*r[:3], "0") for r in TINY_ROWS
    ]
    second = tiny(tiny_catalogue, tmp_path, corrected, name="d2")
    with pytest.raises(ev.EvaluationError, match="needs a reason"):
        store.add_run(second, by="analyst", supersedes=run)
    new = store.add_run(second, by="analyst", supersedes=run, reason="申诉〔2026〕3号")
    assert new == run.replace(".v1", ".v2")
    runs = store.runs().set_index("run_id")
    assert runs.loc[run, "in_force"] and not runs.loc[new, "in_force"]
    assert store.in_force("period", "2025") == run
    changes = store.diff(run, new, viewer="reviewer")
    u2 = changes[(changes["table"] == "composite") & (changes["key"] == "2025 / U2")]
    assert u2["field"].tolist() == ["composite_score"]
    assert set(changes["key"]) == {"2025 / U2"}  # nobody else's numbers moved
    store.publish(new, by="director")
    runs = store.runs().set_index("run_id")
    assert runs.loc[new, "in_force"] and not runs.loc[run, "in_force"]
    assert runs.loc[new, ["supersedes", "reason"]].tolist() == [run, "申诉〔2026〕3号"]
    assert not store.table(run, "composite").empty  # the old version stays queryable


def test_draft_views_need_a_name_and_are_recorded(store, tiny_result):
    run = store.add_run(tiny_result, by="analyst")
    with pytest.raises(PublishedRunError, match="name the viewer"):
        store.table(run, "composite")
    store.table(run, "composite", viewer="秘书长")
    log = store.access_log()
    assert log[["run_id", "viewer", "what"]].values.tolist() == [
        [run, "秘书长", "composite"]
    ]
    store.publish(run, by="director")
    store.table(run, "composite")  # published: free to read, not logged
    assert len(store.access_log()) == 1


KILLER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import evaluation as ev
    from evaluation.publish import publication
    from evaluation.publish.store import load_result

    result = load_result(sys.argv[2])
    original = publication.Publication.insert_table

    def slow(self, run_id, name, data):  # one table in, then wait to be killed
        original(self, run_id, name, data)
        Path(sys.argv[3]).write_text("inside the transaction")
        time.sleep(60)

    publication.Publication.insert_table = slow
    with publication.Publication(sys.argv[1]) as s:
        s.add_run(result, by="killed", supersedes=sys.argv[4], reason="更正")
    """
)


def test_a_publish_killed_midway_leaves_the_store_as_it_was(tmp_path, tiny_result):
    path = tmp_path / "store.duckdb"
    with Publication(path) as s:
        run = s.add_run(tiny_result, by="analyst")
        s.publish(run, by="director")
        before = (s.runs().drop(columns=["in_force"]), s.hashes(run))
    folder = save_result(tiny_result, tmp_path / "result")
    marker = tmp_path / "inside"
    script = tmp_path / "killer.py"
    script.write_text(KILLER, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(path), str(folder), str(marker), run]
    )
    deadline = time.time() + 60
    while not marker.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert marker.exists(), "the child never reached the middle of the write"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with Publication(path) as s:
        runs = s.runs().drop(columns=["in_force"])
        pd.testing.assert_frame_equal(runs, before[0])
        assert s.hashes(run) == before[1]
        assert (
            s._db.execute(
                "SELECT count(*) FROM run_tables WHERE run_id <> ?", [run]
            ).fetchone()[0]
            == 0
        )
        pd.testing.assert_frame_equal(s.table(run, "composite"), tiny_result.composite)


def test_a_stored_run_reproduces_byte_for_byte(tmp_path, catalogue):
    from evaluation import appraisal as A

    result = ev.run(
        catalogue,
        ev.load_dataset(ROOT / "data" / "sample"),
        period="2025",
        run_at="2026-01-15T09:00:00+00:00",
    )
    folder = "data/sample/appraisal"
    config = A.load_config(ROOT / "appraisal.yaml")
    ap = A.appraise(config, result, A.load_inputs(ROOT / folder))
    from evaluation.analysis import uncertainty as U

    intervals = U.run(result, U.Spec(n=200, normalisations=("catalogue", "minmax")))
    with Publication(tmp_path / "s.duckdb") as s:
        run = s.add_run(
            result, ap, by="analyst", appraisal_inputs=folder, uncertainty=intervals
        )
        assert s.publish(run, by="director") == "notice"
        same = reproduce(s, run, base=ROOT)
        info = s.manifest(run)
    assert set(same) == set(ev.Result.TABLES) | set(A.Appraisal.TABLES) | {
        "uncertainty"
    }
    assert all(same.values()), same
    assert info["appraisal"]["rules_version"] == config.version
    assert info["catalogue_version"] and "inputs" in info["provenance"]


def test_a_run_that_no_longer_reproduces_names_the_program_that_scored_it(
    tmp_path, sample_result, monkeypatch
):
    """A run published by one version of the program and reproduced by a later one
    that writes a table differently: the command still fails, naming the tables,
    and says which program scored the run and which is running, so whoever checks
    it is not left to suspect the store; under the same program it says no such
    thing."""
    then, this = "a" * 40, "b" * 40
    v = sample_result.provenance.package_version  # as installed, e.g. 0.1.0
    # scored by one program (its commit in the provenance), published by another
    scored = dataclasses.replace(
        sample_result,
        provenance=dataclasses.replace(sample_result.provenance, git_commit=then),
    )
    monkeypatch.setattr(storage, "git_commit", lambda: this)
    with Publication(tmp_path / "s.duckdb") as s:
        run = s.add_run(scored, by="analyst")
    written = publication.run_tables

    def later(*args):  # a later program words its warnings otherwise
        return {**written(*args), "warnings": b"worded otherwise"}

    monkeypatch.setattr(publication, "run_tables", later)
    runner = CliRunner()
    args = ["reproduce", run, "--store", str(tmp_path / "s.duckdb")]
    for program, named in ((this, True), (then, False)):
        monkeypatch.setattr(publication, "git_commit", lambda p=program: p)
        done = runner.invoke(app, args)
        assert done.exit_code == 1, done.output
        assert "有1张与发布库中的不一致：warnings" in done.output
        said = f"该运行由 evaluation {v} (aaaaaaa) 计算，当前程序为 evaluation {v} "
        assert (f"{said}(bbbbbbb)" in done.output) is named, done.output
        assert ("程序更新" in done.output) is named
    done = runner.invoke(app, [*args, "--lang", "en"])
    assert "the run was scored by" not in done.output
    monkeypatch.setattr(publication, "git_commit", lambda: this)
    done = runner.invoke(app, [*args, "--lang", "en"])
    assert (
        f"the run was scored by evaluation {v} (aaaaaaa) and this is evaluation "
        f"{v} (bbbbbbb)" in done.output
    ), done.output


def test_a_run_stored_with_two_rules_of_one_kind_on_a_node_still_reproduces(
    tmp_path, monkeypatch
):
    """A run scored and published before a catalogue with two peer rules on the
    composite was refused (55b4f13) reproduces from its own, unchanged
    indicators.yaml; a new run of that file is still refused."""
    import yaml

    from evaluation import catalogue as C

    raw = copy.deepcopy(TINY)
    raw["risk"] = {
        "rules": [
            {"kind": "peer", "node": "composite", "method": "robust_z", "red": -3},
            {"kind": "peer", "node": "composite", "method": "bottom_k", "red": 1},
        ]
    }
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    data = write_dataset(tmp_path / "data", TINY_UNITS, TINY_ROWS)
    earlier = tuple(c for c in C.TREE_CHECKS if c is not C._one_rule_of_a_kind_per_node)
    with monkeypatch.context() as m:  # the version that scored and published it
        m.setattr(C, "TREE_CHECKS", earlier)
        result = ev.run(
            ev.load_catalogue(path),
            ev.load_dataset(data),
            period="2025",
            run_at="2026-01-15T09:00:00+00:00",
        )
    with Publication(tmp_path / "s.duckdb") as s:
        run = s.add_run(result, by="analyst")
        assert s.publish(run, by="director") == "published"
        same = reproduce(s, run)
    assert set(same) == set(ev.Result.TABLES) and all(same.values()), same
    with pytest.raises(ev.CatalogueError, match="peer"):
        ev.load_catalogue(path)


def test_a_result_saved_by_score_is_stored_as_the_same_bytes_as_in_memory(
    sample_result, tmp_path
):
    """What the store keeps does not depend on whether the analyst published the
    result in memory (a notebook) or from the folder `evaluation score` wrote."""
    loaded = load_result(save_result(sample_result, tmp_path / "result"))
    assert run_tables(loaded) == run_tables(sample_result)


# ------------------------------------------------ 公示 (public notice) and appeals
def test_an_annual_run_opens_a_public_notice_instead_of_being_final(store, tiny_result):
    period = store.add_run(tiny_result, by="analyst")
    assert store.publish(period, by="director") == "published"  # as before
    annual = store.add_run(tiny_result, graded(tiny_result), by="analyst")
    assert store.publish(annual, by="director", today=RELEASED_ON) == "notice"
    run = store.runs().set_index("run_id").loc[annual]
    assert run["status"] == "notice" and run["under_notice"] and not run["in_force"]
    assert (run["notice_from"], run["notice_until"]) == ("2026-01-12", "2026-01-18")
    assert store.in_force("annual", "2025") is None
    assert store.under_notice("annual", "2025") == annual
    assert store.in_force("period", "2025") == period
    # the 公示 is public: anyone reads it, unrecorded; nobody changes it
    assert len(store.table(annual, "grades")) == 3 and store.access_log().empty
    with pytest.raises(PublishedRunError, match="cannot change"):
        store.replace_table(annual, "grades", graded(tiny_result, "pass").grades)
    with pytest.raises(PublishedRunError, match="cannot be deleted"):
        store.delete(annual)
    with pytest.raises(LifecycleError, match="already under 公示"):
        store.publish(annual, by="director")


def test_the_notice_lasts_the_days_asked_for_in_beijing_time(
    store, tiny_result, monkeypatch
):
    five = store.add_run(tiny_result, graded(tiny_result), by="analyst")
    with pytest.raises(ev.EvaluationError, match="at least one day"):
        store.publish(five, by="director", notice_days=0)
    # 23:30 UTC on 11 January is already 07:30 on the 12th in Beijing
    real = publication.datetime

    class Clock(real):
        @classmethod
        def now(cls, tz=None):
            return real(2026, 1, 11, 23, 30, tzinfo=UTC).astimezone(tz)

    monkeypatch.setattr(publication, "datetime", Clock)
    assert publication.beijing_today() == RELEASED_ON
    store.publish(five, by="director", notice_days=5)
    run = store.runs().set_index("run_id").loc[five]
    assert (run["notice_from"], run["notice_until"]) == ("2026-01-12", "2026-01-16")


def test_appeals_are_taken_only_during_the_notice_and_only_from_graded_units(
    store, tiny_result
):
    annual = store.add_run(tiny_result, graded(tiny_result), by="analyst")
    with pytest.raises(LifecycleError, match="a draft, not yet released"):
        store.file_case(annual, unit_id="U2", by="二局", grounds="…")
    store.publish(annual, by="director", today=RELEASED_ON)
    during = RELEASED_ON + timedelta(days=3)

    def appeal(unit="U2", on=during, today=during):
        return store.file_case(
            annual, unit_id=unit, by="二局", grounds="四季度漏报", on=on, today=today
        )

    with pytest.raises(LifecycleError, match="outside it"):
        appeal(on=RELEASED_ON - timedelta(days=1))
    with pytest.raises(LifecycleError, match="ran from 2026-01-12 to 2026-01-18"):
        appeal(on=CLOSED, today=CLOSED)  # the day after the window
    with pytest.raises(ev.EvaluationError, match="after today"):
        appeal(on=during + timedelta(days=1))
    with pytest.raises(LifecycleError, match="'U9' is not in the grades"):
        appeal(unit="U9")
    first = appeal()
    # a paper appeal received on the last day, entered after the window closed
    late_entry = appeal(unit="U3", on=CLOSED - timedelta(days=1), today=CLOSED)
    cases = store.cases(annual)
    assert [first, late_entry] == [f"{annual}.c1", f"{annual}.c2"]
    assert cases["case_id"].tolist() == [first, late_entry]
    assert cases[["unit_id", "filed_at"]].values.tolist() == [
        ["U2", "2026-01-15"],
        ["U3", "2026-01-18"],
    ]
    assert cases["decision"].isna().all()
    assert store.cases(annual).columns.tolist() == storage.CASE_COLUMNS


def test_the_same_units_same_grounds_again_before_review_are_refused_naming_the_case(
    store, tiny_result
):
    """Two filings of one appeal (the same unit, the same grounds, whoever files
    it) while the first is undecided: the second is refused, naming the unit, the
    earlier case and its date, and what to do: review that case. Other grounds of
    the same unit, the same grounds of another unit, and the same grounds once the
    first case is decided (a further review is a new case) are recorded."""
    names = TINY_UNITS[["unit_id", "name_zh", "name_en"]]
    annual = store.add_run(
        tiny_result, Grades(names.assign(final_grade="good")), by="analyst"
    )
    store.publish(annual, by="director", today=RELEASED_ON)
    during = RELEASED_ON + timedelta(days=2)

    def appeal(unit, grounds, by="二局"):
        return store.file_case(
            annual, unit_id=unit, by=by, grounds=grounds, on=during, today=during
        )

    first = appeal("U2", "四季度漏报")
    with pytest.raises(LifecycleError) as refused:  # spaces around are no new grounds
        appeal("U2", " 四季度漏报 ", by="二局办公室")
    said = refused.value.words
    assert said.zh == (
        f"二局（U2）已于2026年1月14日对运行 {annual} 提出申诉 {first}，理由相同"
        "（“四季度漏报”），尚未复核，不重复登记：同一单位以同一理由提出的申诉，"
        "不论申诉人是谁，复核前只登记一项。请先复核该申诉：evaluation decide "
        f"{first} --store {shlex.quote(str(store.path))} --decision upheld|rejected"
        " --by 复核人 --note 复核意见"
        "（理由不同的，可另行申诉；复核后再次申请复核的，另立申诉）"
    )
    assert f"Bureau Two (U2) filed appeal case {first} against {annual}" in said.en
    assert "on 2026-01-14" in said.en and f"evaluation decide {first} " in said.en
    assert store.case_ids(annual) == [first]  # nothing recorded
    with pytest.raises(LifecycleError):  # nor a space between its words
        appeal("U2", "四季度 漏报")
    other_grounds = appeal("U2", "满意度测评样本有误")
    other_unit = appeal("U3", "四季度漏报", by="三局")
    store.decide(first, decision="rejected", by="考评委员会", note="数据核实无误")
    further = appeal("U2", "四季度漏报")
    assert [other_grounds, other_unit, further] == [
        f"{annual}.c2",
        f"{annual}.c3",
        f"{annual}.c4",
    ]


def test_after_the_notice_closes_with_an_undecided_appeal_the_run_cannot_be_final(
    store, tiny_result
):
    annual = store.add_run(tiny_result, graded(tiny_result), by="analyst")
    with pytest.raises(LifecycleError, match="is a draft: release it first"):
        store.finalise(annual, by="主任", today=CLOSED)
    store.publish(annual, by="director", today=RELEASED_ON)
    case = store.file_case(
        annual, unit_id="U2", by="二局", grounds="…", today=RELEASED_ON
    )
    with pytest.raises(LifecycleError, match="runs until 2026-01-18"):
        store.finalise(annual, by="主任", today=CLOSED - timedelta(days=1))
    with pytest.raises(LifecycleError, match=f"undecided appeal case.*{case}"):
        store.finalise(annual, by="主任", today=CLOSED)
    with pytest.raises(ev.EvaluationError, match="one of upheld, rejected"):
        store.decide(case, decision="withdrawn", by="考评委员会", note="…")
    store.decide(case, decision="rejected", by="考评委员会", note="数据核实无误")
    with pytest.raises(LifecycleError, match="decided already") as twice:
        store.decide(case, decision="upheld", by="考评委员会", note="再议")
    # the day it was decided, in Chinese as the office writes it (today's date)
    at = store.cases(annual).iloc[0]["decided_at"]
    y, m, d = (int(x) for x in str(at)[:10].split("-"))
    assert f"复核人考评委员会，{y}年{m}月{d}日）" in twice.value.words.zh
    store.finalise(annual, by="主任", today=CLOSED)
    run = store.runs().set_index("run_id").loc[annual]
    assert run["status"] == "published" and run["in_force"] and not run["under_notice"]
    assert store.in_force("annual", "2025") == annual
    decided = store.cases(annual).iloc[0]
    assert decided[["decision", "decided_by", "decision_note"]].tolist() == [
        "rejected",
        "考评委员会",
        "数据核实无误",
    ]
    with pytest.raises(LifecycleError, match="is final"):
        store.file_case(annual, unit_id="U3", by="三局", grounds="…", today=CLOSED)
    with pytest.raises(PublishedRunError, match="already published"):
        store.finalise(annual, by="主任", today=CLOSED)


def test_an_upheld_appeal_is_answered_by_a_corrected_version_with_its_own_notice(
    store, tiny_result
):
    v1 = store.add_run(tiny_result, graded(tiny_result), by="analyst")
    store.publish(v1, by="director", today=RELEASED_ON)
    case = store.file_case(v1, unit_id="U2", by="二局", grounds="…", today=RELEASED_ON)
    v2 = store.add_run(
        tiny_result, graded(tiny_result, "pass"), by="analyst", supersedes=v1,
        reason=f"复核 {case}",
    )  # fmt: skip
    one = f"appeal case {case} against {v1} is undecided"  # one case: singular
    with pytest.raises(LifecycleError, match=one):
        store.publish(v2, by="director", today=CLOSED)
    store.decide(case, decision="upheld", by="考评委员会", note="复核〔2026〕1号")
    with pytest.raises(LifecycleError, match="upheld: store the corrected version"):
        store.finalise(v1, by="主任", today=CLOSED)
    assert store.publish(v2, by="director", today=CLOSED) == "notice"
    runs = store.runs().set_index("run_id")
    assert not runs.loc[v1, "under_notice"] and runs.loc[v2, "under_notice"]
    assert runs.loc[v2, ["notice_from", "notice_until"]].tolist() == [
        "2026-01-19",
        "2026-01-25",
    ]
    assert publication.status_words(runs.loc[v1])[:2] == (
        "公示期间已更正",
        "corrected during notice",
    )
    with pytest.raises(LifecycleError, match=f"corrected during its 公示 by {v2}"):
        store.finalise(v1, by="主任", today=CLOSED + timedelta(days=7))
    with pytest.raises(LifecycleError, match=f"file the appeal against {v2}"):
        store.file_case(v1, unit_id="U3", by="三局", grounds="…", today=CLOSED)
    store.finalise(v2, by="主任", today=CLOSED + timedelta(days=7))
    assert store.in_force("annual", "2025") == v2
    assert store.table(v1, "grades")["final_grade"].eq("good").all()  # still kept
    # v2 is final now: v1's refusals no longer send the clerk to a step v2 refuses
    with pytest.raises(LifecycleError) as done:
        store.file_case(v1, unit_id="U3", by="三局", grounds="…", today=CLOSED)
    said = done.value.words
    assert f"由 {v2} 更正，{v2} 已于" in said.zh and "正式发布" in said.zh
    assert "不再受理申诉" in said.zh and f"evaluation appeal {v2} " in said.zh
    assert f"请针对 {v2} 提出申诉" not in said.zh
    assert f"{v2}, final since" in said.en
    with pytest.raises(LifecycleError) as done:
        store.finalise(v1, by="主任", today=CLOSED + timedelta(days=8))
    said = done.value.words
    assert f"{v2} 已于" in said.zh and "正式发布；本运行无需再办理正式发布" in said.zh
    assert f"请对 {v2} 办理正式发布" not in said.zh


def test_an_appeal_against_a_final_run_leaves_it_in_force_until_the_correction_is(
    store, tiny_result
):
    v1 = store.add_run(tiny_result, graded(tiny_result), by="analyst")
    store.publish(v1, by="director", today=RELEASED_ON)
    store.finalise(v1, by="主任", today=CLOSED)
    v2 = store.add_run(
        tiny_result, graded(tiny_result, "pass"), by="analyst", supersedes=v1,
        reason="复核〔2026〕2号",
    )  # fmt: skip
    store.publish(v2, by="director", today=CLOSED)
    assert store.in_force("annual", "2025") == v1  # the original decision stands
    assert store.under_notice("annual", "2025") == v2
    store.finalise(v2, by="主任", today=CLOSED + timedelta(days=7))
    runs = store.runs().set_index("run_id")
    assert runs["in_force"].tolist() == [False, True]
    assert publication.status_words(runs.loc[v1])[2:] == ("已被取代", "superseded")


# ------------------------------------------------ one run in force per kind and period
def test_a_second_first_version_for_a_period_in_force_is_refused_naming_the_run(
    store, tiny_catalogue, tmp_path, tiny_result
):
    rival = store.add_run(tiny_result, by="analyst 2")  # two drafts: nothing in force
    first = store.add_run(tiny_result, by="analyst")
    store.publish(first, by="director")
    again = tiny(tiny_catalogue, tmp_path)
    with pytest.raises(InForceError) as refused:
        store.add_run(again, by="analyst")
    message = str(refused.value)
    assert f"{first} is in force" in message
    assert f"--supersedes {first} --reason" in message
    assert "--appraisal" not in message  # a period run's correction: a result alone
    with pytest.raises(InForceError, match=f"{first} is in force"):
        store.publish(rival, by="director")  # the rival draft stays a draft
    assert store.runs()["in_force"].tolist() == [False, True]
    new = store.add_run(again, by="analyst", supersedes=first, reason="数据更正")
    store.publish(new, by="director")
    assert store.in_force("period", "2025") == new


def test_a_new_appraisal_of_a_year_under_notice_is_refused_and_names_the_notice(
    store, tiny_result
):
    v1 = store.add_run(tiny_result, graded(tiny_result), by="analyst")
    store.publish(v1, by="director", today=RELEASED_ON)
    with pytest.raises(InForceError, match=f"{v1} is under 公示.*until 2026-01-18"):
        store.add_run(tiny_result, graded(tiny_result, "pass"), by="analyst")
    # the ways to replace it, as an annual correction is stored: with its inputs
    with pytest.raises(InForceError) as refused:
        store.add_run(tiny_result, graded(tiny_result, "pass"), by="analyst")
    said = refused.value.words
    where = f"--store {shlex.quote(str(store.path))}"  # not the default store
    assert (
        f"（evaluation publish 结果文件夹 --appraisal 考评材料文件夹 {where} "
        f"--supersedes {v1} --reason …，或 evaluation appeal {v1} 结果文件夹 "
        f"--appraisal 考评材料文件夹 {where} --reason …）"
    ) in said.zh
    assert said.en.count(" --appraisal INPUTS ") == 2
    # a correction must be of the same kind and period
    with pytest.raises(LifecycleError, match="must be one too"):
        store.add_run(tiny_result, by="analyst", supersedes=v1, reason="…")
    with pytest.raises(LifecycleError, match="must be one too"):
        store.add_run(
            tiny_result, graded(tiny_result, year=2024), by="a", supersedes=v1,
            reason="…",
        )  # fmt: skip
    nothing = store.runs()
    with pytest.raises(InForceError):  # released at once: nothing is stored
        store.add_run(tiny_result, graded(tiny_result), by="analyst", release=True)
    pd.testing.assert_frame_equal(store.runs(), nothing)


def test_a_correction_corrects_the_latest_released_version(store, tiny_result):
    v1 = store.add_run(tiny_result, by="analyst")
    with pytest.raises(LifecycleError, match="is a draft: change it"):
        store.add_run(tiny_result, by="analyst", supersedes=v1, reason="…")
    store.publish(v1, by="director")
    v2 = store.add_run(tiny_result, by="a", supersedes=v1, reason="更正一")
    v3 = store.add_run(tiny_result, by="b", supersedes=v1, reason="更正二")
    store.publish(v2, by="director")
    with pytest.raises(LifecycleError, match=f"{v2} .*latest version; correct that"):
        store.publish(v3, by="director")
    with pytest.raises(LifecycleError, match="has been corrected already"):
        store.add_run(tiny_result, by="c", supersedes=v1, reason="更正三")
    assert store.runs().set_index("run_id")["in_force"].to_dict() == {
        v1: False,
        v2: True,
        v3: False,
    }


# ------------------------------------------------ stores written before the 公示
OLD_SCHEMA = """
CREATE TABLE runs (run_id VARCHAR PRIMARY KEY, chain VARCHAR NOT NULL,
    version INTEGER NOT NULL, supersedes VARCHAR, status VARCHAR NOT NULL,
    kind VARCHAR NOT NULL, period VARCHAR NOT NULL, reason VARCHAR,
    created_at VARCHAR NOT NULL, created_by VARCHAR NOT NULL, published_at VARCHAR,
    published_by VARCHAR, manifest VARCHAR NOT NULL);
CREATE TABLE run_tables (run_id VARCHAR NOT NULL, name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL, data BLOB NOT NULL, PRIMARY KEY (run_id, name));
CREATE TABLE access_log (run_id VARCHAR NOT NULL, viewer VARCHAR NOT NULL,
    viewed_at VARCHAR NOT NULL, what VARCHAR NOT NULL);
"""


def test_a_store_written_before_the_public_notice_still_opens(tmp_path, tiny_result):
    path = tmp_path / "old.duckdb"
    db = duckdb.connect(str(path))
    db.execute(OLD_SCHEMA)
    data = storage.parquet_bytes(graded(tiny_result).grades)
    db.execute(
        "INSERT INTO runs VALUES ('annual-2025-1.v1', 'annual-2025-1', 1, NULL, "
        "'published', 'annual', '2025', '', '2026-01-10T00:00:00+00:00', 'analyst', "
        "'2026-01-10T01:00:00+00:00', 'director', '{}')"
    )
    db.execute(
        "INSERT INTO run_tables VALUES ('annual-2025-1.v1', 'grades', ?, ?)",
        [hashlib.sha256(data).hexdigest(), data],
    )
    db.close()
    with Publication(path) as s:
        # no journal yet: nothing is written until the office adopts the store
        with pytest.raises(storage.TamperedError, match="--adopt"):
            s.add_run(tiny_result, by="analyst")
        s.adopt()
        runs = s.runs()
        assert runs[["run_id", "status", "in_force"]].values.tolist() == [
            ["annual-2025-1.v1", "published", True]
        ]
        assert runs[["notice_from", "notice_until"]].isna().all().all()
        assert s.cases().empty
        fix = s.add_run(
            tiny_result, graded(tiny_result, "pass"), by="analyst",
            supersedes="annual-2025-1.v1", reason="复核",
        )  # fmt: skip
        s.publish(fix, by="director", today=RELEASED_ON)
        s.file_case(fix, unit_id="U1", by="一局", grounds="…", today=RELEASED_ON)
    with Publication(path) as s:  # and opens again, unchanged
        assert s.under_notice("annual", "2025") == fix and len(s.cases()) == 1


# ------------------------------------------------ the command line
def test_the_cli_runs_the_annual_notice_appeals_review_correction_and_final(
    tmp_path, monkeypatch
):
    runner = CliRunner()
    store = tmp_path / "store.duckdb"
    out = tmp_path / "out"
    done = runner.invoke(
        app,
        ["score", str(ROOT / "data" / "sample"), "-p", "2025", "--out", str(out)],
    )
    assert done.exit_code == 0, done.output
    appraisal = tmp_path / "appraisal"
    shutil.copytree(ROOT / "data" / "sample" / "appraisal", appraisal)
    today = [RELEASED_ON]  # the clock the store reads (Beijing time)
    monkeypatch.setattr(publication, "beijing_today", lambda: today[0])

    def cli(*args, code=0):
        r = runner.invoke(app, [str(a) for a in args])
        assert r.exit_code == code, r.output
        assert "Traceback" not in r.output
        return r.output

    def appraise(*args, code=0):
        return cli(
            *args, "--by", "analyst", "--store", store, "--appraisal", appraisal,
            "--appraisal-config", ROOT / "appraisal.yaml", code=code,
        )  # fmt: skip

    said = appraise("publish", out / "result", "--release")
    run = "annual-2025-1.v1"
    assert (
        f"已将运行 {run} 存入发布库" in said and "2026年1月12日至2026年1月18日" in said
    )
    assert "published" not in said  # not final: under notice
    listed = cli("runs", "--store", store)
    assert "公示中" in listed and "2026年1月12日至2026年1月18日" in listed
    # D20 appeals during the notice; the committee upholds it on review
    today[0] = date(2026, 1, 14)
    said = cli(
        "appeal-case", run, "--unit", "D20", "--by", "D20 办公室",
        "--grounds", "重点工作数据有误", "--on", "2026-01-14", "--store", store,
    )  # fmt: skip
    case = f"{run}.c1"
    assert case in said
    refused = cli(
        "appeal-case", run, "--unit", "Z99", "--by", "某人", "--grounds", "…",
        "--store", store, code=1,
    )  # fmt: skip
    assert "'Z99' is not in the grades" in refused
    cli(
        "appeal-case", run, "--unit", "D20", "--by", "x", "--grounds", "…",
        "--on", "14/01/2026", "--store", store, code=2,
    )  # fmt: skip
    cli("decide", case, "--decision", "maybe", "--by", "x", "--note", "…", code=2)
    cli(
        "decide", case, "--decision", "upheld", "--by", "考评委员会",
        "--note", "复核〔2026〕1号", "--store", store,
    )  # fmt: skip
    assert "申诉成立" in cli("cases", run, "--store", store)
    refused = cli("finalise", run, "--by", "主任", "--store", store, code=1)
    assert "runs until 2026-01-18" in refused
    today[0] = CLOSED
    refused = cli("finalise", run, "--by", "主任", "--store", store, code=1)
    assert "upheld" in refused
    # the corrected version: D20's grade changed on review (an override)
    with Publication(store) as s:
        before = s.table(run, "grades").set_index("unit_id").at["D20", "final_grade"]
    after = "pass" if before != "pass" else "good"
    pd.DataFrame(
        [["D20", after, "复核：重点工作数据有误", "考评委员会", "2026-01-19"]],
        columns=["unit_id", "grade", "reason", "approved_by", "approved_on"],
    ).to_csv(appraisal / "overrides.csv", index=False, encoding="utf-8-sig")
    said = appraise("appeal", run, out / "result", "--reason", "复核〔2026〕1号")
    fixed = "annual-2025-1.v2"
    assert fixed in said
    listed = cli("runs", "--store", store)
    assert fixed in listed and "草稿" in listed
    changes = cli(
        "diff", run, fixed, "--store", store, "--viewer", "秘书长", "--lang", "en"
    )
    assert "1 change from" in changes and "D20" in changes and "Final grade" in changes
    said = cli("publish", "--run", fixed, "--by", "主任", "--store", store)
    assert "2026年1月19日至2026年1月25日" in said  # its own 公示
    refused = cli("finalise", run, "--by", "主任", "--store", store, code=1)
    assert f"corrected during its 公示 by {fixed}" in refused
    today[0] = CLOSED + timedelta(days=7)
    said = cli("finalise", fixed, "--by", "主任", "--store", store)
    assert f"已正式发布运行 {fixed}（现行有效）" in said
    listed = cli("runs", "--store", store).splitlines()
    assert next(x for x in listed if fixed in x).split()[1:3] == ["已发布", "现行"]
    assert next(x for x in listed if f"{run} " in x).split()[1] == "公示期间已更正"
    with Publication(store) as s:
        assert s.in_force("annual", "2025") == fixed
        log = s.access_log()  # the diff read three tables of the draft
        assert log[["run_id", "viewer"]].drop_duplicates().values.tolist() == [
            [fixed, "秘书长"]
        ]
        assert sorted(log["what"]) == ["composite", "grades", "ranks"]
    # a second, independent appraisal of 2025 is refused, and says what to do
    refused = appraise("publish", out / "result", "--release", code=1)
    assert f"{fixed} is in force" in refused and f"--supersedes {fixed}" in refused
