"""The audit chain is keyed (HMAC-SHA256, the key outside the database): a rewrite re-hashed
without the key is caught at the first altered event, through `practice audit verify`."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import delete, insert

from app import migrate
from app.audit import trail
from app.audit.models import AuditEvent
from app.authz import SYSTEM
from app.config import Settings
from app.runtime import Runtime
from app.transaction import unit_of_work
from tests.conftest import make_settings
from tests.core.test_audit import allow_tampering, audit_rows, execute_sql
from tests.fixtures.cli import practice_in_process
from tests.fixtures.patients import create_patient_record

KEEP = object()  # leave the events' key ids as they are
NEW_KEY = base64.b64encode(b"the-second-audit-key-32-bytes-ok").decode()


def verify_cli(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`practice audit verify` in this process (tests/core/test_cli.py runs it as a process)."""
    return practice_in_process(database_url, "audit", "verify", *args, test_settings=False, **env)


def tampered_at(result: subprocess.CompletedProcess[str], seq: int) -> bool:
    return result.returncode == 1 and f"TAMPERED: event {seq}:" in result.stdout


def values_of(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in (*trail.HASHED_FIELDS, "key_id", "hash")}


async def rewrite_from(
    runtime: Any,
    seq: int,
    *,
    drop: bool = False,
    key: bytes | None = None,
    key_id: object = KEEP,
) -> None:
    """What an attacker with the database but not the key does: change event `seq` (or delete it
    and renumber the rest), then recompute every later link and hash, with `key` (None: plain
    SHA-256) and, unless KEEP, every rewritten event claiming `key_id`. After allow_tampering."""
    events = [values_of(e) for e in await audit_rows(runtime)]
    before = [e for e in events if e["seq"] < seq]
    rest = [e for e in events if e["seq"] >= seq]
    if drop:
        rest = rest[1:]
    else:
        rest[0]["actor_username"] = "nobody"
    prev_hash = before[-1]["hash"] if before else trail.GENESIS_HASH
    for number, event in enumerate(rest, start=seq):
        event["seq"], event["prev_hash"] = number, prev_hash
        if key_id is not KEEP:
            event["key_id"] = key_id
        event["hash"] = prev_hash = trail.event_hash(event, key)
    await execute_sql(
        runtime, delete(AuditEvent).where(AuditEvent.seq >= seq), insert(AuditEvent).values(rest)
    )


