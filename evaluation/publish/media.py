"""``evaluation export``: a result's tables as files people open, CSV or Excel.

* **Media CSV a journalist can use alone** (:func:`export`, ``table="media"``): the
  whole league table at the path asked for, with a period column (2025年度,
  2025年12月) and a type-of-unit column, and by default one file per type of unit
  (``units.level``: 市直部门 and 县（市）区, each ranked among its own, rank change
  among its own): ``media_2025_zh.csv`` → ``media_2025_zh_市直部门.csv`` and
  ``media_2025_zh_区县.csv``; beside them a note, ``media_2025_zh.说明.txt``
  (``.about.txt`` in English), with the period, the source, the method, what the
  columns mean and what is imputed. A sidecar, never lines after the table: a CSV
  reader stops at the first line that is not a row. :func:`media_csv_files` makes
  these files (names and bytes); the dashboard's rankings download zips them.
* **Excel** (``fmt="xlsx"``), any table: numbers are number cells with a number
  format by what they measure (scores ``0.00``, ranks and counts ``0``, a rank
  change ``+3``, percentages in the catalogue's percentage points ``95.30%``), a
  header of two lines (Chinese over English) frozen with the unit's name and
  filterable, columns as wide as their text (a Chinese character counts two), and a
  last sheet 说明 About: period, source (the run's provenance: catalogue version,
  data folder, time of the run in Beijing time), method and notes. The media
  workbook has a sheet per type of unit.
* **The annual grade** (年度考评等次) is a last column of a year's media table when
  the publication store holds a released appraisal of that year
  (:func:`published_grades`): the grade in force, or the one under 公示; only when
  that appraisal was made from the result exported (the same catalogue and input
  files: :func:`grades_mismatch`), never another dataset's grades by unit code.
  The note (and the workbook's 说明 About) names that run and its status; grades in
  force with a correction under 公示 say so in the grades file's words
  (待生效的更正版本: the corrected run, until when, and that it replaces them once
  final).

Every file of one export is written atomically, all or none
(:func:`evaluation.files.replacing`); the request is checked (:func:`output_format`)
before anything is read.
"""

from __future__ import annotations

import io
import zipfile
from contextlib import ExitStack
from pathlib import Path

import pandas as pd

from evaluation import periods as P
from evaluation import vocabulary as V
from evaluation.analysis.views import blank_dimensions, filled
from evaluation.errors import EvaluationError, RequestError
from evaluation.files import replacing, safe_cells
from evaluation.publish.export import (
    LANGS,
    RISK_TABLES,
    UNIT_LEVEL,
    date_zh,
    export_grades,
    folder_named,
    header_text,
    media_csv_bytes,
    media_table,
    note_text,
    number_format,
    pending_correction,
    pending_words,
    period_words,
    published_numbers,
    risk_table,
    round_half_up,
    time_zh,
    uncertainty_choices,
    write_xlsx,
)
from evaluation.publish.store import BEIJING, Store, store_option
from evaluation.result import Result
from evaluation.vocabulary import DOCUMENT, FAMILIES, FILE_STATUS, word

#: file formats of ``evaluation export``
FORMATS = ("csv", "xlsx")
#: the tables ``evaluation export`` writes: the media league table, the full
#: ranking for analysts, the risk tables and (from the store) the annual grades
TABLES = ("media", "ranking", *RISK_TABLES, "grades")
#: ``units.level`` in file and sheet names (区县, Districts)
LEVEL_SHORT = FAMILIES["unit_level_short"]
ABOUT = FAMILIES["export_about"]
#: the line of a correction under 公示 that replaces the grades once final, as the
#: grades file heads it (待生效的更正版本 / Correction pending)
PENDING_LABEL = FAMILIES["grades_pending"]["label"]
RANKING_HEADER = FAMILIES["ranking_header"]
#: the About sheet's columns
ABOUT_COLUMNS = ["项目", "说明", "Item", "Description"]


def output_format(out: str | Path, fmt: str | None = None) -> str:
    """The format to write ``out`` in: ``fmt`` if given, else by the suffix
    (``.xlsx`` → xlsx, anything else csv). ``ValueError`` naming both when they
    disagree (``--format xlsx`` with ``media.csv``), or for an unknown format."""
    suffix = Path(out).suffix.lower().lstrip(".")
    if fmt is None:
        return "xlsx" if suffix == "xlsx" else "csv"
    if fmt not in FORMATS:
        choices = V.Word("、".join(FORMATS), ", ".join(FORMATS))
        said = V.say(
            "library_error", "format_choice", choices=choices, got=V.quoted(fmt)
        )
        raise RequestError(words=said)
    if (fmt == "xlsx") != (suffix == "xlsx"):
        fix = Path(out).with_suffix(f".{fmt}")
        said = V.say(
            "library_error",
            "format_suffix",
            fmt=fmt,
            out=out,
            suffix=suffix or "?",
            fix=fix,
        )
        raise RequestError(words=said)
    return fmt


