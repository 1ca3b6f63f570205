"""Tiny timing helper shared by the benchmark scripts (no third-party dependency)."""

from __future__ import annotations

import time
from collections.abc import Callable


def rate(fn: Callable[[], object], *, min_time: float = 0.5, min_runs: int = 5) -> float:
    """Operations per second of ``fn`` over at least ``min_time`` seconds (best of 3 batches)."""
    fn()  # warm-up: caches, imports
    best = 0.0
    for _ in range(3):
        runs = 0
        start = time.perf_counter()
        while True:
            fn()
            runs += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time / 3 and runs >= min_runs:
                break
        best = max(best, runs / elapsed)
    return best
