"""Benchmark: score units × indicators × months from the long table.

Measures, side by side in one run (medians of ``--repeats`` runs, and peak traced
memory from a separate run, so tracing does not slow the timed ones):

* ``validate``   text cells as read from files → typed observations (pandera),
                 each report dated (``reported_at``, the 5th of the next month, as
                 the template's files are: its date checks run too);
* ``read``       a one-pass floor for ``validate``: the same text cells read once —
                 the value column cast to numbers by Arrow (as ``validate`` does;
                 ``pd.to_numeric`` takes ~30× longer on it) and ``pd.factorize``
                 of unit_id, period, indicator_id and reported_at — no check, no
                 report;
* ``score``      typed long table → every stage's table (prepare, normalise,
                 aggregate, rank, risk warnings, ledger), i.e. ``evaluation.score``;
* ``screen``     the data-quality flags on the same reports (``quality.flags``);
* ``floor``      a one-pass numpy floor for the same answer: integer codes already
                 made, one ``bincount`` roll-up, min-max, one matrix product for the
                 composite, an argsort for ranks — no stage tables kept;
* ``floor+ids``  the floor including ``pd.factorize`` of the three id columns.

Run: ``python benchmarks/bench_scoring.py`` (defaults: 10,000 × 40 × 12); with
``PYTHONPATH=<another checkout>`` it times that checkout's ``evaluation`` (side by side
with the pre-refactor commit).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

sys.path.append(str(Path(__file__).resolve().parents[1]))  # after PYTHONPATH
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import timed  # noqa: E402

import evaluation as ev  # noqa: E402

try:
    from evaluation.intake.io import Dataset
    from evaluation.risk import quality
except ImportError:  # a checkout from before the stage subpackages (issue 15)
    from evaluation.io import Dataset  # type: ignore[no-redef]

    from evaluation import quality  # type: ignore[no-redef]

METHODS = ["minmax", "goalposts", "zscore", "target"]
ROLLUPS = ["mean", "sum", "last", "mean"]


def catalogue(n_ind: int) -> ev.Catalogue:
    """Five dimensions, ``n_ind`` monthly indicators cycling through the methods."""
    dims = [f"d{k}" for k in range(5)]
    indicators = []
    for k in range(n_ind):
        method = METHODS[k % 4]
        norm = {"method": method}
        lower = k % 3 == 0
        if method == "goalposts":
            norm.update(worst=100, best=0) if lower else norm.update(worst=0, best=100)
        indicators.append(
            {
                "id": f"i{k:03d}",
                "parent": dims[k % 5],
                "name_zh": f"指标{k}",
                "name_en": f"Indicator {k}",
                "definition_zh": "基准",
                "definition_en": "bench",
                "unit_zh": "分",
                "unit_en": "points",
                "direction": "lower" if lower else "higher",
                "agency": "office",
                "frequency": "monthly",
                "rollup": ROLLUPS[k % 4],
                "weight": 1 + k % 3,
                "normalisation": norm,
                "target": 20 if lower else 50,
                "valid": {"min": 0, "max": 1000},
            }
        )
    return ev.parse_catalogue(
        {
            "id": "bench",
            "version": "1",
            "name_zh": "基准",
            "name_en": "Benchmark",
            "agencies": [{"id": "office", "name_zh": "办", "name_en": "Office"}],
            "peer_groups": [
                {"id": f"g{g}", "name_zh": f"组{g}", "name_en": f"Group {g}"}
                for g in range(5)
            ],
            "dimensions": [
                {"id": d, "name_zh": d, "name_en": d, "weight": 1} for d in dims
            ],
            "indicators": indicators,
        }
    )


def long_table(n_units: int, n_ind: int, n_months: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    unit_ids = np.array([f"U{u:06d}" for u in range(n_units)], dtype=object)
    units = pd.DataFrame(
        {
            "unit_id": unit_ids,
            "name_zh": unit_ids,
            "name_en": unit_ids,
            "peer_group": [f"g{u % 5}" for u in range(n_units)],
            "level": "department",
            "parent_id": None,
        }
    )
    periods = np.array([f"2025-M{m:02d}" for m in range(1, n_months + 1)], dtype=object)
    ind_ids = np.array([f"i{k:03d}" for k in range(n_ind)], dtype=object)
    n = n_units * n_ind * n_months
    values = rng.uniform(0, 100, n).round(1)
    values[rng.random(n) < 0.02] = np.nan
    obs = pd.DataFrame(
        {
            "unit_id": np.repeat(unit_ids, n_ind * n_months),
            "period": np.tile(np.repeat(periods, n_ind), n_units),
            "indicator_id": np.tile(ind_ids, n_units * n_months),
            "value": values,
        }
    )
    return obs, units


def floor(codes, values, n_units, n_ind, weights, sign) -> np.ndarray:
    """One pass: roll up (mean), min-max, composite by one matrix product, ranks."""
    u, i = codes
    key = u * n_ind + i
    ok = ~np.isnan(values)
    s = np.bincount(key[ok], values[ok], n_units * n_ind)
    c = np.bincount(key[ok], minlength=n_units * n_ind)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = (s / c).reshape(n_units, n_ind) * sign
    lo, hi = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
    z = np.nan_to_num(100 * (x - lo) / (hi - lo))
    composite = z @ weights
    return np.argsort(-composite, kind="stable")


def read(text: pd.DataFrame) -> None:
    """The floor for ``validate``: each cell read once, numbers and id codes."""
    pc.cast(pa.array(text["value"]), pa.float64())
    for c in ("unit_id", "period", "indicator_id", "reported_at"):
        pd.factorize(text[c])


def sent_on(periods: pd.Series) -> pd.Series:
    """Each report's day sent, as text: the 5th of the month after its month."""
    labels = pd.Series(periods.unique())
    month = pd.PeriodIndex(labels.str.replace("-M", "-"), freq="M") + 1
    day = dict(zip(labels, month.strftime("%Y-%m-05"), strict=True))
    return periods.map(day)


