"""Work deferred to the commit of a session's transaction: checked inside it, done after it.

`defer(session, key, check, done)`: `check(session)` runs in `before_commit` (inside the
transaction, after its last write; it may read) and returns a value or None; `done(value)` runs
after the commit succeeded, with a value that is not None. A rollback drops what was deferred;
deferring again under the same key in one transaction replaces the earlier one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

_PENDING = "innomon_on_commit"
_READY = "innomon_on_commit_ready"


def defer(session: Session, key: Any, check: Callable[[Any], Any], done: Callable[[Any], None]) -> None:
    _install()
    session.info.setdefault(_PENDING, {})[key] = (check, done)


def _before_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    ready = []
    for check, done in pending.values():
        value = check(session)
        if value is not None:
            ready.append((done, value))
    session.info[_READY] = ready


def _after_commit(session: Session) -> None:
    for done, value in session.info.pop(_READY, ()):
        done(value)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_READY, None)


_lock = threading.Lock()
_installed = False


def _install() -> None:
    global _installed
    if _installed:
        return
    with _lock:
        if not _installed:
            event.listen(Session, "before_commit", _before_commit)
            event.listen(Session, "after_commit", _after_commit)
            event.listen(Session, "after_rollback", _after_rollback)
            _installed = True
