"""Patient record tables. Names follow FHIR R4 where it has a resource for the thing."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.crypto import encrypted_column
from app.db import Base, RowScope, Timestamped, str_enum
from app.text import LINE, MACHINE, MULTILINE, NAME


class Sex(enum.StrEnum):  # FHIR AdministrativeGender
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class AllergyCategory(enum.StrEnum):
    FOOD = "food"
    MEDICATION = "medication"
    ENVIRONMENT = "environment"
    BIOLOGIC = "biologic"


class AllergySeverity(enum.StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class ClinicalStatus(enum.StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    RESOLVED = "resolved"


class SubscriberRelationship(enum.StrEnum):  # FHIR subscriber-relationship
    SELF = "self"
    SPOUSE = "spouse"
    CHILD = "child"
    OTHER = "other"


class BreakGlassFinding(enum.StrEnum):
    """What a compliance officer found on reviewing a break-glass grant."""

    APPROPRIATE = "appropriate"
    INAPPROPRIATE = "inappropriate"
    NEEDS_FOLLOW_UP = "needs_follow_up"  # the one finding that may be reviewed again


class NoteStatus(enum.StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"


class Patient(Timestamped, Base):
    __tablename__ = "patients"
    __row_scope__ = RowScope.PATIENT
    __patient_column__ = "id"

    id: Mapped[int] = mapped_column(primary_key=True)
    mrn: Mapped[str] = mapped_column(String(16), unique=True, info=MACHINE)
    family_name: Mapped[str] = mapped_column(String(100), info=NAME)
    given_name: Mapped[str] = mapped_column(String(100), info=NAME)
    middle_name: Mapped[str | None] = mapped_column(String(100), info=NAME)
    preferred_name: Mapped[str | None] = mapped_column(String(100), info=NAME)
    birth_date: Mapped[date] = mapped_column(index=True)
    sex: Mapped[Sex] = mapped_column(str_enum(Sex))
    gender_identity: Mapped[str | None] = mapped_column(String(64), info=LINE)
    email: Mapped[str | None] = mapped_column(String(254), info=LINE)
    phone: Mapped[str | None] = mapped_column(String(32), info=LINE)
    address_line1: Mapped[str | None] = mapped_column(String(200), info=LINE)
    address_line2: Mapped[str | None] = mapped_column(String(200), info=LINE)
    city: Mapped[str | None] = mapped_column(String(100), info=LINE)
    state: Mapped[str | None] = mapped_column(String(2), info=LINE)
    postal_code: Mapped[str | None] = mapped_column(String(10), info=LINE)
    language: Mapped[str | None] = mapped_column(String(35), info=LINE)
    # AES-256-GCM ciphertext; the last four digits are kept apart so the masked form needs no key
    ssn_encrypted: Mapped[bytes | None] = encrypted_column("patients.ssn:{mrn}")
    ssn_last4: Mapped[str | None] = mapped_column(String(4), info=MACHINE)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Allergy(Timestamped, Base):  # FHIR AllergyIntolerance
    __tablename__ = "allergies"
    __row_scope__ = RowScope.PATIENT

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    substance: Mapped[str] = mapped_column(String(200), info=LINE)
    category: Mapped[AllergyCategory] = mapped_column(str_enum(AllergyCategory))
    reaction: Mapped[str | None] = mapped_column(String(200), info=LINE)
    severity: Mapped[AllergySeverity | None] = mapped_column(str_enum(AllergySeverity))
    status: Mapped[ClinicalStatus] = mapped_column(
        str_enum(ClinicalStatus), default=ClinicalStatus.ACTIVE
    )
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Problem(Timestamped, Base):  # FHIR Condition (problem-list-item)
    __tablename__ = "problems"
    __row_scope__ = RowScope.PATIENT

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    icd10_code: Mapped[str] = mapped_column(String(8), info=LINE)
    description: Mapped[str] = mapped_column(String(400), info=MACHINE)
    status: Mapped[ClinicalStatus] = mapped_column(
        str_enum(ClinicalStatus), default=ClinicalStatus.ACTIVE
    )
    onset_date: Mapped[date | None]
    resolved_date: Mapped[date | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Coverage(Timestamped, Base):  # FHIR Coverage
    __tablename__ = "coverages"
    __row_scope__ = RowScope.PATIENT

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    payer_name: Mapped[str] = mapped_column(String(200), info=LINE)
    payer_id: Mapped[str] = mapped_column(String(32), info=LINE)  # electronic id (X12 NM109)
    member_id: Mapped[str] = mapped_column(String(64), info=LINE)
    group_number: Mapped[str | None] = mapped_column(String(64), info=LINE)
    plan_name: Mapped[str | None] = mapped_column(String(200), info=LINE)
    relationship: Mapped[SubscriberRelationship] = mapped_column(str_enum(SubscriberRelationship))
    subscriber_name: Mapped[str | None] = mapped_column(String(200), info=NAME)
    subscriber_birth_date: Mapped[date | None]
    priority: Mapped[int]  # 1 primary, 2 secondary, 3 tertiary
    period_start: Mapped[date]
    period_end: Mapped[date | None]


class Note(Timestamped, Base):  # clinical note; FHIR DocumentReference / Composition
    __tablename__ = "notes"
    __row_scope__ = RowScope.PATIENT

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200), info=LINE)
    body: Mapped[str] = mapped_column(Text, info=MULTILINE)
    status: Mapped[NoteStatus] = mapped_column(str_enum(NoteStatus), default=NoteStatus.DRAFT)
    signed_at: Mapped[datetime | None]
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # An addendum corrects or adds to a signed note, which itself never changes again.
    amends_note_id: Mapped[int | None] = mapped_column(ForeignKey("notes.id"), index=True)


class BreakGlassGrant(Base):
    """Temporary read access to one patient's notes for a user whose role lacks it."""

    __tablename__ = "break_glass_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    reason: Mapped[str] = mapped_column(Text, info=MULTILINE)
    granted_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    # The compliance review (reviewBreakGlass): null until reviewed
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(index=True)
    finding: Mapped[BreakGlassFinding | None] = mapped_column(str_enum(BreakGlassFinding))
    review_note: Mapped[str | None] = mapped_column(Text, info=MULTILINE)
