"""Request ids, the access log line and /metrics, in process (httpx against the app)."""

from __future__ import annotations

import io
import json
import logging
import threading

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.observability import BackgroundStreamHandler, JsonFormatter, request_id
from tests.api.helpers import CHANGAN, seed_period, seed_regions

ROOT_URL = "http://innomon.test"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


async def scrape(api: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = await api.get(f"{ROOT_URL}/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain; version=")
    return samples(r.text)


def value(s: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return s.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_request_id_is_echoed_or_made(api: httpx.AsyncClient) -> None:
    r = await api.get(f"{ROOT_URL}/healthz", headers={"X-Request-ID": "lb-7f3a.2"})
    assert r.headers["x-request-id"] == "lb-7f3a.2"
    made = (await api.get(f"{ROOT_URL}/healthz")).headers["x-request-id"]
    assert len(made) == 32 and int(made, 16) >= 0
    assert (await api.get(f"{ROOT_URL}/healthz")).headers["x-request-id"] != made
    # not a token (spaces, too long): replaced, never echoed into our logs or headers
    for bad in ("a b", "x" * 129):
        got = (await api.get(f"{ROOT_URL}/healthz", headers={"X-Request-ID": bad})).headers["x-request-id"]
        assert got != bad and len(got) == 32
    # problem responses carry it too
    r = await api.get("/scores/2020/130102", headers={"X-Request-ID": "req-404"})
    assert r.status_code == 404 and r.headers["x-request-id"] == "req-404"


async def test_one_json_access_line_per_request(
    api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    await seed_regions(api)
    await seed_period(api)
    caplog.set_level(logging.INFO, logger="innomon.access")
    caplog.clear()
    r = await api.get(f"/scores/2020/{CHANGAN}", headers={"X-Request-ID": "trace-1"})
    assert r.status_code == 200
    lines = [rec for rec in caplog.records if rec.name == "innomon.access"]
    assert len(lines) == 1
    line = json.loads(JsonFormatter().format(lines[0]))
    assert line["method"] == "GET"
    assert line["path"] == f"/api/v1/scores/2020/{CHANGAN}"
    assert line["route"] == "/api/v1/scores/{year}/{region}"
    assert line["status"] == 200 and line["request_id"] == "trace-1"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["level"] == "info" and line["logger"] == "innomon.access" and line["time"].endswith("+00:00")


async def test_metrics_count_requests_imports_and_score_computations(api: httpx.AsyncClient) -> None:
    await seed_regions(api)
    await seed_period(api)
    before = await scrape(api)
    rows = [
        {"region": CHANGAN, "element": "fiscal_st_expenditure", "value": 3000},
        {"region": CHANGAN, "element": "public_expenditure", "value": 200000},
    ]
    assert (await api.post("/data/2020", json={"values": rows})).status_code == 200
    assert (await api.post("/data/2020", json={"values": rows, "dry_run": True})).status_code == 200
    rows[0]["value"] = 3100
    assert (await api.post("/data/2020", json={"values": rows})).status_code == 200
    for _ in range(2):  # the second read is served from the cache: one computation
        assert (await api.get(f"/scores/2020/{CHANGAN}")).status_code == 200
    assert (await api.get("/scores/2020", params={"parent": "130100"})).status_code == 200
    assert (await api.get("/no/such/route")).status_code == 404
    after = await scrape(api)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("innomon_imported_rows_total", status="created") == 2  # dry runs are not counted
    assert delta("innomon_imported_rows_total", status="updated") == 1
    assert delta("innomon_imported_rows_total", status="unchanged") == 1
    assert delta("innomon_import_batches_total") == 2
    assert delta("innomon_score_computation_duration_seconds_count", kind="breakdown") == 1
    # the breakdown's ranks computed the rankings of its city and its province; the ranking of the
    # city asked for next was then served from the cache
    assert delta("innomon_score_computation_duration_seconds_count", kind="ranking") == 2
    scores = {"method": "GET", "route": "/api/v1/scores/{year}/{region}", "status": "200"}
    assert delta("innomon_http_requests_total", **scores) == 2
    assert delta("innomon_http_request_duration_seconds_count", **scores) == 2
    assert delta("innomon_http_request_duration_seconds_bucket", **scores, le="+Inf") == 2
    data = {"method": "POST", "route": "/api/v1/data/{year}", "status": "200"}
    assert delta("innomon_http_requests_total", **data) == 3
    assert delta("innomon_http_requests_total", method="GET", route="<unmatched>", status="404") == 1
    # pool gauges, read at scrape time
    for name in ("innomon_db_pool_checked_out", "innomon_db_pool_checked_in"):
        assert (name, ()) in after
    assert value(after, "innomon_http_requests_in_progress") == 1  # the scrape itself


def test_log_lines_are_written_off_the_callers_thread_with_its_request_id() -> None:
    written_by: list[int] = []

    class Stream(io.StringIO):
        def write(self, text: str) -> int:
            written_by.append(threading.get_ident())
            return super().write(text)

    stream = Stream()
    handler = BackgroundStreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("innomon.test-background")
    log.propagate, log.level = False, logging.INFO
    log.addHandler(handler)
    token = request_id.set("req-7")
    try:
        log.info("scored %s", "130102")
    finally:
        request_id.reset(token)
        log.removeHandler(handler)
    handler.stop()  # writes what is queued, as at exit
    handler.stop()
    line = json.loads(stream.getvalue().splitlines()[0])
    assert line["message"] == "scored 130102" and line["request_id"] == "req-7"
    assert written_by and threading.get_ident() not in written_by
