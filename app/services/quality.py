"""Data quality on every value write: consistency errors refuse the write, doubts become flags.

A flag is keyed by (year, region, element, kind, rule) and remembers the figures it was raised on
(its fingerprint). Re-checking a key closes the flag when the doubt is gone or the figures changed,
keeps it (with any confirmation) when they did not, and opens a new one for a new doubt.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from app.db import repositories as repo
from app.db import review
from app.db.tables import QualityFlag
from app.db.types import canonical, utcnow
from app.domain import InvalidInput, Problem, Scheme
from app.domain import quality as dq
from app.domain.numbers import json_number
from app.domain.problems import DomainError
from app.services import audit, schemes, sections
from app.services.access import value_refusal
from app.services.audit import Actor
from app.services.errors import Forbidden, NotFound, RowProblem
from app.services.regions import scope_codes

#: (region, element, number, text, comment): a checked row of a value write
Row = tuple[str, str, Decimal | None, str | None, str | None]
FlagKey = tuple[str, str, str, str]


class ConsistencyBreached(DomainError):
    """A write that breaks an `error` consistency rule; `violations` names the rule, both values and
    who posted each. Nothing is written."""

    def __init__(self, problems: list[RowProblem], violations: list[dict[str, Any]]) -> None:
        self.problems = problems
        self.extensions = {"violations": violations}
        super().__init__(
            f"{len(violations)} consistency rule breach(es); nothing was written: "
            + "; ".join(p.reason for p in problems[:3])
        )


@dataclass(frozen=True)
class Finding:
    region: str
    element: str
    kind: str
    rule: str
    severity: str
    fingerprint: str
    message_en: str
    message_zh: str
    details: dict[str, Any]

    @property
    def key(self) -> FlagKey:
        return (self.region, self.element, self.kind, self.rule)


def _num(d: Decimal) -> int | float:
    return json_number(d)


def _quantity(scheme: Scheme, element: str) -> bool:
    el = scheme.elements.get(element)
    return el is not None and el.kind.value in dq.QUANTITY_KINDS


def check_write(
    session: Session,
    year: int,
    rows: Sequence[Row],
    actor: Actor,
    *,
    dry_run: bool = False,
    stored: Mapping[tuple[str, str], tuple[Decimal, str]] | None = None,
    base_version: int | None = None,
    levels: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Check a value write against the period's scheme: raise ConsistencyBreached for a broken
    `error` rule (judged on the stored values with the incoming ones over them); otherwise record the
    flags (unless dry_run) and return the doubts about the written rows as warnings.

    `stored`: (region, element) -> (number, who posted it) of the stored numbers of the rows'
    regions in `year`, when the caller has read them already (read here otherwise).
    `base_version`: the period's data_version as read under its lock before this write bumped it
    once (the outlier check may then use the cross-sections kept by app.services.sections).
    `levels`: region -> level of (at least) the rows' regions, when the caller has read them."""
    period = repo.get_period(session, year)
    if period is None or not rows:
        return []
    scheme = schemes.get_scheme(session, period.scheme_code)
    regions = sorted({r[0] for r in rows})
    if stored is None:
        stored = review.numbers_of(session, year, regions)
    by_region: dict[str, dict[str, tuple[Decimal, str]]] = {c: {} for c in regions}
    for (region, element), number_and_poster in stored.items():
        by_region[region][element] = number_and_poster
    incoming: dict[str, dict[str, tuple[int, Decimal]]] = {c: {} for c in regions}
    quantities = {e for e in {r[1] for r in rows} if _quantity(scheme, e)}
    # the rows' numbers are canonical already (Element.parse: as review.canonical reads them)
    for i, (region, element, number, _, _) in enumerate(rows):
        if number is not None and element in quantities:
            incoming[region][element] = (i, number)

    # an unchanged value raises no new doubt and moves no cross-section: only changes are checked
    # (a re-sent batch costs one read of its flags)
    changed = {
        region: {
            e: iv for e, iv in new.items() if e not in by_region[region] or by_region[region][e][0] != iv[1]
        }
        for region, new in incoming.items()
    }
    findings: list[Finding] = []
    scopes: set[FlagKey] = set()
    problems, violations = _consistency(scheme, by_region, changed, actor, findings, scopes)
    if violations:
        raise ConsistencyBreached(problems, violations)
    _unit_slips(session, scheme, year, changed, findings, scopes)
    _outliers(session, scheme, year, changed, findings, scopes, None if dry_run else base_version, levels)
    written = {(region, element) for region, els in incoming.items() for element in els}
    rules = {r.code: r.elements for r in scheme.consistency}

    def about_written(region: str, element: str, kind: str, rule: str) -> bool:
        if kind == "consistency":
            return any((region, e) in written for e in rules.get(rule, (element,)))
        return (region, element) in written

    if dry_run:
        fresh = [_finding_read(f) for f in findings if about_written(*f.key)]
        kept = [
            flag_read(flag)
            for flag in review.live_flags(session, year, regions)
            if (key := _key(flag)) not in scopes and about_written(*key)
        ]
        return kept + fresh
    # the flags of the re-checked keys and those of the rows' regions in one read: synced, then
    # the live ones of the rows' regions answered (what reading them again after the sync returns:
    # the ones not closed, then the new ones, by id)
    scope = set(scopes)
    live = review.live_flags(session, year, {k[0] for k in scope}.union(regions))
    _, new = _sync(session, year, findings, scope, live)
    batch = set(regions)
    after = [f for f in live if f.status in review.LIVE and f.region_code in batch]
    after += [f for f in new if f.region_code in batch]
    after.sort(key=lambda f: f.id or 0)
    return [flag_read(flag) for flag in after if about_written(*_key(flag))]


