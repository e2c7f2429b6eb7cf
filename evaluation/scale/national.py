"""National scale: score 100,000 units × 40 indicators × 12 months from Parquet on
one machine, file by file, so that a cluster can take the files (:mod:`.distributed`).

The reports never become a pandas table of text. Parquet's id columns are read as
dictionaries (integer codes + the few distinct labels); the observation schema's
rules run once per distinct label and as array lookups on the codes (a repeated key
by one ``bincount``); the reports land in a units × sub-periods × series cube with
one scatter, and each indicator is rolled up along the sub-period axis by the
pipeline's own roll-up (:func:`.prepare.roll_up`: mean, pro-rata sum, last, weighted
mean; denominators cell by cell), so the values are the pipeline's to the bit.
:func:`rollup` does this for the units of one file; :func:`finish` puts the files
together in the units table's order, applies the missing-data rules and scores the
period with the pipeline's own stages (:func:`.pipeline.score_prepared`).

Scope: one evaluation period (no rank change, risk warnings or data-quality flags:
those are the city office's monthly work); the rules and their report are those of
:func:`.validate_dataset`, with one more: a unit's reports sit in one file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

from evaluation import periods as P
from evaluation.catalogue import Catalogue
from evaluation.errors import EvaluationError, ValidationFailed
from evaluation.intake.io import OBSERVATION_COLUMNS, UNITS_COLUMNS, read_table
from evaluation.intake.schemas import units_schema
from evaluation.intake.status import absence_problems
from evaluation.intake.validate import (
    COMPLETENESS,
    check_columns,
    rule_words,
    run_schema,
    say_full_width,
    say_number_marks,
    say_spaces,
)
from evaluation.pipeline import check_period, no_unit_scored, score_prepared
from evaluation.result import ABSENCE_COLUMNS, no_absences
from evaluation.scoring.aggregate import Aggregated
from evaluation.scoring.prepare import (
    apply_missing_rules,
    divide,
    excuse_absent,
    roll_up,
    scored_indicators,
)
from evaluation.vocabulary import say

FIRST_ROW = 1  #: Parquet rows are numbered from 1 (no header line), as :mod:`.io`


@dataclass(frozen=True)
class Rolled:
    """One file's reports rolled up to the period, or its validation problems.

    ``units``: positions in the units table; ``value`` and ``n_reported``: those
    units × the period's indicators."""

    file: str
    units: np.ndarray
    value: np.ndarray
    n_reported: np.ndarray
    problems: pd.DataFrame
    #: ``(agency, period label)`` of every submission with a row in the file: a
    #: submission no file has is an agency's that is late (:func:`finish`)
    sent: frozenset = frozenset()


@dataclass(frozen=True)
class National:
    """The period scored: every stage's table, as the pipeline makes them."""

    period: str
    prepared: pd.DataFrame  #: dense period × unit × indicator values and status
    normalised: pd.DataFrame  #: (period, unit_id) × indicator, 0–100
    aggregated: Aggregated  #: node scores, coverage, weights, contributions
    composite: pd.DataFrame  #: period, unit_id, composite_score, coverage, status
    ranks: pd.DataFrame  #: period, unit_id, peer_group, rank, peer_rank …
    #: late agencies' submissions the period was scored without (as
    #: ``Result.absences``): their indicators left out, never scored 0
    absences: pd.DataFrame = field(default_factory=no_absences)

    def absent_indicators(self, catalogue: Catalogue) -> list[str]:
        """The period's indicators that lack a late agency's submission (their own
        series, or the one they are divided or weighted by), catalogue order."""
        return absent_indicators(self.absences, self.prepared, catalogue)

    def blank_dimensions(self, catalogue: Catalogue) -> pd.DataFrame:
        """As :func:`.views.blank_dimensions`: per unit (``unit_id`` index, by rank,
        the unranked last), True at each level-1 dimension the period scores (some
        unit has it) that the ranked unit has no score in (too few of its
        indicators had a value, ``min_coverage``: its composite is the others')."""
        scores = self.aggregated.scores.droplevel("period")
        dims = [d for d in catalogue.top_dimensions() if scores[d].notna().any()]
        order = self.ranks.sort_values(["rank", "unit_id"], kind="stable")["unit_id"]
        ranked = self.composite.set_index("unit_id")["status"] != "insufficient_data"
        return scores.loc[order, dims].isna() & ranked.loc[order].to_numpy()[:, None]


