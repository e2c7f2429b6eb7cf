"""Every notebook runs top to bottom against the bundled sample."""

from __future__ import annotations

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

from ..conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes_without_errors(path, tmp_path):
    notebook = jupytext.read(path)
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "each notebook has one parameters cell"
    # like papermill: an injected cell after the parameters sends outputs to tmp
    index = notebook.cells.index(tagged[0]) + 1
    notebook.cells.insert(
        index, nbformat.v4.new_code_cell(f"out_dir = {str(tmp_path)!r}")
    )
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        # the kernel's folder is the notebook's own, as JupyterLab starts it
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    errors = [
        o
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert errors == []
    assert list(tmp_path.glob("media_*_zh.csv")), "the notebook exported the media CSV"


def test_notebooks_stay_thin():
    """No functions, classes or loops in notebooks: logic lives in evaluation/."""
    for path in NOTEBOOKS:
        code = "\n".join(
            c.source for c in jupytext.read(path).cells if c.cell_type == "code"
        )
        for word in ("def ", "class ", "for ", "while "):
            assert word not in code, f"{path.name} has '{word.strip()}'"


def test_there_is_a_notebook():
    assert NOTEBOOKS, "notebooks/*.py is empty"
