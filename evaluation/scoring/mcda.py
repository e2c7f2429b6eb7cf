"""Distance-to-ideal MCDA kernels: TOPSIS and VIKOR. Pure numpy over a complete
``units × criteria`` matrix (no missing cells); they return scores, not ranks
(ranking, ties included, is :mod:`evaluation.rank`'s job).

Conventions (stated, as our choice where libraries differ):

* Directions per criterion: ``+1`` / ``"max"`` / ``"higher"`` (benefit) or ``-1`` /
  ``"min"`` / ``"lower"`` (cost).
* Weights must be non-negative with a positive sum; they are rescaled to sum 1.
  TOPSIS closeness and VIKOR ``Q`` do not depend on that scale; VIKOR ``S`` and
  ``R`` are stated on it (so lie in [0, 1]), as in Opricovic & Tzeng.
* TOPSIS (Hwang & Yoon 1981): normalised matrix ``r`` by ``scaling`` —

  - ``"vector"`` (default; Hwang & Yoon, Tzeng & Huang 2011): ``x / √(Σ_i x²)``
    per column; an all-zero column stays 0;
  - ``"minmax"`` (pymcdm's default): ``(x − min) / (max − min)`` for benefit and
    ``(max − x) / (max − min)`` for cost columns, so every column becomes a
    benefit; a constant column is 0;
  - ``"none"``: the raw matrix (as scikit-criteria's ``TOPSIS`` without a scaler).

  Then ``v = w·r``; ideal ``v⁺`` = column max for benefit, min for cost (anti-ideal
  ``v⁻`` the other way); Euclidean ``d⁺``, ``d⁻``; closeness
  ``C = d⁻ / (d⁺ + d⁻)`` in [0, 1], higher = better. ``d⁺ + d⁻ = 0`` only when
  every unit sits on the ideal (a single unit, or units identical on every
  weighted criterion): then everyone is ideal, ``C = 1``.
* VIKOR (Opricovic 1998; Opricovic & Tzeng 2004), no prior normalisation:
  ``f*_j`` / ``f⁻_j`` best / worst value of column j per direction,
  ``S_i = Σ_j w_j (f*_j − x_ij) / (f*_j − f⁻_j)`` (group utility),
  ``R_i = max_j`` of the same terms (individual regret),
  ``Q_i = v (S_i − S*) / (S⁻ − S*) + (1 − v) (R_i − R*) / (R⁻ − R*)`` with
  ``S* = min S``, ``S⁻ = max S`` (likewise R); lower is better; ``v = 0.5`` by
  default ("by consensus"). Division by zero, as scikit-criteria: a criterion on
  which every unit has the same value regrets nothing (its terms are 0; pymcdm
  raises instead); when S (or R) is the same for every unit its part of ``Q`` is 0
  (pymcdm gives NaN). S and R ranges up to 1e-12 count as 0: they are rounding
  noise, S and R lying in [0, 1], and would otherwise split exact ties into 0 and 1.
  So identical units, or a single one, get ``S = R = Q = 0``: everyone is best.

References: Hwang, C.L. & Yoon, K. (1981) *Multiple Attribute Decision Making*,
Springer. Tzeng, G.H. & Huang, J.J. (2011) *Multiple Attribute Decision Making:
Methods and Applications*, CRC Press. Opricovic, S. & Tzeng, G.H. (2004) Compromise
solution by MCDM methods: a comparative analysis of VIKOR and TOPSIS, *EJOR* 156(2)
445–455. Opricovic, S. & Tzeng, G.H. (2007) Extended VIKOR method in comparison with
outranking methods, *EJOR* 178(2) 514–529.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

#: Direction spellings: benefit (True) or cost (False); the catalogue says higher/lower.
BENEFIT = {
    1: True,
    "max": True,
    "higher": True,
    -1: False,
    "min": False,
    "lower": False,
}
SCALINGS = ("vector", "minmax", "none")
#: S and R ranges at most this are rounding noise (S, R ∈ [0, 1]): treated as 0.
RANGE_TOL = 1e-12


def _problem(x, weights, directions) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Checked matrix, weights rescaled to sum 1, and benefit flags per column."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or 0 in x.shape:
        raise ValueError(f"need a units × criteria matrix, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("the matrix must be complete and finite (no NaN or inf)")
    n = x.shape[1]
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise ValueError(f"need {n} weights, one per criterion, got shape {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise ValueError("weights must be finite, non-negative, with a positive sum")
    d = list(np.ravel(np.asarray(directions, dtype=object)))
    if len(d) != n:
        raise ValueError(f"need {n} directions, one per criterion, got {len(d)}")
    bad = [v for v in d if isinstance(v, bool) or not _known(v)]
    if bad:
        raise ValueError(
            f"directions must be +1/-1, 'max'/'min' or 'higher'/'lower', not {bad[0]!r}"
        )
    return x, w / w.sum(), np.array([BENEFIT[v] for v in d], dtype=bool)


def _known(direction) -> bool:
    try:
        return direction in BENEFIT
    except TypeError:  # unhashable
        return False


def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a / b``, 0 where ``b`` is 0."""
    b = np.broadcast_to(b, np.shape(a))
    return np.divide(a, b, out=np.zeros(np.shape(a)), where=b != 0)


