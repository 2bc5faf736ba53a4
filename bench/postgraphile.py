"""Benchmark: the patients page, our server against PostGraphile 4 on the same database.

An embedded PostgreSQL with the demo data; our server (uvicorn, one process) and PostGraphile 4
(node, one process, from npm into ~/.cache/practice-bench, outside the repo) serve it over
real HTTP on loopback. The same load generator (a few concurrent httpx clients in this process)
asks each for the first 50 patients with their allergies and problems, in interleaved rounds
of a fixed number of requests; the last line is the ratio of median requests/s, ours over
PostGraphile's (target at least 0.5). Without node and npm, or when the install fails, it
says so and exits 0.

The two do not do the same work: ours is called as a signed-in provider (token check and a
session lookup per request, Casbin guards, the read audit written before the response);
PostGraphile connects as the database superuser with no authorization and no audit.

    python -m bench.postgraphile [requests per round]
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench._support import demo_app, load, postgres
from tests.fixtures.server import free_port, running_server

CACHE = Path.home() / ".cache" / "practice-bench" / "postgraphile4"
ROUNDS, CLIENTS = 9, 4
REQUESTS = int(sys.argv[1]) if len(sys.argv) > 1 else 40
LOGIN = 'mutation { login(input: {username: "provider", password: "demo"}) { accessToken } }'
OURS = """
{ patients(first: 50) { edges { node {
    id mrn familyName givenName birthDate sex
    allergies { substance category reaction severity }
    problems { icd10Code description status }
} } } }
"""
# PostGraphile's names for the same tables (checked against its introspection before timing);
# the order is ours (family name, given name, id).
THEIRS = """
{ allPatients(first: 50, orderBy: [FAMILY_NAME_ASC, GIVEN_NAME_ASC, ID_ASC]) { nodes {
    id mrn familyName givenName birthDate sex
    allergiesByPatientId(orderBy: ID_ASC) { nodes { substance category reaction severity } }
    problemsByPatientId(orderBy: ID_ASC) { nodes { icd10Code description status } }
} } }
"""
NAMES = """
{ query: __type(name: "Query") { fields { name } }
  patient: __type(name: "Patient") { fields { name } } }
"""


def installed_postgraphile() -> Path | None:
    """PostGraphile 4's command, installed from npm into the cache on first use; None (with the
    reason printed) when node or npm is missing or the install fails."""
    binary = CACHE / "node_modules" / ".bin" / "postgraphile"
    if binary.exists() and shutil.which("node"):
        return binary
    missing = [tool for tool in ("node", "npm") if not shutil.which(tool)]
    if missing:
        print(f"skipped: PostGraphile needs {' and '.join(missing)}, not found on PATH")
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / "package.json").write_text('{"name": "practice-bench-postgraphile", "private": true}')
    try:
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "postgraphile@4"],
            cwd=CACHE,
            check=True,
            capture_output=True,
            timeout=600,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        output = getattr(error, "stderr", b"") or b""
        print(f"skipped: npm install postgraphile@4 into {CACHE} failed: {error}")
        print(output.decode(errors="replace")[-2000:])
        return None
    return binary if binary.exists() else None


@contextmanager
def running_postgraphile(binary: Path, socket_dir: str, database: str) -> Iterator[str]:
    """PostGraphile on a free loopback port, as the superuser on the public schema; yields its
    GraphQL URL and stops it (its whole process group) however the block ends."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [
                str(binary),
                "--connection",
                f"postgres://postgres@/{database}?host={socket_dir}",
                "--schema",
                "public",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--disable-query-log",
            ],
            env={**os.environ, "NODE_ENV": "production"},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}/graphql"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    if httpx.post(url, json={"query": "{ __typename }"}, timeout=2).is_success:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"PostGraphile did not start:\n{log.read().decode()}")
                time.sleep(0.2)
            yield url
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


async def post(http: httpx.AsyncClient, url: str, query: str, headers: dict[str, str]) -> Any:
    response = await http.post(url, json={"query": query}, headers=headers)
    response.raise_for_status()
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return body["data"]


