"""Memory a refused request costs the server: peak RSS growth ÷ the size of what was sent.

Starts `innomon serve` (SQLite in a temporary directory), then for each kind of refused request
sends `--concurrency` of them at once and reads the server's peak RSS (VmHWM, reset before each
kind through /proc/PID/clear_refs; sampled VmRSS where that is not allowed):

- rows: a bulk import of `--rows` tiny rows (about 15 MB for 390,000), over the row limit -> 413
- no-token: the same body without an API key -> 401
- oversized: a body one byte over INNOMON_MAX_BODY_BYTES (16 MiB), declared -> 413
- oversized-chunked: the same, streamed without a Content-Length -> 413
- header: an `Authorization` header of `--header-mb` MB -> 431

It prints, per kind, the statuses, the peak RSS growth and the ratio growth ÷ (concurrency ×
request size). Goal: every ratio below 2. `--json` prints the figures as one JSON object instead.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import _support
import httpx
from _support import REPO_ROOT, progress

TOKEN = "bench-admin-token-0123456789abcdefghijklmnopqrstuvwxyz"
MAX_BODY = 16 * 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


class PeakRss:
    """Peak resident memory of a process while a block runs (kB)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self.running = False
        self.hwm_resettable = False

    def __enter__(self) -> PeakRss:
        self.baseline = status_kb(self.pid, "VmRSS")
        try:  # "5" resets the peak RSS (VmHWM) to the current RSS (Linux 4.0+)
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
            self.hwm_resettable = status_kb(self.pid, "VmHWM") <= self.baseline + 1024
        except OSError:
            self.hwm_resettable = False
        self.peak = self.baseline
        self.running = True
        self.sampler = threading.Thread(target=self._sample, daemon=True)
        self.sampler.start()
        return self

    def _sample(self) -> None:
        while self.running:
            self.peak = max(self.peak, status_kb(self.pid, "VmRSS"))
            time.sleep(0.005)

    def __exit__(self, *exc: object) -> None:
        self.running = False
        self.sampler.join()
        if self.hwm_resettable:
            self.peak = max(self.peak, status_kb(self.pid, "VmHWM"))

    @property
    def growth_bytes(self) -> int:
        return (self.peak - self.baseline) * 1024


def rows_body(rows: int) -> bytes:
    row = b'{"region":"1","element":"x","value":1}'
    return b'{"values":[' + b",".join([row] * rows) + b"]}"


def oversized_body() -> bytes:
    pad = MAX_BODY + 1 - len(b'{"values":[],"comment":""}')
    return b'{"values":[],"comment":"' + b"x" * pad + b'"}'


def chunks(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for i in range(0, len(body), size):
        yield body[i : i + size]


def send(base: str, kind: str, body: bytes, header_bytes: int) -> int:
    url = f"{base}/api/v1/data/2020"
    auth = {"Authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
    try:
        with httpx.Client(timeout=120) as c:
            if kind == "no-token":
                r = c.post(url, content=body, headers={"content-type": "application/json"})
            elif kind == "oversized-chunked":
                r = c.post(url, content=chunks(body), headers=auth)
            elif kind == "header":
                r = c.get(f"{base}/api/v1/regions", headers={"Authorization": "Bearer " + "a" * header_bytes})
            else:
                r = c.post(url, content=body, headers=auth)
            return r.status_code
    except httpx.HTTPError as exc:  # the server closed the connection before an answer
        return -1 if not isinstance(exc, httpx.TimeoutException) else -2


def at_once(n: int, fn: Callable[[], int]) -> list[int]:
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda: statuses.append(fn())) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(statuses)


def start_server(tmp: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INNOMON_")}
    env.update(
        INNOMON_DATABASE_URL=f"sqlite:///{tmp / 'bench.db'}",
        INNOMON_BOOTSTRAP_ADMIN_TOKEN=TOKEN,
        INNOMON_LOG_LEVEL="warning",
        PYTHONPATH=str(REPO_ROOT),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=tmp,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=390_000, help="rows of the too-many-rows body")
    ap.add_argument("--header-mb", type=float, default=8, help="size of the huge Authorization header (MB)")
    ap.add_argument("--concurrency", type=int, default=4, help="requests sent at once per kind")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="innomon-refused-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(tmp, port)
    try:
        # a period and a cached key, so that refusals are not first-request effects
        h = {"Authorization": f"Bearer {TOKEN}"}
        httpx.put(f"{base}/api/v1/periods/2020", json={"scheme": "hebei-county-2019"}, headers=h, timeout=30)
        many = rows_body(args.rows)
        big = oversized_body()
        header_bytes = int(args.header_mb * 1_000_000)
        kinds = {
            "rows": (many, 413),
            "no-token": (many, 401),
            "oversized": (big, 413),
            "oversized-chunked": (big, 413),
            "header": (b"", 431),
        }
        results: dict[str, Any] = {}
        for kind, (body, expected) in kinds.items():
            size = header_bytes if kind == "header" else len(body)
            progress(f"{kind}: {args.concurrency} x {size / 1e6:.1f} MB at once")
            with PeakRss(proc.pid) as rss:
                began = time.perf_counter()
                statuses = at_once(args.concurrency, lambda k=kind, b=body: send(base, k, b, header_bytes))
                elapsed = time.perf_counter() - began
            results[kind] = {
                "expected": expected,
                "statuses": statuses,
                "request_bytes": size,
                "rss_growth_bytes": rss.growth_bytes,
                "ratio": rss.growth_bytes / (args.concurrency * size),
                "seconds": round(elapsed, 3),
            }
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    worst = max(r["ratio"] for r in results.values())
    if args.json:
        print(json.dumps({"kinds": results, "worst_ratio": worst, "concurrency": args.concurrency}))
        return
    print(
        f"refused requests, {args.concurrency} at once; ratio = peak RSS growth / (requests x request size)"
    )
    print(f"{'kind':<18} {'statuses':<22} {'request MB':>10} {'growth MB':>10} {'ratio':>7} {'s':>6}")
    for kind, r in results.items():
        print(
            f"{kind:<18} {','.join(map(str, r['statuses'])):<22} {r['request_bytes'] / 1e6:>10.1f} "
            f"{r['rss_growth_bytes'] / 1e6:>10.1f} {r['ratio']:>7.3f} {r['seconds']:>6.2f}"
        )
    print(f"worst ratio: {worst:.3f} (goal < 2)")
    _ = _support  # set-up of sys.path


if __name__ == "__main__":
    main()
