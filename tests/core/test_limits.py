"""GraphQL limits (depth, aliases, tokens, page size), transport rules, and error handling."""

import base64
import logging

from sqlalchemy import text

from app.patients import demographics
from tests.conftest import count_statements, make_settings
from tests.fixtures.graphql import LOGIN, app_for, error_codes

ME = "{ me { username } }"
PATIENT_IDS = "{ patients { edges { node { id } } } }"  # depth 3
PATIENT_CITIES = "{ patients { edges { node { address { city } } } } }"  # depth 4
PATIENTS_PAGE = """
query Patients($first: Int, $after: String, $search: String) {
  patients(first: $first, after: $after, search: $search) { totalCount edges { node { id } } }
}
"""
SEARCH = """
query Search($search: String) { patients(search: $search) { totalCount } }
"""
CREATE_PATIENT = """
mutation CreatePatient($input: CreatePatientInput!) {
  createPatient(input: $input) { patient { id } userErrors { code } }
}
"""
SCHEMA_ROOT = "{ __schema { queryType { name } } }"
TYPE_BY_NAME = '{ __type(name: "Patient") { name } }'
TYPENAME = "{ __typename }"
SUBSCRIPTION = 'subscription { scheduleChanged(locationId: "TG9jYXRpb246MQ==") { __typename } }'
LOGIN_INLINE = 'mutation { login(input: {username: "nurse", password: "demo"}) { accessToken } }'
TWENTY_DEEP = "{ me " + "{ username " * 19 + "}" * 19 + " }"
UNKNOWN_FRAGMENT = "{ ...Missing }"

CODES = {
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "BAD_USER_INPUT",
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "INTERNAL_SERVER_ERROR",
}
LEAKS = ("Traceback", 'File "', "sqlalchemy", "SELECT", "OFFSET", "KeyError", "RuntimeError")


def aliases(count, field="me { username }"):
    return "{ " + " ".join(f"a{n}: {field}" for n in range(count)) + " }"


def cursor(offset):
    return base64.b64encode(f"offset:{offset}".encode()).decode()


# depth ---------------------------------------------------------------------------------------


async def test_depth_limit_follows_the_settings(database_url):
    # given a limit of 3
    async with app_for(make_settings(database_url, max_query_depth=3)) as (client, _):
        nurse = await client.login("nurse")
        # when
        at_limit = await nurse.execute(PATIENT_IDS)
        past_limit = await nurse.execute(PATIENT_CITIES)
    # then
    assert at_limit == {"data": {"patients": {"edges": []}}}
    assert past_limit["data"] is None
    assert error_codes(past_limit) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "exceeds maximum operation depth of 3" in past_limit["errors"][0]["message"]


async def test_a_twenty_deep_document_is_refused_before_execution(client, statements, settings):
    # given
    assert settings.max_query_depth < 20
    nurse = await client.login("nurse")
    # when
    with statements() as sql:
        body = await nurse.execute(TWENTY_DEEP)
    # then
    assert body["data"] is None
    messages = [e["message"] for e in body["errors"]]
    assert f"'anonymous' exceeds maximum operation depth of {settings.max_query_depth}" in messages
    assert set(error_codes(body)) == {"GRAPHQL_VALIDATION_FAILED"}
    assert sql.statements == []


# aliases -------------------------------------------------------------------------------------


async def test_aliases_up_to_the_limit_run_and_one_more_is_refused(client, statements, settings):
    # given
    nurse = await client.login("nurse")
    # when
    with statements() as allowed_sql:
        allowed = await nurse.execute(aliases(settings.max_aliases))
    with statements() as refused_sql:
        refused = await nurse.execute(aliases(settings.max_aliases + 1))
    # then
    assert "errors" not in allowed and len(allowed["data"]) == settings.max_aliases
    assert allowed_sql.count > 0  # the control: this document does reach the database
    assert refused == {
        "data": None,
        "errors": [
            {
                "message": f"{settings.max_aliases + 1} aliases found. "
                f"Allowed: {settings.max_aliases}",
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
            }
        ],
    }
    assert refused_sql.statements == []


