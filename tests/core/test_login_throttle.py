"""Failed sign-ins slow guessing down per address, username and pair, and lock nobody out.

Most tests lengthen the first delay to a minute (`login_base_delay_seconds`) so that no answer
depends on how fast the machine runs; the passing of time is simulated by moving the stored
waits into the past.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy import update

from app.db import utcnow
from app.transaction import unit_of_work
from app.users.models import LoginThrottle
from tests.conftest import make_settings
from tests.fixtures.graphql import asgi_client

LOGIN_WAIT = """
mutation Login($username: String!, $password: String!) {
  login(input: {username: $username, password: $password}) {
    accessToken retryAfterSeconds userErrors { field code message }
  }
}
"""
A = ("198.51.100.1", 5000)
B = ("198.51.100.2", 5000)


@asynccontextmanager
async def _app(database_url, **overrides) -> AsyncIterator[tuple]:
    from app.main import create_app

    app = create_app(make_settings(database_url, **overrides))
    try:
        yield app, app.state.runtime
    finally:
        await app.state.runtime.close()


async def _login(app, address, username, password):
    async with asgi_client(app, address) as client:
        return (await client.data(LOGIN_WAIT, username=username, password=password))["login"]


def _codes(payload):
    return [error["code"] for error in payload["userErrors"]]


async def _time_passes(runtime):
    """Every wait ends now (as if its time had passed); the counts stay."""
    async with unit_of_work(runtime.sessions) as session:
        await session.execute(
            update(LoginThrottle).values(blocked_until=utcnow() - timedelta(seconds=1))
        )


async def test_an_outsider_cannot_lock_a_user_out(database_url):
    async with _app(database_url, login_base_delay_seconds=60) as (app, _):
        # given thirty wrong guesses at nurse's password from address A
        guesses = [await _login(app, A, "nurse", f"guess-{n}") for n in range(30)]
        # when nurse signs in from address B
        payload = await _login(app, B, "nurse", "demo")
        from_a = await _login(app, A, "nurse", "demo")
    # then nurse is in; A was slowed down after five failures and checked no more passwords
    assert payload["userErrors"] == [] and payload["accessToken"]
    assert [_codes(g) for g in guesses] == (
        [["INVALID_CREDENTIALS"]] * 5 + [["TOO_MANY_ATTEMPTS"]] * 25
    )
    assert _codes(from_a) == ["TOO_MANY_ATTEMPTS"]


async def test_known_and_unknown_usernames_are_answered_alike(database_url):
    async with _app(database_url, login_base_delay_seconds=60) as (app, _):
        # when the same guesses go to a user that exists and one that does not
        known = [await _login(app, A, "nurse", "wrong") for _ in range(7)]
        unknown = [await _login(app, B, "nobody-by-this-name", "wrong") for _ in range(7)]
    # then the answers are the same, wait included
    assert [p["userErrors"] for p in known] == [p["userErrors"] for p in unknown]
    assert [_codes(p) for p in known] == [["INVALID_CREDENTIALS"]] * 5 + [["TOO_MANY_ATTEMPTS"]] * 2
    assert [p["retryAfterSeconds"] for p in known[:5]] == [None] * 5
    for payload in known[5:] + unknown[5:]:
        assert 0 < payload["retryAfterSeconds"] <= 60 and payload["accessToken"] is None


async def test_concurrent_guesses_are_counted_one_by_one(database_url):
    async with _app(database_url, login_base_delay_seconds=60) as (app, _):
        # given ten wrong guesses sent at once
        attempts = await asyncio.gather(*(_login(app, A, "nurse", f"guess-{n}") for n in range(10)))
        # when
        right_password = await _login(app, A, "nurse", "demo")
    # then exactly the five free guesses were checked, and none slipped past
    codes = sorted(code for attempt in attempts for code in _codes(attempt))
    assert codes == ["INVALID_CREDENTIALS"] * 5 + ["TOO_MANY_ATTEMPTS"] * 5
    assert _codes(right_password) == ["TOO_MANY_ATTEMPTS"]


async def test_the_wait_doubles_with_each_failure_and_a_sign_in_clears_it(database_url):
    async with _app(database_url, login_base_delay_seconds=60) as (app, runtime):
        # given five failures: a minute's wait
        for _ in range(5):
            await _login(app, A, "nurse", "wrong")
        first_wait = (await _login(app, A, "nurse", "wrong"))["retryAfterSeconds"]
        # when the wait is over and the guess is wrong again
        await _time_passes(runtime)
        sixth = await _login(app, A, "nurse", "wrong")
        second_wait = (await _login(app, A, "nurse", "demo"))["retryAfterSeconds"]
        # then the wait is two minutes; once over, the right password signs in
        await _time_passes(runtime)
        signed_in = await _login(app, A, "nurse", "demo")
        # and the count starts again: one mistake does not make anyone wait
        mistake = await _login(app, A, "nurse", "wrong")
        after_mistake = await _login(app, A, "nurse", "demo")
    assert 0 < first_wait <= 60
    assert _codes(sixth) == ["INVALID_CREDENTIALS"]
    assert 60 < second_wait <= 120
    assert signed_in["userErrors"] == [] and signed_in["accessToken"]
    assert _codes(mistake) == ["INVALID_CREDENTIALS"]
    assert after_mistake["userErrors"] == []


async def test_an_address_spraying_many_usernames_is_slowed_down(database_url):
    async with _app(database_url, login_base_delay_seconds=60, login_address_free_failures=3) as (
        app,
        _,
    ):
        # given three failures from A, each at another username
        for username in ("nurse", "provider", "nobody"):
            await _login(app, A, username, "wrong")
        # when A tries a fourth username, and B the same one
        from_a = await _login(app, A, "biller", "demo")
        from_b = await _login(app, B, "biller", "demo")
    # then A waits, B does not
    assert _codes(from_a) == ["TOO_MANY_ATTEMPTS"]
    assert from_b["userErrors"] == [] and from_b["accessToken"]


async def test_a_username_tried_from_everywhere_waits_only_briefly(database_url):
    async with _app(database_url, login_base_delay_seconds=60, login_account_free_failures=3) as (
        app,
        runtime,
    ):
        # given three failures at nurse, each from another address
        for n in range(3):
            await _login(app, (f"192.0.2.{n + 1}", 5000), "nurse", "wrong")
        # when nurse signs in from yet another address
        payload = await _login(app, B, "nurse", "demo")
        await _time_passes(runtime)
        later = await _login(app, B, "nurse", "demo")
    # then the wait is short (30 s at most by default), and after it nurse is in
    assert _codes(payload) == ["TOO_MANY_ATTEMPTS"]
    assert 0 < payload["retryAfterSeconds"] <= 30
    assert later["userErrors"] == [] and later["accessToken"]


async def test_concurrent_sign_ins_of_one_user_all_succeed(database_url):
    async with _app(database_url) as (app, _):
        # when one user signs in from two places at once, a few times over
        results = await asyncio.gather(
            *(_login(app, (A, B)[n % 2], "nurse", "demo") for n in range(6))
        )
    # then every one of them is in
    assert [r["userErrors"] for r in results] == [[]] * 6
    assert all(r["accessToken"] for r in results)
