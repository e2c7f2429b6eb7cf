"""``evaluation score`` of a period no unit can be scored for, as the sample's
2026 with one agency's report in (the service centre's January, as its December):
the words say which agencies have not reported, and advise scoring a longer period
only where there is one (a month's quarter and year, a quarter's year), never the
year a year was asked for. (With no report at all, the period is said to have
none: tests/test_pipeline.py.) Expected words written by hand."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from evaluation.cli import app

from ..conftest import ROOT


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    copy = tmp_path_factory.mktemp("data") / "sample"
    shutil.copytree(ROOT / "data" / "sample", copy)
    sent = copy / "observations" / "service_centre.csv"  # January sent as December
    lines = sent.read_text(encoding="utf-8-sig").splitlines()
    january = [
        line.replace(",2025-M12,", ",2026-M01,").rsplit(",", 1)[0] + ",2026-02-04"
        for line in lines
        if ",2025-M12," in line
    ]
    sent.write_text("\n".join([*lines, *january]) + "\n", encoding="utf-8-sig")
    return copy


@pytest.mark.parametrize(
    "period, zh, en",
    [
        ("2026", "待其报送后再评分", "score once they report"),
        (
            "2026-Q1",
            "待其报送后再评分，或改为按年度评分",
            "score once they report, or score the year",
        ),
        (
            "2026-M01",
            "待其报送后再评分，或改为按季度、年度评分",
            "score once they report, or score the quarter or year",
        ),
    ],
    ids=["year", "quarter", "month"],
)
def test_the_advice_fits_the_period_asked(data, tmp_path, period, zh, en):
    done = CliRunner().invoke(
        app,
        ["score", str(data), "--period", period, "--out", str(tmp_path / "out"),
         "--catalogue", str(ROOT / "indicators.yaml")],
    )  # fmt: skip
    assert done.exit_code == 1, done.output
    said_zh, said_en = done.output.strip().splitlines()
    assert said_zh.endswith(f"其余指标不足以计算综合得分：{zh}")
    assert said_en.endswith(f"the indicators left do not meet min_coverage; {en}")
    assert not (tmp_path / "out").exists()
