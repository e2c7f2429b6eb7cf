"""pandera schemas for the input tables, built from the catalogue.

Schemas check text cells as read (see :mod:`evaluation.io`); the error text of each
check starts with its rule id (``known_unit``, ``valid_range`` …), which the report
in :mod:`evaluation.validate` turns into a sentence naming the expected value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa

from .catalogue import Catalogue
from .periods import PATTERNS

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-]*$"
PERIOD_PATTERN = "^(" + "|".join(f"(?:{p})" for p in PATTERNS.values()) + ")$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
LEVELS = ("department", "district")


def _numeric(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce")


def units_schema(catalogue: Catalogue) -> pa.DataFrameSchema:
    """Units: unique ids, bilingual names, a known peer group and level."""
    groups = [g.id for g in catalogue.peer_groups]
    return pa.DataFrameSchema(
        {
            "unit_id": pa.Column(
                str, pa.Check.str_matches(ID_PATTERN, error="id_format"), unique=True
            ),
            "name_zh": pa.Column(str),
            "name_en": pa.Column(str),
            "peer_group": pa.Column(
                str, pa.Check.isin(groups, error="known_peer_group")
            ),
            "level": pa.Column(str, pa.Check.isin(LEVELS, error="known_level")),
            "parent_id": pa.Column(str, nullable=True),
        },
        checks=[pa.Check(_parent_known, error="known_parent")],
        strict=True,
        name="units",
    )


def _parent_known(df: pd.DataFrame) -> pd.Series:
    return df["parent_id"].isna() | df["parent_id"].isin(df["unit_id"])


def observations_schema(catalogue: Catalogue, unit_ids) -> pa.DataFrameSchema:
    """Observations: known keys, one row per key, values in range, right period type."""
    series = catalogue.series
    return pa.DataFrameSchema(
        {
            "unit_id": pa.Column(
                str, pa.Check.isin(list(unit_ids), error="known_unit")
            ),
            "period": pa.Column(
                str, pa.Check.str_matches(PERIOD_PATTERN, error="period_format")
            ),
            "indicator_id": pa.Column(
                str, pa.Check.isin(list(series.index), error="known_indicator")
            ),
            "value": pa.Column(
                nullable=True,
                checks=pa.Check(
                    lambda s: s.isna() | _numeric(s).notna(), error="numeric"
                ),
            ),
            "reported_at": pa.Column(
                str,
                pa.Check.str_matches(DATE_PATTERN, error="date_format"),
                nullable=True,
                required=False,
            ),
        },
        checks=[
            pa.Check(_in_valid_range(series), error="valid_range"),
            pa.Check(_period_matches_frequency(series), error="period_frequency"),
        ],
        unique=["unit_id", "period", "indicator_id"],
        strict=True,
        name="observations",
    )


def _in_valid_range(series: pd.DataFrame):
    """One vectorised check for every series: value within [valid_min, valid_max]."""

    def check(df: pd.DataFrame) -> pd.Series:
        value = _numeric(df["value"])
        ids = df["indicator_id"]
        low = ids.map(series["valid_min"]).astype(float)
        high = ids.map(series["valid_max"]).astype(float)
        bad = value.notna() & low.notna() & ~value.between(low, high)
        return ~bad

    return check


def _period_matches_frequency(series: pd.DataFrame):
    """Each period label is written in its series' frequency (monthly → 2025-M03)."""
    patterns = {f: f"^(?:{p})$" for f, p in PATTERNS.items()}

    def check(df: pd.DataFrame) -> pd.Series:
        freq = df["indicator_id"].map(series["frequency"])
        ok = pd.Series(True, index=df.index)
        for f, pattern in patterns.items():  # five frequencies, not rows
            rows = freq.eq(f).fillna(False).to_numpy()
            if rows.any():
                ok[rows] = (
                    df.loc[rows, "period"].str.match(pattern).fillna(True).to_numpy()
                )
        return ok

    return check


def expected_grid(
    observations: pd.DataFrame, catalogue: Catalogue, unit_ids
) -> pd.DataFrame:
    """Rows each unit should have sent: every series × every period of its frequency
    between the first and last period reported for that frequency."""
    from .periods import FREQUENCIES, label, parse

    series = catalogue.series
    parsed = parse(observations["period"].drop_duplicates())
    parsed = parsed.dropna()
    frames = []
    for freq, (_, size) in FREQUENCIES.items():
        mine = parsed[parsed["frequency"] == freq]
        if mine.empty:
            continue
        first = mine["year"] * 12 + mine["end_month"]
        months = np.arange(first.min(), first.max() + 1, size)
        labels = [
            label(int((m - 1) // 12), int((m - 1) % 12 + 1), freq) for m in months
        ]
        ids = series.index[series["frequency"] == freq]
        frames.append(
            pd.MultiIndex.from_product(
                [list(unit_ids), labels, list(ids)],
                names=["unit_id", "period", "indicator_id"],
            ).to_frame(index=False)
        )
    if not frames:
        return pd.DataFrame(columns=["unit_id", "period", "indicator_id"])
    return pd.concat(frames, ignore_index=True)
