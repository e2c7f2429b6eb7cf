"""Exports keep numbers numbers and make only text inert (issue 17): one function,
``safe_cells``, for every CSV, the problem report, the flag decisions and Excel.

Through the command line on the bundled sample city, with hostile department names
planted in a copy of ``units.csv``. Expected values come from the catalogue: the peer
rule (``indicators.yaml``) warns orange below -1.5 robust z and red below -3, so the
limits of the peer-position warnings are -1.5 and -3, written as what they are
(落后同类单位中位数1.50个典型差距 in a CSV; the number, shown so, in a workbook).
"""

from __future__ import annotations

import re
import shutil

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from evaluation.cli import app
from evaluation.files import safe_cells
from evaluation.publish.export import write_xlsx
from evaluation.vocabulary import GRADE_HEADER, RISK_HEADER

from ..conftest import ROOT

runner = CliRunner()
SAMPLE = ROOT / "data" / "sample"
LINK = '=HYPERLINK("http://x","点我")'
#: a number written as text behind a quote: the fault this file guards against
QUOTED_NUMBER = re.compile(r"'[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def invoke(*args):
    done = runner.invoke(app, [str(a) for a in args])
    return done


def read_text_cells(path) -> pd.DataFrame:
    """A CSV export cell by cell, as written (no type guessing)."""
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)


