"""Dask: a partitioned dataset scored on a LocalCluster equals one process."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import evaluation as ev
from evaluation.cli import app
from evaluation.errors import ValidationFailed
from evaluation.scale import distributed, national

from ..conftest import ROOT
from .test_national import SAMPLE, partitioned


@pytest.fixture(scope="module")
def client():
    with distributed.connect(workers=2) as c:  # LocalCluster, 2 processes × 1 thread
        yield c


@pytest.fixture(scope="module")
def dataset(catalogue, tmp_path_factory):
    data = ev.validate_dataset(ev.load_dataset(SAMPLE), catalogue)
    units = data.units.drop(columns=["source", "row"]).reset_index(drop=True)
    root = tmp_path_factory.mktemp("dask") / "reports"
    obs = data.observations[["unit_id", "period", "indicator_id", "value"]]
    partitioned(obs, units, root)
    return root, units


def test_a_partitioned_dataset_scores_identically_on_the_cluster(
    client, catalogue, dataset
):
    root, units = dataset
    assert len(national.files(root)) == 5  # one task per peer group's file
    for period in ("2025", "2025-Q4"):
        here = national.score_parquet(root, units, catalogue, period=period)
        there = distributed.score_parquet(
            root, units, catalogue, period=period, client=client
        )
        assert there.composite.equals(here.composite)
        assert there.ranks.equals(here.ranks)
        assert there.normalised.equals(here.normalised)
        assert there.prepared.equals(here.prepared)
        assert there.aggregated.scores.equals(here.aggregated.scores)


def test_the_cluster_reports_every_files_problems(client, catalogue, dataset, tmp_path):
    root, units = dataset
    bad = tmp_path / "reports"
    for f in national.files(root):
        frame = pd.read_parquet(f)
        if "peer_group=district" in str(f):
            frame.loc[frame.index[2], "value"] = 1e9  # out of every valid range
        (bad / f.parent.name).mkdir(parents=True)
        frame.to_parquet(bad / f.parent.name / f.name, index=False)
    with pytest.raises(ValidationFailed) as exc:
        distributed.score_parquet(bad, units, catalogue, period="2025", client=client)
    report = exc.value.report
    assert len(report) == 1
    assert report["file"].iloc[0].endswith("peer_group=district/part-0.parquet")
    assert (report["row"].iloc[0], report["value"].iloc[0]) == (3, "1000000000.0")
    assert report["rule"].iloc[0].startswith("valid_range[")


def test_the_command_line_scores_on_a_local_cluster(dataset, tmp_path):
    root, _ = dataset
    args = ["national", str(root), "--units", str(SAMPLE / "units.csv"), "-p", "2025",
            "-c", str(ROOT / "indicators.yaml")]  # fmt: skip
    here = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "one")])
    there = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "two"), "--dask"])
    assert here.exit_code == 0, here.output
    assert there.exit_code == 0, there.output
    assert "50个单位中50个参加排名" in there.output
    for done in (here, there):  # a bar over the files only on a terminal: not here
        assert "files:" not in done.output and "5/5" not in done.output
    for name in ("composite", "ranks", "scores"):
        a = pd.read_parquet(tmp_path / "one" / "national_2025" / f"{name}.parquet")
        b = pd.read_parquet(tmp_path / "two" / "national_2025" / f"{name}.parquet")
        assert a.equals(b) and len(a) == 50


def test_draws_on_the_cluster_equal_draws_in_one_process(client, sample_result):
    from evaluation.analysis import uncertainty as U

    spec = U.Spec(
        n=300, seed=4, chunk=70, weight_levels=(1, 2),
        normalisations=(U.CATALOGUE, "zscore"), imputations=(U.CATALOGUE, "peer_mean"),
        weights="dirichlet",
    )  # fmt: skip
    here = U.run(sample_result, spec)
    there = U.run(sample_result, spec, client=client)
    assert np.array_equal(there.scores, here.scores, equal_nan=True)
    assert there.summary.equals(here.summary)
    assert there.draws.equals(here.draws)


def test_the_command_line_sends_draws_to_a_scheduler_address(
    client, sample_result, tmp_path
):
    from evaluation.publish.store import save_result

    folder = save_result(sample_result, tmp_path / "result")
    args = ["uncertainty", str(folder), "--draws", "120", "--levels", "1,2",
            "--normalisations", "catalogue,zscore"]  # fmt: skip
    here = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "a.csv")])
    there = CliRunner().invoke(
        app,
        [*args, "--out", str(tmp_path / "b.csv"),
         "--scheduler", client.scheduler.address],
    )  # fmt: skip
    assert here.exit_code == 0, here.output
    assert there.exit_code == 0, there.output
    a, b = (pd.read_csv(tmp_path / f, encoding="utf-8-sig") for f in ("a.csv", "b.csv"))
    assert a.equals(b) and len(a) == 50
