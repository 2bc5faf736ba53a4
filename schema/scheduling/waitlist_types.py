"""The waitlist as the API shows it: entries (patient data: the front desk and clinicians, every
read audited) and the offers of freed time made to them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.db import utcnow
from app.outbox.models import OutboxMessage
from app.scheduling import models, waitlist
from schema.context import Context
from schema.loaders import by_id
from schema.nodes import node_resolver
from schema.patients.loaders import patient_by_id
from schema.permissions import Can, can, guard, its_patient, who
from schema.scheduling import loaders
from schema.scheduling.enums import OfferDelivery, WaitlistOfferState, WaitlistStatus
from schema.scheduling.setup_types import (
    AppointmentTypeNode,
    LocationNode,
    ProviderNode,
    location_of,
    provider_of,
)

if TYPE_CHECKING:
    from schema.patients.types import PatientNode


@strawberry.type(description="Freed time offered to a waitlist entry's patient.")
class WaitlistOffer:
    offered_at: datetime = strawberry.field(description="When it was offered, UTC.")
    starts_at: datetime = strawberry.field(description="Start of the offered time, UTC.")
    ends_at: datetime = strawberry.field(description="Its end (exclusive), UTC.")
    state: WaitlistOfferState = strawberry.field(description="What came of it.")
    provider_id: strawberry.Private[int]
    location_id: strawberry.Private[int]
    outbox_message_id: strawberry.Private[int | None]

    @strawberry.field(description="Whose time was offered.")
    async def provider(self, info: Info[Context, Any]) -> ProviderNode:
        return await provider_of(info, self.provider_id)

    @strawberry.field(description="Where.")
    async def location(self, info: Info[Context, Any]) -> LocationNode:
        return await location_of(info, self.location_id)

    @strawberry.field(description="Whether the email telling the patient went out.")
    async def delivery(self, info: Info[Context, Any]) -> OfferDelivery:
        if self.outbox_message_id is None:
            return OfferDelivery.NO_ADDRESS
        message = await by_id(info, OutboxMessage).load(self.outbox_message_id)
        return OfferDelivery.of(message.status if message else None)

    @classmethod
    def from_model(cls, row: models.WaitlistOffer) -> WaitlistOffer:
        return cls(
            offered_at=row.created_at,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            state=WaitlistOfferState.of(row.status, lapsed=row.starts_at <= utcnow()),
            provider_id=row.provider_id,
            location_id=row.location_id,
            outbox_message_id=row.outbox_message_id,
        )


@strawberry.type(
    name="WaitlistEntry",
    description="A patient waiting for time of one visit type at a location, within a window; "
    "offered matching freed time first come, first offered. Patient data: the front desk and "
    "clinicians; every read is audited.",
)
class WaitlistEntryNode(relay.Node):
    pk: relay.NodeID[int]
    earliest: datetime = strawberry.field(description="Start of the wanted window, UTC.")
    latest: datetime = strawberry.field(description="End of the wanted window, UTC.")
    status: WaitlistStatus = strawberry.field(  # type: ignore[valid-type]
        description="Where the entry stands."
    )
    notes: str | None = strawberry.field(
        extensions=guard(
            Can("appointment_detail", "read", "WaitlistEntry.notes", patient=its_patient)
        ),
        description="Staff notes, e.g. Prefers mornings: free text that may hold clinical "
        f"detail. {who('appointment_detail', 'read')} only (whoever else may read the "
        "waitlist); null, with a FORBIDDEN error, for others.",
    )
    created_at: datetime = strawberry.field(
        description="When the patient was added (their place in the queue), UTC."
    )
    updated_at: datetime = strawberry.field(description="When it last changed, UTC.")
    patient_id: strawberry.Private[int]
    appointment_type_id: strawberry.Private[int]
    location_id: strawberry.Private[int]
    provider_id: strawberry.Private[int | None]

    @strawberry.field(
        extensions=can("patient", "read"),
        description="Who waits; null, with a FORBIDDEN error, for roles that may not read "
        "patients.",
    )
    async def patient(
        self, info: Info[Context, Any]
    ) -> Annotated[PatientNode, strawberry.lazy("schema.patients.types")] | None:
        from schema.patients.types import PatientNode  # patients' types, not imported at load

        row = await patient_by_id(info).load(self.patient_id)
        return PatientNode.from_model(row) if row else None

    @strawberry.field(description="The kind of visit wanted.")
    async def appointment_type(self, info: Info[Context, Any]) -> AppointmentTypeNode:
        row = await by_id(info, models.AppointmentType).load(self.appointment_type_id)
        assert row is not None
        return AppointmentTypeNode.from_model(row)

    @strawberry.field(description="Where.")
    async def location(self, info: Info[Context, Any]) -> LocationNode:
        return await location_of(info, self.location_id)

    @strawberry.field(description="The provider wanted (null: any).")
    async def provider(self, info: Info[Context, Any]) -> ProviderNode | None:
        return await provider_of(info, self.provider_id) if self.provider_id else None

    @strawberry.field(description="The freed time offered to it, oldest first.")
    async def offers(self, info: Info[Context, Any]) -> list[WaitlistOffer]:
        rows = await loaders.offers_by_entry_id(info).load(self.pk)
        return [WaitlistOffer.from_model(row) for row in rows]

    @classmethod
    def from_model(cls, row: models.WaitlistEntry) -> WaitlistEntryNode:
        return cls(
            pk=row.id,
            earliest=row.earliest,
            latest=row.latest,
            status=row.status,
            notes=row.notes,
            created_at=row.created_at,
            updated_at=row.updated_at,
            patient_id=row.patient_id,
            appointment_type_id=row.appointment_type_id,
            location_id=row.location_id,
            provider_id=row.provider_id,
        )

    resolve_nodes = node_resolver("waitlist", waitlist.entries_by_id)  # type: ignore[assignment]
