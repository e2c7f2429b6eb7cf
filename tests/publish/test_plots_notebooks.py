"""The figures and reader tables of the analyst's notebooks (intake review, ledger
follow-up, department deep-dive): what each draws, checked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.publish import plots
from evaluation.publish.export import risk_table
from evaluation.risk import ledger as L
from evaluation.risk.quality import SUBMISSION_COLUMNS


def submissions() -> pd.DataFrame:
    rows = [
        ("supervision", "D01", "2025-M11", "on_time"),
        ("supervision", "D02", "2025-M11", "late"),
        ("supervision", "D01", "2025-M12", "empty"),
        ("supervision", "D02", "2025-M12", "partly_empty"),
        ("finance", "D01", "2025-Q4", "on_time"),
    ]
    frame = pd.DataFrame(rows, columns=["agency", "unit_id", "period", "status"])
    return frame.reindex(columns=SUBMISSION_COLUMNS)


def test_submissions_count_the_units_not_on_time_per_agency_and_period(catalogue):
    fig = plots.plot_submissions(submissions(), catalogue, lang="zh")
    (heat,) = fig.data
    assert list(heat.x) == ["2025年11月", "2025年12月", "2025年第四季度"]
    assert list(heat.y) == [catalogue.name("supervision", "zh"),
                            catalogue.name("finance", "zh")]  # fmt: skip
    z = np.array(heat.z, dtype=float)
    np.testing.assert_array_equal(z, [[1, 2, np.nan], [np.nan, np.nan, 0]])
    assert "迟报：1" in heat.text[0][0] and "按时报送：1" in heat.text[0][0]
    en = plots.plot_submissions(submissions(), catalogue, lang="en")
    # named as the menus name them, never by code (2025-M11)
    assert list(en.data[0].x) == ["November 2025", "December 2025", "Q4 2025"]


def test_flag_triage_stacks_each_check_by_its_decision():
    flags = pd.DataFrame(
        {
            "flag_id": ["f1", "f2", "f3", "f4"],
            "check": ["stable", "stable", "jump", "missing"],
            "status": ["open", "accepted", "dismissed", "open"],
        }
    )
    fig = plots.plot_flag_triage(flags, lang="zh")
    assert [t.name for t in fig.data] == ["待核实", "已确认", "已排除"]
    # checks in the vocabulary's order: missing before stable before jump
    assert list(fig.data[0].y) == ["不报（报送为空）", "连续不变", "异常跳变"]
    assert [list(t.x) for t in fig.data] == [[1, 1, 0], [0, 1, 0], [0, 0, 1]]
    undecided = plots.plot_flag_triage(flags.drop(columns="status"), lang="en")
    assert list(undecided.data[0].x) == [1, 2, 1]  # every flag open


def test_ledger_units_stack_up_to_each_units_items():
    summary = pd.DataFrame(
        {
            "unit_id": ["U1", "U2"],
            "items": [6, 2],
            "open": [3, 1],
            "overdue": [2, 0],
            "closed": [3, 1],
            "closed_on_time": [1, 1],
        }
    )
    fig = plots.plot_ledger_units(summary, {"U1": "一局", "U2": "二局"}, lang="zh")
    names = ["按期销号", "逾期销号", "未到期", "逾期未整改"]
    assert [t.name for t in fig.data] == names
    assert [list(t.x) for t in fig.data] == [[1, 1], [2, 0], [1, 1], [2, 0]]
    assert list(fig.data[0].y) == ["一局", "二局"]
    assert np.sum([list(t.x) for t in fig.data], axis=0).tolist() == [6, 2]


def test_backlog_draws_opened_and_closed_bars_and_the_open_line():
    backlog = pd.DataFrame(
        {"period": ["2025-M11", "2025-M12"], "opened": [3, 1], "closed": [0, 2],
         "open": [3, 2]}
    )  # fmt: skip
    fig = plots.plot_backlog(backlog, lang="zh")
    bars, line = fig.data[:2], fig.data[2]
    assert [list(b.y) for b in bars] == [[3, 1], [0, 2]]
    assert list(line.y) == [3, 2] and list(line.x) == ["2025年11月", "2025年12月"]


def test_risk_tables_of_some_rows_a_unit_or_a_checked_ledger(sample_result):
    """One unit's items, or the reminders of a ledger checked on a later date,
    in words, in place of the run's whole table."""
    led = sample_result.ledger
    name = sample_result.units.set_index("unit_id").at["D07", "name_zh"]
    mine = risk_table(sample_result, "ledger", rows=led[led["unit_id"] == "D07"])
    assert len(mine) == (led["unit_id"] == "D07").sum() > 0
    assert set(mine["单位"]) == {name}
    checked = L.check(led, "2026-03-31", sample_result.catalogue)
    due = L.reminders(checked)
    table = risk_table(sample_result, "ledger", rows=due)
    assert table["编号"].tolist() == due["item_id"].tolist()
    assert len(due) > len(L.reminders(led))  # later: more items past their deadline
    flags = sample_result.flags
    some = risk_table(sample_result, "flags", rows=flags[flags["unit_id"] == "D13"])
    assert len(some) == (flags["unit_id"] == "D13").sum() > 0


