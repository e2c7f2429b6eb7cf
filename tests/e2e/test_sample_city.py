"""The bundled sample city, end to end: data → Result → result folder → media CSV."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.publish.export import media_csv_bytes, media_table, write_media_csv
from evaluation.publish.store import load_result, save_result

from ..conftest import ROOT


def test_every_unit_of_the_sample_city_is_ranked(sample_result):
    table = sample_result.league_table()
    assert len(table) == 50
    assert table["rank"].notna().all()
    assert table["rank"].min() == 1
    assert sample_result.periods == ["2024", "2025"]
    for group, part in table.groupby("peer_group"):
        assert sorted(part["peer_rank"]) == sorted(
            part["composite_score"].rank(method="min", ascending=False).astype(int)
        ), group


def test_contributions_add_up_to_each_composite_within_1e9(sample_result):
    c = sample_result.contributions
    total = c.groupby(["period", "unit_id"])["contribution"].sum()
    comp = sample_result.composite.set_index(["period", "unit_id"])["composite_score"]
    assert np.abs(total[comp.index] - comp).max() < 1e-9


def test_planted_poor_departments_rank_low(sample_result):
    from evaluation.generate import PLANTED

    table = sample_result.league_table().set_index("unit_id")
    poor = [f"D{n:02d}" for n in PLANTED["poor"]]  # D07, D22
    assert (table.loc[poor, "rank"] > 40).all()


def test_result_folder_round_trip_and_rebuild_give_the_same_bytes(
    sample_result, tmp_path, monkeypatch
):
    folder = save_result(sample_result, tmp_path / "result")
    loaded = load_result(folder)
    assert loaded.digest() == sample_result.digest()
    monkeypatch.chdir(ROOT)
    rebuilt = ev.rebuild(loaded.provenance)
    assert rebuilt.digest() == sample_result.digest()
    for name in ev.Result.TABLES:
        pd.testing.assert_frame_equal(
            getattr(rebuilt, name), getattr(sample_result, name)
        )


def test_rebuild_refuses_changed_inputs(tmp_path, tiny_result, tiny_dataset_path):
    import yaml

    from ..conftest import TINY

    (tmp_path / "tiny.yaml").write_text(
        yaml.safe_dump(TINY, allow_unicode=True), encoding="utf-8"
    )
    prov = tiny_result.provenance
    prov = ev.Provenance(
        **{**prov.__dict__, "catalogue_path": str(tmp_path / "tiny.yaml")}
    )
    assert ev.rebuild(prov).digest() != ""  # unchanged inputs rebuild
    with open(
        tiny_dataset_path / "observations" / "office.csv", "a", encoding="utf-8"
    ) as f:
        f.write("U1,2024-Q4,a1,50\n")
    with pytest.raises(ev.EvaluationError, match="input files changed"):
        ev.rebuild(prov)


def test_media_csv_is_excel_ready_and_reproducible(sample_result, tmp_path):
    table = media_table(sample_result, lang="zh")
    path = write_media_csv(table, tmp_path / "media.csv")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    assert b"\r\n" in data and b"\n\n" not in data
    header = data[3:].split(b"\r\n")[0].decode("utf-8")
    # the period first (a journalist's file stands alone), the type of unit (县（市）区
    # or 市直部门) before the peer group
    assert header.split(",")[:6] == [
        "报告期",
        "排名",
        "单位",
        "单位类型",
        "类别",
        "综合得分",
    ]
    assert header.split(",")[-2] == "较上期名次变化（+为上升）"
    again = write_media_csv(
        media_table(sample_result, lang="zh"), tmp_path / "again.csv"
    )
    assert again.read_bytes() == data
    assert media_csv_bytes(table) == data


def test_media_csv_in_english_and_both(sample_result):
    en = media_table(sample_result, lang="en")
    assert list(en.columns[:6]) == [
        "Period",
        "Rank",
        "Unit",
        "Type of unit",
        "Peer group",
        "Composite score",
    ]
    both = media_table(sample_result, lang="both")
    assert {"单位", "Unit", "排名 Rank"} <= set(both.columns)


def test_media_table_for_a_peer_group_ranks_within_it(sample_result):
    table = media_table(sample_result, peer_group="district", lang="en")
    assert table["Rank in peer group"].tolist() == [
        str(i) for i in range(1, len(table) + 1)
    ]
    assert set(table["Peer group"]) == {"District and county governments"}


def test_provenance_records_where_catalogue_and_data_came_from(sample_result):
    prov = sample_result.provenance
    assert prov.catalogue_path == str(ROOT / "indicators.yaml")
    assert prov.dataset_root == str(ROOT / "data" / "sample")
    assert set(prov.inputs) >= {"units.csv", "observations/supervision.csv"}
    assert [s.stage for s in prov.steps] == [
        "validate",
        "prepare",
        "treat",
        "normalise",
        "aggregate",
        "rank",
        "risk",
        "quality",
    ]
    assert prov.run_at == "2026-01-15T09:00:00+00:00"


def test_the_sample_events_raise_their_levels(sample_result):
    w = sample_result.warnings.query("rule == 'event'")
    assert set(map(tuple, w[["period", "unit_id", "node_id", "level"]].to_numpy())) == {
        ("2024", "D07", "mass_incident", "orange"),
        ("2025", "D22", "major_safety_accident", "red"),
    }
    grade = sample_result.risk.set_index(["period", "unit_id"])["level"]
    assert grade[("2025", "D22")] == "red"
    assert sample_result.events["reference"].tolist() == [
        "安委〔2025〕22号",
        "安委〔2024〕7号",
    ]
