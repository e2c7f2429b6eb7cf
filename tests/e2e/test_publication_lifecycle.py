"""Published as `make run` publishes, reproduced as an analyst reproduces.

A copy of the project (the sample city, ``indicators.yaml``, ``appraisal.yaml``) is
scored and published by the real command line, in separate processes, from the
project folder with the Makefile's relative paths: the period run with its
uncertainty draws, then the year's appraisal from the same annual result. Then
``publication.reproduce`` re-runs each stored run from its manifest and every table
must come out byte for byte as stored — from the project folder, from ``notebooks/``
(where JupyterLab starts a kernel), and from a copy of the project elsewhere.
"""

from __future__ import annotations

import hashlib
import re
import shlex
import shutil
import subprocess
import sys

import pytest

from evaluation.errors import EvaluationError
from evaluation.publish.publication import Publication, reproduce

from ..conftest import ROOT

STORE = "data/store.duckdb"  # the Makefile's, every command's default


def evaluation(cwd, *args, code=0) -> str:
    """The ``evaluation`` command, in its own process, run from ``cwd``."""
    done = subprocess.run(
        [sys.executable, "-m", "evaluation.cli", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    said = done.stdout + done.stderr
    assert done.returncode == code, said
    assert "Traceback" not in said
    return said


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "data" / "sample", root / "data" / "sample")
    for name in ("indicators.yaml", "appraisal.yaml"):
        shutil.copy(ROOT / name, root / name)
    (root / "notebooks").mkdir()
    # the Makefile's score and publish targets (fewer draws, to stay quick)
    evaluation(root, "score", "data/sample", "--period", "2025", "--out", "data/output")
    evaluation(
        root, "publish", "data/output/result", "--store", STORE, "--by", "make run",
        "--uncertainty-draws", 50, "--release", "--skip-released",
    )  # fmt: skip
    evaluation(
        root, "publish", "data/output/result", "--appraisal", "data/sample/appraisal",
        "--store", STORE, "--by", "make run", "--release", "--skip-released",
    )  # fmt: skip
    return root


RUNS = ("period-2025-1.v1", "annual-2025-1.v1")


def test_make_run_publishes_the_period_run_final_and_the_appraisal_under_notice(
    project,
):
    listed = evaluation(project, "runs")  # the default store: where make run published
    period, annual = (
        next(line for line in listed.splitlines() if run in line) for run in RUNS
    )
    assert period.split()[1:3] == ["已发布", "现行"]
    assert annual.split()[1] == "公示中" and "现行" not in annual


@pytest.mark.parametrize("where", [".", "notebooks"])
def test_every_stored_table_reproduces_byte_for_byte_from_any_folder(
    project, where, monkeypatch
):
    monkeypatch.chdir(project / where)
    with Publication(project / STORE) as s:
        for run in RUNS:
            same = reproduce(s, run)
            assert set(same) == set(s.hashes(run)), run  # every stored table
            assert "uncertainty" in same or run.startswith("annual")
            assert "grades" in same or run.startswith("period")
            assert all(same.values()), (run, [t for t, ok in same.items() if not ok])


def test_the_manifest_records_the_catalogue_files_bytes(project):
    """Beside its content hash, so that a later version reading the same file
    differently can still reproduce the run (with a warning)."""
    expected = hashlib.sha256((project / "indicators.yaml").read_bytes()).hexdigest()
    with Publication(project / STORE) as s:
        for run in RUNS:
            assert s.manifest(run)["provenance"]["catalogue_file_sha256"] == expected
    evaluation(project, "verify", STORE)  # the store as the program wrote it


def test_a_copy_of_the_project_reproduces_from_the_copys_own_files(
    project, tmp_path, monkeypatch
):
    copy = tmp_path / "elsewhere"
    shutil.copytree(project, copy)
    monkeypatch.chdir(tmp_path)
    with Publication(copy / STORE) as s:
        assert all(reproduce(s, "annual-2025-1.v1", base=copy).values())
        observations = next((copy / "data" / "sample" / "observations").glob("*.csv"))
        with open(observations, "a", encoding="utf-8") as f:
            f.write("\n")  # a changed input in the copy: its files were read
        with pytest.raises(EvaluationError, match="changed since the run"):
            reproduce(s, "period-2025-1.v1", base=copy)


def test_publishing_the_same_year_again_is_refused_naming_the_run_in_force(project):
    """Publishing the same year again by hand: one run per kind and period is in
    force, so it is refused, naming the way to correct it."""
    refused = evaluation(
        project, "publish", "data/output/result", "--store", STORE, "--by", "make run",
        "--uncertainty-draws", 50, "--release", code=1,
    )  # fmt: skip
    assert "period-2025-1.v1 is in force" in refused
    assert "--supersedes period-2025-1.v1 --reason" in refused
    refused = evaluation(
        project, "publish", "data/output/result", "--appraisal",
        "data/sample/appraisal", "--store", STORE, "--by", "make run", "--release",
        code=1,
    )  # fmt: skip
    assert "annual-2025-1.v1 is under 公示" in refused
    with Publication(project / STORE) as s:
        assert s.runs()["run_id"].tolist() == list(RUNS)  # nothing new stored


def test_the_refusals_replacement_commands_for_an_annual_run_work_as_given(
    project, tmp_path
):
    """A second release of the year's appraisal is refused with the commands that
    replace it; each, run as given (its placeholders filled in, from the project
    folder), stores the correction of the run under 公示: an annual correction
    needs its appraisal inputs, so both commands carry --appraisal."""
    refused = evaluation(
        project, "publish", "data/output/result", "--appraisal",
        "data/sample/appraisal", "--store", STORE, "--by", "王", "--release", code=1,
    )  # fmt: skip
    zh = refused.splitlines()[0]
    given = re.findall(r"evaluation (?:publish|appeal) [^，）]+", zh)
    assert [g.split()[1] for g in given] == ["publish", "appeal"]
    filled = {
        "结果文件夹": "data/output/result",
        "考评材料文件夹": "data/sample/appraisal",
        "…": "复核〔2026〕1号",
    }
    for i, command in enumerate(given):
        store = tmp_path / f"store{i}.duckdb"
        shutil.copy(project / STORE, store)
        args = [filled.get(word, word) for word in command.split()[1:]]
        evaluation(project, *args, "--by", "王", "--store", store)
        with Publication(store) as s:
            fixed = s.run("annual-2025-1.v2")
        assert (fixed["kind"], fixed["supersedes"]) == ("annual", "annual-2025-1.v1")


def test_make_run_again_keeps_the_released_runs_and_says_so(project):
    """`make run` a second time (or on a machine whose store holds the office's own
    2025 runs): the Makefile publishes with --skip-released, which stores nothing,
    says which runs it kept, exits 0, and leaves the store as it was."""
    with Publication(project / STORE) as s:
        before = s.head_hash()
    for extra in ([], ["--appraisal", "data/sample/appraisal"]):
        said = evaluation(
            project, "publish", "data/output/result", *extra, "--by", "make run",
            "--uncertainty-draws", 50, "--release", "--skip-released",
        )  # fmt: skip
        kept = RUNS[1] if extra else RUNS[0]
        assert f"已经发布（{kept}）：保持不变，未存入新运行" in said
        assert "已将运行" not in said
    with Publication(project / STORE) as s:
        assert s.runs()["run_id"].tolist() == list(RUNS)
        assert s.head_hash() == before  # not one record written
    evaluation(project, "verify")


def test_the_command_line_reproduces_what_it_published(project, tmp_path):
    """`evaluation reproduce RUN`, from another folder, as an analyst checks a
    published run: every stored table byte for byte (the period run's 15 stage
    tables and its rank intervals, 16; the annual run's 21), exit 0."""
    store = project / STORE
    for run, n in zip(RUNS, (16, 21), strict=True):
        said = evaluation(tmp_path, "reproduce", run, "--store", store)
        assert f"运行 {run} 已按记录重新计算：{n}张数据表与发布库中的逐字节一致" in said
        english = evaluation(
            tmp_path, "reproduce", run, "--store", store, "--lang", "en"
        )
        assert "逐字节" not in english and f"{n} tables identical" in english


@pytest.mark.parametrize(
    "edit, said",
    [("indicators.yaml", "指标体系文件 indicators.yaml 在该运行之后已被改动"),
     ("data/sample/observations/audit.csv", "评分所用的输入文件在该运行之后已被改动"),
     ("data/sample/appraisal/faults.csv", "中的考评输入数据在该运行之后已被改动")],
)  # fmt: skip
def test_a_file_edited_after_publishing_is_refused_not_scored_again(
    project, tmp_path, edit, said
):
    """A catalogue, a data file or an appraisal input changed after the run was
    published: reproduce refuses in Chinese (English after it), naming the file,
    exit 1; never a run scored again with the new file."""
    copy = tmp_path / "copy"
    shutil.copytree(project, copy)
    path = copy / edit
    text = path.read_bytes()
    if edit == "indicators.yaml":  # its content, not a comment
        path.write_bytes(text.replace(b'version: "2025.1"', b'version: "2025.2"'))
    else:
        path.write_bytes(text + b"\n")
    run = RUNS[1] if "appraisal" in edit else RUNS[0]
    refused = evaluation(
        tmp_path, "reproduce", run, "--store", copy / STORE, "--base", copy, code=1
    )
    assert said in refused
    assert "changed since the run" in refused  # the English after it
    assert "一致" not in refused


def test_what_changed_since_the_run_is_said_in_chinese(project, tmp_path):
    """The refusal lists the files as people read them, a removed one said so
    (not a Python list, ['events.csv', …]), and compares the catalogue's hashes
    in Chinese words."""
    copy = tmp_path / "copy"
    shutil.copytree(project, copy)
    sample = copy / "data" / "sample"
    (sample / "events.csv").unlink()
    with open(sample / "observations" / "audit.csv", "a", encoding="utf-8") as f:
        f.write("\n")
    refused = evaluation(
        tmp_path, "reproduce", RUNS[0], "--store", copy / STORE, "--base", copy, code=1
    )
    assert (
        "评分所用的输入文件在该运行之后已被改动：events.csv（已删除）、"
        "observations/audit.csv\n" in refused
    )
    assert "input files changed since the run: events.csv (removed), " in refused
    assert "[" not in refused
    catalogue = copy / "indicators.yaml"
    text = catalogue.read_text(encoding="utf-8")
    catalogue.write_text(text.replace('"2025.1"', '"2025.2"'), encoding="utf-8")
    refused = evaluation(
        tmp_path, "reproduce", RUNS[0], "--store", copy / STORE, "--base", copy, code=1
    )
    zh = refused.splitlines()[0]
    assert zh.startswith("指标体系文件 indicators.yaml 在该运行之后已被改动（内容哈希 ")
    assert "，记录为 " in zh and "；文件哈希 " in zh and "sha256" not in zh


def test_a_missing_data_folder_is_reported_as_score_reports_it(project, tmp_path):
    """The data folder moved away since the run: the problem said in Chinese, and
    the full report written where --report asks, as the hint under it says."""
    copy = tmp_path / "copy"
    shutil.copytree(project, copy)
    shutil.rmtree(copy / "data" / "sample")
    report = tmp_path / "problems.csv"
    refused = evaluation(
        tmp_path, "reproduce", RUNS[0], "--store", copy / STORE, "--base", copy,
        "--report", report, code=1,
    )  # fmt: skip
    assert "找不到数据文件夹" in refused
    assert "找不到数据文件夹" in report.read_text(encoding="utf-8-sig")


def test_a_moved_project_is_told_to_give_base(project, tmp_path):
    """The project moved (or was copied to another machine) since the run: the
    run's files are not where it recorded them, and the refusal says the way to
    reproduce it, --base with the project's new folder; given, it reproduces."""
    moved = tmp_path / "moved"
    shutil.copytree(project, moved)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    hint = "项目若已移到别处或复制到另一台机器，请加 --base 项目所在文件夹"
    gone = shutil.move(project, tmp_path / "gone")  # not where it was recorded
    try:
        refused = evaluation(
            elsewhere, "reproduce", RUNS[0], "--store", moved / STORE, code=1
        )
        assert refused.splitlines()[-2:] == [
            hint,
            "if the project has moved or been copied to another machine, add "
            "--base PROJECT_FOLDER",
        ]
        said = evaluation(
            elsewhere, "reproduce", RUNS[0], "--store", moved / STORE, "--base", moved
        )
        assert hint not in said and "逐字节一致" in said
    finally:
        shutil.move(gone, project)


def _step(said: str, before: str, after: str) -> list[str]:
    """The command a message prints between ``before`` and ``after``, as the shell
    reads it (its quoted store path one word)."""
    return shlex.split(said.split(before, 1)[1].split(after, 1)[0])


def test_the_printed_next_steps_act_on_the_store_the_user_gave(project, tmp_path):
    """Published into a store of the user's own (a folder with a space and Chinese
    in its name), each next step the command line prints carries that store, so
    that, copied as printed, it acts there and not on data/store.duckdb: the 公示's
    appeal-case and finalise, the filed case's decide, the upheld case's appeal,
    a second release's finalise."""
    store = tmp_path / "考评 2025" / "发布库.duckdb"
    store.parent.mkdir()
    said = evaluation(
        project, "publish", "data/output/result", "--appraisal",
        "data/sample/appraisal", "--store", store, "--by", "王", "--release",
    )  # fmt: skip
    run = "annual-2025-1.v1"
    file_case = _step(said, "公示期间可提出申诉：", "；")
    finalise = _step(said, "正式发布：", "\n")
    assert finalise[:5] == ["evaluation", "finalise", run, "--store", str(store)]
    filled = {"单位代码或名称": "D01", "申诉人": "王", "申诉理由": "数据有误"}
    said = evaluation(project, *(filled.get(w, w) for w in file_case[1:]))
    with Publication(store) as s:
        case = s.cases()["case_id"].tolist()
    assert len(case) == 1
    decide = _step(said, "复核：", "\n")
    assert decide[:5] == ["evaluation", "decide", case[0], "--store", str(store)]
    filled = {"upheld|rejected": "upheld", "复核人": "李", "复核意见": "成立"}
    said = evaluation(project, *(filled.get(w, w) for w in decide[1:]))
    appeal = _step(said, "请存入更正版本：", "，然后发布")
    assert appeal[:3] == ["evaluation", "appeal", run]
    assert appeal[appeal.index("--store") + 1] == str(store)
    refused = evaluation(  # its window still open: refused (on that store)
        project, *(w.replace("经办人", "王") for w in finalise[1:]), code=1
    )
    assert "公示期至" in refused
    refused = evaluation(
        project, "publish", "--run", run, "--store", store, "--by", "王", code=1
    )
    assert f"evaluation finalise {run} --store {shlex.quote(str(store))}" in refused
    with Publication(project / STORE) as s:  # the default store: untouched
        assert s.cases().empty
    english = evaluation(project, "runs", "--store", store, "--lang", "en")
    assert run in english


def test_a_next_step_on_the_default_store_stays_short():
    """The default store (as the command line defaults it, however typed) adds
    nothing to a printed command; another adds --store, quoted where it must be."""
    from pathlib import Path

    from evaluation.cli import DEFAULT_STORE
    from evaluation.publish.store import DEFAULT_PATH, store_option

    assert DEFAULT_STORE == DEFAULT_PATH
    for default in ("data/store.duckdb", Path("./data/store.duckdb"), None):
        assert store_option(default).zh == store_option(default).en == ""
    assert store_option("other.duckdb").en == " --store other.duckdb"
    assert shlex.split(store_option("/a b/库.duckdb").zh) == [
        "--store",
        "/a b/库.duckdb",
    ]
