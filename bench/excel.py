"""Excel benchmark at demo-city scale: export of the whole city's roster (seconds, peak memory), then
import of that file in preview and in write mode, each against python-calamine's bare read of the
same file measured in the same run; and a first import (every row a new member) into an empty roster.

    .venv/bin/python bench/excel.py [--scale 1] [--write-sample 5000] [--postgres]

Prints figures only; nothing here passes or fails on timing. Goals: import <= 3x the bare read;
export peak memory flat (the county's export and the city's take about the same).
"""

import argparse
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from databases import generate_city, postgres_engine, postgres_reachable, sqlite_engine
from python_calamine import CalamineWorkbook
from sqlalchemy import Engine, select, text

from dangjian.auth.scope import Scope, ScopeKind
from dangjian.db import session_scope
from dangjian.importexport import service
from dangjian.importexport.schemas import ImportMode
from dangjian.org import service as org_service
from dangjian.org.models import Organization

T = TypeVar("T")
CITY = Scope(ScopeKind.city)


def log(message: str) -> None:
    print(message, flush=True)


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def measured(fn: Callable[[], T]) -> tuple[float, float, float, T]:
    """Wall seconds, CPU seconds, and the peak resident memory above the start (MB, sampled every 20 ms)."""
    base, peak, done = rss_mb(), [0.0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb() - base)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    done.set()
    sampler.join()
    return wall, cpu, max(peak[0], rss_mb() - base), result


def bare_read(path: Path) -> tuple[float, float, int]:
    wall, cpu, _, rows = measured(lambda: CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python())
    return wall, cpu, len(rows)


def export(engine: Engine, path: Path, org_code: str | None) -> tuple[float, float, float, int]:
    def run() -> int:
        with session_scope(engine, writes=False) as session:
            org = org_service.resolve_org(session, org_code) if org_code else org_service.root_org(session)
            return service.export_members(session, path, scope=CITY, org=org, actor="bench", full=True)

    return measured(run)


def import_file(engine: Engine, path: Path, mode: ImportMode, *, empty_roster: bool = False):
    """Seconds (wall, CPU) of an import; with `empty_roster` the members are deleted first in the
    same transaction and everything is rolled back afterwards."""
    with session_scope(engine) as session:
        if empty_roster:
            for table in ("member_event", "member_period", "audit_event", "member"):
                session.execute(text(f"DELETE FROM {table}"))
            session.flush()
        wall, cpu, peak, (result, _plan) = measured(
            lambda: service.import_members(session, path, scope=CITY, actor="bench", mode=mode))
        session.rollback()
    return wall, cpu, peak, result


def sample_file(source: Path, target: Path, rows: int) -> None:
    from xlsxwriter import Workbook

    data = CalamineWorkbook.from_path(str(source)).get_sheet_by_index(0).to_python()
    book = Workbook(str(target))
    sheet = book.add_worksheet()
    for r, row in enumerate(data[2:3 + rows]):  # the header and the first rows
        sheet.write_row(r, 0, [v.isoformat() if hasattr(v, "isoformat") else v for v in row])
    book.close()


def ratio_line(label: str, wall: float, cpu: float, bare: tuple[float, float, int]) -> str:
    return f"  {label:<34}{wall:7.2f} s wall ({wall / bare[0]:.2f}x)  {cpu:7.2f} s CPU ({cpu / bare[1]:.2f}x)"


def run_backend(name: str, engine: Engine, scale: float, write_sample: int, folder: Path) -> None:
    log(f"\n== {name}: generating the demo city at scale {scale} ...")
    seconds, counts = generate_city(engine, scale)
    log(f"  generated {counts['member']:,} member records, {counts['organization']:,} organizations in {seconds:.1f} s")
    with session_scope(engine, writes=False) as session:
        county = session.scalar(select(Organization.code).where(Organization.code == "430421"))
    city_file, county_file = folder / f"{name}-city.xlsx", folder / f"{name}-county.xlsx"

    wall, cpu, peak, rows = export(engine, county_file, county)
    log(f"export 衡阳县 roster:       {rows:>8,} rows {wall:7.2f} s  peak +{peak:6.1f} MB")
    wall, cpu, peak, rows = export(engine, city_file, None)
    log(f"export the city's roster:  {rows:>8,} rows {wall:7.2f} s  peak +{peak:6.1f} MB  ({city_file.stat().st_size / 2**20:.0f} MB file)")

    bare = bare_read(city_file)
    log(f"calamine bare read:        {bare[2]:>8,} rows {bare[0]:7.2f} s wall  {bare[1]:7.2f} s CPU")
    log("import of that file (every row an unchanged member):")
    for mode in (ImportMode.preview, ImportMode.valid_only):
        wall, cpu, peak, result = import_file(engine, city_file, mode)
        assert result.unchanged == result.rows and result.error_rows == 0, result.errors[:3]
        log(ratio_line(f"{mode.value} ({result.rows:,} rows)", wall, cpu, bare) + f"  peak +{peak:.0f} MB")
    bare = bare_read(city_file)
    log(f"calamine bare read again:  {bare[2]:>8,} rows {bare[0]:7.2f} s wall  {bare[1]:7.2f} s CPU")

    log("first import into an empty roster (every row a new member, checked with the roster's rules):")
    wall, cpu, peak, result = import_file(engine, city_file, ImportMode.preview, empty_roster=True)
    log(ratio_line(f"preview ({result.creates:,} creates)", wall, cpu, bare) + f"  errors {result.error_rows}")
    if write_sample:
        sample = folder / f"{name}-sample.xlsx"
        sample_file(city_file, sample, write_sample)
        wall, cpu, _peak, result = import_file(engine, sample, ImportMode.valid_only, empty_roster=True)
        per_row = wall / max(1, result.created)
        log(f"  write {result.created:,} new members (valid-only): {wall:.2f} s, {per_row * 1000:.2f} ms a member"
            f" (about {per_row * bare[2] / 60:.0f} min for the whole city)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--write-sample", type=int, default=5000, help="new members written in the write-mode test")
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL (127.0.0.1:5432)")
    args = parser.parse_args()
    log(f"Excel benchmark, scale {args.scale}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="dangjian_excel_") as folder:
        with sqlite_engine() as engine:
            run_backend("sqlite", engine, args.scale, args.write_sample, Path(folder))
        if args.postgres and postgres_reachable():
            with postgres_engine() as engine:
                run_backend("postgresql", engine, args.scale, args.write_sample, Path(folder))


if __name__ == "__main__":
    main()
