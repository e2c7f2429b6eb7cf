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
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from pathlib import Path

import flask
import numpy as np
import pandas as pd
from dash.exceptions import PreventUpdate

from evaluation import Catalogue, Result, parse_catalogue
from evaluation.analysis import views
from evaluation.periods import name_zh
from evaluation.publish import plots, worded
from evaluation.publish.export import (
    level_ranks,
    name_en,
    named,
    period_words,
    risk_table,
    round_half_up,
)
from evaluation.publish.media import media_csv_files, typical_gap, zipped
from evaluation.publish.store import (
    BEIJING,
    NotAResultError,
    Store,
    TamperedError,
    load_result,
)
from evaluation.result import rank_range
from evaluation.vocabulary import (
    FAMILIES,
    GRADE,
    IN_FORCE,
    RISK_LEVEL,
    RUN_STATUS,
    Word,
    say,
    say_count,
    signed,
)

from . import security

FOLDER_RUN = "result"  #: the run id of a result folder
#: a run's stage in its readable name: 草稿, 公示中, 公示期间已更正, 现行, 已被取代
STAGE_TAG = {
    **{k: RUN_STATUS[k] for k in ("draft", "notice", "corrected")},
    **IN_FORCE,
}
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
            raise NotAResultError(
                words=say("library_error", "store_missing", store=path)
            )
        with Store(path, read_only=True) as s:
            problems = s.problems()
        if problems:  # a heading, then each problem on its line, in each language
            heading = say("library_error", "not_served", store=path)
            raise TamperedError(
                words=Word(
                    *(
                        "\n  ".join([heading[i], *(w[i] for w in problems)])
                        for i in (0, 1)
                    )
                )  # fmt: skip
            )
    elif not (path / "provenance.json").is_file():
        raise NotAResultError(words=say("library_error", "not_source", path=path))
    _source = path
    _runs.cache_clear()
    _load.cache_clear()
    _annual.cache_clear()
    _intervals.cache_clear()
    _appraisal.cache_clear()
    _cases.cache_clear()
    appeal.cache_clear()
    graded_names.cache_clear()
    for f in (_ranking, _level_ranks, _ranking_chart, _risk_heatmap, _risk_warnings):
        f.cache_clear()
    _risk_ledger.cache_clear()
    _warming.clear()
    global _generation
    _generation += 1
    return path


def generation() -> int:
    """How many times the dashboard was pointed at a source: a key for caches kept
    outside this module (they must not serve one source's entries for another)."""
    return _generation


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
    """The logged-in user of this request, if any (drafts need one): a session
    revoked at logout counts as none."""
    return security.current_user()


def remembered(key: str):
    """What this visitor chose last (``lang``, ``run``), kept in their session by
    the header; None outside a request."""
    try:
        return flask.session.get(key)
    except RuntimeError:  # outside a request
        return None


def visitor_lang() -> str:
    """The language this visitor chose last (Chinese by default): what a grid built
    in a page's layout speaks (AG Grid reads its own words only when created)."""
    lang = remembered("lang")
    return lang if lang in ("zh", "en") else "zh"


def visitor_run() -> str | None:
    """The run this visitor chose last if they may still see it, else the run in
    force: what a page served filled in shows (the header shows the same)."""
    return chosen_run(remembered("run"))


