from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column

from dangjian.db import Base, UtcDateTime


class ImportJob(Base):
    """An upload being imported in the background: its file, how far it got, and what it found."""

    __tablename__ = "import_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), default="members")
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    mode: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[int] = mapped_column(Integer, default=0)
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(500))
    errors_xlsx: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
