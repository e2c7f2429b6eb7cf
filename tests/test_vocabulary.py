"""The vocabulary: every word in both languages, valid colours, the codes the rest of
the package uses, a checked data file, and no word dictionary left anywhere else."""

from __future__ import annotations

import ast
import re
import tomllib
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from evaluation import catalogue as C
from evaluation import periods as P
from evaluation import vocabulary as V
from evaluation.appraisal import GRADES, PERSON_GRADES
from evaluation.intake import io
from evaluation.risk import quality, rules

from .conftest import ROOT

CJK = re.compile(r"[\u4e00-\u9fff]")


# ------------------------------------------------------------------ the words
def test_every_family_has_zh_and_en_for_every_code():
    assert len(V.FAMILIES) >= 40
    for name, family in V.FAMILIES.items():
        assert family, name
        for code, word in family.items():
            assert isinstance(code, str), (name, code)
            assert isinstance(word, V.Word), (name, code)
            for lang in V.LANGS:
                text = word.text(lang)
                assert isinstance(text, str) and text.strip(), (name, code, lang)


def test_colours_are_hex_and_cover_their_codes():
    hex_ = re.compile(r"^#[0-9A-Fa-f]{6}$")
    for name, table in V.COLOURS.items():
        for code, colour in table.items():
            assert hex_.match(colour), (name, code, colour)
    assert list(V.COLOURS["risk_level"]) == list(rules.LEVELS)
    assert list(V.COLOURS["grade"]) == list(GRADES)
    assert list(V.COLOURS["run_stage"]) == list(V.RUN_STAGE)
    # Okabe–Ito, as docs/methodology.md (§ Risk grading) states them
    assert dict(V.LEVEL_COLOURS) == {
        "green": "#009E73",
        "yellow": "#F0E442",
        "orange": "#E69F00",
        "red": "#D55E00",
    }


def test_level_and_grade_words_as_officials_use_them():
    assert V.words("risk_level", "zh") == {
        "green": "绿色",
        "yellow": "黄色",
        "orange": "橙色",
        "red": "红色",
    }
    assert V.words("grade", "zh") == {
        "excellent": "优秀",
        "good": "良好",
        "pass": "合格",
        "fail": "不合格",
    }
    assert V.words("person_grade", "zh") == {
        "excellent": "优秀",
        "competent": "称职",
        "basically_competent": "基本称职",
        "incompetent": "不称职",
    }
    assert V.words("appraisal_part", "zh") == {"periods": "考", "review": "评",
                                               "survey": "议"}  # fmt: skip
    # the rule of appraisal.yaml that caps a grade names it as the vocabulary does
    text = (ROOT / "appraisal.yaml").read_text(encoding="utf-8")
    assert f"不得评为{V.GRADE['excellent'].zh}" in text
    assert f"年度考核定为{V.PERSON_GRADE['incompetent'].zh}" in text


def test_a_unit_is_a_unit_in_every_english_word():
    """单位 is "unit" in English everywhere (the code's name, units.csv): a district
    government is a 单位 but no department; "department" stays the word of 部门
    (市直部门, municipal departments; 人事部门, the personnel department). The
    media table said Department where the overview and the appraisal said Unit."""
    department = [
        (name, code, word.en)
        for name, family in V.FAMILIES.items()
        for code, word in family.items()
        if "单位" in word.zh
        and "部门" not in word.zh
        and "department" in word.en.lower()
    ]
    assert not department
    assert V.MEDIA_HEADER["name"] == ("单位", "Unit")


def test_no_english_word_says_one_or_more_by_s_in_brackets():
    """A count is said singular or plural as it is (1 problem, 2 problems: a
    ``key_one`` beside the key, :func:`V.say_count`), never "problem(s)"."""
    bracketed = [
        (name, code, word.en)
        for name, family in V.FAMILIES.items()
        for code, word in family.items()
        if re.search(r"[a-z]\((s|es)\)", word.en)
    ]
    assert not bracketed


