"""TOTP second factor: enrolment, sign-in with and without a code, replay, required by role."""

from datetime import timedelta

import pyotp
from sqlalchemy import select

from app.db import utcnow
from app.users.models import TotpCredential
from tests.conftest import make_settings
from tests.core.test_cli import practice
from tests.fixtures.auth import user_named
from tests.fixtures.graphql import GraphQLClient, app_for

LOGIN = """
mutation Login($username: String!, $password: String!, $code: String) {
  login(input: {username: $username, password: $password, totpCode: $code}) {
    accessToken totpEnrolment { secret otpauthUri } userErrors { field code }
  }
}
"""
START = "mutation { startTotpEnrolment { enrolment { secret otpauthUri } userErrors { code } } }"
CONFIRM = """
mutation Confirm($code: String!, $password: String! = "demo", $current: String) {
  confirmTotpEnrolment(input: {code: $code, password: $password, currentCode: $current}) {
    enrolled userErrors { field code }
  }
}
"""


async def _login(client, username="nurse", password="demo", code=None):
    anonymous = GraphQLClient(client.http)
    return (await anonymous.data(LOGIN, username=username, password=password, code=code))["login"]


def _codes(payload):
    return [error["code"] for error in payload["userErrors"]]


def _next_code(secret):
    """A code of the next 30-second step: still accepted, and later than any used so far."""
    return pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=30))


async def _enrol(client, username="nurse"):
    staff = await client.login(username)
    started = (await staff.data(START))["startTotpEnrolment"]
    secret = started["enrolment"]["secret"]
    confirmed = await staff.data(CONFIRM, code=pyotp.TOTP(secret).now())
    assert confirmed["confirmTotpEnrolment"] == {"enrolled": True, "userErrors": []}
    return secret


async def test_enrolment_takes_effect_once_confirmed(client, runtime):
    # given a signed-in nurse who starts an enrolment
    nurse = await client.login("nurse")
    started = (await nurse.data(START))["startTotpEnrolment"]
    secret = started["enrolment"]["secret"]
    # when it is not yet confirmed, or confirmed with a wrong code
    before = await _login(client)
    wrong = (await nurse.data(CONFIRM, code="000000"))["confirmTotpEnrolment"]
    confirmed = (await nurse.data(CONFIRM, code=pyotp.TOTP(secret).now()))["confirmTotpEnrolment"]
    # then only the confirmation puts it in force
    assert started["userErrors"] == []
    assert started["enrolment"]["otpauthUri"].startswith("otpauth://totp/")
    assert before["userErrors"] == [] and before["accessToken"]
    if pyotp.TOTP(secret).now() != "000000":
        assert wrong == {
            "enrolled": False,
            "userErrors": [{"field": ["code"], "code": "INVALID_TOTP_CODE"}],
        }
    assert confirmed == {"enrolled": True, "userErrors": []}
    assert _codes(await _login(client)) == ["TOTP_REQUIRED"]
    # and the secret is stored encrypted
    user = await user_named(runtime, "nurse")
    async with runtime.sessions() as session:
        stored = await session.scalar(
            select(TotpCredential).where(TotpCredential.user_id == user.id)
        )
    assert stored.secret_encrypted and secret.encode() not in stored.secret_encrypted


async def test_a_stolen_access_token_cannot_put_another_device_in_place(client):
    # given someone holding only a nurse's access token, and her second factor in force
    thief = await client.login("nurse")
    secret = await _enrol(client)
    started = (await thief.data(START))["startTotpEnrolment"]
    theirs = pyotp.TOTP(started["enrolment"]["secret"])
    # when they confirm their own device without her password, or without her current code
    no_password = await thief.data(CONFIRM, code=theirs.now(), password="guess")
    no_code = await thief.data(CONFIRM, code=theirs.now())
    # then both are refused, and her own device still signs her in
    assert no_password["confirmTotpEnrolment"] == {
        "enrolled": False,
        "userErrors": [{"field": ["password"], "code": "WRONG_PASSWORD"}],
    }
    assert no_code["confirmTotpEnrolment"] == {
        "enrolled": False,
        "userErrors": [{"field": ["currentCode"], "code": "INVALID_TOTP_CODE"}],
    }
    assert (await _login(client, code=_next_code(secret)))["userErrors"] == []


