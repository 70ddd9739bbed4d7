"""Variance-based sensitivity: Sobol indices of groups of inputs from a Saltelli design.

The design (Saltelli 2010): two independent matrices A and B of N base samples of every input, and
for each group g the matrix A_B^g, A with the columns of group g taken from B; the model runs on
N x (G + 2) rows laid out as SALib expects (A, A_B^1 ... A_B^G, B per base sample). Inputs are
uniforms in [0, 1) from a PCG64 stream of the seed; the model maps them to its ranges. The
estimators are those SALib's `sobol.analyze` uses, on the output standardised as it does:
first-order after Saltelli et al. (2010), total after Jansen (1999); their 5-95 % intervals are
percentiles of bootstrap resamples of the N base samples. A test checks the estimates against
SALib itself; numpy alone computes them here, so the service does not carry SALib's dependencies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from app.robustness.extract import Floats

#: a model: uniform blocks per group (rows, *shape) -> one output per row
Model = Callable[[Mapping[str, Floats], int], Floats]


@dataclass(frozen=True)
class GroupIndex:
    group: str
    first_order: float | None
    first_order_interval: tuple[float, float] | None
    total: float | None
    total_interval: tuple[float, float] | None


def saltelli_outputs(
    shapes: Mapping[str, tuple[int, ...]],
    model: Model,
    n: int,
    seed: int,
    batch_rows: int = 512,
    progress: Callable[[int, int], None] | None = None,
) -> Floats:
    """The model's outputs on the Saltelli design, N x (G + 2) values in SALib's order."""
    groups = list(shapes)
    g = len(groups)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
    a = {k: rng.random((n, *shapes[k])) for k in groups}
    b = {k: rng.random((n, *shapes[k])) for k in groups}
    step = g + 2
    rows = n * step
    # row r: base sample r // step; kind r % step: 0 = A, 1..G = A_B^g, G + 1 = B
    out = np.empty(rows)
    for start in range(0, rows, batch_rows):
        stop = min(rows, start + batch_rows)
        r = np.arange(start, stop)
        base, kind = r // step, r % step
        blocks = {}
        for gi, k in enumerate(groups):
            from_b = (kind == gi + 1) | (kind == step - 1)
            mask = from_b.reshape((-1,) + (1,) * len(shapes[k]))
            blocks[k] = np.where(mask, b[k][base], a[k][base])
        out[start:stop] = model(blocks, stop - start)
        if progress is not None:
            progress(stop, rows)
    return out


def first_and_total(a: Floats, b: Floats, ab: Floats) -> tuple[Floats, Floats]:
    """First-order (Saltelli 2010) and total (Jansen 1999) indices from the outputs on A, B (N,)
    and A_B^g (N, G), each normalised by the variance of the outputs on A and B."""
    var = np.var(np.concatenate([a, b], axis=-1), axis=-1)[..., None]
    first: Floats = np.mean(b[..., None] * (ab - a[..., None]), axis=-2) / var
    total: Floats = 0.5 * np.mean((a[..., None] - ab) ** 2, axis=-2) / var
    return first, total


def sobol_indices(
    shapes: Mapping[str, tuple[int, ...]],
    model: Model,
    n: int,
    seed: int,
    resamples: int = 1000,
    progress: Callable[[int, int], None] | None = None,
) -> list[GroupIndex]:
    """First-order and total Sobol indices of each group with bootstrap 5-95 % intervals; None
    when the output does not vary (no variance to apportion)."""
    groups = list(shapes)
    y = saltelli_outputs(shapes, model, n, seed, progress=progress)
    if not groups or np.ptp(y) <= 1e-12:
        return [GroupIndex(k, None, None, None, None) for k in groups]
    y = (y - y.mean()) / y.std()
    rows = y.reshape(n, len(groups) + 2)
    a, ab, b = rows[:, 0], rows[:, 1:-1], rows[:, -1]
    first, total = first_and_total(a, b, ab)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 1])))
    pick = rng.integers(0, n, size=(resamples, n))
    boot_first, boot_total = first_and_total(a[pick], b[pick], ab[pick])
    out = []
    for j, k in enumerate(groups):
        f5, f95 = np.percentile(boot_first[:, j], [5, 95])
        t5, t95 = np.percentile(boot_total[:, j], [5, 95])
        out.append(
            GroupIndex(k, float(first[j]), (float(f5), float(f95)), float(total[j]), (float(t5), float(t95)))
        )
    return out
