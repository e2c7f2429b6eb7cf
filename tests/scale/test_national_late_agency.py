"""A late agency on the national (Parquet) path: the same as the pipeline's.

The sample's reports as one Parquet file, without the supervision agency's
December 2025 (its whole submission: every unit, every monthly series). The
pipeline (pandas, pandera, the long tables) is the independent path: both score
the period without it, leave its indicators out (never 0), list it in
``absences``, and refuse it with ``strict``; the numbers agree to 1e-9."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import evaluation as ev
from evaluation.cli import app
from evaluation.errors import ValidationFailed
from evaluation.scale import national

from ..conftest import ROOT

SAMPLE = ROOT / "data" / "sample"
LATE, MONTH = "supervision", "2025-M12"


def monthly(agency: str) -> set[str]:
    """An agency's monthly series, read from indicators.yaml with PyYAML."""
    raw = yaml.safe_load((ROOT / "indicators.yaml").read_text(encoding="utf-8"))
    series = [*raw["indicators"], *raw.get("context", [])]
    return {
        s["id"]
        for s in series
        if s.get("agency") == agency and s.get("frequency") == "monthly"
    }


@pytest.fixture(scope="module")
def supervision_monthly() -> set[str]:
    # six indicators (one zero_score: approval_on_time_rate) and the approval
    # volume they are weighted by
    found = monthly(LATE)
    assert len(found) == 7 and "approval_on_time_rate" in found
    return found


@pytest.fixture(scope="module")
def late(supervision_monthly):
    """The sample without the agency's December, as a Dataset and as Parquet."""
    dataset = ev.load_dataset(SAMPLE)
    obs = dataset.observations
    gone = obs["indicator_id"].isin(supervision_monthly) & (obs["period"] == MONTH)
    assert gone.sum() > 0
    kept = replace(dataset, observations=obs[~gone])
    return kept, int(gone.sum())


@pytest.fixture(scope="module")
def parquet(catalogue, late, tmp_path_factory):
    data = ev.validate_dataset(late[0], catalogue)
    path = tmp_path_factory.mktemp("late") / "reports.parquet"
    data.observations[["unit_id", "period", "indicator_id", "value"]].to_parquet(
        path, index=False
    )
    units = data.units.drop(columns=["source", "row"]).reset_index(drop=True)
    return path, units


@pytest.mark.parametrize("period", ["2025-Q4", "2025"])
def test_both_paths_score_the_period_without_the_late_agency_alike(
    catalogue, late, parquet, supervision_monthly, period
):
    result = ev.run(catalogue, late[0], period=period, run_at="t")
    got = national.score_parquet(parquet[0], parquet[1], catalogue, period=period)

    def mine(frame):
        return frame[frame["period"] == period].set_index("unit_id")

    have = got.composite.set_index("unit_id")
    want = mine(result.composite).loc[have.index]
    assert have["composite_score"].notna().sum() == 50
    np.testing.assert_allclose(
        have["composite_score"], want["composite_score"], atol=1e-9
    )
    ranks = mine(result.ranks).loc[have.index, ["rank", "peer_rank"]]
    assert got.ranks.set_index("unit_id")[["rank", "peer_rank"]].equals(ranks)
    # the absences: the agency's December, every monthly series, all 50 units
    a = got.absences
    assert set(a["agency"]) == {LATE} and set(a["period"]) == {MONTH}
    assert set(a["series_id"]) == supervision_monthly
    assert set(a["n_units"]) == {50} and set(a["evaluation_period"]) == {period}
    b = result.absences
    assert sorted(map(tuple, a[["period", "series_id"]].values)) == sorted(
        map(tuple, b[["period", "series_id"]].values)
    )
    assert got.absent_indicators(catalogue) == result.absent_indicators(period)
    # never scored 0: no value of the period is a zero-scored gap
    p = got.prepared.astype({"indicator_id": str})
    statuses = set(p.loc[p["indicator_id"].isin(supervision_monthly), "status"])
    assert "missing_zero_score" not in statuses


def test_strict_refuses_the_late_agency_naming_it(catalogue, parquet):
    with pytest.raises(ValidationFailed) as err:
        national.score_parquet(
            parquet[0], parquet[1], catalogue, period="2025-Q4", strict=True
        )
    report = err.value.report
    assert len(report) == 1  # one problem per agency and period
    assert report["value"].tolist() == [MONTH]
    assert "2025年12月" in report["rule_zh"].iloc[0]