async def throughput(
    http: httpx.AsyncClient, url: str, query: str, headers: dict[str, str]
) -> float:
    """Requests/s of REQUESTS requests sent by CLIENTS concurrent clients."""
    remaining = REQUESTS

    async def client() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await post(http, url, query, headers)

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return REQUESTS / (time.perf_counter() - began)


def same_page(ours: Any, theirs: Any) -> bool:
    """Whether both pages list the same patients in the same order with the same records."""
    mine = [
        (
            p["mrn"],
            [a["substance"] for a in p["allergies"]],
            [r["icd10Code"] for r in p["problems"]],
        )
        for p in (edge["node"] for edge in ours["patients"]["edges"])
    ]
    other = [
        (
            p["mrn"],
            [a["substance"] for a in p["allergiesByPatientId"]["nodes"]],
            [r["icd10Code"] for r in p["problemsByPatientId"]["nodes"]],
        )
        for p in theirs["allPatients"]["nodes"]
    ]
    return mine == other


async def measure(server: Any, ours_base: str, theirs_url: str) -> None:
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(timeout=120, limits=limits) as http:
        names = await post(http, theirs_url, NAMES, {})
        query_fields = {f["name"] for f in names["query"]["fields"]}
        patient_fields = {f["name"] for f in names["patient"]["fields"]}
        missing = ({"allPatients"} - query_fields) | (
            {"allergiesByPatientId", "problemsByPatientId"} - patient_fields
        )
        if missing:
            raise RuntimeError(f"PostGraphile has no {sorted(missing)}; Patient: {patient_fields}")
        ours_url = f"{ours_base}/graphql"
        login = await post(http, ours_url, LOGIN, {})
        bearer = {"Authorization": f"Bearer {login['login']['accessToken']}"}
        conn = await asyncpg.connect(host=server.socket_dir, user="postgres", database="bench")
        try:
            before = await conn.fetchval("SELECT count(*) FROM audit_events")
            mine = await post(http, ours_url, OURS, bearer)
            audited = await conn.fetchval("SELECT count(*) FROM audit_events") - before
        finally:
            await conn.close()
        theirs = await post(http, theirs_url, THEIRS, {})
        page = mine["patients"]["edges"]
        print(
            f"page: {len(page)} patients, {sum(len(e['node']['allergies']) for e in page)} "
            f"allergies, {sum(len(e['node']['problems']) for e in page)} problems; "
            f"same records in the same order from both: {same_page(mine, theirs)}"
        )
        print(
            "ours: a signed-in provider's token, a session check, Casbin guards and "
            f"{audited} audit event(s) written per request; PostGraphile: the database "
            "superuser, no authorization, no audit"
        )
        for _ in range(2):  # warm both up (connection pools, caches, JIT)
            await throughput(http, ours_url, OURS, bearer)
            await throughput(http, theirs_url, THEIRS, {})
        rates: tuple[list[float], list[float]] = ([], [])
        for _ in range(ROUNDS):
            rates[0].append(await throughput(http, ours_url, OURS, bearer))
            rates[1].append(await throughput(http, theirs_url, THEIRS, {}))
    ours_rate, theirs_rate = statistics.median(rates[0]), statistics.median(rates[1])
    print(
        f"{ROUNDS} interleaved rounds of {REQUESTS} requests from {CLIENTS} concurrent clients; "
        f"ours {min(rates[0]):.1f}-{max(rates[0]):.1f} req/s, "
        f"PostGraphile {min(rates[1]):.1f}-{max(rates[1]):.1f} req/s"
    )
    print(
        f"patients page: ours {ours_rate:.1f} req/s, PostGraphile 4 {theirs_rate:.1f} req/s "
        f"(medians); ratio {ours_rate / theirs_rate:.2f}x (target >= 0.5); {load()}"
    )


async def main() -> None:
    binary = installed_postgraphile()
    if binary is None:
        return
    # A SIGTERM (e.g. from a CI timeout) unwinds through the finally blocks that stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with postgres() as server:
        app = await demo_app(server, "bench")
        await app.state.runtime.close()
        with (
            running_server(server.url("bench"), access_token_minutes="240") as ours,
            running_postgraphile(binary, server.socket_dir, "bench") as theirs,
        ):
            await measure(server, ours, theirs)


if __name__ == "__main__":
    asyncio.run(main())
