"""The publication store: drafts, immutable published runs, appeals, diff, access log,
atomic writes under SIGKILL, byte-for-byte reproduction."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest
from typer.testing import CliRunner

import evaluation as ev
from evaluation.cli import app
from evaluation.publication import PublishedRunError, Store, reproduce
from evaluation.store import save_result

from ..conftest import ROOT, TINY_ROWS, TINY_UNITS, write_dataset


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "store.duckdb") as s:
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
    from evaluation import publication
    from evaluation.store import load_result

    result = load_result(sys.argv[2])
    original = publication.Store._insert_table

    def slow(self, run_id, name, data):  # one table in, then wait to be killed
        original(self, run_id, name, data)
        Path(sys.argv[3]).write_text("inside the transaction")
        time.sleep(60)

    publication.Store._insert_table = slow
    with publication.Store(sys.argv[1]) as s:
        s.add_run(result, by="killed")
    """
)


def test_a_publish_killed_midway_leaves_the_store_as_it_was(tmp_path, tiny_result):
    path = tmp_path / "store.duckdb"
    with Store(path) as s:
        run = s.add_run(tiny_result, by="analyst")
        s.publish(run, by="director")
        before = (s.runs().drop(columns=["in_force"]), s.hashes(run))
    folder = save_result(tiny_result, tmp_path / "result")
    marker = tmp_path / "inside"
    script = tmp_path / "killer.py"
    script.write_text(KILLER, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(path), str(folder), str(marker)]
    )
    deadline = time.time() + 60
    while not marker.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert marker.exists(), "the child never reached the middle of the write"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with Store(path) as s:
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
        period="2025-M12",
        run_at="2026-01-15T09:00:00+00:00",
    )
    folder = "data/sample/appraisal"
    ap = A.appraise(
        A.load_config(ROOT / "appraisal.yaml"), result, A.load_inputs(ROOT / folder)
    )
    from evaluation import uncertainty as U

    intervals = U.run(result, U.Spec(n=200, normalisations=("catalogue", "minmax")))
    with Store(tmp_path / "s.duckdb") as s:
        run = s.add_run(
            result, ap, by="analyst", appraisal_inputs=folder, uncertainty=intervals
        )
        s.publish(run, by="director")
        same = reproduce(s, run, base=ROOT)
        info = s.manifest(run)
    assert set(same) == set(ev.Result.TABLES) | set(A.Appraisal.TABLES) | {
        "uncertainty"
    }
    assert all(same.values()), same
    assert info["appraisal"]["rules_version"] == "2025.1"
    assert info["catalogue_version"] and "inputs" in info["provenance"]


def test_the_cli_publishes_lists_appeals_and_diffs(tmp_path):
    runner = CliRunner()
    store = tmp_path / "store.duckdb"
    out = tmp_path / "out"
    done = runner.invoke(
        app,
        ["score", str(ROOT / "data" / "sample"), "-p", "2025-M12", "--out", str(out)],
    )
    assert done.exit_code == 0, done.output
    appraisal = tmp_path / "appraisal"
    shutil.copytree(ROOT / "data" / "sample" / "appraisal", appraisal)

    def cli(*args):
        r = runner.invoke(app, [str(a) for a in args])
        assert r.exit_code == 0, r.output
        return r.output

    said = cli(
        "publish",
        out / "result",
        "--appraisal",
        appraisal,
        "--by",
        "analyst",
        "--store",
        store,
        "--release",
        "--appraisal-config",
        ROOT / "appraisal.yaml",
    )
    run = said.split()[2]
    assert run == "annual-2025-1.v1" and "published annual-2025-1.v1" in said
    # the committee lowers D20 on review: an appeal with an override
    pd.DataFrame(
        [["D20", "good", "复核：重点工作数据有误", "考评委员会", "2026-02-01"]],
        columns=["unit_id", "grade", "reason", "approved_by", "approved_on"],
    ).to_csv(appraisal / "overrides.csv", index=False, encoding="utf-8-sig")
    said = cli(
        "appeal",
        run,
        out / "result",
        "--reason",
        "复核〔2026〕1号",
        "--by",
        "analyst",
        "--store",
        store,
        "--appraisal",
        appraisal,
        "--appraisal-config",
        ROOT / "appraisal.yaml",
    )
    assert "annual-2025-1.v2" in said
    listed = cli("runs", "--store", store)
    assert "annual-2025-1.v2" in listed and "draft" in listed
    changes = cli(
        "diff", run, "annual-2025-1.v2", "--store", store, "--viewer", "秘书长"
    )
    assert "1 change(s)" in changes and "D20" in changes and "final_grade" in changes
    cli("publish", "--run", "annual-2025-1.v2", "--by", "director", "--store", store)
    with Store(store) as s:
        assert s.in_force("annual", "2025") == "annual-2025-1.v2"
        log = s.access_log()  # the diff read three tables of the draft
        assert log[["run_id", "viewer"]].drop_duplicates().values.tolist() == [
            ["annual-2025-1.v2", "秘书长"]
        ]
        assert sorted(log["what"]) == ["composite", "grades", "ranks"]
