"""Every 阈值 / Limit of the exported warnings says what it is (methodology §13).

Through the command line on the bundled sample city, scored for 2025-Q4 with a copy
of ``indicators.yaml`` that has every rule kind: the shipped rules (score threshold
70 / 65 / 60, robust z −1.5 / −3 among peers, roll-ups of the two worst indicators,
events) and, on nodes of their own, a bottom-k place (行政效率: 3, 1), a percentile
(审批事项按时办结率: 20th, 5th), two periods of decline (综合得分), worsenings
against the previous quarter in % of it (投诉办结率: 5%, 15%), in points of a score
(服务评价与满意度: 5, 10) and in percentage points (12345热线: 3, 6), and a target
shortfall (审批事项按时办结率, target 98). Each limit below is the catalogue's, written
by hand; a percentile's is the peer group's cut, worked out here with numpy. A rule
compared with all units (``within: all``) on the tiny catalogue, through the library.
"""

from __future__ import annotations

import shutil

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

import evaluation as ev
from evaluation.cli import app
from evaluation.publish.export import risk_table
from evaluation.publish.media import export as export_table
from evaluation.publish.media import typical_gap, typical_gap_note
from evaluation.vocabulary import RISK_HEADER

from ..conftest import ROOT, TINY_ROWS, TINY_UNITS, half_up, write_dataset

runner = CliRunner()
SHIPPED = "    - {kind: trend, node: composite, declines: 3, level: yellow}\n"
RULES = """\
    - {kind: trend, node: composite, declines: 2, level: yellow}
    - {kind: peer, node: efficiency, method: bottom_k, yellow: 3, red: 1}
    - {kind: peer, node: approval_on_time_rate, method: percentile, yellow: 20, red: 5}
    - {kind: trend, node: complaint_handling_rate, drop: {yellow: 5, red: 15}, relative: true}
    - {kind: trend, node: satisfaction, drop: {yellow: 5, red: 10}}
    - {kind: trend, node: hotline_response_rate, drop: {yellow: 3, red: 6}}
    - {kind: target, node: approval_on_time_rate, yellow: 2, red: 5}
"""  # noqa: E501

