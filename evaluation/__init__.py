"""evaluation: government department performance evaluation.

>>> import evaluation as ev
>>> catalogue = ev.load_catalogue("indicators.yaml")          # doctest: +SKIP
>>> data = ev.load_dataset("data/sample")                      # doctest: +SKIP
>>> result = ev.run(catalogue, data, period="2025")            # doctest: +SKIP
>>> result.league_table()                                      # doctest: +SKIP
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what the names below are, for readers and editors
    from evaluation.catalogue import Catalogue, load_catalogue, parse_catalogue
    from evaluation.errors import CatalogueError, EvaluationError, ValidationFailed
    from evaluation.files import project_root
    from evaluation.intake.io import (
        Dataset,
        load_dataset,
        read_observations,
        write_dataset,
    )
    from evaluation.intake.validate import check_dataset, validate_dataset
    from evaluation.pipeline import rebuild, run, score
    from evaluation.result import Provenance, Result

#: the package's face: each name and the module it comes from, imported when first
#: used (``ev.run``), so that ``evaluation --help`` starts without pandas and the
#: other heavy libraries
_FACE = {
    "Catalogue": "evaluation.catalogue",
    "load_catalogue": "evaluation.catalogue",
    "parse_catalogue": "evaluation.catalogue",
    "CatalogueError": "evaluation.errors",
    "EvaluationError": "evaluation.errors",
    "ValidationFailed": "evaluation.errors",
    "project_root": "evaluation.files",
    "Dataset": "evaluation.intake.io",
    "load_dataset": "evaluation.intake.io",
    "read_observations": "evaluation.intake.io",
    "write_dataset": "evaluation.intake.io",
    "check_dataset": "evaluation.intake.validate",
    "validate_dataset": "evaluation.intake.validate",
    "rebuild": "evaluation.pipeline",
    "run": "evaluation.pipeline",
    "score": "evaluation.pipeline",
    "Provenance": "evaluation.result",
    "Result": "evaluation.result",
}


def __getattr__(name: str):
    if name not in _FACE:
        raise AttributeError(f"module 'evaluation' has no attribute {name!r}")
    value = getattr(import_module(_FACE[name]), name)
    globals()[name] = value  # once: later uses find it directly
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_FACE})


__all__ = [
    "Catalogue",
    "CatalogueError",
    "Dataset",
    "EvaluationError",
    "Provenance",
    "Result",
    "ValidationFailed",
    "check_dataset",
    "load_catalogue",
    "load_dataset",
    "parse_catalogue",
    "project_root",
    "read_observations",
    "rebuild",
    "run",
    "score",
    "validate_dataset",
    "write_dataset",
]
