"""The statistician's appendix of a round: distributions, correlations and internal consistency of
the indicator scores, after the OECD/JRC Handbook and COINr (get_stats, get_corr_flags,
get_cronbach, effective weights)."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from app.robustness.extract import Floats, ModelInputs

#: COINr's flags: |skew| above this and kurtosis above KURTOSIS_FLAG together mark an outlier risk
SKEW_FLAG = 2.0
KURTOSIS_FLAG = 3.5
#: a pair of indicators of one dimension correlated above this is flagged as collinear
COLLINEAR_FLAG = 0.9


def _num(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def cronbach_alpha(items: Floats) -> float | None:
    """Cronbach's alpha of the columns of `items` (rows are regions):
    k / (k - 1) x (1 - sum of the item variances / variance of the row sums), sample variances.
    None with fewer than two items or rows, or when the sums do not vary."""
    n, k = items.shape
    if k < 2 or n < 2:
        return None
    total_var = float(np.var(items.sum(axis=1), ddof=1))
    if total_var <= 0:
        return None
    item_var = float(np.var(items, axis=0, ddof=1).sum())
    return float(k / (k - 1) * (1.0 - item_var / total_var))


def spearman(matrix: Floats) -> tuple[Floats, Floats]:
    """Spearman's rho between the columns (ties get average ranks) and the two-sided p-values of
    the t approximation with n - 2 degrees of freedom; NaN where a column is constant."""
    n, k = matrix.shape
    rho = np.full((k, k), np.nan)
    p = np.full((k, k), np.nan)
    if n < 3:
        return rho, p
    ranks = np.column_stack([sps.rankdata(matrix[:, j]) for j in range(k)])
    centred = ranks - ranks.mean(axis=0)
    norm = np.sqrt((centred**2).sum(axis=0))
    ok = norm > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (centred.T @ centred) / np.outer(norm, norm)
    r = np.clip(r, -1.0, 1.0)
    both = np.outer(ok, ok)
    rho[both] = r[both]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = rho * np.sqrt((n - 2) / (1.0 - rho**2))
    p_all = 2.0 * sps.t.sf(np.abs(t), n - 2)
    p[both] = p_all[both]
    return rho, p


def spearman_vector(x: Floats, y: Floats) -> float | None:
    rho, _ = spearman(np.column_stack([x, y]))
    return _num(float(rho[0, 1]))


@dataclass(frozen=True)
class Moments:
    min: float | None
    max: float | None
    mean: float | None
    median: float | None
    sd: float | None
    skew: float | None
    kurtosis: float | None


def moments(x: Floats) -> Moments:
    """Sample moments: sd with n - 1; skew and excess kurtosis bias-corrected (as Excel's SKEW and
    KURT); None where undefined (too few values or no variation)."""
    n = len(x)
    if n == 0:
        return Moments(None, None, None, None, None, None, None)
    sd = float(np.std(x, ddof=1)) if n > 1 else float("nan")
    skew = kurt = float("nan")
    if n > 3 and sd > 0:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            skew = float(sps.skew(x, bias=False))
            kurt = float(sps.kurtosis(x, fisher=True, bias=False))
    return Moments(
        _num(float(x.min())),
        _num(float(x.max())),
        _num(float(x.mean())),
        _num(float(np.median(x))),
        _num(sd),
        _num(skew),
        _num(kurt),
    )


def effective_weights(scores: Floats) -> Floats:
    """Each column's share of the variance of the row sums: cov(x_j, total) / var(total). The
    shares add up to 1 (NaN when the total does not vary)."""
    total = scores.sum(axis=1)
    var = float(np.var(total, ddof=1)) if len(total) > 1 else 0.0
    if var <= 0:
        return np.full(scores.shape[1], np.nan)
    centred = scores - scores.mean(axis=0)
    out: Floats = (centred * (total - total.mean())[:, None]).sum(axis=0) / (len(total) - 1) / var
    return out


def correlations(inputs: ModelInputs) -> dict[str, object]:
    """Spearman's matrix of the indicator scores with its p-values, and the flagged pairs."""
    rho, p = spearman(inputs.scores)
    flags = []
    codes = inputs.indicators
    for a in range(len(codes)):
        for b in range(a + 1, len(codes)):
            r = _num(float(rho[a, b]))
            if r is None:
                continue
            same = inputs.dimension_of[a] == inputs.dimension_of[b]
            if same and r > COLLINEAR_FLAG:
                flags.append(
                    {"a": codes[a], "b": codes[b], "rho": _r(r), "flag": "collinear_within_dimension"}
                )
            if r < 0:
                flags.append({"a": codes[a], "b": codes[b], "rho": _r(r), "flag": "negative"})
    return {
        "method": "spearman",
        "indicators": list(codes),
        "matrix": [[_r(_num(float(v))) for v in row] for row in rho],
        "p_values": [[_r(_num(float(v)), 6) for v in row] for row in p],
        "flags": flags,
    }


def round_statistics(inputs: ModelInputs) -> dict[str, object]:
    """Per indicator, per pair of indicators and per dimension, as JSON-ready data."""
    s, n = inputs.scores, inputs.n_regions
    totals = s.sum(axis=1)
    indicators = []
    for j, code in enumerate(inputs.indicators):
        x = s[:, j]
        mo = moments(x)
        mx = float(inputs.maxima[j])
        indicators.append(
            {
                "indicator": code,
                "dimension": inputs.dimensions[int(inputs.dimension_of[j])],
                "max_points": mx,
                "availability": _share(int(inputs.available[:, j].sum()), n),
                **mo.__dict__,
                "skew_flag": mo.skew is not None and abs(mo.skew) > SKEW_FLAG,
                "kurtosis_flag": mo.kurtosis is not None and mo.kurtosis > KURTOSIS_FLAG,
                "outlier_flag": mo.skew is not None
                and mo.kurtosis is not None
                and abs(mo.skew) > SKEW_FLAG
                and mo.kurtosis > KURTOSIS_FLAG,
                "share_at_max": _share(int((x >= mx - 1e-9).sum()), n),
                "share_at_zero": _share(int((x <= 1e-9).sum()), n),
            }
        )
    codes = inputs.indicators
    dimensions = []
    weights = effective_weights(s)
    for d, dcode in enumerate(inputs.dimensions):
        cols = np.flatnonzero(inputs.dimension_of == d)
        dim_scores = s[:, cols].sum(axis=1)
        dimensions.append(
            {
                "dimension": dcode,
                "cronbach_alpha": _r(cronbach_alpha(s[:, cols])),
                "indicators": [
                    {
                        "indicator": codes[j],
                        "rho_with_dimension": _r(spearman_vector(s[:, j], dim_scores)),
                        "rho_with_total": _r(spearman_vector(s[:, j], totals)),
                    }
                    for j in cols
                ],
            }
        )
    return {
        "indicators": [{k: _r(v) if isinstance(v, float) else v for k, v in i.items()} for i in indicators],
        "correlations": correlations(inputs),
        "dimensions": dimensions,
        "effective_weights": [
            {
                "indicator": code,
                "nominal_weight": _r(float(inputs.maxima[j]) / inputs.total),
                "effective_weight": _r(_num(float(weights[j]))),
            }
            for j, code in enumerate(codes)
        ],
    }


def _share(k: int, n: int) -> float | None:
    return round(k / n, 4) if n else None


def _r(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(x, digits)