async def some_history(client: Any, runtime: Any) -> int:
    """A patient record's worth of events; the seq of one in the middle."""
    await create_patient_record(client)
    seqs = [e.seq for e in await audit_rows(runtime)]
    assert len(seqs) > 10 and {e.key_id for e in await audit_rows(runtime)} == {"1"}
    return seqs[len(seqs) // 2]


GENEROUS = {"audit_unkeyed_until": "1000000"}  # an operator who set it far too high


@pytest.mark.parametrize(
    ("attack", "env"),
    [
        pytest.param({}, {}, id="rewritten-rehashed-with-sha256"),
        pytest.param({"key_id": None}, {}, id="rewritten-rehashed-posing-as-unkeyed"),
        pytest.param({"key_id": None}, GENEROUS, id="posing-as-unkeyed-after-keyed-events"),
        pytest.param({"key": b"a guessed key of thirty-two bytes"}, {}, id="rewritten-wrong-key"),
        pytest.param({"drop": True}, {}, id="deleted-renumbered-rehashed"),
        pytest.param({"drop": True, "key_id": None}, {}, id="deleted-renumbered-as-unkeyed"),
    ],
)
async def test_a_rewrite_rehashed_without_the_key_is_named_by_the_cli(
    client, runtime, database_url, attack, env
):
    # given some history the CLI finds intact
    victim = await some_history(client, runtime)
    assert verify_cli(database_url, **env).returncode == 0
    await allow_tampering(runtime)
    # when someone with the database but not the key rewrites (or deletes) an event and
    # recomputes every link and hash after it
    await rewrite_from(runtime, victim, **attack)
    result = verify_cli(database_url, **env)
    # then the first altered event is named
    assert tampered_at(result, victim), result.stdout + result.stderr
    assert f"({victim - 1} events before it are intact)" in result.stdout


async def test_a_deleted_event_is_named_by_the_cli(client, runtime, database_url):
    # given
    victim = await some_history(client, runtime)
    await allow_tampering(runtime)
    # when an event is deleted from the middle, nothing else touched
    await execute_sql(runtime, delete(AuditEvent).where(AuditEvent.seq == victim))
    result = verify_cli(database_url)
    # then
    assert tampered_at(result, victim), result.stdout
    assert "sequence gap" in result.stdout


async def test_the_cli_with_an_expected_head_catches_events_cut_off_the_end(
    client, runtime, database_url
):
    # given the head printed by an earlier verify, kept elsewhere
    await some_history(client, runtime)
    intact = verify_cli(database_url)
    head = intact.stdout.split("head: ", 1)[1].split()[0]
    last = int(head.split(":")[0])
    await allow_tampering(runtime)
    # when the newest events are deleted
    await execute_sql(runtime, delete(AuditEvent).where(AuditEvent.seq >= last - 1))
    alone = verify_cli(database_url)
    anchored = verify_cli(database_url, "--expect-head", head)
    # then the chain alone cannot tell; the recorded head can
    assert alone.returncode == 0 and f"OK: {last - 2} audit events" in alone.stdout
    assert tampered_at(anchored, last - 1) and "cut short" in anchored.stdout


# rotation ------------------------------------------------------------------------------------
async def test_a_rotated_key_seals_new_events_and_the_retired_one_still_verifies_old_ones(
    client, runtime, database_url
):
    # given events sealed with key 1, then a process whose key 2 replaced it
    await some_history(client, runtime)
    old_key = runtime.settings.audit_hmac_key
    rotation: dict[str, Any] = {
        "audit_hmac_key": NEW_KEY,
        "audit_hmac_key_id": "2",
        "audit_hmac_retired_keys": {"1": old_key},
    }
    rotated = {**rotation, "audit_hmac_retired_keys": json.dumps({"1": old_key})}  # as env
    later = Runtime.build(make_settings(database_url, **rotation))
    try:
        async with unit_of_work(later.sessions) as session:
            trail.record(session, SYSTEM, "rotate", "AuditKey", "2")
    finally:
        await later.close()
    events = await audit_rows(runtime)
    # when verified with the rotated settings, and with the old key forgotten
    rotated_ok = verify_cli(database_url, **rotated)
    forgotten = verify_cli(database_url, audit_hmac_key=NEW_KEY, audit_hmac_key_id="2")
    # then the new event carries key 2, and both keys' events verify only with both keys
    assert events[-1].key_id == "2" and {e.key_id for e in events[:-1]} == {"1"}
    assert rotated_ok.returncode == 0, rotated_ok.stdout + rotated_ok.stderr
    assert tampered_at(forgotten, 1) and "'1', which the settings do not hold" in forgotten.stdout
    # when someone holding the retired key seals an event after the rotation
    forged = {**values_of(events[-1]), "seq": events[-1].seq + 1, "prev_hash": events[-1].hash}
    forged["key_id"] = "1"
    forged["hash"] = trail.event_hash(forged, base64.b64decode(old_key))
    await execute_sql(runtime, insert(AuditEvent).values(forged))
    result = verify_cli(database_url, **rotated)
    # then the retired key cannot extend the chain
    assert tampered_at(result, forged["seq"]) and "retired key '1'" in result.stdout


# events hashed before the chain was keyed -----------------------------------------------------
def test_an_unkeyed_hash_is_the_one_written_before_the_chain_was_keyed():
    # given an event as the unkeyed chain hashed it (the value computed by that code)
    event = {
        "seq": 1,
        "occurred_at": datetime(2026, 11, 1, 12, 0, tzinfo=UTC),
        "actor_user_id": None,
        "actor_username": "system",
        "actor_roles": "system",
        "action": "create",
        "resource_type": "User",
        "resource_id": "1",
        "patient_id": None,
        "request_id": None,
        "ip": None,
        "outcome": "success",
        "break_glass": False,
        "detail": None,
        "prev_hash": "0" * 64,
        "key_id": None,
    }
    # when / then
    assert trail.event_hash(event, None) == (
        "affabddb5a32ccbbe82f4c5b9d379f997818edc8ff6e84943b26da86a2ba80db"
    )


async def test_events_from_before_the_migration_verify_up_to_the_configured_seq(
    client, runtime, settings, database_url
):
    # given a database at the revision before the keyed chain, holding three events hashed
    # the old way
    await allow_tampering(runtime)
    await execute_sql(runtime, delete(AuditEvent))
    await asyncio.to_thread(migrate.downgrade, settings, "f404d9753d24")
    legacy, prev_hash = [], trail.GENESIS_HASH
    for seq in (1, 2, 3):
        event = {
            "seq": seq,
            "occurred_at": datetime(2026, 11, seq, 9, 0, tzinfo=UTC),
            "actor_user_id": None,
            "actor_username": "system",
            "actor_roles": "system",
            "action": "create",
            "resource_type": "User",
            "resource_id": str(seq),
            "patient_id": None,
            "request_id": None,
            "ip": None,
            "outcome": "success",
            "break_glass": False,
            "detail": None,
            "prev_hash": prev_hash,
        }
        event["hash"] = prev_hash = trail.event_hash(event, None)
        legacy.append(event)
    await execute_sql(runtime, insert(AuditEvent).values(legacy))  # no key_id column yet
    # when it is migrated and the app writes on
    await asyncio.to_thread(migrate.upgrade, settings)
    await create_patient_record(client)
    events = await audit_rows(runtime)
    strict = verify_cli(database_url)
    configured = verify_cli(database_url, audit_unkeyed_until="3")
    # then the old events stay unkeyed and verify once the operator says how many there were
    assert [e.key_id for e in events[:3]] == [None, None, None]
    assert {e.key_id for e in events[3:]} == {"1"} and len(events) > 3
    assert tampered_at(strict, 1) and "without the key" in strict.stdout
    assert configured.returncode == 0, configured.stdout + configured.stderr
    assert f"OK: {len(events)} audit events" in configured.stdout
    # when an old event is rewritten and everything after it re-hashed the unkeyed way
    await rewrite_from(runtime, 2, key_id=None)
    result = verify_cli(database_url, audit_unkeyed_until="3")
    # then the first keyed event, which sealed the old ones, gives it away
    assert tampered_at(result, 4), result.stdout


def test_the_audit_key_is_set_in_production_and_is_long_enough():
    secrets = {
        "jwt_secret": "s" * 48,
        "field_encryption_key": base64.b64encode(os.urandom(32)).decode(),
    }
    # when / then
    with pytest.raises(ValidationError, match="PRACTICE_AUDIT_HMAC_KEY"):
        Settings(environment="production", **secrets)
    with pytest.raises(ValidationError, match="32"):
        Settings(audit_hmac_key=base64.b64encode(b"short").decode())
    with pytest.raises(ValidationError, match="retired"):
        Settings(audit_hmac_key_id="1", audit_hmac_retired_keys={"1": NEW_KEY})
    assert Settings(environment="production", audit_hmac_key=NEW_KEY, **secrets)
