"""Feedback letters (反馈意见书): one PDF per unit of a stored annual appraisal.

Each letter, in Chinese and addressed to the unit, says what the unit's year came to
and what it can do about it: its final score, grade and rank in its appraisal group
(第3名/共40个市直部门); each level-1 dimension's year-end score against the group's
median, with its strengths and weaknesses in sentences; the year's graded warnings
(counts by level, the latest red and orange ones with their reasons); the
rectification items still open (deadline, responsible unit); the rules applied to
it, why, and their sources; the data-quality flags raised on its reports; and the
public-notice period with how to appeal (申诉, 复核).

Nothing is recomputed: every number comes from the stored run (``grades``,
``rules_applied`` and the Result's ``warnings``, ``ledger`` and ``flags``). The
content is built by small pure functions over those tables (:func:`letter_data`),
so it is tested without a PDF; :func:`render_letter` makes the HTML (jinja2) and
``report.write_pdf`` the PDF (WeasyPrint, Noto CJK fonts).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jinja2
import pandas as pd
from tqdm import tqdm

from evaluation import appraisal as A
from evaluation import periods as P
from evaluation.analysis.views import (
    flag_since,
    flag_subject,
    flag_window,
    flags_in,
    item_level,
)
from evaluation.appraisal import parse_config
from evaluation.appraisal.grades import share_text
from evaluation.appraisal.rules import approval
from evaluation.errors import EvaluationError
from evaluation.files import replacing
from evaluation.publish.export import (
    date_zh,
    file_status,
    pending_correction,
    pending_words,
    published_numbers,
    read_annual,
    round_half_up,
    time_zh,
)
from evaluation.publish.media import typical_gap_note
from evaluation.publish.report import (
    case_text,
    correction_from_store,
    correction_what,
    signed,
    write_pdf,
)
from evaluation.publish.store import BEIJING, graded_names, not_graded, stage
from evaluation.risk.quality import SERIES_WIDE
from evaluation.vocabulary import (
    APPRAISAL_PART,
    APPRAISAL_PART_NAME,
    GRADE,
    QUALITY_CHECK,
    RISK_LEVEL,
    RUN_STATUS,
    Word,
    say,
    word,
)

#: who signs the letters and receives appeals when no appraisal.yaml says
ISSUER = "市绩效考评委员会办公室"
LEVELS = ("red", "orange", "yellow")
#: the grades' column of each part of the score (考、评、议)
PART_COLUMNS = (
    ("periods_score", "periods"),
    ("review_score", "review"),
    ("survey_score", "survey"),
)


# ------------------------------------------------------------ the letter's parts
def group_position(grades: pd.DataFrame, unit: str, config) -> dict:
    """The unit's rank in its appraisal group, as published (``group_rank``), and
    the number of units in the group: ``{"group", "group_name", "rank", "n"}``."""
    row = _row(grades, unit)
    members = grades[grades["group"] == row["group"]]
    names = {g.id: g.name_zh for g in config.groups}
    rank = row["group_rank"]
    return {
        "group": row["group"],
        "group_name": names.get(row["group"], row["group"]),
        "rank": None if pd.isna(rank) else int(rank),
        "n": len(members),
    }


def dimension_gaps(grades: pd.DataFrame, unit: str, catalogue) -> pd.DataFrame:
    """Each level-1 dimension's year-end score against the median of the unit's
    appraisal group (units with a score; the unit itself included).

    Columns ``node_id, name, score, median, gap``: score and median as published
    (rounded half up to 2 decimals) and ``gap = score − median`` of those, so the
    letter's numbers add up; NaN where the unit has no score.
    """
    _row(grades, unit)  # a clear error for an unknown unit
    gaps = A.dimension_gaps(grades)
    mine = gaps[gaps["unit_id"] == unit].set_index("node_id")
    rows = []
    for d in catalogue.top_dimensions():
        if d not in mine.index:
            continue
        score, median = published_numbers(mine.loc[d, ["score", "group_median"]])
        rows.append(
            {
                "node_id": d,
                "name": catalogue.name(d, "zh"),
                "score": score,
                "median": median,
                "gap": published_numbers([score - median])[0],
            }
        )
    return pd.DataFrame(rows, columns=["node_id", "name", "score", "median", "gap"])


def strengths_weaknesses(gaps: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Dimensions above the group median (furthest first) and below it (furthest
    first); one equal to the median (at 2 decimals) is neither."""
    valid = gaps.dropna(subset=["gap"])
    strengths = valid[valid["gap"] > 0].sort_values(
        "gap", ascending=False, kind="stable"
    )
    weaknesses = valid[valid["gap"] < 0].sort_values("gap", kind="stable")
    return strengths.reset_index(drop=True), weaknesses.reset_index(drop=True)


