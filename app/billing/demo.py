"""Demo billing: the practice's billing identity, payers, a default fee schedule (office
visits 99202-99215 and a few procedures) with two contracted ones, and the demo's past
fulfilled visits coded and billed (claims scrubbed and READY, charges on the ledger)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.authz import Actor
from app.billing import claims, encounters, fee_schedules, scrubber, setup
from app.billing.models import Encounter
from app.config import Settings
from app.patients.models import Coverage, Problem
from app.scheduling.models import Appointment, AppointmentStatus, AppointmentType, Location

BILLING_PROVIDER = {
    "name": "Demo Family Practice",
    "npi": "1457352585",
    "tax_id": "04-3456789",
    "address_line1": "120 Main Street",
    "city": "Springfield",
    "state": "MA",
    "postal_code": "01103-2417",
    "contact_name": "Billing Office",
    "contact_phone": "4135550142",
}
DEFAULT_FEES = {  # CPT -> cents
    "99202": 11_000,
    "99203": 16_500,
    "99204": 25_000,
    "99205": 31_500,
    "99211": 4_500,
    "99212": 8_500,
    "99213": 13_000,
    "99214": 19_000,
    "99215": 25_500,
    "36415": 1_500,  # venipuncture
    "81002": 1_200,  # urinalysis
    "93000": 4_500,  # ECG
    "90471": 2_500,  # immunization administration
    "90791": 20_000,  # psychiatric diagnostic evaluation
    "90834": 13_000,  # psychotherapy, 45 minutes
}
CONTRACTS = {"04412": 0.80, "60054": 0.90}  # payer id -> share of the default price
VISIT_CODES = {  # appointment type -> E/M or therapy code
    "Annual physical": "99214",
    "Follow-up": "99213",
    "Sick visit": "99213",
    "Therapy session": "90834",
}
DEFAULT_DIAGNOSES = ["Z00.00", "I10", "E11.9", "J06.9", "F41.1"]


async def seed_billing(
    session: AsyncSession, actor: Actor, settings: Settings, payers: Sequence[tuple[str, str]]
) -> int:
    """Set billing up once (skipped when a billing provider exists); returns claims made."""
    if await setup.billing_provider(session) is not None:
        return 0
    await setup.update_billing_provider(session, actor, fields=dict(BILLING_PROVIDER))
    payer_rows = {}
    for name, payer_id in payers:
        indicator = {"04412": "MB", "00590": "BL"}.get(payer_id, "CI")
        payer_rows[payer_id] = await setup.create_payer(
            session,
            actor,
            fields={"name": name, "payer_id": payer_id, "filing_indicator": indicator},
        )
    default = await fee_schedules.create_fee_schedule(
        session,
        actor,
        name="Practice fees",
        payer_id=None,
        valid_from=date(2020, 1, 1),
        valid_until=None,
    )
    schedules = [(default, 1.0)]
    for payer_id, share in CONTRACTS.items():
        if payer_id in payer_rows:
            contract = await fee_schedules.create_fee_schedule(
                session,
                actor,
                name=f"{payer_rows[payer_id].name} contract",
                payer_id=payer_rows[payer_id].id,
                valid_from=date(2024, 1, 1),
                valid_until=None,
            )
            schedules.append((contract, share))
    for schedule, share in schedules:
        for code, cents in DEFAULT_FEES.items():
            await fee_schedules.set_fee_schedule_entry(
                session,
                actor,
                fee_schedule_id=schedule.id,
                code=code,
                modifiers=[],
                price_cents=round(cents * share),
            )
    return await _bill_past_visits(session, actor, settings)


async def _bill_past_visits(session: AsyncSession, actor: Actor, settings: Settings) -> int:
    rng = random.Random(10)
    visits = (
        await session.execute(
            select(Appointment, AppointmentType.name, Location.timezone)
            .join(AppointmentType, AppointmentType.id == Appointment.appointment_type_id)
            .join(Location, Location.id == Appointment.location_id)
            .where(Appointment.status == AppointmentStatus.FULFILLED)
            .order_by(Appointment.starts_at)
        )
    ).all()
    made = 0
    for visit, type_name, timezone in visits:
        if await session.scalar(select(Encounter.id).where(Encounter.appointment_id == visit.id)):
            continue
        encounter = await encounters.create_encounter(
            session,
            actor,
            patient_id=visit.patient_id,
            provider_id=visit.provider_id,
            location_id=visit.location_id,
            service_date=visit.starts_at.astimezone(ZoneInfo(timezone)).date(),
            appointment_id=visit.id,
        )
        problems = (
            await session.scalars(
                select(Problem.icd10_code).where(Problem.patient_id == visit.patient_id)
            )
        ).all()
        codes = list(dict.fromkeys(problems)) or [rng.choice(DEFAULT_DIAGNOSES)]
        await encounters.set_diagnoses(session, actor, encounter.id, codes[:4])
        await encounters.add_charge_line(
            session,
            actor,
            encounter_id=encounter.id,
            code=VISIT_CODES.get(type_name, "99213"),
            modifiers=[],
            units=1,
            diagnosis_pointers=list(range(1, min(len(codes), 4) + 1)),
        )
        if type_name == "Annual physical":
            await encounters.add_charge_line(
                session,
                actor,
                encounter_id=encounter.id,
                code="36415",
                modifiers=[],
                units=1,
                diagnosis_pointers=[1],
            )
        coverage = await session.scalar(
            select(Coverage)
            .where(Coverage.patient_id == visit.patient_id, Coverage.priority == 1)
            .where(Coverage.period_start <= encounter.service_date)
        )
        if coverage is None:
            continue
        claim = await claims.create_claim(
            session, actor, encounter_id=encounter.id, coverage_id=coverage.id
        )
        if not await scrubber.scrub_claim(session, actor, settings, claim):
            await scrubber.mark_ready(session, actor, settings, claim.id)
        made += 1
    return made
