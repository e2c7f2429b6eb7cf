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
# # 报送与数据质量核查 / Intake and data-quality review
#
# 每期收数之后的第一项工作：各报送部门是否按时、完整报送；报来的文件能否通过校验；
# 数据质量提示（疑似瞒报、虚报、不报）逐条核实，确认或排除，并写明理由留档。
#
# The first job after each period's collection: which agencies have sent their
# reports, on time and complete; whether the files pass validation; and the
# data-quality flags (suspected under- or over-reporting), each accepted or
# dismissed with a reason on record. Every computation is a library call.

# %% tags=["parameters"]
# paths from the project folder, wherever the kernel starts (JupyterLab: notebooks/)
import evaluation as ev
from evaluation.publish.publication import beijing_today

root = ev.project_root()
catalogue_path = root / "indicators.yaml"
data_path = root / "data" / "sample"
period = "2025-M12"  # the period just collected
# the day missing reports are counted to: one not yet due by then reads 未到报送期限,
# not 未报送 (default today, Beijing time; or a date such as "2026-01-20")
as_of = beijing_today()
# the decisions file and the review workbook; data/output holds the decisions file
# `evaluation flags` keeps (make run writes neither file)
out_dir = root / "data" / "output"
analyst = "张明"  # who records the decisions below
lang = "zh"  # the language of the tables, figures and workbook: "zh" or "en"
# the triage (section 4): (flag id, "accepted" | "dismissed", why); fill it in after
# reading the flags of section 3. A decision already on record is not written twice.
# Empty, Run All records nothing. For example:
# triage = [
#     (
#         "stable/D28/approval_volume/2024-M01",
#         "accepted",
#         "经与报送部门核对，该单位连续24个月沿用同一办结件数，已通知更正。",
#     ),
#     (
#         "perfect/D13/hotline_response_rate/2024-M01",
#         "dismissed",
#         "抽查12345热线工单记录，工单确均按时响应，数据属实。",
#     ),
# ]
triage = []

# %% [markdown]
# ## 1. 读入与校验 / Read and validate
# 每个文件的编码自动识别；有问题的单元格逐一列出文件、行、列、值和规则。表为空即全部通过。
# 有问题时把这张表（工作簿的“校验问题”页）退回报送部门更正；历次报送情况、评分和数据质量核查
# 只读通过校验的数据，等更正后的文件再做，本期报送情况和核查工作簿照做。
#
# Each file's encoding is detected; every bad cell is listed with file, row, column,
# value and rule. An empty table means everything passed; otherwise this table (the
# workbook's problems sheet) goes back to the agency. The submission history, scoring
# and the flags read valid data only and wait for the corrected files; this period's
# submissions and the review workbook are done all the same.

# %%
from pathlib import Path

from IPython.display import display

from evaluation import vocabulary as V
from evaluation.analysis import views
from evaluation.intake import status
from evaluation.intake.validate import problems_table
from evaluation.publish import plots, worded
from evaluation.publish.export import risk_table, write_xlsx
from evaluation.risk import quality as Q

catalogue = ev.load_catalogue(catalogue_path)
data = ev.load_dataset(data_path, skip_unreadable=True)  # a bad file: listed below
problems = ev.check_dataset(data, catalogue)
valid = problems.empty  # the history, scores and flags read valid data only
worded.files(data.files, lang)

# %%
problems_table(problems, lang)

# %% [markdown]
# ## 2. 报送情况 / Who submitted what
# 先看本期：每个报送部门是否已报送（未报送、迟报、缺单位、按时），再看每项指标的明细。
# 未报送的部门不会卡住评分：其指标不计分、不记零分（权重在同级指标间重新分配），并在结果中标明。
#
# This period first: has each agency sent (missing, late, incomplete, on time), then
# each indicator in detail. A missing agency does not block scoring: its indicators
# are left out (never scored 0; their siblings' weights renormalised), and the result
# marks them.

# %%
due = status.status(data.observations, catalogue, data.units, period, as_of=as_of)
print("\n".join(status.status_lines(due, catalogue, period, lang=lang, as_of=as_of)))

# %%
this_period = status.status_table(due, catalogue, lang=lang)
this_period

