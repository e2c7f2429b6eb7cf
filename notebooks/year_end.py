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
# # 年度考评 / The year-end appraisal
#
# 考评委员会开会前用：年度得分由考、评、议三部分组成（年度综合得分、年终评估、民主测评），再适用扣分、一票否决、
# 加分等规则，按分数定等次，按名额确定优秀，最后由考评委员会调整。本笔记逐步看每一步的结果，并测算三部分权重改变时
# 等次如何变化。规则和算法见 `docs/appraisal.md`；这里的结果是草稿，发布走 `evaluation publish`。
#
# Before the appraisal committee meets: the year-end score combines three parts
# (考 the annual composite, 评 the year-end review, 议 the multi-rater survey), then the
# rules (deductions, vetoes, bonus points), grades by score, the quota for excellent
# and the committee's overrides. This notebook looks at each step's result and tries
# other shares of the three parts. Method: `docs/appraisal.md`; what is written here
# is a draft (publishing is `evaluation publish`).

# %% tags=["parameters"]
# paths from the project folder, wherever the kernel starts (JupyterLab: notebooks/)
import evaluation as ev

root = ev.project_root()
catalogue_path = root / "indicators.yaml"
data_path = root / "data" / "sample"
config_path = root / "appraisal.yaml"
inputs_path = root / "data" / "sample" / "appraisal"  # ballots, raters, targets …
year = "2025"  # the appraisal year: its annual run is the 考 part
unit_id = "D08"  # one unit to follow (docs/appraisal.md's worked example)
whatif_shares = {"periods": 0.6, "review": 0.2, "survey": 0.2}  # 考、评、议
out_dir = root / "data" / "output" / "notebooks"  # draft grades, the what-if
lang = "zh"  # "zh" or "en": names and words in tables and figures

# %% [markdown]
# ## 1. 年度运行与考评 / Score the year, appraise
# 考的部分是全年运行的综合得分：每项指标按各自频率汇总全年（月度十二个月、季度四个季度……）。输入文件先全部校验，
# 有问题时列出文件、行、列和规则，不计算任何结果。
#
# The 考 part is the composite of the year's annual run, every indicator rolled up
# over the year at its own frequency. Every input file is validated first; a problem
# names file, row, column and rule, and nothing is computed.

# %%
from pathlib import Path

import plotly.express as px
import plotly.graph_objects as go

from evaluation import appraisal as A
from evaluation import vocabulary as V
from evaluation.publish import plots, worded
from evaluation.publish.export import (
    applied_table,
    grades_table,
    persons_table,
    rules_sheet,
    write_xlsx,
)

catalogue = ev.load_catalogue(catalogue_path)
result = ev.run(catalogue, ev.load_dataset(data_path), period=year)
config = A.load_config(config_path)
inputs = A.load_inputs(inputs_path)
appraisal = A.appraise(config, result, inputs)
grades = appraisal.grades
words = V.words("year_end", lang)
page = V.words("page_appraisal", lang)
group_names = config.group_names(lang)
rule_names = worded.rule_names(appraisal.rules, lang)  # 优秀名额, 考评委员会调整 …
unit_names = dict(zip(grades["unit_id"], grades[f"name_{lang}"], strict=True))
(getattr(config, f"name_{lang}"), config.version, worded.shares(config, lang))

# %% [markdown]
# ## 2. 考、评、议三部分 / The three parts
# 每部分在各单位间的分布。一部分的权重再大，如果各单位得分都差不多，它对名次的影响也小：看“权重×标准差”一列，
# 它说明哪一部分实际上在拉开差距。
#
# Each part across the units. A part with a large share but scores that barely differ
# decides little: the share × SD column says which part actually separates the units.

# %%
parts = ["periods_score", "review_score", "survey_score"]
part_names = V.words("grade_header", lang)  # as the tables below name them
long = grades.melt(
    id_vars=["unit_id", f"name_{lang}"], value_vars=parts, var_name="part"
)
px.box(
    long.assign(part=long["part"].map(part_names)),
    x="part",
    y="value",
    points="all",
    hover_name=f"name_{lang}",
    title=words["parts_title"],
    labels={"part": words["part"], "value": words["score"]},
)