def test_a_submission_one_file_lacks_is_a_problem_of_that_file(
    catalogue, parquet, supervision_monthly, tmp_path
):
    # the agency's December is in one peer group's file and not in the other's:
    # not a late agency, the second file's rows are missing
    reports = pd.read_parquet(parquet[0])
    group = reports["unit_id"].map(parquet[1].set_index("unit_id")["peer_group"])
    full = ev.validate_dataset(ev.load_dataset(SAMPLE), catalogue).observations
    december = full[
        full["indicator_id"].isin(supervision_monthly) & (full["period"] == MONTH)
    ][["unit_id", "period", "indicator_id", "value"]]
    first = sorted(group.unique())[0]
    in_first = december["unit_id"].map(parquet[1].set_index("unit_id")["peer_group"])
    (tmp_path / "a").mkdir()
    pd.concat([reports[group == first], december[in_first == first]]).to_parquet(
        tmp_path / "a" / "a.parquet", index=False
    )
    reports[group != first].to_parquet(tmp_path / "a" / "b.parquet", index=False)
    with pytest.raises(ValidationFailed) as err:
        national.score_parquet(tmp_path / "a", parquet[1], catalogue, period="2025-Q4")
    report = err.value.report
    n_units = int((parquet[1]["peer_group"] != first).sum())
    assert set(report["file"]) == {str(tmp_path / "a" / "b.parquet")}
    assert len(report) == n_units * len(supervision_monthly)


def test_the_national_command_goes_on_says_so_and_writes_the_absences(
    parquet, tmp_path
):
    runner = CliRunner()
    args = [str(parquet[0]), "--units", str(tmp_path / "units.parquet")]
    parquet[1].to_parquet(tmp_path / "units.parquet", index=False)
    common = ["--period", "2025-Q4", "--catalogue", str(ROOT / "indicators.yaml")]
    done = runner.invoke(
        app, ["national", *args, *common, "--out", str(tmp_path / "out")]
    )
    assert done.exit_code == 0, done.output
    absences = pd.read_parquet(
        tmp_path / "out" / "national_2025-Q4" / "absences.parquet"
    )
    assert set(absences["agency"]) == {LATE}
    assert "不计分" in done.output and "不记零分" in done.output
    refused = runner.invoke(
        app, ["national", *args, *common, "--out", str(tmp_path / "o2"), "--strict"]
    )
    assert refused.exit_code == 1
    assert "2025年12月" in refused.output
    assert not (tmp_path / "o2").exists()


def test_a_month_left_without_enough_indicators_stops_both_paths_alike(
    catalogue, late, parquet, supervision_monthly, tmp_path
):
    """December without the supervision commission: six of the month's nine
    monthly indicators are its (indicators.yaml), so each unit has 3/9 < 0.6
    (min_coverage) of them. The missing-data rule leaves a late agency's
    indicators out (never 0), so no unit can be scored: the pandas path stops
    naming the agency, and the Parquet path stops with the same words (it used to
    return all-NaN scores without a word)."""
    raw = yaml.safe_load((ROOT / "indicators.yaml").read_text(encoding="utf-8"))
    month = [i for i in raw["indicators"] if i.get("frequency") == "monthly"]
    mine = [i for i in month if i["agency"] == LATE]
    assert (len(month) - len(mine)) / len(month) < raw["settings"]["min_coverage"]
    name_zh, name_en = next(
        (a["name_zh"], a["name_en"]) for a in raw["agencies"] if a["id"] == LATE
    )
    with pytest.raises(ev.EvaluationError) as pandas_path:
        ev.run(catalogue, late[0], period=MONTH)
    with pytest.raises(ev.EvaluationError) as parquet_path:
        national.score_parquet(parquet[0], parquet[1], catalogue, period=MONTH)
    said = pandas_path.value.words
    assert said == parquet_path.value.words  # the same words on both paths
    assert said.zh.startswith(
        "2025年12月没有一个单位能够评分：该期没有数据，或者没有单位的指标数量达到"
        "最低覆盖率（min_coverage）"
    )
    # its series not sent, by name, in the catalogue's order (indicators, then the
    # context series: the approval volume), with the month
    owed = [
        s
        for s in [*raw["indicators"], *raw["context"]]
        if s["id"] in supervision_monthly
    ]
    assert len(owed) == len(supervision_monthly)
    zh = "、".join(s["name_zh"] for s in owed)
    en = ", ".join(s["name_en"] for s in owed)
    assert (
        f"；{name_zh}的{zh}（2025年12月）尚未报送，其余指标不足以计算综合得分"
    ) in said.zh
    assert f"; not yet reported: {name_en}: {en} (2025-M12); the indicators" in (
        said.en
    )
    units = tmp_path / "units.parquet"
    parquet[1].to_parquet(units, index=False)
    done = CliRunner().invoke(
        app,
        [
            "national", str(parquet[0]), "--units", str(units), "--period", MONTH,
            "--catalogue", str(ROOT / "indicators.yaml"), "--out", str(tmp_path / "o"),
        ],
    )  # fmt: skip
    assert done.exit_code == 1
    assert done.output.startswith("2025年12月没有一个单位能够评分")
    assert not (tmp_path / "o").exists()
