"""Rank intervals stored with a run show in the rankings grid and as a plot."""

from __future__ import annotations

import importlib

import numpy as np

from dashboards import app as dashboard
from evaluation.analysis import uncertainty as U
from evaluation.publish import plots
from evaluation.publish.publication import Publication
from evaluation.result import rank_range


def test_stored_intervals_show_in_the_grid(sample_result, tmp_path):
    u = U.run(sample_result, U.Spec(n=300, weight_noise=0.4))
    path = tmp_path / "store.duckdb"
    with Publication(path) as s:
        run = s.add_run(sample_result, by="analyst", uncertainty=u)
        s.publish(run, by="director")
    app = dashboard.create_app(path)
    assert app.server.test_client().get("/").status_code == 200
    rankings = importlib.import_module("dashboards.pages.rankings")
    columns, _ = rankings.update_rankings("2025", "_all", "en", run)
    request = {"startRow": 0, "endRow": 100, "sortModel": []}
    rows = rankings.update_rows(request, "2025", "_all", "en", run)["rowData"]
    header = {c.get("field"): c["headerName"] for c in columns}
    assert header["rank_interval"] == "Rank range (5–95%)"
    expected = rank_range(u.summary)
    assert {r["unit_id"]: r["rank_interval"] for r in rows} == expected.to_dict()
    # within one peer group the overall interval would mislead: no column
    columns, _ = rankings.update_rankings("2025", "economic", "en", run)
    assert "rank_interval" not in {c.get("field") for c in columns}

    # the default lists (districts, departments, each ranked apart): each unit's
    # range is among its own type of unit, around its rank in that list
    columns, _ = rankings.update_rankings("2025", "_levels", "zh", run)
    assert "rank_interval" in {c.get("field") for c in columns}
    rows = rankings.update_rows(
        {"startRow": 0, "endRow": 100, "sortModel": []}, "2025", "_levels", "zh", run
    )["rowData"]
    size = sample_result.units["level"].value_counts()
    for r in rows:
        rank, low, high = map(int, r["rank_interval"].replace("(", "").replace(
            ")", "").replace("–", " ").split())  # fmt: skip
        assert rank == r["rank"] and low <= rank <= high <= size[r["level"]]
    districts = [r for r in rows if r["level"] == "district"]
    assert sorted(r["rank"] for r in districts) == list(range(1, size["district"] + 1))


def test_rank_interval_plot_draws_each_interval(sample_result):
    u = U.run(sample_result, U.Spec(n=200, weight_noise=0.4))
    names = dict(
        zip(sample_result.units["unit_id"], sample_result.units["name_en"], strict=True)
    )
    fig = plots.plot_rank_intervals(u.summary, names, lang="en")
    s = u.summary.sort_values("nominal_rank")
    bars = fig.data[0]
    np.testing.assert_array_equal(bars.x, s["nominal_rank"])
    np.testing.assert_array_equal(bars.error_x.array, s["rank_q95"] - s["nominal_rank"])
    np.testing.assert_array_equal(
        bars.error_x.arrayminus, s["nominal_rank"] - s["rank_q05"]
    )
    assert list(bars.y) == [names[x] for x in s["unit_id"]]
