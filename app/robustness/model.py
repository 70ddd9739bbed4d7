"""Monte Carlo draws of the scheme's judgement calls, vectorised over draws and regions.

A draw's total for a region is its exact nominal total plus the change the sampled assumptions
make to each indicator's (unrounded) points. With every noise 0 that change is exactly 0.0, so the
draw reproduces the exact nominal totals, ranks and tiers to the cent.

The sampled assumptions (each switched off by a noise of 0):

- weights: each indicator's max is multiplied by U[1-w, 1+w], then the maxima of each dimension are
  rescaled to sum to the dimension's max (so every dimension and the total keep theirs); an
  indicator's points scale with its max;
- band edges: each threshold of a banded indicator except the first (0) is multiplied by
  U[1-k, 1+k]; the thresholds are then put back in increasing order, the knots' points stay;
- assessed points: each region's assessed points move by U[-a, +a], clipped to their bounds, before
  the indicator's cap.

Every group draws from its own PCG64 stream spawned from the seed, so switching one group off does
not change what the others draw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.robustness.extract import Bools, Floats, Ints, ModelInputs

GROUPS = ("weights", "band_edges", "assessed")
#: cells (draws x regions) per batch: bounds memory whatever the number of draws
BATCH_CELLS = 400_000


@dataclass(frozen=True)
class Noise:
    weights: float = 0.25
    band_edges: float = 0.10
    assessed: float = 1.0

    def of(self, group: str) -> float:
        return float(getattr(self, group))


@dataclass(frozen=True)
class Factors:
    """Uniforms in [0, 1) for a batch of D draws, one block per group (None: the group is off)."""

    weights: Floats | None  # (D, m)
    band_edges: Floats | None  # (D, sum of knots after the first, over banded indicators)
    assessed: Floats | None  # (D, n, assessed columns)


def factor_shapes(inputs: ModelInputs) -> dict[str, tuple[int, ...]]:
    """The shape of one draw's factors per group."""
    return {
        "weights": (len(inputs.indicators),),
        "band_edges": (sum(len(b.thresholds) - 1 for b in inputs.banded),),
        "assessed": (inputs.n_regions, sum(c.has_assessed for c in inputs.capped)),
    }


def active_groups(inputs: ModelInputs, noise: Noise) -> tuple[str, ...]:
    shapes = factor_shapes(inputs)
    return tuple(g for g in GROUPS if noise.of(g) > 0 and int(np.prod(shapes[g])) > 0)


class Sampler:
    """Uniform factors per group, each group from its own stream of the seed."""

    def __init__(self, inputs: ModelInputs, noise: Noise, seed: int) -> None:
        self.shapes = factor_shapes(inputs)
        self.active = active_groups(inputs, noise)
        streams = np.random.SeedSequence(seed).spawn(len(GROUPS))
        self.rngs = {g: np.random.Generator(np.random.PCG64(s)) for g, s in zip(GROUPS, streams, strict=True)}

    def block(self, group: str, draws: int) -> Floats | None:
        if group not in self.active:
            return None
        return self.rngs[group].random((draws, *self.shapes[group]))

    def draw(self, draws: int) -> Factors:
        return Factors(*(self.block(g, draws) for g in GROUPS))


def _ramps(x: Floats, thresholds: Floats, points: Floats) -> Floats:
    """Piecewise-linear points of inputs x under knots (thresholds[..., k], points[k]).

    thresholds is (K,) or (D, K); the result is (n,) or (D, n). Written as a sum of ramps, one
    per segment, which equals linear interpolation between increasing knots from (0, 0) and the
    last knot's points above it."""
    t = thresholds[..., :, None]  # (..., K, 1)
    out = np.zeros(np.broadcast_shapes(t[..., 0, :].shape, x.shape))
    for k in range(1, len(points)):
        lo, hi = t[..., k - 1, :], t[..., k, :]
        out += (points[k] - points[k - 1]) * np.clip((x - lo) / (hi - lo), 0.0, 1.0)
    return out


def nominal_points(inputs: ModelInputs) -> Floats:
    """The model's unrounded points of each region and indicator, (n, m), at the nominal assumptions."""
    out = np.zeros((inputs.n_regions, len(inputs.indicators)))
    for b in inputs.banded:
        out[:, b.column] = _ramps(b.values, b.thresholds, b.points)
    for c in inputs.capped:
        out[:, c.column] = np.minimum(c.fixed + np.nan_to_num(c.assessed), c.cap)
    return out


