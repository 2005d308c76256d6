"""ISO 11649 creditor references: the standard's example, and every reference we make reads back."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payments.creditor_reference import creditor_reference, parse_creditor_reference
from payments.iban import IBAN_INPUT_MAX_LENGTH, IBAN_MAX_LENGTH, grouped, normalise_iban

PARTS = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=21)


def test_the_standards_example():
    assert creditor_reference("539007547034") == "RF18539007547034"
    assert parse_creditor_reference("RF18 5390 0754 7034") == "539007547034"
    assert parse_creditor_reference("rf18539007547034") == "539007547034"


@pytest.mark.parametrize(
    "value",
    ["", None, "RF19539007547034", "RF18539007547035", "XX18539007547034", "RF18", "RF1A5390", "RF18" + "1" * 22],
)
def test_wrong_references_are_refused(value):
    assert parse_creditor_reference(value) is None


@pytest.mark.parametrize("part", ["", "A" * 22, "ÉTÉ", "12-34"])
def test_only_1_to_21_letters_or_digits_make_a_reference(part):
    with pytest.raises(ValueError):
        creditor_reference(part)


@given(PARTS)
def test_every_reference_reads_back_whatever_its_spacing_or_case(part):
    reference = creditor_reference(part)
    assert reference.startswith("RF") and len(reference) == len(part) + 4
    assert parse_creditor_reference(reference) == part
    assert parse_creditor_reference(grouped(reference).lower()) == part


@given(st.text(alphabet="0123456789", min_size=1, max_size=21), st.integers(min_value=2), st.sampled_from("0123456789"))
def test_one_mistyped_digit_is_caught(part, position, replacement):
    """ISO 7064 mod 97-10 catches every single-digit substitution (our references are digits; a letter is two)."""
    reference = creditor_reference(part)
    position = 2 + (position - 2) % (len(reference) - 2)
    changed = reference[:position] + replacement + reference[position + 1 :]
    if changed != reference:
        assert parse_creditor_reference(changed) is None


def test_one_iban_length_for_storage_and_one_for_input():
    longest = "MT84MALT011000012345MTLCAST001S"  # 31 characters, printed in groups of four
    assert normalise_iban(grouped(longest)) == longest
    assert IBAN_MAX_LENGTH == 34 and len(grouped("X" * IBAN_MAX_LENGTH)) == IBAN_INPUT_MAX_LENGTH