def warning_summary(warnings: pd.DataFrame, unit: str, year, catalogue) -> dict:
    """The unit's graded warnings in the year: counts by level, and the red and
    orange ones of the latest period that had any (red first), with reasons."""
    w = warnings[
        (warnings["unit_id"] == unit)
        & warnings["period"].astype(str).str.startswith(str(year))
    ]
    counts = {lv: int((w["level"] == lv).sum()) for lv in LEVELS}
    serious = w[w["level"].isin(["red", "orange"])]
    latest, rows = None, []
    if len(serious):
        latest = max(serious["period"].unique(), key=P.sort_key)
        last = serious[serious["period"] == latest]
        last = last.assign(_l=last["level"].map({"red": 0, "orange": 1}))
        for r in last.sort_values("_l", kind="stable").itertuples():
            rows.append(
                {
                    "level": r.level,
                    "level_zh": RISK_LEVEL[r.level][0],
                    "node": catalogue.name_or_id(r.node_id, "zh"),
                    "reason": r.reason_zh,
                    "node_id": r.node_id,
                    "rule": getattr(r, "rule", None),
                }
            )
    return {
        "counts": counts,
        "total": sum(counts.values()),
        "latest_period": latest,
        "latest_period_zh": P.name_zh(latest) if latest else "",
        "latest": rows,
    }


def open_items(
    ledger: pd.DataFrame, unit: str, catalogue, name: str, *, issued=None
) -> list[dict]:
    """The unit's rectification items still open at the ledger's last check, by
    deadline (the current one: past its first deadline an item escalates and gets a
    new one). ``late``: its first deadline had passed at that check (it escalated
    or is reminded) or is before ``issued`` (the letter's date); ``overdue``: its
    current deadline is before ``issued`` too."""
    items = ledger[(ledger["unit_id"] == unit) & (ledger["status"] == "open")]
    items = items.assign(_l=items["level"].map({"red": 0, "orange": 1}).fillna(2))
    order = ["due", "_l", "first_due", "item_id"]
    rows = []
    for r in items.sort_values(order, kind="stable").itertuples():
        overdue = _before(r.due, issued)
        first_passed = _before(r.first_due, issued)
        late = bool(r.reminder) or (r.due != r.first_due) or first_passed
        rows.append(
            {
                "item_id": r.item_id,
                "node": catalogue.name_or_id(r.node_id, "zh"),
                "level": r.level,
                "level_zh": item_level(r, "zh"),
                "opened": P.name_zh(r.opened_period),
                "due": date_zh(r.due),
                "first_due": date_zh(r.first_due),
                "late": late,
                "overdue": overdue,
                "escalations": int(r.escalations),
                "responsible": name,
                "reason": r.reason_zh,
                "node_id": r.node_id,
                "rule": getattr(r, "rule", None),
            }
        )
    return rows


def ledger_as_of(ledger: pd.DataFrame):
    """The date the ledger was last checked (its latest ``checked_on``: the end of
    the run's last period, or the ``check(as_of=…)`` date), as a ``date``; None for
    a ledger never checked (or one without the column)."""
    if "checked_on" not in ledger or not len(ledger):
        return None
    checked = pd.to_datetime(ledger["checked_on"]).max()
    return None if pd.isna(checked) else checked.date()


