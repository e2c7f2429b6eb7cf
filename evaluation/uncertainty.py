"""Uncertainty and sensitivity of the ranking: how much do the catalogue's open
choices move each unit?

Monte Carlo over the choices (COINr's design): each draw multiplies node weights by
``1 + (2U − 1)·f`` at chosen levels, picks a normalisation and an aggregation method,
and may leave out one indicator. Per unit: nominal rank, mean and median rank, the
5–95 % rank interval and score interval.

Vectorised: the normalised matrices of each normalisation option are computed once;
the aggregation runs over **draws × units at once**, node by node up the hierarchy
(a loop over the few dozen nodes, never over draws), in chunks of draws that fit in
memory, reusing the pipeline's own combining kernel so a draw equals a pipeline run
with that catalogue. Any set of draws can be replayed exactly from its table.

Sensitivity: Sobol first-order and total indices of the mean absolute rank shift
(or any unit's rank) on a Saltelli design, by SALib, with bootstrap intervals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from .aggregate import RELATIVE, _combine
from .catalogue import COMPOSITE, Aggregation, Catalogue, parse_catalogue
from .errors import EvaluationError
from .normalise import normalise
from .prepare import as_matrix, insufficient_units
from .rank import TIE_DECIMALS
from .result import Result
from .treat import treat

CATALOGUE = "catalogue"  #: "as the catalogue says" (the published choice)


@dataclass(frozen=True)
class Spec:
    """The choices left open, and how many draws.

    ``weight_levels``: depths whose node weights are perturbed (1 = level-1
    dimensions, 2 = the next level …; indicators sit at their depth).
    ``normalisations`` / ``aggregations``: options drawn uniformly; ``catalogue``
    means each indicator's (node's) own method. ``exclude``: draw one indicator to
    leave out, or none (each with equal chance).
    """

    n: int = 1000
    seed: int = 0
    weight_noise: float = 0.25
    weight_levels: tuple[int, ...] = (1,)
    normalisations: tuple[str, ...] = (CATALOGUE,)
    aggregations: tuple[str, ...] = (CATALOGUE,)
    exclude: bool = False
    chunk: int = 200  #: draws per vectorised block


@dataclass(frozen=True)
class Uncertainty:
    """Per-draw composites (draws × units), their ranks, and a per-unit summary."""

    period: str
    units: list[str]
    spec: dict  #: the Spec as plain data (stored with a published run)
    draws: pd.DataFrame
    scores: np.ndarray
    ranks: np.ndarray
    nominal: pd.Series
    summary: pd.DataFrame = field(repr=False)


def draw_table(result: Result, spec: Spec) -> pd.DataFrame:
    """The explicit draws: one row per draw, one column per choice.

    Columns ``w:<node>`` (weight multipliers), ``normalisation``, ``aggregation``,
    ``exclude`` (an indicator id or empty). Pass it back to :func:`run` to replay.
    """
    rng = np.random.default_rng(spec.seed)
    nodes = _perturbed(result.catalogue, spec.weight_levels)
    cols = {
        f"w:{n}": 1 + (2 * rng.random(spec.n) - 1) * spec.weight_noise for n in nodes
    }
    cols["normalisation"] = np.asarray(spec.normalisations, dtype=object)[
        rng.integers(0, len(spec.normalisations), spec.n)
    ]
    cols["aggregation"] = np.asarray(spec.aggregations, dtype=object)[
        rng.integers(0, len(spec.aggregations), spec.n)
    ]
    options = (
        ["", *(i.id for i in result.catalogue.indicators)] if spec.exclude else [""]
    )
    cols["exclude"] = np.asarray(options, dtype=object)[
        rng.integers(0, len(options), spec.n)
    ]
    return pd.DataFrame(cols).rename_axis("draw")


def run(
    result: Result,
    spec: Spec = Spec(),
    *,
    period: str | None = None,
    draws: pd.DataFrame | None = None,
    progress: bool = False,
    model: _Model | None = None,
) -> Uncertainty:
    """Run the draws (``spec``'s, or an explicit ``draws`` table) for ``period``.

    ``model`` (from :func:`prepare`) skips the once-per-analysis setup (treating and
    normalising the period for each normalisation option) when analyses repeat.
    """
    period = period or result.period
    table = draws if draws is not None else draw_table(result, spec)
    if (
        model is None
        or model.period != period
        or not set(table["normalisation"]) <= set(model.scores)
    ):
        model = prepare(result, period, tuple(set(table["normalisation"])))
    scores = np.empty((len(table), len(model.units)))
    chunks = range(0, len(table), max(1, spec.chunk))
    if progress:
        from tqdm import tqdm

        chunks = tqdm(chunks, desc="uncertainty", unit="chunk")
    for start in chunks:
        part = table.iloc[start : start + spec.chunk]
        scores[start : start + len(part)] = model.composite(part)
    ranks = _ranks(scores)
    nominal = result.ranks[result.ranks["period"] == period].set_index("unit_id")[
        "rank"
    ]
    nominal = nominal.reindex(model.units)
    summary = _summary(model.units, scores, ranks, nominal)
    plain = {
        k: list(v) if isinstance(v, tuple) else v for k, v in spec.__dict__.items()
    }
    return Uncertainty(
        period, model.units, plain, table, scores, ranks, nominal, summary
    )


def prepare(result: Result, period: str, normalisations: tuple[str, ...]) -> _Model:
    """What every draw shares, computed once: the period's scores under each
    normalisation option, the hierarchy, the coverage and imputation rules."""
    return _Model(result, period, set(normalisations))


def rank_range(summary: pd.DataFrame) -> pd.Series:
    """``3 (2–5)``: nominal rank and its 5–95 % interval, per unit."""

    def text(r) -> str:
        if pd.isna(r.nominal_rank):
            return ""
        return f"{int(r.nominal_rank)} ({int(r.rank_q05)}–{int(r.rank_q95)})"

    return pd.Series([text(r) for r in summary.itertuples()], index=summary["unit_id"])


# ---------------------------------------------------------------- sensitivity
def sensitivity(
    result: Result,
    spec: Spec = Spec(),
    *,
    period: str | None = None,
    n: int = 1000,
    output: str = "mean_abs_shift",
    seed: int = 0,
) -> pd.DataFrame:
    """Sobol indices (first order ``S1`` and total ``ST``, with 95 % bootstrap
    intervals) of ``output``: the mean absolute rank shift from the nominal ranking,
    or a unit id (its rank). Saltelli design with ``n`` base samples (SALib)."""
    from SALib.analyze import sobol
    from SALib.sample import sobol as sample

    period = period or result.period
    nodes = _perturbed(result.catalogue, spec.weight_levels)
    names = [f"w:{x}" for x in nodes]
    bounds = [[-1.0, 1.0]] * len(nodes)
    options = {
        "normalisation": list(spec.normalisations),
        "aggregation": list(spec.aggregations),
        "exclude": (
            ["", *(i.id for i in result.catalogue.indicators)] if spec.exclude else []
        ),
    }
    discrete = [k for k, v in options.items() if len(v) > 1]
    names += discrete
    bounds += [[0.0, 1.0]] * len(discrete)
    problem = {"num_vars": len(names), "names": names, "bounds": bounds}
    x = sample.sample(problem, n, calc_second_order=False, seed=seed)
    table = pd.DataFrame(
        {f"w:{nd}": 1 + x[:, i] * spec.weight_noise for i, nd in enumerate(nodes)}
    )
    for k, v in options.items():
        if k in discrete:
            j = names.index(k)
            table[k] = np.asarray(v, dtype=object)[
                np.minimum((x[:, j] * len(v)).astype(int), len(v) - 1)
            ]
        else:
            table[k] = v[0] if v else ""
    u = run(result, spec, period=period, draws=table)
    if output == "mean_abs_shift":
        y = np.nanmean(np.abs(u.ranks - u.nominal.to_numpy()[None, :]), axis=1)
    else:
        y = u.ranks[:, u.units.index(output)]
    res = sobol.analyze(
        problem, y, calc_second_order=False, seed=seed, print_to_console=False
    )
    return pd.DataFrame(
        {
            "factor": names,
            "S1": res["S1"],
            "S1_conf": res["S1_conf"],
            "ST": res["ST"],
            "ST_conf": res["ST_conf"],
        }
    )


# ------------------------------------------------------------------ the model
class _Model:
    """Everything that does not change between draws, computed once."""

    def __init__(self, result: Result, period: str, normalisations: set[str]):
        cat = result.catalogue
        unsupported = [
            m.method
            for m in (how for _, how in cat.methods.values())
            if m.method in RELATIVE
        ]
        if unsupported:
            raise EvaluationError(
                f"uncertainty analysis supports mean-type aggregations; the catalogue "
                f"uses {sorted(set(unsupported))}"
            )
        non_manual = [n for n, (w, _) in cat.methods.items() if w.method != "manual"]
        if non_manual:
            raise EvaluationError(
                "uncertainty analysis perturbs manual weights; nodes "
                f"{non_manual} derive theirs from the data"
            )
        self.catalogue = cat
        self.period = period
        self.units = list(result.units["unit_id"])
        prepared = result.prepared
        matrix, zero = as_matrix(prepared, self.units)
        ids, index = list(matrix.columns), matrix.index
        treated, _ = treat(matrix, cat)
        rows = index.get_level_values("period") == period
        if not rows.any():
            raise EvaluationError(f"period {period!r} not in this result")
        self.ids = ids
        self.scores = {}
        for option in normalisations:  # a few options, each normalised once
            variant = cat if option == CATALOGUE else _renormalised(cat, option)
            scored = normalise(treated, variant, zero_score=zero)
            self.scores[option] = scored.to_numpy()[rows]
        bad = insufficient_units(prepared, cat.settings).reindex(
            index, fill_value=False
        )
        self.too_imputed = np.asarray(bad, dtype=bool)[rows]
        self.stack = np.stack([self.scores[o] for o in self.scores])  # K × U × I
        nodes = cat.nodes
        self.nodes = nodes
        dims = nodes.index[nodes["kind"] == "dimension"]
        order = [*sorted(dims, key=lambda d: -nodes.loc[d, "depth"]), COMPOSITE]
        available, self.tree = set(ids), []
        for parent in order:  # which children apply in the period, and their weights
            kids = [k for k in nodes.index[nodes["parent"] == parent] if k in available]
            if kids:
                base = nodes.loc[kids, "local_weight"].to_numpy()
                self.tree.append((parent, kids, base))
                available.add(parent)

    def composite(self, draws: pd.DataFrame) -> np.ndarray:
        """Composite scores (draws × units) of a block of draws.

        Arrays are draws × units × children; the loop is over the hierarchy's nodes.
        """
        d = len(draws)
        cat = self.catalogue
        options = pd.Index(list(self.scores))
        x_all = self.stack[options.get_indexer(draws["normalisation"])]  # D × U × I
        left_out = pd.Index(self.ids).get_indexer(draws["exclude"])
        hit = np.flatnonzero(left_out >= 0)
        x_all[hit, :, left_out[hit]] = np.nan
        column = {k: j for j, k in enumerate(self.ids)}
        agg = draws["aggregation"].to_numpy()
        ones = np.ones(d)
        values: dict[str, np.ndarray] = {}
        for parent, kids, base in self.tree:  # nodes, deepest first: the only loop
            if all(k in column for k in kids):  # indicators: one gather
                x = x_all[:, :, [column[k] for k in kids]]
            else:
                x = np.stack(
                    [
                        x_all[:, :, column[k]] if k in column else values[k]
                        for k in kids
                    ],
                    axis=-1,
                )
            mult = np.column_stack(
                [
                    draws[f"w:{k}"].to_numpy() if f"w:{k}" in draws else ones
                    for k in kids
                ]
            )
            w = (base * mult)[:, None, :]  # each draw's weights, the same for its units
            have = ~np.isnan(x)
            xz = np.where(have, x, 0.0)
            den = (have * w).sum(axis=-1)  # summed as the pipeline sums: same bits
            own = cat.methods[parent][1]
            with np.errstate(invalid="ignore", divide="ignore"):
                if all(
                    (own if o == CATALOGUE else Aggregation(method=o)).method
                    == "arithmetic"
                    for o in set(agg)
                ):
                    score = (xz * w).sum(axis=-1) / den
                else:
                    wn = np.where(have, w, 0.0) / den[..., None]
                    score = np.full(den.shape, np.nan)
                    for option in set(agg):  # a few options
                        rows = agg == option
                        method = (
                            own if option == CATALOGUE else Aggregation(method=option)
                        )
                        k = len(kids)
                        score[rows] = _combine(
                            method,
                            np.where(have, x, np.nan)[rows].reshape(-1, k),
                            wn[rows].reshape(-1, k),
                            parent,
                        ).reshape(int(rows.sum()), -1)
            score = np.clip(score, 0.0, 100.0)
            cov = den / w.sum(axis=-1)
            need = (
                cat.settings.min_coverage
                if parent == COMPOSITE
                else self.nodes.loc[parent, "min_coverage"]
            )
            score[~(cov >= need - 1e-12)] = np.nan
            values[parent] = score
        out = values[COMPOSITE]
        out[:, self.too_imputed] = np.nan
        return out


def _ranks(scores: np.ndarray) -> np.ndarray:
    """Ranks within each draw (1 = best; ties share the better place; NaN: none)."""
    r = rankdata(
        -np.round(scores, TIE_DECIMALS), method="min", axis=1, nan_policy="omit"
    )
    return np.where(np.isnan(scores), np.nan, r)


def _summary(units, scores, ranks, nominal) -> pd.DataFrame:
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a never-ranked unit
            q = np.nanpercentile(ranks, [5, 50, 95], axis=0)
            s = np.nanpercentile(scores, [5, 95], axis=0)
            mean = np.nanmean(ranks, axis=0)
    return pd.DataFrame(
        {
            "unit_id": units,
            "nominal_rank": nominal.to_numpy(),
            "mean_rank": mean,
            "median_rank": q[1],
            "rank_q05": q[0],
            "rank_q95": q[2],
            "score_q05": s[0],
            "score_q95": s[1],
        }
    )


def _perturbed(catalogue: Catalogue, levels) -> list[str]:
    nodes = catalogue.nodes
    return list(nodes.index[nodes["depth"].isin(list(levels))])


def _renormalised(catalogue: Catalogue, method: str) -> Catalogue:
    """The catalogue with every indicator normalised by ``method`` (default
    parameters), e.g. ``minmax`` or ``zscore``."""
    raw = catalogue.model_dump(mode="json", exclude_defaults=False)
    for ind in raw["indicators"]:
        ind["normalisation"] = {"method": method}
        ind["treatment"] = ind.get("treatment")
    return parse_catalogue(raw, file=f"<{method} variant>")
