"""pandera schemas for the input tables, built from the catalogue.

Schemas check text cells as read (see :mod:`evaluation.io`); the error text of each
check starts with its rule id (``known_unit``, ``valid_range``, ``whole_number`` …),
which the report in :mod:`evaluation.validate` turns into a sentence naming the
expected value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.compute as pc

from evaluation.catalogue import Catalogue
from evaluation.intake.io import MAX_CELL_CHARS
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


class Reading:
    """What the checks of one table share: each column factorized once, the value
    column read as numbers once (pandera hands every check its column anew, and
    factorizing a column of millions of ids is the cost of a check).

    Serves only columns of the table it was made for (same name, same rows); any
    other column is computed afresh. ``Reading()`` shares nothing.
    """

    def __init__(self, table: pd.DataFrame | None = None):
        self._table = table
        self._done: dict = {}

    def factorize(self, values: pd.Series) -> tuple[np.ndarray, pd.Index]:
        """``pd.factorize(values)``."""
        return self._once("codes", values, pd.factorize)

    def numbers(self, values: pd.Series) -> pd.Series:
        """``to_numbers(values)``."""
        return self._once("numbers", values, to_numbers)

    def _once(self, kind: str, values: pd.Series, compute):
        table = self._table
        if (
            table is None
            or values.name not in table.columns
            or len(values) != len(table)
            or not values.index.equals(table.index)
        ):
            return compute(values)
        key = (kind, values.name)
        if key not in self._done:
            self._done[key] = compute(values)
        return self._done[key]


def _per_value(test, reading: Reading):
    """A column check run once per distinct value (ids and labels repeat a lot)."""

    def check(values: pd.Series) -> pd.Series:
        codes, uniques = reading.factorize(values)
        ok = np.asarray(test(pd.Series(uniques, dtype="str")), dtype=bool)
        ok = np.append(ok, True)  # code -1 (empty cell) is the nullable check's job
        return pd.Series(ok[codes], index=values.index)

    return check


def _known(allowed, rule: str, reading: Reading | None = None) -> pa.Check:
    allowed = pd.Index(list(allowed))
    return pa.Check(
        _per_value(lambda u: u.isin(allowed), reading or Reading()),
        error=rule,
        ignore_na=False,  # empty cells pass (``_per_value``): no copy without them
    )


def _matches(pattern: str, rule: str, reading: Reading | None = None) -> pa.Check:
    return pa.Check(
        _per_value(
            lambda u: u.str.fullmatch(pattern).fillna(False), reading or Reading()
        ),
        error=rule,
        ignore_na=False,  # empty cells pass (``_per_value``): no copy without them
    )


def _date(reading: Reading | None = None) -> pa.Check:
    """A calendar date written YYYY-MM-DD (2025-02-30 is refused: the day late
    reports are counted from must exist)."""

    def real(u: pd.Series) -> pd.Series:
        shaped = u.str.fullmatch(DATE_PATTERN).fillna(False)
        parsed = pd.to_datetime(u.where(shaped), format="%Y-%m-%d", errors="coerce")
        return shaped & parsed.notna()

    return pa.Check(
        _per_value(real, reading or Reading()),
        error="date_format",
        ignore_na=False,  # empty cells pass (``_per_value``): no copy without them
    )


def _short(reading: Reading | None = None) -> pa.Check:
    """A text cell of at most :data:`MAX_CELL_CHARS` characters."""
    return pa.Check(
        _per_value(lambda u: u.str.len() <= MAX_CELL_CHARS, reading or Reading()),
        error="cell_length",
        ignore_na=False,  # empty cells pass (``_per_value``): no copy without them
    )


def _short_or_number(reading: Reading):
    """A value cell that is a number, or text of at most :data:`MAX_CELL_CHARS`
    characters: only the cells that are not numbers are measured."""

    def check(values: pd.Series) -> pd.Series:
        ok = (values.isna() | reading.numbers(values).notna()).to_numpy(copy=True)
        if not ok.all():  # text cells only (a numeric column has none)
            ok[~ok] = values[~ok].astype(str).str.len().to_numpy() <= MAX_CELL_CHARS
        return pd.Series(ok, index=values.index)

    return pa.Check(check, error="cell_length", ignore_na=False)


def _lookup(keys: pd.Series, table: pd.Series, reading: Reading) -> np.ndarray:
    """``table[key]`` as floats for each key (NaN for an unknown or empty key), via
    the distinct keys."""
    codes, uniques = reading.factorize(keys)
    return np.append(table.reindex(uniques).to_numpy(dtype=float), np.nan)[codes]


def units_schema(catalogue: Catalogue) -> pa.DataFrameSchema:
    """Units: unique ids, bilingual names, a known peer group and level."""
    groups = [g.id for g in catalogue.peer_groups]
    return pa.DataFrameSchema(
        {
            "unit_id": pa.Column(
                str,
                [
                    _matches(ID_PATTERN, "id_format"),
                    _short(),
                    pa.Check(_once_trimmed, error="field_uniqueness"),
                ],
            ),
            "name_zh": pa.Column(str, _short()),
            "name_en": pa.Column(str, _short()),
            "peer_group": pa.Column(
                str, [_known(groups, "known_peer_group"), _short()]
            ),
            "level": pa.Column(
                str, [_known(catalogue.settings.unit_levels, "known_level"), _short()]
            ),
            "parent_id": pa.Column(str, _short(), nullable=True),
        },
        # the hierarchy, checked like the catalogue's: parents exist, no unit is its
        # own parent, following parents up never comes back round
        checks=[
            pa.Check(_parent_known, error="known_parent"),
            pa.Check(_not_own_parent, error="own_parent"),
            pa.Check(_parents_end, error="parent_cycle"),
        ],
        strict=True,
        name="units",
    )


def _once_trimmed(values: pd.Series) -> pd.Series:
    """Each id once, compared without spaces at its start or end: ``'D07 '`` beside
    D07 is the same unit twice, said with its spaces in the same round."""
    return ~values.str.strip().duplicated(keep=False)


def _parent_known(df: pd.DataFrame) -> pd.Series:
    """A parent is a unit of the table, its id without spaces at its start or end
    (a spaced ``unit_id`` is said once, on its own row)."""
    return df["parent_id"].isna() | df["parent_id"].isin(df["unit_id"].str.strip())


def _not_own_parent(df: pd.DataFrame) -> pd.Series:
    """A unit is not its own parent, ids compared without their spaces (``'D07 '``
    over D07 is D07 over itself: said with the spaces, in one round)."""
    return df["parent_id"].isna() | (
        df["parent_id"].str.strip() != df["unit_id"].str.strip()
    )


def _parents_end(df: pd.DataFrame) -> pd.Series:
    """Following ``parent_id`` up from each unit ends at a unit without a parent (or
    an unknown one: ``known_parent`` says so). Every unit whose chain of parents
    loops fails, on the loop or leading into it (as the catalogue reports each
    dimension), except a unit that is its own parent: ``own_parent`` says so. Each
    unit settled once (national tables have 100,000 units). Ids are compared
    without their spaces, as :func:`_parent_known` and :func:`_not_own_parent`."""
    has = df["unit_id"].notna() & df["parent_id"].notna()
    unit_id, parent_id = df["unit_id"].str.strip(), df["parent_id"].str.strip()
    parent = dict(zip(unit_id[has], parent_id[has], strict=True))
    loops: dict = {}  # unit → whether following its parents comes back round
    for start in parent:
        chain, seen, node = [], set(), start
        while node in parent and node not in loops and node not in seen:
            chain.append(node)
            seen.add(node)
            node = parent[node]
        verdict = node in seen or loops.get(node, False)
        loops.update(dict.fromkeys(chain, verdict))
    looping = [loops.get(u, False) for u in unit_id]
    return ~pd.Series(looping, index=df.index) | (parent_id == unit_id)


def observations_schema(
    catalogue: Catalogue, unit_ids, reading: Reading | None = None
) -> pa.DataFrameSchema:
    """Observations: known keys, one row per key, values in range, right period type.

    ``reading``: the table's columns read once for every check (see :class:`Reading`).
    """
    series = catalogue.series
    r = reading or Reading()
    return pa.DataFrameSchema(
        {
            "unit_id": pa.Column(str, [_known(unit_ids, "known_unit", r), _short(r)]),
            "period": pa.Column(
                str, [_matches(PERIOD_PATTERN, "period_format", r), _short(r)]
            ),
            "indicator_id": pa.Column(
                str, [_known(series.index, "known_indicator", r), _short(r)]
            ),
            "value": pa.Column(
                nullable=True,
                checks=[
                    pa.Check(
                        lambda s: s.isna() | r.numbers(s).notna(),
                        error="numeric",
                        ignore_na=False,  # empty cells pass: the column, read once
                    ),
                    _short_or_number(r),
                ],
            ),
            "reported_at": pa.Column(
                str,
                [_date(r), _short(r)],
                nullable=True,
                required=False,
            ),
        },
        # each frame-wide check passes rows with empty cells itself (ignore_na
        # would scan every cell of the frame again)
        checks=[
            pa.Check(_in_valid_range(series, r), error="valid_range", ignore_na=False),
            pa.Check(_whole_count(series, r), error="whole_number", ignore_na=False),
            pa.Check(
                _period_matches_frequency(series, r),
                error="period_frequency",
                ignore_na=False,
            ),
            pa.Check(
                _unique_key(r), error="multiple_fields_uniqueness", ignore_na=False
            ),
        ],
        strict=True,
        name="observations",
    )


def events_schema(catalogue: Catalogue, unit_ids) -> pa.DataFrameSchema:
    """Events: a known unit and event type, a period label; each reported once."""
    return pa.DataFrameSchema(
        {
            "unit_id": pa.Column(str, [_known(unit_ids, "known_unit"), _short()]),
            "period": pa.Column(
                str, [_matches(PERIOD_PATTERN, "period_format"), _short()]
            ),
            "event_id": pa.Column(
                str, [_known([e.id for e in catalogue.events], "known_event"), _short()]
            ),
            "description": pa.Column(str, _short(), nullable=True, required=False),
            "reference": pa.Column(str, _short(), nullable=True, required=False),
            "reported_at": pa.Column(
                str,
                [_date(), _short()],
                nullable=True,
                required=False,
            ),
        },
        unique=["unit_id", "period", "event_id"],
        strict=True,
        name="events",
    )


KEY = ["unit_id", "period", "indicator_id"]


def _unique_key(reading: Reading):
    """One row per (unit, period, indicator): every copy of a repeated key fails."""

    def check(df: pd.DataFrame) -> pd.Series:
        codes = [_trimmed_codes(*reading.factorize(df[c])) for c in KEY]
        incomplete = (codes[0] < 0) | (codes[1] < 0) | (codes[2] < 0)
        sizes = [int(c.max()) + 2 for c in codes]  # codes -1 … max, shifted by 1
        key = codes[0] + 1
        for c, size in zip(codes[1:], sizes[1:], strict=True):
            key *= size
            key += c
            key += 1
        if sizes[0] * sizes[1] * sizes[2] <= 2 * len(key) + 2**20:  # count keys
            dup = np.bincount(key, minlength=sizes[0] * sizes[1] * sizes[2])[key] > 1
        else:
            dup = pd.Series(key).duplicated(keep=False).to_numpy()
        return pd.Series(~dup | incomplete, index=df.index)

    return check


def _trimmed_codes(codes: np.ndarray, uniques) -> np.ndarray:
    """Codes of a column's values without spaces at their start or end (``'D07 '``
    and D07 one code: a key sent twice, one copy spaced, is a repeated key, said
    with the spaces in the same round); -1 stays -1. Trimmed on the distinct
    values only."""
    codes = np.asarray(codes, np.int64)
    text = pd.Index(uniques, dtype=object).astype(str)
    trimmed = text.str.strip()
    if trimmed.equals(text):
        return codes
    same = np.append(pd.factorize(trimmed)[0], -1)
    return same[codes]


def _in_valid_range(series: pd.DataFrame, reading: Reading):
    """One vectorised check for every series: value within [valid_min, valid_max]."""

    def check(df: pd.DataFrame) -> pd.Series:
        value = reading.numbers(df["value"]).to_numpy()
        low = _lookup(df["indicator_id"], series["valid_min"], reading)
        high = _lookup(df["indicator_id"], series["valid_max"], reading)
        with np.errstate(invalid="ignore"):
            bad = ~np.isnan(value) & ~np.isnan(low) & ((value < low) | (value > high))
        return pd.Series(~bad, index=df.index)

    return check


def _whole_count(series: pd.DataFrame, reading: Reading):
    """One vectorised check for every series: a count's value (``series["count"]``:
    件, 个 …) is a whole number (1.5 items is no count; 2.0 is 2)."""

    def check(df: pd.DataFrame) -> pd.Series:
        counted = _lookup(df["indicator_id"], series["count"], reading) == 1
        if not counted.any():
            return pd.Series(True, index=df.index)
        value = reading.numbers(df["value"]).to_numpy()
        with np.errstate(invalid="ignore"):
            bad = counted & ~np.isnan(value) & (np.floor(value) != value)
        return pd.Series(~bad, index=df.index)

    return check


def _period_matches_frequency(series: pd.DataFrame, reading: Reading):
    """Each period label is written in its series' frequency (monthly → 2025-M03)."""
    names = pd.Index(list(FREQUENCIES))  # frequencies compared as their positions

    def check(df: pd.DataFrame) -> pd.Series:
        codes, labels = reading.factorize(df["period"])
        written = names.get_indexer(parse(pd.Series(labels))["frequency"])
        s_codes, ids = reading.factorize(df["indicator_id"])
        expected = names.get_indexer(series["frequency"].reindex(ids))
        written = np.append(written, -1)[codes]  # -1: not a label, or empty
        expected = np.append(expected, -1)[s_codes]
        unknown = (written < 0) | (expected < 0)  # other checks report these
        return pd.Series(unknown | (written == expected), index=df.index)

    return check


def absent_rows(
    observations: pd.DataFrame,
    catalogue: Catalogue,
    unit_ids,
    reading: Reading | None = None,
) -> pd.DataFrame:
    """Keys no agency sent: every unit × series × period of the series' frequency,
    between the first and last period of that frequency in the data.

    Counts keys with integer codes (no grid is built unless something is absent).
    """
    r = reading or Reading()
    series = catalogue.series
    unit_ids = pd.Index(list(unit_ids))
    p_codes, labels = r.factorize(observations["period"])
    parsed = parse(pd.Series(labels))
    month = (parsed["year"] * 12 + parsed["end_month"]).to_numpy()
    u_codes, u_uniques = r.factorize(observations["unit_id"])
    u = np.append(unit_ids.get_indexer(u_uniques), -1)[u_codes]
    s_codes, s_uniques = r.factorize(observations["indicator_id"])
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
