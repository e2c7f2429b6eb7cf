# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 整改台账跟踪 / Rectification ledger follow-up
#
# 红色、橙色预警自动形成整改事项，明确责任单位和整改期限；逾期未整改的事项升级（橙色升为红色）并列入提醒。
# 本笔记本在跟踪日（如下月 20 日）核对期限：哪些事项逾期、哪些已升级，各单位整改完成率和按期整改率，
# 并写出提醒清单和台账工作簿。
#
# Red and orange warnings open rectification items, each with its responsible unit
# and deadline; an item past its deadline escalates (orange to red) and is listed
# for a reminder. This notebook checks the deadlines on a follow-up date (such as the
# 20th of the next month): which items are overdue, which escalated, each unit's
# closure and on-time rates; it writes the reminder list and the ledger workbook.

# %% tags=["parameters"]
# paths from the project folder, wherever the kernel starts (JupyterLab: notebooks/)
import evaluation as ev

root = ev.project_root()
catalogue_path = root / "indicators.yaml"
data_path = root / "data" / "sample"
period = "2025-M12"  # the last period scored (the ledger follows its frequency)
as_of = "2026-01-20"  # the follow-up date (None: the period's last day)
ledger_path = None  # a ledger file kept by `evaluation score --ledger` (None: the run's)
out_dir = root / "data" / "output" / "notebooks"  # reminder list, ledger workbook
lang = "zh"  # "zh" or "en"

# %% [markdown]
# ## 1. 台账概况 / The ledger at a glance
# 按状态和当前等级统计事项数；下图是逐期新增、销号和期末未关闭的事项数：看积压是在减少还是在增加。
#
# Items by status and current level; the figure shows the items opened and closed in
# each period and those open at its end: is the backlog shrinking?

# %%
from pathlib import Path

from evaluation import vocabulary as V
from evaluation.publish import plots, worded
from evaluation.publish.export import risk_table, write_media_csv, write_xlsx
from evaluation.risk import ledger as L

catalogue = ev.load_catalogue(catalogue_path)
result = ev.run(catalogue, ev.load_dataset(data_path), period=period)
kept = L.read_ledger(ledger_path) if ledger_path else result.ledger
day = str(as_of or L.period_end(period).date())  # the follow-up date
ledger = L.check(kept, day, catalogue)
names = dict(zip(result.units["unit_id"], result.units[f"name_{lang}"], strict=True))

# %%
worded.ledger_counts(ledger, lang)  # open first, the most severe first

# %%
plots.plot_backlog(L.backlog(ledger), lang=lang)

# %% [markdown]
# ## 2. 逾期事项 / Overdue items
# 超过整改期限仍未销号的事项，最严重、最早到期的在前。“逾期升级次数”是错过期限的次数，“当前整改期限”是升级后的
# 新期限。这张表就是要发给责任单位的提醒清单。
#
# Items still open past their first deadline, the most severe and oldest first.
# "Escalations" counts the deadlines missed; "Current deadline" is the one after the
# last escalation. This is the reminder list to send to the responsible units.

# %%
# the reminder list as `evaluation ledger --reminders` writes it (催办清单)
overdue = worded.reminders(L.reminders(ledger), catalogue, names, lang)
overdue

# %% [markdown]
# ## 3. 已升级的事项 / Items escalated
# 错过期限越多，说明整改越难推进，需要约谈或督办。升级次数多的在前；次数相同的，与提醒清单一样，等级高的在前，
# 再按原定整改期限先后、事项编号排列。
#
# The more deadlines missed, the harder the item: a case for a meeting or
# supervision. The most escalations first; equal counts as in the reminder list:
# the most severe, then the earliest first deadline, then the item.

# %%
risk_table(result, "ledger", lang=lang, rows=L.escalated(ledger)).head(10)

# %% [markdown]
# ## 4. 各单位整改情况 / Closure rates by unit
# 整改完成率 = 已销号 ÷ 全部事项；按期整改率 = 按期销号 ÷ 跟踪日前已到期的事项。
# 逾期多、按期整改率低的单位排在前面；逾期数相同时，尚无到期事项（没有按期整改率）的单位排在最后。
#
# Closure rate = closed ÷ all items; on-time rate = closed by the first deadline ÷
# items due by the follow-up date. The units with the most overdue items come first,
# then those with the lowest on-time rate (of those equally overdue, a unit with
# nothing due yet, so no rate, last).

# %%
units = L.by_unit(ledger, day)
plots.plot_ledger_units(units, names, lang=lang)

# %%
by_unit = units.assign(unit_id=units["unit_id"].map(names)).rename(
    columns=V.words("ledger_unit_header", lang)
)
worded.rounded(by_unit, 1)

# %% [markdown]
# ## 5. 写出提醒清单和台账工作簿 / The reminder list and the ledger workbook
# 提醒清单（CSV，Excel 可直接打开）；工作簿三页：逾期提醒、各单位整改情况、完整台账。
# The reminder list (a CSV that opens in Excel) and a workbook of three sheets:
# overdue items, the units' rates, the whole ledger.

# %%
reminders = write_media_csv(overdue, Path(out_dir) / f"ledger_reminders_{day}.csv")
workbook = write_xlsx(
    Path(out_dir) / f"ledger_followup_{day}.xlsx",
    {
        V.word("document", "sheet_overdue", lang): overdue,
        V.word("document", "sheet_units", lang): by_unit,
        V.word("document", "sheet_ledger", lang): risk_table(
            result, "ledger", lang=lang, rows=ledger
        ),
    },
)

# %% [markdown]
# ## 6. 本次写出的文件 / Files written
# 文件名、大小、权限（0644：共享盘上的同事可读）和写出时间（北京时间）。
# Name, size, permissions (0644: colleagues on a shared drive can read it) and time
# written (Beijing time).

# %%
ev.files.listing(reminders, workbook, lang=lang)
