"""Views of a run: the tables every reader needs, computed once from a ``Result``.

The dashboard, the committee report and the notebooks show a department's profile
(its rank in its group, its scores against the peer-group median and among its
peers, what makes its composite, its trends and its indicators' reports over time,
strengths and weaknesses, its warnings, data-quality flags and annual grade), the
weights the run used, a what-if ranking under other level-1 weights and the league
table with its risk and data-quality columns. Each is computed here from the run's
stored tables, so every reader shows the same number;
the readers only draw (figures in :mod:`evaluation.publish.plots`). Pure functions:
no Dash, no I/O, no stage recomputed. The tables a profile reads are indexed once
per run (per ``Result`` object, dropped with it), so a 2,000-unit run's profiles
cost milliseconds each after the first.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation import periods as P
from evaluation.catalogue import COMPOSITE, Catalogue
from evaluation.intake.status import owed
from evaluation.result import Result, rank_range
from evaluation.risk.quality import SERIES_WIDE
from evaluation.risk.rules import SEVERITY
from evaluation.scoring.aggregate import Node, limits, score_nodes, tree
from evaluation.scoring.normalise import SCORE
from evaluation.scoring.rank import rank_units
from evaluation.scoring.weights import ahp
from evaluation.vocabulary import (
    FAMILIES,
    MEDIA_NOTE,
    QUALITY_CHECK,
    RISK_LEVEL,
    Word,
    quantity,
    say,
    say_count,
    word,
)


# ------------------------------------------------------------------ helpers
def top_dimension_of(catalogue: Catalogue) -> dict[str, str]:
    """Node id (indicator or sub-dimension) → its level-1 dimension."""
    parent = catalogue.nodes["parent"]
    out = {}
    for node in parent.index:
        top = node
        while parent[top] != COMPOSITE:
            top = parent[top]
        out[node] = top
    return out


def group_gaps(scores: pd.DataFrame, groups) -> pd.DataFrame:
    """Each unit's scores against its group's median (the unit itself included;
    a unit without a score is left out of the median).

    ``scores``: units × nodes, indexed by unit id; ``groups``: each row's group.
    Returns the long table ``unit_id, group, node_id, score, group_median, gap`` in
    the order of the rows, then of the columns; NaN where a unit has no score. One
    computation for the peer-group medians of a profile and the appraisal group's
    medians of the year-end report, letters and dashboard.
    """
    x = scores.astype(float)
    groups = np.asarray(groups)
    medians = x.groupby(groups).transform("median")
    n = x.shape[1]
    out = pd.DataFrame(
        {
            "unit_id": np.repeat(x.index.to_numpy(), n),
            "group": np.repeat(groups, n),
            "node_id": np.tile(np.asarray(x.columns, dtype=object), len(x)),
            "score": x.to_numpy().ravel(),
            "group_median": medians.to_numpy().ravel(),
        }
    )
    out["gap"] = out["score"] - out["group_median"]
    return out


def _check_period(result: Result, period: str | None) -> str:
    period = period or result.period
    if period not in result.periods:
        raise KeyError(f"period {period!r} not in this result; have {result.periods}")
    return period


def _wide(frame: pd.DataFrame, key: str, value: str, units, columns) -> pd.DataFrame:
    """One period's long table as units × ``key`` (every unit, every column)."""
    return frame.pivot(index="unit_id", columns=key, values=value).reindex(
        index=units, columns=columns
    )


# ------------------------------------------------------------------ profile
#: per run (a ``Result`` object, by identity) the tables its profiles read, built
#: once: the dashboard loads a run once and asks for many profiles of it
_RUN_CACHE: dict[int, dict] = {}
_RUN_LOCK = threading.Lock()


def _memo(result: Result, key, build):
    """``build()`` once per run and ``key``; dropped when the Result goes."""
    store = _RUN_CACHE.get(id(result))
    if store is None:
        with _RUN_LOCK:
            store = _RUN_CACHE.get(id(result))
            if store is None:
                store = _RUN_CACHE[id(result)] = {}
                weakref.finalize(result, _RUN_CACHE.pop, id(result), None)
    if key not in store:
        store[key] = build()
    return store[key]


#: the columns of the run's tables a profile reads, where not all (observations:
#: a million rows at city scale, each text column costs its coding once)
_READ = {"observations": ("unit_id", "period", "indicator_id", "value", "reported_at")}


def _rows(result: Result, table: str, unit_id: str) -> pd.DataFrame:
    """A unit's rows of one of the run's long tables, in the table's order (text
    columns as objects)."""
    take = _columns(result, table)
    where = _memo(
        result,
        ("rows", table),
        lambda: getattr(result, table).groupby("unit_id", sort=False).indices,
    )
    rows = where.get(unit_id, np.empty(0, dtype=np.intp))
    return pd.DataFrame({column: get(rows) for column, get in take.items()})


def _columns(result: Result, table: str) -> dict:
    """:func:`_takers` of the columns of a run's table a profile reads, once."""

    def build():
        frame = getattr(result, table)
        return _takers(frame[[c for c in _READ.get(table, frame) if c in frame]])

    return _memo(result, ("columns", table), build)


def _takers(frame: pd.DataFrame) -> dict:
    """Column → a function taking rows by position, text as Python objects: a
    unit's few rows out of a million cost a NumPy take, not an Arrow one."""
    out = {}
    for column in frame.columns:
        values = frame[column]
        if isinstance(values.dtype, pd.StringDtype) or values.dtype == object:
            codes, uniques = pd.factorize(values)
            # code -1 (missing) takes the None appended last
            table = np.append(np.asarray(uniques, dtype=object), None)
            out[column] = lambda rows, c=codes, u=table: u[c[rows]]
        else:
            out[column] = lambda rows, a=values.array: a.take(rows)
    return out


def _units(result: Result) -> pd.DataFrame:
    """The run's units indexed by ``unit_id``."""
    return _memo(result, "units", lambda: result.units.set_index("unit_id"))


