"""Views of a run: the tables every reader needs, computed once from a ``Result``.

The dashboard, the committee report and the notebooks show a department's profile
(its scores against the peer-group median, what makes its composite, its trend,
strengths and weaknesses, its data-quality flags), the weights the run used, a
what-if ranking under other level-1 weights and the league table with its risk and
data-quality columns. Each is
computed here from the run's stored tables, so every reader shows the same number;
the readers only draw (figures in :mod:`evaluation.publish.plots`). Pure functions:
no Dash, no I/O, no stage recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation import periods as P
from evaluation.catalogue import COMPOSITE, Catalogue
from evaluation.result import Result, rank_range
from evaluation.risk.quality import SERIES_WIDE
from evaluation.scoring.aggregate import Node, limits, score_nodes, tree
from evaluation.scoring.normalise import SCORE
from evaluation.scoring.rank import rank_units
from evaluation.scoring.weights import ahp
from evaluation.vocabulary import FAMILIES, QUALITY_CHECK, word


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
@dataclass(frozen=True)
class Profile:
    """A department in one period, as its page shows it (tables, nothing drawn).

    ``dimensions``: level-1 ``node_id, score, peer_median, gap``; ``indicators``:
    ``indicator_id, value, target, peer_value, score, peer_score, gap, status,
    unit_zh, unit_en`` (peer medians over the unit's peer group, itself included);
    ``waterfall``: ``node_id, contribution``, the composite's contributions summed by
    level-1 dimension (they add up to ``composite_score``); ``trend``: ``period,
    composite_score, rank, peer_rank`` over the run's periods; ``strengths`` and
    ``weaknesses``: the indicators most above and most below the peer median score
    (``indicators`` rows); ``warnings`` of the period; the open ``ledger`` items.
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


def profile(
    result: Result, unit_id: str, period: str | None = None, *, n: int = 3
) -> Profile:
    """A unit's profile in ``period`` (default the run's); ``n`` strengths and
    weaknesses. Raises ``KeyError`` for an unknown unit or period."""
    period = _check_period(result, period)
    units = result.units.set_index("unit_id")
    if unit_id not in units.index:
        raise KeyError(f"no unit {unit_id!r} in this result")
    cat = result.catalogue
    peer_group = units.at[unit_id, "peer_group"]
    mates = units.index[units["peer_group"] == peer_group]  # the median's units
    group = np.full(len(mates), peer_group, dtype=object)
    dims = cat.top_dimensions()

    s = result.scores
    s = s[(s["period"] == period) & s["unit_id"].isin(mates) & s["node_id"].isin(dims)]
    d = _wide(s, "node_id", "score", mates, dims)
    dimensions = _own(group_gaps(d, group), unit_id).rename(
        columns={"group_median": "peer_median"}
    )

    p, q = result.prepared, result.normalised
    p = p[(p["period"] == period) & p["unit_id"].isin(mates)]
    q = q[(q["period"] == period) & q["unit_id"].isin(mates)]
    mine = p[p["unit_id"] == unit_id].set_index("indicator_id")
    ids = list(mine.index)
    values = _own(
        group_gaps(_wide(p, "indicator_id", "value", mates, ids), group), unit_id
    )
    scores = _own(
        group_gaps(_wide(q, "indicator_id", "score", mates, ids), group), unit_id
    )
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
            "unit_zh": table["unit_zh"].reindex(ids).to_numpy(),
            "unit_en": table["unit_en"].reindex(ids).to_numpy(),
        }
    )
    strengths, weaknesses = _strengths(indicators, n)

    c = result.contributions
    c = c[(c["period"] == period) & (c["unit_id"] == unit_id)]
    waterfall = (
        c.assign(node_id=c["indicator_id"].map(top_dimension_of(cat)))
        .groupby("node_id", sort=False)["contribution"]
        .sum()
        .reindex(dims)
        .fillna(0.0)
        .reset_index()
    )

    comp = result.composite[result.composite["unit_id"] == unit_id]
    ranks = result.ranks[result.ranks["unit_id"] == unit_id]
    trend = comp[["period", "composite_score"]].merge(
        ranks[["period", "rank", "peer_rank"]], on="period"
    )
    now = trend[trend["period"] == period]

    w = result.warnings
    led = result.ledger
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
        trend=trend.reset_index(drop=True),
        strengths=strengths,
        weaknesses=weaknesses,
        warnings=w[(w["unit_id"] == unit_id) & (w["period"] == period)],
        ledger=led[(led["unit_id"] == unit_id) & (led["status"] == "open")].sort_values(
            "first_due"
        ),
    )