def rectification_lead(items: list[dict], name: str, as_of, issued) -> str:
    """The sentence over the open items: the ledger's own date (截至2025年12月31日,
    its last check: an item closed since is not known to it), how many are open,
    and, where their deadline (整改期限) is before the letter's date ``issued``, how
    many are overdue (marked 逾期 in the table) and to act on them at once."""
    when = f"截至{date_zh(as_of)}" if as_of else "截至"
    when += "（整改台账最近一次核查）" if as_of else "整改台账最近一次核查时"
    n, k = len(items), sum(1 for x in items if x["overdue"])
    lead = f"{when}，你单位尚有{n}项整改事项未销号（责任单位：{name}）。"
    if not k:
        return lead + "请在整改期限前完成整改并报送整改情况："
    past = f"整改期限早于本意见书发文日期（{date_zh(issued)}），表中标注“逾期”"
    if k == n:
        which = "各项" if n > 1 else "该项"
        return f"{lead}{which}{past}；尚未完成整改的，请立即整改，并报送整改情况："
    return (
        f"{lead}其中{k}项{past}，尚未完成整改的请立即整改；"
        "其余事项请在整改期限前完成整改。请报送整改情况："
    )


def unit_rules(rules_applied: pd.DataFrame, unit: str) -> list[dict]:
    """Every rule applied to the unit: why (``reason_zh``), its effect, the source
    it comes from and who approved it (vetoes, bonuses, overrides)."""
    rows = []
    for r in rules_applied[rules_applied["unit_id"] == unit].itertuples():
        record = approval(r.approved_by, r.approved_on, r.reference)
        rows.append(
            {
                "rule_id": r.rule_id,
                "reason": r.reason_zh,
                "effect": r.effect_zh,
                "source": r.source,
                "version": r.version,
                "approved": record.zh if record is not None else "",
            }
        )
    return rows


def quality_flags(flags: pd.DataFrame, unit: str, year, catalogue) -> list[dict]:
    """Data-quality flags raised on the unit's reports of the year (suspicions to
    check, not findings): those whose window (``since`` … ``period``) reaches into
    the year, and the checks over its whole history, as its profile and the league
    count them (:func:`~evaluation.analysis.views.flags_in`); by last period, then
    first. ``period`` is the window (``2025年1月至2025年12月`` when the evidence spans
    periods), ``indicator`` the series, or the reporting agency of a flag on a whole
    submission."""
    f = flags_in(flags[flags["unit_id"] == unit], str(year))
    last, since = f["period"].astype(str), flag_since(f)
    agency = f["agency"] if "agency" in f else pd.Series([None] * len(f), f.index)
    f = f.assign(
        first=since,
        sender=agency,
        end_month=P.month_index(last) if len(f) else [],
        start_month=P.month_index(since, start=True) if len(f) else [],
    )
    return [
        {
            "period": flag_window(
                r.first, r.period, "zh", whole=r.check in SERIES_WIDE
            ),
            "check": QUALITY_CHECK.get(r.check, (r.check,))[0],
            "indicator": flag_subject(catalogue, r.indicator_id, r.sender, "zh"),
            "reason": r.reason_zh,
        }
        for r in f.sort_values(
            ["end_month", "start_month", "flag_id"], kind="stable"
        ).itertuples()
    ]


def correction_note(correction: dict | None, unit: str, names=None) -> str:
    """The letter's line on a corrected version, for a unit whose score, grade or
    rank in its group the correction changed (by its own appeal or by another's): which
    version supersedes which, why, and what changed for it, then the appeal the
    reason names, in words (whose, why, the review; ``names``: unit id → Chinese
    name), so a unit moved by another's appeal reads whose; else nothing."""
    if correction is None:
        return ""
    changes = correction["changes"]
    mine = changes[changes["unit_id"] == unit]
    if mine.empty:
        return ""
    case = correction.get("case")
    appeal = case_text(case, names if names is not None else {}, "zh") if case else ""
    return (
        word("report", "correction_letter", "zh").format(
            version=correction["version"],
            run=correction["run"],
            old_version=correction["old_version"],
            old=correction["old"],
            reason=correction["reason"] or word("report", "none", "zh"),
            what=correction_what(next(mine.itertuples()), "zh"),
        )
        + appeal
    )


