"""Plan targets of regions: create, change, delete (admin, audited), list, import, and progress.

Writes need an admin key: a target is set by the region's plan (a government document), not by a
department posting statistics, and a department key must not be able to lower its own bar. Every
key reads. Targets are checked against the default scheme (INNOMON_DEFAULT_SCHEME); progress reads
the scores of each year through the score service, so a published year is judged on its snapshot.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.db import repositories as repo
from app.db.tables import Target
from app.db.types import utcnow
from app.domain import InvalidInput, Problem, Scheme
from app.domain.targets import (
    TargetSpec,
    check_target,
    count_items,
    increase_progress,
    normalise_types,
    parse_threshold,
    progress_text,
    statement,
    threshold_progress,
    tier_goal,
)
from app.services import audit
from app.services.access import require_admin
from app.services.audit import SYSTEM, Actor
from app.services.errors import Conflict, NotFound, RowProblem, RowsInvalid
from app.services.periods import get_period
from app.services.regions import get_region
from app.services.scores import breakdown_json
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


def _as_input(row: Target) -> TargetInput:
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


def _state(data: TargetInput) -> dict[str, Any]:
    return {f.name: getattr(data, f.name) for f in fields(data)}


def target_etag(row: Target) -> str:
    return etag("target", row.id, row.updated_at.isoformat())


def _check(session: Session, scheme: Scheme, data: TargetInput) -> None:
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
        old=_state(before) if before is not None else None,
        new=_state(after) if after is not None else None,
    )


def _clash(row: Target) -> Conflict:
    return Conflict(f"target {row.id} has the same region, kind, subject, level and by_year", existing=row.id)


def create_target(
    session: Session, scheme: Scheme, data: TargetInput, *, actor: Actor = SYSTEM
) -> tuple[Target, bool]:
    """Add a target; an identical re-send returns the stored one (created False), a clash 409."""
    require_admin(actor, "set plan targets")
    data = data.normalised()
    _check(session, scheme, data)
    existing = repo.find_target(session, *data.key())
    if existing is not None:
        if _as_input(existing) == data:
            return existing, False
        raise _clash(existing)
    row = Target(**{**_state(data), "level": data.level or ""})
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
    before = _as_input(row)
    after = replace(before, **changes).normalised()
    if after != before:
        _check(session, scheme, after)  # an invalid change is 422 even with a stale If-Match
    check_if_match(if_match, target_etag(row))
    if after == before:
        return row
    clash = repo.find_target(session, *after.key())
    if clash is not None and clash.id != row.id:
        raise _clash(clash)
    for k, v in _state(after).items():
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
    audit.record(session, _event(actor, "delete", row, _as_input(row), None))
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


# ------------------------------------------------------------------------------------- import

FIELDS = ("region", "kind", "subject", "level", "threshold", "by_year", "base_year", "comment")


@dataclass(frozen=True)
class ImportCounts:
    created: int
    updated: int
    unchanged: int


#: target files shipped in app/reference, by the name `innomon targets import` also accepts
REFERENCE_FILES = {"changan": "changan-targets.json"}


def read_file(path: str) -> Any:
    """A target file's document: JSON, or TOML when the name ends in .toml; a name from
    REFERENCE_FILES reads the shipped file. Numbers are read exactly. ValueError says what is wrong."""
    if path in REFERENCE_FILES and not Path(path).exists():
        text = resources.files("app.reference").joinpath(REFERENCE_FILES[path]).read_text(encoding="utf-8")
        return json.loads(text, parse_float=Decimal)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    if path.endswith(".toml"):
        try:
            return tomllib.loads(text, parse_float=Decimal)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path}: not valid TOML: {exc}") from None
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{path}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None


def parse_rows(doc: object) -> tuple[list[TargetInput | None], list[RowProblem]]:
    """A target file's rows, with the file's `region` and `base_year` as defaults, and the
    problems of their form (index = position in `targets`; a bad row is None)."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("targets"), list):
        raise RowsInvalid([RowProblem(0, "targets", "the file needs a list `targets`")], 0)
    defaults = {k: doc[k] for k in ("region", "base_year") if k in doc}
    problems: list[RowProblem] = []
    out: list[TargetInput | None] = []
    for i, raw in enumerate(doc["targets"]):
        if not isinstance(raw, Mapping):
            problems.append(RowProblem(i, "(row)", "must be an object"))
            continue
        row = {**defaults, **raw}
        bad = [RowProblem(i, k, "unknown field") for k in row if k not in FIELDS]
        for name in ("region", "kind", "subject"):
            if not isinstance(row.get(name), str) or not row[name]:
                bad.append(RowProblem(i, name, "must be a non-empty string"))
        for name in ("level", "comment"):
            if row.get(name) is not None and not isinstance(row[name], str):
                bad.append(RowProblem(i, name, "must be a string"))
        for name in ("by_year", "base_year"):
            if isinstance(row.get(name), bool) or not isinstance(row.get(name), int):
                bad.append(RowProblem(i, name, "must be a whole number (a year)"))
        threshold = None
        if row.get("threshold") is not None:
            try:
                threshold = parse_threshold(row["threshold"])
            except ValueError as exc:
                bad.append(RowProblem(i, "threshold", str(exc)))
        if bad:
            problems += bad
            out.append(None)
            continue
        out.append(
            TargetInput(
                row["region"],
                row["kind"],
                row["subject"],
                row.get("level"),
                threshold,
                row["by_year"],
                row["base_year"],
                row.get("comment"),
            ).normalised()
        )
    return out, problems


