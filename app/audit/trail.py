"""Recording audit events and proving the chain intact.

Events are buffered on the session and written by `flush` just before the transaction commits,
so a write and its audit event commit or roll back together. The chain is extended under a lock
(SQLite's write lock; a PostgreSQL advisory transaction lock) so concurrent transactions cannot
fork it.

Each event's hash is an HMAC-SHA256 under a key from the settings, never stored in the database,
and the event records the key's id: someone who can write the database but lacks the key cannot
rewrite an event and recompute the hashes after it. Events written before the chain was keyed
(key id NULL) are plain SHA-256; verify accepts them only up to `audit_unkeyed_until`.

Reads are folded: a transaction's reads of records of one type become one event listing the ids
read (`resource_ids`), with a row per patient they belong to in audit_event_patients (a read of
a patient's list of allergies, problems, ... names the patient). A day view
reads a thousand records; one event each made the trail the costliest part of the request. The
sorted ids and patients are part of the event's hash, so a link changed, added or removed shows.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent, AuditEventPatient
from app.authz import ALL_ROWS, Actor
from app.config import Settings
from app.db import utcnow
from app.events import settings_of

T = TypeVar("T")
M = TypeVar("M")
GENESIS_HASH = "0" * 64
PENDING_KEY = "audit_pending"
_CHAIN_LOCK_KEY = 7_215_003  # arbitrary, fixed: the advisory lock guarding the chain's head

HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "actor_user_id",
    "actor_username",
    "actor_roles",
    "action",
    "resource_type",
    "resource_id",
    "patient_id",
    "request_id",
    "ip",
    "outcome",
    "break_glass",
    "detail",
    "prev_hash",
)
# What folds reads into one event: everything but the record read and its patient
_FOLD_KEY = (
    "actor_user_id",
    "actor_username",
    "actor_roles",
    "resource_type",
    "request_id",
    "ip",
    "outcome",
    "break_glass",
)


def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    resource_type: str,
    resource_id: object | None = None,
    *,
    patient_id: int | None = None,
    outcome: str = "success",
    break_glass: bool = False,
    detail: dict[str, Any] | None = None,
) -> None:
    """Buffer one event; the reads of one transaction are folded into one event a record type
    (see `_folded`)."""
    event = {
        "occurred_at": utcnow(),
        "actor_user_id": actor.user_id,
        "actor_username": actor.username.replace("\x00", "")[:64],  # a login may name anything
        "actor_roles": ",".join(actor.roles),
        "action": action,
        "resource_type": resource_type,
        "resource_id": None if resource_id is None else str(resource_id),
        "patient_id": patient_id,
        "request_id": actor.request_id,
        "ip": actor.ip,
        "outcome": outcome,
        "break_glass": break_glass,
        "detail": None if detail is None else json.dumps(detail, sort_keys=True),
    }
    pending: dict[tuple[Any, ...], dict[str, Any]] = session.info.setdefault(PENDING_KEY, {})
    key = (action, resource_type, event["resource_id"], patient_id, outcome, break_glass)
    if action == "read":
        pending.setdefault(key, event)
    else:
        pending[(len(pending), *key)] = event


def record_reads(
    session: AsyncSession,
    actor: Actor,
    resource_type: str,
    rows: Iterable[Any],
    patient_of: Callable[[Any], int | None] = lambda row: row.patient_id,
) -> None:
    """Record a read of each row, against the patient it belongs to."""
    for row in rows:
        record(session, actor, "read", resource_type, row.id, patient_id=patient_of(row))


def audited_rows_by_id(model: type[M], resource: str) -> Callable[..., Awaitable[list[M]]]:
    """A fetcher of `model` rows by id that audits each read against the row's patient."""

    async def fetch(session: AsyncSession, actor: Actor, ids: Sequence[int]) -> list[M]:
        rows = list((await session.scalars(select(model).where(model.id.in_(ids)))).all())  # type: ignore[attr-defined]
        record_reads(session, actor, resource, rows)
        return rows

    return fetch


async def add_created(
    session: AsyncSession,
    actor: Actor,
    row: T,
    resource_type: str,
    *,
    patient_id: int | None = None,
) -> T:
    """Insert a new row (flushed, so it has its id) and record its creation."""
    session.add(row)
    await session.flush()
    record(
        session,
        actor,
        "create",
        resource_type,
        row.id,  # type: ignore[attr-defined]
        patient_id=patient_id,
    )
    return row


