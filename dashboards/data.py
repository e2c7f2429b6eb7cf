"""Read-only, cached access to what the dashboard shows, with the draft rule.

The source is a **publication store** (``store.duckdb``: every run; released runs,
published or under 公示, for everyone, drafts only for a logged-in user, each draft
view recorded) or a **result folder** (one run, shown as published). Pages call these
functions inside callbacks and layouts, never at import; nothing here recomputes a
published number.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import flask
import numpy as np
import pandas as pd
from dash.exceptions import PreventUpdate

from evaluation import Catalogue, Result, parse_catalogue
from evaluation.analysis import views
from evaluation.publish.export import round_half_up
from evaluation.publish.store import BEIJING, Store, TamperedError, load_result
from evaluation.vocabulary import IN_FORCE, RUN_STAGE, RUN_STATUS

FOLDER_RUN = "result"  #: the run id of a result folder
_source: Path | None = None


def set_source(path: str | Path) -> Path:
    """Point the dashboard at a store file (``*.duckdb``) or a result folder.

    Raises ``FileNotFoundError`` naming the path if it holds neither, and
    :class:`~evaluation.publish.store.TamperedError` listing what differs if the
    store was changed outside the program (nothing is served from it then).
    """
    global _source
    path = Path(path).resolve()
    if path.suffix == ".duckdb":
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such store (publish a run first)")
        with Store(path, read_only=True) as s:
            problems = s.verify()
        if problems:
            raise TamperedError(
                f"{path} was changed outside the program; the dashboard does not "
                "serve it (evaluation verify):\n  " + "\n  ".join(problems)
            )
    elif not (path / "provenance.json").is_file():
        raise FileNotFoundError(
            f"{path} is not a result folder (no provenance.json) nor a store "
            "(*.duckdb); make one with `evaluation score <dataset> --out <folder>` "
            "and pass <folder>/result"
        )
    _source = path
    _runs.cache_clear()
    _load.cache_clear()
    _annual.cache_clear()
    _intervals.cache_clear()
    _appraisal.cache_clear()
    _cases.cache_clear()
    return path


def is_store() -> bool:
    return _source is not None and _source.suffix == ".duckdb"


#: one store connection at a time in this process: DuckDB refuses a read-only and a
#: read-write connection to the same file in one process at once (the server's
#: threads would collide when a draft view is recorded during a read)
_STORE_LOCK = threading.Lock()


@contextmanager
def _store(*, read_only: bool = True):
    with _STORE_LOCK, Store(_source, read_only=read_only) as s:
        yield s


def user() -> str | None:
    """The logged-in user of this request, if any (drafts need one)."""
    try:
        return flask.session.get("user")
    except RuntimeError:  # outside a request (tests calling layouts directly)
        return None


@cache
def _runs() -> pd.DataFrame:
    if not is_store():
        r = _load(FOLDER_RUN)
        return pd.DataFrame(
            [
                {
                    "run_id": FOLDER_RUN,
                    "status": "published",
                    "kind": "period",
                    "period": r.period,
                    "in_force": True,
                    "created_at": r.provenance.run_at,
                }
            ]
        )
    with _store() as s:
        return s.runs()


#: run statuses anyone may read: released (under 公示, public notice, or final)
PUBLIC = ("notice", "published")


def runs(kind: str = "period") -> pd.DataFrame:
    """Runs this request may see: released ones (under 公示 or published), and
    drafts once logged in."""
    r = _runs()
    r = r[r["kind"] == kind]
    if user() is None:
        r = r[r["status"].isin(PUBLIC)]
    return r.reset_index(drop=True)


def run_options(lang: str) -> list[dict]:
    """Dropdown options of the visible period runs, newest first, drafts marked."""
    r = runs().iloc[::-1]
    tag = "（{}）" if lang == "zh" else " ({})"
    draft = tag.format(RUN_STATUS["draft"].text(lang))
    force = tag.format(IN_FORCE["in_force"].text(lang))
    return [
        {
            "label": f"{x.period} · {x.run_id}"
            + (draft if x.status == "draft" else force if x.in_force else ""),
            "value": x.run_id,
        }
        for x in r.itertuples()
    ]


def default_run() -> str | None:
    """The newest in-force published period run."""
    r = runs()
    live = r[r["in_force"]]
    return live["run_id"].iloc[-1] if len(live) else None


def result(run_id: str | None = None) -> Result:
    """The Result of a run this request may see (default: the in-force one).

    A draft without a logged-in user stops the callback (``PreventUpdate``: the
    response carries no data); a draft view by a user is recorded in the store.
    """
    run_id = run_id or default_run()
    if run_id is None:
        raise PreventUpdate
    _may_see(run_id, "dashboard")
    return _load(run_id)


def _may_see(run_id: str, what: str, kind: str | None = None) -> None:
    """Stop the callback (``PreventUpdate``: no data in the response) unless the run
    exists (of ``kind``) and is released, or a logged-in user views it: that view of
    an unreleased run is recorded in the store as ``what``."""
    all_runs = _runs().set_index("run_id")
    if run_id not in all_runs.index:
        raise PreventUpdate
    if kind is not None and all_runs.at[run_id, "kind"] != kind:
        raise PreventUpdate
    if all_runs.at[run_id, "status"] not in PUBLIC:
        who = user()
        if who is None:
            raise PreventUpdate
        with _store(read_only=False) as s:  # a write: the view is recorded
            s.log_view(run_id, who, what)


@cache
def _load(run_id: str) -> Result:
    if _source is None:
        raise RuntimeError("call dashboards.data.set_source(path) first")
    if not is_store():
        return load_result(_source)
    with _store() as s:
        # cached once per process; each person's view of a draft is logged by result()
        return s.result(run_id, record=False)


def period_of(run_id: str | None, period: str | None) -> str:
    """``period`` if the run has it, else the run's own period."""
    r = result(run_id)
    return period if period in r.periods else r.period


