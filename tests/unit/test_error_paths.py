"""Domain field paths become input paths in the GraphQL layer only. No database needed."""

import pytest
from graphql import GraphQLError
from strawberry import relay

from app.errors import CommonErrorCode, DomainError, NotFound
from schema.errors import UserError, input_path, query_errors, to_user_errors
from schema.ids import UnknownId, pk


def test_domain_names_are_camel_cased_segment_by_segment():
    # given a domain error naming a nested domain field
    error = DomainError(CommonErrorCode.INVALID_INPUT, "taken", ["occurrences", "0", "starts_at"])
    # then its input path is camel-cased; a path of one name too
    assert input_path(error) == ["occurrences", "0", "startsAt"]
    assert input_path(NotFound("Patient", ["patient_id"])) == ["patientId"]
    assert input_path(NotFound("Patient")) is None


def test_a_mutation_overrides_the_names_its_input_gives_otherwise():
    # given the inputs nest the address and call the patient's key `id`
    overrides = {"postal_code": ["address", "postalCode"], "patient_id": ["id"]}
    # then those paths are used as given, the others are camel-cased
    assert input_path(NotFound("Patient", ["patient_id"]), overrides) == ["id"]
    postal = DomainError(CommonErrorCode.INVALID_INPUT, "too long", ["postal_code"])
    assert input_path(postal, overrides) == ["address", "postalCode"]
    assert input_path(NotFound("Note", ["note_id"]), overrides) == ["noteId"]


def test_an_unknown_global_id_names_its_input_path_once():
    # given an id of the wrong type, at an input path that an override could otherwise catch
    with pytest.raises(UnknownId) as raised:
        pk(relay.GlobalID("Allergy", "1"), "Patient", "filter", "patient_id")
    unknown = raised.value
    # then the path is the one the resolver gave, neither camel-cased nor overridden again
    assert input_path(unknown, {"filter": ["other"]}) == ["filter", "patient_id"]
    [user_error] = to_user_errors(unknown)
    assert (user_error.field, user_error.code.value) == (["filter", "patient_id"], "NOT_FOUND")


def test_a_query_refusal_carries_the_domain_code_and_the_input_path():
    # when a query's service call raises a domain error
    error = DomainError(CommonErrorCode.INVALID_INPUT, "since needs a UTC offset", ["since"])
    with pytest.raises(GraphQLError) as raised, query_errors({"since": ["filter", "since"]}):
        raise error
    refusal = raised.value
    # then it leaves as BAD_USER_INPUT with the same mapping as a userError
    assert refusal.extensions == {
        "code": "BAD_USER_INPUT",
        "reason": "INVALID_INPUT",
        "field": ["filter", "since"],
    }
    assert refusal.message == "since needs a UTC offset"
    assert UserError.from_domain(error, {"since": ["filter", "since"]}).field == ["filter", "since"]
