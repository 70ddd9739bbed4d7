"""Robustness, sensitivity and statistics of a year's ranking (issue: how much does a tier depend
on the scheme's choices?).

The nominal ranking is the exact one `GET /scores/{year}` serves (a published year's snapshot).
The draws and the statistics need every region's facts: they are computed from the stored facts
of the year, scored under the period's scheme, and the answer says so.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from app.db import repositories as repo
from app.domain import InvalidInput, Problem, Scheme
from app.domain.numbers import plain
from app.services.errors import NotFound
from app.services.scores import RankRow, facts_by_region, rank_regions

# numpy (and scipy, for the statistics) are imported by the first request that computes, not at
# start-up: the API and the CLI only need LIMITS and check() from here to declare their parameters
if TYPE_CHECKING:
    import numpy as np

    from app.robustness import model
    from app.robustness.extract import Floats, ModelInputs

Progress = Callable[[int, int], None]

#: every parameter's allowed range, shared by the API and the CLI: (kind, low, high, default)
LIMITS: dict[str, tuple[type, float, float, float]] = {
    "draws": (int, 1, 10_000, 1000),
    "seed": (int, 0, 2**32 - 1, 0),
    "weight_noise": (float, 0.0, 0.9, 0.25),
    "knot_noise": (float, 0.0, 0.9, 0.10),
    "assessed_noise": (float, 0.0, 5.0, 1.0),
    "n": (int, 8, 1024, 128),
}

COMPUTED_FROM = (
    "nominal ranks, totals and tiers are the exact ones GET /scores/{year} serves (a published "
    "year's snapshot); the draws, the sensitivity and the statistics are computed from the stored facts "
    "of the year as stored, scored under the period's scheme"
)


def check(name: str, raw: object) -> int | float:
    """A parameter parsed and checked against LIMITS; ValueError naming the value and the range."""
    kind, lo, hi, _ = LIMITS[name]
    allowed = f"{'an integer' if kind is int else 'a number'} from {_fmt(lo)} to {_fmt(hi)}"
    try:
        if isinstance(raw, bool):
            raise ValueError
        value: int | float
        if kind is int:
            if isinstance(raw, float) and not raw.is_integer():
                raise ValueError
            value = int(raw) if isinstance(raw, int | float) else int(str(raw).strip())
        else:
            value = float(raw) if isinstance(raw, int | float) else float(str(raw).strip())
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"must be {allowed}; received {raw!r}") from None
    if not math.isfinite(value) or not lo <= value <= hi:
        raise ValueError(f"must be {allowed}; received {raw!r}")
    return value


def _fmt(x: float) -> str:
    return plain(x)


def check_all(**params: object) -> dict[str, Any]:
    """Every parameter checked; InvalidInput listing each bad one."""
    problems, out = [], {}
    for name, raw in params.items():
        try:
            out[name] = check(name, raw)
        except ValueError as exc:
            problems.append(Problem(name, str(exc), raw))
    if problems:
        raise InvalidInput(problems)
    return out


@dataclass(frozen=True)
class Loaded:
    scheme: Scheme
    status: str
    rows: list[RankRow]
    inputs: ModelInputs
    nominal: Floats


def load(
    session: Session,
    year: int,
    parent: str | None,
    level: str | None,
    ranked: tuple[Scheme, list[RankRow]] | None = None,
) -> Loaded:
    """The exact ranking in scope and the model inputs of its regions, in rank order. `ranked`:
    that ranking when the caller holds it already (`ScoreReader.ranking`, the same rows)."""
    import numpy as np

    from app.robustness.extract import extract

    period = repo.get_period(session, year)
    if period is None:
        raise NotFound("period", year)
    scheme, rows = ranked or rank_regions(session, year, parent, level)
    codes = [r.region.code for r in rows]
    facts = facts_by_region(session, scheme, year, codes)
    inputs = extract(scheme, facts, codes)
    nominal = np.array([float(r.total) for r in rows])
    return Loaded(scheme, period.status, rows, inputs, nominal)


def _head(loaded: Loaded, year: int, parent: str | None, level: str | None) -> dict[str, Any]:
    return {
        "year": year,
        "scheme": loaded.scheme.code,
        "period_status": loaded.status,
        "parent": parent,
        "level": level,
        "regions": loaded.inputs.n_regions,
        "computed_from": COMPUTED_FROM,
    }


def _assumptions(loaded: Loaded, noise: model.Noise, seed: int) -> dict[str, Any]:
    from app.robustness import model

    w, k, a = noise.weights, noise.band_edges, noise.assessed
    tiers = loaded.scheme.tiers
    return {
        "seed": seed,
        "generator": "numpy Generator(PCG64), one stream per group spawned from the seed",
        "weight_noise": w,
        "knot_noise": k,
        "assessed_noise": a,
        "sampled": [
            {
                "group": "weights",
                "active": "weights" in model.active_groups(loaded.inputs, noise),
                "what": (
                    f"each indicator's max times U[{1 - w:g}, {1 + w:g}], then the maxima of each "
                    "dimension rescaled to the dimension's max (every dimension and the total keep "
                    "theirs); an indicator's points scale with its max"
                ),
            },
            {
                "group": "band_edges",
                "active": "band_edges" in model.active_groups(loaded.inputs, noise),
                "what": (
                    f"each band threshold above 0 times U[{1 - k:g}, {1 + k:g}], put back in "
                    "increasing order; the knots' points stay (scaled with the max)"
                ),
            },
            {
                "group": "assessed",
                "active": "assessed" in model.active_groups(loaded.inputs, noise),
                "what": (
                    f"each region's assessed points plus U[-{a:g}, +{a:g}], clipped to their bounds, "
                    "before the indicator's cap (regions without an assessed score keep none)"
                ),
            },
        ],
        "tiers": {t.code: float(t.min_score) for t in tiers},
        "ranks": "competition ranks: ties share the best rank, the next rank skips (1, 2, 2, 4)",
        "quantiles": "inverted CDF: the p-th percentile rank is the smallest rank reached in at least p % of draws",
        "draw_totals": (
            "the exact nominal total plus the change the sampled assumptions make to each "
            "indicator's unrounded points (0.0 exactly when every noise is 0)"
        ),
    }


def _probabilities(counts: np.ndarray, draws: int, codes: tuple[str, ...]) -> dict[str, float]:
    """Shares of draws to 4 decimals that add up to exactly 1 (largest remainder)."""
    q = Decimal("0.0001")
    exact = [Decimal(int(c)) / Decimal(draws) for c in counts]
    rounded = [e.quantize(q, rounding=ROUND_HALF_UP) for e in exact]
    gap = Decimal(1) - sum(rounded)
    if gap != 0:
        j = max(range(len(rounded)), key=lambda i: (exact[i] - rounded[i]) * gap.copy_sign(1))
        rounded[j] += gap
    return {c: float(r) for c, r in zip(codes, rounded, strict=True)}


def robustness(
    session: Session,
    year: int,
    parent: str | None,
    level: str | None,
    *,
    draws: int,
    seed: int,
    noise: model.Noise,
    progress: Progress | None = None,
    loaded: Loaded | None = None,
) -> dict[str, Any]:
    """Per region the distribution of its rank and tier over draws of the scheme's assumptions
    (`loaded`: the scope already loaded, as `load` gives it)."""
    from app.robustness import model

    loaded = loaded or load(session, year, parent, level)
    inputs = loaded.inputs
    u = model.uncertainty(inputs, loaded.nominal, noise, draws, seed, progress)
    p5, p50, p95 = (u.rank_quantile(p) for p in (5, 50, 95))
    codes = inputs.tier_codes
    nominal_tier_of = {c: i for i, c in enumerate(codes)}
    items, tier_change = [], []
    for i, row in enumerate(loaded.rows):
        p_tier = _probabilities(u.tier_counts[i], draws, codes)
        t = nominal_tier_of[row.tier]
        stay = Decimal(int(u.tier_counts[i, t])) / Decimal(draws)
        # the complement of the shown p_tier of the nominal tier, so the two always agree
        change = float(1 - Decimal(repr(p_tier[row.tier])))
        tier_change.append(1 - stay)
        items.append(
            {
                "region": row.region.code,
                "name_zh": row.region.name_zh,
                "name_en": row.region.name_en,
                "nominal_total": float(row.total),
                "nominal_tier": row.tier,
                "nominal_rank": int(u.nominal_ranks[i]),
                "median_rank": int(p50[i]),
                "p5_rank": int(p5[i]),
                "p95_rank": int(p95[i]),
                "mean_abs_rank_shift": round(float(u.abs_shift[i]), 4),
                "p_tier": p_tier,
                "p_tier_change": change,
            }
        )
    near = model.near_boundary(inputs, loaded.nominal, u.nominal_tiers)
    n = inputs.n_regions
    return {
        **_head(loaded, year, parent, level),
        "draws": draws,
        "assumptions": _assumptions(loaded, noise, seed),
        "summary": {
            "mean_abs_rank_shift": round(float(u.abs_shift.mean()), 4) if n else None,
            "unstable_threshold": 0.2,
            "unstable_regions": [
                r["region"] for r, c in zip(items, tier_change, strict=True) if c > Decimal("0.2")
            ],
            "share_near_boundary": round(float(near.mean()), 4) if n else None,
            "near_boundary_regions": [r["region"] for r, b in zip(items, near, strict=True) if b],
            "near_boundary_rule": (
                "moving one banded input to its next knot up reaches the next tier's threshold, or "
                "to its knot below drops the total under its own tier's threshold"
            ),
        },
        "items": items,
    }


def sensitivity_analysis(
    session: Session,
    year: int,
    parent: str | None,
    level: str | None,
    *,
    n: int,
    seed: int,
    noise: model.Noise,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Sobol indices of the mean absolute rank shift per assumption group, and leave-one-out."""
    import numpy as np

    from app.robustness import model, sensitivity

    loaded = load(session, year, parent, level)
    inputs = loaded.inputs
    active = model.active_groups(inputs, noise)
    shapes = {g: s for g, s in model.factor_shapes(inputs).items() if g in active}

    def output(blocks: Any, rows: int) -> Floats:
        f = model.Factors(*(blocks.get(g) for g in model.GROUPS))
        return model.mean_abs_rank_shift(inputs, loaded.nominal, noise, f, rows)

    indices = (
        sensitivity.sobol_indices(shapes, output, n, seed, progress=progress) if inputs.n_regions > 1 else []
    )
    by_group = {g.group: g for g in indices}
    groups = []
    for g in model.GROUPS:
        gi = by_group.get(g)
        groups.append(
            {
                "group": g,
                "factors": int(np.prod(model.factor_shapes(inputs)[g])),
                "active": g in active,
                "first_order": _r(gi.first_order if gi else None),
                "first_order_p5": _r(gi.first_order_interval[0] if gi and gi.first_order_interval else None),
                "first_order_p95": _r(gi.first_order_interval[1] if gi and gi.first_order_interval else None),
                "total": _r(gi.total if gi else None),
                "total_p5": _r(gi.total_interval[0] if gi and gi.total_interval else None),
                "total_p95": _r(gi.total_interval[1] if gi and gi.total_interval else None),
            }
        )
    varied = any(g["first_order"] is not None for g in groups)
    loo = model.leave_one_out(inputs)
    dim_of = {i.code: i.dimension for i in loaded.scheme.indicators}
    return {
        **_head(loaded, year, parent, level),
        "output": "mean absolute rank shift over the regions in scope",
        "assumptions": {
            **_assumptions(loaded, noise, seed),
            "n": n,
            "evaluations": n * (len(shapes) + 2) if inputs.n_regions > 1 else 0,
            "design": (
                "Saltelli: matrices A and B of n base samples of every active group's uniforms and, "
                "per group, A with that group's columns from B; n x (groups + 2) evaluations"
            ),
            "estimators": "first-order: Saltelli et al. 2010; total: Jansen 1999 (as SALib computes them)",
            "intervals": "5th and 95th percentiles of 1000 bootstrap resamples of the base samples",
        },
        "note": None
        if varied
        else "the output does not vary (every noise 0, or fewer than two regions): no variance to apportion",
        "groups": groups,
        "leave_one_out": [
            {
                "indicator": r.indicator,
                "dimension": dim_of[r.indicator],
                "mean_abs_rank_change": round(r.mean_abs_rank_change, 4),
                "max_abs_rank_change": r.max_abs_rank_change,
                "tier_changes": r.tier_changes,
            }
            for r in loo
        ],
        "leave_one_out_rule": (
            "drop the indicator and multiply the rest of each exact total by total max / (total max "
            "- the indicator's max); ranks and tiers compared with those of the full totals, both "
            "from the stored facts (for an open year, the nominal ranking)"
        ),
    }


