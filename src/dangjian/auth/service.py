"""Accounts, passwords, sessions, script tokens and login throttling."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from dangjian.audit import service as audit_service
from dangjian.auth.models import ApiToken, AuthSession, InspectorArea, LoginAttempt, User
from dangjian.auth.roles import Role
from dangjian.config import get_settings
from dangjian.errors import AppError, NotFound, ValidationFailed
from dangjian.member.models import Member
from dangjian.org.codes import BRANCH_KINDS
from dangjian.org.models import Organization



def _hasher() -> PasswordHasher:
    settings = get_settings()
    return PasswordHasher(time_cost=settings.password_hash_time_cost, memory_cost=settings.password_hash_memory_kib)


MIN_PASSWORD_LENGTH = 10
SEEN_GRANULARITY = timedelta(seconds=60)  # idle expiry is measured to the minute
TOKEN_PREFIX = "djt_"


class AuthFailed(AppError):
    status = 401
    keep_writes = True


class TooManyAttempts(AppError):
    status = 429


def now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were stored in UTC.
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password_policy(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"密码：至少{MIN_PASSWORD_LENGTH}个字符", field="password")
    if username and username.lower() in password.lower():
        raise ValidationFailed("密码：不能包含用户名", field="password")
    if len(set(password)) < 4:
        raise ValidationFailed("密码：过于简单，请混用字母、数字和符号", field="password")


def _snapshot(user: User) -> dict:
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "org_id": user.org_id, "member_id": user.member_id, "is_active": user.is_active}


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    display_name: str | None = None,
    org_id: int | None = None,
    member_id: int | None = None,
    areas: list[int] | None = None,
    actor: str,
) -> User:
    username = username.strip()
    if not username or len(username) > 64:
        raise ValidationFailed("用户名：不能为空，不超过64个字符", field="username")
    if session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise ValidationFailed(f"用户名：{username} 已被使用", field="username")
    check_password_policy(password, username)
    _check_anchor(session, role, org_id, member_id, areas)
    user = User(
        username=username, display_name=display_name or username, password_hash=_hasher().hash(password),
        role=role.value, org_id=org_id, member_id=member_id, is_active=True, failed_logins=0,
        password_changed_at=now(), version=1,
    )
    session.add(user)
    session.flush()
    for org in areas or []:
        session.add(InspectorArea(user_id=user.id, org_id=org))
    audit_service.record(session, actor=actor, action="create", entity="user", entity_id=user.id, org_id=org_id, after=_snapshot(user))
    return user


def _check_anchor(session: Session, role: Role, org_id: int | None, member_id: int | None, areas: list[int] | None) -> None:
    if role is Role.member:
        if member_id is None or session.get(Member, member_id) is None:
            raise ValidationFailed("党员账号须关联一名党员", field="member_id")
        return
    if role is Role.inspector:
        if not areas or any(session.get(Organization, a) is None for a in areas):
            raise ValidationFailed("督查账号须指定所包的乡镇或村", field="areas")
        return
    if role is Role.city_admin:
        return
    org = session.get(Organization, org_id) if org_id is not None else None
    if org is None:
        raise ValidationFailed(f"{role.label}账号须关联一个党组织", field="org_id")
    if role is Role.branch_secretary and org.kind not in BRANCH_KINDS:
        raise ValidationFailed(f"党支部书记账号应关联党支部，“{org.name}”不是党支部", field="org_id")


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    if user is None:
        raise NotFound(f"用户不存在：{username}", field="username")
    return user


def set_password(session: Session, user: User, password: str, *, actor: str) -> None:
    check_password_policy(password, user.username)
    user.password_hash = _hasher().hash(password)
    user.password_changed_at = now()
    user.failed_logins = 0
    user.locked_until = None
    user.version += 1
    revoke_all(session, user)
    audit_service.record(session, actor=actor, action="reset_password", entity="user", entity_id=user.id, org_id=user.org_id)


def change_own_password(session: Session, user: User, *, old: str, new: str) -> None:
    if not _verify(user, old):
        raise ValidationFailed("原密码不正确", field="old_password")
    set_password(session, user, new, actor=user.username)


def disable_user(session: Session, user: User, *, actor: str) -> None:
    before = _snapshot(user)
    user.is_active = False
    user.version += 1
    revoke_all(session, user)
    audit_service.record(session, actor=actor, action="disable", entity="user", entity_id=user.id, org_id=user.org_id, before=before, after=_snapshot(user))


def revoke_all(session: Session, user: User) -> None:
    stamp = now()
    session.execute(update(AuthSession).where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None)).values(revoked_at=stamp))
    session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=stamp))


def _verify(user: User, password: str) -> bool:
    try:
        return _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Login:
    user: User
    token: str  # goes in the httpOnly session cookie
    csrf: str  # goes in the readable CSRF cookie, and comes back in the X-CSRF-Token header


def login(session: Session, *, username: str, password: str, address: str | None) -> Login:
    """Check the password with throttling per account and per address; open a session."""
    settings = get_settings()
    at = now()
    window_start = at - timedelta(minutes=settings.address_window_minutes)
    if address is not None:
        failures = session.scalar(
            select(func.count()).select_from(LoginAttempt).where(
                LoginAttempt.address == address, LoginAttempt.at >= window_start, LoginAttempt.succeeded.is_(False)
            )
        )
        if failures >= settings.address_failures:
            raise TooManyAttempts(f"该地址登录失败次数过多，请{settings.address_window_minutes}分钟后再试")
    username = username.strip()
    user = session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is not None and user.locked_until is not None and _aware(user.locked_until) > at:
        minutes = max(1, int((_aware(user.locked_until) - at).total_seconds() // 60) + 1)
        raise TooManyAttempts(f"账号因多次密码错误已锁定，请{minutes}分钟后再试")
    ok = user is not None and user.is_active and _verify(user, password)
    session.add(LoginAttempt(username=username[:64], address=address, at=at, succeeded=ok))
    if not ok:
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= settings.lockout_failures:
                user.locked_until = at + timedelta(minutes=settings.lockout_minutes)
                user.failed_logins = 0
        raise AuthFailed("用户名或密码错误" if user is None or user.is_active else "账号已停用")
    assert user is not None
    user.failed_logins = 0
    user.locked_until = None
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    session.add(AuthSession(user_id=user.id, token_hash=digest(token), csrf_hash=digest(csrf), created_at=at, last_seen_at=at, address=address))
    session.flush()
    audit_service.record(session, actor=user.username, action="login", entity="user", entity_id=user.id, org_id=user.org_id)
    return Login(user, token, csrf)


def session_user(session: Session, token: str) -> tuple[User, AuthSession]:
    """The user of a live session; idle and absolute expiry per settings."""
    settings = get_settings()
    at = now()
    record = session.scalar(select(AuthSession).where(AuthSession.token_hash == digest(token)))
    if record is None or record.revoked_at is not None:
        raise AuthFailed("未登录或登录已失效，请重新登录")
    if at - _aware(record.created_at) > timedelta(hours=settings.session_absolute_hours) or at - _aware(
        record.last_seen_at
    ) > timedelta(minutes=settings.session_idle_minutes):
        raise AuthFailed("登录已超时，请重新登录")
    user = session.get(User, record.user_id)
    if user is None or not user.is_active:
        raise AuthFailed("账号已停用")
    if at - _aware(record.last_seen_at) > SEEN_GRANULARITY:
        _touch(session, record, at)
    return user, record


def _touch(session: Session, record: AuthSession | ApiToken, at: datetime) -> None:
    """Note a session's or token's use: best effort, so that a busy database never fails a read."""
    column = "last_seen_at" if isinstance(record, AuthSession) else "last_used_at"
    try:
        with session.begin_nested():
            session.execute(update(type(record)).where(type(record).id == record.id).values({column: at}))
    except OperationalError:
        return
    set_committed_value(record, column, at)  # already written; not a pending change


def logout(session: Session, token: str) -> None:
    session.execute(update(AuthSession).where(AuthSession.token_hash == digest(token), AuthSession.revoked_at.is_(None)).values(revoked_at=now()))


def create_token(session: Session, user: User, *, name: str) -> tuple[ApiToken, str]:
    name = name.strip()
    if not name or len(name) > 64:
        raise ValidationFailed("令牌名称：不能为空，不超过64个字符", field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=secret[:12], token_hash=digest(secret), created_at=now())
    session.add(token)
    session.flush()
    audit_service.record(session, actor=user.username, action="create", entity="api_token", entity_id=token.id, org_id=user.org_id, after={"name": name, "prefix": token.prefix})
    return token, secret


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    token = session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    if token is None:
        raise NotFound(f"令牌不存在：{token_id}", field="token_id")
    if token.revoked_at is None:
        token.revoked_at = now()
        audit_service.record(session, actor=user.username, action="revoke", entity="api_token", entity_id=token.id, org_id=user.org_id)
    return token


def token_user(session: Session, secret: str) -> User:
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None or token.revoked_at is not None:
        raise AuthFailed("令牌无效或已撤销")
    user = session.get(User, token.user_id)
    if user is None or not user.is_active:
        raise AuthFailed("账号已停用")
    at = now()
    if token.last_used_at is None or at - _aware(token.last_used_at) > SEEN_GRANULARITY:
        _touch(session, token, at)
    return user
