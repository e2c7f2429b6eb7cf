"""pandera schemas for the input tables, built from the catalogue.

Schemas check text cells as read (see :mod:`evaluation.io`); the error text of each
check starts with its rule id (``known_unit``, ``valid_range`` …), which the report
in :mod:`evaluation.validate` turns into a sentence naming the expected value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.compute as pc

from evaluation.catalogue import Catalogue
from evaluation.periods import FREQUENCIES, PATTERNS, label, parse

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-]*$"
PERIOD_PATTERN = "^(" + "|".join(f"(?:{p})" for p in PATTERNS.values()) + ")$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


def to_numbers(values: pd.Series) -> pd.Series:
    """Text cells as numbers (NaN where not a number); Arrow's cast when all parse."""
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    try:  # Arrow parses a whole column of valid numbers ~15x faster than pandas
        numbers = pc.cast(pa_arrow.array(values), pa_arrow.float64())
        return pd.Series(numbers.to_numpy(zero_copy_only=False), index=values.index)
    except (pa_arrow.ArrowInvalid, pa_arrow.ArrowTypeError):
        return pd.to_numeric(values, errors="coerce")


def _per_value(test):
    """A column check run once per distinct value (ids and labels repeat a lot)."""

    def check(values: pd.Series) -> pd.Series:
        codes, uniques = pd.factorize(values)
        ok = np.asarray(test(pd.Series(uniques, dtype="str")), dtype=bool)
        ok = np.append(ok, True)  # code -1 (empty cell) is the nullable check's job
        return pd.Series(ok[codes], index=values.index)

    return check


def _known(allowed, rule: str) -> pa.Check:
    allowed = pd.Index(list(allowed))
    return pa.Check(_per_value(lambda u: u.isin(allowed)), error=rule)


def _matches(pattern: str, rule: str) -> pa.Check:
    return pa.Check(
        _per_value(lambda u: u.str.fullmatch(pattern).fillna(False)), error=rule
    )


def _lookup(keys: pd.Series, table: pd.Series) -> np.ndarray:
    """``table[key]`` for each key, via the distinct keys."""
    codes, uniques = pd.factorize(keys)
    found = table.reindex(uniques).to_numpy()
    return (
        np.where(codes >= 0, found[codes], None)
        if found.dtype == object
        else np.where(codes >= 0, found[np.maximum(codes, 0)], np.nan)
    )


def units_schema(catalogue: Catalogue) -> pa.DataFrameSchema:
    """Units: unique ids, bilingual names, a known peer group and level."""
    groups = [g.id for g in catalogue.peer_groups]
    return pa.DataFrameSchema(
        {
            "unit_id": pa.Column(str, _matches(ID_PATTERN, "id_format"), unique=True),
            "name_zh": pa.Column(str),
            "name_en": pa.Column(str),
            "peer_group": pa.Column(str, _known(groups, "known_peer_group")),
            "level": pa.Column(
                str, _known(catalogue.settings.unit_levels, "known_level")
            ),
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
            "unit_id": pa.Column(str, _known(unit_ids, "known_unit")),
            "period": pa.Column(str, _matches(PERIOD_PATTERN, "period_format")),
            "indicator_id": pa.Column(str, _known(series.index, "known_indicator")),
            "value": pa.Column(
                nullable=True,
                checks=pa.Check(
                    lambda s: s.isna() | to_numbers(s).notna(), error="numeric"
                ),
            ),
            "reported_at": pa.Column(
                str,
                _matches(DATE_PATTERN, "date_format"),
                nullable=True,
                required=False,
            ),
        },
        checks=[
            pa.Check(_in_valid_range(series), error="valid_range"),
            pa.Check(_period_matches_frequency(series), error="period_frequency"),
            pa.Check(_unique_key, error="multiple_fields_uniqueness"),
        ],
        strict=True,
        name="observations",
    )


def events_schema(catalogue: Catalogue, unit_ids) -> pa.DataFrameSchema:
    """Events: a known unit and event type, a period label; each reported once."""
    return pa.DataFrameSchema(
        {
            "unit_id": pa.Column(str, _known(unit_ids, "known_unit")),
            "period": pa.Column(str, _matches(PERIOD_PATTERN, "period_format")),
            "event_id": pa.Column(
                str, _known([e.id for e in catalogue.events], "known_event")
            ),
            "description": pa.Column(str, nullable=True, required=False),
            "reference": pa.Column(str, nullable=True, required=False),
            "reported_at": pa.Column(
                str,
                _matches(DATE_PATTERN, "date_format"),
                nullable=True,
                required=False,
            ),
        },
        unique=["unit_id", "period", "event_id"],
        strict=True,
        name="events",
    )


