"""Benchmark the scoring engine: score 10,000 random region-years, print median microseconds.

    python bench/score_domain.py [--n 10000] [--seed 1] [--baseline 28313c7 | --baseline none]

Prints, per region-year (medians and p90 over batches of 50 calls, process CPU time, one run):
- `plan.run`: the scheme's compiled plan alone, numbers only (goal P4: <= 20 us);
- `score(explain=False)`: the plan plus the breakdown objects, as rankings use it;
- `score()`: the explained breakdown (the same run, explanations asked of the rule kinds), and
  with the JSON-ready `to_dict()` that the API and the CLI add on top;
- the same `score()` calls of the baseline revision (the engine before the compiled plan), run on
  the same random cases in a subprocess from `git archive` of that revision, and the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# INNOMON_BENCH_CODE: run against another checkout of the code (the baseline subprocess)
sys.path.insert(0, os.environ.get("INNOMON_BENCH_CODE") or str(REPO_ROOT))

from app.domain import Facts, RegistryItem, builtin_scheme, score  # noqa: E402

SCHEME = "hebei-county-2019"


def random_facts(rng: random.Random, year: int) -> Facts:
    d = lambda lo, hi: Decimal(str(round(rng.uniform(lo, hi), 2)))  # noqa: E731
    values = {
        "fiscal_st_expenditure": d(100, 20000),
        "public_expenditure": d(100000, 900000),
        "industrial_rd_expenditure": d(500, 50000),
        "industrial_revenue": d(300000, 5000000),
        "high_tech_enterprises": Decimal(rng.randint(0, 150)),
        "tech_smes": Decimal(rng.randint(0, 1200)),
        "registered_enterprises": Decimal(rng.randint(3000, 60000)),
        "industrial_enterprises": Decimal(rng.randint(20, 400)),
        "industrial_enterprises_with_rd_institution": Decimal(rng.randint(0, 20)),
        "valid_invention_patents": Decimal(rng.randint(0, 3000)),
        "resident_population": Decimal(rng.randint(150000, 1200000)),
        "high_tech_industry_value_added": d(0, 200000),
        "industrial_value_added": d(200000, 800000),
        "agri_industrialization_rate": d(30, 80),
        "st_admin_body": rng.choice(["independent", "merged_office", "nameplate", "none"]),
        "st_leading_group": rng.random() < 0.8,
        "st_management_innovation_score": d(1, 5),
    }
    platform_types = [
        "key_lab",
        "enterprise_tech_center",
        "incubator",
        "maker_space",
        "agri_sci_park",
        "academician_workstation",
    ]
    items = [
        RegistryItem(
            "platform",
            rng.choice(platform_types),
            rng.choice(["national", "provincial", "municipal"]),
            date(rng.randint(2010, year), 6, 1),
        )
        for _ in range(rng.randint(0, 12))
    ] + [
        RegistryItem(
            "award",
            rng.choice(["project", "st_award", "commendation"]),
            "provincial",
            date(year, 5, 1),
        )
        for _ in range(rng.randint(0, 3))
    ]
    return Facts(year, values, tuple(items))


def cases(n: int, seed: int) -> list[Facts]:
    rng = random.Random(seed)
    return [random_facts(rng, rng.randint(2019, 2024)) for _ in range(n)]


#: calls timed together: a batch's CPU time over its calls is one sample
BATCH = 50


def timed(fn, facts: list[Facts]) -> list[float]:  # type: ignore[no-untyped-def]
    """Microseconds per call of fn(f), one sample per batch of BATCH calls (after a warm-up).

    Process CPU time, not wall time: on a shared machine the figures then leave out the time the
    process waits for a core, which would otherwise swamp a 20 us measurement."""
    for f in facts[:200]:
        fn(f)
    clock = time.process_time_ns
    out = []
    for k in range(0, len(facts) - BATCH + 1, BATCH):
        batch = facts[k : k + BATCH]
        t0 = clock()
        for f in batch:
            fn(f)
        out.append((clock() - t0) / 1000 / BATCH)
    return out


def engine_timings(n: int, seed: int) -> dict[str, list[float]]:
    """The calls every revision of the engine has: score() lean and explained, and to_dict()."""
    scheme = builtin_scheme(SCHEME)
    facts = cases(n, seed)
    # facts cache their registry index: give every measurement fresh copies
    fresh = lambda: [Facts(f.year, f.values, f.items) for f in facts]  # noqa: E731
    return {
        "score(explain=False)": timed(lambda f: score(scheme, f, explain=False), fresh()),
        "score()": timed(lambda f: score(scheme, f), fresh()),
        "score()+to_dict()": timed(lambda f: score(scheme, f).to_dict(), fresh()),
    }


def baseline_timings(rev: str, n: int, seed: int) -> dict[str, list[float]] | None:
    """engine_timings of revision `rev`, in a subprocess on an archive of its app/ (None when git
    cannot give it, e.g. a shallow clone)."""
    try:
        tar = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "archive", rev, "app"], capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"baseline {rev}: not available ({exc})", file=sys.stderr)
        return None
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(fileobj=BytesIO(tar)) as t:
            t.extractall(tmp, filter="data")
        r = subprocess.run(
            [sys.executable, __file__, "--n", str(n), "--seed", str(seed), "--engine-json"],
            env={**os.environ, "INNOMON_BENCH_CODE": tmp},
            capture_output=True,
            text=True,
            check=True,
        )
    data: dict[str, list[float]] = json.loads(r.stdout)
    return data


def line(label: str, xs: list[float]) -> str:
    return f"{label:<40} {statistics.median(xs):9.1f} {statistics.quantiles(xs, n=10)[-1]:9.1f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--baseline", default="28313c7", help="revision to compare with, or 'none'")
    ap.add_argument("--engine-json", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.engine_json:  # the baseline subprocess: the engine's timings as JSON
        print(json.dumps(engine_timings(args.n, args.seed)))
        return

    from app.domain.plan import plan_for

    plan = plan_for(builtin_scheme(SCHEME))
    facts = cases(args.n, args.seed)
    now = {"plan.run (numbers only)": timed(plan.run, [Facts(f.year, f.values, f.items) for f in facts])}
    now.update(engine_timings(args.n, args.seed))
    base = baseline_timings(args.baseline, args.n, args.seed) if args.baseline != "none" else None

    print(f"region-years scored {args.n} (seed {args.seed}); microseconds per region-year")
    print(f"{'':<40} {'median':>9} {'p90':>9}")
    for label, xs in now.items():
        print(line(label, xs))
    if base is not None:
        for label, xs in base.items():
            print(line(f"baseline {args.baseline}: {label}", xs))
    med = {k: statistics.median(v) for k, v in now.items()}
    plan_us = med["plan.run (numbers only)"]
    if base is not None:
        old = {k: statistics.median(v) for k, v in base.items()}
        print(f"ratio baseline score() / plan.run               {old['score()'] / plan_us:6.2f}x faster")
        print(
            f"ratio baseline score(explain=False) / plan.run  {old['score(explain=False)'] / plan_us:6.2f}x faster"
        )
        print(
            "ratio baseline / now, score(explain=False)      "
            f"{old['score(explain=False)'] / med['score(explain=False)']:6.2f}x faster"
        )
        print(
            f"ratio baseline / now, score()                   {old['score()'] / med['score()']:6.2f}x faster"
        )
    print(
        f"P4 goal plan <= 20 us: ratio {plan_us / 20:5.2f} of the budget  ({'met' if plan_us <= 20 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
