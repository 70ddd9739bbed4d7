"""The approval of a region's data for a year, county -> city -> province:
`draft -> submitted -> approved -> accepted`, and `return` (with a reason) back to draft.

- `submit`: a coordinator key covering the region (or an admin), when the region has no open
  quality flag and breaks no `error` consistency rule;
- `approve`: an approver key whose region lies strictly above the region (a city key for its
  counties), or an admin;
- `accept`: an admin (the province);
- `return`: a level may return only until the next level has acted — from `submitted` the
  coordinator or an approver above, from `approved` an approver above, from `accepted` an admin.

Past draft, the region's values and registry items of that year refuse writes (409
region-submitted) until it is returned. Every transition is in the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal

from sqlmodel import Session

from app.db import repositories as repo
from app.db import review
from app.db.tables import Approval, Period
from app.db.types import utcnow
from app.domain import InvalidInput, Problem
from app.domain import quality as dq
from app.domain.problems import DomainError
from app.services import audit, schemes
from app.services.audit import Actor, Principal
from app.services.errors import Conflict, Forbidden, NotFound, PeriodLocked
from app.services.regions import get_region, scope_codes

Action = Literal["submit", "approve", "accept", "return"]
#: the level whose regions are submitted and must be accepted before a year is published
SCORED_LEVEL = "county"
NEXT: dict[str, tuple[str, str]] = {
    # action: (state it starts from, state it leads to)
    "submit": ("draft", "submitted"),
    "approve": ("submitted", "approved"),
    "accept": ("approved", "accepted"),
}


class RegionSubmitted(DomainError):
    def __init__(self, year: int, region: str, state: str) -> None:
        self.year, self.region, self.state = year, region, state
        super().__init__(
            f"region {region} is {state} for {year}: its values and registry items of that year refuse "
            f"writes until it is returned (POST /api/v1/approvals/{year}/{region}/return)"
        )


class NotReady(DomainError):
    """A region that cannot be submitted yet: `problems` lists each open flag or broken rule."""

    def __init__(self, detail: str, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(detail)


class NotAccepted(DomainError):
    """A year with scored regions not yet accepted cannot be published without `force`."""

    def __init__(self, detail: str, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(detail)


# ------------------------------------------------------------------------------- write hooks


def require_open(session: Session, year: int, regions: Iterable[str]) -> None:
    """Raise RegionSubmitted when one of `regions` is past draft in `year`."""
    for a in review.non_draft(session, regions, year):
        raise RegionSubmitted(year, a.region_code, a.state)


def require_open_items(
    session: Session, items: Iterable[Any | None], counts_in: Callable[[Any, int], bool]
) -> None:
    """Raise RegionSubmitted when a registry item (before or after a change) counts in a year in
    which its region is past draft."""
    present = [i for i in items if i is not None]
    # the caller holds the row locks of every period the items can count in (registry._lock), and a
    # transition takes its period's: no submission slips in between
    for a in review.non_draft(session, {i.region_code for i in present}):
        if any(i.region_code == a.region_code and counts_in(i, a.year) for i in present):
            raise RegionSubmitted(a.year, a.region_code, a.state)


# ------------------------------------------------------------------------------- transitions


def _strictly_above(p: Principal, region: str) -> bool:
    return p.region is not None and p.region != region and p.covers(region)


def _may(p: Principal, action: Action, state: str, region: str) -> bool:
    if p.role == "admin":
        return True
    if action == "submit":
        return p.role == "coordinator" and p.covers(region)
    if action == "approve":
        return p.role == "approver" and _strictly_above(p, region)
    if action == "return":
        if state == "submitted":
            return (p.role == "coordinator" and p.covers(region)) or (
                p.role == "approver" and _strictly_above(p, region)
            )
        if state == "approved":
            return p.role == "approver" and _strictly_above(p, region)
    return False


def _why_not(action: Action, state: str) -> str:
    who = {
        "submit": "a coordinator key covering the region",
        "approve": "an approver key of a region above it",
        "accept": "an admin key",
    }
    if action == "return":
        by_state = {
            "submitted": "its coordinator, an approver key of a region above it, or an admin",
            "approved": "an approver key of a region above it, or an admin",
            "accepted": "an admin",
        }
        return f"a {state} region may be returned by {by_state.get(state, 'an admin')}"
    return f"only {who[action]} may {action}"


def _state(a: Approval) -> dict[str, Any]:
    return {"state": a.state}


def _ready(session: Session, year: int, region: str) -> None:
    """Refuse to submit a region with open flags or a broken `error` rule."""
    problems = [
        Problem(f.element, f"open {f.kind} flag {f.id}: {f.message_en}")
        for f in review.live_flags(session, year, [region])
        if f.status == "open"
    ]
    period = repo.get_period(session, year)
    assert period is not None
    scheme = schemes.get_scheme(session, period.scheme_code)
    values = {
        r.element: r.value_number
        for r in repo.values_of(session, year, [region])
        if r.value_number is not None
    }
    for b in dq.breaches([r for r in scheme.consistency if r.severity == "error"], values):
        problems.append(
            Problem(
                b.rule.left,
                f"breaks consistency rule {b.rule.code} ({b.rule.text()}): {b.left} vs {b.right}",
            )
        )
    if problems:
        raise NotReady(
            f"region {region} cannot be submitted for {year}: {len(problems)} open flag(s) or broken "
            f"rule(s); fix the values or confirm the flags (POST /api/v1/periods/{year}/quality/{{id}}/confirm)",
            problems,
        )


def transition(
    session: Session, year: int, region: str, action: Action, reason: str | None, *, actor: Actor
) -> dict[str, Any]:
    """Move a region's approval for `year` one step (or return it to draft)."""
    # the period's row lock: a transition and a write of the same year queue (writes take it first)
    period = session.get(Period, year, with_for_update=True, populate_existing=True)
    if period is None:
        raise NotFound("period", year)
    reg = get_region(session, region)
    if reg.level != SCORED_LEVEL:
        raise InvalidInput(
            [Problem("region", f"{region} is a {reg.level}; approvals are per {SCORED_LEVEL}-level region")]
        )
    if period.status == "published":
        raise PeriodLocked(year)
    row = review.get_approval(session, year, region, for_update=True)
    state = row.state if row is not None else "draft"
    if not _may(actor.principal, action, state, region):
        raise Forbidden(f"{_why_not(action, state)}; key {actor.name!r} is a {actor.principal.role} key")
    if action == "return":
        if state == "draft":
            raise Conflict(f"region {region} is a draft for {year}: there is nothing to return")
        if reason is None or not reason.strip():
            raise InvalidInput([Problem("reason", "must say why the region's data is returned")])
        target = "draft"
    else:
        start, target = NEXT[action]
        if state != start:
            raise Conflict(f"region {region} is {state} for {year}; {action} needs a {start} region")
        if action == "submit":
            _ready(session, year, region)
    now = utcnow()
    if row is None:
        row = Approval(year=year, region_code=region)
    old = {"state": state}
    row.state, row.updated_at = target, now
    if action == "submit":
        row.submitted_by, row.submitted_at = actor.name, now
    elif action == "approve":
        row.approved_by, row.approved_at = actor.name, now
    elif action == "accept":
        row.accepted_by, row.accepted_at = actor.name, now
    else:
        row.returned_by, row.returned_at, row.return_reason = actor.name, now, reason
    session.add(row)
    session.flush()
    audit.record(
        session,
        audit.event(
            actor,
            action,
            "approval",
            f"{year}/{region}",
            region=region,
            year=year,
            old=old,
            new=_state(row),
            reason=reason if action == "return" else None,
        ),
    )
    return approval_read(row, reg.name_zh, reg.name_en, reg.parent_code)


