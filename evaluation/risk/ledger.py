"""The rectification ledger (整改台账): items opened by warnings, closed by recovery.

A red or orange warning opens an item for its unit (the responsible unit), node and
rule, due a number of days after the period's end (``risk.due_days`` per level). Each
later period checks the open items:

* the node was assessed for the unit and is no longer at orange or red → **closed**
  (on time if the period's end is on or before the first due date);
* still orange or red → stays open, at the more severe of the two levels;
* not assessed (no value) → stays open, unchanged.

At each check date (a period's end, or ``check(as_of=…)``) an open item past its due
date **escalates** one level (orange → red; red stays red) and gets a new due date
(``due_days`` of its new level later), once per missed deadline; every open item past
its first due date is listed for a **reminder** until it closes. Items are
never deleted: :func:`write_ledger` refuses to drop one. A ledger follows one period
frequency, and each period is applied once (``checked_period``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from evaluation import periods as P
from evaluation.catalogue import Catalogue
from evaluation.errors import EvaluationError
from evaluation.files import replacing
from evaluation.risk.rules import SEVERITY

COLUMNS = [
    "item_id",
    "unit_id",
    "node_id",
    "rule",
    "status",
    "level",
    "level_opened",
    "opened_period",
    "opened_on",
    "first_due",
    "due",
    "escalations",
    "reminder",
    "checked_period",
    "checked_on",
    "closed_period",
    "closed_on",
    "on_time",
    "reason_zh",
    "reason_en",
]
DATES = ["opened_on", "first_due", "due", "checked_on", "closed_on"]
_KEY = ["unit_id", "node_id", "rule"]
_UP = {"orange": "red", "red": "red"}


def empty() -> pd.DataFrame:
    """A ledger with no items."""
    return _typed(pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS}))


def _typed(ledger: pd.DataFrame) -> pd.DataFrame:
    """Text columns as objects (None where empty), counts as int, flags as bool."""
    types = {c: object for c in COLUMNS} | {"escalations": int, "reminder": bool}
    # cast only the columns not yet of their type (most are, after the first period)
    types = {c: t for c, t in types.items() if ledger[c].dtype != np.dtype(t)}
    return ledger[COLUMNS].astype(types) if types else ledger[COLUMNS].copy()


def period_end(period: str) -> pd.Timestamp:
    """The last day of a period (``2025-M02`` → 2025-02-28)."""
    _, year, month = P.year_end(period)
    return pd.Timestamp(year, month, 1) + pd.offsets.MonthEnd(0)


def update(
    ledger: pd.DataFrame,
    warnings: pd.DataFrame,
    assessed: pd.DataFrame,
    periods: list[str],
    catalogue: Catalogue,
) -> pd.DataFrame:
    """Apply each of ``periods`` (oldest first) not yet applied to ``ledger``.

    ``warnings`` as in ``Result.warnings``; ``assessed``: ``period, unit_id,
    node_id`` that had a value (``rules.node_values`` of the run's prepared values,
    scores and composites).
    """
    ledger = _typed(ledger)
    done = ledger["checked_period"].dropna()
    if len(done):
        last = max(done, key=P.sort_key)
        if P.frequency_of(last) != P.frequency_of(periods[-1]):
            raise EvaluationError(
                f"this ledger follows {P.frequency_of(last)} periods (last "
                f"{last}); the run is {P.frequency_of(periods[-1])}: keep one "
                "ledger file per frequency"
            )
        periods = [p for p in periods if P.sort_key(p) > P.sort_key(last)]
    days = catalogue.risk.due_days
    serious = warnings[warnings["level"].isin(["orange", "red"])]
    for period in periods:
        if ledger.empty and not (serious["period"] == period).any():
            continue  # nothing open and nothing to open: the period changes nothing
        ledger = _apply(
            ledger,
            warnings[warnings["period"] == period],
            assessed[assessed["period"] == period],
            period,
            days,
        )
    return ledger


def check(ledger: pd.DataFrame, as_of, catalogue: Catalogue) -> pd.DataFrame:
    """Escalate open items past their due date at ``as_of``; flag them for reminding."""
    return _check(ledger, pd.Timestamp(as_of), catalogue.risk.due_days)


def _check(ledger: pd.DataFrame, as_of: pd.Timestamp, days) -> pd.DataFrame:
    ledger = ledger.copy()
    open_ = (ledger["status"] == "open").to_numpy()
    due = pd.to_datetime(ledger["due"]).to_numpy().copy()
    level = ledger["level"].to_numpy(dtype=object).copy()
    missed = np.zeros(len(ledger), dtype=int)
    late = open_ & (due < as_of.to_datetime64())
    while late.any():  # one pass per missed deadline, over all late items at once
        level[late] = "red"  # orange → red; red stays red
        due[late] += np.timedelta64(days["red"], "D")
        missed += late
        late = open_ & (due < as_of.to_datetime64())
    ledger["level"] = level
    ledger["due"] = np.where(
        ledger["due"].isna(), None, pd.DatetimeIndex(due).strftime("%Y-%m-%d")
    )
    ledger["escalations"] += missed
    overdue = pd.to_datetime(ledger["first_due"]).to_numpy() < as_of.to_datetime64()
    ledger["reminder"] = np.where(open_, overdue, ledger["reminder"]).astype(bool)
    ledger.loc[open_, "checked_on"] = _date(as_of)
    return ledger


def reminders(ledger: pd.DataFrame) -> pd.DataFrame:
    """Open items past their first due date at their last check, most severe and
    oldest first."""
    due = ledger[(ledger["status"] == "open") & ledger["reminder"].astype(bool)]
    return due.sort_values(
        ["level", "first_due", "item_id"],
        key=lambda s: s.map(SEVERITY).mul(-1) if s.name == "level" else s,
    ).reset_index(drop=True)


def closure_rate(ledger: pd.DataFrame, period: str) -> pd.Series:
    """Per unit, % of its items first due within ``period`` closed by that date.

    The on-time closure rate (整改按期完成率) as an indicator value; units with no
    item due in the period are absent (nothing to rate).
    """
    end = period_end(period)
    start = end - pd.offsets.MonthBegin(P.months_per(P.frequency_of(period)))
    first_due = pd.to_datetime(ledger["first_due"])
    due = ledger[(first_due >= start) & (first_due <= end)]
    closed = pd.to_datetime(due["closed_on"])
    on_time = closed.notna() & (closed <= pd.to_datetime(due["first_due"]))
    return (100 * on_time.groupby(due["unit_id"]).mean()).rename("value")


# ------------------------------------------------------------------ the file
def read_ledger(path: str | Path) -> pd.DataFrame:
    """A ledger CSV written by :func:`write_ledger`; an empty ledger if absent."""
    path = Path(path)
    if not path.exists():
        return empty()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise EvaluationError(f"{path}: not a ledger file (no columns {missing})")
    frame = frame[COLUMNS].replace("", None)
    return frame.astype(
        {
            "escalations": int,
            "reminder": bool,
        }
    ).assign(
        reminder=frame["reminder"] == "True",
        on_time=frame["on_time"].map({"True": True, "False": False}),
    )


def write_ledger(
    ledger: pd.DataFrame, path: str | Path, previous: pd.DataFrame | None = None
) -> Path:
    """Write atomically (temp file + rename); refuse to lose an item of ``previous``."""
    path = Path(path)
    if previous is not None:
        lost = sorted(set(previous["item_id"]) - set(ledger["item_id"]))
        if lost:
            raise EvaluationError(f"ledger update would lose items {lost}")
    with replacing(path) as tmp:
        ledger[COLUMNS].to_csv(tmp, index=False, encoding="utf-8-sig")
    return path


# ----------------------------------------------------------------- internals
def _apply(ledger, warnings, assessed, period, days) -> pd.DataFrame:
    end = period_end(period)
    serious = warnings[warnings["level"].isin(["orange", "red"])]
    serious = (
        serious.assign(_s=serious["level"].map(SEVERITY))
        .sort_values("_s", ascending=False, kind="stable")
        .drop_duplicates(_KEY)[[*_KEY, "level", "reason_zh", "reason_en"]]
    )
    ledger = ledger.copy()
    open_ = (ledger["status"] == "open").to_numpy()
    found = ledger[_KEY].merge(
        serious.rename(columns=lambda c: f"w_{c}" if c not in _KEY else c),
        on=_KEY,
        how="left",
    )
    warned = open_ & found["w_level"].notna().to_numpy()
    worse = warned & (
        found["w_level"].map(SEVERITY).fillna(-1).to_numpy()
        > ledger["level"].map(SEVERITY).to_numpy()
    )
    ledger.loc[worse, "level"] = found.loc[worse, "w_level"].to_numpy()
    for c in ("reason_zh", "reason_en"):
        ledger.loc[warned, c] = found.loc[warned, f"w_{c}"].to_numpy()
    # recovered: assessed without a serious warning (events: the unit was assessed)
    seen = (
        ledger[["unit_id", "node_id"]]
        .merge(
            assessed[["unit_id", "node_id"]].drop_duplicates().assign(_seen=True),
            how="left",
        )["_seen"]
        .notna()
    )
    unit_seen = ledger["unit_id"].isin(assessed["unit_id"]) & (
        ledger["rule"] == "event"
    )
    closed = open_ & ~warned & (seen | unit_seen).to_numpy()
    ledger.loc[closed, "status"] = "closed"
    ledger.loc[closed, "closed_period"] = period
    ledger.loc[closed, "closed_on"] = _date(end)
    ledger.loc[closed, "on_time"] = (
        end <= pd.to_datetime(ledger.loc[closed, "first_due"])
    ).to_numpy()
    ledger.loc[closed, "reminder"] = False
    still_open = ledger.loc[ledger["status"] == "open", _KEY].assign(_open=True)
    new = serious.merge(still_open, on=_KEY, how="left")
    new = new[new["_open"].isna()]
    if not new.empty:
        due = [_date(end + pd.Timedelta(days=days[lv])) for lv in new["level"]]
        items = pd.DataFrame(
            {
                "item_id": period
                + "/"
                + new["unit_id"]
                + "/"
                + new["node_id"]
                + "/"
                + new["rule"],
                "unit_id": new["unit_id"],
                "node_id": new["node_id"],
                "rule": new["rule"],
                "status": "open",
                "level": new["level"],
                "level_opened": new["level"],
                "opened_period": period,
                "opened_on": _date(end),
                "first_due": due,
                "due": due,
                "escalations": 0,
                "reminder": False,
                "reason_zh": new["reason_zh"],
                "reason_en": new["reason_en"],
            }
        )
        items = _typed(items.reindex(columns=COLUMNS))
        ledger = pd.concat([ledger, items], ignore_index=True) if len(ledger) else items
    ledger["checked_period"] = period
    ledger = _check(ledger, end, days)
    return _typed(ledger)


def _date(ts) -> str:
    return pd.Timestamp(ts).strftime("%Y-%m-%d")


__all__ = [
    "COLUMNS",
    "check",
    "closure_rate",
    "empty",
    "read_ledger",
    "reminders",
    "update",
    "write_ledger",
]
