"""Billing tables: payers, the practice as billing provider, fee schedules, encounters and their
charge lines, claims with their state history, and the money ledger.

Money is integer cents. A balance is never stored: it is the sum of `ledger_entries` rows, which
are only ever added (a reversal is a row of the opposite sign).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.billing.x12.documents import Frequency
from app.db import Base, RowScope, Timestamped, str_enum, utcnow
from app.text import LINE, MACHINE, NAME

MAX_DIAGNOSES = 12  # ICD-10-CM codes on one claim (HI segment)
MAX_MODIFIERS = 4  # per charge line (SV101-3..6)
MAX_POINTERS = 4  # diagnosis pointers per line (SV107)
LIST_SEPARATOR = ","  # how the short ordered lists (diagnoses, modifiers, pointers) are stored


class ClaimState(enum.StrEnum):
    DRAFT = "draft"
    READY = "ready"  # scrubbed clean, waiting for a batch
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    PAID = "paid"
    PARTIALLY_PAID = "partially_paid"
    DENIED = "denied"
    VOID = "void"


class LedgerKind(enum.StrEnum):
    CHARGE = "charge"  # +: services billed (a reversed charge is a negative CHARGE)
    PAYMENT = "payment"  # -: money received, from a payer or the patient
    ADJUSTMENT = "adjustment"  # -/+: contractual and other adjustments (CARC)
    REFUND = "refund"  # +: money given back
    WRITE_OFF = "write_off"  # -: forgiven by the practice
    TRANSFER = "transfer"  # a pair moving an amount between responsibilities (sums to 0)


class Responsibility(enum.StrEnum):
    INSURANCE = "insurance"
    PATIENT = "patient"


class Payer(Timestamped, Base):
    """An insurer claims go to; `payer_id` is its X12 payer id (2010BB NM109). Part of the
    practice's catalog: a patient's own claims name their payer."""

    __tablename__ = "payers"
    __row_scope__ = RowScope.PRACTICE

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), info=NAME)
    payer_id: Mapped[str] = mapped_column(String(80), unique=True, info=LINE)
    filing_indicator: Mapped[str] = mapped_column(String(2), info=LINE)  # SBR09: CI, MB, MC...
    address_line1: Mapped[str | None] = mapped_column(String(55), info=LINE)
    address_line2: Mapped[str | None] = mapped_column(String(55), info=LINE)
    city: Mapped[str | None] = mapped_column(String(30), info=LINE)
    state: Mapped[str | None] = mapped_column(String(2), info=LINE)
    postal_code: Mapped[str | None] = mapped_column(String(9), info=LINE)  # digits only


class BillingProvider(Timestamped, Base):
    """The practice as it bills (2010AA): one row, id 1, written by updateBillingProvider."""

    __tablename__ = "billing_providers"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), info=NAME)
    npi: Mapped[str] = mapped_column(String(10), info=LINE)
    tax_id: Mapped[str] = mapped_column(String(9), info=LINE)  # EIN, 9 digits
    address_line1: Mapped[str] = mapped_column(String(55), info=LINE)
    address_line2: Mapped[str | None] = mapped_column(String(55), info=LINE)
    city: Mapped[str] = mapped_column(String(30), info=LINE)
    state: Mapped[str] = mapped_column(String(2), info=LINE)
    postal_code: Mapped[str] = mapped_column(String(9), info=LINE)  # 5 or 9 digits (ZIP+4)
    contact_name: Mapped[str | None] = mapped_column(String(60), info=NAME)
    contact_phone: Mapped[str | None] = mapped_column(String(10), info=LINE)  # 10 digits


class FeeSchedule(Timestamped, Base):
    """Prices in force from `valid_from` to `valid_until` (inclusive; null: open-ended): the
    practice's default (no payer) or a payer's contracted schedule."""

    __tablename__ = "fee_schedules"
    __table_args__ = (
        CheckConstraint(
            "valid_until IS NULL OR valid_from <= valid_until", name="valid_from_before_until"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, info=NAME)
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("payers.id"), index=True)
    valid_from: Mapped[date]
    valid_until: Mapped[date | None]


class FeeScheduleEntry(Timestamped, Base):
    """One price: a CPT/HCPCS code with its modifiers (stored joined, "" for none)."""

    __tablename__ = "fee_schedule_entries"
    __table_args__ = (
        UniqueConstraint("fee_schedule_id", "code", "modifiers"),
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fee_schedule_id: Mapped[int] = mapped_column(ForeignKey("fee_schedules.id"))
    code: Mapped[str] = mapped_column(String(5), info=LINE)
    modifiers: Mapped[str] = mapped_column(String(11), default="", info=LINE)
    price_cents: Mapped[int]


class Encounter(Timestamped, Base):
    """A visit as billing sees it: one per fulfilled appointment, or made directly."""

    __tablename__ = "encounters"
    __row_scope__ = RowScope.PATIENT

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    service_date: Mapped[date] = mapped_column(index=True)
    # Up to 12 ICD-10-CM codes in their dotted form, principal first, joined by LIST_SEPARATOR
    diagnoses: Mapped[str] = mapped_column(String(120), default="", info=LINE)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def diagnosis_codes(self) -> list[str]:
        return split(self.diagnoses)


class ChargeLine(Timestamped, Base):
    """A service billed on an encounter. Removing one marks it removed (its ledger rows and
    the claims that carried it keep pointing at it); its control number never repeats."""

    __tablename__ = "charge_lines"
    __row_scope__ = RowScope.PATIENT
    __table_args__ = (
        CheckConstraint("units BETWEEN 1 AND 999", name="units_range"),
        CheckConstraint("unit_price_cents >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounters.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    code: Mapped[str] = mapped_column(String(5), info=LINE)
    modifiers: Mapped[str] = mapped_column(String(11), default="", info=LINE)
    units: Mapped[int]
    unit_price_cents: Mapped[int]
    charge_cents: Mapped[int]  # units x unit price, as billed
    diagnosis_pointers: Mapped[str] = mapped_column(String(11), default="", info=LINE)
    rendering_provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    fee_schedule_id: Mapped[int | None] = mapped_column(ForeignKey("fee_schedules.id"))
    line_control_number: Mapped[str] = mapped_column(String(30), unique=True, info=MACHINE)
    removed_at: Mapped[datetime | None]

    @property
    def modifier_codes(self) -> list[str]:
        return split(self.modifiers)

    @property
    def pointers(self) -> list[int]:
        return [int(p) for p in split(self.diagnosis_pointers) if p.isdigit()]


class Claim(Timestamped, Base):
    """One encounter billed to one coverage. A corrected (7) or void (8) claim names the claim
    it replaces in `parent_claim_id`."""

    __tablename__ = "claims"
    __row_scope__ = RowScope.PATIENT
    __table_args__ = (Index("ix_claims_encounter_id_coverage_id", "encounter_id", "coverage_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounters.id"))
    coverage_id: Mapped[int] = mapped_column(ForeignKey("coverages.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    payer_id: Mapped[int] = mapped_column(ForeignKey("payers.id"), index=True)
    state: Mapped[ClaimState] = mapped_column(str_enum(ClaimState), index=True)
    control_number: Mapped[str] = mapped_column(String(20), unique=True, info=MACHINE)
    frequency: Mapped[Frequency] = mapped_column(str_enum(Frequency), default=Frequency.ORIGINAL)
    payer_claim_number: Mapped[str | None] = mapped_column(String(50), info=LINE)
    parent_claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), index=True)
    place_of_service: Mapped[str] = mapped_column(String(2), default="11", info=LINE)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


def _state(name: str) -> Enum:
    """A claim state column whose CHECK is named for it (two in one table need two names)."""
    column_type = str_enum(ClaimState)
    column_type.name = name
    return column_type


class ClaimEvent(Base):
    """One change of a claim's state: from, to, who, when, why."""

    __tablename__ = "claim_events"
    __row_scope__ = RowScope.PATIENT

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    from_state: Mapped[ClaimState | None] = mapped_column(_state("claim_from_state"))
    to_state: Mapped[ClaimState] = mapped_column(_state("claim_to_state"))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_username: Mapped[str] = mapped_column(String(64), info=MACHINE)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str | None] = mapped_column(String(400), info=LINE)


