"""Exact decimal helpers and the one Decimal-to-JSON conversion of the domain."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

SCORE_QUANTUM = Decimal("0.01")
VALUE_QUANTUM = Decimal("0.0001")
ZERO = Decimal(0)
ONE = Decimal(1)

#: Digits a stored value may carry: the database column holds 10 after the decimal point
#: (NUMERIC(30, 10)), and a value read back travels as a JSON number, exact to 15 significant
#: digits. A value with more is refused rather than silently rounded.
MAX_DECIMAL_PLACES = 10
MAX_SIGNIFICANT_DIGITS = 15
PRECISION_RULE = (
    f"at most {MAX_DECIMAL_PLACES} digits after the decimal point "
    f"and {MAX_SIGNIFICANT_DIGITS} significant digits"
)


def round_score(x: Decimal) -> Decimal:
    """Round a score half-up to 2 decimals, as the province's table is read."""
    return x.quantize(SCORE_QUANTUM, rounding=ROUND_HALF_UP)


def round_value(x: Decimal) -> Decimal:
    """Round a scored value (a ratio) half-up to 4 decimals for display only."""
    return x.quantize(VALUE_QUANTUM, rounding=ROUND_HALF_UP)


def json_number(x: Decimal | float | int) -> int | float:
    """The one JSON form of a number in every answer: a whole number is a JSON integer (100,
    never 100.0 or 1E+2), any other number the shortest decimal that reads back as it (62.2).

    Decimals are expected rounded already: one of at most 15 significant digits survives the
    trip through a binary float, whose shortest repr is the same digits, so `json.dumps` writes
    exactly what was computed. Floats (statistics) keep their value; non-finite ones pass
    through for the caller to turn into null.
    """
    if isinstance(x, int):  # bool included: it is no number, and stays what it is
        return x
    if isinstance(x, float):
        return int(x) if math.isfinite(x) and x.is_integer() else x
    if x == x.to_integral_value():
        return int(x)
    return float(x)


def _stripped(x: Decimal) -> tuple[int, tuple[int, ...], int]:
    """Sign, digits and exponent of a finite `x` without trailing zeros, computed without a
    decimal context (which would round a long value to its precision first)."""
    sign, digits, exponent = x.as_tuple()
    assert isinstance(exponent, int), "finite values only"
    n = len(digits)
    while n > 1 and digits[n - 1] == 0:
        n -= 1
        exponent += 1
    if digits[:n] == (0,):
        return 0, (0,), 0
    return sign, tuple(digits[:n]), exponent


def canonical(x: Decimal) -> Decimal:
    """The value as it is stored: no exponent for whole numbers, no trailing zeros, no minus zero
    (1E+3 -> 1000, 2.50 -> 2.5, -0 -> 0). Exact: no rounding to a context's precision."""
    sign, digits, exponent = _stripped(x)
    if exponent > 0 and len(digits) + exponent <= 30:  # written out in full; larger are refused anyway
        return Decimal((sign, digits + (0,) * exponent, 0))
    return Decimal((sign, digits, exponent))


def check_precision(x: Decimal, received: object) -> None:
    """Raise ValueError unless finite `x` can be stored and read back exactly (PRECISION_RULE);
    the message names the value as received and the rule."""
    _, digits, exponent = _stripped(x)
    if max(-exponent, 0) > MAX_DECIMAL_PLACES or len(digits) > MAX_SIGNIFICANT_DIGITS:
        raise ValueError(f"{received!r} cannot be stored exactly: values carry {PRECISION_RULE}")


def exact(x: Decimal, received: object) -> Decimal:
    """`canonical(x)` after `check_precision(x, received)`, from one look at the digits (a bulk
    import checks every value).

    Most values are canonical already (12, 1350.67: no exponent above 0, no trailing zero after
    the point, not minus zero) and within the rule: `x` itself is their canonical form, judged
    from one `as_tuple` without building a Decimal; any other goes the long way."""
    sign, digits, exponent = x.as_tuple()
    if (
        type(exponent) is int
        and -MAX_DECIMAL_PLACES <= exponent <= 0
        and len(digits) <= MAX_SIGNIFICANT_DIGITS
        and (digits[-1] or exponent == 0)
        and not (sign and digits == (0,))
    ):
        return x
    sign, digits, exponent = _stripped(x)
    if max(-exponent, 0) > MAX_DECIMAL_PLACES or len(digits) > MAX_SIGNIFICANT_DIGITS:
        raise ValueError(f"{received!r} cannot be stored exactly: values carry {PRECISION_RULE}")
    if exponent > 0 and len(digits) + exponent <= 30:
        return Decimal((sign, digits + (0,) * exponent, 0))
    return Decimal((sign, digits, exponent))


def to_json(obj: Any) -> Any:
    """Plain JSON data: Decimals become JSON numbers (`json_number`), dates ISO text, mappings
    objects with text keys, tuples lists. The one conversion every part of the domain uses."""
    if isinstance(obj, Decimal | float):
        return json_number(obj)
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, Mapping):
        return {str(k): to_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_json(v) for v in obj]
    return obj


def json_object(obj: Mapping[str, Any]) -> dict[str, Any]:
    """`to_json` of a mapping, typed as the dict it is."""
    out = to_json(obj)
    assert isinstance(out, dict)
    return out


def fmt(x: Decimal) -> str:
    """A decimal as people write it: no exponent, no trailing zeros."""
    return format(x.normalize(), "f")


def plain(x: Decimal | int | float) -> str:
    """A number as people write it in a sentence (`fmt`): 1000000000000, not 1E+12 or 1e+12."""
    if isinstance(x, Decimal):
        return fmt(x)
    return fmt(Decimal(repr(x)) if isinstance(x, float) else Decimal(x))
