"""Aggregation up the hierarchy, with each node's weights and method from the catalogue.

At every node the children's weights (manual, equal, AHP, or derived from the
children's scores in the period: entropy, CRITIC, SD, PCA, or a blend) are
renormalised over the children that have a score; the node is scored only if those
children carry at least ``min_coverage`` of the weight of the children that apply in
the period. The node's method (arithmetic, geometric, harmonic, generalised mean,
Mazziotta–Pareto) then combines them. The composite is the root.

Each indicator's *effective weight* is chosen so that ``Σ weight × score =
composite``: on an arithmetic path it is the product of the renormalised weights; a
non-arithmetic node attributes its score to its children in proportion to
``w_i · s_i`` (so contributions still add up exactly).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation.catalogue import COMPOSITE, Aggregation, Catalogue, Weights
from evaluation.errors import EvaluationError
from evaluation.scoring import mcda
from evaluation.scoring import weights as W


@dataclass(frozen=True)
class Aggregated:
    """Rows ``(period, unit_id)``: node scores, their coverage, indicator weights."""

    scores: pd.DataFrame  #: one column per dimension, plus ``composite``
    coverage: pd.DataFrame  #: share of each node's applicable weight that had scores
    weights: pd.DataFrame  #: effective weight of each indicator in the composite
    contributions: pd.DataFrame  #: weight × score; each row sums to the composite
    node_weights: pd.DataFrame  #: period, node_id, child_id, weight, method


def aggregate(normalised: pd.DataFrame, catalogue: Catalogue) -> Aggregated:
    """Aggregate indicator scores (0–100) to every dimension and the composite.

    Vectorised over rows; the loops are over nodes of the hierarchy and, for weights
    derived from data, over periods.
    """
    nodes = catalogue.nodes
    n = len(normalised)
    periods = normalised.index.get_level_values("period")
    values = {c: normalised[c].to_numpy(dtype=float) for c in normalised.columns}
    cover: dict[str, np.ndarray] = {}
    share: dict[str, np.ndarray] = {}  # each child's share of its parent's score
    used: list[pd.DataFrame] = []
    dims = nodes.index[nodes["kind"] == "dimension"]
    order = sorted(dims, key=lambda d: -nodes.loc[d, "depth"])  # deepest first
    for parent in [*order, COMPOSITE]:
        kids = [k for k in nodes.index[nodes["parent"] == parent] if k in values]
        if not kids:  # nothing under this node applies in the period
            continue
        spec, method = catalogue.methods[parent]
        x = np.column_stack([values[k] for k in kids])
        have = ~np.isnan(x)
        w = _child_weights(
            spec, x, periods, nodes.loc[kids, "local_weight"].to_numpy(), kids
        )
        used.append(_weights_table(w, periods, parent, kids, spec.method))
        present = np.where(have, w, 0.0)
        den = present.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            wn = present / den[:, None]  # renormalised over children present
        if method.method in RELATIVE:
            score = _relative(method, x, w, periods)
        else:
            score = _combine(method, np.where(have, x, np.nan), wn, parent)
        score = np.clip(score, 0.0, 100.0)  # MP can fall below 0; rounding noise
        with np.errstate(invalid="ignore", divide="ignore"):
            arithmetic = np.nansum(wn * np.where(have, x, 0.0), axis=1)
            scale = np.where(arithmetic > 0, score / arithmetic, 1.0)
        for j, k in enumerate(kids):
            share[k] = np.where(have[:, j], wn[:, j] * scale, 0.0)
        cov = den / w.sum(axis=1)
        need = (
            catalogue.settings.min_coverage
            if parent == COMPOSITE
            else nodes.loc[parent, "min_coverage"]
        )
        score[~(cov >= need - 1e-12)] = np.nan
        values[parent], cover[parent] = score, cov

    effective = {COMPOSITE: np.where(np.isnan(values[COMPOSITE]), 0.0, 1.0)}
    for node in nodes.sort_values("depth", kind="stable").index:
        if node in share:
            alive = ~np.isnan(values[node])
            effective[node] = np.where(
                alive,
                effective[nodes.loc[node, "parent"]] * np.nan_to_num(share[node]),
                0.0,
            )

    index = normalised.index
    empty = np.full(n, np.nan)
    keys = [*dims, COMPOSITE]
    scores = pd.DataFrame({k: values.get(k, empty) for k in keys}, index=index)
    coverage = pd.DataFrame({k: cover.get(k, empty) for k in keys}, index=index)
    ranked = scores[COMPOSITE].notna()
    weights = pd.DataFrame(
        {k: effective[k] for k in normalised.columns}, index=index
    ).where(ranked, axis=0)
    contributions = weights * normalised.fillna(0.0)
    return Aggregated(
        scores, coverage, weights, contributions, pd.concat(used, ignore_index=True)
    )


def _child_weights(
    spec: Weights, x: np.ndarray, periods: pd.Index, manual: np.ndarray, kids: list[str]
) -> np.ndarray:
    """Weights of the children for every row (rows of one period share them)."""
    if spec.method == "manual":
        return np.broadcast_to(manual, x.shape).copy()
    if spec.method == "equal":
        return np.full(x.shape, 1 / x.shape[1])
    subjective = manual
    if spec.method == "ahp" or (spec.method == "blend" and spec.subjective == "ahp"):
        position = [list(spec.ahp.children).index(k) for k in kids]
        full, *_ = W.ahp(
            spec.ahp.matrix, method=spec.ahp.method, random_index=spec.ahp.random_index
        )
        subjective = full[position] / full[position].sum()
        if spec.method == "ahp":
            return np.broadcast_to(subjective, x.shape).copy()
    objective = spec.method if spec.method != "blend" else spec.objective
    out = np.empty(x.shape)
    for period in pd.unique(periods):  # each period's cross-section sets its weights
        rows = np.asarray(periods == period)
        try:
            w = W.OBJECTIVE[objective](x[rows])
        except ValueError as exc:
            raise EvaluationError(
                f"{objective} weights for {', '.join(kids)} in {period}: {exc}"
            ) from None
        if spec.method == "blend":
            w = W.blend(subjective, w, alpha=spec.alpha, how=spec.combine)
        out[rows] = w
    # a negative weight (signed PCA loadings) would reward worse scores: use 0
    out = np.clip(out, 0.0, None)
    total = out.sum(axis=1, keepdims=True)
    return np.where(total > 0, out / np.where(total > 0, total, 1.0), 1 / out.shape[1])


def _combine(
    method: Aggregation, x: np.ndarray, w: np.ndarray, node: str
) -> np.ndarray:
    """Weighted mean of each row of ``x`` (NaN = absent; ``w`` sums to 1 if present)."""
    present = ~np.isnan(x)
    xz = np.where(present, x, 0.0)
    kind = method.method
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind == "arithmetic":
            return np.sum(w * xz, axis=1)
        if kind == "mazziotta_pareto":
            mean = np.sum(w * xz, axis=1)
            var = np.sum(w * (xz - mean[:, None]) ** 2 * present, axis=1)
            penalty = np.where(mean > 0, var / mean, 0.0)  # SD · CV = SD² / mean
            return mean - penalty
        zero = present & (xz <= 0) & (w > 0)
        if kind in {"geometric", "harmonic"} or (method.p is not None and method.p < 0):
            if method.zero == "error" and zero.any():
                raise EvaluationError(
                    f"{kind} mean of {node}: a child scores 0 ({int(zero.sum())} "
                    "cells); use zero: zero to score the node 0 there, or another one"
                )
        if kind == "geometric":
            out = np.exp(np.sum(w * np.log(np.where(present & ~zero, xz, 1.0)), axis=1))
        elif kind == "harmonic":
            out = 1.0 / np.sum(np.where(present & ~zero, w / xz, 0.0), axis=1)
        else:  # generalised power mean
            p = method.p
            base = np.where(present, xz, 1.0)  # absent children carry w = 0; 0 stays 0
            out = np.sum(w * base**p, axis=1) ** (1 / p)
        if kind != "generalised" or method.p < 0:
            out = np.where(zero.any(axis=1), 0.0, out)  # no compensation for a zero
        return out


RELATIVE = {"topsis", "vikor", "bod", "copeland"}


def _relative(
    method: Aggregation, x: np.ndarray, w: np.ndarray, periods: pd.Index
) -> np.ndarray:
    """TOPSIS or VIKOR within each period, on units with every child present."""
    out = np.full(len(x), np.nan)
    for period in pd.unique(periods):  # each period's units are compared
        rows = np.asarray(periods == period) & ~np.isnan(x).any(axis=1)
        if not rows.any():
            continue
        block, weights = x[rows], w[rows][0]
        benefit = np.ones(x.shape[1])  # children's scores: higher is better
        if method.method == "copeland":
            out[rows] = 100 * mcda.copeland(block, weights)
        elif method.method == "bod":
            out[rows] = 100 * mcda.bod(block, lower=method.lower, upper=method.upper)
        elif method.method == "topsis":
            out[rows] = 100 * mcda.topsis(
                block, weights, benefit, scaling=method.scaling
            )
        else:
            out[rows] = 100 * (1 - mcda.vikor(block, weights, benefit, v=method.v)[2])
    return out


def _weights_table(
    w: np.ndarray, periods: pd.Index, parent: str, kids: list[str], method: str
) -> pd.DataFrame:
    """One row per (period, child): the weight used before renormalising over gaps."""
    first = ~pd.Index(periods).duplicated()
    per = w[first]
    return pd.DataFrame(
        {
            "period": np.repeat(np.asarray(periods[first], dtype=object), len(kids)),
            "node_id": parent,
            "child_id": np.tile(np.asarray(kids, dtype=object), int(first.sum())),
            "weight": (per / per.sum(axis=1, keepdims=True)).reshape(-1),
            "method": method,
        }
    )
