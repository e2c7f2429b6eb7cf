"""``run``: validate → prepare → normalise → aggregate → rank, into one Result.

``score`` is the pure scoring core over validated tables; ``run`` adds validation
and provenance; ``rebuild`` re-runs from a provenance and checks the inputs' hashes.
"""

from __future__ import annotations

import logging
import os
import platform
import subprocess
import warnings
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation import periods as P
from evaluation import progress
from evaluation.catalogue import COMPOSITE, Catalogue, load_catalogue
from evaluation.errors import EvaluationError, ValidationFailed
from evaluation.intake.io import Dataset, load_dataset
from evaluation.intake.status import absence_problems, absent_submissions, owed
from evaluation.intake.validate import validate_dataset
from evaluation.result import ABSENCE_COLUMNS, Provenance, Result, Step, no_absences
from evaluation.risk import ledger as L
from evaluation.risk import quality
from evaluation.risk import rules as risk
from evaluation.scoring.aggregate import Aggregated, aggregate
from evaluation.scoring.normalise import normalise
from evaluation.scoring.prepare import (
    Prepared,
    as_matrix,
    evaluation_periods,
    excuse_absent,
    insufficient_rows,
    prepare_cube,
    scored_indicators,
    take_labels,
)
from evaluation.scoring.rank import rank_change, rank_columns, rank_units
from evaluation.scoring.treat import treat
from evaluation.vocabulary import Word, say

log = logging.getLogger(__name__)
KEY = ["period", "unit_id"]


def package_version() -> str:
    try:
        return version("evaluation")
    except PackageNotFoundError:  # running from a source tree without install
        return "0+unknown"


