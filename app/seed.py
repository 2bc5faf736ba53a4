"""Demo data: one user per staff role (password `demo`), ~50 realistic patients, and a clinic's
schedule (three providers, two weeks of visits).

Idempotent: users that exist are left alone; patients and the schedule are only added to empty
tables.
Deterministic: Faker is seeded, so every fresh demo database looks the same.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from faker import Faker
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.authz import STAFF_ROLES, Actor
from app.billing.demo import seed_billing
from app.inventory.demo import seed_inventory
from app.inventory.witness import Witnesses
from app.patients import demographics, notes, records
from app.patients.models import (
    AllergyCategory,
    AllergySeverity,
    Patient,
    Sex,
    SubscriberRelationship,
)
from app.patients.rules import today
from app.runtime import Runtime
from app.scheduling.demo import seed_schedule
from app.scheduling.models import Location
from app.transaction import unit_of_work
from app.users.models import User
from app.users.service import create_user

DEMO_PASSWORD = "demo"
PATIENT_COUNT = 50

DEMO_NAMES = {
    "admin": "Alex Admin",
    "provider": "Dr. Priya Raman",
    "nurse": "Nora Okafor, RN",
    "front_desk": "Frank Desmond",
    "biller": "Bianca Liu",
    "inventory_manager": "Ivan Petrov",
    "compliance_officer": "Carla Mendes",
}
# Two more providers, so the schedule has several columns (password `demo` too).
EXTRA_PROVIDERS = {"dr.chen": "Dr. Wei Chen", "t.nguyen": "Thao Nguyen, LCSW"}

# Common primary-care problems; each is checked against ICD-10-CM when added.
PROBLEM_CODES = [
    "I10",
    "E11.9",
    "E78.5",
    "J45.909",
    "F41.1",
    "F32.9",
    "M54.50",
    "K21.9",
    "E66.9",
    "G43.909",
    "N39.0",
    "J30.9",
    "E03.9",
    "M17.11",
    "Z87.891",
]
ALLERGIES = [
    ("Penicillin", AllergyCategory.MEDICATION, "Hives", AllergySeverity.MODERATE),
    ("Sulfonamides", AllergyCategory.MEDICATION, "Rash", AllergySeverity.MILD),
    ("Peanuts", AllergyCategory.FOOD, "Anaphylaxis", AllergySeverity.SEVERE),
    ("Latex", AllergyCategory.ENVIRONMENT, "Contact dermatitis", AllergySeverity.MILD),
    ("Shellfish", AllergyCategory.FOOD, "Swelling of lips", AllergySeverity.MODERATE),
    ("Codeine", AllergyCategory.MEDICATION, "Nausea and vomiting", AllergySeverity.MILD),
    ("Bee venom", AllergyCategory.ENVIRONMENT, "Anaphylaxis", AllergySeverity.SEVERE),
]
PAYERS = [
    ("Aetna", "60054"),
    ("Blue Cross Blue Shield", "00590"),
    ("Cigna", "62308"),
    ("UnitedHealthcare", "87726"),
    ("Humana", "61101"),
    ("Medicare Part B", "04412"),
]
NOTE_TEMPLATES = [
    (
        "Annual physical",
        "S: No complaints. O: Vitals within normal limits. A: Healthy adult. "
        "P: Routine labs, follow up in one year.",
    ),
    (
        "Follow-up: hypertension",
        "S: Taking lisinopril daily. O: BP 132/84. A: Hypertension, "
        "improving. P: Continue current dose, recheck in 3 months.",
    ),
    (
        "Sick visit",
        "S: Three days of sore throat and cough. O: Afebrile, mild pharyngeal "
        "erythema. A: Viral URI. P: Supportive care, return if worse.",
    ),
]


@dataclass
class SeedReport:
    users_created: int
    patients_created: int
    appointments_created: int
    claims_created: int = 0

    def __str__(self) -> str:
        return (
            f"seeded {self.users_created} users, {self.patients_created} patients and "
            f"{self.appointments_created} appointments"
        ) + (f"; billed {self.claims_created} visits" if self.claims_created else "")


async def seed_demo(runtime: Runtime) -> SeedReport:
    actor = Actor(user_id=None, username="seed", roles=("system",))
    accounts = [(role, DEMO_NAMES[role], role) for role in STAFF_ROLES]
    accounts += [(username, name, "provider") for username, name in EXTRA_PROVIDERS.items()]
    users_created = 0
    async with unit_of_work(runtime.sessions) as session:
        for username, full_name, role in accounts:
            if await session.scalar(select(User.id).where(User.username == username)):
                continue
            await create_user(
                session,
                actor,
                runtime.authenticator,
                username=username,
                password=DEMO_PASSWORD,
                full_name=full_name,
                roles=[role],
                allow_weak_password=True,
            )
            users_created += 1

    patients_created = 0
    async with unit_of_work(runtime.sessions) as session:
        if not await session.scalar(select(func.count()).select_from(Patient)):
            provider = await session.scalar(select(User).where(User.username == "provider"))
            assert provider is not None
            author = Actor(user_id=provider.id, username=provider.username, roles=("provider",))
            for index in range(PATIENT_COUNT):
                await _seed_patient(session, runtime, actor, author, index)
            patients_created = PATIENT_COUNT

    async with unit_of_work(runtime.sessions) as session:
        patient_ids = list((await session.scalars(select(Patient.id).order_by(Patient.id))).all())
        appointments = await seed_schedule(session, actor, patient_ids)
    async with unit_of_work(runtime.sessions) as session:
        location_id = await session.scalar(select(Location.id).order_by(Location.id))
        if location_id is not None:
            await seed_inventory(
                session,
                actor,
                Witnesses(runtime.authenticator, runtime.authorizer),
                location_id,
                today(runtime.settings),
            )
    async with unit_of_work(runtime.sessions) as session:
        claims = await seed_billing(session, actor, runtime.settings, PAYERS)
    return SeedReport(users_created, patients_created, appointments, claims)


async def _seed_patient(
    session: AsyncSession, runtime: Runtime, actor: Actor, author: Actor, index: int
) -> None:
    fake = Faker("en_US")
    fake.seed_instance(2026 + index)
    rng = random.Random(index)
    sex = rng.choice([Sex.FEMALE, Sex.MALE])
    given = fake.first_name_female() if sex == Sex.FEMALE else fake.first_name_male()
    birth_date = fake.date_of_birth(minimum_age=1, maximum_age=92)
    patient = await demographics.create_patient(
        session,
        actor,
        runtime.settings,
        confirm_duplicate=True,
        ssn=f"{rng.randint(100, 665):03d}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}",
        fields={
            "family_name": fake.last_name(),
            "given_name": given,
            "birth_date": birth_date,
            "sex": sex,
            "email": fake.email(),
            "phone": fake.numerify("(###) ###-####"),
            "address_line1": fake.street_address(),
            "city": fake.city(),
            "state": fake.state_abbr(include_territories=False),
            "postal_code": fake.zipcode(),
            "language": rng.choice(["en", "en", "en", "es", "vi", "zh"]),
        },
    )
    for substance, category, reaction, severity in rng.sample(ALLERGIES, rng.randint(0, 2)):
        await records.add_allergy(
            session,
            actor,
            patient.id,
            fields={
                "substance": substance,
                "category": category,
                "reaction": reaction,
                "severity": severity,
            },
        )
    for code in rng.sample(PROBLEM_CODES, rng.randint(0, 3)):
        onset = birth_date + timedelta(days=rng.randint(0, (date.today() - birth_date).days))
        await records.add_problem(session, actor, patient.id, code=code, onset_date=onset)
    payer_name, payer_id = rng.choice(PAYERS)
    await records.add_coverage(
        session,
        actor,
        patient.id,
        fields={
            "payer_name": payer_name,
            "payer_id": payer_id,
            "member_id": fake.bothify("???#########").upper(),
            "group_number": fake.numerify("G#####"),
            "plan_name": f"{payer_name} PPO",
            "relationship": SubscriberRelationship.SELF,
            "priority": 1,
            "period_start": date(date.today().year, 1, 1),
        },
    )
    title, body = rng.choice(NOTE_TEMPLATES)
    note = await notes.create_note(session, author, patient.id, title=title, body=body)
    if rng.random() < 0.7:
        await notes.sign_note(session, author, note.id)
