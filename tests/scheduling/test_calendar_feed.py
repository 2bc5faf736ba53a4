"""A provider's iCalendar feed: a secret URL an admin hands out; visit type, place and time,
never the patient."""

import json
from datetime import UTC
from urllib.parse import quote

from icalendar import Calendar
from sqlalchemy import select

from app.audit.models import AuditEvent
from tests.fixtures.graphql import error_codes, pk_of
from tests.fixtures.scheduling import book, days_ahead, make_clinic, make_patient, parse

FEED_PATHS = "{ providers { id name calendarFeedPath } }"
CANCEL = """
mutation($input: CancelAppointmentInput!) {
  cancelAppointment(input: $input) { userErrors { code } }
}
"""
CLINICAL_REASON = "Suspected melanoma"


async def _feed_path(client, provider_id):
    admin = await client.login("admin")
    providers = (await admin.data(FEED_PATHS))["providers"]
    return next(p["calendarFeedPath"] for p in providers if p["id"] == provider_id)


async def test_the_feed_lists_the_providers_visits_without_the_patient(runtime, client):
    # given a provider with an exam and a cancelled consult, and another provider's visit
    clinic = await make_clinic(runtime, providers=("provider", None))
    day = days_ahead(clinic, 2)
    _, patient = await make_patient(
        runtime, family_name="Zebedee", given_name="Quentin", email="quentin@example.org"
    )
    desk = await client.login("front_desk")
    exam = await book(desk, clinic, patient, clinic.at(day, 9), "Exam", reason=CLINICAL_REASON)
    consult = await book(desk, clinic, patient, clinic.at(day, 11), reason=CLINICAL_REASON)
    await desk.data(CANCEL, input={"appointmentId": consult["id"], "reason": "Better"})
    other = await book(desk, clinic, patient, clinic.at(day, 9), providerId=clinic.provider_gid(1))
    # when the admin's feed path is fetched
    path = await _feed_path(client, clinic.provider_id)
    response = await client.http.get(path)
    # then it is an iCalendar feed of the provider's two visits
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["x-wr-calname"]) == "Provider: appointments"
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {
        f"appointment-{pk_of(a['id'])}@practice-backend" for a in (exam, consult)
    }
    assert f"appointment-{pk_of(other['id'])}@practice-backend" not in events
    event = events[f"appointment-{pk_of(exam['id'])}@practice-backend"]
    assert event.decoded("dtstart").astimezone(UTC) == parse(exam["startsAt"])
    assert event.decoded("dtend").astimezone(UTC) == parse(exam["endsAt"])
    assert str(event["summary"]).startswith("Exam ")
    assert str(event["location"]) == f"{clinic.location_name}, Exam 1"
    assert str(event["status"]) == "CONFIRMED"
    cancelled = events[f"appointment-{pk_of(consult['id'])}@practice-backend"]
    assert str(cancelled["status"]) == "CANCELLED"
    # and nothing in it names the patient or the reason for the visit
    text = response.content.decode()
    for secret in ("Zebedee", "Quentin", "quentin@example.org", "melanoma"):
        assert secret.lower() not in text.lower()


async def test_a_wrong_token_or_provider_is_not_found(runtime, client):
    # given two providers and the first one's feed path
    clinic = await make_clinic(runtime, providers=(None, None))
    path = await _feed_path(client, clinic.provider_id)
    token = path.split("token=", 1)[1]
    first, second = clinic.provider_pks
    # when the feed is asked for with a wrong, missing or foreign token, or another provider
    for url in (
        f"/calendar/{first}.ics?token=not-the-token",
        f"/calendar/{first}.ics",
        f"/calendar/{first}.ics?token={token[:-1]}",
        f"/calendar/{first}.ics?token={quote('tökén')}",
        f"/calendar/{second}.ics?token={token}",
        f"/calendar/9999.ics?token={token}",
    ):
        response = await client.http.get(url)
        # then it is not found, whatever was wrong
        assert response.status_code == 404, url
    assert (await client.http.get(path)).status_code == 200


async def test_only_admins_read_the_feed_path_and_reading_the_feed_is_audited(runtime, client):
    # given a booked visit
    clinic = await make_clinic(runtime)
    patient_pk, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    visit = await book(desk, clinic, patient, clinic.at(days_ahead(clinic, 2), 10))
    # when the front desk asks for the feed paths
    body = await desk.execute(FEED_PATHS)
    # then it may not: each path is null with a FORBIDDEN error, the rest of the list is there
    assert set(error_codes(body)) == {"FORBIDDEN"}
    assert body["data"]["providers"] == [
        {
            "id": clinic.provider_id,
            "name": body["data"]["providers"][0]["name"],
            "calendarFeedPath": None,
        }
    ]
    assert body["data"]["providers"][0]["name"]
    # when the feed is read
    path = await _feed_path(client, clinic.provider_id)
    assert (await client.http.get(path)).status_code == 200
    # when it is polled again, with a second visit booked
    await book(desk, clinic, patient, clinic.at(days_ahead(clinic, 2), 11))
    assert (await client.http.get(path)).status_code == 200
    # then the trail has one read of the feed per fetch (not one per visit), from where,
    # with how many visits it held
    async with runtime.sessions() as session:
        reads = (
            await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.actor_username == f"calendar-feed:{clinic.provider_pk}")
                .order_by(AuditEvent.seq)
            )
        ).all()
    assert [
        (e.action, e.resource_type, e.resource_id, e.patient_id, e.ip, json.loads(e.detail or "{}"))
        for e in reads
    ] == [
        ("read", "CalendarFeed", str(clinic.provider_pk), None, "203.0.113.7", {"appointments": n})
        for n in (1, 2)
    ]
    assert visit["id"] and patient_pk
