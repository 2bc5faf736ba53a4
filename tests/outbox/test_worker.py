"""The outbox worker against a real database and a real SMTP server on this machine: TLS is
verified, a bad message never stops the worker, two workers never send a message twice, errors
name no patient, and every message sent is audited as a disclosure."""

import asyncio
import email
import json
import logging
import ssl
import subprocess
from datetime import UTC, datetime, timedelta
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from app.audit import trail
from app.audit.models import AuditEvent
from app.outbox import worker
from app.outbox.models import MessageKind, MessageStatus, OutboxMessage
from app.transaction import unit_of_work
from tests.conftest import make_settings
from tests.fixtures.scheduling import make_patient
from tests.fixtures.server import free_port

NOW = datetime(2030, 1, 15, 9, 0, tzinfo=UTC)


class Inbox:
    """An aiosmtpd handler keeping what it is sent; refuses the recipients it is told to."""

    def __init__(self, refuse=(), stall=0.0):
        self.envelopes = []
        self.refuse = set(refuse)
        self.stall = stall

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.stall:
            await asyncio.sleep(self.stall)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self):
        return [
            (e.rcpt_tos, email.message_from_bytes(e.content, policy=default_policy))
            for e in self.envelopes
        ]

    def message_ids(self):
        return [message["Message-ID"] for _, message in self.messages()]


def serve(handler, **kwargs):
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    return controller


@pytest.fixture
def inbox():
    return Inbox()


@pytest.fixture
def smtp(inbox):
    controller = serve(inbox)
    try:
        yield controller.port
    finally:
        controller.stop()


def settings_for(database_url, port, **overrides):
    return make_settings(
        database_url,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_sender="clinic@practice.test",
        **overrides,
    )


async def add_message(runtime, recipient, patient_id=None, **fields):
    async with unit_of_work(runtime.sessions) as session:
        message = OutboxMessage(
            kind=MessageKind.APPOINTMENT_REMINDER,
            status=MessageStatus.PENDING,
            recipient=recipient,
            subject="Reminder: your appointment",
            body="See you soon.",
            due_at=NOW - timedelta(minutes=5),
            attempts=0,
            patient_id=patient_id,
            **fields,
        )
        session.add(message)
    return message.id


async def message(runtime, message_id):
    async with runtime.sessions() as session:
        return await session.get(OutboxMessage, message_id)


def test_starttls_verifies_the_certificate_and_host_name():
    context = worker.tls_context()
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True


