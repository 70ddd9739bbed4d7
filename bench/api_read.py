"""Benchmark the read path: GET /api/v1/scores/{year}/{region} against a bare Starlette app.

    python bench/api_read.py [--duration 10] [--rounds 3] [--connections 32]
    python bench/api_read.py --database-url postgresql+psycopg://postgres@127.0.0.1/innomon_bench

Loads the demo dataset (`innomon demo`) into a fresh database (an SQLite file in a temporary
directory, or the PostgreSQL database named in --database-url, created and dropped by this script),
starts `innomon serve` with INNOMON_BENCH_ROUTES=1 pinned to core 0 (`taskset -c 0`, one uvicorn
worker, uvloop + httptools), checks that both endpoints return the same bytes, warms them, then runs
`taskset -c 1 wrk -t2 -c32 -dNs --latency URL` alternately on

- the API endpoint (authentication, limits, request id, log and metrics, the change check, the
  cached breakdown bytes), and
- bench/bare_app.py, a minimal Starlette app outside innomon serving the same bytes from memory
  under the same uvicorn settings on the same core (the ceiling),

for --rounds rounds each, and prints req/s, p50 and p99 per round, the median req/s per endpoint
and the ratio api/bare (goal >= 0.4). Needs wrk (`apt-get install -y wrk`) and taskset (util-linux).
Figures vary 10-30 % from run to run: compare only within one run.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import REPO_ROOT, database_label, median, progress, redact, scratch_database

GOAL = 0.4
BIN = Path(sys.executable).parent


def innomon_command() -> list[str]:
    exe = BIN / "innomon"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "app.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


#: the admin key of the benchmark server; both endpoints are sent it, the API route checks it
TOKEN = "inm_bench-token-0123456789abcdefghijklmnopqrstuvwxyz"
AUTH_HEADER = f"Authorization: Bearer {TOKEN}"


def fetch(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def run_wrk(url: str, duration: float, threads: int, connections: int, core: str) -> dict[str, float]:
    cmd = [
        *(["taskset", "-c", core] if core else []),
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration:g}s",
        "--latency",
        "-H",
        AUTH_HEADER,
        url,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    total = re.search(r"(\d+) requests in", out)
    if not (rps and p50 and p99 and total):
        raise RuntimeError(f"cannot read wrk output:\n{out}")
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {
        "rps": float(rps.group(1)),
        "p50": _ms(p50.group(1)),
        "p99": _ms(p99.group(1)),
        "requests": float(total.group(1)),
        "non2xx": float(non2xx.group(1)) if non2xx else 0.0,
        "socket_errors": 1.0 if errors else 0.0,
    }


def wait_ready(
    base: str, proc: subprocess.Popen[bytes], timeout: float = 60.0, path: str = "/healthz"
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with status {proc.returncode}")
        try:
            if fetch(base + path, timeout=1.0)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not answer /healthz in time")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--database-url", help="PostgreSQL URL of a scratch database (default: SQLite)")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run (10)")
    ap.add_argument("--rounds", type=int, default=3, help="wrk runs per endpoint (3)")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds of wrk warm-up each (3)")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    ap.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    ap.add_argument("--year", type=int, default=2020)
    ap.add_argument("--region", default="130102", help="a demo region (130102, 长安区)")
    ap.add_argument("--server-core", default="0", help="taskset core list of the server (0)")
    ap.add_argument("--wrk-core", default="1", help="taskset core list of wrk (1)")
    args = ap.parse_args(argv)

    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk (Debian/Ubuntu)", file=sys.stderr)
        return 2
    if shutil.which("taskset") is None:
        print("taskset is not installed: apt-get install -y util-linux", file=sys.stderr)
        return 2

    load_before = os.getloadavg()[0]
    with scratch_database(args.database_url, "api-read") as url:
        env = {
            **os.environ,
            "INNOMON_DATABASE_URL": url,
            "INNOMON_BENCH_ROUTES": "1",
            "INNOMON_BOOTSTRAP_ADMIN_TOKEN": TOKEN,
            "INNOMON_LOG_LEVEL": "warning",
        }
        progress(f"loading the demo dataset into {redact(url)} (innomon demo)")
        subprocess.run([*innomon_command(), "demo"], env=env, cwd=REPO_ROOT, check=True, capture_output=True)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        progress(f"starting innomon serve on core {args.server_core}, port {port}")
        proc = subprocess.Popen(
            [
                "taskset",
                "-c",
                args.server_core,
                *innomon_command(),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=env,
            cwd=REPO_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        bare_proc: subprocess.Popen[bytes] | None = None
        try:
            wait_ready(base, proc)
            api = f"{base}/api/v1/scores/{args.year}/{args.region}"
            s1, b1 = fetch(api)
            body_file = Path(tempfile.mkdtemp(prefix="innomon-bare-")) / "breakdown.json"
            body_file.write_bytes(b1)
            bare_port = free_port()
            progress(f"starting the bare Starlette app on core {args.server_core}, port {bare_port}")
            bare_proc = subprocess.Popen(
                [
                    "taskset",
                    "-c",
                    args.server_core,
                    sys.executable,
                    str(REPO_ROOT / "bench" / "bare_app.py"),
                    "--body",
                    str(body_file),
                    "--port",
                    str(bare_port),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            bare_base = f"http://127.0.0.1:{bare_port}"
            wait_ready(bare_base, bare_proc, path=f"/{args.year}/{args.region}")
            bare = f"{bare_base}/{args.year}/{args.region}"
            s2, b2 = fetch(bare)
            if s1 != 200 or s2 != 200 or b1 != b2:
                raise SystemExit(f"endpoints differ: api {s1} ({len(b1)} B), bare {s2} ({len(b2)} B)")
            progress(f"both endpoints return the same {len(b1):,}-byte breakdown; warming up")
            targets = {"api": api, "bare": bare}
            for name, u in targets.items():
                run_wrk(u, args.warmup, args.threads, args.connections, args.wrk_core)
                progress(f"warmed {name}")
            results: dict[str, list[dict[str, float]]] = {"api": [], "bare": []}
            print(
                f"\nGET /api/v1/scores/{args.year}/{args.region} vs a bare Starlette app — "
                f"{database_label(url)}, 1 uvicorn worker on core {args.server_core}, "
                f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s on core "
                f"{args.wrk_core}, body {len(b1):,} B"
            )
            print(f"{'round':>5}  {'endpoint':<8} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8}")
            for r in range(1, args.rounds + 1):
                order = ("api", "bare") if r % 2 else ("bare", "api")
                for name in order:
                    res = run_wrk(targets[name], args.duration, args.threads, args.connections, args.wrk_core)
                    results[name].append(res)
                    flag = ""
                    if res["non2xx"] or res["socket_errors"]:
                        flag = f"  ({res['non2xx']:.0f} non-2xx, socket errors)"
                    print(
                        f"{r:>5}  {name:<8} {res['rps']:>10,.0f} {res['p50']:>8.2f} {res['p99']:>8.2f}{flag}",
                        flush=True,
                    )
        finally:
            stop(proc)
            if bare_proc is not None:
                stop(bare_proc)
            progress("servers stopped")

    med = {k: median([x["rps"] for x in v]) for k, v in results.items()}
    ratio = med["api"] / med["bare"]
    print()
    for k in ("api", "bare"):
        p50 = median([x["p50"] for x in results[k]])
        p99 = median([x["p99"] for x in results[k]])
        print(f"median {k:<5} {med[k]:>10,.0f} req/s   p50 {p50:.2f} ms   p99 {p99:.2f} ms")
    verdict = "meets" if ratio >= GOAL else "MISSES"
    print(f"ratio api/bare = {ratio:.2f}  ({verdict} the goal >= {GOAL})")
    print(f"load average (1 min) before {load_before:.2f}, after {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
