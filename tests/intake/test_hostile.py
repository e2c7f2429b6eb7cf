"""Hostile input files are refused with bounded output: a huge cell is one problem
row showing its first characters and its length, a file past the size limit is
refused unread; and the unit hierarchy is a tree (parents exist, no unit is its
own parent, no cycle)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

import pandas as pd
import pytest
from typer.testing import CliRunner

import evaluation as ev
from evaluation.cli import app
from evaluation.intake import io

from ..conftest import ROOT, TINY_ROWS, TINY_UNITS, write_dataset

SAMPLE = ROOT / "data" / "sample"
CELL_RULE = "cell_length: at most 1000 characters in a cell"


def problems(catalogue, folder) -> pd.DataFrame:
    with pytest.raises(ev.ValidationFailed) as info:
        ev.validate_dataset(ev.load_dataset(folder), catalogue)
    return info.value.report


def test_a_20_mb_cell_is_one_short_problem_row_through_the_cli(tmp_path):
    data = tmp_path / "sample"
    shutil.copytree(SAMPLE, data)
    audit = data / "observations" / "audit.csv"
    lines = audit.read_text(encoding="utf-8-sig").splitlines()
    fields = lines[2].split(",")  # line 3: D02's audit_issue_amount_share 2024
    assert fields[:4] == ["D02", "2024", "audit_issue_amount_share", "1.5"]
    fields[3] = "x" * 20_000_000
    lines[2] = ",".join(fields)
    audit.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = tmp_path / "problems.csv"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "evaluation.cli",
            "validate",
            data,
            "--report",
            report,
            "--lang",
            "en",
        ],  # fmt: skip
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert len(done.stderr) < 20_000  # was 40 MB: the table padded to the cell
    shown = "x" * 80 + "… (20000000 characters)"
    assert "observations/audit.csv" in done.stderr and shown in done.stderr
    assert CELL_RULE in done.stderr
    assert report.stat().st_size < 20_000
    rows = pd.read_csv(report, encoding="utf-8-sig", dtype=str)
    assert rows.values.tolist() == [
        ["observations/audit.csv", "3", "value", shown, CELL_RULE],
        [
            "observations/audit.csv",
            "3",
            "value",
            shown,
            "numeric: must be a number (decimal point, no %, no thousands "
            "separator) or empty",
        ],
    ]


def test_a_cell_of_1000_characters_passes_and_1001_is_a_problem(
    tiny_catalogue, tmp_path
):
    units = TINY_UNITS.copy()
    units.loc[0, "name_en"] = "B" * 1000
    ev.validate_dataset(
        ev.load_dataset(write_dataset(tmp_path / "ok", units, TINY_ROWS)),
        tiny_catalogue,
    )
    units.loc[0, "name_en"] = "B" * 1001
    report = problems(
        tiny_catalogue, write_dataset(tmp_path / "long", units, TINY_ROWS)
    )
    assert report.values.tolist() == [
        ["units.csv", 2, "name_en", "B" * 80 + "… (1001 characters)", CELL_RULE,
         "单元格内容过长：每格最多1000个字符"]
    ]  # fmt: skip


def test_a_long_id_cell_says_so_among_its_other_problems(tiny_catalogue, tmp_path):
    rows = [("U" * 5000, *TINY_ROWS[0][1:]), *TINY_ROWS[1:]]
    with pytest.raises(ev.ValidationFailed) as info:
        ev.validate_dataset(
            ev.load_dataset(write_dataset(tmp_path, TINY_UNITS, rows)), tiny_catalogue
        )
    report = info.value.report
    line2 = report[report["row"] == 2]
    shown = "U" * 80 + "… (5000 characters)"
    assert set(zip(line2["column"], line2["value"], line2["rule"], strict=True)) >= {
        ("unit_id", shown, CELL_RULE)
    }
    assert shown in str(info.value) and len(str(info.value)) < 5_000


def test_a_file_past_the_size_limit_is_refused_naming_file_and_size(
    tmp_path, monkeypatch
):
    folder = write_dataset(tmp_path, TINY_UNITS, TINY_ROWS)
    units = (folder / "units.csv").stat().st_size
    office = (folder / "observations" / "office.csv").stat().st_size
    assert office > units
    monkeypatch.setattr(io, "MAX_FILE_BYTES", units)  # units.csv just fits
    with pytest.raises(ev.ValidationFailed) as info:
        ev.load_dataset(folder)
    assert info.value.report[["file", "rule"]].values.tolist() == [
        [
            "observations/office.csv",
            f"file too large: {office} bytes; at most {units} bytes are read "
            "(send it as several files)",
        ]
    ]


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet"])
def test_a_file_that_unpacks_past_the_limit_is_refused_before_unpacking(
    suffix, tiny_catalogue, tmp_path, monkeypatch
):
    folder = write_dataset(tmp_path, TINY_UNITS, TINY_ROWS)
    frame = pd.read_csv(folder / "observations" / "office.csv", dtype=str)
    (folder / "observations" / "office.csv").unlink()
    path = folder / "observations" / f"office{suffix}"
    if suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_parquet(path)
    ev.validate_dataset(ev.load_dataset(folder), tiny_catalogue)  # fine as it is
    monkeypatch.setattr(io, "MAX_UNPACKED_BYTES", 100)
    with pytest.raises(ev.ValidationFailed) as info:
        ev.load_dataset(folder)
    (file, rule), *more = info.value.report[["file", "rule"]].values.tolist()
    assert not more and file == f"observations/office{suffix}"
    assert rule.startswith("file too large unpacked: ")
    assert rule.endswith("bytes; at most 100 bytes are read (send it as several files)")
    if suffix == ".xlsx":  # what the archive's directory says it unpacks to
        with zipfile.ZipFile(path) as archive:
            size = sum(m.file_size for m in archive.infolist())
        assert f"unpacked: {size} bytes" in rule


# ------------------------------------------------------------ unit hierarchy
OWN = "own_parent: a unit cannot be its own parent"
CYCLE = (
    "parent_cycle: following parent_id up from this unit comes back round "
    "(A → B → A); the units must form a tree"
)
KNOWN = "known_parent: parent_id must be a unit_id in this table"
SPACED_U1 = "spaces: 'U1 ' has spaces at its start or end; delete them"


def hierarchy_problems(catalogue, folder, parents) -> list:
    """The parent_id problems for TINY_UNITS (U1, U2, U3 on lines 2-4) with these
    parents, as (row, value, rule)."""
    units = TINY_UNITS.assign(parent_id=parents)
    path = write_dataset(folder, units, TINY_ROWS)
    report = problems(catalogue, path)
    assert (report["file"] == "units.csv").all()
    assert (report["column"] == "parent_id").all()
    return report[["row", "value", "rule"]].values.tolist()


@pytest.mark.parametrize(
    "parents, expected",
    [
        (["U1", "", ""], [[2, "U1", OWN]]),
        (["U2", "U1", ""], [[2, "U2", CYCLE], [3, "U1", CYCLE]]),
        (["U2", "U3", "U1"], [[2, "U2", CYCLE], [3, "U3", CYCLE], [4, "U1", CYCLE]]),
        # U3 is on no cycle, but following its parents never ends
        (["U2", "U1", "U1"], [[2, "U2", CYCLE], [3, "U1", CYCLE], [4, "U1", CYCLE]]),
        # U2 leads into U1, its own parent
        (["U1", "U1", ""], [[2, "U1", OWN], [3, "U1", CYCLE]]),
        (["U9", "", ""], [[2, "U9", KNOWN]]),
        # a spaced parent: its spaces and what it would be without them, one round
        (["U1 ", "", ""], [[2, "U1 ", OWN], [2, "“U1 ”", SPACED_U1]]),
        (
            ["U2", "U1 ", ""],
            [[2, "U2", CYCLE], [3, "U1 ", CYCLE], [3, "“U1 ”", SPACED_U1]],
        ),
    ],
    ids=[
        "own",
        "two",
        "three",
        "into two",
        "into own",
        "unknown",
        "own spaced",
        "two spaced",
    ],
)
def test_a_unit_hierarchy_that_is_not_a_tree_is_refused(
    parents, expected, tiny_catalogue, tmp_path
):
    got = hierarchy_problems(tiny_catalogue, tmp_path, parents)
    assert got == expected


def test_a_tree_of_units_passes(tiny_catalogue, tmp_path):
    units = TINY_UNITS.assign(parent_id=["", "U1", "U2"])  # U3 → U2 → U1
    path = write_dataset(tmp_path, units, TINY_ROWS)
    valid = ev.validate_dataset(ev.load_dataset(path), tiny_catalogue)
    assert valid.units["parent_id"].tolist()[1:] == ["U1", "U2"]


def test_a_unit_that_is_its_own_parent_is_refused_by_validate(tmp_path):
    data = tmp_path / "sample"
    shutil.copytree(SAMPLE, data)
    units = data / "units.csv"
    text = units.read_text(encoding="utf-8-sig").splitlines()
    assert text[1].startswith("D01,") and text[1].endswith(",department,")
    text[1] += "D01"
    units.write_text("\n".join(text) + "\n", encoding="utf-8")
    done = CliRunner().invoke(
        app, ["validate", str(data), "-c", str(ROOT / "indicators.yaml")]
    )
    assert done.exit_code == 1  # in Chinese by default, for the agency's clerk
    assert "units.csv：1处，单位不能是自己的上级单位" in done.output
    done = CliRunner().invoke(
        app,
        ["validate", str(data), "-c", str(ROOT / "indicators.yaml"), "--lang", "en"],
    )
    assert done.exit_code == 1
    assert "units.csv: 1 × own_parent: a unit cannot be its own parent" in done.output
    assert any(  # the problem row in the printed table, whatever its padding
        line.split()[:5] == ["units.csv", "2", "parent_id", "D01", "own_parent:"]
        for line in done.output.splitlines()
    ), done.output


def test_a_parquet_file_with_a_numeric_value_column_validates(tmp_path, catalogue):
    """Parquet keeps numbers as numbers: the cell-length rule measures text cells
    only, so a numeric value column passes as it did."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "sample", data)
    folder = data / "observations"
    table = ev.read_observations(*sorted(folder.iterdir()))[
        ["unit_id", "period", "indicator_id", "value"]
    ]
    table["value"] = pd.to_numeric(table["value"], errors="coerce")
    for p in list(folder.iterdir()):
        p.unlink()
    table.to_parquet(folder / "all.parquet", index=False)
    checked = ev.validate_dataset(ev.load_dataset(data), catalogue)
    assert len(checked.observations) == len(table)


