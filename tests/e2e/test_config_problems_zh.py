"""The last English a Chinese reader met in problem reports, said in Chinese by the
command line (``--lang`` zh, the default; English with ``--lang en`` as before):
pydantic's own rules in a broken indicators.yaml or appraisal.yaml (a weight
written as text, a limit out of range, an unknown key or method), the warning
rules' references (a node, an event the catalogue does not know), and an agency's
file that cannot be split into columns. Each problem names its file, its path (or
line) and the value found, and the command exits 1. Expected words are written here
by hand from indicators.yaml, appraisal.yaml and pydantic's rules."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml
from typer.testing import CliRunner

from evaluation.cli import app

from ..conftest import ROOT, without_lines
from .test_cli_progress import at_terminal
from .test_cli_zh_scan import english_in

runner = CliRunner()
SAMPLE = ROOT / "data" / "sample"
#: pydantic's English, never in the Chinese part of a report
PYDANTIC = ("Input should", "Field required", "Extra inputs", "should have", "must ")
#: PyYAML's, neither (its problem and context: "did not find expected key (while
#: parsing a block mapping)", "could not find expected ':'", "found a tab …")
PYYAML = ("did not find", "could not find", "found ", "while ", "expected ")


def invoke(*args, code=1, placed=False):
    """The command's output; without each problem's place in its file unless
    ``placed`` (the words are tested here; the places by the test that names them)."""
    done = runner.invoke(app, [str(a) for a in args])
    assert done.exit_code == code, done.output
    return done.output if placed else without_lines(done.output)


def broken(tmp_path, name, change) -> str:
    raw = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), "utf-8")
    return str(path)


def chinese_part(said: str, english_heading: str) -> list[str]:
    """The lines before the English report (zh prints Chinese, then English)."""
    head = said.split(english_heading)[0]
    assert not any(p in head for p in PYDANTIC), head
    problems = head.splitlines()[1:]  # not the heading naming the file
    assert not any(p in x for p in PYYAML for x in problems), head
    return [x.strip() for x in head.splitlines()]


def validate_catalogue(path, *more):
    return invoke("validate", SAMPLE, "--catalogue", path, *more)


def test_a_weight_written_as_text_is_said_in_chinese_with_file_path_and_value(
    tmp_path,
):
    """The clerk types 行政效率's weight as abc: pydantic's "Input should be a
    valid number" is said 须为数字, after the file and the field."""

    def change(raw):
        raw["dimensions"][0]["weight"] = "abc"

    path = broken(tmp_path, "indicators.yaml", change)
    said = validate_catalogue(path)
    lines = chinese_part(said, "invalid catalogue")
    assert lines[0] == f"指标体系文件 {path} 有1个问题："
    assert lines[1] == "dimensions[0].weight：须为数字（实际为 abc）"
    # the English after it, as pydantic says it
    assert "dimensions[0].weight: Input should be a valid number" in said
    english = validate_catalogue(path, "--lang", "en")
    assert "须为数字" not in english and "(got abc)" in english


def test_a_full_width_colon_is_named_by_its_line(tmp_path):
    """A Chinese keyboard types ``weight：0.25``: YAML fails on the line after it
    with "could not find expected ':'"; the office is told which line, and why."""
    text = (ROOT / "indicators.yaml").read_text(encoding="utf-8").splitlines()
    line = next(i for i, x in enumerate(text) if x.strip() == "weight: 0.25")
    text[line] = text[line].replace("weight: 0.25", "weight：0.25")
    path = tmp_path / "indicators.yaml"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    said = validate_catalogue(path)
    lines = chinese_part(said, "invalid catalogue")
    # the slip's own line alone: not the parser's line after it beside it
    assert lines[1].startswith(
        f"{path.name}：第{line + 1}行用了全角冒号“：”：键和值之间须用"
        "半角冒号加空格，如 weight: 0.25"
    )
    english = validate_catalogue(path, "--lang", "en")
    assert f"line {line + 1} has a full-width colon" in english
    assert "全角" not in english


