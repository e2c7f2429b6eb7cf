"""One exception family; each carries a table a person can read."""

from __future__ import annotations

import pandas as pd


class EvaluationError(Exception):
    """Base class for every error the package raises on purpose."""


class CatalogueError(EvaluationError):
    """The indicator catalogue is invalid.

    ``problems`` is a table ``file, path, value, rule``: one row per problem, all of
    them, so a catalogue author can fix everything in one pass.
    """

    columns = ["file", "path", "value", "rule"]

    def __init__(self, problems: pd.DataFrame):
        self.problems = problems.reset_index(drop=True)
        lines = [
            f"{r.file}: {r.path}: {r.rule} (got {r.value})"
            for r in self.problems.itertuples()
        ]
        n = len(lines)
        files = self.problems["file"].unique() if n else []
        what = files[0] if len(files) == 1 else "catalogue"  # the file at fault
        super().__init__(
            f"{what} has {n} problem{'s' if n != 1 else ''}:\n  " + "\n  ".join(lines)
        )


class ValidationFailed(EvaluationError):
    """Input data failed validation.

    ``report`` is a table ``file, row, column, value, rule`` (row = line in the source
    file, header = line 1), sorted by file and row.
    """

    columns = ["file", "row", "column", "value", "rule"]

    def __init__(self, report: pd.DataFrame, *, max_lines: int = 20):
        self.report = report.reset_index(drop=True)
        n = len(self.report)
        head = self.report.head(max_lines)
        lines = [
            f"{r.file}:{'' if pd.isna(r.row) else int(r.row)}  {r.column}  "
            f"{r.value!s}  {r.rule}"
            for r in head.itertuples()
        ]
        more = f"\n  … and {n - max_lines} more" if n > max_lines else ""
        super().__init__(
            f"{n} validation problem{'s' if n != 1 else ''}:\n  "
            + "\n  ".join(lines)
            + more
        )

    def summary(self) -> pd.DataFrame:
        """Count of problems per file and rule, for a short printed summary."""
        return (
            self.report.groupby(["file", "rule"], sort=True)
            .size()
            .rename("problems")
            .reset_index()
        )
