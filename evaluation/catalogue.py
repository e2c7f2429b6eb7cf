"""The indicator catalogue: a typed, frozen, validated view of ``indicators.yaml``.

``load_catalogue(path)`` parses the YAML, checks every field and every cross-field
rule, and raises one :class:`~evaluation.errors.CatalogueError` listing *all*
problems, each with its YAML path (``indicators[3].risk.red``). Checks that span
entries (unique ids, known parents, sibling weights) run once every entry is
well-formed on its own; those that read ids alone (:data:`ID_CHECKS`, the warning
rules' ids) and the sibling weights' (:data:`WEIGHT_CHECKS`) run beside the fields'
own faults too, in the same pass (each on the fields it reads that are well-formed).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from functools import cache, cached_property
from pathlib import Path
from typing import Annotated, Literal, Union, get_args

import pandas as pd
from pydantic import (
    BaseModel,
    Field,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from evaluation.errors import CatalogueError
from evaluation.fields import (
    COMPOSITE,
    Id,
    Model,
    Name,
    Number,
    Positive,
    Problem,
    Problems,
    Text,
    raise_if,
    rule_of,
)
from evaluation.files import load_yaml_config
from evaluation.periods import FREQUENCIES
from evaluation.risk.rules import RULES
from evaluation.scoring.normalise import (
    NORMALISERS,
    DistanceToTarget,
    Goalposts,
    MinMax,
    Ordinal,
    Reference,
    RobustZ,
    ZScore,
    output_range,
)
from evaluation.scoring.weights import CR_LIMIT, ahp, most_inconsistent
from evaluation.vocabulary import FAMILIES, Word, is_count, plain, quoted, say

Frequency = Literal["monthly", "bimonthly", "quarterly", "half_year", "annual"]
Direction = Literal["higher", "lower"]
#: what a dimension does with a unit's missing score (``dimensions[].missing``)
NodeMissing = Literal["exclude", "peer_mean", "peer_median", "carry_forward"]


class AHP(Model):
    """An AHP pairwise comparison matrix over named children (层次分析法).

    ``matrix[i][j]`` says how much more important ``children[i]`` is than
    ``children[j]`` on Saaty's 1–9 scale; the matrix must be positive, reciprocal and
    consistent (CR < 0.1 with the named random-index table).
    """

    children: tuple[Id, ...]
    matrix: tuple[tuple[Positive, ...], ...]
    method: Literal["eigenvector", "geometric"] = "eigenvector"
    random_index: Literal["saaty", "saaty2005", "donegan_dodd", "tummala_ling"] = (
        "saaty"
    )

    @model_validator(mode="after")
    def _square_reciprocal_consistent(self):
        n = len(self.children)
        problems: list[tuple[tuple, object, str]] = []
        if len(self.matrix) != n or any(len(row) != n for row in self.matrix):
            shape = (
                f"{len(self.matrix)}×{max((len(r) for r in self.matrix), default=0)}"
            )
            problems.append(
                (
                    ("matrix",),
                    shape,
                    _rule("ahp_shape", n=n, children=_ids(self.children)),
                )
            )
            raise_if(problems)
        for i in range(n):
            for j in range(i, n):
                a, b = self.matrix[i][j], self.matrix[j][i]
                if abs(a * b - 1) > 0.01:
                    problems.append(
                        (
                            (("matrix", i, j)),
                            a,
                            _rule("ahp_reciprocal", i=i, j=j, b=f"{b:g}"),
                        )
                    )
        raise_if(problems)
        w, cr, _, _ = ahp(
            self.matrix, method=self.method, random_index=self.random_index
        )
        if cr >= CR_LIMIT:
            i, j, implied = most_inconsistent(self.matrix, w)
            problems.append(
                (
                    ("matrix",),
                    f"CR {cr:.3f}",
                    _rule(
                        "ahp_inconsistent",
                        cr=f"{cr:.3f}",
                        index=self.random_index,
                        a=self.children[i],
                        b=self.children[j],
                        value=f"{self.matrix[i][j]:g}",
                        implied=f"{implied:.2f}",
                    ),
                )
            )
        raise_if(problems)
        return self


#: weights people set (``scoring.weights.SUBJECTIVE``) and weights read from the
#: children's scores (``scoring.weights.OBJECTIVE``); a node's ``weights.method`` is
#: any of them or ``blend`` (``scoring.weights.METHODS``)
SubjectiveWeights = Literal["manual", "ahp"]
ObjectiveWeights = Literal["equal", "entropy", "critic", "sd", "pca", "pca_squared"]


class Weights(Model):
    """How the weights of a node's children are set.

    ``manual``: the children's ``weight`` fields; ``equal``; ``ahp`` (with ``ahp``);
    objective, from the children's scores in each period: ``entropy``, ``critic``,
    ``sd``, ``pca`` (signed loadings, negative ones set to 0), ``pca_coinr``
    (COINr's signed loadings, kept), ``pca_squared`` (the Handbook's);
    ``blend``: ``subjective`` (manual or ahp) combined with ``objective`` by ``combine``
    (``linear``: α·s + (1 − α)·o; ``multiplicative``: s·o renormalised).
    """

    method: Literal[
        (
            *get_args(SubjectiveWeights),
            *get_args(ObjectiveWeights),
            "pca_coinr",
            "blend",
        )
    ] = "manual"
    ahp: AHP | None = None
    subjective: SubjectiveWeights = "manual"
    objective: ObjectiveWeights = "entropy"
    alpha: Annotated[float, Field(ge=0, le=1)] = 0.5
    combine: Literal["linear", "multiplicative"] = "linear"

    @model_validator(mode="after")
    def _ahp_given(self):
        needs = self.method == "ahp" or (
            self.method == "blend" and self.subjective == "ahp"
        )
        if needs and self.ahp is None:
            raise Problems([(("ahp",), None, _rule("ahp_needed"))])
        return self


#: the mean-type aggregations (``scoring.aggregate.METHODS``); the others compare the
#: units of a period and score 0–100
MEANS = ("arithmetic", "geometric", "harmonic", "generalised", "mazziotta_pareto")


class Aggregation(Model):
    """How a node combines its children's scores (weights renormalised over those
    present). ``arithmetic``; ``geometric`` and ``harmonic`` (a child scoring 0 gives 0
    with ``zero: zero``, or an error with ``zero: error``, as COINr); ``generalised``
    power mean with exponent ``p``; ``mazziotta_pareto``: mean − SD·CV, which
    penalises unbalanced profiles; ``topsis`` (100 × closeness, columns scaled by
    ``scaling``) and ``vikor`` (100 × (1 − Q), strategy weight ``v``) rank each unit
    against the others of the period and need every child present; ``bod``
    (Benefit-of-the-Doubt: each unit's most favourable weights, child shares within
    ``[lower, upper]``; 100 × the DEA score) likewise, and ignores node weights;
    ``copeland`` (weighted pairwise majorities: 100 × (wins − losses + n − 1) /
    (2 (n − 1))) likewise.
    """

    method: Literal[
        "arithmetic",
        "geometric",
        "harmonic",
        "generalised",
        "mazziotta_pareto",
        "topsis",
        "vikor",
        "bod",
        "copeland",
    ] = "arithmetic"
    scaling: Literal["vector", "minmax", "none"] = "vector"  #: TOPSIS column scaling
    v: Annotated[float, Field(ge=0, le=1)] = 0.5  #: VIKOR weight of group utility
    #: Benefit-of-the-Doubt bounds on each child's share of a unit's score
    lower: Annotated[float, Field(ge=0, le=1)] = 0.0
    upper: Annotated[float, Field(ge=0, le=1)] = 1.0
    p: float | None = None
    zero: Literal["zero", "error"] = "zero"

    @model_validator(mode="after")
    def _p_iff_generalised(self):
        if self.method == "generalised" and (self.p is None or self.p == 0):
            raise Problems(
                [
                    (
                        ("p",),
                        self.p,
                        _rule("generalised_p"),
                    )
                ]
            )
        return self

    @property
    def needs_positive(self) -> bool:
        """Geometric, harmonic and generalised (p < 0) means take children > 0 only
        (a child at 0 scores the node 0, or stops the run with ``zero: error``)."""
        return self.method in ("geometric", "harmonic") or (
            self.method == "generalised" and self.p is not None and self.p < 0
        )

    @property
    def needs_nonnegative(self) -> bool:
        """Means with no meaning over children below 0: geometric and harmonic (a
        child ≤ 0 would silently score the node 0), generalised means (``x^p`` of a
        negative child is undefined or loses its sign), Mazziotta–Pareto (its
        penalty SD²/mean turns into a bonus) and Benefit-of-the-Doubt (a DEA of
        non-negative outputs)."""
        return self.method in ("geometric", "harmonic", "mazziotta_pareto", "bod") or (
            self.method == "generalised" and self.p != 1
        )

    def range(self, children: list[tuple[float, float]]) -> tuple[float, float]:
        """The range of the node's scores given its children's declared ranges: a
        mean stays within their hull (Mazziotta–Pareto is floored at its lower end);
        a relative method scores 0–100."""
        if self.method not in MEANS or not children:
            return (0.0, 100.0)
        return (min(lo for lo, _ in children), max(hi for _, hi in children))


class Treatment(Model):
    """Outlier treatment of rolled-up values within each period (see ``treat.py``).

    ``coinr``: winsorise up to ``winmax`` points while ``|skew| ≥ skew`` and
    ``kurtosis ≥ kurt``, else log-transform; ``percentile_cap``: clip to the
    ``low``/``high`` quantiles; ``none``. Goalposts and targets are read against the
    treated values as they stand (COINr's ``Treat`` then ``n_dist2targ``), also after
    the log fallback: the treatment log notes where that happened.
    """

    method: Literal["none", "coinr", "percentile_cap"] = "none"
    winmax: Annotated[int, Field(ge=0)] = 5
    #: what winmax limits: COINr's count (points of the latest step) or distinct points
    count: Literal["coinr", "distinct"] = "coinr"
    skew: Positive = 2.0
    kurt: Number = 3.5
    low: Annotated[float, Field(ge=0, le=1)] = 0.05
    high: Annotated[float, Field(ge=0, le=1)] = 0.95


class Denominator(Model):
    """Divide by another series of the same unit and sub-period, times ``scale``
    (e.g. complaints per 10,000 service items)."""

    by: Id
    scale: Positive = 1.0


class Settings(Model):
    """Catalogue-wide rules.

    ``sibling_weights``: ``renormalise`` divides each set of sibling weights by its sum;
    ``sum_to_one`` additionally requires every set to sum to 1 (± 1e-6), catching typos.
    ``min_coverage``: default share of a node's child weight that must be available for
    the node to get a score (overridable per dimension). ``weights`` and
    ``aggregation`` are the composite's; each dimension has its own.
    """

    sibling_weights: Literal["renormalise", "sum_to_one"] = "renormalise"
    min_coverage: Annotated[float, Field(gt=0, le=1)] = 0.5
    unit_levels: tuple[Id, ...] = ("department", "district")  #: units.level values
    #: most a unit may have imputed (share of its indicators in a period) before it is
    #: "insufficient data"; most an indicator may have imputed (share of units) before
    #: its imputations in that period are dropped
    max_imputed_share_unit: Annotated[float, Field(ge=0, le=1)] = 0.3
    max_imputed_share_indicator: Annotated[float, Field(ge=0, le=1)] = 0.5
    treatment: Treatment = Treatment()  #: default outlier treatment of indicators
    #: weights of the level-1 dimensions and how the composite combines them
    weights: Weights = Weights()
    aggregation: Aggregation = Aggregation()


class Named(Model):
    id: Id
    name_zh: Name
    name_en: Name


class Agency(Named):
    """A reporting agency (监察局, 财政局 …)."""


class PeerGroup(Named):
    """A group of comparable units, ranked among themselves."""


class Dimension(Named):
    """A non-leaf node: level-1 dimension (一级指标) or any deeper sub-dimension."""

    parent: Id | None = None
    weight: Positive = 1.0
    min_coverage: Annotated[float, Field(gt=0, le=1)] | None = None
    weights: Weights = Weights()  #: how this node's children are weighted
    aggregation: Aggregation = Aggregation()  #: how this node combines them
    #: a unit's missing score here (below min_coverage), before the parent combines
    #: it: ``exclude`` (the parent renormalises over its other children), or filled
    #: by ``scoring.aggregate.NODE_IMPUTERS``: the mean or median of this node's
    #: scores in the unit's peer group and period, the unit's latest earlier score
    missing: NodeMissing = "exclude"
    description_zh: str = ""
    description_en: str = ""


class Rollup(Model):
    """How sub-period reports combine into one evaluation period.

    ``mean``; ``sum`` (pro-rata: scaled by expected / reported reports); ``last``
    (latest report, for cumulative rates); ``weighted_mean`` (weighted by the
    ``weight_by`` series reported for the same unit and sub-period).
    """

    method: Literal["mean", "sum", "last", "weighted_mean"]
    weight_by: Id | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data):
        return {"method": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _weight_by_iff_weighted(self):
        if self.method == "weighted_mean" and self.weight_by is None:
            raise Problems([(("weight_by",), None, _rule("weight_by_needed"))])
        if self.method != "weighted_mean" and self.weight_by is not None:
            raise Problems([(("weight_by",), self.weight_by, _rule("weight_by_only"))])
        return self


#: a normalisation entry: one model per method, each beside its kernel in
#: ``scoring.normalise`` (its registry lists them)
Normalisation = Annotated[Union[NORMALISERS.models], Field(discriminator="method")]  # noqa: UP007


def tags(union) -> tuple[str, ...]:
    """The tags a discriminated union accepts, in order: the ``method`` of each
    normalisation, the ``kind`` of each warning rule."""
    models, field = get_args(union)
    key = field.discriminator
    return tuple(
        t for m in get_args(models) for t in get_args(m.model_fields[key].annotation)
    )


#: the normalisation methods the catalogue accepts (``scoring.normalise.NORMALISERS``)
NORMALISATION_METHODS = tags(Normalisation)


class ValidRange(Model):
    min: Number
    max: Number

    @model_validator(mode="after")
    def _ordered(self):
        if not self.min < self.max:
            raise Problems(
                [(("max",), self.max, _rule("max_above_min", min=_number(self.min)))]
            )
        return self


class RiskThresholds(Model):
    """Warning thresholds: a value at or beyond a threshold takes that level."""

    yellow: Number | None = None
    orange: Number | None = None
    red: Number | None = None


#: a warning rule: one model per kind, each beside its rule in ``risk.rules`` (its
#: registry lists them), with ``references(catalogue)``, its problems with the ids
#: it names
WarningRule = Annotated[Union[RULES.models], Field(discriminator="kind")]  # noqa: UP007


class EventType(Named):
    """A kind of event units can be reported for (重大安全事故 …)."""

    veto: bool = False  #: a one-vote veto (一票否决) in the annual appraisal


class RiskSettings(Model):
    """Warning rules beyond indicator thresholds, and the rectification ledger's
    default deadlines (days after the period's end, per level)."""

    rules: tuple[WarningRule, ...] = ()
    due_days: dict[Literal["orange", "red"], Annotated[int, Field(ge=1)]] = {
        "orange": 60,
        "red": 30,
    }


class QualitySettings(Model):
    """Data-quality checks (``risk/quality/``): how strict each one is."""

    #: stable/perfect: equal reports in a row needed (at most a year's worth; at
    #: least 3)
    min_periods: Annotated[int, Field(ge=3)] = 6
    #: stable/perfect: a constant value at least this common among peers is not odd
    common_share: Annotated[float, Field(gt=0, le=1)] = 0.2
    jump_z: Positive = 6.0  #: robust z beyond which a value is a jump
    #: standard errors beyond which a level kept to the latest period is a shift
    shift_z: Positive = 6.0
    #: identical submissions: series compared at least
    identical_min_values: Annotated[int, Field(ge=2)] = 2
    #: identical submissions and copied series: how many coincidences the whole
    #: screen may flag by chance (the chance of each match, times the matches tried)
    chance: Annotated[float, Field(gt=0, lt=1)] = 0.05
    #: copied series: how far (robust SDs of the period's reports) an edited value
    #: of a near copy may be from its source
    copy_near: Positive = 0.5
    #: missing reports: empty values in a row that make a series missing
    missing_run: Annotated[int, Field(ge=2)] = 3
    #: late reports: days after the period's end by which each frequency is due
    due_days: dict[Frequency, Annotated[int, Field(ge=0)]] = {
        "monthly": 10,
        "bimonthly": 15,
        "quarterly": 15,
        "half_year": 15,
        "annual": 20,
    }
    digits_min_values: Annotated[int, Field(ge=10)] = 40
    benford_min_values: Annotated[int, Field(ge=10)] = 100
    #: χ² test level of the digit tests; strict, as one test runs per unit
    digits_p: Annotated[float, Field(gt=0, lt=1)] = 1e-5
    #: isolation forest: off by default (on the corpus it finds no case the other
    #: checks miss, methodology §14); ``true`` runs it
    outlier: bool = False
    #: isolation forest: the anomaly score (0–1; 0.5 is ordinary) above which a
    #: unit-period's changes are flagged
    outlier_score: Annotated[float, Field(gt=0.5, lt=1)] = 0.65
    outlier_min_rows: Annotated[int, Field(ge=10)] = 200


class ContextSeries(Named):
    """A reported series that is not scored (volumes, denominators)."""

    unit_zh: Text
    unit_en: Text
    agency: Id
    frequency: Frequency
    valid: ValidRange
    definition_zh: str = ""
    definition_en: str = ""


class Indicator(Named):
    """A scored leaf of the hierarchy (指标)."""

    parent: Id
    definition_zh: Text
    definition_en: Text
    unit_zh: Text
    unit_en: Text
    direction: Direction
    agency: Id
    frequency: Frequency
    rollup: Rollup
    weight: Positive = 1.0
    transform: Literal["none", "log"] = "none"
    denominator: Denominator | None = None
    treatment: Treatment | None = None  #: overrides settings.treatment
    #: reported labels and their points, e.g. {A: 100, B: 80} (normalisation: ordinal)
    categories: dict[str, Annotated[float, Field(ge=0, le=100)]] | None = None
    normalisation: Normalisation
    target: Number | None = None
    valid: ValidRange
    risk: RiskThresholds | None = None
    missing: Literal[
        "exclude",
        "zero_score",
        "peer_median",
        "peer_mean",
        "carry_forward",
        "trend",
        "knn",
        "iterative",
    ] = "exclude"

    @model_validator(mode="after")
    def _consistent(self):
        problems: list[tuple[tuple, object, str]] = []
        better = (
            (lambda a, b: a > b) if self.direction == "higher" else (lambda a, b: a < b)
        )
        word = _rule("greater" if self.direction == "higher" else "less")
        direction = _rule(self.direction)
        lo, hi = self.valid.min, self.valid.max
        n = self.normalisation
        if isinstance(n, Goalposts) and not better(n.best, n.worst):
            problems.append(
                (
                    ("normalisation", "best"),
                    n.best,
                    _rule(
                        "best_worst",
                        than=word,
                        worst=_number(n.worst),
                        direction=direction,
                    ),
                )
            )
        if (self.categories is None) == isinstance(n, Ordinal):
            problems.append(
                (
                    ("categories",),
                    self.categories,
                    _rule("ordinal_categories"),
                )
            )
        if self.transform == "log" and lo <= 0:
            problems.append(
                (
                    ("valid", "min"),
                    lo,
                    _rule("log_min"),
                )
            )
        if self.target is not None and not lo <= self.target <= hi:
            problems.append(
                (
                    ("target",),
                    self.target,
                    _rule("in_range", lo=_number(lo), hi=_number(hi)),
                )
            )
        if isinstance(n, DistanceToTarget):
            if self.target is None:
                problems.append((("target",), None, _rule("target_needed")))
            elif n.worst is not None and not better(self.target, n.worst):
                problems.append(
                    (
                        ("normalisation", "worst"),
                        n.worst,
                        _rule(
                            "target_worst",
                            target=_number(self.target),
                            than=word,
                            direction=direction,
                        ),
                    )
                )
        if self.risk is not None:
            levels = [(k, getattr(self.risk, k)) for k in ("yellow", "orange", "red")]
            set_levels = [(k, v) for k, v in levels if v is not None]
            for (k1, v1), (k2, v2) in zip(set_levels, set_levels[1:], strict=False):
                if not better(v1, v2):
                    problems.append(
                        (
                            ("risk", k2),
                            v2,
                            _rule(
                                "risk_order",
                                direction=direction,
                                level=_level(k1),
                                value=_number(v1),
                                order=_rule(
                                    "descending"
                                    if self.direction == "higher"
                                    else "ascending"
                                ),
                            ),
                        )
                    )
            for k, v in set_levels:
                if not lo <= v <= hi:
                    problems.append(
                        (
                            ("risk", k),
                            v,
                            _rule("in_range", lo=_number(lo), hi=_number(hi)),
                        )
                    )
        raise_if(problems)
        return self


ADDED = object()  #: in :data:`LEGACY_DUMP`: a field the full dump did not have yet

#: How the catalogue hash was made before 3072f9c ("Issue 16 (most of it)"): SHA-256
#: of the full canonical JSON dump, defaults included, so every field added since
#: changes it although the YAML file does not. :attr:`Catalogue.legacy_sha256`
#: dumps a catalogue as that version did, to recognise a run it recorded: per model,
#: each field added since (``ADDED``) left out, and each default changed or field
#: removed since put back as it was (``identical_min_values`` 4; ``outlier_share``
#: 0.01) — only where today's value is today's default; a value set otherwise is
#: something that version could not read, and the hash then does not match. Found
#: with ``git diff 3072f9c^ -- evaluation/``; a field added to a catalogue model
#: belongs here too (``tests/test_catalogue_hash.py`` checks).
LEGACY_DUMP: dict[type, dict[str, object]] = {
    MinMax: {"low": ADDED, "high": ADDED},
    ZScore: {"clip": ADDED},
    RobustZ: {"clip": ADDED},
    Goalposts: {"per": ADDED, "scale": ADDED, "truncate": ADDED},
    DistanceToTarget: {"cap": ADDED, "per": ADDED, "scale": ADDED},
    Reference: {"cap": ADDED},
    Dimension: {"missing": ADDED},
    QualitySettings: {
        **dict.fromkeys(
            ("shift_z", "chance", "copy_near", "missing_run", "due_days"), ADDED
        ),
        "outlier": ADDED,
        "outlier_score": ADDED,  # replaced outlier_share
        "outlier_share": 0.01,
        "identical_min_values": 4,
    },
}


def _legacy_dump(obj: object, dumped: object) -> None:
    """Turn ``dumped`` (``obj``'s JSON dump) into the dump before 3072f9c, in place."""
    if isinstance(obj, BaseModel):
        fields = type(obj).model_fields
        for name in fields:
            _legacy_dump(getattr(obj, name), dumped[name])
        for name, then in LEGACY_DUMP.get(type(obj), {}).items():
            if name in fields and getattr(obj, name) != fields[name].get_default(
                call_default_factory=True
            ):
                continue  # set to something that version did not have
            if then is ADDED:
                dumped.pop(name, None)
            else:
                dumped[name] = then
    elif isinstance(obj, (list, tuple)):
        for item, out in zip(obj, dumped, strict=True):
            _legacy_dump(item, out)
    elif isinstance(obj, dict):
        for key, item in obj.items():
            _legacy_dump(item, dumped[str(key)])


class Catalogue(Model):
    """The whole catalogue. Derived tables are cached properties."""

    id: Id
    version: Text
    name_zh: Name
    name_en: Name
    settings: Settings = Settings()
    agencies: tuple[Agency, ...]
    peer_groups: tuple[PeerGroup, ...]
    dimensions: tuple[Dimension, ...]
    indicators: tuple[Indicator, ...]
    context: tuple[ContextSeries, ...] = ()
    events: tuple[EventType, ...] = ()
    risk: RiskSettings = RiskSettings()
    quality: QualitySettings = QualitySettings()
    _source: str = PrivateAttr(default="")  # the file it was loaded from, if any
    _file_sha256: str = PrivateAttr(default="")  # that file's bytes, hashed

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo):
        """Run :data:`CROSS_CHECKS` in turn, collecting every fault; the tree checks
        (:data:`TREE_CHECKS`) need known parents, so they run once those pass. A
        stored run's catalogue (context ``stored``) skips :data:`NEW_RUNS_ONLY`."""
        stored = bool((info.context or {}).get("stored"))
        for checks in (CROSS_CHECKS, TREE_CHECKS):
            run = [c for c in checks if not (stored and c in NEW_RUNS_ONLY)]
            raise_if([p for check in run for p in check(self)])
        return self

    def __copy__(self):
        """A copy derives its own tables and memo: ``model_copy(update=…)`` goes
        through here, and the original's, shared or copied, would describe the
        original (a tree of the copy's would be served back to it)."""
        return self._underived(super().__copy__())

    def __deepcopy__(self, memo=None):
        return self._underived(super().__deepcopy__(memo))

    def __getstate__(self):
        """Pickled (a process pool, Dask's workers) with its fields only: what was
        derived is derived again where it is read (and a catalogue read back
        compares equal to the one sent)."""
        state = super().__getstate__()
        fields = type(self).model_fields
        state["__dict__"] = {k: v for k, v in state["__dict__"].items() if k in fields}
        return state

    @staticmethod
    def _underived(new: Catalogue) -> Catalogue:
        """``new`` without what was derived from the catalogue it was copied from
        (its cached properties, :attr:`memo`): only its fields are kept."""
        fields = type(new).model_fields
        for name in [k for k in new.__dict__ if k not in fields]:
            del new.__dict__[name]
        return new

    # ----------------------------------------------------------------- derived
    @property
    def source_path(self) -> str:
        """The YAML file this catalogue was loaded from ('' if built in memory)."""
        return self._source

    @cached_property
    def sha256(self) -> str:
        """Hash of the catalogue's content (canonical JSON), not of its YAML layout:
        what is written, defaults left out, so that a new option with a default (a
        later version of the package) does not change the hash of a catalogue that
        does not use it, and a run stays reproducible."""
        text = json.dumps(
            self.model_dump(mode="json", exclude_defaults=True),
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def file_sha256(self) -> str:
        """SHA-256 of the bytes of the YAML file it was loaded from ('' if built in
        memory): the file unchanged although a later version reads it differently."""
        return self._file_sha256

    @cached_property
    def memo(self) -> dict:
        """What a stage derives from the catalogue alone, kept with it by the stage
        under a key of its own (the aggregation tree of a set of indicators): the
        catalogue is frozen, so none of it goes stale, and a run scored again (a
        notebook, the dashboard's what-if) does not derive it again."""
        return {}

    @cached_property
    def legacy_sha256(self) -> str:
        """The hash as versions before 3072f9c made it (the full dump, defaults
        included; :data:`LEGACY_DUMP`), to recognise the runs they recorded."""
        dumped = self.model_dump(mode="json")
        _legacy_dump(self, dumped)
        text = json.dumps(dumped, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @cached_property
    def table(self) -> pd.DataFrame:
        """One row per indicator, indexed by ``indicator_id`` (COINr's iMeta)."""
        rows = []
        for ind in self.indicators:
            n = ind.normalisation
            rows.append(
                {
                    "indicator_id": ind.id,
                    "name_zh": ind.name_zh,
                    "name_en": ind.name_en,
                    "parent": ind.parent,
                    "direction": ind.direction,
                    "agency": ind.agency,
                    "frequency": ind.frequency,
                    "rollup": ind.rollup.method,
                    "weight_by": ind.rollup.weight_by,
                    "weight": ind.weight,
                    "normalisation": n.method,
                    "transform": ind.transform,
                    "denominator": ind.denominator.by if ind.denominator else None,
                    "denominator_scale": ind.denominator.scale
                    if ind.denominator
                    else 1.0,
                    "target": ind.target,
                    "valid_min": ind.valid.min,
                    "valid_max": ind.valid.max,
                    "unit_zh": ind.unit_zh,
                    "unit_en": ind.unit_en,
                    "missing": ind.missing,
                }
            )
        return pd.DataFrame(rows).set_index("indicator_id")

    @cached_property
    def series(self) -> pd.DataFrame:
        """Every reported series (indicators, context): agency, frequency, range,
        unit, whether it counts things (``count``: a unit of
        :data:`~evaluation.vocabulary.COUNT_UNITS`, 件, 个 …: whole numbers only)."""
        rows = [
            {
                "series_id": s.id,
                "kind": "indicator" if isinstance(s, Indicator) else "context",
                "agency": s.agency,
                "frequency": s.frequency,
                "valid_min": s.valid.min,
                "valid_max": s.valid.max,
                "unit_en": s.unit_en,
                "count": is_count((s.unit_zh, s.unit_en)),
                "direction": getattr(s, "direction", None),  # context: none
            }
            for s in (*self.indicators, *self.context)
        ]
        return pd.DataFrame(rows).set_index("series_id")

    @cached_property
    def nodes(self) -> pd.DataFrame:
        """Every node of the hierarchy with parent, depth and local (sibling) weight.

        ``local_weight`` is the weight divided by the sum of its siblings' weights;
        ``depth`` 1 = level-1 dimension. Ordered dimensions first, then indicators,
        each in catalogue order.
        """
        items = [*self.dimensions, *self.indicators]
        frame = pd.DataFrame(
            {
                "node_id": [n.id for n in items],
                "kind": ["dimension"] * len(self.dimensions)
                + ["indicator"] * len(self.indicators),
                "parent": [n.parent or COMPOSITE for n in items],
                "weight": [n.weight for n in items],
                "name_zh": [n.name_zh for n in items],
                "name_en": [n.name_en for n in items],
            }
        ).set_index("node_id")
        parent = frame["parent"].to_dict()
        depth = {}
        for node in frame.index:
            d, p = 1, parent[node]
            while p != COMPOSITE:
                d, p = d + 1, parent[p]
            depth[node] = d
        frame["depth"] = pd.Series(depth)
        frame["local_weight"] = frame["weight"] / frame.groupby("parent")[
            "weight"
        ].transform("sum")
        cover = {
            d.id: d.min_coverage or self.settings.min_coverage for d in self.dimensions
        }
        frame["min_coverage"] = frame.index.map(cover)
        return frame

    @cached_property
    def node_columns(self) -> dict[str, dict]:
        """:attr:`nodes`' columns as plain dicts (node id → value), read only: the
        aggregation reads them per node on every call, without pandas."""
        return {c: self.nodes[c].to_dict() for c in self.nodes.columns}

    @cached_property
    def methods(self) -> dict[str, tuple[Weights, Aggregation]]:
        """Each parent node (dimensions, ``composite``) → (weights, aggregation)."""
        out = {d.id: (d.weights, d.aggregation) for d in self.dimensions}
        out[COMPOSITE] = (self.settings.weights, self.settings.aggregation)
        return out

    def top_dimensions(self) -> list[str]:
        """Level-1 dimension ids, in catalogue order."""
        return [d.id for d in self.dimensions if d.parent is None]

    @cached_property
    def unit_words(self) -> dict[str, tuple[str, str]]:
        """Each indicator's unit of measure, zh and en (for reasons and labels)."""
        return {i.id: (i.unit_zh, i.unit_en) for i in self.indicators}

    def peer_group_names(self, lang: str = "zh") -> dict[str, str]:
        """Each peer group's id → its name in ``lang`` (``zh`` or ``en``), in
        catalogue order (a league-table figure's colours and legend)."""
        if lang not in ("zh", "en"):
            raise ValueError(f"lang must be zh or en, not {lang!r}")
        return {g.id: getattr(g, f"name_{lang}") for g in self.peer_groups}

    def name(self, node_id: str, lang: str = "en") -> str:
        """Display name of a node, peer group, agency, event or ``composite``."""
        if node_id == COMPOSITE:
            return "综合得分" if lang == "zh" else "Composite score"
        for group in (
            self.dimensions,
            self.indicators,
            self.peer_groups,
            self.agencies,
            self.context,
            self.events,
        ):
            for item in group:
                if item.id == node_id:
                    return item.name_zh if lang == "zh" else item.name_en
        raise KeyError(node_id)

    def name_or_id(self, node_id, lang: str = "en") -> str:
        """:meth:`name`, or the id itself for one this catalogue does not have (a
        stored run's node the catalogue has dropped since): shown as it is."""
        try:
            return self.name(node_id, lang)
        except KeyError:
            return str(node_id)


# ------------------------------------------------------------ catalogue checks
# Rules over the whole catalogue, one rule each: a check takes the catalogue (every
# entry already well-formed on its own) and returns its faults as (path, value,
# message). All run, and every fault is reported at once.


def _sections_have_entries(c: Catalogue) -> list[Problem]:
    """There is at least one dimension and one indicator."""
    return [
        ((section,), "[]", _rule("needs_entry"))
        for section in ("dimensions", "indicators")
        if not getattr(c, section)
    ]


def _series_ids_unique(c: Catalogue) -> list[Problem]:
    """Dimension, indicator and context ids are unique together, and none is
    ``composite``."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for section in ("dimensions", "indicators", "context"):
        for i, item in enumerate(getattr(c, section)):
            if item.id == COMPOSITE:
                problems.append(
                    ((section, i, "id"), item.id, _rule("reserved", id=COMPOSITE))
                )
            elif item.id in seen:
                problems.append(
                    (
                        (section, i, "id"),
                        item.id,
                        _rule("duplicate_first", first=seen[item.id]),
                    )
                )
            else:
                seen[item.id] = f"{section}[{i}]"
    return problems


def _agency_and_group_ids_unique(c: Catalogue) -> list[Problem]:
    """Agency ids are unique, and so are peer-group ids."""
    problems: list[Problem] = []
    for section in ("agencies", "peer_groups"):
        ids = [a.id for a in getattr(c, section)]
        for i, a in enumerate(ids):
            if a in ids[:i]:
                problems.append(((section, i, "id"), a, _rule("duplicate")))
    return problems


def _parents_are_dimensions(c: Catalogue) -> list[Problem]:
    """Every dimension's parent (if any) and every indicator's is a dimension."""
    dims = {d.id for d in c.dimensions}
    nodes = [("dimensions", i, d) for i, d in enumerate(c.dimensions)]
    nodes += [("indicators", i, ind) for i, ind in enumerate(c.indicators)]
    return [
        ((section, i, "parent"), n.parent, _rule("parent_dimension"))
        for section, i, n in nodes
        if n.parent is not None and n.parent not in dims  # top dimensions: None
    ]


def _agencies_known(c: Catalogue) -> list[Problem]:
    """Every indicator and context series names a listed agency."""
    agencies = {a.id for a in c.agencies}
    return [
        (
            (section, i, "agency"),
            item.agency,
            _rule("unknown_agency", known=_known(agencies)),
        )
        for section in ("indicators", "context")
        for i, item in enumerate(getattr(c, section))
        if item.agency not in agencies
    ]


def _denominators_known(c: Catalogue) -> list[Problem]:
    """A denominator is another series reported as often as the indicator."""
    series = {s.id: s for s in (*c.indicators, *c.context)}
    return [
        (
            ("indicators", i, "denominator", "by"),
            d.by,
            _rule("denominator", frequency=_frequency(ind.frequency)),
        )
        for i, ind in enumerate(c.indicators)
        if (d := ind.denominator) is not None
        and (
            d.by not in series
            or d.by == ind.id
            or series[d.by].frequency != ind.frequency
        )
    ]


def _weight_by_known(c: Catalogue) -> list[Problem]:
    """A weighted mean's ``weight_by`` is a series reported as often."""
    series = {s.id: s for s in (*c.indicators, *c.context)}
    problems: list[Problem] = []
    for i, ind in enumerate(c.indicators):
        wb = ind.rollup.weight_by
        if wb is None:
            continue
        at = ("indicators", i, "rollup", "weight_by")
        if wb not in series:
            problems.append((at, wb, _rule("weight_by_series")))
        elif series[wb].frequency != ind.frequency:
            problems.append(
                (
                    at,
                    wb,
                    _rule(
                        "weight_by_frequency",
                        frequency=_frequency(ind.frequency),
                        other=_frequency(series[wb].frequency),
                    ),
                )
            )
    return problems


def _manual_sibling_sets(c: Catalogue):
    """Each node whose children's ``weight`` fields are its weights (manual, or a
    manual blend): ``(node, [(section, index, child), …])``, ``None`` the composite.
    Not the children of a parent that names no dimension (a typo, said by
    :func:`_parents_are_dimensions`): that node does not exist."""
    groups: dict[str | None, list] = {}
    for section in ("dimensions", "indicators"):
        for i, n in enumerate(getattr(c, section)):
            groups.setdefault(n.parent, []).append((section, i, n))
    method = {d.id: d.weights for d in c.dimensions}
    method[None] = c.settings.weights
    for key, members in groups.items():
        spec = method.get(key)
        if spec is not None and (
            spec.method == "manual"
            or (spec.method == "blend" and spec.subjective == "manual")
        ):
            yield key, members


def _made_whole_by_strays(c: Catalogue):
    """Whether a set's sum could be 1 with some of the nodes whose parent names no
    dimension (a typo) back in it: a set such a node left is short of their weights,
    and its sum is not said (the parent is; the sum, if still off, once it is
    mended). A stray weight at fault (NaN) could be any, as could too many strays."""
    dims = {d.id for d in c.dimensions}
    stray = [
        n.weight
        for n in (*c.dimensions, *c.indicators)
        if n.parent is not None and n.parent not in dims
    ]
    sums = {0.0}  # what some of the strays add, up to 1
    for w in stray:
        if w != w or len(sums) > 1024:  # NaN, or too many to follow
            return lambda total: total < 1
        sums |= {round(s + w, 9) for s in sums if s + w <= 1 + 1e-6}
    return lambda total: any(abs(total + s - 1) <= 1e-6 for s in sums)


def _unwritten(members) -> list:
    """The members whose ``weight`` is not written (the default 1 taken)."""
    return [m for m in members if "weight" not in m[2].model_fields_set]


def _sibling_weights_sum_to_one(c: Catalogue) -> list[Problem]:
    """With ``sibling_weights: sum_to_one``, the ``weight`` fields of each node's
    children sum to 1 where the node uses them (manual weights, or a manual blend).
    A child with no ``weight`` written counts 1, and the message names it, at its
    path: the sum alone would not say a weight was forgotten. A set a mistyped
    parent's node may have left (:func:`_made_whole_by_strays`) waits for the typo."""
    if c.settings.sibling_weights != "sum_to_one":
        return []
    problems: list[Problem] = []
    whole = _made_whole_by_strays(c)
    for key, members in _manual_sibling_sets(c):
        total = sum(n.weight for _, _, n in members)
        if abs(total - 1) > 1e-6 and not whole(total):
            unwritten = _unwritten(members)
            section, i, _ = unwritten[0] if unwritten else members[-1]
            ids = _ids(_child_weight(*m, m in unwritten) for m in members)
            said = _rule("weights_sum", node=_node(key), ids=ids)
            more = []
            if unwritten:
                more.append(
                    _rule("weights_unwritten", ids=_ids(n.id for *_, n in unwritten))
                )
            if abs(total - 100) <= 1e-6 * 100:  # percentages: 25 for 0.25
                w = members[0][2].weight
                more.append(
                    _rule(
                        "weights_percent",
                        typed=_number(w),
                        fraction=_number(round(w / 100, 12)),
                    )
                )
            said = Word(*("".join(t) for t in zip(said, *more, strict=True)))
            problems.append(((section, i, "weight"), round(total, 9), said))
    return problems


#: the line of a path in the file being read (:func:`parse_catalogue`'s
#: ``line_of``), for a problem's words that name other places than its own
_LINE_OF: ContextVar[Callable[[str], int | None] | None] = ContextVar(
    "catalogue_line_of", default=None
)


def _child_weight(section: str, i: int, n, unwritten: bool) -> Word:
    """A child in a sum of weights: its id and weight (未填写 / not written) and,
    read from a file, the line of its weight (of its entry, the weight unwritten)."""
    weight = _rule("weights_child_unwritten") if unwritten else _number(n.weight)
    line_of = _LINE_OF.get()
    path = f"{section}[{i}]" if unwritten else f"{section}[{i}].weight"
    line = line_of(path) if line_of is not None else None
    if line is None:
        return _rule("weights_child", id=n.id, weight=weight)
    return _rule("weights_child_at", id=n.id, weight=weight, line=line)


def _sibling_weights_all_or_none(c: Catalogue) -> list[Problem]:
    """With ``sibling_weights: renormalise``, a node's children have a ``weight``
    written for all of them or for none (equal weights): one left out among written
    ones would count 1 (0.4 and 0.2 beside it: 63% of the node), a forgotten weight
    no sum catches. Each one left out is said at its path."""
    if c.settings.sibling_weights != "renormalise":
        return []
    problems: list[Problem] = []
    for key, members in _manual_sibling_sets(c):
        unwritten = _unwritten(members)
        if not unwritten or len(unwritten) == len(members):
            continue
        written = _ids([m[2].id for m in members if m not in unwritten])
        said = _rule("weight_unwritten", node=_node(key), ids=written)
        problems += [((s, i, "weight"), None, said) for s, i, _ in unwritten]
    return problems


def _ahp_names_the_children(c: Catalogue) -> list[Problem]:
    """An AHP matrix lists exactly the children of its node."""
    children: dict[str | None, set] = {}
    for n in (*c.dimensions, *c.indicators):
        children.setdefault(n.parent, set()).add(n.id)
    specs = [(("settings", "weights"), None, c.settings.weights)] + [
        (("dimensions", i, "weights"), d.id, d.weights)
        for i, d in enumerate(c.dimensions)
    ]
    return [
        (
            (*path, "ahp", "children"),
            list(spec.ahp.children),
            _rule(
                "ahp_children",
                node=_node(node),
                children=str(sorted(children.get(node, set()))),
            ),
        )
        for path, node, spec in specs
        if spec.ahp is not None and set(spec.ahp.children) != children.get(node, set())
    ]


def _no_cycles(c: Catalogue) -> list[Problem]:
    """Following parents up from any dimension reaches the composite."""
    parent = {d.id: d.parent for d in c.dimensions}
    problems: list[Problem] = []
    for i, d in enumerate(c.dimensions):
        chain, node = [d.id], d.parent
        while node is not None and node not in chain:
            chain.append(node)
            node = parent[node]
        if node is not None:
            problems.append(
                (
                    ("dimensions", i, "parent"),
                    d.parent,
                    _rule("cycle", chain=" -> ".join([*chain, node])),
                )
            )
    return problems


def _warning_rules_refer_to_known_ids(c: Catalogue) -> list[Problem]:
    """Each warning rule names known nodes, series and events (the rule's own
    ``references``)."""
    return [
        (("risk", "rules", i, *path), value, message)
        for i, rule in enumerate(c.risk.rules)
        for path, value, message in rule.references(c)
    ]


def _one_rule_of_a_kind_per_node(c: Catalogue) -> list[Problem]:
    """No two warning rules of one kind grade one node (nor list one event): the
    ledger keeps one item per unit, node and rule kind (``period/unit/node/rule``),
    so their warnings would share an item that follows whichever warned worse."""
    problems: list[Problem] = []
    first: dict[tuple[str, str], str] = {}
    for i, rule in enumerate(c.risk.rules):
        if rule.kind == "event":
            named = [
                (("events", j), e) for j, e in enumerate(dict.fromkeys(rule.events))
            ]
        else:
            named = [(("node",), rule.node)]
        for path, node in named:
            at = first.setdefault((rule.kind, node), f"risk.rules[{i}]")
            if at != f"risk.rules[{i}]":
                said = _rule(
                    "event_twice" if rule.kind == "event" else "rule_twice",
                    kind=rule.kind,
                    kind_words=say("risk_rule", rule.kind),
                    first=at,
                )
                problems.append((("risk", "rules", i, *path), node, said))
    return problems


def _dimensions_have_children(c: Catalogue) -> list[Problem]:
    """Every dimension has a sub-dimension or an indicator under it."""
    has_child = {d.parent for d in c.dimensions if d.parent} | {
        i.parent for i in c.indicators
    }
    return [
        (("dimensions", i, "id"), d.id, _rule("no_children"))
        for i, d in enumerate(c.dimensions)
        if d.id not in has_child
    ]


def _positive_children(c: Catalogue) -> list[Problem]:
    """A mean with no meaning below 0 (``Aggregation.needs_nonnegative``) has no
    child whose declared range (``normalise.output_range``; a dimension's from its
    children's) reaches below 0 (z-scores, uncapped ratios …): whatever ``zero``
    says, those scores would be misread (a geometric mean would score the node 0
    silently). And a mean that takes children > 0 only (geometric, harmonic,
    generalised with p < 0) and says ``zero: error`` has no child that will surely
    score 0: an indicator whose worst unit always scores a low end of 0 (min-max to
    [0, …], ranks), or a dimension that is itself such a mean with ``zero: zero``
    over one. The run would stop there; ``zero: zero`` scores the node 0 instead.
    Fixed goalposts at 0 stop the run only if a value reaches them, so they are
    left to it."""
    if _no_cycles(c):  # reported there; the walk below needs a tree
        return []
    indicators = {i.id: i for i in c.indicators}
    how = {d.id: d.aggregation for d in c.dimensions}
    how[COMPOSITE] = c.settings.aggregation
    kids: dict[str, list[str]] = {}
    for item in (*c.dimensions, *c.indicators):
        kids.setdefault(item.parent or COMPOSITE, []).append(item.id)
    ranges: dict[str, tuple[float, float]] = {}

    def span(node: str) -> tuple[float, float]:
        if node in indicators:
            return output_range(indicators[node], c.settings.treatment)
        if node not in ranges:
            ranges[node] = how[node].range([span(k) for k in kids.get(node, [])])
        return ranges[node]

    def reaches_zero(node: str) -> bool:
        """Some unit surely scores 0 here (in a period with two units or more)."""
        if span(node)[0] != 0:
            return False
        if node in indicators:
            return indicators[node].normalisation.attains_low
        agg = how[node]
        return (
            agg.needs_positive
            and agg.zero == "zero"
            and any(map(reaches_zero, kids.get(node, [])))
        )

    def what(ks: list[str]) -> Word:
        said = []
        for k in ks:
            lo, hi = span(k)
            kind = (
                indicators[k].normalisation.method if k in indicators else "dimension"
            )
            said.append(
                _rule("child_range", id=k, kind=kind, lo=f"{lo:g}", hi=f"{hi:g}")
            )
        return _ids(said)

    paths = {d.id: ("dimensions", i) for i, d in enumerate(c.dimensions)}
    paths[COMPOSITE] = ("settings",)
    problems: list[Problem] = []
    for node, agg in how.items():
        if not agg.needs_nonnegative:
            continue
        below = [k for k in kids.get(node, []) if span(k)[0] < 0]
        if below:
            problems.append(
                (
                    (*paths[node], "aggregation", "method"),
                    agg.method,
                    _rule(
                        "mean_below_zero", method=_method(agg.method), what=what(below)
                    ),
                )
            )
            continue
        if not (agg.needs_positive and agg.zero == "error"):
            continue
        low = [k for k in kids.get(node, []) if reaches_zero(k)]
        if low:
            problems.append(
                (
                    (*paths[node], "aggregation", "zero"),
                    agg.zero,
                    _rule("mean_zero", method=_method(agg.method), what=what(low)),
                )
            )
    return problems


#: checks of entries against each other, run first
CROSS_CHECKS = (
    _sections_have_entries,
    _series_ids_unique,
    _agency_and_group_ids_unique,
    _parents_are_dimensions,
    _agencies_known,
    _denominators_known,
    _weight_by_known,
    _sibling_weights_sum_to_one,
    _sibling_weights_all_or_none,
    _ahp_names_the_children,
    _warning_rules_refer_to_known_ids,  # ids alone: said beside a weight typo
)
#: checks that walk the hierarchy: they need every parent known (CROSS_CHECKS pass)
TREE_CHECKS = (
    _no_cycles,
    _one_rule_of_a_kind_per_node,
    _dimensions_have_children,
    _positive_children,
)
#: checks that refuse what an earlier version scored and stored: a new run's
#: catalogue must pass them, a stored run's is read back as it was scored
NEW_RUNS_ONLY = frozenset({_one_rule_of_a_kind_per_node, _sibling_weights_all_or_none})


# --------------------------------------------------------------------- loading
def load_catalogue(path: str | Path, *, stored: bool = False) -> Catalogue:
    """Read and validate ``indicators.yaml``; ``CatalogueError`` lists every problem.
    ``stored``: the file a stored run was scored with (:func:`parse_catalogue`)."""
    path = Path(path)
    # file, encoding, syntax, size and keys written twice refused there; each
    # problem with its line and entry's id
    catalogue = load_yaml_config(
        path,
        lambda raw, line_of: parse_catalogue(
            raw, file=path.name, stored=stored, line_of=line_of
        ),
        stored=stored,
    )
    catalogue._source = str(path)
    catalogue._file_sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    return catalogue


def parse_catalogue(
    raw: object,
    *,
    file: str = "<catalogue>",
    stored: bool = False,
    line_of: Callable[[str], int | None] | None = None,
) -> Catalogue:
    """Validate an already-parsed mapping (e.g. built in a notebook or a test).
    ``stored``: the catalogue a stored run was scored with (a result folder's, a
    store's manifest), read back without :data:`NEW_RUNS_ONLY`'s checks.
    ``line_of``: a path's line in the file ``raw`` was read from, for the words of
    a problem that name other places (each weight of a sum off 1)."""
    token = _LINE_OF.set(line_of)
    try:
        return _parse_catalogue(raw, file, stored)
    finally:
        _LINE_OF.reset(token)


def _parse_catalogue(raw: object, file: str, stored: bool) -> Catalogue:
    if not isinstance(raw, dict):
        raise CatalogueError(
            problem_table([(file, "", type(raw).__name__, _rule("top_level"))])
        )
    try:
        return Catalogue.model_validate(raw, context={"stored": stored})
    except ValidationError as exc:
        rows = _problems_from(exc, file)
        if all(err["loc"] for err in exc.errors()):  # fields at fault: ids unchecked
            said = {path for _, path, _, _ in rows}
            rows += [
                (file, path, value, message)
                for at, value, message in _id_faults(raw) + _weight_faults(raw, stored)
                if (path := field_path(list(at))) not in said
            ]
        raise CatalogueError(problem_table(rows)) from None


#: the cross-checks that read entries' ids alone (their id, parent and agency), run
#: by :func:`_id_faults` on a catalogue whose fields have faults
ID_CHECKS = (
    _series_ids_unique,
    _agency_and_group_ids_unique,
    _parents_are_dimensions,
    _agencies_known,
)
#: what :func:`_id_faults` reads of each section's entries (a target: whether given)
_ID_FIELDS = {
    "agencies": (Agency, ("id",)),
    "peer_groups": (PeerGroup, ("id",)),
    "dimensions": (Dimension, ("id", "parent")),
    "indicators": (Indicator, ("id", "parent", "agency", "target")),
    "context": (ContextSeries, ("id", "agency")),
    "events": (EventType, ("id",)),
}
_RULE = TypeAdapter(WarningRule)


def _id_faults(raw: dict) -> list[Problem]:
    """:data:`ID_CHECKS` and the warning rules' ids (each rule well-formed on its
    own), on ``raw``'s entries by their ids alone: the cross-checks need every entry
    well-formed, and a duplicate code or a rule naming an unknown node would wait
    for the next pass after a bad weight. Text only (an id that is not text is a
    field's fault, said as such); nothing when a section is not a list of mappings
    (every id would read as unknown)."""
    view = {}
    for section, (model, keys) in _ID_FIELDS.items():
        entries = raw.get(section, [] if section in ("context", "events") else None)
        if not isinstance(entries, list) or not all(
            isinstance(e, dict) for e in entries
        ):
            return []
        view[section] = tuple(
            model.model_construct(
                **{
                    k: v if k == "target" or isinstance(v, str) else None
                    for k in keys
                    for v in [e.get(k)]
                }
            )
            for e in entries
        )
    c = Catalogue.model_construct(**view)
    problems = [p for check in ID_CHECKS for p in check(c)]
    risk = raw.get("risk")
    rules = risk.get("rules") if isinstance(risk, dict) else None
    for i, rule in enumerate(rules if isinstance(rules, list) else []):
        try:
            rule = _RULE.validate_python(rule)
        except ValidationError:
            continue  # its own faults are said
        problems += [
            (("risk", "rules", i, *at), v, m) for at, v, m in rule.references(c)
        ]
    return problems


#: the sibling-weight checks, run by :func:`_weight_faults` on a catalogue whose
#: fields have faults
WEIGHT_CHECKS = (_sibling_weights_sum_to_one, _sibling_weights_all_or_none)


def _weight_faults(raw: dict, stored: bool = False) -> list[Problem]:
    """:data:`WEIGHT_CHECKS` on ``raw``'s dimensions and indicators by their id,
    parent and weight, and how each node weights its children (``weights``, the
    settings'): a bad direction would hide a sum off 1 until the next pass. A
    weight at fault itself counts NaN, so its siblings' sum is not said (the
    weight's own fault is) and the other sets' are; nothing when an id, a parent, a
    ``weights`` or the settings' ``sibling_weights`` is at fault or missing: which
    children a node has, and whether their weights are its weights, is not known."""
    context = {"stored": stored}
    settings = raw.get("settings", {})
    view = {}
    for section, model, keys in (
        ("settings", Settings, ("sibling_weights", "weights")),
        ("dimensions", Dimension, ("id", "parent", "weights")),
        ("indicators", Indicator, ("id", "parent")),
    ):
        entries = [settings] if section == "settings" else raw.get(section)
        if not isinstance(entries, list):
            return []
        built = []
        for entry in entries:
            fields = _fields(model, entry, keys, context)
            if fields is None:
                return []
            if section != "settings" and "weight" in entry:
                weight = _fields(model, entry, ("weight",), context)
                fields["weight"] = float("nan") if weight is None else weight["weight"]
            built.append(model.model_construct(**fields))
        view[section] = built[0] if section == "settings" else tuple(built)
    c = Catalogue.model_construct(**view)
    checks = [k for k in WEIGHT_CHECKS if not (stored and k in NEW_RUNS_ONLY)]
    return [p for check in checks for p in check(c)]


def _fields(model, entry: object, keys, context: dict) -> dict | None:
    """``entry``'s ``keys`` that are written, each validated on its own as ``model``
    types it; None if ``entry`` is not a mapping or one of them is at fault or, when
    required, missing."""
    if not isinstance(entry, dict):
        return None
    out = {}
    for key in keys:
        if key not in entry:
            if model.model_fields[key].is_required():
                return None
            continue
        try:
            out[key] = _field_type(model, key).validate_python(
                entry[key], context=context
            )
        except ValidationError:
            return None
    return out


@cache
def _field_type(model, key: str) -> TypeAdapter:
    """What ``model`` takes for its field ``key``, to validate one value."""
    field = model.model_fields[key]
    if not field.metadata:  # no constraint beside the type
        return TypeAdapter(field.annotation)
    return TypeAdapter(Annotated[field.annotation, *field.metadata])


# ------------------------------------------------------- variants and changes
def variant(
    catalogue: Catalogue,
    *,
    weights: Mapping[str, float] | None = None,
    methods: Mapping[str, Mapping] | None = None,
    version: str | None = None,
) -> Catalogue:
    """A changed copy of ``catalogue``, validated as a loaded one (sibling weights,
    AHP consistency, every cross-check): what an expert panel tries before it edits
    ``indicators.yaml``.

    ``weights``: node id (dimension or indicator) → its new ``weight`` field;
    ``methods``: parent node id (a dimension, or ``composite`` for the level-1
    weights) → its new ``weights`` spec, e.g. ``{"method": "ahp", "ahp":
    {"children": [...], "matrix": [[...], ...]}}`` or ``{"method": "entropy"}``;
    ``version``: the copy's version (default: the original's with ``+variant``).
    An unknown node is a ``CatalogueError`` naming it; so is every problem the
    changed catalogue has (``weights.efficiency``, ``dimensions[0].weights.ahp``).
    """
    raw = catalogue.model_dump(mode="json")
    entries = {e["id"]: e for e in (*raw["dimensions"], *raw["indicators"])}
    parents = {d["id"]: d for d in raw["dimensions"]}
    parents[COMPOSITE] = raw["settings"]
    file = "<variant>"
    rows = []
    for node, weight in (weights or {}).items():
        if node in entries:
            entries[node]["weight"] = weight
        else:
            rows.append((file, f"weights.{node}", node, _rule("unknown_node")))
    for node, spec in (methods or {}).items():
        if node in parents:
            parents[node]["weights"] = dict(spec)
        else:
            said = _rule("unknown_parent", composite=quoted(COMPOSITE))
            rows.append((file, f"methods.{node}", node, said))
    if rows:
        raise CatalogueError(problem_table(rows))
    raw["version"] = version or f"{catalogue.version}+variant"
    return parse_catalogue(raw, file=file)


#: the columns of :func:`compare`
COMPARE_COLUMNS = [
    "section", "id", "name_zh", "name_en", "field", "change", "before", "after",
]  # fmt: skip


def compare(a: Catalogue, b: Catalogue) -> pd.DataFrame:
    """What changed from catalogue ``a`` to ``b``, one row per changed field.

    Dimensions and indicators (and agencies, peer groups, context series, events) by
    id: ``change`` is ``changed`` with the ``field`` as a dotted path
    (``weight``, ``weights.method``, ``normalisation.method``, ``aggregation.p``)
    and its value ``before`` and ``after`` (a list as JSON text), or ``added`` /
    ``removed`` for a whole entry. The composite's weights and aggregation are
    under ``id`` ``composite``; other settings under ``settings``, the risk and
    quality sections under their names, ``id``, ``version`` and names under
    ``catalogue``. Names (``name_zh``, ``name_en``) are ``b``'s where it has the
    entry. No row: the catalogues say the same."""
    da, db = a.model_dump(mode="json"), b.model_dump(mode="json")
    rows: list[tuple] = []

    def fields(section, key, names, x, y):
        fx, fy = _flat(x), _flat(y)
        for f in dict.fromkeys([*fx, *fy]):
            if fx.get(f) != fy.get(f):
                rows.append((section, key, *names, f, "changed", fx.get(f), fy.get(f)))

    for section in ("dimensions", "indicators", "agencies", "peer_groups", "context",
                    "events"):  # fmt: skip
        xa = {e["id"]: e for e in da.get(section) or []}
        xb = {e["id"]: e for e in db.get(section) or []}
        for key in dict.fromkeys([*xa, *xb]):
            e = xb.get(key) or xa[key]
            names = (e.get("name_zh"), e.get("name_en"))
            if key not in xb or key not in xa:
                change = "removed" if key not in xb else "added"
                rows.append((section, key, *names, "", change, None, None))
            else:
                fields(section, key, names, xa[key], xb[key])
    sa, sb = dict(da["settings"]), dict(db["settings"])
    top = {k: (sa.pop(k, None), sb.pop(k, None)) for k in ("weights", "aggregation")}
    composite = (b.name(COMPOSITE, "zh"), b.name(COMPOSITE, "en"))
    fields("settings", COMPOSITE, composite, {k: v[0] for k, v in top.items()},
           {k: v[1] for k, v in top.items()})  # fmt: skip
    fields("settings", "settings", (None, None), sa, sb)
    for section in ("risk", "quality"):
        fields(section, section, (None, None), da.get(section), db.get(section))
    head = ("id", "version", "name_zh", "name_en")
    fields("catalogue", "catalogue", (db["name_zh"], db["name_en"]),
           {k: da.get(k) for k in head}, {k: db.get(k) for k in head})  # fmt: skip
    return pd.DataFrame(rows, columns=COMPARE_COLUMNS)


def _flat(value, prefix: str = "") -> dict[str, object]:
    """A nested mapping as dotted paths → values (lists as JSON text)."""
    if isinstance(value, dict):
        out: dict[str, object] = {}
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list):
        value = json.dumps(value, ensure_ascii=False)
    return {prefix: value}


def _problems_from(exc: ValidationError, file: str) -> list[tuple]:
    rows = []
    for err in exc.errors():
        loc = list(err["loc"])
        # a discriminated union inserts the tag into loc: drop it (a normalisation's
        # method, a warning rule's kind: risk.rules[1].red, not risk.rules[1].peer.red)
        if "normalisation" in loc:
            k = loc.index("normalisation")
            if k + 1 < len(loc) and loc[k + 1] in NORMALISATION_METHODS:
                del loc[k + 1]
        if loc[:2] == ["risk", "rules"] and len(loc) > 3 and loc[3] in RULES:
            del loc[3]
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, Problems):
            for sub, value, message in cause.problems:
                rows.append((file, field_path([*loc, *sub]), value, message))
            continue
        if err["type"] == "union_tag_invalid":  # an unknown method or rule kind
            ctx = err["ctx"]
            key = ctx["discriminator"].strip("'")
            what = FAMILIES["pydantic_error"].get(f"tag_{key}", Word(key, key))
            rule = _rule(
                "unknown_tag",
                what=what,
                known=Word(
                    ctx["expected_tags"].replace("'", "").replace(", ", "、"),
                    ctx["expected_tags"],
                ),
            )
            rows.append((file, field_path(loc), ctx["tag"], rule))
            continue
        value = "" if err["type"] == "missing" else err.get("input")
        rows.append(
            (file, field_path(loc), value, _percent(loc, value) or rule_of(err))
        )
    return rows


def _percent(loc: list, value: object) -> Word | None:
    """A weight typed as a percentage (``20%``): the fraction to write instead."""
    if loc[-1:] != ["weight"] or not isinstance(value, str):
        return None
    typed = value.strip()
    if typed[-1:] not in ("%", "％"):
        return None
    try:
        share = float(typed[:-1])
    except ValueError:
        return None
    if not 0 < share < float("inf"):
        return None
    return _rule(
        "weight_percent", typed=typed, fraction=_number(round(share / 100, 12))
    )


def field_path(loc: list) -> str:
    """A pydantic error location as the field path people read in a problem report
    (``indicators[3].rollup``); validators' own steps are left out."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "function-after[_consistent()]" or str(part).startswith(
            "function-"
        ):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def problem_table(rows: list[tuple]) -> pd.DataFrame:
    """Problem rows as the table ``CatalogueError`` shows (values shortened there):
    a number as the file has it (:func:`_number`: ``90``, not ``90.0``); a rule said
    in both languages (a ``Word``) gives its English as ``rule`` and its Chinese as
    ``rule_zh``."""
    rows = [
        (file, path, _number(v) if isinstance(v, float) else v, rule)
        for file, path, v, rule in rows
    ]
    table = pd.DataFrame(rows, columns=CatalogueError.columns)
    rules = list(table["rule"])
    if any(isinstance(r, Word) for r in rules):
        table["rule"] = [r.en if isinstance(r, Word) else r for r in rules]
        table["rule_zh"] = [r.zh if isinstance(r, Word) else None for r in rules]
    return table


def _rule(code: str, **fields) -> Word:
    """A problem's rule in Chinese and English (``library_error.catalogue_<code>``)."""
    return say("library_error", f"catalogue_{code}", **fields)


def _ids(items) -> Word:
    """Ids (or words) listed: ``a、b`` / ``a, b``."""
    items = [i if isinstance(i, Word) else Word(str(i), str(i)) for i in items]
    return Word("、".join(i.zh for i in items), ", ".join(i.en for i in items))


def _number(x: float) -> str:
    """A catalogue's number as written, in either language: ``90`` (not ``90.0``),
    ``0.25``, ``1200000`` (:func:`~evaluation.vocabulary.plain`); Python's shortest
    form where that would lose a digit (``1e-07``)."""
    text = plain(x)
    return text if float(text) == x else repr(x)


def _method(code: str) -> Word:
    """An aggregation method: 加权几何平均 / geometric."""
    said = FAMILIES["aggregation"].get(code)
    return Word(said.zh if said else code, code)


def _known(ids) -> Word:
    """Known ids listed: ``a、b`` / ``['a', 'b']``."""
    return Word("、".join(sorted(ids)), str(sorted(ids)))


def _node(node: str | None) -> Word:
    """A parent node: its id, or the composite (综合得分)."""
    return Word(node, node) if node else _rule("the_composite")


def _frequency(code: str) -> Word:
    """A reporting frequency: 按季度 / quarterly."""
    said = FAMILIES["frequency"].get(code)
    return Word(f"按{said.zh}" if said else code, code)


def _level(code: str) -> Word:
    """A warning level by its colour word (黄色), in English its code."""
    said = FAMILIES["risk_level"].get(code)
    return Word(f"{said.zh}预警线" if said else code, code)


assert set(FREQUENCIES) == set(Frequency.__args__)  # one list of frequencies
