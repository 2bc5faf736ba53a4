"""Demographics: creating and changing a patient's record (validated, SSN encrypted, MRN
issued, duplicates caught), and finding patients (every read audited)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import Actor
from app.config import Settings
from app.counters import next_value
from app.crypto import FieldCipher, context_for
from app.db import get_or_not_found
from app.errors import CommonErrorCode, DomainError
from app.identifiers import mrn_for
from app.patients.errors import PatientErrorCode
from app.patients.models import (
    Patient,
)
from app.patients.rules import check_lengths, today, trimmed
from app.text import label

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
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_POSTAL = re.compile(r"^[0-9]{5}(-[0-9]{4})?$")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def ssn_context(mrn: str) -> str:
    """The associated data binding an SSN ciphertext to its patient (the MRN never changes)."""
    return context_for(Patient.ssn_encrypted, mrn=mrn)


# validation ------------------------------------------------------------------------------------
def _clean_demographics(fields: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Trim, normalize and check demographic fields; raise on the first problem."""
    clean = trimmed(fields)
    for required in ("family_name", "given_name", "birth_date", "sex"):
        if required in clean and clean[required] is None:
            raise DomainError(
                CommonErrorCode.REQUIRED, f"{label(required)} is required.", [required]
            )
    if (birth_date := clean.get("birth_date")) is not None:
        if birth_date > today(settings):
            raise DomainError(
                PatientErrorCode.BIRTH_DATE_IN_FUTURE,
                "Birth date is in the future.",
                ["birth_date"],
            )
        if birth_date.year < 1900:
            raise DomainError(
                PatientErrorCode.BIRTH_DATE_TOO_OLD, "Birth date is before 1900.", ["birth_date"]
            )
    if (email := clean.get("email")) is not None and not _EMAIL.match(email):
        raise DomainError(PatientErrorCode.INVALID_EMAIL, "Email address is not valid.", ["email"])
    if (phone := clean.get("phone")) is not None:
        digits = re.sub(r"[^0-9]", "", phone)  # ASCII digits only: no full-width look-alikes
        if not 10 <= len(digits) <= 15:
            raise DomainError(
                PatientErrorCode.INVALID_PHONE, "Phone needs 10 to 15 digits.", ["phone"]
            )
    if (state := clean.get("state")) is not None:
        if not re.fullmatch(r"[A-Za-z]{2}", state):
            raise DomainError(
                PatientErrorCode.INVALID_STATE, "Use a two-letter state code.", ["state"]
            )
        clean["state"] = state.upper()
    check_lengths(Patient, clean)
    if (postal := clean.get("postal_code")) is not None and not _POSTAL.match(postal):
        raise DomainError(
            PatientErrorCode.INVALID_POSTAL_CODE,
            "Use a 5 or 9 digit ZIP code.",
            ["postal_code"],
        )
    return clean


def normalize_ssn(raw: str) -> str:
    """Nine digits that the SSA could have issued, or a domain error."""
    digits = re.sub(r"[\s-]", "", raw)
    invalid = DomainError(
        PatientErrorCode.INVALID_SSN, "Not a valid social security number.", ["ssn"]
    )
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
    cipher = FieldCipher(settings.field_keys)
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
                PatientErrorCode.POSSIBLE_DUPLICATE,
                f"A patient with this name and birth date exists (MRN {duplicates[0].mrn}); "
                "confirm that this is another person to create the record.",
                ["confirm_duplicate"],
            )
    patient = Patient(**clean, mrn=await _new_mrn(session), created_by_id=actor.user_id)
    _set_ssn(patient, ssn, FieldCipher(settings.field_keys))
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
    patient = await get_or_not_found(session, Patient, patient_id, "Patient", "patient_id")
    clean = _clean_demographics(fields, settings)
    for name, value in clean.items():
        setattr(patient, name, value)
    if ssn_given:
        _set_ssn(patient, ssn, FieldCipher(settings.field_keys))
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
