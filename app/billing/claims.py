"""Claims: one per encounter and coverage, moved through their states by a guarded transition
table (states.py), each change recorded in claim_events with who, when and why.

Charges reach the ledger with the encounter's first claim: one CHARGE row per line, held by
that claim (the "holder": the earliest claim of the encounter neither void nor replaced). A
secondary claim bills the same services and posts no charge of its own. While the holder is a
draft (or rejected, being fixed), adding or removing a line posts or reverses its charge at
once; a corrected claim takes the charges over (reversed on the claim it replaces, posted on
itself), a void reverses them.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import Actor
from app.billing import ledger, states
from app.billing.errors import BillingErrorCode
from app.billing.models import (
    ChargeLine,
    Claim,
    ClaimEvent,
    ClaimState,
    Encounter,
    LedgerKind,
    Payer,
    Responsibility,
)
from app.billing.x12.documents import Frequency
from app.counters import next_value
from app.db import get_or_not_found
from app.errors import DomainError, NotFound
from app.patients.models import Coverage
from app.text import check_column

CLAIM_COUNTER, LINE_COUNTER = "claim_control", "line_control"


def control_number(sequence: int) -> str:
    """CLM01 of the sequence-th claim: never repeats (the counter only grows)."""
    return f"{sequence:09d}"


async def locked_encounter(session: AsyncSession, encounter_id: int, *field: str) -> Encounter:
    """The encounter, its row locked to the end of the transaction on PostgreSQL (SQLite's
    writers are serialized already): changes to one encounter's lines and claims take turns,
    so two requests cannot both bill it to one coverage or post one line's charge twice."""
    found = await session.get(Encounter, encounter_id, with_for_update=True)
    if found is None:
        raise NotFound("Encounter", list(field))
    return found


async def locked_claim(session: AsyncSession, claim_id: int) -> Claim:
    """The claim as it is now, its row locked to the end of the transaction (PostgreSQL), so
    two changes of one claim's state take turns (the second sees the first's state)."""
    found = await session.get(Claim, claim_id, with_for_update=True, populate_existing=True)
    if found is None:
        raise NotFound("Claim", ["claim_id"])
    return found


async def claim_and_encounter(session: AsyncSession, claim_id: int) -> tuple[Claim, Encounter]:
    """Both locked, encounter first (the order every billing change takes them in)."""
    claim = await get_or_not_found(session, Claim, claim_id, "Claim", "claim_id")
    encounter = await locked_encounter(session, claim.encounter_id)
    return await locked_claim(session, claim_id), encounter


async def claims_of_encounter(session: AsyncSession, encounter_id: int) -> list[Claim]:
    return list(
        (
            await session.scalars(
                select(Claim).where(Claim.encounter_id == encounter_id).order_by(Claim.id)
            )
        ).all()
    )


def _replaced(claims: Sequence[Claim]) -> set[int]:
    return {c.parent_claim_id for c in claims if c.parent_claim_id is not None}


def charge_holder(claims: Sequence[Claim]) -> Claim | None:
    """The claim an encounter's charges are posted against (see the module's docstring)."""
    replaced = _replaced(claims)
    live = [c for c in claims if c.state != ClaimState.VOID and c.id not in replaced]
    return live[0] if live else None


def locked(claims: Sequence[Claim]) -> bool:
    """Whether one of the encounter's live claims is on its way to the payer."""
    replaced = _replaced(claims)
    return any(c.state in states.IN_FLIGHT and c.id not in replaced for c in claims)


async def current_lines(session: AsyncSession, encounter_id: int) -> list[ChargeLine]:
    return list(
        (
            await session.scalars(
                select(ChargeLine)
                .where(ChargeLine.encounter_id == encounter_id, ChargeLine.removed_at.is_(None))
                .order_by(ChargeLine.id)
            )
        ).all()
    )


async def post_charge(
    session: AsyncSession, actor: Actor, claim: Claim, line: ChargeLine, sign: int, why: str
) -> None:
    """A line's charge (sign 1) or its reversal (-1) on the claim holding the charges."""
    await ledger.post(
        session,
        actor,
        kind=LedgerKind.CHARGE,
        amount_cents=sign * line.charge_cents,
        patient_id=claim.patient_id,
        responsibility=Responsibility.INSURANCE,
        source=f"claim:{claim.id}:{why}",
        claim_id=claim.id,
        charge_line_id=line.id,
        payer_id=claim.payer_id,
    )


