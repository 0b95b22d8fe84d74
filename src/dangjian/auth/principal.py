"""Who is calling: the request's user, their scope and permissions (FastAPI dependencies)."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from dangjian.auth import service as auth_service
from dangjian.auth.models import User
from dangjian.auth.roles import permissions_of
from dangjian.auth.scope import Scope, scope_for
from dangjian.db import get_session
from dangjian.errors import Forbidden

SESSION_COOKIE = "dj_session"
CSRF_COOKIE = "dj_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# scope="function": the transaction is committed when the endpoint returns, before the response
# goes out (with the default scope it would be committed after the client already has its answer).
DbSession = Annotated[Session, Depends(get_session, scope="function")]

bearer = HTTPBearer(auto_error=False, description="脚本令牌：Authorization: Bearer djt_…")
session_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="登录后由服务器设置的会话 Cookie")


@dataclass(frozen=True)
class Principal:
    user: User
    scope: Scope
    permissions: frozenset[str]

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def actor(self) -> str:
        return self.user.username


def current_principal(
    request: Request,
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None,
    cookie: Annotated[str | None, Depends(session_cookie)] = None,
) -> Principal:
    if credentials is not None:
        user = auth_service.token_user(session, credentials.credentials)
    elif cookie:
        user, record = auth_service.session_user(session, cookie)
        if request.method not in SAFE_METHODS:
            # Double submit: the header must repeat the CSRF cookie, which belongs to this session.
            header = request.headers.get(CSRF_HEADER)
            if not header or header != request.cookies.get(CSRF_COOKIE) or auth_service.digest(header) != record.csrf_hash:
                raise Forbidden("缺少或错误的 CSRF 令牌（请求头 X-CSRF-Token），请刷新页面后重试")
    else:
        raise auth_service.AuthFailed("未登录，请先登录")
    return Principal(user=user, scope=scope_for(session, user), permissions=permissions_of(user.role))


def require(permission: str):
    """Dependency: the caller, who must hold `permission` (403 otherwise)."""

    def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.can(permission):
            raise Forbidden(f"没有权限执行此操作（{permission}）")
        return principal

    return dependency


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]

