"""Field guards backed by the Casbin policy. Every root field declares one (a test checks)."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info

from schema.context import Context


def unauthenticated() -> GraphQLError:
    return GraphQLError("Authentication required.", extensions={"code": "UNAUTHENTICATED"})


def forbidden() -> GraphQLError:
    return GraphQLError("You are not allowed to do this.", extensions={"code": "FORBIDDEN"})


class Can(BasePermission):
    """Allowed when one of the caller's roles holds (resource, action) in policies/policy.csv."""

    def __init__(self, resource: str, action: str) -> None:
        self.resource = resource
        self.action = action

    def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        actor = info.context.op.actor
        if actor is None:
            raise unauthenticated()
        if not info.context.runtime.authorizer.can(actor, self.resource, self.action):
            raise forbidden()
        return True


class Public(BasePermission):
    """Declares a field open to anonymous callers (login, refreshToken)."""

    def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        return True


def guard(*permissions: BasePermission) -> list[FieldExtension]:
    """Field extensions for `strawberry.field(extensions=guard(Can("patient", "read")))`."""
    return [PermissionExtension(permissions=list(permissions), use_directives=False)]


def can(resource: str, action: str) -> list[FieldExtension]:
    return guard(Can(resource, action))
