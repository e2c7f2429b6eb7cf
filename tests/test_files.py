"""Output files are written whole or not at all, readable as the umask allows."""

from __future__ import annotations

import os
import stat

import pandas as pd
import pytest

from evaluation.files import replacing
from evaluation.publish.export import write_media_csv


def test_a_media_csv_is_readable_by_the_group_as_the_umask_allows(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_media_csv(pd.DataFrame({"单位": ["市财政局"]}), tmp_path / "m.csv")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # 0o666 less the umask 0o022
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM Excel needs


def test_an_error_leaves_the_old_file_and_no_temporary_one(tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), replacing(path) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("killed midway")
    assert path.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.csv"]


def test_project_root_is_the_same_from_any_folder(monkeypatch, tmp_path):
    """A notebook's kernel starts in notebooks/ (JupyterLab) or at the root
    (pytest): both find the folder with indicators.yaml, as does a stray folder."""
    from evaluation.files import ROOT_VARIABLE, project_root

    from .conftest import ROOT

    monkeypatch.delenv(ROOT_VARIABLE, raising=False)
    for folder in (ROOT, ROOT / "notebooks", tmp_path):
        monkeypatch.chdir(folder)
        assert project_root() == ROOT.resolve()
    monkeypatch.setenv(ROOT_VARIABLE, str(tmp_path))  # a copy elsewhere
    assert project_root() == tmp_path.resolve()