def levels_of(result: Result) -> list[str]:
    """The units' levels present in ``result``, in the catalogue's order
    (``settings.unit_levels``: department, district)."""
    known = list(result.catalogue.settings.unit_levels)
    present = set(result.units["level"].dropna())
    return [lv for lv in known if lv in present] + sorted(present - set(known))


def level_word(level: str, lang: str, *, short: bool = False) -> str:
    """A level's words: 市直部门, 县（市）区 (``short``: 区县 for file names)."""
    pair = (LEVEL_SHORT if short else UNIT_LEVEL).get(level, (level, level))
    return _pick(pair, lang)


def ranking_table(
    result: Result,
    period: str | None = None,
    *,
    lang: str = "zh",
    decimals: int = V.SCORE_DECIMALS,
    numbers: bool = False,
    headers: str | None = None,
) -> pd.DataFrame:
    """The full league table for analysts (``result.league_table``): period, rank,
    unit code and both names, peer group, scores, rank change, rank in the peer group
    and its change, coverage, imputed values, status; headers and words in ``lang``;
    scores rounded half up to ``decimals`` (text, or numbers with ``numbers``)."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    cat = result.catalogue
    table = result.league_table(period)
    dims = cat.top_dimensions()
    groups = {g.id: (g.name_zh, g.name_en) for g in cat.peer_groups}
    style = headers or lang

    def whole(v: pd.Series):
        v = v.astype("Int64")
        return v.tolist() if numbers else ["" if pd.isna(x) else str(x) for x in v]

    def real(v: pd.Series):
        return (published_numbers if numbers else round_half_up)(v, decimals)

    def words(values: pd.Series, family) -> list[str]:
        return [_pick(family.get(v, (v, v)), lang) for v in values]

    cols = {
        "period": [_pick(period_words(p), lang) for p in table["period"]],
        "rank": whole(table["rank"]),
        "unit_id": table["unit_id"].tolist(),
        "name_zh": table["name_zh"].tolist(),
        "name_en": table["name_en"].tolist(),
        "peer_group": words(table["peer_group"], groups),
        "composite_score": real(table["composite_score"]),
    }
    heads = {k: header_text(RANKING_HEADER[k], style) for k in cols}
    for d in dims:
        cols[d] = real(table[d])
        heads[d] = header_text((cat.name(d, "zh"), cat.name(d, "en")), style)
    cols |= {
        "rank_change": whole(table["rank_change"]),
        "peer_rank": whole(table["peer_rank"]),
        "peer_rank_change": whole(table["peer_rank_change"]),
        "coverage": real(table["coverage"]),
        "n_imputed": whole(table["n_imputed"]),
        "status": words(table["status"], FAMILIES["rank_status"]),
    }
    heads |= {k: header_text(RANKING_HEADER[k], style) for k in cols if k not in heads}
    out = safe_cells(pd.DataFrame({heads[k]: v for k, v in cols.items()}))
    if numbers:
        score, sign = number_format("score", decimals), "+0;-0;0"
        out.attrs["number_formats"] = {
            heads["rank"]: "0", heads["peer_rank"]: "0", heads["rank_change"]: sign,
            heads["peer_rank_change"]: sign, heads["composite_score"]: score,
            **{heads[d]: score for d in dims}, heads["coverage"]: score,
            heads["n_imputed"]: "0",
        }  # fmt: skip
    return out


# ------------------------------------------------------------------ the grades
def published_grades(store: str | Path, year: str) -> tuple[dict, pd.Series] | None:
    """The annual grades of ``year`` released in ``store``: ``(run, unit_id →
    final grade code)`` of the run in force, else of the one under 公示; ``None``
    when the store or such a run does not exist (a draft is never published)."""
    if not Path(store).is_file():
        return None
    with Store(store, read_only=True) as s:
        return _released(s, s.runs(), year)


def _released(s: Store, runs: pd.DataFrame, year: str):
    """:func:`published_grades` in the open store ``s`` (``runs``: its runs)."""
    annual = runs[(runs["kind"] == "annual") & (runs["period"] == str(year))]
    for flag in ("in_force", "under_notice"):
        hit = annual[annual[flag].astype(bool)]
        if len(hit):
            run = hit.iloc[-1].to_dict()
            grades = s.table(run["run_id"], "grades")
            return run, grades.set_index("unit_id")["final_grade"]
    return None


def grades_mismatch(store: str | Path, run: dict, result: Result) -> V.Word | None:
    """Why the annual run ``run`` of ``store`` was not made from ``result`` (its
    manifest's provenance: another catalogue, other input files), in Chinese and
    English; ``None`` when it was, so its grades belong to the units of
    ``result``."""
    with Store(store, read_only=True) as s:
        return _mismatch(s, store, run, result)


def _mismatch(s: Store, store, run: dict, result: Result) -> V.Word | None:
    """:func:`grades_mismatch` in the open store ``s`` (``store``: its path, as
    the words name it)."""
    theirs = s.manifest(run["run_id"])["provenance"]
    mine = result.provenance
    where = {"run": run["run_id"], "store": store}
    if theirs.get("catalogue_sha256") != mine.catalogue_sha256:
        return V.say("media_note", "other_catalogue", **where)
    if theirs.get("inputs") != dict(mine.inputs):
        return V.say("media_note", "other_inputs", **where)
    return None


# ------------------------------------------------------------------- the notes
def method_text(catalogue, lang: str, indicators=None) -> str:
    """The method in a sentence, from the catalogue: normalisations (with how many
    indicators each), weights, aggregations, missing-data rules, in the
    vocabulary's words. ``indicators``: those scored in the period (default every
    indicator): the counts are theirs, and the level-1 dimensions with none of them
    are named as not assessed in the period (a month has no indicator of some)."""
    k = 0 if lang == "zh" else 1
    sep = ABOUT["list_sep"][k]
    table = catalogue.table
    if indicators is not None and len(indicators):
        table = table.loc[list(indicators)]
    counted = lambda family, values: sep.join(  # noqa: E731
        ABOUT["count_of"][k].format(word=word(family, m, _one(lang)), n=n)
        for m, n in values.value_counts(sort=False).items()
    )
    specs = list(catalogue.methods.values())
    unique = lambda family, codes: sep.join(  # noqa: E731
        word(family, c, _one(lang)) for c in dict.fromkeys(codes)
    )
    text = ABOUT["method_text"][k].format(
        normalisation=counted("normalisation", table["normalisation"]),
        weights=unique("weights", (w.method for w, _ in specs)),
        aggregation=unique("aggregation", (a.method for _, a in specs)),
        missing=counted("imputation", table["missing"]),
    )
    idle = unassessed(catalogue, table.index)
    if idle:
        names = sep.join(catalogue.name(d, "zh" if k == 0 else "en") for d in idle)
        text += ("" if k == 0 else " ") + ABOUT["not_assessed"][k].format(
            dimensions=names
        )
    return text


def unassessed(catalogue, indicators) -> list[str]:
    """The level-1 dimensions with none of ``indicators`` below them (catalogue
    order): not assessed in a period that scores only those, their scores blank
    (the aggregation leaves out a node with nothing under it)."""
    parent = catalogue.node_columns["parent"]
    reached = set()
    for node in indicators:
        while node in parent:
            reached.add(node)
            node = parent[node]
    return [d for d in catalogue.top_dimensions() if d not in reached]


def typical_gap(catalogue, nodes=None) -> V.Word | None:
    """What a typical gap (典型差距) is, for a catalogue with a robust-z peer rule:
    its warnings' limits and reasons count in typical gaps (落后同类单位中位数3.00个
    典型差距; 约为同类典型差距3.16分的7.94倍), so the definition goes where they are
    read (the About sheet of the warnings and of the ledger, the dashboard's risk
    and profile pages); ``None`` for a catalogue without one. A rule ``within: all``
    takes the median of all units, not the peers': the words say so, and say both
    where the catalogue has rules of both kinds. ``nodes``, when given: only the
    rules on them (the nodes of the peer warnings a unit's profile shows)."""
    nodes = None if nodes is None else set(nodes)
    within = {
        r.within
        for r in catalogue.risk.rules
        if r.kind == "peer"
        and r.method == "robust_z"
        and (nodes is None or r.node in nodes)
    }
    if not within:
        return None
    if len(within) > 1:
        return ABOUT["typical_gap_text_both"]
    return ABOUT["typical_gap_text" + ("_all" if within == {"all"} else "")]


def typical_gap_note(catalogue, shown, lang: str = "zh") -> str:
    """The footnote under the reasons a feedback letter or the committee report
    quotes, where one is a robust-z peer warning's: ``注：典型差距指同类各单位…``
    (:func:`typical_gap` for the nodes of the peer warnings among ``shown``, as a
    unit's profile says it). ``shown``: the warnings quoted, as records with
    ``rule`` and ``node_id``; ``""`` where none is such a warning (one without a
    ``rule``, of a run stored before warnings named it, is not)."""
    nodes = [w["node_id"] for w in shown if w.get("rule") == "peer"]
    said = typical_gap(catalogue, nodes)
    if said is None:
        return ""
    text = said.text(lang)
    if lang == "en":  # after "a typical gap is": the median …
        text = text[0].lower() + text[1:]
    return word("report", "typical_gap_note", lang).format(text=text)


def about_table(
    result: Result,
    period: str | None = None,
    *,
    table: str = "media",
    levels: list[str] | None = None,
    peer_group: str | None = None,
    decimals: int = V.SCORE_DECIMALS,
    grades: dict | None = None,
    pending: dict | None = None,
    store: str | Path = "",
    source: str | Path = "",
    files: list[str] | None = None,
    span=None,
    ranges: pd.Series | None = None,
) -> pd.DataFrame:
    """The 说明 About sheet (and the note beside a media CSV): what the table is,
    the period, the source (agencies, data folder, catalogue version, time of the
    run in Beijing time, software, result folder), the method, how ranks and numbers
    read, and notes (imputed values, units not ranked); beside warnings or the
    ledger of a catalogue with a robust-z peer rule, what a typical gap (典型差距)
    is (:func:`typical_gap`); the
    annual grade's run when ``grades`` (a run's row) is given, and the correction of
    it under 公示 that replaces it once final when ``pending`` (a row of
    ``Store.runs()``: :func:`~evaluation.publish.export.pending_correction`) is,
    in the grades file's words (待生效的更正版本). Columns ``项目, 说明, Item,
    Description``.

    ``levels``: the types of unit ranked apart; ``files``: the files written;
    ``span``: the periods of the table's rows, stated first to last in place of
    ``period`` (a table of many periods: flags, the ledger); ``ranges``: the rank
    ranges beside the ranks (their ``attrs["spec"]``, the draws' spec, says how many
    and what each varies), said after the ranks."""
    period = period or result.period
    cat, prov = result.catalogue, result.provenance
    rows: list[tuple[V.Word, tuple[str, str]]] = []  # (label, (zh, en))

    def add(key: str, zh: str, en: str) -> None:
        rows.append((ABOUT[key], (zh, en)))

    def both(key: str, fields) -> tuple[str, str]:
        return tuple(ABOUT[key][k].format(**fields(k)) for k in (0, 1))

    contents = [ABOUT[table].zh, ABOUT[table].en]
    if table == "media" and levels and len(levels) > 1:
        split = both("media_split", lambda k: {"groups": _and(levels)[k]})
        contents = [f"{contents[0]}；{split[0]}", f"{contents[1]}; {split[1]}"]
    add("contents", *contents)
    if files:
        add("files", "、".join(files), ", ".join(files))
    add("period", *_period_text(period, span))
    agencies = _source_agencies(result, None if span is not None else period)
    source_words = V.say_count(
        "export_about",
        "source_text",  # source_text_one: one agency, no 等1个单位
        len(agencies),
        agencies=V.Word(  # in brackets in English: a list without "and"
            ABOUT["list_sep"].zh.join(a.name_zh for a in agencies),
            ABOUT["list_sep"].en.join(a.name_en for a in agencies),
        ),
        root=folder_named(prov.dataset_root, 2),
        files=len(prov.inputs),
    )
    add("source", *source_words)
    add(
        "catalogue",
        *both(
            "catalogue_text",
            lambda k: {
                "name": cat.name_zh if k == 0 else cat.name_en,
                "version": cat.version,
                "sha": prov.catalogue_sha256[:12],
            },
        ),
    )
    add("computed", _time(prov.run_at, "zh"), _time(prov.run_at, "en"))
    add("software", *(f"evaluation {prov.package_version}",) * 2)
    if source:
        add("result", *(folder_named(source, 2),) * 2)
    scored = result.scored_indicators(period)
    add("method", method_text(cat, "zh", scored), method_text(cat, "en", scored))
    gap = typical_gap(cat) if table in ("warnings", "ledger") else None
    if gap is not None:  # the word of their limits and reasons
        add("typical_gap", *gap)
    if table in ("media", "ranking"):
        previous = P.previous(period)

        def within(k: int) -> str:
            if peer_group is not None:
                name = next(g for g in cat.peer_groups if g.id == peer_group)
                return ABOUT["within_peer"][k].format(
                    group=name.name_zh if k == 0 else name.name_en
                )
            if table == "media" and levels and len(levels) > 1:
                key = "within_files" if files else "within_groups"
                return ABOUT[key][k].format(groups=_and(levels)[k])
            return ""

        add(
            "ranks",
            *both(
                "ranks_text",
                lambda k: {
                    "within": within(k),
                    "previous": period_words(previous)[k],
                },
            ),
        )
        if ranges is not None:
            add("rank_range", *_range_text(ranges.attrs.get("spec")))
        add("numbers", *both("numbers_text", lambda k: {"decimals": decimals}))
        add("notes", *_notes(result, period, peer_group))
    if grades is not None:
        status = FILE_STATUS.get(grades["status"], (grades["status"],) * 2)
        said = both(
            "grade_text",
            lambda k: {
                "store": folder_named(store, 2),
                "year": grades["period"],
                "run": grades["run_id"],
                "status": status[k],
            },
        )
        if grades["status"] == "notice":  # not final: appeals may change a grade
            until = grades.get("notice_until")
            dated = isinstance(until, str) and bool(until)
            notice = both(
                "grade_notice" if dated else "grade_notice_any",
                lambda k: (
                    {"until": P.date_text(until, ("zh", "en")[k])} if dated else {}
                ),
            )
            said = (said[0] + notice[0], f"{said[1]} {notice[1]}")
        add("grade", *said)
    if grades is not None and pending is not None:  # the grades file's own line
        said = pending_words(pending)
        rows.append((PENDING_LABEL, (said.zh, said.en)))
    return pd.DataFrame(
        [(label.zh, zh, label.en, en) for label, (zh, en) in rows],
        columns=ABOUT_COLUMNS,
    )


def _source_agencies(result: Result, period: str | None):
    """The agencies whose reports ``period``'s scores read (every agency of the
    catalogue's indicators if None): those of its scored indicators and of the
    series they are divided or weighted by. A month reads only the monthly ones.
    A series late for every one of its reports in the period (``Result.absences``;
    the notes say who has not reported) was not read: an agency late with all of
    its series is none of the period's sources (a year without December still
    read its other eleven months)."""
    cat = result.catalogue
    if period is None:
        ids = set(cat.table["agency"])
    else:
        series = {s.id: s for s in (*cat.indicators, *cat.context)}
        read = set()
        for k in result.scored_indicators(period):
            spec = series[k]
            by = spec.denominator.by if spec.denominator else None
            read.update(x for x in (k, by, spec.rollup.weight_by) if x)
        absences = getattr(result, "absences", None)
        if absences is not None and len(absences):
            mine = absences[absences["evaluation_period"] == period]
            missed = mine.groupby("series_id")["period"].nunique()
            read -= {
                k
                for k, n in missed.items()
                if k in series and n >= P.expected_count(series[k].frequency, period)
            }
        ids = {series[k].agency for k in read if k in series}
    return [a for a in cat.agencies if a.id in ids]


def _notes(
    result: Result, period: str, peer_group: str | None = None
) -> tuple[str, str]:
    """The notes row: ranked units with values not reported and scored 0, ranked
    units with imputed values (each with how many values: what their Note cells
    mark; a unit not ranked is noted so, and only so), units not ranked, with a
    blank dimension (counted among the table's units: ``peer_group``'s only, for
    its file), and the agencies late for the period."""
    table = result.league_table(period, peer_group=peer_group)
    zero, imputed = filled(result, table, period)  # what the Note cells count
    counts = {"zero_note": zero, "imputed_note": imputed}
    unranked = int((table["status"] == "insufficient_data").sum())
    zh, en = [], []
    for key, n in counts.items():
        if n.sum():
            said = V.say(
                "export_about",
                key,
                units=V.say_count("export_about", "note_units", int((n > 0).sum())),
                values=V.say_count("export_about", "note_values", int(n.sum())),
            )
            zh.append(said.zh)
            en.append(said.en)
    blank = int(blank_dimensions(result, table, period).any(axis=1).sum())
    for key, n in (("insufficient_note", unranked), ("blank_note", blank)):
        if n:
            units = V.say_count("export_about", "note_units", n)
            said = V.say_count("export_about", key, n, units=units)
            zh.append(said.zh)
            en.append(said.en)
    absences = getattr(result, "absences", None)  # late agencies, gone on without
    if absences is not None and len(absences):
        mine = absences[absences["evaluation_period"] == period]
        names = {a.id: (a.name_zh, a.name_en) for a in result.catalogue.agencies}
        for agency, rows in mine.groupby("agency", sort=False):
            for k, out in enumerate((zh, en)):
                sep = ABOUT["list_sep"][k]
                out.append(
                    ABOUT["absent_note"][k].format(
                        agencies=names.get(agency, (agency, agency))[k],
                        periods=sep.join(
                            period_words(p)[k] for p in dict.fromkeys(rows["period"])
                        ),
                        n=rows["series_id"].nunique(),
                    )
                )
    if not zh:
        return ABOUT["no_notes"].zh + "。", ABOUT["no_notes"].en + "."
    # one sentence of clauses, each lower case in English but for a name (an
    # agency's): the sentence's first letter raised, none after a semicolon
    en = "; ".join(en)
    return "；".join(zh) + "。", en[:1].upper() + en[1:] + "."


def _range_text(spec: dict | None) -> tuple[str, str]:
    """What a rank range column says: the rank, and in brackets 5–95% of the
    draws' ranks, how many draws and what each varies (without ``spec``, of an
    uncertainty analysis's draws)."""
    if spec is None:
        return ABOUT["rank_range_any"].zh, ABOUT["rank_range_any"].en
    said = []
    for k, lang in enumerate(("zh", "en")):
        choices = uncertainty_choices(spec, V.words("report", lang))
        said.append(
            ABOUT["rank_range_text"][k].format(n=int(spec["n"]), choices=choices)
        )
    return said[0], said[1]


def _period_text(period: str, span=None) -> tuple[str, str]:
    """The period row: ``2025年度（2025年1月1日至2025年12月31日）``; with ``span``
    (period labels, any frequencies) the first to the last of them,
    ``2024年1月至2025年12月（2024年1月1日至2025年12月31日）``."""

    def months(label: str) -> tuple[int, int]:  # first and last month since year 0
        freq, year, end = P.year_end(label)
        return year * 12 + end - P.months_per(freq) + 1, year * 12 + end

    labels = sorted({str(p) for p in span if pd.notna(p)} if span is not None else ())
    if labels:
        head = min(labels, key=lambda p: months(p))  # the earliest start
        tail = max(labels, key=lambda p: months(p)[::-1])  # the latest end
    else:
        head = tail = period
    start, end = months(head)[0] - 1, months(tail)[1] - 1
    first = pd.Timestamp(year=start // 12, month=start % 12 + 1, day=1)
    last = pd.Timestamp(
        year=end // 12, month=end % 12 + 1, day=1
    ) + pd.offsets.MonthEnd(0)
    zh, en = period_words(head)
    if tail != head:
        zh, en = (
            f"{P.name_zh(head)}至{P.name_zh(tail)}",
            f"{en} to {period_words(tail)[1]}",
        )
    return (
        ABOUT["period_text"].zh.format(
            name=zh, start=date_zh(first), end=date_zh(last)
        ),
        ABOUT["period_text"].en.format(
            name=en, start=f"{first:%Y-%m-%d}", end=f"{last:%Y-%m-%d}"
        ),
    )


def _time(value, lang: str) -> str:
    try:
        return time_zh(value, lang)
    except (ValueError, TypeError):  # not a time: shown as recorded
        return str(value)


def _and(levels: list[str]) -> V.Word:
    """The levels' words as a sentence lists them (:func:`V.listed`: municipal
    departments and districts and counties, lower case inside an English sentence,
    an acronym kept: :func:`V.mid_sentence`), the last two joined by 和 in Chinese
    (市直部门和县（市）区; 甲、乙和丙)."""
    names = [
        V.Word(level_word(lv, "zh"), V.mid_sentence(level_word(lv, "en")))
        for lv in levels
    ]
    *head, last = [n.zh for n in names]
    sep, joiner = ABOUT["list_sep"].zh, ABOUT["and"].zh
    zh = f"{sep.join(head)}{joiner}{last}" if head else last
    return V.Word(zh, V.listed(names).en)


def _pick(pair, lang: str) -> str:
    return {"zh": pair[0], "en": pair[1], "both": f"{pair[0]} {pair[1]}".strip()}[lang]


def _one(lang: str) -> str:
    return "en" if lang == "en" else "zh"


# ---------------------------------------------------------------- the export
def table_word(table: str) -> V.Word:
    """An export table's name (:data:`TABLES`) in words: 完整排名表 / ranking,
    预警表 / warnings …"""
    if table == "ranking":
        return V.Word("完整排名表", "ranking")
    if table == "media":
        return V.Word("供媒体发布的排名表", "media")
    return V.say("library_error", f"table_{table}")


def export(
    result: Result,
    out: str | Path,
    *,
    table: str = "media",
    fmt: str | None = None,
    period: str | None = None,
    lang: str = "zh",
    decimals: int = V.SCORE_DECIMALS,
    peer_group: str | None = None,
    decisions: pd.DataFrame | None = None,
    rank_range: pd.Series | None = None,
    split: bool = True,
    store: str | Path | None = None,
    source: str | Path = "",
    say=None,
) -> list[tuple[Path, int]]:
    """Write ``table`` of ``result`` to ``out`` as CSV or Excel (``fmt``, default
    by the suffix: :func:`output_format`); every file written, with its rows.

    ``media``: the league table at ``out``; with ``split`` (and two types of unit or
    more, no ``peer_group``, no ``rank_range``) one table per type of unit, ranked
    apart: as files ``<out>_<type>.csv`` beside ``out``, or as the workbook's sheets.
    A media CSV gets its note ``<out>.说明.txt`` (``.about.txt`` in English). The
    year's annual grade is a column when ``store`` holds a released appraisal of
    the period (a year) made from ``result`` (else no column, and ``say`` is told
    why, one line). ``ranking``: the full league table for analysts; the risk
    tables: :func:`~evaluation.publish.export.risk_table`; ``grades``: the annual
    grades of the period's year from ``store``
    (:func:`~evaluation.publish.export.export_grades`; a CSV's note beside it says
    the run and whether its grades are in force or under 公示).
    """
    out = Path(out)
    fmt = output_format(out, fmt)
    if table not in TABLES:
        raise ValueError(f"table must be one of {', '.join(TABLES)}, not {table!r}")
    if lang not in LANGS:
        raise ValueError(f"--lang must be one of {', '.join(LANGS)}, not {lang!r}")
    asked, period = period, period or result.period
    if period not in result.periods:
        have = [period_words(p) for p in result.periods]
        raise EvaluationError(
            words=V.say(
                "library_error",
                "no_period",
                period=V.quoted(period),
                have=V.Word(
                    "、".join(h[0] for h in have), ", ".join(h[1] for h in have)
                ),
            )
        )
    if peer_group is not None and table != "media":  # it filters the media table
        said = V.say("library_error", "peer_group_table", table=table_word(table))
        raise RequestError(words=said)
    if table == "grades":
        return _grades(result, out, period, lang, store)
    xlsx = fmt == "xlsx"
    style = "lines" if xlsx else lang
    about = lambda **kw: about_table(  # noqa: E731
        result, period, table=table, peer_group=peer_group, decimals=decimals,
        source=source, **kw,
    )  # fmt: skip
    sheet = lambda name: " ".join(DOCUMENT[f"sheet_{name}"])  # noqa: E731
    if table != "media":
        if table == "ranking":
            frame = ranking_table(
                result, period, lang=lang, decimals=decimals, numbers=xlsx,
                headers=style,
            )  # fmt: skip
        else:
            frame = risk_table(
                result, table, period=asked,
                lang=lang, decimals=decimals, decisions=decisions, numbers=xlsx,
                headers=style,
            )  # fmt: skip
        if not xlsx:
            _write_all({out: media_csv_bytes(frame)})
        else:  # frozen: the columns up to the unit's name
            frozen = {"ranking": 4, "flags": 3}.get(table, 2)
            rows = {"flags": "period", "ledger": "opened_period"}.get(table)
            span = getattr(result, table)[rows] if rows and asked is None else None
            _workbook(
                out, {sheet(table): frame}, about(span=span), result, frozen=frozen
            )
        return [(out, len(frame))]
    if not xlsx:
        files = media_csv_files(
            result, out.name, period=period, lang=lang, decimals=decimals,
            peer_group=peer_group, rank_range=rank_range, split=split, store=store,
            source=source, say=say,
        )  # fmt: skip
        _write_all({out.with_name(name): data for name, data, _ in files})
        return [(out.with_name(name), rows) for name, _, rows in files]
    run, grades, pending = _published_grades(result, period, lang, store, say)
    levels = levels_of(result)
    apart = split and peer_group is None and rank_range is None and len(levels) > 1

    def media(level: str | None = None) -> pd.DataFrame:
        return media_table(
            result, period, peer_group=peer_group, lang=lang, decimals=decimals,
            rank_range=rank_range if level is None else None, level=level,
            grades=grades, numbers=True, headers=style,
        )  # fmt: skip

    if apart:
        sheets = {
            f"{LEVEL_SHORT[lv].zh} {LEVEL_SHORT[lv].en}": media(lv) for lv in levels
        }
    else:
        sheets = {sheet("media"): media()}
    frozen = 4 if lang == "both" else 3  # period, rank and the name(s)
    info = about(
        levels=levels if apart else None, grades=run, pending=pending,
        store=store or "", ranges=rank_range,
    )  # fmt: skip
    _workbook(out, sheets, info, result, frozen=frozen)
    return [(out, sum(len(f) for f in sheets.values()))]


def media_csv_files(
    result: Result,
    name: str,
    *,
    period: str | None = None,
    lang: str = "zh",
    decimals: int = V.SCORE_DECIMALS,
    peer_group: str | None = None,
    rank_range: pd.Series | None = None,
    split: bool = True,
    store: str | Path | None = None,
    source: str | Path = "",
    say=None,
) -> list[tuple[str, bytes, int | None]]:
    """The media CSV files :func:`export` writes for ``--out name``, as ``(file
    name, bytes, rows)``, the note's rows ``None``: the league table (``name``), one
    table per type of unit ranked apart (``<stem>_市直部门.csv``, with ``split``, as
    :func:`export` says) and the note beside them (``<stem>.说明.txt``,
    ``.about.txt`` in English: period, source, method, notes, the annual grade's
    run). What the dashboard's rankings download zips, so that a journalist gets
    the same files from either."""
    period = period or result.period
    run, grades, pending = _published_grades(result, period, lang, store, say)
    levels = levels_of(result)
    apart = split and peer_group is None and rank_range is None and len(levels) > 1
    out = Path(name)

    def media(level: str | None = None) -> pd.DataFrame:
        return media_table(
            result, period, peer_group=peer_group, lang=lang, decimals=decimals,
            rank_range=rank_range if level is None else None, level=level,
            grades=grades, numbers=False, headers=lang,
        )  # fmt: skip

    short = "en" if lang == "en" else "zh"
    tables = {out.name: media()}
    if apart:
        for lv in levels:
            tag = level_word(lv, short, short=True)
            tag = tag.lower() if short == "en" else tag
            tables[f"{out.stem}_{tag}{out.suffix}"] = media(lv)
    note = f"{out.stem}.{'about' if lang == 'en' else '说明'}.txt"
    info = about_table(
        result, period, table="media", peer_group=peer_group, decimals=decimals,
        source=source, levels=levels if apart else None, grades=run,
        pending=pending, store=store or "", files=list(tables), ranges=rank_range,
    )  # fmt: skip
    files = [(n, media_csv_bytes(t), len(t)) for n, t in tables.items()]
    text = "\ufeff".encode() + note_text(info, lang).encode("utf-8")
    return [*files, (note, text, None)]


def zipped(files, stamp) -> bytes:
    """``files`` (:func:`media_csv_files`' ``(name, bytes, …)``) as one zip under
    their own names, each dated ``stamp`` (the run's time, in Beijing time): the
    same run, the same bytes (the dashboard's rankings download)."""
    try:
        when = pd.Timestamp(stamp)
        when = when.tz_convert(BEIJING) if when.tzinfo else when
        date = tuple(when.timetuple())[:6]
    except (ValueError, TypeError):
        date = (1980, 1, 1, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data, *_ in files:
            info = zipfile.ZipInfo(name, date)
            info.external_attr = 0o644 << 16  # readable once unpacked (not 000)
            z.writestr(info, data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _published_grades(result, period: str, lang: str, store, say):
    """``(run, grades, pending)`` of the year's released appraisal in ``store``
    made from ``result`` (:func:`published_grades`, :func:`grades_mismatch`), with
    the correction of it under 公示 (``pending``, a row of ``Store.runs()``, or
    None: :func:`~evaluation.publish.export.pending_correction`), else ``(None,
    None, None)``, ``say`` told why when there is one of another result."""
    if not (_is_year(period) and store and Path(store).is_file()):
        return None, None, None
    with Store(store, read_only=True) as s:  # once: one export, one look at it
        runs = s.runs()
        found = _released(s, runs, period)
        why = _mismatch(s, store, found[0], result) if found else None
    if why is not None:
        found = None
        if say is not None:  # in the language of the table (both: Chinese)
            said = V.say("media_note", "no_grade_column", why=why)
            say(said.text("en" if lang == "en" else "zh"))
    if not found:
        return None, None, None
    return (*found, pending_correction(runs, found[0]))


def _grades(result, out: Path, period: str, lang: str, store) -> list:
    year = period.split("-")[0]
    if not store:
        raise EvaluationError(words=V.say("library_error", "grades_store"))
    found = None
    if Path(store).is_file():
        with Store(store, read_only=True) as s:  # once: the run found is the one sent
            found = _released(s, s.runs(), year)
            if found is not None:
                paths = export_grades(s, found[0]["run_id"], out, lang=lang)
    if found is None:
        said = V.say(
            "library_error", "no_released_grades", year=year, store=store,
            where=store_option(store),
        )  # fmt: skip
        raise EvaluationError(words=said)
    return [(paths[0], len(found[1])), *((p, None) for p in paths[1:])]


def _workbook(out: Path, sheets: dict, about: pd.DataFrame, result, frozen: int):
    stamp = pd.Timestamp(result.provenance.run_at) if _stamp(result) else None
    props = {
        "title": " / ".join(sheets),
        "subject": f"{result.period}",
        "author": "evaluation",
    }
    if stamp is not None:  # the run's own time: the same run, the same bytes
        stamp = stamp.tz_convert("UTC") if stamp.tzinfo else stamp
        props["created"] = stamp.tz_localize(None).to_pydatetime()
    write_xlsx(
        out, sheets, about=about, freeze_columns=dict.fromkeys(sheets, frozen),
        properties=props,
    )  # fmt: skip


def _stamp(result) -> bool:
    try:
        pd.Timestamp(result.provenance.run_at)
    except (ValueError, TypeError):
        return False
    return True


def _is_year(period: str) -> bool:
    return P.frequency_of(period) == "annual"


def _write_all(files: dict[Path, bytes]) -> None:
    """Write every file or none: each to a temporary file beside it, all renamed
    once all are written (a folder where one goes is refused before any is:
    :func:`~evaluation.files.replacing`)."""
    with ExitStack() as stack:
        for path, data in files.items():
            stack.enter_context(replacing(path)).write_bytes(data)
