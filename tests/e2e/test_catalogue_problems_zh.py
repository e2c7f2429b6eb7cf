"""A catalogue author's slips, said in Chinese by `evaluation validate` (English
with --lang en, as before): the level-1 weights no longer summing to 1, warning
lines out of order, an agency not listed. Expected words are written here by hand
from indicators.yaml."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import yaml
from typer.testing import CliRunner

from evaluation.cli import app

from ..conftest import ROOT, without_lines

runner = CliRunner()
SAMPLE = ROOT / "data" / "sample"
RAW = yaml.safe_load((ROOT / "indicators.yaml").read_text(encoding="utf-8"))


def broken(tmp_path, change) -> str:
    raw = yaml.safe_load((ROOT / "indicators.yaml").read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), "utf-8")
    return str(path)


def children(path, weights: dict[str, object]) -> str:
    """Siblings as a sum off 1 lists them: each id, its weight and the line of its
    ``weight:`` (of its ``- id:`` when ``None``: not written), found in the file's
    text: ``a 0.35（第53行）、b 未填写（第60行）``."""
    text = Path(path).read_text(encoding="utf-8").splitlines()
    said = []
    for id_, weight in weights.items():
        at = next(n for n, t in enumerate(text, 1) if t.strip() == f"- id: {id_}")
        if weight is None:
            said.append(f"{id_} 未填写（第{at}行）")
            continue
        line = next(n for n, t in enumerate(text, 1) if n > at and "weight:" in t)
        said.append(f"{id_} {weight}（第{line}行）")
    return "、".join(said)


def validate(catalogue, *more):
    done = runner.invoke(
        app, ["validate", str(SAMPLE), "--catalogue", catalogue, *more]
    )
    assert done.exit_code == 1, done.output
    return without_lines(done.output)  # the words (where: test_config_problems_zh)


def test_weights_that_do_not_sum_to_one_are_said_in_chinese(tmp_path):
    """The office raises 行政效率 (efficiency, 0.25) to 0.35: the five level-1
    weights sum to 1.1."""

    def change(raw):
        raw["dimensions"][0]["weight"] = 0.35

    path = broken(tmp_path, change)
    said = validate(path)
    weights = {d["id"]: d["weight"] for d in RAW["dimensions"] if "parent" not in d}
    weights["efficiency"] = 0.35
    # each weight with its line: the one edited may be any of them, not the last
    assert (
        "综合得分的下级指标权重之和须为1（settings.sibling_weights: sum_to_one）："
        f"{children(path, weights)}（实际为 1.1）"
    ) in said
    assert "efficiency 0.35（第" in said
    assert "weights of the children of the composite" in said  # the English after
    english = validate(broken(tmp_path, change), "--lang", "en")
    assert "must sum to 1" in english and "权重之和" not in english


def test_a_forgotten_weight_is_named_in_chinese(tmp_path):
    """The office copies the line of 行政运行成本 (cost.operation) and leaves its
    weight out: it counts 1, and 财政资金使用's 0.5 beside it sums to 1.5. With
    renormalise (no sum to check) it would have 2/3 of 行政成本: refused too."""
    at = next(i for i, d in enumerate(RAW["dimensions"]) if d["id"] == "cost.operation")

    def change(raw):
        del raw["dimensions"][at]["weight"]

    path = broken(tmp_path, change)
    said = validate(path)
    siblings = children(path, {"cost.funds": 0.5, "cost.operation": None})
    assert (
        f"dimensions[{at}].weight：cost的下级指标权重之和须为1"
        f"（settings.sibling_weights: sum_to_one）：{siblings}；其中cost.operation"
        "未填写权重，按1计入合计（实际为 1.5）"
    ) in [x.strip() for x in said.splitlines()]

    def relative(raw):
        change(raw)
        raw["settings"]["sibling_weights"] = "renormalise"

    said = validate(broken(tmp_path, relative))
    assert (
        f"dimensions[{at}].weight：未填写权重，按1计；而cost的其他下级指标（cost.funds）"
        "都填写了权重（settings.sibling_weights: renormalise）：请填写此项的权重，"
        "或各项都不填写（等权）"
    ) in [x.strip() for x in said.splitlines()]


def test_a_name_with_a_full_width_space_or_a_space_at_its_end_is_named(tmp_path):
    """行政效率 retyped with an input method as 行政　效率 (U+3000), and 行政成本
    pasted with a space after it: neither goes into the media CSV; each is said
    with the name between quotes, where its space shows."""

    def change(raw):
        raw["dimensions"][0]["name_zh"] = "行政\u3000效率"
        raw["dimensions"][1]["name_zh"] = "行政成本 "

    lines = [x.strip() for x in validate(broken(tmp_path, change)).splitlines()]
    assert (
        "dimensions[0].name_zh：名称“行政\u3000效率”中有全角空格（U+3000），请删去，"
        "或改为半角空格"
    ) in lines
    assert (
        "dimensions[1].name_zh：名称“行政成本 ”开头或末尾有空格（引号内是原样内容），"
        "请删去空格"
    ) in lines


def test_numbers_are_said_as_the_file_has_them(tmp_path):
    """审批事项按时办结率's lines are yellow 95, orange 90, red 85 (indicators.yaml):
    the office types orange 96; in another copy, the level-1 weights as
    percentages (25, 15, 25, 20, 15). The file says 96 and 100; so does the
    message (not 96.0, 100.0), in either language."""
    assert RAW["indicators"][0]["risk"] == {"yellow": 95, "orange": 90, "red": 85}

    def orange(raw):
        raw["indicators"][0]["risk"]["orange"] = 96

    def percentages(raw):
        for d, w in zip(raw["dimensions"][:5], (25, 15, 25, 20, 15), strict=True):
            d["weight"] = w

    lines = [x.strip() for x in validate(broken(tmp_path, orange)).splitlines()]
    assert (
        "indicators[0].risk.orange：越高越好的指标，预警线须按黄色、橙色、红色依次递减"
        "（黄色预警线为95）（实际为 96）"
    ) in lines
    assert (
        "indicators[0].risk.orange: thresholds must be ordered yellow > orange > red "
        "for a higher-is-better indicator (yellow is 95) (got 96)"
    ) in lines
    lines = [x.strip() for x in validate(broken(tmp_path, percentages)).splitlines()]
    assert any(
        x.startswith("dimensions[4].weight：") and x.endswith("（实际为 100）")
        for x in lines
    ), lines
    assert any(x.endswith("(got 100)") for x in lines), lines


def test_weights_as_percentages_are_told_to_be_fractions(tmp_path):
    """行政效率 (efficiency) weighs 0.25 in indicators.yaml: the office types 25%,
    then, in another copy, the five level-1 weights as percentages (25, 15, 25,
    20, 15: 100)."""

    def percent_sign(raw):
        raw["dimensions"][0]["weight"] = "25%"

    def percentages(raw):
        for d, w in zip(raw["dimensions"][:5], (25, 15, 25, 20, 15), strict=True):
            d["weight"] = w

    lines = [x.strip() for x in validate(broken(tmp_path, percent_sign)).splitlines()]
    said = "须为数字：权重须写作小数，如0.25，而不是25%（实际为 25%）"
    assert f"dimensions[0].weight：{said}" in lines
    path = broken(tmp_path, percentages)
    lines = [x.strip() for x in validate(path).splitlines()]
    ids = ("efficiency", "cost", "tasks", "satisfaction", "law")
    percent = dict(zip(ids, (25, 15, 25, 20, 15), strict=True))
    siblings = children(path, percent)
    assert (
        "dimensions[4].weight：综合得分的下级指标权重之和须为1"
        f"（settings.sibling_weights: sum_to_one）：{siblings}；各权重似按百分数"
        "填写：权重须写作小数，合计为1（如25写作0.25）（实际为 100）"
    ) in lines


def test_warning_lines_out_of_order_and_an_unknown_agency(tmp_path):
    """投诉办结率 is higher-is-better: its red line above its orange line is a
    slip; an indicator reported by an agency the catalogue does not list."""
    first = next(
        i
        for i, ind in enumerate(RAW["indicators"])
        if ind.get("direction") == "higher"
        and {"orange", "red"} <= set(ind.get("risk") or {})
    )
    risk = RAW["indicators"][first]["risk"]
    agencies = "、".join(sorted(a["id"] for a in RAW["agencies"]))

    def lines_order(raw):
        raw["indicators"][first]["risk"]["red"] = risk["orange"] + 1

    def police(raw):
        raw["indicators"][1]["agency"] = "police"

    said = validate(broken(tmp_path, lines_order))
    lines = [x.strip() for x in said.splitlines()]
    assert (
        f"indicators[{first}].risk.red：越高越好的指标，预警线须按黄色、橙色、红色依次"
        f"递减（橙色预警线为{risk['orange']:g}）（实际为 {risk['orange'] + 1:g}）"
    ) in lines
    assert not re.search(r"thresholds|must", said.split("invalid catalogue")[0])
    said = validate(broken(tmp_path, police))
    lines = [x.strip() for x in said.splitlines()]
    assert (
        f"indicators[1].agency：未列出的报送单位；已列出：{agencies}（实际为 police）"
    ) in lines
    assert not re.search(r"unknown|known", said.split("invalid catalogue")[0])


def two_faults(raw):
    """A direction that is not one (approval_on_time_rate's ``higher`` typed
    ``upward``) and 行政效率 raised to 0.35: the five level-1 weights sum to 1.1,
    said at the last of them, law (dimensions[4])."""
    raw["indicators"][0]["direction"] = "upward"
    raw["dimensions"][0]["weight"] = 0.35


def lines_of(path) -> tuple[int, int]:
    """The lines of the two faults in the file written, found in its text: the
    ``direction: upward``, and the first ``weight:`` after ``- id: law``."""
    text = Path(path).read_text(encoding="utf-8").splitlines()
    direction = next(n for n, t in enumerate(text, 1) if "direction: upward" in t)
    law = next(n for n, t in enumerate(text, 1) if t.strip() == "- id: law")
    weight = next(n for n, t in enumerate(text, 1) if n > law and "weight:" in t)
    return direction, weight


def test_an_invalid_catalogue_writes_its_problems_to_the_report(tmp_path):
    """validate --report with an invalid catalogue: exit 1 and the report, as for
    invalid data (the README's "exit 1 and a report if invalid"), in the data
    problems' columns, Chinese first: 文件、行 (the line)、列 (the field's path)、值、
    规则; both faults of the one catalogue, in one pass; --lang en in English."""
    catalogue = broken(tmp_path, two_faults)
    direction, weight = lines_of(catalogue)
    report = tmp_path / "out" / "problems.csv"
    said = validate(catalogue, "--report", str(report))
    assert f"完整问题清单：{report}" in said
    raw = report.read_bytes()
    assert raw.startswith("\ufeff".encode())  # opens in Excel with its Chinese
    table = pd.read_csv(report, encoding="utf-8-sig", dtype=str)
    assert list(table.columns) == ["文件", "行", "列", "值", "规则"]
    weights = {d["id"]: d["weight"] for d in RAW["dimensions"] if "parent" not in d}
    weights["efficiency"] = 0.35
    assert set(table.itertuples(index=False, name=None)) == {
        (
            "indicators.yaml",
            str(direction),
            "indicators[0].direction",
            "upward",
            "须为以下之一：higher、lower",
        ),
        (
            "indicators.yaml",
            str(weight),
            "dimensions[4].weight",
            "1.1",
            "综合得分的下级指标权重之和须为1（settings.sibling_weights: "
            f"sum_to_one）：{children(catalogue, weights)}",
        ),
    }
    validate(catalogue, "--report", str(report), "--lang", "en")
    table = pd.read_csv(report, encoding="utf-8-sig", dtype=str)
    assert list(table.columns) == ["file", "row", "column", "value", "rule"]
    english = (  # the same lines: 第53行 → line 53
        children(catalogue, weights)
        .replace("、", ", ")
        .replace("（第", " (line ")
        .replace("行）", ")")
    )
    assert set(table["rule"]) == {
        "must be one of: higher, lower",  # not pydantic's Input should be 'higher' …
        "weights of the children of the composite must sum to 1 "
        f"(settings.sibling_weights: sum_to_one): {english}",
    }


def test_score_with_an_invalid_catalogue_writes_the_report_and_nothing_else(
    tmp_path,
):
    """score --report: the catalogue's problems in the report, no result folder."""
    catalogue = broken(tmp_path, two_faults)
    report, out = tmp_path / "problems.csv", tmp_path / "out"
    done = runner.invoke(
        app,
        ["score", str(SAMPLE), "--period", "2025", "--out", str(out),
         "--catalogue", catalogue, "--report", str(report)],
    )  # fmt: skip
    assert done.exit_code == 1, done.output
    table = pd.read_csv(report, encoding="utf-8-sig", dtype=str)
    assert sorted(table["列"]) == ["dimensions[4].weight", "indicators[0].direction"]
    assert not out.exists()


