"""Test databases: SQLite always, PostgreSQL whenever it is reachable.

Each worker builds a fresh database with the migrations; each test runs inside a transaction that
is rolled back at the end.
"""

import os
from collections.abc import Iterator

# Cheap password hashing in tests only (argon2id all the same).
os.environ.setdefault("DANGJIAN_PASSWORD_HASH_TIME_COST", "1")
os.environ.setdefault("DANGJIAN_PASSWORD_HASH_MEMORY_KIB", "1024")
# Rolled-back tests reuse SQLite ids, so the audit log's last id cannot version reports across
# tests; tests/stats/test_memo.py switches the memo on where it is the subject.
os.environ.setdefault("DANGJIAN_REPORT_MEMO", "0")

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from dangjian.db import make_engine
from dangjian.migrations import upgrade

PG_ADMIN_URL = os.environ.get("DANGJIAN_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_reachable() -> bool:
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=2):
            return True
    except psycopg.Error:
        return False


BACKENDS = ["sqlite"] + (["postgresql"] if _postgres_reachable() else [])


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _fresh_postgres(name: str) -> str:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"


@pytest.fixture(scope="session", params=BACKENDS)
def engine(request, tmp_path_factory) -> Iterator[Engine]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "test.db"
        url = f"sqlite:///{path}"
    else:
        # Unique per process, so that two people (or CI and a developer) never drop each other's.
        name = f"dangjian_test_{_worker()}_{os.getpid()}"
        url = _fresh_postgres(name)
    eng = make_engine(url)
    upgrade(eng)
    yield eng
    eng.dispose()
    if request.param == "postgresql":
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with engine.connect() as connection:
        outer = connection.begin()
        db = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield db
        finally:
            db.close()
            outer.rollback()


@pytest.fixture
def backend(engine: Engine) -> str:
    return engine.dialect.name


def count_rows(session: Session, table: str) -> int:
    return session.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()


pytest_plugins = ["tests.api_client"]
