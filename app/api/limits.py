"""Checks on the raw request, before anything is parsed, so that a refused request costs little:

- the header section is capped (431), so is the body (413, counted while it streams in);
- a request with a body to the API is authenticated before its body is read (401);
- a bulk import's rows are counted on the raw bytes before any JSON is decoded (413), so a body of
  many tiny rows never becomes hundreds of thousands of Python objects;
- text may not hold NUL characters (PostgreSQL text cannot hold U+0000, so both databases refuse
  it the same way) nor lone surrogates (they cannot be encoded as UTF-8); both are looked for in the
  decoded JSON strings, so that a `\\u0000` escape split across two body chunks is found and
  `"C:\\\\u0000dir"` (an escaped backslash, then the text `u0000`) is not mistaken for one. Both
  answer 422 naming the field.

This is a pure ASGI middleware: it reads the body itself and hands the application one chunk.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.input_errors import INVALID_INPUT, zh_of
from app.api.problems import PROBLEM_MEDIA_TYPE, field_of
from app.services.errors import Unavailable

log = logging.getLogger("innomon.api")

#: methods whose requests carry no body we read
_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})
#: a JSON string (with its escapes), or an opening brace outside strings
_STRING_OR_BRACE = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|\{', re.DOTALL)
#: an escape that may decode to NUL or to a UTF-16 surrogate (cheap test before decoding)
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
_SURROGATES = re.compile("[\ud800-\udfff]")


def count_objects(body: bytes | bytearray, stop_above: int) -> int:
    """JSON objects in `body` (braces outside strings), counting no further than `stop_above` + 1.

    A bulk import body is one object holding a list of flat row objects, so this is the number of
    rows plus one. It runs over the raw bytes in constant memory and stops as soon as the limit is
    passed: a body of 390,000 rows is refused after reading its first 20,001."""
    if body.count(b"{") <= stop_above:  # braces inside strings count too: an upper bound
        return body.count(b"{")
    seen = 0
    for match in _STRING_OR_BRACE.finditer(body):
        if match.end() - match.start() == 1:
            seen += 1
            if seen > stop_above:
                break
    return seen


def bad_text(value: Any, loc: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], str]]:
    """(location, reason) of every string (value or key) holding a NUL or a lone surrogate."""
    found: list[tuple[tuple[Any, ...], str]] = []
    if isinstance(value, str):
        if "\x00" in value:
            found.append((loc, "contains a NUL character (U+0000), which no text field may hold"))
        elif _SURROGATES.search(value):
            found.append((loc, "contains a lone UTF-16 surrogate (e.g. \\ud800), which is not a character"))
    elif isinstance(value, dict):
        for k, v in value.items():
            found += [((*loc, repr(k)), reason) for _, reason in bad_text(k)]
            found += bad_text(v, (*loc, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += bad_text(v, (*loc, i))
    return found


def content_type(scope: Scope) -> str:
    """The media type of the request body, lower case, without parameters ("" when not sent)."""
    raw: bytes = dict(scope.get("headers", ())).get(b"content-type", b"")
    return raw.decode("latin-1").split(";", 1)[0].strip().lower()


def _is_json_or_upload(media_type: str) -> bool:
    # JSON everywhere, and multipart/form-data for the spreadsheet upload
    return media_type in ("application/json", "multipart/form-data") or media_type.endswith("+json")


def header_bytes(scope: Scope) -> int:
    """The size of the request line and headers as received (near enough: names, values, separators)."""
    size = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") + 16
    return size + sum(len(k) + len(v) + 4 for k, v in scope.get("headers", ()))


class RequestLimits:
    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        max_header_bytes: int = 64 * 1024,
        max_rows: int | None = None,
        protected_prefix: str = "/api/",
        bulk_path: str = r"^/api/v1/data/[^/]+/?$",
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_header_bytes = max_header_bytes
        self.max_rows = max_rows
        self.protected_prefix = protected_prefix
        self.bulk_path = re.compile(bulk_path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if header_bytes(scope) > self.max_header_bytes:
            detail = f"the request's headers exceed {self.max_header_bytes} bytes (INNOMON_MAX_HEADER_BYTES)"
            await problem_response(scope, send, 431, "headers-too-large", "Request headers too large", detail)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, send)
            return
        if b"%00" in scope.get("raw_path", b"") or b"%00" in scope.get("query_string", b""):
            detail = "the request contains a NUL character (U+0000), which no text field may hold"
            await self._invalid(scope, send, detail, [(("(request)",), detail)])
            return
        if scope.get("method") in _NO_BODY:
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if path.startswith(self.protected_prefix) and not await self._authenticated(scope, send):
            return
        # read the body (up to the limit) into one buffer
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await self._too_large(scope, send)
                return
            if not message.get("more_body", False):
                break
        if (
            self.max_rows is not None
            and scope.get("method") == "POST"
            and self.bulk_path.match(path)
            and count_objects(body, self.max_rows + 1) > self.max_rows + 1
        ):
            detail = f"a bulk import holds at most {self.max_rows} rows (INNOMON_MAX_BULK_ROWS)"
            await problem_response(scope, send, 413, "too-large", "Request too large", detail)
            return
        if body.strip() and path.startswith(self.protected_prefix):
            media_type = content_type(scope)
            if not _is_json_or_upload(media_type):
                await self._not_json(scope, send, media_type)
                return
        if _SUSPECT_ESCAPE.search(body):
            problems = _text_problems(bytes(body))
            if problems:
                detail = "; ".join(f"{'.'.join(map(str, loc))}: {reason}" for loc, reason in problems[:5])
                await self._invalid(scope, send, detail, problems)
                return
        whole = {"type": "http.request", "body": bytes(body), "more_body": False}
        del body
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return whole
            return await receive()

        await self.app(scope, replay, send)

    async def _authenticated(self, scope: Scope, send: Send) -> bool:
        """True when the request carries a valid key; otherwise answers 401 (or 503) itself."""
        from app.api.deps import authenticate, bearer_token  # deps imports this module's neighbours

        token, detail = bearer_token(dict(scope["headers"]).get(b"authorization", b"").decode("latin-1"))
        if token is not None:
            try:
                if await authenticate(Request(scope), token) is not None:
                    return True
            except (OperationalError, PoolTimeout, Unavailable) as exc:
                log.warning("database unavailable: %s", exc)
                await problem_response(
                    scope,
                    send,
                    503,
                    "database-unavailable",
                    "Service unavailable",
                    "the database is unavailable; try again shortly",
                )
                return False
            detail = "the API key is unknown or revoked"
        await problem_response(
            scope,
            send,
            401,
            "unauthenticated",
            "Unauthenticated",
            detail,
            headers=[(b"www-authenticate", b'Bearer realm="innomon"')],
        )
        return False

    async def _too_large(self, scope: Scope, send: Send) -> None:
        detail = f"the request body exceeds {self.max_bytes} bytes (INNOMON_MAX_BODY_BYTES)"
        await problem_response(scope, send, 413, "too-large", "Request too large", detail)

    async def _invalid(
        self, scope: Scope, send: Send, detail: str, problems: list[tuple[tuple[Any, ...], str]]
    ) -> None:
        errors = []
        for loc, reason in problems:
            index, field = field_of(loc)
            errors.append(
                {
                    "index": index,
                    "field": field,
                    "received": None,
                    "reason": reason,
                    "reason_zh": zh_of(reason),
                }
            )
        await problem_response(
            scope,
            send,
            422,
            INVALID_INPUT,
            "Invalid input",
            detail,
            errors=errors,
            extensions={"former_type": "/problems/invalid-request"},
        )

    async def _not_json(self, scope: Scope, send: Send, media_type: str) -> None:
        sent = f"it was sent as {media_type}" if media_type else "it was sent without a Content-Type"
        detail = (
            f"the body must be JSON sent with Content-Type: application/json; {sent} "
            f"(请求体须为 JSON，并带 Content-Type: application/json)"
        )
        await problem_response(scope, send, 415, "unsupported-media-type", "Unsupported media type", detail)


def _text_problems(body: bytes) -> list[tuple[tuple[Any, ...], str]]:
    try:
        decoded = json.loads(body)
    except ValueError:
        return []  # not JSON: the application answers that
    return bad_text(decoded)


async def problem_response(
    scope: Scope,
    send: Send,
    status: int,
    kind: str,
    title: str,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: list[tuple[bytes, bytes]] | None = None,
    extensions: dict[str, Any] | None = None,
) -> None:
    body: dict[str, Any] = {
        "type": f"/problems/{kind}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": scope.get("path"),
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extensions or {})
    raw = json.dumps(body).encode()  # ASCII: a lone surrogate in a field name stays escaped
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(raw)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": raw})