def files(path: str | Path) -> list[Path]:
    """The Parquet files of a dataset: ``path`` itself, or every ``*.parquet`` below
    it (a partitioned dataset, e.g. ``province=31/part-0.parquet``), sorted."""
    path = Path(path)
    found = [path] if path.is_file() else sorted(path.rglob("*.parquet"))
    if not found:
        raise EvaluationError(words=say("library_error", "no_parquet", path=path))
    return found


def read_units(path: str | Path, catalogue: Catalogue) -> pd.DataFrame:
    """The units table (any format :func:`.io.read_table` reads), validated like
    the pipeline's: raises ``ValidationFailed`` naming file, row, column, rule."""
    table, problems = check_units(path, catalogue)
    if not problems.empty:
        raise ValidationFailed(problems)
    return table


def check_units(
    path: str | Path, catalogue: Catalogue
) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """The units table and its problems (:func:`read_units`' checks; empty when
    valid), so the observation files are checked in the same round: the table
    even with bad rows (its ids are the ones the files are checked against), None
    when its columns are wrong or an id is missing or repeated (no one unit per id
    to check against)."""
    frame, record = read_table(path)
    frame, problems = check_columns(
        frame, {record["file"]: record["columns"]}, UNITS_COLUMNS, []
    )
    if not problems.empty:
        return None, problems
    if not frame.empty:
        problems = run_schema(
            units_schema(catalogue), frame[UNITS_COLUMNS], frame, catalogue
        )
    ids = frame["unit_id"].astype("str").str.strip()
    if ids.isna().any() or ids.duplicated().any():  # no one unit per id to check by
        return None, problems
    return frame[UNITS_COLUMNS].reset_index(drop=True), problems


def score_parquet(
    path: str | Path,
    units: pd.DataFrame,
    catalogue: Catalogue,
    *,
    period: str,
    progress: bool = False,
    strict: bool = False,
    units_problems: pd.DataFrame | None = None,
    units_file: str = "units.csv",
) -> National:
    """Validate and score the reports in ``path`` (a file or a partitioned
    directory) for ``period``, in this process (``progress``: a bar over the
    files). Raises ``ValidationFailed`` with every problem of every file, and
    ``units_problems`` (:func:`check_units`'); nothing is scored unless all are
    valid (a report of an unknown unit says it is not in ``units_file``, the
    units file's name). A late agency (no file has its latest submissions) is let
    through as the pipeline lets it (:func:`finish`), or refused with ``strict``."""
    check_period(period, catalogue)
    unit_ids = pd.Index(units["unit_id"])
    paths = files(path)
    if progress and len(paths) > 1:
        paths = tqdm(paths, desc="files", unit="file")
    parts = [rollup_file(f, catalogue, unit_ids, period, units_file) for f in paths]
    return finish(
        parts, units, catalogue, period=period, strict=strict, also=units_problems
    )


def rollup_file(
    file: str | Path,
    catalogue: Catalogue,
    unit_ids,
    period: str,
    units_file: str = "units.csv",
) -> Rolled:
    """Read one Parquet file (ids as dictionaries) and :func:`rollup` it for the
    units ``unit_ids`` (the units table's order, read from ``units_file``)."""
    schema = pq.read_schema(file)
    strings = [
        c
        for c in OBSERVATION_COLUMNS[:3]
        if c in schema.names
        and (
            pa.types.is_string(schema.field(c).type)
            or pa.types.is_large_string(schema.field(c).type)
        )
    ]
    # no name keeps the table: rollup lets it go once the file is found valid
    return rollup(
        pq.read_table(file, read_dictionary=strings),
        str(file),
        catalogue,
        pd.Index(unit_ids),
        period,
        units_file,
    )


