"""Invariants of the year-end score: bounded, monotone in each part, independent of
the order units are listed in."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation import appraisal as A

from ..appraisal.test_appraisal import UNITS, config, inputs, result

scores = st.lists(
    st.floats(0, 100, allow_nan=False), min_size=len(UNITS), max_size=len(UNITS)
)
reviews = st.lists(st.integers(0, 100), min_size=len(UNITS), max_size=len(UNITS))


def _appraise(composites, review, order=None):
    ids = UNITS["unit_id"].tolist()
    r = result(dict(zip(ids, composites, strict=True)))
    if order is not None:
        r.units = UNITS.iloc[order].reset_index(drop=True)
        r.composite = r.composite.iloc[order].reset_index(drop=True)
    rows = (
        [(u, str(v)) for u, v in zip(ids, review, strict=True)],
        ["unit_id", "score"],
    )
    cfg = config(
        grades={"excellent": 90, "good": 75, "pass": 60, "quota": {"share": 0.2}}
    )
    return A.appraise(cfg, r, inputs(review=rows)).grades.set_index("unit_id")


@settings(max_examples=25, deadline=None)
@given(scores, reviews, st.integers(0, len(UNITS) - 1), st.floats(0.01, 30))
def test_bounded_and_a_better_annual_composite_never_lowers_score_or_grade(
    composites, review, unit, lift
):
    g = _appraise(composites, review)
    assert g["score"].between(0, 100).all()
    better = list(composites)
    better[unit] = min(100.0, better[unit] + lift)
    h = _appraise(better, review)
    u = f"U{unit + 1}"
    rank = {x: i for i, x in enumerate(A.GRADES)}
    assert h.at[u, "score"] >= g.at[u, "score"]
    assert rank[h.at[u, "grade_after_rules"]] <= rank[g.at[u, "grade_after_rules"]]


@settings(max_examples=25, deadline=None)
@given(scores, reviews, st.permutations(range(len(UNITS))))
def test_the_order_units_are_listed_in_changes_nothing(composites, review, order):
    a = _appraise(composites, review)
    b = _appraise(composites, review, order=list(order))
    cols = ["score", "final_grade", "group_rank", "quota_tie"]
    pd.testing.assert_frame_equal(a.loc[a.index, cols], b.loc[a.index, cols])