def test_a_tab_and_a_missing_colon_are_named_by_their_line(tmp_path):
    """An editor's Tab key indents ``direction: lower`` with a tab, and a key loses
    its colon (``unit_zh 比值``): YAML's English alone ("found a tab character",
    "could not find expected ':'", the latter on the line after) is said with the
    line at fault and what to type instead."""
    text = (ROOT / "indicators.yaml").read_text(encoding="utf-8").splitlines()
    tab = next(i for i, x in enumerate(text) if x == "    direction: lower")
    text[tab] = "\tdirection: lower"
    path = tmp_path / "indicators.yaml"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    lines = chinese_part(validate_catalogue(path), "invalid catalogue")
    assert lines[1].startswith(
        f"{path.name}：第{tab + 1}行用了制表符（Tab）缩进：YAML 只能用"
        "空格缩进，请把 Tab 换成空格"
    )
    english = validate_catalogue(path, "--lang", "en")
    assert f"line {tab + 1} is indented with a tab" in english

    text = (ROOT / "indicators.yaml").read_text(encoding="utf-8").splitlines()
    key = text.index("    unit_zh: 比值")
    text[key] = "    unit_zh 比值"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    lines = chinese_part(validate_catalogue(path), "invalid catalogue")
    assert lines[1].startswith(
        f"{path.name}：第{key + 1}行的键和值之间缺少冒号：须用半角冒号"
        "加空格，如 weight: 0.25"
    )
    english = validate_catalogue(path, "--lang", "en")
    assert f"line {key + 1} has a key and its value without ': '" in english


def test_a_mis_indented_key_is_said_in_chinese_with_the_parsers_english_after(
    tmp_path,
):
    """The reviewer's slip: 投诉办结天数's ``normalisation:`` one space left of its
    entry's keys. Before, the Chinese line carried PyYAML's English (did not find
    expected '-' indicator …); now it says why in Chinese, the English line keeps
    the parser's words."""
    text = (ROOT / "indicators.yaml").read_text(encoding="utf-8").splitlines()
    at = text.index("    normalisation: {method: target, worst: 30}")
    text[at] = text[at][1:]
    path = tmp_path / "indicators.yaml"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    lines = chinese_part(validate_catalogue(path), "invalid catalogue")
    assert lines[1] == (
        f"{path.name}：第{at + 1}行第4列：不是有效的 YAML 格式："
        "此行的缩进与上文不一致：此处应为列表项“- ”，或应与同一项的其他键左端对齐"
    )
    english = validate_catalogue(path, "--lang", "en")
    assert (
        f"line {at + 1}, column 4: not valid YAML (did not find expected '-' "
        "indicator (while parsing a block collection))"
    ) in english
    assert "缩进" not in english


def test_a_sum_off_one_names_each_sibling_with_its_weight_and_line(tmp_path):
    """The reviewer's slip: 投诉处理率 (complaint_handling_rate, the first of
    efficiency.complaints' three children) raised from 0.4 to 0.45. The sum 1.05 is
    said at the last child's line (hotline_response_rate), as before, but now names
    each child with its weight and line, the edited one's too (lines read here from
    the file's text)."""
    text = (ROOT / "indicators.yaml").read_text(encoding="utf-8").splitlines()
    ids = (
        "complaint_handling_rate",
        "complaint_handling_days",
        "hotline_response_rate",
    )
    starts = [text.index(f"  - id: {i}") for i in ids]
    lines = [next(n for n in range(s, len(text)) if text[n].startswith("    weight:"))
             for s in starts]  # fmt: skip
    assert [text[n] for n in lines] == ["    weight: 0.4", "    weight: 0.3",
                                        "    weight: 0.3"]  # fmt: skip
    text[lines[0]] = "    weight: 0.45"
    path = tmp_path / "indicators.yaml"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    said = invoke("validate", SAMPLE, "--catalogue", path, placed=True)
    first, second, third = (n + 1 for n in lines)
    assert (
        f"indicators[5].weight（hotline_response_rate，第{third}行）："
        "efficiency.complaints的下级指标权重之和须为1（settings.sibling_weights: "
        f"sum_to_one）：complaint_handling_rate 0.45（第{first}行）、"
        f"complaint_handling_days 0.3（第{second}行）、hotline_response_rate 0.3"
        f"（第{third}行）（实际为 1.05）"
    ) in [x.strip() for x in said.splitlines()]
    assert (
        f"complaint_handling_rate 0.45 (line {first}), complaint_handling_days 0.3 "
        f"(line {second}), hotline_response_rate 0.3 (line {third}) (got 1.05)"
    ) in said


