"""A claim's rows as the plain values of app/billing/x12/documents.py (what the 837P writer
and the scrubber read): `claim_document(session, claim)`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.authz import ALL_ROWS
from app.billing import claims as claim_rules
from app.billing import codes
from app.billing.errors import BillingErrorCode
from app.billing.models import BillingProvider, ChargeLine, Claim, Encounter, Payer
from app.billing.setup import billing_provider
from app.billing.x12 import documents as doc
from app.errors import DomainError
from app.patients.models import Coverage, Patient, Sex, SubscriberRelationship
from app.scheduling.models import Provider
from app.users.models import User

RELATIONSHIP_CODES = {  # SBR02 / PAT01 individual relationship codes
    SubscriberRelationship.SELF: "18",
    SubscriberRelationship.SPOUSE: "01",
    SubscriberRelationship.CHILD: "19",
    SubscriberRelationship.OTHER: "G8",
}
SEX_CODES = {Sex.FEMALE: "F", Sex.MALE: "M"}
RESPONSIBILITY_CODES = {1: "P", 2: "S", 3: "T"}
UNKNOWN_BIRTH_DATE = dt.date(1900, 1, 1)  # stands in, for the scrubber, where none is recorded


@dataclass(frozen=True)
class ClaimRows:
    """Everything a claim's document is made of, read once."""

    claim: Claim
    encounter: Encounter
    patient: Patient
    coverage: Coverage
    payer: Payer
    provider: BillingProvider | None
    lines: list[ChargeLine]
    providers: dict[int, tuple[Provider, str]]  # provider id -> (row, full name)


async def claim_rows(session: AsyncSession, claim: Claim) -> ClaimRows:
    encounter = await session.get(Encounter, claim.encounter_id)
    patient = await session.get(Patient, claim.patient_id)
    coverage = await session.get(Coverage, claim.coverage_id)
    payer = await session.get(Payer, claim.payer_id)
    assert encounter and patient and coverage and payer
    lines = await claim_rules.current_lines(session, encounter.id)
    provider_ids = {encounter.provider_id, *(line.rendering_provider_id for line in lines)}
    named = await session.execute(
        select(Provider, User.full_name)
        .join(User, User.id == Provider.user_id)
        .where(Provider.id.in_(provider_ids))
        .execution_options(**ALL_ROWS)  # staff names on a record (not disclosed beyond it)
    )
    providers = {row.id: (row, name) for row, name in named.all()}
    return ClaimRows(
        claim,
        encounter,
        patient,
        coverage,
        payer,
        await billing_provider(session),
        lines,
        providers,
    )


def _address(
    line1: str | None,
    city: str | None,
    state: str | None,
    zip_: str | None,
    line2: str | None = None,
) -> doc.Address | None:
    if not (line1 and city and state and zip_):
        return None
    digits = codes.zip_digits(zip_) or zip_
    return doc.Address(line1=line1, city=city, state=state, postal_code=digits, line2=line2 or "")


def split_name(full: str) -> tuple[str, str]:
    """(last, first) of "Last, First" or "First Middle Last"."""
    if "," in full:
        last, given = full.split(",", 1)
        return last.strip(), given.strip()
    *names, last = full.split()
    return last, " ".join(names)


def _person_party(provider: Provider, name: str) -> doc.Party:
    last, first = split_name(name)
    return doc.Party(name=last, first_name=first, identifier=provider.npi)


def build(rows: ClaimRows) -> doc.ClaimDocument:
    """The document, with stand-ins where rows lack something (the scrubber reports those)."""
    claim, patient, coverage, bp = rows.claim, rows.patient, rows.coverage, rows.provider
    patient_address = _address(
        patient.address_line1,
        patient.city,
        patient.state,
        patient.postal_code,
        patient.address_line2,
    )
    patient_person = doc.Person(
        last_name=patient.family_name,
        first_name=patient.given_name,
        birth_date=patient.birth_date,
        sex=SEX_CODES.get(patient.sex, "U"),
        address=patient_address,
    )
    if coverage.relationship == SubscriberRelationship.SELF:
        subscriber = doc.Person(
            last_name=patient.family_name,
            first_name=patient.given_name,
            birth_date=patient.birth_date,
            sex=patient_person.sex,
            address=patient_address,
            member_id=coverage.member_id,
        )
    else:
        name = coverage.subscriber_name
        last, first = split_name(name) if name else ("", "")
        subscriber = doc.Person(
            last_name=last,
            first_name=first,
            birth_date=coverage.subscriber_birth_date or UNKNOWN_BIRTH_DATE,
            sex="U",
            member_id=coverage.member_id,
        )
    billing = doc.Party(
        name=bp.name if bp else "",
        identifier=bp.npi if bp else "",
        tax_id=bp.tax_id if bp else "",
        address=_address(bp.address_line1, bp.city, bp.state, bp.postal_code, bp.address_line2)
        if bp
        else None,
        contact_name=(bp.contact_name or "") if bp else "",
        contact_phone=(bp.contact_phone or "") if bp else "",
    )
    rendering_id = rows.encounter.provider_id
    lines = tuple(
        doc.ServiceLine(
            control_number=line.line_control_number,
            procedure_code=line.code,
            modifiers=tuple(line.modifier_codes),
            charge_cents=line.charge_cents,
            units=line.units,
            service_date=rows.encounter.service_date,
            diagnosis_pointers=tuple(line.pointers),
            rendering_provider=None
            if line.rendering_provider_id == rendering_id
            else _person_party(*rows.providers[line.rendering_provider_id]),
        )
        for line in rows.lines
    )
    payer = rows.payer
    return doc.ClaimDocument(
        control_number=claim.control_number,
        payer=doc.Payer(
            name=payer.name,
            payer_id=payer.payer_id,
            filing_indicator=payer.filing_indicator,
            address=_address(
                payer.address_line1,
                payer.city,
                payer.state,
                payer.postal_code,
                payer.address_line2,
            ),
        ),
        billing_provider=billing,
        subscriber=subscriber,
        relationship=RELATIONSHIP_CODES[coverage.relationship],
        patient=patient_person,
        responsibility=RESPONSIBILITY_CODES.get(coverage.priority, "P"),
        place_of_service=claim.place_of_service,
        diagnoses=tuple(codes.undotted(c) for c in rows.encounter.diagnosis_codes),
        lines=lines,
        rendering_provider=_person_party(*rows.providers[rendering_id]),
        group_number=coverage.group_number or "",
        frequency=claim.frequency,
        payer_claim_number=claim.payer_claim_number or "",
    )


async def claim_document(session: AsyncSession, claim: Claim) -> doc.ClaimDocument:
    """The claim as the 837P writer takes it. CLAIM_INCOMPLETE when the rows cannot say what a
    claim must (no billing provider, a subscriber without name or birth date): scrub first."""
    rows = await claim_rows(session, claim)
    coverage = rows.coverage
    if rows.provider is None or (
        coverage.relationship != SubscriberRelationship.SELF
        and not (coverage.subscriber_name and coverage.subscriber_birth_date)
    ):
        raise DomainError(
            BillingErrorCode.CLAIM_INCOMPLETE,
            "The claim lacks its billing provider or its subscriber's name or birth date.",
            ["claim_id"],
        )
    return build(rows)
