"""Exact decimal helpers and the one Decimal-to-JSON conversion of the domain."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

SCORE_QUANTUM = Decimal("0.01")
VALUE_QUANTUM = Decimal("0.0001")
ZERO = Decimal(0)
ONE = Decimal(1)


def round_score(x: Decimal) -> Decimal:
    """Round a score half-up to 2 decimals, as the province's table is read."""
    return x.quantize(SCORE_QUANTUM, rounding=ROUND_HALF_UP)


def round_value(x: Decimal) -> Decimal:
    """Round a scored value (a ratio) half-up to 4 decimals for display only."""
    return x.quantize(VALUE_QUANTUM, rounding=ROUND_HALF_UP)


def json_number(x: Decimal) -> int | float:
    """A JSON number for an already rounded decimal.

    A decimal of at most 15 significant digits survives the trip through a binary float: its
    shortest repr is the same digits, so `json.dumps` writes exactly what was computed.
    """
    if x == x.to_integral_value():
        return int(x)
    return float(x)


def to_json(obj: Any) -> Any:
    """Plain JSON data: Decimals become JSON numbers (`json_number`), dates ISO text, mappings
    objects with text keys, tuples lists. The one conversion every part of the domain uses."""
    if isinstance(obj, Decimal):
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