def _sort_ids(ids: Iterable[str]) -> list[str]:
    """Record ids in order, numeric ones by value."""
    return sorted(ids, key=lambda i: (len(i), i) if i.isdigit() else (1 << 30, i))


def _folded(pending: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The buffered events, the reads of records or of a patient's lists (without detail)
    folded into one event per `_FOLD_KEY`, in the place of the first, carrying `patient_ids`
    (for the links).

    A folded event names the record and the patient in its own columns when there is one, so
    a single read looks as it always did."""
    events: list[dict[str, Any]] = []
    folds: dict[tuple[Any, ...], tuple[dict[str, Any], dict[str, None], set[int]]] = {}
    for event in pending:
        names = event["resource_id"] is not None or event["patient_id"] is not None
        if event["action"] != "read" or event["detail"] is not None or not names:
            events.append(event)
            continue
        fold_key = tuple(event[name] for name in _FOLD_KEY)
        if fold_key not in folds:
            folds[fold_key] = ({**event}, {}, set())
            events.append(folds[fold_key][0])
        _, ids, patients = folds[fold_key]
        if event["resource_id"] is not None:  # None: a patient's list (of allergies, ...)
            ids[event["resource_id"]] = None
        if event["patient_id"] is not None:
            patients.add(event["patient_id"])
    for event, ids, patients in folds.values():
        event["resource_ids"] = json.dumps(_sort_ids(ids), separators=(",", ":"))
        event["resource_id"] = next(iter(ids)) if len(ids) == 1 else None
        event["patient_id"] = next(iter(patients)) if len(patients) == 1 else None
        event["patient_ids"] = sorted(patients)
    return events


def delivered(
    events: Iterable[dict[str, Any]], recipients: Sequence[Actor]
) -> list[dict[str, Any]]:
    """The audit events of a live payload resolved once (as one recipient) for all of
    `recipients` (app.fanout): each recipient user's own copy. A user with several subscriptions
    among them gets its reads folded into one event a record type listing their request ids
    (detail `requests`) instead of one event a subscription."""
    users: dict[tuple[Any, ...], list[Actor]] = {}
    for actor in recipients:
        users.setdefault((actor.user_id, actor.username, actor.roles, actor.ip), []).append(actor)
    copies: list[dict[str, Any]] = []
    for actors in users.values():
        first = actors[0]
        own = [
            {
                **event,
                "actor_user_id": first.user_id,
                "actor_username": first.username.replace("\x00", "")[:64],
                "actor_roles": ",".join(first.roles),
                "request_id": first.request_id,
                "ip": first.ip,
            }
            for event in events
        ]
        if len(actors) == 1:
            copies += own  # folded when flushed, as any request's reads
            continue
        requests = sorted(str(actor.request_id) for actor in actors)
        for event in _folded(own):
            detail = json.loads(event["detail"]) if event["detail"] else {}
            event["detail"] = json.dumps({**detail, "requests": requests}, sort_keys=True)
            event["request_id"] = None
            copies.append(event)
    return copies


def event_hash(values: dict[str, Any], key: bytes | None) -> str:
    """HMAC-SHA256 of the event (its key id included) under `key`; None: a legacy event's plain
    SHA-256, over the fields hashed before the chain was keyed.

    A folded read's ids and patients are hashed too; other events hash as they always did, and
    a patient link added to one makes it a different event."""
    names = HASHED_FIELDS if key is None else (*HASHED_FIELDS, "key_id")
    canonical = {name: values[name] for name in names}
    if values.get("resource_ids") is not None or values.get("patient_ids"):
        canonical["resource_ids"] = values.get("resource_ids")
        canonical["patient_ids"] = sorted(values.get("patient_ids") or ())
    occurred_at = canonical["occurred_at"]
    if isinstance(occurred_at, datetime):
        canonical["occurred_at"] = occurred_at.isoformat()
    payload = json.dumps(canonical, sort_keys=True, separators=(",", ":")).encode()
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


async def flush(session: AsyncSession) -> int:
    """Append the buffered events to the chain in one statement; returns how many."""
    pending: dict[tuple[Any, ...], dict[str, Any]] = session.info.get(PENDING_KEY, {})
    if not pending:
        return 0
    settings = settings_of(session)
    key_id = settings.audit_hmac_key_id
    key = settings.audit_keys[key_id]
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_KEY})
    head = (
        await session.execute(
            select(AuditEvent.seq, AuditEvent.hash)
            .order_by(AuditEvent.seq.desc())
            .limit(1)
            .execution_options(**ALL_ROWS)  # the chain's head, whoever's request this is
        )
    ).first()
    seq, prev_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    rows, links = [], []
    for event in _folded(pending.values()):
        seq += 1
        row = {"resource_ids": None, **event, "seq": seq, "prev_hash": prev_hash, "key_id": key_id}
        row["hash"] = prev_hash = event_hash(row, key)
        links += [{"event_seq": seq, "patient_id": p} for p in row.pop("patient_ids", ())]
        rows.append(row)
    # render_nulls: one executemany, not one INSERT per pattern of null columns
    await session.execute(insert(AuditEvent).execution_options(render_nulls=True), rows)
    if links:
        await session.execute(insert(AuditEventPatient), links)
    pending.clear()
    return len(rows)


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None
    # The last event's hash: kept somewhere else, it shows whether events were cut off the end,
    # which the chain alone cannot.
    head_hash: str | None = None

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


async def patients_of_events(session: AsyncSession, seqs: Sequence[int]) -> dict[int, list[int]]:
    """The patients each folded read names, by event seq (sorted)."""
    found: dict[int, list[int]] = {}
    if not seqs:
        return found
    links = await session.execute(
        select(AuditEventPatient.event_seq, AuditEventPatient.patient_id)
        .where(AuditEventPatient.event_seq.in_(seqs))
        .order_by(AuditEventPatient.event_seq, AuditEventPatient.patient_id)
    )
    for event_seq, patient_id in links:
        found.setdefault(event_seq, []).append(patient_id)
    return found


async def _events(
    session: AsyncSession, batch: int = 5000
) -> AsyncIterator[tuple[AuditEvent, list[int]]]:
    """The chain in order, each event with the patients its links name."""
    last = 0
    while True:
        rows = (
            await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.seq > last)
                .order_by(AuditEvent.seq)
                .limit(batch)
            )
        ).all()
        if not rows:
            return
        patients = await patients_of_events(session, [row.seq for row in rows])
        for row in rows:
            yield row, patients.get(row.seq, [])
        last = rows[-1].seq


def _key_problem(event: AuditEvent, settings: Settings, latest: int | None) -> str | None:
    """Why the event's key id cannot be right: unkeyed past the legacy events (or after a keyed
    one), a key the settings do not hold, or a retired key used after a later one (a leaked old
    key forges nothing new). `latest`: the position of the last key seen; None before any."""
    if event.key_id is None:
        if event.seq > settings.audit_unkeyed_until or latest is not None:
            return "hashed without the key (only events written before the chain was keyed may be)"
        return None
    if event.key_id not in settings.audit_keys:
        return f"sealed with key {event.key_id!r}, which the settings do not hold"
    if latest is not None and list(settings.audit_keys).index(event.key_id) < latest:
        return f"sealed with retired key {event.key_id!r} after a later key"
    return None


async def verify(
    session: AsyncSession, settings: Settings, anchor: tuple[int, str] | None = None
) -> ChainReport:
    """Walk the chain from the start; the first event whose links, key or contents disagree is
    bad.

    `anchor` is a head (seq, hash) recorded earlier outside the database: the chain must still
    hold that event unchanged, which catches events cut off the end.
    """
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    key_ids, latest = list(settings.audit_keys), None
    async for event, patient_ids in _events(session):
        values = {name: getattr(event, name) for name in (*HASHED_FIELDS, "key_id", "resource_ids")}
        values["patient_ids"] = patient_ids
        if event.seq != expected_seq:
            return ChainReport(checked, expected_seq, "event missing (sequence gap)")
        if event.prev_hash != expected_prev:
            return ChainReport(checked, event.seq, "link to the previous event is broken")
        if problem := _key_problem(event, settings, latest):
            return ChainReport(checked, event.seq, problem)
        key = None if event.key_id is None else settings.audit_keys[event.key_id]
        if not hmac.compare_digest(event_hash(values, key), event.hash):
            return ChainReport(checked, event.seq, "contents do not match the event's hash")
        if event.key_id is not None:
            latest = key_ids.index(event.key_id)
        if anchor is not None and event.seq == anchor[0] and event.hash != anchor[1]:
            return ChainReport(checked, event.seq, "differs from the recorded head")
        expected_prev, expected_seq, checked = event.hash, event.seq + 1, checked + 1
    if anchor is not None and checked < anchor[0]:
        return ChainReport(checked, checked + 1, "events after it are gone (trail cut short)")
    return ChainReport(checked, head_hash=None if checked == 0 else expected_prev)
