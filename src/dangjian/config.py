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

    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix):
            return Path(self.database_url[len(prefix):])
        return None


@lru_cache
def get_settings() -> Settings:
    return Settings()
