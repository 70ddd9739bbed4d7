"""Data values: one value per (year, region, element), written singly or in all-or-nothing batches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from sqlmodel import Session

from app.db import repositories as repo
from app.db.facts import decode, period_version
from app.db.tables import Period
from app.db.types import utcnow
from app.domain import InvalidInput, Problem, Scheme
from app.domain.labels import value_labels
from app.domain.problems import REGION_AS_TEXT
from app.domain.scheme import Value
from app.services import approvals, audit, quality, schemes
from app.services.access import value_refusal
from app.services.audit import SYSTEM, Actor
from app.services.errors import Forbidden, NotFound, PeriodLocked, RowProblem, RowsInvalid, TooLarge
from app.services.regions import get_region
from app.services.versions import check_if_match, etag

MAX_COMMENT = 1000
Status = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class ValueRow:
    """One row as sent; fields are checked here, not trusted."""

    region: Any
    element: Any
    value: Any
    comment: Any = None


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    dry_run: bool
    statuses: tuple[Status, ...] = ()
    #: doubts about the written values (quality flags), accepted but reported
    warnings: tuple[dict[str, Any], ...] = ()


def encode(value: Value) -> tuple[Decimal | None, str | None]:
    """A checked value as the pair (value_number, value_text) of its row."""
    if isinstance(value, bool):
        return None, "true" if value else "false"
    if isinstance(value, str):
        return None, value
    return value, None


def period_scheme(session: Session, year: int) -> Scheme:
    period = repo.get_period(session, year)
    if period is None:
        raise NotFound("period", year)
    return schemes.get_scheme(session, period.scheme_code)


def _locked_period(session: Session, year: int) -> Period | None:
    """The period of `year` read under its row lock, the lock the publisher takes: its status
    cannot change until this transaction ends (None when there is no such period)."""
    found = repo.lock_periods(session, years=[year])
    return found[0] if found else None


def _check_rows(
    session: Session, year: int, rows: Sequence[ValueRow], actor: Actor, *, lock: bool = True
) -> tuple[list[tuple[str, str, Decimal | None, str | None, str | None]], list[RowProblem], dict[str, str]]:
    """Rows in canonical form, the problems of the bad ones, and the level of each known region
    of the rows (read with them: the outlier check judges by level). Raises PeriodLocked for a
    published year and Forbidden, naming every row the key may not write. With `lock` the
    period's status is read under its row lock (a write); a dry run reads it without."""
    period = _locked_period(session, year) if lock else repo.get_period(session, year)
    if period is not None and period.status == "published":
        raise PeriodLocked(year)
    scheme = schemes.get_scheme(session, period.scheme_code) if period else None
    known = repo.region_levels(session, (r.region for r in rows if isinstance(r.region, str)))
    if scheme is not None and actor.principal.role != "admin":
        refused = [
            RowProblem(i, "element", why)
            for i, r in enumerate(rows)
            if isinstance(r.region, str) and r.region in known and isinstance(r.element, str)
            for why in [value_refusal(actor.principal, scheme, r.element, r.region)]
            if why is not None
        ]
        if refused:
            raise Forbidden(
                f"{len(refused)} of {len(rows)} rows may not be written with key {actor.name!r}; nothing was written",
                refused,
            )
    problems: list[RowProblem] = []
    checked: list[tuple[str, str, Decimal | None, str | None, str | None]] = []
    first_row: dict[tuple[str, str], int] = {}
    element_of = scheme.elements.get if scheme is not None and period is not None else None
    for i, row in enumerate(rows):
        region, element, value, comment = row.region, row.element, row.value, row.comment
        # the usual row (a known region and element, a value, a short comment or none, not sent
        # before) in few steps; a row with any problem goes the long way, which names them all
        if (
            element_of is not None
            and type(region) is str
            and type(element) is str
            and region in known
            and (el := element_of(element)) is not None
            and value is not None
            and (comment is None or (type(comment) is str and len(comment) <= MAX_COMMENT))
            and (key := (region, element)) not in first_row
        ):
            try:
                parsed = el.parse(value)
            except ValueError:
                pass
            else:
                first_row[key] = i
                if type(parsed) is Decimal:
                    checked.append((region, element, parsed, None, comment))
                else:
                    checked.append((region, element, *encode(parsed), comment))
                continue
        before = len(problems)
        if period is None:
            problems.append(
                RowProblem(
                    i,
                    "year",
                    f"there is no period {year}; create it with PUT /api/v1/periods/{year}",
                )
            )
        if not isinstance(row.region, str):
            problems.append(RowProblem(i, "region", REGION_AS_TEXT, row.region))
        elif row.region not in known:
            problems.append(RowProblem(i, "region", f"unknown region {row.region!r}", row.region))
        number = text = None
        if scheme is not None:
            el = scheme.elements.get(row.element) if isinstance(row.element, str) else None
            if el is None:
                problems.append(
                    RowProblem(
                        i, "element", f"unknown element {row.element!r} in scheme {scheme.code}", row.element
                    )
                )
            elif row.value is None:
                problems.append(RowProblem(i, "value", "must not be null; delete a value to remove it"))
            else:
                try:
                    number, text = encode(el.parse(row.value))
                except ValueError as exc:
                    problems.append(RowProblem(i, "value", str(exc), row.value))
        if row.comment is not None and (not isinstance(row.comment, str) or len(row.comment) > MAX_COMMENT):
            problems.append(
                RowProblem(i, "comment", f"must be a string of at most {MAX_COMMENT} characters", row.comment)
            )
        if isinstance(row.region, str) and isinstance(row.element, str):
            key = (row.region, row.element)
            if key in first_row:
                problems.append(
                    RowProblem(i, "element", f"the same region and element as row {first_row[key]}")
                )
            else:
                first_row[key] = i
        if len(problems) == before:
            checked.append((str(row.region), str(row.element), number, text, row.comment))
    return checked, problems, known


