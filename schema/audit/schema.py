"""auditEvents: the trail, filtered by patient, actor and time."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.audit import queries
from app.audit.models import AuditEvent as AuditEventModel
from schema.context import Context
from schema.ids import pk, to_global
from schema.pagination import Connection, connection, page
from schema.permissions import can


@strawberry.type
class AuditEvent:
    seq: int
    occurred_at: datetime
    actor_username: str
    actor_roles: list[str]
    action: str
    resource_type: str
    resource_id: str | None
    patient_id: relay.GlobalID | None
    request_id: str | None
    ip: str | None
    outcome: str
    break_glass: bool
    detail: strawberry.scalars.JSON | None
    hash: str

    @classmethod
    def from_model(cls, e: AuditEventModel) -> AuditEvent:
        return cls(
            seq=e.seq, occurred_at=e.occurred_at, actor_username=e.actor_username,
            actor_roles=[r for r in e.actor_roles.split(",") if r], action=e.action,
            resource_type=e.resource_type, resource_id=e.resource_id,
            patient_id=to_global("Patient", e.patient_id) if e.patient_id else None,
            request_id=e.request_id, ip=e.ip, outcome=e.outcome, break_glass=e.break_glass,
            detail=json.loads(e.detail) if e.detail else None, hash=e.hash,
        )


@strawberry.input
class AuditEventFilter:
    patient_id: relay.GlobalID | None = None
    actor_username: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    break_glass_only: bool = False


@strawberry.type
class AuditQueries:
    @strawberry.field(extensions=can("audit_event", "read"),
                      description="Newest first. Reading the trail is itself audited.")
    async def audit_events(self, info: Info[Context, Any], filter: AuditEventFilter | None = None,
                           first: int | None = None, after: str | None = None,
                           ) -> Connection[AuditEvent]:
        op = info.context.op
        f = filter or AuditEventFilter()
        window = page(first, after, info.context.runtime.settings.max_page_size)
        patient_id = pk(f.patient_id, "Patient", "patientId") if f.patient_id else None
        async with op.db() as session:
            rows, total = await queries.search(
                session, op.staff, patient_id=patient_id, actor_username=f.actor_username,
                since=f.since, until=f.until, break_glass_only=f.break_glass_only,
                offset=window.offset, limit=window.limit,
            )
        return connection([AuditEvent.from_model(r) for r in rows], total, window)
