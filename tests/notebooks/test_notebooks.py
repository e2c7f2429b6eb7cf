"""Every notebook runs top to bottom against the bundled sample, with the kernel
started in ``notebooks/`` as JupyterLab starts it, writes its files into the
``out_dir`` it is given and ends with a cell listing them."""

from __future__ import annotations

import asyncio
import base64
import csv
import os
import re
import shutil
import stat
import tempfile
import uuid
from contextlib import closing
from html.parser import HTMLParser
from pathlib import Path

import jupytext
import nbformat
import numpy as np
import pandas as pd
import pytest
from nbclient import NotebookClient
from traitlets.config import Config

import evaluation as ev
from evaluation.analysis import views

from ..conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))
IDS = [p.stem for p in NOTEBOOKS]
#: parameters a test sets beside ``out_dir`` (as papermill's ``-p``), by notebook
EXTRA = {
    "intake_review": {
        "analyst": "测试员",
        "triage": [
            ("stable/D28/approval_volume/2024-M01", "accepted", "已核实：沿用旧数"),
            ("jump/X04/hotline_response_rate/2025-M11", "dismissed", "系统切换所致"),
        ],
    },
    "department": {"unit_id": "D13"},
}


#: the kernels' sockets (removed when the tests end)
SOCKETS = tempfile.TemporaryDirectory(prefix="nbk")


def _client(notebook, path) -> NotebookClient:
    """A client running every cell of ``notebook`` (the test lists the errors) in a
    kernel started in the notebook's own folder, as JupyterLab starts it. Kernels
    talk over IPC sockets, not TCP ports: kernels started side by side (and by other
    processes on the machine) cannot race for one port ("Address already in use")."""
    config = Config()
    config.KernelManager.transport = "ipc"
    # the sockets' path: absolute (the kernel starts in another folder), short
    # (a socket's path has at most 107 bytes) and the kernel's own
    config.KernelManager.ip = str(Path(SOCKETS.name) / uuid.uuid4().hex[:12])
    return NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
        config=config,
    )


def _inject(notebook, **values) -> None:
    """Like papermill: a cell after the parameters cell setting ``values``."""
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "each notebook has one parameters cell"
    index = notebook.cells.index(tagged[0]) + 1
    source = "\n".join(f"{k} = {v!r}" for k, v in values.items())
    notebook.cells.insert(index, nbformat.v4.new_code_cell(source))


def _execute(paths, tmp_path_factory, **values):
    """``path → (notebook with outputs, out_dir)``: each notebook run once, side by
    side (each in its own kernel, started in ``notebooks/`` as JupyterLab starts
    it), with a umask of 022 like an office PC's (files written 0644), its
    parameters set to ``values`` beside the test's own (:data:`EXTRA`)."""
    runs = {}
    for path in paths:
        out_dir = tmp_path_factory.mktemp(path.stem)
        notebook = jupytext.read(path)
        _inject(notebook, out_dir=str(out_dir), **EXTRA.get(path.stem, {}), **values)
        runs[path] = (_client(notebook, path), notebook, out_dir)

    async def run_all():
        await asyncio.gather(*(c.async_execute() for c, _, _ in runs.values()))

    old = os.umask(0o022)
    try:
        asyncio.run(run_all())
    finally:
        os.umask(old)
    return lambda path: runs[path][1:]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Every notebook run once as the analyst runs it (lang="zh"): :func:`_execute`."""
    return _execute(NOTEBOOKS, tmp_path_factory)


@pytest.fixture(scope="module")
def executed_en(tmp_path_factory):
    """Every notebook run once with ``lang="en"`` (each has that parameter)."""
    return _execute(NOTEBOOKS, tmp_path_factory, lang="en")


def _text(cell) -> str:
    """What a cell shows: printed text and every text or HTML rendering."""
    parts = []
    for o in cell.get("outputs", []):
        parts.append(o.get("text", ""))
        data = o.get("data", {})
        parts += [data.get("text/plain", ""), data.get("text/html", "")]
    return "\n".join(parts)


class _Table(HTMLParser):
    """The rows of the first HTML table pandas displays, each a list of its cells'
    text (the header row first, its index cell empty)."""

    def __init__(self):
        super().__init__()
        self.rows, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("th", "td"):
            self._cell = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            self.rows[-1].append(self._cell.strip())
            self._cell = None


def _header(html: str) -> list[str]:
    """The header cells of the first table in ``html`` (a pandas display)."""
    table = _Table()
    table.feed(html)
    return next((r for r in table.rows if r), [])


def _shown_table(notebook, code: str) -> list[list[str]]:
    """The table displayed by the one code cell whose source contains ``code``:
    its header row, then each row (index first), as the analyst sees them."""
    (cell,) = [c for c in notebook.cells if c.cell_type == "code" and code in c.source]
    (html,) = [
        o["data"]["text/html"]
        for o in cell.get("outputs", [])
        if "text/html" in o.get("data", {})
    ]
    table = _Table()
    table.feed(html)
    return [r for r in table.rows if r]


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_executes_without_errors(path, executed):
    notebook, _ = executed(path)
    errors = [
        f"{o['ename']}: {o['evalue']} in\n{c.source}"
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert errors == []


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_in_english_runs_and_heads_its_tables_in_english(path, executed_en):
    """A notebook run with ``lang="en"``: every cell runs, and every table it shows
    is headed in English (no Chinese-only header left from a hard-coded "zh"; a
    term glossed in brackets, "Periods (考)", is English)."""
    notebook, _ = executed_en(path)
    errors = [
        f"{o['ename']}: {o['evalue']}"
        for c in notebook.cells
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert errors == []
    chinese = re.compile(r"[\u4e00-\u9fff]")
    shown = [
        (c.source.splitlines()[0], header)
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if "text/html" in o.get("data", {}) and "<table" in o["data"]["text/html"]
        for header in [_header(o["data"]["text/html"])]
    ]
    assert shown, "the notebook shows tables"
    english = re.compile(r"[A-Za-z]")
    left = [
        (cell, [x for x in h if chinese.search(x) and not english.search(x)])
        for cell, h in shown
    ]
    assert [(cell, xs) for cell, xs in left if xs] == []


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_writes_into_out_dir_and_ends_listing_what_it_wrote(path, executed):
    """Nothing goes anywhere but the ``out_dir`` given (the sample's folders stay
    clean), at least one file does, each readable by colleagues (0644), and the
    last code cell's output names every file or folder written there."""
    notebook, out_dir = executed(path)
    written = sorted(p for p in out_dir.iterdir() if not p.name.startswith("."))
    assert written, f"{path.name} wrote nothing into out_dir"
    files = [p for p in out_dir.rglob("*") if p.is_file()]
    modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in files}
    assert set(modes.values()) == {"0o644"}, modes
    last = [c for c in notebook.cells if c.cell_type == "code"][-1]
    shown = _text(last)
    assert [p.name for p in written if p.name not in shown] == [], (
        f"the last cell of {path.name} does not list every file it wrote"
    )


