"""The whole scoring chain on the tiny dataset, against hand calculation.

Hand calculation for 2025 (annual):
  roll-up  a1 mean: U1 80, U2 60, U3 100
           a2 sum, pro-rata: U1 4, U2 (0+0+2)·4/3 = 8/3, U3 12
           b1 last half-year: U1 90, U2 75, U3 50;  b2: 70, 80, 90
  scores   a1 minmax: 50, 0, 100;  a2 goalposts 10→0: 60, 73.33, 0 (clipped)
           b1 target 100, worst 50: 80, 50, 0;  b2 50 + 10·z, z = −1, 0, 1: 40, 50, 60
  dims     a = (a1 + a2)/2: 55, 36.67, 50;  b = (3·b1 + b2)/4: 70, 50, 15
  composite 0.6·a + 0.4·b: 61, 42, 36
"""

import pickle

import numpy as np
import pandas as pd
import pytest

import evaluation as ev

from .conftest import ROOT, TINY_ROWS, TINY_UNITS, write_dataset


def test_tiny_annual_composite_matches_hand_calculation(tiny_result):
    table = tiny_result.league_table("2025").set_index("unit_id")
    assert table["composite_score"].to_dict() == pytest.approx(
        {"U1": 61.0, "U2": 42.0, "U3": 36.0}
    )
    assert table["a"].to_dict() == pytest.approx(
        {"U1": 55.0, "U2": 110 / 3, "U3": 50.0}
    )
    assert table["b"].to_dict() == pytest.approx({"U1": 70.0, "U2": 50.0, "U3": 15.0})
    assert table["rank"].tolist() == [1, 2, 3]
    assert table["peer_rank"].to_dict() == {"U1": 1, "U2": 2, "U3": 1}


def test_tiny_rollup_and_normalised_scores(tiny_result):
    prepared = tiny_result.prepared.set_index(["unit_id", "indicator_id"])["value"]
    assert prepared.loc[("U2", "a2")] == pytest.approx(8 / 3)  # pro-rata sum
    assert prepared.loc[("U1", "b1")] == 90  # last half-year
    scores = tiny_result.normalised.set_index(["unit_id", "indicator_id"])["score"]
    assert scores.loc[("U2", "a2")] == pytest.approx(100 * (10 - 8 / 3) / 10)
    assert scores.loc[("U3", "a2")] == 0  # beyond the worst goalpost: clipped
    assert scores.loc[("U1", "b2")] == pytest.approx(40)


def test_contributions_add_up_to_composite(tiny_result):
    b = tiny_result.breakdown("U1")
    assert b.set_index("indicator_id")["contribution"].to_dict() == pytest.approx(
        {"a1": 15.0, "a2": 18.0, "b1": 24.0, "b2": 4.0}
    )
    assert b["weight"].sum() == pytest.approx(1.0)


def test_quarterly_run_scores_only_indicators_that_fit_the_quarter(
    tiny_catalogue, tiny_dataset_path
):
    result = ev.run(
        tiny_catalogue, ev.load_dataset(tiny_dataset_path), period="2025-Q4", run_at="t"
    )
    assert set(result.prepared["indicator_id"]) == {"a1", "a2"}
    assert result.periods == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    q4 = result.league_table().set_index("unit_id")
    # U2 has no a2 in Q4 (exclude rule): a = a1 alone, coverage 0.5 meets min 0.5
    assert q4["composite_score"].to_dict() == pytest.approx(
        {"U1": 70, "U2": 0, "U3": 85}
    )
    assert q4["rank"].to_dict() == {"U3": 1, "U1": 2, "U2": 3}
    assert q4["rank_change"].to_dict() == {
        "U3": 0,
        "U1": 0,
        "U2": 0,
    }  # same order in Q3
    assert q4.loc["U2", "coverage"] == 1.0  # b does not apply to a quarter


