"""Timing shared by the benchmark scripts: wall-clock seconds of repeated calls."""

from __future__ import annotations

import gc
import time


def timed(fn, repeats: int, *, warm_up: bool = True) -> list[float]:
    """Seconds of ``repeats`` calls of ``fn`` (after one untimed call when
    ``warm_up``: caches fill as on a live system), collecting garbage before each."""
    if warm_up:
        fn()
    out = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out
