"""Registry items: recognised platforms (a stock) and awards (events)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.db import repositories as repo
from app.db.tables import Award, Platform
from app.db.types import utcnow
from app.domain import InvalidInput, Problem, Scheme
from app.domain.document import check_item_dates, check_item_kind
from app.services.errors import Conflict, NotFound
from app.services.regions import scope_codes


@dataclass(frozen=True)
class PlatformInput:
    region_code: str
    type: str
    level: str
    name: str
    recognized_on: date
    revoked_on: date | None = None
    host_organisation: str | None = None
    document_number: str | None = None


@dataclass(frozen=True)
class AwardInput:
    region_code: str
    type: str
    level: str
    name: str
    awarded_on: date
    document_number: str | None = None


ItemInput = PlatformInput | AwardInput
Item = Platform | Award


def _spec(model: type[Item]) -> tuple[str, type[ItemInput], str]:
    return ("platform", PlatformInput, "platform") if model is Platform else ("award", AwardInput, "award")


def _check(session: Session, scheme: Scheme, data: ItemInput) -> None:
    registry = "platform" if isinstance(data, PlatformInput) else "award"
    problems = check_item_kind(scheme, registry, data.type, data.level)
    if repo.get_region(session, data.region_code) is None:
        problems.append(Problem("region", f"unknown region {data.region_code!r}"))
    if isinstance(data, PlatformInput):
        problems += check_item_dates(data.recognized_on, data.revoked_on, "recognized_on", "revoked_on")
    if problems:
        raise InvalidInput(problems)


def _first_year(data: ItemInput) -> int:
    return data.recognized_on.year if isinstance(data, PlatformInput) else data.awarded_on.year


def _bump(session: Session, *items: ItemInput) -> None:
    """Invalidate the scores of every year an item can count in, before and after the change."""
    platforms = [i for i in items if isinstance(i, PlatformInput)]
    if platforms:
        repo.bump_periods(session, from_year=min(_first_year(i) for i in platforms))
    awards = [i for i in items if isinstance(i, AwardInput)]
    if awards:
        repo.bump_periods(session, years={_first_year(i) for i in awards})


def _as_input(row: Item) -> ItemInput:
    cls = PlatformInput if isinstance(row, Platform) else AwardInput
    return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})


def _find(session: Session, data: ItemInput) -> Item | None:
    if isinstance(data, PlatformInput):
        return repo.find_platform(session, data.region_code, data.type, data.level, data.name)
    return repo.find_award(session, data.region_code, data.type, data.level, data.name, data.awarded_on)


def create_item(session: Session, scheme: Scheme, data: ItemInput) -> tuple[Item, bool]:
    """Add an item; an identical re-send returns the stored item (created False), a clash 409."""
    _check(session, scheme, data)
    existing = _find(session, data)
    kind = "platform" if isinstance(data, PlatformInput) else "award"
    if existing is not None:
        if _as_input(existing) == data:
            return existing, False
        raise Conflict(
            f"{kind} {existing.id} has the same region, type, level and name", existing=existing.id
        )
    _bump(session, data)
    row: Item = Platform(**data.__dict__) if isinstance(data, PlatformInput) else Award(**data.__dict__)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"a {kind} with the same region, type, level and name exists") from None
    return row, True


def get_item(session: Session, model: type[Item], item_id: int) -> Item:
    row: Item | None = session.get(model, item_id)  # type: ignore[assignment]
    if row is None:
        raise NotFound(_spec(model)[0], item_id)
    return row


def update_item(
    session: Session, scheme: Scheme, model: type[Item], item_id: int, changes: dict[str, Any]
) -> Item:
    row = get_item(session, model, item_id)
    before = _as_input(row)
    after = type(before)(**{**before.__dict__, **changes})
    if after == before:
        return row
    _check(session, scheme, after)
    clash = _find(session, after)
    if clash is not None and clash.id != row.id:
        raise Conflict(
            f"{_spec(model)[0]} {clash.id} has the same region, type, level and name",
            existing=clash.id,
        )
    _bump(session, before, after)
    for k, v in changes.items():
        setattr(row, k, v)
    row.updated_at = utcnow()
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"a {_spec(model)[0]} with the same region, type, level and name exists") from None
    return row


def delete_item(session: Session, model: type[Item], item_id: int) -> None:
    row = get_item(session, model, item_id)
    _bump(session, _as_input(row))
    session.delete(row)
    session.flush()


def list_items(
    session: Session,
    model: type[Item],
    *,
    region: str | None,
    type_: str | None,
    level: str | None,
    active_in: int | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Item], int]:
    codes = None
    if region is not None:
        below = scope_codes(session, region) or []
        codes = [region, *below]
    return repo.list_items(
        session,
        model,
        region_codes=codes,
        type_=type_,
        level=level,
        active_in=active_in,
        limit=limit,
        offset=offset,
    )