def statistics(session: Session, year: int, parent: str | None, level: str | None) -> dict[str, Any]:
    """Distributions, correlations and consistency of the indicator scores in scope."""
    # scipy takes a second to import: loaded by the first request that needs it, not at start-up
    from app.robustness.statistics import round_statistics

    loaded = load(session, year, parent, level)
    return {
        **_head(loaded, year, parent, level),
        **round_statistics(loaded.inputs),
        "rules": {
            "scores": "each region's exact indicator scores from its stored facts",
            "sd": "sample standard deviation (n - 1)",
            "skew_kurtosis": "bias-corrected sample skewness and excess kurtosis; flags as COINr: |skew| > 2, kurtosis > 3.5",
            "correlations": "Spearman's rho (average ranks for ties); p-values from the t approximation, n - 2 degrees of freedom",
            "collinear_flag": "two indicators of one dimension with rho > 0.9",
            "negative_flag": "rho < 0",
            "cronbach_alpha": "k / (k - 1) x (1 - sum of item variances / variance of the dimension score)",
            "effective_weight": "cov(indicator score, total) / var(total); the weights add up to 1",
        },
    }


def uncertainty_and_correlations(
    session: Session,
    year: int,
    parent: str | None,
    level: str | None,
    *,
    draws: int,
    seed: int,
    ranked: tuple[Scheme, list[RankRow]] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The robustness answer under the default noises and the `correlations` of the statistics
    answer, from one load of the scope (what the round bulletin charts)."""
    from app.robustness import model
    from app.robustness.statistics import correlations

    # the noises of an answer that names none (the API's defaults)
    noise = model.Noise(LIMITS["weight_noise"][3], LIMITS["knot_noise"][3], LIMITS["assessed_noise"][3])
    loaded = load(session, year, parent, level, ranked)
    return (
        robustness(session, year, parent, level, draws=draws, seed=seed, noise=noise, loaded=loaded),
        correlations(loaded.inputs),
    )


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)
