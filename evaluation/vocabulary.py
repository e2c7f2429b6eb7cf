"""The words people read, in Chinese and English, and the colours that go with them.

Every level, grade, status, header, method name and page text lives in one data file,
``vocabulary.yaml`` beside this module, checked when it loads: each *family* (``grade``,
``risk_level``, ``media_header``, ``report`` …) maps a code to a :class:`Word`
``(zh, en)``; ``colours`` maps codes to ``#RRGGBB``. Exports, the committee report,
the feedback letters, the plots and the dashboard all read from here, so one word is
changed in one place and reads the same everywhere.

>>> word("grade", "excellent")
'优秀'
>>> GRADE["fail"].en
'fail'

This module sits at the bottom of the package: it imports nothing from ``evaluation``
but the errors, the English plural (:mod:`evaluation.plural`) and the YAML loader
(:mod:`evaluation.yamlkeys`).
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Context, Decimal
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
import yaml

from evaluation.errors import EvaluationError
from evaluation.plural import counted, singular
from evaluation.yamlkeys import load as _load_noting

PATH = Path(__file__).with_name("vocabulary.yaml")
LANGS = ("zh", "en")
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


class VocabularyError(EvaluationError):
    """The vocabulary file is invalid; ``problems`` lists every problem found."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.problems = list(problems)
        n = len(self.problems)
        super().__init__(
            f"{path} has {counted(n, 'problem')}:\n  " + "\n  ".join(self.problems)
        )


class Word(NamedTuple):
    """One code's words, ``Word(zh, en)``: ``word[0]`` Chinese, ``word[1]`` English."""

    zh: str
    en: str

    def text(self, lang: str) -> str:
        """The word in ``lang`` (``zh`` or ``en``)."""
        return self[_lang_index(lang)]


Family = Mapping[str, Word]


def load(path: Path | str = PATH) -> tuple[Mapping[str, Family], Mapping[str, Mapping]]:
    """Read and check a vocabulary file: ``(families, colours)``, read-only.

    Raises :class:`VocabularyError` naming every problem (``words.grade.pass.en:
    missing``, a key written twice in one mapping with both lines), or the line
    and column of a YAML syntax error.
    """
    try:
        raw, _, twice = _load_noting(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise VocabularyError(path, [f"{where}{getattr(e, 'problem', e)}"]) from e
    except OSError as e:
        raise VocabularyError(path, [f"cannot be read: {e.strerror or e}"]) from e
    problems: list[str] = [  # a word written twice: YAML keeps the last unsaid
        f"line {t.again}: key {t.key!r} given twice (also on line {t.first})"
        for t in sorted(twice, key=lambda t: t.again)
    ]
    if not isinstance(raw, dict) or set(raw) != {"words", "colours"}:
        got = sorted(map(str, raw)) if isinstance(raw, dict) else type(raw).__name__
        top = f"top level: needs words and colours (got {got})"
        raise VocabularyError(path, [*problems, top])
    families = {
        name: _family(name, entries, problems)
        for name, entries in _sections("words", raw["words"], problems)
    }
    colours = {
        name: _colours(name, entries, problems)
        for name, entries in _sections("colours", raw["colours"], problems)
    }
    for name, table in colours.items():  # colours of a word family: its very codes
        if name in families and list(table) != list(families[name]):
            problems.append(
                f"colours.{name}: codes {list(table)} differ from words.{name} "
                f"{list(families[name])}"
            )
    if problems:
        raise VocabularyError(path, problems)
    return MappingProxyType(families), MappingProxyType(colours)


def _sections(part: str, value, problems: list[str]):
    if not isinstance(value, dict) or not value:
        problems.append(f"{part}: must be a mapping of families")
        return []
    out = []
    for name, entries in value.items():
        if not isinstance(name, str) or not isinstance(entries, dict) or not entries:
            problems.append(f"{part}.{name}: must be a non-empty mapping of codes")
        else:
            out.append((name, entries))
    return out


def _family(name: str, entries: dict, problems: list[str]) -> Family:
    out = {}
    for key, value in entries.items():
        where = f"words.{name}.{key}"
        if not isinstance(key, str):  # e.g. an unquoted yes/no/on/off
            problems.append(f"{where}: code must be text (quote it)")
            continue
        if not isinstance(value, dict):
            problems.append(f"{where}: must be {{zh: ..., en: ...}} (got {value!r})")
            continue
        for extra in sorted(map(str, set(value) - set(LANGS))):
            problems.append(f"{where}.{extra}: unknown language (zh, en)")
        texts = [value.get(lang) for lang in LANGS]
        for lang, text in zip(LANGS, texts, strict=True):
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{where}.{lang}: missing or empty (got {text!r})")
        out[key] = Word(*texts)
    return MappingProxyType(out)


def _colours(name: str, entries: dict, problems: list[str]) -> Mapping[str, str]:
    for key, value in entries.items():
        if not isinstance(value, str) or not _HEX.match(value):
            problems.append(f"colours.{name}.{key}: not a #RRGGBB colour ({value!r})")
    return MappingProxyType({str(k): v for k, v in entries.items()})


def _lang_index(lang: str) -> int:
    try:
        return LANGS.index(lang)
    except ValueError:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}") from None


