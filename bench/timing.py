"""Wall-clock timing helpers."""

import statistics
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def median_time(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    """Median seconds over `repeat` calls, and the last call's result."""
    seconds: list[float] = []
    result: Any = None
    for _ in range(repeat):
        elapsed, result = timed(fn)
        seconds.append(elapsed)
    return statistics.median(seconds), result
