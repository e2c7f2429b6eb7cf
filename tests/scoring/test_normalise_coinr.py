"""COINr's normalisations with their parameters, declared output ranges, no clipping
of unbounded methods, and the load-time check of means that need children above 0.

Each expected value is COINr's documented formula (``R/normalise.R`` of COINr 1.1.14:
``n_minmax``, ``n_zscore``, ``n_dist2targ``, ``n_goalposts``, ``n_scaled``,
``n_fracmax``) or the Handbook's ratio, computed here with a few lines of numpy, on a
hand example and on COINr's ASEM data (``../shared/data/coinr_asem``)."""

from __future__ import annotations

import copy
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.stats import rankdata

import evaluation as ev
from evaluation.analysis import uncertainty as U
from evaluation.errors import CatalogueError, EvaluationError
from evaluation.scoring.normalise import UNBOUNDED, output_range

from ..conftest import ROOT, load_example
from ..reference.test_asem_coinr import coinr_treat
from .test_normalise import catalogue, matrix, scores

INF = float("inf")


# --------------------------------------------------------------- COINr, by hand
def n_minmax(x, l_u=(0, 100)):
    x = np.asarray(x, dtype=float)
    return (x - np.nanmin(x)) / (np.nanmax(x) - np.nanmin(x)) * (l_u[1] - l_u[0]) + l_u[
        0
    ]


def n_zscore(x, m_sd=(0, 1)):
    x = np.asarray(x, dtype=float)
    return (x - np.nanmean(x)) / np.nanstd(x, ddof=1) * m_sd[1] + m_sd[0]


def n_dist2targ(x, targ, direction=1, cap_max=False):
    x = np.asarray(x, dtype=float)
    if direction == 1:
        y = (x - np.nanmin(x)) / (targ - np.nanmin(x))
    else:
        y = (np.nanmax(x) - x) / (np.nanmax(x) - targ)
    return np.minimum(y, 1) if cap_max else y


def n_goalposts(x, gposts, trunc2posts=True):
    """Direction 1 (COINr flips ``l`` and ``u`` for direction −1)."""
    low, up, a = gposts
    y = (np.asarray(x, dtype=float) - low) / (up - low)
    return (np.clip(y, 0, 1) if trunc2posts else y) * a


def test_minmax_onto_1_100_is_coinr_n_minmax_l_u(tiny_raw):
    cat = catalogue(tiny_raw, {"method": "minmax", "low": 1, "high": 100})
    x = [2.0, 4.0, 6.0]
    # (x − 2) / 4 · 99 + 1 = 1, 50.5, 100
    assert scores(cat, matrix(x)) == pytest.approx([1.0, 50.5, 100.0], abs=1e-12)
    np.testing.assert_allclose(scores(cat, matrix(x)), n_minmax(x, (1, 100)))
    lower = catalogue(tiny_raw, {"method": "minmax", "low": 1, "high": 100},
                      direction="lower")  # fmt: skip
    # COINr multiplies by the direction first: n_minmax(−x)
    np.testing.assert_allclose(
        scores(lower, matrix(x)), n_minmax(-np.array(x), (1, 100)), atol=1e-12
    )


def test_minmax_low_must_be_below_high(tiny_raw):
    with pytest.raises(CatalogueError, match="must be greater than low"):
        catalogue(tiny_raw, {"method": "minmax", "low": 100, "high": 1})


def test_zscore_as_coinr_states_it_is_not_clipped(tiny_raw):
    cat = catalogue(tiny_raw, {"method": "zscore", "mean": 0, "sd": 1})
    x = [2.0, 4.0, 6.0, 20.0]
    got = scores(cat, matrix(x))
    np.testing.assert_allclose(got, n_zscore(x), atol=1e-12)
    assert min(got) < 0  # half the units below the mean: negative, kept


def test_a_default_zscore_beyond_five_sd_leaves_0_100(tiny_raw):
    cat = catalogue(tiny_raw, {"method": "zscore"})  # mean 50, sd 10
    x = [0.0] * 39 + [1.0]  # the outlier: z = (1 − 1/40) / s ≈ 6.2
    got = scores(cat, matrix(x))
    np.testing.assert_allclose(got, n_zscore(x, (50, 10)), atol=1e-12)
    assert got[-1] > 100