def test_a_workbook_sharing_one_long_string_among_many_cells_is_refused_fast(
    tmp_path,
):
    """40,000 cells holding one shared 30,000-character string: a small archive that
    says it unpacks to a few MB, 1.2 GB of text once every cell holds it. Refused
    from the shared strings, before a cell is built."""
    import time

    from evaluation.intake.io import read_table

    strings = ["x" * 30_000, "unit_id", "period", "indicator_id", "value", "D01",
               "2025-M01", "task_completion"]  # fmt: skip

    def row(r, ids):
        cells = "".join(
            f'<c r="{c}{r}" t="s"><v>{k}</v></c>'
            for c, k in zip("ABCD", ids, strict=True)
        )
        return f'<row r="{r}">{cells}</row>'

    rows = [row(1, [1, 2, 3, 4])] + [row(r, [5, 6, 7, 0]) for r in range(2, 40_002)]
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml"'
            ' ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            'sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/'
            'sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships"><Relationship Id="r1" Type="{rel}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook {ns} xmlns:r="{rel}"><sheets><sheet name="s" sheetId="1" '
            'r:id="r1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships"><Relationship Id="r1" Type="{rel}/worksheet" '
            'Target="worksheets/sheet1.xml"/><Relationship Id="r2" '
            f'Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            f"<worksheet {ns}><sheetData>{''.join(rows)}</sheetData></worksheet>"
        ),
        "xl/sharedStrings.xml": (
            f'<sst {ns} count="{len(strings)}" uniqueCount="{len(strings)}">'
            + "".join(f"<si><t>{t}</t></si>" for t in strings)
            + "</sst>"
        ),
    }
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    assert path.stat().st_size < 5_000_000  # 1.2 GB of text in the cells
    start = time.perf_counter()
    with pytest.raises(ev.ValidationFailed) as caught:
        read_table(path)
    assert time.perf_counter() - start < 5
    (rule,) = caught.value.report["rule"]
    assert "30000 characters" in rule and "at most 1000" in rule
