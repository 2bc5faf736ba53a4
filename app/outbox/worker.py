"""`practice worker`: sends due outbox messages by SMTP, with retries and back-off.

Each message is claimed (a lease in next_attempt_at, and attempts counted) in a quick
transaction of its own, sent outside any transaction, then marked only if the claim is still
ours. Several workers may run at once; a crashed worker's claims expire and are retried. The
SMTP conversation never holds a database lock, and a hard deadline per message keeps it shorter
than the lease, so a lease never expires while its message is still being sent.

Nothing a patient could be identified by (their address) goes into the log or last_error: only
the kind of error and the SMTP reply code.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import smtplib
import socket
import ssl
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import trail
from app.authz import Actor
from app.config import Settings
from app.db import utcnow
from app.outbox.models import MessageKind, MessageStatus, OutboxMessage
from app.transaction import unit_of_work

logger = logging.getLogger("practice.worker")

WORKER_ACTOR = Actor(user_id=None, username="outbox-worker", roles=("system",))
# Each blocking SMTP operation (connect, one reply) gives up after this many seconds...
SMTP_TIMEOUT = 30.0
# ... and a whole conversation is cut off (its socket shut down) after this many.
SEND_DEADLINE = 120.0
# A claim outlives the longest conversation, with room for the database round trips.
LEASE = timedelta(seconds=SEND_DEADLINE + 60)


@dataclass(frozen=True)
class Batch:
    sent: int = 0
    retried: int = 0
    failed: int = 0


@dataclass(frozen=True)
class Claimed:
    """What the worker needs of a claimed message; `attempts` identifies the claim."""

    id: int
    attempts: int
    kind: MessageKind
    recipient: str
    subject: str
    body: str
    patient_id: int | None


class Unbuildable(Exception):
    """The message cannot be turned into an email (a malformed address, say): never retried."""


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes, at most an hour."""
    return timedelta(minutes=min(60, 2 ** max(attempts - 1, 0)))


def tls_context() -> ssl.SSLContext:
    """Verifies the server's certificate and host name (starttls() alone verifies neither)."""
    return ssl.create_default_context()


def describe(exc: BaseException) -> str:
    """The error's type and SMTP reply code(s): never its text, which may name the recipient."""
    codes: list[int] = []
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
    elif isinstance(exc, smtplib.SMTPResponseException):
        codes = [exc.smtp_code]
    elif isinstance(exc, OSError) and isinstance(exc.errno, int):
        return f"{type(exc).__name__} errno {exc.errno}"
    return " ".join([type(exc).__name__, *map(str, codes)])


async def _claim_one(sessions: async_sessionmaker[AsyncSession], now: datetime) -> Claimed | None:
    """Claim the next due message, or None. Rows another worker is claiming are skipped."""
    due = (
        OutboxMessage.status == MessageStatus.PENDING,
        OutboxMessage.due_at <= now,
        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
    )
    async with unit_of_work(sessions) as session:
        message_id = await session.scalar(
            select(OutboxMessage.id)
            .where(*due)
            .order_by(OutboxMessage.due_at, OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if message_id is None:
            return None
        claimed = await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, *due)
            .values(next_attempt_at=now + LEASE, attempts=OutboxMessage.attempts + 1)
            .returning(
                OutboxMessage.id,
                OutboxMessage.attempts,
                OutboxMessage.kind,
                OutboxMessage.recipient,
                OutboxMessage.subject,
                OutboxMessage.body,
                OutboxMessage.patient_id,
            )
            .execution_options(synchronize_session=False)
        )
        row = claimed.first()
    return None if row is None else Claimed(*row)


def _build_email(settings: Settings, message: Claimed) -> EmailMessage:
    """The email, rendered once so that a message that cannot be rendered fails here."""
    try:
        email = EmailMessage()
        email["From"] = settings.smtp_sender
        email["To"] = message.recipient
        email["Subject"] = message.subject
        email["Message-ID"] = f"<outbox-{message.id}@practice-backend>"
        email.set_content(message.body)
        email.as_bytes()
    except Exception as exc:
        raise Unbuildable(type(exc).__name__) from None
    if not message.recipient or any(c.isspace() for c in message.recipient):
        raise Unbuildable("bad recipient")
    return email


