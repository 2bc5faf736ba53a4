"""Authentication: login, an administrator's lock, refresh-token rotation and replay, bearer-token
attacks (throttling: test_login_throttle.py; second factor: test_totp.py)."""

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.audit.models import AuditEvent
from app.db import utcnow
from app.transaction import unit_of_work
from app.users.models import RefreshToken, User
from tests.conftest import make_settings
from tests.fixtures.auth import REFRESH, claims_for, session_of, sign, unsigned, user_named
from tests.fixtures.graphql import LOGIN, GraphQLClient, app_for, error_codes

ME = "{ me { username roles } }"
OTHER_SECRET = "an-attacker-chosen-secret-that-is-long-enough-0123456789"


async def _login(client, username="nurse", password="demo"):
    return (await client.data(LOGIN, username=username, password=password))["login"]


async def _refresh(client, token):
    return (await client.data(REFRESH, token=token))["refreshToken"]


def _codes(payload):
    return [error["code"] for error in payload["userErrors"]]


async def _me(client, authorization):
    response = await client.post(ME, headers={"Authorization": authorization})
    assert response.status_code == 200, response.text
    return response.json()


# login ---------------------------------------------------------------------------------------


async def test_login_returns_a_token_pair(client):
    # given
    before = utcnow()
    # when
    payload = await _login(client, "nurse", "demo")
    # then
    assert payload["userErrors"] == []
    assert payload["accessToken"].count(".") == 2
    assert len(payload["refreshToken"]) >= 32
    expires_at = datetime.fromisoformat(payload["expiresAt"])
    assert expires_at.tzinfo is not None
    assert before + timedelta(minutes=14) < expires_at <= utcnow() + timedelta(minutes=15)
    body = await _me(client, f"Bearer {payload['accessToken']}")
    assert body == {"data": {"me": {"username": "nurse", "roles": ["nurse"]}}}


async def test_wrong_password_is_invalid_credentials(client):
    # when
    payload = await _login(client, "nurse", "not-the-password")
    # then
    assert payload["accessToken"] is None and payload["refreshToken"] is None
    assert payload["expiresAt"] is None
    assert _codes(payload) == ["INVALID_CREDENTIALS"]
    assert payload["userErrors"][0]["field"] is None


async def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client):
    # given
    wrong_password = await _login(client, "nurse", "not-the-password")
    # when
    unknown_user = await _login(client, "nobody-by-this-name", "demo")
    # then: nothing tells an attacker which usernames exist
    assert _codes(unknown_user) == ["INVALID_CREDENTIALS"]
    assert unknown_user == wrong_password


async def test_inactive_user_cannot_log_in(client, runtime):
    # given
    async with unit_of_work(runtime.sessions) as session:
        await session.execute(update(User).where(User.username == "nurse").values(is_active=False))
    # when
    payload = await _login(client, "nurse", "demo")
    # then
    assert _codes(payload) == ["INVALID_CREDENTIALS"]
    assert payload["accessToken"] is None


async def test_an_account_locked_by_an_administrator_says_so_only_to_its_password(client, runtime):
    # given
    async with unit_of_work(runtime.sessions) as session:
        await session.execute(
            update(User)
            .where(User.username == "nurse")
            .values(locked_until=utcnow() + timedelta(hours=1))
        )
    # when
    wrong_password = await _login(client, "nurse", "wrong")
    right_password = await _login(client, "nurse", "demo")
    # then
    assert _codes(wrong_password) == ["INVALID_CREDENTIALS"]
    assert _codes(right_password) == ["ACCOUNT_LOCKED"]
    assert right_password["accessToken"] is None and right_password["refreshToken"] is None


# refresh tokens ------------------------------------------------------------------------------


async def test_refresh_rotates_the_token_pair(client):
    # given
    first = await _login(client)
    # when
    second = await _refresh(client, first["refreshToken"])
    # then
    assert second["userErrors"] == []
    assert second["refreshToken"] and second["refreshToken"] != first["refreshToken"]
    assert second["accessToken"] and second["accessToken"] != first["accessToken"]
    assert datetime.fromisoformat(second["expiresAt"]) > utcnow()
    body = await _me(client, f"Bearer {second['accessToken']}")
    assert body["data"]["me"]["username"] == "nurse"
    third = await _refresh(client, second["refreshToken"])
    assert third["userErrors"] == [] and third["refreshToken"] not in (
        first["refreshToken"],
        second["refreshToken"],
    )


