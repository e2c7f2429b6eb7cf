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

from calendar import monthrange
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation import periods as P
from evaluation.catalogue import Catalogue
from evaluation.errors import EvaluationError
from evaluation.files import replacing
from evaluation.risk.rules import SEVERITY, stable_order
from evaluation.vocabulary import Word, say

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
    return _EMPTY.copy()


_TEXT = [c for c in COLUMNS if c not in ("escalations", "reminder")]
_TYPES = [np.dtype(object)] * len(COLUMNS)
_TYPES[COLUMNS.index("escalations")] = np.dtype(np.int64)
_TYPES[COLUMNS.index("reminder")] = np.dtype(bool)


def _typed(ledger: pd.DataFrame) -> pd.DataFrame:
    """Text columns as objects (None where empty), counts as int, flags as bool."""
    if list(ledger.columns) == COLUMNS and list(ledger.dtypes) == _TYPES:
        return ledger.copy()  # typed already (a ledger this module made)
    # one block of objects and two typed columns: no per-column cast of the frame
    text = np.empty((len(ledger), len(_TEXT)), dtype=object)
    for j, c in enumerate(_TEXT):
        text[:, j] = ledger[c].to_numpy(dtype=object)
    out = pd.DataFrame(text, index=ledger.index, columns=_TEXT, dtype=object)
    for c, kind in (("escalations", np.int64), ("reminder", bool)):
        out.insert(COLUMNS.index(c), c, ledger[c].to_numpy(dtype=kind))
    return out


_EMPTY = _typed(pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS}))


def period_end(period: str) -> pd.Timestamp:
    """The last day of a period (``2025-M02`` → 2025-02-28)."""
    return pd.Timestamp(_end(period))


def _end(period: str) -> date:
    """The last day of a period, as a date."""
    _, year, month = P.year_end(period)
    return date(year, month, monthrange(year, month)[1])


def update(
    ledger: pd.DataFrame,
    warnings: pd.DataFrame,
    assessed: pd.DataFrame,
    periods: list[str],
    catalogue: Catalogue,
    *,
    codes: tuple | None = None,
) -> pd.DataFrame:
    """Apply each of ``periods`` (oldest first) not yet applied to ``ledger``.

    ``warnings`` as in ``Result.warnings``; ``assessed``: ``period, unit_id,
    node_id`` that had a value (``rules.node_values`` of the run's prepared values,
    scores and composites). ``codes``: ``assessed``'s three columns already
    factorised (``rules.Inputs.codes``, the rules' index of the same table), read
    instead of factorising millions of rows again.
    """
    ledger = _typed(ledger)
    done = ledger["checked_period"].dropna() if len(ledger) else ()
    if len(done):
        last = max(done, key=P.sort_key)
        have, run = P.frequency_of(last), P.frequency_of(periods[-1])
        if have != run:
            said = say(
                "library_error",
                "ledger_frequency",
                have=say("frequency", have),
                now=say("frequency", run),
                last=Word(P.name_zh(last), last),
            )
            raise EvaluationError(words=said)
        periods = [p for p in periods if P.sort_key(p) > P.sort_key(last)]
    warned = _serious_by_period(warnings)
    if ledger.empty and not warned:
        return ledger  # nothing open and nothing to open
    # one pass over plain records: a few items change each period, so the replay
    # works on them directly instead of merging whole tables every period
    items = ledger.to_dict("records") if len(ledger) else []
    seen = _Assessed(*(codes or _factorised(assessed)))
    days = catalogue.risk.due_days
    checked = None
    for period in periods:
        if not items and period not in warned:
            continue  # nothing open and nothing to open: the period changes nothing
        items = _apply(items, warned.get(period, {}), seen, period, days)
        checked = period
    if checked is not None:  # every item is checked at each period applied
        for it in items:
            it["checked_period"] = checked
    return _frame(items) if items else ledger


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


def _ordered(items: pd.DataFrame, first: tuple[str, ...] = ()) -> pd.DataFrame:
    """``items`` by the columns ``first`` (largest first), then in the reminder
    list's order: the most severe level, the earliest first due date, the item id
    (unique: no two items are left in an unstated order)."""
    keys = [*first, "level", "first_due", "item_id"]
    return items.sort_values(
        keys,
        ascending=[False] * len(first) + [True] * 3,
        key=lambda s: s.map(SEVERITY).mul(-1) if s.name == "level" else s,
        kind="stable",
    ).reset_index(drop=True)


def reminders(ledger: pd.DataFrame) -> pd.DataFrame:
    """Open items past their first due date at their last check, most severe and
    oldest first (then by item id)."""
    due = ledger[(ledger["status"] == "open") & ledger["reminder"].astype(bool)]
    return _ordered(due)


