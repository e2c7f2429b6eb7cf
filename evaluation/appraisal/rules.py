"""Accountability and incentive rules, each at its own level.

Unit rules (单位) change a unit's score or grade: deductions, grade caps, vetoes,
bonus points. Person rules (个人) never touch a unit: they propose caps on the annual
assessment of the civil servant responsible (公务员年度考核), for the personnel
department (辽市政发〔2007〕48号 五（五）). A rule whose faults an indicator of
the catalogue already counts is applied only where ``count_again`` says so.
"""

from __future__ import annotations

import pandas as pd

from evaluation import periods as P
from evaluation.appraisal.config import GRADES, PERSON_GRADES, Config, Rule
from evaluation.appraisal.inputs import Inputs
from evaluation.vocabulary import (
    GRADE,
    PERSON_GRADE,
    Word,
    family,
    listed,
    say,
    say_count,
)

RULE_COLUMNS = [
    "rule_id",
    "kind",
    "applies_to",
    "version",
    "name_zh",
    "name_en",
    "source",
    "quote_zh",
    "note_zh",
    "active",
    "status_zh",
    "status_en",
    "affected",
]
PERSON_COLUMNS = [
    "person_id",
    "unit_id",
    "faults",
    "proposed",
    "proposed_zh",
    "rule_ids",
    "reason_zh",
    "reason_en",
]


def citation(rule: Rule) -> str:
    """The rule's source as it is cited (:meth:`Source.cited`)."""
    return rule.source.cited()


def counted(key: str, n: float) -> Word:
    """A count in a reason, ``appraisal_count`` in the vocabulary (its singular for
    1: :func:`~evaluation.vocabulary.say_count`): ``3起过错`` / ``3 fault findings``,
    ``1 fault finding``, ``1.5分`` / ``1.5 points`` (the rules' reasons and the
    overrides' refusal, :mod:`.grades`)."""
    return say_count("appraisal_count", key, n)


def is_active(rule: Rule, catalogue) -> tuple[bool, str, str]:
    """Whether a rule applies, with the reason in zh and en when it does not."""
    counted = [i for i in rule.counted_in if i in {x.id for x in catalogue.indicators}]
    if not counted:
        said = say("rule_status", "applied")
        return True, said.zh, said.en
    names = listed(
        Word(f"“{catalogue.name(i, 'zh')}”", f"“{catalogue.name(i, 'en')}”")
        for i in counted
    )  # the catalogue's names, never its ids
    key = "counted_again" if rule.count_again else "counted_once"
    said = say_count("rule_status", key, len(counted), names=names)
    return rule.count_again, said.zh, said.en


def faults_table(inputs: Inputs) -> pd.DataFrame:
    f = inputs.tables.get("faults")
    if f is None:
        cols = ["unit_id", "date", "severity", "person_id", "responsibility"]
        return pd.DataFrame(columns=cols, dtype=object)
    return f


def apply_unit_rules(
    config: Config, table: pd.DataFrame, inputs: Inputs, events, names, catalogue
) -> tuple[list[dict], dict[str, int]]:
    """Apply every active unit rule to ``table`` in place (``deductions``, ``bonus``,
    ``cap``, ``veto``); return the ``rules_applied`` rows and, per rule, how many
    units it touched."""
    faults = faults_table(inputs)
    applied: list[dict] = []
    touched: dict[str, int] = {}
    pos = pd.Series(table.index, index=table["unit_id"])
    for rule in config.rules:
        if rule.applies_to != "unit" or not is_active(rule, catalogue)[0]:
            continue
        base = {"rule_id": rule.id, "version": rule.version, "source": citation(rule)}
        before = len(applied)
        if rule.kind == "deduction":
            _deduct(rule, faults, table, pos, base, applied)
        elif rule.kind == "grade_cap":
            _cap(rule, faults, table, pos, base, applied)
        elif rule.kind == "veto":
            _veto(rule, events, inputs, table, pos, base, applied, names)
        else:
            _bonus(rule, inputs, table, pos, base, applied)
        touched[rule.id] = len({a["unit_id"] for a in applied[before:]})
    return applied, touched


