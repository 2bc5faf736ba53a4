"""Benchmark: one patient's chart header through the app against the same JSON from raw SQL.

On an embedded PostgreSQL with the demo data, `patient(id)` with 28 fields (demographics,
address, masked SSN, allergies, problems, coverages) as a provider reads it goes through the
whole app (auth, GraphQL, guards, loaders, audit); the same JSON is built by four raw SQL
statements in a bare Starlette route. Both are served over the same HTTP stack (httpx's ASGI
transport), timed in interleaved pairs; the last line is the ratio of medians (target: at most
1.5).

    python -m bench.patient_detail
    python -m bench.patient_detail --registered    # by its hash: schema/compiled.py's plan
    PRACTICE_COMPILED_OPERATIONS=false python -m bench.patient_detail --registered
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from strawberry import relay

from bench._support import demo_app, interleaved, load, mode, postgres, request_bodies
from schema.ids import pk, to_global

ROUNDS = 41
LOGIN = 'mutation { login(input: {username: "provider", password: "demo"}) { accessToken } }'
PATIENT = """
query Chart($id: ID!) {
  patient(id: $id) {
    id mrn familyName givenName middleName preferredName birthDate sex genderIdentity
    email phone language ssn
    address { line1 line2 city state postalCode }
    allergies { substance category reaction severity }
    problems { icd10Code description status }
    coverages { payerName memberId priority }
  }
}
"""
FULLEST = """
SELECT p.id FROM patients p
ORDER BY (SELECT count(*) FROM allergies WHERE patient_id = p.id)
       + (SELECT count(*) FROM problems WHERE patient_id = p.id)
       + (SELECT count(*) FROM coverages WHERE patient_id = p.id) DESC, p.id
LIMIT 1
"""


def _upper(value: str | None) -> str | None:
    return value.upper() if value is not None else None


def raw_route(engine: Any) -> Starlette:
    """The chart header's JSON from four raw statements: the floor the app is measured against."""

    async def patient(request: Request) -> JSONResponse:
        global_id = request.query_params["id"]
        key = {"id": pk(relay.GlobalID.from_id(global_id), "Patient")}
        async with engine.connect() as conn:
            p = (
                await conn.execute(
                    text(
                        "SELECT mrn, family_name, given_name, middle_name, preferred_name,"
                        " birth_date, sex, gender_identity, email, phone, language, ssn_last4,"
                        " address_line1, address_line2, city, state, postal_code"
                        " FROM patients WHERE id = :id"
                    ),
                    key,
                )
            ).one()
            allergies = await conn.execute(
                text(
                    "SELECT substance, category, reaction, severity FROM allergies"
                    " WHERE patient_id = :id ORDER BY id"
                ),
                key,
            )
            problems = await conn.execute(
                text(
                    "SELECT icd10_code, description, status FROM problems"
                    " WHERE patient_id = :id ORDER BY id"
                ),
                key,
            )
            coverages = await conn.execute(
                text(
                    "SELECT payer_name, member_id, priority FROM coverages"
                    " WHERE patient_id = :id ORDER BY priority, id"
                ),
                key,
            )
        body = {
            "id": global_id,
            "mrn": p[0],
            "familyName": p[1],
            "givenName": p[2],
            "middleName": p[3],
            "preferredName": p[4],
            "birthDate": p[5].isoformat(),
            "sex": p[6].upper(),
            "genderIdentity": p[7],
            "email": p[8],
            "phone": p[9],
            "language": p[10],
            "ssn": f"***-**-{p[11]}" if p[11] else None,
            "address": {
                "line1": p[12],
                "line2": p[13],
                "city": p[14],
                "state": p[15],
                "postalCode": p[16],
            },
            "allergies": [
                {
                    "substance": a[0],
                    "category": a[1].upper(),
                    "reaction": a[2],
                    "severity": _upper(a[3]),
                }
                for a in allergies
            ],
            "problems": [
                {"icd10Code": r[0], "description": r[1], "status": r[2].upper()} for r in problems
            ],
            "coverages": [
                {"payerName": c[0], "memberId": c[1], "priority": c[2]} for c in coverages
            ],
        }
        return JSONResponse({"data": {"patient": body}})

    return Starlette(routes=[Route("/patient", patient)])


async def main() -> None:
    with postgres() as server:
        app = await demo_app(server, "bench")
        engine = app.state.runtime.engine
        async with engine.connect() as conn:
            patient_id = (await conn.execute(text(FULLEST))).scalar_one()
        variables = {"id": str(to_global("Patient", patient_id))}
        raw = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=raw_route(engine)), base_url="http://raw"
        )
        async with (
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as http,
            raw,
        ):
            token = (await http.post("/graphql", json={"query": LOGIN})).json()["data"]["login"]
            headers = {"Authorization": f"Bearer {token['accessToken']}"}
            first, later = request_bodies(PATIENT, variables)
            bodies = iter([first])

            async def graphql() -> Any:
                response = await http.post("/graphql", headers=headers, json=next(bodies, later))
                body = response.json()
                assert not body.get("errors"), body["errors"]
                return body

            async def sql() -> Any:
                return (await raw.get("/patient", params=variables)).json()

            app_body, raw_body = await graphql(), await sql()
            app_s, raw_s = await interleaved(ROUNDS, graphql, sql)
        await app.state.runtime.close()
    chart = app_body["data"]["patient"]
    print(
        f"patient with {len(chart['allergies'])} allergies, {len(chart['problems'])} problems, "
        f"{len(chart['coverages'])} coverages; same JSON: {app_body == raw_body}; "
        f"{ROUNDS} pairs"
    )
    print(
        f"patient detail: app {app_s * 1000:.1f} ms, raw SQL {raw_s * 1000:.1f} ms (medians); "
        f"ratio {app_s / raw_s:.1f}x (target <= 1.5); {load()}; {mode()}"
    )


if __name__ == "__main__":
    asyncio.run(main())