def test_an_undecided_flag_reads_as_awaiting_a_check_not_as_an_open_ledger_item(
    sample_result,
):
    from evaluation.risk import quality as Q

    decisions = Q.read_decisions("no-decisions-yet.csv")
    zh = risk_table(sample_result, "flags", decisions=decisions)
    assert set(zh["状态"]) == {"待核实"}
    en = risk_table(sample_result, "flags", lang="en", decisions=decisions)
    assert set(en["Status"]) == {"open"}


def test_correlation_heatmap_names_both_indicators_and_the_coefficient():
    """Indicators by name on both axes (no axis title), r from −1 to 1 on a fixed
    scale, the hover and colour bar naming the coefficient in each language."""
    r = pd.DataFrame(
        [[1.0, -0.25], [-0.25, 1.0]], index=["a1", "a2"], columns=["a1", "a2"]
    )
    names = {"a1": "甲指标", "a2": "乙指标"}
    fig = plots.plot_correlation(r, names, title="相关", lang="zh")
    (heat,) = fig.data
    assert list(heat.x) == ["甲指标", "乙指标"] == list(heat.y)
    assert heat.zmin == -1 and heat.zmax == 1
    assert heat.hovertemplate == "%{y}<br>%{x}<br>相关系数 r：%{z:.2f}<extra></extra>"
    assert heat.colorbar.title.text == "相关系数 r"
    assert fig.layout.xaxis.title.text is None and fig.layout.yaxis.title.text is None
    en = plots.plot_correlation(r, names, title="r", lang="en").data[0]
    assert en.hovertemplate == "%{y}<br>%{x}<br>r: %{z:.2f}<extra></extra>"


def test_sobol_bars_say_what_the_index_is_with_its_half_width():
    """Two bars a factor (S1, ST) with their half-widths as error bars; the hover
    reads 敏感度指数：0.912 ± 0.248 (it read "=0.912": no label), the y axis too."""
    sobol = pd.DataFrame(
        {"factor": ["w:a", "aggregation"], "S1": [0.01, 0.912], "ST": [0.02, 1.0],
         "S1_conf": [0.005, 0.248], "ST_conf": [0.004, 0.3]}
    )  # fmt: skip
    fig = plots.plot_sobol(sobol, ["甲的权重", "汇总方法"], lang="zh")
    s1, st = fig.data
    assert [s1.name, st.name] == ["单独作用（一阶指数）", "含交互作用（总效应指数）"]
    assert list(s1.x) == ["甲的权重", "汇总方法"] == list(st.x)
    assert list(s1.y) == [0.01, 0.912] and list(st.error_y.array) == [0.004, 0.3]
    assert s1.hovertemplate == (
        "%{x}<br>敏感度指数：%{y:.3f} ± %{customdata:.3f}"
        "<extra>单独作用（一阶指数）</extra>"
    )
    assert list(s1.customdata) == [0.005, 0.248]
    assert fig.layout.yaxis.title.text == "敏感度指数"
    assert fig.layout.xaxis.title.text == "因素"
    en = plots.plot_sobol(sobol, ["a", "b"], lang="en")
    assert "Sensitivity index: %{y:.3f}" in en.data[0].hovertemplate
