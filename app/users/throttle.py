"""Sign-in throttling: growing delays per client address, username and pair, never a lockout.

Three keys are counted for every attempt, whether the username exists or not (so throttling
tells nothing about which accounts exist):
- the (username, address) pair: an attacker's guesses at one account from one place are
  stopped after a few failures, while the same account from anywhere else is untouched;
- the address, over every username: spraying many usernames from one place is stopped;
- the username, over every address: a distributed attack is slowed, with a short bounded
  delay, so the real user signing in elsewhere waits seconds at worst, and never is locked out.
An attempt refused because a key is waiting checks no password and counts no failure.

The rows live in the database (every instance shares them) and are locked for the whole
attempt, in one fixed order, so concurrent guesses are counted one after another and none
slips past the limit (SQLite's BEGIN IMMEDIATE serializes the writers anyway).
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.users.models import LoginThrottle


class Kind(enum.StrEnum):
    ACCOUNT = "account"
    ADDRESS = "address"
    PAIR = "pair"


@dataclass(frozen=True)
class _Rule:
    free_failures: int
    max_delay_seconds: float


def _rules(settings: Settings) -> dict[Kind, _Rule]:
    return {
        Kind.PAIR: _Rule(settings.login_pair_free_failures, settings.login_max_delay_seconds),
        Kind.ADDRESS: _Rule(settings.login_address_free_failures, settings.login_max_delay_seconds),
        Kind.ACCOUNT: _Rule(
            settings.login_account_free_failures, settings.login_account_max_delay_seconds
        ),
    }


def key_hash(settings: Settings, kind: Kind, key: str) -> str:
    """An HMAC, not a plain hash: what people type as a username (sometimes their password)
    cannot be recovered from the table by guessing."""
    secret = hashlib.sha256(b"login-throttle\x00" + settings.jwt_secret.encode()).digest()
    return hmac.new(secret, f"{kind}\x00{key}".encode(), hashlib.sha256).hexdigest()


def _keys(username: str, ip: str | None) -> dict[Kind, str]:
    address = ip or "unknown"
    return {Kind.ACCOUNT: username, Kind.ADDRESS: address, Kind.PAIR: f"{username}\x00{address}"}


@dataclass
class Throttle:
    """The locked rows of one attempt."""

    settings: Settings
    rows: dict[Kind, LoginThrottle]

    def retry_after(self, now: datetime) -> int | None:
        """Seconds until every key allows an attempt again; None when they all allow one now."""
        waits = [
            (row.blocked_until - now).total_seconds()
            for row in self.rows.values()
            if row.blocked_until is not None and row.blocked_until > now
        ]
        return max(1, math.ceil(max(waits))) if waits else None

    def fail(self, now: datetime) -> None:
        """Count a failure on every key; past a key's free failures it waits, longer each time."""
        memory = timedelta(minutes=self.settings.login_failure_memory_minutes)
        for kind, row in self.rows.items():
            rule = _rules(self.settings)[kind]
            if row.last_failure_at is not None and row.last_failure_at < now - memory:
                row.failures = 0
            row.failures += 1
            row.last_failure_at = now
            beyond = row.failures - rule.free_failures
            if beyond >= 0:
                delay = self.settings.login_base_delay_seconds * 2 ** min(beyond, 32)
                row.blocked_until = now + timedelta(seconds=min(delay, rule.max_delay_seconds))

    def forgive(self) -> None:
        """After a sign-in: the account's and the pair's failures go. The address's stay (signing
        in to one's own account must not buy more guesses at others'). The rows stay too: one
        deleted here could be what a concurrent attempt is waiting to lock."""
        for kind in (Kind.ACCOUNT, Kind.PAIR):
            row = self.rows[kind]
            row.failures, row.last_failure_at, row.blocked_until = 0, None, None


async def hold(
    session: AsyncSession, settings: Settings, username: str, ip: str | None
) -> Throttle:
    """Lock (creating them where missing) the rows of this attempt's keys, in a fixed order so
    that two attempts sharing keys never wait on each other in a cycle."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    hashes = {kind: key_hash(settings, kind, key) for kind, key in _keys(username, ip).items()}
    rows: dict[Kind, LoginThrottle] = {}
    for kind, digest in sorted(hashes.items(), key=lambda item: (item[0].value, item[1])):
        await session.execute(
            insert(LoginThrottle)
            .values(kind=kind.value, key_hash=digest, failures=0)
            .on_conflict_do_nothing(index_elements=["kind", "key_hash"])
        )
        row = await session.scalar(
            select(LoginThrottle)
            .where(LoginThrottle.kind == kind.value, LoginThrottle.key_hash == digest)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        assert row is not None
        rows[kind] = row
    return Throttle(settings, rows)
