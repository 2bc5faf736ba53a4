"""Luhn check digits, NPIs and MRNs (app.identifiers), without a database."""

import pytest

from app.identifiers import luhn_check_digit, mrn_for, mrn_is_valid, npi_is_valid

# NPIs in the real format: 10 digits, the first 1 or 2 as issued NPIs have, the last the Luhn
# check digit of '80840' + the first nine (checked by hand with the method of CMS's worked
# example, which is 1234567893); 2999999990 has a check digit of 0.
VALID_NPIS = ("1234567893", "1000000004", "1749025635", "1623000019", "2999999990")


def test_the_check_digit_completes_the_textbook_luhn_number():
    # given the digits of the textbook example 79927398713 without its last digit
    # when / then its check digit is 3
    assert luhn_check_digit("7992739871") == 3


def test_the_check_digit_of_the_cms_npi_example_is_3():
    # given the CMS example NPI 123456789x, checked under the prefix 80840
    # when / then the check digit is the 3 CMS computes by hand (sum 67, next ten 70)
    assert luhn_check_digit("80840" + "123456789") == 3


def test_a_check_digit_that_completes_a_multiple_of_ten_is_zero():
    # given digits whose Luhn sum is already a multiple of ten
    # when / then the check digit is 0, not 10
    assert luhn_check_digit("80840" + "299999999") == 0


@pytest.mark.parametrize("npi", VALID_NPIS)
def test_npis_in_the_real_format_are_valid(npi):
    assert npi_is_valid(npi)


def test_an_npi_with_any_other_last_digit_is_invalid():
    # given the CMS example with each wrong check digit
    wrong = [f"123456789{d}" for d in range(10) if d != 3]
    # when / then none is valid
    assert [npi for npi in wrong if npi_is_valid(npi)] == []


def test_swapping_two_adjacent_digits_of_an_npi_makes_it_invalid():
    # given 1234567893 with its first two digits swapped
    # when / then the check digit no longer fits
    assert not npi_is_valid("2134567893")


@pytest.mark.parametrize(
    "npi",
    [
        "",
        "123456789",  # nine digits
        "12345678930",  # eleven digits
        " 234567893",
        "1234-67893",
        "123456789O",  # a letter O
        "١٢٣٤٥٦٧٨٩٣",  # Arabic-Indic digits: str.isdigit() but not an NPI
        "123456789²",  # a superscript two: str.isdigit() but int() refuses it
    ],
)
def test_npis_of_the_wrong_length_or_with_anything_but_ascii_digits_are_invalid(npi):
    assert npi_is_valid(npi) is False


def test_an_mrn_is_the_sequence_number_in_seven_digits_and_its_check_digit():
    # when the MRNs of some sequence numbers are made
    made = [mrn_for(n) for n in (0, 1, 42, 1_234_567, 1_984_030, 9_999_999)]
    # then each is zero-padded to seven digits and followed by the Luhn check digit
    assert made == ["00000000", "00000018", "00000422", "12345674", "19840305", "99999997"]


def test_every_mrn_made_is_valid():
    assert all(mrn_is_valid(mrn_for(n)) for n in range(0, 10_000_000, 99_991))


@pytest.mark.parametrize("sequence", [-1, 10_000_000])
def test_a_sequence_number_that_does_not_fit_seven_digits_makes_no_mrn(sequence):
    with pytest.raises(ValueError, match="from 0 to 9999999"):
        mrn_for(sequence)


@pytest.mark.parametrize(
    "mrn",
    [
        "00000017",  # wrong check digit
        "19840350",  # the last two digits swapped
        "0000018",  # seven characters
        "000000018",  # nine
        "S0000001",  # the form the bulk-seeded test patients use
        "1984030\uff15",  # a full-width five
        "",
    ],
)
def test_malformed_mrns_are_invalid(mrn):
    assert mrn_is_valid(mrn) is False
