"""Every problem an agency's file can have is said in Chinese and English: the
vocabulary's ``validation_rule`` words, the Chinese for the clerk who fixes the file,
the English with the rule id for the analysts."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import evaluation as ev
from evaluation import periods as P
from evaluation import vocabulary as V
from evaluation.intake.schemas import events_schema, observations_schema, units_schema
from evaluation.intake.validate import problems_table, rule_words

from ..conftest import TINY_ROWS, TINY_UNITS, write_dataset

CJK = re.compile(r"[\u4e00-\u9fff]")
#: checks pandera runs itself (required, unique, the header)
PANDERA = {
    "not_nullable", "field_uniqueness", "multiple_fields_uniqueness",
    "column_in_dataframe", "column_in_schema",
}  # fmt: skip


def schema_checks(catalogue) -> set[str]:
    """The rule of every check the three input schemas run."""
    names = set(PANDERA)
    for schema in (
        units_schema(catalogue),
        observations_schema(catalogue, ["U1"]),
        events_schema(catalogue, ["U1"]),
    ):
        for column in schema.columns.values():
            names |= {c.error for c in column.checks}
        names |= {c.error for c in schema.checks}
    return names


def test_every_check_of_the_schemas_has_words_in_both_languages(tiny_catalogue):
    names = schema_checks(tiny_catalogue)
    assert {"valid_range", "period_frequency", "known_unit", "parent_cycle"} <= names
    for name in sorted(names):
        said = rule_words(name, "", "a1", tiny_catalogue)
        assert CJK.search(said.zh) and not CJK.search(said.en), (name, said)
        # the English starts with the rule's id (analysts grep for it)
        assert re.match(r"^[a-z_]+(\[a1\])?: ", said.en), (name, said.en)
    # a check without words would come out as its bare id: the test sees it
    assert rule_words("brand_new_check", "", None, tiny_catalogue).zh == (
        "brand_new_check"
    )


def test_the_range_is_said_in_the_indicators_unit(tiny_raw):
    tiny_raw["indicators"][0].update(unit_zh="%", unit_en="%")
    tiny_raw["indicators"][1].update(unit_zh="比值", unit_en="ratio")
    cat = ev.parse_catalogue(tiny_raw)
    assert rule_words("valid_range", "101", "a1", cat) == (
        "数值超出有效范围：a1指标应在0%至100%之间",
        "valid_range[a1]: must lie in [0, 100] %",
    )
    assert rule_words("valid_range", "60", "a2", cat).zh == (
        "数值超出有效范围：a2指标应在0倍至50倍之间"
    )
    assert rule_words("period_frequency", "2025-M03", "a1", cat) == (
        "报告期与报送频率不符：a1指标按季度报送，报告期应写作“2025-Q1”这样的形式"
        "（2025年第一季度）",
        "period_frequency: a1 is reported quarterly, e.g. 2025-Q1",
    )


def test_a_period_of_the_wrong_frequency_is_told_in_its_own_year(
    tmp_path, tiny_catalogue, monkeypatch
):
    """A file of 2023's quarters with one a1 row typed 2024-M03 (a1 is quarterly):
    the example is of the row's own 2024 (the quarter it meant), not a fixed 2025
    nor the 2023 of most of the file's labels. Said alone: of the label's year
    (2027-M03: 2027), else of the file's year given, else of this year in Beijing
    (2031, as today is set here)."""
    rows = [(u, p.replace("2025", "2023"), i, v) for u, p, i, v in TINY_ROWS]
    rows[0] = ("U1", "2024-M03", "a1", "80")
    data = write_dataset(tmp_path / "d", TINY_UNITS, rows)
    report = ev.check_dataset(ev.load_dataset(data), tiny_catalogue)
    wrong = report[report["value"] == "2024-M03"]
    assert wrong["rule_zh"].tolist() == [
        "报告期与报送频率不符：a1指标按季度报送，报告期应写作“2024-Q1”这样的形式"
        "（2024年第一季度）"
    ]
    assert wrong["rule"].tolist() == [
        "period_frequency: a1 is reported quarterly, e.g. 2024-Q1"
    ]
    said = rule_words("period_frequency", "2027-M03", "a1", tiny_catalogue)
    assert said.en.endswith("e.g. 2027-Q1")
    said = rule_words("period_frequency", "2027-M03", "a1", tiny_catalogue, year=2023)
    assert said.en.endswith("e.g. 2027-Q1")  # the row's year before the file's
    said = rule_words("period_frequency", "", "a1", tiny_catalogue, year=2023)
    assert said.en.endswith("e.g. 2023-Q1")
    monkeypatch.setattr(P, "today", lambda: pd.Timestamp("2031-06-30"))
    said = rule_words("period_frequency", "", "a1", tiny_catalogue)
    assert said.en.endswith("e.g. 2031-Q1")


def test_file_problems_are_said_in_both_languages(tmp_path, tiny_catalogue):
    data = write_dataset(tmp_path / "d", TINY_UNITS, TINY_ROWS)
    (data / "observations" / "office.csv").write_bytes(b"")
    (data / "observations" / "old.xls").write_bytes(b"x")
    (data / "observations" / "wps.et").write_bytes(b"x")  # WPS 表格's own format
    with pytest.raises(ev.ValidationFailed) as caught:
        ev.load_dataset(data)
    report = caught.value.report.set_index("file")
    assert report.loc["observations/office.csv", "rule_zh"] == (
        "空文件：应有一行表头和若干数据行"
    )
    assert report.loc["observations/office.csv", "rule"].startswith("empty file: ")
    assert report.loc["observations/old.xls", "rule_zh"] == (
        "不支持的文件类型“.xls”：请另存为.csv或.xlsx（旧版.xls工作簿无法读取）"
    )
    # not said to be an old .xls workbook: WPS saves .et unless told otherwise
    assert report.loc["observations/wps.et", "rule_zh"] == (
        "不支持的文件类型“.et”：这是WPS表格文件，请在WPS中“另存为”Excel工作簿（.xlsx）"
    )
    assert report.loc["observations/wps.et", "rule"] == (
        "unsupported file type '.et': a WPS Spreadsheets file; in WPS, save it as an"
        " Excel workbook (.xlsx)"
    )


def test_the_table_people_read_in_either_language(tmp_path, tiny_catalogue):
    rows = list(TINY_ROWS)
    rows[0] = ("U1", "2025-Q1", "a1", "八十")
    del rows[1]  # U1's a1 of 2025-Q2: nobody sent it
    data = write_dataset(tmp_path / "d", TINY_UNITS, rows)
    report = ev.check_dataset(ev.load_dataset(data), tiny_catalogue)
    zh = problems_table(report, "zh")
    assert list(zh.columns) == ["文件", "行", "列", "值", "规则"]
    by_column = zh.set_index("列")
    assert by_column.loc["指标值（value）", "规则"] == (
        "须填写数字（用小数点，不带%号，不用千分位逗号），或者留空"
    )
    absent = by_column.loc[
        "单位代码（unit_id）、报告期（period）、指标代码（indicator_id）"
    ]
    assert absent["值"] == "U1 / 2025-Q2 / a1"
    assert absent["规则"].startswith(
        "缺少数据：没有该单位、报告期和指标的行（应由办公室报送）"
    )
    en = problems_table(report, "en")
    assert list(en.columns) == ["file", "row", "column", "value", "rule"]
    assert en["rule"].tolist() == report["rule"].tolist()
    assert pd.api.types.is_integer_dtype(en["row"])
    with pytest.raises(ValueError, match="lang must be one of"):
        problems_table(report, "fr")


def test_every_word_of_the_family_is_filled_without_a_missing_field():
    """Each rule's Chinese and English name the same fields: a field given for one
    language is there for the other."""
    fields = re.compile(r"{(\w+)")
    for code, word in V.family("validation_rule").items():
        assert set(fields.findall(word.zh)) <= set(fields.findall(word.en)) | {
            "name", "example_name", "agency",
        }, code  # fmt: skip


def test_rows_no_file_brought_are_said_in_chinese_in_the_file_column():
    """A hole no file brought is reported against ``(agency audit)``; the Chinese
    report says 未收到文件 there (its rule names the agency in Chinese)."""
    import pandas as pd

    from evaluation.errors import ValidationFailed
    from evaluation.intake.validate import problems_table

    report = pd.DataFrame(
        [{"file": "(agency audit)", "row": None, "column": "period", "value": "2025",
          "rule": "absent_submission: …", "rule_zh": "市审计局未报送2025年度的数据"},
         {"file": "audit.csv", "row": 3, "column": "value", "value": "x",
          "rule": "number: …", "rule_zh": "不是数字"}],
        columns=[*ValidationFailed.columns, "rule_zh"],
    )  # fmt: skip
    zh = problems_table(report, "zh")
    assert zh.iloc[:, 0].tolist() == ["（未收到文件）", "audit.csv"]
    assert problems_table(report, "en").iloc[0, 0] == "(agency audit)"


def test_the_error_an_analyst_sees_in_a_notebook_is_chinese_first(tmp_path):
    """``ev.run`` on a bad file in JupyterLab shows the exception's text: the
    Chinese the clerk reads, then the English with the rule id."""
    import shutil

    from ..conftest import ROOT

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "sample", data)
    audit = data / "observations" / "audit.csv"
    lines = audit.read_text(encoding="utf-8-sig").splitlines()
    lines[1] = lines[1].replace(",1.8,", ",1.8%,")
    audit.write_text("\n".join(lines) + "\n", encoding="utf-8")
    catalogue = ev.load_catalogue(ROOT / "indicators.yaml")
    with pytest.raises(ev.ValidationFailed) as err:
        ev.run(catalogue, ev.load_dataset(data), period="2025-M12")
    said = str(err.value).splitlines()
    assert said[0] == "数据校验未通过：共1个问题"
    assert said[1].split("  ")[1:] == [
        "observations/audit.csv:2", "value", "1.8%",
        "“1.8%”带了百分号：请只填数字1.8",
    ]  # fmt: skip
    assert said[2] == "1 validation problem:"
    assert (
        said[3].strip().endswith("type the number alone, 1.8") and "numeric" in said[3]
    )