def _months(result: Result, labels, *, start: bool = False) -> np.ndarray:
    """:func:`evaluation.periods.month_index` of ``labels``, each label parsed once
    per run."""
    known = _memo(result, ("months", start), dict)
    labels = [str(x) for x in labels]
    new = sorted(set(labels) - known.keys())
    if new:
        known.update(zip(new, P.month_index(new, start=start).tolist(), strict=True))
    return np.array([known[x] for x in labels], dtype=np.int64)


@dataclass(frozen=True)
class _Period:
    """One period of a run, units × columns, and each peer group's medians."""

    dims: pd.DataFrame  #: units × level-1 dimensions, with ``composite``
    values: pd.DataFrame  #: units × indicators: prepared values
    scores: pd.DataFrame  #: units × indicators: normalised scores
    medians: dict  #: name (dims, values, scores) → peer groups × columns


def _period(result: Result, period: str) -> _Period:
    def build():
        units = result.units["unit_id"]
        group = result.units.set_index("unit_id")["peer_group"].reindex(units)
        dims = result.catalogue.top_dimensions()
        s = result.scores
        s = s[(s["period"] == period) & s["node_id"].isin(dims)]
        c = result.composite
        c = c[c["period"] == period].set_index("unit_id")["composite_score"]
        wide = {
            "dims": _wide(s, "node_id", "score", units, dims).assign(
                **{COMPOSITE: c.reindex(units).to_numpy(dtype=float)}
            ),
        }
        ids = list(result.catalogue.table.index)
        for name, frame, col in (
            ("values", result.prepared, "value"),
            ("scores", result.normalised, "score"),
        ):
            f = frame[frame["period"] == period]
            wide[name] = _wide(f, "indicator_id", col, units, ids).astype(float)
        medians = {
            k: v.astype(float).groupby(group.to_numpy()).median()
            for k, v in wide.items()
        }
        return _Period(**wide, medians=medians)

    return _memo(result, ("period", period), build)


def _standings(result: Result) -> pd.DataFrame:
    """Each unit's composite, ranks and rank changes in every period, with its peer
    group's median composite and how many units each ranking ranked: ``period,
    unit_id, peer_group, composite_score, rank, peer_rank, rank_change,
    peer_rank_change, peer_median, n, peer_n``."""

    def build():
        r = result.ranks
        c = result.composite[["period", "unit_id", "composite_score"]]
        out = c.merge(
            r[["period", "unit_id", "peer_group", "rank", "peer_rank", "rank_change",
               "peer_rank_change"]],
            on=["period", "unit_id"], how="left",
        )  # fmt: skip
        by_group = out.groupby(["period", "peer_group"])
        out["peer_median"] = by_group["composite_score"].transform("median")
        out["peer_n"] = by_group["peer_rank"].transform("count")
        out["n"] = out.groupby("period")["rank"].transform("count")
        return out

    return _memo(result, "standings", build)


@dataclass(frozen=True)
class Profile:
    """A department in one period, as its page shows it (tables, nothing drawn).

    ``dimensions``: level-1 ``node_id, score, peer_median, gap``; ``indicators``:
    ``indicator_id, value, target, peer_value, score, peer_score, gap, status,
    n_reported, n_expected, rollup, unit_zh, unit_en`` (peer medians over the unit's
    peer group, itself included; a value rolled up from fewer reports than expected
    has ``n_reported < n_expected``, and is pro rata where its ``rollup``, the
    catalogue's, is ``sum``: :func:`indicator_status` says so);
    ``waterfall``: ``node_id, contribution``, the composite's contributions summed by
    level-1 dimension (they add up to ``composite_score``); ``trend``: ``period,
    composite_score, rank, peer_rank, rank_change, peer_rank_change, peer_median,
    n, peer_n`` over the run's periods (``peer_median`` the peer group's median
    composite; ``n`` and ``peer_n`` the units ranked overall and in the group);
    ``dimension_trend``: ``period, node_id, score``, each level-1 dimension over the
    run's periods; ``peers``: ``unit_id, node_id, score``, the peer group's
    composite (``node_id`` ``composite``) and level-1 scores in the period, the
    unit itself included (its position among its peers); ``strengths`` and
    ``weaknesses``: the indicators most above and most below the peer median score
    (``indicators`` rows); ``warnings`` of the period, most severe first; the open
    ``ledger`` items. ``rank``, ``peer_rank`` (NaN when unranked), ``n`` and
    ``peer_n`` (units ranked), ``rank_change`` and ``peer_rank_change`` (previous
    rank − this rank: positive = moved up; NaN in a run's first period) and
    ``risk_level`` (the worst warning's level, ``green`` without one) of the period.
    """

    unit_id: str
    period: str
    peer_group: str
    composite_score: float
    rank: float
    peer_rank: float
    dimensions: pd.DataFrame
    indicators: pd.DataFrame
    waterfall: pd.DataFrame
    trend: pd.DataFrame
    strengths: pd.DataFrame
    weaknesses: pd.DataFrame
    warnings: pd.DataFrame
    ledger: pd.DataFrame
    n: int = 0
    peer_n: int = 0
    rank_change: float = np.nan
    peer_rank_change: float = np.nan
    risk_level: str = "green"
    dimension_trend: pd.DataFrame | None = None
    peers: pd.DataFrame | None = None


