"""A reason's numbers read as the published tables beside them: rounded half up.

``97.85`` is stored as 97.849999…, so Python's ``f"{x:.1f}"`` (and ``round``) give
97.8; every published table rounds the number as written, half up, to 97.9. A
绩效办 officer reading “规范性文件合法性审查率为97.8%” in a warning beside 97.9 in the
media CSV sees two figures for one value: the reason must say 97.9% too."""

from __future__ import annotations

import copy
import re

import numpy as np

import evaluation as ev
from evaluation.publish.export import media_table, round_half_up
from evaluation.risk import quality as Q
from evaluation.risk import rules as risk

from ..conftest import TINY, TINY_UNITS, write_dataset
from .test_quality import QUARTERS, checks, noisy, put
from .test_risk_rules import FIVE, catalogue, inputs


def _one_indicator_each(raw: dict) -> dict:
    """Two dimensions of one annual indicator each, its score its value (goalposts
    0–100): a1 a percentage under 甲, b1 in points under 乙."""
    a1, _, b1, _ = raw["indicators"]
    for ind in (a1, b1):
        ind.update(
            frequency="annual",
            rollup="last",
            normalisation={"method": "goalposts", "worst": 0, "best": 100},
        )
        ind.pop("target", None)
    a1.update(unit_zh="%", unit_en="%", risk={"yellow": 99})
    raw["indicators"] = [a1, b1]
    raw["risk"] = {
        "rules": [
            {"kind": "threshold", "node": "b", "yellow": 70},
            {"kind": "threshold", "node": "composite", "yellow": 90},
        ]
    }
    return raw


def test_a_warning_says_the_figure_the_media_csv_shows(tmp_path):
    cat = ev.parse_catalogue(_one_indicator_each(copy.deepcopy(TINY)))
    rows = [
        ("U1", "2025", "a1", "97.85"), ("U1", "2025", "b1", "65.35"),
        ("U2", "2025", "a1", "90.25"), ("U2", "2025", "b1", "80"),
        ("U3", "2025", "a1", "100"), ("U3", "2025", "b1", "90"),
    ]  # fmt: skip
    data = ev.load_dataset(write_dataset(tmp_path / "d", TINY_UNITS, rows))
    result = ev.run(cat, data, period="2025", run_at="2026-01-15T09:00:00+00:00")
    w = result.warnings.set_index(["unit_id", "node_id"])
    # by hand: an indicator's value to 1 decimal, 97.85 → 97.9, 90.25 → 90.3 (half
    # up); a score to 2, as published: 乙 65.35, the composite 0.6 · 97.85 + 0.4 ·
    # 65.35 = 84.85 and 0.6 · 90.25 + 0.4 · 80 = 86.15 (84.9 and 86.2 before)
    assert w.loc[("U1", "a1"), "reason_zh"] == "a1指标为97.9%，低于黄色预警线（99%）"
    assert w.loc[("U2", "a1"), "reason_zh"] == "a1指标为90.3%，低于黄色预警线（99%）"
    assert w.loc[("U1", "b"), "reason_zh"] == "乙为65.35分，低于黄色预警线（70分）"
    assert w.loc[("U1", "a1"), "reason_en"].startswith("Indicator a1 97.9% ")
    assert w.loc[("U1", "b"), "reason_en"].startswith("B 65.35 points at or below")
    said = w.xs("composite", level="node_id")["reason_zh"].to_dict()
    assert said == {
        "U1": "综合得分为84.85分，低于黄色预警线（90分）",
        "U2": "综合得分为86.15分，低于黄色预警线（90分）",
    }
    # the same figures in the media CSV: the scores as it publishes them, and an
    # indicator's at its 1 decimal (甲's score is a1's value)
    media = media_table(result, "2025", lang="zh").set_index("单位")
    assert media.loc[["一局", "二局"], "综合得分"].tolist() == ["84.85", "86.15"]
    assert media.loc["一局", "乙"] == "65.35"
    media = media_table(result, "2025", lang="zh", decimals=1).set_index("单位")
    assert media.loc["一局", "甲"] == "97.9"
    assert media.loc["二局", "甲"] == "90.3"


