"""Output files are written whole or not at all, readable as the umask allows."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pandas as pd
import pytest

import evaluation as ev
from evaluation.files import replacing, replacing_folder
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


def test_a_folder_where_the_file_goes_is_refused_before_it_is_written(tmp_path):
    """Its rename would fail once the file is written (after the others', where
    many go together: letters, a media CSV and its note): refused on entering,
    naming it, before the caller writes anything."""
    folder = tmp_path / "letter.pdf"
    folder.mkdir()
    written = []
    with pytest.raises(IsADirectoryError) as refused, replacing(folder) as tmp:
        written.append(tmp)
    assert written == [] and refused.value.filename == str(folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["letter.pdf"]


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


def test_listing_names_each_file_written_with_size_mode_and_beijing_time(tmp_path):
    """What a notebook ends with: the files given and those under a folder given
    (hidden temporaries left out), with their size, mode and time in Beijing."""
    import calendar

    from evaluation.files import listing

    old = os.umask(0o022)
    try:
        book = write_media_csv(pd.DataFrame({"单位": ["市财政局"]}), tmp_path / "a.csv")
    finally:
        os.umask(old)
    folder = tmp_path / "parts"
    (folder / "year=2025").mkdir(parents=True)
    (folder / "year=2025" / "p0.parquet").write_bytes(b"12345")
    (folder / ".p1.parquet-tmp").write_bytes(b"half")
    stamp = calendar.timegm((2026, 1, 15, 9, 0, 5))  # 09:00:05 UTC
    os.utime(book, (stamp, stamp))
    table = listing(book, folder)
    assert table["file"].tolist() == ["a.csv", "year=2025/p0.parquet"]
    assert table["bytes"].tolist() == [book.stat().st_size, 5]
    assert table.loc[0, "mode"] == "0644"
    assert table.loc[0, "modified"] == "2026-01-15 17:00:05"  # UTC+8
    assert table["folder"].tolist() == [str(tmp_path), str(folder)]
    with pytest.raises(FileNotFoundError, match="never.csv"):
        listing(tmp_path / "never.csv")


def test_listing_headed_in_the_analysts_words(tmp_path):
    """The same listing, headed in Chinese or English for the notebook's reader;
    without ``lang`` the column codes, as scripts have read it."""
    from evaluation.files import LISTING_COLUMNS, listing

    (tmp_path / "a.csv").write_text("x\n", encoding="utf-8")
    plain = listing(tmp_path / "a.csv")
    zh = listing(tmp_path / "a.csv", lang="zh")
    assert list(plain.columns) == LISTING_COLUMNS
    assert list(zh.columns) == [
        "文件", "大小（字节）", "权限", "写出时间（北京时间）", "所在文件夹",
    ]  # fmt: skip
    assert zh.values.tolist() == plain.values.tolist()
    en = listing(tmp_path / "a.csv", lang="en")
    assert list(en.columns) == ["File", "Bytes", "Mode", "Written (Beijing time)",
                                "Folder"]  # fmt: skip


def test_a_key_given_twice_is_located_at_the_one_yaml_keeps(tmp_path):
    """YAML keeps the last of two equal keys: the problem is on that line, not on
    the first (which holds a valid weight)."""
    text = (ev.project_root() / "indicators.yaml").read_text(encoding="utf-8")
    first = "    weight: 0.4\n"
    assert first in text
    text = text.replace(first, first + "    weight: -1\n", 1)
    path = tmp_path / "indicators.yaml"
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("    weight: -1") + 1
    with pytest.raises(ev.CatalogueError) as info:
        ev.load_catalogue(path)
    problem = info.value.problems.iloc[0]
    assert problem["path"].endswith(".weight") and problem["line"] == line
    assert problem["item"] == "approval_on_time_rate"


def test_a_folder_is_replaced_whole_and_a_killed_swaps_leftover_goes(tmp_path):
    """A folder written through ``replacing_folder`` takes the old one's place only
    when the block ends; an error leaves the old folder and no staging one. A swap
    killed between its two renames left the old folder as ``.NAME-old``: the next
    write removes it (the new folder replaces both)."""
    path = tmp_path / "national_2025"
    path.mkdir()
    (path / "ranks.parquet").write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), replacing_folder(path) as tmp:
        (tmp / "ranks.parquet").write_text("half", encoding="utf-8")
        raise RuntimeError("killed midway")
    assert (path / "ranks.parquet").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["national_2025"]
    leftover = tmp_path / ".national_2025-old"  # a swap killed after its first rename
    path.rename(leftover)
    with replacing_folder(path) as tmp:
        (tmp / "ranks.parquet").write_text("new", encoding="utf-8")
    assert (path / "ranks.parquet").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["national_2025"]


def test_two_saves_of_one_folder_at_once_both_finish_and_the_last_wins(
    tmp_path, monkeypatch
):
    """Another save's folder landing at ``path`` between this save's two renames (two
    ``evaluation score --out`` into one folder at once) is moved aside too: this save
    finishes, its folder whole at ``path``, and nothing is left beside it. Before, the
    second rename met a full folder there and the save failed (ENOTEMPTY)."""
    import evaluation.files as files

    path = tmp_path / "result"
    path.mkdir()
    (path / "ranks.parquet").write_text("first", encoding="utf-8")
    real_replace, landed = os.replace, []

    def replace(src, dst):
        if Path(dst) == path and not landed:  # the other save lands just before ours
            other = tmp_path / "other"
            other.mkdir()
            (other / "ranks.parquet").write_text("other", encoding="utf-8")
            real_replace(other, path)
            landed.append(True)
        return real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", replace)
    with replacing_folder(path) as tmp:
        (tmp / "ranks.parquet").write_text("ours", encoding="utf-8")
    assert landed
    assert (path / "ranks.parquet").read_text(encoding="utf-8") == "ours"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result"]
