"""The cached breakdown read, answered before routing.

`GET /api/v1/scores/{year}/{region}` with a known key, no query and a JSON answer wanted is served
here, from the per-process caches, when both know the database has not changed since they were
filled (app.db.watch): no routing, no dependency resolution, no thread, no database. Anything
else — an unknown or uncached key, a miss, a stale version, `?format=`, an Accept of CSV or XLSX,
a year or region the route would refuse — goes on to the application unchanged, which answers it
as it always does (and fills the caches for the next time). The answer is the route's, byte for
byte: the same body, status and headers (tests/api/test_cached_reads.py).

Pure ASGI, innermost: the limits, the request id, the log line and the metrics apply as to any
request.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.exports import accepted_format
from app.services.access import Authenticator
from app.services.scores import ScoreReader

#: the route's own constraints: a year 1949..2100 (checked below) and a six-digit region code
_PATH = re.compile(r"/api/v1/scores/([0-9]{4})/([0-9]{6})")
TEMPLATE = "/api/v1/scores/{year}/{region}"


class CachedBreakdowns:
    def __init__(self, app: ASGIApp, api: FastAPI, scores: ScoreReader, auth: Authenticator) -> None:
        self.app = app
        self.api = api
        self.scores = scores
        self.auth = auth
        self.route: Any = None

    def _route(self) -> Any:
        """The route this answers for, put in the scope as routing would (the metrics' label)."""
        if self.route is None:
            from fastapi.routing import iter_route_contexts

            for ctx in iter_route_contexts(self.api.routes):
                if ctx.path_format == TEMPLATE:
                    self.route = ctx.original_route
                    break
        return self.route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = self._cached(scope) if scope["type"] == "http" else None
        if body is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = self._route()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-length", str(len(body)).encode()),
                    (b"content-type", b"application/json"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _cached(self, scope: Scope) -> bytes | None:
        if scope["method"] != "GET" or scope["query_string"]:
            return None
        match = _PATH.fullmatch(scope["path"])
        if match is None:
            return None
        year = int(match[1])
        if not 1949 <= year <= 2100:
            return None
        authorization = accept = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value
            elif name == b"accept":
                accept = value
        if authorization is None or (
            accept is not None and accepted_format(accept.decode("latin-1")) != "json"
        ):
            return None
        scheme, _, token = authorization.decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        changes = self.scores.watch.token()  # read once: both caches must hold at this token
        if changes is None:
            return None
        known, principal = self.auth.cached(token, changes)
        if not known or principal is None:
            return None  # the route looks the key up, or refuses it
        return self.scores.fresh_breakdown(year, match[2], changes)