def peak_mib(fn) -> float:
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main(argv=None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--indicators", type=int, default=40)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    cat = catalogue(args.indicators)
    obs, units = long_table(args.units, args.indicators, args.months)
    text = obs.assign(
        value=obs["value"]
        .map(lambda v: "" if np.isnan(v) else f"{v:.1f}")
        .replace("", None),
        source="bench.csv",
        row=np.arange(2, len(obs) + 2),
        reported_at=sent_on(obs["period"]),
    )
    text_units = units.assign(source="units.csv", row=np.arange(2, len(units) + 2))
    files = pd.DataFrame(
        {
            "file": ["units.csv", "bench.csv"],
            "table": ["units", "obs"],
            "encoding": "utf-8",
            "rows": [len(units), len(obs)],
            "sha256": "",
            "columns": [
                list(units.columns),
                ["unit_id", "period", "indicator_id", "value", "reported_at"],
            ],
        }
    )
    dataset = Dataset(units=text_units, observations=text, files=files)

    nodes = cat.nodes
    ids = [i.id for i in cat.indicators]
    eff = (
        nodes.loc[ids, "local_weight"]
        * nodes.loc[nodes.loc[ids, "parent"], "local_weight"].to_numpy()
    ).to_numpy()
    sign = np.where(cat.table.loc[ids, "direction"] == "higher", 1.0, -1.0)
    u_codes = pd.factorize(obs["unit_id"])[0]
    i_codes = pd.factorize(obs["indicator_id"])[0]
    values = obs["value"].to_numpy()

    def run_floor():
        floor((u_codes, i_codes), values, args.units, args.indicators, eff, sign)

    def run_floor_ids():
        codes = (pd.factorize(obs["unit_id"])[0], pd.factorize(obs["indicator_id"])[0])
        pd.factorize(obs["period"])
        floor(codes, values, args.units, args.indicators, eff, sign)

    cases = {
        "validate": lambda: ev.validate_dataset(dataset, cat),
        "read": lambda: read(text),
        "score": lambda: ev.score(obs, units, cat, period="2025"),
        "screen": lambda: quality.flags(obs, cat),
        "floor": run_floor,
        "floor+ids": run_floor_ids,
    }
    rows = []
    for name, fn in cases.items():
        times = timed(fn, args.repeats)
        rows.append(
            {
                "stage": name,
                "median_s": statistics.median(times),
                "min_s": min(times),
                "peak_mib": peak_mib(fn),
            }
        )
    table = pd.DataFrame(rows)
    floor_s = table.set_index("stage").loc["floor", "median_s"]
    table["x_floor"] = table["median_s"] / floor_s
    print(
        f"{args.units:,} units × {args.indicators} indicators × {args.months} months "
        f"= {len(obs):,} observations; {args.repeats} repeats; numpy {np.__version__}, "
        f"pandas {pd.__version__}; evaluation from {Path(ev.__file__).parent}"
    )
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    median = table.set_index("stage")["median_s"]
    print(f"validate / read = {median['validate'] / median['read']:.1f}")
    return table


if __name__ == "__main__":
    main()
