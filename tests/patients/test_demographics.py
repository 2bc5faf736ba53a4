"""Patient demographics: creating, validating, updating; the SSN encrypted at rest and masked.

Cases of one rule share a test (each test pays for a fresh database on two backends); every
assertion names the case it checks.
"""

from datetime import date, datetime, timedelta

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import text

from app.crypto import FieldCipher, Keyring
from app.patients.demographics import ssn_context
from app.transaction import unit_of_work
from tests.fixtures.graphql import error_codes, gid, pk_of
from tests.fixtures.patients import (
    CREATE_PATIENT,
    PATIENT_FIELDS,
    USER_ERRORS,
    add_allergy,
    create_patient,
    patient_input,
    patient_row,
    row_count,
    row_counts,
)

UPDATE_PATIENT = f"""
mutation UpdatePatient($input: UpdatePatientInput!) {{
  updatePatient(input: $input) {{ patient {{ {PATIENT_FIELDS} }} {USER_ERRORS} }}
}}
"""

PATIENT = f"""
query Patient($id: ID!) {{ patient(id: $id) {{ {PATIENT_FIELDS} }} }}
"""

PATIENT_SSN = "query PatientSsn($id: ID!) { patient(id: $id) { id ssn } }"

SSN_DISCLOSURES = "SELECT actor_username FROM audit_events WHERE resource_type = 'Patient.ssn'"


def luhn_valid(number: str) -> bool:
    """The Luhn check over the whole number, check digit included (written out independently)."""
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _in_days(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def _errors(payload):
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


# createPatient ------------------------------------------------------------------------------
async def test_mrns_are_unique_luhn_checked_and_not_used_up_by_a_refused_create(client):
    # given: the Luhn helper knows the textbook numbers
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")
    front_desk = await client.login("front_desk")
    # when: the SSN is checked after the MRN was drawn, so the refusal must give the MRN back
    first = await create_patient(front_desk, familyName="Rivera")
    refused = await front_desk.data(
        CREATE_PATIENT, input=patient_input(familyName="Okafor", ssn="000-00-0000")
    )
    second = await create_patient(front_desk, familyName="Okafor")
    third = await create_patient(front_desk, familyName="Nguyen")
    # then
    assert _errors(refused["createPatient"]) == [("INVALID_SSN", ["ssn"])]
    mrns = [first["mrn"], second["mrn"], third["mrn"]]
    assert len(set(mrns)) == 3
    for mrn in mrns:
        assert len(mrn) == 8 and mrn.isdigit(), mrn
        assert luhn_valid(mrn), mrn
        typo = mrn[:3] + str((int(mrn[3]) + 1) % 10) + mrn[4:]
        assert not luhn_valid(typo), f"a mistyped digit in {mrn} passes the check"
    numbers = [int(mrn[:7]) for mrn in mrns]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]


async def test_create_patient_trims_and_normalizes_its_input(client, runtime, settings):
    # given
    provider = await client.login("provider")
    today = datetime.now(settings.timezone).date().isoformat()  # the practice's today
    # when
    patient = await create_patient(
        provider,
        familyName="  Rivera ",
        givenName="\tAna  ",
        middleName="   ",
        preferredName=" Annie ",
        birthDate=today,
        email=" ana@example.org ",
        address={
            "line1": " 12 Elm St ",
            "city": " Albany ",
            "state": " ny ",
            "postalCode": "12207",
        },
    )
    at_limit = await create_patient(provider, familyName="z" * 100)
    # then
    assert patient["familyName"] == "Rivera"
    assert patient["givenName"] == "Ana"
    assert patient["middleName"] is None  # blank optional text is no value
    assert patient["preferredName"] == "Annie"
    assert patient["birthDate"] == today and patient["sex"] == "FEMALE"
    assert patient["email"] == "ana@example.org"
    assert patient["address"] == {
        "line1": "12 Elm St",
        "line2": None,
        "city": "Albany",
        "state": "NY",
        "postalCode": "12207",
    }
    assert patient["ssn"] is None
    assert at_limit["familyName"] == "z" * 100
    # and the database holds the normalized values
    row = await patient_row(runtime, patient["id"])
    assert (row.family_name, row.given_name, row.state, row.mrn) == (
        "Rivera",
        "Ana",
        "NY",
        patient["mrn"],
    )


