"""The waitlist (freed time offered), reminders in the outbox, and the worker sending them to a
real SMTP server on this machine."""

import asyncio
import email
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from app.outbox import worker
from app.outbox.models import MessageKind, MessageStatus, OutboxMessage
from app.scheduling.models import ExceptionKind, WaitlistEntry, WaitlistStatus
from tests.conftest import make_settings
from tests.fixtures.graphql import app_for, gid, pk_of
from tests.fixtures.scheduling import (
    add_exception,
    book,
    days_ahead,
    make_clinic,
    make_patient,
    parse,
    rows,
    snapshot,
)
from tests.fixtures.server import free_port

ADD_TO_WAITLIST = """
mutation($input: AddToWaitlistInput!) {
  addToWaitlist(input: $input) { waitlistEntryId userErrors { field code message } }
}
"""
CANCEL = """
mutation($input: CancelAppointmentInput!) {
  cancelAppointment(input: $input) { appointments { id status } userErrors { code } }
}
"""
RESCHEDULE = """
mutation($input: RescheduleAppointmentInput!) {
  rescheduleAppointment(input: $input) { appointments { id startsAt } userErrors { code } }
}
"""
CLINICAL_REASON = "Chest pain and shortness of breath"


class Inbox:
    """An aiosmtpd handler keeping what it is sent."""

    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self):
        return [
            (e.rcpt_tos, email.message_from_bytes(e.content, policy=default_policy))
            for e in self.envelopes
        ]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


async def _reminders(runtime, appointment_id):
    return await rows(
        runtime,
        OutboxMessage,
        OutboxMessage.appointment_id == pk_of(appointment_id),
        OutboxMessage.kind == MessageKind.APPOINTMENT_REMINDER,
    )


async def test_a_cancellation_offers_the_time_to_the_matching_waitlist_entry(runtime, client):
    # given a booked 10:00 visit, and three patients waiting
    clinic = await make_clinic(runtime, types=(("Consult", 30, None), ("Long", 60, None)))
    day = days_ahead(clinic, 6)
    _, booked = await make_patient(runtime, email="booked@example.org")
    waiting = [await make_patient(runtime, email=f"waiting{i}@example.org") for i in range(3)]
    desk = await client.login("front_desk")
    visit = await book(desk, clinic, booked, clinic.at(day, 10), reason=CLINICAL_REASON)
    wants = [
        # any provider, that morning: matches
        {
            "appointmentTypeId": clinic.type_id("Consult"),
            "earliest": clinic.at(day, 8),
            "latest": clinic.at(day, 12),
        },
        # a window that does not hold the freed time
        {
            "appointmentTypeId": clinic.type_id("Consult"),
            "earliest": clinic.at(day, 10, 15),
            "latest": clinic.at(day, 12),
        },
        # another visit type
        {
            "appointmentTypeId": clinic.type_id("Long"),
            "earliest": clinic.at(day, 8),
            "latest": clinic.at(day, 12),
        },
    ]
    entry_ids = []
    for (_, patient), want in zip(waiting, wants, strict=True):
        payload = (
            await desk.data(
                ADD_TO_WAITLIST,
                input={
                    "patientId": patient,
                    "locationId": clinic.location_id,
                    "appointmentTypeId": want["appointmentTypeId"],
                    "earliest": want["earliest"].isoformat(),
                    "latest": want["latest"].isoformat(),
                    "notes": "Prefers mornings",
                },
            )
        )["addToWaitlist"]
        assert payload["userErrors"] == []
        entry_ids.append(payload["waitlistEntryId"])
    # when the visit is cancelled
    payload = (
        await desk.data(CANCEL, input={"appointmentId": visit["id"], "reason": "Travelling"})
    )["cancelAppointment"]
    assert payload["userErrors"] == []
    # then only the matching entry is offered, and an offer is in the outbox for that patient
    entries = {gid("WaitlistEntry", e.id): e.status for e in await rows(runtime, WaitlistEntry)}
    assert [entries[i] for i in entry_ids] == [
        WaitlistStatus.OFFERED,
        WaitlistStatus.WAITING,
        WaitlistStatus.WAITING,
    ]
    offers = await rows(runtime, OutboxMessage, OutboxMessage.kind == MessageKind.WAITLIST_OFFER)
    assert [(o.recipient, o.status, o.patient_id) for o in offers] == [
        ("waiting0@example.org", MessageStatus.PENDING, waiting[0][0])
    ]
    assert offers[0].due_at <= datetime.now(UTC)
    assert clinic.location_name in offers[0].body
    assert clinic.at(day, 10).strftime("%-I:%M %p") in offers[0].body
    assert CLINICAL_REASON not in offers[0].body