async def test_replacing_a_factor_takes_a_current_code_of_it(client):
    # given a nurse with a second factor in force, who starts a new one (a new phone)
    nurse = await client.login("nurse")
    old = await _enrol(client)
    new = (await nurse.data(START))["startTotpEnrolment"]["enrolment"]["secret"]
    # when she confirms with a code of each
    replaced = await nurse.data(CONFIRM, code=pyotp.TOTP(new).now(), current=_next_code(old))
    # then the new one is in force
    assert replaced["confirmTotpEnrolment"] == {"enrolled": True, "userErrors": []}
    assert (await _login(client, code=_next_code(new)))["userErrors"] == []


async def test_confirming_without_a_started_enrolment_is_refused(client):
    nurse = await client.login("nurse")
    payload = (await nurse.data(CONFIRM, code="123456"))["confirmTotpEnrolment"]
    assert payload == {
        "enrolled": False,
        "userErrors": [{"field": ["code"], "code": "NO_TOTP_ENROLMENT"}],
    }


async def test_an_enrolled_user_signs_in_with_a_code_and_never_twice_with_one(client):
    # given
    secret = await _enrol(client)
    code = _next_code(secret)
    # when
    without = await _login(client)
    wrong = await _login(client, code="000000" if code != "000000" else "111111")
    right = await _login(client, code=code)
    replayed = await _login(client, code=code)
    wrong_password = await _login(client, password="wrong", code=_next_code(secret))
    # then
    assert _codes(without) == ["TOTP_REQUIRED"] and without["accessToken"] is None
    assert wrong["userErrors"] == [{"field": ["totpCode"], "code": "INVALID_TOTP_CODE"}]
    assert right["userErrors"] == [] and right["accessToken"]
    assert _codes(replayed) == ["INVALID_TOTP_CODE"] and replayed["accessToken"] is None
    assert _codes(wrong_password) == ["INVALID_CREDENTIALS"]


async def test_wrong_codes_count_toward_the_throttle(database_url):
    settings = make_settings(database_url, login_base_delay_seconds=60)
    async with app_for(settings) as (client, _):
        # given an enrolled nurse, and five sign-ins with a missing code (a wrong one counts alike)
        secret = await _enrol(client)
        for _ in range(5):
            await _login(client, code=None)
        # when the right code comes
        payload = await _login(client, code=_next_code(secret))
    # then it waits like any other attempt
    assert _codes(payload) == ["TOO_MANY_ATTEMPTS"]


async def test_a_role_that_requires_totp_enrols_at_sign_in(database_url):
    settings = make_settings(database_url, totp_required_roles=["admin"])
    async with app_for(settings) as (client, _):
        # given an admin with no second factor
        # when the admin signs in with the wrong, then the right password
        wrong_password = await _login(client, "admin", "wrong")
        handed = await _login(client, "admin")
        secret = handed["totpEnrolment"]["secret"]
        wrong_code = await _login(client, "admin", code="000000")
        enrolled = await _login(client, "admin", code=pyotp.TOTP(secret).now())
        afterwards = await _login(client, "admin")
        not_required = await _login(client, "nurse")
    # then only the right password hands out an enrolment; a code of it signs in and enrols
    assert _codes(wrong_password) == ["INVALID_CREDENTIALS"]
    assert wrong_password["totpEnrolment"] is None
    assert _codes(handed) == ["TOTP_ENROLMENT_REQUIRED"] and handed["accessToken"] is None
    assert handed["totpEnrolment"]["otpauthUri"].startswith("otpauth://totp/")
    if pyotp.TOTP(secret).now() != "000000":
        assert _codes(wrong_code) == ["INVALID_TOTP_CODE"]
    assert enrolled["userErrors"] == [] and enrolled["accessToken"]
    assert _codes(afterwards) == ["TOTP_REQUIRED"]
    assert not_required["userErrors"] == [] and not_required["accessToken"]


async def test_an_operator_removes_a_lost_second_factor(database_url, client):
    # given an enrolled nurse who lost the device
    await _enrol(client)
    # when the operator resets it, twice
    reset = practice(database_url, "reset-totp", "nurse")
    again = practice(database_url, "reset-totp", "nurse")
    # then the password alone signs in again
    assert reset.returncode == 0, reset.stderr
    assert again.returncode == 1 and "has no second factor" in again.stderr
    payload = await _login(client)
    assert payload["userErrors"] == [] and payload["accessToken"]
