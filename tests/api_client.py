"""Calling the API in tests: a client that sends the CSRF header like the browser app does."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from dangjian.app import create_app
from dangjian.auth.principal import CSRF_COOKIE, CSRF_HEADER
from dangjian.db import get_session
from dangjian.demo.accounts import DEMO_PASSWORD, create_demo_accounts
from dangjian.demo.generator import generate
from dangjian.errors import AppError


class ApiClient(TestClient):
    """TestClient that adds X-CSRF-Token from its cookie to every state-changing request."""

    def request(self, method, url, **kwargs):
        if method.upper() not in ("GET", "HEAD", "OPTIONS") and CSRF_COOKIE in self.cookies:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault(CSRF_HEADER, self.cookies[CSRF_COOKIE])
            kwargs["headers"] = headers
        return super().request(method, url, **kwargs)

    def login(self, username: str, password: str = DEMO_PASSWORD) -> "ApiClient":
        response = self.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        return self


def app_on(session: Session):
    """The app with each request in its own savepoint of the test's transaction."""
    app = create_app()

    def test_session() -> Iterator[Session]:
        nested = session.begin_nested()
        try:
            yield session
            nested.commit()
        except AppError as error:
            nested.commit() if error.keep_writes else nested.rollback()
            raise
        except Exception:
            nested.rollback()
            raise

    app.dependency_overrides[get_session] = test_session
    return app


@pytest.fixture
def client_for(session):
    """client_for("county") is a client logged in as that demo account; client_for(None) is anonymous."""
    app = app_on(session)

    def make(username: str | None = None) -> ApiClient:
        client = ApiClient(app, base_url="http://testserver")
        return client.login(username) if username else client

    return make


@pytest.fixture
def demo_city(session):
    """The demo city at scale 0.01 with every demo account (without its year of meeting records:
    tests of organizational life make their own, or ask for `demo_city_with_meetings`)."""
    generate(session, scale=0.01, seed=11, meetings=False)
    return {account.username: account for account in create_demo_accounts(session)}


@pytest.fixture
def demo_city_with_meetings(session):
    generate(session, scale=0.01, seed=11)
    return {account.username: account for account in create_demo_accounts(session)}
