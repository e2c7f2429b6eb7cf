"""Benchmark: does the data-quality screen find the hand-labelled reporting anomalies
of ``benchmarks/quality_corpus.yaml``, and how much clean data does it flag?

The yardstick is independent of the screen: the corpus cases are written by hand
from published cases of 虚报、瞒报、迟报、不报 and copied reports (see the corpus file),
not from ``evaluation/risk/quality.py`` nor from ``inject_anomalies``.

For the shipped sample (``data/sample``) and ``--cities`` clean generated cities
(``generate_city(seed=1…N, anomalies=False)``, written as agencies send them), the
corpus is split into batches (no unit planted twice, nor planted and copied from, in
one batch); each batch is planted in a copy of the dataset
(``quality_corpus.plant``) and the copy is screened **through the command line**,
``evaluation score COPY -p 2025 --out …`` in a subprocess (``--library`` calls
``evaluation.run`` in-process instead: faster, no files written).

* **Found**: some flag names the planted unit, its evidence window (``since`` …
  ``period``, in months; no ``since``: the unit's history up to ``period``) overlaps
  the months the case touched, and its ``indicator_id`` is one of the planted
  series or empty. On the sample, a flag the unmodified sample also raises finds
  nothing. A case that changed no cell (the data already looked like it) is not
  counted.
* **False alarms**: over the unit-months of units no case of the batch touched
  (planted or copied from; on the sample, also leaving out the units the unmodified
  sample already flags — the generator plants anomalies there), the share covered by
  any flag (a flag covers the months of its ``since`` … ``period`` window), and the
  number of flags per 1,000 such unit-months.
* **Tuned and held out**: recall per kind is also printed for the sample and cities
  1…``TUNED`` (the screen's thresholds were tuned there) and for the other cities
  (held out), separately.
* **Run time**: wall-clock seconds per screened copy (CLI: the whole ``evaluation
  score`` process — validation, scoring, screen, files; library: ``evaluation.run``).

Prints markdown tables. Run: ``python benchmarks/bench_quality.py`` (defaults: the
sample plus 4 cities, CLI); ``--library`` for speed, ``--cities 0`` for the sample
alone, ``--kinds late missing`` or ``--cases ID …`` for part of the corpus.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import quality_corpus as QC  # noqa: E402

import evaluation as ev  # noqa: E402
from evaluation.generate import generate_city, write_city  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
CATALOGUE = ROOT / "indicators.yaml"
PERIOD = "2025"
#: the screen's thresholds were tuned on the sample and cities 1…TUNED
TUNED = 4


def _command() -> list[str]:
    """The ``evaluation`` console script beside this Python, else the module."""
    script = Path(sys.executable).with_name("evaluation")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from evaluation.cli import app; app()"]


def screen_cli(folder: Path, out: Path) -> tuple[pd.DataFrame, float]:
    """``evaluation score FOLDER -p 2025 --out OUT``; its flags and seconds."""
    start = time.perf_counter()
    proc = subprocess.run(
        [*_command(), "score", str(folder), "-p", PERIOD, "--out", str(out)]
        + ["--catalogue", str(CATALOGUE)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    seconds = time.perf_counter() - start
    if proc.returncode:
        raise RuntimeError(
            f"evaluation score {folder} exited {proc.returncode}:\n"
            f"{proc.stderr[-3000:]}"
        )
    return pd.read_parquet(out / "result" / "flags.parquet"), seconds


def screen_library(folder: Path, catalogue) -> tuple[pd.DataFrame, float]:
    """``evaluation.run`` in-process; its flags and seconds."""
    start = time.perf_counter()
    result = ev.run(catalogue, ev.load_dataset(folder), period=PERIOD)
    return result.flags, time.perf_counter() - start


def _markdown(frame: pd.DataFrame, floats: dict[str, str] | None = None) -> str:
    floats = floats or {}
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.itertuples(index=False):
        cells = []
        for c, v in zip(cols, row, strict=True):
            cells.append(format(v, floats[c]) if c in floats else str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson's 95 % interval for a share of ``hits`` in ``n`` (unit-months are not
    independent within a unit, so read it as a lower bound on the uncertainty)."""
    if n == 0:
        return float("nan"), float("nan")
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cities",
        "--seeds",
        type=int,
        default=4,
        dest="cities",
        help="clean generated cities, seeds 1…N (default 4)",
    )
    parser.add_argument(
        "--no-sample", action="store_true", help="leave out the shipped sample"
    )
    parser.add_argument(
        "--library",
        action="store_true",
        help="screen with evaluation.run in-process instead of the CLI",
    )
    parser.add_argument("--corpus", type=Path, default=QC.CORPUS)
    parser.add_argument("--kinds", nargs="*", help="only these kinds")
    parser.add_argument("--cases", nargs="*", help="only these case ids")
    parser.add_argument(
        "--keep", type=Path, help="keep the planted copies and outputs in this folder"
    )
    parser.add_argument(
        "--show-cases", action="store_true", help="print every case's outcome"
    )
    args = parser.parse_args(argv)

    catalogue = ev.load_catalogue(CATALOGUE)
    corpus = QC.load_corpus(args.corpus, catalogue=catalogue)
    cases = list(corpus.cases)
    if args.kinds:
        cases = [c for c in cases if c.kind in set(args.kinds)]
    if args.cases:
        cases = corpus.select(args.cases)
    groups = QC.batches(cases)

    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        datasets: list[tuple[str, Path, bool]] = []
        if not args.no_sample:
            datasets.append(("sample", SAMPLE, True))
        for seed in range(1, args.cities + 1):
            folder = work / f"city{seed}"
            tables = generate_city(catalogue, seed=seed, anomalies=False)
            write_city(tables, folder, catalogue)
            datasets.append((f"city {seed}", folder, False))

        def screen(folder: Path, tag: str) -> tuple[pd.DataFrame, float]:
            if args.library:
                return screen_library(folder, catalogue)
            return screen_cli(folder, work / f"out-{tag}")

        outcomes, false_rows, seconds, alarms = [], [], [], []
        for name, folder, own in datasets:
            months = QC.months_in(folder)
            units = ev.load_dataset(folder).units["unit_id"].astype(str).tolist()
            baseline, own_flagged = None, set()
            if own:  # the unmodified dataset's own flags: not the corpus's doing
                baseline, secs = screen(folder, f"{name}-base".replace(" ", ""))
                own_flagged = set(baseline["unit_id"])
            for k, group in enumerate(groups):
                tag = f"{name}-{k}".replace(" ", "")
                copy = work / f"planted-{tag}"
                truth = QC.plant(folder, copy, group, catalogue=catalogue)
                flags, secs = screen(copy, tag)
                seconds.append(secs)
                touched = {u for us in truth["units"] for u in us}
                clean = [u for u in units if u not in touched | own_flagged]
                s = QC.score(flags, truth, clean, months, baseline=baseline)
                outcomes.append(s.cases.assign(dataset=name, batch=k))
                alarms.append(s.false_alarms.assign(dataset=name, batch=k))
                false_rows.append(
                    {
                        "dataset": name,
                        "batch": k,
                        "cases": len(group),
                        "flags": len(flags),
                        "clean units": len(clean),
                        "clean unit-months": s.clean_unit_months,
                        "covered": round(s.false_share * s.clean_unit_months),
                        "share": s.false_share,
                        "false flags": s.false_flags,
                        "per 1,000": s.false_per_1000,
                        "screen s": secs,
                    }
                )

    cases_out = pd.concat(outcomes, ignore_index=True)
    planted = cases_out[cases_out["planted"]]
    table = (
        planted.groupby("kind", sort=False)["found"]
        .agg(planted="size", found="sum")
        .reindex([k for k in QC.KINDS if k in set(planted["kind"])])
        .reset_index()
    )
    table["recall"] = table["found"] / table["planted"]
    false = pd.DataFrame(false_rows)
    total = false["clean unit-months"].sum()
    false_share = false["covered"].sum() / total
    per_1000 = 1000 * false["false flags"].sum() / total
    skipped = int((~cases_out["planted"]).sum())
    how = "library (evaluation.run)" if args.library else "CLI (evaluation score)"

    print(
        f"corpus: {len(cases)} cases in {len(groups)} batch(es); datasets: "
        f"{', '.join(d[0] for d in datasets)}; screen via {how}"
    )
    print()
    overall = pd.DataFrame(
        [
            {
                "kind": "**all**",
                "planted": int(table["planted"].sum()),
                "found": int(table["found"].sum()),
                "recall": table["found"].sum() / table["planted"].sum(),
            }
        ]
    )
    print(_markdown(pd.concat([table, overall]), {"recall": ".2f"}))
    # the screen's thresholds were tuned on the sample and cities 1-4: the others
    # are held out
    held = planted["dataset"].str.extract(r"city (\d+)")[0].astype(float) > TUNED
    if held.any():
        split = (
            planted.assign(part=np.where(held, "held out", "tuned"))
            .groupby(["kind", "part"], sort=False)["found"]
            .agg(["sum", "size"])
            .unstack("part")
            .reindex([k for k in QC.KINDS if k in set(planted["kind"])])
        )
        split.loc["**all**"] = split.sum()
        cells = pd.DataFrame({"kind": split.index})
        for part in ("tuned", "held out"):
            found, size = split[("sum", part)], split[("size", part)]
            cells[f"{part} found"] = [
                f"{f}/{n}" for f, n in zip(found, size, strict=True)
            ]
            cells[f"{part} recall"] = (found / size).to_numpy()
        print(
            f"\ntuned on the sample and cities 1–{TUNED}; held out: the other cities\n"
        )
        print(_markdown(cells, {"tuned recall": ".2f", "held out recall": ".2f"}))
    if skipped:
        print(f"\n({skipped} planted case(s) changed no cell and are not counted)")
    print()
    print(_markdown(false, {"share": ".2%", "per 1,000": ".1f", "screen s": ".1f"}))
    print()
    low, high = wilson(false["covered"].sum(), total)
    print(
        f"false alarms: {false_share:.2%} of {total:,} clean unit-months covered by a "
        f"flag (95% interval {low:.2%}–{high:.2%}); {per_1000:.1f} flags per 1,000 "
        "clean unit-months"
    )
    alarms = pd.concat(alarms, ignore_index=True)
    if len(alarms):
        counts = alarms["check"].value_counts()
        print(
            "false flags by check: " + ", ".join(f"{c} {n}" for c, n in counts.items())
        )
    print(
        f"screen run time: median {statistics.median(seconds):.1f} s per copy "
        f"(min {min(seconds):.1f}, max {max(seconds):.1f}; {how})"
    )
    missed = (
        planted.groupby("case_id", sort=False)["found"]
        .agg(["sum", "size"])
        .query("sum == 0")
        .index.tolist()
    )
    if missed:
        print(f"\nnever found ({len(missed)}): {', '.join(missed)}")
    if args.show_cases:
        show = cases_out[["dataset", "batch", "case_id", "kind", "unit_id", "cells"]]
        print()
        print(_markdown(show.assign(found=cases_out["found"])))

    table.attrs.update(
        recall=float(table["found"].sum() / table["planted"].sum()),
        false_share=float(false_share),
        false_per_1000=float(per_1000),
        seconds=seconds,
        cases=cases_out,
        false=false,
        alarms=alarms,
    )
    return table


if __name__ == "__main__":
    main()