def _key(flag: QualityFlag) -> FlagKey:
    return (flag.region_code, flag.element, flag.kind, flag.rule)


def _consistency(
    scheme: Scheme,
    stored: dict[str, dict[str, tuple[Decimal, str]]],
    incoming: dict[str, dict[str, tuple[int, Decimal]]],
    actor: Actor,
    findings: list[Finding],
    scopes: set[FlagKey],
) -> tuple[list[RowProblem], list[dict[str, Any]]]:
    problems: list[RowProblem] = []
    violations: list[dict[str, Any]] = []
    for region, new in incoming.items():
        rules = [r for r in scheme.consistency if r.left in new or r.right in new]
        if not rules:
            continue
        values = {e: v for e, (v, _) in stored[region].items()}
        values.update({e: v for e, (_, v) in new.items()})
        for rule in rules:
            if rule.severity == "warning":
                scopes.add((region, rule.left, "consistency", rule.code))
        for b in dq.breaches(rules, values):
            rule = b.rule
            sides = []
            for element, value in ((rule.left, b.left), (rule.right, b.right)):
                posted_by = actor.name if element in new else stored[region][element][1]
                sides.append({"element": element, "value": _num(value), "posted_by": posted_by})
            index = new[rule.left][0] if rule.left in new else new[rule.right][0]
            if rule.severity == "error":
                other = sides[1] if rule.left in new else sides[0]
                reason = (
                    f"breaks consistency rule {rule.code} ({rule.text()}): {rule.left} = {sides[0]['value']}, "
                    f"{rule.right} = {sides[1]['value']}; {other['element']} was posted by "
                    f"{other['posted_by']!r}. {rule.message_en}"
                )
                field = rule.left if rule.left in new else rule.right
                problems.append(RowProblem(index, field, reason))
                violations.append(
                    {
                        "index": index,
                        "region": region,
                        "rule": rule.code,
                        "expression": rule.text(),
                        "left": sides[0],
                        "right": sides[1],
                        "message_en": rule.message_en,
                        "message_zh": rule.message_zh,
                    }
                )
            else:
                findings.append(
                    Finding(
                        region,
                        rule.left,
                        "consistency",
                        rule.code,
                        "warning",
                        f"{b.left}|{b.right}",
                        f"{rule.message_en}: {rule.left} = {sides[0]['value']} but "
                        f"{rule.right} = {sides[1]['value']} (rule {rule.code}: {rule.text()})",
                        f"{rule.message_zh}：{rule.left} = {sides[0]['value']}，{rule.right} = {sides[1]['value']}",
                        {"rule": rule.code, "expression": rule.text(), "left": sides[0], "right": sides[1]},
                    )
                )
    return problems, violations


