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
# # League table: validate → score → explore → export / 综合排名：校验、评分、分析、导出
#
# The analyst's walk through one evaluation period. Every computation is a library
# call (`evaluation`); this notebook only chooses the inputs and looks at results.

# %% tags=["parameters"]
# paths from the project folder, wherever the kernel starts (JupyterLab: notebooks/)
import evaluation as ev

root = ev.project_root()
catalogue_path = root / "indicators.yaml"
dataset_path = root / "data" / "sample"
period = "2025"
unit_id = "D07"  # the department to break down
lang = "zh"  # the language of the tables and figures: "zh" or "en"
out_dir = root / "data" / "output" / "notebooks"  # where the media CSV is written

# %% [markdown]
# ## 1. Validate / 数据校验
# Every file is read with its encoding detected; every bad cell would be listed
# with file, row, column, value and rule (`ev.check_dataset` returns that table).

# %%
import pandas as pd

from evaluation import vocabulary as V
from evaluation.analysis import uncertainty
from evaluation.publish import media, plots, worded
from evaluation.publish.export import published_numbers, time_zh

catalogue = ev.load_catalogue(catalogue_path)
data = ev.load_dataset(dataset_path)
problems = ev.check_dataset(data, catalogue)
worded.files(data.files, lang)

# %%
problems  # empty: the sample is valid

# %% [markdown]
# ## 2. Score / 评分
# One call runs roll-up, missing-data rules, normalisation, aggregation and ranking
# for the period and every earlier period of its frequency.

# %%
result = ev.run(catalogue, data, period=period)
groups = catalogue.peer_group_names(lang)
worded.league(result.league_table(), lang, groups, catalogue).head(10)  # 行政效率 …

# %%
plots.plot_rank_bar(result.league_table(), group_names=groups, lang=lang)

# %% [markdown]
# ## 3. Explore / 分析
# Peer-group ranking, and one department's composite broken into indicator
# contributions (they add up to its composite score).

# %%
worded.league(result.league_table(peer_group="regulatory"), lang, groups, catalogue)

# %%
breakdown = result.breakdown(unit_id)
worded.breakdown(breakdown.sort_values("contribution"), catalogue, lang)

# %%
said = V.words("breakdown_header", lang)  # 各项指标贡献之和, 综合得分
ranked = result.league_table().set_index("unit_id").loc[unit_id]
pd.DataFrame(
    {  # rounded half up, as published
        said["contribution_sum"]: published_numbers([breakdown["contribution"].sum()]),
        said["composite_score"]: published_numbers([ranked["composite_score"]]),
    },
    index=[ranked[f"name_{lang}"]],
)

# %% [markdown]
# ## 4. Export / 导出
# The media CSV as `evaluation export` writes it: rounded half up, Chinese headers,
# UTF-8 with BOM for Excel, one table per type of unit ranked apart, and its note
# (.说明.txt: period, source, method).

# %%
written = dict(media.export(result, f"{out_dir}/media_{period}_{lang}.csv", lang=lang))
written, time_zh(result.provenance.run_at, lang), result.digest()[:12]  # 评分时间（北京时间）

# %% [markdown]
# ## 5. Risk / 风险预警
# Graded warnings (red > orange > yellow > green) with their reasons, each unit's
# grade, the rectification items the periods opened and closed, and the data-quality
# flags on the reports. None of them changes a score.

# %%
from evaluation.publish.export import risk_table

risk_table(result, "warnings", lang=lang).head(10)

# %%
plots.plot_risk_heatmap(result, lang=lang)

# %%
plots.plot_warnings_timeline(result, lang=lang)

# %%
worded.ledger_counts(result.ledger, lang)  # open first, the most severe first

# %%
from evaluation.analysis import views

risk_table(result, "ledger", lang=lang, rows=views.ledger_overdue_first(result).head())

# %% [markdown]
# Data-quality flags (数据质量核查): screening for 瞒报、虚报. An analyst accepts or
# dismisses each flag with a comment (`evaluation flags RESULT --dismiss ID …`).

# %%
worded.flag_counts(result.flags, lang)  # by check; none decided here: all 待核实

# %%
risk_table(result, "flags", lang=lang).head(10)

# %% [markdown]
# ## 6. How firm is each rank? / 排名有多稳定
# 1,000 seeded draws of the level-1 weights (±25 %): each unit's published rank with
# its 5–95 % interval. Overlapping intervals mean the order between those units is
# not settled by the data.

# %%
intervals = uncertainty.run(result)  # 1,000 draws, level-1 weights ± 25 %
worded.league(
    result.league_table(intervals=intervals.summary)[
        ["rank", "rank_range", f"name_{lang}", "composite_score"]
    ],
    lang,
).head(10)

# %%
plots.plot_rank_intervals(
    intervals.summary,
    dict(zip(result.units["unit_id"], result.units[f"name_{lang}"], strict=True)),
    lang=lang,
)

# %% [markdown]
# ## 7. Files written / 本次写出的文件
# Name, size, permissions (0644: colleagues on a shared drive can read it) and time
# written (Beijing time). 文件名、大小、权限（0644：共享盘上的同事可读）和写出时间（北京时间）。

# %%
ev.files.listing(*written, lang=lang)
