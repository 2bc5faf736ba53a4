"""Break-glass: a bounded reason, a daily limit per user that concurrent requests cannot pass,
and the compliance review of each grant (the live feed: test_break_glass_live.py)."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.patients.models import BreakGlassGrant
from tests.conftest import make_settings
from tests.fixtures.graphql import GraphQLClient, app_for, error_codes, pk_of
from tests.fixtures.patients import create_patient

BREAK_GLASS = """
mutation ($patientId: ID!, $reason: String!) {
  breakGlass(input: {patientId: $patientId, reason: $reason}) {
    expiresAt userErrors { field code message }
  }
}
"""
GRANT_FIELDS = """
id patientId reason grantedAt expiresAt grantedTo { username }
review { reviewedAt finding note reviewedBy { username } }
"""
GRANTS = f"""
query ($reviewed: Boolean, $finding: BreakGlassFinding, $first: Int, $after: String) {{
  breakGlassGrants(reviewed: $reviewed, finding: $finding, first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {GRANT_FIELDS} }} }}
  }}
}}
"""
REVIEW = f"""
mutation ($input: ReviewBreakGlassInput!) {{
  reviewBreakGlass(input: $input) {{
    grant {{ {GRANT_FIELDS} }} userErrors {{ field code message }}
  }}
}}
"""
NODE = f"query ($id: ID!) {{ node(id: $id) {{ ... on BreakGlassGrant {{ {GRANT_FIELDS} }} }} }}"
AUDIT_EVENTS = """
query ($filter: AuditEventFilter) {
  auditEvents(filter: $filter, first: 100) {
    edges { node { actorUsername action resourceType resourceId outcome breakGlass detail } }
  }
}
"""
READ_NOTES = "query ($id: ID!) { patient(id: $id) { id notes { id } } }"
REASON = "Patient on the phone, needs last visit's instructions"


async def patients(client: GraphQLClient, count: int, name: str) -> list[str]:
    provider = await client.login("provider")
    return [
        (await create_patient(provider, familyName=name, givenName=f"Case{n}"))["id"]
        for n in range(count)
    ]


async def grant_rows(runtime: Any) -> list[tuple[str, int]]:
    """(username, patient id) of every grant, straight from the table."""
    from app.users.models import User

    async with runtime.sessions() as session:
        rows = await session.execute(
            select(User.username, BreakGlassGrant.patient_id)
            .join(User, User.id == BreakGlassGrant.user_id)
            .order_by(BreakGlassGrant.id)
        )
        return [tuple(row) for row in rows]


async def audited(runtime: Any, **where: Any) -> list[AuditEvent]:
    async with runtime.sessions() as session:
        stmt = select(AuditEvent).order_by(AuditEvent.seq)
        for name, value in where.items():
            stmt = stmt.where(getattr(AuditEvent, name) == value)
        return list((await session.scalars(stmt)).all())


async def break_glass(client: GraphQLClient, patient_id: str, reason: str = REASON) -> Any:
    return (await client.data(BREAK_GLASS, patientId=patient_id, reason=reason))["breakGlass"]


def codes(payload: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


# the reason ------------------------------------------------------------------------------------
async def test_a_reason_over_500_characters_is_refused_and_nothing_is_written(client, runtime):
    # given
    [patient] = await patients(client, 1, "Reason")
    desk = await client.login("front_desk")
    before = len(await audited(runtime))
    # when a million characters are given as the reason, or 501, or exactly 500 (with spaces)
    huge = await break_glass(desk, patient, "x" * 1_000_000)
    just_over = await break_glass(desk, patient, "y" * 501)
    after_refusals = len(await audited(runtime))
    at_most = await break_glass(desk, patient, "  " + "z" * 500 + "  ")
    # then the first two are typed refusals that wrote nothing, not a grant nor an audit event
    assert codes(huge) == codes(just_over) == [("INVALID_INPUT", ["reason"])]
    assert huge["expiresAt"] is None
    assert after_refusals == before
    # and 500 characters once trimmed are taken, stored trimmed
    assert at_most["userErrors"] == [] and at_most["expiresAt"]
    async with runtime.sessions() as session:
        assert list((await session.scalars(select(BreakGlassGrant.reason))).all()) == ["z" * 500]


# the daily limit -------------------------------------------------------------------------------
async def test_a_user_opens_at_most_the_daily_limit_of_patients(database_url):
    async with app_for(make_settings(database_url, break_glass_daily_limit=2)) as (client, rt):
        # given a limit of two patients a day, and three patients
        first, second, third = await patients(client, 3, "Limit")
        desk = await client.login("front_desk")
        biller = await client.login("biller")
        # when the front desk opens two, one of them again, then a third
        opened = [await break_glass(desk, p) for p in (first, second, first)]
        refused_response = await desk.post(BREAK_GLASS, {"patientId": third, "reason": REASON})
        refused = refused_response.json()["data"]["breakGlass"]
        notes = await desk.execute(READ_NOTES, id=third)
        # and a biller opens the third
        other_user = await break_glass(biller, third)
        # then the front desk's third patient is refused, typed, naming the patient
        assert [p["userErrors"] for p in opened] == [[], [], []]
        assert codes(refused) == [("BREAK_GLASS_LIMIT_REACHED", ["patientId"])]
        assert refused["expiresAt"] is None
        assert error_codes(notes) == ["FORBIDDEN"]
        # and no grant was written for it; the limit is per user
        assert other_user["userErrors"] == []
        assert await grant_rows(rt) == [
            ("front_desk", pk_of(first)),
            ("front_desk", pk_of(second)),
            ("front_desk", pk_of(first)),
            ("biller", pk_of(third)),
        ]
        # and the refusal itself is on record for the review, flagged break-glass
        [event] = await audited(rt, request_id=refused_response.headers["x-request-id"])
        assert (event.action, event.outcome, event.patient_id, event.break_glass) == (
            "break_glass",
            "limit_reached",
            pk_of(third),
            True,
        )


async def test_concurrent_requests_cannot_pass_the_daily_limit(database_url):
    async with app_for(make_settings(database_url, break_glass_daily_limit=2)) as (client, rt):
        # given a limit of two, and six patients
        ids = await patients(client, 6, "Race")
        desk = await client.login("front_desk")
        # when the front desk asks for all six at once
        payloads = await asyncio.gather(*(break_glass(desk, p) for p in ids))
        # then exactly two are granted, and the four others refused
        granted = [p for p in payloads if not p["userErrors"]]
        refused = [codes(p) for p in payloads if p["userErrors"]]
        assert len(granted) == 2
        assert refused == [[("BREAK_GLASS_LIMIT_REACHED", ["patientId"])]] * 4
        assert len(await grant_rows(rt)) == 2


# the review ------------------------------------------------------------------------------------
async def test_compliance_officers_list_review_and_filter_grants(client, runtime):
    # given two grants by the front desk, with a read of notes under the first
    first, second = await patients(client, 2, "Review")
    desk = await client.login("front_desk")
    officer = await client.login("compliance_officer")
    await break_glass(desk, first)
    await break_glass(desk, second, "Billing question on the last visit")
    await desk.data(READ_NOTES, id=first)
    # when the officer lists the unreviewed grants
    unreviewed = (await officer.data(GRANTS, reviewed=False))["breakGlassGrants"]
    newest, oldest = (e["node"] for e in unreviewed["edges"])
    # and finds the first appropriate, the second needing follow-up, then inappropriate
    appropriate = (
        await officer.data(REVIEW, input={"grantId": oldest["id"], "finding": "APPROPRIATE"})
    )["reviewBreakGlass"]
    follow_up = (
        await officer.data(
            REVIEW,
            input={"grantId": newest["id"], "finding": "NEEDS_FOLLOW_UP", "note": "Ask desk"},
        )
    )["reviewBreakGlass"]
    closed = (
        await officer.data(
            REVIEW,
            input={"grantId": newest["id"], "finding": "INAPPROPRIATE", "note": "Not needed"},
        )
    )["reviewBreakGlass"]
    again = (
        await officer.data(
            REVIEW, input={"grantId": oldest["id"], "finding": "INAPPROPRIATE", "note": "x"}
        )
    )["reviewBreakGlass"]
    reviewed = (await officer.data(GRANTS, reviewed=True))["breakGlassGrants"]
    still_open = (await officer.data(GRANTS, reviewed=False))["breakGlassGrants"]
    inappropriate = (await officer.data(GRANTS, finding="INAPPROPRIATE"))["breakGlassGrants"]
    by_node = (await officer.data(NODE, id=oldest["id"]))["node"]
    # then the list showed who, which patient, when and why, newest first
    assert unreviewed["totalCount"] == 2
    assert (oldest["patientId"], oldest["reason"], oldest["grantedTo"]) == (
        first,
        REASON,
        {"username": "front_desk"},
    )
    assert (newest["patientId"], newest["review"]) == (second, None)
    # and each review says by whom, when, with what finding
    assert appropriate["userErrors"] == []
    review = appropriate["grant"]["review"]
    assert (review["finding"], review["note"], review["reviewedBy"]) == (
        "APPROPRIATE",
        None,
        {"username": "compliance_officer"},
    )
    assert follow_up["userErrors"] == [] and closed["userErrors"] == []
    assert (closed["grant"]["review"]["finding"], closed["grant"]["review"]["note"]) == (
        "INAPPROPRIATE",
        "Not needed",
    )
    # and a closed review is not reopened
    assert codes(again) == [("BREAK_GLASS_ALREADY_REVIEWED", ["grantId"])]
    assert again["grant"] is None
    assert reviewed["totalCount"] == 2 and still_open["totalCount"] == 0
    assert [e["node"]["id"] for e in inappropriate["edges"]] == [newest["id"]]
    assert by_node["review"]["finding"] == "APPROPRIATE"
    # and every review is in the trail, against the grant and its patient
    reviews = await audited(runtime, action="review")
    assert [(e.actor_username, e.resource_type, e.resource_id, e.break_glass) for e in reviews] == [
        ("compliance_officer", "BreakGlassGrant", str(pk_of(oldest["id"])), True),
        ("compliance_officer", "BreakGlassGrant", str(pk_of(newest["id"])), True),
        ("compliance_officer", "BreakGlassGrant", str(pk_of(newest["id"])), True),
    ]
    assert [e.patient_id for e in reviews] == [pk_of(first), pk_of(second), pk_of(second)]
    assert '"previousFinding": "needs_follow_up"' in (reviews[2].detail or "")


async def test_audit_events_filter_on_a_grants_review(client):
    # given two grants, a read of notes under the first, and the first reviewed
    first, second = await patients(client, 2, "Filter")
    desk = await client.login("front_desk")
    officer = await client.login("compliance_officer")
    await break_glass(desk, first)
    await break_glass(desk, second)
    await desk.data(READ_NOTES, id=first)
    grants = (await officer.data(GRANTS))["breakGlassGrants"]["edges"]
    second_grant, first_grant = (e["node"]["id"] for e in grants)
    await officer.data(REVIEW, input={"grantId": first_grant, "finding": "APPROPRIATE"})

    async def events(**filter_: Any) -> set[tuple[str, str, str]]:
        body = await officer.data(AUDIT_EVENTS, filter=filter_)
        return {
            (e["node"]["action"], e["node"]["resourceType"], e["node"]["resourceId"] or "")
            for e in body["auditEvents"]["edges"]
        }

    # when the trail is filtered on review state, finding and grant
    reviewed = await events(breakGlassReviewed=True)
    unreviewed = await events(breakGlassReviewed=False)
    appropriate = await events(breakGlassFinding="APPROPRIATE")
    of_second = await events(breakGlassGrantId=second_grant)
    not_a_grant = await officer.execute(AUDIT_EVENTS, filter={"breakGlassGrantId": first})
    # then each holds the grant, the reads under it and its review, and nothing of the other
    first_events = {
        ("break_glass", "Patient", str(pk_of(first))),
        ("read", "ClinicalNote", ""),
        ("review", "BreakGlassGrant", str(pk_of(first_grant))),
    }
    assert reviewed == first_events
    assert unreviewed == of_second == {("break_glass", "Patient", str(pk_of(second)))}
    assert appropriate == reviewed
    assert error_codes(not_a_grant) == ["BAD_USER_INPUT"]


async def test_reviews_need_a_note_another_officer_and_the_right(client, runtime):
    # given a compliance officer's own grant and the front desk's
    officer_patient, desk_patient = await patients(client, 2, "Rules")
    officer = await client.login("compliance_officer")
    desk = await client.login("front_desk")
    await break_glass(officer, officer_patient)
    await break_glass(desk, desk_patient)
    edges = (await officer.data(GRANTS))["breakGlassGrants"]["edges"]
    desk_grant, own_grant = (e["node"]["id"] for e in edges)
    before = len(await audited(runtime, action="review", outcome="success"))
    # when the officer reviews their own, or finds one inappropriate without a word, or one
    # not a grant; and the front desk reviews, lists, or fetches one
    own = await officer.data(REVIEW, input={"grantId": own_grant, "finding": "APPROPRIATE"})
    silent = await officer.data(
        REVIEW, input={"grantId": desk_grant, "finding": "INAPPROPRIATE", "note": "   "}
    )
    long_note = await officer.data(
        REVIEW, input={"grantId": desk_grant, "finding": "INAPPROPRIATE", "note": "n" * 2001}
    )
    wrong_id = await officer.data(REVIEW, input={"grantId": desk_patient, "finding": "APPROPRIATE"})
    by_desk = await desk.execute(REVIEW, input={"grantId": desk_grant, "finding": "APPROPRIATE"})
    listed_by_desk = await desk.execute(GRANTS)
    node_for_desk = await desk.execute(NODE, id=desk_grant)
    # then each is refused, typed, and no review was written
    assert codes(own["reviewBreakGlass"]) == [("BREAK_GLASS_SELF_REVIEW", ["grantId"])]
    assert codes(silent["reviewBreakGlass"]) == [("REQUIRED", ["note"])]
    assert codes(long_note["reviewBreakGlass"]) == [("INVALID_INPUT", ["note"])]
    assert codes(wrong_id["reviewBreakGlass"]) == [("NOT_FOUND", ["grantId"])]
    for body in (by_desk, listed_by_desk, node_for_desk):
        assert error_codes(body) == ["FORBIDDEN"]
    assert len(await audited(runtime, action="review", outcome="success")) == before
    async with runtime.sessions() as session:
        reviewed = select(func.count()).where(BreakGlassGrant.reviewed_at.is_not(None))
        assert await session.scalar(reviewed) == 0
