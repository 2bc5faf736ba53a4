"""Every type, field, argument, input field and enum value of the scheduling API says what a
caller needs: none lacks a description."""

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLObjectType,
)
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.enum import StrawberryEnumDefinition

from app.config import Settings
from schema import create_schema

ROOTS = ("Query", "Mutation", "Subscription")


def _scheduling(schema, name):
    """Whether the GraphQL type `name` is defined in schema/scheduling/."""
    definition = schema.get_type_by_name(name)
    if isinstance(definition, StrawberryObjectDefinition):
        origin = definition.origin
    elif isinstance(definition, StrawberryEnumDefinition):
        origin = definition.wrapped_cls
        if origin.__module__.startswith("app.scheduling"):
            return True
    else:
        return name == "AppointmentBefore"
    return origin.__module__.startswith("schema.scheduling")


def test_every_part_of_the_scheduling_api_is_described():
    # given the schema, its scheduling types and its scheduling root fields
    schema = create_schema(Settings(environment="test"))
    types = schema._schema.type_map
    scheduling = [name for name in types if _scheduling(schema, name)]
    roots = [schema.get_type_by_name(name) for name in ROOTS]
    root_fields = {
        (root.name, schema.config.name_converter.get_graphql_name(field))
        for root in roots
        for field in root.fields
        if field.origin.__module__.startswith("schema.scheduling")
    }
    # when each is checked for a description
    missing = []
    for name in scheduling:
        graphql_type = types[name]
        if not graphql_type.description:
            missing.append(name)
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInputObjectType):
            for field_name, field in graphql_type.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                missing += [
                    f"{name}.{field_name}({arg})"
                    for arg, value in getattr(field, "args", {}).items()
                    if not value.description
                ]
        if isinstance(graphql_type, GraphQLEnumType):
            missing += [
                f"{name}.{v}" for v, value in graphql_type.values.items() if not value.description
            ]
    for root, field_name in root_fields:
        field = types[root].fields[field_name]
        if not field.description:
            missing.append(f"{root}.{field_name}")
        missing += [f"{root}.{field_name}({a})" for a, v in field.args.items() if not v.description]
    # then none lacks one
    assert len(scheduling) > 40 and len(root_fields) >= 25
    assert missing == []