@pytest.mark.parametrize(
    ("family", "key", "fields", "one", "two"),
    [
        ("validate_cli", "failed", {}, "1 problem", "2 problems"),
        ("cli_error", "catalogue", {"file": "f"}, "has 1 problem:", "has 2 problems:"),
        ("cli_error", "appraisal_config", {"file": "f"}, "1 problem:", "2 problems:"),
        ("cli_said", "tampered", {"store": "s"}, "(1 problem):", "(2 problems):"),
        ("cli_said", "intact", {"store": "s", "head": "h"}, "1 run;", "2 runs;"),
        ("cli_said", "changes", {"old": "a", "new": "b"}, "1 change ", "2 changes "),
        ("cli_said", "letters", {"out": "o"}, "wrote 1 letter ", "wrote 2 letters "),
        ("library_error", "restore_loses", {"store": "s", "backup": "b"},
         "1 journal record that", "2 journal records that"),
        ("library_error", "finalise_cases_pending",
         {"run": "r", "cases": "c", "where": ""},
         "has an undecided appeal case c: decide it",
         "has undecided appeal cases c: decide them"),
        ("library_error", "correction_cases_pending",
         {"run": "r", "old": "o", "cases": "c", "where": ""},
         "appeal case c against o is undecided: decide it",
         "appeal cases c against o are undecided: decide them"),
        ("library_error", "finalise_upheld",
         {"run": "r", "cases": "c", "inputs": "", "where": ""},
         "appeal case c against r was upheld", "appeal cases c against r were upheld"),
        ("appraisal_input_rule", "counted_faults",
         {"year": 2025, "m": 3, "indicator": "i", "rule": "r"},
         "1 fault registered in 2025", "2 faults registered in 2025"),
        ("rollup_reason", "worst", {"dim": "A"},
         "A: its 1 worst indicator is", "A: its 2 worst indicators are"),
        ("status_count", "overdue", {}, "1 day overdue", "2 days overdue"),
        ("status_count", "late", {"late": 3}, "at most 1 day", "at most 2 days"),
        ("status_count", "empty", {}, "1 empty value", "2 empty values"),
        ("status_count", "units_due", {}, "1 unit due", "2 units due"),
        ("quality_reason", "late",
         {"agency": "A", "period": "P", "at": "d", "due": "e"},
         "d, 1 day after it was due (e)", "d, 2 days after it was due (e)"),
    ],
)  # fmt: skip
def test_a_count_is_said_singular_for_one_and_plural_for_two(
    family, key, fields, one, two
):
    """The words that said "(s)" say one thing in the singular and two in the
    plural (vocabulary.say_count, the key's ``_one``); Chinese alike for both."""
    said = [V.say_count(family, key, n, **fields) for n in (1, 2)]
    assert one in said[0].en and two in said[1].en
    assert said[0].zh.replace("1", "2", 1) == said[1].zh


def chinese_words_with(pattern: re.Pattern) -> list[tuple[str, str, str]]:
    """Every Chinese word of the vocabulary in which ``pattern`` finds something:
    ``(family, code, word)``, for a test to name them."""
    return [
        (name, code, word.zh)
        for name, family in V.FAMILIES.items()
        for code, word in family.items()
        if pattern.search(word.zh)
    ]


#: fields that stand for a path, a run or an appeal case id: text to copy
TOKENS = "file|path|store|folder|out|backup|dest|root|ranking|run|old|force|newer|"
TOKENS += "supersedes|head|case|cases|tables|id"


def test_paths_and_ids_in_chinese_messages_stand_apart_with_a_space():
    """A path or id written into Chinese is set off by spaces, as the commands in
    the messages are, so that it reads and copies whole: "发布库 data/store.duckdb
    中没有运行 …", not "发布库data/store.duckdb中". Numbers and Chinese labels stay
    in the sentence ("有3个问题", "2025年度")."""
    glued = re.compile(rf"{CJK.pattern}\{{({TOKENS})\}}|\{{({TOKENS})\}}{CJK.pattern}")
    assert not chinese_words_with(glued)
    assert V.say(
        "library_error", "no_run", store="data/store.duckdb", run="x.v1", where=""
    ).zh == (
        "发布库 data/store.duckdb 中没有运行“x.v1”（evaluation runs 可列出已有运行）"
    )


def test_numbers_in_chinese_sentences_stay_in_the_sentence():
    """A number formatted into Chinese (a placeholder with a format: ``{e:g}``,
    ``{share:.0%}``) is written without spaces, as the grades table's note writes
    the same rules ("90分及以上为优秀", "单位数的20%"): the committee report said
    "优秀 90 分及以上" and "单位数的 20%"."""
    spaced = re.compile(
        rf"{CJK.pattern} \{{\w+:[^}}]*\}}|\{{\w+:[^}}]*\}}%? {CJK.pattern}"
    )
    assert not chinese_words_with(spaced)
    said = V.word("report", "thresholds", "zh").format(e=90, g=75, p=60)
    assert said == (
        "等次标准：优秀90分及以上，良好75分及以上，合格60分及以上，其余为不合格。"
    )


