"""Submission templates (报送模板): the workbook an agency fills in for one period.

:func:`due_reports` says what an agency owes for a period: every series it reports
(indicators and context series of ``agencies[].id``) in each of its reporting
periods whose last month falls in the period, as :mod:`evaluation.periods` counts
reports (``expected_counts``): in ``2025-M03`` a monthly series for March and a
quarterly one for ``2025-Q1``; in ``2025-Q1`` the monthly series three times; an
annual series only in a period that ends in December. Each is due
``quality.due_days`` (by frequency) after the last day of its reporting period.

:func:`submission_template` lays that out for every unit, one row per unit × series
× reporting period, in the columns ``validate`` reads: ``unit_id, name_zh, period,
period_name, indicator_id, indicator_name, unit_of_measure`` filled in (the four
names are :data:`~evaluation.intake.io.LABEL_COLUMNS`: allowed in an observation
file and not read), ``value`` and ``reported_at`` empty. :func:`write_template`
writes it as an Excel workbook: the data on the first sheet (Chinese headers by
default, which ``validate`` reads as the English ones), the filled-in columns
locked, data validation on the value (a decimal within the series' valid range, a
whole number for a count, or a list of the series' grade labels) and on the date,
and a second sheet 填报说明 with the instructions and each series' unit, valid
range and due day. A filled template is an observation file: put it in
``observations/`` and run ``evaluation validate``.
"""

from __future__ import annotations

import math
import unicodedata
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import xlsxwriter

from evaluation import periods as P
from evaluation.catalogue import Catalogue
from evaluation.errors import EvaluationError, ValidationFailed
from evaluation.files import replacing
from evaluation.intake.io import UNITS_COLUMNS, matching_files, read_table
from evaluation.intake.schemas import units_schema
from evaluation.intake.status import due_day, due_labels
from evaluation.intake.validate import check_columns, run_schema
from evaluation.vocabulary import INPUT_COLUMN, Word, is_count, say, word

#: the template's columns in order: filled in, then what the agency types
COLUMNS = [
    "unit_id",
    "name_zh",
    "period",
    "period_name",
    "indicator_id",
    "indicator_name",
    "unit_of_measure",
    "value",
    "reported_at",
]
TYPED = ["value", "reported_at"]  #: the columns the agency fills (unlocked)
DUE_COLUMNS = [
    "series_id",
    "name",
    "frequency",
    "period",
    "unit",
    "valid_min",
    "valid_max",
    "categories",
    "whole",
    "due_days",
    "due",
]
BEIJING = ZoneInfo("Asia/Shanghai")
#: longest texts Excel accepts in a data validation's title and message
_TITLE, _MESSAGE = 32, 255


class TemplateError(EvaluationError):
    """An agency or period for which there is no template; ``words`` says why, in
    Chinese and English, listing what is known."""

    def __init__(self, words: Word):
        super().__init__(words=words)


