"""The overview's tables (evaluation.analysis.overview) on hand-made run tables.

Five units, two quarters (every number below is chosen by hand, so every expected
value is worked out by hand in the comments):

    unit  group level       Q1 score (peer rank)  Q2 score (peer rank)  Q1 / Q2 risk
    U1    g1    department  60 (3)                80 (1)                green / green
    U2    g1    department  75 (2)                70 (2)                green / yellow
    U3    g1    department  90 (1)                60 (3)                yellow / red (2)
    U4    g2    district    50 (1)                55 (1)                red / red (1)
    U5    g2    district    40 (2)                10 unranked           green / orange

The domain test at the end runs the real pipeline on the tiny dataset.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.analysis import overview as O
from tests.conftest import TINY, TINY_ROWS, TINY_UNITS, write_dataset

UNITS = pd.DataFrame(
    {
        "unit_id": ["U1", "U2", "U3", "U4", "U5"],
        "name_zh": ["一局", "二局", "三局", "四区", "五县"],
        "name_en": ["Bureau One", "Bureau Two", "Bureau Three", "District Four",
                    "County Five"],
        "peer_group": ["g1", "g1", "g1", "g2", "g2"],
        "level": ["department"] * 3 + ["district"] * 2,
        "parent_id": [""] * 5,
    }
)  # fmt: skip


def _composite():
    rows = [
        ("2025-Q1", "U1", 60.0, "ranked"), ("2025-Q1", "U2", 75.0, "ranked"),
        ("2025-Q1", "U3", 90.0, "ranked"), ("2025-Q1", "U4", 50.0, "ranked"),
        ("2025-Q1", "U5", 40.0, "ranked"),
        ("2025-Q2", "U1", 80.0, "ranked"), ("2025-Q2", "U2", 70.0, "ranked"),
        ("2025-Q2", "U3", 60.0, "ranked"), ("2025-Q2", "U4", 55.0, "ranked"),
        ("2025-Q2", "U5", 10.0, "insufficient_data"),
    ]  # fmt: skip
    frame = pd.DataFrame(
        rows, columns=["period", "unit_id", "composite_score", "status"]
    )
    return frame.assign(coverage=1.0)


def _ranks():
    na = pd.NA
    rows = [  # period, unit, group, rank, peer rank, changes (previous − current)
        ("2025-Q1", "U1", "g1", 3, 3, na, na), ("2025-Q1", "U2", "g1", 2, 2, na, na),
        ("2025-Q1", "U3", "g1", 1, 1, na, na), ("2025-Q1", "U4", "g2", 4, 1, na, na),
        ("2025-Q1", "U5", "g2", 5, 2, na, na),
        ("2025-Q2", "U1", "g1", 1, 1, 2, 2), ("2025-Q2", "U2", "g1", 2, 2, 0, 0),
        ("2025-Q2", "U3", "g1", 3, 3, -2, -2), ("2025-Q2", "U4", "g2", 4, 1, 0, 0),
        ("2025-Q2", "U5", "g2", na, na, na, na),
    ]  # fmt: skip
    frame = pd.DataFrame(
        rows,
        columns=["period", "unit_id", "peer_group", "rank", "peer_rank",
                 "rank_change", "peer_rank_change"],
    )  # fmt: skip
    ints = ["rank", "peer_rank", "rank_change", "peer_rank_change"]
    return frame.astype({c: "Int64" for c in ints})


def _risk():
    rows = [  # green units have no row, as in a run
        ("2025-Q1", "U3", "yellow", 0), ("2025-Q1", "U4", "red", 1),
        ("2025-Q2", "U2", "yellow", 0), ("2025-Q2", "U3", "red", 2),
        ("2025-Q2", "U4", "red", 1), ("2025-Q2", "U5", "orange", 0),
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["period", "unit_id", "level", "n_red"])
    return frame.assign(n_orange=0, n_yellow=0)


def _ledger():
    rows = [  # unit, status, reminder (past its first due date), current due date
        ("U3", "open", True, "2025-08-15"),
        ("U3", "open", True, "2025-07-30"),
        ("U3", "open", False, "2025-09-10"),
        ("U3", "closed", False, "2025-05-01"),
        ("U4", "open", False, "2025-08-01"),
        ("U2", "open", True, "2025-06-01"),  # not red: not on the red list
    ]
    return pd.DataFrame(rows, columns=["unit_id", "status", "reminder", "due"])


@pytest.fixture
def made(tiny_result) -> ev.Result:
    """The hand-made run of the module docstring, its own period 2025-Q2."""
    return replace(
        tiny_result,
        units=UNITS,
        composite=_composite(),
        ranks=_ranks(),
        risk=_risk(),
        ledger=_ledger(),
        provenance=replace(tiny_result.provenance, period="2025-Q2"),
    )


def test_counts_by_warning_level_all_units_and_by_unit_level(made):
    counts = O.level_counts(made, "2025-Q2")
    assert list(counts.columns) == ["red", "orange", "yellow", "green"]
    assert counts.to_dict("index") == {
        "all": {"red": 2, "orange": 1, "yellow": 1, "green": 1},  # U3 U4, U5, U2, U1
        "department": {"red": 1, "orange": 0, "yellow": 1, "green": 1},
        "district": {"red": 1, "orange": 1, "yellow": 0, "green": 0},
    }
    q1 = O.level_counts(made, "2025-Q1").loc["all"].to_dict()
    assert q1 == {"red": 1, "orange": 0, "yellow": 1, "green": 3}


def test_red_units_with_their_open_and_overdue_items_most_overdue_first(made):
    red = O.red_units(made, "2025-Q2")
    assert list(red["unit_id"]) == ["U3", "U4"]  # U3: 2 overdue, U4: none
    u3, u4 = red.iloc[0], red.iloc[1]
    assert (u3["open"], u3["overdue"], u3["next_due"]) == (3, 2, "2025-07-30")
    assert (u4["open"], u4["overdue"], u4["next_due"]) == (1, 0, "2025-08-01")
    assert (u3["n_red"], u3["composite_score"], u3["peer_rank"]) == (2, 60.0, 3)
    assert u4["name_zh"] == "四区" and u4["level"] == "district"
    assert list(O.red_units(made, "2025-Q1")["unit_id"]) == ["U4"]


def test_city_level_and_group_averages_of_ranked_units(made):
    table = O.averages(made)
    q2 = table[table["period"] == "2025-Q2"].set_index(["kind", "group"])
    # U5 is unranked in Q2: left out
    assert q2.loc[("city", "all"), "average"] == pytest.approx((80 + 70 + 60 + 55) / 4)
    assert q2.loc[("city", "all"), "n"] == 4
    assert q2.loc[("level", "department"), "average"] == pytest.approx(70.0)
    assert q2.loc[("level", "district"), "average"] == pytest.approx(55.0)
    assert q2.loc[("peer_group", "g1"), "average"] == pytest.approx(70.0)
    assert q2.loc[("peer_group", "g2"), "n"] == 1
    q1 = table[table["period"] == "2025-Q1"].set_index(["kind", "group"])
    assert q1.loc[("city", "all"), "average"] == pytest.approx(315 / 5)  # 63
    assert q1.loc[("level", "district"), "average"] == pytest.approx(45.0)
    # oldest period first; city, then levels, then peer groups
    assert list(table["period"]) == ["2025-Q1"] * 5 + ["2025-Q2"] * 5
    assert list(table["group"][:5]) == ["all", "department", "district", "g1", "g2"]


def test_nested_puts_each_group_under_its_level_and_drops_a_group_that_is_its_level(
    made,
):
    """g1 holds exactly the departments and g2 exactly the districts (UNITS): each
    would repeat its level's row, so a reader gets city, department, district."""
    table = O.averages(made)
    assert list(table.loc[table["kind"] == "peer_group", "level"]) == [
        "department", "district"] * 2  # fmt: skip
    nested = O.nested(table)
    q2 = nested[nested["period"] == "2025-Q2"]
    assert list(q2["group"]) == ["all", "department", "district"]
    # a group of part of a level stays, under it: U3 moved to its own group
    units = UNITS.assign(peer_group=["g1", "g1", "g3", "g2", "g2"])
    split = O.nested(O.averages(replace(made, units=units)))
    q2 = split[split["period"] == "2025-Q2"]
    assert list(q2["group"]) == ["all", "department", "g1", "g3", "district"]


