"""A run recorded under the earlier catalogue hash still rebuilds; a changed file
does not.

Until 3072f9c ("Issue 16 (most of it)") the catalogue hash was the SHA-256 of the full
canonical JSON dump, defaults included::

    text = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

Since then it leaves defaults out, and every field added since changed the old one, so
``rebuild`` called a run recorded then "changed since the run" although its YAML file
had not changed. Here the old rule is written out and applied to the dump that version
made of the tiny catalogue (:func:`old_dump`, as ``model_dump(mode="json")`` gave it at
3072f9c^), whose hash that version printed (:data:`OLD_HASH`).
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import replace

import pandas as pd
import pytest
import yaml

import evaluation as ev
from evaluation.catalogue import ADDED, LEGACY_DUMP, Catalogue
from evaluation.result import Provenance

from .conftest import TINY

#: ``load_catalogue`` at 3072f9c^ (``git worktree add … 3072f9c^``) of TINY written
#: as YAML, ``.sha256``
OLD_HASH = "e1ef0e371893e5e0b757466ae45a699bce7ddeac7269ec4279d2cf5cacf8ded6"

NO_WEIGHTS = {
    "ahp": None, "alpha": 0.5, "combine": "linear", "method": "manual",
    "objective": "entropy", "subjective": "manual",
}  # fmt: skip
ARITHMETIC = {
    "lower": 0.0, "method": "arithmetic", "p": None, "scaling": "vector",
    "upper": 1.0, "v": 0.5, "zero": "zero",
}  # fmt: skip
#: each indicator's fields as 3072f9c^ dumped them, TINY's values apart
INDICATOR = {
    "categories": None, "denominator": None, "missing": "exclude", "risk": None,
    "target": None, "transform": "none", "treatment": None,
}  # fmt: skip
ROLLUPS = {"a1": "mean", "a2": "sum", "b1": "last", "b2": "last"}
NORMALISATIONS = {  # numbers as floats, no clip, scale, per, truncate, cap, low, high
    "a1": {"method": "minmax"},
    "a2": {"best": 0.0, "method": "goalposts", "worst": 10.0},
    "b1": {"method": "target", "worst": 50.0},
    "b2": {"mean": 50.0, "method": "zscore", "sd": 10.0},
}


def old_dump() -> dict:
    """The full dump of TINY at 3072f9c^, written out."""
    indicators = []
    for ind in TINY["indicators"]:
        indicators.append(
            {
                **INDICATOR,
                **{k: v for k, v in ind.items() if k not in ("valid", "rollup")},
                "normalisation": NORMALISATIONS[ind["id"]],
                "rollup": {"method": ROLLUPS[ind["id"]], "weight_by": None},
                "target": float(ind["target"]) if "target" in ind else None,
                "valid": {k: float(v) for k, v in ind["valid"].items()},
                "weight": float(ind["weight"]),
            }
        )
    dimensions = [
        {
            **d,
            "aggregation": ARITHMETIC,
            "weights": NO_WEIGHTS,
            "parent": None,
            "min_coverage": None,
            "description_zh": "",
            "description_en": "",
        }  # fmt: skip
        for d in TINY["dimensions"]
    ]
    return {
        **{k: TINY[k] for k in ("id", "version", "name_zh", "name_en")},
        "agencies": TINY["agencies"],
        "peer_groups": TINY["peer_groups"],
        "dimensions": dimensions,
        "indicators": indicators,
        "context": [],
        "events": [],
        "risk": {"due_days": {"orange": 60, "red": 30}, "rules": []},
        "quality": {
            "benford_min_values": 100,
            "common_share": 0.2,
            "digits_min_values": 40,
            "digits_p": 1e-05,
            "identical_min_values": 4,
            "jump_z": 6.0,
            "min_periods": 6,
            "outlier_min_rows": 200,
            "outlier_share": 0.01,
        },  # fmt: skip
        "settings": {
            "aggregation": ARITHMETIC,
            "max_imputed_share_indicator": 0.5,
            "max_imputed_share_unit": 0.3,
            "min_coverage": 0.5,
            "sibling_weights": "renormalise",
            "treatment": {
                "count": "coinr",
                "high": 0.95,
                "kurt": 3.5,
                "low": 0.05,
                "method": "none",
                "skew": 2.0,
                "winmax": 5,
            },  # fmt: skip
            "unit_levels": ["department", "district"],
            "weights": NO_WEIGHTS,
        },
    }


def old_rule(dump: dict) -> str:
    """``Catalogue.sha256`` before 3072f9c, over a dump."""
    text = json.dumps(dump, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_the_old_rule_over_the_old_dump_is_the_hash_that_version_recorded():
    assert old_rule(old_dump()) == OLD_HASH


@pytest.fixture
def recorded(tmp_path, tiny_dataset_path) -> tuple:
    """TINY written to a YAML file, and a run of it as this version records it."""
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY, allow_unicode=True), encoding="utf-8")
    result = ev.run(
        ev.load_catalogue(path),
        ev.load_dataset(tiny_dataset_path),
        period="2025",
        run_at="2026-01-15T09:00:00+00:00",
    )
    return path, result


def as_before(provenance: Provenance) -> Provenance:
    """The provenance as a version before 3072f9c wrote it: the old hash, no file
    hash (the key absent from its dict)."""
    data = provenance.to_dict()
    del data["catalogue_file_sha256"]
    return Provenance.from_dict({**data, "catalogue_sha256": old_rule(old_dump())})


def test_the_run_records_the_files_bytes_outside_the_digest(recorded):
    path, result = recorded
    prov = result.provenance
    assert prov.catalogue_file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert "catalogue_file_sha256" not in prov.to_dict(with_environment=False)
    other = replace(result, provenance=replace(prov, catalogue_file_sha256="0" * 64))
    assert other.digest() == result.digest()  # digests made before stay the same
    assert as_before(prov).catalogue_file_sha256 == ""  # old dicts load


def test_a_run_recorded_with_the_old_hash_rebuilds_with_a_warning(recorded):
    path, result = recorded
    old = as_before(result.provenance)
    assert ev.load_catalogue(path).sha256 != old.catalogue_sha256  # refused before
    with pytest.warns(UserWarning, match="before the catalogue hash left defaults"):
        again = ev.rebuild(old)
    for name in ev.Result.TABLES:
        pd.testing.assert_frame_equal(getattr(again, name), getattr(result, name))


def test_a_changed_file_is_refused_under_the_old_hash_naming_the_hashes(recorded):
    path, result = recorded
    changed = copy.deepcopy(TINY)
    changed["dimensions"][0]["weight"] = 0.7
    path.write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ev.EvaluationError, match="changed since the run") as refused:
        ev.rebuild(as_before(result.provenance))
    said = str(refused.value)
    assert OLD_HASH[:12] in said and "by the rule before 3072f9c" in said
    assert "no file sha256 recorded" in said


def test_a_new_field_written_in_an_old_file_is_a_change(recorded):
    """A field the old version could not read, set away from its default, is kept
    in the old dump: the file changed."""
    path, result = recorded
    changed = copy.deepcopy(TINY)
    changed["indicators"][3]["normalisation"]["clip"] = [0, 100]
    path.write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ev.EvaluationError, match="changed since the run"):
        ev.rebuild(as_before(result.provenance))


def test_a_run_recorded_now_rebuilds_silently_after_a_layout_change(recorded):
    path, result = recorded
    with path.open("a", encoding="utf-8") as f:
        f.write("# a comment: the content is the same\n")
    again = ev.rebuild(result.provenance)  # a warning would fail the test
    assert again.digest() == result.digest()


def test_the_same_file_read_differently_rebuilds_with_a_warning(recorded):
    """A later version hashing the content another way: the file's bytes vouch for
    the file, and the tables decide."""
    path, result = recorded
    later = replace(result.provenance, catalogue_sha256="f" * 64)
    with pytest.warns(UserWarning, match="file is unchanged") as warned:
        again = ev.rebuild(later)
    said = str(warned[0].message)
    assert "ffffffffffff" in said and result.provenance.catalogue_sha256[:12] in said
    assert hashlib.sha256(path.read_bytes()).hexdigest()[:12] in said
    pd.testing.assert_frame_equal(again.composite, result.composite)
    with path.open("a", encoding="utf-8") as f:
        f.write("# the file's bytes changed too\n")
    with pytest.raises(ev.EvaluationError, match="file sha256") as refused:
        ev.rebuild(later)
    assert "changed since the run" in str(refused.value)


def test_a_changed_file_recorded_now_is_refused(recorded):
    path, result = recorded
    changed = copy.deepcopy(TINY)
    changed["indicators"][0]["weight"] = 2
    path.write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ev.EvaluationError, match="changed since the run"):
        ev.rebuild(result.provenance)


# The fields of every catalogue model at 3072f9c^ (its JSON schema, serialization
# mode): name, and =default for a default that is not a list or mapping (… if it
# is). A field added, removed or re-defaulted since must be in LEGACY_DUMP, or the
# hash of the runs recorded then cannot be recognised.
MODELS_BEFORE = {
    "AHP": 'children matrix method="eigenvector" random_index="saaty"',
    "Agency": "id name_en name_zh",
    "Aggregation": 'lower=0.0 method="arithmetic" p=null scaling="vector" upper=1.0 '
    'v=0.5 zero="zero"',
    "Borda": "method",
    "Catalogue": "agencies context=… dimensions events=… id indicators name_en "
    "name_zh peer_groups quality=… risk=… settings=… version",
    "ContextSeries": 'agency definition_en="" definition_zh="" frequency id name_en '
    "name_zh unit_en unit_zh valid",
    "Denominator": "by scale=1.0",
    "Dimension": 'aggregation=… description_en="" description_zh="" id '
    "min_coverage=null name_en name_zh parent=null weight=1.0 weights=…",
    "DistanceToTarget": "method worst=null",
    "EventRule": 'events kind level="red"',
    "EventType": "id name_en name_zh veto=false",
    "Goalposts": "best method worst",
    "Indicator": "agency categories=null definition_en definition_zh "
    'denominator=null direction frequency id missing="exclude" name_en name_zh '
    'normalisation parent risk=null rollup target=null transform="none" '
    "treatment=null unit_en unit_zh valid weight=1.0",
    "LevelRollup": "kind node worst=2",
    "MinMax": "method",
    "Ordinal": "method",
    "PeerGroup": "id name_en name_zh",
    "PeerPosition": 'kind method node orange=null red=null within="peer_group" '
    "yellow=null",
    "Percentile": "method",
    "QualitySettings": "benford_min_values=100 common_share=0.2 "
    "digits_min_values=40 digits_p=1e-05 identical_min_values=4 jump_z=6.0 "
    "min_periods=6 outlier_min_rows=200 outlier_share=0.01",
    "RankScore": "method",
    "Reference": "method unit",
    "RiskSettings": "due_days=… rules=…",
    "RiskThresholds": "orange=null red=null yellow=null",
    "RobustZ": "consistent=true mean=50.0 method sd=10.0",
    "Rollup": "method weight_by=null",
    "ScoreThreshold": "kind node orange=null red=null yellow=null",
    "Settings": "aggregation=… max_imputed_share_indicator=0.5 "
    'max_imputed_share_unit=0.3 min_coverage=0.5 sibling_weights="renormalise" '
    "treatment=… unit_levels=… weights=…",
    "TargetShortfall": "kind node orange=null red=null series=null yellow=null",
    "Treatment": 'count="coinr" high=0.95 kurt=3.5 low=0.05 method="none" skew=2.0 '
    "winmax=5",
    "Trend": 'against="previous" declines=null drop=null kind level="orange" node '
    "relative=false",
    "ValidRange": "max min",
    "Weights": 'ahp=null alpha=0.5 combine="linear" method="manual" '
    'objective="entropy" subjective="manual"',
    "ZScore": "mean=50.0 method sd=10.0",
    "_Levels": "orange=null red=null yellow=null",
}


def described(props: dict) -> dict[str, str]:
    """``name`` → how :data:`MODELS_BEFORE` writes it."""
    out = {}
    for name, spec in props.items():
        if "default" not in spec:
            out[name] = name
        elif isinstance(spec["default"], dict | list):
            out[name] = f"{name}=…"
        else:
            out[name] = f"{name}={json.dumps(spec['default'])}"
    return out


def test_every_field_added_since_the_old_hash_is_in_legacy_dump():
    schema = Catalogue.model_json_schema(mode="serialization")
    models = {**schema.pop("$defs"), "Catalogue": schema}
    legacy = {cls.__name__: fields for cls, fields in LEGACY_DUMP.items()}
    for model, before in MODELS_BEFORE.items():
        assert model in models, f"{model} no longer exists: review LEGACY_DUMP"
        now = described(models[model]["properties"])
        for name, then in legacy.get(model, {}).items():
            if then is ADDED:
                now.pop(name)
            else:
                now[name] = f"{name}={json.dumps(then)}"
        assert " ".join(sorted(now.values())) == before, (
            f"{model}: a field added, removed or re-defaulted since 3072f9c^ "
            "belongs in catalogue.LEGACY_DUMP"
        )