# %%
worded.part_spread(grades, config, lang)  # share × SD: which part separates units

# %% [markdown]
# 一个单位的三部分（默认市财政局 D08，`docs/appraisal.md` 的算例），以及它各一级指标年终得分与本组中位数的比较。
#
# One unit's three parts (D08 by default, the worked example in `docs/appraisal.md`)
# and its level-1 dimensions' year-end scores against its group's median.

# %%
mine = grades.set_index("unit_id").loc[unit_id]
go.Figure(
    plots.plot_parts(
        [page["part_periods"], page["part_review"], page["part_survey"]],
        mine[parts].to_numpy(dtype=float),
        title=unit_names[unit_id] + V.word("plot", "colon", lang) + page["parts"],
    )
)

# %%
gaps = A.dimension_gaps(grades)
gaps = gaps[gaps["unit_id"] == unit_id]
go.Figure(
    plots.plot_group_dimensions(
        gaps,
        gaps["node_id"].apply(catalogue.name, args=(lang,)).tolist(),
        title=page["dims"],
        unit=page["this_unit"],
        median=page["median"],
        lang=lang,
    )
)

# %%
worded.unit_steps(grades, unit_id, lang)  # scores as the grades table writes them

# %% [markdown]
# ## 3. 民主测评：票数与参评率 / The survey: ballots and response rates
# 参评率 = 票数 ÷ 可参评人数（名单人数减去本单位人员）。参评率低的群体代表性弱；某群体在某单位有效票少于最低人数时
# 记为“样本不足”，其权重转给该单位其他群体（`insufficient` 列是这样的单位数）。
#
# Response rate = ballots ÷ eligible raters (the roster less the unit's own staff). A
# group with a low rate speaks for few; where a group has fewer valid ballots than its
# minimum for a unit it is "insufficient" and its weight goes to the unit's other
# groups (`insufficient` counts those units).

# %%
survey = A.response_summary(appraisal.survey, config)
worded.responses(survey, lang)  # 参评率 60.5%

# %%
px.bar(
    survey,
    x=f"name_{lang}",
    y="response_rate",
    text_auto=".0%",
    title=words["response_title"],
    labels={f"name_{lang}": words["rater_group"], "response_rate": words["response"]},
).update_yaxes(tickformat=".0%", range=[0, 1.1])

# %%
rater_names = survey.set_index("rater_group")[f"name_{lang}"]
px.box(
    appraisal.survey.assign(group=appraisal.survey["rater_group"].map(rater_names)),
    x="group",
    y="response_rate",
    points="all",
    hover_name="unit_id",
    title=words["unit_response_title"],
    labels={"group": words["rater_group"], "response_rate": words["response"]},
).update_yaxes(tickformat=".0%")

# %% [markdown]
# ## 4. 适用的规则 / The rules applied
# 每条规则是否适用、为什么、涉及多少单位或人员；“过错扣分”不适用，因为过错已计入指标“过错责任追究件数”（每起过错只计
# 一次）。一票否决和加分都必须有批准记录（批准人、日期、文号）。个人规则只提出个人年度考核建议，不影响单位等次。
#
# Each rule, whether it applied, why, and how many units or persons it touched. The
# fault deduction is off: the faults already count in the indicator fault_findings
# (each fault counted once). A veto or a bonus needs its approval record (who, when,
# document number). Person rules propose individual outcomes, never a unit's grade.

# %%
rules_sheet(appraisal.rules, lang=lang)

# %%
applied = appraisal.rules_applied
worded.rules_affected(applied, appraisal.rules, lang)  # units, each once

# %%
applied_table(
    A.applied_of_kind(applied, appraisal.rules, ["veto", "bonus", "deduction"]),
    units=unit_names, rules=rule_names, lang=lang,
)  # fmt: skip

# %%
persons = appraisal.persons
persons_table(persons[persons["proposed"] == "incompetent"], grades, lang=lang)

