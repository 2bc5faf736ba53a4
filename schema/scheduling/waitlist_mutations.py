"""The waitlist (front desk, clinicians): add a patient, take them off, or close an entry."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from app.scheduling import waitlist
from app.scheduling.models import WaitlistEntry
from schema.context import Context
from schema.errors import UserError, run_mutation
from schema.ids import optional_pk, pk, to_global
from schema.permissions import can
from schema.scheduling.arguments import USER_ERRORS
from schema.scheduling.inputs import AddToWaitlistInput, WaitlistEntryIdInput
from schema.scheduling.waitlist_types import WaitlistEntryNode


@strawberry.type(description="The result of a change to a waitlist entry.")
class WaitlistPayload:
    waitlist_entry: WaitlistEntryNode | None = strawberry.field(
        description="The entry as it is now (null when refused)."
    )
    waitlist_entry_id: strawberry.ID | None = strawberry.field(
        description="The entry's id.", deprecation_reason="Use waitlistEntry { id }."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)

    @classmethod
    def of(cls, entry: WaitlistEntry | None, errors: list[UserError]) -> WaitlistPayload:
        return cls(
            waitlist_entry=WaitlistEntryNode.from_model(entry) if entry else None,
            waitlist_entry_id=(
                strawberry.ID(str(to_global("WaitlistEntry", entry.id))) if entry else None
            ),
            user_errors=errors,
        )


def _entry_id(input: WaitlistEntryIdInput) -> int:
    return pk(input.waitlist_entry_id, "WaitlistEntry", "waitlistEntryId")


@strawberry.type
class WaitlistMutations:
    @strawberry.mutation(
        extensions=can("appointment", "write"),
        description="Put a patient on the waitlist: matching freed time is offered to them.",
    )
    async def add_to_waitlist(
        self,
        info: Info[Context, Any],
        input: Annotated[
            AddToWaitlistInput, strawberry.argument(description="Who waits for what.")
        ],
    ) -> WaitlistPayload:
        return WaitlistPayload.of(
            *await run_mutation(
                info,
                lambda s, a: waitlist.add_to_waitlist(
                    s,
                    a,
                    patient_id=pk(input.patient_id, "Patient", "patientId"),
                    appointment_type_id=pk(
                        input.appointment_type_id, "AppointmentType", "appointmentTypeId"
                    ),
                    location_id=pk(input.location_id, "Location", "locationId"),
                    provider_id=optional_pk(input.provider_id, "Provider", "providerId"),
                    earliest=input.earliest,
                    latest=input.latest,
                    notes=input.notes,
                ),
            )
        )

    @strawberry.mutation(
        extensions=can("waitlist", "write"),
        description="Take a patient off the waitlist (they no longer want the time): status "
        "REMOVED; its open offers are closed. Audited.",
    )
    async def remove_from_waitlist(
        self,
        info: Info[Context, Any],
        input: Annotated[WaitlistEntryIdInput, strawberry.argument(description="The entry.")],
    ) -> WaitlistPayload:
        return WaitlistPayload.of(
            *await run_mutation(
                info, lambda s, a: waitlist.remove_from_waitlist(s, a, _entry_id(input))
            )
        )

    @strawberry.mutation(
        extensions=can("waitlist", "write"),
        description="Close an entry for the practice (its window is over, or it no longer "
        "fits): status EXPIRED; its open offers are closed. Audited.",
    )
    async def expire_waitlist_entry(
        self,
        info: Info[Context, Any],
        input: Annotated[WaitlistEntryIdInput, strawberry.argument(description="The entry.")],
    ) -> WaitlistPayload:
        return WaitlistPayload.of(
            *await run_mutation(info, lambda s, a: waitlist.expire_entry(s, a, _entry_id(input)))
        )
