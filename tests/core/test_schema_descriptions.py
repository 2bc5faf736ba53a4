"""The schema documents itself: every type, field, argument, input field and enum value a caller
can see in GraphiQL or a generated client has a description."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    is_specified_directive,
)

from app.config import Settings
from schema import create_schema

# graphql's own scalars cannot carry our descriptions (graphql-core refuses to redefine them) and
# the SDL never prints them; what an ID is, the Node interface and every `id` field say.
BUILT_IN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}


def _described(thing: object) -> bool:
    return bool((getattr(thing, "description", None) or "").strip())


def undescribed(schema: GraphQLSchema) -> list[str]:
    """Schema coordinates (Type, Type.field, Type.field(arg:), Enum.VALUE, @directive(arg:))
    without a non-empty description."""
    missing: list[str] = []
    for name, named in sorted(schema.type_map.items()):
        if name.startswith("__") or name in BUILT_IN_SCALARS:
            continue
        if not _described(named):
            missing.append(name)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in named.fields.items():
                if not _described(field):
                    missing.append(f"{name}.{field_name}")
                missing.extend(
                    f"{name}.{field_name}({arg_name}:)"
                    for arg_name, arg in field.args.items()
                    if not _described(arg)
                )
        elif isinstance(named, GraphQLInputObjectType):
            missing.extend(
                f"{name}.{field_name}"
                for field_name, field in named.fields.items()
                if not _described(field)
            )
        elif isinstance(named, GraphQLEnumType):
            missing.extend(
                f"{name}.{value_name}"
                for value_name, value in named.values.items()
                if not _described(value)
            )
    for directive in schema.directives:
        if is_specified_directive(directive):
            continue
        if not _described(directive):
            missing.append(f"@{directive.name}")
        missing.extend(
            f"@{directive.name}({arg_name}:)"
            for arg_name, arg in directive.args.items()
            if not _described(arg)
        )
    return missing


def built_schema() -> GraphQLSchema:
    return create_schema(Settings(environment="test"))._schema


def test_everything_a_caller_sees_is_described():
    # given the schema as served
    schema = built_schema()
    # when every type, field, argument, input field and enum value is looked at
    missing = list(undescribed(schema))
    # then each has a description
    assert not missing, "no description (say units, time zone, format, who may read it):\n" + (
        "\n".join(missing)
    )
