"""Progress bars of the long commands: drawn on a terminal only, by stage, with what
the library works on; silent elsewhere; every stage and step named in both
languages by the vocabulary."""

from __future__ import annotations

import ast
import io
import sys
from contextlib import redirect_stderr

import pytest

from evaluation import progress
from evaluation.vocabulary import family

from .conftest import ROOT


class Terminal(io.StringIO):
    """stderr as a terminal (a bar redraws itself in place on one)."""

    encoding = "utf-8"

    def isatty(self) -> bool:
        return True


def on_terminal():
    """stderr made a terminal, within the test itself (pytest's capture sets
    sys.stderr again as a test starts, after its fixtures)."""
    return redirect_stderr(Terminal())


def frames(screen: Terminal) -> list[str]:
    """What the bar showed, one redraw each (a bar returns to the line start)."""
    return [f.rstrip() for f in screen.getvalue().split("\r") if f.strip()]


def test_a_bar_names_the_command_its_stage_and_what_the_library_does():
    steps = ["read", "scores"]
    with on_terminal() as terminal, progress.stages("score", steps) as stage:
        stage("read")
        progress.note("read", "observations/audit.csv (1/2)", 0.0)
        progress.note("read", "observations/survey.csv (2/2)", 0.5)
        stage("scores")
        progress.note("check", part=0)
        progress.note("flags", part=0.75)
    shown = frames(terminal)
    assert terminal.getvalue().endswith(" \r")  # the bar erased: a clean line
    read = next(f for f in shown if "survey.csv" in f)
    assert read.startswith(" 25%")  # half of the first of two stages
    assert read.endswith(
        "评分 score · 读取数据 reading · observations/survey.csv (2/2)"
    )  # noqa: E501
    flags = next(f for f in shown if "data-quality" in f)
    assert flags.startswith(" 88%")  # 1 + 0.75 of 2 stages
    assert flags.endswith(
        "评分 score · 计算得分 scoring · 数据质量检查 data-quality checks"
    )
    percent = [int(f.split("%")[0]) for f in shown]
    assert percent == sorted(percent)  # never goes back


def test_a_note_outside_a_bar_does_nothing():
    with on_terminal() as terminal:
        progress.note("read", "a.csv (1/1)", 0.0)
        with progress.stages("score", ["read"]) as stage:
            stage("read")
        progress.note("read", "b.csv (1/1)", 0.0)  # the bar is closed: no redraw
    assert "a.csv" not in terminal.getvalue()
    assert "b.csv" not in terminal.getvalue()


def test_nothing_is_drawn_off_a_terminal_or_when_quiet():
    with on_terminal() as terminal:
        with progress.stages("score", ["read"], show=False) as stage:
            stage("read")
            progress.note("read", "a.csv (1/1)", 0.0)
    assert terminal.getvalue() == ""
    with redirect_stderr(io.StringIO()) as piped:  # a log file, a pipe
        with progress.stages("score", ["read"]) as stage:
            stage("read")
            progress.note("read", "a.csv (1/1)", 0.0)
    assert piped.getvalue() == ""


def test_an_error_closes_the_bar_and_a_message_is_written_apart():
    with on_terminal() as terminal, pytest.raises(ValueError, match="bad"):
        with progress.stages("publish", ["read", "store"]) as stage:
            stage("read")
            with progress.aside():
                sys.stderr.write("refused: bad input\n")
            raise ValueError("bad")
    screen = terminal.getvalue()
    message = screen.index("refused: bad input\n")
    before, after = screen[:message], screen[message:]
    assert before.endswith("\r") and "\r" in after  # the bar stepped aside
    assert screen.endswith("\r")  # and was erased
    with redirect_stderr(terminal):
        progress.note("read", "later.csv", 0.0)  # no bar left open
    assert "later.csv" not in terminal.getvalue()


def _codes_used() -> set[tuple[str, str]]:
    """(file, code) for every stage and step code the package names: the first
    argument of note() and stage() calls, and stages()' title and list."""
    found = set()
    for path in (ROOT / "evaluation").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            f = call.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if name not in {"note", "stage", "stages"} or not call.args:
                continue
            args = call.args[:2] if name == "stages" else call.args[:1]
            for arg in args:
                for node in ast.walk(arg):
                    if isinstance(node, ast.Constant) and isinstance(node.value, str):
                        found.add((path.name, node.value))
    return found


def test_every_stage_and_step_has_words_in_both_languages():
    used = _codes_used()
    assert {c for _, c in used} >= {"score", "read", "scores", "check", "draws"}
    words = family("progress")
    missing = sorted((f, c) for f, c in used if c not in words)
    assert missing == []
    assert all(w.zh.strip() and w.en.strip() for w in words.values())
