"""Against a database of their own (not the test's rolled-back transaction): an import job run by
the server in a thread with its own sessions, and an import killed mid-way leaving nothing behind."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta

import psycopg
import pytest
from fastapi import Request
from sqlalchemy import Engine, func, select, text

from dangjian.app import create_app
from dangjian.auth import service as auth_service
from dangjian.auth.roles import Role
from dangjian.db import get_session, make_engine, session_scope
from dangjian.importexport.engine import XLSX
from dangjian.member.models import Member
from dangjian.migrations import upgrade
from tests.api_client import ApiClient
from tests.conftest import BACKENDS, PG_ADMIN_URL
from tests.importexport.workbooks import Tree, id_number, write_workbook

PASSWORD = "Import@2025x"


@pytest.fixture(scope="module", params=BACKENDS)
def own_database(request, tmp_path_factory) -> Iterator[tuple[str, Engine]]:
    """A fresh database built by the migrations, with the test tree and a county organizer."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('jobs') / 'jobs.db'}"
        name = None
    else:
        name = f"dangjian_jobs_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        tree = Tree(session)
        auth_service.create_user(session, username="importer", password=PASSWORD, role=Role.county_organizer,
                                 org_id=tree.county.id, actor="test")
    yield url, engine
    engine.dispose()
    if name:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def roster(path, count: int, *, start: date) -> bytes:
    rows = [["姓名", "身份证号", "学历", "人员类别", "入党日期", "转正日期", "所在党组织"]]
    for n in range(count):
        rows.append([f"批量{n}", id_number(start + timedelta(days=n)), "本科", "工人", "2005-07-01", "2006-07-01", "衡阳县/西渡镇/和平村党支部"])
    return write_workbook(path, rows).read_bytes()


def count_members(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(Member))


def test_a_job_runs_in_a_thread_with_its_own_session(own_database, tmp_path):
    _url, engine = own_database
    app = create_app()

    def session_for(request: Request):
        with session_scope(engine, writes=request.method not in ("GET", "HEAD", "OPTIONS")) as session:
            yield session

    app.dependency_overrides[get_session] = session_for
    client = ApiClient(app, base_url="http://testserver").login("importer", PASSWORD)
    before = count_members(engine)
    content = roster(tmp_path / "thread.xlsx", 60, start=date(1961, 1, 1))
    job = client.post("/api/v1/imports", params={"mode": "valid-only"}, content=content,
                      headers={"Content-Type": XLSX}).json()
    deadline = time.monotonic() + 60
    seen = set()
    while time.monotonic() < deadline:
        status = client.get(f"/api/v1/imports/{job['id']}").json()
        seen.add(status["status"])
        if status["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert status["status"] == "done", status
    assert status["result"]["created"] == 60 and status["progress"] == 100
    assert count_members(engine) == before + 60


def test_killing_an_import_midway_leaves_the_database_as_it_was(own_database, tmp_path):
    url, engine = own_database
    path = tmp_path / "kill.xlsx"
    roster(path, 1500, start=date(1940, 1, 1))
    before = count_members(engine)
    env = {**os.environ, "DANGJIAN_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "dangjian.cli", "import", "members", str(path), "--mode", "valid-only"],
                               env=env, cwd=tmp_path, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    writing = None
    try:
        deadline = time.monotonic() + 120
        for line in process.stderr:
            if "写入" in line and int(line.split("写入 ")[1].split("/")[0]) > 0:
                writing = line.strip()
                break
            assert time.monotonic() < deadline
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert writing is not None, "the import never started writing"
    assert process.returncode == -signal.SIGKILL  # killed, not finished
    assert count_members(engine) == before  # rows it had written were never committed
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            assert connection.scalar(text("PRAGMA integrity_check")) == "ok"
        assert connection.scalar(text("SELECT count(*) FROM audit_event WHERE actor = 'cli'")) == 0
    # And the same file imports in full afterwards: nothing was left half-done.
    finished = subprocess.run([sys.executable, "-m", "dangjian.cli", "import", "members", str(path), "--mode", "all-or-nothing"],
                              env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert "新增 1,500 名" in finished.stdout
    assert count_members(engine) == before + 1500
