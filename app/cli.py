"""The `practice` command: serve, migrate, seed, create-user, reset-totp, worker, schema, audit
verify, backup, restore, keys and queries."""

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


def cmd_reset_totp(settings: Settings, args: argparse.Namespace) -> int:
    from app.authz import SYSTEM
    from app.transaction import unit_of_work
    from app.users.totp import reset

    async def work(runtime: Any) -> int:
        async with unit_of_work(runtime.sessions) as session:
            removed = await reset(session, SYSTEM, args.username)
        if not removed:
            print(f"{args.username} has no second factor", file=sys.stderr)
            return 1
        print(f"removed the second factor of {args.username}")
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


def cmd_keys(settings: Settings, args: argparse.Namespace) -> int:
    """`keys status` counts the values each field key protects; `keys rotate` re-encrypts them
    under the current key (app/key_rotation.py), batch by batch while the app serves."""
    from app import key_rotation
    from app.crypto import FieldCipher

    cipher = FieldCipher(settings.field_keys)

    async def work(runtime: Any) -> int:
        if args.keys_command == "rotate":
            lines, ok = key_rotation.describe_rotation(
                await key_rotation.rotate(runtime, args.batch_size), cipher
            )
        else:
            lines, ok = key_rotation.describe_usage(await key_rotation.usage(runtime), cipher)
        print("\n".join(lines))
        return 0 if ok else 1

    return _with_runtime(settings, work)


def cmd_queries(settings: Settings, args: argparse.Namespace) -> int:
    """`queries register FILE...` checks every document as the server would and registers all
    of them, or none; `queries list` prints what is registered."""
    from app import persisted_queries as store
    from app.transaction import unit_of_work

    async def listing(runtime: Any) -> int:
        async with runtime.reads() as session:
            for row in await store.listing(session):
                first = " ".join(row.document.split())[:60]
                when = f"{row.registered_at:%Y-%m-%d %H:%M}"
                print(f"{row.sha256}  {when}  {row.registered_by}  {first}")
        return 0

    if args.queries_command == "list":
        return _with_runtime(settings, listing)
    documents, problems = _documents(settings, [Path(p) for p in args.files])
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1

    async def register(runtime: Any) -> int:
        async with unit_of_work(runtime.sessions) as session:
            added = [await store.add(session, text, "cli") for _, text in documents]
        for (name, text), new in zip(documents, added, strict=True):
            state = "registered" if new else "already registered"
            print(f"{store.sha256_of(text)}  {state}  {name}")
        return 0

    return _with_runtime(settings, register)


def _documents(settings: Settings, files: list[Path]) -> tuple[list[tuple[str, str]], list[str]]:
    """(name, text) of each document in the files (a .json manifest maps hashes to documents),
    and what is wrong with any of them: a hash that is not the text's, or the server's checks."""
    import json

    from app.persisted_queries import sha256_of
    from schema import create_schema

    documents: list[tuple[str, str]] = []
    problems: list[str] = []
    for path in files:
        if path.suffix == ".json":
            manifest = json.loads(path.read_text(encoding="utf-8"))
            for given, text in manifest.items():
                documents.append((f"{path}:{given}", text))
                if given != sha256_of(text):
                    problems.append(f"{path}: {given} is not the SHA-256 of its document")
        else:
            documents.append((str(path), path.read_text(encoding="utf-8")))
    schema = create_schema(settings)
    for name, text in documents:
        prepared = schema.checks.prepare(schema._schema, sha256_of(text), text)
        problems.extend(f"{name}: {error.message}" for error in prepared.errors)
    return documents, problems


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


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    from app.backup import BackupError, backup

    try:
        print(backup(settings, Path(args.path)))
    except BackupError as error:
        print(f"backup failed: {error}", file=sys.stderr)
        return 1
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    """Restore, then verify the restored audit chain as `practice audit verify` would."""
    from app.backup import BackupError, restore

    try:
        print(restore(settings, Path(args.path), force=args.force))
    except BackupError as error:
        print(f"restore failed: {error}", file=sys.stderr)
        return 1
    verify = build_parser().parse_args(["audit", "verify"])
    return int(verify.func(settings, verify))


def _add_backup_commands(sub: Any) -> None:
    backup = sub.add_parser(
        "backup", help="copy the database to a new file while the server keeps serving"
    )
    backup.add_argument("path", help="the backup file to write (must not exist)")
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser(
        "restore", help="load a backup into the (empty) database, then verify its audit chain"
    )
    restore.add_argument("path", help="a file written by `practice backup`")
    restore.add_argument(
        "--force", action="store_true", help="replace a database that already holds tables"
    )
    restore.set_defaults(func=cmd_restore)


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

    totp = sub.add_parser("reset-totp", help="remove a user's TOTP second factor (lost device)")
    totp.add_argument("username")
    totp.set_defaults(func=cmd_reset_totp)

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
    _add_backup_commands(sub)

    keys = sub.add_parser("keys", help="field encryption keys: status, rotate")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    keys_sub.add_parser("status", help="values per key id: which keys can be retired")
    rotate = keys_sub.add_parser("rotate", help="re-encrypt every field under the current key")
    rotate.add_argument("--batch-size", type=int, default=500, help="rows per transaction")
    keys.set_defaults(func=cmd_keys)

    queries = sub.add_parser("queries", help="persisted queries: register, list")
    queries_sub = queries.add_subparsers(dest="queries_command", required=True)
    register = queries_sub.add_parser(
        "register", help="register documents (.graphql, one operation each; or a JSON manifest)"
    )
    register.add_argument("files", nargs="+", metavar="FILE")
    queries_sub.add_parser("list", help="the registered documents: hash, when, by whom")
    queries.set_defaults(func=cmd_queries)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("casbin").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    return int(args.func(Settings(), args))


if __name__ == "__main__":
    sys.exit(main())
