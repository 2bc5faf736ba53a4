"""Reading and closing the waitlist over GraphQL: each entry with the offers of freed time made
to it and what came of them; removals and expiries audited; for the front desk and clinicians."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from app.audit.models import AuditEvent, AuditEventPatient
from app.scheduling.models import WaitlistOffer
from tests.fixtures.graphql import error_codes
from tests.fixtures.scheduling import (
    book,
    days_ahead,
    gid,
    make_clinic,
    make_patient,
    parse,
    pk_of,
    snapshot,
    wait_for_time,
)

WAITLIST = """
query($location: ID!, $status: [WaitlistStatus!], $first: Int, $after: String) {
  waitlist(locationId: $location, status: $status, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id status notes
        patient { id familyName }
        appointmentType { id } location { id } provider { id }
        offers { offeredAt startsAt endsAt state delivery provider { id } location { id } }
      }
    }
  }
}
"""
CANCEL = """
mutation($input: CancelAppointmentInput!) {
  cancelAppointment(input: $input) { userErrors { code } }
}
"""
REMOVE = """
mutation($input: WaitlistEntryIdInput!) {
  removeFromWaitlist(input: $input) {
    waitlistEntry { id status offers { state } } userErrors { field code }
  }
}
"""
EXPIRE = """
mutation($input: WaitlistEntryIdInput!) {
  expireWaitlistEntry(input: $input) {
    waitlistEntry { id status offers { state } } userErrors { field code }
  }
}
"""
ENTRY_FIELDS = """
query($location: ID!) {
  waitlist(locationId: $location, status: [WAITING, OFFERED, BOOKED, REMOVED, EXPIRED]) {
    edges { node { id status offers { state } } }
  }
}
"""


def entries(data):
    return [edge["node"] for edge in data["waitlist"]["edges"]]


async def _offered_clinic(runtime, client):
    """A cancelled 10:00 visit offered to the first of three waiting patients (the second has
    no email address); returns what the tests need."""
    clinic = await make_clinic(runtime)
    day = days_ahead(clinic, 5)
    desk = await client.login("front_desk")
    _, booked = await make_patient(runtime)
    waiting = [
        await make_patient(runtime, email=email)
        for email in ("first@example.org", None, "third@example.org")
    ]
    visit = await book(desk, clinic, booked, clinic.at(day, 10))
    windows = [(8, 12), (9, 10), (13, 16)]  # only the first holds the 10:00 visit
    entry_ids = [
        await wait_for_time(desk, clinic, patient, clinic.at(day, start), clinic.at(day, end))
        for (_, patient), (start, end) in zip(waiting, windows, strict=True)
    ]
    payload = await desk.data(CANCEL, input={"appointmentId": visit["id"], "reason": "Ill"})
    assert payload["cancelAppointment"]["userErrors"] == []
    return clinic, day, desk, waiting, entry_ids


async def test_the_waitlist_shows_entries_in_queue_order_with_their_offers(runtime, client):
    # given three waiting patients, the first offered a cancelled 10:00 visit
    clinic, day, desk, waiting, entry_ids = await _offered_clinic(runtime, client)
    # when the location's waitlist is read, then only the WAITING, then page by page
    data = await desk.data(WAITLIST, location=clinic.location_id)
    waiting_only = await desk.data(WAITLIST, location=clinic.location_id, status=["WAITING"])
    first_page = await desk.data(WAITLIST, location=clinic.location_id, first=2)
    second_page = await desk.data(
        WAITLIST,
        location=clinic.location_id,
        first=2,
        after=first_page["waitlist"]["pageInfo"]["endCursor"],
    )
    # then the open entries come in the order they were added, each with its patient
    listed = entries(data)
    assert data["waitlist"]["totalCount"] == 3
    assert [e["id"] for e in listed] == entry_ids
    assert [e["status"] for e in listed] == ["OFFERED", "WAITING", "WAITING"]
    assert [e["patient"]["id"] for e in listed] == [patient for _, patient in waiting]
    assert {e["location"]["id"] for e in listed} == {clinic.location_id}
    assert {e["appointmentType"]["id"] for e in listed} == {clinic.type_id("Consult")}
    # and the offer says which opening, when it was made, and that its email is queued
    [offer] = listed[0]["offers"]
    assert (parse(offer["startsAt"]), parse(offer["endsAt"])) == (
        clinic.at(day, 10),
        clinic.at(day, 10, 30),
    )
    assert datetime.now(UTC) - timedelta(minutes=5) < parse(offer["offeredAt"]) <= datetime.now(UTC)
    assert (offer["state"], offer["delivery"]) == ("OPEN", "PENDING")
    assert offer["provider"] == {"id": clinic.provider_id}
    assert offer["location"] == {"id": clinic.location_id}
    assert listed[1]["offers"] == listed[2]["offers"] == []
    # and a status filter and pages work
    assert [e["id"] for e in entries(waiting_only)] == entry_ids[1:]
    assert [e["id"] for e in entries(first_page)] == entry_ids[:2]
    assert first_page["waitlist"]["pageInfo"]["hasNextPage"] is True
    assert [e["id"] for e in entries(second_page)] == entry_ids[2:]


async def test_an_offer_is_accepted_when_the_patient_books_the_offered_time(runtime, client):
    # given the first patient offered 10:00, the next (no email) offered a freed 09:00
    clinic, day, desk, waiting, entry_ids = await _offered_clinic(runtime, client)
    _, other = await make_patient(runtime)
    visit = await book(desk, clinic, other, clinic.at(day, 9))
    await desk.data(CANCEL, input={"appointmentId": visit["id"], "reason": "Moved away"})
    # when the first patient books the offered 10:00
    await book(desk, clinic, waiting[0][1], clinic.at(day, 10))
    data = await desk.data(ENTRY_FIELDS, location=clinic.location_id)
    # then their entry is booked and its offer accepted; the second's offer still open and,
    # with no address to send it to, not sent
    by_id = {e["id"]: e for e in entries(data)}
    assert by_id[entry_ids[0]] == {
        "id": entry_ids[0],
        "status": "BOOKED",
        "offers": [{"state": "ACCEPTED"}],
    }
    second = await desk.data(WAITLIST, location=clinic.location_id, status=["OFFERED"])
    [offer] = entries(second)[0]["offers"]
    assert entries(second)[0]["id"] == entry_ids[1]
    assert (offer["state"], offer["delivery"]) == ("OPEN", "NO_ADDRESS")
    # and once the offered time has begun, an open offer has lapsed
    async with runtime.sessions() as session:
        await session.execute(
            update(WaitlistOffer)
            .where(WaitlistOffer.waitlist_entry_id == pk_of(entry_ids[1]))
            .values(
                starts_at=datetime.now(UTC) - timedelta(hours=1),
                ends_at=datetime.now(UTC) - timedelta(minutes=30),
            )
        )
        await session.commit()
    lapsed = await desk.data(WAITLIST, location=clinic.location_id, status=["OFFERED"])
    assert entries(lapsed)[0]["offers"][0]["state"] == "LAPSED"


async def test_removing_or_expiring_an_entry_closes_it_and_its_offers_and_is_audited(
    runtime, client
):
    # given an offered entry and a waiting one
    clinic, _, desk, waiting, entry_ids = await _offered_clinic(runtime, client)
    nurse = await client.login("nurse")
    # when the front desk removes the offered one and a nurse expires a waiting one
    removed = (await desk.data(REMOVE, input={"waitlistEntryId": entry_ids[0]}))[
        "removeFromWaitlist"
    ]
    expired = (await nurse.data(EXPIRE, input={"waitlistEntryId": entry_ids[2]}))[
        "expireWaitlistEntry"
    ]
    # then each is closed, and the open offer with it
    assert removed == {
        "waitlistEntry": {"id": entry_ids[0], "status": "REMOVED", "offers": [{"state": "CLOSED"}]},
        "userErrors": [],
    }
    assert expired == {
        "waitlistEntry": {"id": entry_ids[2], "status": "EXPIRED", "offers": []},
        "userErrors": [],
    }
    open_entries = entries(await desk.data(WAITLIST, location=clinic.location_id))
    assert [e["id"] for e in open_entries] == [entry_ids[1]]
    # and each change is in the audit trail, by whom, against the patient
    async with runtime.sessions() as session:
        changes = (
            await session.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.action == "update",
                    AuditEvent.resource_type == "WaitlistEntry",
                )
                .order_by(AuditEvent.seq)
            )
        ).all()
    assert [(e.resource_id, e.actor_username, e.patient_id, e.detail) for e in changes] == [
        (str(pk_of(entry_ids[0])), "front_desk", waiting[0][0], '{"status": "REMOVED"}'),
        (str(pk_of(entry_ids[2])), "nurse", waiting[2][0], '{"status": "EXPIRED"}'),
    ]


async def test_closing_a_closed_or_unknown_entry_is_refused_and_writes_nothing(runtime, client):
    # given a removed entry
    clinic, _, desk, _, entry_ids = await _offered_clinic(runtime, client)
    await desk.data(REMOVE, input={"waitlistEntryId": entry_ids[0]})
    before = await snapshot(runtime)
    # when it is removed or expired again, or an entry that does not exist is
    attempts = [
        (REMOVE, "removeFromWaitlist", entry_ids[0]),
        (EXPIRE, "expireWaitlistEntry", entry_ids[0]),
        (EXPIRE, "expireWaitlistEntry", gid("WaitlistEntry", 99_999)),
        (REMOVE, "removeFromWaitlist", clinic.location_id),
    ]
    answers = [
        (await desk.data(document, input={"waitlistEntryId": entry}))[name]
        for document, name, entry in attempts
    ]
    # then each is a userError and nothing changed
    assert [(a["waitlistEntry"], a["userErrors"]) for a in answers] == [
        (None, [{"field": ["waitlistEntryId"], "code": "INVALID_TRANSITION"}]),
        (None, [{"field": ["waitlistEntryId"], "code": "INVALID_TRANSITION"}]),
        (None, [{"field": ["waitlistEntryId"], "code": "NOT_FOUND"}]),
        (None, [{"field": ["waitlistEntryId"], "code": "NOT_FOUND"}]),
    ]
    assert await snapshot(runtime) == before


async def test_the_waitlist_is_for_the_front_desk_and_clinicians_and_its_reads_audited(
    runtime, client
):
    # given a waitlist
    clinic, _, _, waiting, entry_ids = await _offered_clinic(runtime, client)
    # when each role reads it and tries to close an entry
    roles = ("front_desk", "provider", "nurse", "admin", "biller", "inventory_manager")
    callers = {role: await client.login(role) for role in roles}
    reads, writes = {}, {}
    for role, caller in callers.items():
        body = await caller.execute(WAITLIST, location=clinic.location_id)
        reads[role] = error_codes(body) or len(entries(body["data"]))
    for role, caller in callers.items():
        body = await caller.execute(EXPIRE, input={"waitlistEntryId": entry_ids[1]})
        writes[role] = error_codes(body) or body["data"]["expireWaitlistEntry"]["userErrors"]
    # then only those who book and see patients read it or close entries
    assert reads == {
        "front_desk": 3,
        "provider": 3,
        "nurse": 3,
        "admin": ["FORBIDDEN"],
        "biller": ["FORBIDDEN"],
        "inventory_manager": ["FORBIDDEN"],
    }
    assert writes["front_desk"] == []  # the first to try expires it; the others find it closed
    assert {role: writes[role] for role in ("admin", "biller", "inventory_manager")} == {
        "admin": ["FORBIDDEN"],
        "biller": ["FORBIDDEN"],
        "inventory_manager": ["FORBIDDEN"],
    }
    # and every entry and offer read is audited against its patient (a request's reads of one
    # kind are one event, its patients linked in audit_event_patients)
    async with runtime.sessions() as session:
        audited = set(
            (
                await session.execute(
                    select(
                        AuditEvent.actor_username,
                        AuditEvent.resource_type,
                        AuditEventPatient.patient_id,
                    )
                    .join(AuditEventPatient, AuditEventPatient.event_seq == AuditEvent.seq)
                    .where(AuditEvent.action == "read")
                )
            ).all()
        )
    for role in ("front_desk", "provider", "nurse"):
        assert {(role, "WaitlistEntry", pk) for pk, _ in waiting} <= audited
        assert (role, "WaitlistOffer", waiting[0][0]) in audited


async def test_the_waitlist_takes_the_same_statements_for_any_number_of_entries(
    runtime, client, statements, database_url
):
    # given a location with one offered entry, and one with three entries
    clinic, day, desk, _, _ = await _offered_clinic(runtime, client)
    single = await make_clinic(runtime)
    _, booked = await make_patient(runtime)
    _, patient = await make_patient(runtime)
    visit = await book(desk, single, booked, single.at(day, 10))
    await wait_for_time(desk, single, patient, single.at(day, 8), single.at(day, 12))
    await desk.data(CANCEL, input={"appointmentId": visit["id"], "reason": "Ill"})
    # when each waitlist is read with its patients, types, places and offers
    with statements() as one:
        small = await desk.data(WAITLIST, location=single.location_id)
    with statements() as three:
        large = await desk.data(WAITLIST, location=clinic.location_id)
    # then both take the same statements: the caller, the location, the count, the entries;
    # patients, types, locations, providers, offers and their messages (one loader each); the
    # audit trail's head, the insert of the reads and of their patients (PostgreSQL also takes
    # the chain's lock)
    expected = {"sqlite": 13, "postgres": 14}["sqlite" if "sqlite" in database_url else "postgres"]
    assert one.count == three.count == expected, (one.statements, three.statements)
    assert len(entries(small)) == 1 and len(entries(large)) == 3
    assert [len(e["offers"]) for e in entries(large)] == [1, 0, 0]
