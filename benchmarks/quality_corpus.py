"""The labelled corpus of reporting anomalies (``quality_corpus.yaml``): load and check
it, plant its cases in a copy of a dataset folder, and score a screen's flags on them.

The corpus is an independent yardstick for the data-quality screen: its cases are
written by hand from what reporting clerks are documented to do, not from the screen
nor from :func:`evaluation.generate.inject_anomalies`. Nothing here imports the
screen; it reads a flags table with the columns the screen's contract names
(``unit_id, period, since, indicator_id``, ``since`` optional).

* :func:`load_corpus` reads the YAML file into frozen pydantic models; a bad case is
  a :class:`CorpusError` naming the case and the field.
* :func:`plant` copies a dataset folder with the cases applied (every file still
  validates) and returns the truth table: what each case changed, where and when.
* :func:`batches` splits cases so that no unit is planted twice, nor planted and
  copied from, in one copy.
* :func:`score` says which cases some flag found and how much of the untouched data
  the flags cover (false alarms).

**Found**: some flag names the planted unit, its evidence window (``since`` …
``period``, in months; a missing ``since`` is the unit's whole history up to
``period``) overlaps the months the case touched, and its ``indicator_id`` is one of
the planted series or empty (a flag about the whole submission or unit).
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, get_args

import numpy as np
import pandas as pd
import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

import evaluation as ev
from evaluation import periods as P
from evaluation.fields import Model, Number, Positive, Text
from evaluation.generate import write_city

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "benchmarks" / "quality_corpus.yaml"
CATALOGUE = ROOT / "indicators.yaml"

Kind = Literal[
    "perfect_window",
    "frozen_window",
    "repeat_submission",
    "copy_series",
    "copy_shifted",
    "copy_near",
    "late",
    "missing",
    "inflate",
    "conceal",
    "last_year",
    "rounded",
    "linear_trend",
]
#: the kinds of anomaly, in the order the benchmark reports them
KINDS = get_args(Kind)

SeriesId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
UnitId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_]+$", max_length=32)]
CaseId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
Label = Annotated[
    str, Field(pattern=r"^\d{4}(-(M(0[1-9]|1[0-2])|B[1-6]|Q[1-4]|H[12]))?$")
]


class CorpusError(ValueError):
    """The corpus file is not valid; the message names each bad case and field."""


class PlantError(ValueError):
    """A case cannot be planted in this dataset (a unit, series or period it lacks)."""


# ------------------------------------------------------------------ period labels
def _end(label: str) -> tuple[str, int]:
    """Frequency and index of the last month (months since year 0, 0-based)."""
    freq, year, end_month = P.year_end(label)
    return freq, year * 12 + end_month - 1


def shift(label: str, k: int) -> str:
    """The label ``k`` periods after ``label`` (before it when ``k < 0``)."""
    freq, end = _end(label)
    end += k * P.months_per(freq)
    return P.label(end // 12, end % 12 + 1, freq)


def month_label(index: int) -> str:
    return f"{index // 12:04d}-M{index % 12 + 1:02d}"


def month_span(label: str) -> tuple[int, int]:
    """First and last month index of a period label."""
    freq, end = _end(label)
    return end - P.months_per(freq) + 1, end


def months_of(label: str) -> list[str]:
    """The months a period covers: ``2025-Q2`` → 2025-M04, 2025-M05, 2025-M06."""
    first, last = month_span(label)
    return [month_label(i) for i in range(first, last + 1)]


def period_end(label: str) -> dt.date:
    """Last day of the period."""
    _, end = _end(label)
    year, month = end // 12, end % 12 + 1
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def expand(periods: str | int | Sequence[str | int]) -> tuple[str, ...]:
    """``2025-M01..2025-M03`` → the three labels; a label or list of labels as is."""
    if isinstance(periods, int):
        periods = str(periods)
    if isinstance(periods, str):
        if ".." not in periods:
            return (periods.strip(),)
        first, last = (p.strip() for p in periods.split("..", 1))
        for p in (first, last):
            P.frequency_of(p)  # ValueError names a bad label
        if P.frequency_of(first) != P.frequency_of(last):
            raise ValueError(f"range {periods!r} mixes two frequencies")
        if _end(last)[1] < _end(first)[1]:
            raise ValueError(f"range {periods!r} ends before it starts")
        out, p = [first], first
        while p != last:
            p = shift(p, 1)
            out.append(p)
        return tuple(out)
    return tuple(str(p).strip() for p in periods)


def _expand_field(value):
    try:
        return expand(value)
    except ValueError as exc:
        raise ValueError(str(exc)) from None


# ------------------------------------------------------------------ the model
class _Op(Model):
    periods: tuple[Label, ...] = Field(min_length=1)

    @field_validator("periods", mode="before")
    @classmethod
    def _expand(cls, value):
        return _expand_field(value)

    @property
    def series_ids(self) -> tuple[str, ...]:
        return tuple(getattr(self, "series", None) or ())


class Constant(_Op):
    """Every period gets ``value``: a number, ``best`` or ``hold``."""

    op: Literal["constant"]
    series: tuple[SeriesId, ...] = Field(min_length=1)
    value: Number | Literal["best", "hold"]


class RepeatPrevious(_Op):
    """The agency's submission for each period repeats the one before it."""

    op: Literal["repeat_previous"]
    agency: SeriesId