async def test_waitlist_entries_that_break_the_rules_are_refused(runtime, client):
    clinic = await make_clinic(runtime)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    day = days_ahead(clinic, 3)
    base = {
        "patientId": patient,
        "locationId": clinic.location_id,
        "appointmentTypeId": clinic.type_id("Consult"),
        "earliest": clinic.at(day, 8).isoformat(),
        "latest": clinic.at(day, 12).isoformat(),
    }
    cases = [
        ({"latest": clinic.at(day, 7).isoformat()}, ("INVALID_TIME_RANGE", ["latest"])),
        (
            {
                "earliest": clinic.at(days_ahead(clinic, -3), 8).isoformat(),
                "latest": clinic.at(days_ahead(clinic, -2), 8).isoformat(),
            },
            ("INVALID_TIME_RANGE", ["latest"]),
        ),
        ({"earliest": clinic.at(day, 8).isoformat()[:19]}, ("INVALID_TIME_RANGE", ["earliest"])),
        ({"appointmentTypeId": gid("AppointmentType", 9999)}, ("NOT_FOUND", ["appointmentTypeId"])),
        ({"locationId": gid("Location", 9999)}, ("NOT_FOUND", ["locationId"])),
        ({"providerId": gid("Provider", 9999)}, ("NOT_FOUND", ["providerId"])),
        ({"patientId": gid("Patient", 9999)}, ("NOT_FOUND", ["patientId"])),
    ]
    for override, expected in cases:
        before = await snapshot(runtime)
        # when
        payload = (await desk.data(ADD_TO_WAITLIST, input={**base, **override}))["addToWaitlist"]
        # then
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [expected], override
        assert payload["waitlistEntryId"] is None
        assert await snapshot(runtime) == before


async def test_booking_queues_a_reminder_lead_hours_before(database_url, runtime):
    # given a practice that reminds 48 hours ahead
    clinic = await make_clinic(runtime)
    day = days_ahead(clinic, 5)
    _, patient = await make_patient(runtime, email="remind.me@example.org", given_name="Ada")
    _, no_email = await make_patient(runtime, email=None)
    async with app_for(make_settings(database_url, reminder_lead_hours=48)) as (client, _):
        desk = await client.login("front_desk")
        # when two visits are booked, one for a patient without an email address
        visit = await book(desk, clinic, patient, clinic.at(day, 10), reason=CLINICAL_REASON)
        silent = await book(desk, clinic, no_email, clinic.at(day, 11))
    # then one reminder is queued, due 48 hours before, saying where and when but not why
    [reminder] = await _reminders(runtime, visit["id"])
    assert reminder.status == MessageStatus.PENDING
    assert reminder.recipient == "remind.me@example.org"
    assert reminder.due_at == parse(visit["startsAt"]) - timedelta(hours=48)
    assert reminder.subject == f"Reminder: your appointment on {clinic.at(day, 10):%b %-d}"
    assert "Dear Ada" in reminder.body and clinic.location_name in reminder.body
    assert clinic.at(day, 10).strftime("%A, %B %-d at %-I:%M %p") in reminder.body
    assert CLINICAL_REASON not in reminder.body
    assert await _reminders(runtime, silent["id"]) == []


