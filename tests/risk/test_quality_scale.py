"""量纲/单位错误: an agency's whole submission of a series sent in the wrong unit
(the ``scale`` check), planted in copies of the shipped sample; the numbers in the
reasons worked out here with pandas."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.errors import ValidationFailed
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
    divided by 100 (0.953 for 95.3 %). The count it sends (ratings, 件) comes out a
    fraction (41.74 ratings), which validation refuses (a count is whole); with the
    count sent right, the rest passes validation (within 0–100), each unit's report
    of each percentage is flagged, and nothing else is."""
    copy = tmp_path / "sample"
    shutil.copytree(SAMPLE, copy)
    path = copy / "observations" / "service_centre.csv"
    rows = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    december = (rows["period"] == "2025-M12") & (rows["value"] != "")
    sent_right = rows["value"].copy()
    rows.loc[december, "value"] = [
        f"{float(v) / 100:.6g}" for v in rows.loc[december, "value"]
    ]
    rows.to_csv(path, index=False, encoding="utf-8-sig")
    with pytest.raises(ValidationFailed) as refused:
        ev.validate_dataset(ev.load_dataset(copy), catalogue)
    report = refused.value.report
    assert set(report["rule"].str.split(":").str[0]) == {
        "whole_number[service_ratings_count]"
    }
    counted = rows["indicator_id"] == "service_ratings_count"
    rows.loc[counted, "value"] = sent_right[counted]
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


# A hand-made quarter-by-quarter percentage, one decimal (a1, "%"), 2023-Q1…2025-Q4,
# with one slipped submission: in 2025-Q2 the office sends every unit's rate as a
# fraction (85.3 % as 0.853). U2–U6 vary around their own level by OFFSETS (tenths
# never 0 or 5: no report a multiple of 0.5); U1's rate is a whole number every
# other quarter (81, 80.3, 83 …), never four quarters in a row.
QUARTERS = [f"{y}-Q{q}" for y in (2023, 2024, 2025) for q in (1, 2, 3, 4)]
OFFSETS = [0.3, -1.2, 0.7, 1.9, -0.4, 0.2, -1.7, 1.1, 0.6, -0.8, 1.4, -0.1]
LEVELS = {"U2": 84, "U3": 87, "U4": 90, "U5": 92, "U6": 88}
U1 = [81, 80.3, 83, 79.6, 82, 80.7, 84, 79.8, 81, 80.4, 83, 80.9]
SLIPPED = "2025-Q2"  # (the 10th quarter)


@pytest.fixture
def percent_catalogue(tiny_raw):
    """The tiny catalogue with a1 reported quarterly in %."""
    for ind in tiny_raw["indicators"]:
        ind["frequency"] = "quarterly"
    tiny_raw["indicators"][0].update(unit_zh="%", unit_en="%")
    return ev.parse_catalogue(tiny_raw)


def slipped_quarter(u6: list[float] | None = None) -> pd.DataFrame:
    """The table above (``u6``: U6's own reports instead), 2025-Q2 ÷ 100."""
    own = {u: [round(lv + OFFSETS[(t + 3 * i) % 12], 1) for t in range(12)]
           for i, (u, lv) in enumerate(LEVELS.items())}  # fmt: skip
    own["U1"] = U1
    if u6 is not None:
        own["U6"] = u6
    rows = [
        (u, p, "a1", round(x[t] / 100, 3) if p == SLIPPED else x[t])
        for u, x in sorted(own.items())
        for t, p in enumerate(QUARTERS)
    ]
    return pd.DataFrame(rows, columns=["unit_id", "period", "indicator_id", "value"])


def test_a_slipped_quarter_is_flagged_and_the_correct_quarters_are_not_rounded(
    percent_catalogue,
):
    """The data-quality officer's case: the office's 2025-Q2 submission is
    flagged (``scale``) on each of the six units, with the fraction it sent; the
    correct quarters, all in 0.1 %, are not ``rounded``: no unit has four reports
    in a row that are multiples of 0.5 (U1's whole numbers alternate with
    tenths). The slip must not make 0.001 the series' step, where every correct
    report would be a multiple of 100 steps and U1's whole numbers a run."""
    obs = slipped_quarter()
    f = Q.flags(obs, percent_catalogue)
    scale = f[f["check"] == "scale"]
    # the fractions sent in 2025-Q2 (quarter 9, offset 9 + 3i of unit i of U2–U6),
    # by hand: U1 80.4; U2 84 - 0.8, U3 87 + 0.3, U4 90 + 1.9, U5 92 - 1.7, U6 88 - 0.8
    sent = {
        "U1": 0.804, "U2": 0.832, "U3": 0.873, "U4": 0.919,
        "U5": 0.903, "U6": 0.872,
    }  # fmt: skip
    assert dict(zip(scale["unit_id"], scale["value"], strict=True)) == pytest.approx(
        sent
    )
    assert set(scale["period"]) == {SLIPPED}
    assert set(scale["agency"]) == {"office"}
    assert scale["reason_zh"].str.contains("疑似按小数而非百分数报送").all()
    assert f[f["check"] == "rounded"].empty


