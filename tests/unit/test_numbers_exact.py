"""`exact` is `check_precision` then `canonical`, in one pass."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.domain.numbers import canonical, check_precision, exact


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1E+3", "1000"), ("2.50", "2.5"), ("-0", "0"), ("0.0001", "0.0001"), ("120", "120"), ("7", "7")],
)
def test_exact_is_canonical(raw: str, expected: str) -> None:
    d = Decimal(raw)
    assert str(exact(d, raw)) == expected
    check_precision(d, raw)
    assert str(canonical(d)) == expected


@pytest.mark.parametrize("raw", ["0.00000000001", "1234567890123456789"])
def test_exact_refuses_what_check_precision_refuses(raw: str) -> None:
    with pytest.raises(ValueError) as by_check:
        check_precision(Decimal(raw), raw)
    with pytest.raises(ValueError) as by_exact:
        exact(Decimal(raw), raw)
    assert str(by_exact.value) == str(by_check.value)
    assert "cannot be stored exactly" in str(by_exact.value)