async def test_cancelling_cancels_the_reminder_and_rescheduling_moves_it(runtime, client):
    # given two booked visits with their reminders
    clinic = await make_clinic(runtime)
    day = days_ahead(clinic, 5)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    kept = await book(desk, clinic, patient, clinic.at(day, 10))
    dropped = await book(desk, clinic, patient, clinic.at(day, 14))
    # when one is moved a day later and the other cancelled
    new_start = clinic.at(day + timedelta(days=1), 9)
    moved = await desk.data(
        RESCHEDULE, input={"appointmentId": kept["id"], "startsAt": new_start.isoformat()}
    )
    assert moved["rescheduleAppointment"]["userErrors"] == []
    cancelled = await desk.data(CANCEL, input={"appointmentId": dropped["id"], "reason": "Ill"})
    assert cancelled["cancelAppointment"]["userErrors"] == []
    # then the moved visit's old reminder is cancelled and a new one is due 24 hours before
    reminders = await _reminders(runtime, kept["id"])
    assert [(r.status, r.due_at) for r in reminders] == [
        (MessageStatus.CANCELLED, parse(kept["startsAt"]) - timedelta(hours=24)),
        (MessageStatus.PENDING, new_start.astimezone(UTC) - timedelta(hours=24)),
    ]
    assert f"{new_start:%B %-d}" in reminders[1].body
    # and the cancelled visit's reminder is cancelled
    assert [r.status for r in await _reminders(runtime, dropped["id"])] == [MessageStatus.CANCELLED]


async def test_a_visit_within_the_lead_time_is_reminded_of_at_once(runtime, client):
    # given extra hours today, and a visit booked two hours ahead (less than the 24-hour lead)
    clinic = await make_clinic(runtime, hours={})
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    await add_exception(
        runtime,
        clinic,
        ExceptionKind.EXTRA_HOURS,
        now - timedelta(hours=1),
        now + timedelta(hours=4),
    )
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    # when it is booked
    soon = await book(desk, clinic, patient, now + timedelta(hours=2))
    # then its reminder is due now, not in the past nor after the visit
    [reminder] = await _reminders(runtime, soon["id"])
    assert now <= reminder.due_at <= datetime.now(UTC)


async def test_the_worker_sends_due_messages_to_a_real_smtp_server(
    runtime, client, smtp_server, database_url
):
    inbox, port = smtp_server
    # given a visit in five days (reminder due in four), and a visit in thirty (not due yet)
    clinic = await make_clinic(runtime)
    _, patient = await make_patient(runtime, email="ada@example.org", given_name="Ada")
    desk = await client.login("front_desk")
    soon = await book(
        desk, clinic, patient, clinic.at(days_ahead(clinic, 5), 10), reason=CLINICAL_REASON
    )
    later = await book(desk, clinic, patient, clinic.at(days_ahead(clinic, 30), 10))
    [due] = await _reminders(runtime, soon["id"])
    settings = make_settings(
        database_url, smtp_host="127.0.0.1", smtp_port=port, smtp_sender="clinic@practice.test"
    )
    # when the worker runs at the time the first reminder is due
    batch = await worker.send_due(runtime.sessions, settings, now=due.due_at + timedelta(seconds=1))
    # then that reminder went to the patient through the SMTP server, and is marked sent
    assert batch == worker.Batch(sent=1)
    [(recipients, message)] = inbox.messages()
    assert recipients == ["ada@example.org"]
    assert message["From"] == "clinic@practice.test"
    assert message["Subject"] == due.subject
    body = message.get_content()
    assert "Dear Ada" in body and clinic.location_name in body
    assert CLINICAL_REASON not in body
    [sent] = await _reminders(runtime, soon["id"])
    assert sent.status == MessageStatus.SENT and sent.sent_at is not None
    assert sent.attempts == 1 and sent.last_error is None
    # and the later reminder waits
    [waiting] = await _reminders(runtime, later["id"])
    assert waiting.status == MessageStatus.PENDING
    # and running again sends nothing twice
    again = await worker.send_due(runtime.sessions, settings, now=due.due_at + timedelta(seconds=2))
    assert again == worker.Batch() and len(inbox.envelopes) == 1


