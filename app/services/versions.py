"""Entity tags for optimistic concurrency (ETag / If-Match)."""

from __future__ import annotations

import hashlib

from app.services.errors import PreconditionFailed


def etag(*parts: object) -> str:
    """A strong entity tag from what identifies one version of a resource (its id and updated_at)."""
    return '"' + hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:24] + '"'


def check_if_match(if_match: str | None, current: str | None) -> None:
    """Raise PreconditionFailed unless `if_match` (the header, if sent) matches the current tag.

    Must be called after the write lock is held, so that two writers with the same tag cannot
    both pass."""
    if if_match is None:
        return
    tags = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    if current is None:
        raise PreconditionFailed("If-Match was sent but the resource does not exist")
    if "*" not in tags and current not in tags:
        raise PreconditionFailed(f"the resource has changed: its ETag is now {current}")