def test_unit_below_min_coverage_is_not_ranked(tiny_raw, tmp_path):
    tiny_raw["settings"]["min_coverage"] = 0.9
    catalogue = ev.parse_catalogue(tiny_raw)
    path = write_dataset(tmp_path, TINY_UNITS, TINY_ROWS)
    q4 = ev.run(catalogue, ev.load_dataset(path), period="2025-Q4", run_at="t")
    table = q4.league_table().set_index("unit_id")
    assert pd.isna(table.loc["U2", "rank"])
    assert table.loc["U2", "status"] == "insufficient_data"
    assert table["rank"].dropna().tolist() == [1, 2]
    assert q4.league_table()["unit_id"].iloc[-1] == "U2"  # unranked listed last


def test_zero_score_rule_scores_missing_as_zero(tiny_raw, tmp_path):
    tiny_raw["indicators"][1]["missing"] = "zero_score"
    catalogue = ev.parse_catalogue(tiny_raw)
    path = write_dataset(tmp_path, TINY_UNITS, TINY_ROWS)
    q4 = ev.run(catalogue, ev.load_dataset(path), period="2025-Q4", run_at="t")
    row = q4.normalised.query(
        "unit_id == 'U2' and indicator_id == 'a2' and period == '2025-Q4'"
    )
    assert row["score"].item() == 0
    status = q4.prepared.query(
        "unit_id == 'U2' and indicator_id == 'a2' and period == '2025-Q4'"
    )["status"].item()
    assert status == "missing_zero_score"


def test_peer_median_rule_imputes_from_the_peer_group(tiny_raw, tmp_path):
    tiny_raw["indicators"][1]["missing"] = "peer_median"
    catalogue = ev.parse_catalogue(tiny_raw)
    units = pd.concat([TINY_UNITS, TINY_UNITS.iloc[[0]].assign(unit_id="U4")])
    # U4 copies U1's rows (every row present: completeness), except a2 in Q4 = 5
    u4 = [
        ("U4", p, i, "5" if (p, i) == ("2025-Q4", "a2") else v)
        for u, p, i, v in TINY_ROWS
        if u == "U1"
    ]
    rows = [*TINY_ROWS, *u4]
    path = write_dataset(tmp_path, units, rows)
    data = ev.load_dataset(path)
    q4 = ev.run(catalogue, data, period="2025-Q4", run_at="t")
    cell = q4.prepared.query(
        "unit_id == 'U2' and indicator_id == 'a2' and period == '2025-Q4'"
    )
    # U2's peers in g1 reporting a2 in Q4: U1 = 1, U4 = 5 → median 3
    assert cell["value"].item() == 3
    assert cell["status"].item() == "imputed_peer_median"
    assert q4.league_table().set_index("unit_id").loc["U2", "n_imputed"] == 1


def test_same_inputs_give_the_same_digest_and_rebuild_matches(
    tiny_result, tiny_catalogue, tiny_dataset_path
):
    again = ev.run(
        tiny_catalogue,
        ev.load_dataset(tiny_dataset_path),
        period="2025",
        run_at="2026-01-15T09:00:00+00:00",
    )
    assert again.digest() == tiny_result.digest()
    other_time = ev.run(
        tiny_catalogue,
        ev.load_dataset(tiny_dataset_path),
        period="2025",
        run_at="2026-01-16T09:00:00+00:00",
    )
    assert other_time.digest() != tiny_result.digest()


def test_run_rejects_a_period_label_that_is_not_one(tiny_catalogue, tiny_dataset_path):
    with pytest.raises(ev.EvaluationError, match="not a period label"):
        ev.run(tiny_catalogue, ev.load_dataset(tiny_dataset_path), period="2025Q4")


def test_run_refuses_a_period_without_data(tiny_catalogue, tiny_dataset_path):
    with pytest.raises(ev.EvaluationError, match="there is no report for 2027"):
        ev.run(tiny_catalogue, ev.load_dataset(tiny_dataset_path), period="2027")


@pytest.mark.parametrize(
    ("table", "column", "zh"),
    [
        ("observations", "value", "报送数据表缺少列：value（评分须有：unit_id、period、"
         "indicator_id、value）"),
        ("units", "peer_group", "单位表缺少列：peer_group（评分须有：unit_id、"
         "peer_group）"),
    ],
)  # fmt: skip
def test_score_names_the_table_and_column_a_frame_lacks(
    tiny_catalogue, tiny_dataset_path, table, column, zh
):
    """An analyst's own tables handed to ``ev.score``, one without a column it
    reads: said by table and column (Chinese and English), not a bare KeyError."""
    data = ev.validate_dataset(ev.load_dataset(tiny_dataset_path), tiny_catalogue)
    frames = {"observations": data.observations, "units": data.units}
    frames[table] = frames[table].drop(columns=[column])
    with pytest.raises(ev.EvaluationError) as info:
        ev.score(**frames, catalogue=tiny_catalogue, period="2025")
    assert info.value.words.zh == zh
    assert f"no column {column}" in str(info.value)


