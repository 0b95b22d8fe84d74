from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from dangjian.auth.roles import Role


class LoginRequest(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


class ScopeRead(BaseModel):
    kind: str
    label: str
    org_ids: list[int]
    org_names: list[str]
    member_id: int | None


class Me(BaseModel):
    id: int
    username: str
    display_name: str
    role: Role
    role_label: str
    permissions: list[str]
    scope: ScopeRead


class PasswordChange(BaseModel):
    old_password: str = Field(max_length=256)
    new_password: str = Field(max_length=256)


class TokenCreate(BaseModel):
    name: str = Field(max_length=64)


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenRead):
    token: str = Field(description="只显示这一次，请妥善保存")
