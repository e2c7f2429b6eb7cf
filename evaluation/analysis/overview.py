"""The overview a city leader reads first: small tables over a ``Result``.

How many units stand at each warning level, and which are red with their due
rectifications; the city's average composite and each group's (unit level:
市直部门 / 县（市）区, and peer group) over the run's periods; the biggest risers and
fallers within their groups; the year's grades; and what changed since the last
publication. Each is read from the run's stored tables (nothing recomputed), so the
overview says what the league table, the risk board and the appraisal say. Pure
functions: no Dash, no I/O; the dashboard caches them per run and period.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation.catalogue import compare
from evaluation.result import Result
from evaluation.vocabulary import GRADE, RISK_LEVEL

#: warning levels, most severe first (green: no warning)
LEVELS = tuple(reversed(list(RISK_LEVEL)))
#: the row of :func:`level_counts` and the group of :func:`averages` for every unit
ALL = "all"


def _check_period(result: Result, period: str | None) -> str:
    period = period or result.period
    if period not in result.periods:
        raise KeyError(f"period {period!r} not in this result; have {result.periods}")
    return period


def unit_levels(result: Result) -> list[str]:
    """The unit levels the run has (``department``, ``district``), in the
    catalogue's order (``settings.unit_levels``)."""
    have = set(result.units["level"])
    return [x for x in result.catalogue.settings.unit_levels if x in have]


def _units(result: Result) -> pd.DataFrame:
    return result.units.set_index("unit_id")[
        ["name_zh", "name_en", "level", "peer_group"]
    ]


# ------------------------------------------------------------------- warnings
def level_counts(result: Result, period: str | None = None) -> pd.DataFrame:
    """Units at each warning level in ``period``: one row for all units
    (``all``) and one per unit level, columns ``red, orange, yellow, green`` (green:
    no warning), integers, zeros included."""
    period = _check_period(result, period)
    units = _units(result)
    risk = result.risk[result.risk["period"] == period].set_index("unit_id")["level"]
    level = risk.reindex(units.index).fillna("green")
    pairs = pd.DataFrame({"unit_level": units["level"].to_numpy(), "risk": level})
    table = (
        pairs.value_counts()
        .unstack(fill_value=0)
        .reindex(index=unit_levels(result), columns=list(LEVELS), fill_value=0)
    )
    table.loc[ALL] = table.sum()
    table = table.loc[[ALL, *unit_levels(result)]].astype(int)
    table.index.name, table.columns.name = "unit_level", None
    return table


#: the columns of :func:`red_units`
RED_COLUMNS = [
    "unit_id", "name_zh", "name_en", "level", "peer_group", "composite_score",
    "peer_rank", "n_red", "open", "overdue", "next_due",
]  # fmt: skip


def red_units(result: Result, period: str | None = None) -> pd.DataFrame:
    """The units at red in ``period`` with their rectifications: ``n_red`` red
    warnings in the period; of the run's ledger (its state at the run's last check)
    the unit's ``open`` items, the ``overdue`` ones among them (past their first due
    date, listed for a reminder) and ``next_due``, the earliest current deadline of
    an open item (ISO date; None without open items). Most overdue first, then most
    open, then the lowest composite. :data:`RED_COLUMNS`."""
    period = _check_period(result, period)
    risk = result.risk[(result.risk["period"] == period)]
    red = risk[risk["level"] == "red"].set_index("unit_id")
    units = _units(result)
    ids = [u for u in units.index if u in red.index]
    comp = result.composite[result.composite["period"] == period].set_index("unit_id")
    ranks = result.ranks[result.ranks["period"] == period].set_index("unit_id")
    led = result.ledger[result.ledger["status"] == "open"]
    led = led[led["unit_id"].isin(ids)]
    by_unit = led.groupby("unit_id")
    out = pd.DataFrame(
        {
            "unit_id": ids,
            **{c: units[c].reindex(ids).to_numpy() for c in RED_COLUMNS[1:5]},
            "composite_score": comp["composite_score"].reindex(ids).to_numpy(float),
            "peer_rank": ranks["peer_rank"].reindex(ids).to_numpy(),
            "n_red": red["n_red"].reindex(ids).fillna(0).to_numpy(int),
            "open": by_unit.size().reindex(ids).fillna(0).to_numpy(int),
            "overdue": by_unit["reminder"].sum().reindex(ids).fillna(0).to_numpy(int),
            "next_due": [
                None if pd.isna(d) else str(d)[:10]
                for d in by_unit["due"].min().reindex(ids)
            ],
        }
    )
    order = np.lexsort(
        (out["composite_score"].to_numpy(), -out["open"], -out["overdue"])
    )
    return out.iloc[order].reset_index(drop=True)[RED_COLUMNS]