def gap_note(catalogue, warned: list[dict], items: list[dict]) -> dict:
    """The letter's one footnote on what a typical gap is (``注：典型差距指…``,
    :func:`~evaluation.publish.media.typical_gap_note`), where a reason it quotes is
    a robust-z peer warning's: ``typical_gap`` its words, for the rules of the red
    and orange warnings listed (``warned``) and the open items (``items``);
    ``typical_gap_at`` the table it goes under, the warnings' if one of theirs is
    such a reason, else the items' (``""``: no note)."""
    note = typical_gap_note(catalogue, warned + items)
    at = "warnings" if typical_gap_note(catalogue, warned) else "rectification"
    return {"typical_gap": note, "typical_gap_at": at if note else ""}


def appeal_window(run: dict | None, issuer: str = ISSUER, *, today=None) -> dict:
    """The public-notice period (公示期) from the run's ``notice_from`` and
    ``notice_until`` where the store has them, and how to appeal; ``today`` (the
    letter's date) tells an open window from a closed one."""
    run = run or {}
    start, end = run.get("notice_from"), run.get("notice_until")
    how = (
        f"对考评结果有异议的，可在公示期内向{issuer}提出书面申诉，说明理由并附相关"
        f"证明材料。{issuer}受理后组织复核，并将复核结论书面告知你单位。申诉、复核"
        "期间，公示的考评结果不作变动（公示期满且无申诉成立方为最终结果）；经复核需要更正的，"
        "以新版本公布，原版本存档备查。"
    )
    closed = False
    if _text(start) and _text(end):
        closed = today is not None and pd.Timestamp(end) < pd.Timestamp(today)
        if closed:
            window = (
                f"本考评结果已于{date_zh(start)}至{date_zh(end)}公示，公示期已结束。"
            )
            how = (
                f"公示期内提出申诉的，以{issuer}的复核结论为准；经复核更正的，以更正"
                "后公布的版本为准，原版本存档备查。"
            )
        else:
            window = f"本考评结果公示期为{date_zh(start)}至{date_zh(end)}。"
    elif run.get("status") == "draft":
        window = (
            "本意见书依据的考评结果尚未发布（草稿），公示期在考评结果公示时确定，"
            "届时另行通知。"
        )
    else:
        window = "公示期在考评结果公示时确定，具体起止日期以公示通知为准。"
    return {"from": start, "until": end, "closed": closed, "window": window, "how": how}


