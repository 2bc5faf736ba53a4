"""Minimum necessary for free text: every field where a person may write clinical detail is
guarded on the field itself by the permission of clinical reading, refused (null, FORBIDDEN,
audited `denied` against the patient) to everyone else -- as Appointment.reason always was.

The lists below are the decision, field by field: a String field added to the schema fails
`test_every_text_field_of_the_schema_is_classified` until it is put in one of them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from graphql import GraphQLObjectType
from strawberry.utils.str_converters import to_camel_case

from app.config import Settings
from schema import create_schema
from schema.permissions import Can
from tests.core.test_guards import object_types, permissions
from tests.fixtures.access import denied_to, done
from tests.fixtures.graphql import error_codes
from tests.fixtures.scheduling import (
    ADD_TO_WAITLIST,
    book,
    days_ahead,
    make_clinic,
    make_patient,
)

# (type, field) -> the permission that reads it: free text that may hold clinical detail
CLINICAL_FREE_TEXT = {
    ("Appointment", "reason"): ("appointment_detail", "read"),
    ("Appointment", "notes"): ("appointment_detail", "read"),
    ("Appointment", "cancellationReason"): ("appointment_detail", "read"),
    ("WaitlistEntry", "notes"): ("appointment_detail", "read"),
    ("Allergy", "substance"): ("allergy", "read"),
    ("Allergy", "reaction"): ("allergy", "read"),
    ("ClinicalNote", "title"): ("note", "read"),
    ("ClinicalNote", "body"): ("note", "read"),
    ("BreakGlassGrant", "reason"): ("break_glass_grant", "read"),
    ("BreakGlassReview", "note"): ("break_glass_grant", "read"),
}
# Free text about a staff member (why a provider is off), guarded the same way
STAFF_PRIVATE_TEXT = {("AvailabilityException", "reason"): ("schedule_setup", "write")}
# Text that is no clinical free text: names, codes, contact and insurance details, set-up,
# accounts and the system's own values (ids, cursors, hashes, tokens).
NOT_CLINICAL = {
    "Address": {"line1", "line2", "city", "state", "postalCode"},
    "AppointmentSeries": {"rrule"},
    "AppointmentType": {"name", "color", "roomType"},
    "AuditEvent": {
        "actorUsername",
        "actorRoles",
        "action",
        "resourceType",
        "resourceId",
        "resourceIds",
        "requestId",
        "ip",
        "outcome",
        "hash",
    },
    "AuditEventEdge": {"cursor"},
    "AuthPayload": {"accessToken", "refreshToken"},
    # billing: codes, money and identifiers; a claim event's reason is a billing reason (why a
    # claim was voided or corrected, a payer's rejection), never the visit's clinical reason
    "BillingProvider": {"name", "npi", "taxId", "contactName", "contactPhone"},
    "ChargeLine": {"code", "modifiers", "lineControlNumber"},
    "Claim": {"controlNumber", "payerClaimNumber"},
    "ClaimEdge": {"cursor"},
    "ClaimEvent": {"actorUsername", "reason"},
    "Diagnosis": {"code", "description"},
    "EncounterEdge": {"cursor"},
    "FeeSchedule": {"name"},
    "FeeScheduleEntry": {"code", "modifiers"},
    "Money": {"currency"},
    "Payer": {"name", "payerId", "filingIndicator"},
    "ScrubProblem": {"message", "field", "lineControlNumber"},
    "ClaimBatch": {"controlNumber", "downloadPath"},  # id is an ID, money and counts are not
    "AcknowledgedClaim": {"controlNumber", "reason"},  # the payer's status codes
    # remittances: the 835's codes and identifiers; a dismissal's reason is a billing reason
    "Remittance": {"payerCode", "traceNumber", "paymentMethod"},
    "RemittanceWorkItem": {
        "problem",
        "state",
        "claimControlNumber",
        "payerClaimNumber",
        "claimStatus",
        "traceNumber",
        "dismissReason",
    },
    # a payment's check or card reference; why a refund or write-off was made (a money reason)
    "AccountTransaction": {"reference", "reason"},
    "BreakGlassGrantEdge": {"cursor"},
    "Coverage": {"payerName", "payerId", "memberId", "groupNumber", "planName", "subscriberName"},
    # inventory: the catalog, and the one-line remark of a stock movement (read by inventory
    # managers and clinicians; its appointment is an id, never the patient's details)
    "Item": {"sku", "name", "unit", "ndc", "billingCode"},
    "ItemEdge": {"cursor"},
    "Location": {"name", "timezone", "address", "phone"},
    "Lot": {"lotNumber"},
    "Me": {"username", "fullName", "roles"},
    "PageInfo": {"startCursor", "endCursor"},
    "Patient": {
        "mrn",
        "familyName",
        "givenName",
        "middleName",
        "preferredName",
        "genderIdentity",
        "email",
        "phone",
        "language",
        "ssn",
    },
    "PatientEdge": {"cursor"},
    "Permission": {"resource", "action"},
    # the code's title in the CMS code set, never typed: billers read the codes it names
    "Problem": {"icd10Code", "description"},
    "PurchaseOrder": {"note"},
    "Provider": {"npi", "specialty", "name", "calendarFeedPath"},
    "Role": {"name", "description", "inherits"},
    "Room": {"name", "roomType"},
    "ScheduleChange": {"changedFields"},
    "StaffMember": {"username", "fullName"},
    "StockLevelEdge": {"cursor"},
    "StockLocation": {"name"},
    "StockMovement": {"note", "batchId", "movedBy", "witnessedBy"},
    "StockMovementEdge": {"cursor"},
    "Supplier": {"name", "phone", "email", "accountNumber"},
    "TotpEnrolment": {"secret", "otpauthUri"},
    "UserError": {"field", "message"},
    "UserRoles": {"username", "roles"},
    # the portal's accounts: login names, addresses, a patient's name
    "ActivatePatientAccountPayload": {"username"},
    "MyPatient": {"name"},
    "PatientUser": {"username"},
    "PortalInvitation": {"email"},
    "ProxyLink": {"username"},
    "WaitlistEntryEdge": {"cursor"},
}

DETAIL = """
query($from: DateTime!, $to: DateTime!) {
  appointments(from: $from, to: $to) { id status reason notes cancellationReason }
}
"""
BY_ID = "query($id: ID!) { node(id: $id) { ... on Appointment { status cancellationReason } } }"
WAITLIST = """
query($location: ID!) { waitlist(locationId: $location) { edges { node { id status notes } } } }
"""
CANCEL = """
mutation($input: CancelAppointmentInput!) {
  cancelAppointment(input: $input) { userErrors { code } }
}
"""


def text_fields(schema: Any) -> set[tuple[str, str]]:
    """Every (type, field) of an object type whose value is text (String or [String])."""
    found = set()
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for name, field in graphql_type.fields.items():
            named = field.type
            while hasattr(named, "of_type"):
                named = named.of_type
            if named.name == "String":
                found.add((graphql_type.name, name))
    return found


def guards(schema: Any) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(type, field) -> the (resource, action) of each Can on the field itself."""
    return {
        (t.name, to_camel_case(field.python_name)): [
            (p.resource, p.action) for p in permissions(field) if isinstance(p, Can)
        ]
        for t in object_types(schema)
        for field in t.fields
    }