# %% [markdown]
# ## 5. 优秀名额 / The quota for excellent
# 每个考评组别优秀不超过“优秀比例×单位数”（四舍五入，即“优秀名额”）。“适用规则后优秀的单位数”是适用扣分、一票否决、
# 加分等规则后仍为优秀的单位数，“因名额改为良好”是其中因名额改为良好的单位数（原因见下表）；“名额线上同分”不为 0 表示
# 名额线上有同分的单位，须由考评委员会确认。各组的单位数也在表中。
#
# Each appraisal group has at most share × units excellent (rounded half up: the
# places for excellent). "Excellent after the rules" is how many stay excellent
# after the rules, "Made good by the quota" how many the quota makes good (why: the
# table below); "Tied at the quota line" above 0 is a tie at the quota line, for the
# committee to confirm. The table also counts each group's units.

# %%
worded.quota(grades, config, lang)

# %%
worded.quota_cuts(applied, unit_names, lang)

# %%
grades_table(
    grades[grades["quota_tie"]], config, catalogue, rules_applied=applied, lang=lang
)

# %% [markdown]
# ## 6. 等次 / The grades
# 考评结果表（与 `evaluation grades` 导出的格式相同）和各组等次分布。
# The grades table (as `evaluation grades` exports it) and the grades per group.

# %%
table = grades_table(grades, config, catalogue, rules_applied=applied, lang=lang)
table

# %%
plots.plot_grade_distribution(grades, group_names, lang=lang)

# %% [markdown]
# ## 7. 测算：三部分换一种权重 / What-if: other shares of the three parts
# 用另一组考、评、议权重重新考评（规则、名额都不变），看哪些单位的组内名次和等次会变。只是测算，不保存、不发布；
# 改权重要修改 `appraisal.yaml` 并经考评委员会批准。
#
# Appraise again with other shares (rules and quota unchanged) and see whose rank in
# the group and grade would change. A what-if only, never saved or published:
# changing the shares means editing `appraisal.yaml`, approved by the committee.

# %%
other = A.with_shares(config, **whatif_shares)
whatif = A.appraise(other, result, inputs)
changes = A.compare_grades(grades, whatif.grades)
worded.grade_changes(changes[changes["grade_changed"]], group_names, lang)

# %%
worded.grade_transitions(changes, lang)  # from each grade (rows) to each (columns)

# %%
plots.plot_movers(changes, unit_names, title=words["movers_title"])

# %% [markdown]
# ## 8. 写出草稿 / Write the drafts
# 考评结果草稿（考评结果、规则两页，表头上方注明草稿）和权重测算（测算结果、变化两页）。
# The draft grades (grades and rules, labelled draft above the header) and the what-if
# (its grades and the changes).

# %%
draft = V.DOCUMENT["draft_status"].text(lang)
grades_path = write_xlsx(
    Path(out_dir) / f"appraisal_{year}_draft.xlsx",
    {
        words["sheet_grades"]: table,
        words["sheet_rules"]: rules_sheet(appraisal.rules, lang=lang),
    },
    titles={words["sheet_grades"]: draft, words["sheet_rules"]: draft},
    freeze_columns={words["sheet_grades"]: 4},
)
whatif_path = write_xlsx(
    Path(out_dir) / f"appraisal_{year}_whatif.xlsx",
    {
        words["sheet_whatif"]: grades_table(
            whatif.grades, other, catalogue, rules_applied=whatif.rules_applied,
            lang=lang,
        ),
        words["sheet_changes"]: worded.grade_changes(changes, group_names, lang),
    },
    titles={words["sheet_whatif"]: draft, words["sheet_changes"]: draft},
)  # fmt: skip

# %% [markdown]
# ## 9. 本次写出的文件 / Files written
# 文件名、大小、权限（0644：共享盘上的同事可读）和写出时间（北京时间）。
# Name, size, permissions (0644: colleagues on a shared drive can read it) and time
# written (Beijing time).

# %%
ev.files.listing(grades_path, whatif_path, lang=lang)
