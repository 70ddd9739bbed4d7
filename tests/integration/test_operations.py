"""Operations, against real `innomon serve` processes: graceful stop during a bulk import, several
workers behind one /metrics, two processes on one PostgreSQL database (migrations once, no stale
score), and a database outage (503 problem+json at once, recovery without a restart).

The PostgreSQL tests start a throwaway cluster of their own (tests/integration/pgcluster.py) and
are skipped when the PostgreSQL server binaries are missing."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from tests.conftest import ADMIN_TOKEN
from tests.integration import pgcluster
from tests.integration.server import serving, start, wait_healthy
from tests.integration.test_cli_server import free_port

pytestmark = pytest.mark.slow
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
YEAR = 2020


def metric(base: str, name: str, **labels: str) -> float:
    body = httpx.get(f"{base}/metrics", timeout=5).text
    for family in text_string_to_metric_families(body):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


def prepare(database_url: str, counties: int) -> list[str]:
    """Migrate, load the schemes, `counties` synthetic counties and the period YEAR (in process,
    through the services, as bench/ does); returns the county codes."""
    from app.db import migrate
    from app.db.engine import make_engine, session_scope, writer
    from app.demo.dataset import DEMO_SCHEME
    from app.demo.regions import synthetic_parent_rows, synthetic_regions
    from app.services.periods import put_period
    from app.services.regions import import_regions
    from app.services.schemes import sync_builtin_schemes

    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        rows = synthetic_regions(counties)
        with session_scope(writer(engine)) as s:
            sync_builtin_schemes(s)
            import_regions(s, [*synthetic_parent_rows(), *rows])
            put_period(s, YEAR, DEMO_SCHEME, str(YEAR + 1))
    finally:
        engine.dispose()
    return [r["code"] for r in rows]


def count_values(database_url: str) -> int:
    from app.db.engine import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT count(*) FROM data_value WHERE year = :y"), {"y": YEAR}
                ).scalar_one()
            )
    finally:
        engine.dispose()


def bulk_rows(codes: list[str], n: int) -> list[dict[str, Any]]:
    from app.demo.dataset import generate

    rows = [
        {"region": ry.region, "element": e, "value": v}
        for ry in generate(codes, [YEAR]).values
        for e, v in ry.values.items()
    ]
    assert len(rows) >= n
    for r in rows:
        if isinstance(r["value"], Decimal):
            r["value"] = (
                int(r["value"]) if r["value"] == r["value"].to_integral_value() else float(r["value"])
            )
    return rows[:n]


# --- SIGTERM during a bulk import ---------------------------------------------------------------


def test_sigterm_during_a_bulk_import_finishes_it_whole_and_exits_0(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'innomon.db'}"
    codes = prepare(url, 1200)
    rows = bulk_rows(codes, 20_000)
    server = start(tmp_path, url, INNOMON_MAX_BULK_ROWS="20000")
    wait_healthy(server)
    answer: dict[str, Any] = {}

    def post() -> None:
        try:
            r = httpx.post(
                f"{server.api}/data/{YEAR}",
                json={"values": rows},
                headers={**AUTH, "X-Request-ID": "bulk-20000"},
                timeout=120,
            )
            answer["status"], answer["body"] = r.status_code, r.json()
        except httpx.HTTPError as exc:
            answer["error"] = repr(exc)
        answer["done"] = time.monotonic()

    client = threading.Thread(target=post)
    sent = time.monotonic()
    client.start()
    # wait until the import is being answered (the scrape itself is the other request in progress)
    deadline = time.monotonic() + 30
    while metric(server.base, "innomon_http_requests_in_progress") < 2:
        assert time.monotonic() < deadline and "done" not in answer, answer
        time.sleep(0.02)
    server.proc.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    client.join(timeout=120)
    rc = server.stop()
    stored = count_values(url)

    assert "done" in answer and answer["done"] > signalled, "the import ended before the signal"
    assert rc == 0, server.output
    # in flight when SIGTERM came: the server finished it, answered, then stopped
    assert answer.get("status") == 200, (answer, server.output)
    assert answer["body"]["created"] == 20_000 and stored == 20_000
    log = [json.loads(line) for line in server.output.splitlines() if line.startswith("{")]
    line = next(x for x in log if x.get("request_id") == "bulk-20000")
    assert line["route"] == "/api/v1/data/{year}" and line["status"] == 200
    print(
        f"bulk import: SIGTERM {signalled - sent:.2f} s after sending, answered {answer['done'] - sent:.2f} s"
    )


# --- several workers, one /metrics --------------------------------------------------------------


def test_metrics_sum_all_workers(tmp_path: Path) -> None:
    with serving(tmp_path, f"sqlite:///{tmp_path / 'innomon.db'}", INNOMON_WORKERS="2") as server:
        for _ in range(40):  # a new connection each: the workers take turns accepting them
            assert httpx.get(f"{server.base}/healthz", headers={"X-Request-ID": "many"}).status_code == 200
        # whichever worker answers the scrape counts every worker's requests: these 40 and the one
        # that found the server up (a request is counted just after its answer is sent: wait a bit)
        deadline = time.monotonic() + 5
        while (
            seen := metric(server.base, "innomon_http_requests_total", route="/healthz", status="200")
        ) < 41:
            assert time.monotonic() < deadline, seen
            time.sleep(0.05)
        assert seen == 41
    answered_by = {json.loads(x)["pid"] for x in server.output.splitlines() if '"request_id": "many"' in x}
    assert len(answered_by) == 2, server.output


# --- PostgreSQL: a throwaway cluster ------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster() -> Iterator[pgcluster.PgCluster]:
    reason = pgcluster.unavailable_reason()
    if reason:
        pytest.skip(reason)
    c = pgcluster.PgCluster(free_port())
    c.start()
    yield c
    c.remove()


def test_two_processes_on_one_database_migrate_once_and_share_scores(
    tmp_path: Path, cluster: pgcluster.PgCluster
) -> None:
    url = cluster.create_database("two_processes")
    a, b = start(tmp_path, url), start(tmp_path, url)  # at once, on an empty database
    try:
        wait_healthy(a)
        wait_healthy(b)
        for s in (a, b):
            assert httpx.get(f"{s.base}/readyz").json()["status"] == "ready"
        with httpx.Client(headers=AUTH, timeout=10) as c:
            for body in (
                {"code": "130000", "name_zh": "河北省", "name_en": "Hebei Province", "level": "province"},
                {
                    "code": "130100",
                    "name_zh": "石家庄市",
                    "name_en": "Shijiazhuang",
                    "level": "city",
                    "parent_code": "130000",
                },
                {
                    "code": "130102",
                    "name_zh": "长安区",
                    "name_en": "Chang'an",
                    "level": "county",
                    "parent_code": "130100",
                },
            ):
                assert c.post(f"{a.api}/regions", json=body).status_code == 201
            assert c.put(
                f"{a.api}/periods/{YEAR}", json={"scheme": "hebei-county-2019", "round_label": "2021"}
            ).status_code in (200, 201)
            assert c.get(f"{b.api}/scores/{YEAR}/130102").json()["total"] == 0  # now cached in b
            r = c.post(
                f"{a.api}/data/{YEAR}",
                json={"values": [{"region": "130102", "element": "high_tech_enterprises", "value": 70}]},
            )
            assert r.status_code == 200, r.text
            assert c.get(f"{b.api}/scores/{YEAR}/130102").json()["total"] == 9  # at once, through b
            r = c.put(f"{b.api}/data/{YEAR}/130102/high_tech_enterprises", json={"value": 100})
            assert r.status_code == 200, r.text
            assert c.get(f"{a.api}/scores/{YEAR}/130102").json()["total"] == 10
    finally:
        codes = (a.stop(), b.stop())
    assert codes == (0, 0), a.output + b.output
    migrated = [s for s in (a, b) if "database migrated from empty" in s.output]
    assert len(migrated) == 1, (a.output, b.output)


def test_database_outage_gives_503_at_once_and_recovers_without_restart(
    tmp_path: Path, cluster: pgcluster.PgCluster
) -> None:
    url = cluster.create_database("outage")
    prepare(url, 3)
    region = "900001"
    with serving(tmp_path, url) as server, httpx.Client(headers=AUTH, timeout=15) as c:
        score = f"{server.api}/scores/{YEAR}/{region}"
        write = f"{server.api}/data/{YEAR}/{region}/high_tech_enterprises"
        assert c.get(score).status_code == 200
        assert c.put(write, json={"value": 40}).status_code in (200, 201)
        cluster.stop()
        try:
            for request in (lambda: c.get(score), lambda: c.put(write, json={"value": 41})):
                began = time.monotonic()
                r = request()
                assert time.monotonic() - began < 3, "a request waited on the stopped database"
                assert r.status_code == 503, r.text
                assert r.headers["content-type"].startswith("application/problem+json")
                assert r.json()["type"] == "/problems/database-unavailable"
            assert httpx.get(f"{server.base}/readyz", timeout=15).status_code == 503
            assert httpx.get(f"{server.base}/healthz").status_code == 200  # the process is up
            assert server.proc.poll() is None
        finally:
            cluster.start()
        deadline = time.monotonic() + 20
        while (r := c.get(score)).status_code != 200:
            assert time.monotonic() < deadline, r.text
            time.sleep(0.2)
        assert r.json()["total"] == 8  # the write made before the outage
        assert c.put(write, json={"value": 100}).status_code == 200
        assert c.get(score).json()["total"] == 10
        assert httpx.get(f"{server.base}/readyz").status_code == 200
        assert (
            metric(
                server.base,
                "innomon_http_requests_total",
                route="/api/v1/scores/{year}/{region}",
                status="503",
            )
            >= 1
        )


@pytest.mark.reliability
def test_a_stalled_database_never_freezes_the_process(tmp_path: Path, cluster: pgcluster.PgCluster) -> None:
    """PostgreSQL frozen with SIGSTOP (it accepts connections and never answers): /healthz answers
    at once while a breakdown read and an unknown-token request wait on the database, those answer
    503 problem+json within 5 s, /readyz answers 503, and after SIGCONT the service recovers without
    a restart."""
    url = cluster.create_database("stalled")
    prepare(url, 3)
    region = "900001"
    with serving(tmp_path, url) as server, httpx.Client(headers=AUTH, timeout=30) as c:
        score = f"{server.api}/scores/{YEAR}/{region}"
        write = f"{server.api}/data/{YEAR}/{region}/high_tech_enterprises"
        assert c.put(write, json={"value": 40}).status_code in (200, 201)
        assert (
            c.get(score).json()["total"] == 8
        )  # 40 high-tech enterprises: the band knot 40 -> 8 points (DESIGN.md)
        answers: dict[str, tuple[float, httpx.Response]] = {}

        def timed(name: str, method: str, target: str, **kw: Any) -> None:
            began = time.monotonic()
            r = httpx.request(method, target, timeout=30, **kw)
            answers[name] = (time.monotonic() - began, r)

        frozen = cluster.freeze()
        try:
            # past the change listener's trust (watch.ALIVE_FOR after the last heartbeat it sent
            # before the freeze): the cached key and breakdown are no longer served, the next
            # request looks them up again
            time.sleep(5.5)
            in_flight = [
                threading.Thread(target=timed, args=("breakdown", "GET", score), kwargs={"headers": AUTH}),
                threading.Thread(
                    target=timed,
                    args=("unknown key", "GET", f"{server.api}/regions"),
                    kwargs={"headers": {"Authorization": "Bearer not-a-key"}},
                ),
                threading.Thread(
                    target=timed,
                    args=("write", "PUT", write),
                    kwargs={"headers": AUTH, "json": {"value": 41}},
                ),
            ]
            for t in in_flight:
                t.start()
            time.sleep(0.3)
            while any(t.is_alive() for t in in_flight):
                began = time.monotonic()
                health = httpx.get(f"{server.base}/healthz", timeout=5)
                assert health.status_code == 200
                assert time.monotonic() - began < 0.5, "/healthz waited on the frozen database"
                time.sleep(0.2)
            for t in in_flight:
                t.join()
            assert set(answers) == {"breakdown", "unknown key", "write"}
            for name, (elapsed, r) in answers.items():
                assert r.status_code == 503, (name, r.status_code, r.text)
                assert elapsed < 5, (name, elapsed)
                assert r.headers["content-type"].startswith("application/problem+json")
                assert r.json()["type"] == "/problems/database-unavailable"
            began = time.monotonic()
            assert c.get(score).status_code == 503  # still frozen: every read answers 503 in time
            assert time.monotonic() - began < 5
            ready = httpx.get(f"{server.base}/readyz", timeout=30)
            assert ready.status_code == 503
            assert server.proc.poll() is None
        finally:
            cluster.thaw(frozen)
        deadline = time.monotonic() + 20
        while (r := c.get(score)).status_code != 200:
            assert time.monotonic() < deadline, r.text
            time.sleep(0.2)
        assert r.json()["total"] == 8  # the write made before the freeze; the refused one did not land
        assert c.put(write, json={"value": 100}).status_code == 200
        assert c.get(score).json()["total"] == 10
        assert httpx.get(f"{server.base}/readyz").status_code == 200
