"""Authorization guards: every root field declares one; the policy keeps to minimum necessary."""

from __future__ import annotations

import csv
from typing import Any

from sqlalchemy import func, select
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types.base import StrawberryObjectDefinition

from app.access.policy import defaults
from app.authz import PATIENT_ROLE, STAFF_ROLES, Actor, Authorizer
from app.config import PROJECT_ROOT, Settings
from app.patients.models import BreakGlassGrant, Note
from schema import create_schema
from schema.permissions import Can, Public
from tests.fixtures.graphql import error_codes
from tests.fixtures.patients import create_patient_record

ROOT_TYPES = ("Query", "Mutation", "Subscription")
# Open to anonymous callers: signing in, and the portal's links (each spends a 256-bit token
# from an email, or answers the same whoever is named)
PUBLIC_ROOT_FIELDS = {
    "login",
    "refresh_token",
    "logout",
    "activate_patient_account",
    "request_password_reset",
    "reset_password",
}
SENSITIVE_PATIENT_FIELDS = ("ssn", "notes", "allergies", "problems", "coverages")
CLINICIANS = {"provider", "nurse"}

PATIENT_FIELD = {
    "ssn": "query ($id: ID!) { patient(id: $id) { ssn } }",
    "notes": "query ($id: ID!) { patient(id: $id) { notes { id body } } }",
    "allergies": "query ($id: ID!) { patient(id: $id) { allergies { id substance } } }",
    "problems": "query ($id: ID!) { patient(id: $id) { problems { id icd10Code } } }",
    "coverages": "query ($id: ID!) { patient(id: $id) { coverages { id memberId } } }",
}

NODE = "query ($id: ID!) { node(id: $id) { id } }"
NODES = "query ($ids: [ID!]!) { nodes(ids: $ids) { id } }"
PATIENTS = "{ patients(first: 5) { totalCount edges { node { id } } } }"
PATIENT = "query ($id: ID!) { patient(id: $id) { id familyName } }"
AUDIT_EVENTS = "{ auditEvents(first: 1) { totalCount } }"

BREAK_GLASS = """
mutation ($patientId: ID!) {
  breakGlass(input: {patientId: $patientId, reason: "Checking the record for a claim"}) {
    expiresAt userErrors { code }
  }
}
"""

CREATE_NOTE = """
mutation ($patientId: ID!) {
  createNote(input: {patientId: $patientId, title: "Triage", body: "Vitals stable."}) {
    note { id status } userErrors { code }
  }
}
"""

SIGN_NOTE = """
mutation ($noteId: ID!) {
  signNote(input: {noteId: $noteId}) { note { id status } userErrors { field code } }
}
"""


def permissions(field: Any) -> list[BasePermission]:
    return [
        permission
        for extension in field.extensions
        if isinstance(extension, PermissionExtension)
        for permission in extension.permissions
    ]


def object_types(schema: Any) -> list[StrawberryObjectDefinition]:
    found = (schema.get_type_by_name(name) for name in schema._schema.type_map)
    return [t for t in found if isinstance(t, StrawberryObjectDefinition)]


def outcome(body: dict[str, Any]) -> str:
    """What a caller got: an error code, or "ok"."""
    codes = error_codes(body)
    return codes[0] if codes else "ok"


# the schema declares its guards -----------------------------------------------------------------
def test_every_root_field_declares_a_guard():
    # given
    schema = create_schema(Settings(environment="test"))
    roots = [t for t in (schema.get_type_by_name(name) for name in ROOT_TYPES) if t is not None]
    # when
    unguarded = [
        f"{root.name}.{field.python_name}"
        for root in roots
        for field in root.fields
        if not any(isinstance(p, Can | Public) for p in permissions(field))
    ]
    public = {
        field.python_name
        for root in roots
        for field in root.fields
        if any(isinstance(p, Public) for p in permissions(field))
    }
    # then
    assert {root.name for root in roots} >= {"Query", "Mutation"}
    assert sum(len(root.fields) for root in roots) > 10
    assert unguarded == []
    assert public == PUBLIC_ROOT_FIELDS, "a root field open to anonymous callers"


