"""Progress of plan targets as of a data year: reads the scores of each year through the score
service, so a published year is judged on its snapshot (rules in app/domain/targets.py).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from app.db import repositories as repo
from app.db.tables import Target
from app.domain import Scheme
from app.domain.targets import (
    count_items,
    increase_progress,
    progress_text,
    statement,
    threshold_progress,
    tier_goal,
)
from app.services.errors import NotFound
from app.services.periods import get_period
from app.services.scores import breakdown_json
from app.services.targets.crud import list_targets

# ----------------------------------------------------------------------------------- progress


def _decimal(x: object) -> Decimal | None:
    if isinstance(x, bool) or not isinstance(x, int | Decimal):
        return None
    return Decimal(x)


class _Facts:
    """Breakdowns and registry items of region-years, read once per progress request."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.breakdowns: dict[tuple[int, str], dict[str, Any] | None] = {}
        self.items: dict[tuple[int, str], list[tuple[str, str]]] = {}

    def breakdown(self, year: int, region: str) -> dict[str, Any] | None:
        key = (year, region)
        if key not in self.breakdowns:
            try:
                body = json.loads(breakdown_json(self.session, year, region), parse_float=Decimal)
            except NotFound:  # no period that year, or published without this region
                body = None
            self.breakdowns[key] = body
        return self.breakdowns[key]

    def value(self, year: int, region: str, subject: str) -> Decimal | None:
        """An indicator's value, or an element's as the breakdown shows it among its inputs."""
        b = self.breakdown(year, region)
        if b is None:
            return None
        indicators = [i for d in b["dimensions"] for i in d["indicators"]]
        for ind in indicators:
            if ind["code"] == subject:
                return _decimal(ind["value"])
        for ind in indicators:
            if subject in ind.get("inputs", {}):
                return _decimal(ind["inputs"][subject])
        return None

    def total(self, year: int, region: str) -> Decimal | None:
        b = self.breakdown(year, region)
        return None if b is None else _decimal(b["total"])

    def tier(self, year: int, region: str) -> str | None:
        b = self.breakdown(year, region)
        return None if b is None else str(b["tier"])

    def count(self, scheme: Scheme, year: int, region: str, types: Sequence[str], level: str) -> Decimal:
        key = (year, region)
        if key not in self.items:
            platforms, awards = repo.scoring_items(self.session, year, [region])
            self.items[key] = [(r.type, r.level) for r in (*platforms, *awards)]
        return count_items(scheme, self.items[key], types, level)


def _years(t: Target, year: int) -> list[int]:
    as_of = min(year, t.by_year)
    if t.kind == "increase":
        return list(range(t.base_year, as_of + 1))
    return [t.base_year, as_of]


def target_progress(scheme: Scheme, facts: _Facts, t: Target, year: int) -> dict[str, Any]:
    """The progress of one target as of data year `year` (rules in app/domain/targets.py)."""
    region = t.region_code
    series: dict[int, Decimal | None]
    if t.kind == "count":
        types = t.subject.split(",")
        series = {y: facts.count(scheme, y, region, types, t.level) for y in _years(t, year)}
    elif t.kind == "tier":
        series = {y: facts.total(y, region) for y in _years(t, year)}
    else:
        series = {y: facts.value(y, region, t.subject) for y in _years(t, year)}
    if t.kind == "increase":
        p = increase_progress(t.by_year, t.base_year, year, series)
    else:
        goal = tier_goal(scheme, t.subject) if t.kind == "tier" else t.threshold
        assert goal is not None  # value and count targets always have a threshold (checked on write)
        p = threshold_progress(goal, t.by_year, t.base_year, year, series)
    out = p.to_dict()
    reason = progress_text(scheme, t.kind, t.subject, t.level, t.by_year, p)
    out["reason_zh"], out["reason_en"] = reason.zh, reason.en
    said = statement(scheme, t.kind, t.subject, t.level, t.threshold, t.by_year, t.base_year)
    out["statement_zh"], out["statement_en"] = said.zh, said.en
    out["current_tier"] = facts.tier(p.as_of, region) if t.kind == "tier" else None
    return out


def progress(
    session: Session,
    scheme: Scheme,
    *,
    region: str | None,
    year: int,
    kind: str | None,
    limit: int,
    offset: int,
) -> tuple[list[tuple[Target, dict[str, Any]]], int]:
    """Each target in scope with its progress as of data year `year` (whose period must exist)."""
    get_period(session, year)
    rows, total = list_targets(session, region=region, kind=kind, limit=limit, offset=offset)
    facts = _Facts(session)
    return [(t, target_progress(scheme, facts, t, year)) for t in rows], total
