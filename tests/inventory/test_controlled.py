"""Controlled substances: every movement needs a witness -- another staff member who may consume
stock, proven by their own fresh sign-in, which the movement spends -- and shows in the log."""

from tests.fixtures.graphql import error_codes
from tests.inventory.support import CONSUME, RECEIVE, make_item, make_stockroom, receive

LOG = """
query { controlledSubstanceLog { totalCount edges { node { kind quantity movedBy witnessedBy
        item { name controlledSchedule } } } } }
"""
ME = "query { me { username } }"


async def test_a_controlled_movement_needs_a_witness_who_is_someone_else(runtime, client):
    # given morphine (schedule II) in the cabinet, received under a provider's witness
    room = await make_stockroom(runtime, client)
    morphine = await make_item(
        room.manager,
        name="Morphine 4 mg/mL",
        category="MEDICATION",
        ndc="0409-1890-01",
        unit="mL",
        controlledSchedule="II",
    )
    base = {"itemId": morphine["id"], "stockLocationId": room.cabinet}
    unwitnessed = (
        await room.manager.data(RECEIVE, input={**base, "quantity": 10, "lotNumber": "M1"})
    )["receiveStock"]
    assert [(e["code"], e["field"]) for e in unwitnessed["userErrors"]] == [
        ("WITNESS_REQUIRED", ["witnessToken"])
    ]
    provider = await client.login("provider")
    await receive(
        room.manager, morphine, room.cabinet, 10, lotNumber="M1", witnessToken=provider.token
    )
    nurse = await client.login("nurse")
    use = {**base, "quantity": 1}
    # when the nurse witnesses herself, or the front desk (who may not consume) witnesses
    for witness in (nurse, await client.login("front_desk"), None):
        token = witness.token if witness else "not-a-token"
        body = (await nurse.data(CONSUME, input={**use, "witnessToken": token}))["consumeStock"]
        # then it is refused and nothing moves
        assert [e["code"] for e in body["userErrors"]] == ["INVALID_WITNESS"]
    # when a second clinician signs in and witnesses
    witness = await client.login("provider")
    done = (await nurse.data(CONSUME, input={**use, "witnessToken": witness.token}))["consumeStock"]
    assert done["userErrors"] == []
    assert [(m["movedBy"], m["witnessedBy"]) for m in done["movements"]] == [("Nurse", "Provider")]
    # then the witness's sign-in is spent: it cannot witness again, nor be used at all
    again = (await nurse.data(CONSUME, input={**use, "witnessToken": witness.token}))[
        "consumeStock"
    ]
    assert [e["code"] for e in again["userErrors"]] == ["INVALID_WITNESS"]
    assert error_codes(await witness.execute(ME)) == ["UNAUTHENTICATED"]
    # and the log lists both witnessed movements, for managers and compliance
    compliance = await client.login("compliance_officer")
    log = (await compliance.data(LOG))["controlledSubstanceLog"]
    assert [
        (e["node"]["kind"], e["node"]["quantity"], e["node"]["witnessedBy"]) for e in log["edges"]
    ] == [("CONSUME", -1, "Provider"), ("RECEIVE", 10, "Provider")]
    assert error_codes(await nurse.execute(LOG)) == ["FORBIDDEN"]


async def test_the_log_holds_controlled_items_only(runtime, client):
    room = await make_stockroom(runtime, client)
    gloves = await make_item(room.manager, name="Gloves")
    await receive(room.manager, gloves, room.cabinet, 5)
    log = (await room.manager.data(LOG))["controlledSubstanceLog"]
    assert log["totalCount"] == 0
