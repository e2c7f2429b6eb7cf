"""``evaluation status --as-of``: the position on that day. A report dated after it
(its ``reported_at``) had not been sent yet: it is 未到报送期限 while not yet due and
未报送 once due; a report dated on or before it is 按时报送 or 迟报 by its date.

Expected statuses worked out by hand from the sample's ``reported_at`` (read off the
files) and the catalogue's default due days (monthly 10, quarterly and half-year 15,
annual 20 days after 31 December 2025), never from the code under test. The sample's
reports for December 2025 (2025-M12 and the quarter, half and year ending in it):

=============== ============================================ ===========
agency          latest ``reported_at`` (series)               due
=============== ============================================ ===========
supervision     M12 2026-01-05 … 01-08; Q4, H2 01-06          01-10 / 01-15
finance         Q4 01-08; H2 01-11                            01-15
audit           2025 01-10, 01-13                             01-20
legal           Q4 01-11; H2 01-08, 01-10                     01-15
personnel       2025 01-13                                    01-20
inspection      B6 01-07; Q4 01-08 … 01-10                    01-15
service_centre  M12 01-03, 01-04, 01-04; count 01-06          01-10
survey          H2 01-10, 01-12; 2025 01-11                   01-15 / 01-20
=============== ============================================ ===========
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from evaluation.cli import app

from ..conftest import ROOT

SAMPLE = ROOT / "data" / "sample"
CATALOGUE = ROOT / "indicators.yaml"
MONTH = "2025-M12"
ORDER = [  # the catalogue's agencies, in its order
    "supervision", "finance", "audit", "legal", "personnel", "inspection",
    "service_centre", "survey",
]  # fmt: skip


@pytest.fixture(scope="module")
def names() -> dict[str, str]:
    raw = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    return {a["id"]: a["name_zh"] for a in raw["agencies"]}


def run(folder: Path, day: str, out: Path) -> tuple[list[str], pd.DataFrame]:
    """``evaluation status FOLDER --period 2025-M12 --as-of DAY``: its lines and the
    table it writes."""
    done = CliRunner().invoke(
        app,
        [
            "status", str(folder), "--period", MONTH, "--catalogue", str(CATALOGUE),
            "--as-of", day, "--out", str(out),
        ],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    table = pd.read_csv(out, encoding="utf-8-sig", dtype={"逾期天数": "Int64"})
    return done.stdout.splitlines(), table


def said(lines: list[str], names: dict[str, str]) -> dict[str, str]:
    """Each agency's status word, as its line says it (``  名称：状态（…）``)."""
    out = {}
    for agency in ORDER:
        line = next(x for x in lines if x.startswith(f"  {names[agency]}："))
        out[agency] = line.split("：", 1)[1].split("（", 1)[0]
    return out


def redate(folder: Path, file: str, period: str, indicator: str, day: str) -> None:
    """Set the ``reported_at`` of one series' period in one sample CSV, in the file's
    own encoding (the fifth field of ``unit_id,period,indicator_id,value,…``)."""
    path = folder / "observations" / file
    raw = path.read_bytes()
    encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "gb18030"
    lines = raw.decode(encoding).splitlines(keepends=True)
    n = 0
    for k, line in enumerate(lines[1:], start=1):
        f = line.rstrip("\r\n").split(",")
        if f[1] == period and f[2] == indicator:
            end = line[len(line.rstrip("\r\n")) :]
            lines[k] = ",".join([*f[:4], day]) + end
            n += 1
    assert n == 50  # every unit
    path.write_bytes("".join(lines).encode(encoding))


@pytest.fixture(scope="module")
def redated(tmp_path_factory) -> Path:
    """The sample with three reports dated later: the service centre's 12345 hotline
    December (due 10 January) on 14 January, the supervision agency's rectification
    Q4 (due 15 January) on 14 January, personnel's white paper 2025 (due 20
    January) on 25 January."""
    folder = tmp_path_factory.mktemp("redated") / "city"
    shutil.copytree(SAMPLE, folder)
    redate(folder, "service_centre.csv", MONTH, "hotline_response_rate", "2026-01-14")
    redate(folder, "supervision.csv", "2025-Q4", "rectification_closure_rate",
           "2026-01-14")  # fmt: skip
    redate(folder, "personnel.csv", "2025", "white_paper_disclosure", "2026-01-25")
    return folder


