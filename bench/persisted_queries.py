"""What a persisted query saves: patient detail (bench/patient_detail.py's 28-field `patient`)
sent as its registered hash alone against the same document sent as text, on an embedded
PostgreSQL with the demo data, over the same HTTP stack, timed in interleaved pairs. The text
path is warm too (strawberry's parser cache and our valid-document cache); what the hash skips
is the document's bounds walk, its validation-cache key and its cost estimate. A third column
times the text path with those caches cold (a new document each time), as after a restart or
for a client whose text varies.

    python -m bench.persisted_queries
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
from typing import Any

import httpx
from sqlalchemy import text

from bench._support import demo_app, interleaved, load, postgres
from bench.patient_detail import FULLEST, LOGIN, PATIENT
from schema.ids import to_global

ROUNDS = 201


async def main() -> None:
    with postgres() as server:
        app = await demo_app(server, "bench_pq")
        async with app.state.runtime.engine.connect() as conn:
            patient_id = (await conn.execute(text(FULLEST))).scalar_one()
        variables = {"id": str(to_global("Patient", patient_id))}
        extensions = {
            "persistedQuery": {
                "version": 1,
                "sha256Hash": hashlib.sha256(PATIENT.encode()).hexdigest(),
            }
        }
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://b") as http:
            token = (await http.post("/graphql", json={"query": LOGIN})).json()["data"]["login"]
            headers = {"Authorization": f"Bearer {token['accessToken']}"}

            async def send(body: dict[str, Any]) -> Any:
                response = await http.post("/graphql", headers=headers, json=body)
                result = response.json()
                assert not result.get("errors"), result["errors"]
                return result

            registered = await send(
                {"query": PATIENT, "variables": variables, "extensions": extensions}
            )
            fresh = itertools.count()

            async def by_hash() -> Any:
                return await send({"variables": variables, "extensions": extensions})

            async def plain() -> Any:
                return await send({"query": PATIENT, "variables": variables})

            async def cold() -> Any:  # another operation name: parsed and validated anew
                query = PATIENT.replace("query Chart", f"query Chart{next(fresh)}")
                return await send({"query": query, "variables": variables})

            same = registered == await by_hash() == await plain()
            hash_s, plain_s = await interleaved(ROUNDS, by_hash, plain)
            _, cold_s = await interleaved(ROUNDS // 4, by_hash, cold)
        await app.state.runtime.close()
    print(f"patient detail, {ROUNDS} interleaved pairs; same JSON: {same}")
    print(
        f"hash only {hash_s * 1000:.2f} ms, text (warm caches) {plain_s * 1000:.2f} ms, "
        f"text (new each time) {cold_s * 1000:.2f} ms (medians); "
        f"hash/text {hash_s / plain_s:.2f}x; {load()}"
    )


if __name__ == "__main__":
    asyncio.run(main())
