"""Validate a dataset against the catalogue and report every problem at once.

``validate_dataset`` checks, per file, that the columns are there; then runs the
pandera schemas lazily over all rows; then checks completeness. The report is one
table ``file, row, column, value, rule`` (row = line in the source file; ``rule`` in
English, starting with the rule's id) with the rule in Chinese beside it
(``rule_zh``, for the agency's clerk: the vocabulary's ``validation_rule`` words);
:func:`problems_table` is the report as people read it, in either language.
"""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath

import numpy as np
import pandas as pd
import pandera.pandas as pa

from evaluation import periods as P
from evaluation import vocabulary as V
from evaluation.catalogue import Catalogue
from evaluation.errors import ValidationFailed, shorten
from evaluation.intake.io import (
    EVENT_COLUMNS,
    LABEL_COLUMNS,
    META,
    OBSERVATION_COLUMNS,
    OPTIONAL_EVENT_COLUMNS,
    OPTIONAL_OBSERVATION_COLUMNS,
    UNITS_COLUMNS,
    Dataset,
)
from evaluation.intake.schemas import (
    DATE_PATTERN,
    KEY,
    MAX_CELL_CHARS,
    Reading,
    absent_rows,
    events_schema,
    observations_schema,
    units_schema,
)
from evaluation.intake.status import (
    absence_problems,
    absent_submissions,
    agency_files,
)

#: the rule sentence for a key nobody sent
COMPLETENESS = V.word("validation_rule", "completeness", "en")
#: checks of a cell's text a space at its start or end fails (a code, a label, a
#: number with a full-width space): said ``spaces``, the value shown between quotes
SPACED = frozenset(
    {"known_unit", "known_indicator", "known_event", "known_peer_group",
     "known_level", "known_parent", "id_format", "period_format", "date_format",
     "numeric"}
)  # fmt: skip


def validate_dataset(
    dataset: Dataset, catalogue: Catalogue, *, strict: bool = False, today=None
) -> Dataset:
    """Return the dataset with typed tables, or raise ``ValidationFailed``.

    Units keep text columns; observations get a float ``value`` (empty → NaN). Nothing
    is dropped or coerced silently: any cell that is not what the catalogue expects
    is in the report.

    A late agency (one that sent no row at all for its latest periods:
    :func:`~evaluation.intake.status.absent_submissions`, ``trailing``) is let through:
    its rows are missing values, and the returned dataset lists its submissions in
    ``absent``. ``strict=True`` refuses it as any other absent row, one problem per
    agency and period (rule ``absent_submission``).

    ``today`` (a date; default :func:`evaluation.periods.today`, the day in Beijing
    time): a ``reported_at`` after it is refused (:func:`date_problems`).
    """
    problems: list[pd.DataFrame] = []
    today = P.today() if today is None else pd.Timestamp(today).normalize()

    headers = dict(zip(dataset.files["file"], dataset.files["columns"], strict=True))
    named = {"units_file": _units_file(dataset.files)}  # said of an unknown unit
    units, bad = check_columns(dataset.units, headers, UNITS_COLUMNS, [])
    problems.append(bad)
    if not units.empty:
        problems.append(
            run_schema(units_schema(catalogue), units[UNITS_COLUMNS], units, catalogue)
        )
    unit_ids = _unit_ids(dataset.units)

    obs, bad = check_columns(
        _categories_to_points(dataset.observations, catalogue),
        headers,
        OBSERVATION_COLUMNS,
        OPTIONAL_OBSERVATION_COLUMNS,
        ignored=LABEL_COLUMNS,
    )
    problems.append(bad)
    reading = Reading(obs)  # each column read once for all the checks
    absent = pd.DataFrame()
    if not obs.empty:
        cols = [c for c in obs.columns if c not in META]
        schema = observations_schema(catalogue, unit_ids, reading)
        problems.append(run_schema(schema, obs[cols], obs, catalogue, **named))
        problems.append(date_problems(obs, today, reading))
        holes, absent = _completeness(
            obs, catalogue, unit_ids, reading, strict, dataset.cells
        )
        problems.append(holes)

    events = dataset.events
    if not events.empty:
        events, bad = check_columns(
            events, headers, EVENT_COLUMNS, OPTIONAL_EVENT_COLUMNS
        )
        problems.append(bad)
        cols = [c for c in events.columns if c not in META]
        problems.append(
            run_schema(
                events_schema(catalogue, unit_ids),
                events[cols],
                events,
                catalogue,
                **named,
            )
        )
        problems.append(date_problems(events, today))

    # workbook cells with no value to read (load_dataset found them): said with
    # the other problems of their files, and for themselves only
    problems = [_said_once(p, dataset.cells) for p in problems if not p.empty]
    problems = [p for p in [dataset.cells, *problems] if not p.empty]
    report = (
        pd.concat(problems, ignore_index=True)
        if problems
        else pd.DataFrame(columns=ValidationFailed.columns)
    )
    if not report.empty:
        report["_r"] = pd.to_numeric(report["row"], errors="coerce")
        # a row missing (completeness) is often the follow-on of a bad cell of the
        # same file: said after it
        report["_f"] = report["rule"].astype(str).str.startswith("completeness")
        # the units file first: the other files are checked against it, so its
        # problem (a unit id typed twice) is the cause of theirs (unknown units)
        report["_u"] = report["file"].astype(str) != named["units_file"]
        report = report.sort_values(
            ["_u", "file", "_f", "_r", "column", "rule"],
            kind="stable",
            na_position="first",
        ).drop(columns=["_r", "_f", "_u"])
        raise ValidationFailed(report.reset_index(drop=True))

    observations = obs.assign(value=reading.numbers(obs["value"]).to_numpy())
    units_out = dataset.units[[*UNITS_COLUMNS, *META]].copy()
    return Dataset(
        units=units_out,
        observations=observations,
        files=dataset.files,
        root=dataset.root,
        events=events,
        absent=absent,
    )