def test_a_score_beside_its_limit_reads_as_the_tables_print_it(tiny_raw):
    """64.996 is published 65.00 (2 decimals, half up) in every table: the reason
    says 65.00 too, at the orange line it reads as (达到), not a 64.996 no table
    shows; still orange (64.996 ≤ 65: the rule compares the unrounded score).
    64.99 reads as published, below the line; 64.9996 reads 65.00 like 64.996; a
    composite a hair off 65 by float noise (64.99999999999999) is at the line."""
    cat = catalogue(tiny_raw, {"kind": "threshold", "node": "composite",
                               "yellow": 70, "orange": 65})  # fmt: skip
    values = [
        ("2025-Q4", "U1", "composite", 64.996),
        ("2025-Q4", "U2", "composite", 64.99),
        ("2025-Q4", "U3", "composite", 64.9996),
        ("2025-Q4", "U4", "composite", 64.99999999999999),
    ]
    found = risk.evaluate(inputs(values), cat).set_index("unit_id")
    assert found["level"].to_dict() == dict.fromkeys(["U1", "U2", "U3", "U4"], "orange")
    assert found["reason_zh"].to_dict() == {
        "U1": "综合得分为65.00分，达到橙色预警线（65分）",
        "U2": "综合得分为64.99分，低于橙色预警线（65分）",
        "U3": "综合得分为65.00分，达到橙色预警线（65分）",
        "U4": "综合得分为65.00分，达到橙色预警线（65分）",
    }
    # the English reason writes the same figures
    assert found["reason_en"].to_dict() == {
        "U1": "Composite score 65.00 points at or below the orange threshold 65 points",
        "U2": "Composite score 64.99 points at or below the orange threshold 65 points",
        "U3": "Composite score 65.00 points at or below the orange threshold 65 points",
        "U4": "Composite score 65.00 points at or below the orange threshold 65 points",
    }
    # the figure the tables print (export's rounding, half up to 2 decimals)
    assert round_half_up([64.996, 64.9996]) == ["65.00", "65.00"]


def test_an_indicator_beside_its_line_keeps_the_decimals_its_table_shows(tiny_raw):
    """An indicator's value is not a published score: the profile's table writes
    89.96% beside a line of 90% (vocabulary.apart), and its reason says the same,
    below the line, not 90.0%."""
    tiny_raw["indicators"][0].update(unit_zh="%", unit_en="%", risk={"yellow": 90})
    cat = ev.parse_catalogue(tiny_raw)
    found = risk.evaluate(inputs([("2025-Q4", "U1", "a1", 89.96)]), cat)
    assert found["reason_zh"].tolist() == ["a1指标为89.96%，低于黄色预警线（90%）"]


def test_the_gap_to_the_peers_median_is_that_of_the_figures_shown(tiny_raw):
    """Five peers 62.834, 70, 75.556, 80, 85: median 75.556, MAD 5.556 (the median
    of 12.722, 5.556, 0, 4.444, 9.444), U1's z (62.834 − 75.556) / 5.556 = −2.29,
    orange. Its reason reads 62.83 against 75.56, 12.73 apart (their difference;
    the unrounded 12.722 would read 12.72), about 2.29 typical gaps of 5.56."""
    rule = {"kind": "peer", "node": "composite", "method": "robust_z"}
    cat = catalogue(tiny_raw, {**rule, "orange": -1.5, "red": -3})
    values = [
        ("2025-Q4", u, "composite", v)
        for u, v in zip(FIVE["unit_id"], [62.834, 70, 75.556, 80, 85], strict=True)
    ]
    w = risk.evaluate(inputs(values), cat).set_index("unit_id")
    assert w["reason_zh"].to_dict() == {
        "U1": "综合得分为62.83分，明显低于同类单位中位数75.56分（相差12.73分，"
        "约为同类典型差距5.56分的2.29倍），橙色预警"
    }
    assert w.at["U1", "reason_en"] == (
        "Composite score 62.83 points, 12.73 points below the peer median "
        "75.56 points, about 2.29 typical gaps of 5.56 points (more than 1.5): orange"
    )


