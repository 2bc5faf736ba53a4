"""An operation past `request_timeout_seconds` is cancelled and answered OPERATION_TIMED_OUT; its
sessions are let go (a mutation's rolled back) and the server keeps serving meanwhile (issue 8).

The operations below never finish on their own (they wait on an event nobody sets): only the
deadline ends them, so nothing here depends on how fast the machine is."""

import asyncio

import pytest
from sqlalchemy import func, select, text

from app.patients import demographics
from app.patients.models import Patient
from tests.conftest import make_settings
from tests.fixtures.graphql import app_for, error_codes

SEARCH = "query($s: String) { patients(search: $s) { totalCount } }"
CREATE_PATIENT = """
mutation($input: CreatePatientInput!) {
  createPatient(input: $input) { patient { id } userErrors { code } }
}
"""
ANN = {"familyName": "Smith", "givenName": "Ann", "birthDate": "1990-01-01", "sex": "FEMALE"}
TIMEOUT = 0.5
HANG = 120  # seconds: a server with no deadline fails these tests instead of hanging them
SLEEPING = """
SELECT count(*) FROM pg_stat_activity
WHERE state = 'active' AND query LIKE '%pg_sleep(%' AND pid <> pg_backend_pid()
"""


async def test_a_query_past_the_deadline_is_stopped_and_its_session_let_go(
    database_url, monkeypatch
):
    # given a search that reads, then waits forever with its read session open
    started = asyncio.Event()

    async def stuck(session, *args, **kwargs):
        await session.execute(select(func.count()).select_from(Patient))
        started.set()
        await asyncio.Event().wait()

    monkeypatch.setattr(demographics, "search_patients", stuck)
    settings = make_settings(database_url, request_timeout_seconds=TIMEOUT)
    async with app_for(settings) as (client, runtime):
        nurse = await client.login("nurse")
        # when it runs, and the server is asked for its health meanwhile
        search = asyncio.create_task(nurse.execute(SEARCH, s="smith"))
        await started.wait()
        health = await client.http.get("/healthz")
        body = await asyncio.wait_for(search, HANG)
        # then the server answered meanwhile, and the search was stopped with a typed error
        assert health.status_code == 200
        assert body["data"] is None
        assert error_codes(body) == ["OPERATION_TIMED_OUT"]
        assert f"{TIMEOUT:g} seconds" in body["errors"][0]["message"]
        # and no connection is left checked out
        assert runtime.engine.pool.checkedout() == 0
        assert (await nurse.data("{ me { username } }")) == {"me": {"username": "nurse"}}


async def test_a_mutation_past_the_deadline_is_rolled_back(database_url, monkeypatch):
    # given a patient creation that writes, then waits forever inside its transaction
    create = demographics.create_patient

    async def stuck(*args, **kwargs):
        created = await create(*args, **kwargs)
        await asyncio.Event().wait()
        return created

    monkeypatch.setattr(demographics, "create_patient", stuck)
    settings = make_settings(database_url, request_timeout_seconds=TIMEOUT)
    async with app_for(settings) as (client, runtime):
        desk = await client.login("front_desk")
        # when
        body = await asyncio.wait_for(desk.execute(CREATE_PATIENT, input=ANN), HANG)
        # then it was stopped, nothing of it was kept, and the write lock is free again
        assert body["data"] is None
        assert error_codes(body) == ["OPERATION_TIMED_OUT"]
        assert runtime.engine.pool.checkedout() == 0
        monkeypatch.setattr(demographics, "create_patient", create)
        again = await desk.data(CREATE_PATIENT, input=ANN)
        assert again["createPatient"]["userErrors"] == []
        total = await desk.data("{ patients { totalCount } }")
        assert total == {"patients": {"totalCount": 1}}


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_statement_past_the_deadline_is_cancelled_in_postgresql(database_url, monkeypatch):
    # given a search whose statement runs for a minute
    async def slow(session, *args, **kwargs):
        await session.execute(select(func.pg_sleep(60)))

    monkeypatch.setattr(demographics, "search_patients", slow)
    settings = make_settings(database_url, request_timeout_seconds=TIMEOUT)
    async with app_for(settings) as (client, runtime):
        nurse = await client.login("nurse")
        # when
        body = await asyncio.wait_for(nurse.execute(SEARCH, s="smith"), HANG)
        # then it is stopped, and the database is not left running it
        assert error_codes(body) == ["OPERATION_TIMED_OUT"]
        assert runtime.engine.pool.checkedout() == 0
        async with runtime.engine.connect() as connection:
            sleeping = await connection.scalar(text(SLEEPING))
        assert sleeping == 0
