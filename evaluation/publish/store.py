"""Save a Result to a folder and load it back, atomically and losslessly.

A result folder holds ``provenance.json``, ``catalogue.json`` and one Parquet file per
stage table. It is written to a temporary sibling and renamed into place, so a run
killed midway leaves no half-written result. (The versioned publication store with
draft → published runs builds on this.)
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from evaluation.catalogue import parse_catalogue
from evaluation.result import Provenance, Result


def save_result(result: Result, folder: str | Path) -> Path:
    """Write ``result`` to ``folder`` (replacing a previous result there)."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it owner-only; readers need it too
    try:
        for name in Result.TABLES:
            getattr(result, name).to_parquet(tmp / f"{name}.parquet", index=False)
        _write_json(tmp / "provenance.json", result.provenance.to_dict())
        _write_json(tmp / "catalogue.json", result.catalogue.model_dump(mode="json"))
        if folder.exists():
            old = folder.with_name(f".{folder.name}-old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(folder, old)
            os.replace(tmp, folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def load_result(folder: str | Path) -> Result:
    """Read a result folder written by :func:`save_result`."""
    folder = Path(folder)
    if not (folder / "provenance.json").is_file():
        raise FileNotFoundError(
            f"{folder} is not a result folder (no provenance.json); "
            "run `evaluation score` first"
        )
    catalogue = parse_catalogue(
        _read_json(folder / "catalogue.json"), file="catalogue.json"
    )
    tables = {
        name: pd.read_parquet(folder / f"{name}.parquet") for name in Result.TABLES
    }
    provenance = Provenance.from_dict(_read_json(folder / "provenance.json"))
    return Result(catalogue=catalogue, provenance=provenance, **tables)


def _write_json(path: Path, data) -> None:
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )


def _read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))
