"""Benchmark bulk imports: ~100,000 values through the service against a plain executemany INSERT.

    python bench/bulk_import.py [--regions 3000] [--years 2019 2020] [--batch 5000] [--rounds 3]
                                [--profile]
    python bench/bulk_import.py --database-url postgresql+psycopg://postgres@127.0.0.1/innomon_bench

Sets up a fresh database (an SQLite file in a temporary directory, or the PostgreSQL database named
in --database-url, created and dropped by this script) with the services: migrations, the built-in
scheme, the synthetic parent and --regions synthetic counties (app.services.regions.import_regions),
and the periods (app.services.periods.put_period). The values come from app.demo.dataset.generate
(17 elements per region-year, plus other_award_points for about a third of the regions).

Then it times, batch by batch (--batch rows per call, each batch in its own transaction):

1. plain: SQLAlchemy Core executemany INSERT of the prepared parameter rows into data_value_plain,
   a copy of the data_value table (same columns, constraints and indexes), through
   writer(engine).begin() - the floor for writing these rows;
2. service: app.services.data.import_values(session, year, rows) in
   session_scope(writer(engine)) - row checks, existing-row lookup, classification, INSERT;
3. re-send: the same service batches again, all unchanged (nothing written).

Runs --rounds rounds (both tables emptied between rounds, and vacuumed on PostgreSQL) and prints
seconds and rows/s per round, the medians, and the ratios of the medians plain time / service time
(goal >= 0.6) and plain time / re-send time. --profile prints the top cProfile entries (by own
time) of the first round's service import and re-send (the timings of that round include the
profiler's overhead).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import database_label, median, progress, redact, scratch_database

GOAL = 0.6  # issue 10, P2


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--database-url", help="PostgreSQL URL of a scratch database (default: SQLite)")
    ap.add_argument("--regions", type=int, default=3000, help="synthetic regions (3000)")
    ap.add_argument("--years", type=int, nargs="+", default=[2019, 2020], help="data years")
    ap.add_argument("--batch", type=int, default=5000, help="rows per call and transaction (5000)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds, tables emptied between (3)")
    ap.add_argument("--profile", action="store_true", help="cProfile the first service import")
    ap.add_argument("--top", type=int, default=25, help="profile entries to print (25)")
    args = ap.parse_args(argv)

    from sqlalchemy import func, select
    from sqlalchemy.sql.elements import conv

    from app.db import migrate
    from app.db.engine import make_engine, session_scope, writer
    from app.db.tables import DataValue, metadata
    from app.db.types import utcnow
    from app.demo.dataset import DEMO_SCHEME, generate
    from app.demo.regions import synthetic_parent_rows, synthetic_regions
    from app.services.audit import Actor, Principal
    from app.services.data import ValueRow, encode, import_values

    BENCH = Actor(Principal("bench", "admin"))
    from app.services.periods import put_period
    from app.services.regions import import_regions
    from app.services.schemes import get_scheme, sync_builtin_schemes

    load_before = os.getloadavg()[0]
    with scratch_database(args.database_url, "bulk-import") as url:
        engine = make_engine(url)
        try:
            progress(f"migrating {redact(url)}")
            migrate.upgrade(engine)
            region_rows = synthetic_regions(args.regions)
            with session_scope(writer(engine)) as s:
                sync_builtin_schemes(s)
                import_regions(s, [*synthetic_parent_rows(), *region_rows])
                for y in args.years:
                    put_period(s, y, DEMO_SCHEME, str(y + 1))
                scheme = get_scheme(s, DEMO_SCHEME)
            progress(f"{len(region_rows)} regions and periods {args.years} created")

            # a copy of data_value: same columns, types, constraints (foreign keys included) and
            # indexes under other names; in the app's metadata so that its foreign keys resolve
            plain = DataValue.__table__.to_metadata(metadata, name="data_value_plain")  # type: ignore[attr-defined]
            for c in [*plain.constraints, *plain.indexes]:
                if c.name and not str(c.name).startswith("ix_data_value_plain"):
                    c.name = conv(str(c.name).replace("data_value", "data_value_plain", 1))
            plain.create(engine)

            dataset = generate([r["code"] for r in region_rows], args.years)
            batches: list[tuple[int, list[ValueRow]]] = []
            params: list[list[dict[str, Any]]] = []
            now = utcnow()
            for y in args.years:
                rows = [
                    ValueRow(ry.region, e, v, None)
                    for ry in dataset.values
                    if ry.year == y
                    for e, v in ry.values.items()
                ]
                for i in range(0, len(rows), args.batch):
                    chunk = rows[i : i + args.batch]
                    batches.append((y, chunk))
                    out = []
                    for r in chunk:
                        number, text = encode(scheme.elements[r.element].parse(r.value))
                        out.append(
                            dict(
                                year=y,
                                region_code=r.region,
                                element=r.element,
                                value_number=number,
                                value_text=text,
                                comment=None,
                                source="bench",
                                updated_at=now,
                            )
                        )
                    params.append(out)
            n = sum(len(b) for _, b in batches)
            progress(f"{n:,} values in {len(batches)} batches of up to {args.batch:,}; timing")

            w = writer(engine)

            def run_plain() -> float:
                t0 = time.perf_counter()
                for p in params:
                    with w.begin() as conn:
                        conn.execute(plain.insert(), p)
                return time.perf_counter() - t0

            def run_service() -> tuple[float, dict[str, int]]:
                counts = {"created": 0, "updated": 0, "unchanged": 0}
                t0 = time.perf_counter()
                for y, chunk in batches:
                    with session_scope(w) as s:
                        res = import_values(s, y, chunk, max_rows=args.batch, actor=BENCH)
                    counts["created"] += res.created
                    counts["updated"] += res.updated
                    counts["unchanged"] += res.unchanged
                return time.perf_counter() - t0, counts

            def empty_tables() -> None:
                with w.begin() as conn:
                    conn.execute(plain.delete())
                    conn.execute(DataValue.__table__.delete())  # type: ignore[attr-defined]
                if engine.dialect.name == "postgresql":
                    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                        c.exec_driver_sql("VACUUM ANALYZE data_value, data_value_plain")

            profiles: dict[str, cProfile.Profile] = {}

            def timed_service(label: str, profile: bool) -> tuple[float, dict[str, int]]:
                if not profile:
                    return run_service()
                prof = profiles[label] = cProfile.Profile()
                prof.enable()
                try:
                    return run_service()
                finally:
                    prof.disable()

            results: list[tuple[float, float, float]] = []
            for r in range(1, args.rounds + 1):
                if r > 1:
                    empty_tables()
                t_plain = run_plain()
                profile = args.profile and r == 1  # the first round only
                t_service, first = timed_service("service import (created)", profile)
                t_resend, again = timed_service("re-send (all unchanged)", profile)
                with engine.connect() as conn:
                    stored = conn.execute(select(func.count()).select_from(DataValue)).scalar_one()
                    stored_plain = conn.execute(select(func.count()).select_from(plain)).scalar_one()
                if not (first["created"] == stored == stored_plain == n == again["unchanged"]):
                    raise SystemExit(
                        f"counts disagree: {n} rows, service {first}, re-send {again}, "
                        f"stored {stored}, plain {stored_plain}"
                    )
                results.append((t_plain, t_service, t_resend))
                progress(
                    f"round {r}: plain {t_plain:.2f} s, service {t_service:.2f} s "
                    f"({first['created']:,} created), re-send {t_resend:.2f} s "
                    f"({again['unchanged']:,} unchanged)"
                )
        finally:
            engine.dispose()
    load_after = os.getloadavg()[0]

    print(
        f"\nbulk import of {n:,} values ({args.regions} regions x {len(args.years)} years), "
        f"{len(batches)} batches of {args.batch:,}, one transaction each — {database_label(url)}"
    )
    print(f"{'round':>5}  {'path':<34} {'seconds':>8} {'rows/s':>10}")
    labels = (
        "plain executemany INSERT",
        "service import_values (created)",
        "service re-send (all unchanged)",
    )
    for r, times in enumerate(results, 1):
        for label, t in zip(labels, times, strict=True):
            print(f"{r:>5}  {label:<34} {t:>8.2f} {n / t:>10,.0f}")
    med = [median([x[i] for x in results]) for i in range(3)]
    print()
    for label, t in zip(labels, med, strict=True):
        print(f"median {label:<34} {t:>8.2f} s {n / t:>10,.0f} rows/s")
    ratio = med[0] / med[1]
    verdict = "meets" if ratio >= GOAL else "MISSES"
    print(f"ratio plain/service = {ratio:.2f}  ({verdict} the goal >= {GOAL}; medians)")
    print(f"ratio plain/re-send = {med[0] / med[2]:.2f}")
    print(f"load average (1 min) before {load_before:.2f}, after {load_after:.2f}")
    for label, prof in profiles.items():
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(args.top)
        print(f"\ncProfile of the round-1 {label}, by own time (profiling slows it):")
        print(buf.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
