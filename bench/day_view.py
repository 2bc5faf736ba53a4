"""Benchmark: the front desk's day view through the app against the same JSON from raw SQL.

On an embedded PostgreSQL, one location's day holds 50 providers x 20 visits (1,000 distinct
patients, a room each provider). `schedule(locationId, date)` with a front-desk selection goes
through the whole app (auth, GraphQL, loaders, row scope, audit); the same JSON is built by two
raw SQL statements in a bare Starlette route. Both are served over the same HTTP stack
(httpx's ASGI transport), timed in interleaved pairs; the last line is the ratio of medians
(target: at most 4).

    python -m bench.day_view
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from strawberry import relay

from app.scheduling import availability as av
from app.scheduling.models import MAX_VISIT
from bench._support import clone, demo_app, interleaved, load, postgres
from schema.ids import pk, to_global

DAY = date(2030, 1, 15)
PROVIDERS, VISITS_EACH, ROUNDS = 50, 20, 21
LOGIN = 'mutation { login(input: {username: "front_desk", password: "demo"}) { accessToken } }'
SCHEDULE = """
query Day($location: ID!, $date: Date!) {
  schedule(locationId: $location, date: $date) {
    date
    location { id name timezone }
    providers {
      provider { id name specialty }
      appointments {
        id status startsAt endsAt reason
        patient { id mrn familyName givenName birthDate phone }
        appointmentType { id name durationMinutes color }
        room { id name }
      }
    }
  }
}
"""
APPOINTMENTS = """
SELECT a.id, a.provider_id, a.status, a.starts_at, a.ends_at, a.reason,
       p.id, p.mrn, p.family_name, p.given_name, p.birth_date, p.phone,
       t.id, t.name, t.duration_minutes, t.color, r.id, r.name
FROM appointments a
JOIN patients p ON p.id = a.patient_id
JOIN appointment_types t ON t.id = a.appointment_type_id
LEFT JOIN rooms r ON r.id = a.room_id
WHERE a.location_id = :location AND a.starts_at > :lower AND a.starts_at < :end
  AND a.ends_at > :start
ORDER BY a.starts_at, a.id
"""
PROVIDERS_SQL = """
SELECT pr.id, u.full_name, pr.specialty, l.name, l.timezone
FROM providers pr JOIN users u ON u.id = pr.user_id JOIN locations l ON l.id = :location
WHERE pr.id IN (SELECT provider_id FROM availability_templates
                WHERE location_id = :location AND weekday = :weekday)
   OR pr.id = ANY(:ids)
