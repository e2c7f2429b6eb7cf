"""Malformed appraisal inputs, each as a clerk or a config author makes it: the
command exits 1 with a problem table naming file, row, column, value and rule, and
nothing is stored."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

from evaluation.cli import app

from ..conftest import ROOT, without_lines

runner = CliRunner()
SAMPLE = ROOT / "data" / "sample"


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("annual")
    done = invoke(
        "score",
        SAMPLE,
        "--period",
        "2025",
        "--out",
        out,
        "--catalogue",
        ROOT / "indicators.yaml",
    )
    assert done.exit_code == 0, done.output
    return out / "result"


def edit_line(path, line, old, new):
    """Replace ``old`` by ``new`` on line ``line`` (1 = header) of a CSV file."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert old in lines[line - 1], lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")


def append(path, row):
    with path.open("a", encoding="utf-8") as f:
        f.write(row + "\n")


def _drop_line(path, line):
    """The file without line ``line`` (1 = header)."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    del lines[line - 1]
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")


def _overrides(folder, row):
    """The committee's overrides file with one decision ``unit_id,grade``."""
    header = "unit_id,grade,reason,approved_by,approved_on"
    text = f"{header}\n{row},考评委员会议定,考评委员会,2026-01-20\n"
    (folder / "overrides.csv").write_text(text, encoding="utf-8-sig")


