from __future__ import annotations

import pytest

from orchestrator.domain.seals import Seal, SealClass
from orchestrator.errors import InvalidSealError


def test_seal_defaults_to_high_security() -> None:
    assert Seal("EZ-20260001").seal_class is SealClass.HIGH_SECURITY
    assert Seal.parse("CN12345678", "s").seal_class is SealClass.SECURITY


@pytest.mark.parametrize("bad", ["", "ab-1234", "EZ-", "12", "EZ 12345", "X" * 21 + "1234"])
def test_malformed_seal_numbers_are_rejected(bad: str) -> None:
    with pytest.raises(InvalidSealError, match="seal number"):
        Seal(bad)


def test_unknown_seal_class_names_iso_17712() -> None:
    with pytest.raises(InvalidSealError, match="must be I, S or H"):
        Seal.parse("EZ-20260001", "Q")
