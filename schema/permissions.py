"""Field guards backed by the Casbin policy. Every root field declares one (a test checks)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, NoReturn

from graphql import GraphQLError
from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info

from app.access.policy import defaults
from app.audit import trail
from app.authz import STAFF_ROLES, Actor, Authorizer
from schema.context import Context


def unauthenticated() -> GraphQLError:
    return GraphQLError("Authentication required.", extensions={"code": "UNAUTHENTICATED"})


def forbidden() -> GraphQLError:
    return GraphQLError("You are not allowed to do this.", extensions={"code": "FORBIDDEN"})


PatientOf = Callable[[Any], int | None]


def itself(source: Any) -> int | None:
    """For fields of a Patient: the patient is the object itself."""
    return int(source.pk)


def its_patient(source: Any) -> int | None:
    """For fields of a row about a patient (an appointment, an allergy)."""
    return int(source.patient_id)


class Can(BasePermission):
    """The one shape of every access decision on a field: allowed when one of the caller's roles
    holds (resource, action) in the policy (app/authz.py; decisions are memoized per role).

    - `patient`: whose data the field is; a refusal is a security event, recorded in the audit
      trail (outcome `denied`, under `audit_type`) against that patient.
    - `break_glass`: also allowed under the caller's unexpired break-glass grant for the patient.
    - `masked`: on refusal, answer `masked(source)` instead of FORBIDDEN (an SSN's last four).
    Which rows exist for the caller at all is row scope's business (app/authz.py), not this.
    """

    def __init__(
        self,
        resource: str,
        action: str,
        audit_type: str | None = None,
        *,
        patient: PatientOf | None = None,
        break_glass: bool = False,
        masked: Callable[[Any], Any] | None = None,
    ) -> None:
        self.resource = resource
        self.action = action
        self.audit_type = audit_type or resource
        self.patient_of = patient or (lambda _source: None)
        self.break_glass = break_glass
        self.masked = masked

    def allows(self, info: Info[Context, Any]) -> bool:
        actor = info.context.op.actor
        if actor is None:
            raise unauthenticated()
        return info.context.runtime.authorizer.can(actor, self.resource, self.action)

    async def granted(self, source: Any, info: Info[Context, Any]) -> bool:
        """Whether the caller's break-glass grant for the source's patient lets them in."""
        from schema.patients.loaders import break_glass_by_patient_id

        if info.context.op.shared:  # one payload for many subscribers: one's grant opens none
            return False
        patient_id = self.patient_of(source)
        return patient_id is not None and await break_glass_by_patient_id(info).load(patient_id)

    def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        """For a root field or a node type (no masking, no break-glass): allowed, or refused."""
        if not self.allows(info):
            self.refuse(source, info)
        return True

    def refuse(self, source: Any, info: Info[Context, Any]) -> NoReturn:
        op = info.context.op
        trail.record(
            op.read_session,
            op.staff,
            self.action,
            self.audit_type,
            None,
            patient_id=self.patient_of(source),
            outcome="denied",
            detail={"field": info.field_name},
        )
        raise forbidden()


Policy = tuple[tuple[str, str], ...]


def decided(info: Any, policy: Policy) -> tuple[bool, ...] | None:
    """Whether the operation's actor holds each (resource, action) of `policy` by role: None
    when all are held. Asked of the authorizer once per operation and policy (the actor's roles
    do not change within one; `Operation.renew` forgets, between subscription events)."""
    op = info.context.op
    if op.actor is None:
        raise unauthenticated()
    decisions = op.field_decisions
    if policy not in decisions:
        can = info.context.runtime.authorizer.can
        held = tuple(can(op.actor, resource, action) for resource, action in policy)
        decisions[policy] = None if all(held) else held
    return decisions[policy]


class Guard(PermissionExtension):
    """Runs a field's `Can`s in order: the first refusal masks or refuses the field."""

    @functools.cached_property
    def cans(self) -> tuple[Can, ...]:
        for permission in self.permissions:
            if not isinstance(permission, Can | Public):
                raise TypeError(f"unknown guard {permission!r}")
        return tuple(p for p in self.permissions if isinstance(p, Can))

    @functools.cached_property
    def policy(self) -> Policy:
        return tuple((can.resource, can.action) for can in self.cans)

    def refused(self, source: Any, info: Any, held: tuple[bool, ...]) -> Any:
        """The answer of the first `Can` not held by role (see `answer`)."""
        return self.answer(self.cans[held.index(False)], source, info)

    @staticmethod
    def answer(can: Can, source: Any, info: Any) -> Any:
        """A refusal: the masked value, or FORBIDDEN with its audit event."""
        if can.masked is not None:
            return can.masked(source)
        can.refuse(source, info)

    def resolve(self, next_: Any, source: Any, info: Info[Context, Any], **kwargs: Any) -> Any:
        held = decided(info, self.policy) if self.cans else None
        if held is not None:
            return self.refused(source, info, held)
        return next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: Any, source: Any, info: Info[Context, Any], **kwargs: Any
    ) -> Any:
        held = decided(info, self.policy) if self.cans else None
        for can, ok in zip(self.cans, held or (), strict=False):
            if not ok and not (can.break_glass and await can.granted(source, info)):
                return self.answer(can, source, info)
        result = next_(source, info, **kwargs)
        return result if inspect.isasyncgen(result) else await result

    @property
    def supports_sync(self) -> bool:
        return not any(getattr(p, "break_glass", False) for p in self.permissions)


class Public(BasePermission):
    """Declares a field open to anonymous callers (login, refreshToken)."""

    def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        return True


def guard(*permissions: BasePermission) -> list[FieldExtension]:
    """Field extensions for `strawberry.field(extensions=guard(Can("patient", "read")))`."""
    return [Guard(permissions=list(permissions), use_directives=False)]


def can(resource: str, action: str) -> list[FieldExtension]:
    return guard(Can(resource, action))


# descriptions -----------------------------------------------------------------------------------
_ROLE_NAMES = {
    "admin": "admins",
    "provider": "providers",
    "nurse": "nurses",
    "front_desk": "front desk",
    "biller": "billers",
    "inventory_manager": "inventory managers",
    "compliance_officer": "compliance officers",
}


@functools.cache
def _policy() -> Authorizer:
    """The shipped default policy (policies/), which the descriptions speak of."""
    authorizer = Authorizer()
    authorizer.load(defaults().policy, 0)
    return authorizer


def who(resource: str, action: str) -> str:
    """The staff roles policies/policy.csv lets do (resource, action), for a description, e.g.
    "Providers and nurses": read from the policy, so the schema's words follow it."""
    allowed = [
        _ROLE_NAMES[role]
        for role in STAFF_ROLES
        if _policy().can(Actor(user_id=None, username="", roles=(role,)), resource, action)
    ]
    if not allowed:
        raise ValueError(f"no role may {action} {resource}")
    if len(allowed) == len(STAFF_ROLES):
        return "Any staff member"
    text = allowed[0] if len(allowed) == 1 else ", ".join(allowed[:-1]) + " and " + allowed[-1]
    return text[0].upper() + text[1:]
