"""Shared fixtures: a tiny hand-checkable catalogue and dataset, paths, shared data."""

from __future__ import annotations

import copy
import os
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest

import evaluation as ev

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"

# 2 dimensions, 4 indicators, one of each normalisation and roll-up.
TINY = {
    "id": "tiny",
    "version": "1",
    "name_zh": "测试指标体系",
    "name_en": "Test catalogue",
    "settings": {"sibling_weights": "renormalise", "min_coverage": 0.5},
    "agencies": [{"id": "office", "name_zh": "办公室", "name_en": "Office"}],
    "peer_groups": [
        {"id": "g1", "name_zh": "第一组", "name_en": "Group one"},
        {"id": "g2", "name_zh": "第二组", "name_en": "Group two"},
    ],
    "dimensions": [
        {"id": "a", "name_zh": "甲", "name_en": "A", "weight": 0.6},
        {"id": "b", "name_zh": "乙", "name_en": "B", "weight": 0.4},
    ],
    "indicators": [
        {
            "id": "a1",
            "parent": "a",
            "weight": 1,
            "direction": "higher",
            "normalisation": {"method": "minmax"},
            "frequency": "quarterly",
            "rollup": "mean",
            "valid": {"min": 0, "max": 100},
        },
        {
            "id": "a2",
            "parent": "a",
            "weight": 1,
            "direction": "lower",
            "normalisation": {"method": "goalposts", "worst": 10, "best": 0},
            "frequency": "quarterly",
            "rollup": "sum",
            "valid": {"min": 0, "max": 50},
        },
        {
            "id": "b1",
            "parent": "b",
            "weight": 3,
            "direction": "higher",
            "normalisation": {"method": "target", "worst": 50},
            "target": 100,
            "frequency": "half_year",
            "rollup": "last",
            "valid": {"min": 0, "max": 100},
        },
        {
            "id": "b2",
            "parent": "b",
            "weight": 1,
            "direction": "higher",
            "normalisation": {"method": "zscore", "mean": 50, "sd": 10},
            "frequency": "annual",
            "rollup": "last",
            "valid": {"min": 0, "max": 100},
        },
    ],
}
for _ind in TINY["indicators"]:
    _ind.update(
        {
            "name_zh": _ind["id"] + "指标",
            "name_en": "Indicator " + _ind["id"],
            "definition_zh": "定义",
            "definition_en": "definition",
            "unit_zh": "分",
            "unit_en": "points",
            "agency": "office",
        }
    )

TINY_UNITS = pd.DataFrame(
    {
        "unit_id": ["U1", "U2", "U3"],
        "name_zh": ["一局", "二局", "三局"],
        "name_en": ["Bureau One", "Bureau Two", "Bureau Three"],
        "peer_group": ["g1", "g1", "g2"],
        "level": ["department"] * 3,
        "parent_id": [""] * 3,
    }
)

# 2025: a1 quarterly mean, a2 quarterly sum, b1 half-year last, b2 annual.
TINY_ROWS = [
    # unit, period, indicator, value
    ("U1", "2025-Q1", "a1", "80"),
    ("U1", "2025-Q2", "a1", "90"),
    ("U1", "2025-Q3", "a1", "70"),
    ("U1", "2025-Q4", "a1", "80"),
    ("U2", "2025-Q1", "a1", "60"),
    ("U2", "2025-Q2", "a1", "60"),
    ("U2", "2025-Q3", "a1", "60"),
    ("U2", "2025-Q4", "a1", "60"),
    ("U3", "2025-Q1", "a1", "100"),
    ("U3", "2025-Q2", "a1", "100"),
    ("U3", "2025-Q3", "a1", "100"),
    ("U3", "2025-Q4", "a1", "100"),
    ("U1", "2025-Q1", "a2", "1"),
    ("U1", "2025-Q2", "a2", "1"),
    ("U1", "2025-Q3", "a2", "1"),
    ("U1", "2025-Q4", "a2", "1"),
    ("U2", "2025-Q1", "a2", "0"),
    ("U2", "2025-Q2", "a2", "0"),
    ("U2", "2025-Q3", "a2", "2"),
    ("U2", "2025-Q4", "a2", ""),
    ("U3", "2025-Q1", "a2", "3"),
    ("U3", "2025-Q2", "a2", "3"),
    ("U3", "2025-Q3", "a2", "3"),
    ("U3", "2025-Q4", "a2", "3"),
    ("U1", "2025-H1", "b1", "60"),
    ("U1", "2025-H2", "b1", "90"),
    ("U2", "2025-H1", "b1", "100"),
    ("U2", "2025-H2", "b1", "75"),
    ("U3", "2025-H1", "b1", "40"),
    ("U3", "2025-H2", "b1", "50"),
    ("U1", "2025", "b2", "70"),
    ("U2", "2025", "b2", "80"),
    ("U3", "2025", "b2", "90"),
]


