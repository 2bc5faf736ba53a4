"""One unit of work: a write commits with its audit events and its domain events, or none of
them does; a commit made around it, with any of them still waiting, fails."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from sqlalchemy import select

from app import events, live
from app.audit import trail
from app.audit.models import AuditEvent
from app.authz import SYSTEM
from app.runtime import Runtime
from app.transaction import UncommittedWork, unit_of_work
from app.users.models import User
from app.users.service import create_user


@dataclasses.dataclass(frozen=True, kw_only=True)
class Noted(events.DomainEvent):
    """An event no handler reacts to."""

    n: str


async def add_user(session, runtime: Runtime, username: str) -> User:
    """A write that records its audit event (`create User`)."""
    return await create_user(
        session,
        SYSTEM,
        runtime.authenticator,
        username=username,
        password="demo",
        full_name=username.title(),
        roles=["nurse"],
        allow_weak_password=True,
    )


async def user_named(runtime: Runtime, username: str) -> User | None:
    async with runtime.reads() as session:
        return await session.scalar(select(User).where(User.username == username))


async def audit_events(runtime: Runtime) -> list[tuple[str, str, str | None]]:
    """(action, resource type, resource id) of every audit event, in order."""
    async with runtime.reads() as session:
        rows = await session.execute(
            select(AuditEvent.action, AuditEvent.resource_type, AuditEvent.resource_id).order_by(
                AuditEvent.seq
            )
        )
        return [tuple(row) for row in rows]


async def test_a_unit_of_work_commits_the_write_with_its_audit_event(runtime):
    # given the audit trail as it is
    before = len(await audit_events(runtime))
    # when a user is created in a unit of work
    async with unit_of_work(runtime.sessions) as session:
        await add_user(session, runtime, "uow-kept")
    # then the user and the audit event of its creation are both there, on an intact chain
    user = await user_named(runtime, "uow-kept")
    assert user is not None
    added = (await audit_events(runtime))[before:]
    assert added == [("create", "User", str(user.id))]
    async with runtime.reads() as session:
        assert (await trail.verify(session, runtime.settings)).ok


async def test_a_unit_of_work_that_raises_keeps_neither_the_write_nor_its_events(runtime):
    before = await audit_events(runtime)
    async with runtime.bus.subscribe() as queue:
        # when a unit of work writes, records, publishes, and then fails
        with pytest.raises(RuntimeError, match="changed my mind"):
            async with unit_of_work(runtime.sessions) as session:
                await add_user(session, runtime, "uow-dropped")
                live.publish(session, Noted(n="dropped"))
                raise RuntimeError("changed my mind")
        # and a later one publishes and commits
        async with unit_of_work(runtime.sessions) as session:
            live.publish(session, Noted(n="kept"))
        first = await asyncio.wait_for(queue.get(), 10)
    # then nothing of the first was written, and its event never went out
    assert await user_named(runtime, "uow-dropped") is None
    assert await audit_events(runtime) == before
    assert first == Noted(n="kept")


async def test_a_bare_commit_with_an_audit_event_waiting_fails_and_writes_nothing(runtime):
    # given a write whose audit event waits on the session
    before = await audit_events(runtime)
    async with runtime.sessions() as session:
        await add_user(session, runtime, "uow-bypassed")
        # when the session is committed around the unit of work
        with pytest.raises(UncommittedWork, match="audit events"):
            await session.commit()
    # then neither the write nor its event landed
    assert await user_named(runtime, "uow-bypassed") is None
    assert await audit_events(runtime) == before


async def test_a_bare_commit_with_a_domain_event_waiting_fails(runtime):
    # given an event raised on a session
    async with runtime.sessions() as session:
        events.raise_event(session, SYSTEM, Noted(n="1"))
        # when the session is committed around the unit of work, then it fails
        with pytest.raises(UncommittedWork, match="domain events"):
            await session.commit()
