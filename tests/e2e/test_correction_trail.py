"""The appeal trail as the committee reads it: X09 appeals during the 公示 (a
provincial commendation left out of its bonus points), the committee upholds it,
and the corrected version (v2) moves X09 above X08 in the districts' group; the
quota for excellent (2 of 10) then takes X08 from 优秀 to 良好. The v2 report says
what it corrects and for whom, the letters of the units moved say it, and ``diff``
lists the rank swap. Expected values by hand from the sample's grades."""

from __future__ import annotations

import html as htmllib
import re
import shlex
import shutil
from datetime import date

import pandas as pd
import pytest
from typer.testing import CliRunner

import evaluation as ev
from evaluation import appraisal as A
from evaluation.cli import app
from evaluation.errors import EvaluationError
from evaluation.publish import letters as LT
from evaluation.publish import report as R
from evaluation.publish.publication import Publication

from ..conftest import ROOT

SAMPLE = ROOT / "data" / "sample"
#: the bonus X09 appealed for: 1 point (appraisal.yaml: provincial_award 1)
BONUS = ["X09", "provincial_award", "2025-06-18", "获省政府通报表扬",
         "市绩效考评委员会", "2026-01-22", "考评委〔2026〕3号"]  # fmt: skip
#: why X08's grade changed, by hand: 10 districts × 0.2 = 2 excellent places
QUOTA = (
    "最终得分未变，等次变化系优秀名额所致："
    "县（市）区政府优秀名额2个（10个单位×20%，四舍五入）"
)


@pytest.fixture(scope="module")
def trail(catalogue, tmp_path_factory):
    result = ev.run(catalogue, ev.load_dataset(SAMPLE), period="2025")
    config = A.load_config(ROOT / "appraisal.yaml")
    first = A.appraise(config, result, A.load_inputs(SAMPLE / "appraisal"))
    folder = tmp_path_factory.mktemp("corrected") / "appraisal"
    shutil.copytree(SAMPLE / "appraisal", folder)
    bonuses = pd.read_csv(folder / "bonuses.csv", encoding="utf-8-sig", dtype=str)
    bonuses.loc[len(bonuses)] = BONUS
    bonuses.to_csv(folder / "bonuses.csv", index=False, encoding="utf-8-sig")
    second = A.appraise(config, result, A.load_inputs(folder))
    path = tmp_path_factory.mktemp("trail") / "store.duckdb"
    with Publication(path) as s:
        scores = s.add_run(result, by="绩效办", release=True)  # the year's (dashboard)
        run = s.add_run(result, first, by="绩效办")
        s.publish(run, by="主任", today=date(2026, 1, 20))
        case = s.file_case(
            run, unit_id="X09", by="X09办公室", grounds="省级表彰未计加分",
            on=date(2026, 1, 21), today=date(2026, 1, 21),
        )  # fmt: skip
        s.decide(case, decision="upheld", by="考评委员会", note="复核属实",
                 today=date(2026, 1, 22))  # fmt: skip
        fixed = s.add_run(result, second, by="绩效办", supersedes=run, reason=case)
        s.publish(fixed, by="主任", today=date(2026, 1, 23))
    return {"path": path, "run": run, "fixed": fixed, "case": case, "scores": scores,
            "before": first.grades.set_index("unit_id"),
            "after": second.grades.set_index("unit_id"), "config": config,
            "result": result, "second": second}  # fmt: skip


def test_the_sample_moves_x08_by_x09s_appeal(trail):
    """The premise, by hand: X08 2nd and excellent, X09 3rd and good by the quota
    (92.82 and 92.30 points); X09's point puts it at 93.30, above X08."""
    b, a = trail["before"], trail["after"]
    assert b.loc[["X08", "X09"], ["group_rank", "final_grade"]].values.tolist() == [
        [2, "excellent"], [3, "good"]
    ]  # fmt: skip
    assert a.loc[["X08", "X09"], ["group_rank", "final_grade"]].values.tolist() == [
        [3, "good"], [2, "excellent"]
    ]  # fmt: skip
    assert round(a.at["X09", "score"] - b.at["X09", "score"], 9) == 1.0


