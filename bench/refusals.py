"""Benchmark: what an unauthenticated caller's hostile documents cost, as ratios to a trivial one.

Each document is posted anonymously, every time with a fresh comment in front (a cache keyed by
the document's text never hits), and the time per request is printed with its ratio to
`{ __typename }`, beside the time graphql-core takes to parse it (the floor: the token limit
bounds it). A refused document should cost little more than parsing it.

    python -m bench.refusals
"""

from __future__ import annotations

import asyncio
import itertools
import tempfile
import time
from pathlib import Path

import httpx
from graphql import parse

from app import migrate
from app.config import Settings
from app.main import create_app

ROUNDS = 10
_TYPENAME_FLOOD = "{ " + "__typename " * 370 + "}"  # 4 KB
DOCUMENTS = {
    "trivial { __typename }": "{ __typename }",
    f"__typename x370 ({len(_TYPENAME_FLOOD)} B)": _TYPENAME_FLOOD,
    "300 aliases of __typename": "{ " + " ".join(f"a{n}: __typename" for n in range(300)) + " }",
    "300 aliases of me { username }": "{ "
    + " ".join(f"a{n}: me {{ username }}" for n in range(300))
    + " }",
    "me { username } x300 (3.6 KB)": "{ " + "me { username } " * 300 + "}",
    "fragments doubling, 18 levels": "{ ...F18 } fragment F0 on Query { a: __typename } "
    + " ".join(f"fragment F{n} on Query {{ ...F{n - 1} ...F{n - 1} }}" for n in range(1, 19)),
    "introspection 20 deep": "{ __schema { types { fields { type { ofType { ofType { ofType "
    "{ ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType "
    "{ ofType { ofType { name } } } } } } } } } } } } } } } } } } }",
}


async def main() -> None:
    path = Path(tempfile.mkdtemp()) / "bench.db"
    settings = Settings(database_url=f"sqlite+aiosqlite:///{path}", environment="test")
    await asyncio.to_thread(migrate.upgrade, settings)
    app = create_app(settings)
    runtime = app.state.runtime
    fresh = itertools.count()
    transport = httpx.ASGITransport(app=app)
    rows = []
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        for name, document in DOCUMENTS.items():
            await http.post("/graphql", json={"query": document})  # warm up
            started = time.perf_counter()
            for _ in range(ROUNDS):
                query = f"# {next(fresh)}\n{document}"
                response = await http.post("/graphql", json={"query": query})
            seconds = (time.perf_counter() - started) / ROUNDS
            started = time.perf_counter()
            for _ in range(ROUNDS):
                parse(document)
            parsing = (time.perf_counter() - started) / ROUNDS
            rows.append((name, seconds, parsing, response.json()))
    await runtime.close()
    base = rows[0][1]
    print(f"{'document':<34} {'ms':>8} {'ratio':>6} {'parse ms':>9}  outcome")
    for name, seconds, parsing, body in rows:
        errors = body.get("errors") or []
        outcome = errors[0]["extensions"]["code"] if errors else "ran"
        print(
            f"{name:<34} {seconds * 1000:>8.2f} {seconds / base:>6.1f} {parsing * 1000:>9.2f}  "
            f"{outcome}"
        )


if __name__ == "__main__":
    asyncio.run(main())
