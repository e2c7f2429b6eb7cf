"""The building blocks of configuration models: a frozen model that refuses unknown
keys, the field types, and the problems a validator reports with their paths.

The catalogue's models are built from these, and so are the parameter models that
live beside their method (each normalisation's model sits with its kernel in
:mod:`evaluation.scoring.normalise`), so that adding a method touches one module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo

from evaluation.vocabulary import FAMILIES, Word, plain, quoted, say

#: The one key reserved for the top of the hierarchy.
COMPOSITE = "composite"

ID_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$"
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=64)]
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


def _spaced_name(name: str, info: ValidationInfo) -> str:
    """A name as the media CSV and the dashboard print it: no space at its start or
    end (a space, a full-width space, a line break), none full-width (U+3000)
    inside; each is a problem that quotes the name as typed (so its spaces are
    seen); a name of spaces alone is blank (``name_blank``). A stored run's catalogue
    (context ``stored``) is read as it was scored."""
    if (info.context or {}).get("stored"):
        return name
    codes = ["name_spaces"] if name != name.strip() else []
    codes += ["name_full_width_space"] if "\u3000" in name.strip() else []
    codes = codes if name.strip() else ["name_blank"]
    raise_if([((), None, say("library_error", c, name=quoted(name))) for c in codes])
    return name


#: a name people read (``name_zh``, ``name_en``): text, with no space at its ends
#: and no full-width space (:func:`_spaced_name`)
Name = Annotated[str, Field(min_length=1), AfterValidator(_spaced_name)]


#: id patterns said in words rather than as the pattern (``pydantic_error.pattern_*``)
PATTERNS = {ID_PATTERN: "pattern_id", r"^[A-Za-z0-9_]+$": "pattern_code"}


def rule_of(err: dict) -> Word | str:
    """A pydantic error (one of ``ValidationError.errors()``) as the rule a problem
    report says: Chinese words of its ``type`` (``pydantic_error``) with its context
    filled in (``须大于0``), pydantic's own message as the English. An error type
    without words yet is its message alone."""
    kind, ctx, msg = err["type"], dict(err.get("ctx") or {}), err["msg"]
    msg = msg.removeprefix("Value error, ")
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in PATTERNS:
        kind = PATTERNS[ctx["pattern"]]
    if kind not in FAMILIES["pydantic_error"]:
        return msg
    for key, value in ctx.items():
        if isinstance(value, float):
            ctx[key] = plain(value)
    if "expected" in ctx:  # "'a', 'b' or 'c'" → a、b、c / a, b, c
        expected = [
            x.strip().strip("'")
            for x in str(ctx["expected"]).replace(" or ", ", ").split(", ")
        ]
        ctx["expected"] = Word("、".join(expected), ", ".join(expected))
    if "discriminator" in ctx:
        ctx["discriminator"] = str(ctx["discriminator"]).strip("'")
    try:
        return say("pydantic_error", kind, **{**ctx, "msg": msg})
    except (KeyError, IndexError):  # a context field the words do not know
        return msg


class Said(ValueError):
    """A validator's refusal said in Chinese and English (``words``, a
    ``vocabulary.Word``); its message is the English."""

    def __init__(self, words: Word):
        self.words = words
        super().__init__(words.en)


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
