"""Cross-origin requests (CORS) for front-ends served from another origin.

`INNOMON_CORS_ORIGINS` lists the origins allowed, comma-separated (`https://a.example,
http://localhost:5173`); unset, no CORS header is ever sent and browsers keep other origins out.

- A preflight (`OPTIONS` with `Access-Control-Request-Method`) from an allowed origin is answered
  here, 204, before the request limits and authentication: a browser sends no `Authorization` on
  a preflight. From any other origin it gets 403 without CORS headers, which the browser reads as
  "blocked".
- Every other response to an allowed origin carries `Access-Control-Allow-Origin` (the origin
  itself), `Access-Control-Allow-Credentials: true` and `Access-Control-Expose-Headers`; problems
  (401, 413, 422, ...) too, so a front-end can read why it was refused.
- `*` allows every origin. It is answered with `Access-Control-Allow-Origin: *` and never with
  `Allow-Credentials` (browsers refuse the pair, and a wildcard must not carry a user's cookie);
  an API key in the `Authorization` header still works, as it is not a credential in CORS's sense.
- `Vary: Origin` on every response of a CORS-enabled service, so a cache does not hand one origin's
  answer to another.

A pure ASGI middleware: it rewrites the response start message and never buffers the body.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: methods the API serves
ALLOW_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
#: request headers the API reads (Accept, Accept-Language and Content-Language are always allowed,
#: and Content-Type only for form types, so it is listed)
ALLOW_HEADERS = "Authorization, Content-Type, If-Match, If-None-Match, X-Request-Id"
#: response headers a front-end may read besides the CORS-safelisted ones
EXPOSE_HEADERS = "ETag, Location, X-Request-Id, Content-Disposition, Retry-After, WWW-Authenticate, Allow"
#: seconds a browser may cache a preflight answer (Chromium caps it at 7200)
MAX_AGE = "7200"


def parse_origins(raw: str | None) -> tuple[frozenset[str], bool]:
    """The allowed origins of INNOMON_CORS_ORIGINS and whether `*` (any origin) is among them.
    An origin is compared as the browser sends it: scheme://host[:port], no path, no trailing slash."""
    origins = {o.strip().rstrip("/") for o in (raw or "").split(",") if o.strip()}
    return frozenset(origins - {"*"}), "*" in origins


class Cors:
    def __init__(self, app: ASGIApp, origins: frozenset[str], any_origin: bool = False) -> None:
        self.app = app
        self.origins = origins
        self.any_origin = any_origin

    def _allowed(self, origin: str) -> bool:
        return self.any_origin or origin in self.origins

    def _grant(self, headers: MutableHeaders, origin: str) -> None:
        if self.any_origin and origin not in self.origins:
            headers["Access-Control-Allow-Origin"] = "*"
        else:
            headers["Access-Control-Allow-Origin"] = origin
            headers["Access-Control-Allow-Credentials"] = "true"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        origin = request_headers.get("origin")
        if (
            scope["method"] == "OPTIONS"
            and origin is not None
            and "access-control-request-method" in request_headers
        ):
            await self._preflight(send, origin)
            return
        allowed = origin is not None and self._allowed(origin)

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.add_vary_header("Origin")
                if allowed:
                    assert origin is not None
                    self._grant(headers, origin)
                    headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _preflight(self, send: Send, origin: str) -> None:
        headers = MutableHeaders()
        headers["Vary"] = "Origin"
        status = 403
        if self._allowed(origin):
            status = 204
            self._grant(headers, origin)
            headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
            # the headers asked for that the API reads; a browser refuses the request if one is missing
            headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
            headers["Access-Control-Max-Age"] = MAX_AGE
        else:
            headers["Content-Type"] = "text/plain; charset=utf-8"
        body = b"" if status == 204 else f"origin {origin} is not allowed (INNOMON_CORS_ORIGINS)".encode()
        if body:
            headers["Content-Length"] = str(len(body))
        await send({"type": "http.response.start", "status": status, "headers": headers.raw})
        await send({"type": "http.response.body", "body": body})
