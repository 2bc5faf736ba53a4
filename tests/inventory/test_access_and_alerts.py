"""Who may do what with stock; a consumption for a visit is audited against its patient; alerts
for low stock and near expiry; stockLevels in a fixed number of statements."""

from sqlalchemy import select

from app.audit.models import AuditEvent
from tests.fixtures.graphql import error_codes, pk_of
from tests.fixtures.scheduling import book, days_ahead, make_clinic, make_patient
from tests.inventory.support import (
    CONSUME,
    LEVELS,
    RECEIVE,
    days,
    make_item,
    make_stockroom,
    receive,
)

ALERTS = """
query { inventoryAlerts { kind onHand item { name reorderPoint } lot { lotNumber }
        stockLocation { id } } }
"""
EXPIRING = """
query($days: Int!) { expiringLots(withinDays: $days) { quantity expiryDate lot { lotNumber } } }
"""
MOVEMENTS = """
query($filter: StockMovementFilter) {
  stockMovements(filter: $filter) { totalCount edges { node { kind quantity appointmentId } } }
}
"""


async def test_the_front_desk_reads_levels_only_and_clinicians_consume(runtime, client):
    room = await make_stockroom(runtime, client)
    gloves = await make_item(room.manager, name="Gloves")
    await receive(room.manager, gloves, room.cabinet, 10)
    desk = await client.login("front_desk")
    levels = (await desk.data(LEVELS, item=gloves["id"]))["stockLevels"]
    assert [e["node"]["quantity"] for e in levels["edges"]] == [10]
    use = {"itemId": gloves["id"], "stockLocationId": room.cabinet, "quantity": 1}
    assert error_codes(await desk.execute(CONSUME, input=use)) == ["FORBIDDEN"]
    assert error_codes(await desk.execute(MOVEMENTS)) == ["FORBIDDEN"]
    for clinician in ("nurse", "provider"):
        user = await client.login(clinician)
        assert (await user.data(CONSUME, input=use))["consumeStock"]["userErrors"] == []
        body = await user.execute(RECEIVE, input={**use, "quantity": 5})
        assert error_codes(body) == ["FORBIDDEN"]
    for nobody in ("biller", "admin"):
        user = await client.login(nobody)
        assert error_codes(await user.execute(LEVELS, item=gloves["id"])) == ["FORBIDDEN"]


async def test_a_consumption_for_a_visit_is_linked_and_audited_against_the_patient(runtime, client):
    clinic = await make_clinic(runtime)
    patient_pk, patient = await make_patient(runtime)
    desk = await client.login("front_desk")
    visit = await book(desk, clinic, patient, clinic.at(days_ahead(clinic, 2), 10))
    room = await make_stockroom(runtime, client)
    vaccine = await make_item(room.manager, category="VACCINE", ndc="49281-718-10", unit="dose")
    await receive(room.manager, vaccine, room.cabinet, 2, lotNumber="F1", expiryDate=days(200))
    nurse = await client.login("nurse")
    done = (
        await nurse.data(
            CONSUME,
            input={
                "itemId": vaccine["id"],
                "stockLocationId": room.cabinet,
                "quantity": 1,
                "appointmentId": visit["id"],
            },
        )
    )["consumeStock"]
    [movement] = done["movements"]
    assert movement["appointmentId"] == visit["id"]
    listed = await room.manager.data(
        MOVEMENTS, filter={"itemId": vaccine["id"], "kinds": ["CONSUME"]}
    )
    assert [e["node"]["appointmentId"] for e in listed["stockMovements"]["edges"]] == [visit["id"]]
    async with runtime.reads() as session:
        events = (
            await session.execute(
                select(AuditEvent.action, AuditEvent.actor_username).where(
                    AuditEvent.resource_type == "StockMovement",
                    AuditEvent.resource_id == str(pk_of(movement["id"])),
                    AuditEvent.patient_id == patient_pk,
                )
            )
        ).all()
    assert sorted(events) == [("create", "nurse"), ("read", "inventory_manager")]


async def test_alerts_list_low_stock_and_lots_near_expiry(runtime, client):
    room = await make_stockroom(runtime, client)
    gauze = await make_item(room.manager, name="Gauze", reorderPoint=5, parLevel=20)
    await receive(room.manager, gauze, room.cabinet, 5)
    flu = await make_item(
        room.manager, name="Flu vaccine", category="VACCINE", ndc="49281-718-10", unit="dose"
    )
    await receive(room.manager, flu, room.cabinet, 8, lotNumber="NEAR", expiryDate=days(12))
    await receive(room.manager, flu, room.cabinet, 8, lotNumber="FAR", expiryDate=days(300))
    await receive(room.manager, flu, room.cabinet, 3, lotNumber="GONE", expiryDate=days(-3))
    alerts = [
        (a["kind"], a["item"]["name"], a["onHand"], (a["lot"] or {}).get("lotNumber"))
        for a in (await room.manager.data(ALERTS))["inventoryAlerts"]
        if a["item"]["name"] in ("Gauze", "Flu vaccine")
    ]
    assert alerts == [("LOW_STOCK", "Gauze", 5, None), ("EXPIRING", "Flu vaccine", 8, "NEAR")]
    expiring = (await room.manager.data(EXPIRING, days=30))["expiringLots"]
    assert [e["lot"]["lotNumber"] for e in expiring] == ["NEAR"]
    bad = await room.manager.execute(EXPIRING, days=-1)
    assert error_codes(bad) == ["BAD_USER_INPUT"]


async def test_stock_levels_take_the_same_statements_for_any_number_of_rows(
    runtime, client, statements
):
    room = await make_stockroom(runtime, client)
    small = await make_item(room.manager, name="Small")
    await receive(room.manager, small, room.cabinet, 1)
    for n in range(6):
        item = await make_item(room.manager, name=f"Large {n}")
        for lot in ("A", "B"):
            await receive(room.manager, item, room.back_store, 2, lotNumber=lot)
    with statements() as one:
        few = await room.manager.data(LEVELS, stockLocation=room.cabinet)
    with statements() as many:
        lots = await room.manager.data(LEVELS, stockLocation=room.back_store)
    assert few["stockLevels"]["totalCount"] == 1
    assert lots["stockLevels"]["totalCount"] == 12
    assert one.count == many.count
