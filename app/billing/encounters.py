"""Encounters and their codes: made directly or from a fulfilled visit, given ICD-10-CM
diagnoses (in order, at most 12) and charge lines priced from the fee schedules.

An encounter is locked while one of its claims is on its way to the payer (READY, SUBMITTED,
ACCEPTED): what was sent is what the lines say. See claims.py for when charges reach the ledger.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import Actor
from app.billing import claims as claim_rules
from app.billing import states
from app.billing.errors import BillingErrorCode
from app.billing.fee_schedules import check_procedure, price_for
from app.billing.models import (
    MAX_DIAGNOSES,
    MAX_POINTERS,
    ChargeLine,
    Encounter,
    Payer,
    join,
)
from app.counters import next_value
from app.db import get_or_not_found, utcnow
from app.errors import DomainError
from app.patients import icd10
from app.patients.models import Coverage, Patient
from app.scheduling.events import AppointmentStatusChanged
from app.scheduling.models import Location, Provider

MAX_UNITS = 999


async def create_encounter(
    session: AsyncSession,
    actor: Actor,
    *,
    patient_id: int,
    provider_id: int,
    location_id: int,
    service_date: date,
    appointment_id: int | None = None,
) -> Encounter:
    await get_or_not_found(session, Patient, patient_id, "Patient", "patient_id")
    await get_or_not_found(session, Provider, provider_id, "Provider", "provider_id")
    await get_or_not_found(session, Location, location_id, "Location", "location_id")
    encounter = Encounter(
        patient_id=patient_id,
        provider_id=provider_id,
        location_id=location_id,
        service_date=service_date,
        appointment_id=appointment_id,
        created_by_id=actor.user_id,
    )
    return await trail.add_created(session, actor, encounter, "Encounter", patient_id=patient_id)


async def encounter_for_visit(
    session: AsyncSession, actor: Actor, visit: AppointmentStatusChanged
) -> Encounter:
    """The encounter of a fulfilled visit (made once): dated the visit's local day at its
    location."""
    found = await session.scalar(
        select(Encounter).where(Encounter.appointment_id == visit.appointment_id)
    )
    if found is not None:
        return found
    location = await get_or_not_found(session, Location, visit.location_id, "Location")
    return await create_encounter(
        session,
        actor,
        patient_id=visit.patient_id,
        provider_id=visit.provider_id,
        location_id=visit.location_id,
        service_date=visit.starts_at.astimezone(ZoneInfo(location.timezone)).date(),
        appointment_id=visit.appointment_id,
    )


async def _editable(session: AsyncSession, encounter_id: int) -> Encounter:
    encounter = await claim_rules.locked_encounter(session, encounter_id, "encounter_id")
    if claim_rules.locked(await claim_rules.claims_of_encounter(session, encounter.id)):
        raise DomainError(
            BillingErrorCode.ENCOUNTER_LOCKED,
            "A claim of this encounter is on its way to the payer: void or correct it instead.",
            ["encounter_id"],
        )
    return encounter


async def set_diagnoses(
    session: AsyncSession, actor: Actor, encounter_id: int, codes: list[str]
) -> Encounter:
    """Replace the encounter's diagnoses (principal first). Each is an ICD-10-CM code, stored
    in its dotted form; lines pointing past the new list are the scrubber's to report."""
    encounter = await _editable(session, encounter_id)
    if len(codes) > MAX_DIAGNOSES:
        raise DomainError(
            BillingErrorCode.TOO_MANY_DIAGNOSES,
            f"A claim carries at most {MAX_DIAGNOSES} diagnoses.",
            ["diagnoses"],
        )
    dotted: list[str] = []
    for index, raw in enumerate(codes):
        found = icd10.lookup(raw)
        if found is None:
            raise DomainError(
                BillingErrorCode.INVALID_DIAGNOSIS_CODE,
                f"{raw!r} is not an ICD-10-CM diagnosis code.",
                ["diagnoses", str(index)],
            )
        if found.code in dotted:
            raise DomainError(
                BillingErrorCode.DUPLICATE_DIAGNOSIS,
                f"{found.code} is listed twice.",
                ["diagnoses", str(index)],
            )
        dotted.append(found.code)
    encounter.diagnoses = join(dotted)
    await session.flush()
    trail.record(
        session,
        actor,
        "update",
        "Encounter",
        encounter.id,
        patient_id=encounter.patient_id,
        detail={"diagnoses": len(dotted)},
    )
    return encounter