def _deduct(rule, faults, table, pos, base, applied) -> None:
    f = faults[faults["severity"].isin(list(rule.points))]
    pts = f["severity"].map(rule.points).groupby(f["unit_id"]).sum()
    for unit, p in pts.items():
        d = min(p, rule.cap) if rule.cap is not None else p
        n = int((f["unit_id"] == unit).sum())
        table.loc[pos[unit], "deductions"] += d
        faults_n, points = counted("faults", n), counted("points", d)
        applied.append(
            base
            | {
                "unit_id": unit,
                "effect": f"-{d:g}",
                "effect_zh": f"扣{points.zh}",
                "reason_zh": f"{rule.name_zh}：{faults_n.zh}，扣{points.zh}",
                "reason_en": f"{rule.name_en}: {faults_n.en}, {points.en} deducted",
            }
        )


def _cap(rule, faults, table, pos, base, applied) -> None:
    f = (
        faults
        if not rule.severities
        else faults[faults["severity"].isin(rule.severities)]
    )
    counts = f.groupby("unit_id").size()
    rank = {g: i for i, g in enumerate(GRADES)}
    z, e = GRADE[rule.grade]
    for unit, n in counts[counts >= rule.faults_at_least].items():
        i = pos[unit]
        if rank[rule.grade] > rank[table.at[i, "cap"]]:
            table.at[i, "cap"] = rule.grade
        faults_n = counted("faults", n)
        applied.append(
            base
            | {
                "unit_id": unit,
                "effect": f"at most {rule.grade}",
                "effect_zh": f"最高{z}",
                "cap": rule.grade,
                "faults": int(n),
                "reason_zh": f"{rule.name_zh}：{faults_n.zh}，最高评为{z}",
                "reason_en": f"{rule.name_en}: {faults_n.en}, at most {e}",
            }
        )


def _veto(rule, events, inputs, table, pos, base, applied, names) -> None:
    """An event of a listed type in the year fails the unit, as the committee
    decided it in ``vetoes.csv`` (validated: each event decided, with who, when and
    the document number): 一票否决, or 不予否决 with its reason, which changes no
    grade and stays on record."""
    year_events = events[events["event_id"].isin(rule.events)]
    decided = inputs.tables.get("vetoes")
    if decided is None:
        return  # no listed event in the year (validated)
    for r in year_events.itertuples():  # a handful of events a year
        ok = decided[
            (decided["unit_id"] == r.unit_id) & (decided["event_id"] == r.event_id)
        ]
        if ok.empty:
            continue
        a = ok.iloc[0]
        zh, en = names.get(r.event_id, (r.event_id, r.event_id))
        approval = {k: a[k] for k in ("approved_by", "approved_on", "reference")}
        if a.get("decision") == "decline":
            applied.append(
                base
                | {
                    "unit_id": r.unit_id,
                    "effect": VETO_DECLINED,
                    "effect_zh": "不予否决",
                    "reason_zh": f"{rule.name_zh}：{P.name_zh(r.period)}发生{zh}，"
                    f"经考评委员会决定不予否决（{a['reason']}）",
                    "reason_en": f"{rule.name_en}: {en} in {r.period}, veto "
                    f"declined by the committee ({a['reason']})",
                    **approval,
                }
            )
            continue
        table.at[pos[r.unit_id], "veto"] = True
        applied.append(
            base
            | {
                "unit_id": r.unit_id,
                "effect": "fail (veto)",
                "effect_zh": "一票否决，不合格",
                "reason_zh": f"{rule.name_zh}：{P.name_zh(r.period)}发生{zh}，一票否决",
                "reason_en": f"{rule.name_en}: {en} in {r.period}, veto",
                **approval,
            }
        )


#: ``rules_applied``'s effect of a veto the committee declined (不予否决)
VETO_DECLINED = "no veto (declined)"


