"""The committee report renders to PDF in Chinese and English, read page by page as a
member of the appraisal committee reads it (the pages were looked at as images during
development; here their text is checked page by page). Expected values come from the
inputs or from pandas and scipy, never from the report's own code."""

from __future__ import annotations

import html as htmllib
import re
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pypdfium2 as pdfium
import pytest
from scipy.stats import rankdata
from typer.testing import CliRunner

import evaluation as ev
from evaluation import appraisal as A
from evaluation.analysis import uncertainty as U
from evaluation.catalogue import parse_catalogue
from evaluation.cli import app
from evaluation.publish import report as R
from evaluation.publish.publication import Publication
from evaluation.risk.quality import CHECKS

from ..conftest import ROOT, half_up

RELEASED_ON = date(2026, 1, 20)  # the 公示 opens that day, for 7 calendar days


@pytest.fixture(scope="module")
def appraised(catalogue):
    """The annual run (every indicator rolled up over 2025) and its appraisal."""
    result = ev.run(catalogue, ev.load_dataset(ROOT / "data" / "sample"), period="2025")
    config = A.load_config(ROOT / "appraisal.yaml")
    inputs = A.load_inputs(ROOT / "data" / "sample" / "appraisal")
    return result, config, inputs, A.appraise(config, result, inputs)


@pytest.fixture(scope="module")
def store(tmp_path_factory, appraised):
    """An annual run alone, a draft: no uncertainty spec anywhere in the store."""
    result, _, _, ap = appraised
    path = tmp_path_factory.mktemp("store") / "store.duckdb"
    with Publication(path) as s:
        run = s.add_run(result, ap, by="analyst")
    return path, run


@pytest.fixture(scope="module")
def store_with_intervals(tmp_path_factory, appraised):
    """A published run of 2025 storing an uncertainty analysis whose draws leave
    every choice as published (weight noise 0), then the annual run, released on
    20 January 2026 (under 公示)."""
    result, _, _, ap = appraised
    path = tmp_path_factory.mktemp("store") / "store.duckdb"
    with Publication(path) as s:
        spec = U.Spec(n=40, weight_noise=0.0)
        period = s.add_run(result, by="analyst", uncertainty=U.run(result, spec))
        s.publish(period, by="主任")
        run = s.add_run(result, ap, by="analyst")
        s.publish(run, by="主任", today=RELEASED_ON)
    return path, run, period


def pages(pdf_path) -> list[str]:
    pdf = pdfium.PdfDocument(str(pdf_path))
    out = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    for i in range(len(pdf)):  # the pages as images, for a person to look at
        pdf[i].render(scale=1).to_pil().save(pdf_path.with_suffix(f".p{i + 1}.png"))
    return out


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _two(x: float) -> str:
    """Two decimals, rounded half up, by Decimal (as officials round)."""
    return str(half_up(x))


def _rows(page: str) -> dict[str, list[str]]:
    """The grade tables' rows: unit → cell texts, in the order printed."""
    out = {}
    for unit, body in re.findall(r'<tr data-unit="([^"]+)">(.*?)</tr>', page, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)
        out[unit] = [htmllib.unescape(c).strip() for c in cells]
    return out


def _dim_cells(page: str, unit: str) -> list[str]:
    """The level-1 dimension cells of a unit's row in the grade table."""
    body = re.search(rf'<tr data-unit="{unit}">(.*?)</tr>', page, re.S).group(1)
    return re.findall(r'<td class="num dim">(.*?)</td>', body)


def _section(page: str, id_: str) -> str:
    start = page.index(f'id="{id_}"')
    return page[start : page.index("</section>", start)]


def _groups_of_units(config, units: pd.DataFrame) -> pd.Series:
    """Each unit's appraisal group, read from the config by hand."""
    of = {p: g.id for g in config.groups for p in g.peer_groups}
    return units.set_index("unit_id")["peer_group"].map(of)


def _rank_by_score(grades) -> dict[str, int]:
    """Independent of the report: scipy ranks the stored score at 2 decimals within
    each appraisal group (the appraisal ranks 市直部门 and 县（市）区政府 apart)."""
    out = {}
    for _, g in grades.groupby("group"):
        ranks = rankdata(-g["score"].round(2), method="min")
        out.update(zip(g["unit_id"], ranks.astype(int), strict=True))
    return out