def test_average_table_gap_to_the_city_and_change_on_the_previous_period(made):
    now = O.average_table(O.averages(made), "2025-Q2").set_index("group")
    assert now.at["department", "gap"] == pytest.approx(70 - 66.25)
    assert now.at["district", "gap"] == pytest.approx(55 - 66.25)
    assert now.at["all", "change"] == pytest.approx(66.25 - 63)
    assert now.at["department", "change"] == pytest.approx(70 - 75)
    assert now.at["district", "change"] == pytest.approx(55 - 45)
    first = O.average_table(O.averages(made), "2025-Q1")
    assert first["change"].isna().all()
    with pytest.raises(KeyError, match="2024-Q4"):
        O.average_table(O.averages(made), "2024-Q4")


def test_movers_by_rank_change_within_the_peer_group(made):
    m = O.movers(made, "2025-Q2")
    assert m.risers[["unit_id", "before", "peer_rank", "change"]].values.tolist() == [
        ["U1", 3, 1, 2]
    ]
    assert m.fallers[["unit_id", "before", "peer_rank", "change"]].values.tolist() == [
        ["U3", 1, 3, -2]
    ]
    assert m.risers.at[0, "name_zh"] == "一局"  # names, not only ids
    districts = O.movers(made, "2025-Q2", unit_level="district")
    assert districts.risers.empty and districts.fallers.empty  # U4 0, U5 unranked
    first = O.movers(made, "2025-Q1")  # no earlier period: no change
    assert first.risers.empty and first.fallers.empty


