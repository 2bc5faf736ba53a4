"""End to end against a real uvicorn server (the session's shared one, see
tests/fixtures/shared_server.py): HTTP and graphql-transport-ws over sockets."""

import asyncio
import json

import httpx
import pytest
import websockets

from tests.fixtures.graphql import LOGIN, GraphQLClient

CREATE = """
mutation($input: CreatePatientInput!) {
  createPatient(input: $input) { patient { id mrn familyName } userErrors { code } }
}
"""
ME = "{ me { username } }"
LOGOUT = """
mutation Logout($token: String!) { logout(input: {refreshToken: $token}) { ok } }
"""
FIND = """
query($search: String!) { patients(search: $search) { totalCount edges { node { mrn } } } }
"""


async def test_login_create_and_search_over_http(server):
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        # given a signed-in front desk user
        desk = await GraphQLClient(http).login("front_desk")
        # when a patient is registered and searched for
        created = await desk.data(
            CREATE,
            input={
                "familyName": "Okonkwo",
                "givenName": "Ada",
                "birthDate": "1990-04-02",
                "sex": "FEMALE",
            },
        )
        found = await desk.data(FIND, search="okonk")
    # then
    patient = created["createPatient"]["patient"]
    assert created["createPatient"]["userErrors"] == []
    assert found["patients"]["totalCount"] == 1
    assert found["patients"]["edges"][0]["node"]["mrn"] == patient["mrn"]


async def _ws_exchange(url, init_payload, message):
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": init_payload}))
        ack = json.loads(await ws.recv())
        await ws.send(json.dumps(message))
        replies = [json.loads(await ws.recv()), json.loads(await ws.recv())]
        return ack, replies


async def test_websocket_operation_authenticated_in_connection_init(server):
    # given a token
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        nurse = await GraphQLClient(http).login("nurse")
    url = server.ws_url
    # when an operation runs over graphql-transport-ws
    ack, (result, complete) = await _ws_exchange(
        url,
        {"Authorization": f"Bearer {nurse.token}"},
        {"id": "1", "type": "subscribe", "payload": {"query": "{ me { username roles } }"}},
    )
    # then
    assert ack["type"] == "connection_ack"
    assert result == {
        "id": "1",
        "type": "next",
        "payload": {"data": {"me": {"username": "nurse", "roles": ["nurse"]}}},
    }
    assert complete == {"id": "1", "type": "complete"}


async def test_websocket_without_valid_token_is_closed(server):
    url = server.ws_url
    for payload in ({}, {"Authorization": "Bearer not-a-token"}):
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
        assert closed.value.rcvd.code == 4403


async def test_websocket_closes_when_its_token_expires(server):
    # given a token of an open session that expires in two seconds, signed with the server's key
    from app.config import Settings
    from app.db import utcnow
    from tests.fixtures.auth import claims_for, session_of, sign

    async with httpx.AsyncClient(base_url=server.base_url) as http:
        admin = await GraphQLClient(http).login("admin")
    settings = Settings()
    claims = claims_for(settings, 1, session_of(admin.token), exp=int(utcnow().timestamp()) + 2)
    token = sign(claims, settings.jwt_secret)
    url = server.ws_url
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        # when the token expires, then the server closes the connection
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), timeout=10)
    assert closed.value.rcvd.code == 4401


async def test_websocket_operations_after_logout_are_refused(server):
    # given a connection opened with the access token of a session
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        login = (await GraphQLClient(http).data(LOGIN, username="nurse", password="demo"))["login"]
        url = server.ws_url
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
            authorization = {"Authorization": f"Bearer {login['accessToken']}"}
            await ws.send(json.dumps({"type": "connection_init", "payload": authorization}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            # when the session logs out, and then an operation is subscribed on the connection
            out = await GraphQLClient(http).data(LOGOUT, token=login["refreshToken"])
            assert out["logout"]["ok"]
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": ME}}))
            refused = json.loads(await ws.recv())
            # then it is refused as an anonymous caller's would be
            assert (refused["id"], refused["type"]) == ("1", "next")
            assert refused["payload"]["data"] == {"me": None}
            assert [e["extensions"]["code"] for e in refused["payload"]["errors"]] == [
                "UNAUTHENTICATED"
            ]
        # and a new connection with that token is not opened at all
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": authorization}))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
        assert closed.value.rcvd.code == 4403
