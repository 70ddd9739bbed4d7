"""Benchmark the Monte Carlo robustness analysis: 1,000 draws over 167 and over 3,000 regions.

    python bench/robustness.py [--draws 1000] [--reps 5] [--sizes 167,3000]

For each size: synthetic regions (app.demo.regions.synthetic_regions) with one data year of generated facts
(app.demo.dataset.generate), held in memory (no database). Timed, median of --reps runs:

- prepare: exact totals of every region from the domain engine (as a ranking computes them) and
  app.robustness.extract.extract (every region scored with explanations, arrays built);
- draws: app.robustness.model.uncertainty with the default noise (weights 0.25, band edges 0.10,
  assessed 1), the vectorised part;
- total: prepare + draws, what a request pays on top of loading the facts from the database.

Goals (issue): total <= 2 s for 167 regions and <= 20 s for 3,000, 1,000 draws each.

With --service, it also loads the same kind of data into a scratch database (bench/ranking.py's
loader: the larger size under 990000, the smaller under 980000; --database-url for PostgreSQL) and
times app.services.robustness.robustness end to end, as GET /scores/{year}/robustness runs it: the
exact ranking, the facts read from the database, the arrays and the draws.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import median, progress

GOALS = {167: 2.0, 3000: 20.0}
YEAR = 2022


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--sizes", default="167,3000")
    ap.add_argument("--service", action="store_true", help="also time the service on a database")
    ap.add_argument("--database-url", help="PostgreSQL URL of a scratch database (default: SQLite)")
    args = ap.parse_args()

    import numpy as np

    from app.demo.dataset import DEMO_SCHEME, generate
    from app.demo.regions import synthetic_regions
    from app.domain import Facts, RegistryItem, builtin_scheme, score
    from app.robustness.extract import extract
    from app.robustness.model import Noise, uncertainty

    scheme = builtin_scheme(DEMO_SCHEME)
    print(f"robustness benchmark: {args.draws} draws, median of {args.reps} runs, default noise")
    print(f"{'regions':>8} {'prepare s':>10} {'draws s':>9} {'total s':>9} {'goal s':>7} {'total/goal':>10}")
    failed = False
    for size in (int(s) for s in args.sizes.split(",")):
        codes = [r["code"] for r in synthetic_regions(size) if r["code"] is not None]
        data = generate(codes, [YEAR])
        by_region: dict[str, list[RegistryItem]] = {c: [] for c in codes}
        for item in data.items:
            by_region[item.region].append(item.to_registry_item())
        values = {ry.region: ry.values for ry in data.values if ry.year == YEAR}
        facts = {c: Facts(YEAR, values.get(c, {}), tuple(by_region[c])) for c in codes}
        progress(f"{size} regions generated")
        prep, draw = [], []
        for _ in range(args.reps):
            t0 = time.perf_counter()
            totals = np.array([float(score(scheme, facts[c], c, explain=False).total) for c in codes])
            inputs = extract(scheme, facts, codes)
            t1 = time.perf_counter()
            u = uncertainty(inputs, totals, Noise(), args.draws, seed=0)
            t2 = time.perf_counter()
            prep.append(t1 - t0)
            draw.append(t2 - t1)
            assert int(u.rank_counts.sum()) == size * args.draws
        total = median([p + d for p, d in zip(prep, draw, strict=True)])
        goal = GOALS.get(size)
        ratio = f"{total / goal:10.2f}" if goal else f"{'-':>10}"
        print(
            f"{size:>8} {median(prep):>10.3f} {median(draw):>9.3f} {total:>9.3f} "
            f"{goal if goal else '-':>7} {ratio}"
        )
        failed |= goal is not None and total > goal
    if args.service:
        failed |= service(args)
    return 1 if failed else 0


def service(args: argparse.Namespace) -> bool:
    from sqlmodel import Session

    from app.db.engine import make_engine
    from app.robustness.model import Noise
    from app.services.robustness import robustness
    from bench._support import database_label, scratch_database
    from bench.ranking import LARGE_PARENT, SMALL_PARENT, load

    small, large = sorted(int(s) for s in args.sizes.split(","))
    failed = False
    with scratch_database(args.database_url, "robustness") as url:
        engine = make_engine(url)
        try:
            load(engine, large, small, [YEAR])
            print(f"service, {database_label(url)}: robustness(year, parent, 'county', draws={args.draws})")
            print(f"{'regions':>8} {'median s':>9} {'goal s':>7} {'ratio':>6}")
            for parent, size in ((SMALL_PARENT, small), (LARGE_PARENT, large)):
                times = []
                for _ in range(args.reps):
                    with Session(engine) as session:
                        t0 = time.perf_counter()
                        body = robustness(
                            session, YEAR, parent, "county", draws=args.draws, seed=0, noise=Noise()
                        )
                        times.append(time.perf_counter() - t0)
                    assert body["regions"] == size
                goal = GOALS.get(size)
                m = median(times)
                ratio = f"{m / goal:6.2f}" if goal else f"{'-':>6}"
                print(f"{size:>8} {m:>9.3f} {goal if goal else '-':>7} {ratio}")
                failed |= goal is not None and m > goal
        finally:
            engine.dispose()
    return failed


if __name__ == "__main__":
    sys.exit(main())
