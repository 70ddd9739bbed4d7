"""The persistent strength of each region in [0, 1], spread evenly over the regions asked for (each
region draws from its own slice of [0, 1], districts tending to the top)."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence


def _district_bias(name: str) -> float:
    """Urban districts tend to be stronger than county-level cities, which beat counties."""
    if name.endswith("区"):
        return 0.5
    if name.endswith("市"):
        return 0.2
    return 0.0


def draw_strengths(codes: Sequence[str], names: Sequence[str], seed: int) -> list[float]:
    """An even spread of strengths: the region ranked k of n (by bias + chance) gets one draw from
    [k/n, (k+1)/n)."""
    rng = random.Random(f"demo:{seed}:strength")
    keys = [rng.random() + _district_bias(name) for name in names]
    order = sorted(range(len(codes)), key=lambda i: (keys[i], codes[i]))
    n = len(codes)
    out = [0.0] * n
    for rank, i in enumerate(order):
        out[i] = (rank + rng.random()) / n
    return out


def effective(strength: float) -> float:
    """Strength as the values see it: a floor for the weakest, few at the very top."""
    return 0.2 + 0.65 * math.pow(strength, 1.3)