def due_reports(
    catalogue: Catalogue, agency: str, period: str, lang: str = "zh"
) -> pd.DataFrame:
    """What ``agency`` reports for ``period``: one row per series and reporting
    period (:data:`DUE_COLUMNS`; ``name``, ``unit`` in ``lang``; ``whole`` for a
    count, a unit of :data:`~evaluation.vocabulary.COUNT_UNITS`; ``due`` the last
    day to send it, a date), series in catalogue order (indicators, then context
    series), periods in time order.

    Raises :class:`TemplateError` for an agency the catalogue does not list (naming
    those it does), a period that is not a period label, or a period in which the
    agency reports nothing (naming the months in which it does).
    """
    known = {a.id: a for a in catalogue.agencies}
    if agency not in known:
        listed = [(a.id, a.name_zh, a.name_en) for a in catalogue.agencies]
        raise TemplateError(
            say(
                "template",
                "unknown_agency",
                agency=agency,
                known=Word(
                    "、".join(f"{i}（{zh}）" for i, zh, _ in listed),
                    ", ".join(f"{i} ({en})" for i, _, en in listed),
                ),
            )
        )
    try:
        freq, year, end = P.year_end(period)
    except ValueError:
        raise TemplateError(say("template", "bad_period", period=period)) from None
    series = [
        s for s in (*catalogue.indicators, *catalogue.context) if s.agency == agency
    ]
    rows = [
        {
            "series_id": s.id,
            "name": s.name_zh if lang == "zh" else s.name_en,
            "frequency": s.frequency,
            "period": label,
            "unit": s.unit_zh if lang == "zh" else s.unit_en,
            "valid_min": s.valid.min,
            "valid_max": s.valid.max,
            "categories": list(getattr(s, "categories", None) or {}),
            "whole": is_count((s.unit_zh, s.unit_en)),  # a count (件, 个 …)
            "due_days": catalogue.quality.due_days[s.frequency],
            "due": due_day(label, catalogue).date(),
        }
        for s in series
        for label in due_labels(s.frequency, period)  # periods ending in ``period``
    ]
    if not rows:
        frequencies = list(dict.fromkeys(s.frequency for s in series))
        sizes = {P.months_per(f) for f in frequencies}
        due_months = [m for m in range(1, 13) if any(m % n == 0 for n in sizes)]
        name = known[agency]
        raise TemplateError(
            say(
                "template",
                "nothing_due",
                agency=Word(name.name_zh, f"{agency} ({name.name_en})"),
                period=Word(P.name_zh(period), period),
                year=year,
                frequencies=Word(
                    "、".join(word("frequency", f) for f in frequencies) or "—",
                    ", ".join(word("frequency", f, "en") for f in frequencies) or "—",
                ),
                months=Word(
                    "、".join(f"{m}月" for m in due_months) or "—",
                    ", ".join(f"{year}-M{m:02d}" for m in due_months) or "—",
                ),
                # the first due at or after the period's end, else the year's first
                example=P.label(
                    year,
                    next((m for m in due_months if m >= end), due_months[0]),
                    "monthly",
                )
                if due_months
                else "—",
            )
        )
    return pd.DataFrame(rows, columns=DUE_COLUMNS)


def submission_template(
    catalogue: Catalogue,
    units: pd.DataFrame,
    agency: str,
    period: str,
    lang: str = "zh",
) -> pd.DataFrame:
    """The rows ``agency`` owes for ``period``: every unit of ``units`` (columns
    ``unit_id``, ``name_zh``; in their order) × every report of
    :func:`due_reports`, ordered by series, period, unit (so that each series'
    rows are together), in :data:`COLUMNS` with ``value`` and ``reported_at`` empty.
    Names and units of measure in ``lang``. Raises :class:`TemplateError` as
    :func:`due_reports` does."""
    due = due_reports(catalogue, agency, period, lang)
    units = units.loc[units["unit_id"].notna(), ["unit_id", "name_zh"]]
    reports = due.loc[due.index.repeat(len(units))].reset_index(drop=True)
    unit_rows = units.iloc[list(range(len(units))) * len(due)].reset_index(drop=True)
    return pd.DataFrame(
        {
            "unit_id": unit_rows["unit_id"].astype(str),
            "name_zh": unit_rows["name_zh"].fillna("").astype(str),
            "period": reports["period"],
            "period_name": reports["period"].map(lambda p: period_name(p, lang)),
            "indicator_id": reports["series_id"],
            "indicator_name": reports["name"],
            "unit_of_measure": reports["unit"],
            "value": pd.Series([None] * len(reports), dtype=object),
            "reported_at": pd.Series([None] * len(reports), dtype=object),
        },
        columns=COLUMNS,
    )


def read_units(folder: str | Path, catalogue: Catalogue) -> pd.DataFrame:
    """The units file of a dataset folder (``units.*``), checked as ``validate``
    checks it; raises ``ValidationFailed`` with the problems."""
    root = Path(folder)
    files = matching_files(root, "units") if root.is_dir() else []
    if len(files) != 1:
        said = (
            say(
                "validation_rule",
                "units_file",
                found=Word(
                    "、".join(p.name for p in files) or "无",
                    str([p.name for p in files]),
                ),
            )
            if root.is_dir()
            else say("validation_rule", "no_folder")
        )
        raise ValidationFailed(
            pd.DataFrame(
                [
                    {
                        "file": str(root / "units.csv" if root.is_dir() else root),
                        "row": pd.NA,
                        "column": "",
                        "value": "",
                        "rule": said.en,
                        "rule_zh": said.zh,
                    }
                ]
            )
        )
    units, record = read_table(files[0], name=files[0].name)
    kept, problems = check_columns(
        units, {record["file"]: record["columns"]}, UNITS_COLUMNS, []
    )
    if problems.empty:
        problems = run_schema(
            units_schema(catalogue), kept[UNITS_COLUMNS], kept, catalogue
        )
    if not problems.empty:
        raise ValidationFailed(problems)
    return kept


