"""Benchmark: the city-wide organizational-life compliance (branch_lives of the root over the current
calendar year to today) against the independent DuckDB computation of tests/meeting/independent.py
over the same rows, measured in the same run.

    .venv/bin/python bench/compliance.py [--scale 1] [--repeat 3] [--skip-postgres] [--limit 600]

Prints figures only; nothing here passes or fails on timing. Goal: ours within 3x of DuckDB.
A call of ours running longer than --limit seconds is interrupted and reported as such.
"""

import argparse
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar

from databases import generate_city, postgres_engine, postgres_reachable, settle, sqlite_engine
from figures import table
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from timing import median_time, timed

from dangjian.db import session_scope
from dangjian.meeting import compliance
from dangjian.meeting.models import Meeting, MeetingAttendance
from dangjian.org import service as org_service

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for tests.meeting
from tests.meeting.independent import Compliance  # noqa: E402

RATIO_GOAL = 3.0
T = TypeVar("T")


class Interrupted(Exception):
    pass


@dataclass
class Result:
    backend: str
    generate_s: float = 0.0
    load_s: float = 0.0
    meetings: int = 0
    attendance: int = 0
    branches: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    lives_ours: float | None = None  # None: interrupted at the limit
    lives_duck: float = 0.0
    lapsed_ours: float | None = None
    lapsed_duck: float = 0.0
    lapsed: int = 0
    problems: list[str] = field(default_factory=list)


def log(message: str) -> None:
    print(message, flush=True)


