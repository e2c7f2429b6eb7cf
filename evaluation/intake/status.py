"""Who has submitted (报送情况): what each agency owes for a period, what it sent and
when, and the agencies that have sent nothing (未报送).

Two questions, both read off the catalogue (which agency reports which series, how
often, and ``quality.due_days``: how many days after a period's end its report is
due) and the rows as read, before or after validation:

* :func:`status`: for one period, every agency, series and reporting period due in
  it: how many units were sent, empty or missing, the latest ``reported_at``, the
  due day, the days late and a status (``missing`` 未报送, ``late`` 迟报 …);
  agencies that sent nothing at all are listed too.
* :func:`absent_submissions`: the submissions nobody sent: an agency that sent no
  row at all (no unit, none of its series of that frequency) for a period. Such an
  agency is *late* (``trailing``) when it has sent none of its later periods either:
  validation lets it through (its values are missing, scored by each indicator's
  ``missing`` rule) unless asked to be strict; any other hole is an error.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from evaluation import periods as P
from evaluation import vocabulary as V
from evaluation.catalogue import Catalogue
from evaluation.vocabulary import FAMILIES

ABSENT_COLUMNS = [
    "agency", "period", "frequency", "series_id", "n_units", "files", "trailing",
]  # fmt: skip

STATUS_COLUMNS = [
    "agency", "series_id", "frequency", "period", "n_units", "n_sent", "n_empty",
    "n_absent", "reported_at", "due", "days_late", "status",
]  # fmt: skip

#: an agency's status, worst first: the worst of its series' (empty values count
#: as sent: the status table and the quality flags say which); ``missing`` for an
#: agency that sent nothing, ``partly_missing`` for one that sent some of what it
#: owes; ``unreadable`` for one whose only files could not be read
#: (:func:`status_lines`)
AGENCY_SEVERITY = (
    "missing", "unreadable", "partly_missing", "incomplete", "late", "not_due",
    "undated", "on_time",
)  # fmt: skip


def _month(labels) -> np.ndarray:
    """Months since year 0 of each label's last month (NaN where not a label)."""
    parsed = P.parse(pd.Series(labels, dtype="str"))
    return (parsed["year"] * 12 + parsed["end_month"]).to_numpy(dtype=float)


def _label(month: int, frequency: str) -> str:
    year, m = divmod(int(month) - 1, 12)
    return P.label(year, m + 1, frequency)


