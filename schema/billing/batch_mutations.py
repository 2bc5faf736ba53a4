"""Claim batches (837P files) and their acknowledgements (999, 277CA) in GraphQL. A batch's
file is not in GraphQL: it is downloaded from its `downloadPath` with the same bearer token."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.billing import acknowledgement_import as acks
from app.billing import batches
from app.billing.batch_models import ClaimBatch as ClaimBatchRow
from schema.billing.enums import ClaimState
from schema.billing.setup_types import Money
from schema.billing.types import ClaimNode
from schema.context import Context
from schema.enums import described_enum
from schema.errors import UserError, run_mutation
from schema.ids import pk
from schema.permissions import can, who

_USER_ERRORS = "Why nothing was changed; empty on success."
_WRITE = ("claim", "write")
_READ = ("claim", "read")
MAX_LISTED = 100  # claimBatches returns at most this many

AcknowledgementKind = described_enum(
    acks.AckKind,
    "Which acknowledgement a file was (its ST01).",
    {
        acks.AckKind.FUNCTIONAL: "A 999: whether each 837 transaction set could be read.",
        acks.AckKind.CLAIM_STATUS: "A 277CA: whether the payer took each claim in.",
    },
    name="AcknowledgementKind",
)
AcknowledgementOutcome = described_enum(
    acks.Outcome,
    "What an acknowledgement did to one claim.",
    {
        acks.Outcome.MOVED: "The claim moved (to ACCEPTED or REJECTED).",
        acks.Outcome.UNCHANGED: "The claim stays where it is (already moved by this file, "
        "sent again since, or only acknowledged as readable by a 999).",
        acks.Outcome.UNKNOWN: "The file names a claim or batch that is not ours.",
    },
    name="AcknowledgementOutcome",
)


@strawberry.type(name="ClaimBatch", description="One 837P file of claims, as it was sent.")
class ClaimBatchType:
    id: strawberry.ID = strawberry.field(description="The batch's number (in its download path).")
    control_number: str = strawberry.field(
        description="Its ISA13/GS06/ST02 control number (9 digits): never repeats; a 999 "
        "names the batch by it."
    )
    created_at: datetime = strawberry.field(description="When it was generated, UTC.")
    claim_count: int = strawberry.field(description="How many claims it carries.")
    total_charge: Money = strawberry.field(description="The sum of its claims' charges.")
    download_path: str = strawberry.field(
        description="GET it with `Authorization: Bearer <accessToken>` for the X12 text."
    )

    @classmethod
    def from_model(cls, row: ClaimBatchRow) -> ClaimBatchType:
        return cls(
            id=strawberry.ID(str(row.id)),
            control_number=batches.envelope_number(row.control_number),
            created_at=row.created_at,
            claim_count=row.claim_count,
            total_charge=Money.of(row.total_cents),
            download_path=f"/claims/batches/{row.id}.837",
        )


@strawberry.input(description="The claims to send in one 837P file.")
class GenerateClaimBatchInput:
    claim_ids: list[relay.GlobalID] = strawberry.field(
        description="READY claims (1 to 5,000), in the order the file lists them."
    )


@strawberry.input(description="An acknowledgement file received from the clearinghouse.")
class ImportAcknowledgementInput:
    file: str = strawberry.field(description="The X12 text of a 999 or a 277CA.")


@strawberry.type(description="Result of generateClaimBatch.")
class GenerateClaimBatchPayload:
    batch: ClaimBatchType | None = strawberry.field(description="The batch; null on userErrors.")
    claims: list[ClaimNode] = strawberry.field(description="Its claims, now SUBMITTED.")
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)


@strawberry.type(description="What an acknowledgement said about one claim.")
class AcknowledgedClaim:
    control_number: str = strawberry.field(
        description="The claim's control number, or (UNKNOWN in a 999) the ST02 it named."
    )
    outcome: AcknowledgementOutcome = strawberry.field(  # type: ignore[valid-type]
        description="Moved, unchanged or unknown."
    )
    state: ClaimState | None = strawberry.field(  # type: ignore[valid-type]
        description="The claim's state now; null when UNKNOWN."
    )
    reason: str = strawberry.field(description="The payer's codes, as kept in the history.")
    claim: ClaimNode | None = strawberry.field(description="The claim; null when UNKNOWN.")


@strawberry.type(description="Result of importAcknowledgement.")
class ImportAcknowledgementPayload:
    kind: AcknowledgementKind | None = strawberry.field(  # type: ignore[valid-type]
        description="Which acknowledgement it was; null on userErrors."
    )
    claims: list[AcknowledgedClaim] = strawberry.field(
        description="Each claim (or unknown number) it spoke of, in file order."
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)


@strawberry.type
class BatchQueries:
    @strawberry.field(
        extensions=can(*_READ),
        description=f"Claim batches, newest first (at most {MAX_LISTED}). {who(*_READ)}.",
    )
    async def claim_batches(
        self,
        info: Info[Context, Any],
        first: Annotated[
            int, strawberry.argument(description=f"How many, 1 to {MAX_LISTED}.")
        ] = 20,
    ) -> list[ClaimBatchType]:
        async with info.context.op.db() as session:
            rows = await batches.list_batches(session, max(1, min(first, MAX_LISTED)))
        return [ClaimBatchType.from_model(r) for r in rows]


@strawberry.type
class BatchMutations:
    @strawberry.mutation(
        extensions=can(*_WRITE),
        description="Write READY claims into one 837P 005010X222A1 file, validated with pyx12, "
        "and move them to SUBMITTED; refused with nothing changed if a claim is not READY or "
        f"the file is not valid. {who(*_WRITE)}.",
    )
    async def generate_claim_batch(
        self,
        info: Info[Context, Any],
        input: Annotated[GenerateClaimBatchInput, strawberry.argument(description="It.")],
    ) -> GenerateClaimBatchPayload:
        settings = info.context.runtime.settings

        async def work(session: Any, actor: Any) -> Any:
            ids = [pk(g, "Claim", "claimIds", str(i)) for i, g in enumerate(input.claim_ids)]
            return await batches.generate_batch(session, actor, settings, ids)

        result, errors = await run_mutation(info, work)
        if result is None:
            return GenerateClaimBatchPayload(batch=None, claims=[], user_errors=errors)
        batch, claims = result
        return GenerateClaimBatchPayload(
            batch=ClaimBatchType.from_model(batch),
            claims=[ClaimNode.from_model(c) for c in claims],
            user_errors=[],
        )

    @strawberry.mutation(
        extensions=can(*_WRITE),
        description="Read a 999 or 277CA (validated with pyx12 first): claims of a rejected "
        "transaction set, or rejected by the payer, become REJECTED; claims the payer took in "
        "become ACCEPTED with its claim number. Importing a file again changes nothing. "
        f"{who(*_WRITE)}.",
    )
    async def import_acknowledgement(
        self,
        info: Info[Context, Any],
        input: Annotated[ImportAcknowledgementInput, strawberry.argument(description="It.")],
    ) -> ImportAcknowledgementPayload:
        async def work(session: Any, actor: Any) -> Any:
            return await acks.import_acknowledgement(session, actor, input.file)

        result, errors = await run_mutation(info, work)
        if result is None:
            return ImportAcknowledgementPayload(kind=None, claims=[], user_errors=errors)
        return ImportAcknowledgementPayload(
            kind=result.kind,
            claims=[
                AcknowledgedClaim(
                    control_number=r.control_number,
                    outcome=r.outcome,
                    state=r.claim.state if r.claim else None,
                    reason=r.reason,
                    claim=ClaimNode.from_model(r.claim) if r.claim else None,
                )
                for r in result.results
            ],
            user_errors=[],
        )
