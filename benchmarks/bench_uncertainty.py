"""Benchmark: Monte Carlo rank intervals, vectorised over draws.

Side by side in one run, medians of ``--repeats``:

* ``asem setup``: the once-per-analysis work (the period treated and normalised for
  each option) on COINr's ASEM index (51 countries × 49 indicators, 4 levels; needs
  ``../shared/data``);
* ``asem 1,000 draws``: the draws themselves, weights ×(1 ± 0.25) at levels 1–2 and
  two normalisations (as published, z-score), setup reused;
* ``sample 1,000 draws``: the bundled city (50 units × 28 indicators), the same
  design plus geometric means and leaving out one indicator;
* ``floor``: one matrix product of the draws' effective weights with one indicator
  matrix (the least any engine must do; no coverage rules, one normalisation);
* ``sobol N=1,000``: Sobol indices of the mean rank shift on the ASEM index.

Run: ``python benchmarks/bench_uncertainty.py [path/to/shared/data]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import timed  # noqa: E402

import evaluation as ev  # noqa: E402
from evaluation import uncertainty as U  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def asem_result(shared: Path) -> ev.Result:
    spec = importlib.util.spec_from_file_location(
        "asem", ROOT / "examples" / "asem_coinr" / "run.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.run(shared)


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "shared", nargs="?", default=str(ROOT.parent / "shared" / "data")
    )
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--sobol", type=int, default=1000)
    args = parser.parse_args(argv)
    sample = ev.run(
        ev.load_catalogue(ROOT / "indicators.yaml"),
        ev.load_dataset(ROOT / "data" / "sample"),
        period="2025",
        run_at="bench",
    )
    cases = {}
    shared = Path(args.shared)
    asem = asem_result(shared) if (shared / "coinr_asem").is_dir() else None
    two = U.Spec(
        n=args.draws, weight_levels=(1, 2), normalisations=(U.CATALOGUE, "zscore")
    )
    if asem is not None:
        ready = U.prepare(asem, asem.period, two.normalisations)
        cases["asem setup (once per analysis)"] = lambda: U.prepare(
            asem, asem.period, two.normalisations
        )
        cases[f"asem {args.draws:,} draws"] = lambda: U.run(
            asem, U.Spec(**{**two.__dict__, "chunk": args.draws}), model=ready
        )
    full = U.Spec(
        n=args.draws, weight_levels=(1, 2), normalisations=(U.CATALOGUE, "zscore"),
        aggregations=(U.CATALOGUE, "geometric"), exclude=True,
    )  # fmt: skip
    cases[f"sample {args.draws:,} draws"] = lambda: U.run(sample, full)
    base = asem if asem is not None else sample
    x = np.nan_to_num(
        base.normalised.query("period == @base.period")
        .pivot(index="unit_id", columns="indicator_id", values="score")
        .to_numpy()
    )
    w = np.random.default_rng(0).random((args.draws, x.shape[1]))
    cases["floor (one matrix product)"] = lambda: (
        x @ (w / w.sum(axis=1, keepdims=True)).T
    )
    if asem is not None and args.sobol:
        cases[f"sobol N={args.sobol:,} (asem)"] = lambda: U.sensitivity(
            asem, U.Spec(weight_levels=(1, 2)), n=args.sobol
        )
    rows = []
    for name, fn in cases.items():
        repeats = 3 if name.startswith("sobol") else args.repeats
        times = timed(fn, repeats)
        rows.append({"case": name, "median_ms": 1000 * statistics.median(times),
                     "min_ms": 1000 * min(times)})  # fmt: skip
    table = pd.DataFrame(rows)
    floor = table.loc[table["case"].str.startswith("floor"), "median_ms"].iloc[0]
    table["x_floor"] = table["median_ms"] / floor
    print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    return table


if __name__ == "__main__":
    main()