def test_a_unit_that_rounds_to_10_is_still_rounded_next_to_a_slip(percent_catalogue):
    """U6 reports 80, 90, 80, 90 … (0.9 in the slipped quarter) where the others
    report to 0.1: rounded from 2023-Q1 to 2025-Q1, the 9 quarters before the
    slip (0.9 is 9 steps of 0.1, no multiple of 10), U1 not. By hand: 67 reports
    count (72 less the five fractions off the 0.1 step), 11 of them multiples of
    10 (U6's), so each is as coarse as that with chance (11 + 1) / (67 + 2), and
    nine in a row (12/69)^9."""
    u6 = [80.0 if t % 2 == 0 else 90.0 for t in range(12)]
    f = Q.flags(slipped_quarter(u6), percent_catalogue)
    rounded = f[f["check"] == "rounded"]
    assert rounded["unit_id"].tolist() == ["U6"]
    flag = rounded.iloc[0]
    assert (flag["since"], flag["period"], flag["value"]) == ("2023-Q1", "2025-Q1", 10)
    assert flag["statistic"] == pytest.approx((12 / 69) ** 9, rel=1e-9)
    assert flag["reason_zh"].startswith(
        "a1指标自2023年第一季度起连续9期均为10的整数倍（80.0、90.0、80.0、90.0…），"
        "疑为估报"
    )
    assert "U6" in set(f.loc[f["check"] == "scale", "unit_id"])


# A percentage reported to 0.1 for 11 quarters, then to 0.01 (the agency's new
# system): the series' step stays 0.1 (most periods), its finest grain is 0.01.
# U6 rises about 0.5 a quarter in the finer quarters.
QS20 = [f"{y}-Q{q}" for y in range(2021, 2026) for q in (1, 2, 3, 4)]
NOISE = [0.9, -1.4, 2.1, -0.3, 1.2, -2.2, 0.4, 1.7, -0.8, -1.9, 0.6, 1.3]
JITTER = [0.02, -0.01, 0.02, -0.02, 0.01, -0.02, 0.01, 0.0, 0.02]


def finer_later(line: bool) -> pd.DataFrame:
    """U6 from the 12th quarter: 70, 70.5, 71 … exactly (``line``), or with JITTER
    (70.02, 70.49, 71.02, 71.48 …: second differences of 0.03–0.07)."""
    rows = []
    for i, u in enumerate(["U1", "U2", "U3", "U4", "U5", "U6"]):
        for t, p in enumerate(QS20):
            if u == "U6" and t >= 11:
                v = 70 + 0.5 * (t - 11) + (0 if line else JITTER[t - 11])
            else:
                v = 60 + 5 * i + NOISE[(t + 5 * i) % 12]
                v += 0.07 * ((t * 7 + i) % 5) if t >= 11 else 0
            rows.append((u, p, "a1", round(v, 1 if t < 11 else 2)))
    return pd.DataFrame(rows, columns=["unit_id", "period", "indicator_id", "value"])


def test_a_line_is_exact_to_the_grain_reported_not_to_the_coarser_step(
    percent_catalogue,
):
    """编造 is said of an exact straight line. U6's later quarters, sent to 0.01,
    rise 0.47, 0.53, 0.46 … (second differences of 0.03–0.07, 3 to 7 times the
    grain they are sent in): no line, though each is within the older 0.1 step.
    The same quarters exactly 0.5 apart are one."""
    flagged = Q.flags(finer_later(line=False), percent_catalogue)
    assert flagged[flagged["check"] == "linear"].empty
    flagged = Q.flags(finer_later(line=True), percent_catalogue)
    lines = flagged[flagged["check"] == "linear"]
    assert lines[["unit_id", "since", "period"]].values.tolist() == [
        ["U6", "2023-Q4", "2025-Q4"]  # the 9 quarters from the 12th
    ]


def test_a_number_beside_a_slip_shows_the_decimals_it_has():
    """In a reason: a report off the step with the decimals it was sent in, a
    median between two reports with one more, never padded to the slip's grain
    (85.25, not 85.250); a series without a slip as before."""
    from types import SimpleNamespace

    from evaluation.risk.quality.reports import number

    slipped = SimpleNamespace(step=np.array([0.1]), finest=np.array([0.001]))
    assert [number(slipped, 0, v) for v in (85.3, 0.853, 85.25, 1234.5)] == [
        "85.3", "0.853", "85.25", "1,234.5",
    ]  # fmt: skip
    plain = SimpleNamespace(step=np.array([0.1]), finest=np.array([0.1]))
    assert [number(plain, 0, v) for v in (85.3, 85.25)] == ["85.3", "85.25"]
