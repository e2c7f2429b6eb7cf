"""Beyond one machine: national scoring and Monte-Carlo draws on a Dask cluster.

Scoring: each worker reads, checks and rolls up whole Parquet files of a
partitioned dataset (:func:`.national.rollup_file`); the client puts the files
together and scores them (:func:`.national.finish`). Draws: the prepared model
(:func:`.uncertainty.prepare`) goes to every worker once, each block of the draw
table is aggregated on a worker, and the client ranks and summarises. Both run the
in-process functions, so results are identical to one process (tested).

Workers read the files at the paths the client names: on a real cluster put the
dataset on a file system every worker mounts at the same path. ``scheduler`` is the
address of a running scheduler (``tcp://10.0.0.5:8786``); without one a
``LocalCluster`` starts on this machine (one process per core, one thread each).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from evaluation.catalogue import Catalogue
from evaluation.pipeline import check_period
from evaluation.scale import national


@contextmanager
def connect(
    scheduler: str | None = None,
    *,
    workers: int | None = None,
    processes: bool = True,
) -> Iterator:
    """A ``dask.distributed.Client``: to ``scheduler``, or to a new LocalCluster of
    ``workers`` processes (default: one per core), closed on exit.
    ``processes=False``: the workers are threads of this process (starts in about a
    second; what a notebook trying the path on a small example needs)."""
    from dask.distributed import Client, LocalCluster  # lazy: ~0.7 s, for --dask only

    logging.getLogger("distributed").setLevel(logging.WARNING)  # no start-up chatter
    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=":0",  # any free port: never clash with 8787
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def score_parquet(
    path: str | Path,
    units: pd.DataFrame,
    catalogue: Catalogue,
    *,
    period: str,
    client,
    progress: bool = False,
    strict: bool = False,
    units_problems: pd.DataFrame | None = None,
    units_file: str = "units.csv",
) -> national.National:
    """:func:`.national.score_parquet` with one task per Parquet file on ``client``'s
    workers (``progress``: a bar as files finish). Raises ``ValidationFailed``
    with every file's problems and ``units_problems`` (``units_file``: as there)."""
    check_period(period, catalogue)
    # sent once to every worker, as plain data (a pandas Index does not pickle
    # with its cached lookup engine)
    unit_ids = client.scatter(units["unit_id"].to_numpy(dtype=object), broadcast=True)
    futures = client.map(
        national.rollup_file,
        [str(f.resolve()) for f in national.files(path)],
        catalogue=catalogue,
        unit_ids=unit_ids,
        period=period,
        units_file=units_file,
        pure=False,
    )
    if progress:
        from dask.distributed import as_completed  # lazy, as in connect

        for _ in tqdm(as_completed(futures), total=len(futures), desc="files"):
            pass
    parts = client.gather(futures)
    return national.finish(
        parts, units, catalogue, period=period, strict=strict, also=units_problems
    )


def composite_blocks(client, model, table: pd.DataFrame, chunk: int) -> np.ndarray:
    """``model.composite`` of each block of ``chunk`` draws of ``table`` on the
    workers (the model sent once to each), stacked in draw order: draws × units."""
    remote = client.scatter(model, broadcast=True)
    size = max(1, chunk)
    blocks = [table.iloc[s : s + size] for s in range(0, len(table), size)]
    futures = client.map(_composite, blocks, model=remote, pure=False)
    return np.vstack(client.gather(futures))


def _composite(block: pd.DataFrame, model) -> np.ndarray:
    return model.composite(block)
