"""What the rest of the commands say when they have done their work, in Chinese by
default and in English alone with --lang en: the appeal's course (appeal-case,
decide, appeal, diff), backup and restore, the committee's files (grades, report,
letters), the analyst's follow-up (flags, ledger) and a generated city. The
office's 2025, as the analyst runs it on the sample. Expected words are written
here by hand."""

from __future__ import annotations

import re
import shlex
import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

from evaluation.cli import app

from ..conftest import ROOT

runner = CliRunner()
SAMPLE = ROOT / "data" / "sample"
CATALOGUE = ROOT / "indicators.yaml"
CONFIG = ROOT / "appraisal.yaml"
RUN = "annual-2025-1.v1"
HEAD = r"[0-9a-f]{64}"
CJK = re.compile(r"[\u4e00-\u9fff]")
#: the unit grades in Chinese (单位考评等次)
GRADE_ZH = {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"}


def invoke(*args, code=0):
    done = runner.invoke(app, [str(a) for a in args])
    assert done.exit_code == code, done.output
    return done.output


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    """The 2025 result, and the rectification ledger the run started."""
    out = tmp_path_factory.mktemp("scored")
    ledger = out / "整改台账.csv"
    invoke(
        "score", SAMPLE, "--period", "2025", "--out", out, "--catalogue", CATALOGUE,
        "--ledger", ledger,
    )  # fmt: skip
    return out / "result", ledger


@pytest.fixture(scope="module")
def published(scored, tmp_path_factory):
    """The 2025 appraisal stored and released: its 公示 opens today."""
    store = tmp_path_factory.mktemp("store") / "store.duckdb"
    invoke(
        "publish", scored[0], "--appraisal", SAMPLE / "appraisal", "--appraisal-config",
        CONFIG, "--store", store, "--by", "绩效办", "--release",
    )  # fmt: skip
    return store


@pytest.fixture
def store(published, tmp_path):
    copy = tmp_path / "store.duckdb"
    shutil.copy(published, copy)
    return copy


def test_an_upheld_appeal_its_correction_and_what_changed(scored, store, tmp_path):
    """D20 appeals during the 公示; the committee upholds it and overrides D20's
    grade; the corrected version is stored; diff shows the one change, in words."""
    case = f"{RUN}.c1"
    said = invoke(
        "appeal-case", RUN, "--unit", "D20", "--by", "D20办公室", "--grounds",
        "重点目标完成率计算有误", "--store", store,
    )  # fmt: skip
    assert said == (
        # the unit by name (units.csv: D20 is 市机关事务管理局), its code after it
        f"已登记申诉 {case}（市机关事务管理局（D20）对运行 {RUN}）；"
        f"复核：evaluation decide {case} --store {shlex.quote(str(store))} "
        "--decision upheld|rejected --by 复核人 --note 复核意见\n"
    )
    said = invoke(
        "decide", case, "--decision", "upheld", "--by", "考评委员会", "--note",
        "复核属实", "--store", store,
    )  # fmt: skip
    assert said.splitlines() == [
        f"申诉 {case}：申诉成立（复核人：考评委员会）",
        # an annual appraisal's correction is stored with its inputs (as below)
        f"请存入更正版本：evaluation appeal {RUN} 结果文件夹 "
        f"--appraisal 考评材料文件夹 --store {shlex.quote(str(store))} "
        f'--reason "{case}" --by 经办人，然后发布',
    ]
    grades = invoke("grades", RUN, "--out", tmp_path / "g.csv", "--store", store)
    assert grades.splitlines() == [  # the table and its note beside it
        f"已写入：{tmp_path / 'g.csv'}",
        f"已写入：{tmp_path / 'g.说明.txt'}",
    ]
    table = pd.read_csv(tmp_path / "g.csv", encoding="utf-8-sig", dtype=str)
    before_zh = table.set_index("单位代码").at["D20", "最终等次"]
    before = {zh: en for en, zh in GRADE_ZH.items()}[before_zh]
    after = "pass" if before != "pass" else "good"
    folder = tmp_path / "appraisal"
    shutil.copytree(SAMPLE / "appraisal", folder)
    pd.DataFrame(
        [["D20", after, "复核：重点工作数据有误", "考评委员会", "2026-01-19"]],
        columns=["unit_id", "grade", "reason", "approved_by", "approved_on"],
    ).to_csv(folder / "overrides.csv", index=False, encoding="utf-8-sig")
    fixed = "annual-2025-1.v2"
    said = invoke(
        "appeal", RUN, scored[0], "--reason", case, "--by", "绩效办", "--appraisal",
        folder, "--appraisal-config", CONFIG, "--store", store,
    )  # fmt: skip
    where = f"--store {shlex.quote(str(store))}"  # the store it was stored in
    release = f"evaluation publish --run {fixed} {where} --by 经办人"
    assert said == (
        f"已将更正版本 {fixed} 作为草稿存入；发布后取代运行 {RUN}。"
        # the next step, as the other steps say theirs: an annual correction is
        # released once the cases against the run it corrects are decided
        f"对 {RUN} 的申诉均已复核后发布（更正版本另行公示）：{release}\n"
    )
    lines = invoke(
        "diff", RUN, fixed, "--store", store, "--viewer", "秘书长"
    ).splitlines()
    assert lines[0] == f"运行 {RUN} 至 {fixed} 共有1处变化"
    # the change with its cause: the correction's reason, the appeal in words
    assert lines[1] == f"{fixed} 更正 {RUN}，更正原因：{case}"
    assert lines[2].startswith(f"申诉 {case}：市机关事务管理局（D20）于")
    assert "理由：重点目标完成率计算有误；复核结论：申诉成立" in lines[2]
    assert lines[3].split() == ["数据表", "对象", "字段", "原值", "新值"]
    assert lines[4].split() == [  # D20 by its name (units.csv)
        "考评等次表", "市机关事务管理局", "等次", GRADE_ZH[before], GRADE_ZH[after]
    ]  # fmt: skip
    english = invoke(
        "diff", RUN, fixed, "--store", store, "--viewer", "秘书长", "--lang", "en"
    ).splitlines()
    assert english[0] == f"1 change from {RUN} to {fixed}"
    assert english[1] == f"{fixed} corrects {RUN}; reason: {case}"
    # the field as the English grade table heads it (Final grade), not its code
    assert english[3].split() == ["grades", "D20", "Final", "grade", before, after]
    assert not CJK.search("\n".join(english))
    # the release command said above works as said: the correction opens its 公示
    said = invoke(*release.replace("经办人", "绩效办").split()[1:], "--store", store)
    assert said.startswith(f"运行 {fixed} 开始公示：")


def test_diff_shows_the_part_an_appeal_changed(scored, store, tmp_path):
    """X09 (白水县) appeals: its key target T1 (100, achieved 92.4) was lowered to 92
    mid-year with approval, and the register left it out. Upheld, the corrected
    version scores T1 at 100 %: the 评 part (key-target review) goes from
    (92.4 + 100 + 100) / 3 = 97.47 to 100.00, 0.3 × 2.53 = 0.76 points more, and
    X09 (92.30 → 93.06) passes X08 (92.82) for the districts' second place for
    优秀 (by hand). The committee reads in the diff the part that moved the grade."""
    case = f"{RUN}.c1"
    invoke(
        "appeal-case", RUN, "--unit", "X09", "--by", "X09办公室", "--grounds",
        "重点目标T1年中调整未计入", "--store", store,
    )  # fmt: skip
    invoke("decide", case, "--decision", "upheld", "--by", "考评委员会", "--note",
           "复核属实", "--store", store)  # fmt: skip
    folder = tmp_path / "appraisal"
    shutil.copytree(SAMPLE / "appraisal", folder)
    targets = pd.read_csv(folder / "key_targets.csv", encoding="utf-8-sig", dtype=str)
    t1 = (targets["unit_id"] == "X09") & (targets["target_id"] == "T1")
    targets.loc[t1, ["adjusted_target", "adjusted_on", "reason"]] = [
        "92.0", "2025-07-15", "年中经市政府批准调整"
    ]  # fmt: skip
    targets.to_csv(folder / "key_targets.csv", index=False, encoding="utf-8-sig")
    invoke(
        "appeal", RUN, scored[0], "--reason", case, "--by", "绩效办", "--appraisal",
        folder, "--appraisal-config", CONFIG, "--store", store,
    )  # fmt: skip
    fixed = "annual-2025-1.v2"
    zh = invoke("diff", RUN, fixed, "--store", store, "--viewer", "秘书长")
    rows = [line.split() for line in zh.splitlines()]
    assert ["考评等次表", "白水县", "评（年终评估）", "97.47", "100.00"] in rows, zh
    assert ["考评等次表", "白水县", "等次", "良好", "优秀"] in rows, zh
    assert ["考评等次表", "龙泉县", "等次", "优秀", "良好"] in rows, zh
    parts = {"考（年度综合得分）", "评（年终评估）", "议（民主测评）"}
    moved = [r for r in rows if len(r) == 5 and r[2] in parts]
    assert moved == [["考评等次表", "白水县", "评（年终评估）", "97.47", "100.00"]]
    en = invoke(
        "diff", RUN, fixed, "--store", store, "--viewer", "秘书长", "--lang", "en"
    )
    rows = [line.split() for line in en.splitlines()]
    # the field as the English grade tables head it, not its code
    assert ["grades", "X09", "Review", "97.47", "100.00"] in rows, en
    assert not CJK.search("\n".join(" ".join(r) for r in rows[3:])), en


def test_backup_and_restore_say_the_journal_head_both_share(store, tmp_path):
    dest = tmp_path / "异地备份" / "store-2026-01-31.duckdb"
    said = invoke("backup", dest, "--store", store)
    match = re.fullmatch(
        rf"已将发布库 {re.escape(str(store))} 备份到 {re.escape(str(dest))}；"
        rf"日志头哈希 ({HEAD})\n",
        said,
    )
    assert match, said
    restored = tmp_path / "restored.duckdb"
    said = invoke("restore", dest, "--store", restored)
    assert said == (
        f"已用备份 {dest} 恢复发布库 {restored}；日志头哈希 {match.group(1)}\n"
    )
    english = invoke("backup", tmp_path / "b.duckdb", "--store", store, "--lang", "en")
    assert english == (
        f"backed up {store} to {tmp_path / 'b.duckdb'}; journal head {match.group(1)}\n"
    )


def test_the_committees_files_say_what_was_written(store, tmp_path):
    """Under 公示 the run is public: its grades table, a unit's feedback letter and
    the committee report (one department's page) are written and said."""
    book = tmp_path / "考评结果.xlsx"
    assert invoke("grades", RUN, "--out", book, "--store", store) == (
        f"已写入：{book}\n"
    )
    english = invoke(
        "grades", RUN, "--out", tmp_path / "g.csv", "--store", store, "--lang", "en"
    )
    assert english == (
        f"wrote {tmp_path / 'g.csv'}\nwrote {tmp_path / 'g.about.txt'}\n"
    )
    letters = tmp_path / "反馈意见书"
    said = invoke("letters", RUN, "--unit", "D20", "--out", letters, "--store", store)
    assert said == f"已将1份反馈意见书写入：{letters}\n"
    assert len(list(letters.glob("*.pdf"))) == 1
    pdf, html = tmp_path / "报告.pdf", tmp_path / "报告.html"
    said = invoke(
        "report", RUN, "--unit", "D20", "--out", pdf, "--html", html, "--store", store
    )
    assert said.splitlines() == [f"已写入：{pdf}", f"已写入：{html}"]
    assert pdf.exists() and html.exists()


def test_flags_say_the_decision_recorded(scored, tmp_path):
    from evaluation.publish.store import load_result

    ids = load_result(scored[0]).flags["flag_id"].tolist()
    decisions = tmp_path / "核实记录.csv"
    said = invoke(
        "flags", scored[0], "--decisions", decisions, "--accept", ids[0],
        "--comment", "核实无误", "--by", "张三",
    ).splitlines()  # fmt: skip
    assert said[0] == f"已记录：数据质量提示 {ids[0]}，确认为问题"
    assert said[1] == (
        f"数据质量提示{len(ids)}条：待核实{len(ids) - 1}条，已确认1条，已排除0条"
    )
    english = invoke(
        "flags", scored[0], "--decisions", decisions, "--dismiss", ids[1],
        "--comment", "已说明", "--by", "张三", "--lang", "en",
    ).splitlines()  # fmt: skip
    assert english[0] == f"recorded: {ids[1]} dismissed"


def test_the_ledger_says_its_counts_and_reminders_in_chinese(scored, tmp_path):
    ledger = tmp_path / "整改台账.csv"
    shutil.copy(scored[1], ledger)
    reminders = tmp_path / "催办清单.csv"
    said = invoke(
        "ledger", ledger, "--catalogue", CATALOGUE, "--as-of", "2026-03-31",
        "--reminders", reminders,
    ).splitlines()  # fmt: skip
    items = pd.read_csv(ledger, encoding="utf-8-sig", dtype=str)
    due = pd.read_csv(reminders, encoding="utf-8-sig", dtype=str)
    n_open = int((items["status"] == "open").sum())
    assert said[0] == (
        f"整改台账 {ledger}：未整改{n_open}项（本次新增0项），本次整改完成0项；"
        f"逾期{len(due)}项（须催办）"
    )
    assert len(due) > 0  # three months on, some are past due
    first = due.iloc[0]  # the reminder list in words, the unit by its name
    units = pd.read_csv(SAMPLE / "units.csv", encoding="utf-8-sig")
    name = units.set_index("unit_id").at[first["单位代码"], "name_zh"]
    assert first["责任单位"] == name
    assert said[1].startswith(f"  催办 {name}：")
    item = items.set_index("item_id").loc[first["事项编号"]]
    due_zh, first_zh = (  # 2026-02-19 → 2026年2月19日
        "{}年{}月{}日".format(*map(int, item[k].split("-")))
        for k in ("due", "first_due")
    )
    assert (first["当前整改期限"], first["原定整改期限"]) == (due_zh, first_zh)
    assert f"整改期限{due_zh}（原定期限{first_zh}" in said[1]
    assert said[-1] == f"已写入：{reminders}"
    assert not any(word in " ".join(said) for word in ("remind", "overdue", "open"))


def test_generate_says_how_many_files_units_and_observations(tmp_path):
    out = tmp_path / "模拟城市"
    said = invoke(
        "generate", out, "--departments", "2", "--districts", "1", "--months", "12",
        "--seed", "1",
    )  # fmt: skip
    match = re.fullmatch(
        rf"已将(\d+)个文件写入：{re.escape(str(out))}（3个单位，(\d+)条数据）\n", said
    )
    assert match, said
    assert int(match.group(1)) == sum(1 for p in out.rglob("*") if p.is_file())


def test_the_committee_decides_in_its_own_words(store):
    """复核: 维持原结果 is the committee's word for a rejected appeal."""
    invoke(
        "appeal-case", RUN, "--unit", "D20", "--by", "D20办公室", "--grounds",
        "得分有误", "--store", store,
    )  # fmt: skip
    said = invoke(
        "decide", f"{RUN}.c1", "--decision", "维持原结果", "--by", "考评委员会",
        "--note", "复核无误", "--store", store,
    )  # fmt: skip
    assert said == f"申诉 {RUN}.c1：申诉不成立（复核人：考评委员会）\n"


def test_a_new_ledger_counts_what_the_run_closed_and_names_units(tmp_path):
    """score --ledger with a new ledger: the items the replayed periods opened and
    closed are counted as the file holds them (opened = open + closed), and each
    reminder names its unit as units.csv does, not by its code."""
    ledger = tmp_path / "整改台账.csv"
    said = invoke(
        "score", SAMPLE, "--period", "2025", "--out", tmp_path / "out",
        "--catalogue", CATALOGUE, "--ledger", ledger,
    ).splitlines()  # fmt: skip
    items = pd.read_csv(ledger, encoding="utf-8-sig", dtype=str)
    n_open = int((items["status"] == "open").sum())
    n_closed = int((items["status"] == "closed").sum())
    assert n_closed > 0  # the year's replay closed some: the count has content
    line = next(x for x in said if x.startswith("整改台账 "))
    assert line.startswith(
        f"整改台账 {ledger}：未整改{n_open}项（本次新增{len(items)}项），"
        f"本次整改完成{n_closed}项；"
    )
    units = pd.read_csv(SAMPLE / "units.csv", encoding="utf-8-sig")
    names = set(units["name_zh"])
    reminders = [x for x in said if x.startswith("  催办 ")]
    assert reminders
    assert all(x[len("  催办 ") :].split("：")[0] in names for x in reminders)


def test_an_appeal_filed_under_the_units_name(store):
    """The official types the unit as units.csv names it (D20 is 市机关事务管理局):
    the case is D20's. A name no unit has is refused with what to write, an
    example from this run (its first code, D01 市发展和改革委员会 in units.csv)."""
    said = invoke(
        "appeal-case", RUN, "--unit", "市机关事务管理局", "--by", "办公室",
        "--grounds", "数据有误", "--store", store,
    )  # fmt: skip
    assert said.startswith(f"已登记申诉 {RUN}.c1（市机关事务管理局（D20）对运行 ")
    refused = CliRunner().invoke(
        app,
        ["appeal-case", RUN, "--unit", "市交通局", "--by", "办公室",
         "--grounds", "数据有误", "--store", str(store)],
    )  # fmt: skip
    assert refused.exit_code != 0
    assert "单位“市交通局”不在" in refused.output
    assert "请写单位代码或单位全称，如 D01（市发展和改革委员会）" in refused.output


def test_an_appraisal_corrected_without_its_inputs_says_to_add_them(scored, store):
    """The committee's correction run as `appeal RUN RESULT` without --appraisal
    would store a scoring run: refused, saying what to add."""
    refused = CliRunner().invoke(
        app,
        ["appeal", RUN, str(scored[0]), "--reason", "复核", "--by", "王",
         "--store", str(store)],
    )  # fmt: skip
    assert refused.exit_code != 0
    assert (
        "更正年度考评须同时给出考评材料：--appraisal 考评材料文件夹" in refused.output
    )
