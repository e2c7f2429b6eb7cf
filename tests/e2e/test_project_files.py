"""The project's files as a new analyst meets them: what `make clean` removes (never
the store nor analysts' records), what `make run` installs (only what running
needs), which files the README's commands write (each its own, all git-ignored), and
the permissions of what the commands write (readable by colleagues, as any tool)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions

import pytest

from ..conftest import ROOT

STORE = "data/store.duckdb"


def make(*args: str, cwd=ROOT) -> str:
    done = subprocess.run(
        ["make", *args], cwd=cwd, capture_output=True, text=True, check=True
    )
    return done.stdout


needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="no make")


@needs_make
def test_make_clean_names_neither_the_store_nor_analysts_records():
    for extra in ([], ["STORE=elsewhere/office.duckdb", "OUT=out"]):
        planned = make("-n", "clean", *extra)
        for kept in ("store.duckdb", "office.duckdb", "ledger", "decisions"):
            assert kept not in planned, planned
        out = "out" if extra else "data/output"
        assert not re.search(rf"\s{re.escape(out)}/?(\s|$)", planned), planned


@needs_make
def test_make_clean_removes_what_make_run_computes_and_keeps_the_rest(tmp_path):
    shutil.copy(ROOT / "Makefile", tmp_path)
    computed = [
        ".venv/bin/python",
        ".pytest_cache/v/x",
        "data/output/result/composite.parquet",
        "data/output/annual/result/composite.parquet",
        "data/output/ranking_2025.csv",
        "data/output/ranking_2025-Q4.csv",
        "data/output/media_2025_zh.csv",
        "data/output/media_2025_zh_区县.csv",
        "data/output/media_2025_zh.说明.txt",
    ]
    kept = [
        "data/store.duckdb",
        "data/store.duckdb.wal",
        "data/ledger.csv",
        "data/output/flag_decisions.csv",
        "data/output/2025-M12/result/composite.parquet",  # an analyst's own run
        "data/output/report_2025.pdf",
        "data/backup/store.duckdb",
        "data/sample/units.csv",
    ]
    for name in computed + kept:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    make("clean", cwd=tmp_path)
    assert [n for n in computed if (tmp_path / n).exists()] == []
    assert [n for n in kept if not (tmp_path / n).exists()] == []


@needs_make
def test_make_run_publishes_to_the_default_store_without_removing_it():
    planned = make("-n", "-B", "publish", "run").replace("\\\n", " ")
    assert "rm " not in planned
    publishes = [line for line in planned.splitlines() if " publish " in line]
    assert len(publishes) == 2
    assert all(f"--store {STORE}" in line for line in publishes)
    assert planned.count("--skip-released") == 2
    assert f"evaluation dashboard {STORE}" in planned
    from evaluation.cli import DEFAULT_STORE

    assert str(DEFAULT_STORE) == STORE  # the commands' default: one store


@needs_make
def test_make_run_installs_only_the_runtime_and_make_test_the_dev_extra(tmp_path):
    for name in ("Makefile", "pyproject.toml", "requirements.lock"):
        shutil.copy(ROOT / name, tmp_path)  # no .venv: every install step planned
    run = make("-n", "run", cwd=tmp_path)
    installs = [line for line in run.splitlines() if "pip install" in line]
    assert any(line.endswith("-c requirements.lock -e .") for line in installs)
    assert "[dev]" not in run
    test = make("-n", "test", cwd=tmp_path)
    assert "-c requirements.lock -e '.[dev]'" in test


PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _names(requirements: list[str]) -> set[str]:
    return {
        re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0].lower().replace("_", "-")
        for r in requirements
    }


RUNTIME = _names(PYPROJECT["project"]["dependencies"])
DEV = _names(PYPROJECT["project"]["optional-dependencies"]["dev"])


def test_dev_extra_holds_the_tools_and_running_imports_none_of_them():
    """Tests and notebooks' tools live in [dev]; the package and the dashboard
    import no distribution that only [dev] brings (make run would fail)."""
    assert {"pytest", "hypothesis", "jupyterlab", "jupytext", "ruff"} <= DEV
    assert not (DEV - {"dash"}) & RUNTIME  # dash[testing] extends a runtime one
    provides = packages_distributions()
    imported = set()
    for folder in ("evaluation", "dashboards"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            imported |= set(re.findall(r"^\s*(?:from|import)\s+(\w+)", text, re.M))
    dists = {d.lower().replace("_", "-") for m in imported for d in provides.get(m, [])}
    only_dev = (DEV - RUNTIME) & dists
    assert only_dev == set()


def test_requirements_lock_pins_every_dependency():
    """make installs with requirements.lock as constraints: every runtime and dev
    dependency is pinned there (make lock writes it)."""
    pinned = {
        line.split("==")[0].lower().replace("_", "-")
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line
    }
    assert RUNTIME - pinned == set()
    assert DEV - pinned == set()


# ------------------------------------------------------------- README's commands
#: options whose value is a file or folder the command writes
WRITES = {
    "--out", "--report", "--reminders", "--html", "--persons", "--save-draws",
    "--sobol-out", "--ledger", "--decisions", "--store",
}  # fmt: skip


def readme_commands() -> list[list[str]]:
    """Every `evaluation …` command of the README's bash blocks, as words."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        joined = re.sub(r"\\\n", " ", block)
        for line in joined.splitlines():
            line = re.sub(r"\s#.*$", "", line)
            for part in line.split(";"):
                words = shlex.split(part)
                if words[:1] == ["evaluation"]:
                    commands.append(words[1:])
    return commands