async def test_practice_worker_once_sends_a_waitlist_offer(
    runtime, client, smtp_server, database_url
):
    inbox, port = smtp_server
    # given a waiting patient and a cancelled matching visit: the offer is due now
    clinic = await make_clinic(runtime)
    day = days_ahead(clinic, 3)
    _, booked = await make_patient(runtime, email=None)
    _, waiting = await make_patient(runtime, email="grace@example.org")
    desk = await client.login("front_desk")
    visit = await book(desk, clinic, booked, clinic.at(day, 10))
    entry = await desk.data(
        ADD_TO_WAITLIST,
        input={
            "patientId": waiting,
            "locationId": clinic.location_id,
            "appointmentTypeId": clinic.type_id("Consult"),
            "earliest": clinic.at(day, 9).isoformat(),
            "latest": clinic.at(day, 17).isoformat(),
        },
    )
    assert entry["addToWaitlist"]["userErrors"] == []
    await desk.data(CANCEL, input={"appointmentId": visit["id"], "reason": "Work"})
    # when `practice worker --once` runs against the database
    env = {
        **os.environ,
        "PRACTICE_DATABASE_URL": database_url,
        "PRACTICE_ENVIRONMENT": "test",
        "PRACTICE_SMTP_HOST": "127.0.0.1",
        "PRACTICE_SMTP_PORT": str(port),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sys; from app.cli import main; sys.exit(main())",
        "worker",
        "--once",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    # then it says what it did, and the offer reached the waiting patient
    assert process.returncode == 0, err.decode()
    assert out.decode().strip() == "sent 1, to retry 0, failed 0"
    [(recipients, message)] = inbox.messages()
    assert recipients == ["grace@example.org"]
    assert message["Subject"] == "An earlier appointment is available"
    [offer] = await rows(runtime, OutboxMessage, OutboxMessage.kind == MessageKind.WAITLIST_OFFER)
    assert offer.status == MessageStatus.SENT


async def test_undeliverable_messages_are_retried_then_failed(runtime, client, database_url):
    # given a due reminder and no SMTP server listening; two attempts allowed
    clinic = await make_clinic(runtime)
    _, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    visit = await book(desk, clinic, patient, clinic.at(days_ahead(clinic, 5), 10))
    [reminder] = await _reminders(runtime, visit["id"])
    settings = make_settings(
        database_url, smtp_host="127.0.0.1", smtp_port=free_port(), outbox_max_attempts=2
    )
    first_try = reminder.due_at + timedelta(seconds=1)
    # when the worker tries
    batch = await worker.send_due(runtime.sessions, settings, now=first_try)
    # then the message waits for a retry, later
    assert batch == worker.Batch(retried=1)
    [pending] = await _reminders(runtime, visit["id"])
    assert (pending.status, pending.attempts) == (MessageStatus.PENDING, 1)
    assert pending.next_attempt_at > datetime.now(UTC)
    assert "ConnectionRefusedError" in pending.last_error
    # when the worker runs again before the retry is due, then it leaves it alone
    assert await worker.send_due(runtime.sessions, settings, now=first_try) == worker.Batch()
    # when it runs once the retry is due, and fails again: the last attempt
    batch = await worker.send_due(
        runtime.sessions, settings, now=pending.next_attempt_at + timedelta(seconds=1)
    )
    # then it is given up as failed
    assert batch == worker.Batch(failed=1)
    [failed] = await _reminders(runtime, visit["id"])
    assert (failed.status, failed.attempts) == (MessageStatus.FAILED, 2)
    assert (
        await worker.send_due(runtime.sessions, settings, now=first_try + timedelta(days=1))
        == worker.Batch()
    )
