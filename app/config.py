"""The one settings class. Values come from the environment or `.env` (see `.env.example`)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=PROJECT_ROOT / ".env", env_file_encoding="utf-8", extra="ignore"
    )

    # An external server (Timescale Cloud, a timescale/timescaledb container...). When unset, the embedded
    # cluster under `data_dir` is started and used.
    database_url: str | None = None

    data_dir: Path = PROJECT_ROOT / ".data" / "pg"
    pg_port: int = 54329
    pg_bin_dir: Path = Path("/usr/lib/postgresql/15/bin")
    pg_user: str = "postgres"
    pg_database: str = "storepulse"

    # Streaming replicas of the database (comma-separated DSNs, empty: none). Workers compute report shards there
    # and store the rows on the primary; a replica is used for a report only once it has replayed the primary's
    # WAL up to where the report was triggered, waiting at most replica_wait_seconds (then the primary computes).
    replica_urls: str = ""
    replica_wait_seconds: float = Field(default=10.0, ge=0)
    # The local replica `python -m app db replica start` makes of the embedded cluster: its port (its data and
    # socket live next to the cluster's, in `replica/` beside `data_dir`).
    replica_port: int = 54330

    pool_min_size: int = 1
    pool_max_size: int = 8
    # Concurrent store shards per report: one per core the database has is the sweet spot.
    report_shards: int = Field(default=2, ge=1, le=64)

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    embedded_worker: bool = True
    worker_concurrency: int = Field(default=1, ge=1)
    lease_seconds: int = Field(default=30, ge=2)
    max_attempts: int = Field(default=3, ge=1)

    # Alerts (app/alerts): which `now` incidents are evaluated as of ('wall': the clock; 'data': the newest poll,
    # to replay past data), how often stores that stay silent are looked at again, and webhook delivery.
    alert_clock: Literal["wall", "data"] = "wall"
    alert_timer_seconds: float = Field(default=60.0, gt=0)
    webhook_allow_loopback: bool = False
    webhook_max_attempts: int = Field(default=8, ge=1, le=30)
    webhook_backoff_seconds: float = Field(default=2.0, gt=0)  # the first retry's delay; doubled each time
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_concurrency: int = Field(default=8, ge=1, le=64)  # events posted at once (one connection each)

    # The loader's bounds on input lines (app/ingest/limits.py): a line over a bound is rejected with its reason.
    # A store id must fit an index entry of store_status many times over; PostgreSQL's limit is about 2,700 bytes.
    ingest_max_store_id_bytes: int = Field(default=255, ge=1, le=2048)
    ingest_max_line_bytes: int = Field(default=4096, ge=128, le=1 << 20)
    # Poll timestamps (and special hours' dates) from 1 January of the first year to 31 December of the last, UTC;
    # no last year: the current year + 1.
    ingest_first_year: int = Field(default=2000, ge=1000, le=9998)
    ingest_last_year: int | None = Field(default=None, ge=1000, le=9998)
    # Who may do what (README: "Keys, tenants and limits")
    reports_per_key: int = Field(default=4, ge=1)  # reports one key may have queued or running at once (else 429)
    key_cache_seconds: float = Field(default=5.0, ge=0)  # a revoked key or ended session works at most this long
    session_hours: float = Field(default=12.0, gt=0)  # how long a web sign-in lasts
    max_body_bytes: int = Field(default=1_048_576, ge=1_024)  # larger request bodies get 413

    @property
    def socket_dir(self) -> Path:
        return self.data_dir.parent / "run"

    @property
    def replicas(self) -> list[str]:
        return [url.strip() for url in self.replica_urls.split(",") if url.strip()]

    @property
    def replica_data_dir(self) -> Path:
        return self.data_dir.parent / "replica" / "pg"

    @property
    def embedded(self) -> bool:
        return not self.database_url

    def dsn(self, database: str | None = None) -> str:
        if self.database_url:
            return self.database_url
        db = database or self.pg_database
        return f"postgresql://{self.pg_user}@/{db}?host={self.socket_dir}&port={self.pg_port}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