def test_clip_keeps_a_zscore_on_a_stated_range(tiny_raw):
    cat = catalogue(tiny_raw, {"method": "zscore", "mean": 50, "sd": 10,
                               "clip": [0, 100]})  # fmt: skip
    x = [0.0] * 39 + [1.0]
    expected = np.clip(n_zscore(x, (50, 10)), 0, 100)
    np.testing.assert_allclose(scores(cat, matrix(x)), expected, atol=1e-12)


def test_robust_z_is_not_clipped(tiny_raw):
    cat = catalogue(tiny_raw, {"method": "robust_z", "mean": 0, "sd": 1,
                               "consistent": False})  # fmt: skip
    # median 6, |x − 6| = 4, 2, 0, 2, 34 → MAD 2: z = −2, −1, 0, 1, 17
    assert scores(cat, matrix([2, 4, 6, 8, 40])) == pytest.approx([-2, -1, 0, 1, 17])


def test_distance_to_target_uncapped_is_coinr_n_dist2targ(tiny_raw):
    x = [50.0, 75.0, 100.0, 120.0]
    capped = catalogue(tiny_raw, {"method": "target"}, target=100)
    uncapped = catalogue(tiny_raw, {"method": "target", "cap": False}, target=100)
    one = catalogue(tiny_raw, {"method": "target", "cap": False, "scale": 1},
                    target=100)  # fmt: skip
    # (x − 50) / (100 − 50) = 0, .5, 1, 1.4
    assert scores(capped, matrix(x)) == [0.0, 50.0, 100.0, 100.0]
    assert scores(uncapped, matrix(x)) == pytest.approx([0, 50, 100, 140])
    np.testing.assert_allclose(scores(one, matrix(x)), n_dist2targ(x, 100))
    lower = catalogue(tiny_raw, {"method": "target", "cap": False, "scale": 1},
                      target=60, direction="lower")  # fmt: skip
    np.testing.assert_allclose(
        scores(lower, matrix(x)), n_dist2targ(x, 60, direction=-1), atol=1e-12
    )


def test_goalposts_with_scale_and_truncation_are_coinr_n_goalposts(tiny_raw):
    x = [-5.0, 0.0, 2.5, 10.0, 12.0]
    for truncate in (True, False):
        cat = catalogue(tiny_raw, {"method": "goalposts", "worst": 0, "best": 10,
                                   "scale": 1, "truncate": truncate})  # fmt: skip
        np.testing.assert_allclose(
            scores(cat, matrix(x)), n_goalposts(x, (0, 10, 1), truncate), atol=1e-12
        )
    # n_scaled(x, c(l, u)) = (x − l) / (u − l) · 100: goalposts without truncation
    scaled = catalogue(tiny_raw, {"method": "goalposts", "worst": 0, "best": 10,
                                  "truncate": False})  # fmt: skip
    assert scores(scaled, matrix(x)) == pytest.approx([-50, 0, 25, 100, 120])


def test_goalposts_of_a_lower_is_better_indicator_flip_the_posts(tiny_raw):
    # COINr: n_goalposts(x, gposts = c(l, u, a), direction = −1) scores u worst and
    # l best, i.e. (u − x) / (u − l) · a: here worst = u = 10, best = l = 2
    x = np.array([0.0, 2.0, 6.0, 10.0, 14.0])
    cat = catalogue(tiny_raw, {"method": "goalposts", "worst": 10, "best": 2,
                               "scale": 1}, direction="lower")  # fmt: skip
    np.testing.assert_allclose(
        scores(cat, matrix(x)), np.clip((10 - x) / (10 - 2), 0, 1), atol=1e-12
    )


def test_fracmax_is_coinr_n_fracmax(tiny_raw):
    x = [2.0, 4.0, 8.0]
    cat = catalogue(tiny_raw, {"method": "fracmax"})
    assert scores(cat, matrix(x)) == [25.0, 50.0, 100.0]  # 100 x / max
    lower = catalogue(tiny_raw, {"method": "fracmax"}, direction="lower")
    assert scores(lower, matrix(x)) == [100.0, 50.0, 25.0]  # 100 min / x