def weight_scales(inputs: ModelInputs, noise: float, u: Floats | None) -> Floats | None:
    """Per draw and indicator, new max / max; None when the weights are not sampled."""
    if u is None or noise <= 0:
        return None
    scaled = inputs.maxima * (1.0 - noise + 2.0 * noise * u)  # (D, m)
    onehot = np.eye(len(inputs.dimensions))[inputs.dimension_of]  # (m, d)
    dim_sum = scaled @ onehot  # (D, d)
    new_max = scaled * (inputs.dimension_maxima / dim_sum)[:, inputs.dimension_of]
    scales: Floats = new_max / inputs.maxima
    return scales


def draw_totals(inputs: ModelInputs, nominal_totals: Floats, noise: Noise, f: Factors, draws: int) -> Floats:
    """Totals (D, n): the exact nominal totals plus each indicator's change of points."""
    scales = weight_scales(inputs, noise.weights, f.weights)
    totals = np.broadcast_to(nominal_totals, (draws, inputs.n_regions)).copy()
    offset = 0
    for b in inputs.banded:
        base0 = _ramps(b.values, b.thresholds, b.points)
        k = len(b.thresholds) - 1
        if f.band_edges is not None and noise.band_edges > 0:
            mult = 1.0 - noise.band_edges + 2.0 * noise.band_edges * f.band_edges[:, offset : offset + k]
            t = np.empty((draws, k + 1))
            t[:, 0] = b.thresholds[0]
            t[:, 1:] = np.sort(b.thresholds[1:] * mult, axis=1)
            base = _ramps(b.values, t, b.points)
            if scales is not None:
                totals += base * scales[:, b.column, None] - base0
            else:
                totals += base - base0
        elif scales is not None:
            totals += base0 * (scales[:, b.column, None] - 1.0)
        offset += k
    a_col = 0
    for c in inputs.capped:
        pts0 = np.minimum(c.fixed + np.nan_to_num(c.assessed), c.cap)
        if c.has_assessed and f.assessed is not None and noise.assessed > 0:
            shift = -noise.assessed + 2.0 * noise.assessed * f.assessed[:, :, a_col]
            moved = np.clip(c.assessed + shift, c.lower, c.upper)
            pts = np.minimum(c.fixed + np.nan_to_num(moved), c.cap)
            if scales is not None:
                totals += pts * scales[:, c.column, None] - pts0
            else:
                totals += pts - pts0
        elif scales is not None:
            totals += pts0 * (scales[:, c.column, None] - 1.0)
        a_col += c.has_assessed
    return totals


def competition_ranks(totals: Floats) -> Ints:
    """Ranks per row (D, n), highest total first; ties share the best rank and the next skips."""
    d, n = totals.shape
    if n == 0:
        return np.zeros((d, 0), dtype=np.int64)
    order = np.argsort(-totals, axis=1, kind="stable")
    s = np.take_along_axis(totals, order, axis=1)
    new = np.ones((d, n), dtype=bool)
    new[:, 1:] = s[:, 1:] != s[:, :-1]
    ranked = np.maximum.accumulate(np.where(new, np.arange(1, n + 1), 0), axis=1)
    ranks = np.empty((d, n), dtype=np.int64)
    np.put_along_axis(ranks, order, ranked, axis=1)
    return ranks


def tier_index(totals: Floats, thresholds: Floats) -> Ints:
    """Index into the scheme's tiers (highest threshold first): the first tier whose threshold the
    total reaches, the last tier otherwise."""
    above = (totals[..., None] < thresholds).sum(axis=-1)
    out: Ints = np.minimum(above, len(thresholds) - 1)
    return out


