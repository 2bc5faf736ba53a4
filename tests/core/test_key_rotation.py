"""Rotating the field encryption key: `practice keys status` and `practice keys rotate` run
through the CLI's main against a database the app writes to, on both backends."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from sqlalchemy import LargeBinary, text

import app.key_rotation as key_rotation
from app import cli
from app.crypto import CONTEXT_INFO
from app.db import Base
from app.patients.demographics import ssn_context
from app.transaction import unit_of_work
from tests.conftest import make_settings
from tests.fixtures.graphql import app_for, error_codes, pk_of
from tests.fixtures.patients import create_patient
from tests.unit.test_field_keys import A, B, b64, version_1

UPDATE_SSN = """
mutation($input: UpdatePatientInput!) { updatePatient(input: $input) { userErrors { code } } }
"""
PATIENT_SSN = "query($id: ID!) { patient(id: $id) { ssn } }"
SSNS = ["123-45-6789", "219-09-9999", "078-05-1120", "111-22-3333", "457-55-5462"]


def keyring(database_url: str, current: str, **keys: bytes) -> Any:
    return make_settings(
        database_url,
        field_encryption_keys={key_id: b64(key) for key_id, key in keys.items()},
        field_encryption_key_id=current,
    )


async def practice(monkeypatch, capsys, database_url, current, keys, *args) -> tuple[int, str]:
    """`practice keys ...` through the CLI's main, configured by environment as in production."""
    monkeypatch.setenv("PRACTICE_DATABASE_URL", database_url)
    monkeypatch.setenv("PRACTICE_ENVIRONMENT", "test")
    monkeypatch.setenv("PRACTICE_FIELD_ENCRYPTION_KEYS", json.dumps(keys))
    monkeypatch.setenv("PRACTICE_FIELD_ENCRYPTION_KEY_ID", current)
    capsys.readouterr()
    code = await asyncio.to_thread(cli.main, ["keys", *args])
    return code, capsys.readouterr().out


SSN_COLUMN = "patients.ssn_encrypted"


def ssn_report(reports: list[Any]) -> Any:
    """The rotation's report on the SSN column (the only encrypted column these tests fill)."""
    (report,) = [r for r in reports if r.column == SSN_COLUMN]
    return report


async def stored(runtime, patient_id) -> tuple[bytes, Any]:
    async with runtime.reads() as session:
        row = (
            await session.execute(
                text("SELECT ssn_encrypted, updated_at FROM patients WHERE id = :id"),
                {"id": pk_of(patient_id)},
            )
        ).one()
    return bytes(row[0]), row[1]


async def ssns(client, patients) -> list[str | None]:
    admin = await client.login("admin")
    return [(await admin.data(PATIENT_SSN, id=p["id"]))["patient"]["ssn"] for p in patients]