def _unit_slips(
    session: Session,
    scheme: Scheme,
    year: int,
    incoming: dict[str, dict[str, tuple[int, Decimal]]],
    findings: list[Finding],
    scopes: set[FlagKey],
) -> None:
    regions = [r for r, new in incoming.items() if new]
    previous: dict[tuple[str, str], Decimal] = {}
    if regions and repo.get_period(session, year - 1) is not None:
        previous = {k: v for k, (v, _) in review.numbers_of(session, year - 1, regions).items()}
    units = {e: scheme.elements[e].unit for new in incoming.values() for e in new}
    for region, new in incoming.items():
        scopes.update([(region, element, "unit_slip", "previous_year") for element in new])
        for element, (_, value) in new.items():
            before = previous.get((region, element))
            if before is None:
                continue  # no previous value: no ratio, no flag
            unit = units[element]
            slip = dq.unit_slip(value, before, unit)
            if slip is None:
                continue
            findings.append(
                Finding(
                    region,
                    element,
                    "unit_slip",
                    "previous_year",
                    "warning",
                    f"{value}|{before}",
                    slip.message_en(element, value, unit),
                    slip.message_zh(element, value, unit),
                    {
                        "method": dq.SLIP_METHOD,
                        "value": _num(value),
                        "previous_year": year - 1,
                        "previous_value": _num(before),
                        "ratio": json_number(slip.ratio),
                        "likely_mixup": slip.mixup_en,
                        "corrected_value": _num(slip.corrected) if slip.corrected is not None else None,
                        "unit": unit,
                    },
                )
            )


def _outliers(
    session: Session,
    scheme: Scheme,
    year: int,
    incoming: dict[str, dict[str, tuple[int, Decimal]]],
    findings: list[Finding],
    scopes: set[FlagKey],
    base_version: int | None,
    known_levels: Mapping[str, str] | None = None,
) -> None:
    levels = (
        known_levels
        if known_levels is not None
        else repo.region_levels(session, (r for r, new in incoming.items() if new))
    )
    pairs = sorted({(element, levels[r]) for r, new in incoming.items() for element in new if r in levels})
    # per cross-section, region -> number as a float, the changed values over their stored ones;
    # the exact value is looked up for a flagged value only
    rows_of, previous = sections.load(session, year, pairs, base_version)
    for region, new in incoming.items():
        level = levels.get(region)
        if level is not None:
            for element, (_, changed) in new.items():
                rows_of[(element, level)][region] = float(changed)
    sections.remember(session, year, base_version, rows_of, previous)
    # re-checked: the changed values, and every region flagged so far for these elements
    scopes.update(
        [(region, element, "outlier", "modified_z") for region, new in incoming.items() for element in new]
    )
    scopes.update(review.live_flag_keys(session, year, "outlier", sorted({p[0] for p in pairs})))
    flagged: list[tuple[str, str, str, dq.Outlier]] = []
    for element, level in pairs:
        section_rows = rows_of[(element, level)]
        section = dq.cross_section(section_rows.values())
        if section is None:
            continue
        low, high = section.bounds()
        for region, number in [(r, n) for r, n in section_rows.items() if 0 < n < low or n > high]:
            out = section.outlier(number)
            if abs(out.z) <= dq.OUTLIER_Z:  # at a bound, within float rounding
                continue
            flagged.append((region, element, level, out))
    # the exact value of a flagged one: a changed value as sent, any other as stored
    exact = {(r, e): incoming[r][e][1] for r, e, _, _ in flagged if e in incoming.get(r, ())}
    missing = sorted({r for r, e, _, _ in flagged if (r, e) not in exact})
    if missing:
        # the regions' other numbers as stored; a changed one keeps the number sent
        for key, (as_stored, _) in review.numbers_of(session, year, missing).items():
            exact.setdefault(key, as_stored)
    for region, element, level, out in flagged:
        value = canonical(exact[(region, element)])
        unit = scheme.elements[element].unit
        findings.append(
            Finding(
                region,
                element,
                "outlier",
                "modified_z",
                "warning",
                f"{value}",
                out.message_en(element, value, unit, level),
                out.message_zh(element, value, unit, level),
                {
                    "method": dq.OUTLIER_METHOD,
                    "value": _num(value),
                    "z": json_number(round(out.z, 3)),
                    "median": json_number(out.median),
                    "regions": out.regions,
                    "level": level,
                    "unit": unit,
                },
            )
        )


