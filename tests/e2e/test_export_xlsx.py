"""``evaluation export`` as the office and the press use it (issue 14, items 3 and 5):
an Excel workbook with numbers as numbers, and a media CSV a journalist can use
alone.

Through the command line on the bundled sample city (score, then export). Files are
read back with independent readers (openpyxl, pandas); expected values come from
the result folder's Parquet tables and ``data/sample/units.csv`` read with pandas,
ranked here by hand (ties share the better place), never from the export code.
"""

from __future__ import annotations

import json
import re
import shutil
import stat
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from evaluation.cli import app

from ..conftest import ROOT, half_up

runner = CliRunner()
SAMPLE = ROOT / "data" / "sample"
RUN_AT = "2026-01-15T09:00:00+00:00"  # 17:00 in Beijing
DIMENSIONS = [
    "行政效率", "行政成本", "任务目标完成", "服务评价与满意度", "依法行政与责任追究",
]  # fmt: skip


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def chinese_day(iso) -> str | None:
    """``2025-01-30`` → ``2025年1月30日``, by hand; None for no date."""
    if iso is None or pd.isna(iso) or iso == "":
        return None
    y, m, d = (int(x) for x in str(iso).split("-"))
    return f"{y}年{m}月{d}日"


def test_the_ledger_csv_writes_dates_as_its_reader_does(scored, tmp_path):
    """The ledger export is a table for people (words, periods by name): in Chinese
    整改期限 / 当前期限 / 销号日期 read 2025年1月30日, in English 2025-01-30 as
    stored; 编号 keeps the item's id to match the ledger file on."""
    stored = pd.read_parquet(scored / "ledger.parquet")
    for lang in ("zh", "en"):
        out = tmp_path / f"ledger_{lang}.csv"
        done = invoke("export", scored, "--table", "ledger", "--lang", lang,
                      "--out", out)  # fmt: skip
        assert done.exit_code == 0, done.output
        got = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        assert len(got) == len(stored)
        got = got.set_index("编号" if lang == "zh" else "Item")
        heads = (
            ["整改期限", "当前期限", "销号日期"]
            if lang == "zh"
            else ["Due", "Current deadline", "Closed on"]
        )
        for head, key in zip(heads, ["first_due", "due", "closed_on"], strict=True):
            want = [
                (chinese_day(v) if lang == "zh" else v) or ""
                for v in stored[key].where(stored[key].notna(), "")
            ]
            assert got.loc[stored["item_id"], head].tolist() == want
    zh = pd.read_csv(tmp_path / "ledger_zh.csv", encoding="utf-8-sig", dtype=str)
    assert zh["整改期限"].str.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日").all()


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "out"
    done = invoke(
        "score", SAMPLE, "--period", "2025", "--catalogue", ROOT / "indicators.yaml",
        "--out", out, "--run-at", RUN_AT,
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    return out / "result"


@pytest.fixture(scope="module")
def expected(scored):
    """Each unit's 2025 composite, its level and its rank among its own level in
    2025 and 2024, from the Parquet files and units.csv, by hand."""
    comp = pd.read_parquet(scored / "composite.parquet")
    units = pd.read_csv(SAMPLE / "units.csv", encoding="utf-8-sig", dtype=str)
    table = comp.merge(units[["unit_id", "name_zh", "name_en", "level"]], on="unit_id")
    table["level_rank"] = table.groupby(["period", "level"])["composite_score"].rank(
        method="min", ascending=False
    )
    wide = table.pivot(index="unit_id", columns="period", values="level_rank")
    now = table[table["period"] == "2025"].set_index("unit_id")
    now["change"] = wide["2024"] - wide["2025"]
    return now


def rounded(x: float) -> float:
    """Half up to 2 decimals on the number as a spreadsheet shows it (15
    significant digits), as published (87.27499999999999 is 87.275 → 87.28)."""
    return float(half_up(x))


def recorded(result, key: str):
    """What the run recorded in its provenance (read as JSON)."""
    return json.loads((result / "provenance.json").read_text(encoding="utf-8"))[key]


# ------------------------------------------------------------ the media CSV
@pytest.fixture(scope="module")
def media_csv(scored, tmp_path_factory):
    folder = tmp_path_factory.mktemp("media")
    out = folder / "media_2025_zh.csv"
    done = invoke("export", scored, "--out", out, "--store", folder / "none.duckdb")
    assert done.exit_code == 1 and "no publication store" in done.output
    assert not list(folder.iterdir())  # a wrong store: nothing written
    done = invoke("export", scored, "--out", out)  # no --store: no store read
    assert done.exit_code == 0, done.output
    return folder


def read_csv(path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)


def test_media_csv_has_a_period_column_and_a_file_per_type_of_unit(media_csv, expected):
    files = sorted(p.name for p in media_csv.iterdir())
    assert files == [
        "media_2025_zh.csv", "media_2025_zh.说明.txt", "media_2025_zh_区县.csv",
        "media_2025_zh_市直部门.csv",
    ]  # fmt: skip
    for name in files:  # colleagues on a shared drive can read them
        assert stat.S_IMODE((media_csv / name).stat().st_mode) == 0o644, name
    whole = read_csv(media_csv / "media_2025_zh.csv")
    districts = read_csv(media_csv / "media_2025_zh_区县.csv")
    departments = read_csv(media_csv / "media_2025_zh_市直部门.csv")
    for table in (whole, districts, departments):
        assert table.columns[0] == "报告期"
        assert set(table["报告期"]) == {"2025年度"}
        assert "较上期名次变化（+为上升）" in table.columns
        assert "年度考评等次" not in table.columns  # no store: no grade
    # every unit once, in the table of its own type
    names = expected.groupby("level")["name_zh"].apply(sorted)
    assert sorted(districts["单位"]) == names["district"]
    assert sorted(departments["单位"]) == names["department"]
    assert len(districts) == 10 and len(departments) == 40
    assert sorted(whole["单位"]) == sorted(expected["name_zh"])
    assert set(whole["单位类型"]) == {"市直部门", "县（市）区"}


def test_each_type_of_unit_is_ranked_among_its_own_with_its_rank_change(
    media_csv, expected
):
    by_name = expected.set_index("name_zh")
    for file in ("media_2025_zh_区县.csv", "media_2025_zh_市直部门.csv"):
        table = read_csv(media_csv / file).set_index("单位")
        want = by_name.loc[table.index]
        assert (
            table["排名"].astype(int).tolist()
            == want["level_rank"].astype(int).tolist()
        )
        assert table["排名"].astype(int).is_monotonic_increasing
        assert [float(v) for v in table["综合得分"]] == [
            rounded(v) for v in want["composite_score"]
        ]
        change = table["较上期名次变化（+为上升）"].astype(int)
        assert change.tolist() == want["change"].astype(int).tolist()
    districts = read_csv(media_csv / "media_2025_zh_区县.csv")
    assert districts["排名"].tolist()[:3] == ["1", "2", "3"]  # not 1, 2, 3 of 50
    # a district that climbed among the districts reads as a positive change
    up = expected[(expected["level"] == "district") & (expected["change"] > 0)]
    assert len(up)
    row = districts.set_index("单位").loc[up["name_zh"].iloc[0]]
    assert int(row["较上期名次变化（+为上升）"]) > 0


def test_the_note_beside_the_csv_names_period_source_and_method(media_csv, scored):
    raw = (media_csv / "media_2025_zh.说明.txt").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # Notepad and Excel
    note = raw.decode("utf-8-sig")
    assert "报告期：2025年度（2025年1月1日至2025年12月31日）" in note
    root = recorded(scored, "dataset_root")
    assert root.endswith("data/sample") and Path(root).is_absolute()
    # the source: the folder scored, by its last two names, not the office
    # machine's path
    assert "（数据目录 data/sample，" in note and root not in note
    result = next(x for x in note.splitlines() if x.startswith("结果文件夹："))
    assert result.count("/") == 1 and result.endswith("/result")  # its last 2 names
    assert "2025.1版" in note  # the catalogue's version (indicators.yaml)
    assert "2026年1月15日 17:00（北京时间）" in note  # the run, in Beijing time
    assert "计算方法：" in note and "标准化为0至100分" in note
    assert "加权算术平均" in note  # the aggregation, in words
    assert "市直部门和县（市）区" in note
    assert "media_2025_zh_区县.csv" in note  # the files it explains
    assert "较上期名次变化为上期名次减本期名次，正数为上升" in note
    assert not re.search(r"\d{4}-[MQHB]\d", note)  # no period codes
    assert "arithmetic" not in note and "minmax" not in note  # no method codes


def test_two_scores_equal_as_published_yet_ranked_apart_are_explained(media_csv):
    """The sample's 2025 table has two departments at 81.65 ranked 11th and 12th
    (81.6493 and 81.6477 unrounded): the note says ranks follow the unrounded
    scores, so a reader is not left with a broken promise of ties."""
    table = read_csv(media_csv / "media_2025_zh_市直部门.csv")
    shown = table.groupby("综合得分")["排名"].nunique()
    assert (shown > 1).any()  # equal as printed, different ranks
    note = (media_csv / "media_2025_zh.说明.txt").read_text(encoding="utf-8-sig")
    assert "排名依据未经四舍五入的得分" in note


def test_english_files_and_note(scored, tmp_path):
    out = tmp_path / "media_2025_en.csv"
    done = invoke("export", scored, "--lang", "en", "--out", out)
    assert done.exit_code == 0, done.output
    table = read_csv(tmp_path / "media_2025_en_districts.csv")
    assert list(table.columns[:3]) == ["Period", "Rank", "Unit"]
    assert "Rank change (+ = up)" in table.columns
    note = (tmp_path / "media_2025_en.about.txt").read_text(encoding="utf-8-sig")
    assert "Period: 2025 (2025-01-01 to 2025-12-31)" in note
    assert "Method:" in note and "arithmetic" in note


def test_no_split_writes_the_whole_table_only(scored, tmp_path):
    out = tmp_path / "m.csv"
    done = invoke("export", scored, "--no-split", "--out", out)
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.csv", "m.说明.txt"]
    assert len(read_csv(out)) == 50


# ------------------------------------------------------------ Excel
@pytest.fixture(scope="module")
def workbook(scored, tmp_path_factory):
    out = tmp_path_factory.mktemp("xlsx") / "media.xlsx"
    done = invoke("export", scored, "--format", "xlsx", "--out", out)
    assert done.exit_code == 0, done.output
    return openpyxl.load_workbook(out)


def test_the_media_workbook_has_a_sheet_per_type_of_unit_and_an_about_sheet(workbook):
    assert workbook.sheetnames == [
        "市直部门 Departments", "区县 Districts", "说明 About",
    ]  # fmt: skip


def test_media_workbook_numbers_are_number_cells_with_formats(workbook, expected):
    ws = workbook["区县 Districts"]
    header = [c.value for c in ws[1]]
    col = {h.split("\n")[0]: j for j, h in enumerate(header)}  # by the Chinese line
    assert header[col["排名"]] == "排名\nRank"  # Chinese over English
    assert header[col["较上期名次变化（+为上升）"]] == (
        "较上期名次变化（+为上升）\nRank change (+ = up)"
    )
    rows = list(ws.iter_rows(min_row=2))
    assert len(rows) == 10
    by_name = expected.set_index("name_zh")
    for r in rows:
        want = by_name.loc[r[col["单位"]].value]
        rank, score = r[col["排名"]], r[col["综合得分"]]
        assert (rank.data_type, rank.value, rank.number_format) == (
            "n",
            int(want["level_rank"]),
            "0",
        )
        assert (score.data_type, score.number_format) == ("n", "0.00")
        assert score.value == pytest.approx(rounded(want["composite_score"]))
        for d in DIMENSIONS:
            cell = r[col[d]]
            assert cell.data_type == "n" and cell.number_format == "0.00"
        change = r[col["较上期名次变化（+为上升）"]]
        assert change.data_type == "n" and change.value == int(want["change"])
        assert change.number_format == "+0;-0;0"  # shows +3 and -2
        assert r[col["报告期"]].value == "2025年度"  # a label, not a number


def test_header_frozen_filterable_and_columns_wide_enough(workbook):
    for name in ("市直部门 Departments", "区县 Districts"):
        ws = workbook[name]
        assert ws.freeze_panes == "D2"  # the header, and period, rank, name
        assert ws.auto_filter.ref == f"A1:L{ws.max_row}"
        names = [c.value for c in ws["C"][1:]]
        longest = max(len(n) for n in names)  # Chinese: two columns a character
        assert ws.column_dimensions["C"].width >= 2 * longest


def test_about_sheet_states_period_source_method_and_notes(workbook):
    rows = list(workbook["说明 About"].iter_rows(values_only=True))
    assert rows[0] == ("项目", "说明", "Item", "Description")
    about = {r[0]: r[1] for r in rows[1:]}
    english = {r[2]: r[3] for r in rows[1:]}
    assert about["报告期"].startswith("2025年")
    assert english["Period"].startswith("2025")
    # the folder and the files read
    assert "（数据目录 data/sample，10个文件）" in about["数据来源"]
    assert "2025.1版" in about["指标体系"]
    assert about["计算时间"] == "2026年1月15日 17:00（北京时间）"
    assert "加权算术平均" in about["计算方法"]
    # the sample's two values not reported, scored 0 (missing: zero_score)
    said = "2个单位有指标数据未报送，按指标体系规定记零分（共2项）"
    assert about["备注"].startswith(said)
    assert "补缺" not in about["备注"]


def test_risk_tables_as_workbooks_format_values_by_the_indicators_unit(
    scored, tmp_path
):
    warnings = pd.read_parquet(scored / "warnings.parquet").query("period == '2025'")
    out = tmp_path / "warnings.xlsx"
    done = invoke("export", scored, "--table", "warnings", "--out", out)
    assert done.exit_code == 0, done.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["预警 Warnings", "说明 About"]
    ws = book["预警 Warnings"]
    assert ws.freeze_panes == "C2" and ws.auto_filter.ref
    header = [c.value.split("\n")[0] for c in ws[1]]
    value, limit = header.index("数值"), header.index("阈值")
    rows = list(ws.iter_rows(min_row=2))
    assert len(rows) == len(warnings)
    # an on-time rate (%, 0–100 in the catalogue): 95.30%, never Excel's ×100
    rule = warnings["rule"]
    rates = warnings["node_id"].str.endswith("_rate") & (rule == "threshold")
    for r, want in zip(
        [r for r, hit in zip(rows, rates, strict=True) if hit],
        warnings.loc[rates, "value"],
        strict=True,
    ):
        assert r[value].data_type == "n"
        assert r[value].number_format == '0.00"%"'
        assert r[value].value == pytest.approx(rounded(want))
    # a dimension's roll-up: the mean level of its worst indicators (1.5, a number
    # shown 平均等级1.50) against how many worst indicators it looks at (2, shown
    # 最差2项)
    rollups = [r for r, hit in zip(rows, rule == "rollup", strict=True) if hit]
    assert rollups and {r[value].data_type for r in rollups} == {"n"}
    assert {r[value].number_format for r in rollups} == {
        '"平均等级"0.00;"平均等级"-0.00'
    }
    assert {r[limit].value for r in rollups} == {2}
    assert {r[limit].number_format for r in rollups} == {'"最差"0"项";"最差"-0"项"'}
    # the peer rule's limit is a robust z (-1.5): a number, shown as one
    # (落后同类单位中位数1.50个典型差距, not a score's limit beside the score)
    peers = [r for r, hit in zip(rows, rule == "peer", strict=True) if hit]
    assert peers and {r[limit].data_type for r in peers} == {"n"}
    assert {r[limit].number_format for r in peers} == {
        '"落后同类单位中位数"0.00"个典型差距";"落后同类单位中位数"0.00"个典型差距"'
    }
    periods = [r[header.index("报告期")].value for r in rows]
    assert set(periods) == {"2025年度"}


def test_ranking_ledger_and_flags_workbooks(scored, tmp_path):
    ranks = pd.read_parquet(scored / "ranks.parquet").query("period == '2025'")
    for table, sheet in [("ranking", "排名明细 Ranking details"),
                         ("ledger", "整改台账 Ledger"), ("flags", "数据质量 Flags"),
                         ("risk", "风险等级 Risk")]:  # fmt: skip
        out = tmp_path / f"{table}.xlsx"
        done = invoke("export", scored, "--table", table, "--format", "xlsx",
                      "--out", out)  # fmt: skip
        assert done.exit_code == 0, done.output
        book = openpyxl.load_workbook(out)
        assert book.sheetnames == [sheet, "说明 About"]
        ws = book[sheet]
        header = [c.value.split("\n")[1] for c in ws[1]]  # the English line
        body = list(ws.iter_rows(min_row=2))
        if table == "ranking":
            got = {r[header.index("Unit code")].value: r[header.index("Rank")]
                   for r in body}  # fmt: skip
            assert {u: c.value for u, c in got.items()} == dict(
                zip(ranks["unit_id"], ranks["rank"].astype(int), strict=True)
            )
            assert {c.data_type for c in got.values()} == {"n"}
        if table == "ledger":
            cells = [r[header.index("Escalations")] for r in body]
            assert {(c.data_type, c.number_format) for c in cells} == {("n", "0")}
            # real dates (a filter sorts 2025年10月8日 after 2025年1月30日), shown as
            # officials write them: the stored 2025-01-30 (by hand from the
            # Parquet table) in a cell formatted 2025年1月30日
            stored = pd.read_parquet(scored / "ledger.parquet").set_index("item_id")
            for r in body:
                item = stored.loc[r[header.index("Item")].value]
                for column, key in [("Due", "first_due"), ("Current deadline", "due"),
                                    ("Closed on", "closed_on")]:  # fmt: skip
                    cell = r[header.index(column)]
                    if not isinstance(item[key], str) or not item[key]:
                        assert cell.value is None  # open: no date
                        continue
                    assert cell.is_date and cell.value.date().isoformat() == item[key]
                    assert cell.number_format == 'yyyy"年"m"月"d"日"'  # 2025年1月30日
        if table == "risk":
            cells = [r[header.index("Red warnings")] for r in body]
            assert {c.data_type for c in cells} == {"n"}


def test_flags_and_ledger_about_sheets_state_the_span_of_their_rows(scored, tmp_path):
    """Flags and the ledger hold rows of many periods (every period of the data for
    flags, items opened in 2024 and 2025): their 报告期 is the span of the rows,
    never just the run's 2025年度."""
    months = {"M": 1, "B": 2, "Q": 3, "H": 6}

    def span(label: str) -> tuple[int, int]:  # first and last month, by hand
        size = months[label[5]] if len(label) > 4 else 12
        end = (int(label[6:]) if len(label) > 4 else 1) * size
        return int(label[:4]) * 12 + end - size, int(label[:4]) * 12 + end - 1

    flags = pd.read_parquet(scored / "flags.parquet")["period"]
    ledger = pd.read_parquet(scored / "ledger.parquet")["opened_period"]
    assert min(span(p)[0] for p in flags) == 2024 * 12  # January 2024
    assert max(span(p)[1] for p in flags) == 2025 * 12 + 11  # December 2025
    assert "2024-M01" in set(flags) and "2025-M12" in set(flags)
    assert set(ledger) == {"2024", "2025"}
    want = {
        "flags": ("2024年1月至2025年12月（2024年1月1日至2025年12月31日）",
                  "January 2024 to December 2025 (2024-01-01 to 2025-12-31)"),
        "ledger": ("2024年度至2025年度（2024年1月1日至2025年12月31日）",
                   "2024 to 2025 (2024-01-01 to 2025-12-31)"),
    }  # fmt: skip
    for table, (zh, en) in want.items():
        out = tmp_path / f"{table}.xlsx"
        done = invoke("export", scored, "--table", table, "--out", out)
        assert done.exit_code == 0, done.output
        rows = list(
            openpyxl.load_workbook(out)["说明 About"].iter_rows(values_only=True)
        )
        assert {r[0]: r[1] for r in rows[1:]}["报告期"] == zh
        assert {r[2]: r[3] for r in rows[1:]}["Period"] == en


def test_the_same_result_gives_the_same_workbook_bytes(scored, tmp_path):
    for name in ("a.xlsx", "b.xlsx"):
        assert invoke("export", scored, "--out", tmp_path / name).exit_code == 0
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_a_format_that_contradicts_the_file_name_is_refused(scored, tmp_path):
    done = invoke("export", scored, "--format", "xlsx", "--out", tmp_path / "m.csv")
    assert done.exit_code == 2
    assert "--format xlsx" in done.output and "m.csv" in done.output
    done = invoke("export", scored, "--format", "csv", "--out", tmp_path / "m.xlsx")
    assert done.exit_code == 2 and "m.xlsx" in done.output
    done = invoke("export", scored, "--format", "pdf", "--out", tmp_path / "m.csv")
    assert done.exit_code == 2 and "csv, xlsx" in done.output
    done = invoke("export", scored, "--format", "pdf", "--out", tmp_path / "m.pdf")
    assert done.exit_code == 2 and "--out must end in .csv or .xlsx" in done.output
    assert not list(tmp_path.iterdir())


# ------------------------------------------------------------ the annual grade
@pytest.fixture(scope="module")
def published(scored, tmp_path_factory):
    """A store of its own (never the project's data/store.duckdb) holding the
    sample's annual appraisal, released: ``(store, run id)``."""
    store = tmp_path_factory.mktemp("store") / "store.duckdb"
    done = invoke(
        "publish", scored, "--appraisal", SAMPLE / "appraisal", "--store", store,
        "--by", "测试", "--appraisal-config", ROOT / "appraisal.yaml", "--release",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    return store, re.search(r"annual-\S+\.v\d+", done.output).group(0)


def test_the_published_annual_grade_is_a_column_of_the_years_media_table(
    scored, published, tmp_path
):
    from evaluation.publish.store import Store

    store, run = published
    with Store(store, read_only=True) as s:
        grades = s.table(run, "grades").set_index("unit_id")["final_grade"]
    words = {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"}
    out = tmp_path / "media.csv"
    done = invoke("export", scored, "--store", store, "--out", out)
    assert done.exit_code == 0, done.output
    units = pd.read_csv(SAMPLE / "units.csv", encoding="utf-8-sig", dtype=str)
    ids = units.set_index("name_zh")["unit_id"]
    for file in ("media.csv", "media_区县.csv", "media_市直部门.csv"):
        table = read_csv(tmp_path / file)
        assert table.columns[-1] == "年度考评等次"
        want = [words[grades[ids[n]]] for n in table["单位"]]
        assert table["年度考评等次"].tolist() == want
    note = (tmp_path / "media.说明.txt").read_text(encoding="utf-8-sig")
    assert run in note and "公示中" in note  # released for public notice
    grades_file = tmp_path / "grades.xlsx"
    done = invoke("export", scored, "--table", "grades", "--store", store,
                  "--out", grades_file)  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "考评结果" in openpyxl.load_workbook(grades_file).sheetnames


def test_an_export_opens_the_store_once(scored, published, tmp_path, monkeypatch):
    """The year's grades, whether they were made from this result, and the
    correction under notice are read in one look at the store (it was opened three
    times for a media export, twice for the grades table): one snapshot, one
    connection. The files are those of the CLI export above."""
    from evaluation.publish import media
    from evaluation.publish.store import Store, load_result

    opened = []

    class Counted(Store):
        def __init__(self, *args, **kwargs):
            opened.append(args[0])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(media, "Store", Counted)
    store, run = published
    result = load_result(scored)
    for name, table in (("m.csv", "media"), ("m.xlsx", "media"), ("g.csv", "grades")):
        opened.clear()
        files = media.export(result, tmp_path / name, table=table, store=store)
        assert opened == [store], (name, opened)
        assert files and all(path.is_file() for path, _ in files)
    written = read_csv(tmp_path / "m.csv")
    assert written.columns[-1] == "年度考评等次"
    assert written["年度考评等次"].ne("").all()


def _note(path: Path) -> dict[str, str]:
    """A note's lines ``项目：说明`` (or ``Item: Description``) as a dict, read back
    as UTF-8 with BOM."""
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()[2:]  # under the title and its rule
    return dict(re.split("：|: ", line, maxsplit=1) for line in lines if line)


def test_a_grades_csv_has_a_note_saying_its_run_and_whether_it_is_in_force(
    scored, published, tmp_path
):
    """``export --table grades --out g.csv``: beside the table, g.说明.txt names the
    run and says 公示中, not yet in force until the 公示's last day (the store's
    ``notice_until``, written in Chinese by hand), that appeals may change a grade;
    g_en.about.txt says it in English. Once the 公示 is over and the run finalised:
    已发布, 已生效, from ``export`` and ``evaluation grades`` alike."""
    from datetime import date, timedelta

    from evaluation.publish.publication import Publication
    from evaluation.publish.store import Store

    store, run = tmp_path / "store.duckdb", published[1]
    shutil.copyfile(published[0], store)  # finalised below: a copy of its own
    with Store(store, read_only=True) as s:
        until = s.runs().set_index("run_id").at[run, "notice_until"]
    out = tmp_path / "g.csv"
    done = invoke("export", scored, "--table", "grades", "--store", store,
                  "--out", out)  # fmt: skip
    assert done.exit_code == 0, done.output
    assert f"已写入：{tmp_path / 'g.说明.txt'}" in done.output
    note = _note(tmp_path / "g.说明.txt")
    assert note["版本"] == run and note["状态"] == "公示中"
    # sent on: the store and input files by their folders' last two names
    text = (tmp_path / "g.说明.txt").read_text(encoding="utf-8-sig")
    assert str(tmp_path) not in text and str(ROOT) not in text
    assert note["数据来源"].startswith(f"发布库 {tmp_path.name}/store.duckdb，")
    assert "考评输入 sample/appraisal/ballots.csv" in note
    # no 规则 sheet beside a CSV: the note lists the rules, as the sample's config
    # names its veto rule and its source (appraisal.yaml)
    assert "工作表" not in text and "见本说明所列各项考评规则" in note["方法"]
    assert any(
        v.startswith("重大安全事故、领导班子严重违纪违法一票否决（依据：《株洲市人民政府"
                     "推行四项机制的决定》第三部分第（四）项")
        for k, v in note.items() if k.startswith("考评规则")
    )  # fmt: skip
    assert note["效力"] == (
        f"尚未生效，公示期至{chinese_day(until)}；公示期满且申诉均已复核后正式确定，"
        "此前等次可能因申诉复核而改变"
    )
    done = invoke("export", scored, "--table", "grades", "--store", store,
                  "--lang", "en", "--out", tmp_path / "g_en.csv")  # fmt: skip
    assert done.exit_code == 0, done.output
    en = _note(tmp_path / "g_en.about.txt")
    assert en["Run"] == run and en["Status"] == "under notice"
    assert en["In force"].startswith(f"not yet, under public notice until {until};")
    assert not (tmp_path / "g_en.说明.txt").exists()

    with Publication(store) as p:  # the 公示 over, no appeal: final
        p.finalise(run, by="主任", today=date.fromisoformat(until) + timedelta(days=1))
    done = invoke("export", scored, "--table", "grades", "--store", store,
                  "--out", out)  # fmt: skip
    assert done.exit_code == 0, done.output
    note = _note(tmp_path / "g.说明.txt")
    assert note["版本"] == run and note["状态"] == "已发布"
    assert note["效力"] == "已生效（现行版本）"
    done = invoke("grades", run, "--store", store, "--lang", "both",
                  "--out", tmp_path / "by_run.csv")  # fmt: skip
    assert done.exit_code == 0, done.output
    text = (tmp_path / "by_run.说明.txt").read_text(encoding="utf-8-sig")
    assert "效力：已生效（现行版本）" in text
    assert "In force: yes (the current version)" in text


def test_a_grades_file_of_the_run_in_force_names_its_correction_under_notice(
    scored, published, tmp_path
):
    """v1 final and in force; an appeal's corrected v2 released, under 公示 until a
    day (the store's ``notice_until``, written in Chinese by hand): v1's grades
    files, still 已生效, say that v2 is under 公示 until that day and replaces v1
    once final, in the CSV note (Chinese, English) and the workbook's 说明 About
    sheet, from ``export`` and ``evaluation grades`` alike. Before v2 is released
    (no correction, or a draft no one outside sees) no such line."""
    from datetime import date, timedelta

    from evaluation.publish.publication import Publication
    from evaluation.publish.store import Store

    store, v1 = tmp_path / "store.duckdb", published[1]
    shutil.copyfile(published[0], store)
    with Store(store, read_only=True) as s:
        until = s.runs().set_index("run_id").at[v1, "notice_until"]
    with Publication(store) as p:  # the 公示 over, no appeal: final
        p.finalise(v1, by="主任", today=date.fromisoformat(until) + timedelta(days=1))
    label = "待生效的更正版本"

    def export(*more) -> None:
        done = invoke("export", scored, "--table", "grades", "--store", store, *more)
        assert done.exit_code == 0, done.output

    export("--out", tmp_path / "g.csv")
    assert label not in _note(tmp_path / "g.说明.txt")  # no correction: no line
    folder = tmp_path / "appraisal"  # the committee lowers D20 on review
    shutil.copytree(SAMPLE / "appraisal", folder)
    pd.DataFrame(
        [["D20", "pass", "复核：重点工作数据有误", "考评委员会", "2026-02-03"]],
        columns=["unit_id", "grade", "reason", "approved_by", "approved_on"],
    ).to_csv(folder / "overrides.csv", index=False, encoding="utf-8-sig")
    reason = "复核〔2026〕2号"
    done = invoke(
        "appeal", v1, scored, "--reason", reason, "--by", "绩效办", "--appraisal",
        folder, "--appraisal-config", ROOT / "appraisal.yaml", "--store", store,
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    v2 = v1.replace(".v1", ".v2")
    export("--out", tmp_path / "g.csv")
    assert label not in _note(tmp_path / "g.说明.txt")  # a draft: not public
    media = tmp_path / "media.csv"  # the journalist's table with v1's grades
    done = invoke("export", scored, "--store", store, "--out", media)
    assert done.exit_code == 0, done.output
    assert label not in _note(tmp_path / "media.说明.txt")

    done = invoke("publish", "--run", v2, "--by", "主任", "--store", store)
    assert done.exit_code == 0, done.output
    with Store(store, read_only=True) as s:
        runs = s.runs().set_index("run_id")
    assert runs.at[v2, "status"] == "notice" and bool(runs.at[v1, "in_force"])
    until2 = runs.at[v2, "notice_until"]
    zh = (
        f"更正版本 {v2}（申诉/复核：{reason}）公示中，公示期至{chinese_day(until2)}；"
        "正式发布后取代本版本，本文件中的等次可能随之改变"
    )
    export("--out", tmp_path / "g.csv")
    note = _note(tmp_path / "g.说明.txt")
    assert note["版本"] == v1 and note["效力"] == "已生效（现行版本）"
    assert note[label] == zh
    export("--lang", "en", "--out", tmp_path / "g_en.csv")
    assert _note(tmp_path / "g_en.about.txt")["Correction pending"] == (
        f"corrected version {v2} (appeal/review: {reason}) under public notice until "
        f"{until2}; once final it replaces this version, and grades here may change"
    )
    book = tmp_path / "g.xlsx"
    done = invoke("grades", v1, "--store", store, "--out", book)
    assert done.exit_code == 0, done.output
    about = {
        r[0]: r[1]
        for r in openpyxl.load_workbook(book)["说明 About"].iter_rows(
            min_row=2, values_only=True
        )
    }
    assert about["版本"] == v1 and about[label] == zh
    # the media CSV of v1's grades (its 年度考评等次 column) and the media workbook
    # say it too, in the same words
    for lang, file in (("zh", "media.说明.txt"), ("en", "media_en.about.txt")):
        out = tmp_path / file.replace(".说明.txt", ".csv").replace(".about.txt", ".csv")
        done = invoke("export", scored, "--store", store, "--lang", lang, "--out", out)
        assert done.exit_code == 0, done.output
        assert read_csv(out).columns[-1] == ("年度考评等次" if lang == "zh" else
                                             "Annual grade")  # fmt: skip
        note = _note(tmp_path / file)
        if lang == "zh":
            assert v1 in note["年度考评等次"] and "已发布" in note["年度考评等次"]
            assert note[label] == zh
        else:
            assert note["Correction pending"].startswith(
                f"corrected version {v2} (appeal/review: {reason}) under public "
                f"notice until {until2}; once final it replaces this version"
            )
    done = invoke("export", scored, "--store", store, "--out", tmp_path / "m.xlsx")
    assert done.exit_code == 0, done.output
    sheet = openpyxl.load_workbook(tmp_path / "m.xlsx")["说明 About"]
    assert {r[0]: r[1] for r in sheet.iter_rows(min_row=2, values_only=True)}[
        label
    ] == zh
    # v1's feedback letters (v1 is in force) say it too, in a letter's words
    done = invoke("letters", v1, "--store", store, "--unit", "D20", "--html",
                  "--out", tmp_path / "letters")  # fmt: skip
    assert done.exit_code == 0, done.output
    letter = next((tmp_path / "letters").glob("*.html")).read_text(encoding="utf-8")
    assert (
        f"本意见书依据的考评结果已有更正版本 {v2}（申诉/复核：{reason}），正在公示，"
        f"公示期至{chinese_day(until2)}；更正版本正式发布后取代本版本，届时本意见书所列"
        "得分、等次以更正版本为准"
    ) in letter
    # v2's own files say no such line: it is the correction, not a run in force
    done = invoke("grades", v2, "--store", store, "--out", tmp_path / "v2.csv")
    assert done.exit_code == 0, done.output
    assert label not in _note(tmp_path / "v2.说明.txt")


def test_export_reads_no_store_it_is_not_given(
    scored, published, tmp_path, monkeypatch
):
    """The commands' default store (data/store.duckdb under the working folder),
    holding the sample's appraisal: export never picks it up by itself."""
    (tmp_path / "data").mkdir()
    shutil.copyfile(published[0], tmp_path / "data" / "store.duckdb")
    monkeypatch.chdir(tmp_path)
    done = invoke("export", scored, "--out", tmp_path / "media.csv")
    assert done.exit_code == 0, done.output
    assert "年度考评等次" not in read_csv(tmp_path / "media.csv").columns
    done = invoke("export", scored, "--table", "grades", "--out", tmp_path / "g.csv")
    assert done.exit_code == 1 and "--store" in done.output
    assert not (tmp_path / "g.csv").exists()


def test_another_citys_result_gets_no_grades_from_the_samples_appraisal(
    published, tmp_path
):
    """Another dataset (a generated city with the sample's unit codes D01 …) scored
    for 2025: the store's appraisal was made from other files, so no grade column,
    and the export says why."""
    store, run = published
    city, out = tmp_path / "city", tmp_path / "out"
    assert invoke("generate", city, "--seed", "7").exit_code == 0
    mine = pd.read_csv(city / "units.csv", encoding="utf-8-sig", dtype=str)
    sample = pd.read_csv(SAMPLE / "units.csv", encoding="utf-8-sig", dtype=str)
    assert set(mine["unit_id"]) & set(sample["unit_id"])  # codes a join would match
    done = invoke(
        "score", city, "--period", "2025", "--catalogue", ROOT / "indicators.yaml",
        "--out", out, "--run-at", RUN_AT,
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    media = tmp_path / "media.csv"
    done = invoke("export", out / "result", "--store", store, "--out", media)
    assert done.exit_code == 0, done.output
    for file in ("media.csv", "media_区县.csv", "media_市直部门.csv"):
        assert "年度考评等次" not in read_csv(tmp_path / file).columns
    why = [line for line in done.output.splitlines() if "年度考评等次" in line]
    assert len(why) == 1 and why[0].startswith("不加年度考评等次列：发布库")
    assert f"中的年度考评 {run} 所用的输入文件与本次结果不同" in why[0]
    note = (tmp_path / "media.说明.txt").read_text(encoding="utf-8-sig")
    assert run not in note


def test_a_bad_request_writes_nothing(scored, tmp_path):
    done = invoke("export", scored, "--period", "2030", "--out", tmp_path / "m.csv")
    assert done.exit_code == 1 and "2030" in done.output
    done = invoke("export", scored, "--peer-group", "nowhere", "--out",
                  tmp_path / "m.xlsx")  # fmt: skip
    assert done.exit_code == 1 and "nowhere" in done.output
    done = invoke("export", scored, "--table", "scores", "--out", tmp_path / "m.csv")
    assert done.exit_code == 2 and "media" in done.output
    assert not list(tmp_path.iterdir())
