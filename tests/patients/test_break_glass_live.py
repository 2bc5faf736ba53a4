"""breakGlassGranted over graphql-transport-ws against a real server (the session's shared
one): each committed grant is pushed to compliance officers (who, which patient, when, why);
other roles are refused."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import websockets

from tests.fixtures.graphql import GraphQLClient
from tests.fixtures.patients import create_patient

GRANTED = """
subscription {
  breakGlassGranted {
    id patientId reason grantedAt expiresAt grantedTo { username } review { finding }
  }
}
"""
BREAK_GLASS = """
mutation ($patientId: ID!, $reason: String!) {
  breakGlass(input: {patientId: $patientId, reason: $reason}) { expiresAt userErrors { code } }
}
"""
WAIT = 15  # seconds: the most any expected message may take


@asynccontextmanager
async def subscription(ws_url: str, token: str) -> AsyncIterator[Any]:
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        await ws.send(json.dumps(init))
        assert json.loads(await asyncio.wait_for(ws.recv(), WAIT))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": GRANTED}}))
        yield ws


async def receive(ws: Any, wait: float = WAIT) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), wait))
        if message["type"] == "ping":
            await ws.send(json.dumps({"type": "pong"}))
            continue
        return message


async def break_glass(client: GraphQLClient, patient_id: str, reason: str) -> None:
    payload = (await client.data(BREAK_GLASS, patientId=patient_id, reason=reason))["breakGlass"]
    assert payload["userErrors"] == [], payload


async def until_live(ws: Any, desk: GraphQLClient, probe_patient: str) -> None:
    """Break the glass on a probe patient until its grant arrives: from then on the
    subscription is live (a patient opened again does not count toward the daily limit)."""
    for _ in range(16):
        await break_glass(desk, probe_patient, "Probe: is the feed live yet?")
        try:
            message = await receive(ws, wait=0.5)
        except TimeoutError:
            continue
        assert message["type"] == "next", message
        return
    raise AssertionError("the subscription never delivered a grant")


async def test_each_grant_is_pushed_to_compliance_officers_only(server):
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        # given a compliance officer and a front desk, each subscribed
        provider = await GraphQLClient(http).login("provider")
        probe = (await create_patient(provider, familyName="Probe", givenName="Live"))["id"]
        watched = (await create_patient(provider, familyName="Watched", givenName="Live"))["id"]
        officer = await GraphQLClient(http).login("compliance_officer")
        desk = await GraphQLClient(http).login("front_desk")
        biller = await GraphQLClient(http).login("biller")
        async with subscription(server.ws_url, desk.token) as refused_ws:
            refusal = await receive(refused_ws)
        async with subscription(server.ws_url, officer.token) as ws:
            await until_live(ws, desk, probe)
            # when a biller breaks the glass on another patient
            await break_glass(biller, watched, "Claim denied, need the visit's documentation")
            # then the officer is told who, which patient, when and why
            while True:
                message = await receive(ws)
                assert message["type"] == "next" and "errors" not in message["payload"], message
                grant = message["payload"]["data"]["breakGlassGranted"]
                if grant["patientId"] != probe:
                    break
    assert grant["patientId"] == watched
    assert grant["grantedTo"] == {"username": "biller"}
    assert grant["reason"] == "Claim denied, need the visit's documentation"
    assert grant["grantedAt"] < grant["expiresAt"] and grant["review"] is None
    # and the front desk's subscription ended in FORBIDDEN, with no grant pushed to it
    assert refusal["type"] == "error"
    assert [e["extensions"]["code"] for e in refusal["payload"]] == ["FORBIDDEN"]
