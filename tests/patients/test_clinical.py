"""Allergies, the ICD-10-CM coded problem list, insurance coverages; any record by global id."""

from datetime import datetime, timedelta

from tests.fixtures.graphql import gid, pk_of
from tests.fixtures.patients import (
    ADD_ALLERGY,
    ADD_COVERAGE,
    ADD_PROBLEM,
    USER_ERRORS,
    add_allergy,
    add_coverage,
    add_problem,
    coverage_input,
    create_note,
    create_patient,
    row_counts,
)

RESOLVE_PROBLEM = f"""
mutation ResolveProblem($input: ResolveProblemInput!) {{
  resolveProblem(input: $input) {{
    problem {{ id icd10Code status onsetDate resolvedDate }}
    {USER_ERRORS}
  }}
}}
"""

PATIENT_ALLERGIES = """
query Allergies($id: ID!) {
  patient(id: $id) { allergies { id substance category reaction severity status } }
}
"""

PATIENT_PROBLEMS = """
query Problems($id: ID!) {
  patient(id: $id) { problems { id icd10Code description status onsetDate resolvedDate } }
}
"""

PATIENT_COVERAGES = """
query Coverages($id: ID!) {
  patient(id: $id) {
    coverages { id payerName priority relationship subscriberName periodStart periodEnd }
  }
}
"""

NODE = """
query Node($id: ID!) {
  node(id: $id) {
    __typename id
    ... on Patient { mrn familyName }
    ... on Allergy { substance }
    ... on Problem { icd10Code }
    ... on Coverage { memberId }
    ... on ClinicalNote { title }
  }
}
"""

NODES = """
query Nodes($ids: [ID!]!) {
  nodes(ids: $ids) {
    __typename id
    ... on Patient { mrn }
    ... on Allergy { substance }
    ... on Problem { icd10Code }
    ... on Coverage { memberId }
    ... on ClinicalNote { title }
  }
}
"""


def _errors(payload):
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


# allergies ----------------------------------------------------------------------------------
async def test_add_allergy_and_list_it_under_the_patient(client, runtime):
    # given
    nurse = await client.login("nurse")
    patient = await create_patient(nurse)
    # when
    allergy = await add_allergy(
        nurse,
        patient["id"],
        substance="  Peanut ",
        category="FOOD",
        reaction=" Hives ",
        severity="SEVERE",
    )
    await add_allergy(nurse, patient["id"], substance="Latex", category="ENVIRONMENT")
    # then
    assert allergy["substance"] == "Peanut" and allergy["reaction"] == "Hives"
    assert (allergy["category"], allergy["severity"], allergy["status"]) == (
        "FOOD",
        "SEVERE",
        "ACTIVE",
    )
    assert datetime.fromisoformat(allergy["recordedAt"]).tzinfo is not None
    records = (await nurse.data(PATIENT_ALLERGIES, id=patient["id"]))["patient"]
    assert [(a["substance"], a["category"], a["severity"]) for a in records["allergies"]] == [
        ("Peanut", "FOOD", "SEVERE"),
        ("Latex", "ENVIRONMENT", None),
    ]
    # when: refused
    before = await row_counts(runtime)
    for values, expected in (
        ({"substance": "   "}, [("REQUIRED", ["substance"])]),
        ({"substance": "s" * 201}, [("INVALID_INPUT", ["substance"])]),
        (
            {"patientId": gid("Patient", pk_of(patient["id"]) + 99)},
            [("NOT_FOUND", ["patientId"])],
        ),
        ({"patientId": allergy["id"]}, [("NOT_FOUND", ["patientId"])]),
    ):
        data = await nurse.data(
            ADD_ALLERGY,
            input={
                "patientId": patient["id"],
                "substance": "Sulfa",
                "category": "MEDICATION",
                **values,
            },
        )
        # then
        assert data["addAllergy"]["allergy"] is None, values
        assert _errors(data["addAllergy"]) == expected, values
    assert await row_counts(runtime) == before


