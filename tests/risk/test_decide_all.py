"""A notebook's triage: several decisions on data-quality flags recorded at once,
all or none, never twice, in the file the CLI's ``evaluation flags`` keeps."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from evaluation.errors import EvaluationError
from evaluation.risk import quality as Q

FLAGS = pd.DataFrame(
    {
        "flag_id": [
            "stable/U1/a1/2025-M01", "jump/U2/a2/2025-M03", "missing/U3/office/2025"
        ]
    }
)  # fmt: skip
TRIAGE = [
    ("stable/U1/a1/2025-M01", "accepted", "经核实，连续沿用旧数"),
    ("jump/U2/a2/2025-M03", "dismissed", " 系统切换所致 "),
]


def read(path) -> list[tuple]:
    """The decisions file as an office's spreadsheet reads it."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [tuple(r.values()) for r in csv.DictReader(f)]


def test_a_triage_is_recorded_in_the_clis_file(tmp_path):
    book = tmp_path / "flag_decisions.csv"
    at = "2026-01-20T09:00:00+00:00"
    Q.decide_all(book, TRIAGE, by="张明", flags_table=FLAGS, at=at)
    assert read(book) == [
        ("stable/U1/a1/2025-M01", "accepted", "经核实，连续沿用旧数", "张明",
         "2026-01-20T09:00:00+00:00"),
        ("jump/U2/a2/2025-M03", "dismissed", "系统切换所致", "张明",
         "2026-01-20T09:00:00+00:00"),
    ]  # fmt: skip
    status = Q.with_decisions(FLAGS, Q.read_decisions(book))["status"].tolist()
    assert status == ["accepted", "dismissed", "open"]


def test_running_the_notebook_again_records_nothing_twice(tmp_path):
    book = tmp_path / "flag_decisions.csv"
    Q.decide_all(book, TRIAGE, by="张明", flags_table=FLAGS, at="2026-01-20")
    before = book.read_bytes()
    again = Q.decide_all(book, TRIAGE, by="张明", flags_table=FLAGS, at="2026-01-21")
    assert book.read_bytes() == before and len(again) == 2
    # a changed mind is a new decision, kept after the first: the latest is the status
    changed = [("stable/U1/a1/2025-M01", "dismissed", "复核：数据属实")]
    Q.decide_all(book, changed, by="李华", flags_table=FLAGS, at="2026-01-22")
    rows = read(book)
    assert [r[1] for r in rows] == ["accepted", "dismissed", "dismissed"]
    status = Q.with_decisions(FLAGS, Q.read_decisions(book)).set_index("flag_id")
    assert status.loc["stable/U1/a1/2025-M01", "decided_by"] == "李华"


def test_a_bad_row_records_none_and_every_problem_is_named(tmp_path):
    book = tmp_path / "flag_decisions.csv"
    Q.decide_all(book, TRIAGE[:1], by="张明", flags_table=FLAGS, at="2026-01-20")
    before = book.read_bytes()
    bad = [
        ("jump/U2/a2/2025-M03", "dismissed", "ok"),
        ("jump/U9/a2/2025-M03", "accepted", "no such flag"),
        ("missing/U3/office/2025", "ignored", "a word that is no decision"),
        ("jump/U2/a2/2025-M03", "accepted", "twice in one list"),
        ("stable/U1/a1/2025-M01", "accepted", "  "),
    ]
    with pytest.raises(EvaluationError) as caught:
        Q.decide_all(book, bad, by="张明", flags_table=FLAGS)
    message = str(caught.value)
    assert "4 problems" in message and "row 1" not in message
    assert "row 2 ('jump/U9/a2/2025-M03'): no such flag" in message
    assert "row 3 ('missing/U3/office/2025'): decision must be" in message
    assert "row 4 ('jump/U2/a2/2025-M03'): this flag is decided twice" in message
    assert "row 5 ('stable/U1/a1/2025-M01'): a decision needs a comment" in message
    assert "analyst" not in message  # the name was given
    assert book.read_bytes() == before  # nothing partial written
    with pytest.raises(EvaluationError, match="analyst's name"):
        Q.decide_all(book, TRIAGE, by=" ", flags_table=FLAGS)


