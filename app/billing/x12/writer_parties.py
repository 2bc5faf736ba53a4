"""Who a claim names, as 837P segments: providers, payers, persons, their addresses (NM1 N3 N4
PRV DMG), each element checked and named by its path in the Interchange for the error message.
"""

from __future__ import annotations

from app.billing.x12.documents import Address, Party, Payer, Person
from app.billing.x12.segments import code, date8, digits, optional_text, segment, text
from app.identifiers import npi_is_valid


def provider_name(entity: str, provider: Party, path: str) -> str:
    """NM1 for a billing (85) or rendering (82) provider, identified by its NPI (XX)."""
    if not npi_is_valid(provider.identifier):
        raise ValueError(f"{path}.identifier {provider.identifier!r} is not a valid NPI")
    person = bool(provider.first_name.strip())
    return segment(
        "NM1",
        entity,
        "1" if person else "2",
        text(provider.name, f"{path}.name", 60),
        optional_text(provider.first_name, f"{path}.first_name", 35),
        "",
        "",
        "",
        "XX",
        provider.identifier,
    )


def specialty(role: str, provider: Party, path: str) -> list[str]:
    """PRV with the provider's taxonomy code (BI billing, PE performing), when it has one."""
    if not provider.taxonomy:
        return []
    taxonomy = code(provider.taxonomy, f"{path}.taxonomy", r"[0-9A-Z]{9}X", "a taxonomy code")
    return [segment("PRV", role, "PXC", taxonomy)]


def payer_name(payer: Payer, path: str) -> list[str]:
    """NM1*PR with the payer id (PI), and the payer's address when known."""
    name = segment(
        "NM1",
        "PR",
        "2",
        text(payer.name, f"{path}.name", 60),
        "",
        "",
        "",
        "",
        "PI",
        text(payer.payer_id, f"{path}.payer_id", 80, min_len=2),
    )
    if payer.address is None:
        return [name]
    return [name, *address(payer.address, f"{path}.address")]


def person_name(entity: str, person: Person, path: str, member_id: bool) -> str:
    """NM1 for a subscriber (IL, with the member id as MI) or a patient (QC, no id)."""
    identifier = (
        ("MI", text(person.member_id, f"{path}.member_id", 80, min_len=2)) if member_id else ()
    )
    return segment(
        "NM1",
        entity,
        "1",
        text(person.last_name, f"{path}.last_name", 60),
        optional_text(person.first_name, f"{path}.first_name", 35),
        "",
        "",
        "",
        *identifier,
    )


def demographics(person: Person, path: str) -> str:
    """DMG: birth date and sex."""
    sex = code(person.sex, f"{path}.sex", "[MFU]", "M, F or U")
    return segment("DMG", "D8", date8(person.birth_date), sex)


def address(where: Address, path: str, zip_plus_4: bool = False) -> list[str]:
    """N3 and N4; the billing provider's ZIP code must be all nine digits (ZIP+4)."""
    lengths = (9,) if zip_plus_4 else (5, 9)
    meaning = "a ZIP+4 code (9 digits)" if zip_plus_4 else "a 5 or 9 digit ZIP code"
    return [
        segment(
            "N3",
            text(where.line1, f"{path}.line1", 55),
            optional_text(where.line2, f"{path}.line2", 55),
        ),
        segment(
            "N4",
            text(where.city, f"{path}.city", 30, min_len=2),
            code(where.state, f"{path}.state", "[A-Z]{2}", "a two-letter state code"),
            digits(where.postal_code, f"{path}.postal_code", lengths, meaning),
        ),
    ]


def required_address(where: Address | None, path: str, zip_plus_4: bool = False) -> list[str]:
    """`address`, for a loop where the guide requires one."""
    if where is None:
        raise ValueError(f"{path} is required")
    return address(where, path, zip_plus_4)
