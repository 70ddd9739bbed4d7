"""The audit text of a data value written directly is the text `dumps` writes for the same state."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.services.audit import dumps, value_state


@pytest.mark.parametrize(
    "value",
    [
        Decimal("0"),
        Decimal("1000"),
        Decimal("62.2"),
        Decimal("0.0001"),
        Decimal("123456789012345"),
        Decimal("12345.6789"),
        Decimal("0.0000000001"),
        Decimal("98765432101.2345"),
        Decimal("1E+15"),
        "yes",
        "国家级",
        'a "quoted" \\ text\n',
        "true",
    ],
)
@pytest.mark.parametrize("comment", [None, "", "来源：统计局", 'say "hi"\t\u2028'])
def test_value_state_is_dumps(value: object, comment: str | None) -> None:
    assert value_state(value, comment) == dumps({"value": value, "comment": comment})


def test_value_state_literal() -> None:
    # written out by hand: keys sorted, a whole Decimal as a JSON integer, text not escaped to ASCII
    assert value_state(Decimal("12.50"), "备注") == '{"comment": "备注", "value": 12.5}'
    assert value_state(Decimal("3E+2"), None) == '{"comment": null, "value": 300}'


@settings(max_examples=2000, deadline=None)
@given(
    st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False),
        st.builds(
            lambda sign, digits, exponent: Decimal((sign, tuple(digits), exponent)),
            st.integers(0, 1),
            st.lists(st.integers(0, 9), min_size=1, max_size=20),
            st.integers(-400, 400),
        ),
    ),
    st.one_of(st.none(), st.text(max_size=5)),
)
def test_value_state_is_dumps_for_any_decimal(value: Decimal, comment: str | None) -> None:
    assert value_state(value, comment) == dumps({"value": value, "comment": comment})
