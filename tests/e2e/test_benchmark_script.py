"""The benchmark script still runs (tiny size; no timing is asserted)."""

import importlib.util

import pytest

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
        "read",
        "score",
        "screen",
        "floor",
        "floor+ids",
    ]
    assert (table["median_s"] > 0).all() and (table["peak_mib"] > 0).all()
    assert "1,200 observations" in capsys.readouterr().out


@pytest.mark.browser
def test_dashboard_benchmark_runs_on_a_small_city(capsys, tmp_path):
    """The benchmark's whole path (a published store, waitress in its own process,
    chromium, the replayed requests) on a city of 24 units, one round."""
    spec = importlib.util.spec_from_file_location(
        "bench_dashboard", ROOT / "benchmarks" / "bench_dashboard.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    shown, timed = bench.main([
        "--departments", "20", "--districts", "4", "--draws", "20", "--repeats", "1",
        "--http-repeats", "2", "--settle", "1", "--cache", str(tmp_path),
    ])  # fmt: skip
    assert shown["interaction"].tolist() == [
        # the floor: the same shell with static content, no callback
        "floor: full page load of /floor-text",
        "floor: full page load of /floor-grid",
        "floor: full page load of /floor-grid-chart",
        "first page load (overview)",
        "first page load (rankings)",
        "period change",
        "group change",
        "profile load (a name clicked in the league table)",
        "risk page (from the navigation)",
        "profile load (full page load of /unit/<id>)",
        "risk page (full page load)",
        "what-if move",
        "floor: the rows block fetched, parsed",
    ]
    assert (shown["browser_ms"] > 0).all()
    assert timed["request"].str.startswith("period change").any()
    assert timed["request"].str.startswith("page load /rankings").any()
    assert (timed["kb"] > 0).all() and (timed["http_ms"] > 0).all()
    assert "24 units" in capsys.readouterr().out


def test_uncertainty_benchmark_runs(capsys, tmp_path):
    spec = importlib.util.spec_from_file_location(
        "bench_uncertainty", ROOT / "benchmarks" / "bench_uncertainty.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    # without shared data (an empty folder): the sample and the floor only
    table = bench.main([str(tmp_path), "--draws", "20", "--repeats", "1"])
    assert table["case"].tolist() == ["sample 20 draws", "floor (one matrix product)"]
    assert (table["median_ms"] > 0).all()


def test_engine_benchmark_runs(capsys, tmp_path):
    spec = importlib.util.spec_from_file_location(
        "bench_engine", ROOT / "benchmarks" / "bench_engine.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    table = bench.main(
        ["--units", "500", "--indicators", "10", "--repeats", "1",
         "--shared", str(tmp_path)]
    )  # fmt: skip
    assert table["case"].tolist() == [
        "evaluation.score", "score, every table read", "score, ids coded",
        "aggregate", "floor", "input floor", "sample city, one month",
        "sample city, one month, every table read", "sample city, one month: scoring",
    ]  # fmt: skip
    assert (table["median_ms"] > 0).all()
    # the product's path and the floor agree on the composite
    assert "composites agree with the floor: True" in capsys.readouterr().out


def test_national_benchmark_runs(capsys):
    spec = importlib.util.spec_from_file_location(
        "bench_national", ROOT / "benchmarks" / "bench_national.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    table = bench.main(["--units", "80", "--indicators", "10", "--repeats", "1"])
    assert table["case"].tolist() == [
        "national", "national, 8 files", "dask, 2 workers", "floor",
    ]  # fmt: skip
    assert (table["median_s"] > 0).all() and (table["peak_gib"] > 0).all()
    assert "9,600 reports" in capsys.readouterr().out


def test_appraisal_benchmark_runs(capsys):
    spec = importlib.util.spec_from_file_location(
        "bench_appraisal", ROOT / "benchmarks" / "bench_appraisal.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    table = bench.main(["--repeats", "1"])
    assert table["case"].tolist()[:2] == ["read inputs", "appraise"]
    assert (table["median_ms"] > 0).all()
    assert "4,243 ballots" in capsys.readouterr().out