def letter_data(
    grades: pd.DataFrame,
    rules_applied: pd.DataFrame,
    result,
    unit: str,
    *,
    config,
    run: dict | None = None,
    rules_version: str = "",
    issuer: str = ISSUER,
    issued_on=None,
    correction: dict | None = None,
    pending: dict | None = None,
) -> dict:
    """Everything one unit's letter says, as plain data (numbers already rounded
    half up as published; dates as 2026年1月20日).

    ``grades`` and ``rules_applied`` are the annual run's tables; ``result`` its
    Result (``catalogue``, ``warnings``, ``ledger``, ``flags``); ``config`` the
    appraisal config; ``run`` the run's row of ``store.runs()`` (status, dates and,
    where the store keeps them, ``notice_from``/``notice_until``); ``correction``
    what the run corrects (``report.correction_from_store``): a unit whose grade or
    rank in group it changed is told so (:func:`correction_note`); ``pending`` the
    correction under 公示 that will replace the run (``export.pending_correction``):
    every letter of the run in force says so, as its grades files do.
    """
    cat = result.catalogue
    row = _row(grades, unit)
    year = config.year
    pos = group_position(grades, unit, config)
    gaps = dimension_gaps(grades, unit, cat)
    strengths, weaknesses = strengths_weaknesses(gaps)
    shares = config.shares
    share = {"periods": shares.periods, "review": shares.review,
             "survey": shares.survey}  # fmt: skip
    parts = [
        {
            "short": f"{APPRAISAL_PART[key].zh}（{share_text(share[key])}）",
            "name": APPRAISAL_PART_NAME[key].zh,
            "value": _num(row[col]),
        }
        for col, key in PART_COLUMNS
    ]
    score = _num(row["score"])
    grade = GRADE[row["final_grade"]][0]
    by_score = GRADE[row["grade_by_score"]][0]
    rank_text = (
        f"第{pos['rank']}名/共{pos['n']}个{pos['group_name']}"
        if pos["rank"] is not None
        else f"未排名（共{pos['n']}个{pos['group_name']}）"
    )
    summary = f"你单位{year}年度绩效考评最终得分{score}分，等次为{grade}，" + (
        f"在{pos['n']}个{pos['group_name']}中排第{pos['rank']}名。"
        if pos["rank"] is not None
        else "因无得分未参加排名。"
    )
    if by_score != grade:
        summary += (
            f"按得分应为{by_score}，{_grade_cause(row)}定为{grade}（见第五部分）。"
        )
    status = (run or {}).get("status", "")
    issued = pd.Timestamp(issued_on or _today()).date()
    warned = warning_summary(result.warnings, unit, year, cat)
    items = open_items(result.ledger, unit, cat, row["name_zh"], issued=issued)
    as_of = ledger_as_of(result.ledger)
    return {
        "unit_id": unit,
        "name": row["name_zh"],
        "year": year,
        "title": f"{year}年度绩效考评反馈意见书",
        "appraisal": config.name_zh,
        "run_id": (run or {}).get("run_id", ""),
        # 第2版: the run's version as the committee counts them (its id beside it)
        "version_zh": f"第{int(v)}版" if (v := (run or {}).get("version")) else "",
        "status": status,
        # the reference line's stage in a word (a draft's banner says the rest)
        "status_zh": file_status(run, RUN_STATUS)[0] if run else "",
        "draft": status == "draft",
        "rules_version": rules_version or config.version,
        "issuer": issuer,
        "issued_on": date_zh(issued),
        "generated": time_zh(datetime.now(UTC).isoformat()),
        "score": score,
        "grade": grade,
        "grade_code": row["final_grade"],
        "grade_by_score": by_score,
        "rank": pos["rank"],
        "n": pos["n"],
        "group_name": pos["group_name"],
        "rank_text": rank_text,
        "summary": summary,
        "parts": parts,
        "combined": _num(row["combined"]),
        "deductions": _num(row["deductions"]),
        "bonus": _num(row["bonus"]),
        "dimensions": [
            {
                "name": g.name,
                "score": _num(g.score),
                "median": _num(g.median),
                "gap": signed(g.gap),
                "cls": "up" if g.gap > 0 else "down" if g.gap < 0 else "",
            }
            for g in gaps.itertuples()
        ],
        "strengths": strengths.to_dict("records"),
        "weaknesses": weaknesses.to_dict("records"),
        "comparison": comparison_text(strengths, weaknesses) + _unscored(gaps),
        "warnings": warned,
        "rectification": items,
        "rectification_lead": rectification_lead(items, row["name_zh"], as_of, issued),
        **gap_note(cat, warned["latest"], items),
        "rules": unit_rules(rules_applied, unit),
        "flags": quality_flags(result.flags, unit, year, cat),
        "appeal": appeal_window(run, issuer, today=issued),
        "correction": correction_note(
            correction, unit, grades.set_index("unit_id")["name_zh"]
        ),
        "pending": pending_words(pending, letter=True).zh if pending else "",
    }


