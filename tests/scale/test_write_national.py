"""A generated city written as a national office sends it (``write_national``): read
back with pyarrow, scored by the national path as the pipeline scores the same city
from CSV, and on a threaded local Dask client as in one process."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import evaluation as ev
from evaluation.generate import generate_city, write_city, write_national
from evaluation.scale import distributed, national


@pytest.fixture(scope="module")
def city(catalogue):
    return generate_city(
        catalogue, departments=8, districts=4, months=12, start_year=2025, seed=3
    )


@pytest.fixture(scope="module")
def written(city, tmp_path_factory):
    out = tmp_path_factory.mktemp("national")
    return out, write_national(city, out, files=3)


def test_the_files_hold_every_report_each_unit_in_one_file(city, written):
    out, paths = written
    assert paths[0] == out / "units.parquet"
    assert paths[1:] == [out / "reports" / f"part={k}" / "0.parquet" for k in range(3)]
    assert all(p.stat().st_mode & 0o777 == 0o644 for p in paths)
    tables = [pq.read_table(p) for p in paths[1:]]
    for t in tables:
        assert t.column_names == ["unit_id", "period", "indicator_id", "value"]
        assert pa.types.is_dictionary(t.schema.field("unit_id").type)
    frames = [t.to_pandas().astype({"unit_id": str}) for t in tables]
    owners = pd.concat(
        [f[["unit_id"]].drop_duplicates().assign(file=k) for k, f in enumerate(frames)]
    )
    assert owners["unit_id"].is_unique  # a unit's reports sit in one file
    assert sorted(owners["unit_id"]) == sorted(city["units"]["unit_id"])
    assert owners.groupby("file").size().tolist() == [4, 4, 4]  # 12 units in blocks
    got = (
        pd.concat(frames).astype(str).sort_values(["unit_id", "period", "indicator_id"])
    )
    want = city["observations"][["unit_id", "period", "indicator_id", "value"]]
    want = want.astype(str).sort_values(["unit_id", "period", "indicator_id"])
    assert got.to_numpy().tolist() == want.to_numpy().tolist()
    units = pd.read_parquet(paths[0])
    assert units["parent_id"].isna().all()  # no parent: null, not ""


def test_the_national_path_scores_them_as_the_pipeline_scores_the_csv(
    catalogue, city, written, tmp_path
):
    out, paths = written
    units = national.read_units(paths[0], catalogue)
    got = national.score_parquet(out / "reports", units, catalogue, period="2025")
    write_city(city, tmp_path / "csv", catalogue, formats={"*": "csv-utf8"})
    result = ev.run(catalogue, ev.load_dataset(tmp_path / "csv"), period="2025")
    want = result.composite[result.composite["period"] == "2025"].set_index("unit_id")
    have = got.composite.set_index("unit_id")
    assert len(have) == 12
    np.testing.assert_allclose(
        have["composite_score"], want.loc[have.index, "composite_score"], atol=1e-9
    )


def test_a_threaded_local_client_scores_as_one_process(catalogue, written):
    out, paths = written
    units = national.read_units(paths[0], catalogue)
    here = national.score_parquet(out / "reports", units, catalogue, period="2025")
    with distributed.connect(workers=1, processes=False) as client:
        assert len(client.scheduler_info()["workers"]) == 1
        there = distributed.score_parquet(
            out / "reports", units, catalogue, period="2025", client=client
        )
    assert there.composite.equals(here.composite)
    assert there.ranks.equals(here.ranks)


def test_writing_again_with_fewer_files_leaves_no_stale_file(catalogue, city, tmp_path):
    write_national(city, tmp_path, files=3)
    paths = write_national(city, tmp_path, files=2)
    assert sorted(national.files(tmp_path / "reports")) == sorted(paths[1:])
    units = national.read_units(paths[0], catalogue)  # each unit in one file again
    scored = national.score_parquet(
        tmp_path / "reports", units, catalogue, period="2025"
    )
    assert len(scored.composite) == 12


def test_at_least_one_file(city, tmp_path):
    with pytest.raises(ValueError, match="at least 1"):
        write_national(city, tmp_path, files=0)
