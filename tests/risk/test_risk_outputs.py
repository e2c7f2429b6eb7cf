"""Risk outputs: bilingual CSV tables, the heatmap and the timeline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from evaluation.cli import app
from evaluation.publish import plots
from evaluation.publish.export import risk_table, write_media_csv
from evaluation.publish.store import save_result
from evaluation.vocabulary import LEVEL_COLOURS as COLOURS


def test_warnings_table_speaks_both_languages(sample_result):
    zh = risk_table(sample_result, "warnings", lang="zh")
    en = risk_table(sample_result, "warnings", lang="en")
    assert list(zh.columns) == [
        "报告期",
        "单位",
        "指标或维度",
        "规则",
        "预警等级",
        "数值",
        "阈值",
        "原因",
    ]
    assert list(en.columns)[:4] == [
        "Period",
        "Unit",
        "Indicator or dimension",
        "Rule",
    ]
    w = sample_result.warnings.query("period == '2025'")
    assert len(zh) == len(w)
    assert set(zh["预警等级"]) <= {"黄色", "橙色", "红色"}
    assert set(en["Level"]) <= {"yellow", "orange", "red"}
    assert zh["原因"].tolist() == w["reason_zh"].tolist()
    both = risk_table(sample_result, "warnings", lang="both")
    assert both.columns[0] == "报告期 Period"


def test_ledger_and_grade_tables(sample_result):
    led = risk_table(sample_result, "ledger", lang="zh")
    assert len(led) == len(sample_result.ledger)
    assert set(led["状态"]) <= {"未关闭", "已销号"}
    assert set(led["需提醒"]) <= {"是", "否"}
    grades = risk_table(sample_result, "risk", lang="en")
    assert len(grades) == len(sample_result.units)
    assert list(grades.columns) == [
        "Period",
        "Unit",
        "Level",
        "Red warnings",
        "Orange warnings",
        "Yellow warnings",
    ]


def test_flags_table_carries_decisions(sample_result):
    flags = sample_result.flags
    fid = flags["flag_id"].iloc[0]
    decisions = pd.DataFrame(
        [[fid, "dismissed", '=HYPERLINK("x")', "Li", "2026-01-02T00:00:00+00:00"]],
        columns=["flag_id", "decision", "comment", "decided_by", "decided_at"],
    )
    t = risk_table(sample_result, "flags", lang="zh", decisions=decisions)
    row = t.set_index("编号").loc[fid]
    assert row["状态"] == "已排除"
    assert row["核实意见"].startswith("'=")  # a formula is made inert
    assert (t.set_index("编号").drop(index=fid)["状态"] == "待核实").all()


def test_unknown_table_or_language_is_refused(sample_result):
    with pytest.raises(ValueError, match="table must be one of"):
        risk_table(sample_result, "scores")
    with pytest.raises(ValueError, match="lang must be one of"):
        risk_table(sample_result, "flags", lang="fr")


def test_cli_exports_each_risk_table(sample_result, tmp_path):
    folder = save_result(sample_result, tmp_path / "result")
    runner = CliRunner()
    for table in ("warnings", "risk", "ledger", "flags"):
        out = tmp_path / f"{table}.csv"
        done = runner.invoke(
            app, ["export", str(folder), "--table", table, "--out", str(out)]
        )
        assert done.exit_code == 0, done.output
        expected = tmp_path / f"expected_{table}.csv"
        write_media_csv(risk_table(sample_result, table, lang="zh"), expected)
        assert out.read_bytes() == expected.read_bytes()
        assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    bad = runner.invoke(
        app, ["export", str(folder), "--table", "nope", "--out", str(tmp_path / "x")]
    )
    assert bad.exit_code == 2 and "--table must be" in bad.output


def test_heatmap_cells_are_the_worst_level_and_colours_are_fixed(sample_result):
    fig = plots.plot_risk_heatmap(sample_result, lang="en")
    heat = fig.data[0]
    assert list(heat.x)[-1] == "Overall"
    z = np.asarray(heat.z)
    # the overall column is each unit's grade, worst units first
    grade = sample_result.risk.query("period == '2025'").set_index("unit_id")["level"]
    names = sample_result.units.set_index("name_en")["unit_id"]
    severity = {"green": 0, "yellow": 1, "orange": 2, "red": 3}
    expected = [severity[grade[names[n]]] for n in heat.y]
    assert z[:, -1].tolist() == expected
    # worst first: the unit's own level, then its count of red cells, then the sum
    # of its cells (a red unit never below an orange one with more coloured cells)
    keys = [(row[-1], int((row == 3).sum()), int(row.sum())) for row in z]
    assert keys == sorted(keys, reverse=True)
    # a dimension cell: the worst warning on the dimension or an indicator below it
    w = sample_result.warnings.query("period == '2025'")
    law = {"law", "law.legality", "law.accountability"} | set(
        sample_result.catalogue.table.query("parent.str.startswith('law')").index
    )
    col = list(heat.x).index("Law-based administration and accountability")
    for row, name in enumerate(heat.y):
        mine = w[(w["unit_id"] == names[name]) & w["node_id"].isin(law)]
        worst = max([severity[lv] for lv in mine["level"]], default=0)
        assert z[row, col] == worst, name
    colours = {c for _, c in heat.colorscale}
    assert colours == set(COLOURS.values())


@pytest.mark.parametrize(
    ("lang", "chars", "word"),
    [("zh", "绿黄橙红", "红色"), ("en", "GYOR", "red")],
)
def test_heatmap_cells_say_their_level_without_their_colour(
    sample_result, lang, chars, word
):
    """A colour-blind reader, or a grey print, could not tell a cell's level: it
    was its colour only. Each cell now shows its level's first character (绿 黄 橙 红;
    G Y O R for green, yellow, orange, red) in the colour plotly picks against its
    cell (white on red and green, dark on yellow and orange); hovering still names
    the level in full."""
    heat = plots.plot_risk_heatmap(sample_result, lang=lang).data[0]
    z = np.asarray(heat.z)
    assert heat.texttemplate == "%{text}"
    assert heat.textfont.color is None  # plotly's contrast against each cell
    assert np.asarray(heat.text).tolist() == [[chars[v] for v in row] for row in z]
    assert {len(c) for row in heat.text for c in row} == {1}
    red = tuple(zip(*np.nonzero(z == 3), strict=True))[0]
    assert heat.customdata[red[0]][red[1]] == word
    assert "%{customdata}" in heat.hovertemplate


def test_timeline_counts_warnings_per_period_and_level(sample_result):
    fig = plots.plot_warnings_timeline(sample_result, lang="zh")
    w = sample_result.warnings
    for bar in fig.data:
        level = {"红色": "red", "橙色": "orange", "黄色": "yellow"}[bar.name]
        counts = w[w["level"] == level].groupby("period").size()
        got = dict(zip(bar.x, bar.y, strict=True))
        assert got == {p: int(counts.get(p, 0)) for p in sample_result.periods}
    assert [b.name for b in fig.data] == ["红色", "橙色", "黄色"]


def test_heatmap_top_keeps_the_worst_and_folds_long_names_for_a_phone(sample_result):
    full = plots.plot_risk_heatmap(sample_result, lang="en")
    fig = plots.plot_risk_heatmap(sample_result, lang="en", top=5, title="Risk · 2025")
    heat = fig.data[0]
    assert list(heat.y) == list(full.data[0].y)[:5]  # the five worst, in order
    assert np.asarray(heat.z).tolist() == np.asarray(full.data[0].z)[:5].tolist()
    assert fig.layout.title.text == "Risk · 2025"
    # every row labelled with its whole name; a long one set on lines (plotly never
    # wraps a label: one line took a phone's whole width and ran under the axis title)
    ticks = dict(zip(full.data[0].y, full.layout.yaxis.ticktext, strict=True))
    assert all(t.replace("<br>", " ") == name for name, t in ticks.items())
    long = "Municipal State-owned Assets Supervision and Administration Commission"
    assert ticks[long].count("<br>") >= 2
    assert ticks["Dongcheng District"] == "Dongcheng District"
    # the colour key lies below the cells, every level named in order
    key = heat.colorbar
    assert key.orientation == "h"
    assert list(key.ticktext) == ["green", "yellow", "orange", "red"]


def test_flags_exported_in_english_name_their_periods_not_codes(sample_result):
    """The English flags table says its periods as every other English table does
    (Nov–Dec 2025, Q1 2024), in the period column and in the reasons alike: no
    period code (2025-B6, 2024-Q1) is left in any of them; the Chinese keeps 年月."""
    en = risk_table(sample_result, "flags", lang="en")
    zh = risk_table(sample_result, "flags", lang="zh")
    code = r"\d{4}-[MBQH]\d"
    assert len(en) == len(sample_result.flags) > 0
    assert not en["Reason"].str.contains(code).any()
    assert not en["Period"].str.contains(code).any()
    # a frozen bimonthly series of the sample: its window by the two months' names
    assert en["Reason"].str.contains("from Jan–Feb 2024 to Nov–Dec 2025").any()
    assert zh["原因"].str.contains("2024年1—2月").any()
    assert not zh["原因"].str.contains(code).any()
