"""Fresh benchmark databases: a SQLite file in a temporary folder, a throw-away PostgreSQL database."""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import Engine
from timing import timed

from dangjian.db import bulk_session, make_engine
from dangjian.demo.generator import generate
from dangjian.migrations import upgrade

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
SEED = 20251231


def _pg_admin() -> psycopg.Connection:
    return psycopg.connect(
        host=PG_HOST,
        port=PG_PORT,
        user=PG_USER,
        dbname="postgres",
        autocommit=True,
        connect_timeout=2,
    )


def postgres_reachable() -> bool:
    try:
        with _pg_admin():
            return True
    except psycopg.Error:
        return False


@contextmanager
def sqlite_engine() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory(prefix="dangjian_bench_") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}", echo=False)
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()


@contextmanager
def postgres_engine() -> Iterator[Engine]:
    name = f"dangjian_bench_{os.getpid()}"
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}", echo=False)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with _pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def generate_city(engine: Engine, scale: float, *, meetings: bool = True) -> tuple[float, dict[str, int]]:
    """Seconds to generate the demo city (commit included), with its year of organizational life
    unless `meetings` is false, and the row counts."""

    def run() -> dict[str, int]:
        with bulk_session(engine) as session:
            return generate(session, scale=scale, seed=SEED, meetings=meetings)

    return timed(run)


def settle(engine: Engine) -> float:
    """PostgreSQL: VACUUM ANALYZE and CHECKPOINT after the bulk load, so that autovacuum and the
    checkpointer do not run during the timings. Seconds taken (0 for SQLite, left as shipped)."""
    if engine.dialect.name != "postgresql":
        return 0.0
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        seconds, _ = timed(
            lambda: (
                connection.exec_driver_sql("VACUUM (ANALYZE)"),
                connection.exec_driver_sql("CHECKPOINT"),
            )
        )
    return seconds