def test_ratio_to_the_mean_is_unbounded(tiny_raw):
    x = [2.0, 4.0, 6.0]  # mean 4
    cat = catalogue(tiny_raw, {"method": "ratio_mean"})
    assert scores(cat, matrix(x)) == pytest.approx([50, 100, 150])
    lower = catalogue(tiny_raw, {"method": "ratio_mean"}, direction="lower")
    assert scores(lower, matrix(x)) == pytest.approx([200, 100, 400 / 6])


def test_uncapped_distance_to_target_past_the_target_reverses_as_coinr_and_says_so(
    tiny_raw,
):
    """COINr: n_dist2targ(c(10, 20, 30), 5, cap_max = FALSE) = (x − 10) / (5 − 10) =
    0, −2, −4: the best unit lowest. Kept as COINr computes it, with a warning."""
    cat = catalogue(tiny_raw, {"method": "target", "cap": False, "scale": 1}, target=5)
    with pytest.warns(UserWarning, match=r"past the target \(a1 2025\)"):
        assert scores(cat, matrix([10.0, 20.0, 30.0])) == [0.0, -2.0, -4.0]
    with warnings.catch_warnings():  # a unit short of the target: no reversal
        warnings.simplefilter("error")
        assert scores(cat, matrix([0.0, 2.5, 5.0])) == [0.0, 0.5, 1.0]


def test_reference_unit_ratio_capped_or_not(tiny_raw):
    x = [2.0, 4.0, 8.0]  # U2 (4) is the reference
    capped = catalogue(tiny_raw, {"method": "reference", "unit": "U2"})
    assert scores(capped, matrix(x)) == [50.0, 100.0, 100.0]
    free = catalogue(tiny_raw, {"method": "reference", "unit": "U2", "cap": False})
    assert scores(free, matrix(x)) == [50.0, 100.0, 200.0]


# ------------------------------------------------------------- declared ranges
@pytest.mark.parametrize(
    ("normalisation", "extra", "expected"),
    [
        ({"method": "minmax"}, {}, (0, 100)),
        ({"method": "minmax", "low": 1, "high": 100}, {}, (1, 100)),
        ({"method": "zscore", "mean": 0, "sd": 1}, {}, UNBOUNDED),
        ({"method": "zscore", "clip": [0, 100]}, {}, (0, 100)),
        ({"method": "robust_z"}, {}, UNBOUNDED),
        ({"method": "target"}, {"target": 90}, (0, 100)),
        ({"method": "target", "cap": False}, {"target": 90}, UNBOUNDED),
        ({"method": "goalposts", "worst": 0, "best": 9, "scale": 1}, {}, (0, 1)),
        ({"method": "goalposts", "worst": 0, "best": 9, "truncate": False}, {},
         UNBOUNDED),
        ({"method": "percentile"}, {}, (0, 100)),
        ({"method": "ratio_mean"}, {}, (0, INF)),  # x ≥ 0 over a mean > 0
        ({"method": "ratio_mean"}, {"valid": {"min": -5, "max": 4}}, UNBOUNDED),
        ({"method": "ratio_mean"}, {"valid": {"min": 1, "max": 4}}, (25, 400)),
        ({"method": "fracmax"}, {"valid": {"min": 1, "max": 4}}, (25, 100)),
        # a sum of reports 1–4, or a ratio to a denominator, is ≥ 0 but unbounded
        ({"method": "ratio_mean"}, {"valid": {"min": 1, "max": 4}, "rollup": "sum"},
         (0, INF)),
        ({"method": "fracmax"}, {"valid": {"min": 1, "max": 4},
                                 "denominator": {"by": "a2"}}, (0, 100)),
        # COINr's treatment may log: ln of a shifted value can be below 0
        ({"method": "fracmax"}, {"valid": {"min": 1, "max": 4},
                                 "treatment": {"method": "coinr"}}, (-INF, 100)),
        ({"method": "minmax", "low": 1, "high": 100}, {"missing": "zero_score"},
         (0, 100)),
    ],
)  # fmt: skip
def test_each_method_declares_its_output_range(
    tiny_raw, normalisation, extra, expected
):
    cat = catalogue(tiny_raw, normalisation, **extra)
    assert output_range(cat.indicators[0]) == tuple(map(float, expected))