def profile(
    result: Result, unit_id: str, period: str | None = None, *, n: int = 3
) -> Profile:
    """A unit's profile in ``period`` (default the run's); ``n`` strengths and
    weaknesses. Raises ``KeyError`` for an unknown unit or period.

    The run's wide tables and peer-group medians are computed once per Result
    (kept while it lives), so the dashboard's profiles of a 2,000-unit run cost a
    few milliseconds each after the first."""
    period = _check_period(result, period)
    units = _units(result)
    if unit_id not in units.index:
        raise KeyError(f"no unit {unit_id!r} in this result")
    cat = result.catalogue
    peer_group = units.at[unit_id, "peer_group"]
    dims = cat.top_dimensions()
    at = _period(result, period)

    def against(wide: pd.DataFrame, medians: pd.DataFrame, columns) -> pd.DataFrame:
        score = wide.loc[unit_id, columns].to_numpy(dtype=float)
        median = medians.reindex(index=[peer_group], columns=columns)
        median = median.to_numpy(dtype=float).ravel()
        return pd.DataFrame(
            {"node_id": list(columns), "score": score, "group_median": median,
             "gap": score - median}
        )  # fmt: skip

    dimensions = against(at.dims, at.medians["dims"], dims).rename(
        columns={"group_median": "peer_median"}
    )

    p = _rows(result, "prepared", unit_id)
    mine = p[p["period"] == period].set_index("indicator_id")
    ids = list(mine.index)
    values = against(at.values, at.medians["values"], ids)
    scores = against(at.scores, at.medians["scores"], ids)
    table = cat.table
    indicators = pd.DataFrame(
        {
            "indicator_id": ids,
            "value": mine["value"].to_numpy(),
            "target": table["target"].reindex(ids).to_numpy(),
            "peer_value": values["group_median"].to_numpy(),
            "score": scores["score"].to_numpy(),
            "peer_score": scores["group_median"].to_numpy(),
            "gap": scores["gap"].to_numpy(),
            "status": mine["status"].to_numpy(),
            "n_reported": mine["n_reported"].to_numpy(),
            "n_expected": mine["n_expected"].to_numpy(),
            "rollup": table["rollup"].reindex(ids).to_numpy(),
            "unit_zh": table["unit_zh"].reindex(ids).to_numpy(),
            "unit_en": table["unit_en"].reindex(ids).to_numpy(),
        }
    )
    strengths, weaknesses = _strengths(indicators, n)

    c = _rows(result, "contributions", unit_id)
    c = c[c["period"] == period]
    top = _memo(result, "top", lambda: top_dimension_of(cat))
    waterfall = (
        c.assign(node_id=c["indicator_id"].map(top))
        .groupby("node_id", sort=False)["contribution"]
        .sum()
        .reindex(dims)
        .fillna(0.0)
        .reset_index()
    )

    standing = _standings(result)
    trend = _rows_of(standing, result, "standings", unit_id)
    trend = trend.drop(columns=["unit_id", "peer_group"]).reset_index(drop=True)
    now = trend[trend["period"] == period]
    s = _rows(result, "scores", unit_id)
    dimension_trend = s.loc[s["node_id"].isin(dims), ["period", "node_id", "score"]]
    mates = units.index[units["peer_group"] == peer_group]
    peers = at.dims.loc[mates, [COMPOSITE, *dims]].rename_axis("unit_id")
    peers = peers.reset_index().melt(
        id_vars="unit_id", var_name="node_id", value_name="score"
    )

    w = _rows(result, "warnings", unit_id)
    w = w[w["period"] == period]
    w = w.iloc[np.argsort(-w["level"].map(SEVERITY).to_numpy(), kind="stable")]
    led = _rows(result, "ledger", unit_id)
    risk = _rows(result, "risk", unit_id)
    level = risk.loc[risk["period"] == period, "level"]
    return Profile(
        unit_id=unit_id,
        period=period,
        peer_group=peer_group,
        composite_score=_first(now["composite_score"]),
        rank=_first(now["rank"]),
        peer_rank=_first(now["peer_rank"]),
        dimensions=dimensions,
        indicators=indicators,
        waterfall=waterfall,
        trend=trend,
        strengths=strengths,
        weaknesses=weaknesses,
        warnings=w,
        ledger=led[led["status"] == "open"].sort_values("first_due"),
        n=int(_first(now["n"]) if len(now) else 0),
        peer_n=int(_first(now["peer_n"]) if len(now) else 0),
        rank_change=_first(now["rank_change"]),
        peer_rank_change=_first(now["peer_rank_change"]),
        risk_level=str(level.iloc[0]) if len(level) else "green",
        dimension_trend=dimension_trend.reset_index(drop=True),
        peers=peers,
    )


def _rows_of(frame: pd.DataFrame, result: Result, key: str, unit_id: str):
    """A unit's rows of a table built for the run (``key`` names it in the cache)."""
    where = _memo(result, ("rows", key), lambda: frame.groupby("unit_id").indices)
    return frame.iloc[where.get(unit_id, np.empty(0, dtype=int))]


def indicator_trend(result: Result, unit_id: str, indicator_id: str) -> pd.DataFrame:
    """A unit's reports of one indicator as the agency sent them, in time order:
    ``period`` (the report's own period: month, quarter …), ``value``,
    ``reported_at`` (the date the agency reported it; '' where not recorded) and
    ``peer_median``, the peer group's median of the same period's reports. The
    trend the profile draws beneath the evaluation periods' scores. Raises
    ``KeyError`` for an unknown unit or indicator."""
    units = _units(result)
    if unit_id not in units.index:
        raise KeyError(f"no unit {unit_id!r} in this result")
    if indicator_id not in result.catalogue.table.index:
        raise KeyError(f"no indicator {indicator_id!r} in this catalogue")
    group = units.at[unit_id, "peer_group"]

    def medians() -> pd.Series:  # every peer group's, of this indicator's reports
        o = result.observations
        where = _memo(
            result, ("rows", "indicator"), lambda: o.groupby("indicator_id").indices
        )
        rows = where.get(indicator_id, np.empty(0, dtype=np.intp))
        take = _columns(result, "observations")
        groups = units["peer_group"].reindex(take["unit_id"](rows)).to_numpy()
        values = pd.Series(take["value"](rows), dtype=float)
        return values.groupby([groups, take["period"](rows)]).median()

    every = _memo(result, ("peer_reports", indicator_id), medians)
    median = every.loc[group] if group in every.index.get_level_values(0) else {}
    o = _rows(result, "observations", unit_id)
    o = o[o["indicator_id"] == indicator_id]
    reported = o["reported_at"] if "reported_at" in o else pd.Series("", index=o.index)
    out = pd.DataFrame(
        {
            "period": o["period"].astype(str).to_numpy(),
            "value": o["value"].to_numpy(dtype=float),
            "reported_at": reported.fillna("").astype(str).to_numpy(),
        }
    )
    out["peer_median"] = out["period"].map(median).to_numpy(dtype=float)
    order = np.lexsort((out["period"].to_numpy(), _months(result, out["period"])))
    return out.iloc[order].reset_index(drop=True)