async def test_replaying_a_refresh_token_revokes_the_whole_session(client, runtime):
    # given a session rotated once, and another session of the same user
    first = await _login(client)
    second = await _refresh(client, first["refreshToken"])
    elsewhere = await _login(client)
    # when the spent token is presented again (a thief, or the victim after the thief)
    replay = await _refresh(client, first["refreshToken"])
    # then the spent token is refused, and the newer token of that session no longer works either
    assert _codes(replay) == ["INVALID_REFRESH_TOKEN"]
    assert replay["accessToken"] is None and replay["refreshToken"] is None
    assert _codes(await _refresh(client, second["refreshToken"])) == ["INVALID_REFRESH_TOKEN"]
    async with runtime.sessions() as session:
        tokens = (await session.scalars(select(RefreshToken))).all()
    revoked = {t.family_id for t in tokens if t.revoked_at is not None}
    assert len(revoked) == 1
    # and the other session is untouched
    assert (await _refresh(client, elsewhere["refreshToken"]))["userErrors"] == []


async def test_one_refresh_token_presented_twice_at_once_is_rotated_once(client):
    # given
    first = await _login(client)
    # when the same token is presented by two callers at the same moment
    results = await asyncio.gather(*(_refresh(client, first["refreshToken"]) for _ in range(2)))
    # then one of them gets a new pair and the other is a replay, which ends the session
    granted = [r for r in results if r["userErrors"] == []]
    refused = [r for r in results if r["userErrors"] != []]
    assert len(granted) == 1 and [_codes(r) for r in refused] == [["INVALID_REFRESH_TOKEN"]]
    after = await _refresh(client, granted[0]["refreshToken"])
    assert _codes(after) == ["INVALID_REFRESH_TOKEN"]


