"""Benchmark: does the data-quality screen find planted anomalies, and how often does
it flag clean data?

For each seed: a clean synthetic city (``generate_city(anomalies=False)``, 50 units,
24 months, the shipped catalogue), ``inject_anomalies`` plants ``--per-kind`` anomalies
of each kind in different units, and ``quality.flags`` screens the reports with its
defaults. An anomaly is **found** when a flag of the matching check names its unit
(and its indicator or period, where the anomaly has one):

=============  ==========================================================
kind           found by
=============  ==========================================================
stable         ``stable`` or ``perfect`` on the unit and indicator
perfect        ``perfect`` or ``stable`` on the unit and indicator
jump           ``jump`` on the unit, indicator and month, or ``outlier``
               on the unit and month
copy_period    ``identical_period`` on the unit and month
copy_unit      ``identical_unit`` on the unit and month
digits         ``digits`` on the unit
=============  ==========================================================

**False flags**: of the unit-months no anomaly touched (a series-wide anomaly touches
all the unit's months; a copied unit's source is touched too), the share with any
flag (a flag on a longer period covers its months; a series-wide flag covers all the
unit's months).

Run: ``python benchmarks/bench_quality.py`` (defaults: 20 seeds, 3 per kind).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import evaluation as ev  # noqa: E402
from evaluation import periods as P  # noqa: E402
from evaluation.generate import generate_city, inject_anomalies  # noqa: E402
from evaluation.risk import quality as Q  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FOUND_BY = {
    "stable": ({"stable", "perfect"}, ("unit_id", "indicator_id")),
    "perfect": ({"stable", "perfect"}, ("unit_id", "indicator_id")),
    "jump": ({"jump"}, ("unit_id", "indicator_id", "period")),
    "copy_period": ({"identical_period"}, ("unit_id", "period")),
    "copy_unit": ({"identical_unit"}, ("unit_id", "period")),
    "digits": ({"digits"}, ("unit_id",)),
}
SERIES_WIDE = Q.SERIES_WIDE  # checks over a unit's whole history


def found(truth: pd.DataFrame, flags: pd.DataFrame) -> np.ndarray:
    """Whether each planted anomaly is named by a matching flag."""
    out = []
    for t in truth.itertuples():
        checks, keys = FOUND_BY[t.kind]
        f = flags[flags["check"].isin(checks)]
        for k in keys:
            f = f[f[k] == getattr(t, k)]
        hit = not f.empty
        if t.kind == "jump" and not hit:  # or an isolated combination of changes
            o = flags[(flags["check"] == "outlier") & (flags["unit_id"] == t.unit_id)]
            hit = bool((o["period"] == t.period).any())
        out.append(hit)
    return np.array(out, dtype=bool)


def months_of(period: str) -> list[str]:
    p = P.parse([period]).iloc[0]
    size = P.months_per(P.frequency_of(period))
    year, end = int(p["year"]), int(p["end_month"])
    return [f"{year:04d}-M{m:02d}" for m in range(end - size + 1, end + 1)]


def false_share(truth, flags, units, months) -> tuple[float, int]:
    """Share of untouched unit-months carrying any flag, and how many there are."""
    grid = pd.MultiIndex.from_product([units, months])
    touched = set()
    for t in truth.itertuples():
        if t.period is None or pd.isna(t.period):
            touched |= {(t.unit_id, m) for m in months}
        else:
            touched.add((t.unit_id, t.period))
            if t.kind == "copy_unit":
                touched.add((t.source, t.period))
    flagged = set()
    for f in flags.itertuples():
        covered = months if f.check in SERIES_WIDE else months_of(f.period)
        flagged |= {(f.unit_id, m) for m in covered}
    clean = [k for k in grid if k not in touched]
    return sum(k in flagged for k in clean) / len(clean), len(clean)


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--per-kind", type=int, default=3)
    parser.add_argument("--months", type=int, default=24)
    args = parser.parse_args(argv)
    catalogue = ev.load_catalogue(ROOT / "indicators.yaml")
    results, false, clean_n, seconds = [], [], 0, []
    for seed in range(args.seeds):
        tables = generate_city(
            catalogue, seed=1000 + seed, months=args.months, anomalies=False
        )
        obs, truth = inject_anomalies(
            tables, catalogue, per_kind=args.per_kind, seed=seed
        )
        start = time.perf_counter()
        flags = Q.flags(obs, catalogue)
        seconds.append(time.perf_counter() - start)
        results.append(truth.assign(found=found(truth, flags)))
        units = tables["units"]["unit_id"].tolist()
        months = sorted(
            obs.loc[obs["period"].str.contains("-M"), "period"].unique().tolist()
        )
        share, n = false_share(truth, flags, units, months)
        false.append(share)
        clean_n += n
    table = (
        pd.concat(results)
        .groupby("kind", sort=False)["found"]
        .agg(planted="size", found="sum")
    )
    table["recall"] = table["found"] / table["planted"]
    total = table[["planted", "found"]].sum()
    print(
        f"{args.seeds} seeds × {args.per_kind} per kind; 50 units × {args.months} "
        f"months; screen median {np.median(seconds):.2f} s per city"
    )
    print(table.to_string(float_format=lambda v: f"{v:.3f}"))
    print(
        f"overall recall {total['found'] / total['planted']:.3f} "
        f"({total['found']} of {total['planted']})"
    )
    print(
        f"false flags: {np.mean(false):.2%} of {clean_n:,} clean unit-months "
        f"(median per city {np.median(false):.2%}, max {np.max(false):.2%})"
    )
    table.attrs["false_share"] = float(np.mean(false))
    table.attrs["recall"] = float(total["found"] / total["planted"])
    return table.reset_index()


if __name__ == "__main__":
    main()
