"""evaluation: government department performance evaluation.

>>> import evaluation as ev
>>> catalogue = ev.load_catalogue("indicators.yaml")          # doctest: +SKIP
>>> data = ev.load_dataset("data/sample")                      # doctest: +SKIP
>>> result = ev.run(catalogue, data, period="2025")            # doctest: +SKIP
>>> result.league_table()                                      # doctest: +SKIP
"""

from evaluation.catalogue import Catalogue, load_catalogue, parse_catalogue
from evaluation.errors import CatalogueError, EvaluationError, ValidationFailed
from evaluation.files import project_root
from evaluation.intake.io import Dataset, load_dataset, read_observations, write_dataset
from evaluation.intake.validate import check_dataset, validate_dataset
from evaluation.pipeline import rebuild, run, score
from evaluation.result import Provenance, Result

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
