"""Weights for the children of a node: expert (AHP), objective (entropy, CRITIC, SD,
PCA) and blends of the two. Pure numpy kernels over a ``units × criteria`` matrix.

Conventions where libraries disagree (stated, as our choice):

* Objective weights are computed on **normalised** scores (0–100, higher = better),
  so direction is already accounted for; missing cells are left out column by column
  (entropy, SD) or pairwise (CRITIC correlations, PCA on complete rows).
* Entropy: ``p_ij = x_ij / Σ_i x_ij``, ``e_j = −Σ p ln p / ln m`` (0 ln 0 = 0),
  ``w ∝ 1 − e`` (Shannon; scikit-criteria, pymcdm). A column of zeros has no
  information: ``e = 1``. So has any column with fewer than two distinct values
  (entropy 1, SD 0, PCA loading 0), exactly, whatever the rounding.
* Standard deviation: sample SD (ddof = 1); the factor cancels in the ratio.
* CRITIC (Diakoulaki et al. 1995): min–max scale each column,
  ``C_j = σ_j Σ_k (1 − r_jk)`` with σ the sample SD of the scaled column and r
  Pearson's correlation.
* AHP: principal right eigenvector (Saaty) or row geometric mean (Crawford &
  Williams 1985); ``CI = (λmax − n) / (n − 1)``, ``CR = CI / RI(n)``; RI tables named
  in :data:`RANDOM_INDEX`, Saaty's (1980) by default. CR < 0.1 is required.
* PCA: loadings of the first principal component of the correlation matrix, per
  group, as COINr (signed; sign chosen so that loadings sum positive), or the
  OECD/JRC Handbook variant (squared loadings, normalised). As a node's method,
  ``pca`` sets negative loadings to 0 (renormalised); ``pca_coinr`` keeps them,
  as COINr's ``get_PCA`` weights do.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.errors import EvaluationError

#: a pairwise matrix is consistent enough to use below this consistency ratio (Saaty)
CR_LIMIT = 0.1

#: Random-index tables, n = 1..15. ``saaty`` is Saaty (1980), the classic table;
#: ``saaty2005`` is Saaty's later simulation (AHPy's default); ``donegan_dodd``
#: Donegan & Dodd (1991); ``tummala_ling`` Tummala & Ling (1998), as in pymcdm.
RANDOM_INDEX: dict[str, tuple[float, ...]] = {
    "saaty": (
        0,
        0,
        0.58,
        0.90,
        1.12,
        1.24,
        1.32,
        1.41,
        1.45,
        1.49,
        1.51,
        1.48,
        1.56,
        1.57,
        1.59,
    ),
    "saaty2005": (
        0,
        0,
        0.52,
        0.89,
        1.11,
        1.25,
        1.35,
        1.40,
        1.45,
        1.49,
        1.52,
        1.54,
        1.56,
        1.58,
        1.59,
    ),
    "donegan_dodd": (
        0,
        0,
        0.4914,
        0.8286,
        1.0591,
        1.1797,
        1.2519,
        1.3171,
        1.3733,
        1.4055,
        1.4213,
        1.4497,
        1.4643,
        1.4822,
        1.4969,
    ),
    "tummala_ling": (
        0,
        0,
        0.5799,
        0.8921,
        1.1159,
        1.2358,
        1.3322,
        1.3952,
        1.4537,
        1.4882,
        1.5117,
        1.5356,
        1.5571,
        1.5714,
        1.5831,
    ),
}


def _normalise(w: np.ndarray) -> np.ndarray:
    w = np.asarray(w, dtype=float)
    total = w.sum()
    # no information (or signed loadings that cancel out): equal weights
    if not np.isfinite(total) or total <= 1e-9 * np.abs(w).sum():
        return np.full(w.shape, 1 / w.size)
    return w / total


def _scaled(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Columns min–max scaled to [0, 1] (NaN kept) and their ranges, 0 where a column
    has fewer than two distinct values. Spreads and correlations are computed on the
    scaled columns, so tiny but distinct values cannot underflow to 0 / 0."""
    lo, hi = np.fmin.reduce(x, axis=0), np.fmax.reduce(x, axis=0)
    span = np.where(hi > lo, hi - lo, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(span > 0, (x - lo) / span, 0.0), span


def _sd(z: np.ndarray, span: np.ndarray) -> np.ndarray:
    """Sample SD of the present cells of each scaled column; 0 where span is 0."""
    varies, out = span > 0, np.zeros(z.shape[1])
    out[varies] = np.nanstd(z[:, varies], axis=0, ddof=1)
    return out


def equal(x: np.ndarray) -> np.ndarray:
    """Equal weights for every column."""
    return np.full(np.asarray(x).shape[1], 1 / np.asarray(x).shape[1])


def entropy(x: np.ndarray) -> np.ndarray:
    """Shannon entropy weights (熵权法); columns must be non-negative."""
    x = np.asarray(x, dtype=float)
    if np.any(x < 0):
        raise ValueError("entropy weights need non-negative values (normalise first)")
    m = np.sum(~np.isnan(x), axis=0)
    total = np.nansum(x, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / total
        plogp = np.where(p > 0, p * np.log(p), 0.0)
        e = -np.nansum(plogp, axis=0) / np.log(m)
    e = np.where(_scaled(x)[1] > 0, e, 1.0)  # varying, non-negative: total > 0, m > 1
    return _normalise(np.clip(1 - e, 0, None))


def sd(x: np.ndarray) -> np.ndarray:
    """Standard-deviation weights: ``w ∝ σ_j`` (sample SD)."""
    z, span = _scaled(np.asarray(x, dtype=float))
    return _normalise(span * _sd(z, span))


def critic(x: np.ndarray) -> np.ndarray:
    """CRITIC weights: contrast (SD) times conflict (1 − correlation)."""
    z, span = _scaled(np.asarray(x, dtype=float))
    sigma = _sd(z, span)
    r = np.nan_to_num(_pairwise_corr(z), nan=0.0)
    return _normalise(sigma * np.sum(1 - r, axis=1))


def _pairwise_corr(x: np.ndarray) -> np.ndarray:
    """Pearson correlation over rows where both columns are present."""
    out = np.eye(x.shape[1])
    for a in range(x.shape[1]):  # criteria, not units: a handful per node
        for b in range(a + 1, x.shape[1]):
            both, r = ~np.isnan(x[:, a]) & ~np.isnan(x[:, b]), np.nan
            if both.sum() > 1:
                pair, span = _scaled(x[both][:, [a, b]])
                if (span > 0).all():
                    r = np.corrcoef(pair, rowvar=False)[0, 1]
            out[a, b] = out[b, a] = r
    return out


def pca(x: np.ndarray, *, squared: bool = False) -> np.ndarray:
    """First-principal-component weights on the correlation matrix (complete rows).

    ``squared=False``: signed loadings as COINr, normalised to sum 1 (sign chosen so
    the sum is positive). ``squared=True``: the Handbook's squared loadings.
    """
    x = np.asarray(x, dtype=float)
    rows = x[~np.isnan(x).any(axis=1)]
    if len(rows) < 3:
        raise ValueError("PCA weights need at least 3 units with every value present")
    z, span = _scaled(rows)
    varies, first = span > 0, np.zeros(x.shape[1])  # constant: loading 0
    if varies.any():
        corr = np.atleast_2d(np.corrcoef(z[:, varies], rowvar=False))
        values, vectors = np.linalg.eigh(corr)
        first[varies] = vectors[:, np.argmax(values)]
    if first.sum() < 0:
        first = -first
    return _normalise(first**2 if squared else first)


def _eigenvector(a: np.ndarray) -> tuple[np.ndarray, float]:
    """Saaty's principal right eigenvector (unnormalised) and its eigenvalue."""
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    return np.abs(vectors[:, k].real), float(values[k].real)


def _geometric(a: np.ndarray) -> tuple[np.ndarray, float]:
    """Row geometric means (unnormalised) and ``λmax = mean((A w) / w)``."""
    w = np.exp(np.log(a).mean(axis=1))
    return w, float(np.mean((a @ (w / w.sum())) / (w / w.sum())))


#: AHP prioritisation (catalogue ``ahp.method``) → ``(weights, λmax)`` of a matrix
AHP_METHODS = {"eigenvector": _eigenvector, "geometric": _geometric}


def ahp(matrix, *, method: str = "eigenvector", random_index: str = "saaty"):
    """AHP weights and consistency from a reciprocal pairwise comparison matrix.

    Returns ``(weights, cr, ci, lambda_max)``. ``method`` is ``eigenvector``
    (principal eigenvector) or ``geometric`` (row geometric mean). CR uses λmax of
    the matrix with the chosen weights: ``λmax = mean((A w) / w)``.
    """
    a = np.asarray(matrix, dtype=float)
    n = a.shape[0] if a.ndim else 0
    if a.shape != (n, n) or n < 1:
        raise ValueError(f"AHP matrix must be square, got shape {a.shape}")
    if not np.all(a > 0):
        raise ValueError("AHP judgements must be positive numbers")
    if method not in AHP_METHODS:
        raise ValueError(
            f"AHP method must be {' or '.join(map(repr, AHP_METHODS))}, not {method!r}"
        )
    w, lam = AHP_METHODS[method](a)
    w = w / w.sum()
    ci = (lam - n) / (n - 1) if n > 2 else 0.0
    table = RANDOM_INDEX[random_index]
    ri = table[n - 1] if n <= len(table) else table[-1]
    cr = ci / ri if ri > 0 else 0.0
    return w, cr, ci, lam


def most_inconsistent(matrix, weights) -> tuple[int, int, float]:
    """The judgement ``a_ij`` (i < j) farthest from ``w_i / w_j`` by log ratio.

    Returns ``(i, j, w_i / w_j)``; needs n ≥ 2.
    """
    a = np.asarray(matrix, dtype=float)
    w = np.asarray(weights, dtype=float)
    if a.ndim != 2 or a.shape[0] < 2 or a.shape != (w.size, w.size):
        raise ValueError(f"need an n × n matrix (n ≥ 2) and n weights, got {a.shape}")
    i, j = np.triu_indices(w.size, 1)  # above the diagonal only: ties → first pair
    k = int(np.argmax(np.abs(np.log(a[i, j] * w[j] / w[i]))))
    return int(i[k]), int(j[k]), float(w[i[k]] / w[j[k]])


def blend(
    subjective, objective, *, alpha: float = 0.5, how: str = "linear"
) -> np.ndarray:
    """Combine expert and data-driven weights (组合赋权).

    ``linear``: ``α·s + (1 − α)·o``; ``multiplicative``: ``s·o / Σ s·o``.
    """
    s, o = _normalise(subjective), _normalise(objective)
    if how not in COMBINE:
        raise ValueError(
            f"blend must be {' or '.join(map(repr, COMBINE))}, not {how!r}"
        )
    return COMBINE[how](s, o, alpha)


def _linear(s: np.ndarray, o: np.ndarray, alpha: float) -> np.ndarray:
    if not 0 <= alpha <= 1:
        raise ValueError(f"alpha must lie in [0, 1], got {alpha}")
    return _normalise(alpha * s + (1 - alpha) * o)


def _multiplicative(s: np.ndarray, o: np.ndarray, alpha: float) -> np.ndarray:
    return _normalise(s * o)


#: how a blend combines (catalogue ``weights.combine``) → ``f(subjective, objective,
#: alpha)``, both sides normalised to sum 1
COMBINE = {"linear": _linear, "multiplicative": _multiplicative}


#: data-driven weights (catalogue ``weights.method`` or a blend's ``objective``) →
#: ``kernel(x)``: one weight per column of a period's ``units × children`` scores
OBJECTIVE = {
    "equal": equal,
    "entropy": entropy,
    "sd": sd,
    "critic": critic,
    "pca": pca,
    "pca_squared": lambda x: pca(x, squared=True),
}


def objective_weights(
    x: pd.DataFrame, methods: tuple[str, ...] | list[str] | None = None
) -> pd.DataFrame:
    """Every data-driven weighting of the columns of ``x`` (units × criteria, e.g.
    a period's level-1 dimension scores) side by side, for the expert panel to set
    beside its own weights: one row per column of ``x``, one column per method of
    :data:`OBJECTIVE` (default all, in that order), each summing to 1. An unknown
    method is a ``ValueError`` naming the known ones."""
    methods = list(OBJECTIVE if methods is None else methods)
    unknown = [m for m in methods if m not in OBJECTIVE]
    if unknown:
        raise ValueError(
            f"unknown objective weights {unknown}; known: {list(OBJECTIVE)}"
        )
    values = x.to_numpy(dtype=float)
    return pd.DataFrame(
        {m: OBJECTIVE[m](values) for m in methods}, index=x.columns.copy()
    )


# ------------------------------------------------------------- a node's weights
# Each node method takes the node's ``weights`` spec (catalogue ``Weights``), the
# children's scores ``x`` (rows × children), the rows' periods, the children's
# catalogue weights ``local`` (sum 1 under the node) and the children's ids, and
# returns one weight per row and child (the rows of a period share them).


def manual(spec, local: np.ndarray, children: list[str]) -> np.ndarray:
    """The children's catalogue ``weight`` fields."""
    return np.asarray(local, dtype=float)


def from_ahp(spec, local: np.ndarray, children: list[str]) -> np.ndarray:
    """The node's AHP weights, renormalised over ``children`` (those that apply)."""
    position = [list(spec.ahp.children).index(k) for k in children]
    full, *_ = ahp(
        spec.ahp.matrix, method=spec.ahp.method, random_index=spec.ahp.random_index
    )
    return full[position] / full[position].sum()


def _equal(spec, local: np.ndarray, children: list[str]) -> np.ndarray:
    return np.full(len(children), 1 / len(children))


#: weights people set, the same in every period (a blend's ``subjective``) →
#: ``f(spec, local, children)``
SUBJECTIVE = {"manual": manual, "ahp": from_ahp}


def _fixed(rule):
    """A node method whose weights do not read the scores."""

    def weigh(spec, x, periods, local, children) -> np.ndarray:
        return np.broadcast_to(rule(spec, local, children), x.shape).copy()

    return weigh


def _data_driven(spec, x, periods, local, children) -> np.ndarray:
    """Each period's :data:`OBJECTIVE` weights of the node's ``method``."""
    return _nonnegative(_by_period(spec.method, x, periods, children, lambda w: w))


def _signed_pca(spec, x, periods, local, children) -> np.ndarray:
    """COINr's PCA weights (``get_PCA``): each period's first-component loadings of
    the correlation matrix, kept signed; divided by their sum, which is what COINr's
    means do with ``prcomp``'s loadings (so the arbitrary sign of the component
    cancels). A child that runs against the others weighs negative."""
    return _by_period("pca", x, periods, children, lambda w: w)


def _blend(spec, x, periods, local, children) -> np.ndarray:
    """Each period's ``objective`` weights blended with the ``subjective`` ones."""
    s = SUBJECTIVE[spec.subjective](spec, local, children)
    return _nonnegative(
        _by_period(
            spec.objective,
            x,
            periods,
            children,
            lambda o: blend(s, o, alpha=spec.alpha, how=spec.combine),
        )
    )


def _by_period(objective: str, x, periods, children, then) -> np.ndarray:
    out = np.empty(x.shape)
    for period in pd.unique(periods):  # each period's cross-section sets its weights
        rows = np.asarray(periods == period)
        try:
            w = OBJECTIVE[objective](x[rows])
        except ValueError as exc:
            raise EvaluationError(
                f"{objective} weights for {', '.join(children)} in {period}: {exc}"
            ) from None
        out[rows] = then(w)
    return out


def _nonnegative(out: np.ndarray) -> np.ndarray:
    """Negative weights (signed PCA loadings) set to 0, each row renormalised: a
    negative weight would reward worse scores (``pca_coinr`` keeps them)."""
    out = np.clip(out, 0.0, None)
    total = out.sum(axis=1, keepdims=True)
    return np.where(total > 0, out / np.where(total > 0, total, 1.0), 1 / out.shape[1])


#: a node's weights method (catalogue ``weights.method``) → ``f(spec, x, periods,
#: local, children)``
METHODS = {
    **dict.fromkeys(OBJECTIVE, _data_driven),
    "equal": _fixed(_equal),  # as a node's method: exactly 1/k, in every period
    "manual": _fixed(manual),
    "ahp": _fixed(from_ahp),
    "pca_coinr": _signed_pca,  # COINr's signed loadings, not clipped
    "blend": _blend,
}


#: methods whose weights do not read the scores: the same row for every unit
FIXED = frozenset({"equal", "manual", "ahp"})


def node_weights(spec, x, periods, local, children) -> np.ndarray:
    """Weights of a node's children for every row of ``x`` (rows × children), by the
    node's ``weights.method`` (:data:`METHODS`); see the comment above for the
    arguments. Data-driven weights read each period's cross-section."""
    return METHODS[spec.method](spec, x, periods, local, children)
