"""Query cost, estimated before execution: an operation whose response could hold more fields
than `max_query_cost` is refused with QUERY_TOO_COSTLY before any SQL runs (issue 8)."""

from graphql import get_named_type, get_nullable_type, is_composite_type, is_list_type

from app.config import Settings
from schema import create_schema
from schema.cost import PLAIN_LISTS
from tests.conftest import make_settings
from tests.fixtures.graphql import app_for, error_codes

PATIENT = """
  id mrn givenName familyName preferredName birthDate sex ssn phone email
  address { line1 line2 city state postalCode }
  allergies { id substance reaction severity }
  problems { id icd10Code description onsetDate }
"""
# The attack of the issue: 30 aliases, each a 62-day appointment list with its patients.
THIRTY_WINDOWS = (
    "query($from: DateTime!, $to: DateTime!) { "
    + " ".join(
        f"a{n}: appointments(from: $from, to: $to) {{ id startsAt endsAt status patient {{ "
        f"{PATIENT} }} }}"
        for n in range(30)
    )
    + " }"
)
SIXTY_TWO_DAYS = {"from": "2026-01-01T00:00:00+00:00", "to": "2026-03-04T00:00:00+00:00"}
WEEK = {"from": "2026-01-01T00:00:00+00:00", "to": "2026-01-08T00:00:00+00:00"}
WEEK_VIEW = """
query($from: DateTime!, $to: DateTime!) {
  appointments(from: $from, to: $to) {
    id startsAt endsAt status reason patient { id givenName familyName }
    provider { id } location { id }
  }
}
"""
PAGE = "query($first: Int) { patients(first: $first) { edges { node { id mrn } } } }"


async def test_thirty_aliased_appointment_windows_are_refused_before_any_sql(client, statements):
    # given
    desk = await client.login("front_desk")
    # when
    with statements() as sql:
        body = await desk.execute(THIRTY_WINDOWS, **SIXTY_TWO_DAYS)
    # then
    assert body["data"] is None
    assert error_codes(body) == ["QUERY_TOO_COSTLY"]
    error = body["errors"][0]
    assert error["extensions"]["maxCost"] == 50_000
    assert error["extensions"]["cost"] > 30 * 62 * 50
    assert f"could cost {error['extensions']['cost']}" in error["message"]
    assert "the limit is 50000" in error["message"]
    assert sql.statements == []


async def test_a_week_of_appointments_with_their_patients_runs(client):
    # given
    desk = await client.login("front_desk")
    # when
    body = await desk.execute(WEEK_VIEW, **WEEK)
    # then
    assert body == {"data": {"appointments": []}}


async def test_the_cost_follows_page_sizes_and_the_setting(database_url):
    # given a limit of 50: a page of 10 patients costs 1 + 1 + 10 * 3 = 32
    async with app_for(make_settings(database_url, max_query_cost=50)) as (client, _):
        nurse = await client.login("nurse")
        # when
        ten = await nurse.execute(PAGE, first=10)
        twenty = await nurse.execute(PAGE, first=20)
        unsized = await nurse.execute(PAGE)  # the server's maximum page
    # then
    assert ten == {"data": {"patients": {"edges": []}}}
    assert error_codes(twenty) == error_codes(unsized) == ["QUERY_TOO_COSTLY"]
    assert twenty["errors"][0]["extensions"]["cost"] == 62


async def test_the_introspection_query_is_within_the_limits(client):
    # given the query GraphiQL and code generators send (14 deep)
    from graphql import get_introspection_query

    query = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )
    # when
    body = await client.execute(query)
    # then
    assert "errors" not in body
    assert body["data"]["__schema"]["queryType"] == {"name": "Query", "kind": "OBJECT"}


def test_every_plain_list_of_objects_has_a_size_estimate():
    # given the lists whose size no argument bounds
    schema = create_schema(Settings(environment="test"))._schema
    sized_elsewhere = {("Query", "nodes"), ("Query", "appointments")}
    unsized = [
        f"{type_name}.{name}"
        for type_name, graphql_type in schema.type_map.items()
        if not type_name.startswith("__") and hasattr(graphql_type, "fields")
        for name, field in getattr(graphql_type, "fields", {}).items()
        if is_list_type(get_nullable_type(field.type))
        and is_composite_type(get_named_type(field.type))
        and name not in ("edges", "userErrors")
        and (type_name, name) not in sized_elsewhere
        and (type_name, name) not in PLAIN_LISTS
    ]
    # then
    assert unsized == []


async def test_only_a_description_of_the_schema_gets_the_introspection_allowance(database_url):
    # given a limit of 50, far below what describing the schema costs
    async with app_for(make_settings(database_url, max_query_cost=50)) as (client, _):
        nurse = await client.login("nurse")
        # when
        schema_only = await nurse.execute("{ __schema { types { name fields { name } } } }")
        with_a_page = await nurse.execute(
            "{ __schema { types { name } } patients(first: 20) { edges { node { id mrn } } } }"
        )
    # then describing the schema is allowed; a page of patients beside it is not
    assert "errors" not in schema_only
    assert error_codes(with_a_page) == ["QUERY_TOO_COSTLY"]