def _own(gaps: pd.DataFrame, unit_id: str) -> pd.DataFrame:
    """One unit's rows of :func:`group_gaps`: ``node_id, score, group_median, gap``."""
    mine = gaps[gaps["unit_id"] == unit_id]
    return mine[["node_id", "score", "group_median", "gap"]].reset_index(drop=True)


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
    status = FAMILIES["observation_status"]
    k = 0 if lang == "zh" else 1
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
            t("status"): [status.get(x, (x, x))[k] for x in indicators["status"]],
        }
    )


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


def flag_since(flags: pd.DataFrame) -> pd.Series:
    """Each flag's first period (``since``; its ``period`` where it has none, as in
    a store older than the column)."""
    last = flags["period"].astype(str)
    since = flags["since"] if "since" in flags else last
    return since.where(since.notna() & (since.astype(str) != ""), last).astype(str)


def flag_window(since, period: str, lang: str, *, whole: bool = False) -> str:
    """A flag's window as people read it: ``2025年1月至2025年12月`` /
    ``2025-M01 to 2025-M12``, one period alone as its name (``2025年3月``), a check
    over the whole history (``whole``) as ``截至2025年第四季度`` / ``up to 2025-Q4``.
    """
    name = P.name_zh if lang == "zh" else str
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
            try:
                return catalogue.name(node, lang)
            except KeyError:  # an id the catalogue no longer has: shown as it is
                return str(node)
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
    if unit_id not in set(result.units["unit_id"]):
        raise KeyError(f"no unit {unit_id!r} in this result")
    f = result.flags
    f = flags_in(f[f["unit_id"] == unit_id], period)
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
            -P.month_index(since, start=True),
            -P.month_index(last),
        )
    )
    return out.iloc[order][FLAG_COLUMNS].reset_index(drop=True)


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
    composite (the node's share of the composite; the indicators' sum to 1). A store
    made before the weights table was saved falls back on the catalogue's weights.
    """
    period = _check_period(result, period)
    nodes = result.catalogue.nodes
    w = result.weights[result.weights["period"] == period]
    used = w.set_index(["node_id", "child_id"])
    specs = result.catalogue.methods
    local, method = {}, {}
    for node, parent in nodes["parent"].items():
        if (parent, node) in used.index:
            local[node] = float(used.at[(parent, node), "weight"])
            method[node] = used.at[(parent, node), "method"]
        else:
            local[node] = float(nodes.at[node, "local_weight"])
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
    period = _check_period(result, period)
    matrix = dimension_matrix(result, period)
    cat = result.catalogue
    dims = list(matrix.columns)
    w = pd.Series(weights, dtype=float).reindex(dims).fillna(0.0).to_numpy()
    spec, method = cat.methods[COMPOSITE]
    # each dimension's score range as the run's tree has it (z-scores: unbounded)
    normalised = result.normalised
    ids = normalised.loc[normalised["period"] == period, "indicator_id"].unique()
    span = limits(tree(cat, list(ids)))
    node = Node(COMPOSITE, tuple(dims), np.arange(len(dims)), w,
                cat.settings.min_coverage, spec, method,
                ranges=tuple(span.get(d, SCORE) for d in dims))  # fmt: skip
    index = pd.MultiIndex.from_arrays(
        [np.full(len(matrix), period, dtype=object), matrix.index],
        names=["period", "unit_id"],
    )
    # one setting, weights row by row as the pipeline's: the same sums, the same bits
    rolled = score_nodes(
        matrix.to_numpy(dtype=float),
        (node,),
        lambda n, x: n.local[None, None, :],
        groups=index.get_level_values("period"),
    )
    values = rolled.values[COMPOSITE][0]
    c = result.composite
    c = c[c["period"] == period].set_index("unit_id").reindex(matrix.index)
    # below the coverage rule the engine gives no score; a unit that had the
    # coverage but too much of it imputed stays unranked, as in the run
    imputed = (c["status"] == "insufficient_data").to_numpy() & (
        c["coverage"].to_numpy() >= cat.settings.min_coverage - 1e-12
    )
    values = np.where(imputed, np.nan, values)
    rank = rank_units(pd.Series(values, index=index)).to_numpy()
    r = result.ranks
    before = r[r["period"] == period].set_index("unit_id")["rank"].reindex(matrix.index)
    return pd.DataFrame(
        {
            "unit_id": matrix.index,
            "score": values,
            "rank": rank,
            "published_rank": before.to_numpy(),
            "move": (before - rank).to_numpy(),
        }
    ).sort_values(["rank", "unit_id"], na_position="last", kind="stable")


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
    ``grades`` (a published appraisal of the year) are given, and, for the run's own
    period, its ``rank_interval`` (``3 (2–5)``) from the uncertainty ``intervals``."""
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
    return table


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