INVALID_CREATE_CASES = [
    ({"birthDate": _in_days(2)}, "BIRTH_DATE_IN_FUTURE", ["birthDate"]),
    ({"birthDate": "1899-12-31"}, "BIRTH_DATE_TOO_OLD", ["birthDate"]),
    ({"familyName": "   "}, "REQUIRED", ["familyName"]),
    ({"givenName": ""}, "REQUIRED", ["givenName"]),
    ({"ssn": "123-45-678"}, "INVALID_SSN", ["ssn"]),
    ({"ssn": "000-12-3456"}, "INVALID_SSN", ["ssn"]),
    ({"ssn": "666-12-3456"}, "INVALID_SSN", ["ssn"]),
    ({"ssn": "912-12-3456"}, "INVALID_SSN", ["ssn"]),
    ({"ssn": "123-00-4567"}, "INVALID_SSN", ["ssn"]),
    ({"ssn": "123-45-0000"}, "INVALID_SSN", ["ssn"]),
    ({"ssn": "12a-45-6789"}, "INVALID_SSN", ["ssn"]),
    ({"email": "ana@example"}, "INVALID_EMAIL", ["email"]),
    ({"email": "ana example@x.org"}, "INVALID_EMAIL", ["email"]),
    ({"phone": "555-1234"}, "INVALID_PHONE", ["phone"]),
    ({"address": {"state": "New York"}}, "INVALID_STATE", ["address", "state"]),
    ({"address": {"postalCode": "1220"}}, "INVALID_POSTAL_CODE", ["address", "postalCode"]),
    # longer than the column: PostgreSQL would raise, SQLite would store; both refuse alike
    ({"familyName": "x" * 101}, "INVALID_INPUT", ["familyName"]),
    ({"address": {"city": "y" * 101}}, "INVALID_INPUT", ["address", "city"]),
]


async def test_create_patient_refuses_invalid_input_and_writes_nothing(client, runtime):
    # given
    front_desk = await client.login("front_desk")
    await create_patient(front_desk, familyName="Existing")
    before = await row_counts(runtime)
    for overrides, code, field in INVALID_CREATE_CASES:
        # when
        data = await front_desk.data(CREATE_PATIENT, input=patient_input(**overrides))
        # then
        payload = data["createPatient"]
        assert payload["patient"] is None, overrides
        assert _errors(payload) == [(code, field)], overrides
        assert payload["userErrors"][0]["message"], overrides
        # no row anywhere, and the MRN counter did not move
        assert await row_counts(runtime) == before, overrides


async def test_possible_duplicate_is_refused_unless_confirmed(client, runtime):
    # given
    front_desk = await client.login("front_desk")
    original = await create_patient(
        front_desk, familyName="Rivera", givenName="Ana", birthDate="1984-03-09"
    )
    accented = await create_patient(
        front_desk, familyName="Élodie", givenName="Ørsted", birthDate="1990-07-01"
    )
    before = await row_counts(runtime)
    # when: the same people typed in other letter cases, with stray blanks
    refused = await front_desk.data(
        CREATE_PATIENT,
        input=patient_input(familyName=" RIVERA", givenName="ana ", birthDate="1984-03-09"),
    )
    refused_accented = await front_desk.data(
        CREATE_PATIENT,
        input=patient_input(familyName="ÉLODIE", givenName="ørsted", birthDate="1990-07-01"),
    )
    # then
    for data, existing in ((refused, original), (refused_accented, accented)):
        payload = data["createPatient"]
        assert payload["patient"] is None
        assert _errors(payload) == [("POSSIBLE_DUPLICATE", ["confirmDuplicate"])]
        assert existing["mrn"] in payload["userErrors"][0]["message"]
    assert await row_counts(runtime) == before
    # when: another birth date, or another given name, is another person
    other_day = await create_patient(
        front_desk, familyName="Rivera", givenName="Ana", birthDate="1984-03-10"
    )
    sibling = await create_patient(
        front_desk, familyName="Rivera", givenName="Anabel", birthDate="1984-03-09"
    )
    # and the user confirms that the namesake is another person
    confirmed = await create_patient(
        front_desk,
        familyName="RIVERA",
        givenName="ana",
        birthDate="1984-03-09",
        confirmDuplicate=True,
    )
    # then
    assert other_day["birthDate"] == "1984-03-10" and sibling["givenName"] == "Anabel"
    assert confirmed["mrn"] != original["mrn"]
    assert confirmed["familyName"] == "RIVERA"
    assert await row_count(runtime, "patients") == before["patients"] + 3