def _send_email(settings: Settings, email: EmailMessage, recipient: str) -> None:
    """One SMTP conversation, cut off after SEND_DEADLINE seconds however slow the server."""
    smtp: smtplib.SMTP | None = None
    expired = threading.Event()

    def cut_off() -> None:
        expired.set()
        sock = smtp.sock if smtp is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    watchdog = threading.Timer(SEND_DEADLINE, cut_off)
    watchdog.daemon = True
    watchdog.start()
    try:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT)
        with smtp:
            if expired.is_set():
                raise TimeoutError("SMTP conversation exceeded its deadline")
            if settings.smtp_starttls:
                smtp.starttls(context=tls_context())
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password or "")
            smtp.send_message(email, to_addrs=[recipient])
    finally:
        watchdog.cancel()


async def _mark(
    sessions: async_sessionmaker[AsyncSession],
    message: Claimed,
    values: dict[str, object],
    *,
    disclosed: bool,
) -> None:
    """Record the outcome, if the claim is still ours; a sent message's disclosure regardless."""
    async with unit_of_work(sessions) as session:
        result = await session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message.id,
                OutboxMessage.attempts == message.attempts,
                OutboxMessage.status == MessageStatus.PENDING,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            logger.warning(
                "outbox message %s: claim (attempt %s) lost before it was marked",
                message.id,
                message.attempts,
            )
        if disclosed:
            trail.record(
                session,
                WORKER_ACTOR,
                "disclose",
                "OutboxMessage",
                message.id,
                patient_id=message.patient_id,
                detail={"kind": str(message.kind), "channel": "email"},
            )


async def _deliver(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    message: Claimed,
    now: datetime,
) -> MessageStatus:
    """Send one claimed message and mark it: SENT, PENDING (to retry) or FAILED."""
    try:
        email = _build_email(settings, message)
    except Unbuildable as exc:
        error = f"Unbuildable: {exc}"
        logger.warning("outbox message %s cannot be sent, failed: %s", message.id, error)
        await _mark(
            sessions,
            message,
            {"status": MessageStatus.FAILED, "last_error": error},
            disclosed=False,
        )
        return MessageStatus.FAILED
    try:
        await asyncio.to_thread(_send_email, settings, email, message.recipient)
    except Exception as exc:  # a transport error, or anything else: retried with back-off
        error = describe(exc)[:400]
        logger.warning(
            "outbox message %s not sent (attempt %s): %s", message.id, message.attempts, error
        )
        if message.attempts >= settings.outbox_max_attempts:
            values: dict[str, object] = {"status": MessageStatus.FAILED, "last_error": error}
            outcome = MessageStatus.FAILED
        else:
            # From the batch's clock (or later, if sending took a while).
            values = {
                "next_attempt_at": max(now, utcnow()) + backoff(message.attempts),
                "last_error": error,
            }
            outcome = MessageStatus.PENDING
        await _mark(sessions, message, values, disclosed=False)
        return outcome
    values = {"status": MessageStatus.SENT, "sent_at": utcnow(), "last_error": None}
    await _mark(sessions, message, values, disclosed=True)
    return MessageStatus.SENT


async def send_due(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, now: datetime | None = None
) -> Batch:
    """Send up to a batch of due messages, one claim at a time; returns what happened to them.

    A message that cannot be sent never stops the batch: it is retried or failed, and the
    worker goes on to the next.
    """
    now = now or utcnow()
    counts = {MessageStatus.SENT: 0, MessageStatus.PENDING: 0, MessageStatus.FAILED: 0}
    for _ in range(settings.outbox_batch_size):
        message = await _claim_one(sessions, now)
        if message is None:
            break
        counts[await _deliver(sessions, settings, message, now)] += 1
    return Batch(
        counts[MessageStatus.SENT], counts[MessageStatus.PENDING], counts[MessageStatus.FAILED]
    )


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
