"""Invariants of risk grading and the ledger, over random values (hypothesis)."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import evaluation as ev
from evaluation.risk import ledger as L
from evaluation.risk import rules as risk

from ..conftest import TINY

UNITS = [f"U{i}" for i in range(8)]
Q = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
SEV = risk.SEVERITY


def catalogue():
    raw = {**TINY, "indicators": [dict(i) for i in TINY["indicators"]]}
    raw["indicators"][0]["risk"] = {"yellow": 80, "orange": 70, "red": 60}  # higher
    raw["indicators"][1]["risk"] = {"yellow": 2, "orange": 4, "red": 6}  # lower
    raw["risk"] = {
        "rules": [
            {
                "kind": "peer",
                "node": "a1",
                "method": "robust_z",
                "orange": -1.5,
                "red": -3,
            },
            {"kind": "peer", "node": "a2", "method": "bottom_k", "yellow": 3, "red": 1},
            {"kind": "trend", "node": "a1", "declines": 2},
            {"kind": "rollup", "node": "a", "worst": 2},
        ]
    }
    return ev.parse_catalogue(raw)


CAT = catalogue()
values = st.lists(
    st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 1)),
    min_size=len(UNITS) * len(Q) * 2,
    max_size=len(UNITS) * len(Q) * 2,
)


def frame(vals) -> pd.DataFrame:
    rows = []
    k = 0
    for p in Q:
        for u in UNITS:
            rows.append((p, u, "a1", vals[k]))
            rows.append((p, u, "a2", vals[k + 1] / 10))  # 0–10
            k += 2
    return pd.DataFrame(rows, columns=["period", "unit_id", "node_id", "value"])


def evaluate(values_frame: pd.DataFrame) -> pd.DataFrame:
    inputs = risk.Inputs(
        values=values_frame,
        units=pd.DataFrame({"unit_id": UNITS, "peer_group": "g1"}),
        periods=Q,
        observations=pd.DataFrame(
            columns=["unit_id", "period", "indicator_id", "value"]
        ),
        events=pd.DataFrame(columns=["unit_id", "period", "event_id"]),
    )
    return risk.evaluate(inputs, CAT)


def as_set(w: pd.DataFrame) -> set:
    return set(
        map(tuple, w[["period", "unit_id", "node_id", "rule", "level"]].to_numpy())
    )


@settings(max_examples=40, deadline=None)
@given(values, st.randoms(use_true_random=False))
def test_the_order_of_rows_changes_no_warning(vals, rnd):
    v = frame(vals)
    order = list(range(len(v)))
    rnd.shuffle(order)
    assert as_set(evaluate(v)) == as_set(evaluate(v.iloc[order].reset_index(drop=True)))


@settings(max_examples=40, deadline=None)
@given(values, st.integers(0, len(UNITS) * len(Q) - 1), st.floats(0.1, 50))
def test_a_better_value_never_raises_its_threshold_level(vals, cell, gain):
    v = frame(vals)
    rows = v.index[v["node_id"] == "a1"]
    before = evaluate(v)
    better = v.copy()
    i = rows[cell]
    better.loc[i, "value"] = min(100.0, better.loc[i, "value"] + gain)
    after = evaluate(better)
    key = (v.at[i, "period"], v.at[i, "unit_id"])

    def level(w):
        mine = w[
            (w["period"] == key[0])
            & (w["unit_id"] == key[1])
            & (w["node_id"] == "a1")
            & (w["rule"] == "threshold")
        ]
        return max([SEV[x] for x in mine["level"]], default=0)

    assert level(after) <= level(before)


@settings(max_examples=30, deadline=None)
@given(values, values)
def test_the_ledger_never_loses_an_item_and_keeps_one_open_per_key(a, b):
    ledger = L.empty()
    for vals in (a, b):  # two runs, the second with other data for the same periods
        v = frame(vals)
        w = evaluate(v)
        before = set(ledger["item_id"])
        ledger = L.update(ledger, w, v, Q, CAT)
        assert before <= set(ledger["item_id"])
        open_ = ledger[ledger["status"] == "open"]
        assert not open_.duplicated(["unit_id", "node_id", "rule"]).any()
        assert (ledger["checked_period"] == Q[-1]).all()