def sync(
    session: Session, year: int, findings: Sequence[Finding], scopes: Iterable[FlagKey]
) -> dict[FlagKey, QualityFlag]:
    """Bring the flags of the re-checked keys (`scopes`) in line with `findings`; returns the live
    flag of each finding."""
    scope = set(scopes)
    kinds = {k[2] for k in scope}
    kept, new = _sync(
        session, year, findings, scope, review.live_flags(session, year, {k[0] for k in scope}, kinds)
    )
    kept.update({(f.region_code, f.element, f.kind, f.rule): f for f in new})
    return kept


def _sync(
    session: Session, year: int, findings: Sequence[Finding], scope: set[FlagKey], live: Sequence[QualityFlag]
) -> tuple[dict[FlagKey, QualityFlag], list[QualityFlag]]:
    """`sync` given the live flags of (at least) the regions of `scope` (any other is left alone):
    the flags kept, and the new ones (added and flushed)."""
    wanted = {f.key: f for f in findings}
    now = utcnow()
    kept: dict[FlagKey, QualityFlag] = {}
    for flag in live:
        key = _key(flag)
        if key not in scope:
            continue
        finding = wanted.get(key)
        if finding is not None and finding.fingerprint == flag.fingerprint and key not in kept:
            kept[key] = flag
        else:
            flag.status, flag.closed_at = "closed", now
            session.add(flag)
    new = [
        QualityFlag(
            year=year,
            region_code=f.region,
            element=f.element,
            kind=f.kind,
            rule=f.rule,
            severity=f.severity,
            fingerprint=f.fingerprint,
            message_en=f.message_en,
            message_zh=f.message_zh,
            details=json.dumps(f.details, ensure_ascii=False),
            created_at=now,
        )
        for key, f in wanted.items()
        if key not in kept
    ]
    review.add_flags(session, new)
    return kept, new


def value_deleted(session: Session, year: int, region: str, element: str) -> None:
    """A deleted value leaves nothing to doubt: close its flags and those of rules over it."""
    period = repo.get_period(session, year)
    if period is None:
        return
    scheme = schemes.get_scheme(session, period.scheme_code)
    rules = {r.code for r in scheme.consistency if element in r.elements}
    now = utcnow()
    for flag in review.live_flags(session, year, [region]):
        if flag.element == element or (flag.kind == "consistency" and flag.rule in rules):
            flag.status, flag.closed_at = "closed", now
            session.add(flag)


# -------------------------------------------------------------------------------- reading


def _finding_read(f: Finding) -> dict[str, Any]:
    return {
        "id": None,
        "region": f.region,
        "element": f.element,
        "kind": f.kind,
        "rule": f.rule,
        "severity": f.severity,
        "status": "open",
        "message_en": f.message_en,
        "message_zh": f.message_zh,
        "details": f.details,
    }


def flag_read(flag: QualityFlag) -> dict[str, Any]:
    return {
        "id": flag.id,
        "year": flag.year,
        "region": flag.region_code,
        "element": flag.element,
        "kind": flag.kind,
        "rule": flag.rule,
        "severity": flag.severity,
        "status": flag.status,
        "message_en": flag.message_en,
        "message_zh": flag.message_zh,
        "details": json.loads(flag.details),
        "comment": flag.comment,
        "confirmed_by": flag.confirmed_by,
        "confirmed_at": flag.confirmed_at,
        "closed_at": flag.closed_at,
        "created_at": flag.created_at,
    }


