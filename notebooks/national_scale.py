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
# # 全国规模：Parquet 与 Dask / National scale: Parquet and Dask
#
# 单位数以十万计时（全国、全省的区县和部门），报送数据以 Parquet 文件交来，不再逐个读 CSV：评分走 Parquet 路径
# （`evaluation.scale.national`，按文件读入、校验、汇总，再用与城市评分相同的各个环节评分），需要时把文件分给 Dask
# 集群的多个进程或多台机器（`evaluation.scale.distributed`）。本笔记用一个几千个单位的生成样例走一遍：写成分区的
# Parquet 文件，单进程评分，再用 Dask 本地集群评分，核对两者结果完全一致。十万个单位的用时见
# `benchmarks/bench_national.py` 和 `docs/benchmarks.md`。
#
# With hundreds of thousands of units (a province's or the country's districts and
# departments) reports arrive as Parquet: the Parquet path reads, checks and rolls up
# file by file and scores with the very stages of the city's scoring; Dask spreads the
# files over processes or machines. This notebook walks a generated example of a few
# thousand units through it: partitioned Parquet files, scored in one process and on
# a local Dask cluster, and checks that the two agree exactly. Timings at 100,000
# units: `benchmarks/bench_national.py`, `docs/benchmarks.md`.

# %% tags=["parameters"]
# paths from the project folder, wherever the kernel starts (JupyterLab: notebooks/)
import evaluation as ev

root = ev.project_root()
catalogue_path = root / "indicators.yaml"
departments = 1600  # generated units: a few thousand keep the notebook in seconds
districts = 400
year = 2025  # twelve months of reports from January
period = "2025"  # the period to score
files = 4  # Parquet files; each unit's reports in one file, one Dask task a file
workers = 2  # Dask workers (threads of this process here: processes=False)
seed = 0
out_dir = root / "data" / "output" / "notebooks"  # example and scores: a subfolder
lang = "zh"  # "zh" or "en": names and words in tables and figures

# %% [markdown]
# ## 1. 生成样例 / A generated example
# 按指标体系生成一个城市：部门和区县，各指标按各自频率报送一年，约 2% 缺报、少量异常值（与随包样例同一生成器）。
# A city generated from the catalogue: departments and districts reporting every
# indicator at its frequency for a year, about 2 % missing and a few outliers (the
# generator of the bundled sample).

# %%
import time
from pathlib import Path

import plotly.express as px

from evaluation import generate
from evaluation import vocabulary as V
from evaluation.publish import plots, worded
from evaluation.scale import distributed, national

catalogue = ev.load_catalogue(catalogue_path)
tables = generate.generate_city(
    catalogue, departments=departments, districts=districts, months=12,
    start_year=year, seed=seed,
)  # fmt: skip
words = V.words("national_scale", lang)
groups = catalogue.peer_group_names(lang)
(
    len(tables["units"]),
    len(tables["observations"]),
    tables["units"]["peer_group"].map(groups).value_counts().rename_axis(words["group"]),
)

# %% [markdown]
# ## 2. 写成 Parquet / Written as Parquet
# 与全国报送的格式相同（`docs/data-format.md`）：单位表 `units.parquet`，报送数据分成若干文件
# `reports/part=K/0.parquet`，同一单位的报送只在一个文件里，代码列以字典编码存储。
# As a national office sends them (`docs/data-format.md`): the units table and the
# reports split into files, each unit's reports in one file, ids stored as Parquet
# dictionaries.

# %%
folder = Path(out_dir) / f"national_example_{period}"
written = generate.write_national(tables, folder, files=files)
units = national.read_units(folder / "units.parquet", catalogue)  # validated
national.files(folder / "reports")

# %% [markdown]
# ## 3. 单进程评分 / Scored in one process
# 逐个文件读入、按报送规则校验（有问题时列出文件、行、列和规则，什么也不评分），汇总到评估期，再标准化、加权汇总、排名。
# File by file: read, checked by the reporting rules (a problem names file, row,
# column and rule, and nothing is scored), rolled up to the period, normalised,
# aggregated and ranked.

# %%
start = time.perf_counter()
here = national.score_parquet(folder / "reports", units, catalogue, period=period)
seconds_here = time.perf_counter() - start
league = (
    here.ranks.merge(here.composite, on=["period", "unit_id"])
    .merge(units[["unit_id", "name_zh", "name_en"]], on="unit_id")
    .sort_values("rank")
)
worded.league(
    league[["rank", "unit_id", f"name_{lang}", "peer_group", "peer_rank",
            "composite_score", "coverage"]].head(10),
    lang,
    groups,
)  # fmt: skip

# %%
plots.plot_rank_bar(league.head(20), lang=lang, group_names=groups)

# %%
px.histogram(
    league.assign(group=league["peer_group"].map(groups)),
    x="composite_score",
    color="group",
    barmode="overlay",
    nbins=60,
    title=words["scores_title"],
    labels={"composite_score": words["score"], "group": words["group"]},
).update_yaxes(title_text=words["units"])  # px titles it "count"

# %% [markdown]
# ## 4. 在 Dask 上评分 / Scored on Dask
# 每个文件一个任务，由 Dask 的工作进程读入和汇总，客户端合并后评分。这里是本机的线程（`processes=False`，启动约一秒）；
# 真实集群给出调度器地址（`evaluation national … --scheduler tcp://…`），各机器须在同一路径读到这些文件。
# One task a file, read and rolled up by Dask's workers, put together and scored by
# the client. Here the workers are threads of this process (`processes=False`,
# about a second to start); on a real cluster pass the scheduler's address
# (`evaluation national … --scheduler tcp://…`) and mount the files at the same path
# on every machine.

# %%
with distributed.connect(workers=workers, processes=False) as client:
    start = time.perf_counter()
    there = distributed.score_parquet(
        folder / "reports", units, catalogue, period=period, client=client
    )
    seconds_there = time.perf_counter() - start
{words["one_process"]: round(seconds_here, 2), words["dask"]: round(seconds_there, 2)}

# %% [markdown]
# ## 5. 两者一致 / The two agree
# 综合得分、名次、各节点得分和标准化得分逐位相同：Dask 只是把同样的函数分到别处执行。（Parquet 路径与城市评分
# `ev.run` 的一致性由测试 `tests/scale/test_national.py` 逐项核对。）
# Composite scores, ranks, node scores and normalised scores are identical to the
# bit: Dask runs the same functions elsewhere. (That the Parquet path scores as the
# city's `ev.run` does is checked by `tests/scale/test_national.py`.)

# %%
(
    there.composite.equals(here.composite),
    there.ranks.equals(here.ranks),
    there.aggregated.scores.equals(here.aggregated.scores),
    there.normalised.equals(here.normalised),
    (there.composite["composite_score"] - here.composite["composite_score"])
    .abs()
    .max(),
)

# %% [markdown]
# ## 6. 写出评分结果 / Write the scores
# 综合得分与名次写成一个 Parquet 文件（与样例数据同一文件夹）。
# Composite scores and ranks as one Parquet file, beside the example's files.

# %%
with ev.files.replacing(folder / f"scores_{period}.parquet") as tmp:
    league.to_parquet(tmp, index=False)

# %% [markdown]
# ## 7. 本次写出的文件 / Files written
# 样例数据、评分结果：文件名、大小、权限（0644：共享盘上的同事可读）和写出时间（北京时间）。
# The example and its scores: name, size, permissions (0644: colleagues on a shared
# drive can read it) and time written (Beijing time).

# %%
print(folder)
ev.files.listing(folder, lang=lang)