def test_on_5_january_nothing_dated_later_counts_and_nothing_is_due(names, tmp_path):
    lines, table = run(SAMPLE, "2026-01-05", tmp_path / "s.csv")
    assert lines[0] == (
        "2025年12月报送情况（截至2026年1月5日）：报送单位8个，其中未到报送期限8个。"
    )
    assert set(said(lines, names).values()) == {"未到报送期限"}
    assert f"  {names['audit']}：未到报送期限（报送期限2026年1月20日）" in lines
    # sent by then: the service centre's three December indicators (3 and 4
    # January) and supervision's approval on-time rate (5 January, the day itself)
    sent = table[table["已报单位数"] > 0]
    assert sorted(sent["指标代码"]) == [
        "approval_on_time_rate", "commitment_reply_rate", "hotline_response_rate",
        "service_good_rating_rate",
    ]  # fmt: skip
    # (部分为空: sent on time, some units' values empty)
    assert sent["报送状态"].isin(["按时报送", "部分为空"]).all()
    assert (sent["逾期天数"] == 0).all() and (sent["已报单位数"] == 50).all()
    assert (table.loc[table["已报单位数"] == 0, "报送状态"] == "未到报送期限").all()
    assert table.loc[table["已报单位数"] == 0, "报送日期"].isna().all()


def test_on_12_january_the_annual_reports_dated_13th_are_not_yet_in(names, tmp_path):
    lines, table = run(SAMPLE, "2026-01-12", tmp_path / "s.csv")
    assert lines[0].endswith("报送单位8个，其中按时报送6个，未到报送期限2个。")
    status = said(lines, names)
    assert {a for a, s in status.items() if s == "未到报送期限"} == {
        "audit", "personnel",
    }  # fmt: skip
    audit = table[table["报送单位"] == names["audit"]].set_index("指标代码")
    assert audit.loc["three_public_growth", "已报单位数"] == 50  # 10 January
    assert audit.loc["three_public_growth", "逾期天数"] == 0
    assert audit.loc["audit_issue_amount_share", "报送状态"] == "未到报送期限"  # 13th
    assert audit.loc["audit_issue_amount_share", "已报单位数"] == 0
    # survey's public satisfaction, dated the 12th itself, is in
    survey = f"  {names['survey']}：按时报送（3项，最晚于2026年1月12日报送；含空值3个）"
    assert survey in lines


def test_on_20_january_every_agency_had_sent_on_time(names, tmp_path):
    lines, table = run(SAMPLE, "2026-01-20", tmp_path / "s.csv")
    assert lines[0].endswith("报送单位8个，其中按时报送8个。")
    assert set(said(lines, names).values()) == {"按时报送"}
    assert (table["已报单位数"] == 50).all() and (table["逾期天数"] == 0).all()


