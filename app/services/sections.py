"""The cross-sections the outlier check compares, kept from one write to the next.

A bulk import arrives in batches, each its own transaction, and every batch re-judges the whole
cross-section of each element it changes (every region of the level). Reading those numbers
again for every batch costs a read of the year per batch; this module keeps them per process
instead, as the database held them at a committed data_version of the period:

- an entry is used only by a write that holds the period's lock (every writer of values takes it
  and bumps data_version: see repositories.periods), when the version it read under that lock,
  before its own bump, is the entry's, and the year still holds the number of values the entry
  was made with (a cheap guard against rows changed outside the service);
- an entry is stored after the commit of the write that made it, when that write bumped the
  version exactly once (a second write in the same transaction leaves nothing to store); a
  rollback stores nothing;
- the key holds the database, the year, the period's scheme and its creation time: a period
  deleted and made again starts its versions over under another key.

Anything not found is read from the database, as it would be without this module.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.db import oncommit, review

#: (element, level) -> region -> number
Pair = tuple[str, str]
Sections = dict[Pair, dict[str, float]]

#: periods kept per process (a few: one per year being imported; ~5 MB each at 3,000 counties)
KEEP = 4


@dataclass(frozen=True)
class Entry:
    version: int
    count: int
    #: never changed once stored; readers copy what they change
    sections: Sections


_entries: OrderedDict[tuple[Any, ...], Entry] = OrderedDict()
_lock = threading.Lock()


def _key(session: Session, year: int, state: tuple[int, str, Any]) -> tuple[Any, ...]:
    bind: Any = session.get_bind()
    engine = getattr(bind, "engine", bind)
    return (str(engine.url), year, state[1], str(state[2]))


def _cached(session: Session, year: int, base_version: int | None) -> Entry | None:
    if base_version is None:
        return None
    state = review.period_state(session, year)
    if state is None:
        return None
    with _lock:
        entry = _entries.get(_key(session, year, state))
    if entry is None or entry.version != base_version or entry.count != review.value_count(session, year):
        return None
    return entry


def load(
    session: Session, year: int, pairs: Iterable[Pair], base_version: int | None
) -> tuple[Sections, Entry | None]:
    """The numbers of each (element, level) in `pairs` as stored before this write (a copy the caller
    may change), and the entry they came from (for `remember`). `base_version` is the period's
    data_version read under its lock before this write's bump (None: not known, e.g. a dry run;
    everything is read)."""
    wanted = sorted(set(pairs))
    if not wanted:  # nothing to judge (a re-sent batch): no look-up
        return {}, None
    entry = _cached(session, year, base_version)
    out: Sections = {}
    missing: set[Pair] = set()
    for pair in wanted:
        held = entry.sections.get(pair) if entry is not None else None
        if held is None:
            missing.add(pair)
            out[pair] = {}
        else:
            out[pair] = dict(held)
    if missing:
        elements = sorted({p[0] for p in missing})
        levels = sorted({p[1] for p in missing})
        for region, level, element, number in review.numbers_at_levels(session, year, elements, levels):
            if (element, level) in missing:
                out[(element, level)][region] = number
    return out, entry


def remember(
    session: Session, year: int, base_version: int | None, sections: Sections, previous: Entry | None
) -> None:
    """Keep `sections` (the numbers of their pairs once this write is stored; not to be changed
    after this call), with the other pairs of `previous` (what `load` used), for the next write,
    if this transaction commits having bumped the period once from `base_version`."""
    if base_version is None or not sections:
        return

    def check(s: Session) -> tuple[tuple[Any, ...], Entry] | None:
        state = review.period_state(s, year)
        if state is None or state[0] != base_version + 1:
            return None
        kept = dict(previous.sections) if previous is not None else {}
        kept.update(sections)
        return _key(s, year, state), Entry(state[0], review.value_count(s, year), kept)

    def done(keyed: tuple[tuple[Any, ...], Entry]) -> None:
        key, entry = keyed
        with _lock:
            _entries[key] = entry
            _entries.move_to_end(key)
            while len(_entries) > KEEP:
                _entries.popitem(last=False)

    oncommit.defer(session, ("sections", year), check, done)


def clear() -> None:
    """Forget every entry (tests)."""
    with _lock:
        _entries.clear()