@dataclass(frozen=True)
class Grade:
    """A unit's final grade in an annual appraisal and why: ``grade`` (its code),
    ``score`` (the final score), ``group_rank`` of ``group_n`` in its appraisal
    ``group``, ``by_score`` (the grade its score earned), ``tie`` (tied at the
    quota line, for the committee) and the ``reasons`` (``(zh, en)`` pairs) of every
    rule, quota cut and committee decision applied to it, in the order applied."""

    grade: str
    score: float
    group: str
    group_rank: float
    group_n: int
    by_score: str
    tie: bool
    reasons: tuple[tuple[str, str], ...]
    #: the appraisal group's name ``(zh, en)``, where the caller has the config
    group_name: tuple[str, str] = ("", "")


def unit_grade(
    grades: pd.DataFrame, rules_applied: pd.DataFrame, unit_id: str
) -> Grade | None:
    """A unit's :class:`Grade` from an appraisal's stored ``grades`` and
    ``rules_applied``; None when the appraisal does not grade it."""
    hit = grades[grades["unit_id"] == unit_id]
    if hit.empty:
        return None
    row = hit.iloc[0]
    applied = rules_applied[rules_applied["unit_id"] == unit_id]
    return Grade(
        grade=str(row["final_grade"]),
        score=float(row["score"]),
        group=str(row["group"]),
        group_rank=float(row["group_rank"]) if pd.notna(row["group_rank"]) else np.nan,
        group_n=int((grades["group"] == row["group"]).sum()),
        by_score=str(row["grade_by_score"]),
        tie=bool(row.get("quota_tie", False)),
        reasons=tuple(
            (str(zh), str(en))
            for zh, en in zip(applied["reason_zh"], applied["reason_en"], strict=True)
        ),
    )


def _first(values: pd.Series) -> float:
    return float(values.iloc[0]) if len(values) and pd.notna(values.iloc[0]) else np.nan