def test_a_report_dated_later_is_missing_once_due_and_late_once_sent(
    redated, names, tmp_path
):
    hotline = "12345热线工单按时响应率"  # indicators.yaml
    # 12 January: the hotline report (due the 10th) is 2 days overdue, unsent;
    # supervision's Q4 (due the 15th) and the two annual reports are not yet due
    # (the centre sent its other December series: 部分未报送, the hotline named)
    lines, table = run(redated, "2026-01-12", tmp_path / "12.csv")
    assert lines[0].endswith("其中按时报送4个，未到报送期限3个，部分未报送1个。")
    status = said(lines, names)
    assert status["service_centre"] == "部分未报送"
    assert {a for a, s in status.items() if s == "未到报送期限"} == {
        "supervision", "audit", "personnel",
    }  # fmt: skip
    assert (
        f"  {names['service_centre']}：部分未报送（2025年12月：{hotline}；"
        "应报50个单位，已逾期2天）"
    ) in lines
    # supervision's December reports are in: its due day still ahead is the 15th
    assert f"  {names['supervision']}：未到报送期限（报送期限2026年1月15日）" in lines
    row = table[table["指标代码"] == "hotline_response_rate"].iloc[0]
    assert (row["报送状态"], row["已报单位数"], row["逾期天数"]) == ("未报送", 0, 2)

    # 20 January: the hotline report came on the 14th, 4 days late; the white
    # paper (due the 20th, sent the 25th) is not yet due on its due day
    lines, table = run(redated, "2026-01-20", tmp_path / "20.csv")
    assert lines[0].endswith("其中按时报送6个，未到报送期限1个，迟报1个。")
    assert (
        f"  {names['service_centre']}：迟报（1项逾期，最多逾期4天；"
        "最晚于2026年1月14日报送，报送期限2026年1月10日；含空值4个）"
    ) in lines
    assert said(lines, names)["personnel"] == "未到报送期限"
    assert said(lines, names)["supervision"] == "按时报送"

    # 22 January: the white paper is 2 days overdue; 26 January: sent, 5 days late
    lines, _ = run(redated, "2026-01-22", tmp_path / "22.csv")
    assert lines[0].endswith("其中按时报送6个，迟报1个，未报送1个。")
    assert "已逾期2天" in next(x for x in lines if names["personnel"] in x)
    lines, table = run(redated, "2026-01-26", tmp_path / "26.csv")
    assert lines[0].endswith("其中按时报送6个，迟报2个。")
    paper = table[table["指标代码"] == "white_paper_disclosure"].iloc[0]
    got = paper[["报送状态", "报送日期", "报送期限", "逾期天数"]].tolist()
    assert got == ["迟报", "2026年1月25日", "2026年1月20日", 5]


def test_the_status_workbook_sent_back_writes_dates_as_officials_do(redated, tmp_path):
    """The workbook returned to agencies: 报送日期 and 报送期限 read 2026年1月25日 in
    Chinese; in English the ISO date. The white paper: sent 25 January, due 20
    January (annual: 20 days after 31 December 2025)."""
    for lang, sheet, want in [
        ("zh", "报送情况", ("2026年1月25日", "2026年1月20日")),
        ("en", "Submissions", ("2026-01-25", "2026-01-20")),
    ]:
        out = tmp_path / f"status_{lang}.xlsx"
        done = CliRunner().invoke(
            app,
            [
                "status", str(redated), "--period", MONTH, "--catalogue",
                str(CATALOGUE), "--as-of", "2026-01-26", "--out", str(out),
                "--lang", lang,
            ],
        )  # fmt: skip
        assert done.exit_code == 0, done.output
        rows = [
            [c.value for c in r] for r in openpyxl.load_workbook(out)[sheet].iter_rows()
        ]
        at = next(i for i, r in enumerate(rows) if "white_paper_disclosure" in r)
        heads = ("报送日期", "报送期限") if lang == "zh" else ("Reported on", "Due")
        header = next(r for r in rows[:at] if heads[0] in r)  # below the title
        got = tuple(rows[at][header.index(h)] for h in heads)
        assert got == want


def test_an_agency_whose_only_file_cannot_be_read_has_sent_it(names, tmp_path):
    """personnel.csv, the personnel bureau's only file, is a workbook renamed .csv:
    on 20 January the bureau is said to have sent it, unreadable, its file named,
    not 未报送 with days overdue; every other agency sent on time."""
    folder = tmp_path / "city"
    shutil.copytree(SAMPLE, folder)
    book = tmp_path / "book.xlsx"
    pd.DataFrame({"unit_id": ["D01"], "value": ["100"]}).to_excel(book, index=False)
    (folder / "observations" / "personnel.csv").write_bytes(book.read_bytes())
    lines, _ = run(folder, "2026-01-20", tmp_path / "s.csv")
    assert lines[0].endswith("报送单位8个，其中按时报送7个，文件无法读取1个。")
    assert (
        f"  {names['personnel']}：文件无法读取（已报送 observations/personnel.csv，"
        "但无法读取，其中的数据未计入，请改正后重新报送；"
        "2025年度：责任白皮书公开完成率；应报50个单位）"
    ) in lines
