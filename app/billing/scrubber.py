"""The claim scrubber: every reason a payer would refuse the claim, found before it is sent,
each with a code. A claim with problems cannot leave DRAFT (claims.mark_ready).

`problems_of(document, today)` checks the plain claim document (the 837P's values);
`scrub_claim` adds what only the rows can tell (a subscriber without a birth date, no billing
provider) and records the scrub in the audit trail.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import Actor
from app.billing import codes
from app.billing.claim_documents import build, claim_rows
from app.billing.claims import claim_and_encounter, move_claim
from app.billing.errors import BillingErrorCode
from app.billing.models import MAX_DIAGNOSES, MAX_MODIFIERS, MAX_POINTERS, Claim, ClaimState
from app.billing.x12.documents import ClaimDocument, Person
from app.config import Settings
from app.errors import DomainError, DomainErrors
from app.identifiers import npi_is_valid
from app.patients import icd10
from app.patients.models import SubscriberRelationship
from app.patients.rules import today


class ScrubProblemCode(enum.StrEnum):
    NO_CHARGE_LINES = "NO_CHARGE_LINES"
    MISSING_DIAGNOSIS = "MISSING_DIAGNOSIS"
    INVALID_DIAGNOSIS = "INVALID_DIAGNOSIS"
    INVALID_PROCEDURE_CODE = "INVALID_PROCEDURE_CODE"
    MODIFIER_NOT_ALLOWED = "MODIFIER_NOT_ALLOWED"
    MISSING_POINTER = "MISSING_POINTER"
    POINTER_OUT_OF_RANGE = "POINTER_OUT_OF_RANGE"
    INVALID_NPI = "INVALID_NPI"
    MISSING_BILLING_PROVIDER = "MISSING_BILLING_PROVIDER"
    MISSING_SUBSCRIBER_DATA = "MISSING_SUBSCRIBER_DATA"
    MISSING_PATIENT_ADDRESS = "MISSING_PATIENT_ADDRESS"
    ZIP_WITHOUT_PLUS4 = "ZIP_WITHOUT_PLUS4"
    SERVICE_DATE_IN_FUTURE = "SERVICE_DATE_IN_FUTURE"
    ZERO_CHARGE = "ZERO_CHARGE"


@dataclass(frozen=True)
class ScrubProblem:
    code: ScrubProblemCode
    message: str
    field: tuple[str, ...]  # where, in the claim: ("lines", "0", "modifiers"), ("diagnoses",)
    line_control_number: str | None = None


def _line_problems(document: ClaimDocument, on: date) -> list[ScrubProblem]:
    found = []
    count = len(document.diagnoses)
    for index, line in enumerate(document.lines):
        at, lcn = ("lines", str(index)), line.control_number

        def add(code: ScrubProblemCode, message: str, name: str) -> None:
            found.append(ScrubProblem(code, message, (*at, name), lcn))  # noqa: B023

        if not codes.procedure_code_is_valid(line.procedure_code):
            add(
                ScrubProblemCode.INVALID_PROCEDURE_CODE,
                f"{line.procedure_code!r} is neither a CPT nor a HCPCS code.",
                "code",
            )
        bad = [m for m in line.modifiers if not codes.modifier_is_valid(m)]
        if bad or len(line.modifiers) > MAX_MODIFIERS:
            add(
                ScrubProblemCode.MODIFIER_NOT_ALLOWED,
                f"At most {MAX_MODIFIERS} modifiers of two letters or digits"
                + (f"; not {', '.join(map(repr, bad))}." if bad else "."),
                "modifiers",
            )
        if not line.diagnosis_pointers:
            add(ScrubProblemCode.MISSING_POINTER, "The line points at no diagnosis.", "pointers")
        out = [p for p in line.diagnosis_pointers if not 1 <= p <= count]
        if out or len(line.diagnosis_pointers) > MAX_POINTERS:
            add(
                ScrubProblemCode.POINTER_OUT_OF_RANGE,
                f"Pointers are at most {MAX_POINTERS}, each 1 to {count}"
                + (f"; not {', '.join(map(str, out))}." if out else "."),
                "pointers",
            )
        if line.service_date > on:
            add(
                ScrubProblemCode.SERVICE_DATE_IN_FUTURE,
                f"The service date {line.service_date} is after today ({on}).",
                "service_date",
            )
        if line.charge_cents <= 0:
            add(ScrubProblemCode.ZERO_CHARGE, "The line charges nothing.", "charge")
        rendering = line.rendering_provider
        if rendering is not None and not npi_is_valid(rendering.identifier):
            add(
                ScrubProblemCode.INVALID_NPI,
                f"The rendering provider's NPI {rendering.identifier!r} fails its check digit.",
                "rendering_provider",
            )
    return found


def problems_of(document: ClaimDocument, on: date) -> list[ScrubProblem]:
    """Every problem of the document, in claim order (claim-level first, then each line)."""
    found: list[ScrubProblem] = []
    if not document.lines:
        found.append(
            ScrubProblem(ScrubProblemCode.NO_CHARGE_LINES, "The claim has no lines.", ("lines",))
        )
    if not document.diagnoses:
        found.append(
            ScrubProblem(
                ScrubProblemCode.MISSING_DIAGNOSIS, "The claim has no diagnosis.", ("diagnoses",)
            )
        )
    if len(document.diagnoses) > MAX_DIAGNOSES:
        found.append(
            ScrubProblem(
                ScrubProblemCode.INVALID_DIAGNOSIS,
                f"A claim carries at most {MAX_DIAGNOSES} diagnoses.",
                ("diagnoses",),
            )
        )
    for index, code in enumerate(document.diagnoses):
        if icd10.lookup(code) is None:
            found.append(
                ScrubProblem(
                    ScrubProblemCode.INVALID_DIAGNOSIS,
                    f"{code!r} is not a code of the ICD-10-CM code set in use.",
                    ("diagnoses", str(index)),
                )
            )
    billing = document.billing_provider
    if billing.identifier and not npi_is_valid(billing.identifier):
        found.append(
            ScrubProblem(
                ScrubProblemCode.INVALID_NPI,
                f"The billing provider's NPI {billing.identifier!r} fails its check digit.",
                ("billing_provider", "npi"),
            )
        )
    if billing.address is not None and len(billing.address.postal_code) != 9:
        found.append(
            ScrubProblem(
                ScrubProblemCode.ZIP_WITHOUT_PLUS4,
                "The billing provider's ZIP code needs its +4 (9 digits).",
                ("billing_provider", "postal_code"),
            )
        )
    rendering = document.rendering_provider
    if rendering is not None and not npi_is_valid(rendering.identifier):
        found.append(
            ScrubProblem(
                ScrubProblemCode.INVALID_NPI,
                f"The rendering provider's NPI {rendering.identifier!r} fails its check digit.",
                ("rendering_provider", "npi"),
            )
        )
    if document.patient.address is None:
        found.append(
            ScrubProblem(
                ScrubProblemCode.MISSING_PATIENT_ADDRESS
                if document.relationship != "18"
                else ScrubProblemCode.MISSING_SUBSCRIBER_DATA,
                "The patient's address (street, city, state, ZIP) is incomplete.",
                ("patient", "address"),
            )
        )
    found += _subscriber_problems(document.subscriber)
    return found + _line_problems(document, on)


def _subscriber_problems(subscriber: Person) -> list[ScrubProblem]:
    missing = [
        name
        for name, value in (
            ("member_id", subscriber.member_id),
            ("subscriber_name", subscriber.last_name),
        )
        if not value
    ]
    return [
        ScrubProblem(
            ScrubProblemCode.MISSING_SUBSCRIBER_DATA,
            f"The coverage lacks the subscriber's {name.replace('_', ' ')}.",
            ("subscriber", name),
        )
        for name in missing
    ]


async def scrub_claim(
    session: AsyncSession, actor: Actor, settings: Settings, claim: Claim
) -> list[ScrubProblem]:
    """Every problem of the claim as its rows are now (empty: clean)."""
    rows = await claim_rows(session, claim)
    found: list[ScrubProblem] = []
    if rows.provider is None:
        found.append(
            ScrubProblem(
                ScrubProblemCode.MISSING_BILLING_PROVIDER,
                "The practice's billing provider is not set up (updateBillingProvider).",
                ("billing_provider",),
            )
        )
    coverage = rows.coverage
    if coverage.relationship != SubscriberRelationship.SELF and not coverage.subscriber_birth_date:
        found.append(
            ScrubProblem(
                ScrubProblemCode.MISSING_SUBSCRIBER_DATA,
                "The coverage lacks the subscriber's birth date.",
                ("subscriber", "birth_date"),
            )
        )
    trail.record(session, actor, "read", "Claim", claim.id, patient_id=claim.patient_id)
    return found + problems_of(build(rows), today(settings))


async def mark_ready(
    session: AsyncSession, actor: Actor, settings: Settings, claim_id: int
) -> Claim:
    """DRAFT -> READY, only when the scrub finds nothing: else one CLAIM_NOT_CLEAN per problem
    (its message names the problem's code) and nothing changes."""
    claim, _ = await claim_and_encounter(session, claim_id)  # its lines hold still meanwhile
    if claim.state == ClaimState.DRAFT:
        problems = await scrub_claim(session, actor, settings, claim)
        if problems:
            raise DomainErrors(
                [
                    DomainError(BillingErrorCode.CLAIM_NOT_CLEAN, f"{p.code}: {p.message}")
                    for p in problems
                ]
            )
    return await move_claim(session, actor, claim_id, "ready", "Scrubbed clean")
