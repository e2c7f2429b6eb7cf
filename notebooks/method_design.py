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
# # 方法设计：供专家组论证 / Method design for the expert panel
#
# 修订指标体系前，专家组要回答：权重怎么定（层次分析法判断是否一致）、数据本身给出什么权重（熵权法、CRITIC、主成分），
# 指标是否测的是同一件事（相关、Cronbach's α、主成分），排名对这些选择有多敏感（不确定性分析和 Sobol 指数），
# 以及新旧两版指标体系到底改了什么、名次会怎么变。所有计算都是库函数；本笔记只选输入、看结果。
#
# Before the catalogue is revised the panel asks: how to set the weights (are the AHP
# judgements consistent?), what weights the data themselves suggest (entropy, CRITIC,
# PCA), whether the indicators of a dimension measure one thing (correlations,
# Cronbach's α, PCA), how sensitive the ranking is to these choices (uncertainty and
# Sobol indices), and what two catalogue versions differ in and how ranks would move.

# %% tags=["parameters"]
# paths from the project folder, wherever the kernel starts (JupyterLab: notebooks/)
import evaluation as ev

root = ev.project_root()
catalogue_path = root / "indicators.yaml"
data_path = root / "data" / "sample"
period = "2025"
# the panel's pairwise judgements of the level-1 dimensions on Saaty's 1–9 scale, rows
# and columns in catalogue order (efficiency, cost, tasks, satisfaction, law): row i,
# column j says how much more important i is than j; the matrix is reciprocal
ahp_matrix = [
    [1, 2, 1, 1 / 2, 2],
    [1 / 2, 1, 1 / 2, 1 / 3, 1],
    [1, 2, 1, 1 / 2, 2],
    [2, 3, 2, 1, 3],
    [1 / 2, 1, 1 / 2, 1 / 3, 1],
]
draws = 200  # uncertainty draws: enough to look; 1,000 or more before publishing
sobol_n = 64  # Sobol base samples (a power of 2): 512 or more before concluding
out_dir = root / "data" / "output" / "notebooks"  # the panel's workbook
lang = "zh"  # "zh" or "en": names and words in tables and figures

# %% [markdown]
# ## 1. 现行方法 / The method as it stands
# 每个节点的赋权和汇总方法（层次分析法给出一致性比率 CR），以及各节点在综合得分中的实际份额（扇区大小）。
# Each node's weighting and aggregation (AHP nodes with their consistency ratio CR),
# and each node's actual share of the composite (the size of its slice).

# %%
from pathlib import Path

import pandas as pd
import plotly.express as px

from evaluation import catalogue as C
from evaluation import vocabulary as V
from evaluation.analysis import diagnostics, uncertainty, views
from evaluation.publish import plots, worded
from evaluation.publish.export import write_xlsx
from evaluation.scoring import weights

catalogue = ev.load_catalogue(catalogue_path)
data = ev.load_dataset(data_path)
result = ev.run(catalogue, data, period=period)
words = V.words("method_design", lang)
node_names = catalogue.nodes[f"name_{lang}"].to_dict()
unit_names = dict(
    zip(result.units["unit_id"], result.units[f"name_{lang}"], strict=True)
)
worded.methods(views.methods(result), catalogue, lang)

# %%
plots.plot_weights_sunburst(
    views.effective_weights(result),
    node_names,
    composite=catalogue.name("composite", lang),
)

# %% [markdown]
# ## 2. 层次分析法 / AHP elicitation
# 由专家组的两两比较矩阵得到一级指标权重。一致性比率 CR < 0.1 才可用（指标体系校验会拒绝 CR ≥ 0.1 的矩阵）；
# 下面还给出与权重最不一致的一项判断：CR 偏高时先请专家复议这一项。
#
# The level-1 weights from the panel's pairwise comparisons. Only CR < 0.1 is usable
# (the catalogue refuses a matrix with CR ≥ 0.1); the judgement furthest from what
# the weights imply is shown too: with a high CR, that is the one to revisit.

# %%
dims = catalogue.top_dimensions()
ahp_weights = weights.ahp(ahp_matrix)[0]
worded.ahp_check(ahp_matrix, list(map(node_names.get, dims)), lang)

# %% [markdown]
# ## 3. 数据驱动的权重 / Data-driven weights
# 按本期各一级指标得分计算的客观权重，与现行权重、专家组权重并列。客观权重反映的是数据的离散程度和相互关系，
# 不是重要性：差得很远时，说明哪个维度区分度大或与其他维度重复，供讨论，不能直接替代专家判断。
#
# Objective weights from the period's level-1 scores beside the catalogue's and the
# panel's. They reflect spread and redundancy in the data, not importance: a large
# gap says which dimension separates the units or overlaps the others, a point for
# discussion, never a substitute for the panel's judgement.

# %%
compared = weights.objective_weights(views.dimension_matrix(result)).assign(
    catalogue=pd.Series(views.published_weights(result)), panel=ahp_weights
)
compared = compared.rename(
    index=node_names,
    columns={**V.words("weights", lang), "catalogue": words["catalogue"],
             "panel": words["panel"]},
).rename_axis(words["dimension"])  # fmt: skip
worded.rounded(compared, 3)

# %%
long = (
    compared.rename_axis("dimension")
    .reset_index()
    .melt(id_vars="dimension", var_name="method", value_name="weight")
)
px.bar(
    long,
    x="dimension",
    y="weight",
    color="method",
    barmode="group",
    title=words["weights_title"],
    labels={"dimension": words["dimension"], "method": words["method"],
            "weight": words["weight"]},
)  # fmt: skip

