"""User accounts, the roles they hold, and the refresh tokens of their sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.crypto import encrypted_column
from app.db import Base, RowScope, Timestamped
from app.text import LINE, MACHINE, NAME


class User(Timestamped, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, info=NAME)
    full_name: Mapped[str] = mapped_column(String(200), info=NAME)
    password_hash: Mapped[str] = mapped_column(String(255), info=MACHINE)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Locked by an administrator (or the system) until then; failed sign-ins never set it: they
    # are throttled in login_throttles instead, so an outsider cannot lock anyone out.
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # Where password-reset links go (portal logins: the address invited); lower case.
    email: Mapped[str | None] = mapped_column(String(254), index=True, info=LINE)

    roles: Mapped[list[UserRole]] = relationship(lazy="raise", cascade="all, delete-orphan")

    @property
    def role_names(self) -> list[str]:
        return sorted(r.role for r in self.roles)


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32), info=MACHINE)


class RefreshToken(Base):
    """One refresh token of a session; rotated on every use. Only its SHA-256 is stored.

    A session (`family_id`) ends when it has been idle too long, when it reaches its maximum age,
    or when a token that was already used is presented again (replay: the family is revoked).
    """

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[str] = mapped_column(String(36), index=True, info=MACHINE)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info=MACHINE)
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    session_expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class PatientAccess(Timestamped, Base):
    """A login's right to act for a patient: themselves, or as parent, guardian or caregiver.

    Row scope (app/authz.py) reads it on every query of a patient user, so a revoked or ended
    link stops access at once. The portal fills in invitations and proxies' rules.
    """

    __tablename__ = "patient_access"
    __row_scope__ = RowScope.LOGIN
    __table_args__ = (UniqueConstraint("user_id", "patient_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    relation: Mapped[str] = mapped_column(
        String(32), default="self", info=MACHINE
    )  # self, parent, ...
    ends_at: Mapped[datetime | None]


class LoginThrottle(Base):
    """Failed sign-ins counted per client address, per username and per (username, address).

    Keyed by an HMAC of the key (app/users/throttle.py), so the table holds no usernames (nor
    the passwords people type into the username field). A row is locked (FOR UPDATE) for the
    whole attempt, so concurrent guesses are counted one after another.
    """

    __tablename__ = "login_throttles"
    __table_args__ = (UniqueConstraint("kind", "key_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), info=MACHINE)
    key_hash: Mapped[str] = mapped_column(String(64), info=MACHINE)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime | None]
    blocked_until: Mapped[datetime | None]


class TotpCredential(Timestamped, Base):
    """A staff user's TOTP secret (RFC 6238), encrypted with the field cipher, bound to the user.

    `pending_encrypted` is an enrolment awaiting its first code; `last_step` is the time step
    of the last code accepted, so a code is never accepted twice.
    """

    __tablename__ = "totp_credentials"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret_encrypted: Mapped[bytes | None] = encrypted_column("totp:{user_id}")
    pending_encrypted: Mapped[bytes | None] = encrypted_column("totp:{user_id}")
    last_step: Mapped[int] = mapped_column(BigInteger, default=0)
