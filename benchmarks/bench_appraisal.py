"""Benchmark: the year-end appraisal of the bundled city, as `evaluation publish
--appraisal` runs it.

Side by side in one run, medians of ``--repeats``:

* ``read inputs``: the appraisal folder read (ballots, roster, targets, faults,
  vetoes, bonuses);
* ``appraise``: every input validated, the three parts, the unit and person rules,
  grades, quota per group (what a committee waits for before the report);
* ``survey``: the 民主测评 alone (trimming, sufficiency, response rates);
* ``floor``: one pandas group-by mean of the ballots' points per unit and rater group
  (the least a survey score needs).

Run: ``python benchmarks/bench_appraisal.py [--repeats 7]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import timed  # noqa: E402

import evaluation as ev  # noqa: E402
from evaluation import appraisal as A  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    catalogue = ev.load_catalogue(ROOT / "indicators.yaml")
    result = ev.run(catalogue, ev.load_dataset(ROOT / "data" / "sample"), period="2025")
    config = A.load_config(ROOT / "appraisal.yaml")
    folder = ROOT / "data" / "sample" / "appraisal"
    inputs = A.load_inputs(folder)
    ballots = inputs.tables["ballots"]
    scale = config.survey.scale

    def floor():
        points = ballots["answer"].map(scale).astype(float)
        return points.groupby([ballots["unit_id"], ballots["rater_group"]]).mean()

    cases = {
        "read inputs": lambda: A.load_inputs(folder),
        "appraise": lambda: A.appraise(config, result, inputs),
        "survey": lambda: A.survey_scores(config, inputs, result.units),
        "floor (one group-by mean)": floor,
    }
    rows = [
        {"case": name, "median_ms": 1000 * statistics.median(timed(fn, args.repeats))}
        for name, fn in cases.items()
    ]
    table = pd.DataFrame(rows)
    print(
        f"appraisal of the sample: {len(result.units)} units, {len(ballots):,} "
        f"ballots, medians of {args.repeats}"
    )
    print(table.round(1).to_string(index=False))
    return table


if __name__ == "__main__":
    main()
