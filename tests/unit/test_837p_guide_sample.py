"""Our 837P has the guide's own shape: the commercial-insurance example (badx12's copy of the
implementation guide's sample), rewritten from an Interchange, gives the same segments in the
same order, apart from what we choose not to send and the lines' control numbers we add.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from app.billing.x12.documents import Payer
from app.billing.x12.validation import validate
from app.billing.x12.writer import write_837p
from tests.fixtures.edi import sample_files
from tests.unit.test_837p_samples import PRACTICE, TED, claim, interchange, line, segments_of

# In the sample, not sent by us: a pay-to address (NM1*87 and its N3/N4), the payer's own id for
# the provider (REF*G2), a clearinghouse trace (REF*D9), and the subscriber's DMG for a patient
# who is not the subscriber (the guide says not to send it, X12 RFI 2281).
_SAMPLE_ONLY = {"NM1*87", "REF*G2", "REF*D9"}
_OURS_ONLY = {"REF*6R"}


def keys(segments: list[list[str]], leave_out: set[str]) -> list[str]:
    """Each segment as its tag, with the qualifier that tells its loop for NM1, REF, DTP, HL."""
    found: list[str] = []
    skipping_pay_to = False
    for segment in segments:
        tag = segment[0]
        key = f"{tag}*{segment[3] if tag == 'HL' else segment[1]}"
        key = key if tag in ("NM1", "REF", "DTP", "HL") else tag
        if key in leave_out:
            skipping_pay_to = key == "NM1*87"
            continue
        if skipping_pay_to and tag in ("N3", "N4"):
            continue
        skipping_pay_to = False
        if tag == "DMG" and found[-1] == "NM1*IL":
            continue
        found.append(key)
    return found


def test_the_commercial_health_insurance_example_has_our_shape() -> None:
    [path] = sample_files("X222-commercial-health-insurance")
    sample = segments_of(path.read_text().strip())
    served_3, served_10 = dt.date(2006, 10, 3), dt.date(2006, 10, 10)
    document = claim(
        payer=Payer("Key Insurance Company", "999996666", "CI"),
        relationship="19",
        patient=TED,
        billing_provider=replace(PRACTICE, contact_phone=""),
        rendering_provider=None,
        diagnoses=("J020", "Z0000"),
        lines=(
            line(1, charge_cents=4000, service_date=served_3),
            line(2, procedure_code="87070", charge_cents=1500, service_date=served_3),
            line(3, procedure_code="99214", charge_cents=3500, service_date=served_10,
                 diagnosis_pointers=(2,)),
            line(4, procedure_code="86663", charge_cents=1000, service_date=served_10,
                 diagnosis_pointers=(2,)),
        ),
    )  # fmt: skip
    text = write_837p(interchange(document))
    assert validate(text) == []
    ours = segments_of(text)
    assert keys(ours, _OURS_ONLY) == keys(sample, _SAMPLE_ONLY)
    assert [s[1:] for s in ours if s[0] == "SV1"] == [s[1:] for s in sample if s[0] == "SV1"]
    assert next(s for s in ours if s[0] == "CLM")[2] == "100"  # as the sample's CLM02