class Edit(Model):
    period: Label
    delta: Number


class Copy(_Op):
    """Value at t = source unit's value at t - lag, then the edits."""

    op: Literal["copy"]
    series: tuple[SeriesId, ...] = Field(min_length=1)
    source: UnitId
    lag: int = Field(0, ge=0, le=240)
    edits: tuple[Edit, ...] = ()


class Scale(_Op):
    """Value × factor (base: the period's value, or the unit's earlier median)."""

    op: Literal["scale"]
    series: tuple[SeriesId, ...] = Field(min_length=1)
    factor: float = Field(ge=0, allow_inf_nan=False)
    base: Literal["value", "median_before"] = "value"


class Blank(_Op):
    """Value cells left empty: the agency's whole submission, or some series."""

    op: Literal["blank"]
    agency: SeriesId | None = None
    series: tuple[SeriesId, ...] | None = None

    @model_validator(mode="after")
    def _one_target(self):
        if (self.agency is None) == (not self.series):
            raise ValueError("blank takes either agency or series, not both")
        return self


class Delay(_Op):
    """reported_at = last day of the period + days."""

    op: Literal["delay"]
    agency: SeriesId
    days: int = Field(ge=1, le=730)


class Round(_Op):
    """Every value rounded to a multiple of step."""

    op: Literal["round"]
    series: tuple[SeriesId, ...] = Field(min_length=1)
    step: Positive


class Linear(_Op):
    """A straight line from first to last over the periods."""

    op: Literal["linear"]
    series: tuple[SeriesId, ...] = Field(min_length=1)
    first: Number
    last: Number


Operation = Annotated[
    Constant | RepeatPrevious | Copy | Scale | Blank | Delay | Round | Linear,
    Field(discriminator="op"),
]


def _fits(kind: str, op, unit: str) -> str | None:
    """Why ``op`` cannot plant ``kind`` (None when it can)."""
    copy = isinstance(op, Copy)
    other = copy and op.source != unit
    rules = {
        "perfect_window": (
            isinstance(op, Constant) and op.value == "best",
            "op constant with value: best",
        ),
        "frozen_window": (
            isinstance(op, Constant) and op.value != "best",
            "op constant with a number or hold",
        ),
        "repeat_submission": (isinstance(op, RepeatPrevious), "op repeat_previous"),
        "copy_series": (
            other and op.lag == 0 and not op.edits,
            "op copy from another unit, lag 0, no edits",
        ),
        "copy_shifted": (
            other and op.lag >= 1 and not op.edits,
            "op copy from another unit, lag ≥ 1, no edits",
        ),
        "copy_near": (other and bool(op.edits), "op copy from another unit, edits"),
        "last_year": (
            copy and op.source == unit and op.lag >= 1,
            "op copy with source: the unit itself and lag one year",
        ),
        "late": (isinstance(op, Delay), "op delay"),
        "missing": (isinstance(op, Blank), "op blank"),
        "inflate": (
            isinstance(op, Scale) and op.factor >= 2,
            "op scale with factor ≥ 2",
        ),
        "conceal": (
            isinstance(op, Scale) and op.factor <= 0.5,
            "op scale with factor ≤ 0.5",
        ),
        "rounded": (isinstance(op, Round), "op round"),
        "linear_trend": (isinstance(op, Linear), "op linear"),
    }
    ok, needs = rules[kind]
    return None if ok else f"a {kind} case needs {needs}"