def _bonus(rule, inputs, table, pos, base, applied) -> None:
    b = inputs.tables.get("bonuses")
    if b is None or b.empty:
        return
    points = {c.id: c.points for c in rule.categories}
    label = {c.id: (c.name_zh, c.name_en) for c in rule.categories}
    b = b.assign(points=b["category"].map(points))
    for unit, items in b.groupby("unit_id", sort=True):
        total = float(items["points"].sum())
        got = min(total, rule.cap)
        table.loc[pos[unit], "bonus"] += got
        what_zh = "；".join(
            f"{label[c][0]}（{r}）"
            for c, r in zip(items["category"], items["reason"], strict=True)
        )
        what_en = "; ".join(
            f"{label[c][1]} ({r})"
            for c, r in zip(items["category"], items["reason"], strict=True)
        )
        capped_zh = f"，封顶{rule.cap:g}分" if got < total else ""
        capped_en = f", capped at {rule.cap:g}" if got < total else ""
        applied.append(
            base
            | {
                "unit_id": unit,
                "effect": f"+{got:g}",
                "effect_zh": f"加{got:g}分",
                "reason_zh": f"{rule.name_zh}：{what_zh}，加{got:g}分{capped_zh}",
                "reason_en": f"{rule.name_en}: {what_en}, +{got:g}{capped_en}",
                "approved_by": "、".join(items["approved_by"].unique()),
                "approved_on": "、".join(items["approved_on"].unique()),
                "reference": "、".join(items["reference"].unique()),
            }
        )


def person_outcomes(
    config: Config, inputs: Inputs, catalogue
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Proposed individual annual-assessment outcomes (公务员年度考核) from the
    person-level rules, one row per person with a fault naming them: the best grade
    the rules leave open (``competent``: 取消评优评先资格; ``incompetent``: 不称职) and
    why. For the personnel department; never part of a unit's grade."""
    faults = faults_table(inputs)
    faults = faults[
        ~faults["person_id"].isna()
        & (faults["person_id"].astype(str).str.strip() != "")
    ]
    rank = {g: i for i, g in enumerate(PERSON_GRADES)}
    units_of = faults.groupby("person_id")["unit_id"].agg(
        lambda u: "、".join(sorted(set(u)))
    )
    faults_of = faults.groupby("person_id").size()
    out: dict[str, dict] = {}
    touched: dict[str, int] = {}
    missed: dict[str, list] = {}
    for rule in config.rules:
        if rule.applies_to != "person" or not is_active(rule, catalogue)[0]:
            continue
        f = faults
        if rule.severities:
            f = f[f["severity"].isin(rule.severities)]
        if rule.responsibility:
            f = f[f["responsibility"].isin(rule.responsibility)]
        counts = f.groupby("person_id").size()
        hit = counts[counts >= rule.faults_at_least]
        touched[rule.id] = len(hit)
        # enough faults in all, but not of the kinds the rule counts: said beside
        # the person's other reasons, so the committee sees why it did not apply
        short = faults_of[(faults_of >= rule.faults_at_least)].index.difference(
            hit.index
        )
        for person in short:
            missed.setdefault(person, []).append(
                (rule, int(counts.get(person, 0)), int(faults_of[person]))
            )
        # the worst grade as the rule sets it (年度考核定为不称职), another as a ceiling
        effect = say(
            "person_effect",
            "rated" if rule.grade == PERSON_GRADES[-1] else "at_most",
            grade=PERSON_GRADE[rule.grade],
        )
        for person, n in hit.items():  # persons a rule caps: a few dozen a year
            row = out.setdefault(
                person,
                {
                    "person_id": person,
                    "unit_id": units_of[person],
                    "faults": int(faults_of[person]),
                    "proposed": "excellent",
                    "rule_ids": [],
                    "reason_zh": [],
                    "reason_en": [],
                },
            )
            if rank[rule.grade] > rank[row["proposed"]]:
                row["proposed"] = rule.grade
            row["rule_ids"].append(rule.id)
            found = counted("findings", n)
            row["reason_zh"].append(
                f"{rule.name_zh}：{found.zh}，{effect.zh}（{citation(rule)}）"
            )
            row["reason_en"].append(
                f"{rule.name_en}: {found.en}, {effect.en} ({citation(rule)})"
            )
    for person, misses in missed.items():
        if person not in out:  # only the persons listed get a reason
            continue
        for rule, n, total in misses:
            kinds, found = _conditions(rule, config), counted("findings_in_all", total)
            out[person]["reason_zh"].append(
                f"{rule.name_zh}：不适用（{found.zh}，其中{kinds[0]}{n}起，"
                f"须满{rule.faults_at_least}起）"
            )
            out[person]["reason_en"].append(
                f"{rule.name_en}: not applied ({found.en}, "
                f"{n} of them {kinds[1]}; {rule.faults_at_least} needed)"
            )
    rows = [
        r
        | {
            "proposed_zh": proposal(r["proposed"]).zh,
            "rule_ids": ", ".join(r["rule_ids"]),
            "reason_zh": "；".join(r["reason_zh"]),
            "reason_en": "; ".join(r["reason_en"]),
        }
        for r in out.values()
    ]
    frame = pd.DataFrame(rows, columns=PERSON_COLUMNS)
    return frame.sort_values("person_id", kind="stable").reset_index(drop=True), touched


def proposal(grade: str) -> Word:
    """A person's proposed outcome in words, as every file and the report say it:
    the worst grade as it is (不称职), another as a ceiling (最高称职（不得评为优秀）),
    since the rules only cap a person's grade; the personnel department grades."""
    if grade == PERSON_GRADES[-1]:
        return PERSON_GRADE[grade]
    return say("person_proposal", "at_most", grade=PERSON_GRADE[grade])


def approved_days(approved_on, lang: str) -> str:
    """A rule's ``approved_on`` (one date, or a bonus's several joined by 、) as
    officials write it: ``2026年1月20日`` in Chinese, ``2026-01-20`` in English."""
    if approved_on is None or (
        not isinstance(approved_on, str) and pd.isna(approved_on)
    ):
        return ""
    days = [d.strip() for d in str(approved_on).split("、") if d.strip()]
    return "、".join(P.date_text(d, lang) for d in days)


def approval(approved_by, approved_on, reference) -> Word | None:
    """The committee's approval of a rule applied, as every file says it (市绩效考评
    委员会，2026年1月20日，考评委〔2026〕1号; the files put it after 批准：), or None
    without one (``vocabulary`` family ``rule_approval``). The
    appraisal.yaml requires it for each veto and bonus; a bonus of several approvals
    lists their dates and numbers joined by 、."""

    def given(v) -> str:
        return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)

    by, on, ref = (
        given(approved_by).strip(),
        given(approved_on).strip(),
        given(reference).strip(),
    )
    zh = [by, approved_days(on, "zh"), ref]
    en = [by, approved_days(on, "en"), ref]
    if not any(zh):
        return None
    sep = family("rule_approval")["sep"]
    return Word(sep.zh.join(x for x in zh if x), sep.en.join(x for x in en if x))


