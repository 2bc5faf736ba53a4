"""Settings: the only place configuration is read (environment variables prefixed PRACTICE_)."""

from __future__ import annotations

import base64
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Development-only secrets so `make run` works on a bare machine. Production refuses them.
_DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789abcdef"
_DEV_FIELD_KEY = base64.b64encode(b"dev-only-field-key-32-bytes-long").decode()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PRACTICE_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'practice.db'}"
    database_echo: bool = False
    # How long a SQLite writer waits for the write lock before "database is locked".
    sqlite_busy_timeout_ms: int = 15_000
    host: str = "127.0.0.1"
    port: int = 8000

    practice_name: str = "Demo Family Practice"
    practice_timezone: str = "America/New_York"

    # Authentication
    jwt_secret: str = _DEV_JWT_SECRET
    jwt_issuer: str = "practice-backend"
    jwt_audience: str = "practice-api"
    access_token_minutes: int = 15
    refresh_token_idle_minutes: int = 60
    session_max_hours: int = 12
    lockout_threshold: int = 5
    lockout_minutes: int = 15
    # argon2 cost; tests lower it so the suite stays fast
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536

    # Encryption of the most sensitive fields (AES-256-GCM), base64 of 32 bytes
    field_encryption_key: str = _DEV_FIELD_KEY

    # How often each process checks whether the stored access policy changed
    policy_refresh_seconds: float = 2.0

    # Break-glass access to a patient's notes
    break_glass_minutes: int = 60

    # Reminders and the outbox worker (SMTP)
    reminder_lead_hours: int = 24
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "no-reply@practice.invalid"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    outbox_max_attempts: int = 5
    outbox_batch_size: int = 50
    worker_poll_seconds: float = 5.0

    # GraphQL limits. Depth, aliases and repeated fields are counted before full validation,
    # which costs time quadratic in the fields repeated in one selection set (an anonymous
    # caller's `{ __typename __typename ... }`), so a document must be within them to be
    # validated at all. Depth counts introspection fields too: GraphiQL's introspection query
    # is 14 deep.
    max_query_depth: int = 15
    max_aliases: int = 30
    max_repeated_fields: int = 10
    # An estimate, before execution, of the fields a response could hold: list sizes (`first`,
    # else max_page_size; estimates for plain lists) multiplied down the selections.
    max_query_cost: int = 50_000
    # An operation still running after this long is cancelled (its transaction rolled back).
    request_timeout_seconds: float = 30.0
    max_tokens: int = 2000
    max_page_size: int = 100
    # Request bodies and WebSocket messages (a GraphQL document with its variables): 2 MiB
    max_body_bytes: int = 2_097_152
    # Both default to on in development and test, and to off in production.
    introspection: bool = True
    graphiql: bool = True
    cors_origins: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> Settings:
        dev_secrets = (
            self.jwt_secret == _DEV_JWT_SECRET or self.field_encryption_key == _DEV_FIELD_KEY
        )
        if self.environment == "production":
            for exploratory in ("introspection", "graphiql"):
                if exploratory not in self.model_fields_set:
                    setattr(self, exploratory, False)
        if self.environment == "production" and dev_secrets:
            raise ValueError(
                "PRACTICE_JWT_SECRET and PRACTICE_FIELD_ENCRYPTION_KEY must be set in production"
            )
        if len(base64.b64decode(self.field_encryption_key)) != 32:
            raise ValueError("PRACTICE_FIELD_ENCRYPTION_KEY must be base64 of 32 bytes")
        ZoneInfo(self.practice_timezone)
        return self

    @cached_property
    def field_key(self) -> bytes:
        return base64.b64decode(self.field_encryption_key)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.practice_timezone)
