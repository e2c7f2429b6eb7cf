"""Benchmark: how long the data-quality screen takes on a city of many units.

A clean synthetic city (``generate_city(anomalies=False)``: ``--units`` units, 24
months, the shipped catalogue; 3.76M reports at 10,000 units), screened up to 2025
as ``evaluation score -p 2025`` does, side by side in one run (medians of
``--repeats``):

* ``screen``  ``quality.flags``: every check, the reasons included (the checks in
              two threads where the machine has two cores);
* per stage  the same screen taken apart (``--stages``): reading the reports into
              cubes (``arrange``), then each check of ``quality.CHECKS`` in turn on
              them, one thread (a check pays for the shared per-cube tables it is
              first to use), wall and CPU seconds;
* ``cpu s``   the same runs' CPU time (all threads of the process: reading the
              reports factorises two id columns at a time, the checks run two at a
              time);
* ``floor``   a one-pass floor for any screen that compares units period by period:
              ``pd.factorize`` of the unit, period and series columns, the values
              scattered into one series × period × unit array, and one median over
              the units of every series and period — no check, no flag.

Run: ``python benchmarks/bench_screen.py`` (defaults: 10,000 units, 3 repeats); with
``PYTHONPATH=<another checkout>`` it times that checkout's screen on the same city.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.append(str(Path(__file__).resolve().parents[1]))  # after PYTHONPATH

import evaluation as ev  # noqa: E402
from evaluation.generate import generate_city  # noqa: E402

try:
    from evaluation.risk import quality
except ImportError:  # a checkout from before the stage subpackages
    from evaluation import quality  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]


def floor(obs: pd.DataFrame) -> np.ndarray:
    """Codes for the ids, one scatter into an array, one median over the units."""
    u, units = pd.factorize(obs["unit_id"])
    p, periods = pd.factorize(obs["period"])
    s, series = pd.factorize(obs["indicator_id"])
    cube = np.full((len(series), len(periods), len(units)), np.nan)
    cube[s, p, u] = obs["value"].to_numpy(dtype=float)
    with warnings.catch_warnings():  # a series has no report in some periods
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(cube, axis=2)


def median_seconds(run, repeats: int) -> tuple[float, float]:
    """Median wall-clock seconds, and median CPU seconds of the process (all its
    threads: steadier than the wall clock on a shared machine)."""
    times, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(times), statistics.median(cpu)


def stage_seconds(obs, catalogue, repeats: int) -> pd.DataFrame:
    """Median wall and CPU seconds of ``arrange`` and of each check after it, fresh
    cubes each repeat (the checks share tables computed on first use: the order is
    CHECKS'), and their sum."""
    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}

    def timed(name, run):
        start, start_cpu = time.perf_counter(), time.process_time()
        out = run()
        times.setdefault(name, []).append(time.perf_counter() - start)
        cpu.setdefault(name, []).append(time.process_time() - start_cpu)
        return out

    for _ in range(repeats):
        reports = timed(
            "arrange", lambda: quality.arrange(obs, catalogue, period="2025")
        )
        for name, check in quality.CHECKS.items():
            timed(name, lambda check=check, reports=reports: check(reports))
        del reports
    table = pd.DataFrame(
        {
            "stage": list(times),
            "median s": [statistics.median(t) for t in times.values()],
            "cpu s": [statistics.median(t) for t in cpu.values()],
        }
    )
    total = table[["median s", "cpu s"]].sum()
    return pd.concat(
        [table, pd.DataFrame([{"stage": "sum", **total}])], ignore_index=True
    )


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--stages", action="store_true", help="also time arrange and each check"
    )
    args = parser.parse_args(argv)
    catalogue = ev.load_catalogue(ROOT / "indicators.yaml")
    districts = min(10, args.units // 5)
    obs = generate_city(
        catalogue,
        departments=args.units - districts,
        districts=districts,
        months=24,
        seed=1,
        anomalies=False,
    )["observations"]
    quality.flags(obs, catalogue, period="2025")  # imports (sklearn) and warm-up
    flags = quality.flags(obs, catalogue, period="2025")
    rows = []
    for stage, run in (
        ("screen", lambda: quality.flags(obs, catalogue, period="2025")),
        ("floor", lambda: floor(obs)),
    ):
        wall, cpu = median_seconds(run, args.repeats)
        rows.append({"stage": stage, "median s": wall, "cpu s": cpu})
    table = pd.DataFrame(rows)
    table["× floor"] = table["median s"] / table.loc[1, "median s"]
    print(
        f"{args.units:,} units, {len(obs):,} reports; {len(flags):,} flags "
        f"({', '.join(f'{c} {n}' for c, n in flags['check'].value_counts().items())})"
    )
    print(table.to_markdown(index=False, floatfmt=".3f"))
    if args.stages:
        print(
            stage_seconds(obs, catalogue, args.repeats).to_markdown(
                index=False, floatfmt=".3f"
            )
        )
    return table


if __name__ == "__main__":
    main()