def edit_yaml(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# (what a clerk did, how, the file, row and column and rule the table must name)
CASES = {
    "unknown severity": (
        lambda d, y: edit_line(d / "faults.csv", 2, "general", "slight"),
        "faults.csv 2 severity  slight  severity",
    ),
    "impossible date": (
        lambda d, y: edit_line(d / "faults.csv", 2, "2025-01-08", "2025-02-30"),
        "faults.csv 2 date  2025-02-30  date",
    ),
    "unknown unit in faults": (
        lambda d, y: edit_line(d / "faults.csv", 2, "D03,", "D99,"),
        "faults.csv 2 unit_id  D99  known_unit",
    ),
    "rater not in the roster": (
        lambda d, y: edit_line(d / "ballots.csv", 2, "LE001", "LE999"),
        "ballots.csv 2 rater_id  LE999  known_rater",
    ),
    "group contradicts the roster": (
        lambda d, y: edit_line(d / "ballots.csv", 2, "leaders", "deputies"),
        "ballots.csv 2 rater_group  deputies  roster_group",
    ),
    "full-width answer": (
        lambda d, y: edit_line(d / "ballots.csv", 2, "满意", "９０"),
        "ballots.csv 2 answer  ９０  answer",
    ),
    "duplicate ballot": (
        lambda d, y: append(d / "ballots.csv", "B99999,LE001,leaders,D01,满意"),
        "duplicate: a rater rates a unit once",
    ),
    "veto without who": (
        lambda d, y: edit_line(d / "vetoes.csv", 2, "市绩效考评委员会", ""),
        "vetoes.csv 2 approved_by    required",
    ),
    "bonus without approval": (
        lambda d, y: edit_line(d / "bonuses.csv", 2, "考评委〔2026〕2号", ""),
        "bonuses.csv 2 reference    required",
    ),
    "an override lifting a veto": (
        lambda d, y: _overrides(d, "D22,good"),
        "overrides.csv 2 grade  good  veto",
    ),
    "an override above a fault's cap": (  # D25: a fault, so at most good
        lambda d, y: _overrides(d, "D25,excellent"),
        # the rule by its words, the unit's faults it counted, the grade it allows
        "overrides.csv 2 grade  excellent  cap: this unit has 1 fault finding; the "
        "rule 'A unit with a fault finding is not eligible for excellent' allows it "
        "at most good",
    ),
    "an override beyond the quota": (  # X09 cut by the quota: 3 for 2 places
        lambda d, y: _overrides(d, "X09,excellent"),
        # the group's name lower case mid-sentence (a common noun)
        "overrides.csv 2 grade  excellent  quota: after the overrides district and "
        "county governments has 3 excellent units for 2 places",
    ),
    "a fault missing from the register": (  # D03's first of 3 reported findings
        lambda d, y: _drop_line(d / "faults.csv", 2),
        "faults.csv unit_id D03 counted_faults: 2 faults registered in 2025, the "
        "indicator fault_findings reports 3 for the periods it was reported",
    ),
    "non-numeric target": (
        lambda d, y: edit_line(d / "key_targets.csv", 2, "98.0", "九十八"),
        "key_targets.csv 2 achieved  九十八  numeric",
    ),
    "missing roster": (
        lambda d, y: (d / "raters.csv").unlink(),
        "raters.csv missing file",
    ),
    "missing appraisal folder": (
        lambda d, y: shutil.rmtree(d),
        "missing folder: appraisal inputs",
    ),
    "missing appraisal.yaml": (
        lambda d, y: y.unlink(),
        "appraisal.yaml has 1 problem",
    ),
    "veto rule naming an unknown event": (
        lambda d, y: edit_yaml(
            y, "events: [major_safety_accident,", "events: [earthquake,"
        ),
        "rules[4].events[0]: unknown event type",
    ),
    "YAML syntax": (
        lambda d, y: edit_yaml(y, "shares: {periods: 0.5,", "shares: {periods: 0.5"),
        "not valid YAML",
    ),
    "unknown key": (
        lambda d, y: edit_yaml(
            y, "  excellent: 90\n", "  excellent: 90\n  outstanding: 95\n"
        ),
        "grades.outstanding: Extra inputs are not permitted",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_malformed_input_exits_1_names_the_problem_and_stores_nothing(
    case, result, tmp_path
):
    folder = tmp_path / "appraisal"
    shutil.copytree(SAMPLE / "appraisal", folder)
    config = tmp_path / "appraisal.yaml"
    shutil.copy(ROOT / "appraisal.yaml", config)
    change, expected = CASES[case]
    change(folder, config)
    store = tmp_path / "store.duckdb"
    done = invoke(
        "publish",
        result,
        "--appraisal",
        folder,
        "--appraisal-config",
        config,
        "--store",
        store,
        "--by",
        "测试",
        "--release",
        "--lang",
        "en",
    )
    assert done.exit_code == 1, done.output
    said = without_lines(done.output)  # the words; a config's line: its own test
    assert " ".join(expected.split()) in " ".join(said.split())
    assert "Traceback" not in done.output
    assert not store.exists()  # refused before the store is opened


def test_a_clerks_slips_are_said_once_each_in_words_people_read(result, tmp_path):
    """An unknown unit, an answer off the scale, an unknown severity (the review's
    ap1): each rule one sentence, in both languages, the answers as written (no
    Python list), the severities from the least to the most severe."""
    folder = tmp_path / "appraisal"
    shutil.copytree(SAMPLE / "appraisal", folder)
    edit_line(folder / "ballots.csv", 2, ",满意", ",很满意")
    edit_line(folder / "ballots.csv", 4, ",D03,", ",D98,")
    edit_line(folder / "faults.csv", 2, ",general,", ",minor,")
    said = {}
    for lang in ("zh", "en"):
        done = invoke(
            "publish", result, "--appraisal", folder, "--store",
            tmp_path / "s.duckdb", "--by", "测试", "--lang", lang,
        )  # fmt: skip
        assert done.exit_code == 1, done.output
        said[lang] = " ".join(done.output.split())
    assert "ballots.csv：1处，单位代码不在单位名单（units.csv）中" in said["zh"]
    assert (
        "ballots.csv：1处，评议结果须为满意、基本满意、不满意、不了解之一，"
        "或0至100之间的数字（半角数字）" in said["zh"]
    )
    assert (
        "faults.csv：1处，过错等级须为以下之一："
        "general（一般过错）、serious（较重过错）、major（严重过错）" in said["zh"]
    )
    assert "ballots.csv: 1 × known_unit: not a unit_id in units.csv" in said["en"]
    assert (
        "ballots.csv: 1 × answer: one of 满意 (satisfied), 基本满意 (fairly "
        "satisfied), 不满意 (dissatisfied), 不了解 (don't know); or a number 0–100 "
        "in half-width digits" in said["en"]
    )
    assert (
        "faults.csv: 1 × severity: one of general (一般过错), serious (较重过错), "
        "major (严重过错)" in said["en"]
    )
    assert "须为已登记" not in said["zh"] and "['" not in said["en"]


def test_the_full_problem_table_goes_to_report(result, tmp_path):
    folder = tmp_path / "appraisal"
    shutil.copytree(SAMPLE / "appraisal", folder)
    for line in (2, 3, 4):
        edit_line(folder / "faults.csv", line, "2025-", "2024-")
    out = tmp_path / "problems.csv"
    done = invoke(
        "publish",
        result,
        "--appraisal",
        folder,
        "--store",
        tmp_path / "s.duckdb",
        "--by",
        "测试",
        "--report",
        out,
        "--lang",
        "en",
    )
    assert done.exit_code == 1
    problems = pd.read_csv(out, encoding="utf-8-sig")
    assert problems[["file", "row", "column"]].values.tolist() == [
        ["faults.csv", 2, "date"],
        ["faults.csv", 3, "date"],
        ["faults.csv", 4, "date"],
    ]


def _as_workbook(csv_path, xlsx_path):
    """The CSV as an office clerk saves it from Excel: dates as date cells."""
    from datetime import date

    from openpyxl import Workbook

    frame = pd.read_csv(csv_path, dtype=str, encoding="utf-8-sig")
    book = Workbook()
    sheet = book.active
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append(
            [
                date.fromisoformat(v) if c == "date" else v
                for c, v in zip(frame.columns, row, strict=True)
            ]
        )
    book.save(xlsx_path)
    csv_path.unlink()


def test_an_excel_workbook_is_read_and_checked_like_the_csv(result, tmp_path):
    folder = tmp_path / "appraisal"
    shutil.copytree(SAMPLE / "appraisal", folder)
    _as_workbook(folder / "faults.csv", folder / "faults.xlsx")
    store = tmp_path / "s.duckdb"
    done = invoke(
        "publish", result, "--appraisal", folder, "--store", store, "--by", "测试"
    )
    assert done.exit_code == 0, done.output
    csv_store = tmp_path / "csv.duckdb"
    done = invoke(
        "publish",
        result,
        "--appraisal",
        SAMPLE / "appraisal",
        "--store",
        csv_store,
        "--by",
        "测试",
    )
    assert done.exit_code == 0, done.output
    from evaluation.publish.publication import Publication

    tables = []
    for path in (store, csv_store):
        with Publication(path) as s:
            run = s.runs()["run_id"].iloc[-1]
            tables.append(s.table(run, "grades", viewer="测试"))
    pd.testing.assert_frame_equal(*tables)  # the same grades as from the CSV
    # a bad cell is named by workbook and row
    from openpyxl import load_workbook

    book = load_workbook(folder / "faults.xlsx")
    book.active["C2"] = "slight"
    book.save(folder / "faults.xlsx")
    done = invoke(
        "publish",
        result,
        "--appraisal",
        folder,
        "--store",
        tmp_path / "t.duckdb",
        "--by",
        "测试",
    )
    assert done.exit_code == 1
    assert "faults.xlsx 2 过错等级（severity） slight" in " ".join(done.output.split())


def test_a_stray_space_in_an_input_changes_no_grade(result, tmp_path):
    """The checks read ``D01 `` as D01 and ``满意 `` as 满意: so must the grades.
    (Before, D01's survey part was dropped for the space, and a spaced answer
    stopped the run with a traceback.)"""
    from evaluation.appraisal import appraise, load_config, load_inputs
    from evaluation.publish.store import load_result

    clean = SAMPLE / "appraisal"
    spaced = tmp_path / "appraisal"
    shutil.copytree(clean, spaced)
    lines = (spaced / "ballots.csv").read_text(encoding="utf-8-sig").splitlines()
    rows = [i for i, x in enumerate(lines) if ",D01," in x][:3]
    for i in rows:  # D01's ballots: the unit code and the answer with a space
        fields = lines[i].split(",")
        fields[3], fields[4] = fields[3] + " ", fields[4] + " "
        lines[i] = ",".join(fields)
    (spaced / "ballots.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    edit_line(spaced / "key_targets.csv", 2, ",", " , ")
    config = load_config(ROOT / "appraisal.yaml")
    run = load_result(result)
    before = appraise(config, run, load_inputs(clean)).grades
    after = appraise(config, run, load_inputs(spaced)).grades
    pd.testing.assert_frame_equal(after, before)
    assert before.set_index("unit_id").at["D01", "survey_score"] > 0


def test_an_override_in_the_committees_words(result, tmp_path):
    """overrides.csv in Chinese (优秀), as the committee writes it: read as the
    code; a word that is no grade is refused with the grades in Chinese."""
    from evaluation.appraisal import appraise, load_config, load_inputs
    from evaluation.errors import ValidationFailed
    from evaluation.publish.store import load_result

    folder = tmp_path / "appraisal"
    shutil.copytree(SAMPLE / "appraisal", folder)
    config = load_config(ROOT / "appraisal.yaml")
    run = load_result(result)
    _overrides(folder, "D26,优秀")  # 良好 by score, no fault: the committee lifts it
    grades = appraise(config, run, load_inputs(folder)).grades.set_index("unit_id")
    assert grades.loc["D26", ["override", "final_grade"]].tolist() == [
        "good → excellent",
        "excellent",
    ]
    _overrides(folder, "D26,很好")
    with pytest.raises(ValidationFailed) as err:
        appraise(config, run, load_inputs(folder))
    assert err.value.report["rule_zh"].tolist() == [
        "调整后的等次须为以下之一：优秀、良好、合格、不合格"
    ]


def test_a_veto_declined_in_the_committees_words(result, tmp_path):
    """vetoes.csv as the committee writes it: D22's accident 不予否决, with its
    reason; D22 is graded by its score, and the decision is on record."""
    from evaluation.appraisal import appraise, load_config, load_inputs
    from evaluation.publish.store import load_result

    folder = tmp_path / "appraisal"
    shutil.copytree(SAMPLE / "appraisal", folder)
    path = folder / "vetoes.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    lines[0] += ",decision,reason"
    lines[1] += ",不予否决,经调查事故责任不在本单位"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    config = load_config(ROOT / "appraisal.yaml")
    run = load_result(result)
    vetoed = appraise(config, run, load_inputs(SAMPLE / "appraisal"))
    declined = appraise(config, run, load_inputs(folder))
    before = vetoed.grades.set_index("unit_id").loc["D22"]
    after = declined.grades.set_index("unit_id").loc["D22"]
    # D22's score (55.61) fails it anyway: the grade is the score's, by no veto
    assert before["score"] == after["score"] < 60
    effects = {
        k: ap.rules_applied.query("unit_id == 'D22'")["effect_zh"].tolist()
        for k, ap in (("vetoed", vetoed), ("declined", declined))
    }
    assert "一票否决，不合格" in effects["vetoed"]
    assert "一票否决，不合格" not in effects["declined"]
    assert "不予否决" in effects["declined"]
    said = declined.rules_applied.query("unit_id == 'D22'")["reason_zh"].tolist()
    assert any("不予否决（经调查事故责任不在本单位）" in x for x in said), said


#: an override the rules refuse, and the grade it asks for by its name in each
#: language: D22 vetoed, D25 capped at 良好 by a fault, X09 beyond the districts'
#: 2 places; the committee writes the grade in Chinese or as the code
REFUSED_OVERRIDES = {
    "veto": ("D22,良好", "良好", "good"),
    "cap": ("D25,优秀", "优秀", "excellent"),
    "quota": ("X09,excellent", "优秀", "excellent"),
}


@pytest.mark.parametrize("case", list(REFUSED_OVERRIDES))
def test_a_refused_override_says_its_grade_by_name(case, result, tmp_path):
    """The value of a refused override is the grade as the committee reads it
    (优秀, never the code excellent), on screen and in the --report file; in
    English by its English name."""
    row, zh, en = REFUSED_OVERRIDES[case]
    folder = tmp_path / "appraisal"
    shutil.copytree(SAMPLE / "appraisal", folder)
    _overrides(folder, row)
    said = {}
    for lang in ("zh", "en"):
        report = tmp_path / f"problems_{lang}.csv"
        done = invoke(
            "publish", result, "--appraisal", folder, "--store",
            tmp_path / "s.duckdb", "--by", "测试", "--report", report, "--lang", lang,
        )  # fmt: skip
        assert done.exit_code == 1, done.output
        said[lang] = pd.read_csv(report, encoding="utf-8-sig", dtype=str)
        said[lang + "_shown"] = done.output
    assert said["zh"][["文件", "行", "值"]].values.tolist() == [
        ["overrides.csv", "2", zh]
    ]
    assert said["en"][["file", "row", "value"]].values.tolist() == [
        ["overrides.csv", "2", en]
    ]
    shown = [line.split() for line in said["zh_shown"].splitlines()]
    assert any(line[:4] == ["overrides.csv", "2", "调整后等次（grade）", zh]
               for line in shown), said["zh_shown"]  # fmt: skip
    assert not re.search(r"\b(excellent|good)\b", said["zh_shown"])
    if case == "quota":  # the group as the config names it, in Chinese as it is
        assert "超出优秀名额：调整后县（市）区政府优秀3个，名额2个" in said["zh_shown"]