def test_sensitive_patient_fields_are_guarded_by_policy():
    # given
    schema = create_schema(Settings(environment="test"))
    patient = schema.get_type_by_name("Patient")
    fields = {field.python_name: field for field in patient.fields}
    # when
    guards = {name: permissions(fields[name]) for name in SENSITIVE_PATIENT_FIELDS}
    # then: a policy check (Public is no guard), or the break-glass aware notes check
    for name, found in guards.items():
        assert found, f"Patient.{name} is not guarded"
        assert not any(isinstance(p, Public) for p in found), f"Patient.{name} is public"
        assert all(isinstance(p, Can) for p in found), (name, found)
    assert [(p.resource, p.action) for p in guards["allergies"]] == [("allergy", "read")]
    assert [(p.resource, p.action) for p in guards["problems"]] == [("problem", "read")]
    assert [(p.resource, p.action) for p in guards["coverages"]] == [("coverage", "read")]


def test_every_guard_names_a_pair_the_policy_knows():
    # given
    schema = create_schema(Settings(environment="test"))
    authorizer = Authorizer()
    # when
    used = {
        (p.resource, p.action)
        for t in object_types(schema)
        for field in t.fields
        for p in permissions(field)
        if isinstance(p, Can)
    }
    # then
    assert {
        ("patient", "read"),
        ("note", "sign"),
        ("audit_event", "read"),
        ("allergy", "read"),
        ("node", "read"),
    } <= used
    assert sorted(pair for pair in used if not authorizer.known(*pair)) == []
    assert not authorizer.known("patient", "delete") and not authorizer.known("notes", "read")


def test_the_policy_speaks_only_of_known_roles_and_groups():
    # given
    with (PROJECT_ROOT / "policies" / "policy.csv").open() as policy:
        lines = [
            [cell.strip() for cell in row]
            for row in csv.reader(policy)
            if row and not row[0].lstrip().startswith("#")
        ]
    # when
    groups = {line[2] for line in lines if line[0] == "g"}
    members = {line[1] for line in lines if line[0] == "g"}
    subjects = {line[1] for line in lines if line[0] == "p"}
    # then
    assert lines and {line[0] for line in lines} == {"p", "g"}
    assert members <= set(STAFF_ROLES)
    assert subjects <= set(STAFF_ROLES) | groups | {PATIENT_ROLE}  # portal logins' grants


def test_break_glass_is_only_for_those_who_may_read_the_patient():
    # given the default policy
    authorizer = Authorizer()
    authorizer.load(defaults().policy, version=1)
    actors = {role: Actor(user_id=1, username=role, roles=(role,)) for role in STAFF_ROLES}
    # when
    may_break_glass = {
        role for role, actor in actors.items() if authorizer.can(actor, "patient", "break_glass")
    }
    may_read = {role for role, actor in actors.items() if authorizer.can(actor, "patient", "read")}
    # then
    assert {"front_desk", "biller"} <= may_break_glass <= may_read


# minimum necessary, role by role --------------------------------------------------------------
async def test_each_role_reads_only_what_it_needs(client):
    # given a full record and a caller for every staff role
    record = await create_patient_record(client, ssn="123-45-6789")
    ids = {
        "patient": record.patient_id,
        "allergy": record.allergy_id,
        "problem": record.problem_id,
        "coverage": record.coverage_id,
        "note": record.note_id,
    }
    callers = {role: await client.login(role) for role in STAFF_ROLES}
    # when each reads each field of the patient, each object by id, and the audit trail
    fields: dict[str, dict[str, str]] = {}
    by_id: dict[str, set[str]] = {kind: set() for kind in ids}
    audit_trail: dict[str, str] = {}
    for role, caller in callers.items():
        fields[role] = {}
        for name, document in PATIENT_FIELD.items():
            body = await caller.execute(document, id=record.patient_id)
            patient = (body["data"] or {}).get("patient")
            fields[role][name] = patient["ssn"] if name == "ssn" and patient else outcome(body)
        for kind, global_id in ids.items():
            body = await caller.execute(NODE, id=global_id)
            if outcome(body) == "ok":
                assert body["data"]["node"] == {"id": global_id}
                by_id[kind].add(role)
            else:
                assert outcome(body) == "FORBIDDEN" and body["data"]["node"] is None
        audit_trail[role] = outcome(await caller.execute(AUDIT_EVENTS))
    # then
    masked, full, no = "***-**-6789", "123-45-6789", "FORBIDDEN"
    assert fields == {
        "admin": {"ssn": full, "notes": no, "allergies": no, "problems": no, "coverages": "ok"},
        "provider": {
            "ssn": masked,
            "notes": "ok",
            "allergies": "ok",
            "problems": "ok",
            "coverages": "ok",
        },
        "nurse": {
            "ssn": masked,
            "notes": "ok",
            "allergies": "ok",
            "problems": "ok",
            "coverages": "ok",
        },
        "front_desk": {
            "ssn": masked,
            "notes": no,
            "allergies": no,
            "problems": no,
            "coverages": "ok",
        },
        "biller": {
            "ssn": masked,
            "notes": no,
            "allergies": no,
            "problems": "ok",
            "coverages": "ok",
        },
        "inventory_manager": {
            "ssn": no,
            "notes": no,
            "allergies": no,
            "problems": no,
            "coverages": no,
        },
        "compliance_officer": {
            "ssn": masked,
            "notes": no,
            "allergies": no,
            "problems": no,
            "coverages": no,
        },
    }
    assert by_id == {
        "patient": set(STAFF_ROLES) - {"inventory_manager"},
        "allergy": CLINICIANS,
        "problem": CLINICIANS | {"biller"},
        "coverage": CLINICIANS | {"front_desk", "biller", "admin"},
        "note": CLINICIANS,
    }
    assert audit_trail == {
        role: "ok" if role == "compliance_officer" else no for role in STAFF_ROLES
    }