def test_score_writes_a_catalogue_report_named_xlsx_as_a_workbook(tmp_path):
    """score --report 问题清单.xlsx with an invalid catalogue: an Excel workbook (it
    was CSV text), the CSV's columns, each line a number; 1.1, the level-1 sum
    (0.35 + 0.15 + 0.25 + 0.20 + 0.15), a number too; no result folder."""
    import openpyxl

    catalogue = broken(tmp_path, two_faults)
    direction, weight = lines_of(catalogue)
    report, out = tmp_path / "问题清单.xlsx", tmp_path / "out"
    done = runner.invoke(
        app,
        ["score", str(SAMPLE), "--period", "2025", "--out", str(out),
         "--catalogue", catalogue, "--report", str(report)],
    )  # fmt: skip
    assert done.exit_code == 1, done.output
    assert not out.exists()
    sheet = openpyxl.load_workbook(report)["问题清单"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("文件", "行", "列", "值", "规则")
    assert sorted(r[:4] for r in rows[1:]) == sorted(
        [
            ("indicators.yaml", direction, "indicators[0].direction", "upward"),
            ("indicators.yaml", weight, "dimensions[4].weight", 1.1),
        ]
    )


def test_a_yaml_slip_in_the_report_has_its_line_in_the_line_column(tmp_path):
    """A syntax error (an unclosed ``[`` on line 3: the parser stops at line 4,
    column 8) and a limit broken (an alias inside its own node, line 1, column 11)
    are placed in their words, 第4行第8列：…; the report's 行 column had them
    blank, where a data problem's line is, so a secretary sorting the report by it
    found them nowhere. The line is there now, and said once on the screen: not
    again before the words (indicators.yaml（第4行）：第4行第8列：…)."""
    cases = {
        'id: x\nversion: "1"\nname_zh: [审批\nversion: "2"\n': (4, "第4行第8列："),
        "a: &a [1, *a]\n": (1, "第1行第11列："),
    }
    for text, (line, place) in cases.items():
        catalogue = tmp_path / "indicators.yaml"
        catalogue.write_text(text, encoding="utf-8")
        report = tmp_path / "problems.csv"
        done = runner.invoke(
            app,
            ["validate", str(SAMPLE), "--catalogue", str(catalogue),
             "--report", str(report)],
        )  # fmt: skip
        assert done.exit_code == 1, done.output
        table = pd.read_csv(report, encoding="utf-8-sig", dtype=str)
        assert table["行"].tolist() == [str(line)] and table["列"].isna().all()
        assert table["规则"].iloc[0].startswith(place)
        assert f"indicators.yaml：{place}" in done.output
        assert "（第" not in done.output and "(line" not in done.output
