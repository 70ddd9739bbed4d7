"""Regions: GB/T 2260 divisions in a province -> city -> county tree."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.db import repositories as repo
from app.db.tables import Region
from app.db.types import utcnow
from app.domain import InvalidInput, Problem
from app.domain.elements import REGION_LEVELS, accepted, resolve_code
from app.services import audit
from app.services.access import require_admin
from app.services.audit import SYSTEM, Actor
from app.services.errors import Conflict, NotFound
from app.services.versions import check_if_match, etag

LEVEL_RANK = {"province": 0, "city": 1, "county": 2}
CODE_PATTERN = re.compile(r"[0-9]{6}", re.ASCII)  # used with fullmatch: no trailing newline


@dataclass(frozen=True)
class RegionInput:
    code: str
    name_zh: str
    name_en: str
    level: str
    parent_code: str | None = None


def level_code(raw: Any) -> Any:
    """A region level given by code or label (省级, 省, Province) as its code; anything else as
    it is, for `_check` to refuse."""
    code = resolve_code(REGION_LEVELS, raw)
    return code if code is not None else raw


def _check(session: Session, data: RegionInput, *, existing: Region | None = None) -> None:
    problems = []
    if not CODE_PATTERN.fullmatch(data.code):
        problems.append(Problem("code", "must be a 6-digit GB/T 2260 division code"))
    if data.level not in LEVEL_RANK:
        problems.append(
            Problem("level", f"unknown level {data.level!r}; expected one of {accepted(REGION_LEVELS)}")
        )
    if data.parent_code is not None:
        parent = repo.get_region(session, data.parent_code)
        if parent is None:
            problems.append(Problem("parent_code", f"unknown region {data.parent_code!r}"))
        elif data.level in LEVEL_RANK and LEVEL_RANK[parent.level] >= LEVEL_RANK[data.level]:
            problems.append(Problem("parent_code", f"a {data.level} cannot sit under a {parent.level}"))
        elif existing is not None and data.parent_code in repo.subtree_codes(session, existing.code):
            problems.append(Problem("parent_code", "would make the region its own ancestor"))
    if problems:
        raise InvalidInput(problems)


def region_etag(region: Region) -> str:
    return etag("region", region.code, region.updated_at.isoformat())


def _state(region: Region) -> dict[str, Any]:
    return {k: getattr(region, k) for k in RegionInput.__dataclass_fields__}


def create_region(session: Session, data: RegionInput, *, actor: Actor = SYSTEM) -> Region:
    require_admin(actor, "create regions")
    data = replace(data, level=level_code(data.level))
    if repo.get_region(session, data.code) is not None:
        raise Conflict(f"region {data.code} already exists", existing=data.code)
    # A new region joins every open year's rankings. Periods are locked first, in ascending
    # year like every writer, then the region: a publisher holding a period waits for no region.
    repo.lock_periods(session)
    _check(session, data)
    repo.bump_periods(session)
    region = Region(**data.__dict__)
    session.add(region)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"region {data.code} already exists", existing=data.code) from None
    audit.record(
        session, audit.event(actor, "create", "region", data.code, region=data.code, new=_state(region))
    )
    return region


def update_region(
    session: Session,
    code: str,
    changes: dict[str, Any],
    *,
    actor: Actor = SYSTEM,
    if_match: str | None = None,
) -> Region:
    require_admin(actor, "change regions")
    nulls = [Problem(k, "must not be null") for k, v in changes.items() if v is None and k != "parent_code"]
    if nulls:
        raise InvalidInput(nulls)
    if "level" in changes:
        changes = {**changes, "level": level_code(changes["level"])}
    # Periods first (ascending year, as every writer takes them), then the region: a publisher
    # holds its period while its snapshot's foreign keys wait for a locked region row.
    repo.lock_periods(session)
    region = session.get(Region, code, with_for_update=True)  # held until commit on PostgreSQL
    if region is None:
        check_if_match(if_match, None)  # a tag sent for a region that does not exist: 412
        raise NotFound("region", code)
    before = _state(region)
    merged = RegionInput(**{**before, **changes})
    if merged != RegionInput(**before):
        _check(session, merged, existing=region)  # an invalid change is 422 even with a stale If-Match
    check_if_match(if_match, region_etag(region))
    if merged == RegionInput(**before):
        return region
    repo.bump_periods(session)  # a name or a parent change shows in every year's breakdowns and rankings
    for k, v in changes.items():
        setattr(region, k, v)
    region.updated_at = utcnow()
    session.add(region)
    session.flush()
    audit.record(
        session, audit.event(actor, "update", "region", code, region=code, old=before, new=_state(region))
    )
    return region


def get_region(session: Session, code: str) -> Region:
    region = repo.get_region(session, code)
    if region is None:
        raise NotFound("region", code)
    return region


def scope_codes(session: Session, parent: str | None) -> list[str] | None:
    """Codes of `parent`'s descendants (not `parent` itself), or None for all regions."""
    if parent is None:
        return None
    get_region(session, parent)
    return [c for c in repo.subtree_codes(session, parent) if c != parent]


def list_regions(
    session: Session, *, parent: str | None, level: str | None, limit: int, offset: int, q: str | None = None
) -> tuple[Sequence[Region], int]:
    """Regions under `parent` at `level` whose code, Chinese or English name contains `q`."""
    return repo.list_regions(
        session, codes=scope_codes(session, parent), level=level, limit=limit, offset=offset, text=q
    )


@dataclass(frozen=True)
class ImportCounts:
    created: int
    updated: int
    unchanged: int


def import_regions(session: Session, rows: Iterable[dict[str, Any]]) -> ImportCounts:
    """Insert or update regions, parents first; re-running with the same rows changes nothing."""
    ordered = sorted(rows, key=lambda r: (LEVEL_RANK.get(str(level_code(r["level"])), 9), r["code"]))
    created = updated = unchanged = 0
    for row in ordered:
        level = level_code(row["level"])
        data = RegionInput(row["code"], row["name_zh"], row["name_en"], level, row.get("parent_code"))
        region = repo.get_region(session, data.code)
        if region is None:
            create_region(session, data)
            created += 1
        elif all(getattr(region, k) == v for k, v in data.__dict__.items()):
            unchanged += 1
        else:
            update_region(session, data.code, {k: v for k, v in data.__dict__.items() if k != "code"})
            updated += 1
    return ImportCounts(created, updated, unchanged)


REFERENCE_SETS = {"hebei": "hebei.json"}


def reference_regions(name: str) -> list[dict[str, Any]]:
    """The rows of a reference set shipped in app/reference (e.g. 'hebei')."""
    if name not in REFERENCE_SETS:
        raise NotFound("reference set", name)
    text = resources.files("app.reference").joinpath(REFERENCE_SETS[name]).read_text(encoding="utf-8")
    rows: list[dict[str, Any]] = json.loads(text)["regions"]
    return rows
