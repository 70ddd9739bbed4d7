"""One Settings object, read from INNOMON_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.db.engine import Bounds


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
    #: largest request header section (request line and headers), in bytes (431 above)
    max_header_bytes: int = Field(64 * 1024, ge=4096)
    #: seconds to open a database connection (PostgreSQL counts at least 2)
    db_connect_timeout: float = Field(2.0, gt=0, le=300)
    #: seconds a statement may run (PostgreSQL statement_timeout); a round trip to a stalled
    #: server is abandoned one second later, so a request answers 503 instead of waiting
    db_statement_timeout: float = Field(3.0, gt=0, le=3600)
    #: seconds to wait for a row lock (PostgreSQL lock_timeout) or a write lock (SQLite busy timeout)
    db_lock_timeout: float = Field(5.0, gt=0, le=3600)
    #: seconds to wait for a free pooled connection
    db_pool_timeout: float = Field(2.0, gt=0, le=300)
    #: signs the browser's session cookie (/login); unset, each process makes a random one at start,
    #: so sessions end with the process and do not carry across workers or replicas
    session_secret: SecretStr | None = None
    #: origins a browser may call the API from, comma-separated (`https://a.example,http://localhost:5173`);
    #: `*` allows any origin, without credentials; unset, no CORS headers are sent
    cors_origins: str | None = None
    #: seconds after start-up when the routers and pages no request has used yet are imported,
    #: one at a time while no request is being served, so that no later request pays for it;
    #: 0: never (each is imported by the first request under its paths)
    warm_up_after: float = Field(2.0, ge=0, le=3600)
    #: mount /bench/bare, which serves fixed bytes from memory (for benchmarks only)
    bench_routes: bool = False

    def db_bounds(self) -> Bounds:
        return Bounds(
            connect=self.db_connect_timeout,
            statement=self.db_statement_timeout,
            lock=self.db_lock_timeout,
            pool=self.db_pool_timeout,
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