def periods(run_id: str | None, keep: str | None = None) -> tuple[list[str], str]:
    """A period dropdown's options and value for a run (keeping ``keep`` if it can)."""
    return result(run_id).periods, period_of(run_id, keep)


def ledger_overdue_first(run_id: str | None) -> pd.DataFrame:
    """The run's ledger, open items first, the overdue among them first, then by
    first due date (:func:`evaluation.analysis.views.ledger_overdue_first`)."""
    return views.ledger_overdue_first(result(run_id))


def grades(year: str) -> pd.DataFrame | None:
    """Final grades of the in-force published annual appraisal of ``year``."""
    return _annual(year)


@cache
def _annual(year: str) -> pd.DataFrame | None:
    if not is_store():
        return None
    r = _runs()
    hit = r[(r["kind"] == "annual") & r["in_force"] & (r["period"] == year)]
    if hit.empty:
        return None
    with _store() as s:
        return s.table(hit["run_id"].iloc[-1], "grades")


def league(run_id: str | None, period: str, peer_group: str | None) -> pd.DataFrame:
    """The league table with each unit's risk level, its data-quality flags in the
    period, its final grade where an appraisal of the year is published and its
    stored rank interval (:func:`evaluation.analysis.views.league`), and a link to
    its profile."""
    table = views.league(
        result(run_id),
        period,
        peer_group=peer_group,
        grades=grades(period[:4]),
        intervals=uncertainty(run_id),
    )
    for lang in ("zh", "en"):
        table[f"link_{lang}"] = (
            "[" + table[f"name_{lang}"] + "](/unit/" + table["unit_id"] + ")"
        )
    return table


def uncertainty(run_id: str | None) -> pd.DataFrame | None:
    """The run's stored rank intervals (``evaluation publish --uncertainty-draws``)."""
    run_id = run_id or default_run()
    if not is_store() or run_id is None:
        return None
    return _intervals(run_id)


@cache
def _intervals(run_id: str) -> pd.DataFrame | None:
    with _store() as s:
        if "uncertainty" not in s.hashes(run_id):
            return None
        return s.table(run_id, "uncertainty", record=False)


def records(table: pd.DataFrame) -> list[dict]:
    """Rows for the grid; scores rounded half up to 2 places, as the media CSV."""
    shown = table.copy()
    for column in shown.select_dtypes("float").columns:
        shown[column] = [float(v) if v else None for v in round_half_up(shown[column])]
    return shown.to_dict("records")