async def test_rotated_values_read_back_with_only_the_new_key(database_url, monkeypatch, capsys):
    # given: patients written under key a
    async with app_for(keyring(database_url, "a", a=A)) as (client, runtime):
        front_desk = await client.login("front_desk")
        patients = [
            await create_patient(front_desk, familyName=f"P{i}", ssn=s)
            for i, s in enumerate(SSNS[:3])
        ]
        await create_patient(front_desk, familyName="NoSsn")
        written = [await stored(runtime, p["id"]) for p in patients]
    both = {"a": b64(A), "b": b64(B)}
    # when: b is added and made current, status is asked, then the rotation runs
    code, before = await practice(monkeypatch, capsys, database_url, "b", both, "status")
    code_rotate, rotated = await practice(
        monkeypatch, capsys, database_url, "b", both, "rotate", "--batch-size", "2"
    )
    code_after, after = await practice(monkeypatch, capsys, database_url, "b", both, "status")
    code_again, again = await practice(monkeypatch, capsys, database_url, "b", both, "rotate")
    # then: status counted what key a still protects
    assert code == 0
    assert "patients.ssn_encrypted: a 3\n" in before
    assert "a: 3 values still need it" in before and "b (current): 0 values" in before
    # and the rotation re-encrypted them in two batches, and said so
    assert code_rotate == 0, rotated
    assert "3 re-encrypted under b (from a 3) in 2 batches, 0 already under b" in rotated
    assert "a: no values; it can be retired" in after and "b (current): 3 values" in after
    assert code_after == 0
    # and a second run finds nothing to do (it can be run again, or resumed)
    assert code_again == 0 and "0 re-encrypted under b in 0 batches, 3 already under b" in again
    # and with key a retired, every value still reads back, the rows otherwise untouched
    async with app_for(keyring(database_url, "b", b=B)) as (client, runtime):
        assert await ssns(client, patients) == SSNS[:3]
        now = [await stored(runtime, p["id"]) for p in patients]
        async with runtime.reads() as session:
            audited = (
                await session.execute(
                    text(
                        "SELECT actor_username, resource_type, detail FROM audit_events "
                        "WHERE action = 'rotate_key' ORDER BY seq"
                    )
                )
            ).all()
    assert all(
        new != old and when == was for (new, when), (old, was) in zip(now, written, strict=True)
    )
    assert [tuple(row[:2]) for row in audited] == [("system", "EncryptedColumn")] * 2
    column = "patients.ssn_encrypted"
    assert [json.loads(row[2]) for row in audited] == [
        {"column": column, "from_keys": {"a": 2}, "to_key": "b"},
        {"column": column, "from_keys": {"a": 1}, "to_key": "b"},
    ]
    assert await asyncio.to_thread(cli.main, ["audit", "verify"]) == 0


async def test_values_of_before_key_ids_still_decrypt_and_rotate(database_url, monkeypatch, capsys):
    # given: one SSN as the single key of before keyrings wrote it (version 1), and one under b
    legacy = make_settings(database_url, field_encryption_key=b64(A))
    async with app_for(legacy) as (client, runtime):
        front_desk = await client.login("front_desk")
        old = await create_patient(front_desk, familyName="Old", ssn=SSNS[0])
        async with unit_of_work(runtime.sessions) as session:
            await session.execute(
                text("UPDATE patients SET ssn_encrypted = :v WHERE id = :id"),
                {"v": version_1(A, "123456789", ssn_context(old["mrn"])), "id": pk_of(old["id"])},
            )
        # then: it still reads back under the old single key
        assert await ssns(client, [old]) == [SSNS[0]]
    async with app_for(keyring(database_url, "b", b=B)) as (client, _):
        new = await create_patient(await client.login("front_desk"), familyName="New", ssn=SSNS[1])
    # when: the old key joins the keyring as k1 and the rotation runs
    keys = {"k1": b64(A), "b": b64(B)}
    _, before = await practice(monkeypatch, capsys, database_url, "b", keys, "status")
    code, rotated = await practice(monkeypatch, capsys, database_url, "b", keys, "rotate")
    # then
    assert "patients.ssn_encrypted: b 1, k1 1 (1 in the version-1 format)" in before
    assert code == 0 and "1 re-encrypted under b (from k1 1)" in rotated
    async with app_for(keyring(database_url, "b", b=B)) as (client, _):
        assert await ssns(client, [old, new]) == SSNS[:2]


async def test_a_retired_key_still_in_use_is_a_clear_error(
    database_url, monkeypatch, capsys, caplog
):
    # given: a value under key a, and a keyring from which a was retired too early
    async with app_for(keyring(database_url, "a", a=A)) as (client, runtime):
        patient = await create_patient(await client.login("front_desk"), ssn=SSNS[0])
        value, _ = await stored(runtime, patient["id"])
    only_b = {"b": b64(B)}
    # when
    code, status = await practice(monkeypatch, capsys, database_url, "b", only_b, "status")
    code_rotate, rotated = await practice(monkeypatch, capsys, database_url, "b", only_b, "rotate")
    async with app_for(keyring(database_url, "b", b=B)) as (client, runtime):
        admin = await client.login("admin")
        with caplog.at_level(logging.ERROR):
            body = await admin.execute(PATIENT_SSN, id=patient["id"])
        after, _ = await stored(runtime, patient["id"])
    # then: status and rotate fail and name the key; nothing changed
    assert code == 1 and "a: 1 values NOT DECRYPTABLE: no such key in the keyring" in status
    assert code_rotate == 1
    assert "patients.ssn_encrypted: 1 values could not be read: key a is not in the keyring" in (
        rotated
    )
    assert after == value
    # and the API masks the failure while the log names the missing key
    assert error_codes(body) == ["INTERNAL_SERVER_ERROR"]
    assert "value encrypted under key 'a', which is not in the keyring" in caplog.text


