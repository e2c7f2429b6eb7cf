"""Weighted arithmetic aggregation up the hierarchy, and each indicator's contribution.

At every node, weights are renormalised over the children that have a score; the node
is scored only if those children carry at least ``min_coverage`` of the weight of its
children that apply in the period (an annual indicator does not apply to a quarter).
The composite is the root. Each indicator's effective weight is the product of the
renormalised weights on its path, so ``Σ effective weight × score = composite``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .catalogue import COMPOSITE, Catalogue


@dataclass(frozen=True)
class Aggregated:
    """Rows ``(period, unit_id)``: node scores, their coverage, indicator weights."""

    scores: pd.DataFrame  #: one column per dimension, plus ``composite``
    coverage: pd.DataFrame  #: share of each node's applicable weight that had scores
    weights: pd.DataFrame  #: effective weight of each indicator in the composite
    contributions: pd.DataFrame  #: weight × score; each row sums to the composite


def aggregate(normalised: pd.DataFrame, catalogue: Catalogue) -> Aggregated:
    """Aggregate indicator scores (0–100) to every dimension and the composite.

    Vectorised over rows; the only loops are over nodes of the hierarchy.
    """
    nodes = catalogue.nodes
    n = len(normalised)
    values = {c: normalised[c].to_numpy(dtype=float) for c in normalised.columns}
    cover: dict[str, np.ndarray] = {}
    share: dict[str, np.ndarray] = {}  # each child's renormalised weight in its parent
    dims = nodes.index[nodes["kind"] == "dimension"]
    order = sorted(dims, key=lambda d: -nodes.loc[d, "depth"])  # deepest first
    for parent in [*order, COMPOSITE]:
        kids = [k for k in nodes.index[nodes["parent"] == parent] if k in values]
        if not kids:  # nothing under this node applies in the period
            continue
        w = nodes.loc[kids, "local_weight"].to_numpy()
        x = np.column_stack([values[k] for k in kids])
        have = ~np.isnan(x)
        den = have @ w
        with np.errstate(invalid="ignore", divide="ignore"):
            # a weighted mean of scores in [0, 100]; clip rounding noise (1e-14)
            score = np.clip(np.where(have, x, 0.0) @ w / den, 0.0, 100.0)
            for j, k in enumerate(kids):
                share[k] = np.where(have[:, j], w[j] / den, 0.0)
        cov = den / w.sum()
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
                alive, effective[nodes.loc[node, "parent"]] * share[node], 0.0
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
    return Aggregated(scores, coverage, weights, contributions)
