"""Benchmark: the product's own path on complete data, side by side with a floor.

Complete random data, ``--indicators`` annual indicators under five dimensions (two
levels), min-max and arithmetic means (COINr's default pipeline), one period:

* ``evaluation.score``: the long table of reports → every stage's table
  (roll-up, missing-data rules, treatment, normalisation, aggregation, ranks, risk),
  the composites and ranks built, the long tables and the risk stage built when
  first read (``Tables``);
* ``score, every table read``: the same, every table then read (``dict`` of it):
  what a run, which keeps them all, pays;
* ``score, ids coded``: the same, the three id columns as pandas categoricals (input
  that arrives coded: what finding the ids costs ``evaluation.score`` today; its
  composites must equal the text input's bit for bit for "agree" to hold);
* ``aggregate``: the aggregation engine alone on the normalised matrix (one draw);
* ``floor``: a one-pass numpy floor from the wide matrix: min-max with directions,
  one matrix product of effective weights, an argsort (no checks, no stage tables);
* ``input floor``: what any scoring of the long table must do first, whatever it
  does next: find each report's unit and indicator (a factorisation of the two id
  columns, Arrow text as validation hands them on, value by value). ``prepare``
  reads a column that comes in runs (here the unit ids, 50 reports each, and the
  one period) run by run, which hashes fewer values than this floor does.

Also, when present, COINr's ASEM example (``../shared/data``) and one period of the
bundled sample city through ``evaluation.score``, and each through its scoring stages
alone (``scoring``: prepare, treat, normalise, aggregate, rank and the long tables;
no risk stage).

Run: ``python benchmarks/bench_engine.py`` (defaults: 1,000, 10,000 and 100,000 units).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import timed  # noqa: E402

import evaluation as ev  # noqa: E402
from evaluation.scoring.aggregate import aggregate  # noqa: E402
from evaluation.scoring.normalise import normalise  # noqa: E402


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


def city(n_units: int, cat: ev.Catalogue, seed: int = 0):
    """The wide matrix, and the same numbers as a long table of reports."""
    ids = [i.id for i in cat.indicators]
    x = np.random.default_rng(seed).uniform(0, 100, (n_units, len(ids))).round(3)
    unit_ids = np.array([f"U{u:06d}" for u in range(n_units)], dtype=object)
    units = pd.DataFrame(
        {"unit_id": unit_ids, "name_zh": unit_ids, "name_en": unit_ids,
         "peer_group": "g", "level": "department", "parent_id": None}
    )  # fmt: skip
    obs = pd.DataFrame(
        {
            "unit_id": np.repeat(unit_ids, len(ids)),
            "period": "2025",
            "indicator_id": np.tile(np.asarray(ids, dtype=object), n_units),
            "value": x.reshape(-1),
        }
    )
    return x, units, obs


def floor(x, sign, e):
    """Min-max with directions, one matrix product, ranks by argsort."""
    low, high = x.min(axis=0), x.max(axis=0)
    z = (x - low) / (high - low) * 100
    z = np.where(sign > 0, z, 100 - z)
    composite = z @ e
    ranks = np.empty(len(x), dtype=np.int64)
    ranks[np.argsort(-composite)] = np.arange(1, len(x) + 1)
    return composite, ranks


def effective(cat: ev.Catalogue) -> np.ndarray:
    """Each indicator's weight in the composite (the product down the tree)."""
    table = cat.table
    local = table["weight"] / table.groupby("parent")["weight"].transform("sum")
    dims = cat.nodes.loc[table["parent"], "local_weight"].to_numpy()
    return local.to_numpy() * dims


