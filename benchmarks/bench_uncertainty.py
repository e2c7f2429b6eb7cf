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
* ``sobol N=1,000``: Sobol indices of the mean rank shift on the ASEM index (setup
  included);
* with ``--units 100000``: a national-scale case, ``--indicators`` annual indicators
  in 5 dimensions, complete data, scored by ``evaluation.score`` from a typed long
  table (setup, reported apart), then 1,000 draws (weights ± 25 % at level 1, min-max
  and z-score) end to end of ``uncertainty.run`` (ranks and the per-unit summary
  included), beside its own floor (one matrix product of the draws' weights).

Run: ``python benchmarks/bench_uncertainty.py [path/to/shared/data] [--units N]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import timed  # noqa: E402

import evaluation as ev  # noqa: E402
from evaluation.analysis import uncertainty as U  # noqa: E402
from evaluation.result import Provenance, Result  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def asem_result(shared: Path) -> ev.Result:
    spec = importlib.util.spec_from_file_location(
        "asem", ROOT / "examples" / "asem_coinr" / "run.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.run(shared)


def national(n_units: int, n_ind: int, seed: int = 0) -> Result:
    """A complete annual ``n_units`` × ``n_ind`` city scored by the pipeline
    (``evaluation.score`` on a typed long table; no files, no validation)."""
    dims = [f"d{k}" for k in range(5)]
    inds = [
        {
            "id": f"i{k:03d}", "parent": dims[k % 5], "name_zh": f"指标{k}",
            "name_en": f"I{k}", "definition_zh": "-", "definition_en": "-",
            "unit_zh": "分", "unit_en": "points", "agency": "a",
            "direction": "lower" if k % 3 == 0 else "higher", "frequency": "annual",
            "rollup": "last", "weight": 1 + k % 4, "valid": {"min": 0, "max": 1000},
            "normalisation": {"method": "minmax"},
        }
        for k in range(n_ind)
    ]  # fmt: skip
    catalogue = ev.parse_catalogue(
        {
            "id": "national", "version": "1", "name_zh": "全国", "name_en": "national",
            "agencies": [{"id": "a", "name_zh": "甲", "name_en": "A"}],
            "peer_groups": [{"id": "g", "name_zh": "组", "name_en": "G"}],
            "dimensions": [{"id": d, "name_zh": d, "name_en": d} for d in dims],
            "indicators": inds,
        }
    )  # fmt: skip
    ids = np.array([f"U{u:06d}" for u in range(n_units)], dtype=object)
    units = pd.DataFrame(
        {"unit_id": ids, "name_zh": ids, "name_en": ids, "peer_group": "g",
         "level": "department", "parent_id": None}
    )  # fmt: skip
    rng = np.random.default_rng(seed)
    obs = pd.DataFrame(
        {
            "unit_id": np.repeat(ids, n_ind),
            "period": "2025",
            "indicator_id": np.tile([i["id"] for i in inds], n_units),
            "value": rng.uniform(0, 1000, n_units * n_ind),
        }
    )
    tables = ev.score(obs, units, catalogue, period="2025")
    provenance = Provenance("-", catalogue.sha256, "-", {}, "2025", (), "bench", "-")
    return Result(
        catalogue=catalogue, units=units, observations=obs,
        flags=pd.DataFrame(), provenance=provenance, **tables,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "shared", nargs="?", default=str(ROOT.parent / "shared" / "data")
    )
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--sobol", type=int, default=1000)
    parser.add_argument("--units", type=int, default=0, help="national-scale case")
    parser.add_argument("--indicators", type=int, default=40)
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
    full = U.Spec(  # a geometric mean takes z-scores clipped at 0 (none below)
        n=args.draws, weight_levels=(1, 2),
        normalisations=(U.CATALOGUE, "zscore:clip=[0,100]"),
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
    if args.units:
        start = time.perf_counter()
        big = national(args.units, args.indicators)
        built = time.perf_counter() - start
        print(
            f"{args.units:,} units × {args.indicators} indicators scored by "
            f"evaluation.score in {built:.1f} s (setup, not timed below)"
        )
        spec = U.Spec(n=args.draws, normalisations=(U.CATALOGUE, "zscore"))
        cases[f"{args.units:,} units: prepare (once per analysis)"] = lambda: U.prepare(
            big, big.period, spec.normalisations
        )
        cases[f"{args.units:,} units: {args.draws:,} draws, run end to end"] = lambda: (
            U.run(big, spec)
        )
        xb = np.ascontiguousarray(
            big.normalised["score"].to_numpy().reshape(args.units, -1)
        )
        wb = np.random.default_rng(0).random((args.draws, xb.shape[1]))
        cases[f"{args.units:,} units: floor (one matrix product)"] = lambda: (
            (wb / wb.sum(axis=1, keepdims=True)) @ xb.T
        )
    rows = []
    for name, fn in cases.items():
        big_case = args.units and name.startswith(f"{args.units:,}")
        repeats = 3 if name.startswith("sobol") or big_case else args.repeats
        times = timed(fn, repeats)
        rows.append({"case": name, "median_ms": 1000 * statistics.median(times),
                     "min_ms": 1000 * min(times)})  # fmt: skip
    table = pd.DataFrame(rows)
    floor = table.loc[table["case"].str.startswith("floor"), "median_ms"].iloc[0]
    table["x_floor"] = table["median_ms"] / floor
    if args.units:
        own = table["case"].str.startswith(f"{args.units:,}")
        big_floor = table.loc[own & table["case"].str.contains("floor"), "median_ms"]
        table.loc[own, "x_floor"] = table.loc[own, "median_ms"] / big_floor.iloc[0]
    print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    return table


if __name__ == "__main__":
    main()
