"""The commands a newcomer runs, as subprocesses on a fresh SQLite file in an empty directory."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT


def innomon(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: int = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("INNOMON_")}


def test_migrate_and_regions_import_with_no_prior_setup(tmp_path: Path) -> None:
    env = clean_env()
    r = innomon("migrate", cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "innomon.db").exists()  # the default: innomon.db in the working directory
    r = innomon("regions", "import", "hebei", cwd=tmp_path, env=env)
    assert r.returncode == 0 and "179 created" in r.stdout, r.stderr
    r = innomon("regions", "import", "hebei", cwd=tmp_path, env=env)
    assert "0 created, 0 updated, 179 unchanged" in r.stdout
    r = innomon("regions", "import", "atlantis", cwd=tmp_path, env=env)
    assert r.returncode == 2 and "atlantis" in r.stderr


#: the admin token of servers started with bootstrap=True
TOKEN = "inm_integration-test-admin-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def first_admin_token(cwd: Path) -> str:
    """The token a first `serve` printed, read from its log in `cwd`."""
    text = (cwd / "serve.log").read_text(encoding="utf-8")
    match = re.search(r"^\s+(inm_\S+)$", text, re.M)
    assert match, text
    return match.group(1)


@contextmanager
def running_server(
    cwd: Path,
    *extra: str,
    output: list[str] | None = None,
    bootstrap: bool = True,
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """`innomon serve` as a subprocess in `cwd` on a free port, with `env` added to its
    environment; yields its base URL, then stops it with SIGTERM and checks that it exited with
    status 0. Its output goes to cwd/serve.log."""
    port = free_port()
    env = {**clean_env(), "PYTHONPATH": str(ROOT), **(env or {})}
    if bootstrap:
        env["INNOMON_BOOTSTRAP_ADMIN_TOKEN"] = TOKEN
    log = (cwd / "serve.log").open("w", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), *extra],
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                if proc.poll() is not None:
                    pytest.fail(f"server exited: {(cwd / 'serve.log').read_text()}")
                time.sleep(0.2)
        else:
            pytest.fail("server did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        out = (cwd / "serve.log").read_text(encoding="utf-8")
        if output is not None:
            output.append(out)
    assert proc.returncode == 0, out


@pytest.mark.slow
def test_serve_demo_answers_on_a_fresh_directory(tmp_path: Path) -> None:
    output: list[str] = []
    with running_server(tmp_path, "--demo", output=output) as base:
        assert httpx.get(f"{base}/readyz").json()["status"] == "ready"
        assert httpx.get(f"{base}/api/v1/scores/2024").status_code == 401
        ranking = httpx.get(f"{base}/api/v1/scores/2024", params={"parent": "130100"}, headers=AUTH).json()
        assert ranking["total"] == 22
        assert {i["tier"] for i in ranking["items"]} == {"A", "B", "C"}
        b = httpx.get(f"{base}/api/v1/scores/2024/130102", headers=AUTH).json()
        assert b["region"] == "130102" and b["complete"] is True
    assert "demo: registry items" in output[0]
    assert f"API docs at {base}/docs" in output[0]


def test_keys_create_knows_the_approval_roles_and_the_rules_of_post_keys(tmp_path: Path) -> None:
    env = clean_env()
    assert innomon("regions", "import", "hebei", cwd=tmp_path, env=env).returncode == 0
    r = innomon(
        "keys",
        "create",
        "--name",
        "co-sjz",
        "--role",
        "coordinator",
        "--region",
        "130100",
        cwd=tmp_path,
        env=env,
    )
    assert r.returncode == 0 and "created coordinator key 'co-sjz' for region 130100" in r.stdout, r.stderr
    r = innomon("keys", "create", "--name", "approver-x", "--role", "approver", cwd=tmp_path, env=env)
    assert r.returncode == 2 and "an approver key needs a region" in r.stderr
    r = innomon("keys", "create", "--name", "system", "--role", "reader", cwd=tmp_path, env=env)
    assert r.returncode == 2 and "'system' is reserved" in r.stderr