@pytest.fixture
def tiny_raw() -> dict:
    """The tiny catalogue as a mapping (deep copy: tests may break it)."""
    return copy.deepcopy(TINY)


def tiny_every(frequency: str, raw: dict | None = None) -> dict:
    """The tiny catalogue (``raw``, default a fresh copy) with every indicator
    reported at ``frequency``."""
    raw = copy.deepcopy(TINY) if raw is None else raw
    for ind in raw["indicators"]:
        ind["frequency"] = frequency
    return raw


@pytest.fixture
def tiny_catalogue() -> ev.Catalogue:
    return ev.parse_catalogue(copy.deepcopy(TINY), file="tiny.yaml")


def write_dataset(
    folder: Path,
    units: pd.DataFrame,
    rows,
    *,
    name: str = "office.csv",
    encoding: str = "utf-8-sig",
) -> Path:
    """Write a dataset folder from units and (unit, period, indicator, value) rows."""
    frame = (
        rows
        if isinstance(rows, pd.DataFrame)
        else pd.DataFrame(rows, columns=["unit_id", "period", "indicator_id", "value"])
    )
    return ev.write_dataset(folder, units, frame, name=name, encoding=encoding)


@pytest.fixture
def tiny_dataset_path(tmp_path) -> Path:
    return write_dataset(tmp_path / "tiny", TINY_UNITS, TINY_ROWS)


@pytest.fixture
def tiny_result(tiny_catalogue, tiny_dataset_path) -> ev.Result:
    data = ev.load_dataset(tiny_dataset_path)
    return ev.run(
        tiny_catalogue, data, period="2025", run_at="2026-01-15T09:00:00+00:00"
    )


@pytest.fixture(scope="session")
def catalogue() -> ev.Catalogue:
    return ev.load_catalogue(ROOT / "indicators.yaml")


@pytest.fixture(scope="session")
def sample_result(catalogue) -> ev.Result:
    data = ev.load_dataset(ROOT / "data" / "sample")
    return ev.run(
        catalogue,
        data,
        period="2025",
        run_at="2026-01-15T09:00:00+00:00",
    )


def load_example(name: str):
    """Import ``examples/<name>/run.py`` as a module (examples are not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        name, ROOT / "examples" / name / "run.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``; skipped where absent, except under CI=true (a failure)."""
    if SHARED_DATA.is_dir():
        return SHARED_DATA
    if os.environ.get("CI") == "true":
        pytest.fail(f"shared data folder {SHARED_DATA} is missing under CI=true")
    pytest.skip(f"shared data folder {SHARED_DATA} not present beside the project")


def validate_report(data: Path, out: Path) -> list[dict]:
    """``evaluation validate DATA --report OUT`` as a clerk runs it (refused: exit
    1), with the project's catalogue: the problem report's rows, headed in
    Chinese."""
    import csv

    from typer.testing import CliRunner

    from evaluation.cli import app

    done = CliRunner().invoke(
        app,
        ["validate", str(data), "--report", str(out),
         "--catalogue", str(ROOT / "indicators.yaml")],
    )  # fmt: skip
    assert done.exit_code == 1, done.output
    with out.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def without_lines(said: str) -> str:
    """A configuration's problem report without where each problem is in its file
    (``（efficiency，第62行）``, `` (efficiency, line 62)``): for tests of the words."""
    said = re.sub(r"（(?:[^（），\n]*，)?第\d+行）(?=：)", "", said)
    return re.sub(r" \((?:[^()\n]*, )?line \d+\)(?=:)", "", said)


def half_up(x, places: int = 2) -> Decimal:
    """``x`` rounded as officials round it, worked out here by Decimal (not by the
    package): the number as a spreadsheet shows it (15 significant digits), then
    half up to ``places`` (87.27499999999999 is 87.275 → 87.28)."""
    return Decimal(f"{float(x):.15g}").quantize(
        Decimal(1).scaleb(-places), ROUND_HALF_UP
    )


#: the units the sample's 2025-Q4 ranks with a dimension not scored, as the summary
#: of score and of national names them: from its files, cost_per_service_item blank
#: (finance.xlsx) for D18, D20, D23, D29, decisions_overturned_rate (legal.csv) for
#: D17; either leaves its dimension at coverage 0.5, below min_coverage 0.6
BLANK_Q4 = {
    "zh": {
        "市文化广电旅游局（行政成本）", "市机关事务管理局（行政成本）",
        "市城市管理综合行政执法局（行政成本）", "市水利局（行政成本）",
        "市住房和城乡建设局（依法行政与责任追究）",
    },
    "en": {
        "Municipal Culture, Radio, Television and Tourism Bureau (Administrative cost)",
        "Municipal Government Offices Administration (Administrative cost)",
        "Municipal Urban Management and Law Enforcement Bureau (Administrative cost)",
        "Municipal Water Resources Bureau (Administrative cost)",
        "Municipal Housing and Urban-Rural Development Bureau "
        "(Law-based administration and accountability)",
    },
}  # fmt: skip
