"""Analysts' decisions on flags: accepted or dismissed with a comment, every one
kept, the latest per flag its status."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from evaluation.errors import EvaluationError
from evaluation.files import replacing, safe_cells
from evaluation.vocabulary import Word, quoted, say, say_count

DECISION_COLUMNS = ["flag_id", "decision", "comment", "decided_by", "decided_at"]
#: decisions are dated in Beijing time, as the analysts who open the file read it
#: (ISO 8601 with its offset: ``2026-01-15T17:00:05+08:00``)
BEIJING = ZoneInfo("Asia/Shanghai")


def read_decisions(path: str | Path) -> pd.DataFrame:
    """The decisions file; empty if absent."""
    path = Path(path)
    if not path.exists():
        return pd.DataFrame({c: pd.Series(dtype=object) for c in DECISION_COLUMNS})
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if list(frame.columns) != DECISION_COLUMNS:
        raise EvaluationError(
            f"{path}: not a decisions file ({DECISION_COLUMNS})",
            words=say(
                "library_error",
                "not_decisions",
                path=path,
                columns=", ".join(DECISION_COLUMNS),
            ),
        )
    # a decision word other than the two (typed or edited: dismised) made its flag
    # neither open nor decided, the counts not adding up: refused, its line named
    wrong = frame.index[~frame["decision"].isin(["accepted", "dismissed"])]
    if len(wrong):
        lines = [(i + 2, frame.at[i, "decision"]) for i in wrong[:5]]
        more = len(wrong) > 5
        said = Word(
            "、".join(f"第{n}行“{v}”" for n, v in lines)
            + (f"等{len(wrong)}处" if more else ""),
            ", ".join(f"line {n} '{v}'" for n, v in lines) + (" …" if more else ""),
        )
        raise EvaluationError(
            words=say("library_error", "decisions_words", path=path, lines=said)
        )
    return frame


def decide(
    path: str | Path,
    flag_id: str,
    decision: str,
    comment: str,
    *,
    by: str,
    flags_table: pd.DataFrame,
    at: str | None = None,
) -> pd.DataFrame:
    """Record an analyst's decision on a flag (appended; earlier ones are kept).
    Returns the decisions as the file keeps them: a comment or name starting with
    ``= + - @`` is stored with a leading ``'`` (:func:`evaluation.files.neutralise`).
    """
    if decision not in ("accepted", "dismissed"):
        raise EvaluationError(
            words=say("library_error", "decision", got=quoted(decision))
        )
    if not comment.strip():
        raise EvaluationError(words=say("library_error", "decision_comment"))
    if not by.strip():
        raise EvaluationError(words=say("library_error", "decision_by"))
    if flag_id not in set(flags_table["flag_id"]):
        raise EvaluationError(
            words=say("library_error", "no_flag", flag=quoted(flag_id))
        )
    previous = read_decisions(path)
    row = pd.DataFrame(
        [
            {
                "flag_id": flag_id,
                "decision": decision,
                "comment": comment.strip(),
                "decided_by": by.strip(),
                "decided_at": at or datetime.now(BEIJING).isoformat(timespec="seconds"),
            }
        ]
    )
    # analysts open the file in Excel: text that looks like a formula is kept inert
    out = safe_cells(pd.concat([previous, row], ignore_index=True))
    with replacing(path) as tmp:
        out.to_csv(tmp, index=False, encoding="utf-8-sig")
    return out


def with_decisions(flags_table: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """Flags with ``status`` (open, accepted, dismissed) from the latest decision."""
    latest = decisions.drop_duplicates("flag_id", keep="last").set_index("flag_id")
    out = flags_table.copy()
    # as objects: with no decisions yet the lookups are all-missing floats
    status = out["flag_id"].map(latest["decision"]).astype(object)
    out["status"] = status.where(status.notna(), "open")
    for c in ("comment", "decided_by", "decided_at"):
        out[c] = out["flag_id"].map(latest[c]).astype(object)
    return out


def _refused(path, problems: list[Word]) -> EvaluationError:
    """The error refusing a whole triage: a heading and each problem, in Chinese
    then in English (a notebook shows the message: the analyst reads the Chinese
    first), and as ``words`` (the command line says the one it speaks)."""
    head = say_count("library_error", "triage_refused", len(problems), path=path)
    said = Word(*("\n  ".join([head[k], *(p[k] for p in problems)]) for k in range(2)))
    return EvaluationError(words=said)


def decide_all(
    path: str | Path,
    decisions,
    *,
    by: str,
    flags_table: pd.DataFrame,
    at: str | None = None,
) -> pd.DataFrame:
    """Record several decisions at once, as a notebook's triage lists them:
    ``decisions`` are ``(flag_id, decision, comment)`` rows (a list of triples or a
    table with those columns), all by the analyst ``by``.

    Every row is checked first, by the rules of :func:`decide`, and a flag may be
    decided once per call; any bad row is an error naming each bad row (counted
    from 1) and its flag, and then nothing is written. A row that says what its
    flag's latest decision already says (the same decision, comment and analyst) is
    not recorded again, so a notebook run twice keeps one entry. Returns the
    decisions as the file keeps them (written only if something was recorded).
    """
    rows = pd.DataFrame(
        decisions if isinstance(decisions, pd.DataFrame) else list(decisions),
        columns=["flag_id", "decision", "comment"],
    )
    known = set(flags_table["flag_id"])
    problems = []  # each a Word: said in Chinese and in English
    if not str(by).strip():
        problems.append(say("library_error", "triage_by"))
    seen: set[str] = set()
    for i, (flag, decision, comment) in enumerate(rows.itertuples(index=False), 1):
        wrong = []
        if decision not in ("accepted", "dismissed"):
            wrong.append(say("library_error", "decision", got=quoted(decision)))
        if not isinstance(comment, str) or not comment.strip():
            wrong.append(say("library_error", "triage_comment"))
        if flag not in known:
            wrong.append(say("library_error", "triage_no_flag"))
        elif flag in seen:
            wrong.append(say("library_error", "triage_twice"))
        seen.add(flag)
        problems += [
            say("library_error", "triage_row", row=i, flag=quoted(flag), problem=w)
            for w in wrong
        ]
    if problems:
        raise _refused(path, problems)
    previous = read_decisions(path)
    new = safe_cells(
        rows.assign(
            comment=rows["comment"].str.strip(),
            decided_by=str(by).strip(),
            decided_at=at or datetime.now(BEIJING).isoformat(timespec="seconds"),
        )
    )
    latest = previous.drop_duplicates("flag_id", keep="last")
    key = ["flag_id", "decision", "comment", "decided_by"]
    same = new[key].merge(latest[key], how="left", indicator=True)["_merge"]
    new = new[(same == "left_only").to_numpy()]
    if not len(new):
        return previous
    out = pd.concat([previous, new[DECISION_COLUMNS]], ignore_index=True)
    with replacing(path) as tmp:
        out.to_csv(tmp, index=False, encoding="utf-8-sig")
    return out
