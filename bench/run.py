"""Benchmarks: demo city generation and the statistics report, against DuckDB measured in the same run.

    .venv/bin/python bench/run.py [--scale 1] [--repeat 5] [--skip-postgres]

Prints figures only; nothing here passes or fails on timing.
"""

import argparse
import os
import time
from dataclasses import dataclass, field
from datetime import date
from functools import partial

from baseline import DuckReport, load_duckdb, read_frames
from databases import generate_city, postgres_engine, postgres_reachable, settle, sqlite_engine
from figures import differences, flatten, table
from sections import SECTIONS, section_times
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from timing import median_time, timed

from dangjian.db import session_scope
from dangjian.org import service as org_service
from dangjian.org.models import Organization
from dangjian.stats.service import build_report, report_by_children

DAY = date(2025, 12, 31)
GENERATE_GOAL_S = 60.0
CITY_ONLY_WHEN_GOAL_SET = "22-25 s"  # the city alone on the machine of that day (issue 2's note)
RATIO_GOAL = 3.0


@dataclass
class Result:
    backend: str
    generate_s: float = 0.0
    generate_city_only_s: float | None = None  # the same city without its year of meetings
    members: int = 0
    organizations: int = 0
    city_ours: float = 0.0
    city_duck: float = 0.0
    counties: int = 0
    counties_ours: float = 0.0
    counties_duck: float = 0.0
    children_s: float = 0.0
    problems: list[str] = field(default_factory=list)
    city_sections: dict[str, float] = field(default_factory=dict)
    county_sections: dict[str, float] = field(default_factory=dict)


def log(message: str) -> None:
    print(message, flush=True)


def county_orgs(session: Session, root: Organization) -> list[Organization]:
    children = session.scalars(
        select(Organization).where(Organization.parent_id == root.id).order_by(Organization.code)
    ).all()
    return [c for c in children if len(c.code) == 6 and c.code.isdigit()]


def check_figures(session: Session, duck: DuckReport, orgs: list[Organization]) -> list[str]:
    """Our report and DuckDB's, figure by figure, for every organization given (also a warm-up)."""
    problems = []
    for org in orgs:
        ours = flatten(build_report(session, org_id=org.id, as_of=DAY))
        problems += [f"{org.code} {d}" for d in differences(ours, duck.build(org.id, DAY))]
    return problems


def check_children(session: Session, root: Organization, counties: list[Organization]) -> list[str]:
    """report_by_children's totals against each county's own report."""
    rows = {row["org"]["id"]: row for row in report_by_children(session, org_id=root.id, as_of=DAY)}
    problems = []
    for county in counties:
        members = build_report(session, org_id=county.id, as_of=DAY)["members"]
        row = rows.get(county.id, {})
        for key in ("total", "full", "probationary"):
            if row.get(key) != members[key]:
                problems.append(
                    f"{county.code} report_by_children.{key}: {row.get(key)} vs report {members[key]}"
                )
    return problems


def time_reports(
    session: Session,
    duck: DuckReport,
    root: Organization,
    counties: list[Organization],
    repeat: int,
    result: Result,
) -> None:
    result.city_ours, report = median_time(
        lambda: build_report(session, org_id=None, as_of=DAY), repeat
    )
    result.city_duck, _ = median_time(lambda: duck.build(root.id, DAY), repeat)
    result.members = report["members"]["total"]
    result.organizations = report["organizations"]["total"]
    log(f"  city report: ours {result.city_ours:.3f} s, DuckDB {result.city_duck:.3f} s")
    for county in counties:
        ours, report = median_time(
            partial(build_report, session, org_id=county.id, as_of=DAY), repeat
        )
        theirs, _ = median_time(partial(duck.build, county.id, DAY), repeat)
        result.counties_ours += ours
        result.counties_duck += theirs
        log(
            f"  county {county.code}: ours {ours:.3f} s, DuckDB {theirs:.3f} s, "
            f"{report['members']['total']:,} members"
        )
    result.counties = len(counties)
    result.children_s, _ = median_time(
        lambda: report_by_children(session, org_id=root.id, as_of=DAY), repeat
    )
    log(f"  report_by_children(root): {result.children_s:.3f} s")


def profile_sections(session: Session, counties: list[Organization], result: Result) -> None:
    with section_times() as times:
        build_report(session, org_id=None, as_of=DAY)
    result.city_sections = dict(times)
    with section_times() as times:
        for county in counties:
            build_report(session, org_id=county.id, as_of=DAY)
    result.county_sections = dict(times)


