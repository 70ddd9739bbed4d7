"""Prometheus metrics: what is counted, and the text served at /metrics.

The counters and histograms live in prometheus_client's default registry, so that services can
count without knowing the app. With several uvicorn workers each worker is a process of its own;
`innomon serve --workers N` (N > 1) then puts prometheus_client in multiprocess mode
(PROMETHEUS_MULTIPROC_DIR), and a scrape answered by any worker sums the counters and histograms
of all of them. The database pool gauges are read at scrape time from the answering process only
(multiprocess mode cannot merge collected gauges): they describe one worker's pool.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import Engine

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

#: latency buckets in seconds: cached reads take about a millisecond, bulk imports seconds
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter(
    "innomon_http_requests",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "innomon_http_request_duration_seconds",
    "time from receiving a request to sending the end of its response",
    ["method", "route", "status"],
    buckets=_BUCKETS,
)
HTTP_IN_PROGRESS = Gauge(
    "innomon_http_requests_in_progress",
    "HTTP requests being answered now",
    multiprocess_mode="livesum",
)
IMPORTED_ROWS = Counter(
    "innomon_imported_rows",
    "data value rows committed by bulk imports, by what happened to each row",
    ["status"],
)
IMPORT_BATCHES = Counter("innomon_import_batches", "bulk import batches committed (dry runs excluded)")
SCORE_COMPUTATIONS = Histogram(
    "innomon_score_computation_duration_seconds",
    "scores computed from stored data (cache misses): one region's breakdown, or a ranking",
    ["kind"],
    buckets=_BUCKETS,
)

for _status in ("created", "updated", "unchanged"):
    IMPORTED_ROWS.labels(_status)
for _kind in ("breakdown", "ranking"):
    SCORE_COMPUTATIONS.labels(_kind)


def count_import(created: int, updated: int, unchanged: int) -> None:
    """Count one committed bulk import."""
    IMPORT_BATCHES.inc()
    IMPORTED_ROWS.labels("created").inc(created)
    IMPORTED_ROWS.labels("updated").inc(updated)
    IMPORTED_ROWS.labels("unchanged").inc(unchanged)


class PoolCollector(Collector):
    """The state of an engine's connection pool, read when scraped."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        pool = self.engine.pool
        readings = {
            "size": (
                "innomon_db_pool_size",
                "connections the pool keeps open at most (not counting overflow)",
            ),
            "checkedout": ("innomon_db_pool_checked_out", "connections in use now"),
            "checkedin": ("innomon_db_pool_checked_in", "idle connections held by the pool"),
            "overflow": ("innomon_db_pool_overflow", "connections open beyond the pool size"),
        }
        for method, (name, doc) in readings.items():
            read = getattr(pool, method, None)
            if callable(read):
                family = GaugeMetricFamily(name, doc)
                family.add_metric([], float(read()))
                yield family


def pool_registry(engine: Engine) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=True)
    registry.register(PoolCollector(engine))
    return registry


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def render(pools: CollectorRegistry) -> bytes:
    """The exposition text: the process's (or, in multiprocess mode, all workers') metrics, then
    the pool gauges of this process."""
    path = multiprocess_dir()
    if path is not None:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=path)  # type: ignore[no-untyped-call]
        return generate_latest(registry) + generate_latest(pools)
    return generate_latest(REGISTRY) + generate_latest(pools)


def prepare_multiprocess_dir(workers: int, default: Path) -> str | None:
    """Before workers start: with several workers, make sure PROMETHEUS_MULTIPROC_DIR names an
    empty directory (`default` when unset), so that a scrape sums every worker. Returns the dir."""
    path = multiprocess_dir()
    if path is None and workers <= 1:
        return None
    target = Path(path) if path is not None else default
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.glob("*.db"):  # left by an earlier run: counters would not start at 0
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(target)
    return str(target)


def mark_process_dead(pid: int) -> None:
    """A worker stops: drop its live gauges (in-progress requests) from the sums."""
    path = multiprocess_dir()
    if path is not None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid, path)  # type: ignore[no-untyped-call]
