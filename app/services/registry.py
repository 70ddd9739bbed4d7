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
from app.domain.document import check_item_dates, check_item_kind, item_codes
from app.services import approvals, audit
from app.services.access import registry_refusal
from app.services.audit import SYSTEM, Actor
from app.services.errors import Conflict, Forbidden, NotFound, PeriodLocked
from app.services.regions import scope_codes
from app.services.versions import check_if_match, etag


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


def counts_in(data: ItemInput, year: int) -> bool:
    """Whether the item counts for data year `year` (the domain's rule, on the input form)."""
    if isinstance(data, AwardInput):
        return data.awarded_on.year == year
    end = date(year, 12, 31)
    return data.recognized_on <= end and (data.revoked_on is None or data.revoked_on > end)


def _guard(session: Session, actor: Actor, before: ItemInput | None, after: ItemInput | None) -> None:
    """Refuse a change the key may not make, or one that would change a published year's score.

    A multi-year item touches a locked year only where the change alters whether it counts in
    that year, or its type, level or region while it counts there; a name, host or document
    number change, or a revocation dated after every locked year, is allowed.
    """
    for data in (before, after):
        if data is not None:
            why = registry_refusal(actor.principal, data.region_code)
            if why is not None:
                raise Forbidden(why)
    for year in sorted(repo.published_years(session)):
        b = before is not None and counts_in(before, year)
        a = after is not None and counts_in(after, year)
        moved = (
            before is not None
            and after is not None
            and b
            and a
            and (before.region_code, before.type, before.level)
            != (after.region_code, after.type, after.level)
        )
        if b != a or moved:
            raise PeriodLocked(year)
    # items of a year in which their region is submitted refuse changes until it is returned
    approvals.require_open_items(session, (before, after), counts_in)


def _kind(data: ItemInput | Item) -> str:
    return "platform" if isinstance(data, PlatformInput | Platform) else "award"


def item_etag(row: Item) -> str:
    return etag(_kind(row), row.id, row.updated_at.isoformat())


def _first_year(data: ItemInput) -> int:
    return data.recognized_on.year if isinstance(data, PlatformInput) else data.awarded_on.year


def _bump(session: Session, *items: ItemInput) -> None:
    """Invalidate the scores of every year an item can count in, before and after the change."""
    platforms = [i for i in items if isinstance(i, PlatformInput)]
    if platforms:
        repo.bump_periods(
            session,
            from_year=min(_first_year(i) for i in platforms),
            regions={i.region_code for i in platforms},
        )
    awards = [i for i in items if isinstance(i, AwardInput)]
    if awards:
        repo.bump_periods(
            session, years={_first_year(i) for i in awards}, regions={i.region_code for i in awards}
        )


def _lock(session: Session, *items: ItemInput) -> None:
    """Lock every existing period the items can count in, before and after the change: the same
    periods _bump marks, in ascending year, so that _guard reads their status under the lock the
    publisher takes (a platform counts from the year it is recognised on, an award in its year)."""
    platforms = [i for i in items if isinstance(i, PlatformInput)]
    if platforms:
        repo.lock_periods(session, from_year=min(_first_year(i) for i in items))
    elif items:
        repo.lock_periods(session, years={_first_year(i) for i in items})


def _as_input(row: Item) -> ItemInput:
    cls = PlatformInput if isinstance(row, Platform) else AwardInput
    return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})


def _find(session: Session, data: ItemInput) -> Item | None:
    if isinstance(data, PlatformInput):
        return repo.find_platform(session, data.region_code, data.type, data.level, data.name)
    return repo.find_award(session, data.region_code, data.type, data.level, data.name, data.awarded_on)


def item_labels(scheme: Scheme, row: Item) -> dict[str, str | None]:
    """The names of an item's type and level in `scheme` (None for a code it does not hold)."""
    reg = scheme.registries.get(_kind(row))
    type_ = next((t for t in reg.types if t.code == row.type), None) if reg else None
    level = scheme.levels.get(row.level)
    return {
        "type_name_zh": type_.name_zh if type_ else None,
        "type_name_en": type_.name_en if type_ else None,
        "level_name_zh": level.name_zh if level else None,
        "level_name_en": level.name_en if level else None,
    }


def _codes(scheme: Scheme, registry: str, fields: dict[str, Any]) -> dict[str, Any]:
    """`fields` with a type and level given by name or alias (省级, 省) turned into codes."""
    if "type" not in fields and "level" not in fields:
        return fields
    type_, level = item_codes(scheme, registry, fields.get("type"), fields.get("level"))
    out = dict(fields)
    if "type" in fields:
        out["type"] = type_
    if "level" in fields:
        out["level"] = level
    return out


