"""Benchmark: scoring a complete 100,000 × 50 matrix (min-max, two-level arithmetic
aggregation, every stage's array kept), side by side with a naive numpy version.

* ``score_matrix``: :func:`evaluation.matrix.score_matrix` (directions, equal columns,
  effective weights from the catalogue, every node, ranks with ties as published);
* ``naive numpy``: min-max per column, one dimension at a time, then the composite,
  argsort ranks — what a careful analyst writes by hand (the issue's ~50 ms).

Run: ``python benchmarks/bench_matrix.py`` (defaults 100,000 units × 50 indicators).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import timed  # noqa: E402

import evaluation as ev  # noqa: E402
from evaluation.scoring.matrix import score_matrix  # noqa: E402


def catalogue(n_ind: int, n_dims: int = 5) -> ev.Catalogue:
    dims = [
        {"id": f"d{k}", "name_zh": f"维度{k}", "name_en": f"D{k}"}
        for k in range(n_dims)
    ]
    inds = [
        {
            "id": f"i{k}", "name_zh": f"指标{k}", "name_en": f"I{k}",
            "parent": f"d{k % n_dims}", "definition_zh": "-", "definition_en": "-",
            "unit_zh": "分", "unit_en": "points",
            "direction": "lower" if k % 3 == 0 else "higher", "agency": "a",
            "frequency": "annual", "rollup": "last", "weight": 1 + k % 4,
            "normalisation": {"method": "minmax"}, "valid": {"min": 0, "max": 100},
        }
        for k in range(n_ind)
    ]  # fmt: skip
    return ev.parse_catalogue(
        {
            "id": "bench",
            "version": "1",
            "name_zh": "基准",
            "name_en": "bench",
            "agencies": [{"id": "a", "name_zh": "甲", "name_en": "A"}],
            "peer_groups": [{"id": "g", "name_zh": "组", "name_en": "G"}],
            "dimensions": dims,
            "indicators": inds,
        }  # fmt: skip
    )


def naive(x, sign, groups, w_ind, w_dim):
    low, high = x.min(axis=0), x.max(axis=0)
    z = (x - low) / (high - low) * 100
    z = np.where(sign > 0, z, 100 - z)
    dims = np.column_stack([z[:, g] @ (w_ind[g] / w_ind[g].sum()) for g in groups])
    composite = dims @ w_dim
    ranks = np.empty(len(x), dtype=np.int64)
    ranks[np.argsort(-composite)] = np.arange(1, len(x) + 1)
    return z, dims, composite, ranks


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--indicators", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    cat = catalogue(args.indicators)
    ids = [i.id for i in cat.indicators]
    x = np.random.default_rng(0).uniform(0, 100, (args.units, args.indicators))
    sign = np.where(cat.table.loc[ids, "direction"] == "higher", 1, -1)
    groups = [np.arange(k, args.indicators, 5) for k in range(5)]
    w_ind = cat.table.loc[ids, "weight"].to_numpy(dtype=float)
    w_dim = np.full(5, 0.2)
    cases = {
        "score_matrix": lambda: score_matrix(x, cat, ids),
        "naive numpy": lambda: naive(x, sign, groups, w_ind, w_dim),
    }
    rows = []
    for name, fn in cases.items():
        times = timed(fn, args.repeats)
        rows.append({"case": name, "median_ms": 1000 * statistics.median(times),
                     "min_ms": 1000 * min(times)})  # fmt: skip
    table = pd.DataFrame(rows)
    got = score_matrix(x, cat, ids)
    ref = naive(x, sign, groups, w_ind, w_dim)
    agree = np.allclose(got.nodes[:, -1], ref[2])
    print(f"{args.units:,} × {args.indicators}; composites agree: {agree}")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
    return table


if __name__ == "__main__":
    main()