def test_a_ratio_to_a_denominator_is_not_truncated_to_the_reports_range(tiny_raw):
    """valid 1–4 is one report's range; the ratio the kernel sees, 0.1 (1 per 10) and
    4 (4 per 1), scores 100 · 0.1 / 4 = 2.5 and 100 (was truncated to 25)."""
    cat = catalogue(tiny_raw, {"method": "fracmax"}, valid={"min": 1, "max": 4},
                    denominator={"by": "a2"})  # fmt: skip
    assert scores(cat, matrix([0.1, 4.0])) == [2.5, 100.0]


def test_scores_of_unbounded_methods_are_not_clipped_up_the_hierarchy(tiny_raw):
    """a1 z-scored as COINr (mean 0, sd 1) is the only indicator of dimension a:
    the dimension and the composite keep the negative scores."""
    tiny_raw["indicators"][0]["normalisation"] = {"method": "zscore", "mean": 0,
                                                  "sd": 1}  # fmt: skip
    tiny_raw["indicators"] = tiny_raw["indicators"][:1]
    tiny_raw["dimensions"] = tiny_raw["dimensions"][:1]
    cat = ev.parse_catalogue(tiny_raw)
    units = [f"U{k}" for k in range(1, 5)]
    values = [2.0, 4.0, 6.0, 20.0]
    obs = pd.DataFrame({"unit_id": units, "period": "2025-Q1", "indicator_id": "a1",
                        "value": values})  # fmt: skip
    unit_table = pd.DataFrame({"unit_id": units, "name_zh": units, "name_en": units,
                               "peer_group": "g1", "level": "department",
                               "parent_id": None})  # fmt: skip
    out = ev.score(obs, unit_table, cat, period="2025-Q1")
    got = out["composite"].set_index("unit_id")["composite_score"][units]
    np.testing.assert_allclose(got, n_zscore(values), atol=1e-12)
    dim = out["scores"].query("node_id == 'a'").set_index("unit_id")["score"][units]
    np.testing.assert_allclose(dim, n_zscore(values), atol=1e-12)
    ranks = out["ranks"].set_index("unit_id")["rank"][units]
    assert ranks.tolist() == [4, 3, 2, 1]


def test_uncertainty_ranks_scores_outside_0_100():
    scores = np.array([[-3.5, 140.25, 0.0, np.nan, -3.5], [5e3, -7.0, 1e-10, 2.0, 3]])
    got = U._ranks(scores)
    for row, ranked in zip(scores, got, strict=True):
        ok = ~np.isnan(row)
        assert ranked[ok].tolist() == list(rankdata(-row[ok], method="min"))
        assert np.isnan(ranked[~ok]).all()


# ------------------------------------------ means that need children above 0
def geometric(tiny_raw, normalisation: dict, zero="error", **extra):
    tiny_raw["settings"]["aggregation"] = {"method": "geometric", "zero": zero}
    tiny_raw["dimensions"][0]["aggregation"] = {"method": "geometric", "zero": zero}
    return catalogue(tiny_raw, normalisation, **extra)


@pytest.mark.parametrize(
    "normalisation", [{"method": "minmax"}, {"method": "percentile"}]
)
def test_a_geometric_mean_with_zero_error_refuses_children_reaching_0(
    tiny_raw, normalisation
):
    """a1 (min-max or percentile) scores its period's worst unit 0: a stops."""
    with pytest.raises(CatalogueError) as err:
        geometric(tiny_raw, normalisation)
    problems = err.value.problems
    row = problems[problems["path"] == "dimensions[0].aggregation.zero"]
    assert len(row) == 1, problems.to_string()
    assert "a1 (" in row["rule"].iloc[0] and "minmax with low: 1" in row["rule"].iloc[0]
    # the composite's children are dimensions a and b; b holds a z-score (b2, mean
    # 50, sd 10: below 0 for a value 5 SD under the mean)
    row = problems[problems["path"] == "settings.aggregation.method"]
    assert len(row) == 1 and "b (dimension, range [-inf" in row["rule"].iloc[0]


