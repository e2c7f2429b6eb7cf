"""The publication store refuses in Chinese (the English after it; English alone
with --lang en), exit ≠ 0, nothing written: a backup that is not there, a store
changed with plain SQL (what `evaluation verify` lists, and every write refused),
a backup onto itself, a restore that would lose later records, a damaged or busy
store, a draft read without a name, a folder that holds no result. Expected words
are written here by hand; none says 未能完成 (an error without words of its own)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import time

import duckdb
import pytest
from typer.testing import CliRunner

from evaluation.cli import app
from evaluation.publish import store as storage

from ..conftest import ROOT

runner = CliRunner()
SAMPLE = ROOT / "data" / "sample"
CATALOGUE = ROOT / "indicators.yaml"
RUN = "period-2025-Q4-1.v1"  # the fixture store's released period run
UNWORDED = "未能完成"  # the heading of an error still said in English only


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def sql(path, statement):
    con = duckdb.connect(str(path))
    con.execute(statement)
    con.close()


def journal_length(path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM journal").fetchone()[0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def result(q4_result):
    return q4_result


@pytest.fixture(scope="module")
def store(q4_store):
    return q4_store


@pytest.fixture
def copy(store, tmp_path):
    path = tmp_path / "store.duckdb"
    shutil.copy(store, path)
    return path


def test_restore_from_a_backup_that_is_not_there(copy, tmp_path):
    missing = tmp_path / "备份" / "store-2026-01-31.duckdb"
    before = copy.read_bytes()
    done = invoke("restore", missing, "--store", copy)
    assert done.exit_code == 1
    assert done.output == f"没有备份文件 {missing}\nno backup file {missing}\n"
    assert copy.read_bytes() == before  # the store as it was
    nowhere = tmp_path / "new.duckdb"
    done = invoke("restore", missing, "--store", nowhere, "--lang", "en")
    assert done.exit_code == 1 and done.output == f"no backup file {missing}\n"
    assert not nowhere.exists()


def test_verify_lists_a_status_changed_with_sql_in_chinese(copy):
    sql(copy, f"UPDATE runs SET status = 'draft' WHERE run_id = '{RUN}'")
    before = copy.read_bytes()
    done = invoke("verify", copy)
    assert done.exit_code == 1
    assert done.output.splitlines() == [
        f"发布库 {copy} 在程序之外被改动（1处问题）：",
        f"  运行 {RUN} 在程序外被修改（状态：日志记录为 “已发布”，现为 “草稿”）",
    ]
    assert copy.read_bytes() == before
    english = invoke("verify", copy, "--lang", "en")
    assert english.exit_code == 1
    assert english.output.splitlines()[1] == (
        f"  run {RUN} was changed outside the program (status: recorded "
        '"published", now "draft")'
    )


def test_verify_lists_a_journal_record_rewritten_and_a_table_swapped(copy):
    sql(copy, "UPDATE journal SET recorded_at = '2020-01-01' WHERE seq = 1")
    sql(
        copy,
        "UPDATE run_tables SET data = (SELECT data FROM run_tables WHERE name = "
        f"'ranks') WHERE run_id = '{RUN}' AND name = 'composite'",
    )
    done = invoke("verify", copy)
    assert done.exit_code == 1
    assert done.output.splitlines() == [
        f"发布库 {copy} 在程序之外被改动（2处问题）：",
        f"  日志记录被改动：第1条记录（运行 {RUN}）的哈希与其内容不符",
        f"  运行 {RUN} 的综合得分表与其 SHA-256 不符（数据在程序之外被改动）",
    ]


def test_a_store_changed_with_sql_is_neither_written_nor_backed_up(copy, tmp_path):
    sql(copy, f"UPDATE runs SET created_by = '别人' WHERE run_id = '{RUN}'")
    records = journal_length(copy)
    dest = tmp_path / "offsite" / "copy.duckdb"
    backup = invoke("backup", dest, "--store", copy)
    assert backup.exit_code == 1
    assert backup.output.startswith(
        f"发布库 {copy} 在程序之外被改动：\n"
        f"  运行 {RUN} 在程序外被修改（存入人：日志记录为 “测试”，现为 “别人”）\n"
    )
    assert f"{copy} was changed outside the program:" in backup.output  # then English
    assert UNWORDED not in backup.output
    assert not dest.exists()
    assert journal_length(copy) == records


def test_a_correction_on_a_changed_store_is_refused_naming_the_change(result, copy):
    sql(copy, f"UPDATE runs SET period = '2025-Q3' WHERE run_id = '{RUN}'")
    records = journal_length(copy)
    done = invoke(
        "publish", result, "--store", copy, "--by", "李四", "--supersedes", RUN,
        "--reason", "复核更正",
    )  # fmt: skip
    assert done.exit_code == 1
    assert done.output.startswith(
        f"发布库 {copy} 中的运行 {RUN} 与日志最后的记录不符（报告期：日志记录为 "
        "“2025年第四季度”，现为 “2025年第三季度”）：它在程序之外被改动，未写入任何内容"
        "（请运行 "
        f"evaluation verify {copy} 核查）\n"
    )
    assert UNWORDED not in done.output
    assert journal_length(copy) == records


def test_a_backup_onto_the_store_itself(copy):
    done = invoke("backup", copy, "--store", copy)
    assert done.exit_code == 1
    assert done.output.startswith(f"发布库 {copy} 的备份须写到另一个文件\n")


def test_a_restore_that_would_lose_a_later_correction(result, copy, tmp_path):
    """The office backs up, then stores a correction (a draft): restoring the
    older backup would lose it, and is refused until --force."""
    backup = tmp_path / "backup.duckdb"
    assert invoke("backup", backup, "--store", copy).exit_code == 0
    done = invoke(
        "publish", result, "--store", copy, "--by", "李四", "--supersedes", RUN,
        "--reason", "复核更正",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    before = copy.read_bytes()
    done = invoke("restore", backup, "--store", copy)
    assert done.exit_code == 1
    assert done.output.startswith(
        f"发布库 {copy} 中有1条日志记录是备份 {backup} 所没有的（备份之后写入）：恢复将"
        "丢失这些记录。请先备份当前发布库，或加 --force\n"
    )
    assert copy.read_bytes() == before
    # the draft correction is read only by a named viewer (the view is recorded)
    draft = "period-2025-Q4-1.v2"
    done = invoke("diff", RUN, draft, "--store", copy)
    assert done.exit_code == 1
    assert done.output.startswith(
        f"运行 {draft} 是草稿：查看须写明查看人姓名（--viewer），"
        "发布前的每次查看均有记录\n"
    )
    adopt = invoke("verify", copy, "--adopt")
    assert adopt.exit_code == 1
    assert adopt.output.startswith(f"发布库 {copy} 已有日志：无需也不能再次建立\n")


def test_a_damaged_store_says_restore_it(tmp_path):
    damaged = tmp_path / "store.duckdb"
    damaged.write_bytes(b"not a database" * 100)
    done = invoke("runs", "--store", damaged)
    assert done.exit_code == 1
    assert done.output.startswith(
        f"发布库 {damaged} 无法打开：文件不是发布库，或已损坏。请用备份恢复："
        f"evaluation restore 备份文件 --store {damaged} --force\n"
        f"cannot open the store {damaged}: "
    )
    assert "Traceback" not in done.output


def read_only_disk(monkeypatch, read=None) -> None:
    """The store module's DuckDB on a read-only disk or folder, in DuckDB's own
    words: every open to write refused; an open to read as it is, or refused with
    ``read`` (an error's words, ``{path}`` filled)."""
    opened = duckdb.connect

    def connect(path, read_only=False, **kwargs):
        if not read_only:
            raise duckdb.IOException(
                f'IO Error: Cannot open file "{path}": Read-only file system'
            )
        if read is not None:
            raise duckdb.IOException(read.format(path=path))
        return opened(path, read_only=True, **kwargs)

    monkeypatch.setattr(storage.duckdb, "connect", connect)


def test_a_store_that_cannot_be_written_is_not_called_damaged(
    result, copy, monkeypatch
):
    """A sound store on a read-only disk or folder (a share mounted read-only): a
    publish is refused saying the store cannot be written and is unchanged. It said
    the file was damaged, to be restored from a backup with --force, which would
    replace a sound store. DuckDB's own words for it, as on a read-only mount."""
    read_only_disk(monkeypatch)
    before = copy.read_bytes()
    done = invoke("publish", result, "--store", copy, "--by", "王")
    assert done.exit_code == 1
    assert done.output.startswith(
        f"发布库 {copy} 无法写入：所在磁盘或文件夹只读，或没有写入权限；"
        "发布库未被改动，无须恢复。请检查写入权限，或用 --store 指定其他发布库\n"
        f"cannot write to the store {copy}: IO Error: "
    )
    assert "损坏" not in done.output and "--force" not in done.output
    assert copy.read_bytes() == before
    assert invoke("runs", "--store", copy).exit_code == 0  # still read


def test_a_damaged_store_on_a_read_only_disk_is_called_damaged(
    result, tmp_path, monkeypatch
):
    """A publish to a store that is damaged and also on a read-only disk: it would
    not open even to be read, so it is said to be damaged (restore it), not a sound
    store that cannot be written (无须恢复), which would leave it broken."""
    damaged = tmp_path / "store.duckdb"
    damaged.write_bytes(b"not a database" * 100)
    read_only_disk(monkeypatch)
    done = invoke("publish", result, "--store", damaged, "--by", "王")
    assert done.exit_code == 1
    said = f"发布库 {damaged} 无法打开：文件不是发布库，或已损坏。"
    assert done.output.startswith(said)
    assert "无须恢复" not in done.output


@pytest.mark.parametrize(
    "held",
    [
        'IO Error: Could not set lock on file "{path}": Conflicting lock is held',
        'IO Error: Cannot open file "{path}": Permission denied',
    ],
)
def test_a_store_held_or_unreadable_on_a_read_only_disk_is_not_called_damaged(
    result, copy, monkeypatch, held
):
    """A write refused by the disk, and the read-only open refused too, but for a
    lock another process holds or for this user's permissions: nothing says the
    file is damaged, so it is not to be restored from a backup (--force would
    replace a sound store)."""
    read_only_disk(monkeypatch, read=held)
    done = invoke("publish", result, "--store", copy, "--by", "王")
    assert done.exit_code == 1
    assert done.output.startswith(f"发布库 {copy} 无法写入：")
    assert "损坏" not in done.output and "--force" not in done.output


class _FullDisk:
    """A store's connection whose COMMIT fails as DuckDB's does on a full disk: the
    transaction is rolled back, then the error raised."""

    def __init__(self, db):
        self._db = db

    def execute(self, statement, *args):
        if statement == "COMMIT":
            self._db.execute("ROLLBACK")
            raise duckdb.TransactionException(
                "TransactionContext Error: Failed to commit: Could not write file "
                '"store.duckdb.wal": No space left on device'
            )
        return self._db.execute(statement, *args)

    def __getattr__(self, name):
        return getattr(self._db, name)


def test_a_publish_the_disk_cannot_hold_is_said_and_stores_nothing(
    result, copy, monkeypatch
):
    """The disk fills as the publish commits: 磁盘空间不足, nothing stored, the
    store as it was. The rollback's own error (no transaction is active) hid it,
    in an English traceback."""
    sealed = storage.Store._seal

    def seal_then_fill(self):
        sealed(self)
        self._db = _FullDisk(self._db)

    monkeypatch.setattr(storage.Store, "_seal", seal_then_fill)
    before = journal_length(copy)
    done = invoke(
        "publish", result, "--store", copy, "--by", "王",
        "--supersedes", RUN, "--reason", "复核",
    )  # fmt: skip
    assert done.exit_code == 1
    assert done.output.startswith(
        f"发布库 {copy} 未能写入：磁盘空间不足；本次未存入任何内容，发布库保持原样\n"
        f"could not write to the store {copy}: "
    )
    assert "No space left on device" in done.output
    assert "Traceback" not in done.output
    monkeypatch.undo()
    assert journal_length(copy) == before
    assert invoke("verify", copy).exit_code == 0


def test_a_folder_that_holds_no_result(tmp_path):
    folder = tmp_path / "结果"
    folder.mkdir()
    out = tmp_path / "media.csv"
    done = invoke("export", folder, "--out", out)
    assert done.exit_code == 1
    assert done.output.startswith(
        f"{folder} 不是评分结果文件夹（没有 provenance.json）："
        "请先运行 evaluation score\n"
    )
    assert not out.exists()


def test_the_folder_score_wrote_is_named_with_the_result_folder_inside_it(tmp_path):
    """``evaluation score DATA --out OUT`` writes the result to OUT/result; a clerk who
    passes OUT to export (or flags, publish …) read only 不是评分结果文件夹：请先运行
    evaluation score, having just run it. Now the message names OUT/result, exit 1,
    nothing written."""
    folder = tmp_path / "output"
    (folder / "result").mkdir(parents=True)
    (folder / "result" / "provenance.json").write_text("{}", encoding="utf-8")
    out = tmp_path / "media.csv"
    done = invoke("export", folder, "--out", out)
    assert done.exit_code == 1
    assert done.output.startswith(
        f"{folder} 是 evaluation score 的输出文件夹，不是评分结果文件夹（没有 "
        f"provenance.json）：结果文件夹是其中的 {folder / 'result'}，请改为指向它\n"
    )
    assert f"the result folder is {folder / 'result'} inside it" in done.output
    assert not out.exists()


HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import duckdb

    con = duckdb.connect(sys.argv[1])
    Path(sys.argv[2]).write_text("holding")
    time.sleep(float(sys.argv[3]))
    con.close()
    """
)


def test_a_busy_store_names_the_process_and_the_wait(copy, tmp_path, monkeypatch):
    marker, script = tmp_path / "holding", tmp_path / "holder.py"
    script.write_text(HOLDER, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, script, copy, marker, "3"])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the holder never opened the store"
        monkeypatch.setattr(storage, "WAIT", 0.2)
        done = invoke("runs", "--store", copy)
    finally:
        proc.wait(timeout=60)
    assert done.exit_code == 1
    assert done.output.startswith(
        f"发布库 {copy} 正被进程{proc.pid}使用（正在发布，或仪表板正在读取）；"
        "已等待0.2秒：请待其完成后再试\n"
    )


def test_the_dashboard_of_a_store_of_drafts_alone_says_what_to_release(
    result, tmp_path, monkeypatch
):
    """``publish`` without ``--release`` stores a draft, which no visitor may see:
    ``dashboard`` on that store says so, and how to release it, in Chinese then
    English, and serves nothing; it stopped on a traceback (PreventUpdate)."""
    import waitress

    def served(*args, **kwargs):
        raise AssertionError("a dashboard with nothing to show was served")

    monkeypatch.setattr(waitress, "serve", served)
    path = tmp_path / "drafts.duckdb"
    assert invoke("publish", result, "--store", path, "--by", "测试").exit_code == 0
    done = invoke("dashboard", path, "--port", 8050)
    assert done.exit_code == 1, done.output
    assert done.output.splitlines() == [
        f"{path} 中还没有正式发布的评估期运行，看板无可展示：草稿须先发布（evaluation "
        "runs 列出运行，evaluation publish --run 运行编号 发布草稿），再打开看板",
        f"{path} holds no released period run for the dashboard to show: release a "
        "draft first (evaluation runs lists them; evaluation publish --run ID "
        "releases one)",
    ]


def test_a_dashboard_on_a_port_in_use_says_so_in_chinese(store, monkeypatch):
    """Another program (or a dashboard started before) listens on the port: the
    clerk reads that the port is taken and what to do, not the system's English
    alone (Address already in use). waitress raises it as it would (a real second
    listener leaves waitress's wake-up pipe to the collector, a warning that
    would fall on another test)."""
    import errno
    import os

    import waitress

    def taken(*args, **kwargs):
        raise OSError(errno.EADDRINUSE, os.strerror(errno.EADDRINUSE))

    monkeypatch.setattr(waitress, "serve", taken)
    done = invoke("dashboard", store, "--host", "127.0.0.1", "--port", 8050)
    assert done.exit_code == 1, done.output
    assert done.output.splitlines()[-2:] == [
        "系统拒绝了这次操作：端口已被占用（另一个看板或程序正在使用）：请用 --port "
        "换一个端口，或先停止那个程序",
        "Address already in use",
    ]
