"""Output files are written whole or not at all, readable as the umask allows."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pandas as pd
import pytest

import evaluation as ev
from evaluation.appraisal.config import load_config
from evaluation.files import read_yaml, replacing, replacing_folder
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
    assert zh.drop(columns="写出时间（北京时间）").values.tolist() == (
        plain.drop(columns="modified").values.tolist()
    )
    en = listing(tmp_path / "a.csv", lang="en")
    assert list(en.columns) == ["File", "Bytes", "Mode", "Written (Beijing time)",
                                "Folder"]  # fmt: skip


def test_listing_says_when_written_as_chinese_readers_write_a_time(tmp_path):
    """In Chinese, 写出时间 reads as officials write a date and time, to the
    minute (2026年12月7日 08:28); in English and for scripts, as before."""
    import calendar
    import os

    from evaluation.files import listing

    book = tmp_path / "a.csv"
    book.write_text("x\n", encoding="utf-8")
    stamp = calendar.timegm((2026, 12, 7, 0, 28, 19))  # 00:28:19 UTC
    os.utime(book, (stamp, stamp))
    assert listing(book, lang="zh").iloc[0, 3] == "2026年12月7日 08:28"  # UTC+8
    assert listing(book, lang="en").iloc[0, 3] == "2026-12-07 08:28:19"
    assert listing(book).loc[0, "modified"] == "2026-12-07 08:28:19"


#: 投诉办结天数's target and the two lines after it: a ``target: 8`` written after
#: them is three lines below the first
TARGET = (
    "    target: 5\n    valid: {min: 0, max: 90}\n"
    "    risk: {yellow: 10, orange: 15, red: 20}\n"
)


def catalogue_with(tmp_path, *changes: tuple[str, str]) -> tuple[Path, list[str]]:
    """indicators.yaml with each ``(text, lines)``: ``lines`` written after the
    first place ``text`` is; the file and its lines."""
    text = (ev.project_root() / "indicators.yaml").read_text(encoding="utf-8")
    for line, after in changes:
        assert line in text
        text = text.replace(line, line + after, 1)
    path = tmp_path / "indicators.yaml"
    path.write_text(text, encoding="utf-8")
    return path, text.splitlines()


def test_a_key_given_twice_is_refused_with_both_lines_and_the_content_faults(
    tmp_path,
):
    """A copy-pasted ``weight:`` line (YAML keeps the last without a word: before,
    the only problem said was the -1 the second gives): the key given twice at the
    second's line, naming the first's, and in the same pass the fault of the value
    YAML keeps, on that line too (not on the first, which holds a valid weight)."""
    path, lines = catalogue_with(tmp_path, ("    weight: 0.4\n", "    weight: -1\n"))
    line = lines.index("    weight: -1") + 1
    assert lines[line - 2] == "    weight: 0.4"
    with pytest.raises(ev.CatalogueError) as info:
        ev.load_catalogue(path)
    twice, weight = info.value.problems.to_dict("records")
    assert twice["path"] == "indicators[0].weight" and twice["line"] == line
    assert twice["item"] == "approval_on_time_rate" and twice["file"] == path.name
    assert twice["rule_zh"].startswith(f"键“weight”重复（第{line - 1}行已有同名键）")
    assert twice["rule"].startswith(
        f"key 'weight' given twice (also on line {line - 1})"
    )
    assert weight["path"] == "indicators[0].weight" and weight["line"] == line
    assert weight["value"] == "-1"


def test_every_key_given_twice_is_said_at_once_in_the_files_order(tmp_path):
    """A second ``target:`` of 投诉办结天数 (the reviewer's: it moved ranks 5-10
    with nothing said), a second ``unit_zh:`` and a second top-level ``version:``:
    three problems, by line, each naming the first's line."""
    path, lines = catalogue_with(
        tmp_path,
        ('version: "2025.1"\n', 'version: "2025.2"\n'),
        (TARGET, "    target: 8\n"),
        ("    unit_zh: 工作日\n", "    unit_zh: 天\n"),
    )
    days = "complaint_handling_days"
    version = lines.index('version: "2025.1"') + 1
    unit = lines.index("    unit_zh: 工作日") + 1
    target = lines.index("    normalisation: {method: target, worst: 30}") + 2
    assert lines[target + 2] == "    target: 8" and lines[unit] == "    unit_zh: 天"
    with pytest.raises(ev.CatalogueError) as info:
        ev.load_catalogue(path)
    got = info.value.problems
    expected = [
        ("version", version + 1, None, "version", version),
        ("indicators[4].unit_zh", unit + 1, days, "unit_zh", unit),
        ("indicators[4].target", target + 3, days, "target", target),
    ]  # fmt: skip
    assert len(got) == 3
    for (where, line, item, key, was), row in zip(
        expected, got.itertuples(), strict=True
    ):
        whose = row.item if isinstance(row.item, str) else None  # top level: none
        assert (row.path, row.line, whose) == (where, line, item)
        assert row.rule.startswith(f"key '{key}' given twice (also on line {was})")
        assert row.rule_zh.startswith(f"键“{key}”重复（第{was}行已有同名键）")


def test_a_stored_runs_catalogue_is_read_as_it_was_scored(tmp_path):
    """A run scored (by an earlier version) with a key given twice rebuilds: read
    as ``stored``, the last of the two is kept, as YAML kept it then."""
    path, _ = catalogue_with(
        tmp_path,
        (TARGET, "    target: 8\n"),
    )
    catalogue = ev.load_catalogue(path, stored=True)
    assert catalogue.table.loc["complaint_handling_days", "target"] == 8
    with pytest.raises(ev.CatalogueError):
        ev.load_catalogue(path)


def test_a_merge_a_key_overrides_is_not_a_key_given_twice(tmp_path):
    """``<<: *base`` and a key beside it (YAML's "as base, but"), a base that
    merges another: read, not refused; keys equal as YAML reads them (1, 0x1)
    are one key given twice."""
    text = "a: &a {x: 1, y: 2}\nb: &b\n  <<: *a\n  x: 3\nc:\n  <<: *b\n  y: 4\n  x: 5\n"
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    assert read_yaml(path) == {
        "a": {"x": 1, "y": 2}, "b": {"x": 3, "y": 2}, "c": {"x": 5, "y": 4}
    }  # fmt: skip
    path.write_text("n:\n  1: one\n  0x1: also one\n", encoding="utf-8")
    with pytest.raises(ev.CatalogueError) as info:
        read_yaml(path)
    row = info.value.problems.iloc[0]
    assert (row["path"], row["line"]) == ("n.0x1", 3)
    assert "(also on line 2)" in row["rule"]


def test_a_key_given_twice_in_the_appraisal_config_is_refused(tmp_path):
    """appraisal.yaml with a second ``quota:`` (the reviewer's: 3 优秀 in a group
    instead of 2, nothing said), said at its line with the first's."""
    text = (ev.project_root() / "appraisal.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    at = next(i for i, x in enumerate(lines) if x.startswith("  quota: {share: 0.2"))
    lines.insert(at + 1, "  quota: {share: 0.4, per: group}")
    path = tmp_path / "appraisal.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ev.CatalogueError) as info:
        load_config(path)
    (row,) = info.value.problems.to_dict("records")
    assert (row["path"], row["line"]) == ("grades.quota", at + 2)
    assert row["rule_zh"].startswith(f"键“quota”重复（第{at + 1}行已有同名键）")


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
