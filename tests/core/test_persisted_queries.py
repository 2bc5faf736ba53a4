"""Persisted queries, as Apollo's automatic persisted queries speak them (issue 9): a hash
alone runs a registered document, over POST, GET and WebSocket; registration needs a signed-in
caller and the document's own hash; `persisted_queries_only` runs registered documents only."""

import hashlib
import json

from sqlalchemy import func, select
from starlette.testclient import TestClient

from app.persisted_queries import PersistedQuery
from tests.conftest import make_settings
from tests.core.test_cli import practice
from tests.fixtures.cli import practice_in_process
from tests.fixtures.graphql import LOGIN, app_for, error_codes

ME = "query Me { me { username fullName roles } }"
PATIENTS = "query Patients($first: Int) { patients(first: $first) { totalCount } }"


def sha(document):
    return hashlib.sha256(document.encode()).hexdigest()


def persisted(document, query=None, **variables):
    body = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha(document)}}}
    if query is not None:
        body["query"] = query
    if variables:
        body["variables"] = variables
    return body


async def send(client, body, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.http.post("/graphql", json=body, headers=headers)


async def registered(runtime):
    async with runtime.reads() as session:
        return await session.scalar(select(func.count()).select_from(PersistedQuery))


async def test_a_hash_runs_the_document_once_it_is_registered(client, runtime):
    # given
    nurse = await client.login("nurse")
    # when the client sends the hash, then the document with it, then the hash alone
    unknown = await send(client, persisted(ME), nurse.token)
    registering = await send(client, persisted(ME, ME), nurse.token)
    by_hash = await send(client, persisted(ME), nurse.token)
    plain = await nurse.execute(ME)
    # then
    assert unknown.status_code == 200
    assert unknown.json() == {
        "data": None,
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ],
    }
    assert registering.status_code == by_hash.status_code == 200
    assert registering.json() == by_hash.json() == plain
    assert plain["data"]["me"]["username"] == "nurse"
    async with runtime.reads() as session:
        row = await session.get(PersistedQuery, sha(ME))
    assert row.document == ME and row.registered_by == "user:nurse"


async def test_get_sends_the_hash_and_variables_in_the_query_string(client):
    # given a document registered over POST
    nurse = await client.login("nurse")
    await send(client, persisted(PATIENTS, PATIENTS, first=5), nurse.token)
    # when
    response = await client.http.get(
        "/graphql",
        params={
            "extensions": json.dumps(persisted(PATIENTS)["extensions"]),
            "variables": json.dumps({"first": 5}),
        },
        headers={"Authorization": f"Bearer {nurse.token}", "Accept": "*/*"},  # not GraphiQL
    )
    # then
    assert response.status_code == 200
    assert response.json() == await nurse.execute(PATIENTS, first=5)


async def test_a_document_with_another_hash_is_refused_and_not_registered(client, runtime):
    # given
    nurse = await client.login("nurse")
    body = persisted(ME, PATIENTS)
    # when
    response = await send(client, body, nurse.token)
    # then
    assert response.status_code == 400
    assert error_codes(response.json()) == ["PROVIDED_SHA_DOES_NOT_MATCH"]
    assert response.json()["data"] is None
    assert await registered(runtime) == 0


async def test_an_anonymous_caller_runs_a_document_but_does_not_register_it(client, runtime):
    # when
    response = await send(client, persisted(ME, ME))
    # then it runs as sent (and finds nobody signed in), and nothing was stored
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]
    assert await registered(runtime) == 0