def _run_stages(status: Family, force: Family) -> Family:
    """A run's stage as the dashboard shows it: a final run says whether it is in
    force (``已发布·现行`` / ``final, in force``)."""
    final = status["published"]
    return MappingProxyType(
        {
            "draft": status["draft"],
            "notice": status["notice"],
            "corrected": status["corrected"],
            **{
                k: Word(f"{final.zh}·{w.zh}", f"{final.en}, {w.en}")
                for k, w in force.items()
            },
        }
    )


_WORDS, COLOURS = load()
#: family name → code → :class:`Word`. Built from the file's families: ``run_stage``
#: (the dashboard's run stages) and ``file_status`` (a run's stage on an exported file
#: or letter, where a draft says it must not go out).
FAMILIES: Mapping[str, Family] = MappingProxyType(
    {
        **_WORDS,
        "run_stage": _run_stages(_WORDS["run_status"], _WORDS["in_force"]),
        "file_status": MappingProxyType(
            {**_WORDS["run_status"], "draft": _WORDS["document"]["draft_status"]}
        ),
    }
)


def family(name: str) -> Family:
    """The codes and words of family ``name`` (read-only)."""
    try:
        return FAMILIES[name]
    except KeyError:
        raise KeyError(
            f"no vocabulary family {name!r}; families: {sorted(FAMILIES)}"
        ) from None


def word(family_name: str, key: str, lang: str = "zh") -> str:
    """The word for ``key`` of family ``family_name`` in ``lang`` (``zh`` or ``en``)."""
    words_ = family(family_name)
    if key not in words_:
        raise KeyError(f"{family_name} has no word for {key!r}; codes: {list(words_)}")
    return words_[key].text(lang)


def words(family_name: str, lang: str) -> dict[str, str]:
    """Every word of family ``family_name`` in ``lang``: ``{code: text}``."""
    k = _lang_index(lang)
    return {key: w[k] for key, w in family(family_name).items()}


def colour(family_name: str, key: str) -> str:
    """The colour (``#RRGGBB``) of ``key`` in colour family ``family_name``."""
    return COLOURS[family_name][key]


def say(family_name: str, key: str, **fields) -> Word:
    """The words of ``key`` with their ``{fields}`` filled, in both languages. A
    field given as a :class:`Word` is said in each language in its own words.

    >>> say("validate_cli", "failed", n=3)
    Word(zh='数据校验未通过：共3个问题', en='validation failed: 3 problems')
    """
    words_ = family(family_name)
    if key not in words_:
        raise KeyError(f"{family_name} has no word for {key!r}; codes: {list(words_)}")
    return Word(
        *(
            words_[key][i].format(
                **{k: v[i] if isinstance(v, Word) else v for k, v in fields.items()}
            )
            for i in range(len(LANGS))
        )
    )


