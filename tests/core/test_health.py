"""Health endpoints and the unauthenticated surface."""

from tests.fixtures.graphql import error_codes

ME = "{ me { username roles } }"


async def test_healthz_and_readyz_answer_ok(client):
    # when
    health = await client.http.get("/healthz")
    ready = await client.http.get("/readyz")
    # then
    assert health.json() == {"status": "ok"}
    assert ready.status_code == 200 and ready.json() == {"status": "ok"}


async def test_anonymous_call_is_unauthenticated(client):
    body = await client.execute(ME)
    assert body["data"] == {"me": None}
    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_me_names_the_signed_in_user(client):
    nurse = await client.login("nurse")
    data = await nurse.data(ME)
    assert data["me"] == {"username": "nurse", "roles": ["nurse"]}


async def test_every_response_carries_a_request_id(client):
    response = await client.post(ME, headers={"X-Request-ID": "trace-abc-123"})
    assert response.headers["x-request-id"] == "trace-abc-123"
    response = await client.post(ME, headers={"X-Request-ID": "bad id with spaces"})
    assert len(response.headers["x-request-id"]) == 32


async def test_the_access_log_leaves_query_strings_out(client, caplog):
    # given a GET query whose variables name a patient, and a calendar URL with its token
    caplog.set_level("INFO", logger="practice.access")
    query = '{ patients(search: "Smith 1984-03-05") { totalCount } }'
    # when
    await client.http.get("/graphql", params={"query": query})
    await client.http.get("/calendar/1.ics", params={"token": "SECRET-TOKEN"})
    # then the access log has the paths, and neither the search nor the token
    lines = [r.getMessage() for r in caplog.records if r.name == "practice.access"]
    assert [line.split()[:3] for line in lines] == [
        ["GET", "/graphql", "200"],
        ["GET", "/calendar/1.ics", "404"],
    ]
    assert not [line for line in lines if "Smith" in line or "SECRET" in line or "?" in line]