@cache
def git_commit() -> str:
    """The commit of the source tree the package runs from, or '' outside git (asked
    once per process: the code running does not change under it)."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


#: the columns :func:`score` reads, by table
SCORED_COLUMNS = {
    "observations": ["unit_id", "period", "indicator_id", "value"],
    "units": ["unit_id", "peer_group"],
}


def check_period(period: str, catalogue: Catalogue) -> None:
    """Refuse (``EvaluationError``, in Chinese and English) a period that is no
    label, or that no indicator is reported often enough to score."""
    try:
        frequency = P.frequency_of(period)
    except ValueError as exc:
        said = say("library_error", "bad_period", period=period, detail=exc)
        raise EvaluationError(words=said) from None
    if not scored_indicators(catalogue, frequency):
        said = say("library_error", "too_rare_to_score", period=_period(period))
        raise EvaluationError(words=said)


def score(
    observations: pd.DataFrame,
    units: pd.DataFrame,
    catalogue: Catalogue,
    *,
    period: str,
    events: pd.DataFrame | None = None,
    absent: pd.DataFrame | None = None,
) -> Tables:
    """Score validated tables for ``period`` and every earlier period of its frequency.

    ``events`` (``unit_id, period, event_id``) feed the event warning rules;
    ``absent`` (``Result.absences``): late agencies' submissions, whose empty cells
    are excused from ``zero_score`` (:func:`~evaluation.scoring.prepare.excuse_absent`).
    Returns the stage tables (long, keyed by ``period, unit_id``) that make a Result:
    the composites and ranks at once, the long indicator and dimension tables and
    the risk stage (warnings, risk, ledger) when first read (:class:`Tables`).
    Raises ``EvaluationError`` (Chinese and English) for a period :func:`run`
    refuses, or a table without a column it reads (:data:`SCORED_COLUMNS`).
    """
    check_period(period, catalogue)
    for table, frame, needed in [
        ("observations", observations, SCORED_COLUMNS["observations"]),
        ("units", units, SCORED_COLUMNS["units"]),
    ]:
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            said = say(
                "library_error",
                "table_columns",
                table=say("library_error", f"table_{table}"),
                missing=Word("、".join(missing), ", ".join(missing)),
                columns=Word("、".join(needed), ", ".join(needed)),
            )
            raise EvaluationError(words=said)
    prepared = prepare_cube(observations, units, catalogue, period=period)
    if absent is not None:
        prepared = excuse_absent(prepared, catalogue, absent)
    normalised, agg, ranks, composite, treatment = score_prepared(
        prepared, units, catalogue
    )
    # in order: the cube's periods, the matrix's rows' (none where it has no rows)
    eval_periods = list(prepared.periods) if len(normalised) else []
    events = _events_table(events)
    # the tables built later read these as they are now, whatever the caller does
    # to its own or to the ones handed back (shallow copies: pandas copies on
    # write, so no data is copied here)
    observations, units = observations.copy(deep=False), units.copy(deep=False)
    dims = [c for c in agg.keys if c != COMPOSITE]
    # a catalogue that grades nothing reads no value: no long table of them
    graded = risk.grades(catalogue)

    @cache
    def scores() -> pd.DataFrame:
        nodes = {"score": agg.scores, "coverage": agg.coverage}
        nodes["imputed"] = agg.imputed  # filled by the dimension's missing rule
        return long(nodes, "node_id", columns=dims)

    def indicators(
        frames: Callable[[], dict[str, pd.DataFrame]],
    ) -> Callable[[], pd.DataFrame]:
        # the indicator tables' rows are prepared's, in its order: its ids serve,
        # each table its own (a reader relabelling one changes no other, nor the
        # risk stage built after; Arrow text: a new wrapper of the same buffers)
        def build() -> pd.DataFrame:
            ids = ["period", "unit_id", "indicator_id"]
            labels = {k: prepared.table[k].array.copy() for k in ids}
            return long(frames(), labels=labels)

        return build

    @cache
    def inputs() -> risk.Inputs:
        values, partial = risk.no_values(), None
        if graded:
            values = risk.node_values(prepared.table, scores(), composite)
            partial = risk.partial_values(prepared.table)  # pro rata, or earlier
        return risk.Inputs(
            values=values,
            units=units,
            periods=eval_periods,
            observations=observations,
            events=events,
            partial=partial,
        )

    @cache
    def warned() -> pd.DataFrame:
        progress.note("warnings", part=0.5)
        return risk.evaluate(inputs(), catalogue)

    def ledger() -> pd.DataFrame:
        # the rules' index of the values serves (not factorised again)
        codes = inputs().codes() if graded else None
        return L.update(
            L.empty(), warned(), inputs().values, eval_periods, catalogue, codes=codes
        )

    def handed(build: Callable[[], pd.DataFrame]) -> Callable[[], pd.DataFrame]:
        return lambda: build().copy(deep=False)  # the reader's, to change at will

    return Tables(
        prepared=lambda: prepared.table.copy(deep=False),
        normalised=indicators(lambda: {"score": normalised}),
        contributions=indicators(
            lambda: {"weight": agg.weights, "contribution": agg.contributions}
        ),
        scores=handed(scores),
        composite=composite.copy(deep=False),
        ranks=ranks,
        weights=lambda: agg.node_weights,
        treatment=treatment,
        events=events.copy(deep=False),
        warnings=handed(warned),
        risk=lambda: risk.grade_units(warned(), units, eval_periods),
        ledger=ledger,
    )


class Tables(MutableMapping):
    """A run's stage tables by name, each built when first read, then kept.

    :func:`score` hands back the composites and ranks at once; the long tables
    (millions of rows at national scale) and the risk stage are built only for the
    reader who asks for them: a what-if or a notebook that reads the composites
    does not pay for them. ``dict(tables)`` builds them all, in order. A table's
    error (a risk rule's) is raised when it is first read. Pickled (a process
    pool, a cache on disk), every table is built first: the builders are closures.
    """

    def __init__(self, **tables: pd.DataFrame | Callable[[], pd.DataFrame]) -> None:
        self._tables = tables

    def __getitem__(self, name: str) -> pd.DataFrame:
        table = self._tables[name]
        if callable(table):  # its builder, run once
            table = self._tables[name] = table()
        return table

    def __setitem__(self, name: str, table: pd.DataFrame) -> None:
        self._tables[name] = table

    def __delitem__(self, name: str) -> None:
        del self._tables[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)

    def __reduce__(self):
        return Tables, (), None, None, iter(dict(self).items())

    def __repr__(self) -> str:
        later = [k for k, v in self._tables.items() if callable(v)]
        built = [k for k in self._tables if k not in later]
        return f"Tables(built={built}, when read={later})"


def long(
    frames: dict[str, pd.DataFrame],
    key: str = "indicator_id",
    *,
    labels: dict[str, pd.api.extensions.ExtensionArray] | None = None,
    columns: list[str] | None = None,
) -> pd.DataFrame:
    """Wide ``(period, unit_id)`` × ``key`` tables (same shape) as one long table:
    ``period, unit_id, key`` and one column per table, rows in the wide order.
    ``labels``: those three columns, if already built for the same rows (the
    prepared table's), shared instead of built again. ``columns``: only these
    columns of each table (as ``frame[columns]``, without building those frames)."""
    first = next(iter(frames.values()))
    index = first.index
    keep = None
    if columns is not None and list(columns) != list(first.columns):
        position = {c: j for j, c in enumerate(first.columns)}
        keep = np.array([position[c] for c in columns], dtype=np.intp)
    names = first.columns if keep is None else list(columns)
    n_rows, n_cols = len(first), len(names)
    if labels is not None:
        out = dict(labels)
    else:  # labels by a take on the few distinct ones (no Python string per row)
        out = {
            k: take_labels(index.levels[i], np.repeat(index.codes[i], n_cols))
            for i, k in enumerate(index.names)
        }
        out[key] = take_labels(names, np.tile(np.arange(n_cols), n_rows))
    out.update({name: _flat(f, keep) for name, f in frames.items()})
    return pd.DataFrame(out, copy=False)  # every column is new: taken as it is


def _flat(frame: pd.DataFrame, keep: np.ndarray | None = None) -> np.ndarray:
    """A wide table's values (its columns at positions ``keep``, if given) row by
    row in an array of their own, never a view of the table's memory (pandas hands
    its own memory out read-only), so a long table can take it without another
    copy."""
    if keep is not None and len(set(frame.dtypes.tolist())) > 1:
        return _flat(frame.iloc[:, keep])  # mixed types: typed as selected
    values = frame.to_numpy()
    if keep is not None:
        values = values[:, keep]  # a new array
    flat = values.reshape(-1)
    return flat if flat.flags.writeable else flat.copy()


def score_prepared(
    prepared: Prepared | pd.DataFrame, units: pd.DataFrame, catalogue: Catalogue
) -> tuple[pd.DataFrame, Aggregated, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """From prepared values (the cube, or its table) to ranks: treat, normalise,
    aggregate (units mostly imputed get no composite), rank overall and within
    peer groups.

    Returns the normalised matrix (``(period, unit_id)`` × indicator), the
    aggregation, the ``ranks`` and ``composite`` tables and the treatment log. Shared by
    :func:`score` and the national path (:mod:`.national`).
    """
    matrix, zero = as_matrix(prepared, units["unit_id"].array)
    index = matrix.index
    matrix, treatment = treat(matrix, catalogue)
    normalised = normalise(matrix, catalogue, zero_score=zero)
    # each unit's peer group by unit id (the units table's columns, not copied),
    # read only by a dimension that fills a unit's missing score from its peers
    fills = any(d.missing != "exclude" for d in catalogue.dimensions)
    peers = (
        pd.Series(
            units["peer_group"].array,
            index=pd.Index(units["unit_id"].array, name="unit_id"),
            name="peer_group",
        )
        if fills
        else None
    )
    agg = aggregate(normalised, catalogue, peers=peers)
    # mostly imputed data: not ranked (settings.max_imputed_share_unit)
    too_many = insufficient_rows(prepared, len(index), catalogue.settings)
    if too_many.any():  # else nothing to mask (5M-cell copies at national scale)
        agg = agg.without_rows(too_many)

    groups = units["peer_group"].to_numpy()
    keys = {k: index.get_level_values(k).array for k in index.names}
    if len(index.levels[1]) == len(units):  # distinct ids: rows are the units
        # table's, period by period (as_matrix), so their groups repeat likewise;
        # the ranks on arrays, by the groups' codes among the units
        n_periods = len(index.levels[0])
        code, named = pd.factorize(groups)
        peer = np.tile(code, n_periods)
        columns = rank_columns(agg.composite, index, peer)
        # each row's group by a take on the few names (no text typed row by row)
        of_row = (
            take_labels(named, peer)
            if (code >= 0).all()
            else np.tile(groups, n_periods)
        )
    else:  # repeated ids: reindexing says so
        unit_ids = units["unit_id"].to_numpy()
        of_row = np.asarray(
            pd.Series(groups, index=unit_ids).reindex(index.get_level_values(1))
        )
        composite_score = pd.Series(agg.composite, index=index, name=COMPOSITE)
        overall = rank_units(composite_score)
        within = rank_units(composite_score, within=pd.Series(of_row, index=index))
        columns = {
            "rank": overall.array,
            "peer_rank": within.array,
            "rank_change": rank_change(overall).array,
            "peer_rank_change": rank_change(within).array,
        }
    # the tables from the columns, all on the matrix's rows (no alignment, no
    # reset_index): the index's levels first, as reset_index would give them
    ranks = pd.DataFrame({**keys, "peer_group": of_row, **columns})
    scored = agg.composite
    composite = pd.DataFrame(
        {
            **keys,
            "composite_score": scored,
            "coverage": agg.nodes["coverage"][COMPOSITE],
            # no composite: too few indicators, or too many imputed (both reported
            # as insufficient data, the status the publications show)
            "status": take_labels(_STATUS, np.isnan(scored).view(np.int8)),
        }
    )
    return normalised, agg, ranks, composite, treatment


#: the composite table's ``status``: with a score, without
_STATUS = ["ranked", "insufficient_data"]
EVENT_COLUMNS = ["unit_id", "period", "event_id", "description", "reference"]


def _events_table(events: pd.DataFrame | None) -> pd.DataFrame:
    """Reported events with every optional column (empty text where not given)."""
    if events is None or events.empty:
        return _NO_EVENTS.copy()
    return events.reindex(columns=EVENT_COLUMNS).reset_index(drop=True)


_NO_EVENTS = pd.DataFrame({c: pd.Series(dtype=object) for c in EVENT_COLUMNS})


def run(
    catalogue: Catalogue,
    dataset: Dataset,
    *,
    period: str,
    run_at: str | None = None,
    strict: bool = False,
) -> Result:
    """Validate ``dataset`` and score it for ``period`` (and earlier periods).

    Parameters
    ----------
    catalogue, dataset
        From :func:`load_catalogue` and :func:`load_dataset`.
    period
        Evaluation period label; its form sets the frequency (``2025`` annual,
        ``2025-Q4`` quarterly …). Earlier periods of that frequency are scored too,
        for rank changes and trends.
    run_at
        Timestamp recorded in the provenance (ISO 8601). Pass the original one to
        reproduce a Result byte for byte; defaults to now (UTC).
    strict
        Refuse (``ValidationFailed``, one problem per agency and period, naming its
        file) if an agency has not sent its latest periods. By default the run goes
        on: that agency's values are missing, scored by each indicator's ``missing``
        rule, and the Result lists the submissions in ``absences`` (the league
        table counts the indicators concerned in ``n_absent``).
    """
    check_period(period, catalogue)
    frequency = P.frequency_of(period)
    progress.note("check", part=0)  # the steps of a run, in order
    data = validate_dataset(dataset, catalogue, strict=strict)
    log.info(
        "validated %d observations from %d files",
        len(data.observations),
        len(data.files),
    )
    absences = run_absences(data, catalogue, period)
    if strict and not absences.empty:
        late = absences.assign(trailing=True)
        raise ValidationFailed(absence_problems(late, catalogue))
    progress.note("scores", part=0.25)
    tables = dict(  # every table, built in order (a Result holds them all)
        score(
            data.observations,
            data.units,
            catalogue,
            period=period,
            events=data.events,
            absent=absences,
        )
    )
    if (
        tables["composite"].query("period == @period")["composite_score"].notna().sum()
        == 0
    ):
        raise no_unit_scored(
            period, absences, catalogue, reported=data.observations["period"]
        )
    # screened on the reports, not the scores: flags never change a score
    progress.note("flags", part=0.75)
    tables["flags"] = quality.flags(
        data.observations, catalogue, period=period, units=data.units
    )
    run_at = run_at or datetime.now(UTC).isoformat(timespec="seconds")
    provenance = Provenance(
        catalogue_path=catalogue.source_path,
        catalogue_sha256=catalogue.sha256,
        catalogue_file_sha256=catalogue.file_sha256,
        dataset_root=data.root,
        inputs=data.inputs,
        period=period,
        steps=(
            Step(
                "validate", {"files": len(data.files), "rows": len(data.observations)}
            ),
            Step(
                "prepare",
                {
                    "frequency": frequency,
                    "periods": list(tables["prepared"]["period"].unique()),
                },
            ),
            Step(
                "treat",
                {
                    i.id: (i.treatment or catalogue.settings.treatment).model_dump()
                    for i in catalogue.indicators
                    if (i.treatment or catalogue.settings.treatment).method != "none"
                },
            ),
            Step(
                "normalise",
                {
                    "methods": catalogue.table["normalisation"].to_dict(),
                    "transforms": catalogue.table["transform"].to_dict(),
                },
            ),
            Step(
                "aggregate",
                {
                    "min_coverage": catalogue.settings.min_coverage,
                    "nodes": {
                        node: {
                            "weights": spec.model_dump(exclude_defaults=True)
                            or {"method": "manual"},
                            "aggregation": how.model_dump(exclude_defaults=True)
                            or {"method": "arithmetic"},
                        }
                        for node, (spec, how) in catalogue.methods.items()
                    },
                },
            ),
            Step("rank", {"ties": "min", "tie_decimals": 9}),
            Step(
                "risk", {"rules": len(catalogue.risk.rules), **catalogue.risk.due_days}
            ),
            Step("quality", catalogue.quality.model_dump()),
        ),
        package_version=package_version(),
        git_commit=git_commit(),
        run_at=run_at,
        environment={
            "python": platform.python_version(),
            "platform": platform.platform(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
        workdir=os.getcwd(),  # what relative catalogue and data paths are relative to
    )
    units = data.units.drop(columns=["source", "row"]).reset_index(drop=True)
    observations = data.observations.reset_index(drop=True)
    return Result(
        catalogue=catalogue,
        units=units,
        observations=observations,
        provenance=provenance,
        absences=absences,
        **tables,
    )


def no_unit_scored(
    period: str,
    absences: pd.DataFrame,
    catalogue: Catalogue,
    *,
    reported: pd.Series | None = None,
) -> EvaluationError:
    """The error of a period no unit could be scored for (no data, or none meeting
    ``min_coverage``), naming the late agencies whose absence left too few
    indicators, with the series they owe (:func:`~evaluation.intake.status.owed`):
    the pandas and the national Parquet paths stop with it alike. ``reported``
    (the dataset's report periods): where no report ends in ``period`` (a year
    typed wrong), that is said, with the months the reports span, instead."""
    if reported is not None and len(reported):
        start, end = P.month_index([period], start=True)[0], P.month_index([period])[0]
        last = P.month_index(reported)
        if not ((last >= start) & (last <= end)).any():
            first = _month(P.month_index(reported, start=True).min())
            said = say(
                "library_error", "no_report", period=_period(period),
                first=_period(first), last=_period(_month(last.max())),
            )  # fmt: skip
            return EvaluationError(words=said)
    late = ""
    if not absences.empty:
        late = say(
            "library_error",
            "no_unit_late",
            owed=owed(absences, catalogue),  # the series owed, by name
            instead=_instead(period),
        )
    said = say("library_error", "no_unit_scored", period=_period(period), late=late)
    return EvaluationError(words=said)


def _instead(period: str) -> Word | str:
    """The longer periods ``no_unit_late`` advises scoring instead of ``period``
    (quarter and year for a month, the year for a quarter), none for a year."""
    try:
        months = P.months_per(P.frequency_of(period))
    except ValueError:
        return ""
    if months < P.months_per("quarterly"):
        return say("library_error", "no_unit_instead_quarter")
    if months < P.months_per("annual"):
        return say("library_error", "no_unit_instead_year")
    return ""


def _month(index: int) -> str:
    """The month label of a :func:`~evaluation.periods.month_index` (``2025-M12``)."""
    year, month = divmod(int(index) - 1, 12)
    return P.label(year, month + 1, "monthly")


def _period(period: str) -> Word:
    """A period in a message: ``2025年12月`` / ``2025-M12``."""
    try:
        return Word(P.name_zh(period), period)
    except ValueError:
        return Word(str(period), str(period))


def run_absences(data: Dataset, catalogue: Catalogue, period: str) -> pd.DataFrame:
    """The submissions a run for ``period`` goes on without (``Result.absences``):
    late agencies' (:func:`~evaluation.intake.status.absent_submissions` up to
    ``period``) of the series the run scores (or weighs or divides by), with the
    evaluation period each falls in; only periods the run scores."""
    frequency = P.frequency_of(period)
    size = P.months_per(frequency)
    found = absent_submissions(
        data.observations, catalogue, data.units["unit_id"], until=period
    )
    if found.empty:
        return no_absences()
    found = found[
        found["trailing"].astype(bool) & (found["frequency"].map(P.months_per) <= size)
    ]
    scored = evaluation_periods(data.observations, period)
    found = found.assign(evaluation_period=P.containing(found["period"], frequency))
    found = found[found["evaluation_period"].isin(scored)]
    if found.empty:
        return no_absences()
    return (
        found[ABSENCE_COLUMNS]
        .astype({c: object for c in ABSENCE_COLUMNS if c != "n_units"})
        .reset_index(drop=True)
    )


def rebuild(provenance: Provenance, *, base: str | Path | None = None) -> Result:
    """Re-run from a provenance; refuse if the catalogue (:func:`check_catalogue`)
    or any input file changed. The catalogue file is read as a stored run's
    (``load_catalogue(stored=True)``): what an earlier version scored rebuilds.

    Relative paths in the provenance are resolved in ``base``; by default in the
    directory the run was made in (``provenance.workdir``), so a rebuild works from
    any working directory (a notebook's own folder, say). Give ``base`` for a copy
    of the project elsewhere."""
    base = resolve_base(base, provenance.workdir)
    # read as the run's own catalogue (an earlier version may have scored what is
    # refused now); the hashes then refuse any other file
    catalogue = load_catalogue(base / provenance.catalogue_path, stored=True)
    check_catalogue(catalogue, provenance)
    dataset = load_dataset(base / provenance.dataset_root)
    was, now = provenance.inputs, dataset.inputs
    changed = [f for f in sorted({*was, *now}) if was.get(f) != now.get(f)]
    if changed:
        files = [
            say("library_error", "input_removed", file=f)
            if f not in now
            else say("library_error", "input_added", file=f)
            if f not in was
            else Word(f, f)
            for f in changed
        ]
        listed = Word("、".join(w.zh for w in files), ", ".join(w.en for w in files))
        said = say("library_error", "inputs_changed_since", files=listed)
        raise EvaluationError(words=said)
    # the same dataset (its bad workbook cells too), at the path the run recorded
    dataset = replace(dataset, root=provenance.dataset_root)
    result = run(
        catalogue,
        dataset,
        period=provenance.period,
        run_at=provenance.run_at,
    )
    # the paths as recorded, not as found: the rebuild has the same provenance
    return replace(
        result,
        provenance=replace(
            result.provenance,
            catalogue_path=provenance.catalogue_path,
            workdir=provenance.workdir,
        ),
    )


def check_catalogue(catalogue: Catalogue, provenance: Provenance) -> None:
    """Refuse to rebuild a run from a catalogue that changed since it.

    The same content hash passes. Otherwise the file may be the same and only read
    differently by this version of the package (a hash rule or a default changed):
    with its bytes' hash as recorded, or, for a run recorded before the file was
    hashed, the hash by the rule before 3072f9c (:attr:`Catalogue.legacy_sha256`)
    as recorded, the rebuild goes on with a warning, and the tables it gives decide
    (``publication.reproduce`` compares each with the stored one). Anything else
    raises ``EvaluationError`` naming the hashes compared."""
    path, recorded = provenance.catalogue_path, provenance.catalogue_sha256
    if catalogue.sha256 == recorded:
        return
    recorded_file = provenance.catalogue_file_sha256
    hashes = {"now": catalogue.sha256[:12], "recorded": recorded[:12]}
    content = say("library_error", "hash_content", **hashes)
    if recorded_file and catalogue.file_sha256 == recorded_file:
        warnings.warn(
            f"catalogue {path}: the file is unchanged since the run (file sha256 "
            f"{recorded_file[:12]}…) but this version of the package reads it "
            f"differently ({content.en}); rebuilt anyway: compare its tables with the "
            "run's",
            stacklevel=3,
        )
        return
    if not recorded_file and catalogue.legacy_sha256 == recorded:
        warnings.warn(
            f"catalogue {path}: the run was recorded before the catalogue hash left "
            f"defaults out; its hash {recorded[:12]}… is this file's by that rule "
            f"(now {catalogue.sha256[:12]}…), but defaults added or changed since "
            "may change results: compare the rebuilt tables with the run's",
            stacklevel=3,
        )
        return
    if recorded_file:
        file = {"now": catalogue.file_sha256[:12], "recorded": recorded_file[:12]}
        compared = say("library_error", "hash_file", content=content, **file)
    else:
        legacy = catalogue.legacy_sha256[:12]
        compared = say("library_error", "hash_legacy", content=content, legacy=legacy)
    said = say("library_error", "catalogue_changed", path=path, compared=compared)
    raise EvaluationError(words=said)


def resolve_base(base: str | Path | None, workdir: str) -> Path:
    """Where relative recorded paths live: ``base`` if given, else the recorded
    working directory if it still exists, else the current one."""
    if base is not None:
        return Path(base)
    if workdir and Path(workdir).is_dir():
        return Path(workdir)
    return Path(".")