@pytest.mark.notebook
def test_league_table_exports_the_media_csv_with_every_unit(executed):
    _, out_dir = executed(ROOT / "notebooks" / "league_table.py")
    (media,) = out_dir.glob("media_*_zh.csv")
    assert media.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    units = pd.read_csv(ROOT / "data" / "sample" / "units.csv", encoding="utf-8-sig")
    table = pd.read_csv(media, encoding="utf-8-sig", dtype=str)
    assert len(table) == len(units)
    # as `evaluation export` writes it: the note beside it, and the departments and
    # the districts ranked apart, every unit in one of them
    assert (out_dir / media.name.replace(".csv", ".说明.txt")).is_file()
    apart = sorted(out_dir.glob(media.name.replace(".csv", "_*.csv")))
    assert len(apart) == 2
    rows = [len(pd.read_csv(p, encoding="utf-8-sig", dtype=str)) for p in apart]
    assert sum(rows) == len(units)


@pytest.mark.notebook
def test_ledger_followup_reminders_are_the_list_the_office_sends(executed):
    """The reminder list as `evaluation ledger --reminders` writes it (催办清单):
    the responsible unit first, dates as 2026年1月20日."""
    _, out_dir = executed(ROOT / "notebooks" / "ledger_followup.py")
    (csv_file,) = out_dir.glob("ledger_reminders_*.csv")
    table = pd.read_csv(csv_file, encoding="utf-8-sig", dtype=str)
    assert table.columns[0] == "责任单位" and len(table) > 0
    assert table["原定整改期限"].str.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日").all()


