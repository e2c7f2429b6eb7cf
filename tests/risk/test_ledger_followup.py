"""The ledger follow-up's tables (the notebook ledger_followup): closure rates by
responsible unit and the backlog period by period, on a ledger made by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.risk import ledger as L

# item, unit, opened, first due, status, closed period, closed on, on time,
# escalations, reminder (2025: months and days)
ITEMS = [
    ("a", "U1", "M01", "03-02", "closed", "M02", "02-28", True, 0, False),
    ("b", "U1", "M01", "03-02", "closed", "M03", "03-31", False, 1, False),
    ("c", "U1", "M02", "03-30", "open", None, None, None, 2, True),
    ("d", "U2", "M04", "05-30", "open", None, None, None, 0, False),
    ("e", "U2", "M02", "05-30", "closed", "M04", "04-30", True, 0, False),
]


def ledger(items=ITEMS) -> pd.DataFrame:
    rows = [
        dict.fromkeys(L.COLUMNS)
        | {
            "item_id": i,
            "unit_id": u,
            "node_id": "n",
            "rule": "threshold",
            "status": s,
            "level": "red",
            "level_opened": "orange",
            "opened_period": f"2025-{o}",
            "opened_on": None,
            "first_due": f"2025-{due}",
            "due": f"2025-{due}",
            "escalations": e,
            "reminder": r,
            "checked_period": "2025-M04",
            "checked_on": "2025-04-30",
            "closed_period": cp and f"2025-{cp}",
            "closed_on": co and f"2025-{co}",
            "on_time": t,
        }  # fmt: skip
        for i, u, o, due, s, cp, co, t, e, r in items
    ]
    return pd.DataFrame(rows, columns=L.COLUMNS)


def test_closure_rates_by_unit_by_hand():
    table = L.by_unit(ledger()).set_index("unit_id")
    assert table.index.tolist() == ["U1", "U2"]  # the most overdue first
    counts = ["items", "open", "overdue", "escalated", "closed", "closed_on_time"]
    assert table.loc["U1", counts].tolist() == [3, 1, 1, 2, 2, 1]
    assert table.loc["U2", counts].tolist() == [2, 1, 0, 0, 1, 1]
    # U1: 2 of 3 closed; due by 2025-04-30 (the last check): a, b, c; on time: a
    assert table.loc["U1", "closure_rate"] == pytest.approx(200 / 3)
    assert table.loc["U1", "on_time_rate"] == pytest.approx(100 / 3)
    # U2: 1 of 2 closed; nothing was due by the check date: no on-time rate yet
    assert table.loc["U2", "closure_rate"] == pytest.approx(50)
    assert np.isnan(table.loc["U2", "on_time_rate"])


def test_units_by_overdue_items_then_the_lowest_on_time_rate():
    """逾期多、按期整改率低的单位排在前面 (the notebook's words): U1 has an overdue
    item; of the others, none overdue, U2 closed 1 of its 2 items due by the check
    on time (50%), U3 1 of 1 (100%) and U4 had nothing due yet (no rate): last.
    By open items, as before, U3 and U4 (one open each) came before U2 (none)."""
    items = [
        ("a", "U1", "M01", "03-02", "open", None, None, None, 2, True),
        ("b", "U2", "M01", "03-02", "closed", "M02", "02-28", True, 0, False),
        ("c", "U2", "M01", "03-02", "closed", "M03", "03-31", False, 1, False),
        ("d", "U3", "M01", "03-02", "closed", "M02", "02-28", True, 0, False),
        ("e", "U3", "M04", "05-30", "open", None, None, None, 0, False),
        ("f", "U4", "M04", "05-30", "open", None, None, None, 0, False),
    ]
    table = L.by_unit(ledger(items))
    assert table["unit_id"].tolist() == ["U1", "U2", "U3", "U4"]
    assert table["on_time_rate"].tolist()[1:3] == [50, 100]


def test_items_escalated_most_first_then_in_a_stated_order():
    """已升级的事项 (the notebook's section 3, which sorted by the count alone,
    ties in no stated order): open items escalated at least once, the most
    escalations first (s: 3); of the three escalated once, the earliest first due
    (q and r, 2025-03-02, before p, 03-30), then by item (q before r). Listed in
    another order here; the closed t and the never escalated u left out."""
    items = [
        ("r", "U2", "M02", "03-02", "open", None, None, None, 1, True),
        ("p", "U1", "M01", "03-30", "open", None, None, None, 1, True),
        ("t", "U1", "M01", "03-02", "closed", "M03", "03-31", False, 2, False),
        ("q", "U2", "M01", "03-02", "open", None, None, None, 1, True),
        ("u", "U3", "M04", "05-30", "open", None, None, None, 0, False),
        ("s", "U1", "M01", "03-02", "open", None, None, None, 3, True),
    ]
    table = L.escalated(ledger(items))
    assert table["item_id"].tolist() == ["s", "q", "r", "p"]
    assert table["escalations"].tolist() == [3, 1, 1, 1]
    # of equal counts, a red item before an orange one due earlier
    led = ledger(items).assign(level=["red", "red", "red", "orange", "red", "red"])
    assert L.escalated(led)["item_id"].tolist() == ["s", "r", "p", "q"]
    assert L.escalated(L.empty()).empty


def test_the_ledger_at_a_glance_open_first_most_severe_first():
    """Items by status and current level by hand: c (red) and d (orange) open;
    b (red), a and e (orange) closed. Open first, red before orange."""
    led = ledger().assign(level=["orange", "red", "red", "orange", "orange"])
    table = L.by_level(led)
    assert table.index.tolist() == ["open", "closed"]
    assert table.columns.tolist() == ["red", "orange", "all"]
    assert table.values.tolist() == [[1, 1, 2], [1, 2, 3]]
    closed = L.by_level(led[led["status"] == "closed"])
    assert closed.loc["open"].tolist() == [0, 0, 0]
    assert L.by_level(L.empty()).values.tolist() == [[0], [0]]


def test_a_later_follow_up_date_counts_the_items_due_by_then():
    table = L.by_unit(ledger(), "2025-06-30").set_index("unit_id")
    assert table.loc["U2", "on_time_rate"] == pytest.approx(50)  # d late, e on time


def test_the_backlog_period_by_period_by_hand():
    table = L.backlog(ledger())
    assert table["period"].tolist() == ["2025-M01", "2025-M02", "2025-M03", "2025-M04"]
    assert table["opened"].tolist() == [2, 2, 0, 1]
    assert table["closed"].tolist() == [0, 1, 1, 1]
    assert table["open"].tolist() == [2, 3, 2, 2]


def test_a_ledger_read_back_from_its_file_gives_the_same_tables(tmp_path):
    path = L.write_ledger(ledger(), tmp_path / "ledger.csv")
    again = L.read_ledger(path)
    pd.testing.assert_frame_equal(L.by_unit(again), L.by_unit(ledger()))
    pd.testing.assert_frame_equal(L.backlog(again), L.backlog(ledger()))


def test_an_empty_ledger_has_empty_tables():
    assert L.by_unit(L.empty()).columns.tolist() == L.BY_UNIT_COLUMNS
    assert L.by_unit(L.empty()).empty and L.backlog(L.empty()).empty


def test_the_sample_ledger_adds_up(sample_result):
    """Every item is counted once; the open items at the end are those open."""
    led = sample_result.ledger
    table = L.by_unit(led)
    assert table["items"].sum() == len(led)
    assert table["open"].sum() == (led["status"] == "open").sum()
    assert L.backlog(led)["open"].iloc[-1] == (led["status"] == "open").sum()


def test_a_ledger_cell_not_as_written_is_refused_naming_line_column_and_value(
    tmp_path,
):
    """A status typed ``opne`` left its item out of every count (29 open of 30, no
    reminder) and a due date ``2025-02-30`` was said as a bad ``--as-of``: now each
    is refused naming the file's line, the column and the value, in Chinese and
    English. What Excel writes on saving the file is read back as written:
    ``TRUE``/``FALSE`` and ``2025/3/2``, the same ledger, on-time flags kept."""
    from evaluation.errors import EvaluationError

    path = L.write_ledger(ledger(), tmp_path / "ledger.csv")
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[3].startswith("c,U1,n,threshold,open,")  # line 4 of the file
    for old, new, said in (
        (",open,", ",opne,", "第4行status列“opne”"),
        (
            ",2025-03-30,2025-03-30,",
            ",2025-03-30,2025-02-30,",
            "第4行due列“2025-02-30”",
        ),
        (",2,True,", ",x,True,", "第4行escalations列“x”"),
    ):
        bad = lines[:3] + [lines[3].replace(old, new, 1)] + lines[4:]
        wrong = tmp_path / "wrong.csv"
        wrong.write_text("\n".join(bad) + "\n", encoding="utf-8-sig")
        with pytest.raises(EvaluationError) as caught:
            L.read_ledger(wrong)
        assert said in caught.value.words.zh
        assert str(wrong) in caught.value.words.zh
    excel = "\n".join(lines).replace(",True,", ",TRUE,").replace(",False,", ",FALSE,")
    excel = excel.replace("2025-03-02", "2025/3/2").replace("2025-05-30", "2025/5/30")
    saved = tmp_path / "saved.csv"
    saved.write_text(excel + "\n", encoding="utf-8-sig")
    again = L.read_ledger(saved)
    assert again["on_time"].tolist()[:2] == [True, False]
    assert again["first_due"].tolist()[0] == "2025-03-02"
    pd.testing.assert_frame_equal(L.by_unit(again), L.by_unit(ledger()))
