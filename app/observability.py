"""Request ids, one structured log line per request, Prometheus metrics at /metrics.

`install(app)` adds a pure ASGI middleware (no BaseHTTPMiddleware: it costs a task per request)
that, for every HTTP request:
- takes the request id from X-Request-ID when it is a sane token, or makes one, and echoes it in
  the response; log lines written while the request is answered carry it (a context variable);
- counts the request by method, route template (`/api/v1/scores/{year}/{region}`, never the
  raw path, so that the number of series stays bounded) and status, and times it;
- logs one line at INFO on the `innomon.access` logger: method, path, route, status,
  duration_ms, request_id, client.

`log_config()` is the logging configuration `innomon serve` hands to uvicorn: JSON lines on
standard output (or plain text with INNOMON_LOG_FORMAT=text), uvicorn's own access log off.
"""

from __future__ import annotations

import atexit
import itertools
import json
import logging
import logging.handlers
import os
import queue
import re
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import metrics
from app.api import lazy

REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._:/+=@-]{1,128}$")
#: the id of the request being answered, for log lines written on its behalf
request_id: ContextVar[str | None] = ContextVar("innomon_request_id", default=None)
access_log = logging.getLogger("innomon.access")
UNMATCHED = "<unmatched>"
#: the bulk import route, whose answers count imported rows
BULK_IMPORT = "/api/v1/data/{year}"


def _incoming_request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text: str = value.decode("latin-1")
            if _REQUEST_ID_OK.match(text):
                return text
            break
    # 64 random bits per process and a counter: unique like a uuid4, without a syscall per request
    return f"{_ID_PREFIX}{next(_ids) & 0xFFFFFFFFFFFFFFFF:016x}"


def _new_id_prefix() -> None:
    global _ID_PREFIX, _ids
    _ID_PREFIX = os.urandom(8).hex()
    _ids = itertools.count(int.from_bytes(os.urandom(4)))


_ID_PREFIX = ""
_ids = itertools.count()
_new_id_prefix()
os.register_at_fork(after_in_child=_new_id_prefix)  # a forked worker must not repeat its parent's ids


