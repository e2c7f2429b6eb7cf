"""The house's rules, read from the source (docs/architecture.md): no import cycle,
no import from a higher layer, and apps that draw what the library computes.

Every ``import``/``from … import`` statement counts, at module level or inside a
function: a function-local import hides a cycle from Python, not from this test.
Only imports under ``if TYPE_CHECKING:`` are left out: they name a type for the
reader and never run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "evaluation"

#: low to high; a module may import its own layer or lower ones
LAYERS = [
    # words, time, the fields of configuration models, and the method modules the
    # catalogue is built from: it checks AHP matrices with the same code that weighs
    # with them, and its normalisation and warning-rule unions are the models that
    # sit beside each normaliser and rule
    {
        "evaluation.errors",
        "evaluation.fields",
        "evaluation.files",
        "evaluation.periods",
        "evaluation.plural",
        "evaluation.progress",
        "evaluation.vocabulary",
        "evaluation.yamlkeys",
        "evaluation.risk.rules",
        "evaluation.scoring.normalise",
        "evaluation.scoring.weights",
    },
    {"evaluation.catalogue"},
    # Result is plain data: it may import configuration and words, never a stage
    {"evaluation.result"},
    {"evaluation.intake"},
    {"evaluation.scoring"},
    {"evaluation.risk"},
    {"evaluation.pipeline", "evaluation.generate"},
    {"evaluation.scale"},
    {"evaluation.analysis"},
    {"evaluation.appraisal"},
    {"evaluation.publish"},
    {"evaluation.cli", "evaluation"},
]

#: what the apps may use besides the package's face (``import evaluation as ev``):
#: views, figures and the store, words, and the plain data types
APP_ALLOWED = (
    "evaluation.analysis.views",
    "evaluation.analysis.overview",
    "evaluation.publish",
    "evaluation.vocabulary",
    "evaluation.periods",
    "evaluation.catalogue",
    "evaluation.errors",
    "evaluation.result",
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports(path: Path, module: str = "") -> list[tuple[str, list[str], int]]:
    """(module imported, names taken, line) for every import in ``path`` (the
    module ``module``, by default the one its place in the project makes it)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = (module or module_name(path)).split(".")
    package = me if path.name == "__init__.py" else me[:-1]
    typing_only = {
        id(n)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
        for n in ast.walk(block)
    }
    out = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [a.name for a in node.names]
            # ``from evaluation.x import y`` where y is a module: the module is used
            subs = [f"{target}.{n}" for n in names if module_path(f"{target}.{n}")]
            out += [(s, [], node.lineno) for s in subs]
            if len(subs) < len(names):
                out.append((target, names, node.lineno))
    return out


def module_path(name: str) -> Path | None:
    rel = Path(*name.split("."))
    for candidate in (ROOT / rel.with_suffix(".py"), ROOT / rel / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def layer(name: str) -> int | None:
    best, rank = -1, None
    for k, group in enumerate(LAYERS):
        for prefix in group:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), k
    return rank


SOURCES = sorted(PACKAGE.rglob("*.py"))
GRAPH = {
    module_name(p): sorted(
        {m for m, _, _ in imports(p) if m.startswith("evaluation") and module_path(m)}
        - {module_name(p)}
    )
    for p in SOURCES
}


def test_the_layers_cover_every_module():
    assert [m for m in GRAPH if layer(m) is None] == []


def test_no_module_imports_a_higher_layer():
    upward = [
        f"{me} (layer {layer(me)}) imports {other} (layer {layer(other)})"
        for me, targets in GRAPH.items()
        for other in targets
        if me != "evaluation" and layer(other) > layer(me)
    ]
    assert upward == []


def test_no_import_cycle():
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in GRAPH.get(node, []):
            if nxt == "evaluation" or node == "evaluation":
                continue  # the package's face re-exports; it imports, nobody needs it
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for start in GRAPH:
        if start not in state:
            visit(start, [start])
    assert cycles == []


def test_no_module_imports_another_modules_private_name():
    """Helpers shared across modules are public in the module that owns them."""
    reach = [
        f"{p.relative_to(ROOT)}:{line} {target}.{n}"
        for p in SOURCES
        for target, names, line in imports(p)
        if target.startswith("evaluation") and target != module_name(p)
        for n in names
        if n.startswith("_") and not n.startswith("__")
    ]
    assert reach == []


#: dashboards and notebooks; notebooks may also use the analysis tools (uncertainty,
#: diagnostics), which a dashboard reads from the store instead, and drive what an
#: analyst runs by hand: the year-end appraisal, the national path (scale, a
#: generated example), the weighting kernels (AHP) and the list of files written;
#: and the office's working files the CLI keeps too: who has submitted, the flag
#: decisions (quality), the rectification ledger checked on a follow-up date
NOTEBOOK_ALLOWED = (
    "evaluation.analysis",
    "evaluation.appraisal",
    "evaluation.scale",
    "evaluation.generate",
    "evaluation.scoring.weights",
    "evaluation.files",
    "evaluation.intake.status",
    "evaluation.intake.validate",  # problems_table: the report in Chinese
    "evaluation.risk.quality",
    "evaluation.risk.ledger",
)
APP_SOURCES = sorted((ROOT / "dashboards").rglob("*.py")) + sorted(
    (ROOT / "notebooks").rglob("*.py")
)


@pytest.mark.parametrize("path", APP_SOURCES, ids=lambda p: p.name)
def test_apps_import_no_stage_module_and_no_private_name(path):
    assert app_problems(path) == []


def app_problems(path: Path, module: str = "") -> list[str]:
    """A dashboard's or notebook's imports of stage modules and private names."""
    bad = []
    for target, names, line in imports(path, module):
        if target.startswith("dashboards"):  # a page's helpers: public ones only
            bad += [f"line {line}: private name {n}" for n in names if _private(n)]
            continue
        if not target.startswith("evaluation"):
            continue
        face = target == "evaluation"
        allowed = APP_ALLOWED + (NOTEBOOK_ALLOWED if "notebooks" in str(path) else ())
        if not face and not target.startswith(allowed):
            bad.append(f"line {line}: {target}")
        if any(part.startswith("_") for part in target.split(".")):
            bad.append(f"line {line}: private module {target}")
        bad += [f"line {line}: private name {n}" for n in names if n.startswith("_")]
    return bad


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_the_app_check_fails_on_a_stage_module_and_a_private_name(tmp_path):
    """The check can fail: a page importing the engine and another module's
    private helper."""
    page = tmp_path / "probe.py"
    page.write_text(
        "from evaluation.scoring.aggregate import score_nodes\n"
        "from dashboards.data import _runs\n",
        encoding="utf-8",
    )
    found = app_problems(page, "dashboards.pages.probe")
    assert found == [
        "line 1: evaluation.scoring.aggregate",
        "line 2: private name _runs",
    ]
