"""Benchmark the pages: the round bulletin of 167 counties (HTML and PDF) and a county report.

    python bench/reports.py [--regions 167] [--reps 7] [--pdf-reps 3] [--cached-reps 50]
    python bench/reports.py --database-url postgresql+psycopg://postgres@127.0.0.1/innomon_bench

Sets up a fresh database (an SQLite file in a temporary directory, or the PostgreSQL database named
in --database-url, created and dropped by this script) with --regions synthetic counties under the
synthetic parent 990000 and two data years of generated values and registry items (the loader of
bench/ranking.py). Then, through the app in this process (httpx over ASGI, with an API key, as a
client would ask):

- bulletin HTML after a write: GET /reports/{year}?parent=990000 after each bump of the period's
  data version (what any write does), so the rankings of both years, the round summary and the
  completeness are read and the page is rendered anew; goal <= 300 ms;
- bulletin PDF after a write: the same as ?format=pdf; goal <= 3 s;
- county report HTML, cached: GET /reports/{year}/{region} while the data version is unchanged;
  goal <= 50 ms; and the same after a write, for comparison.

Prints medians in ms of wall-clock time and of this process's CPU time (the app runs in this
process, so that is the work a request costs, whatever else the machine is running; the load
average is printed beside them), and the ratio of the wall-clock median to the goal (below 1 meets
it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import median, progress, redact, scratch_database

PARENT = "990000"
TOKEN = "bench-reports-admin-token-0123456789abcdefghij"
GOALS_MS = {"bulletin_html": 300.0, "bulletin_pdf": 3000.0, "county_html_cached": 50.0}


def bump(engine: Any, year: int) -> None:
    """What any write of the year does to the caches: a new data version."""
    from app.db import repositories as repo
    from app.db.engine import session_scope, writer

    with session_scope(writer(engine)) as s:
        repo.bump_periods(s, years=[year])


async def run(
    engine: Any, url: str, year: int, region: str, args: argparse.Namespace
) -> dict[str, list[float]]:
    import httpx

    from app.config import Settings
    from app.main import create_app

    app = create_app(Settings(database_url=url, bootstrap_admin_token=TOKEN))
    cpu: dict[str, list[float]] = {
        k: [] for k in ("bulletin_html", "bulletin_pdf", "county_html_cached", "county_html")
    }
    out: dict[str, list[float]] = {
        k: [] for k in ("bulletin_html", "bulletin_pdf", "county_html_cached", "county_html")
    }
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", headers=headers, timeout=120
        ) as c:

            async def timed(path: str, key: str | None) -> httpx.Response:
                t0, c0 = time.perf_counter(), time.process_time()
                r = await c.get(path)
                ms = (time.perf_counter() - t0) * 1000
                if key is not None:
                    cpu[key].append((time.process_time() - c0) * 1000)
                if r.status_code != 200:
                    raise SystemExit(f"GET {path}: {r.status_code} {r.text[:500]}")
                if key is not None:
                    out[key].append(ms)
                return r

            bulletin = f"/reports/{year}?parent={PARENT}"
            county = f"/reports/{year}/{region}"
            first = await timed(bulletin, None)  # warm-up: imports, templates, the first ranking
            rows = first.text.count("</tr>")
            progress(f"bulletin: {len(first.content):,} bytes, {rows} table rows")
            await timed(f"{bulletin}&format=pdf", None)
            for _ in range(args.reps):
                bump(engine, year)
                await timed(bulletin, "bulletin_html")
            progress(f"bulletin HTML after a write: median {median(out['bulletin_html']):.0f} ms")
            for _ in range(args.pdf_reps):
                bump(engine, year)
                r = await timed(f"{bulletin}&format=pdf", "bulletin_pdf")
            progress(
                f"bulletin PDF after a write: median {median(out['bulletin_pdf']):.0f} ms, {len(r.content):,} bytes"
            )
            for _ in range(args.reps):
                bump(engine, year)
                await timed(county, "county_html")
            await timed(county, None)
            for _ in range(args.cached_reps):
                await timed(county, "county_html_cached")
    return {**out, **{f"{k}_cpu": v for k, v in cpu.items()}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--database-url", help="PostgreSQL URL of a scratch database (default: SQLite)")
    ap.add_argument("--regions", type=int, default=167, help="counties in the bulletin (167, Hebei's)")
    ap.add_argument("--years", type=int, nargs=2, default=[2022, 2023], help="the two data years")
    ap.add_argument("--reps", type=int, default=7, help="timed bulletin HTML and uncached county runs (7)")
    ap.add_argument("--pdf-reps", type=int, default=3, help="timed bulletin PDF runs (3)")
    ap.add_argument("--cached-reps", type=int, default=50, help="timed cached county report runs (50)")
    args = ap.parse_args(argv)

    from app.db.engine import make_engine
    from bench.ranking import load

    year = max(args.years)
    load_before = os.getloadavg()
    with scratch_database(args.database_url, "reports") as url:
        engine = make_engine(url)
        try:
            progress(f"loading {args.regions} counties into {redact(url)}")
            load(engine, args.regions, 0, sorted(args.years))
            from sqlmodel import Session

            from app.db import repositories as repo

            with Session(engine) as s:
                region = sorted(c for c in repo.subtree_codes(s, PARENT) if c != PARENT)[0]
            out = asyncio.run(run(engine, url, year, region, args))
        finally:
            engine.dispose()

    print(
        f"reports: {args.regions} counties under {PARENT}, data year {year}, database {'PostgreSQL' if args.database_url else 'SQLite'}"
    )
    print(
        f"load average (1 min) before and after: {load_before[0]:.2f}, {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )
    print(f"{'measure':<34}{'runs':>6}{'median ms':>12}{'CPU ms':>10}{'goal ms':>10}{'ratio':>8}")
    labels = {
        "bulletin_html": "bulletin HTML, after a write",
        "bulletin_pdf": "bulletin PDF, after a write",
        "county_html_cached": "county report HTML, cached",
        "county_html": "county report HTML, after a write",
    }
    for key, label in labels.items():
        xs = out[key]
        goal = GOALS_MS.get(key)
        ratio = f"{median(xs) / goal:.2f}" if goal else "–"
        cpu = median(out[f"{key}_cpu"])
        print(
            f"{label:<34}{len(xs):>6}{median(xs):>12.1f}{cpu:>10.1f}{(f'{goal:.0f}' if goal else '–'):>10}{ratio:>8}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