def test_a_key_given_twice_is_said_with_both_lines(tmp_path):
    """投诉办结天数's ``target: 5`` and, three lines below, a pasted ``target: 8``:
    validated before (YAML kept the 8; ranks 5-10 moved), now refused, naming the
    key and both lines, in Chinese then English."""
    text = (ROOT / "indicators.yaml").read_text(encoding="utf-8").splitlines()
    first = text.index("    normalisation: {method: target, worst: 30}") + 1
    assert text[first] == "    target: 5"
    text.insert(first + 3, "    target: 8")
    path = tmp_path / "indicators.yaml"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    said = invoke("validate", SAMPLE, "--catalogue", path, placed=True)
    lines = chinese_part(said, "invalid catalogue")
    assert lines[0] == f"指标体系文件 {path} 有1个问题："
    assert lines[1] == (
        f"indicators[4].target（complaint_handling_days，第{first + 4}行）："
        f"键“target”重复（第{first + 1}行已有同名键）：YAML 只取后一个的值，"
        "请删去或合并其中一行"
    )
    assert (
        f"indicators[4].target (complaint_handling_days, line {first + 4}): key "
        f"'target' given twice (also on line {first + 1})"
    ) in said
    english = invoke("validate", SAMPLE, "--catalogue", path, "--lang", "en")
    assert "given twice" in english and "重复" not in english


def test_a_key_given_twice_in_appraisal_yaml_stores_nothing(q4_result, tmp_path):
    """A second ``quota:`` (20% then 40% 优秀 in each group: a group got 3 优秀
    instead of 2, nothing said): publish refuses it at its line, stores nothing."""
    text = (ROOT / "appraisal.yaml").read_text(encoding="utf-8").splitlines()
    first = next(i for i, x in enumerate(text) if x.startswith("  quota: {share: 0.2"))
    text.insert(first + 1, "  quota: {share: 0.4, per: group}")
    config = tmp_path / "appraisal.yaml"
    config.write_text("\n".join(text) + "\n", encoding="utf-8")
    store = tmp_path / "store.duckdb"
    said = invoke(
        "publish", q4_result, "--appraisal", SAMPLE / "appraisal",
        "--appraisal-config", config, "--store", store, "--by", "测试", placed=True,
    )  # fmt: skip
    lines = chinese_part(said, "invalid appraisal config")
    assert lines[0] == f"考评规则文件 {config} 有1个问题："
    assert lines[1].startswith(
        f"grades.quota（第{first + 2}行）：键“quota”重复（第{first + 1}行已有同名键）"
    )
    assert not store.exists()


def test_pydantic_rules_of_every_kind_in_the_catalogue(tmp_path):
    """A key misspelt, a share above 1, a frequency and a method that do not exist,
    an id with a capital letter, a name left out: each said in Chinese with what
    the catalogue allows (settings.min_coverage: gt=0, le=1; frequencies monthly …
    annual; normalisation methods of the registry)."""

    def change(raw):
        raw["settings"]["min_coverage"] = 1.5
        ind = raw["indicators"][0]
        ind["wieght"] = ind.pop("weight")
        ind["frequency"] = "weekly"
        ind["normalisation"]["method"] = "zscore2"
        raw["dimensions"][0]["id"] = "Efficiency"
        del raw["dimensions"][1]["name_zh"]

    said = validate_catalogue(broken(tmp_path, "indicators.yaml", change))
    lines = chinese_part(said, "invalid catalogue")
    assert "settings.min_coverage：须不大于1（实际为 1.5）" in lines
    assert (
        "indicators[0].wieght：不认识的字段：请检查拼写，或删去此项（实际为 0.4）"
        in lines
    )
    assert "dimensions[1].name_zh：缺少此项：必须填写" in lines
    assert (
        "dimensions[0].id：编号写法不对：须以小写英文字母开头，只含小写英文字母、"
        "数字和下划线（可用“.”分段）（实际为 Efficiency）"
    ) in lines
    frequency = next(x for x in lines if x.startswith("indicators[0].frequency："))
    assert frequency.startswith("indicators[0].frequency：须为以下之一：")
    for code in ("monthly", "quarterly", "annual"):
        assert code in frequency
    assert frequency.endswith("（实际为 weekly）") and "'" not in frequency
    method = next(x for x in lines if x.startswith("indicators[0].normalisation"))
    # the value typed once, after the rule (before, in it too: 未知的标准化方法：
    # zscore2；可用：…（实际为 zscore2）)
    assert method.startswith("indicators[0].normalisation：未知的标准化方法；可用：")
    assert "goalposts" in method and method.endswith("（实际为 zscore2）")
    assert method.count("zscore2") == 1


