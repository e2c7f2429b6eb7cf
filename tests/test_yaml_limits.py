"""Hostile YAML (an alias bomb, deep nesting, a huge file) is refused fast with a
problem naming the file, through the command a user runs; YAML that uses a few
anchors and merges as people write them still loads."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import evaluation as ev
from evaluation import appraisal as A
from evaluation import files
from evaluation.cli import app

from .conftest import ROOT, TINY, TINY_ROWS, TINY_UNITS, write_dataset

#: a list of nine strings, then eight lists each of nine aliases of the one before:
#: 396 bytes (52 + 8 × 43), 9**9 strings expanded
BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n"
    for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)


#: the ``evaluation`` command in its own process, timed from its start, once the
#: package is imported (2-3 s of imports, more on a busy machine, are not the bomb's)
TIMED = """
import sys, time
from evaluation.cli import app
start = time.perf_counter()
try:
    app(sys.argv[1:], prog_name="evaluation")
finally:
    print(f"took {time.perf_counter() - start:.3f} s", file=sys.stderr)
"""


def evaluation(*args) -> tuple[subprocess.CompletedProcess, float]:
    """The ``evaluation`` command in its own process, and how long it ran."""
    done = subprocess.run(
        [sys.executable, "-c", TIMED, *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,  # the bomb used to run until killed
        check=False,
    )
    took = re.search(r"took ([0-9.]+) s", done.stderr)
    assert took, done.stderr
    return done, float(took.group(1))


def test_the_bomb_is_small_and_expands_past_any_budget():
    assert len(BOMB.encode()) < 1024
    assert BOMB.count("*") == 8 * 9  # 72 aliases: few, each worth 9**k strings


def test_a_billion_laughs_catalogue_is_refused_by_validate_within_seconds(tmp_path):
    bomb = tmp_path / "indicators.yaml"
    bomb.write_text(BOMB, encoding="utf-8")
    done, seconds = evaluation("validate", ROOT / "data" / "sample", "-c", bomb)
    assert done.returncode == 1, done.stderr
    assert seconds < 10, seconds  # unguarded: killed after 60 s (10 s: a loaded CI)
    assert "indicators.yaml" in done.stderr
    assert "billion laughs" in done.stderr
    # nodes counted with aliases expanded (a list: 1 + its items): a = 10, b = 1 +
    # 9 × 10 = 91, c = 820, d = 7381, e = 66,430; with the mapping and the keys the
    # file has 1 + 5 + 10 + 91 + 820 + 7381 + 66,430 = 74,738 nodes by the end of
    # line 5; line 6 adds 'f' and its list (74,740), then its first *e: 141,170
    # > 100,000, refused at the '*' in column 8
    assert "line 6, column 8: aliases expand" in done.stderr, done.stderr
    assert "(got *e)" in done.stderr
    # Chinese first (the default --lang zh), its place in Chinese words too
    zh = "第6行第8列：别名层层嵌套，展开后全文超过100000个节点"
    assert zh in done.stderr, done.stderr
    assert done.stderr.index(zh) < done.stderr.index("line 6, column 8")
    assert len(done.stderr) < 2_000
    assert "Traceback" not in done.stderr


@pytest.fixture(scope="module")
def tiny_result_folder(tmp_path_factory) -> Path:
    """A scored tiny city (the result ``publish`` reads before appraisal.yaml)."""
    root = tmp_path_factory.mktemp("tiny")
    catalogue = root / "tiny.yaml"
    catalogue.write_text(yaml.safe_dump(TINY, allow_unicode=True), encoding="utf-8")
    data = write_dataset(root / "data", TINY_UNITS, TINY_ROWS)
    out = root / "out"
    args = ["score", data, "--period", "2025", "--out", out, "-c", catalogue]
    done = CliRunner().invoke(app, [str(a) for a in args])
    assert done.exit_code == 0, done.output
    return out / "result"


def test_a_billion_laughs_appraisal_yaml_is_refused_by_publish_within_seconds(
    tiny_result_folder, tmp_path
):
    bomb = tmp_path / "appraisal.yaml"
    bomb.write_text(BOMB, encoding="utf-8")
    (tmp_path / "inputs").mkdir()
    store, report = tmp_path / "store.duckdb", tmp_path / "problems.csv"
    done, seconds = evaluation(
        "publish", tiny_result_folder, "--appraisal", tmp_path / "inputs",
        "--appraisal-config", bomb, "--store", store, "--by", "测试",
        "--report", report,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert seconds < 10, seconds  # the interpreter and its imports on a loaded CI
    assert "appraisal.yaml" in done.stderr and "billion laughs" in done.stderr
    assert "Traceback" not in done.stderr
    assert not store.exists()
    # --report: the one problem, in Chinese (the place in its words, its line in
    # the row column, no field path)
    assert report.read_text(encoding="utf-8-sig").splitlines() == [
        "文件,行,列,值,规则",
        "appraisal.yaml,6,,*e,第6行第8列：别名层层嵌套，展开后全文超过100000个节点："
        "请把各项直接写出，不用别名",
    ]


def refused(path: Path, load=ev.load_catalogue) -> dict:
    """The one problem ``load`` names for ``path``, as a row."""
    with pytest.raises(ev.CatalogueError) as info:
        load(path)
    assert len(info.value.problems) == 1, info.value.problems
    return info.value.problems.iloc[0].to_dict()


# each: the YAML text, where and what the problem names
HOSTILE = {
    "too many aliases": (
        "a: &a 1\nb: [" + ", ".join(["*a"] * 1001) + "]\n",
        "line 2, column 4005",  # the 1,001st '*a', 4 characters apart from column 5
        "*a",
        "more than 1000 aliases",
    ),
    "a merge bomb": (
        "a: &a {x: 1, y: 2}\n"
        + "".join(
            f"m{i}: &m{i} {{<<: *{p}, p{i}: *{p}, q{i}: *{p}, r{i}: *{p}}}\n"
            for i, p in enumerate(["a", *[f"m{j}" for j in range(12)]])
        ),
        None,
        None,
        "billion laughs",
    ),
    "an alias inside its own node": (
        "a: &a [1, *a]\n",
        "line 1, column 11",
        "*a",
        "loop",
    ),
    "nesting 101 deep": (
        "a: " + "[" * 101 + "]" * 101 + "\n",
        "line 1, column 103",  # the 100th '[': with the mapping, level 101
        "",
        "nested more than 100 levels deep",
    ),
    "an integer of 5,000 digits": ("a: " + "9" * 5000 + "\n", "", "", "cannot hold"),
    "a date that is not one": ("a: 2025-02-30\n", "", "", "cannot hold"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
@pytest.mark.parametrize("load", [ev.load_catalogue, A.load_config])
def test_hostile_yaml_is_one_problem_naming_file_and_place(case, load, tmp_path):
    text, where, value, rule = HOSTILE[case]
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    row = refused(path, load)
    assert time.perf_counter() - start < 1
    assert row["file"] == "hostile.yaml"
    assert rule in row["rule"]
    if where is not None:  # the place said in the rule's words, as a syntax error's
        assert (row["path"], row["value"]) == ("", value)
        assert row["rule"].startswith(f"{where}: " if where else "")


def test_a_broken_limit_is_said_in_chinese_then_english(tmp_path):
    """Each limit in the words of yaml_problem, Chinese first, its line and column
    (1-based) in both languages: the limits a user cannot fix alone are the more in
    need of words an office reads."""
    deep = "a: " + "[" * 101 + "]" * 101 + "\n"  # the 100th '[' at column 3 + 100
    aliases = "a: &a 1\nb: [" + ", ".join(["*a"] * 1001) + "]\n"
    # the mapping, 'a' and the list are 3 nodes: the 99,998th '1' is the 100,001st
    # node, at column 5 + 3 × 99,997 (the first '1' at column 5, each 3 further on)
    wide = "a: [" + ", ".join(["1"] * 100_000) + "]\n"
    cases = {
        "a: &a [1, *a]\n": (
            "第1行第11列：别名（*name）位于它所指的节点之内（循环引用）",
            "line 1, column 11: an alias inside the node it names (a loop)",
        ),
        deep: (
            "第1行第103列：嵌套超过100层",
            "line 1, column 103: nested more than 100 levels deep",
        ),
        aliases: (
            "第2行第4005列：别名（*name）超过1000个",
            "line 2, column 4005: more than 1000 aliases (*name)",
        ),
        wide: (
            "第1行第299996列：节点（键、值、列表）超过100000个",
            "line 1, column 299996: more than 100000 nodes (keys, values, lists)",
        ),
    }
    for text, (zh, en) in cases.items():
        row = refused(write(tmp_path, text))
        assert (row["path"], row["rule_zh"], row["rule"]) == ("", zh, en)


def test_a_file_past_the_size_limit_is_refused_unread(tmp_path, monkeypatch):
    path = tmp_path / "indicators.yaml"
    path.write_text("# " + "x" * 98 + "\n", encoding="utf-8")  # 101 bytes
    monkeypatch.setattr(files, "MAX_YAML_BYTES", 100)
    row = refused(path)
    assert (row["value"], row["rule"]) == (
        "101 bytes",
        "file too large: at most 100 bytes",
    )


def test_the_limits_are_limits_not_less(tmp_path):
    """1,000 aliases, 100 levels and 100,000 nodes load."""
    aliases = "a: &a 1\nb: [" + ", ".join(["*a"] * 1000) + "]\n"
    assert files.read_yaml(write(tmp_path, aliases))["b"] == [1] * 1000
    deep = "[" * 99 + "]" * 99  # 99 lists in the mapping: 100 levels
    assert "a" in files.read_yaml(write(tmp_path, f"a: {deep}\n"))
    # a mapping, its key, a list: 3 nodes; 99,997 scalars more make 100,000
    wide = "a: [" + ", ".join(["1"] * 99_997) + "]\n"
    assert len(files.read_yaml(write(tmp_path, wide))["a"]) == 99_997
    with pytest.raises(ev.CatalogueError, match="more than 100000 nodes"):
        files.read_yaml(write(tmp_path, wide.replace("[", "[1, ")))


def write(folder: Path, text: str) -> Path:
    path = folder / "limits.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_catalogues_with_anchors_and_merges_still_load():
    catalogue = ev.load_catalogue(ROOT / "examples" / "oflog_asc" / "indicators.yaml")
    table = catalogue.table
    # asc2 … asc7 are '<<: *asc' with their own ids and names
    assert list(table.index) == [f"asc{i}" for i in range(1, 8)]
    assert set(table["agency"]) == {"oflog"} and set(table["frequency"]) == {"annual"}
    assert table.loc["asc7", "name_en"] == "Workforce turnover rate"
    assert table.loc["asc7", "normalisation"] == "robust_z"


def test_an_appraisal_yaml_with_an_anchor_still_loads(tmp_path):
    text = (ROOT / "appraisal.yaml").read_text(encoding="utf-8")
    assert text.count("counted_in: [fault_findings]") == 2
    text = text.replace(
        "counted_in: [fault_findings]", "counted_in: &faults [fault_findings]", 1
    ).replace("counted_in: [fault_findings]", "counted_in: *faults", 1)
    path = tmp_path / "appraisal.yaml"
    path.write_text(text, encoding="utf-8")
    config = A.load_config(path)
    counted = [r.counted_in for r in config.rules if r.counted_in]
    assert counted == [("fault_findings",), ("fault_findings",)]


def test_a_huge_value_in_a_problem_is_shown_shortened_never_serialised(tiny_raw):
    """A structure of 9**9 shared lists (what an alias bomb builds) in a text field:
    the problem shows its first 80 characters of JSON and stops."""
    bomb = ["lol"] * 9
    for _ in range(8):
        bomb = [bomb] * 9
    tiny_raw["name_zh"] = bomb
    tiny_raw["id"] = "x" * 10_000_000
    start = time.perf_counter()
    with pytest.raises(ev.CatalogueError) as info:
        ev.parse_catalogue(tiny_raw, file="indicators.yaml")
    assert time.perf_counter() - start < 2
    problems = info.value.problems
    values = dict(zip(problems["path"], problems["value"], strict=True))
    # 9 '[', 9 '"lol"' between 8 ', ' (61), then '], ["lol",': 80 characters
    first = "[" * 9 + ", ".join(['"lol"'] * 9) + '], ["lol",'
    assert values["name_zh"] == first + "…"
    assert values["id"] == "x" * 80 + "… (10000000 characters)"
    assert len(str(info.value)) < 2_000
