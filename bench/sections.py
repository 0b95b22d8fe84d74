"""Where build_report spends its time: each section's helper wrapped with a timer, for one pass."""

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from functools import wraps

from dangjian.stats import service as stats_service

SECTIONS = {
    "_member_counts": "members",
    "_unit_counts": "units",
    "_org_counts": "organizations",
    "_village_counts": "villages",
    "_division_counts": "divisions",
}


def _timed(fn, section: str, totals: dict[str, float]):
    @wraps(fn)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            totals[section] += time.perf_counter() - start

    return wrapper


@contextmanager
def section_times() -> Iterator[dict[str, float]]:
    """Seconds per section of every build_report called inside the block."""
    totals: dict[str, float] = defaultdict(float)
    originals = {name: getattr(stats_service, name) for name in SECTIONS}
    for name, fn in originals.items():
        setattr(stats_service, name, _timed(fn, SECTIONS[name], totals))
    try:
        yield totals
    finally:
        for name, fn in originals.items():
            setattr(stats_service, name, fn)