def test_score_says_a_period_that_is_no_label_as_run_does(tiny_catalogue):
    """``ev.score`` refuses 2025Q4 with the words ``ev.run`` has (an
    ``EvaluationError`` in Chinese and English), not a bare ValueError."""
    units = TINY_UNITS.assign(source="units.csv", row=range(2, 5))
    obs = pd.DataFrame(TINY_ROWS, columns=["unit_id", "period", "indicator_id", "v"])
    obs = obs.assign(value=pd.to_numeric(obs.pop("v"), errors="coerce"))
    with pytest.raises(ev.EvaluationError, match="not a period label") as info:
        ev.score(obs, units, tiny_catalogue, period="2025Q4")
    assert info.value.words.zh.startswith("报告期“2025Q4”写法不对")


def test_an_error_in_a_notebook_reads_chinese_first(tiny_catalogue):
    """A notebook shows an error's message (its traceback's last line): the
    analyst reads the Chinese first, then the English, as a refused validation
    already reads; ``words`` still carries each for the command line."""
    units = TINY_UNITS.assign(source="units.csv", row=range(2, 5))
    obs = pd.DataFrame(TINY_ROWS, columns=["unit_id", "period", "indicator_id", "v"])
    obs = obs.assign(value=pd.to_numeric(obs.pop("v"), errors="coerce"))
    with pytest.raises(ev.EvaluationError) as info:
        ev.score(obs, units, tiny_catalogue, period="2025Q4")
    zh, en = str(info.value).split("\n")
    assert zh.startswith("报告期“2025Q4”写法不对") and en.startswith("'2025Q4' is not")


def test_a_period_with_no_report_at_all_is_said_so_with_the_data_s_span():
    """A year typed wrong (2030 for 2025) finds no report at all: the analyst is
    told so, with the months the sample's reports span (its files hold 2024 to
    2025-M12), not a list of every agency's every series as not yet reported."""
    catalogue = ev.load_catalogue(ROOT / "indicators.yaml")
    dataset = ev.load_dataset(ROOT / "data" / "sample")
    with pytest.raises(ev.EvaluationError) as info:
        ev.run(catalogue, dataset, period="2030")
    assert info.value.words.zh == (
        "2030年度没有任何报送数据：数据集中的报送期为2024年1月至2025年12月，请检查报告期，或待各单位报送后再评分"
    )
    assert info.value.words.en == (
        "there is no report for 2030: the dataset's reports run from 2024-M01 to "
        "2025-M12; check the period, or score once the agencies report"
    )


def test_scores_lie_in_0_100(tiny_result):
    for table, col in [
        (tiny_result.normalised, "score"),
        (tiny_result.scores, "score"),
        (tiny_result.composite, "composite_score"),
    ]:
        values = table[col].dropna().to_numpy()
        assert np.all((values >= 0) & (values <= 100))


def test_league_table_refuses_unknown_period_and_peer_group(tiny_result):
    with pytest.raises(KeyError, match="period '2030' not in this result"):
        tiny_result.league_table("2030")
    with pytest.raises(KeyError, match="peer group 'g9' unknown"):
        tiny_result.league_table(peer_group="g9")
    assert set(tiny_result.league_table(peer_group="g1")["unit_id"]) == {"U1", "U2"}


def test_target_scores_100_when_even_the_worst_unit_reached_it(tiny_raw, tmp_path):
    # b1: target 100 with worst 50; drop the fixed worst so the period's worst is used
    tiny_raw["indicators"][2]["normalisation"] = {"method": "target"}
    tiny_raw["indicators"][2]["target"] = 30  # every unit's b1 is above 30
    catalogue = ev.parse_catalogue(tiny_raw)
    result = ev.run(
        catalogue,
        ev.load_dataset(write_dataset(tmp_path, TINY_UNITS, TINY_ROWS)),
        period="2025",
        run_at="t",
    )
    b1 = result.normalised.query("indicator_id == 'b1'")["score"]
    assert b1.tolist() == [100.0, 100.0, 100.0]