def written(words: list[str]) -> list[str]:
    """The paths a README command writes, defaults included."""
    from evaluation.cli import DEFAULT_DECISIONS

    out = [v for k, v in zip(words, words[1:], strict=False) if k in WRITES]
    name = words[0]
    if name in ("generate", "backup"):
        out.append(words[1])
    if name == "score":
        out = [p for p in out if not p.endswith(".csv")] or ["data/output"]
        out = [f"{p}/result/" for p in out] + [
            *(v for k, v in zip(words, words[1:], strict=False) if k == "--ledger")
        ]
    deciding = {"--accept", "--dismiss"} & set(words)
    if name == "flags" and deciding and "--decisions" not in words:
        out.append(str(DEFAULT_DECISIONS))
    if name in ("publish", "appeal", "appeal-case", "decide", "finalise"):
        if "--store" not in words:
            out.append(STORE)
    if name == "national":
        out.append("data/output/national_x/")
    return out


def test_every_path_the_readme_writes_is_git_ignored_and_its_own():
    if (
        shutil.which("git") is None
        or subprocess.run(
            ["git", "-C", ROOT, "rev-parse"], capture_output=True, check=False
        ).returncode
    ):
        pytest.skip("not a git work tree")
    commands = readme_commands()
    assert len(commands) > 25
    paths = [p for words in commands for p in written(words)]
    assert STORE in paths and "data/output/2025-M12/result/" in paths
    probe = [p + "x" if p.endswith("/") else p for p in paths]
    probe += ["data/output/result/x", STORE, STORE + ".wal"]  # and make run's
    ignored = subprocess.run(
        ["git", "-C", ROOT, "check-ignore", "--no-index", "--stdin"],
        input="\n".join(probe),
        capture_output=True,
        text=True,
        check=False,
    ).stdout.splitlines()
    assert sorted(set(probe) - set(ignored)) == []
    files = [p for p in paths if not p.endswith("/") and p != STORE]
    twice = sorted({p for p in files if files.count(p) > 1} - {"data/ledger.csv"})
    assert twice == []  # the ledger is carried on; every other file is its own


def test_every_run_the_readme_names_is_one_its_commands_stored_before():
    """Typed in order, the README's commands name no run they never stored: a
    period run is `period-<P>-1.v1`, P the period of the score that wrote the
    folder published (2025-M12 for data/output/2025-M12/result), an annual run
    `annual-<year>-1.v1` from a publish with --appraisal, its correction v2."""
    periods, stored = {}, set()
    for words in readme_commands():
        opts = dict(zip(words, words[1:], strict=False))
        if words[0] == "score":
            periods[opts.get("--out", "data/output") + "/result"] = opts["--period"]
        for run in re.findall(r"(?:period|annual)-[\w-]+?-\d+\.v\d+", " ".join(words)):
            if words[0] == "appeal" and run == words[1]:
                stored.add(run[:-1] + str(int(run[-1]) + 1))
            assert run in stored, f"{run} (evaluation {' '.join(words)})"
        if words[0] == "publish" and words[1] in periods:
            period = periods[words[1]]
            if "--appraisal" in opts:
                stored.add(f"annual-{period[:4]}-1.v1")
            else:
                stored.add(f"period-{period}-1.v1")
    assert {"period-2025-M12-1.v1", "annual-2025-1.v1", "annual-2025-1.v2"} <= stored


# ------------------------------------------------------------------ permissions
def test_files_the_commands_write_are_readable_by_colleagues(tmp_path):
    """Under the usual umask 022, every file the commands write is 0644 and every
    folder 0755 (a temporary file is made owner-only; it must not stay so); under
    umask 027, 0640 and 0750: the user's umask decides, as for any tool."""
    for umask, file_mode, dir_mode in ((0o022, 0o644, 0o755), (0o027, 0o640, 0o750)):
        out = tmp_path / f"umask{umask:o}"
        steps = [
            ["generate", out / "city", "--departments", "4", "--districts", "2",
             "--months", "12"],
            ["score", out / "city", "--period", "2024", "--out", out],
            ["export", out / "result", "--out", out / "media.csv"],
            ["export", out / "result", "--out", out / "media.xlsx"],
            ["uncertainty", out / "result", "--out", out / "ranks.csv", "--draws",
             "20"],
        ]  # fmt: skip
        for args in steps:
            subprocess.run(
                [sys.executable, "-m", "evaluation.cli", *map(str, args)],
                cwd=ROOT,
                capture_output=True,
                check=True,
                timeout=600,
                preexec_fn=lambda u=umask: os.umask(u),
            )
        modes = {
            p.relative_to(out).as_posix(): stat.S_IMODE(p.stat().st_mode)
            for p in out.rglob("*")
        }
        assert {"media.csv", "media.xlsx", "ranks.csv", "ranking_2024.csv"} <= set(
            modes
        )
        assert any(name.startswith("result/") for name in modes)
        wrong = {
            name: f"{mode:o}"
            for name, mode in modes.items()
            if mode != (dir_mode if (out / name).is_dir() else file_mode)
        }
        assert wrong == {}
