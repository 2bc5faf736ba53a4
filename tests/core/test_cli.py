"""The `practice` command, run as a user would run it (a subprocess against the test database).

Where a test runs a command again for what it does, not for the process, it runs the CLI's main
in this process (tests/fixtures/cli.py): an interpreter start costs seconds.
"""

import os
import subprocess
import sys

from sqlalchemy import func, select

from app.patients.models import Patient
from app.scheduling.models import Appointment
from app.users.models import User
from tests.fixtures.cli import practice_in_process


def practice(database_url, *args, stdin=None):
    env = {
        **os.environ,
        "PRACTICE_DATABASE_URL": database_url,
        "PRACTICE_ENVIRONMENT": "test",
        "PRACTICE_ARGON2_TIME_COST": "1",
        "PRACTICE_ARGON2_MEMORY_KIB": "1024",
    }
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
    )


async def _count(runtime, model):
    async with runtime.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_demo_seed_is_idempotent(database_url, runtime):
    # when the demo seed runs twice
    first = practice(database_url, "seed", "--demo")
    counts = [await _count(runtime, m) for m in (User, Patient, Appointment)]
    second = practice_in_process(database_url, "seed", "--demo")
    # then the first fills the database and the second adds nothing
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert counts[1] == 50 and counts[2] > 50
    assert [await _count(runtime, m) for m in (User, Patient, Appointment)] == counts
    assert "seeded 0 users, 0 patients and 0 appointments" in second.stdout
    verify = practice(database_url, "audit", "verify")
    assert verify.returncode == 0 and verify.stdout.startswith("OK"), verify.stdout


async def test_create_user_then_log_in(database_url, client):
    # when
    made = practice(
        database_url,
        "create-user",
        "alice",
        "--role",
        "provider",
        "--role",
        "nurse",
        "--full-name",
        "Dr. Alice Chen",
        "--password",
        "correct horse 42",
    )
    weak = practice_in_process(
        database_url, "create-user", "bob", "--role", "nurse", "--password", "short"
    )
    taken = practice_in_process(
        database_url, "create-user", "alice", "--role", "nurse", "--password", "another long one"
    )
    # then
    assert made.returncode == 0, made.stderr
    assert "created alice with roles nurse, provider" in made.stdout
    assert weak.returncode == 1 and "WEAK_PASSWORD" in weak.stderr
    assert taken.returncode == 1 and "USERNAME_TAKEN" in taken.stderr
    alice = await client.login("alice", "correct horse 42")
    assert (await alice.data("{ me { roles } }"))["me"]["roles"] == ["nurse", "provider"]