def approval_read(
    a: Approval | None, name_zh: str, name_en: str, parent: str | None, region: str | None = None
) -> dict[str, Any]:
    fields = (
        "submitted_by",
        "submitted_at",
        "approved_by",
        "approved_at",
        "accepted_by",
        "accepted_at",
        "returned_by",
        "returned_at",
        "return_reason",
        "updated_at",
    )
    return {
        "region": a.region_code if a is not None else region,
        "name_zh": name_zh,
        "name_en": name_en,
        "parent_code": parent,
        "state": a.state if a is not None else "draft",
        **{f: getattr(a, f) if a is not None else None for f in fields},
    }


def list_approvals(session: Session, year: int, parent: str | None) -> dict[str, Any]:
    """The state of every county-level region under `parent` (every one without it)."""
    period = repo.get_period(session, year)
    if period is None:
        raise NotFound("period", year)
    regions = repo.region_rows(session, scope_codes(session, parent), SCORED_LEVEL)
    stored = review.approvals_of(session, year, [r.code for r in regions])
    items = [approval_read(stored.get(code), zh, en, up, code) for code, zh, en, _, up in regions]
    counts = {s: sum(i["state"] == s for i in items) for s in ("draft", "submitted", "approved", "accepted")}
    return {"year": year, "parent": parent, "period_status": period.status, "counts": counts, "items": items}


# ------------------------------------------------------------------------------- publication


def require_accepted(session: Session, year: int, force: bool, reason: str | None, actor: Actor) -> None:
    """Before a year is published: every county-level region accepted, or `force` with a reason
    (audited, naming the regions that were not accepted)."""
    regions = [r.code for r in repo.region_rows(session, None, SCORED_LEVEL)]
    stored = review.approvals_of(session, year, regions)
    pending = [(c, stored[c].state if c in stored else "draft") for c in regions]
    pending = [(c, s) for c, s in pending if s != "accepted"]
    if force:
        if reason is None or not reason.strip():
            raise InvalidInput([Problem("reason", "a forced publication must say why")])
        audit.record(
            session,
            audit.event(
                actor,
                "force",
                "period",
                str(year),
                year=year,
                new={"not_accepted": [c for c, _ in pending]},
                reason=reason,
            ),
        )
        return
    if pending:
        raise NotAccepted(
            f"period {year} cannot be published: {len(pending)} of {len(regions)} {SCORED_LEVEL}-level "
            "regions are not accepted; accept them, or publish with force and a reason",
            [Problem("region", f"{c} is {s}") for c, s in pending],
        )