def warnings_for(session: Session, year: int, region: str, element: str) -> list[dict[str, Any]]:
    """The live flags about one value (what a single write answers as its warnings)."""
    period = repo.get_period(session, year)
    if period is None:
        return []
    scheme = schemes.get_scheme(session, period.scheme_code)
    rules = {r.code for r in scheme.consistency if element in r.elements}
    return [
        flag_read(f)
        for f in review.live_flags(session, year, [region])
        if f.element == element or (f.kind == "consistency" and f.rule in rules)
    ]


def _flag_departments(scheme: Scheme, flag: QualityFlag) -> set[str]:
    elements = {flag.element}
    if flag.kind == "consistency":
        elements |= {e for r in scheme.consistency if r.code == flag.rule for e in r.elements}
    return {scheme.elements[e].department for e in elements if e in scheme.elements}


STATUS_FILTERS = {
    "open": ("open",),
    "confirmed": ("confirmed",),
    "closed": ("closed",),
    "live": ("open", "confirmed"),
    "all": ("open", "confirmed", "closed"),
}


def list_flags(
    session: Session,
    year: int,
    *,
    parent: str | None,
    department: str | None,
    status: str,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    """Flags of `year` in `parent`'s subtree (every region without it), about the elements of
    `department` (either side of a consistency rule), by status (open by default)."""
    period = repo.get_period(session, year)
    if period is None:
        raise NotFound("period", year)
    scheme = schemes.get_scheme(session, period.scheme_code)
    if department is not None and department not in scheme.departments:
        raise InvalidInput(
            [
                Problem(
                    "department",
                    f"unknown department {department!r}; expected {', '.join(scheme.departments)}",
                )
            ]
        )
    regions = scope_codes(session, parent)
    rows = review.list_flags(session, year, regions=regions, statuses=STATUS_FILTERS[status])
    if department is not None:
        rows = [f for f in rows if department in _flag_departments(scheme, f)]
    items = [flag_read(f) for f in rows[offset : offset + limit]]
    total = len(rows)
    return {
        "year": year,
        "parent": parent,
        "department": department,
        "status": status,
        "methods": {
            "consistency": "the scheme's consistency rules (GET /api/v1/schemes/{code}) on the stored values",
            "unit_slip": dq.SLIP_METHOD,
            "outlier": dq.OUTLIER_METHOD,
        },
        "items": items,
        "total": total,
        "limit": limit,
        "offset": offset,
    }


def confirm_flag(session: Session, year: int, flag_id: int, comment: str, *, actor: Actor) -> dict[str, Any]:
    """The owning department (or an admin) confirms that a flagged value is right, saying why."""
    if not comment.strip():
        raise InvalidInput([Problem("comment", "must say why the flagged value is right")])
    flag = review.get_flag(session, year, flag_id)
    if flag is None:
        raise NotFound("quality flag", f"{year}/{flag_id}")
    period = repo.get_period(session, year)
    assert period is not None  # a flag belongs to a period
    scheme = schemes.get_scheme(session, period.scheme_code)
    if actor.principal.role != "admin":
        owners = _flag_departments(scheme, flag)
        elements = [flag.element] + [
            e
            for r in scheme.consistency
            if r.code == flag.rule and flag.kind == "consistency"
            for e in r.elements
        ]
        refusals = [value_refusal(actor.principal, scheme, e, flag.region_code) for e in elements]
        if actor.principal.role != "department" or all(r is not None for r in refusals):
            raise Forbidden(
                f"only a key of the owning department ({', '.join(sorted(owners))}) covering region "
                f"{flag.region_code}, or an admin, may confirm this flag; key {actor.name!r} is a "
                f"{actor.principal.role} key"
            )
    if flag.status == "closed":
        raise InvalidInput([Problem("flag_id", f"flag {flag_id} is closed: its value has changed since")])
    old = {"status": flag.status, "comment": flag.comment}
    flag.status, flag.comment = "confirmed", comment
    flag.confirmed_by, flag.confirmed_at = actor.name, utcnow()
    session.add(flag)
    session.flush()
    audit.record(
        session,
        audit.event(
            actor,
            "confirm",
            "quality_flag",
            str(flag.id),
            region=flag.region_code,
            year=year,
            element=flag.element,
            old=old,
            new={"status": flag.status, "comment": comment},
            reason=comment,
        ),
    )
    return flag_read(flag)