def test_codes_match_the_package():
    """Codes have words exactly where the package uses them, in its order."""
    assert list(V.RISK_LEVEL) == list(rules.LEVELS)
    assert list(V.GRADE) == list(GRADES)
    assert list(V.PERSON_GRADE) == list(PERSON_GRADES)
    assert list(V.QUALITY_CHECK) == list(quality.CHECKS)
    assert list(V.FAMILIES["frequency"]) == list(P.FREQUENCIES)
    columns = {
        *io.UNITS_COLUMNS,
        *io.OBSERVATION_COLUMNS,
        *io.EVENT_COLUMNS,
        *io.OPTIONAL_OBSERVATION_COLUMNS,
        *io.OPTIONAL_EVENT_COLUMNS,
        *io.LABEL_COLUMNS,
    }
    assert set(V.INPUT_COLUMN) == columns
    assert list(V.FAMILIES["run_status"]) == ["draft", "notice", "corrected",
                                              "published"]  # fmt: skip


def _literals(annotation, field: str = "method") -> set[str]:
    """Every string of the ``Literal`` types inside an annotation (through
    ``Annotated``, unions and the ``field`` of discriminated models)."""
    if typing.get_origin(annotation) is typing.Literal:
        return set(typing.get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _literals(annotation.model_fields[field].annotation, field)
    return set().union(*(_literals(a, field) for a in typing.get_args(annotation)))


@pytest.mark.parametrize(
    ("family", "annotation", "field"),
    [
        ("normalisation", C.Normalisation, "method"),
        ("imputation", C.Indicator.model_fields["missing"].annotation, ""),
        ("treatment", C.Treatment.model_fields["method"].annotation, ""),
        ("weights", C.Weights.model_fields["method"].annotation, ""),
        ("aggregation", C.Aggregation.model_fields["method"].annotation, ""),
        ("risk_rule", C.WarningRule, "kind"),
        ("frequency", C.Frequency, ""),
    ],
)
def test_every_method_the_catalogue_allows_has_words(family, annotation, field):
    allowed = _literals(annotation, field)
    assert allowed, family
    assert set(V.family(family)) == allowed


def test_derived_families():
    assert V.RUN_STAGE["in_force"] == ("已发布·现行", "final, in force")
    assert V.RUN_STAGE["superseded"] == ("已发布·已被取代", "final, superseded")
    assert V.RUN_STAGE["notice"] == ("公示中", "under notice")
    assert V.FILE_STATUS["draft"].zh == "草稿（未发布，仅供内部核对，不得外传）"
    assert V.FILE_STATUS["published"] == V.RUN_STATUS["published"]


# ---------------------------------------------------------------------- API
def test_api():
    assert V.word("grade", "pass") == "合格"
    assert V.word("grade", "pass", "en") == "pass"
    assert V.GRADE["fail"] == ("不合格", "fail")
    zh, en = V.RISK_LEVEL["red"]
    assert (zh, en) == ("红色", "red")
    assert V.words("media_note", "en")["imputed"] == "{n} imputed values"
    assert V.colour("grade", "excellent") == "#0072B2"
    names = [V.Word("甲", "A"), V.Word("乙", "B"), V.Word("丙", "C")]
    assert V.listed(names[:1]) == ("甲", "A")
    assert V.listed(names[:2]) == ("甲、乙", "A and B")
    assert V.listed(names) == ("甲、乙、丙", "A, B and C")
    one = V.say_count("absence_cli", "copies", 1).en
    assert one.startswith("note: 1 report file repeats a file already read;")
    assert V.say_count("absence_cli", "copies", 2).en.startswith(
        "note: 2 report files repeat files already read;"
    )
    # a count inside a sentence the code builds (the appraisal's reasons)
    assert V.say_count("appraisal_count", "faults", 1) == ("1起过错", "1 fault finding")
    assert V.say_count("appraisal_count", "points", 1.5) == ("1.5分", "1.5 points")
    said = V.say("validate_cli", "first", n=1)  # no first_one: the key's words
    assert V.say_count("validate_cli", "first", 1) == said
    with pytest.raises(KeyError, match="no vocabulary family 'grades'"):
        V.family("grades")
    with pytest.raises(KeyError, match="grade has no word for 'perfect'"):
        V.word("grade", "perfect")
    with pytest.raises(ValueError, match="lang must be one of"):
        V.word("grade", "pass", "fr")


def test_read_only():
    with pytest.raises(TypeError):
        V.FAMILIES["grade"] = {}
    with pytest.raises(TypeError):
        V.GRADE["pass"] = ("及格", "pass")
    with pytest.raises(TypeError):
        V.LEVEL_COLOURS["red"] = "#FF0000"


# ---------------------------------------------------------------- the file
GOOD = """
words:
  grade:
    pass: {zh: 合格, en: pass}
colours:
  grade:
    pass: "#BBBBBB"
"""


def test_loads_a_valid_file(tmp_path):
    path = tmp_path / "v.yaml"
    path.write_text(GOOD, encoding="utf-8")
    families, colours = V.load(path)
    assert families["grade"]["pass"] == ("合格", "pass")
    assert colours["grade"]["pass"] == "#BBBBBB"


def test_every_problem_of_a_file_is_named(tmp_path):
    path = tmp_path / "v.yaml"
    path.write_text(
        """
words:
  grade:
    pass: {zh: 合格}
    fail: {zh: 不合格, en: "", fr: échec}
    good: 良好
  yes_no:
    yes: {zh: 是, en: yes}
  empty: {}
colours:
  grade:
    pass: red
""",
        encoding="utf-8",
    )
    with pytest.raises(V.VocabularyError) as e:
        V.load(path)
    assert e.value.problems == [
        "words.empty: must be a non-empty mapping of codes",
        "words.grade.pass.en: missing or empty (got None)",
        "words.grade.fail.fr: unknown language (zh, en)",
        "words.grade.fail.en: missing or empty (got '')",
        "words.grade.good: must be {zh: ..., en: ...} (got '良好')",
        "words.yes_no.True: code must be text (quote it)",
        "colours.grade.pass: not a #RRGGBB colour ('red')",
        "colours.grade: codes ['pass'] differ from words.grade ['pass', 'fail']",
    ]
    assert str(e.value).startswith(f"{path} has 8 problems:")


def test_a_code_written_twice_is_named_with_both_lines(tmp_path):
    """A word pasted twice (YAML keeps the last without a word): both lines."""
    path = tmp_path / "v.yaml"
    word = "    pass: {zh: 合格, en: pass}\n"
    path.write_text(GOOD.replace(word, word * 2), "utf-8")
    with pytest.raises(V.VocabularyError) as e:
        V.load(path)
    assert e.value.problems == ["line 5: key 'pass' given twice (also on line 4)"]


def test_a_syntax_error_names_its_line(tmp_path):
    path = tmp_path / "v.yaml"
    path.write_text("words:\n  grade:\n    pass: {zh: 合格, en: pass\n", "utf-8")
    with pytest.raises(V.VocabularyError, match=r"line 4, column 1"):
        V.load(path)


def test_a_missing_file_or_section(tmp_path):
    with pytest.raises(V.VocabularyError, match="cannot be read"):
        V.load(tmp_path / "none.yaml")
    path = tmp_path / "v.yaml"
    path.write_text("words:\n  grade:\n    pass: {zh: 合格, en: pass}\n", "utf-8")
    with pytest.raises(V.VocabularyError, match="needs words and colours"):
        V.load(path)


def test_the_file_ships_with_the_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data = config["tool"]["setuptools"]["package-data"]["evaluation"]
    assert "vocabulary.yaml" in data
    assert V.PATH == ROOT / "evaluation" / "vocabulary.yaml"


# ------------------------------------------------------- one place for words
#: the dictionaries of words that lived in the modules before the vocabulary
OLD_NAMES = {
    "NAMES", "COLOURS", "GRADE_NAMES", "PERSON_GRADE_NAMES", "GRADE_COLOURS",
    "LEVEL_WORDS", "GRADE_WORDS", "STATUS_LABELS", "IN_FORCE_LABELS",
    "DECISION_LABELS", "HEADERS", "NOTES", "WORDS", "RISK_HEADERS", "GRADE_HEADERS",
    "PERSON_HEADERS", "PARTS", "PERSONS_TITLE", "RUN_STATUS", "_LABELS",
    "_RISK_LABELS", "TEXT", "STAGE_WORDS", "APPRAISAL_HEADERS", "T", "APPLIES_TO",
    "KINDS", "BUILT_IN", "STAGE_COLOURS", "ZH_HEADERS", "_STATUS_ZH",
}  # fmt: skip
#: dictionaries with Chinese text that are data, not words of the interface
NOT_WORDS = {
    ("evaluation/generate.py", "reasons"),  # the sample's bonus reasons
    # the help's frame (用法, 选项), beside the help's own texts in cli.py: drawn by
    # --help, which loads no heavy library (the vocabulary loads pandas)
    ("evaluation/cli.py", "_FRAME"),
}


def _sources() -> list[Path]:
    files = [*(ROOT / "evaluation").rglob("*.py"), *(ROOT / "dashboards").rglob("*.py")]
    return sorted(p for p in files if p.name != "vocabulary.py")


def _texts(node) -> list[str] | None:
    """The strings of a literal string or tuple of strings, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple):
        parts = [_texts(e) for e in node.elts]
        return None if any(p is None for p in parts) else sum(parts, [])
    return None


def test_no_old_word_dictionary_is_defined_elsewhere():
    found = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(
                node.value, ast.Dict | ast.DictComp | ast.BinOp
            ):
                targets = (
                    node.targets if isinstance(node, ast.Assign) else [node.target]
                )
                for t in targets:
                    if isinstance(t, ast.Name) and t.id in OLD_NAMES:
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno} {t.id}")
    assert found == []


def test_no_dictionary_of_chinese_words_outside_the_vocabulary():
    """A dict whose values are all literal strings (or tuples of them), some
    Chinese, is a word dictionary: it belongs in vocabulary.yaml."""
    found = []
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        data = {
            id(node.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign)
            for t in node.targets
            if isinstance(t, ast.Name) and (rel, t.id) in NOT_WORDS
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Dict) or id(node) in data:
                continue
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            if len(keys) < 2 or keys == ["label", "value"]:  # a dropdown option
                continue
            texts = [_texts(v) for v in node.values]
            if all(t is not None for t in texts) and any(
                CJK.search(s) for t in texts for s in t
            ):
                found.append(f"{rel}:{node.lineno}")
    assert found == []


def test_a_typed_value_is_quoted_as_each_language_quotes_it():
    """What a user typed, said back: “…” and 、 in Chinese, '…' in English; no
    Chinese message quotes a field with ASCII marks."""
    assert V.quoted("median", "mode") == V.Word("“median”、“mode”", "'median', 'mode'")
    said = V.say("library_error", "no_period", period=V.quoted("2025-M13"), have="…")
    assert said.zh.startswith("本次结果中没有报告期“2025-M13”（")
    assert said.en == "period '2025-M13' not in this result (it has …)"
    assert not chinese_words_with(re.compile(r"'\{\w+\}'"))


@pytest.mark.parametrize(
    ("x", "decimals", "expected"),
    [
        (97.85, 1, "97.9"),  # stored 97.849999…: f"{x:.1f}" gives 97.8
        (65.35, 1, "65.4"),
        (90.25, 1, "90.3"),  # exactly 90.25: f"{x:.1f}" rounds to even, 90.2
        (0.125, 2, "0.13"),
        (-97.85, 1, "-97.9"),  # half away from zero, as the tables
        (-0.04, 1, "0.0"),  # never -0.0
        (1234567.125, 2, "1234567.13"),
        (1e30, 2, "1" + "0" * 30 + ".00"),  # past the 28 digits of Decimal's default
    ],
)
def test_fixed_rounds_half_up_the_number_as_written(x, decimals, expected):
    assert V.fixed(x, decimals) == expected


@pytest.mark.parametrize(
    ("x", "decimals", "expected"),
    [
        (3.52, 2, "+3.52"),
        (-2.725, 2, "−2.73"),  # half up on the number as written, away from zero
        (-1.25, 2, "−1.25"),
        (0.0, 2, "+0.00"),
        (-0.001, 2, "+0.00"),  # rounds to zero: no minus
        (-97.85, 1, "−97.9"),
        (float("nan"), 2, ""),
        (None, 2, ""),
    ],
)
def test_signed_writes_the_sign_and_the_minus_as_printed(x, decimals, expected):
    assert V.signed(x, decimals) == expected
    assert "-" not in V.signed(x, decimals)  # U+2212, never the hyphen


def test_fixed_groups_thousands_and_writes_nothing_for_a_missing_value():
    assert V.fixed(1234.5, 0, grouped=True) == "1,235"
    assert V.fixed(float("nan"), 1) == ""


def test_a_quantity_rounds_as_the_published_tables():
    assert V.quantity(97.85, ("%", "%"), "zh") == "97.9%"
    assert V.quantity(65.35, ("分", "points"), "en") == "65.4 points"
    assert V.quantity(1.405, ("倍", "times"), "zh") == "1.41倍"
