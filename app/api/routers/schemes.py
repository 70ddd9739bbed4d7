from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.api.deps import DbDep, Limit, Offset
from app.api.problems import responses
from app.api.schemas import Page, SchemeDetail, SchemeSummary
from app.domain import Scheme
from app.domain.loader import plain
from app.domain.numbers import json_number
from app.services import schemes
from app.services.paging import page

router = APIRouter(prefix="/schemes", tags=["schemes"])


def summary(s: Scheme) -> dict[str, Any]:
    return {
        "code": s.code,
        "version": s.version,
        "name_zh": s.name_zh,
        "name_en": s.name_en,
        "total": json_number(s.total),
        "content_hash": s.content_hash,
    }


def detail(s: Scheme) -> dict[str, Any]:
    def named(x: Any) -> dict[str, Any]:
        return {"code": x.code, "name_zh": x.name_zh, "name_en": x.name_en}

    return {
        **summary(s),
        "tiers": [{**named(t), "min_score": json_number(t.min_score)} for t in s.tiers],
        "departments": [named(d) for d in s.departments.values()],
        "levels": [named(lv) for lv in s.levels.values()],
        "elements": [
            {
                **named(e),
                "unit": e.unit,
                "kind": str(e.kind),
                "department": e.department,
                "min": plain(e.minimum),
                "max": plain(e.maximum),
                "choices": [named(c) for c in e.choices],
                "optional": e.optional,
                "denominator_of": list(e.denominator_of),
            }
            for e in s.elements.values()
        ],
        "registries": [
            {**named(r), "counting": str(r.counting), "types": [named(t) for t in r.types]}
            for r in s.registries.values()
        ],
        "dimensions": [
            {
                **named(d),
                "weight": json_number(d.weight),
                "indicators": [
                    {
                        **named(i),
                        "unit": i.unit,
                        "max": json_number(i.max),
                        "departments": list(i.departments),
                        "inputs": list(i.rule.elements),
                        "rule": plain(i.rule.describe()),
                        # what the breakdown's `explanation` of this indicator holds, by key
                        "explanation_shape": {"kind": i.rule.kind, **i.rule.explanation_shape},
                    }
                    for i in d.indicators
                ],
            }
            for d in s.dimensions
        ],
        "consistency": [r.to_dict() for r in s.consistency],
        "bounds": {
            "elements": {
                e.code: json_number(e.max_yearly_change)
                for e in s.elements.values()
                if e.max_yearly_change is not None
            },
            "types": {
                t.code: t.max_new_per_year
                for r in s.registries.values()
                for t in r.types
                if t.max_new_per_year is not None
            },
        },
    }


@router.get("", response_model=Page[SchemeSummary], responses=responses(422))
def list_schemes(db: DbDep, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    with db.read() as session:
        all_ = schemes.list_schemes(session)
    return page([summary(s) for s in all_[offset : offset + limit]], len(all_), limit, offset)


@router.get("/{code}", response_model=SchemeDetail, responses=responses(404, 422))
def get_scheme(code: str, db: DbDep) -> dict[str, Any]:
    with db.read() as session:
        return detail(schemes.get_scheme(session, code))
