"""量纲/单位错误: an agency's whole submission of a series sent in the wrong unit
(the ``scale`` check), planted in copies of the shipped sample; the numbers in the
reasons worked out here with pandas."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import evaluation as ev
from evaluation.risk import quality as Q

from ..conftest import ROOT

SAMPLE = ROOT / "data" / "sample"
PERCENT = ["commitment_reply_rate", "hotline_response_rate", "service_good_rating_rate"]


@pytest.fixture(scope="module")
def catalogue():
    return ev.load_catalogue(ROOT / "indicators.yaml")


@pytest.fixture(scope="module")
def sample(catalogue) -> pd.DataFrame:
    return ev.validate_dataset(ev.load_dataset(SAMPLE), catalogue).observations


def scale_flags(obs, catalogue) -> pd.DataFrame:
    f = Q.flags(obs, catalogue, period="2025-M12")
    return f[f["check"] == "scale"]


def times(obs, series, period, factor) -> pd.DataFrame:
    """Every unit's report of ``series`` for ``period`` multiplied by ``factor``."""
    obs = obs.copy()
    at = obs["indicator_id"].isin(series) & (obs["period"] == period)
    obs.loc[at, "value"] = obs.loc[at, "value"] * factor
    return obs


def test_the_sample_has_no_unit_slip(sample, catalogue):
    assert scale_flags(sample, catalogue).empty


def test_a_december_submission_sent_as_fractions_is_flagged_on_every_unit(
    tmp_path, sample, catalogue
):
    """The reviewer's case: the service centre sends December with every value
    divided by 100 (0.953 for 95.3 %). It passes validation (within 0–100); each
    unit's report of each percentage is flagged, nothing else is, and the count it
    sends (ratings, 件) is not a series a unit slip is judged on."""
    copy = tmp_path / "sample"
    shutil.copytree(SAMPLE, copy)
    path = copy / "observations" / "service_centre.csv"
    rows = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    december = (rows["period"] == "2025-M12") & (rows["value"] != "")
    rows.loc[december, "value"] = [
        f"{float(v) / 100:.6g}" for v in rows.loc[december, "value"]
    ]
    rows.to_csv(path, index=False, encoding="utf-8-sig")
    obs = ev.validate_dataset(ev.load_dataset(copy), catalogue).observations

    f = scale_flags(obs, catalogue)
    sent = sample[
        sample["indicator_id"].isin(PERCENT)
        & (sample["period"] == "2025-M12")
        & sample["value"].notna()
    ]
    assert len(sent) > 140  # 50 units, a few empty cells
    assert set(zip(f["unit_id"], f["indicator_id"], f["period"], strict=True)) == set(
        zip(sent["unit_id"], sent["indicator_id"], sent["period"], strict=True)
    )
    assert len(f) == len(sent)
    assert set(f["agency"]) == {"service_centre"}
    assert "scale/D01/commitment_reply_rate/2025-M12" in set(f["flag_id"])

    # the numbers in the reason: December's median over the units, and the median
    # of the earlier months' medians
    one = sample[sample["indicator_id"] == "commitment_reply_rate"]
    monthly = one.groupby("period")["value"].median()
    now = one.loc[one["period"] == "2025-M12", "value"].median() / 100
    before = monthly.drop("2025-M12").median()
    d01 = f.set_index(["unit_id", "indicator_id"]).loc[("D01", "commitment_reply_rate")]
    reported = one.set_index("unit_id").loc["D01"].query("period == '2025-M12'")
    assert d01["value"] == pytest.approx(reported["value"].iloc[0] / 100)
    assert (
        f"本期各单位中位数{now:.3g}，此前为{before:.3g}，相差约100倍"
        in (d01["reason_zh"])
    )
    assert "疑似按小数而非百分数报送" in d01["reason_zh"]
    assert d01["reason_zh"].startswith("市政务服务中心报送的2025年12月")
    assert "about 100 times lower" in d01["reason_en"]
    assert d01["statistic"] == pytest.approx(-2, abs=0.05)


def test_an_amount_in_wan_yuan_is_flagged_and_a_few_right_units_are_not(
    sample, catalogue
):
    """The finance bureau sends 2025-Q4's cost per item (元/件) in 万元 for every
    unit but D01–D05 (÷ 10,000): the median moves, the 5 right units are not
    flagged, the others that sent a value are."""
    obs = sample.copy()
    at = (obs["indicator_id"] == "cost_per_service_item") & (obs["period"] == "2025-Q4")
    wrong = at & ~obs["unit_id"].isin([f"D0{i}" for i in range(1, 6)])
    obs.loc[wrong, "value"] = obs.loc[wrong, "value"] / 10_000
    f = scale_flags(obs, catalogue)
    expected = set(obs.loc[wrong & obs["value"].notna(), "unit_id"])
    assert len(expected) > 40
    assert set(f["unit_id"]) == expected
    assert set(f["indicator_id"]) == {"cost_per_service_item"}
    assert set(f["period"]) == {"2025-Q4"}
    assert f["reason_zh"].str.contains("相差约1万倍，疑似元与万元混用").all()


@pytest.mark.parametrize(
    ("series", "period", "factor"),
    [
        (["cost_per_service_item"], "2025-Q4", 1.3),
        (["decisions_overturned_rate"], "2025-Q4", 1.3),
        (PERCENT, "2025-M12", 0.7),
        (["cost_per_service_item"], "2025-Q4", 0.3),  # past half: still no slip
    ],
)
def test_a_common_shock_is_no_unit_slip(sample, catalogue, series, period, factor):
    """Every unit's report moved alike by a factor far from a power of ten."""
    assert scale_flags(times(sample, series, period, factor), catalogue).empty


def test_a_count_divided_by_100_is_not_judged(sample, catalogue):
    """Counts (件) have no unit to slip between here: the check leaves them."""
    obs = times(sample, ["service_ratings_count"], "2025-M12", 0.01)
    assert scale_flags(obs, catalogue).empty


def test_slip_kinds_follow_the_catalogues_unit():
    from evaluation.risk.quality.scales import slip_kind

    assert slip_kind("%", "%") == "percent"
    assert slip_kind("百分比", "Percent") == "percent"
    assert slip_kind("元/件", "yuan per item") == "money"
    assert slip_kind("万元", "10,000 yuan") == "money"
    assert slip_kind("件", "items") is None
    assert slip_kind("分", "points") is None
