"""Documents are bounded before full validation (depth with introspection fields, aliases,
repeated fields), a valid verdict is not lost to a comment, and without introspection no
error suggests names (issues 8 and 9)."""

import base64

import pytest

from schema import bounds
from tests.conftest import make_settings
from tests.fixtures.graphql import app_for, error_codes

TYPENAME_FLOOD = "{ " + "__typename " * 370 + "}"  # 4 KB
ALIASES_300 = "{ " + " ".join(f"a{n}: __typename" for n in range(300)) + " }"
ME_300 = "{ " + "me { username } " * 300 + "}"
INTROSPECTION_20_DEEP = (
    "{ __schema { types { fields { type " + "{ ofType " * 15 + "{ name }" + " }" * 15 + " } } } }"
)
DOUBLING = "{ ...F18 } fragment F0 on Query { a: __typename } " + " ".join(
    f"fragment F{n} on Query {{ ...F{n - 1} ...F{n - 1} }}" for n in range(1, 19)
)
REPEATED_IN_FRAGMENTS = (
    "{ "
    + " ".join(f"...F{n}" for n in range(12))
    + " } "
    + " ".join(f"fragment F{n} on Query {{ me {{ username }} }}" for n in range(12))
)
MISSPELLED_FIELD = "{ me { usernme } }"
MISSPELLED_INPUT = """
mutation($input: CreatePatientInput!) { createPatient(input: $input) { userErrors { code } } }
"""


@pytest.fixture
def validations(monkeypatch):
    """The documents that reach graphql-core's full validation."""
    seen = []
    validate = bounds.validate

    def counted(schema, document, *args, **kwargs):
        seen.append(document)
        return validate(schema, document, *args, **kwargs)

    monkeypatch.setattr(bounds, "validate", counted)
    return seen


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (TYPENAME_FLOOD, "369 repeated fields found"),
        (ME_300, "299 repeated fields found"),
        (REPEATED_IN_FRAGMENTS, "11 repeated fields found"),
        (ALIASES_300, "300 aliases found. Allowed: 30"),
        (INTROSPECTION_20_DEEP, "'anonymous' exceeds maximum operation depth of 15"),
    ],
)
async def test_abuse_is_refused_before_full_validation(client, validations, document, message):
    # when an anonymous caller sends it
    body = await client.execute(document)
    # then
    assert body["data"] is None
    assert body["errors"][0]["message"].startswith(message)
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert validations == []


async def test_fragments_that_double_at_each_level_cost_nothing_extra(client):
    # when (strawberry's limits followed every spread: 2 ** 18 of them)
    body = await client.execute(DOUBLING)
    # then it is what it executes as: one field
    assert body == {"data": {"a": "Query"}}


async def test_a_comment_does_not_make_a_document_new(client, validations):
    # when the same document comes three times, laid out and commented differently
    for document in ("{ __typename }", "# one\n{ __typename }", "{\n  __typename # two\n}"):
        assert await client.execute(document) == {"data": {"__typename": "Query"}}
    # then it was validated once
    assert len(validations) == 1


PRODUCTION = {
    "environment": "production",
    "introspection": True,  # asked for: still no suggestions
    "jwt_secret": "x" * 48,
    "field_encryption_keys": {"k1": base64.b64encode(b"k" * 32).decode()},
    "audit_hmac_key": base64.b64encode(b"a" * 32).decode(),
}


@pytest.mark.parametrize(
    "overrides", [{"introspection": False}, PRODUCTION], ids=["no-introspection", "production"]
)
async def test_without_introspection_or_in_production_no_error_suggests_a_name(
    database_url, overrides
):
    # given
    settings = make_settings(database_url, **overrides)
    async with app_for(settings) as (client, _):
        desk = await client.login("front_desk")
        # when
        field = await desk.execute(MISSPELLED_FIELD)
        variable = await desk.execute(
            MISSPELLED_INPUT, input={"familyName": "A", "givenName": "B", "ssnn": "x"}
        )
    # then the errors still say what is wrong, but not what would be right
    assert "usernme" in field["errors"][0]["message"]
    assert "ssnn" in variable["errors"][0]["message"]
    for body in (field, variable):
        assert "Did you mean" not in str(body["errors"])


async def test_with_introspection_suggestions_stay(client):
    # given (the schema is readable anyway)
    desk = await client.login("front_desk")
    # when
    body = await desk.execute(MISSPELLED_FIELD)
    # then
    assert "Did you mean 'username'?" in body["errors"][0]["message"]