def peer_group_names(lang: str, run_id: str | None = None) -> dict[str, str]:
    """Peer-group id → display name, in catalogue order."""
    catalogue = result(run_id).catalogue
    return {g.id: catalogue.name(g.id, lang) for g in catalogue.peer_groups}


# ------------------------------------------------------------------ profiles
def profile(run_id: str | None, unit: str, period: str) -> views.Profile:
    """A department's profile (:func:`evaluation.analysis.views.profile`) in a run
    this request may see; an unknown unit stops the callback."""
    try:
        return views.profile(result(run_id), unit, period)
    except KeyError:
        raise PreventUpdate from None


def unit_flags(run_id: str | None, unit: str, period: str) -> pd.DataFrame:
    """A department's data-quality flags bearing on the period, latest first
    (:func:`evaluation.analysis.views.unit_flags`), in a run this request may see;
    an unknown unit stops the callback."""
    try:
        return views.unit_flags(result(run_id), unit, period)
    except KeyError:
        raise PreventUpdate from None


# ----------------------------------------------------------------- appraisal
@dataclass(frozen=True)
class Annual:
    """One annual run as the appraisal page shows it: its stored tables, the
    appraisal config and the catalogue of its manifest (nothing recomputed)."""

    run_id: str
    config: dict
    catalogue: Catalogue
    grades: pd.DataFrame
    rules_applied: pd.DataFrame
    rules: pd.DataFrame

    @property
    def dimensions(self) -> list[str]:
        """The level-1 dimensions with a ``dim_<id>`` column in the grades."""
        cols = set(self.grades.columns)
        return [d for d in self.catalogue.top_dimensions() if f"dim_{d}" in cols]

    def group_name(self, group_id: str, lang: str) -> str:
        for g in self.config.get("groups", []):
            if g["id"] == group_id:
                return g[f"name_{lang}"]
        return group_id

    def groups(self) -> list[str]:
        """The appraisal groups in config order (then any other group graded)."""
        order = [g["id"] for g in self.config.get("groups", [])]
        graded = list(dict.fromkeys(self.grades["group"]))
        return [g for g in order if g in graded] + [g for g in graded if g not in order]


def annual_runs() -> pd.DataFrame:
    """Annual runs (appraisals) this request may see, oldest first."""
    return runs("annual")


def stage(run) -> str:
    """Where a run stands: ``draft``; ``notice`` (under 公示); ``corrected`` (under
    公示 but corrected by a released version); ``in_force`` (final); ``superseded``
    (final, replaced by a final correction). Works on stores made before the 公示
    lifecycle (no ``under_notice`` column)."""
    status = run["status"]
    if status == "draft":
        return "draft"
    if status == "notice":
        return "notice" if bool(_get(run, "under_notice", True)) else "corrected"
    return "in_force" if bool(_get(run, "in_force", False)) else "superseded"


def default_annual() -> str | None:
    """The appraisal shown first: of the latest year, the run under 公示 (the
    newest released), else the one in force, else the newest this request sees."""
    r = annual_runs()
    if r.empty:
        return None
    r = r[r["period"] == r["period"].max()]
    for key in ("notice", "in_force"):
        hit = r[[stage(x) == key for _, x in r.iterrows()]]
        if len(hit):
            return hit["run_id"].iloc[-1]
    return r["run_id"].iloc[-1]


def annual_options(lang: str) -> list[dict]:
    """Dropdown options of the visible annual runs, newest first, with their stage
    (``2025年度 · annual-2025-1.v2（公示中）``)."""
    k = 0 if lang == "zh" else 1
    out = []
    for _, x in annual_runs().iloc[::-1].iterrows():
        year = f"{x['period']}年度" if lang == "zh" else f"{x['period']}"
        word = RUN_STAGE[stage(x)][k]
        tail = f"（{word}）" if lang == "zh" else f" ({word})"
        out.append({"label": f"{year} · {x['run_id']}{tail}", "value": x["run_id"]})
    return out