def _units_file(files: pd.DataFrame) -> str:
    """The units file's name as the report gives it (``units.xlsx``): the file an
    unknown unit is not in; ``units.csv`` for a dataset that lists none."""
    if "table" in files and (files["table"] == "units").any():
        return str(files.loc[files["table"] == "units", "file"].iat[0])
    return "units.csv"


def _unit_ids(units: pd.DataFrame):
    """The units file's ids the other files are checked against, without spaces at
    their start or end: a spaced id (``'D07 '``) is the units file's problem, said
    there once; the rows of D07 are right once it is fixed, not unknown units, and a
    row sent as ``'D07 '`` is said ``spaces`` now rather than in a second round."""
    if "unit_id" not in units:
        return []
    ids = units["unit_id"].dropna().astype(str).str.strip()
    return ids[ids != ""].unique()


def _categories_to_points(observations: pd.DataFrame, catalogue: Catalogue):
    """Replace reported category labels (grade letters …) by their points."""
    categories = {i.id: i.categories for i in catalogue.indicators if i.categories}
    if not categories or "value" not in observations:
        return observations
    out = observations.copy()
    for ind, points in categories.items():  # indicators, not rows
        rows = out["indicator_id"] == ind
        out.loc[rows, "value"] = out.loc[rows, "value"].replace(
            {label: repr(float(p)) for label, p in points.items()}
        )
    return out


