"""Finding patients: search terms, pagination, and a constant number of SQL statements."""

from sqlalchemy import text

from app.transaction import unit_of_work
from tests.fixtures.graphql import error_codes
from tests.fixtures.patients import create_patient, seed_patients

SEARCH = """
query Search($search: String, $first: Int, $after: String) {
  patients(search: $search, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id mrn familyName givenName birthDate } }
  }
}
"""

NESTED = """
query Nested($first: Int) {
  patients(first: $first) {
    totalCount
    edges {
      node {
        id
        allergies { id substance }
        problems { id icd10Code }
        coverages { id memberId }
        notes { id title author { username } }
      }
    }
  }
}
"""


def _names(data):
    return [
        f"{e['node']['givenName']} {e['node']['familyName']}" for e in data["patients"]["edges"]
    ]


async def _people(client):
    # five patients, two of them sharing a birth date, one known by a preferred name
    for family, given, born, preferred in (
        ("Rivera", "Ana", "1984-03-09", None),
        ("Riviera", "Marco", "1984-03-09", None),
        ("Okafor", "Chidi", "1979-11-30", None),
        ("Nguyen", "Bao", "2001-06-15", "Bobby"),
        ("Abbott", "Ana", "1990-01-02", None),
    ):
        await create_patient(
            client, familyName=family, givenName=given, birthDate=born, preferredName=preferred
        )


async def test_search_by_name_fragment_mrn_and_birth_date_with_all_terms_anded(client):
    # given
    front_desk = await client.login("front_desk")
    await _people(front_desk)
    everyone = await front_desk.data(SEARCH)
    mrn_of = {
        f"{e['node']['givenName']} {e['node']['familyName']}": e["node"]["mrn"]
        for e in everyone["patients"]["edges"]
    }
    cases = {
        # name fragments, in any letter case, in family, given or preferred names
        "riv": ["Ana Rivera", "Marco Riviera"],
        "RIVI": ["Marco Riviera"],
        "ana": ["Ana Abbott", "Ana Rivera"],
        "bobby": ["Bao Nguyen"],
        # a birth date
        "1984-03-09": ["Ana Rivera", "Marco Riviera"],
        # several terms must all match
        "ana 1984-03-09": ["Ana Rivera"],
        "ana, riv": ["Ana Rivera"],
        "ana okafor": [],
        # the MRN, exactly
        mrn_of["Chidi Okafor"]: ["Chidi Okafor"],
        f"{mrn_of['Chidi Okafor']} chidi": ["Chidi Okafor"],
        f"{mrn_of['Chidi Okafor']} ana": [],
        # wildcards are text, not patterns
        "%": [],
        "_": [],
        "\\": [],
        "a%a": [],
        "zzz": [],
    }
    # then: no search lists everyone, by family name then given name
    assert _names(everyone) == [
        "Ana Abbott",
        "Bao Nguyen",
        "Chidi Okafor",
        "Ana Rivera",
        "Marco Riviera",
    ]
    assert everyone["patients"]["totalCount"] == 5
    for search, expected in cases.items():
        # when
        data = await front_desk.data(SEARCH, search=search)
        # then
        assert _names(data) == expected, search
        assert data["patients"]["totalCount"] == len(expected), search
    for blank in ("", "   "):
        assert (await front_desk.data(SEARCH, search=blank))["patients"]["totalCount"] == 5


