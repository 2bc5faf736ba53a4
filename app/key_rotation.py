"""Field key rotation: re-encrypt every encrypted column under the keyring's current key while
the app keeps serving, and count which keys the stored values still need.

Every column declared with `app.crypto.encrypted_column` is found in the models. Rotation walks
each one in primary-key batches: a batch is read in a read session (no lock held while it
decrypts and encrypts), then written in a unit of work of its own, each row only if its value
is still the one read (a value the app wrote meanwhile is already under the current key, and
is left alone). A batch commits with one audit event, so an interrupted rotation keeps what it
did and running it again carries on; values already under the current key are skipped.
"""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from sqlalchemy import Column, Row, Table, bindparam, func, select, update

from app.audit import trail
from app.authz import SYSTEM
from app.crypto import CONTEXT_INFO, HEADER_MAX, FieldCipher, UnknownKeyError, key_id_of
from app.db import Base
from app.runtime import Runtime
from app.transaction import unit_of_work

UNREADABLE = "unreadable"  # a value no key authenticates (tampered, or copied from another row)


@dataclass(frozen=True)
class EncryptedColumn:
    table: Table
    column: Column[Any]
    context: str  # format string over the row's columns (app.crypto.encrypted_column)

    @property
    def name(self) -> str:
        return f"{self.table.name}.{self.column.name}"

    @property
    def primary_key(self) -> Column[Any]:
        (key,) = self.table.primary_key.columns
        return key

    @property
    def context_columns(self) -> list[Column[Any]]:
        names = [name for _, name, _, _ in string.Formatter().parse(self.context) if name]
        return [self.table.c[name] for name in names]

    def context_of(self, row: Row[Any]) -> str:
        return self.context.format(**{c.name: getattr(row, c.name) for c in self.context_columns})


def encrypted_columns() -> list[EncryptedColumn]:
    """Every column of the models declared with `encrypted_column`, by table and column name."""
    import app.models  # noqa: F401  (every table registered)

    found = [
        EncryptedColumn(mapper.local_table, column, column.info[CONTEXT_INFO])  # type: ignore[arg-type]
        for mapper in Base.registry.mappers
        for column in mapper.local_table.columns
        if CONTEXT_INFO in column.info
    ]
    return sorted(found, key=lambda c: c.name)


async def _batches(
    runtime: Runtime, target: EncryptedColumn, values: Any, batch_size: int
) -> AsyncIterator[Sequence[Row[Any]]]:
    """The column's non-null rows in primary-key order, a read session per batch."""
    key = target.primary_key
    last = None
    while True:
        stmt = select(key.label("row_key"), values.label("stored"), *target.context_columns)
        stmt = stmt.where(target.column.is_not(None))
        if last is not None:
            stmt = stmt.where(key > last)
        async with runtime.reads() as session:
            rows = (await session.execute(stmt.order_by(key).limit(batch_size))).all()
        if not rows:
            return
        yield rows
        last = rows[-1].row_key


@dataclass
class ColumnUsage:
    column: str
    by_key: Counter[str] = field(default_factory=Counter)  # key id -> values it protects
    version_1: int = 0  # of them, values in the format from before key ids (key "k1")


async def usage(runtime: Runtime, batch_size: int = 5000) -> list[ColumnUsage]:
    """How many values of each encrypted column each key id protects (read from headers)."""
    report = []
    for target in encrypted_columns():
        counts = ColumnUsage(target.name)
        header = func.substr(target.column, 1, HEADER_MAX)
        async for rows in _batches(runtime, target, header, batch_size):
            for row in rows:
                stored = bytes(row.stored)
                try:
                    counts.by_key[key_id_of(stored)] += 1
                except ValueError:
                    counts.by_key[UNREADABLE] += 1
                counts.version_1 += stored[:1] == b"\x01"
        report.append(counts)
    return report


@dataclass
class Rotation:
    column: str
    rotated: Counter[str] = field(default_factory=Counter)  # from key id -> values re-encrypted
    current: int = 0  # already under the current key
    changed_meanwhile: int = 0  # written by the app between read and write: left as written
    unreadable: Counter[str] = field(default_factory=Counter)  # key id (or UNREADABLE) -> values
    batches: int = 0


async def rotate(runtime: Runtime, batch_size: int = 500) -> list[Rotation]:
    """Re-encrypt every encrypted value that is not under the current key."""
    cipher = FieldCipher(runtime.settings.field_keys)
    return [
        await _rotate_column(runtime, cipher, target, batch_size) for target in encrypted_columns()
    ]


