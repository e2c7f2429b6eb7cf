"""The appraisal input files: read, then validate every cell and every cross-file
rule at once, like the observations.

The column rules are data (:func:`schema`): one :class:`Check` per column, built from
``appraisal.yaml``, the units and the reported events. Then the rules that span rows
or files: one ballot per rater and unit, a rater in the roster and in the group the
roster gives, no self-rating, a veto for a reported event, a bonus only with a bonus
rule. Every problem is one row ``file, row, column, value, rule`` of one
``ValidationFailed``; nothing is computed from a file with a problem.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation import periods as P
from evaluation.appraisal.config import Config
from evaluation.errors import ValidationFailed
from evaluation.intake.io import matching_files, read_table
from evaluation.intake.validate import listed_columns, named_column
from evaluation.vocabulary import (
    GRADE,
    VETO_DECISION,
    Word,
    family,
    input_columns,
    say,
    say_count,
)

#: file → (required columns, optional columns)
FILES: dict[str, tuple[list[str], list[str]]] = {
    "ballots": (
        ["ballot_id", "rater_group", "rater_id", "unit_id", "answer"],
        ["rater_unit"],
    ),
    "raters": (["rater_id", "rater_group"], ["rater_unit"]),
    "review": (["unit_id", "score"], ["reviewed_by"]),
    "key_targets": (
        ["unit_id", "target_id", "target", "achieved"],
        ["adjusted_target", "adjusted_on", "reason"],
    ),
    "faults": (
        ["unit_id", "date", "severity"],
        ["person_id", "responsibility", "reference", "description"],
    ),
    "vetoes": (
        ["unit_id", "event_id", "approved_by", "approved_on", "reference"],
        ["decision", "reason"],
    ),
    "bonuses": (
        [
            "unit_id",
            "category",
            "date",
            "reason",
            "approved_by",
            "approved_on",
            "reference",
        ],
        [],
    ),
    "overrides": (["unit_id", "grade", "reason", "approved_by", "approved_on"], []),
}
REQUIRED_FILES = ("ballots", "raters")
#: registers that may hold nothing in a year (no fault, veto, bonus or override):
#: a header alone is an empty table, as no file is
REGISTERS = ("faults", "vetoes", "bonuses", "overrides")
#: columns that take a code or its Chinese word, as the committee writes it (优秀 for
#: ``excellent``): read as the code
WORDED = {"overrides": {"grade": GRADE}, "vetoes": {"decision": VETO_DECISION}}
#: the report's columns: ``ValidationFailed``'s and the rule in Chinese
COLUMNS = [*ValidationFailed.columns, "rule_zh"]
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)", re.ASCII)  # half-width digits only
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


@dataclass(frozen=True)
class Inputs:
    """The appraisal input tables as read (text cells, ``source`` and ``row``)."""

    tables: dict[str, pd.DataFrame]
    sha256: dict[str, str] = field(default_factory=dict)
    root: str = ""


def load_inputs(folder: str | Path) -> Inputs:
    """Read an appraisal folder: ``ballots`` and ``raters`` (required), and where
    present ``review`` or ``key_targets``, ``faults``, ``vetoes``, ``bonuses``,
    ``overrides``, each as CSV (UTF-8 or GB18030) or an Excel workbook (first sheet,
    header in row 1), each column headed by its English name or its Chinese header
    (the vocabulary's ``appraisal_column``: 评议结果 for ``answer``). Headers are
    checked here; cells by :func:`validate_inputs`."""
    folder = Path(folder)
    if not folder.is_dir():
        _raise([_problem(str(folder), "", "no_folder")])
    tables, hashes, problems = {}, {}, []
    for name, (required, optional) in FILES.items():
        paths = [
            p for p in matching_files(folder, name) if p.suffix.lower() != ".parquet"
        ]
        if len(paths) != 1:
            if paths:
                found = ", ".join(p.name for p in paths)
                problems.append(_problem(found, "", "one_file"))
            elif name in REQUIRED_FILES:
                problems.append(_problem(f"{name}.csv", "", "missing_file"))
            continue
        path = paths[0]
        # each column by its English name or the file's Chinese header (单位代码)
        headers = input_columns(name)
        try:
            frame, record = read_table(
                path,
                empty_ok=name in REGISTERS,
                headers={headers[c].zh: c for c in required + optional if c in headers},
            )
        except ValidationFailed as exc:
            report = exc.report.reindex(columns=COLUMNS)
            report["rule_zh"] = report["rule_zh"].fillna(report["rule"])
            problems.extend(report.itertuples(index=False, name=None))
            continue
        if record["encoding"] == "xlsx":  # a date cell reads as 'YYYY-MM-DD 00:00:00'
            frame = frame.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", r"\1", regex=True)
        hashes[path.name] = record["sha256"]
        header = [c for c in frame.columns if c not in ("source", "row")]
        # the cells as the checks read them (stripped; blank is empty): a clerk's
        # stray space (``D01 ``, ``满意 ``) then changes nothing after them either
        frame[header] = frame[header].apply(_stripped)
        for column, words in WORDED.get(name, {}).items():
            if column in frame:
                code = {w.zh: k for k, w in words.items()}
                frame[column] = frame[column].replace(code)
        # a column by its Chinese header (“评议结果”（answer）), as validate says
        for c in required:
            if c not in header:
                problems.append(
                    _problem(
                        path.name,
                        c,
                        "missing_column",
                        column=named_column(c, headers),
                        columns=listed_columns(required, headers),
                    )
                )
        for c in header:
            if c not in required + optional:
                problems.append(
                    _problem(
                        path.name,
                        c,
                        "unknown_column",
                        column=named_column(c, headers),
                        columns=listed_columns(required + optional, headers),
                    )
                )
        tables[name] = frame.reindex(columns=[*required, *optional, "source", "row"])
    _raise(problems)
    return Inputs(tables, hashes, str(folder))


# ------------------------------------------------------------------ the schema
@dataclass(frozen=True)
class Check:
    """A column's rule: ``bad(cells)`` is True where a cell breaks it; ``rule`` is the
    sentence in the report, in Chinese and English; ``required``: an empty cell
    breaks it too."""

    rule: Word
    bad: Callable[[pd.Series], pd.Series] = lambda s: pd.Series(False, index=s.index)
    required: bool = True


def _said(code: str, /, **fields) -> Word:
    """A rule's words (the vocabulary's ``appraisal_input_rule``)."""
    return say("appraisal_input_rule", code, **fields)


def _problem(file: str, column: str, code: str, /, **fields) -> tuple:
    """A problem of a file as a whole (no row): a report row, the rule in English
    and Chinese."""
    said = _said(code, **fields)
    return (file, pd.NA, column, "", said.en, said.zh)


def _stripped(s: pd.Series) -> pd.Series:
    """Text cells without their surrounding spaces; a blank cell is empty (NaN)."""
    text = s.str.strip()
    return text.mask(text.eq(""))


def one_of_words(words, what: str) -> Check:
    """A code or its Chinese word (:data:`WORDED`), said by the Chinese words."""
    shown = Word("、".join(w.zh for w in words.values()), ", ".join(words))
    rule = _said("one_of", what=_said(what), shown=shown)
    return Check(rule, lambda s: ~_text(s).isin(list(words)).fillna(False))


def _text(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip()


def _empty(s: pd.Series) -> pd.Series:
    return _text(s).fillna("").eq("")


def one_of(values, what: str, names: dict[str, str] | None = None) -> Check:
    """A code of ``values``; listed in the rule when they are few, in Chinese each
    with its name from ``names`` beside it (``leaders（市领导）``; in English too:
    ``leaders (市领导)``, the committee's words for it). Codes with names
    are listed in the order given (appraisal.yaml's: severities from the least
    severe, 一般、较重、严重), codes alone in sorted order."""
    allowed = list(map(str, values)) if names else sorted(map(str, values))
    name = _said(what)
    if len(allowed) <= 12:
        named = names or {}
        zh = (f"{v}（{named[v]}）" if v in named else v for v in allowed)
        en = (f"{v} ({named[v]})" if v in named else v for v in allowed)
        shown = Word("、".join(zh), ", ".join(en))
        rule = _said("one_of", what=name, shown=shown)
    else:
        rule = _said("one_of_many", what=name, n=len(allowed))
    return Check(rule, lambda s: ~_text(s).isin(allowed).fillna(False))


def number(lo: float, hi: float | None = None, *, positive: bool = False) -> Check:
    rng = (
        _said("range_between", low=f"{lo:g}", high=f"{hi:g}")
        if hi is not None
        else _said("range_positive")
        if positive
        else _said("range_at_least", low=f"{lo:g}")
    )

    def bad(s: pd.Series) -> pd.Series:
        t = _text(s).fillna("")
        v = pd.to_numeric(t.where(t.str.fullmatch(_NUMBER.pattern)), errors="coerce")
        out = v.isna() | (v < lo)
        if hi is not None:
            out |= v > hi
        if positive:
            out |= v <= 0
        return out

    return Check(_said("number", range=rng), bad)


def date(year: int | None = None) -> Check:
    def bad(s: pd.Series) -> pd.Series:
        t = _text(s).fillna("")
        d = pd.to_datetime(
            t.where(t.str.fullmatch(_DATE.pattern)), format="%Y-%m-%d", errors="coerce"
        )
        out = d.isna()
        if year is not None:
            out |= d.dt.year != year
        return out

    rule = _said("date_of_year", year=year) if year else _said("date")
    return Check(rule, bad)


def given(what: str) -> Check:
    """A column that must be filled in: ``what`` names its words."""
    return Check(_said("required", what=_said(what)))


def optional(check: Check) -> Check:
    return Check(check.rule, check.bad, required=False)


def known_unit(unit_ids, units_file: str = "units.csv") -> Check:
    """A unit of the units file ``units_file`` (the run's units), said so in one
    sentence, as the observations' check says it."""
    allowed = list(map(str, unit_ids))
    return Check(
        _said("known_unit", units=units_file),
        lambda s: ~_text(s).isin(allowed).fillna(False),
    )


def answers(scale) -> Word:
    """The survey's answers as a rule lists them: 满意、基本满意 in Chinese; in
    English the same answers, each with its gloss where the vocabulary has one
    (满意 (satisfied), 基本满意 (fairly satisfied)), as they are written in the
    file."""
    glosses = family("survey_answer")
    en = (f"{a} ({glosses[a].en})" if a in glosses else a for a in scale)
    return Word("、".join(scale), ", ".join(en))


def schema(
    config: Config, unit_ids, event_types, units_file: str = "units.csv"
) -> dict[str, dict[str, Check]]:
    """Every input file's column rules, from appraisal.yaml, the units (of
    ``units_file``, as an unknown unit is said) and the catalogue's event types."""
    unit = known_unit(unit_ids, units_file)
    groups = named_one_of(config.survey.groups, "known_group")
    scale = list(config.survey.scale)
    answer = Check(
        _said("answer", scale=answers(scale)),
        lambda s: ~_text(s).isin(scale).fillna(False) & number(0, 100).bad(s),
    )
    bonus = config.bonus_rule()
    categories = [c.id for c in bonus.categories] if bonus else []
    y = config.year
    return {
        "ballots": {
            "ballot_id": given("ballot_id"),
            "rater_group": groups,
            "rater_id": given("rater_of_ballot"),
            "unit_id": unit,
            "answer": answer,
            "rater_unit": optional(unit),
        },
        "raters": {
            "rater_id": given("rater_id"),
            "rater_group": groups,
            "rater_unit": optional(unit),
        },
        "review": {"unit_id": unit, "score": number(0, 100)},
        "key_targets": {
            "unit_id": unit,
            "target_id": given("target_id"),
            "target": number(0, positive=True),
            "achieved": number(0),
            "adjusted_target": optional(number(0, positive=True)),
            "adjusted_on": optional(date(y)),
        },
        "faults": {
            "unit_id": unit,
            "date": date(y),
            "severity": named_one_of(config.faults.severities, "severity"),
            "responsibility": optional(
                named_one_of(config.faults.responsibilities, "responsibility")
            ),
        },
        "vetoes": {
            "unit_id": unit,
            "event_id": one_of(event_types, "known_event"),
            "approved_by": given("veto_by"),
            "approved_on": date(),
            "reference": given("reference"),
            "decision": optional(one_of_words(VETO_DECISION, "veto_decision")),
        },
        "bonuses": {
            "unit_id": unit,
            "category": named_one_of(bonus.categories, "bonus_category")
            if categories
            else Check(_said("no_bonus_rule"), _always),
            "date": date(y),
            "reason": given("bonus_reason"),
            "approved_by": given("bonus_by"),
            "approved_on": date(),
            "reference": given("reference"),
        },
        "overrides": {
            "unit_id": unit,
            "grade": one_of_words(GRADE, "grade"),
            "reason": given("override_reason"),
            "approved_by": given("override_by"),
            "approved_on": date(),
        },
    }


def named_one_of(entries, what: str) -> Check:
    """The id of one of appraisal.yaml's list ``entries`` (survey groups,
    severities…), each listed in Chinese with its name."""
    return one_of([e.id for e in entries], what, {e.id: e.name_zh for e in entries})


def _always(s: pd.Series) -> pd.Series:
    return pd.Series(True, index=s.index)


# --------------------------------------------------------------- validation
def validate_inputs(
    config: Config,
    inputs: Inputs,
    units: pd.DataFrame,
    events: pd.DataFrame,
    event_types,
    counts: pd.DataFrame | None = None,
    units_file: str = "units.csv",
) -> None:
    """Check every cell and every cross-file rule; raise one ``ValidationFailed``
    with all the problems, or return (the inputs are then safe to score).
    ``counts``: the year's reports of the indicators a rule's faults are counted in
    (``unit_id, indicator_id, period, value, name_zh, frequency``), which the fault
    register must match. ``units_file``: the file the units came from, named where
    a unit is not in it."""
    unit_ids = list(units["unit_id"])
    rules = schema(config, unit_ids, event_types, units_file)
    problems: list[pd.DataFrame] = []
    for name, frame in inputs.tables.items():
        for column, check in rules[name].items():
            cells = frame[column]
            empty = _empty(cells)
            bad = np.where(empty, check.required, check.bad(cells).to_numpy(bool))
            problems.append(_rows(frame, bad, column, check.rule))
    problems += _cross_checks(config, inputs, events)
    if counts is not None and not _problems_in(problems, "faults"):
        problems.append(_counted_faults(config, inputs, counts))
    report = pd.concat(problems, ignore_index=True)
    if len(report):
        report["_r"] = pd.to_numeric(report["row"], errors="coerce")
        report = report.sort_values(["file", "_r", "column"], kind="stable")
        raise ValidationFailed(report.drop(columns="_r").reset_index(drop=True))


def _cross_checks(config: Config, inputs: Inputs, events: pd.DataFrame) -> list:
    t = inputs.tables
    out = []
    ballots, raters = t["ballots"], t["raters"]
    out.append(_duplicates(raters, ["rater_id"], _said("rater_once")))
    out.append(_duplicates(ballots, ["ballot_id"], _said("ballot_once")))
    out.append(
        _duplicates(
            ballots,
            ["rater_id", "unit_id"],
            _said("rates_once"),
        )
    )
    roster = raters.drop_duplicates("rater_id").set_index("rater_id")
    known = ballots["rater_id"].isin(roster.index)
    has_id = ~_empty(ballots["rater_id"])
    out.append(
        _rows(
            ballots,
            (has_id & ~known).to_numpy(),
            "rater_id",
            _said("known_rater"),
        )
    )
    listed_group = ballots["rater_id"].map(roster["rater_group"])
    out.append(
        _rows(
            ballots,
            (known & (listed_group != ballots["rater_group"])).to_numpy(),
            "rater_group",
            _said("roster_group"),
            detail=listed_group,
        )
    )
    listed_unit = ballots["rater_id"].map(roster["rater_unit"])
    own = _text(ballots["rater_unit"]).fillna(_text(listed_unit))
    contradicts = (
        ~_empty(ballots["rater_unit"])
        & ~_empty(listed_unit)
        & (_text(ballots["rater_unit"]) != _text(listed_unit))
    )
    out.append(
        _rows(
            ballots,
            contradicts.fillna(False).to_numpy(),
            "rater_unit",
            _said("roster_unit"),
            detail=listed_unit,
        )
    )
    out.append(
        _rows(
            ballots,
            (own == _text(ballots["unit_id"])).fillna(False).to_numpy(),
            "unit_id",
            _said("self_rating"),
        )
    )
    if "review" in t:
        out.append(_duplicates(t["review"], ["unit_id"], _said("score_once")))
    if "key_targets" in t:
        k = t["key_targets"]
        out.append(_duplicates(k, ["unit_id", "target_id"], _said("target_once")))
        adjusted = ~_empty(k["adjusted_target"])
        for c in ("adjusted_on", "reason"):
            out.append(
                _rows(
                    k,
                    (adjusted & _empty(k[c])).to_numpy(),
                    c,
                    _said("changed_target", what=_said(c)),
                )
            )
    if "faults" in t:
        f = t["faults"]
        out.append(
            _rows(
                f,
                (~_empty(f["responsibility"]) & _empty(f["person_id"])).to_numpy(),
                "person_id",
                _said("person_of_fault"),
            )
        )
    out.append(_unapproved_vetoes(config, t.get("vetoes"), events))
    if "vetoes" in t:
        v = t["vetoes"]
        out.append(_duplicates(v, ["unit_id", "event_id"], _said("veto_once")))
        declined = (v["decision"] == "decline").to_numpy() & _empty(v["reason"])
        out.append(_rows(v, declined, "reason", _said("decline_reason")))
        year = events["period"].astype(str).str[:4] == str(config.year)
        reported = set(
            zip(events.loc[year, "unit_id"], events.loc[year, "event_id"], strict=True)
        )
        pairs = pd.Series(
            list(zip(v["unit_id"], v["event_id"], strict=True)), index=v.index
        )
        out.append(
            _rows(
                v,
                (~pairs.isin(reported)).to_numpy(),
                "event_id",
                _said("reported_event", year=config.year),
            )
        )
    if "overrides" in t:
        out.append(_duplicates(t["overrides"], ["unit_id"], _said("override_once")))
    return out


def _problems_in(problems: list[pd.DataFrame], name: str) -> bool:
    """Whether ``problems`` name the file ``name`` (its cells are then not read)."""
    return any(p["file"].astype(str).str.startswith(name).any() for p in problems)


def _counted_faults(config: Config, inputs: Inputs, counts: pd.DataFrame):
    """Each unit whose registered faults of the year (``faults.csv``) differ from
    what an indicator a rule counts them in reported over the same periods (those
    the unit has a report of: a late agency's missing month compares nothing): the
    rule rests on the two being the same faults (each counted once), and a fault
    missing from the register escapes the caps."""
    rules = [r for r in config.rules if r.counted_in]
    faults = inputs.tables.get("faults")
    if faults is None:
        faults = pd.DataFrame({"unit_id": [], "date": []}, dtype=object)
    month = faults["date"].astype(str).str[:4] + "-M" + faults["date"].str[5:7]
    out = []
    for indicator in dict.fromkeys(i for r in rules for i in r.counted_in):
        mine = counts[(counts["indicator_id"] == indicator) & counts["value"].notna()]
        if mine.empty:
            continue
        frequency = mine["frequency"].iat[0]
        period = month.map(lambda m, f=frequency: P.containing_label(m, f))
        seen = set(zip(mine["unit_id"], mine["period"], strict=True))
        inside = [k in seen for k in zip(faults["unit_id"], period, strict=True)]
        registered = faults.loc[inside].groupby("unit_id").size()
        reported = mine.groupby("unit_id")["value"].sum()
        n = registered.reindex(reported.index, fill_value=0)
        rule = next(r for r in rules if indicator in r.counted_in)
        rule = Word(rule.name_zh, rule.id)  # by its name, as the committee knows it
        named = Word(f"“{mine['name_zh'].iat[0]}”", indicator)
        for unit in reported.index[n.to_numpy() != reported.to_numpy()]:
            said = say_count(
                "appraisal_input_rule", "counted_faults", int(n[unit]),
                year=config.year, m=f"{reported[unit]:g}", indicator=named, rule=rule,
            )  # fmt: skip
            out.append(("faults.csv", pd.NA, "unit_id", unit, said.en, said.zh))
    return pd.DataFrame(out, columns=COLUMNS)


def _unapproved_vetoes(config: Config, vetoes, events: pd.DataFrame) -> pd.DataFrame:
    """A reported event of the year that a veto rule lists, with no row in
    ``vetoes.csv``: the committee decides each one (一票否决 or 不予否决), with who,
    when and the document number; nothing is graded before it has."""
    kinds = {e: r for r in config.rules if r.kind == "veto" for e in r.events}
    year = events["period"].astype(str).str[:4] == str(config.year)
    listed = events[year & events["event_id"].isin(list(kinds))]
    decided = (
        set(zip(vetoes["unit_id"], vetoes["event_id"], strict=True))
        if vetoes is not None
        else set()
    )
    said = {  # the rule by its name, as the committee knows it
        e: _said("veto_approval", rule=Word(r.name_zh, r.id)) for e, r in kinds.items()
    }
    rows = [
        ("vetoes.csv", pd.NA, "unit_id, event_id", f"{u} / {e}", said[e].en, said[e].zh)
        for u, e in zip(listed["unit_id"], listed["event_id"], strict=True)
        if (u, e) not in decided
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def row_problems(
    frame, bad, column: str, code: str, /, *, named=None, **fields
) -> pd.DataFrame:
    """The rows of an input ``frame`` where ``bad``, as a problem report with the
    rule ``code`` (the vocabulary's ``appraisal_input_rule``): for the checks that
    need the grades first (the committee's overrides). ``named``: the words of the
    column's codes (``GRADE``), so that each cell is said by its name, not its
    code: ``value`` in English, ``value_zh`` in Chinese (优秀)."""
    return _rows(frame, bad, column, _said(code, **fields), named=named)


def _duplicates(frame: pd.DataFrame, key: list[str], rule: Word) -> pd.DataFrame:
    dup = frame.duplicated(key, keep=False) & ~frame[key].isna().any(axis=1)
    value = pd.Series(
        [" / ".join(map(str, k)) for k in frame[key].to_numpy()],
        index=frame.index,
        dtype=object,
    )
    return _rows(frame, dup.to_numpy(), ", ".join(key), rule, value=value)


def _rows(
    frame, bad, column, rule: Word, *, value=None, detail=None, named=None
) -> pd.DataFrame:
    """The rows of ``frame`` where ``bad``, as report rows: the rule in English
    (``rule``) and Chinese (``rule_zh``), each with its row's ``detail`` if any;
    with ``named`` (code → :class:`Word`), each coded cell by its name in English
    (``value``) and in Chinese (``value_zh``)."""
    bad = np.asarray(bad, dtype=bool)
    if not bad.any():
        return pd.DataFrame(columns=COLUMNS)
    cells = (value if value is not None else frame[column]).astype(object)
    extra = {}
    if named is not None:  # a code said by its name in each language
        said = [named.get(c) for c in cells]
        zh = [c if w is None else w.zh for w, c in zip(said, cells, strict=True)]
        extra["value_zh"] = pd.Series(zh, dtype=object).fillna("").to_numpy()[bad]
        en = [c if w is None else w.en for w, c in zip(said, cells, strict=True)]
        cells = pd.Series(en, index=cells.index, dtype=object)
    texts = {}
    for lang, key in (("en", "rule"), ("zh", "rule_zh")):
        text = pd.Series(rule.text(lang), index=frame.index)
        if detail is not None:
            text = [
                _said("detail", rule=rule, detail=d).text(lang)
                for d in detail.astype(str)
            ]
        texts[key] = np.asarray(text, dtype=object)[bad]
    return pd.DataFrame(
        {
            "file": frame["source"].to_numpy()[bad],
            "row": frame["row"].to_numpy()[bad],
            "column": column,
            "value": cells.where(cells.notna(), "").to_numpy()[bad],
            **texts,
            **extra,
        },
        columns=[*COLUMNS, *extra],
    )


def _raise(problems: list) -> None:
    if problems:
        raise ValidationFailed(pd.DataFrame(problems, columns=COLUMNS))
