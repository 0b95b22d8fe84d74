from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings read from DANGJIAN_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="DANGJIAN_")

    database_url: str = "sqlite:///var/dangjian.db"
    echo_sql: bool = False

    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix):
            return Path(self.database_url[len(prefix):])
        return None


@lru_cache
def get_settings() -> Settings:
    return Settings()