def rollup(
    table: pa.Table,
    file: str,
    catalogue: Catalogue,
    unit_ids: pd.Index,
    period: str,
    units_file: str = "units.csv",
) -> Rolled:
    """Check one file's reports and roll them up to ``period`` for its units (an
    unknown unit is said not to be in ``units_file``)."""
    ids = scored_indicators(catalogue, P.frequency_of(period))
    missing = [c for c in OBSERVATION_COLUMNS if c not in table.column_names]
    if missing:
        return _empty(
            file,
            len(ids),
            pd.DataFrame(
                {
                    "file": file,
                    "row": pd.NA,
                    "column": missing,
                    "value": "",
                    **_rule_columns(
                        [rule_words("column_in_dataframe", "", None, catalogue)]
                    ),
                }
            ),
        )
    u_code, u_labels = _codes(table.column("unit_id"))
    s_code, s_labels = _codes(table.column("period"))
    i_code, i_labels = _codes(table.column("indicator_id"))
    values = table.column("value")
    empty_id = any(table.column(c).null_count for c in OBSERVATION_COLUMNS[:3])
    del table  # the ids live on as codes and labels: free the Arrow columns
    pa.default_memory_pool().release_unused()  # and give their memory back
    value = not_number = None  # numbers go to the cube chunk by chunk (no copy)
    if not (pa.types.is_integer(values.type) or pa.types.is_floating(values.type)):
        value, not_number = _numbers(values)
    series = catalogue.series
    n_u, n_s, n_i = len(u_labels), len(s_labels), len(i_labels)

    # rules on the distinct labels
    u_pos, written, i_pos = _label_rules(
        (u_labels, s_labels, i_labels), unit_ids, series
    )
    fits = written[:, None] == series["frequency"].to_numpy(object)[i_pos][None, :]
    fits |= pd.isna(written)[:, None] | (i_pos < 0)[None, :]  # other rules' rows
    low = np.where(i_pos >= 0, series["valid_min"].to_numpy(float)[i_pos], np.nan)
    high = np.where(i_pos >= 0, series["valid_max"].to_numpy(float)[i_pos], np.nan)
    counted = np.where(i_pos >= 0, series["count"].to_numpy(bool)[i_pos], False)
    # every report in a units × labels × series cube of this file's codes: one
    # scatter; a key's copies counted by one bincount
    whole = None
    if empty_id:
        whole = (u_code >= 0) & (s_code >= 0) & (i_code >= 0)
    key = u_code.astype(np.int64)
    key *= n_s
    key += s_code
    key *= n_i
    key += i_code
    keys = key if whole is None else key[whole]
    seen = np.bincount(keys, minlength=n_u * n_s * n_i).reshape(n_u, n_s, n_i)
    cube = np.full(n_u * n_s * n_i, np.nan)
    if value is None and whole is None:
        start = 0
        for chunk in values.chunks:
            cube[key[start : start + len(chunk)]] = _floats(chunk)
            start += len(chunk)
    else:
        if value is None:
            value, not_number = _numbers(values)
        cube[keys] = value if whole is None else value[whole]
    cube = cube.reshape(n_u, n_s, n_i)
    with np.errstate(invalid="ignore"):
        out_of_range = (cube < low) | (cube > high)
        counts = cube[:, :, counted] if counted.any() else cube[:, :, :0]
        fraction = (np.floor(counts) != counts) & ~np.isnan(counts)
    clean = (
        whole is None
        and (not_number is None or not not_number.any())
        and (u_pos >= 0).all()
        and (i_pos >= 0).all()
        and pd.notna(written).all()
        and (fits | ~(seen > 0).any(axis=0)).all()
        and not out_of_range.any()
        and not fraction.any()
        and seen.max(initial=0) <= 1
    )
    del out_of_range, counts, fraction
    problems = []
    if clean:  # the reports are in the cube now: free their memory
        del values, key, u_code, s_code, i_code, value
    else:  # find the rows at fault (the fast screen only says whether)
        if value is None:
            value, not_number = _numbers(values)
        problems = _row_problems(
            values, file, catalogue, (u_code, s_code, i_code), (u_labels, s_labels,
            i_labels), key, value, not_number, (u_pos, i_pos, written, fits, low, high,
            counted),
            seen.reshape(-1), unit_ids, units_file,
        )  # fmt: skip
    sub = _sub_periods(period, catalogue)
    s_at = pd.Index(s_labels, dtype=object).get_indexer(sub["label"])
    # this file's units: known and with a row (a dictionary may hold more labels)
    mine = np.flatnonzero((u_pos >= 0) & seen.any(axis=(1, 2)))
    agency = np.append(series["agency"].to_numpy(object), None)[i_pos]
    ss, ii = np.nonzero(seen.any(axis=0))
    sent = frozenset(
        (a, s) for a, s in zip(agency[ii], s_labels[ss], strict=True) if a is not None
    )
    problems.append(
        _completeness(
            file,
            seen,
            u_labels[mine],
            mine,
            s_at,
            i_labels,
            sub,
            series,
            sent,
            catalogue,
        )  # fmt: skip
    )
    problems = [p for p in problems if not p.empty]
    if problems:
        return _empty(file, len(ids), pd.concat(problems, ignore_index=True), sent)
    # the period's part of the cube: units × its sub-periods × series used
    used = _used_series(catalogue, ids)
    c_at = pd.Index(i_labels, dtype=object).get_indexer(used)
    meta = catalogue.table.loc[ids]
    rolled, count = _roll(_take(cube, (mine, s_at, c_at)), used, meta, period)
    return Rolled(file, u_pos[mine], rolled, count, _no_problems(), sent)


