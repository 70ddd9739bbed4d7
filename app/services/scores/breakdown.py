"""One region's explained breakdown: scored now (an open period) or as published, with its names,
and the place (level, ancestors) the ranks of a breakdown are read within."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from app.db import facts as facts_reader
from app.db import repositories as repo
from app.domain import Breakdown, InvalidInput, Problem, Scheme, score
from app.domain.elements import region_level_zh
from app.domain.labels import RegionNames, label_breakdown
from app.services import schemes
from app.services.errors import NotFound
from app.services.periods import PUBLISHED, published_region_names, snapshot_row

#: facts of regions with every registry item named (the read model's explained read)
facts_by_region = facts_reader.region_facts


class LevelMismatch(InvalidInput):
    """A region the scheme does not score: cities and the province get aggregates, not a score."""

    def __init__(self, scheme: Scheme, code: str, name_zh: str, level: str) -> None:
        reason = (
            f"scheme {scheme.code} scores {scheme.region_level}-level regions; {code} {name_zh} is a {level}"
            f" (指标体系 {scheme.code} 评价{region_level_zh(scheme.region_level)}地区；{code} {name_zh} 是{region_level_zh(level)}地区)"
        )
        super().__init__([Problem("region", reason)])
        self.reason = reason


def check_level(scheme: Scheme, code: str, name_zh: str, level: str) -> None:
    if level != scheme.region_level:
        raise LevelMismatch(scheme, code, name_zh, level)


def score_region(session: Session, year: int, region: str) -> Breakdown:
    period = repo.get_period(session, year)
    if period is None:
        raise NotFound("period", year)
    row = repo.get_region(session, region)
    if row is None:
        raise NotFound("region", region)
    scheme = schemes.get_scheme(session, period.scheme_code)
    check_level(scheme, region, row.name_zh, row.level)
    return score(scheme, facts_by_region(session, scheme, year, [region])[region], region)


def breakdown_json(session: Session, year: int, region: str) -> bytes:
    """The API's breakdown: the domain's, plus `period_status`; a published period's snapshot."""
    period = repo.get_period(session, year)
    if period is None:
        raise NotFound("period", year)
    if period.status == PUBLISHED:
        current = repo.get_region(session, region)
        if current is None:
            raise NotFound("region", region)
        row = snapshot_row(session, year, region)
        if row is None:
            raise NotFound(
                "published score", f"of region {region} in period {year} (added after publication)"
            )
        # the level the region had when the year was published
        state = json.loads(row.region_state) if row.region_state else None
        level, name = (state["level"], state["name_zh"]) if state else (current.level, current.name_zh)
        scheme = schemes.get_scheme(session, period.scheme_code)
        check_level(scheme, region, name, level)
        stored = json.loads(row.breakdown)
        if "region_name_zh" in stored:
            return row.breakdown.encode()  # stored with its names and sentences: served as published
        # published before breakdowns carried names: the stored fields as they are, the names
        # added from the scheme and the region's state as published (never the live tables)
        names = published_region_names(session, year).get(region)
        return json.dumps(label_breakdown(stored, scheme, names), ensure_ascii=False).encode()
    scheme = schemes.get_scheme(session, period.scheme_code)
    body = score_region(session, year, region).to_dict()
    body["period_status"] = period.status
    label_breakdown(body, scheme, region_names(session, region))
    return json.dumps(body, ensure_ascii=False).encode()


def region_names(session: Session, code: str) -> RegionNames | None:
    """The region's names, level and parent as the region table holds them now."""
    row = repo.get_region(session, code)
    if row is None:
        return None
    return RegionNames.of(row, repo.get_region(session, row.parent_code) if row.parent_code else None)


def region_place(session: Session, year: int, code: str) -> tuple[str, tuple[str, ...]] | None:
    """(level, ancestors parent first) of a region as `year` knows it; None when it is unknown."""
    period = repo.get_period(session, year)
    if period is not None and period.status == PUBLISHED:
        row = snapshot_row(session, year, code)
        if row is not None and row.region_state:
            state = json.loads(row.region_state)
            return str(state["level"]), tuple(state["ancestors"])
    region = repo.get_region(session, code)
    if region is None:
        return None
    chain: list[str] = []
    current = region.parent_code
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        parent = repo.get_region(session, current)
        current = parent.parent_code if parent is not None else None
    return region.level, tuple(chain)


def with_ranks(body: bytes, ranks: list[dict[str, Any]]) -> bytes:
    """A breakdown's JSON with `ranks` added as its last field (the body is one JSON object)."""
    if not body.endswith(b"}"):
        return body
    return body[:-1] + b', "ranks": ' + json.dumps(ranks).encode() + b"}"