def import_targets(
    session: Session,
    scheme: Scheme,
    doc: object,
    *,
    actor: Actor = SYSTEM,
    progress: Callable[[int, int, str, TargetInput], None] | None = None,
) -> ImportCounts:
    """Create or update the targets of a target file by (region, kind, subject, level, by_year).

    All or nothing: any bad row raises RowsInvalid naming every problem of every row, and nothing
    is written. Re-importing the same file changes nothing; targets not in it are left alone."""
    parsed, problems = parse_rows(doc)
    for i, data in enumerate(parsed):
        if data is not None:
            try:
                _check(session, scheme, data)
            except InvalidInput as exc:
                problems += [RowProblem(i, p.field, p.reason) for p in exc.problems]
    keys = [d.key() if d is not None else None for d in parsed]
    problems += [
        RowProblem(i, "subject", "repeats an earlier target")
        for i, k in enumerate(keys)
        if k is not None and k in keys[:i]
    ]
    if problems:
        raise RowsInvalid(sorted(problems, key=lambda p: p.index), len(parsed))
    rows = [d for d in parsed if d is not None]
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for i, data in enumerate(rows):
        existing = repo.find_target(session, *data.key())
        if existing is None:
            create_target(session, scheme, data, actor=actor)
            status = "created"
        elif _as_input(existing) == data:
            status = "unchanged"
        else:
            changes = {k: v for k, v in _state(data).items() if getattr(_as_input(existing), k) != v}
            update_target(session, scheme, existing.id or 0, changes, actor=actor)
            status = "updated"
        counts[status] += 1
        if progress is not None:
            progress(i, len(rows), status, data)
    return ImportCounts(**counts)


def describe(data: TargetInput, scheme: Scheme | None = None) -> str:
    """One line for people: 'high-tech enterprises at least 90 家 by 2025 / 到 2025 年高新技术企业
    数量达到 90 家' with the scheme, 'value high_tech_enterprises >= 90 by 2025' without."""
    if scheme is not None:
        said = statement(
            scheme, data.kind, data.subject, data.level or "", data.threshold, data.by_year, data.base_year
        )
        return f"{said.zh} / {said.en}"
    n = "" if data.threshold is None else format(data.threshold.normalize(), "f")
    if data.kind == "count":
        return (
            f"count {data.subject}{' at ' + data.level + '+' if data.level else ''} >= {n} by {data.by_year}"
        )
    if data.kind == "increase":
        return f"increase {data.subject} every year {data.base_year + 1}-{data.by_year}"
    if data.kind == "tier":
        return f"tier {data.subject} or better by {data.by_year}"
    return f"value {data.subject} >= {n} by {data.by_year}"


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
            self.items[key] = [(r[1], r[2]) for r in (*platforms, *awards)]
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