@cache
def _runs() -> pd.DataFrame:
    if not is_store():
        r = _load(FOLDER_RUN)
        return pd.DataFrame(
            [
                {
                    "run_id": FOLDER_RUN,
                    "version": 1,
                    "supersedes": None,
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


def run_name(run, lang: str, *, tagged: bool = True) -> str:
    """A run as people read it: its period, version and stage, never its id —
    ``2025年度 第1版（现行）``, ``2025年12月 第2版（草稿）`` / ``2025 annual, version 1
    (in force)``; without the stage if not ``tagged``. ``run`` is a row of
    :func:`runs` (a folder's run is version 1)."""
    period = str(run["period"])
    named = (
        say("dashboard", "run_year", year=period)
        if len(period) == 4
        else Word(name_zh(period), name_en(period))
    )
    name = say(
        "dashboard", "run_version", period=named, version=int(_get(run, "version", 1))
    )
    if not tagged:
        return name.text(lang)
    return say("dashboard", "run_name", run=name, stage=STAGE_TAG[stage(run)]).text(
        lang
    )


def run_label(run_id: str | None, lang: str, *, tagged: bool = True) -> str:
    """:func:`run_name` of a run, by id ('' if none): for pages that would
    otherwise show a run id."""
    every = _runs()
    hit = every[every["run_id"] == run_id]
    return run_name(hit.iloc[0], lang, tagged=tagged) if len(hit) else ""


def run_options(lang: str) -> list[dict]:
    """Dropdown options of the visible period runs, newest first, by readable name
    (:func:`run_name`)."""
    r = runs().iloc[::-1]
    return [{"label": run_name(x, lang), "value": x["run_id"]} for _, x in r.iterrows()]


def default_run() -> str | None:
    """The newest in-force published period run."""
    r = runs()
    live = r[r["in_force"]]
    return live["run_id"].iloc[-1] if len(live) else None


def chosen_run(run_id: str | None) -> str | None:
    """``run_id`` if this request may see it (a period run), else the default: a run
    remembered from before login, or a draft after logout, falls back to the run in
    force."""
    visible = set(runs()["run_id"])
    return run_id if run_id in visible else default_run()


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
    an unreleased run is recorded in the store as ``what``, once per page view (the
    page's other callbacks and later changes on it add no row)."""
    all_runs = _runs().set_index("run_id")
    if run_id not in all_runs.index:
        raise PreventUpdate
    if kind is not None and all_runs.at[run_id, "kind"] != kind:
        raise PreventUpdate
    if all_runs.at[run_id, "status"] not in PUBLIC:
        who = user()
        if who is None:
            raise PreventUpdate
        if security.first_view(run_id, what):
            with _store(read_only=False) as s:  # a write: the view is recorded
                s.log_view(run_id, who, what)


@cache
def _load(run_id: str) -> Result:
    """The run's Result, its units named in English on every page (league tables,
    profile, what-if): a unit with no English name by its Chinese one
    (:func:`named`), as the appraisal page names it, never by a blank."""
    if _source is None:
        raise RuntimeError("call dashboards.data.set_source(path) first")
    if not is_store():
        res = load_result(_source)
    else:
        with _store() as s:
            # cached once per process; each view of a draft is logged by result()
            res = s.result(run_id, record=False)
    return replace(res, units=named(res.units))


def period_of(run_id: str | None, period: str | None) -> str:
    """``period`` if the run has it, else the run's own period."""
    r = result(run_id)
    return period if period in r.periods else r.period


def periods(run_id: str | None, keep: str | None = None) -> tuple[list[str], str]:
    """A period dropdown's options and value for a run (keeping ``keep`` if it can)."""
    return result(run_id).periods, period_of(run_id, keep)


def period_name(period: str, lang: str) -> str:
    """A period as people read it: ``2025年度``, ``2025年12月``, ``2025年第一季度`` /
    ``2025``, ``December 2025``, ``Q1 2025``; never its code."""
    return name_zh(period) if lang == "zh" else name_en(period)


def period_options(
    run_id: str | None, keep: str | None, lang: str
) -> tuple[list[dict], str]:
    """A period dropdown's options by name (:func:`period_name`) and its value (the
    period shown kept if the run has it)."""
    codes, value = periods(run_id, keep)
    return [{"label": period_name(p, lang), "value": p} for p in codes], value


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


def grades_beside(run_id: str | None, period: str) -> pd.DataFrame | None:
    """The final grades shown beside a period run: those of the in-force published
    appraisal of its year (:func:`grades`), and none beside a draft (a draft's
    numbers are not the published ones: published grades must not look like its
    outcome)."""
    return None if _is_draft(run_id) else grades(period[:4])


def _is_draft(run_id: str | None) -> bool:
    if run_id is None or not is_store():
        return False
    r = _runs()
    hit = r[r["run_id"] == run_id]
    return bool(len(hit)) and stage(hit.iloc[0]) == "draft"


def league(run_id: str | None, period: str, peer_group: str | None) -> pd.DataFrame:
    """The league table with each unit's risk level, its data-quality flags in the
    period, its final grade where an appraisal of the year is published and its
    stored rank interval (:func:`evaluation.analysis.views.league`), and a link to
    its profile."""
    table = views.league(
        result(run_id),
        period,
        peer_group=peer_group,
        grades=grades_beside(run_id, period),
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


# ------------------------------------------------------------------ rankings
#: rankings scope: districts and departments each ranked among their own level,
#: one list after the other (the default; ``units.level``)
BY_LEVEL = "_levels"
#: rankings scope: every unit ranked together (as the dashboard's ``ALL_GROUPS``)
EVERYONE = "_all"
#: rankings scope of one level: ``_level:district`` / ``_level:department``
LEVEL = "_level:"
#: the grid's block of rows per request (AG Grid's infinite row model)
BLOCK = 100
#: the chart's top and bottom units per list
CHART_N = 10
#: a phone's width, px: charts drawn for any screen leave room for it
PHONE = 390
#: sort keys of coded columns: ascending = most severe risk / best grade first
_SEVERITY = {k: i for i, k in enumerate(reversed(list(RISK_LEVEL)))}
_GRADE_ORDER = {k: i for i, k in enumerate(GRADE)}


def scope_levels(run_id: str | None, scope: str | None) -> list[str] | None:
    """The unit levels a rankings scope lists apart (``None``: not by level)."""
    if scope == BY_LEVEL:
        units = _load(run_id or default_run()).units  # (the caller checked the run)
        return [v for v in ("district", "department") if v in set(units["level"])]
    if scope and scope.startswith(LEVEL):
        return [scope[len(LEVEL) :]]
    return None


def scope_group(scope: str | None) -> str | None:
    """The peer group of a rankings scope (``None`` for all units or by level)."""
    if scope in (None, BY_LEVEL, EVERYONE) or scope.startswith(LEVEL):
        return None
    return scope


@dataclass(frozen=True)
class Paged:
    """A table served to a grid a block at a time (AG Grid's infinite row model),
    its cells ready to send (``table``: rounded once, ``None`` for missing) and the
    sort key of each sortable column (``keys``: numbers, or codes by severity and
    grade order; ``_list`` keeps lists apart, ``_default`` is the shown order)."""

    table: pd.DataFrame
    keys: pd.DataFrame
    headers: tuple[str, ...] = ()  #: display headers of fields ``c0``… (risk tables)
    #: turns the stored rows of a block into its cells (risk tables: only the
    #: rows sent are worded, not thousands)
    render: object = None
    #: row orders by sort, and the table in each language, made once (a grid
    #: asks for the same sort block after block, by every visitor)
    _made: dict = field(default_factory=dict, compare=False, repr=False)

    def response(self, request: dict | None, lang: str | None = None) -> dict:
        """The grid's ``getRowsResponse`` to its ``getRowsRequest`` (``startRow``,
        ``endRow``, ``sortModel``): that block's rows and the row count."""
        request = request or {}
        start = int(request.get("startRow") or 0)
        end = int(request.get("endRow") or start + BLOCK)
        end = min(end, start + 10 * BLOCK)  # never more than a screenful of blocks
        sort = self._sort(request.get("sortModel"))
        lang = lang if lang in ("zh", "en") else "zh"  # a key of the kept blocks
        if start % BLOCK or end - start != BLOCK:  # not the grid's own block: not kept
            return {"rowData": self.rows(lang, start, end, sort),
                    "rowCount": len(self.table)}  # fmt: skip
        block = ("block", lang, start, sort)  # a bounded set: blocks × sorts × 2
        if block not in self._made:  # every visitor asks for the same blocks
            self._made[block] = self.rows(lang, start, end, sort)
        return {"rowData": self._made[block], "rowCount": len(self.table)}

    def _sort(self, model) -> tuple[tuple[str, str], ...]:
        """AG Grid's ``sortModel`` as ``(column, "asc"|"desc")`` pairs, only the
        columns this table sorts by, two at most (what a request names otherwise is
        ignored: the orders kept stay few)."""
        return tuple(
            (s["colId"], "desc" if s.get("sort") == "desc" else "asc")
            for s in model or ()
            if isinstance(s, dict)
            and s.get("colId") in self.keys
            and not str(s["colId"]).startswith("_")
        )[:2]

    def rows(self, lang=None, start: int = 0, end: int | None = None, sort=()):
        """Rows ``start:end`` in ``sort`` order (``(column, "asc"|"desc")`` pairs,
        :meth:`_sort`); with ``lang``, the names in that language only."""
        order = self.order(tuple(sort))
        if self.render is None:
            return self._in(lang).iloc[order[start:end]].to_dict("records")
        part = self.render(self.table.iloc[order[start:end]])
        if lang is not None:
            other = "_en" if lang == "zh" else "_zh"
            part = part.drop(columns=[c for c in part.columns if c.endswith(other)])
        return part.to_dict("records")

    def _in(self, lang: str | None) -> pd.DataFrame:
        """The table with the names in ``lang`` only (every column without one)."""
        if lang is None:
            return self.table
        if ("lang", lang) not in self._made:
            other = "_en" if lang == "zh" else "_zh"
            keep = [c for c in self.table.columns if not c.endswith(other)]
            self._made["lang", lang] = self.table[keep]
        return self._made["lang", lang]

    def order(self, sort: tuple[tuple[str, str], ...]) -> np.ndarray:
        """Row positions in ``sort`` order; a level scope keeps its lists apart and
        unranked units last; ties by the default order."""
        if ("order", sort) not in self._made:
            self._made["order", sort] = self._sorted(sort)
        return self._made["order", sort]

    def _sorted(self, sort: tuple[tuple[str, str], ...]) -> np.ndarray:
        key = self.keys
        by, asc = ["_list"], [True]
        for col, way in sort:
            if col in key and not col.startswith("_"):
                by.append(col)
                asc.append(way != "desc")
        by.append("_default")
        asc.append(True)
        return key.sort_values(
            by, ascending=asc, na_position="last", kind="stable"
        ).index.to_numpy()


def ranking(run_id: str | None, period: str, scope: str | None) -> Paged:
    """The rankings of ``period`` in ``scope`` (a peer group, :data:`EVERYONE`,
    :data:`BY_LEVEL` or ``_level:<level>``) for a run this request may see, cached
    per run, period and scope."""
    run_id = run_id or default_run()
    result(run_id)  # the draft rule, on every request
    period = period_of(run_id, period)
    if scope not in (EVERYONE, BY_LEVEL) and not str(scope).startswith(LEVEL):
        if scope not in {g.id for g in result(run_id).catalogue.peer_groups}:
            scope = EVERYONE
    if run_id not in _warming and is_store():
        _warming.add(run_id)
        args = (run_id, _generation)
        threading.Thread(target=_warm, args=args, daemon=True).start()
    return _ranking(run_id, period, scope, _generation)


#: how many times the source was set (cache entries of an earlier source are stale)
_generation = 0
#: runs whose rankings are being (or have been) computed ahead of the first request
_warming: set[str] = set()


def _warm(run_id: str, source: int) -> None:
    """Compute a run's risk board of its period, then its default rankings (both
    levels apart, and every unit) and their charts for every period, newest first,
    ahead of the requests: a period change then reads a cache (on another thread:
    the page is served meanwhile)."""
    try:
        _warm_all(run_id, source)
    except PreventUpdate:  # the run went away (a new source): nothing to warm
        return
    except SystemExit:  # the server is stopping (a test server stops its threads so)
        return


def _warm_all(run_id: str, source: int) -> None:
    res = _load(run_id)
    for job in (_risk_ledger, _risk_warnings, _risk_heatmap):
        if source != _generation:
            return
        args = (res.period, "zh") if job is not _risk_ledger else ("zh",)
        job(run_id, *args, *((RISK_N,) if job is _risk_heatmap else ()))
    for period in reversed(res.periods):
        for scope in (BY_LEVEL, EVERYONE):
            if source != _generation:  # the dashboard was pointed elsewhere
                return
            _ranking(run_id, period, scope, source)
            ranking_chart(run_id, period, scope, "zh", source)


@lru_cache(maxsize=16)
def _level_ranks(run_id: str, level: str) -> pd.DataFrame:
    """Ranks among one level's units, every period (``level_ranks``), per run."""
    return level_ranks(_load(run_id), level)


@lru_cache(maxsize=256)
def _ranking(run_id: str, period: str, scope: str, source: int = 0) -> Paged:
    """(``source``: :data:`_generation`, so that no stale entry is read.)"""
    res = _load(run_id)
    group = scope_group(scope)
    intervals = _intervals(run_id) if is_store() else None
    table = views.league(
        res,
        period,
        peer_group=group,
        grades=grades_beside(run_id, period),
        intervals=intervals,
    )
    levels = scope_levels(run_id, scope)
    table["level"] = table["unit_id"].map(res.units.set_index("unit_id")["level"])
    table["_list"] = 0
    if levels is not None:
        # each list ranked apart: its rank range is among the unit's own type
        if "rank_interval" in table and "level_rank" in intervals:
            within = rank_range(intervals, within_level=True)
            table["rank_interval"] = table["unit_id"].map(within)
        else:  # a run stored before level ranges were kept: none
            table = table.drop(columns=["rank_interval"], errors="ignore")
        parts = []
        for i, level in enumerate(levels):
            ranks = _level_ranks(run_id, level)
            ranks = ranks[ranks["period"] == period].set_index("unit_id")
            part = table[table["level"] == level].copy()
            part["rank"] = part["unit_id"].map(ranks["rank"])
            part["rank_change"] = part["unit_id"].map(ranks["rank_change"])
            part["_list"] = i
            parts.append(part.sort_values(["rank", "unit_id"], na_position="last"))
        table = pd.concat(parts, ignore_index=True)
    scores = ["composite_score", *res.catalogue.top_dimensions()]
    for column in scores:
        table[column] = [
            float(v) + 0.0 if v else None for v in round_half_up(table[column])
        ]
    for column in ("rank", "peer_rank", "rank_change", "peer_rank_change"):
        table[column] = (
            table[column]
            .astype("Int64")
            .astype(object)
            .where(table[column].notna(), None)
        )
    for lang in ("zh", "en"):
        table[f"link_{lang}"] = (
            "[" + table[f"name_{lang}"] + "](/unit/" + table["unit_id"] + ")"
        )
    table = table.reset_index(drop=True)
    keys = pd.DataFrame(
        {
            c: pd.to_numeric(table[c], errors="coerce")
            for c in (
                "rank",
                "peer_rank",
                "rank_change",
                "peer_rank_change",
                "dq_flags",
                *scores,
            )
        }  # fmt: skip
    )
    keys["risk_level"] = table["risk_level"].map(_SEVERITY)
    keys["grade"] = table["grade"].map(_GRADE_ORDER)
    keys["peer_group"] = table["peer_group"].map(
        {g.id: i for i, g in enumerate(res.catalogue.peer_groups)}
    )
    keys["level"] = table["level"].map({"district": 0, "department": 1})
    for lang in ("zh", "en"):
        keys[f"name_{lang}"] = table[f"name_{lang}"]
    if "rank_interval" in table:
        keys["rank_interval"] = keys["rank"]
    keys["_list"] = table["_list"]
    keys["_default"] = np.arange(len(table))
    keep = [
        "unit_id", "level", "peer_group", "rank", "rank_change", "peer_rank",
        "peer_rank_change", "name_zh", "name_en", "link_zh", "link_en", *scores,
        *(["rank_interval"] if "rank_interval" in table else []), "risk_level",
        "dq_flags", "grade", "status", "n_imputed", "note_zh", "note_en",
        *(["n_absent"] if "n_absent" in table else []),
    ]  # fmt: skip
    table = table[keep].astype(object).where(table[keep].notna(), None)
    return Paged(table, keys)


def ranking_chart(
    run_id: str, period: str, scope: str, lang: str, source=None, card=None
):
    """The rankings chart: the top and bottom :data:`CHART_N` of each list (best
    first), cached per run, period, scope, language and ``card`` (call
    :func:`ranking` first: it applies the draft rule). ``card``: the width of a
    phone's card, px, which the English chart is drawn to fit (its names beside
    the bars on a desktop left the bars 90 px there, their labels and the lists'
    headings past the card's edge); the Chinese, its names on a line, fits a
    phone as drawn for any screen."""
    card = int(card) if card and lang == "en" else None
    return _ranking_chart(
        run_id, period, scope, lang, _generation if source is None else source, card
    )


@lru_cache(maxsize=512)
def _ranking_chart(
    run_id: str, period: str, scope: str, lang: str, source: int, card=None
):
    r = _ranking(run_id, period, scope, source)
    t = r.table
    words, levels = FAMILIES["page_rankings"], FAMILIES["unit_level"]
    lists = r.keys["_list"]
    parts, gaps = [], {}  # gaps: a row of words before the bar at that place
    for _, part in t.groupby(lists, sort=True):
        ranked = part[
            part["rank" if scope_group(scope) is None else "peer_rank"].notna()
        ]
        at = sum(map(len, parts))
        if lists.nunique() > 1 and len(ranked):  # each list named above its bars
            gaps[at] = f"<b>{levels[part['level'].iloc[0]].text(lang)}</b>"
        left_out = len(ranked) - 2 * CHART_N
        if left_out > 0:  # the list's two ends, with the places between left out
            ranked = pd.concat([ranked.head(CHART_N), ranked.tail(CHART_N)])
            said = say_count("page_rankings", "chart_gap", left_out)
            gaps[at + CHART_N] = said.text(lang)
        parts.append(ranked)
    shown = pd.concat(parts) if parts else t.head(0)
    shown = shown.assign(
        rank=shown["rank" if scope_group(scope) is None else "peer_rank"]
    )
    shown["composite_score"] = shown["composite_score"].astype(float)
    catalogue = _load(run_id).catalogue  # (no request here when warming)
    names = {g.id: catalogue.name(g.id, lang) for g in catalogue.peer_groups}
    title = words["chart"].text(lang).format(n=CHART_N)
    # drawn for any screen: as tall as a phone's legend rows and bars need; or
    # to fit a phone's card
    return plots.plot_rank_bar(
        shown, lang=lang, group_names=names, title=title, width=card or PHONE,
        gaps=gaps, fit=card is not None,
    )  # fmt: skip


def ranking_export(
    run_id: str | None, period: str, scope: str | None, lang: str
) -> tuple[str, bytes]:
    """``(file name, bytes)`` of the rankings page's download: the files
    ``evaluation export --out media_<period>_<lang>.csv`` writes for the period
    and language (``media.media_csv_files``: the league table, a table per type of
    unit, the note with its notes), zipped under their own names as
    ``media_2025_zh.zip``; a peer group's as ``--peer-group`` writes it
    (``media_2025_economic_en.zip``). The year's grades and their note as the
    export reads them from this store (under 公示 too, said so), none beside a
    draft; the result folder named in the note when the dashboard reads one."""
    run_id = run_id or default_run()
    res = result(run_id)  # the draft rule
    period = period_of(run_id, period)
    group = scope_group(scope)
    stem = "_".join(["media", period, *([group] if group else []), lang])
    store = _source if is_store() and not _is_draft(run_id) else None
    with _STORE_LOCK:  # the export reads the store's grades itself
        files = media_csv_files(
            res, f"{stem}.csv", period=period, lang=lang, peer_group=group,
            store=store, source="" if is_store() else _source,
        )  # fmt: skip
    return f"{stem}.zip", zipped(files, res.provenance.run_at)


# ---------------------------------------------------------------------- risk
#: the risk page's heatmap: the units at highest risk, each row labelled
RISK_N = 30


def risk_heatmap(run_id: str | None, period: str, lang: str, top: int = RISK_N):
    """Units × level-1 dimensions by warning level (``plots.plot_risk_heatmap``),
    the ``top`` units at highest risk only (worst first), every row and column
    labelled; cached per run, period and language."""
    run_id = run_id or default_run()
    result(run_id)  # the draft rule
    return _risk_heatmap(run_id, period_of(run_id, period), lang, top)


@lru_cache(maxsize=128)
def _risk_heatmap(run_id: str, period: str, lang: str, top: int):
    word = period_words(period)[0 if lang == "zh" else 1]  # 2025年12月, not 2025-M12
    title = f"{FAMILIES['risk_plot']['title'].text(lang)} · {word}"
    return plots.plot_risk_heatmap(
        _load(run_id), period, lang=lang, top=top, title=title
    )


def risk_warnings(run_id: str | None, period: str, lang: str) -> Paged:
    """The period's warnings as read (``risk_table``), most severe first (then by
    unit and indicator as stored), served a block at a time; each row's level code
    in ``_level`` for its badge. Cached per run, period and language."""
    run_id = run_id or default_run()
    result(run_id)
    return _risk_warnings(run_id, period_of(run_id, period), lang)


@lru_cache(maxsize=128)
def _risk_warnings(run_id: str, period: str, lang: str) -> Paged:
    res = _load(run_id)
    raw = res.warnings[res.warnings["period"] == period]
    raw = raw.iloc[np.argsort(-_severity(raw["level"]), kind="stable")]
    keys = ["period", "unit_id", "node_id", "rule", "level", "value", "threshold"]
    return _paged(res, "warnings", raw, keys, lang, period)


def typical_gap_note(run_id: str | None, lang: str, nodes=None) -> str:
    """Under the risk page's warnings, what a typical gap is, as the exported
    warnings' About sheet says it (``典型差距：同类各单位…``): the peer warnings'
    reasons count in it; ``""`` for a run whose catalogue has no robust-z rule.
    ``nodes``: only their rules (under a unit's profile's warnings, the nodes of
    its peer warnings: ``""`` where none is a robust-z one)."""
    said = typical_gap(result(run_id).catalogue, nodes)
    if said is None:
        return ""
    k = 0 if lang == "zh" else 1
    return FAMILIES["export_about"]["typical_gap"][k] + ("：", ": ")[k] + said[k]


def risk_ledger(run_id: str | None, lang: str) -> Paged:
    """The run's rectification ledger as read, open and overdue items first
    (:func:`ledger_overdue_first`), served a block at a time; each row's level
    code in ``_level``. Cached per run and language."""
    run_id = run_id or default_run()
    result(run_id)
    return _risk_ledger(run_id, lang)


@lru_cache(maxsize=32)
def _risk_ledger(run_id: str, lang: str) -> Paged:
    res = _load(run_id)
    raw = views.ledger_overdue_first(res)
    keys = ["item_id", "unit_id", "node_id", "rule", "status", "level",
            "level_opened", "opened_period", "first_due", "due", "escalations",
            "reminder", "closed_on", "on_time"]  # fmt: skip
    return _paged(res, "ledger", raw, keys, lang)


def _severity(codes) -> np.ndarray:
    """0 green … 3 red (``vocabulary`` order of the warning levels)."""
    rank = {k: i for i, k in enumerate(RISK_LEVEL)}
    return np.array([rank.get(c, -1) for c in codes])


def _paged(res, kind: str, raw: pd.DataFrame, keys: list[str], lang, period=None):
    """A risk table (``risk_table``) served by position (fields ``c0``…: headers
    may repeat), in the order of ``raw``; sorted by the stored values of ``keys``
    (the shown columns in order; levels by severity, most severe first ascending),
    worded a block at a time."""
    raw = raw.reset_index(drop=True)
    order = raw[keys].copy()
    for c in ("level", "level_opened"):
        if c in order:
            order[c] = -_severity(order[c])
    order.columns = [f"c{i}" for i in range(len(keys))]
    order["_list"] = 0
    order["_default"] = np.arange(len(raw))
    headers = tuple(risk_table(res, kind, period=period, lang=lang, rows=raw.head(1)))

    def render(part: pd.DataFrame) -> pd.DataFrame:  # dates 2026年1月25日 in Chinese
        shown = risk_table(res, kind, period=period, lang=lang, rows=part)
        shown.columns = [f"c{i}" for i in range(shown.shape[1])]
        shown["_level"] = part["level"].to_numpy()
        return shown.astype(object).where(shown.notna(), None)

    return Paged(raw, order, headers, render)


def longest_name(run_id: str | None, lang: str) -> str:
    """The run's longest unit name in ``lang`` (a column made wide enough for it)."""
    return _longest_name(run_id or default_run(), lang, _generation)


@lru_cache(maxsize=64)
def _longest_name(run_id: str, lang: str, source: int) -> str:
    """(``source``: :data:`_generation`, so that no stale entry is read.)"""
    names = _load(run_id).units[f"name_{lang}"].astype(str)
    return max(names, key=len, default="")


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


def annual_beside(year: str, run_id: str | None = None) -> tuple | None:
    """The appraisal of ``year`` a leader reads beside period run ``run_id``:
    ``(annual run, None)`` for the one in force; else ``(annual run, last day of its
    公示)`` for the newest under 公示 (its grades proposed, published for appeals);
    None beside a draft or without either. The rankings and the CSV carry final
    grades only (:func:`grades_beside`); the overview and the profile also show
    proposed ones, marked as such."""
    if not is_store() or _is_draft(run_id):
        return None
    r = _runs()
    r = r[(r["kind"] == "annual") & (r["period"] == year)]
    force = r[r["in_force"]]
    if len(force):
        return force["run_id"].iloc[-1], None
    notice = [x for _, x in r.iterrows() if stage(x) == "notice"]
    if notice:
        return notice[-1]["run_id"], str(_get(notice[-1], "notice_until", "") or "")
    return None


def unit_grade(year: str, unit: str, run_id: str | None = None) -> views.Grade | None:
    """A department's grade and its reasons in the appraisal of ``year`` read beside
    ``run_id`` (:func:`annual_beside`: the one in force, else the one under 公示;
    :func:`evaluation.analysis.views.unit_grade`); None without one, when it does
    not grade the unit, or beside a draft."""
    hit = annual_beside(year, run_id)
    if hit is None:
        return None
    ap = appraisal(hit[0])
    grade = views.unit_grade(ap.grades, ap.rules_applied, unit)
    if grade is None:
        return None
    named = tuple(ap.group_name(grade.group, lang) for lang in ("zh", "en"))
    return replace(grade, group_name=named)


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
    """Dropdown options of the visible annual runs, newest first, by readable name
    (``2025年度 第2版（公示中）``, :func:`run_name`)."""
    r = annual_runs().iloc[::-1]
    return [{"label": run_name(x, lang), "value": x["run_id"]} for _, x in r.iterrows()]


def run_info(run_id: str) -> dict:
    """The stored row of a run (period or annual) this request may see (``runs()``
    columns), with ``stage``, ``in_force_run`` (the run of its kind and period in
    force, if another), ``corrected_by`` (a released version superseding it) and
    ``cases`` (appeal cases filed against it: total and undecided)."""
    r = pd.concat([runs("period"), runs("annual")])
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


@cache
def appeal(case_id: str) -> dict | None:
    """An appeal case's stored row, by its id (None: no such case, or a store from
    before appeals), for a correction's reason said in words."""
    if not is_store():
        return None
    with _store() as s:
        return s.case(case_id) if hasattr(s, "case") else None


@cache
def graded_names(run_id: str) -> dict[str, tuple[str, str]]:
    """Each unit an annual run grades by its names ``(zh, en)``."""
    if not is_store():
        return {}
    with _store() as s:
        names = s.unit_names(run_id)
    # a unit with no English name is named by its Chinese one (as :func:`named`)
    return {
        u: (zh, en if isinstance(en, str) and en.strip() else zh)
        for u, (zh, en) in names.items()
    }


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
    tables["grades"] = named(tables["grades"])
    return Annual(
        run_id=run_id,
        config=info.get("appraisal", {}).get("config", {}),
        catalogue=parse_catalogue(
            info["catalogue"], file="catalogue.json", stored=True
        ),
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


# overview
import functools  # noqa: E402

from evaluation.analysis import overview as ov  # noqa: E402


@dataclass(frozen=True)
class Overview:
    """One run and period as the overview page (/) shows it: the tables of
    :mod:`evaluation.analysis.overview`, computed once per run and period.

    ``levels``: the unit levels of the run (catalogue order); ``counts``: units by
    warning level (:func:`~evaluation.analysis.overview.level_counts`); ``red``: the
    red units with their rectifications; ``averages``: the period's averages with
    their gap to the city and change on the previous period; ``trend``: every
    period's averages; ``movers``: unit level (None: all units) → risers and
    fallers; ``grades``: the year's annual grades by unit level, None without a
    published appraisal of the year (:func:`annual_beside`), ``grades_until`` the
    last day of its 公示 when the grades are proposed, still under notice (None
    when final); ``changes``: what changed since the last publication, None
    without one (``previous``: that run)."""

    run_id: str
    period: str
    year: str
    levels: list[str]
    counts: pd.DataFrame
    red: pd.DataFrame
    averages: pd.DataFrame
    trend: pd.DataFrame
    movers: dict
    grades: pd.DataFrame | None
    previous: str | None
    changes: ov.Changes | None
    grades_until: str | None = None


def overview(run_id: str | None, period: str | None) -> Overview:
    """The overview of a run this request may see (the draft rule of
    :func:`result`) in ``period`` (the run's own if it has no such period)."""
    run_id = run_id or default_run()
    r = result(run_id)  # stops the callback for a draft without a login
    return _overview(_generation, run_id, period if period in r.periods else r.period)


@functools.lru_cache(maxsize=256)
def _overview(source: int, run_id: str, period: str) -> Overview:
    """(``source``: :data:`_generation`: a process may serve one source after
    another, or the same store again after a new publication.)"""
    r = _load(run_id)
    year = period[:4]
    annual = annual_beside(year, run_id)
    previous = previous_publication(run_id)
    return Overview(
        run_id=run_id,
        period=period,
        year=year,
        levels=scope_levels(run_id, BY_LEVEL),  # as the rankings list them
        counts=ov.level_counts(r, period),
        red=ov.red_units(r, period),
        averages=ov.nested(ov.average_table(_trend(source, run_id), period)),
        trend=ov.nested(_trend(source, run_id)),
        movers={
            level: ov.movers(r, period, unit_level=level)
            for level in [None, *ov.unit_levels(r)]
        },
        grades=None
        if annual is None
        else ov.grade_counts(_appraisal(annual[0]).grades, r.units),
        grades_until=None if annual is None else annual[1],
        previous=previous,
        changes=None if previous is None else _changes(source, run_id, previous),
    )


@functools.lru_cache(maxsize=64)
def _trend(source: int, run_id: str) -> pd.DataFrame:
    return ov.averages(_load(run_id))


@functools.lru_cache(maxsize=64)
def _changes(source: int, run_id: str, previous: str) -> ov.Changes:
    return ov.changes(_load(run_id), _load(previous))


def previous_publication(run_id: str) -> str | None:
    """The last run of the same kind published before ``run_id`` (in the order
    the store holds runs), itself excepted; None for a result folder or the first
    publication."""
    if not is_store():
        return None
    r = _runs().reset_index(drop=True)
    at = r.index[r["run_id"] == run_id]
    if not len(at):
        return None
    kind = r.at[at[0], "kind"]
    before = r.iloc[: at[0]]
    hit = before[(before["kind"] == kind) & (before["status"] == "published")]
    return hit["run_id"].iloc[-1] if len(hit) else None


def percent(share: float, decimals: int = 1) -> str:
    """A share as a percentage, rounded half up, never ``-0.0%``: ``33.3%``;
    ``decimals=2`` where shares are added up by eye (the methodology's weights:
    with one, siblings of 3.75% each read 3.8% beside their parent's 7.5%)."""
    return worded.percent([share], decimals)[0]  # scaled in decimal: 0.0295 is 3.0%


def whatif(run_id: str | None, period: str) -> views.WhatIf:
    """The what-if of a run this request may see in ``period``, prepared once per
    run and period (:class:`evaluation.analysis.views.WhatIf`): a slider move then
    only re-weights the stored dimension scores."""
    run_id = run_id or default_run()
    result(run_id)  # the draft rule, on every request
    return _whatif(run_id, period_of(run_id, period), _generation)


#: the latest request answered per page view (see :func:`newest`), oldest dropped
_ANSWERED: dict[str, float] = {}
_ANSWERED_LOCK = threading.Lock()
ANSWERED_PAGES = 10_000


def newest(page: str, seq: float) -> bool:
    """Whether request ``seq`` of a page view is newer than every one answered for
    it so far (and now the newest answered). Requests run side by side and can end
    out of order; Dash draws every answer as it comes, so an older answer ending
    late would put back what the visitor has already moved on from. ``page`` and
    ``seq`` are sent by the page (a random id per view, a rising number per
    request); a callback answers only the newest."""
    with _ANSWERED_LOCK:
        if seq < _ANSWERED.get(page, float("-inf")):
            return False
        _ANSWERED.pop(page, None)  # to the end: the most recent
        _ANSWERED[page] = seq
        while len(_ANSWERED) > ANSWERED_PAGES:
            del _ANSWERED[next(iter(_ANSWERED))]
        return True


@lru_cache(maxsize=16)
def _whatif(run_id: str, period: str, source: int) -> views.WhatIf:
    """(``source``: :data:`_generation`, so that no stale entry is read.)"""
    return views.WhatIf(_load(run_id), period)


def fixed(value, decimals: int = 2, *, sign: bool = False) -> str:
    """A number as shown: rounded half up (as the media CSV), never ``-0.00``;
    '' for a missing one. ``sign``: a difference, written as the committee report
    and the letters write one (:func:`~evaluation.vocabulary.signed`: ``+1.25``,
    ``−1.25`` with the minus sign U+2212), ``0.00`` when it rounds to zero."""
    text = round_half_up([value], decimals)[0]
    if not text:
        return ""
    if float(text) == 0:
        return text.lstrip("-")
    return signed(value, decimals) if sign else text


def appeals(run_id: str) -> pd.DataFrame:
    """The appeal cases filed against an annual run this request may see, oldest
    first (``case_id, unit_id, filed_by, filed_at, grounds, decision, decided_at``
    as stored; none for a store made before the 公示 lifecycle)."""
    appraisal(run_id)  # the draft rule
    with _store() as s:
        if not hasattr(s, "cases"):
            return pd.DataFrame()
        return s.cases(run_id).sort_values(["filed_at", "case_id"], kind="stable")