def test_the_corrected_report_says_what_it_corrects_and_for_whom(trail):
    with Publication(trail["path"]) as s:
        page = R.from_store(s, trail["fixed"], lang="zh", units=["X08"])
    start = page.index('id="correction"')
    note = htmllib.unescape(page[start : page.index("</div>", start)])
    text = re.sub(r"<[^>]+>", "", note)
    assert "更正说明" in text
    assert f"本版本（第2版，{trail['fixed']}）更正并取代第1版（{trail['run']}）" in text
    assert trail["case"] in text and "X09" in text and "申诉成立" in text
    names = trail["after"]["name_zh"]
    x08 = f"等次由优秀改为良好，组内名次由第2名改为第3名；{QUOTA}"
    # X09's own score, as published: 92.30 + its 1-point bonus = 93.30 (by hand)
    x09 = "最终得分由92.30分改为93.30分，等次由良好改为优秀，组内名次由第3名改为第2名"
    assert f"{names['X08']}（X08）：{x08}" in text
    assert f"{names['X09']}（X09）：{x09}" in text
    assert text.count("优秀名额所致") == 1  # X08's; X09's own score moved it
    assert text.count("组内名次由") == 2  # nobody else moved
    assert text.count("得分由") == 1  # nor changed score: only X09
    with Publication(trail["path"]) as s:
        first = R.from_store(s, trail["run"], lang="zh", units=["X08"])
    assert 'id="correction"' not in first  # version 1 corrects nothing


def test_the_corrected_report_in_english(trail):
    with Publication(trail["path"]) as s:
        page = R.from_store(s, trail["fixed"], lang="en", units=["X08"])
    start = page.index('id="correction"')
    text = re.sub(r"<[^>]+>", "", page[start : page.index("</div>", start)])
    assert f"supersedes version 1 ({trail['run']})" in text
    assert (
        "X08" in text
        and (
            "grade excellent → good, rank in group 2 → 3; final score unchanged; the "
            "grade "
            "follows the quota for excellent in district and county governments: 2 (10 "
            "units × 20%, rounded half up)"
        )
        in text
    )


def test_the_letters_of_the_units_moved_say_so_and_no_other(trail):
    with Publication(trail["path"]) as s:
        source = LT.load_letters(s, trail["fixed"], units=["X08", "X09", "X03"])
    said = {}
    for unit in source.units:
        data = LT.letter_data(
            source.grades, source.rules_applied, source.result, unit,
            config=source.config, run=source.run, correction=source.correction,
        )  # fmt: skip
        said[unit] = data["correction"]
        if data["correction"]:
            assert data["correction"] in LT.render_letter(data)
    # X08, moved by X09's appeal, reads whose appeal it was, why and the review
    # (units.csv: X09 is 白水县; filed 2026-01-21, upheld with 复核属实)
    assert said["X08"] == (
        f"更正说明：本意见书依据的第2版考评结果（{trail['fixed']}）更正并取代第1版"
        f"（{trail['run']}），更正原因：{trail['case']}。你单位等次由优秀改为良好，"
        f"组内名次由第2名改为第3名；{QUOTA}。申诉 {trail['case']}："
        "白水县（X09）于2026年1月21日提出申诉，理由：省级表彰未计加分；复核结论：申诉成立（考评委员会：复核属实）。"
    )
    assert (  # its own score moved it: 92.30 + the 1-point bonus (by hand)
        "你单位最终得分由92.30分改为93.30分，等次由良好改为优秀，组内名次由第3名改为第2名。"
        in said["X09"]
    )
    assert said["X03"] == ""  # X03 did not move


