"""roles, permissionCatalog, and the mutations that change roles (admins: access_policy)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from app.access import service
from app.access.service import RoleRules
from schema.context import Context
from schema.errors import UserError, run_mutation
from schema.permissions import can


@strawberry.type(description="An action on a kind of resource, e.g. `read` on `patient`.")
class Permission:
    resource: str
    action: str


@strawberry.type
class Role:
    name: str
    description: str
    builtin: bool = strawberry.field(description="Shipped with the product: it cannot be deleted.")
    permissions: list[Permission] = strawberry.field(
        description="Granted to this role itself; it also holds those of the roles it inherits."
    )
    inherits: list[str] = strawberry.field(
        description="Roles (groups such as `staff`) whose permissions this role holds too."
    )

    @classmethod
    def from_rules(cls, rules: RoleRules) -> Role:
        return cls(
            name=rules.role.name,
            description=rules.role.description,
            builtin=rules.role.builtin,
            permissions=[Permission(resource=r, action=a) for r, a in rules.grants],
            inherits=rules.parents,
        )


@strawberry.input
class CreateRoleInput:
    name: str = strawberry.field(description="lowercase_snake_case, at most 32 characters.")
    description: str = ""


@strawberry.input
class RolePermissionInput:
    role: str
    resource: str
    action: str


@strawberry.input
class DeleteRoleInput:
    name: str


@strawberry.type
class RolePayload:
    role: Role | None
    user_errors: list[UserError]


@strawberry.type
class DeleteRolePayload:
    ok: bool
    user_errors: list[UserError]


async def _change_role(info: Info[Context, Any], work: Any) -> RolePayload:
    """Run a change, then reload this process's policy at once (others within seconds)."""
    rules, errors = await run_mutation(info, work)
    if rules is not None:
        await info.context.runtime.policy.refresh()
    return RolePayload(role=Role.from_rules(rules) if rules else None, user_errors=errors)


@strawberry.type
class AccessQueries:
    @strawberry.field(extensions=can("access_policy", "read"), description="Every role, by name.")
    async def roles(self, info: Info[Context, Any]) -> list[Role]:
        async with info.context.op.db() as session:
            return [Role.from_rules(rules) for rules in await service.list_roles(session)]

    @strawberry.field(
        extensions=can("access_policy", "read"),
        description="Every permission there is: what a role can be granted.",
    )
    def permission_catalog(self) -> list[Permission]:
        return [Permission(resource=r, action=a) for r, a in service.catalog()]


@strawberry.type
class AccessMutations:
    @strawberry.mutation(extensions=can("access_policy", "write"))
    async def create_role(self, info: Info[Context, Any], input: CreateRoleInput) -> RolePayload:
        return await _change_role(
            info,
            lambda s, a: service.create_role(s, a, name=input.name, description=input.description),
        )

    @strawberry.mutation(
        extensions=can("access_policy", "write"),
        description="Every app instance applies it within `policy_refresh_seconds`.",
    )
    async def grant_permission(
        self, info: Info[Context, Any], input: RolePermissionInput
    ) -> RolePayload:
        return await _change_role(
            info,
            lambda s, a: service.grant_permission(
                s, a, role=input.role, resource=input.resource, action=input.action
            ),
        )

    @strawberry.mutation(
        extensions=can("access_policy", "write"),
        description="Every app instance applies it within `policy_refresh_seconds`.",
    )
    async def revoke_permission(
        self, info: Info[Context, Any], input: RolePermissionInput
    ) -> RolePayload:
        return await _change_role(
            info,
            lambda s, a: service.revoke_permission(
                s, a, role=input.role, resource=input.resource, action=input.action
            ),
        )

    @strawberry.mutation(
        extensions=can("access_policy", "write"),
        description="Custom roles only, and only while no user holds them.",
    )
    async def delete_role(
        self, info: Info[Context, Any], input: DeleteRoleInput
    ) -> DeleteRolePayload:
        _, errors = await run_mutation(
            info, lambda s, a: service.delete_role(s, a, name=input.name)
        )
        if not errors:
            await info.context.runtime.policy.refresh()
        return DeleteRolePayload(ok=not errors, user_errors=errors)
