"""A graded series whose drop-down list is longer than Excel holds inline (255
characters): the template keeps its list on a hidden sheet (选项) and the data
validation points at it, so the clerk still picks a grade from a list. Opened with
openpyxl, filled as a clerk does and read back by `evaluation validate`."""

from __future__ import annotations

import copy

import openpyxl
import yaml
from typer.testing import CliRunner

from evaluation.cli import app

from ..conftest import TINY, TINY_UNITS

runner = CliRunner()
#: an annual supervision grade as a 督查室 writes its scale: twelve levels, each
#: with what it means, well over 255 characters together
GRADES = {
    "一级：全面完成年度目标任务，成效特别显著，群众满意度高": 100,
    "二级：全面完成年度目标任务，成效显著，群众较为满意": 95,
    "三级：完成年度目标任务，成效较好，群众基本满意": 90,
    "四级：基本完成年度目标任务，成效一般，群众基本满意": 85,
    "五级：基本完成年度目标任务，个别事项滞后": 80,
    "六级：大部分完成年度目标任务，部分事项滞后": 75,
    "七级：大部分完成年度目标任务，多项事项滞后": 70,
    "八级：半数以上完成年度目标任务，需加强督办": 65,
    "九级：半数左右完成年度目标任务，需限期整改": 60,
    "十级：少数完成年度目标任务，整改不力": 50,
    "十一级：未完成年度目标任务，经督办仍未整改": 30,
    "十二级：未开展工作": 0,
}


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def graded_city(tmp_path, categories):
    """The tiny catalogue with b2 (annual) graded on ``categories``, and its
    units: the catalogue file and the data folder."""
    raw = copy.deepcopy(TINY)
    raw["indicators"][3].update(
        categories=categories, normalisation={"method": "ordinal"}
    )
    catalogue = tmp_path / "tiny.yaml"
    catalogue.write_text(
        yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    data = tmp_path / "data"
    (data / "observations").mkdir(parents=True)
    TINY_UNITS.to_csv(data / "units.csv", index=False, encoding="utf-8-sig")
    return catalogue, data


def write(data, catalogue, *more):
    out = data / "observations" / "office.xlsx"
    done = invoke("template", "office", "--period", "2025", "--data", data,
                  "--catalogue", catalogue, "--out", out, *more)  # fmt: skip
    assert done.exit_code == 0, done.output
    return out


def fill(path, grade):
    """A value in every row (30 for the numbers, ``grade`` for b2: rows 32–34)
    and the date as text, as a clerk does in Excel."""
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    for r in range(2, sheet.max_row + 1):
        sheet.cell(r, 8).value = grade if r >= 32 else 30
        sheet.cell(r, 9).value = "2026-01-10"
    book.save(path)


def test_a_long_grade_list_sits_on_a_hidden_sheet_the_validation_points_at(tmp_path):
    assert len(",".join(GRADES)) > 255  # too long for an inline list
    catalogue, data = graded_city(tmp_path, GRADES)
    out = write(data, catalogue)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["报送数据", "填报说明", "选项"]
    lists = book["选项"]
    assert lists.sheet_state == "hidden"
    assert [c.value for c in lists["A"]] == list(GRADES)  # in the catalogue's order
    (valid,) = [
        v for v in book["报送数据"].data_validations.dataValidation if v.type == "list"
    ]
    assert str(valid.sqref) == "H32:H34"  # b2's three units
    assert valid.formula1 == "'选项'!$A$1:$A$12"
    assert valid.showErrorMessage and valid.errorStyle in (None, "stop")
    # the clerk picks 三级 for every unit: the template reads back
    fill(out, "三级：完成年度目标任务，成效较好，群众基本满意")
    done = invoke("validate", data, "--catalogue", catalogue)
    assert done.exit_code == 0, done.output
    # a grade typed by hand that is not on the list is refused by validate too
    fill(out, "三级")
    done = invoke("validate", data, "--catalogue", catalogue, "--lang", "en")
    assert done.exit_code == 1 and "category[b2]" in done.output


def test_a_short_list_stays_inline_and_no_hidden_sheet_is_made(tmp_path):
    catalogue, data = graded_city(tmp_path, {"优秀": 100, "良好": 80, "合格": 60})
    out = write(data, catalogue, "--lang", "en")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Data", "Instructions"]
    (valid,) = [
        v for v in book["Data"].data_validations.dataValidation if v.type == "list"
    ]
    assert valid.formula1 == '"优秀,良好,合格"'


def test_a_short_list_with_a_comma_in_a_label_goes_to_the_hidden_sheet(tmp_path):
    """A comma would split the label in an inline list: the list is kept on the
    hidden sheet however short it is."""
    labels = {"按时完成": 100, "完成,有延误": 60, "未完成": 0}
    catalogue, data = graded_city(tmp_path, labels)
    book = openpyxl.load_workbook(write(data, catalogue))
    assert book["选项"].sheet_state == "hidden"
    assert [c.value for c in book["选项"]["A"]] == list(labels)
    (valid,) = [
        v for v in book["报送数据"].data_validations.dataValidation if v.type == "list"
    ]
    assert valid.formula1 == "'选项'!$A$1:$A$3"


def test_a_hidden_list_in_english_is_named_lists(tmp_path):
    catalogue, data = graded_city(tmp_path, GRADES)
    book = openpyxl.load_workbook(write(data, catalogue, "--lang", "en"))
    assert book.sheetnames == ["Data", "Instructions", "Lists"]
    assert book["Lists"].sheet_state == "hidden"
    (valid,) = [
        v for v in book["Data"].data_validations.dataValidation if v.type == "list"
    ]
    assert valid.formula1 == "'Lists'!$A$1:$A$12"
