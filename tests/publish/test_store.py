"""Where results are kept: result folders (atomic, lossless) and the publication
store's file (tables as Parquet bytes with their SHA-256, transactions, reading).
The lifecycle's rules on top of it are tests/publish/test_publication.py's."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from dataclasses import replace

import pandas as pd
import pytest

from evaluation.errors import EvaluationError
from evaluation.files import staging_host
from evaluation.publish.publication import Publication
from evaluation.publish.store import (
    CASE_COLUMNS,
    RUN_COLUMNS,
    PublishedRunError,
    Store,
    load_result,
    parquet_bytes,
    run_tables,
    save_result,
)
from evaluation.result import Result


# ------------------------------------------------------------ result folders
def test_a_result_folder_loads_back_equal(tiny_result, tmp_path):
    folder = save_result(tiny_result, tmp_path / "out" / "result")
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(
        ["provenance.json", "catalogue.json", *(f"{t}.parquet" for t in Result.TABLES)]
    )
    loaded = load_result(folder)
    assert loaded == tiny_result and loaded.digest() == tiny_result.digest()
    provenance = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
    assert provenance["period"] == "2025"


def test_saving_again_replaces_the_folder_whole(tiny_result, tmp_path):
    folder = save_result(tiny_result, tmp_path / "out" / "result")
    (folder / "stray.txt").write_text("left from before")
    changed = tiny_result.composite.assign(composite_score=1.0)
    save_result(replace(tiny_result, composite=changed), folder)
    assert not (folder / "stray.txt").exists()
    assert load_result(folder).composite["composite_score"].tolist() == [1.0] * 3
    assert [p.name for p in folder.parent.iterdir()] == ["result"]  # no temp left


def test_a_failed_save_leaves_the_previous_result_as_it_was(tiny_result, tmp_path):
    folder = save_result(tiny_result, tmp_path / "out" / "result")
    bad = pd.DataFrame({"oops": [object()]})  # a table Parquet cannot write
    with pytest.raises(Exception):  # noqa: B017 - pyarrow's own error
        save_result(replace(tiny_result, flags=bad), folder)
    assert load_result(folder) == tiny_result
    assert [p.name for p in folder.parent.iterdir()] == ["result"]


def test_a_killed_saves_staging_is_removed_by_the_next_and_a_running_ones_kept(
    tiny_result, tmp_path
):
    """A save killed midway (SIGKILL, a power cut) leaves its staging folder beside
    the result, named by its machine and process: the next save removes it. A
    running process's (a concurrent save, still writing) stays, as do another
    machine's (a shared folder: its processes are not seen from here) and a folder
    not named by one."""
    out = tmp_path / "out"
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    writing = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    host = staging_host()
    try:
        stale = out / f".result-{host}-{int(gone.stdout)}-k1ll3d_0"
        live = out / f".result-{host}-{writing.pid}-wr1t1ng0"
        other = out / f".result-{host}x-{int(gone.stdout)}-0th3r_h0"  # another host
        unnamed = out / ".result-abcd1234"  # a save's before pids named them
        for folder in (stale, live, other, unnamed):
            folder.mkdir(parents=True)
            (folder / "composite.parquet").write_bytes(b"PAR1 half written")
        save_result(tiny_result, out / "result")
        assert sorted(p.name for p in out.iterdir()) == sorted(
            [live.name, other.name, unnamed.name, "result"]
        )
        assert (live / "composite.parquet").read_bytes() == b"PAR1 half written"
        assert load_result(out / "result") == tiny_result
    finally:
        writing.kill()
        writing.wait()
    mode = os.stat(out / "result").st_mode & 0o777  # readers need it, not only we
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o777 & ~umask


def test_a_folder_that_is_no_result_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a result folder"):
        load_result(tmp_path)


# ------------------------------------------------------------ the store's file
def test_parquet_bytes_are_the_same_before_and_after_a_round_trip():
    # a table in memory (text as object) and as a result folder reads it back
    a = pd.DataFrame({"unit_id": pd.Series(["U1", "U2"], dtype=object), "x": [1.0, 2]})
    b = pd.read_parquet(io.BytesIO(a.to_parquet(index=False)))
    assert parquet_bytes(a) == parquet_bytes(b)


def test_every_table_of_a_run_in_a_fixed_order(tiny_result):
    tables = run_tables(tiny_result)
    assert list(tables) == list(Result.TABLES)
    assert all(isinstance(v, bytes) for v in tables.values())


def draft(store: Store, run_id: str, status="draft", supersedes=None, **fields):
    store.insert_run(
        run_id=run_id,
        chain=run_id.split(".")[0],
        version=int(run_id.rsplit("v", 1)[1]),
        supersedes=supersedes,
        status=status,
        kind="period",
        period="2025",
        reason="",
        created_at=f"2026-01-0{int(run_id[-1])}T00:00:00+00:00",
        created_by="analyst",
        manifest="{}",
        **fields,
    )


def test_an_empty_store_has_its_tables(tmp_path):
    with Store(tmp_path / "s.duckdb") as s:
        assert s.runs().columns.tolist() == RUN_COLUMNS and s.runs().empty
        assert s.cases().columns.tolist() == CASE_COLUMNS and s.cases().empty
        with pytest.raises(EvaluationError, match="no run 'x.v1'"):
            s.run("x.v1")


def test_a_transaction_that_fails_writes_nothing(tmp_path):
    with Store(tmp_path / "s.duckdb") as s:
        with pytest.raises(RuntimeError), s.transaction():
            draft(s, "c.v1")
            s.insert_table("c.v1", "composite", b"bytes")
            raise RuntimeError("killed")
        assert s.runs().empty and s.hashes("c.v1") == {}
        with s.transaction():
            draft(s, "c.v1")
            s.insert_table("c.v1", "composite", b"bytes")
    with Store(tmp_path / "s.duckdb") as s:  # and it is on disk
        assert s.hashes("c.v1") == {"composite": hashlib.sha256(b"bytes").hexdigest()}


def test_in_force_and_under_notice_are_read_from_the_chain(tmp_path):
    with Store(tmp_path / "s.duckdb") as s, s.transaction():
        draft(s, "c.v1", "published")
        draft(s, "c.v2", "published", supersedes="c.v1")
        draft(s, "c.v3", "notice", supersedes="c.v2")
        draft(s, "c.v4")
        runs = s.runs().set_index("run_id")
        # v2 superseded v1 (both final): v2 is in force until v3 is final
        assert runs["in_force"].to_dict() == {
            "c.v1": False,
            "c.v2": True,
            "c.v3": False,
            "c.v4": False,
        }
        assert runs["under_notice"][runs["under_notice"]].index.tolist() == ["c.v3"]
        assert s.in_force("period", "2025") == "c.v2"
        assert s.under_notice("period", "2025") == "c.v3"
        assert s.head("c")["run_id"] == "c.v3" and s.last_version("c") == 4
        assert s.released_successor("c.v2") == "c.v3"


def test_a_correction_made_during_its_predecessors_notice_replaces_the_run_in_force(
    tmp_path,
):
    """v1 final; v2 corrects it (公示中); v3 corrects v2 during that 公示 and is
    final: v3 alone is in force (v1 was replaced, if through a version that never
    became final), and v2, corrected, is no longer under notice."""
    with Store(tmp_path / "s.duckdb") as s, s.transaction():
        draft(s, "c.v1", "published")
        draft(s, "c.v2", "notice", supersedes="c.v1")
        draft(s, "c.v3", "published", supersedes="c.v2")
        runs = s.runs().set_index("run_id")
        assert runs["in_force"].to_dict() == {
            "c.v1": False,
            "c.v2": False,
            "c.v3": True,
        }
        assert not runs["under_notice"].any()
        assert s.in_force("period", "2025") == "c.v3"


def test_a_draft_is_read_only_by_a_named_viewer_and_the_view_recorded(tmp_path):
    frame = pd.DataFrame({"unit_id": ["U1"], "composite_score": [61.0]})
    with Store(tmp_path / "s.duckdb") as s:
        with s.transaction():
            draft(s, "c.v1")
            s.insert_table("c.v1", "composite", parquet_bytes(frame))
        with pytest.raises(PublishedRunError, match="name the viewer"):
            s.table("c.v1", "composite")
        pd.testing.assert_frame_equal(
            s.table("c.v1", "composite", viewer="张三"), frame
        )
        log = s.access_log()
        assert log[["run_id", "viewer", "what"]].values.tolist() == [
            ["c.v1", "张三", "composite"]
        ]
        with pytest.raises(KeyError, match="no table 'ranks'"):
            s.table("c.v1", "ranks", viewer="张三")


def test_appeal_cases_are_kept_in_the_order_recorded(tmp_path):
    with Store(tmp_path / "s.duckdb") as s, s.transaction():
        for k, unit in enumerate(["U2", "U1"], start=1):
            s.insert_case(
                case_id=f"c.v1.c{k}", run_id="c.v1", unit_id=unit, filed_by="x",
                filed_at="2026-01-12", grounds="…", recorded_at=f"2026-01-1{k}",
            )  # fmt: skip
        s.update_case("c.v1.c1", decision="rejected", decided_by="主任")
        assert s.case_ids("c.v1") == ["c.v1.c1", "c.v1.c2"]
        assert s.case_ids("c.v1", decided=False) == ["c.v1.c2"]
        assert s.case_ids("c.v1", decision="rejected") == ["c.v1.c1"]
        assert s.case("c.v1.c1")["decided_by"] == "主任" and s.case("nope") is None


def test_the_lifecycle_is_the_publications_not_the_stores():
    assert issubclass(Publication, Store)
    for step in ("add_run", "publish", "finalise", "file_case", "decide", "delete"):
        assert hasattr(Publication, step) and not hasattr(Store, step)


def test_a_run_stored_with_two_rules_of_one_kind_on_a_node_reads_back(
    tiny_result, tmp_path
):
    """A catalogue with two peer rules on the composite (robust z and bottom k) was
    scored and stored before such a pair was refused at load (55b4f13). Its runs
    stay readable: a result folder and a store's run read back with the catalogue
    they were scored with, both rules kept; a new catalogue with the pair is still
    refused."""
    from evaluation.catalogue import parse_catalogue
    from evaluation.errors import CatalogueError
    from evaluation.risk.rules import PeerPosition

    cat = tiny_result.catalogue
    pair = (
        PeerPosition(kind="peer", node="composite", method="robust_z", red=-3),
        PeerPosition(kind="peer", node="composite", method="bottom_k", red=1),
    )
    # as an earlier version built it (model_copy runs no check)
    rules = {"rules": (*cat.risk.rules, *pair)}
    old = cat.model_copy(update={"risk": cat.risk.model_copy(update=rules)})
    result = replace(tiny_result, catalogue=old)
    loaded = load_result(save_result(result, tmp_path / "result"))
    assert loaded.catalogue.risk.rules[-2:] == pair
    with Publication(tmp_path / "store.duckdb") as s:
        run_id = s.add_run(result, by="analyst")
        assert s.result(run_id, viewer="analyst").catalogue.risk.rules[-2:] == pair
    with pytest.raises(CatalogueError):
        parse_catalogue(old.model_dump(mode="json"))


class _TwoGrades:
    """Two annual runs' ``grades`` tables, as :meth:`Store.diff` reads them."""

    def __init__(self, **grades):
        self.grades = grades

    def run(self, run_id):
        return {"kind": "annual"}

    def table(self, run_id, name, viewer=None):
        if name != "grades":
            raise KeyError(name)
        return self.grades[run_id]