# %% [markdown]
# ## 4. 统计诊断 / Diagnostics
# 指标得分的相关（同一维度内应正相关；|r| > 0.9 可能重复），各维度内指标的 Cronbach's α（内部一致性，低于约 0.6
# 说明这些指标不像在测同一件事）和第一主成分解释的比例，以及各指标的权重与其对综合得分的实际影响（重要性）之比。
#
# Correlations of indicator scores (positive within a dimension; |r| > 0.9 may be
# redundant), each dimension's Cronbach's α (below about 0.6 its indicators hardly
# measure one thing) and the share the first principal component explains, and each
# indicator's weight against its actual importance in the composite.

# %%
correlation = diagnostics.indicator_matrix(result).corr()
plots.plot_correlation(
    correlation, node_names, title=words["correlation_title"], lang=lang
)

# %%
consistency = worded.diagnostics(
    diagnostics.dimensions(result).sort_values("cronbach_alpha"), catalogue, lang
)
consistency

# %%
worded.diagnostics(diagnostics.importance(result).sort_values("ratio"), catalogue, lang)

# %%
worded.diagnostics(diagnostics.warnings(result, lang=lang), catalogue, lang)

# %% [markdown]
# ## 5. 排名的不确定性 / How firm the ranks are
# 在现行一级权重上下浮动 25% 的随机抽样下，各单位名次的 5%–95% 区间。区间相互重叠的单位，名次先后并不由数据决定，
# 发布时不宜强调细微名次差别。
#
# Ranks under random level-1 weights (± 25 % around the catalogue's): each unit's 5–95 %
# interval. Where intervals overlap, the data do not settle the order; a publication
# should not stress such small differences.

# %%
intervals = uncertainty.run(result, uncertainty.Spec(n=draws, seed=0))
plots.plot_rank_intervals(intervals.summary, unit_names, lang=lang)

# %%
# as `evaluation uncertainty` writes them in Chinese, with each range's width
widths = uncertainty.rank_widths(intervals.summary)  # the widest first
widths = worded.intervals(widths, result.units, lang)
widths.head(10)

# %% [markdown]
# ## 6. 敏感性：哪些选择影响排名 / Sensitivity: which choices move the ranking
# Sobol 指数：各一级权重、标准化方法（现行或极差标准化）和汇总方法（现行或几何平均）各自对名次平均变动的贡献。
# 一阶指数是单独作用，总效应指数含与其他选择的交互；区间很宽时加大 `sobol_n` 再下结论。
#
# Sobol indices of the mean absolute rank shift: each level-1 weight, the
# normalisation (the catalogue's or min-max) and the aggregation (the catalogue's or
# geometric). S1 is a choice alone, ST with its interactions; with wide intervals,
# raise `sobol_n` before concluding.

# %%
sobol = uncertainty.sensitivity(
    result,
    uncertainty.Spec(
        normalisations=("catalogue", "minmax"), aggregations=("catalogue", "geometric")
    ),
    n=sobol_n,
)
sobol_shown = worded.sobol_table(sobol, catalogue, lang)
sobol_shown

# %%
factors = sobol["factor"].apply(worded.sobol_factor, args=(catalogue, lang)).tolist()
plots.plot_sobol(sobol, factors, lang=lang)

# %% [markdown]
# ## 7. 两版指标体系比较 / Two catalogue versions
# 把专家组的层次分析法矩阵写进指标体系的一个副本（综合得分一级权重改用层次分析法），与现行版本逐项比较改动，
# 再用同一数据评分，看名次怎么变。副本同样经过完整校验；满意后再修改 `indicators.yaml` 并提高版本号。
#
# The panel's AHP matrix put into a copy of the catalogue (the composite's level-1
# weights by AHP), compared field by field with the shipped one, then scored on the
# same data to see how ranks move. The copy is validated like any catalogue; once
# agreed, edit `indicators.yaml` and raise its version.

# %%
panel = C.variant(
    catalogue,
    methods={"composite": {"method": "ahp",
                           "ahp": {"children": dims, "matrix": ahp_matrix}}},
    version=f"{catalogue.version}-panel",
)  # fmt: skip
changes = worded.catalogue_changes(C.compare(catalogue, panel), lang)
changes

# %%
panel_result = ev.run(panel, data, period=period)
moves = views.rank_moves(result, panel_result)  # the biggest moves first
moves_shown = worded.rank_moves(moves, lang)
moves_shown.head(10)

# %%
plots.plot_movers(moves, unit_names, title=words["movers_title"])

# %% [markdown]
# ## 8. 写出专家组工作簿 / The panel's workbook
# 权重比较、统计诊断、名次区间、敏感性、指标体系差异、名次变化六页。
# Six sheets: weights, diagnostics, rank intervals, sensitivity, catalogue changes and
# rank moves.

# %%
workbook = write_xlsx(
    Path(out_dir) / f"method_design_{period}.xlsx",
    {
        words["sheet_weights"]: compared.rename_axis(words["dimension"]).reset_index(),
        words["sheet_diagnostics"]: consistency,
        words["sheet_intervals"]: widths,
        words["sheet_sobol"]: sobol_shown,
        words["sheet_changes"]: changes,
        words["sheet_moves"]: moves_shown,
    },
)

# %% [markdown]
# ## 9. 本次写出的文件 / Files written
# 文件名、大小、权限（0644：共享盘上的同事可读）和写出时间（北京时间）。
# Name, size, permissions (0644: colleagues on a shared drive can read it) and time
# written (Beijing time).

# %%
ev.files.listing(workbook, lang=lang)
