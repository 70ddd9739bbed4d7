"""Periods: a data year scored under one scheme, optionally labelled with the province's round.

Publishing a period (lock) stores a snapshot of every region's breakdown; while it is published,
no write may change that year's scores and the score endpoints serve the snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from app.db import fact_rows
from app.db import repositories as repo
from app.db import snapshots as snapshot_rows
from app.db.facts import region_facts
from app.db.tables import Period, PeriodSnapshot
from app.db.types import utcnow
from app.domain import InvalidInput, Problem, score
from app.domain.document import check_year
from app.domain.labels import RegionNames, label_breakdown
from app.services import approvals, audit, schemes
from app.services.access import require_admin
from app.services.audit import SYSTEM, Actor
from app.services.errors import NotFound, PeriodLocked
from app.services.versions import check_if_match, etag

PUBLISHED = "published"


def period_etag(p: Period) -> str:
    return etag("period", p.year, p.updated_at.isoformat())


def _state(p: Period) -> dict[str, Any]:
    return {"scheme": p.scheme_code, "round_label": p.round_label, "status": p.status, "due_on": p.due_on}


def put_period(
    session: Session,
    year: int,
    scheme_code: str,
    round_label: str | None,
    *,
    actor: Actor = SYSTEM,
    if_match: str | None = None,
    due_on: date | None = None,
) -> tuple[Period, bool]:
    """Create or update the period of `year`; returns it and whether it was created."""
    require_admin(actor, "create or change periods")
    problems = []
    try:
        check_year(year)
    except ValueError as exc:
        problems.append(Problem("year", str(exc)))
    try:
        schemes.get_scheme(session, scheme_code)
    except NotFound:
        problems.append(Problem("scheme", f"unknown scheme {scheme_code!r}"))
    if problems:
        raise InvalidInput(problems)
    period = session.get(Period, year, with_for_update=True, populate_existing=True)
    if period is None:
        check_if_match(if_match, None)
        period = Period(year=year, scheme_code=scheme_code, round_label=round_label, due_on=due_on)
        session.add(period)
        session.flush()
        fact_rows.note_year(session, year)  # registry items may count in it already
        audit.record(
            session, audit.event(actor, "create", "period", str(year), year=year, new=_state(period))
        )
        return period, True
    check_if_match(if_match, period_etag(period))
    if (period.scheme_code, period.round_label, period.due_on) != (scheme_code, round_label, due_on):
        if period.scheme_code != scheme_code:
            if period.status == PUBLISHED:
                raise PeriodLocked(year)
            period.data_version += 1
        before = _state(period)
        period.scheme_code, period.round_label, period.updated_at = scheme_code, round_label, utcnow()
        period.due_on = due_on
        session.add(period)
        session.flush()
        audit.record(
            session,
            audit.event(actor, "update", "period", str(year), year=year, old=before, new=_state(period)),
        )
    return period, False


def get_period(session: Session, year: int) -> Period:
    period = repo.get_period(session, year)
    if period is None:
        raise NotFound("period", year)
    return period


def list_periods(session: Session, limit: int, offset: int) -> tuple[Sequence[Period], int]:
    return repo.list_periods(session, limit, offset)


def lock_period(
    session: Session, year: int, *, actor: Actor = SYSTEM, force: bool = False, reason: str | None = None
) -> tuple[Period, int]:
    """Publish `year`: snapshot every region's breakdown and refuse score-changing writes.

    Returns the period and the number of regions snapshotted. Locking a published period again
    changes nothing."""
    require_admin(actor, "publish periods")
    # Every write that can change this year's scores takes this row lock and reads the status
    # under it (repo.lock_periods), so what it writes is either in the snapshot or refused.
    period = session.get(Period, year, with_for_update=True, populate_existing=True)
    if period is None:
        raise NotFound("period", year)
    if period.status == PUBLISHED:
        return period, 0
    # every county-level region accepted, or force with a reason (audited)
    approvals.require_accepted(session, year, force, reason, actor)
    repo.bump_periods(session, years=[year])
    scheme = schemes.get_scheme(session, period.scheme_code)
    places = _region_states(repo.region_rows(session, None, None))
    regions = list(places)
    facts = region_facts(session, scheme, year, regions)
    rows = []
    for code in regions:
        body = score(scheme, facts[code], code).to_dict()
        body["period_status"] = PUBLISHED
        label_breakdown(body, scheme, _names(places, code))
        rows.append(
            {
                "year": year,
                "region_code": code,
                "breakdown": json.dumps(body, ensure_ascii=False),
                "region_state": json.dumps(places[code].state(), ensure_ascii=False),
            }
        )
    if rows:
        session.execute(PeriodSnapshot.__table__.insert(), rows)  # type: ignore[attr-defined]
    before = _state(period)
    period.status, period.published_at, period.published_by = PUBLISHED, utcnow(), actor.name
    period.updated_at = utcnow()
    session.add(period)
    session.flush()
    audit.record(
        session, audit.event(actor, "lock", "period", str(year), year=year, old=before, new=_state(period))
    )
    return period, len(rows)


def unlock_period(session: Session, year: int, reason: str, *, actor: Actor = SYSTEM) -> Period:
    """Reopen a published period (admin, with a reason, audited); its snapshot is dropped."""
    require_admin(actor, "unlock periods")
    if not reason.strip():
        raise InvalidInput([Problem("reason", "must say why the published period is reopened")])
    period = session.get(Period, year, with_for_update=True, populate_existing=True)
    if period is None:
        raise NotFound("period", year)
    if period.status != PUBLISHED:
        return period
    repo.bump_periods(session, years=[year])
    snapshot_rows.delete_year(session, year)
    before = _state(period)
    period.status, period.published_at, period.published_by, period.updated_at = "open", None, None, utcnow()
    session.add(period)
    session.flush()
    audit.record(
        session,
        audit.event(
            actor, "unlock", "period", str(year), year=year, old=before, new=_state(period), reason=reason
        ),
    )
    return period


def snapshot_row(session: Session, year: int, region: str) -> PeriodSnapshot | None:
    return session.get(PeriodSnapshot, (year, region))


def snapshot(session: Session, year: int, region: str) -> str | None:
    row = snapshot_row(session, year, region)
    return row.breakdown if row is not None else None


def snapshots(session: Session, year: int, regions: Sequence[str]) -> dict[str, dict[str, Any]]:
    wanted = set(regions)
    rows = snapshot_rows.list_year(session, year)
    return {r.region_code: json.loads(r.breakdown) for r in rows if r.region_code in wanted}


@dataclass(frozen=True)
class PublishedRegion:
    """A region as a published year knows it: what its rankings, summary and completeness show."""

    code: str
    name_zh: str
    name_en: str
    level: str
    parent_code: str | None
    #: codes of its ancestors, parent first
    ancestors: tuple[str, ...]

    def state(self) -> dict[str, Any]:
        return {
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "level": self.level,
            "parent_code": self.parent_code,
            "ancestors": list(self.ancestors),
        }

    def under(self, parent: str | None) -> bool:
        return parent is None or parent in self.ancestors


def _region_states(rows: Sequence[repo.RegionRow]) -> dict[str, PublishedRegion]:
    """Regions with their ancestor chains."""
    parents = {r.code: r.parent_code for r in rows}
    out = {}
    for code, name_zh, name_en, level, parent_code in rows:
        chain: list[str] = []
        current = parent_code
        while current is not None and current not in chain and current != code:
            chain.append(current)
            current = parents.get(current)
        out[code] = PublishedRegion(code, name_zh, name_en, level, parent_code, tuple(chain))
    return out


def _names(places: dict[str, PublishedRegion], code: str) -> RegionNames | None:
    """A region's names, level and parent's names as `places` (one year's regions) hold them."""
    p = places.get(code)
    if p is None:
        return None
    return RegionNames.of(p, places.get(p.parent_code) if p.parent_code else None)


def published_region_names(session: Session, year: int) -> dict[str, RegionNames | None]:
    """Every region of `year`'s snapshot as its breakdown names it: from the states stored with
    the snapshot alone, never from the regions as they are now (a snapshot stored before its
    region's state was recorded names no region)."""
    places: dict[str, PublishedRegion] = {}
    for code, state in snapshot_rows.region_states(session, year):
        if state is not None:
            st = json.loads(state)
            places[code] = PublishedRegion(
                code, st["name_zh"], st["name_en"], st["level"], st["parent_code"], tuple(st["ancestors"])
            )
    return {code: _names(places, code) for code in places}


def published_regions(session: Session, year: int) -> dict[str, PublishedRegion]:
    """Every region of `year`'s snapshot, by code, as it was when the year was published.

    Snapshots stored before the region's state was recorded fall back to the region's current
    record (what was served for them before)."""
    rows = snapshot_rows.region_states(session, year)
    out: dict[str, PublishedRegion] = {}
    current: dict[str, PublishedRegion] | None = None
    for code, state in rows:
        if state is not None:
            s = json.loads(state)
            out[code] = PublishedRegion(
                code, s["name_zh"], s["name_en"], s["level"], s["parent_code"], tuple(s["ancestors"])
            )
            continue
        if current is None:
            current = _region_states(repo.region_rows(session, None, None))
        if code in current:
            out[code] = current[code]
    return dict(sorted(out.items()))
