"""The building blocks of configuration models: a frozen model that refuses unknown
keys, the field types, and the problems a validator reports with their paths.

The catalogue's models are built from these, and so are the parameter models that
live beside their method (each normalisation's model sits with its kernel in
:mod:`evaluation.scoring.normalise`), so that adding a method touches one module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, get_args

from pydantic import BaseModel, ConfigDict, Field

#: The one key reserved for the top of the hierarchy.
COMPOSITE = "composite"

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$", max_length=64)]
Text = Annotated[str, Field(min_length=1)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Number = Annotated[float, Field(allow_inf_nan=False)]

#: one problem: its path below the entry checked, the value found, what is wrong
#: (text, or a ``vocabulary.Word`` saying it in Chinese and English)
Problem = tuple[tuple, object, object]


class Problems(ValueError):
    """Several problems found by one validator, each with a path below its entry."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(
            "; ".join(
                f"{'.'.join(map(str, p))}: {getattr(m, 'en', m)}"
                for p, _, m in problems
            )
        )


def raise_if(problems: list[Problem]) -> None:
    """Raise :class:`Problems` if there are any."""
    if problems:
        raise Problems(problems)


class Model(BaseModel):
    """A configuration entry: frozen, and unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Registry(dict):
    """Name → function of one method family, each function registered with the
    parameter model that names it (the ``Literal`` of the model's ``key`` field):
    ``@registry.register(Model)``. The catalogue's union for the family is
    :attr:`models`, so a method is accepted where it is written."""

    def __init__(self, key: str):
        super().__init__()
        self.key = key
        self.models: tuple[type[Model], ...] = ()

    def register(self, model: type[Model]) -> Callable[[Callable], Callable]:
        def add(function: Callable) -> Callable:
            (name,) = get_args(model.model_fields[self.key].annotation)
            self[name] = function
            self.models = (*self.models, model)
            return function

        return add
