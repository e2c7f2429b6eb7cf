"""Method registries: one per family, the catalogue's allowed names equal to their
keys, every name with words in the vocabulary and a row in docs/methodology.md, and
an unknown name in a catalogue answered with a clear error."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import get_args

import pytest
import yaml

import evaluation as ev
from evaluation import catalogue as C
from evaluation import periods as P
from evaluation import vocabulary
from evaluation.appraisal import config as AC
from evaluation.publish import export
from evaluation.risk import quality, rules
from evaluation.scoring import aggregate, normalise, prepare, treat
from evaluation.scoring import weights as W

ROOT = Path(__file__).resolve().parents[1]
METHODOLOGY = (ROOT / "docs" / "methodology.md").read_text(encoding="utf-8")


def allowed(model, field: str) -> set[str]:
    """The names a catalogue field's Literal type accepts."""
    return set(get_args(model.model_fields[field].annotation))


#: missing-data rules that impute nothing (handled by prepare itself)
NOT_IMPUTING = {"exclude", "zero_score"}

#: (what, the catalogue's allowed names, the registry's keys)
CATALOGUE_VS_REGISTRY = [
    ("normalisation", set(C.tags(C.Normalisation)), set(normalise.NORMALISERS)),
    ("missing", allowed(C.Indicator, "missing"), set(prepare.IMPUTERS) | NOT_IMPUTING),
    ("treatment", allowed(C.Treatment, "method"), set(treat.TREATMENTS)),
    ("weights", allowed(C.Weights, "method"), set(W.METHODS)),
    ("objective", allowed(C.Weights, "objective"), set(W.OBJECTIVE)),
    ("subjective", allowed(C.Weights, "subjective"), set(W.SUBJECTIVE)),
    ("combine", allowed(C.Weights, "combine"), set(W.COMBINE)),
    ("ahp method", allowed(C.AHP, "method"), set(W.AHP_METHODS)),
    ("random index", allowed(C.AHP, "random_index"), set(W.RANDOM_INDEX)),
    (
        "aggregation",
        allowed(C.Aggregation, "method"),
        set(aggregate.METHODS) | set(aggregate.RELATIVE),
    ),
    ("risk rule kind", set(C.tags(C.WarningRule)), set(rules.RULES)),
    ("peer method", allowed(rules.PeerPosition, "method"), set(rules.PEER_METHODS)),
]


@pytest.mark.parametrize(
    ("what", "names", "keys"),
    CATALOGUE_VS_REGISTRY,
    ids=[w for w, _, _ in CATALOGUE_VS_REGISTRY],
)
def test_the_catalogue_allows_exactly_the_registered_names(what, names, keys):
    assert names == keys, (
        f"{what}: catalogue only {names - keys}, code only {keys - names}"
    )


def test_relative_and_mean_aggregations_do_not_share_a_name():
    assert not set(aggregate.METHODS) & set(aggregate.RELATIVE)


def test_the_hand_kept_normalisation_list_is_gone():
    # the tags dropped from error paths are read off the union, not listed by hand:
    # the registered methods in their order, wherever in normalise.py a new one is
    # written (not a fixed first three, which a method written beside minmax broke)
    assert C.NORMALISATION_METHODS == C.tags(C.Normalisation)
    assert C.NORMALISATION_METHODS == tuple(normalise.NORMALISERS)
    assert {"minmax", "goalposts", "zscore"} <= set(C.NORMALISATION_METHODS)


#: vocabulary family → every name the code registers for it
REGISTERED = {
    "normalisation": set(normalise.NORMALISERS),
    "imputation": set(prepare.IMPUTERS) | allowed(C.Indicator, "missing"),
    "treatment": set(treat.TREATMENTS),
    "weights": set(W.METHODS) | set(W.OBJECTIVE) | set(W.SUBJECTIVE),
    "aggregation": set(aggregate.METHODS) | set(aggregate.RELATIVE),
    "risk_rule": set(rules.RULES),
    "quality_check": set(quality.CHECKS),
    "export_format": set(export.GRADES_FORMATS),
    "peer_method": set(rules.PEER_METHODS),
}
NAMES = [(f, n) for f, names in REGISTERED.items() for n in sorted(names)]