def _label_rules(labels, unit_ids: pd.Index, series: pd.DataFrame):
    """The rules of the id columns on their distinct labels: each unit label's
    position in ``unit_ids``, each period label's frequency, each indicator label's
    position in the catalogue's series (−1 and NaN: fails)."""
    units, periods, indicators = labels
    return (
        unit_ids.get_indexer(units),
        P.parse(pd.Series(periods, dtype="str"))["frequency"].to_numpy(object),
        series.index.get_indexer(indicators),
    )


def _row_problems(
    values, file, catalogue, codes, labels, key, value, not_number, rules, seen,
    unit_ids, units_file,
):  # fmt: skip
    """Every failing row of a file, rule by rule (the slow path: only when the
    screen found something)."""
    u_code, s_code, i_code = codes
    u_pos, i_pos, written, fits, low, high, counted = rules
    cells = {
        c: (code, label)
        for c, code, label in zip(OBSERVATION_COLUMNS, codes, labels, strict=False)
    }
    cells["value"] = values
    series = catalogue.series
    # the same rules on the labels with their spaces deleted: a spaced code that
    # passes then ('D07 ', D07 a unit) is said by its spaces, as the city path says
    # it (:func:`.validate.say_spaces`), not an unknown code
    trimmed = _label_rules(
        [pd.Series(x, dtype=object).str.strip().to_numpy(object) for x in labels],
        unit_ids,
        series,
    )
    passes = dict(
        zip(OBSERVATION_COLUMNS, (trimmed[0] >= 0, pd.notna(trimmed[1]),
            trimmed[2] >= 0), strict=False)
    )  # fmt: skip
    i_row = np.append(i_pos, -1)[i_code]
    pad = np.ones((fits.shape[0] + 1, fits.shape[1] + 1), dtype=bool)
    pad[:-1, :-1] = fits
    whole = (u_code >= 0) & (s_code >= 0) & (i_code >= 0)
    with np.errstate(invalid="ignore"):
        in_range = ~(
            (value < np.append(low, np.nan)[i_code])
            | (value > np.append(high, np.nan)[i_code])
        )
        fraction = (
            np.append(counted, False)[i_code]
            & ~np.isnan(value)
            & (np.floor(value) != value)
        )
    bad = {
        "unit_id": {
            "not_nullable": u_code < 0,
            "known_unit": np.append(u_pos < 0, False)[u_code],
            "multiple_fields_uniqueness": whole & (seen[np.where(whole, key, 0)] > 1),
        },
        "period": {
            "not_nullable": s_code < 0,
            "period_format": np.append(pd.isna(written), False)[s_code],
            "period_frequency": ~pad[s_code, i_code],
        },
        "indicator_id": {
            "not_nullable": i_code < 0,
            "known_indicator": np.append(i_pos < 0, False)[i_code],
        },
        "value": {
            "numeric": not_number,
            "valid_range": ~in_range,
            "whole_number": fraction,
        },
    }
    same = (cells, catalogue, i_row, series, passes, units_file)  # for every rule
    return [
        _report(file, rows, column, rule, *same)
        for column, checks in bad.items()
        for rule, rows in checks.items()
    ]