async def test_a_thousand_aliases_are_refused_before_execution(client, statements):
    # given
    nurse = await client.login("nurse")
    # when
    with statements() as sql:
        body = await nurse.execute(aliases(1000))
    # then
    assert body["data"] is None
    assert len(body["errors"]) == 1 and error_codes(body)[0] in CODES
    assert sql.statements == []


async def test_a_thousand_aliases_are_refused_by_the_alias_limit_alone(database_url):
    # given a token limit high enough to let the document through the parser
    settings = make_settings(database_url, max_tokens=50_000)
    async with app_for(settings) as (client, runtime):
        nurse = await client.login("nurse")
        # when
        with count_statements(runtime.engine) as sql:
            body = await nurse.execute(aliases(1000))
    # then
    assert body["data"] is None
    assert [e["message"] for e in body["errors"]] == ["1000 aliases found. Allowed: 30"]
    assert sql.statements == []


# tokens --------------------------------------------------------------------------------------


def padded(tokens):
    """A document of exactly `tokens` tokens (8 or more) that runs `me` and nothing else:
    the operation `Main`, filled up with operations of five tokens each that do not run."""
    extra, fillers = (tokens - 8) % 5, (tokens - 8) // 5
    main = "query Main { me { username } " + "__typename " * extra + "}"
    return main + "".join(f" query P{n} {{ __typename }}" for n in range(fillers))


async def test_a_document_over_the_token_limit_is_refused_before_execution(
    client, statements, settings
):
    # given
    nurse = await client.login("nurse")
    headers = {"Authorization": f"Bearer {nurse.token}"}

    async def run(document):
        payload = {"query": document, "operationName": "Main"}
        return (await client.http.post("/graphql", json=payload, headers=headers)).json()

    # when
    with statements() as at_limit_sql:
        at_limit = await run(padded(settings.max_tokens))
    with statements() as over_limit_sql:
        over_limit = await run(padded(settings.max_tokens + 1))
    # then
    assert at_limit["data"]["me"] == {"username": "nurse"}, at_limit
    assert at_limit_sql.count > 0  # the control: this document does reach the database
    assert over_limit["data"] is None
    assert error_codes(over_limit) == ["GRAPHQL_PARSE_FAILED"]
    assert f"more than {settings.max_tokens} tokens" in over_limit["errors"][0]["message"]
    assert over_limit_sql.statements == []


async def test_a_typename_flood_is_refused_before_execution(client, statements):
    # given
    flood = "{ me { username } " + "__typename " * 100_000 + "}"
    # when
    with statements() as sql:
        body = await client.execute(flood)
    # then
    assert body["data"] is None
    assert error_codes(body) == ["GRAPHQL_PARSE_FAILED"]
    assert sql.statements == []


# page size -----------------------------------------------------------------------------------


async def test_page_size_over_the_maximum_is_bad_user_input(client, settings):
    # given
    nurse = await client.login("nurse")
    # when
    at_max = await nurse.execute(PATIENTS_PAGE, first=settings.max_page_size)
    over_max = await nurse.execute(PATIENTS_PAGE, first=settings.max_page_size + 1)
    negative = await nurse.execute(PATIENTS_PAGE, first=-1)
    malformed_cursor = await nurse.execute(PATIENTS_PAGE, after="not a cursor")
    # then
    assert at_max == {"data": {"patients": {"totalCount": 0, "edges": []}}}
    for body in (over_max, negative, malformed_cursor):
        assert body["data"] is None
        assert error_codes(body) == ["BAD_USER_INPUT"]
        assert body["errors"][0]["path"] == ["patients"]
    assert str(settings.max_page_size) in over_max["errors"][0]["message"]


async def test_page_size_limit_follows_the_settings(database_url):
    # given
    async with app_for(make_settings(database_url, max_page_size=5)) as (client, _):
        nurse = await client.login("nurse")
        # when
        body = await nurse.execute(PATIENTS_PAGE, first=6)
    # then
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_a_cursor_past_any_database_integer_is_bad_user_input(client):
    # given
    nurse = await client.login("nurse")
    # when
    body = await nurse.execute(PATIENTS_PAGE, after=cursor(10**30))
    # then
    assert error_codes(body) == ["BAD_USER_INPUT"]


# transport -----------------------------------------------------------------------------------