@pytest.fixture
def self_signed(tmp_path):
    """A server TLS context with a self-signed certificate for 127.0.0.1."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    return server_context


async def test_starttls_to_a_self_signed_server_fails_and_is_retried(
    runtime, database_url, self_signed
):
    # given an SMTP server offering STARTTLS with a self-signed certificate
    inbox = Inbox()
    controller = serve(inbox, tls_context=self_signed, require_starttls=True)
    try:
        message_id = await add_message(runtime, "ada@example.org")
        settings = settings_for(database_url, controller.port, smtp_starttls=True)
        # when the worker sends
        batch = await worker.send_due(runtime.sessions, settings, now=NOW)
    finally:
        controller.stop()
    # then the certificate is refused: nothing is sent, and the message waits for a retry
    assert batch == worker.Batch(retried=1)
    assert inbox.envelopes == []
    pending = await message(runtime, message_id)
    assert pending.status == MessageStatus.PENDING
    assert pending.last_error.startswith("SSLCertVerificationError")


async def test_a_poison_message_fails_alone_and_the_batch_goes_on(
    runtime, database_url, inbox, smtp
):
    # given a message whose address cannot even be put in a header, then a good one
    poison = await add_message(runtime, "a@[b.cd")
    good = await add_message(runtime, "ada@example.org")
    settings = settings_for(database_url, smtp)
    # when the worker runs
    batch = await worker.send_due(runtime.sessions, settings, now=NOW)
    # then the good one is delivered and the poison one failed at once, not to be retried
    assert batch == worker.Batch(sent=1, failed=1)
    assert [recipients for recipients, _ in inbox.messages()] == [["ada@example.org"]]
    assert inbox.message_ids() == [f"<outbox-{good}@practice-backend>"]
    failed = await message(runtime, poison)
    assert (failed.status, failed.attempts) == (MessageStatus.FAILED, 1)
    assert failed.last_error.startswith("Unbuildable") and "b.cd" not in failed.last_error
    assert (await message(runtime, good)).status == MessageStatus.SENT
    assert await worker.send_due(runtime.sessions, settings, now=NOW + timedelta(days=1)) == (
        worker.Batch()
    )


async def test_two_workers_send_each_message_exactly_once(runtime, database_url, inbox, smtp):
    # given more due messages than one batch
    ids = [await add_message(runtime, f"patient{i}@example.org") for i in range(8)]
    settings = settings_for(database_url, smtp, outbox_batch_size=5)
    # when two workers run at once, twice each
    for _ in range(2):
        batches = await asyncio.gather(
            worker.send_due(runtime.sessions, settings, now=NOW),
            worker.send_due(runtime.sessions, settings, now=NOW),
        )
    # then every message was delivered once, and claimed once
    assert sorted(inbox.message_ids()) == sorted(f"<outbox-{i}@practice-backend>" for i in ids)
    assert sum(b.sent for b in batches) <= 8
    for message_id in ids:
        sent = await message(runtime, message_id)
        assert (sent.status, sent.attempts) == (MessageStatus.SENT, 1)


def test_a_claim_outlives_the_longest_conversation():
    assert timedelta(seconds=worker.SEND_DEADLINE) < worker.LEASE
    assert worker.SEND_DEADLINE > worker.SMTP_TIMEOUT


async def test_a_stalled_server_is_cut_off_at_the_deadline(runtime, database_url, monkeypatch):
    # given a server that stalls after the message's data, and a short deadline
    monkeypatch.setattr(worker, "SEND_DEADLINE", 0.5)
    inbox = Inbox(stall=5)
    controller = serve(inbox)
    try:
        message_id = await add_message(runtime, "ada@example.org")
        settings = settings_for(database_url, controller.port)
        # when the worker sends
        started = asyncio.get_running_loop().time()
        batch = await worker.send_due(runtime.sessions, settings, now=NOW)
        elapsed = asyncio.get_running_loop().time() - started
    finally:
        controller.stop()
    # then it gives up at the deadline, well before the server answers, to retry later
    assert batch == worker.Batch(retried=1)
    assert elapsed < 4
    assert (await message(runtime, message_id)).status == MessageStatus.PENDING


async def test_a_lost_claim_is_not_overwritten(runtime, database_url, inbox, smtp, caplog):
    # given a message this worker claimed, whose lease then passed to another worker
    message_id = await add_message(runtime, "ada@example.org")
    claimed = await worker._claim_one(runtime.sessions, NOW)
    assert claimed is not None and claimed.attempts == 1
    async with unit_of_work(runtime.sessions) as session:
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id).values(attempts=2)
        )
    # when this worker finishes sending it
    caplog.set_level(logging.WARNING, logger="practice.worker")
    outcome = await worker._deliver(
        runtime.sessions, settings_for(database_url, smtp), claimed, NOW
    )
    # then the other worker's claim stands, and the loss is logged
    assert outcome == MessageStatus.SENT
    current = await message(runtime, message_id)
    assert (current.status, current.attempts) == (MessageStatus.PENDING, 2)
    assert "claim (attempt 1) lost" in caplog.text


async def test_a_refused_recipient_is_not_named_in_the_log_or_the_error(
    runtime, database_url, caplog
):
    # given a server that does not know the recipient
    address = "private.person@example.org"
    inbox = Inbox(refuse={address})
    controller = serve(inbox)
    caplog.set_level(logging.DEBUG, logger="practice")
    try:
        message_id = await add_message(runtime, address)
        settings = settings_for(database_url, controller.port)
        # when the worker tries to send
        batch = await worker.send_due(runtime.sessions, settings, now=NOW)
    finally:
        controller.stop()
    # then the error is kept as its type and code only
    assert batch == worker.Batch(retried=1)
    pending = await message(runtime, message_id)
    assert pending.last_error == "SMTPRecipientsRefused 550"
    worker_log = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("practice"))
    assert "SMTPRecipientsRefused 550" in worker_log
    assert "private.person" not in worker_log and "example.org" not in worker_log


async def test_a_sent_message_is_audited_as_a_disclosure(runtime, database_url, inbox, smtp):
    # given a due message to a patient
    patient_id, _ = await make_patient(runtime, email="ada@example.org")
    message_id = await add_message(runtime, "ada@example.org", patient_id=patient_id)
    # when the worker sends it
    batch = await worker.send_due(runtime.sessions, settings_for(database_url, smtp), now=NOW)
    assert batch == worker.Batch(sent=1)
    # then the disclosure is in the audit trail, by the worker, and the chain holds
    async with runtime.sessions() as session:
        [event] = (
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "disclose"))
        ).all()
        report = await trail.verify(session, runtime.settings)
    assert (event.resource_type, event.resource_id, event.patient_id) == (
        "OutboxMessage",
        str(message_id),
        patient_id,
    )
    assert (event.actor_username, event.actor_roles, event.actor_user_id) == (
        "outbox-worker",
        "system",
        None,
    )
    assert json.loads(event.detail) == {"kind": "appointment_reminder", "channel": "email"}
    assert report.ok and report.checked >= 1


async def test_failures_are_not_audited_as_disclosures(runtime, database_url):
    # given a due message and no SMTP server listening
    await add_message(runtime, "ada@example.org")
    settings = settings_for(database_url, free_port())
    # when the worker fails to send it
    assert await worker.send_due(runtime.sessions, settings, now=NOW) == worker.Batch(retried=1)
    # then nothing was disclosed
    async with runtime.sessions() as session:
        disclosed = (
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "disclose"))
        ).all()
    assert disclosed == []