async def test_pagination_with_first_and_after(client):
    # given
    front_desk = await client.login("front_desk")
    await _people(front_desk)
    # when
    first = (await front_desk.data(SEARCH, first=2))["patients"]
    second = (await front_desk.data(SEARCH, first=2, after=first["pageInfo"]["endCursor"]))[
        "patients"
    ]
    third = (await front_desk.data(SEARCH, first=2, after=second["pageInfo"]["endCursor"]))[
        "patients"
    ]
    # then
    pages = [first, second, third]
    assert [[e["node"]["familyName"] for e in p["edges"]] for p in pages] == [
        ["Abbott", "Nguyen"],
        ["Okafor", "Rivera"],
        ["Riviera"],
    ]
    assert [p["totalCount"] for p in pages] == [5, 5, 5]
    assert [(p["pageInfo"]["hasPreviousPage"], p["pageInfo"]["hasNextPage"]) for p in pages] == [
        (False, True),
        (True, True),
        (True, False),
    ]
    for page in pages:
        assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
    cursors = [e["cursor"] for p in pages for e in p["edges"]]
    assert len(set(cursors)) == 5
    # when: past the end, and an empty page
    beyond = (await front_desk.data(SEARCH, first=2, after=third["pageInfo"]["endCursor"]))[
        "patients"
    ]
    empty = (await front_desk.data(SEARCH, first=0))["patients"]
    # then
    assert beyond["edges"] == [] and beyond["totalCount"] == 5
    assert beyond["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "startCursor": None,
        "endCursor": None,
    }
    assert empty["edges"] == [] and empty["pageInfo"]["hasNextPage"] is True
    # and the search narrows the pages too
    searched = (await front_desk.data(SEARCH, search="ana", first=1))["patients"]
    rest = (
        await front_desk.data(
            SEARCH, search="ana", first=1, after=searched["pageInfo"]["endCursor"]
        )
    )["patients"]
    assert [e["node"]["familyName"] for e in searched["edges"] + rest["edges"]] == [
        "Abbott",
        "Rivera",
    ]
    assert (searched["totalCount"], rest["pageInfo"]["hasNextPage"]) == (2, False)


async def test_page_size_and_cursors_are_checked(client, settings):
    # given
    front_desk = await client.login("front_desk")
    await create_patient(front_desk)
    # when / then
    for variables in (
        {"first": settings.max_page_size + 1},
        {"first": -1},
        {"after": "not-a-cursor"},
        {"after": "b2Zmc2V0Oi0x"},  # "offset:-1"
        {"after": "b2Zmc2V0Ojk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ=="},  # 30 nines: overflow
        {"after": "//79"},  # not UTF-8 inside
    ):
        body = await front_desk.execute(SEARCH, **variables)
        assert body["data"] is None, variables
        assert error_codes(body) == ["BAD_USER_INPUT"], variables
    full = await front_desk.data(SEARCH, first=settings.max_page_size)
    assert full["patients"]["totalCount"] == 1


async def test_nested_lists_load_without_n_plus_1(client, runtime, statements):
    # given: 5 patients, each with an allergy, a problem, a coverage and a note
    provider = await client.login("provider")
    await seed_patients(runtime, 5)
    # when
    with statements() as few:
        small = await provider.data(NESTED, first=50)
    # given: 50 patients
    await seed_patients(runtime, 45)
    # when
    with statements() as many:
        large = await provider.data(NESTED, first=50)
    # then: every list was loaded, for every patient
    for data, count in ((small, 5), (large, 50)):
        edges = data["patients"]["edges"]
        assert data["patients"]["totalCount"] == len(edges) == count
        for edge in edges:
            node = edge["node"]
            lists = ("allergies", "problems", "coverages", "notes")
            assert {k: len(node[k]) for k in lists} == dict.fromkeys(lists, 1), node
            assert node["notes"][0]["author"] == {"username": "provider"}
    # and the number of statements does not grow with the patients
    assert few.count == many.count, "\n".join(many.statements)
    # the caller (whom the token speaks for now), the records: the count and the page of
    # patients, one statement per list (4) and one for the notes' authors
    reads = [s for s in many.statements if "audit_event" not in s and "advisory" not in s]
    assert len(reads) == 8, "\n".join(reads)
    # the audit trail of those reads: its head (on PostgreSQL under a lock), the INSERT of the
    # read events (one a kind of record) and of the patients they name
    audit = [s for s in many.statements if s not in reads]
    assert len(audit) <= 4, "\n".join(audit)


async def test_an_mrn_that_reads_like_a_date_is_searched_as_an_mrn(client, runtime):
    # given: the MRN counter where the next MRN is 19840305 (also a date in basic ISO form)
    front_desk = await client.login("front_desk")
    async with unit_of_work(runtime.sessions) as session:
        await session.execute(text("UPDATE counters SET value = 1984029 WHERE name = 'mrn'"))
    patient = await create_patient(front_desk, birthDate="1990-01-01")
    await create_patient(front_desk, familyName="Okafor", birthDate="1984-03-05")
    assert patient["mrn"] == "19840305"
    # when
    data = await front_desk.data(SEARCH, search="19840305")
    # then
    assert [e["node"]["id"] for e in data["patients"]["edges"]] == [patient["id"]]
