"""Engine, sessions and the driver's bulk paths."""

import multiprocessing
import os
import sqlite3
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from fastapi import Request
from sqlalchemy import Connection, DateTime, Engine, MetaData, Table, TypeDecorator, create_engine, event, text
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.schema import AddConstraint, CreateTable, DropConstraint

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


SQLITE_CACHE_KIB = -65536  # negative: KiB, as SQLite's cache_size takes it


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA cache_size={SQLITE_CACHE_KIB}")
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
def session_scope(engine: Engine | Connection | None = None, *, writes: bool = True) -> Iterator[Session]:
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


@contextmanager
def bulk_session(engine: Engine | None = None) -> Iterator[Session]:
    """`session_scope` for loading a whole database at once (the demo city). On SQLite, foreign
    keys are checked in one pass at the end of `bulk_load` instead of row by row, and the rollback
    journal stands in for the WAL, so the rows are written once rather than twice (into the WAL,
    then again at its checkpoint). Both settings apply only outside a transaction, hence the
    connection of its own; the journal stays WAL if another connection has the file open."""
    engine = engine or get_engine()
    if engine.dialect.name != "sqlite":
        with session_scope(engine) as session:
            yield session
        return
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        raw.execute("PRAGMA foreign_keys=OFF")
        _journal(raw, "DELETE")
        try:
            with session_scope(connection) as session:
                yield session
        finally:
            for _, name, _ in raw.execute("PRAGMA database_list").fetchall():
                if name not in ("main", "temp"):  # attached by BulkLoad.copy_in
                    raw.execute(f'DETACH DATABASE "{name}"')
            _journal(raw, "WAL")
            raw.execute("PRAGMA foreign_keys=ON")


def _journal(raw: sqlite3.Connection, mode: str) -> None:
    """Leaving or entering WAL needs the file to itself; busy, it stays as it is (both work)."""
    try:
        raw.execute(f"PRAGMA journal_mode={mode}")
    except sqlite3.OperationalError:
        pass


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


class BulkLoad:
    """The tables of a `bulk_load` still without their indexes and, on PostgreSQL, foreign keys."""

    def __init__(self, connection: Connection, tables: Sequence[Table]):
        self.connection = connection
        self.sqlite = connection.dialect.name == "sqlite"
        self.pending = list(tables)
        self.indexed: list[Table] = []  # filled with their indexes by copy_in

    def copy_in(self, side: "SideLoad") -> None:
        """Fill the still empty table of `side` from the file its process wrote. With the same
        indexes on both sides, an empty destination and its keys unchecked, SQLite moves the records
        and index entries over as they are, in order ("transfer optimization"): about 5 s for the
        demo city's 11 million attendance rows, where writing them and building their index takes
        12-20 s on this machine."""
        side.wait()
        table = side.table
        for index in table.indexes:
            index.create(self.connection)
        self.connection.exec_driver_sql(f'ATTACH DATABASE ? AS "{SideLoad.SCHEMA}"', (str(side.path),))
        side.path.unlink()  # the open file stays readable; it goes when bulk_session detaches it
        self.connection.exec_driver_sql(
            f'INSERT INTO main."{table.name}" SELECT * FROM "{SideLoad.SCHEMA}"."{table.name}"'
        )
        self.indexed.append(table)

    def finish(self, tables: Sequence[Table]) -> None:
        """Check the keys of `tables` and build their indexes now. Only SQLite or PostgreSQL works
        meanwhile, so this may run in a thread while the caller makes more rows in Python (the
        connection is not used by two threads at once)."""
        connection = self.connection
        if self.sqlite and not connection.exec_driver_sql("PRAGMA foreign_keys").scalar():
            for table in tables:  # the keys bulk_session left unchecked, in one pass per table
                broken = connection.exec_driver_sql(f'PRAGMA foreign_key_check("{table.name}")').first()
                if broken is not None:
                    raise RuntimeError(f"{table.name}: row {broken[1]} refers to a missing {broken[2]}")
        for table in tables:
            if table not in self.indexed:
                for index in table.indexes:
                    index.create(connection)
        if not self.sqlite:
            for table in tables:
                for key in table.foreign_key_constraints:
                    connection.execute(AddConstraint(key))
        self.pending = [table for table in self.pending if table not in tables]


