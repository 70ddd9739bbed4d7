"""One Settings object, read from INNOMON_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INNOMON_", extra="ignore")

    #: SQLAlchemy URL; the default is an SQLite file in the working directory
    database_url: str = "sqlite:///innomon.db"
    #: accepted now; enforced by the access-control layer
    bootstrap_admin_token: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"
    #: `serve` logs JSON lines (one per request, with its request id) or plain text
    log_format: Literal["json", "text"] = "json"
    #: uvicorn worker processes for `serve` (`--workers` overrides)
    workers: int = Field(1, ge=1, le=64)
    #: scheme used to check registry item types and levels, and for new periods by default
    default_scheme: str = "hebei-county-2019"
    #: largest request body accepted, in bytes (413 above)
    max_body_bytes: int = Field(16 * 1024 * 1024, ge=1024)
    #: most rows accepted in one bulk import request
    max_bulk_rows: int = Field(20_000, ge=1)
    #: breakdowns and rankings kept in memory per process (entries)
    score_cache_size: int = Field(50_000, ge=0)
    #: signs the browser's session cookie (/login); unset, each process makes a random one at start,
    #: so sessions end with the process and do not carry across workers or replicas
    session_secret: SecretStr | None = None
    #: mount /bench/bare, which serves fixed bytes from memory (for benchmarks only)
    bench_routes: bool = False


@lru_cache
def get_settings() -> Settings:
    return Settings()
