"""The quick paths of `Element.parse` and `numbers.exact` answer as the long ones did.

`exact` takes a value that is canonical already as it is, and `parse` reads a finite Decimal
without copying it; the references below are the code they replaced (`parse` as it was,
`check_precision` then `canonical`, which still walk the digits), compared on every kind of
element and on any input: the same value with the same digits and exponent, or the same error.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.domain.elements import (
    NUMBER_LIMIT,
    Choice,
    Element,
    ElementKind,
    Value,
    _to_decimal,
    accepted,
    resolve_code,
)
from app.domain.numbers import ZERO, canonical, check_precision, exact, plain


def reference_exact(x: Decimal, received: object) -> Decimal:
    check_precision(x, received)
    return canonical(x)


def reference_parse(el: Element, raw: object) -> Value:
    """`Element.parse` before the quick paths (its code as it was, with `exact` as its
    reference)."""
    if el.kind is ElementKind.BOOLEAN:
        if not isinstance(raw, bool):
            raise ValueError("must be true or false")
        return raw
    if el.kind is ElementKind.CHOICE:
        code = resolve_code(el.choices, raw)
        if code is None:
            if not isinstance(raw, str):
                raise ValueError(f"must be one of {accepted(el.choices)}")
            raise ValueError(f"unknown choice {raw!r}; expected one of {accepted(el.choices)}")
        return code
    number = _to_decimal(raw)
    if number < ZERO:
        raise ValueError("must not be negative")
    if el.kind is ElementKind.PERCENT and number > 100:
        raise ValueError("is a percentage and must not exceed 100")
    if el.kind is ElementKind.COUNT and number != number.to_integral_value():
        raise ValueError("must be a whole number")
    if el.kind is ElementKind.ASSESSED:
        lo = el.minimum if el.minimum is not None else ZERO
        hi = el.maximum if el.maximum is not None else NUMBER_LIMIT
        if not lo <= number <= hi:
            raise ValueError(f"is an assessed score and must lie between {lo} and {hi}")
    if number > NUMBER_LIMIT:
        raise ValueError(f"must not exceed {plain(NUMBER_LIMIT)}")
    number = reference_exact(number, raw)
    if el.denominator_of and number == ZERO:
        raise ValueError(f"must be greater than 0: it is the denominator of {', '.join(el.denominator_of)}")
    if el.kind is ElementKind.COUNT:
        return number.quantize(Decimal(1))
    return number


def _outcome(f: Any, *args: Any) -> tuple[str, Any]:
    """What a call gives, comparable exactly: a Decimal by its digits and exponent (2.5 and 2.50
    are equal Decimals but not the same stored text), anything else with its type, or the error."""
    try:
        v = f(*args)
    except ValueError as exc:
        return ("error", str(exc))
    if isinstance(v, Decimal):
        return ("Decimal", v.as_tuple())
    return (type(v).__name__, v)


#: decimals of any sign, up to 20 digits and any exponent near the limits (zeros, trailing zeros,
#: exponents above 0, minus zero), and the non-finite ones
decimals = st.one_of(
    st.builds(
        lambda sign, digits, exponent: Decimal((sign, tuple(digits), exponent)),
        st.integers(0, 1),
        st.lists(st.integers(0, 9), min_size=1, max_size=20),
        st.integers(-14, 14),
    ),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from([Decimal("NaN"), Decimal("-Infinity"), Decimal("sNaN"), Decimal("-0"), Decimal("0E-12")]),
)
raws = st.one_of(
    decimals,
    st.integers(-(10**16), 10**16),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.text(max_size=8),
    st.sampled_from([None, [], {}, "12", "1,000", "12%", "national"]),
)
CHOICES = (Choice("national", "国家级", "National"), Choice("none", "无", "None", aliases=("没有",)))
ELEMENTS = [
    Element("n", "数", "Number", "万元", ElementKind.NUMBER, "d"),
    Element("d", "分母", "Denominator", "人", ElementKind.NUMBER, "d", denominator_of=("r1", "r2")),
    Element("p", "百分比", "Percent", "%", ElementKind.PERCENT, "d"),
    Element("c", "个数", "Count", "个", ElementKind.COUNT, "d"),
    Element("cd", "个数", "Count", "个", ElementKind.COUNT, "d", denominator_of=("r",)),
    Element("a", "评分", "Assessed", "分", ElementKind.ASSESSED, "d", minimum=Decimal(0), maximum=Decimal(5)),
    Element("a2", "评分", "Assessed", "分", ElementKind.ASSESSED, "d", minimum=Decimal("0.5")),
    Element("b", "是否", "Flag", "", ElementKind.BOOLEAN, "d"),
    Element("ch", "选择", "Choice", "", ElementKind.CHOICE, "d", choices=CHOICES),
]


@settings(max_examples=3000, deadline=None)
@given(decimals)
@example(Decimal("1350.67"))
@example(Decimal("1000"))
@example(Decimal("1E+3"))
@example(Decimal("2.50"))
@example(Decimal("-0"))
@example(Decimal("-0.00"))
@example(Decimal("0.0000000001"))
@example(Decimal("0.00000000001"))
@example(Decimal("123456789012345"))
@example(Decimal("1234567890123456"))
@example(Decimal("1234567890123450"))
@example(Decimal("-12.5"))
def test_exact_answers_as_check_precision_then_canonical(x: Decimal) -> None:
    if not x.is_finite():
        return  # finite values only, as before
    assert _outcome(exact, x, x) == _outcome(reference_exact, x, x)


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(ELEMENTS), raws)
@example(ELEMENTS[0], Decimal("1350.67"))
@example(ELEMENTS[3], Decimal("35"))
@example(ELEMENTS[3], Decimal("35.0"))
@example(ELEMENTS[3], Decimal("3.5E+1"))
@example(ELEMENTS[4], Decimal("0.00"))
@example(ELEMENTS[1], Decimal("-0"))
@example(ELEMENTS[2], Decimal("100.000"))
@example(ELEMENTS[5], Decimal("5.00"))
@example(ELEMENTS[0], Decimal("1000000000000.0"))
@example(ELEMENTS[0], Decimal("1000000000000.5"))
@example(ELEMENTS[0], Decimal("NaN"))
@example(ELEMENTS[0], True)
@example(ELEMENTS[0], 12)
@example(ELEMENTS[0], 0.1)
def test_parse_answers_as_before(el: Element, raw: object) -> None:
    assert _outcome(el.parse, raw) == _outcome(reference_parse, el, raw)