# updatePatient ------------------------------------------------------------------------------
async def _full_patient(client):
    return await create_patient(
        client,
        middleName="Lucia",
        email="ana@example.org",
        phone="(518) 555-0100",
        language="es",
        genderIdentity="woman",
        ssn="123-45-6789",
        address={
            "line1": "12 Elm St",
            "line2": "Apt 3",
            "city": "Albany",
            "state": "NY",
            "postalCode": "12207-1234",
        },
    )


async def test_update_patient_changes_only_what_it_is_given(client):
    # given
    provider = await client.login("provider")
    patient = await _full_patient(provider)
    # when: two fields
    changed = await provider.data(
        UPDATE_PATIENT,
        input={"id": patient["id"], "phone": "518-555-0199", "preferredName": " Annie "},
    )
    # then: those two changed, nothing else did
    expected = {**patient, "phone": "518-555-0199", "preferredName": "Annie"}
    assert changed["updatePatient"] == {"patient": expected, "userErrors": []}
    assert (await provider.data(PATIENT, id=patient["id"]))["patient"] == expected
    # when: null clears an optional field
    cleared = await provider.data(
        UPDATE_PATIENT, input={"id": patient["id"], "email": None, "middleName": None}
    )
    # then
    expected = {**expected, "email": None, "middleName": None}
    assert cleared["updatePatient"]["patient"] == expected
    # when: the address is one value, replaced as a whole
    moved = await provider.data(
        UPDATE_PATIENT,
        input={
            "id": patient["id"],
            "address": {"line1": "9 Oak Ave", "city": "Troy", "state": "ny"},
        },
    )
    # then
    expected = {
        **expected,
        "address": {
            "line1": "9 Oak Ave",
            "line2": None,
            "city": "Troy",
            "state": "NY",
            "postalCode": None,
        },
    }
    assert moved["updatePatient"]["patient"] == expected
    # when
    no_address = await provider.data(UPDATE_PATIENT, input={"id": patient["id"], "address": None})
    # then
    expected = {**expected, "address": dict.fromkeys(expected["address"])}
    assert no_address["updatePatient"]["patient"] == expected
    assert (await provider.data(PATIENT, id=patient["id"]))["patient"] == expected


INVALID_UPDATE_CASES = [
    ({"familyName": None}, "REQUIRED", ["familyName"]),
    ({"givenName": "  "}, "REQUIRED", ["givenName"]),
    ({"birthDate": None}, "REQUIRED", ["birthDate"]),
    ({"sex": None}, "REQUIRED", ["sex"]),
    ({"email": "not-an-email"}, "INVALID_EMAIL", ["email"]),
    ({"birthDate": _in_days(3)}, "BIRTH_DATE_IN_FUTURE", ["birthDate"]),
    ({"language": "l" * 36}, "INVALID_INPUT", ["language"]),
    # the phone is valid and is set first; the bad SSN must undo it
    ({"phone": "518-555-0142", "ssn": "123-45-000"}, "INVALID_SSN", ["ssn"]),
]