def bench_backend(backend: str, engine: Engine, scale: float, repeat: int) -> Result:
    result = Result(backend)
    log(f"\n== {backend} ==")
    if engine.dialect.name == "sqlite":  # the baseline for the generation goal, in this run
        with sqlite_engine() as other:
            result.generate_city_only_s, _ = generate_city(other, scale, meetings=False)
        log(f"  generate city without organizational life: {result.generate_city_only_s:.2f} s")
    result.generate_s, counts = generate_city(engine, scale)
    log(
        f"  generate city: {result.generate_s:.2f} s ({counts['member']:,} member rows, "
        f"{counts['organization']:,} organization rows, {counts['meeting']:,} meetings, "
        f"{counts['meeting_attendance']:,} attendance rows)"
    )
    if engine.dialect.name == "postgresql":
        log(f"  VACUUM ANALYZE + CHECKPOINT (not part of any timing): {settle(engine):.2f} s")
    load_s, frames = timed(lambda: read_frames(engine))
    duck = DuckReport(load_duckdb(frames))
    log(f"  baseline rows read into pandas and DuckDB (excluded from timings): {load_s:.2f} s")
    with session_scope(engine) as session:
        root = org_service.root_org(session)
        counties = county_orgs(session, root)
        result.problems = check_figures(session, duck, [root, *counties])
        result.problems += check_children(session, root, counties)
        log(
            f"  figures vs DuckDB (city + {len(counties)} counties): "
            f"{'OK' if not result.problems else f'{len(result.problems)} differences'}"
        )
        for problem in result.problems[:20]:
            log(f"    {problem}")
        time_reports(session, duck, root, counties, repeat, result)
        profile_sections(session, counties, result)
    return result


def ratio(ours: float, theirs: float) -> float:
    return ours / theirs if theirs else float("inf")


def summary_rows(results: list[Result]) -> list[tuple[str, list[str], str]]:
    """(label, one cell per backend, note) for the summary table."""

    def each(cell) -> list[str]:
        return [cell(r) for r in results]

    def goal(text: str, met) -> str:
        return f"goal {text}: " + ", ".join("met" if met(r) else "NOT met" for r in results)

    def city_ratio(r: Result) -> float:
        return ratio(r.city_ours, r.city_duck)

    def county_ratio(r: Result) -> float:
        return ratio(r.counties_ours, r.counties_duck)

    n = results[0].counties
    rows = [
        (
            "generate demo city (s)",
            each(lambda r: f"{r.generate_s:.1f}"),
            goal(f"<= {GENERATE_GOAL_S:.0f} s", lambda r: r.generate_s <= GENERATE_GOAL_S),
        ),
        (
            "  the same city without meetings (s)",
            each(lambda r: "-" if r.generate_city_only_s is None else f"{r.generate_city_only_s:.1f}"),
            f"measured apart; {CITY_ONLY_WHEN_GOAL_SET} when the goal was set",
        ),
        ("city report: ours (s)", each(lambda r: f"{r.city_ours:.3f}"), ""),
        ("city report: DuckDB (s)", each(lambda r: f"{r.city_duck:.3f}"), ""),
        (
            "city report: ours/DuckDB",
            each(lambda r: f"{city_ratio(r):.1f}x"),
            goal(f"<= {RATIO_GOAL:g}x", lambda r: city_ratio(r) <= RATIO_GOAL),
        ),
        (
            f"{n} county reports: ours (s)",
            each(lambda r: f"{r.counties_ours:.3f}"),
            "sum of medians",
        ),
        (f"{n} county reports: DuckDB (s)", each(lambda r: f"{r.counties_duck:.3f}"), ""),
        (
            f"{n} county reports: ours/DuckDB",
            each(lambda r: f"{county_ratio(r):.1f}x"),
            goal(f"<= {RATIO_GOAL:g}x", lambda r: county_ratio(r) <= RATIO_GOAL),
        ),
        ("report_by_children(city) (s)", each(lambda r: f"{r.children_s:.3f}"), ""),
        (
            "figures equal DuckDB's",
            each(lambda r: f"{len(r.problems)} diffs" if r.problems else "OK"),
            "",
        ),
    ]
    for section in SECTIONS.values():
        cells = [
            f"{r.city_sections.get(section, 0):.3f} / {r.county_sections.get(section, 0):.3f}"
            for r in results
        ]
        rows.append((f"  of which {section}: city / counties (s)", cells, "one pass"))
    return rows


def summary(results: list[Result], scale: float, repeat: int) -> str:
    first = results[0]
    head = (
        f"Demo city, scale {scale:g}: {first.members:,} members, {first.organizations:,} "
        f"organizations, as of {DAY.isoformat()}; report times are medians of {repeat}"
    )
    return table(head, [r.backend for r in results], summary_rows(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument(
        "--repeat", type=int, default=5, help="repetitions per report timing (median)"
    )
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    log(
        "load average at start (other work on this machine skews timings): "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    results = []
    with sqlite_engine() as engine:
        results.append(bench_backend("SQLite", engine, args.scale, args.repeat))
    if args.skip_postgres:
        log("\nPostgreSQL skipped (--skip-postgres)")
    elif not postgres_reachable():
        log("\nPostgreSQL not reachable at 127.0.0.1:5432: skipped")
    else:
        with postgres_engine() as engine:
            results.append(bench_backend("PostgreSQL", engine, args.scale, args.repeat))
    log("\n" + summary(results, args.scale, args.repeat))
    log(
        f"\nbench took {time.perf_counter() - started:.0f} s; load average at end: "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )


if __name__ == "__main__":
    main()