async def test_registrations_per_user_per_hour_are_bounded(database_url):
    # given one registration an hour
    settings = make_settings(database_url, persisted_queries_per_user_hour=1)
    async with app_for(settings) as (client, runtime):
        nurse = await client.login("nurse")
        # when
        await send(client, persisted(ME, ME), nurse.token)
        second = await send(client, persisted(PATIENTS, PATIENTS), nurse.token)
        by_hash = await send(client, persisted(PATIENTS), nurse.token)
        # then the second runs, unregistered
        assert second.json() == {"data": {"patients": {"totalCount": 0}}}
        assert error_codes(by_hash.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
        assert await registered(runtime) == 1


async def test_a_document_too_large_or_invalid_is_not_registered(database_url):
    # given
    settings = make_settings(database_url, persisted_query_max_bytes=40)
    async with app_for(settings) as (client, runtime):
        nurse = await client.login("nurse")
        invalid = "{ nobody }"
        # when
        large = await send(client, persisted(PATIENTS, PATIENTS), nurse.token)
        wrong = await send(client, persisted(invalid, invalid), nurse.token)
        # then
        assert large.json() == {"data": {"patients": {"totalCount": 0}}}
        assert error_codes(wrong.json()) == ["GRAPHQL_VALIDATION_FAILED"]
        assert await registered(runtime) == 0


async def test_registered_only_runs_what_the_cli_registered(database_url, tmp_path):
    # given LOGIN and ME registered ahead of time, from files and a manifest
    (tmp_path / "login.graphql").write_text(LOGIN)
    (tmp_path / "me.graphql").write_text(ME)
    (tmp_path / "manifest.json").write_text(json.dumps({sha(PATIENTS): PATIENTS}))
    files = [str(tmp_path / name) for name in ("login.graphql", "me.graphql", "manifest.json")]
    done = practice(database_url, "queries", "register", *files)
    assert done.returncode == 0, done.stderr
    assert f"{sha(ME)}  registered" in done.stdout
    listed = practice(database_url, "queries", "list")
    assert all(sha(d) in listed.stdout for d in (LOGIN, ME, PATIENTS)), listed.stdout
    settings = make_settings(database_url, persisted_queries_only=True)
    async with app_for(settings) as (client, runtime):
        # when
        credentials = {"username": "nurse", "password": "demo"}
        plain_login = await send(client, {"query": LOGIN, "variables": credentials})
        login = await send(client, persisted(LOGIN, **credentials))
        token = login.json()["data"]["login"]["accessToken"]
        by_hash = await send(client, persisted(ME), token)
        with_text = await send(client, persisted(ME, ME), token)
        plain = await send(client, {"query": ME}, token)
        new = "query Other { me { username } }"
        registering = await send(client, persisted(new, new), token)
        # then
        assert by_hash.json()["data"]["me"]["username"] == "nurse"
        assert with_text.json() == by_hash.json()
        for refused in (plain_login, plain, registering):
            assert refused.status_code == 400
            assert error_codes(refused.json()) == ["PERSISTED_QUERY_REQUIRED"]
        assert await registered(runtime) == 3


def test_cli_refuses_a_hash_that_is_not_its_documents_and_an_invalid_document(
    database_url, tmp_path
):
    # given
    (tmp_path / "manifest.json").write_text(json.dumps({sha(ME): PATIENTS}))
    (tmp_path / "bad.graphql").write_text("{ nobody }")
    # when
    done = practice_in_process(
        database_url,
        "queries",
        "register",
        str(tmp_path / "manifest.json"),
        str(tmp_path / "bad.graphql"),
    )
    # then nothing is registered
    assert done.returncode == 1
    assert "is not the SHA-256 of its document" in done.stderr
    assert "Cannot query field 'nobody'" in done.stderr
    assert sha(PATIENTS) not in practice_in_process(database_url, "queries", "list").stdout


def test_a_websocket_subscribe_may_name_a_registered_document_by_hash(settings):
    # given a signed-in connection
    from app.main import create_app

    with TestClient(create_app(settings)) as http:
        login = http.post(
            "/graphql",
            json={"query": LOGIN, "variables": {"username": "nurse", "password": "demo"}},
        )
        token = login.json()["data"]["login"]["accessToken"]
        with http.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json(
                {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
            )
            assert ws.receive_json()["type"] == "connection_ack"
            # when: the hash alone, then with the document, then alone again
            answers = []
            for number, body in enumerate([persisted(ME), persisted(ME, ME), persisted(ME)]):
                ws.send_json({"type": "subscribe", "id": str(number), "payload": body})
                answers.append(ws.receive_json())
                if answers[-1]["type"] == "next":
                    assert ws.receive_json() == {"type": "complete", "id": str(number)}
    # then
    assert answers[0]["type"] == "error"
    assert answers[0]["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    me = {"me": {"username": "nurse", "fullName": "Nurse", "roles": ["nurse"]}}
    assert answers[1] == {"type": "next", "id": "1", "payload": {"data": me}}
    assert answers[2] == {"type": "next", "id": "2", "payload": {"data": me}}


async def test_a_hash_skips_parsing_bounds_validation_and_costing(client, monkeypatch):
    # given a registered document
    import schema.bounds
    import schema.cost
    import schema.prepared

    nurse = await client.login("nurse")
    await send(client, persisted(PATIENTS, PATIENTS), nurse.token)

    def refuse(*args, **kwargs):
        raise AssertionError("checked again")

    # when every check of a document would fail the request
    monkeypatch.setattr(schema.bounds, "document_errors", refuse)
    monkeypatch.setattr(schema.bounds, "validate_document", refuse)
    monkeypatch.setattr(schema.cost.QueryCost, "of", refuse)
    monkeypatch.setattr(schema.prepared.ParserCache, "on_parse", refuse)
    by_hash = await send(client, persisted(PATIENTS, first=3), nurse.token)
    as_text = await send(client, {"query": "{ patients(first: 3) { totalCount } }"}, nurse.token)
    # then the hash runs; text does not get past them
    assert by_hash.json() == {"data": {"patients": {"totalCount": 0}}}
    assert error_codes(as_text.json()) == ["INTERNAL_SERVER_ERROR"]


async def test_a_subscription_by_hash_delivers_events(server):
    # given a compliance officer's connection to a real server (the session's shared one),
    # breakGlassGranted registered on it (sent with its hash once) and then subscribed to by
    # the hash alone
    import asyncio

    import httpx
    import websockets

    from tests.fixtures.graphql import GraphQLClient
    from tests.fixtures.patients import create_patient
    from tests.patients.test_break_glass_live import GRANTED, WAIT, break_glass, receive

    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        provider = await GraphQLClient(http).login("provider")
        probe = (await create_patient(provider, familyName="Probe", givenName="Hash"))["id"]
        officer = await GraphQLClient(http).login("compliance_officer")
        desk = await GraphQLClient(http).login("front_desk")
        async with websockets.connect(server.ws_url, subprotocols=["graphql-transport-ws"]) as ws:
            init = {"Authorization": f"Bearer {officer.token}"}
            await ws.send(json.dumps({"type": "connection_init", "payload": init}))
            assert json.loads(await asyncio.wait_for(ws.recv(), WAIT))["type"] == ("connection_ack")
            events = {}
            for number, body in (("1", persisted(GRANTED, GRANTED)), ("2", persisted(GRANTED))):
                message = {"id": number, "type": "subscribe", "payload": body}
                await ws.send(json.dumps(message))
                # when grants are committed (until the subscription is live)
                for _ in range(16):
                    await break_glass(desk, probe, "Probe: is the feed live yet?")
                    try:
                        events[number] = await receive(ws, wait=0.5)
                        while events[number]["id"] != number:  # the last of the one before
                            events[number] = await receive(ws, wait=0.5)
                    except TimeoutError:
                        continue
                    break
                await ws.send(json.dumps({"id": number, "type": "complete"}))
    # then they arrive on the subscription by text and on the one by hash
    assert events["1"]["type"] == "next" and events["2"]["type"] == "next", events
    assert "errors" not in events["2"]["payload"], events
    assert events["2"]["payload"]["data"]["breakGlassGranted"]["patientId"] == probe
