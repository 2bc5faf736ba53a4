"""Single-use links of the portal's accounts: invitations and password resets.

Only a SHA-256 of each token is stored: a copy of the database opens no account. Both tables
are staff-scoped (the default): a patient login never reads them; the public mutations that
spend a token read them unscoped, by the token's hash only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamped
from app.text import LINE, MACHINE


class PatientInvitation(Timestamped, Base):
    """An invitation for a patient to open their own portal login."""

    __tablename__ = "patient_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), info=LINE)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info=MACHINE)
    expires_at: Mapped[datetime]
    # Set once, by the activation that won (or by a later invitation, which supersedes it).
    used_at: Mapped[datetime | None]
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the login it opened


class PasswordReset(Timestamped, Base):
    """A password-reset link sent to a login's email address."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info=MACHINE)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
