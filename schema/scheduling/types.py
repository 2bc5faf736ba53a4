"""Appointments, series, free slots and the day view. Related objects load through DataLoaders
(fixed SQL per query level); every appointment read is audited against its patient."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.scheduling import models
from app.scheduling.free_time import SlotSearch as FoundSlots
from app.scheduling.queries import appointments_by_id
from schema.context import Context
from schema.ids import to_global
from schema.loaders import by_id
from schema.nodes import node_resolver, plain_rows
from schema.patients.loaders import patient_by_id
from schema.permissions import Can, can, guard, its_patient, who
from schema.scheduling import loaders
from schema.scheduling.enums import AppointmentStatus
from schema.scheduling.setup_types import (
    AppointmentTypeNode,
    LocationNode,
    Placed,
    ProviderNode,
)
from schema.users.loaders import staff_name_by_user_id
from schema.users.types import StaffMember

if TYPE_CHECKING:
    from schema.patients.types import PatientNode


_DETAIL_READERS = (
    f"{who('appointment_detail', 'read')} only; null, with a FORBIDDEN error, for others."
)


def _clinical_detail(field: str) -> Can:
    """Clinical detail on an appointment: clinicians and the front desk (policy
    `appointment_detail`); a refusal is audited against the appointment's patient."""
    return Can("appointment_detail", "read", f"Appointment.{field}", patient=its_patient)


@strawberry.type(
    name="Appointment",
    description="A visit (FHIR Appointment): staff who read the schedule, and the patient's "
    "own users. All its times are UTC; show them in its location's timezone.",
)
class AppointmentNode(Placed, relay.Node):
    pk: relay.NodeID[int]
    starts_at: datetime = strawberry.field(description="When the visit begins, UTC.")
    ends_at: datetime = strawberry.field(description="When it ends (exclusive), UTC.")
    status: AppointmentStatus = strawberry.field(  # type: ignore[valid-type]
        description="Where the visit stands."
    )
    reason: str | None = strawberry.field(
        extensions=guard(_clinical_detail("reason")),
        description=f"Why the patient comes: clinical detail. {_DETAIL_READERS}",
    )
    notes: str | None = strawberry.field(
        extensions=guard(_clinical_detail("notes")),
        description=f"Booking notes: free text that may hold clinical detail. {_DETAIL_READERS}",
    )
    cancellation_reason: str | None = strawberry.field(
        extensions=guard(_clinical_detail("cancellationReason")),
        description="Why it was cancelled (null unless CANCELLED), as the caller said it: it may "
        f"hold clinical detail. {_DETAIL_READERS}",
    )
    series_id: relay.GlobalID | None = strawberry.field(
        description="The recurring series it belongs to (null: a single visit)."
    )
    version: int = strawberry.field(
        description="Bumped by every change. Pass it as expectedVersion to change the visit "
        "only if nobody else has since (else VERSION_CONFLICT)."
    )
    updated_at: datetime = strawberry.field(description="When it last changed, UTC.")
    patient_id: strawberry.Private[int]
    appointment_type_id: strawberry.Private[int]
    booked_by_id: strawberry.Private[int | None]
    series_pk: strawberry.Private[int | None]

    @strawberry.field(
        extensions=can("patient", "read"),
        description="Who the visit is for; null, with a FORBIDDEN error, for roles that may not "
        "read patients.",
    )
    async def patient(
        self, info: Info[Context, Any]
    ) -> Annotated[PatientNode, strawberry.lazy("schema.patients.types")] | None:
        from schema.patients.types import PatientNode  # patients' types, not imported at load

        row = await patient_by_id(info).load(self.patient_id)
        return PatientNode.from_model(row) if row else None

    @strawberry.field(description="Who booked it (null when it came from an import or the seed).")
    async def booked_by(self, info: Info[Context, Any]) -> StaffMember | None:
        if self.booked_by_id is None:
            return None
        user = await staff_name_by_user_id(info).load(self.booked_by_id)
        return StaffMember.from_model(user) if user else None

    @strawberry.field(description="The kind of visit.")
    async def appointment_type(self, info: Info[Context, Any]) -> AppointmentTypeNode:
        row = await by_id(info, models.AppointmentType).load(self.appointment_type_id)
        assert row is not None
        return AppointmentTypeNode.from_model(row)

    @strawberry.field(
        description="The recurring series it belongs to (null: a single visit, or a caller who "
        "may not see series)."
    )
    async def series(self, info: Info[Context, Any]) -> AppointmentSeriesNode | None:
        if self.series_pk is None:
            return None
        row = await by_id(info, models.AppointmentSeries).load(self.series_pk)
        return AppointmentSeriesNode.from_model(row) if row else None

    @classmethod
    def from_model(cls, row: models.Appointment) -> AppointmentNode:
        return cls(
            pk=row.id,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            status=row.status,
            reason=row.reason,
            notes=row.notes,
            cancellation_reason=row.cancellation_reason,
            series_id=(to_global("AppointmentSeries", row.series_id) if row.series_id else None),
            version=row.version,
            updated_at=row.updated_at,
            patient_id=row.patient_id,
            appointment_type_id=row.appointment_type_id,
            booked_by_id=row.booked_by_id,
            series_pk=row.series_id,
            provider_id=row.provider_id,
            location_id=row.location_id,
            room_id=row.room_id,
        )

    resolve_nodes = node_resolver("appointment", appointments_by_id)  # type: ignore[assignment]


