"""Every speed goal at a small and the full size, in one run, as one table.

    python bench/run_all.py [--sizes small full] [--reps 5] [--database-url postgresql+psycopg://...]
    python bench/run_all.py --sizes tiny          # a smoke run (what the test suite does)

Goals (the issue's table; medians of one run; ratios measured in the same run):
- P1  cached GET /scores/{y}/{region} vs a bare Starlette app serving the same bytes (bench/api_read.py,
      needs wrk and taskset; skipped without them)
- P2  bulk import through the service vs plain executemany (bench/bulk_import.py), SQLite and, with
      --database-url, PostgreSQL
- P3a uncached ranking of N regions, this code vs revision 28313c7 (`git archive` of its app/, run in
      a subprocess with its own import path, on the same database file)
- P3b ranking of N regions after a one-region write (ScoreReader), as a share of the uncached one
- P4  scoring one region-year with the compiled plan (bench/score_domain.py, process CPU time)
- P5  RSS of a fresh process after ranking N regions through the ScoreReader
- P6  `innomon serve` on a migrated database until /readyz answers 200

Sizes: tiny (a smoke run), small (300 regions), full (3,000 regions; the goals are stated for it).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
# INNOMON_BENCH_CODE: the worker runs against another checkout of the code (the baseline)
sys.path.insert(0, os.environ.get("INNOMON_BENCH_CODE") or str(REPO_ROOT))

BASELINE = "28313c7"
SIZES = {"tiny": 30, "small": 300, "full": 3000}
PARENT = "990000"  # bench/ranking.py's large synthetic parent


def worker(db: str, reps: int, with_write: bool) -> dict[str, Any]:
    """Rank the regions under PARENT, uncached (`reps` times), then, with `with_write`, through
    a ScoreReader after one-region writes; RSS of this process at the end. JSON-able figures."""
    from sqlmodel import Session

    from app.db.engine import make_engine
    from app.services.scores import rank_regions

    engine = make_engine(db)
    year = 2020
    try:  # as a server settles after start-up (the baseline has no such step)
        from app.heap import settle_heap
    except ImportError:
        pass
    else:
        settle_heap()
    uncached = []
    for i in range(reps + 1):
        t0 = time.perf_counter()
        with Session(engine) as s:
            _, rows = rank_regions(s, year, PARENT, "county")
        if i:  # the first is a warm-up
            uncached.append((time.perf_counter() - t0) * 1000)
    out: dict[str, Any] = {"uncached_ms": uncached, "regions": len(rows)}
    if with_write:
        from app.db.engine import session_scope, writer
        from app.services.data import ValueRow, import_values
        from app.services.scores import ScoreReader

        reader = ScoreReader(engine, 50_000)
        reader.ranking(year, PARENT, "county")
        after = []
        for k in range(reps):
            with session_scope(writer(engine)) as s:
                import_values(s, year, [ValueRow("900001", "tech_smes", 10 + k)])
            t0 = time.perf_counter()
            reader.ranking(year, PARENT, "county")
            after.append((time.perf_counter() - t0) * 1000)
        out["after_write_ms"] = after
    out["rss_mb"] = _rss_mb()
    engine.dispose()
    return out


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _run(args: list[str], env: dict[str, str] | None = None, timeout: int = 3600) -> str:
    r = subprocess.run(args, cwd=REPO_ROOT, capture_output=True, text=True, env=env, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{r.stderr[-2000:]}")
    return r.stdout


def _worker(db: str, reps: int, with_write: bool, code: str | None = None) -> dict[str, Any]:
    env = {**os.environ, **({"INNOMON_BENCH_CODE": code} if code else {})}
    args = [sys.executable, __file__, "--worker", db, "--reps", str(reps)]
    out = _run(args + (["--with-write"] if with_write else []), env=env)
    data: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return data


def _baseline_code(tmp: str) -> str | None:
    try:
        tar = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "archive", BASELINE, "app"], capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"baseline {BASELINE}: not available ({exc})", file=sys.stderr)
        return None
    with tarfile.open(fileobj=BytesIO(tar)) as t:
        t.extractall(tmp, filter="data")
    return tmp


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_to_ready(db: str) -> float:
    """Seconds from starting `innomon serve` on the (migrated) database to /readyz 200."""
    import httpx

    port = _free_port()
    env = {**os.environ, "INNOMON_DATABASE_URL": db, "INNOMON_LOG_LEVEL": "warning"}
    innomon = str(Path(sys.executable).with_name("innomon"))
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [innomon, "serve", "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - t0 < 60:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    return time.perf_counter() - t0
            except httpx.HTTPError:
                pass
            time.sleep(0.01)
        raise RuntimeError("innomon serve did not get ready in 60 s")
    finally:
        proc.terminate()
        proc.wait(10)


def _grep(pattern: str, text: str) -> str:
    m = re.search(pattern, text)
    return m.group(1) if m else "?"


def measure(size: str, reps: int, pg_url: str | None, tmp: str, base: str | None) -> list[tuple[str, ...]]:
    n = SIZES[size]
    rows: list[tuple[str, ...]] = []
    # P4: the plan per region-year
    out = _run([sys.executable, "bench/score_domain.py", "--n", str(max(200, n * 3)), "--baseline", "none"])
    plan = float(_grep(r"plan\.run \(numbers only\)\s+([\d.]+)", out))
    rows.append(("P4", size, "plan.run per region-year", f"{plan:.1f} us", f"{plan / 20:.2f} of 20 us"))

    # P3a, P3b, P5, P6 on one SQLite database file
    db = f"sqlite:///{tmp}/rank-{size}.db"
    sys.path.insert(0, str(REPO_ROOT))
    from app.db.engine import make_engine
    from bench.ranking import load

    engine = make_engine(db)
    load(engine, n, 10, [2019, 2020])
    engine.dispose()
    now = _worker(db, reps, with_write=True)
    unc = statistics.median(now["uncached_ms"])
    if base is not None:
        old = statistics.median(_worker(db, reps, with_write=False, code=base)["uncached_ms"])
        rows.append(
            (
                "P3a",
                size,
                f"uncached ranking of {n}",
                f"{unc:.0f} ms vs {old:.0f} ms",
                f"{old / unc:.2f}x faster",
            )
        )
    else:
        rows.append(("P3a", size, f"uncached ranking of {n}", f"{unc:.0f} ms", "baseline unavailable"))
    aw = statistics.median(now["after_write_ms"])
    rows.append(
        ("P3b", size, f"ranking of {n} after a 1-region write", f"{aw:.1f} ms", f"{aw / unc:.1%} of uncached")
    )
    rows.append(
        ("P5", size, f"RSS after ranking {n} (fresh process)", f"{now['rss_mb']:.0f} MB", "goal <= 150 MB")
    )
    ready = statistics.median(serve_to_ready(db) for _ in range(3))
    rows.append(("P6", size, "innomon serve to /readyz 200", f"{ready:.2f} s", "goal <= 0.8 s"))

    # P2: bulk import vs plain executemany
    bulk = ["--regions", str(n), "--rounds", "1" if size == "tiny" else "3"]
    if size == "tiny":
        bulk += ["--batch", "100"]
    for label, extra in (("SQLite", []), ("PostgreSQL", ["--database-url", pg_url] if pg_url else None)):
        if extra is None:
            continue
        out = _run([sys.executable, "bench/bulk_import.py", *bulk, *extra])
        ratio = _grep(r"ratio plain/service = ([\d.]+)", out)
        rows.append(("P2", size, f"bulk import, {label}", "-", f"plain/service {ratio}"))

    # P1: cached read vs a bare Starlette app (wrk on another core)
    if shutil.which("wrk") and shutil.which("taskset"):
        dur = "1" if size == "tiny" else "3" if size == "small" else "10"
        out = _run(
            [
                sys.executable,
                "bench/api_read.py",
                "--duration",
                dur,
                "--rounds",
                "1" if size != "full" else "3",
                "--warmup",
                "1",
            ]
        )
        ratio = _grep(r"ratio api/bare = ([\d.]+)", out)
        rows.append(("P1", size, "cached GET /scores vs bare Starlette", "-", f"api/bare {ratio}"))
    else:
        rows.append(
            ("P1", size, "cached GET /scores vs bare Starlette", "-", "skipped: needs wrk and taskset")
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", choices=sorted(SIZES), default=["small", "full"])
    ap.add_argument("--reps", type=int, default=5, help="timed runs per ranking figure (5)")
    ap.add_argument("--database-url", help="PostgreSQL scratch database for P2 (SQLite only without)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--with-write", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.reps, args.with_write)))
        return
    load_before = os.getloadavg()[0]
    table: list[tuple[str, ...]] = []
    with tempfile.TemporaryDirectory() as tmp:
        base = _baseline_code(str(Path(tmp) / "baseline"))
        for size in args.sizes:
            print(f"== {size} ({SIZES[size]} regions)", file=sys.stderr)
            table += measure(size, args.reps, args.database_url, tmp, base)
    print(f"\n{'goal':<5} {'size':<6} {'what':<42} {'median':>22}  ratio / verdict")
    for goal, size, what, median, ratio in sorted(table, key=lambda r: (r[0], list(SIZES).index(r[1]))):
        print(f"{goal:<5} {size:<6} {what:<42} {median:>22}  {ratio}")
    print(f"load average (1 min) before {load_before:.2f}, after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
