"""The one bridge from the scoring domain to the arrays the analysis samples.

Everything the analysis knows about a scheme and a region's facts comes through `extract`: it
scores each region with the domain's own engine (`app.domain.score`, explained) and reads, per
indicator, its dimension and max and either

- for a banded rule: its knots (threshold, points) and the region's input value, or
- for every other rule (tallies, choices and flags, assessed scores, kinds added later): the points
  before the cap that are not assessed, the assessed points with their bounds, and the cap.

When rule kinds change shape, this module is the one to adapt. A kind it does not know is taken
as fixed points: weights still scale it, band and assessment noise leave it alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from app.domain import Facts, Scheme, score
from app.domain.scoring import IndicatorScore

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

#: input value standing for "missing": below every threshold, so it scores 0 under any knots
MISSING_INPUT = -1.0


@dataclass(frozen=True)
class BandedColumn:
    """A banded indicator: knots from (0, 0) up, and each region's input (MISSING_INPUT if none)."""

    column: int
    thresholds: Floats  # (K,), thresholds[0] == 0
    points: Floats  # (K,), points[-1] == the indicator's max
    values: Floats  # (n,)


@dataclass(frozen=True)
class CappedColumn:
    """Any other indicator: min(fixed + assessed, cap), assessed points within [lower, upper]."""

    column: int
    fixed: Floats  # (n,) points not subject to assessment, before the cap
    assessed: Floats  # (n,) assessed points; NaN where the region has none
    lower: float
    upper: float
    cap: float

    @property
    def has_assessed(self) -> bool:
        return bool(np.any(~np.isnan(self.assessed)))


@dataclass(frozen=True)
class ModelInputs:
    regions: tuple[str, ...]
    indicators: tuple[str, ...]
    dimensions: tuple[str, ...]
    dimension_of: Ints  # (m,) index into dimensions
    maxima: Floats  # (m,)
    dimension_maxima: Floats  # (d,)
    total: float
    tier_codes: tuple[str, ...]  # highest threshold first, as the scheme lists them
    tier_thresholds: Floats  # same order
    #: the exact indicator scores (rounded as the breakdown shows them), (n, m)
    scores: Floats
    #: whether the region has every input of the indicator, (n, m)
    available: Bools
    banded: tuple[BandedColumn, ...]
    capped: tuple[CappedColumn, ...]

    @property
    def n_regions(self) -> int:
        return len(self.regions)


def _f(x: Decimal | int | float | None) -> float:
    return float(x) if x is not None else float("nan")


def extract(scheme: Scheme, facts: Mapping[str, Facts], regions: Sequence[str]) -> ModelInputs:
    """Arrays for the analysis: `regions` in this order, each scored under `scheme` from `facts`."""
    indicators = scheme.indicators
    dims = tuple(d.code for d in scheme.dimensions)
    n, m = len(regions), len(indicators)
    breakdowns = [score(scheme, facts[r], r) for r in regions]
    per_indicator: list[list[IndicatorScore]] = [[] for _ in range(m)]
    for b in breakdowns:
        for j, i in enumerate(b.indicators):
            per_indicator[j].append(i)
    scores = np.zeros((n, m))
    available = np.zeros((n, m), dtype=bool)
    banded: list[BandedColumn] = []
    capped: list[CappedColumn] = []
    for j, ind in enumerate(indicators):
        rows = per_indicator[j]
        scores[:, j] = [float(s.score) for s in rows]
        available[:, j] = [not s.missing_inputs for s in rows]
        rule = ind.rule
        # the adapter reads what a kind holds, not which kind it is: knots (piecewise-linear
        # points, rising or falling), an assessed extra before a cap, or one assessed element
        knots: Sequence[tuple[Decimal, Decimal]] | None = getattr(rule, "knots", None)
        if knots is not None:
            values = np.array(
                [float(s.value) if isinstance(s.value, Decimal) else MISSING_INPUT for s in rows]
            )
            banded.append(
                BandedColumn(
                    j, np.array([float(t) for t, _ in knots]), np.array([float(p) for _, p in knots]), values
                )
            )
            continue
        fixed = np.array([float(s.score) for s in rows])
        assessed = np.full(n, np.nan)
        lower, upper, cap = 0.0, float(ind.max), float(ind.max)
        if rule.assessed_element is not None:
            el = scheme.elements[rule.assessed_element]
            fixed[:] = 0.0
            assessed = np.array([float(s.value) if isinstance(s.value, Decimal) else np.nan for s in rows])
            lower, upper = _f(el.minimum or 0), _f(el.maximum if el.maximum is not None else ind.max)
        elif getattr(rule, "extra_element", None) and getattr(rule, "cap", None) is not None:
            el = scheme.elements[rule.extra_element]  # type: ignore[attr-defined]
            fixed = np.array([_f(s.explanation["subtotal"]) for s in rows])
            assessed = np.array(
                [
                    _f(s.explanation["extra_points"]) if s.inputs.get(el.code) is not None else np.nan
                    for s in rows
                ]
            )
            cap = _f(rule.cap)  # type: ignore[attr-defined]
            lower, upper = _f(el.minimum or 0), _f(el.maximum if el.maximum is not None else cap)
        capped.append(CappedColumn(j, fixed, assessed, lower, upper, cap))
    return ModelInputs(
        regions=tuple(regions),
        indicators=tuple(i.code for i in indicators),
        dimensions=dims,
        dimension_of=np.array([dims.index(i.dimension) for i in indicators], dtype=np.int64),
        maxima=np.array([float(i.max) for i in indicators]),
        dimension_maxima=np.array([float(d.weight) for d in scheme.dimensions]),
        total=float(scheme.total),
        tier_codes=tuple(t.code for t in scheme.tiers),
        tier_thresholds=np.array([float(t.min_score) for t in scheme.tiers]),
        scores=scores,
        available=available,
        banded=tuple(banded),
        capped=tuple(capped),
    )
