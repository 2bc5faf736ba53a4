"""Encounter and claim mutations: codes and lines, claims, the scrub, and state changes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry
from strawberry.types import Info
from strawberry.utils.str_converters import to_camel_case

from app.billing import claims, encounters, scrubber
from app.billing.models import Claim
from app.db import get_or_not_found
from schema.billing.inputs import (
    AddChargeLineInput,
    ClaimIdInput,
    ClaimReasonInput,
    CreateClaimInput,
    CreateEncounterInput,
    RemoveChargeLineInput,
    SetEncounterDiagnosesInput,
)
from schema.billing.types import ChargeLineNode, ClaimNode, EncounterNode, ScrubProblem
from schema.context import Context
from schema.errors import UserError, run_mutation
from schema.ids import optional_pk, pk
from schema.permissions import can, who

_USER_ERRORS = "Why nothing was saved; empty on success."
_ENCOUNTER = ("encounter", "write")
_CLAIM = ("claim", "write")


@strawberry.type(description="Result of createEncounter or setEncounterDiagnoses.")
class EncounterPayload:
    encounter: EncounterNode | None = strawberry.field(
        description="The encounter as saved; null on userErrors."
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)


@strawberry.type(description="Result of addChargeLine or removeChargeLine.")
class ChargeLinePayload:
    charge_line: ChargeLineNode | None = strawberry.field(
        description="The line added or removed; null on userErrors."
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)


@strawberry.type(
    description="Result of createClaim, markClaimReady, voidClaim or createCorrectedClaim."
)
class ClaimPayload:
    claim: ClaimNode | None = strawberry.field(
        description="The claim as saved (for voidClaim of a claim the payer holds, and for "
        "createCorrectedClaim, the new claim); null on userErrors."
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)


@strawberry.type(description="Result of scrubClaim.")
class ScrubPayload:
    claim: ClaimNode | None = strawberry.field(description="The claim scrubbed.")
    problems: list[ScrubProblem] = strawberry.field(
        description="Every problem found; empty: the claim may be marked ready."
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)


async def _claim(info: Info[Context, Any], work: Callable[..., Awaitable[Any]]) -> ClaimPayload:
    row, errors = await run_mutation(info, work)
    return ClaimPayload(claim=ClaimNode.from_model(row) if row else None, user_errors=errors)


@strawberry.type
class ClaimMutations:
    @strawberry.mutation(
        extensions=can(*_ENCOUNTER),
        description="Make an encounter directly (a completed visit makes its own). "
        f"{who(*_ENCOUNTER)}.",
    )
    async def create_encounter(
        self,
        info: Info[Context, Any],
        input: Annotated[CreateEncounterInput, strawberry.argument(description="It.")],
    ) -> EncounterPayload:
        async def work(session: Any, actor: Any) -> Any:
            return await encounters.create_encounter(
                session,
                actor,
                patient_id=pk(input.patient_id, "Patient", "patientId"),
                provider_id=pk(input.provider_id, "Provider", "providerId"),
                location_id=pk(input.location_id, "Location", "locationId"),
                service_date=input.service_date,
            )

        row, errors = await run_mutation(info, work)
        return EncounterPayload(
            encounter=EncounterNode.from_model(row) if row else None, user_errors=errors
        )

    @strawberry.mutation(
        extensions=can(*_ENCOUNTER),
        description="Replace an encounter's diagnoses (ICD-10-CM, checked against the code "
        f"set). Refused (ENCOUNTER_LOCKED) while a claim of it is on its way. {who(*_ENCOUNTER)}.",
    )
    async def set_encounter_diagnoses(
        self,
        info: Info[Context, Any],
        input: Annotated[SetEncounterDiagnosesInput, strawberry.argument(description="They.")],
    ) -> EncounterPayload:
        async def work(session: Any, actor: Any) -> Any:
            encounter_id = pk(input.encounter_id, "Encounter", "encounterId")
            return await encounters.set_diagnoses(session, actor, encounter_id, input.diagnoses)

        row, errors = await run_mutation(info, work)
        return EncounterPayload(
            encounter=EncounterNode.from_model(row) if row else None, user_errors=errors
        )

    @strawberry.mutation(
        extensions=can(*_ENCOUNTER),
        description="Add a charge line, priced from the fee schedule in force on the date of "
        "service for the patient's primary payer, else the default (NO_PRICE when neither "
        "prices it). Its charge reaches the ledger with the encounter's claim. "
        f"{who(*_ENCOUNTER)}.",
    )
    async def add_charge_line(
        self,
        info: Info[Context, Any],
        input: Annotated[AddChargeLineInput, strawberry.argument(description="The line.")],
    ) -> ChargeLinePayload:
        async def work(session: Any, actor: Any) -> Any:
            return await encounters.add_charge_line(
                session,
                actor,
                encounter_id=pk(input.encounter_id, "Encounter", "encounterId"),
                code=input.code,
                modifiers=input.modifiers,
                units=input.units,
                diagnosis_pointers=input.diagnosis_pointers,
                rendering_provider_id=optional_pk(
                    input.rendering_provider_id, "Provider", "renderingProviderId"
                ),
            )

        row, errors = await run_mutation(info, work)
        return ChargeLinePayload(
            charge_line=ChargeLineNode.from_model(row) if row else None, user_errors=errors
        )

    @strawberry.mutation(
        extensions=can(*_ENCOUNTER),
        description="Take a charge line off its encounter; its charge is reversed in the ledger "
        f"while the claim holding it is a draft. {who(*_ENCOUNTER)}.",
    )
    async def remove_charge_line(
        self,
        info: Info[Context, Any],
        input: Annotated[RemoveChargeLineInput, strawberry.argument(description="The line.")],
    ) -> ChargeLinePayload:
        async def work(session: Any, actor: Any) -> Any:
            line_id = pk(input.charge_line_id, "ChargeLine", "chargeLineId")
            return await encounters.remove_charge_line(session, actor, line_id)

        row, errors = await run_mutation(info, work)
        return ChargeLinePayload(
            charge_line=ChargeLineNode.from_model(row) if row else None, user_errors=errors
        )

    @strawberry.mutation(
        extensions=can(*_CLAIM),
        description="Bill an encounter to one of the patient's coverages (one claim per "
        "encounter and coverage): a DRAFT claim. The encounter's first claim posts its charges "
        f"to the ledger. {who(*_CLAIM)}.",
    )
    async def create_claim(
        self,
        info: Info[Context, Any],
        input: Annotated[CreateClaimInput, strawberry.argument(description="What to bill.")],
    ) -> ClaimPayload:
        async def work(session: Any, actor: Any) -> Any:
            return await claims.create_claim(
                session,
                actor,
                encounter_id=pk(input.encounter_id, "Encounter", "encounterId"),
                coverage_id=pk(input.coverage_id, "Coverage", "coverageId"),
            )

        return await _claim(info, work)

    @strawberry.mutation(
        extensions=can(*_CLAIM),
        description=f"Check a claim and list every problem found; changes nothing. {who(*_CLAIM)}.",
    )
    async def scrub_claim(
        self,
        info: Info[Context, Any],
        input: Annotated[ClaimIdInput, strawberry.argument(description="The claim.")],
    ) -> ScrubPayload:
        settings = info.context.runtime.settings

        async def work(session: Any, actor: Any) -> Any:
            claim_id = pk(input.claim_id, "Claim", "claimId")
            claim = await get_or_not_found(session, Claim, claim_id, "Claim", "claim_id")
            return claim, await scrubber.scrub_claim(session, actor, settings, claim)

        result, errors = await run_mutation(info, work)
        claim, problems = result if result else (None, [])
        return ScrubPayload(
            claim=ClaimNode.from_model(claim) if claim else None,
            problems=[
                ScrubProblem(
                    code=p.code,
                    message=p.message,
                    field=[to_camel_case(f) for f in p.field],
                    line_control_number=p.line_control_number,
                )
                for p in problems
            ],
            user_errors=errors,
        )

    @strawberry.mutation(
        extensions=can(*_CLAIM),
        description="DRAFT -> READY, only when the scrub finds nothing: otherwise one "
        f"CLAIM_NOT_CLEAN userError per problem, and the claim stays DRAFT. {who(*_CLAIM)}.",
    )
    async def mark_claim_ready(
        self,
        info: Info[Context, Any],
        input: Annotated[ClaimIdInput, strawberry.argument(description="The claim.")],
    ) -> ClaimPayload:
        settings = info.context.runtime.settings

        async def work(session: Any, actor: Any) -> Any:
            claim_id = pk(input.claim_id, "Claim", "claimId")
            return await scrubber.mark_ready(session, actor, settings, claim_id)

        return await _claim(info, work)

    @strawberry.mutation(
        extensions=can(*_CLAIM),
        description="Void a claim and reverse its charges. A claim the payer never held "
        "(DRAFT, READY, REJECTED) simply becomes VOID; one it holds needs its payer claim number "
        "and also gets a void claim (frequency 8) to send, returned here. "
        f"{who(*_CLAIM)}.",
    )
    async def void_claim(
        self,
        info: Info[Context, Any],
        input: Annotated[ClaimReasonInput, strawberry.argument(description="Which and why.")],
    ) -> ClaimPayload:
        async def work(session: Any, actor: Any) -> Any:
            claim_id = pk(input.claim_id, "Claim", "claimId")
            return await claims.void_claim(session, actor, claim_id, input.reason)

        return await _claim(info, work)

    @strawberry.mutation(
        extensions=can(*_CLAIM),
        description="A corrected claim (frequency 7) replacing one the payer holds (ACCEPTED, "
        "PAID, PARTIALLY_PAID, DENIED; its payer claim number is needed), billing the "
        f"encounter's lines as they are now. {who(*_CLAIM)}.",
    )
    async def create_corrected_claim(
        self,
        info: Info[Context, Any],
        input: Annotated[ClaimReasonInput, strawberry.argument(description="Which and why.")],
    ) -> ClaimPayload:
        async def work(session: Any, actor: Any) -> Any:
            claim_id = pk(input.claim_id, "Claim", "claimId")
            return await claims.create_corrected_claim(session, actor, claim_id, input.reason)

        return await _claim(info, work)
