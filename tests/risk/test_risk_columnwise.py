"""The risk stage over whole columns says and counts what it said row by row.

The reasons are written column-wise (each distinct number formatted once); the words
must be those of :func:`evaluation.vocabulary.quantity`, the one-value function the
rest of the product uses. The ledger is built from its item records without a
pandas round trip; it must be the table pandas reads from those records. Unit grades
are counted with array operations; the expected table is worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.risk import ledger as L
from evaluation.risk import rules as risk
from evaluation.vocabulary import quantity

UNITS = [
    ("%", "%"),
    ("件", "findings"),  # a count: whole numbers without decimals, 1 finding
    ("比值", "ratio"),  # a ratio: two decimals, 倍 in Chinese, nothing in English
    ("工作日", "working days"),
    ("分", "points"),
    ("元", "yuan"),
]
VALUES = [0.0, -0.0, 1.0, 1.04, 1.05, 2.0, 2.5, 12.345, 89.96, 95.0, -3.25, 1.2e6]


@pytest.mark.parametrize("unit", UNITS, ids=[u[1] for u in UNITS])
@pytest.mark.parametrize("digits", [1, 2, None])
def test_column_wise_quantities_are_the_words_of_quantity(unit, digits):
    zh, en = risk._quantities(np.array(VALUES), unit, digits)
    for lang, got in (("zh", zh), ("en", en)):
        want = [quantity(v, unit, lang, decimals=digits) for v in VALUES]
        assert got.tolist() == want


def test_digits_may_differ_by_row_as_beside_a_limit():
    got, _ = risk._quantities(np.array([89.96, 89.5]), ("%", "%"), np.array([2, 1]))
    assert got.tolist() == ["89.96%", "89.5%"]


def test_each_number_keeps_its_sign_even_at_zero():
    # -0.0 equals 0.0, but Python writes it "-0.0": a table of distinct values
    # must not collapse the two
    assert risk._each(np.array([0.0, -0.0, 0.0]), "{:.1f}".format).tolist() == [
        "0.0",
        "-0.0",
        "0.0",
    ]
    assert risk._each(np.array([3, 1, 3]), str).tolist() == ["3", "1", "3"]


def test_gaps_in_percentage_points_ratios_and_units():
    zh, en = risk._gaps(np.array([3.2, 0.05, 0.96, 1.0]), ("%", "%"))
    assert zh.tolist() == [
        "3.2个百分点",
        "0.1个百分点",  # 0.05 is 0.05000000000000000277: rounds up
        "1.0个百分点",  # as 0.96 is written
        "1.0个百分点",
    ]
    assert en.tolist() == [
        "3.2 percentage points",
        "0.1 percentage points",
        "1.0 percentage points",  # as 0.96 is written: a decimal, plural
        "1.0 percentage points",  # the same figure, the same words
    ]
    zh, en = risk._gaps(np.array([0.3]), ("比值", "ratio"))
    assert zh.tolist() == en.tolist() == ["0.30"]
    zh, en = risk._gaps(np.array([2.0, 1.5]), ("件", "findings"))
    assert zh.tolist() == ["2件", "1.5件"]
    assert en.tolist() == ["2 findings", "1.5 findings"]


ITEM = dict.fromkeys(L.COLUMNS) | {"escalations": 0, "reminder": False}


@pytest.mark.parametrize(
    "gaps",
    [
        ["2025-M01", "2025-M02"],  # text only
        ["2025-M01", None],  # text with a gap
        [None, None],  # no text at all
        [np.nan, None],  # gaps, one of them NaN (a ledger read from its file)
        ["2025-M01", np.nan],
    ],
)
def test_ledger_from_items_is_what_pandas_reads_from_the_records(gaps):
    items = [
        ITEM
        | {
            "item_id": f"i{k}",
            "unit_id": "U1",
            "status": "closed" if g else "open",
            "closed_period": g,
            "on_time": [True, None][k],
            "escalations": k,
            "reminder": bool(k),
        }
        for k, g in enumerate(gaps)
    ]
    types = {c: object for c in L.COLUMNS} | {"escalations": "int64", "reminder": bool}
    want = pd.DataFrame(items, columns=L.COLUMNS).astype(types)
    got = L._frame(items)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    for c in L.COLUMNS:  # None stays None and NaN stays NaN, cell by cell
        assert [type(x) for x in got[c]] == [type(x) for x in want[c]], c


def test_unit_grades_count_by_level_and_ignore_unknown_units_and_periods():
    units = pd.DataFrame({"unit_id": ["U1", "U2"], "peer_group": ["g", "g"]})
    warnings = pd.DataFrame(
        {
            "period": ["P1", "P1", "P1", "P2", "P1", "P9"],
            "unit_id": ["U1", "U1", "U1", "U2", "U9", "U1"],
            "level": ["yellow", "red", "yellow", "orange", "red", "red"],
        }
    )
    got = risk.grade_units(warnings, units, ["P1", "P2"])
    want = pd.DataFrame(
        {
            "period": ["P1", "P1", "P2", "P2"],
            "unit_id": ["U1", "U2", "U1", "U2"],
            "level": ["red", "green", "green", "orange"],
            "n_red": [1, 0, 0, 0],
            "n_orange": [0, 0, 0, 1],
            "n_yellow": [2, 0, 0, 0],
        }
    )
    pd.testing.assert_frame_equal(got, want, check_exact=True)
