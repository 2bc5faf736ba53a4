"""One claim as 837P loops: 2300 (CLM, REF*F8, HI), 2310B, 2320/2330 and its 2400 lines.

The guide's limits (12 diagnoses, 4 pointers per line, 50 lines, a payer claim number on a
replacement or void) are checked for the whole claim before any of it is written, so a claim
that a payer would reject never becomes half a file.
"""

from __future__ import annotations

from app.billing.x12.documents import ClaimDocument, Frequency, Party, ServiceLine
from app.billing.x12.segments import count, date8, money, segment, text
from app.billing.x12.writer_cob import check_balances, line_adjudications, other_payer_loops
from app.billing.x12.writer_codes import diagnosis, place_of_service, procedure
from app.billing.x12.writer_parties import provider_name, specialty

MAX_DIAGNOSES = 12
MAX_LINES = 50
MAX_POINTERS = 4
# What payers must keep and echo back in the 835 (CLP01, REF*6R): longer would come back cut
# and never match (the element allows 38 and 50; the guide's notes say 20 and 30 are kept).
CLAIM_CONTROL_LENGTH = 20
LINE_CONTROL_LENGTH = 30
_NEEDS_PAYER_CLAIM_NUMBER = (Frequency.REPLACEMENT, Frequency.VOID)


def claim_loops(claim: ClaimDocument, path: str) -> list[str]:
    """Every segment from CLM to the claim's last service line."""
    check_claim(claim, path)
    check_balances(claim, path)
    frequency = Frequency(claim.frequency)
    place = place_of_service(claim.place_of_service, f"{path}.place_of_service")
    segments = [
        segment(
            "CLM",
            text(claim.control_number, f"{path}.control_number", CLAIM_CONTROL_LENGTH),
            money(claim.total_cents),
            "",
            "",
            (place, "B", frequency.value),
            "Y",
            "A",
            "Y",
            "Y",
        )
    ]
    if claim.onset_date is not None:
        segments.append(segment("DTP", "431", "D8", date8(claim.onset_date)))
    if frequency in _NEEDS_PAYER_CLAIM_NUMBER:
        number = text(claim.payer_claim_number, f"{path}.payer_claim_number", 50)
        segments.append(segment("REF", "F8", number))
    codes = [diagnosis(value, f"{path}.diagnoses[{i}]") for i, value in enumerate(claim.diagnoses)]
    segments.append(segment("HI", ("ABK", codes[0]), *(("ABF", value) for value in codes[1:])))
    renderer = claim.rendering_provider
    if renderer is not None and renderer.identifier != claim.billing_provider.identifier:
        segments += _rendering(renderer, f"{path}.rendering_provider")
    segments += other_payer_loops(claim, path)
    for index, line in enumerate(claim.lines):
        segments += _line_loops(claim, line, index, f"{path}.lines[{index}]")
    return segments


def check_claim(claim: ClaimDocument, path: str) -> None:
    """Refuse a claim the guide cannot carry, naming the field (COB sums: check_balances)."""
    if not 1 <= len(claim.lines) <= MAX_LINES:
        raise ValueError(f"{path}.lines has {len(claim.lines)}; a claim takes 1 to {MAX_LINES}")
    if not 1 <= len(claim.diagnoses) <= MAX_DIAGNOSES:
        raise ValueError(
            f"{path}.diagnoses has {len(claim.diagnoses)}; a claim takes 1 to {MAX_DIAGNOSES}"
        )
    try:
        frequency = Frequency(claim.frequency)
    except ValueError:
        raise ValueError(f"{path}.frequency {claim.frequency!r} is not 1, 7 or 8") from None
    if frequency in _NEEDS_PAYER_CLAIM_NUMBER and not claim.payer_claim_number.strip():
        raise ValueError(
            f"{path}.payer_claim_number is required for frequency {frequency.value} "
            "(a replacement or void names the claim it replaces)"
        )
    seen: set[str] = set()
    for index, line in enumerate(claim.lines):
        line_path = f"{path}.lines[{index}]"
        if line.control_number in seen:
            raise ValueError(f"{line_path}.control_number {line.control_number!r} repeats")
        seen.add(line.control_number)
        if line.charge_cents < 0:
            raise ValueError(f"{line_path}.charge_cents must not be negative")
        _check_pointers(line.diagnosis_pointers, len(claim.diagnoses), line_path)


def _check_pointers(pointers: tuple[int, ...], diagnoses: int, path: str) -> None:
    """1 to 4 distinct pointers, each to one of the claim's diagnoses."""
    if not 1 <= len(pointers) <= MAX_POINTERS:
        raise ValueError(f"{path}.diagnosis_pointers has {len(pointers)}; a line takes 1 to 4")
    if len(set(pointers)) != len(pointers):
        raise ValueError(f"{path}.diagnosis_pointers repeats a pointer")
    for pointer in pointers:
        if type(pointer) is not int or not 1 <= pointer <= diagnoses:
            raise ValueError(
                f"{path}.diagnosis_pointers has {pointer!r}; the claim has {diagnoses} diagnoses"
            )


def _line_loops(claim: ClaimDocument, line: ServiceLine, index: int, path: str) -> list[str]:
    """2400 (LX, SV1, DTP*472, REF*6R), 2420A when the line's renderer differs, 2430s."""
    place = ""
    if line.place_of_service and line.place_of_service != claim.place_of_service:
        place = place_of_service(line.place_of_service, f"{path}.place_of_service")
    segments = [
        segment("LX", str(index + 1)),
        segment(
            "SV1",
            procedure(line.procedure_code, line.modifiers, path),
            money(line.charge_cents),
            "UN",
            count(line.units, f"{path}.units"),
            place,
            "",
            tuple(str(pointer) for pointer in line.diagnosis_pointers),
        ),
        segment("DTP", "472", "D8", date8(line.service_date)),
        segment(
            "REF", "6R", text(line.control_number, f"{path}.control_number", LINE_CONTROL_LENGTH)
        ),
    ]
    renderer = line.rendering_provider
    if renderer is not None and renderer.identifier != _claim_renderer(claim):
        segments += _rendering(renderer, f"{path}.rendering_provider")
    segments += line_adjudications(line.other_payers, path)
    return segments


def _claim_renderer(claim: ClaimDocument) -> str:
    """The NPI of whoever rendered the claim's services: 2310B's, else the billing provider's.

    The guide sends 2310B only when it differs from the billing provider, and 2420A only when
    a line's renderer differs from the claim's; a provider is the same one when the NPI is.
    """
    provider = claim.rendering_provider or claim.billing_provider
    return provider.identifier


def _rendering(provider: Party, path: str) -> list[str]:
    """2310B or 2420A: the rendering provider (NM1*82) and its taxonomy (PRV*PE)."""
    return [provider_name("82", provider, path), *specialty("PE", provider, path)]
