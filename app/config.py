"""Settings: the only place configuration is read (environment variables prefixed PRACTICE_)."""

from __future__ import annotations

import base64
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.crypto import LEGACY_KEY_ID, Keyring

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Development-only secrets so `make run` works on a bare machine. Production refuses them.
_DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789abcdef"
_DEV_FIELD_KEY = base64.b64encode(b"dev-only-field-key-32-bytes-long").decode()
_DEV_AUDIT_KEY = base64.b64encode(b"dev-only-audit-chain-key-32-byte").decode()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PRACTICE_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'practice.db'}"
    database_echo: bool = False
    # How long a SQLite writer waits for the write lock before "database is locked".
    sqlite_busy_timeout_ms: int = 15_000
    # Where `practice backup`/`restore` find pg_dump, pg_restore and psql on PostgreSQL (PATH when
    # unset): pg_dump refuses a server newer than itself, so point this at the server's version.
    pg_bin_dir: str | None = None
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
    # Failed sign-ins slow further attempts down, they never lock an account (an outsider could
    # lock anyone out). Each key is allowed `*_free_failures`, then waits a delay that starts at
    # login_base_delay_seconds and doubles with each further failure, up to its maximum.
    # Per (username, client address): the attacker's own pair, whatever the username.
    login_pair_free_failures: int = 5
    # Per client address, over every username: stops spraying many usernames from one place
    # (an office behind one NAT address shares it, hence more room).
    login_address_free_failures: int = 20
    login_max_delay_seconds: int = 900
    # Per username over every address: slows a distributed attack on one account, but its delay
    # stays short, so the real user, elsewhere, waits at most this long and is never locked out.
    login_account_free_failures: int = 10
    login_account_max_delay_seconds: int = 30
    login_base_delay_seconds: float = 1.0
    # A key's failures are forgotten after this long without another one.
    login_failure_memory_minutes: int = 60
    # Roles whose holders must sign in with a TOTP code (JSON list in the environment); one
    # who has not enrolled yet is handed an enrolment by login and confirms it with a code.
    totp_required_roles: list[str] = Field(default_factory=list)
    # argon2 cost; tests lower it so the suite stays fast
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536

    # Encryption of the most sensitive fields (AES-256-GCM) under a keyring, so the key can be
    # rotated without downtime (`practice keys rotate`): key id -> base64 of 32 bytes (the
    # environment gives it as JSON), and the id of the key new values are encrypted under (may
    # be left out when the keyring holds one key). The single key of before keyrings,
    # PRACTICE_FIELD_ENCRYPTION_KEY, is key "k1": the key of the values it wrote. Development
    # and tests fall back to a dev key "k1"; production refuses it.
    field_encryption_keys: dict[str, str] = Field(default_factory=dict)
    field_encryption_key_id: str | None = None
    field_encryption_key: str | None = None

    # The audit chain's key (HMAC-SHA256; base64 of at least 32 bytes). Kept outside the database:
    # whoever can write the database without it cannot rewrite an event and re-hash the chain.
    audit_hmac_key: str = _DEV_AUDIT_KEY
    # Stored with each event the key seals. To rotate: a new key under a new id, the old one
    # moved to the retired keys.
    audit_hmac_key_id: str = Field(default="1", min_length=1, max_length=32)
    # Earlier keys by id, oldest first, base64: they verify the events they sealed, seal nothing
    # new, and may not appear after a later key in the chain.
    audit_hmac_retired_keys: dict[str, str] = Field(default_factory=dict)
    # Events 1..N were written before the chain was keyed (plain SHA-256; NULL key id). Verify
    # accepts no other unkeyed event, so a rewrite cannot pass itself off as legacy. 0: none.
    audit_unkeyed_until: int = Field(default=0, ge=0)

    # How often each process checks whether the stored access policy changed
    policy_refresh_seconds: float = 2.0

    # Break-glass access to a patient's notes
    break_glass_minutes: int = 60
    # How many different patients one user may open by break-glass per practice-local day
    # (a misused account cannot browse the whole practice); 0 turns break-glass off
    break_glass_daily_limit: int = Field(default=5, ge=0)

    # Inventory: lots with stock expiring within this many days raise an EXPIRING alert (when
    # received, and in inventoryAlerts), so a practice uses or returns them before they expire
    inventory_expiry_alert_days: int = Field(default=30, ge=0, le=3650)

    # Reminders and the outbox worker (SMTP)
    reminder_lead_hours: int = 24
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "no-reply@practice.invalid"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False

    # The patient portal's accounts (app/portal/). Links in emails point at the portal's front
    # end, which posts the token back: activation (?invitation=) and reset (?reset=) pages.
    portal_base_url: str = "http://localhost:8000/portal"
    # An invitation is a standing key to a patient's records until used: keep it short-lived.
    portal_invitation_hours: int = Field(default=72, ge=1)
    # A reset link takes over an account: shorter still.
    password_reset_minutes: int = Field(default=60, ge=5)
    # The age at which a PARENT proxy link stops (the patient keeps their own confidentiality
    # from then on); None: parent links run to their end date only. Applied when a link is
    # granted (its end is the earlier of its end date and that birthday, midnight practice time).
    proxy_parent_access_until_age: int | None = Field(default=None, ge=1, le=25)
    outbox_max_attempts: int = 5
    outbox_batch_size: int = 50
    worker_poll_seconds: float = 5.0

    # 837P claim files (app/billing/batches.py). The clearinghouse assigns the ids the practice
    # sends as (ISA06/GS02, and the submitter's NM109) and sends to (ISA08/GS03, the receiver's
    # NM109); the submitter's contact must carry a 10-digit phone (PER04) when the billing
    # provider has none on file. Files are marked test (ISA15 T) until x12_production is set,
    # so that nothing is adjudicated before the clearinghouse has certified the practice.
    x12_sender_id: str = Field(default="PRACTICE", min_length=2, max_length=15)
    x12_receiver_id: str = Field(default="CLEARINGHOUSE", min_length=2, max_length=15)
    clearinghouse_name: str = Field(default="CLEARINGHOUSE", min_length=1, max_length=60)
    x12_submitter_contact: str = Field(default="BILLING OFFICE", max_length=60)
    x12_submitter_phone: str = Field(default="5555550100", pattern=r"^\d{10}$")
    x12_production: bool = False

    # Refused calendar feed fetches (a wrong or old token, an unknown provider), counted in each
    # process: past this many per client address, or per feed path, in a window the answer is
    # 429 with Retry-After, and a client over its limit is turned away before anything is read.
    calendar_feed_max_refusals: int = Field(default=10, ge=1)
    calendar_feed_refusal_window_seconds: int = Field(default=600, ge=1)
    # Refusals audited per window from all clients together: a flood from many addresses cannot
    # fill the audit table (the refusals past it are still refused, not recorded).
    calendar_feed_max_audited_refusals: int = Field(default=100, ge=1)

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
    # Persisted queries (Apollo's APQ): a client sends the SHA-256 of a registered document
    # instead of its text. With persisted_queries_only (for production with known clients) any
    # other operation is refused, and only `practice queries register` registers documents.
    persisted_queries_only: bool = False
    # Runtime registration (authenticated callers only) is bounded so that no caller can grow
    # the table without end: a document's size, registrations per user per hour, total rows.
    persisted_query_max_bytes: int = Field(default=16_384, ge=1)
    persisted_queries_per_user_hour: int = Field(default=100, ge=0)
    persisted_queries_max_rows: int = Field(default=5_000, ge=0)
    # Registered documents kept parsed and validated in each process
    persisted_query_cache_size: int = Field(default=1_000, ge=1)
    # A registered query runs from a plan made once per document (schema/compiled.py), which
    # answers exactly as the normal executor does; off runs every operation on the normal
    # executor (to compare the two, or to rule the plan out when chasing a bug).
    compiled_operations: bool = True
    # Both default to on in development and test, and to off in production.
    introspection: bool = True
    graphiql: bool = True
    cors_origins: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> Settings:
        keys = self._field_keys_given()
        dev_secrets = (
            self.jwt_secret == _DEV_JWT_SECRET
            or not keys
            or _DEV_FIELD_KEY in keys.values()
            or _DEV_AUDIT_KEY in (self.audit_hmac_key, *self.audit_hmac_retired_keys.values())
        )
        if self.environment == "production":
            for exploratory in ("introspection", "graphiql"):
                if exploratory not in self.model_fields_set:
                    setattr(self, exploratory, False)
        if self.environment == "production" and dev_secrets:
            raise ValueError(
                "PRACTICE_JWT_SECRET, PRACTICE_FIELD_ENCRYPTION_KEYS (or "
                "PRACTICE_FIELD_ENCRYPTION_KEY) and PRACTICE_AUDIT_HMAC_KEY must be set in "
                "production"
            )
        self.field_keys  # noqa: B018  (a malformed keyring stops the process at start)
        if any(len(key) < 32 for key in self.audit_keys.values()):
            raise ValueError("PRACTICE_AUDIT_HMAC_KEY (and each retired key): base64, 32+ bytes")
        if self.audit_hmac_key_id in self.audit_hmac_retired_keys:
            raise ValueError(
                "PRACTICE_AUDIT_HMAC_KEY_ID names a retired key: give a new key a new id"
            )
        ZoneInfo(self.practice_timezone)
        return self

    def _field_keys_given(self) -> dict[str, str]:
        keys = dict(self.field_encryption_keys)
        legacy = self.field_encryption_key
        if legacy is not None and keys.setdefault(LEGACY_KEY_ID, legacy) != legacy:
            raise ValueError(
                f"PRACTICE_FIELD_ENCRYPTION_KEY is key {LEGACY_KEY_ID!r}, and "
                f"PRACTICE_FIELD_ENCRYPTION_KEYS gives {LEGACY_KEY_ID!r} another key"
            )
        return keys

    @cached_property
    def field_keys(self) -> Keyring:
        keys = self._field_keys_given() or {LEGACY_KEY_ID: _DEV_FIELD_KEY}
        current = self.field_encryption_key_id
        if current is None:
            if len(keys) != 1:
                raise ValueError(
                    "PRACTICE_FIELD_ENCRYPTION_KEY_ID must name the key new values use"
                )
            (current,) = keys
        decoded = {}
        for key_id, key in keys.items():
            try:
                decoded[key_id] = base64.b64decode(key, validate=True)
            except ValueError as error:  # binascii.Error
                raise ValueError(f"field key {key_id!r} is not base64 of 32 bytes") from error
        return Keyring(decoded, current)

    @cached_property
    def audit_keys(self) -> dict[str, bytes]:
        """The audit chain's keys by id, in the order they were used: retired ones, the current."""
        keys = {**self.audit_hmac_retired_keys, self.audit_hmac_key_id: self.audit_hmac_key}
        return {key_id: base64.b64decode(key) for key_id, key in keys.items()}

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.practice_timezone)