@contextmanager
def time_limit(session: Session, seconds: float) -> Iterator[None]:
    """Interrupt the session's statements after `seconds` (SQLite: interrupt(); PostgreSQL:
    statement_timeout, per statement)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {int(seconds * 1000)}")  # until the commit
        try:
            yield
        except OperationalError as error:
            raise Interrupted from error
        return
    timer = threading.Timer(seconds, connection.connection.dbapi_connection.interrupt)
    timer.start()
    try:
        yield
    except OperationalError as error:
        raise Interrupted from error
    finally:
        timer.cancel()


def ours_timed(engine: Engine, fn: Callable[[Session], T], repeat: int, limit: float) -> tuple[float | None, T | None]:
    """Median seconds of `fn` over `repeat` calls in a fresh session each, the first call a
    warm-up; (None, None) when a call ran past `limit`."""
    try:
        with session_scope(engine, writes=False) as session, time_limit(session, limit):
            fn(session)
        seconds, result = median_time(lambda: once(engine, fn, limit), repeat)
        return seconds, result
    except Interrupted:
        return None, None


def once(engine: Engine, fn: Callable[[Session], T], limit: float) -> T:
    with session_scope(engine, writes=False) as session, time_limit(session, limit):
        return fn(session)


def compare(ours: list, duck: dict) -> list[str]:
    problems = []
    by_id = {life.org_id: life for life in ours}
    if by_id.keys() != duck.keys():
        problems.append(f"branches: {len(by_id)} ours vs {len(duck)} DuckDB")
    for org_id in sorted(by_id.keys() & duck.keys()):
        for name in ("status", "asked", "covered", "overdue_kinds", "present", "expected", "last_held_on"):
            mine, theirs = getattr(by_id[org_id], name), getattr(duck[org_id], name)
            if mine != theirs:
                problems.append(f"branch {org_id} {name}: ours {mine!r}, DuckDB {theirs!r}")
    return problems


def bench_backend(backend: str, engine: Engine, scale: float, repeat: int, limit: float) -> Result:
    result = Result(backend)
    log(f"\n== {backend} ==")
    result.generate_s, _ = generate_city(engine, scale)
    with session_scope(engine) as session:
        result.meetings = session.scalar(select(func.count()).select_from(Meeting))
        result.attendance = session.scalar(select(func.count()).select_from(MeetingAttendance))
        root_id = org_service.root_org(session).id
    log(f"  generate city: {result.generate_s:.1f} s ({result.meetings:,} meetings, {result.attendance:,} attendance rows)")
    if engine.dialect.name == "postgresql":
        log(f"  VACUUM ANALYZE + CHECKPOINT (not part of any timing): {settle(engine):.2f} s")
    with engine.connect() as connection:
        result.load_s, duck = timed(lambda: Compliance.from_connection(connection))
    log(f"  rows read into DuckDB (excluded from timings): {result.load_s:.1f} s")
    today = date.today()
    start = date(today.year, 1, 1)

    log(f"  branch_lives(root, {start}, {today}), median of {repeat} after a warm-up, limit {limit:.0f} s per call ...")
    result.lives_ours, lives = ours_timed(
        engine, lambda s: compliance.branch_lives(s, org_id=root_id, start=start, end=today), repeat, limit
    )
    result.lives_duck, duck_lives = median_time(lambda: duck.branch_lives(root_id, start, today), repeat)
    result.branches = len(duck_lives)
    for life in duck_lives.values():
        result.statuses[life.status.value] = result.statuses.get(life.status.value, 0) + 1
    if lives is None:
        log(f"    ours: interrupted after {limit:.0f} s; DuckDB {result.lives_duck:.3f} s")
    else:
        result.problems = compare(lives, duck_lives)
        log(f"    ours {result.lives_ours:.3f} s, DuckDB {result.lives_duck:.3f} s, {len(lives):,} branches; "
            f"{'equal' if not result.problems else f'{len(result.problems)} differences'}")
        for problem in result.problems[:20]:
            log(f"      {problem}")

    result.lapsed_ours, lapsed = ours_timed(
        engine, lambda s: compliance.lapsed_members(s, org_id=root_id, day=today), repeat, limit
    )
    result.lapsed_duck, duck_lapsed = median_time(lambda: duck.lapsed_members(root_id, today), repeat)
    result.lapsed = len(duck_lapsed)
    if lapsed is not None and sorted(lapsed) != duck_lapsed:
        result.problems.append(f"lapsed members: {len(lapsed)} ours vs {len(duck_lapsed)} DuckDB")
    ours_text = "interrupted" if lapsed is None else f"{result.lapsed_ours:.3f} s"
    log(f"  lapsed_members(root, {today}): ours {ours_text}, DuckDB {result.lapsed_duck:.3f} s, {len(duck_lapsed):,} members")
    return result


def ratio(ours: float | None, theirs: float) -> float | None:
    if ours is None:
        return None
    return ours / theirs if theirs else float("inf")


def summary(results: list[Result], scale: float, repeat: int, limit: float) -> str:
    def seconds(value: float | None) -> str:
        return f"> {limit:.0f}" if value is None else f"{value:.3f}"

    def times(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}x"

    def goal(values: list[float | None]) -> str:
        return f"goal <= {RATIO_GOAL:g}x: " + ", ".join(
            "NOT met" if v is None or v > RATIO_GOAL else "met" for v in values
        )

    lives_ratio = [ratio(r.lives_ours, r.lives_duck) for r in results]
    lapsed_ratio = [ratio(r.lapsed_ours, r.lapsed_duck) for r in results]
    statuses = ("regular", "irregular", "half_paralysed", "paralysed")
    rows = [
        ("generate demo city (s)", [f"{r.generate_s:.1f}" for r in results], ""),
        ("meetings / attendance rows", [f"{r.meetings:,} / {r.attendance:,}" for r in results], ""),
        ("branches " + " / ".join(statuses), [" / ".join(str(r.statuses.get(s, 0)) for s in statuses) for r in results], ""),
        ("branch_lives(city): ours (s)", [seconds(r.lives_ours) for r in results], ""),
        ("branch_lives(city): DuckDB (s)", [f"{r.lives_duck:.3f}" for r in results], ""),
        ("branch_lives(city): ours/DuckDB", [times(v) for v in lives_ratio], goal(lives_ratio)),
        ("lapsed_members(city): ours (s)", [seconds(r.lapsed_ours) for r in results], ""),
        ("lapsed_members(city): DuckDB (s)", [f"{r.lapsed_duck:.3f}" for r in results], ""),
        ("lapsed_members(city): ours/DuckDB", [times(v) for v in lapsed_ratio], ""),
        ("figures equal DuckDB's", [f"{len(r.problems)} diffs" if r.problems else "OK" for r in results], ""),
    ]
    today = date.today()
    head = (f"Organizational life of the demo city, scale {scale:g}, {date(today.year, 1, 1)} to {today}; "
            f"times are medians of {repeat} after a warm-up")
    return table(head, [r.backend for r in results], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3, help="timed repetitions (median), after a warm-up")
    parser.add_argument("--limit", type=float, default=600.0, help="seconds before a call of ours is interrupted")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    log(
        "load average at start (other work on this machine skews timings): "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    results = []
    with sqlite_engine() as engine:
        results.append(bench_backend("SQLite", engine, args.scale, args.repeat, args.limit))
    if args.skip_postgres:
        log("\nPostgreSQL skipped (--skip-postgres)")
    elif not postgres_reachable():
        log("\nPostgreSQL not reachable at 127.0.0.1:5432: skipped")
    else:
        with postgres_engine() as engine:
            results.append(bench_backend("PostgreSQL", engine, args.scale, args.repeat, args.limit))
    log("\n" + summary(results, args.scale, args.repeat, args.limit))
    log(
        f"\nbench took {time.perf_counter() - started:.0f} s; load average at end: "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )


if __name__ == "__main__":
    main()