def _take(cube: np.ndarray, at: tuple[np.ndarray, ...], fill=np.nan) -> np.ndarray:
    """``cube`` at positions ``at`` along each axis (−1: ``fill``); the cube itself
    where ``at`` keeps every axis whole and in order (the usual case: no copy)."""
    if all(
        np.array_equal(a, np.arange(n)) for a, n in zip(at, cube.shape, strict=True)
    ):
        return cube
    out = np.full(tuple(len(a) for a in at), fill, dtype=cube.dtype)
    ok = [np.flatnonzero(a >= 0) for a in at]
    out[np.ix_(*ok)] = cube[np.ix_(*(a[k] for a, k in zip(at, ok, strict=True)))]
    return out


def finish(
    parts: list[Rolled],
    units: pd.DataFrame,
    catalogue: Catalogue,
    *,
    period: str,
    strict: bool = False,
    also: pd.DataFrame | None = None,
) -> National:
    """Put the files' roll-ups in the units table's order, check that every unit
    reported in exactly one file, apply the missing-data rules and score. ``also``:
    problems found before (the units file's), reported with the files'.

    A submission (agency and reporting period in ``period``) that no file has is a
    late agency's when that agency sent no later period of its frequency either:
    as in the pipeline, its indicators are left out (a ``zero_score`` rule is
    excused: :func:`.prepare.excuse_absent`), never scored 0, and the period's
    ``absences`` list it; ``strict`` refuses it. One sent before a later period
    (a lost file), or sent in some files but not in others, is a problem."""
    unit_ids = units["unit_id"].to_numpy()
    ids = scored_indicators(catalogue, P.frequency_of(period))
    problems = [p.problems for p in parts if not p.problems.empty]
    if also is not None and not also.empty:
        problems.insert(0, also)
    unsent, gaps = _absent(parts, catalogue, period, len(unit_ids))
    late = unsent[unsent["trailing"]]
    refused = unsent if strict else unsent[~unsent["trailing"]]
    if len(refused):
        problems.append(absence_problems(refused, catalogue))
    problems += [
        _missing_in(part, unit_ids, gaps[k], catalogue.series, catalogue)
        for k, part in enumerate(parts)
        if gaps[k]
    ]
    where = np.full(len(unit_ids), -1)
    twice = []
    for k, part in enumerate(parts):
        again = part.units[where[part.units] >= 0]
        twice += [(unit_ids[u], parts[where[u]].file, part.file) for u in again]
        where[part.units] = k
    if twice:
        problems.append(
            pd.DataFrame(
                {
                    "file": [b for _, _, b in twice],
                    "row": pd.NA,
                    "column": "unit_id",
                    "value": [u for u, _, _ in twice],
                    **_rule_columns(
                        [
                            say("validation_rule", "one_partition", file=a)
                            for _, a, _ in twice
                        ]
                    ),
                }
            )
        )
    clean = not problems
    absent = np.flatnonzero(where < 0) if clean else []
    if len(absent):
        problems.append(
            pd.DataFrame(
                {
                    "file": "(all files)",
                    "row": pd.NA,
                    "column": "unit_id",
                    "value": unit_ids[absent],
                    **_rule_columns(
                        [say("validation_rule", "no_rows_anywhere")] * len(absent)
                    ),
                }
            )
        )
    if problems:
        report = pd.concat(problems, ignore_index=True)
        report = report.sort_values(["file", "row"], kind="stable", na_position="first")
        keep = [
            *ValidationFailed.columns,
            *(["rule_zh"] if "rule_zh" in report else []),
        ]
        raise ValidationFailed(report[keep].reset_index(drop=True))

    n_u, n_i = len(unit_ids), len(ids)
    value = np.full((n_u, n_i), np.nan)
    count = np.zeros((n_u, n_i), dtype=np.int64)
    for part in parts:
        value[part.units], count[part.units] = part.value, part.n_reported
    expected = np.array(
        [P.expected_count(f, period) for f in catalogue.table.loc[ids, "frequency"]]
    )
    frame = pd.DataFrame(
        {
            "period": pd.Categorical.from_codes(np.zeros(n_u * n_i, int), [period]),
            "unit_id": pd.Categorical.from_codes(
                np.repeat(np.arange(n_u), n_i), pd.Index(unit_ids, dtype=object)
            ),
            "indicator_id": pd.Categorical.from_codes(
                np.tile(np.arange(n_i), n_u), pd.Index(ids, dtype=object)
            ),
            "value": value.reshape(-1),
            "n_reported": count.reshape(-1),
            "n_expected": np.tile(expected, n_u),
        }
    )
    prepared = apply_missing_rules(
        frame, units, catalogue.table.loc[ids], catalogue.settings
    )
    absences = _absences(late, period)
    prepared = excuse_absent(prepared, catalogue, absences)
    normalised, agg, ranks, composite, _ = score_prepared(prepared, units, catalogue)
    if composite["composite_score"].notna().sum() == 0:  # as the pipeline: said
        # the periods the files report: none in ``period`` is said so, with their span
        reported = pd.Series(sorted({s for p in parts for _, s in p.sent}))
        raise no_unit_scored(period, absences, catalogue, reported=reported)
    return National(period, prepared, normalised, agg, composite, ranks, absences)