def problems_table(report: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """A problem report (``ValidationFailed.report``) as people read it, in ``lang``:
    headers 文件、行、列、值、规则 (``file, row, column, value, rule``); in Chinese
    the columns named as agencies' Chinese headers (``指标值（value）``) and each
    rule in Chinese (``rule_zh``; a rule without Chinese words in English) and a
    coded cell by its Chinese name where the check gives one (``value_zh``: 优秀)."""
    V.words("problem_header", lang)  # a language checked before anything is done
    out = report.reindex(columns=ValidationFailed.columns).copy()
    out["row"] = pd.to_numeric(out["row"], errors="coerce").astype("Int64")
    if lang == "zh":
        if "rule_zh" in report:
            zh = report["rule_zh"]
            out["rule"] = zh.where(zh.notna() & (zh.astype(str) != ""), out["rule"])
        if "value_zh" in report:
            out["value"] = report["value_zh"].where(
                report["value_zh"].notna(), out["value"]
            )
        out["column"] = [
            _column_zh(c, f) for c, f in zip(out["column"], out["file"], strict=True)
        ]
        # rows no file brought: ``(agency audit)``; the rule names the agency
        nofile = out["file"].astype(str).str.startswith("(agency ")
        out["file"] = out["file"].where(~nofile, "（未收到文件）")
    return out.rename(columns=V.words("problem_header", lang))


def _column_zh(column, file) -> object:
    """``unit_id, period`` → ``单位代码（unit_id）、报告期（period）``; a column of an
    appraisal file by that file's header (``answer`` of ballots.csv: 评议结果)."""
    if not isinstance(column, str) or not column:
        return column
    names = [c.strip() for c in column.split(",")]
    headers = V.input_columns(PurePosixPath(str(file)).stem)
    if not all(c in headers for c in names):
        return column
    return "、".join(f"{headers[c].zh}（{c}）" for c in names)


def _said_once(report: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """``report`` without its problems of a workbook cell that holds no value (an
    error cell read as empty is also a missing id): the cell's own problem says why."""
    if cells.empty:
        return report

    def where(t: pd.DataFrame) -> pd.MultiIndex:  # rows as numbers, whatever typed
        row = pd.to_numeric(t["row"], errors="coerce")
        return pd.MultiIndex.from_arrays([t["file"], row, t["column"]])

    return report[~where(report).isin(where(cells))]


def check_dataset(
    dataset: Dataset, catalogue: Catalogue, *, strict: bool = False, today=None
) -> pd.DataFrame:
    """The validation report as a table (empty when the dataset is valid); files
    ``load_dataset(..., skip_unreadable=True)`` left unread head it."""
    try:
        validate_dataset(dataset, catalogue, strict=strict, today=today)
    except ValidationFailed as exc:
        report = exc.report
    else:  # the same columns as a report with problems (the rule in Chinese too)
        report = pd.DataFrame(columns=[*ValidationFailed.columns, "rule_zh"])
    if dataset.unread.empty:
        return report
    return pd.concat([dataset.unread, report], ignore_index=True)


# ---------------------------------------------------------------------------
def check_columns(
    frame: pd.DataFrame,
    headers: dict,
    required: list[str],
    optional: list[str],
    ignored: list[str] = (),
):
    """Keep rows from files whose header is right; report the files whose is not.
    Columns ``ignored`` (a template's labels) are allowed and dropped."""
    rows, bad_files = [], []
    for file in sorted(frame["source"].unique()):
        header = [c for c in headers.get(file, frame.columns) if c not in META]
        missing = [c for c in required if c not in header]
        unknown = [
            c
            for c in header
            if c not in required and c not in optional and c not in ignored
        ]
        for c in missing:
            said = V.say(
                "validation_rule",
                "missing_column",
                column=named_column(c),
                columns=listed_columns(required),
            )
            rows.append((file, pd.NA, c, "", said.en, said.zh))
        for c in unknown:
            said = V.say(
                "validation_rule",
                "unknown_column",
                column=shorten(c),
                columns=listed_columns(required + optional),
            )
            rows.append((file, pd.NA, c, "", said.en, said.zh))
        if missing or unknown:
            bad_files.append(file)
    keep = [c for c in frame.columns if c in required or c in optional or c in META]
    out = (
        frame.loc[~frame["source"].isin(bad_files), keep] if bad_files else frame[keep]
    )
    return out, pd.DataFrame(rows, columns=[*ValidationFailed.columns, "rule_zh"])


def named_column(column: str, headers=V.INPUT_COLUMN) -> V.Word:
    """A column as a rule names it (the observations' and the appraisal inputs'):
    by the Chinese header agencies type (``headers``: the table's, column → words),
    with the English one beside it (``“指标值”（value）``) / ``value``; a column with
    no Chinese header by its own."""
    if column not in headers:
        return V.Word(f"“{column}”", column)
    return V.Word(f"“{headers[column].zh}”（{column}）", column)


def listed_columns(columns: list[str], headers=V.INPUT_COLUMN) -> V.Word:
    """Column names listed in a rule, either header accepted (``headers``: the
    table's Chinese ones): ``单位代码（unit_id）、报告期（period）`` /
    ``unit_id, period``."""
    zh = [f"{headers[c].zh}（{c}）" if c in headers else f"“{c}”" for c in columns]
    return V.Word("、".join(zh), ", ".join(columns))


def run_schema(
    schema: pa.DataFrameSchema,
    data: pd.DataFrame,
    meta: pd.DataFrame,
    catalogue: Catalogue,
    *,
    units_file: str = "units.csv",
) -> pd.DataFrame:
    """Every failure of ``schema`` on ``data`` as report rows (file and row from
    ``meta``; an unknown unit said not in ``units_file``); empty if none."""
    try:
        schema.validate(data, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        return _to_report(
            cases,
            meta,
            catalogue,
            _trimmed_pass(schema, data, cases),
            units_file=units_file,
        )
    return pd.DataFrame(columns=ValidationFailed.columns)


def _trimmed_pass(
    schema: pa.DataFrameSchema, data: pd.DataFrame, cases: pd.DataFrame
) -> pd.Series:
    """For each failure case (index of ``cases``): a cell of a :data:`SPACED` check
    with spaces at its start or end that passes the same check with them deleted
    (``'D01 '`` where D01 is a unit): the spaces are its whole fault. Checked by the
    schema's own check, on the failing cells only."""
    out = pd.Series(False, index=cases.index)
    check = cases["check"].astype(str)
    rule = check.str.replace(r"\(.*$", "", regex=True)
    text = cases["failure_case"].map(lambda v: v if isinstance(v, str) else "")
    trimmed = text.str.strip()
    spaced = rule.isin(list(SPACED)) & (text != trimmed)
    for (column, name), case in cases[spaced].groupby(["column", check[spaced]]):
        mine = schema.columns.get(column)
        test = next((c for c in mine.checks if c.error == name), None) if mine else None
        if test is not None:  # a column's check: the trimmed values alone
            values = pd.Series(trimmed[case.index].to_numpy(), dtype=object)
            out[case.index] = test(values).check_output.to_numpy(dtype=bool)
        else:  # a frame-wide check (known_parent): the table with the cells trimmed
            test = next(c for c in schema.checks if c.error == name)
            rows = pd.to_numeric(case["index"], errors="coerce").astype(int)
            frame = data.copy()
            frame.loc[rows.to_numpy(), column] = trimmed[case.index].to_numpy()
            passed = test(frame).check_output.reindex(rows.to_numpy())
            out[case.index] = passed.fillna(False).to_numpy(dtype=bool)
    return out


def _to_report(
    cases: pd.DataFrame,
    meta: pd.DataFrame,
    catalogue: Catalogue,
    trimmed_pass: pd.Series | None = None,
    *,
    units_file: str = "units.csv",
) -> pd.DataFrame:
    """pandera failure cases → one readable line per bad cell (or duplicate row);
    an unknown unit said not in ``units_file``.

    ``trimmed_pass`` (:func:`_trimmed_pass`): the spaced cells whose spaces are their
    whole fault, said ``spaces``; any other spaced code is said by its check and its
    spaces both (``spaces_also``), so that deleting the spaces is not a second round
    (:func:`say_spaces`).
    """
    if trimmed_pass is None:
        trimmed_pass = pd.Series(False, index=cases.index)
    cases = cases.copy()
    cases["check"] = cases["check"].astype(str)
    rule_id = cases["check"].str.replace(r"\(.*$", "", regex=True)
    # frame-wide checks list every column of a failing row: keep the one at fault
    focus = {
        "valid_range": "value",
        "whole_number": "value",
        "period_frequency": "period",
        "known_parent": "parent_id",
        "own_parent": "parent_id",
        "parent_cycle": "parent_id",
    }
    keep = ~rule_id.isin(list(focus)) | (cases["column"] == rule_id.map(focus))
    dup = rule_id.eq("multiple_fields_uniqueness")
    keep &= ~dup | cases["column"].eq("unit_id")
    cases, rule_id, trimmed_pass = cases[keep], rule_id[keep], trimmed_pass[keep]

    index = pd.to_numeric(cases["index"], errors="coerce")
    has_row = index.notna()
    pos = index.fillna(0).astype(int)
    file = meta["source"].reindex(pos).to_numpy()
    row = meta["row"].reindex(pos).to_numpy()
    report = pd.DataFrame(
        {
            "file": pd.Series(file, index=cases.index).where(
                has_row, meta["source"].iloc[0] if len(meta) else ""
            ),
            "row": pd.Series(row, index=cases.index).where(has_row, pd.NA),
            "column": cases["column"].astype("object"),
            "value": cases["failure_case"].astype("object"),
            "rule": rule_id,
        }
    )
    ids = (
        meta["indicator_id"].reindex(pos).to_numpy() if "indicator_id" in meta else None
    )
    # a period of the wrong frequency: examples of the label's own year, else of
    # its file's
    years = _own_years(meta) if rule_id.eq("period_frequency").any() else {}
    said = [
        rule_words(
            r,
            v,
            ids[i] if ids is not None else None,
            catalogue,
            units_file=units_file,
            year=years.get(f),
        )
        for i, (r, v, f) in enumerate(
            zip(report["rule"], report["value"], report["file"], strict=True)
        )
    ]
    report["rule"] = [w.en for w in said]
    report["rule_zh"] = [w.zh for w in said]
    if dup.any():
        d = report["rule"].str.startswith("duplicate")
        cols = [
            c for c in ("unit_id", "period", "indicator_id", "event_id") if c in meta
        ]
        report.loc[d, "column"] = ", ".join(cols)
        key = meta.loc[pos[d], cols].astype(str)
        report.loc[d, "value"] = key.agg(" / ".join, axis=1).to_numpy()
        if "event_id" in cols:
            said = V.say("validation_rule", "duplicate_event")
            report.loc[d, "rule"], report.loc[d, "rule_zh"] = said.en, said.zh
    no_row = report["row"].isna() & report["column"].isna()
    report.loc[no_row, "column"] = report.loc[no_row, "value"]
    report.loc[no_row, "value"] = ""
    report["value"] = report["value"].map(
        lambda v: "" if v is None or v is pd.NA or v != v else str(v)  # v != v: NaN
    )
    report = say_spaces(report, rule_id, trimmed_pass)
    report = say_full_width(report, rule_id)
    if ids is not None:
        series = pd.Series(ids, index=report.index)
        report = say_number_marks(report, rule_id, series, catalogue)
    return report.reset_index(drop=True)


def _own_years(meta: pd.DataFrame) -> dict[str, int]:
    """Each file's year: that of the most of its period labels (of ties the
    latest); a file with no period label is not listed."""
    if "period" not in meta or "source" not in meta:
        return {}
    year = P.parse(meta["period"])["year"].to_numpy()
    files = pd.Series(year, index=meta["source"].to_numpy()).dropna()
    return {f: int(y.mode().max()) for f, y in files.groupby(level=0)}


def say_full_width(report: pd.DataFrame, rule_id: pd.Series) -> pd.DataFrame:
    """``report`` with each value that fails ``numeric`` only for its full-width
    digits or point (``８５．３``, typed with a Chinese input method) said so, with the
    number to type instead (85.3), rather than the generic "须填写数字"."""
    text = report.loc[rule_id.eq("numeric"), "value"].astype(str)  # those alone
    plain = text.map(lambda v: unicodedata.normalize("NFKC", v).strip())
    wide = plain != text.str.strip()
    wide &= pd.to_numeric(plain.where(wide), errors="coerce").notna()
    if not wide.any():
        return report
    text, plain = text[wide], plain[wide]
    report = report.copy()
    said = [
        V.say("validation_rule", "full_width", value=v, plain=n)
        for v, n in zip(text, plain, strict=True)
    ]
    report.loc[text.index, "rule"] = [w.en for w in said]
    report.loc[text.index, "rule_zh"] = [w.zh for w in said]
    return report


#: a number with thousands separators: 1,234 or 1,234.5 (never 12,5)
_THOUSANDS = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"


def say_number_marks(
    report: pd.DataFrame, rule_id: pd.Series, series: pd.Series, catalogue: Catalogue
) -> pd.DataFrame:
    """``report`` with each value that fails ``numeric`` only for a percent sign
    (``85.3%``) or thousands separators (``1,234``) said so, with the number to type
    (85.3, 1234) rather than the generic "须填写数字". ``series``: each row's series
    id (aligned). A percent sign on a series not in % is said with the series' unit,
    and no number (85% of a count is no count); a series reported by grade keeps
    its own words, an unknown one the generic."""
    units = {
        x.id: (x.unit_zh, x.unit_en)
        for x in (*catalogue.indicators, *catalogue.context)
        if not getattr(x, "categories", None)
    }
    numeric = rule_id.eq("numeric") & series.isin(list(units))
    text = report.loc[numeric, "value"].astype(str)
    plain = text.map(lambda v: unicodedata.normalize("NFKC", v).strip())
    percent = (
        plain.str.fullmatch(r"[^%]+%")
        & pd.to_numeric(plain.str[:-1].str.strip(), errors="coerce").notna()
    )
    grouped = plain.str.fullmatch(_THOUSANDS)
    if not (percent.any() or grouped.any()):
        return report
    report = report.copy()
    for i in text.index[percent | grouped]:
        value, unit = text[i], units[series[i]]
        if grouped[i]:
            said = V.say(
                "validation_rule",
                "thousands",
                value=value,
                plain=plain[i].replace(",", ""),
            )
        elif unit[0] == "%":
            number = plain[i][:-1].strip()
            said = V.say("validation_rule", "percent_sign", value=value, plain=number)
        else:
            said = V.say(
                "validation_rule",
                "percent_not_unit",
                value=value,
                name=V.Word(*(catalogue.name(series[i], k) for k in V.LANGS)),
                unit=V.Word(*unit),
            )
        report.loc[i, "rule"], report.loc[i, "rule_zh"] = said.en, said.zh
    return report


def say_spaces(
    report: pd.DataFrame, rule_id: pd.Series, trimmed_pass: pd.Series
) -> pd.DataFrame:
    """``report`` (problem rows: ``value``, ``rule``, ``rule_zh``) with each spaced
    cell of a :data:`SPACED` check (``rule_id``, aligned) said by its spaces and
    shown between quotes as sent: ``spaces`` if ``trimmed_pass`` (the check passes
    it with the spaces deleted: they are its whole fault), else ``spaces_also``
    (the check's words, then the spaces), so that one round fixes both. A text
    value that is not a number is said as it is (spaces around a number are
    tolerated). The words of the city path and the national path both."""
    text = report["value"]
    spaced = rule_id.isin(list(SPACED)) & (text != text.str.strip())
    only = spaced & trimmed_pass  # 'D01 ' is not D01: the space is the fault
    # 'U9 ' (no unit U9): unknown, and spaced too; a text value is not a number,
    # spaces or not: said as it is
    also = spaced & ~trimmed_pass & rule_id.ne("numeric")
    if not (only | also).any():
        return report
    report = report.copy()
    for shown, key in ((only, "spaces"), (also, "spaces_also")):
        if not shown.any():
            continue
        said = [
            V.say(
                "validation_rule",
                key,
                value=V.Word(f"“{v}”", repr(v)),
                rule=V.Word(zh, en),
            )
            for v, en, zh in zip(
                text[shown],
                report.loc[shown, "rule"],
                report.loc[shown, "rule_zh"],
                strict=True,
            )
        ]
        report.loc[shown, "rule"] = [w.en for w in said]
        report.loc[shown, "rule_zh"] = [w.zh for w in said]
        report.loc[shown, "value"] = "“" + text[shown] + "”"  # the space seen
    return report


def rule_sentence(
    rule: str, value, indicator_id, catalogue: Catalogue, meta=None, pos=None
) -> str:
    """A rule id plus what was expected, in the words of the catalogue (English)."""
    return rule_words(rule, value, indicator_id, catalogue).en


def _limit(x: float, unit: tuple[str, str]) -> str:
    """A range's end in Chinese with its unit: ``100%``, ``5倍``, ``90个工作日``."""
    return V.quantity(x, unit, "zh", decimals=None)


#: pandera's names for the checks it runs itself → the vocabulary's rule
_PANDERA = {
    "multiple_fields_uniqueness": "duplicate",
    "column_in_dataframe": "column_in_dataframe",
    "column_in_schema": "column_in_schema",
}


def rule_words(
    rule: str,
    value,
    indicator_id,
    catalogue: Catalogue,
    *,
    units_file="units.csv",
    year: int | None = None,
) -> V.Word:
    """A rule id plus what was expected, in the words of the catalogue, in Chinese
    and English (the vocabulary's ``validation_rule``); ``units_file``: the units
    file an unknown unit is not in, by the name the report gives it; a period's
    example is of the value's own year (a row of 2024 is told 2024-Q1), else of
    ``year`` (the file's), else of this year (Beijing time)."""
    series = catalogue.series
    say = V.say
    known = indicator_id in series.index if indicator_id is not None else False
    name = (
        V.Word(catalogue.name(indicator_id, "zh"), catalogue.name(indicator_id, "en"))
        if known
        else V.Word(str(indicator_id), str(indicator_id))
    )
    if rule == "valid_range" and known:
        s = series.loc[indicator_id]
        unit = next(
            (x.unit_zh, x.unit_en)
            for x in (*catalogue.indicators, *catalogue.context)
            if x.id == indicator_id
        )
        return say(
            "validation_rule",
            "valid_range",
            indicator=indicator_id,
            name=name,
            low=V.Word(_limit(s.valid_min, unit), f"{s.valid_min:g}"),
            high=V.Word(_limit(s.valid_max, unit), f"{s.valid_max:g}"),
            unit=s.unit_en,
        )
    if rule == "whole_number" and known:
        s = next(
            x
            for x in (*catalogue.indicators, *catalogue.context)
            if x.id == indicator_id
        )
        return say(
            "validation_rule",
            rule,
            indicator=indicator_id,
            name=name,
            unit=V.Word(s.unit_zh, s.unit_en),
        )
    labels = {i.id: i.categories for i in catalogue.indicators if i.categories}
    if rule == "numeric" and indicator_id in labels:
        return say(
            "validation_rule",
            "category",
            indicator=indicator_id,
            name=name,
            labels=V.Word(
                "、".join(f"“{x}”" for x in labels[indicator_id]),
                ", ".join(labels[indicator_id]),
            ),
        )
    if rule == "period_frequency" and known:
        freq = series.loc[indicator_id, "frequency"]
        own = P.parse([value])["year"].iat[0]  # the label's own year, else the
        if pd.notna(own):  # file's, else this one
            year = int(own)
        elif year is None:
            year = P.today().year
        example = P.label(year, 3, freq)
        return say(
            "validation_rule",
            "period_frequency",
            indicator=indicator_id,
            name=name,
            frequency=V.FAMILIES["frequency"][freq],
            example=example,
            example_name=P.name_zh(example),
        )
    if rule == "known_peer_group":
        groups = [g.id for g in catalogue.peer_groups]
        return say(
            "validation_rule",
            rule,
            groups=V.Word(
                "、".join(f"“{g.id}”（{g.name_zh}）" for g in catalogue.peer_groups),
                str(groups),
            ),
        )
    if rule == "known_level":
        levels = list(catalogue.settings.unit_levels)
        return say(
            "validation_rule",
            rule,
            levels=V.Word(
                "、".join(
                    f"“{x}”（{V.FAMILIES['unit_level'][x].zh}）"
                    if x in V.FAMILIES["unit_level"]
                    else f"“{x}”"
                    for x in levels
                ),
                str(levels),
            ),
        )
    if rule == "cell_length":
        return say("validation_rule", rule, most=MAX_CELL_CHARS)
    if rule == "known_unit":
        return say("validation_rule", rule, units=units_file)
    if rule.startswith("dtype"):
        return say("validation_rule", "dtype", detail=rule)
    code = _PANDERA.get(rule, rule)
    if code in V.family("validation_rule"):
        return say("validation_rule", code)
    return V.Word(rule, rule)  # a check without words: its id, as pandera names it


def date_problems(
    table: pd.DataFrame, today: pd.Timestamp, reading: Reading | None = None
) -> pd.DataFrame:
    """Each ``reported_at`` no report can have, one problem per cell: a day after
    ``today`` (``date_future``), or before the first day of the period the row
    reports (``date_before_period``: 2025-M03 dated 2025-02-10; a day after
    ``today`` is said so, whatever its period). A day inside its period is
    allowed: the seeds ask for reports before the period ends (seed 002: the
    bi-monthly report 逢双月底前, the annual summary by the end of November); a
    day after the due day is late, which ``evaluation status`` says (迟报), not
    a fault of the file. Cells that are no date ``YYYY-MM-DD`` or no period label
    are left to ``date_format`` and ``period_format``. Worked on the distinct
    days and periods (``reading``: the table's columns factorized once)."""
    empty = pd.DataFrame(columns=[*ValidationFailed.columns, "rule_zh"])
    if "reported_at" not in table or "period" not in table or table.empty:
        return empty
    r = reading or Reading()
    d_codes, days = r.factorize(table["reported_at"])
    text = pd.Series(days, dtype="str")
    day = pd.to_datetime(
        text.where(text.str.fullmatch(DATE_PATTERN).fillna(False)),
        format="%Y-%m-%d",
        errors="coerce",
    )
    p_codes, labels = r.factorize(table["period"])
    starts = [_first_day(x) for x in pd.Series(labels, dtype="str")]
    nat = np.datetime64("NaT", "ns")
    day = np.append(day.to_numpy("datetime64[ns]"), nat)[d_codes]
    start = np.append(pd.DatetimeIndex(starts).to_numpy("datetime64[ns]"), nat)
    start = start[p_codes]
    future = day > np.datetime64(today.to_datetime64(), "ns")
    early = ~future & (day < start)
    rows = np.flatnonzero(future | early)
    if not rows.size:
        return empty
    said: dict = {}  # (rule, day, period) → words: cells repeat
    rule_en, rule_zh = [], []
    for i in rows:
        sent = pd.Timestamp(day[i])
        if future[i]:
            key = ("date_future", sent, None)
            fields = dict(today=_day(today))
        else:
            period = str(table["period"].iloc[i])
            key = ("date_before_period", sent, period)
            fields = dict(
                period=V.Word(P.name_zh(period), period),
                start=_day(pd.Timestamp(start[i])),
            )
        if key not in said:
            said[key] = V.say("validation_rule", key[0], day=_day(sent), **fields)
        rule_en.append(said[key].en)
        rule_zh.append(said[key].zh)
    return pd.DataFrame(
        {
            "file": table["source"].iloc[rows].to_numpy(),
            "row": table["row"].iloc[rows].to_numpy(),
            "column": "reported_at",
            "value": table["reported_at"].iloc[rows].astype(str).to_numpy(),
            "rule": rule_en,
            "rule_zh": rule_zh,
        }
    )


def _first_day(label: str):
    """:func:`evaluation.periods.first_day`, ``NaT`` for a text no period label."""
    try:
        return P.first_day(label)
    except ValueError:
        return pd.NaT


def _day(value: pd.Timestamp) -> V.Word:
    """A day as each language writes it: 2025年3月1日 / 2025-03-01."""
    return V.Word(P.date_text(value, "zh"), P.date_text(value, "en"))


def _completeness(
    obs: pd.DataFrame,
    catalogue: Catalogue,
    unit_ids,
    reading: Reading,
    strict: bool,
    cells: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows no agency sent: report missing values as an empty value cell instead.

    Returns the problems and the late agencies' submissions let through. An agency
    that sent no row at all for a period is one problem per period (naming its
    file), unless it is late (it sent none of its later periods either) and
    ``strict`` is false: then its rows are missing values and its submissions are
    returned. Any other absent row is a problem of its own, unless a sent row whose
    key cell has its own problem (``cells``: #N/A in 单位代码) is that row
    (:func:`_keyed_by_bad_cells`)."""
    let_through = pd.DataFrame()
    absent = absent_rows(obs, catalogue, unit_ids, reading)
    if cells is not None and not cells.empty and not absent.empty:
        absent = absent[~_keyed_by_bad_cells(absent, obs, cells)]
    if absent.empty:
        return pd.DataFrame(columns=ValidationFailed.columns), let_through
    agency = absent["indicator_id"].map(catalogue.series["agency"])
    whole = absent_submissions(obs, catalogue, unit_ids)
    gone = pd.MultiIndex.from_arrays([agency, absent["period"]]).isin(
        pd.MultiIndex.from_frame(whole[["agency", "period"]])
    )
    late = whole["trailing"].astype(bool)
    if not strict:
        let_through, whole = whole[late].reset_index(drop=True), whole[~late]
    problems = absence_problems(whole, catalogue)
    absent, agency = absent[~gone], agency[~gone]
    if absent.empty:
        return problems, let_through
    holes = _holes(absent, agency, catalogue, agency_files(obs, catalogue.series))
    if problems.empty:
        return holes, let_through
    return pd.concat([problems, holes], ignore_index=True), let_through


def _keyed_by_bad_cells(
    absent: pd.DataFrame, obs: pd.DataFrame, cells: pd.DataFrame
) -> np.ndarray:
    """Which absent keys a sent row stands for whose key cell holds no value (an
    Excel error, #N/A in 单位代码, or a formula without its result): the row is
    there, its key cannot be read, and the cell's problem is its only one (not also
    a missing row). Such a row matches the absent keys that share its two readable
    key cells (D08 of 2024-Q1 budget_execution_rate, for a #N/A beside 2024-Q1 and
    budget_execution_rate); they are its rows when there are no more of them than
    such rows, else which is which cannot be told and all stay said. A period Excel
    made a date holds a value, the day: its row's key is said missing until the
    period is typed (it names the period to type)."""
    out = np.zeros(len(absent), dtype=bool)
    rows = pd.to_numeric(cells["row"], errors="coerce")
    bad = pd.DataFrame(
        {"source": cells["file"], "row": rows, "column": cells["column"]}
    )
    empty = cells["rule"].astype(str).str.startswith(("excel_error", "excel_formula"))
    bad = bad[empty.to_numpy() & bad["column"].isin(KEY)].drop_duplicates()
    if bad.empty:
        return out
    sent = obs[["source", "row", *KEY]].assign(
        row=pd.to_numeric(obs["row"], errors="coerce")
    )
    found = sent.merge(bad, on=["source", "row"])
    found = found[~found.duplicated(["source", "row"], keep=False)]  # one bad key cell
    for column, rows_ in found.groupby("column"):
        others = [c for c in KEY if c != column]
        stand = rows_.groupby(others).size()
        holes = absent[others].apply(tuple, axis=1)
        wanted = holes.map(holes.value_counts())
        fits = holes.map(lambda k, s=stand: s.get(k, 0)).to_numpy()
        out |= (fits > 0) & (wanted.to_numpy() <= fits)
    return out


def _holes(absent: pd.DataFrame, agency: pd.Series, catalogue: Catalogue, files: dict):
    """Each absent row inside an agency's submission: one problem per key, against
    the agency's file(s) (``files``: agency → ``", "``-joined names), or
    ``(agency <id>)`` if none brought a row of it."""
    names = {a: catalogue.name(a, "zh") for a in agency.unique()}
    return pd.DataFrame(
        {
            "file": [files.get(a) or f"(agency {a})" for a in agency],
            "row": pd.NA,
            "column": "unit_id, period, indicator_id",
            "value": (
                absent["unit_id"]
                + " / "
                + absent["period"]
                + " / "
                + absent["indicator_id"]
            ).to_numpy(),
            "rule": COMPLETENESS,
            "rule_zh": [
                V.say("validation_rule", "completeness", agency=names[a]).zh
                for a in agency
            ],
        }
    ).reset_index(drop=True)