async def test_callers_without_patient_rights_get_no_patient_at_all(client, runtime):
    # given
    record = await create_patient_record(client)
    inventory = await client.login("inventory_manager")
    attempts = {
        "patient": (PATIENT, {"id": record.patient_id}),
        "patients": (PATIENTS, {}),
        "node": (NODE, {"id": record.patient_id}),
        "nodes": (NODES, {"ids": [record.patient_id, record.note_id]}),
        "breakGlass": (BREAK_GLASS, {"patientId": record.patient_id}),
        "createNote": (CREATE_NOTE, {"patientId": record.patient_id}),
        "auditEvents": (AUDIT_EVENTS, {}),
    }
    # when
    as_inventory = {
        name: await inventory.execute(document, **variables)
        for name, (document, variables) in attempts.items()
    }
    as_anonymous = {
        name: await client.execute(document, **variables)
        for name, (document, variables) in attempts.items()
    }
    # then
    assert {name: outcome(body) for name, body in as_inventory.items()} == dict.fromkeys(
        attempts, "FORBIDDEN"
    )
    assert {name: outcome(body) for name, body in as_anonymous.items()} == dict.fromkeys(
        attempts, "UNAUTHENTICATED"
    )
    answers = [*as_inventory.values(), *as_anonymous.values()]
    assert all(not any((body["data"] or {}).values()) for body in answers)
    async with runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(BreakGlassGrant)) == 0
        notes = await session.scalar(select(func.count()).select_from(Note))
    assert notes == 1


async def test_only_clinicians_write_notes_and_only_the_author_signs_one(client):
    # given a provider's draft
    record = await create_patient_record(client)
    callers = {role: await client.login(role) for role in STAFF_ROLES}
    # when everyone tries to write a note, and everyone else tries to sign the provider's
    created = {
        role: await caller.execute(CREATE_NOTE, patientId=record.patient_id)
        for role, caller in callers.items()
    }
    signed = {
        role: await caller.execute(SIGN_NOTE, noteId=record.note_id)
        for role, caller in callers.items()
        if role != "provider"
    }
    by_author = await callers["provider"].execute(SIGN_NOTE, noteId=record.note_id)
    again = await callers["provider"].execute(SIGN_NOTE, noteId=record.note_id)
    # then
    assert {role: outcome(body) for role, body in created.items()} == {
        role: "ok" if role in CLINICIANS else "FORBIDDEN" for role in STAFF_ROLES
    }
    assert all(
        created[role]["data"]["createNote"]["note"]["status"] == "DRAFT" for role in CLINICIANS
    )
    assert {role: outcome(body) for role, body in signed.items()} == {
        role: "ok" if role == "nurse" else "FORBIDDEN" for role in signed
    }
    assert signed["nurse"]["data"]["signNote"] == {
        "note": None,
        "userErrors": [{"field": ["noteId"], "code": "NOT_NOTE_AUTHOR"}],
    }
    assert by_author["data"]["signNote"] == {
        "note": {"id": record.note_id, "status": "SIGNED"},
        "userErrors": [],
    }
    assert again["data"]["signNote"]["userErrors"] == [{"field": ["noteId"], "code": "NOTE_SIGNED"}]
