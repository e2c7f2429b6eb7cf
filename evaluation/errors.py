"""One exception family; each carries a table a person can read."""

from __future__ import annotations

import json
import reprlib

import pandas as pd

from evaluation.plural import counted

#: characters shown of a value (a cell, a header, a YAML value) in a problem message;
#: longer ones are cut and their length said
SHOWN = 80
#: characters shown of any other text of a problem (a file name, a path, a rule that
#: quotes what it got)
TEXT = 1000
_JSON = json.JSONEncoder(ensure_ascii=False, default=str)


def shorten(value: object, limit: int = SHOWN) -> str:
    """``value`` as text of at most ``limit`` characters for a problem message, so
    that a 100 MB cell prints as ``xxx… (104857600 characters)``. A list or mapping
    is written as JSON only as far as it is shown: one that expands to billions of
    nodes (a YAML alias bomb) is never written whole."""
    if isinstance(value, dict | list | tuple):
        text = ""
        try:
            for chunk in _JSON.iterencode(value):
                text += chunk
                if len(text) > limit:
                    return text[:limit] + "…"
        except (TypeError, ValueError):  # contains itself, or a key JSON refuses
            return reprlib.repr(value)[:limit]
    else:
        text = str(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters)"


def _bounded(frame: pd.DataFrame, limits: dict[str, int]) -> pd.DataFrame:
    """``frame`` with each text longer than its column's limit shortened (other
    values, numbers included, left as they are). Lengths are measured a column at a
    time: a report can have millions of rows."""
    for column, limit in limits.items():
        if column not in frame:
            continue
        values = frame[column]
        try:
            lengths = pd.to_numeric(values.str.len(), errors="coerce")
        except AttributeError:  # no text in the column (numbers only)
            continue
        long = (lengths > limit).to_numpy(dtype=bool, na_value=False)
        if long.any():
            frame[column] = values.astype(object).where(
                ~long, values[long].map(lambda v, n=limit: shorten(v, n))
            )
    return frame


class EvaluationError(Exception):
    """Base class for every error the package raises on purpose. ``words`` (a
    ``vocabulary.Word``), when given, says it in Chinese and English from its
    fields (the command line prints it in the command's language). Its message,
    unless one is given, is the Chinese then the English: what a notebook shows
    the analyst, as a refused validation reads."""

    words = None

    def __init__(self, *args, words=None):
        if words is not None:
            self.words = words
            both = words.en if words.zh == words.en else f"{words.zh}\n{words.en}"
            args = args or (both,)
        super().__init__(*args)


class RequestError(EvaluationError, ValueError):
    """A request refused before anything is read or written (a format or language
    that does not fit the file asked for): a ``ValueError`` that says itself in
    Chinese and English (``words``)."""


class CatalogueError(EvaluationError):
    """The indicator catalogue is invalid.

    ``problems`` is a table ``file, path, value, rule``: one row per problem, all of
    them, so a catalogue author can fix everything in one pass (``rule_zh``, when
    there, the rule in Chinese). Values are shown as
    text (:func:`shorten`), paths and rules shortened past :data:`TEXT` characters.
    """

    columns = ["file", "path", "value", "rule"]

    def __init__(self, problems: pd.DataFrame):
        problems = problems.reset_index(drop=True)
        problems["value"] = problems["value"].map(
            lambda v: "" if v is None else shorten(v)
        )
        self.problems = _bounded(
            problems, {"file": TEXT, "path": TEXT, "rule": TEXT, "rule_zh": TEXT}
        )
        lines = [
            f"{r.file}: {r.path}{_at(r)}: {r.rule}"
            + (f" (got {r.value})" if r.value else "")
            for r in self.problems.itertuples()
        ]
        n = len(lines)
        files = self.problems["file"].unique() if n else []
        what = files[0] if len(files) == 1 else "catalogue"  # the file at fault
        super().__init__(
            f"{what} has {counted(n, 'problem')}:\n  " + "\n  ".join(lines)
        )

    def as_report(self) -> pd.DataFrame:
        """The problems in the columns of a data problem report
        (``ValidationFailed.columns``, with ``rule_zh`` where given): ``row`` the
        problem's line in the file where known, ``column`` its path."""
        p = self.problems
        line = p["line"] if "line" in p else pd.Series(pd.NA, index=p.index)
        table = pd.DataFrame(
            {
                "file": p["file"],
                "row": pd.array(line, dtype="Int64"),
                "column": p["path"],
                "value": p["value"],
                "rule": p["rule"],
            }
        )
        if "rule_zh" in p:
            table["rule_zh"] = p["rule_zh"]
        return table


def _at(problem) -> str:
    """`` (tasks, line 80)``: where a configuration's problem is, when known; a
    problem at no path (a YAML syntax error) says its line in its words."""
    line, item = getattr(problem, "line", None), getattr(problem, "item", None)
    where = [item] if isinstance(item, str) else []
    if problem.path and line is not None and not pd.isna(line):
        where.append(f"line {line}")
    return f" ({', '.join(where)})" if where else ""


class ValidationFailed(EvaluationError):
    """Input data failed validation.

    ``report`` is a table ``file, row, column, value, rule`` (row = line in the source
    file, header = line 1), sorted by file and row; intake adds ``rule_zh``, the rule
    in Chinese (``evaluation.intake.validate.problems_table`` shows either), and a
    check that says a coded cell by its name adds ``value_zh`` (an override's grade:
    优秀 where ``value`` has excellent), shown beside the Chinese rule. Text
    past :data:`SHOWN`
    characters in ``value`` and ``column`` (cells and headers as sent), or past
    :data:`TEXT` in ``rule``, is shortened with its length (:func:`shorten`): a
    100 MB cell never reaches a message, a printed table or a report file whole.
    """

    columns = ["file", "row", "column", "value", "rule"]

    def __init__(self, report: pd.DataFrame, *, max_lines: int = 20):
        self.report = _bounded(
            report.reset_index(drop=True),
            {
                "value": SHOWN,
                "value_zh": SHOWN,
                "column": SHOWN,
                "rule": TEXT,
                "rule_zh": TEXT,
            },
        )
        n = len(self.report)
        head = self.report.head(max_lines)

        def said(r, rule: str):  # a coded cell by its Chinese name beside Chinese
            zh = getattr(r, "value_zh", None) if rule == "rule_zh" else None
            return r.value if zh is None or pd.isna(zh) else zh

        def lines(rule: str) -> str:
            return "\n  ".join(
                f"{r.file}:{'' if pd.isna(r.row) else int(r.row)}  {r.column}  "
                f"{said(r, rule)!s}  {getattr(r, rule)}"
                for r in head.itertuples()
            )

        more = f"\n  … and {n - max_lines} more" if n > max_lines else ""
        english = f"{counted(n, 'validation problem')}:\n  {lines('rule')}"
        if "rule_zh" in head and head["rule_zh"].notna().all():  # Chinese first, as
            # an analyst in a notebook reads it; the English after it
            zh = "…" if n > max_lines else ""
            chinese = f"数据校验未通过：共{n}个问题\n  {lines('rule_zh')}{zh}\n"
            super().__init__(chinese + english + more)
        else:
            super().__init__(english + more)

    def summary(self) -> pd.DataFrame:
        """Count of problems per file and rule, for a short printed summary."""
        return (
            self.report.groupby(["file", "rule"], sort=True)
            .size()
            .rename("problems")
            .reset_index()
        )
