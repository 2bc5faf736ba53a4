"""An access token speaks for its session only while the session is open and its user active
and unlocked; its roles are the user's roles now, read on every request, never the token's."""

from datetime import timedelta

from sqlalchemy import update

from app.db import utcnow
from app.transaction import unit_of_work
from app.users.models import RefreshToken, User
from tests.fixtures.auth import REFRESH, claims_for, session_of, sign, user_named
from tests.fixtures.graphql import LOGIN, GraphQLClient, error_codes

ME = "{ me { username roles } }"
PATIENTS = '{ patients(search: "Nobody") { totalCount } }'
ROLES = "{ roles { name } }"
LOGOUT = """
mutation Logout($token: String!) { logout(input: {refreshToken: $token}) { ok } }
"""
SET_ROLES = """
mutation SetRoles($username: String!, $roles: [String!]!) {
  setUserRoles(input: {username: $username, roles: $roles}) { userErrors { code } }
}
"""
REFUSED = {"data": {"me": None}, "codes": ["UNAUTHENTICATED"]}


async def _sign_in(client, username="nurse"):
    """A new session: its tokens, and a client sending its access token."""
    tokens = (await client.data(LOGIN, username=username, password="demo"))["login"]
    assert tokens["userErrors"] == [], tokens
    return tokens, GraphQLClient(client.http, tokens["accessToken"])


async def _me(caller):
    body = await caller.execute(ME)
    return {"data": body["data"], "codes": error_codes(body)}


def _signed_in_as(username, roles):
    return {"data": {"me": {"username": username, "roles": roles}}, "codes": []}


async def test_logout_refuses_the_access_tokens_of_its_session_and_no_other(client):
    # given two sessions of the nurse, each with an access token that works
    tokens, ended = await _sign_in(client)
    _, other = await _sign_in(client)
    assert await _me(ended) == _signed_in_as("nurse", ["nurse"])
    # when the first logs out
    assert (await client.data(LOGOUT, token=tokens["refreshToken"]))["logout"]["ok"]
    # then its access token is refused from the next request on; the other session's is not
    assert await _me(ended) == REFUSED
    assert await _me(other) == _signed_in_as("nurse", ["nurse"])


async def test_a_refresh_token_replay_refuses_every_access_token_of_its_session(client):
    # given a session rotated once: two access tokens of one session
    first, first_caller = await _sign_in(client)
    second = (await client.data(REFRESH, token=first["refreshToken"]))["refreshToken"]
    second_caller = GraphQLClient(client.http, second["accessToken"])
    assert await _me(second_caller) == _signed_in_as("nurse", ["nurse"])
    # when the spent refresh token is presented again
    replay = (await client.data(REFRESH, token=first["refreshToken"]))["refreshToken"]
    # then the session has ended, and neither access token works
    assert [e["code"] for e in replay["userErrors"]] == ["INVALID_REFRESH_TOKEN"]
    assert await _me(first_caller) == REFUSED
    assert await _me(second_caller) == REFUSED


async def test_a_deactivated_user_s_access_tokens_are_refused(client, runtime):
    # given a signed-in nurse
    _, nurse = await _sign_in(client)
    # when the account is deactivated
    async with unit_of_work(runtime.sessions) as session:
        await session.execute(update(User).where(User.username == "nurse").values(is_active=False))
    # then
    assert await _me(nurse) == REFUSED
    assert error_codes(await nurse.execute(PATIENTS)) == ["UNAUTHENTICATED"]


async def test_a_locked_account_s_access_tokens_are_refused_while_it_is_locked(client, runtime):
    # given a signed-in nurse
    _, nurse = await _sign_in(client)
    # when an administrator locks the account (wrong guesses only slow sign-ins down: they
    # never lock, tests/core/test_login_throttle.py)
    async with unit_of_work(runtime.sessions) as session:
        await session.execute(
            update(User)
            .where(User.username == "nurse")
            .values(locked_until=utcnow() + timedelta(minutes=15))
        )
    # then the session's access token is refused
    assert await _me(nurse) == REFUSED
    # and works again once the lock has run out (the lock suspends sessions; it ends none)
    async with unit_of_work(runtime.sessions) as session:
        await session.execute(
            update(User)
            .where(User.username == "nurse")
            .values(locked_until=utcnow() - timedelta(seconds=1))
        )
    assert await _me(nurse) == _signed_in_as("nurse", ["nurse"])


async def test_a_session_past_its_maximum_age_refuses_its_access_tokens(client, runtime):
    # given a signed-in nurse
    tokens, nurse = await _sign_in(client)
    # when the session reaches its maximum age (settings.session_max_hours)
    async with unit_of_work(runtime.sessions) as session:
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == session_of(tokens["accessToken"]))
            .values(session_expires_at=utcnow() - timedelta(seconds=1))
        )
    # then
    assert await _me(nurse) == REFUSED


async def test_roles_taken_away_stop_granting_from_the_next_request(client):
    # given a front desk user who reads patients, and an admin
    _, desk = await _sign_in(client, "front_desk")
    _, admin = await _sign_in(client, "admin")
    assert error_codes(await desk.execute(PATIENTS)) == []
    # when the admin leaves them only inventory_manager
    changed = await admin.data(SET_ROLES, username="front_desk", roles=["inventory_manager"])
    assert changed["setUserRoles"]["userErrors"] == []
    # then the same access token no longer reads patients, and speaks for the new roles
    assert error_codes(await desk.execute(PATIENTS)) == ["FORBIDDEN"]
    assert await _me(desk) == _signed_in_as("front_desk", ["inventory_manager"])


async def test_roles_named_in_a_token_grant_nothing(client, runtime, settings):
    # given a token of the nurse's open session, signed with our key, claiming admin
    tokens, _ = await _sign_in(client)
    nurse = await user_named(runtime, "nurse")
    claims = claims_for(settings, nurse.id, session_of(tokens["accessToken"]), roles=["admin"])
    forged = GraphQLClient(client.http, sign(claims, settings.jwt_secret))
    # when it asks for what only admins may read
    body = await forged.execute(ROLES)
    # then it is the nurse, as the database has her
    assert error_codes(body) == ["FORBIDDEN"]
    assert await _me(forged) == _signed_in_as("nurse", ["nurse"])


async def test_a_token_for_a_user_that_does_not_exist_reads_nothing(client, runtime, settings):
    # given validly signed tokens, claiming admin, for a user id no account has: once with a
    # session that exists (the admin's), once with one that never did
    tokens, _ = await _sign_in(client, "admin")
    admin = await user_named(runtime, "admin")
    missing_id = admin.id + 10_000
    sessions = [session_of(tokens["accessToken"]), "0f4c2a6e-0000-4000-8000-000000000000"]
    for session_id in sessions:
        claims = claims_for(settings, missing_id, session_id, name="ghost", roles=["admin"])
        ghost = GraphQLClient(client.http, sign(claims, settings.jwt_secret))
        # when it reads
        patients = await ghost.execute(PATIENTS)
        me = await _me(ghost)
        # then nothing: it speaks for nobody
        assert (patients["data"], error_codes(patients)) == (None, ["UNAUTHENTICATED"])
        assert me == REFUSED