#: vocabulary family → the other codes people meet in outputs (levels, period types,
#: roll-ups, appraisal rules and grades): words, but not methods documented in the
#: methodology
CODES = {
    "risk_level": set(rules.LEVELS),
    "frequency": set(P.FREQUENCIES),
    "rollup": allowed(C.Rollup, "method"),
    "rule_kind": allowed(AC.Rule, "kind"),
    "applies_to": allowed(AC.Rule, "applies_to"),
    "grade": set(get_args(AC.Grade)),
    "person_grade": set(get_args(AC.PersonGrade)),
}
CODE_NAMES = [(f, n) for f, names in CODES.items() for n in sorted(names)]


def test_each_family_registers_something():
    assert all(REGISTERED.values())
    assert len(NAMES) > 50


@pytest.mark.parametrize(("family", "name"), NAMES, ids=[f"{f}-{n}" for f, n in NAMES])
def test_every_registered_name_has_chinese_and_english_words(family, name):
    zh = vocabulary.word(family, name, "zh")
    en = vocabulary.word(family, name, "en")
    assert zh.strip() and en.strip()
    assert re.search(r"[\u4e00-\u9fff]", zh), f"{family}.{name}: {zh!r} has no Chinese"


@pytest.mark.parametrize(
    ("family", "name"), CODE_NAMES, ids=[f"{f}-{n}" for f, n in CODE_NAMES]
)
def test_every_code_people_meet_has_chinese_and_english_words(family, name):
    zh = vocabulary.word(family, name, "zh")
    en = vocabulary.word(family, name, "en")
    assert zh.strip() and en.strip()
    assert re.search(r"[\u4e00-\u9fff]", zh), f"{family}.{name}: {zh!r} has no Chinese"


def test_a_code_without_words_fails_the_check():
    """The check can fail: a warning level the vocabulary does not know."""
    with pytest.raises(KeyError, match="risk_level has no word for 'purple'"):
        vocabulary.word("risk_level", "purple", "zh")


def documented(name: str) -> bool:
    """``name`` is a word inside a `code span` of a heading or a table row."""
    word = re.compile(rf"(?<![\w.]){re.escape(name)}(?![\w.])")
    for line in METHODOLOGY.splitlines():
        if line.startswith(("|", "#")):
            if any(word.search(span) for span in re.findall(r"`([^`]*)`", line)):
                return True
    return False


@pytest.mark.parametrize(("family", "name"), NAMES, ids=[f"{f}-{n}" for f, n in NAMES])
def test_every_registered_name_is_documented_in_the_methodology(family, name):
    assert documented(name), f"docs/methodology.md has no row or section for {name}"


#: families whose docs row says the name as the catalogue writes it: ``key: name``
WRITTEN_AS = {"normalisation": "method", "risk_rule": "kind"}
ROWS = [(f, n) for f, n in NAMES if f in WRITTEN_AS]


@pytest.mark.parametrize(("family", "name"), ROWS, ids=[f"{f}-{n}" for f, n in ROWS])
def test_every_normaliser_and_rule_kind_has_its_own_row(family, name):
    """Its own row, not any code span: ``median`` or ``last`` would otherwise pass as
    documented by the roll-up rows."""
    assert documented(f"{WRITTEN_AS[family]}: {name}"), (
        f"docs/methodology.md has no row with `{WRITTEN_AS[family]}: {name}`"
    )


NORMALISERS = sorted(normalise.NORMALISERS)


def section(name: str) -> bool:
    """A heading ``### `method: name``` (its parameters may follow it)."""
    return any(
        line.startswith(f"### `method: {name}`") for line in METHODOLOGY.splitlines()
    )


