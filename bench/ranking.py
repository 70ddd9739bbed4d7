"""Benchmark rankings: 3,000 and 300 regions, uncached (after any write) and cached.

    python bench/ranking.py [--reps 9] [--cached-reps 200] [--profile]
    python bench/ranking.py --database-url postgresql+psycopg://postgres@127.0.0.1/innomon_bench

Sets up a fresh database (an SQLite file in a temporary directory, or the PostgreSQL database named
in --database-url, created and dropped by this script): migrations, the built-in scheme, --large
synthetic counties under the synthetic parent 990000 (app.demo.regions.synthetic_regions) and --small more
under a second fake province 980000, periods for --years, values from app.demo.dataset.generate imported
through app.services.data.import_values, and the generated registry items (platforms and awards)
inserted in bulk into their tables.

Then it times, for the last year, level county:

- uncached: app.services.scores.rank_regions(session, year, parent, "county") in a new Session, the
  computation a request pays after any write (one warm-up, then --reps timed runs) for parent
  990000 (--large regions) and 980000 (--small regions); median and p90 in ms, and the cost ratio
  large/small (linear would be large/small regions);
- the stages of one uncached large ranking (region lookup, facts_by_region with its two queries
  timed alone, the plan's summary of every region, sort);
- the number of garbage-collector passes during one uncached large ranking, and the uncached large
  ranking with the cyclic garbage collector disabled (a diagnostic: what the collector costs);
- cached: ScoreReader.ranking(year, parent, "county") after a first computing call: the version
  probe and an LRU hit (--cached-reps runs).

Goal: uncached median <= 300 ms for 3,000 regions. --profile adds a cProfile of one uncached large
ranking (top entries by own time and by cumulative time).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import database_label, median, pct, progress, redact, scratch_database

GOAL_MS = 300.0
LARGE_PARENT = "990000"
SMALL_PARENT = "980000"


def timings(fn: Callable[[], Any], reps: int) -> list[float]:
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def load(engine: Any, large: int, small: int, years: list[int]) -> int:
    """Regions, periods, values (through the service) and registry items (in bulk); returns the
    number of registry items."""
    from app.db import migrate
    from app.db import repositories as repo
    from app.db.engine import session_scope, writer
    from app.db.tables import Award, Platform
    from app.db.types import utcnow
    from app.demo.dataset import DEMO_SCHEME, generate
    from app.demo.regions import synthetic_parent_rows, synthetic_regions
    from app.services.audit import Actor, Principal
    from app.services.data import ValueRow, import_values
    from app.services.periods import put_period
    from app.services.regions import import_regions
    from app.services.schemes import sync_builtin_schemes

    BENCH = Actor(Principal("bench", "admin"))

    migrate.upgrade(engine)
    parent = synthetic_parent_rows()[0]
    second = {**parent, "code": SMALL_PARENT, "name_zh": "演示省二", "name_en": "Demo 2"}
    rows = synthetic_regions(large + small)
    for r in rows[large:]:
        r["parent_code"] = SMALL_PARENT
    with session_scope(writer(engine)) as s:
        sync_builtin_schemes(s)
        import_regions(s, [parent, second, *rows])
        for y in years:
            put_period(s, y, DEMO_SCHEME, str(y + 1))
    progress(f"{large} regions under {LARGE_PARENT}, {small} under {SMALL_PARENT}, periods {years}")
    dataset = generate([r["code"] for r in rows], years)
    for y in years:
        values = [
            ValueRow(ry.region, e, v, None)
            for ry in dataset.values
            if ry.year == y
            for e, v in ry.values.items()
        ]
        for i in range(0, len(values), 20_000):
            with session_scope(writer(engine)) as s:
                import_values(s, y, values[i : i + 20_000], actor=BENCH)
        progress(f"{len(values):,} values of {y} imported (import_values)")
    now = utcnow()
    platforms = [
        dict(
            region_code=i.region,
            type=i.type,
            level=i.level,
            name=i.name,
            recognized_on=i.start,
            revoked_on=i.end,
            created_at=now,
            updated_at=now,
        )
        for i in dataset.items
        if i.registry == "platform"
    ]
    awards = [
        dict(
            region_code=i.region,
            type=i.type,
            level=i.level,
            name=i.name,
            awarded_on=i.start,
            created_at=now,
            updated_at=now,
        )
        for i in dataset.items
        if i.registry == "award"
    ]
    with session_scope(writer(engine)) as s:
        s.execute(Platform.__table__.insert(), platforms)  # type: ignore[attr-defined]
        s.execute(Award.__table__.insert(), awards)  # type: ignore[attr-defined]
        repo.bump_periods(s)
    progress(f"{len(platforms):,} platforms and {len(awards):,} awards inserted in bulk")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("VACUUM ANALYZE")  # what autovacuum does soon after a bulk load
    return len(dataset.items)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--database-url", help="PostgreSQL URL of a scratch database (default: SQLite)")
    ap.add_argument("--large", type=int, default=3000, help="regions under 990000 (3000)")
    ap.add_argument("--small", type=int, default=300, help="regions under 980000 (300)")
    ap.add_argument("--years", type=int, nargs="+", default=[2019, 2020], help="data years")
    ap.add_argument("--reps", type=int, default=9, help="timed uncached rankings per scope (9)")
    ap.add_argument("--cached-reps", type=int, default=200, help="timed cached rankings (200)")
    ap.add_argument("--profile", action="store_true", help="cProfile one uncached large ranking")
    ap.add_argument("--top", type=int, default=25, help="profile entries to print (25)")
    args = ap.parse_args(argv)

    from sqlmodel import Session

    from app.db import repositories as repo
    from app.db.engine import make_engine, session_scope, writer
    from app.db.facts import ranking_facts
    from app.services import schemes
    from app.services.data import ValueRow, import_values
    from app.services.scores import ScoreReader, rank_regions, summarise

    year = max(args.years)
    load_before = os.getloadavg()[0]
    with scratch_database(args.database_url, "ranking") as url:
        engine = make_engine(url)
        try:
            progress(f"migrating {redact(url)}")
            n_items = load(engine, args.large, args.small, args.years)

            def rank(parent_code: str) -> Any:
                with Session(engine) as s:
                    return rank_regions(s, year, parent_code, "county")

            scopes = {"large": (LARGE_PARENT, args.large), "small": (SMALL_PARENT, args.small)}
            uncached: dict[str, list[float]] = {}
            for key, (code, n) in scopes.items():
                _, ranked = rank(code)  # warm-up
                if len(ranked) != n:
                    raise SystemExit(f"ranking of {code} has {len(ranked)} rows, not {n}")
                uncached[key] = timings(lambda c=code: rank(c), args.reps)
                progress(f"uncached ranking of {n} regions: median {median(uncached[key]):.0f} ms")

            # the stages of one uncached large ranking, as rank_regions runs them
            stages: dict[str, float] = {}
            with Session(engine) as s:
                t0 = time.perf_counter()
                period = repo.get_period(s, year)
                assert period is not None
                scheme = schemes.get_scheme(s, period.scheme_code)
                codes = [c for c in repo.subtree_codes(s, LARGE_PARENT) if c != LARGE_PARENT]
                regions = repo.region_rows(s, codes, "county")
                t1 = time.perf_counter()
                facts = ranking_facts(s, scheme, year, [r.code for r in regions])
                t2 = time.perf_counter()
                summaries = summarise(scheme, facts, [r.code for r in regions])
                t3 = time.perf_counter()
                scored = sorted(regions, key=lambda r: (-summaries[r.code][0], r.code))
                t4 = time.perf_counter()
                region_codes = [r.code for r in regions]
                t5 = time.perf_counter()
                value_rows = repo.scoring_values(s, year, region_codes)
                t6 = time.perf_counter()
                plats, awds = repo.scoring_items(s, year, region_codes)
                t7 = time.perf_counter()
            stages = {
                "period, scheme, subtree, region_rows": (t1 - t0) * 1000,
                "ranking_facts (values, tallies in SQL)": (t2 - t1) * 1000,
                "  of which scoring_values query (alone)": (t6 - t5) * 1000,
                "  of which scoring_items query (alone)": (t7 - t6) * 1000,
                "summarise (Plan.summary x regions)": (t3 - t2) * 1000,
                "sort": (t4 - t3) * 1000,
            }
            sizes = (len(value_rows), len(plats), len(awds))
            del value_rows, plats, awds, facts, scored, regions

            # diagnostic: the cyclic garbage collector's share of an uncached large ranking
            collections: list[int] = []

            def on_gc(phase: str, info: dict[str, int]) -> None:
                if phase == "start":
                    collections.append(info["generation"])

            gc.callbacks.append(on_gc)
            rank(LARGE_PARENT)
            gc.callbacks.remove(on_gc)
            gc.collect()
            gc.disable()
            try:
                gc_off = timings(lambda: rank(LARGE_PARENT), max(3, args.reps // 3))
            finally:
                gc.enable()

            # after a one-region write: the reader re-reads and re-scores only the changed region
            write_reader = ScoreReader(engine, 50_000)
            write_reader.ranking(year, LARGE_PARENT, "county")  # keeps every region's scores
            first_region = "900001"  # the first synthetic county under LARGE_PARENT
            counter = iter(range(1, 1_000_000))

            def write_then_rank() -> Any:
                with session_scope(writer(engine)) as s:
                    row = ValueRow(first_region, "tech_smes", next(counter))
                    import_values(s, year, [row])
                return write_reader.ranking(year, LARGE_PARENT, "county")

            after_write = timings(write_then_rank, args.reps)
            progress(
                f"ranking of {args.large} regions after a one-region write: median {median(after_write):.0f} ms"
            )

            reader = ScoreReader(engine, 50_000)
            cached: dict[str, list[float]] = {}
            for key, (code, _) in scopes.items():
                reader.ranking(year, code, "county")
                cached[key] = timings(lambda c=code: reader.ranking(year, c, "county"), args.cached_reps)
            reader.close()

            prof = None
            if args.profile:
                prof = cProfile.Profile()
                prof.enable()
                rank(LARGE_PARENT)
                prof.disable()
        finally:
            engine.dispose()
    load_after = os.getloadavg()[0]

    print(
        f"\nranking of year {year}, level county — {database_label(url)}; {n_items:,} registry items in all"
    )
    print(f"{'path':<10} {'regions':>7} {'runs':>5} {'median ms':>10} {'p90 ms':>9} {'min ms':>9}")
    for label, data in (("uncached", uncached), ("cached", cached)):
        for key, (_, n) in scopes.items():
            xs = data[key]
            print(f"{label:<10} {n:>7} {len(xs):>5} {median(xs):>10.3f} {pct(xs, 90):>9.3f} {min(xs):>9.3f}")
    xs = after_write
    print(
        f"{'1 write':<10} {args.large:>7} {len(xs):>5} {median(xs):>10.3f} {pct(xs, 90):>9.3f} {min(xs):>9.3f}"
        "   (write one value, then ScoreReader.ranking: what a request pays after that write)"
    )
    ratio = median(uncached["large"]) / median(uncached["small"])
    print(
        f"cost ratio uncached {args.large}/{args.small} regions = {ratio:.1f} "
        f"(linear: {args.large / args.small:.1f})"
    )
    m = median(uncached["large"])
    verdict = "meets" if m <= GOAL_MS else "MISSES"
    print(f"uncached {args.large}: median {m:.0f} ms ({verdict} the goal <= {GOAL_MS:.0f} ms)")
    print(
        f"\nstages of one uncached ranking of {args.large} regions "
        f"({sizes[0]:,} value rows, {sizes[1]:,} active platforms, {sizes[2]:,} awards):"
    )
    for label, ms in stages.items():
        print(f"  {label:<40} {ms:>8.1f} ms")
    print(
        f"\ngarbage collector during one uncached ranking of {args.large} regions: "
        f"{collections.count(0)} gen-0, {collections.count(1)} gen-1, {collections.count(2)} full "
        f"collections (thresholds {gc.get_threshold()})"
    )
    print(
        f"uncached {args.large} with gc disabled (diagnostic, {len(gc_off)} runs): "
        f"median {median(gc_off):.0f} ms, vs {m:.0f} ms with gc enabled"
    )
    print(f"load average (1 min) before {load_before:.2f}, after {load_after:.2f}")
    if prof is not None:
        for order in ("tottime", "cumulative"):
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats(order).print_stats(args.top)
            print(f"\ncProfile of one uncached ranking of {args.large} regions, by {order}:")
            print(buf.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