def create_item(
    session: Session, scheme: Scheme, data: ItemInput, *, actor: Actor = SYSTEM
) -> tuple[Item, bool]:
    """Add an item; an identical re-send returns the stored item (created False), a clash 409.
    Its type and level may be given as codes or as the scheme's labels; codes are stored."""
    data = type(data)(**_codes(scheme, _kind(data), data.__dict__))
    _check(session, scheme, data)
    existing = _find(session, data)
    kind = _kind(data)
    if existing is not None:
        if _as_input(existing) == data:
            return existing, False
        raise Conflict(
            f"{kind} {existing.id} has the same region, type, level and name", existing=existing.id
        )
    _lock(session, data)
    _guard(session, actor, None, data)
    _bump(session, data)
    row: Item = Platform(**data.__dict__) if isinstance(data, PlatformInput) else Award(**data.__dict__)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"a {kind} with the same region, type, level and name exists") from None
    audit.record(session, _event(actor, "create", row, None, data))
    return row, True


def count_years(data: ItemInput) -> tuple[int, int | None] | None:
    """The data years an item counts in, first and last (None: open-ended), or None for none:
    an award its year; a platform from recognized_on's year to the year before revoked_on's."""
    if isinstance(data, AwardInput):
        return data.awarded_on.year, data.awarded_on.year
    last = data.revoked_on.year - 1 if data.revoked_on is not None else None
    if last is not None and last < data.recognized_on.year:
        return None  # revoked in the year it was recognised: it never stands at a year end
    return data.recognized_on.year, last


def _span(*items: ItemInput | None) -> tuple[int, int | None] | None:
    """The years a change of these states counts in: from the first to the last of any of them."""
    spans = [s for s in (count_years(i) for i in items if i is not None) if s is not None]
    if not spans:
        return None
    lasts = [s[1] for s in spans]
    return min(s[0] for s in spans), None if None in lasts else max(x for x in lasts if x is not None)


def _event(
    actor: Actor, action: str, row: Item, before: ItemInput | None, after: ItemInput | None
) -> dict[str, Any]:
    region = (after or before).region_code  # type: ignore[union-attr]
    years = _span(before, after)
    return audit.event(
        actor,
        action,
        _kind(row),
        str(row.id),
        region=region,
        # an award counts in one year: it is the event's year as a data value's is
        year=years[0] if years is not None and years[0] == years[1] else None,
        years=years,
        old=before.__dict__ if before is not None else None,
        new=after.__dict__ if after is not None else None,
    )


def get_item(
    session: Session,
    model: type[Item],
    item_id: int,
    *,
    for_update: bool = False,
    if_match: str | None = None,
) -> Item:
    """The item; with for_update, its row stays locked to this transaction (PostgreSQL), so that
    an If-Match comparison and the change that follows cannot interleave with another writer.
    A missing item is 404, or 412 when an If-Match tag was sent (the version it names is gone)."""
    row: Item | None = session.get(model, item_id, with_for_update=for_update)  # type: ignore[assignment]
    if row is None:
        check_if_match(if_match, None)
        raise NotFound(_spec(model)[0], item_id)
    return row


def update_item(
    session: Session,
    scheme: Scheme,
    model: type[Item],
    item_id: int,
    changes: dict[str, Any],
    *,
    actor: Actor = SYSTEM,
    if_match: str | None = None,
) -> Item:
    nullable = {"revoked_on", "host_organisation", "document_number"}
    nulls = [
        Problem(k.removesuffix("_code"), "must not be null")
        for k, v in changes.items()
        if v is None and k not in nullable
    ]
    if nulls:
        raise InvalidInput(nulls)
    row = get_item(session, model, item_id, for_update=True, if_match=if_match)
    before = _as_input(row)
    changes = _codes(scheme, _spec(model)[0], changes)
    after = type(before)(**{**before.__dict__, **changes})
    if after != before:
        _check(session, scheme, after)  # an invalid change is 422 even with a stale If-Match
    check_if_match(if_match, item_etag(row))
    if after == before:
        return row
    _lock(session, before, after)
    _guard(session, actor, before, after)
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
    audit.record(session, _event(actor, "update", row, before, after))
    return row


def delete_item(
    session: Session, model: type[Item], item_id: int, *, actor: Actor = SYSTEM, if_match: str | None = None
) -> None:
    row = get_item(session, model, item_id, for_update=True, if_match=if_match)
    check_if_match(if_match, item_etag(row))
    before = _as_input(row)
    _lock(session, before)
    _guard(session, actor, before, None)
    _bump(session, before)
    audit.record(session, _event(actor, "delete", row, before, None))
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
