"""The one cache shape of the service: values kept with the data version they were made at, the
least recently used dropped beyond `size` (breakdowns and rankings of the ScoreReader, finished
reports). A value read at another version is a miss, so a cache never answers older than its caller's
version. Thread-safe: the routes run in the thread pool."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class VersionedLRU(Generic[V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict[Hashable, tuple[object, V]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable, version: object) -> V | None:
        with self.lock:
            hit = self.data.get(key)
            if hit is None or hit[0] != version:
                return None
            self.data.move_to_end(key)
            return hit[1]

    def put(self, key: Hashable, version: object, value: V) -> None:
        if self.size <= 0:
            return
        with self.lock:
            self.data[key] = (version, value)
            self.data.move_to_end(key)
            while len(self.data) > self.size:
                self.data.popitem(last=False)

    def get_or_make(self, key: Hashable, version: object, make: Callable[[], V]) -> V:
        value = self.get(key, version)
        if value is None:
            value = make()
            self.put(key, version, value)
        return value
