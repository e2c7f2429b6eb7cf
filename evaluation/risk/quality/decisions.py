"""Analysts' decisions on flags: accepted or dismissed with a comment, every one
kept, the latest per flag its status."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from evaluation.errors import EvaluationError
from evaluation.files import replacing, safe_cells

DECISION_COLUMNS = ["flag_id", "decision", "comment", "decided_by", "decided_at"]


def read_decisions(path: str | Path) -> pd.DataFrame:
    """The decisions file; empty if absent."""
    path = Path(path)
    if not path.exists():
        return pd.DataFrame({c: pd.Series(dtype=object) for c in DECISION_COLUMNS})
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if list(frame.columns) != DECISION_COLUMNS:
        raise EvaluationError(f"{path}: not a decisions file ({DECISION_COLUMNS})")
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
            f"decision must be accepted or dismissed, not {decision!r}"
        )
    if not comment.strip():
        raise EvaluationError("a decision needs a comment saying why")
    if not by.strip():
        raise EvaluationError("a decision needs the analyst's name (by)")
    if flag_id not in set(flags_table["flag_id"]):
        raise EvaluationError(f"no flag {flag_id!r} in this result")
    previous = read_decisions(path)
    row = pd.DataFrame(
        [
            {
                "flag_id": flag_id,
                "decision": decision,
                "comment": comment.strip(),
                "decided_by": by.strip(),
                "decided_at": at or datetime.now(UTC).isoformat(timespec="seconds"),
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