def import_values(
    session: Session,
    year: int,
    rows: Sequence[ValueRow],
    *,
    dry_run: bool = False,
    max_rows: int = 20_000,
    actor: Actor = SYSTEM,
) -> ImportResult:
    """Check every row, then write all of them in one transaction, or nothing.

    Any bad row raises RowsInvalid listing every bad row. Rows equal to what is stored (value and
    comment) count as unchanged and are not written, so re-sending a batch changes nothing.
    """
    if len(rows) > max_rows:
        raise TooLarge(f"a batch holds at most {max_rows} rows; this one has {len(rows)}")
    checked, problems, levels = _check_rows(session, year, rows, actor, lock=not dry_run)
    if problems:
        raise RowsInvalid(problems, len(rows))
    base_version = None
    if not dry_run and checked:
        # the period's row is locked already (see _check_rows); this marks its scores changed
        base_version = period_version(session, year)
        repo.bump_periods(session, years=[year], regions={c[0] for c in checked}, values_only=True)
    # review before publication: submitted regions refuse writes; consistency errors refuse the
    # batch (422), doubts become quality flags and are answered as warnings
    approvals.require_open(session, year, {c[0] for c in checked})
    regions = sorted({c[0] for c in checked})
    # the stored values of these regions, read once: compared with the rows below, and judged with
    # them by the quality checks
    stored = repo.stored_values(session, year, regions) if checked else []
    existing = {(r[0], r[1]): r for r in stored}
    numbers = {(r[0], r[1]): (r[2], r[5]) for r in stored if r[2] is not None}
    warnings = quality.check_write(
        session,
        year,
        checked,
        actor,
        dry_run=dry_run,
        stored=numbers,
        base_version=base_version,
        levels=levels,
    )
    now = utcnow()
    source = actor.name
    events: list[tuple[Any, ...]] = []
    inserts: list[tuple[Any, ...]] = []
    updates: list[dict[str, Any]] = []
    statuses: list[Status] = []
    created = updated = 0
    value_state = audit.value_state
    for row in checked:
        region, element, number, text, comment = row
        old = existing.get((region, element))
        if old is None:
            statuses.append("created")
            created += 1
            inserts.append(row)
            new = value_state(number if number is not None else text, comment)
            events.append(("create", f"{year}/{region}/{element}", region, element, None, new))
        elif old[2] == number and old[3] == text and old[4] == comment:
            statuses.append("unchanged")
        else:
            statuses.append("updated")
            updated += 1
            new = value_state(number if number is not None else text, comment)
            before = value_state(old[2] if old[2] is not None else old[3], old[4])
            events.append(("update", f"{year}/{region}/{element}", region, element, before, new))
            updates.append(
                dict(
                    _id=old[6],
                    value_number=number,
                    value_text=text,
                    comment=comment,
                    source=source,
                    updated_at=now,
                )
            )
    result = ImportResult(
        created,
        updated,
        len(statuses) - created - updated,
        dry_run,
        tuple(statuses),
        tuple(warnings),
    )
    if dry_run:
        return result
    if not inserts and not updates:
        session.rollback()  # nothing changed: leave the period's version (and every cache) alone
        return result
    repo.insert_values(session, year, inserts, source=source, updated_at=now)
    repo.update_values(session, updates)
    audit.record_values(session, actor, year, events)
    return result


