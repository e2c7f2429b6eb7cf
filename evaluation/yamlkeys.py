"""YAML loaded as the package loads every file it reads (``indicators.yaml``,
``appraisal.yaml``, ``vocabulary.yaml``): libyaml's speed (``CSafeLoader`` where
PyYAML was built with it), and each key written twice in one mapping noted. YAML
itself keeps the last of two equal keys without a word, so a copy-pasted
``target:`` line would change the scores; the callers refuse what is noted here.

Imports nothing of the package, so that :mod:`evaluation.vocabulary` can use it."""

from __future__ import annotations

from typing import NamedTuple

import yaml

BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE = "tag:yaml.org,2002:merge"


class Twice(NamedTuple):
    """A key written twice in one mapping: the key as written, the line (from 1) of
    its first writing and of this one, and the mapping node it is in."""

    key: str
    first: int
    again: int
    mapping: yaml.MappingNode


class Loader(BASE):
    """``CSafeLoader`` (parser in C) noting each key written twice (:class:`Twice`)
    in ``twice``, in the order the mappings are built, each once.

    The keys are compared as YAML reads them (``1`` and ``0x1`` are one key, as in
    the dict built), among those written in the mapping itself: a merge
    (``<<: *base``) that a key beside it overrides is YAML's way of saying "as base,
    but", not a slip. Checked where the constructor flattens merges, before it does,
    so the cost is one set look-up per key (the keys are built once: the
    constructor's cache gives them back for the dict)."""

    def __init__(self, stream):
        super().__init__(stream)
        self.twice: list[Twice] = []
        self._checked: set[int] = set()

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        if id(node) not in self._checked:
            self._checked.add(id(node))
            first: dict = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE:
                    continue  # a mapping or list as a key: refused by the constructor
                key = self.construct_object(key_node)
                try:
                    was = first.setdefault(key, key_node)
                except TypeError:
                    continue
                if was is not key_node:
                    at = (was.start_mark.line + 1, key_node.start_mark.line + 1)
                    self.twice.append(Twice(key_node.value, *at, node))
        super().flatten_mapping(node)


def load(text: str) -> tuple[object, yaml.Node | None, list[Twice]]:
    """``text``'s content (as ``yaml.load`` with ``CSafeLoader``), its root node
    (to say where each key written twice is) and the keys written twice. Raises
    what ``yaml.load`` raises."""
    loader = Loader(text)
    try:
        root = loader.get_single_node()
        data = None if root is None else loader.construct_document(root)
        return data, root, loader.twice
    finally:
        loader.dispose()
