"""A count in English: singular for exactly one, as every message says it."""

from __future__ import annotations

import pandas as pd
import pytest

from evaluation.errors import CatalogueError, ValidationFailed
from evaluation.plural import counted
from evaluation.vocabulary import VocabularyError


@pytest.mark.parametrize(
    ("n", "said"),
    [(1, "1 problem"), (0, "0 problems"), (2, "2 problems"), (1.5, "1.5 problems")],
)
def test_a_count_is_singular_for_one_only(n, said):
    assert counted(n, "problem") == said


def test_a_noun_with_its_own_plural():
    assert counted(1, "query", "queries") == "1 query"
    assert counted(3, "query", "queries") == "3 queries"


def test_the_errors_say_one_problem_in_the_singular(tmp_path):
    one = pd.DataFrame(
        {"file": ["indicators.yaml"], "path": ["a"], "value": ["x"], "rule": ["r"]}
    )
    assert str(CatalogueError(one)).startswith("indicators.yaml has 1 problem:\n")
    two = pd.concat([one, one], ignore_index=True)
    assert str(CatalogueError(two)).startswith("indicators.yaml has 2 problems:\n")
    report = pd.DataFrame(
        {"file": ["u.csv"], "row": [2], "column": ["c"], "value": ["v"], "rule": ["r"]}
    )
    assert str(ValidationFailed(report)).startswith("1 validation problem:\n")
    said = str(VocabularyError(tmp_path / "v.yaml", ["words: must be a mapping"]))
    assert said == f"{tmp_path / 'v.yaml'} has 1 problem:\n  words: must be a mapping"
