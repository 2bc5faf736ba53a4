"""Patient record rules: creating and changing records, reading them (always audited)."""

from __future__ import annotations

import enum
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import Actor
from app.config import Settings
from app.counters import next_value
from app.crypto import FieldCipher
from app.db import Base, get_or_not_found, utcnow
from app.errors import CommonError, DomainError
from app.identifiers import mrn_for
from app.patients import icd10
from app.patients.errors import PatientError
from app.patients.models import (
    Allergy,
    BreakGlassGrant,
    ClinicalStatus,
    Coverage,
    Note,
    NoteStatus,
    Patient,
    Problem,
    SubscriberRelationship,
)

M = TypeVar("M", bound=Base)

DEMOGRAPHIC_FIELDS = (
    "family_name",
    "given_name",
    "middle_name",
    "preferred_name",
    "birth_date",
    "sex",
    "gender_identity",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "language",
)
# Where each demographic field sits in the GraphQL input (the `field` of a userError)
FIELD_PATHS: dict[str, list[str]] = {
    "family_name": ["familyName"],
    "given_name": ["givenName"],
    "middle_name": ["middleName"],
    "preferred_name": ["preferredName"],
    "birth_date": ["birthDate"],
    "sex": ["sex"],
    "gender_identity": ["genderIdentity"],
    "email": ["email"],
    "phone": ["phone"],
    "address_line1": ["address", "line1"],
    "address_line2": ["address", "line2"],
    "city": ["address", "city"],
    "state": ["address", "state"],
    "postal_code": ["address", "postalCode"],
    "language": ["language"],
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_POSTAL = re.compile(r"^[0-9]{5}(-[0-9]{4})?$")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _trimmed(fields: dict[str, Any]) -> dict[str, Any]:
    """Text trimmed; blank text is no value (enum members, str-based too, are left alone)."""
    return {
        name: (value.strip() or None)
        if isinstance(value, str) and not isinstance(value, enum.Enum)
        else value
        for name, value in fields.items()
    }


def _check_lengths(
    model: type[Base], fields: dict[str, Any], paths: dict[str, list[str]] | None = None
) -> None:
    """Text longer than its column is the caller's mistake, on every database alike (PostgreSQL
    would refuse it with an error, SQLite would store it)."""
    for name, value in fields.items():
        length = getattr(model.__table__.c[name].type, "length", None)  # type: ignore[attr-defined]
        if isinstance(value, str) and length is not None and len(value) > length:
            path = (paths or {}).get(name) or [_camel(name)]
            raise DomainError(
                CommonError.INVALID_INPUT, f"{path[-1]} is longer than {length} characters.", path
            )


def ssn_context(mrn: str) -> str:
    """The associated data binding an SSN ciphertext to its patient (the MRN never changes)."""
    return f"patients.ssn:{mrn}"


def today(settings: Settings) -> date:
    """Today in the practice's time zone (a birth date 'in the future' is judged there)."""
    return datetime.now(settings.timezone).date()


# validation ------------------------------------------------------------------------------------
def _clean_demographics(fields: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Trim, normalize and check demographic fields; raise on the first problem."""
    clean = _trimmed(fields)
    for required in ("family_name", "given_name", "birth_date", "sex"):
        if required in clean and clean[required] is None:
            path = FIELD_PATHS[required]
            raise DomainError(PatientError.REQUIRED, f"{path[-1]} is required", path)
    if (birth_date := clean.get("birth_date")) is not None:
        if birth_date > today(settings):
            raise DomainError(
                PatientError.BIRTH_DATE_IN_FUTURE, "Birth date is in the future.", ["birthDate"]
            )
        if birth_date.year < 1900:
            raise DomainError(
                PatientError.BIRTH_DATE_TOO_OLD, "Birth date is before 1900.", ["birthDate"]
            )
    if (email := clean.get("email")) is not None and not _EMAIL.match(email):
        raise DomainError(PatientError.INVALID_EMAIL, "Email address is not valid.", ["email"])
    if (phone := clean.get("phone")) is not None:
        digits = re.sub(r"[^0-9]", "", phone)  # ASCII digits only: no full-width look-alikes
        if not 10 <= len(digits) <= 15:
            raise DomainError(PatientError.INVALID_PHONE, "Phone needs 10 to 15 digits.", ["phone"])
    if (state := clean.get("state")) is not None:
        if not re.fullmatch(r"[A-Za-z]{2}", state):
            raise DomainError(
                PatientError.INVALID_STATE, "Use a two-letter state code.", FIELD_PATHS["state"]
            )
        clean["state"] = state.upper()
    _check_lengths(Patient, clean, FIELD_PATHS)
    if (postal := clean.get("postal_code")) is not None and not _POSTAL.match(postal):
        raise DomainError(
            PatientError.INVALID_POSTAL_CODE,
            "Use a 5 or 9 digit ZIP code.",
            FIELD_PATHS["postal_code"],
        )
    return clean


def normalize_ssn(raw: str) -> str:
    """Nine digits that the SSA could have issued, or a domain error."""
    digits = re.sub(r"[\s-]", "", raw)
    invalid = DomainError(PatientError.INVALID_SSN, "Not a valid social security number.", ["ssn"])
    if not re.fullmatch(r"[0-9]{9}", digits):
        raise invalid
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in ("000", "666") or area.startswith("9") or group == "00" or serial == "0000":
        raise invalid
    return digits


def _set_ssn(patient: Patient, ssn: str | None, cipher: FieldCipher) -> None:
    if ssn is None or not ssn.strip():
        patient.ssn_encrypted, patient.ssn_last4 = None, None
        return
    digits = normalize_ssn(ssn)
    patient.ssn_encrypted = cipher.encrypt(digits, ssn_context(patient.mrn))
    patient.ssn_last4 = digits[-4:]


def masked_ssn(patient: Patient) -> str | None:
    return f"***-**-{patient.ssn_last4}" if patient.ssn_last4 else None


def full_ssn(
    session: AsyncSession, actor: Actor, patient: Patient, settings: Settings
) -> str | None:
    """Decrypt the SSN (the caller has checked the policy); the disclosure is audited."""
    if patient.ssn_encrypted is None:
        return None
    trail.record(session, actor, "read", "Patient.ssn", patient.id, patient_id=patient.id)
    cipher = FieldCipher(settings.field_key)
    digits = cipher.decrypt(patient.ssn_encrypted, ssn_context(patient.mrn))
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


def _same_name(a: str, b: str) -> bool:
    """Names compared without regard to case, accented letters included (SQL lower() on SQLite
    and under a C collation folds ASCII only, so the comparison is made here)."""
    return unicodedata.normalize("NFC", a).casefold() == unicodedata.normalize("NFC", b).casefold()


async def _find_duplicates(
    session: AsyncSession, family: str, given: str, birth_date: date, exclude_id: int | None = None
) -> list[Patient]:
    """Patients with this name and birth date; the birth date (indexed) narrows the candidates."""
    stmt = select(Patient).where(Patient.birth_date == birth_date).order_by(Patient.id)
    if exclude_id is not None:
        stmt = stmt.where(Patient.id != exclude_id)
    return [
        p
        for p in (await session.scalars(stmt)).all()
        if _same_name(p.family_name, family) and _same_name(p.given_name, given)
    ]


async def _new_mrn(session: AsyncSession) -> str:
    return mrn_for(await next_value(session, "mrn"))


# demographics ----------------------------------------------------------------------------------
async def create_patient(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    *,
    fields: dict[str, Any],
    ssn: str | None = None,
    confirm_duplicate: bool = False,
) -> Patient:
    clean = _clean_demographics({name: fields.get(name) for name in DEMOGRAPHIC_FIELDS}, settings)
    if not confirm_duplicate:
        duplicates = await _find_duplicates(
            session, clean["family_name"], clean["given_name"], clean["birth_date"]
        )
        if duplicates:
            raise DomainError(
                PatientError.POSSIBLE_DUPLICATE,
                f"A patient with this name and birth date exists (MRN {duplicates[0].mrn}); "
                "pass confirmDuplicate: true to create another.",
                ["confirmDuplicate"],
            )
    patient = Patient(**clean, mrn=await _new_mrn(session), created_by_id=actor.user_id)
    _set_ssn(patient, ssn, FieldCipher(settings.field_key))
    session.add(patient)
    await session.flush()
    trail.record(session, actor, "create", "Patient", patient.id, patient_id=patient.id)
    return patient


async def update_patient(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    patient_id: int,
    *,
    fields: dict[str, Any],
    ssn: str | None = None,
    ssn_given: bool = False,
) -> Patient:
    patient = await get_or_not_found(session, Patient, patient_id, "Patient", "id")
    clean = _clean_demographics(fields, settings)
    for name, value in clean.items():
        setattr(patient, name, value)
    if ssn_given:
        _set_ssn(patient, ssn, FieldCipher(settings.field_key))
    changed = sorted(clean) + (["ssn"] if ssn_given else [])
    trail.record(
        session,
        actor,
        "update",
        "Patient",
        patient.id,
        patient_id=patient.id,
        detail={"fields": changed},
    )
    await session.flush()
    return patient


async def get_patients(session: AsyncSession, actor: Actor, ids: Sequence[int]) -> list[Patient]:
    """Patients by id (missing ones left out), each read audited."""
    if not ids:
        return []
    patients = list((await session.scalars(select(Patient).where(Patient.id.in_(ids)))).all())
    trail.record_reads(session, actor, "Patient", patients, patient_of=lambda p: p.id)
    return patients


def _search_filter(search: str) -> Any:
    """Every term must match: a name fragment, the MRN, or a birth date (YYYY-MM-DD)."""
    conditions = []
    for term in re.split(r"[\s,]+", search.strip()):
        if not term:
            continue
        if _ISO_DATE.fullmatch(term):  # only this form: "19840305" may be an MRN
            try:
                conditions.append(Patient.birth_date == date.fromisoformat(term))
                continue
            except ValueError:
                pass
        # wildcards in the term are text to find (a term of "%" alone must not match everyone)
        escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        conditions.append(
            or_(
                Patient.mrn == term,
                func.lower(Patient.family_name).like(pattern, escape="\\"),
                func.lower(Patient.given_name).like(pattern, escape="\\"),
                func.lower(Patient.preferred_name).like(pattern, escape="\\"),
            )
        )
    return and_(*conditions)


async def search_patients(
    session: AsyncSession, actor: Actor, search: str | None, offset: int, limit: int
) -> tuple[list[Patient], int]:
    """A page of patients by name, then id; with the total count of matches."""
    stmt = select(Patient)
    if search and search.strip():
        stmt = stmt.where(_search_filter(search))
    total = await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = (
        await session.scalars(
            stmt.order_by(Patient.family_name, Patient.given_name, Patient.id)
            .offset(offset)
            .limit(limit)
        )
    ).all()
    trail.record_reads(session, actor, "Patient", rows, patient_of=lambda p: p.id)
    return list(rows), total


# lists under a patient, loaded for many patients at once ---------------------------------------
async def _by_patient(
    session: AsyncSession,
    actor: Actor,
    model: type[M],
    resource: str,
    patient_ids: Sequence[int],
    order: Sequence[Any],
    break_glass_ids: set[int] | None = None,
) -> dict[int, list[M]]:
    rows = (
        await session.scalars(
            select(model)
            .where(model.patient_id.in_(patient_ids))  # type: ignore[attr-defined]
            .order_by(*order)
        )
    ).all()
    grouped: dict[int, list[M]] = defaultdict(list)
    for row in rows:
        grouped[row.patient_id].append(row)  # type: ignore[attr-defined]
    for patient_id in patient_ids:
        trail.record(
            session,
            actor,
            "read",
            resource,
            None,
            patient_id=patient_id,
            break_glass=patient_id in (break_glass_ids or ()),
        )
    return grouped


async def allergies_by_patient(
    session: AsyncSession, actor: Actor, patient_ids: Sequence[int]
) -> dict[int, list[Allergy]]:
    return await _by_patient(
        session, actor, Allergy, "AllergyIntolerance", patient_ids, [Allergy.id]
    )


async def problems_by_patient(
    session: AsyncSession, actor: Actor, patient_ids: Sequence[int]
) -> dict[int, list[Problem]]:
    return await _by_patient(session, actor, Problem, "Condition", patient_ids, [Problem.id])


async def coverages_by_patient(
    session: AsyncSession, actor: Actor, patient_ids: Sequence[int]
) -> dict[int, list[Coverage]]:
    return await _by_patient(
        session, actor, Coverage, "Coverage", patient_ids, [Coverage.priority, Coverage.id]
    )


async def notes_by_patient(
    session: AsyncSession, actor: Actor, patient_ids: Sequence[int], break_glass_ids: set[int]
) -> dict[int, list[Note]]:
    """Notes, oldest first; reads under break-glass are flagged in the audit trail."""
    return await _by_patient(
        session,
        actor,
        Note,
        "ClinicalNote",
        patient_ids,
        [Note.created_at, Note.id],
        break_glass_ids,
    )


# clinical lists --------------------------------------------------------------------------------
async def _patient(session: AsyncSession, patient_id: int) -> Patient:
    return await get_or_not_found(session, Patient, patient_id, "Patient", "patientId")


async def add_allergy(
    session: AsyncSession, actor: Actor, patient_id: int, *, fields: dict[str, Any]
) -> Allergy:
    await _patient(session, patient_id)
    clean = _trimmed(fields)
    if not clean.get("substance"):
        raise DomainError(PatientError.REQUIRED, "substance is required", ["substance"])
    _check_lengths(Allergy, clean)
    allergy = Allergy(patient_id=patient_id, recorded_by_id=actor.user_id, **clean)
    return await trail.add_created(
        session, actor, allergy, "AllergyIntolerance", patient_id=patient_id
    )


async def add_problem(
    session: AsyncSession, actor: Actor, patient_id: int, *, code: str, onset_date: date | None
) -> Problem:
    await _patient(session, patient_id)
    found = icd10.lookup(code)
    if found is None:
        raise DomainError(
            PatientError.INVALID_ICD10_CODE,
            f"{code!r} is not an ICD-10-CM diagnosis code.",
            ["icd10Code"],
        )
    problem = Problem(
        patient_id=patient_id,
        icd10_code=found.code,
        description=found.description,
        onset_date=onset_date,
        recorded_by_id=actor.user_id,
    )
    return await trail.add_created(session, actor, problem, "Condition", patient_id=patient_id)


async def resolve_problem(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    problem_id: int,
    resolved_date: date | None,
) -> Problem:
    problem = await get_or_not_found(session, Problem, problem_id, "Problem", "problemId")
    if problem.status == ClinicalStatus.RESOLVED:
        raise DomainError(
            PatientError.PROBLEM_ALREADY_RESOLVED, "The problem is already resolved.", ["problemId"]
        )
    resolved_on = resolved_date or today(settings)
    if resolved_on > today(settings) or (problem.onset_date and resolved_on < problem.onset_date):
        raise DomainError(
            PatientError.INVALID_PERIOD,
            "Resolved date must be between onset and today.",
            ["resolvedDate"],
        )
    problem.status, problem.resolved_date = ClinicalStatus.RESOLVED, resolved_on
    await session.flush()
    trail.record(
        session,
        actor,
        "update",
        "Condition",
        problem.id,
        patient_id=problem.patient_id,
        detail={"status": "resolved"},
    )
    return problem


async def add_coverage(
    session: AsyncSession, actor: Actor, patient_id: int, *, fields: dict[str, Any]
) -> Coverage:
    await _patient(session, patient_id)
    fields = _trimmed(fields)
    for required in ("payer_name", "payer_id", "member_id"):
        if not fields.get(required):
            raise DomainError(
                PatientError.REQUIRED, f"{_camel(required)} is required", [_camel(required)]
            )
    _check_lengths(Coverage, fields)
    if fields["priority"] not in (1, 2, 3):
        raise DomainError(
            PatientError.INVALID_PRIORITY,
            "Priority is 1 (primary), 2 (secondary) or 3 (tertiary).",
            ["priority"],
        )
    if fields.get("period_end") and fields["period_end"] < fields["period_start"]:
        raise DomainError(
            PatientError.INVALID_PERIOD, "Coverage ends before it starts.", ["periodEnd"]
        )
    if fields["relationship"] != SubscriberRelationship.SELF and not fields.get("subscriber_name"):
        raise DomainError(
            PatientError.SUBSCRIBER_REQUIRED,
            "Name the subscriber when the patient is not the subscriber.",
            ["subscriberName"],
        )
    coverage = Coverage(patient_id=patient_id, **fields)
    return await trail.add_created(session, actor, coverage, "Coverage", patient_id=patient_id)


# notes -----------------------------------------------------------------------------------------
def _require_text(value: str | None, field: str) -> str:
    if not value or not value.strip():
        raise DomainError(PatientError.REQUIRED, f"{field} is required", [field])
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
    await _patient(session, patient_id)
    note = Note(
        patient_id=patient_id,
        author_id=actor.user_id,
        title=_require_text(title, "title"),
        body=_require_text(body, "body"),
        amends_note_id=amends_note_id,
    )
    _check_lengths(Note, {"title": note.title})
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
    note = await get_or_not_found(session, Note, note_id, "Note", "noteId")
    if note.status == NoteStatus.SIGNED:
        raise DomainError(
            PatientError.NOTE_SIGNED,
            "A signed note cannot change; add an addendum instead.",
            ["noteId"],
        )
    if note.author_id != actor.user_id:
        raise DomainError(
            PatientError.NOT_NOTE_AUTHOR, "Only the author can change or sign a draft.", ["noteId"]
        )
    return note


async def update_note(
    session: AsyncSession, actor: Actor, note_id: int, *, title: str | None, body: str | None
) -> Note:
    note = await _own_draft(session, actor, note_id)
    if title is not None:
        note.title = _require_text(title, "title")
        _check_lengths(Note, {"title": note.title})
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
    original = await get_or_not_found(session, Note, note_id, "Note", "noteId")
    if original.status != NoteStatus.SIGNED:
        raise DomainError(
            PatientError.NOTE_NOT_SIGNED,
            "Edit the draft itself; addenda are for signed notes.",
            ["noteId"],
        )
    return await create_note(
        session,
        actor,
        original.patient_id,
        title=_addendum_title(original.title),
        body=body,
        amends_note_id=original.id,
    )


# break-glass -----------------------------------------------------------------------------------
async def break_glass(
    session: AsyncSession, actor: Actor, settings: Settings, patient_id: int, reason: str
) -> BreakGlassGrant:
    await _patient(session, patient_id)
    if len(reason.strip()) < 10:
        raise DomainError(
            PatientError.BREAK_GLASS_REASON_REQUIRED,
            "State why you need this record (at least 10 characters).",
            ["reason"],
        )
    now = utcnow()
    grant = BreakGlassGrant(
        user_id=actor.user_id,
        patient_id=patient_id,
        reason=reason.strip(),
        granted_at=now,
        expires_at=now + timedelta(minutes=settings.break_glass_minutes),
    )
    session.add(grant)
    await session.flush()
    trail.record(
        session,
        actor,
        "break_glass",
        "Patient",
        patient_id,
        patient_id=patient_id,
        break_glass=True,
        detail={"reason": grant.reason, "expiresAt": grant.expires_at.isoformat()},
    )
    return grant


async def break_glass_patient_ids(
    session: AsyncSession, user_id: int | None, patient_ids: Sequence[int]
) -> set[int]:
    """Which of these patients the user holds an unexpired break-glass grant for."""
    if user_id is None or not patient_ids:
        return set()
    rows = await session.scalars(
        select(BreakGlassGrant.patient_id).where(
            BreakGlassGrant.user_id == user_id,
            BreakGlassGrant.patient_id.in_(patient_ids),
            BreakGlassGrant.expires_at > utcnow(),
        )
    )
    return set(rows.all())