def test_a_correction_of_a_bonus_shows_the_bonus_that_moved_the_score():
    """白水县's appeal: a provincial commendation left out, +1 once upheld. Its parts
    考、评、议 are the same; 92.30 + 1 = 93.30, 3rd → 2nd, 良好 → 优秀. The diff
    names the bonus before the score it moved (and a deduction likewise), so the
    committee reads the cause beside the change."""
    cols = ["unit_id", "periods_score", "review_score", "survey_score",
            "deductions", "bonus", "score", "group_rank", "final_grade"]  # fmt: skip
    old = pd.DataFrame([["X09", 86.58, 97.47, 98.85, 0.0, 0.0, 92.30, 3, "good"],
                        ["X01", 56.00, 88.17, 61.99, 0.5, 0.0, 66.35, 10, "pass"]],
                       columns=cols)  # fmt: skip
    new = old.copy()
    new.loc[0, ["bonus", "score", "group_rank", "final_grade"]] = [
        1.0, 93.30, 2, "excellent"
    ]  # fmt: skip
    new.loc[1, ["deductions", "score"]] = [0.0, 66.85]
    changes = Store.diff(_TwoGrades(v1=old, v2=new), "v1", "v2")
    x09 = changes[changes["key"] == "X09"]
    assert x09["field"].tolist() == ["bonus", "score", "group_rank", "final_grade"]
    assert x09[["before", "after"]].values.tolist()[0] == [0.0, 1.0]
    x01 = changes[changes["key"] == "X01"]
    assert x01["field"].tolist() == ["deductions", "score"]
