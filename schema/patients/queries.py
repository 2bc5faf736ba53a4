"""Patient queries: one patient, a searchable page of patients."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.types import Info

from app.patients import demographics
from schema.context import Context
from schema.ids import pk_or_none
from schema.pagination import Connection, connection, page
from schema.patients.types import PatientNode
from schema.permissions import can


@strawberry.type
class PatientQueries:
    @strawberry.field(extensions=can("patient", "read"))
    async def patient(self, info: Info[Context, Any], id: relay.GlobalID) -> PatientNode | None:
        op = info.context.op
        key = pk_or_none(id, "Patient")
        if key is None:
            return None
        async with op.db() as session:
            found = await demographics.get_patients(session, op.staff, [key])
        return PatientNode.from_model(found[0]) if found else None

    @strawberry.field(
        extensions=can("patient", "read"),
        description="Search by name fragments, MRN or birth date (YYYY-MM-DD); all terms match.",
    )
    async def patients(
        self,
        info: Info[Context, Any],
        search: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PatientNode]:
        op = info.context.op
        window = page(first, after, info.context.runtime.settings.max_page_size)
        if search and (len(search) > 200 or "\x00" in search):
            raise GraphQLError(
                "Search with at most 200 characters.", extensions={"code": "BAD_USER_INPUT"}
            )
        async with op.db() as session:
            rows, total = await demographics.search_patients(
                session, op.staff, search, window.offset, window.limit
            )
        return connection([PatientNode.from_model(p) for p in rows], total, window)