async def primary_payer(session: AsyncSession, patient_id: int, on: date) -> Payer | None:
    """The payer of the patient's primary coverage in force on a day (known by its X12 id)."""
    coverage = await session.scalar(
        select(Coverage)
        .where(Coverage.patient_id == patient_id, Coverage.priority == 1)
        .where(Coverage.period_start <= on)
        .where((Coverage.period_end.is_(None)) | (Coverage.period_end >= on))
        .order_by(Coverage.id.desc())
        .limit(1)
    )
    return None if coverage is None else await claim_rules.payer_of_coverage(session, coverage)


async def add_charge_line(
    session: AsyncSession,
    actor: Actor,
    *,
    encounter_id: int,
    code: str,
    modifiers: list[str],
    units: int,
    diagnosis_pointers: list[int],
    rendering_provider_id: int | None = None,
) -> ChargeLine:
    """A service on the encounter, priced by the schedule in force on its date of service for
    the patient's primary payer, else the default; its line control number never repeats."""
    encounter = await _editable(session, encounter_id)
    code, modifiers = check_procedure(code, modifiers)
    if not 1 <= units <= MAX_UNITS:
        raise DomainError(BillingErrorCode.INVALID_UNITS, f"Units are 1 to {MAX_UNITS}.", ["units"])
    count = len(encounter.diagnosis_codes)
    if len(diagnosis_pointers) > MAX_POINTERS or not all(
        1 <= p <= count for p in diagnosis_pointers
    ):
        raise DomainError(
            BillingErrorCode.INVALID_POINTER,
            f"At most {MAX_POINTERS} pointers, each the position (1 to {count}) of one of the "
            "encounter's diagnoses.",
            ["diagnosis_pointers"],
        )
    if rendering_provider_id is not None:
        await get_or_not_found(
            session, Provider, rendering_provider_id, "Provider", "rendering_provider_id"
        )
    payer = await primary_payer(session, encounter.patient_id, encounter.service_date)
    price = await price_for(
        session, payer.id if payer else None, code, modifiers, encounter.service_date
    )
    if price is None:
        raise DomainError(
            BillingErrorCode.NO_PRICE,
            f"No fee schedule in force on {encounter.service_date} prices {code}.",
            ["code"],
        )
    line = ChargeLine(
        encounter_id=encounter.id,
        patient_id=encounter.patient_id,
        code=code,
        modifiers=join(modifiers),
        units=units,
        unit_price_cents=price.cents,
        charge_cents=price.cents * units,
        diagnosis_pointers=join([str(p) for p in diagnosis_pointers]),
        rendering_provider_id=rendering_provider_id or encounter.provider_id,
        fee_schedule_id=price.fee_schedule_id,
        line_control_number=f"{await next_value(session, claim_rules.LINE_COUNTER):010d}",
    )
    await trail.add_created(session, actor, line, "ChargeLine", patient_id=line.patient_id)
    await _charges_follow(session, actor, encounter.id, line, 1, "line added")
    return line


async def remove_charge_line(session: AsyncSession, actor: Actor, line_id: int) -> ChargeLine:
    """Take a line off the encounter (kept, marked removed); its charge is reversed while the
    claim holding the charges is being edited."""
    line = await get_or_not_found(session, ChargeLine, line_id, "Charge line", "charge_line_id")
    if line.removed_at is not None:
        raise DomainError(
            BillingErrorCode.LINE_REMOVED, "The line is removed already.", ["charge_line_id"]
        )
    await _editable(session, line.encounter_id)
    line.removed_at = utcnow()
    await session.flush()
    trail.record(session, actor, "delete", "ChargeLine", line.id, patient_id=line.patient_id)
    await _charges_follow(session, actor, line.encounter_id, line, -1, "line removed")
    return line


async def _charges_follow(
    session: AsyncSession, actor: Actor, encounter_id: int, line: ChargeLine, sign: int, why: str
) -> None:
    holder = claim_rules.charge_holder(await claim_rules.claims_of_encounter(session, encounter_id))
    if holder is not None and holder.state in states.CHARGES_FOLLOW_LINES:
        await claim_rules.post_charge(session, actor, holder, line, sign, why)
