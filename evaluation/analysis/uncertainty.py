"""Uncertainty and sensitivity of the ranking: how much do the catalogue's open
choices move each unit?

Monte Carlo over the choices (COINr's design): each draw perturbs node weights at
chosen levels (uniform multipliers ``1 + (2U − 1)·f``, or Dirichlet weights around the
nominal ones), picks an imputation rule, a winsorisation limit, a normalisation and an
aggregation method, and may leave out one indicator. Per unit: nominal rank, mean and
median rank, the 5–95 % rank interval and score interval.

Vectorised: each combination of imputation, winsorisation and normalisation options
is imputed, treated and normalised once (:func:`prepare`). A block of draws is then
aggregated for **draws × units at once**: on complete data with arithmetic means the
hierarchy collapses to each draw's effective indicator weights and one matrix product;
otherwise node by node (a loop over the few dozen nodes, never over draws), with the
pipeline's coverage rule and combining kernel. Products run in blocks of a fixed
number of draws, so any set of draws replays bit for bit from its table, whatever the
chunking.

Sensitivity: Sobol first-order and total indices of the mean absolute rank shift
(or any unit's rank) on a Saltelli design (SALib's design, vectorised), with
bootstrap intervals; the estimator is named (:data:`ESTIMATORS`: SALib's or COINr's
convention, for the indices and their intervals, :data:`INTERVALS`). Factors: each
perturbed weight, or all weights of a level as one group, or one discrete factor over
supplied weight sets (COINr's design), and each discrete choice.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from types import UnionType
from typing import Annotated, Literal, Union, get_args, get_origin

import numpy as np
import pandas as pd
from pydantic import TypeAdapter, ValidationError

from evaluation.catalogue import (
    COMPOSITE,
    Aggregation,
    Catalogue,
    Normalisation,
    parse_catalogue,
)
from evaluation.errors import EvaluationError
from evaluation.progress import note
from evaluation.result import Result
from evaluation.scoring.aggregate import (
    RELATIVE,
    Rows,
    limits,
    score_nodes,
    tree,
    with_ranges,
)
from evaluation.scoring.normalise import NORMALISERS, normalise, output_range
from evaluation.scoring.prepare import (
    apply_missing_rules,
    as_matrix,
    insufficient_rows,
)
from evaluation.scoring.rank import TIE_DECIMALS, rank_units
from evaluation.scoring.treat import treat
from evaluation.vocabulary import Word, as_published, family, quoted, say

CATALOGUE = "catalogue"  #: "as the catalogue says" (the published choice)
NO_TREATMENT = "none"  #: winsorisation option: no outlier treatment at all
WEIGHTINGS = ("uniform", "dirichlet")


_NORMALISATION = TypeAdapter(Normalisation)
#: normalisation method → its parameter model
_METHOD_MODELS = {
    get_args(m.model_fields["method"].annotation)[0]: m for m in NORMALISERS.models
}


def _refused(code: str, /, **fields) -> EvaluationError:
    """An ``EvaluationError`` in Chinese and English (``library_error`` words)."""
    return EvaluationError(words=say("library_error", code, **fields))


def _listed(items) -> Word:
    """Items listed in a message: ``a、b`` / ``['a', 'b']``."""
    items = list(items)
    return Word("、".join(map(str, items)), str(items))


def normalisation_option(option: str) -> dict:
    """A normalisation option's parameters: ``method`` or ``method:key=value:…``
    (colons, so that a command line can list options with commas), checked as
    ``indicators[].normalisation`` would be.

    Split at colons outside brackets and double quotes, so a value may be a list
    (``zscore:clip=[0,100]``) or quoted text holding a colon (``unit="a:b"``). A
    value is read as JSON where it parses (``1``, ``true``, ``[0, 100]``, ``"D01"``),
    else as text (``unit=D01``); for a text field (``reference``'s ``unit``, ``per``)
    the text stays text: ``unit=101`` is the unit ``"101"``, not the number 101.

    >>> normalisation_option("minmax:low=1:high=100")
    {'method': 'minmax', 'low': 1, 'high': 100}
    >>> normalisation_option("reference:unit=101")
    {'method': 'reference', 'unit': '101'}
    """
    where = say("library_error", "option_where", option=quoted(option))
    name, *pairs = _split_outside(str(option), ":", where)
    spec: dict = {"method": name}
    raw: dict = {"method": name}  # each value as written, for the messages
    kinds = _field_kinds(name)
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or not key:
            raise _refused("option_pair", where=where, pair=quoted(pair))
        if key in spec:
            raise _refused("option_twice", where=where, param=quoted(key))
        spec[key], raw[key] = _option_value(value, kinds.get(key, set())), value
    try:
        _NORMALISATION.validate_python(spec)
    except ValidationError as exc:
        said = [_option_problem(e, raw) for e in exc.errors()]
        why = Word("；".join(w.zh for w in said), "; ".join(w.en for w in said))
        raise _refused("option_invalid", where=where, why=why) from None
    return spec


def split_options(text: str, *, name: str = "options") -> tuple[str, ...]:
    """A command line's comma-separated options, split only at commas outside
    brackets and double quotes (``catalogue,zscore:clip=[0,100]`` is two options),
    each stripped of surrounding spaces.

    >>> split_options("catalogue,zscore:mean=50:sd=10:clip=[0,100]")
    ('catalogue', 'zscore:mean=50:sd=10:clip=[0,100]')
    """
    where = say("library_error", "options_where", name=name, text=quoted(text))
    return tuple(p.strip() for p in _split_outside(str(text), ",", where))


def _split_outside(text: str, sep: str, where: Word) -> list[str]:
    """``text`` split at ``sep`` outside ``[…]``, ``{…}`` and ``"…"`` (JSON's
    brackets and strings, ``\\"`` escaping a quote); unpaired ones are refused."""
    parts, depth, quoted, escaped, start = [], 0, False, False, 0
    for i, ch in enumerate(text):  # a few dozen characters
        if escaped:  # the character after a backslash, inside quotes
            escaped = False
        elif quoted:
            escaped, quoted = ch == "\\", ch != '"'
        elif ch == '"':
            quoted = True
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth < 0:
                break
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if quoted or depth:
        what = say("library_error", "quote_open" if quoted else "bracket_unpaired")
        raise _refused("option_brackets", where=where, what=what)
    return [*parts, text[start:]]


def _field_kinds(method: str) -> dict[str, set]:
    """Each parameter of normalisation ``method``: the plain types it accepts
    (``str`` for a choice of words); empty for an unknown method."""
    model = _METHOD_MODELS.get(method)
    if model is None:
        return {}
    return {k: _kinds(f.annotation) for k, f in model.model_fields.items()}


def _kinds(annotation) -> set:
    """The plain types an annotation accepts: a ``Literal``'s values' types, a
    union's members', an ``Annotated`` type's own."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _kinds(get_args(annotation)[0])
    if origin is Literal:
        return {type(a) for a in get_args(annotation)}
    if origin in (Union, UnionType):
        return set().union(*(_kinds(a) for a in get_args(annotation)))
    return {annotation}


def _option_value(text: str, kinds: set):
    """A value as written: JSON where it parses, else the text; a field that takes
    text keeps the text unless the JSON is text (``"101"``) or a ``null`` it takes."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if str in kinds and not isinstance(value, str):
        return None if value is None and type(None) in kinds else text
    return value


def _option_problem(error: dict, raw: dict) -> Word:
    """One pydantic error of a normalisation option as ``key=value: rule``, in
    Chinese and English (a rule across the parameters, or one pydantic words
    without Chinese here, keeps its English)."""
    loc = error["loc"][1:]  # after the method's tag
    if error["type"] == "union_tag_invalid":
        methods = sorted(_METHOD_MODELS)
        return say(
            "library_error",
            "option_method",
            got=quoted(raw["method"]),
            methods=Word("、".join(methods), ", ".join(methods)),
        )
    problems = getattr((error.get("ctx") or {}).get("error"), "problems", None)
    if problems:  # a rule across the parameters (e.g. low < high)
        text = "; ".join(
            f"{'.'.join(map(str, p))}={raw.get(p[0], v)!r}: {m}" if p else m
            for p, v, m in problems
        )
        return Word(text, text)
    if not loc:
        return _pydantic_rule(error)
    path = ".".join(map(str, loc))
    if error["type"] == "extra_forbidden":
        known = [k for k in _field_kinds(raw["method"]) if k != "method"]
        return say(
            "library_error",
            "option_not_param",
            path=path,
            got=quoted(raw[path]),
            method=raw["method"],
            known=Word("、".join(known), ", ".join(known))
            if known
            else say("library_error", "option_no_params"),
        )
    if error["type"] == "missing" and loc[0] not in raw:
        return say("library_error", "option_required", path=path)
    got = quoted(raw.get(loc[0], error.get("input")))
    return say(
        "library_error", "option_value", path=path, got=got, rule=_pydantic_rule(error)
    )


def _pydantic_rule(error: dict) -> Word:
    """A pydantic error's rule: its message, with Chinese words where the
    vocabulary has them for its type (``value_<type>``)."""
    code = f"value_{error['type']}"
    if code not in family("library_error"):
        return Word(error["msg"], error["msg"])
    ctx = {}
    for key, value in (error.get("ctx") or {}).items():
        if isinstance(value, float):  # a limit as written: 0, 0.5
            value = f"{value:g}"
        elif key == "expected":  # "'a', 'b' or 'c'": a list, said in Chinese
            value = Word(re.sub(r", | or ", "、", str(value)), str(value))
        ctx[key] = value
    return say("library_error", code, msg=error["msg"], **ctx)


def _option_label(option) -> str:
    """A normalisation option as the text a draw table stores (a mapping becomes
    ``method:key=value:…``); checked, except ``catalogue``."""
    if isinstance(option, dict):
        params = {k: v for k, v in option.items() if k != "method"}
        option = ":".join(
            [
                str(option.get("method")),
                *(f"{k}={json.dumps(v)}" for k, v in params.items()),
            ]
        )
    option = str(option)
    if option != CATALOGUE:
        normalisation_option(option)
    return option


@dataclass(frozen=True)
class Spec:
    """The choices left open, and how many draws.

    ``weight_levels``: depths whose node weights are perturbed (1 = level-1
    dimensions, 2 = the next level …; indicators sit at their depth).
    ``weights``: ``uniform`` multiplies each weight by ``1 + (2U − 1)·weight_noise``;
    ``dirichlet`` draws each perturbed sibling set as ``Dirichlet(concentration ·
    w_nominal)`` (mean: the nominal weights; larger concentration, less spread).
    ``normalisations`` / ``aggregations`` / ``imputations`` (indicators' ``missing``
    rule) / ``winsorisations`` (``none``, or a COINr ``winmax`` such as ``3``): options
    drawn uniformly; ``catalogue`` means each indicator's (node's) own. A
    normalisation option is a method with its parameters, as text ``method:key=value:
    …`` (``minmax:low=1:high=100``, ``zscore:mean=0:sd=1``, ``target:cap=false``) or
    a mapping (``{"method": "minmax", "low": 1, "high": 100}``, kept as that text);
    see :func:`normalisation_option`. ``exclude``:
    draw one indicator to leave out, or none (each with equal chance). Lists are
    accepted (a stored spec is plain data). ``weight_sets``: alternative weights
    (each a mapping node id → weight; a set that names a child names all its
    siblings, relative weights as COINr's), one drawn per draw with equal chance, in
    place of the perturbation by ``weights`` / ``weight_noise`` / ``weight_levels``.
    """

    n: int = 1000
    seed: int = 0
    weight_noise: float = 0.25
    weight_levels: tuple[int, ...] = (1,)
    normalisations: tuple[str, ...] = (CATALOGUE,)
    aggregations: tuple[str, ...] = (CATALOGUE,)
    exclude: bool = False
    chunk: int = 200  #: draws per vectorised block
    imputations: tuple[str, ...] = (CATALOGUE,)
    winsorisations: tuple[str, ...] = (CATALOGUE,)
    weights: str = "uniform"
    concentration: float = 50.0
    weight_sets: tuple[dict[str, float], ...] = field(default=(), hash=False)

    def __post_init__(self):
        for name in ("weight_levels", "normalisations", "aggregations", "imputations"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        labels = tuple(_option_label(o) for o in self.normalisations)
        object.__setattr__(self, "normalisations", labels)
        sets = tuple({str(k): float(v) for k, v in s.items()} for s in self.weight_sets)
        object.__setattr__(self, "weight_sets", sets)
        limits = tuple(str(o) for o in self.winsorisations)  # 3 and "3" alike
        object.__setattr__(self, "winsorisations", limits)
        if self.weights not in WEIGHTINGS:
            raise _refused(
                "weighting", choices=_listed(WEIGHTINGS), got=quoted(self.weights)
            )
        if self.concentration <= 0:
            raise _refused("concentration", got=self.concentration)
        methods = get_args(Aggregation.model_fields["method"].annotation)
        unknown = [a for a in self.aggregations if a != CATALOGUE and a not in methods]
        if unknown:
            raise _refused(
                "aggregation_option",
                choices=Word("、".join(methods), ", ".join(methods)),
                got=quoted(*unknown),
            )


@dataclass(frozen=True)
class Uncertainty:
    """Per-draw composites (draws × units), their ranks, and a per-unit summary."""

    period: str
    units: list[str]
    spec: dict  #: the Spec as plain data (stored with a published run)
    draws: pd.DataFrame
    scores: np.ndarray
    ranks: np.ndarray  #: float32 (exact integers), NaN where unranked
    nominal: pd.Series
    summary: pd.DataFrame = field(repr=False)


def draw_table(result: Result, spec: Spec) -> pd.DataFrame:
    """The explicit draws: one row per draw, one column per choice.

    Columns ``w:<node>`` (weight multipliers of the nominal weights), ``normalisation``,
    ``aggregation``, ``exclude`` (an indicator id or empty), ``imputation``,
    ``winsorisation`` (and ``weight_set``, the index of the set drawn, with
    ``spec.weight_sets``). Pass it back to :func:`run` to replay.
    """
    rng = np.random.default_rng(spec.seed)
    cat = result.catalogue
    nodes = _perturbed(cat, spec.weight_levels)
    if spec.weight_sets:
        cols = _weight_sets(
            cat, spec.weight_sets, rng.integers(0, len(spec.weight_sets), spec.n)
        )
    elif spec.weights == "dirichlet":
        cols = _dirichlet(cat, nodes, spec.concentration, spec.n, rng)
    else:
        cols = {
            f"w:{n}": 1 + (2 * rng.random(spec.n) - 1) * spec.weight_noise
            for n in nodes
        }

    def pick(options) -> np.ndarray:
        return np.asarray(list(options), dtype=object)[
            rng.integers(0, len(options), spec.n)
        ]

    cols["normalisation"] = pick(spec.normalisations)
    cols["aggregation"] = pick(spec.aggregations)
    cols["exclude"] = pick(_exclusions(cat, spec.exclude) or [""])
    cols["imputation"] = pick(spec.imputations)
    cols["winsorisation"] = pick(spec.winsorisations)
    return pd.DataFrame(cols).rename_axis("draw")


def run(
    result: Result,
    spec: Spec = Spec(),
    *,
    period: str | None = None,
    draws: pd.DataFrame | None = None,
    progress: bool = False,
    model: _Model | None = None,
    client=None,
) -> Uncertainty:
    """Run the draws (``spec``'s, or an explicit ``draws`` table) for ``period``.

    ``model`` (from :func:`prepare`) skips the once-per-analysis setup (imputing,
    treating and normalising the period for each option) when analyses repeat.
    ``client`` (a ``dask.distributed.Client``) spreads the blocks of draws over its
    workers (:mod:`.distributed`); the scores are the same as in this process.
    """
    period = period or result.period
    table = _with_defaults(draws if draws is not None else draw_table(result, spec))
    if model is None or model.period != period or not model.covers(table):
        model = prepare(result, period, **_options(table))
    if client is not None:
        from evaluation.scale.distributed import composite_blocks

        scores = composite_blocks(client, model, table, spec.chunk)
    else:
        scores = _scores(model, table, spec.chunk, progress=progress)
    return _finish(result, spec, period, model.units, table, scores)


def prepare(
    result: Result,
    period: str,
    normalisations: tuple[str, ...] = (CATALOGUE,),
    *,
    imputations: tuple[str, ...] = (CATALOGUE,),
    winsorisations: tuple[str, ...] = (CATALOGUE,),
) -> _Model:
    """What every draw shares, computed once: the period's indicator scores under
    each combination of the options (imputed, treated, normalised), the hierarchy,
    the coverage and imputation limits. Picklable; ``model.composite(draws)`` scores
    any block of a draw table (draws × units)."""
    return _Model(
        result,
        period,
        imputations=tuple(dict.fromkeys(imputations)),
        winsorisations=tuple(dict.fromkeys(str(w) for w in winsorisations)),
        normalisations=tuple(dict.fromkeys(normalisations)),
    )


def _scores(model, table: pd.DataFrame, chunk: int, *, progress=False) -> np.ndarray:
    """``model.composite`` over ``table`` in chunks of ``chunk`` draws."""
    chunk = max(1, chunk)
    scores = np.empty((len(table), len(model.units)))
    chunks = range(0, len(table), chunk)
    if progress:
        from tqdm import tqdm

        chunks = tqdm(chunks, desc="uncertainty", unit="chunk")
    for start in chunks:
        note("draws", f"{start:,}/{len(table):,}", start / len(table))
        part = table.iloc[start : start + chunk]
        scores[start : start + len(part)] = model.composite(part)
    return scores


def _finish(
    result: Result,
    spec: Spec,
    period: str,
    units: list[str],
    table: pd.DataFrame,
    scores: np.ndarray,
) -> Uncertainty:
    """Scores (draws × units, in ``table``'s order) → ranks, summary, Uncertainty.

    The tail every caller shares (also one that scored blocks elsewhere)."""
    ranks = _ranks(scores)
    nominal = result.ranks[result.ranks["period"] == period].set_index("unit_id")
    nominal = nominal["rank"].reindex(units)
    per_unit = summary(units, scores, ranks, nominal)
    per_unit = pd.concat(
        [per_unit, _within_levels(result, period, units, scores, ranks)], axis=1
    )
    plain = {
        k: list(v) if isinstance(v, tuple) else v for k, v in spec.__dict__.items()
    }
    return Uncertainty(period, units, plain, table, scores, ranks, nominal, per_unit)


# ---------------------------------------------------------------- sensitivity
def sensitivity(
    result: Result,
    spec: Spec = Spec(),
    *,
    period: str | None = None,
    n: int = 1024,  # a power of 2 keeps the Sobol points balanced
    output: str = "mean_abs_shift",
    seed: int = 0,
    model: _Model | None = None,
    resamples: int = 100,
    weight_factors: str = "node",
    estimator: str = "salib",
) -> pd.DataFrame:
    """Sobol indices (first order ``S1`` and total ``ST``, with bootstrap intervals
    from ``resamples`` resamples) of ``output``: the mean absolute rank
    shift from the nominal ranking, or a unit id (its rank). Saltelli design with
    ``n`` base samples (SALib's design); each discrete choice is one factor cut into
    equal parts; Dirichlet weights are one factor per child (its gamma quantile).

    ``weight_factors`` (:data:`WEIGHT_FACTORS`): ``node``, each perturbed weight a
    factor ``w:<node>``; ``level``, the weights of each level one group factor
    ``weights:level<depth>`` (moved together in the design, SALib's groups). With
    ``spec.weight_sets`` the weights are one discrete factor ``weight_set``, the index
    into the sets (COINr's design). ``estimator`` (:data:`ESTIMATORS`) is the
    convention for reading the indices off the outputs, named in the table's
    ``estimator`` column, and for their intervals, named in its ``interval`` column
    (:data:`INTERVALS`): ``salib``, ``normal_95`` (SALib's: ``S ± 1.96 × SD`` over
    resampled base samples, a 95 % interval); ``coinr``, ``percentile_5_95``
    (COINr's ``SA_estimate``: the 5 % and 95 % quantiles, R's type 7, of the indices
    over resamples of each factor's own terms ``y_B (y_ABj − y_A)`` and
    ``y_A − y_ABj``, the variance kept from the full sample: a 90 % interval, not
    centred on the estimate).

    Returns a table ``factor, S1, S1_conf, S1_low, S1_high, ST, ST_conf, ST_low,
    ST_high, estimator, interval``: ``*_low`` / ``*_high`` the interval's ends,
    ``*_conf`` half its width (SALib's ``S1_conf``).
    """
    if weight_factors not in WEIGHT_FACTORS:
        raise _refused(
            "weight_factors",
            choices=_listed(WEIGHT_FACTORS),
            got=quoted(weight_factors),
        )
    if estimator not in ESTIMATORS:
        raise _refused("estimator", choices=_listed(ESTIMATORS), got=quoted(estimator))
    period = period or result.period
    cat = result.catalogue
    nodes = [] if spec.weight_sets else _perturbed(cat, spec.weight_levels)
    labels = WEIGHT_FACTORS[weight_factors](cat, nodes)  # each weight column's factor
    dirichlet = spec.weights == "dirichlet"
    bounds = [[0.0, 1.0] if dirichlet else [-1.0, 1.0]] * len(nodes)
    options = {
        **(
            {"weight_set": list(range(len(spec.weight_sets)))}
            if spec.weight_sets
            else {}
        ),
        "normalisation": list(spec.normalisations),
        "aggregation": list(spec.aggregations),
        "exclude": _exclusions(cat, spec.exclude),
        "imputation": list(spec.imputations),
        "winsorisation": list(spec.winsorisations),
    }
    discrete = [k for k, v in options.items() if len(v) > 1]
    labels += discrete
    bounds += [[0.0, 1.0]] * len(discrete)
    names = list(dict.fromkeys(labels))  # the factors, in order of first column
    if not names:
        raise _refused("nothing_varies")
    group = np.array([names.index(c) for c in labels])
    x = _saltelli(np.array(bounds), n, seed, group)
    if dirichlet and nodes:
        u = np.clip(x[:, : len(nodes)], 1e-12, 1 - 1e-12)
        table = pd.DataFrame(_dirichlet(cat, nodes, spec.concentration, u=u))
    else:
        table = pd.DataFrame(
            {f"w:{nd}": 1 + x[:, i] * spec.weight_noise for i, nd in enumerate(nodes)},
            index=pd.RangeIndex(len(x)),
        )
    for k, v in options.items():
        if k in discrete:
            j = len(nodes) + discrete.index(k)
            table[k] = np.asarray(v, dtype=object)[
                np.minimum((x[:, j] * len(v)).astype(int), len(v) - 1)
            ]
        else:
            table[k] = v[0] if v else ""
    if spec.weight_sets:
        picked = table.pop("weight_set").to_numpy(dtype=np.int64)
        table = table.assign(**_weight_sets(cat, spec.weight_sets, picked))
    table = _with_defaults(table)
    if model is None or model.period != period or not model.covers(table):
        model = prepare(result, period, **_options(table))
    # one product for many draws: the memory of a chunk of 4M cells at most
    chunk = max(spec.chunk, 4_000_000 // len(model.units))
    ranks = _ranks(_scores(model, table, chunk))
    if output == "mean_abs_shift":
        nominal = result.ranks[result.ranks["period"] == period].set_index("unit_id")
        nominal = (
            nominal["rank"].reindex(model.units).to_numpy(dtype=float, na_value=np.nan)
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a draw with no ranks
            y = np.nanmean(np.abs(ranks - nominal[None, :]), axis=1)
    else:
        y = ranks[:, model.units.index(output)].astype(float)
    got = _sobol_indices(
        y,
        len(names),
        resamples=resamples,
        rng=np.random.default_rng(seed),
        estimator=estimator,
    )
    return pd.DataFrame(
        {
            "factor": names,
            **{k: got[k] for k in ("S1", "S1_conf", "S1_low", "S1_high")},
            **{k: got[k] for k in ("ST", "ST_conf", "ST_low", "ST_high")},
            "estimator": estimator,
            "interval": ESTIMATORS[estimator].interval,
        }
    )


#: how perturbed weights become factors (``sensitivity(weight_factors=…)``) →
#: ``f(catalogue, nodes)``, each node's factor label
WEIGHT_FACTORS = {
    "node": lambda cat, nodes: [f"w:{k}" for k in nodes],
    "level": lambda cat, nodes: [
        f"weights:level{d}" for d in cat.nodes.loc[nodes, "depth"]
    ],
}


def _saltelli(bounds: np.ndarray, n: int, seed, groups=None) -> np.ndarray:
    """SALib's Saltelli design without second order, vectorised: scrambled Sobol'
    points (A | B), then per base point the rows A, AB_1 … AB_g (A with the columns
    of factor j from B), B; scaled to ``bounds`` (k × 2). ``groups``: each column's
    factor 0 … g − 1 (SALib's groups); default, each column its own."""
    from scipy.stats import qmc

    k = len(bounds)
    groups = np.arange(k) if groups is None else np.asarray(groups)
    g = int(groups.max()) + 1
    base = qmc.Sobol(d=2 * k, scramble=True, seed=seed).random(n)
    a, b = base[:, :k], base[:, k:]
    x = np.repeat(a[:, None, :], g + 2, axis=1)
    take = groups[None, :] == np.arange(g)[:, None]  # factor × column
    x[:, 1:-1] = np.where(take[None], b[:, None, :], x[:, 1:-1])
    x[:, -1] = b
    return bounds[:, 0] + x.reshape(-1, k) * (bounds[:, 1] - bounds[:, 0])


@dataclass(frozen=True)
class Estimator:
    """How Sobol indices are read off a Saltelli design's outputs (rows A, AB_j, B):
    ``S1_j = mean(y_B · (y_ABj − y_A)) / V`` (Saltelli 2010) and
    ``ST_j = mean((y_A − y_ABj)²) / (2 V)`` (Jansen), ``V`` the variance of
    ``[y_A; y_B]``. The conventions differ in what ``y`` and ``V`` are, and in the
    bootstrap interval (``interval``, :data:`INTERVALS`)."""

    standardise: bool  #: y first centred and scaled by the mean and SD of all rows
    ddof: int  #: V divides by (2N − ddof)
    interval: str  #: the bootstrap interval's convention, a key of INTERVALS


#: Sobol estimator conventions (``sensitivity(estimator=…)``): SALib's
#: ``sobol.analyze`` (outputs standardised; V numpy's population variance) and
#: COINr's ``SA_estimate`` (outputs as they are; V R's sample variance ``var``)
ESTIMATORS = {
    "salib": Estimator(standardise=True, ddof=0, interval="normal_95"),
    "coinr": Estimator(standardise=False, ddof=1, interval="percentile_5_95"),
}

#: bootstrap interval conventions (the ``interval`` column of ``sensitivity``)
INTERVALS = {
    "normal_95": "SALib's: S ± z(0.975) × the SD of the indices over resamples of "
    "the base samples (rows A, AB_j, B together; V recomputed), a 95 % interval",
    "percentile_5_95": "COINr's (SA_estimate with Nboot): the 5 % and 95 % quantiles "
    "(R's quantile, type 7) of the indices over resamples of each factor's terms "
    "y_B (y_ABj − y_A) and y_A − y_ABj, each factor and index resampled on its own, "
    "V kept from the full sample; a 90 % interval, not centred on S",
}


def _sobol(
    y: np.ndarray,
    k: int,
    *,
    resamples: int,
    rng,
    conf: float = 0.95,
    estimator: str = "salib",
):
    """``S1, S1_conf, ST, ST_conf`` of :func:`_sobol_indices` (the indices and
    their intervals' half-widths)."""
    got = _sobol_indices(
        y, k, resamples=resamples, rng=rng, conf=conf, estimator=estimator
    )
    return got["S1"], got["S1_conf"], got["ST"], got["ST_conf"]


def _sobol_indices(
    y: np.ndarray,
    k: int,
    *,
    resamples: int,
    rng,
    conf: float = 0.95,
    estimator: str = "salib",
) -> dict[str, np.ndarray]:
    """First-order and total indices (:class:`Estimator`, convention ``estimator``)
    from a Saltelli design's outputs (rows A, AB_1 … AB_k, B per base sample;
    SALib's layout), with bootstrap intervals in the estimator's convention
    (:data:`INTERVALS`), every factor's vectorised: ``S1``, ``S1_low``, ``S1_high``,
    ``S1_conf`` (half the interval's width) and the same for ``ST``."""
    from scipy.stats import norm

    how = ESTIMATORS[estimator]
    y = y.reshape(-1, k + 2)
    if how.standardise:
        y = (y - y.mean()) / (y.std() or 1.0)
    a, ab, b = y[:, :1], y[:, 1:-1], y[:, -1:]

    def indices(a, ab, b):  # (…, N, 1), (…, N, k) → (…, k)
        var = np.var(np.concatenate([a, b], axis=-2), axis=-2, ddof=how.ddof)
        diff = ab - a
        with np.errstate(invalid="ignore", divide="ignore"):
            s1 = np.mean(b * diff, axis=-2) / var
            st = 0.5 * np.mean(diff * diff, axis=-2) / var
        return np.nan_to_num(s1), np.nan_to_num(st)

    s1, st = indices(a, ab, b)
    n = len(y)
    if how.interval == "normal_95":
        r = rng.integers(0, n, (resamples, n))
        bs1, bst = indices(a[r], ab[r], b[r])
        z = norm.ppf(0.5 + conf / 2)
        s1_conf, st_conf = z * bs1.std(axis=0, ddof=1), z * bst.std(axis=0, ddof=1)
        s1_ends, st_ends = (s1 - s1_conf, s1 + s1_conf), (st - st_conf, st + st_conf)
    else:  # COINr's: each factor's terms resampled on their own, V kept
        var = np.var(np.concatenate([a, b]), ddof=how.ddof)
        picks = (rng.integers(0, n, (2, resamples, n)) for _ in range(k))
        s1_ends, st_ends = _coinr_intervals(a[:, 0], ab, b[:, 0], var, picks)
        s1_conf = (s1_ends[1] - s1_ends[0]) / 2
        st_conf = (st_ends[1] - st_ends[0]) / 2
    return {
        "S1": s1,
        "S1_low": s1_ends[0],
        "S1_high": s1_ends[1],
        "S1_conf": s1_conf,
        "ST": st,
        "ST_low": st_ends[0],
        "ST_high": st_ends[1],
        "ST_conf": st_conf,
    }


def _coinr_intervals(y_a, y_ab, y_b, var, picks):
    """COINr's bootstrap intervals (``SA_estimate`` with ``Nboot``): for each
    factor j, its terms ``y_B (y_ABj − y_A)`` and ``y_A − y_ABj`` over the N base
    samples are resampled with replacement on their own (``picks``: per factor, a
    2 × resamples × N array of base-sample positions, S1's then ST's), giving
    ``mean(terms) / V`` and ``sum(terms²) / (2 N V)`` with ``V`` the full sample's;
    the interval is their 5 % and 95 % quantiles (R's type 7, numpy's linear).
    Returns ``(S1_low, S1_high), (ST_low, ST_high)``, each of length k."""
    n, k = y_ab.shape
    first = y_b[:, None] * (y_ab - y_a[:, None])  # N × k
    total = y_a[:, None] - y_ab
    s1, st = [], []
    for j, pick in zip(range(k), picks, strict=True):  # a few factors
        with np.errstate(invalid="ignore", divide="ignore"):
            s1.append(first[pick[0], j].mean(axis=1) / var)
            st.append((total[pick[1], j] ** 2).sum(axis=1) / (2 * n * var))
    s1 = np.nan_to_num(np.stack(s1, axis=1))  # resamples × k
    st = np.nan_to_num(np.stack(st, axis=1))
    levels = [0.05, 0.95]
    return (
        tuple(np.quantile(s1, levels, axis=0)),
        tuple(np.quantile(st, levels, axis=0)),
    )


# ------------------------------------------------------------------ the model
class _Model:
    """Everything that does not change between draws, computed once."""

    def __init__(
        self,
        result: Result,
        period: str,
        *,
        imputations: tuple[str, ...],
        winsorisations: tuple[str, ...],
        normalisations: tuple[str, ...],
    ):
        cat = result.catalogue
        unsupported = [
            m.method
            for m in (how for _, how in cat.methods.values())
            if m.method in RELATIVE
        ]
        if unsupported:
            raise _refused(
                "relative_aggregation", methods=_listed(sorted(set(unsupported)))
            )
        non_manual = [n for n, (w, _) in cat.methods.items() if w.method != "manual"]
        if non_manual:
            raise _refused("manual_weights", nodes=_listed(non_manual))
        _check_limits(cat, winsorisations)
        earlier = [d.id for d in cat.dimensions if d.missing == "carry_forward"]
        if earlier:
            raise _refused("carry_forward", dims=_listed(earlier))
        self.catalogue = cat
        # a dimension filled from its peer group's scores in the period
        self.rows = Rows(peer=result.units["peer_group"].to_numpy())
        self.period = period
        self.units = list(result.units["unit_id"])
        self.options = {
            "imputation": imputations,
            "winsorisation": winsorisations,
            "normalisation": normalisations,
        }
        self.x, self.too_imputed = [], []  # per combination: U × I scores, U mask
        self.ranges = []  # per combination: each indicator's declared score range
        for imp in imputations:  # a few options: impute, treat, normalise once each
            matrix, zero, prepared = _imputed(result, period, imp)
            rows = prepared["period"] == period
            bad = insufficient_rows(prepared[rows], len(self.units), cat.settings)
            for win in winsorisations:
                treated = None
                for norm in normalisations:
                    variant = _variant(
                        cat, normalisation=norm, imputation=imp, winsorisation=win
                    )
                    if imp == win == norm == CATALOGUE:
                        x = _published(result, period, self.units, list(matrix))
                    else:
                        if treated is None:
                            treated = treat(matrix, _variant(cat, winsorisation=win))[0]
                        x = normalise(treated, variant, zero_score=zero).to_numpy()
                    self.x.append(np.ascontiguousarray(x, dtype=float))
                    specs = {i.id: i for i in variant.indicators}
                    self.ranges.append(
                        [
                            output_range(specs[i], variant.settings.treatment)
                            for i in matrix
                        ]
                    )
                    self.too_imputed.append(bad)
        self.ids = list(matrix.columns)
        self.complete = [not np.isnan(x).any() for x in self.x]
        self.tree = tree(cat, self.ids)  # the nodes that apply, deepest first

    def covers(self, draws: pd.DataFrame) -> bool:
        """Whether every option in ``draws`` was prepared."""
        return all(set(_uniques(draws[k])) <= set(v) for k, v in self.options.items())

    def composite(self, draws: pd.DataFrame) -> np.ndarray:
        """Composite scores (draws × units) of a block of draws (a draw table's rows).

        Draws sharing their data options and aggregation are scored together; the
        loops are over those few groups and over the hierarchy's nodes.
        """
        draws = _with_defaults(draws)
        d = len(draws)
        named = [c for c in draws.columns if c.startswith("w:")]
        mult = draws[named].to_numpy(dtype=float)
        at = {c[2:]: j for j, c in enumerate(named)}
        weights = {}  # each node's children's weights per draw: base × multiplier
        for node in self.tree:
            m = np.ones((d, len(node.children)))
            for j, k in enumerate(node.children):
                if k in at:
                    m[:, j] = mult[:, at[k]]
            weights[node.id] = node.local * m
        gone = _positions(draws["exclude"], self.ids)
        code = np.zeros(d, dtype=np.int64)  # which prepared combination, per draw
        for key, opts in self.options.items():
            where = _positions(draws[key], opts)
            if (where < 0).any():
                raise _refused(
                    "options_unprepared",
                    what=key,
                    missing=sorted(set(_uniques(draws[key])) - set(opts)),
                    have=list(opts),
                )
            code = code * len(opts) + where
        agg, methods = pd.factorize(draws["aggregation"].to_numpy())
        group = code * len(methods) + agg
        kinds = np.unique(group)
        if len(kinds) == 1:  # one group: no gathering
            k, a = divmod(int(kinds[0]), len(methods))
            return self._group(k, methods[a], weights, gone)
        out = np.empty((d, len(self.units)))
        for g in kinds:  # a few groups of draws
            rows = np.flatnonzero(group == g)
            k, a = divmod(int(g), len(methods))
            w = {p: v[rows] for p, v in weights.items()}
            out[rows] = self._group(k, methods[a], w, gone[rows])
        return out

    def _group(self, k: int, agg: str, w: dict, gone: np.ndarray) -> np.ndarray:
        """Draws with data combination ``k`` and aggregation option ``agg``: the
        aggregation engine over draws × units (one matrix product per block of draws
        on complete data with arithmetic means)."""
        nodes = with_ranges(self.tree, self.ranges[k])  # this combination's ranges
        if agg != CATALOGUE:
            nodes = tuple(replace(n, method=Aggregation(method=agg)) for n in nodes)
            norms = self.options["normalisation"]  # combinations: imp × win × norm
            _below_zero(nodes, f"{norms[k % len(norms)]} + {agg}")
        absent = None
        if (gone >= 0).any():
            absent = np.zeros((len(gone), len(self.ids)), dtype=bool)
            rows = np.flatnonzero(gone >= 0)
            absent[rows, gone[rows]] = True
        score = score_nodes(self.x[k], nodes, w, absent=absent, rows=self.rows)
        score = score.values[COMPOSITE]
        score[:, self.too_imputed[k]] = np.nan
        return score


def _below_zero(nodes, option: str) -> None:
    """An aggregation option with no meaning below 0 (``Aggregation.
    needs_nonnegative``: geometric, harmonic …) over children whose range reaches
    below 0 (z-scores …) is refused, as the catalogue refuses it at load."""
    ranges = limits(nodes)
    for n in nodes:
        if not n.method.needs_nonnegative:
            continue
        below = [
            k
            for j, (k, c) in enumerate(zip(n.children, n.columns, strict=True))
            if (n.ranges[j] if c >= 0 and n.ranges else ranges.get(k, (0, 0)))[0] < 0
        ]
        if below:
            raise _refused(
                "below_zero",
                option=option,
                method=n.method.method,
                node=n.id,
                below=_listed(below),
            )


# ------------------------------------------------------------- ranks, summary
def _ranks(scores: np.ndarray) -> np.ndarray:
    """Ranks within each draw (1 = best; ties at 9 decimals share the better place;
    NaN: none), float32 (exact below 2**24 units).

    ``rint(score · 1e9)`` (what rounding to 9 decimals compares), counted down from
    the block's best, fits the bits left by the unit's position (37 bits hold any
    0–100 spread; unbounded scores may spread wider): packed above the position into
    one int64, a plain sort of each draw gives the order and the ties at once (faster
    than an argsort and a gather). Rows of draws run in parallel threads (numpy
    releases the GIL).
    """
    u = scores.shape[1]
    bits = max(1, (u - 1).bit_length())
    if bits > 63 - _KEY_BITS:
        raise _refused("too_many_units", n=u)
    out = np.empty(scores.shape, dtype=np.float32)
    position = np.arange(u, dtype=np.int64)
    none = 2 ** min(53, 63 - bits) - 1  # the unranked key (exact as a float)

    def block(rows: slice) -> None:
        s = scores[rows]
        with np.errstate(invalid="ignore"):
            k = np.rint(s * 10.0**TIE_DECIMALS)
        key = np.fmax.reduce(k, axis=None) - k  # higher score, smaller key
        if np.fmax.reduce(key, axis=None) >= none:
            raise _refused(
                "scores_spread",
                decimals=TIE_DECIMALS,
                low=f"{np.nanmin(s):g}",
                high=f"{np.nanmax(s):g}",
            )
        key[np.isnan(s)] = none  # unranked: last
        packed = np.sort((key.astype(np.int64) << bits) | position, axis=1)
        key = packed >> bits
        start = np.ones(key.shape, dtype=bool)  # first of a run of equal scores
        start[:, 1:] = key[:, 1:] != key[:, :-1]
        first = np.where(start, np.arange(1, u + 1, dtype=np.int32), 0)
        np.maximum.accumulate(first, axis=1, out=first)
        rank = first.astype(np.float32)
        rank[key == none] = np.nan
        at = (packed & ((1 << bits) - 1)) + (np.arange(len(key)) * u)[:, None]
        out[rows].reshape(-1)[at.reshape(-1)] = rank.reshape(-1)

    _parallel(block, len(scores), max(1, 2_000_000 // max(u, 1)))
    return out


_KEY_BITS = 37  #: rint(100 · 1e9) < 2**37: bits kept for the keys, at least


def summary(units, scores, ranks, nominal) -> pd.DataFrame:
    """Per unit: mean rank, rank percentiles 5/50/95, score percentiles 5/95 (numpy's
    linear percentiles over the draws that ranked the unit), units in blocks."""
    n_units = len(units)
    cols = np.full((6, n_units), np.nan)

    def block(part: slice) -> None:
        r = np.sort(ranks[:, part].T, axis=1)  # NaN last
        s = np.sort(scores[:, part].T, axis=1)
        cols[0:3, part] = _percentiles(r, (5, 50, 95))
        cols[3:5, part] = _percentiles(s, (5, 95))
        n = (~np.isnan(r)).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            cols[5, part] = np.nansum(r, axis=1, dtype=float) / np.where(n, n, np.nan)

    _parallel(block, n_units, max(1, 4_000_000 // max(len(scores), 1)))
    return pd.DataFrame(
        {
            "unit_id": units,
            "nominal_rank": nominal.to_numpy(),
            "mean_rank": cols[5],
            "median_rank": cols[1],
            "rank_q05": cols[0],
            "rank_q95": cols[2],
            "score_q05": cols[3],
            "score_q95": cols[4],
        }
    )


def _within_levels(result, period, units, scores, ranks) -> pd.DataFrame:
    """Ranks among each unit's own type (市直部门, 县（市）区), each ranked apart as
    the published lists are: the nominal rank (``level_rank``, as
    :func:`evaluation.publish.export.level_ranks` ranks) and its 5 and 95 %
    percentiles over the draws (``level_rank_q05``, ``level_rank_q95``), in
    ``units``' order. With one type of unit, the overall ranks."""
    n = len(units)
    out = np.full((3, n), np.nan)
    level = (
        result.units.set_index("unit_id")["level"].reindex(units).to_numpy()
        if "level" in result.units
        else np.full(n, None)
    )
    kinds = pd.unique(level[pd.notna(level)])
    nominal = result.ranks[result.ranks["period"] == period].set_index("unit_id")
    comp = result.composite[result.composite["period"] == period].set_index("unit_id")
    for kind in kinds:
        at = np.flatnonzero(level == kind)
        r = ranks if len(at) == n else _ranks(scores[:, at])
        ids = [units[i] for i in at]
        ranked = nominal["rank"].reindex(ids).notna().to_numpy()
        score = comp["composite_score"].reindex(ids).where(ranked)
        score.index = pd.MultiIndex.from_product(
            [[period], ids], names=["period", "unit_id"]
        )
        out[0, at] = rank_units(score).to_numpy(dtype=float, na_value=np.nan)

        def block(part: slice, r=r, at=at) -> None:
            out[1:, at[part]] = _percentiles(np.sort(r[:, part].T, axis=1), (5, 95))

        _parallel(block, len(at), max(1, 4_000_000 // max(len(scores), 1)))
    return pd.DataFrame(
        {"level_rank": out[0], "level_rank_q05": out[1], "level_rank_q95": out[2]}
    )


def _percentiles(ordered: np.ndarray, qs) -> np.ndarray:
    """numpy's linear percentiles of each row of ``ordered`` (sorted, NaN last),
    each row over its own non-missing values; NaN where there are none."""
    n = (~np.isnan(ordered)).sum(axis=1)
    rows = np.arange(len(ordered))
    out = np.full((len(qs), len(ordered)), np.nan)
    for i, q in enumerate(qs):
        q = q / 100
        h = n * q + (1 - q) - 1  # numpy's virtual index (alpha = beta = 1)
        lo = np.floor(h).astype(np.int64)
        hi = np.minimum(lo + 1, n - 1)
        ok = n > 0
        a = ordered[rows[ok], lo[ok]].astype(float)
        b = ordered[rows[ok], hi[ok]].astype(float)
        t = (h - lo)[ok]
        diff = b - a
        out[i, ok] = np.where(t >= 0.5, b - diff * (1 - t), a + diff * t)
    return out


def _parallel(fn, n: int, size: int) -> None:
    """``fn(slice)`` over ``range(n)`` in slices of ``size``, on a few threads."""
    parts = [slice(s, min(s + size, n)) for s in range(0, n, size)]
    if len(parts) == 1:
        fn(parts[0])
        return
    with ThreadPoolExecutor(min(len(parts), os.cpu_count() or 1)) as pool:
        list(pool.map(fn, parts))


# ------------------------------------------------------------- options, data
def _perturbed(catalogue: Catalogue, levels) -> list[str]:
    nodes = catalogue.nodes
    return list(nodes.index[nodes["depth"].isin(list(levels))])


def _exclusions(catalogue: Catalogue, exclude: bool) -> list[str]:
    return ["", *(i.id for i in catalogue.indicators)] if exclude else []


def _dirichlet(catalogue, nodes, concentration, n=None, rng=None, u=None) -> dict:
    """``w:<node>`` multipliers of Dirichlet weights around the nominal: each sibling
    set among ``nodes`` ~ Dirichlet(concentration · nominal local weights). Drawn by
    ``rng`` (``n`` draws), or from uniforms ``u`` (draws × nodes) by gamma quantiles
    (one Sobol factor per node)."""
    from scipy.stats import gamma

    table = catalogue.nodes.loc[nodes]
    cols = {}
    for parent, kids in table.groupby("parent", sort=False).groups.items():
        nominal = catalogue.nodes.loc[catalogue.nodes["parent"] == parent]
        nominal = nominal["local_weight"]
        alpha = concentration * nominal.to_numpy()
        if u is None:
            w = rng.dirichlet(alpha, n)
        else:
            at = [nodes.index(k) for k in nominal.index]
            g = gamma.ppf(u[:, at], alpha)
            w = g / g.sum(axis=1, keepdims=True)
        for j, kid in enumerate(nominal.index):
            if kid in kids:
                cols[f"w:{kid}"] = w[:, j] / nominal.iloc[j]
    return {f"w:{k}": cols[f"w:{k}"] for k in nodes}


def _weight_sets(catalogue: Catalogue, sets, index) -> dict:
    """``weight_set`` (each draw's set, ``index``) and the ``w:<node>`` multipliers
    of the nominal local weights that give that set's weights: a set's weights of
    a sibling group over their sum, divided by the nominal local weights (1 where a
    set names none of the siblings)."""
    _check_weight_sets(catalogue, sets)
    nodes = catalogue.nodes
    named = [k for k in nodes.index if any(k in s for s in sets)]  # catalogue order
    mult = np.ones((len(sets), len(named)))
    for i, s in enumerate(sets):  # a few sets × the nodes they name
        for j, k in enumerate(named):
            if k in s:
                kin = nodes.index[nodes["parent"] == nodes.at[k, "parent"]]
                share = s[k] / sum(s[c] for c in kin)
                mult[i, j] = share / nodes.at[k, "local_weight"]
    index = np.asarray(index, dtype=np.int64)
    return {
        "weight_set": index,
        **{f"w:{k}": mult[index, j] for j, k in enumerate(named)},
    }


def _check_weight_sets(catalogue: Catalogue, sets) -> None:
    """Every problem of the weight sets at once: ids that are not nodes, weights
    that are negative or not finite, a set naming only some children of a node."""
    nodes = catalogue.nodes
    problems = []
    for i, s in enumerate(sets):
        unknown = sorted(set(s) - set(nodes.index))
        if unknown:
            problems.append(
                say("library_error", "weight_set_unknown", i=i, ids=_listed(unknown))
            )
        bad = {k: v for k, v in s.items() if not (np.isfinite(v) and v >= 0)}
        if bad:
            problems.append(say("library_error", "weight_set_negative", i=i, bad=bad))
        known = [k for k in s if k in nodes.index]
        for parent in pd.unique(nodes.loc[known, "parent"]):
            kin = list(nodes.index[nodes["parent"] == parent])
            left = [k for k in kin if k not in s]
            if left:
                problems.append(
                    say(
                        "library_error",
                        "weight_set_partial",
                        i=i,
                        parent=parent,
                        left=_listed(left),
                    )
                )
            elif not bad and sum(s[k] for k in kin) <= 0:
                problems.append(
                    say("library_error", "weight_set_zero", i=i, parent=parent)
                )
    if problems:
        joined = Word(
            "；".join(w.zh for w in problems), "; ".join(w.en for w in problems)
        )
        raise _refused("weight_sets", problems=joined)


def _uniques(column: pd.Series) -> list[str]:
    """A draw table column's distinct options, as text (a limit may read as 3)."""
    return [str(v) for v in pd.unique(column)]


def _positions(column: pd.Series, options) -> np.ndarray:
    """Each row's position in ``options`` (-1 if absent), via the distinct values."""
    codes, uniques = pd.factorize(column)
    lookup = pd.Index(list(options)).get_indexer([str(v) for v in uniques])
    return np.append(lookup, -1)[codes]


def _with_defaults(draws: pd.DataFrame) -> pd.DataFrame:
    """Draw tables saved before a choice was drawn: that choice as published."""
    missing = {
        k: CATALOGUE
        for k in ("normalisation", "aggregation", "imputation", "winsorisation")
        if k not in draws
    }
    if "exclude" not in draws:
        missing["exclude"] = ""
    draws = draws.assign(**missing) if missing else draws
    if draws["exclude"].isna().any():  # read back from CSV: empty cells
        draws = draws.assign(exclude=draws["exclude"].fillna(""))
    return draws


def _options(draws: pd.DataFrame) -> dict:
    """The options a draw table uses, for :func:`prepare`."""
    return {
        "normalisations": tuple(pd.unique(draws["normalisation"])),
        "imputations": tuple(pd.unique(draws["imputation"])),
        "winsorisations": tuple(pd.unique(draws["winsorisation"].astype(str))),
    }


def _check_limits(catalogue: Catalogue, limits) -> None:
    """Winsorisation options: ``catalogue``, ``none`` or a ``winmax`` (integer ≥ 0),
    the latter only if the catalogue treats some indicator with ``coinr``."""
    bad = [w for w in limits if w not in (CATALOGUE, NO_TREATMENT) and not w.isdigit()]
    if bad:
        raise _refused(
            "winsorisation_option",
            catalogue=quoted(CATALOGUE),
            none=quoted(NO_TREATMENT),
            got=quoted(*bad),
        )
    specs = [catalogue.settings.treatment, *(i.treatment for i in catalogue.indicators)]
    if any(w.isdigit() for w in limits) and not any(
        s is not None and s.method == "coinr" for s in specs
    ):
        raise _refused("winmax_no_coinr")


def _variant(
    catalogue: Catalogue,
    *,
    normalisation: str = CATALOGUE,
    imputation: str = CATALOGUE,
    winsorisation: str = CATALOGUE,
) -> Catalogue:
    """The catalogue a draw's data options stand for: every indicator normalised by
    ``normalisation`` (:func:`normalisation_option`) and imputed by ``imputation``;
    outlier treatment off (``none``) or every COINr treatment's ``winmax`` set."""
    if normalisation == imputation == winsorisation == CATALOGUE:
        return catalogue
    raw = catalogue.model_dump(mode="json")
    treatments = [raw["settings"]["treatment"]]
    for ind in raw["indicators"]:
        if normalisation != CATALOGUE:
            ind["normalisation"] = normalisation_option(normalisation)
        if imputation != CATALOGUE:
            ind["missing"] = imputation
        if winsorisation == NO_TREATMENT:
            ind["treatment"] = None
        elif ind["treatment"] is not None:
            treatments.append(ind["treatment"])
    if winsorisation == NO_TREATMENT:
        raw["settings"]["treatment"] = {"method": "none"}
    elif winsorisation != CATALOGUE:
        for t in treatments:
            if t["method"] == "coinr":
                t["winmax"] = int(winsorisation)
    label = f"{normalisation}/{imputation}/{winsorisation}"
    return parse_catalogue(raw, file=f"<{label} variant>")


def _imputed(result: Result, period: str, imputation: str):
    """The period's value matrix and zero-score mask (rows ``(period, unit_id)``)
    with ``imputation`` for every indicator, and the re-imputed prepared table."""
    prepared = result.prepared
    if imputation != CATALOGUE:
        cat = _variant(result.catalogue, imputation=imputation)
        frame = prepared.drop(columns="status")
        frame["value"] = prepared["value"].where(prepared["status"] == "reported")
        ids = list(frame["indicator_id"].unique())
        prepared = apply_missing_rules(
            frame, result.units, cat.table.loc[ids], cat.settings
        )
    matrix, zero = as_matrix(prepared, result.units["unit_id"])
    rows = matrix.index.get_level_values("period") == period
    if not rows.any():
        have = sorted(set(matrix.index.get_level_values("period")))
        raise _refused("no_period", period=quoted(period), have=_listed(have))
    return matrix[rows], zero[rows], prepared


def _published(result: Result, period: str, units: list[str], ids: list[str]):
    """The period's published indicator scores (units × indicators)."""
    part = result.normalised[result.normalised["period"] == period]
    shape = (len(units), len(ids))
    if len(part) == shape[0] * shape[1]:  # dense, in unit then indicator order
        got = part["unit_id"].to_numpy()[:: shape[1]], part["indicator_id"][: shape[1]]
        if list(got[0]) == list(units) and list(got[1]) == list(ids):
            return part["score"].to_numpy(dtype=float).reshape(shape)
    return (
        part.pivot(index="unit_id", columns="indicator_id", values="score")
        .reindex(index=units, columns=ids)
        .to_numpy()
    )


#: decimals a rank interval's ends are shown to (``publish.worded.intervals``)
RANK_DECIMALS = 1


def shown_width(low, high) -> np.ndarray:
    """The width of rank intervals as their ends are shown, each to
    :data:`RANK_DECIMALS` half up: 18.95–24.0 reads 19.0–24.0, 5.0 wide (the ends'
    own difference, 5.05, would be shown 5.1 beside them)."""
    shown = np.subtract(
        as_published(high, RANK_DECIMALS), as_published(low, RANK_DECIMALS)
    )
    return np.array(as_published(shown, RANK_DECIMALS))  # 4.8 − 1.5 is 3.3


def rank_widths(summary: pd.DataFrame) -> pd.DataFrame:
    """An uncertainty analysis' ``summary`` (:func:`run`) with each unit's
    ``width``, the span of its 5–95 % rank interval as its ends are shown
    (:func:`shown_width`; the ends are kept as computed: rounded first, 18.96 would
    lose its place 18 in :func:`evaluation.result.rank_range`'s whole places), the
    widest first (the ranks the data settle least), equal widths in ``summary``'s
    order (a stable sort)."""
    width = shown_width(summary["rank_q05"], summary["rank_q95"])
    return summary.assign(width=width).sort_values(
        "width", ascending=False, kind="stable"
    )
