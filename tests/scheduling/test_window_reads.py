"""Time-window reads of appointments are index ranges on starts_at: an appointment overlapping
[a, b) starts after a minus the longest visit, so the day view reads that day's rows, not every
earlier appointment (a full scan grew 10x from 10,000 to 1,000,000 appointments)."""

from contextlib import contextmanager

from sqlalchemy import event

from app.scheduling.models import MAX_VISIT_MINUTES
from tests.fixtures.scheduling import book, days_ahead, make_clinic, make_patient

SCHEDULE = """
query Day($location: ID!, $date: Date!) {
  schedule(locationId: $location, date: $date) {
    providers { appointments { id startsAt } }
  }
}
"""
CREATE_TYPE = """
mutation($input: CreateAppointmentTypeInput!) {
  createAppointmentType(input: $input) {
    appointmentType { id } userErrors { field code }
  }
}
"""
TYPES = "query { appointmentTypes { name } }"


@contextmanager
def captured(engine):
    """Every statement sent, with its parameters."""
    sent = []

    def before(conn, cursor, statement, parameters, *args):
        sent.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)


async def _plan(runtime, statement, parameters, backend):
    """The plan the database picks for a captured statement (PostgreSQL told not to prefer a
    sequential scan, which it does on a table this small whatever the conditions)."""
    async with runtime.engine.connect() as conn:
        if backend == "sqlite":
            rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            return "\n".join(str(row[-1]) for row in rows)
        await conn.exec_driver_sql("SET enable_seqscan = off")
        rows = await conn.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        return "\n".join(row[0] for row in rows)


async def test_the_day_view_reads_its_appointments_as_a_range_of_the_starts_at_index(
    runtime, client, database_url
):
    # given a clinic with a visit on a day
    backend = "sqlite" if database_url.startswith("sqlite") else "postgres"
    desk = await client.login("front_desk")
    clinic = await make_clinic(runtime)
    day = days_ahead(clinic, 6)
    _, patient = await make_patient(runtime)
    await book(desk, clinic, patient, clinic.at(day, 9), "Exam")
    # when the front desk reads the day, capturing the SQL
    with captured(runtime.engine) as sent:
        data = await desk.data(SCHEDULE, location=clinic.location_id, date=day.isoformat())
    assert len(data["schedule"]["providers"][0]["appointments"]) == 1
    [(statement, parameters)] = [
        (s, p) for s, p in sent if "FROM appointments" in s and "location_id" in s
    ]
    # then the database reads the appointments through the location's starts_at index with a
    # lower and an upper bound on starts_at
    plan = await _plan(runtime, statement, parameters, backend)
    assert "ix_appointments_location_starts_at" in plan, plan
    if backend == "sqlite":
        assert "starts_at>? AND starts_at<?" in plan, plan
    else:
        [condition] = [line for line in plan.splitlines() if "Index Cond" in line]
        assert "starts_at >" in condition and "starts_at <" in condition, plan


async def test_no_appointment_type_is_longer_than_the_longest_visit(runtime, client):
    # given an admin
    admin = await client.login("admin")
    # when they define a type one minute longer than the longest visit
    payload = (
        await admin.data(
            CREATE_TYPE, input={"name": "Marathon", "durationMinutes": MAX_VISIT_MINUTES + 1}
        )
    )["createAppointmentType"]
    # then it is refused, and there is no such type
    assert payload == {
        "appointmentType": None,
        "userErrors": [{"field": ["durationMinutes"], "code": "INVALID_TIME_RANGE"}],
    }
    assert "Marathon" not in {t["name"] for t in (await admin.data(TYPES))["appointmentTypes"]}
    # while the longest visit itself is a valid type
    payload = (
        await admin.data(
            CREATE_TYPE, input={"name": "Long day", "durationMinutes": MAX_VISIT_MINUTES}
        )
    )["createAppointmentType"]
    assert payload["userErrors"] == [] and payload["appointmentType"]["id"]
