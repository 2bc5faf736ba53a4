"""One meaning per error code: the GraphQL ErrorCode enum merges every domain's codes by value,
so a code two domains define would silently mean two things. No database needed."""

import enum
import importlib
import pkgutil
from collections import defaultdict

import pytest

import app
from schema.error_codes import _DOMAIN_CODES


def is_code_enum_name(name: str) -> bool:
    return name.endswith("ErrorCode")


def code_enums() -> list[type[enum.Enum]]:
    """Every code enum defined under app/: each module is imported, so none can hide."""
    found: dict[type[enum.Enum], None] = {}
    for module_info in pkgutil.walk_packages(app.__path__, "app."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, enum.Enum)
                and value.__module__ == module.__name__
                and is_code_enum_name(value.__name__)
            ):
                found[value] = None
    return list(found)


def clashes(enums: tuple[type[enum.Enum], ...] | list[type[enum.Enum]]) -> dict[str, list[str]]:
    """Each code value defined by more than one enum, with the enums defining it."""
    owners: dict[str, list[str]] = defaultdict(list)
    for codes in enums:
        for member in codes:
            owners[member.value].append(codes.__name__)
    return {value: names for value, names in owners.items() if len(names) > 1}


def misnamed(enums: tuple[type[enum.Enum], ...] | list[type[enum.Enum]]) -> list[str]:
    return [codes.__name__ for codes in enums if not codes.__name__.endswith("ErrorCode")]


def test_no_code_is_defined_by_two_domains():
    # given every code enum of the domains
    enums = code_enums()
    # then each code has one owner (a code shared on purpose belongs in CommonErrorCode)
    assert len(enums) >= 5
    assert clashes(enums) == {}


def test_the_schema_registers_every_code_enum_and_only_those():
    # then the GraphQL ErrorCode is made of exactly the domains' *ErrorCode enums
    assert misnamed(_DOMAIN_CODES) == []
    assert set(_DOMAIN_CODES) == set(code_enums())


class BookingErrorCode(enum.StrEnum):
    NAME_TAKEN = "NAME_TAKEN"


class StockErrorCode(enum.StrEnum):
    SKU_TAKEN = "NAME_TAKEN"  # the same code, meaning something else


class StockError(enum.StrEnum):
    OUT_OF_STOCK = "OUT_OF_STOCK"


@pytest.mark.parametrize(
    ("enums", "clashing", "wrongly_named"),
    [
        ((BookingErrorCode,), {}, []),
        (
            (BookingErrorCode, StockErrorCode),
            {"NAME_TAKEN": ["BookingErrorCode", "StockErrorCode"]},
            [],
        ),
        ((BookingErrorCode, StockError), {}, ["StockError"]),
    ],
)
def test_the_checks_catch_a_duplicate_code_and_a_misnamed_enum(enums, clashing, wrongly_named):
    # when the checks run over synthetic enums
    # then a clash and a name off the convention are each reported
    assert clashes(enums) == clashing
    assert misnamed(enums) == wrongly_named