@strawberry.type(
    name="AppointmentSeries",
    description="A recurring visit: the rule its occurrences were booked from. Staff who read "
    "appointments.",
)
class AppointmentSeriesNode(relay.Node):
    pk: relay.NodeID[int]
    rrule: str = strawberry.field(
        description="The RFC 5545 rule, e.g. FREQ=WEEKLY;COUNT=10, in the location's wall time."
    )
    created_at: datetime = strawberry.field(description="When it was booked, UTC.")

    @strawberry.field(
        description="Its occurrences in time order, whatever their status (cancelled ones too)."
    )
    async def appointments(self, info: Info[Context, Any]) -> list[AppointmentNode]:
        rows = await loaders.appointments_by_series_id(info).load(self.pk)
        return [AppointmentNode.from_model(row) for row in rows]

    @classmethod
    def from_model(cls, row: models.AppointmentSeries) -> AppointmentSeriesNode:
        return cls(pk=row.id, rrule=row.rrule, created_at=row.created_at)

    resolve_nodes = node_resolver("appointment", plain_rows(models.AppointmentSeries))  # type: ignore[assignment]


@strawberry.type(description="Free time a visit of the asked type fits in, with a room if needed.")
class Slot(Placed):
    starts_at: datetime = strawberry.field(description="Start, UTC.")
    ends_at: datetime = strawberry.field(description="End (exclusive), UTC.")


@strawberry.type(
    description="Free slots found, in (start, provider) order; at most 500 per search."
)
class SlotSearch:
    slots: list[Slot] = strawberry.field(description="The slots, in (start, provider) order.")
    truncated: bool = strawberry.field(
        description="True when the window holds more slots than were returned."
    )
    resume_from: datetime | None = strawberry.field(
        description="When truncated: search again with this as `from` (same `to`) for the "
        "rest; no slot comes twice. Null otherwise."
    )

    @classmethod
    def of(cls, found: FoundSlots) -> SlotSearch:
        return cls(
            slots=[
                Slot(
                    starts_at=s.starts_at,
                    ends_at=s.ends_at,
                    provider_id=s.provider_id,
                    location_id=s.location_id,
                    room_id=s.room_id,
                )
                for s in found.slots
            ],
            truncated=found.truncated,
            resume_from=found.resume_from,
        )


@strawberry.type(description="One provider's appointments on the day.")
class ProviderDay:
    provider: ProviderNode = strawberry.field(description="Whose day.")
    appointments: list[AppointmentNode] = strawberry.field(
        description="Their appointments at the location that day, in time order."
    )


@strawberry.type(description="A location's local day: who works there and their visits.")
class DaySchedule:
    location: LocationNode = strawberry.field(description="Whose day.")
    date: date = strawberry.field(description="The local date at the location.")
    providers: list[ProviderDay] = strawberry.field(
        description="Providers with hours or appointments there that day."
    )
