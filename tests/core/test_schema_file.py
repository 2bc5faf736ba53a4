"""schema.graphql is the contract partners generate clients from: it must match the code."""

from app.config import PROJECT_ROOT, Settings
from schema import create_schema


def test_checked_in_schema_is_current():
    # given the exported SDL in the repository
    checked_in = (PROJECT_ROOT / "schema.graphql").read_text()
    # when the schema is built from code
    current = create_schema(Settings()).as_str() + "\n"
    # then they are the same (regenerate with `make schema`)
    assert checked_in == current, "schema.graphql is stale: run `make schema`"
