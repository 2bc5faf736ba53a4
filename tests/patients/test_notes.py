"""Clinical notes: a draft, then signed and immutable; corrections are addenda."""

from datetime import UTC, datetime

from tests.fixtures.graphql import gid
from tests.fixtures.patients import (
    CREATE_NOTE,
    NOTE_FIELDS,
    SIGN_NOTE,
    USER_ERRORS,
    create_note,
    create_patient,
    row_counts,
    sign_note,
)

UPDATE_NOTE = f"""
mutation UpdateNote($input: UpdateNoteInput!) {{
  updateNote(input: $input) {{ note {{ {NOTE_FIELDS} }} {USER_ERRORS} }}
}}
"""

ADD_ADDENDUM = f"""
mutation AddAddendum($input: AddNoteAddendumInput!) {{
  addNoteAddendum(input: $input) {{ note {{ {NOTE_FIELDS} }} {USER_ERRORS} }}
}}
"""

PATIENT_NOTES = f"""
query Notes($id: ID!) {{ patient(id: $id) {{ notes {{ {NOTE_FIELDS} }} }} }}
"""


def _errors(payload):
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


async def test_note_lifecycle_draft_update_sign_then_addendum(client, runtime):
    # given
    provider = await client.login("provider")
    patient = await create_patient(provider)
    # when: a draft
    draft = await create_note(provider, patient["id"], title=" Annual visit ", body=" BP 128/82. ")
    # then
    assert (draft["title"], draft["body"], draft["status"]) == (
        "Annual visit",
        "BP 128/82.",
        "DRAFT",
    )
    assert draft["signedAt"] is None and draft["amendsNoteId"] is None
    assert draft["author"] == {"username": "provider"}
    # when: the draft is edited (only the body)
    edited = await provider.data(
        UPDATE_NOTE, input={"noteId": draft["id"], "body": "BP 128/82. Recheck in 3 months."}
    )
    # then
    assert edited["updateNote"]["userErrors"] == []
    assert edited["updateNote"]["note"]["title"] == "Annual visit"
    assert edited["updateNote"]["note"]["body"] == "BP 128/82. Recheck in 3 months."
    # when: signed
    before_signing = datetime.now(UTC)
    signed = await sign_note(provider, draft["id"])
    # then
    assert signed["status"] == "SIGNED"
    assert datetime.fromisoformat(signed["signedAt"]) >= before_signing.replace(microsecond=0)
    # when: a signed note is edited, or signed again
    before = await row_counts(runtime)
    changed = await provider.data(
        UPDATE_NOTE, input={"noteId": draft["id"], "title": "Other", "body": "Rewritten history."}
    )
    resigned = await provider.data(SIGN_NOTE, input={"noteId": draft["id"]})
    # then: refused, and the note is as it was signed
    for payload in (changed["updateNote"], resigned["signNote"]):
        assert payload["note"] is None
        assert _errors(payload) == [("NOTE_SIGNED", ["noteId"])]
    assert await row_counts(runtime) == before
    notes = (await provider.data(PATIENT_NOTES, id=patient["id"]))["patient"]["notes"]
    assert notes == [signed]
    # when: an addendum corrects it
    data = await provider.data(
        ADD_ADDENDUM, input={"noteId": draft["id"], "body": "Correction: BP 138/82."}
    )
    # then: a new draft note that points at the original
    addendum = data["addNoteAddendum"]["note"]
    assert data["addNoteAddendum"]["userErrors"] == []
    assert addendum["id"] != draft["id"]
    assert addendum["amendsNoteId"] == draft["id"]
    assert addendum["body"] == "Correction: BP 138/82."
    assert addendum["title"] == "Addendum to: Annual visit"
    assert (addendum["status"], addendum["signedAt"]) == ("DRAFT", None)
    # and the addendum is signed like any note; the original never changed
    signed_addendum = await sign_note(provider, addendum["id"])
    notes = (await provider.data(PATIENT_NOTES, id=patient["id"]))["patient"]["notes"]
    assert notes == [signed, signed_addendum]