KEY = ["unit_id", "period", "indicator_id"]


def _unique_key(df: pd.DataFrame) -> pd.Series:
    """One row per (unit, period, indicator): every copy of a repeated key fails."""
    codes = [pd.factorize(df[c])[0].astype(np.int64) for c in KEY]
    key = (codes[0] * (codes[1].max() + 2) + codes[1]) * (codes[2].max() + 2) + codes[2]
    dup = pd.Series(key).duplicated(keep=False).to_numpy()
    incomplete = (codes[0] < 0) | (codes[1] < 0) | (codes[2] < 0)
    return pd.Series(~dup | incomplete, index=df.index)


def _in_valid_range(series: pd.DataFrame):
    """One vectorised check for every series: value within [valid_min, valid_max]."""

    def check(df: pd.DataFrame) -> pd.Series:
        value = to_numbers(df["value"]).to_numpy()
        low = _lookup(df["indicator_id"], series["valid_min"]).astype(float)
        high = _lookup(df["indicator_id"], series["valid_max"]).astype(float)
        with np.errstate(invalid="ignore"):
            bad = ~np.isnan(value) & ~np.isnan(low) & ((value < low) | (value > high))
        return pd.Series(~bad, index=df.index)

    return check


def _period_matches_frequency(series: pd.DataFrame):
    """Each period label is written in its series' frequency (monthly → 2025-M03)."""

    def check(df: pd.DataFrame) -> pd.Series:
        codes, labels = pd.factorize(df["period"])
        label_freq = np.append(parse(pd.Series(labels))["frequency"].to_numpy(), None)
        written = label_freq[codes]
        expected = _lookup(df["indicator_id"], series["frequency"])
        unknown = pd.isna(written) | pd.isna(expected)  # other checks report these
        return pd.Series(unknown | (written == expected), index=df.index)

    return check


def absent_rows(
    observations: pd.DataFrame, catalogue: Catalogue, unit_ids
) -> pd.DataFrame:
    """Keys no agency sent: every unit × series × period of the series' frequency,
    between the first and last period of that frequency in the data.

    Counts keys with integer codes (no grid is built unless something is absent).
    """
    series = catalogue.series
    unit_ids = pd.Index(list(unit_ids))
    p_codes, labels = pd.factorize(observations["period"])
    parsed = parse(pd.Series(labels))
    month = (parsed["year"] * 12 + parsed["end_month"]).to_numpy()
    u = unit_ids.get_indexer(observations["unit_id"])
    s_codes, s_uniques = pd.factorize(observations["indicator_id"])
    frames = []
    for freq, (_, size) in FREQUENCIES.items():
        ids = pd.Index(series.index[series["frequency"] == freq])
        mine = (parsed["frequency"] == freq).to_numpy()
        if ids.empty or not mine.any():
            continue
        months = np.arange(month[mine].min(), month[mine].max() + 1, size)
        period_pos = np.searchsorted(months, month)  # valid only where ``mine``
        row_mine = np.append(mine, False)[p_codes]
        s = np.append(ids.get_indexer(s_uniques), -1)[s_codes]
        ok = row_mine & (u >= 0) & (s >= 0)
        key = (u[ok] * len(months) + np.append(period_pos, 0)[p_codes][ok]) * len(
            ids
        ) + s[ok]
        seen = np.bincount(key, minlength=len(unit_ids) * len(months) * len(ids))
        holes = np.flatnonzero(seen == 0)
        if holes.size:
            uu, rest = np.divmod(holes, len(months) * len(ids))
            pp, ss = np.divmod(rest, len(ids))
            frames.append(
                pd.DataFrame(
                    {
                        "unit_id": unit_ids[uu],
                        "period": [
                            label(int((m - 1) // 12), int((m - 1) % 12 + 1), freq)
                            for m in months[pp]
                        ],
                        "indicator_id": ids[ss],
                    }
                )
            )
    if not frames:
        return pd.DataFrame(columns=KEY)
    return pd.concat(frames, ignore_index=True)
