"""schemathesis generates requests for every endpoint of /api/openapi.json, as the city admin:
no 5xx, and every response matches its documented schema and content type."""

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import Request
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance
from sqlalchemy.orm import Session

from dangjian.app import create_app
from dangjian.auth import service as auth_service
from dangjian.db import get_session, make_engine, session_scope
from dangjian.demo.accounts import create_demo_accounts
from dangjian.demo.generator import generate
from dangjian.migrations import upgrade

app = create_app()
# Revoking tokens would revoke the admin's own and end the run unauthenticated.
schema = schemathesis.openapi.from_asgi("/api/openapi.json", app).exclude(method="DELETE", path_regex="/auth/tokens/")


@pytest.fixture(scope="module")
def admin_token(tmp_path_factory) -> Iterator[str]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'city.db'}")
    upgrade(engine)
    with session_scope(engine) as session:
        generate(session, scale=0.01, seed=3)
        create_demo_accounts(session)
        _, secret = auth_service.create_token(session, auth_service.get_user(session, "admin"), name="fuzz")

    def session_for(request: Request) -> Iterator[Session]:
        with session_scope(engine, writes=request.method not in ("GET", "HEAD", "OPTIONS")) as session:
            yield session

    app.dependency_overrides[get_session] = session_for
    yield secret
    app.dependency_overrides.clear()
    engine.dispose()


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_endpoint_answers_within_its_schema(case, admin_token):
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {admin_token}"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
    assert response.status_code < 500
