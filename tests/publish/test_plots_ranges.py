"""Score axes follow the scores: 0–100 while every score drawn is on that scale,
wider when an unbounded normalisation (here ``zscore`` without ``clip``) puts
scores below 0 or above 100 (limitation L36)."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.analysis import views
from evaluation.publish import plots
from tests.conftest import TINY, write_dataset

UNITS = [f"U{i:02d}" for i in range(1, 11)]
# each year U01 is far above the others and U10 far below (2024 less so)
VALUES = {
    "2024": [70.0, 60.0] + [50.0] * 7 + [30.0],
    "2025": [100.0] + [50.0] * 8 + [0.0],
}
# by hand, 2025: mean 50, sample sd √(2 · 50² / 9) = 23.570…, z = ±50 / 23.570 =
# ±2.1213, score 50 ± 30 · 2.1213 = 113.64 and −13.64; the eight others score 50
HIGH, LOW = (
    50 + 30 * 50 / math.sqrt(2 * 50**2 / 9),
    50 - 30 * 50 / math.sqrt(2 * 50**2 / 9),
)


@pytest.fixture(scope="module")
def z_result(tmp_path_factory) -> ev.Result:
    """Two dimensions of one indicator each, both ``zscore`` (mean 50, sd 30)."""
    raw = copy.deepcopy(TINY)
    raw["dimensions"] = [{**d, "weight": 0.5} for d in raw["dimensions"]]
    template = raw["indicators"][3]  # b2: annual, zscore
    raw["indicators"] = [
        {
            **template,
            "id": ind,
            "parent": parent,
            "normalisation": {"method": "zscore", "mean": 50, "sd": 30},
        }
        for ind, parent in (("a1", "a"), ("b1", "b"))
    ]
    cat = ev.parse_catalogue(raw, file="z.yaml")
    units = pd.DataFrame(
        {
            "unit_id": UNITS,
            "name_zh": [f"{i}局" for i in range(1, 11)],
            "name_en": [f"Bureau {i}" for i in range(1, 11)],
            "peer_group": ["g1"] * 5 + ["g2"] * 5,
            "level": ["department"] * 10,
            "parent_id": [""] * 10,
        }
    )
    rows = [
        (u, year, ind, str(v))
        for year, values in VALUES.items()
        for ind in ("a1", "b1")
        for u, v in zip(UNITS, values, strict=True)
    ]
    path = write_dataset(tmp_path_factory.mktemp("z"), units, rows)
    return ev.run(
        cat, ev.load_dataset(path), period="2025", run_at="2026-01-15T09:00:00+00:00"
    )


def _finite(*values) -> np.ndarray:
    v = np.concatenate([np.ravel(np.asarray(x, dtype=float)) for x in values])
    return v[np.isfinite(v)]


def covers(axis_range, *values, fixed=(0, 100), pad: float = 0.15) -> bool:
    """Values all on the 0–100 scale: the range is ``fixed``. Else it holds every
    value and 0, with no more than ``pad`` of their span (plus a hair) left over on
    either side: it follows the data."""
    v = np.append(_finite(*values), 0.0)
    lo, hi = float(axis_range[0]), float(axis_range[1])
    if v.min() >= 0 and v.max() <= 100:
        return [lo, hi] == list(fixed)
    slack = (pad + 1e-9) * (v.max() - v.min())
    return (
        lo <= v.min()
        and v.max() <= hi
        and v.min() - lo <= slack
        and hi - v.max() <= slack
    )


def test_score_range_by_hand():
    assert plots.score_range([10, 90], [np.nan]) == [0, 100]
    assert plots.score_range([0, 100]) == [0, 100]  # the scale's ends are on it
    assert plots.score_range([80, None], fixed=(0, 108)) == [0, 108]
    # span with 0: −10 … 120 = 130; 5 % of it each side
    assert plots.score_range([-10, 50], [120]) == pytest.approx([-16.5, 126.5])
    assert plots.score_range([20, 130], pad=0.1) == pytest.approx([0, 143])
    assert plots.score_range([-30, -10]) == pytest.approx([-31.5, 0])
    assert plots.score_range([np.nan]) == [0, 100]


def test_the_zscore_result_leaves_the_scale(z_result):
    s = z_result.scores
    now = s[(s["period"] == "2025") & (s["node_id"] == "a")].set_index("unit_id")
    assert now.at["U01", "score"] == pytest.approx(HIGH)  # 113.64
    assert now.at["U10", "score"] == pytest.approx(LOW)  # −13.64
    comp = z_result.composite.set_index(["period", "unit_id"])["composite_score"]
    assert comp[("2025", "U01")] > 100 and comp[("2025", "U10")] < 0
    c = z_result.contributions
    assert (
        c.loc[(c["period"] == "2025") & (c["unit_id"] == "U10"), "contribution"] < 0
    ).all()


def test_rank_bar_axis_holds_every_composite(z_result):
    table = z_result.league_table()
    fig = plots.plot_rank_bar(table, lang="en")
    scores = table["composite_score"]
    assert scores.max() > 100 and scores.min() < 0
    assert covers(fig.layout.xaxis.range, scores)
    assert fig.layout.xaxis.dtick is None  # plotly spaces the ticks of a wide axis
    top = plots.plot_rank_bar(table, lang="en", top=3)  # only what is drawn counts
    assert top.layout.xaxis.range[0] == 0 and covers(
        top.layout.xaxis.range, scores.head(3)
    )


@pytest.mark.parametrize("unit", ["U01", "U10", "U05"])
def test_profile_axes_hold_every_score(z_result, unit):
    p = views.profile(z_result, unit)
    names = list(p.dimensions["node_id"])
    dims = plots.plot_dimension_scores(
        p.dimensions, names, title="t", unit="u", median="m"
    )
    drawn = [p.dimensions["score"], p.dimensions["peer_median"]]
    assert covers(dims.layout.yaxis.range, *drawn)
    assert [list(t.y) for t in dims.data] == [list(d) for d in drawn]

    fall = plots.plot_waterfall(p.waterfall, names, title="t", total="T")
    steps = np.cumsum(p.waterfall["contribution"])  # where each bar starts and ends
    assert covers(fall.layout.yaxis.range, steps, fall.data[0].y, fixed=(0, 110))

    trend = plots.plot_trend(p.trend, title="t")
    assert covers(trend.layout.yaxis.range, p.trend["composite_score"])
    assert len(p.trend) == 2

    gaps = p.dimensions.rename(columns={"peer_median": "group_median"})
    light = plots.plot_group_dimensions(gaps, names, title="t", unit="u", median="m")
    assert covers(light["layout"]["yaxis"]["range"], *[b["y"] for b in light["data"]])

    a4 = plots.plot_dimensions_against_median(
        names, *(d.to_numpy() for d in drawn), unit="u", group_median="m"
    )
    assert covers(a4.layout.xaxis.range, *drawn)

    parts = plots.plot_parts(
        ["考", "评", "议"], [p.composite_score, 90.0, np.nan], title="t"
    )
    assert covers(
        parts["layout"]["xaxis"]["range"], parts["data"][0]["x"], fixed=(0, 108)
    )


def test_the_off_scale_units_widen_the_axes(z_result):
    """U01 is above 100 and U10 below 0 on every dimension: their axes are not 0–100."""
    high, low = views.profile(z_result, "U01"), views.profile(z_result, "U10")
    names = ["A", "B"]
    up = plots.plot_dimension_scores(
        high.dimensions, names, title="t", unit="u", median="m"
    )
    down = plots.plot_dimension_scores(
        low.dimensions, names, title="t", unit="u", median="m"
    )
    assert up.layout.yaxis.range[0] == 0 and up.layout.yaxis.range[1] > HIGH
    assert down.layout.yaxis.range[0] < LOW and down.layout.yaxis.range[1] > 50
    fall = plots.plot_waterfall(low.waterfall, names, title="t", total="T")
    assert fall.layout.yaxis.range[0] < LOW  # the composite −13.64 is a bar below 0
    assert list(fall.data[0].y) == pytest.approx([LOW / 2, LOW / 2, LOW])


def test_the_sample_keeps_its_fixed_axes(sample_result):
    s = sample_result.scores["score"]
    assert s.min() >= 0 and s.max() <= 100  # every sample score is on the scale
    assert (sample_result.contributions["contribution"] >= 0).all()
    fig = plots.plot_rank_bar(sample_result.league_table(), lang="zh")
    assert fig.layout.xaxis.range == (0, 100) and fig.layout.xaxis.dtick == 20
    for unit in sample_result.units["unit_id"].head(8):
        p = views.profile(sample_result, unit)
        names = list(p.dimensions["node_id"])
        dims = plots.plot_dimension_scores(
            p.dimensions, names, title="t", unit="u", median="m"
        )
        fall = plots.plot_waterfall(p.waterfall, names, title="t", total="T")
        trend = plots.plot_trend(p.trend, title="t")
        a4 = plots.plot_dimensions_against_median(
            names,
            p.dimensions["score"],
            p.dimensions["peer_median"],
            unit="u",
            group_median="m",
        )
        gaps = p.dimensions.rename(columns={"peer_median": "group_median"})
        light = plots.plot_group_dimensions(
            gaps, names, title="t", unit="u", median="m"
        )
        parts = plots.plot_parts(
            ["考", "评", "议"], [p.composite_score, 88.0, 95.0], title="t"
        )
        assert dims.layout.yaxis.range == (0, 100)
        assert fall.layout.yaxis.range == (0, 110)
        assert trend.layout.yaxis.range == (0, 100)
        assert a4.layout.xaxis.range == (0, 100) and a4.layout.xaxis.dtick == 20
        assert light["layout"]["yaxis"]["range"] == [0, 100]
        assert parts["layout"]["xaxis"]["range"] == [0, 108]


def test_the_samples_english_rank_chart_is_about_as_tall_as_the_chinese(sample_result):
    """Every row was as tall as the longest English name folded (four lines): the
    chart ran 2.7 times the Chinese one's height and a leader scrolled past a
    long page. Now within 1.3 times, on the sample's 50 units, drawn as the
    dashboard draws it (for a 390 px phone, with its title and legend)."""
    table, cat = sample_result.league_table(), sample_result.catalogue
    title = {"zh": "各榜前10名与后10名", "en": "Top 10 and bottom 10 of each list"}
    height = {
        lang: plots.plot_rank_bar(
            table,
            lang=lang,
            group_names=cat.peer_group_names(lang),
            width=390,
            title=title[lang],
        ).layout.height
        for lang in ("zh", "en")
    }  # drawn for any screen, as the dashboard draws it
    assert height["en"] <= 1.3 * height["zh"]
