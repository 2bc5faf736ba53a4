"""The `practice` command: serve, migrate, seed, create-user, worker, schema, audit verify."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from app.config import Settings


def _ensure_sqlite_dir(settings: Settings) -> None:
    if settings.is_sqlite and ":///" in settings.database_url:
        path = settings.database_url.split(":///", 1)[1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


def _with_runtime(settings: Settings, work: Callable[[Any], Awaitable[int]]) -> int:
    from app.runtime import Runtime

    async def run() -> int:
        runtime = Runtime.build(settings)
        try:
            return await work(runtime)
        finally:
            await runtime.close()

    return asyncio.run(run())


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    from app import migrate

    _ensure_sqlite_dir(settings)
    migrate.upgrade(settings, args.revision)
    print(f"database at {args.revision}")
    return 0


def cmd_seed(settings: Settings, args: argparse.Namespace) -> int:
    from app.seed import seed_demo

    if not args.demo:
        print("nothing to seed: pass --demo", file=sys.stderr)
        return 2

    async def work(runtime: Any) -> int:
        report = await seed_demo(runtime)
        print(report)
        return 0

    return _with_runtime(settings, work)


def cmd_create_user(settings: Settings, args: argparse.Namespace) -> int:
    from app.authz import SYSTEM
    from app.errors import DomainError
    from app.transaction import unit_of_work
    from app.users.service import create_user

    password = args.password or getpass.getpass("password: ")

    async def work(runtime: Any) -> int:
        try:
            async with unit_of_work(runtime.sessions) as session:
                user = await create_user(
                    session,
                    SYSTEM,
                    runtime.authenticator,
                    username=args.username,
                    password=password,
                    full_name=args.full_name or args.username,
                    roles=args.role,
                )
        except DomainError as error:
            print(f"{error.code}: {error.message}", file=sys.stderr)
            return 1
        print(f"created {user.username} with roles {', '.join(user.role_names)}")
        return 0

    return _with_runtime(settings, work)


def cmd_audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    from app.audit import trail

    anchor = None
    if args.expect_head:
        seq, _, digest = args.expect_head.partition(":")
        anchor = (int(seq), digest)

    async def work(runtime: Any) -> int:
        async with runtime.reads() as session:
            report = await trail.verify(session, settings, anchor)
        if report.ok:
            print(f"OK: {report.checked} audit events, chain intact")
            print(
                f"head: {report.checked}:{report.head_hash} (keep it elsewhere; later, "
                "`practice audit verify --expect-head` with it proves nothing was cut off)"
            )
            return 0
        print(
            f"TAMPERED: event {report.first_bad_seq}: {report.problem} "
            f"({report.checked} events before it are intact)"
        )
        return 1

    return _with_runtime(settings, work)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from app.main import create_app

    uvicorn.run(
        create_app(settings),
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_level="info",
        access_log=False,  # our own access log (app/main.py) leaves query strings out
        proxy_headers=False,
        ws_max_size=settings.max_body_bytes,  # a larger WebSocket message closes the socket
    )
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    import signal

    from app.outbox import worker

    async def work(runtime: Any) -> int:
        if args.once:
            batch = await worker.send_due(runtime.sessions, settings)
            print(f"sent {batch.sent}, to retry {batch.retried}, failed {batch.failed}")
            return 0
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await worker.run(runtime.sessions, settings, stop)
        return 0

    return _with_runtime(settings, work)


def cmd_schema(settings: Settings, args: argparse.Namespace) -> int:
    from schema import create_schema

    print(create_schema(settings).as_str())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="practice", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the GraphQL API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("revision", nargs="?", default="head")
    migrate.set_defaults(func=cmd_migrate)

    seed = sub.add_parser("seed", help="load demo data (idempotent)")
    seed.add_argument("--demo", action="store_true")
    seed.set_defaults(func=cmd_seed)

    user = sub.add_parser("create-user", help="create a staff user")
    user.add_argument("username")
    user.add_argument("--role", action="append", required=True, help="repeat for several roles")
    user.add_argument("--full-name")
    user.add_argument("--password", help="prompted for when omitted")
    user.set_defaults(func=cmd_create_user)

    work = sub.add_parser("worker", help="send due outbox messages (reminders) by SMTP")
    work.add_argument("--once", action="store_true", help="send one batch and exit")
    work.set_defaults(func=cmd_worker)

    sdl = sub.add_parser("schema", help="print the GraphQL schema (SDL)")
    sdl.set_defaults(func=cmd_schema)

    audit = sub.add_parser("audit", help="audit trail tools")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="check the hash chain")
    verify.add_argument(
        "--expect-head",
        metavar="SEQ:HASH",
        help="a head printed by an earlier verify: it must still be there",
    )
    verify.set_defaults(func=cmd_audit_verify)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("casbin").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    return int(args.func(Settings(), args))


if __name__ == "__main__":
    sys.exit(main())
