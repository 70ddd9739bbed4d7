"""`innomon serve` in a process of its own, for the tests that need a real server: started on a
database, waited for, stopped with SIGTERM (which must exit 0), its output kept in a log file beside
it (a pipe would fill up and stall a chatty server)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN, ROOT
from tests.integration.test_cli_server import clean_env, free_port


class Server:
    def __init__(self, proc: subprocess.Popen[bytes], base: str, log: Path) -> None:
        self.proc = proc
        self.base = base
        self.api = f"{base}/api/v1"
        self.log = log

    @property
    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=timeout)
        return self.proc.returncode


def start(cwd: Path, database_url: str, **env: str) -> Server:
    """The server on a free port, with the bootstrap admin key of tests.conftest unless `env`
    names another; `env` adds or overrides INNOMON_* settings (none is taken from the caller's)."""
    port = free_port()
    log = cwd / f"serve-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            cwd=cwd,
            env={
                **clean_env(),
                "PYTHONPATH": str(ROOT),
                "INNOMON_DATABASE_URL": database_url,
                "INNOMON_BOOTSTRAP_ADMIN_TOKEN": ADMIN_TOKEN,
                **env,
            },
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Server(proc, f"http://127.0.0.1:{port}", log)


def wait_healthy(server: Server, timeout: float = 60, path: str = "/healthz") -> None:
    """Until `path` answers 200; fails with the server's output if it exits or does not start."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{server.base}{path}", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if server.proc.poll() is not None:
            pytest.fail(f"server exited: {server.output}")
        time.sleep(0.1)
    server.stop()
    pytest.fail(f"server did not start: {server.output}")


@contextmanager
def serving(cwd: Path, database_url: str, ready: str = "/healthz", **env: str) -> Iterator[Server]:
    """A started server, until `ready` answers 200; stopped after, and it must exit 0."""
    server = start(cwd, database_url, **env)
    try:
        wait_healthy(server, path=ready)
        yield server
    finally:
        rc = server.stop()
    assert rc == 0, server.output
