"""Clinical notes: a draft, then signed and immutable, corrected by addenda."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import Actor
from app.db import get_or_not_found, utcnow
from app.errors import CommonErrorCode, DomainError
from app.patients.errors import PatientErrorCode
from app.patients.models import (
    Note,
    NoteStatus,
)
from app.patients.rules import check_lengths, existing_patient
from app.text import label


# notes -----------------------------------------------------------------------------------------
def _require_text(value: str | None, field: str) -> str:
    if not value or not value.strip():
        raise DomainError(CommonErrorCode.REQUIRED, f"{label(field)} is required.", [field])
    return value.strip()


async def create_note(
    session: AsyncSession,
    actor: Actor,
    patient_id: int,
    *,
    title: str,
    body: str,
    amends_note_id: int | None = None,
) -> Note:
    await existing_patient(session, patient_id)
    note = Note(
        patient_id=patient_id,
        author_id=actor.user_id,
        title=_require_text(title, "title"),
        body=_require_text(body, "body"),
        amends_note_id=amends_note_id,
    )
    check_lengths(Note, {"title": note.title})
    session.add(note)
    await session.flush()
    trail.record(
        session,
        actor,
        "create",
        "ClinicalNote",
        note.id,
        patient_id=patient_id,
        detail={"amends": amends_note_id} if amends_note_id else None,
    )
    return note


async def _own_draft(session: AsyncSession, actor: Actor, note_id: int) -> Note:
    note = await get_or_not_found(session, Note, note_id, "Note", "note_id")
    if note.status == NoteStatus.SIGNED:
        raise DomainError(
            PatientErrorCode.NOTE_SIGNED,
            "A signed note cannot change; add an addendum instead.",
            ["note_id"],
        )
    if note.author_id != actor.user_id:
        raise DomainError(
            PatientErrorCode.NOT_NOTE_AUTHOR,
            "Only the author can change or sign a draft.",
            ["note_id"],
        )
    return note


async def update_note(
    session: AsyncSession, actor: Actor, note_id: int, *, title: str | None, body: str | None
) -> Note:
    note = await _own_draft(session, actor, note_id)
    if title is not None:
        note.title = _require_text(title, "title")
        check_lengths(Note, {"title": note.title})
    if body is not None:
        note.body = _require_text(body, "body")
    await session.flush()
    trail.record(session, actor, "update", "ClinicalNote", note.id, patient_id=note.patient_id)
    return note


async def sign_note(session: AsyncSession, actor: Actor, note_id: int) -> Note:
    note = await _own_draft(session, actor, note_id)
    note.status, note.signed_at, note.signed_by_id = NoteStatus.SIGNED, utcnow(), actor.user_id
    await session.flush()
    trail.record(session, actor, "sign", "ClinicalNote", note.id, patient_id=note.patient_id)
    return note


def _addendum_title(title: str) -> str:
    """ "Addendum to: <title>", shortened to fit the column when the original title is long."""
    prefix = "Addendum to: "
    room = Note.__table__.c["title"].type.length - len(prefix)  # type: ignore[attr-defined]
    return prefix + (title if len(title) <= room else title[: room - 1].rstrip() + "…")


async def add_note_addendum(
    session: AsyncSession, actor: Actor, note_id: int, *, body: str
) -> Note:
    original = await get_or_not_found(session, Note, note_id, "Note", "note_id")
    if original.status != NoteStatus.SIGNED:
        raise DomainError(
            PatientErrorCode.NOTE_NOT_SIGNED,
            "Edit the draft itself; addenda are for signed notes.",
            ["note_id"],
        )
    return await create_note(
        session,
        actor,
        original.patient_id,
        title=_addendum_title(original.title),
        body=body,
        amends_note_id=original.id,
    )
