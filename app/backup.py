"""Backups while the server serves, and restoring one: `practice backup` and `practice restore`.

SQLite: the online backup API copies the database from one read transaction, a few pages per
step; in WAL mode a reader never blocks the writers, and holding one snapshot for the whole copy
means the copy is that instant's database (it never restarts however busy the writers). The
copy is one self-contained file (rollback journal, no -wal beside it), checked for integrity.
PostgreSQL: `pg_dump --format=custom`, which also reads one snapshot and blocks no writer;
`pg_restore` brings it back. Both write the backup owner-only (it holds patient data) and
beside its final name first, so a failed backup never leaves a partial file under that name.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from app.config import Settings

PAGES_PER_STEP = 256  # 1 MiB of 4 KiB pages per step of the SQLite backup
_SQLITE_MAGIC = b"SQLite format 3\x00"
_PG_DUMP_MAGIC = b"PGDMP"
_SSL_MODES = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}  # libpq sslmode


class BackupError(Exception):
    """The backup or restore could not be done; the message says why (and nothing was left)."""


# the backup --------------------------------------------------------------------------------
def backup(settings: Settings, destination: Path) -> str:
    """Copy the database to `destination` (which must not exist); returns what was done."""
    if destination.exists():
        raise BackupError(f"{destination} exists: name a new file")
    with _written_atomically(destination) as partial:
        if settings.is_sqlite:
            source = sqlite_path(settings)
            _sqlite_backup(source, partial, settings.sqlite_busy_timeout_ms)
            what = f"SQLite database {source}"
        else:
            _run(settings, "pg_dump", "--format=custom", "--file", str(partial))
            what = f"PostgreSQL database {make_url(settings.database_url).database}"
    return f"backed up {what} to {destination} ({destination.stat().st_size} bytes)"


def _sqlite_backup(source: Path, partial: Path, busy_timeout_ms: int) -> None:
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    reader = sqlite3.connect(source, timeout=busy_timeout_ms / 1000, isolation_level=None)
    copy = sqlite3.connect(partial, isolation_level=None)
    try:
        reader.execute("PRAGMA query_only=1")
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM sqlite_master").fetchone()  # takes the snapshot
        reader.backup(copy, pages=PAGES_PER_STEP)
        reader.execute("COMMIT")
        copy.execute("PRAGMA journal_mode=DELETE")  # one file, whatever the source's mode
        problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupError(f"the copy fails its integrity check: {problems[:3]}")
    finally:
        copy.close()
        reader.close()


@contextmanager
def _written_atomically(destination: Path) -> Iterator[Path]:
    """A fresh owner-only file beside `destination`, linked to that name (synced) on success."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.partial")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    try:
        yield partial
        with partial.open("rb+") as written:
            os.fsync(written.fileno())
        try:
            os.link(partial, destination)  # unlike a rename, never replaces a file
        except FileExistsError:
            raise BackupError(f"{destination} exists: name a new file") from None
        _fsync_directory(destination.parent)
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):  # SQLite's, should the copy fail
            Path(f"{partial}{suffix}").unlink(missing_ok=True)


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# the restore -------------------------------------------------------------------------------
def restore(settings: Settings, source: Path, *, force: bool) -> str:
    """Load the backup at `source` into the configured database; returns what was done.

    A database that already holds tables is replaced only with `force`. Stop the servers first.
    """
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    with source.open("rb") as file:
        magic = file.read(len(_SQLITE_MAGIC))
    expected = _SQLITE_MAGIC if settings.is_sqlite else _PG_DUMP_MAGIC
    if not magic.startswith(expected):
        kind = "a SQLite database" if settings.is_sqlite else "a pg_dump custom-format archive"
        raise BackupError(f"{source} is not {kind}, which this database needs")
    if settings.is_sqlite:
        target = sqlite_path(settings)
        _refuse_unless_empty(_sqlite_tables(target), force)
        _sqlite_restore(source, target, settings.sqlite_busy_timeout_ms)
        return f"restored {source} into SQLite database {target}"
    database = make_url(settings.database_url).database
    tables = _run(
        settings,
        "psql",
        "--no-psqlrc",
        "--tuples-only",
        "--no-align",
        "--command",
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
    )
    _refuse_unless_empty(int(tables.strip() or 0), force)
    clean = ["--clean", "--if-exists"] if force else []
    _run(
        settings,
        "pg_restore",
        "--dbname",
        str(database),
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        *clean,
        str(source),
    )
    return f"restored {source} into PostgreSQL database {database}"


def _refuse_unless_empty(tables: int, force: bool) -> None:
    if tables and not force:
        raise BackupError(
            f"the database already holds {tables} tables: restore into an empty database, "
            "or pass --force to replace it"
        )


def _sqlite_tables(target: Path) -> int:
    if not target.exists() or target.stat().st_size == 0:
        return 0
    with closing(_read_only(target)) as connection:
        return int(
            connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
        )


def _sqlite_restore(source: Path, target: Path, busy_timeout_ms: int) -> None:
    """Through the backup API, so the target's own WAL and locks are honoured."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        closing(_read_only(source)) as backup_file,
        closing(sqlite3.connect(target, timeout=busy_timeout_ms / 1000)) as database,
    ):
        problems = [row[0] for row in backup_file.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupError(f"the backup fails its integrity check: {problems[:3]}")
        backup_file.backup(database, pages=PAGES_PER_STEP)
        database.execute("PRAGMA journal_mode=WAL")


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


# shared ------------------------------------------------------------------------------------
def sqlite_path(settings: Settings) -> Path:
    database = make_url(settings.database_url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("backup and restore need a SQLite database file")
    return Path(database)


def _run(settings: Settings, tool: str, *args: str) -> str:
    """Run a PostgreSQL client tool against the configured database; its stdout.

    The connection goes through libpq's environment (PGHOST, PGPASSWORD...), so the password
    never shows in the process list.
    """
    directory = settings.pg_bin_dir
    program = str(Path(directory) / tool) if directory else shutil.which(tool)
    if program is None or not Path(program).is_file():
        raise BackupError(
            f"{tool} not found: put PostgreSQL's client tools on PATH or set PRACTICE_PG_BIN_DIR"
        )
    done = subprocess.run(
        [program, "--no-password", *args],
        env={**os.environ, **_libpq_environment(settings.database_url)},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip()}")
    return done.stdout


def _libpq_environment(database_url: str) -> dict[str, str]:
    url = make_url(database_url)
    query = {key: str(value) for key, value in url.query.items()}
    modes = [query.get("sslmode"), query.get("ssl")]  # asyncpg's `ssl` may name a libpq mode
    values = {
        "PGHOST": query.get("host") or url.host,
        "PGPORT": query.get("port") or (str(url.port) if url.port else None),
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
        "PGSSLMODE": next((mode for mode in modes if mode in _SSL_MODES), None),
    }
    return {name: str(value) for name, value in values.items() if value}