# problems -----------------------------------------------------------------------------------
async def test_add_problem_validates_the_icd10_code_and_fills_the_description(client, runtime):
    # given
    provider = await client.login("provider")
    patient = await create_patient(provider)
    # when: the same code with and without its dot, in any case
    dotted = await add_problem(provider, patient["id"], icd10Code="E11.9", onsetDate="2020-02-01")
    undotted = await add_problem(provider, patient["id"], icd10Code=" e119 ")
    seventh = await add_problem(provider, patient["id"], icd10Code="S72001A")
    category = await add_problem(provider, patient["id"], icd10Code="I10")
    # then
    for problem in (dotted, undotted):
        assert problem["icd10Code"] == "E11.9"
        assert problem["description"] == "Type 2 diabetes mellitus without complications"
        assert problem["status"] == "ACTIVE" and problem["resolvedDate"] is None
    assert dotted["onsetDate"] == "2020-02-01" and undotted["onsetDate"] is None
    assert seventh["icd10Code"] == "S72.001A"
    assert seventh["description"].startswith("Fracture of unspecified part of neck of right femur")
    assert (category["icd10Code"], category["description"]) == (
        "I10",
        "Essential (primary) hypertension",
    )
    listed = (await provider.data(PATIENT_PROBLEMS, id=patient["id"]))["patient"]["problems"]
    assert [p["icd10Code"] for p in listed] == ["E11.9", "E11.9", "S72.001A", "I10"]
    # when: not diagnosis codes (a block, a chapter, malformed, unknown)
    before = await row_counts(runtime)
    for code in ("E08-E13", "4", "E11.99", "E1.19", "E11.", "XYZ", "", "E 11.9"):
        data = await provider.data(
            ADD_PROBLEM, input={"patientId": patient["id"], "icd10Code": code}
        )
        # then
        assert data["addProblem"]["problem"] is None, code
        assert _errors(data["addProblem"]) == [("INVALID_ICD10_CODE", ["icd10Code"])], code
    assert await row_counts(runtime) == before


async def test_resolve_problem(client, settings):
    # given
    provider = await client.login("provider")
    patient = await create_patient(provider)
    problem = await add_problem(provider, patient["id"], icd10Code="J06.9", onsetDate="2024-01-10")
    # when: before its onset, or in the future
    tomorrow = (datetime.now(settings.timezone).date() + timedelta(days=1)).isoformat()
    for resolved_date in ("2024-01-09", tomorrow):
        data = await provider.data(
            RESOLVE_PROBLEM, input={"problemId": problem["id"], "resolvedDate": resolved_date}
        )
        # then
        assert data["resolveProblem"]["problem"] is None, resolved_date
        assert _errors(data["resolveProblem"]) == [("INVALID_PERIOD", ["resolvedDate"])]
    listed = (await provider.data(PATIENT_PROBLEMS, id=patient["id"]))["patient"]["problems"]
    assert (listed[0]["status"], listed[0]["resolvedDate"]) == ("ACTIVE", None)
    # when: on its onset day
    data = await provider.data(
        RESOLVE_PROBLEM, input={"problemId": problem["id"], "resolvedDate": "2024-01-10"}
    )
    # then
    assert data["resolveProblem"] == {
        "problem": {
            "id": problem["id"],
            "icd10Code": "J06.9",
            "status": "RESOLVED",
            "onsetDate": "2024-01-10",
            "resolvedDate": "2024-01-10",
        },
        "userErrors": [],
    }
    # when: twice
    again = await provider.data(
        RESOLVE_PROBLEM, input={"problemId": problem["id"], "resolvedDate": "2024-02-01"}
    )
    # then
    assert again["resolveProblem"]["problem"] is None
    assert _errors(again["resolveProblem"]) == [("PROBLEM_ALREADY_RESOLVED", ["problemId"])]
    listed = (await provider.data(PATIENT_PROBLEMS, id=patient["id"]))["patient"]["problems"]
    assert (listed[0]["status"], listed[0]["resolvedDate"]) == ("RESOLVED", "2024-01-10")
    # when: without a date, it is resolved today (the practice's today)
    other = await add_problem(provider, patient["id"], icd10Code="I10")
    data = await provider.data(RESOLVE_PROBLEM, input={"problemId": other["id"]})
    # then
    today = datetime.now(settings.timezone).date().isoformat()
    assert data["resolveProblem"]["problem"]["resolvedDate"] == today
    # when: an id that names no problem
    for wrong in (gid("Problem", 999_999), patient["id"]):
        data = await provider.data(RESOLVE_PROBLEM, input={"problemId": wrong})
        # then
        assert _errors(data["resolveProblem"]) == [("NOT_FOUND", ["problemId"])], wrong


# coverages ----------------------------------------------------------------------------------
async def test_add_coverage(client):
    # given
    front_desk = await client.login("front_desk")
    patient = await create_patient(front_desk)
    # when
    secondary = await add_coverage(
        front_desk,
        patient["id"],
        priority=2,
        relationship="SPOUSE",
        subscriberName=" Luis Rivera ",
        subscriberBirthDate="1980-05-05",
        payerName=" Beta Care ",
        groupNumber="G-77",
        planName="  ",
        periodStart="2025-01-01",
        periodEnd="2025-12-31",
    )
    primary = await add_coverage(front_desk, patient["id"], priority=1, memberId="A1")
    # then
    assert secondary == {
        "id": secondary["id"],
        "payerName": "Beta Care",
        "payerId": "60054",
        "memberId": "W123456789",
        "groupNumber": "G-77",
        "planName": None,
        "relationship": "SPOUSE",
        "subscriberName": "Luis Rivera",
        "subscriberBirthDate": "1980-05-05",
        "priority": 2,
        "periodStart": "2025-01-01",
        "periodEnd": "2025-12-31",
    }
    assert primary["relationship"] == "SELF" and primary["subscriberName"] is None
    # and the patient's coverages come primary first
    listed = (await front_desk.data(PATIENT_COVERAGES, id=patient["id"]))["patient"]["coverages"]
    assert [(c["id"], c["priority"]) for c in listed] == [(primary["id"], 1), (secondary["id"], 2)]