def cases_for(n_units: int, n_ind: int):
    cat = catalogue(n_ind)
    x, units, obs = city(n_units, cat)
    ids = [i.id for i in cat.indicators]
    sign = np.where(cat.table.loc[ids, "direction"] == "higher", 1, -1)
    e = effective(cat)
    index = pd.MultiIndex.from_product(
        [["2025"], units["unit_id"]], names=["period", "unit_id"]
    )
    normalised = normalise(pd.DataFrame(x, index=index, columns=ids), cat)
    tables = ev.score(obs, units, cat, period="2025")
    ours = tables["composite"]["composite_score"].to_numpy()
    agree = np.allclose(ours, floor(x, sign, e)[0], rtol=0, atol=1e-9)
    ids_coded = obs.astype(
        {c: "category" for c in ["unit_id", "period", "indicator_id"]}
    )
    coded = ev.score(ids_coded, units, cat, period="2025")["composite"]
    agree &= np.array_equal(coded["composite_score"].to_numpy(), ours)  # same bits
    return {
        "evaluation.score": lambda: ev.score(obs, units, cat, period="2025"),
        "score, every table read": lambda: dict(
            ev.score(obs, units, cat, period="2025")
        ),
        "score, ids coded": lambda: ev.score(ids_coded, units, cat, period="2025"),
        "aggregate": lambda: aggregate(normalised, cat),
        "floor": lambda: floor(x, sign, e),
        "input floor": lambda: (
            pd.factorize(obs["unit_id"]),
            pd.factorize(obs["indicator_id"]),
        ),
    }, agree


def scoring(observations, units, cat, period: str) -> None:
    """``evaluation.score`` without its risk stage: the scoring stages' tables."""
    from evaluation.catalogue import COMPOSITE
    from evaluation.pipeline import long, score_prepared
    from evaluation.scoring.prepare import prepare

    prepared = prepare(observations, units, cat, period=period)
    normalised, agg, *_ = score_prepared(prepared, units, cat)
    dims = [c for c in agg.scores.columns if c != COMPOSITE]
    long({"score": normalised})
    long({"weight": agg.weights, "contribution": agg.contributions})
    nodes = {"score": agg.scores, "coverage": agg.coverage, "imputed": agg.imputed}
    long({k: v[dims] for k, v in nodes.items()}, "node_id")


def extra_cases(shared: Path) -> dict:
    out = {}
    cat = ev.load_catalogue(ROOT / "indicators.yaml")
    data = ev.validate_dataset(ev.load_dataset(ROOT / "data" / "sample"), cat)
    out["sample city, one month"] = lambda: ev.score(
        data.observations, data.units, cat, period="2025-M01"
    )
    out["sample city, one month, every table read"] = lambda: dict(
        ev.score(data.observations, data.units, cat, period="2025-M01")
    )
    out["sample city, one month: scoring"] = lambda: scoring(
        data.observations, data.units, cat, "2025-M01"
    )
    if (shared / "coinr_asem").is_dir():
        import importlib.util
        import tempfile

        spec = importlib.util.spec_from_file_location(
            "asem", ROOT / "examples" / "asem_coinr" / "run.py"
        )
        asem = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(asem)
        folder = Path(tempfile.mkdtemp())
        asem.asem_dataset(shared, folder)
        acat = ev.load_catalogue(ROOT / "examples" / "asem_coinr" / "indicators.yaml")
        adata = ev.validate_dataset(ev.load_dataset(folder), acat)
        out["ASEM (COINr example)"] = lambda: ev.score(
            adata.observations, adata.units, acat, period="2018"
        )
        out["ASEM: scoring"] = lambda: scoring(
            adata.observations, adata.units, acat, "2018"
        )
    return out


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--units", type=int, nargs="+", default=[1_000, 10_000, 100_000]
    )
    parser.add_argument("--indicators", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args(argv)
    rows = []
    for n in args.units:
        cases, agree = cases_for(n, args.indicators)
        print(f"{n:,} × {args.indicators}; composites agree with the floor: {agree}")
        times = {k: timed(fn, args.repeats) for k, fn in cases.items()}
        base = statistics.median(times["floor"])
        for name, t in times.items():
            mid = statistics.median(t)
            rows.append(
                {
                    "units": n,
                    "case": name,
                    "median_ms": 1000 * mid,
                    "x_floor": mid / base,
                }
            )
    for name, fn in extra_cases(args.shared).items():
        t = timed(fn, args.repeats)
        mid = statistics.median(t)
        rows.append({"units": None, "case": name, "median_ms": 1000 * mid})
    table = pd.DataFrame(rows)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
    return table


if __name__ == "__main__":
    main()