async def _rotate_column(
    runtime: Runtime, cipher: FieldCipher, target: EncryptedColumn, batch_size: int
) -> Rotation:
    report = Rotation(target.name)
    async for rows in _batches(runtime, target, target.column, batch_size):
        changes = []
        for row in rows:
            stored = bytes(row.stored)
            if cipher.is_current(stored):
                report.current += 1
                continue
            try:
                changes.append(
                    (row.row_key, stored, cipher.reencrypt(stored, target.context_of(row)))
                )
            except UnknownKeyError as error:
                report.unreadable[error.key_id] += 1
            except (InvalidTag, ValueError):
                report.unreadable[UNREADABLE] += 1
        if changes:
            await _write_batch(runtime, cipher, target, changes, report)
    return report


async def _write_batch(
    runtime: Runtime,
    cipher: FieldCipher,
    target: EncryptedColumn,
    changes: list[tuple[Any, bytes, bytes]],
    report: Rotation,
) -> None:
    # Re-encryption changes no content: columns that track changes (updated_at) keep their value.
    untouched = {c.name: c for c in target.table.columns if c.onupdate is not None}
    key, column = target.primary_key, target.column
    stmt = (
        update(target.table)
        .where(key == bindparam("row_key"), column == bindparam("old_value"))
        .values({column.name: bindparam("new_value"), **untouched})
    )
    rotated: Counter[str] = Counter()
    async with unit_of_work(runtime.sessions) as session:
        # One statement for the batch (executemany), then one read to see which rows it changed:
        # a row the app changed after the batch was read no longer holds the value read.
        await session.execute(
            stmt, [{"row_key": k, "old_value": old, "new_value": new} for k, old, new in changes]
        )
        keys = [row_key for row_key, _, _ in changes]
        written = await session.execute(select(key, column).where(key.in_(keys)))
        now = {row_key: bytes(value) for row_key, value in written if value is not None}
        for row_key, old, new in changes:
            if now.get(row_key) == new:
                rotated[key_id_of(old)] += 1
            else:
                report.changed_meanwhile += 1
        if rotated:
            trail.record(
                session,
                SYSTEM,
                "rotate_key",
                "EncryptedColumn",
                detail={
                    "column": target.name,
                    "to_key": cipher.keyring.current,
                    "from_keys": dict(rotated),
                },
            )
    report.rotated.update(rotated)
    report.batches += 1


def describe_usage(report: list[ColumnUsage], cipher: FieldCipher) -> tuple[list[str], bool]:
    """What `practice keys status` prints, and whether every value can be decrypted."""
    keyring, total = cipher.keyring, Counter[str]()
    lines = [f"current key: {keyring.current} (keyring: {', '.join(sorted(keyring.keys))})"]
    for column in report:
        total.update(column.by_key)
        counts = ", ".join(f"{key} {n}" for key, n in sorted(column.by_key.items())) or "empty"
        legacy = f" ({column.version_1} in the version-1 format)" if column.version_1 else ""
        lines.append(f"{column.column}: {counts}{legacy}")
    for key in sorted(set(keyring.keys) | set(total)):
        n = total[key]
        if key == keyring.current:
            lines.append(f"{key} (current): {n} values")
        elif key not in keyring.keys:
            lines.append(f"{key}: {n} values NOT DECRYPTABLE: no such key in the keyring")
        elif n:
            lines.append(f"{key}: {n} values still need it: run `practice keys rotate`")
        else:
            lines.append(
                f"{key}: no values; it can be retired once every instance writes with "
                f"{keyring.current}"
            )
    return lines, all(key in keyring.keys for key in total)


def describe_rotation(report: list[Rotation], cipher: FieldCipher) -> tuple[list[str], bool]:
    """What `practice keys rotate` prints, and whether every value could be re-encrypted."""
    current, lines = cipher.keyring.current, []
    for column in report:
        origins = ", ".join(f"{key} {n}" for key, n in sorted(column.rotated.items()))
        lines.append(
            f"{column.column}: {sum(column.rotated.values())} re-encrypted under {current}"
            f"{f' (from {origins})' if origins else ''} in {column.batches} batches, "
            f"{column.current} already under {current}, "
            f"{column.changed_meanwhile} changed meanwhile (left as written)"
        )
        for key, n in sorted(column.unreadable.items()):
            why = (
                "no key authenticates them"
                if key == UNREADABLE
                else f"key {key} is not in the keyring"
            )
            lines.append(f"{column.column}: {n} values could not be read: {why}")
    done = sum(sum(c.rotated.values()) for c in report)
    lines.append(
        f"rotated {done} values to key {current}; `practice keys status` shows what remains"
    )
    return lines, not any(c.unreadable for c in report)