async def test_refused_update_changes_nothing(client, runtime):
    # given
    provider = await client.login("provider")
    admin = await client.login("admin")
    patient = await _full_patient(provider)
    allergy = await add_allergy(provider, patient["id"])
    row_before = await patient_row(runtime, patient["id"])
    for changes, code, field in INVALID_UPDATE_CASES:
        # when
        data = await provider.data(UPDATE_PATIENT, input={"id": patient["id"], **changes})
        # then
        assert data["updatePatient"]["patient"] is None, changes
        assert _errors(data["updatePatient"]) == [(code, field)], changes
        assert (await provider.data(PATIENT, id=patient["id"]))["patient"] == patient, changes
        row_after = await patient_row(runtime, patient["id"])
        assert row_after.updated_at == row_before.updated_at, changes
        assert row_after.ssn_encrypted == row_before.ssn_encrypted, changes
    assert (await admin.data(PATIENT_SSN, id=patient["id"]))["patient"]["ssn"] == "123-45-6789"
    # when: an id of no patient, or of something else
    for wrong in (gid("Patient", pk_of(patient["id"]) + 1000), allergy["id"]):
        data = await provider.data(UPDATE_PATIENT, input={"id": wrong, "phone": "518-555-0100"})
        # then
        assert data["updatePatient"]["patient"] is None
        assert _errors(data["updatePatient"]) == [("NOT_FOUND", ["id"])]


async def test_update_sets_and_removes_the_ssn(client, runtime):
    # given
    provider = await client.login("provider")
    admin = await client.login("admin")
    patient = await create_patient(provider)
    # when
    set_ = await provider.data(UPDATE_PATIENT, input={"id": patient["id"], "ssn": "123 45 6789"})
    # then
    assert set_["updatePatient"]["patient"]["ssn"] == "***-**-6789"
    assert (await admin.data(PATIENT_SSN, id=patient["id"]))["patient"]["ssn"] == "123-45-6789"
    # when: an update that does not mention the SSN keeps it
    await provider.data(UPDATE_PATIENT, input={"id": patient["id"], "language": "en"})
    # then
    assert (await admin.data(PATIENT_SSN, id=patient["id"]))["patient"]["ssn"] == "123-45-6789"
    # when: replaced
    await provider.data(UPDATE_PATIENT, input={"id": patient["id"], "ssn": "219-09-9999"})
    # then
    assert (await admin.data(PATIENT_SSN, id=patient["id"]))["patient"]["ssn"] == "219-09-9999"
    # when: removed
    removed = await provider.data(UPDATE_PATIENT, input={"id": patient["id"], "ssn": None})
    # then
    assert removed["updatePatient"]["patient"]["ssn"] is None
    assert (await admin.data(PATIENT_SSN, id=patient["id"]))["patient"]["ssn"] is None
    row = await patient_row(runtime, patient["id"])
    assert row.ssn_encrypted is None and row.ssn_last4 is None


# the SSN at rest and on the wire ------------------------------------------------------------
async def _stored_ssn(runtime, patient_id):
    async with runtime.sessions() as session:
        result = await session.execute(
            text("SELECT mrn, ssn_encrypted, ssn_last4 FROM patients WHERE id = :id"),
            {"id": pk_of(patient_id)},
        )
        mrn, stored, last4 = result.one()
    return mrn, bytes(stored), last4


async def test_ssn_is_encrypted_at_rest(client, runtime, settings):
    # given
    front_desk = await client.login("front_desk")
    # when
    patient = await create_patient(front_desk, ssn="123-45-6789")
    other = await create_patient(front_desk, familyName="Okafor", ssn="123-45-6789")
    # then: the stored bytes do not hold the number, in any spelling
    mrn, stored, last4 = await _stored_ssn(runtime, patient["id"])
    for spelling in (b"123456789", b"123-45-6789", "123456789".encode("utf-16-le")):
        assert spelling not in stored
    assert last4 == "6789"  # kept apart for the masked form
    # and the key gives it back
    cipher = FieldCipher(settings.field_keys)
    assert cipher.decrypt(stored, ssn_context(mrn)) == "123456789"
    # and another key does not
    with pytest.raises(InvalidTag):
        FieldCipher(Keyring({"k1": b"k" * 32}, "k1")).decrypt(stored, ssn_context(mrn))
    # and equal numbers do not give equal ciphertexts (a fresh nonce each time)
    _, other_stored, _ = await _stored_ssn(runtime, other["id"])
    assert other_stored != stored


