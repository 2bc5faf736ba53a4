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
from schema.errors import query_errors
from schema.ids import pk, to_global
from schema.pagination import Connection, Edge, PageInfo, decode_cursor, encode_cursor, page
from schema.permissions import can

_CURSOR_PREFIX = "audit:"
# The search's bounds are fields of the `filter` argument
_FILTER_PATHS = {"since": ["filter", "since"], "until": ["filter", "until"]}


def _encode_cursor(seq: int) -> str:
    return encode_cursor(seq, _CURSOR_PREFIX)


def _decode_cursor(cursor: str) -> int:
    """A cursor names an event (its seq): the next page starts below it, however the trail grew."""
    return decode_cursor(cursor, _CURSOR_PREFIX, 2**63 - 1)


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
            seq=e.seq,
            occurred_at=e.occurred_at,
            actor_username=e.actor_username,
            actor_roles=[r for r in e.actor_roles.split(",") if r],
            action=e.action,
            resource_type=e.resource_type,
            resource_id=e.resource_id,
            patient_id=to_global("Patient", e.patient_id) if e.patient_id else None,
            request_id=e.request_id,
            ip=e.ip,
            outcome=e.outcome,
            break_glass=e.break_glass,
            detail=json.loads(e.detail) if e.detail else None,
            hash=e.hash,
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
    @strawberry.field(
        extensions=can("audit_event", "read"),
        description="Newest first. Reading the trail is itself audited.",
    )
    async def audit_events(
        self,
        info: Info[Context, Any],
        filter: AuditEventFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AuditEvent]:
        op = info.context.op
        f = filter or AuditEventFilter()
        limit = page(first, None, info.context.runtime.settings.max_page_size).limit
        before_seq = _decode_cursor(after) if after else None
        with query_errors(_FILTER_PATHS):
            patient_id = (
                pk(f.patient_id, "Patient", "filter", "patientId") if f.patient_id else None
            )
            async with op.db() as session:
                found = await queries.search(
                    session,
                    op.staff,
                    patient_id=patient_id,
                    actor_username=f.actor_username,
                    since=f.since,
                    until=f.until,
                    break_glass_only=f.break_glass_only,
                    before_seq=before_seq,
                    limit=limit,
                )
        edges = [
            Edge(cursor=_encode_cursor(e.seq), node=AuditEvent.from_model(e)) for e in found.events
        ]
        return Connection(
            edges=edges,
            total_count=found.total,
            page_info=PageInfo(
                has_next_page=found.has_more,
                has_previous_page=before_seq is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )
