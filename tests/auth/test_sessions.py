from datetime import timedelta

import pytest
from sqlalchemy import select, update

from dangjian.auth import service as auth_service
from dangjian.auth.models import AuthSession, LoginAttempt, User
from dangjian.config import get_settings
from dangjian.demo.accounts import DEMO_PASSWORD

ME = "/api/v1/auth/me"


def test_login_sets_httponly_strict_cookies_and_me_shows_scope(client_for, demo_city):
    client = client_for()
    response = client.post("/api/v1/auth/login", json={"username": "county", "password": DEMO_PASSWORD})
    assert response.status_code == 200
    cookies = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("dj_session="))
    assert "HttpOnly" in session_cookie and "SameSite=strict" in session_cookie
    csrf_cookie = next(c for c in cookies if c.startswith("dj_csrf="))
    assert "HttpOnly" not in csrf_cookie
    me = client.get(ME).json()
    assert me["role"] == "county_organizer" and me["scope"]["kind"] == "subtree"
    assert "org:org:create" in me["permissions"] and "auth:user:manage" not in me["permissions"]


def test_session_token_is_stored_hashed(client_for, demo_city, session):
    client = client_for("county")
    token = client.cookies["dj_session"]
    hashes = session.scalars(select(AuthSession.token_hash)).all()
    assert token not in hashes and auth_service.digest(token) in hashes


def test_anonymous_and_wrong_password_are_refused(client_for, demo_city):
    client = client_for()
    assert client.get(ME).status_code == 401
    response = client.post("/api/v1/auth/login", json={"username": "county", "password": "not-the-password"})
    assert response.status_code == 401
    assert response.json() == {"error": "AuthFailed", "detail": "用户名或密码错误", "field": None}


def test_repeated_failures_lock_the_account_and_are_recorded(client_for, demo_city, session):
    client = client_for()
    limit = get_settings().lockout_failures
    for _ in range(limit):
        assert client.post("/api/v1/auth/login", json={"username": "street", "password": "wrong-password-1"}).status_code == 401
    locked = client.post("/api/v1/auth/login", json={"username": "street", "password": DEMO_PASSWORD})
    assert locked.status_code == 429
    assert "已锁定" in locked.json()["detail"]
    failures = session.scalar(select(LoginAttempt.id).where(LoginAttempt.username == "street", LoginAttempt.succeeded.is_(False)))
    assert failures is not None
    assert session.scalar(select(User.locked_until).where(User.username == "street")) is not None


def test_failures_from_one_address_are_throttled_across_accounts(client_for, demo_city):
    client = client_for()
    names = ["nobody-%d" % i for i in range(get_settings().address_failures)]
    for name in names:
        assert client.post("/api/v1/auth/login", json={"username": name, "password": "wrong-password-1"}).status_code == 401
    throttled = client.post("/api/v1/auth/login", json={"username": "county", "password": DEMO_PASSWORD})
    assert throttled.status_code == 429
    assert "该地址" in throttled.json()["detail"]


def test_logout_revokes_the_session(client_for, demo_city):
    client = client_for("township")
    stolen = client.cookies["dj_session"]
    assert client.post("/api/v1/auth/logout").status_code == 204
    thief = client_for()
    thief.cookies.set("dj_session", stolen)
    assert thief.get(ME).status_code == 401


@pytest.mark.parametrize("field, shift", [("last_seen_at", timedelta(minutes=31)), ("created_at", timedelta(hours=12, minutes=1))])
def test_idle_and_absolute_expiry(client_for, demo_city, session, field, shift):
    client = client_for("county")
    assert client.get(ME).status_code == 200
    token_hash = auth_service.digest(client.cookies["dj_session"])
    record = session.scalar(select(AuthSession).where(AuthSession.token_hash == token_hash))
    earlier = auth_service.now() - shift
    session.execute(update(AuthSession).where(AuthSession.id == record.id).values(**{field: earlier, "last_seen_at": min(earlier, auth_service.now())}))
    session.expire_all()
    response = client.get(ME)
    assert response.status_code == 401 and "超时" in response.json()["detail"]


def test_state_change_needs_the_csrf_header(client_for, demo_city):
    client = client_for("county")
    without = client.post("/api/v1/auth/tokens", json={"name": "x"}, headers={"X-CSRF-Token": ""})
    assert without.status_code == 403 and "CSRF" in without.json()["detail"]
    forged = client.post("/api/v1/auth/tokens", json={"name": "x"}, headers={"X-CSRF-Token": "forged"})
    assert forged.status_code == 403
    assert client.post("/api/v1/auth/tokens", json={"name": "x"}).status_code == 201


def test_script_tokens_act_as_their_user_until_revoked(client_for, demo_city):
    owner = client_for("district")
    created = owner.post("/api/v1/auth/tokens", json={"name": "统计脚本"}).json()
    script = client_for()
    headers = {"Authorization": f"Bearer {created['token']}"}
    me = script.get(ME, headers=headers).json()
    assert me["username"] == "district"
    assert script.post("/api/v1/auth/tokens", json={"name": "no csrf needed"}, headers=headers).status_code == 201
    listed = owner.get("/api/v1/auth/tokens").json()
    assert all("token" not in t for t in listed) and len(listed) == 2
    assert owner.delete(f"/api/v1/auth/tokens/{created['id']}").status_code == 200
    assert script.get(ME, headers=headers).status_code == 401


def test_password_policy_and_change(client_for, demo_city, session):
    client = client_for("secretary")
    short = client.post("/api/v1/auth/password", json={"old_password": DEMO_PASSWORD, "new_password": "short"})
    assert short.status_code == 422 and short.json()["field"] == "password"
    has_name = client.post("/api/v1/auth/password", json={"old_password": DEMO_PASSWORD, "new_password": "secretary-2025!"})
    assert "用户名" in has_name.json()["detail"]
    assert client.post("/api/v1/auth/password", json={"old_password": DEMO_PASSWORD, "new_password": "Zx9!long-enough"}).status_code == 204
    assert client.get(ME).status_code == 401  # changing the password ends every session
    client_for().login("secretary", "Zx9!long-enough")


def test_disabled_account_cannot_sign_in(client_for, demo_city, session):
    user = auth_service.get_user(session, "inspector")
    auth_service.disable_user(session, user, actor="test")
    response = client_for().post("/api/v1/auth/login", json={"username": "inspector", "password": DEMO_PASSWORD})
    assert response.status_code == 401 and response.json()["detail"] == "账号已停用"


def test_validation_errors_are_chinese_and_name_the_field(client_for, demo_city):
    response = client_for().post("/api/v1/auth/login", json={"username": "county"})
    assert response.status_code == 422
    assert response.json() == {"error": "ValidationFailed", "detail": "密码：不能为空", "field": "password"}
