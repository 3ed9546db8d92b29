from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestrator.domain.iso6346 import check_digit, parse_container_number
from orchestrator.errors import InvalidContainerNumberError


def test_standard_example_is_valid() -> None:
    assert parse_container_number("CSQU3054383") == "CSQU3054383"
    assert parse_container_number("csqu 305438 3") == "CSQU3054383"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("MSCU1234560", "MSCU1234560: check digit is 0, expected 6"),
        ("MSCU123456", "has 11 characters"),
        ("M1CU1234566", "owner code 'M1C' must be 3 letters"),
        ("MSCX1234566", "category identifier 'X' must be U, J or Z"),
        ("MSCU12A4566", "serial '12A456' must be 6 digits"),
        ("MSCU123456X", "check digit 'X' must be a digit"),
    ],
)
def test_invalid_numbers_say_why(raw: str, message: str) -> None:
    with pytest.raises(InvalidContainerNumberError, match=message):
        parse_container_number(raw)


numbers = st.tuples(
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3),
    st.sampled_from("UJZ"),
    st.integers(0, 999_999),
)


@given(numbers)
def test_computed_check_digit_validates_and_any_other_digit_fails(
    parts: tuple[str, str, int],
) -> None:
    owner, cat, serial = parts
    base = f"{owner}{cat}{serial:06d}"
    digit = check_digit(base)
    assert parse_container_number(base + str(digit)) == base + str(digit)
    wrong = (digit + 1) % 10
    with pytest.raises(InvalidContainerNumberError, match=f"expected {digit}"):
        parse_container_number(base + str(wrong))