class RouteTemplates:
    """The full path template (`/api/v1/scores/{year}/{region}`) of the route that answered.

    FastAPI puts the matched route in scope["route"]; since it keeps included routers as they are,
    that route's own path lacks the prefixes it was included under, so the full templates are
    collected from the app's routes, again whenever a router imported on first use joined them
    (app.api.lazy)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.full: dict[int, str] | None = None
        self.loads = -1

    def _collect(self) -> dict[int, str]:
        full: dict[int, str] = {}
        try:
            from fastapi.routing import iter_route_contexts
        except ImportError:  # FastAPI versions that copy routes with their full path
            return full
        for ctx in iter_route_contexts(self.app.routes):
            if isinstance(ctx.path_format, str):
                full.setdefault(id(ctx.original_route), ctx.path_format)
        return full

    def __call__(self, scope: Scope) -> str:
        route = scope.get("route")
        if route is None:
            return UNMATCHED
        if self.full is None or self.loads != lazy.loads():
            self.loads = lazy.loads()
            self.full = self._collect()
        path = self.full.get(id(route)) or getattr(route, "path", None)
        return path if isinstance(path, str) else UNMATCHED


#: (method, route template, status) -> its request counter and duration histogram: looking a
#: labelled series up costs more than counting in it; the keys are bounded (templates, not paths)
_series: dict[tuple[str, str, int], tuple[Any, Any]] = {}


#: HTTP requests this process is serving now (the gauge's count, readable without its internals)
_serving = [0]


def serving() -> bool:
    """Whether this process is serving an HTTP request now."""
    return _serving[0] > 0


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, templates: RouteTemplates) -> None:
        self.app = app
        self.templates = templates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _incoming_request_id(scope)
        token = request_id.set(rid)
        scope.setdefault("state", {})["request_id"] = rid  # request.state.request_id (audit trail)
        started = time.perf_counter()
        status = 500  # what the server answers if the app raises before responding

        import_body: list[bytes] | None = None

        async def send_with_id(message: Message) -> None:
            nonlocal status, import_body
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, rid)
                if status == 200 and scope.get("method") == "POST" and self.templates(scope) == BULK_IMPORT:
                    import_body = []
            elif import_body is not None and message["type"] == "http.response.body":
                import_body.append(message.get("body", b""))
                if not message.get("more_body", False):
                    _count_import(b"".join(import_body))
                    import_body = None
            await send(message)

        metrics.HTTP_IN_PROGRESS.inc()
        _serving[0] += 1
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            _serving[0] -= 1
            metrics.HTTP_IN_PROGRESS.dec()
            method = scope.get("method", "")
            route = self.templates(scope)
            series = _series.get((method, route, status))
            if series is None:
                series = _series[(method, route, status)] = (
                    metrics.HTTP_REQUESTS.labels(method, route, str(status)),
                    metrics.HTTP_DURATION.labels(method, route, str(status)),
                )
            series[0].inc()
            series[1].observe(elapsed)
            if access_log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                fields = {
                    "method": method,
                    "path": scope.get("path", ""),
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "request_id": rid,
                    "client": client[0] if client else None,
                }
                access_log.info(
                    "%s %s %s %.2fms",
                    method,
                    fields["path"],
                    status,
                    fields["duration_ms"],
                    extra={"fields": fields},
                )
            request_id.reset(token)


def _count_import(body: bytes) -> None:
    """Imported rows, from a bulk import's answer {created, updated, unchanged, dry_run}: it is
    sent after the batch committed, so only committed rows are counted."""
    try:
        result = json.loads(body)
        if not result.get("dry_run", False):
            metrics.count_import(int(result["created"]), int(result["updated"]), int(result["unchanged"]))
    except (ValueError, KeyError, TypeError, AttributeError):
        logging.getLogger("innomon.metrics").warning("unexpected bulk import answer; rows not counted")


def install(app: FastAPI) -> None:
    """The middleware, and GET /metrics (Prometheus text format; outside the API contract)."""
    app.add_middleware(ObservabilityMiddleware, templates=RouteTemplates(app))
    pools = metrics.pool_registry(app.state.db.engine)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics() -> Response:
        from prometheus_client import CONTENT_TYPE_LATEST

        return Response(metrics.render(pools), media_type=CONTENT_TYPE_LATEST)


def shutdown() -> None:
    """A worker stops (lifespan end)."""
    metrics.mark_process_dead(os.getpid())


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the record's `fields`, the request id."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            out.update(fields)
        # taken on the request's thread (BackgroundStreamHandler.prepare) or, formatted in place, now
        rid = getattr(record, "request_id", None) or request_id.get()
        if rid is not None and "request_id" not in out:
            out["request_id"] = rid
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


class BackgroundStreamHandler(logging.handlers.QueueHandler):
    """Writes log lines from a thread of its own: the event loop only queues the record (a few
    microseconds); formatting the JSON and writing to a pipe that may be full happen off it.
    Lines still queued at exit are written (atexit)."""

    def __init__(self, stream: Any = None) -> None:
        q: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
        super().__init__(q)
        self.target = logging.StreamHandler(stream)
        self.listener = logging.handlers.QueueListener(q, self.target)
        self.listener.start()
        atexit.register(self.stop)

    def stop(self) -> None:
        """Write what is queued and end the writer thread (once; later calls do nothing)."""
        if self.listener._thread is not None:
            self.listener.stop()

    def setFormatter(self, fmt: logging.Formatter | None) -> None:
        self.target.setFormatter(fmt)

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        # what only this thread knows is taken now: the message (its arguments may change later)
        # and the request being answered; the formatting is left to the writer thread
        record.msg, record.args = record.getMessage(), None
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get()
        return record


def log_config(level: str, fmt: str) -> dict[str, Any]:
    """logging.config.dictConfig for `innomon serve` (passed to uvicorn as log_config)."""
    formatter: dict[str, Any] = (
        {"()": JsonFormatter}
        if fmt == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    )
    lvl = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {
            "default": {
                "()": BackgroundStreamHandler,
                "formatter": "default",
                "stream": "ext://sys.stdout",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": lvl, "propagate": False},
            # one access line per request comes from innomon.access, with the route and request id
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            "innomon": {"handlers": ["default"], "level": lvl, "propagate": False},
        },
    }