class LedgerEntry(Base):
    """A money movement. Signs: + increases what is owed to the practice, - decreases it."""

    __tablename__ = "ledger_entries"
    __row_scope__ = RowScope.PATIENT
    __table_args__ = (Index("ix_ledger_entries_patient_id_posted_at", "patient_id", "posted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LedgerKind] = mapped_column(str_enum(LedgerKind))
    amount_cents: Mapped[int]
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), index=True)
    charge_line_id: Mapped[int | None] = mapped_column(ForeignKey("charge_lines.id"), index=True)
    responsibility: Mapped[Responsibility] = mapped_column(str_enum(Responsibility))
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("payers.id"), index=True)
    posted_at: Mapped[datetime] = mapped_column(default=utcnow)
    group_code: Mapped[str | None] = mapped_column(String(2), info=LINE)  # CARC group: CO PR OA..
    reason_code: Mapped[str | None] = mapped_column(String(5), info=LINE)  # CARC
    remark_codes: Mapped[str | None] = mapped_column(String(100), info=LINE)  # RARCs, joined
    source: Mapped[str] = mapped_column(String(100), info=MACHINE)  # e.g. claim:12, 835:<trace>
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


def split(joined: str) -> list[str]:
    return [part for part in joined.split(LIST_SEPARATOR) if part]


def join(parts: list[str] | tuple[str, ...]) -> str:
    return LIST_SEPARATOR.join(parts)


class PaymentMethod(enum.StrEnum):
    CASH = "cash"
    CHECK = "check"
    CARD = "card"
    OTHER = "other"


class AccountTransactionKind(enum.StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"
    WRITE_OFF = "write_off"


class AccountTransaction(Timestamped, Base):
    """A payment taken from a patient, a refund of one, or a write-off: the record a person
    made (method, reference, reason); its money is in `ledger_entries` (source "txn:<id>").
    `idempotency_key` is unique so a payment sent twice, even at once, is recorded once."""

    __tablename__ = "account_transactions"
    __row_scope__ = RowScope.PATIENT
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AccountTransactionKind] = mapped_column(str_enum(AccountTransactionKind))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    amount_cents: Mapped[int]
    method: Mapped[PaymentMethod | None] = mapped_column(str_enum(PaymentMethod))
    reference: Mapped[str | None] = mapped_column(String(80), info=LINE)  # check/card ref
    reason: Mapped[str | None] = mapped_column(String(400), info=LINE)  # refunds, write-offs
    idempotency_key: Mapped[str | None] = mapped_column(String(100), unique=True, info=MACHINE)
    payment_id: Mapped[int | None] = mapped_column(
        ForeignKey("account_transactions.id"), index=True
    )  # what a refund gives back
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))  # a write-off's claim
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
