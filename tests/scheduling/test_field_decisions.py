"""A guarded field's policy is decided once per operation, not once per row, with the same
answers, refusals and audit as before."""

from collections import Counter

from tests.fixtures.access import denied_to
from tests.fixtures.graphql import error_codes
from tests.fixtures.patients import create_patient_record
from tests.fixtures.scheduling import book, days_ahead, make_clinic, make_patient

DAY = """
query Day($location: ID!, $date: Date!) {
  schedule(locationId: $location, date: $date) {
    providers { provider { id } appointments { id status reason notes patient { id } } }
  }
}
"""
VISITS = 4


async def _day(runtime, client, monkeypatch):
    """A day of four visits, and a count of the policy questions asked by pair."""
    clinic = await make_clinic(runtime)
    day = days_ahead(clinic, 5)
    desk = await client.login("front_desk")
    patients = [(await make_patient(runtime))[1] for _ in range(VISITS)]
    booked = [
        await book(desk, clinic, patient, clinic.at(day, 9 + i), reason=f"Reason {i}", notes="N")
        for i, patient in enumerate(patients)
    ]
    asked: Counter[tuple[str, str]] = Counter()
    can = runtime.authorizer.can

    def counting(actor, resource, action):
        asked[(resource, action)] += 1
        return can(actor, resource, action)

    monkeypatch.setattr(runtime.authorizer, "can", counting)
    return clinic, day, booked, asked


async def test_a_visits_detail_is_decided_once_per_operation_however_many_visits(
    runtime, client, monkeypatch
):
    # given a day of four visits with a reason and notes
    clinic, day, booked, asked = await _day(runtime, client, monkeypatch)
    nurse = await client.login("nurse")
    # when a nurse reads the day with each visit's reason and notes
    data = await nurse.data(DAY, location=clinic.location_id, date=day.isoformat())
    # then every reason is there, and the policy was asked about visit detail once
    visits = [a for p in data["schedule"]["providers"] for a in p["appointments"]]
    assert [a["id"] for a in visits] == [a["id"] for a in booked]
    assert [a["reason"] for a in visits] == [f"Reason {i}" for i in range(VISITS)]
    assert asked[("appointment_detail", "read")] == 1


async def test_a_refused_detail_is_still_refused_and_audited_on_every_visit(
    runtime, client, monkeypatch
):
    # given a day of four visits with a reason and notes
    clinic, day, _, asked = await _day(runtime, client, monkeypatch)
    biller = await client.login("biller")
    # when a biller (not allowed visit detail) reads the day
    body = await biller.execute(DAY, location=clinic.location_id, date=day.isoformat())
    # then each visit is there without its reason and notes, each refusal an error...
    visits = [a for p in body["data"]["schedule"]["providers"] for a in p["appointments"]]
    assert [(a["reason"], a["notes"]) for a in visits] == [(None, None)] * VISITS
    assert error_codes(body) == ["FORBIDDEN"] * 2 * VISITS
    assert asked[("appointment_detail", "read")] == 1
    # ...and a denied event against that visit's patient
    denied = await denied_to(runtime, "biller")
    assert Counter(e.resource_type for e in denied) == {
        "Appointment.reason": VISITS,
        "Appointment.notes": VISITS,
    }
    assert len({e.patient_id for e in denied}) == VISITS


NOTES = "query ($id: ID!) { patient(id: $id) { notes { id title body } } }"
BREAK_GLASS = """
mutation ($patientId: ID!) {
  breakGlass(input: {patientId: $patientId, reason: "Patient on the phone, chart needed"}) {
    userErrors { code }
  }
}
"""


async def test_a_notes_text_is_read_under_a_break_glass_grant_and_refused_without(client):
    # given a patient with a note, and the front desk (no notes by role)
    record = await create_patient_record(client)
    desk = await client.login("front_desk")
    refused = await desk.execute(NOTES, id=record.patient_id)
    # when the front desk breaks the glass and reads the notes' text
    opened = await desk.data(BREAK_GLASS, patientId=record.patient_id)
    read = await desk.data(NOTES, id=record.patient_id)
    # then it was refused before, and reads the title and body under the grant
    assert error_codes(refused) == ["FORBIDDEN"]
    assert opened["breakGlass"]["userErrors"] == []
    assert read["patient"]["notes"] == [
        {"id": record.note_id, "title": "Visit", "body": "Feels well."}
    ]