async def _reverse_charges(session: AsyncSession, actor: Actor, claim: Claim, why: str) -> None:
    held = await ledger.charges_by_line(session, claim.id)
    for line_id, cents in held.items():
        await ledger.post(
            session,
            actor,
            kind=LedgerKind.CHARGE,
            amount_cents=-cents,
            patient_id=claim.patient_id,
            responsibility=Responsibility.INSURANCE,
            source=f"claim:{claim.id}:{why}",
            claim_id=claim.id,
            charge_line_id=line_id,
            payer_id=claim.payer_id,
        )


def record_event(
    session: AsyncSession,
    actor: Actor,
    claim: Claim,
    previous: ClaimState | None,
    reason: str | None,
) -> None:
    session.add(
        ClaimEvent(
            claim_id=claim.id,
            patient_id=claim.patient_id,
            from_state=previous,
            to_state=claim.state,
            actor_user_id=actor.user_id,
            actor_username=actor.username[:64],
            reason=reason,
        )
    )
    trail.record(
        session,
        actor,
        "create" if previous is None else "update",
        "Claim",
        claim.id,
        patient_id=claim.patient_id,
        detail={"state": claim.state.name},
    )


async def _new_claim(
    session: AsyncSession,
    actor: Actor,
    *,
    encounter: Encounter,
    coverage_id: int,
    payer_id: int,
    frequency: Frequency = Frequency.ORIGINAL,
    parent: Claim | None = None,
    reason: str | None = None,
) -> Claim:
    claim = Claim(
        encounter_id=encounter.id,
        coverage_id=coverage_id,
        patient_id=encounter.patient_id,
        payer_id=payer_id,
        state=ClaimState.DRAFT,
        control_number=control_number(await next_value(session, CLAIM_COUNTER)),
        frequency=frequency,
        payer_claim_number=parent.payer_claim_number if parent else None,
        parent_claim_id=parent.id if parent else None,
        created_by_id=actor.user_id,
    )
    session.add(claim)
    await session.flush()
    record_event(session, actor, claim, None, reason)
    return claim


async def payer_of_coverage(session: AsyncSession, coverage: Coverage) -> Payer | None:
    return await session.scalar(select(Payer).where(Payer.payer_id == coverage.payer_id))


async def create_claim(
    session: AsyncSession, actor: Actor, *, encounter_id: int, coverage_id: int
) -> Claim:
    """A DRAFT claim billing the encounter to the coverage's payer (known by its X12 id)."""
    encounter = await locked_encounter(session, encounter_id, "encounter_id")
    coverage = await get_or_not_found(session, Coverage, coverage_id, "Coverage", "coverage_id")
    if coverage.patient_id != encounter.patient_id:
        raise DomainError(
            BillingErrorCode.COVERAGE_NOT_OF_PATIENT,
            "The coverage is another patient's.",
            ["coverage_id"],
        )
    day = encounter.service_date
    if day < coverage.period_start or (coverage.period_end and day > coverage.period_end):
        raise DomainError(
            BillingErrorCode.COVERAGE_NOT_IN_FORCE,
            "The coverage is not in force on the date of service.",
            ["coverage_id"],
        )
    payer = await payer_of_coverage(session, coverage)
    if payer is None:
        raise DomainError(
            BillingErrorCode.UNKNOWN_PAYER,
            f"No payer has the coverage's payer id {coverage.payer_id!r}: create it first.",
            ["coverage_id"],
        )
    claims = await claims_of_encounter(session, encounter.id)
    if any(c.coverage_id == coverage.id and c.state != ClaimState.VOID for c in claims):
        raise DomainError(
            BillingErrorCode.CLAIM_EXISTS,
            "The encounter is already billed to this coverage.",
            ["coverage_id"],
        )
    holder = charge_holder(claims)
    claim = await _new_claim(
        session, actor, encounter=encounter, coverage_id=coverage.id, payer_id=payer.id
    )
    if holder is None:
        for line in await current_lines(session, encounter.id):
            await post_charge(session, actor, claim, line, 1, "created")
    return claim


