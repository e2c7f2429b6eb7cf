"""How English says a count: ``1 problem``, ``2 problems``, ``0 problems``,
``1.5 points`` (Chinese says them alike: 共1个问题, 共2个问题).

The one rule for a count's singular, and the bottom of the package: it imports
nothing, so both the errors and the vocabulary (which sits on the errors: it raises
them) say their counts by it. :func:`~evaluation.vocabulary.say_count` picks a
word's ``key_one`` by :func:`singular`; a message written before the vocabulary
is read, or below it (a problem count of the errors), says its count with
:func:`counted`.
"""

from __future__ import annotations


def singular(n):
    """Whether English says ``n`` things in the singular: ``n`` is exactly 1 (1
    problem; 0 problems, 1.5 points, 2 problems). Element-wise for an array of
    counts."""
    return n == 1


def counted(n, noun: str, plural: str | None = None) -> str:
    """``n`` and its noun as English says them: ``1 problem``, ``2 problems``,
    ``0 problems``; ``plural`` for a noun whose plural is not ``noun + "s"``."""
    return f"{n} {noun if singular(n) else plural or noun + 's'}"
