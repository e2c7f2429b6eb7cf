"""What a wheel of the project carries for the dashboard: every asset the pages
load, including the vendored plotly.js bundle (a package-data glob is not
recursive: assets/* alone left assets/vendor/ out of an install)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_wheel_carries_every_dashboard_asset(tmp_path):
    # built from a copy: setuptools reuses a build/ folder it finds beside the
    # sources, which would carry files an earlier build packaged
    src = tmp_path / "src"
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in ("evaluation", "dashboards"):
        shutil.copytree(ROOT / name, src / name, ignore=skip)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(tmp_path), str(src)],
        check=True,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("evaluation-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assets = ROOT / "dashboards" / "assets"
    wanted = {
        p.relative_to(ROOT).as_posix()
        for p in assets.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert any("vendor/plotly-cartesian" in n for n in wanted)
    assert wanted <= names, sorted(wanted - names)
