from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select

from dangjian.auth import service as auth_service
from dangjian.auth.principal import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    CurrentPrincipal,
    DbSession,
    Principal,
    require,
)
from dangjian.auth.roles import Role, permissions_of
from dangjian.auth.schemas import LoginRequest, Me, PasswordChange, ScopeRead, TokenCreate, TokenCreated, TokenRead
from dangjian.auth.scope import ScopeKind, scope_for
from dangjian.config import get_settings
from dangjian.org.models import Organization

router = APIRouter()
SCOPE_LABELS = {ScopeKind.city: "全部", ScopeKind.subtree: "本组织及以下", ScopeKind.org: "本组织", ScopeKind.self: "仅本人"}


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def me_of(session, principal: Principal) -> Me:
    scope, user = principal.scope, principal.user
    names = dict(session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(scope.roots))).all())
    return Me(
        id=user.id, username=user.username, display_name=user.display_name, role=Role(user.role),
        role_label=Role(user.role).label, permissions=sorted(principal.permissions),
        scope=ScopeRead(kind=scope.kind.value, label=SCOPE_LABELS[scope.kind], org_ids=list(scope.roots),
                        org_names=[names[i] for i in scope.roots if i in names], member_id=scope.member_id),
    )


@router.post("/login", response_model=Me, summary="登录")
def login(body: LoginRequest, request: Request, response: Response, session: DbSession) -> Me:
    result = auth_service.login(session, username=body.username, password=body.password, address=client_address(request))
    settings = get_settings()
    max_age = settings.session_absolute_hours * 3600
    response.set_cookie(SESSION_COOKIE, result.token, max_age=max_age, httponly=True, samesite="strict", secure=settings.cookie_secure, path="/")
    response.set_cookie(CSRF_COOKIE, result.csrf, max_age=max_age, httponly=False, samesite="strict", secure=settings.cookie_secure, path="/")
    principal = Principal(result.user, scope_for(session, result.user), permissions_of(result.user.role))
    return me_of(session, principal)


@router.post("/logout", status_code=204, summary="退出登录")
def logout(request: Request, response: Response, session: DbSession, principal: CurrentPrincipal) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        auth_service.logout(session, token)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    response.status_code = 204
    return response


@router.get("/me", response_model=Me, summary="当前用户、角色、权限和数据范围")
def me(session: DbSession, principal: CurrentPrincipal) -> Me:
    return me_of(session, principal)


@router.post("/password", status_code=204, summary="修改本人密码（其他会话随之失效）")
def change_password(body: PasswordChange, session: DbSession, principal: CurrentPrincipal) -> Response:
    auth_service.change_own_password(session, principal.user, old=body.old_password, new=body.new_password)
    return Response(status_code=204)


@router.get("/tokens", response_model=list[TokenRead], summary="本人的脚本令牌")
def list_tokens(session: DbSession, principal: Principal = Depends(require("auth:token:manage"))) -> list[TokenRead]:
    return [TokenRead.model_validate(t) for t in auth_service.list_tokens(session, principal.user)]


@router.post("/tokens", response_model=TokenCreated, status_code=201, summary="创建脚本令牌")
def create_token(body: TokenCreate, session: DbSession, principal: Principal = Depends(require("auth:token:manage"))) -> TokenCreated:
    token, secret = auth_service.create_token(session, principal.user, name=body.name)
    return TokenCreated(**TokenRead.model_validate(token).model_dump(), token=secret)


@router.delete("/tokens/{token_id}", response_model=TokenRead, summary="撤销脚本令牌")
def revoke_token(token_id: int, session: DbSession, principal: Principal = Depends(require("auth:token:manage"))) -> TokenRead:
    return TokenRead.model_validate(auth_service.revoke_token(session, principal.user, token_id))
