"""The Result of a run: every stage's table plus the provenance that rebuilds it.

Data only: a Result answers questions about its tables and depends on no stage, so
every stage and output can read it. Analyses of a Result are functions of their
own modules (e.g. ``evaluation.analysis.uncertainty.run(result)``).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field

import pandas as pd

from evaluation.catalogue import Catalogue


@dataclass(frozen=True)
class Step:
    """One stage of a run and the parameters it was given."""

    stage: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Provenance:
    """What a Result was built from; enough to rebuild it byte for byte.

    ``environment`` (Python, platform, library versions) is informative and is not
    part of the digest, so a rebuild on another machine can still match.
    ``workdir`` is the directory a relative ``catalogue_path`` or ``dataset_root``
    is relative to (where the run was made); :func:`evaluation.pipeline.rebuild`
    resolves them there, from any working directory. Not part of the digest either.
    ``catalogue_file_sha256`` is the SHA-256 of the catalogue file's bytes, beside
    ``catalogue_sha256`` (its content): it tells a rebuild that the file is the same
    when a later version of the package reads it differently. Informative, not part
    of the digest (the content hash is, and layout never was); '' in runs recorded
    before it existed. ``git_commit``: the commit of the program that scored the run
    ('' outside git, and in runs recorded before it was), so that a run no longer
    reproduced can name the program it needs; informative, not in the digest.
    """

    catalogue_path: str
    catalogue_sha256: str
    dataset_root: str
    inputs: dict[str, str]
    period: str
    steps: tuple[Step, ...]
    package_version: str
    run_at: str
    environment: dict = field(default_factory=dict, compare=False)
    workdir: str = field(default="", compare=False)
    catalogue_file_sha256: str = field(default="", compare=False)
    git_commit: str = field(default="", compare=False)

    def to_dict(self, *, with_environment: bool = True) -> dict:
        """As a JSON-ready dict; ``with_environment=False`` leaves out what is not
        part of the digest (``environment``, ``workdir``, ``catalogue_file_sha256``,
        ``git_commit``)."""
        out = asdict(self)
        out["steps"] = [asdict(s) for s in self.steps]
        if not with_environment:
            out.pop("environment")
            out.pop("workdir")
            out.pop("catalogue_file_sha256")
            out.pop("git_commit")
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Provenance:
        data = dict(data)
        data["steps"] = tuple(Step(**s) for s in data["steps"])
        return cls(**data)


#: the columns of ``Result.absences``
ABSENCE_COLUMNS = [
    "evaluation_period", "agency", "period", "frequency", "series_id", "n_units",
    "files",
]  # fmt: skip


def no_absences() -> pd.DataFrame:
    """An empty ``Result.absences`` (a run with every submission there)."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in ABSENCE_COLUMNS})