@dataclass(frozen=True)
class Uncertainty:
    nominal_ranks: Ints  # (n,)
    nominal_tiers: Ints  # (n,)
    rank_counts: Ints  # (n, n): draws in which region i has rank r + 1
    tier_counts: Ints  # (n, T)
    abs_shift: Floats  # (n,) mean |rank - nominal rank| over draws
    draws: int

    def rank_quantile(self, percent: int) -> Ints:
        """Inverted-CDF quantile of each region's rank: the smallest rank reached in at least
        `percent` % of draws (50: the lower median)."""
        need = max(1, -(-percent * self.draws // 100))
        if self.rank_counts.shape[1] == 0:
            return np.zeros(0, dtype=np.int64)
        cum = np.cumsum(self.rank_counts, axis=1)
        out: Ints = np.argmax(cum >= need, axis=1) + 1
        return out


def uncertainty(
    inputs: ModelInputs,
    nominal_totals: Floats,
    noise: Noise,
    draws: int,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
    batch: int | None = None,
) -> Uncertainty:
    """Rank and tier distributions over `draws` draws of the assumptions."""
    n, tiers = inputs.n_regions, len(inputs.tier_codes)
    nominal_ranks = competition_ranks(nominal_totals[None, :])[0]
    nominal_tiers = tier_index(nominal_totals, inputs.tier_thresholds)
    rank_counts = np.zeros(n * n, dtype=np.int64)
    tier_counts = np.zeros(n * tiers, dtype=np.int64)
    shift = np.zeros(n)
    sampler = Sampler(inputs, noise, seed)
    # batches never change the answer: each stream hands out its uniforms in the same order
    if batch is None:
        batch = max(1, min(BATCH_CELLS // max(n, 1), -(-draws // 10)))
    done = 0
    region_row = np.arange(n)
    while done < draws:
        size = min(batch, draws - done)
        totals = draw_totals(inputs, nominal_totals, noise, sampler.draw(size), size)
        ranks = competition_ranks(totals)
        rank_counts += np.bincount((region_row * n + ranks - 1).ravel(), minlength=n * n)
        t = tier_index(totals, inputs.tier_thresholds)
        tier_counts += np.bincount((region_row * tiers + t).ravel(), minlength=n * tiers)
        shift += np.abs(ranks - nominal_ranks).sum(axis=0)
        done += size
        if progress is not None:
            progress(done, draws)
    return Uncertainty(
        nominal_ranks,
        nominal_tiers,
        rank_counts.reshape(n, n),
        tier_counts.reshape(n, tiers),
        shift / max(draws, 1),
        draws,
    )


def near_boundary(inputs: ModelInputs, nominal_totals: Floats, nominal_tiers: Ints) -> Bools:
    """Whether one band step would move a region across a tier threshold: moving the input of one
    banded indicator to its next knot up reaches the next tier's threshold, or moving it to its
    knot below (the one before, when it sits on a knot) drops it under its own tier's."""
    n = inputs.n_regions
    up, down = np.zeros(n), np.zeros(n)
    for b in inputs.banded:
        x = np.maximum(b.values, 0.0)
        idx = np.searchsorted(b.thresholds, x, side="right") - 1
        k = len(b.thresholds)
        current = _ramps(x, b.thresholds, b.points)
        nxt = np.where(idx + 1 < k, b.points[np.minimum(idx + 1, k - 1)], current)
        on_knot = x == b.thresholds[idx]
        below = np.where(on_knot, b.points[np.maximum(idx - 1, 0)], b.points[idx])
        up = np.maximum(up, nxt - current)
        down = np.maximum(down, current - below)
    th = inputs.tier_thresholds
    higher = np.where(nominal_tiers > 0, th[np.maximum(nominal_tiers - 1, 0)], np.inf)
    own = np.where(nominal_tiers < len(th) - 1, th[nominal_tiers], -np.inf)
    out: Bools = (nominal_totals + up >= higher) | (nominal_totals - down < own)
    return out


@dataclass(frozen=True)
class LeaveOneOut:
    indicator: str
    mean_abs_rank_change: float
    max_abs_rank_change: int
    tier_changes: int


def leave_one_out(inputs: ModelInputs) -> list[LeaveOneOut]:
    """Per indicator: drop it and rescale the others' points so the total's max stays, then
    compare ranks and tiers with those of the full totals. Both sides come from the exact
    indicator scores (as the breakdowns show them), so a published year is compared with its
    stored facts, not with a snapshot those facts may no longer give."""
    # totals in whole cents: exact, so ties stay ties; the common rescaling factor changes no
    # rank, only the tiers
    cents = np.round(inputs.scores * 100.0)
    full = cents.sum(axis=1)
    nominal_ranks = competition_ranks(full[None, :])[0]
    nominal_tiers = tier_index(full / 100.0, inputs.tier_thresholds)
    out = []
    for j, code in enumerate(inputs.indicators):
        rest = inputs.total - inputs.maxima[j]
        if rest <= 0 or inputs.n_regions == 0:
            out.append(LeaveOneOut(code, 0.0, 0, 0))
            continue
        kept = full - cents[:, j]
        ranks = competition_ranks(kept[None, :])[0]
        totals = kept / 100.0 * (inputs.total / rest) + 1e-9
        change = np.abs(ranks - nominal_ranks)
        tiers = tier_index(totals, inputs.tier_thresholds)
        out.append(
            LeaveOneOut(code, float(change.mean()), int(change.max()), int((tiers != nominal_tiers).sum()))
        )
    return out


def mean_abs_rank_shift(
    inputs: ModelInputs, nominal_totals: Floats, noise: Noise, f: Factors, draws: int
) -> Floats:
    """Per draw, the mean over regions of |rank - nominal rank| (the output Sobol indices explain)."""
    nominal_ranks = competition_ranks(nominal_totals[None, :])[0]
    ranks = competition_ranks(draw_totals(inputs, nominal_totals, noise, f, draws))
    out: Floats = np.abs(ranks - nominal_ranks).mean(axis=1)
    return out