# ------------------------------------------------------------------- averages
def averages(result: Result) -> pd.DataFrame:
    """The average composite score of the ranked units in every period of the run:
    the city's (``kind`` ``city``, ``group`` ``all``), each unit level's (``level``)
    and each peer group's (``peer_group``). ``period, kind, group, n, average``,
    periods oldest first, then city, levels (catalogue order), peer groups
    (catalogue order). Units left unranked (insufficient data) are not averaged:
    their scores are not published as ranked. ``level``: the unit level a row's
    units belong to (a level's own; a peer group's where all its units share one,
    else missing), so that a reader can show each group under its level."""
    c = result.composite
    c = c[c["status"] == "ranked"].dropna(subset=["composite_score"])
    c = c.join(_units(result)[["level", "peer_group"]], on="unit_id")
    parts = [
        c.assign(kind="city", group=ALL),
        c.assign(kind="level", group=c["level"]),
        c.assign(kind="peer_group", group=c["peer_group"]),
    ]
    long = pd.concat(parts, ignore_index=True)
    out = (
        long.groupby(["period", "kind", "group"], sort=False)["composite_score"]
        .agg(n="size", average="mean")
        .reset_index()
    )
    periods = {p: i for i, p in enumerate(result.periods)}
    kinds = {"city": 0, "level": 1, "peer_group": 2}
    groups = {
        g: i
        for i, g in enumerate(
            [ALL, *result.catalogue.settings.unit_levels]
            + [g.id for g in result.catalogue.peer_groups]
        )
    }
    key = np.lexsort(
        (
            out["group"].map(groups).fillna(len(groups)).to_numpy(),
            out["kind"].map(kinds).to_numpy(),
            out["period"].map(periods).to_numpy(),
        )
    )
    out = out.iloc[key].reset_index(drop=True)
    out["n"] = out["n"].astype(int)
    units = _units(result)
    shared = units.groupby("peer_group")["level"].agg(
        lambda x: x.iloc[0] if x.nunique() == 1 else None
    )
    out["level"] = np.where(
        out["kind"] == "level",
        out["group"],
        np.where(out["kind"] == "peer_group", out["group"].map(shared), None),
    )
    return out[["period", "kind", "group", "n", "average", "level"]]


def nested(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of :func:`averages` (or :func:`average_table`) as a reader takes them,
    period by period: the city, then each unit level followed by its own peer
    groups, then groups spanning levels. A group that is its whole level (县（市）区
    政府: the districts, all of them) would repeat the level's row, so it is left
    out."""
    parts = []
    for _, now in table.groupby("period", sort=False):
        groups = now[now["kind"] == "peer_group"]
        parts.append(now[now["kind"] == "city"])
        for level in now[now["kind"] == "level"].itertuples():
            mine = groups[groups["level"] == level.group]
            parts += [now.loc[[level.Index]], mine[mine["n"] != level.n]]
        parts.append(groups[groups["level"].isna()])
    return pd.concat(parts) if parts else table


def average_table(table: pd.DataFrame, period: str) -> pd.DataFrame:
    """One period's rows of :func:`averages` with ``gap`` (the group's average
    less the city's) and ``change`` (less the same group's average a period
    earlier in the run; NaN in the first period or for a group new to it)."""
    periods = list(dict.fromkeys(table["period"]))
    if period not in periods:
        raise KeyError(f"period {period!r} not in the averages; have {periods}")
    now = table[table["period"] == period].reset_index(drop=True)
    city = now.loc[now["kind"] == "city", "average"]
    now["gap"] = now["average"] - (city.iloc[0] if len(city) else np.nan)
    at = periods.index(period)
    if at == 0:
        now["change"] = np.nan
        return now
    before = table[table["period"] == periods[at - 1]].set_index(["kind", "group"])
    key = pd.MultiIndex.from_frame(now[["kind", "group"]])
    now["change"] = (
        now["average"].to_numpy() - before["average"].reindex(key).to_numpy()
    )
    return now


# --------------------------------------------------------------------- movers
@dataclass(frozen=True)
class Movers:
    """The biggest risers and fallers of a period by rank change within their peer
    group (``peer_rank_change``: previous − current rank, + = up), each
    ``unit_id, name_zh, name_en, level, peer_group, peer_rank, before, change``
    (``before``: the rank in the group a period earlier), biggest move first."""

    risers: pd.DataFrame
    fallers: pd.DataFrame


def movers(
    result: Result,
    period: str | None = None,
    *,
    n: int = 5,
    unit_level: str | None = None,
) -> Movers:
    """The ``n`` units that rose most and the ``n`` that fell most within their
    peer group in ``period`` (only units of ``unit_level`` if given); ties by the
    better rank now, then by id. Empty in a run's first period (no rank change)."""
    period = _check_period(result, period)
    units = _units(result)
    r = result.ranks[result.ranks["period"] == period]
    r = r.join(units[["name_zh", "name_en", "level"]], on="unit_id")
    if unit_level is not None:
        r = r[r["level"] == unit_level]
    r = r.dropna(subset=["peer_rank_change", "peer_rank"])
    change = r["peer_rank_change"].astype(int)
    table = pd.DataFrame(
        {
            "unit_id": r["unit_id"].to_numpy(),
            "name_zh": r["name_zh"].to_numpy(),
            "name_en": r["name_en"].to_numpy(),
            "level": r["level"].to_numpy(),
            "peer_group": r["peer_group"].to_numpy(),
            "peer_rank": r["peer_rank"].astype(int).to_numpy(),
            "before": (r["peer_rank"].astype(int) + change).to_numpy(),
            "change": change.to_numpy(),
        }
    )
    up = table[table["change"] > 0].sort_values(
        ["change", "peer_rank", "unit_id"], ascending=[False, True, True]
    )
    down = table[table["change"] < 0].sort_values(
        ["change", "peer_rank", "unit_id"], ascending=[True, True, True]
    )
    return Movers(
        up.head(n).reset_index(drop=True), down.head(n).reset_index(drop=True)
    )


