"""Malformed requests are the caller's fault: 400 (or 4400 over WebSocket), never a 500 or a
traceback in the log (issue 8)."""

import json
import logging
import warnings

import pytest
from starlette.websockets import WebSocketDisconnect

with warnings.catch_warnings():  # starlette would rather its test client used httpx2
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from tests.fixtures.graphql import error_codes

SEARCH = "query($s: String) { patients(search: $s) { totalCount } }"
HEADERS = {"Content-Type": "application/json"}
BODIES = {
    "a JSON string": b'"x"',
    "JSON null": b"null",
    "a JSON number": b"1",
    "invalid UTF-8": b'{"query": "{ __typename \xff }"}',
    "JSON nested 50,000 deep": b"[" * 50_000 + b"]" * 50_000,
    "variables nested 50,000 deep": b'{"query": "{ __typename }", "variables": '
    + b'{"a": ' * 50_000
    + b"1"
    + b"}" * 50_001,
    "a lone surrogate in a variable": json.dumps(
        {"query": SEARCH, "variables": {"s": "\ud800"}}
    ).encode(),
    "a lone surrogate in the document": json.dumps(
        {"query": '{ patients(search: "\udfff") { totalCount } }'}
    ).encode(),
    "a lone surrogate in the operation name": json.dumps(
        {"query": "{ __typename }", "operationName": "\ud800"}
    ).encode(),
}


@pytest.fixture
def errors_logged(caplog):
    caplog.set_level(logging.INFO)
    return lambda: [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
async def test_a_malformed_body_is_400(client, errors_logged, body):
    # given
    nurse = await client.login("nurse")
    headers = {**HEADERS, "Authorization": f"Bearer {nurse.token}"}
    # when
    response = await client.http.post("/graphql", content=body, headers=headers)
    # then
    assert response.status_code == 400, response.text
    assert errors_logged() == []


async def test_a_lone_surrogate_in_get_variables_is_400(client, errors_logged):
    # given
    nurse = await client.login("nurse")
    params = {"query": SEARCH, "variables": '{"s": "\\ud800"}'}
    # when
    response = await client.http.get(
        "/graphql", params=params, headers={"Authorization": f"Bearer {nurse.token}"}
    )
    # then
    assert response.status_code == 400
    assert errors_logged() == []


async def test_an_escaped_surrogate_in_a_literal_is_a_parse_error(client, errors_logged):
    # when
    body = await client.execute('{ patients(search: "\\ud800") { totalCount } }')
    # then
    assert error_codes(body) == ["GRAPHQL_PARSE_FAILED"]
    assert errors_logged() == []


async def test_surrogate_pairs_are_text(client):
    # given a real character outside the BMP, sent escaped as JSON does
    nurse = await client.login("nurse")
    # when
    body = await nurse.execute(SEARCH, s="\U0001f600")
    # then
    assert body == {"data": {"patients": {"totalCount": 0}}}


MESSAGES = {
    "an array": [],
    "a string": "x",
    "null": None,
    "a message with no type": {"id": "1"},
    "a complete with an array id": {"type": "complete", "id": []},
    "a subscribe with an array payload": {"type": "subscribe", "id": "1", "payload": []},
}


@pytest.mark.parametrize("message", MESSAGES.values(), ids=MESSAGES.keys())
def test_a_websocket_message_of_the_wrong_shape_closes_with_4400(settings, message):
    # given (a socket before connection_init: nothing here needs the database)
    from app.main import create_app

    with TestClient(create_app(settings)).websocket_connect(
        "/graphql", subprotocols=["graphql-transport-ws"]
    ) as websocket:
        # when
        websocket.send_text(json.dumps(message))
        # then
        with pytest.raises(WebSocketDisconnect) as closed:
            websocket.receive_text()
    assert closed.value.code == 4400