def _conditions(rule: Rule, config: Config) -> tuple[str, str]:
    """The kinds of fault a person rule counts, in words (直接责任的, 较重过错、
    直接责任的): what a fault must be to count towards it."""
    named = {
        x.id: x for x in (*config.faults.severities, *config.faults.responsibilities)
    }
    ids = [*rule.severities, *rule.responsibility]
    zh = "、".join(named[i].name_zh for i in ids if i in named)
    en = ", ".join(named[i].name_en for i in ids if i in named)
    return (f"{zh}的" if zh else "符合条件的"), (en or "counted")


def rules_table(config: Config, catalogue, touched: dict[str, int]) -> pd.DataFrame:
    """Every rule of appraisal.yaml: whom it applies to, its source, whether it is
    applied (and why not), and how many units or persons it touched."""
    rows = []
    for r in config.rules:
        active, zh, en = is_active(r, catalogue)
        rows.append(
            {
                "rule_id": r.id,
                "kind": r.kind,
                "applies_to": r.applies_to,
                "version": r.version,
                "name_zh": r.name_zh,
                "name_en": r.name_en,
                "source": citation(r),
                "quote_zh": r.source.quote_zh,
                "note_zh": r.source.note_zh,
                "active": active,
                "status_zh": zh,
                "status_en": en,
                "affected": touched.get(r.id, 0),
            }
        )
    return pd.DataFrame(rows, columns=RULE_COLUMNS)


def applied_of_kind(
    applied: pd.DataFrame, rules: pd.DataFrame, kinds: list[str] | tuple[str, ...]
) -> pd.DataFrame:
    """The rows of ``applied`` (``Appraisal.rules_applied``) whose rule is of one of
    ``kinds`` (``veto``, ``bonus``, ``deduction``, ``grade_cap``: each rule's
    ``kind`` in ``rules``, ``Appraisal.rules``), in the order applied. The
    built-in quota and committee overrides have no kind: never among them."""
    ids = rules.loc[rules["kind"].isin(list(kinds)), "rule_id"]
    return applied[applied["rule_id"].isin(ids)]
