"""`write_837p`: an Interchange (documents.py) as the text of one 837P 005010X222A1 file.

Pure: no database, no clock, no I/O, so the same Interchange always gives the same text and a
batch can be written again for download. Whatever the guide cannot carry (a 13th diagnosis, a
delimiter in a name, COB figures that do not add up, a replacement without the payer's claim
number) raises ValueError naming the field, e.g. `claims[2].lines[0].modifiers`, before any text
is returned. The output passes pyx12 (validation.py); a caller still validates what leaves.

Hierarchy: one 2000A per billing provider (claims grouped in order of first appearance), one
2000B per claim under it (subscriber and payer), and a 2000C under that when the patient is not
the subscriber; each claim's 2300 hangs from its lowest level.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.billing.x12.documents import ClaimDocument, Interchange, Party
from app.billing.x12.envelope import close_envelope, open_envelope, transaction_header
from app.billing.x12.segments import code, digits, optional_text, segment
from app.billing.x12.writer_claim import claim_loops
from app.billing.x12.writer_cob import RESPONSIBILITY, filing_indicator
from app.billing.x12.writer_parties import (
    demographics,
    payer_name,
    person_name,
    provider_name,
    required_address,
    specialty,
)

MAX_CLAIMS = 5000  # CLMs per transaction set, as the guide recommends: split bigger batches
SELF = "18"  # the individual relationship code of a patient who is the subscriber
_PATIENT_RELATIONSHIP = "01|19|20|21|39|40|53|G8"  # PAT01: spouse, child, employee...
_MEDICARE_SECONDARY_TYPES = "12|13|14|15|16|41|42|43|47"  # SBR05: why Medicare pays second


def write_837p(interchange: Interchange) -> str:
    """The whole file: ISA/GS/ST, header, every claim's loops, SE/GE/IEA."""
    if not 1 <= len(interchange.claims) <= MAX_CLAIMS:
        raise ValueError(f"claims has {len(interchange.claims)}; an 837P carries 1 to {MAX_CLAIMS}")
    envelope = open_envelope(interchange)
    transaction = transaction_header(interchange) + _hierarchy(interchange.claims)
    closing = close_envelope(interchange, transaction_segments=len(transaction) + 1)
    return "".join(envelope + transaction + closing)


def _hierarchy(claims: Sequence[ClaimDocument]) -> list[str]:
    """The HL tree, numbered in file order, each level naming its parent."""
    by_provider: dict[Party, list[int]] = {}
    for index, claim in enumerate(claims):
        by_provider.setdefault(claim.billing_provider, []).append(index)
    segments: list[str] = []
    number = 0
    for provider, indexes in by_provider.items():
        number += 1
        provider_number = number
        segments += _billing_provider(provider, number, f"claims[{indexes[0]}].billing_provider")
        for index in indexes:
            claim, path = claims[index], f"claims[{index}]"
            number += 1
            subscriber_number = number
            segments += _subscriber(claim, number, provider_number, path)
            if claim.relationship != SELF:
                number += 1
                segments += _patient(claim, number, subscriber_number, path)
            segments += claim_loops(claim, path)
    return segments


def _billing_provider(provider: Party, number: int, path: str) -> list[str]:
    """2000A/2010AA: HL, PRV, NM1*85, N3/N4 with ZIP+4, REF*EI, and PER when given."""
    segments = [
        segment("HL", str(number), "", "20", "1"),
        *specialty("BI", provider, path),
        provider_name("85", provider, path),
        *required_address(provider.address, f"{path}.address", zip_plus_4=True),
        segment("REF", "EI", digits(provider.tax_id, f"{path}.tax_id", (9,), "a 9-digit EIN")),
    ]
    if provider.contact_phone.strip():
        segments.append(
            segment(
                "PER",
                "IC",
                optional_text(provider.contact_name, f"{path}.contact_name", 60),
                "TE",
                digits(provider.contact_phone, f"{path}.contact_phone", (10,), "a 10-digit phone"),
            )
        )
    return segments


def _subscriber(claim: ClaimDocument, number: int, parent: int, path: str) -> list[str]:
    """2000B/2010BA/2010BB: HL, SBR, the subscriber (NM1*IL), the payer (NM1*PR).

    N3/N4 and DMG are sent here only when the subscriber is the patient; otherwise the guide
    says not to send them (X12 RFI 2281): the 2000C carries the patient's.
    """
    is_patient = claim.relationship == SELF
    subscriber, subscriber_path = claim.subscriber, f"{path}.subscriber"
    segments = [
        segment("HL", str(number), str(parent), "22", "0" if is_patient else "1"),
        segment(
            "SBR",
            code(claim.responsibility, f"{path}.responsibility", RESPONSIBILITY, "P, S or T"),
            SELF if is_patient else "",
            optional_text(claim.group_number, f"{path}.group_number", 50),
            "",
            _insurance_type(claim, path),
            "",
            "",
            "",
            filing_indicator(claim.payer.filing_indicator, f"{path}.payer"),
        ),
        person_name("IL", subscriber, subscriber_path, member_id=True),
    ]
    if is_patient:
        segments += required_address(subscriber.address, f"{subscriber_path}.address")
        segments.append(demographics(subscriber, subscriber_path))
    return segments + payer_name(claim.payer, f"{path}.payer")


def _patient(claim: ClaimDocument, number: int, parent: int, path: str) -> list[str]:
    """2000C/2010CA: HL, PAT (relationship), NM1*QC, N3/N4 and DMG, all required."""
    relationship = code(
        claim.relationship, f"{path}.relationship", _PATIENT_RELATIONSHIP, "a relationship code"
    )
    patient_path = f"{path}.patient"
    return [
        segment("HL", str(number), str(parent), "23", "0"),
        segment("PAT", relationship),
        person_name("QC", claim.patient, patient_path, member_id=False),
        *required_address(claim.patient.address, f"{patient_path}.address"),
        demographics(claim.patient, patient_path),
    ]


def _insurance_type(claim: ClaimDocument, path: str) -> str:
    """SBR05: why Medicare is secondary (12 working aged, 47 other liability...), when it is."""
    if not claim.insurance_type:
        return ""
    return code(
        claim.insurance_type, f"{path}.insurance_type", _MEDICARE_SECONDARY_TYPES, "an SBR05 code"
    )