async def test_refresh_after_the_idle_timeout_fails(client, runtime):
    # given a session idle longer than settings.refresh_token_idle_minutes
    first = await _login(client)
    async with unit_of_work(runtime.sessions) as session:
        await session.execute(
            update(RefreshToken).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    # when
    payload = await _refresh(client, first["refreshToken"])
    # then
    assert _codes(payload) == ["INVALID_REFRESH_TOKEN"]
    assert payload["accessToken"] is None


async def test_tokens_we_did_not_issue_as_refresh_tokens_are_refused(client):
    # given
    first = await _login(client)
    # when
    unknown = await _refresh(client, "not-a-token-we-issued")
    access_token = await _refresh(client, first["accessToken"])
    # then
    assert _codes(unknown) == ["INVALID_REFRESH_TOKEN"]
    assert _codes(access_token) == ["INVALID_REFRESH_TOKEN"]


async def test_a_locked_account_cannot_refresh(client, runtime):
    # given a session, then the account locked by an administrator
    first = await _login(client)
    async with unit_of_work(runtime.sessions) as session:
        await session.execute(
            update(User)
            .where(User.username == "nurse")
            .values(locked_until=utcnow() + timedelta(hours=1))
        )
    # when
    payload = await _refresh(client, first["refreshToken"])
    # then
    assert _codes(payload) == ["INVALID_REFRESH_TOKEN"]


# bearer tokens -------------------------------------------------------------------------------


async def _nurse_claims(client, runtime, settings):
    """Claims like those of a token of the nurse's open session."""
    nurse = await user_named(runtime, "nurse")
    session_id = session_of((await _login(client))["accessToken"])
    return claims_for(settings, nurse.id, session_id)


async def test_a_token_forged_like_ours_with_our_secret_is_accepted(client, runtime, settings):
    # given (the control for the attacks below: the forging helper makes valid tokens)
    token = sign(await _nurse_claims(client, runtime, settings), settings.jwt_secret)
    # when
    body = await _me(client, f"Bearer {token}")
    # then
    assert body == {"data": {"me": {"username": "nurse", "roles": ["nurse"]}}}


ATTACKS = {
    "alg none": lambda s, c: f"Bearer {unsigned(c)}",
    "alg none, signature kept": lambda s, c: (
        f"Bearer {unsigned(c)}{sign(c, s.jwt_secret).rsplit('.', 1)[1]}"
    ),
    "another secret": lambda s, c: f"Bearer {sign(c, OTHER_SECRET)}",
    "HS512 with our secret": lambda s, c: f"Bearer {sign(c, s.jwt_secret, 'HS512')}",
    "HS384 with our secret": lambda s, c: f"Bearer {sign(c, s.jwt_secret, 'HS384')}",
    "claims swapped under a valid signature": lambda s, c: (
        "Bearer "
        + ".".join(
            [
                sign(c, s.jwt_secret).split(".")[0],
                unsigned({**c, "roles": ["admin"]}).split(".")[1],
                sign(c, s.jwt_secret).split(".")[2],
            ]
        )
    ),
    "wrong audience": lambda s, c: f"Bearer {sign({**c, 'aud': 'other-api'}, s.jwt_secret)}",
    "no audience": lambda s, c: f"Bearer {sign({**c, 'aud': None}, s.jwt_secret)}",
    "wrong issuer": lambda s, c: f"Bearer {sign({**c, 'iss': 'evil-idp'}, s.jwt_secret)}",
    "expired": lambda s, c: (
        f"Bearer {sign({**c, 'exp': int(utcnow().timestamp()) - 60}, s.jwt_secret)}"
    ),
    "no expiry": lambda s, c: f"Bearer {sign({**c, 'exp': None}, s.jwt_secret)}",
    "no subject": lambda s, c: f"Bearer {sign({**c, 'sub': None}, s.jwt_secret)}",
    "subject not a user id": lambda s, c: f"Bearer {sign({**c, 'sub': 'nurse'}, s.jwt_secret)}",
    "subject too large": lambda s, c: f"Bearer {sign({**c, 'sub': '9' * 20}, s.jwt_secret)}",
    "no session": lambda s, c: f"Bearer {sign({**c, 'sid': None}, s.jwt_secret)}",
    "session not a string": lambda s, c: f"Bearer {sign({**c, 'sid': 7}, s.jwt_secret)}",
    "another user's session": lambda s, c: (
        f"Bearer {sign({**c, 'sub': str(int(c['sub']) + 1)}, s.jwt_secret)}"
    ),
    "a session never opened": lambda s, c: f"Bearer {sign({**c, 'sid': 'forged'}, s.jwt_secret)}",
    "garbage": lambda s, c: "Bearer not.a.jwt",
    "empty bearer": lambda s, c: "Bearer ",
    "not base64": lambda s, c: "Bearer %%%.%%%.%%%",
    "Basic scheme": lambda s, c: f"Basic {sign(c, s.jwt_secret)}",
    "Token scheme": lambda s, c: f"Token {sign(c, s.jwt_secret)}",
    "no scheme": lambda s, c: sign(c, s.jwt_secret),
}


async def test_forged_and_malformed_tokens_are_refused(client, runtime, settings):
    # given one forgery per attack (one test: each would otherwise cost a database)
    claims = await _nurse_claims(client, runtime, settings)
    answers = {}
    # when
    for attack, forge in ATTACKS.items():
        body = await _me(client, forge(settings, claims))
        answers[attack] = (body["data"], error_codes(body))
    # then every one of them is anonymous to the guard
    refused = ({"me": None}, ["UNAUTHENTICATED"])
    assert {attack: answer for attack, answer in answers.items() if answer != refused} == {}


async def test_a_refused_token_leaves_public_fields_working(client):
    # given a caller presenting a bad token
    bad = GraphQLClient(client.http, "not.a.jwt")
    # when
    payload = (await bad.data(LOGIN, username="nurse", password="demo"))["login"]
    # then
    assert payload["userErrors"] == [] and payload["accessToken"]


# audit ---------------------------------------------------------------------------------------


async def _events(runtime, action):
    async with runtime.sessions() as session:
        rows = await session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        )
        return rows.all()