# ------------------------------------------------------------------ rendering
def render_letter(data: dict) -> str:
    """The letter as one HTML page (A4 portrait, Noto CJK fonts) for WeasyPrint."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("evaluation.publish", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
    )
    return env.get_template("feedback_letter.html.j2").render(d=data)


def letter_name(unit: str, name_zh: str) -> str:
    """``D07_市生态环境局_反馈意见书.pdf``: safe on any file system."""
    safe = re.sub(r'[\\/:*?"<>|\s]+', "_", str(name_zh)).strip("_")
    return f"{unit}_{safe}_反馈意见书.pdf"


@dataclass(frozen=True)
class LetterSource:
    """What the letters of one annual run are made from, read from the store once
    (so the store is not held open while the PDFs render)."""

    run: dict
    grades: pd.DataFrame
    rules_applied: pd.DataFrame
    result: object
    config: object
    rules_version: str
    units: tuple[str, ...]
    #: what the run corrects (``report.correction_from_store``), if anything
    correction: dict | None = None
    #: the correction under 公示 that replaces the run once final
    #: (``export.pending_correction``), if the run is in force and has one
    pending: dict | None = None


def replaced_by(store, run: dict) -> str | None:
    """The version that replaces a released run (``run``: its row of
    ``store.runs()``), its chain's latest released version, where a correction
    replaced it during its 公示 (公示期间已更正) or after it was final (已被取代);
    None for a run that stands (a draft, one under notice or in force)."""
    code = stage(run)
    if code == "corrected" or (code == "published" and not run.get("in_force", True)):
        head = store.head(run["chain"])
        if head is not None and head["run_id"] != run["run_id"]:
            return head["run_id"]
    return None


def load_letters(
    store, run_id: str, *, units: Iterable[str] | None = None, viewer=None
) -> LetterSource:
    """Read what the letters of a stored annual run need (``units``: only these).

    A draft needs ``viewer`` (recorded). ``EvaluationError`` for a run that is not
    an annual appraisal, a unit it does not have, or a run a correction replaced
    (its grades are not the result: the error names the version to write the
    letters of, :func:`replaced_by`).
    """
    run, info, tables = read_annual(
        store, run_id, ["grades", "rules_applied"], viewer=viewer
    )
    newer = replaced_by(store, run)
    if newer is not None:
        code = "letters_corrected" if stage(run) == "corrected" else "letters_replaced"
        said = say("library_error", code, run=run_id, newer=newer, where=store.where)
        raise EvaluationError(words=said)
    grades = tables["grades"]
    known = grades["unit_id"].tolist()
    keep = known if units is None else list(dict.fromkeys(units))
    unknown = [u for u in keep if u not in set(known)]
    if unknown:
        raise not_graded(run_id, unknown, graded_names(grades))
    return LetterSource(
        run=run,
        grades=grades,
        rules_applied=tables["rules_applied"],
        result=store.result(run_id, viewer=viewer),
        config=parse_config(info["appraisal"]["config"], file="manifest", stored=True),
        rules_version=info["appraisal"]["rules_version"],
        units=tuple(keep),
        correction=correction_from_store(store, run_id, viewer=viewer),
        pending=pending_correction(store.runs(), run),
    )


def issue_date(run: dict, issued_on=None):
    """The letters' date of issue (``issued_on``, default today, Beijing time) as a
    ``date``; ``EvaluationError`` if it is before the run was released (its 公示
    opened, ``notice_from``; else the day it was published): a letter may not be
    dated before the result it tells. A draft's letters (internal) any day."""
    issued = pd.Timestamp(issued_on or _today()).date()
    run = run or {}
    start = run.get("notice_from")
    if not _text(start) and _text(run.get("published_at")):
        at = pd.Timestamp(run["published_at"])
        start = (at.tz_localize("UTC") if at.tzinfo is None else at).tz_convert(BEIJING)
    if run.get("status") == "draft" or not _text(start):
        return issued
    start = pd.Timestamp(start).date()
    if issued < start:
        said = say(
            "library_error",
            "letters_before_notice",
            run=run.get("run_id", ""),
            on=Word(date_zh(issued), issued.isoformat()),
            start=Word(date_zh(start), start.isoformat()),
        )
        raise EvaluationError(words=said)
    return issued