def test_the_peers_median_quoted_is_that_of_the_published_scores(tiny_raw):
    """Four peers 40, 77.396, 78.046, 90, published 40.00, 77.40, 78.05, 90.00. A
    journalist's median of the published scores is (77.40 + 78.05) / 2 = 77.725,
    77.73 half up; the unrounded median (77.396 + 78.046) / 2 = 77.721 would read
    77.72. The rule still grades the unrounded values: MAD the median of 37.721,
    0.325, 0.325, 12.279 = (0.325 + 12.279) / 2 = 6.302, U1's z −37.721 / 6.302 =
    −5.99, red; the gap is that of the figures shown, 77.73 − 40.00 = 37.73,
    about 5.99 typical gaps of 6.30."""
    rule = {"kind": "peer", "node": "composite", "method": "robust_z"}
    cat = catalogue(tiny_raw, {**rule, "orange": -1.5, "red": -3})
    four = FIVE.head(4)
    values = [
        ("2025-Q4", u, "composite", v)
        for u, v in zip(four["unit_id"], [40, 77.396, 78.046, 90], strict=True)
    ]
    w = risk.evaluate(inputs(values, units=four), cat).set_index("unit_id")
    assert w["level"].to_dict() == {"U1": "red"}
    assert w.at["U1", "reason_zh"] == (
        "综合得分为40.00分，远低于同类单位中位数77.73分（相差37.73分，"
        "约为同类典型差距6.30分的5.99倍），红色预警"
    )
    assert w.at["U1", "reason_en"] == (
        "Composite score 40.00 points, 37.73 points below the peer median "
        "77.73 points, about 5.99 typical gaps of 6.30 points (more than 3): red"
    )


def test_a_flag_says_the_usual_value_to_the_decimals_of_the_value(tiny_raw):
    """“79.9%，本单位通常为98.85%” mixes precisions: the unit's usual value (the
    median of its 98.8s and 98.9s, 98.85) reads 98.9%, to the one decimal of the
    value beside it, rounded half up."""
    for ind in tiny_raw["indicators"]:
        ind["frequency"] = "quarterly"
    tiny_raw["indicators"][0].update(unit_zh="%", unit_en="%")
    cat = ev.parse_catalogue(tiny_raw)
    obs = noisy(centre=95.0, sd=1.0)
    own = {p: 98.8 if i % 2 else 98.9 for i, p in enumerate(QUARTERS)}
    obs = put(obs, "U4", "a1", {**own, "2023-Q2": 79.9})
    jump = checks(Q.flags(obs, cat), "jump")
    assert jump[["unit_id", "period"]].values.tolist() == [["U4", "2023-Q2"]]
    zh, en = jump["reason_zh"].item(), jump["reason_en"].item()
    assert zh.startswith(
        "a1指标为79.9%，本单位通常为98.9%，与本单位以往水平相比异常偏低"
    )
    assert "79.9% against the unit's usual 98.9%" in en
    # each number of the reason to one decimal, as the value is
    assert re.findall(r"\d+\.\d+(?=%)", zh) == ["79.9", "98.9"]


def test_two_figures_of_a_reason_never_read_equal_when_they_differ():
    """A series reported in whole percent (step 1, finest 0.1): a median of 84.5
    before one of 85 would read 85% and 85% at the after's 0 decimals; it keeps
    its own 1 decimal. A usual 98.85 beside 79.9 takes the value's 1 decimal and
    rounds half up: 98.9."""
    from types import SimpleNamespace

    from evaluation.risk.quality.reports import number

    cube = SimpleNamespace(step=np.array([1.0, 0.1]), finest=np.array([0.1, 0.01]))
    assert number(cube, 0, 85.0) == "85"
    assert number(cube, 0, 84.5, like=85.0) == "84.5"
    assert number(cube, 1, 98.85, like=79.9) == "98.9"