async def test_logins_are_audited_with_outcome_ip_and_request_id(client, runtime):
    # given
    nurse = await user_named(runtime, "nurse")
    # when
    ok = await client.post(
        LOGIN, {"username": "nurse", "password": "demo"}, headers={"X-Request-ID": "login-ok-0001"}
    )
    bad = await client.post(
        LOGIN,
        {"username": "nurse", "password": "wrong"},
        headers={"X-Request-ID": "login-bad-0002"},
    )
    unknown = await client.post(
        LOGIN,
        {"username": "ghost", "password": "x"},
        headers={"X-Request-ID": "login-unknown-0003"},
    )
    # then
    assert all(r.status_code == 200 for r in (ok, bad, unknown))
    events = await _events(runtime, "login")
    assert [(e.actor_user_id, e.actor_username, e.outcome, e.request_id) for e in events] == [
        (nurse.id, "nurse", "success", "login-ok-0001"),
        (nurse.id, "nurse", "invalid_credentials", "login-bad-0002"),
        (None, "ghost", "invalid_credentials", "login-unknown-0003"),
    ]
    assert {(e.resource_type, e.ip) for e in events} == {("User", "203.0.113.7")}


async def test_throttled_attempts_are_audited_and_lock_nothing(database_url):
    # given
    settings = make_settings(database_url, login_base_delay_seconds=60)
    async with app_for(settings) as (client, runtime):
        # when
        for _ in range(6):
            await _login(client, "nurse", "wrong")
        # then
        outcomes = [e.outcome for e in await _events(runtime, "login")]
        locks = await _events(runtime, "lock")
        nurse = await user_named(runtime, "nurse")
    assert outcomes == ["invalid_credentials"] * 5 + ["too_many_attempts"]
    assert locks == [] and nurse.locked_until is None


async def test_refreshes_are_audited(client, runtime):
    # given
    nurse = await user_named(runtime, "nurse")
    first = await _login(client)
    # when
    rotated = await client.post(
        REFRESH, {"token": first["refreshToken"]}, headers={"X-Request-ID": "refresh-ok-0001"}
    )
    replayed = await client.post(
        REFRESH, {"token": first["refreshToken"]}, headers={"X-Request-ID": "refresh-replay-0002"}
    )
    # then
    assert rotated.json()["data"]["refreshToken"]["userErrors"] == []
    assert replayed.json()["data"]["refreshToken"]["userErrors"][0]["code"] == (
        "INVALID_REFRESH_TOKEN"
    )
    events = await _events(runtime, "refresh")
    assert [(e.actor_user_id, e.outcome, e.request_id, e.ip) for e in events] == [
        (nurse.id, "success", "refresh-ok-0001", "203.0.113.7"),
        (nurse.id, "replayed", "refresh-replay-0002", "203.0.113.7"),
    ]
    assert len({e.resource_id for e in events}) == 1  # the session (token family)


LOGOUT = """
mutation Logout($token: String!) {
  logout(input: {refreshToken: $token}) { ok userErrors { field code } }
}
"""


async def test_logout_ends_the_session_and_only_that_session(client):
    # given two sessions of one user
    anonymous = GraphQLClient(client.http)
    first = (await anonymous.data(LOGIN, username="nurse", password="demo"))["login"]
    second = (await anonymous.data(LOGIN, username="nurse", password="demo"))["login"]
    rotated = (await anonymous.data(REFRESH, token=first["refreshToken"]))["refreshToken"]
    # when the first session logs out with its current refresh token
    out = (await anonymous.data(LOGOUT, token=rotated["refreshToken"]))["logout"]
    again = (await anonymous.data(LOGOUT, token=rotated["refreshToken"]))["logout"]
    # then none of its tokens refreshes any more, and the other session still does
    assert out == {"ok": True, "userErrors": []}
    assert again["userErrors"] == [{"field": ["refreshToken"], "code": "INVALID_REFRESH_TOKEN"}]
    for token in (first["refreshToken"], rotated["refreshToken"]):
        refused = (await anonymous.data(REFRESH, token=token))["refreshToken"]
        assert [e["code"] for e in refused["userErrors"]] == ["INVALID_REFRESH_TOKEN"]
    kept = (await anonymous.data(REFRESH, token=second["refreshToken"]))["refreshToken"]
    assert kept["userErrors"] == []