def _absent(parts, catalogue: Catalogue, period: str, n_units: int):
    """The submissions of ``period`` (its reporting periods of every frequency that
    fits in it) that no file has: ``absent_submissions``' columns (``trailing``:
    the agency sent no later period of that frequency in any file); and per file
    the submissions other files have and it lacks (its units' rows are missing)."""
    series = catalogue.series
    sent = frozenset().union(*(p.sent for p in parts))
    months = {}
    for agency, label in sent:
        months.setdefault(agency, []).append(label)
    latest = {}
    for agency, labels in months.items():
        parsed = P.parse(pd.Series(labels, dtype="str")).dropna(subset=["frequency"])
        for f, m in zip(parsed["frequency"], parsed["end_month"] + 12 * parsed["year"],
                        strict=True):  # fmt: skip
            latest[agency, f] = max(latest.get((agency, f), -1), int(m))
    files = {
        a: ", ".join(sorted({p.file for p in parts if any(x == a for x, _ in p.sent)}))
        for a in months
    }
    year = int(P.parse([period]).iloc[0]["year"])
    rows, due = [], set()
    for sub in _sub_periods(period, catalogue).itertuples():
        mine = series[series["frequency"] == sub.frequency]
        for agency in dict.fromkeys(mine["agency"]):
            due.add((agency, sub.label))
            if (agency, sub.label) in sent:
                continue
            trailing = 12 * year + sub.end_month > latest.get(
                (agency, sub.frequency), -1
            )
            rows += [
                (agency, sub.label, sub.frequency, s, n_units, files.get(agency, ""),
                 trailing)
                for s in mine.index[mine["agency"] == agency]
            ]  # fmt: skip
    columns = ["agency", "period", "frequency", "series_id", "n_units", "files"]
    absent = pd.DataFrame(rows, columns=[*columns, "trailing"])
    absent["trailing"] = absent["trailing"].astype(bool)
    gaps = [sorted((due & sent) - p.sent) if len(p.units) else [] for p in parts]
    return absent, gaps


def _absences(late: pd.DataFrame, period: str) -> pd.DataFrame:
    """Late submissions as ``Result.absences`` (the period evaluated: ``period``)."""
    if late.empty:
        return no_absences()
    return (
        late.assign(evaluation_period=period)[ABSENCE_COLUMNS]
        .astype({c: object for c in ABSENCE_COLUMNS if c != "n_units"})
        .reset_index(drop=True)
    )


