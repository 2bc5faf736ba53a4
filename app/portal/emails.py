"""The portal's account emails: worded here and queued in the outbox.

Like app/notifications.py's messages they carry nothing clinical, and less: no patient name,
no visit, not even what kind of practice this is; only the practice's name and the link. The
token travels in the link's fragment (after `#`), which browsers never send to a server, so it
stays out of web server logs and Referer headers.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import utcnow
from app.outbox.models import MessageKind, MessageStatus, OutboxMessage


def new_token() -> tuple[str, str]:
    """A 256-bit token for a link, and the SHA-256 (hex) that is all the database keeps of it."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _link(settings: Settings, page: str, token: str) -> str:
    return f"{settings.portal_base_url.rstrip('/')}/{page}#token={token}"


def _until(settings: Settings, expires_at: datetime) -> str:
    return expires_at.astimezone(settings.timezone).strftime("%B %-d, %Y at %-I:%M %p %Z")


def invitation(settings: Settings, token: str, expires_at: datetime) -> tuple[str, str]:
    name = settings.practice_name
    return (
        f"Your invitation to the {name} patient portal",
        f"Hello,\n\n{name} invites you to open your account on its patient portal. Open this "
        f"link to choose a username and password:\n\n{_link(settings, 'activate', token)}\n\n"
        f"The link works once, until {_until(settings, expires_at)}. If you did not expect "
        f"this email, ignore it.\n\n{name}",
    )


def password_reset(settings: Settings, token: str, expires_at: datetime) -> tuple[str, str]:
    name = settings.practice_name
    return (
        f"Reset your {name} password",
        f"Hello,\n\nSomeone asked to reset the password of your {name} account. To choose a new "
        f"one, open this link:\n\n{_link(settings, 'reset-password', token)}\n\nThe link works "
        f"once, until {_until(settings, expires_at)}. If you did not ask, ignore this email: "
        f"your password stays as it is.\n\n{name}",
    )


def enqueue(
    session: AsyncSession,
    kind: MessageKind,
    recipient: str,
    message: tuple[str, str],
    patient_id: int | None,
) -> OutboxMessage:
    """Queue an email now; `patient_id` names whom its sending discloses something about (the
    worker audits the disclosure against them)."""
    subject, body = message
    queued = OutboxMessage(
        kind=kind,
        status=MessageStatus.PENDING,
        recipient=recipient,
        patient_id=patient_id,
        subject=subject,
        body=body,
        due_at=utcnow(),
    )
    session.add(queued)
    return queued
