"""Nothing lost, nothing altered unnoticed: every table read checked against its
SHA-256, a hash-chained journal that finds edits and deletions made with plain SQL,
`evaluation verify`, backup and restore, a store held by another process waited
for and named, and publishes killed at random moments."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import duckdb
import pytest
from typer.testing import CliRunner

from evaluation.cli import app
from evaluation.publish.publication import Publication
from evaluation.publish.store import (
    GENESIS,
    Store,
    StoreBusyError,
    TamperedError,
    save_result,
)

from .test_publication import CLOSED, RELEASED_ON, graded

runner = CliRunner()


@pytest.fixture
def published(tmp_path, tiny_result):
    """A store with a published period run and an annual run under 公示 with one
    decided appeal case; the path and the two run ids."""
    path = tmp_path / "store.duckdb"
    with Publication(path) as s:
        period = s.add_run(tiny_result, by="analyst", release=True)
        annual = s.add_run(
            tiny_result, graded(tiny_result), by="analyst", release=True,
            today=RELEASED_ON,
        )  # fmt: skip
        case = s.file_case(
            annual, unit_id="U1", by="U1", grounds="漏报", today=RELEASED_ON
        )
        s.decide(case, decision="rejected", by="委员会", note="无据", today=CLOSED)
    return path, period, annual


def sql(path, statement, *args):
    """What someone with write access to the file can do, bypassing the program."""
    con = duckdb.connect(str(path))
    con.execute(statement, list(args))
    con.close()


def test_an_untouched_store_verifies(published):
    path, _, _ = published
    with Store(path, read_only=True) as s:
        assert s.verify() == []
        assert s.head_hash() != GENESIS
    done = runner.invoke(app, ["verify", str(path)])
    assert done.exit_code == 0, done.output
    assert f"发布库完好：{path}，共2个运行" in done.output


def test_verify_takes_the_store_as_every_other_command_does(published, tmp_path):
    """``--store`` as ``runs``, ``backup`` and the others take it (it was refused:
    没有选项 --store), the store as an argument too; two different stores are refused,
    not one of them checked silently."""
    path, _, _ = published
    done = runner.invoke(app, ["verify", "--store", str(path)])
    assert done.exit_code == 0, done.output
    assert f"发布库完好：{path}，共2个运行" in done.output
    done = runner.invoke(app, ["verify", str(path), "--store", str(path)])
    assert done.exit_code == 0, done.output
    other = tmp_path / "other.duckdb"
    done = runner.invoke(app, ["verify", str(path), "--store", str(other)])
    assert done.exit_code == 1
    assert f"只能核验一个发布库：参数中的 {path} 与 --store 的 {other} 不是同一个" in (
        done.output
    )


def test_a_table_changed_with_sql_is_never_served(published, tiny_result):
    path, period, _ = published
    with Store(path) as s:
        other = s._db.execute(
            "SELECT data FROM run_tables WHERE run_id = ? AND name = 'ranks'", [period]
        ).fetchone()[0]
    # swap the composite scores for other valid Parquet bytes (no hash updated)
    sql(
        path,
        "UPDATE run_tables SET data = ? WHERE run_id = ? AND name = 'composite'",
        other,
        period,
    )
    with Store(path, read_only=True) as s:
        with pytest.raises(TamperedError, match=f"run {period}: table 'composite'"):
            s.table(period, "composite")
        s.table(period, "scores")  # the untouched tables still read
        problems = s.verify()
    assert problems == [
        f"运行 {period} 的综合得分表与其 SHA-256 不符（数据在程序之外被改动） / "
        f"run {period}: table 'composite' does not match its SHA-256 (its bytes were "
        "changed outside the program)"
    ]
    done = runner.invoke(app, ["verify", str(path)])
    assert done.exit_code == 1
    assert f"运行 {period} 的综合得分表与其 SHA-256 不符" in done.output
    assert "does not match" not in done.output  # Chinese only, by default
    done = runner.invoke(app, ["verify", str(path), "--lang", "en"])
    assert done.exit_code == 1
    assert "table 'composite' does not match" in done.output


def test_a_table_and_its_hash_changed_together_are_found_by_the_journal(published):
    path, period, _ = published
    sql(
        path,
        "UPDATE run_tables SET data = 'x'::BLOB, sha256 = sha256('x') "
        "WHERE run_id = ? AND name = 'composite'",
        period,
    )
    with Store(path, read_only=True) as s:
        (problem,) = s.verify()
    assert problem.startswith(
        f"运行 {period} 在程序外被修改（综合得分表的哈希（前12位）：日志记录为 "
    )
    assert (
        f"/ run {period} was changed outside the program (hash of table composite:"
    ) in problem


def test_a_published_run_turned_back_to_draft_cannot_be_deleted(published):
    path, period, _ = published
    sql(path, "UPDATE runs SET status = 'draft' WHERE run_id = ?", period)
    with Publication(path) as s:
        with pytest.raises(TamperedError, match="changed outside the program"):
            s.delete(period)
        assert period in set(s.runs()["run_id"])
        (problem,) = s.verify()
    assert problem == (
        f"运行 {period} 在程序外被修改（状态：日志记录为 “已发布”，现为 “草稿”） / "
        f'run {period} was changed outside the program (status: recorded "published", '
        'now "draft")'
    )


def test_a_run_deleted_with_sql_is_found(published):
    path, period, _ = published
    sql(path, "DELETE FROM run_tables WHERE run_id = ?", period)
    sql(path, "DELETE FROM runs WHERE run_id = ?", period)
    with Store(path, read_only=True) as s:
        (problem,) = s.verify()
    assert problem == (
        f"运行 {period} 在程序外被删除（日志记录为状态“已发布”，现已不存在） / "
        f"run {period} was deleted outside the program (recorded with status "
        "published, now missing)"
    )


def test_an_appeal_decision_changed_with_sql_is_found(published):
    path, _, annual = published
    sql(path, "UPDATE appeal_cases SET decision = 'upheld'")
    with Store(path, read_only=True) as s:
        (problem,) = s.verify()
    assert problem.startswith(
        f"申诉 {annual}.c1 在程序外被修改（复核结论：日志记录为 “申诉不成立”，"
        f"现为 “申诉成立”） / case {annual}.c1 was changed outside"
    )
    assert 'decision: recorded "rejected", now "upheld"' in problem


def test_a_rewritten_or_removed_journal_record_breaks_the_chain(published):
    path, _, _ = published
    sql(path, "UPDATE journal SET recorded_at = '2020-01-01' WHERE seq = 2")
    with Store(path, read_only=True) as s:
        assert s.verify() == [
            "日志记录被改动：第2条记录（运行 annual-2025-1.v1）的哈希与其内容不符 / "
            "journal: record 2 (run:annual-2025-1.v1) was altered (its hash does not "
            "match its contents)"
        ]
    sql(path, "DELETE FROM journal WHERE seq = 2")
    with Store(path, read_only=True) as s:
        problems = s.verify()
    assert problems[0] == (
        "日志缺记录：第2条记录缺失（此处为第3条） / journal: record 2 is missing "
        "(found 3)"
    )
    assert any("does not follow record" in p for p in problems)


def test_a_write_refuses_a_run_changed_outside_the_program(published, tiny_result):
    path, _, annual = published
    sql(path, "UPDATE runs SET notice_until = '2099-12-31' WHERE run_id = ?", annual)
    with Publication(path) as s:
        with pytest.raises(TamperedError, match="nothing was written"):
            s.finalise(annual, by="主任", today=CLOSED)
        assert s.runs().set_index("run_id").at[annual, "status"] == "notice"


def test_the_dashboard_refuses_a_changed_store(published):
    path, period, _ = published
    sql(path, "UPDATE runs SET published_by = 'someone else' WHERE run_id = ?", period)
    from dashboards.app import create_app

    with pytest.raises(TamperedError, match="the dashboard does not serve it"):
        create_app(path)


def test_a_store_without_a_journal_is_never_adopted_silently(published, tiny_result):
    """A store made before the journal, or one whose journal was dropped to hide an
    edit, is not taken as intact: verify says so, every write and read of a run is
    refused, until someone checks it and adopts it explicitly."""
    path, period, _ = published
    sql(path, "UPDATE runs SET status = 'draft' WHERE run_id = ?", period)
    sql(path, "DROP TABLE journal")  # hiding the edit
    with Store(path, read_only=True) as s:
        (problem,) = s.verify()
        assert "has runs but no journal" in problem and "--adopt" in problem
        with pytest.raises(TamperedError):
            s.table(period, "composite")
    with Publication(path) as s:
        with pytest.raises(TamperedError, match="nothing was written"):
            s.delete(period)
    done = runner.invoke(app, ["verify", str(path), "--adopt"])
    assert done.exit_code == 0, done.output
    with Store(path, read_only=True) as s:
        assert s.verify() == []
        n = s._db.execute("SELECT count(*) FROM journal").fetchone()[0]
    assert n == 3  # two runs and one appeal case, as found
    done = runner.invoke(app, ["verify", str(path), "--adopt"])  # once only
    assert done.exit_code == 1 and "has a journal already" in done.output


def test_a_run_or_tables_planted_with_sql_are_refused_not_sealed(published):
    path, period, annual = published
    sql(
        path,
        "INSERT INTO runs SELECT * REPLACE ('period-2025-1.v9' AS run_id, 9 AS "
        "version) FROM runs WHERE run_id = ?",
        period,
    )
    sql(
        path,
        "INSERT INTO run_tables SELECT 'period-2026-1.v1', name, sha256, data "
        "FROM run_tables WHERE run_id = ?",
        period,
    )
    with Store(path, read_only=True) as s:
        problems = s.verify()
    assert any("period-2025-1.v9 在程序外被添加" in p for p in problems)
    assert any("period-2026-1.v1 在程序外被添加" in p for p in problems)
    with Publication(path) as s:  # no write seals them
        with pytest.raises(TamperedError, match="differs from its journal"):
            s.finalise(annual, by="主任", today=CLOSED)


def test_a_decision_never_rests_on_an_appeal_deleted_with_sql(published, tmp_path):
    path, _, annual = published
    with Publication(path) as s:
        case = s.file_case(
            annual, unit_id="U2", by="U2", grounds="…", today=RELEASED_ON
        )  # pending: finalising is refused while it is
    sql(path, "DELETE FROM appeal_cases WHERE case_id = ?", case)
    with Publication(path) as s:
        with pytest.raises(TamperedError, match=f"申诉 {case}"):
            s.finalise(annual, by="主任", today=CLOSED)
        assert s.runs().set_index("run_id").at[annual, "status"] == "notice"


def test_a_manifest_edited_with_sql_is_not_served(published):
    path, period, _ = published
    sql(
        path,
        "UPDATE runs SET manifest = manifest || ' ' WHERE run_id = ?",
        period,
    )
    with Store(path, read_only=True) as s:
        with pytest.raises(TamperedError, match="manifest"):
            s.manifest(period)


def test_removing_the_latest_records_is_found_against_a_noted_head(published):
    path, _, annual = published
    with Store(path, read_only=True) as s:
        head = s.head_hash()
    # roll the decision back and drop its journal record: consistent inside the file
    sql(path, "UPDATE appeal_cases SET decision = NULL, decided_by = NULL, "
        "decided_at = NULL, decision_note = NULL")  # fmt: skip
    sql(path, "DELETE FROM journal WHERE seq = (SELECT max(seq) FROM journal)")
    with Store(path, read_only=True) as s:
        assert s.verify() == []  # what the file alone can tell
        (problem,) = s.verify(expect=head)
    assert "no longer in the chain" in problem
    done = runner.invoke(app, ["verify", str(path), "--expect", head])
    assert done.exit_code == 1


def test_a_damaged_store_is_a_message_and_restore_puts_a_backup_in_its_place(
    published, tmp_path
):
    path, period, _ = published
    copy = tmp_path / "copy.duckdb"
    assert (
        runner.invoke(app, ["backup", str(copy), "--store", str(path)]).exit_code == 0
    )
    path.write_bytes(b"not a database" * 100)
    done = runner.invoke(app, ["verify", str(path)])
    assert done.exit_code == 1 and "cannot open the store" in done.output
    assert "Traceback" not in done.output
    done = runner.invoke(app, ["restore", str(copy), "--store", str(path), "--force"])
    assert done.exit_code == 0, done.output
    assert list(tmp_path.glob("store.duckdb.damaged-*"))  # kept aside
    with Store(path, read_only=True) as s:
        assert s.verify() == [] and len(s.runs()) == 2


def test_backup_and_restore(published, tmp_path):
    path, period, _ = published
    copy = tmp_path / "offsite" / "copy.duckdb"
    done = runner.invoke(app, ["backup", str(copy), "--store", str(path)])
    assert done.exit_code == 0, done.output
    with Store(path, read_only=True) as s:
        head = s.head_hash()
    assert head in done.output
    # a later publication is in the store but not in the backup: not overwritten
    with Publication(path) as s:
        s.add_run(
            *[s.result(period)], by="analyst", supersedes=period, reason="更正"
        )  # a draft correction: one more journal record
    done = runner.invoke(app, ["restore", str(copy), "--store", str(path)])
    assert done.exit_code == 1 and "lacks" in done.output
    done = runner.invoke(app, ["restore", str(copy), "--store", str(path), "--force"])
    assert done.exit_code == 0, done.output
    with Store(path, read_only=True) as s:
        assert s.verify() == [] and s.head_hash() == head
        assert len(s.runs()) == 2
    # a changed backup is refused
    sql(copy, "UPDATE runs SET created_by = 'x'")
    done = runner.invoke(app, ["restore", str(copy), "--store", str(path), "--force"])
    assert done.exit_code == 1 and "changed outside the program" in done.output


HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from evaluation.publish.publication import Publication

    with Publication(sys.argv[1]) as s:
        Path(sys.argv[2]).write_text("holding")
        time.sleep(float(sys.argv[3]))
    """
)


