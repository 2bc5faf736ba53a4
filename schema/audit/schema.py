"""auditEvents: the trail, filtered by patient, actor and time."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.audit import queries
from app.audit.models import AuditEvent as AuditEventModel
from app.patients.break_glass_review import GrantFilter
from schema.context import Context
from schema.errors import query_errors
from schema.ids import pk, to_global
from schema.pagination import (
    Connection,
    Edge,
    First,
    PageInfo,
    decode_cursor,
    encode_cursor,
    page,
)
from schema.patients.break_glass import BreakGlassFinding
from schema.permissions import can, who

_CURSOR_PREFIX = "audit:"
# The search's bounds are fields of the `filter` argument
_FILTER_PATHS = {"since": ["filter", "since"], "until": ["filter", "until"]}


def _encode_cursor(seq: int) -> str:
    return encode_cursor(seq, _CURSOR_PREFIX)


def _decode_cursor(cursor: str) -> int:
    """A cursor names an event (its seq): the next page starts below it, however the trail grew."""
    return decode_cursor(cursor, _CURSOR_PREFIX, 2**63 - 1)


@strawberry.type(
    description="One entry of the audit trail: who did what to which record, when, from where, "
    "and with what outcome. Entries are never changed or removed, and each is chained to the "
    "one before by its hash, so a change or a gap shows (`practice audit verify` checks)."
)
class AuditEvent:
    seq: int = strawberry.field(
        description="The entry's place in the trail: 1 for the first, one more for each after."
    )
    occurred_at: datetime = strawberry.field(description="When it happened (an instant, UTC).")
    actor_username: str = strawberry.field(
        description="Who acted: a login name, as typed for a failed login (at most 64 "
        "characters); `system` for the server's own work; empty for a logout."
    )
    actor_roles: list[str] = strawberry.field(
        description="The actor's roles at the time; empty when not known (a login attempt on "
        "an unknown username, a logout)."
    )
    action: str = strawberry.field(
        description="What was done, e.g. read, create, update, sign, login, refresh, logout, "
        "lock, break_glass, review (of a break-glass grant); for a refusal, the action that "
        "was refused."
    )
    resource_type: str = strawberry.field(
        description="What it was done to, mostly FHIR resource names: Patient, Patient.ssn "
        "(a full SSN shown), AllergyIntolerance, Condition, Coverage, ClinicalNote, "
        "Appointment, User, Session, AuditEvent, BreakGlassGrant (a review), ..."
    )
    resource_id: str | None = strawberry.field(
        description="The record's database key (not its global id), or a session's id for "
        "Session; null when no one record is concerned (a refusal, a read of several records: "
        "see resourceIds)."
    )
    resource_ids: list[str] | None = strawberry.field(
        description="For a read of records: the database keys of every record of this type "
        "that one request read (a request's reads of one record type are one entry), in "
        "order; null for any other entry."
    )
    patient_id: relay.GlobalID | None = strawberry.field(
        description="The patient the record belongs to, as a Patient id; null when none, or "
        "when a read concerns several patients (see patientIds)."
    )
    patient_ids: list[relay.GlobalID] = strawberry.field(
        description="Every patient the entry concerns, as Patient ids: for a read, the "
        "patients of all the records read; otherwise the patient of patientId, if any. "
        "Part of the entry's hash."
    )
    request_id: str | None = strawberry.field(
        description="The id of the request it came from (its X-Request-ID response header); "
        "null for work outside a request (the command line, the worker)."
    )
    ip: str | None = strawberry.field(
        description="The client's IP address as the server saw it; null outside a request."
    )
    outcome: str = strawberry.field(
        description="How it ended: success; denied (the role policy refused); limit_reached "
        "(break-glass beyond the daily limit); for a refused login invalid_credentials, "
        "too_many_attempts, account_locked or a second-factor code (totp_required, "
        "invalid_totp_code, totp_enrolment_required); for a refused refresh revoked, replayed, "
        "expired or account_unavailable; for a refused calendar feed fetch denied, or "
        "rate_limited for the one that reached the limit of refusals."
    )
    break_glass: bool = strawberry.field(
        description="A break-glass event: a grant or a refused request (outcome "
        "limit_reached), a read of notes made under a grant, or a review of one."
    )
    detail: strawberry.scalars.JSON | None = strawberry.field(
        description='More about the event, an object whose keys depend on it, e.g. {"fields": '
        '[...]} for an update, {"reason": ..., "expiresAt": ..., "grantId": ...} for a '
        'break-glass grant, {"finding": ..., "note": ..., "previousFinding": ...} for its '
        'review, {"field": ...} for a refusal, {"count": ...} for a read of the trail; null '
        "when none."
    )
    hash: str = strawberry.field(
        description="HMAC-SHA256 (hex) over this entry's contents and the previous entry's hash, "
        "under a key the server holds outside the database (plain SHA-256 for entries written "
        "before the trail was keyed)."
    )

    @classmethod
    def from_model(cls, e: AuditEventModel, patients: list[int]) -> AuditEvent:
        """`patients`: the event's patient links (a read's patients), empty for other events."""
        if not patients and e.patient_id:
            patients = [e.patient_id]
        return cls(
            seq=e.seq,
            occurred_at=e.occurred_at,
            actor_username=e.actor_username,
            actor_roles=[r for r in e.actor_roles.split(",") if r],
            action=e.action,
            resource_type=e.resource_type,
            resource_id=e.resource_id,
            resource_ids=json.loads(e.resource_ids) if e.resource_ids else None,
            patient_ids=[to_global("Patient", p) for p in patients],
            patient_id=to_global("Patient", e.patient_id) if e.patient_id else None,
            request_id=e.request_id,
            ip=e.ip,
            outcome=e.outcome,
            break_glass=e.break_glass,
            detail=json.loads(e.detail) if e.detail else None,
            hash=e.hash,
        )


@strawberry.input(description="Which events to list; every condition given must hold.")
class AuditEventFilter:
    patient_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="Only events about this patient (a Patient id; any other id is "
        "BAD_USER_INPUT), including reads of several patients' records that name it in "
        "patientIds.",
    )
    actor_username: str | None = strawberry.field(
        default=None, description="Only events of this login name (exact match)."
    )
    since: datetime | None = strawberry.field(
        default=None,
        description="Only events at or after this instant. Needs its UTC offset "
        "(BAD_USER_INPUT without).",
    )
    until: datetime | None = strawberry.field(
        default=None,
        description="Only events before this instant (exclusive). Needs its UTC offset.",
    )
    break_glass_only: bool = strawberry.field(
        default=False,
        description="Only break-glass events: grants, refused requests, the reads of notes "
        "made under a grant, and reviews of grants.",
    )
    break_glass_reviewed: bool | None = strawberry.field(
        default=None,
        description="Only the events of break-glass grants (the grant, the reads under it, its "
        "reviews) that are reviewed (true) or that nobody has reviewed yet (false).",
    )
    break_glass_finding: BreakGlassFinding | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="Only the events of break-glass grants whose latest finding is this one.",
    )
    break_glass_grant_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="Only the events of this break-glass grant (a BreakGlassGrant id): the "
        "grant, the reads its holder made under it while it ran, and its reviews.",
    )

    def grants(self) -> GrantFilter | None:
        """The break-glass condition, when one is given (field errors name the filter)."""
        if (
            self.break_glass_reviewed is None
            and self.break_glass_finding is None
            and self.break_glass_grant_id is None
        ):
            return None
        grant_id = (
            pk(self.break_glass_grant_id, "BreakGlassGrant", "filter", "breakGlassGrantId")
            if self.break_glass_grant_id
            else None
        )
        return GrantFilter(self.break_glass_reviewed, self.break_glass_finding, grant_id)


@strawberry.type
class AuditQueries:
    @strawberry.field(
        extensions=can("audit_event", "read"),
        description=f"The audit trail, newest first. {who('audit_event', 'read')} only; "
        "reading it is itself recorded.",
    )
    async def audit_events(
        self,
        info: Info[Context, Any],
        filter: Annotated[
            AuditEventFilter | None,
            strawberry.argument(description="Which events; null lists them all."),
        ] = None,
        first: First = None,
        after: Annotated[
            str | None,
            strawberry.argument(
                description="The previous page's endCursor: the page after it holds older "
                "events, and stays the same however many events arrive meanwhile."
            ),
        ] = None,
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
                    grants=f.grants(),
                    before_seq=before_seq,
                    limit=limit,
                )
        edges = [
            Edge(
                cursor=_encode_cursor(e.seq),
                node=AuditEvent.from_model(e, found.patients.get(e.seq, [])),
            )
            for e in found.events
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