def _strengths(indicators: pd.DataFrame, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``n`` indicators most above and most below the peer median score (at the
    median is neither; the largest gap first)."""
    gap = indicators.dropna(subset=["gap"]).sort_values("gap", kind="stable")
    above, below = gap[gap["gap"] > 0], gap[gap["gap"] < 0]
    return above.tail(n).iloc[::-1], below.head(n)


def indicator_table(
    indicators: pd.DataFrame, catalogue: Catalogue, lang: str = "zh"
) -> pd.DataFrame:
    """A profile's ``indicators`` (or its ``strengths`` / ``weaknesses``) as people
    read them, under headers in ``lang`` (the profile page's words): the indicator's
    name, its unit of measure, value, target, peer median, score, the peer median
    score, the gap between the two, and the value's status in words. Numbers stay
    numbers (NaN where there is none), for a notebook or a workbook to format."""
    t = lambda key: word("page_profile", key, lang)  # noqa: E731
    ids = indicators["indicator_id"]
    return pd.DataFrame(
        {
            t("indicator"): [catalogue.name(i, lang) for i in ids],
            t("measure"): indicators[f"unit_{lang}"].to_numpy(),
            t("value"): indicators["value"].to_numpy(dtype=float),
            t("target"): indicators["target"].to_numpy(dtype=float),
            t("peer_value"): indicators["peer_value"].to_numpy(dtype=float),
            t("score"): indicators["score"].to_numpy(dtype=float),
            t("peer_score"): indicators["peer_score"].to_numpy(dtype=float),
            t("gap"): indicators["gap"].to_numpy(dtype=float),
            t("status"): indicator_status(indicators, lang),
        }
    )


def indicator_status(indicators: pd.DataFrame, lang: str = "zh") -> list[str]:
    """Each of a profile's ``indicators``' status in words in ``lang``, as the
    profile page, the department notebook and the workbook write it: 已报送,
    缺失（不计） … (``observation_status``); after 已报送, a value rolled up from
    fewer reports than its period expects says how many, 已报送（11/12期）; a sum,
    which is then pro rata (methodology §3), also what the reports add up to, in
    the warnings' words (:func:`evaluation.risk.rules._fewer_reports`):
    已报送（11/12期，实报合计4件，按比例折算） / reported (4 findings in 11 of 12
    reports, pro rata). The value itself stays the pro-rata one (4.4件): it is the
    one scored. A table without the report counts (``n_reported``, ``n_expected``,
    ``rollup``: one made by hand) says the status alone."""
    status = FAMILIES["observation_status"]
    k = 0 if lang == "zh" else 1
    partial, pro_rata = (word("page_profile", w, lang) for w in ("partial", "pro_rata"))
    out = []
    for r in indicators.itertuples():
        said = status.get(r.status, (r.status, r.status))[k]
        n, e = getattr(r, "n_reported", 0), getattr(r, "n_expected", 0)
        if r.status == "reported" and 0 < n < e:
            if getattr(r, "rollup", None) == "sum" and pd.notna(r.value):
                # the reports' own total (value = total × e / n), to the 9th place
                # so that 4.363636… × 11 / 12 is 4, not 3.9999999999999996
                total = round(float(r.value) * int(n) / int(e), 9)
                total = quantity(total, (r.unit_zh, r.unit_en), lang)
                said += pro_rata.format(n=int(n), of=int(e), total=total)
            else:
                said += partial.format(n=int(n), of=int(e))
        out.append(said)
    return out


# -------------------------------------------------------------- data quality
#: the columns of :func:`unit_flags`
FLAG_COLUMNS = [
    "flag_id",
    "check",
    "check_zh",
    "check_en",
    "since",
    "period",
    "window_zh",
    "window_en",
    "indicator_id",
    "agency",
    "subject_zh",
    "subject_en",
    "value",
    "statistic",
    "reason_zh",
    "reason_en",
]


def flags_in(flags: pd.DataFrame, period: str) -> pd.DataFrame:
    """The data-quality flags that bear on ``period``: those whose window (``since``
    … ``period``, the first and the last period of their evidence) shares a month
    with it, and the checks over a unit's whole history (``SERIES_WIDE``).

    Why the window: a series frozen since 2025-M01 up to 2025-M12 is one flag named
    by its last period; matching on that period alone would hide it from the
    2025-M06 profile and league (and from the year's letter if the run went on into
    the next year), where the frozen values were reported. Labels of any frequency
    compare by their months (``2025-B2`` reaches into ``2025-M03`` and ``2025-Q1``).
    A flag without ``since`` (a store older than the column) is its period alone.
    The one rule of the profile, the league's ``dq_flags``, the feedback letters and
    the committee report, so they all count the same flags.
    """
    if not len(flags):
        return flags
    start = P.month_index(flag_since(flags), start=True)
    end = P.month_index(flags["period"].astype(str))
    first_month = P.month_index([period], start=True)[0]
    last_month = P.month_index([period])[0]
    reaches = (start <= last_month) & (end >= first_month)
    return flags[reaches | flags["check"].isin(list(SERIES_WIDE)).to_numpy()]


#: an analyst's decision on a flag, as a triage reads them (``flag_status``)
FLAG_STATUSES = ("open", "accepted", "dismissed")


def flag_counts(flags: pd.DataFrame) -> pd.DataFrame:
    """How many flags each check raised, by the analysts' decision: ``open``,
    ``accepted``, ``dismissed`` and ``all``; one row per check with a flag, in the
    checks' order (:data:`QUALITY_CHECK`; one the vocabulary lacks after them).
    ``flags`` as :func:`evaluation.risk.quality.with_decisions` gives them; without
    a ``status`` column every flag is open. The triage chart's numbers."""
    status = flags["status"] if "status" in flags else pd.Series("open", flags.index)
    present = set(flags["check"])
    checks = [c for c in QUALITY_CHECK if c in present] + sorted(
        present - set(QUALITY_CHECK)
    )
    counts = pd.crosstab(flags["check"], status).reindex(
        index=checks, columns=list(FLAG_STATUSES), fill_value=0
    )
    counts["all"] = counts.sum(axis=1)
    return counts.rename_axis(index="check", columns=None).astype("int64")


def flag_since(flags: pd.DataFrame) -> pd.Series:
    """Each flag's first period (``since``; its ``period`` where it has none, as in
    a store older than the column)."""
    last = flags["period"].astype(str)
    since = flags["since"] if "since" in flags else last
    return since.where(since.notna() & (since.astype(str) != ""), last).astype(str)


def flag_window(since, period: str, lang: str, *, whole: bool = False) -> str:
    """A flag's window as people read it, periods by their names: ``2025年1月至
    2025年12月`` / ``January 2025 to December 2025``, one period alone as its name
    (``2025年3月`` / ``March 2025``), a check over the whole history (``whole``) as
    ``截至2025年第四季度`` / ``up to Q4 2025``.
    """
    name = P.name_zh if lang == "zh" else P.name_en
    if whole:
        return word("flag_text", "through", lang).format(period=name(period))
    if not _text(since) or since == period:
        return name(period)
    return word("flag_text", "span", lang).format(
        since=name(since), period=name(period)
    )


def flag_subject(catalogue: Catalogue, indicator_id, agency, lang: str) -> str:
    """What a flag is about: its series' name; for a flag on a whole submission
    (no series), the reporting agency's name; for a check over all the unit's
    series, ``多项指标`` / ``several series``."""
    for node in (indicator_id, agency):
        if _text(node):
            return catalogue.name_or_id(node, lang)
    return word("flag_text", "several", lang)


def unit_flags(result: Result, unit_id: str, period: str | None = None) -> pd.DataFrame:
    """A unit's data-quality flags that bear on ``period`` (default the run's;
    :func:`flags_in`), latest first (by last period, then first period).

    :data:`FLAG_COLUMNS`: the flag's own columns with the check's words
    (``check_zh``, ``check_en``), its window in words (``window_zh``, ``window_en``,
    :func:`flag_window`) and what it is about (``subject_zh``, ``subject_en``,
    :func:`flag_subject`). Flags are suspicions for the office to check; they never
    change a score. Raises ``KeyError`` for an unknown unit or period.
    """
    period = _check_period(result, period)
    if unit_id not in _units(result).index:
        raise KeyError(f"no unit {unit_id!r} in this result")
    f = _rows(result, "flags", unit_id)
    f = flags_in(f, period) if len(f) else f
    if not len(f):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FLAG_COLUMNS})
    f = f.reset_index(drop=True)
    last, since = f["period"].astype(str), flag_since(f)
    agency = f["agency"] if "agency" in f else pd.Series([None] * len(f))
    whole = f["check"].isin(list(SERIES_WIDE)).to_numpy()
    cat = result.catalogue
    out = f.assign(since=since, agency=agency)
    for lang, k in (("zh", 0), ("en", 1)):
        out[f"check_{lang}"] = [QUALITY_CHECK.get(c, (c, c))[k] for c in f["check"]]
        out[f"window_{lang}"] = [
            flag_window(s, p, lang, whole=w)
            for s, p, w in zip(since, last, whole, strict=True)
        ]
        out[f"subject_{lang}"] = [
            flag_subject(cat, i, a, lang)
            for i, a in zip(f["indicator_id"], agency, strict=True)
        ]
    order = np.lexsort(
        (
            out["flag_id"].to_numpy(dtype=str),
            -_months(result, since, start=True),
            -_months(result, last),
        )
    )
    return out.iloc[order][FLAG_COLUMNS].reset_index(drop=True)


def flag_table(flags: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """A unit's flags (:func:`unit_flags`, in its order) as the profile lists them,
    under headers in ``lang``: the check, the series or reporting agency, the
    window (报告期: ``2024年1月至2025年12月``, not the last period alone) and the
    reason; the flag's id last, to triage it by."""
    t = lambda key: word("risk_header", key, lang)  # noqa: E731
    return pd.DataFrame(
        {
            t("check"): flags[f"check_{lang}"].to_numpy(),
            t("subject"): flags[f"subject_{lang}"].to_numpy(),
            t("period"): flags[f"window_{lang}"].to_numpy(),
            t("reason"): flags[f"reason_{lang}"].to_numpy(),
            t("flag_id"): flags["flag_id"].to_numpy(),
        }
    )


def _text(x) -> bool:
    """A cell that holds text (not missing, not empty)."""
    return isinstance(x, str) and x.strip() != ""


# ------------------------------------------------------------------ weights
def effective_weights(result: Result, period: str | None = None) -> pd.DataFrame:
    """Every node's weight as the run used it in ``period`` (default the run's).

    ``node_id, parent, kind, depth, method, local_weight, weight``: ``local_weight``
    is the share its parent gave it (``result.weights``: after AHP, entropy or any
    other method, before renormalising over a unit's missing children), ``method``
    how the parent set it, and ``weight`` the product of the local weights up to the
    composite (the node's share of the composite; the indicators' sum to 1). A node
    the run did not weigh in ``period`` (no row in ``result.weights``: a quarterly
    indicator in a monthly run) took no part: its weights are 0, its siblings'
    renormalised over the rest as the run did. A store made before the weights
    table was saved falls back on the catalogue's weights.
    """
    period = _check_period(result, period)
    nodes = result.catalogue.nodes
    w = result.weights[result.weights["period"] == period]
    used = w.set_index(["node_id", "child_id"])
    recorded = not w.empty  # else a store from before the weights table
    specs = result.catalogue.methods
    local, method = {}, {}
    for node, parent in nodes["parent"].items():
        if (parent, node) in used.index:
            local[node] = float(used.at[(parent, node), "weight"])
            method[node] = used.at[(parent, node), "method"]
        else:
            local[node] = 0.0 if recorded else float(nodes.at[node, "local_weight"])
            method[node] = specs[parent][0].method
    weight = {}
    for node in nodes.index:
        x, p = local[node], nodes.at[node, "parent"]
        while p != COMPOSITE:
            x, p = x * local[p], nodes.at[p, "parent"]
        weight[node] = x
    return pd.DataFrame(
        {
            "node_id": nodes.index,
            "parent": nodes["parent"].to_numpy(),
            "kind": nodes["kind"].to_numpy(),
            "depth": nodes["depth"].to_numpy(),
            "method": [method[x] for x in nodes.index],
            "local_weight": [local[x] for x in nodes.index],
            "weight": [weight[x] for x in nodes.index],
        }
    )


def methods(result: Result) -> pd.DataFrame:
    """Each parent node (dimensions, then ``composite``): how it weighs its
    children (``weights``), how it combines them (``aggregation``) and, for AHP
    weights, the consistency ratio ``cr`` of its comparison matrix (else NaN)."""
    rows = []
    for node, (spec, how) in result.catalogue.methods.items():
        cr = np.nan
        if spec.ahp is not None:
            a = spec.ahp
            cr = ahp(a.matrix, method=a.method, random_index=a.random_index)[1]
        rows.append(
            {
                "node_id": node,
                "weights": spec.method,
                "aggregation": how.method,
                "cr": cr,
            }
        )
    return pd.DataFrame(rows, columns=["node_id", "weights", "aggregation", "cr"])


# ------------------------------------------------------------------- what-if
def dimension_matrix(result: Result, period: str | None = None) -> pd.DataFrame:
    """Units × level-1 dimension scores of a period (the published numbers)."""
    period = _check_period(result, period)
    dims = result.catalogue.top_dimensions()
    s = result.scores[
        (result.scores["period"] == period) & result.scores["node_id"].isin(dims)
    ]
    return _wide(s, "node_id", "score", result.units["unit_id"], dims)


def published_weights(result: Result, period: str | None = None) -> dict[str, float]:
    """The level-1 weights the run used in ``period`` (sum 1)."""
    w = effective_weights(result, period)
    top = w[w["parent"] == COMPOSITE]
    return {
        k: float(v) for k, v in zip(top["node_id"], top["local_weight"], strict=True)
    }


def whatif(
    result: Result, period: str | None, weights: dict[str, float]
) -> pd.DataFrame:
    """Composite and rank of ``period`` under other level-1 ``weights``: the
    composite node of the aggregation engine over each unit's published dimension
    scores (weights renormalised over the dimensions it has, the catalogue's
    coverage rule and method), ranked as the run ranks. Units the run left
    unranked for imputed data stay unranked. ``unit_id, score, rank,
    published_rank, move`` (places gained), best first. Never saved. With the
    published weights it reproduces the published composite bit for bit.
    """
    return WhatIf(result, period).scores(weights)


def rank_moves(
    result: Result, other: Result, period: str | None = None
) -> pd.DataFrame:
    """How ranks move from ``result`` to ``other`` (the same data scored another
    way, e.g. with a variant of the catalogue, :func:`evaluation.catalogue.variant`)
    in ``period`` (``result``'s own by default): ``unit_id, name_zh, name_en,
    composite_score, rank, composite_score_other, rank_other, move`` (places
    gained: rank − rank_other; none where either leaves the unit unranked), the
    biggest move either way first, equal moves in ``result``'s league order (a
    stable sort), a unit without a move last. Units ``other`` does not score are
    left out."""
    period = _check_period(result, period)
    keep = ["unit_id", "composite_score", "rank"]
    table = (
        result.league_table(period)[["unit_id", "name_zh", "name_en", *keep[1:]]]
        .merge(other.league_table(period)[keep], on="unit_id", suffixes=("", "_other"))
    )  # fmt: skip
    rank = table["rank"].astype("Float64").astype(float)
    table["move"] = rank - table["rank_other"].astype("Float64").astype(float)
    order = table["move"].abs().sort_values(ascending=False, kind="stable").index
    return table.loc[order].reset_index(drop=True)


# ------------------------------------------------------------------ overview
def league(
    result: Result,
    period: str | None = None,
    *,
    peer_group: str | None = None,
    grades: pd.DataFrame | None = None,
    intervals: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The league table (:meth:`Result.league_table`) with each unit's
    ``risk_level`` in the period (green without a warning), its data-quality flags
    (``dq_flags``: those whose window reaches into the period and the series-wide
    ones, :func:`flags_in`, the flags its profile lists), its final ``grade`` where
    ``grades`` (a published appraisal of the year) are given, for the run's own
    period its ``rank_interval`` (``3 (2–5)``) from the uncertainty ``intervals``,
    and its note (``note_zh``, ``note_en``: :func:`league_notes`)."""
    period = _check_period(result, period)
    table = result.league_table(period, peer_group=peer_group)
    level = result.risk[result.risk["period"] == period].set_index("unit_id")["level"]
    table["risk_level"] = table["unit_id"].map(level).fillna("green")
    mine = flags_in(result.flags, period)
    table["dq_flags"] = (
        table["unit_id"].map(mine.groupby("unit_id").size()).fillna(0).astype(int)
    )
    final = (
        grades.set_index("unit_id")["final_grade"]
        if grades is not None
        else pd.Series()
    )
    table["grade"] = table["unit_id"].map(final)
    if intervals is not None and period == result.period:
        table["rank_interval"] = table["unit_id"].map(rank_range(intervals))
    said = league_notes(result, table, period)
    table["note_zh"] = [w.zh for w in said]
    table["note_en"] = [w.en for w in said]
    return table


def blank_dimensions(
    result: Result, table: pd.DataFrame, period: str | None
) -> pd.DataFrame:
    """Per row of a league table of ``period`` (all its units, or a peer group's, a
    level's), True at each level-1 dimension the period scores (some unit of the
    period has it) that the row's ranked unit has no score in: too few of its
    indicators had a value (``min_coverage``); its composite is the others'.
    Columns: those dimensions, in catalogue order."""
    scores = result.scores  # the period's level-1 scores, not its whole table again
    have = scores["period"].eq(period or result.period) & scores["score"].notna()
    scored = set(scores.loc[have, "node_id"])
    assessed = [d for d in result.catalogue.top_dimensions() if d in scored]
    ranked = (table["status"] != "insufficient_data").to_numpy()
    return table[assessed].isna() & ranked[:, None]


def filled(
    result: Result, table: pd.DataFrame, period: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per row of a league table of ``period``, what its note counts: the unit's
    values not reported and scored 0 by the catalogue's ``missing: zero_score``
    rule (status ``missing_zero_score``), and its imputed ones (the rest of
    ``n_imputed``: values filled by another rule, peer median, carry forward…,
    and dimension scores filled by a dimension's rule); both 0 for a unit not
    ranked, whose note says only that."""
    prepared = result.prepared
    zero = prepared[
        (prepared["period"] == (period or result.period))
        & (prepared["status"] == "missing_zero_score")
    ]
    counts = table["unit_id"].map(zero.groupby("unit_id").size())
    ranked = (table["status"] != "insufficient_data").to_numpy()
    zeros = counts.fillna(0).astype(int).to_numpy() * ranked
    return zeros, (table["n_imputed"].to_numpy() - zeros) * ranked


def league_notes(result: Result, table: pd.DataFrame, period: str | None) -> list[Word]:
    """Each row's note of a league table (:meth:`Result.league_table` of
    ``period``), as the media table and the dashboard publish it: not ranked
    (insufficient data); else its values not reported and scored 0 and its
    imputed ones (:func:`filled`), each counted;
    a ranked unit's level-1 dimension
    left blank where the period scores it for others (too few of its indicators
    had a value, ``min_coverage``: its composite is the other dimensions',
    reweighted); a late agency's indicators left out, named with its agency and
    periods (:func:`~evaluation.intake.status.owed`). Parts joined by ``；``."""
    cat = result.catalogue

    def listed(ids) -> Word:  # names in each language's list
        return Word("、".join(cat.name(x, "zh") for x in ids),
                      ", ".join(cat.name(x, "en") for x in ids))  # fmt: skip

    parts: list[list[Word]] = [[] for _ in range(len(table))]
    unranked = (table["status"] == "insufficient_data").to_numpy()
    zero, imputed = filled(result, table, period)
    for row in range(len(table)):
        if unranked[row]:
            parts[row].append(MEDIA_NOTE["insufficient_data"])
            continue
        for key, n in (("zero_score", zero[row]), ("imputed", imputed[row])):
            if n:
                parts[row].append(say_count("media_note", key, int(n)))
    blank = blank_dimensions(result, table, period)
    for row in np.flatnonzero(blank.any(axis=1).to_numpy()):
        dims = blank.columns[blank.iloc[row].to_numpy()]
        parts[row].append(say("media_note", "blank_dimension", dims=listed(dims)))
    if "n_absent" in table:  # a late agency's indicators left out
        late = result.absences
        late = late.loc[late["evaluation_period"] == (period or result.period)]
        absent = say("media_note", "absent", owed=owed(late, cat))
        for row in np.flatnonzero((table["n_absent"] > 0).to_numpy()):
            parts[row].append(absent)
    return [
        Word("；".join(p.zh for p in row), "; ".join(p.en for p in row))
        for row in parts
    ]


def ledger_overdue_first(result: Result) -> pd.DataFrame:
    """The run's ledger, open items first, the overdue among them first, then by
    first due date."""
    led = result.ledger
    order = pd.DataFrame(
        {
            "open": (led["status"] == "open").to_numpy(),
            "late": led["reminder"].astype(bool).to_numpy(),
            "due": led["first_due"].to_numpy(),
        }
    ).sort_values(
        ["open", "late", "due"], ascending=[False, False, True], kind="stable"
    )
    return led.iloc[order.index]


# ------------------------------------------- methodology and what-if (pages)
def node_weights(result: Result, period: str | None = None) -> pd.DataFrame:
    """Each node that weighs children, as the run used it in ``period`` (default
    the run's): the composite first, then the dimensions in catalogue order.

    ``node_id, depth, local_weight, weight, weights, aggregation, cr``:
    ``local_weight`` its share of its parent and ``weight`` its share of the
    composite (:func:`effective_weights`; 1 for the composite), ``weights`` the
    method that set its children's weights as the run recorded it (AHP, entropy…),
    ``aggregation`` how it combines them, ``cr`` the AHP consistency ratio (else NaN).
    """
    w = effective_weights(result, period)
    used = w.drop_duplicates("parent").set_index("parent")["method"]
    how = methods(result).set_index("node_id")
    own = w.set_index("node_id")
    parents = [COMPOSITE, *(n for n in own.index if n in how.index)]
    return pd.DataFrame(
        {
            "node_id": parents,
            "depth": [
                0 if n == COMPOSITE else int(own.at[n, "depth"]) for n in parents
            ],
            "local_weight": [
                1.0 if n == COMPOSITE else own.at[n, "local_weight"] for n in parents
            ],
            "weight": [1.0 if n == COMPOSITE else own.at[n, "weight"] for n in parents],
            "weights": [used.get(n, how.at[n, "weights"]) for n in parents],
            "aggregation": [how.at[n, "aggregation"] for n in parents],
            "cr": [how.at[n, "cr"] for n in parents],
        }
    )


def weight_shares(weights: dict[str, float]) -> dict[str, float]:
    """Level-1 weights as shares of their sum, as :func:`whatif` renormalises them
    (``{"a": 1, "b": 2}`` → a 1/3, b 2/3). Raises ``ValueError`` (in Chinese and
    English) when a weight is negative or missing or they sum to 0: no ranking."""
    w = pd.Series(weights, dtype=float)
    if w.isna().any() or (w < 0).any():
        raise ValueError(
            f"权重不能为负数或空值 / weights must be numbers of 0 or more: {dict(w)}"
        )
    total = float(w.sum())
    if total <= 0:
        raise ValueError(
            "权重合计为0，无法计算综合得分 / the weights sum to 0: no composite"
        )
    return {k: float(v) / total for k, v in w.items()}


class WhatIf:
    """:func:`whatif` for one run and period, its inputs prepared once: a page
    moving sliders calls :meth:`rank` (about 10 ms at 2,000 units) and never
    rebuilds the dimension matrix or the tree's score ranges. Same numbers as
    :func:`whatif` (it is the same code)."""

    def __init__(self, result: Result, period: str | None = None):
        self.result = result
        self.period = _check_period(result, period)
        self.matrix = dimension_matrix(result, self.period)
        # each dimension's score range as the run's tree has it (z-scores: unbounded)
        normalised = result.normalised
        ids = normalised.loc[normalised["period"] == self.period, "indicator_id"]
        self.span = limits(tree(result.catalogue, list(ids.unique())))
        self.published = published_weights(result, self.period)
        c = result.composite
        c = (
            c[c["period"] == self.period]
            .set_index("unit_id")
            .reindex(self.matrix.index)
        )
        # below the coverage rule the engine gives no score; a unit that had the
        # coverage but too much of it imputed stays unranked, as in the run
        self.imputed = (c["status"] == "insufficient_data").to_numpy() & (
            c["coverage"].to_numpy() >= result.catalogue.settings.min_coverage - 1e-12
        )
        r = result.ranks
        r = r[r["period"] == self.period].set_index("unit_id")["rank"]
        self.before = r.reindex(self.matrix.index).to_numpy(dtype=float)

    def rank(self, weights: dict[str, float]) -> pd.DataFrame:
        """:func:`whatif` under ``weights``; raises ``ValueError`` (in Chinese and
        English) when they sum to 0 or one is negative (:func:`weight_shares`)."""
        weight_shares(weights)
        return self.scores(weights)

    def scores(self, weights: dict[str, float]) -> pd.DataFrame:
        """:func:`whatif` under ``weights``, unchecked (all 0: no scores)."""
        result, period, matrix = self.result, self.period, self.matrix
        cat = result.catalogue
        dims = list(matrix.columns)
        w = pd.Series(weights, dtype=float).reindex(dims).fillna(0.0).to_numpy()
        spec, method = cat.methods[COMPOSITE]
        span = self.span
        node = Node(COMPOSITE, tuple(dims), np.arange(len(dims)), w,
                    cat.settings.min_coverage, spec, method,
                    ranges=tuple(span.get(d, SCORE) for d in dims))  # fmt: skip
        index = pd.MultiIndex.from_arrays(
            [np.full(len(matrix), period, dtype=object), matrix.index],
            names=["period", "unit_id"],
        )
        # one setting, weights row by row as the pipeline's: same sums, same bits
        rolled = score_nodes(
            matrix.to_numpy(dtype=float),
            (node,),
            lambda n, x: n.local[None, None, :],
            groups=index.get_level_values("period"),
        )
        values = np.where(self.imputed, np.nan, rolled.values[COMPOSITE][0])
        rank = rank_units(pd.Series(values, index=index)).to_numpy()
        before = self.before
        return pd.DataFrame(
            {
                "unit_id": matrix.index,
                "score": values,
                "rank": rank,
                "published_rank": before,
                "move": before - rank,
            }
        ).sort_values(["rank", "unit_id"], na_position="last", kind="stable")


def item_level(item, lang: str) -> str:
    """A rectification item's level in words, with the level it opened at when it
    has been raised since (红色（发现时为橙色）): past its deadline, or by a worse
    warning. Its reason is the latest period's warning, which may quote a lower
    line; the item keeps its worst level until it closes."""
    now = RISK_LEVEL[item.level].text(lang)
    opened = getattr(item, "level_opened", item.level)
    if not isinstance(opened, str) or opened == item.level or opened not in RISK_LEVEL:
        return now
    return say(
        "ledger_item", "escalated", level=now, opened=RISK_LEVEL[opened].text(lang)
    ).text(lang)


def item_situation(item, lang: str) -> str:
    """The item's reason as what it is: the latest period's warning (最近一期：…)."""
    reason = item.reason_zh if lang == "zh" else item.reason_en
    return say("ledger_item", "latest", reason=reason).text(lang)