def hold(tmp_path, path, seconds):
    """Another process with the store open for writing, for ``seconds``."""
    marker = tmp_path / f"holding-{time.monotonic_ns()}"
    script = tmp_path / "holder.py"
    script.write_text(HOLDER, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(path), str(marker), str(seconds)]
    )
    deadline = time.time() + 60
    while not marker.exists() and time.time() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the holder never opened the store"
    return proc


def test_a_held_store_is_waited_for_then_named(published, tmp_path):
    path, _, _ = published
    proc = hold(tmp_path, path, 3)
    try:
        with pytest.raises(StoreBusyError, match=f"in use by process {proc.pid}"):
            Store(path, read_only=True, wait=0.3)
        with Store(path, read_only=True, wait=30) as s:  # waits for the writer
            assert len(s.runs()) == 2
    finally:
        proc.wait()


def test_the_cli_says_the_store_is_busy_without_a_traceback(published, tmp_path):
    path, _, _ = published
    proc = hold(tmp_path, path, 20)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "evaluation.cli", "runs", "--store", str(path)],
            capture_output=True,
            text=True,
            env={**os.environ, "EVALUATION_STORE_WAIT": "0.5"},
            timeout=60,
        )
    finally:
        proc.kill()
        proc.wait()
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"is in use by process {proc.pid}" in done.stderr


