"""Exact decimal helpers shared by the scoring engine and its callers."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

SCORE_QUANTUM = Decimal("0.01")
VALUE_QUANTUM = Decimal("0.0001")
ZERO = Decimal(0)


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