def topsis(x, weights, directions, *, scaling: str = "vector") -> np.ndarray:
    """TOPSIS closeness coefficients, in [0, 1], higher = better.

    Parameters
    ----------
    x : array_like, shape (units, criteria)
        Complete decision matrix.
    weights : array_like, shape (criteria,)
        Non-negative; rescaled to sum 1.
    directions : sequence, shape (criteria,)
        ``+1`` / ``"max"`` / ``"higher"`` or ``-1`` / ``"min"`` / ``"lower"``.
    scaling : {"vector", "minmax", "none"}
        Column normalisation before weighting (see the module docstring).

    Returns
    -------
    numpy.ndarray, shape (units,)
        ``d⁻ / (d⁺ + d⁻)``; 1.0 for every unit when all are ideal (``d⁺ + d⁻ = 0``).
    """
    if scaling not in SCALINGS:
        raise ValueError(f"scaling must be one of {SCALINGS}, not {scaling!r}")
    x, w, benefit = _problem(x, weights, directions)
    if scaling == "vector":
        r = _divide(x, np.sqrt(np.sum(x**2, axis=0)))
    elif scaling == "minmax":
        lo, hi = x.min(axis=0), x.max(axis=0)
        r = _divide(np.where(benefit, x - lo, hi - x), hi - lo)
        benefit = np.ones_like(benefit)  # cost columns are now benefit columns
    else:
        r = x
    v = r * w
    ideal = np.where(benefit, v.max(axis=0), v.min(axis=0))
    anti = np.where(benefit, v.min(axis=0), v.max(axis=0))
    d_plus = np.sqrt(np.sum((v - ideal) ** 2, axis=1))
    d_minus = np.sqrt(np.sum((v - anti) ** 2, axis=1))
    total = d_plus + d_minus
    return np.divide(d_minus, total, out=np.ones_like(total), where=total > 0)


def _unit_range(s: np.ndarray) -> np.ndarray:
    """``(s − min) / (max − min)``; 0 everywhere when the range is rounding noise."""
    span = s.max() - s.min()
    return (s - s.min()) / span if span > RANGE_TOL else np.zeros_like(s)