async def test_ssn_ciphertext_copied_to_another_patient_does_not_decrypt(client, runtime, settings):
    # given
    front_desk = await client.login("front_desk")
    admin = await client.login("admin")
    victim = await create_patient(front_desk, ssn="123-45-6789")
    target = await create_patient(front_desk, familyName="Okafor", ssn="219-09-9999")
    _, stolen, _ = await _stored_ssn(runtime, victim["id"])
    # when: someone with database access copies the ciphertext onto another row
    async with unit_of_work(runtime.sessions) as session:
        await session.execute(
            text("UPDATE patients SET ssn_encrypted = :value WHERE id = :id"),
            {"value": stolen, "id": pk_of(target["id"])},
        )
    # then: it does not decrypt under that row
    target_mrn, copied, _ = await _stored_ssn(runtime, target["id"])
    assert copied == stolen
    with pytest.raises(InvalidTag):
        FieldCipher(settings.field_keys).decrypt(copied, ssn_context(target_mrn))
    # and the API does not disclose the victim's number through the other patient
    body = await admin.execute(PATIENT_SSN, id=target["id"])
    assert "123-45" not in str(body) and "123456789" not in str(body)
    assert body["data"]["patient"] == {"id": target["id"], "ssn": None}
    assert error_codes(body) == ["INTERNAL_SERVER_ERROR"]


async def test_ssn_is_masked_unless_the_role_may_see_it_and_disclosure_is_audited(client, runtime):
    # given
    front_desk = await client.login("front_desk")
    with_ssn = await create_patient(front_desk, ssn="123456789")
    without = await create_patient(front_desk, familyName="Okafor")
    expected = {
        "provider": "***-**-6789",
        "nurse": "***-**-6789",
        "front_desk": "***-**-6789",
        "biller": "***-**-6789",
        "compliance_officer": "***-**-6789",
        "admin": "123-45-6789",
    }
    for role, shown in expected.items():
        reader = await client.login(role)
        # when
        data = await reader.data(PATIENT_SSN, id=with_ssn["id"])
        none = await reader.data(PATIENT_SSN, id=without["id"])
        # then
        assert data["patient"]["ssn"] == shown, role
        assert none["patient"]["ssn"] is None, role
    # and only the full number's disclosure is recorded as such
    async with runtime.sessions() as session:
        disclosed_to = (await session.execute(text(SSN_DISCLOSURES))).scalars().all()
    assert disclosed_to == ["admin"]


# patient(id:) -------------------------------------------------------------------------------
async def test_patient_by_id_and_null_for_an_unknown_or_wrong_typed_id(client):
    # given
    nurse = await client.login("nurse")
    patient = await create_patient(nurse)
    allergy = await add_allergy(nurse, patient["id"])
    key = pk_of(patient["id"])
    # when
    found = await nurse.data(PATIENT, id=patient["id"])
    # then
    assert found["patient"] == patient
    for wrong in (
        gid("Patient", key + 1),
        gid("Allergy", key),
        allergy["id"],
        gid("Patient", "abc"),
        gid("Patient", "-1"),
        gid("Patient", "0"),
        gid("Patient", "9" * 12),  # beyond any integer key
    ):
        # when
        body = await nurse.execute(PATIENT, id=wrong)
        # then
        assert body == {"data": {"patient": None}}, wrong
    # and an anonymous caller gets nothing
    anonymous = await client.execute(PATIENT, id=patient["id"])
    assert anonymous["data"] == {"patient": None}
    assert error_codes(anonymous) == ["UNAUTHENTICATED"]