async def test_addendum_to_a_draft_is_refused(client, runtime):
    # given
    provider = await client.login("provider")
    patient = await create_patient(provider)
    draft = await create_note(provider, patient["id"])
    before = await row_counts(runtime)
    # when
    data = await provider.data(ADD_ADDENDUM, input={"noteId": draft["id"], "body": "More."})
    unknown = await provider.data(
        ADD_ADDENDUM, input={"noteId": gid("ClinicalNote", 999_999), "body": "More."}
    )
    # then
    assert data["addNoteAddendum"]["note"] is None
    assert _errors(data["addNoteAddendum"]) == [("NOTE_NOT_SIGNED", ["noteId"])]
    assert _errors(unknown["addNoteAddendum"]) == [("NOT_FOUND", ["noteId"])]
    assert await row_counts(runtime) == before


async def test_only_the_author_changes_or_signs_a_draft(client):
    # given
    provider = await client.login("provider")
    nurse = await client.login("nurse")
    patient = await create_patient(provider)
    draft = await create_note(provider, patient["id"], body="Original.")
    # when
    edited = await nurse.data(UPDATE_NOTE, input={"noteId": draft["id"], "body": "Nurse's."})
    signed = await nurse.data(SIGN_NOTE, input={"noteId": draft["id"]})
    # then
    for payload in (edited["updateNote"], signed["signNote"]):
        assert payload["note"] is None
        assert _errors(payload) == [("NOT_NOTE_AUTHOR", ["noteId"])]
    notes = (await provider.data(PATIENT_NOTES, id=patient["id"]))["patient"]["notes"]
    assert [(n["body"], n["status"]) for n in notes] == [("Original.", "DRAFT")]
    # and anyone may add an addendum to a signed note
    await sign_note(provider, draft["id"])
    data = await nurse.data(ADD_ADDENDUM, input={"noteId": draft["id"], "body": "Seen by RN."})
    assert data["addNoteAddendum"]["note"]["author"] == {"username": "nurse"}


async def test_note_input_is_checked_and_nothing_is_written_when_refused(client, runtime):
    # given
    provider = await client.login("provider")
    patient = await create_patient(provider)
    draft = await create_note(provider, patient["id"], title="Visit", body="Body.")
    before = await row_counts(runtime)
    # when
    refused = [
        ((await provider.data(CREATE_NOTE, input=values))["createNote"], expected)
        for values, expected in (
            ({"patientId": patient["id"], "title": " ", "body": "x"}, ("REQUIRED", ["title"])),
            ({"patientId": patient["id"], "title": "t", "body": "\n"}, ("REQUIRED", ["body"])),
            (
                {"patientId": patient["id"], "title": "t" * 201, "body": "x"},
                ("INVALID_INPUT", ["title"]),
            ),
            (
                {"patientId": gid("Patient", 999_999), "title": "t", "body": "x"},
                ("NOT_FOUND", ["patientId"]),
            ),
        )
    ]
    refused += [
        (
            (await provider.data(UPDATE_NOTE, input={"noteId": draft["id"], **values}))[
                "updateNote"
            ],
            expected,
        )
        for values, expected in (
            ({"body": "  "}, ("REQUIRED", ["body"])),
            ({"title": "New title", "body": ""}, ("REQUIRED", ["body"])),
        )
    ]
    # then
    for payload, expected in refused:
        assert payload["note"] is None, expected
        assert _errors(payload) == [expected]
    assert await row_counts(runtime) == before
    notes = (await provider.data(PATIENT_NOTES, id=patient["id"]))["patient"]["notes"]
    assert [(n["title"], n["body"]) for n in notes] == [("Visit", "Body.")]


async def test_addendum_to_a_note_with_a_long_title_fits(client):
    # given: the longest title a note may have
    provider = await client.login("provider")
    patient = await create_patient(provider)
    note = await create_note(provider, patient["id"], title="T" * 200)
    await sign_note(provider, note["id"])
    # when
    data = await provider.data(ADD_ADDENDUM, input={"noteId": note["id"], "body": "More."})
    # then
    addendum = data["addNoteAddendum"]
    assert addendum["userErrors"] == []
    assert addendum["note"]["title"].startswith("Addendum to: TTT")
    assert len(addendum["note"]["title"]) == 200