async def _under_key_a(database_url, count: int) -> list[dict[str, Any]]:
    async with app_for(keyring(database_url, "a", a=A)) as (client, _):
        front_desk = await client.login("front_desk")
        return [
            await create_patient(front_desk, familyName=f"P{i}", ssn=SSNS[0]) for i in range(count)
        ]


async def _change_ssn(client, patient: dict[str, Any], ssn: str) -> None:
    data = await client.data(UPDATE_SSN, input={"id": patient["id"], "ssn": ssn})
    assert data["updatePatient"]["userErrors"] == []


async def test_a_value_the_app_writes_during_a_batch_is_left_as_written(database_url, monkeypatch):
    # given: patients under key a; the app restarted with b current
    patients = await _under_key_a(database_url, 4)
    async with app_for(keyring(database_url, "b", a=A, b=B)) as (client, runtime):
        front_desk = await client.login("front_desk")
        # when: the app changes an SSN after the rotation read its batch, before it writes it
        write_batch = key_rotation._write_batch

        async def app_writes_first(*args: Any) -> None:
            monkeypatch.setattr(key_rotation, "_write_batch", write_batch)
            await _change_ssn(front_desk, patients[0], SSNS[1])
            await write_batch(*args)

        monkeypatch.setattr(key_rotation, "_write_batch", app_writes_first)
        report = ssn_report(await key_rotation.rotate(runtime, batch_size=2))
    # then: the app's value stays, the others were re-encrypted
    assert report.changed_meanwhile == 1 and report.rotated == {"a": 3}
    async with app_for(keyring(database_url, "b", b=B)) as (client, _):
        assert await ssns(client, patients) == [SSNS[1], SSNS[0], SSNS[0], SSNS[0]]


async def test_rotation_while_the_app_writes(database_url):
    # given: patients under key a; the app restarted with b current
    patients = await _under_key_a(database_url, 5)
    async with app_for(keyring(database_url, "b", a=A, b=B)) as (client, runtime):
        front_desk = await client.login("front_desk")
        # when: the rotation runs while the app creates patients and changes SSNs
        reports, *_, more = await asyncio.gather(
            key_rotation.rotate(runtime, batch_size=2),
            _change_ssn(front_desk, patients[0], SSNS[1]),
            _change_ssn(front_desk, patients[3], SSNS[3]),
            asyncio.gather(
                *(create_patient(front_desk, familyName=f"N{i}", ssn=SSNS[2]) for i in range(2))
            ),
        )
        usage = await key_rotation.usage(runtime)
    # then: nothing is left under a, and every value reads back with key b alone
    assert not ssn_report(reports).unreadable
    assert [u.by_key for u in usage if u.column == SSN_COLUMN] == [{"b": 7}]
    async with app_for(keyring(database_url, "b", b=B)) as (client, _):
        assert await ssns(client, [*patients, *more]) == [
            SSNS[1],
            SSNS[0],
            SSNS[0],
            SSNS[3],
            SSNS[0],
            SSNS[2],
            SSNS[2],
        ]


def test_every_binary_column_is_an_encrypted_column():
    """A later domain's secret column is rotated only if declared with `encrypted_column`."""
    found = {c.name for c in key_rotation.encrypted_columns()}
    binary = {
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, LargeBinary)
    }
    assert "patients.ssn_encrypted" in found
    assert binary <= found, (
        f"{sorted(binary - found)}: declare encrypted columns with app.crypto.encrypted_column "
        f"(Column.info[{CONTEXT_INFO!r}]), so `practice keys rotate` re-encrypts them"
    )