def _missing_in(
    part: Rolled, unit_ids, gaps, series: pd.DataFrame, catalogue: Catalogue
) -> pd.DataFrame:
    """The rows a file lacks of submissions other files have: every unit of the
    file × the agency's series of that period (rule ``completeness``)."""
    units = unit_ids[part.units]
    frames = []
    for agency, label in gaps:
        f = P.parse([label]).iloc[0]["frequency"]
        wanted = series.index[(series["agency"] == agency) & (series["frequency"] == f)]
        frames.append(
            pd.DataFrame(
                {
                    "file": part.file,
                    "row": pd.NA,
                    "column": "unit_id, period, indicator_id",
                    "value": [f"{u} / {label} / {i}" for u in units for i in wanted],
                    "rule": COMPLETENESS,
                    "rule_zh": _completeness_zh(catalogue, agency),
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else _no_problems()


def absent_indicators(
    absences: pd.DataFrame, prepared: pd.DataFrame, catalogue: Catalogue
) -> list[str]:
    """The indicators of ``prepared`` that lack a submission of ``absences``: their
    own series, or the one they are divided or weighted by (as
    ``Result.absent_indicators``)."""
    series = set(absences["series_id"])
    if not series:
        return []
    t = catalogue.table
    hit = t.index.isin(series) | t["weight_by"].isin(series)
    hit |= t["denominator"].isin(series)
    scored = set(prepared["indicator_id"].astype(str))
    return [i for i in t.index[hit] if i in scored]


# ------------------------------------------------------------------ helpers
def _codes(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (−1 = empty cell) and the distinct labels of an id column."""
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column.cast(pa.string()))
    array = column.combine_chunks()  # one dictionary (unified if chunks differ)
    labels = array.dictionary.cast(pa.string()).to_numpy(zero_copy_only=False)
    codes = array.indices.fill_null(-1) if array.null_count else array.indices
    return codes.to_numpy(), labels.astype(object)


def _floats(chunk: pa.Array) -> np.ndarray:
    """One chunk of a numeric column as float (empty → NaN); no copy if it can."""
    chunk = chunk.cast(pa.float64())
    return (pc.fill_null(chunk, np.nan) if chunk.null_count else chunk).to_numpy(
        zero_copy_only=False
    )


def _numbers(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Values as float (empty → NaN) and where a text cell is not a number."""
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        value = pc.fill_null(column.cast(pa.float64()), np.nan).to_numpy()
        return value, np.zeros(len(value), dtype=bool)
    text = column.cast(pa.string()).to_pandas()
    value = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    return value, text.notna().to_numpy() & np.isnan(value)


def _sub_periods(period: str, catalogue: Catalogue) -> pd.DataFrame:
    """Every label inside ``period`` of the catalogue's frequencies that fit in it,
    in order of their last month: the cube's first axis."""
    p = P.parse([period]).iloc[0]
    year, last = int(p["year"]), int(p["end_month"])
    first = last - P.months_per(p["frequency"]) + 1
    rows = [
        (P.label(year, end, f), f, end)
        for f in dict.fromkeys(catalogue.series["frequency"])
        if P.months_per(f) <= P.months_per(p["frequency"])
        # a report ends in month m iff m is a multiple of its length
        for end in range(
            -(-first // P.months_per(f)) * P.months_per(f), last + 1, P.months_per(f)
        )
    ]
    out = pd.DataFrame(rows, columns=["label", "frequency", "end_month"])
    return out.sort_values("end_month", kind="stable").reset_index(drop=True)


def _used_series(catalogue: Catalogue, ids: list[str]) -> list[str]:
    """The period's indicators, then the series they divide or weight by."""
    meta = catalogue.table.loc[ids]
    extra = [*meta["denominator"].dropna(), *meta["weight_by"].dropna()]
    return [*ids, *dict.fromkeys(s for s in extra if s not in ids)]


def _roll(cube, used, meta, period) -> tuple[np.ndarray, np.ndarray]:
    """Each indicator of ``meta`` rolled up along the cube's sub-period axis (units
    × sub-periods × ``used`` series) by :func:`.prepare.roll_up`, after dividing by
    denominators cell by cell."""
    col = {s: j for j, s in enumerate(used)}
    for ind, by in meta["denominator"].dropna().items():
        cube[:, :, col[ind]] = divide(
            cube[:, :, col[ind]],
            cube[:, :, col[by]],
            meta.loc[ind, "denominator_scale"],
        )
    weights = {
        j: cube[:, :, col[by]] for j, by in enumerate(meta["weight_by"]) if pd.notna(by)
    }
    expected = [P.expected_count(f, period) for f in meta["frequency"]]
    return roll_up(cube[:, :, : len(meta)], meta["rollup"], np.array(expected), weights)


def _completeness(
    file, seen, units, mine, s_at, i_labels, sub, series, sent, catalogue
):
    """Keys of this file's units with no row: every series × its sub-periods in
    the period, for the frequencies the file reports, of the submissions (agency
    and period) the file has rows of (``sent``; one it has none of is
    :func:`finish`'s to judge: late, or another file's). Counts come from the
    duplicate check's bincount."""
    present = set(sub["frequency"][s_at >= 0])
    frames = []
    for f, rows in sub.groupby("frequency", sort=False).indices.items():
        if f not in present:  # as the pipeline: frequencies the file reports
            continue
        wanted = series.index[series["frequency"] == f]
        i_at = pd.Index(i_labels, dtype=object).get_indexer(wanted)
        got = _take(seen, (mine, s_at[rows], i_at), fill=0)
        owed = np.array(
            [
                [(a, label) in sent for a in series.loc[wanted, "agency"]]
                for label in sub["label"].to_numpy()[rows]
            ],
            dtype=bool,
        ).reshape(len(rows), len(wanted))
        uu, ss, ii = np.nonzero((got == 0) & owed[None, :, :])
        if len(uu):
            labels = sub["label"].to_numpy()[rows]
            frames.append(
                pd.DataFrame(
                    {
                        "file": file,
                        "row": pd.NA,
                        "column": "unit_id, period, indicator_id",
                        "value": [
                            f"{u} / {s} / {i}"
                            for u, s, i in zip(
                                units[uu], labels[ss], wanted[ii], strict=True
                            )
                        ],
                        "rule": COMPLETENESS,
                        "rule_zh": [
                            _completeness_zh(catalogue, a)
                            for a in series.loc[wanted[ii], "agency"]
                        ],
                    }
                )
            )
    return pd.concat(frames, ignore_index=True) if frames else _no_problems()


def _completeness_zh(catalogue: Catalogue, agency: str) -> str:
    """The completeness rule in Chinese, naming the agency that owes the rows."""
    return say(
        "validation_rule", "completeness", agency=catalogue.name(agency, "zh")
    ).zh


def _rule_columns(said: list) -> dict[str, list[str]]:
    """Report columns ``rule`` and ``rule_zh`` of a list of rule words."""
    return {"rule": [w.en for w in said], "rule_zh": [w.zh for w in said]}


def _report(
    file, rows, column, rule, cells, catalogue, i_row, series, passes, units_file
) -> pd.DataFrame:
    """One report row per failing row: file, row, column, value, rule sentence.
    ``cells``: each id column's codes and labels, and the value column as read;
    ``passes``: each id column's labels that pass its rule with their spaces
    deleted (a spaced cell is said by its spaces: :func:`.validate.say_spaces`); a
    value typed 85.3%, 1,234 or in full-width digits is said by its slip, with the
    number to type, as the pipeline says it (:func:`.validate.say_number_marks`)."""
    at = np.flatnonzero(rows)
    if not len(at):
        return _no_problems()

    def text(name: str) -> np.ndarray:
        if name == "value":
            return np.array(
                ["" if v is None else str(v) for v in cells[name].take(at).to_pylist()],
                dtype=object,
            )
        code, label = cells[name]
        return np.append(label, "")[code[at]]  # code −1: an empty cell

    if rule == "multiple_fields_uniqueness":
        key = [text(c) for c in OBSERVATION_COLUMNS[:3]]
        values = [" / ".join(parts) for parts in zip(*key, strict=True)]
        column = ", ".join(OBSERVATION_COLUMNS[:3])
    else:
        values = list(text(column))
    ind = np.append(series.index.to_numpy(), None)[i_row[at]]
    report = pd.DataFrame(
        {
            "file": file,
            "row": at + FIRST_ROW,
            "column": column,
            "value": values,
            **_rule_columns(
                [
                    rule_words(rule, v, i, catalogue, units_file=units_file)
                    for v, i in zip(values, ind, strict=True)
                ]
            ),
        }
    )
    if column in passes:  # an id column: its label's rule, spaces deleted
        passed = np.append(passes[column], False)[cells[column][0][at]]
    elif rule == "numeric":  # a value: a number once its spaces are deleted
        trimmed = pa.array([(v or "").strip() for v in values], pa.string())
        passed = ~_numbers(trimmed)[1]
    else:
        passed = np.zeros(len(at), dtype=bool)
    rule_id = pd.Series(rule, index=report.index)
    report = say_full_width(say_spaces(report, rule_id, passed), rule_id)
    series_of = pd.Series(ind, index=report.index)  # 85.3%, 1,234: said as slips
    return say_number_marks(report, rule_id, series_of, catalogue)


def _no_problems() -> pd.DataFrame:
    return pd.DataFrame(columns=[*ValidationFailed.columns, "rule_zh"])


def _empty(
    file: str, n_ids: int, problems: pd.DataFrame, sent: frozenset = frozenset()
) -> Rolled:
    none = np.empty(0, dtype=np.int64)
    return Rolled(
        file, none, np.empty((0, n_ids)), np.empty((0, n_ids), int), problems, sent
    )
