"""uvicorn's httptools protocol with a cap on the request head (request line and headers).

httptools buffers a header of any size before the application sees it: an 8 MB `Authorization`
header would be read, copied and parsed whole. This protocol counts the bytes of each request's
head as they arrive and answers 431 problem+json as soon as they pass INNOMON_MAX_HEADER_BYTES,
then closes the connection. The ASGI middleware (app/api/limits.py) checks the same limit for
servers that lack this protocol.

A module-level class (not a closure) so that `serve --workers N` can hand it to its worker processes.
"""

from __future__ import annotations

import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.api.problems import PROBLEM_MEDIA_TYPE
from app.config import get_settings

_HEAD_END = b"\r\n\r\n"


class HeaderLimitedHttpTools(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_head = get_settings().max_header_bytes
        self.head_seen = 0
        self.in_head = True
        self.tail = b""  # the last bytes of the previous chunk, for a head end split across two
        self.refused = False

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        if self.in_head:
            end = (self.tail + data).find(_HEAD_END)
            if end < 0:
                self.head_seen += len(data)
                self.tail = (self.tail + data)[-3:]
            else:
                self.head_seen += max(0, end + len(_HEAD_END) - len(self.tail))
                self.in_head = False
            if self.head_seen > self.max_head:
                self.refuse()
                return
        super().data_received(data)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.head_seen, self.in_head, self.tail = 0, True, b""  # the next request on this connection

    def refuse(self) -> None:
        self.refused = True
        body = json.dumps(
            {
                "type": "/problems/headers-too-large",
                "title": "Request headers too large",
                "status": 431,
                "detail": f"the request's headers exceed {self.max_head} bytes (INNOMON_MAX_HEADER_BYTES)",
                "instance": None,
            }
        ).encode()
        head = (
            "HTTP/1.1 431 Request Header Fields Too Large\r\n"
            f"content-type: {PROBLEM_MEDIA_TYPE}\r\n"
            f"content-length: {len(body)}\r\n"
            "connection: close\r\n\r\n"
        ).encode()
        self.transport.write(head + body)
        self.transport.close()
