"""Finished reports kept per data version (no template engine needed to hold them)."""

from __future__ import annotations

from app.lru import VersionedLRU

#: finished report bytes, each kept with the data versions it was made from (LRU)
ReportCache = VersionedLRU[bytes]
