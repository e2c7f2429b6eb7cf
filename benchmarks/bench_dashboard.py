"""Benchmark: the dashboard's rankings and what-if callbacks with 2,000 units.

A synthetic city of 1,950 departments and 50 districts, 12 months, scored for the
year and saved as a result folder; the callbacks are called as the browser calls
them (the server's work per request: library calls, grid rows, figure), medians of
``--repeats`` calls after a warm-up, side by side in one run. Target: < 150 ms.

Run: ``python benchmarks/bench_dashboard.py``.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import timed  # noqa: E402

import evaluation as ev  # noqa: E402
from dashboards import app as dashboard  # noqa: E402
from evaluation.generate import generate_city, write_city  # noqa: E402
from evaluation.publish.store import save_result  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departments", type=int, default=1950)
    parser.add_argument("--districts", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    catalogue = ev.load_catalogue(ROOT / "indicators.yaml")
    tables = generate_city(
        catalogue, departments=args.departments, districts=args.districts, months=12,
        start_year=2025, anomalies=False,
    )  # fmt: skip
    city = Path(tempfile.mkdtemp()) / "city"
    write_city(tables, city, catalogue)  # as agencies send it
    dataset = ev.load_dataset(city)
    result = ev.run(
        catalogue, dataset, period="2025", run_at="2026-01-15T09:00:00+00:00"
    )
    folder = save_result(result, Path(tempfile.mkdtemp()) / "result")
    app = dashboard.create_app(folder)
    assert app.server.test_client().get("/").status_code == 200
    rankings = importlib.import_module("dashboards.pages.rankings")
    whatif = importlib.import_module("dashboards.pages.whatif")
    dims = catalogue.top_dimensions()
    ids = [{"type": "whatif-weight", "dim": d} for d in dims]
    moved = [0.6, 0.1, 0.1, 0.1, 0.1]
    cases = {
        "rankings (all units)": lambda: rankings.update_rankings("2025", "_all", "zh"),
        "rankings (one group)": lambda: rankings.update_rankings(
            "2025", "economic", "en"
        ),
        "what-if (weights moved)": lambda: whatif.update_whatif(
            moved, "2025", "zh", ids
        ),
    }
    rows = []
    for name, fn in cases.items():
        times = timed(fn, args.repeats)
        rows.append(
            {
                "callback": name,
                "median_ms": 1000 * statistics.median(times),
                "min_ms": 1000 * min(times),
                "max_ms": 1000 * max(times),
            }
        )
    table = pd.DataFrame(rows)
    n = len(result.units)
    print(f"{n:,} units; {args.repeats} calls each after a warm-up")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
    return table


if __name__ == "__main__":
    main()