def _sent_pairs(
    observations: pd.DataFrame, series: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The (agency, period) pairs with at least one row (any unit, value or empty),
    counting a row only where its period is written in its series' frequency; and
    every row's period parsed (``frequency``, ``month``) for the spans."""
    codes, labels = pd.factorize(observations["period"])
    parsed = P.parse(pd.Series(labels, dtype="str"))
    month = (parsed["year"] * 12 + parsed["end_month"]).to_numpy(dtype=float)
    i_codes, ids = pd.factorize(observations["indicator_id"])
    agency = series["agency"].reindex(ids).to_numpy(dtype=object)
    freq_of = series["frequency"].reindex(ids).to_numpy(dtype=object)
    pairs = pd.DataFrame({"i": i_codes, "p": codes}).drop_duplicates()
    pairs = pairs[(pairs["i"] >= 0) & (pairs["p"] >= 0)]
    p_freq = parsed["frequency"].to_numpy(dtype=object)[pairs["p"]]
    ok = (p_freq == freq_of[pairs["i"]]) & pd.notna(agency[pairs["i"]])
    pairs = pairs[ok]
    sent = pd.DataFrame(
        {
            "agency": agency[pairs["i"]],
            "frequency": freq_of[pairs["i"]],
            "period": np.asarray(labels, dtype=object)[pairs["p"]],
            "month": month[pairs["p"]],
        }
    ).drop_duplicates()
    seen = pd.DataFrame(
        {"frequency": parsed["frequency"].to_numpy(dtype=object), "month": month}
    )
    return sent, seen.dropna()


def absent_submissions(
    observations: pd.DataFrame,
    catalogue: Catalogue,
    unit_ids,
    *,
    until: str | None = None,
) -> pd.DataFrame:
    """Submissions nobody sent: one row per agency, period and series where the
    agency sent no row at all for that period (no unit, none of its series of the
    period's frequency).

    The periods looked at are those completeness looks at
    (:func:`~evaluation.intake.schemas.absent_rows`): for each frequency, from the
    first to the last period of that frequency in the data. With ``until`` (a period
    label) they run to the last period of each frequency ending by ``until``'s end
    instead, and a frequency nobody reported is looked at from the first month of
    the data: a late agency that is alone in reporting a frequency is found too.

    Columns: ``agency, period, frequency, series_id, n_units`` (every unit of
    ``unit_ids``: nobody's row was sent), ``files`` (the files the agency's rows
    come from, ``", "``-joined; empty if it sent nothing at all) and ``trailing``:
    the agency has sent no later period of that frequency either (a late agency;
    otherwise a lost file).
    """
    series = catalogue.series
    n_units = len(pd.Index(list(unit_ids)).unique())
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in ABSENT_COLUMNS})
    if observations.empty or n_units == 0:
        return empty
    sent, seen = _sent_pairs(observations, series)
    if seen.empty:
        return empty
    starts = seen["month"] - seen["frequency"].map(P.months_per) + 1
    first_month = int(starts.min())
    end = None if until is None else int(_month([until])[0])
    sent_keys = set(zip(sent["agency"], sent["period"], strict=True))
    last_sent = sent.groupby(["agency", "frequency"])["month"].max().to_dict()
    files = agency_files(observations, series)
    rows = []
    for freq, (_, size) in P.FREQUENCIES.items():
        mine = seen["month"][seen["frequency"] == freq]
        if len(mine):
            lo, hi = int(mine.min()), int(mine.max())
        elif end is not None:  # nobody reported it: from the data's first month
            lo, hi = -(-(first_month + size - 1) // size) * size, 0
        else:
            continue
        if end is not None:
            hi = end - end % size
        for agency in dict.fromkeys(series["agency"][series["frequency"] == freq]):
            ids = series.index[
                (series["agency"] == agency) & (series["frequency"] == freq)
            ]
            latest = last_sent.get((agency, freq), -np.inf)
            for month in range(lo, hi + 1, size):
                label = _label(month, freq)
                if (agency, label) in sent_keys:
                    continue
                rows.extend(
                    (agency, label, freq, s, n_units, files.get(agency, ""),
                     month > latest)
                    for s in ids
                )  # fmt: skip
    if not rows:
        return empty
    return pd.DataFrame(rows, columns=ABSENT_COLUMNS)


def agency_files(observations: pd.DataFrame, series: pd.DataFrame) -> dict[str, str]:
    """Each agency's files: the sources of its series' rows, ``", "``-joined."""
    if "source" not in observations:
        return {}
    pairs = observations[["indicator_id", "source"]].drop_duplicates()
    pairs = pairs.assign(agency=pairs["indicator_id"].map(series["agency"]))
    pairs = pairs.dropna(subset=["agency"])
    return (
        pairs.groupby("agency")["source"]
        .agg(lambda s: ", ".join(sorted(set(map(str, s)))))
        .to_dict()
    )


def absence_problems(absent: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Absent submissions as validation problems: one per agency and period, naming
    the agency, its file(s), the period and the series (``file, row, column, value,
    rule, rule_zh``; rule ``absent_submission``)."""
    cols = ["file", "row", "column", "value", "rule", "rule_zh"]
    if absent.empty:
        return pd.DataFrame(columns=cols)
    out = []
    for (agency, period), g in absent.groupby(["agency", "period"], sort=False):
        ids = list(dict.fromkeys(g["series_id"]))
        why = "absent_late" if bool(g["trailing"].iloc[0]) else "absent_gap"
        said = V.say(
            "validation_rule",
            "absent_submission",
            agency=V.Word(
                catalogue.name(agency, "zh"),
                f"{catalogue.name(agency, 'en')} ({agency})",
            ),
            period=V.Word(f"{P.name_zh(period)}（{period}）", period),
            series=len(ids),
            ids=", ".join(ids),
            units=int(g["n_units"].iloc[0]),
            why=V.say("validation_rule", why),
        )
        out.append(
            {
                "file": g["files"].iloc[0] or f"(agency {agency})",
                "row": pd.NA,
                "column": "period",
                "value": period,
                "rule": said.en,
                "rule_zh": said.zh,
            }
        )
    return pd.DataFrame(out, columns=cols)


# ------------------------------------------------------------------ the status
def due_labels(frequency: str, period: str) -> list[str]:
    """The periods of ``frequency`` whose last month falls in ``period`` (all the
    reports of that frequency due for it: 2025-Q4 → 2025-M10, -M11, -M12 monthly,
    2025-Q4 quarterly, 2025-H2 half-yearly, 2025 annual)."""
    freq, year, end = P.year_end(period)
    size, own = P.months_per(frequency), P.months_per(freq)
    return [
        P.label(year, m, frequency)
        for m in range(end - own + 1, end + 1)
        if m % size == 0
    ]


def due_day(label: str, catalogue: Catalogue) -> pd.Timestamp:
    """The day a report of period ``label`` is due: ``quality.due_days`` of its
    frequency after the last day of the period."""
    freq, year, end = P.year_end(label)
    last = pd.Timestamp(year=year, month=end, day=1) + pd.offsets.MonthEnd(0)
    return last + pd.Timedelta(days=catalogue.quality.due_days[freq])


def status(
    observations: pd.DataFrame,
    catalogue: Catalogue,
    units,
    period: str,
    *,
    as_of=None,
) -> pd.DataFrame:
    """Who has submitted what for ``period`` (报送情况): one row per agency, series
    and reporting period due in ``period`` (:func:`due_labels`), agencies and
    series in catalogue order; agencies that sent nothing are listed as ``missing``.

    ``observations`` as read (:func:`~evaluation.intake.io.load_dataset`) or
    validated; ``units`` the units table (or their ids): every unit owes a row for
    every series. Rows of other units, series or periods are not counted
    (validation reports them).

    Columns: ``agency, series_id, frequency, period`` (the series' own period),
    ``n_units`` (owed), ``n_sent`` (units with a row), ``n_empty`` (of those, an
    empty value), ``n_absent`` (units without a row), ``reported_at`` (the latest
    date of the rows), ``due`` (:func:`due_day`), ``days_late`` (days after the due
    day it was sent, 0 on time; for a missing report the days after the due day by
    ``as_of``, if given) and ``status``: ``missing`` (未报送: no row for any unit),
    ``incomplete`` (some units have no row), ``late`` (迟报), ``empty`` (every value
    empty), ``partly_empty``, ``undated`` (sent, no ``reported_at``), ``on_time``;
    with ``as_of`` (a date), the position on that day: a row dated after it had not
    been sent yet (undated rows count as sent), and a missing report not yet due by
    then is ``not_due``.
    """
    P.frequency_of(period)  # ValueError for a label that is none
    unit_ids = pd.Index(
        list(units["unit_id"] if isinstance(units, pd.DataFrame) else units)
    ).unique()
    series = catalogue.series
    order = {a.id: k for k, a in enumerate(catalogue.agencies)}
    expected = pd.DataFrame(
        [
            (agency, s, f, label)
            for s, agency, f in zip(
                series.index, series["agency"], series["frequency"], strict=True
            )
            for label in due_labels(f, period)
        ],
        columns=["agency", "series_id", "frequency", "period"],
    )
    expected = expected.assign(
        _a=expected["agency"].map(order).fillna(len(order)),
        _s=expected["series_id"].map({s: k for k, s in enumerate(series.index)}),
        _m=_month(expected["period"]) if len(expected) else [],
    ).sort_values(["_a", "_s", "_m"], kind="stable")
    obs = observations
    rows = obs[
        obs["unit_id"].isin(unit_ids)
        & obs["indicator_id"].isin(expected["series_id"])
        & obs["period"].isin(expected["period"])
    ]
    at = (
        pd.to_datetime(rows["reported_at"], format="%Y-%m-%d", errors="coerce")
        if "reported_at" in rows
        else pd.Series(pd.NaT, index=rows.index)
    )
    today = None if as_of is None else pd.Timestamp(as_of).normalize()
    if today is not None:  # a row dated after as_of had not been sent by then
        rows, at = rows[~(at > today)], at[~(at > today)]
    value = rows["value"]
    blank = value.isna() | (value.astype(str).str.strip() == "")
    per_unit = (
        pd.DataFrame(
            {
                "series_id": rows["indicator_id"].astype(object),
                "period": rows["period"].astype(object),
                "unit_id": rows["unit_id"].astype(object),
                "blank": blank.to_numpy(),
                "at": at.to_numpy(),
            }
        )
        .groupby(["series_id", "period", "unit_id"], sort=False)
        .agg(blank=("blank", "all"), at=("at", "max"))
        .reset_index()
    )
    got = per_unit.groupby(["series_id", "period"], sort=False).agg(
        n_sent=("unit_id", "size"),
        n_empty=("blank", "sum"),
        reported_at=("at", "max"),
    )
    table = expected.merge(
        got, left_on=["series_id", "period"], right_index=True, how="left"
    )
    n = len(unit_ids)
    table["n_units"] = n
    table["n_sent"] = table["n_sent"].fillna(0).astype(int)
    table["n_empty"] = table["n_empty"].fillna(0).astype(int)
    table["n_absent"] = n - table["n_sent"]
    table["reported_at"] = pd.to_datetime(table["reported_at"])
    table["due"] = pd.to_datetime([due_day(p, catalogue) for p in table["period"]])
    sent = table["n_sent"] > 0
    late_by = (table["reported_at"] - table["due"]).dt.days
    if today is not None:
        late_by = late_by.where(sent, (today - table["due"]).dt.days)
    table["days_late"] = late_by.clip(lower=0).astype("Int64")
    not_due = (
        table["due"] >= today if today is not None else pd.Series(False, table.index)
    )
    table["status"] = np.select(
        [
            ~sent & not_due,
            ~sent,
            table["n_absent"] > 0,
            late_by.fillna(0) > 0,
            table["n_empty"] == table["n_sent"],
            table["n_empty"] > 0,
            table["reported_at"].isna(),
        ],
        ["not_due", "missing", "incomplete", "late", "empty", "partly_empty",
         "undated"],
        "on_time",
    )  # fmt: skip
    return table[STATUS_COLUMNS].reset_index(drop=True)


def agency_status(table: pd.DataFrame) -> pd.DataFrame:
    """One row per agency of a :func:`status` table (its order): whether it has sent
    (``status``: the worst of its series by :data:`AGENCY_SEVERITY`, empty values
    counting as sent; ``partly_missing``, not ``missing``, where it sent some series
    or periods and not others; ``sent``: whether it sent any), how many series rows
    it owes, how many are missing, late or incomplete, the units with an empty
    value, the latest ``reported_at`` and the most ``days_late``."""
    sent_as = {"empty": "on_time", "partly_empty": "on_time"}
    worst = {s: k for k, s in enumerate(AGENCY_SEVERITY)}
    t = table.assign(
        _w=table["status"].replace(sent_as).map(worst),
        _late=table["status"].eq("late"),
        _missing=table["status"].isin(["missing", "not_due"]),
        _incomplete=table["status"].eq("incomplete"),
    )
    out = t.groupby("agency", sort=False).agg(
        worst=("_w", "min"),
        n_series=("series_id", "size"),
        n_missing=("_missing", "sum"),
        n_incomplete=("_incomplete", "sum"),
        n_late=("_late", "sum"),
        n_empty=("n_empty", "sum"),
        reported_at=("reported_at", "max"),
        days_late=("days_late", "max"),
        sent=("n_sent", "any"),
    )
    said = [AGENCY_SEVERITY[int(k)] for k in out.pop("worst")]
    out.insert(0, "status", said)
    out.loc[out["status"].eq("missing") & out["sent"], "status"] = "partly_missing"
    for c in ("n_missing", "n_incomplete", "n_late", "n_empty"):
        out[c] = out[c].astype(int)
    return out.reset_index()


def status_table(
    table: pd.DataFrame, catalogue: Catalogue, *, lang: str = "zh"
) -> pd.DataFrame:
    """A :func:`status` table for people: agency and series names, periods in
    Chinese (``2025年12月``) for ``zh``, status words and headers from the
    vocabulary (``status_header``, ``submission_status``); dates as officials write
    them (``2026年1月20日``; ``2026-01-20`` in English), counts integers."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be zh or en, not {lang!r}")
    k = 0 if lang == "zh" else 1
    head = FAMILIES["status_header"]
    words = FAMILIES["submission_status"]

    def day(values: pd.Series) -> list[str]:
        return ["" if pd.isna(v) else _day(v, lang) for v in values]

    cols = {
        "agency": [catalogue.name(a, lang) for a in table["agency"]],
        "indicator": [catalogue.name(s, lang) for s in table["series_id"]],
        "indicator_id": table["series_id"].tolist(),
        "period": [P.name_zh(p) if k == 0 else p for p in table["period"]],
        "n_units": table["n_units"].astype(int).tolist(),
        "n_sent": table["n_sent"].astype(int).tolist(),
        "n_empty": table["n_empty"].astype(int).tolist(),
        "n_absent": table["n_absent"].astype(int).tolist(),
        "reported_at": day(table["reported_at"]),
        "due": day(table["due"]),
        "days_late": table["days_late"].astype("Int64").tolist(),
        "status": [words[s][k] for s in table["status"]],
    }
    out = pd.DataFrame({head[c][k]: v for c, v in cols.items()})
    out[head["days_late"][k]] = out[head["days_late"][k]].astype("Int64")
    return out


_day = P.date_text  # 2026年1月20日 / 2026-01-20


def unread_by_agency(files, catalogue: Catalogue) -> dict[str, list[str]]:
    """The report files that could not be read, taken for each agency's by their
    names (they were not read): a file whose name holds the agency's id (any case)
    where no letter comes before it, or its Chinese name (``observations/audit.csv``,
    ``2025legal.csv``, ``市审计局2025年度.xlsx``; not legal in ``illegal_use.csv``),
    other than within a longer agency's there (``service_centre.csv`` is the
    centre's, not also a ``service`` agency's). A file that names two agencies is
    listed for both (:func:`status_lines` says so); one that names none, for none.
    """
    out: dict[str, list[str]] = {}
    for file in dict.fromkeys(map(str, files)):
        name = file.rsplit("/", 1)[-1].lower()
        spans = {a.id: _named(name, a) for a in catalogue.agencies}
        for agency, own in spans.items():
            others = [o for b, found in spans.items() if b != agency for o in found]
            if any(not any(_within(s, o) for o in others) for s in own):
                out.setdefault(agency, []).append(file)
    return out


def _named(name: str, agency) -> list[tuple[int, int]]:
    """Where a file's name (lower case) holds an agency's id at a word's start, or
    its Chinese name: ``(start, end)`` of each."""
    spans = [
        m.span()
        for m in re.finditer(rf"(?<![a-z]){re.escape(agency.id.lower())}", name)
    ]
    if agency.name_zh:
        spans += [m.span() for m in re.finditer(re.escape(agency.name_zh), name)]
    return spans


def _within(span: tuple[int, int], other: tuple[int, int]) -> bool:
    """Whether ``span`` lies within a longer ``other``."""
    return other[0] <= span[0] and span[1] <= other[1] and span != other


def status_lines(
    table: pd.DataFrame,
    catalogue: Catalogue,
    period: str,
    *,
    lang: str = "zh",
    as_of=None,
    unread=None,
    unclaimed=(),
) -> list[str]:
    """A :func:`status` table as an office reads it: a first line counting the
    agencies by status, then one line per agency (catalogue order) saying whether
    it has sent, what is missing or late and by how many days. ``unread``: each
    agency's report files that could not be read (:func:`unread_by_agency`); an
    agency of which nothing was read is ``unreadable`` (文件无法读取), its files
    named, not ``missing`` with days overdue; one that sent part names them too. A
    file listed for several agencies (its name points to each) is said so on each
    one's line: which of them sent it cannot be told. ``unclaimed``: the files that
    could not be read and name no agency, said in a last line (every agency's
    status is as if they were not there)."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be zh or en, not {lang!r}")
    zh = lang == "zh"
    words = {k: w.text(lang) for k, w in FAMILIES["submission_status"].items()}
    agencies = agency_status(table)
    unread = {a: list(f) for a, f in (unread or {}).items() if len(f)}
    nothing = agencies["status"].isin(["missing", "not_due"]) & ~agencies["sent"]
    agencies.loc[nothing & agencies["agency"].isin(list(unread)), "status"] = (
        "unreadable"
    )
    counts = agencies["status"].value_counts()
    sep, comma = ("；", "、") if zh else ("; ", ", ")

    def count(key: str, n: int, **fields) -> str:
        """``n`` things in ``lang`` (vocabulary ``status_count``): ``1 day overdue``."""
        return V.say_count("status_count", key, n, **fields).text(lang)

    parts = [
        f"{words[s]}{int(counts[s])}个" if zh else f"{int(counts[s])} {words[s]}"
        for s in AGENCY_SEVERITY[::-1]
        if counts.get(s, 0)
    ]
    name = P.name_zh(period) if zh else P.name_en(period)
    when = (
        ("" if as_of is None else f"（截至{_day(as_of, lang)}）")
        if zh
        else ("" if as_of is None else f" (as of {_day(as_of, lang)})")
    )
    if zh:
        lines = [
            f"{name}报送情况{when}：{count('agencies', len(agencies))}，其中"
            + "，".join(parts)
            + "。"
        ]
    else:
        lines = [
            f"submissions for {name}{when}: {count('agencies', len(agencies))}, "
            + ", ".join(parts)
        ]

    named_by: dict[str, list[str]] = {}  # each file → the agencies its name names
    order = {a.id: k for k, a in enumerate(catalogue.agencies)}
    for a in sorted(unread, key=lambda a: order.get(a, len(order))):
        for file in unread[a]:
            named_by.setdefault(file, []).append(a)

    def unread_words(agency: str) -> list[str]:
        """An agency's files not read: its own, sent to be resent; then each file
        whose name names other agencies too, with them."""
        own = [f for f in unread[agency] if len(named_by[f]) == 1]
        shared: dict[tuple, list[str]] = {}
        for f in unread[agency]:
            if len(named_by[f]) > 1:
                shared.setdefault(tuple(named_by[f]), []).append(f)
        said = [
            V.say_count("absence_cli", "unread_sent", len(own), files=_files(own))
            if own
            else None,
            *(
                V.say_count(
                    "absence_cli",
                    "unread_shared",
                    len(files),
                    files=_files(files),
                    agencies=V.listed(
                        V.Word(*(catalogue.name(a, k) for k in V.LANGS))
                        for a in agencies
                    ),
                )
                for agencies, files in shared.items()
            ),
        ]
        return [w.text(lang) for w in said if w is not None]

    def period_of(p: str) -> str:
        return P.name_zh(p) if zh else P.name_en(p)

    def series_by_period(rows: pd.DataFrame, with_units: bool = False) -> str:
        out = []
        for p, g in rows.groupby("period", sort=False):
            names = [
                catalogue.name(s, lang)
                + (
                    ("（{}）" if zh else " ({})").format(count("units_missing", n))
                    if with_units
                    else ""
                )
                for s, n in zip(g["series_id"], g["n_absent"], strict=True)
            ]
            out.append(period_of(p) + ("：" if zh else ": ") + comma.join(names))
        return sep.join(out)

    for r in agencies.itertuples(index=False):
        mine = table[table["agency"] == r.agency]
        who = catalogue.name(r.agency, lang)
        latest = "" if pd.isna(r.reported_at) else _day(r.reported_at, lang)
        if r.status in ("missing", "partly_missing", "unreadable"):
            rows = mine[mine["status"].isin(["missing", "not_due"])]
            if r.status != "unreadable":
                rows = rows[rows["status"] == "missing"]
            units = int(rows["n_units"].iloc[0])
            late = rows["days_late"].dropna()
            overdue = (
                ("，" if zh else ", ") + count("overdue", int(late.max()))
                if len(late) and late.max() > 0 and r.status != "unreadable"
                else ""
            )
            detail = sep.join([series_by_period(rows), count("units_due", units)])
            detail += overdue
            if r.agency in unread:  # sent, but not read: named, to be resent
                detail = sep.join([*unread_words(r.agency), detail])
        elif r.status == "incomplete":
            rows = mine[mine["status"] == "incomplete"]
            detail = series_by_period(rows, with_units=True)
        elif r.status == "late":
            rows = mine[mine["status"] == "late"]
            due = _day(rows["due"].max(), lang)
            detail = count("late", int(r.days_late), late=int(r.n_late)) + (
                f"；最晚于{latest}报送，报送期限{due}"
                if zh
                else f"; last sent {latest}, due {due}"
            )
        elif r.status == "not_due":
            due = _day(mine["due"][mine["status"] == "not_due"].min(), lang)
            detail = f"报送期限{due}" if zh else f"due {due}"
        else:
            detail = (
                f"{int(r.n_series)}项" + (f"，最晚于{latest}报送" if latest else "")
                if zh
                else f"{int(r.n_series)} series"
                + (f", last sent {latest}" if latest else "")
            )
        if r.n_empty and r.status in ("on_time", "late", "undated"):
            detail += sep + count("empty", int(r.n_empty))
        lines.append(
            f"  {who}：{words[r.status]}（{detail}）"
            if zh
            else f"  {who}: {words[r.status]} ({detail})"
        )
    if unclaimed := list(dict.fromkeys(map(str, unclaimed))):
        said = V.say_count(
            "absence_cli", "unread_unclaimed", len(unclaimed), files=_files(unclaimed)
        )
        lines.append(said.text(lang))
    return lines


def _files(files: list[str]) -> V.Word:
    """File names as a message lists them: ``a.csv、b.csv`` / ``a.csv, b.csv``."""
    return V.Word("、".join(files), ", ".join(files))


def owed_series(absences: pd.DataFrame, catalogue: Catalogue) -> list[tuple]:
    """Each agency's series not yet sent (``absences`` as ``Result.absences`` or
    ``Dataset.absent``), by name, with the periods they miss, grouped by those
    periods, in the catalogue's order: ``(agency id, words)``, the words
    ``政务服务网上可办率（2024年度、2025年度）`` / ``Online service rate (2024,
    2025)``."""
    order = {s: k for k, s in enumerate(catalogue.series.index)}
    out = []
    for agency, g in absences.groupby("agency", sort=False):
        owed: dict[tuple, list] = {}  # the periods missing → the series owing them
        for series, periods in g.groupby("series_id", sort=False)["period"]:
            owed.setdefault(tuple(dict.fromkeys(periods)), []).append(series)
        for periods, series in owed.items():
            series = sorted(series, key=lambda s: order.get(s, len(order)))
            said = V.say(
                "absence_cli",
                "owed_series",
                series=V.Word(
                    *(
                        sep.join(catalogue.name_or_id(s, k) for s in series)
                        for k, sep in zip(V.LANGS, ("、", ", "), strict=True)
                    )
                ),
                periods=V.Word("、".join(map(P.name_zh, periods)), ", ".join(periods)),
            )
            out.append((agency, said))
    return out


def owed(absences: pd.DataFrame, catalogue: Catalogue) -> V.Word:
    """Each agency with the series it owes and their periods (:func:`owed_series`):
    ``市政务服务中心的政务服务网上可办率（2024年度、2025年度）``, agencies joined by
    ``；``; what every message about a late agency names."""
    parts = [
        V.say(
            "absence_cli",
            "owed",
            agency=V.Word(*(catalogue.name(agency, k) for k in V.LANGS)),
            series=said,
        )
        for agency, said in owed_series(absences, catalogue)
    ]
    return V.Word("；".join(p.zh for p in parts), "; ".join(p.en for p in parts))


def absence_warning(
    absences: pd.DataFrame, catalogue: Catalogue, indicators=None
) -> V.Word:
    """What a run without late agencies' submissions says, in Chinese and English:
    each agency with the series it owes, by name (a new indicator with no report
    yet is named, not its agency alone), and their periods (:func:`owed`); and how
    many indicators were scored without them. ``absences`` as ``Result.absences``;
    ``indicators`` the indicators concerned (``Result.absent_indicators``) of the
    run's period. Without ``indicators`` (``absences`` as ``validate_dataset`` lets
    them through: ``Dataset.absent``), what validation says."""
    return V.say_count(
        "absence_cli",
        "warning" if indicators is not None else "validate",
        len(list(indicators or [])),
        agencies=owed(absences, catalogue),
    )
