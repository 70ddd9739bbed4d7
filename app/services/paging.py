"""The one shape of a page of a list: the items, how many there are in all, and the window asked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def page(items: Sequence[Any], total: int, limit: int, offset: int) -> dict[str, Any]:
    """`items` (already cut to the window), `total` (the whole list's length), `limit` and `offset`
    as asked; spread it into a larger body (`{"year": y, **page(...)}`) where a list has context."""
    return {"items": list(items), "total": total, "limit": limit, "offset": offset}
