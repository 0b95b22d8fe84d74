"""Bulk loads (the demo city's path): rows go in without their indexes and, where the database
allows, without key checks per row; the keys are still checked, the indexes come back, and a bad
row leaves nothing written."""

import sqlite3
from datetime import date, datetime, timezone

import psycopg
import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from dangjian.db import bulk_insert, bulk_load, bulk_session, make_engine
from dangjian.member.models import MemberPeriod
from dangjian.migrations import upgrade
from dangjian.org.models import Organization

def period(member_id: int) -> tuple:
    return (1, member_id, date(2020, 1, 1), None, None, None, "male", "01", date(1980, 1, 1), None, "1", "1", "1",
            False, False, False)


def org_row() -> tuple:
    now = datetime.now(timezone.utc)
    values = {"id": 1, "code": "430400", "name": "中共测试市委员会", "kind": "committee", "path": "/1/",
              "depth": 0, "founded_on": date(2000, 1, 1), "version": 1, "created_at": now, "updated_at": now}
    return tuple(values.get(c.name) for c in Organization.__table__.columns)


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'bulk.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def pragmas(engine) -> tuple:
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        return raw.execute("PRAGMA journal_mode").fetchone()[0], raw.execute("PRAGMA foreign_keys").fetchone()[0]


def test_a_row_with_a_missing_key_fails_the_whole_sqlite_load(sqlite_engine):
    with pytest.raises(RuntimeError, match="member_period"):
        with bulk_session(sqlite_engine) as session:
            with bulk_load(session, [MemberPeriod.__table__]):
                bulk_insert(session, MemberPeriod.__table__, [period(member_id=999)])
    with sqlite_engine.connect() as connection:
        assert connection.execute(select(MemberPeriod.id)).first() is None
    assert pragmas(sqlite_engine) == ("wal", 1)


def test_a_good_sqlite_load_keeps_its_rows_and_gets_its_indexes_back(sqlite_engine):
    with bulk_session(sqlite_engine) as session:
        with bulk_load(session, [Organization.__table__]):
            assert not any(ix["name"] for ix in inspect(session.connection()).get_indexes("organization"))
            bulk_insert(session, Organization.__table__, [org_row()])
    with sqlite_engine.connect() as connection:
        assert connection.execute(select(Organization.name)).scalar_one() == "中共测试市委员会"
        names = {ix["name"] for ix in inspect(connection).get_indexes("organization")}
    assert names == {ix.name for ix in Organization.__table__.indexes}
    assert pragmas(sqlite_engine) == ("wal", 1)


def test_a_missing_key_is_refused_on_either_backend(session):
    # SQLite checks at once (the test session keeps its keys on); PostgreSQL when the key returns.
    with pytest.raises((sqlite3.IntegrityError, psycopg.errors.ForeignKeyViolation, IntegrityError)):
        with bulk_load(session, [MemberPeriod.__table__]):
            bulk_insert(session, MemberPeriod.__table__, [period(member_id=987654)])