ORDER BY pr.id
"""


async def _populate(conn: asyncpg.Connection, location: int, start: datetime) -> None:
    """50 providers (47 beyond the demo's), a room each, 1,000 patients, 20 visits each."""
    await clone(conn, "users", PROVIDERS, {"username": "'bench' || n", "full_name": "'Dr. ' || n"})
    await clone(
        conn,
        "providers",
        PROVIDERS - await conn.fetchval("SELECT count(*) FROM providers"),
        {
            "user_id": "(SELECT id FROM users WHERE username = 'bench' || n)",
            "npi": "lpad((1000000000 + n)::text, 10, '0')",
            "calendar_token": "'bench-token-' || n",
        },
    )
    await clone(conn, "rooms", PROVIDERS, {"location_id": str(location), "name": "'Room ' || n"})
    await clone(
        conn,
        "patients",
        PROVIDERS * VISITS_EACH,
        {"mrn": "lpad((90000000 + n)::text, 8, '0')", "family_name": "'Family' || n"},
    )
    await conn.execute(
        """
        INSERT INTO appointments (patient_id, provider_id, location_id, room_id,
                                  appointment_type_id, starts_at, ends_at, status, reason,
                                  created_at, updated_at)
        SELECT (SELECT id FROM patients WHERE mrn = lpad((90000001 + pr.k * $5 + n)::text, 8,
                '0')),
               pr.id, $1, (SELECT id FROM rooms WHERE name = 'Room ' || (pr.k + 1)),
               (SELECT min(id) FROM appointment_types) + n % 2,
               $2::timestamptz + n * interval '20 minutes',
               $2::timestamptz + (n + 1) * interval '20 minutes',
               'booked', 'Follow-up', now(), now()
        FROM generate_series(0, $3 - 1) AS n
        CROSS JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM providers
                    ORDER BY id LIMIT $4) AS pr
        """,
        location,
        start + timedelta(hours=13),  # 08:00 in New York
        VISITS_EACH,
        PROVIDERS,
        VISITS_EACH,
    )
    await conn.execute("ANALYZE")


def raw_route(engine: Any) -> Starlette:
    """The day's JSON from two raw statements: the floor any GraphQL path is measured against."""

    async def schedule(request: Request) -> JSONResponse:
        location = pk(relay.GlobalID.from_id(request.query_params["location"]), "Location")
        day = date.fromisoformat(request.query_params["date"])
        async with engine.connect() as conn:
            tz_name = (
                await conn.execute(
                    text("SELECT timezone FROM locations WHERE id = :id"), {"id": location}
                )
            ).scalar_one()
            tz = av.zone(tz_name)
            start = av.instant(day, datetime.min.time(), tz)
            end = av.instant(day + timedelta(days=1), datetime.min.time(), tz)
            window = {"location": location, "start": start, "end": end}
            rows = (
                await conn.execute(text(APPOINTMENTS), {**window, "lower": start - MAX_VISIT})
            ).all()
            ids = sorted({r[1] for r in rows})
            providers = (
                await conn.execute(
                    text(PROVIDERS_SQL),
                    {"location": location, "weekday": day.weekday(), "ids": ids},
                )
            ).all()
        by_provider: dict[int, list[dict[str, Any]]] = {p[0]: [] for p in providers}
        for r in rows:
            by_provider[r[1]].append(
                {
                    "id": str(to_global("Appointment", r[0])),
                    "status": r[2].upper(),
                    "startsAt": r[3].astimezone(UTC).isoformat(),
                    "endsAt": r[4].astimezone(UTC).isoformat(),
                    "reason": r[5],
                    "patient": {
                        "id": str(to_global("Patient", r[6])),
                        "mrn": r[7],
                        "familyName": r[8],
                        "givenName": r[9],
                        "birthDate": r[10].isoformat(),
                        "phone": r[11],
                    },
                    "appointmentType": {
                        "id": str(to_global("AppointmentType", r[12])),
                        "name": r[13],
                        "durationMinutes": r[14],
                        "color": r[15],
                    },
                    "room": {"id": str(to_global("Room", r[16])), "name": r[17]} if r[16] else None,
                }
            )
        name = providers[0][3] if providers else None
        body = {
            "date": day.isoformat(),
            "location": {"id": request.query_params["location"], "name": name, "timezone": tz_name},
            "providers": [
                {
                    "provider": {
                        "id": str(to_global("Provider", p[0])),
                        "name": p[1],
                        "specialty": p[2],
                    },
                    "appointments": by_provider[p[0]],
                }
                for p in providers
            ],
        }
        return JSONResponse({"data": {"schedule": body}})

    return Starlette(routes=[Route("/schedule", schedule)])


async def main() -> None:
    with postgres() as server:
        app = await demo_app(server, "bench")
        engine = app.state.runtime.engine
        conn = await asyncpg.connect(server.url("bench", "postgresql"))
        location = await conn.fetchval("SELECT min(id) FROM locations")
        tz = av.zone(await conn.fetchval("SELECT timezone FROM locations WHERE id = $1", location))
        await _populate(conn, location, av.instant(DAY, datetime.min.time(), tz).astimezone(UTC))
        await conn.close()
        variables = {"location": str(to_global("Location", location)), "date": DAY.isoformat()}
        raw = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=raw_route(engine)), base_url="http://raw"
        )
        async with (
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bench"
            ) as http,
            raw,
        ):
            token = (await http.post("/graphql", json={"query": LOGIN})).json()["data"]["login"]
            headers = {"Authorization": f"Bearer {token['accessToken']}"}

            async def graphql() -> Any:
                response = await http.post(
                    "/graphql", headers=headers, json={"query": SCHEDULE, "variables": variables}
                )
                body = response.json()
                assert not body.get("errors"), body["errors"]
                return body

            async def sql() -> Any:
                return (await raw.get("/schedule", params=variables)).json()

            app_body, raw_body = await graphql(), await sql()
            visits = sum(len(p["appointments"]) for p in app_body["data"]["schedule"]["providers"])
            same = app_body == raw_body
            audit_before = await _audit_rows(engine)
            began = time.perf_counter()
            app_s, raw_s = await interleaved(ROUNDS, graphql, sql)
            took = time.perf_counter() - began
            audit_after = await _audit_rows(engine)
            audit = [(a - b) / ROUNDS for a, b in zip(audit_after, audit_before, strict=True)]
        await app.state.runtime.close()
    print(
        f"{len(app_body['data']['schedule']['providers'])} providers, {visits} visits; "
        f"same JSON: {same}; {ROUNDS} pairs in {took:.0f} s"
    )
    print(
        f"day view: app {app_s * 1000:.0f} ms, raw SQL {raw_s * 1000:.0f} ms (medians); "
        f"ratio {app_s / raw_s:.1f}x (target <= 4); {load()}"
    )
    print(f"audit rows per day view: {audit[0]:.0f} events, {audit[1]:.0f} patient links")


async def _audit_rows(engine: Any) -> list[int]:
    """Rows in the audit trail: events, and patient links where the trail has them."""
    async with engine.connect() as conn:
        counts = [(await conn.execute(text("SELECT count(*) FROM audit_events"))).scalar_one()]
        links = await conn.execute(text("SELECT to_regclass('audit_event_patients')"))
        if links.scalar_one() is not None:
            sql = text("SELECT count(*) FROM audit_event_patients")
            counts.append((await conn.execute(sql)).scalar_one())
        else:
            counts.append(0)
    return counts


if __name__ == "__main__":
    asyncio.run(main())
