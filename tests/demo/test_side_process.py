"""The demo city's attendance written by a second process (db.SideLoad): the same rows as one
process writes, nothing left behind, and a failure there fails the whole load.

Each load runs in a subprocess of its own: a side process is forked only from a process with no
other thread, and a pytest worker has several."""

import json
import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from dangjian.demo.generator import TABLES_IN_ORDER

PRELUDE = """
import json, os, sys
from datetime import date
from dangjian import db
from dangjian.migrations import upgrade

engine = db.make_engine(f"sqlite:///{sys.argv[1]}")
upgrade(engine)
forked = []
fork = db.SideLoad.__init__
def counted(self, connection, table, *rest):
    forked.append(table.name)
    fork(self, connection, table, *rest)
db.SideLoad.__init__ = counted
"""


def run_alone(folder, body: str, *args: str) -> subprocess.CompletedProcess:
    script = folder / "load.py"
    script.write_text(PRELUDE + textwrap.dedent(body))
    return subprocess.run([sys.executable, str(script), str(folder / "city.db"), *args], capture_output=True,
                          text=True, timeout=300, cwd=folder)


GENERATE = """
from dangjian.demo.generator import generate
if sys.argv[2] == "one process":
    db.SideLoad.possible = staticmethod(lambda connection: False)
with db.bulk_session(engine) as session:
    counts = generate(session, scale=0.05, seed=9, meetings_until=date(2026, 10, 20))
with engine.connect() as connection:  # the pool's connection, which did the load
    attached = [name for _, name, _ in connection.exec_driver_sql("PRAGMA database_list") if name != "temp"]
print(json.dumps({"forked": forked, "attendance": counts["meeting_attendance"], "attached": attached}))
"""


def rows_of(path) -> dict[str, list]:
    """Every generated table's rows, in order, without the times of writing."""
    with sqlite3.connect(path) as db:
        tables = {}
        for table in TABLES_IN_ORDER:
            columns = [c.name for c in table.columns if c.name not in ("created_at", "updated_at")]
            listed = ", ".join(f'"{c}"' for c in columns)
            tables[table.name] = db.execute(f'SELECT {listed} FROM "{table.name}" ORDER BY {listed}').fetchall()
    return tables


@pytest.fixture(scope="module")
def two_loads(tmp_path_factory):
    outcomes = {}
    for how in ("two processes", "one process"):
        folder = tmp_path_factory.mktemp(how.replace(" ", "_"))
        result = run_alone(folder, GENERATE, how)
        assert result.returncode == 0, result.stderr
        outcomes[how] = folder, json.loads(result.stdout)
    return outcomes


def test_the_attendance_written_apart_equals_the_one_written_in_one_process(two_loads):
    (apart, told_apart), (together, told_together) = two_loads["two processes"], two_loads["one process"]
    assert told_apart["forked"] == ["meeting_attendance"] and told_together["forked"] == []
    written, expected = rows_of(apart / "city.db"), rows_of(together / "city.db")
    assert len(written["meeting_attendance"]) == told_apart["attendance"] == told_together["attendance"] > 10_000
    assert written == expected


def files_left(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in ("load.py", "city.db", "city.db-wal", "city.db-shm"))


def test_the_copy_keeps_the_index_and_leaves_no_file_or_attachment(two_loads):
    folder, told = two_loads["two processes"]
    assert files_left(folder) == [] and told["attached"] == ["main"]
    with sqlite3.connect(folder / "city.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        plan = db.execute("EXPLAIN QUERY PLAN SELECT max(held_on) FROM meeting_attendance WHERE member_id = 5").fetchall()
        assert "ix_meeting_attendance_member" in str(plan)
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


FAILING = """
from datetime import datetime, timezone
from dangjian.org.models import Organization
from dangjian.meeting.models import TalkParticipant

def make_rows():
    if sys.argv[2] == "raises":
        raise ValueError("no rows today")
    os._exit(3)

now = datetime.now(timezone.utc)
values = {"id": 1, "code": "430400", "name": "中共测试市委员会", "kind": "committee", "path": "/1/", "depth": 0,
          "founded_on": date(2000, 1, 1), "version": 1, "created_at": now, "updated_at": now}
organization, talks = Organization.__table__, TalkParticipant.__table__
try:
    with db.bulk_session(engine) as session:
        with db.bulk_load(session, [organization, talks]) as load:
            assert db.SideLoad.possible(session.connection())
            with db.SideLoad(session.connection(), talks, make_rows, db.bulk_insert) as side:
                db.bulk_insert(session, organization, [tuple(values.get(c.name) for c in organization.columns)])
                load.copy_in(side)
except RuntimeError as error:
    print(error)
"""


@pytest.mark.parametrize("how, said", [("raises", "ValueError: no rows today"), ("exits", "ended with code 3")])
def test_a_failure_in_the_side_process_fails_the_whole_load(tmp_path, how, said):
    result = run_alone(tmp_path, FAILING, how)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("talk_participant: the process writing it") and said in result.stdout
    assert files_left(tmp_path) == []
    with sqlite3.connect(tmp_path / "city.db") as db:
        assert db.execute("SELECT count(*) FROM organization").fetchone() == (0,)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_side_file_left_by_a_killed_load_goes_with_the_next_load(tmp_path):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = tmp_path / f".talk_participant-{ended.stdout.strip()}-x1.db"
    running = tmp_path / f".talk_participant-{os.getpid()}-x2.db"  # this process's: a load still going
    left.write_bytes(b"")
    running.write_bytes(b"")
    assert run_alone(tmp_path, FAILING, "raises").returncode == 0
    assert files_left(tmp_path) == [running.name]


WHEN = """
import threading
from dangjian.db import SideLoad, bulk_session, session_scope
with bulk_session(engine) as session:
    alone = SideLoad.possible(session.connection())
    pause = threading.Event()
    other = threading.Thread(target=pause.wait)
    other.start()
    with_a_thread = SideLoad.possible(session.connection())
    pause.set()
    other.join()
with session_scope(engine) as session:
    keys_checked = SideLoad.possible(session.connection())
with bulk_session(db.make_engine("sqlite://")) as session:
    in_memory = SideLoad.possible(session.connection())
print(json.dumps([alone, with_a_thread, keys_checked, in_memory]))
"""


def test_a_side_process_is_forked_only_where_it_is_safe(tmp_path):
    result = run_alone(tmp_path, WHEN)
    assert result.returncode == 0, result.stderr
    alone, with_a_thread, keys_checked, in_memory = json.loads(result.stdout)
    assert alone and not with_a_thread and not keys_checked and not in_memory