# ------------------------------------------------- stage tables built when read
@pytest.fixture(scope="module")
def sample_month(catalogue):
    data = ev.validate_dataset(ev.load_dataset(ROOT / "data" / "sample"), catalogue)
    return data, catalogue


def test_score_builds_the_risk_stage_and_long_tables_only_when_read(
    sample_month, monkeypatch
):
    from evaluation import pipeline
    from evaluation.risk import rules

    calls = {"evaluate": 0, "long": 0}
    evaluate, long = rules.evaluate, pipeline.long

    def counted(name, fn):
        def call(*args, **kwargs):
            calls[name] += 1
            return fn(*args, **kwargs)

        return call

    monkeypatch.setattr(rules, "evaluate", counted("evaluate", evaluate))
    monkeypatch.setattr(pipeline, "long", counted("long", long))
    data, catalogue = sample_month
    tables = ev.score(data.observations, data.units, catalogue, period="2025-M03")
    assert tables["composite"]["composite_score"].notna().any()
    assert tables["ranks"]["rank"].notna().any()
    assert calls == {"evaluate": 0, "long": 0}  # what-if readers pay for neither
    # the prepared table (three text columns per cell) and the node weights too
    assert "prepared" in repr(tables).split("when read=")[1]
    assert "weights" in repr(tables).split("when read=")[1]
    assert not tables["warnings"].empty  # the sample city has warnings in March
    assert calls == {"evaluate": 1, "long": 1}  # the rules read the dimension scores
    tables["ledger"], tables["risk"]  # both from the same warnings: not again
    assert calls["evaluate"] == 1
    assert list(tables) == [t for t in ev.Result.TABLES if t not in NOT_SCORED]


NOT_SCORED = {"units", "observations", "flags"}  # added by run


def test_tables_read_later_are_those_of_the_reports_as_scored(sample_month):
    """A reader who changes the reports (or a table handed back) after scoring,
    then reads the warnings, gets the warnings of the reports as they were scored."""
    data, catalogue = sample_month
    observations, units = data.observations.copy(), data.units.copy()
    later = ev.score(observations, units, catalogue, period="2025-M03")
    now = dict(ev.score(observations, units, catalogue, period="2025-M03"))
    observations["value"] = np.nan  # every report withdrawn (targets too)
    units.loc[units.index[0], "unit_id"] = "D99"  # a unit renamed, in place
    later["prepared"]["value"] = np.nan  # and the prepared values handed back
    for name in ["contributions", "normalised"]:  # a table read, relabelled in place
        table = later[name]
        table.loc[:, "unit_id"] = table["unit_id"].str.lower()
    now_contributions = now["contributions"]["unit_id"].str.lower()
    for name in ["warnings", "risk", "ledger", "scores"]:
        pd.testing.assert_frame_equal(later[name], now[name])
    # each long table its own ids: relabelling one changed no other
    pd.testing.assert_series_equal(later["contributions"]["unit_id"], now_contributions)
    assert later["prepared"]["unit_id"].equals(now["prepared"]["unit_id"])
    assert (now["warnings"]["level"] == "red").any()  # the comparison has content


def test_scored_tables_pickle_with_every_table_built(sample_month):
    """Sent to a process pool or cached on disk, the tables arrive whole: each
    one that a reader would have built, equal to it, in the same order."""
    data, catalogue = sample_month
    tables = ev.score(data.observations, data.units, catalogue, period="2025-M03")
    back = pickle.loads(pickle.dumps(tables))
    assert isinstance(back, type(tables)) and "when read=[]" in repr(back)
    built = dict(ev.score(data.observations, data.units, catalogue, period="2025-M03"))
    assert list(back) == list(built)
    for name, table in built.items():
        pd.testing.assert_frame_equal(back[name], table)
    assert not back["warnings"].empty  # the comparison has content