# %% [markdown]
# 再看历次报送：每格是某部门某期未按时、完整报送的单位数（迟报、全部为空、部分为空），空白格表示该部门该期无报送任务。
# 颜色深的行，是总是迟报或空报的部门，应在下次截止日前提醒。
#
# Then the history: each cell counts the units whose submission from that agency for
# that period was late, empty or partly empty; blank where the agency owed nothing.
# A dark row is an agency to remind before the next deadline.

# %%
if valid:  # read from valid reports only, as the flags
    submissions = Q.submissions(data.observations, catalogue, period=period)
    display(plots.plot_submissions(submissions, catalogue, lang=lang))

# %% [markdown]
# ## 3. 数据质量提示 / Data-quality flags
# 提示是疑点，不是结论，也不改变任何得分：连续不变、连续满分、异常跳变、报送为空等。
# 每条写明原因和依据的数字。先看本期涉及的提示，再看条形图中各类提示的核实进度。
#
# Flags are suspicions, not findings, and change no score: frozen series, perfect
# runs, jumps, empty reports. Each says why, with its numbers. First the flags that
# bear on this period, then the triage progress by check.

# %%
decisions_path = Path(out_dir) / "flag_decisions.csv"
decisions = Q.read_decisions(decisions_path)
if valid:
    result = ev.run(catalogue, data, period=period)
    flags = Q.with_decisions(result.flags, decisions)
    open_now = views.flags_in(flags[flags["status"] == "open"], period)
    display(risk_table(result, "flags", lang=lang, rows=open_now))
else:
    print(V.word("intake_review", "not_scored", lang))

# %%
plots.plot_flag_triage(flags, lang=lang) if valid else None

# %% [markdown]
# ## 4. 核实与记录 / Triage
# 在参数格的 `triage` 里逐条写上核实结论（确认 accepted：确有问题；排除 dismissed：已核实无误）和理由，
# 运行本格即记入决定文件（与命令行 `evaluation flags --accept/--dismiss` 同一文件、同一格式）。
# 决定只追加、不覆盖；同一决定不重复记录。有一条写错（编号不存在、缺理由），整批都不记录，并逐条指出。
#
# Write each decision in the parameters' `triage` (accepted: a real problem;
# dismissed: checked and explained) with the reason; this cell records them in the
# decisions file (the same file and format as `evaluation flags --accept/--dismiss`).
# Decisions are appended, never overwritten, and a decision already on record is not
# written again. One bad row (an unknown flag, no reason) records none and names it.

# %%
if valid:
    decisions = Q.decide_all(
        decisions_path, triage, by=analyst, flags_table=result.flags
    )
    flags = Q.with_decisions(result.flags, decisions)
    display(worded.flag_counts(flags, lang))  # by check: 待核实, 已确认, 已排除

# %%
plots.plot_flag_triage(flags, lang=lang) if valid else None

# %%
if valid:
    decided = result.flags[result.flags["flag_id"].isin(decisions["flag_id"])]
    display(risk_table(result, "flags", lang=lang, decisions=decisions, rows=decided))

# %% [markdown]
# ## 5. 写出核查工作簿 / The review workbook
# 一个 Excel 文件，三页：本期报送情况、校验问题、数据质量提示及核实结论，供存档和退回报送部门
# （校验未通过时没有第三页）。
#
# One Excel workbook: this period's submissions, the validation problems, and the
# flags with their decisions, to file and to send back to agencies (no flags sheet
# while the files have problems).

# %%
sheets = {
    V.word("document", "sheet_submissions", lang): this_period,
    V.word("document", "sheet_problems", lang): problems_table(problems, lang),
}
if valid:
    sheets[V.word("document", "sheet_flags", lang)] = risk_table(
        result, "flags", lang=lang, decisions=decisions
    )
workbook = write_xlsx(Path(out_dir) / f"intake_review_{period}.xlsx", sheets)

# %% [markdown]
# ## 6. 本次写出的文件 / Files written
# 决定文件和核查工作簿：文件名、大小、权限（0644：共享盘上的同事可读）和写出时间（北京时间）。
#
# The decisions file and the review workbook: name, size, permissions (0644:
# colleagues on a shared drive can read them) and time written (Beijing time).

# %%
# the decisions file exists once a decision is recorded (an empty triage writes none)
recorded = [decisions_path] if decisions_path.exists() else []
ev.files.listing(*recorded, workbook, lang=lang)
