"""Passwords (argon2), access tokens (JWT via joserfc), refresh-token sessions, and sign-in
(throttled, with an optional TOTP second factor)."""

from __future__ import annotations

import asyncio
import enum
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.audit import trail
from app.authz import Actor
from app.config import Settings
from app.db import utcnow
from app.errors import DomainError
from app.sessions import Bearer
from app.users import throttle as throttling
from app.users import totp
from app.users.models import RefreshToken, User

ALGORITHMS = ["HS256"]  # the allow-list: alg=none and algorithm confusion are refused


class AuthErrorCode(enum.StrEnum):
    """Why signing in, rotating a session or ending one was refused."""

    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    ACCOUNT_LOCKED = "ACCOUNT_LOCKED"
    INVALID_REFRESH_TOKEN = "INVALID_REFRESH_TOKEN"


class InvalidToken(Exception):
    """The bearer token is missing its signature, expired, for another audience, or malformed."""


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: datetime


@dataclass(frozen=True)
class AuthResult:
    """Tokens, or the refusal: returned, not raised, because a refusal's writes are kept."""

    tokens: TokenPair | None = None
    error: DomainError | None = None
    retry_after: int | None = None  # seconds, with TOO_MANY_ATTEMPTS
    enrolment: totp.Enrolment | None = None  # with TOTP_ENROLMENT_REQUIRED