class SideLoad:
    """One big table of a bulk load, made and written by a forked process (the second core) into a
    file of its own beside the database while this process writes the rest; `BulkLoad.copy_in`
    takes it in at the end. `make_rows` runs in the child and must give the rows this process would;
    `write` writes them there, and then the table's indexes are built. The demo city writes its 11
    million attendance rows this way."""

    SCHEMA = "side_load"

    def __init__(self, connection: Connection, table: Table, make_rows: Callable[[], Sequence],
                 write: Callable[[Session, Table, Sequence], None]):
        self.table = table
        directory = Path(_database_file(connection)).parent
        prefix = f".{table.name}-"
        for left in directory.glob(f"{prefix}*.db"):  # by a load whose process was killed
            owner = left.name[len(prefix):].split("-")[0]
            if owner.isdigit() and not _alive(int(owner)):
                left.unlink(missing_ok=True)
        handle, name = tempfile.mkstemp(prefix=f"{prefix}{os.getpid()}-", suffix=".db", dir=directory)
        os.close(handle)
        self.path = Path(name)
        context = multiprocessing.get_context("fork")
        self.channel, child_end = context.Pipe(duplex=False)
        self.process = context.Process(target=_side_process, args=(child_end, self.path, table, make_rows, write),
                                       daemon=True)
        self.process.start()
        child_end.close()

    @staticmethod
    def possible(connection: Connection) -> bool:
        """Forking is safe from a process with no other thread (none can hold a lock the child
        needs), and affordable while the machine has twice this process's memory free (the child
        comes to copy most of it); the copy needs SQLite with the keys unchecked until the end
        (`bulk_session`) and a database file to put the side file beside."""
        return (
            connection.dialect.name == "sqlite"
            and threading.active_count() == 1
            and "fork" in multiprocessing.get_all_start_methods()
            and _room_for_a_copy()
            and not connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
            and bool(_database_file(connection))
        )

    def __enter__(self) -> "SideLoad":
        return self

    def __exit__(self, *_) -> None:
        self.close()

    def wait(self) -> None:
        """Until the table and its indexes are written."""
        try:
            failure = self.channel.recv()
        except EOFError:
            self.process.join()
            ended = self.process.exitcode
            raise RuntimeError(f"{self.table.name}: the process writing it ended with code {ended}") from None
        self.process.join()
        if failure:
            raise RuntimeError(f"{self.table.name}: the process writing it failed:\n{failure}")

    def close(self) -> None:
        """Stop the process if it still runs (this one failed first) and remove the side file."""
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.channel.close()
        self.path.unlink(missing_ok=True)


def _database_file(connection: Connection) -> str:
    """The main database's file on SQLite; empty for one in memory."""
    return connection.exec_driver_sql("PRAGMA database_list").first()[2]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _room_for_a_copy() -> bool:
    """Whether the kernel can give twice this process's resident memory without swapping (known
    on Linux only)."""
    try:
        meminfo, statm = Path("/proc/meminfo").read_text(), Path("/proc/self/statm").read_text()
    except OSError:
        return False
    available = next(
        (int(line.split()[1]) * 1024 for line in meminfo.splitlines() if line.startswith("MemAvailable:")), 0
    )
    return available > 2 * int(statm.split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _side_process(channel, path: Path, table: Table, make_rows: Callable[[], Sequence],
                  write: Callable[[Session, Table, Sequence], None]) -> None:
    """The child of a SideLoad. Its file has no journal and no syncs: nobody reads it before it is
    complete, and a failed load throws it away. Sends None when done, or what went wrong."""
    try:
        rows = make_rows()
        engine = make_engine(f"sqlite:///{path}")
        with engine.connect() as connection:
            raw = connection.connection.driver_connection
            for pragma in ("foreign_keys=OFF", "journal_mode=OFF", "synchronous=OFF", "threads=2"):
                raw.execute(f"PRAGMA {pragma}")
            with session_scope(connection) as session:
                session.execute(CreateTable(table))
                write(session, table, rows)
                for index in table.indexes:
                    index.create(session.connection())
        engine.dispose()
        channel.send(None)
    except BaseException:
        channel.send(traceback.format_exc())


@contextmanager
def bulk_load(session: Session, tables: Sequence[Table]) -> Iterator[BulkLoad]:
    """Write many rows into `tables` without their secondary indexes and, on PostgreSQL, foreign
    keys; both are restored at the end (or earlier, table by table, by `BulkLoad.finish`), checked
    once over all rows, as PostgreSQL's "Populating a Database" advises (checking ten million rows'
    keys one trigger call at a time made the COPY ten times slower). SQLite cannot drop a
    constraint, and its key checks are cheap lookups; it gets a second thread for the index builds'
    sorting. Its page cache stays at SQLITE_CACHE_KIB: the sorter works in pieces of the cache's size,
    and with a 512 MiB cache the demo city's attendance index was sorted in one piece by one thread
    (6.4 s at scale 1, against 4.8 s in 64 MiB pieces), while the writes went no faster."""
    connection = session.connection()
    load = BulkLoad(connection, tables)
    if load.sqlite:
        connection.exec_driver_sql("PRAGMA threads=2")
    else:
        for table in tables:
            for key in table.foreign_key_constraints:
                connection.execute(DropConstraint(key))
    for table in tables:
        for index in table.indexes:
            index.drop(connection)
    yield load
    load.finish(load.pending)
    if load.sqlite:
        connection.exec_driver_sql("PRAGMA threads=0")


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