def test_diff_lists_the_group_rank_swap(trail):
    done = CliRunner().invoke(
        app, ["diff", trail["run"], trail["fixed"], "--store", str(trail["path"]),
              "--lang", "en"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    # the field in the words the English grade table heads it with
    rows = [line.split() for line in done.output.splitlines()[2:]]
    ranks = {
        r[1]: r[5:]
        for r in rows
        if r[0] == "grades" and r[2:5] == ["Rank", "in", "group"]
    }
    assert ranks == {"X08": ["2", "3"], "X09": ["3", "2"]}
    assert "group_rank" not in done.output
    zh = CliRunner().invoke(
        app, ["diff", trail["run"], trail["fixed"], "--store", str(trail["path"])]
    )
    names = trail["after"]["name_zh"]
    assert any(
        line.split() == ["考评等次表", names["X08"], "考评组内名次", "2", "3"]
        for line in zh.output.splitlines()
    ), zh.output
    # X09's annual score under the name the workbook, report and letters give it
    # (92.30 + its 1-point bonus, by hand)
    assert any(
        line.split() == ["考评等次表", names["X09"], "最终得分", "92.30", "93.30"]
        for line in zh.output.splitlines()
    ), zh.output
    # with their cause: the correction's reason, the appeal it names in words
    lines = zh.output.splitlines()
    fixed, run, case = trail["fixed"], trail["run"], trail["case"]
    assert lines[1] == f"{fixed} 更正 {run}，更正原因：{case}"
    assert lines[2].startswith(
        f"申诉 {case}：白水县（X09）于2026年1月21日提出申诉，理由：省级表彰未计加分"
    )
    # X08's grade changed with no change of score: the quota, said so
    assert lines[3] == f"龙泉县（X08）：{QUOTA}"


def test_diff_of_runs_with_nothing_changed_says_no_change(trail):
    """A run compared with itself (or a correction that moved nothing) reads as
    no change, not as 共有0处变化 / 0 changes."""
    run = trail["run"]
    for lang, said in (("zh", f"运行 {run} 至 {run} 没有变化"),
                       ("en", f"no change from {run} to {run}")):  # fmt: skip
        done = CliRunner().invoke(
            app, ["diff", run, run, "--store", str(trail["path"]), "--lang", lang]
        )
        assert done.exit_code == 0, done.output
        assert done.output.splitlines()[0] == said, done.output


def test_diff_refuses_a_period_run_against_an_annual_one(trail):
    """The year's scores and its appraisal publish other tables: compared, the
    grades would read as no change (共有0处变化); the command says why it will not."""
    scores, fixed = trail["scores"], trail["fixed"]
    done = CliRunner().invoke(
        app, ["diff", scores, fixed, "--store", str(trail["path"])]
    )
    assert done.exit_code == 1
    assert (
        f"{scores} 是评分运行，{fixed} 是年度考评运行：只能比较同一类运行"
        in done.output
    ), done.output
    assert "0处变化" not in done.output


def test_the_dashboard_says_the_appeal_behind_the_correction(trail):
    """Leadership on the appraisal page of the corrected version reads why it
    corrects the first: the recorded reason (the case's id) and the appeal it
    names in words (units.csv: X09 is 白水县; filed 2026-01-21, upheld), as the
    report and the letters say it."""
    import importlib

    from dashboards import app as dashboard

    server = dashboard.create_app(trail["path"], secret_key="test-key").server
    assert server.test_client().get("/appraisal").status_code == 200
    page = importlib.import_module("dashboards.pages.appraisal")

    def text(component) -> str:
        if isinstance(component, str | int | float):
            return str(component)
        if isinstance(component, list | tuple):
            return "".join(text(c) for c in component)
        kids = getattr(component, "children", None)
        return "" if kids is None else text(kids)

    banner = text(page.update_appraisal(trail["fixed"], "zh")[3])
    assert f"理由：{trail['case']}。" in banner
    assert (
        "白水县（X09）于2026年1月21日提出申诉，理由：省级表彰未计加分；"
        "复核结论：申诉成立（考评委员会：复核属实）。"
    ) in banner
    english = text(page.update_appraisal(trail["fixed"], "en")[3])
    assert f"reason: {trail['case']}." in english
    assert "Baishui County (X09)" in english  # as the English report says it
    assert "省级表彰未计加分" in english  # the grounds as the clerk wrote them


def test_a_score_on_one_side_only_is_said_in_words():
    """A unit with none of 考、评、议 in one version has no score there: the line
    says so instead of an empty number (by hand)."""
    from types import SimpleNamespace

    def said(before, after, lang="zh"):
        row = SimpleNamespace(
            score_before=before, score_after=after, grade_before="good",
            grade_after="good", rank_before=1.0, rank_after=1.0,
        )  # fmt: skip
        return R.correction_what(row, lang)

    assert said(float("nan"), 85.0) == "最终得分为85.00分（原无得分）"
    assert said(80.0, float("nan")) == "无最终得分（原为80.00分）"
    assert said(80.0, float("nan"), "en") == "no final score (was 80.00)"
    assert said(80.0, 80.004) == ""  # the same as published: nothing to say


def test_the_english_page_quotes_the_appeal_as_filed_and_says_the_rest_in_english(
    trail,
):
    """The English reader reads the appeal behind the correction in English but
    for the clerk's words, each a quote apart (class zh-original): the grounds, who
    reviewed it and the review's note, as filed; the unit by its English name."""
    import importlib
    import re

    from dash import html

    from dashboards import app as dashboard

    server = dashboard.create_app(trail["path"], secret_key="test-key").server
    assert server.test_client().get("/appraisal").status_code == 200
    page = importlib.import_module("dashboards.pages.appraisal")
    banner = page.update_appraisal(trail["fixed"], "en")[3][0]
    lines = next(c for c in banner.children if c.id == "appraisal-status-text")
    case = next(
        d.children for d in lines.children if isinstance(d.children, list)
        and any("appealed on" in str(x) for x in d.children)
    )  # fmt: skip
    quoted = [x.children for x in case if isinstance(x, html.Span)]
    assert quoted == ["省级表彰未计加分", "考评委员会", "复核属实"]
    assert all(x.className == "zh-original" for x in case if isinstance(x, html.Span))
    words = "".join(x for x in case if isinstance(x, str))
    assert not re.search(r"[\u3400-\u9fff]", words), words
    assert "Baishui County (X09) appealed on 21 January 2026" in words


# ------------------------------------------- letters of a replaced version, dates
def _letters(trail, run, out, *args, store=None):
    return CliRunner().invoke(
        app, ["letters", run, "--store", str(store or trail["path"]), "--out",
              str(out), *args],
    )  # fmt: skip


def _said(done) -> str:
    return " ".join(done.output.split())  # the message as one line, wraps undone


def test_letters_of_a_version_corrected_during_its_notice_are_refused(trail, tmp_path):
    """v1 was corrected by v2 during its 公示: in v1, 白水县 (X09) is 良好 and third,
    in v2 优秀 and second. A v1 letter would tell it the wrong grade and invite an
    appeal that appeal-case refuses for v1: no letter, exit 1, and the error names
    v2 and the command to write its letters; nothing is written."""
    run, fixed = trail["run"], trail["fixed"]
    out = tmp_path / "letters"
    done = _letters(trail, run, out, "--unit", "X09")
    assert done.exit_code == 1, done.output
    store = shlex.quote(str(trail["path"]))  # the store the letters were asked of
    assert (
        f"运行 {run} 在公示期间已由 {fixed} 更正，其考评结果未生效，不能据以出具反馈"
        f"意见书：请为 {fixed} 生成意见书（evaluation letters {fixed} --store {store}"
        " --out 文件夹）"
    ) in _said(done)
    assert f"write the letters of {fixed}" in _said(done)  # and in English
    assert not out.exists() or not any(out.iterdir())
    en = _letters(trail, run, out, "--lang", "en")
    assert en.exit_code == 1 and "was corrected during its 公示" in _said(en)
    with Publication(trail["path"]) as s:  # the library function refuses too
        with pytest.raises(EvaluationError, match=f"write the letters of {fixed}"):
            LT.load_letters(s, run, units=["X09"])
    # the version that replaced it writes them
    assert _letters(trail, fixed, out, "--unit", "X09").exit_code == 0


def test_letters_of_a_version_superseded_after_it_was_final_are_refused(
    trail, tmp_path
):
    """v2 final, then corrected again after its 公示 by v3, final too: v2 is no
    longer in force, and v1 is replaced by v3 (the chain's latest), not by v2."""
    path = tmp_path / "store.duckdb"
    shutil.copy(trail["path"], path)
    fixed = trail["fixed"]
    with Publication(path) as s:
        s.finalise(fixed, by="主任", today=date(2026, 2, 10))
        third = s.add_run(trail["result"], trail["second"], by="绩效办",
                          supersedes=fixed, reason="复核〔2026〕2号")  # fmt: skip
        s.publish(third, by="主任", today=date(2026, 2, 11))
        s.finalise(third, by="主任", today=date(2026, 3, 1))
    out = tmp_path / "letters"
    done = _letters(trail, fixed, out, "--unit", "X09", store=path)
    assert done.exit_code == 1, done.output
    assert (
        f"运行 {fixed} 已被更正版本 {third} 取代，其考评结果已失效，不能据以出具"
        f"反馈意见书：请为 {third} 生成意见书"
    ) in _said(done)
    first = _letters(trail, trail["run"], out, "--unit", "X09", store=path)
    assert first.exit_code == 1 and f"请为 {third} 生成意见书" in _said(first)
    assert not out.exists() or not any(out.iterdir())
    assert _letters(trail, third, out, "--unit", "X09", store=path).exit_code == 0


def test_a_letter_may_not_be_dated_before_its_notice_opened(trail, tmp_path):
    """v2's 公示 opened on 2026-01-23 (its release): a letter dated the day before
    is refused, naming both days; one dated that day is written."""
    fixed, out = trail["fixed"], tmp_path / "letters"
    done = _letters(trail, fixed, out, "--unit", "X09", "--date", "2026-01-22")
    assert done.exit_code == 1, done.output
    assert (
        f"意见书发文日期2026年1月22日早于运行 {fixed} 的公示开始日期2026年1月23日"
    ) in _said(done)
    assert "--date 2026-01-23 or later" in _said(done)
    assert not out.exists() or not any(out.iterdir())
    ok = _letters(trail, fixed, out, "--unit", "X09", "--date", "2026-01-23")
    assert ok.exit_code == 0, ok.output


def _section(page: str, start: str, end: str) -> str:
    part = page[page.index(start) : page.index(end)]
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", part)).split())


def test_the_open_items_say_the_ledgers_date_and_which_deadlines_passed(
    trail, tmp_path
):
    """市体育局 (D22) has 18 items open at the ledger's last check, the year's end
    2025-12-31 (the sample's ledger): 16 due 2026-01-25, one 2026-01-30, one
    2026-03-01. In a letter dated 2026-01-26 the 16 are past their deadline (逾期
    in the 整改期限 column), the other two not; the sentence says the ledger's date,
    not the letter's. The differences from the median are written with the minus
    sign (U+2212) the committee report prints."""
    out = tmp_path / "letters"
    done = _letters(trail, trail["fixed"], out, "--unit", "D22", "--html",
                    "--date", "2026-01-26")  # fmt: skip
    assert done.exit_code == 0, done.output
    page = (out / "D22_市体育局_反馈意见书.html").read_text(encoding="utf-8")
    items = _section(page, "四、待整改事项", "五、适用的考评规则")
    assert items.startswith(
        "四、待整改事项 截至2025年12月31日（整改台账最近一次核查），你单位尚有18项"
        "整改事项未销号（责任单位：市体育局）。其中16项整改期限早于本意见书发文日期"
        "（2026年1月26日），表中标注“逾期”，尚未完成整改的请立即整改；其余事项请在"
        "整改期限前完成整改。请报送整改情况："
    ), items
    assert "截至本意见书生成时" not in items
    assert items.count("2026年1月25日（逾期）") == 16
    assert "2026年1月30日（逾期）" not in items and "2026年3月1日（逾期）" not in items
    # a day later than the last deadline: every one of them has passed
    late = _letters(trail, trail["fixed"], out, "--unit", "D22", "--html",
                    "--date", "2026-03-02")  # fmt: skip
    assert late.exit_code == 0, late.output
    page = (out / "D22_市体育局_反馈意见书.html").read_text(encoding="utf-8")
    items = _section(page, "四、待整改事项", "五、适用的考评规则")
    assert "各项整改期限早于本意见书发文日期（2026年3月2日）" in items
    assert items.count("（逾期）") == 36  # both deadlines of all 18 items
    # the differences from the group median: 行政效率 42.49 − 77.34 (by hand)
    dims = _section(page, "二、一级指标与同组比较", "三、年度预警情况")
    assert "行政效率 42.49 77.34 −34.85" in dims, dims
    assert not re.search(r"(?<![\d.])-\d", dims)  # no hyphen-minus left


def test_the_annual_score_has_one_name_in_the_report(trail):
    """The grades workbook, the letters and the dashboard call the annual score
    最终得分 / Final score; the committee report called it 总分 / Score: its grade
    table, each unit page's key line and the notes now say it as they do."""
    with Publication(trail["path"]) as s:
        zh = R.from_store(s, trail["fixed"], lang="zh", units=["X09"])
        en = R.from_store(s, trail["fixed"], lang="en", units=["X09"])
    zh, en = htmllib.unescape(zh), htmllib.unescape(en)
    assert "总分" not in zh
    assert "名次在各考评组内按最终得分（保留两位小数）排列" in zh
    assert "最终得分＝加权合成得分－扣分＋加分（0～100分）" in zh
    assert re.search(r"最终得分[:：]\s*93\.30", re.sub(r"<[^>]+>", "", zh))
    assert "by the final score at 2 decimals" in en
    assert "final score = combined − deductions + bonus (0–100)" in en
    assert re.search(r"Final score[:：]\s*93\.30", re.sub(r"<[^>]+>", "", en))
    assert not re.search(r">\s*Score\s*<", en)  # no header called Score alone
