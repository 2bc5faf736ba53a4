"""Minimum necessary on appointments: billing roles see the visit, not why the patient comes."""

from datetime import datetime, time, timedelta

from tests.fixtures.access import denied_to
from tests.fixtures.graphql import error_codes
from tests.fixtures.scheduling import book, make_clinic, make_patient

DETAIL = """
query($from: DateTime!, $to: DateTime!) {
  appointments(from: $from, to: $to) { id status reason notes }
}
"""


async def test_the_reason_and_notes_of_a_visit_are_for_clinicians_and_the_front_desk(
    client, runtime
):
    # given a booked visit with a reason and notes
    clinic = await make_clinic(runtime)
    patient_pk, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    day = datetime.now(clinic.tz).date() + timedelta(days=3)
    starts = datetime.combine(day, time(10), tzinfo=clinic.tz)
    await book(desk, clinic, patient, starts, reason="Panic attacks", notes="Prefers Dr. Lee")
    window = {
        "from": (starts - timedelta(hours=1)).isoformat(),
        "to": (starts + timedelta(hours=1)).isoformat(),
    }
    # when the front desk, a nurse and a biller read it
    seen = {}
    for role in ("front_desk", "nurse", "biller"):
        seen[role] = await (await client.login(role)).execute(DETAIL, **window)
    # then the biller gets the visit but not its reason or notes, and the refusal is audited
    for role in ("front_desk", "nurse"):
        assert seen[role]["data"]["appointments"][0]["reason"] == "Panic attacks"
        assert seen[role]["data"]["appointments"][0]["notes"] == "Prefers Dr. Lee"
    billed = seen["biller"]
    assert billed["data"]["appointments"][0]["status"] == "BOOKED"
    assert billed["data"]["appointments"][0]["reason"] is None
    assert billed["data"]["appointments"][0]["notes"] is None
    assert error_codes(billed) == ["FORBIDDEN", "FORBIDDEN"]
    denied = await denied_to(runtime, "biller")
    assert sorted(e.resource_type for e in denied) == ["Appointment.notes", "Appointment.reason"]
    assert {e.patient_id for e in denied} == {patient_pk}
