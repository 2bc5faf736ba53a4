"""Field guards backed by the Casbin policy. Every root field declares one (a test checks)."""

from __future__ import annotations

from typing import Any, NoReturn

from graphql import GraphQLError
from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info

from app.audit import trail
from schema.context import Context


def unauthenticated() -> GraphQLError:
    return GraphQLError("Authentication required.", extensions={"code": "UNAUTHENTICATED"})


def forbidden() -> GraphQLError:
    return GraphQLError("You are not allowed to do this.", extensions={"code": "FORBIDDEN"})


class Can(BasePermission):
    """Allowed when one of the caller's roles holds (resource, action) in policies/policy.csv.

    A refusal is a security event: it is recorded in the audit trail (outcome `denied`), under
    `audit_type` when given, against the patient the field belongs to when there is one.
    """

    def __init__(self, resource: str, action: str, audit_type: str | None = None) -> None:
        self.resource = resource
        self.action = action
        self.audit_type = audit_type or resource

    def patient_of(self, source: Any) -> int | None:
        return None

    def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        actor = info.context.op.actor
        if actor is None:
            raise unauthenticated()
        if not info.context.runtime.authorizer.can(actor, self.resource, self.action):
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


class Public(BasePermission):
    """Declares a field open to anonymous callers (login, refreshToken)."""

    def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        return True


def guard(*permissions: BasePermission) -> list[FieldExtension]:
    """Field extensions for `strawberry.field(extensions=guard(Can("patient", "read")))`."""
    return [PermissionExtension(permissions=list(permissions), use_directives=False)]


def can(resource: str, action: str) -> list[FieldExtension]:
    return guard(Can(resource, action))
