"""Fixtures the end-to-end CLI tests share: the sample scored for 2025-Q4 and a
store it was published to (released), both through the CLI as an analyst runs it."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from evaluation.cli import app

from ..conftest import ROOT


def _invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def q4_result(tmp_path_factory):
    """``evaluation score data/sample --period 2025-Q4``: the result folder."""
    out = tmp_path_factory.mktemp("scored")
    done = _invoke(
        "score", ROOT / "data" / "sample", "--period", "2025-Q4", "--out", out,
        "--catalogue", ROOT / "indicators.yaml",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    return out / "result"


@pytest.fixture(scope="module")
def q4_store(q4_result, tmp_path_factory):
    """``evaluation publish <result> --release``: the store."""
    path = tmp_path_factory.mktemp("store") / "store.duckdb"
    done = _invoke("publish", q4_result, "--store", path, "--by", "测试", "--release")
    assert done.exit_code == 0, done.output
    return path