def test_a_comment_that_reads_as_a_formula_is_kept_inert(tmp_path):
    book = tmp_path / "flag_decisions.csv"
    rows = [("jump/U2/a2/2025-M03", "dismissed", '=HYPERLINK("x")')]
    Q.decide_all(book, rows, by="@张明", flags_table=FLAGS, at="2026-01-20")
    ((_, _, comment, by, _),) = read(book)
    assert (comment, by) == ('\'=HYPERLINK("x")', "'@张明")
    # and a second run with the same words recognises it as already recorded
    Q.decide_all(book, rows, by="@张明", flags_table=FLAGS, at="2026-01-21")
    assert len(read(book)) == 1


def test_a_table_of_decisions_works_as_a_list(tmp_path):
    book = tmp_path / "flag_decisions.csv"
    table = pd.DataFrame(TRIAGE, columns=["flag_id", "decision", "comment"])
    out = Q.decide_all(book, table, by="张明", flags_table=FLAGS, at="2026-01-20")
    assert out["flag_id"].tolist() == [t[0] for t in TRIAGE]


def test_a_refused_triage_says_each_problem_in_chinese_first(tmp_path):
    """The notebook shows the error's message: the analyst (lang="zh") reads the
    Chinese first, each bad row by its place in the list (第2条) and its flag
    quoted as Chinese quotes it, then the English; ``words`` carries both, for the
    command line to say the one it speaks."""
    book = tmp_path / "flag_decisions.csv"
    bad = [
        ("stable/U1/a1/2025-M01", "accepted", "经核实，连续沿用旧数"),
        ("jump/U2/a2/2025-M03", "dismissed", ""),
    ]
    with pytest.raises(EvaluationError) as caught:
        Q.decide_all(book, bad, by="张明", flags_table=FLAGS)
    zh = (
        f"{book}：未记录任何核实结论，共1个问题：\n"
        "  第2条（“jump/U2/a2/2025-M03”）：未写理由，记录核实结论须说明理由"
    )
    en = (
        f"{book}: no decision recorded; 1 problem:\n"
        "  row 2 ('jump/U2/a2/2025-M03'): a decision needs a comment saying why"
    )
    assert str(caught.value) == f"{zh}\n{en}"
    assert caught.value.words == (zh, en)
    assert not book.exists()
    two = [*bad, ("missing/U3/office/2025", "dismissed", "")]  # no comment either
    with pytest.raises(EvaluationError) as caught:
        Q.decide_all(book, two, by="张明", flags_table=FLAGS)
    assert f"{book}：未记录任何核实结论，共2个问题：\n" in str(caught.value)
    assert f"{book}: no decision recorded; 2 problems:\n" in str(caught.value)


def test_a_decision_word_other_than_the_two_is_refused_naming_its_line(tmp_path):
    """A decisions file edited by hand with ``dismised`` for ``dismissed``: that flag
    was neither open nor decided, `evaluation flags` counting 待核实62条，已确认0条，
    已排除0条 of 63. Now reading the file refuses it, naming the line (the header
    is line 1) and the word, and nothing is appended to it."""
    book = tmp_path / "flag_decisions.csv"
    Q.decide_all(book, TRIAGE, by="张明", flags_table=FLAGS, at="2026-01-20")
    text = book.read_text(encoding="utf-8-sig").replace(",dismissed,", ",dismised,")
    book.write_text(text, encoding="utf-8-sig")
    before = book.read_bytes()
    with pytest.raises(EvaluationError) as caught:
        Q.read_decisions(book)
    assert "第3行“dismised”" in caught.value.words.zh
    assert "line 3 'dismised'" in caught.value.words.en
    with pytest.raises(EvaluationError):
        Q.decide(book, "missing/U3/office/2025", "accepted", "属实", by="李华",
                 flags_table=FLAGS)  # fmt: skip
    assert book.read_bytes() == before