def write_template(
    path: str | Path,
    catalogue: Catalogue,
    units: pd.DataFrame,
    agency: str,
    period: str,
    *,
    lang: str = "zh",
    made: datetime | None = None,
) -> Path:
    """Write ``agency``'s submission template for ``period`` (an ``.xlsx``
    workbook, atomically): the rows of :func:`submission_template` on the first
    sheet (报送数据 / Data) with headers in ``lang`` (Chinese headers are the ones
    ``validate`` reads as the column names), the filled-in columns locked (sheet
    protection without a password), data validation on ``value`` and
    ``reported_at`` (text, ``YYYY-MM-DD``); instructions, units, valid ranges and
    due days on the second sheet (填报说明 / Instructions). ``made`` (default now)
    is shown as the day it was made, Beijing time. Returns ``path``."""
    due = due_reports(catalogue, agency, period, lang)
    rows = submission_template(catalogue, units, agency, period, lang)
    made = (made or datetime.now(BEIJING)).astimezone(BEIJING)
    names = {a.id: a for a in catalogue.agencies}[agency]
    agency_name = names.name_zh if lang == "zh" else names.name_en
    shown_period = held_periods(due, lang)
    sheet_data = word("template", "sheet_data", lang)
    headers = [INPUT_COLUMN[c].text(lang) for c in COLUMNS]

    with replacing(path, suffix=".xlsx") as tmp:
        book = xlsxwriter.Workbook(
            str(tmp),
            {
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        title = say("template", "title", agency=agency_name, period=shown_period)
        book.set_properties(
            {"title": title.text(lang), "created": made.replace(tzinfo=None)}
        )
        font = {"font_name": "等线", "font_size": 11}
        fmt = {
            "head": book.add_format(
                {**font, "bold": True, "bg_color": "#DDEBF7", "border": 1}
            ),
            "filled": book.add_format(
                {**font, "bg_color": "#F2F2F2", "num_format": "@"}
            ),
            "value": book.add_format(
                {**font, "locked": False, "bg_color": "#FFF2CC", "border": 1,
                 "border_color": "#BFBFBF"}
            ),
            "date": book.add_format(
                {**font, "locked": False, "bg_color": "#FFF2CC", "border": 1,
                 "border_color": "#BFBFBF", "num_format": "@"}
            ),
            "title": book.add_format({**font, "bold": True, "font_size": 14}),
            "bold": book.add_format({**font, "bold": True}),
            "text": book.add_format({**font, "text_wrap": True, "valign": "top"}),
        }  # fmt: skip

        sheet = book.add_worksheet(sheet_data)
        _data_sheet(sheet, rows, headers, fmt)
        sheet_lists = word("template", "sheet_lists", lang)
        lists = _validations(sheet, rows, due, lang, sheet_lists)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, len(rows), len(COLUMNS) - 1)
        sheet.protect(
            "",
            {
                "autofilter": True,
                "format_columns": True,
                "select_locked_cells": True,
                "select_unlocked_cells": True,
            },
        )
        _help_sheet(
            book.add_worksheet(word("template", "sheet_help", lang)),
            fmt,
            lang=lang,
            title=title.text(lang),
            catalogue=catalogue,
            made=made,
            agency=agency_name,
            period=shown_period,
            sheet_data=sheet_data,
            rows=rows,
            due=due,
        )
        if lists:
            _lists_sheet(book.add_worksheet(sheet_lists), lists, fmt)
        book.close()
    return Path(path)


# ------------------------------------------------------------------ the sheets
def _data_sheet(sheet, rows: pd.DataFrame, headers: list[str], fmt: dict) -> None:
    for j, (column, header) in enumerate(zip(COLUMNS, headers, strict=True)):
        sheet.write_string(0, j, header, fmt["head"])
        if column in TYPED:
            kind = "value" if column == "value" else "date"
            for i in range(1, len(rows) + 1):
                sheet.write_blank(i, j, None, fmt[kind])
            width = _width(header) + 6
        else:
            values = rows[column].tolist()
            for i, v in enumerate(values, start=1):
                sheet.write_string(i, j, v, fmt["filled"])
            width = max([_width(header), *map(_width, values)]) + 2
        sheet.set_column(j, j, min(max(width, 8), 50))


def _validations(
    sheet, rows: pd.DataFrame, due: pd.DataFrame, lang: str, sheet_lists: str
) -> list[list[str]]:
    """One data validation per series on its rows' value cells (its rows are
    together); the date on every ``reported_at`` cell. A list Excel cannot hold
    inline (over 255 characters, or a label with a comma or quote) points at a
    column of the hidden sheet ``sheet_lists``; returns those lists, in column
    order, for :func:`_lists_sheet` to write."""
    lists: list[list[str]] = []
    col = COLUMNS.index("value")
    series = due.drop_duplicates("series_id").set_index("series_id")
    positions = pd.Series(range(1, len(rows) + 1), index=rows["indicator_id"])
    for series_id, at in positions.groupby(level=0, sort=False):
        s = series.loc[series_id]
        first, last = int(at.min()), int(at.max())
        unit = _unit(s["unit"], lang)
        labels = [str(x) for x in s["categories"]]
        # a count takes whole numbers (Excel's whole-number validation)
        whole = not labels and bool(s["whole"])
        refused = "refused_whole" if whole else "refused"
        if labels:
            listed = "、".join(labels) if lang == "zh" else ", ".join(labels)
            source: list[str] | str = labels
            if len(",".join(labels)) > _MESSAGE or any(
                c in x for x in labels for c in '",'
            ):
                lists.append(labels)
                source = _list_range(sheet_lists, len(lists) - 1, len(labels))
            options = {
                "validate": "list",
                "source": source,
                "error_message": _cut(
                    say(
                        "template", "refused_label", name=s["name"], labels=listed
                    ).text(lang),
                    _MESSAGE,
                ),
            }
            valid = say("template", "labels", labels=listed).text(lang)
        else:
            low, high = float(s["valid_min"]), float(s["valid_max"])
            options = {
                "validate": "integer" if whole else "decimal",
                "criteria": "between",
                "minimum": math.ceil(low) if whole else low,
                "maximum": math.floor(high) if whole else high,
            }
            valid = _range(s, lang)
            options["error_message"] = _cut(
                say("template", refused, name=s["name"], valid=valid, unit=unit).text(
                    lang
                ),
                _MESSAGE,
            )
        sheet.data_validation(
            first,
            col,
            last,
            col,
            {
                **options,
                "ignore_blank": True,
                "input_title": _cut(word("template", "prompt_title", lang), _TITLE),
                "input_message": _cut(
                    say(
                        "template",
                        "prompt_whole" if whole else "prompt",
                        name=s["name"],
                        valid=valid,
                        unit=unit,
                    ).text(lang),
                    _MESSAGE,
                ),
                "error_title": _cut(word("template", f"{refused}_title", lang), _TITLE),
                "error_type": "stop",
            },
        )
    col = COLUMNS.index("reported_at")
    prompt = word("template", "date_prompt", lang)
    sheet.data_validation(
        1,
        col,
        max(len(rows), 1),
        col,
        {
            "validate": "length",
            "criteria": "==",
            "value": 10,
            "ignore_blank": True,
            "input_title": _cut(INPUT_COLUMN["reported_at"].text(lang), _TITLE),
            "input_message": prompt,
            "error_message": prompt,
        },
    )
    return lists


def _list_range(sheet: str, column: int, n: int) -> str:
    """The cells of list ``column`` (0: A) on the hidden sheet, as a formula:
    ``='选项'!$A$1:$A$12``."""
    from xlsxwriter.utility import xl_col_to_name

    letter = xl_col_to_name(column)
    return f"='{sheet}'!${letter}$1:${letter}${n}"


def _lists_sheet(sheet, lists: list[list[str]], fmt: dict) -> None:
    """The labels of the drop-down lists too long to hold inline, a column each,
    on a hidden sheet the data validations point at."""
    for j, labels in enumerate(lists):
        for i, text in enumerate(labels):
            sheet.write_string(i, j, text, fmt["filled"])
    sheet.hide()


def _help_sheet(sheet, fmt, *, lang, title, catalogue, made, agency, period,
                sheet_data, rows, due) -> None:  # fmt: skip
    def said(key: str, **fields) -> str:
        return say("template", key, **fields).text(lang)

    catalogue_name = catalogue.name_zh if lang == "zh" else catalogue.name_en
    date = (
        f"{made.year}年{made.month}月{made.day}日"
        if lang == "zh"
        else (f"{made:%Y-%m-%d}")
    )
    lines = [
        (title, "title"),
        (said("made", catalogue=catalogue_name, version=catalogue.version,
              date=date), "text"),
        (said("owed", sheet=sheet_data, agency=agency, period=period,
              units=rows["unit_id"].nunique(), series=due["series_id"].nunique(),
              rows=len(rows)), "text"),
        ("", "text"),
        (said("steps"), "bold"),
    ]  # fmt: skip
    steps = [
        said(
            "step_fill",
            value=INPUT_COLUMN["value"].text(lang),
            reported_at=INPUT_COLUMN["reported_at"].text(lang),
        ),
        said("step_number"),
        *([said("step_category")] if due["categories"].map(len).any() else []),
        said("step_missing"),
        said("step_formula"),
        said("step_date"),
        said("step_save", sheet=sheet_data),
    ]
    sep = "．" if lang == "zh" else ". "
    lines += [(f"{i}{sep}{text}", "text") for i, text in enumerate(steps, 1)]
    lines += [("", "text"), (said("due_head"), "bold")]
    width = 7  # the table's columns
    for i, (text, kind) in enumerate(lines):
        if text:
            sheet.merge_range(i, 0, i, width - 1, text, fmt[kind])
            if kind == "text":  # a wrapped line: as tall as its text
                sheet.set_row(i, 15 * max(1, -(-_width(text) // 150)))
    top = len(lines)
    header = [
        said(key)
        for key in ("col_indicator", "col_name", "col_frequency", "col_period",
                    "col_unit", "col_valid", "col_due")
    ]  # fmt: skip
    table = [
        [
            r.series_id,
            r.name,
            word("frequency", r.frequency, lang),
            period_name(r.period, lang),
            r.unit,
            said("labels", labels=("、" if lang == "zh" else ", ").join(r.categories))
            if r.categories
            else _range(r, lang),
            said("due", date=_date(r.due, lang), days=r.due_days),
        ]
        for r in due.itertuples()
    ]
    for j, text in enumerate(header):
        sheet.write_string(top, j, text, fmt["head"])
    for i, values in enumerate(table, top + 1):
        for j, text in enumerate(values):
            sheet.write_string(i, j, str(text), fmt["text"])
    for j in range(width):
        shown = [header[j], *(row[j] for row in table)]
        sheet.set_column(j, j, min(max(max(map(_width, shown)) + 2, 12), 48))


# ------------------------------------------------------------------ helpers
def period_name(label: str, lang: str) -> str:
    """A period as people read it: ``2025年3月`` in Chinese, the label in English."""
    return P.name_zh(label) if lang == "zh" else label


def held_periods(due: pd.DataFrame, lang: str) -> str:
    """The periods a template holds (``due``'s, :func:`due_reports`), as its title
    names them: 2025年第一季度 for a quarterly series' rows asked for 2025-M03, not
    the month asked; a mix of frequencies each, the shortest first
    (2025年12月、2025年第四季度、2025年下半年); the months of a quarter from the
    first to the last (2025年1月至2025年3月). English: the labels (2025-M12,
    2025-Q4; 2025-M01 to 2025-M03)."""
    shown = due[["frequency", "period"]].drop_duplicates("period")
    size = shown["frequency"].map(P.months_per)
    shown = shown.assign(_size=size).sort_values(["_size", "period"], kind="stable")
    to = "至" if lang == "zh" else " to "
    names = [
        period_name(p.iloc[0], lang)
        if len(p) == 1
        else f"{period_name(p.iloc[0], lang)}{to}{period_name(p.iloc[-1], lang)}"
        for _, p in shown.groupby("_size", sort=True)["period"]
    ]
    return ("、" if lang == "zh" else ", ").join(names)


_date = P.date_text  # 2026年1月20日 / 2026-01-20


def _range(s, lang: str) -> str:
    return say(
        "template", "range", low=_number(s.valid_min), high=_number(s.valid_max)
    ).text(lang)


def _unit(unit: str, lang: str) -> str:
    return f"（{unit}）" if lang == "zh" else f" ({unit})"


def _number(x: float) -> str:
    """A limit as the catalogue writes it: ``100``, ``0.5``, ``1000000``."""
    text = f"{x:.10g}"
    if "e" in text:
        text = f"{x:.6f}".rstrip("0").rstrip(".")
    return text


def _cut(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def _width(text: str) -> int:
    """Columns a text takes on screen: a Chinese character two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(text))