def run_info(run_id: str) -> dict:
    """The stored row of a run this request may see (``runs()`` columns), with
    ``stage``, ``in_force_run`` (the run of its kind and period in force, if
    another), ``corrected_by`` (a released version superseding it) and ``cases``
    (appeal cases filed against it: total and undecided)."""
    r = annual_runs()
    hit = r[r["run_id"] == run_id]
    if hit.empty:
        raise PreventUpdate
    row = hit.iloc[0].to_dict()
    every = _runs()
    same = every[(every["kind"] == row["kind"]) & (every["period"] == row["period"])]
    live = same[same["in_force"] & (same["run_id"] != run_id)]
    after = same[(same["supersedes"] == run_id) & same["status"].isin(PUBLIC)]
    row["stage"] = stage(row)
    row["in_force_run"] = live["run_id"].iloc[-1] if len(live) else None
    row["corrected_by"] = after["run_id"].iloc[-1] if len(after) else None
    row["cases"] = _cases().get(run_id, (0, 0))
    return row


@cache
def _cases() -> dict[str, tuple[int, int]]:
    """run → (appeal cases filed, undecided), read with the runs (stores made before
    the 公示 lifecycle have none)."""
    if not is_store():
        return {}
    with _store() as s:
        if not hasattr(s, "cases"):
            return {}
        c = s.cases()
    if c.empty:
        return {}
    pending = c["decision"].isna() | (c["decision"] == "")
    n = c.groupby("run_id").size()
    m = pending.groupby(c["run_id"]).sum()
    return {r: (int(n[r]), int(m.get(r, 0))) for r in n.index}


def appraisal(run_id: str | None) -> Annual:
    """An annual run this request may see (the draft rule as :func:`result`)."""
    run_id = run_id or default_annual()
    if run_id is None or not is_store():
        raise PreventUpdate
    _may_see(run_id, "dashboard: appraisal", kind="annual")
    return _appraisal(run_id)


@cache
def _appraisal(run_id: str) -> Annual:
    with _store() as s:
        info = s.manifest(run_id)
        tables = {
            n: s.table(run_id, n, record=False)  # the view is logged by appraisal()
            for n in ("grades", "rules_applied", "rules")
        }
    return Annual(
        run_id=run_id,
        config=info.get("appraisal", {}).get("config", {}),
        catalogue=parse_catalogue(info["catalogue"], file="catalogue.json"),
        **tables,
    )


def group_grades(ap: Annual, group: str) -> pd.DataFrame:
    """One appraisal group's grades, highest final score first (as stored: ties
    keep the stored order)."""
    g = ap.grades[ap.grades["group"] == group]
    return g.sort_values("score", ascending=False, kind="stable", na_position="last")


def effects(ap: Annual, lang: str) -> pd.Series:
    """unit → the effects of the rules applied to it, joined (``最高良好；加1分``)."""
    col, sep = ("effect_zh", "；") if lang == "zh" else ("effect", "; ")
    ra = ap.rules_applied
    return ra.groupby("unit_id", sort=False)[col].agg(lambda x: sep.join(map(str, x)))


def unit_dimensions(ap: Annual, unit: str) -> pd.DataFrame:
    """A unit's year-end level-1 dimension scores and its appraisal group's median
    (``node_id, score, group_median``)."""
    if unit not in set(ap.grades["unit_id"]):
        raise PreventUpdate
    columns = {f"dim_{d}": d for d in ap.dimensions}
    scores = ap.grades.set_index("unit_id")[list(columns)].rename(columns=columns)
    gaps = views.group_gaps(scores, ap.grades["group"])
    mine = gaps[gaps["unit_id"] == unit].set_index("node_id")
    return mine.loc[list(ap.dimensions), ["score", "group_median"]].reset_index()


def unit_rules(ap: Annual, unit: str) -> pd.DataFrame:
    """The rules applied to a unit, in the order applied."""
    return ap.rules_applied[ap.rules_applied["unit_id"] == unit]


def local_date(value, lang: str) -> str:
    """An ISO date or timestamp as a Beijing-time date: ``2026年1月20日`` /
    ``20 January 2026`` ('' when missing)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
        return ""
    t = pd.Timestamp(value)
    if t.tzinfo is not None:
        t = t.tz_convert(BEIJING)
    if lang == "zh":
        return f"{t.year}年{t.month}月{t.day}日"
    return f"{t.day} {t.month_name()} {t.year}"


def beijing_today():
    """Today in Beijing time (the 公示 calendar)."""
    return pd.Timestamp.now(tz=BEIJING).date()


def _get(row, key, default):
    value = row.get(key, default) if hasattr(row, "get") else default
    return default if value is None or value is pd.NA else value
