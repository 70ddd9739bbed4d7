"""Analytics use cases: load breakdowns and facts through the score services, compute in the domain.

Breakdowns are read the way the score endpoints read them (`scores.breakdown_json`, rankings
through the `ScoreReader`), so a published period answers from its snapshot here too. Facts, for
re-scoring (gaps, what-if, the scheme effect), come from `scores.facts_by_region`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from app.db import repositories as repo
from app.db.tables import Period
from app.domain import Breakdown, Facts, InvalidInput, Problem, Scheme, analysis, score
from app.domain.analysis import Changes, Place, Standing
from app.domain.analysis.sentences import department_text, round_text
from app.domain.labels import label_breakdown
from app.domain.numbers import json_number
from app.services import schemes, timeliness
from app.services.errors import NotFound
from app.services.periods import PUBLISHED, PublishedRegion, get_period, published_regions
from app.services.regions import get_region, scope_codes
from app.services.scores import LevelMismatch, ScoreReader, breakdown_json, facts_by_region, region_names

#: a trend reads at most this many years
MAX_TREND_YEARS = 200  # every data year the API accepts (1949-2100)


def _places(session: Session, published_year: int | None = None) -> dict[str, Place]:
    """Every region with the city it belongs to (its nearest ancestor of level city).

    With `published_year`, the regions of that year's snapshot are named and placed as they were
    when it was published; the others as they are now."""
    rows = {r.code: r for r in repo.region_rows(session, None, None)}
    if published_year is not None:
        for p in published_regions(session, published_year).values():
            rows[p.code] = repo.RegionRow(p.code, p.name_zh, p.name_en, p.level, p.parent_code)

    def city(code: str) -> str | None:
        seen = 0
        current: str | None = code
        while current is not None and current in rows and seen < 10:
            if rows[current].level == "city":
                return current
            current, seen = rows[current].parent_code, seen + 1
        return None

    return {c: Place(c, r.name_zh, r.name_en, city(c)) for c, r in rows.items()}


def _stored(session: Session, year: int, region: str, scheme: Scheme) -> tuple[Breakdown, str]:
    """The breakdown the score endpoint serves (a published period's snapshot) and the status."""
    data = json.loads(breakdown_json(session, year, region))
    return analysis.breakdown_from_dict(data, scheme), str(data.get("period_status", "open"))


def _region_facts(session: Session, year: int, region: str) -> tuple[Period, Scheme, Facts]:
    period = get_period(session, year)
    get_region(session, region)
    scheme = schemes.get_scheme(session, period.scheme_code)
    return period, scheme, facts_by_region(session, scheme, year, [region])[region]


# -------------------------------------------------------------------------------- round summary


def round_summary(
    session: Session, reader: ScoreReader, year: int, parent: str | None, level: str | None
) -> dict[str, Any]:
    """The round of `year` for the regions under `parent` at `level`, against the year before."""
    period = get_period(session, year)
    scheme, rows, status = reader.ranking(year, parent, level)
    current = {r.region.code: Standing(r.total, r.tier) for r in rows}
    previous: dict[str, Standing] | None = None
    if repo.get_period(session, year - 1) is not None:
        _, before, _ = reader.ranking(year - 1, parent, level)
        previous = {r.region.code: Standing(r.total, r.tier) for r in before}
    places = _places(session, year if period.status == PUBLISHED else None)
    summary = analysis.round_summary(
        year, current, previous, places, [t.code for t in scheme.tiers], previous_year=year - 1
    )
    text = round_text(summary, scheme)
    return {
        "scheme": scheme.code,
        "period_status": status,
        "round_label": period.round_label,
        "parent": parent,
        "level": level,
        **summary.to_dict(places),
        "summary_zh": text.zh,
        "summary_en": text.en,
    }


# ------------------------------------------------------------------------------------- trend


def _rank_scope(session: Session, code: str) -> str | None:
    """The top ancestor of a region (its province), whose same-level regions it is ranked among."""
    top, current, seen = None, repo.get_region(session, code), 0
    while current is not None and current.parent_code is not None and seen < 10:
        top, current, seen = current.parent_code, repo.get_region(session, current.parent_code), seen + 1
    return top


def trend(
    session: Session, reader: ScoreReader, code: str, from_year: int | None, to_year: int | None
) -> dict[str, Any]:
    """The region's total, tier, rank and dimensions per year, and each change attributed."""
    region = get_region(session, code)
    if from_year is not None and to_year is not None and from_year > to_year:
        raise InvalidInput([Problem("from", f"{from_year} is after to {to_year}")])
    years = [
        p
        for p in repo.list_periods(session, MAX_TREND_YEARS, 0)[0]
        if (from_year is None or p.year >= from_year) and (to_year is None or p.year <= to_year)
    ]
    scope = _rank_scope(session, code)
    published: dict[int, PublishedRegion | None] = {
        p.year: published_regions(session, p.year).get(code) for p in years if p.status == PUBLISHED
    }
    rows: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    kept: list[tuple[Period, Scheme, Breakdown]] = []
    not_scored: LevelMismatch | None = None
    for period in years:
        scheme = schemes.get_scheme(session, period.scheme_code)
        try:
            b, status = _stored(session, period.year, code, scheme)
        except NotFound as exc:  # added after the year was published: it has no score there
            skipped.append({"year": period.year, "reason": str(exc)})
            continue
        except LevelMismatch as exc:  # of a level the year's scheme does not score (then or now)
            skipped.append({"year": period.year, "reason": exc.reason})
            not_scored = exc
            continue
        # a published year ranks the region where it stood then: its province and level of that time
        then = published.get(period.year)
        if then is not None:
            _, ranking, _ = reader.ranking(
                period.year, then.ancestors[-1] if then.ancestors else None, then.level
            )
        else:
            _, ranking, _ = reader.ranking(period.year, scope, region.level)
        rank = next((r.rank for r in ranking if r.region.code == code), None)
        kept.append((period, scheme, b))
        rows.append(
            {
                "year": period.year,
                "round_label": period.round_label,
                "scheme": b.scheme,
                "scheme_version": b.scheme_version,
                "period_status": status,
                "total": json_number(b.total),
                "tier": b.tier.code,
                "rank": rank,
                "ranked": len(ranking),
                "complete": b.complete,
                "dimensions": {d.code: json_number(d.score) for d in b.dimensions},
            }
        )
    if not rows and not_scored is not None:
        raise not_scored
    changes = []
    for (p0, _, b0), (_, s1, b1) in itertools.pairwise(kept):
        counterfactual = None
        if not analysis.same_scheme(b0, b1):
            before = facts_by_region(session, s1, p0.year, [code])[code]
            counterfactual = score(s1, analysis.carry_facts(before, s1), code, explain=False)
        changes.append(analysis.attribute(b0, b1, counterfactual).to_dict())
    return {
        "region": code,
        "name_zh": region.name_zh,
        "name_en": region.name_en,
        "level": region.level,
        "rank_scope": scope,
        "from": from_year,
        "to": to_year,
        "years": rows,
        "changes": changes,
        "skipped": skipped,
    }


# ------------------------------------------------------------------------------ gaps, what-if


def gaps(session: Session, year: int, region: str) -> dict[str, Any]:
    """Gaps per indicator and the path to the next tier; every claim re-scored (see the domain)."""
    _, scheme, facts = _region_facts(session, year, region)
    stored, status = _stored(session, year, region, scheme)
    return {
        "period_status": status,
        "stored_total": json_number(stored.total),
        **analysis.gaps(scheme, facts, region).to_dict(),
    }


def simulate(session: Session, year: int, region: str, changes: Changes) -> dict[str, Any]:
    """The breakdown the changes would give and its delta against the stored total; writes nothing."""
    _, scheme, facts = _region_facts(session, year, region)
    stored, status = _stored(session, year, region, scheme)
    b = analysis.simulate(scheme, facts, changes, region)
    return {
        "year": year,
        "region": region,
        "scheme": scheme.code,
        "period_status": status,
        "stored_total": json_number(stored.total),
        "stored_tier": stored.tier.code,
        "total": json_number(b.total),
        "tier": b.tier.code,
        "delta": json_number(b.total - stored.total),
        "by_indicator": {
            k: json_number(v) for k, v in analysis.indicator_changes(stored, b).items() if v != 0
        },
        # a breakdown like any other: names and sentences (the region as it is now)
        "breakdown": label_breakdown(b.to_dict(), scheme, region_names(session, region)),
    }


# ------------------------------------------------------------------------------- departments


def _names(scheme: Scheme, dept: str) -> dict[str, str | None]:
    d = scheme.departments.get(dept)
    return {"name_zh": d.name_zh if d else None, "name_en": d.name_en if d else None}


def _department_summary(scheme: Scheme, p: analysis.DepartmentPart) -> dict[str, str]:
    text = department_text(scheme, p.code, p.earned, p.available, p.lost, p.missing_inputs)
    return {"summary_zh": text.zh, "summary_en": text.en}


def department_decomposition(session: Session, year: int, region: str) -> dict[str, Any]:
    period = get_period(session, year)
    get_region(session, region)
    scheme = schemes.get_scheme(session, period.scheme_code)
    b, status = _stored(session, year, region, scheme)
    names = {i.code: (i.name_zh, i.name_en) for i in b.indicators}
    parts = analysis.departments(b, list(scheme.departments))
    return {
        "year": year,
        "region": region,
        "scheme": b.scheme,
        "period_status": status,
        "total": json_number(b.total),
        "max": json_number(b.max),
        "rule": analysis.SPLIT_RULE,
        "departments": [
            {
                "department": p.code,
                **_names(scheme, p.code),
                "earned": json_number(p.earned),
                "available": json_number(p.available),
                "lost": json_number(p.lost),
                "missing_inputs": list(p.missing_inputs),
                **_department_summary(scheme, p),
                "indicators": [
                    {
                        "indicator": s.indicator,
                        "name_zh": names[s.indicator][0],
                        "name_en": names[s.indicator][1],
                        "owners": list(s.owners),
                        "share": f"1/{len(s.owners)}",
                        "score": json_number(s.score),
                        "max": json_number(s.max),
                        "earned": json_number(s.earned),
                        "available": json_number(s.available),
                        "lost": json_number(s.lost),
                    }
                    for s in p.shares
                ],
            }
            for p in parts
        ],
    }


# ------------------------------------------------------------------------------ completeness


def completeness(session: Session, year: int, parent: str | None, level: str | None) -> dict[str, Any]:
    """Inputs expected, received and missing per region (under `parent`, at `level`) and department."""
    period = get_period(session, year)
    scheme = schemes.get_scheme(session, period.scheme_code)
    codes = scope_codes(session, parent)
    if period.status == PUBLISHED:  # the regions, names and tree of the year as published
        regions = [
            repo.RegionRow(p.code, p.name_zh, p.name_en, p.level, p.parent_code)
            for p in published_regions(session, year).values()
            if p.under(parent) and (level is None or p.level == level)
        ]
    else:
        regions = repo.region_rows(session, codes, level)
    wanted = [r.code for r in regions]
    received: dict[str, set[str]] = {c: set() for c in wanted}
    for code, element, _, _ in repo.scoring_values(session, year, wanted):
        if code in received and element in scheme.elements:
            received[code].add(element)
    report = analysis.completeness(scheme, received)
    on_time, timeliness_summary = timeliness.assess(session, period, regions, report)
    totals: dict[str, dict[str, int]] = {
        d: {"expected": 0, "received": 0, "missing": 0, "regions_missing": 0} for d in scheme.departments
    }
    items = []
    for code, name_zh, name_en, _, _ in regions:
        parts = report[code]
        for p in parts:
            t = totals[p.department]
            t["expected"] += len(p.expected)
            t["received"] += len(p.received)
            t["missing"] += len(p.missing)
            t["regions_missing"] += bool(p.missing)
        items.append(
            {
                "region": code,
                "name_zh": name_zh,
                "name_en": name_en,
                "complete": not any(p.missing for p in parts),
                "expected": sum(len(p.expected) for p in parts),
                "received": sum(len(p.received) for p in parts),
                "missing": sum(len(p.missing) for p in parts),
                "departments": [
                    {
                        "department": p.department,
                        "expected": list(p.expected),
                        "received": list(p.received),
                        "missing": list(p.missing),
                        **on_time[(code, p.department)],
                    }
                    for p in parts
                ],
            }
        )
    return {
        "year": year,
        "scheme": scheme.code,
        "period_status": period.status,
        "parent": parent,
        "level": level,
        "rule": (
            "expected: every element of the period's scheme that is not optional, per the department "
            "that posts it; received: a value is stored for the region and year; registry items "
            "(platforms, awards) are not expected inputs, since a region may rightly have none"
        ),
        "totals": {
            "regions": len(items),
            "complete_regions": sum(i["complete"] for i in items),
            "expected": sum(i["expected"] for i in items),
            "received": sum(i["received"] for i in items),
            "missing": sum(i["missing"] for i in items),
        },
        "departments": [{"department": d, **_names(scheme, d), **t} for d, t in totals.items()],
        "regions": items,
        "timeliness": timeliness_summary,
    }


def changes_from_request(data: Mapping[str, Any]) -> Changes:
    """The what-if of a simulate request body (already shaped by the API schema)."""
    return Changes.from_dict(data)
