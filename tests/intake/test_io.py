"""Reading agencies' files: encodings, Excel, line numbers, unreadable files."""

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.intake.io import decode, read_table

from ..conftest import TINY_ROWS, TINY_UNITS, write_dataset

CHINESE = "unit_id,name\nU1,市纪委监委\n"


@pytest.mark.parametrize(
    "encoding, expected",
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gb18030", "gb18030"),
        ("gbk", "gb18030"),
        ("utf-16", "utf-16"),
    ],
)
def test_decode_detects_what_agencies_send(encoding, expected):
    text, found = decode(CHINESE.encode(encoding))
    assert text == CHINESE
    assert found == expected


def test_decode_refuses_bytes_that_are_neither_utf8_nor_gb18030():
    with pytest.raises(UnicodeDecodeError):
        decode(b"unit_id\n\x81\x20\xff\n")


def test_read_table_reports_line_numbers_and_skips_blank_lines(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("unit_id,value\nU1,1\n\nU2,\nU3,NA\n", encoding="utf-8")
    frame, record = read_table(path)
    assert frame["row"].tolist() == [2, 4, 5]  # line 3 is blank
    assert frame["value"].isna().tolist() == [
        False,
        True,
        False,
    ]  # only empty is missing
    assert frame["value"].tolist()[2] == "NA"  # 'NA' is text, for validation to refuse
    assert record["encoding"] == "utf-8" and len(record["sha256"]) == 64


def test_excel_rows_are_sheet_rows(tmp_path):
    path = tmp_path / "finance.xlsx"
    pd.DataFrame({"unit_id": ["U1", "U2"], "value": ["1.5", "2"]}).to_excel(
        path, index=False
    )
    frame, record = read_table(path)
    assert record["encoding"] == "xlsx"
    assert frame["row"].tolist() == [2, 3]
    assert frame["value"].tolist() == ["1.5", "2"]


@pytest.mark.parametrize(
    "content, rule",
    [
        (b"", "empty file"),
        (b"   \n", "empty file"),
        (b"unit_id,period,indicator_id,value\n", "no data rows"),
        (b"unit_id,value\n\x81\x20\xff,1\n", "unreadable encoding"),
    ],
)
def test_unreadable_files_name_the_file(tmp_path, content, rule):
    (tmp_path / "bad.csv").write_bytes(content)
    with pytest.raises(ev.ValidationFailed) as info:
        read_table(tmp_path / "bad.csv")
    assert info.value.report["file"].tolist() == ["bad.csv"]
    assert rule in info.value.report["rule"].item()


@pytest.mark.parametrize("line", [2, 4])
def test_a_comma_too_many_is_named_by_its_line_even_on_the_first_data_line(
    tmp_path, line
):
    """``12,5`` unquoted: on the first data line pandas would take the first column
    for an index and read every row shifted (thousands of meaningless problems)."""
    rows = ["unit_id,period,indicator_id,value", *["D01,2025-M01,x1,12"] * 4]
    rows[line - 1] = "D01,2025-M01,x1,12,5"
    (tmp_path / "obs.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(ev.ValidationFailed) as info:
        read_table(tmp_path / "obs.csv")
    report = info.value.report
    assert report["file"].tolist() == ["obs.csv"]
    assert report["rule_zh"].item().startswith(f"第{line}行有5列，表头只有4列")


@pytest.mark.parametrize("column", ["source", "row"])
def test_a_column_named_source_or_row_is_said_not_crashed_on_or_overwritten(
    tmp_path, column
):
    """The reader records each row's file and line in ``source`` and ``row``: a
    file with a column of that name (an export's own 来源系统 column headed
    source, a row counter) is refused naming the file and the column, not a pandas
    error ("cannot insert source") or its cells silently replaced by line numbers."""
    (tmp_path / "obs.csv").write_text(
        f"unit_id,period,indicator_id,value,{column}\nD01,2025-M01,x1,12,7\n",
        encoding="utf-8",
    )
    with pytest.raises(ev.ValidationFailed) as info:
        read_table(tmp_path / "obs.csv")
    report = info.value.report
    assert report[["file", "column"]].values.tolist() == [["obs.csv", column]]
    assert report["rule_zh"].item().startswith(f"表头有“{column}”列")


def test_load_dataset_reports_every_unreadable_file_at_once(tmp_path):
    write_dataset(tmp_path, TINY_UNITS, TINY_ROWS)
    (tmp_path / "observations" / "empty.csv").write_bytes(b"")
    (tmp_path / "observations" / "binary.csv").write_bytes(b"a\n\xff\xfe\x00\x81")
    with pytest.raises(ev.ValidationFailed) as info:
        ev.load_dataset(tmp_path)
    assert sorted(info.value.report["file"]) == [
        "observations/binary.csv",
        "observations/empty.csv",
    ]


def test_load_dataset_needs_units_and_observations(tmp_path):
    with pytest.raises(ev.ValidationFailed, match="dataset folder not found"):
        ev.load_dataset(tmp_path / "nowhere")
    (tmp_path / "x").mkdir()
    with pytest.raises(ev.ValidationFailed) as info:
        ev.load_dataset(tmp_path / "x")
    rules = " ".join(info.value.report["rule"])
    assert "units file" in rules and "no observation files" in rules


def test_two_units_files_are_said_by_their_own_names_not_units_csv(tmp_path):
    """A folder with units.xlsx and units.parquet (no units.csv): each file is
    named, so the clerk sees which to remove; units.csv only where there is none.
    Two events files likewise."""
    write_dataset(tmp_path, TINY_UNITS, TINY_ROWS)
    (tmp_path / "units.csv").unlink()
    TINY_UNITS.to_excel(tmp_path / "units.xlsx", index=False)
    TINY_UNITS.to_parquet(tmp_path / "units.parquet")
    events = pd.DataFrame({"unit_id": ["U1"], "period": ["2025"], "event_id": ["e"]})
    events.to_csv(tmp_path / "events.csv", index=False)
    events.to_excel(tmp_path / "events.xlsx", index=False)
    with pytest.raises(ev.ValidationFailed) as info:
        ev.load_dataset(tmp_path)
    report = info.value.report
    assert sorted(report["file"]) == [
        "events.csv",
        "events.xlsx",
        "units.parquet",
        "units.xlsx",
    ]
    units = report[report["file"] == "units.xlsx"]
    assert units["rule_zh"].item() == (
        "数据文件夹须有且只有一个单位名单文件（units.csv、txt、xlsx、xlsm或parquet）；"
        "现有：units.parquet、units.xlsx"
    )
    (tmp_path / "units.xlsx").unlink()
    (tmp_path / "units.parquet").unlink()
    (tmp_path / "events.xlsx").unlink()
    with pytest.raises(ev.ValidationFailed) as info:
        ev.load_dataset(tmp_path)
    assert info.value.report["file"].tolist() == ["units.csv"]  # the file expected


def test_dataset_records_encoding_and_hash_of_each_file(tmp_path):
    write_dataset(tmp_path, TINY_UNITS, TINY_ROWS, encoding="gb18030")
    data = ev.load_dataset(tmp_path)
    enc = dict(zip(data.files["file"], data.files["encoding"], strict=True))
    # ASCII-only content is valid UTF-8 whatever codec wrote it
    assert enc == {"units.csv": "utf-8-sig", "observations/office.csv": "utf-8"}
    assert set(data.inputs) == {"units.csv", "observations/office.csv"}


def test_unsupported_files_in_observations_are_errors_not_skipped(tmp_path):
    write_dataset(tmp_path, TINY_UNITS, TINY_ROWS)
    (tmp_path / "observations" / "legal.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "observations" / "README.md").write_text("notes", encoding="utf-8")
    with pytest.raises(ev.ValidationFailed) as info:
        ev.load_dataset(tmp_path)
    report = info.value.report
    assert report["file"].tolist() == ["observations/legal.xls"]
    assert "unsupported file type '.xls'" in report["rule"].item()


WPS_ZH = "不支持的文件类型“.et”：这是WPS表格文件，请在WPS中“另存为”Excel工作簿（.xlsx）"
XLS_ZH = "不支持的文件类型“.xls”：请另存为.csv或.xlsx（旧版.xls工作簿无法读取）"


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("units.et", WPS_ZH),  # WPS 表格 saves its own format unless told otherwise
        ("units.xls", XLS_ZH),
        ("events.et", WPS_ZH),  # not read as a folder with no events (no veto)
    ],
    ids=["units.et", "units.xls", "events.et"],
)
def test_a_units_or_events_file_saved_as_wps_or_xls_is_said_as_observations_are(
    tmp_path, name, said
):
    """The units list saved by WPS as units.et is refused by its own name, as a WPS
    file in observations/ is, with what to do: not said to be missing (现有：无),
    which sent the clerk looking for a file that is there. An events file so saved
    likewise, instead of being passed over as no events file."""
    write_dataset(tmp_path, TINY_UNITS, TINY_ROWS)
    stem = name.split(".")[0]
    kept = tmp_path / "units.csv" if stem == "units" else tmp_path / "events.csv"
    if stem == "events":
        kept.write_text("unit_id,period,event_id\nU1,2025,e\n", encoding="utf-8")
    kept.rename(tmp_path / name)
    with pytest.raises(ev.ValidationFailed) as info:
        ev.load_dataset(tmp_path)
    report = info.value.report
    assert report[["file", "rule_zh"]].values.tolist() == [[name, said]]


def events_as(folder, name: str) -> None:
    """The events file of a dataset folder as it cannot be read: saved as ``.xls``
    or WPS ``.et``, UTF-16 without a byte-order mark, or beside a second one."""
    kept = folder / "events.csv"
    kept.write_text("unit_id,period,event_id\nU1,2025,e\n", encoding="utf-8")
    if name == "events.csv":  # UTF-16 without a BOM
        kept.write_bytes(kept.read_text(encoding="utf-8").encode("utf-16-le"))
    elif name == "events.xlsx":  # a second events file beside events.csv
        pd.read_csv(kept).to_excel(folder / name, index=False)
    else:
        kept.rename(folder / name)


EVENTS_CASES = {
    "events.xls": ["events.xls"],
    "events.et": ["events.et"],
    "events.csv": ["events.csv"],  # unreadable
    "events.xlsx": ["events.csv", "events.xlsx"],  # two events files
}


@pytest.mark.parametrize("name", list(EVENTS_CASES))
def test_an_events_file_not_read_is_kept_aside_for_who_has_sent_what(tmp_path, name):
    """An events file that cannot be read (.xls, WPS .et, a bad encoding) or
    that has a second beside it is kept aside with ``skip_unreadable``, as an
    unreadable report is (who has sent what reads no events): the units and
    observations are read. Without it, the folder is refused as before."""
    write_dataset(tmp_path, TINY_UNITS, TINY_ROWS)
    events_as(tmp_path, name)
    with pytest.raises(ev.ValidationFailed) as info:
        ev.load_dataset(tmp_path)
    assert sorted(info.value.report["file"]) == EVENTS_CASES[name]
    data = ev.load_dataset(tmp_path, skip_unreadable=True)
    assert sorted(data.unread["file"]) == EVENTS_CASES[name]
    assert len(data.observations) == len(TINY_ROWS)
    assert data.units["unit_id"].tolist() == ["U1", "U2", "U3"]


def test_a_wps_units_file_beside_the_units_file_read_is_left_alone(tmp_path):
    """units.et kept beside the units.xlsx WPS saved from it: units.xlsx is read."""
    write_dataset(tmp_path, TINY_UNITS, TINY_ROWS)
    (tmp_path / "units.csv").rename(tmp_path / "units.et")
    TINY_UNITS.to_excel(tmp_path / "units.xlsx", index=False)
    data = ev.load_dataset(tmp_path)
    assert data.units["unit_id"].tolist() == TINY_UNITS["unit_id"].tolist()


def test_utf16_without_bom_is_refused_not_misread(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes("unit_id,value\nU1,1\n".encode("utf-16-le"))
    with pytest.raises(ev.ValidationFailed, match="NUL bytes"):
        read_table(path)


def test_a_workbook_renamed_csv_is_said_to_be_a_workbook(tmp_path):
    """An .xlsx renamed to .csv (a ZIP: PK\\x03\\x04) is told to be renamed back,
    not said to be UTF-16 or to have NUL bytes."""
    book = tmp_path / "book.xlsx"
    pd.DataFrame({"unit_id": ["U1"], "value": ["1"]}).to_excel(book, index=False)
    path = tmp_path / "audit.csv"
    path.write_bytes(book.read_bytes())
    with pytest.raises(ev.ValidationFailed) as info:
        read_table(path, name="observations/audit.csv")
    report = info.value.report
    assert report[["file", "rule_zh"]].values.tolist() == [
        [
            "observations/audit.csv",
            "这是Excel工作簿，却以“.csv”为扩展名保存：请把文件的扩展名改为.xlsx",
        ]
    ]
    assert report["rule"].item() == (
        "file_type: an Excel workbook saved under a .csv name; rename it to .xlsx"
    )


def old_workbook(path, stream: str = "Workbook") -> None:
    """An Excel 97-2003 workbook as Excel saves it, in outline: the compound file's
    header (D0 CF 11 E0 A1 B1 1A E1), a directory sector naming the root and the
    ``Workbook`` stream (UTF-16), then BIFF records (NUL bytes among them).
    ``stream``: another stream instead (``WordDocument``: a Word 97-2003 file)."""
    header = bytearray(512)
    header[:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    header[24:34] = bytes.fromhex("3e000300feff09000600")  # version 3, 512-byte sectors
    directory = bytearray(512)
    for i, (name, kind) in enumerate([("Root Entry", 5), (stream, 2)]):
        encoded = (name + "\0").encode("utf-16-le")
        directory[128 * i : 128 * i + len(encoded)] = encoded
        directory[128 * i + 64] = len(encoded)
        directory[128 * i + 66] = kind
    biff = bytes.fromhex("0908100000060500") + bytes(2000)  # BOF, then zeros
    path.write_bytes(bytes(header) + bytes(directory) + biff)


def test_an_old_xls_workbook_renamed_csv_is_said_to_be_one(tmp_path):
    """An Excel 97-2003 workbook renamed audit.csv is said to be one, and what to do
    (.xls is not read: open it as .xls, save it as .xlsx), not said to have NUL
    bytes and to be saved as UTF-8 (a text file it never was)."""
    write_dataset(tmp_path, TINY_UNITS, TINY_ROWS)
    old_workbook(tmp_path / "observations" / "audit.csv")
    with pytest.raises(ev.ValidationFailed) as info:
        ev.load_dataset(tmp_path)
    report = info.value.report
    assert report[["file", "rule_zh"]].values.tolist() == [
        [
            "observations/audit.csv",
            "这是Excel 97-2003工作簿（.xls），却以“.csv”为扩展名保存，旧版.xls工作簿"
            "无法读取：请把扩展名改为.xls，用Excel打开后另存为Excel工作簿（.xlsx）",
        ]
    ]
    assert report["rule"].item() == (
        "file_type: an Excel 97-2003 workbook (.xls) saved under a .csv name, and"
        " old .xls workbooks cannot be read; rename it to .xls, open it in Excel and"
        " save it as an Excel workbook (.xlsx)"
    )


def test_a_compound_file_that_is_no_workbook_is_not_said_to_be_one(tmp_path):
    """The same header over a Word document (no ``Workbook`` stream) renamed .csv
    is not said to be a workbook: it is no text file (NUL bytes), as before."""
    path = tmp_path / "notes.csv"
    old_workbook(path, stream="WordDocument")
    with pytest.raises(ev.ValidationFailed, match="NUL bytes"):
        read_table(path)


def test_write_dataset_round_trips_exactly(tmp_path, tiny_catalogue):
    obs = pd.DataFrame(
        {
            "unit_id": ["U1", "U2", "U3"],
            "period": "2025",
            "indicator_id": "b2",
            "value": [0.1 + 0.2, 1 / 3, np.nan],
        }
    )
    folder = ev.write_dataset(tmp_path / "d", TINY_UNITS, obs, name="x.csv")
    data = ev.load_dataset(folder)
    assert data.files["file"].tolist() == ["units.csv", "observations/x.csv"]
    read = pd.to_numeric(data.observations["value"]).to_numpy()
    assert read[0] == 0.1 + 0.2 and read[1] == 1 / 3 and np.isnan(read[2])


def test_write_dataset_writes_back_what_load_dataset_read(tmp_path):
    """An analyst's round trip: the tables of a loaded dataset, with the reader's
    ``source`` and ``row`` columns, written and read back (as the docstring
    promises) to the same cells, not a folder load_dataset refuses."""
    write_dataset(tmp_path / "a", TINY_UNITS, TINY_ROWS)
    first = ev.load_dataset(tmp_path / "a")
    ev.write_dataset(tmp_path / "b", first.units, first.observations)
    again = ev.load_dataset(tmp_path / "b")
    for before, after in [
        (first.units, again.units),
        (first.observations, again.observations),
    ]:
        cells = [c for c in before.columns if c != "source"]
        assert after[cells].equals(before[cells])
