"""The 835 reader: every guide sample reads and reconciles, exact values, refusals, reversals."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from app.billing.x12.remittance import (
    CasAdjustment,
    Procedure,
    ProviderAdjustment,
    RemittancePerson,
    read_remittance,
    read_remittances,
    reconciles,
    unbalanced_cents,
)
from app.billing.x12.remittance_segments import InvalidX12File
from tests.fixtures.edi import sample_files

SAMPLES = sample_files("X221-")


def _sample(name: str) -> str:
    return sample_files(f"X221-{name}")[0].read_text()


def _edit(text: str, *replacements: tuple[str, str]) -> str:
    """Apply exact replacements, then recount SE01 so only the intended change is wrong."""
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    segments = text.split("~")
    start = next(i for i, s in enumerate(segments) if s.strip().startswith("ST*"))
    end = next(i for i, s in enumerate(segments) if s.strip().startswith("SE*"))
    count = end - start + 1
    segments[end] = re.sub(r"SE\*\d+\*", f"SE*{count}*", segments[end])
    return "~".join(segments)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda path: path.name)
def test_every_guide_sample_reads_and_reconciles(path) -> None:
    remittance = read_remittance(path.read_text())
    assert remittance.claims
    assert reconciles(remittance)


def test_multiple_claims_single_check_exact_values() -> None:
    remittance = read_remittance(_sample("multiple-claims-single-check"))
    assert remittance.payment_cents == 81080  # BPR02 810.8
    assert (remittance.payment_method, remittance.payment_date) == ("CHK", dt.date(2014, 3, 31))
    assert (remittance.trace_number, remittance.trace_originator) == ("12345", "1512345678")
    assert (remittance.payer_name, remittance.payer_id) == ("DENTAL OF ABC", "1512345678")
    assert (remittance.payee_id_qualifier, remittance.payee_id) == ("FI", "999994703")
    assert len(remittance.claims) == 9
    claim = remittance.claims[3]  # CLP*7722337*1*1145*14*902*12*119932404007801
    assert (claim.patient_control_number, claim.status) == ("7722337", "1")
    assert (claim.charge_cents, claim.paid_cents, claim.patient_responsibility_cents) == (
        114500,
        1400,
        90200,
    )
    assert (claim.filing_indicator, claim.payer_claim_control_number) == ("12", "119932404007801")
    assert claim.patient == RemittancePerson("SMITH", "SAM", "MI", "SJD11116")
    line = claim.lines[1]  # SVC*AD:D2790*940*0, CAS*PR*3*756, CAS*CO*131*184
    assert line.procedure == Procedure("AD", "D2790", ())
    assert (line.charge_cents, line.paid_cents, line.units) == (94000, 0, Decimal(1))
    assert line.service_from == line.service_to == dt.date(2014, 3, 24)
    assert line.adjustments == (
        CasAdjustment("PR", "3", 75600, None),
        CasAdjustment("CO", "131", 18400, None),
    )
    assert remittance.claims[1].subscriber == RemittancePerson("DOE", "JOHN", "MI", "123456")


def test_plb_moa_and_ref_2u_in_dollars_and_data_together() -> None:
    remittance = read_remittance(_sample("dollars-and-data-sent-together"))
    assert remittance.payment_cents == 15000000
    assert remittance.payer_id == "999"  # REF*2U, not TRN03
    # PLB*6543210903*20021231*CV:CP*-1.27: negative, so it adds to the payment
    assert remittance.provider_adjustments == (
        ProviderAdjustment("6543210903", dt.date(2002, 12, 31), "CV", "CP", -127),
    )
    assert sum(claim.paid_cents for claim in remittance.claims) == 15000000 - 127
    assert remittance.claims[1].remark_codes == ("MA02",)
    assert remittance.claims[0].statement_from == dt.date(2002, 8, 16)


def test_multi_triple_cas_modifiers_and_negative_adjustments() -> None:
    line = read_remittance(_sample("secondary-payments")).claims[1].lines[1]
    assert line.procedure == Procedure("HC", "66543", ("26",))
    assert line.allowed_cents == 50000
    assert line.adjustments == (  # CAS*PR*1*150**2*70, CAS*CO*42*85
        CasAdjustment("PR", "1", 15000, None),
        CasAdjustment("PR", "2", 7000, None),
        CasAdjustment("CO", "42", 8500, None),
    )
    other = read_remittance(_sample("secondary-payment-with-higher-fee-schedule"))
    assert other.claims[0].lines[0].adjustments[1] == CasAdjustment("OA", "94", -900, None)


def test_line_control_number_original_code_and_rarcs() -> None:
    """No sample returns REF*6R, SVC06 or LQ*HE, so this variant adds them."""
    text = _edit(
        _sample("secondary-payment-with-higher-fee-schedule"),
        ("SVC*HC:55669*541*34**1", "SVC*HC:55669:LT*541*34**2.5*HC:55670:59:RT"),
        ("REF*1B*44280", "REF*6R*LINE0001~REF*1B*44280"),
        ("AMT*B6*550", "AMT*B6*550~LQ*HE*N130~LQ*HE*M20"),
    )
    line = read_remittance(text).claims[0].lines[0]
    assert line.line_control_number == "LINE0001"
    assert line.procedure == Procedure("HC", "55669", ("LT",))
    assert line.submitted_procedure == Procedure("HC", "55670", ("59", "RT"))
    assert line.units == Decimal("2.5")
    assert line.remark_codes == ("N130", "M20")


def test_reversal_keeps_negative_amounts_and_reconciles() -> None:
    text = _edit(
        _sample("dollars-and-data-sent-separate"),
        ("BPR*I*945*", "BPR*I*45*"),
        ("CLP*5554555444*1*800*450*300", "CLP*5554555444*22*-800*-450*-300"),
        ("CAS*CO*A2*50", "CAS*CO*A2*-50"),
        ("SVC*HC:99211*800*500", "SVC*HC:99211*-800*-500"),
        ("CAS*PR*1*300", "CAS*PR*1*-300"),
    )
    remittance = read_remittance(text)
    reversal = remittance.claims[0]
    assert reversal.status == "22"
    assert (reversal.charge_cents, reversal.paid_cents) == (-80000, -45000)
    assert reversal.patient_responsibility_cents == -30000
    assert reversal.adjustments == (CasAdjustment("CO", "A2", -5000, None),)
    assert reversal.lines[0].paid_cents == -50000
    assert reversal.lines[0].adjustments == (CasAdjustment("PR", "1", -30000, None),)
    assert reconciles(remittance)  # -450 + 495 = 45


def test_denial_pays_nothing_and_carries_its_reason() -> None:
    text = _edit(
        _sample("dollars-and-data-sent-separate"),
        ("BPR*I*945*", "BPR*I*450*"),
        ("CLP*8765432112*1*1200*495*600", "CLP*8765432112*4*1200*0*0"),
        ("CAS*CO*A2*55~", ""),
        ("SVC*HC:93555*1200*550", "SVC*HC:93555*1200*0"),
        ("CAS*PR*1*600~", ""),
        ("CAS*CO*45*50", "CAS*CO*50*1200"),
    )
    remittance = read_remittance(text)
    denial = remittance.claims[1]
    assert (denial.status, denial.paid_cents, denial.patient_responsibility_cents) == ("4", 0, 0)
    assert denial.lines[0].adjustments == (CasAdjustment("CO", "50", 120000, None),)
    assert reconciles(remittance)


def test_a_corrupted_cas_group_code_is_refused_with_pyx12_problems() -> None:
    text = _sample("multiple-claims-single-check").replace("CAS*PR", "CAS*ZZ", 1)
    with pytest.raises(InvalidX12File) as refused:
        read_remittance(text)
    assert [problem.segment for problem in refused.value.problems] == ["CAS"]
    assert "CAS*ZZ" in refused.value.problems[0].message


def test_a_missing_required_segment_is_refused_with_pyx12_problems() -> None:
    text = _edit(_sample("era-sample"), ("TRN*1*12345*1512345678~", ""))
    with pytest.raises(InvalidX12File) as refused:
        read_remittance(text)
    assert any("TRN" in problem.message for problem in refused.value.problems)


def test_an_unbalanced_total_does_not_reconcile() -> None:
    text = _sample("multiple-claims-single-check").replace("BPR*I*810.8*", "BPR*I*810.81*")
    remittance = read_remittance(text)
    assert not reconciles(remittance)
    assert unbalanced_cents(remittance) == -1


def test_fractions_of_a_cent_are_refused_not_rounded() -> None:
    text = _sample("era-sample").replace("BPR*I*132*", "BPR*I*132.001*")
    with pytest.raises(InvalidX12File) as refused:
        read_remittance(text)
    assert [(p.segment, p.code) for p in refused.value.problems] == [("BPR", "amount")]


def test_an_837_is_not_read_as_a_remittance() -> None:
    with pytest.raises(InvalidX12File) as refused:
        read_remittance(sample_files("X222-")[0].read_text())
    assert refused.value.problems[0].code == "wrong_version"


def test_several_transactions_give_one_remittance_each() -> None:
    text = _sample("dollars-and-data-sent-separate")
    start, end = text.index("ST*835*112233"), text.index("GE*1*")
    second = text[start:end].replace("112233", "112234").replace("71700666555", "71700666556")
    both = text[:end] + second + text[end:].replace("GE*1*", "GE*2*", 1)
    remittances = read_remittances(both)
    assert [r.control_number for r in remittances] == ["112233", "112234"]
    assert [r.trace_number for r in remittances] == ["71700666555", "71700666556"]
    with pytest.raises(InvalidX12File):
        read_remittance(both)


def test_guide_samples_reuse_trace_numbers_and_patient_control_numbers() -> None:
    """What the importer must not assume: three different samples share TRN02/TRN03, and one
    file repeats the same CLP01 and CLP07 on all nine claims."""
    keys = {
        path.name: (remittance.trace_originator, remittance.trace_number)
        for path in SAMPLES
        for remittance in read_remittances(path.read_text())
    }
    shared = [name for name, key in keys.items() if key == ("1512345678", "12345")]
    assert len(shared) == 3
    claims = read_remittance(_sample("multiple-claims-single-check")).claims
    assert {(c.patient_control_number, c.payer_claim_control_number) for c in claims} == {
        ("7722337", "119932404007801")
    }