async def test_add_coverage_refuses_invalid_input_and_writes_nothing(client, runtime):
    # given
    front_desk = await client.login("front_desk")
    patient = await create_patient(front_desk)
    before = await row_counts(runtime)
    cases = [
        ({"priority": 0}, "INVALID_PRIORITY", ["priority"]),
        ({"priority": 4}, "INVALID_PRIORITY", ["priority"]),
        ({"priority": -1}, "INVALID_PRIORITY", ["priority"]),
        ({"periodStart": "2025-06-01", "periodEnd": "2025-05-31"}, "INVALID_PERIOD", ["periodEnd"]),
        ({"relationship": "SPOUSE"}, "SUBSCRIBER_REQUIRED", ["subscriberName"]),
        (
            {"relationship": "CHILD", "subscriberName": "   "},
            "SUBSCRIBER_REQUIRED",
            ["subscriberName"],
        ),
        ({"relationship": "OTHER"}, "SUBSCRIBER_REQUIRED", ["subscriberName"]),
        ({"payerName": " "}, "REQUIRED", ["payerName"]),
        ({"memberId": ""}, "REQUIRED", ["memberId"]),
        ({"memberId": "m" * 65}, "INVALID_INPUT", ["memberId"]),
        ({"patientId": gid("Patient", 999_999)}, "NOT_FOUND", ["patientId"]),
    ]
    for values, code, field in cases:
        # when
        data = await front_desk.data(ADD_COVERAGE, input=coverage_input(patient["id"], **values))
        # then
        assert data["addCoverage"]["coverage"] is None, values
        assert _errors(data["addCoverage"]) == [(code, field)], values
    assert await row_counts(runtime) == before
    # and a period of one day is a valid period
    one_day = await add_coverage(
        front_desk, patient["id"], periodStart="2025-06-01", periodEnd="2025-06-01"
    )
    assert one_day["periodEnd"] == "2025-06-01"


# node(id:) / nodes(ids:) --------------------------------------------------------------------
async def test_node_and_nodes_resolve_every_patient_record_type(client):
    # given
    provider = await client.login("provider")
    front_desk = await client.login("front_desk")
    patient = await create_patient(provider)
    allergy = await add_allergy(provider, patient["id"])
    problem = await add_problem(provider, patient["id"])
    coverage = await add_coverage(front_desk, patient["id"], memberId="M-42")
    note = await create_note(provider, patient["id"], title="Follow-up")
    expected = [
        {"__typename": "Patient", "id": patient["id"], "mrn": patient["mrn"]},
        {"__typename": "Allergy", "id": allergy["id"], "substance": "Penicillin"},
        {"__typename": "Problem", "id": problem["id"], "icd10Code": "E11.9"},
        {"__typename": "Coverage", "id": coverage["id"], "memberId": "M-42"},
        {"__typename": "ClinicalNote", "id": note["id"], "title": "Follow-up"},
    ]
    # when
    for wanted in expected:
        data = await provider.data(NODE, id=wanted["id"])
        # then
        assert {k: v for k, v in data["node"].items() if k in wanted} == wanted
    # when: several at once, with ids of nothing among them
    ids = [e["id"] for e in expected]
    unknown = [gid("Patient", 999_999), gid("ClinicalNote", "9" * 12)]
    data = await provider.data(NODES, ids=[unknown[0], *ids, unknown[1]])
    # then: in the order asked, null where nothing is
    assert data["nodes"] == [None, *expected, None]


async def test_node_applies_each_types_read_policy(client):
    # given: front desk staff see demographics and insurance, not clinical notes or problems
    provider = await client.login("provider")
    front_desk = await client.login("front_desk")
    patient = await create_patient(provider)
    note = await create_note(provider, patient["id"])
    problem = await add_problem(provider, patient["id"], icd10Code="I10")
    # when
    allowed = await front_desk.data(NODE, id=patient["id"])
    refused = [await front_desk.execute(NODE, id=i) for i in (note["id"], problem["id"])]
    # then
    assert allowed["node"]["mrn"] == patient["mrn"]
    for body in refused:
        assert body["data"] == {"node": None}
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
        assert note["body"] not in str(body) and "I10" not in str(body)
