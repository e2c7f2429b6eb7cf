"""Timing shared by the benchmark scripts: wall-clock seconds of repeated calls."""

from __future__ import annotations

import gc
import time


def timed(fn, repeats: int, *, warm_up: bool = True) -> list[float]:
    """Seconds of ``repeats`` calls of ``fn``, after one untimed call when
    ``warm_up`` (caches fill as on a live system) and one garbage collection.

    No collection is forced between the calls, as ``timeit`` and ``pyperf`` force
    none: the collector runs when it would in a live process. A full collection
    before each call charged the next one with refilling the allocator's free
    lists (about 2 ms on the sample city's month, docs/benchmarks.md, fifteenth
    round), which no dashboard callback or notebook cell pays."""
    if warm_up:
        fn()
    gc.collect()
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out
