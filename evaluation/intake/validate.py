"""Validate a dataset against the catalogue and report every problem at once.

``validate_dataset`` checks, per file, that the columns are there; then runs the
pandera schemas lazily over all rows; then checks completeness. The report is one
table ``file, row, column, value, rule`` (row = line in the source file).
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from evaluation.catalogue import Catalogue
from evaluation.errors import ValidationFailed, shorten
from evaluation.intake.io import (
    EVENT_COLUMNS,
    META,
    OBSERVATION_COLUMNS,
    OPTIONAL_EVENT_COLUMNS,
    OPTIONAL_OBSERVATION_COLUMNS,
    UNITS_COLUMNS,
    Dataset,
)
from evaluation.intake.schemas import (
    MAX_CELL_CHARS,
    Reading,
    absent_rows,
    events_schema,
    observations_schema,
    units_schema,
)

#: the rule sentence for a key nobody sent
COMPLETENESS = (
    "completeness: no row for this unit, period and indicator; send a row with an "
    "empty value cell for a missing value"
)


def validate_dataset(dataset: Dataset, catalogue: Catalogue) -> Dataset:
    """Return the dataset with typed tables, or raise ``ValidationFailed``.

    Units keep text columns; observations get a float ``value`` (empty → NaN). Nothing
    is dropped or coerced silently: any cell that is not what the catalogue expects
    is in the report.
    """
    problems: list[pd.DataFrame] = []

    headers = dict(zip(dataset.files["file"], dataset.files["columns"], strict=True))
    units, bad = check_columns(dataset.units, headers, UNITS_COLUMNS, [])
    problems.append(bad)
    if not units.empty:
        problems.append(
            run_schema(units_schema(catalogue), units[UNITS_COLUMNS], units, catalogue)
        )
    unit_ids = (
        dataset.units["unit_id"].dropna().unique() if "unit_id" in dataset.units else []
    )

    obs, bad = check_columns(
        _categories_to_points(dataset.observations, catalogue),
        headers,
        OBSERVATION_COLUMNS,
        OPTIONAL_OBSERVATION_COLUMNS,
    )
    problems.append(bad)
    reading = Reading(obs)  # each column read once for all the checks
    if not obs.empty:
        cols = [c for c in obs.columns if c not in META]
        schema = observations_schema(catalogue, unit_ids, reading)
        problems.append(run_schema(schema, obs[cols], obs, catalogue))
        problems.append(_completeness(obs, catalogue, unit_ids, reading))

    events = dataset.events
    if not events.empty:
        events, bad = check_columns(
            events, headers, EVENT_COLUMNS, OPTIONAL_EVENT_COLUMNS
        )
        problems.append(bad)
        cols = [c for c in events.columns if c not in META]
        problems.append(
            run_schema(
                events_schema(catalogue, unit_ids), events[cols], events, catalogue
            )
        )

    report = (
        pd.concat([p for p in problems if not p.empty], ignore_index=True)
        if any(not p.empty for p in problems)
        else pd.DataFrame(columns=ValidationFailed.columns)
    )
    if not report.empty:
        report["_r"] = pd.to_numeric(report["row"], errors="coerce")
        report = report.sort_values(
            ["file", "_r", "column", "rule"], kind="stable", na_position="first"
        ).drop(columns="_r")
        raise ValidationFailed(report.reset_index(drop=True))

    observations = obs.assign(value=reading.numbers(obs["value"]).to_numpy())
    units_out = dataset.units[[*UNITS_COLUMNS, *META]].copy()
    return Dataset(
        units=units_out,
        observations=observations,
        files=dataset.files,
        root=dataset.root,
        events=events,
    )


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


def check_dataset(dataset: Dataset, catalogue: Catalogue) -> pd.DataFrame:
    """The validation report as a table (empty when the dataset is valid)."""
    try:
        validate_dataset(dataset, catalogue)
    except ValidationFailed as exc:
        return exc.report
    return pd.DataFrame(columns=ValidationFailed.columns)


# ---------------------------------------------------------------------------
def check_columns(
    frame: pd.DataFrame, headers: dict, required: list[str], optional: list[str]
):
    """Keep rows from files whose header is right; report the files whose is not."""
    rows, bad_files = [], []
    for file in sorted(frame["source"].unique()):
        header = [c for c in headers.get(file, frame.columns) if c not in META]
        missing = [c for c in required if c not in header]
        unknown = [c for c in header if c not in required and c not in optional]
        for c in missing:
            rows.append(
                (
                    file,
                    pd.NA,
                    c,
                    "",
                    f"missing_column: required column '{c}' "
                    f"is not in the header (columns: {', '.join(required)})",
                )
            )
        for c in unknown:
            rows.append(
                (
                    file,
                    pd.NA,
                    c,
                    "",
                    f"unknown_column: '{shorten(c)}' is not a column of "
                    f"this table (allowed: {', '.join(required + optional)})",
                )
            )
        if missing or unknown:
            bad_files.append(file)
    keep = [c for c in frame.columns if c in required or c in optional or c in META]
    out = (
        frame.loc[~frame["source"].isin(bad_files), keep] if bad_files else frame[keep]
    )
    return out, pd.DataFrame(rows, columns=ValidationFailed.columns)


def run_schema(
    schema: pa.DataFrameSchema,
    data: pd.DataFrame,
    meta: pd.DataFrame,
    catalogue: Catalogue,
) -> pd.DataFrame:
    """Every failure of ``schema`` on ``data`` as report rows (file and row from
    ``meta``); empty if none."""
    try:
        schema.validate(data, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return _to_report(exc.failure_cases, meta, catalogue)
    return pd.DataFrame(columns=ValidationFailed.columns)


def _to_report(
    cases: pd.DataFrame, meta: pd.DataFrame, catalogue: Catalogue
) -> pd.DataFrame:
    """pandera failure cases → one readable line per bad cell (or duplicate row)."""
    cases = cases.copy()
    cases["check"] = cases["check"].astype(str)
    rule_id = cases["check"].str.replace(r"\(.*$", "", regex=True)
    # frame-wide checks list every column of a failing row: keep the one at fault
    focus = {
        "valid_range": "value",
        "period_frequency": "period",
        "known_parent": "parent_id",
        "own_parent": "parent_id",
        "parent_cycle": "parent_id",
    }
    keep = ~rule_id.isin(list(focus)) | (cases["column"] == rule_id.map(focus))
    dup = rule_id.eq("multiple_fields_uniqueness")
    keep &= ~dup | cases["column"].eq("unit_id")
    cases, rule_id = cases[keep], rule_id[keep]

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
    report["rule"] = [
        rule_sentence(
            r, v, ids[i] if ids is not None else None, catalogue, meta, pos.iloc[i]
        )
        for i, (r, v) in enumerate(zip(report["rule"], report["value"], strict=True))
    ]
    if dup.any():
        d = report["rule"].str.startswith("duplicate")
        cols = [
            c for c in ("unit_id", "period", "indicator_id", "event_id") if c in meta
        ]
        report.loc[d, "column"] = ", ".join(cols)
        key = meta.loc[pos[d], cols].astype(str)
        report.loc[d, "value"] = key.agg(" / ".join, axis=1).to_numpy()
        if "event_id" in cols:
            report.loc[d, "rule"] = (
                "duplicate: the same unit, period and event appear on more than one row"
            )
    no_row = report["row"].isna() & report["column"].isna()
    report.loc[no_row, "column"] = report.loc[no_row, "value"]
    report.loc[no_row, "value"] = ""
    report["value"] = report["value"].map(
        lambda v: "" if v is None or v is pd.NA or v != v else str(v)  # v != v: NaN
    )
    return report.reset_index(drop=True)


def rule_sentence(
    rule: str, value, indicator_id, catalogue: Catalogue, meta, pos
) -> str:
    """A rule id plus what was expected, in the words of the catalogue."""
    series = catalogue.series
    if rule == "valid_range" and indicator_id in series.index:
        s = series.loc[indicator_id]
        return (
            f"valid_range[{indicator_id}]: must lie in [{s.valid_min:g}, "
            f"{s.valid_max:g}] {s.unit_en}"
        )
    labels = {i.id: i.categories for i in catalogue.indicators if i.categories}
    if rule == "numeric" and indicator_id in labels:
        return (
            f"category[{indicator_id}]: must be one of "
            f"{', '.join(labels[indicator_id])} (or their points)"
        )
    if rule == "period_frequency" and indicator_id in series.index:
        freq = series.loc[indicator_id, "frequency"]
        example = {
            "monthly": "2025-M03",
            "bimonthly": "2025-B2",
            "quarterly": "2025-Q3",
            "half_year": "2025-H1",
            "annual": "2025",
        }[freq]
        return f"period_frequency: {indicator_id} is reported {freq}, e.g. {example}"
    texts = {
        "known_unit": "known_unit: not a unit_id in units.csv",
        "known_indicator": "known_indicator: not an indicator or context series id in "
        "the catalogue",
        "known_peer_group": "known_peer_group: must be one of "
        f"{[g.id for g in catalogue.peer_groups]}",
        "known_level": "known_level: must be one of "
        f"{list(catalogue.settings.unit_levels)} (settings.unit_levels)",
        "known_parent": "known_parent: parent_id must be a unit_id in this table",
        "own_parent": "own_parent: a unit cannot be its own parent",
        "parent_cycle": "parent_cycle: following parent_id up from this unit comes "
        "back round (A → B → A); the units must form a tree",
        "cell_length": f"cell_length: at most {MAX_CELL_CHARS} characters in a cell",
        "id_format": "id_format: letters, digits, '_' or '-', no spaces",
        "period_format": "period_format: must be a period label like 2025, 2025-H1, "
        "2025-Q3, 2025-B2 or 2025-M03",
        "numeric": "numeric: must be a number (decimal point, no %, no thousands "
        "separator) or empty",
        "date_format": "date_format: must be a calendar date YYYY-MM-DD",
        "multiple_fields_uniqueness": "duplicate: the same unit, period and indicator "
        "appear on more than one row",
        "column_in_dataframe": "missing_column: required column is not in the header",
        "column_in_schema": "unknown_column: not a column of this table",
        "not_nullable": "required: this cell must not be empty",
        "field_uniqueness": "unique: this value appears on more than one row",
    }
    if rule.startswith("dtype"):
        return f"type: {rule}"
    return texts.get(rule, rule)


def _completeness(
    obs: pd.DataFrame, catalogue: Catalogue, unit_ids, reading: Reading
) -> pd.DataFrame:
    """Rows no agency sent: report missing values as an empty value cell instead."""
    absent = absent_rows(obs, catalogue, unit_ids, reading)
    if absent.empty:
        return pd.DataFrame(columns=ValidationFailed.columns)
    agency = absent["indicator_id"].map(catalogue.series["agency"])
    return pd.DataFrame(
        {
            "file": "(agency " + agency + ")",
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
        }
    ).reset_index(drop=True)
