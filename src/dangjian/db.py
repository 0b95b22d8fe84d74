"""Engine, sessions and the driver's bulk paths."""

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timezone
from typing import Any

from fastapi import Request
from sqlalchemy import DateTime, Engine, MetaData, Table, TypeDecorator, create_engine, event, text
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from dangjian.config import get_settings
from dangjian.errors import AppError

# Explicit adapters (the implicit ones are deprecated): dates as ISO text, as SQLAlchemy stores them.
sqlite3.register_adapter(date, date.isoformat)
sqlite3.register_adapter(
    datetime, lambda v: (v.astimezone(timezone.utc).replace(tzinfo=None) if v.tzinfo else v).isoformat(" ")
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator):
    """A point in time, always timezone-aware (SQLite stores UTC without the zone; put it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def make_engine(url: str | None = None, *, echo: bool | None = None) -> Engine:
    settings = get_settings()
    url = url or settings.database_url
    if url.startswith("sqlite:///"):
        path = settings.sqlite_path() if url == settings.database_url else None
        if path is None:
            from pathlib import Path

            path = Path(url[len("sqlite:///"):])
        if str(path) not in ("", ":memory:"):
            path.parent.mkdir(parents=True, exist_ok=True)
    # Statement parameters carry personal data (ID numbers, phones): keep them out of error
    # messages and logs.
    kwargs: dict[str, Any] = {"echo": settings.echo_sql if echo is None else echo, "hide_parameters": True}
    if url.startswith("postgresql"):
        # JIT adds 0.3-0.5 s to the statistics queries and saves nothing on them.
        kwargs["connect_args"] = {"options": "-c jit=off"}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN. A writing
        # transaction takes the write lock at once: a deferred one that read first fails with
        # "database is locked" when another connection wrote in between.
        event.listen(
            engine, "begin", lambda conn: conn.exec_driver_sql(conn.get_execution_options().get("sqlite_begin", "BEGIN"))
        )
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()
    dbapi_connection.isolation_level = None


_engine: Engine | None = None
_factory: sessionmaker[Session] | None = None


def get_engine() -> Engine:
    global _engine, _factory
    if _engine is None:
        _engine = make_engine()
        _factory = sessionmaker(bind=_engine, expire_on_commit=False)
    return _engine


@contextmanager
def session_scope(engine: Engine | None = None, *, writes: bool = True) -> Iterator[Session]:
    """The one transaction boundary: commit once at the end, roll back on any error.

    `writes=False` (requests that only read) lets SQLite readers run side by side.
    """
    if engine is None:
        get_engine()
        assert _factory is not None
        session = _factory()
    else:
        session = Session(bind=engine, expire_on_commit=False)
    if writes and session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options={"sqlite_begin": "BEGIN IMMEDIATE"})
    try:
        yield session
        session.commit()
    except AppError as error:
        if error.keep_writes:
            session.commit()
        else:
            session.rollback()
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_session(request: Request) -> Iterator[Session]:
    """FastAPI dependency: one transaction per request. Declared with scope="function" (see
    `auth.principal.DbSession`), so it is committed before the response is sent."""
    with session_scope(writes=request.method not in ("GET", "HEAD", "OPTIONS")) as session:
        yield session


def bulk_insert(session: Session, table: Table, rows: Iterable[Sequence[Any]]) -> None:
    """Insert many rows through the driver's bulk path, inside the session's transaction.

    Rows are tuples in the order of `table.columns`. PostgreSQL uses COPY, SQLite executemany.
    """
    columns = [c.name for c in table.columns]
    connection = session.connection()
    raw = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        cols = ", ".join(f'"{c}"' for c in columns)
        with raw.cursor() as cursor:
            with cursor.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        placeholders = ", ".join("?" for _ in columns)
        cols = ", ".join(f'"{c}"' for c in columns)
        cursor = raw.cursor()
        cursor.executemany(f'INSERT INTO "{table.name}" ({cols}) VALUES ({placeholders})', rows)
        cursor.close()


def reset_sequences(session: Session, tables: Iterable[Table]) -> None:
    """After rows were written with explicit ids, move PostgreSQL's id sequences past them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        if "id" in table.columns:
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                    f"coalesce((SELECT max(id) FROM \"{table.name}\"), 0) + 1, false)"
                )
            )