@dataclass(frozen=True)
class Result:
    """Every stage's table of one run. Long tables keyed by ``period, unit_id``.

    Methods answer questions about the run; they never recompute a stage.
    """

    catalogue: Catalogue
    units: pd.DataFrame  #: unit_id, name_zh, name_en, peer_group, level, parent_id
    observations: pd.DataFrame  #: as validated: unit_id, period, indicator_id, value …
    prepared: pd.DataFrame  #: rolled up: value, n_reported, n_expected, status
    normalised: pd.DataFrame  #: score 0–100 per indicator
    contributions: pd.DataFrame  #: effective weight and points added to the composite
    scores: pd.DataFrame  #: node_id (dimensions), score, coverage
    composite: pd.DataFrame  #: composite_score, coverage, status
    ranks: pd.DataFrame  #: rank, peer_rank, rank_change, peer_rank_change
    weights: pd.DataFrame  #: period, node_id, child_id, weight, method (as used)
    treatment: pd.DataFrame  #: outlier treatment log: indicator, units, points, stats
    events: pd.DataFrame  #: reported events: unit_id, period, event_id, description …
    warnings: pd.DataFrame  #: graded warnings: node, rule, level, value, reason zh/en
    risk: pd.DataFrame  #: each unit's risk level per period (worst warning; green)
    ledger: pd.DataFrame  #: rectification items the run's periods open and close
    flags: pd.DataFrame  #: data-quality flags on the reports, each with its reason
    provenance: Provenance
    #: submissions of late agencies the run went on without (their values missing,
    #: scored by each indicator's ``missing`` rule): evaluation_period, agency,
    #: period, frequency, series_id, n_units, files; empty when all were there
    absences: pd.DataFrame = field(default_factory=no_absences)

    TABLES = (
        "units",
        "observations",
        "prepared",
        "normalised",
        "contributions",
        "scores",
        "composite",
        "ranks",
        "weights",
        "treatment",
        "events",
        "warnings",
        "risk",
        "ledger",
        "flags",
    )
    #: tables a run has only when they are not empty (``absences``): saved, stored
    #: and digested then, so a complete run's files and digest are as they were
    OPTIONAL_TABLES = ("absences",)

    def tables(self) -> tuple[str, ...]:
        """The names of this run's tables: :attr:`TABLES` and each optional table
        that is not empty."""
        extra = tuple(n for n in self.OPTIONAL_TABLES if not getattr(self, n).empty)
        return (*self.TABLES, *extra)

    # ------------------------------------------------------------------ queries
    @property
    def period(self) -> str:
        """The period the run was asked for (its latest)."""
        return self.provenance.period

    @property
    def periods(self) -> list[str]:
        """Evaluation periods scored, oldest first."""
        return list(self.composite["period"].unique())

    def league_table(
        self,
        period: str | None = None,
        *,
        peer_group: str | None = None,
        intervals: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Ranking of one period: ranks, names, composite and level-1 dimension scores.

        With ``peer_group``, only that group, ordered by rank within the group.
        Unranked units (insufficient data) come last, by ``unit_id``. With
        ``intervals`` (the ``summary`` of ``evaluation.analysis.uncertainty.run``),
        each rank gets its 5–95 % interval: ``rank_q05``, ``rank_q95`` and
        ``rank_range`` (``3 (2–5)``, :func:`rank_range`). ``n_imputed`` counts a
        unit's imputed or zero-scored values; ``n_absent`` the indicators scored
        without a late agency's submission (:meth:`absent_indicators`; 0 when all
        were there).
        """
        period = period or self.period
        if period not in self.periods:
            raise KeyError(f"period {period!r} not in this result; have {self.periods}")
        groups = [g.id for g in self.catalogue.peer_groups]
        if peer_group is not None and peer_group not in groups:
            raise KeyError(f"peer group {peer_group!r} unknown; have {groups}")
        top = self.catalogue.top_dimensions()
        dims = (
            self.scores[
                (self.scores["period"] == period) & self.scores["node_id"].isin(top)
            ]
            .pivot(index="unit_id", columns="node_id", values="score")
            .reindex(columns=top)
        )
        flagged = self.prepared[
            (self.prepared["period"] == period)
            & (self.prepared["status"] != "reported")
        ]
        table = (
            self.ranks[self.ranks["period"] == period]
            .merge(
                self.composite[self.composite["period"] == period],
                on=["period", "unit_id"],
            )
            .merge(self.units[["unit_id", "name_zh", "name_en"]], on="unit_id")
            .merge(dims, left_on="unit_id", right_index=True, how="left")
        )
        table["n_imputed"] = (
            table["unit_id"]
            .map(
                flagged[
                    flagged["status"].astype(str).str.startswith("imputed_")
                    | (flagged["status"] == "missing_zero_score")
                ]
                .groupby("unit_id")
                .size()
            )
            .fillna(0)
            .astype(int)
        )
        if "imputed" in self.scores:  # dimension scores filled by their rule count too
            filled = self.scores[
                (self.scores["period"] == period) & self.scores["imputed"].astype(bool)
            ]
            extra = table["unit_id"].map(filled.groupby("unit_id").size())
            table["n_imputed"] += extra.fillna(0).astype(int)
        # a late agency's indicators: missing for every unit (``absences``)
        table["n_absent"] = len(self.absent_indicators(period))
        if peer_group is not None:
            table = table[table["peer_group"] == peer_group]
        sort = "peer_rank" if peer_group is not None else "rank"
        table = table.sort_values([sort, "unit_id"], na_position="last", kind="stable")
        cols = [
            "period",
            "rank",
            "peer_rank",
            "rank_change",
            "peer_rank_change",
            "unit_id",
            "name_zh",
            "name_en",
            "peer_group",
            "composite_score",
            *top,
            "coverage",
            "n_imputed",
            "n_absent",
            "status",
        ]
        table = table[cols].reset_index(drop=True)
        if intervals is not None:
            by_unit = intervals.set_index("unit_id")
            at = table.columns.get_loc("rank") + 1
            for k, name in enumerate(["rank_q05", "rank_q95"]):
                table.insert(at + k, name, table["unit_id"].map(by_unit[name]))
            text = rank_range(intervals)
            table.insert(at + 2, "rank_range", table["unit_id"].map(text).fillna(""))
        return table

    def scored_indicators(self, period: str | None = None) -> list[str]:
        """The indicators scored in ``period`` (default: the run's), catalogue
        order: those prepared for it (a month scores only the indicators reported
        monthly, a quarter those reported at least quarterly)."""
        period = period or self.period
        prepared = self.prepared
        have = set(prepared.loc[prepared["period"] == period, "indicator_id"])
        return [i for i in self.catalogue.table.index if i in have]

    def absent_indicators(self, period: str | None = None) -> list[str]:
        """The indicators scored in ``period`` (default: the run's) that lack a
        late agency's submission (``absences``): the indicator's own series, or the
        series it is weighted or divided by, was not sent for a reporting period in
        it. Catalogue order; ``[]`` when every submission was there."""
        period = period or self.period
        a = self.absences
        series = set(a.loc[a["evaluation_period"] == period, "series_id"])
        if not series:
            return []
        t = self.catalogue.table
        hit = (
            t.index.isin(series)
            | t["weight_by"].isin(series)
            | t["denominator"].isin(series)
        )
        scored = set(self.scored_indicators(period))
        return [i for i in t.index[hit] if i in scored]

    def breakdown(self, unit_id: str, period: str | None = None) -> pd.DataFrame:
        """A unit's composite broken into indicator contributions (they sum to it).

        ``blank_node``: the highest node above the indicator that the unit has no
        score in (too few of its indicators had a value, ``min_coverage``: its
        indicators weigh 0, the composite is the other nodes'), else missing."""
        period = period or self.period
        keys = ["period", "unit_id", "indicator_id"]
        rows = (
            self.contributions[
                (self.contributions["period"] == period)
                & (self.contributions["unit_id"] == unit_id)
            ]
            .merge(self.normalised, on=keys)
            .merge(self.prepared, on=keys)
        )
        if rows.empty:
            raise KeyError(f"no unit {unit_id!r} in period {period!r}")
        names = self.catalogue.table[["name_zh", "name_en", "parent"]]
        rows = rows.merge(names, left_on="indicator_id", right_index=True)
        mine = self.scores[
            (self.scores["period"] == period) & (self.scores["unit_id"] == unit_id)
        ]
        blank = set(mine.loc[mine["score"].isna(), "node_id"])
        parent = self.catalogue.node_columns["parent"]

        def highest_blank(node: str) -> str | None:
            found = None
            while (node := parent[node]) in parent:  # up to the composite
                found = node if node in blank else found
            return found

        rows["blank_node"] = [highest_blank(i) for i in rows["indicator_id"]]
        return rows[
            [
                "indicator_id",
                "name_zh",
                "name_en",
                "parent",
                "value",
                "status",
                "score",
                "weight",
                "contribution",
                "blank_node",
            ]
        ].reset_index(drop=True)

    # ------------------------------------------------------------ reproducibility
    def digest(self) -> str:
        """sha256 over every table (as CSV) and the provenance (without environment)."""
        h = hashlib.sha256()
        for name in self.tables():
            h.update(name.encode())
            h.update(
                getattr(self, name)
                .to_csv(index=False, lineterminator="\n", float_format="%.17g")
                .encode()
            )
        h.update(
            json.dumps(
                self.provenance.to_dict(with_environment=False),
                sort_keys=True,
                ensure_ascii=False,
            ).encode()
        )
        h.update(self.catalogue.sha256.encode())
        return h.hexdigest()

    def __eq__(self, other) -> bool:
        return isinstance(other, Result) and self.digest() == other.digest()

    __hash__ = None


def rank_range(
    summary: pd.DataFrame, *, within_level: bool = False, lang: str = "en"
) -> pd.Series:
    """``3 (2–5)``: each unit's nominal rank and its 5–95 % interval, by ``unit_id``,
    in Chinese text (``lang="zh"``) in full-width brackets, ``3（2–5）``,
    from a table of rank intervals (``unit_id, nominal_rank, rank_q05, rank_q95``,
    as the uncertainty analysis summarises them). Interpolated percentiles are
    widened to whole places (5 % down, 95 % up), never narrowed; a unit without a
    rank gets ``""``. ``within_level``: the rank among the unit's own type of unit
    (``level_rank, level_rank_q05, level_rank_q95``; all ``""`` in a summary made
    before those were kept)."""
    rank, low, high = (
        ("level_rank", "level_rank_q05", "level_rank_q95")
        if within_level
        else ("nominal_rank", "rank_q05", "rank_q95")
    )
    if rank not in summary:
        return pd.Series("", index=summary["unit_id"])

    def text(r, low, high) -> str:
        if pd.isna(r):
            return ""
        span = f"{math.floor(low)}–{math.ceil(high)}"
        return f"{int(r)}（{span}）" if lang == "zh" else f"{int(r)} ({span})"

    return pd.Series(
        [
            text(*v)
            for v in zip(summary[rank], summary[low], summary[high], strict=True)
        ],
        index=summary["unit_id"],
    )