class Source(Model):
    """A published case whose pattern a corpus case plants."""

    url: Annotated[str, Field(pattern=r"^https?://\S+$")]
    title: Text
    what: Text


class Case(Model):
    """One anomaly planted in one unit."""

    id: CaseId
    kind: Kind
    unit: UnitId
    operation: Operation
    description_zh: Text
    description_en: Text
    source: CaseId

    @model_validator(mode="after")
    def _kind_fits_operation(self):
        why = _fits(self.kind, self.operation, self.unit)
        if why:
            raise ValueError(f"operation: {why}")
        op = self.operation
        if isinstance(op, Copy):
            missing = [e.period for e in op.edits if e.period not in op.periods]
            if missing:
                raise ValueError(
                    f"operation.edits: periods {missing} are not among the copied ones"
                )
        return self

    @property
    def source_units(self) -> frozenset[str]:
        """Units read but not changed (the unit copied from)."""
        op = self.operation
        if isinstance(op, Copy) and op.source != self.unit:
            return frozenset({op.source})
        return frozenset()


class Corpus(Model):
    """The corpus file: its published sources and its cases."""

    version: Literal[1]
    sources: dict[CaseId, Source] = {}
    cases: tuple[Case, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_and_sources(self):
        seen: set[str] = set()
        for case in self.cases:
            if case.id in seen:
                raise ValueError(f"case {case.id!r}: id: used twice")
            seen.add(case.id)
            if case.source != "hand" and case.source not in self.sources:
                raise ValueError(
                    f"case {case.id!r}: source: {case.source!r} is neither 'hand' nor "
                    f"one of the sources ({', '.join(sorted(self.sources))})"
                )
        return self

    def select(self, ids: Iterable[str]) -> list[Case]:
        """The cases with these ids, in that order (KeyError names a missing id)."""
        by_id = {c.id: c for c in self.cases}
        return [by_id[i] for i in ids]


def _catalogue(catalogue) -> ev.Catalogue:
    if catalogue is None:
        catalogue = CATALOGUE
    if isinstance(catalogue, str | Path):
        return ev.load_catalogue(catalogue)
    return catalogue


def _series_table(cat: ev.Catalogue) -> dict[str, object]:
    return {s.id: s for s in [*cat.indicators, *cat.context]}


def agency_series(cat: ev.Catalogue, agency: str, frequency: str) -> list[str]:
    """The series one agency reports at one frequency, in catalogue order."""
    return [
        s.id
        for s in [*cat.indicators, *cat.context]
        if s.agency == agency and s.frequency == frequency
    ]


def check(cases: Iterable[Case], catalogue) -> None:
    """Check cases against a catalogue: series and agencies exist, periods are in
    the series' frequency, values are inside the valid range; CorpusError if not."""
    cat = _catalogue(catalogue)
    series = _series_table(cat)
    agencies = {a.id for a in cat.agencies}
    problems = []
    for case in cases:
        op = case.operation

        def bad(field: str, message: str, case=case) -> None:
            problems.append(f"case {case.id!r}: operation.{field}: {message}")

        for sid in op.series_ids:
            if sid not in series:
                bad("series", f"{sid!r} is not a series of the catalogue")
                continue
            s = series[sid]
            wrong = [p for p in op.periods if P.frequency_of(p) != s.frequency]
            if wrong:
                bad("periods", f"{wrong} are not {s.frequency} periods of {sid}")
            low, high = s.valid.min, s.valid.max
            numbers = {
                "value": getattr(op, "value", None),
                "first": getattr(op, "first", None),
                "last": getattr(op, "last", None),
            }
            for field, v in numbers.items():
                if isinstance(v, float | int) and not low <= v <= high:
                    bad(field, f"{v} is outside {sid}'s valid range [{low}, {high}]")
            if getattr(op, "value", None) == "best" and not hasattr(s, "direction"):
                bad("value", f"{sid} is a context series: it has no best value")
            if isinstance(op, Copy) and case.kind == "last_year":
                if op.lag * P.months_per(s.frequency) != 12:
                    bad("lag", f"one year of {s.frequency} periods is not {op.lag}")
        agency = getattr(op, "agency", None)
        if agency is not None:
            if agency not in agencies:
                bad("agency", f"{agency!r} is not an agency of the catalogue")
            else:
                for p in op.periods:
                    if not agency_series(cat, agency, P.frequency_of(p)):
                        bad(
                            "periods",
                            f"{agency} reports no {P.frequency_of(p)} series ({p})",
                        )
    if problems:
        raise CorpusError("\n".join(problems))


def parse_corpus(data: dict, *, catalogue=None, source: str = "corpus") -> Corpus:
    """Validate a loaded corpus document (``catalogue=False`` skips the catalogue
    check)."""
    try:
        corpus = Corpus.model_validate(data)
    except ValidationError as exc:
        raise CorpusError(_describe(exc, data, source)) from None
    if catalogue is not False:
        check(corpus.cases, catalogue)
    return corpus


def load_corpus(path: str | Path = CORPUS, *, catalogue=None) -> Corpus:
    """Read and validate the corpus YAML file (against ``indicators.yaml`` unless
    another catalogue, or ``False``, is given)."""
    path = Path(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise CorpusError(f"{path}: the corpus is a mapping with version and cases")
    return parse_corpus(data, catalogue=catalogue, source=str(path))


def _describe(exc: ValidationError, data: dict, source: str) -> str:
    cases = data.get("cases") if isinstance(data, dict) else None
    lines = []
    for err in exc.errors():
        loc = list(err["loc"])
        where = ".".join(map(str, loc)) or "(top)"
        if len(loc) >= 2 and loc[0] == "cases" and isinstance(loc[1], int):
            raw = cases[loc[1]] if isinstance(cases, list) else None
            name = raw.get("id") if isinstance(raw, dict) else None
            rest = loc[2:]
            if len(rest) >= 2 and rest[0] == "operation":
                rest = [rest[0], *rest[2:]]  # drop the union tag (the op's name)
            field = ".".join(map(str, rest))
            who = f"case {name!r}" if name else f"case #{loc[1] + 1}"
            message = err["msg"].removeprefix("Value error, ")
            lines.append(f"{who}: {field + ': ' if field else ''}{message}")
        else:
            lines.append(f"{where}: {err['msg']}")
    return f"{source}: {len(lines)} problem(s)\n" + "\n".join(lines)


# ------------------------------------------------------------------ batches
def batches(cases: Iterable[Case]) -> list[list[Case]]:
    """Split cases (keeping their order) into groups planted in one copy each: no
    unit is planted twice in a group, nor planted by one case and copied from by
    another."""
    groups: list[tuple[list[Case], set[str], set[str]]] = []
    for case in cases:
        for members, planted, read in groups:
            if case.unit in planted | read or case.source_units & planted:
                continue
            members.append(case)
            planted.add(case.unit)
            read.update(case.source_units)
            break
        else:
            groups.append(([case], {case.unit}, set(case.source_units)))
    return [members for members, _, _ in groups]


# ------------------------------------------------------------------ planting
TRUTH_COLUMNS = [
    "case_id",
    "kind",
    "unit_id",
    "agency",
    "series",
    "source_unit",
    "units",
    "periods",
    "months",
    "cells",
]


class _Planter:
    """The observations table of one dataset, changed case by case."""

    def __init__(self, table: pd.DataFrame, cat: ev.Catalogue, decimals, units):
        self.table = table
        self.cat = cat
        self.series = _series_table(cat)
        self.decimals = decimals
        self.units = units
        self.values = table["value"].to_numpy(dtype=float, copy=True)
        self.reported = table["reported_at"].to_numpy(dtype=object, copy=True)
        keys = zip(
            table["unit_id"], table["period"], table["indicator_id"], strict=True
        )
        self.where = {k: i for i, k in enumerate(keys)}
        self.labels: dict[tuple[str, str], list[str]] = {}
        for (unit, period, sid), _ in self.where.items():
            self.labels.setdefault((unit, sid), []).append(period)
        for k, v in self.labels.items():
            self.labels[k] = sorted(set(v), key=lambda p: _end(p)[1])

    # -- cells
    def pos(self, case: Case, unit: str, period: str, sid: str) -> int:
        try:
            return self.where[(unit, period, sid)]
        except KeyError:
            raise PlantError(
                f"case {case.id!r}: the dataset has no row for {unit} {period} {sid}"
            ) from None

    def put(self, i: int, sid: str, value: float) -> bool:
        s = self.series[sid]
        if not np.isnan(value):
            value = float(np.round(value, self.decimals.get(sid, 2)))
            value = float(np.clip(value, s.valid.min, s.valid.max))
        old = self.values[i]
        self.values[i] = value
        return not (old == value or (np.isnan(old) and np.isnan(value)))

    def before(self, unit: str, sid: str, label: str) -> np.ndarray:
        """The unit's values of a series in periods before ``label``, in order."""
        end = _end(label)[1]
        earlier = [p for p in self.labels.get((unit, sid), []) if _end(p)[1] < end]
        return np.array([self.values[self.where[(unit, p, sid)]] for p in earlier])

    # -- one case
    def apply(self, case: Case) -> dict:
        op = case.operation
        for unit in (case.unit, *case.source_units):
            if unit not in self.units:
                raise PlantError(f"case {case.id!r}: unit {unit} is not in the dataset")
        labels = list(op.periods)
        agency = getattr(op, "agency", None)
        touched: list[tuple[str, str]] = []  # (period, series)
        if agency is not None:
            for p in labels:
                for sid in agency_series(self.cat, agency, P.frequency_of(p)):
                    touched.append((p, sid))
        else:
            touched = [(p, sid) for sid in op.series_ids for p in labels]
        changed = getattr(self, f"_{op.op}")(case, op, touched)
        sids = list(dict.fromkeys(sid for _, sid in touched))
        agencies = sorted({self.series[sid].agency for sid in sids})
        months = sorted({m for p in labels for m in months_of(p)})
        source_unit = next(iter(case.source_units), None)
        return {
            "case_id": case.id,
            "kind": case.kind,
            "unit_id": case.unit,
            "agency": agency or ",".join(agencies),
            "series": tuple(sids),
            "source_unit": source_unit,
            "units": (case.unit, *sorted(case.source_units)),
            "periods": tuple(labels),
            "months": tuple(months),
            "cells": int(changed),
        }

    def _constant(self, case, op: Constant, touched) -> int:
        n = 0
        for sid in op.series:
            s = self.series[sid]
            if op.value == "best":
                value = s.valid.max if s.direction == "higher" else s.valid.min
            elif op.value == "hold":
                earlier = self.before(case.unit, sid, op.periods[0])
                earlier = earlier[~np.isnan(earlier)]
                if not len(earlier):
                    raise PlantError(
                        f"case {case.id!r}: {case.unit} reported no {sid} before "
                        f"{op.periods[0]} to hold"
                    )
                value = float(earlier[-1])
            else:
                value = float(op.value)
            for p in op.periods:
                n += self.put(self.pos(case, case.unit, p, sid), sid, value)
        return n

    def _repeat_previous(self, case, op: RepeatPrevious, touched) -> int:
        n = 0
        for p, sid in touched:
            prev = self.values[self.pos(case, case.unit, shift(p, -1), sid)]
            n += self.put(self.pos(case, case.unit, p, sid), sid, prev)
        return n

    def _copy(self, case, op: Copy, touched) -> int:
        n = 0
        deltas = {e.period: e.delta for e in op.edits}
        for sid in op.series:
            for p in op.periods:
                value = self.values[self.pos(case, op.source, shift(p, -op.lag), sid)]
                value = value + deltas.get(p, 0.0)
                n += self.put(self.pos(case, case.unit, p, sid), sid, value)
        return n

    def _scale(self, case, op: Scale, touched) -> int:
        n = 0
        for sid in op.series:
            earlier = self.before(case.unit, sid, op.periods[0])
            earlier = earlier[~np.isnan(earlier)]
            median = float(np.median(earlier)) if len(earlier) else np.nan
            for p in op.periods:
                i = self.pos(case, case.unit, p, sid)
                base = self.values[i] if op.base == "value" else median
                if np.isnan(base):
                    base = median
                n += self.put(i, sid, base * op.factor)
        return n

    def _blank(self, case, op: Blank, touched) -> int:
        return sum(
            self.put(self.pos(case, case.unit, p, sid), sid, np.nan)
            for p, sid in touched
        )

    def _delay(self, case, op: Delay, touched) -> int:
        n = 0
        for p, sid in touched:
            i = self.pos(case, case.unit, p, sid)
            sent = (period_end(p) + dt.timedelta(days=op.days)).isoformat()
            n += self.reported[i] != sent
            self.reported[i] = sent
        return n

    def _round(self, case, op: Round, touched) -> int:
        n = 0
        for p, sid in touched:
            i = self.pos(case, case.unit, p, sid)
            n += self.put(i, sid, np.round(self.values[i] / op.step) * op.step)
        return n

    def _linear(self, case, op: Linear, touched) -> int:
        line = np.linspace(op.first, op.last, len(op.periods))
        return sum(
            self.put(self.pos(case, case.unit, p, sid), sid, v)
            for sid in op.series
            for p, v in zip(op.periods, line, strict=True)
        )

    def result(self) -> pd.DataFrame:
        return self.table.assign(value=self.values, reported_at=self.reported)


def _decimals(observations: pd.DataFrame) -> dict[str, int]:
    """Decimals each series is reported with, read from the text cells."""
    text = observations["value"].dropna().astype(str)
    places = text.str.extract(r"\.(\d+)$")[0].str.len().fillna(0).astype(int)
    return places.groupby(observations.loc[text.index, "indicator_id"]).max().to_dict()


_FORMAT = {
    ("csv", "utf-8"): "csv-utf8",
    ("csv", "utf-8-sig"): "csv-utf8-bom",
    ("csv", "gb18030"): "csv-gb18030",
    ("xlsx", "xlsx"): "xlsx",
    ("parquet", "parquet"): "parquet",
}


def _formats(files: pd.DataFrame, cat: ev.Catalogue) -> dict[str, str]:
    """Each agency's file format as the dataset has it (``observations/<agency>.*``)."""
    agencies = {a.id for a in cat.agencies}
    out = {"*": "csv-utf8-bom"}
    for f in files.itertuples():
        path = Path(f.file)
        if f.table != "observations" or path.stem not in agencies:
            continue
        fmt = _FORMAT.get((path.suffix.lower().lstrip("."), str(f.encoding).lower()))
        if fmt:
            out[path.stem] = fmt
    return out


def plant(
    dataset_dir: str | Path,
    out_dir: str | Path,
    cases: Iterable[Case],
    *,
    catalogue=None,
    overwrite: bool = False,
) -> pd.DataFrame:
    """Copy the dataset folder ``dataset_dir`` to ``out_dir`` with ``cases`` applied
    in order, and return the truth table.

    The copy keeps every file (units, events, appraisal …); its observation files
    are written again, one per agency in the format the dataset has them
    (:func:`evaluation.generate.write_city`), with every row kept, so the copy
    validates as the original does. Planted values are rounded to the decimals the
    series is reported with and kept inside its valid range.

    The truth table has one row per case: ``case_id, kind, unit_id, agency, series``
    (the series touched), ``source_unit`` (copied from), ``units`` (planted and
    copied-from), ``periods``, ``months`` (the months those periods cover) and
    ``cells`` (value or reported_at cells actually changed; 0 when the data already
    looked like the case).
    """
    cases = list(cases)
    cat = _catalogue(catalogue)
    check(cases, cat)
    dataset = ev.load_dataset(dataset_dir)
    obs = dataset.observations
    table = obs[["unit_id", "period", "indicator_id", "value", "reported_at"]].copy()
    table["value"] = pd.to_numeric(table["value"], errors="raise")
    planter = _Planter(
        table, cat, _decimals(obs), set(dataset.units["unit_id"].astype(str))
    )
    truth = pd.DataFrame([planter.apply(c) for c in cases], columns=TRUTH_COLUMNS)
    out = Path(out_dir)
    if out.exists():
        if not overwrite:
            raise FileExistsError(f"{out} exists (overwrite=True replaces it)")
        shutil.rmtree(out)
    shutil.copytree(dataset_dir, out)
    for f in dataset.files.query("table == 'observations'")["file"]:
        (out / f).unlink()
    with tempfile.TemporaryDirectory() as tmp:
        written = write_city(
            {"units": dataset.units, "observations": planter.result()},
            tmp,
            cat,
            formats=_formats(dataset.files, cat),
        )
        (out / "observations").mkdir(exist_ok=True)
        for path in written:
            if path.parent.name == "observations":
                shutil.move(path, out / "observations" / path.name)
    return truth


# ------------------------------------------------------------------ scoring
def months_in(dataset_dir: str | Path) -> list[str]:
    """The months a dataset's periods cover, in order."""
    periods = ev.load_dataset(dataset_dir).observations["period"].unique()
    spans = [month_span(str(p)) for p in periods]
    first, last = min(s[0] for s in spans), max(s[1] for s in spans)
    return [month_label(i) for i in range(first, last + 1)]


def _blank(value) -> bool:
    """An empty cell: None, NaN, NA or blank text."""
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float):
        return bool(np.isnan(value))
    return isinstance(value, str) and not value.strip()


def flag_windows(flags: pd.DataFrame, first_month: str) -> pd.DataFrame:
    """Each flag's evidence window as month indices ``start, end``: from the first
    month of ``since`` (or ``first_month`` when since is missing) to the last month
    of ``period``."""
    start0 = month_span(first_month)[0]
    since = flags["since"] if "since" in flags else pd.Series(None, index=flags.index)
    starts, ends = [], []
    for s, p in zip(since, flags["period"], strict=True):
        ends.append(month_span(str(p))[1])
        starts.append(start0 if _blank(s) else month_span(str(s))[0])
    return flags.assign(start=starts, end=ends)


@dataclass(frozen=True)
class Score:
    """What a screen found of the planted cases and how much clean data it flagged."""

    cases: pd.DataFrame  #: the truth table with ``planted``, ``found``, ``flag_ids``
    recall: pd.DataFrame  #: per kind: planted, found, recall
    false_share: float  #: share of clean unit-months covered by any flag
    false_per_1000: float  #: flags naming a clean unit per 1,000 clean unit-months
    clean_unit_months: int
    false_flags: int
    #: the flags naming a clean unit (what the false alarms are)
    false_alarms: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)