#: (rule, node, level) → the limit's cell in Chinese, by hand from the rules above
ZH = {
    ("阈值", "综合得分", "黄色"): "70.00",
    ("阈值", "综合得分", "橙色"): "65.00",
    ("阈值", "综合得分", "红色"): "60.00",
    ("同类比较", "综合得分", "橙色"): "落后同类单位中位数1.50个典型差距",
    ("同类比较", "综合得分", "红色"): "落后同类单位中位数3.00个典型差距",
    ("同类比较", "行政效率", "黄色"): "倒数第3名",
    ("同类比较", "行政效率", "红色"): "倒数第1名",
    ("趋势", "综合得分", "黄色"): "连续2期",
    ("趋势", "投诉办结率", "黄色"): "变差5.00%",
    ("趋势", "投诉办结率", "红色"): "变差15.00%",
    ("趋势", "服务评价与满意度", "黄色"): "变差5.00分",
    ("趋势", "服务评价与满意度", "红色"): "变差10.00分",
    ("趋势", "12345热线工单按时响应率", "黄色"): "变差3.00个百分点",
    ("趋势", "12345热线工单按时响应率", "红色"): "变差6.00个百分点",
    **{("目标差距", "审批事项按时办结率", lv): "目标98.00%" for lv in ("黄色", "红色")},
    **{
        ("维度汇总", d, lv): "最差2项"
        for d in (
            "行政效率",
            "行政成本",
            "任务目标完成",
            "服务评价与满意度",
            "依法行政与责任追究",
        )
        for lv in ("黄色", "橙色", "红色")
    },  # fmt: skip
    ("事件", "因工作失职引发的群体性事件", "橙色"): "",
}


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def cells(path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def quarter(tmp_path_factory):
    """The sample's 2025-Q4 scored with every rule kind; a mass incident (orange)
    reported in November so that an event is warned too."""
    tmp = tmp_path_factory.mktemp("limits")
    data = tmp / "data"
    shutil.copytree(ROOT / "data" / "sample", data)
    with (data / "events.csv").open("a", encoding="utf-8") as f:
        f.write("D05,2025-M11,mass_incident,信访人员聚集,安委〔2025〕30号\n")
    text = (ROOT / "indicators.yaml").read_text(encoding="utf-8")
    assert SHIPPED in text
    catalogue = tmp / "indicators.yaml"
    catalogue.write_text(text.replace(SHIPPED, RULES), encoding="utf-8")
    out = tmp / "out"
    done = invoke(
        "score", data, "--period", "2025-Q4", "--catalogue", catalogue,
        "--out", out, "--run-at", "2026-01-15T09:00:00+00:00",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    return data, out / "result"


def export(result, path, lang="zh"):
    done = invoke(
        "export", result, "--table", "warnings", "--lang", lang, "--out", path
    )
    assert done.exit_code == 0, done.output
    return path


def cuts(data, result) -> dict:
    """Per unit warned by the percentile rule: its level and the cut of its peer
    group it is at or below (numpy's linear percentile of the reported values)."""
    prepared = pd.read_parquet(result / "prepared.parquet")
    rate = prepared[
        (prepared["indicator_id"] == "approval_on_time_rate")
        & (prepared["period"] == "2025-Q4")
        & (prepared["status"] == "reported")
    ]
    units = cells(data / "units.csv").set_index("unit_id")
    rate = rate.assign(group=rate["unit_id"].map(units["peer_group"]))
    out = {}
    for _, group in rate.groupby("group"):
        yellow, red = (np.percentile(group["value"], p) for p in (20, 5))
        for u, v in zip(group["unit_id"], group["value"], strict=True):
            name = units.at[u, "name_zh"]
            if v <= red:
                out[name] = ("红色", f"{half_up(red)}")
            elif v <= yellow:
                out[name] = ("黄色", f"{half_up(yellow)}")
    return out


def test_every_limit_reads_as_what_it_is(quarter, tmp_path):
    """A place is 倒数第3名, a run of periods 连续2期, a roll-up's look 最差2项, a
    robust z 落后同类单位中位数3.00个典型差距, a worsening 变差5.00% (of the earlier
    value), 变差10.00分 or 变差6.00个百分点, the target a shortfall is measured
    from 目标98.00%, not a bare number beside a value it is not comparable to; a
    score's limit and a percentile's cut stay numbers in the value's unit, an
    event has none."""
    data, result = quarter
    table = cells(export(result, tmp_path / "预警.csv"))
    rule, node, level, unit, limit = (
        RISK_HEADER[k].zh for k in ("rule", "node", "level", "unit", "threshold")
    )
    # every rule kind warned (an indicator's own thresholds are 阈值 too)
    assert set(table[rule]) == {"阈值", "目标差距", "同类比较", "趋势", "维度汇总",
                                "事件"}  # fmt: skip
    own = (table[rule] == "阈值") & (table[node] != "综合得分")  # indicators'
    percentile = (table[rule] == "同类比较") & (table[node] == "审批事项按时办结率")
    found: dict[tuple, set] = {}
    for key in table.loc[~own & ~percentile, [rule, node, level, limit]].itertuples(
        index=False
    ):
        found.setdefault(tuple(key[:3]), set()).add(key[3])
    assert set(found) <= set(ZH)
    assert found == {k: {ZH[k]} for k in found}
    said = set().union(*found.values())
    shown = ("落后同类单位中位数3.00个典型差距", "倒数第3名", "倒数第1名", "连续2期",
             "最差2项", "变差15.00%", "变差10.00分", "变差6.00个百分点", "目标98.00%",
             "")  # fmt: skip
    for each in shown:  # each kind of limit warned at least once
        assert each in said, each
    # the percentile rule's limit: its peer group's cut, in the value's unit
    peer = table[(table[rule] == "同类比较") & (table[node] == "审批事项按时办结率")]
    assert len(peer) and {
        u: (lv, c) for u, lv, c in peer[[unit, level, limit]].itertuples(index=False)
    } == cuts(data, result)
    # an indicator's own thresholds stay numbers in its unit (审批事项按时办结率
    # yellow 95, orange 90, red 85; 领导交办事项超期件数 2, 4, 6 a report every two
    # months, so 3, 6, 9 a quarter: counts, whole)
    lines = table[(table[rule] == "阈值") & (table[node] != "综合得分")]
    pd.to_numeric(lines[limit])  # ValueError on any text
    on_time = set(lines.loc[lines[node] == "审批事项按时办结率", limit])
    overdue = set(lines.loc[lines[node] == "领导交办事项超期件数", limit])
    assert on_time and on_time <= {"95.00", "90.00", "85.00"}
    assert overdue and overdue <= {"3", "6", "9"}


def test_a_rollups_value_is_the_mean_level_of_the_indicators_its_reason_lists(
    quarter, tmp_path
):
    """A roll-up's 数值 is no score: it reads 平均等级1.50, the mean of the levels
    of the worst indicators its reason lists (green 0, yellow 1, orange 2, red 3),
    worked out here from the reason's words; in English ``mean level 1.50``."""
    _, result = quarter
    severity = {"绿色": 0, "黄色": 1, "橙色": 2, "红色": 3}
    zh = cells(export(result, tmp_path / "预警.csv"))
    rule, value, reason = (RISK_HEADER[k].zh for k in ("rule", "value", "reason"))
    rollups = zh[zh[rule] == "维度汇总"]
    assert len(rollups) > 5
    for shown, why in rollups[[value, reason]].itertuples(index=False):
        # 最差的2项指标为甲（黄色）、乙（橙色），平均等级1.50，向下取整为黄色预警
        listed = why.split("：", 1)[1].split("，")[0]
        levels = [severity[w.split("（")[-1].rstrip("）")] for w in listed.split("、")]
        assert shown == f"平均等级{sum(levels) / len(levels):.2f}", why
    en = cells(export(result, tmp_path / "warnings.csv", "en"))
    en_rule, en_value = (RISK_HEADER[k].en for k in ("rule", "value"))
    said = en.loc[en[en_rule] == "dimension roll-up", en_value]
    assert list(said) == [v.replace("平均等级", "mean level ") for v in rollups[value]]
    # every other value stays a number
    pd.to_numeric(zh.loc[zh[rule] != "维度汇总", value])


def test_limits_in_english_and_in_both_languages(quarter, tmp_path):
    _, result = quarter
    en = cells(export(result, tmp_path / "warnings.csv", "en"))
    rule, node, limit = (RISK_HEADER[k].en for k in ("rule", "node", "threshold"))
    by = {(r, n): set(g[limit]) for (r, n), g in en.groupby([rule, node])}
    hotline = "On-time response rate to 12345 hotline tickets"
    expected = {  # the limits each rule may show (its levels), by hand
        ("peer position", "Administrative efficiency"): {"bottom 3", "bottom 1"},
        ("peer position", "Composite score"): {
            "1.50 typical gaps behind the peer median",
            "3.00 typical gaps behind the peer median",
        },
        ("trend", "Composite score"): {"2 periods in a row"},
        ("trend", "Complaint handling rate"): {"worse by 5.00%", "worse by 15.00%"},
        ("trend", "Approval and satisfaction"): {
            "worse by 5.00 points",
            "worse by 10.00 points",
        },
        ("trend", hotline): {
            "worse by 3.00 percentage points",
            "worse by 6.00 percentage points",
        },
        ("dimension roll-up", "Administrative efficiency"): {"worst 2"},
        ("target shortfall", "On-time completion rate of approvals"): {"target 98.00%"},
    }
    for key, limits in expected.items():
        assert by[key] and by[key] <= limits, key
    both = cells(export(result, tmp_path / "both.csv", "both"))
    said = set(both[f"{RISK_HEADER['threshold'].zh} {RISK_HEADER['threshold'].en}"])
    assert {"倒数第3名 bottom 3", "连续2期 2 periods in a row", "最差2项 worst 2",
            "落后同类单位中位数3.00个典型差距 3.00 typical gaps behind the peer median",
            "变差15.00% worse by 15.00%"} <= said  # fmt: skip


def test_a_workbook_keeps_each_limit_a_number_shown_with_its_words(quarter, tmp_path):
    """The cell is the number (3, 2, 15.0); its format shows the words around it
    (``"倒数第"0"名"``); a percentile's cut is shown in its indicator's unit (%)."""
    _, result = quarter
    sheet = openpyxl.load_workbook(export(result, tmp_path / "预警.xlsx")).worksheets[0]
    header = [c.value.split("\n")[0] for c in sheet[1]]
    at = {k: header.index(RISK_HEADER[k].zh) for k in ("rule", "node", "threshold")}
    shown: dict[tuple, set] = {}
    for row in sheet.iter_rows(min_row=2):
        cell = row[at["threshold"]]
        key = (row[at["rule"]].value, row[at["node"]].value)
        shown.setdefault(key, set()).add((cell.value, cell.number_format))
    assert shown["同类比较", "行政效率"] == {
        (3, '"倒数第"0"名";"倒数第"-0"名"'), (1, '"倒数第"0"名";"倒数第"-0"名"'),
    }  # fmt: skip
    assert shown["趋势", "综合得分"] == {(2, '"连续"0"期";"连续"-0"期"')}
    assert shown["维度汇总", "行政效率"] == {(2, '"最差"0"项";"最差"-0"项"')}
    assert {f for _, f in shown["趋势", "投诉办结率"]} == {
        '"变差"0.00"%";"变差"-0.00"%"'
    }
    assert {v for v, _ in shown["趋势", "投诉办结率"]} <= {5, 15}
    assert {f for _, f in shown["趋势", "12345热线工单按时响应率"]} == {
        '"变差"0.00"个百分点";"变差"-0.00"个百分点"'
    }
    assert {f for _, f in shown["同类比较", "审批事项按时办结率"]} == {'0.00"%"'}
    assert {f for _, f in shown["同类比较", "综合得分"]} == {
        '"落后同类单位中位数"0.00"个典型差距";"落后同类单位中位数"0.00"个典型差距"'
    }


def test_the_warnings_about_sheet_says_what_a_typical_gap_is(quarter, tmp_path):
    """The robust-z limits (落后同类单位中位数3.00个典型差距) and reasons (约为同类
    典型差距…的…倍) count in typical gaps: the workbook's 说明 About sheet defines
    one, in both languages; a risk-grade workbook, with no such number, does not."""
    _, result = quarter
    book = openpyxl.load_workbook(export(result, tmp_path / "预警.xlsx"))
    about = [[c.value for c in row] for row in book["说明 About"].iter_rows()]
    assert [r for r in about if r[0] == "典型差距"] == [
        [
            "典型差距",
            "同类各单位与同类单位中位数之差（取绝对值）的中位数。同类比较预警的阈值和"
            "原因按落后同类单位中位数多少个典型差距表述。",
            "Typical gap",
            "The median of the peers' distances from the peer median (absolute "
            "differences). A peer warning's limit and reason say how many typical "
            "gaps a unit is behind the peer median.",
        ]
    ]
    risk = tmp_path / "风险.xlsx"
    done = invoke("export", result, "--table", "risk", "--out", risk)
    assert done.exit_code == 0, done.output
    rows = openpyxl.load_workbook(risk)["说明 About"].iter_rows(values_only=True)
    assert [r[0] for r in rows if r[0] == "典型差距"] == []


def test_the_ledger_about_sheet_says_what_a_typical_gap_is(quarter, tmp_path):
    """The ledger keeps the reasons of the warnings that opened its items, a peer
    warning's among them (约为同类典型差距…的…倍): its workbook's 说明 About sheet
    defines a typical gap as the warnings' does, in the same words."""
    _, result = quarter
    book = tmp_path / "台账.xlsx"
    done = invoke("export", result, "--table", "ledger", "--out", book)
    assert done.exit_code == 0, done.output
    book = openpyxl.load_workbook(book)
    items = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    at = [h.split("\n")[0] for h in items[0]].index(RISK_HEADER["reason"].zh)
    assert any("约为同类典型差距" in (row[at] or "") for row in items[1:])
    about = [[c.value for c in row] for row in book["说明 About"].iter_rows()]
    assert [r for r in about if r[0] == "典型差距"] == [
        [
            "典型差距",
            "同类各单位与同类单位中位数之差（取绝对值）的中位数。同类比较预警的阈值和"
            "原因按落后同类单位中位数多少个典型差距表述。",
            "Typical gap",
            "The median of the peers' distances from the peer median (absolute "
            "differences). A peer warning's limit and reason say how many typical "
            "gaps a unit is behind the peer median.",
        ]
    ]


@pytest.fixture
def among_all(tiny_raw, tmp_path):
    """The tiny catalogue with a robust z among all units (``within: all``) on a1,
    yellow below -0.5. Its 2025 values are the means of the quarters: U1 80, U2 60,
    U3 100 (U1 and U2 one peer group, U3 another); among all three, median 80,
    distances 0, 20, 20, typical gap 20: U2 is (60 − 80) / 20 = -1, yellow."""
    rule = {"kind": "peer", "node": "a1", "method": "robust_z", "within": "all"}
    tiny_raw["risk"] = {"rules": [{**rule, "yellow": -0.5}]}
    cat = ev.parse_catalogue(tiny_raw, file="tiny.yaml")
    data = ev.load_dataset(write_dataset(tmp_path / "tiny", TINY_UNITS, TINY_ROWS))
    return ev.run(cat, data, period="2025", run_at="2026-01-15T09:00:00+00:00")


def test_a_limit_among_all_units_says_all_units_as_its_reason(among_all, tmp_path):
    """Compared with all units, not the peer group: the limit says all units'
    median, as the reason does (全部单位中位数, 约为典型差距…, no 同类), in a CSV in
    either language and in a workbook's format."""
    limit, reason = RISK_HEADER["threshold"], RISK_HEADER["reason"]
    zh = risk_table(among_all, "warnings", lang="zh")
    assert zh[[limit.zh, reason.zh]].values.tolist() == [
        [
            "落后全部单位中位数0.50个典型差距",
            "a1指标为60.0分，低于全部单位中位数80.0分（相差20.0分，"
            "约为典型差距20.0分的1.00倍），黄色预警",
        ]
    ]
    en = risk_table(among_all, "warnings", lang="en")
    assert en[[limit.en, reason.en]].values.tolist() == [
        [
            "0.50 typical gaps behind all units' median",
            "Indicator a1 60.0 points, 20.0 points below all units' median "
            "80.0 points, about 1.00 typical gaps of 20.0 points (more than 0.5): "
            "yellow",
        ]
    ]
    book = tmp_path / "预警.xlsx"
    export_table(among_all, book, table="warnings")
    sheet = openpyxl.load_workbook(book).worksheets[0]
    at = [c.value.split("\n")[0] for c in sheet[1]].index(limit.zh)
    said = '"落后全部单位中位数"0.00"个典型差距"'
    assert [(r[at].value, r[at].number_format) for r in sheet.iter_rows(min_row=2)] == [
        (-0.5, f"{said};{said}")
    ]


def test_the_about_sheet_defines_a_typical_gap_among_all_units(among_all, tmp_path):
    """A catalogue whose robust-z rule is ``within: all`` measures its typical gap
    from the median of all units (the limit above: 落后全部单位中位数): the About
    sheet says so, with no 同类 / peers."""
    book = tmp_path / "预警.xlsx"
    export_table(among_all, book, table="warnings")
    rows = openpyxl.load_workbook(book)["说明 About"].iter_rows(values_only=True)
    assert [list(r) for r in rows if r[0] == "典型差距"] == [
        [
            "典型差距",
            "各单位与全部单位中位数之差（取绝对值）的中位数。与全部单位比较的预警，"
            "其阈值和原因按落后全部单位中位数多少个典型差距表述。",
            "Typical gap",
            "The median of the units' distances from all units' median (absolute "
            "differences). A warning comparing a unit with all units says in its "
            "limit and reason how many typical gaps the unit is behind all units' "
            "median.",
        ]
    ]


def test_a_typical_gap_is_said_for_both_kinds_where_both_rules_are(tiny_raw):
    """Robust-z rules within peer groups and within all units: the definition says
    both medians, briefly; one kind alone says its own (peers, or all units)."""
    rule = {"kind": "peer", "method": "robust_z", "yellow": -0.5}
    node = {"peer_group": "a1", "all": "a2"}  # one peer rule a node
    definitions = []
    for within in (["peer_group"], ["all"], ["peer_group", "all"]):
        rules = [{**rule, "node": node[w], "within": w} for w in within]
        tiny_raw["risk"] = {"rules": rules}
        definitions.append(typical_gap(ev.parse_catalogue(tiny_raw, file="t.yaml")))
    assert [d.zh.split("（")[0] for d in definitions] == [
        "同类各单位与同类单位中位数之差",
        "各单位与全部单位中位数之差",
        "各单位与比较对象中位数之差",
    ]
    assert definitions[2] == (
        "各单位与比较对象中位数之差（取绝对值）的中位数；比较对象依预警规则为同类单位"
        "或全部单位。此类预警的阈值和原因按落后该中位数多少个典型差距表述。",
        "The median of the units' distances from the median of those they are "
        "compared with (absolute differences): their peers, or all units for a rule "
        "within all units. A peer warning's limit and reason say how many typical "
        "gaps a unit is behind that median.",
    )
    # a unit's profile defines it for its peer warnings' nodes only: a2's rule alone
    # is within all units, a1's within peer groups
    assert (
        typical_gap(ev.parse_catalogue(tiny_raw, file="t.yaml"), ["a2"])
        == (definitions[1])
    )
    assert typical_gap(ev.parse_catalogue(tiny_raw, file="t.yaml"), []) is None


def test_the_note_under_quoted_reasons_says_the_scope_of_their_peer_rules(tiny_raw):
    """The letters' and the report's footnote (注：典型差距指…) defines the typical
    gap for the peer warnings among those quoted: a2's rule is within all units,
    a1's within peer groups; a threshold warning on a1, or one of a run stored
    before warnings named their rule, counts in none."""
    rule = {"kind": "peer", "method": "robust_z", "yellow": -0.5}
    tiny_raw["risk"] = {
        "rules": [{**rule, "node": "a1"}, {**rule, "node": "a2", "within": "all"}]
    }
    cat = ev.parse_catalogue(tiny_raw, file="t.yaml")
    a1, a2 = {"rule": "peer", "node_id": "a1"}, {"rule": "peer", "node_id": "a2"}
    assert typical_gap_note(cat, [a2]) == (
        "注：典型差距指各单位与全部单位中位数之差（取绝对值）的中位数。与全部单位比较的"
        "预警，其阈值和原因按落后全部单位中位数多少个典型差距表述。"
    )
    assert typical_gap_note(cat, [a1, a2], "en") == (
        "Note: a typical gap is the median of the units' distances from the median "
        "of those they are compared with (absolute differences): their peers, or all "
        "units for a rule within all units. A peer warning's limit and reason say how "
        "many typical gaps a unit is behind that median."
    )
    assert typical_gap_note(cat, [{"rule": "threshold", "node_id": "a1"}]) == ""
    assert typical_gap_note(cat, [{"node_id": "a1"}]) == ""
    assert typical_gap_note(cat, []) == ""


def test_a_peer_warnings_limit_and_reason_name_one_median(quarter, tmp_path):
    """A robust-z warning's limit and its reason name the median in one phrase, as
    the glossary does: the peer median (同类单位中位数 in Chinese), not “behind the
    peer median” beside “below its peers' median”."""
    _, result = quarter
    tables = {
        lang: cells(export(result, tmp_path / f"warnings_{lang}.csv", lang))
        for lang in ("zh", "en")
    }
    heads = {
        lang: [RISK_HEADER[k].text(lang) for k in ("threshold", "reason")]
        for lang in tables
    }
    said = {"zh": "同类单位中位数", "en": "the peer median"}
    for lang, table in tables.items():
        limit, reason = heads[lang]
        peer = table[table[limit].str.contains("典型差距|typical gaps", na=False)]
        assert len(peer) > 0
        assert peer[limit].str.contains(said[lang], regex=False).all()
        assert peer[reason].str.contains(said[lang], regex=False).all(), lang