async def test_a_mutation_over_get_is_405_and_not_run(client, statements):
    # given
    nurse = await client.login("nurse")
    # when
    with statements() as sql:
        mutation = await client.http.get("/graphql", params={"query": LOGIN_INLINE})
    query = await client.http.get(
        "/graphql", params={"query": ME}, headers={"Authorization": f"Bearer {nurse.token}"}
    )
    # then
    assert mutation.status_code == 405
    assert sql.statements == []
    assert query.status_code == 200 and query.json() == {"data": {"me": {"username": "nurse"}}}


async def test_a_subscription_over_http_is_refused_and_not_run(client, caplog):
    # given (subscriptions are served over WebSocket)
    nurse = await client.login("nurse")
    headers = {"Authorization": f"Bearer {nurse.token}"}
    caplog.set_level(logging.INFO, logger="practice.graphql")
    # when
    post = await nurse.post(SUBSCRIPTION)
    get = await client.http.get("/graphql", params={"query": SUBSCRIPTION}, headers=headers)
    # then
    assert (post.status_code, get.status_code) == (400, 400)
    assert "subscriptions are not allowed" in post.text
    assert [r for r in caplog.records if r.name == "practice.graphql"] == []


async def test_a_batched_request_is_refused_and_not_run(client, statements):
    # given
    batch = [
        {"query": LOGIN, "variables": {"username": "nurse", "password": "demo"}},
        {"query": LOGIN, "variables": {"username": "nurse", "password": "wrong"}},
    ]
    # when
    with statements() as sql:
        response = await client.http.post("/graphql", json=batch)
    # then
    assert response.status_code == 400
    assert "accessToken" not in response.text
    assert sql.statements == []


# introspection -------------------------------------------------------------------------------


async def test_introspection_works_by_default(client, settings):
    # given
    assert settings.introspection is True
    # when
    schema_root = await client.execute(SCHEMA_ROOT)
    patient_type = await client.execute(TYPE_BY_NAME)
    # then
    assert schema_root == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
    assert patient_type == {"data": {"__type": {"name": "Patient"}}}


async def test_introspection_can_be_switched_off(database_url):
    # given
    async with app_for(make_settings(database_url, introspection=False)) as (client, _):
        nurse = await client.login("nurse")
        # when
        schema_root = await nurse.execute(SCHEMA_ROOT)
        patient_type = await nurse.execute(TYPE_BY_NAME)
        typename = await nurse.execute(TYPENAME)
        me = await nurse.execute(ME)
    # then
    for body in (schema_root, patient_type):
        assert body["data"] is None
        assert set(error_codes(body)) == {"GRAPHQL_VALIDATION_FAILED"}
        assert all("introspection" in e["message"] for e in body["errors"])
    assert typename == {"data": {"__typename": "Query"}}
    assert me == {"data": {"me": {"username": "nurse"}}}


# errors --------------------------------------------------------------------------------------

BAD_DOCUMENTS = [
    "{ me { username }",  # syntax
    '{ me "a literal" }',  # syntax
    "{ nope }",  # unknown field
    "query($first: Int!) { patients(first: $first) { totalCount } }",  # missing variable
    '{ patients(first: "ten") { totalCount } }',  # wrong type
    "{ " + "__typename " * 5000 + "}",  # token limit
    "query($v: Int = " + "[" * 600 + "]" * 600 + ") { __typename }",  # nesting limit
    aliases(31, "__typename"),  # alias limit
    TWENTY_DEEP,  # depth limit
    UNKNOWN_FRAGMENT,
    "fragment A on Query { ...B } fragment B on Query { ...A } { ...A }",  # cycle
    "{ auditEvents { totalCount } }",  # FORBIDDEN for a nurse
    "{ patients(first: 1000) { totalCount } }",  # BAD_USER_INPUT
    f'{{ patients(after: "{cursor(10**30)}") {{ totalCount }} }}',  # a database overflow
]


