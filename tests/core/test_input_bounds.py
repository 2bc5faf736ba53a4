"""Text that cannot be stored is the caller's fault, never a server error, on both databases."""

import base64
import os

from app.config import Settings
from tests.fixtures.graphql import LOGIN, GraphQLClient, error_codes

CREATE_LOCATION = """
mutation($input: CreateLocationInput!) {
  createLocation(input: $input) { location { id } userErrors { field code } }
}
"""
CREATE_PATIENT = """
mutation($input: CreatePatientInput!) {
  createPatient(input: $input) { patient { id } userErrors { field code } }
}
"""
SEARCH = "query($s: String!) { patients(search: $s) { totalCount } }"


async def test_text_longer_than_its_column_or_holding_nul_is_a_user_error(client):
    # given
    admin = await client.login("admin")
    # when
    too_long = await admin.data(CREATE_LOCATION, input={"name": "x" * 300, "timezone": "UTC"})
    with_nul = await admin.execute(CREATE_LOCATION, input={"name": "Ab\u0000c", "timezone": "UTC"})
    literal_nul = await admin.execute('{ patients(search: "a\\u0000b") { totalCount } }')
    patient_nul = await admin.execute(
        CREATE_PATIENT,
        input={
            "familyName": "Ab\u0000c",
            "givenName": "Ann",
            "birthDate": "1990-01-01",
            "sex": "FEMALE",
        },
    )
    # then each names the field, and nothing was created
    assert too_long["createLocation"] == {
        "location": None,
        "userErrors": [{"field": ["name"], "code": "INVALID_INPUT"}],
    }
    assert error_codes(with_nul) == error_codes(literal_nul) == ["BAD_USER_INPUT"]
    assert error_codes(patient_nul) == ["BAD_USER_INPUT"]
    assert (await admin.data("{ locations { id } }"))["locations"] == []


async def test_an_impossible_username_is_only_a_wrong_login(client):
    anonymous = GraphQLClient(client.http)
    for username in ("u" * 100, ""):
        body = await anonymous.data(LOGIN, username=username, password="demo")
        assert [e["code"] for e in body["login"]["userErrors"]] == ["INVALID_CREDENTIALS"]
    body = await anonymous.execute(LOGIN, username="ad\u0000min", password="demo")
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_a_search_that_cannot_be_run_is_bad_input(client):
    desk = await client.login("front_desk")
    for search in ("smith " * 100,):
        assert error_codes(await desk.execute(SEARCH, s=search)) == ["BAD_USER_INPUT"]


def test_production_turns_introspection_and_graphiql_off_unless_asked():
    secrets = {
        "jwt_secret": "s" * 48,
        "field_encryption_key": base64.b64encode(os.urandom(32)).decode(),
        "audit_hmac_key": base64.b64encode(os.urandom(32)).decode(),
    }
    production = Settings(environment="production", **secrets)
    asked = Settings(environment="production", introspection=True, **secrets)
    assert (production.introspection, production.graphiql) == (False, False)
    assert asked.introspection is True
    assert Settings(environment="development").introspection is True
