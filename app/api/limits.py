"""Checks on the raw request, before it is parsed: the body size limit (413), and no NUL characters
(422; PostgreSQL text cannot hold U+0000, so both databases refuse it the same way)."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.problems import PROBLEM_MEDIA_TYPE


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        if b"%00" in scope.get("raw_path", b"") or b"%00" in scope.get("query_string", b""):
            await self._refuse_nul(scope, send)
            return
        # read the body (up to the limit), look for NUL, then replay what was read
        chunks: list[Message] = []
        size = 0
        while True:
            message = await receive()
            chunks.append(message)
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(scope, send)
                return
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        # an uploaded file (multipart) is binary: an XLSX workbook is a ZIP archive full of NUL
        # bytes; the import reads it and refuses text that holds NUL itself
        upload = dict(scope["headers"]).get(b"content-type", b"").lower().startswith(b"multipart/")
        if not upload and any(
            b"\\u0000" in c.get("body", b"") or b"\x00" in c.get("body", b"") for c in chunks
        ):
            await self._refuse_nul(scope, send)
            return

        async def replay() -> Message:
            return chunks.pop(0) if chunks else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        detail = f"the request body exceeds {self.max_bytes} bytes (INNOMON_MAX_BODY_BYTES)"
        await self._problem(scope, send, 413, "too-large", "Request too large", detail)

    async def _refuse_nul(self, scope: Scope, send: Send) -> None:
        detail = "the request contains a NUL character (U+0000), which no text field may hold"
        await self._problem(scope, send, 422, "invalid-request", "Invalid input", detail)

    async def _problem(
        self, scope: Scope, send: Send, status: int, kind: str, title: str, detail: str
    ) -> None:
        body: dict[str, Any] = {
            "type": f"/problems/{kind}",
            "title": title,
            "status": status,
            "detail": detail,
            "instance": scope.get("path"),
        }
        if status == 422:
            body["errors"] = [{"index": None, "field": "(request)", "reason": detail}]
        raw = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                    (b"content-length", str(len(raw)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": raw})
