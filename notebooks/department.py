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
# # 单位深度分析 / Unit deep-dive
#
# 领导问“这个单位怎么了”时用：它的综合得分和名次怎么走过来的；和同类单位比，哪些维度、哪些指标拉了分；
# 综合得分由哪些部分构成；本期有哪些预警，哪些整改事项还没有销号，报送数据有没有疑点。
#
# For when leadership asks "what is going on with this unit": how its
# composite and rank got here; which dimensions and indicators pull it below its
# peers; what makes up its composite; this period's warnings, the rectification
# items still open, and any doubts about its reported data. Every number comes from
# the library (`evaluation.analysis.views.profile`), as on the dashboard's page.

# %% tags=["parameters"]
# paths from the project folder, wherever the kernel starts (JupyterLab: notebooks/)
import evaluation as ev

root = ev.project_root()
catalogue_path = root / "indicators.yaml"
data_path = root / "data" / "sample"
period = "2025-M12"  # monthly: the trend has a point per month
unit_id = "D13"  # the unit
out_dir = root / "data" / "output" / "notebooks"  # the unit's workbook
lang = "zh"  # "zh" or "en": names and words in tables and figures

# %% [markdown]
# ## 1. 概况 / Where it stands
# 综合得分、总排名和同类组内排名（本期）。
# The composite score, the overall rank and the rank within its peer group (this
# period).

# %%
from pathlib import Path

import pandas as pd

from evaluation import vocabulary as V
from evaluation.analysis import views
from evaluation.publish import plots, worded
from evaluation.publish.export import published_numbers, risk_table, write_xlsx

catalogue = ev.load_catalogue(catalogue_path)
result = ev.run(catalogue, ev.load_dataset(data_path), period=period)
profile = views.profile(result, unit_id)
unit = result.units.set_index("unit_id").loc[unit_id]
words = V.words("page_profile", lang)
heads = V.words("media_header", lang)
pd.DataFrame(
    {
        heads["name"]: [unit[f"name_{lang}"]],
        heads["peer_group"]: [catalogue.name(profile.peer_group, lang)],
        heads["composite_score"]: published_numbers([profile.composite_score]),
        heads["rank"]: pd.array([profile.rank], dtype="Int64"),
        heads["peer_rank"]: pd.array([profile.peer_rank], dtype="Int64"),
    }
)

# %% [markdown]
# ## 2. 走势 / The trend
# 综合得分逐期变化（悬停可见当期名次）。看是一直偏低，还是某一期突然下滑：后者往往对应某项指标或某次报送的问题。
#
# The composite over the periods (the hover shows the rank). A steady low differs
# from a sudden drop; a drop usually points to one indicator or one report.

# %%
plots.plot_trend(profile.trend, title=words["trend"], lang=lang)

# %%
worded.league(profile.trend.tail(6), lang)

# %% [markdown]
# ## 3. 与同类单位比较 / Against its peers
# 各一级指标（维度）得分与同类单位中位数；差得最多的维度就是下一步要看的地方。
# Each level-1 dimension's score beside the peer-group median: the widest gap is where
# to look next.

# %%
plots.plot_dimension_scores(
    profile.dimensions,
    profile.dimensions["node_id"].apply(catalogue.name, args=(lang,)).tolist(),
    title=words["dims"],
    unit=words["unit"],
    median=words["median"],
)

# %% [markdown]
# ## 4. 综合得分的构成 / What makes the composite
# 各维度对综合得分的贡献（相加即综合得分）。贡献小，可能是得分低，也可能是权重小：对照第 3 节一起看。
# Each dimension's contribution (they add up to the composite). A small one is a low
# score or a small weight: read it with section 3.

# %%
plots.plot_waterfall(
    profile.waterfall,
    profile.waterfall["node_id"].apply(catalogue.name, args=(lang,)).tolist(),
    title=words["waterfall"],
    total=words["total"],
)

# %% [markdown]
# ## 5. 各项指标 / Indicators
# 每项指标的数值、目标、同类中位数和得分。先看短板（低于同类中位得分最多的指标），再看优势。
# Each indicator's value, target, peer median and score. The weaknesses first (most
# below the peer median score), then the strengths.

# %%
indicators = worded.indicators(profile.indicators, catalogue, lang)  # 2 decimals
worded.indicators(profile.weaknesses, catalogue, lang)

# %%
worded.indicators(profile.strengths, catalogue, lang)

# %% [markdown]
# ## 6. 预警与整改 / Warnings and rectification
# 本期预警及原因，逐期预警数（红、橙、黄），以及尚未销号的整改事项（整改期限、升级次数）。
# This period's warnings and why, the warnings period by period (red, orange,
# yellow), and the rectification items still open (due dates, escalations).

# %%
risk_table(result, "warnings", lang=lang, rows=profile.warnings)

# %%
plots.plot_warnings_timeline(result, lang=lang, unit_id=unit_id)

# %%
open_items = risk_table(result, "ledger", lang=lang, rows=profile.ledger)
open_items

# %% [markdown]
# ## 7. 数据质量提示 / Data-quality flags
# 对本单位报送数据的疑点，供考评办核实，不改变任何得分。与仪表盘单位页同一张表：涉及本期的提示，报告期为疑点所在的
# 整个时段，最近的在前；核实时按最后一列的编号（`evaluation flags`）。
# Doubts about this unit's reported data, for the office to check; they change
# no score. The dashboard profile's list: the flags bearing on this period, each
# with the whole window of its evidence, the latest first; triage them by the id in
# the last column (`evaluation flags`).

# %%
flags = views.flag_table(views.unit_flags(result, unit_id, period), lang)
flags

# %% [markdown]
# ## 8. 写出单位工作簿 / The unit's workbook
# 指标、整改事项、数据质量提示三页，供约谈或反馈时使用。
# Three sheets (indicators, open rectification items, data-quality flags), for the
# meeting with the unit or its feedback.

# %%
workbook = write_xlsx(
    Path(out_dir) / f"department_{unit_id}_{period}.xlsx",
    {
        V.word("document", "sheet_indicators", lang): indicators,
        V.word("document", "sheet_ledger", lang): open_items,
        V.word("document", "sheet_flags", lang): flags,
    },
)

# %% [markdown]
# ## 9. 本次写出的文件 / Files written
# 文件名、大小、权限（0644：共享盘上的同事可读）和写出时间（北京时间）。
# Name, size, permissions (0644: colleagues on a shared drive can read it) and time
# written (Beijing time).

# %%
ev.files.listing(workbook, lang=lang)
