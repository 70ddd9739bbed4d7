"""Benchmark the scoring engine: score 10,000 random region-years, print median microseconds.

    python bench/score_domain.py [--n 10000] [--seed 1]

Goal: median <= 100 us per region-year for `score()` on one core. Also prints the cost with the
JSON-ready `to_dict()` that the API and the CLI add on top.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.domain import Facts, RegistryItem, builtin_scheme, score


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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    scheme = builtin_scheme("hebei-county-2019")
    rng = random.Random(args.seed)
    cases = [random_facts(rng, rng.randint(2019, 2024)) for _ in range(args.n)]
    for f in cases[:200]:  # warm up
        score(scheme, f).to_dict()
    clock = time.perf_counter_ns
    score_us, full_us = [], []
    for f in cases:
        t0 = clock()
        b = score(scheme, f)
        t1 = clock()
        b.to_dict()
        t2 = clock()
        score_us.append((t1 - t0) / 1000)
        full_us.append((t2 - t0) / 1000)
    med = statistics.median(score_us)
    print(f"region-years scored      {args.n}")
    print(f"score() median           {med:8.1f} us   p90 {statistics.quantiles(score_us, n=10)[-1]:.1f} us")
    print(f"score()+to_dict() median {statistics.median(full_us):8.1f} us")
    print(f"goal <= 100 us: ratio    {med / 100:8.2f} of the budget  ({'met' if med <= 100 else 'NOT met'})")


if __name__ == "__main__":
    main()