@pytest.mark.notebook
def test_intake_review_records_the_triage_as_the_cli_does(executed):
    """The analyst's decisions set in the parameters land in the decisions file in
    out_dir, in the CLI's format (``evaluation flags``), with the analyst's name;
    the review workbook has the submissions, problems and flags sheets."""
    _, out_dir = executed(ROOT / "notebooks" / "intake_review.py")
    with open(out_dir / "flag_decisions.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    kept = [(r["flag_id"], r["decision"], r["comment"], r["decided_by"]) for r in rows]
    assert kept == [
        ("stable/D28/approval_volume/2024-M01", "accepted", "已核实：沿用旧数",
         "测试员"),
        ("jump/X04/hotline_response_rate/2025-M11", "dismissed", "系统切换所致",
         "测试员"),
    ]  # fmt: skip
    openpyxl = pytest.importorskip("openpyxl")
    (book,) = out_dir.glob("intake_review_*.xlsx")
    with closing(openpyxl.load_workbook(book, read_only=True)) as workbook:
        sheets = workbook.sheetnames
    assert sheets[:3] == ["报送情况", "校验问题", "数据质量"]


@pytest.mark.notebook
def test_intake_review_writes_the_problems_to_send_back_when_a_file_is_bad(tmp_path):
    """The review is needed most when a file is bad: every cell runs, scoring and
    the flags wait, and the workbook's problems sheet names the cell (it was only
    written when it was empty: ``ev.run`` refused and every later cell failed)."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "sample", data)
    audit = data / "observations" / "audit.csv"
    lines = audit.read_text(encoding="utf-8-sig").splitlines()
    lines[1] = lines[1].replace(",1.8,", ",1.8%,")  # D01's 2024 audit share
    audit.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out_dir = tmp_path / "out"
    path = ROOT / "notebooks" / "intake_review.py"
    notebook = jupytext.read(path)
    _inject(notebook, out_dir=str(out_dir), data_path=str(data), triage=[])
    _client(notebook, path).execute()
    errors = _errors(notebook)
    assert errors == []
    openpyxl = pytest.importorskip("openpyxl")
    (book,) = out_dir.glob("intake_review_*.xlsx")
    with closing(openpyxl.load_workbook(book, read_only=True)) as workbook:
        sheets = workbook.sheetnames
        rows = list(workbook["校验问题"].iter_rows(values_only=True))
    assert sheets == ["报送情况", "校验问题"]
    assert [r[:4] for r in rows[1:]] == [
        ("observations/audit.csv", 2, "指标值（value）", "1.8%")
    ]


@pytest.mark.notebook
def test_department_workbook_is_the_units_own_with_numbers_as_numbers(executed):
    """The workbook of the department asked for: its indicators' values stored as
    numbers, and only its own rectification items (named as units.csv names it)."""
    _, out_dir = executed(ROOT / "notebooks" / "department.py")
    units = pd.read_csv(ROOT / "data" / "sample" / "units.csv", encoding="utf-8-sig")
    name = units.set_index("unit_id").at["D13", "name_zh"]
    openpyxl = pytest.importorskip("openpyxl")
    (book,) = out_dir.glob("department_D13_*.xlsx")
    workbook = openpyxl.load_workbook(book)
    rows = list(workbook["指标"].iter_rows(values_only=True))
    values = [r[rows[0].index("数值")] for r in rows[1:]]
    assert values and all(isinstance(v, int | float) for v in values)
    rows = list(workbook["整改台账"].iter_rows(values_only=True))
    assert len(rows) > 1 and {r[rows[0].index("单位")] for r in rows[1:]} == {name}


def test_notebooks_stay_thin():
    """No functions, classes or loops in notebooks: logic lives in evaluation/."""
    for path in NOTEBOOKS:
        code = "\n".join(
            c.source for c in jupytext.read(path).cells if c.cell_type == "code"
        )
        for word in ("def ", "class ", "for ", "while "):
            assert word not in code, f"{path.name} has '{word.strip()}'"


def test_notebooks_find_their_files_from_the_project_root():
    """Default paths come from ``ev.project_root()``, never from the kernel's
    folder: no ``../`` path in a parameters cell."""
    for path in NOTEBOOKS:
        cells = jupytext.read(path).cells
        (params,) = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
        assert "../" not in params.source, path.name
        assert "project_root()" in params.source, path.name


def test_there_is_a_notebook():
    assert NOTEBOOKS, "notebooks/*.py is empty"


@pytest.mark.notebook
def test_year_end_whatif_changes_are_shown_in_chinese_with_whole_ranks(executed):
    """The what-if's changed grades as the analyst reads them (lang="zh"): Chinese
    headers, groups and grades in words, ranks in the group as whole numbers."""
    notebook, _ = executed(ROOT / "notebooks" / "year_end.py")
    header, *rows = _shown_table(notebook, "worded.grade_changes(changes[")
    assert header[1:] == [
        "考评组别", "单位代码", "单位", "原得分", "测算得分", "得分变化",
        "原组内名次", "测算组内名次", "名次变化（+为上升）", "原等次", "测算等次",
        "等次是否变化",
    ]  # fmt: skip
    assert rows, "the sample's what-if changes some grade"
    grades = {"优秀", "良好", "合格", "不合格"}
    for row in rows:
        shown = dict(zip(header, row, strict=True))
        assert shown["考评组别"] in {"市直部门", "县（市）区政府"}
        assert {shown["原等次"], shown["测算等次"]} <= grades
        assert shown["等次是否变化"] == "是"
        for rank in ("原组内名次", "测算组内名次", "名次变化（+为上升）"):
            assert re.fullmatch(r"-?\d+", shown[rank]), (rank, shown[rank])


@pytest.mark.notebook
def test_department_opens_with_its_rank_in_chinese_as_a_whole_number(executed):
    """The department notebook's first table: the unit by its Chinese name, its
    peer group in words, ranks whole (37, not 37.0)."""
    notebook, _ = executed(ROOT / "notebooks" / "department.py")
    header, row = _shown_table(notebook, 'heads["peer_rank"]')
    assert header == ["", "单位", "类别", "综合得分", "排名", "组内排名"]
    units = pd.read_csv(ROOT / "data" / "sample" / "units.csv", encoding="utf-8-sig")
    assert row[1] == units.set_index("unit_id").at["D13", "name_zh"]
    assert re.fullmatch(r"\d+\.\d{1,2}", row[3])
    assert re.fullmatch(r"\d+", row[4]) and re.fullmatch(r"\d+", row[5])
    assert int(row[5]) <= int(row[4])  # a rank in its group is no worse than overall


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_the_files_written_are_listed_under_chinese_headers(path, executed):
    """Every notebook (lang="zh") ends with its files under the analyst's words,
    each readable by colleagues (0644) and its size in bytes."""
    notebook, _ = executed(path)
    header, *rows = _shown_table(notebook, "ev.files.listing(")
    assert header == ["", "文件", "大小（字节）", "权限", "写出时间（北京时间）",
                      "所在文件夹"]  # fmt: skip
    assert rows
    for row in rows:
        assert re.fullmatch(r"\d+", row[2]) and row[3] == "0644", row
        assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d", row[4]), row


@pytest.mark.notebook
@pytest.mark.parametrize("name", ["league_table", "intake_review"])
def test_the_files_read_are_listed_in_chinese(name, executed):
    """The first table the analyst sees (lang="zh"): each file read, its encoding
    as validate says it (UTF-8编码; the sample's finance.xlsx an Excel工作簿) and
    its rows, under Chinese headers, not the codec's name under English ones."""
    notebook, _ = executed(ROOT / "notebooks" / f"{name}.py")
    header, *rows = _shown_table(notebook, "worded.files(data.files, lang)")
    assert header == ["", "文件", "编码", "行数"]
    shown = {r[1]: r[2] for r in rows}
    assert shown["units.csv"] == "UTF-8编码"
    assert shown["observations/finance.xlsx"] == "Excel工作簿"
    assert all(re.fullmatch(r"\d+", r[3]) for r in rows)


@pytest.mark.notebook
def test_method_design_tables_read_in_chinese(executed):
    """The panel's tables (lang="zh"): methods, the AHP check, diagnostics and
    the catalogue changes headed in Chinese, nodes and methods in words."""
    notebook, _ = executed(ROOT / "notebooks" / "method_design.py")
    header, *rows = _shown_table(notebook, "worded.methods(")
    assert header == ["", "节点", "赋权方法", "汇总方法", "一致性比率 CR", "节点代码"]
    assert rows[-1][1:] == ["综合得分", "人工赋权", "加权算术平均", "NaN", "composite"]
    header, row = _shown_table(notebook, "worded.ahp_check(")
    assert header[4:6] == ["可用（CR < 0.1）", "最不一致的判断"]
    assert row[4] == "是" and float(row[1]) < 0.1
    header, *rows = _shown_table(notebook, "diagnostics.dimensions(result)")
    assert header == ["", "维度", "指标数", "内部一致性系数（Cronbach's α）",
                      "第一主成分解释比例", "维度代码"]  # fmt: skip
    assert all(re.search(r"[\u4e00-\u9fff]", r[1]) for r in rows)
    header, *rows = _shown_table(notebook, "worded.catalogue_changes(")
    assert header[1:] == ["部分", "名称", "字段", "变化", "原值", "新值", "代码"]
    # the panel's AHP matrix replaces the catalogue's manual weights
    assert ["设置", "综合得分", "weights.method", "修改", "人工赋权", "层次分析法",
            "composite"] in [r[1:] for r in rows]  # fmt: skip
    header, *_ = _shown_table(notebook, "moves_shown.head(10)")
    assert header[-1] == "名次变化（+为上升）"


@pytest.mark.notebook
def test_league_table_shows_dimensions_by_name_and_scores_to_two_decimals(executed):
    """The league table the analyst sees (lang="zh"): the five dimensions headed by
    their Chinese names, every score with at most 2 decimals, as published."""
    notebook, _ = executed(ROOT / "notebooks" / "league_table.py")
    header, *rows = _shown_table(notebook, "worded.league(result.league_table(),")
    dimensions = [
        "行政效率",
        "行政成本",
        "任务目标完成",
        "服务评价与满意度",
        "依法行政与责任追究",
    ]
    assert all(d in header for d in dimensions), header
    for d in ["综合得分", *dimensions]:
        shown = [r[header.index(d)] for r in rows]
        assert all(re.fullmatch(r"\d+(\.\d{1,2})?|NaN", v) for v in shown), (d, shown)


@pytest.mark.notebook
def test_league_table_breakdown_read_in_chinese_and_adding_up(executed):
    """One department's indicators by name (lang="zh"), and the cell after it
    showing their contributions add up to its composite score."""
    notebook, _ = executed(ROOT / "notebooks" / "league_table.py")
    header, *rows = _shown_table(notebook, "worded.breakdown(")
    assert header == ["", "指标", "上级指标", "指标值", "数据状态", "指标得分",
                      "占综合得分权重", "贡献（分）", "指标代码"]  # fmt: skip
    assert all(r[4] == "已报送" or r[4].startswith("补缺（") for r in rows), rows
    assert all(re.search(r"[\u4e00-\u9fff]", r[1] + r[2]) for r in rows)
    header, row = _shown_table(notebook, 'said["contribution_sum"]')
    assert header == ["", "各项指标贡献之和", "综合得分"]
    assert row[0] == "市生态环境局" and row[1] == row[2]  # D07
    summed = sum(float(r[7]) for r in rows)  # each rounded: within 0.005 a row
    assert abs(summed - float(row[2])) <= 0.005 * len(rows)


@pytest.mark.notebook
def test_year_end_unit_and_shares_read_in_chinese(executed):
    """The unit followed (D08, 市财政局) to 2 decimals as the grades table, the
    three shares by their parts' Chinese names, not ``Shares(…)``, and the units
    of each appraisal group in the quota table (40 departments, 10 districts)."""
    notebook, _ = executed(ROOT / "notebooks" / "year_end.py")
    header, *rows = _shown_table(notebook, "worded.unit_steps(")
    assert header == ["", "市财政局"]
    shown = dict(rows)
    assert shown["组内排名"] == "3"
    for score in ("考：年度综合得分", "评：年终评估", "议：民主测评", "最终得分"):
        assert re.fullmatch(r"\d+\.\d\d", shown[score]), (score, shown[score])
    assert shown["最终等次"] in {"优秀", "良好", "合格", "不合格"}
    (cell,) = [c for c in notebook.cells if "worded.shares(" in c.source]
    text = _text(cell)
    assert "Shares(" not in text and re.search(r"考：年度综合得分\s+0\.5\n", text)
    header, *rows = _shown_table(notebook, "worded.quota(grades")
    assert header[1:3] == ["考评组别", "单位数"]
    assert [r[1:3] for r in rows] == [["市直部门", "40"], ["县（市）区政府", "10"]]
    # the parts under one name each: the box plot's as the spread table's
    _, *rows = _shown_table(notebook, "worded.part_spread(")
    (cell,) = [c for c in notebook.cells if 'part=long["part"]' in c.source]
    (figure,) = [
        o["data"]["application/vnd.plotly.v1+json"]
        for o in cell["outputs"]
        if "application/vnd.plotly.v1+json" in o.get("data", {})
    ]
    boxes = list(dict.fromkeys(x for t in figure["data"] for x in t["x"]))
    assert (
        boxes
        == [r[0] for r in rows]
        == ["考：年度综合得分", "评：年终评估", "议：民主测评"]
    )


@pytest.mark.notebook
def test_method_design_workbook_sensitivity_sheet_is_in_chinese(executed):
    """The panel's workbook (lang="zh"): the sensitivity sheet has the Chinese
    headers of the table the notebook shows, each factor named in Chinese."""
    openpyxl = pytest.importorskip("openpyxl")
    notebook, out_dir = executed(ROOT / "notebooks" / "method_design.py")
    (book,) = out_dir.glob("method_design_*.xlsx")
    with closing(openpyxl.load_workbook(book, read_only=True)) as workbook:
        values = workbook["敏感性"].iter_rows(values_only=True)
        rows = [[c for c in r if c is not None] for r in values]
    header = next(r for r in rows if "因素" in r)
    assert header[:2] == ["因素", "一阶敏感度指数（S1）"] and header[-1] == "因素代码"
    factors = [r[0] for r in rows[rows.index(header) + 1 :] if r]
    assert factors and all(re.search(r"[\u4e00-\u9fff]", f) for f in factors)


@pytest.mark.notebook
def test_method_design_sobol_table_in_english_names_its_factors(executed_en):
    """The Sobol table an English reader sees (it showed the analysis' columns:
    factor w:efficiency, estimator salib): factors and the estimator in words,
    under English headers, the factor's code last."""
    notebook, _ = executed_en(ROOT / "notebooks" / "method_design.py")
    header, *rows = _shown_table(notebook, "worded.sobol_table(")
    assert header[1:3] == ["Factor", "First-order index (S1)"]
    assert header[-1] == "Factor code"
    catalogue = ev.load_catalogue(ROOT / "indicators.yaml")
    efficiency = catalogue.name("efficiency", "en")
    factors = {r[1].removesuffix("..."): r[-1] for r in rows}  # a long cell cut
    assert any(f"weight of {efficiency}".startswith(f) for f in factors), factors
    assert [f for f in factors if f.startswith("w:")] == []
    estimator = rows[0][header.index("Estimator")].removesuffix("...")
    assert "normalised by the total variance (SALib)".startswith(estimator)


@pytest.mark.notebook
def test_year_end_rules_applied_say_the_approval_date_in_chinese(executed):
    """The vetoes and bonuses the committee reads (lang="zh"): 批准日期 as officials
    write it, the dates of the sample's vetoes.csv and bonuses.csv (2026-01-20)
    turned into 2026年1月20日 here by hand."""
    notebook, _ = executed(ROOT / "notebooks" / "year_end.py")
    header, *rows = _shown_table(notebook, "applied_table(")
    assert rows and "批准日期" in header
    days = set()
    for name in ("vetoes.csv", "bonuses.csv"):
        path = ROOT / "data" / "sample" / "appraisal" / name
        sent = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
        for iso in sent["approved_on"]:
            y, m, d = (int(x) for x in iso.split("-"))
            days.add(f"{y}年{m}月{d}日")
    shown = {dict(zip(header, r, strict=True))["批准日期"] for r in rows}
    assert shown == days


def _errors(notebook) -> list[str]:
    """The error messages an executed notebook shows, cell by cell."""
    return [
        o["evalue"]
        for c in notebook.cells
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]


def _shown_figure(notebook, code: str) -> dict:
    """The plotly figure (``data``, ``layout``) shown by the one code cell whose
    source contains ``code``."""
    (cell,) = [c for c in notebook.cells if c.cell_type == "code" and code in c.source]
    (figure,) = [
        o["data"]["application/vnd.plotly.v1+json"]
        for o in cell.get("outputs", [])
        if "application/vnd.plotly.v1+json" in o.get("data", {})
    ]
    return figure


#: a number as published: at most 2 decimals (NaN where there is none)
PUBLISHED = re.compile(r"-?\d+(\.\d{1,2})?|NaN|<NA>")


@pytest.mark.notebook
def test_league_table_rank_bar_names_the_peer_groups(executed, executed_en):
    """The rank bar's legend and hover name each peer group as the catalogue
    names it (经济管理部门 …), never by its code (district, economic, general)."""
    for run, lang in ((executed, "zh"), (executed_en, "en")):
        notebook, _ = run(ROOT / "notebooks" / "league_table.py")
        figure = _shown_figure(notebook, "plots.plot_rank_bar(")
        names = {t.get("name") for t in figure["data"]} - {None}
        catalogue = pd.read_csv(ROOT / "data" / "sample" / "units.csv")
        codes = set(catalogue["peer_group"]) if "peer_group" in catalogue else set()
        codes |= {"district", "economic", "general", "social", "regulatory"}
        assert names and not names & codes, (lang, names)
        if lang == "zh":
            assert "县（市）区政府" in names and "经济管理部门" in names


@pytest.mark.notebook
def test_league_table_risk_heatmap_is_titled_with_the_period_by_name(executed):
    """风险等级 · 2025年度, as the dashboard titles it, not the code 2025."""
    notebook, _ = executed(ROOT / "notebooks" / "league_table.py")
    figure = _shown_figure(notebook, "plots.plot_risk_heatmap(")
    assert figure["layout"]["title"]["text"] == "风险等级 · 2025年度"


@pytest.mark.notebook
def test_department_indicators_shown_to_two_decimals(executed, executed_en):
    """The department's indicator tables (they showed 17.391304, -46.956522,
    -0.000000): every number to at most 2 decimals, never -0.00; its composite
    too."""
    for run, first in ((executed, "数值"), (executed_en, "Value")):
        notebook, _ = run(ROOT / "notebooks" / "department.py")
        for code in ("worded.indicators(profile.weaknesses",
                     "worded.indicators(profile.strengths"):  # fmt: skip
            header, *rows = _shown_table(notebook, code)
            assert rows, code
            at = header.index(first)
            numbers = [x for r in rows for x in r[at : at + 6]]
            bad = [x for x in numbers if not PUBLISHED.fullmatch(x) or x == "-0.0"]
            assert bad == [], (code, bad)
    header, row = _shown_table(executed(ROOT / "notebooks" / "department.py")[0],
                               'heads["peer_rank"]')  # fmt: skip
    assert PUBLISHED.fullmatch(row[3])


@pytest.mark.notebook
def test_year_end_tables_read_as_published(executed):
    """The response table: 参评率 as a percentage (人大代表 908 of 1500 ballots:
    60.5%, by hand), 平均得分 to 2 decimals; the three parts' spread, the what-if's
    changed grades and the what-if workbook's changes sheet to 2 decimals."""
    notebook, out_dir = executed(ROOT / "notebooks" / "year_end.py")
    header, *rows = _shown_table(notebook, "worded.responses(survey, lang)")
    shown = {r[header.index("评价群体")]: r for r in rows}
    assert shown["人大代表"][header.index("参评率")] == "60.5%"
    assert shown["市领导"][header.index("参评率")] == "100.0%"
    assert all(re.fullmatch(r"\d+\.\d%", r[header.index("参评率")]) for r in rows)
    assert all(PUBLISHED.fullmatch(r[header.index("平均得分")]) for r in rows)
    _, *rows = _shown_table(notebook, "worded.part_spread(")
    assert all(PUBLISHED.fullmatch(x) for r in rows for x in r[1:]), rows
    header, *rows = _shown_table(notebook, "worded.grade_changes(changes[")
    for score in ("原得分", "测算得分", "得分变化"):
        assert all(PUBLISHED.fullmatch(r[header.index(score)]) for r in rows), score
    openpyxl = pytest.importorskip("openpyxl")
    (book,) = out_dir.glob("appraisal_*_whatif.xlsx")
    with closing(openpyxl.load_workbook(book, read_only=True)) as workbook:
        sheet = list(workbook.worksheets[1].iter_rows(values_only=True))
    top = next(i for i, r in enumerate(sheet) if "原得分" in r)
    columns = [sheet[top].index(c) for c in ("原得分", "测算得分", "得分变化")]
    values = [r[i] for r in sheet[top + 1 :] for i in columns]
    assert values and all(round(v, 2) == v for v in values)  # stored rounded


@pytest.mark.notebook
def test_year_end_parts_title_folds_as_its_language_is_set(executed, executed_en):
    """The unit's three parts titled 市财政局：考、评、议三部分得分 (no line starting
    with 、 or ：) and in English "Municipal Finance Bureau: The three parts: …"
    (no full-width colon, broken between words only)."""
    notebook, _ = executed(ROOT / "notebooks" / "year_end.py")
    title = _shown_figure(notebook, "plots.plot_parts(")["layout"]["title"]["text"]
    assert title.replace("<br>", "") == "市财政局：考、评、议三部分得分"
    assert [x for x in title.split("<br>")[1:] if x[0] in "、，。：；）"] == []
    notebook, _ = executed_en(ROOT / "notebooks" / "year_end.py")
    title = _shown_figure(notebook, "plots.plot_parts(")["layout"]["title"]["text"]
    units = pd.read_csv(ROOT / "data" / "sample" / "units.csv", encoding="utf-8-sig")
    name = units.set_index("unit_id").at["D08", "name_en"]
    whole = f"{name}: The three parts: examination, review, survey"
    assert title.replace("<br>", " ") == whole


@pytest.mark.notebook
def test_ledger_followup_in_english_sends_the_reminders_by_name(executed_en):
    """The reminder list in English is the office's list (names, English headers,
    codes last), not the raw ledger (item_id, unit_id D07 first)."""
    notebook, out_dir = executed_en(ROOT / "notebooks" / "ledger_followup.py")
    header, *rows = _shown_table(notebook, "worded.reminders(")
    assert header[1:3] == ["Responsible unit", "Indicator or dimension"]
    assert header[-2:] == ["Unit code", "Item"]
    units = pd.read_csv(ROOT / "data" / "sample" / "units.csv", encoding="utf-8-sig")
    names = set(units["name_en"])
    shown = [r[1].removesuffix("...") for r in rows]  # pandas cuts a long cell
    assert rows and all(any(n.startswith(x) for n in names) for x in shown), shown
    (csv_file,) = out_dir.glob("ledger_reminders_*.csv")
    table = pd.read_csv(csv_file, encoding="utf-8-sig", dtype=str)
    assert (
        table.columns[0] == "Responsible unit"
        and set(table["Responsible unit"]) <= names
    )


@pytest.mark.notebook
def test_intake_review_refuses_a_triage_without_a_reason_in_chinese_first(tmp_path):
    """A decision without its reason (lang="zh"): nothing is recorded and the
    error the analyst reads starts in Chinese, naming the row (第1条) and what is
    missing (理由), the English after it."""
    path = ROOT / "notebooks" / "intake_review.py"
    notebook = jupytext.read(path)
    triage = [("stable/D28/approval_volume/2024-M01", "accepted", "")]
    _inject(notebook, out_dir=str(tmp_path), analyst="测试员", triage=triage)
    _client(notebook, path).execute()
    errors = _errors(notebook)
    assert errors, "the triage is refused"
    first = errors[0].splitlines()
    assert "未记录任何核实结论" in first[0]
    assert first[1].strip().startswith("第1条（“stable/D28/approval_volume/2024-M01”）")
    assert "理由" in first[1]
    assert any(x.strip().startswith("row 1 (") for x in first[2:])
    assert not (tmp_path / "flag_decisions.csv").exists()


@pytest.mark.notebook
def test_figures_built_in_a_cell_have_no_code_for_an_axis_title(executed):
    """The correlation heatmap names the indicators on its axes and has no axis
    title (pandas' index name would read indicator_id); the national histogram's
    count axis reads 单位数, not plotly's "count"."""
    notebook, _ = executed(ROOT / "notebooks" / "method_design.py")
    layout = _shown_figure(notebook, "plots.plot_correlation(")["layout"]
    for axis in ("xaxis", "yaxis"):
        title = (layout.get(axis, {}).get("title") or {}).get("text")
        assert title in (None, ""), (axis, title)
    notebook, _ = executed(ROOT / "notebooks" / "national_scale.py")
    layout = _shown_figure(notebook, "px.histogram(")["layout"]
    assert layout["yaxis"]["title"]["text"] == "单位数"
    assert layout["xaxis"]["title"]["text"] == "综合得分"


@pytest.mark.notebook
def test_method_design_correlation_hover_reads_in_chinese(executed):
    """The correlation heatmap's hover and colour bar name the coefficient in
    Chinese (they read plotly's "x: … y: … color: 0.5312"): both indicators by
    name, then 相关系数 r to 2 decimals."""
    notebook, _ = executed(ROOT / "notebooks" / "method_design.py")
    figure = _shown_figure(notebook, "plots.plot_correlation(")
    (heat,) = figure["data"]
    assert heat["hovertemplate"] == (
        "%{y}<br>%{x}<br>相关系数 r：%{z:.2f}<extra></extra>"
    )
    bar = heat.get("colorbar") or figure["layout"]["coloraxis"]["colorbar"]
    assert bar["title"]["text"] == "相关系数 r"


@pytest.mark.notebook
def test_department_flags_are_the_dashboards_list(executed):
    """The department's data-quality flags (D13, 2025-M12) as its dashboard profile
    lists them (``views.unit_flags``): check, series, the whole window under 报告期
    (not the flag's last period), reason, latest first; the flag's id last."""
    notebook, _ = executed(ROOT / "notebooks" / "department.py")
    header, *rows = _shown_table(notebook, "views.unit_flags(")
    assert header == ["", "核查项", "指标或报送部门", "报告期", "原因", "编号"]
    result = ev.run(
        ev.load_catalogue(ROOT / "indicators.yaml"),
        ev.load_dataset(ROOT / "data" / "sample"),
        period="2025-M12",
    )
    listed = views.unit_flags(result, "D13", "2025-M12")  # what the dashboard lists
    columns = ["check_zh", "subject_zh", "window_zh", "reason_zh", "flag_id"]
    shown = [[x.removesuffix("...") for x in r[1:]] for r in rows]  # a long cell cut
    assert len(shown) == len(listed) > 0
    for row, expected in zip(shown, listed[columns].to_numpy(), strict=True):
        assert all(str(e).startswith(x) for x, e in zip(row, expected, strict=True))
    # by hand from the reasons: every D13 flag runs from January 2024 (the first
    # month of 2024-M01, 2024-B1, 2024-Q1, 2024-H1) to December 2025, so they are
    # latest first by their ids alone; 24 months of 审批事项按时办结率
    ids = [r[-1] for r in shown]
    assert ids == sorted(ids)
    windows = {r[1]: r[2] for r in shown}
    assert windows["审批事项按时办结率"] == "2024年1月至2025年12月"
    assert windows["领导交办事项办结率"] == "2024年1—2月至2025年11—12月"


@pytest.mark.notebook
def test_method_design_sobol_chart_reads_in_chinese(executed):
    """The Sobol chart (lang="zh"): the hover says what the number is
    (敏感度指数：0.912, not "=0.912") and the factors are named as the table names
    them (行政效率的权重, 标准化方法), never by their codes (w:efficiency)."""
    notebook, _ = executed(ROOT / "notebooks" / "method_design.py")
    (figure,) = [
        o["data"]["application/vnd.plotly.v1+json"]
        for c in notebook.cells
        for o in c.get("outputs", [])
        if "Sobol" in str(o.get("data", {}).get("application/vnd.plotly.v1+json"))
    ]
    bars = figure["data"]
    assert len(bars) == 2  # first order and total
    for bar in bars:
        assert "敏感度指数：%{y" in bar["hovertemplate"], bar["hovertemplate"]
        assert "=%{y" not in bar["hovertemplate"]
        assert list(bar["x"])[:2] == ["行政效率的权重", "行政成本的权重"]
        assert list(bar["x"])[-2:] == ["标准化方法", "汇总方法"]
    assert figure["layout"]["yaxis"]["title"]["text"] == "敏感度指数"


@pytest.mark.notebook
def test_ledger_followup_orders_and_names_as_its_text_says(executed):
    """Section 4 says 逾期多、按期整改率低的单位排在前面: the units by overdue items,
    most first, then by on-time rate, lowest first (a unit with nothing due yet,
    no rate, last); section 2 quotes the reminder list's columns by their headers."""
    notebook, _ = executed(ROOT / "notebooks" / "ledger_followup.py")
    header, *rows = _shown_table(notebook, "worded.rounded(by_unit")
    overdue, rate = header.index("逾期未整改"), header.index("按期整改率（%）")
    keys = [
        (-int(r[overdue]), float("inf") if r[rate] == "NaN" else float(r[rate]))
        for r in rows
    ]
    assert len(keys) > 1 and keys == sorted(keys), keys
    header, *_ = _shown_table(notebook, "worded.reminders(")
    (text,) = [
        c.source
        for c in notebook.cells
        if c.cell_type == "markdown" and c.source.startswith("## 2.")
    ]
    quoted = re.findall(r"“([^”]+)”", text)
    assert quoted and [q for q in quoted if q not in header] == [], (quoted, header)


@pytest.mark.notebook
def test_ledger_followup_escalated_items_in_the_order_its_text_states(executed):
    """Section 3: the most escalations first; equal counts by the first deadline
    (原定整改期限, 2024年3月1日 before 2024年3月31日), then by item (编号), as
    its text says (ties were left to pandas' sort); every item red."""
    notebook, _ = executed(ROOT / "notebooks" / "ledger_followup.py")
    header, *rows = _shown_table(notebook, "L.escalated(ledger)")
    at = {h: header.index(h) for h in ("升级次数", "整改期限", "编号", "预警等级")}

    def day(text):  # 2024年3月1日 → (2024, 3, 1)
        return tuple(int(x) for x in re.findall(r"\d+", text))

    keys = [
        (-int(r[at["升级次数"]]), day(r[at["整改期限"]]), r[at["编号"]]) for r in rows
    ]
    assert len(keys) > 1 and keys == sorted(keys), keys
    assert {r[at["预警等级"]] for r in rows} == {"红色"}
    text = next(c.source for c in notebook.cells if c.source.startswith("## 3."))
    assert "原定整改期限先后、事项编号" in text


@pytest.mark.notebook
def test_flag_counts_are_the_triage_charts_numbers(executed):
    """The flags counted by check (league_table) and the triage's progress
    (intake_review) are one table: each check as the triage chart lists it, by
    decision, with its total. After the test's triage (one frozen series accepted,
    one jump dismissed) 连续不变 has one 已确认, 异常跳变 one 已排除, and the chart
    below the table draws the same numbers."""
    headers = ["核查项", "待核实", "已确认", "已排除", "提示条数"]
    notebook, _ = executed(ROOT / "notebooks" / "league_table.py")
    header, index, *rows = _shown_table(notebook, "flag_counts(result.flags")
    assert [index[0], *header[1:]] == headers
    assert all(int(r[1]) == int(r[4]) and r[2:4] == ["0", "0"] for r in rows)
    notebook, _ = executed(ROOT / "notebooks" / "intake_review.py")
    header, index, *rows = _shown_table(notebook, "flag_counts(flags")
    assert [index[0], *header[1:]] == headers
    shown = {r[0]: [int(x) for x in r[1:]] for r in rows}
    assert shown["连续不变"][1] == 1 and shown["异常跳变"][2] == 1
    assert sum(n[1] + n[2] for n in shown.values()) == 2
    assert all(sum(n[:3]) == n[3] for n in shown.values())
    (cell,) = [
        c
        for c in notebook.cells
        if c.cell_type == "code" and "flag_counts(flags" in c.source
    ]
    after = notebook.cells[notebook.cells.index(cell) + 1]
    assert "plot_flag_triage" in after.source
    (figure,) = [
        o["data"]["application/vnd.plotly.v1+json"]
        for o in after.get("outputs", [])
        if "application/vnd.plotly.v1+json" in o.get("data", {})
    ]
    drawn = {
        t["name"]: dict(zip(t["y"], _numbers(t["x"]), strict=True))
        for t in figure["data"]
    }
    for check, counts in shown.items():
        assert [drawn[h][check] for h in headers[1:4]] == counts[:3], check


def _numbers(values) -> list[float]:
    """A figure's numbers as plotly writes them into a notebook: a list, or a typed
    array (``{"dtype": "i8", "bdata": base64}``)."""
    if isinstance(values, dict):
        raw = base64.b64decode(values["bdata"])
        return np.frombuffer(raw, dtype=values["dtype"]).tolist()
    return list(values)


@pytest.mark.notebook
def test_the_ledger_at_a_glance_open_and_most_severe_first(executed):
    """The ledger's items by status and current level (ledger_followup §1, and the
    league table's ledger): 未关闭 before 已销号, 红色 before 橙色 (they read 已销号,
    未关闭 and 橙色, 红色: sorted as text), each with its total; the follow-up's
    totals are the units' table's 未关闭 and 已销号 added up."""
    notebook, _ = executed(ROOT / "notebooks" / "ledger_followup.py")
    header, index, *rows = _shown_table(notebook, "ledger_counts(ledger")
    assert header[1:] == ["红色", "橙色", "整改事项数"] and index[0] == "状态"
    assert [r[0] for r in rows] == ["未关闭", "已销号"]
    shown = {r[0]: [int(x) for x in r[1:]] for r in rows}
    assert all(n[0] + n[1] == n[2] for n in shown.values())
    units, *by_unit = _shown_table(notebook, "worded.rounded(by_unit")
    for status in ("未关闭", "已销号"):
        added = sum(int(r[units.index(status)]) for r in by_unit)
        assert shown[status][2] == added, status
    notebook, _ = executed(ROOT / "notebooks" / "league_table.py")
    header, index, *rows = _shown_table(notebook, "ledger_counts(result.ledger")
    assert header[1:] == ["红色", "橙色", "整改事项数"] and index[0] == "状态"
    assert [r[0] for r in rows] == ["未关闭", "已销号"]
