from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings read from DANGJIAN_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="DANGJIAN_")

    database_url: str = "sqlite:///var/dangjian.db"
    # The built browser app (`make web`); served at / when present.
    web_dist: Path = Path(__file__).resolve().parents[2] / "web" / "dist"
    echo_sql: bool = False
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    lockout_failures: int = 5  # consecutive failures that lock an account
    lockout_minutes: int = 15
    address_failures: int = 20  # failures from one address within the window
    address_window_minutes: int = 15
    cookie_secure: bool = False  # set true behind HTTPS
    report_memo: bool = True  # remember reports until the next write (stats/memo.py)
    warm_reports: bool = False  # compute today's city report at start-up (`dangjian serve` sets it)
    # argon2id cost; the defaults are the library's (RFC 9106 low-memory profile). Tests lower them.
    password_hash_time_cost: int = 3
    password_hash_memory_kib: int = 65536

    # Organizational life (rules.md §2, §6.1); see docs/meetings.md. [U]/[L] rules are settings.
    party_lesson_months: int = 3  # 党课 per branch: once per quarter is common practice, not in 支部条例 [U]
    talk_coverage: float = 1.0  # share of a branch's members in a 谈心谈话 each year (支部条例 第十九条)
    paralysed_months: int = 6  # no organizational life of any kind for this long: paralysed
    half_paralysed_months: int = 12  # look-back for the share of required meetings held
    half_paralysed_share: float = 0.5  # fewer than this share held: half-paralysed
    lapse_months: int = 6  # 党章 第九条: no organizational life for 6 consecutive months
    amber_regular_share: float = 0.9  # a subtree is amber below this share of regular branches
    red_regular_share: float = 0.7  # red below this share of regular branches,
    red_weak_share: float = 0.05  # or when more than this share is half-paralysed or paralysed
    meeting_edit_grace_days: int = 30  # later edits of a record need a reason
    attachment_max_bytes: int = 10 * 1024 * 1024
    attachment_types: tuple[str, ...] = (
        "application/pdf", "image/jpeg", "image/png",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )

    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix):
            return Path(self.database_url[len(prefix):])
        return None


@lru_cache
def get_settings() -> Settings:
    return Settings()
