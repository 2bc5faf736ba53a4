"""Patient queries: one patient, a searchable page of patients."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.types import Info

from app.patients import demographics
from schema.context import Context
from schema.ids import pk_or_none
from schema.pagination import Connection, First, connection, page
from schema.patients.types import PatientNode
from schema.permissions import can, who


@strawberry.type
class PatientQueries:
    @strawberry.field(
        extensions=can("patient", "read"),
        description=f"One patient. {who('patient', 'read')}; the read is audited. null when no "
        "patient has this id.",
    )
    async def patient(
        self,
        info: Info[Context, Any],
        id: Annotated[relay.GlobalID, strawberry.argument(description="A Patient id.")],
    ) -> PatientNode | None:
        op = info.context.op
        key = pk_or_none(id, "Patient")
        if key is None:
            return None
        async with op.db() as session:
            found = await demographics.get_patients(session, op.staff, [key])
        return PatientNode.from_model(found[0]) if found else None

    @strawberry.field(
        extensions=can("patient", "read"),
        description="Patients, by family name, then given name, then id; optionally searched. "
        f"{who('patient', 'read')}; each patient read is audited.",
    )
    async def patients(
        self,
        info: Info[Context, Any],
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Terms separated by spaces or commas, all of which must match: a "
                "birth date as YYYY-MM-DD, an exact MRN, or a piece of the family, given or "
                "preferred name (any case). At most 200 characters; null or blank lists all."
            ),
        ] = None,
        first: First = None,
        after: Annotated[
            str | None,
            strawberry.argument(
                description="The previous page's endCursor, with the same search. Pages are "
                "counted by position: a patient added meanwhile may shift an item between pages."
            ),
        ] = None,
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
