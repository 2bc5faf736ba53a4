"""Benchmark: how long a booking takes to reach 500 live schedule subscribers.

A real uvicorn server on an embedded PostgreSQL (demo data); N front-desk clients (default
500; `python -m bench.fanout 100` for fewer) each hold a graphql-transport-ws connection
subscribed to the demo location's `scheduleChanged` with the README's selection. Probe
bookings prove every subscription live; then one booking is made and each subscriber's
latency is its receive time minus the appointment's `updatedAt` (set just before the commit).
Prints p50/p99/max and how many received it; the last line is p99 against the 100 ms target.
The clients share this process, so their own scheduling is part of what is measured.

    python -m bench.fanout [subscribers]
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from datetime import datetime, timedelta
from typing import Any

import httpx
import websockets

from bench._support import demo_app, load, postgres
from schema.ids import to_global
from tests.fixtures.server import running_server

SUBSCRIBERS = int(sys.argv[1]) if len(sys.argv) > 1 else 500
TARGET_MS = 100
WAIT = 60.0  # seconds the booking may take to reach everyone on a loaded machine
PROBES = 10
SUBSCRIPTION = """
subscription($location: ID!) {
  scheduleChanged(locationId: $location) {
    change changedFields
    previous {
      ... on StatusBefore { status }
      ... on PlacementBefore { startsAt provider { name } room { name } }
    }
    appointment { id status startsAt updatedAt provider { name } patient { familyName } }
  }
}
"""
LOGIN = 'mutation { login(input: {username: "front_desk", password: "demo"}) { accessToken } }'
PATIENTS = "query { patients(first: 1) { edges { node { id } } } }"
SLOTS = """
query($type: ID!, $location: ID!, $from: DateTime!, $to: DateTime!) {
  availableSlots(appointmentTypeId: $type, locationId: $location, from: $from, to: $to) {
    slots { startsAt provider { id } }
  }
}
"""
BOOK = """
mutation($input: BookAppointmentInput!) {
  bookAppointment(input: $input) { appointment { id } userErrors { code message } }
}
"""


class Subscriber:
    def __init__(self) -> None:
        self.received: list[tuple[float, dict[str, Any]]] = []
        self.subscribed = asyncio.Event()

    async def run(self, ws_url: str, token: str, location: str, ready: asyncio.Semaphore) -> None:
        async with ready:
            ws = await websockets.connect(
                ws_url, subprotocols=["graphql-transport-ws"], max_queue=None
            )
            init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
            await ws.send(json.dumps(init))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            payload = {"query": SUBSCRIPTION, "variables": {"location": location}}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        self.subscribed.set()
        async with ws:
            async for raw in ws:
                message = json.loads(raw)
                if message["type"] == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                elif message["type"] == "next":
                    self.received.append((time.time(), message["payload"]))
                else:
                    raise RuntimeError(message)


async def _book(
    http: httpx.AsyncClient,
    headers: dict[str, str],
    variables: dict[str, Any],
    patient: str,
) -> str:
    """Book the first free slot of the demo location's first type."""
    body = (
        await http.post("/graphql", headers=headers, json={"query": SLOTS, "variables": variables})
    ).json()
    slot = body["data"]["availableSlots"]["slots"][0]
    booking = {
        "patientId": patient,
        "providerId": slot["provider"]["id"],
        "locationId": variables["location"],
        "appointmentTypeId": variables["type"],
        "startsAt": slot["startsAt"],
    }
    payload = (
        await http.post(
            "/graphql", headers=headers, json={"query": BOOK, "variables": {"input": booking}}
        )
    ).json()
    result = payload["data"]["bookAppointment"]
    assert not result["userErrors"], result
    return result["appointment"]["id"]


def _got(subscriber: Subscriber, appointment: str | None) -> bool:
    """Whether it received any change (None) or the change of this appointment."""
    return any(
        appointment is None or p["data"]["scheduleChanged"]["appointment"]["id"] == appointment
        for _, p in subscriber.received
    )


async def _everyone(subscribers: list[Subscriber], appointment: str | None, wait: float) -> int:
    """Wait until every subscriber got it (or `wait` passes); how many did."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if all(_got(s, appointment) for s in subscribers):
            break
        await asyncio.sleep(0.05)
    return sum(_got(s, appointment) for s in subscribers)


async def _quiet(subscribers: list[Subscriber], quiet_for: float = 2.0) -> None:
    """Wait until nothing has arrived for `quiet_for` seconds (at most WAIT)."""
    deadline, last = time.monotonic() + WAIT, -1
    while time.monotonic() < deadline:
        count = sum(len(s.received) for s in subscribers)
        if count == last:
            return
        last = count
        await asyncio.sleep(quiet_for)


async def main() -> None:
    with postgres() as server:
        app = await demo_app(server, "bench")
        await app.state.runtime.close()
        with running_server(server.url("bench")) as base:
            async with httpx.AsyncClient(base_url=base, timeout=60) as http:
                login = (await http.post("/graphql", json={"query": LOGIN})).json()
                token = login["data"]["login"]["accessToken"]
                headers = {"Authorization": f"Bearer {token}"}
                patients = (
                    await http.post("/graphql", headers=headers, json={"query": PATIENTS})
                ).json()
                patient = patients["data"]["patients"]["edges"][0]["node"]["id"]
                now = datetime.now().astimezone()
                variables = {
                    "type": str(to_global("AppointmentType", 1)),
                    "location": str(to_global("Location", 1)),
                    "from": (now + timedelta(days=2)).isoformat(),
                    "to": (now + timedelta(days=9)).isoformat(),
                }
                subscribers = [Subscriber() for _ in range(SUBSCRIBERS)]
                ready = asyncio.Semaphore(25)
                ws_url = base.replace("http", "ws", 1) + "/graphql"
                began = time.perf_counter()
                tasks = [
                    asyncio.create_task(s.run(ws_url, token, variables["location"], ready))
                    for s in subscribers
                ]
                await asyncio.gather(*(s.subscribed.wait() for s in subscribers))
                # live: a probe booking reaches everyone (the server subscribes asynchronously)
                for _ in range(PROBES):
                    await _book(http, headers, variables, patient)
                    live = await _everyone(subscribers, None, 10)
                    if live == SUBSCRIBERS:
                        break
                setup_s = time.perf_counter() - began
                await _quiet(subscribers)  # the probes' stragglers delivered before measuring
                appointment = await _book(http, headers, variables, patient)
                received = await _everyone(subscribers, appointment, WAIT)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    latencies = []
    for s in subscribers:
        for at, payload in s.received:
            found = payload["data"]["scheduleChanged"]["appointment"]
            if found["id"] == appointment:
                committed = datetime.fromisoformat(found["updatedAt"]).timestamp()
                latencies.append((at - committed) * 1000)
    latencies.sort()
    p50 = statistics.median(latencies) if latencies else float("nan")
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0.0
    print(f"{SUBSCRIBERS} subscribers: {live} live after the probes ({setup_s:.1f} s to connect)")
    print(
        f"booking reached {received}/{SUBSCRIBERS}; latency from commit p50 {p50:.0f} ms, "
        f"p99 {p99:.0f} ms, max {latencies[-1] if latencies else float('nan'):.0f} ms"
    )
    print(
        f"fan-out to {SUBSCRIBERS}: p99 {p99:.0f} ms / {TARGET_MS} ms target = ratio "
        f"{p99 / TARGET_MS:.1f}; all received: {received == SUBSCRIBERS}; {load()}"
    )


if __name__ == "__main__":
    asyncio.run(main())