def degenerate_cases() -> set[str]:
    """The methods named in the first cell of §5's table of degenerate cases."""
    after = METHODOLOGY.split("When the units (nearly) do not differ:\n\n")[1]
    table = after.split("\n\n")[0].splitlines()
    return {n for row in table for n in re.findall(r"`([^`]*)`", row.split("|")[1])}


@pytest.mark.parametrize("name", NORMALISERS)
def test_every_normaliser_has_its_section_and_its_degenerate_case(name):
    """Its ``### `method: name``` section (what it does, its parameters, its range)
    and its row in the table of what it does when the units do not differ."""
    assert section(name), f"docs/methodology.md has no `### `method: {name}`` section"
    assert name in degenerate_cases(), (
        f"docs/methodology.md §5: no degenerate case for {name}"
    )


def test_the_section_check_reads_headings_of_a_method_only():
    assert section("percentile") and section("target")  # bare, and with parameters
    assert not section("ranking") and not section("median")
    assert {"minmax", "percentile", "goalposts"} <= degenerate_cases()
    assert "method" not in degenerate_cases()  # the header row is not a method


def test_the_row_check_does_not_accept_a_word_used_elsewhere():
    assert documented("median") and not documented("method: median")


def test_the_documentation_check_does_not_accept_a_name_inside_another():
    assert documented("pca_squared") and documented("pca")
    assert not documented("sqrt_minmax")  # a method that does not exist
    assert not documented("ranking_PERIOD")  # only in running text, as a file name


def test_every_warning_rule_kind_checks_the_ids_it_names():
    for model in get_args(get_args(C.WarningRule)[0]):
        assert callable(getattr(model, "references", None)), model.__name__


# ------------------------------------------------------------------ bad names
@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load((ROOT / "indicators.yaml").read_text(encoding="utf-8"))


def _set(path):
    def put(raw, value):
        *parents, last = path
        node = raw
        for key in parents:
            node = node.setdefault(key, {}) if isinstance(key, str) else node[key]
        node[last] = value

    return put


#: (field, how to write a name into the catalogue, path in the error, allowed names)
BAD_NAMES = [
    (
        "normalisation",
        _set(["indicators", 0, "normalisation"]),
        "indicators[0].normalisation",
        normalise.NORMALISERS,
    ),
    ("missing", _set(["indicators", 1, "missing"]), "indicators[1].missing", None),
    (
        "treatment",
        _set(["settings", "treatment", "method"]),
        "settings.treatment.method",
        treat.TREATMENTS,
    ),
    (
        "weights",
        _set(["settings", "weights", "method"]),
        "settings.weights.method",
        W.METHODS,
    ),
    (
        "aggregation",
        _set(["dimensions", 0, "aggregation", "method"]),
        "dimensions[0].aggregation.method",
        {**aggregate.METHODS, **aggregate.RELATIVE},
    ),
    ("risk rule", None, "risk.rules[0]", rules.RULES),
]


@pytest.mark.parametrize(
    ("field", "put", "path", "names"), BAD_NAMES, ids=[b[0] for b in BAD_NAMES]
)
def test_an_unknown_method_name_says_file_field_value_and_the_known_names(
    raw, field, put, path, names
):
    bad = copy.deepcopy(raw)
    if field == "normalisation":
        put(bad, {"method": "softmax"})
    elif field == "risk rule":
        bad["risk"] = {"rules": [{"kind": "softmax", "node": "composite"}]}
    else:
        put(bad, "softmax")
    with pytest.raises(ev.CatalogueError) as caught:
        ev.parse_catalogue(bad, file="indicators.yaml")
    problems = caught.value.problems
    assert len(problems) == 1, problems
    row = problems.iloc[0]
    assert (row["file"], row["path"], row["value"]) == (
        "indicators.yaml",
        path,
        "softmax",
    )
    known = names if names is not None else prepare.IMPUTERS.keys() | NOT_IMPUTING
    for name in known:  # each a word of its own ('pca' not found in 'pca_squared')
        assert re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", row["rule"]), (
            name,
            row["rule"],
        )
    assert "softmax" in str(caught.value) and "indicators.yaml" in str(caught.value)
