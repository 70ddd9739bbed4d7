"""Reporting timeliness: whether each department's data of a region arrived by the period's due date."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from sqlmodel import Session

from app.db import repositories as repo
from app.db import review
from app.db.repositories import RegionRow
from app.db.tables import Period
from app.db.types import utcnow

#: a due date ends at midnight in China Standard Time, where the departments work
CST = timezone(timedelta(hours=8), "CST")
RULE = (
    "a department's data of a region is on time when every element it must post arrived by the end "
    "of due_on (24:00 China Standard Time, UTC+8); it arrived when its last missing element was first "
    "stored (a later correction is not an arrival); late when it arrived after that, or is still "
    "incomplete once the due date has passed; pending while incomplete before it. on_time_rate = "
    "on_time / (on_time + late)"
)


def deadline(due_on: date) -> datetime:
    return datetime.combine(due_on + timedelta(days=1), time(0), CST)


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def _rate(counts: Mapping[str, int]) -> float | None:
    known = counts["on_time"] + counts["late"]
    return round(counts["on_time"] / known, 4) if known else None


def assess(
    session: Session,
    period: Period,
    regions: Sequence[RegionRow],
    parts: Mapping[str, Sequence[Any]],
) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[str, Any]]:
    """Per (region, department): `on_time` (true, false, or null while pending or with no due date)
    and `arrived_at`; and the on-time counts and rates per department and per city (the region's
    parent). `regions` are `RegionRow`s; `parts` the
    completeness report's department parts of each region (department, expected, received, missing)."""
    due = period.due_on
    end = deadline(due) if due is not None else None
    now = utcnow()
    arrivals = review.value_arrivals(session, period.year) if due is not None else {}
    stored = {
        (r.region_code, r.element): r.updated_at
        for r in repo.values_of(session, period.year, [r.code for r in regions])
    }
    per: dict[tuple[str, str], dict[str, Any]] = {}
    zero = {"on_time": 0, "late": 0, "pending": 0}
    by_dept: dict[str, dict[str, int]] = {}
    by_city: dict[str, dict[str, int]] = {}
    for code, *_, parent in regions:
        for p in parts[code]:
            times = [_aware(arrivals.get((code, e)) or stored[(code, e)]) for e in p.received]
            arrived = max(times) if times and not p.missing else None
            on_time: bool | None = None
            if end is not None and p.expected:
                if arrived is not None:
                    on_time = arrived <= end
                elif now > end:
                    on_time = False
            per[(code, p.department)] = {"on_time": on_time, "arrived_at": arrived}
            if end is None or not p.expected:
                continue
            outcome = "pending" if on_time is None else "on_time" if on_time else "late"
            by_dept.setdefault(p.department, dict(zero))[outcome] += 1
            if parent is not None:
                by_city.setdefault(parent, dict(zero))[outcome] += 1
    names = {r.code: (r.name_zh, r.name_en) for r in repo.region_rows(session, sorted(by_city), None)}
    summary = {
        "due_on": due,
        "deadline": end,
        "rule": RULE,
        "departments": [{"department": d, **c, "on_time_rate": _rate(c)} for d, c in by_dept.items()],
        "cities": [
            {
                "city": c,
                "name_zh": names.get(c, ("", ""))[0],
                "name_en": names.get(c, ("", ""))[1],
                **n,
                "on_time_rate": _rate(n),
            }
            for c, n in sorted(by_city.items())
        ],
    }
    return per, summary
