"""Who is asking, and may they.

Two questions, answered in one place each:
- may this actor do (resource, action)? Role policy: a Casbin enforcer over the policy stored
  in the database (`Authorizer`, app/access/).
- which rows may this actor see? Row scope: `visible_rows(actor, model)` is the SQL filter,
  applied to every ORM statement of a session the actor acts in (`act_as`), so no service
  query, loader, node resolution or subscription can forget it.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, event, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from app.access.authorizer import Authorizer as Authorizer  # its home since policies are stored
from app.db import Base, RowScope, utcnow
from app.users.models import PatientAccess

STAFF_ROLES = (
    "admin",
    "provider",
    "nurse",
    "front_desk",
    "biller",
    "inventory_manager",
    "compliance_officer",
)


PATIENT_ROLE = "patient"


class ActorKind(enum.Enum):
    STAFF = "staff"  # the practice's people: every row of the practice, as policy allows
    PATIENT = "patient"  # a portal login: only the rows of the patients it acts for
    SYSTEM = "system"  # the server itself (seed, worker, migrations)


@dataclass(frozen=True)
class Actor:
    """The caller of one operation: identity, roles, and where the request came from (for audit)."""

    user_id: int | None
    username: str
    roles: tuple[str, ...] = ()
    ip: str | None = None
    request_id: str | None = None
    # A patient login's chosen patient for this request (X-Acting-For): its row scope narrows
    # to that one patient, if the login may act for them (else to nothing). None: all of them.
    acting_for: int | None = None

    def for_request(self, request_id: str) -> Actor:
        return replace(self, request_id=request_id)

    @property
    def kind(self) -> ActorKind:
        """A login holding the patient role is a patient user, whatever else it holds: a
        staff member who is also a patient of the practice uses a second login."""
        if PATIENT_ROLE in self.roles:
            return ActorKind.PATIENT
        return ActorKind.SYSTEM if self.roles == ("system",) else ActorKind.STAFF


SYSTEM = Actor(user_id=None, username="system", roles=("system",))


# row scope --------------------------------------------------------------------------------------
_ACTOR_KEY = "actor"
# For statements whose rows are not disclosed, only used (the busy times a free-slot search
# subtracts, whoever holds them): `select(...).execution_options(**ALL_ROWS)`.
ALL_ROWS = {"all_rows": True}


def patients_of(actor: Actor) -> Any:
    """The ids of the patients a patient user may act for now (a subquery, read per statement,
    so an ended or revoked link stops access at once); only the chosen one when it chose."""
    links = select(PatientAccess.patient_id).where(
        PatientAccess.user_id == actor.user_id,
        or_(PatientAccess.ends_at.is_(None), PatientAccess.ends_at > utcnow()),
    )
    if actor.acting_for is not None:
        links = links.where(PatientAccess.patient_id == actor.acting_for)
    return links


def visible_rows(actor: Actor, model: type[Base]) -> ColumnElement[bool]:
    """The SQL filter of the rows of `model` that `actor` may see."""
    if actor.kind in (ActorKind.STAFF, ActorKind.SYSTEM):
        return true()
    if model.__row_scope__ is RowScope.PRACTICE:
        return true()
    if model.__row_scope__ is RowScope.PATIENT:
        column = getattr(model, model.__patient_column__)
        return column.in_(patients_of(actor))  # type: ignore[no-any-return]
    if model.__row_scope__ is RowScope.LOGIN:
        return getattr(model, model.__login_column__) == actor.user_id  # type: ignore[no-any-return]
    return false()


def act_as(session: AsyncSession, actor: Actor | None) -> AsyncSession:
    """Every ORM statement of this session is limited to the rows `actor` may see."""
    session.info[_ACTOR_KEY] = actor
    return session


@contextlib.contextmanager
def unscoped(session: AsyncSession) -> Iterator[AsyncSession]:
    """The session without row scope for a while: for the system's own work done on a caller's
    behalf (signing in reads accounts; a patient's cancellation withdraws reminders and offers
    the time to other patients), never to answer the caller."""
    actor = session.info.get(_ACTOR_KEY)
    session.info[_ACTOR_KEY] = None
    try:
        yield session
    finally:
        session.info[_ACTOR_KEY] = actor


@event.listens_for(Session, "do_orm_execute")
def _limit_to_visible_rows(state: ORMExecuteState) -> None:
    actor: Actor | None = state.session.info.get(_ACTOR_KEY)
    if actor is None or actor.kind in (ActorKind.STAFF, ActorKind.SYSTEM):
        return
    if state.execution_options.get("all_rows") or not (
        state.is_select or state.is_update or state.is_delete
    ):
        return
    state.statement = state.statement.options(
        *(
            with_loader_criteria(
                mapper.class_, visible_rows(actor, mapper.class_), include_aliases=True
            )
            for mapper in Base.registry.mappers
            if mapper.class_.__row_scope__ is not RowScope.PRACTICE
        )
    )