async def test_every_error_carries_a_code_and_no_internals(client):
    # given
    nurse = await client.login("nurse")
    # when
    bodies = [await nurse.post(document) for document in BAD_DOCUMENTS]
    anonymous = await client.execute(ME)
    # then
    assert error_codes(anonymous) == ["UNAUTHENTICATED"]
    for document, response in zip(BAD_DOCUMENTS, bodies, strict=True):
        assert response.status_code == 200, document
        body = response.json()
        assert body["errors"], document
        codes = error_codes(body)
        assert set(codes) <= CODES, (document, body["errors"])
        assert not [leak for leak in LEAKS if leak in response.text], (document, response.text)
        for error in body["errors"]:
            if error["extensions"]["code"] == "INTERNAL_SERVER_ERROR":
                assert error["message"] == "Internal server error."
                assert error["extensions"]["requestId"] == response.headers["x-request-id"]


async def test_a_spread_of_an_unknown_fragment_is_a_validation_error(client):
    # when
    body = await client.execute(UNKNOWN_FRAGMENT)
    # then
    assert body == {
        "data": None,
        "errors": [
            {
                "message": "Unknown fragment 'Missing'.",
                "locations": [{"line": 1, "column": 6}],
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
            }
        ],
    }


async def test_an_unexpected_error_is_masked_and_logged_without_query_or_variables(
    client, monkeypatch, caplog
):
    # given a service that fails with details the caller must not see
    async def broken(*args, **kwargs):
        raise RuntimeError("secret SQL details")

    monkeypatch.setattr(demographics, "search_patients", broken)
    nurse = await client.login("nurse")
    caplog.set_level(logging.INFO, logger="practice.graphql")
    # when
    response = await nurse.post(SEARCH, {"search": "Zebulon Quackenbush"})
    # then the caller sees a request id and nothing else
    request_id = response.headers["x-request-id"]
    assert response.status_code == 200
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": "Internal server error.",
                "locations": [{"line": 2, "column": 33}],
                "path": ["patients"],
                "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
            }
        ],
    }
    assert "secret SQL details" not in response.text
    # and the log has the traceback under that request id, without the query or its variables
    errors = [r for r in caplog.records if r.name == "practice.graphql" and r.levelname == "ERROR"]
    assert len(errors) == 1
    assert request_id in errors[0].getMessage()
    assert errors[0].exc_info and isinstance(errors[0].exc_info[1], RuntimeError)
    assert "secret SQL details" in caplog.text and "Traceback" in caplog.text
    assert "Zebulon" not in caplog.text and "Quackenbush" not in caplog.text
    assert "patients(search" not in caplog.text and "query Search" not in caplog.text


async def test_caller_errors_are_logged_without_variable_values_or_literals(client, caplog):
    # given inputs that graphql-core quotes back in its messages
    nurse = await client.login("nurse")
    caplog.set_level(logging.INFO)
    bad_input = {"givenName": "Zebulon", "ssn": "987-65-4321"}
    # when
    coercion = await nurse.execute(CREATE_PATIENT, input=bad_input)
    syntax = await nurse.execute('{ me "Quackenbush 987-65-4321" }')
    # then the caller is told (it is the caller's own data)
    assert "987-65-4321" in str(coercion["errors"]) and "987-65-4321" in str(syntax["errors"])
    assert error_codes(coercion)[0] == "GRAPHQL_VALIDATION_FAILED"
    assert error_codes(syntax) == ["GRAPHQL_PARSE_FAILED"]
    # but the log is not
    graphql_logs = [r for r in caplog.records if r.name.startswith(("practice", "strawberry"))]
    assert graphql_logs, "errors are logged"
    assert "987-65-4321" not in caplog.text
    assert "Zebulon" not in caplog.text and "Quackenbush" not in caplog.text


async def test_a_database_failure_leaks_nothing_to_the_caller_or_the_log(client, runtime, caplog):
    # given a database that has lost a table the search needs
    nurse = await client.login("nurse")
    async with runtime.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE patients RENAME TO patients_gone"))
    caplog.set_level(logging.INFO)
    # when
    response = await nurse.post(SEARCH, {"search": "Quackenbush"})
    # then the caller gets the request id only
    body = response.json()
    assert body["data"] is None
    assert error_codes(body) == ["INTERNAL_SERVER_ERROR"]
    assert not [leak for leak in LEAKS if leak in response.text], response.text
    assert "patients_gone" not in response.text and "patients" not in body["errors"][0]["message"]
    # and the log has the failed SQL, but not the values it was run with
    assert "FROM patients" in caplog.text
    assert "quackenbush" not in caplog.text.lower()