def test_every_text_field_of_the_schema_is_classified():
    schema = create_schema(Settings(environment="test"))
    classified = {*CLINICAL_FREE_TEXT, *STAFF_PRIVATE_TEXT} | {
        (type_name, field) for type_name, fields in NOT_CLINICAL.items() for field in fields
    }
    assert sorted(text_fields(schema) - classified) == [], "say whether it is clinical text"
    assert sorted(classified - text_fields(schema)) == []


def test_each_clinical_free_text_field_is_guarded_on_the_field_by_its_permission():
    found = guards(create_schema(Settings(environment="test")))
    for field, permission in {**CLINICAL_FREE_TEXT, **STAFF_PRIVATE_TEXT}.items():
        assert permission in found[field], field


async def test_a_biller_gets_no_clinical_free_text_and_each_refusal_is_audited(client, runtime):
    # given a visit booked with a reason and notes, then cancelled for a clinical reason, and a
    # waitlist entry with notes; and billers given the waitlist (not its clinical detail)
    clinic = await make_clinic(runtime)
    patient_pk, patient = await make_patient(runtime)
    desk, admin = await client.login("front_desk"), await client.login("admin")
    starts = clinic.at(days_ahead(clinic, 3), 10)
    visit = await book(desk, clinic, patient, starts, reason="Panic attacks", notes="Anxious")
    cancelled = await desk.data(
        CANCEL,
        input={
            "appointmentId": visit["id"],
            "reason": "Patient reports chest pain",
            "scope": "THIS",
        },
    )
    assert cancelled["cancelAppointment"]["userErrors"] == []
    entry = await desk.data(
        ADD_TO_WAITLIST,
        input={
            "patientId": patient,
            "appointmentTypeId": clinic.type_id("Consult"),
            "locationId": clinic.location_id,
            "earliest": datetime.now(UTC).isoformat(),
            "latest": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
            "notes": "Recovering from surgery",
        },
    )
    assert entry["addToWaitlist"]["userErrors"] == []
    await done(admin, "grantPermission", role="biller", resource="waitlist", action="read")
    window = {
        "from": (starts - timedelta(hours=1)).isoformat(),
        "to": (starts + timedelta(hours=1)).isoformat(),
    }
    # when the front desk and a biller read the visit, by list and by id, and the waitlist
    seen = {}
    for role in ("front_desk", "biller"):
        caller = await client.login(role)
        seen[role] = (
            await caller.execute(DETAIL, **window),
            await caller.execute(BY_ID, id=visit["id"]),
            await caller.execute(WAITLIST, location=clinic.location_id),
        )
    # then the front desk reads it all
    listed, by_id, waiting = seen["front_desk"]
    assert listed["data"]["appointments"][0] == {
        "id": visit["id"],
        "status": "CANCELLED",
        "reason": "Panic attacks",
        "notes": "Anxious",
        "cancellationReason": "Patient reports chest pain",
    }
    assert by_id["data"]["node"]["cancellationReason"] == "Patient reports chest pain"
    assert waiting["data"]["waitlist"]["edges"][0]["node"]["notes"] == "Recovering from surgery"
    # and the biller gets the visit and the entry, every free text null and FORBIDDEN
    listed, by_id, waiting = seen["biller"]
    assert listed["data"]["appointments"][0] == {
        "id": visit["id"],
        "status": "CANCELLED",
        "reason": None,
        "notes": None,
        "cancellationReason": None,
    }
    assert by_id["data"]["node"] == {"status": "CANCELLED", "cancellationReason": None}
    assert waiting["data"]["waitlist"]["edges"][0]["node"]["notes"] is None
    assert waiting["data"]["waitlist"]["edges"][0]["node"]["status"] == "WAITING"
    assert [error_codes(body) for body in (listed, by_id, waiting)] == [
        ["FORBIDDEN"] * 3,
        ["FORBIDDEN"],
        ["FORBIDDEN"],
    ]
    denied = await denied_to(runtime, "biller")
    assert sorted(e.resource_type for e in denied) == [
        "Appointment.cancellationReason",
        "Appointment.cancellationReason",
        "Appointment.notes",
        "Appointment.reason",
        "WaitlistEntry.notes",
    ]
    assert {e.patient_id for e in denied} == {patient_pk}
