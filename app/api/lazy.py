"""Routers imported on first use, so that `innomon serve` answers /readyz without importing them.

A router module, its schemas and the services behind it cost tens of milliseconds each to import
and build (pydantic models, FastAPI's route state); together they were most of the start. Each is
included as a `LazyRouter`: an empty router that knows the path prefixes its module serves. The
first request whose path falls under one of them imports the module and includes its router into
the stand-in; FastAPI notices the stand-in's routes changed and serves them from then on, in the
place the router was included, with the prefix and dependencies it was included with.

Whatever must see every route loads them all first (`load_all`): the OpenAPI document (and so
/docs), the Allow header of a 405. The prefixes of each stand-in are checked against the routes
its module really serves (tests/api/test_lazy_routes.py).

A served process then loads the rest when it has nothing to do (`warm`): a while after start-up,
one stand-in at a time, each only while no request is being served, so that no later request
pays for its router's import and start-up still does not.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.routing import Match
from starlette.types import Scope

from app.heap import settle_loaded

log = logging.getLogger("innomon.api")

#: moves each time a stand-in loads its router: whoever keeps a table of the app's routes
#: (observability's route templates) reads it again
_loads = [0]


def loads() -> int:
    """How many routers the stand-ins of this process have loaded (a change counter)."""
    return _loads[0]


class LazyRouter(APIRouter):
    """Stands for `module:attribute` (an APIRouter) until a request needs it."""

    def __init__(self, target: str, prefixes: Sequence[str], paths: Sequence[str] = ()) -> None:
        super().__init__()
        self.target = target
        self.prefixes = tuple(prefixes)
        self.paths = frozenset(paths)
        self.loaded = False
        self._lock = threading.Lock()

    def serves(self, path: str) -> bool:
        return path in self.paths or any(path == p or path.startswith(p + "/") for p in self.prefixes)

    def load(self) -> None:
        if self.loaded:
            return
        with self._lock:
            if self.loaded:
                return
            module, _, attribute = self.target.partition(":")
            imported = module not in sys.modules
            self.include_router(getattr(importlib.import_module(module), attribute))
            self.loaded = True
            _loads[0] += 1
            if imported:
                settle_loaded()  # the module's objects live as long as the process

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not self.loaded and self.serves(_route_path(scope)):
            self.load()
        return super().matches(scope)


def _route_path(scope: Scope) -> str:
    # as routing reads it: the path below the root path the server was given
    path: str = scope.get("path", "")
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def include(
    app: FastAPI, target: str, prefixes: Sequence[str], paths: Sequence[str] = (), **include: Any
) -> LazyRouter:
    """Include a stand-in for `target` on `app`, loaded by a request to one of `paths` or to a path
    under one of `prefixes` (the other arguments as for app.include_router)."""
    stand_in = LazyRouter(target, prefixes, paths)
    app.include_router(stand_in, **include)
    if not hasattr(app.state, "lazy_routers"):
        app.state.lazy_routers = []
    app.state.lazy_routers.append(stand_in)
    return stand_in


def load_all(app: FastAPI) -> None:
    """Load every stand-in of `app`: after it, app.routes is the whole route table."""
    for stand_in in getattr(app.state, "lazy_routers", ()):
        stand_in.load()


#: how often `warm` looks again while requests are being served (seconds)
BUSY_POLL = 0.05


async def warm(app: FastAPI, *, after: float, busy: Callable[[], bool]) -> None:
    """Load the stand-ins of `app` not loaded yet, `after` seconds from now, one at a time on the
    event loop (where a request would load it), each only once `busy()` says no request is being
    served; the loop serves whatever arrived between two loads. A load costs tens of milliseconds
    once; a request that arrives during one waits for it, as it would have for its own."""
    await asyncio.sleep(after)
    for stand_in in getattr(app.state, "lazy_routers", ()):
        while busy():
            await asyncio.sleep(BUSY_POLL)
        try:
            stand_in.load()
        except Exception:  # the first request under its paths meets the same error and answers it
            log.exception("warm-up: loading %s failed", stand_in.target)
        await asyncio.sleep(0)
