"""Benchmark: national scale end to end — 100,000 units × 40 indicators × 12 months
(48M reports) from Parquet, validation included, scored for the year.

Side by side in one run, each case in a fresh process (peak memory = that
process's maximum resident set after its first run, Arrow's buffers and the
imports included), medians of ``--repeats``:

* ``national``: :func:`evaluation.national.score_parquet` on one file — read with
  ids as dictionary codes, every rule of the observation schema, roll-up of the
  monthly reports (mean, pro-rata sum, last), missing-data rules, treatment,
  normalisation (min-max, goalposts, z-score, target), aggregation, ranks; every
  stage's table kept;
* ``national, 8 files``: the same from a partitioned dataset (8 files, one process);
* ``dask, 2 workers``: the partitioned dataset on a LocalCluster of 2 processes
  (cluster start-up excluded, reported apart);
* ``floor``: the least any engine must do, in one pass — read the same file, take
  the dictionary codes, one ``bincount`` mean per unit × indicator, min-max, one
  matrix product, an argsort; no checks, no stage tables.

Run: ``python benchmarks/bench_national.py [--units 100000]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def write_reports(folder: Path, n_units: int, n_ind: int, n_months: int) -> None:
    """Reports as a national export would hold them: one file, and 8 partitions."""
    rng = np.random.default_rng(0)
    unit_ids = np.array([f"U{u:06d}" for u in range(n_units)])
    n = n_units * n_ind * n_months
    value = rng.uniform(0, 100, n).round(1)
    value[rng.random(n) < 0.02] = np.nan
    u = np.repeat(np.arange(n_units, dtype=np.int32), n_ind * n_months)
    codes = {
        "unit_id": (u, unit_ids),
        "period": (
            np.tile(np.repeat(np.arange(n_months, dtype=np.int32), n_ind), n_units),
            np.array([f"2025-M{m:02d}" for m in range(1, n_months + 1)]),
        ),
        "indicator_id": (
            np.tile(np.arange(n_ind, dtype=np.int32), n_units * n_months),
            np.array([f"i{k:03d}" for k in range(n_ind)]),
        ),
    }
    table = pa.table(
        {
            **{c: pa.DictionaryArray.from_arrays(*v) for c, v in codes.items()},
            "value": value,
        }
    )
    pq.write_table(table, folder / "reports.parquet")
    step = -(-n_units // 8) * n_ind * n_months
    for k in range(8):
        (folder / "parts" / f"part={k}").mkdir(parents=True)
        pq.write_table(
            table.slice(k * step, step), folder / "parts" / f"part={k}" / "0.parquet"
        )
    pd.DataFrame(
        {
            "unit_id": unit_ids,
            "name_zh": unit_ids,
            "name_en": unit_ids,
            "peer_group": [f"g{k % 5}" for k in range(n_units)],
            "level": "department",
            "parent_id": None,
        }
    ).to_parquet(folder / "units.parquet")


def case(name: str, folder: Path, n_ind: int, repeats: int) -> dict:
    """Run one case ``repeats`` times in this process; report times and peak RSS."""
    import resource

    from bench_scoring import catalogue

    from evaluation.scale import distributed, national

    cat = catalogue(n_ind)
    units = pd.read_parquet(folder / "units.parquet")
    extra = {}
    if name == "floor":
        ids = [i.id for i in cat.indicators]
        nodes = cat.nodes
        weights = (
            nodes.loc[ids, "local_weight"]
            * nodes.loc[nodes.loc[ids, "parent"], "local_weight"].to_numpy()
        ).to_numpy()
        sign = np.where(cat.table.loc[ids, "direction"] == "higher", 1.0, -1.0)

        def fn():
            t = pq.read_table(folder / "reports.parquet")
            u = t.column("unit_id").combine_chunks().indices.to_numpy()
            i = t.column("indicator_id").combine_chunks().indices.to_numpy()
            v = t.column("value").to_numpy()
            n_u, n_i = len(units), len(ids)
            key = u.astype(np.int64) * n_i + i
            ok = ~np.isnan(v)
            s = np.bincount(key[ok], v[ok], n_u * n_i)
            c = np.bincount(key[ok], minlength=n_u * n_i)
            x = (s / c).reshape(n_u, n_i) * sign
            lo, hi = x.min(axis=0), x.max(axis=0)
            z = 100 * (x - lo) / (hi - lo)
            return np.argsort(-(z @ weights), kind="stable")

    elif name.startswith("dask"):
        start = time.perf_counter()
        cluster = distributed.connect(workers=2)
        client = cluster.__enter__()
        extra["cluster_start_s"] = time.perf_counter() - start

        def fn():
            return distributed.score_parquet(
                folder / "parts", units, cat, period="2025", client=client
            )

    else:
        path = folder / ("parts" if "8 files" in name else "reports.parquet")

        def fn():
            return national.score_parquet(path, units, cat, period="2025")

    times, peak = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
        # one run's peak: the process's maximum resident set after its first run
        peak = peak or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    if name.startswith("dask"):
        cluster.__exit__(None, None, None)
    return {"case": name, "median_s": statistics.median(times),
            "min_s": min(times), "peak_gib": peak, **extra}  # fmt: skip


def main(argv=None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--indicators", type=int, default=40)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:  # a child process: one case
        row = case(args.case, Path(args.data), args.indicators, args.repeats)
        print(json.dumps(row))
        return pd.DataFrame([row])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_reports(folder, args.units, args.indicators, args.months)
        rows = []
        for name in ("national", "national, 8 files", "dask, 2 workers", "floor"):
            out = subprocess.run(
                [sys.executable, __file__, "--case", name, "--data", tmp,
                 "--indicators", str(args.indicators), "--repeats", str(args.repeats)],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    table = pd.DataFrame(rows)
    floor = table.set_index("case").loc["floor", "median_s"]
    table["x_floor"] = table["median_s"] / floor
    n = args.units * args.indicators * args.months
    print(
        f"{args.units:,} units × {args.indicators} indicators × {args.months} months "
        f"= {n:,} reports; medians of {args.repeats}; numpy {np.__version__}, "
        f"pyarrow {pa.__version__}"
    )
    print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    return table


if __name__ == "__main__":
    main()