def escalated(ledger: pd.DataFrame) -> pd.DataFrame:
    """Open items escalated at least once (已升级的事项: a case for a meeting or
    supervision), the most escalations first; equal counts in the reminder list's
    order: the most severe, the earliest first due date, then by item id."""
    stuck = ledger[(ledger["status"] == "open") & (ledger["escalations"] > 0)]
    return _ordered(stuck, ("escalations",))


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


#: the columns of :func:`by_unit`
BY_UNIT_COLUMNS = [
    "unit_id", "items", "open", "overdue", "escalated", "closed", "closed_on_time",
    "closure_rate", "on_time_rate",
]  # fmt: skip


def by_unit(ledger: pd.DataFrame, as_of=None) -> pd.DataFrame:
    """How each responsible unit deals with its items (各单位整改情况), one row per
    unit with an item, the most overdue first, then the lowest on-time rate (a unit
    with nothing due yet last):

    ``items`` opened; ``open``; ``overdue``, open past the first due date at the
    last check (the reminder list's); ``escalated``, items escalated at least once,
    open or closed; ``closed``; ``closed_on_time``, by the first due date;
    ``closure_rate``, % of its items closed (整改完成率); ``on_time_rate``, % of its
    items first due by ``as_of`` that were closed by that due date (按期整改率; NaN
    when none was due yet). ``as_of`` defaults to the ledger's last check date.
    """
    led = _typed(ledger)
    if as_of is None:
        checked = pd.to_datetime(led["checked_on"]).max()
        as_of = checked if pd.notna(checked) else pd.Timestamp.max
    first_due = pd.to_datetime(led["first_due"])
    closed = (led["status"] == "closed").to_numpy()
    on_time = closed & led["on_time"].eq(True).to_numpy()
    due = (first_due <= pd.Timestamp(as_of)).to_numpy()
    open_ = ~closed
    counts = pd.DataFrame(
        {
            "unit_id": led["unit_id"].to_numpy(),
            "items": 1,
            "open": open_,
            "overdue": open_ & led["reminder"].to_numpy(dtype=bool),
            "escalated": (led["escalations"] > 0).to_numpy(),
            "closed": closed,
            "closed_on_time": on_time,
            "due": due,
            "due_on_time": due & on_time,
        }
    )
    out = counts.groupby("unit_id").sum().astype("int64")
    out["closure_rate"] = 100 * out["closed"] / out["items"]
    out["on_time_rate"] = 100 * out["due_on_time"] / out["due"].where(out["due"] > 0)
    out = out.reset_index().sort_values(  # no rate yet (nothing due): last
        ["overdue", "on_time_rate", "unit_id"],
        ascending=[False, True, True],
        kind="stable",
        na_position="last",
    )
    return out[BY_UNIT_COLUMNS].reset_index(drop=True)


def by_level(ledger: pd.DataFrame) -> pd.DataFrame:
    """The ledger at a glance (台账概况): its items by status (rows: ``open``, then
    ``closed``) and current level (columns: the levels it has, the most severe
    first), and ``all`` of each status. A status without items is a row of 0."""
    led = _typed(ledger)
    present = set(led["level"].dropna())
    levels = sorted(present, key=lambda v: -SEVERITY.get(v, -1))
    counts = pd.crosstab(led["status"], led["level"]).reindex(
        index=["open", "closed"], columns=levels, fill_value=0
    )
    counts["all"] = counts.sum(axis=1)
    return counts.rename_axis(index="status", columns=None).astype("int64")


def backlog(ledger: pd.DataFrame) -> pd.DataFrame:
    """The ledger period by period, from its first item to its last check: items
    ``opened`` and ``closed`` in the period and ``open`` at its end (is the backlog
    shrinking?). Empty for a ledger with no items."""
    led = _typed(ledger)
    columns = ["period", "opened", "closed", "open"]
    if led.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    first = min(led["opened_period"], key=P.sort_key)
    period = max(led["checked_period"].dropna(), key=P.sort_key, default=first)
    periods = [period]
    while P.sort_key(period) > P.sort_key(first):
        period = P.previous(period)
        periods.append(period)
    periods.reverse()
    opened = led["opened_period"].value_counts()
    shut = led["closed_period"].dropna().value_counts()
    out = pd.DataFrame({"period": periods})
    out["opened"] = out["period"].map(opened).fillna(0).astype("int64")
    out["closed"] = out["period"].map(shut).fillna(0).astype("int64")
    out["open"] = (out["opened"] - out["closed"]).cumsum()
    return out[columns]


