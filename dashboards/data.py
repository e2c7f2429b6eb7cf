"""Read-only, cached access to the Result the dashboard shows.

The app sets the result folder once (``set_result_path``); pages call ``result()``
inside callbacks and layouts, never at import. Helpers here only reshape for Dash.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from evaluation.export import round_half_up
from evaluation.result import Result
from evaluation.store import load_result

_path: Path | None = None


def set_result_path(path: str | Path) -> Path:
    """Point the dashboard at a result folder (written by ``evaluation score``).

    Raises ``FileNotFoundError`` naming the folder if it holds no result.
    """
    global _path
    folder = Path(path).resolve()
    if not (folder / "provenance.json").is_file():
        raise FileNotFoundError(
            f"{folder} is not a result folder (no provenance.json); "
            "make one with `evaluation score <dataset> --out <folder>` and pass "
            "<folder>/result"
        )
    _path = folder
    result.cache_clear()
    return folder


@cache
def result() -> Result:
    """The Result at the configured path, loaded once per process."""
    if _path is None:
        raise RuntimeError("call dashboards.data.set_result_path(folder) first")
    return load_result(_path)


def records(table: pd.DataFrame) -> list[dict]:
    """Rows for the grid; scores rounded half up to 2 places, as the media CSV."""
    shown = table.copy()
    for column in shown.select_dtypes("float").columns:
        shown[column] = [float(v) if v else None for v in round_half_up(shown[column])]
    return shown.to_dict("records")


def peer_group_names(lang: str) -> dict[str, str]:
    """Peer-group id → display name, in catalogue order."""
    catalogue = result().catalogue
    return {g.id: catalogue.name(g.id, lang) for g in catalogue.peer_groups}
