import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field
from pydantic_core import PydanticCustomError

ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_day(value: Any) -> Any:
    """Days in the query string are written 2025-12-31 (Pydantic alone would take 0 as 1970-01-01)."""
    if isinstance(value, str) and not ISO_DAY.fullmatch(value):
        raise PydanticCustomError("date_parsing", "日期格式应为“年-月-日”")
    return value


Day = Annotated[date, BeforeValidator(iso_day)]


class AuditEventRead(BaseModel):
    id: int
    at: datetime = Field(description="北京时间")
    actor: str = Field(description="操作人（用户名）")
    address: str | None = Field(description="客户端地址")
    action: str
    entity: str
    entity_id: int | None
    org_id: int | None
    before: dict[str, Any] | None = Field(description="修改前；身份证号、电话、住址已脱敏")
    after: dict[str, Any] | None = Field(description="修改后；身份证号、电话、住址已脱敏")


class AuditEventPage(BaseModel):
    items: list[AuditEventRead]
    total: int
    page: int
    page_size: int
