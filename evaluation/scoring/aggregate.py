"""Aggregation up the hierarchy, written once: for the pipeline, the uncertainty
draws, the what-if and the national blocks.

Every array carries a leading **draws** axis: one draw for the pipeline (rows are
``(period, unit)``), many for the Monte Carlo (weights differ by draw, the data do
not), a few slider positions for the what-if. At every node the children's weights
are renormalised over the children that have a score; the node is scored only if
those children carry at least ``min_coverage`` of the weight of the children that
apply in the period. The node's method (registry :data:`METHODS`: arithmetic,
geometric, harmonic, generalised mean, Mazziotta–Pareto; :data:`RELATIVE`: TOPSIS,
VIKOR, benefit of the doubt, Copeland within each period) then combines them. The
composite is the root. A dimension left without a score can be filled by its
``missing`` rule (the peer group's mean or median, the unit's latest earlier score;
:data:`NODE_IMPUTERS`) before its parent combines it.

Each indicator's *effective weight* is chosen so that ``Σ weight × score =
composite``: on an arithmetic path it is the product of the renormalised weights; a
non-arithmetic node attributes its score to its children in proportion to
``w_i · s_i`` (so contributions still add up exactly).

Fast path: with complete data, arithmetic means everywhere and weights that differ by
draw but not by unit, the hierarchy collapses to each draw's effective indicator
weights and one matrix product (:func:`score_nodes` takes it by itself when there are
weights given by draw). The pipeline takes it too (:func:`aggregate`, by
:func:`_complete`) when its weights are the catalogue's (one row for every unit):
every node's effective weights, one product for all of them (:func:`_score_complete`).
A product adds in another order than a node's sum, so such a run's scores may differ
from the node by node path's in the last bits (4e-14 at 10,000 units), never in a
published figure.
Node by node, an arithmetic node whose children all have a score skips the presence
masks (:func:`_step_whole`, chosen by itself), and the pipeline's effective weights
are computed a node's children at once (:func:`_effective`); both give the general
path's bits, summing arrays of the same layout in the same order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd

from evaluation.catalogue import COMPOSITE, Aggregation, Catalogue, Weights
from evaluation.errors import EvaluationError
from evaluation.scoring import mcda
from evaluation.scoring import weights as W
from evaluation.scoring.normalise import SCORE, Range, output_range
from evaluation.scoring.prepare import IMPUTERS

BLOCK = 128  #: draws per matrix product (fixed, so a draw's bits never depend on
#: how many draws are scored with it)


# --------------------------------------------------------------------- the tree
@dataclass(frozen=True)
class Node:
    """One aggregation step: ``id`` combines ``children`` (deepest nodes first)."""

    id: str
    children: tuple[str, ...]
    columns: np.ndarray  #: each child's column among the indicators, -1: a node
    local: np.ndarray  #: the children's catalogue weights (sum 1 under the node)
    need: float  #: minimum coverage
    weights: Weights  #: how the children's weights are set
    method: Aggregation  #: how the children's scores are combined
    missing: str = "exclude"  #: how a unit's missing score here is filled
    #: each indicator child's declared score range (None for a node child); empty:
    #: 0–100 (see :func:`with_ranges`, :func:`limits`)
    ranges: tuple = ()


def tree(catalogue: Catalogue, indicator_ids: list[str]) -> tuple[Node, ...]:
    """The nodes that apply when ``indicator_ids`` are scored, deepest first: a
    node applies if an indicator or a node below it does. Derived once per
    catalogue and set of indicators (``Catalogue.memo``)."""
    key = ("tree", tuple(indicator_ids))
    if key not in catalogue.memo:
        catalogue.memo[key] = _tree(catalogue, indicator_ids)
    return catalogue.memo[key]


def _tree(catalogue: Catalogue, indicator_ids: list[str]) -> tuple[Node, ...]:
    nodes = catalogue.node_columns  # the node table as dicts, made once
    column = {k: j for j, k in enumerate(indicator_ids)}
    depth, above = nodes["depth"], nodes["parent"]
    local, least = nodes["local_weight"], nodes["min_coverage"]
    dims = [k for k, kind in nodes["kind"].items() if kind == "dimension"]
    order = [*sorted(dims, key=lambda d: -depth[d]), COMPOSITE]
    available, out = set(indicator_ids), []
    missing = {d.id: d.missing for d in catalogue.dimensions}
    specs = {i.id: i for i in catalogue.indicators}
    # each indicator child's declared range, given as the node is made (no copy
    # of every node by :func:`with_ranges`)
    ranges = [
        output_range(specs[k], catalogue.settings.treatment) for k in indicator_ids
    ]
    for parent in order:
        kids = [k for k, p in above.items() if p == parent and k in available]
        if not kids:  # nothing under this node applies in the period
            continue
        spec, method = catalogue.methods[parent]
        need = (
            catalogue.settings.min_coverage
            if parent == COMPOSITE
            else float(least[parent])
        )
        columns = np.array([column.get(k, -1) for k in kids])
        weights = np.array([local[k] for k in kids], dtype=float)
        columns.flags.writeable = weights.flags.writeable = False  # shared (memo)
        out.append(
            Node(
                parent,
                tuple(kids),
                columns,
                weights,
                need,
                spec,
                method,
                missing.get(parent, "exclude"),  # the composite: nothing above it
                _child_ranges(columns, ranges),
            )
        )
        available.add(parent)
    return tuple(out)


def with_ranges(nodes: tuple[Node, ...], ranges: list[Range]) -> tuple[Node, ...]:
    """``nodes`` with each indicator child's declared range from ``ranges`` (one per
    indicator column, e.g. under another normalisation)."""
    return tuple(replace(n, ranges=_child_ranges(n.columns, ranges)) for n in nodes)


def _child_ranges(columns: np.ndarray, ranges: list[Range]) -> tuple:
    """A node's :attr:`Node.ranges`: each indicator child's (its column's) range,
    None for a node child (column -1)."""
    return tuple(ranges[c] if c >= 0 else None for c in columns.tolist())


def limits(nodes: tuple[Node, ...]) -> dict[str, Range]:
    """Each node's score range, from its children's declared ranges up (deepest
    first; ``Aggregation.range``): a node is clipped to it, so scores of bounded
    children stay in [0, 100] and unbounded ones (z-scores …) are never clipped."""
    out: dict[str, Range] = {}
    for n in nodes:
        kids = [
            (n.ranges[j] if n.ranges else SCORE) if c >= 0 else out.get(k, SCORE)
            for j, (k, c) in enumerate(zip(n.children, n.columns, strict=True))
        ]
        out[n.id] = n.method.range(kids)
    return out


def _clip(score: np.ndarray, span: Range, node: Node | None = None, x=None, wn=None):
    """Clip a node's scores to its range, in place: rounding noise only (and
    Mazziotta–Pareto floored at its children's lowest possible score). Where a side
    is unbounded (a child is), and the node's children ``x`` and weights ``wn`` are
    given, that side is each cell's extreme child, which a mean with weights ≥ 0 never
    passes (a zeroed geometric or harmonic mean: 0; Mazziotta–Pareto: above only)."""
    lo, hi = span
    if x is not None and (lo == -np.inf or hi == np.inf):
        convex = ~(~np.isnan(x) & (wn < 0)).any(axis=-1)
        low, high = np.fmin.reduce(x, axis=-1), np.fmax.reduce(x, axis=-1)
        if node.method.needs_positive:  # a child ≤ 0 scores the node 0
            low, high = np.fmin(low, 0.0), np.fmax(high, 0.0)
        if lo == -np.inf and node.method.method != "mazziotta_pareto":
            lo = np.where(convex, low, -np.inf)
        if hi == np.inf:
            hi = np.where(convex, high, np.inf)
    if wn is not None and (wn < 0).any():  # a negative weight (signed PCA
        # loadings): no bound holds
        signed = (~np.isnan(x) & (wn < 0)).any(axis=-1)
        if signed.any():
            lo, hi = np.where(signed, -np.inf, lo), np.where(signed, np.inf, hi)
    if np.any(lo > -np.inf) or np.any(hi < np.inf):
        np.clip(score, lo, hi, out=score)
    return score


# ------------------------------------------------------------------ the kernels
def _arithmetic(x, w, present, method):
    return np.sum(w * x, axis=-1)


def _mazziotta_pareto(x, w, present, method):
    mean = np.sum(w * x, axis=-1)
    var = np.sum(w * (x - mean[..., None]) ** 2 * present, axis=-1)
    penalty = np.where(mean > 0, var / mean, 0.0)  # SD · CV = SD² / mean
    return mean - penalty


def _geometric(x, w, present, method):
    zero = present & (x <= 0) & (w > 0)
    return np.exp(np.sum(w * np.log(np.where(present & ~zero, x, 1.0)), axis=-1))


def _harmonic(x, w, present, method):
    zero = present & (x <= 0) & (w > 0)
    return 1.0 / np.sum(np.where(present & ~zero, w / x, 0.0), axis=-1)


def _generalised(x, w, present, method):
    base = np.where(present, x, 1.0)  # absent children carry w = 0; 0 stays 0
    return np.sum(w * base**method.p, axis=-1) ** (1 / method.p)


#: Mean-type aggregations: ``kernel(x, w, present, method)`` over the last axis, with
#: ``x`` 0 where absent and ``w`` renormalised over the children present.
METHODS: dict[str, Callable] = {
    "arithmetic": _arithmetic,
    "geometric": _geometric,
    "harmonic": _harmonic,
    "generalised": _generalised,
    "mazziotta_pareto": _mazziotta_pareto,
}


def _copeland(method, block, weights):
    return mcda.copeland(block, weights)


def _bod(method, block, weights):
    return mcda.bod(block, lower=method.lower, upper=method.upper)


def _topsis(method, block, weights):
    benefit = np.ones(block.shape[1])  # children's scores: higher is better
    return mcda.topsis(block, weights, benefit, scaling=method.scaling)


def _vikor(method, block, weights):
    benefit = np.ones(block.shape[1])
    return 1 - mcda.vikor(block, weights, benefit, v=method.v)[2]


#: Relative aggregations: each period's units compared with each other (scores 0–1).
RELATIVE: dict[str, Callable] = {
    "topsis": _topsis,
    "vikor": _vikor,
    "bod": _bod,
    "copeland": _copeland,
}


def combine(method: Aggregation, x: np.ndarray, w: np.ndarray, node: str) -> np.ndarray:
    """One node's mean of ``x`` over its last axis (NaN = absent; ``w`` renormalised
    over the children present). A zero child scores a geometric or harmonic node 0
    (no compensation), or is an error if the catalogue says ``zero: error``."""
    present = ~np.isnan(x)
    xz = np.where(present, x, 0.0)
    kind = method.method
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind in {"arithmetic", "mazziotta_pareto"}:
            return METHODS[kind](xz, w, present, method)
        zero = present & (xz <= 0) & (w > 0)
        no_compensation = kind != "generalised" or method.p < 0
        if no_compensation and method.zero == "error" and zero.any():
            raise EvaluationError(
                f"{kind} mean of {node}: a child scores 0 ({int(zero.sum())} "
                "cells); use zero: zero to score the node 0 there, or another one"
            )
        out = METHODS[kind](xz, w, present, method)
        if no_compensation:
            out = np.where(zero.any(axis=-1), 0.0, out)
        return out


def _relative(method: Aggregation, x: np.ndarray, w: np.ndarray, groups) -> np.ndarray:
    """A relative method within each group of rows (period), on the rows with every
    child present; ``x`` and ``w`` are rows × children."""
    out = np.full(len(x), np.nan)
    for g in pd.unique(groups):
        rows = np.asarray(groups == g) & ~np.isnan(x).any(axis=1)
        if rows.any():
            out[rows] = 100 * RELATIVE[method.method](method, x[rows], w[rows][0])
    return out


# ------------------------------------------------------ imputation at a node
#: a dimension's missing-score rule (``dimensions[].missing``) → the imputer,
#: the indicators' own (``prepare.IMPUTERS``) over the node's scores; ``exclude``
#: fills nothing (the parent renormalises over its other children)
NODE_IMPUTERS = {
    rule: IMPUTERS[rule] for rule in ("peer_mean", "peer_median", "carry_forward")
}


@dataclass(frozen=True)
class Rows:
    """Who the rows are, for imputation at a node: ``periods`` blocks of the same
    units, oldest period first (the pipeline's dense ``(period, unit)`` order), and
    each unit's peer group (``peer``, one per unit of a block)."""

    peer: np.ndarray
    periods: int = 1


def impute_node(node: Node, score: np.ndarray, rows: Rows | None):
    """Fill a node's missing scores (draws × rows, NaN: none) by its ``missing``
    rule, each draw apart, from the node's own computed scores (never another
    cell's imputation): the peer group's mean or median in the period, or the
    unit's latest earlier score. Returns the scores and where they were filled."""
    gap = np.isnan(score)
    if node.missing == "exclude" or not gap.any():
        return score, np.zeros(score.shape, dtype=bool)
    if rows is None:
        raise EvaluationError(
            f"{node.id}: missing: {node.missing} fills a unit's missing score from "
            "its peer group or earlier periods, which this computation is not given "
            "(pass the units' peer groups: aggregate(..., peers=…), or Rows to "
            "score_nodes)"
        )
    d, n = score.shape
    cube = score.reshape(d, rows.periods, n // rows.periods).transpose(1, 2, 0)
    filled = NODE_IMPUTERS[node.missing](cube, rows.peer)  # periods × units × draws
    filled = filled.transpose(2, 0, 1).reshape(d, n)
    fill = gap & ~np.isnan(filled)
    return np.where(fill, filled, score), fill


# --------------------------------------------------------------------- roll-up
@dataclass(frozen=True)
class Rolled:
    """Every node's scores (draws × units) and coverage; with ``shares``, each
    child's share of its parent's score (for contributions); ``imputed``: where a
    node's score was filled by its ``missing`` rule (nodes with a rule only)."""

    values: dict[str, np.ndarray]
    coverage: dict[str, np.ndarray]
    shares: dict[str, np.ndarray]
    imputed: dict[str, np.ndarray] = field(default_factory=dict)
    #: with ``shares``: each node's children's shares as one block (draws × units ×
    #: children; ``shares`` holds its columns), for weights down the tree by node
    blocks: dict[str, np.ndarray] = field(default_factory=dict)


Weigh = Callable[[Node, np.ndarray], np.ndarray]


def score_nodes(
    leaves: np.ndarray,
    nodes: tuple[Node, ...],
    weights: Weigh | dict[str, np.ndarray],
    *,
    absent: np.ndarray | None = None,
    groups: np.ndarray | None = None,
    shares: bool = False,
    rows: Rows | None = None,
) -> Rolled:
    """Score every node of ``nodes`` (from :func:`tree`) from indicator scores.

    ``leaves``: units × indicators (NaN: no score), shared by every draw.
    ``weights``: each node's children's weights by draw (``{node: draws ×
    children}``), or ``weigh(node, x)`` returning them for the children's scores
    ``x`` (draws × units × children), broadcastable to it: ``(1, N, K)`` row by row
    (the pipeline's data-driven weights differ by period).
    ``absent``: draws × indicators, True where a draw leaves an indicator out (it
    counts as missing). ``groups``: each unit's period, for relative methods.
    ``rows``: who the rows are, for a node whose ``missing`` rule fills a unit's
    missing score (:func:`impute_node`) before its parent combines it.
    """
    by_draw = not callable(weights)
    if by_draw:
        per_draw = {k: np.asarray(v, dtype=float) for k, v in weights.items()}
        if _fast(leaves, nodes):
            e = effective_weights(nodes, per_draw, absent)
            score = product(e, leaves)
            if not (e < 0).any():  # signed weights: no bound holds
                _clip(score, limits(nodes)[COMPOSITE])
            return Rolled({COMPOSITE: score}, {}, {})

        def weigh(node: Node, x: np.ndarray) -> np.ndarray:
            return per_draw[node.id][:, None, :]

    else:
        weigh = weights
    values: dict[str, np.ndarray] = {}
    cover: dict[str, np.ndarray] = {}
    share: dict[str, np.ndarray] = {}
    blocks: dict[str, np.ndarray] = {}
    imputed: dict[str, np.ndarray] = {}
    have_leaves = ~np.isnan(leaves)
    span = limits(nodes)
    for node in nodes:  # deepest first
        cols = node.columns
        leafy = bool((cols >= 0).all())
        if by_draw and leafy and node.method.method == "arithmetic" and not shares:
            # indicators below, weights by draw: two matrix products, no draws ×
            # units × children array (a left-out indicator weighs 0 in its draw)
            wt = weigh(node, None)[:, 0]
            wp = wt if absent is None else np.where(absent[:, cols], 0.0, wt)
            with np.errstate(invalid="ignore", divide="ignore"):
                den = product(wp, have_leaves[:, cols].astype(float))
                score = product(wp, np.where(have_leaves[:, cols], leaves[:, cols], 0))
                score /= den
                if not (wp < 0).any():  # signed weights: no bound holds
                    _clip(score, span[node.id])
                cov = den / wt.sum(axis=-1)[:, None]
        else:
            if leafy and absent is None:
                # indicator columns evenly spaced, weights not read from the
                # scores: a view (no copy of the node's columns at 5M cells)
                fixed = node.weights.method in W.FIXED
                view = _columns(leaves, cols) if fixed else None
                x = leaves[None][..., cols] if view is None else view[None]
            else:
                kids = [
                    (
                        leaves[None, :, c]
                        if absent is None
                        else np.where(absent[:, c, None], np.nan, leaves[None, :, c])
                    )
                    if c >= 0
                    else values[k]
                    for k, c in zip(node.children, cols, strict=True)
                ]
                x = np.stack(np.broadcast_arrays(*kids), axis=-1)
            w = weigh(node, x)
            whole = _whole(node, x, w)
            if not whole and w.shape == x.shape and _one_row(w):
                w = np.ascontiguousarray(w)  # the rows themselves, as _step sums them
            if whole:  # every child scored: the same sums without the masks
                score, cov, wn, have = _step_whole(x, w)
            else:
                score, cov, wn, have = _step(node, x, w, groups)
            _clip(score, span[node.id], node, x, wn)  # MP can fall below 0
            if shares:
                with np.errstate(invalid="ignore", divide="ignore"):
                    # nansum of w · x: the children's values in a new array laid
                    # out as x, which a large product reuses (NumPy's temporary
                    # elision), and the sum's order, so its bits, follow that
                    # layout; a sum with no NaN term is nansum's own (no copy)
                    arithmetic = np.sum(wn * _kids(x, have, whole), axis=-1)
                    if np.isnan(arithmetic).any():
                        arithmetic = np.nansum(wn * _kids(x, have, whole), axis=-1)
                    scale = np.where(arithmetic != 0, score / arithmetic, 1.0)
                # the children's shares as one block, each child's a column of it
                block = wn * scale[..., None]
                if not whole:
                    block = np.where(have, block, 0.0)
                blocks[node.id] = block
                share.update({k: block[..., j] for j, k in enumerate(node.children)})
        score[~(cov >= node.need - 1e-12)] = np.nan
        if node.missing != "exclude":
            score, imputed[node.id] = impute_node(node, score, rows)
            if shares:  # a filled score is none of its children's doing
                block = np.where(imputed[node.id][..., None], 0.0, blocks[node.id])
                blocks[node.id] = block
                share.update({k: block[..., j] for j, k in enumerate(node.children)})
        values[node.id], cover[node.id] = score, cov
    return Rolled(values, cover, share, imputed, blocks)


def _kids(x: np.ndarray, have, whole: bool) -> np.ndarray:
    """The children's scores, 0 where absent, in a new array laid out as ``x``."""
    return x.copy(order="K") if whole else np.where(have, x, 0.0)


def _whole(node: Node, x: np.ndarray, w: np.ndarray) -> bool:
    """An arithmetic node whose children all have a score, its weights one
    row-major array of ``x``'s shape: :func:`_step_whole` gives :func:`_step`'s
    numbers (each row summed alike)."""
    return (
        node.method.method == "arithmetic"
        and w.shape == x.shape
        and (w.flags.c_contiguous or _one_row(w))
        and not np.isnan(x).any()
    )


def _one_row(w: np.ndarray) -> bool:
    """``w`` is one contiguous row of weights repeated for every unit (a broadcast)."""
    if w.ndim != 3 or w.strides[1] != 0:
        return False
    return w.shape[2] == 1 or w.strides[2] == w.itemsize


def _step_whole(x: np.ndarray, w: np.ndarray):
    """:func:`_step` for an arithmetic node whose children all have a score (see
    :func:`_whole`): no presence masks. Its arrays are the ones ``_step`` sums,
    row-major, so every row is summed in the same order and the bits are the same
    (weights given as one repeated row: that row's sum, the same for every unit)."""
    if _one_row(w):  # the weights present: all of them
        den = np.broadcast_to(np.ascontiguousarray(w[:, :1]).sum(axis=-1), x.shape[:-1])
    else:
        den = w.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        wn = np.divide(w, den[..., None], out=np.empty(x.shape))  # row-major
        cov = den / den  # as den / w.sum(axis=-1): the same sum
    terms = np.empty(x.shape)  # row-major, as combine's w * x is here
    np.multiply(wn, x, out=terms)
    return terms.sum(axis=-1), cov, wn, None


def _step(node: Node, x: np.ndarray, w: np.ndarray, groups):
    """One node: renormalise over the children present, combine; returns the score,
    its coverage, the renormalised weights and presence."""
    if w.shape != x.shape:
        shape = np.broadcast_shapes(x.shape, w.shape)
        x, w = np.broadcast_to(x, shape), np.broadcast_to(w, shape)
    have = ~np.isnan(x)
    present = np.where(have, w, 0.0)
    den = present.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        wn = present / den[..., None]  # renormalised over children present
    if node.method.method in RELATIVE:
        if len(x) != 1 or groups is None:
            raise EvaluationError(
                f"{node.method.method} ({node.id}) compares the units of a period: "
                "it needs one draw and the periods of the rows"
            )
        score = _relative(node.method, x[0], w[0], groups)[None]
    else:
        score = combine(node.method, np.where(have, x, np.nan), wn, node.id)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = den / w.sum(axis=-1)
    return score, cov, wn, have


def _fast(leaves: np.ndarray, nodes: tuple[Node, ...]) -> bool:
    """Complete data and arithmetic means everywhere, no node filling missing
    scores (a draw may leave a node's indicators out): one matrix product per draw."""
    return all(
        n.method.method == "arithmetic" and n.missing == "exclude" for n in nodes
    ) and not bool(np.isnan(leaves).any())


def effective_weights(
    nodes: tuple[Node, ...],
    weights: dict[str, np.ndarray],
    absent: np.ndarray | None,
    *,
    roots: tuple[str, ...] = (COMPOSITE,),
    n_ind: int | None = None,
) -> np.ndarray:
    """Each draw's indicator weights (draws × indicators) in the composite when
    every indicator has a score and every mean is arithmetic: weights renormalised
    over the children present (an indicator left out, a node below its coverage)
    and multiplied down the hierarchy. A draw whose composite fails coverage gets
    NaN weights. ``weights``: each node's children's weights, draws × children.
    ``roots``: other nodes than the composite (each its draws' rows, in turn; 0
    outside it); ``n_ind``: the indicators (default: the tree's)."""
    d = len(next(iter(weights.values())))
    gone = np.zeros((d, 0), dtype=bool) if absent is None else absent
    alive, share = {}, {}
    for node in nodes:  # deepest first
        present = np.column_stack(
            [
                (~gone[:, c] if absent is not None else np.ones(d, bool))
                if c >= 0
                else alive[k]
                for k, c in zip(node.children, node.columns, strict=True)
            ]
        )
        w = np.broadcast_to(weights[node.id], present.shape)
        wp = np.where(present, w, 0.0)
        den = wp.sum(axis=1)
        alive[node.id] = den / w.sum(axis=1) >= node.need - 1e-12
        share[node.id] = wp / np.where(den > 0, den, 1.0)[:, None]
    if n_ind is None:
        n_ind = 1 + max(int(n.columns.max()) for n in nodes)
    out = np.zeros((len(roots) * d, n_ind))
    for r, root in enumerate(roots):
        eff = {root: np.where(alive[root], 1.0, np.nan)}
        rows = out[r * d : (r + 1) * d]
        for node in reversed(nodes):  # parents first
            if node.id not in eff:  # not below the root
                continue
            part = eff[node.id][:, None] * share[node.id]
            leaf = node.columns >= 0
            rows[:, node.columns[leaf]] = part[:, leaf]
            eff.update(
                {
                    k: part[:, j]
                    for j, k in enumerate(node.children)
                    if node.columns[j] < 0
                }
            )
    return out


def product(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``w @ x.T`` (draws × units) in blocks of exactly :data:`BLOCK` draws (the last
    one padded), so every BLAS call has one shape and a draw's bits never depend on
    its neighbours."""
    w = np.ascontiguousarray(w, dtype=float)
    xt = x.T
    out = np.empty((len(w), x.shape[0]))
    for start in range(0, len(w), BLOCK):
        part = w[start : start + BLOCK]
        if len(part) == BLOCK:
            np.matmul(part, xt, out=out[start : start + BLOCK])
        else:
            pad = np.zeros((BLOCK, w.shape[1]))
            pad[: len(part)] = part
            out[start:] = (pad @ xt)[: len(part)]
    return out


# ------------------------------------------------------------ the pipeline's use
class Aggregated:
    """Rows ``(period, unit_id)``: node scores, their coverage, indicator weights.

    Kept as the engine's arrays; each table is built when first read (the pipeline
    reads the composite and its coverage at once, the other tables only for a
    reader who asks for them)."""

    def __init__(
        self,
        index: pd.Index,
        indicators: pd.Index,
        nodes: dict[str, dict[str, np.ndarray]],
        weight: np.ndarray,
        leaves: np.ndarray,
        used: list[tuple[Node, np.ndarray]],
        periods: np.ndarray,
    ) -> None:
        self.index, self.indicators = index, indicators
        #: ``score``, ``coverage`` and ``imputed``: one array per dimension and
        #: the composite (the keys, in the tables' column order)
        self.nodes = nodes
        self._weight, self._leaves = weight, leaves
        #: each node with its children's weights in each period (``periods``)
        self._used, self._periods = used, periods

    @property
    def keys(self) -> list[str]:
        """The tables' columns: every dimension, then ``composite``."""
        return list(self.nodes["score"])

    @property
    def composite(self) -> np.ndarray:
        """Each row's composite score (NaN: none)."""
        return self.nodes["score"][COMPOSITE]

    @cached_property
    def scores(self) -> pd.DataFrame:
        """One column per dimension, plus ``composite``."""
        return _table(self.nodes["score"], self.index)

    @cached_property
    def coverage(self) -> pd.DataFrame:
        """Share of each node's applicable weight that had scores."""
        return _table(self.nodes["coverage"], self.index)

    @cached_property
    def imputed(self) -> pd.DataFrame:
        """True where a node's score was filled by its ``missing`` rule (the
        columns of ``scores``); its indicators then weigh 0 and add no
        contribution."""
        return _table(self.nodes["imputed"], self.index)

    @property
    def weights(self) -> pd.DataFrame:
        """Effective weight of each indicator in the composite."""
        return self._indicator_tables[0]

    @property
    def contributions(self) -> pd.DataFrame:
        """Weight × score; each row sums to the composite."""
        return self._indicator_tables[1]

    @cached_property
    def _indicator_tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        # built together: the weights' frame takes the engine's array as it is (a
        # reader who writes in it changes no contribution, made here first)
        gap = np.isnan(self._leaves)
        leaves = np.where(gap, 0.0, self._leaves) if gap.any() else self._leaves
        # complete data: one row of weights for every unit, written out here
        weight = self._weight if self._weight.flags.writeable else self._weight.copy()
        contributions = weight * leaves
        return tuple(
            pd.DataFrame(x, index=self.index, columns=self.indicators, copy=False)
            for x in (weight, contributions)
        )

    @cached_property
    def node_weights(self) -> pd.DataFrame:
        """``period, node_id, child_id, weight, method``: each node's children's
        weights in each period, before renormalising over gaps."""
        used = [_weights_table(w, self._periods, node) for node, w in self._used]
        return pd.DataFrame({k: np.concatenate([u[k] for u in used]) for k in used[0]})

    def without_rows(self, rows: np.ndarray) -> Aggregated:
        """The same with no composite, weights or contributions at ``rows`` (units
        not ranked: mostly imputed data)."""
        nodes = {**self.nodes, "score": dict(self.nodes["score"])}
        nodes["score"][COMPOSITE] = np.where(rows, np.nan, self.composite)
        weight = self._weight.copy()
        weight[rows] = np.nan
        return Aggregated(
            self.index,
            self.indicators,
            nodes,
            weight,
            self._leaves,
            self._used,
            self._periods,
        )


def aggregate(
    normalised: pd.DataFrame, catalogue: Catalogue, *, peers: pd.Series | None = None
) -> Aggregated:
    """Aggregate indicator scores (0–100; rows ``(period, unit_id)``) to every
    dimension and the composite: one draw of :func:`score_nodes`, weights set per period
    (data-driven weights read each period's cross-section). ``peers``: each unit's
    peer group (indexed by ``unit_id``), for dimensions that fill a missing score
    (``dimensions[].missing``)."""
    periods = normalised.index.get_level_values("period")
    ids = list(normalised.columns)
    nodes = tree(catalogue, ids)
    used: list[tuple[Node, np.ndarray]] = []
    rows = None
    if peers is not None and any(n.missing != "exclude" for n in nodes):
        rows = _rows(normalised.index, peers)

    first = _first_rows(normalised.index)  # each period's first row, found once
    labels = np.asarray(periods[first], dtype=object)  # their periods, as text once

    def weigh(node: Node, x: np.ndarray) -> np.ndarray:
        kids = list(node.children)
        if node.weights.method in W.FIXED:  # one row, every unit's (not copied)
            row = W.node_weights(node.weights, x[0, :1], periods[:1], node.local, kids)
            w = np.broadcast_to(row, x[0].shape)
        else:
            w = W.node_weights(node.weights, x[0], periods, node.local, kids)
        used.append((node, w[first]))  # its table built when read
        return w[None]

    leaves = normalised.to_numpy(dtype=float)
    gap = np.isnan(leaves)
    if _complete(nodes, gap):  # one matrix product for every node
        rolled, weight = _score_complete(leaves, nodes, weigh)
        values = {k: v[0] for k, v in rolled.values.items()}
    else:
        rolled = score_nodes(
            leaves, nodes, weigh, groups=periods, shares=True, rows=rows
        )
        values = {k: v[0] for k, v in rolled.values.items()}
        weight = _effective(nodes, rolled, values, gap)
    empty = np.full(len(leaves), np.nan)
    kinds = catalogue.node_columns["kind"]
    keys = [*(k for k, kind in kinds.items() if kind == "dimension"), COMPOSITE]
    no = np.zeros(len(leaves), dtype=bool)
    tables = {
        "score": {k: values.get(k, empty) for k in keys},
        "coverage": {
            k: rolled.coverage[k][0] if k in rolled.coverage else empty for k in keys
        },
        "imputed": {
            k: rolled.imputed[k][0] if k in rolled.imputed else no for k in keys
        },
    }
    ranked = ~np.isnan(tables["score"][COMPOSITE])
    if not ranked.all():  # no unit ranked, no weight
        weight = np.array(weight)  # its own array (not the complete data's row)
        weight[~ranked] = np.nan
    return Aggregated(
        normalised.index, normalised.columns, tables, weight, leaves, used, labels
    )


def _table(columns: dict[str, np.ndarray], index: pd.Index) -> pd.DataFrame:
    """Columns of one type as a frame: one columns × rows block, made here as pandas
    would consolidate them, which the frame takes as it is (from a dict of arrays
    pandas types and copies each column on its own)."""
    block = np.stack(list(columns.values()))
    return pd.DataFrame(block.T, index=index, columns=list(columns), copy=False)


def _effective(
    nodes: tuple[Node, ...],
    rolled: Rolled,
    values: dict[str, np.ndarray],
    gap: np.ndarray,
) -> np.ndarray:
    """Each indicator's effective weight in the composite (units × indicators): a
    child's is its parent's times its share of the parent's score (its
    ``nan_to_num``), 0 where the child has no score; a node's children at once,
    parents first (one draw of :func:`score_nodes` with ``shares``; ``gap``: where
    an indicator has no score)."""
    effective = {COMPOSITE: np.where(np.isnan(values[COMPOSITE]), 0.0, 1.0)}
    out = np.empty(gap.shape)  # every column written below (checked at the end)
    written = np.zeros(gap.shape[1], dtype=bool)
    complete = not gap.any()
    for node in reversed(nodes):  # parents first
        cols = node.columns
        leaf = cols >= 0
        share = rolled.blocks[node.id][0]
        if not np.isfinite(share).all():  # else nan_to_num changes nothing
            share = np.nan_to_num(share)
        if leaf.all():
            scored = None if complete else ~gap[:, cols]
        else:
            own = [
                ~gap[:, c] if c >= 0 else ~np.isnan(values[k])
                for k, c in zip(node.children, cols, strict=True)
            ]
            scored = np.column_stack(own)
        # indicator columns evenly spaced: written in place (a view of ``out``)
        view = _columns(out, cols) if leaf.all() else None
        part = np.multiply(effective[node.id][:, None], share, out=view)
        if scored is not None and not scored.all():
            np.copyto(part, 0.0, where=~scored)
        if view is None:
            out[:, cols[leaf]] = part[:, leaf]
        written[cols[leaf]] = True
        effective.update(
            {k: part[:, j] for j, k in enumerate(node.children) if cols[j] < 0}
        )
    if not written.all():
        raise EvaluationError("an indicator scored is under no node of the tree")
    return out


def _complete(nodes: tuple[Node, ...], gap: np.ndarray) -> bool:
    """Whether the pipeline's fast path applies (:func:`_score_complete`): every
    indicator scored (``gap``: none missing), arithmetic means that fill no missing
    score, weights set by the catalogue (the same row for every unit) and bounded
    scores."""
    span = limits(nodes)
    return (
        all(
            n.method.method == "arithmetic"
            and n.missing == "exclude"
            and n.weights.method in W.FIXED
            and np.isfinite(span[n.id]).all()
            for n in nodes
        )
        and len(gap) > 0  # no rows: the general path's empty tables
        and not gap.any()
    )


def _score_complete(
    leaves: np.ndarray, nodes: tuple[Node, ...], weigh: Weigh
) -> tuple[Rolled, np.ndarray]:
    """Every node scored where :func:`_complete` holds: each node a weighted sum
    of the indicators, its effective weights the product of the renormalised
    weights down from it (:func:`effective_weights`), one matrix product for all
    (:func:`product`, as the uncertainty draws' own path). Returns the roll-up and
    every unit's indicator weights (the composite's row, read only: written out
    when the weights or contributions are read)."""
    n, m = leaves.shape
    # each node's row of weights, as the general path is given it (its table of
    # weights used is kept by ``weigh``); no units × children array
    stub = {node.id: np.broadcast_to(0.0, (1, n, len(node.children))) for node in nodes}
    rows = {node.id: weigh(node, stub[node.id])[0, :1] for node in nodes}
    ids = tuple(node.id for node in nodes)
    e = effective_weights(nodes, rows, None, roots=ids, n_ind=m)
    score = product(e, leaves)  # nodes × units
    span = limits(nodes)
    values = {k: _clip(score[j : j + 1], span[k]) for j, k in enumerate(ids)}
    cover = {k: np.ones((1, n)) for k in ids}
    return Rolled(values, cover, {}), np.broadcast_to(e[ids.index(COMPOSITE)], (n, m))


def _columns(table: np.ndarray, cols: np.ndarray) -> np.ndarray | None:
    """``table[:, cols]`` as a view where ``cols`` are evenly spaced, else None."""
    step = int(cols[1] - cols[0]) if len(cols) > 1 else 1
    if step <= 0 or (np.diff(cols) != step).any():
        return None
    return table[:, cols[0] : cols[-1] + 1 : step]


def _first_rows(index: pd.Index) -> np.ndarray:
    """True at each period's first row (``~periods.duplicated()``), from the
    index's period codes where it has them (no hash of every row's label)."""
    if not isinstance(index, pd.MultiIndex):
        return ~index.get_level_values("period").duplicated()
    codes = index.codes[index.names.index("period")]
    first = np.zeros(len(index), dtype=bool)
    first[np.unique(codes, return_index=True)[1]] = True
    return first


def _rows(index: pd.MultiIndex, peers: pd.Series) -> Rows:
    """The :class:`Rows` of a ``(period, unit_id)`` index that holds every unit in
    every period, period by period (as :func:`.prepare.as_matrix` makes it)."""
    periods = pd.unique(index.get_level_values("period"))
    units = index.get_level_values("unit_id")[: len(index) // len(periods)]
    grid = pd.MultiIndex.from_product([periods, units], names=index.names)
    if not index.equals(grid):
        raise EvaluationError(
            "imputation at a dimension needs every unit in every period, period "
            "by period (the rows of prepare.as_matrix)"
        )
    return Rows(peer=peers.reindex(units).to_numpy(), periods=len(periods))


def _weights_table(per: np.ndarray, labels: np.ndarray, node: Node) -> dict:
    """One row per (period, child): the weight used before renormalising over gaps
    (``per``: the children's weights, a row per period; ``labels``: the periods, as
    objects), as columns; :attr:`Aggregated.node_weights` makes one table of every
    node's."""
    kids, n_periods = node.children, len(per)
    n = len(kids) * n_periods
    return {
        "period": np.repeat(labels, len(kids)),
        "node_id": np.full(n, node.id, dtype=object),
        "child_id": np.tile(np.asarray(kids, dtype=object), n_periods),
        "weight": (per / per.sum(axis=1, keepdims=True)).reshape(-1),
        "method": np.full(n, node.weights.method, dtype=object),
    }