async def move_claim(
    session: AsyncSession, actor: Actor, claim_id: int, step: str, reason: str | None = None
) -> Claim:
    """Take one step of states.TRANSITIONS (INVALID_CLAIM_TRANSITION when the claim's state
    does not allow it), recorded with who, when and why. For batches (submit),
    acknowledgements (accept, reject) and remittances (pay, pay_partially, deny)."""
    claim = await locked_claim(session, claim_id)
    previous, target = claim.state, states.next_state(step, claim.state)
    if target is None:
        raise DomainError(
            BillingErrorCode.INVALID_CLAIM_TRANSITION,
            f"A {previous.name} claim cannot become {states.TRANSITIONS[step][1].name}.",
            ["claim_id"],
        )
    if reason is not None:
        check_column(ClaimEvent.__table__.c.reason, reason, "reason")
    claim.state = target
    await session.flush()
    record_event(session, actor, claim, previous, reason)
    return claim


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(BillingErrorCode.CLAIM_REASON_REQUIRED, "Say why.", ["reason"])
    check_column(ClaimEvent.__table__.c.reason, reason, "reason")
    return reason


def _payer_claim_number(claim: Claim) -> None:
    if not claim.payer_claim_number:
        raise DomainError(
            BillingErrorCode.PAYER_CLAIM_NUMBER_REQUIRED,
            "The payer's claim number is not known yet (it comes with its acknowledgement or "
            "remittance).",
            ["claim_id"],
        )


async def void_claim(session: AsyncSession, actor: Actor, claim_id: int, reason: str) -> Claim:
    """Void a claim and reverse the charges it holds. One the payer never held is simply VOID
    (returned); one it holds needs its claim number and gets a void claim (frequency 8, DRAFT,
    naming it as parent) to send: that new claim is returned."""
    reason = _reason(reason)
    claim, encounter = await claim_and_encounter(session, claim_id)
    never_sent = claim.state in states.NEVER_SENT
    if not never_sent and states.next_state("void", claim.state) is not None:
        _payer_claim_number(claim)
    await move_claim(session, actor, claim_id, "void", reason)
    await _reverse_charges(session, actor, claim, "voided")
    if never_sent:
        return claim
    return await _new_claim(
        session,
        actor,
        encounter=encounter,
        coverage_id=claim.coverage_id,
        payer_id=claim.payer_id,
        frequency=Frequency.VOID,
        parent=claim,
        reason=f"Voids claim {claim.control_number}: {reason}",
    )


async def create_corrected_claim(
    session: AsyncSession, actor: Actor, claim_id: int, reason: str
) -> Claim:
    """A replacement (frequency 7) of a claim the payer holds, billing the encounter's lines as
    they are now; it takes over the charges. The replaced claim keeps its state and history."""
    reason = _reason(reason)
    claim, encounter = await claim_and_encounter(session, claim_id)
    if claim.state not in states.CORRECTABLE:
        raise DomainError(
            BillingErrorCode.INVALID_CLAIM_TRANSITION,
            f"A {claim.state.name} claim cannot be corrected (only one the payer holds).",
            ["claim_id"],
        )
    _payer_claim_number(claim)
    claims = await claims_of_encounter(session, claim.encounter_id)
    if claim.id in _replaced(claims):
        raise DomainError(
            BillingErrorCode.CLAIM_EXISTS, "The claim is replaced already.", ["claim_id"]
        )
    holds = charge_holder(claims) is claim
    replacement = await _new_claim(
        session,
        actor,
        encounter=encounter,
        coverage_id=claim.coverage_id,
        payer_id=claim.payer_id,
        frequency=Frequency.REPLACEMENT,
        parent=claim,
        reason=f"Replaces claim {claim.control_number}: {reason}",
    )
    if holds:
        await _reverse_charges(session, actor, claim, "replaced")
        for line in await current_lines(session, encounter.id):
            await post_charge(session, actor, replacement, line, 1, "created")
    return replacement


async def set_payer_claim_number(
    session: AsyncSession, actor: Actor, claim_id: int, number: str
) -> Claim:
    """The payer's own number for the claim (277CA or 835 CLP07), needed by REF*F8 of a
    corrected or void claim."""
    claim = await get_or_not_found(session, Claim, claim_id, "Claim", "claim_id")
    check_column(Claim.__table__.c.payer_claim_number, number, "payer_claim_number")
    claim.payer_claim_number = number
    await session.flush()
    trail.record(
        session,
        actor,
        "update",
        "Claim",
        claim.id,
        patient_id=claim.patient_id,
        detail={"payer_claim_number": "set"},
    )
    return claim