# --------------------------------------------------------------------- grades
def grade_counts(grades: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """The annual grades distribution: units at each final grade, all units
    (``all``) and by unit level (``units.level``), columns the grades best first,
    integers, zeros included. ``grades``: a published appraisal's grades table."""
    level = units.set_index("unit_id")["level"]
    g = grades.assign(level=grades["unit_id"].map(level))
    levels = [x for x in dict.fromkeys(level) if x in set(g["level"])]
    table = pd.crosstab(g["level"], g["final_grade"]).reindex(
        index=levels, columns=list(GRADE), fill_value=0
    )
    table.loc[ALL] = table.sum()
    table = table.loc[[ALL, *levels]].astype(int)
    table.index.name, table.columns.name = "unit_level", None
    return table


# -------------------------------------------------------------------- changes
@dataclass(frozen=True)
class Changes:
    """What changed from the last publication (``before``, its own period) to
    this run (its own period).

    ``warnings``: units now at red or orange that were not at that level or worse
    before (``unit_id, name_zh, name_en, level, peer_group, now, was``; ``was`` green
    for a unit new to the run), red first; ``moved``: the units whose rank in their
    peer group moved most (``unit_id, name_zh, name_en, level, peer_group, before,
    now, change``, + = up); ``catalogue``: the changed catalogue fields
    (:func:`evaluation.catalogue.compare`; empty when the method is the same);
    ``same_period``: the last publication was of the same period (a correction).
    """

    period: str
    before_period: str
    warnings: pd.DataFrame
    moved: pd.DataFrame
    catalogue: pd.DataFrame

    @property
    def same_period(self) -> bool:
        return self.period == self.before_period


def changes(result: Result, before: Result, *, n: int = 5) -> Changes:
    """What changed since the last publication ``before``: new red and orange
    units, the ``n`` biggest moves in a peer group (units in both runs and groups),
    and the method (catalogue) changes. Each run at its own period."""
    severity = {level: i for i, level in enumerate(reversed(LEVELS))}
    units = _units(result)

    def levels(r: Result) -> pd.Series:
        risk = r.risk[r.risk["period"] == r.period].set_index("unit_id")["level"]
        return risk.reindex(r.units["unit_id"]).fillna("green")

    now, was = levels(result), levels(before).reindex(units.index).fillna("green")
    now = now.reindex(units.index).fillna("green")
    worse = now.map(severity) > was.map(severity)
    serious = now.isin(["red", "orange"]) & worse
    ids = [u for u in units.index if serious[u]]
    warn = units.loc[ids].reset_index()
    warn["now"], warn["was"] = now[ids].to_numpy(), was[ids].to_numpy()
    warn = warn.assign(_s=-warn["now"].map(severity)).sort_values(
        ["_s", "unit_id"], kind="stable"
    )
    warn = warn.drop(columns="_s").reset_index(drop=True)

    def ranks(r: Result) -> pd.DataFrame:
        x = r.ranks[r.ranks["period"] == r.period]
        return x.set_index("unit_id")[["peer_group", "peer_rank"]]

    a, b = ranks(before), ranks(result)
    both = b.join(a.add_suffix("_before"), how="inner")
    both = both[(both["peer_group"] == both["peer_group_before"])].dropna(
        subset=["peer_rank", "peer_rank_before"]
    )
    change = both["peer_rank_before"].astype(int) - both["peer_rank"].astype(int)
    moved = units.loc[both.index].assign(
        before=both["peer_rank_before"].astype(int),
        now=both["peer_rank"].astype(int),
        change=change,
        _size=change.abs(),
    )
    moved = (
        moved[moved["change"] != 0]
        .reset_index()
        .sort_values(["_size", "change", "unit_id"], ascending=[False, False, True])
        .head(n)
        .drop(columns="_size")
        .reset_index(drop=True)
    )
    return Changes(
        period=result.period,
        before_period=before.period,
        warnings=warn,
        moved=moved,
        catalogue=compare(before.catalogue, result.catalogue),
    )