KILLED = textwrap.dedent(
    """
    import sys, time
    from datetime import date
    from pathlib import Path
    from evaluation.publish import store as storage
    from evaluation.publish.publication import Publication
    from evaluation.publish.store import load_result

    path, folder, step, target, marker = sys.argv[1:6]

    def stall(write):  # one write in, then wait inside the transaction to be killed
        def slow(self, *args, **kwargs):
            write(self, *args, **kwargs)
            Path(marker).write_text(step)
            time.sleep(60)
        return slow

    for name in ("insert_table", "update_run", "insert_case", "update_case"):
        setattr(storage.Store, name, stall(getattr(storage.Store, name)))
    result = load_result(folder)
    with Publication(path) as s:
        if step == "publish":
            head = s.in_force("period", "2025")
            s.add_run(result, by="analyst", supersedes=head, reason="更正",
                      release=True)
        elif step == "appeal":
            s.file_case(target, unit_id="U2", by="U2", grounds="复核",
                        today=date(2026, 1, 12))
        elif step == "finalise":
            s.finalise(target, by="主任", today=date(2026, 1, 19))
    """
)


def test_writes_killed_mid_transaction_lose_nothing(published, tmp_path, tiny_result):
    """SIGKILL inside the transaction of a publish, an appeal and a 公示 closing,
    at random moments after its first write, three times each: the store is as it
    was (every run, case and table hash), verifies, and the run in force reads the
    same bytes."""
    path, period, annual = published
    folder = save_result(tiny_result, tmp_path / "result")
    script = tmp_path / "killed.py"
    script.write_text(KILLED, encoding="utf-8")

    def state():
        with Store(path, read_only=True) as s:
            assert s.verify() == []
            runs = s.runs().drop(columns=["in_force", "under_notice"])
            return (
                runs.to_dict("records"),
                s.cases().to_dict("records"),
                {r: s.hashes(r) for r in runs["run_id"]},
            )

    before = state()
    rng = random.Random(15)
    killed = 0
    for step, target in [("publish", period), ("appeal", annual),
                         ("finalise", annual)] * 3:  # fmt: skip
        marker = tmp_path / f"inside-{step}-{killed}"
        proc = subprocess.Popen(
            [sys.executable, str(script), str(path), str(folder), step, target,
             str(marker)]
        )  # fmt: skip
        deadline = time.time() + 120
        while not marker.exists() and proc.poll() is None and time.time() < deadline:
            time.sleep(0.02)
        assert marker.exists(), f"{step}: the child never wrote inside a transaction"
        time.sleep(rng.uniform(0.0, 0.3))
        assert proc.poll() is None  # still inside: the kill lands mid-transaction
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        killed += 1
        assert state() == before, step
    assert killed == 9


