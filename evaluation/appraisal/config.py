"""``appraisal.yaml``: the year's appraisal rules as typed, frozen, validated data.

Every problem is reported at once with its YAML path (``rules[2].grade``), as the
catalogue's are; a YAML syntax error names its line and column; a missing file is a
problem row, never a bare ``FileNotFoundError``. What needs the catalogue (event
types, indicators a rule says already count a fault, peer groups) is checked by
:func:`check_against`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
from pydantic import (
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from evaluation.catalogue import field_path, problem_table
from evaluation.errors import CatalogueError
from evaluation.fields import (
    Model,
    Name,
    Problem,
    Problems,
    Said,
    Text,
    raise_if,
    rule_of,
)
from evaluation.files import load_yaml_config
from evaluation.vocabulary import Word, plain, say

Grade = Literal["excellent", "good", "pass", "fail"]
#: unit grades, best first (优秀、良好、合格、不合格; words: ``vocabulary.GRADE``)
GRADES: tuple[str, ...] = ("excellent", "good", "pass", "fail")
PersonGrade = Literal["excellent", "competent", "basically_competent", "incompetent"]
#: civil servants' annual assessment grades (公务员年度考核等次), best first (words:
#: ``vocabulary.PERSON_GRADE``)
PERSON_GRADES: tuple[str, ...] = (
    "excellent",
    "competent",
    "basically_competent",
    "incompetent",
)
Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9_]+$", max_length=64)]
Share = Annotated[float, Field(ge=0, le=1)]


class Shares(Model):
    """考、评、议: the parts of the year-end score (sum to 1)."""

    periods: Share = 0.5
    review: Share = 0.3
    survey: Share = 0.2

    @model_validator(mode="after")
    def _sum_to_one(self):
        total = self.periods + self.review + self.survey
        if abs(total - 1) > 1e-9:
            raise Said(_say("shares_sum", total=f"{total:g}"))
        return self


class PeriodsPart(Model):
    """The 考 part. ``annual``: the composite of the year's annual run, in which every
    indicator is rolled up over the year at its own frequency by the catalogue's
    ``rollup`` (twelve months, four quarters, two half-years, one annual report), so
    every dimension counts with its catalogue weight (docs/appraisal.md §1)."""

    basis: Literal["annual"] = "annual"


class Trim(Model):
    """Drop the ``k`` highest and lowest ballots when there are ``min_ballots``."""

    k: Annotated[int, Field(ge=1)] = 1
    min_ballots: Annotated[int, Field(ge=3)] = 10


class RaterGroup(Model):
    id: Id
    name_zh: Name
    name_en: Name
    weight: Annotated[float, Field(gt=0)]
    min_respondents: Annotated[int, Field(ge=1)] = 5
    trim: Trim | None = None


class Survey(Model):
    """民主测评: answers → points (``null``: don't know, excluded); groups, weights."""

    scale: dict[str, float | None] = {
        "满意": 100.0,
        "基本满意": 70.0,
        "不满意": 0.0,
        "不了解": None,
    }
    groups: tuple[RaterGroup, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self):
        ids = [g.id for g in self.groups]
        if len(set(ids)) != len(ids):
            raise Said(_say("rater_ids", ids=Word("、".join(ids), str(ids))))
        return self


class Review(Model):
    source: Literal["review", "key_targets"] = "review"


class Source(Model):
    """Where a rule comes from: the policy document's number, the article, the words."""

    document: Text  #: e.g. 辽市政发〔2007〕48号
    article: Text  #: e.g. 第五部分第（五）项
    quote_zh: str = ""  #: the sentence of the original the rule encodes
    note_zh: str = ""  #: how it is applied here, where that is not the original's

    def cited(self) -> str:
        """As it is cited: a document number as it stands (辽市政发〔2007〕48号
        第五部分第（五）项), a document known by its title in 《》
        (《…的决定》第三部分第（四）项)."""
        doc = self.document.strip()
        numbered = "〔" in doc and doc.endswith("号")
        cited = doc if doc.startswith("《") or numbered else f"《{doc}》"
        return f"{cited}{' ' if numbered else ''}{self.article}"


class Severity(Model):
    id: Id
    name_zh: Name
    name_en: Name


class Responsibility(Model):
    id: Id
    name_zh: Name
    name_en: Name


class Faults(Model):
    """The fault findings' vocabulary (``faults.csv``): severities and the kinds of
    responsibility a person can bear (直接责任 / 领导责任)."""

    severities: tuple[Severity, ...] = (
        Severity(id="general", name_zh="一般过错", name_en="general fault"),
        Severity(id="serious", name_zh="较重过错", name_en="serious fault"),
        Severity(id="major", name_zh="严重过错", name_en="major fault"),
    )
    responsibilities: tuple[Responsibility, ...] = (
        Responsibility(id="direct", name_zh="直接责任", name_en="direct"),
        Responsibility(id="leadership", name_zh="领导责任", name_en="leadership"),
    )

    @model_validator(mode="after")
    def _unique(self, info: ValidationInfo):
        """Each severity and responsibility id once: an id declared twice would give
        faults.csv's code the second entry's name, silently. A stored run's rules
        (context ``stored``) are read as they were appraised."""
        if (info.context or {}).get("stored"):
            return self
        problems: list[Problem] = []
        for key in ("severities", "responsibilities"):
            first: dict[str, int] = {}
            for j, x in enumerate(getattr(self, key)):
                if x.id in first:
                    said = _say("fault_id_twice", id=x.id, first=first[x.id] + 1)
                    problems.append(((key, j, "id"), x.id, said))
                first.setdefault(x.id, j)
        raise_if(problems)
        return self


class BonusCategory(Model):
    id: Id
    name_zh: Name
    name_en: Name
    points: Annotated[float, Field(gt=0)]


class Rule(Model):
    """An accountability or incentive rule: whom it applies to (a unit, 单位, or a
    person, 个人), what it does, and the document it comes from.

    * ``deduction`` (unit): ``points[severity]`` per fault, at most ``cap`` a year;
    * ``grade_cap`` (unit or person): at least ``faults_at_least`` faults (of
      ``severities``; for a person, of ``responsibility``) → at most ``grade``;
    * ``veto`` (unit): an approved event of a type in ``events`` → fail;
    * ``bonus`` (unit): approved bonus items (``bonuses.csv``) by category, at most
      ``cap`` points.

    ``counted_in`` names indicators of the catalogue that already count the same
    faults; unless ``count_again`` is true, such a rule is not applied (each fault
    counted once) and the appraisal says so.
    """

    id: Id
    kind: Literal["deduction", "grade_cap", "veto", "bonus"]
    applies_to: Literal["unit", "person"] = "unit"
    version: Text
    source: Source
    name_zh: Name
    name_en: Name
    points: dict[str, Annotated[float, Field(ge=0)]] = {}
    cap: Annotated[float, Field(gt=0)] | None = None
    faults_at_least: Annotated[int, Field(ge=1)] = 1
    severities: tuple[str, ...] = ()
    responsibility: tuple[str, ...] = ()
    grade: str = "fail"
    events: tuple[str, ...] = ()
    categories: tuple[BonusCategory, ...] = ()
    counted_in: tuple[str, ...] = ()
    count_again: bool = False

    @model_validator(mode="after")
    def _fields_of_kind(self):
        k = self.kind
        if self.applies_to == "person" and k != "grade_cap":
            raise Said(_say("person_rule"))
        grades = PERSON_GRADES if self.applies_to == "person" else GRADES
        if k == "grade_cap" and self.grade not in grades:
            family = "person_grade" if self.applies_to == "person" else "grade"
            said = [say(family, g) for g in grades]
            raise Said(
                _say(
                    "cap_grade",
                    grade=Word(self.grade, repr(self.grade)),
                    who=say("applies_to", self.applies_to),
                    applies_to=self.applies_to,
                    grades=Word("、".join(w.zh for w in said), str(list(grades))),
                )
            )
        if k == "deduction" and not self.points:
            raise Said(_say("deduction_points"))
        if k == "veto" and not self.events:
            raise Said(_say("veto_events"))
        if k == "bonus":
            if not self.categories:
                raise Said(_say("bonus_categories"))
            if self.cap is None:
                raise Said(_say("bonus_cap"))
        if self.responsibility and self.applies_to != "person":
            raise Said(_say("responsibility"))
        return self


class AppraisalGroup(Model):
    """A list appraised on its own: its ranks and its quota for excellent
    (e.g. 县（市）区政府 and 市直部门)."""

    id: Id
    name_zh: Name
    name_en: Name
    peer_groups: tuple[str, ...] = Field(min_length=1)


class Quota(Model):
    """At most ``share`` of the units of each appraisal group (``per: group``) or of
    all units (``per: overall``) are excellent; the count is ``share × n`` rounded
    half up. ``source``: the document that sets it, cited beside each unit the
    quota moved (else "本年度考评办法优秀名额规定")."""

    share: Annotated[float, Field(gt=0, le=1)] = 0.2
    per: Literal["group", "overall"] = "group"
    source: Source | None = None


class Grades(Model):
    excellent: float = 90
    good: float = 75
    pass_: float = Field(60, alias="pass")
    quota: Quota | None = Quota()

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _ordered(self):
        if not self.excellent > self.good > self.pass_:
            raise Said(
                _say(
                    "thresholds",
                    excellent=plain(self.excellent),
                    good=plain(self.good),
                    pass_=plain(self.pass_),
                )
            )
        return self


class Office(Model):
    """The office that signs the feedback letters and receives appeals (申诉)."""

    name_zh: Name = "市绩效考评委员会办公室"
    name_en: Name = "Office of the Municipal Performance Appraisal Committee"


class Config(Model):
    """``appraisal.yaml``."""

    id: Id
    version: Text
    year: Annotated[int, Field(ge=2000, le=2100)]
    name_zh: Name
    name_en: Name
    shares: Shares = Shares()
    periods: PeriodsPart = PeriodsPart()
    review: Review = Review()
    survey: Survey
    faults: Faults = Faults()
    groups: tuple[AppraisalGroup, ...] = Field(min_length=1)
    rules: tuple[Rule, ...] = ()
    grades: Grades = Grades()
    office: Office = Office()

    @model_validator(mode="after")
    def _consistent(self):
        """Names agree across sections: a peer group in one appraisal group, the
        rules' severities and responsibilities known, rule ids unique, one bonus
        rule. Each problem at its own path (``rules[2].severities[0]``)."""
        problems: list[Problem] = []
        seen: dict[str, AppraisalGroup] = {}
        for i, g in enumerate(self.groups):
            for j, p in enumerate(g.peer_groups):
                if p in seen:
                    first = seen[p]
                    group = Word(f"“{first.name_zh}”（{first.id}）", first.id)
                    said = _say("peer_group_twice", peer=p, group=group)
                    problems.append((("groups", i, "peer_groups", j), p, said))
                seen[p] = g
        # listed as appraisal.yaml lists them (severities from the least severe),
        # as an unknown code of faults.csv is
        severities = list(dict.fromkeys(s.id for s in self.faults.severities))
        kinds = list(dict.fromkeys(r.id for r in self.faults.responsibilities))
        for i, r in enumerate(self.rules):
            named = [(("severities", j), s) for j, s in enumerate(r.severities)]
            if r.kind == "deduction":
                named += [(("points", s), s) for s in r.points]
            for at, s in named:
                if s not in severities:
                    said = _say(
                        "unknown_severity",
                        known="、".join(severities),
                        known_list=severities,
                    )
                    problems.append((("rules", i, *at), s, said))
            for j, s in enumerate(r.responsibility):
                if s not in kinds:
                    said = _say(
                        "unknown_responsibility",
                        known="、".join(kinds),
                        known_list=kinds,
                    )
                    problems.append((("rules", i, "responsibility", j), s, said))
        ids = [r.id for r in self.rules]
        twice = sorted({x for x in ids if ids.count(x) > 1})
        if twice:
            said = _say("rule_ids", twice="、".join(twice), ids=ids)
            problems.append((("rules",), "", said))
        if sum(r.kind == "bonus" for r in self.rules) > 1:
            problems.append((("rules",), "", _say("one_bonus")))
        raise_if(problems)
        return self

    @property
    def sha256(self) -> str:
        text = self.model_dump_json(by_alias=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def bonus_rule(self) -> Rule | None:
        return next((r for r in self.rules if r.kind == "bonus"), None)

    def group_names(self, lang: str = "zh") -> dict[str, str]:
        """Each appraisal group's id → its name in ``lang`` (``zh`` or ``en``), in
        the order of ``groups`` (as figures and tables show them)."""
        if lang not in ("zh", "en"):
            raise ValueError(f"lang must be zh or en, not {lang!r}")
        return {g.id: getattr(g, f"name_{lang}") for g in self.groups}


def load_config(path: str | Path) -> Config:
    """Read ``appraisal.yaml``; ``CatalogueError`` lists every problem with its YAML
    path (a missing file and a YAML syntax error too)."""
    path = Path(path)
    # file, encoding, syntax, size and keys written twice refused there; each
    # problem with its line and entry's id
    return load_yaml_config(path, lambda raw, _: parse_config(raw, file=path.name))


def parse_config(
    raw: object, *, file: str = "appraisal.yaml", stored: bool = False
) -> Config:
    """Validate an already-parsed mapping (a stored manifest, a notebook, a test).
    ``stored``: a stored run's rules, read back as they were appraised (the checks
    added since, as a name's spaces, refuse only new ones)."""
    if not isinstance(raw, dict):
        raise _error([(file, "", type(raw).__name__, _say("top_level"))])
    try:
        return Config.model_validate(raw, context={"stored": stored})
    except ValidationError as exc:
        rows = []
        errors = exc.errors()
        locs = [tuple(e["loc"]) for e in errors]
        for e in errors:
            loc = tuple(e["loc"])
            if e["type"] == "too_short" and any(
                o[: len(loc)] == loc and o != loc for o in locs
            ):
                continue  # a list left short by its own bad item: that item says it
            value = "" if e["type"] == "missing" else e.get("input", "")
            if isinstance(value, dict | list | tuple):
                value = ""
            cause = (e.get("ctx") or {}).get("error")
            if isinstance(cause, Problems):  # several, each at its own path
                for sub, got, said in cause.problems:
                    where = field_path([*e["loc"], *sub])
                    rows.append((file, where, got, said))
                continue
            rule = getattr(cause, "words", None) or rule_of(e)
            rows.append((file, field_path(list(e["loc"])), value, rule))
        raise _error(rows) from None


def with_shares(
    config: Config, *, periods: float, review: float, survey: float
) -> Config:
    """The same appraisal with other shares of 考、评、议 (a what-if: appraise again
    with it), validated as ``appraisal.yaml`` is: shares in [0, 1] summing to 1, else
    ``CatalogueError`` naming ``shares``. Everything else, rules and grades
    included, stays as it is."""
    raw = config.model_dump(mode="json", by_alias=True)
    raw["shares"] = {"periods": periods, "review": review, "survey": survey}
    return parse_config(raw, file="shares (what-if)")


def check_against(config: Config, catalogue, units: pd.DataFrame) -> None:
    """What appraisal.yaml names that the catalogue and units must know: event types
    of vetoes, indicators in ``counted_in``, peer groups of the appraisal groups, and
    every unit's peer group in some appraisal group."""
    file = "appraisal.yaml"
    rows = []
    events = {e.id for e in catalogue.events}
    indicators = {i.id for i in catalogue.indicators}
    peers = {p.id for p in catalogue.peer_groups}
    for i, r in enumerate(config.rules):
        for j, e in enumerate(r.events):
            if e not in events:
                rows.append(
                    (
                        file,
                        f"rules[{i}].events[{j}]",
                        e,
                        _say(
                            "unknown_event",
                            known="、".join(sorted(events)),
                            known_list=sorted(events),
                        ),
                    )
                )
        for j, ind in enumerate(r.counted_in):
            if ind not in indicators:
                rows.append(
                    (
                        file,
                        f"rules[{i}].counted_in[{j}]",
                        ind,
                        _say("unknown_indicator"),
                    )
                )
    for i, g in enumerate(config.groups):
        for j, p in enumerate(g.peer_groups):
            if p not in peers:
                rows.append(
                    (
                        file,
                        f"groups[{i}].peer_groups[{j}]",
                        p,
                        _say(
                            "unknown_peer_group",
                            known="、".join(sorted(peers)),
                            known_list=sorted(peers),
                        ),
                    )
                )
    grouped = {p for g in config.groups for p in g.peer_groups}
    for p in sorted(set(units["peer_group"]) - grouped):
        rows.append(
            (
                file,
                "groups",
                p,
                _say("peer_group_ungrouped"),
            )
        )
    if rows:
        raise _error(rows)


def _say(code: str, **fields) -> Word:
    """An appraisal.yaml rule in Chinese and English (``appraisal_config_rule``)."""
    return say("appraisal_config_rule", code, **fields)


def _error(rows: list[tuple]) -> CatalogueError:
    """Problem rows as a ``CatalogueError``, as the catalogue's
    (:func:`~evaluation.catalogue.problem_table`)."""
    return CatalogueError(problem_table(rows))
