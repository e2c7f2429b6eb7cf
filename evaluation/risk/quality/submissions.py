"""Who sent what, when (报送情况), and the late reports (迟报) among them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation import periods as P
from evaluation.catalogue import Catalogue
from evaluation.risk.quality.reports import (
    Reports,
    arrange,
)
from evaluation.vocabulary import LANGS, Word, say_count


def _due(reports: Reports) -> np.ndarray:
    """Per row, the day its report was due: ``due_days`` (by the series' frequency)
    after the last day of its period (datetime64[D]; NaT for rows not screened)."""
    q, catalogue = reports.settings, reports.catalogue
    rows = reports.rows
    freq = catalogue.series["frequency"].reindex(reports.series)
    after = freq.map(q.due_days).to_numpy(dtype=float)
    parsed = P.parse(pd.Series(reports.periods, dtype="str"))
    end = (
        pd.to_datetime(
            {"year": parsed["year"], "month": parsed["end_month"], "day": 1},
            errors="coerce",
        )
        + pd.offsets.MonthEnd(0)
    ).to_numpy(dtype="datetime64[D]")
    # per series and period, then per row (codes of rows not screened: 0)
    table = end[None, :] + np.nan_to_num(after).astype("timedelta64[D]")[:, None]
    ok = reports.sent
    cell = np.where(ok, rows["series"], 0)
    cell *= len(end)
    cell += np.where(ok, rows["period"], 0)
    due = table.reshape(-1)[cell]
    due[~ok] = np.datetime64("NaT", "D")
    return due


SUBMISSION_COLUMNS = [
    "agency", "unit_id", "period", "series", "empty", "reported_at", "due",
    "days_late", "status",
]  # fmt: skip


def submissions(
    observations: pd.DataFrame, catalogue: Catalogue, *, period: str | None = None
) -> pd.DataFrame:
    """Who sent what, when (报送情况): one row per agency, unit and period up to
    ``period`` — the series sent, how many of them empty, the latest ``reported_at``,
    the due day, the days late and a ``status`` (``on_time``, ``late``, ``empty``:
    every value empty, ``partly_empty``; ``late`` wins). What the office's
    submission tracker lists; the ``missing`` and ``late`` flags pick the
    suspicious ones from it."""
    reports = arrange(observations, catalogue, period=period)
    rows, sent = reports.rows, reports.sent
    agency_of = catalogue.series["agency"].reindex(reports.series)
    a_codes, agencies = pd.factorize(agency_of)
    n_u, n_p = len(reports.units), len(reports.periods)
    key = (a_codes[rows["series"]] * n_u + rows["unit"]) * n_p + rows["period"]
    key = key[sent]
    groups, where = np.unique(key, return_inverse=True)
    empty = np.isnan(rows["value"][sent])
    due = _due(reports)[sent]
    at = (
        reports.reported_at[sent]
        if reports.reported_at is not None
        else np.full(len(key), np.datetime64("NaT", "D"))
    )
    latest = np.full(len(groups), np.datetime64("NaT", "D"))
    order = np.lexsort((at.astype("datetime64[D]").astype(np.int64), where))
    last = order[np.r_[where[order][1:] != where[order][:-1], True]]
    latest[where[last]] = at[last]  # NaT sorts first: a date wins where there is one
    first_due = np.full(len(groups), np.datetime64("NaT", "D"))
    first_due[where] = due
    n = np.bincount(where, minlength=len(groups))
    n_empty = np.bincount(where, weights=empty, minlength=len(groups)).astype(int)
    days = (latest - first_due).astype("timedelta64[D]").astype(float)
    days[np.isnat(latest)] = np.nan
    a, rest = np.divmod(groups, n_u * n_p)
    u, t = np.divmod(rest, n_p)
    status = np.where(
        n_empty == n, "empty", np.where(n_empty > 0, "partly_empty", "on_time")
    )
    status = np.where(days > 0, "late", status)
    out = pd.DataFrame(
        {
            "agency": np.asarray(agencies)[a],
            "unit_id": reports.units[u],
            "period": reports.periods[t],
            "series": n,
            "empty": n_empty,
            "reported_at": latest,
            "due": first_due,
            "days_late": np.where(days > 0, days, 0.0),
            "status": status,
        }
    )
    out.loc[np.isnan(days), "days_late"] = np.nan
    out = out.assign(_m=reports.month[t])
    return (
        out.sort_values(["_m", "period", "agency", "unit_id"], kind="stable")
        .drop(columns="_m")
        .reset_index(drop=True)[SUBMISSION_COLUMNS]
    )


def late(reports: Reports) -> pd.DataFrame | None:
    """迟报: an agency's submission for a unit and period sent after its due day,
    ``due_days`` after the period's end; one flag per submission, the latest row."""
    catalogue = reports.catalogue
    if reports.reported_at is None:
        return None
    rows_ = reports.rows
    sent = reports.sent & ~np.isnat(reports.reported_at)
    due = _due(reports)
    days = (reports.reported_at - due).astype("timedelta64[D]", copy=False)
    days = days.view(np.int64)  # (days: NaT is the smallest int64, as a cast gives)
    late = np.flatnonzero(sent & (days > 0))
    if not len(late):
        return None
    frame = pd.DataFrame(
        {
            "agency": catalogue.series["agency"]
            .reindex(reports.series)
            .to_numpy()[rows_["series"][late]],
            "unit_id": reports.units[rows_["unit"][late]],
            "period": reports.periods[rows_["period"][late]],
            "days": days[late],
            "at": reports.reported_at[late],
            "due": due[late],
        }
    )
    top = (
        frame.sort_values("days", kind="stable")
        .groupby(["agency", "unit_id", "period"], sort=False)
        .tail(1)
    )
    out = []
    for r in top.itertuples():
        at, due_day = pd.Timestamp(r.at), pd.Timestamp(r.due)
        reason = say_count(
            "quality_reason",
            "late",
            int(r.days),
            agency=Word(*(catalogue.name(r.agency, k) for k in LANGS)),
            period=Word(P.name_zh(r.period), P.name_en(r.period)),
            at=Word(P.date_zh(at), f"{at:%Y-%m-%d}"),
            due=Word(P.date_zh(due_day), f"{due_day:%Y-%m-%d}"),
        )
        out.append(
            {
                "check": "late",
                "unit_id": r.unit_id,
                "period": r.period,
                "agency": r.agency,
                "value": float(r.days),
                "statistic": float(r.days),
                "reason_zh": reason.zh,
                "reason_en": reason.en,
            }
        )
    return pd.DataFrame(out)
