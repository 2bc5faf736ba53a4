"""`practice worker`: sends due outbox messages by SMTP, with retries and back-off.

Messages are claimed with a short lease (next_attempt_at) in a quick transaction, sent outside
any transaction, then marked. Several workers may run at once; a crashed worker's claims
expire and are retried. The SMTP conversation never holds a database lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import utcnow
from app.outbox.models import MessageStatus, OutboxMessage

logger = logging.getLogger("practice.worker")
LEASE = timedelta(minutes=2)


@dataclass(frozen=True)
class Batch:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes, at most an hour."""
    return timedelta(minutes=min(60, 2 ** max(attempts - 1, 0)))


async def _claim(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, now: datetime
) -> list[OutboxMessage]:
    async with sessions() as session:
        due = (
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == MessageStatus.PENDING,
                OutboxMessage.due_at <= now,
                or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
            )
            .order_by(OutboxMessage.due_at, OutboxMessage.id)
            .limit(settings.outbox_batch_size)
            .with_for_update(skip_locked=True)
        )
        ids = list((await session.scalars(due)).all())
        if not ids:
            await session.rollback()
            return []
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(next_attempt_at=now + LEASE, attempts=OutboxMessage.attempts + 1)
        )
        claimed = list(
            (
                await session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.id.in_(ids))
                    .order_by(OutboxMessage.id)
                )
            ).all()
        )
        await session.commit()
        return claimed


def _send_email(settings: Settings, message: OutboxMessage) -> None:
    email = EmailMessage()
    email["From"] = settings.smtp_sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = f"<outbox-{message.id}@practice-backend>"
    email.set_content(message.body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password or "")
        smtp.send_message(email)


async def send_due(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, now: datetime | None = None
) -> Batch:
    """Send one batch of due messages; returns what happened to them."""
    now = now or utcnow()
    sent = retried = failed = 0
    for message in await _claim(sessions, settings, now):
        values: dict[str, object]
        try:
            await asyncio.to_thread(_send_email, settings, message)
            values = {"status": MessageStatus.SENT, "sent_at": utcnow(), "last_error": None}
            sent += 1
        except (OSError, smtplib.SMTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"[:400]
            logger.warning(
                "outbox message %s not sent (attempt %s): %s", message.id, message.attempts, error
            )
            if message.attempts >= settings.outbox_max_attempts:
                values = {"status": MessageStatus.FAILED, "last_error": error}
                failed += 1
            else:
                # From the batch's clock (or later, if sending took a while).
                values = {
                    "next_attempt_at": max(now, utcnow()) + backoff(message.attempts),
                    "last_error": error,
                }
                retried += 1
        async with sessions() as session:
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == message.id).values(**values)
            )
            await session.commit()
    return Batch(sent, retried, failed)


async def run(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, stop: asyncio.Event
) -> None:
    while not stop.is_set():
        batch = await send_due(sessions, settings)
        if batch != Batch():
            logger.info(
                "outbox: %s sent, %s to retry, %s failed", batch.sent, batch.retried, batch.failed
            )
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.worker_poll_seconds)