@pytest.mark.parametrize("zero", ["zero", "error"])
@pytest.mark.parametrize(
    "normalisation",
    [{"method": "zscore", "mean": 0, "sd": 1}, {"method": "zscore"},
     {"method": "ratio_mean"}, {"method": "target", "cap": False}],
)  # fmt: skip
def test_a_geometric_mean_refuses_children_below_0_whatever_zero_says(
    tiny_raw, normalisation, zero
):
    """zero: zero used to read every negative z-score as 0 and score the node 0,
    silently: a geometric mean of -1.2 and 80 has no meaning; the catalogue says so."""
    extra = {"target": 80} if normalisation["method"] == "target" else {}
    with pytest.raises(CatalogueError) as err:  # b2 (a z-score) under the composite
        geometric(tiny_raw, normalisation, zero=zero, **extra)
    problems = err.value.problems
    rows = problems[problems["path"] == "dimensions[0].aggregation.method"]
    if normalisation["method"] == "ratio_mean":  # valid from 0: a ratio ≥ 0
        assert rows.empty or "a1" not in rows["rule"].iloc[0]
        return
    assert len(rows) == 1, problems.to_string()
    assert "no meaning over scores below 0" in rows["rule"].iloc[0]
    assert "a1 (" in rows["rule"].iloc[0]


@pytest.mark.parametrize(
    "aggregation",
    [{"method": "harmonic"}, {"method": "generalised", "p": 2},
     {"method": "generalised", "p": -1}, {"method": "mazziotta_pareto"},
     {"method": "bod"}],
)  # fmt: skip
def test_other_means_with_no_meaning_below_0_refuse_z_scores(tiny_raw, aggregation):
    tiny_raw["dimensions"][1]["aggregation"] = aggregation  # b: target, z-score
    with pytest.raises(CatalogueError) as err:
        ev.parse_catalogue(tiny_raw, file="t.yaml")
    rules = err.value.problems.set_index("path")["rule"]
    rule = rules["dimensions[1].aggregation.method"]
    assert "b2 (zscore, range [-inf, inf])" in rule


def test_arithmetic_and_power_1_means_take_z_scores(tiny_raw):
    for how in ({"method": "arithmetic"}, {"method": "generalised", "p": 1}):
        tiny_raw["dimensions"][1]["aggregation"] = how
        ev.parse_catalogue(copy.deepcopy(tiny_raw), file="t.yaml")


def test_a_dimension_sure_to_score_0_under_a_geometric_parent_is_refused(tiny_raw):
    """Dimension a is a geometric mean with zero: zero over a1 (min-max, so some unit
    scores 0): that unit's a is 0, and a geometric composite with zero: error stops."""
    for ind in tiny_raw["indicators"]:
        ind["normalisation"] = {"method": "minmax", "low": 1, "high": 100}
        ind.pop("target", None)
    tiny_raw["indicators"][0]["normalisation"] = {"method": "minmax"}  # a1: 0–100
    tiny_raw["dimensions"][0]["aggregation"] = {"method": "geometric", "zero": "zero"}
    tiny_raw["settings"]["aggregation"] = {"method": "geometric", "zero": "error"}
    with pytest.raises(CatalogueError) as err:
        ev.parse_catalogue(copy.deepcopy(tiny_raw), file="t.yaml")
    rule = err.value.problems.set_index("path")["rule"]["settings.aggregation.zero"]
    assert "a (dimension, range [0, 100])" in rule and "b (" not in rule
    # an arithmetic a over the same children is not sure to reach 0: accepted
    tiny_raw["dimensions"][0]["aggregation"] = {"method": "arithmetic"}
    ev.parse_catalogue(tiny_raw, file="t.yaml")