# ------------------------------------------------------------------ the file
def read_ledger(path: str | Path) -> pd.DataFrame:
    """A ledger CSV written by :func:`write_ledger`; an empty ledger if absent."""
    path = Path(path)
    if not path.exists():
        return empty()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise EvaluationError(  # said in Chinese by the command line
            words=say("library_error", "not_ledger", path=path, missing=missing)
        )
    frame = _checked_cells(frame[COLUMNS].copy(), path).replace("", None)
    return frame.astype(
        {
            "escalations": int,
            "reminder": bool,
        }
    ).assign(
        reminder=frame["reminder"] == "True",
        on_time=frame["on_time"].map({"True": True, "False": False}),
    )


#: a ledger cell's allowed words; dates (``YYYY-MM-DD``) apart, the first three a
#: row must have
_WORDS = {
    "status": {"open", "closed"},
    "level": {"orange", "red"},
    "level_opened": {"orange", "red"},
    "reminder": {"True", "False"},
    "on_time": {"True", "False", ""},
}

#: the date columns, each with whether a row must have it
_DATES = {"opened_on": False, "first_due": True, "due": True, "checked_on": False,
          "closed_on": False}  # fmt: skip


def _checked_cells(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """The ledger's cells as :func:`write_ledger` wrote them, or refused naming each
    bad one (line, column, value): a status ``opne`` dropped its item from every
    count, a date ``2026-02-30`` was said as a bad ``--as-of``. What Excel makes of
    the file on saving is read back: ``TRUE``/``FALSE`` and ``2026/1/20``."""
    for c in ("reminder", "on_time"):  # Excel's TRUE, FALSE
        frame[c] = frame[c].replace({"TRUE": "True", "FALSE": "False"})
    bad = []
    for c, words in _WORDS.items():
        bad += [(i, c, v) for i, v in frame[c].items() if v not in words]
    for c, required in _DATES.items():
        text = frame[c].str.strip()
        day = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        excel = pd.to_datetime(text, format="%Y/%m/%d", errors="coerce")
        day = day.fillna(excel)
        frame[c] = day.dt.strftime("%Y-%m-%d").fillna("")
        wrong = day.isna() & ((text != "") | required)
        bad += [(i, c, frame.at[i, c] or text[i]) for i in frame.index[wrong]]
    esc = frame["escalations"].str.strip()
    bad += [(i, "escalations", v) for i, v in esc.items() if not v.isdigit()]
    if bad:
        bad.sort()
        zh = "、".join(f"第{i + 2}行{c}列“{v}”" for i, c, v in bad[:5])
        en = ", ".join(f"line {i + 2} {c} '{v}'" for i, c, v in bad[:5])
        more = Word(f"等{len(bad)}处", f" … {len(bad)} in all") if len(bad) > 5 else ""
        raise EvaluationError(
            words=say(
                "library_error", "ledger_cells", path=path, cells=Word(zh, en),
                more=more,
            )
        )  # fmt: skip
    return frame


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
def _serious_by_period(warnings: pd.DataFrame) -> dict[str, dict]:
    """Per period, ``(unit, node, rule)`` → its most severe orange or red warning
    ``(level, reason_zh, reason_en)``; keys in order of severity (red first), then
    of the warnings table: the order new items are opened in."""
    if warnings.empty:  # nothing to open
        return {}
    level = warnings["level"].array  # the two levels that open an item, by name
    red, orange = SEVERITY["red"], SEVERITY["orange"]
    severity = np.where(level == "red", red, np.where(level == "orange", orange, -1))
    rows = np.flatnonzero(severity >= SEVERITY["orange"])
    rows = rows[np.argsort(-severity[rows], kind="stable")]
    out: dict[str, dict] = {}
    for row in zip(
        *(
            warnings[c].array.take(rows).to_numpy(dtype=object).tolist()
            for c in ["period", *_KEY, "level", "reason_zh", "reason_en"]
        ),
        strict=True,
    ):
        out.setdefault(row[0], {}).setdefault(tuple(row[1:4]), row[4:])
    return out


def _factorised(assessed: pd.DataFrame) -> tuple:
    """Each row's period, unit and node as codes, each with its labels (in order of
    first appearance, as ``pd.factorize`` gives them)."""
    return tuple(
        x for c in ("period", "unit_id", "node_id") for x in pd.factorize(assessed[c])
    )


class _Assessed:
    """The (period, unit, node) that had a value, as codes: per period, the units
    and the (unit, node) pairs assessed, as sets of numbers (built when asked)."""

    def __init__(self, p, periods, u, units, n, nodes):
        self.periods = periods
        self.unit = {x: i for i, x in enumerate(units.tolist())}
        self.node = {x: i for i, x in enumerate(nodes.tolist())}
        self.width = len(nodes)
        order = stable_order(p, len(periods))
        bounds = np.searchsorted(p[order], np.arange(len(self.periods) + 1))
        self._u, self._pair = u[order], (u * self.width + n)[order]
        self._bounds = {x: bounds[i : i + 2] for i, x in enumerate(self.periods)}

    def seen(self, period: str) -> tuple[set, set]:
        """The units assessed in ``period``, and their (unit, node) pairs."""
        a, b = self._bounds.get(period, (0, 0))
        return set(self._u[a:b].tolist()), set(self._pair[a:b].tolist())

    def pair(self, unit: str, node: str) -> int:
        """The number of a (unit, node) pair (-1: never assessed)."""
        u, n = self.unit.get(unit), self.node.get(node)
        return -1 if u is None or n is None else u * self.width + n


def _frame(items: list[dict]) -> pd.DataFrame:
    """The items as a typed ledger, as :func:`_typed` of pandas' reading of the
    records would give it, without building that frame: a column of text only, or
    of ``None`` only, as it is; text with gaps with NaN in them (pandas' rule for
    it); any other (flags) read by pandas, column by column."""
    text = np.empty((len(items), len(_TEXT)), dtype=object)
    for j, c in enumerate(_TEXT):
        column = [it[c] for it in items]
        kinds = set(map(type, column))
        if kinds == {str} or kinds == {type(None)}:
            text[:, j] = column
        elif kinds == {str, type(None)}:
            text[:, j] = [np.nan if v is None else v for v in column]
        else:
            text[:, j] = pd.Series(column).to_numpy(dtype=object)
    out = pd.DataFrame(text, columns=_TEXT, dtype=object)
    for c, kind in (("escalations", np.int64), ("reminder", bool)):
        out.insert(COLUMNS.index(c), c, np.array([it[c] for it in items], dtype=kind))
    return out


def _apply(items: list[dict], warned: dict, assessed, period, days) -> list[dict]:
    """One period applied to the items: warned open items keep (or worsen) their
    level, recovered ones close, new warnings open items, then the due dates are
    checked at the period's end (the caller sets ``checked_period``)."""
    end = _end(period)
    today = end.isoformat()
    open_ = [it for it in items if it["status"] == "open"]
    if open_:
        units_seen, pairs = assessed.seen(period)
    for it in open_:
        w = warned.get((it["unit_id"], it["node_id"], it["rule"]))
        if w is not None:
            level, it["reason_zh"], it["reason_en"] = w
            if SEVERITY[level] > SEVERITY[it["level"]]:
                it["level"] = level
        elif assessed.pair(it["unit_id"], it["node_id"]) in pairs or (
            it["rule"] == "event" and assessed.unit.get(it["unit_id"]) in units_seen
        ):  # recovered: assessed without a serious warning (events: assessed at all)
            it.update(
                status="closed",
                closed_period=period,
                closed_on=today,
                on_time=end <= date.fromisoformat(it["first_due"]),
                reminder=False,
            )
    open_ = [it for it in open_ if it["status"] == "open"]  # the others closed
    still_open = {(it["unit_id"], it["node_id"], it["rule"]) for it in open_}
    for (unit, node, rule), (level, zh, en) in warned.items():
        if (unit, node, rule) in still_open:
            continue
        due = (end + timedelta(days=days[level])).isoformat()
        open_.append(
            dict.fromkeys(COLUMNS)
            | {
                "item_id": f"{period}/{unit}/{node}/{rule}",
                "unit_id": unit,
                "node_id": node,
                "rule": rule,
                "status": "open",
                "level": level,
                "level_opened": level,
                "opened_period": period,
                "opened_on": today,
                "first_due": due,
                "due": due,
                "escalations": 0,
                "reminder": False,
                "reason_zh": zh,
                "reason_en": en,
            }
        )
        items.append(open_[-1])
    for it in open_:
        due = date.fromisoformat(it["due"])
        while due < end:  # one escalation per missed deadline (orange → red)
            it["level"] = "red"
            due += timedelta(days=days["red"])
            it["escalations"] += 1
        it["due"] = due.isoformat()
        it["reminder"] = date.fromisoformat(it["first_due"]) < end
        it["checked_on"] = today
    return items


def _date(ts) -> str:
    return pd.Timestamp(ts).strftime("%Y-%m-%d")


__all__ = [
    "BY_UNIT_COLUMNS",
    "COLUMNS",
    "backlog",
    "by_unit",
    "check",
    "closure_rate",
    "empty",
    "read_ledger",
    "reminders",
    "update",
    "write_ledger",
]
