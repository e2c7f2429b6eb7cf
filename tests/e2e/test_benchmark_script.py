"""The benchmark script still runs (tiny size; no timing is asserted)."""

import importlib.util

from ..conftest import ROOT


def test_scoring_benchmark_runs_on_a_tiny_city(capsys):
    spec = importlib.util.spec_from_file_location(
        "bench_scoring", ROOT / "benchmarks" / "bench_scoring.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    table = bench.main(
        ["--units", "40", "--indicators", "10", "--months", "3", "--repeats", "1"]
    )
    assert table["stage"].tolist() == [
        "validate",
        "score",
        "screen",
        "floor",
        "floor+ids",
    ]
    assert (table["median_s"] > 0).all() and (table["peak_mib"] > 0).all()
    assert "1,200 observations" in capsys.readouterr().out