def _key(flags: pd.DataFrame) -> pd.Series:
    cols = ("check", "unit_id", "indicator_id", "period", "since")
    parts = [
        flags[c].astype(object).map(lambda v: "" if _blank(v) else str(v))
        if c in flags
        else pd.Series("", index=flags.index)
        for c in cols
    ]
    return pd.Series(list(zip(*parts, strict=True)), index=flags.index)


def score(
    flags: pd.DataFrame,
    truth: pd.DataFrame,
    clean_units: Iterable[str],
    months: Sequence[str],
    *,
    baseline: pd.DataFrame | None = None,
) -> Score:
    """Score a screen's ``flags`` against the planted ``truth``.

    ``clean_units`` are the units no case touched (and, on a dataset with anomalies
    of its own, that the unmodified dataset's flags leave alone); ``months`` the
    months the dataset covers. A flag also raised on the unmodified dataset
    (``baseline``: same check, unit, indicator, period and since) finds nothing.
    """
    months = list(months)
    flags = flag_windows(flags.reset_index(drop=True), months[0])
    if baseline is not None and len(baseline) and len(flags):
        old = set(_key(baseline))
        fresh = flags[~_key(flags).isin(old)]
    else:
        fresh = flags
    by_unit = {u: f for u, f in fresh.groupby("unit_id")} if len(fresh) else {}
    found, ids = [], []
    for t in truth.itertuples():
        f = by_unit.get(t.unit_id)
        hit = []
        if f is not None and t.cells > 0:
            touched = [month_span(m)[0] for m in t.months]
            for r in f.itertuples():
                if not any(r.start <= m <= r.end for m in touched):
                    continue
                ind = r.indicator_id if hasattr(r, "indicator_id") else None
                if _blank(ind) or ind in t.series:
                    hit.append(getattr(r, "flag_id", r.Index))
        found.append(bool(hit))
        ids.append(tuple(hit))
    cases = truth.assign(planted=truth["cells"] > 0, found=found, flag_ids=ids)
    planted = cases[cases["planted"]]
    recall = (
        planted.groupby("kind", sort=False)["found"]
        .agg(planted="size", found="sum")
        .reindex([k for k in KINDS if k in set(planted["kind"])])
    )
    recall["recall"] = recall["found"] / recall["planted"]
    clean = set(clean_units)
    index = {month_span(m)[0] for m in months}
    on_clean = flags[flags["unit_id"].isin(clean)]
    covered = set()
    for r in on_clean.itertuples():
        covered |= {(r.unit_id, m) for m in range(r.start, r.end + 1) if m in index}
    total = len(clean) * len(months)
    return Score(
        cases=cases,
        recall=recall.reset_index(),
        false_share=len(covered) / total if total else float("nan"),
        false_per_1000=1000 * len(on_clean) / total if total else float("nan"),
        clean_unit_months=total,
        false_flags=len(on_clean),
        false_alarms=on_clean,
    )