def test_min_max_onto_1_100_or_zero_zero_passes_the_positivity_check(tiny_raw):
    ok = {"method": "minmax", "low": 1, "high": 100}
    raw = copy.deepcopy(tiny_raw)
    for ind in raw["indicators"]:
        ind["normalisation"] = ok
        ind.pop("target", None)
    geometric(copy.deepcopy(raw), ok)  # every child ≥ 1: accepted
    raw["indicators"][0]["normalisation"] = {"method": "minmax"}
    geometric(raw, {"method": "minmax"}, zero="zero")  # a child at 0 scores 0: as said


def test_goalposts_that_may_reach_0_are_left_to_the_run(tiny_raw):
    """Fixed goalposts reach 0 only if a value does (the HDI's natural zeros)."""
    for ind in tiny_raw["indicators"]:
        ind["normalisation"] = {"method": "goalposts", "worst": -1, "best": 200}
        ind["direction"] = "higher"
        ind.pop("target", None)
    geometric(tiny_raw, {"method": "goalposts", "worst": -1, "best": 200})


# ------------------------------------------------- the uncertainty engine's options
def test_normalisation_options_take_parameters():
    assert U.normalisation_option("minmax:low=1:high=100") == {
        "method": "minmax", "low": 1, "high": 100}  # fmt: skip
    assert U.normalisation_option("target:cap=false")["cap"] is False
    spec = U.Spec(normalisations=[U.CATALOGUE, {"method": "zscore", "mean": 0,
                                                "sd": 1}])  # fmt: skip
    assert spec.normalisations == ("catalogue", "zscore:mean=0:sd=1")
    with pytest.raises(EvaluationError, match="minmax:low=x.*low"):
        U.Spec(normalisations=["minmax:low=x"])
    with pytest.raises(EvaluationError, match="not key=value"):
        U.Spec(normalisations=["minmax:1,100"])
    with pytest.raises(EvaluationError, match="method"):
        U.Spec(normalisations=["nosuch"])


def test_an_uncertainty_option_geometric_over_z_scores_is_refused(sample_result):
    """The catalogue refuses a geometric mean over z-scores at load; the same
    combination drawn as uncertainty options is refused before any draw is kept."""
    spec = U.Spec(n=20, normalisations=["zscore:mean=0:sd=1"],
                  aggregations=["geometric"])  # fmt: skip
    with pytest.raises(EvaluationError, match="zscore:mean=0:sd=1 \\+ geometric.*"
                       "no meaning over scores below 0"):  # fmt: skip
        U.run(sample_result, spec)
    ok = U.Spec(n=20, normalisations=["minmax:low=1:high=100"],
                aggregations=["geometric"])  # fmt: skip
    drawn = U.run(sample_result, ok).scores  # zero_score cells may score a node 0
    assert np.isfinite(drawn).any() and np.nanmin(drawn) >= 0


# ---------------------------------------------------------------------- ASEM
def coinr_index(
    folder: Path, normalise, aggregate, *, treat=True, winmax=5
) -> pd.Series:
    """COINr's ASEM pipeline (SOURCE.md) with ``normalise(x, direction, target)``
    on each indicator column and ``aggregate(frame)`` (units × children) per node."""
    meta = pd.read_csv(folder / "iMeta.csv")
    data = pd.read_csv(folder / "iData.csv").set_index("uCode")
    ind = meta[meta["Type"] == "Indicator"].set_index("iCode")
    x = data[ind.index].astype(float)
    for code, den in ind["Denominator"].dropna().items():
        x[code] = x[code] / data[den]
    x = x.fillna(x.groupby(data["EurAsia_group"]).transform("mean"))
    x = x[x.notna().mean(axis=1) >= 0.9]
    if treat:
        x = x.apply(coinr_treat, winmax=winmax)
    level = pd.DataFrame(
        {c: normalise(x[c].to_numpy(), ind.loc[c, "Direction"], ind.loc[c, "Target"])
         for c in x.columns}, index=x.index)  # fmt: skip
    parent = meta.set_index("iCode")["Parent"]
    for _ in range(3):
        groups = level.columns.map(parent)
        level = pd.DataFrame(
            {g: aggregate(level.loc[:, groups == g]) for g in pd.unique(groups)}
        )
    return level["Index"]