def vikor(
    x, weights, directions, *, v: float = 0.5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """VIKOR group utility ``S``, individual regret ``R`` and compromise index ``Q``.

    Parameters
    ----------
    x : array_like, shape (units, criteria)
        Complete decision matrix (raw: VIKOR scales each column itself).
    weights : array_like, shape (criteria,)
        Non-negative; rescaled to sum 1, so ``S`` and ``R`` lie in [0, 1].
    directions : sequence, shape (criteria,)
        ``+1`` / ``"max"`` / ``"higher"`` or ``-1`` / ``"min"`` / ``"lower"``.
    v : float
        Weight of the group-utility strategy in ``Q``, in [0, 1].

    Returns
    -------
    tuple of numpy.ndarray, each shape (units,)
        ``(S, R, Q)``, all lower = better; ``Q`` in [0, 1]. Constant criteria add
        no regret; a part of ``Q`` whose S (or R) range is 0 is 0 (module docstring).
    """
    v = float(v)
    if not 0 <= v <= 1:
        raise ValueError(f"VIKOR v must lie in [0, 1], got {v}")
    x, w, benefit = _problem(x, weights, directions)
    best = np.where(benefit, x.max(axis=0), x.min(axis=0))
    worst = np.where(benefit, x.min(axis=0), x.max(axis=0))
    regret = w * _divide(best - x, best - worst)
    s, r = regret.sum(axis=1), regret.max(axis=1)
    return s, r, v * _unit_range(s) + (1 - v) * _unit_range(r)


def bod(x, *, lower: float = 0.0, upper: float = 1.0) -> np.ndarray:
    """Benefit-of-the-Doubt scores (Cherchye et al. 2007), in [0, 1].

    Each unit gets the weights most favourable to it: maximise ``Σ w_i y_ui`` subject
    to ``Σ w_i y_vi ≤ 1`` for every unit v and ``w ≥ 0``, with each criterion's share
    of the unit's score ``w_i y_ui / Σ_j w_j y_uj`` held in ``[lower, upper]`` (pie-
    share weight bounds). ``x`` holds non-negative, higher-is-better values (scores).
    One linear programme per unit (``scipy.optimize.linprog``, HiGHS), so meant for
    municipal sizes, not national scale. A unit that is 0 everywhere scores 0.
    """
    x = np.asarray(x, dtype=float)
    n, k = x.shape
    if np.isnan(x).any() or (x < 0).any():
        raise ValueError("Benefit-of-the-Doubt needs a complete, non-negative matrix")
    if not 0 <= lower <= 1 / k <= upper <= 1:
        raise ValueError(f"share bounds must satisfy 0 <= lower <= 1/{k} <= upper <= 1")
    out = np.zeros(n)
    for u in range(n):  # one LP per unit: the method's definition
        y = x[u]
        if not (y > 0).any():
            continue
        share = np.diag(y)  # w_i y_ui
        rows = [x]  # Σ w y_v ≤ 1
        bounds = [np.ones(n)]
        if lower > 0:  # lower Σ w y_u − w_i y_ui ≤ 0
            rows.append(lower * np.tile(y, (k, 1)) - share)
            bounds.append(np.zeros(k))
        if upper < 1:  # w_i y_ui − upper Σ w y_u ≤ 0
            rows.append(share - upper * np.tile(y, (k, 1)))
            bounds.append(np.zeros(k))
        res = linprog(
            -y,
            A_ub=np.vstack(rows),
            b_ub=np.concatenate(bounds),
            bounds=[(0, None)] * k,
            method="highs",
        )
        if not res.success:
            raise ValueError(f"Benefit-of-the-Doubt LP for unit {u}: {res.message}")
        out[u] = -res.fun
    return np.clip(out, 0.0, 1.0)


def copeland(x, weights, *, chunk_cells: int = 20_000_000) -> np.ndarray:
    """Copeland scores in [0, 1]: pairwise weighted majorities between units.

    Unit a beats b when the weights of the criteria on which a scores higher exceed
    those on which b does; the score is ``(wins − losses + (n − 1)) / (2 (n − 1))``
    (1 for a single unit). ``x`` holds higher-is-better values, complete. Pairs are
    compared in chunks of ``chunk_cells`` cells, so memory stays bounded.
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(weights, dtype=float)
    n, k = x.shape
    if n == 1:
        return np.ones(1)
    net = np.zeros(n)
    step = max(1, chunk_cells // max(n * k, 1))
    for start in range(0, n, step):  # chunks of units, each against all units
        a = x[start : start + step]
        margin = np.sign(a[:, None, :] - x[None, :, :]) @ w  # (chunk, n)
        net[start : start + step] = np.sign(margin).sum(axis=1)
    return (net + (n - 1)) / (2 * (n - 1))