def quoted_numbers(path) -> list[str]:
    cells = read_text_cells(path).to_numpy().ravel()
    return [c for c in cells if QUOTED_NUMBER.fullmatch(c)]


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """The sample city with three hostile names, scored through the CLI."""
    tmp = tmp_path_factory.mktemp("city")
    data = tmp / "data"
    shutil.copytree(SAMPLE, data)
    units = read_text_cells(data / "units.csv")
    units.loc[units["unit_id"] == "D01", "name_zh"] = LINK
    units.loc[units["unit_id"] == "D01", "name_en"] = LINK
    units.loc[units["unit_id"] == "D02", "name_en"] = "@analyst"
    units.loc[units["unit_id"] == "D03", "name_en"] = "+86 10 Bureau"
    units.to_csv(data / "units.csv", index=False, encoding="utf-8-sig")
    out = tmp / "out"
    done = invoke(
        "score", data, "--period", "2025", "--catalogue", ROOT / "indicators.yaml",
        "--out", out, "--run-at", "2026-01-15T09:00:00+00:00",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    return tmp, out / "result"


# ------------------------------------------------------------------ the function
def test_safe_cells_makes_text_inert_and_leaves_numbers_alone():
    frame = pd.DataFrame(
        {
            "limit": [-1.5, -3.0, 2.25],
            "rank_change": pd.array([-3, 0, None], dtype="Int64"),
            "text": ["=1+1", "@x", "+86 10"],
            "mixed": ["-abc", -5, "-5"],
            "plain": ["市财政局", "a=b", None],
            "day": pd.to_datetime(["2026-01-02", "2026-01-03", "2026-01-04"]),
        }
    )
    before = frame.copy()
    safe = safe_cells(frame)
    pd.testing.assert_frame_equal(frame, before)  # the caller's frame is untouched
    assert safe["limit"].dtype == np.float64
    assert safe["limit"].tolist() == [-1.5, -3.0, 2.25]
    assert safe["rank_change"].dtype == "Int64"
    assert safe["rank_change"].tolist()[:2] == [-3, 0]
    assert safe["text"].tolist() == ["'=1+1", "'@x", "'+86 10"]
    # in a text column: text is made inert, a number stays a number (-5) and a
    # number written as text stays as written (a spreadsheet reads -5, no formula)
    assert safe["mixed"].tolist() == ["'-abc", -5, "-5"]
    assert safe["plain"].tolist()[:2] == ["市财政局", "a=b"]
    assert pd.isna(safe["plain"].iloc[2])
    assert safe["day"].dtype == frame["day"].dtype
    pd.testing.assert_frame_equal(safe_cells(safe), safe)  # once is enough
    twice = pd.DataFrame([["=x", -1.0, "=y"]], columns=["a", "b", "a"])
    assert safe_cells(twice).iloc[0].tolist() == ["'=x", -1.0, "'=y"]


def test_a_workbook_keeps_numbers_numeric_and_formulas_as_text(tmp_path):
    frame = pd.DataFrame(
        {
            "limit": [-1.5, -3.0, 2.25],
            "count": pd.array([-3, 0, 7], dtype="Int64"),
            "text": ["=1+1", "@x", "+86 10"],
            "mixed": ["-abc", -5, 2.5],
        }
    )
    path = write_xlsx(tmp_path / "t.xlsx", {"t": frame})
    ws = openpyxl.load_workbook(path)["t"]
    rows = list(ws.iter_rows(min_row=2))
    assert [(c.value, c.data_type) for c in (r[0] for r in rows)] == [
        (-1.5, "n"), (-3, "n"), (2.25, "n"),
    ]  # fmt: skip
    assert [(r[1].value, r[1].data_type) for r in rows] == [
        (-3, "n"), (0, "n"), (7, "n"),
    ]  # fmt: skip
    assert [(r[2].value, r[2].data_type) for r in rows] == [
        ("'=1+1", "s"), ("'@x", "s"), ("'+86 10", "s"),
    ]  # fmt: skip
    assert [(r[3].value, r[3].data_type) for r in rows] == [
        ("'-abc", "s"), (-5, "n"), (2.5, "n"),
    ]  # fmt: skip
    assert not [c for r in ws.iter_rows() for c in r if c.data_type == "f"]


# ------------------------------------------------------- through the command line
def test_warnings_export_writes_negative_peer_limits_unquoted(city, tmp_path):
    _, result = city
    out = tmp_path / "warnings.csv"
    done = invoke("export", result, "--table", "warnings", "--lang", "en", "--out", out)
    assert done.exit_code == 0, done.output
    table = read_text_cells(out)
    limit, value = RISK_HEADER["threshold"].en, RISK_HEADER["value"].en
    peer = table[table["Rule"] == "peer position"]
    assert len(peer) > 0
    # orange below -1.5, red below -3 (indicators.yaml), said to be robust z's
    assert set(peer[limit]) <= {
        "1.50 typical gaps behind the peer median",
        "3.00 typical gaps behind the peer median",
    }
    assert set(peer.loc[peer["Level"] == "orange", limit]) == {
        "1.50 typical gaps behind the peer median"
    }
    lines = table.loc[table["Rule"] == "threshold", limit]  # in the value's unit
    values = table.loc[table["Rule"] != "dimension roll-up", value]  # (mean level …)
    for cells in (lines, values):  # numbers, as published
        pd.to_numeric(cells[cells != ""])  # ValueError on any text
        assert (cells != "").sum() > len(cells) / 2
    raw = out.read_text(encoding="utf-8-sig")
    assert (
        ",1.50 typical gaps behind the peer median," in raw and "'-1.5" not in raw
    )  # no quote
    assert quoted_numbers(out) == []
    # the hostile department names stay text, made inert
    units = set(table[RISK_HEADER["unit"].en])
    assert "'" + LINK in units and LINK not in units


def test_a_peer_limit_says_it_is_a_robust_z_not_a_score(city, tmp_path):
    """A warnings row reads 数值 41.52 (a score) beside 阈值 -3.00: the peer rule's
    limit is a robust z (indicators.yaml: orange below -1.5, red below -3), not a
    score, and its cell says so, 落后同类单位中位数3.00个典型差距 (behind by 3 typical
    gaps, the minus in its words); the thresholds stay numbers in the value's
    unit (投诉办结率's yellow line 90.00). A workbook keeps the number, shown with
    the same words by its format."""
    _, result = city
    out = tmp_path / "预警.csv"
    done = invoke("export", result, "--table", "warnings", "--out", out)
    assert done.exit_code == 0, done.output
    table = read_text_cells(out)
    rule, level, limit = (RISK_HEADER[k].zh for k in ("rule", "level", "threshold"))
    peer = table[table[rule] == "同类比较"]
    assert set(peer.loc[peer[level] == "橙色", limit]) == {
        "落后同类单位中位数1.50个典型差距"
    }
    assert set(peer.loc[peer[level] == "红色", limit]) == {
        "落后同类单位中位数3.00个典型差距"
    }
    lines = table.loc[table[rule] == "阈值", limit]
    pd.to_numeric(lines)  # ValueError on any text
    assert "90.00" in set(lines)
    book = tmp_path / "预警.xlsx"
    done = invoke("export", result, "--table", "warnings", "--out", book)
    assert done.exit_code == 0, done.output
    sheet = openpyxl.load_workbook(book).worksheets[0]
    header = [c.value.split("\n")[0] for c in sheet[1]]
    at_rule, at_limit = header.index(rule), header.index(limit)
    cells = [r[at_limit] for r in sheet.iter_rows(min_row=2)
             if r[at_rule].value == "同类比较"]  # fmt: skip
    assert cells and {c.value for c in cells} <= {-1.5, -3}
    assert {c.number_format for c in cells} == {
        '"落后同类单位中位数"0.00"个典型差距";"落后同类单位中位数"0.00"个典型差距"'
    }


def test_flag_decisions_file_and_flags_export_are_inert(city, tmp_path):
    _, result = city
    flags = pd.read_parquet(result / "flags.parquet")
    fid = flags["flag_id"].iloc[0]
    decisions = tmp_path / "decisions.csv"
    done = invoke(
        "flags", result, "--decisions", decisions, "--dismiss", fid,
        "--comment", LINK, "--by", "@analyst",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    kept = read_text_cells(decisions)
    assert kept.loc[0, "comment"] == "'" + LINK
    assert kept.loc[0, "decided_by"] == "'@analyst"
    again = invoke(
        "flags", result, "--decisions", decisions, "--accept", fid,
        "--comment", "-abc checked", "--by", "李明",
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    kept = read_text_cells(decisions)
    assert kept["comment"].tolist() == ["'" + LINK, "'-abc checked"]  # not ''=
    assert kept["decided_by"].tolist() == ["'@analyst", "李明"]
    out = tmp_path / "flags.csv"
    done = invoke(
        "export", result, "--table", "flags", "--decisions", decisions,
        "--lang", "en", "--out", out,
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    table = read_text_cells(out).set_index(RISK_HEADER["flag_id"].en)
    assert table.at[fid, RISK_HEADER["comment"].en] == "'-abc checked"
    assert table.at[fid, RISK_HEADER["decided_by"].en] == "李明"
    values = table[RISK_HEADER["value"].en]
    pd.to_numeric(values[values != ""])  # ValueError on any text
    assert quoted_numbers(out) == []


def test_problem_report_writes_a_negative_value_as_a_number(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    path = data / "observations" / "audit.csv"
    lines = path.read_text(encoding="utf-8-sig").split("\n")
    assert lines[0].startswith("unit_id,period,indicator_id,value")
    for i, bad in enumerate(["-5", "=1+2", "-abc", "+86 10"], start=1):
        cells = lines[i].split(",")
        cells[3] = bad
        lines[i] = ",".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8-sig")
    report = tmp_path / "problems.csv"
    done = invoke(
        "validate", data, "--catalogue", ROOT / "indicators.yaml", "--report", report,
        "--lang", "en",  # the analysts' report: English headers and rule ids
    )  # fmt: skip
    assert done.exit_code == 1, done.output
    table = read_text_cells(report)
    audit = table[table["file"] == "observations/audit.csv"].set_index("row")
    # rows 2–5 of the file (line 1 is the header)
    assert audit.loc[["2", "3", "4", "5"], "value"].tolist() == [
        "-5",
        "'=1+2",
        "'-abc",
        "'+86 10",
    ]
    assert float(audit.at["2", "value"]) == -5.0
    assert audit.at["2", "rule"].startswith("valid_range")
    assert quoted_numbers(report) == []


def test_no_csv_export_stores_a_number_as_text(city, tmp_path):
    tmp, result = city
    written = [tmp / "out" / "ranking_2025.csv"]
    for lang in ("zh", "en", "both"):
        out = tmp_path / f"media_{lang}.csv"
        assert invoke("export", result, "--lang", lang, "--out", out).exit_code == 0
        written.append(out)
    for table in ("warnings", "risk", "ledger", "flags"):
        out = tmp_path / f"{table}.csv"
        done = invoke("export", result, "--table", table, "--out", out)
        assert done.exit_code == 0, done.output
        written.append(out)
    for path in written:
        assert quoted_numbers(path) == [], path.name
        cells = set(read_text_cells(path).to_numpy().ravel())
        assert LINK not in cells and "@analyst" not in cells, path.name
    ranking = read_text_cells(tmp / "out" / "ranking_2025.csv")
    assert "'" + LINK in set(ranking["name_zh"])
    assert pd.to_numeric(ranking["composite_score"]).notna().all()
    media = read_text_cells(tmp_path / "media_en.csv")
    assert {"'" + LINK, "'@analyst", "'+86 10 Bureau"} <= set(media["Unit"])
    change = media["Rank change (+ = up)"].replace("", np.nan)
    assert pd.to_numeric(change).min() < 0


def test_grades_workbook_numbers_are_numeric_cells_and_names_inert(city, tmp_path):
    tmp, result = city
    store = tmp_path / "store.duckdb"
    done = invoke(
        "publish", result, "--appraisal", SAMPLE / "appraisal", "--store", store,
        "--by", "测试", "--appraisal-config", ROOT / "appraisal.yaml",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    run = re.search(r"annual-\S+\.v\d+", done.output).group(0)
    out = tmp_path / "grades.xlsx"
    done = invoke("grades", run, "--store", store, "--out", out, "--viewer", "测试")
    assert done.exit_code == 0, done.output
    book = openpyxl.load_workbook(out)
    ws = book["Grades"]
    head = [c.value for c in ws[1]]
    rows = list(ws.iter_rows(min_row=2))
    col = {h: i for i, h in enumerate(head)}
    for name in ("score", "group_rank"):
        cells = [r[col[GRADE_HEADER[name].en]] for r in rows]
        assert all(c.data_type == "n" for c in cells), name
    names = {
        r[col[GRADE_HEADER["unit_id"].en]].value: r[col[GRADE_HEADER["name"].en]]
        for r in rows
    }
    assert (names["D01"].value, names["D01"].data_type) == ("'" + LINK, "s")
    assert names["D02"].value == "'@analyst"
    assert names["D03"].value == "'+86 10 Bureau"
    cells = [c for s in book for r in s.iter_rows() for c in r]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert not [
        c.value
        for c in cells
        if isinstance(c.value, str) and QUOTED_NUMBER.fullmatch(c.value)
    ]


def test_every_export_as_a_workbook_keeps_numbers_numeric(city, tmp_path):
    """``export --out FILE.xlsx`` writes a real workbook (it wrote CSV text into an
    .xlsx file before): scores, ranks and limits are number cells, names stay text
    and inert, and the media workbook carries the same numbers as the media CSV.
    Headers are Chinese over English; the last sheet is 说明 About."""
    _, result = city
    for table, sheet in [("media", "市直部门 Departments"),
                         ("warnings", "预警 Warnings"),
                         ("flags", "数据质量 Flags")]:  # fmt: skip
        out = tmp_path / f"{table}.xlsx"
        done = invoke("export", result, "--table", table, "--lang", "en", "--out", out)
        assert done.exit_code == 0, done.output
        book = openpyxl.load_workbook(out)
        assert book.sheetnames[0] == sheet and book.sheetnames[-1] == "说明 About"
        rows = list(book[sheet].iter_rows(values_only=True))
        header, body = rows[0], rows[1:]
        for j, both in enumerate(header):
            name = both.split("\n")[-1]  # 排名\nRank: the English line
            cells = [r[j] for r in body if r[j] not in (None, "")]
            numeric = [c for c in cells if isinstance(c, int | float)]
            looks = [
                c for c in cells
                if isinstance(c, str) and QUOTED_NUMBER.fullmatch("'" + c)
            ]  # fmt: skip
            # a column of numbers written as text (a period label such as 2025 is
            # text by right)
            if name != "Period":
                assert not (cells and len(looks) == len(cells)), (table, name, looks)
            if table == "media" and name in (
                "Rank", "Composite score", "Rank change (+ = up)"
            ):  # fmt: skip
                assert numeric and len(numeric) == len(cells), name
    media_csv = tmp_path / "media.csv"
    assert invoke("export", result, "--lang", "en", "--out", media_csv).exit_code == 0
    csv = read_text_cells(tmp_path / "media_departments.csv")
    sheet = pd.read_excel(tmp_path / "media.xlsx", dtype=object)  # the first sheet
    assert (
        pd.to_numeric(csv["Composite score"]).tolist()
        == sheet["综合得分\nComposite score"].tolist()
    )
    assert "'" + LINK in set(sheet["单位\nUnit"])


def test_a_workbook_shows_the_decimals_asked_for_and_keeps_periods_as_labels(
    city, tmp_path
):
    _, result = city
    out = tmp_path / "flags.xlsx"
    done = invoke("export", result, "--table", "warnings", "--lang", "en",
                  "--decimals", "3", "--out", out)  # fmt: skip
    assert done.exit_code == 0, done.output
    sheet = openpyxl.load_workbook(out).worksheets[0]
    header = [c.value.split("\n")[-1] for c in sheet[1]]
    value, period = header.index("Value"), header.index("Period")
    cells = [row[value] for row in sheet.iter_rows(min_row=2) if row[value].value]
    assert cells and all(isinstance(c.value, int | float) for c in cells)
    # three decimals, in the indicator's unit (95.300%), a count of warnings whole,
    # a roll-up's mean level with its words
    formats = {c.number_format for c in cells}
    assert '0.000"%"' in formats
    assert formats <= {"0.000", '0.000"%"', "#,##0.000", "#,##0",
                       '"mean level "0.000;"mean level "-0.000'}  # fmt: skip
    periods = [row[period].value for row in sheet.iter_rows(min_row=2)]
    assert periods and all(isinstance(p, str) for p in periods)  # 2025: a label