RULES = yaml.safe_load((ROOT / "indicators.yaml").read_text("utf-8"))["risk"]["rules"]
#: the first warning rule of each kind in indicators.yaml
AT = {r["kind"]: i for i, r in reversed(list(enumerate(RULES)))}


def test_warning_rules_with_a_wrong_limit_or_an_unknown_kind(tmp_path):
    """risk.rules of indicators.yaml: the composite's robust-z peer rule given a
    positive limit (robust z limits are negative), its trend rule a kind that does
    not exist (the kinds: threshold, target, peer, trend, rollup, event)."""

    def change(raw):
        rules = raw["risk"]["rules"]
        rules[AT["peer"]]["orange"] = 1.5
        rules[AT["trend"]]["kind"] = "trnd"

    said = validate_catalogue(broken(tmp_path, "indicators.yaml", change))
    lines = chinese_part(said, "invalid catalogue")
    assert (
        f"risk.rules[{AT['peer']}].red：按“低于同类单位中位数的程度”比较时，预警线须为"
        "负数（实际为 1.5）"
    ) in lines
    assert (
        f"risk.rules[{AT['trend']}]：未知的预警规则类型；可用：threshold、target、"
        "peer、trend、rollup、event（实际为 trnd）"
    ) in lines
    assert "未知的kind" not in said


def test_warning_rules_naming_a_node_or_an_event_the_catalogue_does_not_know(
    tmp_path,
):
    """The composite's threshold rule pointed at a node that does not exist; a new
    event rule naming an event type not in the catalogue's events."""
    events = yaml.safe_load((ROOT / "indicators.yaml").read_text("utf-8"))["events"]

    def change(raw):
        raw["risk"]["rules"][AT["threshold"]]["node"] = "compositee"
        raw["risk"]["rules"].append(
            {"kind": "event", "events": ["meteor_strike"], "level": "red"}
        )

    said = validate_catalogue(broken(tmp_path, "indicators.yaml", change))
    lines = chinese_part(said, "invalid catalogue")
    assert lines[1:] == [
        f"risk.rules[{AT['threshold']}].node：须为维度编号或composite（综合得分）："
        "指标体系中没有此节点（实际为 compositee）",
        f"risk.rules[{len(RULES)}].events[0]：未知的事件类型；已有："
        + "、".join(sorted(e["id"] for e in events))
        + "（实际为 meteor_strike）",
    ]
    assert "unknown event; known: [" in said


def test_a_broken_appraisal_config_is_said_in_chinese_and_nothing_is_stored(
    q4_result, tmp_path
):
    """appraisal.yaml: 市领导's weight typed as text and its minimum respondents 0
    (at least 1), the excellent line lowered to 70 under good's 75, a rule of a
    kind that does not exist, a misspelt key. publish refuses, in Chinese."""

    def change(raw):
        leaders = raw["survey"]["groups"][0]
        leaders["weight"], leaders["min_respondents"] = "abc", 0
        raw["grades"]["excellent"] = 70
        raw["rules"][0]["kind"] = "vetoo"
        raw["office"] = {"name_zh": "市绩效办", "nmae_en": "Office"}

    config = broken(tmp_path, "appraisal.yaml", change)
    store = tmp_path / "store.duckdb"
    said = invoke(
        "publish", q4_result, "--appraisal", SAMPLE / "appraisal",
        "--appraisal-config", config, "--store", store, "--by", "测试",
    )  # fmt: skip
    lines = chinese_part(said, "invalid appraisal config")
    assert lines[0] == f"考评规则文件 {config} 有5个问题："
    assert "survey.groups[0].weight：须为数字（实际为 abc）" in lines
    assert "survey.groups[0].min_respondents：须不小于1（实际为 0）" in lines
    assert (
        "grades：等次分数线须依次降低：优秀＞良好＞合格（实际为优秀70分、良好75分、"
        "合格60分）"
    ) in lines
    assert (
        "rules[0].kind：须为以下之一：deduction、grade_cap、veto、bonus（实际为 vetoo）"
    ) in lines
    assert (
        "office.nmae_en：不认识的字段：请检查拼写，或删去此项（实际为 Office）" in lines
    )
    assert not store.exists()
    assert "grades: thresholds must fall: excellent > good > pass" in said


