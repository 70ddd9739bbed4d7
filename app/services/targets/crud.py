"""Plan targets of regions: create, change, delete (admin, audited), get and list.

Writes need an admin key: a target is set by the region's plan (a government document), not by a
department posting statistics, and a department key must not be able to lower its own bar. Every
key reads. Targets are checked against the default scheme (INNOMON_DEFAULT_SCHEME).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.db import repositories as repo
from app.db.tables import Target
from app.db.types import utcnow
from app.domain import InvalidInput, Problem, Scheme
from app.domain.targets import TargetSpec, check_target, normalise_types
from app.services import audit
from app.services.access import require_admin
from app.services.audit import SYSTEM, Actor
from app.services.errors import Conflict, NotFound
from app.services.regions import get_region
from app.services.versions import check_if_match, etag


@dataclass(frozen=True)
class TargetInput:
    region_code: str
    kind: str
    subject: str
    level: str | None
    threshold: Decimal | None
    by_year: int
    base_year: int
    comment: str | None = None

    def normalised(self) -> TargetInput:
        """Registry types sorted and de-duplicated; "" (any level) stored for no level."""
        subject = normalise_types(self.subject) if self.kind == "count" else self.subject.strip()
        return replace(self, subject=subject, level=self.level or None)

    def spec(self) -> TargetSpec:
        return TargetSpec(
            self.kind, self.subject, self.level or "", self.threshold, self.by_year, self.base_year
        )

    def key(self) -> tuple[str, str, str, str, int]:
        return (self.region_code, self.kind, self.subject, self.level or "", self.by_year)


def as_input(row: Target) -> TargetInput:
    return TargetInput(
        row.region_code,
        row.kind,
        row.subject,
        row.level or None,
        row.threshold,
        row.by_year,
        row.base_year,
        row.comment,
    )


def state_of(data: TargetInput) -> dict[str, Any]:
    return {f.name: getattr(data, f.name) for f in fields(data)}


def target_etag(row: Target) -> str:
    return etag("target", row.id, row.updated_at.isoformat())


def check_input(session: Session, scheme: Scheme, data: TargetInput) -> None:
    problems = check_target(scheme, data.spec())
    if repo.get_region(session, data.region_code) is None:
        problems.insert(0, Problem("region", f"unknown region {data.region_code!r}"))
    if problems:
        raise InvalidInput(problems)


def _event(
    actor: Actor, action: str, row: Target, before: TargetInput | None, after: TargetInput | None
) -> Any:
    return audit.event(
        actor,
        action,
        "target",
        str(row.id),
        region=row.region_code,
        old=state_of(before) if before is not None else None,
        new=state_of(after) if after is not None else None,
    )


def _clash(row: Target) -> Conflict:
    return Conflict(f"target {row.id} has the same region, kind, subject, level and by_year", existing=row.id)


def create_target(
    session: Session, scheme: Scheme, data: TargetInput, *, actor: Actor = SYSTEM
) -> tuple[Target, bool]:
    """Add a target; an identical re-send returns the stored one (created False), a clash 409."""
    require_admin(actor, "set plan targets")
    data = data.normalised()
    check_input(session, scheme, data)
    existing = repo.find_target(session, *data.key())
    if existing is not None:
        if as_input(existing) == data:
            return existing, False
        raise _clash(existing)
    row = Target(**{**state_of(data), "level": data.level or ""})
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("a target with the same region, kind, subject, level and by_year exists") from None
    audit.record(session, _event(actor, "create", row, None, data))
    return row, True


def get_target(
    session: Session, target_id: int, *, for_update: bool = False, if_match: str | None = None
) -> Target:
    row: Target | None = session.get(Target, target_id, with_for_update=for_update)
    if row is None:
        check_if_match(if_match, None)  # a tag sent for a target that is gone: 412, not 404
        raise NotFound("target", target_id)
    return row


NULLABLE = frozenset({"level", "threshold", "comment"})


def update_target(
    session: Session,
    scheme: Scheme,
    target_id: int,
    changes: Mapping[str, Any],
    *,
    actor: Actor = SYSTEM,
    if_match: str | None = None,
) -> Target:
    require_admin(actor, "change plan targets")
    nulls = [
        Problem(k.removesuffix("_code"), "must not be null")
        for k, v in changes.items()
        if v is None and k not in NULLABLE
    ]
    if nulls:
        raise InvalidInput(nulls)
    row = get_target(session, target_id, for_update=True, if_match=if_match)
    before = as_input(row)
    after = replace(before, **changes).normalised()
    if after != before:
        check_input(session, scheme, after)  # an invalid change is 422 even with a stale If-Match
    check_if_match(if_match, target_etag(row))
    if after == before:
        return row
    clash = repo.find_target(session, *after.key())
    if clash is not None and clash.id != row.id:
        raise _clash(clash)
    for k, v in state_of(after).items():
        setattr(row, k, v)
    row.level = after.level or ""
    row.updated_at = utcnow()
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("a target with the same region, kind, subject, level and by_year exists") from None
    audit.record(session, _event(actor, "update", row, before, after))
    return row


def delete_target(
    session: Session, target_id: int, *, actor: Actor = SYSTEM, if_match: str | None = None
) -> None:
    require_admin(actor, "delete plan targets")
    row = get_target(session, target_id, for_update=True, if_match=if_match)
    check_if_match(if_match, target_etag(row))
    audit.record(session, _event(actor, "delete", row, as_input(row), None))
    session.delete(row)
    session.flush()


def _region_codes(session: Session, region: str | None) -> list[str] | None:
    if region is None:
        return None
    get_region(session, region)
    return repo.subtree_codes(session, region)


def list_targets(
    session: Session, *, region: str | None, kind: str | None, limit: int, offset: int
) -> tuple[Sequence[Target], int]:
    """Targets of `region` and every region below it (all when None), by region, year and id."""
    return repo.list_targets(
        session, region_codes=_region_codes(session, region), kind=kind, limit=limit, offset=offset
    )