def write_letters(
    source: LetterSource,
    out: str | Path,
    *,
    issuer: str | None = None,
    issued_on=None,
    progress: bool = True,
    html: bool = False,
) -> list[Path]:
    """One PDF letter per unit of ``source`` (from :func:`load_letters`), in the
    run's order, into folder ``out``; with ``html`` the HTML beside each. A progress
    bar counts the letters. ``issuer``: who signs and receives appeals (default: the
    ``office`` of the run's appraisal.yaml). Every letter or none: each is written
    beside its name, all renamed once all are written, so a run stopped midway
    leaves no letters to be sent as if they were all. ``issued_on`` (default today,
    Beijing time) may not be before the run's 公示 opened (:func:`issue_date`)."""
    issued_on = issue_date(source.run, issued_on)
    issuer = issuer or source.config.office.name_zh
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    names = source.grades.set_index("unit_id")["name_zh"]
    paths = []
    with ExitStack() as stack:
        for unit in tqdm(
            source.units, desc="反馈意见书", unit="份", disable=not progress
        ):
            data = letter_data(
                source.grades,
                source.rules_applied,
                source.result,
                unit,
                config=source.config,
                run=source.run,
                rules_version=source.rules_version,
                issuer=issuer,
                issued_on=issued_on,
                correction=source.correction,
                pending=source.pending,
            )
            page = render_letter(data)
            path = out / letter_name(unit, names[unit])
            if html:
                tmp = stack.enter_context(replacing(path.with_suffix(".html")))
                tmp.write_text(page, encoding="utf-8")
            write_pdf(page, stack.enter_context(replacing(path, suffix=".pdf")))
            paths.append(path)
    return paths


# ------------------------------------------------------------------- helpers
def comparison_text(strengths: pd.DataFrame, weaknesses: pd.DataFrame) -> list[str]:
    """The strengths and weaknesses in sentences (one paragraph each), furthest from
    the group median first."""

    def listed(rows: pd.DataFrame, word: str) -> str:
        return "，".join(
            f"{r.name}{word}同组中位数{abs(r.gap):.2f}分" for r in rows.itertuples()
        )

    out = []
    if len(strengths):
        lead = "各一级指标均不低于同组中位数，其中" if weaknesses.empty else ""
        out.append(f"优势：{lead}{listed(strengths, '高于')}。")
    if len(weaknesses):
        lead = "各一级指标均未高于同组中位数，其中" if strengths.empty else ""
        out.append(
            f"不足：{lead}{listed(weaknesses, '低于')}。"
            "请针对上述方面分析原因，制定措施，加以改进。"
        )
    if not out:
        out.append("各一级指标得分与同组中位数持平。")
    return out


def _unscored(gaps: pd.DataFrame) -> list[str]:
    missing = gaps[gaps["score"].isna()]
    if missing.empty:
        return []
    return ["、".join(missing["name"]) + "无年度得分，未作比较。"]


def _grade_cause(row: pd.Series) -> str:
    """What made the final grade differ from the score's, as the letter says it:
    the committee's override where it changed the grade (no rule of the
    appraisal), the quota for 优秀 (a limit on places, not a rule the unit broke),
    else the rules (caps, a veto)."""
    override = row.get("override")
    final = row["final_grade"]
    after_quota = row.get("grade_after_quota", final)
    if isinstance(override, str) and override and final != after_quota:
        return "经考评委员会调整"
    if after_quota != row.get("grade_after_rules", final):
        return "因优秀名额所限"
    return "因适用考评规则"


def _row(grades: pd.DataFrame, unit: str) -> pd.Series:
    hit = grades[grades["unit_id"] == unit]
    if hit.empty:
        raise KeyError(f"no unit {unit!r} in the grades")
    return hit.iloc[0]


def _num(value) -> str:
    return round_half_up([value])[0] if pd.notna(value) else "—"


def _before(day, issued) -> bool:
    """Whether a stored date (``2026-01-25``) is before ``issued`` (a date)."""
    return issued is not None and _text(day) and pd.Timestamp(day).date() < issued


def _text(value) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    return not pd.isna(value)


def _today():
    return pd.Timestamp.now(tz=BEIJING).date()


__all__ = [
    "ISSUER",
    "LetterSource",
    "appeal_window",
    "comparison_text",
    "correction_note",
    "dimension_gaps",
    "gap_note",
    "group_position",
    "issue_date",
    "ledger_as_of",
    "letter_data",
    "letter_name",
    "load_letters",
    "open_items",
    "quality_flags",
    "rectification_lead",
    "render_letter",
    "replaced_by",
    "strengths_weaknesses",
    "unit_rules",
    "warning_summary",
    "write_letters",
]
