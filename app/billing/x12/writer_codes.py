"""The medical codes an 837P carries, checked for shape before they are written.

Whether a code exists (an ICD-10-CM code, a CPT code) is the scrubber's question; here a code
only has to look like one, so that a dot or a stray space never reaches a payer.
"""

from __future__ import annotations

from app.billing.x12.segments import code

MAX_MODIFIERS = 4
_PROCEDURE = r"[A-Z0-9]{5}"  # CPT (99213) or HCPCS level II (J3301)
_MODIFIER = r"[A-Z0-9]{2}"
_DIAGNOSIS = r"[A-Z][0-9][0-9A-Z]{1,5}"  # ICD-10-CM without the dot: E119, S72001A
_PLACE_OF_SERVICE = r"[0-9]{2}"


def procedure(procedure_code: str, modifiers: tuple[str, ...], path: str) -> tuple[str, ...]:
    """The HC:code:modifiers composite of SV1 and SVD."""
    if len(modifiers) > MAX_MODIFIERS:
        raise ValueError(f"{path}.modifiers has {len(modifiers)}; a line takes at most 4")
    checked = code(procedure_code, f"{path}.procedure_code", _PROCEDURE, "a CPT/HCPCS code")
    return (
        "HC",
        checked,
        *(
            code(modifier, f"{path}.modifiers[{i}]", _MODIFIER, "a two-character modifier")
            for i, modifier in enumerate(modifiers)
        ),
    )


def diagnosis(value: str, path: str) -> str:
    """An ICD-10-CM code as HI carries it: upper case, no dot."""
    return code(value, path, _DIAGNOSIS, "an ICD-10-CM code without its dot")


def place_of_service(value: str, path: str) -> str:
    """A CMS place of service code (11 office, 02 telehealth...)."""
    return code(value, path, _PLACE_OF_SERVICE, "a two-digit place of service code")