def value_etag(row: Any) -> str:
    return etag("data_value", row.id, row.updated_at.isoformat())


def put_value(
    session: Session,
    year: int,
    region: str,
    element: str,
    value: Any,
    comment: Any,
    *,
    actor: Actor = SYSTEM,
    if_match: str | None = None,
) -> Status:
    """Write one value; raises InvalidInput (fields value, comment), NotFound, Forbidden,
    PeriodLocked or PreconditionFailed."""
    get_region(session, region)
    scheme = period_scheme(session, year)
    if element not in scheme.elements:
        raise NotFound("element", element)
    rows = [ValueRow(region, element, value, comment)]
    try:
        if if_match is not None:
            # the body first: an invalid value is 422 (and a refused one 403) even with a stale tag
            _, problems, _ = _check_rows(session, year, rows, actor)
            if problems:
                raise RowsInvalid(problems, 1)
            _locked_period(session, year)  # hold the period's lock before comparing versions
            row = repo.get_value(session, year, region, element)
            check_if_match(if_match, value_etag(row) if row is not None else None)
        result = import_values(session, year, rows, actor=actor)
    except RowsInvalid as exc:
        raise InvalidInput([Problem(p.field, p.reason, p.received) for p in exc.problems]) from None
    except Forbidden as exc:
        raise Forbidden(exc.problems[0].reason if exc.problems else str(exc)) from None
    return result.statuses[0]


def delete_value(
    session: Session,
    year: int,
    region: str,
    element: str,
    *,
    actor: Actor = SYSTEM,
    if_match: str | None = None,
) -> None:
    scheme = period_scheme(session, year)
    get_region(session, region)
    period = _locked_period(session, year)
    if period is not None and period.status == "published":
        raise PeriodLocked(year)
    why = value_refusal(actor.principal, scheme, element, region)
    if why is not None:
        raise Forbidden(why)
    repo.bump_periods(session, years=[year], regions=[region], values_only=True)
    approvals.require_open(session, year, [region])
    row = repo.get_value(session, year, region, element)
    if row is None:
        check_if_match(if_match, None)  # a tag sent for a value that is gone: 412, not 404
        raise NotFound("value", f"{year}/{region}/{element}")
    quality.value_deleted(session, year, region, element)
    check_if_match(if_match, value_etag(row))
    old_state = {
        "value": row.value_number if row.value_number is not None else row.value_text,
        "comment": row.comment,
    }
    session.delete(row)
    audit.record(
        session,
        audit.event(
            actor,
            "delete",
            "data_value",
            f"{year}/{region}/{element}",
            region=region,
            year=year,
            element=element,
            old=old_state,
        ),
    )
    session.flush()


def get_value(session: Session, year: int, region: str, element: str) -> dict[str, Any]:
    scheme = period_scheme(session, year)
    get_region(session, region)
    row = repo.get_value(session, year, region, element)
    if row is None:
        raise NotFound("value", f"{year}/{region}/{element}")
    value = decode(scheme, row.element, row.value_number, row.value_text)
    label_zh, label_en = value_labels(scheme, row.element, value)
    return {
        "element": row.element,
        "value": value,
        "value_label_zh": label_zh,
        "value_label_en": label_en,
        "comment": row.comment,
        "posted_by": row.source,
        "source": row.source,
        "updated_at": row.updated_at,
        "etag": value_etag(row),
    }


def region_values(session: Session, year: int, region: str) -> list[dict[str, Any]]:
    scheme = period_scheme(session, year)
    get_region(session, region)
    order = {code: i for i, code in enumerate(scheme.elements)}
    rows = sorted(
        repo.values_of(session, year, [region]), key=lambda r: (order.get(r.element, len(order)), r.element)
    )
    return [
        {
            "element": r.element,
            "value": value,
            "value_label_zh": labels[0],
            "value_label_en": labels[1],
            "comment": r.comment,
            "posted_by": r.posted_by,
            "source": r.posted_by,
            "updated_at": r.updated_at,
        }
        for r in rows
        for value in [decode(scheme, r.element, r.value_number, r.value_text)]
        for labels in [value_labels(scheme, r.element, value)]
    ]