class Authenticator:
    """Holds the keys and costs from Settings; one per process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._key = OctKey.import_key(settings.jwt_secret.encode())
        self.hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib
        )
        self._dummy_hash = self.hasher.hash(secrets.token_hex(8))

    # passwords ---------------------------------------------------------------------------
    def hash_password(self, password: str) -> str:
        return self.hasher.hash(password)

    async def password_matches(self, user: User, password: str) -> bool:
        """Whether `password` is the user's (asked again before a sensitive change)."""
        return await self._password_matches(user.password_hash, password)

    async def _password_matches(self, password_hash: str, password: str) -> bool:
        """argon2 is slow on purpose (~0.1 s): it runs off the event loop."""

        def verify() -> bool:
            try:
                return self.hasher.verify(password_hash, password)
            except (VerificationError, InvalidHashError):
                return False

        return await asyncio.to_thread(verify)

    # access tokens -----------------------------------------------------------------------
    def issue_access_token(
        self, user_id: int, session_id: str, now: datetime
    ) -> tuple[str, datetime]:
        """A token naming its user and session, and no roles: app/sessions.py looks up who
        that is on every operation, so the token grants nothing its session no longer has."""
        expires_at = now + timedelta(minutes=self.settings.access_token_minutes)
        claims = {
            "iss": self.settings.jwt_issuer,
            "aud": self.settings.jwt_audience,
            "sub": str(user_id),
            "sid": session_id,
            "iat": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode({"alg": "HS256", "typ": "JWT"}, claims, self._key, ALGORITHMS), expires_at

    def read_access_token(self, token: str) -> Bearer:
        """Whose user and session a validly signed, unexpired access token names (whether that
        session is still open is `app.sessions.current_actor`'s question)."""
        try:
            decoded = jwt.decode(token, self._key, algorithms=ALGORITHMS)
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": self.settings.jwt_issuer},
                aud={"essential": True, "value": self.settings.jwt_audience},
                exp={"essential": True},
                sub={"essential": True},
                sid={"essential": True},
            ).validate(decoded.claims)
            claims = decoded.claims
            # A well-signed token of another shape (from a bug or a key leak) is refused too:
            # never a 500 from int() or from a user id the database's integer cannot hold.
            subject, session_id = claims["sub"], claims["sid"]
            if not (isinstance(subject, str) and subject.isascii() and subject.isdigit()):
                raise InvalidToken("the subject is not a user id")
            if int(subject) >= 2**31:
                raise InvalidToken("the subject is out of range")
            if not (isinstance(session_id, str) and 0 < len(session_id) <= 36):
                raise InvalidToken("the session is not a session id")
            expires_at = datetime.fromtimestamp(claims["exp"], tz=utcnow().tzinfo)
        except (JoseError, ValueError, TypeError, OverflowError, OSError) as exc:
            raise InvalidToken(str(exc)) from exc
        return Bearer(user_id=int(subject), session_id=session_id, expires_at=expires_at)

    # sessions ----------------------------------------------------------------------------
    def _issue(
        self,
        session: AsyncSession,
        user: User,
        family_id: str,
        session_expires_at: datetime,
        now: datetime,
    ) -> TokenPair:
        refresh = secrets.token_urlsafe(32)
        session.add(
            RefreshToken(
                user_id=user.id,
                family_id=family_id,
                token_hash=_sha256(refresh),
                issued_at=now,
                expires_at=min(
                    now + timedelta(minutes=self.settings.refresh_token_idle_minutes),
                    session_expires_at,
                ),
                session_expires_at=session_expires_at,
            )
        )
        access, expires_at = self.issue_access_token(user.id, family_id, now)
        return TokenPair(access, refresh, expires_at)

    async def login(
        self,
        session: AsyncSession,
        username: str,
        password: str,
        ip: str | None,
        request_id: str | None = None,
        totp_code: str | None = None,
    ) -> AuthResult:
        """Check a password (and a TOTP code where the user needs one), throttling failures.

        Unlike other services this one keeps its failure writes (the throttle's counts and the
        audit event) so the caller commits whatever the outcome. Failures slow further attempts
        down per address, username and pair (app/users/throttle.py); they never lock the
        account. The throttle's rows, then the user's row, are locked (FOR UPDATE; SQLite's
        BEGIN IMMEDIATE serializes anyway) so that concurrent guesses are counted one after
        another and none slips past the throttle. A username that exists and one that does not
        get the same answers, throttled alike.
        """
        throttle = await throttling.hold(session, self.settings, username, ip)
        plausible = 0 < len(username) <= 64 and "\x00" not in username
        user = (
            await session.scalar(
                select(User)
                .options(selectinload(User.roles))
                .where(User.username == username)
                .with_for_update(of=User)
            )
            if plausible
            else None
        )
        now = utcnow()  # after the wait for the rows
        actor = Actor(
            user_id=user.id if user else None,
            username=username,
            roles=tuple(user.role_names) if user else (),
            ip=ip,
            request_id=request_id,
        )
        retry_after = throttle.retry_after(now)
        if retry_after is not None:  # no password is checked, no failure counted
            return self._refuse(session, actor, AuthErrorCode.TOO_MANY_ATTEMPTS, retry_after)
        if user is None or not user.is_active:
            await self._password_matches(self._dummy_hash, password)  # same cost as a real check
            throttle.fail(now)
            return self._refuse(session, actor, AuthErrorCode.INVALID_CREDENTIALS)
        if not await self._password_matches(user.password_hash, password):
            throttle.fail(now)
            return self._refuse(session, actor, AuthErrorCode.INVALID_CREDENTIALS)
        if user.locked_until and user.locked_until > now:  # said only to who knows the password
            throttle.fail(now)
            return self._refuse(session, actor, AuthErrorCode.ACCOUNT_LOCKED)
        challenge = await totp.second_factor(session, self.settings, user, totp_code, now)
        if challenge is not None:
            throttle.fail(now)
            return self._refuse(session, actor, challenge.code, enrolment=challenge.enrolment)
        throttle.forgive()
        if self.hasher.check_needs_rehash(user.password_hash):
            user.password_hash = await asyncio.to_thread(self.hash_password, password)
        user.last_login_at = now
        trail.record(session, actor, "login", "User", user.id)
        session_expires_at = now + timedelta(hours=self.settings.session_max_hours)
        tokens = self._issue(session, user, str(uuid.uuid4()), session_expires_at, now)
        return AuthResult(tokens=tokens)

    def _refuse(
        self,
        session: AsyncSession,
        actor: Actor,
        code: AuthErrorCode | totp.TotpErrorCode,
        retry_after: int | None = None,
        enrolment: totp.Enrolment | None = None,
    ) -> AuthResult:
        trail.record(session, actor, "login", "User", actor.user_id, outcome=code.value.lower())
        message = {
            AuthErrorCode.INVALID_CREDENTIALS: "Wrong username or password.",
            AuthErrorCode.TOO_MANY_ATTEMPTS: (
                f"Too many failed attempts; try again in {retry_after} seconds."
            ),
            AuthErrorCode.ACCOUNT_LOCKED: "The account is locked by an administrator.",
            totp.TotpErrorCode.TOTP_REQUIRED: "Enter the code from your authenticator app.",
            totp.TotpErrorCode.INVALID_TOTP_CODE: "That code is wrong, expired or already used.",
            totp.TotpErrorCode.TOTP_ENROLMENT_REQUIRED: (
                "Add this secret to your authenticator app, then log in again with its code."
            ),
        }[code]
        field = ["totp_code"] if isinstance(code, totp.TotpErrorCode) else None
        return AuthResult(
            error=DomainError(code, message, field), retry_after=retry_after, enrolment=enrolment
        )

    async def refresh(
        self,
        session: AsyncSession,
        refresh_token: str,
        ip: str | None,
        request_id: str | None = None,
    ) -> AuthResult:
        """Rotate a refresh token. Presenting a used one again revokes its whole session.

        The token's row is locked (FOR UPDATE) so that two callers presenting it at once cannot
        both rotate it: the second waits, then finds it used, which counts as a replay.
        """
        stored = await session.scalar(
            select(RefreshToken)
            .where(RefreshToken.token_hash == _sha256(refresh_token))
            .with_for_update()
        )
        now = utcnow()  # after the wait for the row
        refused = AuthResult(
            error=DomainError(
                AuthErrorCode.INVALID_REFRESH_TOKEN, "The session has ended; log in again."
            )
        )
        if stored is None:
            return refused
        user = await session.scalar(
            select(User).options(selectinload(User.roles)).where(User.id == stored.user_id)
        )
        actor = Actor(
            user_id=stored.user_id,
            username=user.username if user else "",
            roles=tuple(user.role_names) if user else (),
            ip=ip,
            request_id=request_id,
        )
        family_id = stored.family_id

        def refuse(outcome: str) -> AuthResult:
            trail.record(session, actor, "refresh", "Session", family_id, outcome=outcome)
            return refused

        if stored.revoked_at is not None:
            return refuse("revoked")
        if stored.used_at is not None:
            await _revoke_family(session, family_id, now)
            return refuse("replayed")
        if stored.expires_at <= now:
            return refuse("expired")
        if user is None or not user.is_active or (user.locked_until and user.locked_until > now):
            return refuse("account_unavailable")
        stored.used_at = now
        trail.record(session, actor, "refresh", "Session", stored.family_id)
        tokens = self._issue(session, user, stored.family_id, stored.session_expires_at, now)
        return AuthResult(tokens=tokens)

    async def logout(
        self,
        session: AsyncSession,
        refresh_token: str,
        ip: str | None,
        request_id: str | None = None,
    ) -> None:
        """End the session a refresh token belongs to (every token of it)."""
        stored = await session.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == _sha256(refresh_token))
        )
        if stored is None or stored.revoked_at is not None:
            raise DomainError(
                AuthErrorCode.INVALID_REFRESH_TOKEN,
                "No open session has this token.",
                ["refresh_token"],
            )
        await _revoke_family(session, stored.family_id, utcnow())
        actor = Actor(user_id=stored.user_id, username="", ip=ip, request_id=request_id)
        trail.record(session, actor, "logout", "Session", stored.family_id)


async def _revoke_family(session: AsyncSession, family_id: str, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