def test_an_appraisal_config_naming_an_unknown_event(q4_result, tmp_path):
    """A veto rule naming an event type the catalogue does not list (checked
    against the catalogue once both are read)."""
    config = tmp_path / "appraisal.yaml"
    text = (ROOT / "appraisal.yaml").read_text(encoding="utf-8")
    old = "events: [major_safety_accident,"
    assert old in text
    config.write_text(text.replace(old, "events: [earthquake,", 1), "utf-8")
    said = invoke(
        "publish", q4_result, "--appraisal", SAMPLE / "appraisal",
        "--appraisal-config", config, "--store", tmp_path / "s.duckdb", "--by", "测试",
    )  # fmt: skip
    events = yaml.safe_load((ROOT / "indicators.yaml").read_text("utf-8"))["events"]
    known = "、".join(sorted(e["id"] for e in events))
    line = next(x.strip() for x in said.splitlines() if "earthquake" in x)
    assert line.endswith(
        f"：未知的事件类型；指标体系中的事件类型：{known}（实际为 earthquake）"
    )


def test_appraisal_config_sections_that_disagree_name_each_path(q4_result, tmp_path):
    """A severity the faults section does not define, a rule id used twice, and a
    peer group put in both appraisal groups (appraisal.yaml: severities general,
    serious, major; groups 市直部门 and 县（市）区)."""
    raw = yaml.safe_load((ROOT / "appraisal.yaml").read_text(encoding="utf-8"))
    first, second = raw["groups"][0], raw["groups"][1]
    peer = first["peer_groups"][0]

    def change(raw):
        raw["rules"][0]["severities"] = ["tiny"]
        raw["rules"][1]["id"] = raw["rules"][0]["id"]
        raw["groups"][1]["peer_groups"].append(peer)

    config = broken(tmp_path, "appraisal.yaml", change)
    said = invoke(
        "publish", q4_result, "--appraisal", SAMPLE / "appraisal",
        "--appraisal-config", config, "--store", tmp_path / "s.duckdb", "--by", "测试",
    )  # fmt: skip
    lines = chinese_part(said, "invalid appraisal config")
    n = len(second["peer_groups"])
    assert lines[1:] == [
        f"groups[1].peer_groups[{n}]：类别{peer}已在考评组“{first['name_zh']}”"
        f"（{first['id']}）中：一个单位只在一个名单中考评（实际为 {peer}）",
        "rules[0].severities[0]：未知的过错等级；已有：general、serious、major"
        "（faults.severities）（实际为 tiny）",
        f"rules：规则编号不能重复：{raw['rules'][0]['id']}出现了不止一次",
    ]


