"""Scoring a complete units × indicators matrix at national scale, in a few passes.

For a period whose matrix is complete (no missing cells), min-max normalisation and
arithmetic aggregation with manual weights collapse into linear algebra: every node's
score is the normalised matrix times a column of effective weights (the product of
the renormalised weights on the path). One matrix product gives every dimension and
the composite at once; every stage's array is kept. The pipeline (:mod:`.pipeline`)
remains the general path (missing values, other methods, coverage rules); on complete
data the two agree to floating-point rounding (tested).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

from evaluation.catalogue import COMPOSITE, Catalogue
from evaluation.scoring.rank import TIE_DECIMALS


@dataclass(frozen=True)
class Scored:
    """Every stage as arrays: ``normalised`` (units × indicators, 0–100),
    ``nodes`` (units × node_ids: every dimension and ``composite``), ``ranks``."""

    indicator_ids: list[str]
    node_ids: list[str]
    normalised: np.ndarray
    nodes: np.ndarray
    ranks: np.ndarray


def node_weights(
    catalogue: Catalogue, indicator_ids: list[str]
) -> tuple[list[str], np.ndarray]:
    """The indicators × nodes matrix of effective weights (each column sums to 1):
    column ``n`` scores node ``n`` as an arithmetic mean of the indicators below it.
    Weights are renormalised over the children that apply (have an indicator
    below them among ``indicator_ids``), as the pipeline does."""
    nodes = catalogue.nodes
    applies = set(indicator_ids)
    for node in nodes.sort_values("depth", ascending=False, kind="stable").index:
        if node in applies:
            applies.add(nodes.at[node, "parent"])
    live = nodes[nodes.index.isin(list(applies))]
    local = live["weight"] / live.groupby("parent")["weight"].transform("sum")
    parents = [
        n
        for n in [*nodes.index[nodes["kind"] == "dimension"], COMPOSITE]
        if n in applies
    ]
    col = {n: j for j, n in enumerate(parents)}
    e = np.zeros((len(indicator_ids), len(parents)))
    for i, ind in enumerate(indicator_ids):  # indicators × depth: a few hundred steps
        w, node = 1.0, ind
        while node != COMPOSITE:
            w *= local[node]
            node = nodes.at[node, "parent"]
            e[i, col[node]] = w
    return parents, e


def score_matrix(
    x: np.ndarray, catalogue: Catalogue, indicator_ids: list[str]
) -> Scored:
    """Min-max normalise ``x`` (units × indicators, complete) with each indicator's
    direction, score every node by its effective weights, rank the composite."""
    if np.isnan(x).any():
        raise ValueError("score_matrix needs a complete matrix; use evaluation.score")
    table = catalogue.table.loc[indicator_ids]
    higher = (table["direction"] == "higher").to_numpy()
    low, high = x.min(axis=0), x.max(axis=0)
    span = high - low
    flat = span == 0
    # min-max with direction as one affine map per column: z = a·x + b
    a = np.where(flat, 0.0, 100.0 / np.where(flat, 1.0, span)) * np.where(higher, 1, -1)
    b = np.where(flat, 100.0, -a * low + np.where(higher, 0.0, 100.0))
    z = x * a  # every unit equal: a = 0, b = 100, each scores 100 (as the pipeline)
    z += b
    parents, e = node_weights(catalogue, indicator_ids)
    scores = z @ e
    composite = scores[:, parents.index(COMPOSITE)]
    # as published: ties (at 9 decimals) share the better place
    ranks = rankdata(-np.round(composite, TIE_DECIMALS), method="min").astype(np.int64)
    return Scored(list(indicator_ids), parents, z, scores, ranks)