PUBLISHER = textwrap.dedent(
    """
    import dataclasses, sys, time
    from evaluation.publish import publication
    from evaluation.publish.store import load_result

    path, folder, period = sys.argv[1:4]
    result = load_result(folder)
    result = dataclasses.replace(
        result, provenance=dataclasses.replace(result.provenance, period=period)
    )
    original = publication.Publication.insert_table

    def slow(self, run_id, name, data):  # a long write: the other one must wait
        original(self, run_id, name, data)
        time.sleep(0.1)

    publication.Publication.insert_table = slow
    with publication.Publication(path) as s:
        print(s.add_run(result, by=period, release=True))
    """
)


def test_two_publishers_at_once_take_turns(tmp_path, tiny_result):
    path = tmp_path / "store.duckdb"
    folder = save_result(tiny_result, tmp_path / "result")
    script = tmp_path / "publisher.py"
    script.write_text(PUBLISHER, encoding="utf-8")
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(path), str(folder), period],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for period in ("2024", "2025")
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    with Store(path, read_only=True) as s:
        assert s.verify() == []
        runs = s.runs()
        assert sorted(runs["run_id"]) == ["period-2024-1.v1", "period-2025-1.v1"]
        assert runs["in_force"].all()
        # each run's tables all written within its own transaction: 2 records
        n = s._db.execute("SELECT count(*) FROM journal").fetchone()[0]
    assert n == 2


def test_the_dashboard_command_says_why_it_serves_nothing_in_chinese_first(
    published, tmp_path
):
    """``evaluation dashboard`` on a changed store, a missing store or a folder that
    is no result says so in Chinese, then in English (the dashboard speaks both),
    and serves nothing."""
    path, period, _ = published
    sql(path, "UPDATE runs SET published_by = 'someone else' WHERE run_id = ?", period)
    cases = {
        path: ("在程序之外被改动，仪表板不予展示", "the dashboard does not serve it"),
        tmp_path / "none.duckdb": ("处没有发布库", "no publication store at"),
        tmp_path: ("既不是评分结果文件夹", "is not a result folder"),
    }
    for source, (zh, en) in cases.items():
        said = CliRunner().invoke(app, ["dashboard", str(source)])
        assert said.exit_code == 1, said.output
        assert zh in said.stderr and en in said.stderr
        assert said.stderr.index(zh) < said.stderr.index(en)  # Chinese first
    said = CliRunner().invoke(app, ["dashboard", str(path)])
    # what differs, listed in each language
    assert "正式发布人" in said.stderr and "published_by" in said.stderr
