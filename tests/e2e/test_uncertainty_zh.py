"""`evaluation uncertainty --out … --sobol …` as a Chinese analyst gets it: the rank
intervals and the Sobol indices headed in Chinese, units and factors by name (the
weights of 行政效率 …), the factor's code kept in its own column; `--lang en` the
analysis's own columns. Expected names come from units.csv and indicators.yaml."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from evaluation.cli import app

from ..conftest import ROOT, half_up

runner = CliRunner()
ARGS = ["--draws", "20", "--sobol", "8", "--normalisations", "catalogue,minmax"]
INTERVALS = [
    "单位", "名次", "平均名次", "名次中位数", "名次区间下限（5%）",
    "名次区间上限（95%）",
    "综合得分区间下限（5%）", "综合得分区间上限（95%）", "同类型单位中名次",
    "同类型单位中名次区间下限（5%）", "同类型单位中名次区间上限（95%）", "单位代码",
]  # fmt: skip
SOBOL = [
    "因素", "一阶敏感度指数（S1）", "一阶敏感度指数区间下限", "一阶敏感度指数区间上限",
    "一阶敏感度指数区间半宽", "总敏感度指数（ST）", "总敏感度指数区间下限",
    "总敏感度指数区间上限", "总敏感度指数区间半宽", "估计方法", "区间", "因素代码",
]  # fmt: skip


def invoke(*args):
    done = runner.invoke(app, [str(a) for a in args])
    assert done.exit_code == 0, done.output
    return done.output


@pytest.fixture(scope="module")
def both(q4_result, tmp_path_factory):
    """The same draws (seed 0) written in Chinese and in English."""
    tmp = tmp_path_factory.mktemp("uncertainty")
    said = {
        "zh": invoke("uncertainty", q4_result, "--out", tmp / "区间.csv", *ARGS),
        "en": invoke(
            "uncertainty", q4_result, "--out", tmp / "en.csv", *ARGS, "--lang", "en"
        ),
    }
    read = lambda name: pd.read_csv(tmp / name, encoding="utf-8-sig")  # noqa: E731
    return said, {
        "zh": (read("区间.csv"), read("区间_sobol.csv")),
        "en": (read("en.csv"), read("en_sobol.csv")),
    }


def level_one() -> list[tuple[str, str]]:
    """The catalogue's level-1 dimensions ``(id, name_zh)``, read from the file."""
    raw = yaml.safe_load((ROOT / "indicators.yaml").read_text(encoding="utf-8"))
    return [(d["id"], d["name_zh"]) for d in raw["dimensions"] if not d.get("parent")]


def rounded(value, places: int) -> float:
    return float(half_up(value, places))


def test_the_rank_intervals_name_the_units_in_chinese(both):
    _, tables = both
    zh, en = tables["zh"][0], tables["en"][0]
    assert list(zh.columns) == INTERVALS
    units = pd.read_csv(ROOT / "data" / "sample" / "units.csv", encoding="utf-8-sig")
    names = dict(zip(units["unit_id"], units["name_zh"], strict=True))
    assert zh["单位"].tolist() == [names[u] for u in zh["单位代码"]]
    assert "市生态环境局" in set(zh["单位"])  # D07
    # the same draws: ranks to 1 decimal and scores to 2, rounded half up
    en = en.set_index("unit_id").loc[zh["单位代码"]]
    assert zh["名次"].tolist() == en["nominal_rank"].astype(int).tolist()
    for zh_col, en_col, places in [
        ("平均名次", "mean_rank", 1), ("名次区间下限（5%）", "rank_q05", 1),
        ("名次区间上限（95%）", "rank_q95", 1),
        ("综合得分区间下限（5%）", "score_q05", 2),
    ]:  # fmt: skip
        assert zh[zh_col].tolist() == [rounded(v, places) for v in en[en_col]], zh_col


def test_the_english_files_keep_the_analysis_columns(both):
    _, tables = both
    intervals, sobol = tables["en"]
    assert list(intervals.columns[:8]) == [
        "unit_id", "nominal_rank", "mean_rank", "median_rank", "rank_q05",
        "rank_q95", "score_q05", "score_q95",
    ]  # fmt: skip
    assert list(sobol.columns) == [
        "factor", "S1", "S1_conf", "S1_low", "S1_high",
        "ST", "ST_conf", "ST_low", "ST_high", "estimator", "interval",
    ]  # fmt: skip
    assert sobol["factor"].iloc[0] == "w:efficiency"


def test_the_sobol_factors_are_the_weights_of_each_dimension_by_name(both):
    """An expert reads: the weight of 行政效率 …, then the normalisation; the
    indices the same numbers as the English file's (to 4 decimals)."""
    said, tables = both
    zh, en = tables["zh"][1], tables["en"][1]
    assert list(zh.columns) == SOBOL
    dims = level_one()
    assert zh["因素"].tolist() == [f"{name}的权重" for _, name in dims] + ["标准化方法"]
    assert zh["因素代码"].tolist() == [f"w:{i}" for i, _ in dims] + ["normalisation"]
    assert set(zh["估计方法"]) == {"输出按总方差标准化的估计"}
    assert set(zh["区间"]) == {"95%置信区间（正态近似）"}
    for zh_col, en_col in [("一阶敏感度指数（S1）", "S1"), ("总敏感度指数（ST）", "ST"),
                           ("总敏感度指数区间上限", "ST_high")]:  # fmt: skip
        assert zh[zh_col].to_numpy() == pytest.approx(en[en_col].to_numpy(), abs=5e-5)
    # printed: the factors by name, the indices, the estimator once; no code
    printed = said["zh"]
    assert "行政效率的权重" in printed and "一阶敏感度指数（S1）" in printed
    method = (
        "敏感度指数的估计方法：输出按总方差标准化的估计；区间：95%置信区间（正态近似）"
    )
    assert method in printed
    assert "w:efficiency" not in printed and "salib" not in printed
    assert "w:efficiency" in said["en"] and "salib" in said["en"]
