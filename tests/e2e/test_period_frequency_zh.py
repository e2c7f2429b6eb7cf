"""A period typed in the wrong frequency, as ``evaluation validate`` tells the
clerk: the example is of the row's own year, so a row of 2024 in a file of 2024
and 2025 is told 2024-Q1, the period it meant, not 2025-Q1. Expected words
written by hand (the indicator's name from indicators.yaml)."""

from __future__ import annotations

import shutil

from typer.testing import CliRunner

from evaluation.cli import app

from ..conftest import ROOT, validate_report


def test_a_rows_example_is_of_its_own_year(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "sample", data)
    legal = data / "observations" / "legal.csv"  # 2024-Q1 … 2025-Q4, quarterly
    lines = legal.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("D01,2024-Q1,decisions_overturned_rate,")
    lines[1] = lines[1].replace("2024-Q1", "2024-M03")  # March, for the quarter
    legal.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = validate_report(data, tmp_path / "problems.csv")
    rows = [r for r in report if r["值"] == "2024-M03"]
    assert [(r["行"], r["规则"]) for r in rows] == [
        (
            "2",
            "报告期与报送频率不符：行政复议和诉讼纠错率按季度报送，报告期应写作"
            "“2024-Q1”这样的形式（2024年第一季度）",
        )
    ]
    english = CliRunner().invoke(
        app,
        ["validate", str(data), "--lang", "en",
         "--catalogue", str(ROOT / "indicators.yaml")],
    )  # fmt: skip
    assert (
        "period_frequency: decisions_overturned_rate is reported quarterly, "
        "e.g. 2024-Q1" in english.output
    )
