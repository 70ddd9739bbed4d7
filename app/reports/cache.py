"""Finished reports kept per data version (no template engine needed to hold them)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any


class ReportCache:
    """Finished report bytes, each kept with the data versions it was made from (LRU)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict[tuple[Any, ...], tuple[Any, bytes]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[Any, ...], version: Any) -> bytes | None:
        with self.lock:
            hit = self.data.get(key)
            if hit is None or hit[0] != version:
                return None
            self.data.move_to_end(key)
            return hit[1]

    def put(self, key: tuple[Any, ...], version: Any, body: bytes) -> None:
        if self.size <= 0:
            return
        with self.lock:
            self.data[key] = (version, body)
            self.data.move_to_end(key)
            while len(self.data) > self.size:
                self.data.popitem(last=False)

    def get_or_make(self, key: tuple[Any, ...], version: Any, make: Callable[[], bytes]) -> bytes:
        body = self.get(key, version)
        if body is None:
            body = make()
            self.put(key, version, body)
        return body
