"""One transaction per request, committed before the response is sent: a client that reads right
after a write's answer always sees the write (through a real server, as browsers do)."""

import socket
import threading
import time

import httpx
import uvicorn
from fastapi import APIRouter, Request
from sqlalchemy import text

from dangjian.app import create_app
from dangjian.auth.principal import DbSession
from dangjian.db import get_session, make_engine, session_scope
from dangjian.migrations import upgrade


def test_a_write_is_committed_before_the_client_gets_the_answer(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'tx.db'}")
    upgrade(engine)
    router = APIRouter()

    @router.post("/write")
    def write(session: DbSession) -> dict:
        session.execute(text("INSERT INTO login_attempt (username, at, succeeded) VALUES ('probe', CURRENT_TIMESTAMP, 1)"))
        return {"ok": True}

    @router.get("/count")
    def count(session: DbSession) -> int:
        return session.execute(text("SELECT count(*) FROM login_attempt")).scalar_one()

    app = create_app()
    app.include_router(router, prefix="/test")

    def session_for(request: Request):
        with session_scope(engine, writes=request.method != "GET") as session:
            yield session
            time.sleep(0.02)  # a slow commit: the answer must still wait for it

    app.dependency_overrides[get_session] = session_for
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        stale = 0
        url = f"http://127.0.0.1:{port}"
        # Two connections, as a browser has: one connection would serialize the requests.
        with httpx.Client(base_url=url) as writer, httpx.Client(base_url=url) as reader:
            for n in range(1, 51):
                assert writer.post("/test/write").status_code == 200
                stale += reader.get("/test/count").json() != n
        assert stale == 0
    finally:
        server.should_exit = True
        thread.join(timeout=10)