# ------------------------------------------------------- an agency's broken file
def sample_copy(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    return data


def edit(path, old, new):
    text = path.read_text(encoding="utf-8-sig")
    assert old in text
    path.write_text("\ufeff" + text.replace(old, new, 1), encoding="utf-8")


def problem_lines(said: str) -> list[str]:
    """The per-file, per-rule summary lines (``  file：n处，rule``)."""
    return [x.strip() for x in said.splitlines() if "处，" in x]


AUDIT_ROW = "D02,2024,audit_issue_amount_share,1.5,2025-01-12"


def test_a_csv_row_with_a_comma_too_many_names_its_line(tmp_path):
    """审计局 types 1,5 for 1.5 on line 3: six cells under a five-column header."""
    data = sample_copy(tmp_path)
    edit(
        data / "observations" / "audit.csv", AUDIT_ROW, AUDIT_ROW.replace("1.5", "1,5")
    )
    said = invoke("validate", data)
    assert problem_lines(said) == [
        "observations/audit.csv：1处，第3行有6列，表头只有5列：多半是某格里带了逗号"
        "（数字不要用千分位逗号，含逗号的文字须加英文双引号）"
    ]
    assert english_in("\n".join(problem_lines(said))) == []
    english = invoke("validate", data, "--lang", "en")
    assert "Expected 5 fields in line 3, saw 6" in english


def test_an_open_quote_and_a_broken_parquet_file_are_said_in_chinese(tmp_path):
    data = sample_copy(tmp_path)
    edit(
        data / "observations" / "audit.csv",
        AUDIT_ROW,
        AUDIT_ROW.replace("audit_issue", '"audit_issue'),
    )
    (data / "observations" / "extra.parquet").write_bytes(b"not parquet at all")
    said = invoke("validate", data)
    lines = problem_lines(said)
    assert lines[0].startswith("observations/audit.csv：1处，第3行起有英文双引号未闭合")
    data2 = sample_copy(tmp_path / "two")
    (data2 / "observations" / "extra.parquet").write_bytes(b"not parquet at all")
    said = invoke("validate", data2)
    assert problem_lines(said) == [
        "observations/extra.parquet：1处，无法解析Parquet文件：文件已损坏，或内容与"
        "文件类型不符"
    ]


def test_an_unknown_unit_level_is_said_with_its_name(tmp_path):
    """units.csv: 市发展和改革委员会's level misspelt; the levels the catalogue
    allows (settings.unit_levels) named as the office calls them."""
    data = sample_copy(tmp_path)
    edit(data / "units.csv", "economic,department,", "economic,departmnt,")
    said = invoke("validate", data)
    assert problem_lines(said) == [
        "units.csv：1处，层级应为以下之一：“department”（市直部门）、"
        "“district”（县（市）区）"
    ]


def test_a_file_saved_with_semicolons_is_told_to_use_commas(tmp_path):
    """A European-locale Excel saves CSV with semicolons: one column holding the
    whole header. The clerk is told the separator, not five missing columns."""
    data = sample_copy(tmp_path)
    audit = data / "observations" / "audit.csv"
    audit.write_text(audit.read_text("utf-8-sig").replace(",", ";"), "utf-8-sig")
    said = invoke("validate", data)
    assert problem_lines(said) == [
        "observations/audit.csv：1处，表头“unit_id;period;indicator_id;value;"
        "reported_at”的各列用分号（;）隔开：CSV文件须用英文逗号分隔各列（在Excel中"
        "另存为“CSV UTF-8（逗号分隔）”即可）"
    ]


def test_every_pydantic_word_is_a_pydantic_error_type_with_its_fields():
    """The family's codes are pydantic's error types (or the ids' patterns and the
    tags' names), so a misspelt code never silently falls back to English; each
    Chinese field is one pydantic gives that type (written here from pydantic's
    documentation of the error types)."""
    from typing import get_args

    from pydantic_core.core_schema import ErrorType

    from evaluation.vocabulary import family

    ctx = {
        "greater_than": {"gt"}, "greater_than_equal": {"ge"}, "less_than": {"lt"},
        "less_than_equal": {"le"}, "multiple_of": {"multiple_of"},
        "literal_error": {"expected"}, "enum": {"expected"},
        "string_too_short": {"min_length"}, "string_too_long": {"max_length"},
        "string_pattern_mismatch": {"pattern"},
        "too_short": {"min_length", "actual_length"},
        "too_long": {"max_length", "actual_length"},
        "union_tag_not_found": {"discriminator"},
    }  # fmt: skip
    words = family("pydantic_error")
    own = {"pattern_id", "pattern_code", "tag_method", "tag_kind"}
    assert set(words) - own <= set(get_args(ErrorType))
    for code, word in words.items():
        fields = set(re.findall(r"{(\w+)}", word.zh))
        assert fields <= ctx.get(code, set()), code
        if code in ("literal_error", "enum"):  # a choice listed, as in Chinese
            assert word.en == "must be one of: {expected}", code
        elif code not in own:  # the English is pydantic's own message
            assert word.en == "{msg}", code


def _line_of(path, entry: str, key: str) -> int:
    """The line (1-based) of ``key:`` in the list entry that starts ``- id: entry``
    (or at the top level when ``entry`` is empty), found by reading the file."""
    text = Path(path).read_text(encoding="utf-8").splitlines()
    start = next(i for i, x in enumerate(text) if x.strip() == f"- id: {entry}")
    return next(
        i + 1 for i in range(start, len(text)) if text[i].strip().startswith(f"{key}:")
    )


def test_each_problem_names_its_line_and_the_entry_it_is_in(q4_result, tmp_path):
    """A YAML path alone (indicators[7].weight) sends the office counting list
    entries: the report adds the entry's id and the line, in either language."""

    def change(raw):
        raw["indicators"][7]["weight"] = "abc"

    path = broken(tmp_path, "indicators.yaml", change)
    written = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    entry = written["indicators"][7]["id"]
    line = _line_of(path, entry, "weight")
    said = invoke("validate", SAMPLE, "--catalogue", path, placed=True)
    lines = chinese_part(said, "invalid catalogue")
    where = f"indicators[7].weight（{entry}，第{line}行）"
    assert lines[1] == f"{where}：须为数字（实际为 abc）"
    english = invoke("validate", SAMPLE, "--catalogue", path, "--lang", "en",
                     placed=True)  # fmt: skip
    assert f"indicators[7].weight ({entry}, line {line}): Input should be" in english

    def rules(raw):  # a rule of appraisal.yaml, and a key outside any list entry
        raw["rules"][1]["kind"] = "vetoo"
        raw["grades"]["outstanding"] = 95

    config = broken(tmp_path, "appraisal.yaml", rules)
    rule = yaml.safe_load(Path(config).read_text(encoding="utf-8"))["rules"][1]["id"]
    text = Path(config).read_text(encoding="utf-8").splitlines()
    top = next(i + 1 for i, x in enumerate(text) if x.strip() == "outstanding: 95")
    said = invoke(
        "publish", q4_result, "--appraisal", SAMPLE / "appraisal",
        "--appraisal-config", config, "--store", tmp_path / "s.duckdb", "--by", "测试",
        placed=True,
    )  # fmt: skip
    lines = chinese_part(said, "invalid appraisal config")
    assert any(
        x.startswith(f"rules[1].kind（{rule}，第{_line_of(config, rule, 'kind')}行）：")
        for x in lines
    ), lines
    assert any(x.startswith(f"grades.outstanding（第{top}行）：") for x in lines), lines


def test_a_catalogue_problem_is_said_once_in_either_language(tmp_path):
    """``score -c COPY`` with a weight of -1, then with a rule on a node the
    catalogue lacks: on stderr (stdout empty), the heading and the problem once each,
    in Chinese then English (zh) or in English alone (en). Reported seen twice with
    --lang en; this guards it."""

    def weight(raw):
        raw["indicators"][0]["weight"] = -1

    def node(raw):
        raw["risk"]["rules"][0]["node"] = "nosuch"

    for change, zh, en in [
        (
            weight,
            "weight：须大于0（实际为 -1）",
            "Input should be greater than 0 (got -1)",
        ),
        (node, "node：须为维度编号或composite", "must be a dimension id or composite"),
    ]:
        path = broken(tmp_path, "indicators.yaml", change)
        for lang in ("zh", "en"):
            done = runner.invoke(
                app,
                ["score", str(SAMPLE), "--period", "2025", "-c", path,
                 "--lang", lang, "--out", str(tmp_path / "out")],
            )  # fmt: skip
            assert done.exit_code == 1 and done.stdout == "", done.output
            said = without_lines(done.stderr)
            assert said.count(f"invalid catalogue: {path} has 1 problem:") == 1
            assert said.count(en) == 1, said
            assert said.count(f"指标体系文件 {path} 有1个问题：") == (lang == "zh")
            assert said.count(zh) == (lang == "zh"), said
            assert len(said.strip().splitlines()) == (4 if lang == "zh" else 2), said
    # and at a terminal, in the command's own process (a bar steps aside for errors)
    code, shown, out = at_terminal(
        "score", str(SAMPLE), "--period", "2025", "-c", path,
        "--lang", "en", "--out", str(tmp_path / "o"),
    )  # fmt: skip
    assert code == 1 and out == "", shown
    assert shown.count("invalid catalogue:") == 1 and shown.count(en) == 1, shown
