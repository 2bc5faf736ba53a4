"""Break-glass as the API shows it: the grant (a Node), the request (breakGlass), the compliance
review (reviewBreakGlass, breakGlassGrants) and the live feed of grants (breakGlassGranted)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.patients import break_glass, break_glass_review, models
from app.patients.events import BreakGlassGranted
from schema.context import Context
from schema.enums import described_enum
from schema.errors import UserError, run_mutation, to_user_errors
from schema.ids import pk, to_global
from schema.nodes import node_resolver
from schema.pagination import (
    Connection,
    Edge,
    First,
    PageInfo,
    decode_cursor,
    encode_cursor,
    page,
)
from schema.patients.inputs import BreakGlassInput
from schema.permissions import can, who
from schema.users.loaders import staff_name_by_user_id
from schema.users.types import StaffMember

_USER_ERRORS = "Why nothing was saved; empty on success."
_CURSOR_PREFIX = "break_glass:"
_REVIEWERS = who("break_glass_grant", "review")

BreakGlassFinding = described_enum(
    models.BreakGlassFinding,
    "What a compliance officer found on reviewing a break-glass grant.",
    {
        models.BreakGlassFinding.APPROPRIATE: "The access was justified. Closes the review.",
        models.BreakGlassFinding.INAPPROPRIATE: "The access was not justified. Closes the "
        "review; the note says what follows.",
        models.BreakGlassFinding.NEEDS_FOLLOW_UP: "Not decided yet: the review stays open to a "
        "later finding.",
    },
)


@strawberry.type(description="A compliance officer's review of a break-glass grant.")
class BreakGlassReview:
    reviewed_at: datetime = strawberry.field(description="When it was reviewed (UTC).")
    finding: BreakGlassFinding = strawberry.field(  # type: ignore[valid-type]
        description="What was found."
    )
    note: str | None = strawberry.field(
        extensions=can("break_glass_grant", "read"),  # free text: may tell clinical detail
        description="What the reviewer wrote; always given unless the finding is APPROPRIATE.",
    )
    reviewed_by_id: strawberry.Private[int | None]

    @strawberry.field(description="Who reviewed it; null if that user no longer exists.")
    async def reviewed_by(self, info: Info[Context, Any]) -> StaffMember | None:
        if self.reviewed_by_id is None:
            return None
        user = await staff_name_by_user_id(info).load(self.reviewed_by_id)
        return StaffMember.from_model(user) if user else None


@strawberry.type(
    name="BreakGlassGrant",
    description="Emergency access to one patient's notes, granted to a user whose role may not "
    f"read them, with the reason they gave. {_REVIEWERS} may read it (each read is audited) "
    "and review it.",
)
class BreakGlassGrantNode(relay.Node):
    pk: relay.NodeID[int]
    patient_id: relay.GlobalID = strawberry.field(description="The patient (a Patient id).")
    reason: str = strawberry.field(
        extensions=can("break_glass_grant", "read"),  # free text: may tell clinical detail
        description="Why the user needed the record, as they wrote it.",
    )
    granted_at: datetime = strawberry.field(description="When access was granted (UTC).")
    expires_at: datetime = strawberry.field(description="When access ended or ends (UTC).")
    review: BreakGlassReview | None = strawberry.field(
        description="The latest review; null while nobody has reviewed it."
    )
    user_id: strawberry.Private[int]

    @strawberry.field(description="Who was granted access; null if that user no longer exists.")
    async def granted_to(self, info: Info[Context, Any]) -> StaffMember | None:
        user = await staff_name_by_user_id(info).load(self.user_id)
        return StaffMember.from_model(user) if user else None

    @classmethod
    def from_model(cls, row: models.BreakGlassGrant) -> BreakGlassGrantNode:
        review = None
        if row.reviewed_at is not None and row.finding is not None:
            review = BreakGlassReview(
                reviewed_at=row.reviewed_at,
                finding=row.finding,
                note=row.review_note,
                reviewed_by_id=row.reviewed_by_id,
            )
        return cls(
            pk=row.id,
            patient_id=to_global("Patient", row.patient_id),
            reason=row.reason,
            granted_at=row.granted_at,
            expires_at=row.expires_at,
            review=review,
            user_id=row.user_id,
        )

    resolve_nodes = node_resolver("break_glass_grant", break_glass_review.grants_by_id)  # type: ignore[assignment]


@strawberry.type(description="Result of breakGlass.")
class BreakGlassPayload:
    expires_at: datetime | None = strawberry.field(
        description="When the grant ends (60 minutes from now by default); null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)


@strawberry.input(description="A compliance officer's finding on a break-glass grant.")
class ReviewBreakGlassInput:
    grant_id: relay.GlobalID = strawberry.field(description="The grant (a BreakGlassGrant id).")
    finding: BreakGlassFinding = strawberry.field(  # type: ignore[valid-type]
        description="What was found."
    )
    note: str | None = strawberry.field(
        default=None,
        description="What was found and what follows, at most 2000 characters; required "
        "unless the finding is APPROPRIATE.",
    )


@strawberry.type(description="Result of reviewBreakGlass.")
class BreakGlassReviewPayload:
    grant: BreakGlassGrantNode | None = strawberry.field(
        description="The grant with its review; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)


@strawberry.type
class BreakGlassQueries:
    @strawberry.field(
        extensions=can("break_glass_grant", "read"),
        description=f"Break-glass grants, newest first. {_REVIEWERS} only; each grant read is "
        "audited.",
    )
    async def break_glass_grants(
        self,
        info: Info[Context, Any],
        reviewed: Annotated[
            bool | None,
            strawberry.argument(
                description="true: only reviewed grants (any finding); false: only those "
                "nobody has reviewed yet; null: all."
            ),
        ] = None,
        finding: Annotated[
            BreakGlassFinding | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only grants whose latest finding is this one."),
        ] = None,
        first: First = None,
        after: Annotated[
            str | None,
            strawberry.argument(
                description="The previous page's endCursor: the page after it holds older grants."
            ),
        ] = None,
    ) -> Connection[BreakGlassGrantNode]:
        op = info.context.op
        limit = page(first, None, info.context.runtime.settings.max_page_size).limit
        before_id = decode_cursor(after, _CURSOR_PREFIX) if after else None
        async with op.db() as session:
            found = await break_glass_review.list_grants(
                session,
                op.staff,
                reviewed=reviewed,
                finding=finding,
                before_id=before_id,
                limit=limit,
            )
        edges = [
            Edge(cursor=encode_cursor(g.id, _CURSOR_PREFIX), node=BreakGlassGrantNode.from_model(g))
            for g in found.grants
        ]
        return Connection(
            edges=edges,
            total_count=found.total,
            page_info=PageInfo(
                has_next_page=found.has_more,
                has_previous_page=before_id is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )


@strawberry.type
class BreakGlassMutations:
    @strawberry.mutation(
        extensions=can("patient", "break_glass"),
        description="Emergency read access to one patient's notes, for a role that may not "
        "read notes: Patient.notes opens to the caller for 60 minutes (by default). The reason "
        f"({break_glass.REASON_MIN} to {break_glass.REASON_MAX} characters), the grant and "
        "every read under it are recorded in the audit trail, pushed to compliance officers "
        "(breakGlassGranted) and reviewed by them. One user may open at most 5 different "
        "patients a day (by default; the practice's day): beyond that the request is refused "
        f"(BREAK_GLASS_LIMIT_REACHED), and the refusal recorded. {who('patient', 'break_glass')}.",
    )
    async def break_glass(
        self,
        info: Info[Context, Any],
        input: Annotated[BreakGlassInput, strawberry.argument(description="The patient, and why.")],
    ) -> BreakGlassPayload:
        settings = info.context.runtime.settings
        outcome, errors = await run_mutation(
            info,
            lambda s, a: break_glass.break_glass(
                s, a, settings, pk(input.patient_id, "Patient", "patientId"), input.reason
            ),
        )
        if outcome is not None and outcome.refusal is not None:
            errors = to_user_errors(outcome.refusal)
        grant = outcome.grant if outcome else None
        return BreakGlassPayload(expires_at=grant.expires_at if grant else None, user_errors=errors)

    @strawberry.mutation(
        extensions=can("break_glass_grant", "review"),
        description="Record a finding on a break-glass grant. "
        f"{_REVIEWERS}, on grants other than their own. A grant found APPROPRIATE or "
        "INAPPROPRIATE is closed (BREAK_GLASS_ALREADY_REVIEWED); one found NEEDS_FOLLOW_UP may "
        "be reviewed again. Every review is recorded in the audit trail.",
    )
    async def review_break_glass(
        self,
        info: Info[Context, Any],
        input: Annotated[
            ReviewBreakGlassInput, strawberry.argument(description="The grant and the finding.")
        ],
    ) -> BreakGlassReviewPayload:
        grant, errors = await run_mutation(
            info,
            lambda s, a: break_glass_review.review(
                s, a, pk(input.grant_id, "BreakGlassGrant", "grantId"), input.finding, input.note
            ),
        )
        return BreakGlassReviewPayload(
            grant=BreakGlassGrantNode.from_model(grant) if grant else None, user_errors=errors
        )


@strawberry.type
class BreakGlassSubscriptions:
    @strawberry.subscription(
        extensions=can("break_glass_grant", "read"),
        description="Every break-glass grant, pushed once it commits, from any server process: "
        f"who, which patient, when, and why. {_REVIEWERS} only; each push is an audited read.",
    )
    async def break_glass_granted(
        self, info: Info[Context, Any]
    ) -> AsyncGenerator[BreakGlassGrantNode, None]:
        op = info.context.op
        async with info.context.runtime.bus.subscribe() as queue:
            await op.renew()  # an idle subscriber pins no connection (as scheduleChanged)
            while True:
                event = await queue.get()
                if not isinstance(event, BreakGlassGranted):
                    continue
                async with op.db() as session:
                    rows = await break_glass_review.grants_by_id(
                        session, op.staff, [event.grant_id]
                    )
                if rows:
                    yield BreakGlassGrantNode.from_model(rows[0])
                # Commit the push's audited read and end the transaction before waiting again
                # (as scheduleChanged does).
                await op.renew()