def asem_catalogue(normalisation: dict, aggregation: str, *, treat=True) -> dict:
    raw = yaml.safe_load((ROOT / "examples/asem_coinr/indicators.yaml").read_text())
    meta = pd.read_csv(ROOT.parent / "shared/data/coinr_asem/iMeta.csv")
    target = meta.set_index(meta["iCode"].str.lower())["Target"]
    for item in raw["indicators"]:
        item["normalisation"] = normalisation
        if normalisation["method"] == "target":
            item["target"] = float(target[item["id"]])
    for item in raw["dimensions"]:
        item["aggregation"] = {"method": aggregation, "zero": "error"}
    raw["settings"]["aggregation"] = {"method": aggregation, "zero": "error"}
    if not treat:
        raw["settings"]["treatment"] = {"method": "none"}
    return raw


def asem_run(shared_data: Path, raw: dict) -> ev.Result:
    example = load_example("asem_coinr")
    with tempfile.TemporaryDirectory() as tmp:
        example.asem_dataset(shared_data, Path(tmp))
        return ev.run(ev.parse_catalogue(raw), ev.load_dataset(tmp), period="2018",
                      run_at="test")  # fmt: skip


def same_index(result: ev.Result, expected: pd.Series) -> None:
    ours = result.composite.set_index("unit_id")["composite_score"][expected.index]
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-9)
    ranks = result.ranks.set_index("unit_id")["rank"][expected.index]
    assert ranks.tolist() == list(rankdata(-expected.round(9), method="min"))


def gmean(frame: pd.DataFrame) -> pd.Series:
    return np.exp(np.log(frame).mean(axis=1))  # a_gmean, weights 1


def amean(frame: pd.DataFrame) -> pd.Series:
    return frame.mean(axis=1)  # a_amean, weights 1


@pytest.mark.shared_data
def test_asem_minmax_1_100_and_geometric_means_as_coinr_states_them(shared_data):
    raw = asem_catalogue({"method": "minmax", "low": 1, "high": 100}, "geometric")
    expected = coinr_index(
        shared_data / "coinr_asem", lambda x, d, t: n_minmax(x * d, (1, 100)), gmean
    )
    same_index(asem_run(shared_data, raw), expected)


@pytest.mark.shared_data
def test_asem_zscore_0_1_is_not_clipped(shared_data):
    raw = asem_catalogue({"method": "zscore", "mean": 0, "sd": 1}, "arithmetic")
    expected = coinr_index(
        shared_data / "coinr_asem", lambda x, d, t: n_zscore(x * d), amean
    )
    assert (expected < 0).sum() > 10  # half the index below 0: nothing clipped
    same_index(asem_run(shared_data, raw), expected)


@pytest.mark.shared_data
def test_asem_uncapped_distance_to_target(shared_data):
    raw = asem_catalogue({"method": "target", "cap": False, "scale": 1},
                         "arithmetic", treat=False)  # fmt: skip
    expected = coinr_index(
        shared_data / "coinr_asem",
        lambda x, d, t: n_dist2targ(x, t, direction=d),
        amean,
        treat=False,
    )
    result = asem_run(shared_data, raw)
    assert (result.normalised["score"] > 1).sum() > 0  # above the target: kept
    same_index(result, expected)


@pytest.mark.shared_data
def test_an_uncertainty_draw_of_minmax_1_100_and_geometric_is_coinrs(shared_data):
    """One assumption of COINr's uncertainty vignette, drawn with nominal weights:
    every draw is the index COINr computes for min-max [1, 100] + geometric."""
    result = asem_run(shared_data, asem_catalogue({"method": "minmax"}, "arithmetic"))
    spec = U.Spec(n=3, weight_noise=0.0, normalisations=["minmax:low=1:high=100"],
                  aggregations=["geometric"])  # fmt: skip
    u = U.run(result, spec)
    expected = coinr_index(
        shared_data / "coinr_asem", lambda x, d, t: n_minmax(x * d, (1, 100)), gmean
    )
    for draw in u.scores:
        np.testing.assert_allclose(
            pd.Series(draw, index=u.units)[expected.index], expected, atol=1e-9
        )