# ------------------------------------------------------------------ the CLI
@pytest.mark.parametrize(
    "lang, words",
    [
        (
            "zh",
            [
                "年度绩效考评结果报告",
                "考评等次",
                "各考评组等次分布",
                "考评规则及依据",
                "不合格",
                "排名区间（5%–95%）：无",  # no uncertainty spec in this store
                "状态：草稿",
            ],
        ),
        (
            "en",
            [
                "committee report",
                "Grades by appraisal group",
                "Rules and their sources",
                "fail",
                "Rank range (5–95%): not available",
                "status: draft",
            ],
        ),
    ],
)
def test_the_report_renders_with_one_page_per_department(store, tmp_path, lang, words):
    path, run = store
    runner = CliRunner()
    out = tmp_path / f"report_{lang}.pdf"
    args = ["report", run, "--store", str(path), "--lang", lang, "--out", str(out)]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1 and "draft" in refused.output  # drafts need a name
    done = runner.invoke(
        app, [*args, "--viewer", "秘书长", "--unit", "X03", "--unit", "D22",
              "--html", str(tmp_path / "r.html")],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    text = pages(out)
    whole = "\n".join(text)
    for w in words:
        assert w in _flat(whole) or w in whole, w
    # a page each, group by group (D22 of 市直部门 before X03), whatever the order asked
    starts = [i for i, t in enumerate(text) if "D22 ·" in t or "X03 ·" in t]
    assert (
        len(starts) == 2 and "D22 ·" in text[starts[0]] and starts[1] == starts[0] + 1
    )
    assert ("一票否决" if lang == "zh" else "veto") in text[starts[0]]
    # then the annex of individual proposals, and the sign-off block last
    annex = "个人年度考核建议" if lang == "zh" else "individual annual-assessment"
    assert annex in text[starts[1] + 1]
    assert ("考评委员会审定意见" if lang == "zh" else "Decision of the appraisal") in (
        text[-1]
    )
    with Publication(path) as s:
        assert "秘书长" in set(s.access_log()["viewer"])


# ------------------------------------------------- what a committee member checks
@pytest.fixture(scope="module")
def committee(store_with_intervals, appraised, tmp_path_factory):
    """The zh report of the released run, with four department pages asked for in
    no particular order: the best of the first group, a unit reporting 100 % every
    period, a unit with a person proposed 不称职, a district."""
    path, run, _ = store_with_intervals
    result, config, _, ap = appraised
    g = ap.grades
    first = config.groups[0].id
    best = g.loc[g.loc[g["group"] == first, "score"].idxmax(), "unit_id"]
    flags = result.flags
    perfect = flags[
        (flags["check"] == "perfect") & flags["period"].str.startswith("2025")
    ]
    flagged = sorted(perfect["unit_id"].unique())[0]
    persons = ap.persons
    incompetent = sorted(persons.loc[persons["proposed"] == "incompetent", "unit_id"])[
        0
    ]
    asked = ["X03", incompetent, flagged, best]
    with Publication(path) as s:
        page = R.from_store(s, run, lang="zh", units=asked)
    out = tmp_path_factory.mktemp("committee") / "report_zh.pdf"
    R.write_pdf(page, out)
    return {
        "html": page,
        "pages": pages(out),
        "best": best,
        "flagged": flagged,
        "incompetent": incompetent,
        "run": run,
    }


def test_the_first_department_page_is_the_best_of_the_first_group(committee, appraised):
    result, config, _, ap = appraised
    text, best = committee["pages"], committee["best"]
    name = result.units.set_index("unit_id").at[best, "name_zh"]
    first_page = next(t for t in text if re.search(r"D\d\d · |X\d\d · ", t))
    assert f"{name} {best} ·" in first_page.replace("\r\n", " ")
    n_first = int((_groups_of_units(config, result.units) == config.groups[0].id).sum())
    assert f"{config.groups[0].name_zh}第1名（共{n_first}个）" in _flat(first_page)
    # the department pages follow the groups and the scores, not the unit ids
    pages_order = [u for t in text for u in re.findall(r"\b([DX]\d\d) · ", t)[:1]]
    want = [u for u in ap.grades["unit_id"] if u in pages_order]
    assert pages_order == want and pages_order[-1] == "X03"


def test_each_group_has_its_own_table_sorted_by_score(committee, appraised):
    result, config, _, ap = appraised
    page = committee["html"]
    groups = _groups_of_units(config, result.units)
    score = ap.grades.set_index("unit_id")["score"]
    for g in config.groups:
        n = int((groups == g.id).sum())
        assert f"{g.name_zh}（{n}个单位）" in page
        table = page[page.index(f'data-group="{g.id}"') :]
        table = table[: table.index("</table>")]
        rows = _rows(table)
        assert set(rows) == set(groups[groups == g.id].index)  # this group's units
        shown = [score[u] for u in rows]
        assert shown == sorted(shown, reverse=True), g.id  # best first
        ranks = [int(c[0]) for c in rows.values()]
        want = _rank_by_score(ap.grades)
        assert ranks == [want[u] for u in rows]
    # the distribution per appraisal group, counted by hand from the final grades
    counts = ap.grades.assign(g=groups.reindex(ap.grades["unit_id"]).to_numpy())
    dist = pd.crosstab(counts["g"], counts["final_grade"])
    for g in config.groups:
        row = dist.loc[g.id].reindex(list(A.GRADES), fill_value=0)
        cells = "".join(f"<td>{int(v)}</td>" for v in row)
        assert f"<td>{g.name_zh}</td><td>{int(row.sum())}</td>{cells}" in page


def test_bonus_and_every_dimension_are_in_the_grade_table(committee, appraised):
    result, config, _, _ = appraised
    rows = _rows(committee["html"])
    # D09: a national award, 2 points (appraisal.yaml: national_award 2, cap 3); the
    # fault deductions are counted in the indicator fault_findings, so none here
    d09 = rows["D09"]
    assert d09[5:7] == ["0.00", "2.00"]  # 扣分, 加分
    # each level-1 dimension's year-end score, straight from the annual run's scores
    s = result.scores
    dims = result.catalogue.top_dimensions()
    mine = s[(s["period"] == "2025") & (s["unit_id"] == "D09")].set_index("node_id")
    want = [_two(mine.at[d, "score"]) for d in dims]
    assert _dim_cells(committee["html"], "D09") == want


def test_a_department_page_shows_its_dimensions_against_the_group_median(
    committee, appraised
):
    result, config, _, _ = appraised
    best = committee["best"]
    section = _section(committee["html"], f"unit-{best}")
    s = result.scores[result.scores["period"] == "2025"]
    groups = _groups_of_units(config, result.units)
    mates = groups[groups == groups[best]].index
    for d in result.catalogue.top_dimensions():
        x = s[s["node_id"] == d].set_index("unit_id")["score"]
        mine, median = _two(x[best]), _two(float(np.median(x[mates])))
        name = result.catalogue.name(d, "zh")
        # the difference of the two figures as shown (78.57 − 75.05 is +3.52,
        # whatever the unrounded difference)
        gap = Decimal(mine) - Decimal(median)
        diff = ("+" if gap >= 0 else "−") + str(abs(gap))
        cells = (
            f'<td>{name}</td><td class="num">{mine}</td><td class="num">{median}</td>'
            f'<td class="num">{diff}</td>'
        )
        assert cells in section, d


def test_a_flagged_unit_shows_its_flags_on_its_page(committee, appraised):
    result = appraised[0]
    unit = committee["flagged"]
    flags = result.flags
    mine = flags[(flags["unit_id"] == unit) & flags["period"].str.startswith("2025")]
    perfect = mine[mine["check"] == "perfect"]
    page = next(t for t in committee["pages"] if f"{unit} ·" in t)
    flat = _flat(page)
    assert f"数据质量核查提示（2025年，{len(mine)}条）" in flat
    assert "连续满分" in flat and _flat(perfect["reason_zh"].iloc[0]) in flat
    # and the grade table marks it: how many, and that 100 % every period is one
    row = _rows(committee["html"])[unit]
    assert row[-1].startswith(f"{len(mine)}：") and "连续满分" in row[-1]
    # a unit without a flag this year says so
    clean = sorted(set(result.units["unit_id"]) - set(flags.loc[
        flags["period"].str.startswith("2025"), "unit_id"]))  # fmt: skip
    assert clean and _rows(committee["html"])[clean[0]][-1] == ""


def test_every_source_in_the_rules_section_cites_a_policy_document(
    committee, appraised
):
    _, config, _, _ = appraised
    section = _section(committee["html"], "rules")
    sources = [
        htmllib.unescape(x)
        for x in re.findall(r'<td class="source">(.*?)</td>', section, re.S)
    ]
    assert len(sources) == len(config.rules)  # every rule of appraisal.yaml
    # a document number (辽市政发〔2007〕48号) or, for the seed that has none (株洲),
    # the document's title in 《》, and always the article
    for src in sources:
        numbered = "〔" in src and "号" in src
        titled = src.startswith("《") and "》" in src
        assert numbered or titled, src
        assert "第" in src and ("项" in src or "部分" in src), src
    assert any("辽市政发〔2007〕48号" in s for s in sources)


def test_the_rules_section_names_each_rule_for_its_reader(committee, appraised):
    _, config, _, _ = appraised
    section = _section(committee["html"], "rules")
    headings = re.findall(r"<h[1-4][^>]*>(.*?)</h[1-4]>", committee["html"], re.S)
    for rule in config.rules:
        assert not any(rule.id in h for h in headings), rule.id
        assert f">{rule.name_zh}<" in section  # the reader's name
        if rule.source.quote_zh:  # a quotation inside it in ‘’ (GB/T 15834)
            inner = rule.source.quote_zh.replace("“", "‘").replace("”", "’")
            assert f"“{inner}”" in htmllib.unescape(section)
    who = {"unit": "单位", "person": "个人"}
    for rule in config.rules:
        row = re.search(rf'<tr data-rule="{rule.id}">(.*?)</tr>', section, re.S)
        assert f"<td>{who[rule.applies_to]}</td>" in row.group(1), rule.id


def test_a_person_rule_never_changes_a_departments_grade(
    committee, appraised, tmp_path
):
    result, config, inputs, ap = appraised
    unit = committee["incompetent"]
    # the same appraisal without any person rule: every department's row the same
    units_only = config.model_copy(
        update={"rules": tuple(r for r in config.rules if r.applies_to == "unit")}
    )
    without = A.appraise(units_only, result, inputs)
    tables = {
        "grades": without.grades, "rules_applied": without.rules_applied,
        "survey": without.survey, "rules": without.rules, "persons": without.persons,
    }  # fmt: skip
    other = R.render_html(result, tables, config=units_only, units=[])

    def graded(rows):  # rank, name, parts, score … by score, rules, override, final
        return {u: c[:8] + c[-5:] for u, c in rows.items()}

    assert graded(_rows(committee["html"])) == graded(_rows(other))
    assert "本年度没有个人规则适用的人员" in other
    # the person proposed 不称职 is in the annex only, never on the unit's page
    person = (
        ap.persons.loc[ap.persons["proposed"] == "incompetent"]
        .query("unit_id == @unit")["person_id"]
        .iloc[0]
    )
    annex = _section(committee["html"], "persons")
    assert "个人年度考核建议（供组织人事部门参考，不计入单位等次）" in annex
    assert person in annex and "不称职" in annex
    page = _section(committee["html"], f"unit-{unit}")
    assert person not in page and "不称职" not in page and "称职" not in page


def test_the_sign_off_block_closes_the_report(committee):
    last = committee["pages"][-1]
    flat = _flat(last)
    for w in ("考评委员会审定意见", "主任委员（签字）：", "委员（签字）：", "日期：",
              "考评委员会（盖章）", f"版本：{committee['run']}", "状态：公示中",
              "公示期：2026年1月20日至2026年1月26日"):  # fmt: skip
        assert _flat(w) in flat, w
    assert "年月日" in flat  # the blank date line, 年 月 日 with space to write
    assert re.search(r"生成时间：\d{4}年\d{1,2}月\d{1,2}日\d\d:\d\d（北京时间", flat)


# ------------------------------------------------------------- rank ranges
@pytest.mark.parametrize(
    "lang, header, draws",
    [
        ("zh", "排名区间（5%–95%）", "40次抽样"),
        ("en", "Rank range (5–95%)", "40 draws"),
    ],
)
def test_the_report_shows_each_departments_rank_range(
    store_with_intervals, tmp_path, lang, header, draws
):
    path, run, period = store_with_intervals
    with Publication(path) as s:
        grades = s.table(run, "grades")
        assert s.manifest(period)["params"]["uncertainty"]["n"] == 40
    rank = _rank_by_score(grades)
    # draws without noise leave every rank where the stored score puts it
    # in the Chinese report's full-width brackets: 1（1–1）
    form = "{r}（{r}–{r}）" if lang == "zh" else "{r} ({r}–{r})"
    expected = {u: form.format(r=r) for u, r in rank.items()}
    out, html = tmp_path / f"r_{lang}.pdf", tmp_path / f"r_{lang}.html"
    done = CliRunner().invoke(
        app,
        ["report", run, "--store", str(path), "--lang", lang, "--out", str(out),
         "--html", str(html), "--unit", "D30", "--unit", "X03"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    page = html.read_text(encoding="utf-8")
    assert f">{header}</th>" in page
    for unit in ("D30", "X03", "D07"):
        assert f'<td class="num nw">{expected[unit]}</td>' in page, unit
    # the best district, first of its own group
    assert expected["X03"] == ("1（1–1）" if lang == "zh" else "1 (1–1)")
    assert period in page and "2025" in page  # where the spec comes from
    text = pages(out)
    heading = "排名区间\r\n" if lang == "zh" else "Rank ranges\r\n"
    fig = [i for i, t in enumerate(text) if t.startswith(heading)]  # its own page
    assert len(fig) == 1 and period in text[fig[0]].replace("\r\n", " ")
    grade_pages = "\n".join(text[1 : fig[0]])
    assert _flat(header) in _flat(grade_pages)  # the header wraps in its cell
    assert all(expected[u] in grade_pages for u in ("D30", "X03", "D07"))
    d30 = next(t for t in text if "D30 ·" in t)
    x03 = next(t for t in text if "X03 ·" in t)
    assert f"{expected['D30']}" in d30 and draws in d30
    assert f"{expected['X03']}" in x03


def test_final_rank_intervals_follow_the_appraisal_of_a_reweighted_catalogue(
    appraised, catalogue
):
    """One draw's ranks equal a full re-run: the catalogue with those level-1
    weights, scored by the pipeline and appraised (independent of the draw code)."""
    result, config, inputs, ap = appraised
    spec = U.Spec(n=1)
    draws = U.draw_table(result, spec)
    dims = [c for c in draws if c.startswith("w:")]
    mult = dict(zip(dims, [1.25, 0.75, 1.2, 0.8, 1.1], strict=True))
    for c, m in mult.items():
        draws[c] = m
    got = R.final_rank_intervals(result, ap.grades, config, spec, draws=draws)

    raw = catalogue.model_dump(mode="json")
    level1 = [d for d in raw["dimensions"] if not d.get("parent")]
    assert {f"w:{d['id']}" for d in level1} == set(dims)
    total = sum(d["weight"] * mult[f"w:{d['id']}"] for d in level1)
    for d in level1:  # sum to one, as the catalogue requires
        d["weight"] = d["weight"] * mult[f"w:{d['id']}"] / total
    again = ev.run(
        parse_catalogue(raw, file="reweighted"),
        ev.load_dataset(ROOT / "data" / "sample"),
        period="2025",
    )
    grades = A.appraise(config, again, inputs).grades
    want = _rank_by_score(grades)
    assert [want[u] for u in got["unit_id"]] == got["rank_q05"].astype(int).tolist()
    assert got["rank_q95"].equals(got["rank_q05"])
    assert np.allclose(got["score_q05"], grades.set_index("unit_id").loc[
        got["unit_id"], "score"].to_numpy())  # fmt: skip
    assert got["nominal_rank"].tolist() == [
        _rank_by_score(ap.grades)[u] for u in got["unit_id"]
    ]
    assert got["rank_q05"].tolist() != got["nominal_rank"].tolist()  # it did move


def test_a_rank_range_ranks_the_score_as_published(appraised):
    """Two units of one list, 90.13 and a score computed as 90.12499999999999: both
    are published 90.13 (half up, as the grades take it), so they share 1st place;
    np.round (half to even on the float) made the second 90.12 and 2nd."""
    result, config, _, ap = appraised
    two = ap.grades[ap.grades["group"] == ap.grades["group"].iloc[0]].head(2).copy()
    two["score"] = [90.13, 90.12499999999999]
    got = R.final_rank_intervals(result, two, config, U.Spec(n=1))
    assert got["nominal_rank"].tolist() == [1, 1]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_interval_note_names_weight_sets_when_the_draws_used_them(lang):
    """Rank ranges from draws over supplied weight sets say so, not "level-1
    weights ±25 %" (the perturbation they replaced)."""
    t = R.texts(lang)
    intervals = pd.DataFrame({"unit_id": ["U1"]})
    intervals.attrs["shares"] = (0.6, 0.3, 0.1)
    intervals.attrs["spec"] = {
        **U.Spec(n=10).__dict__,
        "weight_sets": ({"a": 1.0}, {"a": 2.0}, {"a": 3.0}),
    }
    intervals.attrs["source"] = "period-2025-1.v1"
    note = R._interval_note(intervals, t, "2025")
    want = {"zh": "权重取3套备选方案之一", "en": "weights drawn from 3 alternative"}
    assert want[lang] in note
    assert "±" not in note
    intervals.attrs["spec"]["weight_sets"] = ()
    perturbed = R._interval_note(intervals, t, "2025")
    assert "±25%" in perturbed
    # the level perturbed, as the catalogue's readers count levels
    level = {"zh": "一级指标权重±25%", "en": "level-1 weights ±25%"}
    assert level[lang] in perturbed


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_interval_note_writes_shares_and_weight_noise_exactly(lang):
    """Shares of 考、评、议 of 50%, 37.5% and 12.5% and a weight noise of 12.5%: the
    note under the grade table writes them so, as the table's header does (``.0%``
    wrote 38%, 12% and ±12%)."""
    t = R.texts(lang)
    intervals = pd.DataFrame({"unit_id": ["U1"]})
    intervals.attrs["shares"] = (0.5, 0.375, 0.125)
    intervals.attrs["spec"] = dict(U.Spec(n=10, weight_noise=0.125).__dict__)
    intervals.attrs["source"] = "period-2025-1.v1"
    note = R._interval_note(intervals, t, "2025")
    want = {
        "zh": ("一级指标权重±12.5%", "按本次考评的权重（考50%、评37.5%、议12.5%）合成"),
        "en": (
            "level-1 weights ±12.5%",
            "by this appraisal's shares (periods 50%, review 37.5%, survey 12.5%)",
        ),
    }
    for text in want[lang]:
        assert text in note


def test_the_years_flags_are_those_whose_window_reaches_into_it():
    """A series frozen from October 2024 to February 2025 is among 2025's flags (and
    2024's); a jump of March 2024 is 2024's only; a check over a unit's whole history
    counts every year; the rows come in the order of the checks."""
    flags = pd.DataFrame(
        [
            ("jump/U3/a2/2024-M03", "jump", "U3", "2024-M03", "2024-M03", "a2", None),
            ("stable/U2/b1/2024-M10", "stable", "U2", "2025-M02", "2024-M10", "b1",
             None),
            ("missing/U1/office/2025-M06", "missing", "U1", "2025-M06", "2025-M06",
             None, "office"),
            ("digits/U4/-", "digits", "U4", "2025-M12", "2025-M12", None, None),
        ],
        columns=["flag_id", "check", "unit_id", "period", "since", "indicator_id",
                 "agency"],
    ).assign(reason_zh="原因", reason_en="reason")  # fmt: skip
    order = {c: i for i, c in enumerate(CHECKS)}

    def by_check(ids):
        return sorted(ids, key=lambda f: order[f.split("/")[0]])

    got = R._year_flags(flags, "2025")["flag_id"].tolist()
    assert got == by_check(
        ["stable/U2/b1/2024-M10", "missing/U1/office/2025-M06", "digits/U4/-"]
    )
    got = R._year_flags(flags, "2024")["flag_id"].tolist()
    assert got == by_check(
        ["jump/U3/a2/2024-M03", "stable/U2/b1/2024-M10", "digits/U4/-"]
    )
    empty = R._year_flags(flags.iloc[:0], "2025")
    assert empty.empty and {"since", "agency"} <= set(empty.columns)


# ------------------------------------------------- what a unit's page leaves out
@pytest.fixture(scope="module")
def vetoed_page(store):
    """D22's page of the draft run (vetoed for a major safety accident, vetoes.csv)."""
    path, run = store
    with Publication(path) as s:
        page = R.from_store(s, run, lang="zh", units=["D22"], viewer="秘书长")
    return _section(page, "unit-D22")


def test_a_units_page_says_how_many_warnings_it_leaves_out_and_keeps_the_vetos_event(
    vetoed_page, appraised
):
    result = appraised[0]
    w = result.warnings
    mine = w[(w["unit_id"] == "D22") & w["period"].astype(str).str.startswith("2025")]
    serious = mine[mine["level"].isin(["red", "orange"])]
    shown = re.findall(r'<td class="level-(?:red|orange)"', vetoed_page)
    assert len(serious) > len(shown) > 0
    assert f"另有{len(serious) - len(shown)}条红色、橙色预警未列出" in vetoed_page
    # the event behind the veto (events.csv: D22, 2025-M08) is among those shown
    event = serious[serious["node_id"] == "major_safety_accident"]
    assert len(event) == 1
    assert htmllib.escape(event["reason_zh"].iloc[0]) in vetoed_page


@pytest.mark.parametrize(
    ("left", "said"),
    [
        (1, "1 more red or orange warning not listed: see the 2025 warnings table"),
        (2, "2 more red and orange warnings not listed: see the 2025 warnings table"),
    ],
)
def test_one_warning_left_out_of_a_units_page_is_said_as_one(
    store, monkeypatch, left, said
):
    """A unit's English page leaving out one red or orange warning says "1 more red
    or orange warning" (it said "1 more red and orange warnings"); two, "2 more
    red and orange warnings". The count of those left out is set, the page real."""
    count = R._serious_warnings
    monkeypatch.setattr(R, "_serious_warnings", lambda *a: (*count(*a)[:2], left))
    path, run = store
    with Publication(path) as s:
        page = R.from_store(s, run, lang="en", units=["D22"], viewer="秘书长")
    assert said in htmllib.unescape(_section(page, "unit-D22"))


def test_a_units_page_shows_the_committees_approval_of_its_veto(vetoed_page):
    v = pd.read_csv(ROOT / "data" / "sample" / "appraisal" / "vetoes.csv",
                    encoding="utf-8-sig", dtype=str)  # fmt: skip
    d22 = v[v["unit_id"] == "D22"].iloc[0]
    y, m, d = (int(x) for x in d22["approved_on"].split("-"))
    rules = re.search(r'<p class="rules-applied">(.*?)</p>', vetoed_page, re.S)
    text = htmllib.unescape(rules.group(1))
    assert f"批准：{d22['approved_by']}，{y}年{m}月{d}日，{d22['reference']}" in text, (
        text
    )


def test_every_unit_page_quoting_a_peer_warning_says_what_a_typical_gap_is(
    store, vetoed_page
):
    """D22's page lists its red warning on the composite by the sample's peer rule
    (robust z within peer groups, indicators.yaml: 约为同类典型差距…倍), and D04's
    its one orange warning, by the same rule; D13's lists red warnings, none a
    peer one. Each page is printed and handed to its unit alone: D22's and D04's
    each say under their warnings what a typical gap is, in the peers' words
    (Chinese and English), whichever comes first; D13's says nothing of it."""
    zh = (
        "注：典型差距指同类各单位与同类单位中位数之差（取绝对值）的中位数。"
        "同类比较预警的阈值和原因按落后同类单位中位数多少个典型差距表述。"
    )
    en = (
        "Note: a typical gap is the median of the peers' distances from the peer "
        "median (absolute differences). A peer warning's limit and reason say how "
        "many typical gaps a unit is behind the peer median."
    )
    assert "约为同类典型差距" in vetoed_page and vetoed_page.count(zh) == 1
    # a footnote under the reasons it explains
    assert vetoed_page.index('<table class="warnings">') < vetoed_page.index(zh)
    path, run = store
    units = ["D22", "D04", "D13"]
    with Publication(path) as s:
        pages = {
            lang: htmllib.unescape(
                R.from_store(s, run, lang=lang, units=units, viewer="秘书长")
            )
            for lang in ("zh", "en")
        }
    for lang, note in (("zh", zh), ("en", en)):
        page = pages[lang]
        assert page.count(note) == 2, lang  # one a page, on the two pages
        for unit in ("D22", "D04"):
            own = _section(page, f"unit-{unit}")
            assert own.count(note) == 1, (lang, unit)
            assert own.index('<table class="warnings">') < own.index(note)
        assert note not in _section(page, "unit-D13"), lang
    assert "红色" in _section(pages["zh"], "unit-D13")
    assert "典型差距" not in _section(pages["zh"], "unit-D13")


def test_the_warning_behind_a_veto_is_listed_whatever_its_place():
    """Seven red warnings, then the event a veto rests on: the page lists four red
    ones and the event (five), and says three red and orange ones are left out; a
    unit without a veto gets the first five, and three left out too, by hand."""
    w = pd.DataFrame(
        {
            "period": ["2025"] * 8,
            "unit_id": ["U1"] * 8,
            "node_id": [f"i{i}" for i in range(7)] + ["major_safety_accident"],
            "rule": ["threshold"] * 7 + ["event"],
            "level": ["red"] * 7 + ["orange"],
        }
    )
    veto = pd.DataFrame(
        {"rule_id": ["safety_and_integrity_veto"], "effect": ["fail (veto)"]}
    )
    vetoes = {"safety_and_integrity_veto": {"major_safety_accident"}}
    shown, behind, left = R._serious_warnings(w, veto, vetoes)
    assert shown["node_id"].tolist() == [
        "i0",
        "i1",
        "i2",
        "i3",
        "major_safety_accident",
    ]
    assert behind == {7} and left == 3
    shown, behind, left = R._serious_warnings(w, veto.iloc[:0], vetoes)
    assert shown["node_id"].tolist() == ["i0", "i1", "i2", "i3", "i4"]
    assert behind == set() and left == 3
    # a veto the committee declined (不予否决) rests on nothing: no event is pinned
    declined = veto.assign(effect="no veto (declined)")
    shown, behind, left = R._serious_warnings(w, declined, vetoes)
    assert shown["node_id"].tolist() == ["i0", "i1", "i2", "i3", "i4"]
    assert behind == set()


def test_a_report_whose_pdf_fails_leaves_no_html(store, tmp_path, monkeypatch):
    """``report --html``: a PDF that cannot be written (a full disk, simulated) is
    said, and leaves neither file, nor an earlier HTML changed: the HTML alone
    would be taken for the report that was asked for."""
    import errno

    path, run = store
    earlier = tmp_path / "report.html"
    earlier.write_text("earlier", encoding="utf-8")

    def write_pdf(page, target, progress=None):
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(R, "write_pdf", write_pdf)
    done = CliRunner().invoke(
        app,
        ["report", run, "--store", str(path), "--out", str(tmp_path / "report.pdf"),
         "--html", str(earlier), "--viewer", "评估办"],
    )  # fmt: skip
    assert done.exit_code == 1, done.output
    assert "磁盘空间不足" in done.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]
    assert earlier.read_text(encoding="utf-8") == "earlier"


def test_a_quota_share_not_a_whole_percent_is_written_exactly(appraised):
    """A quota of 12.5 %: the report's rule line and each quota reason write it as
    12.5%, not 12% (13 units × 12% is not the places given), and the rule line's
    example is worked with it: 13 × 0.125 = 1.625, rounded half up to 2 (by hand)."""
    result, config, inputs, _ = appraised
    grades = config.grades.model_copy(
        update={"quota": config.grades.quota.model_copy(update={"share": 0.125})}
    )
    eighth = config.model_copy(update={"grades": grades})
    ap = A.appraise(eighth, result, inputs)
    tables = {
        "grades": ap.grades, "rules_applied": ap.rules_applied, "survey": ap.survey,
        "rules": ap.rules, "persons": ap.persons,
    }  # fmt: skip
    html = _flat(R.render_html(result, tables, config=eighth, units=[]))
    assert "优秀名额为本组单位数的12.5%，四舍五入取整（如13个单位为2个）" in html
    english = _flat(R.render_html(result, tables, config=eighth, units=[], lang="en"))
    assert _flat("Quota for excellent: 12.5% of each appraisal group") in english
    assert _flat("(13 units: 2)") in english
    cut = ap.rules_applied.query("rule_id == 'quota'")
    assert len(cut) and cut["reason_zh"].str.contains(r"个单位×12\.5%，").all()
    assert cut["reason_en"].str.contains(r" units × 12\.5%, ").all()


def _rule_words(page: str) -> tuple[dict[str, str], list[str]]:
    """The rules tables' last cell (适用于) by rule id, and the grade rules' lines."""
    rows = re.findall(r'<tr data-rule="([^"]+)">(.*?)</tr>', page, re.S)
    cells = {r: re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)[-1] for r, body in rows}
    lines = re.search(r'<div class="rules-lines">(.*?)</div>', page, re.S).group(1)
    said = [htmllib.unescape(x) for x in re.findall(r"<p>(.*?)</p>", lines, re.S)]
    return {r: htmllib.unescape(c).strip() for r, c in cells.items()}, said


@pytest.mark.parametrize("n", [1, 2])
def test_the_rules_count_units_and_persons_in_the_singular_and_plural(appraised, n):
    """The rules' 适用于 column and the lines of the quota and the overrides count
    ``n`` units or persons: English 1 unit, 2 units, 1 person, 2 persons, not
    unit(s); Chinese alike. Every rule made to touch ``n``, and the quota's and the
    overrides' rows given for the first ``n`` units (the sample's 20% quota: 13
    units × 20% = 2.6, 3 places, by hand); the quota per group, then overall."""
    result, config, _, ap = appraised
    first = ap.grades["unit_id"].tolist()[:n]
    row = ap.rules_applied.query("rule_id == 'quota'").iloc[:1]
    made = [
        row.assign(unit_id=u, rule_id=r) for r in ("quota", "override") for u in first
    ]
    applied = pd.concat(
        [ap.rules_applied.query("rule_id != 'quota'"), *made], ignore_index=True
    )
    tables = {
        "grades": ap.grades, "rules_applied": applied, "survey": ap.survey,
        "rules": ap.rules.assign(affected=n), "persons": ap.persons,
    }  # fmt: skip
    units, persons = {1: ("1 unit", "1 person"), 2: ("2 units", "2 persons")}[n]
    page = R.render_html(result, tables, config=config, units=[])
    cells, lines = _rule_words(page)
    # the count is of the units a rule applied to, its grade changed or not: headed
    # 适用于, not 涉及 (read as "grades this rule changed")
    heads = re.findall(r"<thead><tr>(.*?)</tr></thead>", page, re.S)
    rule_head = [h for h in heads if "<th>原文</th>" in h][0]
    assert re.findall(r"<th>(.*?)</th>", rule_head)[-1] == "适用于"
    assert cells["bonus_points"] == f"{n}个单位"
    assert cells["person_three_general_faults"] == f"{n}人"
    assert lines[1].endswith(f"超出的按得分排序改为良好；本次涉及{n}个单位。")
    assert lines[2] == f"委员会调整：须载明理由和批准人；本次涉及{n}个单位。"
    html = R.render_html(result, tables, config=config, units=[], lang="en")
    cells, lines = _rule_words(html)
    assert cells["bonus_points"] == units
    assert cells["person_three_general_faults"] == persons
    assert lines[1:] == [
        "Quota for excellent: 20% of each appraisal group's units, rounded half up "
        f"to whole places (13 units: 3); the others become good by score; {units} "
        "this year.",
        f"Committee overrides, each with its reason and approver: {units} this year.",
    ]
    quota = config.grades.quota.model_copy(update={"per": "overall"})
    overall = config.model_copy(
        update={"grades": config.grades.model_copy(update={"quota": quota})}
    )
    for lang, start, end in (
        ("zh", "优秀名额：优秀名额为全部单位数的20%", f"本次涉及{n}个单位。"),
        ("en", "Quota for excellent: 20% of all units", f"; {units} this year."),
    ):
        html = R.render_html(result, tables, config=overall, units=[], lang=lang)
        _, lines = _rule_words(html)
        assert lines[1].startswith(start) and lines[1].endswith(end)


def test_a_part_share_not_a_whole_percent_is_written_exactly(appraised):
    """Shares of 考、评、议 of 50%, 37.5% and 12.5%: the grade table's header writes
    them so (``.0%`` would write 38% and 12%, which do not add up to 100%)."""
    result, config, inputs, _ = appraised
    shares = config.shares.model_copy(
        update={"periods": 0.5, "review": 0.375, "survey": 0.125}
    )
    eighths = config.model_copy(update={"shares": shares})
    ap = A.appraise(eighths, result, inputs)
    tables = {
        "grades": ap.grades, "rules_applied": ap.rules_applied, "survey": ap.survey,
        "rules": ap.rules, "persons": ap.persons,
    }  # fmt: skip
    html = _flat(R.render_html(result, tables, config=eighths, units=[]))
    assert "得分（考50%、评37.5%、议12.5%）" in html
    english = _flat(R.render_html(result, tables, config=eighths, units=[], lang="en"))
    assert _flat("Score (periods 50%, review 37.5%, survey 12.5%)") in english


def test_a_rules_original_words_quote_their_own_quotation_in_single_quotes():
    """The report puts a rule's original sentence in “”; a quotation inside it (the
    shipped veto rule's “不负责，就问责”) takes ‘’, as Chinese punctuation
    (GB/T 15834) nests them, not a second “” that closes the first."""
    quote = "形成“不负责，就问责”的约束机制"
    assert R.original_words(quote) == "“形成‘不负责，就问责’的约束机制”"
    plain = "严格责任追究，加大惩戒力度"
    assert R.original_words(plain) == f"“{plain}”"
    assert R.original_words("") == ""


def test_a_group_of_one_unit_is_headed_in_the_singular(appraised):
    """A group's heading counts its units: ``(1 unit)`` in English for a group of
    one, not ``(1 units)``; Chinese alike (1个单位). The sample's grades cut to the
    first unit of each appraisal group."""
    result, config, _, ap = appraised
    one = ap.grades.groupby("group", sort=False).head(1)
    tables = {
        "grades": one, "rules_applied": ap.rules_applied, "survey": ap.survey,
        "rules": ap.rules, "persons": ap.persons,
    }  # fmt: skip
    html = R.render_html(result, tables, config=config, units=[], lang="en")
    headings = re.findall(r"\((\d+ units?)\)", html)
    assert headings and set(headings) == {"1 unit"}, headings
    html = R.render_html(result, tables, config=config, units=[])
    assert "（1个单位）" in html
