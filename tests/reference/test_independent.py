"""Our numbers against independent implementations and published results.

* min-max normalisation vs scikit-learn's ``minmax_scale``;
* weighted arithmetic aggregation vs scikit-criteria's ``WeightedSumModel``
  (and its published test case, ``oracles/wsm_skc_simple.json``);
* ranks vs ``scipy.stats.rankdata(method="min")``;
* COINr's ASEM index (51 countries, 49 indicators, 4 levels, 63 missing cells)
  expressed as a catalogue, vs scikit-learn + pandas re-implementing COINr's
  min-max → arithmetic mean over non-missing children;
* UNDP HDI 2021: goalposts and the education mean reproduce the published HDI of
  191 countries (with the geometric mean done here), and published ranks
  (ties share the best rank) match ``rank_units``.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import rankdata
from sklearn.preprocessing import minmax_scale

import evaluation as ev
from evaluation.scoring.rank import rank_units

pytestmark = pytest.mark.shared_data


def one_level_catalogue(
    ids, directions, weights, methods=None, *, min_coverage=0.5, valid=(-1e12, 1e12)
):
    methods = methods or [{"method": "minmax"}] * len(ids)
    return ev.parse_catalogue(
        {
            "id": "ref",
            "version": "1",
            "name_zh": "参照",
            "name_en": "Reference",
            "settings": {"min_coverage": min_coverage},
            "agencies": [{"id": "src", "name_zh": "来源", "name_en": "Source"}],
            "peer_groups": [{"id": "all", "name_zh": "全部", "name_en": "All"}],
            "dimensions": [
                {"id": "index", "name_zh": "指数", "name_en": "Index", "weight": 1}
            ],
            "indicators": [
                {
                    "id": i,
                    "parent": "index",
                    "name_zh": i,
                    "name_en": i,
                    "definition_zh": i,
                    "definition_en": i,
                    "unit_zh": "-",
                    "unit_en": "-",
                    "direction": d,
                    "agency": "src",
                    "frequency": "annual",
                    "rollup": "last",
                    "weight": w,
                    "normalisation": m,
                    "valid": {"min": valid[0], "max": valid[1]},
                }
                for i, d, w, m in zip(ids, directions, weights, methods, strict=True)
            ],
        }
    )


def score_matrix(catalogue, matrix: pd.DataFrame, groups=None) -> dict:
    units = pd.DataFrame(
        {
            "unit_id": matrix.index,
            "name_zh": matrix.index,
            "name_en": matrix.index,
            "peer_group": groups or "all",
            "level": "department",
            "parent_id": None,
        }
    )
    long = (
        matrix.rename_axis(index="unit_id", columns="indicator_id")
        .stack(future_stack=True)
        .rename("value")
        .reset_index()
        .assign(period="2018")
    )
    return ev.score(long, units, catalogue, period="2018")


def test_minmax_matches_sklearn_on_hdi_life_expectancy(shared_data):
    hdi = pd.read_csv(
        shared_data
        / "undp_hdi_2021"
        / "HDR21-22_Composite_indices_complete_time_series.csv"
    )
    data = hdi.set_index("iso3")[["le_2021", "mys_2021"]].dropna()
    data.columns = ["le", "mys"]
    cat = one_level_catalogue(["le", "mys"], ["higher", "lower"], [1, 1])
    out = score_matrix(cat, data)
    ours = out["normalised"].pivot(
        index="unit_id", columns="indicator_id", values="score"
    )
    expected_le = 100 * minmax_scale(data["le"].to_numpy())
    expected_mys = 100 * (1 - minmax_scale(data["mys"].to_numpy()))  # lower is better
    np.testing.assert_allclose(ours.loc[data.index, "le"], expected_le, atol=1e-9)
    np.testing.assert_allclose(ours.loc[data.index, "mys"], expected_mys, atol=1e-9)


def test_weighted_sum_matches_scikit_criteria():
    from skcriteria import mkdm
    from skcriteria.agg.simple import WeightedSumModel

    rng = np.random.default_rng(7)
    values = rng.uniform(0, 100, size=(12, 4)).round(3)
    weights = np.array([0.4, 0.3, 0.2, 0.1])
    ids = ["c1", "c2", "c3", "c4"]
    goal = [{"method": "goalposts", "worst": 0, "best": 100}] * 4  # score = value
    cat = one_level_catalogue(ids, ["higher"] * 4, list(weights), goal, valid=(0, 100))
    matrix = pd.DataFrame(values, index=[f"U{i:02d}" for i in range(12)], columns=ids)
    ours = score_matrix(cat, matrix)["composite"].set_index("unit_id")[
        "composite_score"
    ]
    dm = mkdm(values, objectives=[max] * 4, weights=weights)
    rank = WeightedSumModel().evaluate(dm)
    np.testing.assert_allclose(ours.to_numpy(), rank.e_.score, atol=1e-9)
    assert list(rankdata(-ours.to_numpy(), method="min")) == list(rank.rank_)


def test_published_skcriteria_weighted_sum_case(shared_data):
    case = json.loads((shared_data / "oracles" / "wsm_skc_simple.json").read_text())
    values = np.array(case["inputs"]["matrix"], dtype=float)
    weights = case["inputs"]["weights"]
    ids = [f"c{j}" for j in range(values.shape[1])]
    goal = [{"method": "goalposts", "worst": 0, "best": 100}] * len(ids)
    cat = one_level_catalogue(ids, ["higher"] * len(ids), weights, goal, valid=(0, 100))
    matrix = pd.DataFrame(values, index=["A0", "A1"], columns=ids)
    out = score_matrix(cat, matrix)
    comp = out["composite"].set_index("unit_id")["composite_score"]
    # our composite is the weighted *mean*; the case's score is the weighted sum
    np.testing.assert_allclose(
        comp.to_numpy() * sum(weights),
        case["expected"]["score"],
        atol=case["tolerance"] + 1e-12,
    )
    assert out["ranks"]["rank"].tolist() == case["expected"]["rank"]


def test_ranks_match_scipy_min_method_with_ties():
    scores = pd.Series(
        [70.0, 85.5, 70.0, 90.0, 85.5, 10.0, 0.1 + 0.2, 0.3],
        index=pd.MultiIndex.from_product(
            [["2025"], [f"U{i}" for i in range(8)]], names=["period", "unit_id"]
        ),
    )
    ours = rank_units(scores).to_numpy(dtype=int)
    theirs = rankdata(-scores.round(9).to_numpy(), method="min")
    assert ours.tolist() == theirs.tolist() == [4, 2, 4, 1, 2, 6, 7, 7]


def test_hdi_2021_published_ranks_share_the_best_rank(shared_data):
    rows = json.loads(
        (shared_data / "undp_hdi_2021" / "oracle_hdi_2021.json").read_text()
    )["rows"]
    frame = pd.DataFrame(rows)
    scores = pd.Series(
        frame["expected_hdi"].to_numpy(),
        index=pd.MultiIndex.from_arrays(
            [["2021"] * len(frame), frame["iso3"]], names=["period", "unit_id"]
        ),
    )
    ranks = rank_units(scores)
    assert (ranks.to_numpy(dtype=int) == frame["expected_rank"].to_numpy()).all()
    assert frame["expected_rank"].duplicated().any()  # the case does contain ties


def test_hdi_2021_goalposts_reproduce_published_hdi(shared_data):
    """Goalposts + the education mean are ours; the geometric mean is done here."""
    rows = pd.DataFrame(
        json.loads(
            (shared_data / "undp_hdi_2021" / "oracle_hdi_2021.json").read_text()
        )["rows"]
    ).set_index("iso3")
    matrix = pd.DataFrame(
        {
            "le": rows["le"],
            "eys": rows["eys"],
            "mys": rows["mys"],
            "lngni": np.log(rows["gnipc"]),
        }
    )
    base = one_level_catalogue(list(matrix.columns), ["higher"] * 4, [1] * 4)
    raw = base.model_dump(mode="json")
    raw["dimensions"] = [
        {"id": d, "name_zh": d, "name_en": d, "weight": 1}
        for d in ("health", "education", "income")
    ]
    posts = {
        "le": (20, 85, "health"),
        "eys": (0, 18, "education"),
        "mys": (0, 15, "education"),
        "lngni": (np.log(100), np.log(75000), "income"),
    }
    for ind in raw["indicators"]:
        worst, best, parent = posts[ind["id"]]
        ind.update(
            parent=parent,
            normalisation={"method": "goalposts", "worst": worst, "best": best},
        )
    out = score_matrix(ev.parse_catalogue(raw), matrix)
    dims = out["scores"].pivot(index="unit_id", columns="node_id", values="score") / 100
    hdi = (dims["health"] * dims["education"] * dims["income"]) ** (1 / 3)
    published = rows["expected_hdi"]
    assert np.abs(hdi[published.index] - published).max() <= 0.0005 + 1e-12


def test_coinr_asem_four_level_index(shared_data):
    """COINr's ASEM example: our catalogue holds its 4 levels; scores match an
    independent sklearn + pandas implementation of min-max → arithmetic mean over
    the non-missing children (COINr's n_minmax and a_amean)."""
    folder = shared_data / "coinr_asem"
    meta = pd.read_csv(folder / "iMeta.csv")
    data = pd.read_csv(folder / "iData.csv").set_index("uCode")
    ind = meta[meta["Type"] == "Indicator"]
    agg = meta[(meta["Type"] == "Aggregate") & meta["Parent"].notna()]
    low = str.lower
    raw = {
        "id": "asem",
        "version": "COINr 1.1.14",
        "name_zh": "亚欧可持续互联互通",
        "name_en": "ASEM Sustainable Connectivity",
        "settings": {"min_coverage": 1e-9},  # COINr: any non-missing child counts
        "agencies": [
            {"id": "coinr", "name_zh": "联合研究中心", "name_en": "JRC COINr"}
        ],
        "peer_groups": [
            {"id": "europe", "name_zh": "欧洲", "name_en": "Europe"},
            {"id": "asia", "name_zh": "亚洲", "name_en": "Asia"},
        ],
        "dimensions": [
            {
                "id": low(r.iCode),
                "name_zh": r.iName,
                "name_en": r.iName,
                "weight": float(r.Weight),
                **({"parent": low(r.Parent)} if r.Parent != "Index" else {}),
            }
            for r in agg.itertuples()
        ],
        "indicators": [
            {
                "id": low(r.iCode),
                "parent": low(r.Parent),
                "name_zh": r.iName,
                "name_en": r.iName,
                "definition_zh": r.iName,
                "definition_en": r.iName,
                "unit_zh": str(r.Unit),
                "unit_en": str(r.Unit),
                "direction": "higher" if r.Direction > 0 else "lower",
                "agency": "coinr",
                "frequency": "annual",
                "rollup": "last",
                "weight": float(r.Weight),
                "normalisation": {"method": "minmax"},
                "valid": {"min": -1e12, "max": 1e12},
            }
            for r in ind.itertuples()
        ],
    }
    catalogue = ev.parse_catalogue(raw)
    assert catalogue.nodes["depth"].max() == 3 and len(catalogue.indicators) == 49
    matrix = data[list(ind["iCode"])].set_axis([low(c) for c in ind["iCode"]], axis=1)
    groups = data["EurAsia_group"].str.lower().tolist()
    out = score_matrix(catalogue, matrix, groups)
    ours = out["composite"].set_index("unit_id")["composite_score"]

    # independent: sklearn per column, pandas group means level by level
    signed = matrix * ind.set_index(ind["iCode"].str.lower())["Direction"]
    norm = pd.DataFrame(
        100 * minmax_scale(signed), index=signed.index, columns=signed.columns
    )
    parent = dict(
        zip(
            meta["iCode"].str.lower(),
            meta["Parent"].fillna("").str.lower(),
            strict=True,
        )
    )
    level = norm
    for _ in range(3):  # indicators → pillars → sub-indices → index
        level = level.T.groupby(level.columns.map(parent)).mean().T
    expected = level["index"]
    np.testing.assert_allclose(ours[expected.index], expected, atol=1e-9)
    expected_rank = rankdata(-expected.round(9).to_numpy(), method="min")
    ranks = out["ranks"].set_index("unit_id")["rank"]
    assert ranks[expected.index].tolist() == expected_rank.tolist()