def test_movers_keep_the_top_n_biggest_first(made):
    ranks = made.ranks.copy()
    q2 = ranks["period"] == "2025-Q2"
    ranks.loc[q2, "peer_rank_change"] = pd.array([3, 1, -1, 2, pd.NA], dtype="Int64")
    m = O.movers(replace(made, ranks=ranks), "2025-Q2", n=2)
    assert list(m.risers["unit_id"]) == ["U1", "U4"]  # +3, +2 (U2's +1 cut)
    assert list(m.fallers["unit_id"]) == ["U3"]


def test_grade_counts_all_and_by_unit_level(made):
    grades = pd.DataFrame(
        {
            "unit_id": ["U1", "U2", "U3", "U4", "U5"],
            "final_grade": ["excellent", "good", "good", "pass", "fail"],
        }
    )
    counts = O.grade_counts(grades, made.units)
    assert list(counts.columns) == ["excellent", "good", "pass", "fail"]
    assert counts.to_dict("index") == {
        "all": {"excellent": 1, "good": 2, "pass": 1, "fail": 1},
        "department": {"excellent": 1, "good": 2, "pass": 0, "fail": 0},
        "district": {"excellent": 0, "good": 0, "pass": 1, "fail": 1},
    }


def test_changes_since_the_last_publication(made):
    before = replace(made, provenance=replace(made.provenance, period="2025-Q1"))
    c = O.changes(made, before)
    assert (c.period, c.before_period, c.same_period) == ("2025-Q2", "2025-Q1", False)
    # U3 yellow → red and U5 green → orange are new; U4 was red already
    assert c.warnings[["unit_id", "now", "was"]].values.tolist() == [
        ["U3", "red", "yellow"],
        ["U5", "orange", "green"],
    ]
    # peer ranks Q1 → Q2: U1 3 → 1, U3 1 → 3; U2, U4 unchanged; U5 unranked now
    assert c.moved[["unit_id", "before", "now", "change"]].values.tolist() == [
        ["U1", 3, 1, 2],
        ["U3", 1, 3, -2],
    ]
    assert c.catalogue.empty  # same catalogue, same method


def test_a_changed_catalogue_is_reported(made, tiny_raw):
    tiny_raw["dimensions"][0]["weight"] = 0.5
    tiny_raw["dimensions"][1]["weight"] = 0.5
    other = ev.parse_catalogue(tiny_raw, file="tiny.yaml")
    before = replace(made, catalogue=other)
    changed = O.changes(made, before).catalogue
    assert set(zip(changed["id"], changed["field"], strict=True)) == {
        ("a", "weight"),
        ("b", "weight"),
    }
    assert changed.set_index("id").at["a", "before"] == 0.5


def test_an_unknown_period_is_refused_naming_it(made):
    with pytest.raises(KeyError, match="2030"):
        O.level_counts(made, "2030")


# ------------------------------------------------------------- a domain test
def _tiny_run(tmp_path, rows):
    raw = copy.deepcopy(TINY)
    # the city's rule: a composite at or below 30 is red, 40 orange, 45 yellow
    raw["risk"] = {
        "rules": [{"kind": "threshold", "node": "composite", "yellow": 45,
                   "orange": 40, "red": 30}],
    }  # fmt: skip
    catalogue = ev.parse_catalogue(raw, file="tiny.yaml")
    data = ev.load_dataset(write_dataset(tmp_path, TINY_UNITS, rows))
    return ev.run(catalogue, data, period="2025-H2", run_at="2026-01-15T09:00:00Z")


def test_a_department_that_stops_delivering_shows_red_with_its_deadline(tmp_path):
    """Bureau One reports the worst values in the second half (on-time rate 0, the
    most faults, half-year completion 0): it scores 0 on every indicator, so its
    composite (0) is at or below the red line (30). It is counted red, heads the
    red list, and its rectification item is due 30 days after 31 December."""
    base = _tiny_run(tmp_path / "base", TINY_ROWS)
    worst = {"a1": "0", "a2": "10", "b1": "0"}
    h2 = ("2025-Q3", "2025-Q4", "2025-H2")
    rows = [
        (u, p, i, worst[i] if u == "U1" and p in h2 and i in worst else v)
        for u, p, i, v in TINY_ROWS
    ]
    worse = _tiny_run(tmp_path / "worse", rows)
    assert O.level_counts(base, "2025-H2").at["all", "red"] == 0
    assert O.level_counts(worse, "2025-H2").at["all", "red"] == 1
    red = O.red_units(worse, "2025-H2")
    assert list(red["unit_id"]) == ["U1"]
    assert red.at[0, "composite_score"] == pytest.approx(0.0)
    assert red.at[0, "open"] >= 1 and red.at[0, "overdue"] == 0
    assert red.at[0, "next_due"] == "2026-01-30"  # 2025-12-31 + 30 days
    # in the first half nothing changed: the same averages there
    a, b = O.averages(base), O.averages(worse)
    h1 = a["period"] == "2025-H1"
    assert np.allclose(a.loc[h1, "average"], b.loc[h1, "average"])