def say_count(family_name: str, key: str, n: float, **fields) -> Word:
    """:func:`say` of ``key`` about ``n`` things (``n`` a field too): its singular,
    ``key_one``, where ``n`` is 1 and the family has it (English: 1 report file …
    its rows; 2 report files … their rows; 1.5 points; Chinese says both alike).
    The one place a count picks its English singular: a count inside a sentence
    the code builds has its own key (``appraisal_count``: 1 fault finding)."""
    one = f"{key}_one"
    key = one if singular(n) and one in family(family_name) else key
    return say(family_name, key, n=n, **fields)


def listed(names: Iterable[Word]) -> Word:
    """Names as a sentence lists them: ``甲、乙、丙``; ``A, B and C`` (``A and B``)."""
    names = list(names)
    en = [w.en for w in names]
    last = [" and ".join(en[-2:])] if en else []
    return Word("、".join(w.zh for w in names), ", ".join([*en[:-2], *last]))


def mid_sentence(name: str) -> str:
    """An English name as it reads inside a sentence: a common noun phrase with its
    first letter lowered (County governments → county governments), only when
    its second letter is lower case; a proper name or an acronym kept (CPPCC
    members)."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def quoted(*values) -> Word:
    """Values a user typed, quoted as each language quotes them (a field of
    :func:`say`): “x”、“y” in Chinese, 'x', 'y' in English."""
    return Word("、".join(f"“{v}”" for v in values), ", ".join(map(repr, values)))


def shell_word(value, windows: bool | None = None) -> str:
    """A command's word as typed in a shell, in a command printed for the user to
    copy: quoted only when it must be (a space or a shell character), so
    催办清单.csv reads as it is; in double quotes on Windows (``windows``: by
    default, where this runs): cmd does not read single quotes, and double quotes
    serve cmd and PowerShell alike."""
    text = str(value)
    if windows if windows is not None else os.name == "nt":
        plain = text and not re.search(r"[\s\"&|<>^%()!;,=']", text)
        return text if plain else '"' + text.replace('"', '\\"') + '"'
    return (
        shlex.quote(text) if re.search(r"[\s'\"\\$`!*?&;|<>()#~{}\[\]]", text) else text
    )


# ------------------------------------------------------- numbers with their units
#: catalogue units of a ratio: said ``1.40倍`` in Chinese, a bare number in English
RATIO_UNITS = frozenset({"比值", "比率", "倍", "ratio", "times"})
#: catalogue units that count things (their Chinese measure words and the English
#: the catalogue writes beside them): whole numbers, said without decimals, and the
#: one list the intake, the template, the exports and the generator read
COUNT_UNITS = frozenset(
    {"件", "个", "项", "次", "起", "人", "家", "条", "宗", "份", "items", "tasks",
     "findings", "ratings", "cases"}
)  # fmt: skip


def is_count(unit: tuple[str, str]) -> bool:
    """Whether a catalogue unit ``(unit_zh, unit_en)`` counts things
    (:data:`COUNT_UNITS`, in either language)."""
    return unit[0] in COUNT_UNITS or unit[1] in COUNT_UNITS


def unit_after(unit: tuple[str, str], lang: str, value: float | None = None) -> str:
    """A catalogue unit ``(unit_zh, unit_en)`` as it follows a number in ``lang``:
    ``%``; ``倍`` for a ratio (nothing in English); ``个工作日``; ``件``; `` points``
    (a space before an English word, singular for 1: `` finding``)."""
    zh, en = unit
    if zh in RATIO_UNITS or en in RATIO_UNITS:
        return "倍" if lang == "zh" else ""
    if lang == "zh":
        return "个工作日" if zh == "工作日" else zh
    if en == "%":
        return en
    if singular(value) and zh in COUNT_UNITS and en.endswith("s"):
        en = en[:-1]
    return f" {en}"


def plain(x: float) -> str:
    """A limit as written in the catalogue: ``95``, ``0.8``, ``1200000`` (never
    ``1.2e+06``)."""
    text = f"{x:.10g}"
    if "e" in text:
        text = f"{x:.6f}".rstrip("0").rstrip(".")
    return text


#: half up, with digits enough for any float's whole part (1e308) and its decimals
_EXACT = Context(prec=400, rounding=ROUND_HALF_UP)
#: decimals of a published score (the composite, a dimension's score, an
#: appraisal's): the media CSV and the export, the grades table, the dashboard, and
#: a warning's reason about a score (78.57, never 78.6 beside it; 65.00 for
#: 64.996 beside a line of 65, as the tables print it, never a decimal more)
SCORE_DECIMALS = 2


def fixed(x: float, decimals: int = SCORE_DECIMALS, *, grouped: bool = False) -> str:
    """``x`` to ``decimals`` places, rounded half up as it is written to 15
    significant digits, as a spreadsheet shows it: ``97.85`` → ``97.9``
    (``f"{97.85:.1f}"`` gives ``97.8``: the float is just below 97.85, and Python
    rounds half to even), and a mean of 92.575 computed as 92.57499999999999 →
    ``92.58``, as the committee's hand sum gives it. Every published number and
    every reason is written so: one figure wherever it is read. A value that
    rounds to zero is ``0.0``, never ``-0.0``; ``grouped`` separates thousands
    (``1,235``); NaN is ``''`` (infinities as Python writes them)."""
    x = float(x)
    if x != x:
        return ""
    if x in (np.inf, -np.inf):
        return f"{x:.{decimals}f}"
    written = Decimal(f"{x:.15g}")  # float noise past the 15th digit dropped
    d = written.quantize(Decimal(1).scaleb(-decimals), context=_EXACT)
    if d.is_zero():
        d = d.copy_abs()
    return f"{d:,f}" if grouped else str(d)


def signed(x: float, decimals: int = SCORE_DECIMALS) -> str:
    """A difference as published, rounded as :func:`fixed`, its sign always
    written and the minus as − (U+2212, as printed, not the hyphen): ``+3.52``,
    ``−2.73``; one that rounds to zero ``+0.00``, never ``−0.00``; "" for NaN. The
    committee report's, the letters' and the dashboard's one way of writing a
    difference (a CSV for machines keeps the hyphen)."""
    try:
        x = float(x)
    except TypeError:  # None, pandas' missing value
        return ""
    if x != x:
        return ""
    text = fixed(abs(x), decimals)
    return ("−" if x < 0 and Decimal(text) != 0 else "+") + text


def fixed_each(x, decimals: int) -> list[str]:
    """:func:`fixed` of each of ``x``, for reasons written a column at a time:
    Python's format where it gives the same (a number not near a tie, more than a
    billionth of its last place away: the float and the number as written round
    alike), :func:`fixed` for the few others (``97.85`` to 1 decimal, a small
    negative that rounds to zero, NaN, a number too large to tell)."""
    try:
        x = np.asarray(x, dtype=float).reshape(-1)
    except TypeError:  # pandas' missing value (pd.NA) among them: NaN
        x = np.array([_number(v) for v in x], dtype=float)
    y = np.abs(x) * 10.0**decimals
    with np.errstate(invalid="ignore"):
        off = np.abs(y - np.floor(y) - 0.5)
        plain_ = (off > 1e-9 * np.fmax(1, y)) & (y < 2.0**50)
    plain_ &= ~np.signbit(x) | (y > 0.5)  # -0.04 and -0.0: 0.0
    spec = f".{decimals}f"
    return [
        format(v, spec) if p else fixed(v, decimals)
        for v, p in zip(x.tolist(), plain_.tolist(), strict=True)
    ]


def _number(v) -> float:
    try:
        return float(v)
    except TypeError:
        return np.nan


def as_published(x, decimals: int = SCORE_DECIMALS) -> list[float]:
    """Numbers as published, rounded half up (:func:`fixed_each`), kept as real
    numbers (NaN where there is none): what a spreadsheet sorts and sums, and what
    a grade or a rank compares, so units published alike are treated alike."""
    return [float(s) if s else np.nan for s in fixed_each(x, decimals)]


def quantity(
    x: float,
    unit: tuple[str, str],
    lang: str,
    *,
    decimals: int | None = 1,
    lines: Iterable[float] = (),
) -> str:
    """A value with its unit in ``lang``: ``95.0%``, ``25件`` (counts whole),
    ``1.40倍`` (ratios to 2 decimals), ``10.2个工作日``, ``71.3 points``, rounded
    half up (:func:`fixed`), never equal to one of ``lines`` it is not at
    (:func:`apart`: ``89.95%`` beside a line of 90%);
    ``decimals=None`` writes a limit as the catalogue does (``95%``, ``0.8倍``)."""
    if decimals is None:
        number = plain(x)
    else:
        d = apart(x, lines, int(quantity_decimals(x, unit, decimals)))
        number = fixed(x, d)
    return number + unit_after(unit, lang, x)


#: the most decimals a value is written with to keep it apart from a line
MOST_DECIMALS = 6


def apart(x: float, lines: Iterable[float], decimals: int) -> int:
    """``decimals``, or as many more (up to :data:`MOST_DECIMALS`) as it takes for
    ``x`` written half up (:func:`fixed`) not to read equal to one of ``lines``
    (limits, a target; NaN: none) that it is not at: 89.95 beside a line of 90
    reads 89.95, not 90.0, and 90.04 reads 90.04; a value within 1e-9 of a line
    is at it (float noise), written as it is published. A warning quotes an
    indicator's value beside its line so; the profile's table showing the same
    value beside it does too. Not a score: every table prints it to
    :data:`SCORE_DECIMALS`, and so does its warning."""
    off = [float(v) for v in lines if np.isfinite(v) and abs(float(x) - v) > 1e-9]
    while decimals < MOST_DECIMALS and float(fixed(x, decimals)) in off:
        decimals += 1
    return decimals


def quantity_decimals(x, unit: tuple[str, str], decimals) -> np.ndarray:
    """The decimals :func:`quantity` writes each of ``x`` with in ``unit``: a whole
    count without any, a ratio to 2 at least, else ``decimals`` (one number or one
    per value); array-wise, for reasons written a column at a time."""
    x = np.asarray(x, dtype=float)
    d = np.broadcast_to(np.asarray(decimals), x.shape)
    if unit[0] in RATIO_UNITS or unit[1] in RATIO_UNITS:
        d = np.maximum(d, 2)
    if unit[0] in COUNT_UNITS:
        d = np.where(np.isfinite(x) & (x == np.trunc(x)), 0, d)
    return d


# the families code reads most, by name
RISK_LEVEL = FAMILIES["risk_level"]
GRADE = FAMILIES["grade"]
PERSON_GRADE = FAMILIES["person_grade"]
VETO_DECISION = FAMILIES["veto_decision"]
APPRAISAL_PART = FAMILIES["appraisal_part"]
APPRAISAL_PART_NAME = FAMILIES["appraisal_part_name"]
RUN_STATUS = FAMILIES["run_status"]
IN_FORCE = FAMILIES["in_force"]
RUN_STAGE = FAMILIES["run_stage"]
FILE_STATUS = FAMILIES["file_status"]
APPEAL_DECISION = FAMILIES["appeal_decision"]
QUALITY_CHECK = FAMILIES["quality_check"]
INPUT_COLUMN = FAMILIES["input_column"]
APPRAISAL_COLUMN = FAMILIES["appraisal_column"]
MEDIA_HEADER = FAMILIES["media_header"]
MEDIA_NOTE = FAMILIES["media_note"]
RISK_HEADER = FAMILIES["risk_header"]
GRADE_HEADER = FAMILIES["grade_header"]
PERSON_HEADER = FAMILIES["person_header"]
DOCUMENT = FAMILIES["document"]
LEVEL_COLOURS = COLOURS["risk_level"]
GRADE_COLOURS = COLOURS["grade"]


def input_columns(table: str) -> dict[str, Word]:
    """The columns of input table ``table`` (a file's stem: ``ballots``, ``units`` …)
    that may be headed in Chinese → their words: ``input_column``'s, and for an
    appraisal file its own (``appraisal_column``: ``reason`` of ``bonuses`` is
    加分事由, of ``overrides`` 等次调整理由)."""
    own = {
        key.partition(".")[2]: w
        for key, w in APPRAISAL_COLUMN.items()
        if key.partition(".")[0] == table
    }
    return {**INPUT_COLUMN, **own}
